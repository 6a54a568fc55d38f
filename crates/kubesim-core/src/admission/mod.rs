//! The API server's admission plugins that act on a pod's create, as pure functions over
//! its spec and the namespace's policies: `LimitRanger` (defaults, then bounds) and
//! `ResourceQuota` (hard limits over what the namespace's pods use). `sim/admission.rs`
//! runs them, in the API server's order (mutating LimitRanger first, then validation), on
//! every pod create.

pub mod limit_ranger;
pub mod resource_quota;

use crate::model::spec::{is_cpu_key, Amounts, ContainerSpec, PodSpec};

/// `admission.NewForbidden` of a pod: `pods "NAME" is forbidden: MESSAGE`.
pub fn forbidden(pod: &str, message: &str) -> String {
    format!("pods \"{pod}\" is forbidden: {message}")
}

/// An amount as a `resource.Quantity` prints it: CPU keys from millicores (`500m`, `2`),
/// counts as integers, bytes with the largest exact binary suffix, else decimal (`512Mi`,
/// `1G`). Kubernetes keeps the format a quantity was written in; kubesim keeps integers, so
/// a byte count that is a multiple of 1024 prints binary.
pub fn amount_string(key: &str, value: i64) -> String {
    if is_cpu_key(key) {
        return if value % 1000 == 0 { (value / 1000).to_string() } else { format!("{value}m") };
    }
    if key == "pods" || key.starts_with("count/") {
        return value.to_string();
    }
    const BINARY: [(&str, i64); 5] =
        [("Pi", 1 << 50), ("Ti", 1 << 40), ("Gi", 1 << 30), ("Mi", 1 << 20), ("Ki", 1 << 10)];
    const DECIMAL: [(&str, i64); 5] =
        [("P", 1_000_000_000_000_000), ("T", 1_000_000_000_000), ("G", 1_000_000_000), ("M", 1_000_000), ("k", 1_000)];
    for (suffix, unit) in BINARY.iter().chain(DECIMAL.iter()) {
        if value != 0 && value % unit == 0 {
            return format!("{}{suffix}", value / unit);
        }
    }
    value.to_string()
}

/// A container's `resources.requests` as the API holds it after defaulting (a limit given
/// without a request is the request too): only the resources it names.
pub fn container_requests(c: &ContainerSpec) -> Amounts {
    let mut out = Amounts::new();
    if c.cpu_request_set {
        out.insert("cpu".into(), c.requests.cpu_millis);
    }
    if c.memory_request_set {
        out.insert("memory".into(), c.requests.memory_bytes);
    }
    if c.requests.ephemeral_storage_bytes > 0 {
        out.insert("ephemeral-storage".into(), c.requests.ephemeral_storage_bytes);
    }
    for (k, v) in &c.requests.extended {
        out.insert(k.clone(), *v);
    }
    out
}

/// A container's `resources.limits`: the resources with a limit (kubesim keeps a limit of
/// 0 as no limit).
pub fn container_limits(c: &ContainerSpec) -> Amounts {
    let mut out = Amounts::new();
    let l = &c.limits;
    for (k, v) in [("cpu", l.cpu_millis), ("memory", l.memory_bytes), ("ephemeral-storage", l.ephemeral_storage_bytes)]
    {
        if v > 0 {
            out.insert(k.into(), v);
        }
    }
    for (k, v) in &l.extended {
        out.insert(k.clone(), *v);
    }
    out
}

/// The pod's requests or limits (`per` picks which of a container's), as
/// component-helpers' `PodRequests` / `PodLimits` add them up: the app containers' and
/// sidecars' sum, or an init container's if larger, per resource (a resource appears when
/// some container names it).
pub fn pod_total(spec: &PodSpec, per: fn(&ContainerSpec) -> Amounts) -> Amounts {
    let mut sum = Amounts::new();
    for c in spec.containers.iter().chain(spec.init_containers.iter().filter(|c| c.sidecar)) {
        for (k, v) in per(c) {
            *sum.entry(k).or_insert(0) += v;
        }
    }
    for c in spec.init_containers.iter().filter(|c| !c.sidecar) {
        for (k, v) in per(c) {
            let e = sum.entry(k).or_insert(0);
            *e = (*e).max(v);
        }
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    /// resource.Quantity's String: `500m`, `2`, `512Mi`, `1G`.
    #[test]
    fn amounts_print_as_quantities() {
        assert_eq!(amount_string("requests.cpu", 500), "500m");
        assert_eq!(amount_string("cpu", 2000), "2");
        assert_eq!(amount_string("limits.memory", 512 << 20), "512Mi");
        assert_eq!(amount_string("memory", 1_000_000_000), "1G");
        assert_eq!(amount_string("pods", 3), "3");
        assert_eq!(amount_string("count/pods", 10), "10");
    }
}
