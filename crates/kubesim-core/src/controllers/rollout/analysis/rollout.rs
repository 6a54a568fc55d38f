//! The Rollout's side of analysis (rollout/analysis.go `reconcileAnalysisRuns`, canary
//! only): a step's `analysis` starts a run when the step is reached
//! (`reconcileStepBasedAnalysisRun`), `strategy.canary.analysis` a background run once the
//! update passes `startingStep` (`reconcileBackgroundAnalysisRun`); a Failed or Error run
//! aborts the update (`AddAbort` with the run's message), an Inconclusive one pauses it
//! (`InconclusiveAnalysisRun`); runs are terminated when the update is aborted or fully
//! promoted (`cancelAnalysisRuns`). The step completes when its run is Successful
//! (canary.go `completedCurrentCanaryStep`).

use super::query::{self, Query};
use super::{run_reason, AnalysisRun, Metric, MetricSource, Phase, RunEvent, RunKind};
use crate::controllers::rollout::{Action, Decision, Pause, RolloutView, RsView};
use crate::model::spec::{
    AnalysisTemplate, AnalysisTemplateRef, ArgValue, CanarySpec, CanaryStep, MetricProvider, RolloutAnalysis,
};

/// What the analysis needs from the cluster: the templates, and the traffic's figures.
pub trait AnalysisEnv: MetricSource {
    fn template(&self, r: &AnalysisTemplateRef) -> Option<&AnalysisTemplate>;
}

/// No templates, no traffic: for views that carry no analysis.
pub struct NoAnalysis;

impl MetricSource for NoAnalysis {
    fn measure(&self, _: &Query, _: crate::engine::SimTime) -> Result<Vec<f64>, String> {
        Err("no metrics".into())
    }
}

impl AnalysisEnv for NoAnalysis {
    fn template(&self, _: &AnalysisTemplateRef) -> Option<&AnalysisTemplate> {
        None
    }
}

/// analysisutil `NewAnalysisRunFromTemplates`: the templates' metrics with the arguments
/// merged (the Rollout's values over the templates' defaults, `MergeArgs`) and substituted.
pub fn run_metrics(
    a: &RolloutAnalysis,
    env: &dyn AnalysisEnv,
    stable_hash: &str,
    latest_hash: &str,
) -> Result<Vec<Metric>, String> {
    let mut metrics = Vec::new();
    for r in &a.templates {
        let kind = if r.cluster_scope { "clusteranalysistemplate" } else { "analysistemplate" };
        let t = env.template(r).ok_or_else(|| format!("{kind}.argoproj.io \"{}\" not found", r.name))?;
        let mut args: Vec<(String, Option<String>)> =
            t.args.iter().map(|x| (x.name.clone(), x.value.clone())).collect();
        for (name, value) in &a.args {
            let v = match value {
                ArgValue::Value(v) => v.clone(),
                ArgValue::PodTemplateHash { latest: true } => latest_hash.to_string(),
                ArgValue::PodTemplateHash { latest: false } => stable_hash.to_string(),
            };
            if let Some(slot) = args.iter_mut().find(|(n, _)| n == name) {
                slot.1 = Some(v);
            }
        }
        if let Some((name, _)) = args.iter().find(|(_, v)| v.is_none()) {
            return Err(format!("args.{name} was not resolved"));
        }
        for m in &t.metrics {
            let q = match &m.provider {
                MetricProvider::Prometheus { query: text } => query::parse_promql(&query::substitute(text, &args)?)?,
                MetricProvider::Kubesim { metric, service, ingress, window } => {
                    let sub = |v: &Option<String>| v.as_deref().map(|s| query::substitute(s, &args)).transpose();
                    query::kubesim_query(metric, sub(service)?.as_deref(), sub(ingress)?.as_deref(), *window)?
                }
            };
            let count = match (m.count, m.interval) {
                (Some(n), _) => Some(n),
                // EffectiveCount: without an interval a metric is measured once.
                (None, None) => Some(1),
                (None, Some(_)) => None,
            };
            metrics.push(Metric {
                name: m.name.clone(),
                interval: m.interval,
                initial_delay: m.initial_delay,
                count,
                failure_limit: m.failure_limit,
                inconclusive_limit: m.inconclusive_limit,
                consecutive_error_limit: m.consecutive_error_limit,
                success_condition: m.success_condition.clone(),
                failure_condition: m.failure_condition.clone(),
                query: q,
            });
        }
    }
    Ok(metrics)
}

fn run_events(d: &mut Decision, run: &str, events: Vec<RunEvent>) {
    for e in events {
        d.actions.push(Action::RunEvent {
            run: run.to_string(),
            reason: e.reason,
            message: e.message,
            warning: e.warning,
        });
    }
}

/// The label of a run's type in the Rollout's events (RolloutTypeStepLabel, ...).
fn type_label(kind: RunKind) -> &'static str {
    match kind {
        RunKind::Step(_) => "Step",
        RunKind::Background => "Background",
    }
}

/// `emitAnalysisRunStatusChanges`: "Step Analysis Run 'NAME' Status New: 'Failed' Previous: 'Running'".
fn status_change(d: &mut Decision, run: &AnalysisRun, previous: Option<Phase>) {
    let prev = previous.map_or("NoPreviousStatus", Phase::as_str);
    let message = format!(
        "{} Analysis Run '{}' Status New: '{}' Previous: '{prev}'",
        type_label(run.kind),
        run.name,
        run.phase.as_str()
    );
    let warning = matches!(run.phase, Phase::Failed | Phase::Error);
    d.actions.push(Action::RolloutEvent { reason: run_reason(run.phase), message, warning });
}

/// Terminates a running run (`cancelAnalysisRuns`: `spec.terminate`); it ends Successful
/// unless a metric already failed.
fn terminate(d: &mut Decision, index: Option<usize>, view: &RolloutView) {
    let Some(i) = index else { return };
    let Some(run) = d.status.analysis_runs.get_mut(i) else { return };
    if run.phase.completed() {
        return;
    }
    run.terminate = true;
    let (events, _) = run.reconcile(view.now, view.analysis);
    let previous = run.seen_by_rollout.replace(run.phase);
    let run = run.clone();
    run_events(d, &run.name, events);
    if previous != Some(run.phase) {
        status_change(d, &run, previous);
    }
}

/// Starts a run; a template that is missing or an argument without a value is Argo's
/// failure to create it: a warning on the Rollout, and no run.
fn start(d: &mut Decision, view: &RolloutView, new: &RsView, a: &RolloutAnalysis, kind: RunKind) -> Option<usize> {
    let stable = d.status.stable_hash.clone().unwrap_or_default();
    let name = match kind {
        RunKind::Step(i) => format!("{}-{}-{}-{i}", view.name, new.hash, new.revision),
        RunKind::Background => format!("{}-{}-{}", view.name, new.hash, new.revision),
    };
    match run_metrics(a, view.analysis, &stable, &new.hash) {
        Ok(metrics) => {
            let mut run = AnalysisRun::start(name, kind, new.hash.clone(), view.now, metrics);
            // The Rollout records the new run as Running (its next sync sees the analysis
            // controller's first reconcile).
            run.seen_by_rollout = Some(Phase::Running);
            status_change(d, &run, None);
            d.status.analysis_runs.push(run);
            Some(d.status.analysis_runs.len() - 1)
        }
        Err(e) => {
            d.actions.push(Action::RolloutEvent {
                reason: "AnalysisRunError",
                message: format!("Failed to create AnalysisRun {name}: {e}"),
                warning: true,
            });
            None
        }
    }
}

/// One sync's analysis for a canary Rollout whose current template has a ReplicaSet.
pub fn reconcile_canary(view: &RolloutView, spec: &CanarySpec, new: &RsView, d: &mut Decision, promoted: bool) {
    if d.status.analysis_runs.is_empty() && spec.analysis.is_none() && !spec.steps.iter().any(is_analysis) {
        return;
    }
    // reconcileAnalysisRuns: skipped (and the runs cancelled) when aborted, fully promoted
    // or promoting in full.
    if d.status.abort || promoted || d.status.promote_full {
        let (step, background) = (d.status.step_run, d.status.background_run);
        terminate(d, step, view);
        terminate(d, background, view);
        if d.status.abort {
            // A retry starts the analysis afresh.
            d.status.step_run = None;
            d.status.background_run = None;
        }
        return;
    }
    let index = d.status.step_index;
    let current = |d: &Decision, slot: Option<usize>, kind: RunKind| {
        slot.filter(|&i| d.status.analysis_runs.get(i).is_some_and(|r| r.kind == kind && r.hash == new.hash))
    };
    // The step's run.
    match spec.steps.get(index) {
        Some(CanaryStep::Analysis(a)) => {
            let kind = RunKind::Step(index);
            if current(d, d.status.step_run, kind).is_none() && d.status.pause == Pause::None {
                let started = start(d, view, new, a, kind);
                if started.is_some() {
                    d.status.step_run = started;
                }
            }
        }
        _ => {
            let step = d.status.step_run;
            terminate(d, step, view);
        }
    }
    // The background run.
    if let Some(bg) = spec.analysis.as_ref() {
        if index >= bg.starting_step.unwrap_or(0) && current(d, d.status.background_run, RunKind::Background).is_none()
        {
            let started = start(d, view, new, bg, RunKind::Background);
            if started.is_some() {
                d.status.background_run = started;
            }
        }
    }
    for slot in [d.status.step_run, d.status.background_run] {
        let Some(i) = slot else { continue };
        let Some(run) = d.status.analysis_runs.get_mut(i) else { continue };
        if run.hash != new.hash || run.phase.completed() {
            continue;
        }
        let (events, next) = run.reconcile(view.now, view.analysis);
        let previous = run.seen_by_rollout.replace(run.phase);
        let run = run.clone();
        run_events(d, &run.name, events);
        if previous != Some(run.phase) {
            status_change(d, &run, previous);
        }
        if let Some(at) = next {
            d.requeue(at);
        }
        match run.phase {
            Phase::Failed | Phase::Error => abort(d, view, new, &run.message),
            Phase::Inconclusive if d.status.pause == Pause::None => {
                d.status.pause = Pause::Since(view.now);
                d.actions.push(Action::Event {
                    reason: "RolloutPaused",
                    message: "Rollout is paused (InconclusiveAnalysisRun)".into(),
                });
            }
            _ => {}
        }
        if d.status.abort {
            break;
        }
    }
}

fn is_analysis(s: &CanaryStep) -> bool {
    matches!(s, CanaryStep::Analysis(_))
}

/// `pauseContext.AddAbort(message)`: as `kubectl argo rollouts abort` does, with the run's
/// message in the event.
fn abort(d: &mut Decision, view: &RolloutView, new: &RsView, message: &str) {
    if d.status.abort {
        return;
    }
    let st = &mut d.status;
    st.abort = true;
    st.aborted_at = Some(view.now);
    st.step_index = 0;
    st.pause = Pause::None;
    st.promote_full = false;
    let mut text = format!("Rollout aborted update to revision {}", new.revision);
    if !message.is_empty() {
        text += &format!(": {message}");
    }
    d.actions.push(Action::RolloutEvent { reason: "RolloutAborted", message: text, warning: true });
    d.requeue(view.now);
}

/// Whether the current step's analysis run succeeded (`completedCurrentCanaryStep`).
pub fn step_succeeded(d: &Decision, index: usize, hash: &str) -> bool {
    d.status
        .step_run
        .and_then(|i| d.status.analysis_runs.get(i))
        .is_some_and(|r| r.kind == RunKind::Step(index) && r.hash == hash && r.phase == Phase::Successful)
}
