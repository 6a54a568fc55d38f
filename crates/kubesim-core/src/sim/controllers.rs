//! Runs the pure controllers against the store and applies what they decide.

use super::{Event, Sim};
use crate::controllers::deployment::progress::{sync_progress, ProgressInput};
use crate::controllers::deployment::util::SAFE_ALPHANUMS;
use crate::controllers::deployment::{reconcile, Action, DeploymentView, RsRef, RsView};
use crate::controllers::replicaset::{self, PodInfo};
use crate::model::spec::Selector;
use crate::model::store::{
    template_with_hash, CronJobId, DaemonSetId, DeployId, DeploymentStatus, HpaId, JobId, NodeId, PodOwner, PodPhase,
    ProgressReason, ReplicaSet, RsId, RsKind, StatefulSetId,
};
use std::collections::BTreeMap;

/// The workload controllers' events: an object's sync after its work queue's delay, and
/// metrics-server's scrape (the HPA controller reads it).
#[derive(Clone, Debug)]
pub enum ControllerEvent {
    SyncDeployment(DeployId),
    /// The Argo Rollouts controller syncs a Rollout (a row of `Store::deployments`).
    SyncRollout(DeployId),
    SyncReplicaSet(RsId),
    SyncJob(JobId),
    SyncCronJob(CronJobId),
    /// The CronJob controller's queue hands a CronJob out at its next schedule time
    /// (stale when an earlier wake-up replaced it).
    CronJobWakeup(CronJobId),
    SyncDaemonSet(DaemonSetId),
    SyncStatefulSet(StatefulSetId),
    /// The HPA controller's periodic sync of one HPA.
    SyncHpa(HpaId),
    /// metrics-server scrapes the kubelets.
    MetricsScrape,
}

impl Sim<'_> {
    /// A controller's event: the key leaves its work queue, then the controller syncs it.
    pub(super) fn handle_controller(&mut self, event: ControllerEvent) {
        match event {
            ControllerEvent::SyncDeployment(d) => {
                self.sync_queues.deployments.take(d);
                self.sync_deployment(d);
            }
            ControllerEvent::SyncRollout(d) => {
                self.sync_queues.deployments.take(d);
                self.sync_rollout(d);
            }
            ControllerEvent::SyncReplicaSet(rs) => {
                self.sync_queues.replica_sets.take(rs);
                self.sync_replica_set(rs);
            }
            ControllerEvent::SyncJob(j) => {
                self.sync_queues.jobs.take(j);
                self.sync_job(j);
            }
            ControllerEvent::SyncCronJob(cj) => {
                self.sync_queues.cron_jobs.take(cj);
                self.sync_cron_job(cj);
            }
            ControllerEvent::CronJobWakeup(cj) => self.cron_job_wakeup(cj),
            ControllerEvent::SyncDaemonSet(ds) => {
                self.sync_queues.daemon_sets.take(ds);
                self.sync_daemon_set(ds);
            }
            ControllerEvent::SyncStatefulSet(ss) => {
                self.sync_queues.stateful_sets.take(ss);
                self.sync_stateful_set(ss);
            }
            ControllerEvent::SyncHpa(h) => self.sync_hpa(h),
            ControllerEvent::MetricsScrape => self.metrics_scrape(),
        }
    }
}

impl Sim<'_> {
    fn rs_views(&self, d: DeployId) -> Vec<RsView> {
        let dep = &self.ctx.store.deployments[d];
        dep.replica_sets
            .iter()
            .map(|&id| {
                let rs = &self.ctx.store.replica_sets[id];
                let existing = rs
                    .pods
                    .iter()
                    .filter(|&&p| !matches!(self.ctx.store.pods[p].phase, PodPhase::Succeeded | PodPhase::Failed))
                    .count() as i32;
                RsView {
                    id: Some(id),
                    name: rs.name.clone(),
                    revision: rs.revision,
                    created: rs.created,
                    template_hash: rs.template_hash.clone(),
                    replicas: rs.replicas,
                    available: rs.status.available,
                    pods_active: rs.status.replicas,
                    pods_existing: existing,
                    desired_annotation: rs.desired_replicas_annotation,
                    max_annotation: rs.max_replicas_annotation,
                }
            })
            .collect()
    }

    pub(super) fn sync_deployment(&mut self, d: DeployId) {
        if self.ctx.store.deployments[d].deleted {
            return;
        }
        self.claim_replica_sets(d);
        let views = self.rs_views(d);
        let dep = &self.ctx.store.deployments[d];
        let view = DeploymentView {
            name: &dep.name,
            spec: &dep.spec,
            template_hash: &dep.template_hash,
            status_replicas: dep.status.replicas,
            replica_sets: views,
        };
        let result = reconcile(&view);
        let mut new_rs = None;
        for action in result.actions {
            if self.ctx.narrating() {
                self.ctx.narrate_deployment_action(d, &action);
            }
            if let Some(id) = self.apply_deployment_action(d, action) {
                new_rs = Some(id);
            }
        }
        if new_rs.is_some() {
            self.ctx.store.deployments[d].progress_reason = Some(ProgressReason::NewReplicaSetCreated);
            self.ctx.store.deployments[d].progress_updated = self.ctx.kernel.now();
        }
        let progress_before = self.ctx.store.deployments[d].progress_reason;
        self.sync_deployment_status(d);
        if self.ctx.narrating() {
            self.ctx.narrate_deployment_progress(d, progress_before);
        }
    }

    /// Applies one write; returns the id of a ReplicaSet it created.
    fn apply_deployment_action(&mut self, d: DeployId, action: Action) -> Option<RsId> {
        let now = self.ctx.kernel.now();
        let object = self.ctx.deployment_ref(d);
        match action {
            Action::CreateReplicaSet { name, replicas, revision, desired, max, .. } => {
                let dep = &self.ctx.store.deployments[d];
                let hash = dep.template_hash.clone();
                let mut selector: Selector = dep.spec.selector.clone();
                selector.match_labels.insert("pod-template-hash".into(), hash.clone());
                let mut rs = ReplicaSet::from_spec(
                    RsKind::ReplicaSet,
                    &dep.namespace.clone(),
                    &name,
                    dep.spec.template.labels.clone(),
                    &crate::model::spec::ReplicaSetSpec {
                        replicas,
                        selector,
                        template: template_with_hash(&dep.spec.template, &hash),
                        min_ready_seconds: dep.spec.min_ready_seconds,
                    },
                    now,
                );
                rs.template_hash = hash;
                rs.owner = Some(d);
                rs.revision = revision;
                rs.desired_replicas_annotation = Some(desired);
                rs.max_replicas_annotation = Some(max);
                let id = self.ctx.store.add_replica_set(rs);
                if replicas > 0 {
                    self.ctx.recorder.normal(
                        now,
                        "ScalingReplicaSet",
                        object,
                        format!("Scaled up replica set {name} from 0 to {replicas}"),
                    );
                }
                self.enqueue_rs(id);
                Some(id)
            }
            Action::Scale { rs, name, from, to, desired, max, .. } => {
                let id = match rs {
                    RsRef::Existing(id) => id,
                    RsRef::New => {
                        self.ctx.store.find_rs(RsKind::ReplicaSet, &self.ctx.store.deployments[d].namespace, &name)?
                    }
                };
                let r = &mut self.ctx.store.replica_sets[id];
                r.replicas = to;
                r.desired_replicas_annotation = Some(desired);
                r.max_replicas_annotation = Some(max);
                if from != to {
                    let op = if to > from { "up" } else { "down" };
                    self.ctx.recorder.normal(
                        now,
                        "ScalingReplicaSet",
                        object,
                        format!("Scaled {op} replica set {name} from {from} to {to}"),
                    );
                }
                self.enqueue_rs(id);
                None
            }
            Action::SetRevision { rs, revision } => {
                self.ctx.store.replica_sets[rs].revision = revision;
                None
            }
            Action::DeleteReplicaSet { rs } => {
                self.delete_replica_set(rs);
                None
            }
        }
    }

    /// syncRolloutStatus: the status from the ReplicaSets and the Progressing condition.
    fn sync_deployment_status(&mut self, d: DeployId) {
        let now = self.ctx.kernel.now();
        let dep = &self.ctx.store.deployments[d];
        let mut status = DeploymentStatus::default();
        let mut new_rs_name = None;
        for &id in &dep.replica_sets {
            let rs = &self.ctx.store.replica_sets[id];
            status.replicas += rs.status.replicas;
            status.ready += rs.status.ready;
            status.available += rs.status.available;
            if rs.template_hash == dep.template_hash {
                status.updated = rs.status.replicas;
                new_rs_name = Some(rs.name.clone());
            }
        }
        status.unavailable = (dep.spec.replicas - status.available).max(0);
        let replicas = dep.spec.replicas;
        let complete = status.updated == replicas && status.replicas == replicas && status.available == replicas;
        if dep.spec.paused {
            let dep = &mut self.ctx.store.deployments[d];
            dep.status = status;
            return;
        }
        let out = sync_progress(&ProgressInput {
            previous: &dep.status,
            current: &status,
            reason: dep.progress_reason,
            updated_at: dep.progress_updated,
            now,
            complete,
            deadline_seconds: dep.spec.progress_deadline_seconds,
            new_rs_name: new_rs_name.as_deref(),
            deployment: &dep.name,
        });
        let object = self.ctx.deployment_ref(d);
        let dep = &mut self.ctx.store.deployments[d];
        dep.status = status;
        dep.progress_reason = out.reason;
        dep.progress_updated = out.updated_at;
        if let Some(message) = out.timed_out_message {
            self.ctx.recorder.warning(now, "ProgressDeadlineExceeded", object, message);
        }
        if let Some(at) = out.recheck_at {
            self.ctx.kernel.schedule_at(at, Event::Controller(ControllerEvent::SyncDeployment(d)));
        }
        self.dirty.insert(d);
    }

    /// Pods of the same owner per node (the deletion ranking's "doubled up" count).
    fn colocated_counts(&self, rs: RsId) -> BTreeMap<NodeId, usize> {
        let owner = self.ctx.store.replica_sets[rs].owner;
        let related: Vec<RsId> = match owner {
            Some(d) => self.ctx.store.deployments[d].replica_sets.iter().copied().collect(),
            None => vec![rs],
        };
        let mut counts = BTreeMap::new();
        for r in related {
            for &p in &self.ctx.store.replica_sets[r].pods {
                let pod = &self.ctx.store.pods[p];
                if let (true, Some(n)) = (pod.is_active(), pod.node) {
                    *counts.entry(n).or_insert(0) += 1;
                }
            }
        }
        counts
    }

    pub(super) fn sync_replica_set(&mut self, rs: RsId) {
        if self.ctx.store.replica_sets[rs].deleted {
            return;
        }
        self.claim_pods(rs);
        let now = self.ctx.kernel.now();
        let r = &self.ctx.store.replica_sets[rs];
        // Most syncs need only counts (no deletion to rank, no minReadySeconds, no narration,
        // which names pods): kept pod by pod in the tally, so a sync of a ReplicaSet with a
        // million Pending pods is not a walk over them (issue 21).
        let (active, ready) = self.ctx.metrics.tally.replica_set_active_ready(rs);
        let counted = (!self.ctx.narrating())
            .then(|| replicaset::reconcile_counts(r.replicas, r.min_ready_seconds, active, ready))
            .flatten();
        if let Some(decision) = counted {
            #[cfg(debug_assertions)]
            {
                let scanned = r.pods.iter().map(|&p| &self.ctx.store.pods[p]).filter(|p| p.is_active());
                let (a, ready_scanned) = scanned.fold((0, 0), |(a, rd), p| (a + 1, rd + usize::from(p.is_ready())));
                assert_eq!((active, ready), (a, ready_scanned), "the tally of {} drifted from its pods", r.name);
            }
            self.carry_out_replica_set_sync(rs, decision, now);
            return;
        }
        let mut pods: Vec<PodInfo> = r
            .pods
            .iter()
            .map(|&id| {
                let p = &self.ctx.store.pods[id];
                PodInfo {
                    id,
                    active: p.is_active(),
                    assigned: p.node.is_some(),
                    phase: p.phase,
                    ready_since: p.ready_since,
                    deletion_cost: p.deletion_cost,
                    colocated: 0,
                    max_restarts: 0,
                    created: p.created,
                }
            })
            .collect();
        // Only ranking pods for deletion reads their restarts (each pod's containers) and how
        // crowded their nodes are (every pod of the Deployment): found only when there are
        // more active pods than wanted, not at every sync of a 300-pod ReplicaSet.
        let active = pods.iter().filter(|p| p.active).count();
        if active > r.replicas.max(0) as usize {
            let colocated = self.colocated_counts(rs);
            for info in &mut pods {
                let p = &self.ctx.store.pods[info.id];
                info.colocated = p.node.and_then(|n| colocated.get(&n).copied()).unwrap_or(0);
                info.max_restarts = p.max_container_restarts();
            }
        }
        let decision = replicaset::reconcile(r.replicas, r.min_ready_seconds, &pods, now);
        if self.ctx.narrating() {
            self.ctx.narrate_replica_set_sync(rs, &pods, &decision);
        }
        self.carry_out_replica_set_sync(rs, decision, now);
    }

    /// replica_set.go `slowStartBatch` with controller_utils.go `createPods`' events: `count`
    /// creates in batches of 1, 2, 4, ...; each one's `SuccessfulCreate` "Created pod: NAME",
    /// or the API server's refusal as a `FailedCreate` "Error creating: ..." warning, which
    /// makes its batch the last. Says whether a create was refused (the caller requeues the
    /// object on its back-off). `create` makes the i-th pod.
    pub(super) fn create_in_slow_start_batches(
        &mut self,
        count: usize,
        object: &str,
        now: crate::engine::SimTime,
        mut create: impl FnMut(&mut Self, usize) -> Result<String, super::ApiError>,
    ) -> bool {
        let mut next = 0;
        for batch in replicaset::slow_start_batches(count) {
            let mut failed = false;
            for _ in 0..batch {
                match create(self, next) {
                    Ok(name) => self.ctx.recorder.normal(
                        now,
                        "SuccessfulCreate",
                        object.to_string(),
                        format!("Created pod: {name}"),
                    ),
                    Err(e) => {
                        failed = true;
                        let message = format!("Error creating: {}", e.status_message());
                        self.ctx.recorder.warning(now, "FailedCreate", object.to_string(), message);
                    }
                }
                next += 1;
            }
            if failed {
                return true;
            }
        }
        false
    }

    /// Creates and deletes the pods `decision` says, then records its status.
    fn carry_out_replica_set_sync(&mut self, rs: RsId, decision: replicaset::Decision, now: crate::engine::SimTime) {
        let object = self.ctx.rs_ref(rs);
        let failed =
            self.create_in_slow_start_batches(decision.create, &object, now, |sim, _| sim.create_owned_pod(rs));
        for pod in decision.delete {
            let name = self.ctx.store.pods[pod].name.clone();
            self.delete_pod(pod);
            self.ctx.recorder.normal(now, "SuccessfulDelete", object.clone(), format!("Deleted pod: {name}"));
        }
        let r = &mut self.ctx.store.replica_sets[rs];
        if r.status != decision.status {
            r.status = decision.status;
            if let Some(d) = r.owner {
                self.enqueue_deployment(d);
            }
        }
        if let Some(at) = decision.recheck_at {
            self.ctx.kernel.schedule_at(at, Event::Controller(ControllerEvent::SyncReplicaSet(rs)));
        }
        self.replica_set_sync_ended(rs, failed);
    }

    /// processNextWorkItem: a sync that failed is requeued with the queue's rate limiter
    /// (client-go DefaultControllerRateLimiter's per-item exponential back-off, 5 ms doubling
    /// to 1000 s); one that succeeded is forgotten (its back-off starts over).
    fn replica_set_sync_ended(&mut self, rs: RsId, failed: bool) {
        if !failed {
            self.sync_queues.rs_backoff.forget(rs);
            return;
        }
        let delay = self.sync_queues.rs_backoff.when(rs);
        let sync = |rs| Event::Controller(ControllerEvent::SyncReplicaSet(rs));
        self.sync_queues.replica_sets.add_after(rs, delay, &mut self.ctx.kernel, sync);
    }

    /// A pod from the ReplicaSet's template, named `<rs>-<5 random characters>`, through
    /// admission (which may refuse it).
    fn create_owned_pod(&mut self, rs: RsId) -> Result<String, super::ApiError> {
        let r = &self.ctx.store.replica_sets[rs];
        let (ns, prefix, template, revision) = (r.namespace.clone(), r.name.clone(), r.template.clone(), r.revision);
        let spec = r.pod_spec.clone();
        let name = loop {
            let suffix: String =
                (0..5).map(|_| SAFE_ALPHANUMS[self.names.below(SAFE_ALPHANUMS.len())] as char).collect();
            let candidate = format!("{prefix}-{suffix}");
            if self.ctx.store.find_pod(&ns, &candidate).is_none() {
                break candidate;
            }
        };
        let spec = self.admit_pod(&ns, &name, spec)?;
        let cost = super::objects::pod_annotations(&template.annotations);
        self.create_pod(&ns, &name, template.labels.clone(), cost, spec, Some(PodOwner::ReplicaSet(rs)), revision);
        Ok(name)
    }
}
