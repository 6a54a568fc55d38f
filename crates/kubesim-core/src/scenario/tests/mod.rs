//! End-to-end tests of the loader on in-memory scenarios, one file per subject. Here: the
//! helpers every file uses (load a scenario, expect it to load or to fail) and the small
//! scenarios they start from.
//!
//! - `objects`: Kubernetes' defaults and validation rules, ReplicationControllers, namespaces.
//! - `diagnostics`: every problem reported, unknown fields, what is not simulated, no panic.
//! - `timeline`: entries sorted and checked, kubectl lines converted.
//! - `overrides`: `--set` edits the tree before parsing.
//! - `cluster`: the `cluster:` and `images:` sections.
//! - `scheduling`: affinity, topology spread, PodDisruptionBudgets, node verbs.
//! - `priority`: PriorityClasses, at load time and on the timeline.
//! - `services`: Services, Ingresses (v1 and beta), canary annotations, `kubectl expose`.
//! - `traffic`: the `traffic:` section and service times.
//! - `failures`: node faults on the timeline, the `faults:` section, image failure behaviours.
//! - `sweep`: the `sweep:` section.
//! - `manifests`: every kind accepted, `kind: List`, JSON, folders and kustomizations, URLs.

use super::*;
use crate::model::spec::{DeploymentSpec, ObjectSpec, PodSpec};

mod cluster;
mod diagnostics;
mod failures;
mod manifests;
mod objects;
mod overrides;
mod priority;
mod scheduling;
mod services;
mod sweep;
mod timeline;
mod traffic;

fn load(text: &str) -> Result<Loaded, Vec<Diagnostic>> {
    load_str(Path::new("s.yaml"), text, &[], &NoFiles)
}

fn ok(text: &str) -> Loaded {
    load(text).unwrap_or_else(|e| panic!("{}", e.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n")))
}

/// The errors (warnings left out) of a scenario that must fail to load, in order.
fn error_diagnostics(text: &str) -> Vec<Diagnostic> {
    match load(text) {
        Ok(_) => panic!("loaded, but should fail"),
        Err(d) => d.into_iter().filter(Diagnostic::is_error).collect(),
    }
}

/// The messages of [`error_diagnostics`].
fn errors(text: &str) -> Vec<String> {
    error_diagnostics(text).into_iter().map(|d| d.message).collect()
}

/// The first error of a scenario that must fail to load.
fn first_error(text: &str) -> Diagnostic {
    error_diagnostics(text).into_iter().next().expect("an error")
}

const DEP: &str = "objects:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec:
          containers: [{name: web, image: nginx}]
";

fn deployment(l: &Loaded) -> &DeploymentSpec {
    match &l.scenario.objects[0].spec {
        ObjectSpec::Deployment { spec, .. } => spec,
        other => panic!("{other:?}"),
    }
}

/// DEP with `extra` lines inserted into the pod template's spec (indented 10).
fn dep_with(extra: &str) -> String {
    let indented: String = extra.lines().map(|l| format!("          {l}\n")).collect();
    DEP.replace("          containers:", &format!("{indented}          containers:"))
}

fn pod_spec(l: &Loaded) -> &PodSpec {
    &deployment(l).template.spec
}

/// DEP with each line of `objects` added as an item of `objects:`.
fn with(objects: &str) -> String {
    let items: String = objects.lines().map(|l| format!("  - {l}\n")).collect();
    format!("{DEP}{items}")
}

const SVC: &str =
    "{apiVersion: v1, kind: Service, metadata: {name: web}, spec: {selector: {app: web}, ports: [{port: 80}]}}";

const ING_V1: &str = "apiVersion: networking.k8s.io/v1
    kind: Ingress
    metadata: {name: shop}
    spec:
      ingressClassName: nginx
      defaultBackend: {service: {name: web, port: {number: 80}}}
      rules:
        - host: shop.example.com
          http:
            paths:
              - {path: /api, pathType: Prefix, backend: {service: {name: web, port: {name: http}}}}
              - {path: /exact, pathType: Exact, backend: {service: {name: web, port: {number: 8080}}}}
";
