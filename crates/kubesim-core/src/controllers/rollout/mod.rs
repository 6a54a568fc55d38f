//! The Argo Rollouts controller (github.com/argoproj/argo-rollouts, rollout/) as pure
//! decisions over a [`RolloutView`]: canary steps (`setWeight`, `pause`, `setCanaryScale`)
//! with the replica arithmetic of utils/replicaset/canary.go, weights set on an
//! ingress-nginx canary Ingress when traffic is routed, and blue-green with its active and
//! preview Services, pause and auto-promotion. Like the real controller it makes one kind of
//! change per sync and asks to be synced again; the glue (`sim/rollouts.rs`) applies the
//! actions and keeps the status.
//!
//! - `mod.rs`: the view, the actions, `reconcile` (template changes, the strategy), and what
//!   both strategies share (scaling, Service selectors, the abort delay, the phase).
//! - [`canary`]: the canary strategy's sync: steps, scaling, full promotion.
//! - [`replica_counts`]: Argo's replica arithmetic (utils/replicaset/canary.go).
//! - [`traffic_routing`]: the weight of the ingress-nginx canary Ingress.
//! - [`bluegreen`]: the blue-green strategy.

pub mod analysis;
pub mod bluegreen;
pub mod canary;
pub mod replica_counts;
pub mod traffic_routing;

use crate::engine::{SimDuration, SimTime};
use crate::model::spec::RolloutStrategy;
pub use crate::model::status::{Pause, Phase, RolloutStatus};
use crate::model::store::RsId;
pub use canary::step_string;
pub use replica_counts::{
    approximate_weighted_counts, basic_canary_counts, current_set_weight, fenceposts, routed_canary_counts,
    traffic_weight_to_replicas, BasicCanary, Counts,
};

pub use crate::model::store::ROLLOUTS_POD_TEMPLATE_HASH as HASH_LABEL;

/// One ReplicaSet of the Rollout, as the controller sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RsView {
    pub id: RsId,
    pub name: String,
    pub hash: String,
    pub revision: i64,
    /// `spec.replicas`.
    pub replicas: i32,
    /// `status.replicas` and `status.availableReplicas`.
    pub created: i32,
    pub available: i32,
}

pub struct RolloutView<'a> {
    pub name: &'a str,
    pub replicas: i32,
    pub template_hash: &'a str,
    pub strategy: &'a RolloutStrategy,
    pub replica_sets: Vec<RsView>,
    pub now: SimTime,
    /// The analysis templates and the traffic's figures.
    pub analysis: &'a dyn analysis::rollout::AnalysisEnv,
}

/// A write the glue makes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// A ReplicaSet `<rollout>-<hash>` for the current template, with 0 replicas.
    CreateReplicaSet {
        revision: i64,
    },
    /// An older ReplicaSet whose template came back becomes the newest revision.
    SetRevision {
        rs: RsId,
        revision: i64,
    },
    Scale {
        rs: RsId,
        to: i32,
    },
    /// Add `rollouts-pod-template-hash: hash` to the Service's selector.
    SelectService {
        service: String,
        hash: String,
    },
    /// Create (first time) or update the canary Ingress with this weight.
    SetCanaryWeight {
        weight: i32,
    },
    Event {
        reason: &'static str,
        message: String,
    },
    /// An event on the Rollout that may be a warning (analysis, an abort).
    RolloutEvent {
        reason: &'static str,
        message: String,
        warning: bool,
    },
    /// An event on an AnalysisRun (`analysisrun/NAME`).
    RunEvent {
        run: String,
        reason: &'static str,
        message: String,
        warning: bool,
    },
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Decision {
    pub status: RolloutStatus,
    pub actions: Vec<Action>,
    /// Sync again then (the API latency, a pause's end, a scale-down deadline).
    pub requeue_at: Option<SimTime>,
}

impl Decision {
    fn event(&mut self, reason: &'static str, message: String) {
        self.actions.push(Action::Event { reason, message });
    }

    pub(crate) fn requeue(&mut self, at: SimTime) {
        self.requeue_at = Some(self.requeue_at.map_or(at, |t| t.min(at)));
    }
}

/// One sync of a Rollout.
pub fn reconcile(view: &RolloutView, status: &RolloutStatus, api_latency: SimDuration) -> Decision {
    let mut d = Decision { status: status.clone(), ..Decision::default() };
    if d.status.current_hash != view.template_hash {
        template_changed(view, &mut d);
    }
    let Some(new) = view.replica_sets.iter().find(|r| r.hash == view.template_hash) else {
        let revision = next_revision(view);
        d.actions.push(Action::CreateReplicaSet { revision });
        let name = format!("{}-{}", view.name, view.template_hash);
        d.event("NewReplicaSetCreated", format!("Created ReplicaSet {name} (revision {revision})"));
        d.requeue(view.now + api_latency);
        return d;
    };
    match view.strategy {
        RolloutStrategy::Canary(spec) => canary::rollout_canary(view, spec, new, &mut d, api_latency),
        RolloutStrategy::BlueGreen(spec) => bluegreen::rollout_blue_green(view, spec, new, &mut d, api_latency),
    }
    d
}

fn next_revision(view: &RolloutView) -> i64 {
    view.replica_sets.iter().map(|r| r.revision).max().unwrap_or(0) + 1
}

/// The template changed: the update starts from the first step (or, back to the stable
/// template, skips them: "Rollback to stable"); an older ReplicaSet that runs the template
/// again becomes the newest revision.
fn template_changed(view: &RolloutView, d: &mut Decision) {
    let st = &mut d.status;
    st.current_hash = view.template_hash.to_string();
    st.step_index = 0;
    st.pause = Pause::None;
    st.abort = false;
    st.aborted_at = None;
    st.promote_full = false;
    // The previous update's runs are cancelled (`cancelAnalysisRuns`): a run no metric of
    // which failed ends Successful, as a terminated run does.
    for run in st.analysis_runs.iter_mut().filter(|r| !r.phase.completed()) {
        run.terminate = true;
        let failed = run.metrics.iter().any(|m| m.phase == analysis::Phase::Failed);
        run.phase = if failed { analysis::Phase::Failed } else { analysis::Phase::Successful };
    }
    st.step_run = None;
    st.background_run = None;
    let newest = view.replica_sets.iter().map(|r| r.revision).max().unwrap_or(0);
    let mut revision = newest + 1;
    if let Some(rs) = view.replica_sets.iter().find(|r| r.hash == view.template_hash) {
        if rs.revision < newest {
            d.actions.push(Action::SetRevision { rs: rs.id, revision });
        } else {
            revision = rs.revision;
        }
    }
    if let RolloutStrategy::Canary(c) = view.strategy {
        if d.status.stable_hash.as_deref() == Some(view.template_hash) && !c.steps.is_empty() {
            d.status.step_index = c.steps.len();
            d.event("SkipSteps", "Rollback to stable".into());
        }
    }
    d.event("RolloutUpdated", format!("Rollout updated to revision {revision}"));
}

/// Scales `rs` to `to` when it differs; says whether it did.
fn scale(d: &mut Decision, rs: &RsView, to: i32) -> bool {
    if rs.replicas == to {
        return false;
    }
    d.actions.push(Action::Scale { rs: rs.id, to });
    true
}

/// Points `service` at `hash` when it does not already select it.
fn select_service(d: &mut Decision, service: Option<&String>, hash: &str) {
    let Some(service) = service else { return };
    if d.status.service_hashes.get(service).map(String::as_str) != Some(hash) {
        d.status.service_hashes.insert(service.clone(), hash.to_string());
        d.actions.push(Action::SelectService { service: service.clone(), hash: hash.to_string() });
    }
}

/// Argo's default abortScaleDownDelaySeconds: an aborted traffic-routed canary, or an
/// aborted blue-green preview, keeps its pods this long after the abort.
const ABORT_SCALE_DOWN_DELAY: SimDuration = SimDuration::from_secs(30);

/// While an abort's scale-down delay runs, the ReplicaSet keeps its size.
fn abort_delay_running(d: &mut Decision, now: SimTime) -> bool {
    match d.status.aborted_at.map(|t| t + ABORT_SCALE_DOWN_DELAY) {
        Some(until) if now < until => {
            d.requeue(until);
            true
        }
        _ => false,
    }
}

/// `status.phase`: Degraded when aborted, Paused at a pause, Healthy when the current
/// template is stable (or active) with every pod available and no other pod left.
fn phase(view: &RolloutView, new: &RsView, all: &[RsView], d: &Decision) -> Phase {
    let st = &d.status;
    let current_is_stable = match view.strategy {
        RolloutStrategy::Canary(_) => st.stable_hash.as_deref() == Some(new.hash.as_str()),
        RolloutStrategy::BlueGreen(_) => st.active_hash.as_deref() == Some(new.hash.as_str()),
    };
    if st.abort {
        Phase::Degraded
    } else if matches!(st.pause, Pause::Since(_)) {
        Phase::Paused
    } else if current_is_stable
        && new.available == view.replicas
        && all.iter().filter(|r| r.id != new.id).all(|r| r.replicas == 0 && r.created == 0)
    {
        Phase::Healthy
    } else {
        Phase::Progressing
    }
}

#[cfg(test)]
mod tests;
