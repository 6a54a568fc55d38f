//! NodeResourcesFit: the pod's requests must fit in what the node has left, resource by
//! resource, and the node must have room for one more pod. Every shortfall is reported,
//! not just the first. Also the LeastAllocated / MostAllocated scores.

use super::{FilterPlugin, PodContext, ScorePlugin, Unfit, MAX_NODE_SCORE};
use crate::model::spec::ScoringStrategy;
use crate::model::store::Node;

pub const TOO_MANY_PODS: &str = "Too many pods";

pub struct NodeResourcesFit;

impl FilterPlugin for NodeResourcesFit {
    fn name(&self) -> &'static str {
        "NodeResourcesFit"
    }

    fn decided_by_fit_row(&self) -> bool {
        true
    }

    #[inline]
    fn filter(&self, pod: &PodContext<'_>, node: &Node) -> Result<(), Unfit> {
        let (alloc, used, want) = (&node.allocatable, &node.requested, &pod.requests);
        // The common case first, in plain integer compares: everything fits.
        let short = |want: i64, used: i64, alloc: i64| want > 0 && want > alloc - used;
        if (node.pods.len() as i64) < alloc.pods
            && !short(want.cpu_millis, used.cpu_millis, alloc.cpu_millis)
            && !short(want.memory_bytes, used.memory_bytes, alloc.memory_bytes)
            && !short(want.ephemeral_storage_bytes, used.ephemeral_storage_bytes, alloc.ephemeral_storage_bytes)
            && want.extended.is_empty()
        {
            return Ok(());
        }
        shortfalls(pod, node)
    }
}

/// Every shortfall of the node, in the scheduler's words (out of line: the fitting case
/// above stays small enough to inline into the search).
#[cold]
#[inline(never)]
fn shortfalls(pod: &PodContext<'_>, node: &Node) -> Result<(), Unfit> {
    let (alloc, used, want) = (&node.allocatable, &node.requested, &pod.requests);
    let mut reasons = Vec::new();
    if node.pods.len() as i64 + 1 > alloc.pods {
        reasons.push(TOO_MANY_PODS.to_string());
    }
    let checks = [
        ("cpu", want.cpu_millis, used.cpu_millis, alloc.cpu_millis),
        ("memory", want.memory_bytes, used.memory_bytes, alloc.memory_bytes),
        (
            "ephemeral-storage",
            want.ephemeral_storage_bytes,
            used.ephemeral_storage_bytes,
            alloc.ephemeral_storage_bytes,
        ),
    ];
    for (name, want, used, alloc) in checks {
        if want > 0 && want > alloc - used {
            reasons.push(format!("Insufficient {name}"));
        }
    }
    for (name, want) in &want.extended {
        let alloc = alloc.extended.get(name).copied().unwrap_or(0);
        let used = used.extended.get(name).copied().unwrap_or(0);
        if *want > 0 && *want > alloc - used {
            reasons.push(format!("Insufficient {name}"));
        }
    }
    if reasons.is_empty() {
        Ok(())
    } else {
        Err(Unfit { reasons, unresolvable: false })
    }
}

/// The resource-fit score with the chosen strategy, over cpu and memory, weight 1 each.
pub struct ResourceFitScore(pub ScoringStrategy);

#[inline]
fn least_requested(requested: i64, capacity: i64) -> i64 {
    if capacity <= 0 || requested > capacity {
        return 0;
    }
    (capacity - requested) * MAX_NODE_SCORE / capacity
}

#[inline]
fn most_requested(requested: i64, capacity: i64) -> i64 {
    if capacity <= 0 {
        return 0;
    }
    requested.min(capacity) * MAX_NODE_SCORE / capacity
}

impl ScorePlugin for ResourceFitScore {
    fn name(&self) -> &'static str {
        "NodeResourcesFit"
    }

    fn weight(&self) -> i64 {
        1
    }

    #[inline]
    fn score(&self, pod: &PodContext<'_>, node: &Node) -> i64 {
        resource_fit_score(
            self.0,
            (node.requested_nonzero.cpu_millis + pod.nonzero.cpu_millis, node.allocatable.cpu_millis),
            (node.requested_nonzero.memory_bytes + pod.nonzero.memory_bytes, node.allocatable.memory_bytes),
        )
    }

    fn fusable(&self) -> bool {
        true
    }
}

/// The score of a node that would have (requested, capacity) of cpu and of memory, each
/// with the non-zero defaults, by the strategy.
#[inline]
pub fn resource_fit_score(strategy: ScoringStrategy, cpu: (i64, i64), memory: (i64, i64)) -> i64 {
    let per_resource = |(req, cap): (i64, i64)| match strategy {
        ScoringStrategy::LeastAllocated => least_requested(req, cap),
        // RequestedToCapacityRatio with its default shape (0 -> 0, 100 -> 100) is
        // MostAllocated; custom shapes are not modelled.
        ScoringStrategy::MostAllocated | ScoringStrategy::RequestedToCapacityRatio => most_requested(req, cap),
    };
    (per_resource(cpu) + per_resource(memory)) / 2
}
