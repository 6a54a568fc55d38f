//! The `externals:` section: hosts outside the cluster that ExternalName Services name, each
//! with its service time, network latency, availability and error answers. A host not listed
//! is always up and answers in 50ms (`ExternalHost::default`).

use super::config::service_time;
use super::diagnostic::Report;
use super::node::{describe, Node};
use super::positions::Anchor;
use super::suggest::did_you_mean;
use super::validate::{is_dns_subdomain, SUBDOMAIN_MSG};
use crate::engine::SimTime;
use crate::model::spec::{Action, ExternalHost, KubectlCommand, Object, ObjectSpec, TimelineEntry};
use std::collections::BTreeMap;

const KEYS: &[&str] = &["serviceTime", "latency", "errorRate", "availability", "down", "concurrency", "queue"];
const WINDOW_KEYS: &[&str] = &["from", "to"];

/// `externals: {HOST: {serviceTime: 80ms, down: [{from: 10m, to: 15m}], ...}}`, keyed by the
/// host's DNS name as an ExternalName Service's `spec.externalName` gives it.
pub(crate) fn externals(n: Option<Node>, r: &mut Report) -> BTreeMap<String, ExternalHost> {
    let mut out = BTreeMap::new();
    let Some(n) = n.filter(|n| !n.v.is_null()) else {
        return out;
    };
    if !n.v.is_mapping() {
        let msg = format!(
            "expected a mapping from an external host's DNS name to its behaviour, like `externals: {{api.example.com: {{serviceTime: 80ms}}}}`, found {}",
            describe(n.v)
        );
        n.error(r, msg, None);
        return out;
    }
    for (name, e) in n.entries(r) {
        let host = host_name(&name);
        if !is_dns_subdomain(&host) {
            let help =
                Some("a host name like `api.example.com`, as a Service's `spec.externalName` gives it".to_string());
            e.report(r, Anchor::Key, format!("Invalid value: \"{name}\": {SUBDOMAIN_MSG}"), help);
            continue;
        }
        if let Some(behavior) = external(&e, r) {
            out.insert(host, behavior);
        }
    }
    out
}

/// Warns of each `externals:` host that no ExternalName Service of the scenario names (its
/// objects, and what its timeline applies or creates) and no image's call names (`host:`):
/// most likely a typo, which would leave the host at the defaults.
pub(crate) fn warn_unnamed(
    n: Option<Node>,
    objects: &[Object],
    timeline: &[TimelineEntry],
    images: &BTreeMap<String, crate::model::spec::ImageBehavior>,
    r: &mut Report,
) {
    let Some(n) = n.filter(|n| n.v.is_mapping()) else { return };
    let from_timeline = timeline.iter().flat_map(|e| match &e.action {
        Action::Kubectl(KubectlCommand::Apply { objects } | KubectlCommand::Create { objects }) => objects.as_slice(),
        _ => &[],
    });
    let called = images.values().filter_map(|i| i.calls.as_deref()).flat_map(|plan| {
        plan.calls.iter().filter_map(|c| match &c.target {
            crate::model::spec::CallTarget::External { host } => Some(host.as_str()),
            crate::model::spec::CallTarget::Service { .. } => None,
        })
    });
    let named: Vec<&str> = objects
        .iter()
        .chain(from_timeline)
        .filter_map(|o| match &o.spec {
            ObjectSpec::Service { spec, .. } => spec.external_name.as_deref(),
            _ => None,
        })
        .chain(called)
        .collect();
    for (name, e) in n.entries(r) {
        let host = host_name(&name);
        if !is_dns_subdomain(&host) || named.contains(&host.as_str()) {
            continue;
        }
        let hint = did_you_mean(&host, named.iter().copied()).map_or(String::new(), |h| format!(" ({h})"));
        e.warn(r, format!("no ExternalName Service names the host \"{host}\", so this entry is not used{hint}"));
    }
}

/// A host's name as DNS compares it: a trailing dot (a fully qualified name) changes nothing.
/// Kubernetes' ValidateService checks `externalName` with the dot trimmed too.
pub(crate) fn host_name(name: &str) -> String {
    name.strip_suffix('.').unwrap_or(name).to_string()
}

fn external(e: &Node, r: &mut Report) -> Option<ExternalHost> {
    if !e.check_keys(r, KEYS, "an external host's behaviour") {
        return None;
    }
    let mut out = ExternalHost::default();
    if let Some(t) = e.get("serviceTime").and_then(|n| service_time(&n, r)) {
        out.service_time = t;
    }
    if let Some(d) = e.get("latency").and_then(|n| n.duration(r)) {
        out.latency = d;
    }
    for (key, field) in [("errorRate", &mut out.error_rate), ("availability", &mut out.availability)] {
        if let Some(n) = e.get(key) {
            match n.float(r) {
                Some(p) if (0.0..=1.0).contains(&p) => *field = p,
                Some(p) => n.error(r, format!("{p} is not a probability: expected a number from 0 to 1"), None),
                None => {}
            }
        }
    }
    for (key, field, what) in
        [("concurrency", &mut out.concurrency, "a concurrency"), ("queue", &mut out.queue, "a queue length")]
    {
        if let Some(n) = e.get(key) {
            match n.uint(r, what).map(u32::try_from) {
                Some(Ok(c)) if c >= 1 || key == "queue" => *field = Some(c),
                Some(Ok(_)) => n.error(r, "expected a concurrency of at least 1", None),
                Some(Err(_)) => n.error(r, format!("more than kubesim's limit of {}", u32::MAX), None),
                None => {}
            }
        }
    }
    if let (Some(n), None) = (e.get("queue"), out.concurrency) {
        let help = Some("add `concurrency: N`, or remove `queue`".to_string());
        n.report(r, Anchor::Key, "a queue needs a `concurrency`: without one every request is served at once", help);
    }
    if let Some(n) = e.get("down") {
        out.down = windows(&n, r);
    }
    Some(out)
}

/// `down: [{from: 10m, to: 15m}, ...]`: virtual times, each window `[from, to)`.
fn windows(n: &Node, r: &mut Report) -> Vec<(SimTime, SimTime)> {
    let mut out = Vec::new();
    if n.v.is_null() || !n.expect_seq(r, "outage windows like `[{from: 10m, to: 15m}]`") {
        return out;
    }
    for w in n.items() {
        if !w.v.is_mapping() {
            w.error(r, format!("expected a window like `{{from: 10m, to: 15m}}`, found {}", describe(w.v)), None);
            continue;
        }
        if !w.check_keys(r, WINDOW_KEYS, "an outage window") {
            continue;
        }
        let mut get = |k: &str| match w.get(k) {
            Some(x) => x.duration(r),
            None => {
                w.error(r, format!("{k}: Required value: a time of the run like `10m`"), None);
                None
            }
        };
        let (from, to) = (get("from"), get("to"));
        let (Some(from), Some(to)) = (from, to) else { continue };
        if to <= from {
            let at = w.get("to").unwrap_or_else(|| w.clone());
            at.error(r, format!("the window ends ({to}) before it starts ({from}): `to` must be after `from`"), None);
            continue;
        }
        out.push((SimTime::ZERO + from, SimTime::ZERO + to));
    }
    out
}
