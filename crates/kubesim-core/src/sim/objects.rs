//! Creating, updating and deleting objects in the store, as the API server would on
//! `kubectl apply`, `create` and `delete`.

use super::{Event, Sim};
use crate::controllers::deployment::util::pod_template_hash;
use crate::engine::SimDuration;
use crate::model::spec::{Kind, Object, ObjectRef, ObjectSpec, ReplicaSetSpec};
use crate::model::store::namespaced_key;
use crate::model::store::{
    ContainerStatus, Deployment, DeploymentStatus, Node, NodeId, NonZero, Pod, PodOwner, PodPhase, ReplicaSet, RsKind,
};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

pub use crate::model::api_error::ApiError;

impl Sim<'_> {
    pub(super) fn create_nodes(&mut self) {
        let groups = self.ctx.scenario.nodes.clone();
        for group in &groups {
            for i in 1..=group.count {
                self.ctx.store.add_node(new_node(group, group.node_name(i)));
            }
        }
    }

    /// Creates an object; an existing one is an AlreadyExists error.
    pub(crate) fn create_object(&mut self, obj: &Object) -> Result<(), ApiError> {
        if self.exists(&obj.id) {
            return Err(already_exists(&obj.id));
        }
        let ns = obj.id.namespace.as_str();
        let name = obj.id.name.as_str();
        // A pod goes through admission first (LimitRanger, ResourceQuota): refused, it is
        // never created.
        let admitted = match &obj.spec {
            ObjectSpec::Pod { spec, .. } => Some(self.admit_pod(ns, name, spec.clone())?),
            _ => None,
        };
        self.created(&obj.id);
        match &obj.spec {
            ObjectSpec::Namespace => {
                self.ctx.store.namespaces.insert(name.to_string());
            }
            ObjectSpec::Pod { labels, annotations, spec } => {
                let annotated = pod_annotations(annotations);
                let spec = admitted.unwrap_or_else(|| spec.clone());
                self.create_pod(ns, name, labels.clone(), annotated, spec, None, 0);
            }
            ObjectSpec::ReplicaSet { labels, spec } => {
                self.create_standalone_rs(RsKind::ReplicaSet, ns, name, labels, spec)
            }
            ObjectSpec::ReplicationController { labels, spec } => {
                self.create_standalone_rs(RsKind::ReplicationController, ns, name, labels, spec)
            }
            ObjectSpec::Deployment { labels, spec, .. } => {
                let template_hash = pod_template_hash(&spec.template, 0);
                let id = self.ctx.store.add_deployment(Deployment {
                    namespace: ns.to_string(),
                    name: name.to_string(),
                    labels: labels.clone(),
                    spec: spec.clone(),
                    template_hash,
                    status: DeploymentStatus::default(),
                    progress_reason: None,
                    progress_updated: self.ctx.kernel.now(),
                    replica_sets: BTreeSet::new(),
                    deleted: false,
                    rollout: None,
                });
                self.ctx.metrics.deployment_created(&self.ctx.store, id, self.ctx.kernel.now());
                self.enqueue_deployment(id);
            }
            ObjectSpec::PodDisruptionBudget { selector, min_available, max_unavailable } => {
                self.ctx.store.pdbs.push(crate::model::store::Pdb {
                    namespace: ns.to_string(),
                    name: name.to_string(),
                    selector: selector.clone(),
                    min_available: min_available.clone(),
                    max_unavailable: max_unavailable.clone(),
                });
            }
            ObjectSpec::Service { labels, spec } => self.net.create_service(&mut self.ctx, ns, name, labels, spec),
            ObjectSpec::Ingress { spec, .. } => self.net.create_ingress(ns, name, spec),
            ObjectSpec::Job { labels, spec } => {
                self.create_job(ns, name, labels, spec);
            }
            ObjectSpec::CronJob { labels, spec } => self.create_cron_job(ns, name, labels, spec),
            ObjectSpec::DaemonSet { labels, spec } => self.create_daemon_set(ns, name, labels, spec),
            ObjectSpec::StatefulSet { labels, spec } => self.create_stateful_set(ns, name, labels, spec),
            ObjectSpec::HorizontalPodAutoscaler { spec } => self.create_hpa(ns, name, spec),
            ObjectSpec::Rollout { labels, spec } => self.create_rollout(ns, name, labels, spec),
            ObjectSpec::PersistentVolumeClaim { labels, spec } => {
                self.create_claim(ns, name, labels, spec, None);
            }
            ObjectSpec::PersistentVolume { labels, spec } => self.create_volume(name, labels, spec),
            ObjectSpec::StorageClass(spec) => self.create_storage_class(name, spec),
            ObjectSpec::LimitRange(spec) => self.put_limit_range(ns, name, spec),
            ObjectSpec::ResourceQuota(spec) => self.put_quota(ns, name, spec),
            ObjectSpec::PriorityClass { .. } | ObjectSpec::NotSimulated => {}
        }
        Ok(())
    }

    /// `kubectl apply`: create, or update the fields kubesim models.
    pub(crate) fn apply_object(&mut self, obj: &Object) -> Result<(), ApiError> {
        if !self.exists(&obj.id) {
            return self.create_object(obj);
        }
        let (ns, name) = (obj.id.namespace.as_str(), obj.id.name.as_str());
        match &obj.spec {
            ObjectSpec::Deployment { spec, .. } => {
                if let Some(d) = self.ctx.store.find_deployment(ns, name) {
                    // apps/v1: pkg/apis/apps/validation/validation.go `ValidateDeploymentUpdate`
                    // (`ValidateImmutableField` of spec.selector; field.Error prints the new
                    // value with %#v).
                    if self.ctx.store.deployments[d].spec.selector != spec.selector {
                        return Err(ApiError::invalid(
                            "Deployment",
                            name,
                            format!(
                                "spec.selector: Invalid value: {}: field is immutable",
                                go_selector(&spec.selector)
                            ),
                        ));
                    }
                    self.update_deployment_spec(d, spec.clone());
                }
            }
            ObjectSpec::ReplicaSet { spec, .. } | ObjectSpec::ReplicationController { spec, .. } => {
                let kind =
                    if obj.id.kind == Kind::ReplicaSet { RsKind::ReplicaSet } else { RsKind::ReplicationController };
                if let Some(rs) = self.ctx.store.find_rs(kind, ns, name) {
                    let r = &mut self.ctx.store.replica_sets[rs];
                    r.replicas = spec.replicas;
                    r.template = spec.template.clone();
                    r.pod_spec = Arc::new(spec.template.spec.clone());
                    r.min_ready_seconds = spec.min_ready_seconds;
                    self.enqueue_rs(rs);
                }
            }
            ObjectSpec::Pod { spec, .. } => {
                if let Some(p) = self.ctx.store.find_pod(ns, name) {
                    // pkg/apis/core/validation/validation.go `ValidatePodUpdate`: only the
                    // images (and fields kubesim does not change here) may differ.
                    let old = &self.ctx.store.pods[p].spec;
                    let mut same_images = (**spec).clone();
                    for (c, o) in same_images.containers.iter_mut().zip(&old.containers) {
                        c.image.clone_from(&o.image);
                    }
                    for (c, o) in same_images.init_containers.iter_mut().zip(&old.init_containers) {
                        c.image.clone_from(&o.image);
                    }
                    if same_images == **old && *old != *spec {
                        self.change_pod_images(p, spec.clone());
                        return Ok(());
                    }
                    if self.ctx.store.pods[p].spec != *spec {
                        return Err(ApiError::invalid(
                            "Pod",
                            name,
                            "spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`, `spec.initContainers[*].image`, `spec.activeDeadlineSeconds`, `spec.tolerations` (only additions to existing tolerations) or `spec.terminationGracePeriodSeconds`",
                        ));
                    }
                }
            }
            // Storage objects: kubesim simulates none of the fields the API lets change
            // (a claim's size grows only with volume expansion, which kubesim does not model).
            ObjectSpec::Namespace
            | ObjectSpec::PriorityClass { .. }
            | ObjectSpec::PodDisruptionBudget { .. }
            | ObjectSpec::PersistentVolumeClaim { .. }
            | ObjectSpec::PersistentVolume { .. }
            | ObjectSpec::StorageClass(_)
            | ObjectSpec::NotSimulated => {}
            ObjectSpec::LimitRange(spec) => self.put_limit_range(ns, name, spec),
            ObjectSpec::ResourceQuota(spec) => self.put_quota(ns, name, spec),
            ObjectSpec::Service { labels, spec } => {
                if let Some(svc) = self.net.find_service(ns, name) {
                    self.net.apply_service(&mut self.ctx, svc, labels, spec);
                }
            }
            ObjectSpec::Ingress { spec, .. } => {
                if let Some(i) = self.net.find_ingress(ns, name) {
                    self.net.apply_ingress(i, spec);
                }
            }
            ObjectSpec::Job { spec, .. } => {
                if let Some(j) = self.ctx.store.find_job(ns, name) {
                    return self.apply_job(j, spec);
                }
            }
            ObjectSpec::CronJob { labels, spec } => {
                if let Some(cj) = self.ctx.store.find_cron_job(ns, name) {
                    self.ctx.store.cron_jobs[cj].labels = labels.clone();
                    return self.apply_cron_job(cj, spec);
                }
            }
            ObjectSpec::DaemonSet { spec, .. } => {
                if let Some(ds) = self.ctx.store.find_daemon_set(ns, name) {
                    return self.apply_daemon_set(ds, spec);
                }
            }
            ObjectSpec::StatefulSet { spec, .. } => {
                if let Some(ss) = self.ctx.store.find_stateful_set(ns, name) {
                    return self.update_stateful_set(ss, spec);
                }
            }
            ObjectSpec::HorizontalPodAutoscaler { spec } => {
                if let Some(h) = self.ctx.store.find_hpa(ns, name) {
                    self.apply_hpa(h, spec);
                }
            }
            ObjectSpec::Rollout { spec, .. } => {
                if let Some(d) = self.ctx.store.find_rollout(ns, name) {
                    if self.ctx.store.deployments[d].spec.selector != spec.workload.selector {
                        return Err(ApiError::invalid(
                            "Rollout",
                            name,
                            "spec.selector: Invalid value: field is immutable",
                        ));
                    }
                    self.update_rollout(d, spec);
                }
            }
        }
        Ok(())
    }

    /// `kubectl replace`: the object must exist (the API server's NotFound otherwise); its
    /// spec is then updated as `apply` updates it.
    pub(crate) fn replace_object(&mut self, obj: &Object) -> Result<(), ApiError> {
        if !self.exists(&obj.id) {
            return Err(not_found(&obj.id));
        }
        self.apply_object(obj)
    }

    /// A new spec for a Deployment: a changed template starts a rollout.
    pub(crate) fn update_deployment_spec(
        &mut self,
        d: crate::model::store::DeployId,
        spec: crate::model::spec::DeploymentSpec,
    ) {
        let hash = pod_template_hash(&spec.template, 0);
        let dep = &mut self.ctx.store.deployments[d];
        let template_changed = dep.template_hash != hash;
        dep.spec = spec;
        dep.template_hash = hash;
        if template_changed {
            self.ctx.metrics.rollout_started(&self.ctx.store, d, self.ctx.kernel.now());
        }
        self.enqueue_deployment(d);
    }

    pub(crate) fn exists(&self, id: &ObjectRef) -> bool {
        let (ns, name) = (id.namespace.as_str(), id.name.as_str());
        match id.kind {
            Kind::Namespace => self.ctx.store.namespaces.contains(name),
            Kind::Pod => self.ctx.store.find_pod(ns, name).is_some(),
            Kind::ReplicaSet => self.ctx.store.find_rs(RsKind::ReplicaSet, ns, name).is_some(),
            Kind::ReplicationController => self.ctx.store.find_rs(RsKind::ReplicationController, ns, name).is_some(),
            Kind::Deployment => self.ctx.store.find_deployment(ns, name).is_some(),
            Kind::Rollout => self.ctx.store.find_rollout(ns, name).is_some(),
            Kind::Job => self.ctx.store.find_job(ns, name).is_some(),
            Kind::CronJob => self.ctx.store.find_cron_job(ns, name).is_some(),
            Kind::DaemonSet => self.ctx.store.find_daemon_set(ns, name).is_some(),
            Kind::StatefulSet => self.ctx.store.find_stateful_set(ns, name).is_some(),
            Kind::HorizontalPodAutoscaler => self.ctx.store.find_hpa(ns, name).is_some(),
            Kind::PodDisruptionBudget => self.ctx.store.pdbs.iter().any(|p| p.namespace == ns && p.name == name),
            Kind::Service | Kind::Ingress => self.net.exists(id),
            Kind::PersistentVolumeClaim => self.ctx.store.claims.find(&namespaced_key(ns, name)).is_some(),
            Kind::PersistentVolume => self.ctx.store.volumes.find(&name.to_string()).is_some(),
            Kind::StorageClass => self.ctx.store.storage_classes.contains_key(name),
            Kind::LimitRange => self.ctx.store.limit_ranges.contains_key(&(ns.to_string(), name.to_string())),
            Kind::ResourceQuota => self.ctx.store.quotas.contains_key(&(ns.to_string(), name.to_string())),
            // Never kept as objects: Node manifests are refused at load (nodes come from
            // `cluster.nodes`), PriorityClasses are resolved at load, the rest are not simulated.
            Kind::Node | Kind::PriorityClass | Kind::ConfigMap | Kind::Secret | Kind::ServiceAccount => false,
        }
    }

    fn create_standalone_rs(
        &mut self,
        kind: RsKind,
        ns: &str,
        name: &str,
        labels: &crate::model::spec::Labels,
        spec: &ReplicaSetSpec,
    ) {
        let rs = ReplicaSet::from_spec(kind, ns, name, labels.clone(), spec, self.ctx.kernel.now());
        let id = self.ctx.store.add_replica_set(rs);
        self.enqueue_rs(id);
        self.replica_set_orphaned(id);
    }

    /// Creates a pod; one without `nodeName` joins the scheduling queue.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn create_pod(
        &mut self,
        ns: &str,
        name: &str,
        labels: crate::model::spec::Labels,
        annotated: PodAnnotations,
        spec: Arc<crate::model::spec::PodSpec>,
        owner: Option<PodOwner>,
        revision: i64,
    ) -> crate::model::store::PodId {
        let now = self.ctx.kernel.now();
        let containers = spec.containers.iter().map(|_| ContainerStatus::waiting("ContainerCreating")).collect();
        let init_containers =
            spec.init_containers.iter().map(|_| ContainerStatus::waiting("PodInitializing")).collect();
        let node_name = spec.node_name.clone();
        let id = self.ctx.store.add_pod(Pod {
            deletion_cost: annotated.deletion_cost,
            safe_to_evict: annotated.safe_to_evict,
            revision,
            containers,
            init_containers,
            ..Pod::new(ns, name, labels, spec, owner, now)
        });
        match node_name.and_then(|n| self.ctx.store.find_node(&n)) {
            // A pod that names its node skips the scheduler; the kubelet admits it.
            Some(node) => self.bind_pod(id, node, false),
            None => self.scheduler.enqueue(&mut self.ctx, id),
        }
        self.net.pod_created_for_services(&self.ctx.store, id);
        self.pod_changed(id);
        if owner.is_none() {
            self.orphan_appeared(id);
        }
        id
    }

    /// Starts a pod's deletion: graceful on a node, at once when unscheduled.
    pub(super) fn delete_pod(&mut self, pod: crate::model::store::PodId) {
        self.delete_pod_with_grace(pod, None);
    }

    /// Deletion with a grace period other than the pod's own (`--grace-period`).
    pub(super) fn delete_pod_with_grace(&mut self, pod: crate::model::store::PodId, grace: Option<SimDuration>) {
        let now = self.ctx.kernel.now();
        let p = &mut self.ctx.store.pods[pod];
        if p.terminating.is_some() || p.deleted.is_some() {
            return;
        }
        p.terminating = Some(now);
        p.grace_override = grace;
        p.generation += 1;
        let generation = p.generation;
        match p.node {
            Some(node) => {
                // A pod that already finished (Failed, Succeeded) stopped counting then.
                if !matches!(p.phase, PodPhase::Succeeded | PodPhase::Failed) {
                    let owner = p.owner;
                    self.scheduler.profile.owner_spread.pod_counted(&self.scheduler.profile.topology, owner, node, -1);
                }
                let at = now + self.ctx.latency();
                self.ctx.kernel.schedule_at(at, Event::Kubelet(pod, generation, super::Step::Stop));
            }
            None => {
                self.scheduler.forget(pod);
                self.ctx.store.remove_pod(pod, now);
                self.pod_deleted(pod);
                return;
            }
        }
        self.pod_changed(pod);
    }

    /// `kubectl delete KIND/NAME`: workloads go with their pods (background cascading).
    pub(crate) fn delete_object(&mut self, id: &ObjectRef) -> Result<(), ApiError> {
        let (ns, name) = (id.namespace.as_str(), id.name.as_str());
        match id.kind {
            Kind::Pod => {
                let p = self.ctx.store.find_pod(ns, name).ok_or_else(|| not_found(id))?;
                self.delete_pod(p);
            }
            Kind::Deployment => {
                let d = self.ctx.store.find_deployment(ns, name).ok_or_else(|| not_found(id))?;
                self.ctx.store.remove_deployment(d);
                let rss: Vec<_> = self.ctx.store.deployments[d].replica_sets.iter().copied().collect();
                for rs in rss {
                    self.delete_replica_set(rs);
                }
            }
            Kind::ReplicaSet | Kind::ReplicationController => {
                let kind = if id.kind == Kind::ReplicaSet { RsKind::ReplicaSet } else { RsKind::ReplicationController };
                let rs = self.ctx.store.find_rs(kind, ns, name).ok_or_else(|| not_found(id))?;
                self.delete_replica_set(rs);
            }
            Kind::Rollout => {
                let d = self.ctx.store.find_rollout(ns, name).ok_or_else(|| not_found(id))?;
                self.delete_rollout(d);
            }
            Kind::Job => {
                let j = self.ctx.store.find_job(ns, name).ok_or_else(|| not_found(id))?;
                self.delete_job(j);
            }
            Kind::CronJob => {
                let cj = self.ctx.store.find_cron_job(ns, name).ok_or_else(|| not_found(id))?;
                self.delete_cron_job(cj);
            }
            Kind::DaemonSet => {
                let ds = self.ctx.store.find_daemon_set(ns, name).ok_or_else(|| not_found(id))?;
                self.delete_daemon_set(ds);
            }
            Kind::StatefulSet => {
                let ss = self.ctx.store.find_stateful_set(ns, name).ok_or_else(|| not_found(id))?;
                self.delete_stateful_set(ss);
            }
            Kind::HorizontalPodAutoscaler => {
                let h = self.ctx.store.find_hpa(ns, name).ok_or_else(|| not_found(id))?;
                self.delete_hpa(h);
            }
            Kind::Service => {
                let svc = self.net.find_service(ns, name).ok_or_else(|| not_found(id))?;
                self.net.delete_service(&mut self.ctx, svc);
            }
            Kind::Ingress => {
                let i = self.net.find_ingress(ns, name).ok_or_else(|| not_found(id))?;
                self.net.delete_ingress(i);
            }
            Kind::Namespace if !self.ctx.store.namespaces.remove(name) => return Err(not_found(id)),
            Kind::PersistentVolumeClaim => {
                let c = self.ctx.store.claims.find(&namespaced_key(ns, name)).ok_or_else(|| not_found(id))?;
                self.delete_claim(c);
            }
            Kind::PersistentVolume => {
                let v = self.ctx.store.volumes.find(&name.to_string()).ok_or_else(|| not_found(id))?;
                self.delete_volume(v);
            }
            Kind::StorageClass => {
                self.ctx.store.storage_classes.remove(name).ok_or_else(|| not_found(id))?;
            }
            Kind::LimitRange => {
                self.ctx.store.limit_ranges.remove(&(ns.to_string(), name.to_string())).ok_or_else(|| not_found(id))?;
            }
            Kind::ResourceQuota => {
                self.ctx.store.quotas.remove(&(ns.to_string(), name.to_string())).ok_or_else(|| not_found(id))?;
            }
            _ => {}
        }
        Ok(())
    }

    /// The objects of `kind` in `namespace` that exist now (whose labels `selector` matches,
    /// when given), in name order as the API server lists them: `kubectl delete KIND --all`
    /// and `-l`.
    pub(crate) fn object_refs(
        &self,
        kind: Kind,
        namespace: &str,
        selector: Option<&crate::model::spec::Selector>,
    ) -> Vec<ObjectRef> {
        let store = &self.ctx.store;
        let empty = crate::model::spec::Labels::new();
        let mut candidates: Vec<(&str, &crate::model::spec::Labels)> = Vec::new();
        match kind {
            Kind::Pod => candidates.extend(store.pods.iter().map(|p| (p.name.as_str(), &p.labels))),
            Kind::ReplicaSet | Kind::ReplicationController => candidates.extend(
                store
                    .replica_sets
                    .iter()
                    .filter(|r| (r.kind == RsKind::ReplicaSet) == (kind == Kind::ReplicaSet))
                    .map(|r| (r.name.as_str(), &r.labels)),
            ),
            Kind::Deployment | Kind::Rollout => candidates.extend(
                store
                    .deployments
                    .iter()
                    .filter(|d| d.rollout.is_some() == (kind == Kind::Rollout))
                    .map(|d| (d.name.as_str(), &d.labels)),
            ),
            Kind::Job => candidates.extend(store.jobs.iter().map(|j| (j.name.as_str(), &j.labels))),
            Kind::CronJob => candidates.extend(store.cron_jobs.iter().map(|c| (c.name.as_str(), &c.labels))),
            Kind::DaemonSet => candidates.extend(store.daemon_sets.iter().map(|d| (d.name.as_str(), &d.labels))),
            Kind::StatefulSet => candidates.extend(store.stateful_sets.iter().map(|s| (s.name.as_str(), &s.labels))),
            Kind::HorizontalPodAutoscaler => candidates.extend(store.hpas.iter().map(|h| (h.name.as_str(), &empty))),
            Kind::Service => candidates.extend(self.net.services.iter().map(|s| (s.name.as_str(), &s.labels))),
            Kind::Ingress => candidates.extend(self.net.ingresses.iter().map(|i| (i.name.as_str(), &empty))),
            Kind::PodDisruptionBudget => candidates.extend(store.pdbs.iter().map(|p| (p.name.as_str(), &empty))),
            Kind::LimitRange => candidates.extend(store.limit_ranges.keys().map(|(_, n)| (n.as_str(), &empty))),
            Kind::ResourceQuota => candidates.extend(store.quotas.keys().map(|(_, n)| (n.as_str(), &empty))),
            _ => {}
        }
        let names: BTreeSet<&str> = candidates
            .into_iter()
            .filter(|(_, labels)| selector.is_none_or(|s| s.matches(labels)))
            .map(|(name, _)| name)
            .collect();
        names
            .into_iter()
            .map(|name| ObjectRef { kind, namespace: namespace.to_string(), name: name.to_string() })
            .filter(|id| self.exists(id))
            .collect()
    }

    /// `kubectl delete` with its flags: a pod's grace period (`--grace-period`, `--now`,
    /// `--force`), and `--cascade=orphan`, which leaves what the object owned in place,
    /// without owner, for a controller whose selector matches to adopt (`adoption.rs`).
    pub(crate) fn delete_object_with(
        &mut self,
        id: &ObjectRef,
        grace: Option<SimDuration>,
        orphan: bool,
    ) -> Result<(), ApiError> {
        let (ns, name) = (id.namespace.as_str(), id.name.as_str());
        if id.kind == Kind::Pod && grace.is_some() {
            let p = self.ctx.store.find_pod(ns, name).ok_or_else(|| not_found(id))?;
            self.delete_pod_with_grace(p, grace);
            return Ok(());
        }
        if !orphan {
            return self.delete_object(id);
        }
        let pods = self.owned_pods(id);
        for &p in &pods {
            self.ctx.metrics.tally.pod_leaving_owner(&self.ctx.store, p);
        }
        // Pods that lose their controller leave its spreading counts (a Deployment's pods
        // keep their ReplicaSet).
        if !matches!(id.kind, Kind::Deployment | Kind::Rollout) {
            for &p in &pods {
                let pod = &self.ctx.store.pods[p];
                if let (Some(node), true) = (pod.node, pod.is_active()) {
                    let (profile, owner) = (&mut self.scheduler.profile, pod.owner);
                    profile.owner_spread.pod_counted(&profile.topology, owner, node, -1);
                }
            }
        }
        let mut orphaned_replica_sets = Vec::new();
        match id.kind {
            Kind::Deployment | Kind::Rollout => {
                let d = if id.kind == Kind::Deployment {
                    self.ctx.store.find_deployment(ns, name)
                } else {
                    self.ctx.store.find_rollout(ns, name)
                }
                .ok_or_else(|| not_found(id))?;
                orphaned_replica_sets.extend(self.ctx.store.deployments[d].replica_sets.iter().copied());
                self.ctx.store.remove_deployment(d);
                self.ctx.store.orphan_replica_sets(d);
            }
            Kind::ReplicaSet | Kind::ReplicationController => {
                let kind = if id.kind == Kind::ReplicaSet { RsKind::ReplicaSet } else { RsKind::ReplicationController };
                let rs = self.ctx.store.find_rs(kind, ns, name).ok_or_else(|| not_found(id))?;
                self.ctx.store.orphan_pods_of_replica_set(rs);
                self.ctx.store.remove_replica_set(rs);
            }
            Kind::Job => {
                let j = self.ctx.store.find_job(ns, name).ok_or_else(|| not_found(id))?;
                self.ctx.store.orphan_pods_of_job(j);
                self.ctx.store.remove_job(j);
                if let Some(cj) = self.ctx.store.jobs[j].owner {
                    self.ctx.store.cron_jobs[cj].jobs.remove(&j);
                    self.enqueue_cron_job(cj);
                }
            }
            Kind::CronJob => {
                // Its Jobs stay, without owner (nothing adopts them in kubesim).
                let cj = self.ctx.store.find_cron_job(ns, name).ok_or_else(|| not_found(id))?;
                self.ctx.store.orphan_jobs_of_cron_job(cj);
                self.ctx.store.remove_cron_job(cj);
            }
            Kind::DaemonSet => {
                let ds = self.ctx.store.find_daemon_set(ns, name).ok_or_else(|| not_found(id))?;
                self.ctx.store.orphan_pods_of_daemon_set(ds);
                self.ctx.store.remove_daemon_set(ds);
            }
            Kind::StatefulSet => {
                let ss = self.ctx.store.find_stateful_set(ns, name).ok_or_else(|| not_found(id))?;
                self.ctx.store.orphan_pods_of_stateful_set(ss);
                self.ctx.store.remove_stateful_set(ss);
            }
            _ => return self.delete_object(id),
        }
        for &p in &pods {
            self.ctx.metrics.pod_changed(&self.ctx.store, p);
        }
        // The garbage collector's patches reach the controllers: matching ReplicaSets hear of
        // the new orphan pods, matching Deployments of the orphan ReplicaSets.
        for &p in &pods {
            self.orphan_appeared(p);
        }
        for rs in orphaned_replica_sets {
            self.replica_set_orphaned(rs);
        }
        Ok(())
    }

    /// `kubectl label` (on an object) and `kubectl annotate`: a key with another value needs
    /// `--overwrite` (kubectl's `validateNoOverwrites`). A pod's new labels change which
    /// Services select it (their endpoints follow); a ReplicaSet whose selector no longer
    /// matches it releases it, one that now matches an orphan adopts it (`adoption.rs`). Annotations are kept only where
    /// kubesim reads them: a pod's `controller.kubernetes.io/pod-deletion-cost`.
    pub(crate) fn edit_metadata(
        &mut self,
        id: &ObjectRef,
        set: &[(String, String)],
        remove: &[String],
        overwrite: bool,
        annotate: bool,
    ) -> Result<(), ApiError> {
        let (ns, name) = (id.namespace.as_str(), id.name.as_str());
        if !self.exists(id) {
            return Err(not_found(id));
        }
        let edit = |labels: &mut crate::model::spec::Labels| -> Result<(), ApiError> {
            for (k, v) in set {
                if let Some(old) = labels.get(k).filter(|old| *old != v && !overwrite) {
                    return Err(ApiError::kubectl(format!(
                        "'{k}' already has a value ({old}), and --overwrite is false"
                    )));
                }
            }
            for k in remove {
                labels.remove(k);
            }
            for (k, v) in set {
                labels.insert(k.clone(), v.clone());
            }
            Ok(())
        };
        if annotate {
            if let (Kind::Pod, Some(p)) = (id.kind, self.ctx.store.find_pod(ns, name)) {
                let key = "controller.kubernetes.io/pod-deletion-cost";
                if remove.iter().any(|k| k == key) {
                    self.ctx.store.pods[p].deletion_cost = 0;
                }
                if let Some((_, v)) = set.iter().find(|(k, _)| k == key) {
                    self.ctx.store.pods[p].deletion_cost = v.parse().unwrap_or(0);
                }
            }
            return Ok(());
        }
        let store = &mut self.ctx.store;
        match id.kind {
            Kind::Pod => {
                let p = store.find_pod(ns, name).ok_or_else(|| not_found(id))?;
                let mut labels = store.pods[p].labels.clone();
                edit(&mut labels)?;
                store.edit_pod_labels(p, |l| *l = labels);
                self.net.pod_relabelled(&mut self.ctx, p);
                self.pod_changed(p);
                self.pod_relabelled_for_owners(p);
            }
            Kind::Deployment | Kind::Rollout => {
                let d = if id.kind == Kind::Deployment {
                    store.find_deployment(ns, name)
                } else {
                    store.find_rollout(ns, name)
                };
                edit(&mut store.deployments[d.ok_or_else(|| not_found(id))?].labels)?;
            }
            Kind::ReplicaSet | Kind::ReplicationController => {
                let kind = if id.kind == Kind::ReplicaSet { RsKind::ReplicaSet } else { RsKind::ReplicationController };
                let rs = store.find_rs(kind, ns, name).ok_or_else(|| not_found(id))?;
                edit(&mut store.replica_sets[rs].labels)?;
            }
            Kind::Job => {
                let j = store.find_job(ns, name).ok_or_else(|| not_found(id))?;
                edit(&mut store.jobs[j].labels)?;
            }
            Kind::CronJob => {
                let cj = store.find_cron_job(ns, name).ok_or_else(|| not_found(id))?;
                edit(&mut store.cron_jobs[cj].labels)?;
            }
            Kind::DaemonSet => {
                let ds = store.find_daemon_set(ns, name).ok_or_else(|| not_found(id))?;
                edit(&mut store.daemon_sets[ds].labels)?;
            }
            Kind::StatefulSet => {
                let ss = store.find_stateful_set(ns, name).ok_or_else(|| not_found(id))?;
                edit(&mut store.stateful_sets[ss].labels)?;
            }
            Kind::Service => {
                let svc = self.net.find_service(ns, name).ok_or_else(|| not_found(id))?;
                edit(&mut self.net.services[svc].labels)?;
            }
            // Other kinds keep no labels in the store; the load-time registry has them.
            _ => {}
        }
        Ok(())
    }

    /// The pods `id` owns, directly or through its ReplicaSets.
    fn owned_pods(&self, id: &ObjectRef) -> Vec<crate::model::store::PodId> {
        let (ns, name) = (id.namespace.as_str(), id.name.as_str());
        let store = &self.ctx.store;
        let of_rs = |rs: crate::model::store::RsId| store.replica_sets[rs].pods.iter().copied().collect::<Vec<_>>();
        match id.kind {
            Kind::Deployment | Kind::Rollout => {
                let d = if id.kind == Kind::Deployment {
                    store.find_deployment(ns, name)
                } else {
                    store.find_rollout(ns, name)
                };
                d.map(|d| store.deployments[d].replica_sets.iter().flat_map(|&rs| of_rs(rs)).collect())
                    .unwrap_or_default()
            }
            Kind::ReplicaSet => store.find_rs(RsKind::ReplicaSet, ns, name).map(of_rs).unwrap_or_default(),
            Kind::ReplicationController => {
                store.find_rs(RsKind::ReplicationController, ns, name).map(of_rs).unwrap_or_default()
            }
            Kind::Job => {
                store.find_job(ns, name).map(|j| store.jobs[j].pods.iter().copied().collect()).unwrap_or_default()
            }
            Kind::DaemonSet => store
                .find_daemon_set(ns, name)
                .map(|d| store.daemon_sets[d].pods.keys().copied().collect())
                .unwrap_or_default(),
            Kind::StatefulSet => store
                .find_stateful_set(ns, name)
                .map(|s| store.stateful_sets[s].pods.values().copied().collect())
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    pub(super) fn delete_replica_set(&mut self, rs: crate::model::store::RsId) {
        let pods: Vec<_> = self.ctx.store.replica_sets[rs].pods.iter().copied().collect();
        self.ctx.store.remove_replica_set(rs);
        for p in pods {
            self.delete_pod(p);
        }
    }
}

/// A node of `group` named `name`, Ready and empty, with the labels every kubelet sets.
pub(super) fn new_node(group: &crate::model::spec::NodeGroup, name: String) -> Node {
    let mut labels = group.labels.clone();
    labels.insert("kubernetes.io/hostname".into(), name.clone());
    labels.entry("kubernetes.io/os".into()).or_insert_with(|| "linux".into());
    labels.entry("kubernetes.io/arch".into()).or_insert_with(|| "amd64".into());
    Node {
        id: NodeId(0),
        name,
        labels,
        taints: group.taints.clone(),
        unschedulable: false,
        ready: true,
        allocatable: group.capacity.clone(),
        requested: Default::default(),
        requested_nonzero: NonZero::default(),
        host_ports: BTreeMap::new(),
        pods: BTreeSet::new(),
        images: BTreeMap::new(),
        puller_free_at: crate::engine::SimTime::ZERO,
        removed: false,
    }
}

/// The annotations a pod's row keeps.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct PodAnnotations {
    /// `controller.kubernetes.io/pod-deletion-cost`, 0 when absent or not a number.
    pub deletion_cost: i32,
    /// `cluster-autoscaler.kubernetes.io/safe-to-evict`: "true" or "false", as the Cluster
    /// Autoscaler reads it (drainability/rules/safetoevict).
    pub safe_to_evict: Option<bool>,
}

pub(super) fn pod_annotations(annotations: &crate::model::spec::Labels) -> PodAnnotations {
    PodAnnotations {
        deletion_cost: annotations
            .get("controller.kubernetes.io/pod-deletion-cost")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0),
        safe_to_evict: match annotations.get("cluster-autoscaler.kubernetes.io/safe-to-evict").map(String::as_str) {
            Some("true") => Some(true),
            Some("false") => Some(false),
            _ => None,
        },
    }
}

/// `deployments.apps "web"` as the API server names a resource in errors: the plural
/// resource and its group (`ingresses.networking.k8s.io`, `poddisruptionbudgets.policy`,
/// `pods`), from the kinds table.
/// A label selector as Go's `%#v` prints a `v1.LabelSelector` (in the API server's
/// `field is immutable` message).
fn go_selector(s: &crate::model::spec::Selector) -> String {
    let labels: Vec<String> = s.match_labels.iter().map(|(k, v)| format!("{k:?}:{v:?}")).collect();
    let exprs = if s.match_expressions.is_empty() {
        "[]v1.LabelSelectorRequirement(nil)".to_string()
    } else {
        let e: Vec<String> = s
            .match_expressions
            .iter()
            .map(|r| {
                let values: Vec<String> = r.values.iter().map(|v| format!("{v:?}")).collect();
                format!(
                    "v1.LabelSelectorRequirement{{Key:{:?}, Operator:\"{:?}\", Values:[]string{{{}}}}}",
                    r.key,
                    r.operator,
                    values.join(", ")
                )
            })
            .collect();
        format!("[]v1.LabelSelectorRequirement{{{}}}", e.join(", "))
    };
    let ml = if labels.is_empty() {
        "map[string]string(nil)".to_string()
    } else {
        format!("map[string]string{{{}}}", labels.join(", "))
    };
    format!("v1.LabelSelector{{MatchLabels:{ml}, MatchExpressions:{exprs}}}")
}

pub fn resource_phrase(id: &ObjectRef) -> String {
    crate::scenario::kinds::resource_phrase(id)
}

pub fn not_found(id: &ObjectRef) -> ApiError {
    ApiError::not_found(resource_phrase(id))
}

fn already_exists(id: &ObjectRef) -> ApiError {
    ApiError::already_exists(resource_phrase(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phrase(kind: Kind, name: &str) -> String {
        resource_phrase(&ObjectRef { kind, namespace: "default".into(), name: name.into() })
    }

    /// The API server's words: the plural and the group, as in
    /// `Error from server (NotFound): ingresses.networking.k8s.io "web" not found`.
    #[test]
    fn an_error_names_the_plural_resource_and_its_group() {
        assert_eq!(phrase(Kind::Deployment, "web"), "deployments.apps \"web\"");
        assert_eq!(phrase(Kind::Ingress, "web"), "ingresses.networking.k8s.io \"web\"");
        assert_eq!(phrase(Kind::PodDisruptionBudget, "zk"), "poddisruptionbudgets.policy \"zk\"");
        assert_eq!(phrase(Kind::PriorityClass, "high"), "priorityclasses.scheduling.k8s.io \"high\"");
        assert_eq!(phrase(Kind::Pod, "p"), "pods \"p\"");
        assert_eq!(phrase(Kind::Rollout, "r"), "rollouts.argoproj.io \"r\"");
    }
}

#[cfg(test)]
mod immutable_tests {
    use super::go_selector;
    use crate::model::spec::{Selector, SelectorOperator, SelectorRequirement};

    /// As the API server prints the new selector in `field is immutable` (`field.Error`'s
    /// `%#v` of a `v1.LabelSelector`).
    #[test]
    fn selectors_print_as_go_does() {
        let s = Selector { match_labels: [("app".to_string(), "web2".to_string())].into(), match_expressions: vec![] };
        assert_eq!(
            go_selector(&s),
            r#"v1.LabelSelector{MatchLabels:map[string]string{"app":"web2"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}"#
        );
        let s = Selector {
            match_labels: Default::default(),
            match_expressions: vec![SelectorRequirement {
                key: "tier".into(),
                operator: SelectorOperator::In,
                values: vec!["a".into(), "b".into()],
            }],
        };
        assert_eq!(
            go_selector(&s),
            r#"v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{Key:"tier", Operator:"In", Values:[]string{"a", "b"}}}}"#
        );
    }
}
