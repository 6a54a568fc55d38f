//! The blue-green strategy (rollout/bluegreen.go `rolloutBlueGreen`): the new ReplicaSet at
//! full size behind the preview Service, the pause, the switch of the active Service, and
//! the previous active ReplicaSet scaled down after its delay.

use super::analysis::rollout::{self as analysis, Gate};
use super::analysis::RunKind;
use super::{abort_delay_running, phase, scale, select_service, Decision, Pause, RolloutView, RsView};
use crate::engine::{SimDuration, SimTime};
use crate::model::spec::{BlueGreenSpec, RolloutAnalysis};

/// Blue-green (rollout/bluegreen.go): the new ReplicaSet scales to full size behind the
/// preview Service; once all its pods are available (and after the pause, when
/// autoPromotionEnabled is false or autoPromotionSeconds is set) the active Service switches
/// to it at once, and the previous active ReplicaSet scales to 0 after scaleDownDelaySeconds.
pub(super) fn rollout_blue_green(
    view: &RolloutView,
    spec: &BlueGreenSpec,
    new: &RsView,
    d: &mut Decision,
    latency: SimDuration,
) {
    let now = view.now;
    if d.status.active_hash.is_none() {
        // The initial deploy is active at once.
        d.status.active_hash = Some(new.hash.clone());
        d.status.stable_hash = Some(new.hash.clone());
    }
    let stable = d.status.stable_hash.clone().unwrap_or_default();
    if d.status.abort && d.status.active_hash.as_deref() != Some(stable.as_str()) {
        // `reconcileActiveService`: an aborted update sends the active Service back to the
        // stable ReplicaSet (after a failed post-promotion analysis).
        let from = d.status.active_hash.replace(stable.clone()).unwrap_or_default();
        let message = format!("Switched selector for service '{}' from '{from}' to '{stable}'", spec.active_service);
        d.event("SwitchService", message);
    }
    let has_analysis = spec.pre_promotion_analysis.is_some() || spec.post_promotion_analysis.is_some();
    if has_analysis && (d.status.abort || d.status.promote_full || stable == new.hash) {
        // `reconcileAnalysisRuns`: runs are cancelled once aborted or fully promoted.
        analysis::terminate_blue_green(d, view);
        if d.status.abort {
            // A retry starts the analysis afresh.
            d.status.pre_promotion_run = None;
            d.status.post_promotion_run = None;
        }
    }
    let active = d.status.active_hash.clone().unwrap_or_default();
    let aborted = d.status.abort && new.hash != active;
    select_service(d, spec.preview_service.as_ref(), if aborted { &active } else { &new.hash });
    select_service(d, Some(&spec.active_service), &active);
    let target = if aborted && !abort_delay_running(d, now) {
        0
    } else if aborted {
        new.replicas
    } else {
        view.replicas
    };
    if scale(d, new, target) {
        d.requeue(now + latency);
        d.status.phase = phase(view, new, &view.replica_sets, d);
        return;
    }
    let ready = new.replicas == view.replicas && new.available == view.replicas;
    if new.hash != active
        && !aborted
        && ready
        && analysis_passed(view, spec.pre_promotion_analysis.as_ref(), new, d, RunKind::PrePromotion)
        && blue_green_pause_over(spec, d, now)
    {
        d.status.active_hash = Some(new.hash.clone());
        d.status.pause = Pause::None;
        d.status.promote_full = false;
        select_service(d, Some(&spec.active_service), &new.hash);
        let message =
            format!("Switched selector for service '{}' from '{active}' to '{}'", spec.active_service, new.hash);
        d.event("SwitchService", message);
        d.requeue(now + latency);
    }
    let active = d.status.active_hash.clone().unwrap_or_default();
    if active == new.hash
        && stable != new.hash
        && !d.status.abort
        && analysis_passed(view, spec.post_promotion_analysis.as_ref(), new, d, RunKind::PostPromotion)
    {
        // `shouldFullPromote`: "Completed blue-green update" makes the active ReplicaSet
        // stable; the previous one gets its scale-down deadline.
        d.status.stable_hash = Some(new.hash.clone());
        let at = now + SimDuration::from_secs(u64::try_from(spec.scale_down_delay_seconds).unwrap_or(0));
        d.status.scale_down_at.insert(stable.clone(), at);
        let message = format!(
            "Rollout completed update to revision {} ({}): Completed blue-green update",
            new.revision, new.hash
        );
        d.event("RolloutCompleted", message);
        d.requeue(now + latency);
    }
    let stable = d.status.stable_hash.clone().unwrap_or_default();
    // `scaleDownOldReplicaSetsForBlueGreen`: with a post-promotion analysis and no
    // scaleDownDelaySeconds, nothing older is scaled down until the analysis succeeded.
    let held = spec.post_promotion_analysis.is_some()
        && !spec.scale_down_delay_given
        && stable != new.hash
        && active == new.hash;
    // `isReplicaSetReferenced`: the new, the active and the stable ReplicaSets keep their pods.
    let others = view.replica_sets.iter().filter(|r| r.hash != new.hash && r.hash != active && r.hash != stable);
    for rs in others.filter(|r| r.replicas > 0 && !held) {
        match d.status.scale_down_at.get(&rs.hash).copied() {
            Some(at) if now < at => d.requeue(at),
            _ => {
                scale(d, rs, 0);
                d.status.scale_down_at.remove(&rs.hash);
                d.requeue(now + latency);
            }
        }
    }
    d.status.phase = phase(view, new, &view.replica_sets, d);
}

/// Whether blue-green's pre- or post-promotion analysis lets the update go on: no such
/// analysis, a full promotion, or its run succeeded. Pre-promotion (`kind` PrePromotion) is
/// asked while the new ReplicaSet, saturated, is not yet active: the pause does not even
/// start before it succeeded (`completedPrePromotionAnalysis`, `reconcileBlueGreenPause`).
/// Post-promotion is asked once the active Service selects the new ReplicaSet, which becomes
/// stable only after it succeeded (`shouldFullPromote`).
fn analysis_passed(
    view: &RolloutView,
    analysis: Option<&RolloutAnalysis>,
    new: &RsView,
    d: &mut Decision,
    kind: RunKind,
) -> bool {
    match analysis {
        None => true,
        Some(_) if d.status.promote_full => true,
        Some(a) => analysis::blue_green_gate(d, view, new, a, kind) == Gate::Passed,
    }
}

/// `reconcileBlueGreenPause`: whether the new ReplicaSet, all available, may become active.
/// Without a pause (autoPromotionEnabled and no autoPromotionSeconds) at once; otherwise
/// after `promote`, or autoPromotionSeconds into the pause.
fn blue_green_pause_over(spec: &BlueGreenSpec, d: &mut Decision, now: SimTime) -> bool {
    let seconds = u64::try_from(spec.auto_promotion_seconds).unwrap_or(0);
    let timed = spec.auto_promotion_enabled && seconds > 0;
    if d.status.promote_full || (spec.auto_promotion_enabled && seconds == 0) {
        return true;
    }
    match d.status.pause {
        Pause::None => {
            d.status.pause = Pause::Since(now);
            d.event("RolloutPaused", "Rollout is paused (BlueGreenPause)".into());
            if timed {
                d.requeue(now + SimDuration::from_secs(seconds));
            }
            false
        }
        Pause::Since(t) if timed && now >= t + SimDuration::from_secs(seconds) => true,
        Pause::Since(t) => {
            if timed {
                d.requeue(t + SimDuration::from_secs(seconds));
            }
            false
        }
        Pause::Released => true,
    }
}
