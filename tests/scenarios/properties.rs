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

use crate::support::{active_at, available_at, change_points, lives};
use kubesim::engine::{SimDuration, SimTime};
use kubesim::model::spec::{
    Action, ContainerSpec, ControlPlane, DeploymentSpec, DeploymentStrategy, DrainSpec, FaultTarget, ImageBehavior,
    IntOrPercent, Kind, KubectlCommand, NodeFault, NodeFaultKind, NodeGroup, Object, ObjectRef, ObjectSpec, PodSpec,
    PodTemplate, Probe, PullPolicy, Resources, RestartPolicy, Scenario, ScoringStrategy, Selector, TimelineEntry,
};
use kubesim::model::store::{PodPhase, Store};
use kubesim::sim::Outcome;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use std::collections::BTreeMap;
use std::sync::Arc;

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
                        KubectlCommand::SetImage { target, images: vec![("app".into(), i.name())] },
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
            images,
            objects,
            timeline,
            traffic: Vec::new(),
            faults: Default::default(),
            sweep: None,
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

// ---------------------------------------------------------------------------------------
// A model of what the timeline does to each Deployment's spec
// ---------------------------------------------------------------------------------------

/// A template as far as the timeline can change it: the image and the restartedAt stamp.
type Template = (Image, Option<u64>);

/// What a Deployment's spec and ReplicaSet revisions become after the timeline, following
/// kubectl and the Deployment controller: a paused Deployment gets no new ReplicaSet (a new
/// template's revision is assigned on resume), undo and restart refuse a paused Deployment,
/// undo goes to the second-highest revision (as kubectl picks it), which becomes the newest.
#[derive(Debug)]
struct SpecModel {
    replicas: i32,
    paused: bool,
    template: Template,
    revisions: Vec<(Template, i64)>,
}

impl SpecModel {
    fn new(d: &DepGen) -> Self {
        SpecModel { replicas: d.replicas, paused: false, template: (d.image, None), revisions: Vec::new() }
    }

    fn revision_of(&self, t: &Template) -> Option<i64> {
        self.revisions.iter().find(|(x, _)| x == t).map(|(_, r)| *r)
    }

    /// The controller syncs (getAllReplicaSetsAndSyncRevision): the current template's
    /// ReplicaSet gets the newest revision; a paused Deployment creates no ReplicaSet, but
    /// one that exists for its template is still given the newest revision.
    fn sync(&mut self) {
        if self.paused && self.revision_of(&self.template).is_none() {
            return;
        }
        let max_other = self.revisions.iter().filter(|(x, _)| *x != self.template).map(|(_, r)| *r).max();
        let current = self.revision_of(&self.template);
        let revision = match (current, max_other) {
            (Some(c), Some(m)) if c > m => c,
            (_, m) => m.unwrap_or(0) + 1,
        };
        self.revisions.retain(|(x, _)| *x != self.template);
        self.revisions.push((self.template, revision));
    }

    fn apply(&mut self, c: &CmdGen) {
        match c.cmd {
            Cmd::SetImage(i) => self.template.0 = i,
            Cmd::Scale(n) => self.replicas = n,
            Cmd::Pause => self.paused = true,
            Cmd::Resume => self.paused = false,
            Cmd::Restart if !self.paused => self.template.1 = Some(c.at_s),
            Cmd::Restart => {}
            Cmd::Undo if !self.paused => {
                // kubectl: the ReplicaSet of the second-highest revision.
                let mut by_revision = self.revisions.clone();
                by_revision.sort_by_key(|(_, r)| std::cmp::Reverse(*r));
                if let Some((t, _)) = by_revision.get(1) {
                    self.template = *t;
                }
            }
            Cmd::Undo => {}
            Cmd::Fault(_) | Cmd::Drain => {}
        }
    }
}

fn models(case: &Case) -> Vec<SpecModel> {
    let mut models: Vec<SpecModel> = case.deps.iter().map(SpecModel::new).collect();
    // The Deployments are created at 0 and first synced 10 ms later: commands at 0 act
    // before the first ReplicaSet exists.
    if case.timeline.first().is_none_or(|c| c.at_s > 0) {
        models.iter_mut().for_each(SpecModel::sync);
    }
    // The controller syncs after each instant's commands (they are a second or more apart,
    // the API latency is 10 ms); commands at one instant act on one unsynced spec.
    for (k, c) in case.timeline.iter().enumerate() {
        models[c.dep].apply(c);
        if case.timeline.get(k + 1).is_none_or(|next| next.at_s != c.at_s) {
            models.iter_mut().for_each(SpecModel::sync);
        }
    }
    models
}

// ---------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------

fn rolling_bounds(case: &Case, outcome: &Outcome) -> Result<(), TestCaseError> {
    for (i, d) in case.deps.iter().enumerate() {
        let name = NAMES[i];
        let replicas = d.replicas;
        let (surge, unavailable) = resolve(&d.strategy, replicas);
        let min_ready = d.min_ready_seconds as u64;
        let lives = lives(outcome, name);
        let points = change_points(&lives, min_ready);
        for &p in &points {
            let active = active_at(&lives, p) as i32;
            prop_assert!(
                active <= replicas + surge,
                "{name}: {active} pods not terminating at {p:?}, more than replicas {replicas} + maxSurge {surge}"
            );
        }
        // The lower bound holds once every replica was available, if that happened before
        // the first command for this Deployment, and only with minReadySeconds 0. With
        // minReadySeconds > 0 Kubernetes guarantees neither available nor Ready pods: the
        // Deployment controller asks an old ReplicaSet to shed its unavailable pods (Ready but
        // not yet available costs nothing, it reasons), while the ReplicaSet controller ranks
        // victims by readiness, node doubling-up and ready time (ActivePodsWithRanks), never
        // by minReadySeconds: it may delete an available pod instead, and either way a Ready
        // pod goes. Overlapping rollouts with minReadySeconds 14 showed both (found by this
        // property; kubesim follows Kubernetes there).
        if min_ready > 0 {
            continue;
        }
        let first_cmd = case.timeline.iter().find(|c| c.dep == i).map_or(SimTime::MAX, |c| t(c.at_s));
        let full = points.iter().copied().find(|&p| available_at(&lives, p, 0) as i32 >= replicas);
        if let Some(full) = full.filter(|&f| f < first_cmd) {
            for &p in points.iter().filter(|&&p| p >= full) {
                let count = available_at(&lives, p, 0) as i32;
                prop_assert!(
                    count >= replicas - unavailable,
                    "{name}: {count} pods available at {p:?}, fewer than replicas {replicas} - maxUnavailable \
                     {unavailable} (all available since {full:?})"
                );
            }
        }
    }
    Ok(())
}

fn nodes_never_overcommitted(outcome: &Outcome) -> Result<(), TestCaseError> {
    let store = &outcome.store;
    for (n, node) in store.nodes.iter().enumerate() {
        // (time, is_bind, cpu, memory); at one instant unbinds come first.
        let mut changes: Vec<(SimTime, bool, i64, i64)> = Vec::new();
        let mut live = (0i64, 0i64, 0usize);
        let mut members = std::collections::BTreeSet::new();
        for (id, p) in store.pods.iter().enumerate() {
            if p.node != Some(n as u32) {
                continue;
            }
            let r = p.spec.requests();
            let Some(bound) = p.scheduled else {
                return Err(TestCaseError::fail(format!("pod {} is on {} with no scheduled time", p.name, node.name)));
            };
            changes.push((bound, true, r.cpu_millis, r.memory_bytes));
            if let Some(d) = p.deleted {
                changes.push((d, false, r.cpu_millis, r.memory_bytes));
            } else {
                live = (live.0 + r.cpu_millis, live.1 + r.memory_bytes, live.2 + 1);
                members.insert(id as u32);
            }
        }
        changes.sort();
        let (mut cpu, mut mem, mut pods) = (0i64, 0i64, 0i64);
        for (at, bind, c, m) in changes {
            let sign = if bind { 1 } else { -1 };
            cpu += sign * c;
            mem += sign * m;
            pods += sign;
            let a = &node.allocatable;
            prop_assert!(
                cpu <= a.cpu_millis && mem <= a.memory_bytes && pods <= a.pods,
                "{} at {at:?}: requests cpu {cpu}m, memory {mem}, pods {pods} over allocatable cpu {}m, memory {}, \
                 pods {}",
                node.name,
                a.cpu_millis,
                a.memory_bytes,
                a.pods
            );
        }
        // The node's own bookkeeping agrees with its pods.
        prop_assert_eq!(
            (node.requested.cpu_millis, node.requested.memory_bytes, node.pods.len()),
            live,
            "{}: requested differs from the sum over its pods",
            &node.name
        );
        prop_assert_eq!(&node.pods, &members, "{}: the node's pod set differs from the pods bound to it", &node.name);
    }
    Ok(())
}

fn pods_well_formed(outcome: &Outcome) -> Result<(), TestCaseError> {
    let store = &outcome.store;
    for p in &store.pods {
        let name = &p.name;
        if let Some(n) = p.node {
            prop_assert!((n as usize) < store.nodes.len(), "pod {name} is bound to node #{n}, which does not exist");
        }
        prop_assert_eq!(p.node.is_some(), p.scheduled.is_some(), "pod {}: a node iff a scheduled time", name);
        if p.deleted.is_none() && p.node.is_none() {
            prop_assert_eq!(p.phase, PodPhase::Pending, "pod {} has no node but is not Pending", name);
        }
        let ordered = |a: Option<SimTime>, b: Option<SimTime>, what: &str| -> Result<(), TestCaseError> {
            if let (Some(a), Some(b)) = (a, b) {
                prop_assert!(a <= b, "pod {name}: {what} ({a:?} > {b:?})");
            }
            Ok(())
        };
        let created = Some(p.created);
        ordered(created, p.scheduled, "created after scheduled")?;
        ordered(p.scheduled, p.started, "scheduled after started")?;
        ordered(p.started, p.first_ready, "started after first ready")?;
        ordered(p.first_ready, p.ready_since, "first ready after ready since")?;
        ordered(created, p.terminating, "created after terminating")?;
        ordered(p.terminating, p.deleted, "terminating after deleted")?;
        ordered(p.deleted, Some(outcome.end), "deleted after the end of the run")?;
        prop_assert!(p.started.is_none() || p.scheduled.is_some(), "pod {name} started without a node");
        prop_assert!(p.first_ready.is_none() || p.started.is_some(), "pod {name} ready without starting");
        prop_assert!(p.deleted.is_none() || p.terminating.is_some(), "pod {name} deleted without terminating");
        prop_assert!(p.ready_since.is_none() || p.deleted.is_none(), "pod {name} is deleted but Ready");
    }
    Ok(())
}

/// Everything about the pods that a run should reproduce exactly.
type PodRow = (String, Option<String>, i64, String, [Option<SimTime>; 7]);

fn pod_rows(store: &Store) -> Vec<PodRow> {
    store
        .pods
        .iter()
        .map(|p| {
            let node = p.node.map(|n| store.nodes[n as usize].name.clone());
            let times =
                [Some(p.created), p.scheduled, p.started, p.first_ready, p.ready_since, p.terminating, p.deleted];
            (p.name.clone(), node, p.revision, p.phase.as_str().to_string(), times)
        })
        .collect()
}

fn eventually_consistent(case: &Case, outcome: &Outcome) -> Result<(), TestCaseError> {
    let store = &outcome.store;
    for (i, model) in models(case).iter().enumerate() {
        let name = NAMES[i];
        let d = store.find_deployment("default", name).expect("the Deployment exists");
        let dep = &store.deployments[d as usize];
        prop_assert_eq!(dep.spec.replicas, model.replicas, "{}: spec.replicas", name);
        prop_assert!(!dep.spec.paused, "{name} is still paused");
        // A Recreate Deployment creates its new ReplicaSet only once the old pods are gone
        // (rolloutRecreate), so a template replaced before then never gets a revision: the
        // model knows the revisions, and the target of an undo, for RollingUpdate only.
        let rolling = matches!(case.deps[i].strategy, DeploymentStrategy::RollingUpdate { .. });
        let undone = case.timeline.iter().any(|c| c.dep == i && c.cmd == Cmd::Undo);
        let image = &dep.spec.template.spec.containers[0].image;
        if rolling || !undone {
            prop_assert_eq!(image, &model.template.0.name(), "{}: the template's image", name);
        }
        let expected_revision = if rolling { model.revision_of(&model.template) } else { None };
        let pods: Vec<_> =
            store.pods.iter().filter(|p| !p.is_gone() && store.owner_ref(p).is_some_and(|o| o.name == name)).collect();
        let summary: Vec<String> = pods
            .iter()
            .map(|p| {
                let rs = p.owner.and_then(kubesim::model::store::PodOwner::replica_set).expect("owned by a ReplicaSet");
                let rs = &store.replica_sets[rs as usize];
                format!(
                    "{} {} rs-rev {} terminating {:?} ready {}",
                    p.name,
                    p.spec.containers[0].image,
                    rs.revision,
                    p.terminating,
                    p.is_ready()
                )
            })
            .collect();
        prop_assert_eq!(
            pods.len() as i32,
            model.replicas,
            "{}: {} pods left (terminating ones included), replicas {}: {:?}",
            name,
            pods.len(),
            model.replicas,
            summary
        );
        for p in &pods {
            let rs = p.owner.and_then(kubesim::model::store::PodOwner::replica_set).expect("owned by a ReplicaSet");
            let rs = &store.replica_sets[rs as usize];
            prop_assert!(
                p.is_active() && p.is_ready(),
                "{name}: pod {} is not active and Ready at the end: {summary:?}",
                p.name
            );
            prop_assert!(
                rs.template_hash == dep.template_hash && p.spec.containers[0].image == *image,
                "{name}: pod {} is not of the latest template: {summary:?}",
                p.name
            );
            if let Some(expected) = expected_revision {
                prop_assert_eq!(rs.revision, expected, "{}: the current ReplicaSet's revision", name);
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The properties
// ---------------------------------------------------------------------------------------

/// Rolling-update cases: RollingUpdate only, template changes only, after 90 s, with room.
fn rolling_case() -> impl Strategy<Value = Case> {
    case(StrategyKind::Rolling, Commands::TemplateOnly, 90).prop_map(Case::with_room)
}

/// Cases that settle: with room, never left paused, 10 minutes (or more, see
/// [`settle_time`]) after the last command.
fn settling_case() -> impl Strategy<Value = Case> {
    case(StrategyKind::Any, Commands::Any, 0).prop_map(settling)
}

/// RollingUpdate cases where an undo follows a template change at the same instant, before
/// the controller made the new ReplicaSet.
fn undo_right_after_change_case() -> impl Strategy<Value = Case> {
    (case(StrategyKind::Rolling, Commands::TemplateOnly, 0), any::<prop::sample::Index>(), image()).prop_map(
        |(mut c, which, image)| {
            let changes: Vec<usize> = (0..c.timeline.len()).filter(|&k| c.timeline[k].cmd != Cmd::Undo).collect();
            let k = if changes.is_empty() {
                let at_s = c.duration_s / 2;
                c.timeline.push(CmdGen { at_s, dep: 0, cmd: Cmd::SetImage(image) });
                c.timeline.sort_by_key(|x| x.at_s);
                c.timeline.iter().position(|x| x.at_s == at_s && x.cmd == Cmd::SetImage(image)).unwrap_or(0)
            } else {
                changes[which.index(changes.len())]
            };
            let (at_s, dep) = (c.timeline[k].at_s, c.timeline[k].dep);
            c.timeline.insert(k + 1, CmdGen { at_s, dep, cmd: Cmd::Undo });
            settling(c)
        },
    )
}

/// Makes a case settle: resumes what is left paused, images ready within 20 s, time enough
/// after the last command, and room.
fn settling(mut c: Case) -> Case {
    let last = c.timeline.last().map_or(0, |x| x.at_s);
    let mut paused = vec![false; c.deps.len()];
    for x in &c.timeline {
        match x.cmd {
            Cmd::Pause => paused[x.dep] = true,
            Cmd::Resume => paused[x.dep] = false,
            _ => {}
        }
    }
    for (dep, _) in paused.iter().enumerate().filter(|(_, p)| **p) {
        c.timeline.push(CmdGen { at_s: last + 1, dep, cmd: Cmd::Resume });
    }
    // Images ready within 20 s: pull, start and readyAfter 0-6 s each.
    for i in &mut c.images {
        (i.0, i.1, i.2) = (i.0 % 7, i.1 % 7, i.2 % 7);
    }
    let last = c.timeline.last().map_or(0, |x| x.at_s);
    c.duration_s = last + settle_time(&c).max(600);
    c.with_room()
}

/// Time enough for every Deployment to settle after the last command, even one pod at a
/// time (maxSurge 0, maxUnavailable 1): each pod needs its image (serialised pulls of the
/// four images on a node included), its probes, minReadySeconds, and the old pod's grace.
fn settle_time(c: &Case) -> u64 {
    let image_ready: u64 = c.images.iter().map(|i| i.0 + i.1 + i.2).max().unwrap_or(0);
    let pulls: u64 = c.images.iter().map(|i| i.0).sum();
    c.deps
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let max_replicas = c
                .timeline
                .iter()
                .filter(|x| x.dep == i)
                .filter_map(|x| match x.cmd {
                    Cmd::Scale(n) => Some(n),
                    _ => None,
                })
                .fold(d.replicas, i32::max) as u64;
            let probe = d.readiness.map_or(0, |(delay, period)| delay + period);
            let wave = image_ready + probe + d.min_ready_seconds as u64 + d.grace_seconds + 5;
            (max_replicas + 2) * wave + pulls
        })
        .max()
        .unwrap_or(0)
}

proptest! {
    #![proptest_config(config())]

    /// Property 1: during rolling updates the pods not terminating never exceed replicas +
    /// maxSurge, and once all replicas were available (before the first command), available
    /// pods (Ready pods when minReadySeconds > 0, see `rolling_bounds`) never drop below
    /// replicas - maxUnavailable.
    #[test]
    fn rollout_stays_within_surge_and_unavailable_bounds(case in rolling_case()) {
        let outcome = kubesim::simulate(&case.scenario(), None);
        rolling_bounds(&case, &outcome)?;
    }

    /// Property 2: the requests of the pods bound to a node and not yet deleted never exceed
    /// its allocatable cpu, memory or pod count, at any instant.
    #[test]
    fn no_node_is_ever_over_its_allocatable(case in case(StrategyKind::Any, Commands::WithFaults, 0)) {
        let outcome = kubesim::simulate(&case.scenario(), None);
        nodes_never_overcommitted(&outcome)?;
    }

    /// Property 3: every pod is bound to an existing node or Pending without one, and its
    /// times are in order.
    #[test]
    fn every_pod_is_bound_or_pending_and_its_times_are_ordered(case in case(StrategyKind::Any, Commands::WithFaults, 0)) {
        let outcome = kubesim::simulate(&case.scenario(), None);
        pods_well_formed(&outcome)?;
    }

    /// Property 4: the same scenario simulated twice gives identical pods and events.
    #[test]
    fn same_scenario_twice_gives_identical_pods_and_events(case in case(StrategyKind::Any, Commands::WithFaults, 0)) {
        let scenario = case.scenario();
        let a = kubesim::simulate(&scenario, None);
        let b = kubesim::simulate(&scenario.clone(), None);
        prop_assert_eq!(pod_rows(&a.store), pod_rows(&b.store));
        prop_assert_eq!(&a.recorder.records, &b.recorder.records);
        prop_assert_eq!(a.events_processed, b.events_processed);
        prop_assert_eq!(&a.metrics.rollouts.rollouts, &b.metrics.rollouts.rollouts);
    }

    /// Property 5: events are recorded in time order, within the run, and a scenario with
    /// objects processes events.
    #[test]
    fn events_are_recorded_in_time_order(case in case(StrategyKind::Any, Commands::WithFaults, 0)) {
        let scenario = case.scenario();
        let outcome = kubesim::simulate(&scenario, None);
        let records = &outcome.recorder.records;
        for w in records.windows(2) {
            prop_assert!(w[0].time <= w[1].time, "event out of order: {:?} then {:?}", w[0], w[1]);
        }
        if let Some(last) = records.last() {
            prop_assert!(last.time <= outcome.end, "event after the end: {:?}", last);
        }
        prop_assert!(scenario.objects.is_empty() || outcome.events_processed > 0, "no events processed");
    }

    /// Property 6: with Recreate, no pod of a newer revision is created while a pod of an
    /// older revision still exists (no scale, no undo, no template coming back).
    #[test]
    fn recreate_creates_no_new_pod_while_an_old_one_exists(
        case in case(StrategyKind::Recreate, Commands::NoScaleNoUndo, 0)
    ) {
        let outcome = kubesim::simulate(&case.scenario(), None);
        for name in NAMES.iter().take(case.deps.len()) {
            let lives = lives(&outcome, name);
            for new in &lives {
                for old in lives.iter().filter(|o| o.revision < new.revision) {
                    prop_assert!(
                        old.deleted.is_some_and(|d| d <= new.created),
                        "{name}: a pod of revision {} was created at {:?} while one of revision {} (created {:?}) \
                         was deleted only at {:?}",
                        new.revision, new.created, old.revision, old.created, old.deleted
                    );
                }
            }
        }
    }

    /// Property 7: with room, and ten minutes after the last command, every Deployment has
    /// exactly `replicas` pods, all Ready, all of its latest template and revision.
    #[test]
    fn deployments_settle_on_replicas_ready_pods_of_the_latest_template(case in settling_case()) {
        let outcome = kubesim::simulate(&case.scenario(), None);
        eventually_consistent(&case, &outcome)?;
    }
}

/// The test's own reading of maxSurge and maxUnavailable, on the reference's examples.
#[test]
fn resolve_follows_kubernetes_fenceposts() {
    let ru = |s: IntOrPercent, u: IntOrPercent| DeploymentStrategy::RollingUpdate { max_surge: s, max_unavailable: u };
    use IntOrPercent::{Int, Percent};
    assert_eq!(resolve(&ru(Percent(25), Percent(25)), 10), (3, 2));
    assert_eq!(resolve(&ru(Percent(39), Percent(39)), 10), (4, 3));
    assert_eq!(resolve(&ru(Int(1), Int(1)), 5), (1, 1));
    assert_eq!(resolve(&ru(Percent(25), Percent(25)), 1), (1, 0));
    assert_eq!(resolve(&ru(Int(0), Percent(25)), 4), (0, 1));
    assert_eq!(resolve(&ru(Percent(10), Percent(10)), 3), (1, 0));
    assert_eq!(resolve(&ru(Percent(25), Percent(25)), 0), (0, 1));
}

proptest! {
    #![proptest_config(config())]

    /// `kubectl rollout undo` (no --to-revision) rolls back to the ReplicaSet of the
    /// second-highest revision among those that exist (kubectl's deploymentRevision). Right
    /// after a template change, before the controller made the new ReplicaSet, that is not
    /// the template just replaced (a regression test for a bug this property found): with one ReplicaSet kubectl says "no rollout history found"
    /// and the new template stays; with revisions 1 and 2 it goes back to revision 1.
    #[test]
    fn rollout_undo_right_after_a_template_change_picks_kubectls_revision(case in undo_right_after_change_case()) {
        let outcome = kubesim::simulate(&case.scenario(), None);
        eventually_consistent(&case, &outcome)?;
    }
}

/// The minimal case of a bug once found here, as users meet it: a Recreate Deployment creates its
/// new ReplicaSet only once the old pods are gone, so an undo 5 s after `set image`, while
/// the old pods are still stopping (20 s), finds one ReplicaSet. kubectl refuses ("no
/// rollout history found for deployment \"web\"") and the rollout to img0:2 goes on.
#[test]
fn recreate_undo_while_old_pods_stop_is_refused_as_kubectl_does() {
    let case = Case {
        seed: 1,
        duration_s: 300,
        groups: vec![GroupGen { count: 2, cpu_cores: 4, memory_gi: 8, pods: 110 }],
        deps: vec![DepGen {
            replicas: 2,
            strategy: DeploymentStrategy::Recreate,
            min_ready_seconds: 0,
            cpu_millis: 100,
            memory_mi: 100,
            readiness: None,
            image: Image { pool: 0, tag: 1 },
            grace_seconds: 30,
        }],
        images: vec![(1, 1, 0, 20); POOL],
        timeline: vec![
            CmdGen { at_s: 60, dep: 0, cmd: Cmd::SetImage(Image { pool: 0, tag: 2 }) },
            CmdGen { at_s: 65, dep: 0, cmd: Cmd::Undo },
        ],
    };
    let outcome = kubesim::simulate(&case.scenario(), None);
    let refused =
        outcome.recorder.records.iter().any(|e| {
            e.reason == "KubectlError" && e.message.contains("no rollout history found for deployment \"web\"")
        });
    assert!(refused, "kubectl refuses the undo: only revision 1 exists at 65 s");
    let image = &outcome.store.deployments[0].spec.template.spec.containers[0].image;
    assert_eq!(image, "img0:2", "the rollout to img0:2 goes on");
}

// ---------------------------------------------------------------------------------------
// Requests: each counted once, as a success or a failure
// ---------------------------------------------------------------------------------------

/// A Deployment behind a Service under constant traffic, with a rollout to an image that
/// may crash, a scale and node failures at random times.
#[derive(Clone, Debug)]
struct TrafficCase {
    seed: u64,
    duration_s: u64,
    replicas: u32,
    concurrency: u32,
    service_ms: u64,
    rate_per_s: u64,
    timeout_ms: u64,
    crash_on_start: f64,
    /// (time in seconds, timeline action as YAML).
    timeline: Vec<(u64, String)>,
}

impl TrafficCase {
    fn yaml(&self) -> String {
        let mut timeline = String::new();
        for (at, action) in &self.timeline {
            timeline.push_str(&format!("  - at: {at}s\n    {action}\n"));
        }
        format!(
            "name: counted\nseed: {seed}\nduration: {d}s\nsample: 5s\n\
             cluster:\n  nodes: [{{name: worker, count: 3, capacity: {{cpu: '4', memory: 8Gi, pods: 110}}}}]\n\
             images:\n  web:1: {{pull: 1s, start: 1s, readyAfter: 1s, concurrency: {c}, serviceTime: {{exponential: {s}ms}}}}\n  \
             web:2: {{pull: 1s, start: 1s, readyAfter: 1s, concurrency: {c}, serviceTime: {{exponential: {s}ms}}, crashOnStart: {x}}}\n\
             objects:\n  - apiVersion: apps/v1\n    kind: Deployment\n    metadata: {{name: web}}\n    spec:\n      \
             replicas: {r}\n      selector: {{matchLabels: {{app: web}}}}\n      template:\n        \
             metadata: {{labels: {{app: web}}}}\n        spec:\n          containers:\n            - name: web\n              \
             image: web:1\n              ports: [{{containerPort: 8080}}]\n              \
             resources: {{requests: {{cpu: 250m, memory: 128Mi}}}}\n              \
             readinessProbe: {{httpGet: {{path: /, port: 8080}}, periodSeconds: 1}}\n  \
             - apiVersion: v1\n    kind: Service\n    metadata: {{name: web}}\n    \
             spec: {{selector: {{app: web}}, ports: [{{port: 80, targetPort: 8080}}]}}\n\
             traffic:\n  - target: service/web\n    rate: {rate}/s\n    arrival: constant\n    timeout: {t}ms\n\
             timeline:\n{timeline}",
            seed = self.seed,
            d = self.duration_s,
            c = self.concurrency,
            s = self.service_ms,
            x = self.crash_on_start,
            r = self.replicas,
            rate = self.rate_per_s,
            t = self.timeout_ms,
        )
    }
}

fn traffic_case() -> impl Strategy<Value = TrafficCase> {
    let action = prop_oneof![
        Just("run: kubectl set image deployment/web web=web:2".to_string()),
        (0..=6u32).prop_map(|n| format!("run: kubectl scale deployment/web --replicas={n}")),
        (1..=3u32).prop_map(|n| format!("fail: node/worker-{n}")),
        (1..=3u32).prop_map(|n| format!("recover: node/worker-{n}")),
    ];
    (
        (any::<u64>(), 20..=120u64, 0..=5u32, 1..=10u32, 1..=300u64),
        (1..=60u64, 50..=3000u64, 0..=3u32),
        proptest::collection::vec((0..=120u64, action), 0..=4),
    )
        .prop_map(
            |((seed, duration_s, replicas, concurrency, service_ms), (rate, timeout_ms, crash), timeline)| {
                let timeline = timeline.into_iter().map(|(at, a)| (at.min(duration_s), a)).collect();
                TrafficCase {
                    seed,
                    duration_s,
                    replicas,
                    concurrency,
                    service_ms,
                    rate_per_s: rate,
                    timeout_ms,
                    crash_on_start: f64::from(crash) / 10.0,
                    timeline,
                }
            },
        )
}

proptest! {
    #![proptest_config(config())]

    /// Property: every request sent is counted once, as a success or a failure. A constant
    /// source at `rate`/s sends `rate x duration` requests; all but those still open at the
    /// end (at most `rate x timeout`, plus the timeout timer's millisecond) are counted, none
    /// twice; the failures by reason add up to the errors, and the Service's counts to the
    /// total.
    #[test]
    fn every_request_is_counted_once_as_a_success_or_a_failure(case in traffic_case()) {
        let loaded = kubesim::load_str(std::path::Path::new("counted.yaml"), &case.yaml(), &[])
            .map_err(|d| TestCaseError::fail(format!("{d:?}\n{}", case.yaml())))?;
        let outcome = kubesim::simulate(&loaded.scenario, None);
        let t = &outcome.metrics.traffic;
        let sent = case.rate_per_s * case.duration_s;
        let open_max = (case.rate_per_s * (case.timeout_ms + 2)).div_ceil(1000) + 1;
        prop_assert!(t.total.requests <= sent, "{} counted, {sent} sent", t.total.requests);
        prop_assert!(
            t.total.requests + open_max >= sent,
            "{} counted of {sent} sent: more than {open_max} lost", t.total.requests
        );
        prop_assert_eq!(t.failures.values().sum::<u64>(), t.total.errors, "failures by reason vs errors");
        prop_assert!(t.total.errors <= t.total.requests);
        let by_service: u64 = t.services.iter().map(|s| s.run.requests).sum();
        prop_assert!(by_service <= t.total.requests, "services count {by_service} > total {}", t.total.requests);
        let errors_by_service: u64 = t.services.iter().map(|s| s.run.errors).sum();
        prop_assert!(errors_by_service <= t.total.errors);
    }

    /// Property: the event queue's time never goes backwards, and events at one instant come
    /// out in the order they were scheduled, whatever is scheduled while popping (times in
    /// the past are moved to now).
    #[test]
    fn the_event_queue_never_goes_back_in_time(ops in proptest::collection::vec((0..3u8, 0..5_000_000u64), 1..400)) {
        let mut k: kubesim::engine::Kernel<usize> = kubesim::engine::Kernel::new();
        let mut scheduled_at: Vec<SimTime> = Vec::new();
        let mut last: Option<(SimTime, usize)> = None;
        for (op, v) in ops {
            match op {
                0 => {
                    k.schedule_at(SimTime(v), scheduled_at.len());
                    scheduled_at.push(SimTime(v).max(k.now()));
                }
                1 => {
                    k.schedule_in(SimDuration(v % 1000), scheduled_at.len());
                    scheduled_at.push(k.now() + SimDuration(v % 1000));
                }
                _ => {
                    let before = k.now();
                    if let Some(e) = k.step_until(SimTime(u64::MAX)) {
                        prop_assert!(k.now() >= before, "time went back: {before:?} -> {:?}", k.now());
                        prop_assert_eq!(k.now(), scheduled_at[e], "event {} popped at the wrong time", e);
                        if let Some((t, prev)) = last {
                            prop_assert!(t < k.now() || prev < e, "same-time events out of order: {prev} then {e}");
                        }
                        last = Some((k.now(), e));
                    }
                }
            }
        }
    }
}
