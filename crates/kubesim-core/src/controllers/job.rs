//! The Job controller (pkg/controller/job), as a pure decision over one Job and its pods:
//! which finished pods to count, how many pods (and which completion indexes) to create,
//! which to delete, and whether the Job is now complete or failed.
//!
//! As in Kubernetes since pod tracking with finalizers, every finished pod is counted once
//! into the Job's status (`succeeded`, `failed`, `completedIndexes`), so the count survives
//! the pod's removal; the glue keeps a Job's pods, gone ones included, for that reason.

mod pod_failure_policy;
pub mod selector;
mod success_policy;

pub use self::pod_failure_policy::FailJobCause;
use crate::engine::{SimDuration, SimTime};
use crate::model::spec::{PodFailureAction, PodFailurePolicyRule, SuccessPolicyRule};
pub use crate::model::status::{IndexFailures, JobOutcome, JobStatus};
use crate::model::store::PodId;
use std::collections::BTreeSet;

/// The first wait before replacing a failed pod (DefaultJobPodFailureBackOff).
pub const POD_FAILURE_BACKOFF: SimDuration = SimDuration::from_secs(10);
/// The longest such wait (MaxJobPodFailureBackOff in job_controller.go: 10 minutes; the
/// Kubernetes documentation says six, the code says ten, and the code is what runs).
pub const MAX_POD_FAILURE_BACKOFF: SimDuration = SimDuration::from_secs(600);
/// At most this many pods are created or deleted per sync (MaxPodCreateDeletePerSync).
pub const MAX_POD_CREATE_DELETE_PER_SYNC: usize = 500;

/// What a Job asks for, with Kubernetes' defaults applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobRules {
    /// None: a work queue, done when any pod succeeds and the others have finished.
    pub completions: Option<i32>,
    pub parallelism: i32,
    pub backoff_limit: i32,
    /// `completionMode: Indexed`: each pod carries a completion index 0..completions.
    pub indexed: bool,
    pub active_deadline_seconds: Option<i64>,
    pub ttl_seconds_after_finished: Option<i32>,
    /// `restartPolicy: OnFailure`: container restarts count towards the backoff limit.
    pub restart_on_failure: bool,
    /// `suspend`: no pods; the active ones are deleted.
    pub suspend: bool,
    pub pod_failure_policy: Vec<PodFailurePolicyRule>,
    pub backoff_limit_per_index: Option<i32>,
    pub max_failed_indexes: Option<i32>,
    pub success_policy: Vec<SuccessPolicyRule>,
    /// `podReplacementPolicy: Failed`: terminating pods are not replaced until they finish.
    pub replace_only_failed: bool,
}

/// Where one of the Job's pods stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobPodState {
    /// Not finished and not being deleted.
    Active { ready: bool, pending: bool },
    /// Being deleted, not finished yet: neither active nor counted (replaced at once, as
    /// podReplacementPolicy TerminatingOrFailed does).
    Terminating,
    /// All containers exited 0, at this time.
    Succeeded(SimTime),
    /// Finished otherwise (a container failed, or the pod was deleted before it
    /// succeeded), at this time.
    Failed(SimTime),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobPod {
    pub id: PodId,
    /// The completion index (Indexed Jobs).
    pub index: Option<i32>,
    pub state: JobPodState,
    /// Container restarts (counted against the backoff limit with OnFailure).
    pub restarts: u32,
    /// Its terminated containers' names and exit codes, app containers first, then init
    /// containers (as `status.containerStatuses` and `initContainerStatuses`).
    pub exits: Vec<(String, i32)>,
    /// It has the condition `DisruptionTarget` True (preempted, evicted, taint-evicted).
    pub disruption_target: bool,
}

impl JobPod {
    /// The pod's conditions a podFailurePolicy can match: (type, status).
    pub fn conditions(&self) -> impl Iterator<Item = (&'static str, &'static str)> {
        self.disruption_target.then_some(("DisruptionTarget", "True")).into_iter()
    }
}

/// What one sync decides.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JobSync {
    pub status: JobStatus,
    /// Pods to create: each with its completion index (None for NonIndexed Jobs).
    pub create: Vec<Option<i32>>,
    pub delete: Vec<PodId>,
    /// The Job finished in this sync.
    pub finished_now: Option<JobOutcome>,
    /// Sync again then: a back-off ends, the deadline or the time to live runs out.
    pub requeue_at: Option<SimTime>,
    /// ttlSecondsAfterFinished ran out: the Job (and its pods) should be deleted.
    pub delete_job: bool,
    /// The Suspended condition changed in this sync: true suspended, false resumed.
    pub suspended_now: Option<bool>,
    /// A failed pod matched a FailJob rule: the pod and why (the glue writes the message).
    pub fail_job: Option<(PodId, FailJobCause)>,
}

/// The wait before creating pods after `failures` consecutive failures, the last at
/// `last_failure` (getRemainingTimeForFailuresCount): 10s doubling, capped.
pub fn remaining_backoff(failures: i32, last_failure: Option<SimTime>, now: SimTime) -> SimDuration {
    let Some(last) = last_failure.filter(|_| failures > 0) else { return SimDuration::ZERO };
    let mut backoff = POD_FAILURE_BACKOFF;
    for _ in 1..failures {
        backoff = SimDuration(backoff.0.saturating_mul(2));
        if backoff >= MAX_POD_FAILURE_BACKOFF {
            backoff = MAX_POD_FAILURE_BACKOFF;
            break;
        }
    }
    let elapsed = now.since(last);
    if backoff < elapsed {
        SimDuration::ZERO
    } else {
        SimDuration(backoff.0 - elapsed.0)
    }
}

fn finish_time(state: JobPodState) -> Option<(bool, SimTime)> {
    match state {
        JobPodState::Succeeded(t) => Some((true, t)),
        JobPodState::Failed(t) => Some((false, t)),
        _ => None,
    }
}

/// syncJob: count what finished, decide the Job's fate, then manageJob.
pub fn reconcile(rules: &JobRules, previous: &JobStatus, pods: &[JobPod], now: SimTime) -> JobSync {
    let mut status = previous.clone();
    let mut sync = JobSync::default();
    if let Some((_, at)) = status.finished {
        // A finished Job only waits for its time to live (the TTL-after-finished controller).
        if let Some(ttl) = rules.ttl_seconds_after_finished {
            let expires = at + SimDuration::from_secs(u64::try_from(ttl).unwrap_or(0));
            if now >= expires {
                sync.delete_job = true;
            } else {
                sync.requeue_at = Some(expires);
            }
        }
        sync.status = status;
        return sync;
    }
    // StartTime is set only while not suspended; a resumed Job starts again now (its
    // activeDeadlineSeconds counts the time it is continuously active).
    let resuming = !rules.suspend && status.suspended == Some(true);
    if resuming {
        status.start_time = Some(now);
    }
    let start = if rules.suspend { status.start_time } else { Some(*status.start_time.get_or_insert(now)) };
    sync.fail_job = count_finished(rules, &mut status, pods);
    let active: Vec<&JobPod> = pods.iter().filter(|p| matches!(p.state, JobPodState::Active { .. })).collect();
    status.active = active.len() as i32;
    status.ready = active.iter().filter(|p| matches!(p.state, JobPodState::Active { ready: true, .. })).count() as i32;
    status.terminating = pods.iter().filter(|p| p.state == JobPodState::Terminating).count() as i32;
    // pastActiveDeadline: never while suspended.
    let deadline = rules
        .active_deadline_seconds
        .filter(|_| !rules.suspend)
        .and_then(|s| Some(start? + SimDuration::from_secs(u64::try_from(s).unwrap_or(0))));
    let per_index = rules.indexed && rules.backoff_limit_per_index.is_some();
    let completions = rules.completions.unwrap_or(0);
    let outcome = if sync.fail_job.is_some() {
        Some(JobOutcome::PodFailurePolicy)
    } else if status.failed > rules.backoff_limit || past_backoff_limit_on_failure(rules, &active) {
        Some(JobOutcome::BackoffLimitExceeded)
    } else if deadline.is_some_and(|d| now >= d) {
        Some(JobOutcome::DeadlineExceeded)
    } else if per_index && rules.max_failed_indexes.is_some_and(|m| status.failed_indexes.len() as i64 > i64::from(m)) {
        Some(JobOutcome::MaxFailedIndexesExceeded)
    } else if per_index
        && !status.failed_indexes.is_empty()
        && (status.failed_indexes.len() + status.completed_indexes.len()) as i64 >= i64::from(completions)
    {
        Some(JobOutcome::FailedIndexes)
    } else if let Some(msg) = success_policy::match_success_policy(&rules.success_policy, &status.completed_indexes) {
        status.message = Some(msg);
        Some(JobOutcome::SuccessPolicy)
    } else {
        None
    };
    if let Some(outcome) = outcome {
        sync.delete = active.iter().map(|p| p.id).collect();
        return finish(rules, status, sync, outcome, now);
    }
    let succeeded = status.succeeded;
    let complete = match rules.completions {
        None => succeeded > 0 && active.is_empty(),
        Some(c) => succeeded >= c && active.is_empty(),
    };
    if complete {
        return finish(rules, status, sync, JobOutcome::Complete, now);
    }
    if rules.suspend {
        // manageJob: a suspended Job's active pods are deleted, their tracking finalizers
        // removed first (deleteJobPods), so they are never counted as failed.
        sync.delete = active.iter().map(|p| p.id).take(MAX_POD_CREATE_DELETE_PER_SYNC).collect();
        status.counted.extend(sync.delete.iter().copied());
        status.active -= sync.delete.len() as i32;
        status.ready = 0;
        if status.suspended != Some(true) {
            status.suspended = Some(true);
            sync.suspended_now = Some(true);
        }
    } else {
        manage(rules, &status, pods, &active, now, &mut sync);
        if resuming {
            status.suspended = Some(false);
            sync.suspended_now = Some(false);
        }
    }
    sync.requeue_at = min_time(sync.requeue_at, deadline);
    sync.status = status;
    sync
}

fn finish(rules: &JobRules, mut status: JobStatus, mut sync: JobSync, outcome: JobOutcome, now: SimTime) -> JobSync {
    status.finished = Some((outcome, now));
    status.active = 0;
    status.ready = 0;
    sync.finished_now = Some(outcome);
    if let Some(ttl) = rules.ttl_seconds_after_finished {
        let expires = now + SimDuration::from_secs(u64::try_from(ttl).unwrap_or(0));
        sync.requeue_at = Some(expires);
    }
    sync.status = status;
    sync
}

fn min_time(a: Option<SimTime>, b: Option<SimTime>) -> Option<SimTime> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Counts pods that finished since the last sync, and updates the back-off record as
/// newBackoffRecord does: a success clears it, failures after the last success add up. A
/// failure the pod failure policy ignores is not counted; with backoffLimitPerIndex each
/// index keeps its own count and fails past its limit (isIndexFailed). Returns the first
/// failed pod that matched a FailJob rule (getFailJobMessage).
fn count_finished(rules: &JobRules, status: &mut JobStatus, pods: &[JobPod]) -> Option<(PodId, FailJobCause)> {
    let mut new_succeeded: Vec<SimTime> = Vec::new();
    let mut new_failed: Vec<SimTime> = Vec::new();
    let mut fail_job = None;
    for p in pods {
        let Some((ok, at)) = finish_time(p.state) else { continue };
        if !status.counted.insert(p.id) {
            continue;
        }
        if ok {
            new_succeeded.push(at);
            match (rules.indexed, p.index, rules.completions) {
                (true, Some(i), Some(c)) if (0..c).contains(&i) => {
                    status.completed_indexes.insert(i);
                    status.succeeded = status.completed_indexes.len() as i32;
                }
                // A pod of an index already done (or out of range) adds nothing.
                (true, _, _) => {}
                (false, _, _) => status.succeeded += 1,
            }
        } else {
            new_failed.push(at);
            let matched = pod_failure_policy::match_rules(&rules.pod_failure_policy, p);
            let action = matched.as_ref().map(|m| m.0);
            if let Some((_, Some(cause))) = matched {
                fail_job.get_or_insert((p.id, cause));
            }
            let counts = action != Some(PodFailureAction::Ignore);
            if counts {
                status.failed += 1;
            }
            if let (Some(limit), Some(i)) = (rules.backoff_limit_per_index.filter(|_| rules.indexed), p.index) {
                if (0..rules.completions.unwrap_or(0)).contains(&i) {
                    count_index_failure(status, i, limit, action, counts, at);
                }
            }
        }
    }
    new_failed.sort_unstable();
    match new_succeeded.iter().max() {
        None => {
            if let Some(&last) = new_failed.last() {
                status.failures_after_last_success += new_failed.len() as i32;
                status.last_failure = Some(last);
            }
        }
        Some(&last_success) => {
            let after: Vec<SimTime> = new_failed.into_iter().filter(|&t| t > last_success).collect();
            status.failures_after_last_success = after.len() as i32;
            status.last_failure = after.last().copied();
        }
    }
    fail_job
}

/// isIndexFailed and getNewIndexFailureCounts (indexed_job_utils.go): a FailIndex rule
/// fails the index at once; a counted failure fails it when the index had already failed
/// `backoffLimitPerIndex` times.
fn count_index_failure(
    status: &mut JobStatus,
    index: i32,
    limit: i32,
    action: Option<PodFailureAction>,
    counts: bool,
    at: SimTime,
) {
    let record = status.index_failures.entry(index).or_insert(IndexFailures { counted: 0, ignored: 0, last: at });
    let failed = action == Some(PodFailureAction::FailIndex) || (counts && record.counted >= limit);
    if counts {
        record.counted += 1;
    } else {
        record.ignored += 1;
    }
    record.last = record.last.max(at);
    if failed && !status.completed_indexes.contains(&index) {
        status.failed_indexes.insert(index);
    }
}

/// pastBackoffLimitOnFailure: with restartPolicy OnFailure, the restarts of the active
/// pods' containers count as failures.
fn past_backoff_limit_on_failure(rules: &JobRules, active: &[&JobPod]) -> bool {
    if !rules.restart_on_failure {
        return false;
    }
    let restarts: i64 = active.iter().map(|p| i64::from(p.restarts)).sum();
    if rules.backoff_limit == 0 {
        restarts > 0
    } else {
        restarts >= i64::from(rules.backoff_limit)
    }
}

/// manageJob: as many active pods as wanted, new ones only after the failure back-off.
fn manage(rules: &JobRules, status: &JobStatus, pods: &[JobPod], active: &[&JobPod], now: SimTime, sync: &mut JobSync) {
    let parallelism = rules.parallelism.max(0);
    let active_count = active.len() as i32;
    let want_active = match rules.completions {
        // A work queue: once a pod succeeded, no new pods; the others finish their work.
        None if status.succeeded > 0 => active_count,
        None => parallelism,
        Some(c) => (c - status.succeeded).clamp(0, parallelism),
    };
    if active_count > want_active {
        sync.delete = excess_pods(rules, status, active, (active_count - want_active) as usize);
        return;
    }
    // podReplacementPolicy Failed: a terminating pod still holds its place.
    let terminating = if rules.replace_only_failed { status.terminating } else { 0 };
    let missing = (want_active - terminating - active_count).max(0) as usize;
    if missing == 0 {
        return;
    }
    let per_index = rules.indexed && rules.backoff_limit_per_index.is_some();
    if !per_index {
        let wait = remaining_backoff(status.failures_after_last_success, status.last_failure, now);
        if wait > SimDuration::ZERO {
            sync.requeue_at = Some(now + wait);
            return;
        }
    }
    let missing = missing.min(MAX_POD_CREATE_DELETE_PER_SYNC);
    if rules.indexed {
        let completions = rules.completions.unwrap_or(0);
        let busy: BTreeSet<i32> = pods
            .iter()
            .filter(|p| {
                matches!(p.state, JobPodState::Active { .. })
                    || (rules.replace_only_failed && p.state == JobPodState::Terminating)
            })
            .filter_map(|p| p.index)
            .collect();
        // firstPendingIndexes: the lowest indexes neither completed, failed nor running.
        let pending = (0..completions)
            .filter(|i| {
                !status.completed_indexes.contains(i) && !status.failed_indexes.contains(i) && !busy.contains(i)
            })
            .take(missing);
        if per_index {
            // getPodCreationInfoForIndependentIndexes: each index waits out its own back-off
            // (getRemainingTimePerIndex: its failures, counted and ignored, since its last).
            let mut soonest: Option<SimDuration> = None;
            let mut ready = Vec::new();
            for i in pending {
                let wait = status
                    .index_failures
                    .get(&i)
                    .map_or(SimDuration::ZERO, |f| remaining_backoff(f.counted + f.ignored, Some(f.last), now));
                if wait == SimDuration::ZERO {
                    ready.push(Some(i));
                } else {
                    soonest = Some(soonest.map_or(wait, |s| s.min(wait)));
                }
            }
            // Kubernetes requeues only when no index is ready, relying on its pods' status
            // updates to sync again; kubesim's pods change less often, so the earliest
            // waiting index always gets its sync.
            sync.requeue_at = soonest.map(|w| now + w);
            sync.create = ready;
        } else {
            sync.create = pending.map(Some).collect();
        }
    } else {
        sync.create = vec![None; missing];
    }
}

/// Which active pods go when there are too many: for Indexed Jobs first those whose index
/// is done already or repeated, then pending before running, newest (highest id) first.
fn excess_pods(rules: &JobRules, status: &JobStatus, active: &[&JobPod], n: usize) -> Vec<PodId> {
    let mut seen = BTreeSet::new();
    let mut ranked: Vec<(bool, bool, std::cmp::Reverse<PodId>)> = active
        .iter()
        .map(|p| {
            let redundant =
                rules.indexed && p.index.is_none_or(|i| status.completed_indexes.contains(&i) || !seen.insert(i));
            let pending = matches!(p.state, JobPodState::Active { pending: true, .. });
            (!redundant, !pending, std::cmp::Reverse(p.id))
        })
        .collect();
    ranked.sort_unstable();
    ranked.into_iter().take(n.min(MAX_POD_CREATE_DELETE_PER_SYNC)).map(|(_, _, id)| id.0).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(secs: u64) -> SimTime {
        SimTime::ZERO + SimDuration::from_secs(secs)
    }

    fn rules(completions: Option<i32>, parallelism: i32, indexed: bool) -> JobRules {
        JobRules {
            completions,
            parallelism,
            backoff_limit: 6,
            indexed,
            active_deadline_seconds: None,
            ttl_seconds_after_finished: None,
            restart_on_failure: false,
            suspend: false,
            pod_failure_policy: Vec::new(),
            backoff_limit_per_index: None,
            max_failed_indexes: None,
            success_policy: Vec::new(),
            replace_only_failed: false,
        }
    }

    fn active(id: PodId, index: Option<i32>) -> JobPod {
        JobPod {
            id,
            index,
            state: JobPodState::Active { ready: true, pending: false },
            restarts: 0,
            exits: Vec::new(),
            disruption_target: false,
        }
    }

    fn done(id: PodId, index: Option<i32>, ok: bool, at: u64) -> JobPod {
        let state = if ok { JobPodState::Succeeded(s(at)) } else { JobPodState::Failed(s(at)) };
        JobPod { id, index, state, restarts: 0, exits: Vec::new(), disruption_target: false }
    }

    #[test]
    fn back_off_doubles_from_ten_seconds_to_ten_minutes() {
        let waits: Vec<u64> = (1..=8).map(|n| remaining_backoff(n, Some(s(100)), s(100)).as_millis() / 1000).collect();
        assert_eq!(waits, vec![10, 20, 40, 80, 160, 320, 600, 600]);
        assert_eq!(remaining_backoff(0, None, s(100)), SimDuration::ZERO);
        // Time since the last failure counts.
        assert_eq!(remaining_backoff(2, Some(s(100)), s(115)), SimDuration::from_secs(5));
        assert_eq!(remaining_backoff(2, Some(s(100)), s(125)), SimDuration::ZERO);
    }

    #[test]
    fn an_indexed_job_starts_the_lowest_pending_indexes_up_to_parallelism() {
        let r = rules(Some(10), 3, true);
        let first = reconcile(&r, &JobStatus::default(), &[], s(0));
        assert_eq!(first.create, vec![Some(0), Some(1), Some(2)]);
        assert_eq!(first.status.start_time, Some(s(0)));
        let pods = [done(PodId(0), Some(0), true, 30), active(PodId(1), Some(1)), done(PodId(2), Some(2), true, 30)];
        let next = reconcile(&r, &first.status, &pods, s(31));
        assert_eq!(next.status.completed_indexes, BTreeSet::from([0, 2]));
        assert_eq!(next.status.succeeded, 2);
        assert_eq!(next.create, vec![Some(3), Some(4)]);
        // Counted once: the same pods again change nothing.
        let again = reconcile(&r, &next.status, &pods, s(32));
        assert_eq!(again.status.succeeded, 2);
    }

    #[test]
    fn a_job_completes_when_its_completions_succeeded_and_nothing_runs() {
        let r = rules(Some(2), 2, false);
        let pods = [done(PodId(0), None, true, 5), done(PodId(1), None, true, 6)];
        let sync = reconcile(&r, &JobStatus::default(), &pods, s(7));
        assert_eq!(sync.finished_now, Some(JobOutcome::Complete));
        assert_eq!(sync.status.finished, Some((JobOutcome::Complete, s(7))));
        assert!(sync.create.is_empty());
    }

    #[test]
    fn a_work_queue_completes_once_one_succeeded_and_the_others_finished() {
        let r = rules(None, 3, false);
        let pods = [done(PodId(0), None, true, 5), active(PodId(1), None)];
        let sync = reconcile(&r, &JobStatus::default(), &pods, s(6));
        assert_eq!((sync.finished_now, sync.create.len()), (None, 0));
        let pods = [done(PodId(0), None, true, 5), done(PodId(1), None, true, 8)];
        assert_eq!(reconcile(&r, &sync.status, &pods, s(9)).finished_now, Some(JobOutcome::Complete));
    }

    #[test]
    fn failures_back_off_and_then_exceed_the_limit() {
        let mut r = rules(Some(1), 1, false);
        r.backoff_limit = 2;
        let pods = vec![done(PodId(0), None, false, 10)];
        let sync = reconcile(&r, &JobStatus::default(), &pods, s(10));
        assert!(sync.create.is_empty());
        assert_eq!(sync.requeue_at, Some(s(20)));
        let sync = reconcile(&r, &sync.status, &pods, s(20));
        assert_eq!(sync.create, vec![None]);
        let pods = vec![done(PodId(0), None, false, 10), done(PodId(1), None, false, 40)];
        let sync = reconcile(&r, &sync.status, &pods, s(40));
        assert_eq!(sync.requeue_at, Some(s(60)), "the second failure waits 20s");
        let pods =
            vec![done(PodId(0), None, false, 10), done(PodId(1), None, false, 40), done(PodId(2), None, false, 100)];
        let sync = reconcile(&r, &sync.status, &pods, s(100));
        assert_eq!(sync.finished_now, Some(JobOutcome::BackoffLimitExceeded));
        assert_eq!(sync.status.failed, 3);
    }

    #[test]
    fn restarts_count_against_the_limit_with_on_failure() {
        let mut r = rules(Some(1), 1, false);
        r.restart_on_failure = true;
        r.backoff_limit = 3;
        let mut p = active(PodId(0), None);
        p.restarts = 3;
        let sync = reconcile(&r, &JobStatus::default(), &[p], s(1));
        assert_eq!(sync.finished_now, Some(JobOutcome::BackoffLimitExceeded));
        assert_eq!(sync.delete, vec![PodId(0)]);
    }

    #[test]
    fn the_deadline_deletes_the_active_pods_and_fails_the_job() {
        let mut r = rules(Some(5), 2, false);
        r.active_deadline_seconds = Some(60);
        let first = reconcile(&r, &JobStatus::default(), &[], s(0));
        assert_eq!(first.requeue_at, Some(s(60)));
        let pods = [active(PodId(0), None), active(PodId(1), None)];
        let sync = reconcile(&r, &first.status, &pods, s(60));
        assert_eq!(sync.finished_now, Some(JobOutcome::DeadlineExceeded));
        assert_eq!(sync.delete, vec![PodId(0), PodId(1)]);
    }

    #[test]
    fn a_finished_job_lives_for_its_ttl() {
        let mut r = rules(Some(1), 1, false);
        r.ttl_seconds_after_finished = Some(100);
        let sync = reconcile(&r, &JobStatus::default(), &[done(PodId(0), None, true, 5)], s(6));
        assert_eq!(sync.requeue_at, Some(s(106)));
        assert!(!reconcile(&r, &sync.status, &[], s(105)).delete_job);
        assert!(reconcile(&r, &sync.status, &[], s(106)).delete_job);
    }

    #[test]
    fn excess_pods_of_done_indexes_go_first() {
        let r = rules(Some(3), 2, true);
        let status = JobStatus { completed_indexes: BTreeSet::from([0, 1]), succeeded: 2, ..JobStatus::default() };
        // Index 0 is done already; index 2 still runs: only one is wanted.
        let sync = reconcile(&r, &status, &[active(PodId(5), Some(0)), active(PodId(6), Some(2))], s(1));
        assert_eq!(sync.delete, vec![PodId(5)]);
    }

    // job_controller_test.go TestSyncJob "suspending a job with satisfied expectations" and
    // "resuming a suspended job": the active pods go (not counted as failed), the condition
    // and its event, then startTime reset at the resume.
    #[test]
    fn suspending_deletes_the_active_pods_and_resuming_restarts_the_clock() {
        let mut r = rules(Some(4), 2, false);
        r.suspend = true;
        let created_suspended = reconcile(&r, &JobStatus::default(), &[], s(0));
        assert_eq!(created_suspended.status.start_time, None);
        assert_eq!(created_suspended.suspended_now, Some(true));
        assert!(created_suspended.create.is_empty());
        let running = JobStatus { start_time: Some(s(0)), ..JobStatus::default() };
        let pods = [active(PodId(0), None), active(PodId(1), None)];
        let sync = reconcile(&r, &running, &pods, s(10));
        assert_eq!(sync.delete, vec![PodId(0), PodId(1)]);
        assert_eq!((sync.status.active, sync.suspended_now, sync.status.suspended), (0, Some(true), Some(true)));
        // The deleted pods finish later; they are not failures.
        let gone = [done(PodId(0), None, false, 12), done(PodId(1), None, false, 12)];
        let still = reconcile(&r, &sync.status, &gone, s(20));
        assert_eq!((still.status.failed, still.suspended_now), (0, None));
        r.suspend = false;
        let resumed = reconcile(&r, &still.status, &gone, s(40));
        assert_eq!(resumed.suspended_now, Some(false));
        assert_eq!(resumed.status.start_time, Some(s(40)));
        assert_eq!(resumed.create.len(), 2);
    }

    // TestSyncJobWithJobBackoffLimitPerIndex and backoff_utils_test.go: index 0 waits its own
    // 10s back-off while index 1 runs; its second failure (backoffLimitPerIndex 1) fails it.
    #[test]
    fn an_index_backs_off_on_its_own_and_fails_past_its_limit() {
        let mut r = rules(Some(2), 2, true);
        r.backoff_limit_per_index = Some(1);
        r.backoff_limit = i32::MAX;
        let pods = vec![done(PodId(0), Some(0), false, 10), active(PodId(1), Some(1))];
        let sync = reconcile(&r, &JobStatus::default(), &pods, s(10));
        assert!(sync.create.is_empty() && sync.status.failed_indexes.is_empty());
        assert_eq!(sync.requeue_at, Some(s(20)));
        let sync = reconcile(&r, &sync.status, &pods, s(20));
        assert_eq!(sync.create, vec![Some(0)]);
        let pods =
            vec![done(PodId(0), Some(0), false, 10), active(PodId(1), Some(1)), done(PodId(2), Some(0), false, 40)];
        let sync = reconcile(&r, &sync.status, &pods, s(40));
        assert_eq!(sync.status.failed_indexes, BTreeSet::from([0]));
        assert!(sync.create.is_empty(), "a failed index is not retried");
        let pods = vec![
            done(PodId(0), Some(0), false, 10),
            done(PodId(1), Some(1), true, 50),
            done(PodId(2), Some(0), false, 40),
        ];
        assert_eq!(reconcile(&r, &sync.status, &pods, s(50)).finished_now, Some(JobOutcome::FailedIndexes));
    }

    // TestSyncJobWithPodReplacementPolicy: with Failed a terminating pod keeps its place.
    #[test]
    fn a_terminating_pod_is_replaced_only_with_terminating_or_failed() {
        let mut r = rules(Some(3), 2, false);
        let pods = [JobPod { state: JobPodState::Terminating, ..active(PodId(0), None) }, active(PodId(1), None)];
        assert_eq!(reconcile(&r, &JobStatus::default(), &pods, s(1)).create.len(), 1);
        r.replace_only_failed = true;
        let sync = reconcile(&r, &JobStatus::default(), &pods, s(1));
        assert_eq!((sync.create.len(), sync.status.terminating), (0, 1));
    }
}
