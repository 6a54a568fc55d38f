//! Traffic: requests that arrive, are routed to a pod, queue for a worker, and succeed or
//! fail. Pure and deterministic: no clock of its own (the caller passes `now`), no
//! randomness but the `Stream`s the caller passes in, integer microseconds for time.
//!
//! - [`arrivals`]: rate profiles (constant, steps, diurnal) and arrival processes
//!   (Poisson, constant); `Arrivals::next_arrival`.
//! - [`balancer`]: kube-proxy (iptables random, IPVS round robin), ingress-nginx round
//!   robin.
//! - [`ingress`]: ingress-nginx's routing by host and path; [`ingress::canary`], every
//!   rule of its canary Ingresses: the annotations, which Ingress is a canary of which, and
//!   the split of each request (by header share, then by weight).
//! - [`server`]: one pod's workers and bounded queue: arrive, complete, kill, drain.
//! - [`distribution`]: service times (fixed, exponential, lognormal from p50 / p99).
//! - [`external`]: a host outside the cluster (an ExternalName Service's): reachable or
//!   not, its answer's time and status (`ExternalHost::serve`).
//! - [`histogram`]: latencies in log-linear buckets, percentiles within 1%.
//! - [`latencies`]: a span's latencies as values while few, as a histogram beyond (the
//!   same percentiles either way).
//!
//! # How the simulation drives it
//!
//! Per traffic source (one `traffic:` entry) the simulation keeps an [`Arrivals`] and, per
//! Service or Ingress backend, a [`Balancer`]; per serving pod a [`Server`] (sized from the
//! image's `concurrency`, queue [`server::DEFAULT_QUEUE_CAPACITY`]); per Service a
//! [`Latencies`] for the run and one per sample interval.
//!
//! 1. At start, schedule `RequestArrival(source)` at `next_arrival(SimTime::ZERO, traffic)`.
//! 2. On `RequestArrival(source)` at `now`: schedule the next one at
//!    `next_arrival(now, traffic)` first (so arrivals never depend on what routing does),
//!    give the request an id and a deadline `now + timeout`, and schedule
//!    `RequestTimeout(id)` at the deadline.
//! 3. Route it. For an Ingress, `CanarySplit::choose` picks the backend Service; then that
//!    backend's `Balancer::pick` over its endpoints as the proxy currently sees them: the
//!    Ready, non-terminating pods, as of the last EndpointSlice change that has propagated
//!    (1s in kubesim). `None` (no endpoints) fails the request at once.
//! 4. `server.arrive(request, now, service_time.sample(containers))`: `Started { done_at }`
//!    schedules `RequestDone(pod, id)` at `done_at`; `Queued` waits; `Rejected` fails at
//!    once (queue full, or the pod is draining).
//! 5. On `RequestDone(pod, id)`: `server.complete(id, now)`; `None` means a stale event
//!    (the pod was killed) and is ignored. Otherwise record `now - sent_at` as a success
//!    unless the request already timed out, and schedule `RequestDone` for the request the
//!    completion started.
//! 6. On `RequestTimeout(id)`: if the request has no outcome yet, it fails; call
//!    `drop_expired(now)` on the server holding it so that it does not take a worker later.
//! 7. Pod lifecycle: deletion with a grace period calls `drain()` (and the endpoint goes
//!    away from the proxies after the propagation delay, so requests routed in between
//!    are refused as draining); the end of the grace period, a crash or node failure
//!    calls `kill(now)` and fails every request returned. A restarted container starts
//!    with an empty server.
//!
//! Every request is counted exactly once, success or failure, so the caller keeps one
//! outcome flag per request in flight (a `BTreeMap<RequestId, _>` or a slab by id).
//!
//! Streams: arrivals draw only from their own stream (Purpose::Traffic; ideally one per
//! source), routing from another, service times from Purpose::Containers: then two
//! variants of a sweep see the same arrivals even when their routing or pods differ.

pub mod arrivals;
pub mod balancer;
pub mod distribution;
pub mod external;
pub mod histogram;
pub mod ingress;
pub mod latencies;
pub mod server;

pub use arrivals::{ArrivalProcess, Arrivals, ProfileError, Rate, RateProfile, DEFAULT_DIURNAL_PERIOD};
pub use balancer::{Balancer, Balancing, EndpointId, ProxyMode};
pub use distribution::{DistributionError, LogNormal, ServiceTime};
pub use histogram::Histogram;
pub use ingress::canary::{Backend, CanarySplit};
pub use latencies::Latencies;
pub use server::{Admission, Completion, Rejection, Request, RequestId, Server, ServerConfig};
