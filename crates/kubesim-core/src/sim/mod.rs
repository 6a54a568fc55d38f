//! The simulation: the kernel's event loop driving the store, the controllers, the
//! scheduler and the kubelets. Components react to events and write to the store; the
//! writes wake the components that watch them after the API latency, as informers do.

mod admission;
mod adoption;
mod cluster_autoscaler;
mod context;
mod controllers;
mod cronjobs;
mod daemonsets;
mod drain;
mod hpa;
mod jobs;
mod karpenter;
mod kubelet;
mod narration;
mod node_pools;
mod nodes;
mod objects;
pub mod profile;
mod rollouts;
mod scheduling;
pub(crate) mod services;
mod statefulsets;
mod storage;
mod timeline;
mod traffic;

use crate::engine::{ExponentialBackoff, Kernel, Purpose, SimDuration, SimTime, Stream, WorkQueue};
use crate::metrics::Metrics;
use crate::model::events::Recorder;
use crate::model::spec::{ImageBehavior, Scenario};
use crate::model::store::{CronJobId, DaemonSetId, DeployId, JobId, PodId, PodOwner, RsId, StatefulSetId, Store};
use crate::scheduler::{Nominations, Profile, SchedulingQueue};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

pub(crate) use admission::quota_used;
pub use context::Context;
pub use controllers::ControllerEvent;
pub use kubelet::Step;
pub use nodes::NodeEvent;
pub(crate) use nodes::{no_execute_taints, TaintedBy};
pub(crate) use objects::{not_found, resource_phrase, ApiError};
pub use scheduling::SchedulerEvent;
pub use services::NetworkEvent;
pub use traffic::TrafficEvent;

/// Everything that can happen: a timeline entry, a sample, or an event of one component
/// (each component's own enum, in its file), so `Sim::handle` dispatches in a few arms.
#[derive(Clone, Debug)]
pub enum Event {
    /// The i-th timeline entry runs.
    Timeline(usize),
    Controller(ControllerEvent),
    Scheduler(SchedulerEvent),
    /// A kubelet step for a pod; the generation tells stale timers apart.
    Kubelet(PodId, u32, Step),
    Network(NetworkEvent),
    Traffic(TrafficEvent),
    NodeLifecycle(NodeEvent),
    Storage(storage::StorageEvent),
    /// Node pools: nodes starting, the Cluster Autoscaler's loop, spot interruptions.
    Pools(node_pools::PoolEvent),
    /// Observers sample the cluster.
    Sample,
}

/// The workload controllers' work queues: each object's sync waits in its controller's
/// queue at most once, after the API latency (the informer's delay).
struct SyncQueues {
    /// Deployments and Argo Rollouts (rows of one table).
    deployments: WorkQueue<DeployId>,
    replica_sets: WorkQueue<RsId>,
    jobs: WorkQueue<JobId>,
    cron_jobs: WorkQueue<CronJobId>,
    daemon_sets: WorkQueue<DaemonSetId>,
    stateful_sets: WorkQueue<StatefulSetId>,
    /// Pods whose labels changed so that their ReplicaSet's selector no longer matches them:
    /// the ReplicaSet releases them at its next sync (`adoption.rs`).
    relabelled: BTreeSet<PodId>,
    /// The queues' rate limiters, for syncs that failed (a pod's create refused by
    /// admission): each key's back-off, forgotten when its sync succeeds.
    rs_backoff: ExponentialBackoff<RsId>,
    job_backoff: ExponentialBackoff<JobId>,
    ds_backoff: ExponentialBackoff<DaemonSetId>,
    ss_backoff: ExponentialBackoff<StatefulSetId>,
}

impl Default for SyncQueues {
    fn default() -> Self {
        SyncQueues {
            deployments: WorkQueue::default(),
            replica_sets: WorkQueue::default(),
            jobs: WorkQueue::default(),
            cron_jobs: WorkQueue::default(),
            daemon_sets: WorkQueue::default(),
            stateful_sets: WorkQueue::default(),
            rs_backoff: ExponentialBackoff::controller_default(),
            // job_controller.go: DefaultJobApiBackOff (1 s) to MaxJobApiBackOff (1 min).
            job_backoff: ExponentialBackoff::new(SimDuration::from_secs(1), SimDuration::from_secs(60)),
            ds_backoff: ExponentialBackoff::controller_default(),
            ss_backoff: ExponentialBackoff::controller_default(),
            relabelled: BTreeSet::new(),
        }
    }
}

/// The running simulation of one scenario.
pub struct Sim<'s> {
    /// What every component reads and writes.
    pub ctx: Context<'s>,
    names: Stream,
    containers: Stream,
    /// Image pulls that fail by chance (`pullFailure`).
    pulls: Stream,
    pub(crate) scheduler: scheduling::Scheduler,
    /// The workload controllers' work queues.
    sync_queues: SyncQueues,
    pub(crate) net: services::Network,
    nodes: nodes::NodeLifecycle,
    drains: Vec<drain::Drain>,
    /// Node groups' sizes, costs and spot interruptions.
    pools: node_pools::NodePools,
    /// The Cluster Autoscaler, when `cluster.autoscaler` names it.
    autoscaler: Option<cluster_autoscaler::ClusterAutoscaler>,
    /// Karpenter, when `cluster.autoscaler` names it.
    karpenter: Option<karpenter::Karpenter>,
    traffic: traffic::Traffic,
    metrics_server: hpa::MetricsServer,
    hpa_controller: hpa::HorizontalController,
    storage: storage::Storage,
    /// Deployments whose pods changed in the current event, for the observers.
    dirty: BTreeSet<DeployId>,
    progress: Option<&'s AtomicU64>,
    /// Set from outside (Ctrl-C / SIGTERM): the run is abandoned at the next check.
    stop: Option<&'s AtomicBool>,
    /// `--max-events`: the run stops after this many events.
    max_events: Option<u64>,
    /// `--watch` interval, and the snapshots so far.
    watch: Option<SimDuration>,
    watch_log: String,
    /// The read-only kubectl lines' output (`kubectl.log`), when the timeline has one.
    kubectl_log: Option<timeline::KubectlLog>,
    /// `--profile`: wall time per component (outside the model), and the clock it is read off.
    wall_profile: Option<profile::WallProfile>,
    wall_clock: Option<crate::WallClock>,
}

/// What a finished run hands to the writers.
pub struct Outcome {
    pub store: Store,
    pub recorder: Recorder,
    pub metrics: Metrics,
    pub events_processed: u64,
    pub end: SimTime,
    /// Why the run ended before its duration, if it did; such an outcome is not written.
    pub stopped: Option<Stopped>,
    /// `--watch` snapshots, in order (empty without `--watch`).
    pub watch_log: String,
    /// What the timeline's read-only kubectl lines printed (`kubectl.log`); None when the
    /// timeline has no such line.
    pub kubectl_log: Option<String>,
    /// `--profile`'s wall time per component (`None` without `--profile`).
    pub wall_profile: Option<profile::WallProfile>,
    /// `--narrate`: each decision and its reason (None without it).
    pub narration: Option<crate::metrics::narration::Narrator>,
    /// Requests each pod took (served or queued), by pod id: how traffic split between
    /// revisions (a canary's share).
    pub requests_by_pod: Vec<u64>,
    /// What the node groups cost and did (None when the scenario neither prices nor scales
    /// nodes).
    pub node_pools: Option<crate::metrics::node_pools::PoolFigures>,
}

/// Why a run ended before its duration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stopped {
    /// The stop flag was set (Ctrl-C / SIGTERM): the run is abandoned.
    Interrupted,
    /// `--max-events`: `limit` events were processed and more were due, at virtual time `at`.
    MaxEvents { limit: u64, at: SimTime },
}

impl std::fmt::Display for Stopped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stopped::Interrupted => write!(f, "interrupted"),
            Stopped::MaxEvents { limit, at } => write!(
                f,
                "stopped after {limit} events (--max-events {limit}) with more due at virtual time {}; nothing \
                 was written for this run: raise --max-events, or make the scenario smaller (duration, \
                 traffic rate, replicas)",
                crate::engine::SimDuration(at.as_micros())
            ),
        }
    }
}

/// How often (in events) the loop reports progress.
const CHECK_EVERY_EVENTS: u64 = 4096;

impl<'s> Sim<'s> {
    pub fn new(scenario: &'s Scenario) -> Self {
        let seed = scenario.seed;
        Sim {
            ctx: Context {
                kernel: Kernel::new(),
                store: Store::default(),
                recorder: Recorder::default(),
                metrics: Metrics::new(scenario),
                scenario,
                end: SimTime::ZERO + scenario.duration,
                default_image: ImageBehavior::default(),
                narrator: None,
            },
            names: Stream::new(seed, Purpose::Names),
            containers: Stream::new(seed, Purpose::Containers),
            pulls: Stream::new(seed, Purpose::ImagePulls),
            scheduler: scheduling::Scheduler {
                queue: SchedulingQueue::default(),
                nominations: Nominations::default(),
                profile: Profile::for_scenario(scenario.scoring, scenario.scheduler_config.as_ref()),
                random: Stream::new(seed, Purpose::Scheduling),
                cycle: WorkQueue::default(),
            },
            sync_queues: SyncQueues::default(),
            nodes: nodes::NodeLifecycle::default(),
            drains: Vec::new(),
            pools: node_pools::NodePools::new(scenario),
            autoscaler: None,
            karpenter: None,
            net: services::Network::new(&crate::metrics::service_keys(scenario)),
            traffic: traffic::Traffic::new(&scenario.traffic, seed),
            metrics_server: hpa::MetricsServer::default(),
            hpa_controller: hpa::HorizontalController::default(),
            storage: storage::Storage::default(),
            dirty: BTreeSet::new(),
            progress: None,
            stop: None,
            max_events: None,
            watch: None,
            watch_log: String::new(),
            kubectl_log: timeline::KubectlLog::for_scenario(scenario),
            wall_profile: None,
            wall_clock: None,
        }
    }

    /// Measures wall time per component off `clock` (`--profile`).
    pub fn with_wall_profile(mut self, clock: Option<crate::WallClock>) -> Self {
        self.wall_profile = clock.map(|_| profile::WallProfile::default());
        self.wall_clock = clock;
        self
    }

    /// Reports the virtual time reached through `progress` as the run goes.
    pub fn with_progress(mut self, progress: Option<&'s AtomicU64>) -> Self {
        self.progress = progress;
        self
    }

    /// Abandons the run soon after `stop` becomes true (checked before each event, so a run
    /// that completes is not changed by it).
    pub fn with_stop(mut self, stop: Option<&'s AtomicBool>) -> Self {
        self.stop = stop;
        self
    }

    /// Stops the run after `max` events if more are due (`--max-events`).
    pub fn with_max_events(mut self, max: Option<u64>) -> Self {
        self.max_events = max;
        self
    }

    /// Takes a `kubectl get` snapshot every `interval` of virtual time (`--watch`).
    pub fn with_watch(mut self, interval: Option<SimDuration>) -> Self {
        self.watch = interval.filter(|i| i.as_micros() > 0);
        self
    }

    /// Says each controller decision and its reason (`--narrate`), in `Outcome::narration`.
    pub fn with_narration(mut self, narrate: bool) -> Self {
        self.ctx.narrator = narrate.then(crate::metrics::narration::Narrator::default);
        // The scheduler keeps each attempt's feasible nodes, so narration can name scores.
        self.scheduler.profile.last_feasible = narrate.then(Vec::new);
        self
    }

    /// Runs the scenario to its end.
    pub fn run(mut self) -> Outcome {
        self.create_nodes();
        self.install_builtin_storage_class();
        self.start_node_lifecycle();
        self.start_node_pools();
        let objects = self.ctx.scenario.objects.clone();
        for obj in &objects {
            if let Err(e) = self.create_object(obj) {
                self.ctx.recorder.warning(SimTime::ZERO, "FailedCreate", obj.id.to_string(), e.to_string());
            }
        }
        for (i, entry) in self.ctx.scenario.timeline.iter().enumerate() {
            self.ctx.kernel.schedule_at(entry.at, Event::Timeline(i));
        }
        self.ctx.kernel.schedule_at(SimTime::ZERO, Event::Sample);
        self.traffic.start(&mut self.ctx);
        // `--watch` snapshots are taken between events, not as events, so that watching
        // changes nothing (not even the count of events processed).
        let mut next_watch = self.watch.map(|_| SimTime::ZERO);
        let mut stopped = None;
        // `--profile`: when the last event's work ended (wall clock, outside the model).
        let mut last_end = self.wall_clock.map(|now| now()).unwrap_or_default();
        loop {
            if let Some(w) = next_watch.filter(|&w| w <= self.ctx.end) {
                if self.ctx.kernel.next_time().is_none_or(|t| t > w) {
                    self.watch_log.push_str(&crate::metrics::watch::snapshot(&self.ctx.store, w));
                    next_watch = self.watch.map(|i| w + i);
                    continue;
                }
            }
            if let Some(why) = self.should_stop() {
                stopped = Some(why);
                break;
            }
            let Some(event) = self.ctx.kernel.step_until(self.ctx.end) else { break };
            if let Some(clock) = self.wall_clock {
                self.handle_profiled(event, clock, &mut last_end);
            } else {
                self.handle(event);
                self.observe();
            }
            if let Some(p) = self.progress {
                if self.ctx.kernel.processed().is_multiple_of(CHECK_EVERY_EVENTS) {
                    p.store(self.ctx.kernel.now().as_micros(), Ordering::Relaxed);
                }
            }
        }
        if stopped.is_some() {
            return self.into_outcome(stopped);
        }
        if let Some(p) = self.progress {
            p.store(self.ctx.end.as_micros(), Ordering::Relaxed);
        }
        self.ctx.kernel.advance_to(self.ctx.end);
        self.ctx.metrics.traffic.finish(self.ctx.end);
        #[cfg(debug_assertions)]
        if let Err(drift) =
            self.scheduler.profile.owner_spread.verify(&self.ctx.store, &self.scheduler.profile.topology)
        {
            panic!("the scheduler's per-owner spreading counts drifted: {drift}");
        }
        self.into_outcome(None)
    }

    /// Whether to end the run before the next event: the stop flag (looked at before every
    /// event, a relaxed load, so that a signal acts within one event's work however long
    /// events are), or `--max-events` reached with an event still due.
    fn should_stop(&self) -> Option<Stopped> {
        let processed = self.ctx.kernel.processed();
        if self.stop.is_some_and(|s| s.load(Ordering::Relaxed)) {
            return Some(Stopped::Interrupted);
        }
        let limit = self.max_events.filter(|&m| processed >= m)?;
        let due = self.ctx.kernel.next_time().filter(|&t| t <= self.ctx.end)?;
        Some(Stopped::MaxEvents { limit, at: due })
    }

    fn into_outcome(self, stopped: Option<Stopped>) -> Outcome {
        let end = self.ctx.end;
        let requests_by_pod =
            (0..self.ctx.store.pods.len()).map(|p| self.traffic.served(PodId::from_index(p))).collect();
        let node_pools = self.pools.figures(self.ctx.scenario, end);
        Outcome {
            node_pools,
            requests_by_pod,
            stopped,
            events_processed: self.ctx.kernel.processed(),
            store: self.ctx.store,
            recorder: self.ctx.recorder,
            metrics: self.ctx.metrics,
            end,
            watch_log: self.watch_log,
            kubectl_log: self.kubectl_log.map(|k| k.text),
            wall_profile: self.wall_profile,
            narration: self.ctx.narrator,
        }
    }

    /// `handle` and `observe`, each timed for `--profile`. An event's time runs from the end
    /// of the previous event's work (so it includes taking the event from the queue), and
    /// the clock is read once per event, twice when observers have something to look at: a
    /// clock read costs about as much as a small event.
    fn handle_profiled(&mut self, event: Event, now: crate::WallClock, last_end: &mut std::time::Duration) {
        let component = profile::Component::of(&event);
        self.handle(event);
        let handled = now();
        let mut end = handled;
        let observed = if self.dirty.is_empty() {
            None
        } else {
            self.observe();
            end = now();
            Some(end.saturating_sub(handled))
        };
        if let Some(p) = self.wall_profile.as_mut() {
            p.add(component, handled.saturating_sub(*last_end), true);
            if let Some(spent) = observed {
                p.add(profile::Component::Observers, spent, false);
            }
        }
        *last_end = end;
    }

    fn handle(&mut self, event: Event) {
        match event {
            Event::Timeline(i) => self.run_timeline_entry(i),
            Event::Controller(e) => self.handle_controller(e),
            Event::Scheduler(e) => self.handle_scheduler(e),
            Event::Kubelet(pod, generation, step) => self.kubelet_step(pod, generation, step),
            Event::Network(e) => self.net.handle(&mut self.ctx, e),
            Event::Traffic(e) => self.traffic.handle(&mut self.ctx, &mut self.net, &self.nodes, e),
            Event::NodeLifecycle(e) => self.handle_node_lifecycle(e),
            Event::Storage(e) => self.handle_storage(e),
            Event::Pools(e) => self.handle_pools(e),
            Event::Sample => self.sample(),
        }
    }

    /// Observers sample the cluster, and the next sample is due.
    fn sample(&mut self) {
        let now = self.ctx.kernel.now();
        self.ctx.metrics.sample(&self.ctx.store, now);
        if self.pools.active {
            let values = self.pools.sample();
            self.ctx.metrics.timeseries.extend_last_row(values);
        }
        let next = now + self.ctx.scenario.sample.max(SimDuration::from_millis(1));
        if next <= self.ctx.end {
            self.ctx.kernel.schedule_at(next, Event::Sample);
        }
    }

    /// Lets the observers look at what the last event changed.
    fn observe(&mut self) {
        if self.dirty.is_empty() {
            return; // most events (requests) change no Deployment's pods
        }
        let now = self.ctx.kernel.now();
        for d in std::mem::take(&mut self.dirty) {
            self.ctx.metrics.observe_deployment(&self.ctx.store, d, now);
        }
    }

    /// The ReplicaSet controller's informer saw a change to `rs` or its pods.
    pub(crate) fn enqueue_rs(&mut self, rs: RsId) {
        if self.ctx.store.replica_sets[rs].deleted {
            return;
        }
        if let Some(d) = self.ctx.store.replica_sets[rs].owner {
            self.dirty.insert(d);
        }
        let latency = self.ctx.latency();
        let sync = |rs| Event::Controller(ControllerEvent::SyncReplicaSet(rs));
        self.sync_queues.replica_sets.add_after(rs, latency, &mut self.ctx.kernel, sync);
    }

    /// The Deployment controller's informer saw a change to `d` or its ReplicaSets.
    pub(crate) fn enqueue_deployment(&mut self, d: DeployId) {
        if self.ctx.store.deployments[d].deleted {
            return;
        }
        self.dirty.insert(d);
        // An Argo Rollout is a row of the same table, synced by its own controller.
        let sync = if self.ctx.store.deployments[d].rollout.is_some() {
            ControllerEvent::SyncRollout
        } else {
            ControllerEvent::SyncDeployment
        };
        let event = |d| Event::Controller(sync(d));
        let latency = self.ctx.latency();
        self.sync_queues.deployments.add_after(d, latency, &mut self.ctx.kernel, event);
    }

    /// A pod changed: its owner's controller hears of it.
    fn pod_changed(&mut self, pod: PodId) {
        self.ctx.metrics.pod_changed(&self.ctx.store, pod);
        self.net.pod_changed_for_services(&mut self.ctx, pod);
        match self.ctx.store.pods[pod].owner {
            Some(PodOwner::ReplicaSet(rs)) => self.enqueue_rs(rs),
            Some(PodOwner::Job(j)) => self.enqueue_job(j),
            Some(PodOwner::DaemonSet(ds)) => self.enqueue_daemon_set(ds),
            Some(PodOwner::StatefulSet(ss)) => self.enqueue_stateful_set(ss),
            None => {}
        }
    }

    /// A pod is gone from the API. The Deployment controller watches pod deletions for
    /// Recreate Deployments (deletePod): the new ReplicaSet waits for the last old pod.
    fn pod_deleted(&mut self, pod: PodId) {
        self.pod_changed(pod);
        self.pod_no_longer_waits(pod, false);
        self.taint_manager_pod_gone(pod);
        if let Some(PodOwner::ReplicaSet(rs)) = self.ctx.store.pods[pod].owner {
            if let Some(d) = self.ctx.store.replica_sets[rs].owner {
                if self.ctx.store.deployments[d].spec.strategy == crate::model::spec::DeploymentStrategy::Recreate {
                    self.enqueue_deployment(d);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The event queue moves events by value: nesting the components' events must not make
    /// every event bigger (40 bytes: the kubelet's step is the largest).
    #[test]
    fn an_event_stays_40_bytes() {
        assert_eq!(std::mem::size_of::<Event>(), 40);
    }
}
