//! Argo Rollouts' `AnalysisTemplate` and `ClusterAnalysisTemplate` (argoproj.io/v1alpha1,
//! pkg/apis/rollouts/v1alpha1/analysis_types.go), and how a Rollout names them.

use crate::engine::SimDuration;

/// An `AnalysisTemplate` (with its namespace) or a `ClusterAnalysisTemplate` (None).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnalysisTemplate {
    pub namespace: Option<String>,
    pub name: String,
    pub args: Vec<TemplateArg>,
    pub metrics: Vec<MetricSpec>,
}

/// `spec.args[]`: a name and, optionally, a default value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateArg {
    pub name: String,
    pub value: Option<String>,
}

/// `spec.metrics[]`, with Argo's defaults.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MetricSpec {
    pub name: String,
    /// None: measured `count` times at once (EffectiveCount is 1 without an interval).
    pub interval: Option<SimDuration>,
    pub initial_delay: SimDuration,
    /// None with an interval: measured until the run is terminated.
    pub count: Option<u32>,
    /// Default 0; -1: unlimited (Argo 1.8's `failureLimit: -1`).
    pub failure_limit: i32,
    /// Default 0.
    pub inconclusive_limit: i32,
    /// Default 4 (defaults.DefaultConsecutiveErrorLimit).
    pub consecutive_error_limit: i32,
    pub success_condition: Option<String>,
    pub failure_condition: Option<String>,
    pub provider: MetricProvider,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MetricProvider {
    /// `provider.prometheus.query`, as written (args substituted when a run starts).
    Prometheus { query: String },
    /// kubesim's own provider: `{kubesim: {metric, service | ingress, window}}`.
    Kubesim { metric: String, service: Option<String>, ingress: Option<String>, window: SimDuration },
}

/// `templates[]` of a Rollout's analysis.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnalysisTemplateRef {
    pub name: String,
    pub cluster_scope: bool,
}

/// A Rollout's `args[]` for its analysis runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ArgValue {
    Value(String),
    /// `valueFrom.podTemplateHashValue: Latest` (the canary's hash) or `Stable`.
    PodTemplateHash {
        latest: bool,
    },
}

/// `strategy.canary.analysis` (with `startingStep`) or a step's `analysis`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RolloutAnalysis {
    pub templates: Vec<AnalysisTemplateRef>,
    pub args: Vec<(String, ArgValue)>,
    /// Background analysis only: the step index from which it runs.
    pub starting_step: Option<usize>,
}

/// What a metric asks of the simulated traffic (read from a Prometheus query or the
/// `kubesim` provider by `controllers/rollout/analysis/query.rs`): a figure of a Service's (or an Ingress's) requests over a window ending now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Figure {
    /// Requests that succeeded / all requests (NaN with no request in the window, as
    /// Prometheus's 0/0).
    SuccessRate,
    /// Requests that failed / all requests.
    ErrorRate,
}

/// Whose requests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A Service by name, and its namespace when the query names one
    /// (`web-canary.default.svc.cluster.local`).
    Service { name: String, namespace: Option<String> },
    /// The requests an Ingress sent: those of the Services its rules name.
    Ingress { name: String, namespace: Option<String> },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query {
    pub figure: Figure,
    pub target: Target,
    pub window: SimDuration,
}
