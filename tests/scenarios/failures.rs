//! Failures and recovery: nodes die, operators drain, and Kubernetes heals.

use crate::support::{events, load_text, secs};
use kubesim::engine::{SimDuration, SimTime};
use kubesim::model::spec::*;
use kubesim::model::store::{NodeId, PodId};
use kubesim::sim::Outcome;

fn at(secs: u64) -> SimTime {
    SimTime::ZERO + SimDuration::from_secs(secs)
}

fn with_fault(mut s: Scenario, secs: u64, kind: NodeFaultKind, node: &str) -> Scenario {
    s.timeline.push(TimelineEntry {
        at: at(secs),
        text: format!("{kind:?} node/{node}"),
        action: Action::Fault(NodeFault { kind, target: FaultTarget::Node(node.into()) }),
    });
    s.timeline.sort_by_key(|e| e.at);
    s
}

const WEB: &str = "
name: node-crash
seed: 4
duration: 12m
cluster:
  nodes: [{name: worker, count: 3, capacity: {cpu: '4', memory: 8Gi, pods: 110}}]
images:
  web:1: {pull: 2s, start: 1s, readyAfter: 2s}
objects:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      replicas: 6
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec:
          containers:
            - name: web
              image: web:1
              resources: {requests: {cpu: 100m, memory: 64Mi}}
";

/// (time in seconds, object, message) of the events with this reason.
fn event_times(o: &Outcome, reason: &str) -> Vec<(f64, String, String)> {
    events(o, reason).iter().map(|e| (secs(e.time), e.object.clone(), e.message.clone())).collect()
}

#[test]
fn a_crashed_node_is_not_ready_after_the_grace_period_and_its_pods_are_replaced_after_300s() {
    let s = with_fault(load_text(WEB), 60, NodeFaultKind::Fail, "worker-2");
    let o = kubesim::simulate(&s, None);
    // Last heartbeat at 60s; 50s of grace; the controller's next 5s tick: 115s.
    let not_ready = event_times(&o, "NodeNotReady");
    assert_eq!(not_ready[0], (115.0, "node/worker-2".into(), "Node worker-2 status is now: NodeNotReady".into()));
    let on_node: Vec<_> = o.store.pods.iter().filter(|p| p.node == o.store.find_node("worker-2")).collect();
    assert_eq!(on_node.len(), 2, "six pods spread over three nodes");
    // Pods are marked not ready at once (they leave the endpoints), evicted 300s later.
    assert_eq!(not_ready.iter().filter(|e| e.2 == "Node is not ready").count(), 2);
    let evictions = event_times(&o, "TaintManagerEviction");
    assert_eq!(evictions.len(), 2);
    assert!(evictions.iter().all(|e| e.0 == 415.0 && e.2.starts_with("Marking for deletion Pod default/web-")));
    assert_eq!(o.metrics.pods_evicted, 2);
    // On an unreachable node the evicted pods stay Terminating; replacements run elsewhere.
    assert!(on_node.iter().all(|p| p.terminating.is_some() && p.deleted.is_none()));
    let running = o.store.pods.iter().filter(|p| p.is_active() && p.is_ready()).count();
    assert_eq!(running, 6);
    assert!(o.store.pods.iter().filter(|p| p.is_active()).all(|p| p.node != on_node[0].node));
    // The node is tainted unreachable, NoSchedule and NoExecute.
    let n = &o.store.nodes()[o.store.find_node("worker-2").expect("node worker-2")];
    assert!(!n.ready);
    assert_eq!(n.taints.iter().filter(|t| t.key == "node.kubernetes.io/unreachable").count(), 2);
    // Whole again once the replacements are available, just after the evictions.
    let r = &o.metrics.recovery.recoveries[0];
    assert_eq!(r.what, "fail node/worker-2");
    let took = r.recovered.map(|t| t.since(r.at).as_secs_f64()).unwrap_or(f64::NAN);
    assert!((355.0..365.0).contains(&took), "recovered after {took}s");
}

#[test]
fn a_recovered_node_is_ready_again_untainted_and_its_stale_pods_are_cleaned_up() {
    let s = with_fault(
        with_fault(load_text(WEB), 60, NodeFaultKind::Fail, "worker-2"),
        500,
        NodeFaultKind::Recover,
        "worker-2",
    );
    let o = kubesim::simulate(&s, None);
    let ready = event_times(&o, "NodeReady");
    assert_eq!(ready, vec![(505.0, "node/worker-2".into(), "Node worker-2 status is now: NodeReady".into())]);
    let node = o.store.find_node("worker-2").expect("node worker-2");
    let n = &o.store.nodes()[node];
    assert!(n.ready && n.taints.is_empty());
    // The evicted pods are gone once the kubelet is back; six pods run.
    let stale: Vec<_> = o.store.pods.iter().filter(|p| p.terminating.is_some()).collect();
    assert!(stale.iter().all(|p| p.deleted.is_some_and(|d| d.as_secs_f64() > 500.0)), "cleaned up after recovery");
    assert_eq!(o.store.pods.iter().filter(|p| p.is_active()).count(), 6);
}

#[test]
fn a_node_back_before_the_eviction_keeps_its_pods_which_restart() {
    let s = with_fault(
        with_fault(load_text(WEB), 60, NodeFaultKind::Fail, "worker-2"),
        200,
        NodeFaultKind::Recover,
        "worker-2",
    );
    let o = kubesim::simulate(&s, None);
    assert_eq!(o.metrics.pods_evicted, 0);
    // The controller lifts the unreachable taint at its first tick after the node is back
    // (205s), and the taint manager cancels the two evictions it had scheduled for 415s
    // (taint_eviction.go handleNodeUpdate -> cancelWorkWithEvent).
    let events = event_times(&o, "TaintManagerEviction");
    assert_eq!(events.len(), 2, "{events:?}");
    for (t, object, message) in &events {
        assert_eq!(*t, 205.0);
        assert_eq!(*message, format!("Cancelling deletion of Pod default/{}", object.trim_start_matches("pod/")));
    }
    let node = o.store.find_node("worker-2").expect("node worker-2");
    let on_node: Vec<_> = o.store.pods.iter().filter(|p| p.node == Some(node)).collect();
    assert_eq!(on_node.len(), 2);
    // A reboot restarts their containers.
    assert!(on_node.iter().all(|p| p.is_ready() && p.restarts() == 1));
    assert_eq!(o.store.pods.len(), 6, "nothing replaced");
}

#[test]
fn a_partitioned_node_keeps_running_its_pods_until_the_kubelet_hears_they_were_deleted() {
    let s = with_fault(
        with_fault(load_text(WEB), 60, NodeFaultKind::Partition, "worker-2"),
        500,
        NodeFaultKind::Recover,
        "worker-2",
    );
    let o = kubesim::simulate(&s, None);
    assert_eq!(event_times(&o, "NodeNotReady")[0].0, 115.0);
    assert_eq!(o.metrics.pods_evicted, 2);
    let node = o.store.find_node("worker-2").expect("node worker-2");
    let on_node: Vec<_> = o.store.pods.iter().filter(|p| p.node == Some(node)).collect();
    // Still running (no restart) until the partition heals; then stopped and gone.
    assert!(on_node.iter().all(|p| p.restarts() == 0));
    assert!(on_node.iter().all(|p| p.deleted.is_some_and(|d| d >= at(500))));
}

#[test]
fn requests_to_a_crashed_node_time_out_until_its_pods_leave_the_endpoints() {
    let text = format!(
        "{WEB}  - apiVersion: v1
    kind: Service
    metadata: {{name: web}}
    spec: {{selector: {{app: web}}, ports: [{{port: 80}}]}}
traffic:
  - target: service/web
    rate: {{steps: [{{at: 30s, rate: 60/s}}]}}
    timeout: 2s
"
    );
    let s = with_fault(load_text(&text), 60, NodeFaultKind::Fail, "worker-2");
    let o = kubesim::simulate(&s, None);
    let t = &o.metrics.traffic;
    let timeouts = t.failures.get(&kubesim::metrics::traffic::Failure::Timeout).copied().unwrap_or(0) as f64;
    // Two of six endpoints are dead from 60s until the proxies drop them at 116s.
    let expected = 60.0 * 56.0 * 2.0 / 6.0;
    assert!((timeouts - expected).abs() < 4.0 * expected.sqrt(), "{timeouts} timeouts, {expected} expected");
    // The replacements have no readiness probe: Ready at start, they refuse the requests of
    // the second their app takes to answer (readyAfter 2s, less the 1s the proxies lag).
    let refused = t.failures.get(&kubesim::metrics::traffic::Failure::ConnectionRefused).copied().unwrap_or(0);
    assert!(refused < 40, "{:?}", t.failures);
    assert_eq!(t.total.errors as f64, timeouts + refused as f64, "{:?}", t.failures);
}

fn with_drain(mut s: Scenario, secs: u64, node: &str) -> Scenario {
    let d = DrainSpec {
        node: node.into(),
        ignore_daemonsets: true,
        delete_emptydir_data: false,
        force: false,
        grace_period: None,
        timeout: None,
    };
    s.timeline.push(TimelineEntry {
        at: at(secs),
        text: format!("kubectl drain {node} --ignore-daemonsets"),
        action: Action::Kubectl(KubectlCommand::Drain(d)),
    });
    s
}

const FIVE_ON_ONE: &str = "
name: drain
seed: 8
duration: 10m
cluster:
  nodes:
    - {name: big, count: 1, capacity: {cpu: '8', memory: 16Gi, pods: 110}}
    - {name: spare, count: 2, capacity: {cpu: '8', memory: 16Gi, pods: 110}}
images:
  web:1: {pull: 2s, start: 1s, readyAfter: 5s}
objects:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      replicas: 5
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec:
          nodeSelector: {kubernetes.io/hostname: big}
          containers: [{name: web, image: web:1, resources: {requests: {cpu: 100m}}}]
  - apiVersion: policy/v1
    kind: PodDisruptionBudget
    metadata: {name: web}
    spec: {minAvailable: 4, selector: {matchLabels: {app: web}}}
timeline:
  - at: 60s
    run: kubectl label nodes spare-1 kubernetes.io/hostname=big --overwrite
";

#[test]
fn a_drain_with_a_budget_evicts_one_pod_at_a_time_and_ends_with_the_node_empty() {
    let o = kubesim::simulate(&with_drain(load_text(FIVE_ON_ONE), 120, "big"), None);
    let big = o.store.find_node("big").expect("node big");
    let drain = event_times(&o, "Drain");
    let evictions: Vec<f64> = drain.iter().filter(|e| e.2.starts_with("evicting pod")).map(|e| e.0).collect();
    assert_eq!(evictions.len(), 5, "{drain:?}");
    // One at a time: each waits for the previous replacement to be Ready (pull, start,
    // readyAfter), retried every 5s.
    for w in evictions.windows(2) {
        assert!(w[1] - w[0] >= 5.0, "{evictions:?}");
    }
    assert!(drain.iter().any(|e| e.2.contains("Cannot evict pod as it would violate the pod's disruption budget")));
    assert_eq!(drain.last().map(|e| e.2.as_str()), Some("node/big drained"));
    let n = &o.store.nodes()[big];
    assert!(n.unschedulable && n.pods.is_empty(), "cordoned and empty");
    // Never fewer than 4 ready pods of 5.
    let lives = super::support::lives(&o, "web");
    for t in super::support::change_points(&lives, 0) {
        if t > at(120) {
            assert!(super::support::available_at(&lives, t, 0) >= 4, "at {t:?}");
        }
    }
    assert_eq!(o.metrics.pods_evicted, 5);
}

#[test]
fn a_drain_refuses_pods_without_a_controller_unless_forced() {
    let text = "
name: bare
duration: 2m
cluster:
  nodes: [{name: worker, count: 2}]
objects:
  - apiVersion: v1
    kind: Pod
    metadata: {name: lonely}
    spec: {nodeName: worker-1, containers: [{name: c, image: 'busybox:1'}]}
";
    let o = kubesim::simulate(&with_drain(load_text(text), 30, "worker-1"), None);
    let errors = event_times(&o, "KubectlError");
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].2.contains("cannot delete Pods that declare no controller (use --force to override): default/lonely"),
        "{errors:?}"
    );
    assert!(o.store.pods[PodId(0)].terminating.is_none(), "nothing evicted");
    assert!(o.store.nodes()[NodeId(0)].unschedulable, "but the node stays cordoned, as kubectl leaves it");
}

const TWO_ZONES: &str = "
name: zones
seed: 2
duration: 10m
cluster:
  nodes:
    - {name: a, count: 3, labels: {topology.kubernetes.io/zone: zone-a}}
    - {name: b, count: 3, labels: {topology.kubernetes.io/zone: zone-b}}
images:
  web:1: {pull: 2s, start: 1s}
objects:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      replicas: 6
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec: {containers: [{name: web, image: web:1, resources: {requests: {cpu: 100m}}}]}
";

fn with_zone_fault(mut s: Scenario, secs: u64, zone: &str) -> Scenario {
    s.timeline.push(TimelineEntry {
        at: at(secs),
        text: format!("fail: zone/{zone}"),
        action: Action::Fault(NodeFault { kind: NodeFaultKind::Fail, target: FaultTarget::Zone(zone.into()) }),
    });
    s
}

#[test]
fn a_lost_zone_is_tainted_one_node_every_10s_and_evicted_300s_later() {
    let o = kubesim::simulate(&with_zone_fault(load_text(TWO_ZONES), 60, "zone-a"), None);
    let nodes: Vec<f64> =
        event_times(&o, "NodeNotReady").iter().filter(|e| e.1.starts_with("node/")).map(|e| e.0).collect();
    assert_eq!(nodes, vec![115.0; 3]);
    // zone-a is fully disrupted but zone-b is not: the normal rate, 0.1 nodes/s.
    let mut evictions: Vec<f64> = event_times(&o, "TaintManagerEviction").iter().map(|e| e.0).collect();
    evictions.dedup();
    assert_eq!(evictions, vec![415.0, 425.0, 435.0]);
    assert_eq!(o.metrics.pods_evicted, 3);
}

#[test]
fn when_every_node_is_down_the_controller_evicts_nothing() {
    let s = load_text(TWO_ZONES);
    let s = with_zone_fault(with_zone_fault(s, 60, "zone-a"), 60, "zone-b");
    let o = kubesim::simulate(&s, None);
    assert_eq!(event_times(&o, "NodeNotReady").iter().filter(|e| e.1.starts_with("node/")).count(), 6);
    assert!(event_times(&o, "TaintManagerEviction").is_empty(), "master disruption mode");
}

#[test]
fn random_node_faults_strike_at_the_same_times_in_every_variant() {
    let variant = |replicas: &str| {
        let mut s = load_text(&WEB.replace("duration: 12m", "duration: 24h").replace("replicas: 6", replicas));
        s.faults.nodes.push(NodeFaultProcess {
            group: None,
            mtbf: SimDuration::from_secs(4 * 3600),
            mttr: SimDuration::from_secs(1200),
        });
        let o = kubesim::simulate(&s, None);
        o.metrics.recovery.recoveries.iter().map(|r| (r.what.clone(), r.at)).collect::<Vec<_>>()
    };
    let (a, b) = (variant("replicas: 6"), variant("replicas: 9"));
    assert!(a.len() >= 6, "three nodes, 24h, a failure every 4h each: {a:?}");
    assert_eq!(a, b);
    assert!(a.iter().all(|(what, _)| what.starts_with("fail node/worker-") && what.ends_with("(random)")));
}

#[test]
fn random_container_faults_crash_containers_about_once_per_mtbf() {
    let text = "
name: flaky
seed: 13
duration: 4h
cluster:
  nodes: [{name: worker, count: 2}]
images:
  web:1: {pull: 1s, start: 1s}
objects:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      replicas: 4
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec: {containers: [{name: web, image: web:1}]}
faults:
  containers: {mtbf: 20m}
";
    let o = super::support::run_text(text);
    let restarts: u32 = o.store.pods.iter().map(|p| p.restarts()).sum();
    // 4 containers over 4h at one crash per 20m each: about 48 (fewer: back-off pauses them).
    assert!((25..=65).contains(&restarts), "{restarts} restarts");
    assert_eq!(o.store.pods.len(), 4, "crashed containers restart in place");
    // Each container's first crash, and any crash more than 10 minutes after the last
    // restart, restarts at once (kuberuntime_manager.go doBackOff); the others wait.
    let backoffs = event_times(&o, "BackOff").len() as u32;
    assert!(backoffs > 0 && backoffs + 4 <= restarts, "{backoffs} back-offs, {restarts} restarts");
    let again = super::support::run_text(text);
    let times = |o: &Outcome| event_times(o, "Started").into_iter().map(|e| e.0).collect::<Vec<_>>();
    assert_eq!(times(&o), times(&again));
}

#[test]
fn the_node_failure_example_tells_the_whole_story() {
    let (_, o) = super::support::run("scenarios/node-failure.yaml", &[]);
    assert_eq!(event_times(&o, "NodeNotReady")[0].0, 115.0);
    assert_eq!(event_times(&o, "TaintManagerEviction").len(), 2);
    assert_eq!(event_times(&o, "NodeReady")[0].0, 545.0);
    let drain = event_times(&o, "Drain");
    assert_eq!(drain.last().map(|e| e.2.as_str()), Some("node/worker-1 drained"));
    // Evicted by the taint manager (2) and by the drain (worker-1's pods).
    let worker1 = o.store.find_node("worker-1").expect("node worker-1");
    assert!(o.store.nodes()[worker1].pods.is_empty());
    assert!(o.metrics.pods_evicted >= 4);
    // The requests sent to the dead node's pods before they left the endpoints timed out.
    let t = &o.metrics.traffic;
    let timeouts = t.failures.get(&kubesim::metrics::traffic::Failure::Timeout).copied().unwrap_or(0);
    assert!((900..1300).contains(&timeouts), "{:?}", t.failures);
    let r = &o.metrics.recovery.recoveries[0];
    assert_eq!(r.what, "fail node/worker-2");
    assert!(r.recovered.is_some());
}

#[test]
fn a_drain_that_a_budget_blocks_for_ever_gives_up_at_its_timeout() {
    let text = FIVE_ON_ONE.replace("minAvailable: 4", "minAvailable: 5")
        + "  - at: 120s\n    run: kubectl drain big --ignore-daemonsets --timeout=60s --grace-period=0\n";
    let o = super::support::run_text(&text);
    let drain = event_times(&o, "Drain");
    let last = drain.last().cloned().unwrap_or_default();
    assert_eq!(last.0, 180.0, "{drain:?}");
    assert!(last.2.contains("global timeout reached with 5 pod(s) left"), "{last:?}");
    assert!(drain.iter().all(|e| !e.2.starts_with("evicting pod")));
    assert_eq!(o.metrics.pods_evicted, 0);
}

#[test]
fn a_drain_with_grace_period_0_stops_pods_at_once() {
    let text = FIVE_ON_ONE.replace("minAvailable: 4", "minAvailable: 0")
        + "  - at: 120s\n    run: kubectl drain big --grace-period=0\n";
    let o = super::support::run_text(&text);
    let big = o.store.find_node("big").expect("node big");
    let evicted: Vec<_> = o.store.pods.iter().filter(|p| p.node == Some(big) && p.terminating.is_some()).collect();
    assert_eq!(evicted.len(), 5);
    // The kubelet hears of the deletion after the API latency and kills at once; the API
    // server removes the pod after another.
    for p in evicted {
        let took = p.deleted.map(|d| d.since(p.terminating.unwrap_or(d)).as_secs_f64());
        assert_eq!(took, Some(0.02), "{}", p.name);
    }
}

#[test]
fn a_reconnected_node_keeps_its_kubelet_timers_and_its_pods_roll_later() {
    let s = with_fault(
        with_fault(load_text(WEB), 60, NodeFaultKind::Partition, "worker-2"),
        200,
        NodeFaultKind::Recover,
        "worker-2",
    );
    let mut s = s;
    s.timeline.push(TimelineEntry {
        at: at(300),
        text: "kubectl rollout restart deployment/web".into(),
        action: Action::Kubectl(KubectlCommand::RolloutRestart {
            target: ObjectRef { kind: Kind::Deployment, namespace: "default".into(), name: "web".into() },
        }),
    });
    let o = kubesim::simulate(&s, None);
    assert_eq!(o.metrics.pods_evicted, 0, "back before the 300s toleration ran out");
    let rollout = &o.metrics.rollouts.rollouts;
    assert!(
        rollout.last().is_some_and(|r| r.completed.is_some()),
        "the rollout after the reconnection completes: {rollout:?}"
    );
    // The old pods of the reconnected node were stopped by its kubelet.
    let node = o.store.find_node("worker-2").expect("node worker-2");
    assert!(o.store.pods.iter().filter(|p| p.node == Some(node) && p.revision == 1).all(|p| p.deleted.is_some()));
}

#[test]
fn a_cut_off_node_that_then_crashes_is_still_evicted_on_time() {
    let s = with_fault(
        with_fault(load_text(WEB), 60, NodeFaultKind::Partition, "worker-2"),
        80,
        NodeFaultKind::Fail,
        "worker-2",
    );
    let o = kubesim::simulate(&s, None);
    assert_eq!(event_times(&o, "NodeNotReady")[0].0, 115.0, "from the last heartbeat before the cut");
    let evictions: Vec<f64> = event_times(&o, "TaintManagerEviction").iter().map(|e| e.0).collect();
    assert_eq!(evictions, vec![415.0, 415.0]);
}

#[test]
fn a_node_that_fails_again_before_it_is_seen_back_is_evicted_all_the_same() {
    let s = load_text(WEB);
    let s = with_fault(s, 60, NodeFaultKind::Fail, "worker-2");
    let s = with_fault(s, 200, NodeFaultKind::Recover, "worker-2");
    let s = with_fault(s, 202, NodeFaultKind::Fail, "worker-2");
    let o = kubesim::simulate(&s, None);
    assert!(event_times(&o, "NodeReady").is_empty(), "never seen back");
    assert_eq!(event_times(&o, "TaintManagerEviction").len(), 2);
    let node = o.store.find_node("worker-2").expect("node worker-2");
    assert!(o.store.pods.iter().filter(|p| p.is_active()).all(|p| p.node != Some(node)));
    assert_eq!(o.store.pods.iter().filter(|p| p.is_active() && p.is_ready()).count(), 6);
}

/// A 60-node cluster whose zones have `zones` nodes each (60 / zones of them), 60 pods, and
/// `failed` nodes of zone-a crashing at 60s.
fn zones_of(size: u32, failed: u32) -> Outcome {
    let groups: String = (0..60 / size)
        .map(|z| {
            let zone = (b'a' + z as u8) as char;
            format!("    - {{name: {zone}, count: {size}, labels: {{topology.kubernetes.io/zone: zone-{zone}}}}}\n")
        })
        .collect();
    let faults: String = (1..=failed).map(|i| format!("  - at: 1m\n    fail: node/a-{i}\n")).collect();
    let text = format!(
        "
name: zone-size
seed: 3
duration: 11m
cluster:
  nodes:
{groups}images:
  web:1: {{pull: 2s, start: 1s}}
objects:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {{name: web}}
    spec:
      replicas: 60
      selector: {{matchLabels: {{app: web}}}}
      template:
        metadata: {{labels: {{app: web}}}}
        spec: {{containers: [{{name: web, image: web:1, resources: {{requests: {{cpu: 100m}}}}}}]}}
timeline:
{faults}"
    );
    super::support::run_text(&text)
}

#[test]
fn a_partially_disrupted_zone_of_50_nodes_or_fewer_evicts_nothing_whatever_the_cluster_size() {
    // node_lifecycle_controller.go: ComputeZoneState makes a zone PartialDisruption when more
    // than 2 and at least unhealthyZoneThreshold (55%) of its nodes are not ready;
    // handleDisruption calls setLimiterInZone(zone, len(zoneToNodeConditions[zone]), state),
    // and ReducedQPSFunc(zoneSize) is the secondary rate (0.01/s) only for a zone of more than
    // largeClusterSizeThreshold (50) nodes, else 0. Two zones of 30 in a 60-node cluster: 17
    // of zone-a's 30 down (57%) is a partial disruption of a 30-node zone: nobody is evicted.
    let o = zones_of(30, 17);
    let not_ready = event_times(&o, "NodeNotReady").iter().filter(|e| e.1.starts_with("node/")).count();
    assert_eq!(not_ready, 17);
    assert!(event_times(&o, "TaintManagerEviction").is_empty(), "the 30-node zone stops evicting");
    let tainted = o.store.nodes().iter().filter(|n| n.taints.iter().any(|t| t.effect == TaintEffect::NoExecute));
    assert_eq!(tainted.count(), 0);
    // The same share of one 60-node zone down (34 of 60): tainted at 0.01 nodes/s, one node
    // every 100s, each node's pods evicted 300s (DefaultTolerationSeconds) after its taint.
    let o = zones_of(60, 34);
    let mut evictions: Vec<f64> = event_times(&o, "TaintManagerEviction").iter().map(|e| e.0).collect();
    evictions.dedup();
    assert_eq!(evictions, vec![415.0, 515.0, 615.0]);
}

/// Events of a reason as (seconds, object, message), for one object.
fn object_times(o: &Outcome, reason: &str, object: &str) -> Vec<(f64, String)> {
    event_times(o, reason).into_iter().filter(|e| e.1 == object).map(|e| (e.0, e.2)).collect()
}

const TWO_WORKERS: &str = "
name: taints
seed: 5
duration: 3m
cluster:
  nodes: [{name: worker, count: 2, capacity: {cpu: '4', memory: 8Gi}}]
images:
  web:1: {pull: 2s, start: 1s}
  agent:1: {pull: 1s, start: 1s}
objects:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      replicas: 4
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec: {containers: [{name: web, image: web:1, resources: {requests: {cpu: 100m}}}]}
  - apiVersion: apps/v1
    kind: DaemonSet
    metadata: {name: agent}
    spec:
      selector: {matchLabels: {app: agent}}
      template:
        metadata: {labels: {app: agent}}
        spec: {containers: [{name: agent, image: agent:1}]}
timeline:
  - at: 1m
    run: kubectl taint nodes worker-1 dedicated=db:NoExecute
";

#[test]
fn a_no_execute_taint_from_kubectl_empties_the_node_of_the_pods_that_do_not_tolerate_it() {
    // taint_eviction.go: NodeUpdated queues every change of a node's NoExecute taints;
    // handleNodeUpdate runs processPodOnNode for each pod on it, and a pod that does not
    // tolerate every NoExecute taint is deleted at once ("Marking for deletion Pod ...").
    // DaemonSet pods tolerate only the taints the DaemonSet controller adds tolerations for
    // (AddOrUpdateDaemonPodTolerations: not-ready and unreachable NoExecute, the pressure and
    // unschedulable NoSchedule ones), so a custom NoExecute taint evicts them too, and the
    // DaemonSet controller does not put one back (nodeShouldRunDaemonPod).
    let o = super::support::run_text(TWO_WORKERS);
    let worker1 = o.store.find_node("worker-1").expect("worker-1");
    let evicted: Vec<&kubesim::model::store::Pod> =
        o.store.pods.iter().filter(|p| p.node == Some(worker1) && p.terminating.is_some()).collect();
    assert!(evicted.iter().any(|p| p.name.starts_with("web-")), "web pods were on worker-1");
    assert_eq!(evicted.iter().filter(|p| p.name.starts_with("agent-")).count(), 1, "the daemon pod too");
    for p in &evicted {
        let object = format!("pod/{}", p.name);
        let marked = object_times(&o, "TaintManagerEviction", &object);
        assert_eq!(marked, vec![(60.0, format!("Marking for deletion Pod default/{}", p.name))]);
    }
    assert_eq!(o.metrics.pods_evicted as usize, evicted.len());
    // worker-1 is empty; the ReplicaSet recreated the web pods on worker-2; no agent returns.
    assert!(o.store.nodes()[worker1].pods.is_empty(), "every pod of worker-1 is gone");
    let running: Vec<&str> =
        o.store.pods.iter().filter(|p| p.terminating.is_none() && p.is_ready()).map(|p| p.name.as_str()).collect();
    assert_eq!(running.iter().filter(|n| n.starts_with("web-")).count(), 4, "{running:?}");
    assert_eq!(running.iter().filter(|n| n.starts_with("agent-")).count(), 1, "{running:?}");
}

/// Three bare pods on one node: `plain` tolerates nothing, `patient` tolerates `dedicated`
/// NoExecute for 30s, `loyal` for ever; worker is tainted at 60s, and `extra` runs too.
fn tolerating_pods(extra: &str) -> Outcome {
    let pod = |name: &str, toleration: &str| {
        format!(
            "  - {{apiVersion: v1, kind: Pod, metadata: {{name: {name}}}, spec: {{containers: [{{name: c, image: 'web:1'}}]{toleration}}}}}\n"
        )
    };
    let tolerate =
        |seconds: &str| format!(", tolerations: [{{key: dedicated, operator: Exists, effect: NoExecute{seconds}}}]");
    let text = format!(
        "
name: tolerations
duration: 3m
cluster: {{nodes: [{{name: worker, capacity: {{cpu: '4', memory: 8Gi}}}}]}}
images:
  web:1: {{pull: 2s, start: 1s}}
objects:
{}{}{}timeline:
  - at: 1m
    run: kubectl taint nodes worker dedicated=db:NoExecute
{extra}",
        pod("plain", ""),
        pod("patient", &tolerate(", tolerationSeconds: 30")),
        pod("loyal", &tolerate("")),
    );
    super::support::run_text(&text)
}

#[test]
fn a_toleration_with_seconds_delays_the_eviction_and_removing_the_taint_cancels_it() {
    // processPodOnNode: a pod that tolerates every NoExecute taint is evicted after the
    // shortest tolerationSeconds of the tolerations used (getMinTolerationTime), never if
    // none has seconds; a node left with no NoExecute taint cancels what was scheduled
    // (cancelWorkWithEvent: "Cancelling deletion of Pod ...").
    let o = tolerating_pods("");
    let marked = |o: &Outcome, pod: &str| object_times(o, "TaintManagerEviction", &format!("pod/{pod}"));
    assert_eq!(marked(&o, "plain"), vec![(60.0, "Marking for deletion Pod default/plain".to_string())]);
    assert_eq!(marked(&o, "patient"), vec![(90.0, "Marking for deletion Pod default/patient".to_string())]);
    assert!(marked(&o, "loyal").is_empty());
    let loyal = o.store.find_pod("default", "loyal").expect("loyal");
    assert!(o.store.pods[loyal].terminating.is_none() && o.store.pods[loyal].is_ready());

    // The taint removed at 70s, before patient's 30s ran out: patient stays.
    let o = tolerating_pods("  - at: 70s\n    run: kubectl taint nodes worker dedicated:NoExecute-\n");
    assert_eq!(marked(&o, "patient"), vec![(70.0, "Cancelling deletion of Pod default/patient".to_string())]);
    let patient = o.store.find_pod("default", "patient").expect("patient");
    assert!(o.store.pods[patient].terminating.is_none() && o.store.pods[patient].is_ready());
    assert_eq!(marked(&o, "plain").len(), 1, "plain went at 60s all the same");
    assert_eq!(o.metrics.pods_evicted, 1);
}

#[test]
fn a_pod_bound_to_a_node_it_tolerates_for_30s_is_evicted_30s_after_it_lands() {
    // The taint manager also judges a pod when it is bound (PodUpdated -> handlePodUpdate ->
    // processPodOnNode): the only node is tainted, the Deployment's pods tolerate it for
    // 30s, so each replacement is scheduled there again and evicted 30s later.
    let text = "
name: churn
duration: 3m
cluster: {nodes: [{name: worker, capacity: {cpu: '4', memory: 8Gi}}]}
images:
  web:1: {pull: 2s, start: 1s}
objects:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      replicas: 1
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec:
          containers: [{name: web, image: web:1}]
          tolerations: [{key: dedicated, operator: Exists, effect: NoExecute, tolerationSeconds: 30}]
timeline:
  - at: 1m
    run: kubectl taint nodes worker dedicated=db:NoExecute
";
    let o = super::support::run_text(text);
    let evictions = event_times(&o, "TaintManagerEviction");
    assert_eq!(evictions[0].0, 90.0, "{evictions:?}");
    assert!(evictions.len() >= 3, "{evictions:?}");
    for e in &evictions[1..] {
        let scheduled = object_times(&o, "Scheduled", &e.1);
        assert_eq!(scheduled.len(), 1, "{}", e.1);
        assert!((e.0 - scheduled[0].0 - 30.0).abs() < 1e-6, "{} scheduled {}, evicted {}", e.1, scheduled[0].0, e.0);
    }
}
