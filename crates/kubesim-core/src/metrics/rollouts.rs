//! Rollouts as users judge them: how long, how many pods at most, how few available.

use super::tally::PodTally;
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
    let dep = &store.deployments[d];
    let mut c = PodCounts::default();
    for &rs in &dep.replica_sets {
        let r = &store.replica_sets[rs];
        let current = r.template_hash == dep.template_hash;
        for &p in &r.pods {
            let pod = &store.pods[p];
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
}

impl RolloutTracker {
    pub fn deployment_created(&mut self, _store: &Store, d: DeployId, _now: SimTime) {
        self.revision.insert(d, 0);
    }

    pub fn rollout_started(&mut self, store: &Store, d: DeployId, now: SimTime) {
        if let Some(i) = self.current.remove(&d) {
            self.rollouts[i].superseded = true;
        }
        let dep = &store.deployments[d];
        let revision_from = dep.replica_sets.iter().map(|&r| store.replica_sets[r].revision).max().unwrap_or(0);
        let counts = pod_counts(store, d, now);
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

    /// The Deployment's pods changed. With minReadySeconds 0 the counts come from the pod
    /// tally (kept pod by pod), not from a walk over the Deployment's pods.
    pub fn observe(&mut self, store: &Store, tally: &PodTally, d: DeployId, now: SimTime) {
        let Some(&i) = self.current.get(&d) else { return };
        let dep = &store.deployments[d];
        let c = match tally.deployment_counts(store, d) {
            Some(tallied) => {
                debug_assert_eq!(tallied, pod_counts(store, d, now), "tallied rollout counts drifted");
                tallied
            }
            None => pod_counts(store, d, now),
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
        }
    }
}
