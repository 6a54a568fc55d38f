//! Services, Ingresses and the EndpointSlice controller: which pods each Service selects,
//! which of them are endpoints, and when the proxies (kube-proxy, ingress-nginx) learn of a
//! change.
//!
//! A pod change wakes the Services that select it (after the API latency, as an informer
//! does); the controller writes the new endpoints, and the proxies switch to them after the
//! propagation delay (`endpointPropagation`, 1s). Requests are routed by the proxies' view,
//! so a pod that stops being Ready still gets traffic for that second: the model's
//! equivalent of the well-known errors during rollouts without a preStop delay.

use super::{Context, Event};
use crate::controllers::endpoints::{endpoints, selects, Candidate};
use crate::engine::WorkQueue;
use crate::model::spec::{IngressSpec, Kind, Labels, ObjectRef, ServiceSpec};
use crate::model::store::{namespaced_key, PodId, Store};
use crate::model::table::Table;
use crate::traffic::ingress::canary;
use crate::traffic::{Balancer, Balancing};
use std::collections::{BTreeMap, VecDeque};

/// The network's events: the EndpointSlice controller and the proxies.
#[derive(Clone, Debug)]
pub enum NetworkEvent {
    /// The EndpointSlice controller syncs a Service.
    SyncEndpoints(SvcId),
    /// The oldest EndpointSlice change of a Service in transit reaches the proxies.
    EndpointsReachProxies(SvcId),
}

impl Network {
    pub(super) fn handle(&mut self, ctx: &mut Context, event: NetworkEvent) {
        match event {
            NetworkEvent::SyncEndpoints(svc) => self.sync_endpoints(ctx, svc),
            NetworkEvent::EndpointsReachProxies(svc) => self.endpoints_reach_proxies(svc),
        }
    }
}

pub use crate::model::ids::{IngressId, SvcId};

/// One Service as the model keeps it.
pub struct ServiceState {
    pub namespace: String,
    pub name: String,
    pub labels: Labels,
    pub spec: ServiceSpec,
    pub deleted: bool,
    /// Index of its figures in `TrafficMetrics::services`.
    pub stats: Option<u32>,
    /// Selected pods that are not gone, by id.
    members: Vec<PodId>,
    /// As the EndpointSlice controller last wrote them.
    pub endpoints: Vec<PodId>,
    /// Endpoint lists on their way to the proxies, oldest first.
    in_transit: VecDeque<Vec<PodId>>,
    /// The endpoints kube-proxy and ingress-nginx route to now.
    pub proxy_view: Vec<PodId>,
    /// kube-proxy's balancing of this Service (random in iptables mode, round robin in IPVS).
    pub proxy: Balancer,
    /// ingress-nginx's balancing of this Service as a backend (round robin).
    pub ingress: Balancer,
    /// `sessionAffinity: ClientIP`: each client's endpoint and when it was last seen, by
    /// client (its traffic source and its number there).
    pub affinity: std::collections::BTreeMap<u64, (PodId, crate::engine::SimTime)>,
}

pub struct IngressState {
    pub namespace: String,
    pub name: String,
    pub spec: IngressSpec,
    pub deleted: bool,
}

crate::model::store::namespaced_rows!(ServiceState, IngressState);

/// Services and Ingresses, with the index from pods to the Services that select them.
#[derive(Default)]
pub struct Network {
    pub services: Table<SvcId, ServiceState>,
    pub ingresses: Table<IngressId, IngressState>,
    /// namespace -> first selector key -> value -> Services: a pod finds the Services that
    /// may select it through its own labels instead of trying every Service.
    by_first_label: BTreeMap<String, BTreeMap<String, BTreeMap<String, Vec<SvcId>>>>,
    /// By pod id: the Services selecting the pod.
    pod_services: Vec<Vec<SvcId>>,
    /// Bumped on every Service or Ingress change, so cached routes know they are stale.
    pub version: u64,
    /// Column index of each Service name the run can have.
    stats_index: BTreeMap<(String, String), usize>,
    /// The EndpointSlice controller's work queue of Services.
    endpoints_queue: WorkQueue<SvcId>,
}

impl Network {
    /// `names`: (namespace, name) of every Service the scenario can create, in column order.
    pub fn new(names: &[(String, String)]) -> Self {
        Network { stats_index: names.iter().cloned().enumerate().map(|(i, k)| (k, i)).collect(), ..Network::default() }
    }

    pub fn find_service(&self, namespace: &str, name: &str) -> Option<SvcId> {
        self.services.find(&namespaced_key(namespace, name))
    }

    pub fn find_ingress(&self, namespace: &str, name: &str) -> Option<IngressId> {
        self.ingresses.find(&namespaced_key(namespace, name))
    }

    pub fn exists(&self, id: &ObjectRef) -> bool {
        match id.kind {
            Kind::Service => self.find_service(&id.namespace, &id.name).is_some(),
            Kind::Ingress => self.find_ingress(&id.namespace, &id.name).is_some(),
            _ => false,
        }
    }

    /// The canary Ingresses of a namespace, for ingress-nginx's merge.
    pub fn canaries(&self, namespace: &str) -> Vec<&IngressSpec> {
        self.ingresses
            .iter()
            .filter(|i| !i.deleted && i.namespace == namespace && canary::is_canary(&i.spec))
            .map(|i| &i.spec)
            .collect()
    }

    fn index_service(&mut self, svc: SvcId, add: bool) {
        let s = &self.services[svc];
        let Some((key, value)) = s.spec.selector.as_ref().and_then(|sel| sel.iter().next()) else { return };
        let list = self
            .by_first_label
            .entry(s.namespace.clone())
            .or_default()
            .entry(key.clone())
            .or_default()
            .entry(value.clone())
            .or_default();
        if add {
            list.push(svc);
        } else {
            list.retain(|&x| x != svc);
        }
    }

    /// The Services' part of the scheduler's default spreading selector: the selectors of
    /// the live Services of `namespace` that select `labels`, merged into one (helper/spread.go
    /// `DefaultSelector` with `GetPodServices`: Services with no selector select nothing).
    pub(crate) fn services_selector(&self, namespace: &str, labels: &Labels) -> Labels {
        let mut merged = Labels::new();
        for svc in self.selecting(namespace, labels) {
            if let Some(selector) = &self.services[svc].spec.selector {
                merged.extend(selector.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
        }
        merged
    }

    /// The live Services in `namespace` whose selector picks `labels`, in id order.
    fn selecting(&self, namespace: &str, labels: &Labels) -> Vec<SvcId> {
        let Some(by_key) = self.by_first_label.get(namespace) else { return Vec::new() };
        let mut found: Vec<SvcId> = Vec::new();
        for (k, v) in labels {
            if let Some(list) = by_key.get(k.as_str()).and_then(|values| values.get(v.as_str())) {
                found.extend(list.iter().copied().filter(|&s| {
                    let s = &self.services[s];
                    !s.deleted && selects(s.spec.selector.as_ref(), labels)
                }));
            }
        }
        found.sort_unstable();
        found.dedup();
        found
    }
}

impl Network {
    pub(super) fn create_service(
        &mut self,
        ctx: &mut Context,
        ns: &str,
        name: &str,
        labels: &Labels,
        spec: &ServiceSpec,
    ) {
        let id = SvcId::from_index(self.services.len());
        let balancing = ctx.scenario.control_plane.proxy_mode.balancing();
        let key = (ns.to_string(), name.to_string());
        self.services.add(ServiceState {
            namespace: ns.to_string(),
            name: name.to_string(),
            labels: labels.clone(),
            spec: spec.clone(),
            deleted: false,
            stats: self.stats_index.get(&key).map(|&i| i as u32),
            members: Vec::new(),
            endpoints: Vec::new(),
            in_transit: VecDeque::new(),
            proxy_view: Vec::new(),
            proxy: Balancer::new(balancing),
            ingress: Balancer::new(Balancing::RoundRobin),
            affinity: std::collections::BTreeMap::new(),
        });
        self.select_members(ctx, id);
        self.version += 1;
    }

    /// A new selector (create, or apply with a changed one): the members are found afresh.
    fn select_members(&mut self, ctx: &mut Context, svc: SvcId) {
        let old = std::mem::take(&mut self.services[svc].members);
        for &p in &old {
            if let Some(list) = self.pod_services.get_mut(p.index()) {
                list.retain(|&s| s != svc);
            }
        }
        self.index_service(svc, true);
        let s = &self.services[svc];
        let members: Vec<PodId> = match &s.spec.selector {
            // Rare (a Service created or re-selected while pods exist), so a scan will do.
            Some(_) => ctx
                .store
                .pods
                .iter()
                .enumerate()
                .filter(|(_, p)| {
                    !p.is_gone() && p.namespace == s.namespace && selects(s.spec.selector.as_ref(), &p.labels)
                })
                .map(|(i, _)| PodId::from_index(i))
                .collect(),
            _ => Vec::new(),
        };
        for &p in &members {
            self.pod_services_mut(p).push(svc);
        }
        self.services[svc].members = members;
        self.enqueue_endpoints(ctx, svc);
    }

    fn pod_services_mut(&mut self, pod: PodId) -> &mut Vec<SvcId> {
        let i = pod.index();
        if self.pod_services.len() <= i {
            self.pod_services.resize_with(i + 1, Vec::new);
        }
        &mut self.pod_services[i]
    }

    pub(super) fn apply_service(&mut self, ctx: &mut Context, svc: SvcId, labels: &Labels, spec: &ServiceSpec) {
        let selector_changed = self.services[svc].spec.selector != spec.selector;
        if selector_changed {
            self.index_service(svc, false);
        }
        let s = &mut self.services[svc];
        s.labels = labels.clone();
        s.spec = spec.clone();
        if selector_changed {
            self.select_members(ctx, svc);
        }
        self.version += 1;
    }

    pub(super) fn delete_service(&mut self, ctx: &mut Context, svc: SvcId) {
        self.index_service(svc, false);
        let s = &mut self.services[svc];
        s.deleted = true;
        for p in std::mem::take(&mut s.members) {
            if let Some(list) = self.pod_services.get_mut(p.index()) {
                list.retain(|&x| x != svc);
            }
        }
        self.services.forget_name(svc);
        if let Some(stats) = self.services[svc].stats {
            ctx.metrics.traffic.endpoints_changed(stats as usize, 0, ctx.kernel.now());
        }
        self.version += 1;
    }

    pub(super) fn create_ingress(&mut self, ns: &str, name: &str, spec: &IngressSpec) {
        self.ingresses.add(IngressState {
            namespace: ns.to_string(),
            name: name.to_string(),
            spec: spec.clone(),
            deleted: false,
        });
        self.version += 1;
    }

    pub(super) fn apply_ingress(&mut self, i: IngressId, spec: &IngressSpec) {
        self.ingresses[i].spec = spec.clone();
        self.version += 1;
    }

    pub(super) fn delete_ingress(&mut self, i: IngressId) {
        self.ingresses[i].deleted = true;
        self.ingresses.forget_name(i);
        self.version += 1;
    }

    /// A pod was created: it joins the Services that select it.
    pub(super) fn pod_created_for_services(&mut self, store: &Store, pod: PodId) {
        let p = &store.pods[pod];
        let services = self.selecting(&p.namespace, &p.labels);
        for &svc in &services {
            self.services[svc].members.push(pod);
        }
        *self.pod_services_mut(pod) = services;
    }

    /// A pod's labels changed (`kubectl label pod`): it leaves the Services that no longer
    /// select it and joins those that now do; each of them syncs its endpoints.
    pub(super) fn pod_relabelled(&mut self, ctx: &mut Context, pod: PodId) {
        let p = &ctx.store.pods[pod];
        let now = self.selecting(&p.namespace, &p.labels);
        let before = std::mem::take(self.pod_services_mut(pod));
        for &svc in before.iter().filter(|s| !now.contains(s)) {
            self.services[svc].members.retain(|&m| m != pod);
            self.enqueue_endpoints(ctx, svc);
        }
        for &svc in now.iter().filter(|s| !before.contains(s)) {
            self.services[svc].members.push(pod);
        }
        *self.pod_services_mut(pod) = now;
    }

    /// A pod changed: the Services that select it hear of it.
    pub(super) fn pod_changed_for_services(&mut self, ctx: &mut Context, pod: PodId) {
        let Some(list) = self.pod_services.get(pod.index()) else { return };
        for i in 0..list.len() {
            let svc = self.pod_services[pod.index()][i];
            self.enqueue_endpoints(ctx, svc);
        }
    }

    fn enqueue_endpoints(&mut self, ctx: &mut Context, svc: SvcId) {
        if self.services[svc].deleted {
            return;
        }
        let latency = ctx.latency();
        self.endpoints_queue
            .add_after(svc, latency, &mut ctx.kernel, |k| Event::Network(NetworkEvent::SyncEndpoints(k)));
    }

    /// The EndpointSlice controller's sync of one Service.
    pub(super) fn sync_endpoints(&mut self, ctx: &mut Context, svc: SvcId) {
        let store = &ctx.store;
        self.endpoints_queue.take(svc);
        let s = &mut self.services[svc];
        // An ExternalName Service receives no endpoints, selector or not (the EndpointSlice
        // controller's syncService, pkg/controller/endpointslice/endpointslice_controller.go).
        if s.deleted || s.spec.service_type == crate::model::spec::ServiceType::ExternalName {
            return;
        }
        let gone: Vec<PodId> = s.members.iter().copied().filter(|&p| store.pods[p].is_gone()).collect();
        if !gone.is_empty() {
            s.members.retain(|&p| !store.pods[p].is_gone());
        }
        let list = endpoints(s.members.iter().map(|&p| {
            let pod = &store.pods[p];
            Candidate { pod: p, ready: pod.is_ready(), terminating: pod.terminating.is_some() }
        }));
        if list == s.endpoints {
            return;
        }
        let count = list.len();
        let before =
            if ctx.narrator.is_some() { std::mem::replace(&mut s.endpoints, list.clone()) } else { Vec::new() };
        s.endpoints = list.clone();
        let after = if ctx.narrator.is_some() { list.clone() } else { Vec::new() };
        s.in_transit.push_back(list);
        let stats = s.stats;
        let now = ctx.kernel.now();
        if let Some(stats) = stats {
            ctx.metrics.traffic.endpoints_changed(stats as usize, count, now);
        }
        let at = now + ctx.scenario.control_plane.endpoint_propagation;
        ctx.kernel.schedule_at(at, Event::Network(NetworkEvent::EndpointsReachProxies(svc)));
        if ctx.narrating() {
            ctx.narrate_endpoints(&self.services[svc], &before, &after);
        }
    }

    /// An EndpointSlice change reached kube-proxy and ingress-nginx.
    pub(super) fn endpoints_reach_proxies(&mut self, svc: SvcId) {
        let s = &mut self.services[svc];
        if let Some(list) = s.in_transit.pop_front() {
            s.proxy_view = list;
        }
    }

    /// A Service's labels and selector (what `kubectl expose service/NAME` copies), if it
    /// exists.
    pub(crate) fn service_labels_and_selector(&self, ns: &str, name: &str) -> Option<(Labels, Option<Labels>)> {
        let s = &self.services[self.find_service(ns, name)?];
        Some((s.labels.clone(), s.spec.selector.clone()))
    }
}
