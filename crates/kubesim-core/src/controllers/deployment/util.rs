//! Arithmetic shared by the strategies: resolving maxSurge / maxUnavailable, the
//! pod-template-hash, and the replica-count annotations.

use crate::model::spec::{DeploymentSpec, DeploymentStrategy, IntOrPercent, PodTemplate};

/// Resolves an int-or-percent against `total`, rounding up or down as Kubernetes does.
pub fn resolve(value: &IntOrPercent, total: i32, round_up: bool) -> i32 {
    match *value {
        IntOrPercent::Int(n) => n,
        IntOrPercent::Percent(p) => {
            let scaled = i64::from(p) * i64::from(total);
            let v = if round_up { (scaled + 99).div_euclid(100) } else { scaled.div_euclid(100) };
            v.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32
        }
    }
}

/// `(maxSurge, maxUnavailable)` for `replicas` (ResolveFenceposts): surge rounds up,
/// unavailable rounds down, and if both come to 0 unavailable becomes 1 so that a rollout
/// can always make progress. Recreate has neither.
pub fn resolve_fenceposts(spec: &DeploymentSpec) -> (i32, i32) {
    match &spec.strategy {
        DeploymentStrategy::Recreate => (0, 0),
        DeploymentStrategy::RollingUpdate { max_surge, max_unavailable } => {
            let surge = resolve(max_surge, spec.replicas, true);
            let unavailable = resolve(max_unavailable, spec.replicas, false);
            if surge == 0 && unavailable == 0 {
                (0, 1)
            } else {
                (surge, unavailable)
            }
        }
    }
}

pub fn max_surge(spec: &DeploymentSpec) -> i32 {
    resolve_fenceposts(spec).0
}

pub fn max_unavailable(spec: &DeploymentSpec) -> i32 {
    let (_, unavailable) = resolve_fenceposts(spec);
    if matches!(spec.strategy, DeploymentStrategy::Recreate) || spec.replicas == 0 {
        return 0;
    }
    unavailable.min(spec.replicas)
}

/// The characters Kubernetes uses for generated names (no vowels, no look-alikes).
pub const SAFE_ALPHANUMS: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// FNV-1a, 32 bits, as Kubernetes hashes pod templates.
pub fn fnv32a(bytes: &[u8]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in bytes {
        h ^= u32::from(*b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// `pod-template-hash`: FNV-32a of the template, its decimal digits mapped onto
/// SAFE_ALPHANUMS (rand.SafeEncodeString), e.g. `5d8f9c7b6`. Kubernetes hashes the API
/// object's JSON; kubesim hashes its compact template, so the hashes have Kubernetes' form
/// but not its exact values.
pub fn pod_template_hash(template: &PodTemplate, collision_count: u32) -> String {
    let mut bytes = format!("{template:?}").into_bytes();
    if collision_count > 0 {
        bytes.extend_from_slice(&collision_count.to_le_bytes());
    }
    fnv32a(&bytes).to_string().bytes().map(|d| SAFE_ALPHANUMS[usize::from(d) % SAFE_ALPHANUMS.len()] as char).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::spec::{IntOrPercent::*, Selector};

    fn spec(replicas: i32, surge: IntOrPercent, unavailable: IntOrPercent) -> DeploymentSpec {
        DeploymentSpec {
            replicas,
            selector: Selector::default(),
            template: Default::default(),
            strategy: DeploymentStrategy::RollingUpdate { max_surge: surge, max_unavailable: unavailable },
            min_ready_seconds: 0,
            revision_history_limit: 10,
            progress_deadline_seconds: 600,
            paused: false,
        }
    }

    /// `ResolveFenceposts` (pkg/controller/deployment/util/deployment_util.go): (replicas,
    /// surge, unavailable) -> resolved; the 39% row is a case of its TestResolveFenceposts
    /// (deployment_util_test.go).
    #[test]
    fn fenceposts_resolve_as_kubernetes_does() {
        let cases = [
            (10, Percent(25), Percent(25), (3, 2)),
            (10, Percent(39), Percent(39), (4, 3)),
            (5, Int(1), Int(1), (1, 1)),
            (1, Percent(25), Percent(25), (1, 0)),
            (4, Int(0), Percent(25), (0, 1)),
            (3, Percent(10), Percent(10), (1, 0)),
            (0, Percent(25), Percent(25), (0, 1)),
        ];
        for (replicas, surge, unavailable, want) in cases {
            let s = spec(replicas, surge.clone(), unavailable.clone());
            assert_eq!(resolve_fenceposts(&s), want, "{replicas} replicas, {surge:?}, {unavailable:?}");
        }
    }

    #[test]
    fn template_hash_uses_kubernetes_alphabet_and_changes_with_the_template() {
        let a = PodTemplate::default();
        let mut b = PodTemplate::default();
        b.labels.insert("app".into(), "web".into());
        let (ha, hb) = (pod_template_hash(&a, 0), pod_template_hash(&b, 0));
        assert!(ha.bytes().all(|c| SAFE_ALPHANUMS.contains(&c)), "{ha}");
        assert!(!ha.is_empty() && ha.len() <= 10);
        assert_ne!(ha, hb);
        assert_eq!(ha, pod_template_hash(&a, 0));
    }
}
