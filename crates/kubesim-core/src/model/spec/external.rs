//! Hosts outside the cluster (the scenario's `externals:`): what an ExternalName Service's
//! `spec.externalName` names. Their behaviour (`serve`) is in `traffic/external.rs`.

use super::ServiceTime;
use crate::engine::{SimDuration, SimTime};

/// The service time of a host the scenario does not list (documented in the README).
pub const DEFAULT_EXTERNAL_SERVICE_TIME: SimDuration = SimDuration::from_millis(50);

/// How one external host behaves: `externals: {api.stripe.com: {...}}`.
#[derive(Clone, Debug, PartialEq)]
pub struct ExternalHost {
    /// `serviceTime`: how long the host takes to answer (default 50ms).
    pub service_time: ServiceTime,
    /// `latency`: the network's round trip between the cluster and the host, added to every
    /// answer (default 0).
    pub latency: SimDuration,
    /// `errorRate`: the share of answered requests that are HTTP 5xx (default 0).
    pub error_rate: f64,
    /// `availability`: the probability that a request reaches the host at all, outside the
    /// `down` windows (default 1).
    pub availability: f64,
    /// `down`: windows `[from, to)` of virtual time in which the host cannot be reached.
    pub down: Vec<(SimTime, SimTime)>,
    /// `concurrency`: requests the host serves at once, the rest waiting in its queue; None:
    /// unlimited, every request is a pure delay.
    pub concurrency: Option<u32>,
    /// `queue`: requests waiting for one of `concurrency` before new ones are refused (default
    /// unlimited); read only with a `concurrency`.
    pub queue: Option<u32>,
}

impl Default for ExternalHost {
    /// A host the scenario does not list: always up, answering in 50ms.
    fn default() -> Self {
        ExternalHost {
            service_time: ServiceTime::Fixed(DEFAULT_EXTERNAL_SERVICE_TIME),
            latency: SimDuration::ZERO,
            error_rate: 0.0,
            availability: 1.0,
            down: Vec::new(),
            concurrency: None,
            queue: None,
        }
    }
}
