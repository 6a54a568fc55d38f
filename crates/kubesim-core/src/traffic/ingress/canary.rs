//! ingress-nginx's canary, in one place. An Ingress annotated
//! `nginx.ingress.kubernetes.io/canary: "true"` is not served on its own: its backend becomes
//! the alternative backend of the location it shares (same host, same path) with a main
//! Ingress, and each request to that location goes to the canary or to the main backend by
//! the canary's rules.
//!
//! - The annotations, their defaults and what kubesim refuses ([`read_annotations`];
//!   ingress-nginx's internal/ingress/annotations/canary/main.go `canary.Parse`). The data
//!   they become is the model's `CanaryAnnotations` (model/spec/network.rs), on the
//!   Ingress's spec.
//! - Which Ingress is a canary of which ([`is_canary`], [`alternative`]; ingress-nginx's
//!   internal/ingress/controller/controller.go `mergeAlternativeBackends`, which adds a
//!   canary's backends to the servers and locations of the main Ingresses with the same
//!   host and path; `ingress::route` finds the location).
//! - The decision for one request ([`CanarySplit::choose`]; rootfs/etc/nginx/lua/balancer.lua
//!   `route_to_alternative_balancer`). The rules are tried in the order header, cookie,
//!   weight: a request whose `canary-by-header` header is `always` goes to the canary (and
//!   `never` to the main backend), then the same for the `canary-by-cookie` cookie, and the
//!   rest are split by `canary-weight` out of `canary-weight-total`.
//!
//! What kubesim leaves out: a request carries the canary header set to `always` (the
//! traffic source's `canaryHeaderShare` of them) or no header at all, and never a cookie, so
//! `canary-by-cookie`, `canary-by-header-value` and `canary-by-header-pattern` are not read (a
//! request without the header or cookie falls through to the weight in ingress-nginx too).
//!
//! Argo Rollouts' generated canary Ingress is Argo's doing, in
//! `controllers/rollout/traffic_routing.rs`; its annotations are made here ([`weighted`]).

use crate::engine::Stream;
use crate::model::spec::{CanaryAnnotations, IngressBackend, IngressSpec, Labels};

/// The prefix of ingress-nginx's annotations.
pub const ANNOTATION_PREFIX: &str = "nginx.ingress.kubernetes.io/";

/// ingress-nginx's default `canary-weight-total`.
pub const DEFAULT_CANARY_WEIGHT_TOTAL: u32 = 100;

const PPM: usize = 1_000_000;

/// An annotation value kubesim refuses: the annotation's name after the prefix
/// (`canary-weight`), the value and why. The loader places and words it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadAnnotation {
    pub name: &'static str,
    pub value: String,
    pub why: String,
}

/// Reads an Ingress's canary annotations. None when the Ingress is not a canary (`canary`
/// absent or false) or when a value is refused; each refusal is pushed to `bad`, in the
/// order the annotations are read. `canary` takes Go's `strconv.ParseBool` spellings;
/// `canary-weight` defaults to 0 and `canary-weight-total` to 100, and the weight may not
/// exceed the total; an empty `canary-by-header` is no header rule.
pub fn read_annotations(annotations: &Labels, bad: &mut Vec<BadAnnotation>) -> Option<CanaryAnnotations> {
    let get = |name: &str| annotations.get(&format!("{ANNOTATION_PREFIX}{name}"));
    let mut refuse = |name: &'static str, value: &str, why: String| {
        bad.push(BadAnnotation { name, value: value.to_string(), why });
    };
    let on = match get("canary").map(String::as_str) {
        None => false,
        Some("true" | "1" | "t" | "T" | "TRUE" | "True") => true,
        Some("false" | "0" | "f" | "F" | "FALSE" | "False") => false,
        Some(other) => {
            refuse("canary", other, "must be \"true\" or \"false\"".into());
            false
        }
    };
    if !on {
        return None;
    }
    let mut number = |name: &'static str, default: u32| match get(name) {
        None => Some(default),
        Some(v) => match v.trim().parse::<u32>() {
            Ok(n) => Some(n),
            Err(_) => {
                refuse(name, v, "must be a non-negative integer".into());
                None
            }
        },
    };
    let weight = number("canary-weight", 0);
    let weight_total = number("canary-weight-total", DEFAULT_CANARY_WEIGHT_TOTAL);
    let (weight, weight_total) = (weight?, weight_total?);
    if weight_total == 0 {
        refuse("canary-weight-total", "0", "must be greater than 0".into());
        return None;
    }
    if weight > weight_total {
        let why = format!("must not be greater than canary-weight-total ({weight_total})");
        refuse("canary-weight", &weight.to_string(), why);
        return None;
    }
    let by_header = get("canary-by-header").cloned().filter(|h| !h.is_empty());
    Some(CanaryAnnotations { weight, weight_total, by_header })
}

/// The annotations of a canary split by weight alone: `canary: "true"` and `canary-weight`
/// out of the default total (what Argo Rollouts writes on the canary Ingress it generates).
pub fn weighted(weight: u32) -> CanaryAnnotations {
    CanaryAnnotations { weight, weight_total: DEFAULT_CANARY_WEIGHT_TOTAL, by_header: None }
}

/// Whether an Ingress is a canary, to be merged into a main Ingress rather than served.
pub fn is_canary(spec: &IngressSpec) -> bool {
    spec.canary.is_some()
}

/// The canary of a request's location, with its split: the first of `canaries` whose own
/// rules route the request to the location the main Ingress matched (`at_location` gives a
/// canary's backend there, None when its rules lead elsewhere). A location uses one
/// alternative backend: balancer.lua reads only the first (traffic shaping for more is a
/// TODO there). `header_share` is the share of requests that carry the canary header.
pub fn alternative<'a>(
    canaries: &[&'a IngressSpec],
    at_location: impl Fn(&'a IngressSpec) -> Option<&'a IngressBackend>,
    header_share: f64,
) -> Option<(IngressBackend, CanarySplit)> {
    canaries.iter().find_map(|c| {
        let annotations = c.canary.as_ref()?;
        let backend = at_location(c)?;
        Some((backend.clone(), CanarySplit::from_annotations(annotations, header_share)))
    })
}

/// Which of an Ingress's two backends a request goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Primary,
    Canary,
}

/// A canary's rules as numbers. The header rule comes first: a request that carries the
/// canary header goes to the canary; the others are split by weight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CanarySplit {
    /// `canary-weight`: out of `weight_total`, how many requests go to the canary.
    pub weight: u32,
    /// `canary-weight-total` (default 100).
    pub weight_total: u32,
    /// With `canary-by-header`: the share of requests, in parts per million, that carry
    /// the header set to `always` (from the traffic spec; 0 when there is no header rule).
    pub header_share_ppm: u32,
}

impl CanarySplit {
    /// `canary-weight: percent`, no header rule.
    pub fn by_weight(percent: u32) -> Self {
        CanarySplit { weight: percent, weight_total: DEFAULT_CANARY_WEIGHT_TOTAL, header_share_ppm: 0 }
    }

    /// The split a canary's annotations make; with `canary-by-header`, `header_share` (0..=1)
    /// of requests carry the header.
    pub fn from_annotations(annotations: &CanaryAnnotations, header_share: f64) -> Self {
        let split = CanarySplit {
            weight: annotations.weight,
            weight_total: if annotations.weight_total == 0 {
                DEFAULT_CANARY_WEIGHT_TOTAL
            } else {
                annotations.weight_total
            },
            header_share_ppm: 0,
        };
        if annotations.by_header.is_some() {
            split.with_header_share(header_share)
        } else {
            split
        }
    }

    /// Adds a header rule: `share` (0..=1) of requests carry the header.
    pub fn with_header_share(self, share: f64) -> Self {
        let ppm = (share.clamp(0.0, 1.0) * PPM as f64).round() as u32;
        CanarySplit { header_share_ppm: ppm, ..self }
    }

    /// Chooses the backend of one request. Draws at most two numbers: one for the header
    /// (only with a header rule) and one for the weight (only for a weight strictly between
    /// 0 and the total), so a canary at 0 or 100 consumes nothing.
    pub fn choose(&self, stream: &mut Stream) -> Backend {
        if self.header_share_ppm > 0 && stream.below(PPM) < self.header_share_ppm as usize {
            return Backend::Canary;
        }
        let total = self.weight_total.max(1);
        let to_canary = match self.weight {
            0 => false,
            w if w >= total => true,
            w => stream.below(total as usize) < w as usize,
        };
        if to_canary {
            Backend::Canary
        } else {
            Backend::Primary
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Purpose;
    use crate::traffic::balancer::tests::assert_binomial;

    fn annotations(pairs: &[(&str, &str)]) -> Labels {
        pairs.iter().map(|(k, v)| (format!("{ANNOTATION_PREFIX}{k}"), v.to_string())).collect()
    }

    #[test]
    fn annotations_read_as_ingress_nginx_reads_them() {
        let mut bad = Vec::new();
        assert_eq!(read_annotations(&annotations(&[("canary-weight", "10")]), &mut bad), None);
        let read = read_annotations(&annotations(&[("canary", "True"), ("canary-weight", " 10 ")]), &mut bad);
        assert_eq!(read, Some(weighted(10)));
        let header = annotations(&[("canary", "1"), ("canary-by-header", "X-Canary"), ("canary-weight-total", "5")]);
        let read = read_annotations(&header, &mut bad);
        assert_eq!(read, Some(CanaryAnnotations { weight: 0, weight_total: 5, by_header: Some("X-Canary".into()) }));
        assert_eq!(bad, []);
    }

    #[test]
    fn refused_values_are_each_reported_in_order() {
        let mut bad = Vec::new();
        let both = annotations(&[("canary", "true"), ("canary-weight", "-1"), ("canary-weight-total", "x")]);
        assert_eq!(read_annotations(&both, &mut bad), None);
        let names: Vec<_> = bad.iter().map(|b| (b.name, b.value.as_str())).collect();
        assert_eq!(names, [("canary-weight", "-1"), ("canary-weight-total", "x")]);
        bad.clear();
        let over = annotations(&[("canary", "true"), ("canary-weight", "30"), ("canary-weight-total", "20")]);
        assert_eq!(read_annotations(&over, &mut bad), None);
        assert_eq!(bad[0].why, "must not be greater than canary-weight-total (20)");
        bad.clear();
        assert_eq!(read_annotations(&annotations(&[("canary", "yes")]), &mut bad), None);
        assert_eq!(bad[0].why, "must be \"true\" or \"false\"");
    }

    #[test]
    fn canary_weight_10_gets_10_percent_within_binomial_noise() {
        let split = CanarySplit::by_weight(10);
        let mut s = Stream::new(42, Purpose::Traffic);
        let n = 100_000;
        let canary = (0..n).filter(|_| split.choose(&mut s) == Backend::Canary).count();
        assert_binomial(canary, n, 0.10, "canary-weight 10");
    }

    #[test]
    fn canary_header_share_goes_to_the_canary_first_then_the_weight_splits_the_rest() {
        // 20% carry the header; of the other 80%, 10% go by weight: 0.2 + 0.8 * 0.1 = 28%.
        let split = CanarySplit::by_weight(10).with_header_share(0.2);
        let mut s = Stream::new(3, Purpose::Traffic);
        let n = 100_000;
        let canary = (0..n).filter(|_| split.choose(&mut s) == Backend::Canary).count();
        assert_binomial(canary, n, 0.28, "header 20% + weight 10");
    }

    #[test]
    fn canary_weights_0_and_100_are_absolute() {
        let mut s = Stream::new(1, Purpose::Traffic);
        assert!((0..1_000).all(|_| CanarySplit::by_weight(0).choose(&mut s) == Backend::Primary));
        assert!((0..1_000).all(|_| CanarySplit::by_weight(100).choose(&mut s) == Backend::Canary));
        let custom_total = CanarySplit { weight: 5, weight_total: 5, header_share_ppm: 0 };
        assert_eq!(custom_total.choose(&mut s), Backend::Canary);
    }

    #[test]
    fn the_header_rule_counts_only_with_canary_by_header() {
        let header = CanaryAnnotations { weight: 10, weight_total: 100, by_header: Some("X-Canary".into()) };
        assert_eq!(CanarySplit::from_annotations(&header, 0.25), CanarySplit::by_weight(10).with_header_share(0.25));
        assert_eq!(CanarySplit::from_annotations(&weighted(10), 0.25), CanarySplit::by_weight(10));
    }
}
