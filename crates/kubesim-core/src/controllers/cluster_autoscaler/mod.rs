//! The Cluster Autoscaler (kubernetes/autoscaler, cluster-autoscaler/core): each scan, pods
//! the scheduler could not place are tested against every pool's template node with
//! kubesim's own scheduler filters (so the autoscaler and the scheduler never disagree),
//! bin-packed onto new nodes, and an expander picks the pool; nodes that stayed unneeded
//! long enough are drained and removed.
//!
//! Pure decisions over what the simulation observes; `sim/cluster_autoscaler.rs` carries
//! them out.

pub mod expander;
pub mod scale_down;
pub mod scale_up;

use crate::model::spec::NodeGroup;
use crate::model::store::Node;

/// One autoscaled pool as a scan sees it.
#[derive(Clone, Debug)]
pub struct PoolView<'a> {
    /// The group's index in `cluster.nodes`.
    pub group: usize,
    pub spec: &'a NodeGroup,
    /// Its target size: registered nodes and those still starting.
    pub target: u32,
    /// A node as the pool makes them, with the DaemonSet pods that would run there.
    pub template: Node,
}

impl PoolView<'_> {
    pub fn max(&self) -> u32 {
        self.spec.economics.bounds.map_or(self.target, |b| b.max)
    }

    pub fn min(&self) -> u32 {
        self.spec.economics.bounds.map_or(self.target, |b| b.min)
    }
}
