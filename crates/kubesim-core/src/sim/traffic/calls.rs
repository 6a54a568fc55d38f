//! Call graphs: a request served by a pod whose image has `calls` makes them before its app
//! answers, each a request like a traffic source's (the callee Service's endpoints as
//! kube-proxy sees them, its balancing, the callee pod's workers and queue, refusals,
//! timeouts, pods going away), with retries and what the caller does when one fails. A pod
//! whose image has `background` runs tasks at a rate, each a request to its own workers that
//! makes the image's calls.
//!
//! A request at a pod with calls is a *job*: its worker is busy from the moment it takes the
//! request; the calls run stage by stage (a stage's calls at once, the next stage when all
//! have answered); then the app works its own service time and answers. End-to-end latency is
//! thus the queueing, the calls' latencies (a parallel stage's slowest) and the own service
//! time. A call that fails after its retries fails the job (`onFailure: fail`: the app answers
//! an error at once, `dependency_failed`) or is done without (`degrade`).
//!
//! Each call's attempts go through a *lane*: the caller workload, the callee and the attempt
//! timeout. A lane's attempts are numbered in sending order and time out in that order, so one
//! timer per lane walks a window of open attempts, as a traffic source's does. Metrics are per
//! *edge* (caller → callee), which several lanes may share.
//!
//! Random numbers: what a request's calls decide (whether a call with a `probability` is made,
//! the callee's service time, its error answer, an external host's answer, the retry back-off)
//! is drawn from the request's own [`Draws`], keyed by the originating request and its place in
//! the call tree: every variant of a sweep makes the same calls for the same request, whatever
//! its timing. Which endpoint an attempt reaches is drawn from its lane's routing stream, as a
//! traffic source's picks are from its own.

use super::{Delivery, Event, RequestKind, Traffic, TrafficEvent};
use crate::engine::{mix, Draws, Purpose, Random, SimDuration, SimTime, Stream};
use crate::metrics::traffic::Failure;
use crate::model::spec::{CallPlan, CallTarget, OnFailure, ServiceType};
use crate::model::store::PodId;
use crate::sim::nodes::NodeLifecycle;
use crate::sim::services::{Network, SvcId};
use crate::sim::Context;
use crate::traffic::{Arrivals, Request, RequestId};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;

/// Call ids: this bit, the lane above `LANE_SHIFT`, the lane's sequence number below.
pub(super) const CALL_BIT: u64 = 1 << 63;
/// Background task ids: this bit and the task's key.
pub(super) const TASK_BIT: u64 = 1 << 62;
const LANE_SHIFT: u32 = 40;
const SEQ_MASK: u64 = (1 << LANE_SHIFT) - 1;
/// The most lanes a run makes (a lane's number must fit a call id above `LANE_SHIFT`): an app
/// whose calls would need more makes no call (far beyond any scenario the loader accepts).
const MAX_LANES: usize = 1 << 22;
/// How deep a chain of calls is followed (a request calling a Service whose app calls another
/// ...): deeper, the call fails with `call_depth_exceeded` (a loop in the call graph).
pub(crate) const MAX_CALL_DEPTH: u8 = 16;
/// Salts that keep the keys of different decisions apart.
const SALT_SOURCE: u64 = 0x6361_6c6c_7372_6301;
const SALT_TASK: u64 = 0x6361_6c6c_7461_736b;
const SALT_ERROR: u64 = 0x6572_726f_7273;
const SALT_BACKOFF: u64 = 0x0062_6163_6b6f_6666;

/// A slab whose keys carry a generation, so that a key of a removed entry never finds the
/// entry that took its place. Keys are below 2^62 (clear of `CALL_BIT` and `TASK_BIT`).
struct Slab<T> {
    entries: Vec<(u32, Option<T>)>,
    free: Vec<u32>,
}

impl<T> Default for Slab<T> {
    fn default() -> Self {
        Slab { entries: Vec::new(), free: Vec::new() }
    }
}

const GENERATION_MASK: u32 = (1 << 30) - 1;

impl<T> Slab<T> {
    fn insert(&mut self, value: T) -> u64 {
        let index = match self.free.pop() {
            Some(i) => {
                let e = &mut self.entries[i as usize];
                e.0 = e.0.wrapping_add(1) & GENERATION_MASK;
                e.1 = Some(value);
                i
            }
            None => {
                self.entries.push((0, Some(value)));
                (self.entries.len() - 1) as u32
            }
        };
        (u64::from(self.entries[index as usize].0) << 32) | u64::from(index)
    }

    fn get_mut(&mut self, key: u64) -> Option<&mut T> {
        let e = self.entries.get_mut((key & 0xFFFF_FFFF) as usize)?;
        if u64::from(e.0) != (key >> 32) & u64::from(GENERATION_MASK) {
            return None;
        }
        e.1.as_mut()
    }

    fn peek(&self, key: u64) -> Option<&T> {
        let e = self.entries.get((key & 0xFFFF_FFFF) as usize)?;
        if u64::from(e.0) != (key >> 32) & u64::from(GENERATION_MASK) {
            return None;
        }
        e.1.as_ref()
    }

    fn remove(&mut self, key: u64) -> Option<T> {
        self.get_mut(key)?;
        let index = (key & 0xFFFF_FFFF) as u32;
        self.free.push(index);
        self.entries[index as usize].1.take()
    }
}

/// A workload whose pods' app calls others (or works in the background), with one image.
struct Caller {
    plan: Arc<CallPlan>,
    /// The lane of each call of the plan.
    lanes: Vec<u32>,
    /// The background work of the image, and the index of the workload's task figures.
    background: Option<(crate::model::spec::Background, usize)>,
}

enum LaneTarget {
    Service { namespace: String, name: String },
    External(u32),
}

/// One caller's attempts to one callee with one timeout.
struct Lane {
    /// The edge's index in the call metrics.
    edge: usize,
    target: LaneTarget,
    timeout: SimDuration,
    routing: Stream,
    window: VecDeque<Attempt>,
    base_seq: u64,
    timer_pending: bool,
    /// The Service as last resolved, and the network version it was resolved at.
    route: Option<(u64, Option<SvcId>)>,
    /// Attempts open, and how many of them are retries (for a retry budget).
    active: u32,
    active_retries: u32,
}

/// One attempt of a call, open until answered or timed out.
#[derive(Clone, Copy, Debug)]
struct Attempt {
    sent_at: SimTime,
    /// The job that made it.
    job: u64,
    /// The call instance's key (its attempts' keys derive from it).
    seed: u64,
    call: u16,
    attempt: u8,
    /// The caller's depth in the chain of calls.
    depth: u8,
    /// The pod that holds it, if one does.
    pod: Option<PodId>,
    done: bool,
    /// Sent to an external host that will answer it with an HTTP 5xx.
    external_error: bool,
}

impl super::OpenRequest for Attempt {
    fn sent_at(&self) -> SimTime {
        self.sent_at
    }

    fn done(&self) -> bool {
        self.done
    }
}

impl Attempt {
    fn key(&self) -> u64 {
        mix(self.seed, u64::from(self.attempt))
    }
}

/// A request being worked by a pod's app that calls others: where it is in its plan.
#[derive(Clone, Copy, Debug)]
struct Job {
    pod: PodId,
    /// The tag of the pod's server that took the request: while the pod's server carries it,
    /// the request is being worked (a killed or restarted app's server is another).
    server: u32,
    request: RequestId,
    /// The app's own service time, worked once the calls are done.
    work: SimDuration,
    caller: u32,
    /// The plan's route for the request's path.
    route: u16,
    stage: u16,
    /// Call instances of the stage not yet resolved.
    pending: u16,
    seed: u64,
    depth: u8,
}

/// A background task: a request of a pod to its own workers.
struct Task {
    sent_at: SimTime,
    /// The index of its workload's task figures.
    stats: usize,
    seed: u64,
}

/// A call instance waiting for its next attempt.
struct PendingRetry {
    job: u64,
    call: u16,
    attempt: u8,
    seed: u64,
}

/// A pod's background work.
struct BackgroundLoop {
    pod: PodId,
    caller: u32,
    arrivals: Arrivals,
    stream: Stream,
    alive: bool,
    seq: u64,
}

/// Everything the calls keep.
pub(in crate::sim) struct CallGraph {
    seed: u64,
    callers: Vec<Caller>,
    lanes: Vec<Lane>,
    lane_index: BTreeMap<(String, String, u64), u32>,
    jobs: Slab<Job>,
    tasks: Slab<Task>,
    retries: Slab<PendingRetry>,
    loops: Vec<BackgroundLoop>,
    /// By pod index, the pod's live background loop (looked up, never iterated).
    loop_of: HashMap<u32, u32>,
}

/// The call attempt `id` failed now: its caller hears of it as an event of its own, so that
/// what the failure sets off (a retry, the caller's answer, the next request's calls) never
/// runs inside the sending or the kill that caused it.
pub(super) fn fail_call(ctx: &mut Context, id: RequestId, why: Failure) {
    let now = ctx.kernel.now();
    ctx.kernel.schedule_at(now, Event::Traffic(TrafficEvent::CallFailed(id, why)));
}

/// The workload a pod belongs to, as columns name it: its Deployment (or Rollout,
/// StatefulSet, DaemonSet, ReplicaSet, Job), or the pod itself when it has no owner.
pub(in crate::sim) fn caller_name(ctx: &Context, pod: PodId) -> String {
    let p = &ctx.store.pods[pod];
    match ctx.store.owner_names(p) {
        Some((_, namespace, name)) => crate::metrics::timeseries::column_name(namespace, name),
        None => crate::metrics::timeseries::column_name(&p.namespace, &p.name),
    }
}

impl Default for CallGraph {
    fn default() -> Self {
        CallGraph::new(0)
    }
}

impl CallGraph {
    pub(super) fn new(seed: u64) -> Self {
        CallGraph {
            seed,
            callers: Vec::new(),
            lanes: Vec::new(),
            lane_index: BTreeMap::new(),
            jobs: Slab::default(),
            tasks: Slab::default(),
            retries: Slab::default(),
            loops: Vec::new(),
            loop_of: HashMap::new(),
        }
    }

    /// The draws for a call attempt's error answer (`errorRate` of the callee's image).
    pub(super) fn error_draws(&mut self, id: RequestId) -> Draws {
        let key = self.attempt(id).map_or(0, |a| a.key());
        Draws::new(mix(key, SALT_ERROR))
    }

    /// Whether the external host a call attempt went to answers it with an HTTP 5xx.
    pub(super) fn external_error(&mut self, id: RequestId) -> bool {
        self.attempt(id).is_some_and(|a| a.external_error)
    }

    /// The path an attempt asks its callee for.
    fn path_of(&self, a: &Attempt) -> &str {
        let Some(job) = self.jobs.peek(a.job) else { return "/" };
        &self.callers[job.caller as usize].plan.calls[usize::from(a.call)].path
    }

    /// The lane and the place in its window of the call attempt `id`.
    fn place(&self, id: RequestId) -> Option<(usize, usize)> {
        let lane = ((id & !CALL_BIT) >> LANE_SHIFT) as usize;
        let offset = (id & SEQ_MASK).checked_sub(self.lanes.get(lane)?.base_seq)?;
        Some((lane, offset as usize))
    }

    fn attempt(&mut self, id: RequestId) -> Option<&mut Attempt> {
        let (lane, offset) = self.place(id)?;
        self.lanes[lane].window.get_mut(offset)
    }

    fn attempt_ref(&self, id: RequestId) -> Option<&Attempt> {
        let (lane, offset) = self.place(id)?;
        self.lanes[lane].window.get(offset)
    }

    /// The pod's background loop stops (its app is gone).
    pub(in crate::sim) fn stop_background(&mut self, pod: PodId) {
        if let Some(l) = self.loop_of.remove(&(pod.index() as u32)) {
            self.loops[l as usize].alive = false;
        }
    }
}

impl Traffic {
    /// The caller entry of the app `image` in `pod`'s workload `name` (None when the image
    /// neither calls nor works in the background), with its lanes and edges.
    pub(in crate::sim) fn caller_entry(
        &mut self,
        ctx: &mut Context,
        name: &str,
        pod: PodId,
        image: &str,
    ) -> Option<u32> {
        let behavior = ctx.image(image);
        let plan = match (&behavior.calls, &behavior.background) {
            (None, None) => return None,
            (calls, _) => calls.clone().unwrap_or_default(),
        };
        let background = behavior.background.clone();
        let namespace = ctx.store.pods[pod].namespace.clone();
        if self.calls.lanes.len() + plan.calls.len() > MAX_LANES {
            return None;
        }
        let mut lanes = Vec::with_capacity(plan.calls.len());
        for call in &plan.calls {
            let callee = crate::metrics::callee_name(&call.target, &namespace);
            let key = (name.to_string(), callee.clone(), call.timeout.as_micros());
            let lane = match self.calls.lane_index.get(&key) {
                Some(&l) => l,
                None => {
                    let edge = ctx.metrics.traffic.calls.edge(name, &callee);
                    let target = match &call.target {
                        CallTarget::Service { namespace: ns, name } => LaneTarget::Service {
                            namespace: ns.clone().unwrap_or_else(|| namespace.clone()),
                            name: name.clone(),
                        },
                        CallTarget::External { host } => LaneTarget::External(self.external_host(ctx, host)),
                    };
                    let index = self.calls.lanes.len() as u32;
                    self.calls.lanes.push(Lane {
                        edge,
                        target,
                        timeout: call.timeout,
                        routing: Stream::indexed(self.calls.seed, Purpose::CallRouting, u64::from(index)),
                        window: VecDeque::new(),
                        base_seq: 0,
                        timer_pending: false,
                        route: None,
                        active: 0,
                        active_retries: 0,
                    });
                    self.calls.lane_index.insert(key, index);
                    index
                }
            };
            lanes.push(lane);
        }
        let background = background.map(|b| (b, ctx.metrics.traffic.calls.background(name)));
        self.calls.callers.push(Caller { plan, lanes, background });
        Some((self.calls.callers.len() - 1) as u32)
    }

    /// A worker of `pod`, whose app has `behaviour`, took request `id` at `now`; without calls
    /// it answers at `done_at`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn started_at_pod(
        &mut self,
        ctx: &mut Context,
        net: &mut Network,
        nodes: &NodeLifecycle,
        pod: PodId,
        id: RequestId,
        done_at: SimTime,
        behaviour: u32,
    ) {
        let answer_at_done =
            |ctx: &mut Context| ctx.kernel.schedule_at(done_at, Event::Traffic(TrafficEvent::Done(pod, id)));
        let Some(caller) = self.behaviours[behaviour as usize].caller else { return answer_at_done(ctx) };
        // Where the request comes from: its path (which calls it makes: a source's `path`, a
        // call's `path`), its key and how deep in a chain of calls it is.
        let (path, seed, depth) = match RequestKind::of(id) {
            RequestKind::Source => {
                let path = self.sources[(id >> super::SEQ_BITS) as usize].spec.path.as_str();
                (path, mix(self.calls.seed ^ SALT_SOURCE, id), 0)
            }
            RequestKind::Call => match self.calls.attempt_ref(id) {
                Some(a) => (self.calls.path_of(a), a.key(), a.depth.saturating_add(1)),
                // Its caller gave up before a worker took it: the app works it without calling
                // anyone for an answer no one waits for.
                None => return answer_at_done(ctx),
            },
            RequestKind::Task => ("/", self.calls.tasks.peek(id & !TASK_BIT).map_or(0, |t| t.seed), 0),
        };
        let plan = &self.calls.callers[caller as usize].plan;
        let Some(route) = plan.route(path).filter(|&r| !plan.routes[r].1.is_empty()) else {
            return answer_at_done(ctx);
        };
        let now = ctx.kernel.now();
        let server = self.servers.get(pod.index()).and_then(|s| s.live.as_ref()).map_or(0, |ps| ps.server.tag());
        let job = Job {
            pod,
            server,
            request: id,
            work: done_at.since(now),
            caller,
            route: route as u16,
            stage: 0,
            pending: 0,
            seed,
            depth,
        };
        let key = self.calls.jobs.insert(job);
        self.run_stage(ctx, net, nodes, key);
    }

    /// Sends the calls of the job's current stage; with none to make (none left, or none drawn),
    /// goes on to the next, and after the last, works the app's own service time.
    fn run_stage(&mut self, ctx: &mut Context, net: &mut Network, nodes: &NodeLifecycle, key: u64) {
        loop {
            let Some(&mut job) = self.calls.jobs.get_mut(key) else { return };
            let (route, stage) = (usize::from(job.route), usize::from(job.stage));
            let plan = &self.calls.callers[job.caller as usize].plan;
            let Some(calls) = plan.routes[route].1.get(stage).map(Vec::len) else {
                self.calls.jobs.remove(key);
                let at = ctx.kernel.now() + job.work;
                ctx.kernel.schedule_at(at, Event::Traffic(TrafficEvent::Done(job.pod, job.request)));
                return;
            };
            let mut sent = 0u16;
            for i in 0..calls {
                // Looked up anew each time: sending may add callers (a callee's first server).
                let plan = &self.calls.callers[job.caller as usize].plan;
                let call = plan.routes[route].1[stage][i];
                let probability = plan.calls[usize::from(call)].probability;
                let seed = mix(job.seed, ((stage as u64) << 16) | i as u64);
                // A call made always draws nothing.
                if probability < 1.0 && !Draws::new(seed).chance(probability) {
                    continue;
                }
                sent += 1;
                self.send_attempt(ctx, net, nodes, key, job.caller, call, 0, seed, job.depth);
            }
            let Some(j) = self.calls.jobs.get_mut(key) else { return };
            if sent > 0 {
                j.pending = sent;
                return;
            }
            j.stage += 1;
        }
    }

    /// Sends attempt number `attempt` of call `call` of the job `job`. Whatever happens to it
    /// comes back later (an answer, a timeout, or a `CallFailed` event for a failure at once).
    #[allow(clippy::too_many_arguments)]
    fn send_attempt(
        &mut self,
        ctx: &mut Context,
        net: &mut Network,
        nodes: &NodeLifecycle,
        job: u64,
        caller: u32,
        call: u16,
        attempt: u8,
        seed: u64,
        depth: u8,
    ) {
        let now = ctx.kernel.now();
        let lane_index = self.calls.callers[caller as usize].lanes[usize::from(call)];
        let lane = &mut self.calls.lanes[lane_index as usize];
        let seq = lane.base_seq + lane.window.len() as u64;
        let id = CALL_BIT | (u64::from(lane_index) << LANE_SHIFT) | (seq & SEQ_MASK);
        let a =
            Attempt { sent_at: now, job, seed, call, attempt, depth, pod: None, done: false, external_error: false };
        lane.window.push_back(a);
        lane.active += 1;
        if attempt > 0 {
            lane.active_retries += 1;
        }
        let deadline = now + lane.timeout;
        if !lane.timer_pending {
            lane.timer_pending = true;
            ctx.kernel.schedule_at(deadline, Event::Traffic(TrafficEvent::CallTimeouts(lane_index)));
        }
        ctx.metrics.traffic.calls.edges[lane.edge].sent(now);
        let fail = |ctx: &mut Context, why| fail_call(ctx, id, why);
        if depth >= MAX_CALL_DEPTH {
            return fail(ctx, Failure::CallDepthExceeded);
        }
        let mut draws = Draws::new(a.key());
        let quantile = draws.unit();
        let request = Request { id, sent_at: now, deadline };
        let svc = match &lane.target {
            LaneTarget::External(host) => {
                let host = *host;
                return self.call_external(ctx, id, host, request, quantile, &mut draws);
            }
            LaneTarget::Service { namespace, name } => match lane.route {
                Some((version, svc)) if version == net.version => svc,
                _ => {
                    let svc = net.find_service(namespace, name);
                    lane.route = Some((net.version, svc));
                    svc
                }
            },
        };
        // The Service's name does not resolve (cluster DNS answers NXDOMAIN).
        let Some(svc) = svc else { return fail(ctx, Failure::NoService) };
        let service = &mut net.services[svc];
        if service.spec.service_type == ServiceType::ExternalName {
            // kube-dns answers with a CNAME: the app connects to the external host itself.
            let host = service.spec.external_name.clone().unwrap_or_default();
            let host = self.external_host(ctx, &host);
            return self.call_external(ctx, id, host, request, quantile, &mut draws);
        }
        // kube-proxy on the caller's node picks an endpoint of its view of the Service.
        let Some(pod) = service.proxy.pick(&service.proxy_view, &mut lane.routing) else {
            return fail(ctx, Failure::NoEndpoints);
        };
        match self.deliver(ctx, net, nodes, pod, request, quantile) {
            Delivery::Held => {
                if let Some(a) = self.calls.attempt(id) {
                    a.pod = Some(pod);
                }
            }
            Delivery::Lost => {}
            Delivery::Refused(why) => fail(ctx, why),
        }
    }

    /// A call attempt to an external host (directly, or through an ExternalName Service).
    fn call_external(
        &mut self,
        ctx: &mut Context,
        id: RequestId,
        host: u32,
        request: Request,
        quantile: f64,
        draws: &mut Draws,
    ) {
        match self.external_hosts[host as usize].reach(ctx, host, request, quantile, draws) {
            Ok(status) => {
                if let Some(a) = self.calls.attempt(id) {
                    a.external_error = status == crate::traffic::external::Status::ServerError;
                }
            }
            Err(why) => fail_call(ctx, id, why),
        }
    }

    /// A call attempt ended: answered (`Ok`, or an error answer) or failed. Counted once; the
    /// job it belongs to goes on, retries, or fails.
    pub(super) fn attempt_over(
        &mut self,
        ctx: &mut Context,
        net: &mut Network,
        nodes: &NodeLifecycle,
        id: RequestId,
        outcome: Result<(), Failure>,
    ) {
        let lane = ((id & !CALL_BIT) >> LANE_SHIFT) as u32;
        let timeout = match self.calls.lanes.get(lane as usize) {
            Some(l) => l.timeout,
            None => return,
        };
        let Some(a) = self.calls.attempt(id) else { return };
        if a.done {
            return;
        }
        a.done = true;
        let a = *a;
        // At the deadline itself the caller has given up (as the lane's timer judges it too).
        let outcome = if ctx.kernel.now() >= a.sent_at + timeout { Err(Failure::Timeout) } else { outcome };
        self.close_attempt(ctx, net, nodes, lane, a, outcome);
    }

    fn close_attempt(
        &mut self,
        ctx: &mut Context,
        net: &mut Network,
        nodes: &NodeLifecycle,
        lane: u32,
        a: Attempt,
        outcome: Result<(), Failure>,
    ) {
        let now = ctx.kernel.now();
        let l = &mut self.calls.lanes[lane as usize];
        l.active = l.active.saturating_sub(1);
        if a.attempt > 0 {
            l.active_retries = l.active_retries.saturating_sub(1);
        }
        let (active, active_retries, edge) = (l.active, l.active_retries, l.edge);
        ctx.metrics.traffic.calls.edges[edge].ended(a.sent_at, now, outcome, a.attempt > 0);
        let Some(job) = self.live_job(a.job) else { return };
        let Err(_) = outcome else { return self.instance_done(ctx, net, nodes, a.job) };
        let call = &self.calls.callers[job.caller as usize].plan.calls[usize::from(a.call)];
        let budget_allows = call.retry_budget.is_none_or(|b| {
            // envoy: source/common/upstream/resource_manager_impl.h, RetryBudgetImpl: the
            // retries open may reach `budget_percent` of the requests open, or
            // `min_retry_concurrency`, whichever is more.
            let allowed = (b.percent / 100.0 * f64::from(active)) as u32;
            active_retries < allowed.max(b.min_retry_concurrency)
        });
        if u32::from(a.attempt) < call.retries && budget_allows {
            // envoy: source/common/common/backoff_strategy.cc, JitteredExponentialBackOffStrategy
            // ::nextBackOffMs: a wait drawn uniformly below a ceiling that starts at the base
            // interval and doubles per retry, up to the maximum (ten times the base).
            let base = call.retry_backoff.as_micros().max(1);
            let ceiling = (base << a.attempt.min(20)).min(base * 10);
            let wait = Draws::new(mix(a.key(), SALT_BACKOFF)).below(ceiling as usize) as u64;
            let retry = PendingRetry { job: a.job, call: a.call, attempt: a.attempt + 1, seed: a.seed };
            let key = self.calls.retries.insert(retry);
            ctx.kernel.schedule_at(now + SimDuration(wait), Event::Traffic(TrafficEvent::Retry(key)));
            return;
        }
        match call.on_failure {
            OnFailure::Degrade => {
                ctx.metrics.traffic.calls.edges[edge].degraded += 1;
                self.instance_done(ctx, net, nodes, a.job);
            }
            OnFailure::Fail => {
                self.calls.jobs.remove(a.job);
                self.answer_failed(ctx, net, nodes, job.pod, job.request, Failure::DependencyFailed);
            }
        }
    }

    /// The job `key` if its pod's app still works its request (else it is forgotten: the pod
    /// was killed or restarted, or the request was answered already).
    fn live_job(&mut self, key: u64) -> Option<Job> {
        let job = *self.calls.jobs.get_mut(key)?;
        let serving = self
            .servers
            .get(job.pod.index())
            .and_then(|s| s.live.as_ref())
            .is_some_and(|ps| ps.server.tag() == job.server);
        // A job ends before its request leaves the worker (answered or failed), and only a
        // kill takes a request in flight away, with its server: the tag says it all.
        debug_assert_eq!(
            serving,
            self.servers
                .get(job.pod.index())
                .and_then(|s| s.live.as_ref())
                .is_some_and(|ps| ps.server.is_serving(job.request))
        );
        if !serving {
            self.calls.jobs.remove(key);
            return None;
        }
        Some(job)
    }

    /// One call instance of the job's stage is resolved; the last one moves the job on.
    fn instance_done(&mut self, ctx: &mut Context, net: &mut Network, nodes: &NodeLifecycle, key: u64) {
        let Some(job) = self.calls.jobs.get_mut(key) else { return };
        job.pending = job.pending.saturating_sub(1);
        if job.pending == 0 {
            job.stage += 1;
            self.run_stage(ctx, net, nodes, key);
        }
    }

    /// The app answers request `id` with an error now (a call it needed failed): its worker is
    /// free for the next request.
    fn answer_failed(
        &mut self,
        ctx: &mut Context,
        net: &mut Network,
        nodes: &NodeLifecycle,
        pod: PodId,
        id: RequestId,
        why: Failure,
    ) {
        if self.complete_at_pod(ctx, net, nodes, pod, id).is_none() {
            return;
        }
        match RequestKind::of(id) {
            RequestKind::Source => self.source_failed(ctx, id, why),
            RequestKind::Call => self.attempt_over(ctx, net, nodes, id, Err(why)),
            RequestKind::Task => self.task_over(ctx, id, Err(why)),
        }
    }

    /// A call instance's next attempt is due.
    pub(super) fn retry(&mut self, ctx: &mut Context, net: &mut Network, nodes: &NodeLifecycle, key: u64) {
        let Some(r) = self.calls.retries.remove(key) else { return };
        let Some(job) = self.live_job(r.job) else { return };
        self.send_attempt(ctx, net, nodes, r.job, job.caller, r.call, r.attempt, r.seed, job.depth);
    }

    /// A lane's timer: every open attempt past its deadline times out.
    pub(super) fn lane_timeouts(&mut self, ctx: &mut Context, net: &mut Network, nodes: &NodeLifecycle, lane: u32) {
        let now = ctx.kernel.now();
        let Some(l) = self.calls.lanes.get_mut(lane as usize) else { return };
        let (expired, next) = super::expire(&mut l.window, &mut l.base_seq, now, l.timeout);
        match next {
            Some(at) => ctx.kernel.schedule_at(at, Event::Traffic(TrafficEvent::CallTimeouts(lane))),
            None => l.timer_pending = false,
        }
        // Queued attempts whose callers left give up their place at the callee pods.
        let mut pods: Vec<PodId> = expired.iter().filter_map(|a| a.pod).collect();
        for a in expired {
            self.close_attempt(ctx, net, nodes, lane, a, Err(Failure::Timeout));
        }
        pods.sort_unstable();
        pods.dedup();
        self.drop_expired_at(ctx, pods);
    }

    /// A background loop's next task comes: a request to its own pod's workers.
    pub(super) fn background_task(&mut self, ctx: &mut Context, net: &mut Network, nodes: &NodeLifecycle, index: u32) {
        let now = ctx.kernel.now();
        let l = &mut self.calls.loops[index as usize];
        if !l.alive {
            return;
        }
        if let Some(at) = l.arrivals.next_arrival(now, &mut l.stream).filter(|&t| t <= ctx.end) {
            ctx.kernel.schedule_at(at, Event::Traffic(TrafficEvent::Task(index)));
        }
        let (pod, caller) = (l.pod, l.caller);
        let seed = mix(mix(self.calls.seed ^ SALT_TASK, pod.index() as u64), l.seq);
        l.seq += 1;
        let Some(stats) = self.calls.callers[caller as usize].background.as_ref().map(|&(_, s)| s) else { return };
        let answers = self
            .servers
            .get(pod.index())
            .and_then(|s| s.live.as_ref())
            .is_some_and(|ps| now >= ps.answers_from && ps.hangs_at > now && !ps.server.is_draining());
        if !answers {
            // An app not up yet, hung, or shutting down (SIGTERM) does no work of its own.
            return;
        }
        let key = self.calls.tasks.insert(Task { sent_at: now, stats, seed });
        let id = TASK_BIT | key;
        let quantile = Draws::new(seed).unit();
        let request = Request { id, sent_at: now, deadline: SimTime::MAX };
        match self.deliver(ctx, net, nodes, pod, request, quantile) {
            Delivery::Held => {}
            Delivery::Lost => {
                self.calls.tasks.remove(key);
            }
            Delivery::Refused(why) => self.task_over(ctx, id, Err(why)),
        }
    }

    /// A background task ended.
    pub(super) fn task_over(&mut self, ctx: &mut Context, id: RequestId, outcome: Result<(), Failure>) {
        let Some(task) = self.calls.tasks.remove(id & !TASK_BIT) else { return };
        let latency = ctx.kernel.now().since(task.sent_at);
        if let Some(stats) = ctx.metrics.traffic.calls.background.get_mut(task.stats) {
            stats.ended(latency, outcome);
        }
    }
}

impl CallGraph {
    /// Starts `pod`'s background loop if its app (`caller`) works in the background.
    pub(in crate::sim) fn start_background(&mut self, ctx: &mut Context, pod: PodId, caller: u32) {
        let Some((background, _)) = &self.callers[caller as usize].background else { return };
        let arrivals = Arrivals::new(background.rate.clone(), background.arrival);
        let mut stream = Stream::indexed(self.seed, Purpose::Background, pod.index() as u64);
        let now = ctx.kernel.now();
        let index = self.loops.len() as u32;
        if let Some(at) = arrivals.next_arrival(now, &mut stream).filter(|&t| t <= ctx.end) {
            ctx.kernel.schedule_at(at, Event::Traffic(TrafficEvent::Task(index)));
        }
        self.loops.push(BackgroundLoop { pod, caller, arrivals, stream, alive: true, seq: 0 });
        if let Some(old) = self.loop_of.insert(pod.index() as u32, index) {
            self.loops[old as usize].alive = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_removed_key_never_finds_the_entry_that_took_its_place() {
        let mut slab: Slab<&str> = Slab::default();
        let a = slab.insert("a");
        assert_eq!(slab.remove(a), Some("a"));
        let b = slab.insert("b");
        assert_eq!(b & 0xFFFF_FFFF, a & 0xFFFF_FFFF, "the slot is reused");
        assert_eq!(slab.get_mut(a), None, "the old key is stale");
        assert_eq!(slab.remove(a), None);
        assert_eq!(slab.peek(b), Some(&"b"));
        assert_eq!(b & (CALL_BIT | TASK_BIT), 0, "keys stay clear of the kind bits");
    }
}
