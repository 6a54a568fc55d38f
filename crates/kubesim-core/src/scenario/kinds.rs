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
    // batch/v1beta1 (no longer served since 1.25, still in published examples) has the same
    // fields but timeZone: it is read as batch/v1.
    k(Kind::CronJob, "CronJob", &["batch/v1", "batch/v1beta1"], "cronjobs", "cronjobs.batch", &["cj"], true),
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
    k(
        Kind::PersistentVolumeClaim,
        "PersistentVolumeClaim",
        &["v1"],
        "persistentvolumeclaims",
        "persistentvolumeclaims",
        &["pvc"],
        true,
    ),
    k(Kind::PersistentVolume, "PersistentVolume", &["v1"], "persistentvolumes", "persistentvolumes", &["pv"], true),
    k(
        Kind::StorageClass,
        "StorageClass",
        &["storage.k8s.io/v1"],
        "storageclasses",
        "storageclasses.storage.k8s.io",
        &["sc"],
        true,
    ),
    k(Kind::LimitRange, "LimitRange", &["v1"], "limitranges", "limitranges", &["limits"], true),
    k(Kind::ResourceQuota, "ResourceQuota", &["v1"], "resourcequotas", "resourcequotas", &["quota"], true),
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

/// The kinds of Kubernetes' own API groups (1.33, and the groups' older kinds still found in
/// published files), by group (`""` is the core group of `apiVersion: v1`). A kind of these
/// groups that kubesim does not simulate is accepted and listed as not simulated; a kind these
/// groups do not have is an error, as the API server says (`no matches for kind`), so that a
/// misspelt `kind:` is caught. Kinds of every other group (custom resources) are accepted.
const BUILTIN_GROUPS: &[(&str, &[&str])] = &[
    (
        "",
        &[
            "Binding",
            "ComponentStatus",
            "ConfigMap",
            "Endpoints",
            "Event",
            "LimitRange",
            "Namespace",
            "Node",
            "PersistentVolume",
            "PersistentVolumeClaim",
            "Pod",
            "PodTemplate",
            "ReplicationController",
            "ResourceQuota",
            "Secret",
            "Service",
            "ServiceAccount",
        ],
    ),
    ("apps", &["ControllerRevision", "DaemonSet", "Deployment", "ReplicaSet", "StatefulSet"]),
    ("batch", &["CronJob", "Job"]),
    ("autoscaling", &["HorizontalPodAutoscaler", "Scale"]),
    ("policy", &["Eviction", "PodDisruptionBudget", "PodSecurityPolicy"]),
    ("networking.k8s.io", &["IPAddress", "Ingress", "IngressClass", "NetworkPolicy", "ServiceCIDR"]),
    ("extensions", &["DaemonSet", "Deployment", "Ingress", "NetworkPolicy", "PodSecurityPolicy", "ReplicaSet"]),
    ("rbac.authorization.k8s.io", &["ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"]),
    (
        "storage.k8s.io",
        &["CSIDriver", "CSINode", "CSIStorageCapacity", "StorageClass", "VolumeAttachment", "VolumeAttributesClass"],
    ),
    ("scheduling.k8s.io", &["PriorityClass"]),
    ("coordination.k8s.io", &["Lease", "LeaseCandidate"]),
    ("discovery.k8s.io", &["EndpointSlice"]),
    ("node.k8s.io", &["RuntimeClass"]),
    (
        "admissionregistration.k8s.io",
        &[
            "MutatingAdmissionPolicy",
            "MutatingAdmissionPolicyBinding",
            "MutatingWebhookConfiguration",
            "ValidatingAdmissionPolicy",
            "ValidatingAdmissionPolicyBinding",
            "ValidatingWebhookConfiguration",
        ],
    ),
    ("apiextensions.k8s.io", &["CustomResourceDefinition"]),
    ("apiregistration.k8s.io", &["APIService"]),
    ("certificates.k8s.io", &["CertificateSigningRequest", "ClusterTrustBundle"]),
    ("flowcontrol.apiserver.k8s.io", &["FlowSchema", "PriorityLevelConfiguration"]),
    ("events.k8s.io", &["Event"]),
    ("resource.k8s.io", &["DeviceClass", "ResourceClaim", "ResourceClaimTemplate", "ResourceSlice"]),
    ("authentication.k8s.io", &["SelfSubjectReview", "TokenRequest", "TokenReview"]),
    (
        "authorization.k8s.io",
        &["LocalSubjectAccessReview", "SelfSubjectAccessReview", "SelfSubjectRulesReview", "SubjectAccessReview"],
    ),
    ("internal.apiserver.k8s.io", &["StorageVersion"]),
    ("storagemigration.k8s.io", &["StorageVersionMigration"]),
];

/// The API group of an `apiVersion`: `apps` of `apps/v1`, `""` of `v1`.
pub(crate) fn api_group(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(g, _)| g)
}

/// The kinds of `group` when it is one of Kubernetes' own API groups.
pub(crate) fn builtin_group(group: &str) -> Option<&'static [&'static str]> {
    BUILTIN_GROUPS.iter().find(|(g, _)| *g == group).map(|(_, kinds)| *kinds)
}

/// Every kind of Kubernetes' own groups, for suggestions.
pub(crate) fn builtin_kind_names() -> impl Iterator<Item = &'static str> {
    BUILTIN_GROUPS.iter().flat_map(|(_, kinds)| kinds.iter().copied())
}

/// `deployments.apps "web"`, as the API server names an object in its errors: the plural
/// resource and its group, then the name.
pub(crate) fn resource_phrase(id: &crate::model::spec::ObjectRef) -> String {
    format!("{} \"{}\"", info(id.kind).group_resource, id.name)
}

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

    #[test]
    fn builtin_groups_know_their_kinds() {
        assert_eq!(api_group("v1"), "");
        assert_eq!(api_group("rbac.authorization.k8s.io/v1"), "rbac.authorization.k8s.io");
        assert!(builtin_group("").is_some_and(|k| k.contains(&"ConfigMap")));
        assert!(builtin_group("gateway.networking.k8s.io").is_none(), "Gateway API is a set of CRDs");
        assert!(builtin_group("networking.istio.io").is_none());
        // Every kind kubesim simulates is a kind of its group.
        for i in KINDS.iter().filter(|i| i.kind != Kind::Rollout) {
            for api in i.api_versions {
                let kinds = builtin_group(api_group(api)).unwrap_or_default();
                assert!(kinds.contains(&i.name), "{} in {api}", i.name);
            }
        }
    }
}
