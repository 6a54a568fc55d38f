//! The Rollout's side of analysis (rollout/analysis.go `reconcileAnalysisRuns`): a step's `analysis` starts a run when the step is reached
//! (`reconcileStepBasedAnalysisRun`), `strategy.canary.analysis` a background run once the
//! update passes `startingStep` (`reconcileBackgroundAnalysisRun`); a Failed or Error run
//! aborts the update (`AddAbort` with the run's message), an Inconclusive one pauses it
//! (`InconclusiveAnalysisRun`); runs are terminated when the update is aborted or fully
//! promoted (`cancelAnalysisRuns`). The step completes when its run is Successful
//! (canary.go `completedCurrentCanaryStep`). Blue-green's pre- and post-promotion runs are
//! [`blue_green_gate`]s that the blue-green sync waits on.

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
        RunKind::PrePromotion => "PrePromotion",
        RunKind::PostPromotion => "PostPromotion",
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
        RunKind::PrePromotion => format!("{}-{}-{}-pre", view.name, new.hash, new.revision),
        RunKind::PostPromotion => format!("{}-{}-{}-post", view.name, new.hash, new.revision),
    };
    // analysisutil `CreateWithCollisionCounter`: a name already taken (a run started again
    // after a retry) gets ".1", ".2", ...
    let taken = |n: &str| d.status.analysis_runs.iter().any(|r| r.name == n);
    let name = if taken(&name) {
        let mut n = 1;
        while taken(&format!("{name}.{n}")) {
            n += 1;
        }
        format!("{name}.{n}")
    } else {
        name
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
        let Some(run) = advance(d, view, new, slot) else { continue };
        match run.phase {
            Phase::Failed | Phase::Error => abort(d, view, new, &run.message),
            Phase::Inconclusive => pause_inconclusive(d, view),
            _ => {}
        }
        if d.status.abort {
            break;
        }
    }
}

/// The analysis controller's reconcile of the run in `slot` when it analyses the current
/// template and is not over: its measurements, its events, and the Rollout's event when its
/// phase changed (`emitAnalysisRunStatusChanges`). Returns the run as it now is.
fn advance(d: &mut Decision, view: &RolloutView, new: &RsView, slot: Option<usize>) -> Option<AnalysisRun> {
    let run = d.status.analysis_runs.get_mut(slot?)?;
    if run.hash != new.hash || run.phase.completed() {
        return None;
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
    Some(run)
}

/// An Inconclusive run pauses the Rollout (`PauseReasonInconclusiveAnalysis`) until promoted.
fn pause_inconclusive(d: &mut Decision, view: &RolloutView) {
    if d.status.pause == Pause::None {
        d.status.pause = Pause::Since(view.now);
        d.actions.push(Action::Event {
            reason: "RolloutPaused",
            message: "Rollout is paused (InconclusiveAnalysisRun)".into(),
        });
    }
}

/// Where blue-green stands with one of its analyses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gate {
    /// No such analysis, or its run succeeded (or was promoted past when Inconclusive).
    Passed,
    /// The run is under way (or paused Inconclusive, or could not be created).
    Waiting,
    /// The run failed: the update is aborted.
    Aborted,
}

/// Blue-green's pre- or post-promotion analysis for the new ReplicaSet (rollout/analysis.go
/// `reconcilePrePromotionAnalysisRun`, `reconcilePostPromotionAnalysisRun`): the run
/// `<rollout>-<hash>-<revision>-pre` (or `-post`) is started once, reconciled on each sync,
/// and its outcome applied as `setPauseOrAbortForBlueGreen` does: Failed or Error aborts
/// ("Blue/green pre-promotion analysis phase error/failed: ..."), Inconclusive pauses.
/// The caller asks only when the run may start (`skipPrePromotionAnalysisRun`: the new
/// ReplicaSet is saturated and not active; `skipPostPromotionAnalysisRun`: it is active
/// and not yet stable).
pub fn blue_green_gate(d: &mut Decision, view: &RolloutView, new: &RsView, a: &RolloutAnalysis, kind: RunKind) -> Gate {
    let slot = match kind {
        RunKind::PostPromotion => d.status.post_promotion_run,
        _ => d.status.pre_promotion_run,
    };
    let current = slot.filter(|&i| d.status.analysis_runs.get(i).is_some_and(|r| r.kind == kind && r.hash == new.hash));
    let slot = match current {
        Some(i) => Some(i),
        None => {
            let started = start(d, view, new, a, kind);
            match kind {
                RunKind::PostPromotion => d.status.post_promotion_run = started,
                _ => d.status.pre_promotion_run = started,
            }
            started
        }
    };
    let Some(i) = slot else { return Gate::Waiting };
    let run = advance(d, view, new, Some(i)).or_else(|| d.status.analysis_runs.get(i).cloned());
    let Some(run) = run else { return Gate::Waiting };
    match run.phase {
        Phase::Successful => Gate::Passed,
        Phase::Failed | Phase::Error => {
            let stage = if kind == RunKind::PostPromotion { "post" } else { "pre" };
            let mut message = format!("Blue/green {stage}-promotion analysis phase error/failed");
            if !run.message.is_empty() {
                message += &format!(": {}", run.message);
            }
            abort(d, view, new, &message);
            Gate::Aborted
        }
        // kubesim's simplification, as for a canary step: `promote` past an Inconclusive
        // run lets the update go on.
        Phase::Inconclusive if d.status.pause == Pause::Released => Gate::Passed,
        Phase::Inconclusive => {
            pause_inconclusive(d, view);
            Gate::Waiting
        }
        Phase::Running | Phase::Pending => Gate::Waiting,
    }
}

/// Ends blue-green's runs (`cancelAnalysisRuns` when the update is aborted, fully promoted
/// or promoted in full).
pub fn terminate_blue_green(d: &mut Decision, view: &RolloutView) {
    let (pre, post) = (d.status.pre_promotion_run, d.status.post_promotion_run);
    terminate(d, pre, view);
    terminate(d, post, view);
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
