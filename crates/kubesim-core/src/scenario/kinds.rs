//! The Kubernetes kinds kubesim knows: manifest names, API versions and kubectl's names.

use crate::model::spec::Kind;

pub(crate) struct KindInfo {
    pub kind: Kind,
    /// As written in `kind:`.
    pub name: &'static str,
    /// The first is the one parsed with k8s-openapi (when `typed`).
    pub api_versions: &'static [&'static str],
    /// Lowercase plural, as kubectl prints it: `deployments`.
    pub plural: &'static str,
    /// `deployments.apps`, as in kubectl's `deployments.apps "web" not found`.
    pub group_resource: &'static str,
    pub short: &'static [&'static str],
    /// Simulated by this version (others are parsed, then ignored with a warning).
    pub simulated: bool,
    /// Parsed strictly with a k8s-openapi type.
    pub typed: bool,
}

const fn k(
    kind: Kind,
    name: &'static str,
    api_versions: &'static [&'static str],
    plural: &'static str,
    group_resource: &'static str,
    short: &'static [&'static str],
    simulated: bool,
) -> KindInfo {
    KindInfo { kind, name, api_versions, plural, group_resource, short, simulated, typed: true }
}

pub(crate) const KINDS: &[KindInfo] = &[
    k(Kind::Namespace, "Namespace", &["v1"], "namespaces", "namespaces", &["ns"], true),
    k(Kind::Node, "Node", &["v1"], "nodes", "nodes", &["no"], false),
    k(Kind::Pod, "Pod", &["v1"], "pods", "pods", &["po"], true),
    k(Kind::ReplicaSet, "ReplicaSet", &["apps/v1"], "replicasets", "replicasets.apps", &["rs"], true),
    k(
        Kind::ReplicationController,
        "ReplicationController",
        &["v1"],
        "replicationcontrollers",
        "replicationcontrollers",
        &["rc"],
        true,
    ),
    k(Kind::Deployment, "Deployment", &["apps/v1"], "deployments", "deployments.apps", &["deploy"], true),
    k(Kind::Service, "Service", &["v1"], "services", "services", &["svc"], true),
    k(
        Kind::Ingress,
        "Ingress",
        &["networking.k8s.io/v1", "networking.k8s.io/v1beta1", "extensions/v1beta1"],
        "ingresses",
        "ingresses.networking.k8s.io",
        &["ing"],
        true,
    ),
    k(Kind::DaemonSet, "DaemonSet", &["apps/v1"], "daemonsets", "daemonsets.apps", &["ds"], true),
    k(Kind::StatefulSet, "StatefulSet", &["apps/v1"], "statefulsets", "statefulsets.apps", &["sts"], true),
    k(Kind::Job, "Job", &["batch/v1"], "jobs", "jobs.batch", &[], true),
    k(
        Kind::HorizontalPodAutoscaler,
        "HorizontalPodAutoscaler",
        &["autoscaling/v2", "autoscaling/v1"],
        "horizontalpodautoscalers",
        "horizontalpodautoscalers.autoscaling",
        &["hpa"],
        true,
    ),
    k(
        Kind::PodDisruptionBudget,
        "PodDisruptionBudget",
        &["policy/v1"],
        "poddisruptionbudgets",
        "poddisruptionbudgets.policy",
        &["pdb"],
        true,
    ),
    k(
        Kind::PriorityClass,
        "PriorityClass",
        &["scheduling.k8s.io/v1"],
        "priorityclasses",
        "priorityclasses.scheduling.k8s.io",
        &["pc"],
        true,
    ),
    k(Kind::ConfigMap, "ConfigMap", &["v1"], "configmaps", "configmaps", &["cm"], false),
    k(Kind::Secret, "Secret", &["v1"], "secrets", "secrets", &[], false),
    k(Kind::ServiceAccount, "ServiceAccount", &["v1"], "serviceaccounts", "serviceaccounts", &["sa"], false),
    KindInfo {
        kind: Kind::Rollout,
        name: "Rollout",
        api_versions: &["argoproj.io/v1alpha1"],
        plural: "rollouts",
        group_resource: "rollouts.argoproj.io",
        short: &["ro"],
        simulated: true,
        typed: false,
    },
];

pub(crate) fn info(kind: Kind) -> &'static KindInfo {
    KINDS.iter().find(|i| i.kind == kind).unwrap_or(&KINDS[0])
}

/// By the `kind:` of a manifest (exact, as the API server requires).
pub(crate) fn by_manifest_kind(name: &str) -> Option<&'static KindInfo> {
    KINDS.iter().find(|i| i.name == name)
}

/// By a kubectl resource name: singular, plural or short, any case, with an optional
/// `.group` (`deployment`, `Deployments`, `deploy`, `deployments.apps`).
pub(crate) fn by_resource(word: &str) -> Option<&'static KindInfo> {
    let w = word.to_ascii_lowercase();
    let w = w.split_once('.').map_or(w.as_str(), |(k, _)| k);
    KINDS
        .iter()
        .find(|i| i.kind.resource() == w || i.plural == w || i.short.contains(&w) || i.name.eq_ignore_ascii_case(w))
}

/// Every name kubectl accepts for a resource, for suggestions.
pub(crate) fn resource_names() -> impl Iterator<Item = &'static str> {
    KINDS.iter().flat_map(|i| [i.kind.resource(), i.plural].into_iter().chain(i.short.iter().copied()))
}

pub(crate) fn manifest_kind_names() -> impl Iterator<Item = &'static str> {
    KINDS.iter().map(|i| i.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_by_any_kubectl_name() {
        for w in ["deployment", "deployments", "deploy", "Deployment", "deployments.apps"] {
            assert_eq!(by_resource(w).map(|i| i.kind), Some(Kind::Deployment), "{w}");
        }
        assert_eq!(by_resource("rs").map(|i| i.kind), Some(Kind::ReplicaSet));
        assert_eq!(by_resource("rc").map(|i| i.kind), Some(Kind::ReplicationController));
        assert!(by_resource("deploymnet").is_none());
        assert_eq!(info(Kind::Deployment).group_resource, "deployments.apps");
    }
}
