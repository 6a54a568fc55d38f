//! NodeResourcesBalancedAllocation: prefer nodes whose cpu and memory would be used in
//! equal fractions: `(1 - stddev of the fractions) * 100`.

use super::{PodContext, ScorePlugin, MAX_NODE_SCORE};
use crate::model::store::Node;

pub struct BalancedAllocation;

#[inline]
fn fraction(requested: i64, capacity: i64) -> f64 {
    if capacity <= 0 {
        return 1.0;
    }
    (requested as f64 / capacity as f64).min(1.0)
}

impl ScorePlugin for BalancedAllocation {
    fn name(&self) -> &'static str {
        "NodeResourcesBalancedAllocation"
    }

    fn weight(&self) -> i64 {
        1
    }

    #[inline]
    fn score(&self, pod: &PodContext<'_>, node: &Node) -> i64 {
        balanced_score(
            (node.requested.cpu_millis + pod.requests.cpu_millis, node.allocatable.cpu_millis),
            (node.requested.memory_bytes + pod.requests.memory_bytes, node.allocatable.memory_bytes),
        )
    }

    fn fusable(&self) -> bool {
        true
    }
}

/// The score of a node that would have (requested, capacity) of cpu and of memory.
#[inline]
pub fn balanced_score(cpu: (i64, i64), memory: (i64, i64)) -> i64 {
    let (cpu, mem) = (fraction(cpu.0, cpu.1), fraction(memory.0, memory.1));
    // With two resources the standard deviation is half their difference.
    let std = ((cpu - mem) / 2.0).abs();
    ((1.0 - std) * MAX_NODE_SCORE as f64) as i64
}
