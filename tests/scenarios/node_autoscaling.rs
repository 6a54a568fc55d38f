//! Node pools, the Cluster Autoscaler, spot interruptions and cost (issue 23's "what it
//! must show"): the scale-up arithmetic and timings against the autoscaler's defaults, its
//! expanders, the scale-down rules one by one, and what the nodes cost.

use crate::support::{column, events, object_events, run, run_text};
use kubesim::sim::Outcome;
use std::path::Path;

fn summary(o: &Outcome, scenario: &kubesim::Scenario) -> serde_json::Value {
    let s = kubesim::output::Summary::new(scenario, o);
    serde_json::Value::Object(s.fields)
}

fn node_names(o: &Outcome) -> Vec<String> {
    o.store.nodes().iter().filter(|n| !n.removed).map(|n| n.name.clone()).collect()
}

/// The example: twelve 900m pods fill three m5.xlarge nodes (3920m allocatable: four each);
/// the maxSurge 50% rollout's six new pods need two more (the binpacking estimator's count,
/// as binpacking_estimator_test.go's "simple resource-based binpacking" cases count), asked
/// for at the first scan after they failed (every 10s, `--scan-interval`'s default) and
/// Ready the pool's 90s startup later; the nodes go once unneeded for 10 minutes, not before
/// `--scale-down-delay-after-add` (10 minutes) has passed since the scale-up.
#[test]
fn a_surge_on_a_full_pool_waits_one_scan_and_the_startup_then_the_extra_nodes_go() {
    let (scenario, o) = run("scenarios/autoscaling-rollout.yaml", &[]);
    let triggered = events(&o, "TriggeredScaleUp");
    assert_eq!(triggered.len(), 6, "each surge pod says it triggered the scale-up");
    assert!(triggered.iter().all(|e| e.message == "pod triggered scale-up: [{general 3->5 (max: 10)}]"));
    let failed = events(&o, "FailedScheduling");
    let first_failure = failed[0].time.as_secs_f64();
    let scale_up = triggered[0].time.as_secs_f64();
    assert!(scale_up > first_failure && scale_up - first_failure <= 10.0, "the next scan, within 10s");
    let registered = events(&o, "RegisteredNode");
    assert_eq!(registered.len(), 2);
    assert!(registered.iter().all(|e| (e.time.as_secs_f64() - (scale_up + 90.0)).abs() < 1e-6));
    assert_eq!(events(&o, "NotTriggerScaleUp").len(), 0);
    // Never more than five nodes, back to the minimum of three at the end.
    let nodes = column(&o, "nodepool/general/nodes");
    assert_eq!(nodes.iter().filter_map(|(_, v)| *v).fold(0.0, f64::max), 5.0);
    assert_eq!(nodes.last().and_then(|(_, v)| *v), Some(3.0));
    let first_down = events(&o, "ScaleDown")[0].time.as_secs_f64();
    assert!(first_down >= scale_up + 600.0, "no scale-down within 10 minutes of the scale-up ({first_down})");
    let s = summary(&o, &scenario);
    let waited = s["pending_for_capacity_max_s"].as_f64().unwrap();
    assert!((90.0..=101.0).contains(&waited), "a surge pod waited a scan and the startup: {waited}");
    assert_eq!(s["scale_ups"], 1);
    assert_eq!(s["node_pools"]["general"]["nodes_peak"], 5);
    // Cost: three nodes all along plus two for a while, at $0.192 an hour.
    let hours = s["node_hours"].as_f64().unwrap();
    assert!(hours > 2.0 && hours < 40.0 / 60.0 * 5.0, "{hours}");
    assert!((s["cost_dollars"].as_f64().unwrap() - hours * 0.192).abs() < 1e-3);
    assert_eq!(node_names(&o).len(), 3);
}

/// A cluster of one pool and the pods `pods` (a YAML list of objects), with the autoscaler's
/// settings `autoscaler` and the pool's `pool` fields.
fn cluster(pool: &str, autoscaler: &str, objects: &str, duration: &str) -> String {
    format!(
        "
name: pools
seed: 3
duration: {duration}
sample: 10s
cluster:
  nodes:
    - {{name: pool, instanceType: m5.large, {pool}}}
  autoscaler: {{type: cluster-autoscaler, {autoscaler}}}
objects:
{objects}
"
    )
}

fn deployment(name: &str, replicas: u32, cpu: &str, extra: &str) -> String {
    format!(
        "
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {{name: {name}}}
    spec:
      replicas: {replicas}
      selector: {{matchLabels: {{app: {name}}}}}
      template:
        metadata: {{labels: {{app: {name}}}}}
        spec:
          {extra}
          containers: [{{name: c, image: 'app:1', resources: {{requests: {{cpu: {cpu}, memory: 256Mi}}}}}}]"
    )
}

/// Pods no pool's template could take get `NotTriggerScaleUp` with the reason per pool, in
/// the scheduler's words, and no node is added for them (orchestrator.go's
/// `ScaleUp` "No expansion options").
#[test]
fn a_pod_no_template_can_take_adds_no_node_and_says_why() {
    let selector = deployment("picky", 1, "100m", "nodeSelector: {disk: ssd}");
    let huge = deployment("huge", 1, "3", "");
    let o = run_text(&cluster("min: 1, max: 3", "", &format!("{selector}{huge}"), "2m"));
    assert_eq!(events(&o, "TriggeredScaleUp").len(), 0);
    assert_eq!(events(&o, "RegisteredNode").len(), 0);
    let said: Vec<&str> = events(&o, "NotTriggerScaleUp").iter().map(|e| e.message.as_str()).collect();
    assert!(
        said.contains(&"pod didn't trigger scale-up: 1 node(s) didn't match Pod's node affinity/selector"),
        "{said:?}"
    );
    assert!(said.contains(&"pod didn't trigger scale-up: 1 Insufficient cpu"), "{said:?}");
    assert_eq!(said.len(), 2, "said once per pod while the reason stays the same: {said:?}");
}

/// A pool at its maximum says so (`maxLimitReachedReason`).
#[test]
fn a_pool_at_its_maximum_says_so() {
    let o = run_text(&cluster("min: 1, max: 1", "", &deployment("web", 3, "1500m", ""), "2m"));
    let said: Vec<&str> = events(&o, "NotTriggerScaleUp").iter().map(|e| e.message.as_str()).collect();
    assert_eq!(said, ["pod didn't trigger scale-up: 1 max node group size reached"; 2]);
}

/// Two pools, c5.xlarge (4 vCPU, 8GiB, $0.17/h) and m5.xlarge (4 vCPU, 16GiB, $0.192/h),
/// and two pending pods of 1800m and 6GiB: c5 takes one pod per node (memory), m5 both on
/// one node. least-waste (waste.go: idle CPU share + idle memory share) and price (per pod)
/// pick m5; priority picks the pool of the highest priority, here c5.
#[test]
fn expanders_pick_the_pool_their_rule_says() {
    let pick = |expander: &str| {
        let text = format!(
            "
name: expanders
seed: 1
duration: 3m
cluster:
  nodes:
    - {{name: small, count: 1, capacity: {{cpu: '1', memory: 1Gi}}}}
    - {{name: c5, instanceType: c5.xlarge, min: 0, max: 5, priority: 10}}
    - {{name: m5, instanceType: m5.xlarge, min: 0, max: 5, priority: 1}}
  autoscaler: {{type: cluster-autoscaler, expander: {expander}}}
objects:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {{name: big}}
    spec:
      replicas: 2
      selector: {{matchLabels: {{app: big}}}}
      template:
        metadata: {{labels: {{app: big}}}}
        spec:
          containers: [{{name: c, image: 'app:1', resources: {{requests: {{cpu: 1800m, memory: 6Gi}}}}}}]
"
        );
        let o = run_text(&text);
        let up = events(&o, "TriggeredScaleUp");
        assert!(!up.is_empty(), "{expander}: no scale-up");
        up[0].message.clone()
    };
    assert_eq!(pick("least-waste"), "pod triggered scale-up: [{m5 0->1 (max: 5)}]");
    assert_eq!(pick("price"), "pod triggered scale-up: [{m5 0->1 (max: 5)}]");
    assert_eq!(pick("priority"), "pod triggered scale-up: [{c5 0->2 (max: 5)}]");
}

/// Scale-down, rule by rule (simulator/drainability/rules/): a pool of two m5.large nodes
/// (min 1) holds one light pod each, far below the 0.5 threshold, so one node is unneeded
/// unless its pod blocks the move. `scaleDownUnneededTime: 1m` keeps the runs short.
#[test]
fn scale_down_removes_an_underused_node_unless_a_pod_blocks_the_move() {
    let fast = "scaleDownUnneededTime: 1m";
    let spread = "topologySpreadConstraints: [{maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: DoNotSchedule, labelSelector: {matchLabels: {app: web}}}]";
    let removed = |objects: &str| -> usize {
        let o = run_text(&cluster("min: 1, max: 2, count: 2", fast, objects, "6m"));
        events(&o, "RemovingNode").len()
    };
    // Plain replicated pods move: one node goes.
    let web = deployment("web", 2, "100m", spread);
    assert_eq!(removed(&web), 1, "a node of movable pods is removed");
    // A pod without a controller ("is not replicated") pins its node; with safe-to-evict
    // "true" it does not.
    let bare = |annotations: &str, name: &str, ns: &str| {
        format!(
            "
  - apiVersion: v1
    kind: Pod
    metadata: {{name: {name}, namespace: {ns}, annotations: {{{annotations}}}}}
    spec:
      nodeName: pool-1
      containers: [{{name: c, image: 'app:1', resources: {{requests: {{cpu: 100m, memory: 64Mi}}}}}}]"
        )
    };
    // Unreplicated pods on both nodes: neither can go. With safe-to-evict "true" one can.
    let both = |annotations: &str| {
        format!(
            "{}{}",
            bare(annotations, "lone-1", "default"),
            bare(annotations, "lone-2", "default").replace("pool-1", "pool-2")
        )
    };
    assert_eq!(removed(&both("")), 0, "an unreplicated pod blocks");
    assert_eq!(
        removed(&both("cluster-autoscaler.kubernetes.io/safe-to-evict: 'true'")),
        1,
        "safe-to-evict true lets it move"
    );
    // A kube-system pod without a PodDisruptionBudget blocks (skip-nodes-with-system-pods).
    let system = deployment("dns", 2, "100m", &spread.replace("app: web", "app: dns"))
        .replace("metadata: {name: dns}", "metadata: {name: dns, namespace: kube-system}");
    assert_eq!(removed(&system), 0, "a kube-system pod without a budget blocks");
    // A replicated pod annotated safe-to-evict "false" blocks.
    let unsafe_web = deployment("web", 2, "100m", spread).replace(
        "metadata: {labels: {app: web}}",
        "metadata: {labels: {app: web}, annotations: {cluster-autoscaler.kubernetes.io/safe-to-evict: 'false'}}",
    );
    assert_eq!(removed(&unsafe_web), 0, "safe-to-evict false blocks");
    // Local storage (an emptyDir) blocks by default.
    let local =
        deployment("web", 2, "100m", &format!("{spread}\n          volumes: [{{name: scratch, emptyDir: {{}}}}]"));
    assert_eq!(removed(&local), 0, "a pod with local storage blocks");
    // A PodDisruptionBudget that allows no disruption blocks.
    let pdb = "
  - apiVersion: policy/v1
    kind: PodDisruptionBudget
    metadata: {name: web}
    spec: {minAvailable: 2, selector: {matchLabels: {app: web}}}";
    assert_eq!(removed(&format!("{web}{pdb}")), 0, "a budget that allows nothing blocks");
    // Busy nodes (above the threshold) stay.
    let busy = deployment("web", 2, "1200m", spread);
    assert_eq!(removed(&busy), 0, "a node above half its allocatable stays");
}

/// The pool never goes below its minimum, and a node at the minimum is not a candidate.
#[test]
fn scale_down_stops_at_the_pools_minimum() {
    let o = run_text(&cluster("min: 2, max: 4, count: 4", "scaleDownUnneededTime: 1m", "", "8m"));
    assert_eq!(events(&o, "RemovingNode").len(), 2, "two of four empty nodes go");
    assert_eq!(node_names(&o).len(), 2, "the minimum stays");
    let o =
        run_text(&cluster("min: 2, max: 4, count: 4", "scaleDownUnneededTime: 1m, scaleDownEnabled: false", "", "8m"));
    assert_eq!(events(&o, "RemovingNode").len(), 0, "scaleDownEnabled: false");
}

/// A fixed group with a price: three nodes at $0.10 for an hour cost $0.30.
#[test]
fn a_priced_group_costs_its_price_times_its_node_hours() {
    let text = "
name: priced
duration: 1h
sample: 1m
cluster:
  nodes:
    - {name: worker, count: 3, price: 0.1}
objects:
  - {apiVersion: v1, kind: Namespace, metadata: {name: empty}}
";
    let scenario = crate::support::load_text(text);
    let o = kubesim::simulate(&scenario, None);
    let s = summary(&o, &scenario);
    assert_eq!(s["cost_dollars"], 0.3);
    assert_eq!(s["cost_per_hour_dollars"], 0.3);
    assert_eq!(s["node_hours"], 3.0);
    assert_eq!(s["node_pools"]["worker"]["min"], serde_json::Value::Null);
}

/// Spot nodes get the two-minute notice (cordon and drain), leave, and the autoscaler
/// replaces the capacity. The notices come from the pool's own stream: two variants that
/// differ only in the expander see them at the same times.
#[test]
fn spot_interruptions_drain_remove_and_replace_nodes_at_the_same_times_across_variants() {
    let text = |expander: &str| {
        format!(
            "
name: spot
seed: 9
duration: 2h
sample: 30s
cluster:
  nodes:
    - {{name: spot, instanceType: m5.large, capacityType: spot, min: 2, max: 4, interruptions: 1/h}}
    - {{name: od, instanceType: m5.large, min: 0, max: 4}}
  autoscaler: {{type: cluster-autoscaler, expander: {expander}}}
objects:{}
",
            deployment("web", 6, "500m", "")
        )
    };
    let a = run_text(&text("random"));
    let b = run_text(&text("priority"));
    let notices = |o: &Outcome| -> Vec<(u64, String)> {
        events(o, "SpotInterrupted").iter().map(|e| (e.time.as_micros(), e.object.clone())).collect()
    };
    assert!(!notices(&a).is_empty(), "an hourly rate over two hours interrupts some node");
    assert_eq!(notices(&a), notices(&b), "the same notices in both variants");
    for (at, node) in notices(&a) {
        let gone = object_events(&a, &node, "RemovingNode");
        assert_eq!(gone.len(), 1, "{node} leaves");
        assert_eq!(gone[0].time.as_micros(), at + 120_000_000, "{node} leaves two minutes after its notice");
    }
    // Every web pod runs again at the end.
    let ready = column(&a, "deployment/web/ready");
    assert_eq!(ready.last().and_then(|(_, v)| *v), Some(6.0));
}

/// Bad input is placed and explained.
#[test]
fn bad_pool_input_is_a_positioned_error() {
    let check = |nodes: &str, autoscaler: &str, expected: &str| {
        let text = format!("name: bad\ncluster:\n  nodes:\n    - {nodes}\n{autoscaler}");
        let errors = match kubesim::load_str(Path::new("bad.yaml"), &text, &[]) {
            Ok(_) => panic!("{nodes} should not load"),
            Err(d) => d.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n"),
        };
        assert!(errors.contains(expected), "expected {expected:?} in:\n{errors}");
        assert!(errors.contains("bad.yaml:"), "placed: {errors}");
    };
    check("{name: a, instanceType: m5.xlarg}", "", "unknown instance type \"m5.xlarg\"");
    check("{name: a, instanceType: m5.xlarg}", "", "did you mean `m5.xlarge`?");
    check("{name: a, min: 1}", "", "an autoscaled pool needs both min and max: max is missing");
    check("{name: a, min: 1, max: 3, count: 5}", "", "count 5 is outside the pool's bounds [1, 3]");
    check("{name: a, min: 3, max: 1}", "", "max (1) is less than min (3)");
    check("{name: a, interruptions: 1/day}", "", "interruptions are for spot capacity");
    check("{name: a, capacityType: spot, interruptions: often}", "", "invalid rate \"often\"");
    check(
        "{name: a, min: 1, max: 2}",
        "  autoscaler: {type: cluster-autoscaler, expander: cheapest}",
        "Unsupported value: \"cheapest\"",
    );
    check("{name: a, min: 1, max: 2}", "  autoscaler: {type: karpenterr}", "Unsupported value: \"karpenterr\"");
    check("{name: a, min: 1, max: 2}", "  autoscaler: {expander: price}", "type: Required value");
}

/// Karpenter's solve on a hand-checked case: a NodePool offering m5.large ($0.096/h, 1930m),
/// m5.xlarge ($0.192/h, 3920m) and c5.xlarge ($0.17/h, 3920m). A pending 3000m pod fits
/// only the xlarge types and gets the cheaper c5.xlarge; two pending 900m pods fit one
/// m5.large together, the cheapest (scheduler.go `Solve`, the NodeClaim launched with the
/// cheapest of its instance types).
#[test]
fn karpenter_launches_the_cheapest_instance_type_that_fits_the_batch() {
    let launched = |replicas: u32, cpu: &str| {
        let text = format!(
            "
name: karpenter
seed: 2
duration: 3m
cluster:
  nodes:
    - {{name: small, count: 1, capacity: {{cpu: 500m, memory: 1Gi}}}}
    - {{name: pool, instanceTypes: [m5.large, m5.xlarge, c5.xlarge], min: 0, max: 10}}
  autoscaler: {{type: karpenter}}
objects:{}
",
            deployment("web", replicas, cpu, "")
        );
        let scenario = crate::support::load_text(&text);
        let o = kubesim::simulate(&scenario, None);
        let types: Vec<String> = o
            .store
            .nodes()
            .iter()
            .filter(|n| n.name.starts_with("pool-"))
            .map(|n| n.labels["node.kubernetes.io/instance-type"].clone())
            .collect();
        let nominated: Vec<String> = events(&o, "Nominated").iter().map(|e| e.message.clone()).collect();
        (types, nominated, summary(&o, &scenario))
    };
    let (types, nominated, s) = launched(1, "3000m");
    assert_eq!(types, ["c5.xlarge"]);
    assert_eq!(nominated, ["Pod should schedule on: nodeclaim/pool-1"]);
    // Billed at the type's price: 3 minutes less the batch and the pod's wait.
    let cost = s["node_pools"]["pool"]["cost_dollars"].as_f64().unwrap();
    let hours = s["node_pools"]["pool"]["node_hours"].as_f64().unwrap();
    assert!((cost - hours * 0.17).abs() < 1e-4, "{cost} for {hours} node-hours");
    let (types, nominated, _) = launched(2, "900m");
    assert_eq!(types, ["m5.large"], "two 900m pods on one m5.large");
    assert_eq!(nominated.len(), 2);
    // The batch: nominated one second (batchIdleDuration) after the pods failed.
}

/// Karpenter's disruption: when the load goes, an empty node is deleted ("Empty") and an
/// underused one whose pods fit elsewhere is consolidated ("Underutilized"), each 15s after
/// the decision (validation), with evictions and the node's removal.
#[test]
fn karpenter_consolidates_empty_and_underused_nodes() {
    let text = format!(
        "
name: consolidation
seed: 5
duration: 10m
sample: 10s
cluster:
  nodes:
    - {{name: pool, instanceType: m5.large, min: 0, max: 10}}
  autoscaler: {{type: karpenter}}
objects:{}
timeline:
  - at: 4m
    run: kubectl scale deployment/web --replicas=1
",
        deployment("web", 6, "800m", "")
    );
    let o = run_text(&text);
    let launched = events(&o, "RegisteredNode").len();
    assert_eq!(launched, 3, "six 800m pods need three m5.large (two each)");
    let disrupted: Vec<&str> = events(&o, "DisruptionTerminating").iter().map(|e| e.message.as_str()).collect();
    assert!(disrupted.contains(&"Disrupting Node: Empty"), "{disrupted:?}");
    let nodes = column(&o, "nodepool/pool/nodes");
    assert_eq!(nodes.last().and_then(|(_, v)| *v), Some(1.0), "one node left for the one pod");
    let first = events(&o, "DisruptionTerminating")[0].time.as_secs_f64();
    assert!(first >= 240.0 + 15.0, "not before the 15s validation after the scale-down: {first}");
}
