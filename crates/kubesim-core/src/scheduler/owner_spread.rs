//! Per-owner pod counts by topology domain, kept up to date as pods are bound and deleted,
//! so that the system default spreading costs nothing per node at scheduling time.
//!
//! Kubernetes' own newer releases count the pods of the same owner the same way
//! (`PodsWithOwnerRef`); pods that match a ReplicaSet's selector without belonging to it
//! are not counted.

use super::cycle::{HOSTNAME, ZONE};
use super::topology::{TopologyCache, MISSING};
use crate::model::store::{NodeId, PodOwner, RsId, Store};
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Default)]
pub struct OwnerSpread {
    version: u64,
    /// (ReplicaSet, topology key) -> bound, not terminating pods per value of the key.
    counts: BTreeMap<(RsId, &'static str), Arc<Vec<i64>>>,
}

const KEYS: [&str; 2] = [HOSTNAME, ZONE];

impl OwnerSpread {
    /// The hostname and zone counts of `rs`, built from its pods on first use.
    pub fn get(&mut self, store: &Store, topology: &TopologyCache, rs: RsId) -> [Arc<Vec<i64>>; 2] {
        if self.version != store.node_labels_version() {
            self.counts.clear();
            self.version = store.node_labels_version();
        }
        KEYS.map(|key| {
            self.counts
                .entry((rs, key))
                .or_insert_with(|| {
                    let index = topology.get(key);
                    let mut counts = vec![0i64; index.values.len()];
                    for &p in &store.replica_sets[rs].pods {
                        let pod = &store.pods[p];
                        if let (Some(n), true) = (pod.node, pod.is_active()) {
                            let v = index.value_of(n);
                            if v != MISSING {
                                counts[v as usize] += 1;
                            }
                        }
                    }
                    Arc::new(counts)
                })
                .clone()
        })
    }

    /// Every cached count equals a fresh recount (an invariant checked at the end of debug
    /// runs): the incremental updates never drift.
    pub fn verify(&self, store: &Store, topology: &TopologyCache) -> Result<(), String> {
        if self.version != store.node_labels_version() {
            return Ok(());
        }
        let mut fresh = OwnerSpread { version: self.version, counts: BTreeMap::new() };
        for (&(rs, key), cached) in &self.counts {
            let recount = fresh.get(store, topology, rs);
            let i = KEYS.iter().position(|k| *k == key).unwrap_or(0);
            if recount[i] != *cached {
                return Err(format!("replicaset {rs}, key {key}: cached {cached:?}, recounted {:?}", recount[i]));
            }
        }
        Ok(())
    }

    /// A pod of `owner` started counting on `node` (+1: bound) or stopped (-1: terminating).
    pub fn pod_counted(&mut self, topology: &TopologyCache, owner: Option<PodOwner>, node: NodeId, delta: i64) {
        let Some(PodOwner::ReplicaSet(rs)) = owner else { return };
        for key in KEYS {
            if let Some(counts) = self.counts.get_mut(&(rs, key)) {
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
