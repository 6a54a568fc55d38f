//! Failures: node faults and drains on the timeline, the `faults:` section, images that
//! crash, hang or use memory, and the node lifecycle settings of the control plane.

use super::*;
use crate::engine::SimDuration;
use crate::model::spec::{
    Action, ContainerFaultProcess, FaultTarget, KubectlCommand, NodeFault, NodeFaultKind, NodeFaultProcess,
};
use crate::traffic::ServiceTime;

const CLUSTER: &str = "cluster:
  nodes:
    - {name: worker, count: 3, labels: {topology.kubernetes.io/zone: zone-a}}
    - {name: edge, count: 2, labels: {topology.kubernetes.io/zone: zone-b}}
    - {name: gpu}
";

fn tl(entries: &str) -> String {
    format!("{DEP}{CLUSTER}timeline:\n{entries}")
}

fn fault(kind: NodeFaultKind, target: FaultTarget) -> Action {
    Action::Fault(NodeFault { kind, target })
}

#[test]
fn fault_entries_in_every_form() {
    let l = ok(&tl("  - {at: 1m, fail: node/worker-2}
  - at: 2m
    partition: zone/zone-b
  - {at: 3m, recover: nodes/worker-2}
  - {at: 4m, recover: zone/zone-b}
  - {at: 5m, fail: no/gpu}
  - {at: 6m, partition: node/edge-1}
"));
    let t = &l.scenario.timeline;
    let node = |n: &str| FaultTarget::Node(n.into());
    let zone = |z: &str| FaultTarget::Zone(z.into());
    let got: Vec<(&str, &Action)> = t.iter().map(|e| (e.text.as_str(), &e.action)).collect();
    assert_eq!(
        got,
        [
            ("fail: node/worker-2", &fault(NodeFaultKind::Fail, node("worker-2"))),
            ("partition: zone/zone-b", &fault(NodeFaultKind::Partition, zone("zone-b"))),
            ("recover: nodes/worker-2", &fault(NodeFaultKind::Recover, node("worker-2"))),
            ("recover: zone/zone-b", &fault(NodeFaultKind::Recover, zone("zone-b"))),
            ("fail: no/gpu", &fault(NodeFaultKind::Fail, node("gpu"))),
            ("partition: node/edge-1", &fault(NodeFaultKind::Partition, node("edge-1"))),
        ]
    );
    assert_eq!(t[1].at, crate::engine::SimTime::ZERO + SimDuration::from_secs(120));
    assert!(l.warnings.is_empty(), "{:?}", l.warnings);
    // The default cluster: worker-1 .. worker-3, no zones.
    let l = ok(&format!("{DEP}timeline: [{{at: 1m, fail: node/worker-3}}]\n"));
    assert_eq!(l.scenario.timeline[0].action, fault(NodeFaultKind::Fail, node("worker-3")));
}

#[test]
fn fault_entry_errors_are_located_and_suggest() {
    let d = first_error(&tl("  - {at: 1m, fail: node/wroker-2}\n"));
    assert_eq!(d.message, "timeline[0].fail: nodes \"wroker-2\" not found");
    assert_eq!(
        d.help.as_deref(),
        Some("did you mean `worker-2`? the scenario's nodes (cluster.nodes): worker-1 .. worker-3, edge-1 .. edge-2, gpu")
    );
    let d = first_error(&tl("  - {at: 1m, fail: node/worker-4}\n"));
    assert_eq!(
        d.help.as_deref(),
        Some("the scenario's nodes (cluster.nodes): worker-1 .. worker-3, edge-1 .. edge-2, gpu")
    );
    let d = first_error(&tl("  - {at: 1m, partition: zone/us-east-1}\n"));
    assert_eq!(
        d.message,
        "timeline[0].partition: zone \"us-east-1\" not found: no node has the label topology.kubernetes.io/zone=us-east-1"
    );
    assert_eq!(d.help.as_deref(), Some("the zones of the scenario's nodes: zone-a, zone-b"));
    let d = first_error(&tl("  - {at: 1m, partition: zone/zone-c}\n"));
    assert_eq!(d.help.as_deref(), Some("did you mean `zone-a`? the zones of the scenario's nodes: zone-a, zone-b"));
    let d = first_error(&format!("{DEP}timeline: [{{at: 1m, fail: zone/zone-a}}]\n"));
    assert_eq!(
        d.help.as_deref(),
        Some("no node group has the label topology.kubernetes.io/zone (set it in cluster.nodes[].labels)")
    );
    let d = first_error(&tl("  - {at: 1m, run: kubectl cordon gpu, fail: node/gpu}\n"));
    assert_eq!(d.message, "timeline[0].fail: an entry does one thing: `run` or `fail`, not both");
    let d = first_error(&tl("  - {at: 1m, fail: node/gpu, recover: node/gpu}\n"));
    assert_eq!(d.message, "timeline[0].recover: an entry does one thing: `fail` or `recover`, not both");
    let d = first_error(&tl("  - {at: 1m}\n"));
    assert!(
        d.message
            .starts_with("timeline[0]: Required value: an entry needs one of `run`, `fail`, `partition` or `recover`"),
        "{}",
        d.message
    );
    let d = first_error(&tl("  - {at: 1m, fail: worker-2}\n"));
    assert_eq!(
        d.message,
        "timeline[0].fail: invalid target \"worker-2\": expected node/NAME or zone/NAME, like `fail: node/worker-2` or `fail: zone/zone-a`"
    );
    assert_eq!(d.help.as_deref(), Some("did you mean `node/worker-2`?"));
    let d = first_error(&tl("  - {at: 1m, fail: pod/web}\n"));
    assert!(d.message.starts_with("timeline[0].fail: invalid target \"pod/web\": cannot fail a pod:"), "{}", d.message);
    let d = first_error(&tl("  - {at: 1m, fail: nod/gpu}\n"));
    assert_eq!(d.help.as_deref(), Some("did you mean `node`?"));
    let d = first_error(&tl("  - {at: 1m, fail: node/}\n"));
    assert!(d.message.starts_with("timeline[0].fail: invalid target \"node/\""), "{}", d.message);
    let d = first_error(&tl("  - {at: 1m, fail: {node: gpu}}\n"));
    assert_eq!(d.message, "timeline[0].fail: expected a string, found a mapping");
    let d = first_error(&tl("  - {at: 1m, fial: node/gpu}\n"));
    assert_eq!(d.help.as_deref(), Some("did you mean `fail`?"));
    // Placed at the value (and, for two actions, at the second key).
    let d = first_error(&tl("  - at: 1m\n    fail: node/wroker-2\n"));
    assert_eq!((d.line, d.column), (Some(18), Some(11)));
    let d = first_error(&tl("  - at: 1m\n    run: kubectl cordon gpu\n    fail: node/gpu\n"));
    assert_eq!((d.line, d.column), (Some(19), Some(5)));
}

#[test]
fn drain_on_the_timeline() {
    let l = ok(&tl(
        "  - {at: 1m, run: kubectl drain edge-2 --ignore-daemonsets --delete-local-data --force --grace-period=10 --timeout=2m}\n",
    ));
    let t = &l.scenario.timeline[0];
    assert_eq!(
        t.kubectl(),
        Some(&KubectlCommand::Drain(crate::model::spec::DrainSpec {
            node: "edge-2".into(),
            ignore_daemonsets: true,
            delete_emptydir_data: true,
            force: true,
            grace_period: Some(10),
            timeout: Some(SimDuration::from_secs(120)),
        }))
    );
    assert!(t.text.starts_with("kubectl drain edge-2"));
    let d = first_error(&tl("  - {at: 1m, run: kubectl drain egde-2}\n"));
    assert_eq!(
        d.message,
        "timeline[0].run: `kubectl drain egde-2`: Error from server (NotFound): nodes \"egde-2\" not found"
    );
    assert!(d.help.as_deref().unwrap_or_default().starts_with("did you mean `edge-2`?"), "{:?}", d.help);
    let d = first_error(&tl("  - {at: 1m, run: kubectl drain}\n"));
    assert_eq!(d.message, "timeline[0].run: `kubectl drain`: error: USAGE: drain NODE [flags]");
    let d = first_error(&tl("  - {at: 1m, run: kubectl drain gpu --grace-period=abc}\n"));
    assert!(d.message.ends_with("error: invalid argument \"abc\" for \"--grace-period\" flag: strconv.ParseInt: parsing \"abc\": invalid syntax"), "{}", d.message);
}

#[test]
fn faults_section_in_every_form() {
    let l = ok(&format!("{DEP}{CLUSTER}faults:\n  nodes: {{mtbf: 6h, mttr: 20m}}\n  containers: {{mtbf: 2h}}\n"));
    let f = &l.scenario.faults;
    assert_eq!(
        f.nodes,
        [NodeFaultProcess { group: None, mtbf: SimDuration::from_secs(6 * 3600), mttr: SimDuration::from_secs(1200) }]
    );
    assert_eq!(f.containers, [ContainerFaultProcess { group: None, mtbf: SimDuration::from_secs(7200) }]);
    assert!(l.warnings.is_empty(), "{:?}", l.warnings);
    let l = ok(&format!(
        "{DEP}{CLUSTER}faults:
  nodes:
    - {{group: worker, mtbf: 1h, mttr: 5m}}
    - {{group: gpu, mtbf: 30m, mttr: 1h}}
  containers:
    - {{group: edge, mtbf: 10m}}
    - {{mtbf: 1h30m}}
"
    ));
    let f = &l.scenario.faults;
    assert_eq!(f.nodes.len(), 2);
    assert_eq!(
        f.nodes[1],
        NodeFaultProcess {
            group: Some("gpu".into()),
            mtbf: SimDuration::from_secs(1800),
            mttr: SimDuration::from_secs(3600)
        }
    );
    assert_eq!(
        f.containers,
        [
            ContainerFaultProcess { group: Some("edge".into()), mtbf: SimDuration::from_secs(600) },
            ContainerFaultProcess { group: None, mtbf: SimDuration::from_secs(5400) },
        ]
    );
    for empty in ["faults:\n", "faults: {}\n", "faults: {nodes: [], containers: null}\n"] {
        assert_eq!(ok(&format!("{DEP}{empty}")).scenario.faults, Default::default(), "{empty}");
    }
}

#[test]
fn faults_errors_are_located_and_suggest() {
    let with = |f: &str| format!("{DEP}{CLUSTER}faults:\n{f}");
    let d = first_error(&with("  nodes: {mtbf: 6h}\n"));
    assert_eq!(
        d.message,
        "faults.nodes: mttr: Required value: the mean time to repair a failed node, like `mttr: 20m`"
    );
    assert_eq!(d.line, Some(17));
    let d = first_error(&with("  containers: [{group: wroker, mtbf: 2h}]\n"));
    assert_eq!(d.message, "faults.containers[0].group: no node group named \"wroker\" in cluster.nodes");
    assert_eq!(
        d.help.as_deref(),
        Some("did you mean `worker`? the node groups (cluster.nodes[].name): worker, edge, gpu")
    );
    assert_eq!((d.line, d.column), (Some(17), Some(24)));
    let d = first_error(&with("  nodes: {mtbf: 0s, mttr: 1m}\n"));
    assert_eq!(d.message, "faults.nodes.mtbf: mtbf must be more than 0");
    let d = first_error(&with("  nodes: {mtbf: 1h, mttr: soon}\n"));
    assert!(d.message.starts_with("faults.nodes.mttr: invalid duration \"soon\""), "{}", d.message);
    let d = first_error(&with("  nodes: {mtbf: 1h, mttr: 1m, mtbr: 2m}\n"));
    assert_eq!(d.message, "faults.nodes.mtbr: unknown field `mtbr` in a node fault process");
    assert_eq!(d.help.as_deref(), Some("did you mean `mtbf`?"));
    let d = first_error(&with("  containers: {mtbf: 1h, mttr: 1m}\n"));
    assert_eq!(d.message, "faults.containers.mttr: unknown field `mttr` in a container fault process");
    let d = first_error(&with("  node: {mtbf: 1h, mttr: 1m}\n"));
    assert_eq!(d.message, "faults.node: unknown field `node` in faults");
    assert_eq!(d.help.as_deref(), Some("did you mean `nodes`?"));
    let d = first_error(&with("  nodes: 6h\n"));
    assert!(
        d.message.starts_with(
            "faults.nodes: expected node fault processes (a mapping like `{mtbf: 6h}`, or a list of them)"
        ),
        "{}",
        d.message
    );
    let d = first_error(&with("  nodes: [6h]\n"));
    assert_eq!(d.message, "faults.nodes[0]: expected a mapping like `{mtbf: 6h}`, found a string \"6h\"");
    let d = first_error(&format!("{DEP}faults: [{{mtbf: 1h}}]\n"));
    assert_eq!(d.message, "faults: expected faults (a mapping), found a list");
}

#[test]
fn image_failure_behaviours() {
    let l = ok(&format!(
        "{DEP}images:
  a:1: {{crashAfter: 10m, livenessFailAfter: {{exponential: 1h}}, memoryUsage: 300Mi}}
  b:1: {{crashAfter: {{lognormal: {{p50: 5m, p99: 30m}}}}, livenessFailAfter: {{fixed: 90s}}, memoryUsage: 1G}}
  c:1: {{memoryUsage: 1048576}}
"
    ));
    let i = &l.scenario.images;
    assert_eq!(i["a:1"].crash_after, Some(ServiceTime::fixed(SimDuration::from_secs(600))));
    assert_eq!(i["a:1"].liveness_fail_after, Some(ServiceTime::exponential(SimDuration::from_secs(3600))));
    assert_eq!(i["a:1"].memory_usage_bytes, Some(300 << 20));
    assert_eq!(
        i["b:1"].crash_after,
        Some(ServiceTime::lognormal(SimDuration::from_secs(300), SimDuration::from_secs(1800)).unwrap())
    );
    assert_eq!(i["b:1"].liveness_fail_after, Some(ServiceTime::fixed(SimDuration::from_secs(90))));
    assert_eq!(i["b:1"].memory_usage_bytes, Some(1_000_000_000));
    assert_eq!(i["c:1"].memory_usage_bytes, Some(1 << 20));
    assert_eq!((i["c:1"].crash_after.as_ref(), i["c:1"].liveness_fail_after.as_ref()), (None, None));
    assert!(l.warnings.is_empty(), "{:?}", l.warnings);
    let first = |img: &str| first_error(&format!("{DEP}images:\n  a:1: {img}\n"));
    let d = first("{crashAfter: soon}");
    assert_eq!(
        d.message,
        "images.a:1.crashAfter: invalid duration \"soon\": expected a duration like 500ms, 30s, 5m, 1h30m"
    );
    assert_eq!((d.line, d.column), (Some(12), Some(21)));
    assert!(first("{livenessFailAfter: {weibull: 1h}}").message.contains("unknown field `weibull` in a service time"));
    assert!(first("{memoryUsage: lots}")
        .message
        .starts_with("images.a:1.memoryUsage: memoryUsage: invalid quantity \"lots\""));
    assert!(first("{memoryUsage: -1Mi}")
        .message
        .ends_with("memoryUsage: Invalid value: \"-1Mi\": must be greater than or equal to 0"));
    assert!(first("{memoryUsage: [1]}").message.ends_with("memoryUsage: expected a memory quantity like 300Mi or 1Gi"));
    let l = ok(&format!("{DEP}images:\n  a:1: {{cpuPerRequest: 20m, cpuIdle: 0.005}}\n"));
    assert!(l.warnings.is_empty(), "{:?}", l.warnings);
    assert_eq!(l.scenario.images["a:1"].cpu_per_request_nanos, 20_000_000);
    assert_eq!(l.scenario.images["a:1"].cpu_idle_nanos, 5_000_000);
    assert!(first("{cpuPerRequest: -1m}")
        .message
        .ends_with("cpuPerRequest: Invalid value: \"-1m\": must be greater than or equal to 0"));
    assert!(first("{cpuIdle: lots}").message.contains("cpuIdle: invalid quantity \"lots\""));
    let l = ok(&format!("{DEP}images:\n  a:1: {{runFor: {{exponential: 30s}}}}\n"));
    assert!(l.warnings.is_empty(), "{:?}", l.warnings);
    assert_eq!(l.scenario.images["a:1"].run_for, Some(ServiceTime::exponential(SimDuration::from_secs(30))));
}

#[test]
fn node_lifecycle_settings_of_the_control_plane() {
    let l = ok(&format!(
        "{DEP}cluster:
  controlPlane:
    nodeStatusUpdateFrequency: 4s
    nodeMonitorPeriod: 2s
    nodeMonitorGracePeriod: 40s
    defaultTolerationSeconds: 60
    nodeEvictionRate: 1
    secondaryNodeEvictionRate: 0.05
    largeClusterSizeThreshold: 10
    unhealthyZoneThreshold: 0.4
"
    ));
    let cp = &l.scenario.control_plane;
    assert_eq!(cp.node_status_update_frequency, SimDuration::from_secs(4));
    assert_eq!(cp.node_monitor_period, SimDuration::from_secs(2));
    assert_eq!(cp.node_monitor_grace_period, SimDuration::from_secs(40));
    assert_eq!(cp.default_toleration_seconds, 60);
    assert_eq!((cp.node_eviction_rate, cp.secondary_node_eviction_rate), (1.0, 0.05));
    assert_eq!(cp.large_cluster_size_threshold, 10);
    assert_eq!(cp.unhealthy_zone_threshold, 0.4);
    let d = ok(DEP).scenario.control_plane;
    assert_eq!(
        (d.node_status_update_frequency, d.node_monitor_period),
        (SimDuration::from_secs(10), SimDuration::from_secs(5))
    );
    assert_eq!(
        (
            d.node_eviction_rate,
            d.secondary_node_eviction_rate,
            d.large_cluster_size_threshold,
            d.unhealthy_zone_threshold
        ),
        (0.1, 0.01, 50, 0.55)
    );
    assert_eq!(d.default_toleration_seconds, 300);
    let first = |kv: &str| first_error(&format!("{DEP}cluster:\n  controlPlane: {{{kv}}}\n")).message;
    assert_eq!(
        first("nodeMonitorPeriod: 0s"),
        "cluster.controlPlane.nodeMonitorPeriod: nodeMonitorPeriod must be more than 0"
    );
    assert_eq!(
        first("nodeStatusUpdateFrequency: 0"),
        "cluster.controlPlane.nodeStatusUpdateFrequency: nodeStatusUpdateFrequency must be more than 0"
    );
    assert!(first("nodeEvictionRate: -0.1")
        .ends_with("-0.1 is not a rate: expected nodes per second, a number of 0 or more"));
    assert!(first("secondaryNodeEvictionRate: fast").ends_with("expected a number, found a string \"fast\""));
    assert!(first("largeClusterSizeThreshold: -1").contains("expected a number of nodes (a non-negative integer)"));
    assert!(first("largeClusterSizeThreshold: 2.5").contains("expected a number of nodes (a non-negative integer)"));
    assert!(first("unhealthyZoneThreshold: 1.5").ends_with("1.5 is not a share: expected a number from 0 to 1"));
    let e = load(&format!("{DEP}cluster:\n  controlPlane: {{nodeEvictonRate: 1}}\n")).unwrap_err();
    assert_eq!(e[0].help.as_deref(), Some("did you mean `nodeEvictionRate`?"));
}
