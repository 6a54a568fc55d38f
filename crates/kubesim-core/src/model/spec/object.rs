//! Object identity (kind, namespace, name) and the converted objects of a scenario.

use super::{
    ClaimSpec, CronJobSpec, DaemonSetSpec, DeploymentSpec, HpaSpec, IngressSpec, IntOrPercent, JobSpec, Labels,
    LimitRangeSpec, PodSpec, PreemptionPolicy, QuotaSpec, ReplicaSetSpec, RolloutSpec, Selector, ServiceSpec,
    StatefulSetSpec, StorageClassSpec, VolumeSpec,
};
use std::sync::Arc;

/// Object identity: kind, namespace and name, as in `default/web-5d8f-x2k9q`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectRef {
    pub kind: Kind,
    pub namespace: String,
    pub name: String,
}

impl std::fmt::Display for ObjectRef {
    /// `deployment/web`, as kubectl names it, and `deployment/shop:web` outside the default
    /// namespace: the `ns:name` of every file kubesim writes (pods.csv, the time series).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.kind.namespaced() && self.namespace != "default" {
            write!(f, "{}/{}:{}", self.kind.resource(), self.namespace, self.name)
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
    CronJob,
    HorizontalPodAutoscaler,
    PodDisruptionBudget,
    PriorityClass,
    ConfigMap,
    Secret,
    ServiceAccount,
    Rollout,
    PersistentVolumeClaim,
    PersistentVolume,
    StorageClass,
    LimitRange,
    ResourceQuota,
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
            Kind::CronJob => "cronjob",
            Kind::HorizontalPodAutoscaler => "horizontalpodautoscaler",
            Kind::PodDisruptionBudget => "poddisruptionbudget",
            Kind::PriorityClass => "priorityclass",
            Kind::ConfigMap => "configmap",
            Kind::Secret => "secret",
            Kind::ServiceAccount => "serviceaccount",
            Kind::Rollout => "rollout",
            Kind::PersistentVolumeClaim => "persistentvolumeclaim",
            Kind::PersistentVolume => "persistentvolume",
            Kind::StorageClass => "storageclass",
            Kind::LimitRange => "limitrange",
            Kind::ResourceQuota => "resourcequota",
        }
    }

    pub fn namespaced(self) -> bool {
        !matches!(
            self,
            Kind::Namespace | Kind::Node | Kind::PriorityClass | Kind::PersistentVolume | Kind::StorageClass
        )
    }
}

impl ObjectSpec {
    /// The pod spec of a pod, or of the template of a workload that makes pods (a CronJob's
    /// Jobs are named at run time, so it has none here).
    pub fn pod_spec(&self) -> Option<&PodSpec> {
        Some(match self {
            ObjectSpec::Pod { spec, .. } => spec,
            ObjectSpec::Deployment { spec, .. } => &spec.template.spec,
            ObjectSpec::Rollout { spec, .. } => &spec.workload.template.spec,
            ObjectSpec::ReplicaSet { spec, .. } | ObjectSpec::ReplicationController { spec, .. } => &spec.template.spec,
            ObjectSpec::Job { spec, .. } => &spec.template.spec,
            ObjectSpec::DaemonSet { spec, .. } => &spec.template.spec,
            ObjectSpec::StatefulSet { spec, .. } => &spec.template.spec,
            _ => return None,
        })
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
    CronJob {
        labels: Labels,
        spec: CronJobSpec,
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
    PersistentVolumeClaim {
        labels: Labels,
        spec: ClaimSpec,
    },
    PersistentVolume {
        labels: Labels,
        spec: VolumeSpec,
    },
    StorageClass(StorageClassSpec),
    LimitRange(LimitRangeSpec),
    ResourceQuota(QuotaSpec),
    /// A kind that is parsed and validated but not simulated yet (listed in a warning).
    NotSimulated,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Object {
    pub id: ObjectRef,
    pub spec: ObjectSpec,
}
