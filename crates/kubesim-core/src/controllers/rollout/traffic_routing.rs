//! Traffic routing through ingress-nginx: the weight Argo sets (rollout/trafficrouting.go
//! `reconcileTrafficRouting`) on the canary Ingress it generates from the stable one
//! (rollout/trafficrouting/nginx/nginx.go `canaryIngress`). What ingress-nginx then does with
//! the canary Ingress is `traffic::ingress::canary`'s.

use super::replica_counts::current_set_weight;
use super::{Action, Decision, RsView};
use crate::model::spec::{CanaryAnnotations, CanarySpec, CanaryStep, IngressBackend, IngressSpec};
use crate::traffic::ingress::canary;

/// The canary weight on the nginx canary Ingress (reconcileTrafficRouting): 0 when fully
/// promoted, aborted or before any canary pod is available; 100 on `promote --full`; while
/// the canary still scales for this step, the previous setWeight; else this step's weight
/// (100 past the last step).
pub(super) fn set_traffic_weight(spec: &CanarySpec, new: &RsView, d: &mut Decision, at_desired: bool) {
    let st = &d.status;
    let promoted = st.stable_hash.as_deref() == Some(new.hash.as_str());
    let steps = &spec.steps;
    let weight = if promoted || st.abort || new.available == 0 {
        0
    } else if st.promote_full {
        100
    } else if !at_desired {
        steps[..st.step_index]
            .iter()
            .rev()
            .find_map(|s| if let CanaryStep::SetWeight(w) = s { Some(*w) } else { None })
            .unwrap_or(0)
    } else {
        current_set_weight(steps, st.step_index, false)
    };
    if st.weight != Some(weight) {
        if let Some(old) = st.weight {
            d.event("TrafficWeightUpdated", format!("Traffic weight updated from {old} to {weight}"));
        }
        d.status.weight = Some(weight);
        d.actions.push(Action::SetCanaryWeight { weight });
    }
}

/// The generated canary Ingress's name (utils/ingress/ingress.go `GetCanaryIngressName`):
/// `<rollout>-<stableIngress>-canary`.
pub fn canary_ingress_name(rollout: &str, stable_ingress: &str) -> String {
    // utils/ingress GetCanaryIngressName: names are limited to 253 characters, so the
    // `ROLLOUT-STABLE` prefix is cut to leave room for the suffix (names are ASCII, so a
    // byte cut is a character cut).
    const SUFFIX: &str = "-canary";
    let mut prefix = format!("{rollout}-{stable_ingress}");
    prefix.truncate(253 - SUFFIX.len());
    prefix + SUFFIX
}

/// The ingress-nginx annotations Argo writes on its canary Ingress: a canary split by
/// `canary-weight` alone (a negative weight, which Argo never sets, as 0).
pub fn canary_annotations(weight: i32) -> CanaryAnnotations {
    canary::weighted(u32::try_from(weight).unwrap_or(0))
}

/// The canary Ingress generated from the stable one: its rules and default backend with
/// the stable Service switched for the canary one, and the canary annotations at `weight`.
pub fn canary_ingress(stable: &IngressSpec, stable_service: &str, canary_service: &str, weight: i32) -> IngressSpec {
    let mut s = stable.clone();
    let switch = |b: &mut IngressBackend| {
        if b.service == stable_service {
            b.service = canary_service.to_string();
        }
    };
    s.default_backend.iter_mut().for_each(switch);
    s.rules.iter_mut().flat_map(|r| r.paths.iter_mut()).for_each(|p| switch(&mut p.backend));
    s.canary = Some(canary_annotations(weight));
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::spec::{IngressPath, IngressRule, PathType};

    fn backend(service: &str) -> IngressBackend {
        IngressBackend { service: service.into(), port: None }
    }

    #[test]
    fn the_canary_ingress_is_the_stable_one_pointed_at_the_canary_service() {
        let paths = ["web-stable", "other"].map(|s| IngressPath {
            path: format!("/{s}"),
            path_type: PathType::Prefix,
            backend: backend(s),
        });
        let stable = IngressSpec {
            class: Some("nginx".into()),
            default_backend: Some(backend("web-stable")),
            rules: vec![IngressRule { host: Some("web.example.com".into()), paths: paths.to_vec() }],
            canary: None,
        };
        let c = canary_ingress(&stable, "web-stable", "web-canary", 20);
        assert_eq!(canary_ingress_name("web", "web-ingress"), "web-web-ingress-canary");
        let long = canary_ingress_name(&"r".repeat(200), &"s".repeat(100));
        assert_eq!(long.len(), 253);
        assert!(long.starts_with(&format!("{}-sss", "r".repeat(200))) && long.ends_with("s-canary"), "{long}");
        assert_eq!(c.default_backend, Some(backend("web-canary")));
        let services: Vec<_> = c.rules[0].paths.iter().map(|p| p.backend.service.as_str()).collect();
        assert_eq!(services, ["web-canary", "other"]);
        assert_eq!((c.class, c.canary), (stable.class, Some(canary::weighted(20))));
    }
}
