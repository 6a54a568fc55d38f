//! Argo Rollouts' analysis (analysis/analysis.go, rollout/analysis.go): AnalysisRuns made
//! from a Rollout's templates, their measurements at `initialDelay` then every `interval`
//! up to `count`, each judged by `successCondition` / `failureCondition`
//! (utils/evaluate/evaluate.go `EvaluateResult`), the metric assessed against
//! `failureLimit`, `inconclusiveLimit` and `consecutiveErrorLimit` (`assessMetricStatus`),
//! and the run's phase the worst of its metrics' (`assessRunStatus`). kubesim keeps the runs
//! in the Rollout's status; their measurements and phases are the runs' events.
//!
//! - [`query`]: the queries kubesim answers from the simulated traffic.
//! - [`expr`]: the conditions.
//! - [`rollout`]: when a Rollout starts, reads and stops its runs.

pub mod expr;
pub mod query;
pub mod rollout;

use crate::engine::{SimDuration, SimTime};
pub use crate::model::analysis_run::{AnalysisRun, Measurement, Metric, MetricResult, Phase, RunKind};
use query::Query;

/// analysis.go `DefaultErrorRetryInterval`: an errored measurement is taken again after 10s.
pub const ERROR_RETRY_INTERVAL: SimDuration = SimDuration::from_secs(10);

/// The answers to queries: the simulated traffic's figures.
pub trait MetricSource {
    /// The vector a Prometheus query returns (one element for the shapes kubesim knows).
    fn measure(&self, query: &Query, now: SimTime) -> Result<Vec<f64>, String>;
}

/// An event about the run (`analysisrun/NAME`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunEvent {
    pub reason: &'static str,
    pub message: String,
    pub warning: bool,
}

/// Prints a vector as Argo stores a Prometheus measurement's value: `[0.95]`.
fn format_value(v: &[f64]) -> String {
    let items: Vec<String> = v.iter().map(|x| format_float(*x)).collect();
    format!("[{}]", items.join(" "))
}

/// Go's `%v` of a float64: the shortest text that reads back ("0.95", "NaN", "1").
pub fn format_float(x: f64) -> String {
    if x.is_nan() {
        "NaN".into()
    } else if x.is_infinite() {
        if x > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        }
    } else {
        format!("{x}")
    }
}

/// The metric's event reason: "Metric" + its phase.
fn metric_reason(p: Phase) -> &'static str {
    match p {
        Phase::Successful => "MetricSuccessful",
        Phase::Failed => "MetricFailed",
        Phase::Error => "MetricError",
        Phase::Inconclusive => "MetricInconclusive",
        Phase::Running => "MetricRunning",
        Phase::Pending => "MetricPending",
    }
}

/// The run's event reason (on the run and on its Rollout): "AnalysisRun" + its phase.
pub fn run_reason(p: Phase) -> &'static str {
    match p {
        Phase::Successful => "AnalysisRunSuccessful",
        Phase::Failed => "AnalysisRunFailed",
        Phase::Error => "AnalysisRunError",
        Phase::Inconclusive => "AnalysisRunInconclusive",
        Phase::Running => "AnalysisRunRunning",
        Phase::Pending => "AnalysisRunPending",
    }
}

/// evaluate.go `EvaluateResult`.
fn evaluate(metric: &Metric, result: &[f64]) -> Result<Phase, String> {
    let success = metric.success_condition.as_deref().map(|c| expr::condition(c, result)).transpose()?;
    let failure = metric.failure_condition.as_deref().map(|c| expr::condition(c, result)).transpose()?;
    let (success, failure) = match (success, failure) {
        (None, None) => return Ok(Phase::Successful),
        (Some(s), None) => (s, !s),
        (None, Some(f)) => (!f, f),
        (Some(s), Some(f)) => (s, f),
    };
    Ok(if failure {
        Phase::Failed
    } else if !success {
        Phase::Inconclusive
    } else {
        Phase::Successful
    })
}

/// `assessMetricFailureInconclusiveOrError`.
fn failure_inconclusive_or_error(r: &MetricResult) -> Option<(Phase, String)> {
    let m = &r.metric;
    let mut out = None;
    if m.failure_limit >= 0 && r.failed as i64 > i64::from(m.failure_limit) {
        out = Some((Phase::Failed, format!("failed ({}) > failureLimit ({})", r.failed, m.failure_limit)));
    }
    if m.inconclusive_limit >= 0 && r.inconclusive as i64 > i64::from(m.inconclusive_limit) {
        out = Some((
            Phase::Inconclusive,
            format!("inconclusive ({}) > inconclusiveLimit ({})", r.inconclusive, m.inconclusive_limit),
        ));
    }
    if r.consecutive_error as i64 > i64::from(m.consecutive_error_limit) {
        out = Some((
            Phase::Error,
            format!(
                "consecutiveErrors ({}) > consecutiveErrorLimit ({})",
                r.consecutive_error, m.consecutive_error_limit
            ),
        ));
    }
    out
}

/// `assessMetricStatus`.
fn assess_metric(r: &MetricResult, terminating: bool) -> Phase {
    if r.phase.completed() {
        return r.phase;
    }
    if r.measurements.is_empty() {
        return if terminating { Phase::Successful } else { Phase::Pending };
    }
    if let Some((phase, _)) = failure_inconclusive_or_error(r) {
        return phase;
    }
    if r.metric.count.is_some_and(|n| r.count >= n) {
        return Phase::Successful;
    }
    if terminating {
        Phase::Successful
    } else {
        Phase::Running
    }
}

/// When the metric's next measurement is due (None: none will be taken).
fn next_due(r: &MetricResult, started: SimTime) -> Option<SimTime> {
    if r.phase.completed() {
        return None;
    }
    let Some(last) = r.measurements.last() else { return Some(started + r.metric.initial_delay) };
    if r.metric.count.is_some_and(|n| r.count >= n) {
        return None;
    }
    let interval = if last.phase == Phase::Error {
        ERROR_RETRY_INTERVAL
    } else {
        r.metric.interval.unwrap_or(ERROR_RETRY_INTERVAL)
    };
    Some(last.at + interval)
}

impl AnalysisRun {
    pub fn start(name: String, kind: RunKind, hash: String, started: SimTime, metrics: Vec<Metric>) -> Self {
        let metrics = metrics
            .into_iter()
            .map(|metric| MetricResult {
                metric,
                phase: Phase::Pending,
                measurements: Vec::new(),
                count: 0,
                successful: 0,
                failed: 0,
                inconclusive: 0,
                error: 0,
                consecutive_error: 0,
            })
            .collect();
        AnalysisRun {
            name,
            kind,
            hash,
            started,
            phase: Phase::Running,
            message: String::new(),
            terminate: false,
            metrics,
            seen_by_rollout: None,
        }
    }

    /// `IsTerminating`: asked to stop, or a metric already Failed, Errored or Inconclusive.
    fn terminating(&self) -> bool {
        self.terminate
            || self.metrics.iter().any(|m| matches!(m.phase, Phase::Failed | Phase::Error | Phase::Inconclusive))
    }

    /// `reconcileAnalysisRun` at `now`: the measurements due, then the metrics' and the run's
    /// phases. Returns the run's events and when it wants to be reconciled next.
    pub fn reconcile(&mut self, now: SimTime, source: &dyn MetricSource) -> (Vec<RunEvent>, Option<SimTime>) {
        let mut events = Vec::new();
        if self.phase.completed() {
            return (events, None);
        }
        let terminating = self.terminating();
        let started = self.started;
        for r in &mut self.metrics {
            if terminating || next_due(r, started).is_none_or(|t| t > now) {
                continue;
            }
            let measured = source.measure(&r.metric.query, now);
            let (phase, value, message) = match measured.and_then(|v| evaluate(&r.metric, &v).map(|p| (p, v))) {
                Ok((phase, v)) => (phase, format_value(&v), String::new()),
                Err(e) => (Phase::Error, String::new(), e),
            };
            match phase {
                Phase::Successful => r.successful += 1,
                Phase::Failed => r.failed += 1,
                Phase::Inconclusive => r.inconclusive += 1,
                _ => {}
            }
            if phase == Phase::Error {
                r.error += 1;
                r.consecutive_error += 1;
            } else {
                r.count += 1;
                r.consecutive_error = 0;
            }
            if r.phase == Phase::Pending {
                r.phase = Phase::Running;
            }
            let said = if message.is_empty() { value.clone() } else { message.clone() };
            events.push(RunEvent {
                reason: "MeasurementCompleted",
                message: format!("metric '{}' measured {}: {said}", r.metric.name, phase.as_str()),
                warning: matches!(phase, Phase::Failed | Phase::Error),
            });
            r.measurements.push(Measurement { at: now, phase, value, message });
        }
        // assessRunStatus.
        let terminating = self.terminating() || terminating;
        let (mut worst, mut worst_message, mut everything_completed) = (None::<Phase>, String::new(), true);
        for r in &mut self.metrics {
            let status = assess_metric(r, terminating);
            if status != r.phase && status.completed() {
                events.push(RunEvent {
                    reason: metric_reason(status),
                    message: format!("Metric '{}' Completed. Result: {}", r.metric.name, status.as_str()),
                    warning: matches!(status, Phase::Failed | Phase::Error),
                });
            }
            r.phase = status;
            if !status.completed() {
                everything_completed = false;
                continue;
            }
            if worst.is_none_or(|w| w.worse(status)) {
                worst = Some(status);
                if let Some((_, why)) = failure_inconclusive_or_error(r) {
                    worst_message = format!("Metric \"{}\" assessed {} due to {why}", r.metric.name, status.as_str());
                    if let Some(m) = r.measurements.last().filter(|m| !m.message.is_empty()) {
                        worst_message += &format!(": \"Error Message: {}\"", m.message);
                    }
                }
            }
        }
        // A failed metric ends its run at once (kubesim's simplification: Argo waits for
        // the next reconcile, at the other metrics' next measurement).
        let failing = self.terminating();
        let phase = match worst {
            Some(w) if everything_completed || terminating || failing => w,
            None if self.terminate => Phase::Successful,
            _ => Phase::Running,
        };
        if phase != self.phase {
            self.phase = phase;
            self.message = worst_message;
            if phase.completed() {
                events.push(RunEvent {
                    reason: run_reason(phase),
                    message: format!("Analysis Completed. Result: {}", phase.as_str()),
                    warning: matches!(phase, Phase::Failed | Phase::Error),
                });
            }
        }
        let next =
            if self.phase.completed() { None } else { self.metrics.iter().filter_map(|r| next_due(r, started)).min() };
        (events, next)
    }
}

#[cfg(test)]
mod tests;
