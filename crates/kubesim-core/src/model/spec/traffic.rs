//! The `traffic:` section (where each source sends its requests, and how many) and the plain
//! data of the traffic engine that other specs hold: rates and their profiles, arrival
//! processes, service times, kube-proxy's mode, a server's default queue. Their behaviour
//! (rates over time, sampling, quantiles, balancing) is in the traffic engine (`traffic/`),
//! which re-exports them, so the model never depends on the engine.

use crate::engine::{SimDuration, SimTime};

/// Where a traffic source sends its requests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TrafficTarget {
    /// `service/NAME` (namespace `default` unless the source gives `namespace:`).
    Service { namespace: String, name: String },
    /// `ingress/NAME`: the Ingress's rules route by `host` and `path`; canary Ingresses
    /// for the same host and path split the traffic.
    Ingress { namespace: String, name: String },
}

/// One `traffic:` entry.
#[derive(Clone, PartialEq)]
pub struct TrafficSpec {
    pub target: TrafficTarget,
    /// Request path (default `/`).
    pub path: String,
    /// `Host` header; None matches rules without a host only.
    pub host: Option<String>,
    /// `rate: 200/s`, or `steps:` / `diurnal:`.
    pub rate: RateProfile,
    pub arrival: ArrivalProcess,
    /// The client gives up after this long (`timeout`, default 30s).
    pub timeout: SimDuration,
    /// What share of the requests carry the canary header and cookie, and their values.
    pub canary: CanaryRequests,
    /// `clients`: how many client addresses the requests come from, each request from one
    /// drawn at random (read only by Services with `sessionAffinity: ClientIP`; default 100).
    pub clients: u32,
}

/// The default number of clients of a traffic source.
pub const DEFAULT_CLIENTS: u32 = 100;

/// As `derive(Debug)` would print it, but without `clients` at its default: a sweep's hash
/// is taken over the scenario's Debug text.
impl std::fmt::Debug for TrafficSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("TrafficSpec");
        d.field("target", &self.target)
            .field("path", &self.path)
            .field("host", &self.host)
            .field("rate", &self.rate)
            .field("arrival", &self.arrival)
            .field("timeout", &self.timeout)
            .field("canary", &self.canary);
        if self.clients != DEFAULT_CLIENTS {
            d.field("clients", &self.clients);
        }
        d.finish()
    }
}

/// The canary header and cookie of a source's requests, for an ingress-nginx canary's
/// `canary-by-header` and `canary-by-cookie` rules: the header (whatever the canary Ingress
/// names) is on `header_share` of the requests with the value `header_value`, and
/// independently the cookie on `cookie_share` of them with `cookie_value`.
#[derive(Clone, Debug, PartialEq)]
pub struct CanaryRequests {
    /// `canaryHeaderShare` (0..=1, default 0).
    pub header_share: f64,
    /// `canaryHeaderValue` (default `always`).
    pub header_value: String,
    /// `canaryCookieShare` (0..=1, default 0).
    pub cookie_share: f64,
    /// `canaryCookieValue` (default `always`).
    pub cookie_value: String,
}

impl Default for CanaryRequests {
    fn default() -> Self {
        CanaryRequests {
            header_share: 0.0,
            header_value: "always".into(),
            cookie_share: 0.0,
            cookie_value: "always".into(),
        }
    }
}

/// A request rate, in nano-requests per second: `200/s` is exact, `1/m` and `1/h` are off by
/// less than 1e-6 of themselves, and the highest rate is about 1.8e10/s.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Rate(pub(crate) u64);

/// The request rate over time.
#[derive(Clone, Debug, PartialEq)]
pub enum RateProfile {
    /// Piecewise constant; a constant rate is one step at time zero.
    Steps(Steps),
    /// A sinusoid between trough and peak, at its trough at t = 0 and at its peak half a
    /// period later (a day that starts at midnight).
    Diurnal(Diurnal),
}

/// Steps of (at, rate), each held until the next; no traffic before the first.
#[derive(Clone, Debug, PartialEq)]
pub struct Steps {
    pub(crate) steps: Vec<(SimTime, Rate)>,
    /// Λ at each step's start, in nano-requests · µs / s (1e-15 requests).
    pub(crate) cumulative: Vec<u128>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Diurnal {
    pub(crate) peak: Rate,
    pub(crate) trough: Rate,
    pub(crate) period: SimDuration,
}

/// How arrivals are spread around the rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArrivalProcess {
    /// Independent arrivals: exponential gaps at a constant rate.
    Poisson,
    /// Evenly spaced at 1 / rate: one arrival each time Λ passes a whole number.
    Constant,
}

/// How long a pod takes to serve one request.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ServiceTime {
    /// Always the same time.
    Fixed(SimDuration),
    /// Memoryless, with this mean: the M in M/M/1.
    Exponential { mean: SimDuration },
    /// Long-tailed, as real services are; given by its median and 99th percentile.
    LogNormal(LogNormal),
}

/// A log-normal distribution described by the two figures people quote: p50 and p99.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LogNormal {
    pub(crate) p50: SimDuration,
    pub(crate) p99: SimDuration,
    /// ln of the median in microseconds.
    pub(crate) mu: f64,
    /// Spread in log space, from the ratio p99 / p50.
    pub(crate) sigma: f64,
}

/// How kube-proxy programs a Service.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ProxyMode {
    /// The default: iptables rules pick an endpoint uniformly at random per connection.
    #[default]
    Iptables,
    /// IPVS with its default scheduler, round robin.
    Ipvs,
}

/// nginx's default listen backlog on Linux: how many accepted-but-unserved connections a
/// server holds before new ones are refused.
pub const DEFAULT_QUEUE_CAPACITY: usize = 511;
