//! InterPodAffinity: required pod affinity and anti-affinity (the pod's own and the
//! existing pods' anti-affinity towards it) filter nodes by topology domain; preferred
//! terms, both ways, score them.

use super::{FilterPlugin, PodContext, ScorePlugin, Unfit, MAX_NODE_SCORE};
use crate::model::store::Node;

pub const REASON_AFFINITY: &str = "node(s) didn't match pod affinity rules";
pub const REASON_ANTI_AFFINITY: &str = "node(s) didn't match pod anti-affinity rules";
pub const REASON_EXISTING_ANTI_AFFINITY: &str = "node(s) didn't satisfy existing pods anti-affinity rules";

pub struct InterPodAffinity;

fn pair_count(map: &std::collections::BTreeMap<(String, String), i64>, key: &str, node: &Node) -> Option<i64> {
    let value = node.labels.get(key)?;
    Some(map.get(&(key.to_string(), value.clone())).copied().unwrap_or(0))
}

/// satisfyPodAffinity, with Kubernetes' escape for the first pod of a group that has
/// affinity to itself: when no pod anywhere matches and the pod matches its own terms.
fn satisfies_affinity(pod: &PodContext<'_>, node: &Node) -> bool {
    let terms = &pod.spec.affinity.pod_affinity_required;
    let mut pods_exist = true;
    for term in terms {
        match pair_count(&pod.affinity.affinity, &term.topology_key, node) {
            None => return false,
            Some(n) if n <= 0 => pods_exist = false,
            Some(_) => {}
        }
    }
    if pods_exist {
        return true;
    }
    pod.affinity.affinity.is_empty()
        && terms
            .iter()
            .all(|t| pod.term_namespaces(t).iter().any(|ns| ns == pod.namespace) && t.selector.matches(pod.labels))
}

impl FilterPlugin for InterPodAffinity {
    fn name(&self) -> &'static str {
        "InterPodAffinity"
    }

    fn filter(&self, pod: &PodContext<'_>, node: &Node) -> Result<(), Unfit> {
        if self.skip(pod) {
            return Ok(());
        }
        if !satisfies_affinity(pod, node) {
            return Err(Unfit::unresolvable(REASON_AFFINITY));
        }
        let anti = pod
            .spec
            .affinity
            .pod_anti_affinity_required
            .iter()
            .any(|t| pair_count(&pod.affinity.anti_affinity, &t.topology_key, node).is_some_and(|n| n > 0));
        if anti {
            return Err(Unfit::resolvable(REASON_ANTI_AFFINITY));
        }
        let existing = node
            .labels
            .iter()
            .any(|(k, v)| pod.affinity.existing_anti_affinity.get(&(k.clone(), v.clone())).is_some_and(|&n| n > 0));
        if existing {
            return Err(Unfit::resolvable(REASON_EXISTING_ANTI_AFFINITY));
        }
        Ok(())
    }

    /// No required terms of its own and no existing pod's anti-affinity towards it.
    fn skip(&self, pod: &PodContext<'_>) -> bool {
        let a = &pod.spec.affinity;
        a.pod_affinity_required.is_empty()
            && a.pod_anti_affinity_required.is_empty()
            && pod.affinity.existing_anti_affinity.is_empty()
    }
}

/// Preferred terms (weight 2): the sum over the node's topology pairs.
pub struct InterPodAffinityScore;

impl ScorePlugin for InterPodAffinityScore {
    fn name(&self) -> &'static str {
        "InterPodAffinity"
    }

    fn weight(&self) -> i64 {
        2
    }

    fn applies(&self, pod: &PodContext<'_>) -> bool {
        !pod.affinity.preferred.is_empty()
    }

    fn score(&self, pod: &PodContext<'_>, node: &Node) -> i64 {
        pod.affinity.preferred.iter().filter(|((k, v), _)| node.labels.get(k) == Some(v)).map(|(_, score)| *score).sum()
    }

    fn normalize(&self, _pod: &PodContext<'_>, scores: &mut [i64]) {
        let (min, max) = (scores.iter().copied().min().unwrap_or(0), scores.iter().copied().max().unwrap_or(0));
        let diff = max - min;
        for s in scores.iter_mut() {
            *s = if diff > 0 { (MAX_NODE_SCORE as f64 * ((*s - min) as f64 / diff as f64)) as i64 } else { 0 };
        }
    }
}
