//! Property tests over random scenarios, built directly as `Scenario` values (not YAML).
//!
//! A generated [`Case`] is a compact description (node groups, Deployments, images and a
//! kubectl timeline) that proptest shrinks; [`Case::scenario`] turns it into the validated
//! `Scenario` the simulator runs. Every property is checked from what the run leaves
//! behind: the pods' own timelines (created, scheduled, first ready, terminating, deleted),
//! the nodes' allocatable and the event records.
//!
//! Failures are not persisted (`failure_persistence: None`): a failing case is printed in
//! full, shrunk, and can be pasted into a regular test.
//!
//! Here: the generated case, its strategies and `config()`; the properties, by subject:
//!
//! - `rollouts`: surge and unavailability bounds, Recreate's order.
//! - `settling`: every Deployment ends on the spec the timeline leaves (a model of kubectl
//!   and the controller: pause, undo, revisions).
//! - `scheduling`: no node over its allocatable, every pod bound or Pending.
//! - `determinism`: the same scenario twice, the same pods and events.
//! - `events`: time order, of the recorded events and of the kernel's queue.
//! - `traffic`: every request counted once.
//! - `autoscaling`: node autoscalers ask only for pods a template takes, keep pools within
//!   their bounds and never evict below a PodDisruptionBudget.

use kubesim::engine::{SimDuration, SimTime};
use kubesim::model::spec::{
    Action, ContainerSpec, ControlPlane, DeploymentSpec, DeploymentStrategy, DrainSpec, FaultTarget, ImageBehavior,
    IntOrPercent, Kind, KubectlCommand, NodeFault, NodeFaultKind, NodeGroup, Object, ObjectRef, ObjectSpec, PodSpec,
    PodTemplate, Probe, PullPolicy, Resources, RestartPolicy, Scenario, ScoringStrategy, Selector, TimelineEntry,
};
use kubesim::model::store::{DeployId, NodeId, PodId, PodPhase, Store};
use kubesim::sim::Outcome;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use std::collections::BTreeMap;
use std::sync::Arc;

mod autoscaling;
mod determinism;
mod events;
mod rollouts;
mod scheduling;
mod settling;
mod traffic;

const NAMES: [&str; 3] = ["web", "api", "db"];
const MI: i64 = 1024 * 1024;
const GI: i64 = 1024 * MI;
/// Images in the pool; an image is named `img<i>:<tag>` and behaves as pool entry `i`.
const POOL: usize = 4;

/// 256 cases per property (CI replays them with a fixed seed, see .ci/run);
/// `PROPTEST_CASES=1000` for a longer soak.
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(256);
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

// ---------------------------------------------------------------------------------------
// The generated case
// ---------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
struct GroupGen {
    count: u32,
    cpu_cores: i64,
    memory_gi: i64,
    pods: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Image {
    pool: usize,
    tag: u32,
}

impl Image {
    fn name(self) -> String {
        format!("img{}:{}", self.pool, self.tag)
    }
}

#[derive(Clone, Debug)]
struct DepGen {
    replicas: i32,
    strategy: DeploymentStrategy,
    min_ready_seconds: i32,
    cpu_millis: i64,
    memory_mi: i64,
    /// Readiness probe (initialDelaySeconds, periodSeconds).
    readiness: Option<(u64, u64)>,
    image: Image,
    grace_seconds: u64,
}

#[derive(Clone, Debug, PartialEq)]
enum Cmd {
    SetImage(Image),
    Scale(i32),
    Pause,
    Resume,
    Restart,
    Undo,
    /// `fail:`, `partition:` or `recover:` the first node of group `dep % groups`.
    Fault(NodeFaultKind),
    /// `kubectl drain` the first node of group `dep % groups`.
    Drain,
}

#[derive(Clone, Debug)]
struct CmdGen {
    at_s: u64,
    dep: usize,
    cmd: Cmd,
}

#[derive(Clone, Debug)]
struct Case {
    seed: u64,
    duration_s: u64,
    groups: Vec<GroupGen>,
    deps: Vec<DepGen>,
    /// Behaviour of each pool image: (pull, start, readyAfter, stop) in seconds.
    images: Vec<(u64, u64, u64, u64)>,
    /// Sorted by time.
    timeline: Vec<CmdGen>,
}

fn secs(s: u64) -> SimDuration {
    SimDuration::from_secs(s)
}

fn t(s: u64) -> SimTime {
    SimTime(s * 1_000_000)
}

fn target(dep: usize) -> ObjectRef {
    ObjectRef { kind: Kind::Deployment, namespace: "default".into(), name: NAMES[dep].into() }
}

impl Case {
    /// The first node of group `k % groups` (named as `cluster.nodes` names them).
    fn first_node(&self, k: usize) -> String {
        let i = k % self.groups.len().max(1);
        if self.groups.get(i).is_some_and(|g| g.count > 1) {
            format!("pool{i}-1")
        } else {
            format!("pool{i}")
        }
    }

    fn scenario(&self) -> Scenario {
        let nodes = self
            .groups
            .iter()
            .enumerate()
            .map(|(i, g)| NodeGroup {
                name: format!("pool{i}"),
                count: g.count,
                capacity: Resources {
                    cpu_millis: g.cpu_cores * 1000,
                    memory_bytes: g.memory_gi * GI,
                    pods: g.pods,
                    ..Resources::default()
                },
                labels: BTreeMap::new(),
                taints: Vec::new(),
                economics: Default::default(),
            })
            .collect();
        let mut used: Vec<Image> = self.deps.iter().map(|d| d.image).collect();
        used.extend(self.timeline.iter().filter_map(|c| match c.cmd {
            Cmd::SetImage(i) => Some(i),
            _ => None,
        }));
        let images = used
            .into_iter()
            .map(|i| {
                let (pull, start, ready_after, stop) = self.images[i.pool];
                let behavior = ImageBehavior {
                    pull: secs(pull),
                    start: secs(start),
                    ready_after: secs(ready_after),
                    stop: secs(stop),
                    crash_on_start: 0.0,
                    ..ImageBehavior::default()
                };
                (i.name(), behavior)
            })
            .collect();
        let objects = self.deps.iter().enumerate().map(|(i, d)| deployment(NAMES[i], d)).collect();
        let timeline = self
            .timeline
            .iter()
            .map(|c| {
                let target = target(c.dep);
                let name = NAMES[c.dep];
                let (text, command) = match &c.cmd {
                    Cmd::SetImage(i) => (
                        format!("kubectl set image deployment/{name} app={}", i.name()),
                        KubectlCommand::SetImage { target, images: vec![("app".into(), i.name())], cause: None },
                    ),
                    Cmd::Scale(n) => (
                        format!("kubectl scale deployment/{name} --replicas={n}"),
                        KubectlCommand::Scale { target, replicas: *n },
                    ),
                    Cmd::Pause => {
                        (format!("kubectl rollout pause deployment/{name}"), KubectlCommand::RolloutPause { target })
                    }
                    Cmd::Resume => {
                        (format!("kubectl rollout resume deployment/{name}"), KubectlCommand::RolloutResume { target })
                    }
                    Cmd::Restart => (
                        format!("kubectl rollout restart deployment/{name}"),
                        KubectlCommand::RolloutRestart { target },
                    ),
                    Cmd::Undo => (
                        format!("kubectl rollout undo deployment/{name}"),
                        KubectlCommand::RolloutUndo { target, to_revision: None },
                    ),
                    Cmd::Fault(kind) => {
                        let node = self.first_node(c.dep);
                        let fault = NodeFault { kind: *kind, target: FaultTarget::Node(node.clone()) };
                        return TimelineEntry {
                            at: t(c.at_s),
                            text: format!("{kind:?} node/{node}"),
                            action: Action::Fault(fault),
                        };
                    }
                    Cmd::Drain => {
                        let node = self.first_node(c.dep);
                        let spec = DrainSpec {
                            node: node.clone(),
                            ignore_daemonsets: true,
                            delete_emptydir_data: true,
                            force: false,
                            grace_period: None,
                            timeout: Some(secs(60)),
                        };
                        (format!("kubectl drain {node} --ignore-daemonsets --timeout=60s"), KubectlCommand::Drain(spec))
                    }
                };
                TimelineEntry { at: t(c.at_s), text, action: Action::Kubectl(command) }
            })
            .collect();
        Scenario {
            name: "property".into(),
            description: String::new(),
            seed: self.seed,
            duration: secs(self.duration_s),
            sample: secs(1),
            nodes,
            control_plane: ControlPlane::default(),
            scoring: ScoringStrategy::LeastAllocated,
            scheduler_config: None,
            images,
            objects,
            timeline,
            traffic: Vec::new(),
            faults: Default::default(),
            sweep: None,
            externals: Default::default(),
            analysis_templates: Vec::new(),
            autoscaler: None,
        }
    }

    /// How many pods the cluster should have room for.
    fn room_needed(&self) -> i64 {
        let mut pods = 0;
        for (i, d) in self.deps.iter().enumerate() {
            let max_replicas = self
                .timeline
                .iter()
                .filter(|c| c.dep == i)
                .filter_map(|c| match c.cmd {
                    Cmd::Scale(n) => Some(n),
                    _ => None,
                })
                .fold(d.replicas, i32::max);
            let (surge, _) = resolve(&d.strategy, max_replicas);
            // Active pods are bounded by replicas + surge; terminating ones still hold their
            // node's resources, so count them over again, and once more for safety.
            pods += 3 * i64::from(max_replicas + surge + 1);
        }
        pods
    }

    /// Grows the cluster (up to 4 groups of 5 nodes of 110 pods) and shrinks requests until
    /// every node holds its share of `room_needed` pods of the largest request, however the
    /// pods are spread: plenty of room.
    fn with_room(mut self) -> Case {
        let needed = self.room_needed();
        let nodes = |groups: &[GroupGen]| groups.iter().map(|g| i64::from(g.count)).sum::<i64>();
        for g in &mut self.groups {
            g.pods = 110;
        }
        for i in 0..4 {
            if nodes(&self.groups) * 110 >= needed {
                break;
            }
            if i >= self.groups.len() {
                let first = self.groups[0].clone();
                self.groups.push(first);
            }
            self.groups[i].count = 5;
        }
        let per_node = ((needed + nodes(&self.groups) - 1) / nodes(&self.groups)).max(1);
        let min_cpu = self.groups.iter().map(|g| g.cpu_cores * 1000).min().unwrap_or(0);
        let min_mem_mi = self.groups.iter().map(|g| g.memory_gi * 1024).min().unwrap_or(0);
        for d in &mut self.deps {
            d.cpu_millis = d.cpu_millis.min(min_cpu / per_node);
            d.memory_mi = d.memory_mi.min(min_mem_mi / per_node);
        }
        self
    }
}

fn deployment(name: &str, d: &DepGen) -> Object {
    let labels: BTreeMap<String, String> = [("app".to_string(), name.to_string())].into();
    let container = ContainerSpec {
        name: "app".into(),
        image: d.image.name(),
        pull_policy: PullPolicy::IfNotPresent,
        requests: Resources { cpu_millis: d.cpu_millis, memory_bytes: d.memory_mi * MI, ..Resources::default() },
        limits: Resources::default(),
        readiness: d.readiness.map(|(delay, period)| Probe {
            initial_delay: secs(delay),
            period: secs(period),
            ..Probe::default()
        }),
        liveness: None,
        host_ports: Vec::new(),
        cpu_request_set: true,
        memory_request_set: true,
        env: Vec::new(),
        startup: None,
        lifecycle: Default::default(),
        sidecar: false,
    };
    let template = PodTemplate {
        labels: labels.clone(),
        annotations: BTreeMap::new(),
        spec: PodSpec {
            containers: vec![container],
            restart_policy: RestartPolicy::Always,
            termination_grace: secs(d.grace_seconds),
            ..PodSpec::default()
        },
    };
    Object {
        id: ObjectRef { kind: Kind::Deployment, namespace: "default".into(), name: name.into() },
        spec: ObjectSpec::Deployment {
            labels: labels.clone(),
            annotations: BTreeMap::new(),
            spec: DeploymentSpec {
                replicas: d.replicas,
                selector: Selector { match_labels: labels, match_expressions: Vec::new() },
                template: Arc::new(template),
                strategy: d.strategy.clone(),
                min_ready_seconds: d.min_ready_seconds,
                revision_history_limit: 10,
                progress_deadline_seconds: 600,
                paused: false,
            },
        },
    }
}

/// maxSurge and maxUnavailable as Kubernetes resolves them (ResolveFenceposts): surge
/// rounds up, unavailable rounds down, and both 0 makes unavailable 1. Recreate: (0, all).
fn resolve(strategy: &DeploymentStrategy, replicas: i32) -> (i32, i32) {
    let DeploymentStrategy::RollingUpdate { max_surge, max_unavailable } = strategy else {
        return (0, replicas);
    };
    let value = |v: &IntOrPercent, up: bool| match *v {
        IntOrPercent::Int(n) => n,
        IntOrPercent::Percent(p) => {
            let x = i64::from(replicas) * i64::from(p);
            (if up { (x + 99) / 100 } else { x / 100 }) as i32
        }
    };
    let (surge, unavailable) = (value(max_surge, true), value(max_unavailable, false));
    if surge == 0 && unavailable == 0 {
        (0, 1)
    } else {
        (surge, unavailable)
    }
}

// ---------------------------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------------------------

fn int_or_percent() -> impl Strategy<Value = IntOrPercent> {
    prop_oneof![(0..=4i32).prop_map(IntOrPercent::Int), (0..=100i32).prop_map(IntOrPercent::Percent)]
}

fn is_zero(v: &IntOrPercent) -> bool {
    matches!(v, IntOrPercent::Int(0) | IntOrPercent::Percent(0))
}

fn rolling_update() -> impl Strategy<Value = DeploymentStrategy> {
    (int_or_percent(), int_or_percent()).prop_map(|(max_surge, max_unavailable)| {
        // Both given as 0 is invalid input (the loader rejects it).
        let max_unavailable =
            if is_zero(&max_surge) && is_zero(&max_unavailable) { IntOrPercent::Int(1) } else { max_unavailable };
        DeploymentStrategy::RollingUpdate { max_surge, max_unavailable }
    })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum StrategyKind {
    Any,
    Rolling,
    Recreate,
}

fn strategy(kind: StrategyKind) -> BoxedStrategy<DeploymentStrategy> {
    match kind {
        StrategyKind::Any => prop_oneof![3 => rolling_update(), 1 => Just(DeploymentStrategy::Recreate)].boxed(),
        StrategyKind::Rolling => rolling_update().boxed(),
        StrategyKind::Recreate => Just(DeploymentStrategy::Recreate).boxed(),
    }
}

fn image() -> impl Strategy<Value = Image> {
    (0..POOL, 1..=2u32).prop_map(|(pool, tag)| Image { pool, tag })
}

fn dep(kind: StrategyKind) -> impl Strategy<Value = DepGen> {
    (
        0..=15i32,
        strategy(kind),
        0..=20i32,
        0..=1500i64,
        0..=1024i64,
        proptest::option::of((0..=10u64, 1..=10u64)),
        image(),
        1..=30u64,
    )
        .prop_map(|(replicas, strategy, min_ready_seconds, cpu_millis, memory_mi, readiness, image, grace)| {
            DepGen {
                replicas,
                strategy,
                min_ready_seconds,
                cpu_millis,
                memory_mi,
                readiness,
                image,
                grace_seconds: grace,
            }
        })
}

fn group() -> impl Strategy<Value = GroupGen> {
    (1..=5u32, 1..=8i64, 2..=32i64, 10..=110i64).prop_map(|(count, cpu_cores, memory_gi, pods)| GroupGen {
        count,
        cpu_cores,
        memory_gi,
        pods,
    })
}

/// Which kubectl commands a timeline may hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Commands {
    Any,
    /// Template changes only: set image, rollout restart, rollout undo.
    TemplateOnly,
    /// No scale, no undo: set image (to fresh images), restart, pause, resume.
    NoScaleNoUndo,
    /// Any, and node failures, partitions, recoveries and drains.
    WithFaults,
}

fn cmd(which: Commands) -> BoxedStrategy<Cmd> {
    let set_image = image().prop_map(Cmd::SetImage);
    match which {
        Commands::Any => prop_oneof![
            3 => set_image,
            2 => (0..=20i32).prop_map(Cmd::Scale),
            1 => Just(Cmd::Pause),
            1 => Just(Cmd::Resume),
            1 => Just(Cmd::Restart),
            1 => Just(Cmd::Undo),
        ]
        .boxed(),
        Commands::WithFaults => prop_oneof![
            3 => cmd(Commands::Any),
            2 => Just(Cmd::Fault(NodeFaultKind::Fail)),
            1 => Just(Cmd::Fault(NodeFaultKind::Partition)),
            2 => Just(Cmd::Fault(NodeFaultKind::Recover)),
            1 => Just(Cmd::Drain),
        ]
        .boxed(),
        Commands::TemplateOnly => prop_oneof![3 => set_image, 1 => Just(Cmd::Restart), 1 => Just(Cmd::Undo)].boxed(),
        Commands::NoScaleNoUndo => prop_oneof![
            3 => set_image,
            1 => Just(Cmd::Restart),
            1 => Just(Cmd::Pause),
            1 => Just(Cmd::Resume),
        ]
        .boxed(),
    }
}

/// A case: `earliest_cmd_s` is the earliest time a command may run.
fn case(kind: StrategyKind, which: Commands, earliest_cmd_s: u64) -> impl Strategy<Value = Case> {
    (
        any::<u64>(),
        120..=600u64,
        proptest::collection::vec(group(), 1..=4),
        proptest::collection::vec(dep(kind), 1..=3),
        proptest::collection::vec((0..=20u64, 0..=20u64, 0..=20u64, 0..=20u64), POOL),
    )
        .prop_flat_map(move |(seed, duration_s, groups, deps, images)| {
            let n = deps.len();
            let cmds = proptest::collection::vec(
                (earliest_cmd_s.min(duration_s - 1)..duration_s, 0..n, cmd(which))
                    .prop_map(|(at_s, dep, cmd)| CmdGen { at_s, dep, cmd }),
                0..=6,
            );
            (Just(seed), Just(duration_s), Just(groups), Just(deps), Just(images), cmds)
        })
        .prop_map(move |(seed, duration_s, groups, deps, images, mut timeline)| {
            timeline.sort_by_key(|c| c.at_s);
            if which == Commands::NoScaleNoUndo {
                // Every set image names an image never used before, so no template ever
                // comes back (which would re-use an old ReplicaSet, as undo does).
                for (k, c) in timeline.iter_mut().enumerate() {
                    if let Cmd::SetImage(i) = &mut c.cmd {
                        i.tag = 10 + k as u32;
                    }
                }
            }
            Case { seed, duration_s, groups, deps, images, timeline }
        })
}
