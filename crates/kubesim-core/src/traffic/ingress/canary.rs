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
//!   weight. A request carrying the `canary-by-header` header: with `canary-by-header-value`
//!   it goes to the canary when the header has that value; else with
//!   `canary-by-header-pattern` when the value matches the regular expression; else `always`
//!   sends it to the canary and `never` to the main backend; any other value (or no match)
//!   falls through. Then the same for the `canary-by-cookie` cookie (`always`, `never`, or
//!   fall through). The rest are split by `canary-weight` out of `canary-weight-total`
//!   (below 100, the total is 100, as balancer.lua takes it).
//!
//! A traffic source says what share of its requests carry the header and the cookie, and
//! with which values (`CanaryRequests`: `canaryHeaderShare`, `canaryHeaderValue`,
//! `canaryCookieShare`, `canaryCookieValue`); the header and the cookie are each carried
//! independently, and a source's header and cookie are whatever names the canary uses.
//! Patterns are the `regex` crate's syntax, RE2's (which ingress-nginx's validator,
//! Go's regexp, also requires of them), matched anywhere in the value as nginx's
//! `ngx.re.match` does.
//!
//! Argo Rollouts' generated canary Ingress is Argo's doing, in
//! `controllers/rollout/traffic_routing.rs`; its annotations are made here ([`weighted`]).

use crate::engine::Stream;
use crate::model::spec::{CanaryAnnotations, CanaryRequests, IngressBackend, IngressSpec, Labels};

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
/// exceed the total; an empty `canary-by-header`, `canary-by-header-value`,
/// `canary-by-header-pattern` or `canary-by-cookie` is no rule (as ingress-nginx's empty
/// default); a pattern must be a valid regular expression.
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
    let text = |name: &str| get(name).cloned().filter(|h| !h.is_empty());
    let by_header_pattern = text("canary-by-header-pattern");
    if let Some(p) = &by_header_pattern {
        if let Err(e) = regex::Regex::new(p) {
            // The regex crate's syntax errors end with their reason on a line of its own.
            let text = e.to_string();
            let reason = text.lines().map(str::trim).rfind(|l| !l.is_empty()).unwrap_or_default();
            let why = format!("must be a valid regular expression: {}", reason.trim_start_matches("error: "));
            refuse("canary-by-header-pattern", p, why);
            return None;
        }
    }
    Some(CanaryAnnotations {
        weight,
        weight_total,
        by_header: text("canary-by-header"),
        by_header_value: text("canary-by-header-value"),
        by_header_pattern,
        by_cookie: text("canary-by-cookie"),
    })
}

/// The annotations of a canary split by weight alone: `canary: "true"` and `canary-weight`
/// out of the default total (what Argo Rollouts writes on the canary Ingress it generates).
pub fn weighted(weight: u32) -> CanaryAnnotations {
    CanaryAnnotations {
        weight,
        weight_total: DEFAULT_CANARY_WEIGHT_TOTAL,
        by_header: None,
        by_header_value: None,
        by_header_pattern: None,
        by_cookie: None,
    }
}

/// Whether an Ingress is a canary, to be merged into a main Ingress rather than served.
pub fn is_canary(spec: &IngressSpec) -> bool {
    spec.canary.is_some()
}

/// The canary of a request's location, with its split: the first of `canaries` whose own
/// rules route the request to the location the main Ingress matched (`at_location` gives a
/// canary's backend there, None when its rules lead elsewhere). A location uses one
/// alternative backend: balancer.lua reads only the first (traffic shaping for more is a
/// TODO there). `requests` says which requests carry the canary header and cookie.
pub fn alternative<'a>(
    canaries: &[&'a IngressSpec],
    at_location: impl Fn(&'a IngressSpec) -> Option<&'a IngressBackend>,
    requests: &CanaryRequests,
) -> Option<(IngressBackend, CanarySplit)> {
    canaries.iter().find_map(|c| {
        let annotations = c.canary.as_ref()?;
        let backend = at_location(c)?;
        Some((backend.clone(), CanarySplit::from_annotations(annotations, requests)))
    })
}

/// Which of an Ingress's two backends a request goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Primary,
    Canary,
}

/// A header or cookie rule as numbers: the share of requests, in parts per million, whose
/// header (or cookie) decides, and the backend it sends them to. `ppm` 0: the rule decides
/// nothing (no such annotation, no request carries it, or its value falls through).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    pub ppm: u32,
    pub to: Backend,
}

impl Rule {
    /// No rule.
    pub const NONE: Rule = Rule { ppm: 0, to: Backend::Primary };

    /// `share` (0..=1) of requests go to `to` (None: their value falls through).
    fn of(share: f64, to: Option<Backend>) -> Rule {
        match to {
            Some(to) => Rule { ppm: (share.clamp(0.0, 1.0) * PPM as f64).round() as u32, to },
            None => Rule::NONE,
        }
    }
}

/// What a `canary-by-header` header with `value` does (balancer.lua
/// `route_to_alternative_balancer`): `canary-by-header-value` decides alone, then
/// `canary-by-header-pattern` (a pattern that fails to match is an error there: not the
/// canary; a load-time check keeps it from happening here), then `always` / `never`. None:
/// the request falls through to the cookie and the weight.
fn header_decides(a: &CanaryAnnotations, value: &str) -> Option<Backend> {
    a.by_header.as_ref()?;
    if let Some(v) = &a.by_header_value {
        return (value == v).then_some(Backend::Canary);
    }
    if let Some(p) = &a.by_header_pattern {
        return match regex::Regex::new(p) {
            Ok(re) => re.is_match(value).then_some(Backend::Canary),
            Err(_) => Some(Backend::Primary),
        };
    }
    always_or_never(value)
}

/// `always` or `never`; anything else falls through.
fn always_or_never(value: &str) -> Option<Backend> {
    match value {
        "always" => Some(Backend::Canary),
        "never" => Some(Backend::Primary),
        _ => None,
    }
}

/// A canary's rules as numbers, in the order they are tried: the header rule, the cookie
/// rule, then the weight for the rest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CanarySplit {
    /// `canary-weight`: out of `weight_total`, how many requests go to the canary.
    pub weight: u32,
    /// `canary-weight-total` (default 100).
    pub weight_total: u32,
    /// `canary-by-header` against the source's header share and value.
    pub header: Rule,
    /// `canary-by-cookie` against the source's cookie share and value.
    pub cookie: Rule,
}

impl CanarySplit {
    /// `canary-weight: percent`, no header or cookie rule.
    pub fn by_weight(percent: u32) -> Self {
        CanarySplit {
            weight: percent,
            weight_total: DEFAULT_CANARY_WEIGHT_TOTAL,
            header: Rule::NONE,
            cookie: Rule::NONE,
        }
    }

    /// The split a canary's annotations make for a source's requests.
    pub fn from_annotations(annotations: &CanaryAnnotations, requests: &CanaryRequests) -> Self {
        let header = Rule::of(requests.header_share, header_decides(annotations, &requests.header_value));
        let cookie = match annotations.by_cookie {
            Some(_) => Rule::of(requests.cookie_share, always_or_never(&requests.cookie_value)),
            None => Rule::NONE,
        };
        CanarySplit { weight: annotations.weight, weight_total: annotations.weight_total, header, cookie }
    }

    /// Adds a header rule: `share` (0..=1) of requests carry the header set to `always`.
    pub fn with_header_share(self, share: f64) -> Self {
        CanarySplit { header: Rule::of(share, Some(Backend::Canary)), ..self }
    }

    /// Chooses the backend of one request. Draws at most three numbers: one for the header
    /// and one for the cookie (only for a rule that decides something), and one for the
    /// weight (only for a weight strictly between 0 and the total), so a canary at 0 or 100
    /// consumes nothing. The weight's total is at least 100 (balancer.lua: `weightTotal =
    /// 100`, replaced by `canary-weight-total` only above 100; `math.random(weightTotal) <=
    /// weight`).
    pub fn choose(&self, stream: &mut Stream) -> Backend {
        for rule in [self.header, self.cookie] {
            if rule.ppm > 0 && stream.below(PPM) < rule.ppm as usize {
                return rule.to;
            }
        }
        let total = self.weight_total.max(DEFAULT_CANARY_WEIGHT_TOTAL);
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
        let expected = CanaryAnnotations { weight_total: 5, by_header: Some("X-Canary".into()), ..weighted(0) };
        assert_eq!(read, Some(expected));
        let rules = annotations(&[
            ("canary", "true"),
            ("canary-by-header", "X-Canary"),
            ("canary-by-header-value", "v2"),
            ("canary-by-header-pattern", "^v[0-9]+$"),
            ("canary-by-cookie", "canary"),
        ]);
        let read = read_annotations(&rules, &mut bad).expect("a canary");
        assert_eq!(read.by_header_value.as_deref(), Some("v2"));
        assert_eq!(read.by_header_pattern.as_deref(), Some("^v[0-9]+$"));
        assert_eq!(read.by_cookie.as_deref(), Some("canary"));
        assert_eq!(bad, []);
        let bad_pattern = annotations(&[("canary", "true"), ("canary-by-header-pattern", "v(2")]);
        assert_eq!(read_annotations(&bad_pattern, &mut bad), None);
        assert_eq!((bad[0].name, bad[0].value.as_str()), ("canary-by-header-pattern", "v(2"));
        assert_eq!(bad[0].why, "must be a valid regular expression: unclosed group");
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
        let large_total = CanarySplit { weight: 1000, weight_total: 1000, ..CanarySplit::by_weight(0) };
        assert_eq!(large_total.choose(&mut s), Backend::Canary);
    }

    #[test]
    fn a_weight_total_below_100_counts_as_100() {
        // balancer.lua: `weightTotal = 100`, replaced by canary-weight-total only above 100;
        // canary-weight 5 of a total of 5 is 5 of 100.
        let split = CanarySplit { weight: 5, weight_total: 5, ..CanarySplit::by_weight(0) };
        let mut s = Stream::new(9, Purpose::Traffic);
        let n = 100_000;
        let canary = (0..n).filter(|_| split.choose(&mut s) == Backend::Canary).count();
        assert_binomial(canary, n, 0.05, "canary-weight 5, total 5");
    }

    fn requests(header_share: f64, header_value: &str, cookie_share: f64, cookie_value: &str) -> CanaryRequests {
        CanaryRequests {
            header_share,
            header_value: header_value.into(),
            cookie_share,
            cookie_value: cookie_value.into(),
        }
    }

    #[test]
    fn the_header_rule_counts_only_with_canary_by_header() {
        let header = CanaryAnnotations { by_header: Some("X-Canary".into()), ..weighted(10) };
        let always = requests(0.25, "always", 0.0, "always");
        assert_eq!(CanarySplit::from_annotations(&header, &always), CanarySplit::by_weight(10).with_header_share(0.25));
        assert_eq!(CanarySplit::from_annotations(&weighted(10), &always), CanarySplit::by_weight(10));
    }

    /// The share of 100,000 requests that `annotations` send to the canary.
    fn canary_share(annotations: &CanaryAnnotations, r: &CanaryRequests, seed: u64) -> (usize, usize) {
        let split = CanarySplit::from_annotations(annotations, r);
        let mut s = Stream::new(seed, Purpose::Traffic);
        let n = 100_000;
        ((0..n).filter(|_| split.choose(&mut s) == Backend::Canary).count(), n)
    }

    #[test]
    fn header_values_decide_as_balancer_lua_says() {
        let by_header = CanaryAnnotations { by_header: Some("X-Canary".into()), ..weighted(0) };
        let valued = CanaryAnnotations { by_header_value: Some("v2".into()), ..by_header.clone() };
        let pattern = CanaryAnnotations { by_header_pattern: Some("^v[23]$".into()), ..by_header.clone() };
        let both = CanaryAnnotations { by_header_pattern: Some("^x$".into()), ..valued.clone() };
        let to = |a: &CanaryAnnotations, v: &str| CanarySplit::from_annotations(a, &requests(1.0, v, 0.0, "")).header;
        let canary = Rule { ppm: 1_000_000, to: Backend::Canary };
        let primary = Rule { ppm: 1_000_000, to: Backend::Primary };
        // always / never, anything else falls through.
        assert_eq!(
            (to(&by_header, "always"), to(&by_header, "never"), to(&by_header, "v2")),
            (canary, primary, Rule::NONE)
        );
        // A custom value replaces always and never: only it decides.
        assert_eq!((to(&valued, "v2"), to(&valued, "always"), to(&valued, "never")), (canary, Rule::NONE, Rule::NONE));
        // A pattern, matched anywhere (ngx.re.match), when there is no value.
        assert_eq!((to(&pattern, "v3"), to(&pattern, "v4"), to(&pattern, "never")), (canary, Rule::NONE, Rule::NONE));
        // With both, the value wins and the pattern is ignored.
        assert_eq!((to(&both, "v2"), to(&both, "x")), (canary, Rule::NONE));
        // canary-by-header-value alone, without canary-by-header, does nothing.
        let orphan = CanaryAnnotations { by_header_value: Some("v2".into()), ..weighted(0) };
        assert_eq!(to(&orphan, "v2"), Rule::NONE);
    }

    #[test]
    fn header_then_cookie_then_weight() {
        let all = CanaryAnnotations {
            by_header: Some("X-Canary".into()),
            by_header_value: Some("v2".into()),
            by_cookie: Some("canary".into()),
            ..weighted(50)
        };
        // Header v2 on 20%: canary. Of the other 80%, the cookie `never` on half: primary.
        // The remaining 40% split by weight 50: 0.2 + 0.4 x 0.5 = 40%.
        let (c, n) = canary_share(&all, &requests(0.2, "v2", 0.5, "never"), 5);
        assert_binomial(c, n, 0.4, "header v2 20%, cookie never 50%, weight 50");
        // A header that does not match falls through to the cookie `always` (30%) and
        // the weight: 0.3 + 0.7 x 0.5 = 65%.
        let (c, n) = canary_share(&all, &requests(0.2, "v3", 0.3, "always"), 6);
        assert_binomial(c, n, 0.65, "header v3 ignored, cookie always 30%, weight 50");
        // A cookie with another value falls through to the weight alone.
        let (c, n) = canary_share(&all, &requests(0.0, "always", 1.0, "maybe"), 7);
        assert_binomial(c, n, 0.5, "cookie maybe ignored, weight 50");
    }

    #[test]
    fn without_header_or_cookie_rules_the_stream_is_drawn_as_before() {
        // A source with header and cookie shares, against a canary with neither rule, draws
        // only the weight's number: the same draws as canary-weight alone.
        let r = requests(0.3, "always", 0.4, "always");
        let split = CanarySplit::from_annotations(&weighted(30), &r);
        let (mut a, mut b) = (Stream::new(11, Purpose::Traffic), Stream::new(11, Purpose::Traffic));
        let plain = CanarySplit::by_weight(30);
        assert!((0..10_000).all(|_| split.choose(&mut a) == plain.choose(&mut b)));
    }
}
