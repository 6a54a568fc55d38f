//! Each node's kubelet: admits bound pods, pulls images through the node's serial puller,
//! starts containers, runs probes, restarts crashed containers with back-off, and stops
//! pods within their grace period.
//!
//! Container failures: an image's `crashAfter` (the process exits with an error),
//! `memoryUsage` over the container's memory limit (OOMKilled), `livenessFailAfter` (the app
//! hangs: liveness and readiness probes fail), `crashOnStart`, and the `faults:` section's
//! container crashes. Each is drawn or scheduled at every start, and its timer carries
//! the container's restart count so that a timer from an earlier run changes nothing. After
//! an exit, `restartPolicy` decides: a restart (at once the first time, then after the
//! CrashLoopBackOff wait), or the container stays Terminated and the pod ends Failed
//! (Succeeded if all exited 0).
//!
//! Probes cost no events once settled: a readiness probe that succeeded, or a liveness
//! probe that sees the app answer, looks again only if the app will hang, and then first at
//! the probe tick at or after the hang. A startupProbe holds the other two back until it
//! succeeds (prober/worker.go `doProbe`), and kills the container after `failureThreshold`
//! failures.
//!
//! Lifecycle (kuberuntime_container.go): a postStart hook runs right after the container
//! starts and the container is not Running (so not probed, not Ready) until it is done; a
//! failing one kills the container. Init containers run one after another, each to
//! completion (the image's `runFor`), before the app containers; a sidecar (an init
//! container with `restartPolicy: Always`) only has to be started. At deletion each running
//! container's preStop hook runs inside the grace period before SIGTERM (the app keeps
//! serving meanwhile), and sidecars stop after the app containers, in reverse order
//! (`kubelet::plan_termination`).

use super::{Event, Sim};
use crate::engine::{SimDuration, SimTime};
use crate::kubelet::{
    app_answers, back_off_wait, failed_pull_duration, finished_phase, first_probe, image_pull_retry_at, next_back_off,
    next_image_back_off, over_memory_limit, plan_pull, plan_termination, probe_tick_at_or_after, restarts_after, Exit,
    PullPlan, Stopping, OOM_AFTER_START, RELIST_PERIOD,
};
use crate::model::events::go_duration;
use crate::model::spec::{ContainerSpec, LifecycleHandler};
use crate::model::store::{ContainerState, PodId, PodPhase};

/// The app container that serves a pod's traffic: the first (a simplification: Kubernetes
/// sends a Service's traffic to whichever container listens on the target port).
const SERVING_SLOT: usize = 0;

/// Why a running container's process ends on its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitCause {
    /// `crashAfter` or a random container fault: exit 1.
    Crash,
    /// `memoryUsage` over the memory limit: OOMKilled, 137.
    OutOfMemory,
    /// `runFor`: the work is done, exit 0 (`Completed`).
    WorkDone,
}

impl ExitCause {
    /// How the process ends, with the image's `exitCode` for a failure.
    fn exit(self, exit_code: i32) -> Exit {
        match self {
            ExitCause::Crash => Exit { code: exit_code, ..Exit::ERROR },
            ExitCause::OutOfMemory => Exit::OOM_KILLED,
            ExitCause::WorkDone => Exit::COMPLETED,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProbeKind {
    Readiness,
    Liveness,
    Startup,
}

/// A kubelet timer. Container indices count init containers first, then app containers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Admit,
    SandboxReady,
    /// The image is on the node; `pulled_since` is when the pull was requested, if one ran.
    ImageReady {
        index: u16,
        pulled_since: Option<SimTime>,
        pull: SimDuration,
        first: bool,
    },
    Started {
        index: u16,
        first: bool,
    },
    /// The pull of container `index`'s image failed (`transient`: by `pullFailure`'s draw,
    /// else by the image's `pullError`).
    PullFailed {
        index: u16,
        transient: bool,
    },
    /// The kubelet's next sync finds the image in back-off: `ImagePullBackOff`.
    PullBackOff {
        index: u16,
    },
    /// The image back-off is over: the kubelet pulls again.
    PullAgain {
        index: u16,
    },
    /// The postStart hook of the run counted by `restarts` is done (`failed`: it failed).
    PostStartDone {
        index: u16,
        restarts: u32,
        first: bool,
        failed: bool,
    },
    /// A probe; `count` is the run of successes (readiness) or failures (liveness, startup)
    /// so far, `restarts` the container's restart count when it was scheduled.
    Probe {
        index: u16,
        kind: ProbeKind,
        count: u32,
        restarts: u32,
    },
    /// The kubelet starts a container again that exited at `exited`.
    Restart {
        index: u16,
        exited: SimTime,
    },
    /// The run counted by `restarts` ends: the process exits with an error (`crashAfter`),
    /// the kernel kills it over its memory limit, or its work is done (`runFor`).
    Exit {
        index: u16,
        restarts: u32,
        cause: ExitCause,
    },
    Stop,
    /// A stopping container's preStop hook failed (`FailedPreStopHook`, on the pod: which
    /// container is not in kubesim's events).
    PreStopFailed,
    /// A stopping container gets SIGTERM, its preStop hook done (or its turn come).
    Sigterm {
        index: u16,
    },
    /// A stopping container exited (or was killed at the end of its grace).
    ContainerStopped {
        index: u16,
        killed: bool,
    },
    Stopped {
        killed: bool,
    },
    Gone,
}

/// What `stop_pod` needs of a running container.
struct Stopped {
    name: String,
    image: String,
    pre_stop: Option<LifecycleHandler>,
    sidecar: bool,
}

/// How long a hook's handler runs, and whether it fails, for a container of `image`.
/// `answers`: whether the app answers HTTP now (an `httpGet` to an app that does not is
/// refused at once).
fn hook_outcome(
    handler: &LifecycleHandler,
    image: &crate::model::spec::ImageBehavior,
    pre_stop: bool,
    answers: bool,
) -> (SimDuration, bool) {
    let time = if pre_stop { image.pre_stop } else { image.post_start };
    match handler {
        LifecycleHandler::Sleep(d) => (*d, false),
        LifecycleHandler::Exec(_) => (time, image.hooks_fail),
        LifecycleHandler::HttpGet(_) if !answers => (SimDuration::ZERO, true),
        LifecycleHandler::HttpGet(_) => (time, image.hooks_fail),
        LifecycleHandler::TcpSocket => (SimDuration::ZERO, true),
    }
}

/// The FailedPostStartHook message, in the words of pkg/kubelet/lifecycle/handlers.go `Run`.
fn hook_failure(handler: &LifecycleHandler, container: &str, pod: &str, answers: bool) -> String {
    match handler {
        LifecycleHandler::Exec(cmd) => format!(
            "Exec lifecycle hook ([{}]) for Container \"{container}\" in Pod \"{pod}\" failed - error: command '{}' exited with 1: , message: \"\"",
            cmd.join(" "),
            cmd.join(" ")
        ),
        LifecycleHandler::HttpGet(path) => {
            let why = if answers { "HTTP probe failed with statuscode: 500" } else { "connect: connection refused" };
            format!("HTTP lifecycle hook ({path}) for Container \"{container}\" in Pod \"{pod}\" failed - error: {why}")
        }
        LifecycleHandler::Sleep(_) | LifecycleHandler::TcpSocket => {
            "Cannot run handler: invalid handler: tcpSocket is not supported by the kubelet".to_string()
        }
    }
}

impl Sim<'_> {
    pub(super) fn kubelet_step(&mut self, pod: PodId, generation: u32, step: Step) {
        let p = &self.ctx.store.pods[pod];
        if p.generation != generation || p.deleted.is_some() {
            return;
        }
        match p.node {
            Some(node) if self.nodes.kubelet_running(node) => {}
            _ => return,
        }
        match step {
            Step::Admit => {
                let at = self.ctx.kernel.now() + self.ctx.scenario.control_plane.sandbox_creation;
                self.ctx.kernel.schedule_at(at, Event::Kubelet(pod, generation, Step::SandboxReady));
            }
            Step::SandboxReady => {
                self.ctx.store.pods[pod].begun = 0;
                self.begin_container(pod, 0)
            }
            Step::ImageReady { index, pulled_since, pull, first } => {
                self.image_ready(pod, index, pulled_since, pull, first)
            }
            Step::Started { index, first } => self.container_started(pod, index, first),
            Step::PullFailed { index, transient } => self.pull_failed(pod, index, transient),
            Step::PullBackOff { index } => self.pull_back_off(pod, index),
            Step::PullAgain { index } => self.begin_container(pod, index),
            Step::PostStartDone { index, restarts, first, failed } => {
                self.post_start_done(pod, index, restarts, first, failed)
            }
            Step::Probe { index, kind, count, restarts } => self.probe(pod, index, kind, count, restarts),
            Step::Restart { index, exited } => self.restart_container(pod, index, exited),
            Step::Exit { index, restarts, cause } => {
                let Some(cs) = self.ctx.store.pods[pod].container_status(usize::from(index)) else { return };
                if cs.restarts == restarts && cs.process_running() {
                    let code = self.container(pod, index).map_or(1, |c| self.ctx.image(&c.image).exit_code);
                    self.container_exited(pod, index, cause.exit(code));
                }
            }
            // A cut-off kubelet never heard of the deletion; it stops the pod on reconnecting.
            Step::Stop if !self.ctx.store.pods[pod].node.is_none_or(|n| self.nodes.kubelet_connected(n)) => {}
            Step::Stop => self.stop_pod(pod),
            Step::PreStopFailed => {
                let now = self.ctx.kernel.now();
                let object = self.ctx.pod_object(pod);
                // kuberuntime_container.go executePreStopHook: the message is fixed, so that
                // secrets in the hook's output never reach an event.
                self.ctx.recorder.warning(now, "FailedPreStopHook", object, "PreStopHook failed".to_string());
            }
            Step::Sigterm { index } => {
                if self.app_slot(pod, index) == Some(SERVING_SLOT) {
                    self.traffic.server_draining(pod);
                }
            }
            Step::ContainerStopped { index, killed } => self.container_stopped(pod, index, killed),
            Step::Stopped { killed } => self.pod_stopped(pod, killed),
            Step::Gone => self.pod_gone(pod),
        }
    }

    fn container(&self, pod: PodId, index: u16) -> Option<&ContainerSpec> {
        self.ctx.store.pods[pod].spec.container_at(usize::from(index))
    }

    /// The app-container slot of a combined index, None for init containers.
    fn app_slot(&self, pod: PodId, index: u16) -> Option<usize> {
        usize::from(index).checked_sub(self.ctx.store.pods[pod].spec.init_containers.len())
    }

    fn schedule_step(&mut self, pod: PodId, at: SimTime, step: Step) {
        let generation = self.ctx.store.pods[pod].generation;
        self.ctx.kernel.schedule_at(at, Event::Kubelet(pod, generation, step));
    }

    /// Pulls (or finds) the image of container `index`, then creates it.
    fn begin_container(&mut self, pod: PodId, index: u16) {
        let Some(c) = self.container(pod, index) else { return };
        let (image, policy) = (c.image.clone(), c.pull_policy);
        let now = self.ctx.kernel.now();
        let Some(node) = self.ctx.store.pods[pod].node else { return };
        let p = &mut self.ctx.store.pods[pod];
        p.begun = p.begun.max(index.saturating_add(1));
        let pull = self.ctx.image(&image).pull;
        let n = &self.ctx.store.nodes()[node];
        let object = self.ctx.pod_object(pod);
        match plan_pull(policy, n.images.get(&image).copied(), now, pull) {
            PullPlan::Present => {
                self.ctx.recorder.normal(
                    now,
                    "Pulled",
                    object,
                    format!("Container image \"{image}\" already present on machine"),
                );
                self.image_ready(pod, index, None, SimDuration::ZERO, true);
            }
            PullPlan::NeverPull => {
                self.ctx.recorder.warning(
                    now,
                    "ErrImageNeverPull",
                    object,
                    format!("Container image \"{image}\" is not present with pull policy of Never"),
                );
                self.set_waiting(pod, index, "ErrImageNeverPull");
            }
            PullPlan::AwaitPull { until } => {
                self.ctx.recorder.normal(now, "Pulling", object, format!("Pulling image \"{image}\""));
                self.schedule_step(
                    pod,
                    until,
                    Step::ImageReady { index, pulled_since: Some(now), pull: SimDuration::ZERO, first: true },
                );
            }
            PullPlan::Pull { .. } if self.pull_fails(&image) => {
                let behavior = self.ctx.image(&image);
                let transient = behavior.pull_error.is_none();
                let fails_at = now + failed_pull_duration(!transient, behavior.pull);
                self.ctx.recorder.normal(now, "Pulling", object, format!("Pulling image \"{image}\""));
                self.schedule_step(pod, fails_at, Step::PullFailed { index, transient });
            }
            PullPlan::Pull { duration } => {
                let done = self.ctx.store.start_pull(node, &image, duration, now);
                self.ctx.recorder.normal(now, "Pulling", object, format!("Pulling image \"{image}\""));
                self.schedule_step(
                    pod,
                    done,
                    Step::ImageReady { index, pulled_since: Some(now), pull: duration, first: true },
                );
            }
        }
    }

    /// Whether this pull of `image` fails: always with a `pullError`, else by a draw from the
    /// pulls' own stream when the image has a `pullFailure` (no draw without one).
    fn pull_fails(&mut self, image: &str) -> bool {
        let behavior = self.ctx.image(image);
        let (permanent, p) = (behavior.pull_error.is_some(), behavior.pull_failure);
        permanent || self.pulls.chance(p)
    }

    /// images/image_manager.go `EnsureImageExists` after a failed pull: the `Failed` event
    /// with the runtime's error, `Backoff.Next`, and kuberuntime_container.go `startContainer`'s
    /// `Failed` "Error: ErrImagePull"; the container waits with reason ErrImagePull. The
    /// next sync (a PLEG relist later) finds the image in back-off, and the kubelet pulls
    /// again when the back-off window has passed.
    fn pull_failed(&mut self, pod: PodId, index: u16, transient: bool) {
        let Some(c) = self.container(pod, index) else { return };
        let image = c.image.clone();
        let now = self.ctx.kernel.now();
        let error = match self.ctx.image(&image).pull_error {
            Some(e) if !transient => e.message(&image),
            _ => crate::model::spec::transient_pull_error(&image),
        };
        let object = self.ctx.pod_object(pod);
        self.ctx.recorder.warning(now, "Failed", object.clone(), format!("Failed to pull image \"{image}\": {error}"));
        self.ctx.recorder.warning(now, "Failed", object, "Error: ErrImagePull".into());
        let entry = match self.ctx.store.pods[pod].container_status_mut(usize::from(index)) {
            Some(cs) => {
                let e = next_image_back_off(cs.pull_backoff, now);
                cs.pull_backoff = Some(e);
                e
            }
            None => next_image_back_off(None, now),
        };
        self.set_waiting(pod, index, "ErrImagePull");
        self.pod_changed(pod);
        let retry = image_pull_retry_at(entry);
        if now + RELIST_PERIOD < retry {
            self.schedule_step(pod, now + RELIST_PERIOD, Step::PullBackOff { index });
        }
        self.schedule_step(pod, retry, Step::PullAgain { index });
    }

    /// A sync while the image is in back-off: `BackOff` "Back-off pulling image", and
    /// startContainer's `Failed` "Error: ImagePullBackOff".
    fn pull_back_off(&mut self, pod: PodId, index: u16) {
        let Some(c) = self.container(pod, index) else { return };
        let image = c.image.clone();
        let now = self.ctx.kernel.now();
        let object = self.ctx.pod_object(pod);
        self.ctx.recorder.normal(now, "BackOff", object.clone(), format!("Back-off pulling image \"{image}\""));
        self.ctx.recorder.warning(now, "Failed", object, "Error: ImagePullBackOff".into());
        self.set_waiting(pod, index, "ImagePullBackOff");
        self.pod_changed(pod);
    }

    fn set_waiting(&mut self, pod: PodId, index: u16, reason: &'static str) {
        let p = &mut self.ctx.store.pods[pod];
        if let Some(c) = p.container_status_mut(usize::from(index)) {
            c.state = ContainerState::Waiting(reason);
            p.reason = reason.to_string();
        }
    }

    fn image_ready(&mut self, pod: PodId, index: u16, pulled_since: Option<SimTime>, pull: SimDuration, first: bool) {
        let Some(c) = self.container(pod, index) else { return };
        let (name, image) = (c.name.clone(), c.image.clone());
        let now = self.ctx.kernel.now();
        let object = self.ctx.pod_object(pod);
        if let Some(since) = pulled_since {
            let waited = now.since(since);
            self.ctx.recorder.normal(
                now,
                "Pulled",
                object.clone(),
                format!(
                    "Successfully pulled image \"{image}\" in {} ({} including waiting)",
                    go_duration(pull),
                    go_duration(waited)
                ),
            );
        }
        self.ctx.recorder.normal(now, "Created", object, format!("Created container: {name}"));
        let at = now + self.ctx.image(&image).start;
        self.schedule_step(pod, at, Step::Started { index, first });
    }

    /// The container's process started (kuberuntime_container.go `startContainer`, after
    /// StartContainer): the Started event, this run's fate drawn, then its postStart hook, if
    /// any, before the kubelet reports it Running.
    fn container_started(&mut self, pod: PodId, index: u16, first: bool) {
        let Some(c) = self.container(pod, index).cloned() else { return };
        let now = self.ctx.kernel.now();
        let object = self.ctx.pod_object(pod);
        let slot = self.app_slot(pod, index);
        // A plain init container runs to completion; a sidecar runs on as app containers do.
        let plain_init = slot.is_none() && !c.sidecar;
        let behavior = self.ctx.image(&c.image).clone();
        if self.containers.chance(behavior.crash_on_start) {
            self.container_exited(pod, index, Exit { code: behavior.exit_code, ..Exit::ERROR });
            if first && slot.is_some() {
                self.begin_container(pod, index + 1);
            }
            return;
        }
        self.ctx.recorder.normal(now, "Started", object, format!("Started container {}", c.name));
        if slot == Some(SERVING_SLOT) {
            self.traffic.server_started(&mut self.ctx, pod, &c.image);
        }
        let p = &mut self.ctx.store.pods[pod];
        if slot.is_some() {
            p.started.get_or_insert(now);
        }
        let Some(restarts) = p.container_status(usize::from(index)).map(|cs| cs.restarts) else { return };
        // This run's fate, drawn in a fixed order: run time to a crash, then to a hang.
        let crash_in = behavior.crash_after.as_ref().map(|d| d.sample(&mut self.containers));
        let hang_in = behavior.liveness_fail_after.as_ref().map(|d| d.sample(&mut self.containers));
        // Drawn last, so that images without `runFor` draw exactly what they did before.
        let done_in = behavior.run_for.as_ref().map(|d| d.sample(&mut self.containers));
        let Some(cs) = self.ctx.store.pods[pod].container_status_mut(usize::from(index)) else { return };
        cs.started_at = Some(now);
        cs.hangs_at = hang_in.map(|d| now + d);
        let hangs_at = cs.hangs_at;
        if plain_init && done_in.is_none() {
            // An init container whose image has no `runFor` finishes as soon as it starts.
            self.init_container_done(pod, index, false);
            return;
        }
        if slot == Some(SERVING_SLOT) {
            self.traffic.server_hangs_at(pod, hangs_at);
        }
        if over_memory_limit(behavior.memory_usage_bytes, c.limits.memory_bytes) {
            self.schedule_step(
                pod,
                now + OOM_AFTER_START,
                Step::Exit { index, restarts, cause: ExitCause::OutOfMemory },
            );
        }
        if let Some(d) = crash_in {
            self.schedule_step(pod, now + d, Step::Exit { index, restarts, cause: ExitCause::Crash });
        }
        if let Some(d) = done_in {
            self.schedule_step(pod, now + d, Step::Exit { index, restarts, cause: ExitCause::WorkDone });
        }
        // The `faults:` section's random crashes strike app containers and sidecars.
        if !plain_init {
            if let Some(d) =
                self.ctx.store.pods[pod].node.and_then(|n| self.nodes.random_container_crash_in(self.ctx.scenario, n))
            {
                self.schedule_step(pod, now + d, Step::Exit { index, restarts, cause: ExitCause::Crash });
            }
        }
        match &c.lifecycle.post_start {
            Some(hook) => {
                let answers = app_answers(now, behavior.ready_after, hangs_at, now);
                let (takes, failed) = hook_outcome(hook, &behavior, false, answers);
                if let Some(cs) = self.ctx.store.pods[pod].container_status_mut(usize::from(index)) {
                    cs.in_post_start = true;
                }
                self.schedule_step(pod, now + takes, Step::PostStartDone { index, restarts, first, failed });
            }
            None => self.container_running(pod, index, first),
        }
    }

    /// The postStart hook ended. kuberuntime_container.go `startContainer`: a failed hook is
    /// a `FailedPostStartHook` event, and the container is killed (`Killing` with the message
    /// "FailedPostStartHook") and restarted by the pod's restartPolicy.
    fn post_start_done(&mut self, pod: PodId, index: u16, restarts: u32, first: bool, failed: bool) {
        let Some(cs) = self.ctx.store.pods[pod].container_status(usize::from(index)) else { return };
        if cs.restarts != restarts || !cs.in_post_start {
            return;
        }
        if !failed {
            self.container_running(pod, index, first);
            return;
        }
        let Some(c) = self.container(pod, index).cloned() else { return };
        let Some(hook) = c.lifecycle.post_start.as_ref() else { return };
        let now = self.ctx.kernel.now();
        let p = &self.ctx.store.pods[pod];
        let pod_name = format!("{}_{}({})", p.name, p.namespace, super::scheduling::pod_uid(pod));
        let answers =
            cs.started_at.is_some_and(|t| app_answers(t, self.ctx.image(&c.image).ready_after, cs.hangs_at, t));
        let object = self.ctx.pod_object(pod);
        self.ctx.recorder.warning(
            now,
            "FailedPostStartHook",
            object.clone(),
            hook_failure(hook, &c.name, &pod_name, answers),
        );
        self.ctx.recorder.normal(now, "Killing", object, "FailedPostStartHook".to_string());
        self.container_exited(pod, index, Exit::KILLED);
        if first && self.app_slot(pod, index).is_some() {
            self.begin_container(pod, index + 1);
        }
    }

    /// The kubelet reports the container Running: its probes begin (the startupProbe first,
    /// if any), and the next container may start.
    fn container_running(&mut self, pod: PodId, index: u16, first: bool) {
        let Some((startup, sidecar)) = self.container(pod, index).map(|c| (c.startup.clone(), c.sidecar)) else {
            return;
        };
        let slot = self.app_slot(pod, index);
        let p = &mut self.ctx.store.pods[pod];
        let Some(cs) = p.container_status_mut(usize::from(index)) else { return };
        cs.in_post_start = false;
        cs.state = ContainerState::Running;
        let (started, restarts) = (cs.started_at.unwrap_or(self.ctx.kernel.now()), cs.restarts);
        if slot.is_some() && p.containers.iter().all(|c| c.state == ContainerState::Running) {
            p.phase = PodPhase::Running;
            p.reason.clear();
        }
        if slot.is_none() && !sidecar {
            // A plain init container has no probes (validation): it runs to its `runFor`.
            self.pod_changed(pod);
            return;
        }
        match &startup {
            Some(probe) => {
                let at = first_probe(probe, started);
                self.schedule_step(pod, at, Step::Probe { index, kind: ProbeKind::Startup, count: 0, restarts });
            }
            None => self.container_started_up(pod, index, started, restarts),
        }
        self.pod_changed(pod);
        if first && slot.is_some() {
            self.begin_container(pod, index + 1);
        }
    }

    /// The container counts as started (its startupProbe succeeded, or it has none): the
    /// readiness probe runs at once if its initial delay is over (prober_manager.go
    /// `UpdatePodStatus` triggers it), the liveness probe at its next tick; a sidecar lets
    /// the next container start (kuberuntime_manager.go `computeInitContainerActions`).
    fn container_started_up(&mut self, pod: PodId, index: u16, started: SimTime, restarts: u32) {
        let Some((readiness, liveness, sidecar)) =
            self.container(pod, index).map(|c| (c.readiness.clone(), c.liveness.clone(), c.sidecar))
        else {
            return;
        };
        let now = self.ctx.kernel.now();
        if let Some(cs) = self.ctx.store.pods[pod].container_status_mut(usize::from(index)) {
            cs.started = true;
        }
        match &readiness {
            Some(probe) => {
                let at = first_probe(probe, started).max(now);
                self.schedule_step(pod, at, Step::Probe { index, kind: ProbeKind::Readiness, count: 0, restarts });
            }
            None => self.set_container_ready(pod, index, true),
        }
        if let Some(probe) = &liveness {
            let at = probe_tick_at_or_after(first_probe(probe, started), probe.period, now);
            self.schedule_step(pod, at, Step::Probe { index, kind: ProbeKind::Liveness, count: 0, restarts });
        }
        if sidecar && self.ctx.store.pods[pod].begun <= index + 1 {
            self.begin_container(pod, index + 1);
        }
    }

    /// A plain init container exited 0: the next container starts (the next init container,
    /// or the first app container).
    fn init_container_done(&mut self, pod: PodId, index: u16, changed: bool) {
        let p = &mut self.ctx.store.pods[pod];
        let Some(cs) = p.container_status_mut(usize::from(index)) else { return };
        cs.state = ContainerState::Terminated(Exit::COMPLETED.reason);
        cs.started_at = None;
        cs.last_exit = Some(Exit::COMPLETED);
        if p.reason == "CrashLoopBackOff" || p.reason == Exit::ERROR.reason {
            p.reason.clear();
        }
        if changed {
            self.pod_changed(pod);
        }
        if self.ctx.store.pods[pod].terminating.is_none() {
            self.begin_container(pod, index + 1);
        }
    }

    /// A container exited (or was killed). `restartPolicy` decides whether it starts again
    /// or stays Terminated (a sidecar always starts again; an init container that exited 0
    /// is done and the next one starts); a terminating pod's containers never restart. A
    /// restart waits for the CrashLoopBackOff window if the container is in back-off (never
    /// before its first restart: kuberuntime_manager.go `doBackOff`).
    fn container_exited(&mut self, pod: PodId, index: u16, exit: Exit) {
        let now = self.ctx.kernel.now();
        let slot = self.app_slot(pod, index);
        if slot == Some(SERVING_SLOT) {
            self.traffic.server_stopped(&mut self.ctx, pod);
        }
        let Some(c) = self.container(pod, index) else { return };
        let (sidecar, name) = (c.sidecar, c.name.clone());
        let plain_init = slot.is_none() && !sidecar;
        let p = &mut self.ctx.store.pods[pod];
        let policy = p.spec.restart_policy;
        let restart = p.terminating.is_none() && (sidecar || restarts_after(policy, exit));
        let Some(cs) = p.container_status_mut(usize::from(index)) else { return };
        let ran = cs.started_at.map_or(SimDuration::ZERO, |t| now.since(t));
        cs.ready = false;
        cs.started_at = None;
        cs.hangs_at = None;
        cs.started = false;
        cs.in_post_start = false;
        cs.last_exit = Some(exit);
        if plain_init && !exit.failed() {
            self.init_container_done(pod, index, true);
            return;
        }
        if !restart {
            cs.state = ContainerState::Terminated(exit.reason);
            p.reason = exit.reason.to_string();
            // A failed init container that will not run again fails the pod (kubelet
            // getPhase); otherwise the pod ends when its app containers have. A container that
            // exited and is about to start again is not finished.
            let phase = if plain_init {
                Some(PodPhase::Failed)
            } else {
                let exits = p.containers.iter().map(|c| match (&c.state, c.last_exit) {
                    (ContainerState::Terminated(_), Some(e)) if !restarts_after(policy, e) => Some(e),
                    _ => None,
                });
                finished_phase(exits)
            };
            if let (Some(phase), None, Some(node)) = (phase, p.terminating, p.node) {
                // A finished pod is no longer active: its ReplicaSet replaces it, and the
                // scheduler's spreading stops counting it.
                p.phase = phase;
                p.finished = Some(now);
                // Its sidecars are stopped with it (KEP-753).
                for (spec, s) in p.spec.init_containers.iter().zip(p.init_containers.iter_mut()) {
                    if spec.sidecar && s.process_running() {
                        s.state = ContainerState::Terminated(Exit::COMPLETED.reason);
                        s.started_at = None;
                        s.in_post_start = false;
                        s.ready = false;
                    }
                }
                let owner = p.owner;
                self.scheduler.profile.owner_spread.pod_counted(&self.scheduler.profile.topology, owner, node, -1);
                // Its requests are free for pods waiting to be scheduled.
                self.ctx.store.release_finished(pod);
                self.scheduler.cluster_changed(&mut self.ctx);
            }
            self.update_pod_ready(pod);
            self.pod_changed(pod);
            return;
        }
        let wait = back_off_wait(cs.backoff, now);
        // In back-off the status says CrashLoopBackOff (the sync's ErrCrashLoopBackOff, kept
        // in the kubelet's reasonCache); a container started again at once keeps its
        // Terminated state until it runs (kubelet_pods.go convertToAPIContainerStatuses).
        let reason = match wait {
            Some(_) => "CrashLoopBackOff",
            None => exit.reason,
        };
        cs.state = match wait {
            Some(_) => ContainerState::Waiting(reason),
            None => ContainerState::Terminated(reason),
        };
        // An app container that exited and will restart keeps its pod Running (kubelet
        // getPhase); a pod still in its init containers stays Pending.
        if slot.is_some() {
            p.phase = PodPhase::Running;
        }
        p.reason = reason.into();
        let (pod_name, ns) = (p.name.clone(), p.namespace.clone());
        let wait = wait.unwrap_or(SimDuration::ZERO);
        if self.ctx.narrating() {
            self.ctx.narrate_backoff(pod, usize::from(index), exit, ran, wait);
        }
        if wait > SimDuration::ZERO {
            // The kubelet's sync right after the exit finds the container in back-off.
            let object = self.ctx.pod_object(pod);
            self.ctx.recorder.warning(
                now,
                "BackOff",
                object,
                format!(
                    "Back-off restarting failed container {name} in pod {pod_name}_{ns}({})",
                    super::scheduling::pod_uid(pod)
                ),
            );
        }
        self.update_pod_ready(pod);
        self.pod_changed(pod);
        self.schedule_step(pod, now + wait, Step::Restart { index, exited: now });
    }

    /// A pod's images changed in place (`kubectl set image pod/...`, a patch): the kubelet
    /// kills each running container whose image changed (`Killing`: "Container NAME
    /// definition changed, will be restarted") and starts it again at once with the new image
    /// (kubesim's model: no pull time and no back-off), so it counts a restart and is not
    /// ready until its readiness probe passes again. A container not running yet starts with
    /// the new image when its turn comes.
    pub(crate) fn change_pod_images(&mut self, pod: PodId, spec: std::sync::Arc<crate::model::spec::PodSpec>) {
        let old = std::mem::replace(&mut self.ctx.store.pods[pod].spec, spec);
        let now = self.ctx.kernel.now();
        let inits = old.init_containers.len();
        for (slot, (o, n)) in old.containers.iter().zip(&self.ctx.store.pods[pod].spec.containers.clone()).enumerate() {
            let running =
                self.ctx.store.pods[pod].containers.get(slot).is_some_and(|c| c.state == ContainerState::Running);
            if o.image == n.image || !running {
                continue;
            }
            if slot == SERVING_SLOT {
                self.traffic.server_stopped(&mut self.ctx, pod);
            }
            let cs = &mut self.ctx.store.pods[pod].containers[slot];
            cs.ready = false;
            cs.started_at = None;
            cs.hangs_at = None;
            cs.started = false;
            cs.in_post_start = false;
            // The kubelet's back-off is keyed by the container's spec hash (getStableKey): a
            // changed container starts a series of its own.
            cs.backoff = None;
            let object = self.ctx.pod_object(pod);
            self.ctx.recorder.normal(
                now,
                "Killing",
                object,
                format!("Container {} definition changed, will be restarted", n.name),
            );
            self.update_pod_ready(pod);
            self.pod_changed(pod);
            let index = u16::try_from(inits + slot).unwrap_or(u16::MAX);
            self.schedule_step(pod, now, Step::Restart { index, exited: now });
        }
    }

    /// doBackOff let the container start (`Backoff.Next`): its image is on the node.
    fn restart_container(&mut self, pod: PodId, index: u16, exited: SimTime) {
        let Some(c) = self.container(pod, index) else { return };
        let image = c.image.clone();
        let now = self.ctx.kernel.now();
        let Some(cs) = self.ctx.store.pods[pod].container_status_mut(usize::from(index)) else { return };
        cs.restarts += 1;
        cs.backoff = Some(next_back_off(cs.backoff, exited, now));
        let object = self.ctx.pod_object(pod);
        self.ctx.recorder.normal(
            now,
            "Pulled",
            object,
            format!("Container image \"{image}\" already present on machine"),
        );
        self.image_ready(pod, index, None, SimDuration::ZERO, false);
    }

    /// A probe of a running container. `count` runs successes while the container is not
    /// ready (readiness), failures otherwise. An app answers from `readyAfter` until it
    /// hangs; before that the port refuses connections, once hung the probe times out.
    fn probe(&mut self, pod: PodId, index: u16, kind: ProbeKind, count: u32, restarts: u32) {
        let Some(c) = self.container(pod, index).cloned() else { return };
        let now = self.ctx.kernel.now();
        let Some(cs) = self.ctx.store.pods[pod].container_status(usize::from(index)) else { return };
        let (Some(started), true) = (cs.started_at, cs.restarts == restarts && cs.state == ContainerState::Running)
        else {
            return;
        };
        let (hangs_at, ready) = (cs.hangs_at, cs.ready);
        let probe = match kind {
            ProbeKind::Readiness => c.readiness.as_ref(),
            ProbeKind::Liveness => c.liveness.as_ref(),
            ProbeKind::Startup => c.startup.as_ref(),
        };
        let Some(probe) = probe else { return };
        let up = app_answers(started, self.ctx.image(&c.image).ready_after, hangs_at, now);
        let hung = hangs_at.is_some_and(|h| now >= h);
        // A settled probe looks again only where the app can change: its hang, if any.
        let recheck = hangs_at.map(|h| probe_tick_at_or_after(first_probe(probe, started), probe.period, h));
        let next = |count| Step::Probe { index, kind, count, restarts };
        if up {
            if kind == ProbeKind::Startup {
                // Its successThreshold is 1 (validation); it never runs again for this run.
                self.container_started_up(pod, index, started, restarts);
                self.pod_changed(pod);
                return;
            }
            let successes = count + 1;
            if kind == ProbeKind::Readiness && !ready && successes < probe.success_threshold {
                self.schedule_step(pod, now + probe.period, next(successes));
                return;
            }
            if kind == ProbeKind::Readiness && !ready {
                self.set_container_ready(pod, index, true);
            }
            if let Some(at) = recheck {
                self.schedule_step(pod, at, next(0));
            }
            return;
        }
        let object = self.ctx.pod_object(pod);
        let why = if hung { "context deadline exceeded" } else { "connection refused" };
        let failures = count + 1;
        match kind {
            ProbeKind::Readiness => {
                self.ctx.recorder.warning(now, "Unhealthy", object, format!("Readiness probe failed: {why}"));
                if !ready && hung {
                    // Hung for the rest of this run: nothing to see until it restarts.
                } else if !ready {
                    self.schedule_step(pod, now + probe.period, next(0));
                } else if failures >= probe.failure_threshold {
                    self.set_container_ready(pod, index, false);
                } else {
                    self.schedule_step(pod, now + probe.period, next(failures));
                }
            }
            ProbeKind::Liveness | ProbeKind::Startup => {
                let what = if kind == ProbeKind::Liveness { "Liveness" } else { "Startup" };
                self.ctx.recorder.warning(now, "Unhealthy", object.clone(), format!("{what} probe failed: {why}"));
                if failures < probe.failure_threshold {
                    self.schedule_step(pod, now + probe.period, next(failures));
                    return;
                }
                // kuberuntime_manager.go computePodActions: "Container %s failed liveness
                // probe" / "failed startup probe", ", will be restarted" when it will be.
                let p = &self.ctx.store.pods[pod];
                let restarts_then = c.sidecar || restarts_after(p.spec.restart_policy, Exit::KILLED);
                let then = if restarts_then { ", will be restarted" } else { "" };
                self.ctx.recorder.normal(
                    now,
                    "Killing",
                    object,
                    format!("Container {} failed {} probe{then}", c.name, what.to_lowercase()),
                );
                self.container_exited(pod, index, Exit::KILLED);
            }
        }
    }

    fn set_container_ready(&mut self, pod: PodId, index: u16, ready: bool) {
        if let Some(c) = self.ctx.store.pods[pod].container_status_mut(usize::from(index)) {
            c.ready = ready;
        }
        self.update_pod_ready(pod);
    }

    /// The pod is Ready when every app container and every sidecar is.
    fn update_pod_ready(&mut self, pod: PodId) {
        let now = self.ctx.kernel.now();
        // A cut-off kubelet cannot post status: the API learns on reconnection.
        if !self.ctx.store.pods[pod].node.is_none_or(|n| self.nodes.kubelet_connected(n)) {
            return;
        }
        let p = &mut self.ctx.store.pods[pod];
        let ready = p.terminating.is_none() && p.containers_ready();
        match (ready, p.ready_since) {
            (true, None) => {
                p.ready_since = Some(now);
                p.first_ready.get_or_insert(now);
            }
            (false, Some(_)) => p.ready_since = None,
            _ => return,
        }
        self.pod_changed(pod);
    }

    /// Deletion reached the kubelet: each running container is killed
    /// (kuberuntime_container.go `killContainer`): `Killing`, its preStop hook inside the
    /// grace period, SIGTERM, SIGKILL at the end of its grace; sidecars after the app
    /// containers (`kubelet::plan_termination`).
    fn stop_pod(&mut self, pod: PodId) {
        let now = self.ctx.kernel.now();
        let p = &self.ctx.store.pods[pod];
        let grace = p.grace_override.unwrap_or(p.spec.termination_grace);
        let inits = p.spec.init_containers.len();
        // App containers first, then sidecars, each with its combined index.
        let running: Vec<(u16, Stopped)> = p
            .spec
            .containers
            .iter()
            .zip(&p.containers)
            .enumerate()
            .map(|(i, cs)| (inits + i, cs))
            .chain(p.spec.init_containers.iter().zip(&p.init_containers).enumerate().filter(|(_, (c, _))| c.sidecar))
            .filter(|(_, (_, s))| s.process_running())
            .map(|(i, (c, _))| {
                let stopped = Stopped {
                    name: c.name.clone(),
                    image: c.image.clone(),
                    pre_stop: c.lifecycle.pre_stop.clone(),
                    sidecar: c.sidecar,
                };
                (u16::try_from(i).unwrap_or(u16::MAX), stopped)
            })
            .collect();
        let object = self.ctx.pod_object(pod);
        let mut stopping = Vec::with_capacity(running.len());
        let mut failures = Vec::new();
        for (index, c) in &running {
            self.ctx.recorder.normal(now, "Killing", object.clone(), format!("Stopping container {}", c.name));
            let behavior = self.ctx.image(&c.image);
            let answers = self.ctx.store.pods[pod]
                .container_status(usize::from(*index))
                .and_then(|cs| cs.started_at.map(|t| app_answers(t, behavior.ready_after, cs.hangs_at, now)))
                .unwrap_or(false);
            let hook = c.pre_stop.as_ref().map(|h| hook_outcome(h, behavior, true, answers));
            // A hook that fails within the grace period says so (executePreStopHook).
            if let Some((takes, true)) = hook.filter(|(takes, _)| grace > SimDuration::ZERO && *takes <= grace) {
                failures.push(now + takes);
            }
            stopping.push(Stopping { pre_stop: hook.map(|(takes, _)| takes), stop: behavior.stop, sidecar: c.sidecar });
        }
        let plans = plan_termination(grace, &stopping);
        let staged = stopping.iter().any(|s| s.pre_stop.is_some() || s.sidecar);
        for at in failures {
            self.schedule_step(pod, at, Step::PreStopFailed);
        }
        let mut end = SimDuration::ZERO;
        let mut killed = false;
        for ((index, _), plan) in running.iter().zip(&plans) {
            end = end.max(plan.exit);
            killed |= plan.killed;
            if self.app_slot(pod, *index) == Some(SERVING_SLOT) {
                if plan.sigterm == SimDuration::ZERO {
                    self.traffic.server_draining(pod);
                } else {
                    // The app serves on through its preStop hook: what it has, and what the
                    // proxies still send it until the endpoints reach them.
                    self.schedule_step(pod, now + plan.sigterm, Step::Sigterm { index: *index });
                }
            }
            if staged {
                self.schedule_step(pod, now + plan.exit, Step::ContainerStopped { index: *index, killed: plan.killed });
            }
        }
        if running.is_empty() {
            self.traffic.server_draining(pod);
        }
        self.schedule_step(pod, now + end, Step::Stopped { killed });
    }

    /// One container of a stopping pod exited (before the others, with hooks or sidecars).
    fn container_stopped(&mut self, pod: PodId, index: u16, killed: bool) {
        if self.app_slot(pod, index) == Some(SERVING_SLOT) {
            self.traffic.server_stopped(&mut self.ctx, pod);
        }
        let Some(c) = self.ctx.store.pods[pod].container_status_mut(usize::from(index)) else { return };
        if !matches!(c.state, ContainerState::Terminated(_)) {
            c.state = ContainerState::Terminated(if killed { "Error" } else { "Completed" });
        }
        c.ready = false;
        c.started_at = None;
        c.in_post_start = false;
        self.pod_changed(pod);
    }

    fn pod_stopped(&mut self, pod: PodId, killed: bool) {
        self.traffic.server_stopped(&mut self.ctx, pod);
        let p = &mut self.ctx.store.pods[pod];
        let finished = matches!(p.phase, PodPhase::Succeeded | PodPhase::Failed);
        for c in &mut p.containers {
            // A container that had already exited for good keeps its reason.
            if !matches!(c.state, ContainerState::Terminated(_)) {
                c.state = ContainerState::Terminated(if killed { "Error" } else { "Completed" });
            }
            c.ready = false;
        }
        for (spec, c) in p.spec.init_containers.iter().zip(p.init_containers.iter_mut()) {
            if spec.sidecar && !matches!(c.state, ContainerState::Terminated(_)) {
                c.state = ContainerState::Terminated(if killed { "Error" } else { "Completed" });
                c.ready = false;
            }
        }
        p.ready_since = None;
        if !finished {
            p.phase = if killed { PodPhase::Failed } else { PodPhase::Succeeded };
            p.finished = Some(self.ctx.kernel.now());
        }
        let at = self.ctx.kernel.now() + self.ctx.latency();
        self.schedule_step(pod, at, Step::Gone);
        self.pod_changed(pod);
    }

    /// The kubelet confirmed the pod stopped: the API server removes it.
    fn pod_gone(&mut self, pod: PodId) {
        let now = self.ctx.kernel.now();
        self.ctx.store.remove_pod(pod, now);
        self.scheduler.forget(pod);
        self.pod_deleted(pod);
        self.scheduler.cluster_changed(&mut self.ctx);
    }
}
