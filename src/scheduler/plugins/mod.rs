//! Filter and score plugins of the default profile, one per file, as in
//! pkg/scheduler/framework/plugins.

pub mod balanced_allocation;
pub mod node_affinity;
pub mod node_name;
pub mod node_ports;
pub mod node_resources_fit;
pub mod node_unschedulable;
pub mod taint_toleration;

use crate::model::spec::{PodSpec, Resources};
use crate::model::store::{Node, NonZero};

/// The highest score a plugin gives (framework.MaxNodeScore).
pub const MAX_NODE_SCORE: i64 = 100;

/// What the plugins need of the pod being scheduled, computed once per attempt.
pub struct PodContext<'a> {
    pub spec: &'a PodSpec,
    pub requests: Resources,
    pub nonzero: NonZero,
}

impl<'a> PodContext<'a> {
    pub fn new(spec: &'a PodSpec) -> Self {
        PodContext { spec, requests: spec.requests(), nonzero: NonZero::of(spec) }
    }
}

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
}

pub trait FilterPlugin: Sync {
    fn name(&self) -> &'static str;
    fn filter(&self, pod: &PodContext<'_>, node: &Node) -> Result<(), Unfit>;
}

pub trait ScorePlugin: Sync {
    fn name(&self) -> &'static str;
    fn weight(&self) -> i64;
    /// A score in 0..=MAX_NODE_SCORE.
    fn score(&self, pod: &PodContext<'_>, node: &Node) -> i64;
}
