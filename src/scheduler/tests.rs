use super::plugins::{FilterPlugin, PodContext, ScorePlugin, Unfit};
use super::*;
use crate::engine::{Purpose, SimDuration, SimTime, Stream};
use crate::model::spec::{ContainerSpec, PodSpec, PullPolicy, Resources, Taint, TaintEffect};
use crate::model::store::{Node, NonZero};
use std::collections::{BTreeMap, BTreeSet};

fn node(name: &str, cpu_millis: i64, memory_bytes: i64) -> Node {
    Node {
        name: name.into(),
        labels: BTreeMap::new(),
        taints: vec![],
        unschedulable: false,
        ready: true,
        allocatable: Resources {
            cpu_millis,
            memory_bytes,
            ephemeral_storage_bytes: 1 << 40,
            pods: 110,
            extended: BTreeMap::new(),
        },
        requested: Resources::default(),
        requested_nonzero: NonZero::default(),
        host_ports: BTreeMap::new(),
        pods: BTreeSet::new(),
        images: BTreeMap::new(),
        puller_free_at: SimTime::ZERO,
    }
}

fn pod(cpu_millis: i64, memory_bytes: i64) -> PodSpec {
    PodSpec {
        containers: vec![ContainerSpec {
            name: "app".into(),
            image: "app:1".into(),
            pull_policy: PullPolicy::IfNotPresent,
            requests: Resources { cpu_millis, memory_bytes, ..Resources::default() },
            limits: Resources::default(),
            readiness: None,
            liveness: None,
            host_ports: vec![],
        }],
        ..PodSpec::default()
    }
}

#[test]
fn scores_match_kubernetes_cases() {
    // Pod 3000m / 5000 on node 4000m / 10000: LeastAllocated 37, Balanced 87.
    let spec = pod(3000, 5000);
    let ctx = PodContext::new(&spec);
    let n = node("a", 4000, 10000);
    assert_eq!(plugins::node_resources_fit::ResourceFitScore(ScoringStrategy::LeastAllocated).score(&ctx, &n), 37);
    assert_eq!(plugins::balanced_allocation::BalancedAllocation.score(&ctx, &n), 87);
    // Node 6000m / 10000: LeastAllocated 50, Balanced 100.
    let n = node("b", 6000, 10000);
    assert_eq!(plugins::node_resources_fit::ResourceFitScore(ScoringStrategy::LeastAllocated).score(&ctx, &n), 50);
    assert_eq!(plugins::balanced_allocation::BalancedAllocation.score(&ctx, &n), 100);
}

#[test]
fn the_failed_scheduling_message_counts_and_sorts_reasons() {
    let profile = Profile::default_profile(ScoringStrategy::LeastAllocated);
    let nodes = vec![node("a", 1000, 1 << 30), node("b", 1000, 1 << 30), node("c", 1000, 1 << 30)];
    let spec = pod(2000, 0);
    let err = profile.schedule(&PodContext::new(&spec), &nodes, &mut Stream::new(1, Purpose::Scheduling)).unwrap_err();
    assert_eq!(
        err.message(),
        "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod."
    );
}

#[test]
fn taints_and_resources_mix_in_one_message() {
    let profile = Profile::default_profile(ScoringStrategy::LeastAllocated);
    let mut gpu = node("gpu", 8000, 1 << 30);
    gpu.taints.push(Taint { key: "gpu".into(), value: "true".into(), effect: TaintEffect::NoSchedule });
    let mut nodes = vec![gpu];
    for name in ["a", "b", "c", "d"] {
        nodes.push(node(name, 8000, 1 << 20));
    }
    let spec = pod(100, 1 << 30);
    let err = profile.schedule(&PodContext::new(&spec), &nodes, &mut Stream::new(1, Purpose::Scheduling)).unwrap_err();
    assert_eq!(
        err.message(),
        "0/5 nodes are available: 1 node(s) had untolerated taint {gpu: true}, 4 Insufficient memory. \
         preemption: 0/5 nodes are available: 1 Preemption is not helpful for scheduling, 4 No preemption victims found for incoming pod."
    );
}

#[test]
fn every_shortfall_of_a_node_is_reported() {
    let n = node("a", 1000, 1000);
    let spec = pod(2000, 2000);
    let err = plugins::node_resources_fit::NodeResourcesFit.filter(&PodContext::new(&spec), &n).unwrap_err();
    assert_eq!(
        err,
        Unfit { reasons: vec!["Insufficient cpu".into(), "Insufficient memory".into()], unresolvable: false }
    );
}

#[test]
fn the_emptier_node_wins() {
    let profile = Profile::default_profile(ScoringStrategy::LeastAllocated);
    let mut busy = node("busy", 4000, 8 << 30);
    busy.requested.cpu_millis = 3000;
    busy.requested_nonzero = NonZero { cpu_millis: 3000, memory_bytes: 4 << 30 };
    let nodes = vec![busy, node("idle", 4000, 8 << 30)];
    let spec = pod(500, 1 << 30);
    let chosen = profile.schedule(&PodContext::new(&spec), &nodes, &mut Stream::new(1, Purpose::Scheduling)).unwrap();
    assert_eq!(chosen, 1);
}

#[test]
fn back_off_doubles_to_the_cap() {
    let mut q = SchedulingQueue::default();
    let (i, m) = (SimDuration::from_secs(1), SimDuration::from_secs(10));
    let waits: Vec<u64> = (0..6).map(|_| q.mark_unschedulable(7, 0, SimTime::ZERO, i, m).0 / 1_000_000).collect();
    assert_eq!(waits, vec![1, 2, 4, 8, 10, 10]);
}

#[test]
fn higher_priority_pods_are_scheduled_first_then_by_arrival() {
    let mut q = SchedulingQueue::default();
    q.push_active(1, 0);
    q.push_active(2, 100);
    q.push_active(3, 0);
    assert_eq!([q.pop_active(), q.pop_active(), q.pop_active()], [Some(2), Some(1), Some(3)]);
}
