//! Topology domains by index: for each topology key, every node's value as a small integer,
//! so that counting pods per domain and looking a node's domain up cost no string compares.

use crate::model::store::{NodeId, Store};
use std::collections::BTreeMap;
use std::sync::Arc;

/// A node without the key.
pub const MISSING: u32 = u32::MAX;

/// The values of one topology key across the nodes.
#[derive(Debug, Default)]
pub struct TopologyIndex {
    /// Per node: the index of its value, or MISSING.
    pub node_value: Vec<u32>,
    /// The distinct values, by index.
    pub values: Vec<String>,
    /// Every node has the key.
    pub complete: bool,
}

impl TopologyIndex {
    fn build(store: &Store, key: &str) -> Self {
        // A removed node is in no domain.
        let raw: Vec<Option<&str>> = store
            .nodes()
            .iter()
            .map(|n| if n.removed { None } else { n.labels.get(key).map(String::as_str) })
            .collect();
        // Values are numbered in the order nodes first show them. Sorting the nodes by a hash
        // of their value (then id) puts the nodes of each value together, with the first
        // first: far cheaper than a map from value to number when every node has a value of
        // its own (hostnames). Equal hashes are told apart by the values themselves.
        let mut by_hash: Vec<(u64, u32)> = raw
            .iter()
            .enumerate()
            .filter_map(|(n, v)| v.map(|v| (crate::engine::hash::fnv1a(v.as_bytes()), n as u32)))
            .collect();
        by_hash.sort_unstable();
        let mut first_with_same_value = vec![MISSING; raw.len()];
        let mut firsts: Vec<u32> = Vec::new();
        for run in by_hash.chunk_by(|a, b| a.0 == b.0) {
            firsts.clear();
            for &(_, n) in run {
                let same = firsts.iter().copied().find(|&f| raw[f as usize] == raw[n as usize]);
                first_with_same_value[n as usize] = same.unwrap_or_else(|| {
                    firsts.push(n);
                    n
                });
            }
        }
        let mut node_value = vec![MISSING; raw.len()];
        let mut values = Vec::new();
        for n in 0..raw.len() {
            let first = first_with_same_value[n];
            if first == MISSING {
                continue;
            }
            node_value[n] = if first as usize == n {
                values.push(raw[n].unwrap_or_default().to_string());
                (values.len() - 1) as u32
            } else {
                node_value[first as usize]
            };
        }
        let complete = !node_value.contains(&MISSING);
        TopologyIndex { node_value, values, complete }
    }

    #[inline]
    pub fn value_of(&self, node: NodeId) -> u32 {
        self.node_value.get(node.index()).copied().unwrap_or(MISSING)
    }
}

/// Indexes built on demand, rebuilt when node labels change.
#[derive(Default)]
pub struct TopologyCache {
    version: u64,
    keys: BTreeMap<String, Arc<TopologyIndex>>,
}

impl TopologyCache {
    /// Makes sure `keys` are indexed for the store's current node labels.
    pub fn ensure<'k>(&mut self, store: &Store, keys: impl IntoIterator<Item = &'k str>) {
        if self.version != store.node_labels_version() {
            self.keys.clear();
            self.version = store.node_labels_version();
        }
        for key in keys {
            if !self.keys.contains_key(key) {
                self.keys.insert(key.to_string(), Arc::new(TopologyIndex::build(store, key)));
            }
        }
    }

    /// The index of a key `ensure` was called with (an empty one otherwise).
    pub fn get(&self, key: &str) -> Arc<TopologyIndex> {
        self.keys.get(key).cloned().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::store::Node;

    #[test]
    fn values_are_numbered_in_order_of_first_appearance() {
        let mut store = Store::default();
        for (name, zone) in [("a", Some("z2")), ("b", Some("z1")), ("c", None), ("d", Some("z2")), ("e", Some("z1"))] {
            let labels = zone.map(|z| ("zone".to_string(), z.to_string())).into_iter().collect();
            store.add_node(Node {
                id: NodeId(0),
                name: name.into(),
                labels,
                taints: vec![],
                unschedulable: false,
                ready: true,
                allocatable: Default::default(),
                requested: Default::default(),
                requested_nonzero: Default::default(),
                host_ports: Default::default(),
                pods: Default::default(),
                images: Default::default(),
                puller_free_at: crate::engine::SimTime::ZERO,
                removed: false,
            });
        }
        let index = TopologyIndex::build(&store, "zone");
        assert_eq!(index.values, ["z2", "z1"]);
        assert_eq!(index.node_value, [0, 1, MISSING, 0, 1]);
        assert!(!index.complete);
        assert!(TopologyIndex::build(&store, "absent").node_value.iter().all(|&v| v == MISSING));
    }
}
