//! One pod's server: a fixed number of workers and a bounded first-in, first-out queue.
//!
//! The server only knows its own requests and the times it is told; the caller owns the
//! clock, draws service times (from the Containers stream) and schedules a completion event
//! at each `done_at` it is given. Outcomes (success or failure) are counted by the caller,
//! once per request; the server says what happened to each request it holds.

use crate::engine::{SimDuration, SimTime};
use std::collections::VecDeque;

// Plain data, defined with the specs that hold it (model/spec/traffic.rs); its behaviour is here.
pub use crate::model::spec::DEFAULT_QUEUE_CAPACITY;

/// A request, as the caller numbers it.
pub type RequestId = u64;

/// What the server knows of a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request {
    pub id: RequestId,
    /// When the client sent it: latency is measured from here.
    pub sent_at: SimTime,
    /// When the client gives up (`SimTime::MAX` for never).
    pub deadline: SimTime,
}

/// How a server is sized.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServerConfig {
    /// Requests served at once (at least 1).
    pub concurrency: u32,
    /// Requests waiting for a worker before arrivals are refused (0: no queue at all).
    pub queue_capacity: usize,
}

/// What became of an arriving request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    /// A worker took it; schedule its completion at `done_at`.
    Started { done_at: SimTime },
    /// Every worker is busy; it waits in the queue.
    Queued,
    /// Refused: the request fails now.
    Rejected(Rejection),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rejection {
    /// Every worker busy and the queue full.
    QueueFull,
    /// The server is shutting down gracefully and takes no new work.
    Draining,
}

/// The result of a completion: the request that finished (the caller knows when it was sent
/// and its deadline), and the queued request that took its worker (schedule that one's
/// completion at its `done_at`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Completion {
    pub finished: RequestId,
    pub started: Option<(Request, SimTime)>,
}

#[derive(Clone, Copy, Debug)]
struct Waiting {
    request: Request,
    /// Drawn at arrival, so that the draws' order follows arrivals, not completions.
    service_time: SimDuration,
}

/// No request (an empty `Server::first`).
const NONE: RequestId = RequestId::MAX;

/// What a busy server keeps beyond its first request in flight.
#[derive(Clone, Debug, Default)]
struct Overflow {
    /// The requests in flight after `Server::first`, in the order they started.
    in_flight: Vec<RequestId>,
    queue: VecDeque<Waiting>,
}

/// One pod's server. Small (32 bytes), so that a pod's server and what the simulation keeps
/// beside it fit in one 64-byte cache line: a request arriving at a random pod of a large
/// cluster then costs one trip to memory for the pod, and the pods of a 150,000-pod cluster
/// take 10 MB, not 30. It keeps the ids of the requests in flight, not their times: the
/// caller has those.
#[derive(Clone, Debug)]
pub struct Server {
    /// The oldest request in flight (NONE when none): at low load the only one, so that a
    /// request touches the server's own memory only.
    first: RequestId,
    /// Allocated when a second request is in flight or one has to wait.
    overflow: Option<Box<Overflow>>,
    concurrency: u32,
    /// `ServerConfig::queue_capacity`, at most `u32::MAX` (more than a run can hold).
    queue_capacity: u32,
    draining: bool,
    /// The caller's number for this server (`with_tag`), so that the caller can tell whether
    /// a server is still the one it gave a request to (in what would be padding: no bigger).
    tag: u32,
}

impl Server {
    pub fn new(config: ServerConfig) -> Self {
        Server {
            first: NONE,
            // Grows as needed: a huge `concurrency` must not reserve memory up front.
            overflow: None,
            concurrency: config.concurrency.max(1),
            queue_capacity: u32::try_from(config.queue_capacity).unwrap_or(u32::MAX),
            draining: false,
            tag: 0,
        }
    }

    /// The same server, numbered `tag` by its caller.
    pub fn with_tag(mut self, tag: u32) -> Self {
        self.tag = tag;
        self
    }

    pub fn tag(&self) -> u32 {
        self.tag
    }

    pub fn config(&self) -> ServerConfig {
        ServerConfig { concurrency: self.concurrency, queue_capacity: self.queue_capacity as usize }
    }

    /// Requests being served now.
    pub fn in_flight(&self) -> usize {
        if self.first == NONE {
            return 0;
        }
        1 + self.overflow.as_ref().map_or(0, |o| o.in_flight.len())
    }

    /// Whether the server is shutting down gracefully (it takes nothing new).
    pub fn is_draining(&self) -> bool {
        self.draining
    }

    /// Whether a worker has the request `id` now (taken, not yet completed).
    pub fn is_serving(&self, id: RequestId) -> bool {
        id != NONE && (self.first == id || self.overflow.as_ref().is_some_and(|o| o.in_flight.contains(&id)))
    }

    /// Requests waiting for a worker.
    pub fn queued(&self) -> usize {
        self.overflow.as_ref().map_or(0, |o| o.queue.len())
    }

    /// Requests the server holds, served or waiting: the L of Little's law.
    pub fn in_system(&self) -> usize {
        self.in_flight() + self.queued()
    }

    /// Nothing in flight and nothing queued: a draining server may exit now.
    pub fn is_idle(&self) -> bool {
        self.in_system() == 0
    }

    /// A request reaches the server at `now`; `service_time` is how long it will take once
    /// a worker has it.
    pub fn arrive(&mut self, request: Request, now: SimTime, service_time: SimDuration) -> Admission {
        if self.draining {
            return Admission::Rejected(Rejection::Draining);
        }
        if self.has_free_worker() {
            return Admission::Started { done_at: self.start(request.id, now, service_time) };
        }
        if self.queued() < self.queue_capacity as usize {
            self.overflow.get_or_insert_default().queue.push_back(Waiting { request, service_time });
            return Admission::Queued;
        }
        Admission::Rejected(Rejection::QueueFull)
    }

    /// The request `id` finished at `now`: its worker takes the head of the queue. None when
    /// `id` is not in flight here (a stale event, e.g. after a kill), which changes nothing.
    pub fn complete(&mut self, id: RequestId, now: SimTime) -> Option<Completion> {
        if id == NONE {
            return None;
        }
        if self.first == id {
            self.first = match self.overflow.as_mut() {
                Some(o) if !o.in_flight.is_empty() => o.in_flight.remove(0),
                _ => NONE,
            };
        } else {
            let o = self.overflow.as_mut()?;
            let index = o.in_flight.iter().position(|&r| r == id)?;
            o.in_flight.remove(index);
        }
        let next = self.overflow.as_mut().and_then(|o| o.queue.pop_front());
        let started = next.map(|w| (w.request, self.start(w.request.id, now, w.service_time)));
        Some(Completion { finished: id, started })
    }

    /// The pod is killed at `now`: every request it holds fails. Returned in-flight first
    /// (in the order they started), then the queue in order. The server is left empty and
    /// not draining, as a restarted container's would be.
    pub fn kill(&mut self, _now: SimTime) -> Vec<RequestId> {
        let mut lost = Vec::new();
        if self.first != NONE {
            lost.push(std::mem::replace(&mut self.first, NONE));
        }
        if let Some(o) = self.overflow.as_mut() {
            lost.append(&mut o.in_flight);
            lost.extend(o.queue.drain(..).map(|w| w.request.id));
        }
        self.draining = false;
        lost
    }

    /// Graceful termination began (SIGTERM): refuse new requests, finish those in flight
    /// and those already queued (accepted connections). Kill it at the end of the grace
    /// period to fail whatever is left.
    pub fn drain(&mut self) {
        self.draining = true;
    }

    /// Drops queued requests whose deadline is at or before `now` (their clients have gone:
    /// serving them would be wasted work), returned in queue order. Requests in flight keep
    /// their worker until done, since a server does not notice a client leaving.
    pub fn drop_expired(&mut self, now: SimTime) -> Vec<Request> {
        let mut expired = Vec::new();
        let Some(o) = self.overflow.as_mut() else { return expired };
        o.queue.retain(|w| {
            let alive = w.request.deadline > now;
            if !alive {
                expired.push(w.request);
            }
            alive
        });
        expired
    }

    fn has_free_worker(&self) -> bool {
        self.in_flight() < self.concurrency as usize
    }

    fn start(&mut self, id: RequestId, now: SimTime, service_time: SimDuration) -> SimTime {
        debug_assert_ne!(id, NONE, "a request id the server keeps for none");
        if self.first == NONE {
            self.first = id;
        } else {
            self.overflow.get_or_insert_default().in_flight.push(id);
        }
        now + service_time
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{EventQueue, Purpose, Stream};
    use crate::traffic::arrivals::{ArrivalProcess, Arrivals, Rate, RateProfile};
    use crate::traffic::distribution::ServiceTime;

    fn ms(v: u64) -> SimTime {
        SimTime(v * 1_000)
    }

    fn request(id: RequestId, at: SimTime) -> Request {
        Request { id, sent_at: at, deadline: SimTime::MAX }
    }

    fn server(concurrency: u32, queue_capacity: usize) -> Server {
        Server::new(ServerConfig { concurrency, queue_capacity })
    }

    #[test]
    fn concurrency_one_at_10ms_under_arrivals_every_5ms_queues_then_rejects_half() {
        // One arrival each 5ms, one completion each 10ms: the queue grows by one every
        // 10ms until it holds 3, then every other arrival is refused. Completions at an
        // instant are handled before arrivals at that instant.
        let mut s = server(1, 3);
        let service = SimDuration::from_millis(10);
        let mut done: Option<(RequestId, SimTime)> = None;
        let mut rejected_at = Vec::new();
        let mut max_queue = 0;
        for k in 0..200u64 {
            let now = ms(5 * k);
            if let Some((id, at)) = done.filter(|&(_, at)| at <= now) {
                assert_eq!(at, now);
                done = s.complete(id, now).unwrap().started.map(|(r, at)| (r.id, at));
            }
            match s.arrive(request(k, now), now, service) {
                Admission::Started { done_at } => done = Some((k, done_at)),
                Admission::Queued => {}
                Admission::Rejected(why) => {
                    assert_eq!(why, Rejection::QueueFull);
                    rejected_at.push(now);
                }
            }
            max_queue = max_queue.max(s.queued());
        }
        assert_eq!(max_queue, 3);
        assert_eq!(rejected_at.first(), Some(&ms(35)));
        assert_eq!(rejected_at, (0..rejected_at.len() as u64).map(|i| ms(35 + 10 * i)).collect::<Vec<_>>());
        assert_eq!(rejected_at.len(), 97); // 35ms, 45ms, ... 995ms
    }

    #[test]
    fn completions_start_queued_requests_in_arrival_order() {
        let mut s = server(2, 10);
        let svc = SimDuration::from_millis(10);
        assert_eq!(s.arrive(request(1, ms(0)), ms(0), svc), Admission::Started { done_at: ms(10) });
        assert_eq!(s.arrive(request(2, ms(1)), ms(1), svc), Admission::Started { done_at: ms(11) });
        assert_eq!(s.arrive(request(3, ms(2)), ms(2), SimDuration::from_millis(3)), Admission::Queued);
        assert_eq!(s.arrive(request(4, ms(3)), ms(3), svc), Admission::Queued);
        let c = s.complete(1, ms(10)).unwrap();
        assert_eq!(c.finished, 1);
        assert_eq!(c.started, Some((request(3, ms(2)), ms(13)))); // its own 3ms, from 10ms
        assert_eq!(s.complete(1, ms(10)), None, "a second completion of the same request is stale");
        assert_eq!(s.complete(2, ms(11)).unwrap().started.map(|(r, _)| r.id), Some(4));
        assert_eq!((s.in_flight(), s.queued()), (2, 0));
    }

    #[test]
    fn completions_in_any_order_keep_the_others_in_flight_in_start_order() {
        let mut s = server(4, 2);
        let svc = SimDuration::from_millis(10);
        for id in 1..=6 {
            s.arrive(request(id, ms(id)), ms(id), svc);
        }
        assert_eq!((s.in_flight(), s.queued()), (4, 2));
        assert_eq!(s.complete(3, ms(20)).unwrap().started.map(|(r, _)| r.id), Some(5));
        assert_eq!(s.complete(1, ms(21)).unwrap().started.map(|(r, _)| r.id), Some(6));
        assert_eq!(s.complete(1, ms(22)), None, "stale");
        assert_eq!(s.complete(7, ms(22)), None, "never here");
        assert_eq!((s.in_flight(), s.queued()), (4, 0));
        assert_eq!(s.kill(ms(23)), vec![2, 4, 5, 6], "in the order they started");
        assert_eq!(s.in_flight(), 0);
        assert!(matches!(s.arrive(request(8, ms(24)), ms(24), svc), Admission::Started { .. }));
        assert_eq!(s.complete(8, ms(34)).map(|c| c.finished), Some(8));
        assert!(s.is_idle());
    }

    #[test]
    fn a_killed_pod_fails_everything_it_holds() {
        let mut s = server(1, 5);
        let svc = SimDuration::from_millis(10);
        for id in 0..3 {
            s.arrive(request(id, ms(id)), ms(id), svc);
        }
        let lost = s.kill(ms(4));
        assert_eq!(lost, vec![0, 1, 2]);
        assert!(s.is_idle());
        assert_eq!(s.complete(0, ms(10)), None, "the completion event of a killed request is stale");
    }

    #[test]
    fn a_draining_pod_refuses_new_requests_and_finishes_what_it_has() {
        let mut s = server(1, 5);
        let svc = SimDuration::from_millis(10);
        s.arrive(request(1, ms(0)), ms(0), svc);
        s.arrive(request(2, ms(1)), ms(1), svc);
        s.drain();
        assert_eq!(s.arrive(request(3, ms(2)), ms(2), svc), Admission::Rejected(Rejection::Draining));
        let next = s.complete(1, ms(10)).unwrap().started;
        assert_eq!(next, Some((request(2, ms(1)), ms(20))));
        assert!(!s.is_idle());
        assert!(s.complete(2, ms(20)).unwrap().started.is_none());
        assert!(s.is_idle(), "all finished: the pod can exit before its grace period ends");
    }

    #[test]
    fn queued_requests_past_their_deadline_are_dropped_and_in_flight_ones_kept() {
        let mut s = server(1, 5);
        let svc = SimDuration::from_millis(100);
        let with_deadline = |id, deadline| Request { id, sent_at: ms(0), deadline };
        s.arrive(with_deadline(1, ms(50)), ms(0), svc);
        s.arrive(with_deadline(2, ms(50)), ms(0), svc);
        s.arrive(with_deadline(3, ms(500)), ms(0), svc);
        s.arrive(with_deadline(4, ms(40)), ms(0), svc);
        let dropped: Vec<_> = s.drop_expired(ms(50)).iter().map(|r| r.id).collect();
        assert_eq!(dropped, vec![2, 4]);
        assert_eq!((s.in_flight(), s.queued()), (1, 1));
        assert_eq!(s.complete(1, ms(100)).unwrap().started.map(|(r, _)| r.id), Some(3));
    }

    #[test]
    fn zero_queue_capacity_refuses_as_soon_as_every_worker_is_busy() {
        let mut s = server(2, 0);
        let svc = SimDuration::from_millis(1);
        assert!(matches!(s.arrive(request(1, ms(0)), ms(0), svc), Admission::Started { .. }));
        assert!(matches!(s.arrive(request(2, ms(0)), ms(0), svc), Admission::Started { .. }));
        assert_eq!(s.arrive(request(3, ms(0)), ms(0), svc), Admission::Rejected(Rejection::QueueFull));
    }

    enum Event {
        Arrival,
        Done(RequestId),
    }

    /// Figures from one M/M/1 run.
    struct QueueRun {
        arrivals_per_sec: f64,
        mean_time_in_system_secs: f64,
        mean_in_system: f64,
    }

    /// A tiny event loop: Poisson arrivals at `lambda`, one worker, exponential service at
    /// `mu`, no queue bound, for `seconds` of virtual time.
    fn mm1(lambda: u64, mu: u64, seconds: u64, seed: u64) -> QueueRun {
        let arrivals = Arrivals::new(RateProfile::constant(Rate::per_sec(lambda)), ArrivalProcess::Poisson);
        let service = ServiceTime::exponential(SimDuration(1_000_000 / mu));
        let (mut traffic, mut containers) =
            (Stream::new(seed, Purpose::Traffic), Stream::new(seed, Purpose::Containers));
        let mut s = server(1, usize::MAX);
        let mut events = EventQueue::new();
        let end = SimTime(seconds * 1_000_000);
        let (mut now, mut next_id) = (SimTime::ZERO, 0);
        let (mut area, mut arrived, mut finished, mut total_latency) = (0u128, 0u64, 0u64, 0u128);
        let mut sent_at: Vec<SimTime> = vec![SimTime::ZERO]; // by request id (from 1)
        events.push(arrivals.next_arrival(now, &mut traffic).unwrap(), Event::Arrival);
        while let Some((t, event)) = events.pop() {
            if t >= end {
                break;
            }
            area += s.in_system() as u128 * (t - now).0 as u128;
            now = t;
            match event {
                Event::Arrival => {
                    arrived += 1;
                    next_id += 1;
                    sent_at.push(now);
                    let admission = s.arrive(request(next_id, now), now, service.sample(&mut containers));
                    if let Admission::Started { done_at } = admission {
                        events.push(done_at, Event::Done(next_id));
                    }
                    events.push(arrivals.next_arrival(now, &mut traffic).unwrap(), Event::Arrival);
                }
                Event::Done(id) => {
                    let c = s.complete(id, now).unwrap();
                    finished += 1;
                    total_latency += (now - sent_at[c.finished as usize]).0 as u128;
                    if let Some((next, done_at)) = c.started {
                        events.push(done_at, Event::Done(next.id));
                    }
                }
            }
        }
        area += s.in_system() as u128 * (end - now).0 as u128;
        QueueRun {
            arrivals_per_sec: arrived as f64 / seconds as f64,
            mean_time_in_system_secs: total_latency as f64 / finished as f64 / 1e6,
            mean_in_system: area as f64 / end.0 as f64,
        }
    }

    #[test]
    fn mm1_at_utilisation_half_matches_queueing_theory_and_littles_law() {
        // lambda 100/s, mu 200/s: W = 1 / (mu - lambda) = 10ms, L = rho / (1 - rho) = 1.
        let run = mm1(100, 200, 2_000, 42);
        let w = run.mean_time_in_system_secs;
        assert!((w - 0.010).abs() / 0.010 < 0.05, "mean time in system {:.3}ms, want 10ms", w * 1e3);
        assert!((run.mean_in_system - 1.0).abs() < 0.05, "mean number in system {:.3}, want 1", run.mean_in_system);
        let little = run.arrivals_per_sec * w;
        assert!(
            (run.mean_in_system - little).abs() / little < 0.05,
            "Little's law: L = {:.4} but lambda W = {little:.4}",
            run.mean_in_system
        );
    }

    #[test]
    fn same_seed_gives_the_same_queueing_run() {
        let (a, b) = (mm1(50, 80, 20, 7), mm1(50, 80, 20, 7));
        assert_eq!(a.mean_time_in_system_secs, b.mean_time_in_system_secs);
        assert_eq!(a.mean_in_system, b.mean_in_system);
    }
}
