//! Requests as users feel them: per Service, counts, errors and latency for the run and per
//! sample interval, and how long each Service had no endpoints.

use crate::engine::{SimDuration, SimTime};
use crate::traffic::Latencies;
use std::collections::BTreeMap;

/// Why a request failed, in the words of what a client sees.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Failure {
    /// The Ingress has no rule for the request and no default backend (404).
    NoRoute,
    /// The backend Service does not exist (ingress-nginx answers 503).
    NoService,
    /// The Service has no endpoints: the connection is refused at once.
    NoEndpoints,
    /// The chosen pod does not accept connections: its app is not up, has exited, or is
    /// shutting down (a stale endpoint the proxies still route to).
    ConnectionRefused,
    /// Every worker busy and the pod's queue full.
    QueueFull,
    /// The client gave up after its timeout.
    Timeout,
    /// The pod was killed (crash, SIGKILL at the grace period) while it held the request.
    PodKilled,
    /// The app served the request and answered with an error (HTTP 5xx: its image's
    /// `errorRate`).
    Http5xx,
    /// An ExternalName Service's external host could not be reached (its `down` windows or
    /// `availability` in the scenario's `externals:`).
    ExternalUnreachable,
    /// The app answered with an error because a call it needed failed (after its retries;
    /// the call's `onFailure: fail`).
    DependencyFailed,
    /// A call was not made: the request had passed through more calls in a chain than
    /// kubesim follows (a loop in the call graph).
    CallDepthExceeded,
}

impl Failure {
    pub const ALL: [Failure; 11] = [
        Failure::NoRoute,
        Failure::NoService,
        Failure::NoEndpoints,
        Failure::ConnectionRefused,
        Failure::QueueFull,
        Failure::Timeout,
        Failure::PodKilled,
        Failure::Http5xx,
        Failure::ExternalUnreachable,
        Failure::DependencyFailed,
        Failure::CallDepthExceeded,
    ];

    /// The key in summary.json's `requests_failed_by_reason`.
    pub fn key(self) -> &'static str {
        match self {
            Failure::NoRoute => "no_route",
            Failure::NoService => "no_service",
            Failure::NoEndpoints => "no_endpoints",
            Failure::ConnectionRefused => "connection_refused",
            Failure::QueueFull => "queue_full",
            Failure::Timeout => "timeout",
            Failure::PodKilled => "pod_killed",
            Failure::Http5xx => "http_5xx",
            Failure::ExternalUnreachable => "external_unreachable",
            Failure::DependencyFailed => "dependency_failed",
            Failure::CallDepthExceeded => "call_depth_exceeded",
        }
    }
}

/// Counts and latencies over some span.
#[derive(Clone, Debug, Default)]
pub struct RequestStats {
    pub requests: u64,
    pub errors: u64,
    /// Latency of the requests that succeeded.
    pub latency: Latencies,
}

impl RequestStats {
    pub(crate) fn success(&mut self, latency: SimDuration) {
        self.requests += 1;
        self.latency.record_duration(latency);
    }

    pub(crate) fn failure(&mut self) {
        self.requests += 1;
        self.errors += 1;
    }

    /// Starts a new interval, keeping the memory.
    pub fn reset(&mut self) {
        self.requests = 0;
        self.errors = 0;
        self.latency.clear();
    }

    pub fn p50_ms(&self) -> Option<f64> {
        self.latency.percentile_ms(50.0)
    }

    pub fn p99_ms(&self) -> Option<f64> {
        self.latency.percentile_ms(99.0)
    }
}

/// One Service's figures.
#[derive(Clone, Debug, Default)]
pub struct ServiceStats {
    /// `web`, or `ns:web` outside the default namespace.
    pub name: String,
    pub run: RequestStats,
    /// Since the last sample.
    pub interval: RequestStats,
    /// Time with zero endpoints after the Service first had one.
    pub unavailable: SimDuration,
    zero_since: Option<SimTime>,
    ever_available: bool,
    /// Endpoints as the EndpointSlice controller last wrote them.
    pub endpoints: usize,
}

/// Everything traffic-related observed in a run. Services are numbered as the simulation
/// numbers them (`service` arguments), in the order of `names` given at the start.
#[derive(Clone, Debug, Default)]
pub struct TrafficMetrics {
    pub services: Vec<ServiceStats>,
    /// Every request. Its latencies are complete only after `finish` (the Services' join it
    /// there).
    pub total: RequestStats,
    pub failures: BTreeMap<Failure, u64>,
    /// Per Service, requests and failures per second of completion over the last
    /// [`WINDOW_RETENTION`], kept only when the scenario has analysis templates (their
    /// queries ask for a Service's success rate over a window): (second, requests, failed).
    pub windows: Option<Vec<std::collections::VecDeque<(u64, u32, u32)>>>,
    /// Requests answered with an error (`errorRate`), by the image of the pod that answered:
    /// which version of an app is bad.
    pub errors_by_image: BTreeMap<String, u64>,
    /// Whether the scenario sends traffic at all (summary fields are absent otherwise).
    pub has_traffic: bool,
    /// Calls between Services and background tasks (`images:` `calls` and `background`).
    pub calls: super::calls::CallMetrics,
    /// Requests held by pods (served or queued): the L of Little's law.
    held: Occupancy,
}

/// How many things are in some place over time (requests held by pods, calls open on an
/// edge): the count now and its integral, for the time-average that is Little's L.
#[derive(Clone, Debug, Default)]
pub struct Occupancy {
    count: u64,
    /// The count's integral over time, in thing-microseconds, up to `since`.
    integral: u128,
    since: SimTime,
}

impl Occupancy {
    /// `delta` things came (positive) or left (negative) at `now`.
    pub fn change(&mut self, now: SimTime, delta: i64) {
        self.integral += u128::from(self.count) * u128::from(now.since(self.since).as_micros());
        self.since = now;
        self.count = self.count.saturating_add_signed(delta);
    }

    /// The time-average count from the start to `until`.
    pub fn mean(&self, until: SimTime) -> f64 {
        let integral = self.integral + u128::from(self.count) * u128::from(until.since(self.since).as_micros());
        if until.as_micros() == 0 {
            return 0.0;
        }
        integral as f64 / until.as_micros() as f64
    }
}

/// How far back the per-second counts for analysis go: the longest window a query can ask.
pub const WINDOW_RETENTION: SimDuration = SimDuration::from_secs(3600);

impl TrafficMetrics {
    /// Keeps per-second counts per Service for analysis queries.
    pub fn keep_windows(&mut self) {
        self.windows = Some(vec![std::collections::VecDeque::new(); self.services.len()]);
    }

    /// A request of `service` ended at `now` (`failed` or not): counted in its second.
    pub fn windowed(&mut self, service: Option<usize>, now: SimTime, failed: bool) {
        let Some(w) = self.windows.as_mut().and_then(|w| w.get_mut(service?)) else { return };
        let second = now.as_micros() / 1_000_000;
        match w.back_mut() {
            Some(last) if last.0 == second => {
                last.1 += 1;
                last.2 += u32::from(failed);
            }
            _ => w.push_back((second, 1, u32::from(failed))),
        }
        let oldest = second.saturating_sub(WINDOW_RETENTION.as_micros() / 1_000_000);
        while w.front().is_some_and(|f| f.0 < oldest) {
            w.pop_front();
        }
    }

    /// Requests of `service` that ended in the `window` up to `now` (whole seconds: those
    /// of the seconds that began after `now - window`), and how many failed.
    pub fn in_window(&self, service: usize, now: SimTime, window: SimDuration) -> (u64, u64) {
        let Some(w) = self.windows.as_ref().and_then(|w| w.get(service)) else { return (0, 0) };
        let from = now.as_micros().saturating_sub(window.as_micros()) / 1_000_000;
        let to = now.as_micros() / 1_000_000;
        w.iter()
            .rev()
            .take_while(|e| e.0 >= from)
            .filter(|e| e.0 <= to)
            .fold((0, 0), |(r, f), e| (r + u64::from(e.1), f + u64::from(e.2)))
    }

    /// `names`: the column name of every Service the run can have, in column order.
    pub fn new(names: &[String], has_traffic: bool) -> Self {
        TrafficMetrics {
            services: names.iter().map(|n| ServiceStats { name: n.clone(), ..ServiceStats::default() }).collect(),
            has_traffic,
            ..TrafficMetrics::default()
        }
    }

    /// A success. Its latency goes into one place only, the Service's interval list (folded
    /// into the run's histogram at each sample: the request writes next to the previous
    /// one, not into a cache-cold histogram, let alone three).
    pub fn success(&mut self, service: Option<usize>, latency: SimDuration) {
        match service.and_then(|s| self.services.get_mut(s)) {
            Some(s) => {
                self.total.requests += 1;
                s.run.requests += 1;
                s.interval.success(latency);
            }
            None => self.total.success(latency),
        }
    }

    /// Puts each interval's latencies in order, so that reading their percentiles for a
    /// sample copies nothing.
    pub fn sort_intervals(&mut self) {
        self.services.iter_mut().for_each(|s| s.interval.latency.sort());
        self.calls.sort_intervals();
    }

    /// Ends a sample interval: its latencies join the run's (in order: the run's histogram
    /// is then walked front to back), and it starts afresh.
    pub fn close_interval(&mut self) {
        for s in &mut self.services {
            if !s.interval.latency.is_empty() {
                s.interval.latency.sort();
                s.run.latency.merge(&s.interval.latency);
            }
            s.interval.reset();
        }
        self.calls.close_interval();
    }

    pub fn failure(&mut self, service: Option<usize>, why: Failure) {
        self.total.failure();
        *self.failures.entry(why).or_insert(0) += 1;
        if let Some(s) = service.and_then(|s| self.services.get_mut(s)) {
            s.run.failure();
            s.interval.failure();
        }
    }

    /// `delta` requests entered (positive) or left (negative) the pods' servers at `now`.
    pub fn held_changed(&mut self, now: SimTime, delta: i64) {
        self.held.change(now, delta);
    }

    /// The time-average number of requests held by pods from the start to `until`.
    pub fn mean_held(&self, until: SimTime) -> f64 {
        self.held.mean(until)
    }

    /// The EndpointSlice controller wrote `count` endpoints for `service` at `now`.
    pub fn endpoints_changed(&mut self, service: usize, count: usize, now: SimTime) {
        let Some(s) = self.services.get_mut(service) else { return };
        s.endpoints = count;
        match (count, s.zero_since) {
            (0, None) if s.ever_available => s.zero_since = Some(now),
            (n, Some(since)) if n > 0 => {
                s.unavailable = s.unavailable + now.since(since);
                s.zero_since = None;
            }
            _ => {}
        }
        s.ever_available |= count > 0;
    }

    /// Closes the last interval and the open spans without endpoints at the end of the run.
    pub fn finish(&mut self, end: SimTime) {
        self.close_interval();
        // The total's latencies are every Service's (and those of requests no Service took,
        // recorded there directly): merged once here rather than at every sample.
        for s in &self.services {
            self.total.latency.merge(&s.run.latency);
        }
        for s in &mut self.services {
            if let Some(since) = s.zero_since.take() {
                s.unavailable = s.unavailable + end.since(since);
            }
        }
    }

    /// Time without endpoints, summed over Services.
    pub fn unavailable(&self) -> SimDuration {
        SimDuration(self.services.iter().map(|s| s.unavailable.as_micros()).sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_request_counts_once_and_failures_keep_their_reason() {
        let mut m = TrafficMetrics::new(&["web".into()], true);
        m.success(Some(0), SimDuration::from_millis(12));
        m.failure(Some(0), Failure::NoEndpoints);
        m.failure(None, Failure::NoRoute);
        m.finish(SimTime::ZERO);
        assert_eq!((m.total.requests, m.total.errors), (3, 2));
        assert_eq!((m.services[0].run.requests, m.services[0].run.errors), (2, 1));
        assert_eq!(m.failures.get(&Failure::NoRoute), Some(&1));
        assert_eq!(m.services[0].run.p50_ms(), Some(12.0));
        assert_eq!(m.total.p50_ms(), Some(12.0), "the Services' latencies join the total at the end");
    }

    #[test]
    fn unavailable_time_counts_only_after_the_first_endpoint() {
        let mut m = TrafficMetrics::new(&["web".into()], true);
        let t = |s| SimTime::ZERO + SimDuration::from_secs(s);
        m.endpoints_changed(0, 0, t(0));
        m.endpoints_changed(0, 2, t(10));
        m.endpoints_changed(0, 0, t(20));
        m.endpoints_changed(0, 1, t(27));
        m.endpoints_changed(0, 0, t(50));
        m.finish(t(53));
        assert_eq!(m.unavailable(), SimDuration::from_secs(10));
    }
}
