//! Adoption and release: the claims the ReplicaSet, DaemonSet, StatefulSet and Job
//! controllers make over pods and the Deployment controller over ReplicaSets
//! (pkg/controller/controller_ref_manager.go `ClaimPods`, `ClaimReplicaSets`; the rule is
//! `controllers/controller_ref.rs`).
//!
//! A claim costs nothing when there is nothing to claim: orphans are kept in the store as they
//! appear (bare pods, `--cascade=orphan`, released pods), and a pod whose labels changed is
//! remembered until its owner's next sync, so a sync of a ReplicaSet of a million pods does
//! not look at them.

use super::Sim;
use crate::controllers::controller_ref::{claim, Claim, Ownership};
use crate::model::spec::{Kind, ObjectRef, Selector};
use crate::model::store::{DaemonSetId, DeployId, JobId, PodId, PodOwner, RsId, RsKind, StatefulSetId, Store};

impl Sim<'_> {
    /// The ReplicaSet controller's claim at the start of its sync (replica_set.go
    /// `syncReplicaSet`: `controller.FilterActivePods` of the namespace's pods, then
    /// `claimPods`): its active pods whose labels stopped matching are released, and the
    /// active orphans of its namespace that its selector matches are adopted, oldest first.
    pub(super) fn claim_pods(&mut self, rs: RsId) {
        let r = &self.ctx.store.replica_sets[rs];
        let (namespace, selector) = (r.namespace.clone(), r.selector.clone());
        self.release_relabelled(PodOwner::ReplicaSet(rs), &selector, true);
        for p in self.matching_orphans(&namespace, &selector) {
            let revision = self.ctx.store.replica_sets[rs].revision;
            self.adopt(p, PodOwner::ReplicaSet(rs), |store| {
                store.adopt_pod(p, rs);
                // It counts in the ReplicaSet's revision (the charts' ready pods by revision).
                store.pods[p].revision = revision;
            });
        }
    }

    /// The DaemonSet controller's claim (daemon_controller.go `getDaemonPods` →
    /// `ClaimPods` over all the namespace's pods, finished ones too): its pods whose labels
    /// stopped matching are released (the DaemonSet then makes a new pod for their node);
    /// an orphan is adopted as the daemon pod of the node it runs on or names
    /// (`util.GetTargetNodeName`); one with neither is left alone.
    pub(super) fn claim_daemon_pods(&mut self, ds: DaemonSetId) {
        let d = &self.ctx.store.daemon_sets[ds];
        let (namespace, selector) = (d.namespace.clone(), d.spec.selector.clone());
        self.release_relabelled(PodOwner::DaemonSet(ds), &selector, false);
        for p in self.claimable_orphans(&namespace, &selector) {
            let pod = &self.ctx.store.pods[p];
            let named = pod.spec.node_name.as_deref().and_then(|n| self.ctx.store.find_node(n));
            if let Some(node) = pod.node.or(named) {
                self.adopt(p, PodOwner::DaemonSet(ds), |store| store.adopt_daemon_pod(p, ds, node));
            }
        }
    }

    /// The StatefulSet controller's claim (stateful_set.go `getPodsForStatefulSet`:
    /// `ClaimPods` over all the namespace's pods, finished ones too, filtered by
    /// `isMemberOf`): its pods whose labels stopped matching are released (the released pod
    /// keeps its name, so re-creating `<set>-<ordinal>` meets AlreadyExists until it is
    /// gone); an orphan is adopted only when its name is `<set>-<ordinal>` and the set has no
    /// pod of that ordinal.
    pub(super) fn claim_set_pods(&mut self, ss: StatefulSetId) {
        let set = &self.ctx.store.stateful_sets[ss];
        let (namespace, selector, name) = (set.namespace.clone(), set.spec.selector.clone(), set.name.clone());
        self.release_relabelled(PodOwner::StatefulSet(ss), &selector, false);
        for p in self.claimable_orphans(&namespace, &selector) {
            let ordinal = set_ordinal(&self.ctx.store.pods[p].name, &name);
            if let Some(o) = ordinal.filter(|o| !self.ctx.store.stateful_sets[ss].pods.contains_key(o)) {
                self.adopt(p, PodOwner::StatefulSet(ss), |store| store.adopt_set_pod(p, ss, o));
            }
        }
    }

    /// The Job controller's claim (job_controller.go `getPodsForJob`: `ClaimPods` over all
    /// the namespace's pods, finished ones too, adding or removing the job-tracking
    /// finalizer): its pods whose labels stopped matching are released (a finished one not
    /// yet counted is then never counted; an active one is replaced); the orphans its
    /// selector matches are adopted and counted as its own, a finished one into
    /// `succeeded` or `failed` at this sync. Only a Job with `manualSelector: true` can match
    /// a pod it did not make.
    pub(super) fn claim_job_pods(&mut self, j: JobId) {
        let job = &self.ctx.store.jobs[j];
        let (namespace, selector) = (job.namespace.clone(), job.selector.clone());
        self.release_relabelled(PodOwner::Job(j), &selector, false);
        for p in self.claimable_orphans(&namespace, &selector) {
            self.adopt(p, PodOwner::Job(j), |store| store.adopt_job_pod(p, j));
        }
    }

    /// `ClaimPods`' release path for `owner`'s pods whose labels changed since its last
    /// sync: those `selector` no longer matches are released (only active ones when the
    /// controller claims only active pods, as the ReplicaSet controller does).
    fn release_relabelled(&mut self, owner: PodOwner, selector: &Selector, only_active: bool) {
        if self.sync_queues.relabelled.is_empty() {
            return;
        }
        let ours: Vec<PodId> = self
            .sync_queues
            .relabelled
            .iter()
            .copied()
            .filter(|&p| self.ctx.store.pods[p].owner == Some(owner))
            .collect();
        for p in ours {
            self.sync_queues.relabelled.remove(&p);
            let pod = &self.ctx.store.pods[p];
            // FilterActivePods: a terminating or finished pod stays a ReplicaSet's.
            if pod.deleted.is_some() || (only_active && !pod.is_active()) {
                continue;
            }
            if claim(Ownership::Ours, selector.matches(&pod.labels), false, false) == Claim::Release {
                self.release_pod(p);
            }
        }
    }

    /// The active orphans of `namespace` that `selector` matches, oldest first (none, at no
    /// cost, when there is no orphan): what the ReplicaSet controller claims
    /// (`controller.FilterActivePods`). Orphans found terminating are forgotten (a pod being
    /// deleted is never adopted, and stays so); those found finished are set aside for the
    /// controllers that claim finished pods.
    fn matching_orphans(&mut self, namespace: &str, selector: &Selector) -> Vec<PodId> {
        if self.ctx.store.orphans().is_empty() {
            return Vec::new();
        }
        let (mut matching, mut terminating, mut finished) = (Vec::new(), Vec::new(), Vec::new());
        for &p in self.ctx.store.orphans() {
            let pod = &self.ctx.store.pods[p];
            if pod.terminating.is_some() {
                terminating.push(p);
            } else if !pod.is_active() {
                finished.push(p);
            } else if pod.namespace == namespace
                && claim(Ownership::Orphan, selector.matches(&pod.labels), false, false) == Claim::Adopt
            {
                matching.push(p);
            }
        }
        for p in terminating {
            self.ctx.store.forget_orphan(p);
        }
        for p in finished {
            self.ctx.store.orphan_finished(p);
        }
        matching
    }

    /// The orphans of `namespace` that `selector` matches, finished ones included, oldest
    /// first: what the DaemonSet, StatefulSet and Job controllers claim (`ClaimPods` over
    /// every pod; "Ignore if the object is being deleted": terminating orphans are
    /// forgotten).
    fn claimable_orphans(&mut self, namespace: &str, selector: &Selector) -> Vec<PodId> {
        let store = &self.ctx.store;
        if store.orphans().is_empty() && store.finished_orphans().is_empty() {
            return Vec::new();
        }
        let (mut matching, mut terminating) = (Vec::new(), Vec::new());
        for &p in store.orphans().iter().chain(store.finished_orphans()) {
            let pod = &store.pods[p];
            let deleting = pod.terminating.is_some();
            let matches = pod.namespace == namespace && selector.matches(&pod.labels);
            match claim(Ownership::Orphan, matches, false, deleting) {
                Claim::Adopt => matching.push(p),
                _ if deleting => terminating.push(p),
                _ => {}
            }
        }
        for p in terminating {
            self.ctx.store.forget_orphan(p);
        }
        matching.sort_unstable();
        matching
    }

    /// `AdoptPod`: `write` makes the pod `owner`'s; its counts move to the owner's (the
    /// tally, the scheduler's spreading counts) and the owner hears of the change.
    fn adopt(&mut self, pod: PodId, owner: PodOwner, write: impl FnOnce(&mut Store)) {
        self.ctx.metrics.tally.pod_leaving_owner(&self.ctx.store, pod);
        write(&mut self.ctx.store);
        let p = &self.ctx.store.pods[pod];
        if let (Some(node), true) = (p.node, p.is_active()) {
            self.scheduler.profile.owner_spread.pod_counted(&self.scheduler.profile.topology, Some(owner), node, 1);
        }
        if self.ctx.narrating() {
            let (object, pod_object) = (self.owner_ref(owner), self.ctx.pod_object(pod));
            let text = format!(
                "{object}: adopts the orphan pod {}, whose labels its selector matches",
                self.ctx.store.pods[pod].name
            );
            self.ctx.narrate(vec![object, pod_object], text);
        }
        self.pod_changed(pod);
    }

    /// `KIND/NAME` of a pod's controller, as narration names it.
    fn owner_ref(&self, owner: PodOwner) -> String {
        match owner {
            PodOwner::ReplicaSet(rs) => self.ctx.rs_ref(rs),
            PodOwner::DaemonSet(ds) => self.ctx.daemon_set_ref(ds),
            PodOwner::Job(j) => self.ctx.job_ref(j),
            PodOwner::StatefulSet(ss) => {
                let s = &self.ctx.store.stateful_sets[ss];
                ObjectRef { kind: Kind::StatefulSet, namespace: s.namespace.clone(), name: s.name.clone() }.to_string()
            }
        }
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
        if let (true, Some(owner)) = (self.ctx.narrating(), owner) {
            let (object, pod_object) = (self.owner_ref(owner), self.ctx.pod_object(pod));
            let text = format!(
                "{object}: releases pod {}, whose labels its selector no longer matches; the pod keeps running",
                self.ctx.store.pods[pod].name
            );
            self.ctx.narrate(vec![object, pod_object], text);
        }
        self.pod_changed(pod);
        self.orphan_appeared(pod);
    }

    /// A pod without controller appeared or its labels changed: the controllers' pod
    /// handlers (replica_set.go `addPod`, `updatePod`: "it's an orphan ... sync all matching
    /// controllers"; the DaemonSet's, StatefulSet's and Job's alike) queue every ReplicaSet
    /// (for an active pod), DaemonSet, StatefulSet and Job of its namespace whose selector
    /// matches. A pod being deleted is adopted by none.
    pub(super) fn orphan_appeared(&mut self, pod: PodId) {
        let p = &self.ctx.store.pods[pod];
        if p.owner.is_some() || p.terminating.is_some() || p.deleted.is_some() {
            return;
        }
        let store = &self.ctx.store;
        let replica_sets: Vec<RsId> = if p.is_active() {
            store
                .replica_sets
                .ids()
                .filter(|&rs| {
                    let r = &store.replica_sets[rs];
                    !r.deleted && r.namespace == p.namespace && r.selector.matches(&p.labels)
                })
                .collect()
        } else {
            Vec::new()
        };
        let daemon_sets: Vec<DaemonSetId> = store
            .daemon_sets
            .ids()
            .filter(|&ds| {
                let d = &store.daemon_sets[ds];
                !d.deleted && d.namespace == p.namespace && d.spec.selector.matches(&p.labels)
            })
            .collect();
        let stateful_sets: Vec<StatefulSetId> = store
            .stateful_sets
            .ids()
            .filter(|&ss| {
                let s = &store.stateful_sets[ss];
                !s.deleted && s.namespace == p.namespace && s.spec.selector.matches(&p.labels)
            })
            .collect();
        let jobs: Vec<JobId> = store
            .jobs
            .ids()
            .filter(|&j| {
                let job = &store.jobs[j];
                !job.deleted && job.namespace == p.namespace && job.selector.matches(&p.labels)
            })
            .collect();
        for rs in replica_sets {
            self.enqueue_rs(rs);
        }
        for ds in daemon_sets {
            self.enqueue_daemon_set(ds);
        }
        for ss in stateful_sets {
            self.enqueue_stateful_set(ss);
        }
        for j in jobs {
            self.enqueue_job(j);
        }
    }

    /// A pod's labels changed (`kubectl label`, `patch`): an orphan may now match a
    /// controller; an owned pod that its owner's selector no longer matches is released at
    /// the owner's next sync (the owner hears of the change through `pod_changed`).
    pub(super) fn pod_relabelled_for_owners(&mut self, pod: PodId) {
        let store = &self.ctx.store;
        let labels = &store.pods[pod].labels;
        let matches = match store.pods[pod].owner {
            None => return self.orphan_appeared(pod),
            Some(PodOwner::ReplicaSet(rs)) => store.replica_sets[rs].selector.matches(labels),
            Some(PodOwner::DaemonSet(ds)) => store.daemon_sets[ds].spec.selector.matches(labels),
            Some(PodOwner::StatefulSet(ss)) => store.stateful_sets[ss].spec.selector.matches(labels),
            Some(PodOwner::Job(j)) => store.jobs[j].selector.matches(labels),
        };
        if !matches {
            self.sync_queues.relabelled.insert(pod);
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

/// The ordinal of a pod named `<set>-<ordinal>` (stateful_set_utils.go
/// `getParentNameAndOrdinal`, `isMemberOf`); None for a pod of another name.
fn set_ordinal(pod: &str, set: &str) -> Option<i32> {
    let (parent, ordinal) = pod.rsplit_once('-')?;
    if parent != set || ordinal.is_empty() || !ordinal.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    ordinal.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::set_ordinal;

    /// stateful_set_utils_test.go `TestIsMemberOf` / `TestGetParentNameAndOrdinal`.
    #[test]
    fn a_set_s_members_are_named_set_dash_ordinal() {
        assert_eq!(set_ordinal("web-0", "web"), Some(0));
        assert_eq!(set_ordinal("web-12", "web"), Some(12));
        assert_eq!(set_ordinal("web-a-3", "web-a"), Some(3));
        assert_eq!(set_ordinal("web-a-3", "web"), None, "another set's pod");
        assert_eq!(set_ordinal("web-x", "web"), None);
        assert_eq!(set_ordinal("web-", "web"), None);
        assert_eq!(set_ordinal("web", "web"), None);
    }
}
