//! The blue-green strategy (rollout/bluegreen.go `rolloutBlueGreen`): the new ReplicaSet at
//! full size behind the preview Service, the pause, the switch of the active Service, and
//! the previous active ReplicaSet scaled down after its delay.

use super::{abort_delay_running, phase, scale, select_service, Decision, Pause, RolloutView, RsView};
use crate::engine::{SimDuration, SimTime};
use crate::model::spec::BlueGreenSpec;

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
    if new.hash != active && !aborted && ready && blue_green_pause_over(spec, d, now) {
        d.status.active_hash = Some(new.hash.clone());
        d.status.stable_hash = Some(new.hash.clone());
        d.status.pause = Pause::None;
        d.status.promote_full = false;
        select_service(d, Some(&spec.active_service), &new.hash);
        let message =
            format!("Switched selector for service '{}' from '{active}' to '{}'", spec.active_service, new.hash);
        d.event("SwitchService", message);
        let at = now + SimDuration::from_secs(u64::try_from(spec.scale_down_delay_seconds).unwrap_or(0));
        d.status.scale_down_at.insert(active.clone(), at);
        let message = format!(
            "Rollout completed update to revision {} ({}): Completed blue-green update",
            new.revision, new.hash
        );
        d.event("RolloutCompleted", message);
        d.requeue(now + latency);
    }
    let active = d.status.active_hash.clone().unwrap_or_default();
    for rs in view.replica_sets.iter().filter(|r| r.hash != new.hash && r.hash != active && r.replicas > 0) {
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
