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
        let mut by_value: BTreeMap<&str, u32> = BTreeMap::new();
        let mut values = Vec::new();
        let node_value = store
            .nodes
            .iter()
            .map(|n| match n.labels.get(key) {
                Some(v) => *by_value.entry(v.as_str()).or_insert_with(|| {
                    values.push(v.clone());
                    (values.len() - 1) as u32
                }),
                None => MISSING,
            })
            .collect::<Vec<u32>>();
        let complete = !node_value.contains(&MISSING);
        TopologyIndex { node_value, values, complete }
    }

    #[inline]
    pub fn value_of(&self, node: NodeId) -> u32 {
        self.node_value.get(node as usize).copied().unwrap_or(MISSING)
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
        if self.version != store.node_labels_version {
            self.keys.clear();
            self.version = store.node_labels_version;
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
