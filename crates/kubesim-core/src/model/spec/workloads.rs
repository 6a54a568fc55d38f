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
#[derive(Clone, PartialEq, Eq)]
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
    /// `suspend`: no pods run; suspending deletes the active ones. Default false.
    pub suspend: bool,
    /// `podFailurePolicy.rules`, in order (empty: no policy).
    pub pod_failure_policy: Vec<PodFailurePolicyRule>,
    /// `backoffLimitPerIndex` (Indexed Jobs).
    pub backoff_limit_per_index: Option<i32>,
    /// `maxFailedIndexes` (with `backoffLimitPerIndex`).
    pub max_failed_indexes: Option<i32>,
    /// `successPolicy.rules` (Indexed Jobs; empty: no policy).
    pub success_policy: Vec<SuccessPolicyRule>,
    /// `podReplacementPolicy: Failed`: a pod is replaced only once it has finished
    /// (default TerminatingOrFailed, Failed when a podFailurePolicy is set).
    pub replace_only_failed: bool,
    /// `spec.selector`: the user's selector, kept only with `manualSelector: true` (without
    /// it the API server generates the Job's own `controller-uid` selector; a user selector
    /// there must select the generated labels, and adds to the generated one).
    pub selector: Option<Selector>,
    /// `manualSelector: true`: `selector` is the Job's, and may match pods it did not make.
    pub manual_selector: bool,
}

/// As `derive(Debug)` would print it, without the fields of suspend, the pod failure and
/// success policies, per-index back-off, pod replacement and the selector when they are at their defaults:
/// a sweep's content hash is a hash of the loaded scenario's text (`sweep/mod.rs`), and
/// scenarios that do not use them keep the hash they had before.
impl std::fmt::Debug for JobSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("JobSpec");
        d.field("template", &self.template)
            .field("completions", &self.completions)
            .field("parallelism", &self.parallelism)
            .field("backoff_limit", &self.backoff_limit)
            .field("indexed", &self.indexed)
            .field("active_deadline_seconds", &self.active_deadline_seconds)
            .field("ttl_seconds_after_finished", &self.ttl_seconds_after_finished);
        if self.suspend {
            d.field("suspend", &self.suspend);
        }
        if !self.pod_failure_policy.is_empty() {
            d.field("pod_failure_policy", &self.pod_failure_policy);
        }
        if self.backoff_limit_per_index.is_some() {
            d.field("backoff_limit_per_index", &self.backoff_limit_per_index);
        }
        if self.max_failed_indexes.is_some() {
            d.field("max_failed_indexes", &self.max_failed_indexes);
        }
        if !self.success_policy.is_empty() {
            d.field("success_policy", &self.success_policy);
        }
        if self.replace_only_failed {
            d.field("replace_only_failed", &self.replace_only_failed);
        }
        if self.selector.is_some() {
            d.field("selector", &self.selector);
        }
        if self.manual_selector {
            d.field("manual_selector", &self.manual_selector);
        }
        d.finish()
    }
}

/// What a `podFailurePolicy` rule does with a failed pod it matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PodFailureAction {
    /// The Job fails at once (reason PodFailurePolicy).
    FailJob,
    /// The failure is not counted towards the backoff limits.
    Ignore,
    /// The failure is counted as any other (the default without a matching rule).
    Count,
    /// The pod's index fails at once (with `backoffLimitPerIndex`).
    FailIndex,
}

impl PodFailureAction {
    pub fn as_str(self) -> &'static str {
        match self {
            PodFailureAction::FailJob => "FailJob",
            PodFailureAction::Ignore => "Ignore",
            PodFailureAction::Count => "Count",
            PodFailureAction::FailIndex => "FailIndex",
        }
    }
}

/// What a `podFailurePolicy` rule matches: exit codes, or pod conditions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PodFailureMatch {
    /// `onExitCodes`: a terminated container (of `container`, or any) whose non-zero exit
    /// code is (`in_values`) or is not among `values`.
    ExitCodes { container: Option<String>, in_values: bool, values: Vec<i32> },
    /// `onPodConditions`: the pod has one of these conditions (type, status True / False).
    PodConditions(Vec<(String, String)>),
}

/// One rule of a Job's `podFailurePolicy`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodFailurePolicyRule {
    pub action: PodFailureAction,
    pub on: PodFailureMatch,
}

/// One rule of a Job's `successPolicy`: the Job has succeeded once these indexes (all of
/// them, or `succeeded_count` of them) or, without indexes, this many indexes succeeded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SuccessPolicyRule {
    /// `succeededIndexes` as written (`0-2,5`), parsed to sorted ranges.
    pub succeeded_indexes: Option<Vec<(i32, i32)>>,
    pub succeeded_count: Option<i32>,
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
