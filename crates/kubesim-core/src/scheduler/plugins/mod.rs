//! Filter and score plugins of the default profile, one per file, as in
//! pkg/scheduler/framework/plugins.

pub mod balanced_allocation;
pub mod image_locality;
pub mod inter_pod_affinity;
pub mod node_affinity;
pub mod node_name;
pub mod node_ports;
pub mod node_resources_fit;
pub mod node_unschedulable;
pub mod pod_topology_spread;
pub mod taint_toleration;
pub mod volume_binding;

pub use super::cycle::PodContext;
use crate::model::store::{Node, NodeId};
use std::collections::BTreeMap;

/// The highest score a plugin gives (framework.MaxNodeScore).
pub const MAX_NODE_SCORE: i64 = 100;

/// Why a node does not fit, in the scheduler's words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unfit {
    pub reasons: Vec<String>,
    /// UnschedulableAndUnresolvable: removing pods from the node would not help, so
    /// preemption is "not helpful" there.
    pub unresolvable: bool,
}

impl Unfit {
    pub fn unresolvable(reason: impl Into<String>) -> Self {
        Unfit { reasons: vec![reason.into()], unresolvable: true }
    }

    pub fn resolvable(reason: impl Into<String>) -> Self {
        Unfit { reasons: vec![reason.into()], unresolvable: false }
    }
}

pub trait FilterPlugin: Sync {
    fn name(&self) -> &'static str;
    fn filter(&self, pod: &PodContext<'_>, node: &Node) -> Result<(), Unfit>;
    /// PreFilter's Skip: true when the filter passes every node for this pod, so the search
    /// need not ask it node by node (as the framework skips such plugins).
    fn skip(&self, _pod: &PodContext<'_>) -> bool {
        false
    }
    /// A node whose packed row passes `fused::fits` passes this filter too, so the common
    /// search need not ask it (NodeUnschedulable, TaintToleration, NodeResourcesFit).
    fn decided_by_fit_row(&self) -> bool {
        false
    }
}

/// Out of line, so the loop over nodes that fit stays small.
#[cold]
pub(super) fn record_failure(failures: &mut BTreeMap<NodeId, Unfit>, id: NodeId, unfit: Unfit) {
    failures.insert(id, unfit);
}

pub trait ScorePlugin: Sync {
    fn name(&self) -> &'static str;
    fn weight(&self) -> i64;
    /// The raw score of one node (before NormalizeScore).
    fn score(&self, pod: &PodContext<'_>, node: &Node) -> i64;
    /// The raw scores of the feasible nodes, in their order, into `out`. One call per
    /// plugin: the loop over `score` is compiled for each plugin, so no node pays for a
    /// dynamic call.
    fn score_all(&self, pod: &PodContext<'_>, nodes: &[Node], feasible: &[NodeId], out: &mut Vec<i64>) {
        out.clear();
        out.extend(feasible.iter().map(|&id| self.score(pod, &nodes[id.index()])));
    }
    /// NormalizeScore over the feasible nodes' raw scores, into 0..=MAX_NODE_SCORE.
    fn normalize(&self, _pod: &PodContext<'_>, _scores: &mut [i64]) {}
    /// Scored by `fused::scores` in one pass with the others that are (the plugins whose
    /// inputs are in the packed node rows or the topology indexes).
    fn fusable(&self) -> bool {
        false
    }
    /// Whether the plugin has anything to say for this pod (PreScore's Skip).
    fn applies(&self, _pod: &PodContext<'_>) -> bool {
        true
    }
}

/// DefaultNormalizeScore: scale to 0..100 by the highest score; `reverse` flips it.
pub fn default_normalize(scores: &mut [i64], reverse: bool) {
    let max = scores.iter().copied().max().unwrap_or(0);
    if max == 0 {
        if reverse {
            scores.iter_mut().for_each(|s| *s = MAX_NODE_SCORE);
        }
        return;
    }
    for s in scores.iter_mut() {
        let v = MAX_NODE_SCORE * *s / max;
        *s = if reverse { MAX_NODE_SCORE - v } else { v };
    }
}
