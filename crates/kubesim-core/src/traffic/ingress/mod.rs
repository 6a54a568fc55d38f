//! How ingress-nginx routes a request: host and path rules, the default backend, and a
//! canary Ingress merged into the location it shares with the main one (the canary's rules
//! are in [`canary`]).

pub mod canary;

use crate::model::spec::{CanaryRequests, IngressBackend, IngressSpec, PathType};
use canary::CanarySplit;

/// Where a request goes: the main backend, and the canary's with its split.
#[derive(Clone, Debug, PartialEq)]
pub struct Route {
    pub primary: IngressBackend,
    pub canary: Option<(IngressBackend, CanarySplit)>,
}

/// The location a request matched: canaries join the main Ingress only at the same one.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Location<'a> {
    Rule { host: Option<&'a str>, path: &'a str },
    DefaultBackend,
}

/// Routes a request for `host` and `path` through `main`, with the canary Ingresses of its
/// namespace (those with `canary: "true"`). None: no rule and no default backend (404).
/// `requests` says which requests carry the canary header and cookie.
pub fn route(
    main: &IngressSpec,
    canaries: &[&IngressSpec],
    host: Option<&str>,
    path: &str,
    requests: &CanaryRequests,
) -> Option<Route> {
    let (primary, location) = match_location(main, host, path)?;
    let at_location = |c| match_location(c, host, path).filter(|(_, at)| *at == location).map(|(backend, _)| backend);
    let canary = canary::alternative(canaries, at_location, requests);
    Some(Route { primary: primary.clone(), canary })
}

/// The backend of the best-matching path: ingress-nginx serves a host from the rules for
/// that host, falling back to the rules without one; an Exact path beats prefixes, then the
/// longest prefix wins.
fn match_location<'a>(
    spec: &'a IngressSpec,
    host: Option<&str>,
    path: &str,
) -> Option<(&'a IngressBackend, Location<'a>)> {
    let for_host: Vec<_> = match host {
        Some(h) => spec.rules.iter().filter(|r| r.host.as_deref().is_some_and(|rh| host_matches(rh, h))).collect(),
        None => Vec::new(),
    };
    let rules = if for_host.is_empty() { spec.rules.iter().filter(|r| r.host.is_none()).collect() } else { for_host };
    let mut best: Option<(&IngressBackend, Location<'a>, (bool, usize))> = None;
    for rule in rules {
        for p in &rule.paths {
            let rank = match p.path_type {
                PathType::Exact if p.path == path => (true, p.path.len()),
                PathType::Exact => continue,
                PathType::Prefix if element_prefix(&p.path, path) => (false, p.path.len()),
                PathType::ImplementationSpecific if path.starts_with(p.path.as_str()) => (false, p.path.len()),
                _ => continue,
            };
            if best.as_ref().is_none_or(|(_, _, r)| rank > *r) {
                best = Some((&p.backend, Location::Rule { host: rule.host.as_deref(), path: &p.path }, rank));
            }
        }
    }
    match best {
        Some((backend, location, _)) => Some((backend, location)),
        None => spec.default_backend.as_ref().map(|b| (b, Location::DefaultBackend)),
    }
}

/// `foo.example.com`, or a wildcard `*.example.com` that covers exactly one more label.
fn host_matches(rule: &str, host: &str) -> bool {
    match rule.strip_prefix("*.") {
        Some(suffix) => host.split_once('.').is_some_and(|(first, rest)| !first.is_empty() && rest == suffix),
        None => rule == host,
    }
}

/// Kubernetes' Prefix match: element by element, so `/foo` matches `/foo` and `/foo/bar`
/// but not `/foobar`; a trailing slash is ignored.
fn element_prefix(prefix: &str, path: &str) -> bool {
    let prefix = prefix.trim_end_matches('/');
    if prefix.is_empty() {
        return true;
    }
    match path.strip_prefix(prefix) {
        Some(rest) => rest.is_empty() || rest.starts_with('/'),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::spec::{CanaryAnnotations, IngressPath, IngressRule};
    use canary::weighted;

    fn backend(service: &str) -> IngressBackend {
        IngressBackend { service: service.into(), port: None }
    }

    fn path(p: &str, path_type: PathType, service: &str) -> IngressPath {
        IngressPath { path: p.into(), path_type, backend: backend(service) }
    }

    fn ingress(host: Option<&str>, paths: Vec<IngressPath>) -> IngressSpec {
        IngressSpec {
            class: None,
            default_backend: None,
            rules: vec![IngressRule { host: host.map(String::from), paths }],
            canary: None,
        }
    }

    fn service_for(spec: &IngressSpec, host: Option<&str>, p: &str) -> Option<String> {
        route(spec, &[], host, p, &CanaryRequests::default()).map(|r| r.primary.service)
    }

    #[test]
    fn exact_beats_prefix_and_the_longest_prefix_wins() {
        let spec = ingress(
            None,
            vec![
                path("/", PathType::Prefix, "root"),
                path("/api", PathType::Prefix, "api"),
                path("/api/v2", PathType::Prefix, "v2"),
                path("/api/health", PathType::Exact, "health"),
            ],
        );
        assert_eq!(service_for(&spec, None, "/index.html").as_deref(), Some("root"));
        assert_eq!(service_for(&spec, None, "/api/users").as_deref(), Some("api"));
        assert_eq!(service_for(&spec, None, "/api/v2/users").as_deref(), Some("v2"));
        assert_eq!(service_for(&spec, None, "/api/health").as_deref(), Some("health"));
        // Prefix matches whole path elements only.
        assert_eq!(service_for(&spec, None, "/apix").as_deref(), Some("root"));
    }

    #[test]
    fn implementation_specific_is_a_plain_prefix_in_ingress_nginx() {
        let spec = ingress(None, vec![path("/ap", PathType::ImplementationSpecific, "ap")]);
        assert_eq!(service_for(&spec, None, "/apple").as_deref(), Some("ap"));
        assert_eq!(service_for(&spec, None, "/b"), None);
    }

    #[test]
    fn hosts_pick_their_rules_and_others_fall_back_to_rules_without_a_host() {
        let mut spec = ingress(Some("shop.example.com"), vec![path("/", PathType::Prefix, "shop")]);
        spec.rules.push(IngressRule { host: None, paths: vec![path("/", PathType::Prefix, "catch-all")] });
        spec.rules
            .push(IngressRule { host: Some("*.example.com".into()), paths: vec![path("/", PathType::Prefix, "wild")] });
        assert_eq!(service_for(&spec, Some("shop.example.com"), "/").as_deref(), Some("shop"));
        assert_eq!(service_for(&spec, Some("blog.example.com"), "/").as_deref(), Some("wild"));
        assert_eq!(service_for(&spec, Some("a.b.example.com"), "/").as_deref(), Some("catch-all"));
        assert_eq!(service_for(&spec, None, "/").as_deref(), Some("catch-all"));
    }

    #[test]
    fn no_match_uses_the_default_backend_or_is_a_404() {
        let mut spec = ingress(None, vec![path("/api", PathType::Prefix, "api")]);
        assert_eq!(service_for(&spec, None, "/"), None);
        spec.default_backend = Some(backend("fallback"));
        assert_eq!(service_for(&spec, None, "/").as_deref(), Some("fallback"));
    }

    #[test]
    fn a_canary_joins_only_the_location_it_shares() {
        let main = ingress(Some("web.example.com"), vec![path("/", PathType::Prefix, "web-v1")]);
        let mut canary = ingress(Some("web.example.com"), vec![path("/", PathType::Prefix, "web-v2")]);
        canary.canary = Some(weighted(10));
        let r = route(&main, &[&canary], Some("web.example.com"), "/x", &CanaryRequests::default());
        let expected = (backend("web-v2"), CanarySplit::by_weight(10));
        assert_eq!(r.and_then(|r| r.canary), Some(expected));
        let other = ingress(Some("web.example.com"), vec![path("/api", PathType::Prefix, "api-v2")]);
        let mut other = other;
        other.canary = Some(CanaryAnnotations { by_header: Some("X-Canary".into()), ..weighted(50) });
        assert_eq!(
            route(&main, &[&other], Some("web.example.com"), "/api", &CanaryRequests::default()).and_then(|r| r.canary),
            None
        );
    }
}
