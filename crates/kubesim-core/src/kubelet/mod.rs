//! The kubelet's rules, as pure functions: restart back-off, probe outcomes and image
//! pulls. The simulation (src/sim/kubelet.rs) applies them to each node's pods.

use crate::engine::{SimDuration, SimTime};
use crate::model::spec::{Probe, PullPolicy, RestartPolicy};
use crate::model::store::PodPhase;
pub use crate::model::store::{BackOffEntry, Exit};

/// The first back-off window: kubelet.go `containerBackOffPeriod` (10s).
pub const BACKOFF_INITIAL: SimDuration = SimDuration::from_secs(10);
/// The longest window: kubelet.go `MaxContainerBackOff` (300s).
pub const BACKOFF_MAX: SimDuration = SimDuration::from_secs(300);
/// A container whose last restart is more than this before its exit starts its back-off
/// afresh: kubelet.go `NewMainKubelet` sets the back-off's `HasExpiredFunc` to
/// `eventTime.Sub(lastUpdate) > 600*time.Second`.
pub const BACKOFF_RESET: SimDuration = SimDuration::from_secs(600);

/// client-go util/flowcontrol backoff.go `hasExpired` as the kubelet sets it: the exit at
/// `finished` came more than 10 minutes after the entry last moved (the last restart).
fn back_off_expired(entry: BackOffEntry, finished: SimTime) -> bool {
    finished.since(entry.last_update) > BACKOFF_RESET
}

/// pkg/kubelet/kuberuntime kuberuntime_manager.go `doBackOff`, at the kubelet's sync right
/// after a container exited at `finished`: the wait before it may start again
/// (`Backoff.IsInBackOffSince`), or None to start it at once. IsInBackOffSince is false
/// while the container has no entry (before its first restart) and once the entry has
/// expired, so the first restart, and the first after 10 minutes up, wait nothing.
pub fn back_off_wait(entry: Option<BackOffEntry>, finished: SimTime) -> Option<SimDuration> {
    entry.filter(|e| !back_off_expired(*e, finished)).map(|e| e.window)
}

/// `Backoff.Next(key, finished)`, which doBackOff calls when it lets the container start at
/// `now`: a new (or expired) entry starts at 10s, an existing one doubles up to 5 minutes;
/// either way it was updated now. So the waits between crashes are 0, 10, 20, 40, 80,
/// 160, 300, 300 ... seconds.
pub fn next_back_off(entry: Option<BackOffEntry>, finished: SimTime, now: SimTime) -> BackOffEntry {
    let window = match entry {
        Some(e) if !back_off_expired(e, finished) => SimDuration(e.window.0.saturating_mul(2).min(BACKOFF_MAX.0)),
        _ => BACKOFF_INITIAL,
    };
    BackOffEntry { window, last_update: now }
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

/// kuberuntime_container.go `minimumGracePeriodInSeconds`: killContainer never gives the
/// runtime less than 2 s to stop a container, even after a preStop hook used up the grace.
pub const MINIMUM_GRACE: SimDuration = SimDuration::from_secs(2);

/// Whole seconds of `d`, as the kubelet counts time spent against the grace period
/// (`executePreStopHook` returns `int64(...Seconds())`, `waitForTurn`'s wait is truncated).
fn whole_seconds(d: SimDuration) -> SimDuration {
    SimDuration::from_secs(d.as_micros() / 1_000_000)
}

/// A running container the kubelet stops, as `killContainer` sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stopping {
    /// Its preStop hook's duration (None: no hook).
    pub pre_stop: Option<SimDuration>,
    /// How long its process takes to exit after SIGTERM (the image's `stop`).
    pub stop: SimDuration,
    /// A sidecar (restartable init container), stopped after the app containers.
    pub sidecar: bool,
}

/// When a stopped container gets SIGTERM and exits, counted from the start of the kill.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StopPlan {
    pub sigterm: SimDuration,
    pub exit: SimDuration,
    /// Still running at the end of its grace: SIGKILL.
    pub killed: bool,
}

/// kuberuntime_container.go `killContainer` for each running container of a pod being
/// deleted with `grace`, `containers` in the order given (app containers, then sidecars in
/// spec order): the preStop hook runs first, for at most the grace period
/// (`executePreStopHook`), and its whole seconds come off the grace; a sidecar then waits for
/// its turn (termination_ordering.go: every app container and every later sidecar has
/// exited) for at most what remains, and the wait's whole seconds come off too; what is left,
/// at least `minimumGracePeriodInSeconds` (2 s), is the runtime's StopContainer timeout.
/// Without a hook or a sidecar, kubesim gives the grace as it is (a grace of 0 or 1 s is not
/// raised to 2 s), as it did before it simulated hooks.
pub fn plan_termination(grace: SimDuration, containers: &[Stopping]) -> Vec<StopPlan> {
    let ordered = containers.iter().any(|c| c.sidecar);
    let mut plans =
        vec![StopPlan { sigterm: SimDuration::ZERO, exit: SimDuration::ZERO, killed: false }; containers.len()];
    let kill = |c: &Stopping, after: SimDuration| -> (SimDuration, SimDuration) {
        match c.pre_stop.filter(|_| grace > SimDuration::ZERO) {
            Some(hook) => {
                let ran = hook.min(grace);
                (ran, grace.saturating_sub(whole_seconds(ran)))
            }
            None => (after, grace),
        }
    };
    let finish = |c: &Stopping, at: SimDuration, remaining: SimDuration| {
        let remaining = if c.pre_stop.is_some() || ordered { remaining.max(MINIMUM_GRACE) } else { remaining };
        StopPlan { sigterm: at, exit: at + c.stop.min(remaining), killed: c.stop > remaining }
    };
    let mut mains_done = SimDuration::ZERO;
    for (i, c) in containers.iter().enumerate().filter(|(_, c)| !c.sidecar) {
        let (at, remaining) = kill(c, SimDuration::ZERO);
        plans[i] = finish(c, at, remaining);
        mains_done = mains_done.max(plans[i].exit);
    }
    // Sidecars in reverse order: each waits for the app containers and the sidecars after it.
    let mut done = mains_done;
    for (i, c) in containers.iter().enumerate().rev().filter(|(_, c)| c.sidecar) {
        let (mut at, mut remaining) = kill(c, SimDuration::ZERO);
        if remaining > SimDuration::ZERO {
            let turn = done.max(at).min(at + remaining);
            remaining = remaining.saturating_sub(whole_seconds(turn.saturating_sub(at)));
            at = turn;
        }
        plans[i] = finish(c, at, remaining);
        done = done.max(plans[i].exit);
    }
    plans
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

// The image pull back-off: kubelet.go `NewMainKubelet` builds `imageBackOff` with
// `flowcontrol.NewBackOff(backOffPeriod, MaxContainerBackOff)`, the container back-off's own
// period and cap: BACKOFF_INITIAL (10s) doubling to BACKOFF_MAX (300s).

/// `Backoff.Next(key, now)` after a failed pull (images/image_manager.go
/// `EnsureImageExists`): a new entry starts at 10s, an existing one doubles up to 300s; an
/// entry idle for more than twice the maximum (client-go backoff.go's default `hasExpired`)
/// starts again.
pub fn next_image_back_off(entry: Option<BackOffEntry>, now: SimTime) -> BackOffEntry {
    let expired = |e: &BackOffEntry| now.since(e.last_update) > SimDuration(BACKOFF_MAX.0.saturating_mul(2));
    let window = match entry {
        Some(e) if !expired(&e) => SimDuration(e.window.0.saturating_mul(2).min(BACKOFF_MAX.0)),
        _ => BACKOFF_INITIAL,
    };
    BackOffEntry { window, last_update: now }
}

/// When the next pull may run: `IsInBackOffSinceUpdate` holds while less than the window has
/// passed since the failure, so the kubelet's first sync at or after `last_update + window`
/// pulls again (kubesim syncs the pod exactly then).
pub fn image_pull_retry_at(entry: BackOffEntry) -> SimTime {
    entry.last_update + entry.window
}

/// The kubelet's next look at a pod after a sync failed: PLEG's relist period
/// (pleg/generic.go, `genericPlegRelistPeriod`, 1s). The sync after a failed pull finds the
/// image in back-off (`ImagePullBackOff`).
pub const RELIST_PERIOD: SimDuration = SimDuration::from_secs(1);

/// How long a pull takes to fail: the registry's answer (a round trip like a digest check)
/// when the image is missing or refused; the whole `pull` time for a transient failure.
pub fn failed_pull_duration(permanent: bool, pull: SimDuration) -> SimDuration {
    if permanent {
        pull.min(DIGEST_CHECK)
    } else {
        pull
    }
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

    /// The waits between a container's crashes when each run lasts `run` seconds and each
    /// restart takes no time: doBackOff's verdict at each exit, Next at each restart.
    fn waits(run: u64, crashes: usize) -> Vec<u64> {
        let (mut entry, mut now, mut out) = (None, SimTime::ZERO, Vec::new());
        for _ in 0..crashes {
            now += SimDuration::from_secs(run);
            let wait = back_off_wait(entry, now).unwrap_or(SimDuration::ZERO);
            out.push(wait.as_millis() / 1000);
            let finished = now;
            now += wait;
            entry = Some(next_back_off(entry, finished, now));
        }
        out
    }

    #[test]
    fn the_first_restart_is_immediate_then_the_back_off_doubles_to_five_minutes() {
        assert_eq!(waits(1, 9), vec![0, 10, 20, 40, 80, 160, 300, 300, 300]);
    }

    #[test]
    fn the_back_off_expires_after_more_than_ten_minutes_since_the_last_restart() {
        // hasExpired is strict: exactly 600s since the last Next keeps the entry.
        assert_eq!(waits(600, 4), vec![0, 10, 20, 40]);
        assert_eq!(waits(601, 4), vec![0, 0, 0, 0]);
        let entry = Some(BackOffEntry { window: SimDuration::from_secs(160), last_update: SimTime::ZERO });
        let at = |s: u64| SimTime::ZERO + SimDuration::from_secs(s);
        assert_eq!(back_off_wait(entry, at(600)), Some(SimDuration::from_secs(160)));
        assert_eq!(back_off_wait(entry, at(601)), None);
        assert_eq!(next_back_off(entry, at(601), at(601)).window, BACKOFF_INITIAL);
        assert_eq!(next_back_off(entry, at(600), at(760)).window, BACKOFF_MAX);
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

    /// image_manager.go: each failed pull calls Next; the kubelet pulls again once the
    /// window has passed: waits of 10, 20, 40 ... 300 s (flowcontrol.NewBackOff(10s, 300s)).
    #[test]
    fn failed_pulls_back_off_from_ten_seconds_doubling_to_five_minutes() {
        let (mut entry, mut now, mut waits) = (None, SimTime::ZERO, Vec::new());
        for _ in 0..7 {
            let e = next_image_back_off(entry, now);
            let retry = image_pull_retry_at(e);
            waits.push(retry.since(now).as_millis() / 1000);
            now = retry + SimDuration::from_millis(500);
            entry = Some(e);
        }
        assert_eq!(waits, vec![10, 20, 40, 80, 160, 300, 300]);
        // Idle for more than 600s, the entry starts again.
        let e = BackOffEntry { window: BACKOFF_MAX, last_update: SimTime::ZERO };
        assert_eq!(next_image_back_off(Some(e), SimTime(601_000_000)).window, BACKOFF_INITIAL);
    }

    fn secs(s: u64) -> SimDuration {
        SimDuration::from_secs(s)
    }

    #[test]
    fn a_pre_stop_hook_runs_inside_the_grace_period() {
        // A 5 s sleep, then SIGTERM; a 1 s exit: the container is gone 6 s after the kill.
        let web = Stopping { pre_stop: Some(secs(5)), stop: secs(1), sidecar: false };
        assert_eq!(plan_termination(secs(30), &[web]), [StopPlan { sigterm: secs(5), exit: secs(6), killed: false }]);
        // A hook longer than the grace is cut at the grace; killContainer still gives the
        // runtime minimumGracePeriodInSeconds (2 s) before SIGKILL.
        let slow = Stopping { pre_stop: Some(secs(45)), stop: secs(10), sidecar: false };
        assert_eq!(plan_termination(secs(30), &[slow]), [StopPlan { sigterm: secs(30), exit: secs(32), killed: true }]);
        // executePreStopHook's seconds are whole: 5.5 s of hook leaves 25 s, not 24.5 s.
        let half = Stopping { pre_stop: Some(SimDuration::from_millis(5_500)), stop: secs(60), sidecar: false };
        assert_eq!(plan_termination(secs(30), &[half])[0].exit, SimDuration::from_millis(30_500));
    }

    #[test]
    fn without_hooks_or_sidecars_the_grace_is_what_it_was() {
        let app = Stopping { pre_stop: None, stop: secs(3), sidecar: false };
        assert_eq!(plan_termination(secs(30), &[app])[0], StopPlan { sigterm: secs(0), exit: secs(3), killed: false });
        assert_eq!(plan_termination(secs(0), &[app])[0], StopPlan { sigterm: secs(0), exit: secs(0), killed: true });
    }

    #[test]
    fn sidecars_stop_after_the_app_in_reverse_order() {
        // termination_ordering.go: a sidecar waits for every app container and every later
        // sidecar before its SIGTERM.
        let app = Stopping { pre_stop: None, stop: secs(4), sidecar: false };
        let first = Stopping { pre_stop: None, stop: secs(1), sidecar: true };
        let second = Stopping { pre_stop: None, stop: secs(2), sidecar: true };
        let plans = plan_termination(secs(30), &[app, first, second]);
        assert_eq!(plans[0], StopPlan { sigterm: secs(0), exit: secs(4), killed: false });
        assert_eq!(plans[2], StopPlan { sigterm: secs(4), exit: secs(6), killed: false });
        assert_eq!(plans[1], StopPlan { sigterm: secs(6), exit: secs(7), killed: false });
        // The wait counts against the sidecar's grace: 10 s of grace, an app that takes 9 s,
        // leaves the sidecar the 2 s minimum.
        let slow_app = Stopping { pre_stop: None, stop: secs(9), sidecar: false };
        let sidecar = Stopping { pre_stop: None, stop: secs(5), sidecar: true };
        let plans = plan_termination(secs(10), &[slow_app, sidecar]);
        assert_eq!(plans[1], StopPlan { sigterm: secs(9), exit: secs(11), killed: true });
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
