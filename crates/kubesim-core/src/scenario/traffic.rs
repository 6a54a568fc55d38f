//! The `traffic:` section: sources of requests to Services and Ingresses.

use super::diagnostic::Report;
use super::limits;
use super::node::{describe, Node};
use super::registry::Registry;
use super::suggest::did_you_mean;
use crate::engine::{SimDuration, SimTime};
use crate::model::spec::{CanaryRequests, Kind, TrafficSpec, TrafficTarget};
use crate::traffic::{ArrivalProcess, Rate, RateProfile, DEFAULT_DIURNAL_PERIOD};
use serde_yaml::Value;

const KEYS: &[&str] = &[
    "target",
    "namespace",
    "path",
    "host",
    "rate",
    "arrival",
    "timeout",
    "canaryHeaderShare",
    "canaryHeaderValue",
    "canaryCookieShare",
    "canaryCookieValue",
    "clients",
];
const RATE_HELP: &str = "a rate is requests per second, minute or hour, like 200/s, 1200/m or 0.5/s; or a mapping with `steps` or `diurnal`";
/// The highest rate a source may ask for.
const MAX_RATE_PER_SEC: u64 = 1_000_000_000;

/// The `traffic:` entries, in file order; targets are checked against every Service and
/// Ingress the scenario ever has.
pub(crate) fn traffic(t: Option<Node>, reg: &Registry, duration: SimDuration, r: &mut Report) -> Vec<TrafficSpec> {
    let Some(t) = t.filter(|t| !t.v.is_null()) else {
        return Vec::new();
    };
    if !t.expect_seq(r, "traffic sources") {
        return Vec::new();
    }
    let mut total = 0.0;
    let mut out = Vec::new();
    for e in t.items() {
        let Some(spec) = entry(&e, reg, r) else { continue };
        if within_limits(&e, &spec, duration, &mut total, r) {
            out.push(spec);
        }
    }
    out
}

/// The caps on a source's open-request window (peak rate x timeout) and on the requests of
/// all sources over the run; false (with the error) when `spec` goes over one.
fn within_limits(e: &Node, spec: &TrafficSpec, duration: SimDuration, total: &mut f64, r: &mut Report) -> bool {
    let at = |key: &str| e.get(key).unwrap_or_else(|| e.clone());
    let peak = spec.rate.max_rate().as_per_sec_f64();
    let open = peak * spec.timeout.as_micros() as f64 / 1e6;
    if open > limits::MAX_OPEN_REQUESTS {
        let msg = format!(
            "a peak rate of {peak}/s with a timeout of {} can hold {open:.0} requests open at once, more than \
             kubesim's limit of {} open requests per source",
            spec.timeout,
            limits::MAX_OPEN_REQUESTS
        );
        let where_ = if e.get("timeout").is_some() { "timeout" } else { "rate" };
        at(where_).error(r, msg, Some("lower the rate or the timeout".into()));
        return false;
    }
    *total += spec.rate.expected_between(SimTime::ZERO, SimTime::ZERO + duration);
    if *total > limits::MAX_REQUESTS {
        let msg = format!(
            "the traffic sources send about {:.0} requests over the run's {duration}, more than kubesim's \
             limit of {} requests",
            *total,
            limits::MAX_REQUESTS
        );
        at("rate").error(r, msg, Some("lower the rates or shorten `duration`".into()));
        return false;
    }
    true
}

fn entry(e: &Node, reg: &Registry, r: &mut Report) -> Option<TrafficSpec> {
    if e.v.is_null() || !e.check_keys(r, KEYS, "a traffic source") {
        if e.v.is_null() {
            e.error(r, "expected a traffic source (a mapping with `target` and `rate`)", None);
        }
        return None;
    }
    let namespace = match e.get("namespace") {
        Some(n) => {
            let ns = n.string(r)?;
            if !reg.namespace_exists(&ns) {
                n.error(r, format!("namespaces \"{ns}\" not found"), None);
                return None;
            }
            ns
        }
        None => "default".to_string(),
    };
    let target = match e.get("target") {
        Some(n) => target(&n, &namespace, reg, r),
        None => {
            e.error(r, "target: Required value: where requests go, like `target: service/web` or `ingress/web`", None);
            None
        }
    };
    let rate = match e.get("rate") {
        Some(n) => rate_profile(&n, r),
        None => {
            e.error(r, "rate: Required value: how many requests, like `rate: 200/s`", None);
            None
        }
    };
    let path = match e.get("path") {
        None => Some("/".to_string()),
        Some(n) => n.string(r).and_then(|p| {
            if p.starts_with('/') {
                Some(p)
            } else {
                n.error(r, format!("invalid path \"{p}\": must be an absolute path (start with `/`)"), None);
                None
            }
        }),
    };
    let host = match e.get("host") {
        None => Some(None),
        Some(n) => n.string(r).and_then(|h| {
            if super::validate::is_dns_subdomain(&h) {
                Some(Some(h))
            } else {
                n.error(r, format!("invalid host \"{h}\": expected a DNS name like shop.example.com"), None);
                None
            }
        }),
    };
    let arrival = match e.get("arrival") {
        None => Some(ArrivalProcess::Poisson),
        Some(n) => arrival_process(&n, r),
    };
    let timeout = match e.get("timeout") {
        None => Some(SimDuration::from_secs(30)),
        Some(n) => n.duration(r).and_then(|d| {
            if d == SimDuration::ZERO {
                n.error(r, "the timeout must be more than 0", None);
                None
            } else {
                Some(d)
            }
        }),
    };
    let share = |key: &str, r: &mut Report| match e.get(key) {
        None => Some(0.0),
        Some(n) => n.float(r).and_then(|p| {
            if (0.0..=1.0).contains(&p) {
                Some(p)
            } else {
                n.error(r, format!("{p} is not a share: expected a number from 0 to 1"), None);
                None
            }
        }),
    };
    let header_share = share("canaryHeaderShare", r);
    let cookie_share = share("canaryCookieShare", r);
    let value = |key: &str, r: &mut Report| match e.get(key) {
        None => Some("always".to_string()),
        Some(n) => n.string(r),
    };
    let clients = match e.get("clients") {
        None => Some(crate::model::spec::DEFAULT_CLIENTS),
        Some(n) => n.uint(r, "a number of clients").and_then(|c| match u32::try_from(c) {
            Ok(c) if (1..=1_000_000).contains(&c) => Some(c),
            _ => {
                n.error(r, format!("{c} clients: expected from 1 to 1000000"), None);
                None
            }
        }),
    };
    let header_value = value("canaryHeaderValue", r);
    let cookie_value = value("canaryCookieValue", r);
    Some(TrafficSpec {
        target: target?,
        path: path?,
        host: host?,
        rate: rate?,
        arrival: arrival?,
        timeout: timeout?,
        canary: CanaryRequests {
            header_share: header_share?,
            header_value: header_value?,
            cookie_share: cookie_share?,
            cookie_value: cookie_value?,
        },
        clients: clients?,
    })
}

fn target(n: &Node, namespace: &str, reg: &Registry, r: &mut Report) -> Option<TrafficTarget> {
    let text = n.string(r)?;
    let parsed = text.split_once('/').and_then(|(k, name)| {
        let kind = match k {
            "service" | "services" | "svc" => Kind::Service,
            "ingress" | "ingresses" | "ing" => Kind::Ingress,
            _ => return None,
        };
        (!name.is_empty() && !name.contains('/')).then_some((kind, name))
    });
    let Some((kind, name)) = parsed else {
        let help =
            "traffic goes to a Service or an Ingress: `service/NAME` (or `svc/NAME`), `ingress/NAME` (or `ing/NAME`)";
        n.error(r, format!("invalid target \"{text}\""), Some(help.into()));
        return None;
    };
    let id = crate::model::spec::ObjectRef { kind, namespace: namespace.to_string(), name: name.to_string() };
    if !reg.ever.contains(&id) {
        let what = if kind == Kind::Service { "Service" } else { "Ingress" };
        let names = reg.names_ever(kind, namespace);
        let ns = if namespace == "default" { String::new() } else { format!(" in namespace {namespace}") };
        let help = did_you_mean(name, names.iter().copied())
            .or_else(|| (!names.is_empty()).then(|| format!("the scenario's {}s{ns}: {}", what, names.join(", "))));
        n.error(
            r,
            format!("traffic target {}/{name}: no {what} named {name}{ns} in the scenario", kind.resource()),
            help,
        );
        return None;
    }
    let (namespace, name) = (namespace.to_string(), name.to_string());
    Some(match kind {
        Kind::Service => TrafficTarget::Service { namespace, name },
        _ => TrafficTarget::Ingress { namespace, name },
    })
}

/// `200/s`, or `{steps: [...]}`, or `{diurnal: {...}}`.
pub(crate) fn rate_profile(n: &Node, r: &mut Report) -> Option<RateProfile> {
    if !n.v.is_mapping() {
        return rate(n, r).map(RateProfile::constant);
    }
    if !n.check_keys(r, &["steps", "diurnal"], "a rate profile") {
        return None;
    }
    match (n.get("steps"), n.get("diurnal")) {
        (Some(_), Some(_)) => {
            n.error(r, "a rate profile is `steps` or `diurnal`, not both", None);
            None
        }
        (None, None) => {
            n.error(r, "expected `steps` or `diurnal` in a rate profile", Some(RATE_HELP.into()));
            None
        }
        (Some(s), None) => steps(&s, r),
        (None, Some(d)) => diurnal(&d, r),
    }
}

fn steps(s: &Node, r: &mut Report) -> Option<RateProfile> {
    if !s.expect_seq(r, "rate steps") {
        return None;
    }
    let items = s.items();
    if items.is_empty() {
        s.error(r, "expected at least one step, like `- {at: 0s, rate: 100/s}`", None);
        return None;
    }
    let mut out = Vec::new();
    let mut ok = true;
    for item in items {
        if !item.check_keys(r, &["at", "rate"], "a rate step") {
            ok = false;
            continue;
        }
        let at = match item.get("at") {
            Some(a) => a.duration(r),
            None => {
                item.error(r, "at: Required value: when the rate starts, like `at: 5m`", None);
                None
            }
        };
        let rate = match item.get("rate") {
            Some(x) => rate(&x, r),
            None => {
                item.error(r, "rate: Required value: like `rate: 300/s`", None);
                None
            }
        };
        match (at, rate) {
            (Some(at), Some(rate)) => out.push((SimTime::ZERO + at, rate)),
            _ => ok = false,
        }
    }
    ok.then(|| RateProfile::steps(out))
}

fn diurnal(d: &Node, r: &mut Report) -> Option<RateProfile> {
    if !d.check_keys(r, &["peak", "trough", "period"], "a diurnal profile") {
        return None;
    }
    if !d.v.is_mapping() {
        d.error(r, "expected a mapping with `peak`, `trough` and `period`", None);
        return None;
    }
    let get = |k: &str, r: &mut Report| match d.get(k) {
        Some(x) => rate(&x, r),
        None => {
            d.error(r, format!("{k}: Required value: a rate like 300/s"), None);
            None
        }
    };
    let peak = get("peak", r);
    let trough = get("trough", r);
    let period = match d.get("period") {
        None => Some(DEFAULT_DIURNAL_PERIOD),
        Some(p) => p.duration(r),
    };
    let (peak, trough, period) = (peak?, trough?, period?);
    match RateProfile::diurnal(peak, trough, period) {
        Ok(p) => Some(p),
        Err(e) => {
            let at = match e {
                crate::traffic::ProfileError::ZeroPeriod => d.get("period").unwrap_or_else(|| d.clone()),
                _ => d.get("trough").unwrap_or_else(|| d.clone()),
            };
            at.error(r, e, None);
            None
        }
    }
}

/// `N/s`, `N/m`, `N/h` (N may have decimals).
fn rate(n: &Node, r: &mut Report) -> Option<Rate> {
    let text = match n.v {
        Value::String(s) => s.clone(),
        Value::Number(x) => {
            n.error(
                r,
                format!("invalid rate {x}: a rate needs a unit"),
                Some(format!("write `{x}/s`, `{x}/m` or `{x}/h`")),
            );
            return None;
        }
        other => {
            n.error(r, format!("expected a rate like 200/s, found {}", describe(other)), Some(RATE_HELP.into()));
            return None;
        }
    };
    match parse_rate(&text) {
        Ok(rate) => Some(rate),
        Err(e) => {
            n.error(r, e, Some(RATE_HELP.into()));
            None
        }
    }
}

/// Parses `200/s`, `1200/m`, `10/h`, `0.5/s` (also `/sec`, `/min`, `/hour`).
pub(crate) fn parse_rate(text: &str) -> Result<Rate, String> {
    let invalid = || format!("invalid rate \"{text}\"");
    let (num, unit) = text.trim().split_once('/').ok_or_else(invalid)?;
    let unit_secs: u64 = match unit.trim() {
        "s" | "sec" | "second" => 1,
        "m" | "min" | "minute" => 60,
        "h" | "hour" => 3600,
        _ => return Err(invalid()),
    };
    let num = num.trim();
    let (int, frac) = num.split_once('.').unwrap_or((num, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (int.is_empty() && frac.is_empty()) || !digits(int) || !digits(frac) || frac.len() > 9 {
        return Err(invalid());
    }
    let mantissa: u64 = format!("{int}{frac}").parse().map_err(|_| invalid())?;
    let scale = 10u64.pow(frac.len() as u32);
    // mantissa / (scale * unit_secs) requests per second.
    if mantissa / scale / unit_secs > MAX_RATE_PER_SEC {
        return Err(format!("rate \"{text}\" is more than kubesim's limit of {MAX_RATE_PER_SEC}/s"));
    }
    // At most 1e9 * 3600 * 1e6 µs: within u64.
    Ok(Rate::per(mantissa, SimDuration(scale * unit_secs * 1_000_000)))
}

/// `arrival: poisson` or `constant`.
pub(crate) fn arrival_process(n: &Node, r: &mut Report) -> Option<ArrivalProcess> {
    match n.string(r)?.as_str() {
        "poisson" => Some(ArrivalProcess::Poisson),
        "constant" => Some(ArrivalProcess::Constant),
        other => {
            let help = did_you_mean(other, ["poisson", "constant"]);
            n.error(r, format!("Unsupported value: \"{other}\": supported values: \"constant\", \"poisson\""), help);
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_in_every_unit() {
        assert_eq!(parse_rate("200/s").unwrap(), Rate::per_sec(200));
        assert_eq!(parse_rate("1200/m").unwrap(), Rate::per_sec(20));
        assert_eq!(parse_rate("10/h").unwrap(), Rate::per(10, SimDuration::from_secs(3600)));
        assert_eq!(parse_rate("0.5/s").unwrap().nano_per_sec(), 500_000_000);
        assert_eq!(parse_rate("1.5/m").unwrap().nano_per_sec(), 25_000_000);
        assert_eq!(parse_rate("0/s").unwrap(), Rate::ZERO);
        for bad in ["fast", "200", "200/d", "/s", "-1/s", "1e3/s", "1.2.3/s"] {
            assert!(parse_rate(bad).is_err(), "{bad}");
        }
        assert!(parse_rate("2000000000/s").unwrap_err().contains("limit"));
    }
}
