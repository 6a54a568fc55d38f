//! The Progressing condition and progressDeadlineSeconds (progress.go).

use crate::engine::{SimDuration, SimTime};
use crate::model::store::{DeploymentStatus, ProgressReason};

/// The condition before this sync and what the sync observed.
pub struct ProgressInput<'a> {
    pub previous: &'a DeploymentStatus,
    pub current: &'a DeploymentStatus,
    pub reason: Option<ProgressReason>,
    pub updated_at: SimTime,
    pub now: SimTime,
    pub complete: bool,
    pub deadline_seconds: i32,
    pub new_rs_name: Option<&'a str>,
    pub deployment: &'a str,
}

/// The condition after this sync.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgressOutput {
    pub reason: Option<ProgressReason>,
    pub updated_at: SimTime,
    /// The condition's message when it changed to timed out (the rollout is not stopped).
    pub timed_out_message: Option<String>,
    /// When to look again for a stuck rollout.
    pub recheck_at: Option<SimTime>,
}

/// DeploymentProgressing: more updated, ready or available pods, or fewer old ones.
pub fn made_progress(previous: &DeploymentStatus, current: &DeploymentStatus) -> bool {
    let old_before = previous.replicas - previous.updated;
    let old_now = current.replicas - current.updated;
    current.updated > previous.updated
        || old_now < old_before
        || current.ready > previous.ready
        || current.available > previous.available
}

/// syncRolloutStatus' handling of the Progressing condition.
pub fn sync_progress(input: &ProgressInput<'_>) -> ProgressOutput {
    let mut out = ProgressOutput {
        reason: input.reason,
        updated_at: input.updated_at,
        timed_out_message: None,
        recheck_at: None,
    };
    let rollout_done =
        input.current.replicas == input.current.updated && input.reason == Some(ProgressReason::NewReplicaSetAvailable);
    if rollout_done {
        return out;
    }
    let subject = match input.new_rs_name {
        Some(rs) => format!("ReplicaSet \"{rs}\""),
        None => format!("Deployment \"{}\"", input.deployment),
    };
    let deadline = SimDuration::from_secs(input.deadline_seconds.max(0) as u64);
    if input.complete {
        out.reason = Some(ProgressReason::NewReplicaSetAvailable);
        out.updated_at = input.now;
    } else if made_progress(input.previous, input.current) {
        out.reason = Some(ProgressReason::ReplicaSetUpdated);
        out.updated_at = input.now;
        out.recheck_at = Some(input.now + deadline + SimDuration::from_secs(1));
    } else if matches!(out.reason, Some(r) if r != ProgressReason::ProgressDeadlineExceeded && r != ProgressReason::DeploymentPaused)
    {
        let due = input.updated_at + deadline;
        if input.now > due {
            out.reason = Some(ProgressReason::ProgressDeadlineExceeded);
            out.updated_at = input.now;
            out.timed_out_message = Some(format!("{subject} has timed out progressing."));
        } else {
            out.recheck_at = Some(due + SimDuration::from_secs(1));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(replicas: i32, updated: i32, ready: i32, available: i32) -> DeploymentStatus {
        DeploymentStatus { replicas, updated, ready, available, unavailable: 0 }
    }

    fn input<'a>(prev: &'a DeploymentStatus, cur: &'a DeploymentStatus, now_s: u64) -> ProgressInput<'a> {
        ProgressInput {
            previous: prev,
            current: cur,
            reason: Some(ProgressReason::ReplicaSetUpdated),
            updated_at: SimTime(0),
            now: SimTime(now_s * 1_000_000),
            complete: false,
            deadline_seconds: 600,
            new_rs_name: Some("web-abc"),
            deployment: "web",
        }
    }

    #[test]
    fn a_stuck_rollout_times_out_after_the_deadline_and_says_so() {
        let s = status(4, 1, 3, 3);
        let before = sync_progress(&input(&s, &s, 599));
        assert_eq!(before.reason, Some(ProgressReason::ReplicaSetUpdated));
        assert_eq!(before.recheck_at, Some(SimTime(601_000_000)));
        let after = sync_progress(&input(&s, &s, 601));
        assert_eq!(after.reason, Some(ProgressReason::ProgressDeadlineExceeded));
        assert_eq!(after.timed_out_message.as_deref(), Some("ReplicaSet \"web-abc\" has timed out progressing."));
    }

    #[test]
    fn progress_resets_the_clock() {
        let prev = status(4, 1, 3, 3);
        let cur = status(4, 2, 3, 3);
        let out = sync_progress(&input(&prev, &cur, 500));
        assert_eq!(out.updated_at, SimTime(500_000_000));
        assert_eq!(out.reason, Some(ProgressReason::ReplicaSetUpdated));
    }
}
