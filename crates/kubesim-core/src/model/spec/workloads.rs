//! The workloads that own pods: Deployment, ReplicaSet (and ReplicationController), Job,
//! CronJob, DaemonSet and StatefulSet, with Kubernetes' defaults applied (apps/v1, batch/v1).

use super::{IntOrPercent, Labels, PodTemplate, Selector};
use std::sync::Arc;

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

/// `spec.concurrencyPolicy` of a CronJob.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConcurrencyPolicy {
    /// The default: Jobs may run at the same time.
    Allow,
    /// A schedule time is skipped while a Job is still active.
    Forbid,
    /// The active Jobs are deleted and replaced by the new one.
    Replace,
}

impl ConcurrencyPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            ConcurrencyPolicy::Allow => "Allow",
            ConcurrencyPolicy::Forbid => "Forbid",
            ConcurrencyPolicy::Replace => "Replace",
        }
    }
}

/// A batch/v1 CronJob, with Kubernetes' defaults applied (SetDefaults_CronJobSpec).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CronJobSpec {
    /// `spec.schedule` as written (checked at load by the same parser the controller uses).
    pub schedule: String,
    /// `spec.timeZone`: an IANA name; None is the controller manager's zone (UTC here).
    pub time_zone: Option<String>,
    pub starting_deadline_seconds: Option<i64>,
    /// Default Allow.
    pub concurrency_policy: ConcurrencyPolicy,
    /// Default false.
    pub suspend: bool,
    /// Default 3.
    pub successful_jobs_history_limit: i32,
    /// Default 1.
    pub failed_jobs_history_limit: i32,
    /// `spec.jobTemplate.metadata`: copied onto every Job it creates.
    pub job_labels: Labels,
    pub job_annotations: Labels,
    /// `spec.jobTemplate.spec`.
    pub job: JobSpec,
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
    /// `updateStrategy.rollingUpdate.maxUnavailable` when given (Kubernetes 1.35's
    /// MaxUnavailableStatefulSet, beta and on by default); None: one pod at a time, as before.
    pub max_unavailable: Option<super::IntOrPercent>,
    /// `volumeClaimTemplates`: a claim per pod, `TEMPLATE-NAME-ORDINAL`.
    pub claim_templates: Vec<super::ClaimTemplate>,
    /// `persistentVolumeClaimRetentionPolicy`.
    pub claim_retention: super::ClaimRetention,
}
