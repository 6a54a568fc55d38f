//! Field names of the Kubernetes types, for "did you mean" on unknown fields, and which of
//! them kubesim simulates.
//!
//! k8s-openapi's `Deserialize` impls call `deserialize_struct(NAME, FIELDS, visitor)`; a
//! deserializer that only records `FIELDS` recovers each type's list of field names.

use super::network::beta;
use super::positions::{Seg, YPath};
use k8s_openapi::api::autoscaling::v2 as hpa;
use k8s_openapi::api::{apps::v1 as apps, batch::v1 as batch, core::v1 as core, networking::v1 as net};
use k8s_openapi::apimachinery::pkg::apis::meta::v1 as meta;
use serde::de::{self, Deserialize, Visitor};
use std::cell::Cell;

/// The Kubernetes types whose fields matter for suggestions and the not-simulated list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ty {
    Deployment,
    DeploymentSpec,
    DeploymentStrategy,
    RollingUpdate,
    ReplicaSet,
    ReplicaSetSpec,
    ReplicationController,
    RcSpec,
    Pod,
    PodTemplate,
    PodSpec,
    Container,
    Probe,
    Lifecycle,
    Resources,
    ContainerPort,
    Toleration,
    ObjectMeta,
    LabelSelector,
    SelectorRequirement,
    HttpGet,
    DaemonSet,
    DaemonSetSpec,
    StatefulSet,
    StatefulSetSpec,
    Job,
    JobSpec,
    CronJob,
    CronJobSpec,
    JobTemplate,
    Affinity,
    NodeAffinity,
    NodeSelector,
    NodeSelectorTerm,
    PreferredSchedulingTerm,
    NodeSelectorRequirement,
    PodAffinity,
    PodAffinityTerm,
    WeightedPodAffinityTerm,
    TopologySpreadConstraint,
    Service,
    ServiceSpec,
    ServicePort,
    Ingress,
    IngressSpec,
    IngressRule,
    HttpIngressRuleValue,
    HttpIngressPath,
    IngressBackend,
    IngressServiceBackend,
    ServiceBackendPort,
    /// networking.k8s.io/v1beta1 and extensions/v1beta1 Ingress.
    BetaIngress,
    BetaIngressSpec,
    BetaIngressRule,
    BetaHttpIngressRuleValue,
    BetaHttpIngressPath,
    BetaIngressBackend,
    /// autoscaling/v2 HorizontalPodAutoscaler.
    Hpa,
    HpaSpec,
    HpaTargetRef,
    HpaMetric,
    HpaResourceMetric,
    HpaPodsMetric,
    HpaMetricIdentifier,
    HpaMetricTarget,
    HpaBehavior,
    HpaScalingRules,
    HpaScalingPolicy,
    /// Any other kind: only `metadata` and `spec` are known by name here.
    OtherKind,
}

const ALL: &[Ty] = &[
    Ty::Deployment,
    Ty::DeploymentSpec,
    Ty::DeploymentStrategy,
    Ty::RollingUpdate,
    Ty::ReplicaSet,
    Ty::ReplicaSetSpec,
    Ty::ReplicationController,
    Ty::RcSpec,
    Ty::Pod,
    Ty::PodTemplate,
    Ty::PodSpec,
    Ty::Container,
    Ty::Probe,
    Ty::Lifecycle,
    Ty::Resources,
    Ty::ContainerPort,
    Ty::Toleration,
    Ty::ObjectMeta,
    Ty::LabelSelector,
    Ty::SelectorRequirement,
    Ty::HttpGet,
    Ty::DaemonSet,
    Ty::DaemonSetSpec,
    Ty::StatefulSet,
    Ty::StatefulSetSpec,
    Ty::Job,
    Ty::JobSpec,
    Ty::CronJob,
    Ty::CronJobSpec,
    Ty::JobTemplate,
    Ty::Affinity,
    Ty::NodeAffinity,
    Ty::NodeSelector,
    Ty::NodeSelectorTerm,
    Ty::PreferredSchedulingTerm,
    Ty::NodeSelectorRequirement,
    Ty::PodAffinity,
    Ty::PodAffinityTerm,
    Ty::WeightedPodAffinityTerm,
    Ty::TopologySpreadConstraint,
    Ty::Service,
    Ty::ServiceSpec,
    Ty::ServicePort,
    Ty::Ingress,
    Ty::IngressSpec,
    Ty::IngressRule,
    Ty::HttpIngressRuleValue,
    Ty::HttpIngressPath,
    Ty::IngressBackend,
    Ty::IngressServiceBackend,
    Ty::ServiceBackendPort,
    Ty::BetaIngress,
    Ty::BetaIngressSpec,
    Ty::BetaIngressRule,
    Ty::BetaHttpIngressRuleValue,
    Ty::BetaHttpIngressPath,
    Ty::BetaIngressBackend,
    Ty::Hpa,
    Ty::HpaSpec,
    Ty::HpaTargetRef,
    Ty::HpaMetric,
    Ty::HpaResourceMetric,
    Ty::HpaPodsMetric,
    Ty::HpaMetricIdentifier,
    Ty::HpaMetricTarget,
    Ty::HpaBehavior,
    Ty::HpaScalingRules,
    Ty::HpaScalingPolicy,
];

struct Capture<'a>(&'a Cell<&'static [&'static str]>);

impl<'de> de::Deserializer<'de> for Capture<'_> {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("capture only"))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Self::Error> {
        self.0.set(fields);
        Err(de::Error::custom("captured"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

pub(crate) fn fields_of<T: for<'de> Deserialize<'de>>() -> &'static [&'static str] {
    let cell = Cell::new(&[][..]);
    let _ = T::deserialize(Capture(&cell));
    cell.get()
}

impl Ty {
    /// Every field name of the type, as written in YAML.
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            Ty::Deployment => fields_of::<apps::Deployment>(),
            Ty::DeploymentSpec => fields_of::<apps::DeploymentSpec>(),
            Ty::DeploymentStrategy => fields_of::<apps::DeploymentStrategy>(),
            Ty::RollingUpdate => fields_of::<apps::RollingUpdateDeployment>(),
            Ty::ReplicaSet => fields_of::<apps::ReplicaSet>(),
            Ty::ReplicaSetSpec => fields_of::<apps::ReplicaSetSpec>(),
            Ty::ReplicationController => fields_of::<core::ReplicationController>(),
            Ty::RcSpec => fields_of::<core::ReplicationControllerSpec>(),
            Ty::Pod => fields_of::<core::Pod>(),
            Ty::PodTemplate => fields_of::<core::PodTemplateSpec>(),
            Ty::PodSpec => fields_of::<core::PodSpec>(),
            Ty::Container => fields_of::<core::Container>(),
            Ty::Probe => fields_of::<core::Probe>(),
            Ty::Lifecycle => fields_of::<core::Lifecycle>(),
            Ty::Resources => fields_of::<core::ResourceRequirements>(),
            Ty::ContainerPort => fields_of::<core::ContainerPort>(),
            Ty::Toleration => fields_of::<core::Toleration>(),
            Ty::ObjectMeta => fields_of::<meta::ObjectMeta>(),
            Ty::LabelSelector => fields_of::<meta::LabelSelector>(),
            Ty::SelectorRequirement => fields_of::<meta::LabelSelectorRequirement>(),
            Ty::HttpGet => fields_of::<core::HTTPGetAction>(),
            Ty::DaemonSet => fields_of::<apps::DaemonSet>(),
            Ty::DaemonSetSpec => fields_of::<apps::DaemonSetSpec>(),
            Ty::StatefulSet => fields_of::<apps::StatefulSet>(),
            Ty::StatefulSetSpec => fields_of::<apps::StatefulSetSpec>(),
            Ty::Job => fields_of::<batch::Job>(),
            Ty::JobSpec => fields_of::<batch::JobSpec>(),
            Ty::CronJob => fields_of::<batch::CronJob>(),
            Ty::CronJobSpec => fields_of::<batch::CronJobSpec>(),
            Ty::JobTemplate => fields_of::<batch::JobTemplateSpec>(),
            Ty::Affinity => fields_of::<core::Affinity>(),
            Ty::NodeAffinity => fields_of::<core::NodeAffinity>(),
            Ty::NodeSelector => fields_of::<core::NodeSelector>(),
            Ty::NodeSelectorTerm => fields_of::<core::NodeSelectorTerm>(),
            Ty::PreferredSchedulingTerm => fields_of::<core::PreferredSchedulingTerm>(),
            Ty::NodeSelectorRequirement => fields_of::<core::NodeSelectorRequirement>(),
            // PodAntiAffinity has the same fields.
            Ty::PodAffinity => fields_of::<core::PodAffinity>(),
            Ty::PodAffinityTerm => fields_of::<core::PodAffinityTerm>(),
            Ty::WeightedPodAffinityTerm => fields_of::<core::WeightedPodAffinityTerm>(),
            Ty::TopologySpreadConstraint => fields_of::<core::TopologySpreadConstraint>(),
            Ty::Service => fields_of::<core::Service>(),
            Ty::ServiceSpec => fields_of::<core::ServiceSpec>(),
            Ty::ServicePort => fields_of::<core::ServicePort>(),
            Ty::Ingress => fields_of::<net::Ingress>(),
            Ty::IngressSpec => fields_of::<net::IngressSpec>(),
            Ty::IngressRule => fields_of::<net::IngressRule>(),
            Ty::HttpIngressRuleValue => fields_of::<net::HTTPIngressRuleValue>(),
            Ty::HttpIngressPath => fields_of::<net::HTTPIngressPath>(),
            Ty::IngressBackend => fields_of::<net::IngressBackend>(),
            Ty::IngressServiceBackend => fields_of::<net::IngressServiceBackend>(),
            Ty::ServiceBackendPort => fields_of::<net::ServiceBackendPort>(),
            Ty::BetaIngress => fields_of::<beta::Ingress>(),
            Ty::BetaIngressSpec => fields_of::<beta::IngressSpec>(),
            Ty::BetaIngressRule => fields_of::<beta::IngressRule>(),
            Ty::BetaHttpIngressRuleValue => fields_of::<beta::HttpIngressRuleValue>(),
            Ty::BetaHttpIngressPath => fields_of::<beta::HttpIngressPath>(),
            Ty::BetaIngressBackend => fields_of::<beta::IngressBackend>(),
            Ty::Hpa => fields_of::<hpa::HorizontalPodAutoscaler>(),
            Ty::HpaSpec => fields_of::<hpa::HorizontalPodAutoscalerSpec>(),
            Ty::HpaTargetRef => fields_of::<hpa::CrossVersionObjectReference>(),
            Ty::HpaMetric => fields_of::<hpa::MetricSpec>(),
            Ty::HpaResourceMetric => fields_of::<hpa::ResourceMetricSource>(),
            Ty::HpaPodsMetric => fields_of::<hpa::PodsMetricSource>(),
            Ty::HpaMetricIdentifier => fields_of::<hpa::MetricIdentifier>(),
            Ty::HpaMetricTarget => fields_of::<hpa::MetricTarget>(),
            Ty::HpaBehavior => fields_of::<hpa::HorizontalPodAutoscalerBehavior>(),
            Ty::HpaScalingRules => fields_of::<hpa::HPAScalingRules>(),
            Ty::HpaScalingPolicy => fields_of::<hpa::HPAScalingPolicy>(),
            Ty::OtherKind => &["apiVersion", "kind", "metadata", "spec"],
        }
    }

    /// The type of field `key` of this type, when it is one of ours.
    pub fn child(self, key: &str) -> Option<Ty> {
        use Ty::*;
        Some(match (self, key) {
            (_, "metadata") if self.is_kind() || self == PodTemplate || self == JobTemplate => ObjectMeta,
            (CronJob, "spec") => CronJobSpec,
            (CronJobSpec, "jobTemplate") => JobTemplate,
            (JobTemplate, "spec") => JobSpec,
            (Deployment, "spec") => DeploymentSpec,
            (ReplicaSet, "spec") => ReplicaSetSpec,
            (ReplicationController, "spec") => RcSpec,
            (Job, "spec") => JobSpec,
            (DaemonSet, "spec") => DaemonSetSpec,
            (StatefulSet, "spec") => StatefulSetSpec,
            (Pod, "spec") | (PodTemplate, "spec") => PodSpec,
            (DeploymentSpec | ReplicaSetSpec | RcSpec | DaemonSetSpec | StatefulSetSpec | JobSpec, "template") => {
                PodTemplate
            }
            (DeploymentSpec | ReplicaSetSpec | DaemonSetSpec | StatefulSetSpec | JobSpec, "selector") => LabelSelector,
            (DeploymentSpec, "strategy") => DeploymentStrategy,
            (DeploymentStrategy, "rollingUpdate") => RollingUpdate,
            (PodSpec, "containers" | "initContainers") => Container,
            (PodSpec, "tolerations") => Toleration,
            (Container, "readinessProbe" | "livenessProbe" | "startupProbe") => Probe,
            (Container, "resources") => Resources,
            (Container, "lifecycle") => Lifecycle,
            (Container, "ports") => ContainerPort,
            (Probe, "httpGet") => HttpGet,
            (LabelSelector, "matchExpressions") => SelectorRequirement,
            (PodSpec, "affinity") => Affinity,
            (PodSpec, "topologySpreadConstraints") => TopologySpreadConstraint,
            (Affinity, "nodeAffinity") => NodeAffinity,
            (Affinity, "podAffinity" | "podAntiAffinity") => PodAffinity,
            (NodeAffinity, "requiredDuringSchedulingIgnoredDuringExecution") => NodeSelector,
            (NodeAffinity, "preferredDuringSchedulingIgnoredDuringExecution") => PreferredSchedulingTerm,
            (NodeSelector, "nodeSelectorTerms") | (PreferredSchedulingTerm, "preference") => NodeSelectorTerm,
            (NodeSelectorTerm, "matchExpressions" | "matchFields") => NodeSelectorRequirement,
            (PodAffinity, "requiredDuringSchedulingIgnoredDuringExecution") => PodAffinityTerm,
            (PodAffinity, "preferredDuringSchedulingIgnoredDuringExecution") => WeightedPodAffinityTerm,
            (WeightedPodAffinityTerm, "podAffinityTerm") => PodAffinityTerm,
            (PodAffinityTerm | TopologySpreadConstraint, "labelSelector" | "namespaceSelector") => LabelSelector,
            (Service, "spec") => ServiceSpec,
            (ServiceSpec, "ports") => ServicePort,
            (Ingress, "spec") => IngressSpec,
            (IngressSpec, "rules") => IngressRule,
            (IngressSpec, "defaultBackend") | (HttpIngressPath, "backend") => IngressBackend,
            (IngressRule, "http") => HttpIngressRuleValue,
            (HttpIngressRuleValue, "paths") => HttpIngressPath,
            (IngressBackend, "service") => IngressServiceBackend,
            (IngressServiceBackend, "port") => ServiceBackendPort,
            (BetaIngress, "spec") => BetaIngressSpec,
            (BetaIngressSpec, "rules") => BetaIngressRule,
            (BetaIngressSpec, "backend") | (BetaHttpIngressPath, "backend") => BetaIngressBackend,
            (BetaIngressRule, "http") => BetaHttpIngressRuleValue,
            (BetaHttpIngressRuleValue, "paths") => BetaHttpIngressPath,
            (Hpa, "spec") => HpaSpec,
            (HpaSpec, "scaleTargetRef") => HpaTargetRef,
            (HpaSpec, "metrics") => HpaMetric,
            (HpaSpec, "behavior") => HpaBehavior,
            (HpaMetric, "resource") => HpaResourceMetric,
            (HpaMetric, "pods") => HpaPodsMetric,
            (HpaPodsMetric, "metric") => HpaMetricIdentifier,
            (HpaResourceMetric | HpaPodsMetric, "target") => HpaMetricTarget,
            (HpaMetricIdentifier, "selector") => LabelSelector,
            (HpaBehavior, "scaleUp" | "scaleDown") => HpaScalingRules,
            (HpaScalingRules, "policies") => HpaScalingPolicy,
            _ => return None,
        })
    }

    fn is_kind(self) -> bool {
        matches!(
            self,
            Ty::Deployment
                | Ty::ReplicaSet
                | Ty::ReplicationController
                | Ty::Job
                | Ty::CronJob
                | Ty::DaemonSet
                | Ty::StatefulSet
                | Ty::Pod
                | Ty::Service
                | Ty::Ingress
                | Ty::BetaIngress
                | Ty::Hpa
                | Ty::OtherKind
        )
    }

    /// The fields kubesim simulates, when it simulates only some (None: all, or not
    /// applicable). Other fields present are listed in the not-simulated warning.
    pub fn simulated(self) -> Option<&'static [&'static str]> {
        Some(match self {
            Ty::Deployment
            | Ty::ReplicaSet
            | Ty::ReplicationController
            | Ty::Pod
            | Ty::Job
            | Ty::CronJob
            | Ty::DaemonSet
            | Ty::StatefulSet => &["apiVersion", "kind", "metadata", "spec"],
            Ty::CronJobSpec => &[
                "schedule",
                "timeZone",
                "startingDeadlineSeconds",
                "concurrencyPolicy",
                "suspend",
                "jobTemplate",
                "successfulJobsHistoryLimit",
                "failedJobsHistoryLimit",
            ],
            Ty::JobTemplate => &["metadata", "spec"],
            Ty::JobSpec => &[
                "template",
                "completions",
                "parallelism",
                "backoffLimit",
                "completionMode",
                "activeDeadlineSeconds",
                "ttlSecondsAfterFinished",
                "selector",
                "manualSelector",
                "suspend",
                "podFailurePolicy",
                "backoffLimitPerIndex",
                "maxFailedIndexes",
                "successPolicy",
                "podReplacementPolicy",
            ],
            Ty::DaemonSetSpec => &["selector", "template", "updateStrategy", "minReadySeconds", "revisionHistoryLimit"],
            Ty::StatefulSetSpec => &[
                "replicas",
                "selector",
                "template",
                "serviceName",
                "podManagementPolicy",
                "updateStrategy",
                "minReadySeconds",
                "revisionHistoryLimit",
                "volumeClaimTemplates",
                "persistentVolumeClaimRetentionPolicy",
            ],
            Ty::ObjectMeta => &["name", "namespace", "labels", "annotations", "generateName"],
            Ty::DeploymentSpec => &[
                "replicas",
                "selector",
                "template",
                "strategy",
                "minReadySeconds",
                "revisionHistoryLimit",
                "progressDeadlineSeconds",
                "paused",
            ],
            Ty::ReplicaSetSpec | Ty::RcSpec => &["replicas", "selector", "template", "minReadySeconds"],
            Ty::PodTemplate => &["metadata", "spec"],
            Ty::PodSpec => &[
                "containers",
                "initContainers",
                "restartPolicy",
                "terminationGracePeriodSeconds",
                "nodeSelector",
                "nodeName",
                "tolerations",
                "priorityClassName",
                "priority",
                "preemptionPolicy",
                "affinity",
                "topologySpreadConstraints",
                "volumes",
                "schedulerName",
            ],
            // Walked into, to find `namespaceSelector` below.
            Ty::Affinity | Ty::PodAffinity | Ty::WeightedPodAffinityTerm => self.fields(),
            Ty::PodAffinityTerm => {
                &["labelSelector", "namespaces", "topologyKey", "matchLabelKeys", "mismatchLabelKeys"]
            }
            Ty::Container => &[
                "name",
                "image",
                "imagePullPolicy",
                "resources",
                "readinessProbe",
                "livenessProbe",
                "startupProbe",
                "lifecycle",
                "restartPolicy",
                "ports",
            ],
            // `stopSignal` is not simulated: every container stops on SIGTERM.
            Ty::Lifecycle => &["postStart", "preStop"],
            Ty::Resources => &["limits", "requests"],
            _ => return None,
        })
    }
}

/// The type at `path` below a value of type `root` (sequence indexes are transparent).
pub(crate) fn type_at(root: Ty, path: &YPath) -> Option<Ty> {
    path.0.iter().try_fold(root, |ty, seg| match seg {
        Seg::Key(k) => ty.child(k),
        Seg::Index(_) => Some(ty),
    })
}

/// Candidate names for an unknown field at `path` (its parent's fields, or every field of
/// every known type when the parent's type is not known).
pub(crate) fn candidates(root: Ty, path: &YPath) -> Vec<&'static str> {
    match type_at(root, &path.parent()) {
        Some(ty) => ty.fields().to_vec(),
        None => {
            let mut all: Vec<&'static str> = ALL.iter().flat_map(|t| t.fields().iter().copied()).collect();
            all.sort_unstable();
            all.dedup();
            all
        }
    }
}

/// Paths of the fields present in `value` (a manifest of type `root`) that kubesim does
/// not simulate.
pub(crate) fn not_simulated(root: Ty, value: &serde_yaml::Value) -> Vec<YPath> {
    let mut out = Vec::new();
    walk(root, value, &YPath::root(), &mut out);
    out
}

fn walk(ty: Ty, value: &serde_yaml::Value, path: &YPath, out: &mut Vec<YPath>) {
    match value {
        serde_yaml::Value::Sequence(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(ty, item, &path.index(i), out);
            }
        }
        serde_yaml::Value::Mapping(map) => {
            let Some(sim) = ty.simulated() else { return };
            for (k, v) in map {
                let Some(key) = k.as_str() else { continue };
                if !sim.contains(&key) {
                    out.push(path.key(key));
                } else if let Some(child) = ty.child(key) {
                    walk(child, v, &path.key(key), out);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captures_field_lists_of_k8s_types() {
        assert!(Ty::DeploymentSpec.fields().contains(&"replicas"));
        assert!(Ty::Container.fields().contains(&"imagePullPolicy"));
        assert!(Ty::ObjectMeta.fields().contains(&"labels"));
    }

    #[test]
    fn candidates_follow_the_parent_path() {
        let p = YPath::parse("spec.template.spec.containers[0].imag").unwrap();
        assert!(candidates(Ty::Deployment, &p).contains(&"image"));
        let p = YPath::parse("spec.replcas").unwrap();
        assert!(candidates(Ty::Deployment, &p).contains(&"replicas"));
    }

    #[test]
    fn lists_fields_not_simulated() {
        let v: serde_yaml::Value = serde_yaml::from_str(
            "spec:\n  replicas: 2\n  template:\n    spec:\n      dnsPolicy: ClusterFirst\n      containers:\n      - name: a\n        env: []\n",
        )
        .unwrap();
        let paths: Vec<String> = not_simulated(Ty::Deployment, &v).iter().map(|p| p.to_string()).collect();
        assert_eq!(paths, ["spec.template.spec.dnsPolicy", "spec.template.spec.containers[0].env"]);
    }
}
