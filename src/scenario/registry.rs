//! Which objects exist: names unique per kind and namespace, namespaces present, and the
//! cap on the pods a scenario may ask for.

use super::diagnostic::Report;
use super::kinds;
use super::manifest::Parsed;
use super::positions::{Anchor, YPath};
use crate::model::spec::{Kind, Object, ObjectRef};
use std::collections::BTreeMap;

pub(crate) const MAX_TOTAL_PODS: u64 = 5_000_000;
const BUILTIN_NAMESPACES: &[&str] = &["default", "kube-system", "kube-public", "kube-node-lease"];

#[derive(Default)]
pub(crate) struct Registry {
    pub objects: BTreeMap<ObjectRef, Object>,
    pub desired_pods: u64,
}

/// kubectl's `deployments.apps "web" not found`.
pub(crate) fn not_found(id: &ObjectRef) -> String {
    format!("{} \"{}\" not found", kinds::info(id.kind).group_resource, id.name)
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
                let msg = format!("{} \"{}\" already exists", kinds::info(id.kind).group_resource, id.name);
                r.push(p.loc.error(&name_path, Anchor::Value, msg));
                continue;
            }
            if !self.check_namespace(&p, r) {
                continue;
            }
            self.add_pods(&p, r);
            self.objects.insert(id.clone(), p.object.clone());
            out.push(p.object);
        }
        out
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
