//! Argo's replica arithmetic for a canary (utils/replicaset/canary.go): fenceposts, the
//! weighted (canary, stable) counts without traffic routing and the scaling within maxSurge
//! and maxUnavailable, the counts with traffic routing, and the setWeight / setCanaryScale in
//! force at a step.

use crate::controllers::deployment::util::resolve;
use crate::model::spec::{CanaryStep, IntOrPercent};
use crate::model::status::RolloutStatus;

/// (maxSurge, maxUnavailable) resolved against `replicas` (resolveFenceposts): surge rounds
/// up, unavailable down, both 0 makes unavailable 1; maxUnavailable never above replicas.
pub fn fenceposts(surge: &IntOrPercent, unavailable: &IntOrPercent, replicas: i32) -> (i32, i32) {
    let s = resolve(surge, replicas, true);
    let mut u = resolve(unavailable, replicas, false);
    if s == 0 && u == 0 {
        u = 1;
    }
    (s, if replicas == 0 { 0 } else { u.min(replicas) })
}

/// `trafficWeightToReplicas`: ceil(weight × replicas / 100).
pub fn traffic_weight_to_replicas(replicas: i32, weight: i32) -> i32 {
    (i64::from(weight) * i64::from(replicas) + 99).div_euclid(100).clamp(0, i64::from(i32::MAX)) as i32
}

/// `approximateWeightedCanaryStableReplicaCounts`: the (canary, stable) counts closest to
/// `weight`, summing to `replicas` or, when surge is allowed, `replicas + 1`; with a weight
/// of 1..99 and more than one pod neither is 0. Ties between floor and ceiling go up.
pub fn approximate_weighted_counts(replicas: i32, weight: i32, max_surge: i32) -> (i32, i32) {
    if replicas == 0 {
        return (0, 0);
    }
    let exact = i64::from(replicas) * i64::from(weight);
    let ceil = (exact + 99).div_euclid(100) as i32;
    let floor = (exact / 100) as i32;
    // The fraction of replicas × weight / 100 is exactly one half.
    let tied = |total: i32| (i64::from(total) * i64::from(weight)) % 100 == 50;
    let zero_allowed = weight == 100 || weight == 0 || (replicas == 1 && max_surge == 0);
    let mut options: Vec<(i32, i32)> = Vec::new();
    if ceil < replicas || zero_allowed {
        options.push((ceil, replicas));
    }
    if !tied(replicas) && (floor != 0 || zero_allowed) {
        options.push((floor, replicas));
    }
    if max_surge > 0 {
        options.push((ceil, replicas + 1));
        if !tied(replicas + 1) && (floor != 0 || zero_allowed) {
            options.push((floor, replicas + 1));
        }
    }
    // |canary × 100 / total − weight|, compared exactly as canary × 100 − weight × total
    // over total.
    let delta = |(canary, total): (i32, i32)| {
        let num = (i64::from(canary) * 100 - i64::from(weight) * i64::from(total)).abs();
        (num, i64::from(total))
    };
    let Some(mut best) = options.first().copied() else { return (0, replicas) };
    for &o in options.iter().skip(1) {
        let ((a, at), (b, bt)) = (delta(o), delta(best));
        if a * bt < b * at {
            best = o;
        }
    }
    (best.0, best.1 - best.0)
}

/// A ReplicaSet's counts for the arithmetic: `spec.replicas` and available pods.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub replicas: i32,
    pub available: i32,
}

/// `GetReplicasForScaleDown`.
fn replicas_for_scale_down(rs: Option<Counts>, ignore_availability: bool) -> i32 {
    match rs {
        None => 0,
        Some(c) if c.replicas < c.available || ignore_availability => c.replicas,
        Some(c) => c.available,
    }
}

/// Inputs of [`basic_canary_counts`].
pub struct BasicCanary {
    pub replicas: i32,
    pub weight: i32,
    pub max_surge: i32,
    pub max_unavailable: i32,
    /// None before the canary's ReplicaSet exists.
    pub canary: Option<Counts>,
    /// None when there is no stable ReplicaSet, or it is the canary's.
    pub stable: Option<Counts>,
    /// `spec.replicas` summed over the other ReplicaSets.
    pub others_replicas: i32,
}

/// `CalculateReplicaCountsForBasicCanary`: the (canary, stable) replicas of this sync for
/// a canary without traffic routing, where the replica ratio is the traffic weight. Stable
/// scales up before the canary; scaling down waits for the other ReplicaSets and keeps
/// `replicas − maxUnavailable` available.
///
/// Worked example (Argo's "Use Max Surge and Max Unavailable"): 10 replicas at weight 50,
/// maxSurge 2, maxUnavailable 1, stable 10/10 available, no canary pods yet. The target is
/// 5 / 5. Up to 12 pods may exist, so the canary gets 12 − 10 = 2. At least 9 must stay
/// available; 0 canary + 10 stable may count as available, so one stable pod may go: 2 / 9.
pub fn basic_canary_counts(b: &BasicCanary) -> (i32, i32) {
    let (mut new_desired, mut stable_desired) = approximate_weighted_counts(b.replicas, b.weight, b.max_surge);
    let mut new_count = b.canary.map_or(0, |c| c.replicas);
    let mut stable_count = 0;
    match b.stable {
        Some(s) => stable_count = s.replicas,
        None => {
            new_desired = b.replicas;
            stable_desired = 0;
        }
    }
    let max_allowed = b.replicas + b.max_surge;
    let total = b.others_replicas + new_count + stable_count;
    let mut scale_up = max_allowed - total;
    if let Some(s) = b.stable.filter(|s| s.replicas < stable_desired && scale_up > 0) {
        if s.replicas + scale_up < stable_desired {
            stable_count = s.replicas + scale_up;
            scale_up = 0;
        } else {
            stable_count = stable_desired;
            scale_up -= stable_desired - s.replicas;
        }
    }
    if let Some(c) = b.canary.filter(|c| c.replicas < new_desired && scale_up > 0) {
        new_count = (c.replicas + scale_up).min(new_desired);
    }
    if b.others_replicas > 0 {
        return (new_count, stable_count);
    }
    let min_available = b.replicas - b.max_unavailable;
    let increasing = b.canary.is_none_or(|c| new_desired >= c.replicas);
    let to_scale_down = replicas_for_scale_down(b.canary, !increasing) + replicas_for_scale_down(b.stable, increasing);
    if to_scale_down <= min_available {
        return (new_count, stable_count);
    }
    let scale_down = to_scale_down - min_available;
    if !increasing {
        new_count = scale_down_count(b.canary, new_desired, scale_down, new_count);
        let (n, s) = adjust_within_limits(b.canary, b.stable, new_count, stable_count, max_allowed, min_available);
        (n, s)
    } else if b.stable.is_some() {
        stable_count = scale_down_count(b.stable, stable_desired, scale_down, stable_count);
        let (s, n) = adjust_within_limits(b.stable, b.canary, stable_count, new_count, max_allowed, min_available);
        (n, s)
    } else {
        (new_count, stable_count)
    }
}

/// `calculateScaleDownReplicaCount`.
fn scale_down_count(drain: Option<Counts>, desired: i32, scale_down: i32, count: i32) -> i32 {
    match drain {
        Some(d) if d.replicas > desired => desired.max(d.replicas - scale_down),
        _ => count,
    }
}

/// `adjustReplicaWithinLimits`: keeps the pair within maxSurge, giving back to `adjust`
/// what it needs to stay within maxUnavailable. Returns (drain, adjust).
fn adjust_within_limits(
    drain: Option<Counts>,
    adjust: Option<Counts>,
    mut drain_count: i32,
    mut adjust_count: i32,
    max_allowed: i32,
    min_available: i32,
) -> (i32, i32) {
    let mut over = (adjust_count + drain_count - max_allowed).max(0);
    let mut available = drain.map_or(0, |d| d.available.min(drain_count));
    if let Some(a) = adjust {
        adjust_count -= over;
        available += a.available.min(adjust_count);
        let extra = (a.available - adjust_count).max(0);
        let needed = (min_available - available).max(0);
        adjust_count += extra.min(needed);
        over = (adjust_count + drain_count - max_allowed).max(0);
        drain_count -= over;
    }
    (drain_count, adjust_count)
}

/// `GetCurrentSetWeight`: the last setWeight at or before the current step; 100 past the
/// last step, 0 when aborted or when no setWeight came yet.
pub fn current_set_weight(steps: &[CanaryStep], index: usize, abort: bool) -> i32 {
    if abort {
        return 0;
    }
    if index >= steps.len() {
        return 100;
    }
    steps[..=index]
        .iter()
        .rev()
        .find_map(|s| if let CanaryStep::SetWeight(w) = s { Some(*w) } else { None })
        .unwrap_or(0)
}

/// `UseSetCanaryScale`: the setCanaryScale in force (traffic routing only), unless a later
/// one matches the traffic weight again.
fn set_canary_scale(steps: &[CanaryStep], index: usize, routed: bool, abort: bool) -> Option<&CanaryStep> {
    if !routed || abort || index >= steps.len() {
        return None;
    }
    let found = steps[..=index].iter().rev().find(|s| matches!(s, CanaryStep::SetCanaryScale { .. }))?;
    match found {
        CanaryStep::SetCanaryScale { match_traffic_weight: true, .. } => None,
        s => Some(s),
    }
}

/// (canary, stable) for a traffic-routed canary (`CalculateReplicaCountsForTrafficRoutedCanary`
/// without dynamic stable scaling): the canary follows the weight or setCanaryScale, the
/// stable stays fully scaled.
pub fn routed_canary_counts(replicas: i32, steps: &[CanaryStep], status: &RolloutStatus, promoted: bool) -> (i32, i32) {
    if status.promote_full || promoted {
        return (replicas, replicas);
    }
    match set_canary_scale(steps, status.step_index, true, status.abort) {
        Some(CanaryStep::SetCanaryScale { replicas: Some(r), .. }) => (*r, replicas),
        Some(CanaryStep::SetCanaryScale { weight: Some(w), .. }) => {
            (traffic_weight_to_replicas(replicas, *w), replicas)
        }
        _ => {
            let w = current_set_weight(steps, status.step_index, status.abort);
            (traffic_weight_to_replicas(replicas, w), replicas)
        }
    }
}
