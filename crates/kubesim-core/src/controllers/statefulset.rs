//! The StatefulSet controller (pkg/controller/statefulset, stateful_set_control.go
//! updateStatefulSet), as a pure decision over one set and its pods: stable ordinals
//! `NAME-0 .. NAME-(n-1)`, created in order and each waited for until Running and Ready
//! (OrderedReady) or all at once (Parallel); scaled down from the highest ordinal; rolling
//! updates from the highest ordinal down to `partition`, one pod at a time.

pub use crate::model::status::StatefulSetStatus;
use crate::model::store::PodId;

/// One existing pod of the set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SetPod {
    pub id: PodId,
    pub ordinal: i32,
    /// Its controller-revision-hash is the update revision's.
    pub updated: bool,
    /// Its controller-revision-hash is the current revision's.
    pub current: bool,
    pub terminating: bool,
    /// Succeeded or Failed: deleted and created again.
    pub failed: bool,
    /// Phase Running and Ready.
    pub running_and_ready: bool,
    /// ... for minReadySeconds.
    pub available: bool,
}

impl SetPod {
    fn healthy(&self) -> bool {
        self.running_and_ready && self.available && !self.terminating
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SetRules {
    pub replicas: i32,
    /// podManagementPolicy OrderedReady (monotonic) rather than Parallel.
    pub ordered: bool,
    /// RollingUpdate with this partition; None: OnDelete.
    pub rolling_partition: Option<i32>,
    /// `maxUnavailable` resolved against the replicas (at least 1), when the set gives it.
    pub max_unavailable: Option<i32>,
}

/// A pod to create: its ordinal and whether it gets the update revision (else the
/// current one: ordinals below the partition keep the old template).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NewPod {
    pub ordinal: i32,
    pub update_revision: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SetSync {
    pub create: Vec<NewPod>,
    pub delete: Vec<PodId>,
    pub status: StatefulSetStatus,
    /// Every replica runs the update revision and is ready: it becomes the current one.
    pub update_complete: bool,
}

/// updateStatefulSet: replicas in ordinal order, then the condemned from the highest, then
/// the rolling update. In OrderedReady mode the first pod not yet healthy stops the sync.
pub fn reconcile(rules: &SetRules, pods: &[SetPod]) -> SetSync {
    let replicas = rules.replicas.max(0);
    let mut sync = SetSync { status: status(pods), ..SetSync::default() };
    let at = |ordinal: i32| pods.iter().find(|p| p.ordinal == ordinal);
    let monotonic = rules.ordered;
    sync.update_complete = rules.rolling_partition.is_some()
        && sync.status.updated_replicas == replicas
        && sync.status.ready_replicas == replicas
        && sync.status.replicas == replicas;
    for ordinal in 0..replicas {
        match at(ordinal) {
            None => {
                let update_revision = rules.rolling_partition.is_none_or(|partition| ordinal >= partition);
                sync.create.push(NewPod { ordinal, update_revision });
                if monotonic {
                    return sync;
                }
            }
            Some(p) if p.failed && !p.terminating => {
                // Deleted now, created again once gone (the name is taken until then).
                sync.delete.push(p.id);
                if monotonic {
                    return sync;
                }
            }
            Some(p) if monotonic && !p.healthy() => return sync,
            Some(_) => {}
        }
    }
    let first_unhealthy = pods.iter().filter(|p| !p.healthy()).min_by_key(|p| p.ordinal).map(|p| p.id);
    let mut condemned: Vec<&SetPod> = pods.iter().filter(|p| p.ordinal >= replicas).collect();
    condemned.sort_by_key(|p| std::cmp::Reverse(p.ordinal));
    for p in condemned {
        if p.terminating {
            if monotonic {
                return sync;
            }
            continue;
        }
        if monotonic && !p.healthy() && first_unhealthy != Some(p.id) {
            return sync;
        }
        sync.delete.push(p.id);
        if monotonic {
            return sync;
        }
    }
    if !sync.create.is_empty() || !sync.delete.is_empty() {
        return sync;
    }
    let Some(partition) = rules.rolling_partition else { return sync };
    if let Some(max_unavailable) = rules.max_unavailable {
        // updateStatefulSetAfterInvariantEstablished (MaxUnavailableStatefulSet): every
        // unhealthy replica counts against maxUnavailable; the rest of the budget deletes
        // outdated pods from the highest ordinal down to the partition.
        let unavailable = pods.iter().filter(|p| p.ordinal < replicas && !p.healthy()).count() as i32;
        let mut budget = max_unavailable - unavailable;
        for ordinal in (partition.max(0)..replicas).rev() {
            if budget <= 0 {
                break;
            }
            if let Some(p) = at(ordinal).filter(|p| !p.updated && !p.terminating) {
                sync.delete.push(p.id);
                budget -= 1;
            }
        }
        return sync;
    }
    // One pod at a time, from the highest ordinal down to the partition.
    for ordinal in (partition.max(0)..replicas).rev() {
        let Some(p) = at(ordinal) else { return sync };
        if !p.updated && !p.terminating {
            sync.delete.push(p.id);
            return sync;
        }
        if !p.healthy() {
            return sync;
        }
    }
    sync
}

fn status(pods: &[SetPod]) -> StatefulSetStatus {
    let count = |f: &dyn Fn(&SetPod) -> bool| pods.iter().filter(|p| f(p)).count() as i32;
    StatefulSetStatus {
        replicas: count(&|p| !p.terminating),
        ready_replicas: count(&|p| !p.terminating && p.running_and_ready),
        available_replicas: count(&|p| !p.terminating && p.running_and_ready && p.available),
        current_replicas: count(&|p| !p.terminating && p.current),
        updated_replicas: count(&|p| !p.terminating && p.updated),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(ordinal: i32, updated: bool) -> SetPod {
        SetPod {
            id: PodId(ordinal as u32 + 100),
            ordinal,
            updated,
            current: !updated,
            terminating: false,
            failed: false,
            running_and_ready: true,
            available: true,
        }
    }

    const ORDERED: SetRules =
        SetRules { replicas: 4, ordered: true, rolling_partition: Some(0), max_unavailable: None };

    #[test]
    fn ordered_ready_creates_one_at_a_time_after_the_previous_is_ready() {
        let first = reconcile(&ORDERED, &[]);
        assert_eq!(first.create, vec![NewPod { ordinal: 0, update_revision: true }]);
        let mut web0 = pod(0, true);
        web0.running_and_ready = false;
        assert!(reconcile(&ORDERED, &[web0]).create.is_empty(), "web-1 waits for web-0");
        web0.running_and_ready = true;
        assert_eq!(reconcile(&ORDERED, &[web0]).create, vec![NewPod { ordinal: 1, update_revision: true }]);
    }

    #[test]
    fn parallel_creates_every_missing_ordinal_at_once() {
        let rules = SetRules { replicas: 4, ordered: false, rolling_partition: Some(0), max_unavailable: None };
        let ordinals: Vec<i32> = reconcile(&rules, &[pod(1, true)]).create.iter().map(|n| n.ordinal).collect();
        assert_eq!(ordinals, vec![0, 2, 3]);
    }

    #[test]
    fn scale_down_removes_the_highest_ordinal_first_and_waits_for_it() {
        let rules = SetRules { replicas: 2, ..ORDERED };
        let pods = [pod(0, true), pod(1, true), pod(2, true), pod(3, true)];
        assert_eq!(reconcile(&rules, &pods).delete, vec![PodId(103)]);
        let mut going = pods;
        going[3].terminating = true;
        assert!(reconcile(&rules, &going).delete.is_empty(), "web-2 waits for web-3 to be gone");
        let parallel = SetRules { ordered: false, ..rules };
        assert_eq!(reconcile(&parallel, &pods).delete, vec![PodId(103), PodId(102)]);
    }

    #[test]
    fn rolling_update_goes_down_from_the_highest_ordinal_to_the_partition() {
        let rules = SetRules { rolling_partition: Some(2), ..ORDERED };
        let old = [pod(0, false), pod(1, false), pod(2, false), pod(3, false)];
        assert_eq!(reconcile(&rules, &old).delete, vec![PodId(103)]);
        // web-3 comes back with the new template; until it is ready, nothing else moves.
        let mut next = [old[0], old[1], old[2], pod(3, true)];
        next[3].running_and_ready = false;
        assert!(reconcile(&rules, &next).delete.is_empty());
        next[3].running_and_ready = true;
        assert_eq!(reconcile(&rules, &next).delete, vec![PodId(102)]);
        let done = [old[0], old[1], pod(2, true), pod(3, true)];
        assert!(reconcile(&rules, &done).delete.is_empty(), "web-1 and web-0 stay below the partition");
        // Missing pods below the partition come back with the current template.
        let created = reconcile(&rules, &[old[0], pod(2, true), pod(3, true)]).create;
        assert_eq!(created, vec![NewPod { ordinal: 1, update_revision: false }]);
    }

    #[test]
    fn on_delete_never_replaces_pods_itself() {
        let rules = SetRules { rolling_partition: None, ..ORDERED };
        let old = [pod(0, false), pod(1, false), pod(2, false), pod(3, false)];
        assert_eq!(reconcile(&rules, &old), SetSync { status: status(&old), ..SetSync::default() });
        let created = reconcile(&rules, &old[..3]).create;
        assert_eq!(created, vec![NewPod { ordinal: 3, update_revision: true }]);
    }

    #[test]
    fn max_unavailable_deletes_up_to_its_budget_less_the_unhealthy_replicas() {
        // stateful_set_control.go updateStatefulSetAfterInvariantEstablished: maxUnavailable 2
        // deletes the two highest outdated pods; an unhealthy replica (anywhere) takes one
        // of the two; two unhealthy ones stop the update.
        let rules = SetRules { max_unavailable: Some(2), ..ORDERED };
        let old = [pod(0, false), pod(1, false), pod(2, false), pod(3, false)];
        assert_eq!(reconcile(&rules, &old).delete, vec![PodId(103), PodId(102)]);
        let mut one_down = old;
        one_down[0].running_and_ready = false;
        assert_eq!(reconcile(&SetRules { ordered: false, ..rules }, &one_down).delete, vec![PodId(103)]);
        let mut two_down = one_down;
        two_down[1].running_and_ready = false;
        assert!(reconcile(&SetRules { ordered: false, ..rules }, &two_down).delete.is_empty());
        // The partition still bounds it.
        let partitioned = SetRules { rolling_partition: Some(3), ..rules };
        assert_eq!(reconcile(&partitioned, &old).delete, vec![PodId(103)]);
    }
}
