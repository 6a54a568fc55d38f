//! k8s-openapi objects -> compact specs, with Kubernetes' defaults applied.

use super::checker::Checker;
use super::quantity::parse_quantity;
use super::validate;
use crate::engine::SimDuration;
use crate::model::spec::{
    self, ContainerSpec, DeploymentStrategy, PodTemplate, Probe, PullPolicy, Resources, RestartPolicy, Selector,
    SelectorOperator, SelectorRequirement, TaintEffect, TolerationOperator,
};
use k8s_openapi::api::apps::v1 as apps;
use k8s_openapi::api::core::v1 as core;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity as K8sQuantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1 as meta;
use std::collections::BTreeMap;
use std::sync::Arc;

pub(crate) use crate::model::spec::IntOrPercent as Ip;

pub(crate) fn selector(s: &meta::LabelSelector) -> Selector {
    let match_expressions = s
        .match_expressions
        .iter()
        .flatten()
        .filter_map(|r| {
            let operator = match r.operator.as_str() {
                "In" => SelectorOperator::In,
                "NotIn" => SelectorOperator::NotIn,
                "Exists" => SelectorOperator::Exists,
                "DoesNotExist" => SelectorOperator::DoesNotExist,
                _ => return None,
            };
            Some(SelectorRequirement { key: r.key.clone(), operator, values: r.values.clone().unwrap_or_default() })
        })
        .collect();
    Selector { match_labels: s.match_labels.clone().unwrap_or_default(), match_expressions }
}

/// `nginx` and `nginx:latest` are pulled Always; tagged or digested images IfNotPresent.
pub(crate) fn default_pull_policy(image: &str) -> PullPolicy {
    if image.contains('@') {
        return PullPolicy::IfNotPresent;
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.split_once(':') {
        Some((_, tag)) if tag != "latest" => PullPolicy::IfNotPresent,
        _ => PullPolicy::Always,
    }
}

fn pull_policy(image: &str, given: Option<&str>) -> PullPolicy {
    match given {
        Some("Always") => PullPolicy::Always,
        Some("IfNotPresent") => PullPolicy::IfNotPresent,
        Some("Never") => PullPolicy::Never,
        _ => default_pull_policy(image),
    }
}

fn is_resource_name(name: &str) -> bool {
    matches!(name, "cpu" | "memory" | "ephemeral-storage" | "pods")
        || name.starts_with("hugepages-")
        || name.contains('/')
}

/// Parses a map of quantities into integer base units; reports bad names and values.
pub(crate) fn quantities(
    c: &mut Checker,
    path: &str,
    map: Option<&BTreeMap<String, K8sQuantity>>,
) -> BTreeMap<String, i64> {
    let mut out = BTreeMap::new();
    for (name, q) in map.into_iter().flatten() {
        let p = if path.is_empty() { name.clone() } else { format!("{path}.{name}") };
        if !is_resource_name(name) {
            let help = super::suggest::did_you_mean(name, ["cpu", "memory", "ephemeral-storage"]);
            c.field_help(
                &p,
                format!("Invalid value: \"{name}\": must be a standard resource type or fully qualified"),
                help,
            );
            continue;
        }
        match parse_quantity(&q.0) {
            Err(e) => c.field_help(&p, e, Some("expected a quantity like 250m, 2, 512Mi or 8Gi".into())),
            Ok(v) if v.is_negative() => c.invalid(&p, format!("\"{}\"", q.0), "must be greater than or equal to 0"),
            Ok(v) => {
                let n = if name == "cpu" { v.millis_ceil() } else { v.units_ceil() };
                match i64::try_from(n) {
                    Ok(n) => {
                        out.insert(name.clone(), n);
                    }
                    Err(_) => c.invalid(&p, format!("\"{}\"", q.0), "is too large"),
                }
            }
        }
    }
    out
}

pub(crate) fn to_resources(m: &BTreeMap<String, i64>) -> Resources {
    let mut r = Resources::default();
    for (k, v) in m {
        match k.as_str() {
            "cpu" => r.cpu_millis = *v,
            "memory" => r.memory_bytes = *v,
            "ephemeral-storage" => r.ephemeral_storage_bytes = *v,
            "pods" => r.pods = *v,
            _ => {
                r.extended.insert(k.clone(), *v);
            }
        }
    }
    r
}

/// (requests, limits); requests default to limits; requests may not exceed limits.
fn resources(c: &mut Checker, path: &str, r: Option<&core::ResourceRequirements>) -> (Resources, Resources) {
    let p = format!("{path}.resources");
    let limits = quantities(c, &format!("{p}.limits"), r.and_then(|r| r.limits.as_ref()));
    let mut requests = quantities(c, &format!("{p}.requests"), r.and_then(|r| r.requests.as_ref()));
    for (name, lim) in &limits {
        let req = *requests.entry(name.clone()).or_insert(*lim);
        if req > *lim {
            let given = |m: Option<&BTreeMap<String, K8sQuantity>>| {
                m.and_then(|m| m.get(name)).map(|q| q.0.clone()).unwrap_or_default()
            };
            let (rq, lq) = (given(r.and_then(|r| r.requests.as_ref())), given(r.and_then(|r| r.limits.as_ref())));
            c.invalid(
                &format!("{p}.requests"),
                format!("\"{rq}\""),
                &format!("must be less than or equal to {name} limit of {lq}"),
            );
        }
    }
    (to_resources(&requests), to_resources(&limits))
}

fn secs(v: Option<i32>, default: u64) -> SimDuration {
    match v.and_then(|v| u64::try_from(v).ok()).filter(|v| *v > 0) {
        Some(s) => SimDuration::from_secs(s),
        None => SimDuration::from_secs(default),
    }
}

fn count(v: Option<i32>, default: u32) -> u32 {
    v.and_then(|v| u32::try_from(v).ok()).filter(|v| *v > 0).unwrap_or(default)
}

fn probe(c: &mut Checker, path: &str, p: Option<&core::Probe>, liveness: bool) -> Option<Probe> {
    let p = p?;
    validate::check_probe(c, path, p, liveness);
    let d = Probe::default();
    Some(Probe {
        initial_delay: secs(p.initial_delay_seconds, 0),
        period: secs(p.period_seconds, d.period.as_millis() / 1000),
        timeout: secs(p.timeout_seconds, d.timeout.as_millis() / 1000),
        success_threshold: count(p.success_threshold, d.success_threshold),
        failure_threshold: count(p.failure_threshold, d.failure_threshold),
    })
}

fn container(c: &mut Checker, path: &str, k: &core::Container, init: bool, grace: Option<i64>) -> ContainerSpec {
    let image = k.image.clone().unwrap_or_default();
    let (requests, limits) = resources(c, path, k.resources.as_ref());
    // pkg/apis/core/validation validation.go validateInitContainers / validateContainers:
    // an init container's `restartPolicy` may only be Always (a sidecar), an app container's
    // none; probes and hooks are for app containers and sidecars only.
    let sidecar = match (init, k.restart_policy.as_deref()) {
        (_, None) => false,
        (true, Some("Always")) => true,
        (true, Some(other)) => {
            c.unsupported(&format!("{path}.restartPolicy"), other, &["Always"]);
            false
        }
        (false, Some(_)) => {
            c.field(&format!("{path}.restartPolicy"), "Forbidden: may not be set for non-init containers");
            false
        }
    };
    if init && !sidecar {
        let set = [
            ("lifecycle", k.lifecycle.is_some()),
            ("livenessProbe", k.liveness_probe.is_some()),
            ("readinessProbe", k.readiness_probe.is_some()),
            ("startupProbe", k.startup_probe.is_some()),
        ];
        for (field, _) in set.iter().filter(|(_, present)| *present) {
            c.field(
                &format!("{path}.{field}"),
                "Forbidden: may not be set for init containers without restartPolicy=Always",
            );
        }
    }
    ContainerSpec {
        name: k.name.clone(),
        pull_policy: pull_policy(&image, k.image_pull_policy.as_deref()),
        image,
        requests,
        limits,
        readiness: probe(c, &format!("{path}.readinessProbe"), k.readiness_probe.as_ref(), false),
        liveness: probe(c, &format!("{path}.livenessProbe"), k.liveness_probe.as_ref(), true),
        // validateStartupProbe: successThreshold must be 1, as for liveness.
        startup: probe(c, &format!("{path}.startupProbe"), k.startup_probe.as_ref(), true),
        lifecycle: lifecycle(c, &format!("{path}.lifecycle"), k.lifecycle.as_ref(), grace),
        sidecar,
        host_ports: k
            .ports
            .iter()
            .flatten()
            .filter_map(|p| p.host_port.and_then(|h| u16::try_from(h).ok()).filter(|h| *h != 0))
            .collect(),
        cpu_request_set: request_given(k, "cpu"),
        memory_request_set: request_given(k, "memory"),
        env: k.env.iter().flatten().map(|e| (e.name.clone(), e.value.clone().unwrap_or_default())).collect(),
    }
}

/// `lifecycle.postStart` / `preStop`, checked as validation.go `validateLifecycle` and
/// `validateHandler` check them: exactly one handler; a `sleep` from 0 to the pod's
/// terminationGracePeriodSeconds (`validateSleepAction`, with PodLifecycleSleepActionAllowZero
/// on, as in 1.33).
fn lifecycle(c: &mut Checker, path: &str, l: Option<&core::Lifecycle>, grace: Option<i64>) -> spec::Lifecycle {
    let Some(l) = l else { return spec::Lifecycle::default() };
    let hook = |c: &mut Checker, name: &str, h: Option<&core::LifecycleHandler>| {
        let h = h?;
        let p = format!("{path}.{name}");
        let set = [h.exec.is_some(), h.http_get.is_some(), h.tcp_socket.is_some(), h.sleep.is_some()];
        match set.iter().filter(|s| **s).count() {
            0 => c.field(&p, "Required value: must specify a handler type"),
            1 => {}
            _ => c.field(&p, "Forbidden: may not specify more than 1 handler type"),
        }
        if let Some(e) = &h.exec {
            return Some(spec::LifecycleHandler::Exec(e.command.clone().unwrap_or_default()));
        }
        if let Some(g) = &h.http_get {
            return Some(spec::LifecycleHandler::HttpGet(g.path.clone().unwrap_or_default()));
        }
        if let Some(s) = &h.sleep {
            let grace = grace.unwrap_or(30);
            if s.seconds < 0 || s.seconds > grace {
                c.invalid(
                    &format!("{p}.sleep.seconds"),
                    s.seconds,
                    &format!("must be non-negative and less than terminationGracePeriodSeconds ({grace})"),
                );
            }
            return Some(spec::LifecycleHandler::Sleep(SimDuration::from_secs(u64::try_from(s.seconds).unwrap_or(0))));
        }
        h.tcp_socket.as_ref().map(|_| spec::LifecycleHandler::TcpSocket)
    };
    spec::Lifecycle {
        post_start: hook(c, "postStart", l.post_start.as_ref()),
        pre_stop: hook(c, "preStop", l.pre_stop.as_ref()),
    }
}

/// Whether the container states a request for `resource` (directly, or through a limit,
/// which requests default to).
fn request_given(k: &core::Container, resource: &str) -> bool {
    k.resources.as_ref().is_some_and(|r| {
        r.requests.as_ref().is_some_and(|m| m.contains_key(resource))
            || r.limits.as_ref().is_some_and(|m| m.contains_key(resource))
    })
}

fn effect(s: Option<&str>) -> Option<TaintEffect> {
    match s? {
        "NoSchedule" => Some(TaintEffect::NoSchedule),
        "PreferNoSchedule" => Some(TaintEffect::PreferNoSchedule),
        "NoExecute" => Some(TaintEffect::NoExecute),
        _ => None,
    }
}

fn toleration(c: &mut Checker, path: &str, t: &core::Toleration) -> spec::Toleration {
    validate::check_toleration(c, path, t);
    spec::Toleration {
        key: t.key.clone().unwrap_or_default(),
        operator: match t.operator.as_deref() {
            Some("Exists") => TolerationOperator::Exists,
            _ => TolerationOperator::Equal,
        },
        value: t.value.clone().unwrap_or_default(),
        effect: effect(t.effect.as_deref()),
        toleration_seconds: t.toleration_seconds,
    }
}

/// A pod spec at `prefix` (`spec` for a Pod, `spec.template.spec` for workloads); `labels` are
/// the pod's (the template's), for `matchLabelKeys`. `priority` and `preemption_policy` are
/// resolved from the PriorityClass later, once every class is known (see `priority.rs`).
pub(crate) fn pod_spec(
    c: &mut Checker,
    prefix: &str,
    s: &core::PodSpec,
    restart: validate::RestartRule,
    labels: &spec::Labels,
) -> spec::PodSpec {
    validate::check_container_names(c, prefix, s);
    validate::check_restart_policy(c, &format!("{prefix}.restartPolicy"), s.restart_policy.as_deref(), restart);
    c.nonnegative(&format!("{prefix}.terminationGracePeriodSeconds"), s.termination_grace_period_seconds);
    let grace = s.termination_grace_period_seconds;
    let list = |c: &mut Checker, name: &str, ks: &[core::Container], init: bool| -> Vec<ContainerSpec> {
        ks.iter().enumerate().map(|(i, k)| container(c, &format!("{prefix}.{name}[{i}]"), k, init, grace)).collect()
    };
    let containers = list(c, "containers", &s.containers, false);
    let init_containers = list(c, "initContainers", s.init_containers.as_deref().unwrap_or(&[]), true);
    let tolerations = s
        .tolerations
        .iter()
        .flatten()
        .enumerate()
        .map(|(i, t)| toleration(c, &format!("{prefix}.tolerations[{i}]"), t))
        .collect();
    if let Some(pc) = s.priority_class_name.as_deref().filter(|n| !n.is_empty()) {
        validate::check_name(c, &format!("{prefix}.priorityClassName"), pc, false);
    }
    let preemption_policy = match s.preemption_policy.as_deref() {
        None | Some("PreemptLowerPriority") => spec::PreemptionPolicy::PreemptLowerPriority,
        Some("Never") => spec::PreemptionPolicy::Never,
        Some(other) => {
            c.unsupported(&format!("{prefix}.preemptionPolicy"), other, &["Never", "PreemptLowerPriority"]);
            spec::PreemptionPolicy::PreemptLowerPriority
        }
    };
    let affinity = super::scheduling::affinity(c, prefix, s.affinity.as_ref(), labels);
    let topology_spread =
        super::scheduling::topology_spread(c, prefix, s.topology_spread_constraints.as_deref(), labels);
    spec::PodSpec {
        containers,
        init_containers,
        restart_policy: match s.restart_policy.as_deref() {
            Some("OnFailure") => RestartPolicy::OnFailure,
            Some("Never") => RestartPolicy::Never,
            _ => RestartPolicy::Always,
        },
        has_empty_dir: s.volumes.iter().flatten().any(|v| v.empty_dir.is_some()),
        claims: super::storage::pod_claims(s),
        termination_grace: SimDuration::from_secs(
            s.termination_grace_period_seconds.map_or(30, |g| u64::try_from(g).unwrap_or(0)),
        ),
        node_selector: s.node_selector.clone().unwrap_or_default(),
        node_name: s.node_name.clone().filter(|n| !n.is_empty()),
        tolerations,
        priority_class_name: s.priority_class_name.clone().filter(|n| !n.is_empty()),
        // priority.rs sets both from the PriorityClass (checking what the spec gives).
        priority: 0,
        preemption_policy,
        affinity,
        topology_spread,
        scheduler_name: s
            .scheduler_name
            .clone()
            .filter(|n| !n.is_empty() && n != super::scheduler_config::DEFAULT_SCHEDULER_NAME),
    }
}

/// A workload's pod template (`spec.template`), which must be present; its pods restart
/// `Always`.
pub(crate) fn template(c: &mut Checker, t: Option<&core::PodTemplateSpec>) -> Arc<PodTemplate> {
    template_with(c, t, validate::RestartRule::AlwaysOnly)
}

/// A pod template whose `restartPolicy` follows `restart` (a Job's: OnFailure or Never).
pub(crate) fn template_with(
    c: &mut Checker,
    t: Option<&core::PodTemplateSpec>,
    restart: validate::RestartRule,
) -> Arc<PodTemplate> {
    let meta = t.and_then(|t| t.metadata.as_ref());
    if let Some(m) = meta {
        validate::check_labels(c, "spec.template.metadata.labels", m.labels.as_ref());
    }
    let labels = meta.and_then(|m| m.labels.clone()).unwrap_or_default();
    let spec = match t.and_then(|t| t.spec.as_ref()) {
        Some(s) => pod_spec(c, "spec.template.spec", s, restart, &labels),
        None => {
            c.required(if t.is_none() { "spec.template" } else { "spec.template.spec" });
            pod_spec(c, "spec.template.spec", &core::PodSpec::default(), restart, &labels)
        }
    };
    Arc::new(PodTemplate { labels, annotations: meta.and_then(|m| m.annotations.clone()).unwrap_or_default(), spec })
}

/// `spec.strategy`, defaulted to RollingUpdate 25% / 25%.
pub(crate) fn strategy(c: &mut Checker, s: Option<&apps::DeploymentStrategy>) -> DeploymentStrategy {
    let ty = s.and_then(|s| s.type_.as_deref()).unwrap_or("RollingUpdate");
    let ru = s.and_then(|s| s.rolling_update.as_ref());
    match ty {
        "Recreate" => {
            if ru.is_some() {
                c.field(
                    "spec.strategy.rollingUpdate",
                    "Forbidden: may not be specified when strategy `type` is 'Recreate'",
                );
            }
            DeploymentStrategy::Recreate
        }
        "RollingUpdate" => rolling_update(c, ru),
        other => {
            c.unsupported("spec.strategy.type", other, &["Recreate", "RollingUpdate"]);
            DeploymentStrategy::Recreate
        }
    }
}

fn rolling_update(c: &mut Checker, ru: Option<&apps::RollingUpdateDeployment>) -> DeploymentStrategy {
    let path = "spec.strategy.rollingUpdate";
    let get =
        |c: &mut Checker, name: &str, v: Option<&k8s_openapi::apimachinery::pkg::util::intstr::IntOrString>| match v {
            Some(v) => validate::int_or_percent(c, &format!("{path}.{name}"), v),
            None => Some(Ip::Percent(25)),
        };
    let surge = get(c, "maxSurge", ru.and_then(|r| r.max_surge.as_ref()));
    let unavailable = get(c, "maxUnavailable", ru.and_then(|r| r.max_unavailable.as_ref()));
    if let Some(Ip::Percent(p)) = unavailable.as_ref().filter(|u| matches!(u, Ip::Percent(p) if *p > 100)) {
        c.invalid(&format!("{path}.maxUnavailable"), format!("\"{p}%\""), "must not be greater than 100%");
    }
    let zero = |v: &Option<Ip>| matches!(v, Some(Ip::Int(0) | Ip::Percent(0)));
    if zero(&surge) && zero(&unavailable) {
        c.invalid(&format!("{path}.maxUnavailable"), 0, "may not be 0 when maxSurge is 0");
    }
    DeploymentStrategy::RollingUpdate {
        max_surge: surge.unwrap_or(Ip::Percent(25)),
        max_unavailable: unavailable.unwrap_or(Ip::Percent(25)),
    }
}

/// A DaemonSet's `spec.updateStrategy`, defaulted to RollingUpdate maxUnavailable 1,
/// maxSurge 0.
pub(crate) fn daemon_set_strategy(
    c: &mut Checker,
    s: Option<&apps::DaemonSetUpdateStrategy>,
) -> spec::DaemonSetStrategy {
    let ty = s.and_then(|s| s.type_.as_deref()).unwrap_or("RollingUpdate");
    let ru = s.and_then(|s| s.rolling_update.as_ref());
    match ty {
        "OnDelete" => spec::DaemonSetStrategy::OnDelete,
        "RollingUpdate" => {
            let path = "spec.updateStrategy.rollingUpdate";
            let get = |c: &mut Checker,
                       name: &str,
                       v: Option<&k8s_openapi::apimachinery::pkg::util::intstr::IntOrString>,
                       default: Ip| match v {
                Some(v) => validate::int_or_percent(c, &format!("{path}.{name}"), v),
                None => Some(default),
            };
            let surge = get(c, "maxSurge", ru.and_then(|r| r.max_surge.as_ref()), Ip::Int(0));
            let unavailable = get(c, "maxUnavailable", ru.and_then(|r| r.max_unavailable.as_ref()), Ip::Int(1));
            let zero = |v: &Option<Ip>| matches!(v, Some(Ip::Int(0) | Ip::Percent(0)));
            if zero(&surge) && zero(&unavailable) {
                c.invalid(&format!("{path}.maxUnavailable"), 0, "may not be 0 when maxSurge is 0");
            }
            spec::DaemonSetStrategy::RollingUpdate {
                max_surge: surge.unwrap_or(Ip::Int(0)),
                max_unavailable: unavailable.unwrap_or(Ip::Int(1)),
            }
        }
        other => {
            c.unsupported("spec.updateStrategy.type", other, &["OnDelete", "RollingUpdate"]);
            spec::DaemonSetStrategy::OnDelete
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pull_policy_follows_the_tag() {
        assert_eq!(default_pull_policy("nginx"), PullPolicy::Always);
        assert_eq!(default_pull_policy("nginx:latest"), PullPolicy::Always);
        assert_eq!(default_pull_policy("nginx:1.14"), PullPolicy::IfNotPresent);
        assert_eq!(default_pull_policy("registry:5000/nginx"), PullPolicy::Always);
        assert_eq!(default_pull_policy("registry:5000/nginx:1"), PullPolicy::IfNotPresent);
        assert_eq!(default_pull_policy("nginx@sha256:abc"), PullPolicy::IfNotPresent);
    }
}
