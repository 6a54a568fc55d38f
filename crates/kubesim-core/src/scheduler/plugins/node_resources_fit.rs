//! NodeResourcesFit: the pod's requests must fit in what the node has left, resource by
//! resource, and the node must have room for one more pod. Every shortfall is reported,
//! not just the first. Also the LeastAllocated / MostAllocated scores.

use super::{FilterPlugin, PodContext, ScorePlugin, Unfit, MAX_NODE_SCORE};
use crate::model::spec::{FitScoring, ScoringStrategy};
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

/// The resource-fit score of a KubeSchedulerConfiguration's NodeResourcesFitArgs: its
/// strategy over its resources and weights (resource_allocation.go `score`,
/// least_allocated.go, most_allocated.go, requested_to_capacity_ratio.go). Not fused: the
/// plain cpu-and-memory strategies keep `ResourceFitScore`.
pub struct ConfiguredFitScore(pub FitScoring);

/// framework.MaxNodeScore / config.MaxCustomPriorityScore: a shape's scores (0-10) scaled.
const SHAPE_SCALE: i64 = MAX_NODE_SCORE / 10;

/// helper.BuildBrokenLinearFunction over the shape (utilization, score already scaled).
fn broken_linear(shape: &[(i64, i64)], p: i64) -> i64 {
    for (i, &(u, s)) in shape.iter().enumerate() {
        if p <= u {
            if i == 0 {
                return s;
            }
            let (pu, ps) = shape[i - 1];
            return ps + (s - ps) * (p - pu) / (u - pu);
        }
    }
    shape.last().map_or(0, |&(_, s)| s)
}

impl ConfiguredFitScore {
    /// calculateResourceAllocatableRequest: (allocatable, requested with the pod) of one
    /// resource; cpu and memory with the non-zero defaults; (0, 0) for an extended resource
    /// the pod does not ask for.
    fn allocation(pod: &PodContext<'_>, node: &Node, resource: &str) -> (i64, i64) {
        match resource {
            "cpu" => (node.allocatable.cpu_millis, node.requested_nonzero.cpu_millis + pod.nonzero.cpu_millis),
            "memory" => (node.allocatable.memory_bytes, node.requested_nonzero.memory_bytes + pod.nonzero.memory_bytes),
            "ephemeral-storage" => (
                node.allocatable.ephemeral_storage_bytes,
                node.requested.ephemeral_storage_bytes + pod.requests.ephemeral_storage_bytes,
            ),
            other => {
                let want = pod.requests.extended.get(other).copied().unwrap_or(0);
                match node.allocatable.extended.get(other) {
                    Some(&alloc) if want > 0 => {
                        (alloc, node.requested.extended.get(other).copied().unwrap_or(0) + want)
                    }
                    _ => (0, 0),
                }
            }
        }
    }
}

impl ScorePlugin for ConfiguredFitScore {
    fn name(&self) -> &'static str {
        "NodeResourcesFit"
    }

    fn weight(&self) -> i64 {
        1
    }

    fn score(&self, pod: &PodContext<'_>, node: &Node) -> i64 {
        let shape: Vec<(i64, i64)> = self.0.shape.iter().map(|&(u, s)| (u, s * SHAPE_SCALE)).collect();
        let (mut total, mut weights) = (0i64, 0i64);
        for (resource, weight) in &self.0.resources {
            let (alloc, requested) = Self::allocation(pod, node, resource);
            if alloc == 0 {
                continue;
            }
            let score = match self.0.strategy {
                ScoringStrategy::LeastAllocated => least_requested(requested, alloc),
                ScoringStrategy::MostAllocated => most_requested(requested, alloc),
                ScoringStrategy::RequestedToCapacityRatio => {
                    let utilization = if requested > alloc { 100 } else { requested * 100 / alloc };
                    let score = broken_linear(&shape, utilization);
                    // Only resources that score count (buildRequestedToCapacityRatioScorerFunction).
                    if score <= 0 {
                        continue;
                    }
                    score
                }
            };
            total += score * weight;
            weights += weight;
        }
        if weights == 0 {
            return 0;
        }
        if self.0.strategy == ScoringStrategy::RequestedToCapacityRatio {
            // math.Round(nodeScore / weightSum), half away from zero.
            (total * 2 + weights) / (weights * 2)
        } else {
            total / weights
        }
    }
}

#[cfg(test)]
mod configured_tests {
    use super::*;

    /// requested_to_capacity_ratio_test.go's shape {0: 10, 100: 0} (scaled by 10): the
    /// broken line and its ends.
    #[test]
    fn the_broken_line_interpolates_between_points() {
        let shape = [(0, 100), (100, 0)];
        assert_eq!(broken_linear(&shape, 0), 100);
        assert_eq!(broken_linear(&shape, 30), 70);
        assert_eq!(broken_linear(&shape, 100), 0);
        let steps = [(10, 20), (50, 60)];
        assert_eq!(broken_linear(&steps, 5), 20, "below the first point: its score");
        assert_eq!(broken_linear(&steps, 30), 40);
        assert_eq!(broken_linear(&steps, 90), 60, "past the last point: its score");
    }
}
