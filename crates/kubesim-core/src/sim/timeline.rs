//! What a person types on the timeline: kubectl commands against the store.

use super::objects::{not_found, resource_phrase, ApiError};
use super::Sim;
use crate::controllers::deployment::rollback::{find_rollback_target, Revision};
use crate::model::spec::{Action, Kind, KubectlCommand, ObjectRef, PodTemplate, Taint, TaintEffect};
use crate::model::store::{DeployId, NodeId, ProgressReason, RsKind};
use std::sync::Arc;

fn node_ref(name: &str) -> ObjectRef {
    ObjectRef { kind: Kind::Node, namespace: String::new(), name: name.to_string() }
}

impl Sim<'_> {
    pub(super) fn run_timeline_entry(&mut self, i: usize) {
        let Some(entry) = self.scenario.timeline.get(i) else { return };
        let (text, action) = (entry.text.clone(), entry.action.clone());
        let errors = match &action {
            Action::Kubectl(command) => {
                if self.narrating() {
                    self.narrate_timeline(&text, command);
                }
                self.run_kubectl(command)
            }
            Action::Fault(fault) => {
                self.node_fault(fault);
                Vec::new()
            }
        };
        let now = self.kernel.now();
        for (object, error) in errors {
            self.recorder.warning(now, "KubectlError", object, format!("{text}: {error}"));
        }
    }

    /// Runs one command; returns the errors kubectl would print, with the object they name.
    fn run_kubectl(&mut self, command: &KubectlCommand) -> Vec<(String, ApiError)> {
        let mut errors = Vec::new();
        let mut check = |id: &ObjectRef, r: Result<(), ApiError>| {
            if let Err(e) = r {
                errors.push((id.to_string(), e));
            }
        };
        match command {
            KubectlCommand::Apply { objects } => objects.iter().for_each(|o| check(&o.id, self.apply_object(o))),
            KubectlCommand::Create { objects } => objects.iter().for_each(|o| check(&o.id, self.create_object(o))),
            KubectlCommand::Delete { targets } => targets.iter().for_each(|t| check(t, self.delete_object(t))),
            KubectlCommand::Scale { target, replicas } => check(target, self.scale(target, *replicas)),
            KubectlCommand::SetImage { target, images } => check(target, self.set_image(target, images)),
            KubectlCommand::RolloutUndo { target, to_revision } => {
                check(target, self.rollout_undo(target, *to_revision))
            }
            KubectlCommand::ArgoPromote { target, full } => check(target, self.argo_promote(target, *full)),
            KubectlCommand::ArgoAbort { target } => check(target, self.argo_abort(target)),
            KubectlCommand::ArgoRetry { target } => check(target, self.argo_retry(target)),
            KubectlCommand::RolloutPause { target } => check(target, self.set_paused(target, true)),
            KubectlCommand::RolloutResume { target } => check(target, self.set_paused(target, false)),
            KubectlCommand::RolloutRestart { target } => check(target, self.rollout_restart(target)),
            KubectlCommand::Cordon { node } => check(&node_ref(node), self.set_unschedulable(node, true)),
            KubectlCommand::Uncordon { node } => check(&node_ref(node), self.set_unschedulable(node, false)),
            KubectlCommand::Taint { node, add, remove, overwrite } => {
                check(&node_ref(node), self.taint_node(node, add, remove, *overwrite))
            }
            KubectlCommand::Label { node, set, remove, overwrite } => {
                check(&node_ref(node), self.label_node(node, set, remove, *overwrite))
            }
            KubectlCommand::Expose(e) => check(&e.target, self.expose(e)),
            KubectlCommand::Drain(d) => check(&node_ref(&d.node), self.drain(d)),
        }
        errors
    }

    fn node(&self, name: &str) -> Result<usize, ApiError> {
        self.store
            .find_node(name)
            .map(|n| n as usize)
            .ok_or_else(|| format!("Error from server (NotFound): nodes \"{name}\" not found"))
    }

    /// `kubectl cordon` / `uncordon`: the node takes no new pods, or takes them again.
    fn set_unschedulable(&mut self, node: &str, unschedulable: bool) -> Result<(), ApiError> {
        let n = self.node(node)?;
        self.store.nodes[n].unschedulable = unschedulable;
        self.store.refresh_fit(n as NodeId);
        if !unschedulable {
            self.cluster_changed();
        }
        Ok(())
    }

    fn taint_node(
        &mut self,
        node: &str,
        add: &[Taint],
        remove: &[(String, Option<TaintEffect>)],
        overwrite: bool,
    ) -> Result<(), ApiError> {
        let n = self.node(node)?;
        let result = edit_taints(&mut self.store.nodes[n].taints, node, add, remove, overwrite);
        self.store.refresh_fit(n as NodeId);
        result?;
        if !remove.is_empty() {
            self.cluster_changed();
        }
        self.nodes_changed_for_daemon_sets();
        Ok(())
    }

    fn label_node(
        &mut self,
        node: &str,
        set: &[(String, String)],
        remove: &[String],
        overwrite: bool,
    ) -> Result<(), ApiError> {
        let n = self.node(node)?;
        let labels = &mut self.store.nodes[n].labels;
        for (k, v) in set {
            match labels.get(k) {
                Some(old) if old != v && !overwrite => {
                    return Err(format!("error: '{k}' already has a value ({old}), and --overwrite is false"));
                }
                _ => {}
            }
        }
        for key in remove {
            labels.remove(key);
        }
        for (k, v) in set {
            labels.insert(k.clone(), v.clone());
        }
        self.store.node_labels_version += 1;
        self.cluster_changed();
        self.nodes_changed_for_daemon_sets();
        Ok(())
    }

    fn deployment(&self, target: &ObjectRef) -> Result<DeployId, ApiError> {
        if target.kind != Kind::Deployment {
            return Err(format!("error: {} is not a deployment", resource_phrase(target)));
        }
        self.store.find_deployment(&target.namespace, &target.name).ok_or_else(|| not_found(target))
    }

    pub(super) fn scale(&mut self, target: &ObjectRef, replicas: i32) -> Result<(), ApiError> {
        let rs_kind = match target.kind {
            Kind::Deployment => {
                let d = self.deployment(target)?;
                let mut spec = self.store.deployments[d as usize].spec.clone();
                spec.replicas = replicas;
                self.update_deployment_spec(d, spec);
                return Ok(());
            }
            Kind::StatefulSet => {
                let ss =
                    self.store.find_stateful_set(&target.namespace, &target.name).ok_or_else(|| not_found(target))?;
                let mut spec = self.store.stateful_sets[ss as usize].spec.clone();
                spec.replicas = replicas;
                return self.update_stateful_set(ss, &spec);
            }
            Kind::Rollout => {
                let d = self.store.find_rollout(&target.namespace, &target.name).ok_or_else(|| not_found(target))?;
                let Some(mut spec) = self.rollout_spec(d) else { return Err(not_found(target)) };
                spec.workload.replicas = replicas;
                self.update_rollout(d, &spec);
                return Ok(());
            }
            Kind::ReplicaSet => RsKind::ReplicaSet,
            Kind::ReplicationController => RsKind::ReplicationController,
            _ => return Err(format!("error: cannot scale {}", target.kind.resource())),
        };
        let rs = self.store.find_rs(rs_kind, &target.namespace, &target.name).ok_or_else(|| not_found(target))?;
        self.store.replica_sets[rs as usize].replicas = replicas;
        self.enqueue_rs(rs);
        Ok(())
    }

    /// Replaces the Deployment's template; a different template starts a rollout.
    fn set_template(&mut self, d: DeployId, template: PodTemplate) {
        let mut spec = self.store.deployments[d as usize].spec.clone();
        spec.template = Arc::new(template);
        self.update_deployment_spec(d, spec);
    }

    fn set_image(&mut self, target: &ObjectRef, images: &[(String, String)]) -> Result<(), ApiError> {
        let (ns, name) = (target.namespace.as_str(), target.name.as_str());
        let mut template = match target.kind {
            Kind::DaemonSet => {
                let ds = self.store.find_daemon_set(ns, name).ok_or_else(|| not_found(target))?;
                (*self.store.daemon_sets[ds as usize].spec.template).clone()
            }
            Kind::StatefulSet => {
                let ss = self.store.find_stateful_set(ns, name).ok_or_else(|| not_found(target))?;
                (*self.store.stateful_sets[ss as usize].spec.template).clone()
            }
            Kind::Rollout => {
                let d = self.store.find_rollout(ns, name).ok_or_else(|| not_found(target))?;
                (*self.store.deployments[d as usize].spec.template).clone()
            }
            _ => (*self.store.deployments[self.deployment(target)? as usize].spec.template).clone(),
        };
        set_images(&mut template, images)?;
        match target.kind {
            Kind::DaemonSet => {
                let ds = self.store.find_daemon_set(ns, name).ok_or_else(|| not_found(target))?;
                let mut spec = self.store.daemon_sets[ds as usize].spec.clone();
                spec.template = Arc::new(template);
                self.apply_daemon_set(ds, &spec)
            }
            Kind::StatefulSet => {
                let ss = self.store.find_stateful_set(ns, name).ok_or_else(|| not_found(target))?;
                let mut spec = self.store.stateful_sets[ss as usize].spec.clone();
                spec.template = Arc::new(template);
                self.update_stateful_set(ss, &spec)
            }
            Kind::Rollout => {
                let d = self.store.find_rollout(ns, name).ok_or_else(|| not_found(target))?;
                let Some(mut spec) = self.rollout_spec(d) else { return Err(not_found(target)) };
                spec.workload.template = Arc::new(template);
                self.update_rollout(d, &spec);
                Ok(())
            }
            _ => {
                let d = self.deployment(target)?;
                self.set_template(d, template);
                Ok(())
            }
        }
    }

    fn rollout_undo(&mut self, target: &ObjectRef, to_revision: Option<i64>) -> Result<(), ApiError> {
        let d = self.deployment(target)?;
        let dep = &self.store.deployments[d as usize];
        if dep.spec.paused {
            return Err("error: you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again".into());
        }
        let rss: Vec<_> = dep.replica_sets.iter().copied().collect();
        let revisions: Vec<Revision> = rss
            .iter()
            .map(|&id| {
                let rs = &self.store.replica_sets[id as usize];
                Revision { revision: rs.revision, is_current: rs.template_hash == dep.template_hash }
            })
            .collect();
        let i = find_rollback_target(&dep.name, &revisions, to_revision).map_err(|e| format!("error: {e}"))?;
        let mut template = (*self.store.replica_sets[rss[i] as usize].template).clone();
        template.labels.remove("pod-template-hash");
        self.set_template(d, template);
        Ok(())
    }

    fn set_paused(&mut self, target: &ObjectRef, paused: bool) -> Result<(), ApiError> {
        let d = self.deployment(target)?;
        let now = self.kernel.now();
        let dep = &mut self.store.deployments[d as usize];
        if dep.spec.paused == paused {
            let state = if paused { "paused" } else { "resumed" };
            return Err(format!("error: {} is already {state}", resource_phrase(target)));
        }
        dep.spec.paused = paused;
        dep.progress_reason =
            Some(if paused { ProgressReason::DeploymentPaused } else { ProgressReason::DeploymentResumed });
        dep.progress_updated = now;
        self.enqueue_deployment(d);
        Ok(())
    }

    /// `kubectl rollout restart`: a new `restartedAt` annotation on the template.
    fn rollout_restart(&mut self, target: &ObjectRef) -> Result<(), ApiError> {
        let d = self.deployment(target)?;
        if self.store.deployments[d as usize].spec.paused {
            return Err(format!(
                "error: {} can't restart paused deployment (run rollout resume first)",
                resource_phrase(target)
            ));
        }
        let mut template = (*self.store.deployments[d as usize].spec.template).clone();
        let stamp = format!("t+{}s", self.kernel.now().secs_millis());
        template.annotations.insert("kubectl.kubernetes.io/restartedAt".into(), stamp);
        self.set_template(d, template);
        Ok(())
    }
}

/// `kubectl set image`: each CONTAINER=IMAGE (`*` for all) on the template.
fn set_images(template: &mut PodTemplate, images: &[(String, String)]) -> Result<(), ApiError> {
    for (container, image) in images {
        let mut found = false;
        for c in template.spec.containers.iter_mut().chain(template.spec.init_containers.iter_mut()) {
            if container == "*" || c.name == *container {
                c.image = image.clone();
                found = true;
            }
        }
        if !found {
            return Err(format!("error: unable to find container named \"{container}\""));
        }
    }
    Ok(())
}

/// `kubectl taint`'s edit of one node's taints: removals first (each must exist), then
/// additions, which replace a taint of the same key and effect only with `--overwrite`.
fn edit_taints(
    taints: &mut Vec<Taint>,
    node: &str,
    add: &[Taint],
    remove: &[(String, Option<TaintEffect>)],
    overwrite: bool,
) -> Result<(), ApiError> {
    if !overwrite {
        if let Some(t) = add.iter().find(|t| taints.iter().any(|x| x.key == t.key && x.effect == t.effect)) {
            return Err(format!(
                "error: node {node} already has {} taint(s) with same effect(s) and --overwrite is false",
                t.key
            ));
        }
    }
    for (key, effect) in remove {
        let before = taints.len();
        taints.retain(|t| !(t.key == *key && effect.is_none_or(|e| e == t.effect)));
        if taints.len() == before {
            return Err(format!("error: taint \"{key}\" not found"));
        }
    }
    for t in add {
        match taints.iter_mut().find(|x| x.key == t.key && x.effect == t.effect) {
            Some(existing) => existing.value = t.value.clone(),
            None => taints.push(t.clone()),
        }
    }
    Ok(())
}
