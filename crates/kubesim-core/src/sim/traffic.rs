//! Requests: each `traffic:` source sends requests through a Service or an Ingress to the
//! pods' servers, and every request ends exactly once, as a success with its latency or as
//! a failure with its reason (see `src/traffic/mod.rs` for the engine's own rules).
//!
//! A request to an ExternalName Service leaves the cluster: no endpoints, no kube-proxy; the
//! external host it names (the scenario's `externals:`) decides its fate and its latency
//! (`traffic/external.rs`), drawing from a fourth stream of its source only when the host has
//! an `availability` or an `errorRate`.
//!
//! Per source, three random streams: arrivals, routing, and one service-time quantile per
//! request drawn at arrival, so that every variant of a sweep sees the same requests asking
//! for the same share of work. Timeouts need no event per request: deadlines of one source
//! come in arrival order, so one timer per source walks a window of open requests.

use super::nodes::NodeLifecycle;
use super::services::Network;
use super::services::SvcId;
use super::{Context, Event};
use crate::engine::{Purpose, Random, SimDuration, SimTime, Stream};
use crate::metrics::traffic::Failure;
use crate::model::spec::{ExternalHost, ServiceType, TrafficSpec, TrafficTarget};
use crate::model::store::PodId;
use crate::traffic::external::Status;
use crate::traffic::ingress::route;
use crate::traffic::{
    Admission, Arrivals, Backend, CanarySplit, Rejection, Request, RequestId, Server, ServerConfig, ServiceTime,
};
use std::collections::VecDeque;

mod calls;

/// The traffic's events.
#[derive(Clone, Debug)]
pub enum TrafficEvent {
    /// A traffic source sends its next request.
    Arrival(u32),
    /// A pod's server finished a request.
    Done(PodId, crate::traffic::RequestId),
    /// A traffic source's requests past their deadline time out.
    Timeouts(u32),
    /// An external host (an index into `Traffic::external_hosts`) answered a request.
    ExternalDone(u32, crate::traffic::RequestId),
    /// A lane of calls' attempts past their deadline time out (`sim/calls.rs`).
    CallTimeouts(u32),
    /// A call's attempt failed when it was sent (handled as its own event, so that what the
    /// failure sets off never runs inside the sending).
    CallFailed(crate::traffic::RequestId, Failure),
    /// A call's retry is due after its back-off (a key of the call graph's pending retries).
    Retry(u64),
    /// A pod's background loop runs its next task.
    Task(u32),
}

impl Traffic {
    /// The traffic's events. Requests read the Services' endpoints and advance their
    /// balancers (`net`), and a crashed node's pods answer nothing (`nodes`).
    pub(super) fn handle(&mut self, ctx: &mut Context, net: &mut Network, nodes: &NodeLifecycle, event: TrafficEvent) {
        match event {
            TrafficEvent::Arrival(source) => self.request_arrival(ctx, net, nodes, source),
            TrafficEvent::Done(pod, id) => self.request_done(ctx, net, nodes, pod, id),
            TrafficEvent::Timeouts(source) => self.request_timeouts(ctx, source),
            TrafficEvent::ExternalDone(host, id) => self.external_done(ctx, net, nodes, host, id),
            TrafficEvent::CallTimeouts(lane) => self.lane_timeouts(ctx, net, nodes, lane),
            TrafficEvent::CallFailed(id, why) => self.attempt_over(ctx, net, nodes, id, Err(why)),
            TrafficEvent::Retry(key) => self.retry(ctx, net, nodes, key),
            TrafficEvent::Task(background) => self.background_task(ctx, net, nodes, background),
        }
    }
}

/// Request ids: the source in the high bits, its own sequence number below.
pub(super) const SEQ_BITS: u32 = 40;
const SEQ_MASK: u64 = (1 << SEQ_BITS) - 1;
const NO_POD: PodId = PodId(u32::MAX);
/// A source's timeout timer fires at most once per millisecond of virtual time, however
/// high the rate: a request is declared timed out up to this much after its deadline (a
/// completion in between still counts as a timeout).
const TIMER_STEP: SimDuration = SimDuration::from_millis(1);

/// A request on its way to a Service: its source and id, the Service, whether ingress-nginx
/// (not kube-proxy) balances it, whether a canary split drew from the routing stream, and
/// its service-time quantile.
struct Sent {
    source: u32,
    id: RequestId,
    svc: SvcId,
    via_ingress: bool,
    split: bool,
    quantile: f64,
}

/// Where a source's requests go, as resolved against the current Services and Ingresses.
#[derive(Clone, Debug)]
enum Resolved {
    Service(Option<SvcId>),
    Ingress {
        primary: Option<SvcId>,
        canary: Option<(Option<SvcId>, CanarySplit)>,
    },
    /// The Ingress does not exist, or has no rule for the request and no default backend.
    NoRoute,
}

/// An open request: sent, not yet counted.
#[derive(Clone, Copy, Debug)]
struct Open {
    sent_at: SimTime,
    /// The pod holding it (NO_POD when none).
    pod: PodId,
    service: Option<u32>,
    done: bool,
    /// Sent to an external host that will answer it with an HTTP 5xx.
    external_error: bool,
}

/// How many of a source's picks are guessed at once (one copy of the routing stream each
/// time, not one per request).
const AHEAD: usize = 8;

/// Where a source's next requests will most likely go: the balancer's next picks, drawn on
/// a copy of the routing stream for the endpoints as they are now. Each request fetches the
/// server slot of the pod the next request will most likely reach, and the endpoint entry
/// of the one after, so that neither is a wait for memory when its request comes (a pod
/// picked at random among 150,000 otherwise is). A guess: if the endpoints change, a guess
/// is wrong, which costs a useless fetch and nothing else; nothing decides by it.
#[derive(Clone, Copy, Debug, Default)]
struct Lookahead {
    /// `picks[k]` is the endpoint index of the source's pick number `first + k`.
    first: u64,
    picks: [u32; AHEAD],
    /// What they were drawn for: the Service, through ingress-nginx or not, and its number of
    /// endpoints (0: nothing guessed).
    svc: SvcId,
    via_ingress: bool,
    endpoints: usize,
}

pub(super) struct Source {
    spec: TrafficSpec,
    arrivals: Arrivals,
    arrival_stream: Stream,
    routing: Stream,
    service_times: Stream,
    /// Whether the app answers a served request with an error (`errorRate`): drawn only for
    /// pods whose image has one, so other runs draw nothing from it.
    app_errors: Stream,
    /// Which client sends each request: drawn only for Services with session affinity.
    clients: Stream,
    /// Whether an external host is reached and answers with an error: drawn only for hosts
    /// with an `availability` or an `errorRate`.
    externals: Stream,
    next_seq: u64,
    /// Requests from `base_seq` on, in arrival order, until their deadline passes.
    window: VecDeque<Open>,
    base_seq: u64,
    timer_pending: bool,
    route: Option<(u64, Resolved)>,
    /// Picks drawn from `routing` by requests that drew nothing else from it (no canary
    /// split), and the guesses of the next ones.
    picks: u64,
    ahead: Lookahead,
}

/// A pod's server: the app in its serving container.
pub(super) struct PodServer {
    server: Server,
    /// When the app answers (start + the image's readyAfter): refused before.
    answers_from: SimTime,
    /// When the app hangs (its liveness check starts failing; `SimTime::MAX`: never): it
    /// answers nothing from then. A copy of the serving container's own, so that a request
    /// need not touch the pod.
    hangs_at: SimTime,
    /// The image's service time, as an index into `Traffic::service_times`.
    service_time: u32,
    /// What the app does beyond serving, as an index into `Traffic::behaviours` (0: it answers
    /// no request with an error and calls nothing).
    behaviour: u32,
}

/// Who sent a request, by its id: a traffic source, a call of a pod's app, or a pod's own
/// background task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum RequestKind {
    Source,
    Call,
    Task,
}

impl RequestKind {
    pub(super) fn of(id: RequestId) -> Self {
        if id & calls::CALL_BIT != 0 {
            RequestKind::Call
        } else if id & calls::TASK_BIT != 0 {
            RequestKind::Task
        } else {
            RequestKind::Source
        }
    }
}

/// What became of a request delivered to a pod.
pub(super) enum Delivery {
    /// A worker or the queue has it.
    Held,
    /// The app is hung or its node has crashed: no answer will come.
    Lost,
    /// Refused at once.
    Refused(Failure),
}

/// What one pod's id indexes: its server while the app runs, and what it has served. Kept
/// together in one 64-byte cache line, so that a request costs one trip to memory per pod:
/// each request goes to a pod picked at random, and at 150,000 pods the slots (10 MB) only
/// just fit in the last-level cache (at 128 or 184 bytes a slot they did not, and a request
/// waited about twice as long for its pod).
#[derive(Default)]
#[repr(align(64))]
struct ServerSlot {
    live: Option<PodServer>,
    /// Requests its servers finished (for metrics-server's CPU and request rate).
    served: u64,
}

#[cfg(target_pointer_width = "64")]
const _: () = assert!(std::mem::size_of::<ServerSlot>() == 64, "a server slot outgrew its cache line");

#[derive(Default)]
pub(super) struct Traffic {
    pub(super) sources: Vec<Source>,
    /// By pod id.
    servers: Vec<ServerSlot>,
    /// The service times of the images that serve, each once (a few entries).
    service_times: Vec<ServiceTime>,
    /// The (image, caller) pairs whose app answers errors (an `errorRate`) or calls others,
    /// each once, after a placeholder at 0 for the apps that do neither.
    behaviours: Vec<Behaviour>,
    behaviour_index: std::collections::BTreeMap<(String, String), u32>,
    /// Calls between Services and background work (`sim/calls.rs`).
    pub(super) calls: calls::CallGraph,
    /// The external hosts requests went to, in order of their first request.
    pub(super) external_hosts: Vec<ExternalServer>,
    /// The number of the last server started (`Server::tag`).
    server_tags: u32,
}

/// What a serving app does beyond its service time: answer a share of requests with an
/// error, and call other Services for each request (as `caller`, an index into the call
/// graph's callers).
#[derive(Default)]
pub(super) struct Behaviour {
    pub(super) image: String,
    pub(super) error_rate: f64,
    pub(super) caller: Option<u32>,
}

/// An external host as the traffic sees it: its behaviour and, with a `concurrency`, its queue.
pub(super) struct ExternalServer {
    name: String,
    host: ExternalHost,
    server: Option<Server>,
}

impl ExternalServer {
    /// A request (`host` is this host's index) leaves the cluster for this host at its time:
    /// the host decides whether it is reached, how long its answer takes and whether it is an
    /// error (drawing from `rng`); a host with a `concurrency` queues it first (its round trip
    /// holds a connection as its service does). Its answer comes as an `ExternalDone` event.
    pub(super) fn reach(
        &mut self,
        ctx: &mut Context,
        host: u32,
        request: Request,
        quantile: f64,
        rng: &mut impl crate::engine::Random,
    ) -> Result<Status, Failure> {
        let now = ctx.kernel.now();
        let outcome = self.host.serve(now, quantile, rng);
        if outcome.status == Status::Unreachable {
            return Err(Failure::ExternalUnreachable);
        }
        let done_at = match &mut self.server {
            None => Some(now + outcome.latency),
            Some(server) => match server.arrive(request, now, outcome.latency) {
                Admission::Started { done_at } => Some(done_at),
                Admission::Queued => None,
                // An external host's queue never drains, so only a full queue refuses.
                Admission::Rejected(_) => return Err(Failure::QueueFull),
            },
        };
        if let Some(at) = done_at {
            ctx.kernel.schedule_at(at, Event::Traffic(TrafficEvent::ExternalDone(host, request.id)));
        }
        Ok(outcome.status)
    }
}

impl Traffic {
    pub(super) fn new(specs: &[TrafficSpec], seed: u64) -> Self {
        let sources = specs
            .iter()
            .enumerate()
            .map(|(i, spec)| Source {
                spec: spec.clone(),
                arrivals: Arrivals::new(spec.rate.clone(), spec.arrival),
                arrival_stream: Stream::indexed(seed, Purpose::Traffic, i as u64),
                routing: Stream::indexed(seed, Purpose::Routing, i as u64),
                service_times: Stream::indexed(seed, Purpose::ServiceTimes, i as u64),
                app_errors: Stream::indexed(seed, Purpose::AppErrors, i as u64),
                clients: Stream::indexed(seed, Purpose::ClientIps, i as u64),
                externals: Stream::indexed(seed, Purpose::ExternalHosts, i as u64),
                next_seq: 0,
                window: VecDeque::new(),
                base_seq: 0,
                timer_pending: false,
                route: None,
                picks: 0,
                ahead: Lookahead::default(),
            })
            .collect();
        Traffic {
            sources,
            servers: Vec::new(),
            service_times: Vec::new(),
            behaviours: vec![Behaviour::default()],
            behaviour_index: std::collections::BTreeMap::new(),
            calls: calls::CallGraph::new(seed),
            external_hosts: Vec::new(),
            server_tags: 0,
        }
    }

    /// Requests the pod's app has finished serving so far (timed out or not).
    pub(super) fn served(&self, pod: PodId) -> u64 {
        self.servers.get(pod.index()).map_or(0, |s| s.served)
    }

    /// The pod's running server, if any.
    fn server(&mut self, pod: PodId) -> Option<&mut PodServer> {
        self.servers.get_mut(pod.index()).and_then(|s| s.live.as_mut())
    }

    fn take_server(&mut self, pod: PodId) -> Option<PodServer> {
        self.servers.get_mut(pod.index()).and_then(|s| s.live.take())
    }

    fn server_slot(&mut self, pod: PodId) -> &mut Option<PodServer> {
        let i = pod.index();
        if self.servers.len() <= i {
            self.servers.resize_with(i + 1, ServerSlot::default);
        }
        &mut self.servers[i].live
    }
}

impl Traffic {
    /// Schedules each source's first request.
    pub(super) fn start(&mut self, ctx: &mut Context) {
        for i in 0..self.sources.len() {
            self.schedule_next_arrival(ctx, i as u32, SimTime::ZERO);
        }
    }

    fn schedule_next_arrival(&mut self, ctx: &mut Context, source: u32, after: SimTime) {
        let s = &mut self.sources[source as usize];
        if let Some(at) = s.arrivals.next_arrival(after, &mut s.arrival_stream).filter(|&t| t <= ctx.end) {
            ctx.kernel.schedule_at(at, Event::Traffic(TrafficEvent::Arrival(source)));
        }
    }

    pub(super) fn request_arrival(&mut self, ctx: &mut Context, net: &mut Network, nodes: &NodeLifecycle, source: u32) {
        let now = ctx.kernel.now();
        self.schedule_next_arrival(ctx, source, now);
        let version = net.version;
        let s = &mut self.sources[source as usize];
        let quantile = s.service_times.unit();
        let seq = s.next_seq;
        s.next_seq += 1;
        s.window.push_back(Open { sent_at: now, pod: NO_POD, service: None, done: false, external_error: false });
        let id = (u64::from(source) << SEQ_BITS) | seq;
        if !s.timer_pending {
            s.timer_pending = true;
            let at = now + s.spec.timeout;
            ctx.kernel.schedule_at(at, Event::Traffic(TrafficEvent::Timeouts(source)));
        }
        if s.route.as_ref().is_none_or(|(v, _)| *v != version) {
            let resolved = resolve(net, &s.spec);
            self.sources[source as usize].route = Some((version, resolved));
        }
        match self.pick_service(source) {
            Ok((svc, via_ingress, split)) => {
                let sent = Sent { source, id, svc, via_ingress, split, quantile };
                self.send_to_service(ctx, net, nodes, sent)
            }
            Err(why) => self.finish(ctx, id, None, Err(why)),
        }
    }

    /// The Service a request goes to, whether ingress-nginx (not kube-proxy) balances it,
    /// and whether a canary split drew from the routing stream to choose it.
    fn pick_service(&mut self, source: u32) -> Result<(SvcId, bool, bool), Failure> {
        let s = &mut self.sources[source as usize];
        let Some((_, resolved)) = &s.route else { return Err(Failure::NoRoute) };
        match resolved {
            Resolved::Service(svc) => svc.map(|s| (s, false, false)).ok_or(Failure::NoService),
            Resolved::NoRoute => Err(Failure::NoRoute),
            Resolved::Ingress { primary, canary } => {
                let chosen = match canary {
                    Some((canary, split)) => match split.choose(&mut s.routing) {
                        Backend::Canary => *canary,
                        Backend::Primary => *primary,
                    },
                    None => *primary,
                };
                chosen.map(|s| (s, true, canary.is_some())).ok_or(Failure::NoService)
            }
        }
    }

    fn send_to_service(&mut self, ctx: &mut Context, net: &mut Network, nodes: &NodeLifecycle, sent: Sent) {
        let Sent { source, id, svc, via_ingress, split, quantile } = sent;
        let now = ctx.kernel.now();
        let service = &mut net.services[svc];
        let stats = service.stats;
        if service.spec.service_type == ServiceType::ExternalName {
            // kube-dns answers with a CNAME to the external name: the client connects to that
            // host, past the Service's endpoints and kube-proxy (which ignores ExternalName
            // Services: pkg/proxy/servicechangetracker.go), and ingress-nginx proxies to it.
            let host = service.spec.external_name.as_deref().unwrap_or_default();
            let host = self.external_host(ctx, host);
            return self.send_external(ctx, source, id, stats, host, quantile);
        }
        let s = &mut self.sources[source as usize];
        let balancer = if via_ingress { &mut service.ingress } else { &mut service.proxy };
        // sessionAffinity: ClientIP (kube-proxy only: ingress-nginx balances the endpoints
        // itself): the client's endpoint of its last request, while it is still an endpoint
        // and the client was seen within the timeout (iptables' `recent` match, refreshed by
        // every request).
        let affinity = service.spec.session_affinity.filter(|_| !via_ingress);
        let client = affinity.map(|_| (u64::from(source) << 32) | s.clients.below(s.spec.clients as usize) as u64);
        let kept = client.and_then(|c| service.affinity.get(&c)).and_then(|&(pod, last)| {
            let fresh = affinity.is_some_and(|timeout| now.since(last) < timeout);
            (fresh && service.proxy_view.contains(&pod)).then_some(pod)
        });
        let Some(pod) = kept.or_else(|| balancer.pick(&service.proxy_view, &mut s.routing)) else {
            return self.finish(ctx, id, stats, Err(Failure::NoEndpoints));
        };
        if let Some(c) = client {
            service.affinity.insert(c, (pod, now));
        }
        if split || affinity.is_some() {
            // A canary split drew too, or affinity skipped a draw: the guesses (one draw per
            // pick) no longer line up.
            s.ahead.endpoints = 0;
        } else {
            s.picks += 1;
            let view = &service.proxy_view;
            let a = &mut s.ahead;
            let next = s.picks; // the number of the next pick
            if !(a.svc == svc
                && a.via_ingress == via_ingress
                && a.endpoints == view.len()
                && a.first <= next
                && next + 1 < a.first + AHEAD as u64)
            {
                *a = Lookahead { first: next, svc, via_ingress, endpoints: view.len(), ..Lookahead::default() };
                balancer.peek_ahead(view.len(), &s.routing, &mut a.picks);
            }
            let k = (next - a.first) as usize;
            if let Some(after) = view.get(a.picks[k + 1] as usize) {
                prefetch(after);
            }
            if let Some(slot) = view.get(a.picks[k] as usize).and_then(|&p| self.servers.get(p.index())) {
                prefetch(slot);
            }
        }
        let timeout = self.sources[source as usize].spec.timeout;
        let request = Request { id, sent_at: now, deadline: now + timeout };
        match self.deliver(ctx, net, nodes, pod, request, quantile) {
            Delivery::Held => self.hold(ctx, id, pod, stats),
            Delivery::Lost => {
                if let Some(open) = self.open_mut(id) {
                    open.service = stats;
                }
            }
            Delivery::Refused(why) => self.finish(ctx, id, stats, Err(why)),
        }
    }

    /// A request reaches `pod` (a traffic source's or a call's): the app takes it (a worker or
    /// its queue), refuses it, or, hung or on a crashed node, never answers.
    pub(super) fn deliver(
        &mut self,
        ctx: &mut Context,
        net: &mut Network,
        nodes: &NodeLifecycle,
        pod: PodId,
        request: Request,
        quantile: f64,
    ) -> Delivery {
        let now = ctx.kernel.now();
        // A crashed node, or a hung app, answers nothing: the client waits for its timeout.
        // A node's crash takes its pods' servers away, so a pod with a server is on a live
        // node, and its server knows when the app hangs: the pod itself is looked at (a cache
        // miss on a big row) only when there is no server.
        let black_hole = match self.servers.get(pod.index()).and_then(|s| s.live.as_ref()) {
            Some(ps) => {
                debug_assert!(!ctx.store.pods[pod].node.is_some_and(|n| nodes.crashed(n)));
                debug_assert_eq!(
                    Some(ps.hangs_at).filter(|&h| h != SimTime::MAX),
                    ctx.store.pods[pod].containers.first().and_then(|c| c.hangs_at)
                );
                ps.hangs_at <= now
            }
            None => {
                let p = &ctx.store.pods[pod];
                let hung = p.containers.first().and_then(|c| c.hangs_at).is_some_and(|h| h <= now);
                hung || p.node.is_some_and(|n| nodes.crashed(n))
            }
        };
        if black_hole {
            return Delivery::Lost;
        }
        let Some(ps) = self.servers.get_mut(pod.index()).and_then(|s| s.live.as_mut()) else {
            return Delivery::Refused(Failure::ConnectionRefused);
        };
        if now < ps.answers_from {
            return Delivery::Refused(Failure::ConnectionRefused);
        }
        let work = self.service_times[ps.service_time as usize].at_quantile(quantile);
        let behaviour = ps.behaviour;
        match ps.server.arrive(request, now, work) {
            Admission::Started { done_at } => {
                self.started_at_pod(ctx, net, nodes, pod, request.id, done_at, behaviour);
                Delivery::Held
            }
            Admission::Queued => Delivery::Held,
            Admission::Rejected(Rejection::QueueFull) => Delivery::Refused(Failure::QueueFull),
            Admission::Rejected(Rejection::Draining) => Delivery::Refused(Failure::ConnectionRefused),
        }
    }

    /// The index of the external host `name` in `external_hosts`, added at its first request
    /// with its `externals:` behaviour (or the default).
    pub(super) fn external_host(&mut self, ctx: &Context, name: &str) -> u32 {
        let hosts = &mut self.external_hosts;
        let index = hosts.iter().position(|h| h.name == name).unwrap_or_else(|| {
            let host = ctx.scenario.externals.get(name).cloned().unwrap_or_default();
            let server = host.server_config().map(Server::new);
            hosts.push(ExternalServer { name: name.to_string(), host, server });
            hosts.len() - 1
        });
        index as u32
    }

    /// A request leaves the cluster for an external host: the host decides whether it is
    /// reached, how long its answer takes and whether it is an error; a host with a
    /// `concurrency` queues it first (its round trip holds a connection as its service does).
    fn send_external(
        &mut self,
        ctx: &mut Context,
        source: u32,
        id: RequestId,
        stats: Option<u32>,
        host: u32,
        quantile: f64,
    ) {
        let now = ctx.kernel.now();
        let s = &mut self.sources[source as usize];
        let request = Request { id, sent_at: now, deadline: now + s.spec.timeout };
        let external = &mut self.external_hosts[host as usize];
        match external.reach(ctx, host, request, quantile, &mut s.externals) {
            Err(why) => self.finish(ctx, id, stats, Err(why)),
            Ok(status) => {
                if let Some(open) = self.open_mut(id) {
                    open.service = stats;
                    open.external_error = status == Status::ServerError;
                }
            }
        }
    }

    /// An external host answered: a success, or its HTTP 5xx, unless the client gave up
    /// first. A host with a queue starts its next request.
    fn external_done(&mut self, ctx: &mut Context, net: &mut Network, nodes: &NodeLifecycle, host: u32, id: RequestId) {
        let now = ctx.kernel.now();
        if let Some(server) = &mut self.external_hosts[host as usize].server {
            let Some(c) = server.complete(id, now) else { return };
            if let Some((next, done_at)) = c.started {
                ctx.kernel.schedule_at(done_at, Event::Traffic(TrafficEvent::ExternalDone(host, next.id)));
            }
        }
        if RequestKind::of(id) == RequestKind::Call {
            let outcome = if self.calls.external_error(id) { Err(Failure::Http5xx) } else { Ok(()) };
            return self.attempt_over(ctx, net, nodes, id, outcome);
        }
        let timeout = self.sources[(id >> SEQ_BITS) as usize].spec.timeout;
        let Some(open) = self.open_mut(id) else { return };
        let outcome = if now >= open.sent_at + timeout {
            Err(Failure::Timeout)
        } else if open.external_error {
            Err(Failure::Http5xx)
        } else {
            Ok(open.sent_at)
        };
        self.finish(ctx, id, None, outcome);
    }

    fn open_mut(&mut self, id: RequestId) -> Option<&mut Open> {
        let s = self.sources.get_mut((id >> SEQ_BITS) as usize)?;
        let offset = (id & SEQ_MASK).checked_sub(s.base_seq)?;
        s.window.get_mut(offset as usize)
    }

    /// The request waits at, or is served by, `pod`.
    fn hold(&mut self, ctx: &mut Context, id: RequestId, pod: PodId, service: Option<u32>) {
        ctx.metrics.traffic.held_changed(ctx.kernel.now(), 1);
        if let Some(open) = self.open_mut(id) {
            open.pod = pod;
            open.service = service;
        }
    }

    /// Counts a request's outcome, once: later outcomes of the same request are ignored.
    fn finish(&mut self, ctx: &mut Context, id: RequestId, service: Option<u32>, outcome: Result<SimTime, Failure>) {
        let now = ctx.kernel.now();
        let Some(open) = self.open_mut(id) else { return };
        if open.done {
            return;
        }
        open.done = true;
        let service = service.or(open.service).map(|s| s as usize);
        ctx.metrics.traffic.windowed(service, now, outcome.is_err());
        match outcome {
            Ok(sent_at) => ctx.metrics.traffic.success(service, now.since(sent_at)),
            Err(why) => ctx.metrics.traffic.failure(service, why),
        }
        if let Some(entries) = ctx.metrics.traffic.calls.entries.as_mut() {
            entries[(id >> SEQ_BITS) as usize].ended(outcome.map(|sent_at| now.since(sent_at)));
        }
    }

    /// A pod's app finished serving a request: its worker takes the next one, and the request
    /// is answered (with an error, at the image's `errorRate`).
    pub(super) fn request_done(
        &mut self,
        ctx: &mut Context,
        net: &mut Network,
        nodes: &NodeLifecycle,
        pod: PodId,
        id: RequestId,
    ) {
        let Some(behaviour) = self.complete_at_pod(ctx, net, nodes, pod, id) else { return };
        match RequestKind::of(id) {
            RequestKind::Source => self.source_answered(ctx, id, behaviour),
            RequestKind::Call => {
                let b = &self.behaviours[behaviour as usize];
                let outcome = if b.error_rate > 0.0 && self.calls.error_draws(id).chance(b.error_rate) {
                    count_error(&mut ctx.metrics.traffic.errors_by_image, &b.image);
                    Err(Failure::Http5xx)
                } else {
                    Ok(())
                };
                self.attempt_over(ctx, net, nodes, id, outcome)
            }
            RequestKind::Task => self.task_over(ctx, id, Ok(())),
        }
    }

    /// The request `id` leaves `pod`'s worker now (served, or answered early with an error): the
    /// worker takes the next request of the queue. The app's behaviour index, or None when the
    /// pod no longer holds the request (a stale event).
    pub(super) fn complete_at_pod(
        &mut self,
        ctx: &mut Context,
        net: &mut Network,
        nodes: &NodeLifecycle,
        pod: PodId,
        id: RequestId,
    ) -> Option<u32> {
        let now = ctx.kernel.now();
        let slot = self.servers.get_mut(pod.index())?;
        let ps = slot.live.as_mut()?;
        let c = ps.server.complete(id, now)?;
        let behaviour = ps.behaviour;
        slot.served += 1;
        if RequestKind::of(id) == RequestKind::Source {
            ctx.metrics.traffic.held_changed(now, -1);
        }
        if let Some((next, done_at)) = c.started {
            self.started_at_pod(ctx, net, nodes, pod, next.id, done_at, behaviour);
        }
        Some(behaviour)
    }

    /// A traffic source's request was served by a pod whose app has `behaviour`.
    fn source_answered(&mut self, ctx: &mut Context, id: RequestId, behaviour: u32) {
        let now = ctx.kernel.now();
        // The client's deadline is its source's timeout after it sent the request; at the
        // deadline itself the client has given up (as the timer judges it too). A request no
        // longer in its source's window was counted already (timed out).
        let source = (id >> SEQ_BITS) as usize;
        let timeout = self.sources[source].spec.timeout;
        let Some(open) = self.open_mut(id) else { return };
        let (sent_at, done) = (open.sent_at, open.done);
        let mut outcome = if now >= sent_at + timeout { Err(Failure::Timeout) } else { Ok(sent_at) };
        if outcome.is_ok() && !done {
            // The app served it (it took its service time) and may answer with an error.
            let b = &self.behaviours[behaviour as usize];
            if b.error_rate > 0.0 && self.sources[source].app_errors.chance(b.error_rate) {
                outcome = Err(Failure::Http5xx);
                count_error(&mut ctx.metrics.traffic.errors_by_image, &b.image);
            }
        }
        self.finish(ctx, id, None, outcome);
    }

    /// A traffic source's request failed at the pod that held it for `why` (its app's call
    /// failed), unless its client had given up already.
    pub(super) fn source_failed(&mut self, ctx: &mut Context, id: RequestId, why: Failure) {
        let now = ctx.kernel.now();
        let timeout = self.sources[(id >> SEQ_BITS) as usize].spec.timeout;
        let Some(open) = self.open_mut(id) else { return };
        let why = if now >= open.sent_at + timeout { Failure::Timeout } else { why };
        self.finish(ctx, id, None, Err(why));
    }

    /// One source's timer: every open request past its deadline fails.
    pub(super) fn request_timeouts(&mut self, ctx: &mut Context, source: u32) {
        let now = ctx.kernel.now();
        let s = &mut self.sources[source as usize];
        let (expired, next) = expire(&mut s.window, &mut s.base_seq, now, s.spec.timeout);
        match next {
            Some(at) => ctx.kernel.schedule_at(at, Event::Traffic(TrafficEvent::Timeouts(source))),
            None => s.timer_pending = false,
        }
        let mut pods: Vec<PodId> = Vec::new();
        for open in &expired {
            let service = open.service.map(|s| s as usize);
            ctx.metrics.traffic.windowed(service, now, true);
            ctx.metrics.traffic.failure(service, Failure::Timeout);
            if let Some(entries) = ctx.metrics.traffic.calls.entries.as_mut() {
                entries[source as usize].ended(Err(Failure::Timeout));
            }
            if open.pod != NO_POD {
                pods.push(open.pod);
            }
        }
        // Queued requests whose clients left give up their place (their outcome is counted
        // by their own source's timer).
        pods.sort_unstable();
        pods.dedup();
        self.drop_expired_at(ctx, pods);
        if !expired.is_empty() {
            // So do those queued at an external host (few hosts; held outside the cluster).
            for server in self.external_hosts.iter_mut().filter_map(|h| h.server.as_mut()) {
                server.drop_expired(now);
            }
        }
    }

    /// Queued requests past their deadline leave the queues of `pods` (sorted, each once):
    /// their clients have gone, and each one's outcome is counted by its own timer.
    pub(super) fn drop_expired_at(&mut self, ctx: &mut Context, pods: Vec<PodId>) {
        let now = ctx.kernel.now();
        for pod in pods {
            if let Some(ps) = self.server(pod) {
                let dropped = ps.server.drop_expired(now);
                let held = dropped.iter().filter(|r| RequestKind::of(r.id) == RequestKind::Source).count();
                ctx.metrics.traffic.held_changed(now, -(held as i64));
            }
        }
    }

    /// The serving container started: its app answers from `start + readyAfter`.
    pub(super) fn server_started(&mut self, ctx: &mut Context, pod: PodId, image: &str) {
        let now = ctx.kernel.now();
        let behavior = ctx.image(image);
        let config = ServerConfig { concurrency: behavior.concurrency, queue_capacity: behavior.queue as usize };
        let (service_time, ready_after, error_rate) =
            (behavior.service_time, behavior.ready_after, behavior.error_rate);
        let (has_calls, has_background) = (behavior.calls.is_some(), behavior.background.is_some());
        // Looked up only for an app that answers errors or calls others: most servers skip it.
        let behaviour = if error_rate <= 0.0 && !has_calls && !has_background {
            0
        } else {
            let caller = if has_calls || has_background { calls::caller_name(ctx, pod) } else { String::new() };
            match self.behaviour_index.get(&(image.to_string(), caller.clone())) {
                Some(&b) => b,
                None => {
                    let index = self.caller_entry(ctx, &caller, pod, image);
                    self.behaviours.push(Behaviour { image: image.to_string(), error_rate, caller: index });
                    let b = (self.behaviours.len() - 1) as u32;
                    self.behaviour_index.insert((image.to_string(), caller), b);
                    b
                }
            }
        };
        let times = &mut self.service_times;
        let index = times.iter().position(|t| *t == service_time).unwrap_or_else(|| {
            times.push(service_time);
            times.len() - 1
        });
        // Each server its own number: a job of the calls knows its request is still worked
        // while its pod's server carries the number the job was given.
        self.server_tags = self.server_tags.wrapping_add(1);
        let ps = PodServer {
            server: Server::new(config).with_tag(self.server_tags),
            answers_from: now + ready_after,
            hangs_at: SimTime::MAX,
            service_time: index as u32,
            behaviour,
        };
        if let Some(old) = self.server_slot(pod).replace(ps) {
            self.fail_held(ctx, old.server);
        }
        if let Some(caller) = self.behaviours[behaviour as usize].caller {
            self.calls.start_background(ctx, pod, caller);
        }
    }

    /// The serving container's app will hang at `at` (None: it will not).
    pub(super) fn server_hangs_at(&mut self, pod: PodId, at: Option<SimTime>) {
        if let Some(ps) = self.server(pod) {
            ps.hangs_at = at.unwrap_or(SimTime::MAX);
        }
    }

    /// SIGTERM: the app finishes what it holds and takes nothing new.
    pub(super) fn server_draining(&mut self, pod: PodId) {
        if let Some(ps) = self.server(pod) {
            ps.server.drain();
        }
    }

    /// The pod's node crashed: the app is gone without a word, so what it held ends as
    /// timeouts at the clients (its background tasks fail).
    pub(super) fn server_lost(&mut self, ctx: &mut Context, pod: PodId) {
        self.calls.stop_background(pod);
        if let Some(mut ps) = self.take_server(pod) {
            let now = ctx.kernel.now();
            let lost = ps.server.kill(now);
            let held = lost.iter().filter(|&&id| RequestKind::of(id) == RequestKind::Source).count();
            ctx.metrics.traffic.held_changed(now, -(held as i64));
            for id in lost.into_iter().filter(|&id| RequestKind::of(id) == RequestKind::Task) {
                self.task_over(ctx, id, Err(Failure::PodKilled));
            }
        }
    }

    /// The app exited or was killed: whatever it still holds fails.
    pub(super) fn server_stopped(&mut self, ctx: &mut Context, pod: PodId) {
        self.calls.stop_background(pod);
        if let Some(ps) = self.take_server(pod) {
            self.fail_held(ctx, ps.server);
        }
    }

    fn fail_held(&mut self, ctx: &mut Context, mut server: Server) {
        let now = ctx.kernel.now();
        let lost = server.kill(now);
        let held = lost.iter().filter(|&&id| RequestKind::of(id) == RequestKind::Source).count();
        ctx.metrics.traffic.held_changed(now, -(held as i64));
        for id in lost {
            match RequestKind::of(id) {
                RequestKind::Source => self.finish(ctx, id, None, Err(Failure::PodKilled)),
                RequestKind::Call => calls::fail_call(ctx, id, Failure::PodKilled),
                RequestKind::Task => self.task_over(ctx, id, Err(Failure::PodKilled)),
            }
        }
    }
}

/// What a window of open requests holds: each sent at a time, answered or not.
pub(super) trait OpenRequest {
    fn sent_at(&self) -> SimTime;
    fn done(&self) -> bool;
}

impl OpenRequest for Open {
    fn sent_at(&self) -> SimTime {
        self.sent_at
    }

    fn done(&self) -> bool {
        self.done
    }
}

/// A window of open requests of one timeout, in sending order (so in deadline order), the
/// first numbered `base_seq`: pops those past their deadline at `now` (returning the ones not
/// answered: they time out), then the answered ones at the front, which need no timer. Returns
/// when the window's timer fires next: the first open request's deadline, or a millisecond on
/// (`TIMER_STEP`); None when the window is empty.
pub(super) fn expire<T: OpenRequest>(
    window: &mut VecDeque<T>,
    base_seq: &mut u64,
    now: SimTime,
    timeout: SimDuration,
) -> (Vec<T>, Option<SimTime>) {
    let mut expired = Vec::new();
    while let Some(front) = window.front() {
        if front.sent_at() + timeout > now {
            break;
        }
        if let Some(open) = window.pop_front() {
            if !open.done() {
                expired.push(open);
            }
        }
        *base_seq += 1;
    }
    while window.front().is_some_and(|front| front.done()) {
        window.pop_front();
        *base_seq += 1;
    }
    let next = window.front().map(|front| (front.sent_at() + timeout).max(now + TIMER_STEP));
    (expired, next)
}

/// One more request answered with an error by `image` (a key allocated only at its first).
fn count_error(counts: &mut std::collections::BTreeMap<String, u64>, image: &str) {
    match counts.get_mut(image) {
        Some(n) => *n += 1,
        None => {
            counts.insert(image.to_string(), 1);
        }
    }
}

/// Asks the processor to bring `value`'s cache line in, without waiting for it.
#[inline(always)]
fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T1};
        // A prefetch is a hint: it reads nothing the program sees and cannot fault.
        unsafe { _mm_prefetch::<_MM_HINT_T1>((value as *const T).cast::<i8>()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

/// Resolves a source's target against the Services and Ingresses that exist now.
fn resolve(net: &Network, spec: &TrafficSpec) -> Resolved {
    match &spec.target {
        TrafficTarget::Service { namespace, name } => Resolved::Service(net.find_service(namespace, name)),
        TrafficTarget::Ingress { namespace, name } => {
            let Some(i) = net.find_ingress(namespace, name) else { return Resolved::NoRoute };
            let main = &net.ingresses[i].spec;
            let canaries = net.canaries(namespace);
            match route(main, &canaries, spec.host.as_deref(), &spec.path, &spec.canary) {
                Some(r) => Resolved::Ingress {
                    primary: net.find_service(namespace, &r.primary.service),
                    canary: r.canary.map(|(b, split)| (net.find_service(namespace, &b.service), split)),
                },
                None => Resolved::NoRoute,
            }
        }
    }
}
