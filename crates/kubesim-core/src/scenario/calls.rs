//! An image's `calls:` and `background:` (the scenario's `images:`): the Services a request
//! it serves calls, and the work its pods do without requests.

use super::diagnostic::Report;
use super::node::{describe, Node};
use super::suggest::did_you_mean;
use super::validate::{is_dns_label, is_dns_subdomain};
use crate::engine::SimDuration;
use crate::model::spec::{
    Background, Call, CallPlan, CallTarget, OnFailure, RetryBudget, DEFAULT_CALL_TIMEOUT, DEFAULT_RETRY_BACKOFF,
    MAX_CALLS_PER_REQUEST, MAX_CALL_ATTEMPTS,
};
use std::sync::Arc;

const CALL_KEYS: &[&str] = &[
    "service",
    "namespace",
    "host",
    "port",
    "count",
    "probability",
    "timeout",
    "retries",
    "retryBackoff",
    "retryBudget",
    "onFailure",
    "path",
];
const BUDGET_KEYS: &[&str] = &["percent", "minRetryConcurrency"];
const CALL_HELP: &str =
    "a call is like `{service: redis, timeout: 1s, retries: 2}`, or `{parallel: [{service: a}, {service: b}]}`";
/// How many times one call entry may be made per request.
const MAX_COUNT: u64 = 100;

/// `calls: [...]` (every request), or `calls: {PATH: [...]}` (by the request's path): each
/// list's entries a call or a `parallel:` group, run in order.
pub(crate) fn calls(n: &Node, r: &mut Report) -> Option<Arc<CallPlan>> {
    let mut plan = CallPlan::default();
    let mut ok = true;
    if n.v.is_mapping() {
        for (prefix, list) in n.entries(r) {
            if !prefix.starts_with('/') {
                list.report(
                    r,
                    super::positions::Anchor::Key,
                    format!("invalid path \"{prefix}\": a path prefix starts with `/`"),
                    None,
                );
                ok = false;
                continue;
            }
            match stages(&list, &mut plan, r) {
                Some(stages) => plan.routes.push((prefix, stages)),
                None => ok = false,
            }
        }
        // Longest prefix first, so that the first match is the longest (stable for equal lengths).
        plan.routes.sort_by_key(|(prefix, _)| std::cmp::Reverse(prefix.trim_end_matches('/').len()));
    } else {
        match stages(n, &mut plan, r) {
            Some(stages) => plan.routes.push(("/".to_string(), stages)),
            None => ok = false,
        }
    }
    if plan.max_calls() > MAX_CALLS_PER_REQUEST {
        let msg = format!(
            "these calls make up to {} calls per request, more than kubesim's limit of {MAX_CALLS_PER_REQUEST}",
            plan.max_calls()
        );
        n.error(r, msg, Some("lower the `count`s".into()));
        return None;
    }
    (ok && !plan.calls.is_empty()).then(|| Arc::new(plan))
}

/// One list of calls: its stages, the calls added to `plan.calls`.
fn stages(n: &Node, plan: &mut CallPlan, r: &mut Report) -> Option<Vec<Vec<u16>>> {
    if !n.expect_seq(r, "calls") {
        return None;
    }
    let mut stages: Vec<Vec<u16>> = Vec::new();
    let mut ok = true;
    for item in n.items() {
        if plan.calls.len() >= usize::from(u16::MAX) {
            item.error(r, "more calls than kubesim's limit of 65535 entries per image", None);
            return None;
        }
        if let Some(group) = item.get("parallel") {
            if !item.check_keys(r, &["parallel"], "a parallel group") || !group.expect_seq(r, "a parallel group") {
                ok = false;
                continue;
            }
            if group.items().is_empty() {
                group.error(r, "a parallel group needs at least one call", Some(CALL_HELP.into()));
                ok = false;
                continue;
            }
            let mut stage = Vec::new();
            for member in group.items() {
                match call(&member, r) {
                    Some(c) => {
                        let index = plan.calls.len() as u16;
                        stage.extend(std::iter::repeat_n(index, c.count as usize));
                        plan.calls.push(c);
                    }
                    None => ok = false,
                }
            }
            stages.push(stage);
            continue;
        }
        match call(&item, r) {
            Some(c) => {
                let index = plan.calls.len() as u16;
                stages.extend((0..c.count).map(|_| vec![index]));
                plan.calls.push(c);
            }
            None => ok = false,
        }
    }
    ok.then_some(stages)
}

fn call(n: &Node, r: &mut Report) -> Option<Call> {
    if !n.v.is_mapping() {
        n.error(r, format!("expected a call, found {}", describe(n.v)), Some(CALL_HELP.into()));
        return None;
    }
    if !n.check_keys(r, CALL_KEYS, "a call") {
        return None;
    }
    let target = match (n.get("service"), n.get("host")) {
        (Some(s), None) => {
            let name = s.string(r)?;
            if !is_dns_label(&name) {
                s.error(r, format!("Invalid value: \"{name}\": a Service's name must be a DNS label (lowercase letters, digits and '-')"), None);
                return None;
            }
            let namespace = match n.get("namespace") {
                Some(ns) => {
                    let v = ns.string(r)?;
                    if !is_dns_label(&v) {
                        ns.error(r, format!("Invalid value: \"{v}\": a namespace must be a DNS label"), None);
                        return None;
                    }
                    Some(v)
                }
                None => None,
            };
            CallTarget::Service { namespace, name }
        }
        (None, Some(h)) => {
            let host = h.string(r)?;
            let host = host.strip_suffix('.').unwrap_or(&host).to_string();
            if !is_dns_subdomain(&host) {
                h.error(r, format!("Invalid value: \"{host}\": expected a host name like api.example.com"), None);
                return None;
            }
            if let Some(ns) = n.get("namespace") {
                ns.error(r, "`namespace` goes with `service`, not with `host`", None);
                return None;
            }
            CallTarget::External { host }
        }
        (Some(_), Some(h)) => {
            h.error(r, "a call names a `service` or a `host`, not both", None);
            return None;
        }
        (None, None) => {
            n.error(
                r,
                "service: Required value: the Service called (or `host:` for an external host)",
                Some(CALL_HELP.into()),
            );
            return None;
        }
    };
    let port = match n.get("port") {
        None => None,
        Some(p) => match p.uint(r, "a port number").map(u16::try_from) {
            Some(Ok(port @ 1..)) => Some(port),
            Some(_) => {
                p.error(r, "Invalid value: must be between 1 and 65535, inclusive", None);
                return None;
            }
            None => return None,
        },
    };
    let count = match n.get("count") {
        None => 1,
        Some(c) => match c.uint(r, "a count")? {
            v @ 1..=MAX_COUNT => v as u32,
            v => {
                c.error(r, format!("count {v}: expected from 1 to {MAX_COUNT}"), None);
                return None;
            }
        },
    };
    let probability = match n.get("probability") {
        None => 1.0,
        Some(p) => match p.float(r)? {
            v if (0.0..=1.0).contains(&v) => v,
            v => {
                p.error(r, format!("{v} is not a probability: expected a number from 0 to 1"), None);
                return None;
            }
        },
    };
    let positive = |key: &str, default: SimDuration, r: &mut Report| match n.get(key) {
        None => Some(default),
        Some(d) => d.duration(r).and_then(|v| {
            if v == SimDuration::ZERO {
                d.error(r, format!("{key} must be more than 0"), None);
                None
            } else {
                Some(v)
            }
        }),
    };
    let timeout = positive("timeout", DEFAULT_CALL_TIMEOUT, r)?;
    let retry_backoff = positive("retryBackoff", DEFAULT_RETRY_BACKOFF, r)?;
    let retries = match n.get("retries") {
        None => 0,
        Some(x) => match x.uint(r, "a number of retries")? {
            v if v < u64::from(MAX_CALL_ATTEMPTS) => v as u32,
            v => {
                x.error(r, format!("{v} retries: expected at most {}", MAX_CALL_ATTEMPTS - 1), None);
                return None;
            }
        },
    };
    let retry_budget = match n.get("retryBudget") {
        None => None,
        Some(b) => Some(retry_budget(&b, r)?),
    };
    let on_failure = match n.get("onFailure") {
        None => OnFailure::Fail,
        Some(o) => match o.string(r)?.as_str() {
            "fail" => OnFailure::Fail,
            "degrade" => OnFailure::Degrade,
            other => {
                let msg = format!("onFailure: Unsupported value: \"{other}\": supported values: \"degrade\", \"fail\"");
                o.error(r, msg, did_you_mean(other, ["fail", "degrade"]));
                return None;
            }
        },
    };
    let path = match n.get("path") {
        None => "/".to_string(),
        Some(p) => {
            let path = p.string(r)?;
            if !path.starts_with('/') {
                p.error(r, format!("invalid path \"{path}\": must be an absolute path (start with `/`)"), None);
                return None;
            }
            path
        }
    };
    Some(Call { target, port, count, probability, timeout, retries, retry_backoff, retry_budget, on_failure, path })
}

fn retry_budget(n: &Node, r: &mut Report) -> Option<RetryBudget> {
    if !n.v.is_mapping() {
        n.error(
            r,
            format!("expected a retry budget, found {}", describe(n.v)),
            Some("like `retryBudget: {percent: 20, minRetryConcurrency: 3}`".into()),
        );
        return None;
    }
    if !n.check_keys(r, BUDGET_KEYS, "a retry budget") {
        return None;
    }
    let mut budget = RetryBudget::default();
    if let Some(p) = n.get("percent") {
        match p.float(r)? {
            v if (0.0..=100.0).contains(&v) => budget.percent = v,
            v => {
                p.error(r, format!("{v} is not a percentage: expected a number from 0 to 100"), None);
                return None;
            }
        }
    }
    if let Some(m) = n.get("minRetryConcurrency") {
        match m.uint(r, "a number of retries").map(u32::try_from)? {
            Ok(v) => budget.min_retry_concurrency = v,
            Err(_) => {
                m.error(r, "expected at most 4294967295", None);
                return None;
            }
        }
    }
    Some(budget)
}

/// `background: {rate: 10/s, arrival: poisson}`.
pub(crate) fn background(n: &Node, r: &mut Report) -> Option<Background> {
    if !n.v.is_mapping() {
        n.error(
            r,
            format!("expected background work, found {}", describe(n.v)),
            Some("like `background: {rate: 10/s}` (per pod)".into()),
        );
        return None;
    }
    if !n.check_keys(r, &["rate", "arrival"], "background work") {
        return None;
    }
    let rate = match n.get("rate") {
        Some(x) => super::traffic::rate_profile(&x, r),
        None => {
            n.error(r, "rate: Required value: how many tasks each pod runs, like `rate: 10/s`", None);
            None
        }
    };
    let arrival = match n.get("arrival") {
        None => Some(crate::model::spec::ArrivalProcess::Poisson),
        Some(a) => super::traffic::arrival_process(&a, r),
    };
    Some(Background { rate: rate?, arrival: arrival? })
}
