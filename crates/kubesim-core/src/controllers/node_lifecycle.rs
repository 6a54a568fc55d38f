//! The node lifecycle controller and its taint manager, as pure rules
//! (pkg/controller/nodelifecycle, pkg/controller/tainteviction).
//!
//! - A node whose kubelet has not posted status for `nodeMonitorGracePeriod` is marked
//!   NotReady (Ready=Unknown) at the controller's next monitor tick, and tainted
//!   `node.kubernetes.io/unreachable`: NoSchedule at once, NoExecute through a rate-limited
//!   queue per zone whose rate depends on the zone's health.
//! - The taint manager evicts a pod from a NoExecute-tainted node at once if it does not
//!   tolerate the taint, after its `tolerationSeconds` if it does for a while, never if it
//!   tolerates it for ever. DefaultTolerationSeconds admission gives every pod 300s.

use crate::engine::{SimDuration, SimTime};
use crate::model::spec::{ControlPlane, Taint, TaintEffect, Toleration, TolerationOperator};
use crate::scheduler::plugins::taint_toleration::tolerates;

pub const UNREACHABLE: &str = "node.kubernetes.io/unreachable";
pub const NOT_READY: &str = "node.kubernetes.io/not-ready";

pub fn unreachable_taint(effect: TaintEffect) -> Taint {
    Taint { key: UNREACHABLE.into(), value: String::new(), effect }
}

/// The time of a kubelet's last status post at or before `now`, when it has posted every
/// `frequency` since `since` (its start or its reconnection).
pub fn last_heartbeat(since: SimTime, now: SimTime, frequency: SimDuration) -> SimTime {
    let frequency = frequency.as_micros().max(1);
    let elapsed = now.since(since).as_micros();
    since + SimDuration(elapsed - elapsed % frequency)
}

/// The first monitor tick (multiples of `period` from time zero) strictly after `t`.
pub fn tick_after(t: SimTime, period: SimDuration) -> SimTime {
    let p = period.as_micros().max(1);
    SimTime((t.as_micros() / p).saturating_add(1).saturating_mul(p))
}

/// When the controller marks a node NotReady that last posted status at `last_heartbeat`:
/// the first tick at which more than the grace period has passed.
pub fn not_ready_at(last_heartbeat: SimTime, cp: &ControlPlane) -> SimTime {
    tick_after(last_heartbeat + cp.node_monitor_grace_period, cp.node_monitor_period)
}

/// A zone's health, as ComputeZoneState judges it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ZoneState {
    Normal,
    /// More than 2 nodes and at least `unhealthyZoneThreshold` of them not ready.
    PartialDisruption,
    /// No node ready.
    FullDisruption,
}

pub fn zone_state(ready: usize, not_ready: usize, cp: &ControlPlane) -> ZoneState {
    let total = ready + not_ready;
    if ready == 0 && not_ready > 0 {
        ZoneState::FullDisruption
    } else if not_ready > 2 && total > 0 && not_ready as f64 / total as f64 >= cp.unhealthy_zone_threshold {
        ZoneState::PartialDisruption
    } else {
        ZoneState::Normal
    }
}

/// Nodes per second that a zone may taint NoExecute (node_lifecycle_controller.go
/// `handleDisruption` and `setLimiterInZone`). When every zone is fully disrupted the
/// controller assumes its own network is at fault and evicts nothing; a fully disrupted
/// zone keeps the normal rate (`HealthyQPSFunc`); a partially disrupted zone slows down to
/// the secondary rate, and stops if the zone has `largeClusterSizeThreshold` nodes or fewer
/// (`ReducedQPSFunc`, given the zone's size: `len(zoneToNodeConditions[zone])`).
pub fn eviction_rate(state: ZoneState, all_zones_fully_disrupted: bool, zone_nodes: usize, cp: &ControlPlane) -> f64 {
    if all_zones_fully_disrupted {
        return 0.0;
    }
    match state {
        ZoneState::Normal | ZoneState::FullDisruption => cp.node_eviction_rate,
        ZoneState::PartialDisruption if zone_nodes > cp.large_cluster_size_threshold as usize => {
            cp.secondary_node_eviction_rate
        }
        ZoneState::PartialDisruption => 0.0,
    }
}

/// The taint manager's verdict for one pod on a NoExecute-tainted node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Eviction {
    Now,
    After(SimDuration),
    Never,
}

/// The taint manager's verdict for a pod on a node with these taints
/// (pkg/controller/tainteviction taint_eviction.go `processPodOnNode`): every NoExecute taint
/// must be tolerated, each by the first of the pod's tolerations that tolerates it
/// (`v1helper.GetMatchingTolerations`), or the pod goes at once; then the shortest
/// `tolerationSeconds` among those tolerations decides (`getMinTolerationTime`: 0 or less is
/// at once, none with seconds is for ever).
pub fn eviction(tolerations: &[Toleration], taints: &[Taint]) -> Eviction {
    let mut shortest: Option<i64> = None;
    for taint in taints.iter().filter(|t| t.effect == TaintEffect::NoExecute) {
        let Some(used) = tolerations.iter().find(|t| tolerates(t, taint)) else {
            return Eviction::Now;
        };
        if let Some(s) = used.toleration_seconds {
            shortest = Some(shortest.map_or(s, |m| m.min(s)));
        }
    }
    match shortest {
        None => Eviction::Never,
        Some(s) if s <= 0 => Eviction::Now,
        Some(s) => Eviction::After(SimDuration::from_secs(s as u64)),
    }
}

/// A node's taints as the narration names them: `key=value:Effect`, the node lifecycle
/// controller's two by their short names (`unreachable:NoExecute`).
pub fn taint_words(taints: &[Taint]) -> String {
    let words: Vec<String> = taints
        .iter()
        .map(|t| {
            let key = match t.key.as_str() {
                UNREACHABLE => "unreachable",
                NOT_READY => "not-ready",
                k => k,
            };
            t.text_with_key(key)
        })
        .collect();
    words.join(", ")
}

/// DefaultTolerationSeconds admission: a pod that does not tolerate the not-ready and
/// unreachable NoExecute taints gets a toleration of each for `seconds`.
pub fn with_default_tolerations(tolerations: &[Toleration], seconds: i64) -> Option<Vec<Toleration>> {
    let needs = |key: &str| {
        let taint = Taint { key: key.into(), value: String::new(), effect: TaintEffect::NoExecute };
        !tolerations.iter().any(|t| tolerates(t, &taint))
    };
    let missing: Vec<&str> = [NOT_READY, UNREACHABLE].into_iter().filter(|k| needs(k)).collect();
    if missing.is_empty() {
        return None;
    }
    let mut out = tolerations.to_vec();
    out.extend(missing.into_iter().map(|key| Toleration {
        key: key.into(),
        operator: TolerationOperator::Exists,
        value: String::new(),
        effect: Some(TaintEffect::NoExecute),
        toleration_seconds: Some(seconds),
    }));
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(secs: u64) -> SimTime {
        SimTime::ZERO + SimDuration::from_secs(secs)
    }

    #[test]
    fn a_node_silent_since_60s_is_not_ready_at_the_first_tick_after_50s_of_grace() {
        let cp = ControlPlane::default();
        let hb = last_heartbeat(SimTime::ZERO, s(63), cp.node_status_update_frequency);
        assert_eq!(hb, s(60));
        // 60 + 50 = 110 is a tick, but the grace period must have passed: 115.
        assert_eq!(not_ready_at(hb, &cp), s(115));
        let old = ControlPlane { node_monitor_grace_period: SimDuration::from_secs(40), ..cp };
        assert_eq!(not_ready_at(hb, &old), s(105));
    }

    #[test]
    fn zone_states_follow_compute_zone_state() {
        let cp = ControlPlane::default();
        assert_eq!(zone_state(2, 1, &cp), ZoneState::Normal);
        assert_eq!(zone_state(2, 2, &cp), ZoneState::Normal, "not more than 2 not ready");
        assert_eq!(zone_state(2, 3, &cp), ZoneState::PartialDisruption);
        assert_eq!(zone_state(4, 3, &cp), ZoneState::Normal, "3 of 7 is under 55%");
        assert_eq!(zone_state(0, 1, &cp), ZoneState::FullDisruption);
    }

    #[test]
    fn eviction_rates_slow_down_in_an_unhealthy_zone_and_stop_when_everything_is_down() {
        // The third argument is the zone's node count (ReducedQPSFunc(zoneSize)).
        let cp = ControlPlane::default();
        assert_eq!(eviction_rate(ZoneState::Normal, false, 3, &cp), 0.1);
        assert_eq!(eviction_rate(ZoneState::PartialDisruption, false, 51, &cp), 0.01);
        assert_eq!(eviction_rate(ZoneState::PartialDisruption, false, 50, &cp), 0.0);
        assert_eq!(eviction_rate(ZoneState::FullDisruption, false, 10, &cp), 0.1);
        assert_eq!(eviction_rate(ZoneState::FullDisruption, true, 10, &cp), 0.0);
    }

    fn toleration(key: &str, seconds: Option<i64>) -> Toleration {
        Toleration {
            key: key.into(),
            operator: TolerationOperator::Exists,
            value: String::new(),
            effect: Some(TaintEffect::NoExecute),
            toleration_seconds: seconds,
        }
    }

    #[test]
    fn the_taint_manager_waits_for_the_tolerations_seconds() {
        let taints = [unreachable_taint(TaintEffect::NoExecute)];
        assert_eq!(eviction(&[], &taints), Eviction::Now);
        let defaults = with_default_tolerations(&[], 300).unwrap_or_default();
        assert_eq!(defaults.len(), 2);
        assert_eq!(eviction(&defaults, &taints), Eviction::After(SimDuration::from_secs(300)));
        assert_eq!(eviction(&[toleration(UNREACHABLE, None)], &taints), Eviction::Never);
        assert_eq!(eviction(&[toleration(UNREACHABLE, Some(0))], &taints), Eviction::Now);
        // NoSchedule taints do not evict.
        assert_eq!(eviction(&[], &[unreachable_taint(TaintEffect::NoSchedule)]), Eviction::Never);
    }

    #[test]
    fn each_taint_is_judged_by_the_first_toleration_that_tolerates_it() {
        // GetMatchingTolerations takes the first match; getMinTolerationTime the shortest of
        // the tolerations so used.
        let taint = |key: &str| Taint { key: key.into(), value: "x".into(), effect: TaintEffect::NoExecute };
        let any = |seconds| toleration("", seconds);
        let (a, b) = (taint("a"), taint("b"));
        let only_a = std::slice::from_ref(&a);
        assert_eq!(eviction(&[any(Some(60)), toleration("a", None)], only_a), Eviction::After(secs(60)));
        assert_eq!(eviction(&[toleration("a", None), any(Some(60))], only_a), Eviction::Never);
        assert_eq!(
            eviction(&[toleration("a", Some(30)), toleration("b", Some(90))], &[a.clone(), b.clone()]),
            Eviction::After(secs(30))
        );
        assert_eq!(eviction(&[toleration("a", None)], &[a.clone(), b]), Eviction::Now, "b is not tolerated");
        assert_eq!(eviction(&[toleration("a", Some(-5))], &[a]), Eviction::Now);
    }

    fn secs(s: u64) -> SimDuration {
        SimDuration::from_secs(s)
    }

    #[test]
    fn taints_are_named_for_narration() {
        let custom = Taint { key: "dedicated".into(), value: "db".into(), effect: TaintEffect::NoExecute };
        assert_eq!(
            taint_words(&[unreachable_taint(TaintEffect::NoExecute), custom]),
            "unreachable:NoExecute, dedicated=db:NoExecute"
        );
    }

    #[test]
    fn default_tolerations_are_not_added_twice() {
        let own = [toleration(UNREACHABLE, Some(30))];
        let with = with_default_tolerations(&own, 300).unwrap_or_default();
        assert_eq!(with.len(), 2, "only not-ready is added");
        assert_eq!(with[0].toleration_seconds, Some(30));
        assert_eq!(with_default_tolerations(&with, 300), None);
    }
}
