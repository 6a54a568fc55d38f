//! The ReplicaSet controller (pkg/controller/replicaset), as pure decisions: how many pods
//! to create, which to delete, and the status to report. ReplicationControllers use the
//! same logic, as in Kubernetes.

use crate::engine::SimTime;
use crate::model::store::{PodId, PodPhase, RsStatus};
use std::cmp::Ordering;

/// At most this many pods are created or deleted per sync (burstReplicas).
pub const BURST_REPLICAS: usize = 500;
/// The first slow-start batch (SlowStartInitialBatchSize).
pub const SLOW_START_INITIAL_BATCH: usize = 1;

/// What the controller knows of one of its pods.
#[derive(Clone, Debug)]
pub struct PodInfo {
    pub id: PodId,
    pub active: bool,
    pub assigned: bool,
    pub phase: PodPhase,
    pub ready_since: Option<SimTime>,
    pub deletion_cost: i32,
    /// Active pods of the same owner on the same node, this one included. Like
    /// `max_restarts`, read only to rank pods for deletion: a caller may leave both 0 when
    /// there are no more active pods than replicas.
    pub colocated: usize,
    pub max_restarts: u32,
    pub created: SimTime,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Decision {
    pub create: usize,
    pub delete: Vec<PodId>,
    /// Status from the pods seen at the start of the sync (calculateStatus).
    pub status: RsStatus,
    /// A ready pod becomes available then (minReadySeconds): sync again.
    pub recheck_at: Option<SimTime>,
    /// When deleting: the pod ranked just after the deleted ones (the first one kept).
    pub first_kept: Option<PodId>,
}

/// syncReplicaSet / manageReplicas.
pub fn reconcile(replicas: i32, min_ready_seconds: i32, pods: &[PodInfo], now: SimTime) -> Decision {
    let active: Vec<&PodInfo> = pods.iter().filter(|p| p.active).collect();
    let diff = active.len() as i64 - i64::from(replicas.max(0));
    let mut decision = Decision { status: status(&active, min_ready_seconds, now), ..Decision::default() };
    decision.recheck_at = next_availability(&active, min_ready_seconds, now);
    if diff < 0 {
        decision.create = ((-diff) as usize).min(BURST_REPLICAS);
    } else if diff > 0 {
        let mut ranked = active.clone();
        ranked.sort_by(|a, b| deletion_order(a, b, now));
        let count = (diff as usize).min(BURST_REPLICAS);
        decision.delete = ranked.iter().take(count).map(|p| p.id).collect();
        decision.first_kept = ranked.get(count).map(|p| p.id);
    }
    decision
}

/// `reconcile` from counts alone, for the common case where it needs no pod: no more active
/// pods than `replicas` (nothing to rank for deletion) and no minReadySeconds (a ready pod
/// is available at once, so nothing waits on the clock). Then the decision depends only on
/// how many pods are active and how many of them are ready, which the caller keeps pod by
/// pod, as the controller's informer cache does, so that a sync of a ReplicaSet of a million
/// Pending pods costs O(1) and not a walk over them. None when the case does not hold.
pub fn reconcile_counts(replicas: i32, min_ready_seconds: i32, active: usize, ready: usize) -> Option<Decision> {
    let wanted = replicas.max(0) as usize;
    if min_ready_seconds > 0 || active > wanted {
        return None;
    }
    let (replicas, ready) = (i32::try_from(active).ok()?, i32::try_from(ready).ok()?);
    Some(Decision {
        create: (wanted - active).min(BURST_REPLICAS),
        status: RsStatus { replicas, ready, available: ready },
        ..Decision::default()
    })
}

fn status(active: &[&PodInfo], min_ready_seconds: i32, now: SimTime) -> RsStatus {
    let min_ready = min_ready_micros(min_ready_seconds);
    let ready = active.iter().filter(|p| p.ready_since.is_some()).count() as i32;
    let available =
        active.iter().filter(|p| p.ready_since.is_some_and(|t| now.since(t).as_micros() >= min_ready)).count() as i32;
    RsStatus { replicas: active.len() as i32, ready, available }
}

fn min_ready_micros(min_ready_seconds: i32) -> u64 {
    min_ready_seconds.max(0) as u64 * 1_000_000
}

/// The earliest time a ready, not yet available pod becomes available.
fn next_availability(active: &[&PodInfo], min_ready_seconds: i32, now: SimTime) -> Option<SimTime> {
    if min_ready_seconds <= 0 {
        return None;
    }
    let min_ready = min_ready_micros(min_ready_seconds);
    active.iter().filter_map(|p| p.ready_since).map(|t| SimTime(t.0 + min_ready)).filter(|&t| t > now).min()
}

/// The sizes of slow-start batches for `n` creations: 1, 2, 4, ... (slowStartBatch). Each
/// batch starts only when the one before succeeded; in the model creations never fail,
/// so all batches of one sync land together.
pub fn slow_start_batches(n: usize) -> Vec<usize> {
    let mut batches = Vec::new();
    let (mut remaining, mut size) = (n, SLOW_START_INITIAL_BATCH);
    while remaining > 0 {
        let b = size.min(remaining);
        batches.push(b);
        remaining -= b;
        size *= 2;
    }
    batches
}

fn phase_ordinal(phase: PodPhase) -> u8 {
    match phase {
        PodPhase::Pending => 0,
        PodPhase::Running => 2,
        PodPhase::Succeeded | PodPhase::Failed => 1, // "Unknown" sits between; finished pods are not active anyway
    }
}

/// log2 of the time since `t` in nanoseconds (LogarithmicScaleDown), -1 when not in the past.
fn log_rank(t: SimTime, now: SimTime) -> i64 {
    let nanos = now.since(t).as_micros().saturating_mul(1_000);
    if nanos == 0 {
        -1
    } else {
        i64::from(63 - nanos.leading_zeros())
    }
}

/// One step of the deletion ranking: which of two pods goes first by this criterion.
type DeletionCriterion = fn(&PodInfo, &PodInfo, SimTime) -> Ordering;

/// ActivePodsWithRanks.Less as its criteria in order, each with what it says of the pod
/// that goes first ("it ..."), for narration.
const DELETION_CRITERIA: [(&str, DeletionCriterion); 9] = [
    // 1. Unassigned before assigned.
    ("is not scheduled yet", |a, b, _| a.assigned.cmp(&b.assigned)),
    // 2. Pending before Unknown before Running.
    ("is not running yet", |a, b, _| phase_ordinal(a.phase).cmp(&phase_ordinal(b.phase))),
    // 3. Not ready before ready.
    ("is not Ready", |a, b, _| a.ready_since.is_some().cmp(&b.ready_since.is_some())),
    // 4. Lower pod-deletion-cost first.
    ("has a lower pod-deletion-cost", |a, b, _| a.deletion_cost.cmp(&b.deletion_cost)),
    // 5. More pods of the set on the same node first.
    ("shares its node with more pods of the set", |a, b, _| b.colocated.cmp(&a.colocated)),
    // 6. Ready for less time first, compared in log2 buckets.
    ("has been Ready for less time", |a, b, now| match (a.ready_since, b.ready_since) {
        (Some(ta), Some(tb)) if ta != tb => log_rank(ta, now).cmp(&log_rank(tb, now)),
        _ => Ordering::Equal,
    }),
    // 7. More container restarts first.
    ("has restarted more", |a, b, _| b.max_restarts.cmp(&a.max_restarts)),
    // 8. Newer before older, in log2 buckets.
    ("is newer", |a, b, now| {
        if a.created == b.created {
            Ordering::Equal
        } else {
            log_rank(a.created, now).cmp(&log_rank(b.created, now))
        }
    }),
    // Kubernetes breaks remaining ties by UID; kubesim by creation order, newest first.
    ("was created later, all else equal", |a, b, _| b.id.cmp(&a.id)),
];

/// ActivePodsWithRanks.Less: the pod to delete first comes first.
pub fn deletion_order(a: &PodInfo, b: &PodInfo, now: SimTime) -> Ordering {
    DELETION_CRITERIA.iter().map(|(_, criterion)| criterion(a, b, now)).find(|o| o.is_ne()).unwrap_or(Ordering::Equal)
}

/// Why `deleted` ranks before `kept`: the words of the first criterion that tells them
/// apart, as `deletion_order` applies them.
pub fn deletion_reason(deleted: &PodInfo, kept: &PodInfo, now: SimTime) -> Option<&'static str> {
    DELETION_CRITERIA.iter().find(|(_, criterion)| criterion(deleted, kept, now).is_ne()).map(|(words, _)| *words)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(id: PodId) -> PodInfo {
        PodInfo {
            id,
            active: true,
            assigned: true,
            phase: PodPhase::Running,
            ready_since: Some(SimTime(1_000_000)),
            deletion_cost: 0,
            colocated: 1,
            max_restarts: 0,
            created: SimTime(0),
        }
    }

    const NOW: SimTime = SimTime(1_000_000_000);

    fn first_to_delete(pods: Vec<PodInfo>) -> PodId {
        reconcile(pods.len() as i32 - 1, 0, &pods, NOW).delete[0]
    }

    #[test]
    fn creates_the_missing_pods_up_to_the_burst_limit() {
        assert_eq!(reconcile(3, 0, &[pod(PodId(0))], NOW).create, 2);
        assert_eq!(reconcile(2_000, 0, &[], NOW).create, BURST_REPLICAS);
    }

    #[test]
    fn terminating_pods_do_not_count_as_replicas() {
        let mut gone = pod(PodId(0));
        gone.active = false;
        let d = reconcile(1, 0, &[gone], NOW);
        assert_eq!(d.create, 1);
        assert_eq!(d.status.replicas, 0);
    }

    #[test]
    fn deletion_prefers_unassigned_then_pending_then_not_ready() {
        let mut unassigned = pod(PodId(1));
        unassigned.assigned = false;
        unassigned.phase = PodPhase::Pending;
        unassigned.ready_since = None;
        assert_eq!(first_to_delete(vec![pod(PodId(0)), unassigned, pod(PodId(2))]), PodId(1));

        let mut pending = pod(PodId(1));
        pending.phase = PodPhase::Pending;
        pending.ready_since = None;
        assert_eq!(first_to_delete(vec![pod(PodId(0)), pending, pod(PodId(2))]), PodId(1));

        let mut not_ready = pod(PodId(2));
        not_ready.ready_since = None;
        assert_eq!(first_to_delete(vec![pod(PodId(0)), pod(PodId(1)), not_ready]), PodId(2));
    }

    #[test]
    fn deletion_prefers_low_cost_then_doubled_up_then_recently_ready() {
        let mut cheap = pod(PodId(1));
        cheap.deletion_cost = -10;
        assert_eq!(first_to_delete(vec![pod(PodId(0)), cheap, pod(PodId(2))]), PodId(1));

        let mut crowded = pod(PodId(0));
        crowded.colocated = 3;
        assert_eq!(first_to_delete(vec![crowded, pod(PodId(1)), pod(PodId(2))]), PodId(0));

        // Ready 1s ago vs ~999s ago: different log2 buckets, the newer one goes.
        let mut fresh = pod(PodId(1));
        fresh.ready_since = Some(SimTime(999_000_000));
        assert_eq!(first_to_delete(vec![pod(PodId(0)), fresh, pod(PodId(2))]), PodId(1));
    }

    #[test]
    fn ready_times_in_the_same_log_bucket_tie_and_restarts_decide() {
        let mut a = pod(PodId(0));
        a.ready_since = Some(SimTime(100_000_000));
        let mut b = pod(PodId(1));
        b.ready_since = Some(SimTime(101_000_000)); // 900s vs 899s ago: same bucket
        b.max_restarts = 2;
        assert_eq!(first_to_delete(vec![a, b, pod(PodId(2))]), PodId(1));
    }

    #[test]
    fn the_deletion_reason_names_the_first_criterion_that_differs() {
        let mut not_ready = pod(PodId(1));
        not_ready.ready_since = None;
        not_ready.max_restarts = 3;
        assert_eq!(deletion_reason(&not_ready, &pod(PodId(0)), NOW), Some("is not Ready"));
        let mut fresh = pod(PodId(1));
        fresh.ready_since = Some(SimTime(999_000_000));
        assert_eq!(deletion_reason(&fresh, &pod(PodId(0)), NOW), Some("has been Ready for less time"));
        assert_eq!(deletion_reason(&pod(PodId(0)), &pod(PodId(0)), NOW), None);
        let d = reconcile(1, 0, &[pod(PodId(0)), fresh], NOW);
        assert_eq!((d.delete, d.first_kept), (vec![PodId(1)], Some(PodId(0))));
    }

    #[test]
    fn the_decision_from_counts_is_the_decision_from_the_pods() {
        let now = SimTime(50_000_000);
        let mut pods: Vec<PodInfo> =
            (0..7).map(|i| PodInfo { ready_since: None, ..pod(PodId::from_index(i)) }).collect();
        pods[1].ready_since = Some(SimTime(10_000_000));
        pods[2].ready_since = Some(now);
        pods[3].active = false;
        pods[4].active = false;
        pods[4].ready_since = Some(SimTime(1));
        for replicas in [0, 4, 5, 6, 900] {
            let full = reconcile(replicas, 0, &pods, now);
            let counted = reconcile_counts(replicas, 0, 5, 2);
            if replicas >= 5 {
                assert_eq!(counted, Some(full), "replicas {replicas}");
            } else {
                assert_eq!(counted, None, "deletions need the pods ranked (replicas {replicas})");
            }
        }
        assert_eq!(reconcile_counts(10, 5, 5, 2), None, "minReadySeconds needs the ready times");
    }

    #[test]
    fn slow_start_batches_double() {
        assert_eq!(slow_start_batches(10), vec![1, 2, 4, 3]);
        assert_eq!(slow_start_batches(0), Vec::<usize>::new());
    }

    #[test]
    fn availability_waits_for_min_ready_seconds() {
        let mut p = pod(PodId(0));
        p.ready_since = Some(SimTime(995_000_000)); // 5s before NOW
        let d = reconcile(1, 10, &[p], NOW);
        assert_eq!(d.status.ready, 1);
        assert_eq!(d.status.available, 0);
        assert_eq!(d.recheck_at, Some(SimTime(1_005_000_000)));
    }
}
