//! NodeName: a pod that names its node (`spec.nodeName`) fits only there.

use super::{FilterPlugin, PodContext, Unfit};
use crate::model::store::Node;

pub const REASON: &str = "node(s) didn't match the requested node name";

pub struct NodeName;

impl FilterPlugin for NodeName {
    fn name(&self) -> &'static str {
        "NodeName"
    }

    fn filter(&self, pod: &PodContext<'_>, node: &Node) -> Result<(), Unfit> {
        match &pod.spec.node_name {
            Some(name) if *name != node.name => Err(Unfit::unresolvable(REASON)),
            _ => Ok(()),
        }
    }

    fn skip(&self, pod: &PodContext<'_>) -> bool {
        pod.spec.node_name.is_none()
    }
}
