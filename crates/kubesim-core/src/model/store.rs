//! The API store: every object of the run in dense, id-indexed tables.
//!
//! Ids are indices that are never reused, so a pod's row in pods.csv survives its deletion.
//! Lookups by name go through BTreeMaps, so iteration order never depends on hashing.

use super::spec::{
    DeploymentSpec, Labels, ObjectRef, PodSpec, PodTemplate, ReplicaSetSpec, Resources, Selector, Taint,
};
use super::table::{Row, Table};
use crate::engine::{SimDuration, SimTime};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

pub use super::ids::{
    ClaimId, CronJobId, DaemonSetId, DeployId, HpaId, JobId, NodeId, PodId, RsId, StatefulSetId, VolumeId,
};

#[derive(Clone, Debug)]
pub struct Node {
    /// The node's own index in `Store::nodes`.
    pub id: NodeId,
    pub name: String,
    pub labels: Labels,
    pub taints: Vec<Taint>,
    pub unschedulable: bool,
    pub ready: bool,
    pub allocatable: Resources,
    /// Sum of the requests of the pods bound here and not yet gone.
    pub requested: Resources,
    /// The same with the scheduler's non-zero defaults for containers that request nothing
    /// (100m cpu, 200Mi memory): what scoring counts.
    pub requested_nonzero: NonZero,
    /// hostPorts in use by the pods bound here, with how many pods use each.
    pub host_ports: BTreeMap<u16, u32>,
    /// Pods bound here and not yet gone (terminating ones included) nor finished.
    pub pods: BTreeSet<PodId>,
    /// Image -> the time its pull completes (or completed) on this node.
    pub images: BTreeMap<String, SimTime>,
    /// Pulls are serialised: the time the image puller is free again.
    pub puller_free_at: SimTime,
    /// Deleted from the API (scaled down, interrupted): its row stays, as ids are never
    /// reused, but nothing schedules, counts or looks it up by name (`Store::remove_node`).
    pub removed: bool,
}

impl Node {
    /// Puts `pod` on this node as `Store::bind` would (requests, a pod slot, host ports), on
    /// a copy the store does not keep: the autoscalers' what-ifs (a new node from a pool's
    /// template, a pod moved off a node to be removed).
    pub fn place_copy(&mut self, pod: PodId, spec: &super::spec::PodSpec) {
        if self.pods.insert(pod) {
            add_resources(&mut self.requested, &spec.requests(), 1);
            self.requested_nonzero.add(NonZero::of(spec), 1);
            for port in spec.containers.iter().flat_map(|c| c.host_ports.iter()) {
                *self.host_ports.entry(*port).or_insert(0) += 1;
            }
        }
    }
}

#[cfg(test)]
impl Node {
    /// A Ready node with this allocatable cpu and memory (1 TiB of storage, 110 pods), its
    /// hostname label set and nothing on it: what tests start from.
    pub(crate) fn for_test(name: &str, cpu_millis: i64, memory_bytes: i64) -> Node {
        Node {
            id: NodeId(0),
            name: name.into(),
            labels: BTreeMap::from([("kubernetes.io/hostname".to_string(), name.to_string())]),
            taints: vec![],
            unschedulable: false,
            ready: true,
            allocatable: super::spec::Resources {
                cpu_millis,
                memory_bytes,
                ephemeral_storage_bytes: 1 << 40,
                pods: 110,
                extended: BTreeMap::new(),
            },
            requested: Default::default(),
            requested_nonzero: NonZero::default(),
            host_ports: BTreeMap::new(),
            pods: BTreeSet::new(),
            images: BTreeMap::new(),
            puller_free_at: SimTime::ZERO,
            removed: false,
        }
    }
}

/// A node's figures as the scheduler's filter and score loop reads them, packed in one row
/// (96 bytes instead of the `Node`'s several cache lines), so that trying 500 nodes for a
/// pod walks a dense table. Derived from the `Node`; `Store::refresh_fit` keeps it current.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NodeFit {
    /// Allocatable minus requested.
    pub free_cpu_millis: i64,
    pub free_memory_bytes: i64,
    pub free_ephemeral_bytes: i64,
    /// Pod slots left.
    pub free_pods: i64,
    pub allocatable_cpu_millis: i64,
    pub allocatable_memory_bytes: i64,
    pub requested_cpu_millis: i64,
    pub requested_memory_bytes: i64,
    /// The requests with the scheduler's non-zero defaults (what LeastAllocated counts).
    pub nonzero_cpu_millis: i64,
    pub nonzero_memory_bytes: i64,
    /// Schedulable and without taints: NodeUnschedulable and TaintToleration pass any pod.
    pub plain: bool,
    /// Carries a PreferNoSchedule taint (TaintToleration's score has to look).
    pub prefer_no_schedule: bool,
    /// Counts the row's refreshes: a score remembered with the generation it was computed
    /// at is still the node's score while the generation is the same.
    pub generation: u64,
}

impl NodeFit {
    pub fn of(n: &Node) -> NodeFit {
        let (alloc, used) = (&n.allocatable, &n.requested);
        NodeFit {
            free_cpu_millis: alloc.cpu_millis - used.cpu_millis,
            free_memory_bytes: alloc.memory_bytes - used.memory_bytes,
            free_ephemeral_bytes: alloc.ephemeral_storage_bytes - used.ephemeral_storage_bytes,
            free_pods: alloc.pods - n.pods.len() as i64,
            allocatable_cpu_millis: alloc.cpu_millis,
            allocatable_memory_bytes: alloc.memory_bytes,
            requested_cpu_millis: used.cpu_millis,
            requested_memory_bytes: used.memory_bytes,
            nonzero_cpu_millis: n.requested_nonzero.cpu_millis,
            nonzero_memory_bytes: n.requested_nonzero.memory_bytes,
            plain: !n.unschedulable && n.taints.is_empty(),
            prefer_no_schedule: n.taints.iter().any(|t| t.effect == super::spec::TaintEffect::PreferNoSchedule),
            generation: 0,
        }
    }

    /// Whether the row says what `NodeFit::of` says of the node now (its generation aside).
    pub fn is_current(&self, n: &Node) -> bool {
        *self == NodeFit { generation: self.generation, ..NodeFit::of(n) }
    }

    /// The rows of nodes not kept in a store (tests, what-ifs).
    pub fn table(nodes: &[Node]) -> Vec<NodeFit> {
        nodes.iter().map(NodeFit::of).collect()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum PodPhase {
    Pending,
    Running,
    Succeeded,
    Failed,
}

impl PodPhase {
    pub fn as_str(self) -> &'static str {
        match self {
            PodPhase::Pending => "Pending",
            PodPhase::Running => "Running",
            PodPhase::Succeeded => "Succeeded",
            PodPhase::Failed => "Failed",
        }
    }
}

/// Who controls a pod.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum PodOwner {
    ReplicaSet(RsId),
    Job(JobId),
    DaemonSet(DaemonSetId),
    StatefulSet(StatefulSetId),
}

impl PodOwner {
    /// The ReplicaSet, for the code that only ReplicaSets concern (spreading, budgets).
    pub fn replica_set(self) -> Option<RsId> {
        match self {
            PodOwner::ReplicaSet(rs) => Some(rs),
            PodOwner::Job(_) | PodOwner::DaemonSet(_) | PodOwner::StatefulSet(_) => None,
        }
    }
}

/// What a container is doing, as `kubectl get pods` would say.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ContainerState {
    Waiting(&'static str),
    Running,
    Terminated(&'static str),
}

#[derive(Clone, Debug)]
pub struct ContainerStatus {
    pub state: ContainerState,
    pub started_at: Option<SimTime>,
    pub ready: bool,
    pub restarts: u32,
    /// The kubelet's crash-loop back-off entry for this container (None before its first
    /// restart, and after the kubelet restarted: the kubelet keeps it in memory).
    pub backoff: Option<BackOffEntry>,
    /// How the previous run ended (`lastState.terminated`, or `state.terminated` when it
    /// will not run again).
    pub last_exit: Option<Exit>,
    /// When the running app hangs (`livenessFailAfter`, drawn at each start).
    pub hangs_at: Option<SimTime>,
    /// The kubelet's image pull back-off entry for this container's image (image_manager.go
    /// keys it by pod UID and image): None until a pull of it failed.
    pub pull_backoff: Option<BackOffEntry>,
    /// `started`: the container runs and its startupProbe, if any, has succeeded (liveness
    /// and readiness probes wait for it; the next init container waits for a sidecar's).
    pub started: bool,
    /// Its postStart hook is running: the process runs, but the kubelet, blocked in
    /// startContainer, has not reported it Running.
    pub in_post_start: bool,
}

impl ContainerStatus {
    /// A container that has not run yet, waiting for `reason`.
    pub fn waiting(reason: &'static str) -> ContainerStatus {
        ContainerStatus {
            state: ContainerState::Waiting(reason),
            started_at: None,
            ready: false,
            restarts: 0,
            backoff: None,
            last_exit: None,
            hangs_at: None,
            started: false,
            in_post_start: false,
            pull_backoff: None,
        }
    }

    /// The process is up: Running, or in its postStart hook.
    pub fn process_running(&self) -> bool {
        self.state == ContainerState::Running || self.in_post_start
    }
}

/// A container's entry in the kubelet's crash-loop back-off (client-go util/flowcontrol
/// backoff.go `backoffEntry`): the current window and when it last moved (`Next`, at the
/// container's last restart).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BackOffEntry {
    pub window: SimDuration,
    pub last_update: SimTime,
}

/// How a container ended: the `reason` and exit code of its `Terminated` state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Exit {
    pub reason: &'static str,
    pub code: i32,
}

impl Exit {
    /// The process exited with an error (`crashAfter`, `crashOnStart`).
    pub const ERROR: Exit = Exit { reason: "Error", code: 1 };
    /// The kernel killed it over its memory limit (SIGKILL: 128 + 9).
    pub const OOM_KILLED: Exit = Exit { reason: "OOMKilled", code: 137 };
    /// The kubelet killed it after failed liveness probes (SIGKILL: a hung app does not
    /// exit on SIGTERM).
    pub const KILLED: Exit = Exit { reason: "Error", code: 137 };
    /// It finished its work.
    pub const COMPLETED: Exit = Exit { reason: "Completed", code: 0 };

    pub fn failed(self) -> bool {
        self.code != 0
    }
}

#[derive(Clone, Debug)]
pub struct Pod {
    pub namespace: String,
    pub name: String,
    pub labels: Labels,
    pub deletion_cost: i32,
    /// `cluster-autoscaler.kubernetes.io/safe-to-evict`: "true" or "false" (None: absent).
    pub safe_to_evict: Option<bool>,
    pub spec: Arc<PodSpec>,
    pub owner: Option<PodOwner>,
    /// Revision of the owning Deployment's ReplicaSet when the pod was created.
    pub revision: i64,
    pub phase: PodPhase,
    pub node: Option<NodeId>,
    pub created: SimTime,
    pub scheduled: Option<SimTime>,
    pub started: Option<SimTime>,
    /// Set while the pod is Ready: since when.
    pub ready_since: Option<SimTime>,
    /// First time the pod became Ready.
    pub first_ready: Option<SimTime>,
    pub terminating: Option<SimTime>,
    /// The reason of its `DisruptionTarget` condition, set when the scheduler preempts it
    /// (`PreemptionByScheduler`), a drain evicts it (`EvictionByEvictionAPI`) or the taint
    /// manager deletes it (`DeletionByTaintManager`); None: no such condition.
    pub disruption: Option<&'static str>,
    /// When the pod reached Succeeded or Failed (its containers stopped for good).
    pub finished: Option<SimTime>,
    /// A deletion's grace period when it differs from the spec's (`--grace-period`).
    pub grace_override: Option<crate::engine::SimDuration>,
    pub deleted: Option<SimTime>,
    pub containers: Vec<ContainerStatus>,
    /// The init containers' statuses (`status.initContainerStatuses`), in spec order.
    pub init_containers: Vec<ContainerStatus>,
    /// Last status reason worth reporting (`CrashLoopBackOff`, `Unschedulable`, ...).
    pub reason: String,
    /// Set by preemption: the node the pod waits for (`status.nominatedNodeName`).
    pub nominated_node: Option<NodeId>,
    /// Bumped whenever the kubelet's plan for this pod changes; stale timers carry an old one.
    pub generation: u32,
    /// How many of its containers (init containers first) the kubelet has begun to start
    /// since it made the sandbox: a sidecar started again does not start the next twice.
    pub begun: u16,
}

impl Pod {
    /// A pod just created in the API: Pending, on no node, with no container started.
    pub fn new(
        namespace: &str,
        name: &str,
        labels: Labels,
        spec: Arc<PodSpec>,
        owner: Option<PodOwner>,
        created: SimTime,
    ) -> Pod {
        Pod {
            namespace: namespace.to_string(),
            name: name.to_string(),
            labels,
            deletion_cost: 0,
            safe_to_evict: None,
            spec,
            owner,
            revision: 0,
            phase: PodPhase::Pending,
            node: None,
            created,
            scheduled: None,
            started: None,
            ready_since: None,
            first_ready: None,
            terminating: None,
            disruption: None,
            finished: None,
            grace_override: None,
            deleted: None,
            containers: Vec::new(),
            init_containers: Vec::new(),
            reason: String::new(),
            nominated_node: None,
            generation: 0,
            begun: 0,
        }
    }

    /// Active pods count towards a ReplicaSet's replicas: not terminating, not finished.
    pub fn is_active(&self) -> bool {
        self.terminating.is_none()
            && self.deleted.is_none()
            && !matches!(self.phase, PodPhase::Succeeded | PodPhase::Failed)
    }

    pub fn is_ready(&self) -> bool {
        self.ready_since.is_some()
    }

    /// Ready for at least `min_ready_seconds` at `now`.
    pub fn is_available(&self, min_ready_seconds: i32, now: SimTime) -> bool {
        match self.ready_since {
            Some(t) => now.since(t).as_micros() >= min_ready_seconds.max(0) as u64 * 1_000_000,
            None => false,
        }
    }

    /// Restarts of every container, init containers included (kubectl's RESTARTS column).
    pub fn restarts(&self) -> u32 {
        self.containers.iter().chain(&self.init_containers).map(|c| c.restarts).sum()
    }

    /// The status of container `index`, counting init containers first, then app containers.
    pub fn container_status(&self, index: usize) -> Option<&ContainerStatus> {
        match index.checked_sub(self.init_containers.len()) {
            None => self.init_containers.get(index),
            Some(i) => self.containers.get(i),
        }
    }

    pub fn container_status_mut(&mut self, index: usize) -> Option<&mut ContainerStatus> {
        match index.checked_sub(self.init_containers.len()) {
            None => self.init_containers.get_mut(index),
            Some(i) => self.containers.get_mut(i),
        }
    }

    /// Every container the pod's Ready condition waits for: the app containers and the
    /// sidecars (KEP-753: restartable init containers count in ContainersReady).
    pub fn containers_ready(&self) -> bool {
        !self.containers.is_empty()
            && self.containers.iter().all(|c| c.ready)
            && self.spec.init_containers.iter().zip(&self.init_containers).all(|(c, s)| !c.sidecar || s.ready)
    }

    pub fn max_container_restarts(&self) -> u32 {
        self.containers.iter().map(|c| c.restarts).max().unwrap_or(0)
    }

    pub fn is_gone(&self) -> bool {
        self.deleted.is_some()
    }
}

/// Which API kind a ReplicaSet row stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RsKind {
    ReplicaSet,
    ReplicationController,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RsStatus {
    pub replicas: i32,
    pub ready: i32,
    pub available: i32,
}

#[derive(Clone, Debug)]
pub struct ReplicaSet {
    pub kind: RsKind,
    pub namespace: String,
    pub name: String,
    pub labels: Labels,
    pub selector: Selector,
    pub template: Arc<PodTemplate>,
    /// The template's pod spec, shared by every pod this ReplicaSet creates.
    pub pod_spec: Arc<PodSpec>,
    /// `pod-template-hash` of the template (empty for a ReplicaSet not made by a Deployment).
    pub template_hash: String,
    pub replicas: i32,
    pub min_ready_seconds: i32,
    pub owner: Option<DeployId>,
    /// `deployment.kubernetes.io/revision`.
    pub revision: i64,
    /// `deployment.kubernetes.io/desired-replicas` and `max-replicas`.
    pub desired_replicas_annotation: Option<i32>,
    pub max_replicas_annotation: Option<i32>,
    pub created: SimTime,
    /// Pods this ReplicaSet created and that are not gone yet.
    pub pods: BTreeSet<PodId>,
    pub status: RsStatus,
    pub deleted: bool,
}

impl ReplicaSet {
    pub fn from_spec(
        kind: RsKind,
        namespace: &str,
        name: &str,
        labels: Labels,
        spec: &ReplicaSetSpec,
        now: SimTime,
    ) -> Self {
        ReplicaSet {
            kind,
            namespace: namespace.to_string(),
            name: name.to_string(),
            labels,
            selector: spec.selector.clone(),
            template: spec.template.clone(),
            pod_spec: Arc::new(spec.template.spec.clone()),
            template_hash: String::new(),
            replicas: spec.replicas,
            min_ready_seconds: spec.min_ready_seconds,
            owner: None,
            revision: 0,
            desired_replicas_annotation: None,
            max_replicas_annotation: None,
            created: now,
            pods: BTreeSet::new(),
            status: RsStatus::default(),
            deleted: false,
        }
    }
}

/// Why the Deployment is (not) progressing: the reason of its `Progressing` condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProgressReason {
    NewReplicaSetCreated,
    FoundNewReplicaSet,
    ReplicaSetUpdated,
    NewReplicaSetAvailable,
    ProgressDeadlineExceeded,
    DeploymentPaused,
    DeploymentResumed,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeploymentStatus {
    pub replicas: i32,
    pub updated: i32,
    pub ready: i32,
    pub available: i32,
    pub unavailable: i32,
}

#[derive(Clone, Debug)]
pub struct Deployment {
    pub namespace: String,
    pub name: String,
    pub labels: Labels,
    pub spec: DeploymentSpec,
    /// Hash of `spec.template`: names the ReplicaSet that runs it.
    pub template_hash: String,
    pub status: DeploymentStatus,
    pub progress_reason: Option<ProgressReason>,
    /// When the Progressing condition last changed (its lastUpdateTime).
    pub progress_updated: SimTime,
    pub replica_sets: BTreeSet<RsId>,
    pub deleted: bool,
    /// Set when the row is an Argo Rollout: its strategy and status. A Rollout shares the
    /// rest with a Deployment (`spec` is its workload: replicas, selector, template), so the
    /// ReplicaSet controller, the observers and the time series treat both alike; the
    /// Deployment controller never syncs it.
    pub rollout: Option<Box<RolloutState>>,
}

/// The label that ties an Argo Rollout's pods to their ReplicaSet, and that Argo adds to
/// the selectors of the Services it manages (argo-rollouts pkg/apis/rollouts/v1alpha1:
/// `DefaultRolloutUniqueLabelKey`).
pub const ROLLOUTS_POD_TEMPLATE_HASH: &str = "rollouts-pod-template-hash";

/// What an Argo Rollout has beyond a Deployment's fields.
#[derive(Clone, Debug)]
pub struct RolloutState {
    pub strategy: super::spec::RolloutStrategy,
    pub status: super::status::RolloutStatus,
}

impl Deployment {
    /// `Kind::Rollout` for an Argo Rollout, else `Kind::Deployment`.
    pub fn kind(&self) -> super::spec::Kind {
        if self.rollout.is_some() {
            super::spec::Kind::Rollout
        } else {
            super::spec::Kind::Deployment
        }
    }
}

/// A batch/v1 Job.
#[derive(Clone, Debug)]
pub struct Job {
    pub namespace: String,
    pub name: String,
    pub labels: Labels,
    pub spec: super::spec::JobSpec,
    /// The template's pod spec, shared by its pods.
    pub pod_spec: Arc<PodSpec>,
    /// Every pod it created, gone ones included: each finished pod is counted once into
    /// the status, as the job controller's finalizers make sure of.
    pub pods: BTreeSet<PodId>,
    pub status: super::status::JobStatus,
    pub created: SimTime,
    pub deleted: bool,
    /// The CronJob that created it (its controllerRef), if any.
    pub owner: Option<CronJobId>,
    /// Its UID (derived from its row: the same on every run), in the generated selector.
    pub uid: String,
    /// The pods it claims: `batch.kubernetes.io/controller-uid=<uid>` unless
    /// `manualSelector: true` (strategy.go `generateSelector`), else the user's selector.
    pub selector: super::spec::Selector,
}

/// A batch/v1 CronJob.
#[derive(Clone, Debug)]
pub struct CronJob {
    pub namespace: String,
    pub name: String,
    pub labels: Labels,
    pub spec: super::spec::CronJobSpec,
    pub status: super::status::CronJobStatus,
    /// The Jobs it owns and that are not deleted, in creation order.
    pub jobs: BTreeSet<JobId>,
    pub created: SimTime,
    pub deleted: bool,
    /// When the controller's queue will hand it out again for its next schedule time
    /// (`AddAfter` of the sync's `requeueAfter`; the earliest wins).
    pub wakeup: Option<SimTime>,
}

/// An apps/v1 DaemonSet.
#[derive(Clone, Debug)]
pub struct DaemonSet {
    pub namespace: String,
    pub name: String,
    pub labels: Labels,
    pub spec: super::spec::DaemonSetSpec,
    /// The template's pod spec with the daemon tolerations (before the per-node affinity).
    pub pod_spec: Arc<PodSpec>,
    /// `controller-revision-hash` of the current template, and the revision it is.
    pub template_hash: String,
    pub revision: i64,
    /// Every template it has had: (hash, revision number).
    pub revisions: Vec<(String, i64)>,
    /// Its pods not gone yet, each with the node it was made for.
    pub pods: BTreeMap<PodId, NodeId>,
    pub status: super::status::DaemonSetStatus,
    pub deleted: bool,
}

/// One template a StatefulSet has had: a ControllerRevision.
#[derive(Clone, Debug)]
pub struct SetRevision {
    /// `controller-revision-hash`: `<set>-<hash>`.
    pub name: String,
    pub revision: i64,
    pub template: Arc<PodTemplate>,
}

/// An apps/v1 StatefulSet.
#[derive(Clone, Debug)]
pub struct StatefulSet {
    pub namespace: String,
    pub name: String,
    pub labels: Labels,
    pub spec: super::spec::StatefulSetSpec,
    /// `status.currentRevision` (what ordinals below the partition run) and
    /// `status.updateRevision` (the template's): indexes in `revisions`.
    pub current: usize,
    pub update: usize,
    pub revisions: Vec<SetRevision>,
    /// Its pods not gone yet, by ordinal.
    pub pods: BTreeMap<i32, PodId>,
    pub status: super::status::StatefulSetStatus,
    pub deleted: bool,
}

/// A PodDisruptionBudget.
#[derive(Clone, Debug)]
pub struct Pdb {
    pub namespace: String,
    pub name: String,
    pub selector: Selector,
    pub min_available: Option<super::spec::IntOrPercent>,
    pub max_unavailable: Option<super::spec::IntOrPercent>,
}

/// A PersistentVolumeClaim and its status.
#[derive(Clone, Debug)]
pub struct Claim {
    pub namespace: String,
    pub name: String,
    pub labels: super::spec::Labels,
    /// With the default class filled in when it was made (as the DefaultStorageClass
    /// admission plugin does); None when there was no default class.
    pub spec: super::spec::ClaimSpec,
    /// The volume it is bound to (`spec.volumeName` once bound; status `Bound`).
    pub volume: Option<VolumeId>,
    /// `volume.kubernetes.io/selected-node`: the node the scheduler chose for a pod that
    /// uses it (WaitForFirstConsumer).
    pub selected_node: Option<NodeId>,
    /// A volume is being provisioned for it (done at this time).
    pub provisioning_until: Option<SimTime>,
    /// A StatefulSet made it from a template (its retention policy applies).
    pub stateful_set: Option<StatefulSetId>,
    pub created: SimTime,
    pub deleted: bool,
    /// The reason of the last event said about it (said once until its state changes).
    pub said: &'static str,
}

impl Claim {
    /// `status.phase`.
    pub fn phase(&self) -> &'static str {
        if self.volume.is_some() {
            "Bound"
        } else {
            "Pending"
        }
    }
}

/// A PersistentVolume and its status.
#[derive(Clone, Debug)]
pub struct Volume {
    pub name: String,
    pub labels: super::spec::Labels,
    pub spec: super::spec::VolumeSpec,
    /// The claim bound to it (`claimRef`; status `Bound`).
    pub claim: Option<ClaimId>,
    /// Its claim went away and it is not reclaimed (status `Released`).
    pub released: bool,
    pub created: SimTime,
    pub deleted: bool,
}

impl Volume {
    /// `status.phase`.
    pub fn phase(&self) -> &'static str {
        match (self.claim, self.released) {
            (Some(_), _) => "Bound",
            (None, true) => "Released",
            (None, false) => "Available",
        }
    }
}

impl Row for Volume {
    type Key = String;
    fn key(&self) -> String {
        self.name.clone()
    }
}

/// A HorizontalPodAutoscaler and its status.
#[derive(Clone, Debug)]
pub struct Hpa {
    pub namespace: String,
    pub name: String,
    pub spec: super::spec::HpaSpec,
    pub status: HpaStatus,
    pub deleted: bool,
}

/// `status` of an HPA, as `kubectl get hpa` shows it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HpaStatus {
    /// The target's replicas at the last sync (None before the first).
    pub current_replicas: Option<i32>,
    pub desired_replicas: Option<i32>,
    /// Per `spec.metrics` entry: the utilisation (percent of requests) or the average
    /// value (thousandths) measured at the last sync, None when it could not be.
    pub current_metrics: Vec<Option<i64>>,
    pub last_scale_time: Option<SimTime>,
    /// `AbleToScale`, `ScalingActive`, `ScalingLimited` as last set, each with its
    /// lastTransitionTime (kept while the status stays the same), in the order first set.
    pub conditions: Vec<(HpaCondition, SimTime)>,
}

/// One of the HPA's status conditions, as horizontal.go's `setCondition` writes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HpaCondition {
    pub kind: &'static str,
    pub status: bool,
    pub reason: &'static str,
    pub message: String,
}

/// A namespace's admission policy (a LimitRange or a ResourceQuota) and when it was created
/// (`kubectl get`'s AGE).
#[derive(Clone, Debug)]
pub struct Policy<T> {
    pub spec: T,
    pub created: SimTime,
}

/// The whole cluster.
#[derive(Default)]
pub struct Store {
    pub pdbs: Vec<Pdb>,
    /// Read through `nodes()`; written only by the methods below, which keep `node_fit`,
    /// the label version and the image counts current.
    nodes: Table<NodeId, Node>,
    /// Per node, the figures the scheduler's hot loop reads (kept by `refresh_fit`).
    node_fit: Vec<NodeFit>,
    pub pods: Table<PodId, Pod>,
    pub replica_sets: Table<RsId, ReplicaSet>,
    /// Deployments and Argo Rollouts (a Rollout is a Deployment row with a `RolloutState`;
    /// the two kinds have separate names).
    pub deployments: Table<DeployId, Deployment>,
    pub jobs: Table<JobId, Job>,
    pub cron_jobs: Table<CronJobId, CronJob>,
    pub daemon_sets: Table<DaemonSetId, DaemonSet>,
    pub stateful_sets: Table<StatefulSetId, StatefulSet>,
    pub hpas: Table<HpaId, Hpa>,
    pub claims: Table<ClaimId, Claim>,
    pub volumes: Table<VolumeId, Volume>,
    /// StorageClasses by name.
    pub storage_classes: BTreeMap<String, super::spec::StorageClassSpec>,
    /// LimitRanges by (namespace, name): the LimitRanger admission plugin reads them.
    pub limit_ranges: BTreeMap<(String, String), Policy<super::spec::LimitRangeSpec>>,
    /// ResourceQuotas by (namespace, name): the ResourceQuota admission plugin reads them.
    pub quotas: BTreeMap<(String, String), Policy<super::spec::QuotaSpec>>,
    pub namespaces: BTreeSet<String>,
    /// Pods bound to a node and not gone, by (namespace, label key, label value): how the
    /// scheduler finds the pods a selector matches without scanning them all.
    bound_by_label: BTreeMap<(String, String, String), BTreeSet<PodId>>,
    /// Pods not yet gone (bound or not, finished or not), by (namespace, label key, value):
    /// what `pods_matching` (the HPA's pod list) intersects instead of walking every pod.
    live_by_label: BTreeMap<(String, String, String), BTreeSet<PodId>>,
    /// Bound pods that carry pod affinity or anti-affinity terms.
    bound_with_affinity: BTreeSet<PodId>,
    /// Image -> number of nodes that have it (or are pulling it).
    image_nodes: BTreeMap<String, u32>,
    /// Bumped whenever a node is added or its labels change (caches keyed on labels check it).
    node_labels_version: u64,
    /// Nodes removed from the API (`remove_node`).
    removed_nodes: usize,
    /// Pods without a controller, not gone: what a controller may adopt (those found
    /// terminating are dropped by `forget_orphan`, as no controller adopts them; those found
    /// finished move to `finished_orphans`). Empty in most runs, so a ReplicaSet's sync looks
    /// for orphans at no cost.
    orphans: BTreeSet<PodId>,
    /// Orphans found finished: the ReplicaSet controller claims only active pods, the
    /// DaemonSet, StatefulSet and Job controllers finished ones too.
    finished_orphans: BTreeSet<PodId>,
    /// ReplicaSets (not ReplicationControllers) without a Deployment, not deleted: what a
    /// Deployment may adopt.
    unowned_replica_sets: BTreeSet<RsId>,
}

/// ReplicaSets and ReplicationControllers have separate name spaces.
pub type RsKindKey = u8;

pub fn rs_kind_key(kind: RsKind) -> RsKindKey {
    match kind {
        RsKind::ReplicaSet => 0,
        RsKind::ReplicationController => 1,
    }
}

/// A namespaced object's name in its table.
pub type NamespacedKey = (String, String);

fn namespaced(namespace: &str, name: &str) -> NamespacedKey {
    (namespace.to_string(), name.to_string())
}

macro_rules! namespaced_rows {
    ($($kind:ty),*) => {$(
        impl $crate::model::table::Row for $kind {
            type Key = $crate::model::store::NamespacedKey;
            fn key(&self) -> Self::Key {
                (self.namespace.clone(), self.name.clone())
            }
        }
    )*};
}
pub(crate) use namespaced_rows;
namespaced_rows!(Pod, Job, CronJob, DaemonSet, StatefulSet, Hpa, Claim);

/// The name of a namespaced object (`namespace`, `name`) in its table.
pub fn namespaced_key(namespace: &str, name: &str) -> NamespacedKey {
    namespaced(namespace, name)
}

impl Row for Node {
    type Key = String;
    fn key(&self) -> String {
        self.name.clone()
    }
}

/// ReplicaSets and ReplicationControllers have separate names.
impl Row for ReplicaSet {
    type Key = (RsKindKey, String, String);
    fn key(&self) -> Self::Key {
        (rs_kind_key(self.kind), self.namespace.clone(), self.name.clone())
    }
}

/// Deployments and Argo Rollouts have separate names (true: a Rollout).
impl Row for Deployment {
    type Key = (bool, String, String);
    fn key(&self) -> Self::Key {
        (self.rollout.is_some(), self.namespace.clone(), self.name.clone())
    }
}

impl Store {
    pub fn find_deployment(&self, namespace: &str, name: &str) -> Option<DeployId> {
        self.deployments.find(&(false, namespace.to_string(), name.to_string()))
    }

    pub fn find_rollout(&self, namespace: &str, name: &str) -> Option<DeployId> {
        self.deployments.find(&(true, namespace.to_string(), name.to_string()))
    }

    /// Removes a Deployment or Rollout from its index (its row stays for the record).
    pub fn remove_deployment(&mut self, id: DeployId) {
        self.deployments[id].deleted = true;
        self.deployments.forget_name(id);
    }

    /// `kubectl delete --cascade=orphan` of a Deployment (or Rollout): its ReplicaSets stay,
    /// without owner.
    pub fn orphan_replica_sets(&mut self, id: DeployId) {
        for rs in std::mem::take(&mut self.deployments[id].replica_sets) {
            self.replica_sets[rs].owner = None;
            if self.replica_sets[rs].kind == RsKind::ReplicaSet {
                self.unowned_replica_sets.insert(rs);
            }
        }
    }

    /// `--cascade=orphan` of a ReplicaSet: its pods stay, without owner.
    pub fn orphan_pods_of_replica_set(&mut self, id: RsId) {
        for p in std::mem::take(&mut self.replica_sets[id].pods) {
            self.pods[p].owner = None;
            if self.pods[p].deleted.is_none() {
                self.orphans.insert(p);
            }
        }
    }

    /// `--cascade=orphan` of a Job: its pods stay, without owner.
    pub fn orphan_pods_of_job(&mut self, id: JobId) {
        for p in std::mem::take(&mut self.jobs[id].pods) {
            self.pods[p].owner = None;
            if self.pods[p].deleted.is_none() {
                self.orphans.insert(p);
            }
        }
    }

    /// `--cascade=orphan` of a DaemonSet: its pods stay, without owner.
    pub fn orphan_pods_of_daemon_set(&mut self, id: DaemonSetId) {
        for p in std::mem::take(&mut self.daemon_sets[id].pods).into_keys() {
            self.pods[p].owner = None;
            if self.pods[p].deleted.is_none() {
                self.orphans.insert(p);
            }
        }
    }

    /// `--cascade=orphan` of a StatefulSet: its pods stay, without owner.
    pub fn orphan_pods_of_stateful_set(&mut self, id: StatefulSetId) {
        for p in std::mem::take(&mut self.stateful_sets[id].pods).into_values() {
            self.pods[p].owner = None;
            if self.pods[p].deleted.is_none() {
                self.orphans.insert(p);
            }
        }
    }

    pub fn find_job(&self, namespace: &str, name: &str) -> Option<JobId> {
        self.jobs.find(&namespaced(namespace, name))
    }

    pub fn add_job(&mut self, job: Job) -> JobId {
        self.jobs.add(job)
    }

    /// Removes a Job from its index (its row stays for the record).
    pub fn remove_job(&mut self, id: JobId) {
        self.jobs[id].deleted = true;
        self.jobs.forget_name(id);
    }

    pub fn find_cron_job(&self, namespace: &str, name: &str) -> Option<CronJobId> {
        self.cron_jobs.find(&namespaced(namespace, name))
    }

    pub fn add_cron_job(&mut self, cj: CronJob) -> CronJobId {
        self.cron_jobs.add(cj)
    }

    /// Removes a CronJob from its index (its row stays for the record).
    pub fn remove_cron_job(&mut self, id: CronJobId) {
        self.cron_jobs[id].deleted = true;
        self.cron_jobs.forget_name(id);
    }

    /// `--cascade=orphan` of a CronJob: its Jobs stay, without owner.
    pub fn orphan_jobs_of_cron_job(&mut self, id: CronJobId) {
        for j in std::mem::take(&mut self.cron_jobs[id].jobs) {
            self.jobs[j].owner = None;
        }
    }

    pub fn find_daemon_set(&self, namespace: &str, name: &str) -> Option<DaemonSetId> {
        self.daemon_sets.find(&namespaced(namespace, name))
    }

    pub fn add_daemon_set(&mut self, ds: DaemonSet) -> DaemonSetId {
        self.daemon_sets.add(ds)
    }

    /// Removes a DaemonSet from its index (its row stays for the record).
    pub fn remove_daemon_set(&mut self, id: DaemonSetId) {
        self.daemon_sets[id].deleted = true;
        self.daemon_sets.forget_name(id);
    }

    pub fn find_stateful_set(&self, namespace: &str, name: &str) -> Option<StatefulSetId> {
        self.stateful_sets.find(&namespaced(namespace, name))
    }

    pub fn add_stateful_set(&mut self, ss: StatefulSet) -> StatefulSetId {
        self.stateful_sets.add(ss)
    }

    /// Removes a StatefulSet from its index (its row stays for the record).
    pub fn remove_stateful_set(&mut self, id: StatefulSetId) {
        self.stateful_sets[id].deleted = true;
        self.stateful_sets.forget_name(id);
    }

    pub fn find_hpa(&self, namespace: &str, name: &str) -> Option<HpaId> {
        self.hpas.find(&namespaced(namespace, name))
    }

    pub fn add_hpa(&mut self, hpa: Hpa) -> HpaId {
        self.hpas.add(hpa)
    }

    /// Removes an HPA from its index (its row stays for the record).
    pub fn remove_hpa(&mut self, id: HpaId) {
        self.hpas[id].deleted = true;
        self.hpas.forget_name(id);
    }

    pub fn find_rs(&self, kind: RsKind, namespace: &str, name: &str) -> Option<RsId> {
        self.replica_sets.find(&(rs_kind_key(kind), namespace.to_string(), name.to_string()))
    }

    pub fn find_pod(&self, namespace: &str, name: &str) -> Option<PodId> {
        self.pods.find(&namespaced(namespace, name))
    }

    /// The PodDisruptionBudgets that cover `pod` (its namespace, a selector that matches it;
    /// an empty selector covers nothing in policy/v1).
    pub fn budgets_of(&self, pod: PodId) -> impl Iterator<Item = &Pdb> {
        let p = &self.pods[pod];
        self.pdbs
            .iter()
            .filter(move |b| b.namespace == p.namespace && !b.selector.is_empty() && b.selector.matches(&p.labels))
    }

    /// The node named `name`, removed ones too (the report replays their lives).
    pub fn find_node_any(&self, name: &str) -> Option<NodeId> {
        self.nodes.find(&name.to_string())
    }

    pub fn find_node(&self, name: &str) -> Option<NodeId> {
        self.nodes.find(&name.to_string()).filter(|&n| !self.nodes[n].removed)
    }

    pub fn add_node(&mut self, mut node: Node) -> NodeId {
        node.id = NodeId::from_index(self.nodes.len());
        self.node_fit.push(NodeFit::of(&node));
        let id = self.nodes.add(node);
        self.node_labels_version += 1;
        id
    }

    /// Deletes a node from the API (its pods must be gone first): cordoned, NotReady and
    /// marked removed, so the scheduler, the topology indexes and lookups by name pass it by.
    pub fn remove_node(&mut self, node: NodeId) {
        debug_assert!(self.nodes[node].pods.is_empty(), "a node is removed after its pods");
        self.edit_node(node, |n| {
            n.removed = true;
            n.unschedulable = true;
            n.ready = false;
        });
        self.removed_nodes += 1;
        self.node_labels_version += 1;
    }

    /// How many nodes were removed (none in most runs: the scheduler then has nothing to
    /// leave out of its messages).
    pub fn removed_nodes(&self) -> usize {
        self.removed_nodes
    }

    pub fn add_pod(&mut self, pod: Pod) -> PodId {
        let id = PodId::from_index(self.pods.len());
        for (k, v) in &pod.labels {
            self.live_by_label.entry((pod.namespace.clone(), k.clone(), v.clone())).or_default().insert(id);
        }
        match pod.owner {
            Some(PodOwner::ReplicaSet(rs)) => {
                self.replica_sets[rs].pods.insert(id);
            }
            Some(PodOwner::Job(job)) => {
                self.jobs[job].pods.insert(id);
            }
            // Their glue records the pod with its node or ordinal.
            Some(PodOwner::DaemonSet(_) | PodOwner::StatefulSet(_)) => {}
            None => {
                self.orphans.insert(id);
            }
        }
        self.pods.add(pod)
    }

    pub fn add_replica_set(&mut self, rs: ReplicaSet) -> RsId {
        let id = RsId::from_index(self.replica_sets.len());
        match rs.owner {
            Some(d) => {
                self.deployments[d].replica_sets.insert(id);
            }
            None if rs.kind == RsKind::ReplicaSet => {
                self.unowned_replica_sets.insert(id);
            }
            None => {}
        }
        self.replica_sets.add(rs)
    }

    pub fn add_deployment(&mut self, d: Deployment) -> DeployId {
        self.deployments.add(d)
    }

    /// Removes a ReplicaSet from its indexes (its row stays for the record).
    pub fn remove_replica_set(&mut self, id: RsId) {
        let rs = &mut self.replica_sets[id];
        rs.deleted = true;
        if let Some(d) = rs.owner {
            self.deployments[d].replica_sets.remove(&id);
        }
        self.replica_sets.forget_name(id);
        self.unowned_replica_sets.remove(&id);
    }

    /// Pods without a controller and not gone (some may be finished or terminating).
    pub fn orphans(&self) -> &BTreeSet<PodId> {
        &self.orphans
    }

    /// Orphans found finished (see `orphans`).
    pub fn finished_orphans(&self) -> &BTreeSet<PodId> {
        &self.finished_orphans
    }

    /// An orphan no controller will adopt (it is terminating, which it stays).
    pub fn forget_orphan(&mut self, pod: PodId) {
        self.orphans.remove(&pod);
        self.finished_orphans.remove(&pod);
    }

    /// An orphan found finished: only the controllers that claim finished pods look at it.
    pub fn orphan_finished(&mut self, pod: PodId) {
        if self.orphans.remove(&pod) {
            self.finished_orphans.insert(pod);
        }
    }

    /// ReplicaSets without a Deployment, not deleted.
    pub fn unowned_replica_sets(&self) -> &BTreeSet<RsId> {
        &self.unowned_replica_sets
    }

    /// A ReplicaSet adopts an orphan pod (controller_ref_manager.go `AdoptPod`): the pod's
    /// controllerRef names it. Nothing happens to a pod that has a controller.
    pub fn adopt_pod(&mut self, pod: PodId, rs: RsId) {
        if self.take_orphan(pod, PodOwner::ReplicaSet(rs)) {
            self.replica_sets[rs].pods.insert(pod);
        }
    }

    /// A DaemonSet adopts an orphan pod, its daemon pod on `node`.
    pub fn adopt_daemon_pod(&mut self, pod: PodId, ds: DaemonSetId, node: NodeId) {
        if self.take_orphan(pod, PodOwner::DaemonSet(ds)) {
            self.daemon_sets[ds].pods.insert(pod, node);
        }
    }

    /// A Job adopts an orphan pod (job_controller.go `getPodsForJob`: with its tracking
    /// finalizer, so a finished one is counted).
    pub fn adopt_job_pod(&mut self, pod: PodId, job: JobId) {
        if self.take_orphan(pod, PodOwner::Job(job)) {
            self.jobs[job].pods.insert(pod);
        }
    }

    /// A StatefulSet adopts an orphan pod, its pod of `ordinal`.
    pub fn adopt_set_pod(&mut self, pod: PodId, ss: StatefulSetId, ordinal: i32) {
        if self.take_orphan(pod, PodOwner::StatefulSet(ss)) {
            self.stateful_sets[ss].pods.insert(ordinal, pod);
        }
    }

    /// Sets an orphan's controller; false (nothing done) when it has one.
    fn take_orphan(&mut self, pod: PodId, owner: PodOwner) -> bool {
        if self.pods[pod].owner.is_some() {
            return false;
        }
        self.pods[pod].owner = Some(owner);
        self.orphans.remove(&pod);
        self.finished_orphans.remove(&pod);
        true
    }

    /// A controller releases its pod (`ReleasePod`): the pod stays, without controller.
    pub fn release_pod(&mut self, pod: PodId) {
        match self.pods[pod].owner.take() {
            Some(PodOwner::ReplicaSet(rs)) => {
                self.replica_sets[rs].pods.remove(&pod);
            }
            Some(PodOwner::Job(j)) => {
                self.jobs[j].pods.remove(&pod);
            }
            Some(PodOwner::DaemonSet(ds)) => {
                self.daemon_sets[ds].pods.remove(&pod);
            }
            Some(PodOwner::StatefulSet(ss)) => {
                self.stateful_sets[ss].pods.retain(|_, p| *p != pod);
            }
            None => {}
        }
        if self.pods[pod].deleted.is_none() {
            self.orphans.insert(pod);
        }
    }

    /// A Deployment adopts an orphan ReplicaSet (`AdoptReplicaSet`).
    pub fn adopt_replica_set(&mut self, rs: RsId, d: DeployId) {
        if self.replica_sets[rs].owner.is_some() {
            return;
        }
        self.replica_sets[rs].owner = Some(d);
        self.deployments[d].replica_sets.insert(rs);
        self.unowned_replica_sets.remove(&rs);
    }

    /// `kubectl label pod`: a pod's labels, with the label index kept current.
    pub fn edit_pod_labels<R>(&mut self, pod: PodId, edit: impl FnOnce(&mut Labels) -> R) -> R {
        let indexed = self.pods[pod].node.is_some_and(|n| self.nodes[n].pods.contains(&pod));
        if indexed {
            self.index_bound(pod, false);
        }
        self.index_live(pod, false);
        let r = edit(&mut self.pods[pod].labels);
        self.index_live(pod, true);
        if indexed {
            self.index_bound(pod, true);
        }
        r
    }

    /// Binds a pod to a node and charges its requests there.
    pub fn bind(&mut self, pod: PodId, node: NodeId, now: SimTime) {
        let requests = self.pods[pod].spec.requests();
        let nonzero = NonZero::of(&self.pods[pod].spec);
        let p = &mut self.pods[pod];
        p.node = Some(node);
        p.scheduled = Some(now);
        let n = &mut self.nodes[node];
        n.pods.insert(pod);
        add_resources(&mut n.requested, &requests, 1);
        n.requested_nonzero.add(nonzero, 1);
        for port in self.pods[pod].spec.containers.iter().flat_map(|c| c.host_ports.iter()) {
            *n.host_ports.entry(*port).or_insert(0) += 1;
        }
        self.refresh_fit(node);
        self.index_bound(pod, true);
    }

    /// The pod is gone from the API: frees its node and forgets its name.
    pub fn remove_pod(&mut self, pod: PodId, now: SimTime) {
        let p = &mut self.pods[pod];
        if p.deleted.is_some() {
            return;
        }
        p.deleted = Some(now);
        p.ready_since = None;
        let (node, owner) = (p.node, p.owner);
        let requests = p.spec.requests();
        let nonzero = NonZero::of(&p.spec);
        self.pods.forget_name(pod);
        self.index_live(pod, false);
        self.orphans.remove(&pod);
        self.finished_orphans.remove(&pod);
        if node.is_some() {
            self.index_bound(pod, false);
        }
        if let Some(n) = node {
            let node = &mut self.nodes[n];
            if node.pods.remove(&pod) {
                add_resources(&mut node.requested, &requests, -1);
                node.requested_nonzero.add(nonzero, -1);
                for port in self.pods[pod].spec.containers.iter().flat_map(|c| c.host_ports.iter()) {
                    if let Some(count) = node.host_ports.get_mut(port) {
                        *count = count.saturating_sub(1);
                    }
                }
            }
            self.refresh_fit(n);
        }
        match owner {
            Some(PodOwner::ReplicaSet(rs)) => {
                self.replica_sets[rs].pods.remove(&pod);
            }
            Some(PodOwner::DaemonSet(ds)) => {
                self.daemon_sets[ds].pods.remove(&pod);
            }
            Some(PodOwner::StatefulSet(ss)) => {
                self.stateful_sets[ss].pods.retain(|_, p| *p != pod);
            }
            // A Job keeps its gone pods: they were counted (see `Job::pods`).
            Some(PodOwner::Job(_)) | None => {}
        }
    }

    /// A bound pod reached Succeeded or Failed: it stays in the API (and in pods.csv) until
    /// deleted, but no longer holds its node's resources, ports or pod slot, and the label
    /// indexes forget it, as the scheduler's informer filters terminal pods out. Its later
    /// removal (`remove_pod`) finds it released and frees nothing twice.
    pub fn release_finished(&mut self, pod: PodId) {
        let p = &self.pods[pod];
        let Some(node) = p.node else { return };
        let requests = p.spec.requests();
        let nonzero = NonZero::of(&p.spec);
        let ports: Vec<u16> = p.spec.containers.iter().flat_map(|c| c.host_ports.iter().copied()).collect();
        let n = &mut self.nodes[node];
        if !n.pods.remove(&pod) {
            return;
        }
        add_resources(&mut n.requested, &requests, -1);
        n.requested_nonzero.add(nonzero, -1);
        for port in ports {
            if let Some(count) = n.host_ports.get_mut(&port) {
                *count = count.saturating_sub(1);
            }
        }
        self.refresh_fit(node);
        self.index_bound(pod, false);
    }

    /// The nodes (written through `add_node`, `edit_node`, `edit_node_labels`, ...).
    pub fn nodes(&self) -> &Table<NodeId, Node> {
        &self.nodes
    }

    /// Per node, the scheduler's figures, always current with the node.
    pub fn node_fit(&self) -> &[NodeFit] {
        &self.node_fit
    }

    /// Bound pods that carry pod affinity or anti-affinity terms.
    pub fn bound_with_affinity(&self) -> &BTreeSet<PodId> {
        &self.bound_with_affinity
    }

    /// The node lifecycle controller's Ready condition of a node (the scheduler's row does
    /// not hold it: NotReady nodes are kept off by their taints).
    pub fn set_node_ready(&mut self, node: NodeId, ready: bool) {
        self.nodes[node].ready = ready;
    }

    /// The kubelet's image puller on `node` (serialized pulls, as with
    /// `serializeImagePulls: true`) takes a pull of `duration` asked for at `now`: when it
    /// completes. The node then has the image (see `record_pull`).
    pub fn start_pull(
        &mut self,
        node: NodeId,
        image: &str,
        duration: crate::engine::SimDuration,
        now: SimTime,
    ) -> SimTime {
        let n = &mut self.nodes[node];
        let done = now.max(n.puller_free_at) + duration;
        n.puller_free_at = done;
        self.record_pull(node, image, done);
        done
    }

    /// Changes a node's taints, schedulability or readiness through `edit`; its scheduler
    /// row follows (the scheduler never sees a stale one).
    pub fn edit_node<R>(&mut self, node: NodeId, edit: impl FnOnce(&mut Node) -> R) -> R {
        let result = edit(&mut self.nodes[node]);
        self.refresh_fit(node);
        result
    }

    /// Changes a node's labels through `edit`; the label version moves, so caches keyed on
    /// labels (topology, spreading) rebuild.
    pub fn edit_node_labels<R>(&mut self, node: NodeId, edit: impl FnOnce(&mut Labels) -> R) -> R {
        let result = edit(&mut self.nodes[node].labels);
        self.node_labels_version += 1;
        result
    }

    /// Bumped whenever a node is added or its labels change.
    pub fn node_labels_version(&self) -> u64 {
        self.node_labels_version
    }

    /// A pull of `image` on `node` that completes at `done` (the node then has it); the
    /// count of nodes with the image (ImageLocality's spread) follows.
    pub fn record_pull(&mut self, node: NodeId, image: &str, done: SimTime) {
        if self.nodes[node].images.insert(image.to_string(), done).is_none() {
            *self.image_nodes.entry(image.to_string()).or_insert(0) += 1;
        }
    }

    /// How many nodes have `image` or are pulling it.
    pub fn nodes_with_image(&self, image: &str) -> u32 {
        self.image_nodes.get(image).copied().unwrap_or(0)
    }

    /// Recomputes a node's scheduler row after its requests, pods, taints or
    /// schedulability changed: every write method of the store that changes them calls it;
    /// debug builds check the rows the scheduler reads against their nodes.
    fn refresh_fit(&mut self, node: NodeId) {
        if let (Some(row), Some(n)) = (self.node_fit.get_mut(node.index()), self.nodes.get(node.index())) {
            *row = NodeFit { generation: row.generation + 1, ..NodeFit::of(n) };
        }
    }

    /// Adds a bound pod to (or removes it from) the label and affinity indexes.
    /// Adds the pod to (or takes it out of) `live_by_label`.
    fn index_live(&mut self, pod: PodId, add: bool) {
        let p = &self.pods[pod];
        for (k, v) in &p.labels {
            let key = (p.namespace.clone(), k.clone(), v.clone());
            if add {
                self.live_by_label.entry(key).or_default().insert(pod);
            } else if let Some(set) = self.live_by_label.get_mut(&key) {
                set.remove(&pod);
                if set.is_empty() {
                    self.live_by_label.remove(&key);
                }
            }
        }
    }

    fn index_bound(&mut self, pod: PodId, add: bool) {
        let p = &self.pods[pod];
        for (k, v) in &p.labels {
            let key = (p.namespace.clone(), k.clone(), v.clone());
            if add {
                self.bound_by_label.entry(key).or_default().insert(pod);
            } else if let Some(set) = self.bound_by_label.get_mut(&key) {
                set.remove(&pod);
                if set.is_empty() {
                    self.bound_by_label.remove(&key);
                }
            }
        }
        let a = &p.spec.affinity;
        let has_pod_terms = !(a.pod_affinity_required.is_empty()
            && a.pod_affinity_preferred.is_empty()
            && a.pod_anti_affinity_required.is_empty()
            && a.pod_anti_affinity_preferred.is_empty());
        if has_pod_terms {
            if add {
                self.bound_with_affinity.insert(pod);
            } else {
                self.bound_with_affinity.remove(&pod);
            }
        }
    }

    /// Bound, not terminating pods in `namespaces` whose labels `selector` matches. An
    /// empty selector matches every pod, as a label selector `{}` does.
    pub fn bound_pods_matching(&self, namespaces: &[String], selector: &super::spec::Selector) -> Vec<PodId> {
        let mut out = Vec::new();
        for ns in namespaces {
            let mut sets: Vec<&BTreeSet<PodId>> = Vec::with_capacity(selector.match_labels.len());
            let mut none = false;
            for (k, v) in &selector.match_labels {
                match self.bound_by_label.get(&(ns.clone(), k.clone(), v.clone())) {
                    Some(set) => sets.push(set),
                    None => none = true,
                }
            }
            if none {
                continue;
            }
            sets.sort_by_key(|s| s.len());
            // The posting lists are per namespace already; only the expressions need the labels.
            let check = |p: PodId| {
                let pod = &self.pods[p];
                pod.terminating.is_none() && (selector.match_expressions.is_empty() || selector.matches(&pod.labels))
            };
            match sets.split_first() {
                // Intersect the posting lists, smallest first: integer lookups, no label compares.
                Some((first, rest)) => out
                    .extend(first.iter().copied().filter(|p| rest.iter().all(|s| s.contains(p))).filter(|&p| check(p))),
                None => out.extend(
                    self.nodes
                        .iter()
                        .flat_map(|n| n.pods.iter().copied())
                        .filter(|&p| self.pods[p].namespace == *ns && check(p)),
                ),
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Every pod of `namespace` not gone from the API (Pending, bound, terminating or
    /// finished alike) whose labels `selector` matches, in id order: what a pod lister's
    /// `Pods(namespace).List(selector)` returns. It walks the live pods, not the label
    /// index, which holds bound pods only.
    pub fn pods_matching(&self, namespace: &str, selector: &super::spec::Selector) -> Vec<PodId> {
        let matching = |p: &PodId| {
            let pod = &self.pods[*p];
            !pod.is_gone() && pod.namespace == namespace && selector.matches(&pod.labels)
        };
        let mut sets: Vec<&BTreeSet<PodId>> = Vec::with_capacity(selector.match_labels.len());
        for (k, v) in &selector.match_labels {
            match self.live_by_label.get(&(namespace.to_string(), k.clone(), v.clone())) {
                Some(set) => sets.push(set),
                None => return Vec::new(),
            }
        }
        sets.sort_by_key(|s| s.len());
        let mut out: Vec<PodId> = match sets.split_first() {
            // The smallest posting list, checked against the others and the expressions.
            Some((first, rest)) => {
                first.iter().copied().filter(|p| rest.iter().all(|s| s.contains(p))).filter(matching).collect()
            }
            None => self.pods.live().filter(matching).collect(),
        };
        out.sort_unstable();
        out
    }

    /// The object that a pod's row names as its owner: `deployment/web` or `replicaset/x`.
    pub fn owner_ref(&self, pod: &Pod) -> Option<ObjectRef> {
        self.owner_names(pod).map(|(kind, namespace, name)| ObjectRef {
            kind,
            namespace: namespace.to_string(),
            name: name.to_string(),
        })
    }

    /// `owner_ref`'s kind, namespace and name, borrowed (for a row per pod, without copies).
    pub fn owner_names(&self, pod: &Pod) -> Option<(super::spec::Kind, &str, &str)> {
        use super::spec::Kind;
        Some(match pod.owner? {
            PodOwner::Job(j) => {
                let j = &self.jobs[j];
                (Kind::Job, &j.namespace, &j.name)
            }
            PodOwner::DaemonSet(ds) => {
                let ds = &self.daemon_sets[ds];
                (Kind::DaemonSet, &ds.namespace, &ds.name)
            }
            PodOwner::StatefulSet(ss) => {
                let ss = &self.stateful_sets[ss];
                (Kind::StatefulSet, &ss.namespace, &ss.name)
            }
            PodOwner::ReplicaSet(rs) => {
                let rs = &self.replica_sets[rs];
                match rs.owner {
                    Some(d) => {
                        let d = &self.deployments[d];
                        (d.kind(), &d.namespace, &d.name)
                    }
                    None => {
                        let kind = match rs.kind {
                            RsKind::ReplicaSet => Kind::ReplicaSet,
                            RsKind::ReplicationController => Kind::ReplicationController,
                        };
                        (kind, &rs.namespace, &rs.name)
                    }
                }
            }
        })
    }
}

/// CPU and memory requests with the scheduler's defaults for containers that ask for
/// nothing (DefaultMilliCPURequest 100m, DefaultMemoryRequest 200Mi). Scoring uses these
/// so that empty requests still spread; fitting does not.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NonZero {
    pub cpu_millis: i64,
    pub memory_bytes: i64,
}

pub const DEFAULT_MILLI_CPU_REQUEST: i64 = 100;
pub const DEFAULT_MEMORY_REQUEST: i64 = 200 * 1024 * 1024;

impl NonZero {
    pub fn of(spec: &PodSpec) -> NonZero {
        let mut n = NonZero::default();
        for c in &spec.containers {
            let missing = |value: i64, set: bool| value == 0 && !set;
            n.cpu_millis += if missing(c.requests.cpu_millis, c.cpu_request_set) {
                DEFAULT_MILLI_CPU_REQUEST
            } else {
                c.requests.cpu_millis
            };
            n.memory_bytes += if missing(c.requests.memory_bytes, c.memory_request_set) {
                DEFAULT_MEMORY_REQUEST
            } else {
                c.requests.memory_bytes
            };
        }
        n
    }

    pub fn add(&mut self, other: NonZero, sign: i64) {
        self.cpu_millis += sign * other.cpu_millis;
        self.memory_bytes += sign * other.memory_bytes;
    }
}

/// `acc += sign * r`, resource by resource.
pub fn add_resources(acc: &mut Resources, r: &Resources, sign: i64) {
    acc.cpu_millis += sign * r.cpu_millis;
    acc.memory_bytes += sign * r.memory_bytes;
    acc.ephemeral_storage_bytes += sign * r.ephemeral_storage_bytes;
    for (k, v) in &r.extended {
        *acc.extended.entry(k.clone()).or_insert(0) += sign * v;
    }
}

/// Builds the compact template of a Deployment's ReplicaSet: the template plus the
/// `pod-template-hash` label that keeps ReplicaSets of one Deployment apart.
pub fn template_with_hash(template: &PodTemplate, hash: &str) -> Arc<PodTemplate> {
    template_with_label(template, "pod-template-hash", hash)
}

/// The template with `key: hash` added to its labels (`rollouts-pod-template-hash` for a
/// Rollout's ReplicaSets).
pub fn template_with_label(template: &PodTemplate, key: &str, hash: &str) -> Arc<PodTemplate> {
    let mut t = template.clone();
    t.labels.insert(key.to_string(), hash.to_string());
    Arc::new(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::spec::{ContainerSpec, PullPolicy, Resources};

    fn node(name: &str) -> Node {
        Node::for_test(name, 4000, 8 << 30)
    }

    fn pod(name: &str, cpu_millis: i64, app: &str) -> Pod {
        let container = ContainerSpec {
            name: "app".into(),
            image: "app:1".into(),
            pull_policy: PullPolicy::IfNotPresent,
            requests: Resources { cpu_millis, memory_bytes: 1 << 30, ..Resources::default() },
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
        };
        let labels = BTreeMap::from([("app".to_string(), app.to_string())]);
        Pod::new(
            "default",
            name,
            labels,
            Arc::new(PodSpec { containers: vec![container], ..PodSpec::default() }),
            None,
            SimTime::ZERO,
        )
    }

    fn selector(app: &str) -> crate::model::spec::Selector {
        crate::model::spec::Selector {
            match_labels: BTreeMap::from([("app".to_string(), app.to_string())]),
            ..Default::default()
        }
    }

    #[test]
    fn binding_and_removing_pods_keeps_the_node_row_and_the_label_index_current() {
        let mut store = Store::default();
        let n = store.add_node(node("worker-1"));
        let a = store.add_pod(pod("a", 500, "web"));
        let b = store.add_pod(pod("b", 1500, "web"));
        let fit_before = store.node_fit[n.index()];
        store.bind(a, n, SimTime::ZERO);
        store.bind(b, n, SimTime::ZERO);
        let fit = store.node_fit[n.index()];
        assert_eq!(store.nodes[n].requested.cpu_millis, 2000);
        assert_eq!(fit.free_cpu_millis, 2000, "the packed row follows the binds");
        assert_eq!(fit.free_pods, fit_before.free_pods - 2);
        assert_ne!(fit.generation, fit_before.generation, "a remembered score is stale now");
        let namespaces = ["default".to_string()];
        assert_eq!(store.bound_pods_matching(&namespaces, &selector("web")), vec![a, b]);

        store.remove_pod(a, SimTime(1));
        assert_eq!(store.nodes[n].requested.cpu_millis, 1500, "a's requests are freed");
        assert_eq!(store.node_fit[n.index()].free_cpu_millis, 2500);
        assert_eq!(store.bound_pods_matching(&namespaces, &selector("web")), vec![b]);
        assert_eq!(store.find_pod("default", "a"), None, "a gone pod is not found by name");
        assert_eq!(store.find_pod("default", "b"), Some(b));
        assert!(store.pods[a].deleted.is_some(), "its row stays for the record");

        store.remove_pod(a, SimTime(2));
        assert_eq!(store.nodes[n].requested.cpu_millis, 1500, "removing twice frees nothing more");
    }

    #[test]
    fn a_node_is_found_by_name_and_knows_its_own_id() {
        let mut store = Store::default();
        let version = store.node_labels_version;
        let first = store.add_node(node("a"));
        let second = store.add_node(node("b"));
        assert_eq!(
            (store.find_node("a"), store.find_node("b"), store.find_node("c")),
            (Some(first), Some(second), None)
        );
        assert_eq!(store.nodes[second].id, second);
        assert_eq!(store.node_labels_version, version + 2, "topology caches see every new node");
    }

    #[test]
    fn node_writes_go_through_the_store_and_its_indexes_follow() {
        let mut store = Store::default();
        let n = store.add_node(node("worker-1"));
        let before = store.node_fit[n.index()];
        assert!(before.plain);
        store.edit_node(n, |node| node.unschedulable = true);
        assert!(!store.node_fit[n.index()].plain, "a cordoned node is not plain for the one-pass filter");
        assert_ne!(store.node_fit[n.index()].generation, before.generation);

        let version = store.node_labels_version();
        store.edit_node_labels(n, |labels| labels.insert("zone".into(), "a".into()));
        assert_eq!(store.node_labels_version(), version + 1, "topology caches rebuild after a relabel");

        store.record_pull(n, "web:1", SimTime(5));
        store.record_pull(n, "web:1", SimTime(9));
        assert_eq!(store.nodes_with_image("web:1"), 1, "a node counts once per image");
        assert_eq!(store.nodes_with_image("db:1"), 0);
    }
}
