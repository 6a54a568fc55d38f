//! PersistentVolumeClaims, PersistentVolumes and StorageClasses (core/v1, storage.k8s.io/v1)
//! to their compact specs, checked as the API server's validation checks them
//! (pkg/apis/core/validation `ValidatePersistentVolumeClaimSpec`, `ValidatePersistentVolumeSpec`;
//! pkg/apis/storage/validation `ValidateStorageClass`), and a StatefulSet's claim templates.

use super::checker::Checker;
use super::manifest::Typed;
use super::quantity::parse_quantity;
use super::validate;
use crate::model::spec::{self, ClaimSpec, ObjectSpec, StorageClassSpec, VolumeBindingMode, VolumeSpec};
use k8s_openapi::api::core::v1 as core;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use std::collections::BTreeMap;

const ACCESS_MODES: [&str; 4] = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"];

/// The annotation that makes a StorageClass the default one.
pub const DEFAULT_CLASS_ANNOTATION: &str = "storageclass.kubernetes.io/is-default-class";

fn access_modes(c: &mut Checker, path: &str, modes: Option<&Vec<String>>, required: &str) -> Vec<String> {
    let modes = modes.cloned().unwrap_or_default();
    if modes.is_empty() {
        c.field(path, format!("Required value: {required}"));
    }
    for m in &modes {
        if !ACCESS_MODES.contains(&m.as_str()) {
            c.unsupported(path, m, &ACCESS_MODES);
        }
    }
    modes
}

/// A `storage` quantity in bytes, which must be more than zero.
fn storage(c: &mut Checker, path: &str, q: Option<&Quantity>) -> i64 {
    let Some(q) = q else {
        c.field(path, "Required value");
        return 0;
    };
    match parse_quantity(&q.0) {
        Err(e) => {
            c.field_help(path, e, Some("expected a quantity like 1Gi or 500Mi".into()));
            0
        }
        Ok(v) if v.is_negative() || v.units_ceil() == 0 => {
            c.invalid(path, format!("\"{}\"", q.0), "must be greater than zero");
            0
        }
        Ok(v) => i64::try_from(v.units_ceil()).unwrap_or(i64::MAX),
    }
}

/// A claim's spec (of a PersistentVolumeClaim at `prefix` = `spec`, or of a StatefulSet's
/// template at `spec.volumeClaimTemplates[i].spec`).
pub(crate) fn claim_spec(c: &mut Checker, prefix: &str, s: &core::PersistentVolumeClaimSpec) -> ClaimSpec {
    let access_modes = access_modes(
        c,
        &format!("{prefix}.accessModes"),
        s.access_modes.as_ref(),
        "at least 1 access mode is required",
    );
    let requests = s.resources.as_ref().and_then(|r| r.requests.as_ref());
    let request_bytes = storage(c, &format!("{prefix}.resources[storage]"), requests.and_then(|r| r.get("storage")));
    ClaimSpec {
        storage_class: s.storage_class_name.clone(),
        request_bytes,
        access_modes,
        volume_name: s.volume_name.clone().filter(|v| !v.is_empty()),
        selector: s.selector.as_ref().map(super::convert::selector),
    }
}

/// core/v1 PersistentVolumeClaim.
pub(crate) fn claim(pvc: core::PersistentVolumeClaim, c: &mut Checker) -> Option<Typed> {
    validate::check_meta(c, &pvc.metadata, true);
    let Some(s) = pvc.spec.as_ref() else {
        c.required("spec");
        return None;
    };
    let spec = claim_spec(c, "spec", s);
    let labels = pvc.metadata.labels.clone().unwrap_or_default();
    Some((ObjectSpec::PersistentVolumeClaim { labels, spec }, pvc.metadata, 0))
}

/// core/v1 PersistentVolume: its class, capacity, access modes, node affinity and claim
/// reservation; its source (hostPath, local, csi, nfs, ...) must be there but is not read.
pub(crate) fn volume(pv: core::PersistentVolume, c: &mut Checker) -> Option<Typed> {
    validate::check_meta(c, &pv.metadata, false);
    let Some(s) = pv.spec.as_ref() else {
        c.required("spec");
        return None;
    };
    let capacity: Option<&BTreeMap<String, Quantity>> = s.capacity.as_ref();
    if capacity.is_none_or(|m| m.is_empty()) {
        c.field("spec.capacity", "Required value");
    }
    let capacity_bytes = match capacity {
        Some(m) if !m.is_empty() => storage(c, "spec.capacity[storage]", m.get("storage")),
        _ => 0,
    };
    let access_modes =
        access_modes(c, "spec.accessModes", s.access_modes.as_ref(), "must specify at least 1 access mode");
    let value = serde_json::to_value(s).unwrap_or_default();
    const NOT_SOURCES: [&str; 9] = [
        "accessModes",
        "capacity",
        "claimRef",
        "mountOptions",
        "nodeAffinity",
        "persistentVolumeReclaimPolicy",
        "storageClassName",
        "volumeAttributesClassName",
        "volumeMode",
    ];
    let has_source = value.as_object().is_some_and(|m| m.keys().any(|k| !NOT_SOURCES.contains(&k.as_str())));
    if !has_source {
        c.field("spec", "Required value: must specify a volume type");
    }
    let node_affinity = s.node_affinity.as_ref().and_then(|a| a.required.as_ref()).map(|sel| {
        sel.node_selector_terms
            .iter()
            .enumerate()
            .map(|(i, t)| {
                super::scheduling::node_term(c, &format!("spec.nodeAffinity.required.nodeSelectorTerms[{i}]"), t)
            })
            .collect()
    });
    let reclaim_delete = match s.persistent_volume_reclaim_policy.as_deref() {
        None | Some("Retain") => false,
        Some("Delete") => true,
        Some(other) => {
            c.unsupported("spec.persistentVolumeReclaimPolicy", other, &["Delete", "Recycle", "Retain"]);
            false
        }
    };
    let claim_ref = s.claim_ref.as_ref().and_then(|r| {
        let name = r.name.clone().filter(|n| !n.is_empty())?;
        Some((r.namespace.clone().filter(|n| !n.is_empty()).unwrap_or_else(|| "default".into()), name))
    });
    let spec = VolumeSpec {
        storage_class: s.storage_class_name.clone().unwrap_or_default(),
        capacity_bytes,
        access_modes,
        node_affinity,
        claim_ref,
        reclaim_delete,
    };
    let labels = pv.metadata.labels.clone().unwrap_or_default();
    Some((ObjectSpec::PersistentVolume { labels, spec }, pv.metadata, 0))
}

/// storage.k8s.io/v1 StorageClass.
pub(crate) fn storage_class(sc: k8s_openapi::api::storage::v1::StorageClass, c: &mut Checker) -> Option<Typed> {
    validate::check_meta(c, &sc.metadata, false);
    if sc.provisioner.is_empty() {
        c.required("provisioner");
    }
    let binding_mode = match sc.volume_binding_mode.as_deref() {
        None | Some("Immediate") => VolumeBindingMode::Immediate,
        Some("WaitForFirstConsumer") => VolumeBindingMode::WaitForFirstConsumer,
        Some(other) => {
            c.unsupported("volumeBindingMode", other, &["Immediate", "WaitForFirstConsumer"]);
            VolumeBindingMode::Immediate
        }
    };
    let reclaim_delete = match sc.reclaim_policy.as_deref() {
        None | Some("Delete") => true,
        Some("Retain") => false,
        Some(other) => {
            c.unsupported("reclaimPolicy", other, &["Delete", "Retain"]);
            true
        }
    };
    let is_default = sc.metadata.annotations.as_ref().and_then(|a| a.get(DEFAULT_CLASS_ANNOTATION)).map(String::as_str)
        == Some("true");
    let spec = StorageClassSpec { provisioner: sc.provisioner.clone(), binding_mode, reclaim_delete, is_default };
    Some((ObjectSpec::StorageClass(spec), sc.metadata, 0))
}

/// A StatefulSet's `volumeClaimTemplates` and `persistentVolumeClaimRetentionPolicy`.
pub(crate) fn claim_templates(
    c: &mut Checker,
    s: &k8s_openapi::api::apps::v1::StatefulSetSpec,
) -> (Vec<spec::ClaimTemplate>, spec::ClaimRetention) {
    let mut templates = Vec::new();
    for (i, t) in s.volume_claim_templates.iter().flatten().enumerate() {
        let name = t.metadata.name.clone().unwrap_or_default();
        if name.is_empty() {
            c.required(&format!("spec.volumeClaimTemplates[{i}].metadata.name"));
            continue;
        }
        let Some(ts) = t.spec.as_ref() else {
            c.required(&format!("spec.volumeClaimTemplates[{i}].spec"));
            continue;
        };
        let spec = claim_spec(c, &format!("spec.volumeClaimTemplates[{i}].spec"), ts);
        templates.push(spec::ClaimTemplate { name, labels: t.metadata.labels.clone().unwrap_or_default(), spec });
    }
    let mut retention = spec::ClaimRetention::default();
    if let Some(p) = &s.persistent_volume_claim_retention_policy {
        let mut policy = |field: &str, v: Option<&str>| match v {
            None | Some("Retain") => false,
            Some("Delete") => true,
            Some(other) => {
                c.unsupported(
                    &format!("spec.persistentVolumeClaimRetentionPolicy.{field}"),
                    other,
                    &["Delete", "Retain"],
                );
                false
            }
        };
        retention.delete_when_deleted = policy("whenDeleted", p.when_deleted.as_deref());
        retention.delete_when_scaled = policy("whenScaled", p.when_scaled.as_deref());
    }
    (templates, retention)
}

/// The claims a pod's volumes name (`persistentVolumeClaim.claimName`), in order.
pub(crate) fn pod_claims(s: &core::PodSpec) -> Vec<String> {
    s.volumes
        .iter()
        .flatten()
        .filter_map(|v| v.persistent_volume_claim.as_ref().map(|p| p.claim_name.clone()))
        .filter(|n| !n.is_empty())
        .collect()
}
