//! The canary strategy's sync (rollout/canary.go `rolloutCanary`): the (canary, stable) sizes
//! of this step, one kind of scaling per sync (the stable, then the canary, then the older
//! ReplicaSets), the steps (`completedCurrentCanaryStep`) and the full promotion.

use super::replica_counts::{
    basic_canary_counts, current_set_weight, fenceposts, routed_canary_counts, BasicCanary, Counts,
};
use super::traffic_routing::set_traffic_weight;
use super::{abort_delay_running, phase, scale, select_service, Decision, Pause, RolloutView, RsView};
use crate::engine::SimDuration;
use crate::model::spec::{CanarySpec, CanaryStep};

/// `rolloutCanary`: one sync of a canary Rollout whose current template has a ReplicaSet.
pub(super) fn rollout_canary(
    view: &RolloutView,
    spec: &CanarySpec,
    new: &RsView,
    d: &mut Decision,
    latency: SimDuration,
) {
    let now = view.now;
    let steps = &spec.steps;
    if d.status.stable_hash.is_none() {
        // The first template is stable at once: no steps on the initial deploy.
        d.status.stable_hash = Some(new.hash.clone());
        d.status.step_index = steps.len();
    }
    let stable_hash = d.status.stable_hash.clone().unwrap_or_default();
    let stable = view.replica_sets.iter().find(|r| r.hash == stable_hash && r.hash != new.hash);
    let mut others: Vec<&RsView> =
        view.replica_sets.iter().filter(|r| r.hash != new.hash && r.hash != stable_hash).collect();
    others.sort_by_key(|r| std::cmp::Reverse(r.revision));
    let routed = spec.stable_ingress.is_some();
    let promoted = stable.is_none();
    super::analysis::rollout::reconcile_canary(view, spec, new, d, promoted);
    select_service(d, spec.canary_service.as_ref(), &new.hash);
    select_service(d, spec.stable_service.as_ref(), &stable_hash);
    let (surge, unavailable) = fenceposts(&spec.max_surge, &spec.max_unavailable, view.replicas);
    let (mut new_desired, stable_desired) = if promoted {
        (view.replicas, 0)
    } else if routed {
        routed_canary_counts(view.replicas, steps, &d.status, false)
    } else {
        let weight =
            if d.status.promote_full { 100 } else { current_set_weight(steps, d.status.step_index, d.status.abort) };
        basic_canary_counts(&BasicCanary {
            replicas: view.replicas,
            weight,
            max_surge: surge,
            max_unavailable: unavailable,
            canary: Some(Counts { replicas: new.replicas, available: new.available }),
            stable: stable.map(|s| Counts { replicas: s.replicas, available: s.available }),
            others_replicas: others.iter().map(|r| r.replicas).sum(),
        })
    };
    if routed && d.status.abort && new_desired < new.replicas && abort_delay_running(d, now) {
        new_desired = new.replicas;
    }
    let at_desired = new.replicas == new_desired
        && new.available == new_desired
        && stable.is_none_or(|s| s.replicas == stable_desired && s.created == stable_desired)
        && (routed || others.iter().all(|r| r.available == 0));
    if routed {
        set_traffic_weight(spec, new, d, at_desired);
    }
    // One kind of change per sync: the stable, then the canary, then the others.
    let scaled = stable.is_some_and(|s| scale(d, s, stable_desired))
        || scale(d, new, new_desired)
        || scale_down_others(view, unavailable, routed, &others, d);
    if scaled {
        d.requeue(now + latency);
    } else if !d.status.abort && !promoted {
        advance_step(view, spec, d, at_desired, latency);
    }
    if !promoted && !d.status.abort && new.available == view.replicas && new.replicas == view.replicas {
        full_promote(view, spec, new, stable, d, latency);
    }
    d.status.phase = phase(view, new, &view.replica_sets, d);
}

/// `scaleDownOldReplicaSetsForCanary`: ReplicaSets that are neither canary nor stable go
/// to 0, newest first, as far as maxUnavailable allows; with traffic routing one with a
/// scale-down deadline (the previous stable) stays up until then.
fn scale_down_others(
    view: &RolloutView,
    max_unavailable: i32,
    routed: bool,
    others: &[&RsView],
    d: &mut Decision,
) -> bool {
    let available: i32 = view.replica_sets.iter().map(|r| r.available).sum();
    let mut max_scale_down = available - (view.replicas - max_unavailable);
    let mut scaled = false;
    for rs in others.iter().filter(|r| r.replicas > 0) {
        let mut desired = 0;
        if routed {
            if let Some(&at) = d.status.scale_down_at.get(&rs.hash).filter(|&&at| view.now < at) {
                d.requeue(at);
                continue;
            }
        } else {
            if max_scale_down <= 0 {
                break;
            }
            desired = (rs.replicas - max_scale_down).max(0);
        }
        max_scale_down -= rs.replicas - desired;
        scaled |= scale(d, rs, desired);
        d.status.scale_down_at.remove(&rs.hash);
    }
    scaled
}

/// `completedCurrentCanaryStep`, then the step index moves on (one step per sync).
fn advance_step(view: &RolloutView, spec: &CanarySpec, d: &mut Decision, at_desired: bool, latency: SimDuration) {
    let now = view.now;
    let (index, n) = (d.status.step_index, spec.steps.len());
    let Some(step) = spec.steps.get(index) else { return };
    let completed = match step {
        CanaryStep::Pause(duration) => {
            let duration = duration.as_ref().map(|(d, _)| *d);
            match d.status.pause {
                Pause::None => {
                    d.status.pause = Pause::Since(now);
                    d.event("RolloutPaused", "Rollout is paused (CanaryPauseStep)".into());
                    if let Some(dur) = duration {
                        d.requeue(now + dur);
                    }
                    false
                }
                Pause::Since(t) => match duration {
                    Some(dur) if now >= t + dur => true,
                    Some(dur) => {
                        d.requeue(t + dur);
                        false
                    }
                    None => false,
                },
                Pause::Released => true,
            }
        }
        CanaryStep::SetWeight(_) | CanaryStep::SetCanaryScale { .. } => at_desired,
        // An Inconclusive run pauses the Rollout; `promote` releases the pause and skips the step.
        CanaryStep::Analysis(_) => {
            super::analysis::rollout::step_succeeded(d, index, view.template_hash) || d.status.pause == Pause::Released
        }
    };
    if completed {
        d.status.step_index += 1;
        d.status.pause = Pause::None;
        let message = format!("Rollout step {}/{n} completed ({})", index + 1, step_string(step));
        d.event("RolloutStepCompleted", message);
        d.requeue(now + latency);
    }
}

/// `shouldFullPromote` and `promoteStable`: with every step done (or `promote --full`) and
/// every canary pod available, the canary becomes the stable. With traffic routing the old
/// stable keeps its pods for scaleDownDelaySeconds.
fn full_promote(
    view: &RolloutView,
    spec: &CanarySpec,
    new: &RsView,
    stable: Option<&RsView>,
    d: &mut Decision,
    latency: SimDuration,
) {
    let n = spec.steps.len();
    let reason = if d.status.promote_full {
        "Full promotion requested".to_string()
    } else if d.status.step_index >= n {
        format!("Completed all {n} canary steps")
    } else {
        return;
    };
    d.status.stable_hash = Some(new.hash.clone());
    d.status.step_index = n;
    d.status.promote_full = false;
    d.status.pause = Pause::None;
    select_service(d, spec.stable_service.as_ref(), &new.hash);
    if let (Some(old), true) = (stable, spec.stable_ingress.is_some()) {
        let at = view.now + SimDuration::from_secs(u64::try_from(spec.scale_down_delay_seconds).unwrap_or(0));
        d.status.scale_down_at.insert(old.hash.clone(), at);
    }
    let message = format!("Rollout completed update to revision {} ({}): {reason}", new.revision, new.hash);
    d.event("RolloutCompleted", message);
    d.requeue(view.now + latency);
}

/// `rolloututil.CanaryStepString`: how events name a step.
pub fn step_string(step: &CanaryStep) -> String {
    match step {
        CanaryStep::SetWeight(w) => format!("setWeight: {w}"),
        CanaryStep::Pause(None) => "pause".into(),
        CanaryStep::Pause(Some((_, text))) => format!("pause: {text}"),
        CanaryStep::SetCanaryScale { weight: Some(w), .. } => format!("setCanaryScale{{weight: {w}}}"),
        CanaryStep::SetCanaryScale { match_traffic_weight: true, .. } => {
            "setCanaryScale{matchTrafficWeight: true}".into()
        }
        CanaryStep::SetCanaryScale { replicas, .. } => format!("setCanaryScale{{replicas: {}}}", replicas.unwrap_or(0)),
        // rolloututil.CanaryStepString: "analysis: " and the templates' names.
        CanaryStep::Analysis(a) => {
            let names: Vec<&str> = a.templates.iter().map(|t| t.name.as_str()).collect();
            format!("analysis: {}", names.join(","))
        }
    }
}
