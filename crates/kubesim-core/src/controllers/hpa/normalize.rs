//! The normalisation of a recommendation (pkg/controller/podautoscaler/horizontal.go): without
//! `behavior`, `normalizeDesiredReplicas` (the downscale stabilisation window, then the legacy
//! scale-up limit); with it, `normalizeDesiredReplicasWithBehaviors` (both stabilisation
//! windows of `stabilizeRecommendationWithBehaviors`, then the rate policies over their
//! periods); and the per-HPA memory of recommendations and scale events they read.

use super::replica_calculator::ceil;
use super::HpaParams;
use crate::engine::{SimDuration, SimTime};
use crate::model::spec::{HpaSpec, ScalingPolicyType, ScalingRules, SelectPolicy};

/// A recommendation or a scale event, as the controller remembers it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Stamped {
    at: SimTime,
    value: i32,
    outdated: bool,
}

/// What the controller remembers of one HPA between syncs (its maps keyed by HPA).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HpaMemory {
    recommendations: Vec<Stamped>,
    scale_up_events: Vec<Stamped>,
    scale_down_events: Vec<Stamped>,
}

impl HpaMemory {
    /// recordInitialRecommendation: the current size, once.
    pub(super) fn record_initial(&mut self, current: i32, now: SimTime) {
        if self.recommendations.is_empty() {
            self.recommendations.push(Stamped { at: now, value: current, outdated: false });
        }
    }

    /// Puts `rec` in place of a sample older than both cut-offs, or appends it.
    fn record(&mut self, rec: Stamped, old: Option<usize>) {
        match old {
            Some(i) => self.recommendations[i] = rec,
            None => self.recommendations.push(rec),
        }
    }
}

fn secs(s: i32) -> SimDuration {
    SimDuration::from_secs(u64::try_from(s).unwrap_or(0))
}

/// `t` is strictly after `now - d` (Go's `After(cutoff)`); a cut-off before time zero is
/// before every sample.
fn after_cutoff(t: SimTime, now: SimTime, d: SimDuration) -> bool {
    now.as_micros().checked_sub(d.as_micros()).is_none_or(|c| t.as_micros() > c)
}

fn before_cutoff(t: SimTime, now: SimTime, d: SimDuration) -> bool {
    now.as_micros().checked_sub(d.as_micros()).is_some_and(|c| t.as_micros() < c)
}

/// stabilizeRecommendation (no `behavior`): the highest recommendation of the window.
fn stabilize(m: &mut HpaMemory, desired: i32, window: SimDuration, now: SimTime) -> i32 {
    let mut max = desired;
    let mut old = None;
    for (i, r) in m.recommendations.iter().enumerate() {
        if before_cutoff(r.at, now, window) {
            old = Some(i);
        } else if r.value > max {
            max = r.value;
        }
    }
    m.record(Stamped { at: now, value: desired, outdated: false }, old);
    max
}

/// stabilizeRecommendationWithBehaviors: the current size, raised to the lowest
/// recommendation of the scale-up window and lowered to the highest of the scale-down one.
fn stabilize_with_behaviors(
    m: &mut HpaMemory,
    current: i32,
    desired: i32,
    up_window: SimDuration,
    down_window: SimDuration,
    now: SimTime,
) -> i32 {
    let (mut up, mut down) = (desired, desired);
    let mut old = None;
    for (i, r) in m.recommendations.iter().enumerate() {
        if after_cutoff(r.at, now, up_window) {
            up = up.min(r.value);
        }
        if after_cutoff(r.at, now, down_window) {
            down = down.max(r.value);
        }
        if before_cutoff(r.at, now, up_window) && before_cutoff(r.at, now, down_window) {
            old = Some(i);
        }
    }
    m.record(Stamped { at: now, value: desired, outdated: false }, old);
    current.max(up).min(down)
}

/// getReplicasChangePerPeriod.
fn change_in_period(period_seconds: i32, events: &[Stamped], now: SimTime) -> i32 {
    events.iter().filter(|e| after_cutoff(e.at, now, secs(period_seconds))).map(|e| e.value).sum()
}

/// calculateScaleUpLimitWithScalingRules / calculateScaleDownLimitWithBehaviors: the size
/// each policy allows from where its period started, the largest change by default.
fn rate_limit(current: i32, m: &HpaMemory, rules: &ScalingRules, up: bool, now: SimTime) -> i32 {
    let pick_max = match rules.select_policy {
        SelectPolicy::Disabled => return current,
        SelectPolicy::Max => up,
        SelectPolicy::Min => !up,
    };
    let mut result = if pick_max { i32::MIN } else { i32::MAX };
    for policy in &rules.policies {
        let added = change_in_period(policy.period_seconds, &m.scale_up_events, now);
        let deleted = change_in_period(policy.period_seconds, &m.scale_down_events, now);
        let start = f64::from(current - added + deleted);
        let proposed = match (policy.kind, up) {
            (ScalingPolicyType::Pods, true) => current - added + deleted + policy.value,
            (ScalingPolicyType::Pods, false) => current - added + deleted - policy.value,
            // Rounded up when growing so that a small set still grows.
            (ScalingPolicyType::Percent, true) => ceil(start * (1.0 + f64::from(policy.value) / 100.0)),
            (ScalingPolicyType::Percent, false) => (start * (1.0 - f64::from(policy.value) / 100.0)) as i32,
        };
        result = if pick_max { result.max(proposed) } else { result.min(proposed) };
    }
    result
}

/// The size after normalisation, and why it differs from the recommendation (the
/// ScalingLimited condition's reason).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Normalized {
    pub replicas: i32,
    pub limited_by: &'static str,
    /// When stabilisation changed the recommendation: the AbleToScale condition's reason
    /// and message (`ScaleDownStabilized`, `ScaleUpStabilized`).
    pub stabilized: Option<(&'static str, &'static str)>,
}

const DOWN_STABILIZED: (&str, &str) = (
    "ScaleDownStabilized",
    "recent recommendations were higher than current one, applying the highest recent recommendation",
);
const UP_STABILIZED: (&str, &str) = (
    "ScaleUpStabilized",
    "recent recommendations were lower than current one, applying the lowest recent recommendation",
);

/// normalizeDesiredReplicas (no `behavior`): stabilised over the downscale window, then
/// held within [minReplicas, min(maxReplicas, max(2 x current, 4))].
pub(super) fn normalize_legacy(
    spec: &HpaSpec,
    m: &mut HpaMemory,
    current: i32,
    desired: i32,
    min: i32,
    p: &HpaParams,
    now: SimTime,
) -> Normalized {
    let stabilized = stabilize(m, desired, p.downscale_stabilization, now);
    let stab = (stabilized != desired).then_some(DOWN_STABILIZED);
    let scale_up_limit = (2 * i64::from(current)).max(4).min(i64::from(i32::MAX)) as i32;
    let (max, why) = if spec.max_replicas > scale_up_limit {
        (scale_up_limit, "ScaleUpLimit")
    } else {
        (spec.max_replicas, "TooManyReplicas")
    };
    if stabilized < min {
        return Normalized { replicas: min, limited_by: "TooFewReplicas", stabilized: stab };
    }
    if stabilized > max {
        return Normalized { replicas: max, limited_by: why, stabilized: stab };
    }
    Normalized { replicas: stabilized, limited_by: "DesiredWithinRange", stabilized: stab }
}

/// normalizeDesiredReplicasWithBehaviors: stabilised, then rate-limited by the policies.
pub(super) fn normalize_with_behaviors(
    spec: &HpaSpec,
    m: &mut HpaMemory,
    current: i32,
    desired: i32,
    min: i32,
    p: &HpaParams,
    now: SimTime,
) -> Normalized {
    let Some(b) = &spec.behavior else { return normalize_legacy(spec, m, current, desired, min, p, now) };
    let up_window = secs(b.scale_up.stabilization_window_seconds.unwrap_or(0));
    let down_window = b.scale_down.stabilization_window_seconds.map_or(p.downscale_stabilization, secs);
    let recommended = desired;
    let desired = stabilize_with_behaviors(m, current, desired, up_window, down_window, now);
    // stabilizeRecommendationWithBehaviors names the window by the recommendation's side.
    let stab = (desired != recommended).then_some(if recommended >= current { UP_STABILIZED } else { DOWN_STABILIZED });
    if desired > current {
        let limit = rate_limit(current, m, &b.scale_up, true, now).max(current);
        let (max, why) =
            if spec.max_replicas > limit { (limit, "ScaleUpLimit") } else { (spec.max_replicas, "TooManyReplicas") };
        if desired > max {
            return Normalized { replicas: max, limited_by: why, stabilized: stab };
        }
    } else if desired < current {
        let limit = rate_limit(current, m, &b.scale_down, false, now).min(current);
        let (min, why) = if min < limit { (limit, "ScaleDownLimit") } else { (min, "TooFewReplicas") };
        if desired < min {
            return Normalized { replicas: min, limited_by: why, stabilized: stab };
        }
    }
    Normalized { replicas: desired, limited_by: "DesiredWithinRange", stabilized: stab }
}

/// storeScaleEvent: remembered only with `behavior`, replacing an event older than the
/// longest policy period.
pub(super) fn store_scale_event(spec: &HpaSpec, m: &mut HpaMemory, prev: i32, new: i32, now: SimTime) {
    let Some(b) = &spec.behavior else { return };
    let (rules, events, change) = if new > prev {
        (&b.scale_up, &mut m.scale_up_events, new - prev)
    } else {
        (&b.scale_down, &mut m.scale_down_events, prev - new)
    };
    let longest = rules.policies.iter().map(|p| p.period_seconds).max().unwrap_or(0);
    for e in events.iter_mut() {
        if before_cutoff(e.at, now, secs(longest)) {
            e.outdated = true;
        }
    }
    let event = Stamped { at: now, value: change, outdated: false };
    match events.iter().rposition(|e| e.outdated) {
        Some(i) => events[i] = event,
        None => events.push(event),
    }
}
