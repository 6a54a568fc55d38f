//! The `ResourceQuota` admission plugin on a pod's create
//! (staging/src/k8s.io/apiserver/pkg/admission/plugin/resourcequota/controller.go
//! `CheckRequest`), with the pod evaluator of pkg/quota/v1/evaluator/core/pods.go
//! (`PodUsageFunc`, `podComputeUsageHelper`, `Constraints`, `QuotaV1Pod`).

use super::{amount_string, container_limits, container_requests, pod_total};
use crate::model::spec::{Amounts, PodSpec};
use std::collections::{BTreeMap, BTreeSet};

/// The resources of a quota's `hard` that the pod evaluator counts (its `MatchingResources`
/// over kubesim's resources).
pub const POD_RESOURCES: [&str; 11] = [
    "count/pods",
    "cpu",
    "ephemeral-storage",
    "limits.cpu",
    "limits.ephemeral-storage",
    "limits.memory",
    "memory",
    "pods",
    "requests.cpu",
    "requests.ephemeral-storage",
    "requests.memory",
];

/// The resources every container must name when a quota limits them (`validationSet`).
const VALIDATION_SET: [&str; 6] = ["cpu", "limits.cpu", "limits.memory", "memory", "requests.cpu", "requests.memory"];

/// One quota of the namespace as admission sees it: its name, `status.hard` and
/// `status.used` (every hard resource, 0 when nothing uses it).
pub struct QuotaView<'a> {
    pub name: &'a str,
    pub hard: &'a Amounts,
    pub used: &'a Amounts,
}

/// podComputeUsageHelper: what requests and limits a pod or a container is charged.
fn compute_usage(requests: &Amounts, limits: &Amounts) -> Amounts {
    let mut out = Amounts::new();
    out.insert("pods".into(), 1);
    for (k, v) in requests {
        match k.as_str() {
            "cpu" | "memory" | "ephemeral-storage" => {
                out.insert(k.clone(), *v);
                out.insert(format!("requests.{k}"), *v);
            }
            _ => {
                out.insert(format!("requests.{k}"), *v);
            }
        }
    }
    for (k, v) in limits {
        if matches!(k.as_str(), "cpu" | "memory" | "ephemeral-storage") {
            out.insert(format!("limits.{k}"), *v);
        }
    }
    out
}

/// PodUsageFunc: a pod always counts as an object (`count/pods`); its compute resources and
/// `pods` only while QuotaV1Pod holds (`counted`: not Succeeded or Failed).
pub fn pod_usage(spec: &PodSpec, counted: bool) -> Amounts {
    let mut out = if counted {
        compute_usage(&pod_total(spec, container_requests), &pod_total(spec, container_limits))
    } else {
        Amounts::new()
    };
    out.insert("count/pods".into(), 1);
    out
}

/// The quota controller's recalculation of `status.used` over `hard`'s resources: the sum of
/// the namespace's pods' usage, each hard resource present (0 when unused).
pub fn used<'a>(hard: &Amounts, pods: impl Iterator<Item = (&'a PodSpec, bool)>) -> Amounts {
    let mut out: Amounts = hard.keys().map(|k| (k.clone(), 0)).collect();
    for (spec, counted) in pods {
        for (k, v) in pod_usage(spec, counted) {
            if let Some(u) = out.get_mut(&k) {
                *u += v;
            }
        }
    }
    out
}

/// Constraints: with cpu or memory quota'd, every container must name them.
fn constraints(required: &BTreeSet<&str>, spec: &PodSpec) -> Result<(), String> {
    let mut missing: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for c in spec.containers.iter().chain(&spec.init_containers) {
        let usage = compute_usage(&container_requests(c), &container_limits(c));
        for r in required {
            if !usage.contains_key(*r) {
                missing.entry(r).or_default().insert(c.name.as_str());
            }
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    let parts: Vec<String> = missing
        .iter()
        .map(|(r, names)| format!("{r} for: {}", names.iter().copied().collect::<Vec<_>>().join(",")))
        .collect();
    Err(format!("must specify {}", parts.join("; ")))
}

/// prettyPrint: `key=value` sorted by key, joined by commas.
fn pretty(a: &Amounts) -> String {
    a.iter().map(|(k, v)| format!("{k}={}", amount_string(k, *v))).collect::<Vec<_>>().join(",")
}

/// CheckRequest for a pod's create against the namespace's quotas (in name order): the
/// message of `admission.NewForbidden` after `pods "NAME" is forbidden: `, or Ok.
pub fn check(spec: &PodSpec, quotas: &[QuotaView]) -> Result<(), String> {
    let mut interesting = Vec::new();
    for q in quotas {
        let restricted: BTreeSet<&str> =
            q.hard.keys().map(String::as_str).filter(|k| POD_RESOURCES.contains(k)).collect();
        if restricted.is_empty() {
            continue;
        }
        let required: BTreeSet<&str> = restricted.iter().copied().filter(|k| VALIDATION_SET.contains(k)).collect();
        constraints(&required, spec).map_err(|e| format!("failed quota: {}: {e}", q.name))?;
        interesting.push(q);
    }
    let mut input = pod_usage(spec, true);
    input.retain(|_, v| *v != 0);
    if interesting.is_empty() || input.is_empty() {
        return Ok(());
    }
    for q in interesting {
        let requested: Amounts =
            input.iter().filter(|(k, _)| q.hard.contains_key(*k)).map(|(k, v)| (k.clone(), *v)).collect();
        let exceeded: BTreeSet<&String> = requested
            .iter()
            .filter(|(k, v)| q.used.get(*k).copied().unwrap_or(0) + **v > q.hard[*k])
            .map(|(k, _)| k)
            .collect();
        if exceeded.is_empty() {
            continue;
        }
        let mask = |a: &Amounts| -> Amounts {
            a.iter().filter(|(k, _)| exceeded.contains(k)).map(|(k, v)| (k.clone(), *v)).collect()
        };
        return Err(format!(
            "exceeded quota: {}, requested: {}, used: {}, limited: {}",
            q.name,
            pretty(&mask(&requested)),
            pretty(&mask(q.used)),
            pretty(&mask(q.hard))
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::spec::ContainerSpec;

    fn container(name: &str, cpu: Option<i64>, memory: Option<i64>) -> ContainerSpec {
        let mut c = ContainerSpec {
            name: name.into(),
            image: "nginx".into(),
            pull_policy: crate::model::spec::PullPolicy::IfNotPresent,
            requests: Default::default(),
            limits: Default::default(),
            readiness: None,
            liveness: None,
            startup: None,
            lifecycle: Default::default(),
            sidecar: false,
            host_ports: vec![],
            cpu_request_set: cpu.is_some(),
            memory_request_set: memory.is_some(),
            env: vec![],
        };
        c.requests.cpu_millis = cpu.unwrap_or(0);
        c.requests.memory_bytes = memory.unwrap_or(0);
        c
    }

    fn amounts(pairs: &[(&str, i64)]) -> Amounts {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    fn pod(containers: Vec<ContainerSpec>) -> PodSpec {
        PodSpec { containers, ..PodSpec::default() }
    }

    /// The message of CheckRequest (prettyPrint of the exceeded resources only).
    #[test]
    fn a_full_quota_refuses_with_the_api_servers_message() {
        let hard = amounts(&[("pods", 10), ("requests.cpu", 2000)]);
        let used = amounts(&[("pods", 3), ("requests.cpu", 1500)]);
        let quotas = [QuotaView { name: "compute", hard: &hard, used: &used }];
        let p = pod(vec![container("web", Some(500), None)]);
        assert_eq!(check(&p, &quotas), Ok(()), "1500m + 500m is exactly 2");
        let p = pod(vec![container("web", Some(600), None)]);
        assert_eq!(
            check(&p, &quotas),
            Err("exceeded quota: compute, requested: requests.cpu=600m, used: requests.cpu=1500m, limited: requests.cpu=2"
                .into())
        );
        let hard = amounts(&[("pods", 3)]);
        let used = amounts(&[("pods", 3)]);
        let quotas = [QuotaView { name: "pods", hard: &hard, used: &used }];
        assert_eq!(
            check(&p, &quotas),
            Err("exceeded quota: pods, requested: pods=1, used: pods=3, limited: pods=3".into())
        );
    }

    /// Constraints: `must specify RESOURCE for: CONTAINERS`, per resource.
    #[test]
    fn a_quota_on_cpu_requires_every_container_to_name_it() {
        let hard = amounts(&[("limits.memory", 1 << 30), ("requests.cpu", 2000)]);
        let used = amounts(&[("limits.memory", 0), ("requests.cpu", 0)]);
        let quotas = [QuotaView { name: "compute", hard: &hard, used: &used }];
        let p = pod(vec![container("app", None, None), container("log", Some(100), None)]);
        assert_eq!(
            check(&p, &quotas),
            Err("failed quota: compute: must specify limits.memory for: app,log; requests.cpu for: app".into())
        );
    }

    /// QuotaV1Pod: finished pods use nothing but their object count.
    #[test]
    fn finished_pods_do_not_count() {
        let hard = amounts(&[("count/pods", 10), ("pods", 10), ("requests.cpu", 2000)]);
        let a = pod(vec![container("web", Some(500), None)]);
        let u = used(&hard, [(&a, true), (&a, false)].into_iter());
        assert_eq!(u, amounts(&[("count/pods", 2), ("pods", 1), ("requests.cpu", 500)]));
    }
}
