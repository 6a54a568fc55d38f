//! Which objects exist: names unique per kind and namespace, namespaces present, and the
//! cap on the pods a scenario may ask for.

use super::diagnostic::Report;
use super::kinds;
use super::manifest::Parsed;
use super::positions::{Anchor, YPath};
use super::source::Loc;
use crate::model::spec::{Kind, Object, ObjectRef};
use std::collections::{BTreeMap, BTreeSet};

pub(crate) const MAX_TOTAL_PODS: u64 = 5_000_000;
const BUILTIN_NAMESPACES: &[&str] = &["default", "kube-system", "kube-public", "kube-node-lease"];

#[derive(Default)]
pub(crate) struct Registry {
    /// The objects that exist at the point of the timeline being read.
    pub objects: BTreeMap<ObjectRef, Object>,
    pub desired_pods: u64,
    /// Every object that exists at some time of the scenario (initial, applied, created or
    /// exposed on the timeline), for traffic targets and Ingress backends.
    pub ever: BTreeSet<ObjectRef>,
    /// The container ports of each workload's pod template, as last applied.
    pub container_ports: BTreeMap<ObjectRef, Vec<i32>>,
    /// Services named by Ingress backends: (object, place, path in it, service name).
    pub service_refs: Vec<ServiceRef>,
}

/// A Service that an Ingress backend names.
pub(crate) struct ServiceRef {
    pub ingress: ObjectRef,
    pub loc: Loc,
    pub path: YPath,
    pub service: String,
}

/// kubectl's `deployments.apps "web" not found`.
pub(crate) fn not_found(id: &ObjectRef) -> String {
    format!("{} not found", kinds::resource_phrase(id))
}

impl Registry {
    pub fn namespace_exists(&self, ns: &str) -> bool {
        BUILTIN_NAMESPACES.contains(&ns)
            || self.objects.contains_key(&ObjectRef {
                kind: Kind::Namespace,
                namespace: String::new(),
                name: ns.into(),
            })
    }

    /// Adds initial objects: duplicates and missing namespaces are errors.
    pub fn add_initial(&mut self, parsed: Vec<Parsed>, r: &mut Report) -> Vec<Object> {
        let name_path = YPath::root().key("metadata").key("name");
        for p in &parsed {
            if p.object.id.kind == Kind::Namespace {
                self.objects.insert(p.object.id.clone(), p.object.clone());
            }
        }
        let mut out = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        for p in parsed {
            let id = &p.object.id;
            if !seen.insert(id.clone()) {
                let msg = format!("{} already exists", kinds::resource_phrase(id));
                r.push(p.loc.error(&name_path, Anchor::Value, msg));
                continue;
            }
            if !self.check_namespace(&p, r) {
                continue;
            }
            self.add_pods(&p, r);
            self.record(&p);
            out.push(p.object);
        }
        out
    }

    /// An object that now exists (created or updated), with what later checks need of it.
    pub fn record(&mut self, p: &Parsed) {
        let id = p.object.id.clone();
        self.container_ports.insert(id.clone(), p.container_ports.clone());
        for (path, service) in &p.service_refs {
            self.service_refs.push(ServiceRef {
                ingress: id.clone(),
                loc: p.loc.clone(),
                path: path.clone(),
                service: service.clone(),
            });
        }
        self.insert(p.object.clone());
    }

    /// An object created by a command rather than a manifest (`kubectl expose`).
    pub fn insert(&mut self, o: Object) {
        self.ever.insert(o.id.clone());
        self.objects.insert(o.id.clone(), o);
    }

    /// Names of the objects of `kind` in `namespace` that ever exist, for suggestions.
    pub fn names_ever(&self, kind: Kind, namespace: &str) -> Vec<&str> {
        self.ever.iter().filter(|i| i.kind == kind && i.namespace == namespace).map(|i| i.name.as_str()).collect()
    }

    /// Warns about Ingress backends naming a Service that never exists: the API server
    /// accepts them, and requests routed there fail.
    pub fn warn_missing_backends(&self, r: &mut Report) {
        for s in &self.service_refs {
            let id = ObjectRef { kind: Kind::Service, namespace: s.ingress.namespace.clone(), name: s.service.clone() };
            if self.ever.contains(&id) {
                continue;
            }
            let names = self.names_ever(Kind::Service, &id.namespace);
            let msg = format!(
                "{}: {}: no Service named {} in the scenario; requests routed to it will fail",
                s.ingress, s.path, s.service
            );
            let help = super::suggest::did_you_mean(&s.service, names.iter().copied());
            r.push(s.loc.warning(&s.path, Anchor::Value, msg).with_help(help));
        }
    }

    /// An object's namespace must exist (built in, or a Namespace object).
    pub fn check_namespace(&self, p: &Parsed, r: &mut Report) -> bool {
        let ns = &p.object.id.namespace;
        if !p.object.id.kind.namespaced() || self.namespace_exists(ns) {
            return true;
        }
        let path = YPath::root().key("metadata").key("namespace");
        let d = p.loc.error(&path, Anchor::Value, format!("{}: namespaces \"{ns}\" not found", p.object.id));
        let help = format!("add a Namespace object: {{apiVersion: v1, kind: Namespace, metadata: {{name: {ns}}}}}");
        r.push(d.with_help(Some(help)));
        false
    }

    /// Counts the pods an object asks for against kubesim's cap.
    pub fn add_pods(&mut self, p: &Parsed, r: &mut Report) {
        let before = self.desired_pods;
        self.desired_pods = self.desired_pods.saturating_add(p.desired_pods);
        if before <= MAX_TOTAL_PODS && self.desired_pods > MAX_TOTAL_PODS {
            let msg = format!(
                "{}: the scenario asks for {} pods in all, more than kubesim's limit of {MAX_TOTAL_PODS}",
                p.object.id, self.desired_pods
            );
            r.push(p.loc.error(&YPath::root().key("spec").key("replicas"), Anchor::Value, msg));
        }
    }
}
