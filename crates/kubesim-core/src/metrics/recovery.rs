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
    /// Deployments short of their desired available pods, while a recovery is open.
    short: BTreeSet<DeployId>,
    /// The first recovery still open: all close together, so the open ones are
    /// `recoveries[first_open..]` and no event walks the run's past failures.
    first_open: usize,
}

impl RecoveryTracker {
    pub fn fault_started(&mut self, what: &str, now: SimTime) {
        self.recoveries.push(Recovery { what: what.to_string(), at: now, recovered: None });
    }

    fn open(&self) -> bool {
        self.first_open < self.recoveries.len()
    }

    /// A node failed, or came back (`down` now; the tally already knows): every Deployment is
    /// looked at again, each in O(its ReplicaSets).
    pub fn node_down_changed(&mut self, store: &Store, tally: &PodTally, node: NodeId, down: bool, now: SimTime) {
        if self.down.len() <= node.index() {
            self.down.resize(node.index() + 1, false);
        }
        self.down[node.index()] = down;
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
            for r in &mut self.recoveries[self.first_open..] {
                r.recovered = Some(now);
            }
            self.first_open = self.recoveries.len();
        }
    }

    /// Available pods on nodes that are up reach the desired replicas. With minReadySeconds
    /// 0, that is the tallied available pods less the tallied Ready ones on nodes that are
    /// down, instead of a walk over the Deployment's pods or the down nodes' pods.
    fn whole(&self, store: &Store, tally: &PodTally, d: DeployId, now: SimTime) -> bool {
        let dep = &store.deployments[d];
        if dep.deleted {
            return true;
        }
        let Some(counts) = tally.deployment_counts(store, d) else {
            return self.whole_by_walking(store, d, now);
        };
        let on_down_nodes = tally.deployment_ready_on_down_nodes(store, d);
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
