//! The kubelet's rules, as pure functions: restart back-off, probe outcomes and image
//! pulls. The simulation (src/sim/kubelet.rs) applies them to each node's pods.

use crate::engine::{SimDuration, SimTime};
use crate::model::spec::{Probe, PullPolicy, RestartPolicy};
pub use crate::model::store::Exit;
use crate::model::store::PodPhase;

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

/// The app answers its probes once it has been up for `ready_after`, until it hangs (its
/// image's `livenessFailAfter`, drawn at each start): a hung app answers nothing again.
pub fn app_answers(started: SimTime, ready_after: SimDuration, hangs_at: Option<SimTime>, at: SimTime) -> bool {
    at >= started + ready_after && hangs_at.is_none_or(|h| at < h)
}

/// When the first probe of a container started at `started` runs.
pub fn first_probe(probe: &Probe, started: SimTime) -> SimTime {
    started + probe.initial_delay
}

/// The first probe tick at or after `at`, ticks running every `period` from `first`: where
/// a settled probe looks again, so that an app that never changes costs no probe events.
pub fn probe_tick_at_or_after(first: SimTime, period: SimDuration, at: SimTime) -> SimTime {
    if at <= first {
        return first;
    }
    let period = period.as_micros().max(1);
    let k = (at - first).as_micros().div_ceil(period);
    first + SimDuration(k.saturating_mul(period))
}

/// Whether the kubelet starts a container again after it exited (`restartPolicy`).
pub fn restarts_after(policy: RestartPolicy, exit: Exit) -> bool {
    match policy {
        RestartPolicy::Always => true,
        RestartPolicy::OnFailure => exit.failed(),
        RestartPolicy::Never => false,
    }
}

/// The pod's phase once its app containers stopped for good (`exits`: each container's
/// exit, None while it runs or will run again): Succeeded if all exited 0, else Failed.
pub fn finished_phase(exits: impl IntoIterator<Item = Option<Exit>>) -> Option<PodPhase> {
    let mut phase = PodPhase::Succeeded;
    for exit in exits {
        if exit?.failed() {
            phase = PodPhase::Failed;
        }
    }
    Some(phase)
}

/// The moment an app over its memory limit is OOMKilled: it reaches its working set this
/// long after it starts (a simplification: real apps grow at their own pace).
pub const OOM_AFTER_START: SimDuration = SimDuration::from_secs(1);

/// Whether a process using `usage` bytes is killed under a memory limit of `limit` bytes
/// (a limit of 0 means none).
pub fn over_memory_limit(usage: Option<i64>, limit: i64) -> bool {
    usage.is_some_and(|u| limit > 0 && u > limit)
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
    fn a_hung_app_stops_answering() {
        let (start, ready) = (SimTime(0), SimDuration::from_secs(5));
        let hang = Some(SimTime(60_000_000));
        assert!(!app_answers(start, ready, hang, SimTime(4_000_000)));
        assert!(app_answers(start, ready, hang, SimTime(59_999_999)));
        assert!(!app_answers(start, ready, hang, SimTime(60_000_000)));
        assert!(app_answers(start, ready, None, SimTime(3_600_000_000)));
    }

    #[test]
    fn a_settled_probe_looks_again_at_the_first_tick_after_the_change() {
        let (first, period) = (SimTime(2_000_000), SimDuration::from_secs(10));
        let at = |s: u64| probe_tick_at_or_after(first, period, SimTime(s * 1_000_000)).as_micros() / 1_000_000;
        assert_eq!(at(0), 2);
        assert_eq!(at(2), 2);
        assert_eq!(at(3), 12);
        assert_eq!(at(62), 62);
        assert_eq!(at(63), 72);
    }

    #[test]
    fn restart_policy_decides_who_comes_back() {
        for exit in [Exit::ERROR, Exit::OOM_KILLED, Exit::KILLED] {
            assert!(restarts_after(RestartPolicy::Always, exit));
            assert!(restarts_after(RestartPolicy::OnFailure, exit));
            assert!(!restarts_after(RestartPolicy::Never, exit));
        }
        assert!(restarts_after(RestartPolicy::Always, Exit::COMPLETED));
        assert!(!restarts_after(RestartPolicy::OnFailure, Exit::COMPLETED));
        assert!(!restarts_after(RestartPolicy::Never, Exit::COMPLETED));
    }

    #[test]
    fn a_pod_is_finished_when_every_container_is() {
        assert_eq!(finished_phase([Some(Exit::COMPLETED), None]), None);
        assert_eq!(finished_phase([Some(Exit::COMPLETED), Some(Exit::COMPLETED)]), Some(PodPhase::Succeeded));
        assert_eq!(finished_phase([Some(Exit::COMPLETED), Some(Exit::OOM_KILLED)]), Some(PodPhase::Failed));
    }

    #[test]
    fn only_a_set_limit_below_the_usage_kills() {
        let mi = 1024 * 1024;
        assert!(over_memory_limit(Some(300 * mi), 256 * mi));
        assert!(!over_memory_limit(Some(300 * mi), 512 * mi));
        assert!(!over_memory_limit(Some(300 * mi), 0));
        assert!(!over_memory_limit(None, 256 * mi));
        assert!(!over_memory_limit(Some(256 * mi), 256 * mi));
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
