//! Where pods land and why they wait, as kube-scheduler would decide and say it.

use crate::support::{events, run_text};
use kubesim::sim::Outcome;
use std::collections::BTreeMap;

fn pods_per_node(o: &Outcome, prefix: &str) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for p in o.store.pods.iter().filter(|p| !p.is_gone() && p.is_active() && p.name.starts_with(prefix)) {
        if let Some(n) = p.node {
            *m.entry(o.store.nodes()[n].name.clone()).or_insert(0) += 1;
        }
    }
    m
}

/// Pods per node differ by at most one (max skew 1).
fn assert_skew_at_most_one(counts: &[usize]) {
    let (min, max) = (counts.iter().min().copied().unwrap_or(0), counts.iter().max().copied().unwrap_or(0));
    assert!(max - min <= 1, "skew {}: {counts:?}", max - min);
}

fn failed_scheduling(o: &Outcome) -> Vec<&str> {
    events(o, "FailedScheduling").into_iter().map(|e| e.message.as_str()).collect()
}

const THIRTEEN_PODS: &str = "
duration: 3m
cluster:
  nodes: [{name: worker, count: 3, capacity: {cpu: '4', memory: 16Gi}}]
objects:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: cpu}
    spec:
      replicas: 13
      selector: {matchLabels: {app: cpu}}
      template:
        metadata: {labels: {app: cpu}}
        spec:
          containers: [{name: c, image: 'busy:1', resources: {requests: {cpu: '1'}}}]
";

#[test]
fn thirteen_one_cpu_pods_on_three_four_cpu_nodes_leave_one_pending() {
    let o = run_text(THIRTEEN_PODS);
    let per_node = pods_per_node(&o, "cpu-");
    assert_eq!(per_node.values().copied().collect::<Vec<_>>(), [4, 4, 4], "{per_node:?}");
    let pending: Vec<_> = o.store.pods.iter().filter(|p| p.name.starts_with("cpu-") && p.node.is_none()).collect();
    assert_eq!(pending.len(), 1);
    let messages = failed_scheduling(&o);
    assert!(!messages.is_empty());
    assert!(messages.iter().all(|m| m.starts_with("0/3 nodes are available: 3 Insufficient cpu.")), "{messages:?}");
    assert_eq!(
        messages[0],
        "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod."
    );
}

#[test]
fn freeing_capacity_schedules_the_pending_pod() {
    // A 1-cpu pod pinned to worker-1 leaves room for 11 of the 12 replicas; deleting it at
    // 1m lets the 12th schedule there.
    let text = THIRTEEN_PODS.replace("replicas: 13", "replicas: 12")
        + "  - apiVersion: v1
    kind: Pod
    metadata: {name: hog}
    spec:
      nodeName: worker-1
      containers: [{name: c, image: 'busy:1', resources: {requests: {cpu: '1'}}}]
timeline:
  - {at: 1m, run: kubectl delete pod hog}
";
    let o = run_text(&text);
    let last = o
        .store
        .pods
        .iter()
        .filter(|p| p.name.starts_with("cpu-"))
        .filter_map(|p| p.scheduled)
        .max()
        .expect("scheduled");
    assert!(last.as_secs_f64() > 60.0, "the last replica was scheduled after the hog left, at {last:?}");
    let per_node = pods_per_node(&o, "cpu-");
    assert_eq!(per_node.values().copied().collect::<Vec<_>>(), [4, 4, 4], "{per_node:?}");
    assert!(!failed_scheduling(&o).is_empty(), "it waited first");
}

#[test]
fn taints_keep_pods_away_and_tolerations_with_node_selector_pin_them() {
    let text = "
duration: 2m
cluster:
  nodes:
    - {name: gpu, count: 1, capacity: {cpu: '8', memory: 32Gi}, labels: {accelerator: nvidia}, taints: [{key: dedicated, value: gpu, effect: NoSchedule}]}
    - {name: worker, count: 3, capacity: {cpu: '8', memory: 32Gi}}
objects:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      replicas: 9
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec:
          containers: [{name: c, image: 'web:1', resources: {requests: {cpu: 100m}}}]
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: train}
    spec:
      replicas: 3
      selector: {matchLabels: {app: train}}
      template:
        metadata: {labels: {app: train}}
        spec:
          nodeSelector: {accelerator: nvidia}
          tolerations: [{key: dedicated, operator: Equal, value: gpu, effect: NoSchedule}]
          containers: [{name: c, image: 'train:1', resources: {requests: {cpu: 100m}}}]
";
    let o = run_text(text);
    let web = pods_per_node(&o, "web-");
    assert!(!web.contains_key("gpu"), "a pod without the toleration landed on the tainted node: {web:?}");
    assert_eq!(web.values().copied().collect::<Vec<_>>(), [3, 3, 3], "spread evenly: {web:?}");
    let train = pods_per_node(&o, "train-");
    assert_eq!(train, BTreeMap::from([("gpu".to_string(), 3)]));
}

#[test]
fn a_deployment_spreads_with_max_skew_one_on_equal_nodes() {
    let text = "
duration: 2m
cluster:
  nodes: [{name: n, count: 4, capacity: {cpu: '16', memory: 64Gi}}]
objects:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: api}
    spec:
      replicas: 10
      selector: {matchLabels: {app: api}}
      template:
        metadata: {labels: {app: api}}
        spec:
          containers: [{name: c, image: 'api:1'}]
";
    let o = run_text(text);
    let counts: Vec<usize> = pods_per_node(&o, "api-").into_values().collect();
    assert_eq!(counts.iter().sum::<usize>(), 10);
    assert_skew_at_most_one(&counts);
}

#[test]
fn a_hard_zone_spread_constraint_leaves_the_extra_pod_pending() {
    let text = "
duration: 2m
cluster:
  nodes:
    - {name: a, count: 1, capacity: {cpu: '2', memory: 8Gi}, labels: {topology.kubernetes.io/zone: zone-a}}
    - {name: b, count: 1, capacity: {cpu: '8', memory: 8Gi}, labels: {topology.kubernetes.io/zone: zone-b}}
objects:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: z}
    spec:
      replicas: 6
      selector: {matchLabels: {app: z}}
      template:
        metadata: {labels: {app: z}}
        spec:
          topologySpreadConstraints:
            - {maxSkew: 1, topologyKey: topology.kubernetes.io/zone, whenUnsatisfiable: DoNotSchedule, labelSelector: {matchLabels: {app: z}}}
          containers: [{name: c, image: 'z:1', resources: {requests: {cpu: '1'}}}]
";
    let o = run_text(text);
    let per_node = pods_per_node(&o, "z-");
    // Zone a holds 2 pods (2 cpu); zone b may hold at most one more than a: 3. One pod waits.
    assert_eq!(per_node, BTreeMap::from([("a".to_string(), 2), ("b".to_string(), 3)]));
    let messages = failed_scheduling(&o);
    assert!(
        messages.iter().any(|m| m.contains("1 Insufficient cpu")
            && m.contains("1 node(s) didn't match pod topology spread constraints")),
        "{messages:?}"
    );
}

#[test]
fn required_anti_affinity_puts_one_pod_per_node() {
    let text = "
duration: 2m
cluster:
  nodes: [{name: n, count: 3, capacity: {cpu: '8', memory: 8Gi}}]
objects:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: db}
    spec:
      replicas: 4
      selector: {matchLabels: {app: db}}
      template:
        metadata: {labels: {app: db}}
        spec:
          affinity:
            podAntiAffinity:
              requiredDuringSchedulingIgnoredDuringExecution:
                - {topologyKey: kubernetes.io/hostname, labelSelector: {matchLabels: {app: db}}}
          containers: [{name: c, image: 'db:1'}]
";
    let o = run_text(text);
    let per_node = pods_per_node(&o, "db-");
    assert_eq!(per_node.values().copied().collect::<Vec<_>>(), [1, 1, 1]);
    let messages = failed_scheduling(&o);
    assert!(
        messages[0].starts_with("0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules."),
        "{messages:?}"
    );
}

#[test]
fn a_high_priority_pod_preempts_the_lowest_priority_victim() {
    let text = "
duration: 3m
cluster:
  nodes: [{name: solo, count: 1, capacity: {cpu: '4', memory: 8Gi}}]
objects:
  - {apiVersion: scheduling.k8s.io/v1, kind: PriorityClass, metadata: {name: low}, value: 100}
  - {apiVersion: scheduling.k8s.io/v1, kind: PriorityClass, metadata: {name: mid}, value: 500}
  - {apiVersion: scheduling.k8s.io/v1, kind: PriorityClass, metadata: {name: high}, value: 1000}
  - apiVersion: v1
    kind: Pod
    metadata: {name: batch-low}
    spec: {priorityClassName: low, containers: [{name: c, image: 'b:1', resources: {requests: {cpu: '2'}}}]}
  - apiVersion: v1
    kind: Pod
    metadata: {name: batch-mid}
    spec: {priorityClassName: mid, containers: [{name: c, image: 'b:1', resources: {requests: {cpu: '2'}}}]}
timeline:
  - at: 1m
    run: kubectl apply -f tests/fixtures/good/manifests/urgent-pod.yaml
";
    let o = run_text(text);
    let preempted: Vec<_> = o.recorder.records.iter().filter(|e| e.reason == "Preempted").collect();
    assert_eq!(preempted.len(), 1, "one victim");
    assert_eq!(preempted[0].object, "pod/batch-low");
    assert!(preempted[0].message.starts_with("Preempted by pod ") && preempted[0].message.ends_with(" on node solo"));
    let urgent = o.store.pods.iter().find(|p| p.name == "urgent").expect("urgent pod");
    assert_eq!(urgent.node.map(|n| o.store.nodes()[n].name.as_str()), Some("solo"));
    let mid = o.store.pods.iter().find(|p| p.name == "batch-mid").expect("mid pod");
    assert!(mid.terminating.is_none(), "the mid-priority pod survives");
}

#[test]
fn spreading_stays_even_through_a_rollout_and_a_scale_down() {
    // The per-owner counts the scheduler keeps are updated as pods bind and terminate; if
    // they drifted, the new revision would pile up on some nodes.
    let text = "
duration: 5m
cluster:
  nodes: [{name: n, count: 5, capacity: {cpu: '32', memory: 64Gi}}]
images:
  api:1: {pull: 1s, start: 1s}
  api:2: {pull: 1s, start: 1s}
objects:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: api}
    spec:
      replicas: 20
      selector: {matchLabels: {app: api}}
      template:
        metadata: {labels: {app: api}}
        spec:
          containers: [{name: c, image: 'api:1'}]
timeline:
  - {at: 1m, run: kubectl set image deployment/api c=api:2}
  - {at: 3m, run: kubectl scale deployment/api --replicas=10}
  - {at: 4m, run: kubectl scale deployment/api --replicas=25}
";
    let o = run_text(text);
    let counts: Vec<usize> = pods_per_node(&o, "api-").into_values().collect();
    assert_eq!(counts.iter().sum::<usize>(), 25, "{counts:?}");
    assert_skew_at_most_one(&counts);
}

#[test]
fn preemptors_count_each_others_nominations_and_evict_only_the_lowest_priority() {
    let (_, o) = crate::support::run("scenarios/scheduling-and-preemption.yaml", &[]);
    let preempted: Vec<_> = o.recorder.records.iter().filter(|e| e.reason == "Preempted").collect();
    assert_eq!(preempted.len(), 3, "one victim per payments pod");
    assert!(preempted.iter().all(|e| e.object.starts_with("pod/batch-")), "only batch (priority 100) is evicted");
    let mut nodes: Vec<&str> = preempted.iter().filter_map(|e| e.message.rsplit(' ').next()).collect();
    nodes.sort_unstable();
    nodes.dedup();
    assert_eq!(nodes.len(), 3, "a nominated pod's room is not offered to the next preemptor: {nodes:?}");
    let payments = pods_per_node(&o, "payments-");
    assert_eq!(payments.values().sum::<usize>(), 3, "{payments:?}");
}

/// Three equal nodes, each its own zone.
const THREE_ZONES: &str = "
cluster:
  SCORING
  nodes:
    - {name: a, count: 1, capacity: {cpu: '4', memory: 16Gi}, labels: {topology.kubernetes.io/zone: zone-a}}
    - {name: b, count: 1, capacity: {cpu: '4', memory: 16Gi}, labels: {topology.kubernetes.io/zone: zone-b}}
    - {name: c, count: 1, capacity: {cpu: '4', memory: 16Gi}, labels: {topology.kubernetes.io/zone: zone-c}}
";

/// Pods named `prefix*` per zone.
fn pods_per_zone(o: &Outcome, prefix: &str) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for p in o.store.pods.iter().filter(|p| !p.is_gone() && p.is_active() && p.name.starts_with(prefix)) {
        if let Some(n) = p.node {
            let zone = o.store.nodes()[n].labels.get("topology.kubernetes.io/zone").cloned().unwrap_or_default();
            *m.entry(zone).or_insert(0) += 1;
        }
    }
    m
}

#[test]
fn a_statefulset_spreads_one_pod_per_node_and_zone_by_the_system_default_constraints() {
    // kube-scheduler's system defaults (podtopologyspread `systemDefaultConstraints`):
    // hostname maxSkew 3 and zone maxSkew 5, ScheduleAnyway, over `DefaultSelector`, which
    // takes a StatefulSet's selector (helper/spread.go). Scoring db-1 with db-0 on one node:
    // that node scores (1 x ln 5 + 3 - 1) + (1 x ln 5 + 5 - 1) = 9.2, rounded 9, the empty
    // ones 6 (scoreForCount, log(3 domains + 2) weights); normalised 100 x (9 + 6 - s) / 9:
    // 66 against 100, x2 (the plugin's weight): 68 points for each empty node. That
    // outweighs the node that already has the 1Gi image (ImageLocality: 100 x (1Gi / 3 -
    // 23Mi) / (1000Mi - 23Mi) = 32) and holds the pod's requests (LeastAllocated 81 vs 90,
    // BalancedAllocation 93 vs 96): 48 points for each empty node. For db-2, with the image
    // on two nodes (ImageLocality 67), the empty node still wins by 13. Without the default
    // spreading, ImageLocality packs all three onto the first node.
    let text = format!(
        "duration: 3m\n{}{}",
        THREE_ZONES.replace("  SCORING\n", ""),
        "
images:
  db:1: {pull: 5s, start: 1s, size: 1Gi}
objects:
  - apiVersion: apps/v1
    kind: StatefulSet
    metadata: {name: db}
    spec:
      replicas: 3
      serviceName: db
      selector: {matchLabels: {app: db}}
      template:
        metadata: {labels: {app: db}}
        spec:
          containers: [{name: db, image: 'db:1', resources: {requests: {cpu: 500m, memory: 1Gi}}}]
"
    );
    let o = run_text(&text);
    assert_eq!(pods_per_node(&o, "db-").into_values().collect::<Vec<_>>(), [1, 1, 1]);
    assert_eq!(pods_per_zone(&o, "db-").into_values().collect::<Vec<_>>(), [1, 1, 1]);
}

#[test]
fn bare_pods_behind_a_service_spread_by_the_services_selector() {
    // DefaultSelector takes the selectors of the Services that select a pod, so three bare
    // pods behind a Service get the system default spreading (hostname maxSkew 3, zone
    // maxSkew 5). With MostAllocated scoring, the node already holding one pod scores 9
    // more for resources (18 vs 9) and 3 less for balance (93 vs 96): 6 points to pack;
    // the spreading gives each empty node 68 (as for the StatefulSet above): one per node.
    let text = format!(
        "duration: 1m\n{}{}",
        THREE_ZONES.replace("SCORING", "scheduler: {scoring: MostAllocated}"),
        "
objects:
  - apiVersion: v1
    kind: Service
    metadata: {name: cache}
    spec: {selector: {app: cache}, ports: [{port: 80}]}
POD1POD2POD3"
    );
    let pod = |i: u32| {
        format!(
            "  - apiVersion: v1
    kind: Pod
    metadata: {{name: cache-{i}, labels: {{app: cache}}}}
    spec: {{containers: [{{name: c, image: 'cache:1', resources: {{requests: {{cpu: 500m, memory: 1Gi}}}}}}]}}
"
        )
    };
    let text = text.replace("POD1", &pod(1)).replace("POD2", &pod(2)).replace("POD3", &pod(3));
    let o = run_text(&text);
    assert_eq!(pods_per_node(&o, "cache-").into_values().collect::<Vec<_>>(), [1, 1, 1]);
    assert_eq!(pods_per_zone(&o, "cache-").into_values().collect::<Vec<_>>(), [1, 1, 1]);
    // Without the Service, nothing spreads them: MostAllocated packs them on one node.
    let o = run_text(&text.replace("app: cache}, ports", "app: other}, ports"));
    assert_eq!(pods_per_node(&o, "cache-").into_values().collect::<Vec<_>>(), [3]);
}
