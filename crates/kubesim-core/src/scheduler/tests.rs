//! The scheduler's plugins against Kubernetes' own test cases, and its words.

use super::cycle::{PodContext, SpreadConstraint};
use super::plugins::balanced_allocation::BalancedAllocation;
use super::plugins::node_resources_fit::{NodeResourcesFit, ResourceFitScore};
use super::plugins::{FilterPlugin, ScorePlugin, Unfit};
use super::*;
use crate::engine::{Purpose, SimTime, Stream};
use crate::model::spec::{
    ContainerSpec, InclusionPolicy, NodeSelectorOperator, NodeSelectorRequirement, NodeSelectorTerm, PodSpec,
    PullPolicy, Resources, Selector, Taint, TaintEffect, TopologySpreadConstraint, WhenUnsatisfiable,
};
use crate::model::store::{Node, NodeFit, NonZero};
use std::collections::BTreeMap;

fn node(name: &str, cpu_millis: i64, memory_bytes: i64) -> Node {
    Node::for_test(name, cpu_millis, memory_bytes)
}

/// Puts an existing pod's requests on a node (as Kubernetes' tests' existingPods).
fn with_pod(mut n: Node, cpu_millis: i64, memory_bytes: i64) -> Node {
    let spec = pod(cpu_millis, memory_bytes);
    crate::model::store::add_resources(&mut n.requested, &spec.requests(), 1);
    n.requested_nonzero.add(NonZero::of(&spec), 1);
    n
}

fn container(cpu_millis: i64, memory_bytes: i64) -> ContainerSpec {
    ContainerSpec {
        name: "app".into(),
        image: "app:1".into(),
        pull_policy: PullPolicy::IfNotPresent,
        requests: Resources { cpu_millis, memory_bytes, ..Resources::default() },
        limits: Resources::default(),
        readiness: None,
        liveness: None,
        host_ports: vec![],
        cpu_request_set: true,
        memory_request_set: true,
        env: Vec::new(),
        startup: None,
        lifecycle: Default::default(),
        sidecar: false,
    }
}

fn pod(cpu_millis: i64, memory_bytes: i64) -> PodSpec {
    PodSpec { containers: vec![container(cpu_millis, memory_bytes)], ..PodSpec::default() }
}

/// A pod of two containers, 1000/2000 and 2000/3000, as in Kubernetes' tests.
fn two_container_pod() -> PodSpec {
    PodSpec { containers: vec![container(1000, 2000), container(2000, 3000)], ..PodSpec::default() }
}

fn scores(plugin: &dyn ScorePlugin, spec: &PodSpec, nodes: &[Node]) -> Vec<i64> {
    let ctx = PodContext::new(spec);
    let mut s: Vec<i64> = nodes.iter().map(|n| plugin.score(&ctx, n)).collect();
    plugin.normalize(&ctx, &mut s);
    s
}

fn attempt(spec: &PodSpec, nodes: &[Node]) -> Result<NodeId, FitError> {
    let mut profile = Profile::default_profile(ScoringStrategy::LeastAllocated);
    profile.schedule(
        &mut PodContext::new(spec),
        nodes,
        &NodeFit::table(nodes),
        &Nominations::default(),
        &mut Stream::new(1, Purpose::Scheduling),
    )
}

const LEAST: ResourceFitScore = ResourceFitScore(ScoringStrategy::LeastAllocated);

/// least_allocated_test.go, TestLeastAllocatedScoringStrategy.
#[test]
fn least_allocated_matches_kubernetes_cases() {
    let empty = PodSpec::default();
    assert_eq!(scores(&LEAST, &empty, &[node("1", 4000, 10000), node("2", 4000, 10000)]), [100, 100]);
    let p = two_container_pod();
    assert_eq!(scores(&LEAST, &p, &[node("1", 4000, 10000), node("2", 6000, 10000)]), [37, 50]);
    let busy = [
        with_pod(with_pod(node("1", 10000, 20000), 3000, 0), 3000, 0),
        with_pod(with_pod(node("2", 10000, 20000), 3000, 0), 3000, 5000),
    ];
    assert_eq!(scores(&LEAST, &empty, &busy), [70, 57]);
    let busy = [with_pod(node("1", 10000, 20000), 3000, 0), with_pod(node("2", 10000, 20000), 3000, 5000)];
    assert_eq!(scores(&LEAST, &p, &busy), [57, 45]);
    let busy = [with_pod(node("1", 10000, 20000), 3000, 0), with_pod(node("2", 10000, 50000), 3000, 5000)];
    assert_eq!(scores(&LEAST, &p, &busy), [57, 60]);
    // Requested over capacity scores 0 for that resource.
    let over = [with_pod(node("1", 4000, 10000), 3000, 0), with_pod(node("2", 4000, 10000), 3000, 5000)];
    assert_eq!(scores(&LEAST, &pod(3000, 0), &over), [50, 25]);
}

/// Cases of Kubernetes' balanced_allocation_test.go, and the arithmetic of its
/// `balancedResourceScorer` (pkg/scheduler/framework/plugins/noderesources/balanced_allocation.go:
/// (1 - the standard deviation of the requested fractions) x 100) on chosen fractions.
#[test]
fn balanced_allocation_matches_kubernetes_cases() {
    let p = two_container_pod();
    assert_eq!(scores(&BalancedAllocation, &p, &[node("1", 4000, 10000), node("2", 6000, 10000)]), [87, 100]);
    let busy = [with_pod(node("1", 10000, 20000), 3000, 0), with_pod(node("2", 10000, 20000), 3000, 5000)];
    assert_eq!(scores(&BalancedAllocation, &p, &busy), [82, 95]);
    // Fractions 1 and 0 -> 50; 1 and 0.5 -> 75.
    let over = [with_pod(node("1", 4000, 10000), 3000, 0), with_pod(node("2", 4000, 10000), 3000, 5000)];
    assert_eq!(scores(&BalancedAllocation, &pod(3000, 0), &over), [50, 75]);
}

#[test]
fn most_allocated_prefers_the_fuller_node() {
    let most = ResourceFitScore(ScoringStrategy::MostAllocated);
    let p = two_container_pod();
    // (3000/4000 + 5000/10000) / 2 -> (75 + 50) / 2 = 62; (50 + 50) / 2 = 50.
    assert_eq!(scores(&most, &p, &[node("1", 4000, 10000), node("2", 6000, 10000)]), [62, 50]);
}

#[test]
fn the_failed_scheduling_message_counts_and_sorts_reasons() {
    let nodes = vec![node("a", 1000, 1 << 30), node("b", 1000, 1 << 30), node("c", 1000, 1 << 30)];
    let err = attempt(&pod(2000, 0), &nodes).unwrap_err();
    assert_eq!(err.message(), "0/3 nodes are available: 3 Insufficient cpu.");
    let mut with_post = err.clone();
    with_post.post_filter =
        Some("preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.".into());
    assert_eq!(
        with_post.message(),
        "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod."
    );
}

#[test]
fn taints_and_resources_mix_in_one_message() {
    let mut gpu = node("gpu", 8000, 1 << 30);
    gpu.taints.push(Taint { key: "gpu".into(), value: "true".into(), effect: TaintEffect::NoSchedule });
    let mut nodes = vec![gpu];
    for name in ["a", "b", "c", "d"] {
        nodes.push(node(name, 8000, 1 << 20));
    }
    let err = attempt(&pod(100, 1 << 30), &nodes).unwrap_err();
    assert_eq!(
        err.message(),
        "0/5 nodes are available: 1 node(s) had untolerated taint {gpu: true}, 4 Insufficient memory."
    );
}

#[test]
fn every_shortfall_of_a_node_is_reported() {
    let n = node("a", 1000, 1000);
    let spec = pod(2000, 2000);
    let err = NodeResourcesFit.filter(&PodContext::new(&spec), &n).unwrap_err();
    assert_eq!(
        err,
        Unfit { reasons: vec!["Insufficient cpu".into(), "Insufficient memory".into()], unresolvable: false }
    );
}

#[test]
fn the_emptier_node_wins() {
    let nodes = vec![with_pod(node("busy", 4000, 8 << 30), 3000, 4 << 30), node("idle", 4000, 8 << 30)];
    assert_eq!(attempt(&pod(500, 1 << 30), &nodes).unwrap(), NodeId(1));
}

/// Equal nodes tie; the scheduling stream picks among them uniformly, and only among them.
#[test]
fn ties_are_broken_uniformly_among_the_best_nodes() {
    let mut nodes: Vec<Node> = (0..4).map(|i| node(&format!("n{i}"), 4000, 8 << 30)).collect();
    nodes.push(with_pod(node("busy", 4000, 8 << 30), 2000, 4 << 30));
    for (i, n) in nodes.iter_mut().enumerate() {
        n.id = NodeId::from_index(i);
    }
    let mut profile = Profile::default_profile(ScoringStrategy::LeastAllocated);
    let fit = NodeFit::table(&nodes);
    let mut rng = Stream::new(7, Purpose::Scheduling);
    let mut picked = [0u32; 5];
    for _ in 0..4000 {
        let spec = pod(100, 1 << 20);
        let chosen = profile.schedule(&mut PodContext::new(&spec), &nodes, &fit, &Nominations::default(), &mut rng);
        picked[chosen.unwrap().index()] += 1;
    }
    assert_eq!(picked[4], 0, "the busy node never ties with the idle ones: {picked:?}");
    // 1,000 expected per idle node; sd ~27, so 850..1150 is more than 5 sd either way.
    assert!(picked[..4].iter().all(|&c| (850..1150).contains(&c)), "uniform over the four idle nodes: {picked:?}");
}

#[test]
fn nodes_to_score_follow_the_adaptive_percentage() {
    assert_eq!(num_feasible_nodes_to_find(50), 50);
    assert_eq!(num_feasible_nodes_to_find(100), 100);
    assert_eq!(num_feasible_nodes_to_find(1_000), 420);
    assert_eq!(num_feasible_nodes_to_find(5_000), 500);
    assert_eq!(num_feasible_nodes_to_find(6_000), 300);
    // A profile's percentageOfNodesToScore (schedule_one.go numFeasibleNodesToFind): 0 is
    // the adaptive one, at least 100 nodes, 100 % and more is every node.
    assert_eq!(super::num_feasible_nodes_with(5_000, Some(0)), 500);
    assert_eq!(super::num_feasible_nodes_with(5_000, Some(30)), 1_500);
    assert_eq!(super::num_feasible_nodes_with(200, Some(10)), 100);
    assert_eq!(super::num_feasible_nodes_with(5_000, Some(100)), 5_000);
    assert_eq!(super::num_feasible_nodes_with(50, Some(10)), 50);
}

#[test]
fn node_affinity_gt_lt_and_match_fields() {
    let mut spec = pod(100, 0);
    let req = |key: &str, operator, values: &[&str]| NodeSelectorRequirement {
        key: key.into(),
        operator,
        values: values.iter().map(|s| s.to_string()).collect(),
    };
    spec.affinity.node_required = Some(vec![NodeSelectorTerm {
        match_expressions: vec![req("cores", NodeSelectorOperator::Gt, &["8"])],
        match_fields: vec![],
    }]);
    let mut big = node("big", 8000, 1 << 30);
    big.labels.insert("cores".into(), "16".into());
    let mut small = node("small", 8000, 1 << 30);
    small.labels.insert("cores".into(), "4".into());
    let plugin = super::plugins::node_affinity::NodeAffinity;
    let ctx = PodContext::new(&spec);
    assert!(plugin.filter(&ctx, &big).is_ok());
    assert_eq!(plugin.filter(&ctx, &small).unwrap_err().reasons, ["node(s) didn't match Pod's node affinity/selector"]);
    spec.affinity.node_required = Some(vec![NodeSelectorTerm {
        match_expressions: vec![],
        match_fields: vec![req("metadata.name", NodeSelectorOperator::In, &["small"])],
    }]);
    let ctx = PodContext::new(&spec);
    assert!(plugin.filter(&ctx, &small).is_ok());
    assert!(plugin.filter(&ctx, &big).is_err());
}

#[test]
fn prefer_no_schedule_taints_lower_the_score() {
    let mut tainted = node("t", 4000, 1 << 30);
    tainted.taints.push(Taint { key: "spot".into(), value: "true".into(), effect: TaintEffect::PreferNoSchedule });
    let s = scores(
        &super::plugins::taint_toleration::TaintTolerationScore,
        &pod(100, 0),
        &[tainted, node("u", 4000, 1 << 30)],
    );
    assert_eq!(s, [0, 100]);
}

/// Zones `a` (node 0) and `b` (node 1), a node without the key (node 2), and the matching
/// pods per zone.
fn spread(counts: [i64; 2], max_skew: i32, min_domains: Option<i32>) -> SpreadConstraint {
    let index = std::sync::Arc::new(super::topology::TopologyIndex {
        node_value: vec![0, 1, super::topology::MISSING],
        values: vec!["a".into(), "b".into()],
        complete: false,
    });
    let c = TopologySpreadConstraint {
        max_skew,
        topology_key: "zone".into(),
        when_unsatisfiable: WhenUnsatisfiable::DoNotSchedule,
        selector: Selector { match_labels: BTreeMap::from([("app".into(), "web".into())]), match_expressions: vec![] },
        min_domains,
        match_label_keys: vec![],
        node_affinity_policy: InclusionPolicy::Honor,
        node_taints_policy: InclusionPolicy::Ignore,
    };
    SpreadConstraint::new(c, index, std::sync::Arc::new(counts.to_vec()), None, 1)
}

#[test]
fn topology_spread_filters_by_skew_and_min_domains() {
    let spec = pod(100, 0);
    let node_id = |id: u32| {
        let mut n = node(&id.to_string(), 4000, 1 << 30);
        n.id = NodeId(id);
        n
    };
    let plugin = super::plugins::pod_topology_spread::PodTopologySpread;
    let mut ctx = PodContext::new(&spec);
    // a: 2, b: 1 -> placing in a gives skew 2 + 1 - 1 = 2 > 1; in b, 1.
    ctx.spread_hard = vec![spread([2, 1], 1, None)];
    assert_eq!(
        plugin.filter(&ctx, &node_id(0)).unwrap_err().reasons,
        ["node(s) didn't match pod topology spread constraints"]
    );
    assert!(plugin.filter(&ctx, &node_id(1)).is_ok());
    // minDomains 3 with only two domains: the global minimum counts as 0.
    ctx.spread_hard = vec![spread([1, 1], 1, Some(3))];
    assert!(plugin.filter(&ctx, &node_id(1)).is_err());
    // A node without the key.
    assert_eq!(
        plugin.filter(&ctx, &node_id(2)).unwrap_err().reasons,
        ["node(s) didn't match pod topology spread constraints (missing required label)"]
    );
}

#[test]
fn back_off_doubles_to_the_cap() {
    let mut q = SchedulingQueue::default();
    let (i, m) = (crate::engine::SimDuration::from_secs(1), crate::engine::SimDuration::from_secs(10));
    let waits: Vec<u64> =
        (0..6).map(|_| q.mark_unschedulable(PodId(7), 0, SimTime::ZERO, i, m).0 / 1_000_000).collect();
    assert_eq!(waits, vec![1, 2, 4, 8, 10, 10]);
}

#[test]
fn higher_priority_pods_are_scheduled_first_then_by_arrival() {
    let mut q = SchedulingQueue::default();
    q.push_active(PodId(1), 0);
    q.push_active(PodId(2), 100);
    q.push_active(PodId(3), 0);
    assert_eq!([q.pop_active(), q.pop_active(), q.pop_active()], [Some(PodId(2)), Some(PodId(1)), Some(PodId(3))]);
}

/// The one-pass filter and scores (`fused`) decide and score exactly as the plugins do,
/// node by node: cordoned nodes, tainted nodes tolerated or not, PreferNoSchedule taints,
/// full nodes, busy nodes, and both scoring strategies; a second attempt, served from the
/// remembered resource scores, agrees too.
#[test]
fn the_one_pass_path_decides_and_scores_as_the_plugins_do() {
    use crate::model::spec::{Toleration, TolerationOperator};
    let taint = |key: &str, effect| Taint { key: key.into(), value: "x".into(), effect };
    let nodes: Vec<Node> = (0..40u32)
        .map(|i| {
            let mut n = node(&format!("n{i}"), 4000 + 500 * i64::from(i % 5), (8 + i64::from(i % 3)) << 30);
            n.id = NodeId(i);
            if i % 4 == 1 {
                n = with_pod(n, 1500 + 100 * i64::from(i), 3 << 30);
            }
            match i % 9 {
                2 => n.unschedulable = true,
                3 => n.taints.push(taint("gpu", TaintEffect::NoSchedule)),
                4 | 5 => n.taints.push(taint("spot", TaintEffect::PreferNoSchedule)),
                6 => n.allocatable.pods = 0,
                _ => {}
            }
            n
        })
        .collect();
    let fit = NodeFit::table(&nodes);
    let tolerate = |key: &str, effect| Toleration {
        key: key.into(),
        operator: TolerationOperator::Exists,
        value: String::new(),
        effect: Some(effect),
        toleration_seconds: None,
    };
    let mut tolerant = pod(1000, 1 << 30);
    tolerant.tolerations =
        vec![tolerate("gpu", TaintEffect::NoSchedule), tolerate("spot", TaintEffect::PreferNoSchedule)];
    let specs = [pod(500, 1 << 30), tolerant, pod(3000, 6 << 30), PodSpec::default()];
    for spec in &specs {
        for strategy in [ScoringStrategy::LeastAllocated, ScoringStrategy::MostAllocated] {
            let mut profile = Profile::default_profile(strategy);
            let mut ctx = PodContext::new(spec);
            let filtered = profile.find_feasible(&ctx, &nodes, &fit, &Nominations::default());
            for (i, n) in nodes.iter().enumerate() {
                let by_plugins = profile.filter_node(&ctx, n);
                assert_eq!(filtered.feasible.contains(&NodeId::from_index(i)), by_plugins.is_ok(), "node {i}");
                assert_eq!(
                    filtered.failures.get(&NodeId::from_index(i)),
                    by_plugins.err().as_ref(),
                    "node {i}'s reason"
                );
            }
            assert!(filtered.feasible.len() > 1 && !filtered.failures.is_empty(), "the cases cover both outcomes");
            let by_plugins = profile.scores(&mut ctx, &nodes, &filtered.feasible);
            let mut buffers = fused::ScoreBuffers::default();
            for attempt in 0..2 {
                fused::scores(strategy, &ctx, &nodes, &fit, &filtered.feasible, &mut buffers);
                assert_eq!(buffers.total, by_plugins, "attempt {attempt}, {strategy:?}");
            }
        }
    }
}
