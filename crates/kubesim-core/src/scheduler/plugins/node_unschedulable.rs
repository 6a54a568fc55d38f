//! NodeUnschedulable: a cordoned node takes no new pods, unless the pod tolerates
//! `node.kubernetes.io/unschedulable:NoSchedule`.

use super::{FilterPlugin, PodContext, Unfit};
use crate::model::spec::{TaintEffect, TolerationOperator};
use crate::model::store::Node;

pub const REASON: &str = "node(s) were unschedulable";
const TAINT_KEY: &str = "node.kubernetes.io/unschedulable";

pub struct NodeUnschedulable;

impl FilterPlugin for NodeUnschedulable {
    fn name(&self) -> &'static str {
        "NodeUnschedulable"
    }

    #[inline]
    fn decided_by_fit_row(&self) -> bool {
        true
    }

    fn filter(&self, pod: &PodContext<'_>, node: &Node) -> Result<(), Unfit> {
        if !node.unschedulable {
            return Ok(());
        }
        if node.removed {
            // Deleted from the API: no toleration brings a pod there (the scheduler's
            // message leaves removed nodes out).
            return Err(Unfit::unresolvable(REASON.to_string()));
        }
        cordoned(pod)
    }
}

/// A cordoned node: fine only if the pod tolerates the unschedulable taint.
#[cold]
fn cordoned(pod: &PodContext<'_>) -> Result<(), Unfit> {
    let tolerated = pod.spec.tolerations.iter().any(|t| {
        (t.key == TAINT_KEY || (t.key.is_empty() && t.operator == TolerationOperator::Exists))
            && t.effect.is_none_or(|e| e == TaintEffect::NoSchedule)
    });
    if tolerated {
        Ok(())
    } else {
        Err(Unfit::unresolvable(REASON))
    }
}
