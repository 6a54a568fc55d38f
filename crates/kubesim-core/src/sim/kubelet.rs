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
//! the probe tick at or after the hang.

use super::{Event, Sim};
use crate::engine::{SimDuration, SimTime};
use crate::kubelet::{
    app_answers, back_off_wait, failed_pull_duration, finished_phase, first_probe, image_pull_retry_at, next_back_off,
    next_image_back_off, over_memory_limit, plan_pull, probe_tick_at_or_after, restarts_after, Exit, PullPlan,
    OOM_AFTER_START, RELIST_PERIOD,
};
use crate::model::events::go_duration;
use crate::model::spec::ContainerSpec;
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
    fn exit(self) -> Exit {
        match self {
            ExitCause::Crash => Exit::ERROR,
            ExitCause::OutOfMemory => Exit::OOM_KILLED,
            ExitCause::WorkDone => Exit::COMPLETED,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProbeKind {
    Readiness,
    Liveness,
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
    /// A probe; `count` is the run of successes (readiness) or failures (liveness) so far,
    /// `restarts` the container's restart count when it was scheduled.
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
    Stopped {
        killed: bool,
    },
    Gone,
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
            Step::SandboxReady => self.begin_container(pod, 0),
            Step::ImageReady { index, pulled_since, pull, first } => {
                self.image_ready(pod, index, pulled_since, pull, first)
            }
            Step::Started { index, first } => self.container_started(pod, index, first),
            Step::PullFailed { index, transient } => self.pull_failed(pod, index, transient),
            Step::PullBackOff { index } => self.pull_back_off(pod, index),
            Step::PullAgain { index } => self.begin_container(pod, index),
            Step::Probe { index, kind, count, restarts } => self.probe(pod, index, kind, count, restarts),
            Step::Restart { index, exited } => self.restart_container(pod, index, exited),
            Step::Exit { index, restarts, cause } => {
                let Some(slot) = self.app_slot(pod, index) else { return };
                let cs = &self.ctx.store.pods[pod].containers[slot];
                if cs.restarts == restarts && cs.state == ContainerState::Running {
                    self.container_exited(pod, index, slot, cause.exit());
                }
            }
            // A cut-off kubelet never heard of the deletion; it stops the pod on reconnecting.
            Step::Stop if !self.ctx.store.pods[pod].node.is_none_or(|n| self.nodes.kubelet_connected(n)) => {}
            Step::Stop => self.stop_pod(pod),
            Step::Stopped { killed } => self.pod_stopped(pod, killed),
            Step::Gone => self.pod_gone(pod),
        }
    }

    fn container(&self, pod: PodId, index: u16) -> Option<&ContainerSpec> {
        let spec = &self.ctx.store.pods[pod].spec;
        let i = usize::from(index);
        spec.init_containers.get(i).or_else(|| spec.containers.get(i.checked_sub(spec.init_containers.len())?))
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
        let entry = {
            let slot = self.app_slot(pod, index);
            let cs = slot.and_then(|s| self.ctx.store.pods[pod].containers.get_mut(s));
            match cs {
                Some(cs) => {
                    let e = next_image_back_off(cs.pull_backoff, now);
                    cs.pull_backoff = Some(e);
                    e
                }
                // An init container's entry is not kept on the pod: it starts afresh.
                None => next_image_back_off(None, now),
            }
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
        if let Some(slot) = self.app_slot(pod, index) {
            let p = &mut self.ctx.store.pods[pod];
            if let Some(c) = p.containers.get_mut(slot) {
                c.state = ContainerState::Waiting(reason);
            }
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

    fn container_started(&mut self, pod: PodId, index: u16, first: bool) {
        let Some(c) = self.container(pod, index).cloned() else { return };
        let now = self.ctx.kernel.now();
        let object = self.ctx.pod_object(pod);
        let Some(slot) = self.app_slot(pod, index) else {
            // An init container runs to completion before the next one begins.
            self.ctx.recorder.normal(now, "Started", object, format!("Started container {}", c.name));
            self.begin_container(pod, index + 1);
            return;
        };
        let behavior = self.ctx.image(&c.image).clone();
        if self.containers.chance(behavior.crash_on_start) {
            self.container_exited(pod, index, slot, Exit::ERROR);
        } else {
            self.ctx.recorder.normal(now, "Started", object, format!("Started container {}", c.name));
            if slot == SERVING_SLOT {
                self.traffic.server_started(&mut self.ctx, pod, &c.image);
            }
            let p = &mut self.ctx.store.pods[pod];
            p.started.get_or_insert(now);
            let restarts = p.containers[slot].restarts;
            // This run's fate, drawn in a fixed order: run time to a crash, then to a hang.
            let crash_in = behavior.crash_after.as_ref().map(|d| d.sample(&mut self.containers));
            let hang_in = behavior.liveness_fail_after.as_ref().map(|d| d.sample(&mut self.containers));
            // Drawn last, so that images without `runFor` draw exactly what they did before.
            let done_in = behavior.run_for.as_ref().map(|d| d.sample(&mut self.containers));
            let cs = &mut p.containers[slot];
            cs.state = ContainerState::Running;
            cs.started_at = Some(now);
            cs.hangs_at = hang_in.map(|d| now + d);
            let hangs_at = cs.hangs_at;
            if p.containers.iter().all(|c| c.state == ContainerState::Running) {
                p.phase = PodPhase::Running;
                p.reason.clear();
            }
            if slot == SERVING_SLOT {
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
            if let Some(d) =
                self.ctx.store.pods[pod].node.and_then(|n| self.nodes.random_container_crash_in(self.ctx.scenario, n))
            {
                self.schedule_step(pod, now + d, Step::Exit { index, restarts, cause: ExitCause::Crash });
            }
            match &c.readiness {
                Some(probe) => {
                    let at = first_probe(probe, now);
                    self.schedule_step(pod, at, Step::Probe { index, kind: ProbeKind::Readiness, count: 0, restarts });
                }
                None => self.set_container_ready(pod, slot, true),
            }
            if let Some(probe) = &c.liveness {
                let at = first_probe(probe, now);
                self.schedule_step(pod, at, Step::Probe { index, kind: ProbeKind::Liveness, count: 0, restarts });
            }
            self.pod_changed(pod);
        }
        if first {
            self.begin_container(pod, index + 1);
        }
    }

    /// An app container exited (or was killed). `restartPolicy` decides whether it starts
    /// again or stays Terminated; a terminating pod's containers never restart. A restart
    /// waits for the CrashLoopBackOff window if the container is in back-off (never before
    /// its first restart: kuberuntime_manager.go `doBackOff`).
    fn container_exited(&mut self, pod: PodId, index: u16, slot: usize, exit: Exit) {
        let now = self.ctx.kernel.now();
        if slot == SERVING_SLOT {
            self.traffic.server_stopped(&mut self.ctx, pod);
        }
        let p = &mut self.ctx.store.pods[pod];
        let policy = p.spec.restart_policy;
        let restart = p.terminating.is_none() && restarts_after(policy, exit);
        let cs = &mut p.containers[slot];
        let ran = cs.started_at.map_or(SimDuration::ZERO, |t| now.since(t));
        cs.ready = false;
        cs.started_at = None;
        cs.hangs_at = None;
        cs.last_exit = Some(exit);
        if !restart {
            cs.state = ContainerState::Terminated(exit.reason);
            p.reason = exit.reason.to_string();
            // A container that exited and is about to start again is not finished.
            let exits = p.containers.iter().map(|c| match (&c.state, c.last_exit) {
                (ContainerState::Terminated(_), Some(e)) if !restarts_after(policy, e) => Some(e),
                _ => None,
            });
            if let (Some(phase), None, Some(node)) = (finished_phase(exits), p.terminating, p.node) {
                // A finished pod is no longer active: its ReplicaSet replaces it, and the
                // scheduler's spreading stops counting it.
                p.phase = phase;
                p.finished = Some(now);
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
        // A container that exited and will restart keeps its pod Running (kubelet getPhase).
        p.phase = PodPhase::Running;
        p.reason = reason.into();
        let (pod_name, ns) = (p.name.clone(), p.namespace.clone());
        let name = p.spec.containers[slot].name.clone();
        let wait = wait.unwrap_or(SimDuration::ZERO);
        if self.ctx.narrating() {
            self.ctx.narrate_backoff(pod, slot, exit, ran, wait);
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
        let Some(slot) = self.app_slot(pod, index) else { return };
        let Some(c) = self.container(pod, index) else { return };
        let image = c.image.clone();
        let now = self.ctx.kernel.now();
        let cs = &mut self.ctx.store.pods[pod].containers[slot];
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
        let Some(slot) = self.app_slot(pod, index) else { return };
        let Some(c) = self.container(pod, index).cloned() else { return };
        let now = self.ctx.kernel.now();
        let cs = &self.ctx.store.pods[pod].containers[slot];
        let (Some(started), true) = (cs.started_at, cs.restarts == restarts && cs.state == ContainerState::Running)
        else {
            return;
        };
        let (hangs_at, ready) = (cs.hangs_at, cs.ready);
        let probe = match kind {
            ProbeKind::Readiness => c.readiness.as_ref(),
            ProbeKind::Liveness => c.liveness.as_ref(),
        };
        let Some(probe) = probe else { return };
        let up = app_answers(started, self.ctx.image(&c.image).ready_after, hangs_at, now);
        let hung = hangs_at.is_some_and(|h| now >= h);
        // A settled probe looks again only where the app can change: its hang, if any.
        let recheck = hangs_at.map(|h| probe_tick_at_or_after(first_probe(probe, started), probe.period, h));
        let next = |count| Step::Probe { index, kind, count, restarts };
        if up {
            let successes = count + 1;
            if kind == ProbeKind::Readiness && !ready && successes < probe.success_threshold {
                self.schedule_step(pod, now + probe.period, next(successes));
                return;
            }
            if kind == ProbeKind::Readiness && !ready {
                self.set_container_ready(pod, slot, true);
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
                    self.set_container_ready(pod, slot, false);
                } else {
                    self.schedule_step(pod, now + probe.period, next(failures));
                }
            }
            ProbeKind::Liveness => {
                self.ctx.recorder.warning(now, "Unhealthy", object.clone(), format!("Liveness probe failed: {why}"));
                if failures < probe.failure_threshold {
                    self.schedule_step(pod, now + probe.period, next(failures));
                    return;
                }
                let p = &self.ctx.store.pods[pod];
                let then = if restarts_after(p.spec.restart_policy, Exit::KILLED) { ", will be restarted" } else { "" };
                self.ctx.recorder.normal(
                    now,
                    "Killing",
                    object,
                    format!("Container {} failed liveness probe{then}", c.name),
                );
                self.container_exited(pod, index, slot, Exit::KILLED);
            }
        }
    }

    fn set_container_ready(&mut self, pod: PodId, slot: usize, ready: bool) {
        if let Some(c) = self.ctx.store.pods[pod].containers.get_mut(slot) {
            c.ready = ready;
        }
        self.update_pod_ready(pod);
    }

    /// The pod is Ready when every app container is.
    fn update_pod_ready(&mut self, pod: PodId) {
        let now = self.ctx.kernel.now();
        // A cut-off kubelet cannot post status: the API learns on reconnection.
        if !self.ctx.store.pods[pod].node.is_none_or(|n| self.nodes.kubelet_connected(n)) {
            return;
        }
        let p = &mut self.ctx.store.pods[pod];
        let ready = p.terminating.is_none() && !p.containers.is_empty() && p.containers.iter().all(|c| c.ready);
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

    /// Deletion reached the kubelet: SIGTERM, and SIGKILL at the grace period.
    fn stop_pod(&mut self, pod: PodId) {
        let now = self.ctx.kernel.now();
        let p = &self.ctx.store.pods[pod];
        let grace = p.grace_override.unwrap_or(p.spec.termination_grace);
        let running: Vec<(String, String)> = p
            .spec
            .containers
            .iter()
            .zip(&p.containers)
            .filter(|(_, s)| s.state == ContainerState::Running)
            .map(|(c, _)| (c.name.clone(), c.image.clone()))
            .collect();
        let object = self.ctx.pod_object(pod);
        let mut slowest = SimDuration::ZERO;
        for (name, image) in &running {
            self.ctx.recorder.normal(now, "Killing", object.clone(), format!("Stopping container {name}"));
            slowest = slowest.max(self.ctx.image(image).stop);
        }
        let killed = slowest > grace;
        self.traffic.server_draining(pod);
        self.schedule_step(pod, now + slowest.min(grace), Step::Stopped { killed });
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
