//! Runs the Argo Rollouts controller (`controllers::rollout`) against the store. A Rollout is
//! a row of `Store::deployments` with a [`RolloutState`]; its ReplicaSets are ordinary
//! ReplicaSet rows named `<rollout>-<hash>` whose pods carry `rollouts-pod-template-hash`.
//! The glue applies the controller's writes: ReplicaSets created and scaled (events in
//! Argo's words), Service selectors pinned to a hash, the ingress-nginx canary Ingress
//! `<rollout>-<stableIngress>-canary` and its weight. The `kubectl argo rollouts` verbs that
//! write a Rollout's status are in `kubectl/argo.rs`.

use super::{ControllerEvent, Event, Sim};
use crate::controllers::deployment::util::pod_template_hash;
use crate::controllers::rollout::analysis::rollout::AnalysisEnv;
use crate::controllers::rollout::analysis::MetricSource;
use crate::controllers::rollout::{self, traffic_routing, Action, RolloutView, RsView, HASH_LABEL};
use crate::engine::SimTime;
use crate::metrics::traffic::TrafficMetrics;
use crate::model::spec::{AnalysisTemplate, AnalysisTemplateRef, Figure, Query, Target};
use crate::model::spec::{Labels, RolloutSpec, RolloutStrategy, Selector};
use crate::model::store::{
    template_with_label, DeployId, Deployment, DeploymentStatus, ReplicaSet, RolloutState, RsKind,
};
use std::collections::BTreeSet;

impl Sim<'_> {
    pub(super) fn create_rollout(&mut self, ns: &str, name: &str, labels: &Labels, spec: &RolloutSpec) {
        let id = self.ctx.store.add_deployment(Deployment {
            namespace: ns.to_string(),
            name: name.to_string(),
            labels: labels.clone(),
            spec: spec.workload.clone(),
            template_hash: pod_template_hash(&spec.workload.template, 0),
            status: DeploymentStatus::default(),
            progress_reason: None,
            progress_updated: self.ctx.kernel.now(),
            replica_sets: BTreeSet::new(),
            deleted: false,
            rollout: Some(Box::new(RolloutState { strategy: spec.strategy.clone(), status: Default::default() })),
        });
        self.ctx.metrics.deployment_created(&self.ctx.store, id, self.ctx.kernel.now());
        self.enqueue_deployment(id);
    }

    /// A new spec (`kubectl apply`, `argo rollouts set image`, `scale`): a changed template
    /// starts an update.
    pub(crate) fn update_rollout(&mut self, d: DeployId, spec: &RolloutSpec) {
        let hash = pod_template_hash(&spec.workload.template, 0);
        let dep = &mut self.ctx.store.deployments[d];
        let changed = dep.template_hash != hash;
        dep.spec = spec.workload.clone();
        dep.template_hash = hash;
        if let Some(state) = dep.rollout.as_mut() {
            state.strategy = spec.strategy.clone();
        }
        if changed {
            self.ctx.metrics.rollout_started(&self.ctx.store, d, self.ctx.kernel.now());
        }
        self.enqueue_deployment(d);
    }

    /// The Rollout's spec as an update would give it.
    pub(crate) fn rollout_spec(&self, d: DeployId) -> Option<RolloutSpec> {
        let dep = &self.ctx.store.deployments[d];
        let state = dep.rollout.as_ref()?;
        Some(RolloutSpec { workload: dep.spec.clone(), strategy: state.strategy.clone() })
    }

    pub(super) fn sync_rollout(&mut self, d: DeployId) {
        let now = self.ctx.kernel.now();
        let dep = &self.ctx.store.deployments[d];
        let Some(state) = dep.rollout.as_ref().filter(|_| !dep.deleted) else { return };
        let replica_sets = dep
            .replica_sets
            .iter()
            .map(|&id| {
                let rs = &self.ctx.store.replica_sets[id];
                RsView {
                    id,
                    name: rs.name.clone(),
                    hash: rs.template_hash.clone(),
                    revision: rs.revision,
                    replicas: rs.replicas,
                    created: rs.status.replicas,
                    available: rs.status.available,
                }
            })
            .collect();
        let env = SimAnalysis {
            namespace: &dep.namespace,
            templates: &self.ctx.scenario.analysis_templates,
            traffic: &self.ctx.metrics.traffic,
            net: &self.net,
        };
        let view = RolloutView {
            name: &dep.name,
            replicas: dep.spec.replicas,
            template_hash: &dep.template_hash,
            strategy: &state.strategy,
            replica_sets,
            now,
            analysis: &env,
        };
        let decision = rollout::reconcile(&view, &state.status, self.ctx.latency());
        let strategy = state.strategy.clone();
        if let Some(state) = self.ctx.store.deployments[d].rollout.as_mut() {
            state.status = decision.status;
        }
        for action in decision.actions {
            self.apply_rollout_action(d, &strategy, action);
        }
        self.sync_rollout_status(d);
        if let Some(at) = decision.requeue_at {
            if at <= now + self.ctx.latency() {
                self.enqueue_deployment(d);
            } else {
                self.ctx.kernel.schedule_at(at, Event::Controller(ControllerEvent::SyncRollout(d)));
            }
        }
    }

    fn apply_rollout_action(&mut self, d: DeployId, strategy: &RolloutStrategy, action: Action) {
        let now = self.ctx.kernel.now();
        let object = self.ctx.rollout_ref(d);
        match action {
            Action::CreateReplicaSet { revision } => self.create_rollout_rs(d, revision),
            Action::SetRevision { rs, revision } => self.ctx.store.replica_sets[rs].revision = revision,
            Action::Scale { rs, to } => {
                let r = &mut self.ctx.store.replica_sets[rs];
                let (from, name, revision) = (r.replicas, r.name.clone(), r.revision);
                r.replicas = to;
                let op = if to > from { "up" } else { "down" };
                let message = format!("Scaled {op} ReplicaSet {name} (revision {revision}) from {from} to {to}");
                self.ctx.recorder.normal(now, "ScalingReplicaSet", object, message);
                self.enqueue_rs(rs);
            }
            Action::SelectService { service, hash } => self.select_rollout_service(d, &service, &hash),
            Action::SetCanaryWeight { weight } => {
                if let RolloutStrategy::Canary(c) = strategy {
                    self.set_canary_ingress_weight(d, c, weight);
                }
            }
            Action::Event { reason, message } => self.ctx.recorder.normal(now, reason, object, message),
            Action::RolloutEvent { reason, message, warning: true } => {
                self.ctx.recorder.warning(now, reason, object, message)
            }
            Action::RolloutEvent { reason, message, warning: false } => {
                self.ctx.recorder.normal(now, reason, object, message)
            }
            Action::RunEvent { run, reason, message, warning } => {
                // `analysisrun/NAME` (`analysisrun/ns:NAME` outside the default namespace).
                let dep = &self.ctx.store.deployments[d];
                let run_ref = object.replacen("rollout/", "analysisrun/", 1).replacen(&dep.name, &run, 1);
                if warning {
                    self.ctx.recorder.warning(now, reason, run_ref, message);
                } else {
                    self.ctx.recorder.normal(now, reason, run_ref, message);
                }
            }
        }
    }

    /// A ReplicaSet `<rollout>-<hash>` for the current template, with 0 replicas.
    fn create_rollout_rs(&mut self, d: DeployId, revision: i64) {
        let now = self.ctx.kernel.now();
        let dep = &self.ctx.store.deployments[d];
        let hash = dep.template_hash.clone();
        let mut selector: Selector = dep.spec.selector.clone();
        selector.match_labels.insert(HASH_LABEL.into(), hash.clone());
        let template = template_with_label(&dep.spec.template, HASH_LABEL, &hash);
        let name = format!("{}-{hash}", dep.name);
        let spec = crate::model::spec::ReplicaSetSpec {
            replicas: 0,
            selector,
            template: template.clone(),
            min_ready_seconds: dep.spec.min_ready_seconds,
        };
        let mut rs = ReplicaSet::from_spec(
            RsKind::ReplicaSet,
            &dep.namespace.clone(),
            &name,
            template.labels.clone(),
            &spec,
            now,
        );
        rs.template_hash = hash;
        rs.owner = Some(d);
        rs.revision = revision;
        let id = self.ctx.store.add_replica_set(rs);
        self.enqueue_rs(id);
    }

    /// Pins a Service's selector to the pods of one ReplicaSet (`rollouts-pod-template-hash`).
    fn select_rollout_service(&mut self, d: DeployId, service: &str, hash: &str) {
        let ns = self.ctx.store.deployments[d].namespace.clone();
        let Some(svc) = self.net.find_service(&ns, service) else {
            let object = self.ctx.rollout_ref(d);
            let message = format!("service \"{service}\" not found");
            self.ctx.recorder.warning(self.ctx.kernel.now(), "ServiceNotFound", object, message);
            return;
        };
        let s = &self.net.services[svc];
        let (labels, mut spec) = (s.labels.clone(), s.spec.clone());
        spec.selector.get_or_insert_with(Labels::new).insert(HASH_LABEL.into(), hash.to_string());
        self.net.apply_service(&mut self.ctx, svc, &labels, &spec);
    }

    /// The canary Ingress Argo generates from the stable one (`traffic_routing::canary_ingress`),
    /// created on first use, with `canary-weight`.
    fn set_canary_ingress_weight(&mut self, d: DeployId, spec: &crate::model::spec::CanarySpec, weight: i32) {
        let dep = &self.ctx.store.deployments[d];
        let (ns, rollout_name) = (dep.namespace.clone(), dep.name.clone());
        let (Some(stable_ingress), Some(stable_svc), Some(canary_svc)) =
            (spec.stable_ingress.as_ref(), spec.stable_service.as_ref(), spec.canary_service.as_ref())
        else {
            return;
        };
        let canary_name = traffic_routing::canary_ingress_name(&rollout_name, stable_ingress);
        if let Some(i) = self.net.find_ingress(&ns, &canary_name) {
            let mut s = self.net.ingresses[i].spec.clone();
            s.canary = Some(traffic_routing::canary_annotations(weight));
            self.net.apply_ingress(i, &s);
            return;
        }
        let Some(i) = self.net.find_ingress(&ns, stable_ingress) else {
            let object = self.ctx.rollout_ref(d);
            let message = format!("ingress \"{stable_ingress}\" not found");
            self.ctx.recorder.warning(self.ctx.kernel.now(), "IngressNotFound", object, message);
            return;
        };
        let s = traffic_routing::canary_ingress(&self.net.ingresses[i].spec, stable_svc, canary_svc, weight);
        self.net.create_ingress(&ns, &canary_name, &s);
        let object = self.ctx.rollout_ref(d);
        self.ctx.recorder.normal(
            self.ctx.kernel.now(),
            "CreatingIngress",
            object,
            format!("Creating canary ingress `{canary_name}` with weight `{weight}`"),
        );
    }

    /// The Rollout's status from its ReplicaSets (as `kubectl argo rollouts get` counts).
    fn sync_rollout_status(&mut self, d: DeployId) {
        let dep = &self.ctx.store.deployments[d];
        let mut status = DeploymentStatus::default();
        for &id in &dep.replica_sets {
            let rs = &self.ctx.store.replica_sets[id];
            status.replicas += rs.status.replicas;
            status.ready += rs.status.ready;
            status.available += rs.status.available;
            if rs.template_hash == dep.template_hash {
                status.updated = rs.status.replicas;
            }
        }
        status.unavailable = (dep.spec.replicas - status.available).max(0);
        self.ctx.store.deployments[d].status = status;
        self.dirty.insert(d);
    }

    /// `kubectl delete rollout/NAME`: the Rollout and its ReplicaSets (with their pods).
    pub(super) fn delete_rollout(&mut self, d: DeployId) {
        self.ctx.store.remove_deployment(d);
        let rss: Vec<_> = self.ctx.store.deployments[d].replica_sets.iter().copied().collect();
        for rs in rss {
            self.delete_replica_set(rs);
        }
    }
}

/// The analysis's view of the simulation: the scenario's templates, and the requests the
/// traffic metrics counted per Service in the last seconds.
struct SimAnalysis<'a> {
    namespace: &'a str,
    templates: &'a [AnalysisTemplate],
    traffic: &'a TrafficMetrics,
    net: &'a super::services::Network,
}

impl SimAnalysis<'_> {
    /// The Services whose requests a target counts: the Service, or those an Ingress's
    /// rules and default backend name.
    fn services(&self, target: &Target) -> Result<Vec<usize>, String> {
        let (name, namespace) = match target {
            Target::Service { name, namespace } | Target::Ingress { name, namespace } => {
                (name.as_str(), namespace.as_deref().unwrap_or(self.namespace))
            }
        };
        let names: Vec<String> = match target {
            Target::Service { .. } => vec![name.to_string()],
            Target::Ingress { .. } => {
                let i =
                    self.net.find_ingress(namespace, name).ok_or_else(|| format!("ingress \"{name}\" not found"))?;
                let spec = &self.net.ingresses[i].spec;
                let mut out: Vec<String> = spec.default_backend.iter().map(|b| b.service.clone()).collect();
                for rule in &spec.rules {
                    out.extend(rule.paths.iter().map(|p| p.backend.service.clone()));
                }
                out.sort();
                out.dedup();
                out
            }
        };
        Ok(names
            .iter()
            .filter_map(|n| self.net.find_service(namespace, n))
            .filter_map(|s| self.net.services[s].stats.map(|i| i as usize))
            .collect())
    }
}

impl MetricSource for SimAnalysis<'_> {
    fn measure(&self, query: &Query, now: SimTime) -> Result<Vec<f64>, String> {
        let (mut requests, mut failed) = (0u64, 0u64);
        for s in self.services(&query.target)? {
            let (r, f) = self.traffic.in_window(s, now, query.window);
            requests += r;
            failed += f;
        }
        // 0/0 is NaN, as Prometheus divides two zero rates.
        let value = match query.figure {
            Figure::SuccessRate => (requests - failed) as f64 / requests as f64,
            Figure::ErrorRate => failed as f64 / requests as f64,
        };
        Ok(vec![value])
    }
}

impl AnalysisEnv for SimAnalysis<'_> {
    fn template(&self, r: &AnalysisTemplateRef) -> Option<&AnalysisTemplate> {
        let namespace = (!r.cluster_scope).then_some(self.namespace);
        self.templates.iter().find(|t| t.name == r.name && t.namespace.as_deref() == namespace)
    }
}
