//! Runs the DaemonSet controller (`controllers::daemonset`) against the store: one pod per
//! eligible node, sent through the default scheduler with a node affinity to its node, as
//! Kubernetes does since 1.12; node label and taint changes wake every DaemonSet.

use super::objects::ApiError;
use super::{ControllerEvent, Event, Sim};
use crate::controllers::daemonset::{
    self, placement, pod_spec_for_node, resolve_strategy, with_daemon_tolerations, DaemonNode, DaemonPod, Strategy,
};
use crate::controllers::deployment::util::pod_template_hash;
use crate::model::spec::{DaemonSetSpec, DaemonSetStrategy, Labels};
use crate::model::store::{DaemonSet, DaemonSetId, NodeId, PodOwner, PodPhase};
use std::collections::BTreeMap;
use std::sync::Arc;

const REVISION_HASH: &str = "controller-revision-hash";

impl Sim<'_> {
    pub(super) fn create_daemon_set(&mut self, ns: &str, name: &str, labels: &Labels, spec: &DaemonSetSpec) {
        let hash = pod_template_hash(&spec.template, 0);
        let id = self.ctx.store.add_daemon_set(DaemonSet {
            namespace: ns.to_string(),
            name: name.to_string(),
            labels: labels.clone(),
            pod_spec: Arc::new(with_daemon_tolerations(&spec.template.spec)),
            spec: spec.clone(),
            template_hash: hash.clone(),
            revision: 1,
            revisions: vec![(hash, 1)],
            pods: BTreeMap::new(),
            status: Default::default(),
            deleted: false,
        });
        self.enqueue_daemon_set(id);
    }

    /// A new spec: a changed template is a new revision (an earlier template comes back
    /// as a new revision number, as a ControllerRevision does).
    pub(crate) fn apply_daemon_set(&mut self, id: DaemonSetId, spec: &DaemonSetSpec) -> Result<(), ApiError> {
        let ds = &mut self.ctx.store.daemon_sets[id];
        if ds.spec.selector != spec.selector {
            return Err(ApiError::invalid("DaemonSet", &ds.name, "spec.selector: Invalid value: field is immutable"));
        }
        let hash = pod_template_hash(&spec.template, 0);
        if hash != ds.template_hash {
            let next = ds.revisions.iter().map(|(_, r)| *r).max().unwrap_or(0) + 1;
            ds.revisions.retain(|(h, _)| *h != hash);
            ds.revisions.push((hash.clone(), next));
            ds.template_hash = hash;
            ds.revision = next;
            ds.pod_spec = Arc::new(with_daemon_tolerations(&spec.template.spec));
        }
        ds.spec = spec.clone();
        self.enqueue_daemon_set(id);
        Ok(())
    }

    pub(super) fn enqueue_daemon_set(&mut self, id: DaemonSetId) {
        if self.ctx.store.daemon_sets[id].deleted {
            return;
        }
        let latency = self.ctx.latency();
        self.sync_queues
            .daemon_sets
            .add_after(id, latency, &mut self.ctx.kernel, |k| Event::Controller(ControllerEvent::SyncDaemonSet(k)));
    }

    /// A node's labels or taints changed: every DaemonSet looks again.
    pub(crate) fn nodes_changed_for_daemon_sets(&mut self) {
        for id in self.ctx.store.daemon_sets.ids() {
            self.enqueue_daemon_set(id);
        }
    }

    pub(super) fn sync_daemon_set(&mut self, id: DaemonSetId) {
        if !self.ctx.store.daemon_sets[id].deleted {
            self.claim_daemon_pods(id);
        }
        let ds = &self.ctx.store.daemon_sets[id];
        if ds.deleted {
            return;
        }
        let now = self.ctx.kernel.now();
        let nodes: Vec<DaemonNode> = self
            .ctx
            .store
            .nodes()
            .iter()
            .filter(|n| !n.removed)
            .map(|n| DaemonNode { id: n.id, placement: placement(&ds.pod_spec, n) })
            .collect();
        let min_ready = ds.spec.min_ready_seconds;
        let pods: Vec<DaemonPod> = ds
            .pods
            .iter()
            .map(|(&pod, &node)| {
                let p = &self.ctx.store.pods[pod];
                DaemonPod {
                    id: pod,
                    node,
                    updated: p.labels.get(REVISION_HASH) == Some(&ds.template_hash),
                    terminating: p.terminating.is_some(),
                    failed: matches!(p.phase, PodPhase::Failed | PodPhase::Succeeded),
                    ready: p.is_ready(),
                    available: p.is_available(min_ready, now),
                }
            })
            .collect();
        let desired = nodes.iter().filter(|n| n.placement.should_run).count() as i32;
        let strategy = match &ds.spec.strategy {
            DaemonSetStrategy::OnDelete => Strategy::OnDelete,
            DaemonSetStrategy::RollingUpdate { max_surge, max_unavailable } => {
                let (max_surge, max_unavailable) = resolve_strategy(max_surge, max_unavailable, desired);
                Strategy::RollingUpdate { max_surge, max_unavailable }
            }
        };
        // A pod that becomes available later (minReadySeconds) is looked at again then.
        let recheck = (min_ready > 0)
            .then(|| {
                ds.pods
                    .keys()
                    .filter_map(|&p| self.ctx.store.pods[p].ready_since)
                    .map(|t| t + crate::engine::SimDuration::from_secs(min_ready as u64))
                    .filter(|&t| t > now)
                    .min()
            })
            .flatten();
        let sync = daemonset::reconcile(&nodes, &pods, strategy);
        let object = self.ctx.daemon_set_ref(id);
        for pod in sync.delete {
            let name = self.ctx.store.pods[pod].name.clone();
            self.delete_pod(pod);
            self.ctx.recorder.normal(now, "SuccessfulDelete", object.clone(), format!("Deleted pod: {name}"));
        }
        // syncNodes: creates in slow-start batches; a refused create (admission) is a
        // FailedCreate, ends the batches, and the DaemonSet is requeued on its back-off.
        let nodes = &sync.create_on;
        let failed =
            self.create_in_slow_start_batches(nodes.len(), &object, now, |sim, i| sim.create_daemon_pod(id, nodes[i]));
        if failed {
            let delay = self.sync_queues.ds_backoff.when(id);
            let sync = |k| Event::Controller(ControllerEvent::SyncDaemonSet(k));
            self.sync_queues.daemon_sets.add_after(id, delay, &mut self.ctx.kernel, sync);
        } else {
            self.sync_queues.ds_backoff.forget(id);
        }
        self.ctx.store.daemon_sets[id].status = sync.status;
        if let Some(at) = recheck {
            self.ctx.kernel.schedule_at(at, Event::Controller(ControllerEvent::SyncDaemonSet(id)));
        }
    }

    /// A daemon pod for `node`: the template with the daemon tolerations, the
    /// controller-revision-hash label and a required node affinity to that node.
    fn create_daemon_pod(&mut self, id: DaemonSetId, node: NodeId) -> Result<String, super::ApiError> {
        let ds = &self.ctx.store.daemon_sets[id];
        let (ns, prefix, revision) = (ds.namespace.clone(), ds.name.clone(), ds.revision);
        let mut labels = ds.spec.template.labels.clone();
        labels.insert(REVISION_HASH.to_string(), ds.template_hash.clone());
        labels.insert("pod-template-generation".to_string(), revision.to_string());
        let node_name = self.ctx.store.nodes()[node].name.clone();
        let spec = Arc::new(pod_spec_for_node(&ds.pod_spec, &node_name));
        let cost = super::objects::pod_annotations(&ds.spec.template.annotations);
        let name = self.unique_pod_name(&ns, &prefix);
        let spec = self.admit_pod(&ns, &name, spec)?;
        let pod = self.create_pod(&ns, &name, labels, cost, spec, Some(PodOwner::DaemonSet(id)), revision);
        if self.ctx.store.pods[pod].deleted.is_none() {
            self.ctx.store.daemon_sets[id].pods.insert(pod, node);
        }
        Ok(name)
    }

    /// `kubectl delete daemonset/NAME`: the DaemonSet and its pods.
    pub(super) fn delete_daemon_set(&mut self, id: DaemonSetId) {
        let pods: Vec<_> = self.ctx.store.daemon_sets[id].pods.keys().copied().collect();
        self.ctx.store.remove_daemon_set(id);
        for p in pods {
            self.delete_pod(p);
        }
    }
}
