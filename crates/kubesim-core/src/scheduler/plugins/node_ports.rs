//! NodePorts: a hostPort can be taken by one pod per node.

use super::{FilterPlugin, PodContext, Unfit};
use crate::model::store::Node;

pub const REASON: &str = "node(s) didn't have free ports for the requested pod ports";

pub struct NodePorts;

impl FilterPlugin for NodePorts {
    fn name(&self) -> &'static str {
        "NodePorts"
    }

    fn filter(&self, pod: &PodContext<'_>, node: &Node) -> Result<(), Unfit> {
        let taken = pod
            .spec
            .containers
            .iter()
            .flat_map(|c| c.host_ports.iter())
            .any(|p| node.host_ports.get(p).is_some_and(|n| *n > 0));
        if taken {
            Err(Unfit::resolvable(REASON))
        } else {
            Ok(())
        }
    }

    fn skip(&self, pod: &PodContext<'_>) -> bool {
        pod.spec.containers.iter().all(|c| c.host_ports.is_empty())
    }
}
