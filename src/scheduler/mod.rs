//! The scheduler: a queue of pods waiting for a node, the default profile's filters and
//! scores, and the words kube-scheduler says when a pod does not fit.
//!
//! This is the first version: resource fit, taints, nodeSelector, hostPorts, cordons;
//! affinity, topology spread and preemption come with the full scheduler.

pub mod plugins;
pub mod queue;

use crate::engine::Stream;
use crate::model::spec::ScoringStrategy;
use crate::model::store::{Node, NodeId};
use plugins::{FilterPlugin, PodContext, ScorePlugin};
use std::collections::BTreeMap;

pub use queue::SchedulingQueue;

/// The filter and score plugins of the default profile, in Kubernetes' order.
pub struct Profile {
    filters: Vec<Box<dyn FilterPlugin>>,
    scores: Vec<Box<dyn ScorePlugin>>,
}

impl Profile {
    pub fn default_profile(scoring: ScoringStrategy) -> Self {
        use plugins::*;
        Profile {
            filters: vec![
                Box::new(node_unschedulable::NodeUnschedulable),
                Box::new(node_name::NodeName),
                Box::new(taint_toleration::TaintToleration),
                Box::new(node_affinity::NodeAffinity),
                Box::new(node_ports::NodePorts),
                Box::new(node_resources_fit::NodeResourcesFit),
            ],
            scores: vec![
                Box::new(node_resources_fit::ResourceFitScore(scoring)),
                Box::new(balanced_allocation::BalancedAllocation),
            ],
        }
    }

    /// One scheduling attempt: the chosen node, or why none fits.
    pub fn schedule(&self, pod: &PodContext<'_>, nodes: &[Node], rng: &mut Stream) -> Result<NodeId, FitError> {
        let mut feasible: Vec<NodeId> = Vec::new();
        let mut failures: Vec<plugins::Unfit> = Vec::new();
        for (id, node) in nodes.iter().enumerate() {
            match self.filters.iter().try_for_each(|f| f.filter(pod, node)) {
                Ok(()) => feasible.push(id as NodeId),
                Err(unfit) => failures.push(unfit),
            }
        }
        if feasible.is_empty() {
            return Err(FitError { nodes: nodes.len(), failures });
        }
        Ok(self.select_host(pod, nodes, &feasible, rng))
    }

    /// The weighted score of a node.
    pub fn score(&self, pod: &PodContext<'_>, node: &Node) -> i64 {
        self.scores.iter().map(|s| s.weight() * s.score(pod, node)).sum()
    }

    /// selectHost: the highest score; ties broken uniformly at random by reservoir
    /// sampling, as kube-scheduler does, from the scheduling stream.
    fn select_host(&self, pod: &PodContext<'_>, nodes: &[Node], feasible: &[NodeId], rng: &mut Stream) -> NodeId {
        if feasible.len() == 1 {
            return feasible[0];
        }
        let mut best = feasible[0];
        let mut best_score = i64::MIN;
        let mut ties = 0usize;
        for &id in feasible {
            let score = self.score(pod, &nodes[id as usize]);
            if score > best_score {
                best_score = score;
                best = id;
                ties = 1;
            } else if score == best_score {
                ties += 1;
                if rng.below(ties) == 0 {
                    best = id;
                }
            }
        }
        best
    }
}

/// No node fits: the reasons per node, for the FailedScheduling message.
#[derive(Clone, Debug)]
pub struct FitError {
    pub nodes: usize,
    pub failures: Vec<plugins::Unfit>,
}

/// "N reason" parts, counted across nodes and sorted by text (sortReasonsHistogram).
fn histogram<'a>(reasons: impl Iterator<Item = &'a str>) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for r in reasons {
        *counts.entry(r).or_insert(0) += 1;
    }
    let mut parts: Vec<String> = counts.into_iter().map(|(r, n)| format!("{n} {r}")).collect();
    parts.sort();
    parts.join(", ")
}

impl FitError {
    /// The FailedScheduling message, e.g. `0/3 nodes are available: 3 Insufficient cpu.
    /// preemption: 0/3 nodes are available: 3 No preemption victims found for incoming
    /// pod.` Without priorities there are never victims: nodes that fail on resources say
    /// so; nodes that fail on something eviction cannot fix say preemption is not helpful.
    pub fn message(&self) -> String {
        if self.nodes == 0 {
            return "no nodes available to schedule pods".to_string();
        }
        let reasons = histogram(self.failures.iter().flat_map(|f| f.reasons.iter().map(String::as_str)));
        let preemption = histogram(self.failures.iter().map(|f| {
            if f.unresolvable {
                "Preemption is not helpful for scheduling"
            } else {
                "No preemption victims found for incoming pod"
            }
        }));
        let n = self.nodes;
        format!("0/{n} nodes are available: {reasons}. preemption: 0/{n} nodes are available: {preemption}.")
    }
}

#[cfg(test)]
mod tests;
