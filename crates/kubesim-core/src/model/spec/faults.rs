//! Random failures: the scenario's `faults:` section.

use crate::engine::SimDuration;

/// Random failures (`faults:`), drawn from the Faults stream: every variant of a sweep with
/// the same seed sees the same failures at the same times.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FaultsSpec {
    /// Node crashes, per node group (or for all nodes).
    pub nodes: Vec<NodeFaultProcess>,
    /// Container crashes.
    pub containers: Vec<ContainerFaultProcess>,
}

/// Each node (of `group`, or every node) crashes after an exponential time of mean `mtbf`
/// and recovers after an exponential time of mean `mttr`.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeFaultProcess {
    /// A `cluster.nodes[].name`; None: every node.
    pub group: Option<String>,
    pub mtbf: SimDuration,
    pub mttr: SimDuration,
}

/// Each running container (of pods on nodes of `group`, or everywhere) crashes after an
/// exponential time of mean `mtbf` from its start.
#[derive(Clone, Debug, PartialEq)]
pub struct ContainerFaultProcess {
    pub group: Option<String>,
    pub mtbf: SimDuration,
}
