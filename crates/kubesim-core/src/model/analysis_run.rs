//! Argo Rollouts' AnalysisRun as the Rollout's status keeps it (pkg/apis/rollouts/v1alpha1
//! analysis_types.go `AnalysisRunStatus`, `MetricResult`, `Measurement`): the data; what a
//! run does is in `controllers/rollout/analysis/`.

use crate::engine::{SimDuration, SimTime};
use crate::model::spec::Query;

/// `AnalysisPhase`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    Pending,
    Running,
    Successful,
    Inconclusive,
    Error,
    Failed,
}

impl Phase {
    pub fn completed(self) -> bool {
        matches!(self, Phase::Successful | Phase::Failed | Phase::Error | Phase::Inconclusive)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Pending => "Pending",
            Phase::Running => "Running",
            Phase::Successful => "Successful",
            Phase::Inconclusive => "Inconclusive",
            Phase::Error => "Error",
            Phase::Failed => "Failed",
        }
    }

    /// analysisutil `IsWorse`: Successful < Inconclusive < Error < Failed.
    pub fn worse(self, other: Phase) -> bool {
        other > self
    }
}

/// A metric of a run, its arguments substituted and its query read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Metric {
    pub name: String,
    pub interval: Option<SimDuration>,
    pub initial_delay: SimDuration,
    /// `EffectiveCount`: the count, or 1 without an interval; None: until terminated.
    pub count: Option<u32>,
    pub failure_limit: i32,
    pub inconclusive_limit: i32,
    pub consecutive_error_limit: i32,
    pub success_condition: Option<String>,
    pub failure_condition: Option<String>,
    pub query: Query,
}

/// One measurement: when, its phase, the value as Argo prints it (`[0.95]`), and an error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Measurement {
    pub at: SimTime,
    pub phase: Phase,
    pub value: String,
    pub message: String,
}

/// `MetricResult`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MetricResult {
    pub metric: Metric,
    pub phase: Phase,
    pub measurements: Vec<Measurement>,
    pub count: u32,
    pub successful: u32,
    pub failed: u32,
    pub inconclusive: u32,
    pub error: u32,
    pub consecutive_error: u32,
}

/// What started the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunKind {
    /// A canary step's `analysis` (its index).
    Step(usize),
    /// `strategy.canary.analysis`.
    Background,
    /// `strategy.blueGreen.prePromotionAnalysis`: before the active Service switches.
    PrePromotion,
    /// `strategy.blueGreen.postPromotionAnalysis`: after the switch, before the new
    /// ReplicaSet becomes stable.
    PostPromotion,
}

/// An AnalysisRun.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnalysisRun {
    /// `<rollout>-<hash>-<revision>` (`-<step>` for a step's run, `-pre`/`-post` for
    /// blue-green's).
    pub name: String,
    pub kind: RunKind,
    /// The template's hash it analyses (the canary's, or blue-green's new ReplicaSet's).
    pub hash: String,
    pub started: SimTime,
    pub phase: Phase,
    pub message: String,
    pub terminate: bool,
    pub metrics: Vec<MetricResult>,
    /// The phase the Rollout's status last recorded (its `RolloutAnalysisRunStatus`), for
    /// the Rollout's events on a change.
    pub seen_by_rollout: Option<Phase>,
}
