//! The system default spreading's pod counts by topology domain (hostname and zone).
//!
//! kube-scheduler gives a pod without `topologySpreadConstraints` the system default
//! constraints over `DefaultSelector` (pkg/scheduler/framework/plugins/helper/spread.go):
//! the selectors of the Services that select the pod, with the selector of its controller
//! when that is a ReplicationController, a ReplicaSet or a StatefulSet, all required at once
//! (podtopologyspread/common.go `buildDefaultConstraints`; no selector, no constraints).
//!
//! - A pod of a ReplicaSet (or ReplicationController: a row of the same table) or of a
//!   StatefulSet: the counts of its owner's pods, kept up to date as pods are bound and
//!   start terminating, so the common case costs nothing per node or per pod at scheduling
//!   time. The owner's pods are exactly the pods its selector and its Services' selectors
//!   match, unless some other pod carries matching labels: that pod is not counted.
//! - Any other pod that a Service selects (a bare pod, a Job's): the pods the Services'
//!   merged selector matches, counted when the pod is scheduled (`selector_counts`),
//!   through the store's label index.

use super::cycle::{HOSTNAME, ZONE};
use super::topology::{TopologyCache, MISSING};
use crate::model::spec::Selector;
use crate::model::store::{NodeId, PodId, PodOwner, Store};
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Default)]
pub struct OwnerSpread {
    version: u64,
    /// (owner, topology key) -> bound, not terminating pods per value of the key.
    counts: BTreeMap<(PodOwner, &'static str), Arc<Vec<i64>>>,
}

const KEYS: [&str; 2] = [HOSTNAME, ZONE];

/// Whether the owner's pods are counted incrementally: the controllers whose selector
/// `DefaultSelector` takes (ReplicationControllers are ReplicaSet rows).
pub fn counted_owner(owner: Option<PodOwner>) -> Option<PodOwner> {
    owner.filter(|o| matches!(o, PodOwner::ReplicaSet(_) | PodOwner::StatefulSet(_)))
}

/// Hostname and zone counts of `pods` (bound, not terminating, not finished).
fn count(store: &Store, topology: &TopologyCache, pods: &mut dyn Iterator<Item = PodId>) -> [Vec<i64>; 2] {
    let indexes = KEYS.map(|key| topology.get(key));
    let mut counts = [vec![0i64; indexes[0].values.len()], vec![0i64; indexes[1].values.len()]];
    for p in pods {
        let pod = &store.pods[p];
        if let (Some(n), true) = (pod.node, pod.is_active()) {
            for (index, counts) in indexes.iter().zip(counts.iter_mut()) {
                let v = index.value_of(n);
                if v != MISSING {
                    counts[v as usize] += 1;
                }
            }
        }
    }
    counts
}

/// The hostname and zone counts of the pods of `namespace` that `selector` matches (bound,
/// not terminating), for a pod whose default selector is its Services' alone.
pub fn selector_counts(
    store: &Store,
    topology: &TopologyCache,
    namespace: &str,
    selector: &Selector,
) -> [Arc<Vec<i64>>; 2] {
    let pods = store.bound_pods_matching(&[namespace.to_string()], selector);
    count(store, topology, &mut pods.into_iter()).map(Arc::new)
}

impl OwnerSpread {
    /// The hostname and zone counts of `owner`'s pods, built from its pods on first use.
    pub fn get(&mut self, store: &Store, topology: &TopologyCache, owner: PodOwner) -> [Arc<Vec<i64>>; 2] {
        if self.version != store.node_labels_version() {
            self.counts.clear();
            self.version = store.node_labels_version();
        }
        if let (Some(host), Some(zone)) = (self.counts.get(&(owner, HOSTNAME)), self.counts.get(&(owner, ZONE))) {
            return [host.clone(), zone.clone()];
        }
        let [host, zone] = match owner {
            PodOwner::StatefulSet(s) => count(store, topology, &mut store.stateful_sets[s].pods.values().copied()),
            PodOwner::ReplicaSet(rs) => count(store, topology, &mut store.replica_sets[rs].pods.iter().copied()),
            PodOwner::Job(_) | PodOwner::DaemonSet(_) => [Vec::new(), Vec::new()],
        };
        let (host, zone) = (Arc::new(host), Arc::new(zone));
        self.counts.insert((owner, HOSTNAME), host.clone());
        self.counts.insert((owner, ZONE), zone.clone());
        [host, zone]
    }

    /// Every cached count equals a fresh recount (an invariant checked at the end of debug
    /// runs): the incremental updates never drift.
    pub fn verify(&self, store: &Store, topology: &TopologyCache) -> Result<(), String> {
        if self.version != store.node_labels_version() {
            return Ok(());
        }
        let mut fresh = OwnerSpread { version: self.version, counts: BTreeMap::new() };
        for (&(owner, key), cached) in &self.counts {
            let recount = fresh.get(store, topology, owner);
            let i = KEYS.iter().position(|k| *k == key).unwrap_or(0);
            if recount[i] != *cached {
                return Err(format!("{owner:?}, key {key}: cached {cached:?}, recounted {:?}", recount[i]));
            }
        }
        Ok(())
    }

    /// A pod of `owner` started counting on `node` (+1: bound) or stopped (-1: terminating).
    pub fn pod_counted(&mut self, topology: &TopologyCache, owner: Option<PodOwner>, node: NodeId, delta: i64) {
        let Some(owner) = counted_owner(owner) else { return };
        for key in KEYS {
            if let Some(counts) = self.counts.get_mut(&(owner, key)) {
                let v = topology.get(key).value_of(node);
                if v != MISSING {
                    if let Some(c) = Arc::make_mut(counts).get_mut(v as usize) {
                        *c += delta;
                    }
                }
            }
        }
    }
}
