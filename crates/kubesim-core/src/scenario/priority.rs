//! Pod priority, as the Priority admission plugin sets it when a pod is created: the value
//! and preemption policy of the pod's PriorityClass, or of the globalDefault class, or 0.
//!
//! kubesim resolves it at load time, for Pods and for workloads' pod templates alike (a
//! template's pods would be rejected by the same rule when the controller creates them),
//! against the PriorityClasses defined so far: the initial objects, then those of each
//! `apply -f` / `create -f` in timeline order.
//!
//! A pod spec may carry `priority` / `preemptionPolicy` itself; as in Kubernetes, a value that
//! differs from the class's is an error (Forbidden), one that agrees is accepted.

use super::checker::Checker;
use super::diagnostic::Report;
use super::manifest::{pod_spec_path, Parsed};
use super::positions::{Anchor, YPath};
use super::registry::Registry;
use super::suggest::did_you_mean;
use crate::model::spec::{ObjectSpec, PodSpec, PreemptionPolicy};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Non-system classes may not go above this (scheduling.HighestUserDefinablePriority).
pub(crate) const HIGHEST_USER_DEFINABLE: i32 = 1_000_000_000;

const BUILTIN: &[(&str, i32)] = &[("system-cluster-critical", 2_000_000_000), ("system-node-critical", 2_000_001_000)];

/// The value of a built-in class (present in every cluster).
pub(crate) fn builtin(name: &str) -> Option<i32> {
    BUILTIN.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Class {
    value: i32,
    global_default: bool,
    policy: PreemptionPolicy,
}

const NO_CLASS: Class = Class { value: 0, global_default: false, policy: PreemptionPolicy::PreemptLowerPriority };

fn policy_name(p: PreemptionPolicy) -> &'static str {
    match p {
        PreemptionPolicy::PreemptLowerPriority => "PreemptLowerPriority",
        PreemptionPolicy::Never => "Never",
    }
}

/// The built-in classes and the PriorityClasses that exist in `reg`.
fn known(reg: &Registry) -> BTreeMap<String, Class> {
    let mut out: BTreeMap<String, Class> = BUILTIN
        .iter()
        .map(|(n, v)| (n.to_string(), Class { value: *v, global_default: false, policy: NO_CLASS.policy }))
        .collect();
    for (id, o) in &reg.objects {
        if let ObjectSpec::PriorityClass { value, global_default, preemption_policy } = &o.spec {
            let class = Class { value: *value, global_default: *global_default, policy: *preemption_policy };
            out.insert(id.name.clone(), class);
        }
    }
    out
}

fn label(p: &Parsed) -> String {
    format!("{}/{}", p.object.id.kind.resource(), p.object.id.name)
}

/// Checks the PriorityClasses among `parsed` against those already known (at most one
/// globalDefault; on a later apply, value and preemptionPolicy are immutable), then sets the
/// priority of every pod spec among `parsed`. `initial`: the scenario's initial objects
/// (duplicates there are the registry's error, not an update).
pub(crate) fn resolve(parsed: &mut [Parsed], reg: &Registry, initial: bool, r: &mut Report) {
    let mut classes = known(reg);
    for p in parsed.iter() {
        let ObjectSpec::PriorityClass { value, global_default, preemption_policy } = &p.object.spec else {
            continue;
        };
        let name = &p.object.id.name;
        let lbl = label(p);
        let mut c = Checker::new(&p.loc, lbl, r);
        match classes.get(name) {
            Some(old) if !initial && builtin(name).is_none() => {
                if old.value != *value {
                    c.field("value", "Forbidden: may not be changed in an update.");
                }
                if old.policy != *preemption_policy {
                    let shown = format!("\"{}\"", policy_name(*preemption_policy));
                    c.invalid("preemptionPolicy", shown, "field is immutable");
                }
            }
            _ => {}
        }
        if *global_default {
            if let Some((other, _)) = classes.iter().find(|(n, k)| k.global_default && *n != name) {
                let msg = format!(
                    "{}: priorityclasses.scheduling.k8s.io \"{name}\" is forbidden: PriorityClass {other} is already marked as default. Only one default can exist",
                    c.label
                );
                c.at(&YPath::root().key("globalDefault"), Anchor::Value, msg, None);
            }
        }
        let class = Class { value: *value, global_default: *global_default, policy: *preemption_policy };
        classes.insert(name.clone(), class);
    }
    let default = classes.iter().find(|(_, k)| k.global_default).map(|(n, k)| (n.clone(), *k));
    for p in parsed.iter_mut() {
        let Some(prefix) = pod_spec_path(p.object.id.kind) else { continue };
        let lbl = label(p);
        let Parsed { object, loc, given_priority, given_preemption, .. } = p;
        let name = object.id.name.clone();
        let Some(spec) = pod_spec_mut(&mut object.spec) else { continue };
        let mut c = Checker::new(loc, lbl, r);
        let forbidden = |c: &mut Checker, field: &str, why: String, help: Option<String>| {
            let msg = format!("{}: pods \"{name}\" is forbidden: {why}", c.label);
            c.at(&YPath::parse(&format!("{prefix}.{field}")).unwrap_or_default(), Anchor::Value, msg, help);
        };
        let (class_name, class) = match spec.priority_class_name.clone() {
            Some(pc) => match classes.get(&pc) {
                Some(k) => (Some(pc), *k),
                None => {
                    let help = did_you_mean(&pc, classes.keys().map(String::as_str)).or_else(|| {
                        Some("define it as a PriorityClass (scheduling.k8s.io/v1) among the scenario's objects".into())
                    });
                    forbidden(&mut c, "priorityClassName", format!("no PriorityClass with name {pc} was found"), help);
                    continue;
                }
            },
            None => match &default {
                Some((n, k)) => (Some(n.clone()), *k),
                None => (None, NO_CLASS),
            },
        };
        if let Some(given) = given_priority.filter(|g| *g != i64::from(class.value)) {
            let why = format!("the integer value of priority ({given}) must not be provided in pod spec; priority admission controller computed {} from the given PriorityClass name", class.value);
            forbidden(&mut c, "priority", why, None);
        }
        let valid = |g: &&String| g.as_str() == "Never" || g.as_str() == "PreemptLowerPriority";
        if let Some(given) = given_preemption.as_ref().filter(valid).filter(|g| *g != policy_name(class.policy)) {
            let why = format!("the string value of PreemptionPolicy ({given}) must not be provided in pod spec; priority admission controller computed {} from the given PriorityClass name", policy_name(class.policy));
            forbidden(&mut c, "preemptionPolicy", why, None);
        }
        spec.priority_class_name = class_name;
        spec.priority = class.value;
        spec.preemption_policy = class.policy;
    }
}

fn pod_spec_mut(spec: &mut ObjectSpec) -> Option<&mut PodSpec> {
    match spec {
        ObjectSpec::Pod { spec, .. } => Some(Arc::make_mut(spec)),
        ObjectSpec::Deployment { spec, .. } => Some(&mut Arc::make_mut(&mut spec.template).spec),
        ObjectSpec::ReplicaSet { spec, .. } | ObjectSpec::ReplicationController { spec, .. } => {
            Some(&mut Arc::make_mut(&mut spec.template).spec)
        }
        ObjectSpec::Job { spec, .. } => Some(&mut Arc::make_mut(&mut spec.template).spec),
        ObjectSpec::DaemonSet { spec, .. } => Some(&mut Arc::make_mut(&mut spec.template).spec),
        ObjectSpec::StatefulSet { spec, .. } => Some(&mut Arc::make_mut(&mut spec.template).spec),
        _ => None,
    }
}
