//! NodeAffinity: `nodeSelector` and the required node affinity terms must match the node
//! (Filter); the preferred terms add their weights (Score).

use super::{default_normalize, FilterPlugin, PodContext, ScorePlugin, Unfit};
use crate::model::spec::{AddedAffinity, NodeSelectorOperator, NodeSelectorRequirement, NodeSelectorTerm, PodSpec};
use crate::model::store::Node;
use std::sync::Arc;

pub const REASON: &str = "node(s) didn't match Pod's node affinity/selector";

pub struct NodeAffinity;

fn requirement_matches(r: &NodeSelectorRequirement, value: Option<&str>) -> bool {
    use NodeSelectorOperator::*;
    match r.operator {
        In => value.is_some_and(|v| r.values.iter().any(|x| x == v)),
        NotIn => !value.is_some_and(|v| r.values.iter().any(|x| x == v)),
        Exists => value.is_some(),
        DoesNotExist => value.is_none(),
        Gt | Lt => {
            let (Some(v), Some(bound)) =
                (value.and_then(|v| v.parse::<i64>().ok()), r.values.first().and_then(|b| b.parse::<i64>().ok()))
            else {
                return false;
            };
            if r.operator == Gt {
                v > bound
            } else {
                v < bound
            }
        }
    }
}

/// A term matches when every expression (labels) and field (`metadata.name`) does; an
/// empty term matches nothing.
pub fn term_matches(term: &NodeSelectorTerm, node: &Node) -> bool {
    if term.match_expressions.is_empty() && term.match_fields.is_empty() {
        return false;
    }
    term.match_expressions.iter().all(|r| requirement_matches(r, node.labels.get(&r.key).map(String::as_str)))
        && term
            .match_fields
            .iter()
            .all(|r| requirement_matches(r, (r.key == "metadata.name").then_some(node.name.as_str())))
}

/// nodeSelector and required node affinity (GetRequiredNodeAffinity().Match).
pub fn required_matches(spec: &PodSpec, node: &Node) -> bool {
    spec.node_selector.iter().all(|(k, v)| node.labels.get(k) == Some(v))
        && spec.affinity.node_required.as_ref().is_none_or(|terms| terms.iter().any(|t| term_matches(t, node)))
}

impl FilterPlugin for NodeAffinity {
    fn name(&self) -> &'static str {
        "NodeAffinity"
    }

    fn filter(&self, pod: &PodContext<'_>, node: &Node) -> Result<(), Unfit> {
        if required_matches(pod.spec, node) {
            Ok(())
        } else {
            Err(Unfit::unresolvable(REASON))
        }
    }

    /// No nodeSelector and no required terms (an empty list of terms matches nothing, so it
    /// is not skipped).
    fn skip(&self, pod: &PodContext<'_>) -> bool {
        pod.spec.node_selector.is_empty() && pod.spec.affinity.node_required.is_none()
    }
}

/// The preferred terms' weights (weight 2 in the default profile).
pub struct NodeAffinityScore;

impl ScorePlugin for NodeAffinityScore {
    fn name(&self) -> &'static str {
        "NodeAffinity"
    }

    fn weight(&self) -> i64 {
        2
    }

    fn applies(&self, pod: &PodContext<'_>) -> bool {
        !pod.spec.affinity.node_preferred.is_empty()
    }

    fn score(&self, pod: &PodContext<'_>, node: &Node) -> i64 {
        pod.spec
            .affinity
            .node_preferred
            .iter()
            .filter(|p| term_matches(&p.preference, node))
            .map(|p| i64::from(p.weight))
            .sum()
    }

    fn normalize(&self, _pod: &PodContext<'_>, scores: &mut [i64]) {
        default_normalize(scores, false);
    }
}

/// A node that the profile's `addedAffinity` required terms do not admit (ErrReasonEnforced).
pub const REASON_ENFORCED: &str = "node(s) didn't match scheduler-enforced node affinity";

/// NodeAffinity with NodeAffinityArgs.addedAffinity: every pod of the profile must also
/// match the added required terms (node_affinity.go `Filter`: the added selector first).
pub struct NodeAffinityAdded(pub Arc<AddedAffinity>);

impl FilterPlugin for NodeAffinityAdded {
    fn name(&self) -> &'static str {
        "NodeAffinity"
    }

    fn filter(&self, pod: &PodContext<'_>, node: &Node) -> Result<(), Unfit> {
        if let Some(terms) = &self.0.required {
            if !terms.iter().any(|t| term_matches(t, node)) {
                return Err(Unfit::unresolvable(REASON_ENFORCED));
            }
        }
        NodeAffinity.filter(pod, node)
    }

    fn skip(&self, pod: &PodContext<'_>) -> bool {
        self.0.required.is_none() && NodeAffinity.skip(pod)
    }
}

/// The preferred terms' weights with the profile's added preferred terms (node_affinity.go
/// `Score`: the added terms' score plus the pod's).
pub struct NodeAffinityAddedScore(pub Arc<AddedAffinity>);

impl ScorePlugin for NodeAffinityAddedScore {
    fn name(&self) -> &'static str {
        "NodeAffinity"
    }

    fn weight(&self) -> i64 {
        2
    }

    fn applies(&self, pod: &PodContext<'_>) -> bool {
        !self.0.preferred.is_empty() || NodeAffinityScore.applies(pod)
    }

    fn score(&self, pod: &PodContext<'_>, node: &Node) -> i64 {
        let added: i64 =
            self.0.preferred.iter().filter(|p| term_matches(&p.preference, node)).map(|p| i64::from(p.weight)).sum();
        added + NodeAffinityScore.score(pod, node)
    }

    fn normalize(&self, _pod: &PodContext<'_>, scores: &mut [i64]) {
        default_normalize(scores, false);
    }
}
