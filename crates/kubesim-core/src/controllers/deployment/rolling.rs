//! RollingUpdate (rolling.go): scale the new ReplicaSet up within maxSurge, then scale old
//! ones down within maxUnavailable, one kind of change per sync.

use super::sync::{cleanup, min_available, new_rs_new_replicas, sync_revision};
use super::{ScaleReason, Sync};

/// rolloutRolling.
pub(crate) fn rollout_rolling(s: &mut Sync<'_>) {
    sync_revision(s, true);
    if reconcile_new_replica_set(s) {
        return;
    }
    if reconcile_old_replica_sets(s) {
        return;
    }
    if super::sync::deployment_complete(s.d, &s.rss, s.new_rs) {
        cleanup(s);
    }
}

/// Scales the new ReplicaSet towards `replicas` as far as maxSurge allows.
fn reconcile_new_replica_set(s: &mut Sync<'_>) -> bool {
    let Some(new) = s.new_rs else { return false };
    let replicas = s.d.spec.replicas;
    let current = s.rss[new].replicas;
    if current == replicas {
        return false;
    }
    if current > replicas {
        return s.scale(new, replicas, ScaleReason::NewAboveReplicas { replicas });
    }
    let all = s.all_indices();
    let (target, reason) = new_rs_new_replicas(s, &all, current);
    s.scale(new, target, reason)
}

/// Scales old ReplicaSets down as far as maxUnavailable allows.
///
/// Worked example (rolling.go): 10 replicas, maxUnavailable 2, maxSurge 3. The new
/// ReplicaSet was scaled to 3 and none of its pods is available yet; old has 10, all
/// available. allPods = 13, minAvailable = 8, newUnavailable = 3, so
/// maxScaledDown = 13 - 8 - 3 = 2: two old pods go, leaving 8 available. Unhealthy old
/// pods are removed first, since they cost no availability.
fn reconcile_old_replica_sets(s: &mut Sync<'_>) -> bool {
    let old = s.old_indices();
    if s.replicas_of(&old) == 0 {
        return false;
    }
    let all = s.all_indices();
    let all_pods = s.replicas_of(&all);
    let new_unavailable = s.new_rs.map_or(0, |i| s.rss[i].replicas - s.rss[i].available);
    let max_scaled_down = all_pods - min_available(s) - new_unavailable;
    if max_scaled_down <= 0 {
        return false;
    }
    let budget = UnhealthyBudget { pods_total: all_pods, new_unavailable, max_scaled_down };
    let cleaned = cleanup_unhealthy_replicas(s, &old, budget);
    let scaled = scale_down_old_replica_sets_for_rolling_update(s, &old);
    cleaned + scaled > 0
}

/// The numbers that bound the clean-up of unhealthy old pods in one sync.
#[derive(Clone, Copy)]
struct UnhealthyBudget {
    pods_total: i32,
    new_unavailable: i32,
    /// At most this many old pods go: pods_total - minAvailable - new_unavailable.
    max_scaled_down: i32,
}

/// cleanupUnhealthyReplicas: old ReplicaSets lose their unavailable pods first, oldest
/// ReplicaSet first, up to `budget.max_scaled_down`.
fn cleanup_unhealthy_replicas(s: &mut Sync<'_>, old: &[usize], budget: UnhealthyBudget) -> i32 {
    let max_cleanup = budget.max_scaled_down;
    let min_available = min_available(s);
    let max_unavailable = s.d.spec.replicas - min_available;
    let mut total = 0;
    for &i in old {
        if total >= max_cleanup {
            break;
        }
        let rs = &s.rss[i];
        if rs.replicas == 0 || rs.replicas == rs.available {
            continue;
        }
        let unhealthy = rs.replicas - rs.available;
        let count = (max_cleanup - total).min(unhealthy);
        let to = rs.replicas - count;
        let reason = ScaleReason::OldUnhealthy {
            pods_total: budget.pods_total,
            min_available,
            max_unavailable,
            new_unavailable: budget.new_unavailable,
            max_scaled_down: max_cleanup,
            unhealthy,
        };
        s.scale(i, to, reason);
        total += count;
    }
    total
}

/// scaleDownOldReplicaSetsForRollingUpdate: while more than minAvailable pods are
/// available, old ReplicaSets shrink, oldest first.
fn scale_down_old_replica_sets_for_rolling_update(s: &mut Sync<'_>, old: &[usize]) -> i32 {
    let all = s.all_indices();
    let available = s.available_of(&all);
    let min_available = min_available(s);
    if available <= min_available {
        return 0;
    }
    let total_to_scale_down = available - min_available;
    let max_unavailable = s.d.spec.replicas - min_available;
    let reason = ScaleReason::OldAvailable { available, min_available, max_unavailable };
    let mut total = 0;
    for &i in old {
        if total >= total_to_scale_down {
            break;
        }
        let rs = &s.rss[i];
        if rs.replicas == 0 {
            continue;
        }
        let count = rs.replicas.min(total_to_scale_down - total);
        let to = rs.replicas - count;
        s.scale(i, to, reason);
        total += count;
    }
    total
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{rolling_spec, rs, sizes_after, view};
    use super::super::{reconcile, Action};
    use crate::model::spec::IntOrPercent::{Int, Percent};
    use crate::model::store::RsId;

    #[test]
    fn a_rollout_starts_by_surging_the_new_replica_set() {
        // 10 replicas at 25%/25%: surge 3, unavailable 2.
        let spec = rolling_spec(10, Percent(25), Percent(25));
        let old = rs(RsId(0), "old", 0, 10, 10);
        let view = view(&spec, 10, vec![old.clone()]);
        let r = reconcile(&view);
        assert!(matches!(r.actions[0], Action::CreateReplicaSet { replicas: 3, revision: 2, .. }), "{:?}", r.actions);
    }

    #[test]
    fn the_worked_example_scales_old_down_by_two() {
        // 10 replicas, maxUnavailable 2, maxSurge 3: new RS at 3, none available.
        let spec = rolling_spec(10, Int(3), Int(2));
        let mut old = rs(RsId(0), "old", 0, 10, 10);
        old.desired_annotation = Some(10);
        let mut new = rs(RsId(1), "new", 1, 3, 0);
        new.desired_annotation = Some(10);
        let rss = vec![old, new];
        let view = view(&spec, 13, rss.clone());
        let r = reconcile(&view);
        assert_eq!(sizes_after(&rss, &r.actions), vec![("old".into(), 8), ("new".into(), 3)]);
    }

    #[test]
    fn unhealthy_old_pods_go_first_and_cost_no_availability() {
        // old has 10 replicas of which only 6 are available: 4 unhealthy can go at once.
        let spec = rolling_spec(10, Int(0), Int(1));
        let mut old = rs(RsId(0), "old", 0, 10, 6);
        old.desired_annotation = Some(10);
        let mut new = rs(RsId(1), "new", 1, 0, 0);
        new.desired_annotation = Some(10);
        let rss = vec![old, new];
        let view = view(&spec, 10, rss.clone());
        let r = reconcile(&view);
        // maxScaledDown = 10 - 9 - 0 = 1: only one unhealthy pod may go in this sync.
        assert_eq!(sizes_after(&rss, &r.actions), vec![("old".into(), 9), ("new".into(), 0)]);
    }

    #[test]
    fn nothing_happens_when_the_rollout_is_complete() {
        let spec = rolling_spec(5, Int(1), Int(1));
        let mut new = rs(RsId(0), "new", 0, 5, 5);
        new.desired_annotation = Some(5);
        new.max_annotation = Some(6);
        let view = view(&spec, 5, vec![new]);
        let r = reconcile(&view);
        assert!(r.actions.is_empty(), "{:?}", r.actions);
        assert!(r.complete);
    }
}
