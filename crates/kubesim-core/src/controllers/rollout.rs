//! The Argo Rollouts controller (github.com/argoproj/argo-rollouts, rollout/) as pure
//! decisions over a [`RolloutView`]: canary steps (`setWeight`, `pause`, `setCanaryScale`)
//! with the replica arithmetic of utils/replicaset/canary.go, weights set on an
//! ingress-nginx canary Ingress when traffic is routed, and blue-green with its active and
//! preview Services, pause and auto-promotion. Like the real controller it makes one kind of
//! change per sync and asks to be synced again; the glue (`sim/rollouts.rs`) applies the
//! actions and keeps the status.

use crate::controllers::deployment::util::resolve;
use crate::engine::{SimDuration, SimTime};
use crate::model::spec::{BlueGreenSpec, CanarySpec, CanaryStep, IntOrPercent, RolloutStrategy};
pub use crate::model::status::{Pause, Phase, RolloutStatus};
use crate::model::store::RsId;

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

    fn requeue(&mut self, at: SimTime) {
        self.requeue_at = Some(self.requeue_at.map_or(at, |t| t.min(at)));
    }
}

// ---------------------------------------------------------------------------------------
// Replica arithmetic (utils/replicaset/canary.go)

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

// ---------------------------------------------------------------------------------------
// Steps

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
    }
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

// ---------------------------------------------------------------------------------------
// The reconcile

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
        RolloutStrategy::Canary(spec) => canary(view, spec, new, &mut d, api_latency),
        RolloutStrategy::BlueGreen(spec) => blue_green(view, spec, new, &mut d, api_latency),
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

fn canary(view: &RolloutView, spec: &CanarySpec, new: &RsView, d: &mut Decision, latency: SimDuration) {
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

/// The canary weight on the nginx canary Ingress (reconcileTrafficRouting): 0 when fully
/// promoted, aborted or before any canary pod is available; 100 on `promote --full`; while
/// the canary still scales for this step, the previous setWeight; else this step's weight
/// (100 past the last step).
fn set_traffic_weight(spec: &CanarySpec, new: &RsView, d: &mut Decision, at_desired: bool) {
    let st = &d.status;
    let promoted = st.stable_hash.as_deref() == Some(new.hash.as_str());
    let steps = &spec.steps;
    let weight = if promoted || st.abort || new.available == 0 {
        0
    } else if st.promote_full {
        100
    } else if !at_desired {
        steps[..st.step_index]
            .iter()
            .rev()
            .find_map(|s| if let CanaryStep::SetWeight(w) = s { Some(*w) } else { None })
            .unwrap_or(0)
    } else {
        current_set_weight(steps, st.step_index, false)
    };
    if st.weight != Some(weight) {
        if let Some(old) = st.weight {
            d.event("TrafficWeightUpdated", format!("Traffic weight updated from {old} to {weight}"));
        }
        d.status.weight = Some(weight);
        d.actions.push(Action::SetCanaryWeight { weight });
    }
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

/// Blue-green (rollout/bluegreen.go): the new ReplicaSet scales to full size behind the
/// preview Service; once all its pods are available (and after the pause, when
/// autoPromotionEnabled is false or autoPromotionSeconds is set) the active Service switches
/// to it at once, and the previous active ReplicaSet scales to 0 after scaleDownDelaySeconds.
fn blue_green(view: &RolloutView, spec: &BlueGreenSpec, new: &RsView, d: &mut Decision, latency: SimDuration) {
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

#[cfg(test)]
mod tests;
