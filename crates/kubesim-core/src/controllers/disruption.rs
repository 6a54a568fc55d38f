//! The disruption controller's arithmetic (pkg/controller/disruption): how many pods a
//! PodDisruptionBudget allows to be disrupted right now.

use crate::model::spec::IntOrPercent;
pub use crate::model::status::PdbStatus;
use crate::model::store::{Pdb, PodOwner, Store};

fn scaled_up(value: &IntOrPercent, total: i32) -> i32 {
    match *value {
        IntOrPercent::Int(n) => n,
        IntOrPercent::Percent(p) => ((i64::from(p) * i64::from(total) + 99) / 100) as i32,
    }
}

/// `expected` is the pods the owners want (their replicas) — or, for an integer
/// minAvailable, the pods selected; `healthy` the selected pods that are Ready.
pub fn pdb_status(
    min_available: Option<&IntOrPercent>,
    max_unavailable: Option<&IntOrPercent>,
    expected: i32,
    healthy: i32,
) -> PdbStatus {
    let desired = match (min_available, max_unavailable) {
        (Some(min), _) => scaled_up(min, expected),
        (None, Some(max)) => (expected - scaled_up(max, expected)).max(0),
        (None, None) => 0,
    };
    PdbStatus {
        expected,
        desired_healthy: desired,
        current_healthy: healthy,
        disruptions_allowed: (healthy - desired).max(0),
    }
}

/// A PodDisruptionBudget's status now, from the store: how many of its pods may be
/// disrupted (the disruption controller's getExpectedPodCount and countHealthyPods).
pub fn status_of(store: &Store, pdb: &Pdb) -> PdbStatus {
    let pods = store.bound_pods_matching(std::slice::from_ref(&pdb.namespace), &pdb.selector);
    // The disruption controller counts Ready pods that are not being deleted.
    let healthy =
        pods.iter().filter(|&&p| store.pods[p].is_ready() && store.pods[p].terminating.is_none()).count() as i32;
    let expected = if matches!(pdb.min_available, Some(IntOrPercent::Int(_))) {
        pods.len() as i32
    } else {
        // The owners' scale: the replicas of the ReplicaSets that own the selected pods.
        let mut owners: Vec<PodOwner> = Vec::new();
        let mut unscaled = 0;
        for &p in &pods {
            match store.pods[p].owner {
                Some(o @ (PodOwner::ReplicaSet(_) | PodOwner::StatefulSet(_))) => owners.push(o),
                // The disruption controller finds no scale for Jobs and DaemonSets: their
                // pods count one each, as unowned pods do.
                Some(PodOwner::Job(_) | PodOwner::DaemonSet(_)) | None => unscaled += 1,
            }
        }
        owners.sort_unstable();
        owners.dedup();
        let scale = |o: &PodOwner| match *o {
            PodOwner::ReplicaSet(rs) => store.replica_sets[rs].replicas,
            PodOwner::StatefulSet(ss) => store.stateful_sets[ss].spec.replicas,
            PodOwner::Job(_) | PodOwner::DaemonSet(_) => 0,
        };
        owners.iter().map(scale).sum::<i32>() + unscaled
    };
    pdb_status(pdb.min_available.as_ref(), pdb.max_unavailable.as_ref(), expected, healthy)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::spec::IntOrPercent::{Int, Percent};

    #[test]
    fn disruptions_allowed_follow_the_budget() {
        assert_eq!(pdb_status(Some(&Int(2)), None, 3, 3).disruptions_allowed, 1);
        assert_eq!(pdb_status(Some(&Int(3)), None, 3, 3).disruptions_allowed, 0);
        assert_eq!(pdb_status(None, Some(&Int(1)), 5, 5).disruptions_allowed, 1);
        // 50% of 5 rounds up to 3 desired.
        assert_eq!(pdb_status(Some(&Percent(50)), None, 5, 5).disruptions_allowed, 2);
        // maxUnavailable 50% of 5 rounds up to 3: 2 desired, 4 healthy.
        assert_eq!(pdb_status(None, Some(&Percent(50)), 5, 4).disruptions_allowed, 2);
    }
}
