//! The status of each kind, as the API holds it between its controller's syncs: what
//! `kubectl get -o yaml` would show under `status:`. The controllers compute it; the store
//! keeps it. (A controller's own memory that is not in the API, like the HPA's
//! recommendations, stays with the controller.)

use super::store::PodId;
use crate::engine::SimTime;
use std::collections::{BTreeMap, BTreeSet};

// Argo Rollouts: `status` of a Rollout (argoproj.io/v1alpha1).

/// Whether the controller holds the rollout at a pause.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Pause {
    #[default]
    None,
    /// A pause condition since then (CanaryPauseStep or BlueGreenPause).
    Since(SimTime),
    /// `promote` cleared the pause condition (controllerPause stays true).
    Released,
}

/// `status.phase`, as `kubectl argo rollouts get` shows it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Phase {
    #[default]
    Progressing,
    Paused,
    Healthy,
    Degraded,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Progressing => "Progressing",
            Phase::Paused => "Paused",
            Phase::Healthy => "Healthy",
            Phase::Degraded => "Degraded",
        }
    }
}

/// What the controller keeps in the Rollout's status between syncs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RolloutStatus {
    /// `currentPodHash`: the template the controller last worked on.
    pub current_hash: String,
    /// `stableRS`: the hash of the ReplicaSet that is stable (None before the first sync).
    pub stable_hash: Option<String>,
    /// `currentStepIndex`.
    pub step_index: usize,
    pub pause: Pause,
    pub abort: bool,
    /// `promoteFull`: skip the remaining steps (or the blue-green pause).
    pub promote_full: bool,
    /// When `abort` was set (abortScaleDownDelaySeconds runs from then).
    pub aborted_at: Option<SimTime>,
    /// Blue-green: the hash the active Service selects.
    pub active_hash: Option<String>,
    /// The canary weight set on the canary Ingress (None: the Ingress does not exist yet).
    pub weight: Option<i32>,
    /// Service name -> the hash its selector was given.
    pub service_hashes: BTreeMap<String, String>,
    /// ReplicaSet hash -> when it may be scaled down (`scale-down-deadline` annotation).
    pub scale_down_at: BTreeMap<String, SimTime>,
    pub phase: Phase,
    /// Every AnalysisRun the Rollout made, oldest first (Argo keeps them as objects).
    pub analysis_runs: Vec<crate::model::analysis_run::AnalysisRun>,
    /// `currentStepAnalysisRunStatus` and `currentBackgroundAnalysisRunStatus`: indexes
    /// into `analysis_runs`.
    pub step_run: Option<usize>,
    pub background_run: Option<usize>,
    /// Blue-green's `prePromotionAnalysisRunStatus` and `postPromotionAnalysisRunStatus`.
    pub pre_promotion_run: Option<usize>,
    pub post_promotion_run: Option<usize>,
}

// batch/v1 Job.

/// How a Job ended: its `Complete` or `Failed` condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobOutcome {
    Complete,
    /// `BackoffLimitExceeded`.
    BackoffLimitExceeded,
    /// `DeadlineExceeded` (activeDeadlineSeconds).
    DeadlineExceeded,
    /// `PodFailurePolicy`: a failed pod matched a FailJob rule (the message says which).
    PodFailurePolicy,
    /// `FailedIndexes`: every index finished and some failed (backoffLimitPerIndex).
    FailedIndexes,
    /// `MaxFailedIndexesExceeded`: more indexes failed than maxFailedIndexes.
    MaxFailedIndexesExceeded,
    /// Complete by a `successPolicy` rule (reason `SuccessPolicy`, the message says which).
    SuccessPolicy,
}

impl JobOutcome {
    /// The condition's reason, also the event's.
    pub fn reason(self) -> &'static str {
        match self {
            JobOutcome::Complete => "Completed",
            JobOutcome::BackoffLimitExceeded => "BackoffLimitExceeded",
            JobOutcome::DeadlineExceeded => "DeadlineExceeded",
            JobOutcome::PodFailurePolicy => "PodFailurePolicy",
            JobOutcome::FailedIndexes => "FailedIndexes",
            JobOutcome::MaxFailedIndexesExceeded => "MaxFailedIndexesExceeded",
            JobOutcome::SuccessPolicy => "Completed",
        }
    }

    /// The event's message, in the job controller's words (`JobStatus::message` has the
    /// words of the rule a PodFailurePolicy or SuccessPolicy outcome matched).
    pub fn message(self) -> &'static str {
        match self {
            JobOutcome::Complete | JobOutcome::SuccessPolicy => "Job completed",
            JobOutcome::PodFailurePolicy => "Job failed by its pod failure policy",
            JobOutcome::FailedIndexes => "Job has failed indexes",
            JobOutcome::MaxFailedIndexesExceeded => "Job has exceeded the specified maximal number of failed indexes",
            JobOutcome::BackoffLimitExceeded => "Job has reached the specified backoff limit",
            JobOutcome::DeadlineExceeded => "Job was active longer than specified deadline",
        }
    }

    pub fn failed(self) -> bool {
        !matches!(self, JobOutcome::Complete | JobOutcome::SuccessPolicy)
    }
}

/// `status` of a batch/v1 CronJob.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CronJobStatus {
    /// `status.active`, in the order the Jobs were added: each Job and its name.
    pub active: Vec<(super::ids::JobId, String)>,
    /// `status.lastScheduleTime` (Unix seconds).
    pub last_schedule: Option<i64>,
    /// `status.lastSuccessfulTime`: the latest completion time of a Job it owns (Unix
    /// microseconds).
    pub last_successful: Option<i64>,
}

/// The Job's status, kept between syncs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JobStatus {
    /// `status.startTime`: the first sync.
    pub start_time: Option<SimTime>,
    pub active: i32,
    pub ready: i32,
    pub succeeded: i32,
    pub failed: i32,
    /// Indexed Jobs: `status.completedIndexes`.
    pub completed_indexes: BTreeSet<i32>,
    /// The back-off record: failures since the last success and when the last one was.
    pub failures_after_last_success: i32,
    pub last_failure: Option<SimTime>,
    /// Set once the Job is complete or failed, with when.
    pub finished: Option<(JobOutcome, SimTime)>,
    /// The finished condition's message when it names a rule (PodFailurePolicy's
    /// "Container main for pod default/x failed with exit code 42 matching FailJob rule at
    /// index 0", SuccessPolicy's "Matched rules at index 0").
    pub message: Option<String>,
    /// Pods already counted into `succeeded` / `failed`.
    pub counted: BTreeSet<PodId>,
    /// The `Suspended` condition: None before the Job was ever suspended, then true while
    /// suspended (reason JobSuspended), false once resumed (reason JobResumed).
    pub suspended: Option<bool>,
    /// `status.terminating`: pods being deleted that have not finished.
    pub terminating: i32,
    /// `status.failedIndexes` (with backoffLimitPerIndex).
    pub failed_indexes: BTreeSet<i32>,
    /// Per index, its pods' failures so far (counted, ignored) and when the last one
    /// finished: what Kubernetes carries from pod to pod in the annotations
    /// `batch.kubernetes.io/job-index-failure-count` and `job-index-ignored-failure-count`.
    pub index_failures: BTreeMap<i32, IndexFailures>,
}

/// The failures of one completion index (backoffLimitPerIndex).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IndexFailures {
    pub counted: i32,
    pub ignored: i32,
    pub last: SimTime,
}

// apps/v1 DaemonSet.

/// `status` of a DaemonSet.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DaemonSetStatus {
    pub desired_number_scheduled: i32,
    pub current_number_scheduled: i32,
    pub number_misscheduled: i32,
    pub number_ready: i32,
    pub updated_number_scheduled: i32,
    pub number_available: i32,
}

// apps/v1 StatefulSet.

/// `status` of a StatefulSet.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StatefulSetStatus {
    pub replicas: i32,
    pub ready_replicas: i32,
    pub available_replicas: i32,
    pub current_replicas: i32,
    pub updated_replicas: i32,
}

// policy/v1 PodDisruptionBudget.

/// A PodDisruptionBudget's status from what it selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PdbStatus {
    pub expected: i32,
    pub desired_healthy: i32,
    pub current_healthy: i32,
    pub disruptions_allowed: i32,
}
