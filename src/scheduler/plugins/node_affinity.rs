//! NodeAffinity: `nodeSelector` must match the node's labels. (Affinity terms come with
//! the full scheduler.)

use super::{FilterPlugin, PodContext, Unfit};
use crate::model::store::Node;

pub const REASON: &str = "node(s) didn't match Pod's node affinity/selector";

pub struct NodeAffinity;

impl FilterPlugin for NodeAffinity {
    fn name(&self) -> &'static str {
        "NodeAffinity"
    }

    fn filter(&self, pod: &PodContext<'_>, node: &Node) -> Result<(), Unfit> {
        let matches = pod.spec.node_selector.iter().all(|(k, v)| node.labels.get(k) == Some(v));
        if matches {
            Ok(())
        } else {
            Err(Unfit::unresolvable(REASON))
        }
    }
}
