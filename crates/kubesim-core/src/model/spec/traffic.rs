//! The `traffic:` section: where each source sends its requests, and how many.

use crate::engine::SimDuration;
use crate::traffic::{ArrivalProcess, RateProfile};

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
#[derive(Clone, Debug, PartialEq)]
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
    /// `canaryHeaderShare`: the share (0..=1) of requests carrying a canary header set to
    /// `always`, for Ingresses with `canary-by-header`.
    pub canary_header_share: f64,
}
