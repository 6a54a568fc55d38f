//! Compact, validated specs: what the scenario loader hands to the model.
//!
//! Kubernetes objects are parsed with k8s-openapi, checked, and converted into these small
//! structs once, so that the hot loop never touches YAML, strings of quantities or
//! optional-everything API types.

use crate::engine::{SimDuration, SimTime};
use crate::traffic::{ArrivalProcess, ProxyMode, RateProfile, ServiceTime};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The timeline's kubectl commands; each verb's grammar, check and effect are in
/// [`crate::kubectl`].
pub use crate::kubectl::{DrainSpec, ExposeSpec, KubectlCommand};

/// Labels and selectors keep a stable order (BTreeMap) for deterministic output.
pub type Labels = BTreeMap<String, String>;

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

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TaintEffect {
    NoSchedule,
    PreferNoSchedule,
    NoExecute,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Taint {
    pub key: String,
    pub value: String,
    pub effect: TaintEffect,
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

/// A label selector: `matchLabels` plus `matchExpressions`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selector {
    pub match_labels: Labels,
    pub match_expressions: Vec<SelectorRequirement>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SelectorRequirement {
    pub key: String,
    pub operator: SelectorOperator,
    pub values: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SelectorOperator {
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

impl Selector {
    pub fn matches(&self, labels: &Labels) -> bool {
        self.match_labels.iter().all(|(k, v)| labels.get(k) == Some(v))
            && self.match_expressions.iter().all(|r| {
                let v = labels.get(&r.key);
                match r.operator {
                    SelectorOperator::In => v.is_some_and(|v| r.values.contains(v)),
                    SelectorOperator::NotIn => !v.is_some_and(|v| r.values.contains(v)),
                    SelectorOperator::Exists => v.is_some(),
                    SelectorOperator::DoesNotExist => v.is_none(),
                }
            })
    }

    /// An empty selector matches nothing for workload controllers (Kubernetes rejects it).
    pub fn is_empty(&self) -> bool {
        self.match_labels.is_empty() && self.match_expressions.is_empty()
    }
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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PullPolicy {
    Always,
    IfNotPresent,
    Never,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContainerSpec {
    pub name: String,
    pub image: String,
    pub pull_policy: PullPolicy,
    pub requests: Resources,
    pub limits: Resources,
    pub readiness: Option<Probe>,
    pub liveness: Option<Probe>,
    /// `containerPort`s that are also `hostPort`s (for the NodePorts filter).
    pub host_ports: Vec<u16>,
    /// Whether `requests.cpu` / `requests.memory` were given (an explicit 0 is not missing:
    /// only a missing request gets the scheduler's non-zero default when scoring).
    pub cpu_request_set: bool,
    pub memory_request_set: bool,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RestartPolicy {
    #[default]
    Always,
    OnFailure,
    Never,
}

/// What the model needs of a pod's spec.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
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

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IntOrPercent {
    Int(i32),
    Percent(i32),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeploymentStrategy {
    RollingUpdate { max_surge: IntOrPercent, max_unavailable: IntOrPercent },
    Recreate,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeploymentSpec {
    pub replicas: i32,
    pub selector: Selector,
    pub template: Arc<PodTemplate>,
    pub strategy: DeploymentStrategy,
    pub min_ready_seconds: i32,
    pub revision_history_limit: i32,
    pub progress_deadline_seconds: i32,
    pub paused: bool,
}

/// An Argo Rollouts `Rollout` (argoproj.io/v1alpha1): a Deployment-shaped workload
/// (`workload`'s strategy is unused) with a canary or blue-green strategy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RolloutSpec {
    pub workload: DeploymentSpec,
    pub strategy: RolloutStrategy,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RolloutStrategy {
    Canary(CanarySpec),
    BlueGreen(BlueGreenSpec),
}

/// `spec.strategy.canary`, with Argo's defaults applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CanarySpec {
    pub steps: Vec<CanaryStep>,
    /// Default 25% / 25% (Argo's defaults.DefaultMaxSurge and DefaultMaxUnavailable).
    pub max_surge: IntOrPercent,
    pub max_unavailable: IntOrPercent,
    pub canary_service: Option<String>,
    pub stable_service: Option<String>,
    /// `trafficRouting.nginx.stableIngress`: weights set on a generated canary Ingress.
    pub stable_ingress: Option<String>,
    /// Seconds the old stable stays scaled up after a traffic-routed promotion (default 30).
    pub scale_down_delay_seconds: i32,
}

/// One canary step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CanaryStep {
    SetWeight(i32),
    /// `pause: {duration: ...}`, or `pause: {}` (None: until promoted). The text is the
    /// duration as written, for events.
    Pause(Option<(SimDuration, String)>),
    SetCanaryScale {
        replicas: Option<i32>,
        weight: Option<i32>,
        match_traffic_weight: bool,
    },
}

/// `spec.strategy.blueGreen`, with Argo's defaults applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlueGreenSpec {
    pub active_service: String,
    pub preview_service: Option<String>,
    /// Default true.
    pub auto_promotion_enabled: bool,
    /// Seconds the new ReplicaSet waits, Ready, before promotion (0: at once).
    pub auto_promotion_seconds: i32,
    /// Default 30.
    pub scale_down_delay_seconds: i32,
}

/// ReplicaSet and ReplicationController share one model: a count of pods from a template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplicaSetSpec {
    pub replicas: i32,
    pub selector: Selector,
    pub template: Arc<PodTemplate>,
    pub min_ready_seconds: i32,
}

/// A batch/v1 Job, with Kubernetes' defaults applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobSpec {
    pub template: Arc<PodTemplate>,
    /// None: a work queue (done when any pod succeeds).
    pub completions: Option<i32>,
    /// Default 1.
    pub parallelism: i32,
    /// Default 6.
    pub backoff_limit: i32,
    /// `completionMode: Indexed`.
    pub indexed: bool,
    pub active_deadline_seconds: Option<i64>,
    pub ttl_seconds_after_finished: Option<i32>,
}

/// How a DaemonSet replaces its pods when the template changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DaemonSetStrategy {
    /// Defaults: maxUnavailable 1, maxSurge 0.
    RollingUpdate { max_surge: IntOrPercent, max_unavailable: IntOrPercent },
    /// Old pods stay until someone deletes them.
    OnDelete,
}

/// An apps/v1 DaemonSet, with Kubernetes' defaults applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DaemonSetSpec {
    pub selector: Selector,
    pub template: Arc<PodTemplate>,
    pub strategy: DaemonSetStrategy,
    pub min_ready_seconds: i32,
}

/// An apps/v1 StatefulSet, with Kubernetes' defaults applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatefulSetSpec {
    pub replicas: i32,
    pub selector: Selector,
    pub template: Arc<PodTemplate>,
    /// `podManagementPolicy: OrderedReady` (the default) rather than `Parallel`.
    pub ordered: bool,
    /// `updateStrategy` RollingUpdate with this `partition` (default 0); None: OnDelete.
    pub rolling_partition: Option<i32>,
    pub min_ready_seconds: i32,
}

/// What an HPA scales: a Deployment, StatefulSet or ReplicaSet in the HPA's namespace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScaleTargetRef {
    pub kind: Kind,
    pub name: String,
}

/// A resource an HPA can measure, as metrics-server reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HpaResource {
    Cpu,
    Memory,
}

impl HpaResource {
    pub fn name(self) -> &'static str {
        match self {
            HpaResource::Cpu => "cpu",
            HpaResource::Memory => "memory",
        }
    }
}

/// A `Resource` metric's target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResourceTarget {
    /// `averageUtilization`: percent of the pods' requests.
    Utilization(i32),
    /// `averageValue`, in thousandths (millicores, millibytes) as Kubernetes' MilliValue.
    AverageValue(i64),
}

/// The `Pods` metric names kubesim computes, all the same thing: requests served per
/// second per pod (over metrics-server's window).
pub const REQUEST_RATE_METRICS: &[&str] =
    &["requests_per_second", "requests-per-second", "http_requests_per_second", "http_requests"];

/// One entry of an HPA's `spec.metrics`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HpaMetric {
    Resource {
        resource: HpaResource,
        target: ResourceTarget,
    },
    /// A `Pods` metric kubesim computes from the served requests (requests per second per
    /// pod); `average_milli` is the `averageValue` target in thousandths.
    Pods {
        name: String,
        average_milli: i64,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScalingPolicyType {
    Pods,
    Percent,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScalingPolicy {
    pub kind: ScalingPolicyType,
    pub value: i32,
    pub period_seconds: i32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SelectPolicy {
    Max,
    Min,
    Disabled,
}

/// `behavior.scaleUp` or `behavior.scaleDown`, with Kubernetes' defaults filled in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScalingRules {
    /// None: the controller's `--horizontal-pod-autoscaler-downscale-stabilization` (scale
    /// down only; scale up defaults to 0).
    pub stabilization_window_seconds: Option<i32>,
    pub select_policy: SelectPolicy,
    pub policies: Vec<ScalingPolicy>,
}

impl ScalingRules {
    /// scaleUp's defaults (GenerateHPAScaleUpRules): no stabilisation, the larger of +100%
    /// and +4 pods every 15s.
    pub fn default_scale_up() -> Self {
        ScalingRules {
            stabilization_window_seconds: Some(0),
            select_policy: SelectPolicy::Max,
            policies: vec![
                ScalingPolicy { kind: ScalingPolicyType::Percent, value: 100, period_seconds: 15 },
                ScalingPolicy { kind: ScalingPolicyType::Pods, value: 4, period_seconds: 15 },
            ],
        }
    }

    /// scaleDown's defaults (GenerateHPAScaleDownRules): the controller's window (300s),
    /// up to 100% every 15s.
    pub fn default_scale_down() -> Self {
        ScalingRules {
            stabilization_window_seconds: None,
            select_policy: SelectPolicy::Max,
            policies: vec![ScalingPolicy { kind: ScalingPolicyType::Percent, value: 100, period_seconds: 15 }],
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HpaBehavior {
    pub scale_up: ScalingRules,
    pub scale_down: ScalingRules,
}

/// An autoscaling/v2 HorizontalPodAutoscaler (v1 converted), with defaults applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HpaSpec {
    pub target: ScaleTargetRef,
    /// Default 1.
    pub min_replicas: i32,
    pub max_replicas: i32,
    /// Default: cpu at 80% utilisation.
    pub metrics: Vec<HpaMetric>,
    /// None: the controller's normalisation without behavior (scale up at most to
    /// max(2 x current, 4), scale down after the stabilisation window), as in Kubernetes.
    pub behavior: Option<HpaBehavior>,
}

/// Object identity: kind, namespace and name, as in `default/web-5d8f-x2k9q`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectRef {
    pub kind: Kind,
    pub namespace: String,
    pub name: String,
}

impl std::fmt::Display for ObjectRef {
    /// `deployment/web`, as kubectl names it (the namespace is shown only when not default).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.kind.namespaced() && self.namespace != "default" {
            write!(f, "{}/{}/{}", self.namespace, self.kind.resource(), self.name)
        } else {
            write!(f, "{}/{}", self.kind.resource(), self.name)
        }
    }
}

/// Kinds kubesim knows. Those not yet simulated are parsed and validated, then ignored with
/// a warning.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Namespace,
    Node,
    Pod,
    ReplicaSet,
    ReplicationController,
    Deployment,
    Service,
    Ingress,
    DaemonSet,
    StatefulSet,
    Job,
    HorizontalPodAutoscaler,
    PodDisruptionBudget,
    PriorityClass,
    ConfigMap,
    Secret,
    ServiceAccount,
    Rollout,
}

impl Kind {
    /// The lowercase singular resource name kubectl uses: `deployment`.
    pub fn resource(self) -> &'static str {
        match self {
            Kind::Namespace => "namespace",
            Kind::Node => "node",
            Kind::Pod => "pod",
            Kind::ReplicaSet => "replicaset",
            Kind::ReplicationController => "replicationcontroller",
            Kind::Deployment => "deployment",
            Kind::Service => "service",
            Kind::Ingress => "ingress",
            Kind::DaemonSet => "daemonset",
            Kind::StatefulSet => "statefulset",
            Kind::Job => "job",
            Kind::HorizontalPodAutoscaler => "horizontalpodautoscaler",
            Kind::PodDisruptionBudget => "poddisruptionbudget",
            Kind::PriorityClass => "priorityclass",
            Kind::ConfigMap => "configmap",
            Kind::Secret => "secret",
            Kind::ServiceAccount => "serviceaccount",
            Kind::Rollout => "rollout",
        }
    }

    pub fn namespaced(self) -> bool {
        !matches!(self, Kind::Namespace | Kind::Node | Kind::PriorityClass)
    }
}

/// One Kubernetes object from the scenario, converted.
#[derive(Clone, Debug, PartialEq)]
pub enum ObjectSpec {
    Namespace,
    Pod {
        labels: Labels,
        annotations: Labels,
        spec: Arc<PodSpec>,
    },
    ReplicaSet {
        labels: Labels,
        spec: ReplicaSetSpec,
    },
    ReplicationController {
        labels: Labels,
        spec: ReplicaSetSpec,
    },
    Deployment {
        labels: Labels,
        annotations: Labels,
        spec: DeploymentSpec,
    },
    Job {
        labels: Labels,
        spec: JobSpec,
    },
    DaemonSet {
        labels: Labels,
        spec: DaemonSetSpec,
    },
    StatefulSet {
        labels: Labels,
        spec: StatefulSetSpec,
    },
    PriorityClass {
        value: i32,
        global_default: bool,
        preemption_policy: PreemptionPolicy,
    },
    PodDisruptionBudget {
        selector: Selector,
        /// Exactly one of minAvailable / maxUnavailable.
        min_available: Option<IntOrPercent>,
        max_unavailable: Option<IntOrPercent>,
    },
    Service {
        labels: Labels,
        spec: ServiceSpec,
    },
    Ingress {
        labels: Labels,
        spec: IngressSpec,
    },
    HorizontalPodAutoscaler {
        spec: HpaSpec,
    },
    Rollout {
        labels: Labels,
        spec: RolloutSpec,
    },
    /// A kind that is parsed and validated but not simulated yet (listed in a warning).
    NotSimulated,
}

/// `spec.type` of a Service. All share one data path in the model: kube-proxy balancing
/// over the Service's endpoints.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ServiceType {
    #[default]
    ClusterIP,
    NodePort,
    LoadBalancer,
    /// An ExternalName Service has no endpoints; traffic to it fails.
    ExternalName,
}

/// A Service's `targetPort`: a number, or the name of a container port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TargetPort {
    Number(i32),
    Name(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServicePort {
    pub name: Option<String>,
    pub port: i32,
    /// Defaults to `port`, as the API server does.
    pub target_port: TargetPort,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ServiceSpec {
    pub service_type: ServiceType,
    /// `spec.selector`; None for a Service without a selector (its endpoints are managed by
    /// hand, so in kubesim it has none).
    pub selector: Option<Labels>,
    pub ports: Vec<ServicePort>,
}

/// An Ingress path's `pathType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathType {
    Prefix,
    Exact,
    /// ingress-nginx treats it as a prefix.
    ImplementationSpecific,
}

/// Which port of the backend Service: by number or by name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BackendPort {
    Number(i32),
    Name(String),
}

/// An Ingress backend: a Service in the Ingress's namespace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IngressBackend {
    pub service: String,
    pub port: Option<BackendPort>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IngressPath {
    /// `/` when omitted (ImplementationSpecific).
    pub path: String,
    pub path_type: PathType,
    pub backend: IngressBackend,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IngressRule {
    /// None: every host.
    pub host: Option<String>,
    pub paths: Vec<IngressPath>,
}

/// ingress-nginx canary annotations of an Ingress that has `canary: "true"`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CanaryAnnotations {
    /// `canary-weight` (default 0).
    pub weight: u32,
    /// `canary-weight-total` (default 100).
    pub weight_total: u32,
    /// `canary-by-header`: requests with this header set to `always` go to the canary.
    pub by_header: Option<String>,
}

/// An Ingress (networking.k8s.io/v1, or the beta form converted to it).
#[derive(Clone, Debug, PartialEq)]
pub struct IngressSpec {
    /// `spec.ingressClassName` or the `kubernetes.io/ingress.class` annotation.
    pub class: Option<String>,
    pub default_backend: Option<IngressBackend>,
    pub rules: Vec<IngressRule>,
    /// Set when the Ingress is an ingress-nginx canary (annotation `canary: "true"`).
    pub canary: Option<CanaryAnnotations>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Object {
    pub id: ObjectRef,
    pub spec: ObjectSpec,
}

/// How one container image behaves: what a manifest cannot say.
#[derive(Clone, Debug, PartialEq)]
pub struct ImageBehavior {
    /// Time to pull the image onto a node (serialised per node).
    pub pull: SimDuration,
    /// Time from container creation to the process running.
    pub start: SimDuration,
    /// Time from start until the app answers its probes.
    pub ready_after: SimDuration,
    /// Time the process takes to exit after SIGTERM (killed at the grace period if longer).
    pub stop: SimDuration,
    /// Probability that a start fails (the container exits at once).
    pub crash_on_start: f64,
    /// Requests served at once; further requests queue.
    pub concurrency: u32,
    /// Requests waiting for a worker before new ones are refused (`queue`).
    pub queue: u32,
    /// Time to serve one request (`serviceTime`: a duration, or a distribution).
    pub service_time: ServiceTime,
    /// Image size, for the scheduler's ImageLocality score.
    pub size_bytes: i64,
    /// `crashAfter`: how long the process runs before it exits with an error (drawn anew at
    /// every start); None: it runs until stopped.
    pub crash_after: Option<ServiceTime>,
    /// `livenessFailAfter`: how long after start the app stops answering its liveness probe
    /// (a hang); None: it keeps answering.
    pub liveness_fail_after: Option<ServiceTime>,
    /// `memoryUsage`: the working set the process reaches once started; above the
    /// container's memory limit it is OOMKilled (exit 137).
    pub memory_usage_bytes: Option<i64>,
    /// `runFor`: how long the process works before it exits 0 (drawn anew at every start),
    /// as a batch job's does; None: it runs until stopped.
    pub run_for: Option<ServiceTime>,
    /// `cpuPerRequest`: CPU time one served request costs, in nano-core-seconds (`20m`
    /// means 0.02 core-seconds, 20 ms of one core). Turns served requests into CPU usage.
    pub cpu_per_request_nanos: i64,
    /// `cpuIdle`: CPU the container uses with no requests, in nanocores (`5m`).
    pub cpu_idle_nanos: i64,
}

impl Default for ImageBehavior {
    /// Defaults for an image the scenario does not list (documented in the README).
    fn default() -> Self {
        ImageBehavior {
            pull: SimDuration::from_secs(5),
            start: SimDuration::from_secs(1),
            ready_after: SimDuration::ZERO,
            stop: SimDuration::from_secs(1),
            crash_on_start: 0.0,
            concurrency: 100,
            queue: crate::traffic::server::DEFAULT_QUEUE_CAPACITY as u32,
            service_time: ServiceTime::Fixed(SimDuration::from_millis(10)),
            size_bytes: 100 * 1024 * 1024,
            crash_after: None,
            liveness_fail_after: None,
            memory_usage_bytes: None,
            run_for: None,
            cpu_per_request_nanos: 0,
            cpu_idle_nanos: 0,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct NodeGroup {
    /// Node name, or the prefix of `name-1 .. name-N` when `count` > 1.
    pub name: String,
    pub count: u32,
    pub capacity: Resources,
    pub labels: Labels,
    pub taints: Vec<Taint>,
}

/// Timings of the control plane and kubelets (Kubernetes' defaults unless overridden).
#[derive(Clone, Debug, PartialEq)]
pub struct ControlPlane {
    /// Latency of an API write reaching the watchers.
    pub api_latency: SimDuration,
    pub node_monitor_grace_period: SimDuration,
    pub default_toleration_seconds: i64,
    /// Delay before an unschedulable pod is retried in any case.
    pub pod_max_in_unschedulable_pods_duration: SimDuration,
    pub pod_initial_backoff: SimDuration,
    pub pod_max_backoff: SimDuration,
    /// Kubelet: creating the pod sandbox before the first pull.
    pub sandbox_creation: SimDuration,
    /// How long an EndpointSlice change takes to reach kube-proxy and ingress-nginx
    /// (`endpointPropagation`).
    pub endpoint_propagation: SimDuration,
    /// kube-proxy's mode (`proxyMode: iptables | ipvs`).
    pub proxy_mode: ProxyMode,
    /// Kubelet: how often a node reports its status and renews its Lease
    /// (`nodeStatusUpdateFrequency`, 10s).
    pub node_status_update_frequency: SimDuration,
    /// Node lifecycle controller: how often it checks the nodes (`nodeMonitorPeriod`, 5s).
    pub node_monitor_period: SimDuration,
    /// Nodes evicted from per second in a healthy zone (`nodeEvictionRate`, 0.1).
    pub node_eviction_rate: f64,
    /// ... in an unhealthy zone of a large cluster (`secondaryNodeEvictionRate`, 0.01).
    pub secondary_node_eviction_rate: f64,
    /// Clusters of at most this many nodes stop evicting in an unhealthy zone
    /// (`largeClusterSizeThreshold`, 50).
    pub large_cluster_size_threshold: u32,
    /// A zone with at least this share of nodes not ready (and at least 3) is unhealthy
    /// (`unhealthyZoneThreshold`, 0.55).
    pub unhealthy_zone_threshold: f64,
    /// HPA controller: how often each HPA is reconciled
    /// (`--horizontal-pod-autoscaler-sync-period`, 15s).
    pub hpa_sync_period: SimDuration,
    /// ... the ratio band within which it does not scale (`--horizontal-pod-autoscaler-tolerance`, 0.1).
    pub hpa_tolerance: f64,
    /// ... the scale-down stabilisation window (`--horizontal-pod-autoscaler-downscale-stabilization`, 5m).
    pub hpa_downscale_stabilization: SimDuration,
    /// ... CPU samples of pods younger than this are distrusted
    /// (`--horizontal-pod-autoscaler-cpu-initialization-period`, 5m).
    pub hpa_cpu_initialization_period: SimDuration,
    /// ... an unready pod that turned unready within this of its start was never ready
    /// (`--horizontal-pod-autoscaler-initial-readiness-delay`, 30s).
    pub hpa_initial_readiness_delay: SimDuration,
    /// metrics-server: how often it scrapes the kubelets, and so the window over which a
    /// pod's CPU use is averaged (`--metric-resolution`, 15s).
    pub metrics_resolution: SimDuration,
}

impl Default for ControlPlane {
    fn default() -> Self {
        ControlPlane {
            api_latency: SimDuration::from_millis(10),
            node_monitor_grace_period: SimDuration::from_secs(50),
            default_toleration_seconds: 300,
            pod_max_in_unschedulable_pods_duration: SimDuration::from_secs(300),
            pod_initial_backoff: SimDuration::from_secs(1),
            pod_max_backoff: SimDuration::from_secs(10),
            sandbox_creation: SimDuration::from_millis(500),
            endpoint_propagation: SimDuration::from_secs(1),
            proxy_mode: ProxyMode::Iptables,
            node_status_update_frequency: SimDuration::from_secs(10),
            node_monitor_period: SimDuration::from_secs(5),
            node_eviction_rate: 0.1,
            secondary_node_eviction_rate: 0.01,
            large_cluster_size_threshold: 50,
            unhealthy_zone_threshold: 0.55,
            hpa_sync_period: SimDuration::from_secs(15),
            hpa_tolerance: 0.1,
            hpa_downscale_stabilization: SimDuration::from_secs(300),
            hpa_cpu_initialization_period: SimDuration::from_secs(300),
            hpa_initial_readiness_delay: SimDuration::from_secs(30),
            metrics_resolution: SimDuration::from_secs(15),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScaleTarget {
    Deployment,
    ReplicaSet,
    ReplicationController,
}

/// What a node fault entry names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultTarget {
    /// `node/NAME`.
    Node(String),
    /// `zone/NAME`: every node whose `topology.kubernetes.io/zone` label is NAME.
    Zone(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeFaultKind {
    /// `fail:` the node crashes: its kubelet stops and its containers with it.
    Fail,
    /// `partition:` the node loses the API server: its pods keep running (and serving),
    /// but it sends no heartbeats and hears nothing.
    Partition,
    /// `recover:` the node is back (rebooted after a crash, reconnected after a partition).
    Recover,
}

/// `fail: node/NAME`, `partition: zone/NAME`, `recover: node/NAME` on the timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeFault {
    pub kind: NodeFaultKind,
    pub target: FaultTarget,
}

/// What a timeline entry does.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// `run: kubectl ...`.
    Kubectl(KubectlCommand),
    /// `fail:`, `partition:` or `recover:`.
    Fault(NodeFault),
}

/// Random failures (`faults:`), drawn from the Faults stream: every variant of a sweep with
/// the same seed sees the same failures at the same times.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FaultsSpec {
    /// Node crashes, per node group (or for all nodes).
    pub nodes: Vec<NodeFaultProcess>,
    /// Container crashes.
    pub containers: Vec<ContainerFaultProcess>,
}

/// Each node (of `group`, or every node) crashes after an exponential time of mean `mtbf`
/// and recovers after an exponential time of mean `mttr`.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeFaultProcess {
    /// A `cluster.nodes[].name`; None: every node.
    pub group: Option<String>,
    pub mtbf: SimDuration,
    pub mttr: SimDuration,
}

/// Each running container (of pods on nodes of `group`, or everywhere) crashes after an
/// exponential time of mean `mtbf` from its start.
#[derive(Clone, Debug, PartialEq)]
pub struct ContainerFaultProcess {
    pub group: Option<String>,
    pub mtbf: SimDuration,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TimelineEntry {
    pub at: SimTime,
    /// The line as the user wrote it, for events and narration.
    pub text: String,
    pub action: Action,
}

impl TimelineEntry {
    /// The kubectl command of a `run:` entry.
    pub fn kubectl(&self) -> Option<&KubectlCommand> {
        match &self.action {
            Action::Kubectl(c) => Some(c),
            Action::Fault(_) => None,
        }
    }
}

/// A validated scenario, ready to run.
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    pub seed: u64,
    pub duration: SimDuration,
    pub sample: SimDuration,
    pub nodes: Vec<NodeGroup>,
    pub control_plane: ControlPlane,
    pub scoring: ScoringStrategy,
    /// Image name (as written in manifests) -> behaviour. Unlisted images use the default.
    pub images: BTreeMap<String, ImageBehavior>,
    pub objects: Vec<Object>,
    pub timeline: Vec<TimelineEntry>,
    /// The `traffic:` sources, in file order.
    pub traffic: Vec<TrafficSpec>,
    /// The `faults:` section.
    pub faults: FaultsSpec,
    /// The `sweep:` section (variants x seeds), for `kubesim sweep`; `kubesim run` ignores it.
    pub sweep: Option<SweepSpec>,
}

/// The `sweep:` section: every variant runs with every seed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SweepSpec {
    /// In order: `seeds: N` means 1..=N.
    pub seeds: Vec<u64>,
    /// In file order; the first is the baseline of the paired comparison.
    pub variants: Vec<Variant>,
}

/// One variant of a sweep: a name (its output folder) and field overrides, as `--set`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Variant {
    pub name: String,
    /// (path, value as YAML text) in file order; `path=value` is the `--set` argument.
    pub set: Vec<(String, String)>,
}

impl Variant {
    /// The variant's overrides as `--set` arguments: `deployment/web.spec.replicas=3`.
    pub fn set_args(&self) -> Vec<String> {
        self.set.iter().map(|(path, value)| format!("{path}={value}")).collect()
    }
}

/// Where a traffic source sends its requests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TrafficTarget {
    /// `service/NAME` (namespace `default` unless the source gives `namespace:`).
    Service { namespace: String, name: String },
    /// `ingress/NAME`: the Ingress's rules route by `host` and `path`; canary Ingresses
    /// for the same host and path split the traffic.
    Ingress { namespace: String, name: String },
}

/// One `traffic:` entry.
#[derive(Clone, Debug, PartialEq)]
pub struct TrafficSpec {
    pub target: TrafficTarget,
    /// Request path (default `/`).
    pub path: String,
    /// `Host` header; None matches rules without a host only.
    pub host: Option<String>,
    /// `rate: 200/s`, or `steps:` / `diurnal:`.
    pub rate: RateProfile,
    pub arrival: ArrivalProcess,
    /// The client gives up after this long (`timeout`, default 30s).
    pub timeout: SimDuration,
    /// `canaryHeaderShare`: the share (0..=1) of requests carrying a canary header set to
    /// `always`, for Ingresses with `canary-by-header`.
    pub canary_header_share: f64,
}

/// How the scheduler scores nodes for resource fit (`cluster.scheduler.scoring`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ScoringStrategy {
    #[default]
    LeastAllocated,
    MostAllocated,
    RequestedToCapacityRatio,
}
