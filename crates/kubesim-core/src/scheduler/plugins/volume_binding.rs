//! VolumeBinding (pkg/scheduler/framework/plugins/volumebinding): a pod's
//! PersistentVolumeClaims must exist, an Immediate claim must be bound (PreFilter); a
//! bound volume's node affinity must hold on the node, and an unbound WaitForFirstConsumer
//! claim must find a volume reachable from the node or have a class that provisions one
//! (Filter). The decisions are `controllers/persistentvolume.rs`'s; the pod's side of them
//! is read once per attempt into `PodContext::volumes`.

use super::{FilterPlugin, PodContext, Unfit};
use crate::controllers::persistentvolume::{BIND_CONFLICT, NODE_CONFLICT};
use crate::model::spec::NodeSelectorTerm;
use crate::model::store::Node;

/// A pod's claims as one scheduling attempt sees them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VolumeNeeds {
    /// PreFilter's rejection (UnschedulableAndUnresolvable on every node).
    pub rejected: Option<String>,
    /// The node affinity of each bound volume that has one.
    pub bound_affinity: Vec<Vec<NodeSelectorTerm>>,
    /// For each unbound WaitForFirstConsumer claim whose class provisions nothing, the node
    /// affinity of each volume that could bind it (None: reachable from every node).
    pub unbound_candidates: Vec<Vec<Option<Vec<NodeSelectorTerm>>>>,
}

impl VolumeNeeds {
    /// Nothing to check on any node.
    pub fn is_empty(&self) -> bool {
        self.rejected.is_none() && self.bound_affinity.is_empty() && self.unbound_candidates.is_empty()
    }

    /// The pod's claims, read off the store.
    pub fn of(store: &crate::model::store::Store, namespace: &str, claims: &[String]) -> Self {
        use crate::controllers::persistentvolume as pv;
        if claims.is_empty() {
            return VolumeNeeds::default();
        }
        let volumes = pv::pod_volumes(store, namespace, claims);
        let bound_affinity =
            volumes.bound.iter().filter_map(|&v| store.volumes[v].spec.node_affinity.clone()).collect();
        let unbound_candidates = volumes
            .unbound
            .iter()
            .filter(|&&c| {
                pv::class_of(store, &store.claims[c])
                    .is_none_or(|k| k.provisioner == crate::model::spec::NO_PROVISIONER)
            })
            .map(|&c| {
                let claim = &store.claims[c];
                store
                    .volumes
                    .iter()
                    .filter(|v| pv::satisfies(v, claim, c, None))
                    .map(|v| v.spec.node_affinity.clone())
                    .collect()
            })
            .collect();
        VolumeNeeds { rejected: volumes.rejected, bound_affinity, unbound_candidates }
    }
}

fn reachable(affinity: &[NodeSelectorTerm], node: &Node) -> bool {
    affinity.iter().any(|t| super::node_affinity::term_matches(t, node))
}

pub struct VolumeBinding;

impl FilterPlugin for VolumeBinding {
    fn name(&self) -> &'static str {
        "VolumeBinding"
    }

    fn filter(&self, pod: &PodContext<'_>, node: &Node) -> Result<(), Unfit> {
        let needs = &pod.volumes;
        if let Some(why) = &needs.rejected {
            return Err(Unfit::unresolvable(why.clone()));
        }
        if needs.bound_affinity.iter().any(|a| !reachable(a, node)) {
            return Err(Unfit::unresolvable(NODE_CONFLICT));
        }
        let unbindable = needs
            .unbound_candidates
            .iter()
            .any(|candidates| !candidates.iter().any(|a| a.as_ref().is_none_or(|a| reachable(a, node))));
        if unbindable {
            return Err(Unfit::unresolvable(BIND_CONFLICT));
        }
        Ok(())
    }

    fn skip(&self, pod: &PodContext<'_>) -> bool {
        pod.volumes.is_empty()
    }
}
