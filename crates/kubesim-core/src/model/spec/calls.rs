//! Call graphs: the calls a request served by an image makes to other Services (an image's
//! `calls:` in the scenario's `images:`), and an image's background work (`background:`).
//! What a manifest cannot say. Their behaviour is in `sim/calls.rs`.

use super::{ArrivalProcess, RateProfile};
use crate::engine::SimDuration;

/// What a call waits for at most, per attempt, when the scenario gives no `timeout`: Envoy's
/// route timeout default (`RouteAction.timeout`, 15 s).
pub const DEFAULT_CALL_TIMEOUT: SimDuration = SimDuration::from_secs(15);
/// The first retry's back-off ceiling when the scenario gives no `retryBackoff`: Envoy's
/// `RetryPolicy.retry_back_off.base_interval` default (25 ms); the ceiling doubles per retry up
/// to ten times the base (its `max_interval` default).
pub const DEFAULT_RETRY_BACKOFF: SimDuration = SimDuration::from_millis(25);
/// The most attempts one call may make (retries + 1), a bound on what one request can fan
/// out to.
pub const MAX_CALL_ATTEMPTS: u32 = 11;
/// The most calls one request may make in total (every stage's instances).
pub const MAX_CALLS_PER_REQUEST: usize = 1_000;

/// Whom a call goes to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallTarget {
    /// A Service by name (`service: redis`), in `namespace` or the caller pod's own.
    Service { namespace: Option<String>, name: String },
    /// A host outside the cluster (`host: api.stripe.com`), as the scenario's `externals:`
    /// describes it.
    External { host: String },
}

/// What the caller does when a call has failed after its retries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnFailure {
    /// `fail` (default): the caller stops and answers its own request with an error at once.
    Fail,
    /// `degrade`: the caller carries on without the answer and answers normally.
    Degrade,
}

/// Envoy's retry budget (`RetryBudget`): retries on an edge are allowed while the retries in
/// flight are fewer than `percent` of the calls in flight, or fewer than
/// `min_retry_concurrency` (envoy: source/common/upstream/resource_manager_impl.h,
/// `RetryBudgetImpl::canCreate`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RetryBudget {
    /// `percent` (default 20).
    pub percent: f64,
    /// `minRetryConcurrency` (default 3).
    pub min_retry_concurrency: u32,
}

impl Default for RetryBudget {
    fn default() -> Self {
        RetryBudget { percent: 20.0, min_retry_concurrency: 3 }
    }
}

/// One `calls:` entry.
#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    pub target: CallTarget,
    /// `port` (informational: the Service's endpoints are its pods whatever the port).
    pub port: Option<u16>,
    /// `count` (default 1): how many times the call is made; in turn in a sequence, at once in
    /// a `parallel` group.
    pub count: u32,
    /// `probability` (default 1): the chance that each of them is made at all.
    pub probability: f64,
    /// `timeout` (default 15s): how long one attempt waits for its answer.
    pub timeout: SimDuration,
    /// `retries` (default 0): attempts after the first when one fails (any failure: refused,
    /// no endpoints, timed out, a 5xx; Envoy's `retry_on: 5xx,reset,connect-failure`).
    pub retries: u32,
    /// `retryBackoff` (default 25ms): the base of the jittered exponential back-off.
    pub retry_backoff: SimDuration,
    /// `retryBudget`: None, no budget (only `retries` bounds them).
    pub retry_budget: Option<RetryBudget>,
    /// `onFailure` (default fail).
    pub on_failure: OnFailure,
    /// `path` (default `/`): the path the callee is asked for (which of its own calls it makes).
    pub path: String,
}

/// An image's calls, per request path: stages run one after the other, the calls of a stage
/// at once. Built from the scenario's list (every request makes it), or a mapping from a path
/// prefix to a list (a request makes the list of the longest prefix of its path; a request
/// matching none makes no call). In a list, an entry is a call (its `count` of them in turn)
/// or a `parallel:` group (every call of it, each its `count` times, at once).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct CallPlan {
    /// Every call entry, in the order written (parallel groups' members in place).
    pub calls: Vec<Call>,
    /// Per path prefix, longest first: its stages, each the indexes into `calls` of the calls
    /// it makes at once.
    pub routes: Vec<(String, Vec<Vec<u16>>)>,
}

impl CallPlan {
    /// The most calls one request can make on any path (before probabilities).
    pub fn max_calls(&self) -> usize {
        self.routes.iter().map(|(_, stages)| stages.iter().map(Vec::len).sum()).max().unwrap_or(0)
    }

    /// The route a request for `path` takes: the longest prefix that matches it.
    pub fn route(&self, path: &str) -> Option<usize> {
        self.routes.iter().position(|(prefix, _)| path_has_prefix(path, prefix))
    }
}

/// Whether `prefix` matches `path` element by element, as an Ingress's `Prefix` path does
/// (`/cart` matches `/cart` and `/cart/checkout`, not `/carts`; `/` matches every path).
pub fn path_has_prefix(path: &str, prefix: &str) -> bool {
    let prefix = prefix.trim_end_matches('/');
    path.strip_prefix(prefix).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// `background:`: work a pod of the image does without incoming requests (a queue worker
/// polling), each task a request to its own pod's workers that makes the image's calls.
#[derive(Clone, Debug, PartialEq)]
pub struct Background {
    /// `rate` per pod (`10/s`).
    pub rate: RateProfile,
    /// `arrival` (default poisson).
    pub arrival: ArrivalProcess,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prefix_matches_whole_path_elements_as_an_ingress_prefix_does() {
        assert!(path_has_prefix("/cart", "/cart"));
        assert!(path_has_prefix("/cart/checkout", "/cart"));
        assert!(path_has_prefix("/cart/checkout", "/cart/"));
        assert!(!path_has_prefix("/carts", "/cart"));
        assert!(path_has_prefix("/anything", "/"));
        assert!(path_has_prefix("/", "/"));
    }

    #[test]
    fn a_request_takes_the_route_of_its_longest_prefix() {
        let plan = CallPlan {
            calls: Vec::new(),
            routes: vec![("/cart/checkout".into(), vec![]), ("/cart".into(), vec![vec![0]]), ("/".into(), vec![])],
        };
        assert_eq!(plan.route("/cart/checkout/now"), Some(0));
        assert_eq!(plan.route("/cart"), Some(1));
        assert_eq!(plan.route("/product/1"), Some(2));
        let no_root = CallPlan { calls: Vec::new(), routes: vec![("/cart".into(), vec![])] };
        assert_eq!(no_root.route("/product"), None, "a path no prefix matches makes no call");
    }
}
