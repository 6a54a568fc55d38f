//! The default profile's common case in one pass over the packed node rows (`NodeFit`):
//! a pod that asks for cpu, memory and storage only, with no node affinity, host ports,
//! hard spreading or inter-pod affinity to check, and no preferences beyond resource fit,
//! balance, taints and the spreading scores. Most pods of most clusters are such pods.
//!
//! The general path (each plugin over every node: `Profile::find_feasible`'s plugin
//! filters, `Profile::scores`) stays the reference. This one must decide and score
//! exactly as it does, so that a run's output does not depend on which path a pod took;
//! debug builds check that both agree on every attempt.

use super::plugins::balanced_allocation::{balanced_score, BalancedAllocation};
use super::plugins::node_resources_fit::{resource_fit_score, ResourceFitScore};
use super::plugins::pod_topology_spread::{PodTopologySpreadScore, SpreadScorer};
use super::plugins::taint_toleration::TaintTolerationScore;
use super::plugins::{PodContext, ScorePlugin, MAX_NODE_SCORE};
use crate::model::spec::{Resources, ScoringStrategy};
use crate::model::store::{Node, NodeFit, NodeId};
use std::collections::BTreeMap;

/// Whether a node passes NodeUnschedulable, TaintToleration and NodeResourcesFit for a
/// pod that wants `want` (no extended resources) judging by its row alone. A node that
/// does not may still pass (a pod that tolerates its taints): the caller then asks the
/// plugins.
#[inline]
pub fn fits(row: &NodeFit, want: &Resources) -> bool {
    let short = |want: i64, free: i64| want > 0 && want > free;
    row.plain
        && row.free_pods > 0
        && !short(want.cpu_millis, row.free_cpu_millis)
        && !short(want.memory_bytes, row.free_memory_bytes)
        && !short(want.ephemeral_storage_bytes, row.free_ephemeral_bytes)
}

/// Scratch space for one attempt's scores, kept by the profile between attempts, and the
/// resource scores remembered per node.
#[derive(Default)]
pub struct ScoreBuffers {
    taint: Vec<i64>,
    spread: Vec<i64>,
    pub total: Vec<i64>,
    resource: ResourceScoreCache,
}

/// Per node, the last resource-fit-plus-balance score and what it was for. The score
/// depends on the node's row and the pod's requests only, so it holds until the row
/// changes (its generation moves); between two pods of one ReplicaSet only the node the
/// first went to has. Saves four divisions per node scored.
#[derive(Default)]
struct ResourceScoreCache {
    /// The pods' (non-zero cpu, non-zero memory, cpu, memory) requests seen, numbered from 1.
    shapes: BTreeMap<[i64; 4], u32>,
    by_node: Vec<CachedScore>,
}

#[derive(Clone, Copy, Default)]
struct CachedScore {
    /// 0: nothing cached.
    shape: u32,
    generation: u64,
    score: i64,
}

impl ResourceScoreCache {
    fn shape(&mut self, key: [i64; 4]) -> u32 {
        let next = self.shapes.len() as u32 + 1;
        *self.shapes.entry(key).or_insert(next)
    }
}

/// The weighted, normalised totals of the feasible nodes, as `Profile::scores` computes
/// them when every plugin that applies is fusable, into `buffers.total`.
pub fn scores(
    strategy: ScoringStrategy,
    pod: &PodContext<'_>,
    nodes: &[Node],
    fit: &[NodeFit],
    feasible: &[NodeId],
    buffers: &mut ScoreBuffers,
) {
    let ScoreBuffers { taint, spread, total, resource } = buffers;
    let (cpu, memory) = (pod.nonzero.cpu_millis, pod.nonzero.memory_bytes);
    let (want_cpu, want_memory) = (pod.requests.cpu_millis, pod.requests.memory_bytes);
    let (fit_weight, balance_weight) = (ResourceFitScore(strategy).weight(), BalancedAllocation.weight());
    let shape = resource.shape([cpu, memory, want_cpu, want_memory]);
    if resource.by_node.len() < fit.len() {
        resource.by_node.resize(fit.len(), CachedScore::default());
    }
    let cache = &mut resource.by_node;
    let mut any_prefer_no_schedule = false;
    total.clear();
    spread.clear();
    for &id in feasible {
        let row = &fit[id.index()];
        any_prefer_no_schedule |= row.prefer_no_schedule;
        let cached = &mut cache[id.index()];
        let score = if cached.shape == shape && cached.generation == row.generation {
            cached.score
        } else {
            let fit_score = resource_fit_score(
                strategy,
                (row.nonzero_cpu_millis + cpu, row.allocatable_cpu_millis),
                (row.nonzero_memory_bytes + memory, row.allocatable_memory_bytes),
            );
            let balance = balanced_score(
                (row.requested_cpu_millis + want_cpu, row.allocatable_cpu_millis),
                (row.requested_memory_bytes + want_memory, row.allocatable_memory_bytes),
            );
            let score = fit_weight * fit_score + balance_weight * balance;
            *cached = CachedScore { shape, generation: row.generation, score };
            score
        };
        total.push(score);
    }
    let taint_weight = TaintTolerationScore.weight();
    // With no PreferNoSchedule taint on any of them, every node normalises to the top.
    let mut everywhere = taint_weight * MAX_NODE_SCORE;
    if any_prefer_no_schedule {
        everywhere = 0;
        taint.clear();
        taint.extend(feasible.iter().map(|&id| {
            if fit[id.index()].prefer_no_schedule {
                TaintTolerationScore.score(pod, &nodes[id.index()])
            } else {
                0
            }
        }));
        TaintTolerationScore.normalize(pod, taint);
        for (t, s) in total.iter_mut().zip(taint.iter()) {
            *t += taint_weight * s;
        }
    }
    if PodTopologySpreadScore.applies(pod) {
        SpreadScorer::new(pod).add_normalized(feasible, PodTopologySpreadScore.weight(), everywhere, total, spread);
    } else {
        for t in total.iter_mut() {
            *t += everywhere;
        }
    }
}
