//! How a container image behaves: what a manifest cannot say (the scenario's `images:`).

use super::{ServiceTime, DEFAULT_QUEUE_CAPACITY};
use crate::engine::SimDuration;

/// How one container image behaves: what a manifest cannot say.
#[derive(Clone, PartialEq)]
pub struct ImageBehavior {
    /// Time to pull the image onto a node (serialised per node).
    pub pull: SimDuration,
    /// Time from container creation to the process running.
    pub start: SimDuration,
    /// Time from start until the app answers its probes.
    pub ready_after: SimDuration,
    /// Time the process takes to exit after SIGTERM (killed at the grace period if longer).
    pub stop: SimDuration,
    /// Probability that a start fails (the container exits at once).
    pub crash_on_start: f64,
    /// Requests served at once; further requests queue.
    pub concurrency: u32,
    /// Requests waiting for a worker before new ones are refused (`queue`).
    pub queue: u32,
    /// Time to serve one request (`serviceTime`: a duration, or a distribution).
    pub service_time: ServiceTime,
    /// Image size, for the scheduler's ImageLocality score.
    pub size_bytes: i64,
    /// `crashAfter`: how long the process runs before it exits with an error (drawn anew at
    /// every start); None: it runs until stopped.
    pub crash_after: Option<ServiceTime>,
    /// `livenessFailAfter`: how long after start the app stops answering its liveness probe
    /// (a hang); None: it keeps answering.
    pub liveness_fail_after: Option<ServiceTime>,
    /// `memoryUsage`: the working set the process reaches once started; above the
    /// container's memory limit it is OOMKilled (exit 137).
    pub memory_usage_bytes: Option<i64>,
    /// `runFor`: how long the process works before it exits 0 (drawn anew at every start),
    /// as a batch job's does; None: it runs until stopped.
    pub run_for: Option<ServiceTime>,
    /// `cpuPerRequest`: CPU time one served request costs, in nano-core-seconds (`20m`
    /// means 0.02 core-seconds, 20 ms of one core). Turns served requests into CPU usage.
    pub cpu_per_request_nanos: i64,
    /// `cpuIdle`: CPU the container uses with no requests, in nanocores (`5m`).
    pub cpu_idle_nanos: i64,
    /// `pullError`: every pull of the image fails so (the image does not exist, or the
    /// registry refuses the node).
    pub pull_error: Option<PullError>,
    /// `pullFailure`: the probability that one pull fails (a transient registry or network
    /// error), drawn from its own stream.
    pub pull_failure: f64,
    /// `errorRate`: the share of served requests the app answers with an HTTP 5xx.
    pub error_rate: f64,
    /// `postStart`: how long an `exec` or `httpGet` postStart hook of this image runs.
    pub post_start: SimDuration,
    /// `preStop`: how long an `exec` or `httpGet` preStop hook of this image runs.
    pub pre_stop: SimDuration,
    /// `hooksFail`: this image's `exec` and `httpGet` hooks fail (the command exits 1, the
    /// endpoint answers 500) when their time is up.
    pub hooks_fail: bool,
    /// `exitCode`: the code the process exits with when it fails on its own (`crashAfter`,
    /// `crashOnStart`, a random container fault); default 1. A Job's `podFailurePolicy`
    /// matches it.
    pub exit_code: i32,
    /// `calls`: what a request this image serves calls before it answers (None: nothing).
    pub calls: Option<std::sync::Arc<super::CallPlan>>,
    /// `background`: tasks each pod of the image runs without incoming requests.
    pub background: Option<super::Background>,
}

/// Why every pull of an image fails (`pullError`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PullError {
    /// `missing`: the registry has no such image or tag (NotFound).
    Missing,
    /// `unauthorized`: the registry refuses the pull (no or wrong imagePullSecrets).
    Unauthorized,
}

impl PullError {
    pub const NAMES: [&'static str; 2] = ["missing", "unauthorized"];

    /// The container runtime's error as the kubelet's `Failed` event quotes it (containerd's
    /// words through the CRI).
    pub fn message(self, image: &str) -> String {
        match self {
            PullError::Missing => format!(
                "rpc error: code = NotFound desc = failed to pull and unpack image \"{image}\": failed to resolve reference \"{image}\": {image}: not found"
            ),
            PullError::Unauthorized => format!(
                "rpc error: code = Unknown desc = failed to pull and unpack image \"{image}\": failed to resolve reference \"{image}\": pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed"
            ),
        }
    }
}

/// The runtime's words for a pull that failed by chance (`pullFailure`).
pub fn transient_pull_error(image: &str) -> String {
    format!("rpc error: code = Unknown desc = failed to pull and unpack image \"{image}\": failed to copy: read tcp: i/o timeout")
}

impl Default for ImageBehavior {
    /// Defaults for an image the scenario does not list (documented in the README).
    fn default() -> Self {
        ImageBehavior {
            pull: SimDuration::from_secs(5),
            start: SimDuration::from_secs(1),
            ready_after: SimDuration::ZERO,
            stop: SimDuration::from_secs(1),
            crash_on_start: 0.0,
            concurrency: 100,
            queue: DEFAULT_QUEUE_CAPACITY as u32,
            service_time: ServiceTime::Fixed(SimDuration::from_millis(10)),
            size_bytes: 100 * 1024 * 1024,
            crash_after: None,
            liveness_fail_after: None,
            memory_usage_bytes: None,
            run_for: None,
            cpu_per_request_nanos: 0,
            cpu_idle_nanos: 0,
            pull_error: None,
            pull_failure: 0.0,
            error_rate: 0.0,
            post_start: SimDuration::ZERO,
            pre_stop: SimDuration::ZERO,
            hooks_fail: false,
            exit_code: 1,
            calls: None,
            background: None,
        }
    }
}

/// As `derive(Debug)` would print it, but without the hook, pull-failure, error-answer and
/// exit-code fields when they are at their defaults: a sweep's content hash is a hash of the loaded scenario's text
/// (`sweep/mod.rs`), and scenarios that do not use hooks keep the hash they had before.
impl std::fmt::Debug for ImageBehavior {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("ImageBehavior");
        d.field("pull", &self.pull)
            .field("start", &self.start)
            .field("ready_after", &self.ready_after)
            .field("stop", &self.stop)
            .field("crash_on_start", &self.crash_on_start)
            .field("concurrency", &self.concurrency)
            .field("queue", &self.queue)
            .field("service_time", &self.service_time)
            .field("size_bytes", &self.size_bytes)
            .field("crash_after", &self.crash_after)
            .field("liveness_fail_after", &self.liveness_fail_after)
            .field("memory_usage_bytes", &self.memory_usage_bytes)
            .field("run_for", &self.run_for)
            .field("cpu_per_request_nanos", &self.cpu_per_request_nanos)
            .field("cpu_idle_nanos", &self.cpu_idle_nanos);
        if self.post_start != SimDuration::ZERO {
            d.field("post_start", &self.post_start);
        }
        if self.pre_stop != SimDuration::ZERO {
            d.field("pre_stop", &self.pre_stop);
        }
        if self.hooks_fail {
            d.field("hooks_fail", &self.hooks_fail);
        }
        if self.pull_error.is_some() {
            d.field("pull_error", &self.pull_error);
        }
        if self.pull_failure != 0.0 {
            d.field("pull_failure", &self.pull_failure);
        }
        if self.error_rate != 0.0 {
            d.field("error_rate", &self.error_rate);
        }
        if self.exit_code != 1 {
            d.field("exit_code", &self.exit_code);
        }
        if let Some(calls) = &self.calls {
            d.field("calls", calls);
        }
        if let Some(background) = &self.background {
            d.field("background", background);
        }
        d.finish()
    }
}
