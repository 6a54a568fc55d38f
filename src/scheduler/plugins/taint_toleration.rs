//! TaintToleration: every NoSchedule / NoExecute taint of the node must be tolerated.

use super::{FilterPlugin, PodContext, Unfit};
use crate::model::spec::{Taint, TaintEffect, Toleration, TolerationOperator};
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

impl FilterPlugin for TaintToleration {
    fn name(&self) -> &'static str {
        "TaintToleration"
    }

    fn filter(&self, pod: &PodContext<'_>, node: &Node) -> Result<(), Unfit> {
        let untolerated = node.taints.iter().find(|taint| {
            matches!(taint.effect, TaintEffect::NoSchedule | TaintEffect::NoExecute)
                && !pod.spec.tolerations.iter().any(|t| tolerates(t, taint))
        });
        match untolerated {
            Some(taint) => Err(Unfit::unresolvable(describe(taint))),
            None => Ok(()),
        }
    }
}
