//! Pod counts kept up to date pod by pod, so that a sample of the time series costs
//! O(Deployments × ReplicaSets) instead of a walk over every pod ever created.
//!
//! Each pod's contribution (exists, active, ready, pending, running, ready on a node that is
//! down) is remembered; when the pod changes, or its node goes down or comes back, its old
//! contribution is taken out of its ReplicaSet's counts and the cluster's and the new one put
//! in. Debug builds check the tally against a recount at every sample.

use super::rollouts::PodCounts;
use crate::engine::SimTime;
use crate::model::store::{DeployId, NodeId, Pod, PodId, PodOwner, PodPhase, RsId, Store};
use std::collections::BTreeMap;

const EXISTING: u8 = 1;
const ACTIVE: u8 = 2;
const READY: u8 = 4;
const PENDING: u8 = 8;
const RUNNING: u8 = 16;
/// Active and Ready on a node that is down (crashed or cut off): counted by Kubernetes until
/// it notices, serving no one (the recovery tracker takes them out).
const READY_ON_DOWN_NODE: u8 = 32;

/// A ReplicaSet's pods that exist (not yet deleted), are active, are active and Ready, and
/// are active and Ready on a node that is down.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct RsCounts {
    existing: i32,
    active: i32,
    ready: i32,
    ready_on_down_node: i32,
}

#[derive(Default)]
pub struct PodTally {
    /// By pod id: what the pod contributes now.
    bits: Vec<u8>,
    by_replica_set: Vec<RsCounts>,
    /// By Deployment id: active Ready pods per pod revision (the rollout charts).
    ready_by_revision: Vec<BTreeMap<i64, u32>>,
    /// Pods Pending and not terminating, and pods Running, cluster-wide.
    pub pending: u32,
    pub running: u32,
    /// By node id: down now (crashed or cut off).
    down: Vec<bool>,
}

fn contribution(pod: &Pod, down: &[bool]) -> u8 {
    if pod.is_gone() {
        return 0;
    }
    let mut bits = EXISTING;
    if pod.is_active() && pod.is_ready() {
        bits |= ACTIVE | READY;
        if pod.node.is_some_and(|n| down.get(n.index()).copied().unwrap_or(false)) {
            bits |= READY_ON_DOWN_NODE;
        }
    } else if pod.is_active() {
        bits |= ACTIVE;
    }
    match pod.phase {
        PodPhase::Pending if pod.terminating.is_none() => bits | PENDING,
        PodPhase::Running => bits | RUNNING,
        _ => bits,
    }
}

fn grow<T: Default + Clone>(v: &mut Vec<T>, i: usize) -> &mut T {
    if v.len() <= i {
        v.resize(i + 1, T::default());
    }
    &mut v[i]
}

impl PodTally {
    /// A pod was created, changed or deleted: its counts follow.
    pub fn pod_changed(&mut self, store: &Store, pod: PodId) {
        let new = contribution(&store.pods[pod], &self.down);
        self.count(store, pod, new);
    }

    /// A node went down or came back: its pods' counts follow (O(the node's pods)).
    pub fn node_down_changed(&mut self, store: &Store, node: NodeId, down: bool) {
        *grow(&mut self.down, node.index()) = down;
        for &pod in &store.nodes()[node].pods {
            self.pod_changed(store, pod);
        }
    }

    /// Active Ready pods of Deployment `d` on nodes that are down, from its ReplicaSets'
    /// tallies.
    pub fn deployment_ready_on_down_nodes(&self, store: &Store, d: DeployId) -> i32 {
        store.deployments[d].replica_sets.iter().map(|&rs| self.replica_set(rs).ready_on_down_node).sum()
    }

    /// The pod is about to change owner (`kubectl delete --cascade=orphan`): its counts leave
    /// its owner's; `pod_changed` after the change counts it again.
    pub fn pod_leaving_owner(&mut self, store: &Store, pod: PodId) {
        self.count(store, pod, 0);
    }

    fn count(&mut self, store: &Store, pod: PodId, new: u8) {
        let p = &store.pods[pod];
        let old = std::mem::replace(grow(&mut self.bits, pod.index()), new);
        if new == old {
            return;
        }
        let flipped = |bit: u8| i32::from(new & bit != 0) - i32::from(old & bit != 0);
        self.pending = self.pending.saturating_add_signed(flipped(PENDING));
        self.running = self.running.saturating_add_signed(flipped(RUNNING));
        if let Some(PodOwner::ReplicaSet(rs)) = p.owner {
            let c = grow(&mut self.by_replica_set, rs.index());
            c.existing += flipped(EXISTING);
            c.active += flipped(ACTIVE);
            c.ready += flipped(READY);
            c.ready_on_down_node += flipped(READY_ON_DOWN_NODE);
            if let (Some(d), ready @ (-1 | 1)) = (store.replica_sets[rs].owner, flipped(READY)) {
                let by_revision = grow(&mut self.ready_by_revision, d.index());
                let n = by_revision.entry(p.revision).or_insert(0);
                *n = n.saturating_add_signed(ready);
                if *n == 0 {
                    by_revision.remove(&p.revision);
                }
            }
        }
    }

    /// A ReplicaSet's active pods and active Ready pods, as the ReplicaSet controller's
    /// informer would count them (`sim::controllers`' sync reads them instead of every pod).
    pub fn replica_set_active_ready(&self, rs: RsId) -> (usize, usize) {
        let c = self.replica_set(rs);
        (usize::try_from(c.active).unwrap_or(0), usize::try_from(c.ready).unwrap_or(0))
    }

    fn replica_set(&self, rs: RsId) -> RsCounts {
        self.by_replica_set.get(rs.index()).copied().unwrap_or_default()
    }

    /// A Deployment's counts from its ReplicaSets' tallies; `None` when its minReadySeconds
    /// makes availability depend on the clock (the caller recounts).
    pub fn deployment_counts(&self, store: &Store, d: DeployId) -> Option<PodCounts> {
        let dep = &store.deployments[d];
        if dep.spec.min_ready_seconds > 0 {
            return None;
        }
        let mut c = PodCounts::default();
        for &rs in &dep.replica_sets {
            let r = self.replica_set(rs);
            c.existing += r.existing;
            c.active += r.active;
            c.ready += r.ready;
            if store.replica_sets[rs].template_hash == dep.template_hash {
                c.updated += r.active;
            }
        }
        c.available = c.ready;
        Some(c)
    }

    /// Active Ready pods of Deployment `d` by pod revision.
    pub fn ready_by_revision(&self, d: DeployId) -> BTreeMap<i64, u32> {
        self.ready_by_revision.get(d.index()).cloned().unwrap_or_default()
    }

    /// Compares the tally with a recount of every pod (debug builds, at each sample).
    pub fn verify(&self, store: &Store, now: SimTime) -> Result<(), String> {
        let (mut pending, mut running) = (0, 0);
        for p in &store.pods {
            let bits = contribution(p, &self.down);
            pending += u32::from(bits & PENDING != 0);
            running += u32::from(bits & RUNNING != 0);
        }
        if (pending, running) != (self.pending, self.running) {
            return Err(format!(
                "pending/running tallied {:?}, recounted {:?}",
                (self.pending, self.running),
                (pending, running)
            ));
        }
        for d in store.deployments.ids() {
            let Some(tallied) = self.deployment_counts(store, d) else { continue };
            let mut by_revision = BTreeMap::new();
            let recounted = super::rollouts::pod_counts_visiting(store, d, now, |pod| {
                *by_revision.entry(pod.revision).or_insert(0) += 1
            });
            let on_down = store.deployments[d]
                .replica_sets
                .iter()
                .flat_map(|&rs| store.replica_sets[rs].pods.iter())
                .filter(|&&p| matches!(store.pods[p].owner, Some(PodOwner::ReplicaSet(_))))
                .filter(|&&p| contribution(&store.pods[p], &self.down) & READY_ON_DOWN_NODE != 0)
                .count();
            if usize::try_from(self.deployment_ready_on_down_nodes(store, d)).ok() != Some(on_down) {
                return Err(format!(
                    "deployment {}: ready on down nodes tallied {}, recounted {on_down}",
                    store.deployments[d].name,
                    self.deployment_ready_on_down_nodes(store, d)
                ));
            }
            if tallied != recounted || self.ready_by_revision(d) != by_revision {
                return Err(format!(
                    "deployment {}: tallied {tallied:?} {:?}, recounted {recounted:?} {by_revision:?}",
                    store.deployments[d].name,
                    self.ready_by_revision(d)
                ));
            }
        }
        Ok(())
    }
}
