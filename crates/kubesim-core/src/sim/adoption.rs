//! Adoption and release: the claims the ReplicaSet controller makes over pods and the
//! Deployment controller over ReplicaSets (pkg/controller/controller_ref_manager.go
//! `ClaimPods`, `ClaimReplicaSets`; the rule is `controllers/controller_ref.rs`).
//!
//! A claim costs nothing when there is nothing to claim: orphans are kept in the store as they
//! appear (bare pods, `--cascade=orphan`, released pods), and a pod whose labels changed is
//! remembered until its owner's next sync, so a sync of a ReplicaSet of a million pods does
//! not look at them.

use super::Sim;
use crate::controllers::controller_ref::{claim, Claim, Ownership};
use crate::model::store::{DeployId, PodId, PodOwner, RsId, RsKind};

impl Sim<'_> {
    /// The ReplicaSet controller's claim at the start of its sync (replica_set.go
    /// `syncReplicaSet`: `controller.FilterActivePods` of the namespace's pods, then
    /// `claimPods`): its pods whose labels stopped matching are released, and the active
    /// orphans of its namespace that its selector matches are adopted, oldest first.
    pub(super) fn claim_pods(&mut self, rs: RsId) {
        if !self.sync_queues.relabelled.is_empty() {
            let ours: Vec<PodId> = self
                .sync_queues
                .relabelled
                .iter()
                .copied()
                .filter(|&p| self.ctx.store.pods[p].owner == Some(PodOwner::ReplicaSet(rs)))
                .collect();
            for p in ours {
                self.sync_queues.relabelled.remove(&p);
                let pod = &self.ctx.store.pods[p];
                // Only active pods are claimed (FilterActivePods): a terminating pod stays.
                if !pod.is_active() {
                    continue;
                }
                let matches = self.ctx.store.replica_sets[rs].selector.matches(&pod.labels);
                if claim(Ownership::Ours, matches, false, false) == Claim::Release {
                    self.release_pod(p);
                }
            }
        }
        if self.ctx.store.orphans().is_empty() {
            return;
        }
        let orphans: Vec<PodId> = self.ctx.store.orphans().iter().copied().collect();
        for p in orphans {
            let (pod, r) = (&self.ctx.store.pods[p], &self.ctx.store.replica_sets[rs]);
            if !pod.is_active() {
                // Finished or terminating for good: no controller adopts it any more.
                self.ctx.store.forget_orphan(p);
                continue;
            }
            if pod.namespace != r.namespace {
                continue;
            }
            let matches = r.selector.matches(&pod.labels);
            if claim(Ownership::Orphan, matches, false, pod.terminating.is_some()) == Claim::Adopt {
                self.adopt_pod(p, rs);
            }
        }
    }

    /// `AdoptPod`: the pod's controllerRef names `rs`; its counts move to the ReplicaSet's
    /// (the tally, the scheduler's spreading counts) and it joins the ReplicaSet's revision.
    fn adopt_pod(&mut self, pod: PodId, rs: RsId) {
        self.ctx.metrics.tally.pod_leaving_owner(&self.ctx.store, pod);
        self.ctx.store.adopt_pod(pod, rs);
        self.ctx.store.pods[pod].revision = self.ctx.store.replica_sets[rs].revision;
        let p = &self.ctx.store.pods[pod];
        if let (Some(node), true) = (p.node, p.is_active()) {
            let owner = Some(PodOwner::ReplicaSet(rs));
            self.scheduler.profile.owner_spread.pod_counted(&self.scheduler.profile.topology, owner, node, 1);
        }
        if self.ctx.narrating() {
            let (object, pod_object) = (self.ctx.rs_ref(rs), self.ctx.pod_object(pod));
            let text = format!(
                "{object}: adopts the orphan pod {}, whose labels its selector matches",
                self.ctx.store.pods[pod].name
            );
            self.ctx.narrate(vec![object, pod_object], text);
        }
        self.pod_changed(pod);
    }

    /// `ReleasePod`: the pod keeps running without controller (a Service that selects it
    /// keeps it as an endpoint); its owner's counts lose it, and the ReplicaSets its labels
    /// match hear of a new orphan.
    fn release_pod(&mut self, pod: PodId) {
        let owner = self.ctx.store.pods[pod].owner;
        self.ctx.metrics.tally.pod_leaving_owner(&self.ctx.store, pod);
        let p = &self.ctx.store.pods[pod];
        if let (Some(node), true) = (p.node, p.is_active()) {
            self.scheduler.profile.owner_spread.pod_counted(&self.scheduler.profile.topology, owner, node, -1);
        }
        self.ctx.store.release_pod(pod);
        if let (true, Some(PodOwner::ReplicaSet(rs))) = (self.ctx.narrating(), owner) {
            let (object, pod_object) = (self.ctx.rs_ref(rs), self.ctx.pod_object(pod));
            let text = format!(
                "{object}: releases pod {}, whose labels its selector no longer matches; the pod keeps running",
                self.ctx.store.pods[pod].name
            );
            self.ctx.narrate(vec![object, pod_object], text);
        }
        self.pod_changed(pod);
        self.orphan_appeared(pod);
    }

    /// A pod without controller appeared or its labels changed: the ReplicaSet controller's
    /// pod handlers (replica_set.go `addPod`, `updatePod`: "it's an orphan ... sync all
    /// matching controllers") queue every ReplicaSet of its namespace whose selector matches.
    pub(super) fn orphan_appeared(&mut self, pod: PodId) {
        let p = &self.ctx.store.pods[pod];
        if p.owner.is_some() || !p.is_active() {
            return;
        }
        let matching: Vec<RsId> = self
            .ctx
            .store
            .replica_sets
            .ids()
            .filter(|&rs| {
                let r = &self.ctx.store.replica_sets[rs];
                !r.deleted && r.namespace == p.namespace && r.selector.matches(&p.labels)
            })
            .collect();
        for rs in matching {
            self.enqueue_rs(rs);
        }
    }

    /// A pod's labels changed (`kubectl label`, `patch`): an orphan may now match a
    /// ReplicaSet; an owned pod that its owner's selector no longer matches is released at
    /// the owner's next sync (the owner hears of the change through `pod_changed`).
    pub(super) fn pod_relabelled_for_owners(&mut self, pod: PodId) {
        match self.ctx.store.pods[pod].owner {
            None => self.orphan_appeared(pod),
            Some(PodOwner::ReplicaSet(rs)) => {
                if !self.ctx.store.replica_sets[rs].selector.matches(&self.ctx.store.pods[pod].labels) {
                    self.sync_queues.relabelled.insert(pod);
                }
            }
            // Their controllers' claims are not simulated (README: simplifications).
            Some(PodOwner::Job(_) | PodOwner::DaemonSet(_) | PodOwner::StatefulSet(_)) => {}
        }
    }

    /// A ReplicaSet without Deployment appeared (created bare, or orphaned by `--cascade=
    /// orphan`): the Deployment controller's `addReplicaSet` / `updateReplicaSet` ("it's an
    /// orphan ... sync all matching controllers") queue the Deployments whose selector
    /// matches its labels.
    pub(super) fn replica_set_orphaned(&mut self, rs: RsId) {
        let r = &self.ctx.store.replica_sets[rs];
        if r.owner.is_some() || r.deleted || r.kind != RsKind::ReplicaSet {
            return;
        }
        let matching: Vec<DeployId> = self
            .ctx
            .store
            .deployments
            .ids()
            .filter(|&d| {
                let dep = &self.ctx.store.deployments[d];
                !dep.deleted
                    && dep.rollout.is_none()
                    && dep.namespace == r.namespace
                    && dep.spec.selector.matches(&r.labels)
            })
            .collect();
        for d in matching {
            self.enqueue_deployment(d);
        }
    }

    /// The Deployment controller's claim at the start of its sync (deployment_controller.go
    /// `getReplicaSetsForDeployment` → `ClaimReplicaSets`): the orphan ReplicaSets of its
    /// namespace whose labels its selector matches become its own, with their pods: after
    /// `kubectl delete deployment --cascade=orphan`, the same Deployment applied again finds
    /// its ReplicaSet (the one whose template is its template) and creates no pod.
    pub(super) fn claim_replica_sets(&mut self, d: DeployId) {
        if self.ctx.store.unowned_replica_sets().is_empty() || self.ctx.store.deployments[d].rollout.is_some() {
            return;
        }
        let dep = &self.ctx.store.deployments[d];
        let adopt: Vec<RsId> = self
            .ctx
            .store
            .unowned_replica_sets()
            .iter()
            .copied()
            .filter(|&rs| {
                let r = &self.ctx.store.replica_sets[rs];
                let matches = r.kind == RsKind::ReplicaSet
                    && r.namespace == dep.namespace
                    && dep.spec.selector.matches(&r.labels);
                claim(Ownership::Orphan, matches, false, r.deleted) == Claim::Adopt
            })
            .collect();
        for rs in adopt {
            // The pods' counts follow their ReplicaSet into the Deployment's (the tally keeps
            // ready pods by the Deployment's revisions).
            let pods: Vec<PodId> = self.ctx.store.replica_sets[rs].pods.iter().copied().collect();
            for &p in &pods {
                self.ctx.metrics.tally.pod_leaving_owner(&self.ctx.store, p);
            }
            self.ctx.store.adopt_replica_set(rs, d);
            for &p in &pods {
                self.ctx.metrics.pod_changed(&self.ctx.store, p);
            }
            if self.ctx.narrating() {
                let (object, rs_object) = (self.ctx.deployment_ref(d), self.ctx.rs_ref(rs));
                let text = format!(
                    "{object}: adopts the orphan replica set {}, whose labels its selector matches",
                    self.ctx.store.replica_sets[rs].name
                );
                self.ctx.narrate(vec![object, rs_object], text);
            }
            self.enqueue_rs(rs);
        }
    }
}
