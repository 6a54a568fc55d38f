//! Rollouts as users judge them: how long, how many pods at most, how few available.

use crate::engine::SimTime;
use crate::model::store::{DeployId, Pod, Store};
use std::collections::BTreeMap;

/// One rollout of a Deployment (or an Argo Rollout): from a template change until every replica is updated and
/// available and no old pod is left (or until the next template change supersedes it).
#[derive(Clone, Debug, PartialEq)]
pub struct Rollout {
    /// Deployment, or an Argo Rollout.
    pub kind: crate::model::spec::Kind,
    /// The workload's column name (`web`, `ns:web`).
    pub deployment: String,
    pub revision_from: i64,
    pub started: SimTime,
    pub completed: Option<SimTime>,
    pub replicas: i32,
    /// Lowest count of available pods (not terminating, Ready for minReadySeconds).
    pub min_available: i32,
    /// Highest count of pods that are not terminating, as the Deployment controller counts.
    pub max_pods: i32,
    /// Highest count of pods that exist, terminating ones included.
    pub max_pods_with_terminating: i32,
    pub superseded: bool,
}

/// Counts of a Deployment's pods at one instant.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PodCounts {
    pub active: i32,
    pub existing: i32,
    pub ready: i32,
    pub available: i32,
    /// Active pods of the current template.
    pub updated: i32,
}

pub fn pod_counts(store: &Store, d: DeployId, now: SimTime) -> PodCounts {
    pod_counts_visiting(store, d, now, |_| {})
}

/// The counts, calling `on_ready` for every active Ready pod on the way (one pass serves
/// both the counts and per-revision tallies).
pub fn pod_counts_visiting(store: &Store, d: DeployId, now: SimTime, mut on_ready: impl FnMut(&Pod)) -> PodCounts {
    let dep = &store.deployments[d as usize];
    let mut c = PodCounts::default();
    for &rs in &dep.replica_sets {
        let r = &store.replica_sets[rs as usize];
        let current = r.template_hash == dep.template_hash;
        for &p in &r.pods {
            let pod = &store.pods[p as usize];
            if pod.is_gone() {
                continue;
            }
            c.existing += 1;
            if !pod.is_active() {
                continue;
            }
            c.active += 1;
            if pod.is_ready() {
                c.ready += 1;
                on_ready(pod);
            }
            c.available += i32::from(pod.is_available(dep.spec.min_ready_seconds, now));
            c.updated += i32::from(current);
        }
    }
    c
}

#[derive(Default)]
pub struct RolloutTracker {
    pub rollouts: Vec<Rollout>,
    /// Deployment -> index of its rollout in progress.
    current: BTreeMap<DeployId, usize>,
    /// Deployment -> max revision seen, for `revision_from`.
    revision: BTreeMap<DeployId, i64>,
    /// Counts kept up to date pod by pod for the Deployments in a rollout whose
    /// minReadySeconds is 0 (so that available = ready and nothing depends on the clock):
    /// a pod's change costs O(1) instead of a recount of the Deployment's pods.
    live: BTreeMap<DeployId, PodCounts>,
    /// By pod id: what the pod last contributed to its Deployment's live counts.
    contribution: Vec<u8>,
}

const EXISTING: u8 = 1;
const ACTIVE: u8 = 2;
const READY: u8 = 4;
const UPDATED: u8 = 8;

/// What one pod contributes to its Deployment's counts (minReadySeconds 0).
fn contribution(store: &Store, d: DeployId, pod: &Pod) -> u8 {
    if pod.is_gone() {
        return 0;
    }
    if !pod.is_active() {
        return EXISTING;
    }
    let dep = &store.deployments[d as usize];
    let current = match pod.owner {
        Some(crate::model::store::PodOwner::ReplicaSet(rs)) => {
            store.replica_sets[rs as usize].template_hash == dep.template_hash
        }
        _ => false,
    };
    EXISTING | ACTIVE | if pod.is_ready() { READY } else { 0 } | if current { UPDATED } else { 0 }
}

fn add(c: &mut PodCounts, bits: u8, sign: i32) {
    c.existing += sign * i32::from(bits & EXISTING != 0);
    c.active += sign * i32::from(bits & ACTIVE != 0);
    c.ready += sign * i32::from(bits & READY != 0);
    c.available += sign * i32::from(bits & READY != 0);
    c.updated += sign * i32::from(bits & UPDATED != 0);
}

/// The Deployment a pod belongs to, through its ReplicaSet.
fn deployment_of(store: &Store, pod: &Pod) -> Option<DeployId> {
    match pod.owner {
        Some(crate::model::store::PodOwner::ReplicaSet(rs)) => store.replica_sets[rs as usize].owner,
        _ => None,
    }
}

impl RolloutTracker {
    pub fn deployment_created(&mut self, _store: &Store, d: DeployId, _now: SimTime) {
        self.revision.insert(d, 0);
    }

    pub fn rollout_started(&mut self, store: &Store, d: DeployId, now: SimTime) {
        if let Some(i) = self.current.remove(&d) {
            self.rollouts[i].superseded = true;
        }
        let dep = &store.deployments[d as usize];
        let revision_from =
            dep.replica_sets.iter().map(|&r| store.replica_sets[r as usize].revision).max().unwrap_or(0);
        let counts = pod_counts(store, d, now);
        self.live.remove(&d);
        if dep.spec.min_ready_seconds <= 0 {
            for &rs in &dep.replica_sets {
                for &p in &store.replica_sets[rs as usize].pods {
                    let bits = contribution(store, d, &store.pods[p as usize]);
                    self.set_contribution(p, bits);
                }
            }
            self.live.insert(d, counts);
        }
        self.rollouts.push(Rollout {
            kind: dep.kind(),
            deployment: super::timeseries::column_name(&dep.namespace, &dep.name),
            revision_from,
            started: now,
            completed: None,
            replicas: dep.spec.replicas,
            min_available: counts.available,
            max_pods: counts.active,
            max_pods_with_terminating: counts.existing,
            superseded: false,
        });
        self.current.insert(d, self.rollouts.len() - 1);
    }

    fn set_contribution(&mut self, pod: crate::model::store::PodId, bits: u8) {
        let i = pod as usize;
        if self.contribution.len() <= i {
            self.contribution.resize(i + 1, 0);
        }
        self.contribution[i] = bits;
    }

    /// A pod changed: the live counts of its Deployment follow.
    pub fn pod_changed(&mut self, store: &Store, pod: crate::model::store::PodId) {
        let p = &store.pods[pod as usize];
        let Some(d) = deployment_of(store, p) else { return };
        if !self.live.contains_key(&d) {
            return;
        }
        let new = contribution(store, d, p);
        let old = self.contribution.get(pod as usize).copied().unwrap_or(0);
        if new == old {
            return;
        }
        self.set_contribution(pod, new);
        if let Some(c) = self.live.get_mut(&d) {
            add(c, old, -1);
            add(c, new, 1);
        }
    }

    pub fn observe(&mut self, store: &Store, d: DeployId, now: SimTime) {
        let Some(&i) = self.current.get(&d) else { return };
        let dep = &store.deployments[d as usize];
        let c = match self.live.get(&d) {
            Some(&live) if dep.spec.min_ready_seconds <= 0 => {
                debug_assert_eq!(live, pod_counts(store, d, now), "live rollout counts drifted");
                live
            }
            _ => {
                self.live.remove(&d);
                pod_counts(store, d, now)
            }
        };
        let r = &mut self.rollouts[i];
        r.replicas = dep.spec.replicas;
        r.min_available = r.min_available.min(c.available);
        r.max_pods = r.max_pods.max(c.active);
        r.max_pods_with_terminating = r.max_pods_with_terminating.max(c.existing);
        let replicas = dep.spec.replicas;
        if c.updated == replicas && c.active == replicas && c.available == replicas && c.existing == replicas {
            r.completed = Some(now);
            self.current.remove(&d);
            self.live.remove(&d);
        }
    }
}
