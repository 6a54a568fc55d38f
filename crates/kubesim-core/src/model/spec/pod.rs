//! What the model needs of a pod: its spec (containers, probes, resources, tolerations,
//! affinity, topology spread) and the template workloads stamp pods from (core/v1 PodSpec,
//! PodTemplateSpec).

use super::{Labels, Selector, TaintEffect};
use crate::engine::SimDuration;
use std::collections::BTreeMap;

/// Resource amounts in integer base units.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Resources {
    pub cpu_millis: i64,
    pub memory_bytes: i64,
    pub ephemeral_storage_bytes: i64,
    /// Maximum pods (nodes only; `capacity.pods`).
    pub pods: i64,
    /// Extended resources such as `nvidia.com/gpu`, in whole units.
    pub extended: BTreeMap<String, i64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TolerationOperator {
    Equal,
    Exists,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Toleration {
    /// Empty key with `Exists` tolerates everything.
    pub key: String,
    pub operator: TolerationOperator,
    pub value: String,
    /// None tolerates every effect.
    pub effect: Option<TaintEffect>,
    pub toleration_seconds: Option<i64>,
}

/// A readiness or liveness probe, with Kubernetes' defaults already applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Probe {
    pub initial_delay: SimDuration,
    pub period: SimDuration,
    pub timeout: SimDuration,
    pub success_threshold: u32,
    pub failure_threshold: u32,
}

impl Default for Probe {
    fn default() -> Self {
        Probe {
            initial_delay: SimDuration::ZERO,
            period: SimDuration::from_secs(10),
            timeout: SimDuration::from_secs(1),
            success_threshold: 1,
            failure_threshold: 3,
        }
    }
}

/// A lifecycle hook's action (core/v1 `LifecycleHandler`): what the kubelet runs after a
/// container starts (`postStart`) or before it stops it (`preStop`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LifecycleHandler {
    /// `exec.command`: runs for the image's `postStart` / `preStop` time.
    Exec(Vec<String>),
    /// `httpGet.path`: a request to the app, which takes the image's `postStart` / `preStop`
    /// time and fails if the app does not answer then.
    HttpGet(String),
    /// `sleep.seconds` (PodLifecycleSleepAction, Kubernetes 1.29+).
    Sleep(SimDuration),
    /// `tcpSocket`: the API accepts it for compatibility; the kubelet cannot run it
    /// (pkg/kubelet/lifecycle/handlers.go `Run`: "invalid handler"), so it always fails.
    TcpSocket,
}

/// `lifecycle`: the container's hooks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Lifecycle {
    pub post_start: Option<LifecycleHandler>,
    pub pre_stop: Option<LifecycleHandler>,
}

impl Lifecycle {
    pub fn is_empty(&self) -> bool {
        self.post_start.is_none() && self.pre_stop.is_none()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PullPolicy {
    Always,
    IfNotPresent,
    Never,
}

#[derive(Clone, PartialEq, Eq)]
pub struct ContainerSpec {
    pub name: String,
    pub image: String,
    pub pull_policy: PullPolicy,
    pub requests: Resources,
    pub limits: Resources,
    pub readiness: Option<Probe>,
    pub liveness: Option<Probe>,
    /// `startupProbe`: liveness and readiness wait until it succeeds; its failures kill.
    pub startup: Option<Probe>,
    /// `lifecycle.postStart` / `lifecycle.preStop`.
    pub lifecycle: Lifecycle,
    /// An init container with `restartPolicy: Always`: a native sidecar (KEP-753), which
    /// keeps running beside the app containers and stops after them.
    pub sidecar: bool,
    /// `containerPort`s that are also `hostPort`s (for the NodePorts filter).
    pub host_ports: Vec<u16>,
    /// Whether `requests.cpu` / `requests.memory` were given (an explicit 0 is not missing:
    /// only a missing request gets the scheduler's non-zero default when scoring).
    pub cpu_request_set: bool,
    pub memory_request_set: bool,
    /// `env`: each variable's name and value (`valueFrom` kept as empty), as manifests,
    /// `kubectl set env` and `kubectl patch` write them. Nothing runs in a container, so they
    /// matter only as part of the template: a change is a new revision.
    pub env: Vec<(String, String)>,
}

/// As `derive(Debug)` would print it, but without `env`, `startup`, `lifecycle` and
/// `sidecar` when they are empty: the pod template hash is a hash of this text
/// (`controllers/deployment/util.rs`), and templates without them keep the names they had
/// before kubesim kept them.
impl std::fmt::Debug for ContainerSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("ContainerSpec");
        d.field("name", &self.name)
            .field("image", &self.image)
            .field("pull_policy", &self.pull_policy)
            .field("requests", &self.requests)
            .field("limits", &self.limits)
            .field("readiness", &self.readiness)
            .field("liveness", &self.liveness)
            .field("host_ports", &self.host_ports)
            .field("cpu_request_set", &self.cpu_request_set)
            .field("memory_request_set", &self.memory_request_set);
        if !self.env.is_empty() {
            d.field("env", &self.env);
        }
        if self.startup.is_some() {
            d.field("startup", &self.startup);
        }
        if !self.lifecycle.is_empty() {
            d.field("lifecycle", &self.lifecycle);
        }
        if self.sidecar {
            d.field("sidecar", &self.sidecar);
        }
        d.finish()
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RestartPolicy {
    #[default]
    Always,
    OnFailure,
    Never,
}

/// What the model needs of a pod's spec.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct PodSpec {
    pub containers: Vec<ContainerSpec>,
    pub init_containers: Vec<ContainerSpec>,
    pub restart_policy: RestartPolicy,
    pub termination_grace: SimDuration,
    pub node_selector: Labels,
    /// `spec.nodeName`: bypasses the scheduler.
    pub node_name: Option<String>,
    pub tolerations: Vec<Toleration>,
    pub priority_class_name: Option<String>,
    /// Resolved from the PriorityClass (or the globalDefault one); 0 without.
    pub priority: i32,
    pub preemption_policy: PreemptionPolicy,
    pub affinity: Affinity,
    pub topology_spread: Vec<TopologySpreadConstraint>,
    /// The pod has an `emptyDir` volume (kubectl drain needs `--delete-emptydir-data`).
    pub has_empty_dir: bool,
    /// The PersistentVolumeClaims its volumes name (`persistentVolumeClaim.claimName`), in
    /// the pod's namespace: the pod is scheduled only where they can be, and its containers
    /// start only once they are bound.
    pub claims: Vec<String>,
    /// `spec.schedulerName` when it is not `default-scheduler`: the scheduler profile that
    /// schedules the pod (None: the default scheduler's).
    pub scheduler_name: Option<String>,
}

/// As `derive(Debug)` would print it, but without `claims` when there are none and
/// `scheduler_name` when it is the default: the pod
/// template hash is a hash of this text (`controllers/deployment/util.rs`), and templates
/// without claims keep the names they had before kubesim read them.
impl std::fmt::Debug for PodSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("PodSpec");
        d.field("containers", &self.containers)
            .field("init_containers", &self.init_containers)
            .field("restart_policy", &self.restart_policy)
            .field("termination_grace", &self.termination_grace)
            .field("node_selector", &self.node_selector)
            .field("node_name", &self.node_name)
            .field("tolerations", &self.tolerations)
            .field("priority_class_name", &self.priority_class_name)
            .field("priority", &self.priority)
            .field("preemption_policy", &self.preemption_policy)
            .field("affinity", &self.affinity)
            .field("topology_spread", &self.topology_spread)
            .field("has_empty_dir", &self.has_empty_dir);
        if !self.claims.is_empty() {
            d.field("claims", &self.claims);
        }
        if let Some(name) = &self.scheduler_name {
            d.field("scheduler_name", name);
        }
        d.finish()
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PreemptionPolicy {
    #[default]
    PreemptLowerPriority,
    Never,
}

/// Node selector operators (NodeSelectorRequirement): label selector operators plus Gt / Lt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeSelectorOperator {
    In,
    NotIn,
    Exists,
    DoesNotExist,
    Gt,
    Lt,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeSelectorRequirement {
    pub key: String,
    pub operator: NodeSelectorOperator,
    pub values: Vec<String>,
}

/// One node selector term: every expression (on labels) and field (only `metadata.name`)
/// must match. Terms are ORed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NodeSelectorTerm {
    pub match_expressions: Vec<NodeSelectorRequirement>,
    /// `matchFields` on `metadata.name`.
    pub match_fields: Vec<NodeSelectorRequirement>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreferredSchedulingTerm {
    pub weight: i32,
    pub preference: NodeSelectorTerm,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodAffinityTerm {
    pub selector: Selector,
    /// Empty means the pod's own namespace.
    pub namespaces: Vec<String>,
    pub topology_key: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WeightedPodAffinityTerm {
    pub weight: i32,
    pub term: PodAffinityTerm,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Affinity {
    /// requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms (None: no requirement).
    pub node_required: Option<Vec<NodeSelectorTerm>>,
    pub node_preferred: Vec<PreferredSchedulingTerm>,
    pub pod_affinity_required: Vec<PodAffinityTerm>,
    pub pod_affinity_preferred: Vec<WeightedPodAffinityTerm>,
    pub pod_anti_affinity_required: Vec<PodAffinityTerm>,
    pub pod_anti_affinity_preferred: Vec<WeightedPodAffinityTerm>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum WhenUnsatisfiable {
    #[default]
    DoNotSchedule,
    ScheduleAnyway,
}

/// `nodeAffinityPolicy` / `nodeTaintsPolicy` of a topology spread constraint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InclusionPolicy {
    Honor,
    Ignore,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopologySpreadConstraint {
    pub max_skew: i32,
    pub topology_key: String,
    pub when_unsatisfiable: WhenUnsatisfiable,
    /// With `matchLabelKeys` already merged in (values taken from the pod's labels).
    pub selector: Selector,
    pub min_domains: Option<i32>,
    /// `matchLabelKeys` as written: keys whose values come from the pod's own labels when
    /// it is scheduled (so `pod-template-hash`, which only pods carry, works).
    pub match_label_keys: Vec<String>,
    /// Default Honor.
    pub node_affinity_policy: InclusionPolicy,
    /// Default Ignore.
    pub node_taints_policy: InclusionPolicy,
}

impl PodSpec {
    /// Container `index`, counting init containers first, then app containers (the
    /// kubelet's timers carry this index).
    pub fn container_at(&self, index: usize) -> Option<&ContainerSpec> {
        match index.checked_sub(self.init_containers.len()) {
            None => self.init_containers.get(index),
            Some(i) => self.containers.get(i),
        }
    }

    /// The pod's effective request: the sum over app containers, or the largest init
    /// container's if that is larger (per resource), as the scheduler computes it.
    pub fn requests(&self) -> Resources {
        let mut r = Resources::default();
        for c in &self.containers {
            r.cpu_millis += c.requests.cpu_millis;
            r.memory_bytes += c.requests.memory_bytes;
            r.ephemeral_storage_bytes += c.requests.ephemeral_storage_bytes;
            for (k, v) in &c.requests.extended {
                *r.extended.entry(k.clone()).or_insert(0) += v;
            }
        }
        for c in &self.init_containers {
            r.cpu_millis = r.cpu_millis.max(c.requests.cpu_millis);
            r.memory_bytes = r.memory_bytes.max(c.requests.memory_bytes);
            r.ephemeral_storage_bytes = r.ephemeral_storage_bytes.max(c.requests.ephemeral_storage_bytes);
            for (k, v) in &c.requests.extended {
                let e = r.extended.entry(k.clone()).or_insert(0);
                *e = (*e).max(*v);
            }
        }
        r
    }
}

/// A pod template: labels, annotations and spec.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PodTemplate {
    pub labels: Labels,
    pub annotations: Labels,
    pub spec: PodSpec,
}
