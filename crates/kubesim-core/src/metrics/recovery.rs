//! Time to recover: from a failure until every Deployment is back at its desired count of
//! available pods, not counting pods on nodes that are down (crashed or cut off), which
//! Kubernetes still counts until it notices, but which serve no one.

use super::tally::PodTally;
use crate::engine::SimTime;
use crate::model::store::{DeployId, NodeId, PodOwner, Store};
use std::collections::BTreeSet;

#[derive(Clone, Debug, PartialEq)]
pub struct Recovery {
    /// The failure, as the timeline or the fault process named it: `fail node/worker-2`.
    pub what: String,
    pub at: SimTime,
    /// When every Deployment was whole again (None: not within the run).
    pub recovered: Option<SimTime>,
}

#[derive(Default)]
pub struct RecoveryTracker {
    pub recoveries: Vec<Recovery>,
    /// By node id: down now.
    down: Vec<bool>,
    /// The nodes down now, in id order.
    down_nodes: Vec<NodeId>,
    /// Deployments short of their desired available pods, while a recovery is open.
    short: BTreeSet<DeployId>,
}

impl RecoveryTracker {
    pub fn fault_started(&mut self, what: &str, now: SimTime) {
        self.recoveries.push(Recovery { what: what.to_string(), at: now, recovered: None });
    }

    fn open(&self) -> bool {
        self.recoveries.iter().any(|r| r.recovered.is_none())
    }

    /// Which nodes are down changed: every Deployment is looked at again.
    pub fn nodes_down_changed(&mut self, store: &Store, tally: &PodTally, down: Vec<bool>, now: SimTime) {
        self.down_nodes = (0..down.len()).filter(|&n| down[n]).map(NodeId::from_index).collect();
        self.down = down;
        if !self.open() {
            return;
        }
        self.short.clear();
        for d in store.deployments.ids() {
            if !self.whole(store, tally, d, now) {
                self.short.insert(d);
            }
        }
        self.close_if_whole(now);
    }

    /// A Deployment's pods changed.
    pub fn observe(&mut self, store: &Store, tally: &PodTally, d: DeployId, now: SimTime) {
        if !self.open() {
            return;
        }
        if self.whole(store, tally, d, now) {
            self.short.remove(&d);
        } else {
            self.short.insert(d);
        }
        self.close_if_whole(now);
    }

    fn close_if_whole(&mut self, now: SimTime) {
        if self.short.is_empty() {
            for r in self.recoveries.iter_mut().filter(|r| r.recovered.is_none()) {
                r.recovered = Some(now);
            }
        }
    }

    /// Available pods on nodes that are up reach the desired replicas. With minReadySeconds
    /// 0, that is the tallied available pods less those on the (few) nodes down, instead of
    /// a walk over the Deployment's pods.
    fn whole(&self, store: &Store, tally: &PodTally, d: DeployId, now: SimTime) -> bool {
        let dep = &store.deployments[d];
        if dep.deleted {
            return true;
        }
        let Some(counts) = tally.deployment_counts(store, d) else {
            return self.whole_by_walking(store, d, now);
        };
        let mut on_down_nodes = 0;
        for &n in &self.down_nodes {
            for &p in &store.nodes()[n].pods {
                let pod = &store.pods[p];
                let of_d = match pod.owner {
                    Some(PodOwner::ReplicaSet(rs)) => store.replica_sets[rs].owner == Some(d),
                    _ => false,
                };
                on_down_nodes += i32::from(of_d && pod.is_active() && pod.is_ready());
            }
        }
        let whole = counts.available - on_down_nodes >= dep.spec.replicas;
        debug_assert_eq!(whole, self.whole_by_walking(store, d, now), "recovery: tally and walk disagree");
        whole
    }

    fn whole_by_walking(&self, store: &Store, d: DeployId, now: SimTime) -> bool {
        let dep = &store.deployments[d];
        let available = dep
            .replica_sets
            .iter()
            .flat_map(|&rs| store.replica_sets[rs].pods.iter())
            .map(|&p| &store.pods[p])
            .filter(|p| matches!(p.owner, Some(PodOwner::ReplicaSet(_))))
            .filter(|p| p.is_active() && p.is_available(dep.spec.min_ready_seconds, now))
            .filter(|p| p.node.is_none_or(|n| !self.down.get(n.index()).copied().unwrap_or(false)))
            .count();
        available as i32 >= dep.spec.replicas
    }
}
