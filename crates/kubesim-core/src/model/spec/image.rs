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
    /// `postStart`: how long an `exec` or `httpGet` postStart hook of this image runs.
    pub post_start: SimDuration,
    /// `preStop`: how long an `exec` or `httpGet` preStop hook of this image runs.
    pub pre_stop: SimDuration,
    /// `hooksFail`: this image's `exec` and `httpGet` hooks fail (the command exits 1, the
    /// endpoint answers 500) when their time is up.
    pub hooks_fail: bool,
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
            post_start: SimDuration::ZERO,
            pre_stop: SimDuration::ZERO,
            hooks_fail: false,
        }
    }
}

/// As `derive(Debug)` would print it, but without the hook fields when they are at their
/// defaults: a sweep's content hash is a hash of the loaded scenario's text
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
        d.finish()
    }
}
