//! Work shared by every strategy (sync.go): finding or creating the new ReplicaSet and
//! its revision, proportional scaling, completeness and history clean-up.

use super::util::{max_surge, max_unavailable};
use super::{Action, RsView, ScaleReason, Sync};
use crate::engine::SimTime;
use crate::model::spec::DeploymentStrategy;

/// getAllReplicaSetsAndSyncRevision: the new ReplicaSet takes revision max(old) + 1; with
/// `create`, a missing new ReplicaSet is created at its first size.
pub(crate) fn sync_revision(s: &mut Sync<'_>, create: bool) {
    let old = s.old_indices();
    let max_old = old.iter().map(|&i| s.rss[i].revision).max().unwrap_or(0);
    let new_revision = max_old + 1;
    match s.new_rs {
        Some(i) => {
            let rs = &mut s.rss[i];
            if rs.revision < new_revision {
                rs.revision = new_revision;
                if let Some(id) = rs.id {
                    s.actions.push(Action::SetRevision { rs: id, revision: new_revision });
                }
            }
        }
        None if create => create_new_replica_set(s, new_revision),
        None => {}
    }
}

fn create_new_replica_set(s: &mut Sync<'_>, revision: i64) {
    let all = s.all_indices();
    let (replicas, reason) = new_rs_new_replicas(s, &all, 0);
    let desired = s.d.spec.replicas;
    let max = desired + max_surge(s.d.spec);
    let name = format!("{}-{}", s.d.name, s.d.template_hash);
    s.actions.push(Action::CreateReplicaSet { name: name.clone(), replicas, revision, desired, max, reason });
    s.rss.push(RsView {
        id: None,
        name,
        revision,
        created: SimTime::MAX,
        template_hash: s.d.template_hash.to_string(),
        replicas,
        available: 0,
        pods_active: 0,
        pods_existing: 0,
        desired_annotation: Some(desired),
        max_annotation: Some(max),
    });
    s.new_rs = Some(s.rss.len() - 1);
}

/// NewRSNewReplicas: how big the new ReplicaSet may be now, and why. Rolling: up to
/// replicas + maxSurge pods in all, never more than replicas in the new one.
pub(crate) fn new_rs_new_replicas(s: &Sync<'_>, all: &[usize], new_replicas: i32) -> (i32, ScaleReason) {
    let spec = s.d.spec;
    match spec.strategy {
        DeploymentStrategy::Recreate => (spec.replicas, ScaleReason::RecreateNew { replicas: spec.replicas }),
        DeploymentStrategy::RollingUpdate { .. } => {
            let current = s.replicas_of(all);
            let surge = max_surge(spec);
            let reason = ScaleReason::Surge { replicas: spec.replicas, max_surge: surge, pods_total: current };
            let max_total = spec.replicas + surge;
            if current >= max_total {
                return (new_replicas, reason);
            }
            let scale_up = (max_total - current).min(spec.replicas - new_replicas);
            (new_replicas + scale_up.max(0), reason)
        }
    }
}

/// isScalingEvent: an active ReplicaSet's desired-replicas annotation differs from the
/// Deployment's replicas, so the user scaled it.
pub(crate) fn is_scaling_event(s: &Sync<'_>) -> bool {
    s.rss
        .iter()
        .filter(|rs| rs.replicas > 0)
        .any(|rs| rs.desired_annotation.is_some_and(|desired| desired != s.d.spec.replicas))
}

/// FindActiveOrLatest: the only active ReplicaSet, or the newest when none is active,
/// or None when several are.
fn find_active_or_latest(s: &Sync<'_>) -> Option<usize> {
    let active: Vec<usize> = (0..s.rss.len()).filter(|&i| s.rss[i].replicas > 0).collect();
    match active.len() {
        0 => s.new_rs.or_else(|| s.old_indices().last().copied()),
        1 => Some(active[0]),
        _ => None,
    }
}

/// IsSaturated: the new ReplicaSet has all replicas, all available.
fn is_saturated(s: &Sync<'_>) -> bool {
    let replicas = s.d.spec.replicas;
    s.new_rs.is_some_and(|i| {
        let rs = &s.rss[i];
        rs.replicas == replicas && rs.desired_annotation == Some(replicas) && rs.available == replicas
    })
}

/// scale (sync.go): a scaling event or a paused Deployment. With one active ReplicaSet it
/// simply takes the new size; mid-rollout the change is shared out in proportion to each
/// ReplicaSet's size, largest first, and the rounding leftover goes to the first visited.
pub(crate) fn scale(s: &mut Sync<'_>) {
    let replicas = s.d.spec.replicas;
    if let Some(i) = find_active_or_latest(s) {
        if s.rss[i].replicas != replicas {
            s.scale(i, replicas, ScaleReason::SoleActive { replicas });
        }
        return;
    }
    if is_saturated(s) {
        for i in s.old_indices() {
            if s.rss[i].replicas > 0 {
                s.scale(i, 0, ScaleReason::Saturated { replicas });
            }
        }
        return;
    }
    if !matches!(s.d.spec.strategy, DeploymentStrategy::RollingUpdate { .. }) {
        return;
    }
    let mut active: Vec<usize> = (0..s.rss.len()).filter(|&i| s.rss[i].replicas > 0).collect();
    let surge = max_surge(s.d.spec);
    let allowed = if replicas > 0 { replicas + surge } else { 0 };
    let pods_before = s.replicas_of(&active);
    let to_add = allowed - pods_before;
    let reason = ScaleReason::Proportional { replicas, max_surge: surge, allowed, pods_before };
    sort_by_size(s, &mut active, to_add > 0);
    let mut added = 0;
    let mut sizes: Vec<i32> = Vec::with_capacity(active.len());
    for &i in &active {
        let proportion = if to_add != 0 { proportion(s, &s.rss[i], to_add, added) } else { 0 };
        sizes.push(s.rss[i].replicas + proportion);
        added += proportion;
    }
    if to_add != 0 {
        if let Some(first) = sizes.first_mut() {
            *first = (*first + to_add - added).max(0);
        }
    }
    for (k, &i) in active.iter().enumerate() {
        s.scale(i, sizes[k], reason);
    }
}

/// Largest first; equal sizes newer first when scaling up (ReplicaSetsBySizeNewer),
/// older first when scaling down (ReplicaSetsBySizeOlder).
fn sort_by_size(s: &Sync<'_>, idx: &mut [usize], newer_first: bool) {
    idx.sort_by(|&a, &b| {
        let (ra, rb) = (&s.rss[a], &s.rss[b]);
        rb.replicas.cmp(&ra.replicas).then_with(|| {
            let by_age = ra.created.cmp(&rb.created).then_with(|| ra.name.cmp(&rb.name));
            if newer_first {
                by_age.reverse()
            } else {
                by_age
            }
        })
    });
}

/// GetProportion: this ReplicaSet's share of `to_add`, bounded by what is left.
fn proportion(s: &Sync<'_>, rs: &RsView, to_add: i32, added: i32) -> i32 {
    if rs.replicas == 0 || to_add == 0 || to_add == added {
        return 0;
    }
    let fraction = replica_set_fraction(s, rs);
    let allowed = to_add - added;
    if to_add > 0 {
        fraction.min(allowed)
    } else {
        fraction.max(allowed)
    }
}

/// getReplicaSetFraction: round(rs * (replicas + maxSurge) / max-replicas annotation) - rs.
fn replica_set_fraction(s: &Sync<'_>, rs: &RsView) -> i32 {
    let spec = s.d.spec;
    if spec.replicas == 0 {
        return -rs.replicas;
    }
    let deployment_replicas = spec.replicas + max_surge(spec);
    let annotated = rs.max_annotation.unwrap_or(s.d.status_replicas);
    if annotated == 0 {
        return 0;
    }
    let new_size = f64::from(rs.replicas) * f64::from(deployment_replicas) / f64::from(annotated);
    new_size.round() as i32 - rs.replicas
}

/// DeploymentComplete: every replica updated and available, no old pod left.
pub(crate) fn deployment_complete(d: &super::DeploymentView<'_>, rss: &[RsView], new_rs: Option<usize>) -> bool {
    let replicas = d.spec.replicas;
    let updated = new_rs.map_or(0, |i| rss[i].pods_active);
    let total: i32 = rss.iter().map(|r| r.pods_active).sum();
    let available: i32 = rss.iter().map(|r| r.available).sum();
    updated == replicas && total == replicas && available == replicas
}

/// cleanupDeployment: keep at most revisionHistoryLimit old ReplicaSets, deleting the
/// lowest revisions first, and only those scaled to zero with no pods left.
pub(crate) fn cleanup(s: &mut Sync<'_>) {
    let mut old = s.old_indices();
    let diff = old.len() as i64 - i64::from(s.d.spec.revision_history_limit);
    if diff <= 0 {
        return;
    }
    old.sort_by(|&a, &b| {
        let (ra, rb) = (&s.rss[a], &s.rss[b]);
        ra.revision.cmp(&rb.revision).then_with(|| ra.created.cmp(&rb.created))
    });
    for &i in old.iter().take(diff as usize) {
        let rs = &s.rss[i];
        if rs.replicas != 0 || rs.pods_active != 0 || rs.pods_existing != 0 {
            continue;
        }
        if let Some(id) = rs.id {
            s.actions.push(Action::DeleteReplicaSet { rs: id });
        }
    }
}

/// minAvailable for the rolling arithmetic.
pub(crate) fn min_available(s: &Sync<'_>) -> i32 {
    s.d.spec.replicas - max_unavailable(s.d.spec)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{rolling_spec, rs, sizes_after};
    use super::super::{reconcile, DeploymentView};
    use crate::model::spec::IntOrPercent::{self, Int};
    use crate::model::store::RsId;

    /// Sizes after a scaling event from `old_replicas` to `new_replicas`.
    fn scaled(old_replicas: i32, new_replicas: i32, surge: IntOrPercent, sizes: &[(&str, i32)]) -> Vec<i32> {
        let spec = rolling_spec(new_replicas, surge.clone(), Int(0));
        let old_spec = rolling_spec(old_replicas, surge, Int(0));
        let old_max = old_replicas + super::max_surge(&old_spec);
        let rss: Vec<_> = sizes
            .iter()
            .enumerate()
            .map(|(i, (name, n))| {
                let mut r = rs(RsId::from_index(i), name, i as u64, *n, *n);
                r.desired_annotation = Some(old_replicas);
                r.max_annotation = Some(old_max);
                r
            })
            .collect();
        let newest = sizes.last().map(|s| s.0).unwrap_or_default();
        let view = DeploymentView {
            name: "web",
            spec: &spec,
            template_hash: newest,
            status_replicas: old_replicas,
            replica_sets: rss.clone(),
        };
        let result = reconcile(&view);
        sizes_after(&rss, &result.actions).into_iter().map(|(_, n)| n).collect()
    }

    /// Kubernetes' own cases (sync_test.go TestScale); ReplicaSets listed oldest first.
    #[test]
    fn proportional_scaling_matches_kubernetes_cases() {
        assert_eq!(scaled(5, 10, Int(0), &[("old", 3), ("new", 2)]), vec![6, 4]);
        assert_eq!(scaled(5, 3, Int(0), &[("old", 3), ("new", 2)]), vec![2, 1]);
        assert_eq!(scaled(7, 10, Int(0), &[("oldest", 2), ("old", 3), ("new", 2)]), vec![3, 4, 3]);
        assert_eq!(scaled(10, 20, Int(2), &[("old", 6), ("new", 6)]), vec![11, 11]);
    }

    #[test]
    fn a_single_active_replica_set_takes_the_new_size() {
        assert_eq!(scaled(5, 10, Int(1), &[("old", 0), ("new", 5)]), vec![0, 10]);
    }
}
