//! The kubelet's rules, as pure functions: restart back-off, probe outcomes and image
//! pulls. The simulation (src/sim/kubelet.rs) applies them to each node's pods.

use crate::engine::{SimDuration, SimTime};
use crate::model::spec::{Probe, PullPolicy};

/// CrashLoopBackOff starts at 10s and doubles up to 5 minutes.
pub const BACKOFF_INITIAL: SimDuration = SimDuration::from_secs(10);
pub const BACKOFF_MAX: SimDuration = SimDuration::from_secs(300);
/// A container that ran this long without crashing starts its back-off afresh.
pub const BACKOFF_RESET: SimDuration = SimDuration::from_secs(600);

/// The wait before the `n`-th consecutive restart (1-based): 10, 20, 40, 80, 160, 300, 300 ...
pub fn crash_loop_backoff(n: u32) -> SimDuration {
    let shift = n.saturating_sub(1).min(20);
    SimDuration(BACKOFF_INITIAL.0.saturating_mul(1 << shift).min(BACKOFF_MAX.0))
}

/// The back-off count after a crash of a container that ran for `ran`.
pub fn next_backoff_count(previous: u32, ran: SimDuration) -> u32 {
    if ran >= BACKOFF_RESET {
        1
    } else {
        previous + 1
    }
}

/// The app answers its probes once it has been up for `ready_after`.
pub fn app_answers(started: SimTime, ready_after: SimDuration, at: SimTime) -> bool {
    at >= started + ready_after
}

/// When the first probe of a container started at `started` runs.
pub fn first_probe(probe: &Probe, started: SimTime) -> SimTime {
    started + probe.initial_delay
}

/// What a pull request for an image does on a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PullPlan {
    /// The image is there and the policy does not ask for a pull.
    Present,
    /// Policy Never and the image is missing: ErrImageNeverPull.
    NeverPull,
    /// A pull (or, for `Always` with a cached image, a registry check) that starts when
    /// the serialised puller is free and takes `duration`.
    Pull { duration: SimDuration },
    /// Another pod's pull of the same image is under way on this node: this request waits
    /// behind it in the serial puller and then finds the layers there.
    AwaitPull { until: SimTime },
}

/// A registry round trip for `imagePullPolicy: Always` when the layers are cached.
pub const DIGEST_CHECK: SimDuration = SimDuration::from_millis(500);

/// Decides the pull; `cached_at` is when the image is (or will be) on the node.
pub fn plan_pull(policy: PullPolicy, cached_at: Option<SimTime>, now: SimTime, pull: SimDuration) -> PullPlan {
    let present = cached_at.is_some_and(|t| t <= now);
    if let Some(until) = cached_at.filter(|&t| t > now) {
        if policy != PullPolicy::Never {
            return PullPlan::AwaitPull { until };
        }
    }
    match policy {
        PullPolicy::Never if present => PullPlan::Present,
        PullPolicy::Never => PullPlan::NeverPull,
        PullPolicy::IfNotPresent if present => PullPlan::Present,
        PullPolicy::IfNotPresent => PullPlan::Pull { duration: pull },
        PullPolicy::Always if present => PullPlan::Pull { duration: pull.min(DIGEST_CHECK) },
        PullPolicy::Always => PullPlan::Pull { duration: pull },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crash_loop_back_off_doubles_to_five_minutes() {
        let waits: Vec<u64> = (1..=8).map(|n| crash_loop_backoff(n).as_millis() / 1000).collect();
        assert_eq!(waits, vec![10, 20, 40, 80, 160, 300, 300, 300]);
    }

    #[test]
    fn back_off_resets_after_ten_minutes_up() {
        assert_eq!(next_backoff_count(5, SimDuration::from_secs(599)), 6);
        assert_eq!(next_backoff_count(5, SimDuration::from_secs(600)), 1);
    }

    #[test]
    fn pulls_follow_the_policy() {
        let now = SimTime(10_000_000);
        let pull = SimDuration::from_secs(4);
        assert_eq!(plan_pull(PullPolicy::IfNotPresent, Some(SimTime(0)), now, pull), PullPlan::Present);
        assert_eq!(plan_pull(PullPolicy::IfNotPresent, None, now, pull), PullPlan::Pull { duration: pull });
        assert_eq!(
            plan_pull(PullPolicy::Always, Some(SimTime(0)), now, pull),
            PullPlan::Pull { duration: DIGEST_CHECK }
        );
        assert_eq!(plan_pull(PullPolicy::Never, None, now, pull), PullPlan::NeverPull);
        // A pull still running on the node is waited for, not repeated.
        let until = SimTime(20_000_000);
        assert_eq!(plan_pull(PullPolicy::IfNotPresent, Some(until), now, pull), PullPlan::AwaitPull { until });
    }
}
