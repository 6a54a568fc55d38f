//! TaintToleration: every NoSchedule / NoExecute taint of the node must be tolerated
//! (Filter); fewer untolerated PreferNoSchedule taints score higher (Score).

use super::{default_normalize, FilterPlugin, PodContext, ScorePlugin, Unfit};
use crate::model::spec::{PodSpec, Taint, TaintEffect, Toleration, TolerationOperator};
use crate::model::store::Node;

pub struct TaintToleration;

/// Does `t` tolerate `taint` (v1 helper ToleratesTaint)?
pub fn tolerates(t: &Toleration, taint: &Taint) -> bool {
    if t.effect.is_some_and(|e| e != taint.effect) {
        return false;
    }
    if t.key.is_empty() {
        return t.operator == TolerationOperator::Exists;
    }
    if t.key != taint.key {
        return false;
    }
    match t.operator {
        TolerationOperator::Exists => true,
        TolerationOperator::Equal => t.value == taint.value,
    }
}

/// `{key: value}` as the scheduler prints an untolerated taint.
pub fn describe(taint: &Taint) -> String {
    format!("node(s) had untolerated taint {{{}: {}}}", taint.key, taint.value)
}

/// The first NoSchedule / NoExecute taint the pod does not tolerate.
pub fn untolerated_hard_taint<'n>(spec: &PodSpec, node: &'n Node) -> Option<&'n Taint> {
    node.taints.iter().find(|taint| {
        matches!(taint.effect, TaintEffect::NoSchedule | TaintEffect::NoExecute)
            && !spec.tolerations.iter().any(|t| tolerates(t, taint))
    })
}

impl FilterPlugin for TaintToleration {
    fn name(&self) -> &'static str {
        "TaintToleration"
    }

    fn decided_by_fit_row(&self) -> bool {
        true
    }

    #[inline]
    fn filter(&self, pod: &PodContext<'_>, node: &Node) -> Result<(), Unfit> {
        if node.taints.is_empty() {
            return Ok(());
        }
        match untolerated_hard_taint(pod.spec, node) {
            Some(taint) => Err(Unfit::unresolvable(describe(taint))),
            None => Ok(()),
        }
    }
}

/// Counts untolerated PreferNoSchedule taints; fewer is better (weight 3).
pub struct TaintTolerationScore;

impl ScorePlugin for TaintTolerationScore {
    fn name(&self) -> &'static str {
        "TaintToleration"
    }

    fn weight(&self) -> i64 {
        3
    }

    #[inline]
    fn score(&self, pod: &PodContext<'_>, node: &Node) -> i64 {
        // Only tolerations that apply to PreferNoSchedule taints count.
        let prefer = |t: &&Toleration| t.effect.is_none_or(|e| e == TaintEffect::PreferNoSchedule);
        node.taints
            .iter()
            .filter(|taint| taint.effect == TaintEffect::PreferNoSchedule)
            .filter(|taint| !pod.spec.tolerations.iter().filter(prefer).any(|t| tolerates(t, taint)))
            .count() as i64
    }

    fn normalize(&self, _pod: &PodContext<'_>, scores: &mut [i64]) {
        default_normalize(scores, true);
    }

    fn fusable(&self) -> bool {
        true
    }
}
