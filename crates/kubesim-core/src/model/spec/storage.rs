//! Storage as scheduling sees it: PersistentVolumeClaims, PersistentVolumes and
//! StorageClasses (core/v1, storage.k8s.io/v1). kubesim binds claims to volumes, provisions
//! volumes for classes that have a provisioner, and keeps pods from starting until their
//! claims are bound; it moves no data.

use super::{NodeSelectorTerm, Selector};

/// `volumeBindingMode` of a StorageClass.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum VolumeBindingMode {
    /// Bind (or provision) as soon as the claim exists (the API's default).
    #[default]
    Immediate,
    /// Wait until a pod that uses the claim is scheduled, then bind or provision for the
    /// node it was given (`volume.kubernetes.io/selected-node`).
    WaitForFirstConsumer,
}

impl VolumeBindingMode {
    pub fn as_str(self) -> &'static str {
        match self {
            VolumeBindingMode::Immediate => "Immediate",
            VolumeBindingMode::WaitForFirstConsumer => "WaitForFirstConsumer",
        }
    }
}

/// A StorageClass.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StorageClassSpec {
    /// `kubernetes.io/no-provisioner` provisions nothing: claims wait for a volume made by hand.
    pub provisioner: String,
    pub binding_mode: VolumeBindingMode,
    /// `reclaimPolicy: Delete` (the default): a provisioned volume goes with its claim.
    pub reclaim_delete: bool,
    /// Annotated `storageclass.kubernetes.io/is-default-class: "true"`.
    pub is_default: bool,
}

/// The provisioner name that provisions nothing.
pub const NO_PROVISIONER: &str = "kubernetes.io/no-provisioner";

/// A PersistentVolumeClaim's spec.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClaimSpec {
    /// None: the default class (set by the DefaultStorageClass admission plugin when the
    /// claim is made); `Some("")`: no class (only volumes without one bind).
    pub storage_class: Option<String>,
    /// `resources.requests.storage`, in bytes.
    pub request_bytes: i64,
    pub access_modes: Vec<String>,
    /// `volumeName`: bind to that volume only.
    pub volume_name: Option<String>,
    pub selector: Option<Selector>,
}

/// A PersistentVolume's spec.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VolumeSpec {
    /// `""` when it has no class.
    pub storage_class: String,
    pub capacity_bytes: i64,
    pub access_modes: Vec<String>,
    /// `nodeAffinity.required`: the nodes that can reach the volume (a local volume's node).
    pub node_affinity: Option<Vec<NodeSelectorTerm>>,
    /// `claimRef`: reserved for this claim (namespace, name).
    pub claim_ref: Option<(String, String)>,
    /// `persistentVolumeReclaimPolicy: Delete`.
    pub reclaim_delete: bool,
}

/// A StatefulSet's `volumeClaimTemplates` entry: a claim per pod, named
/// `TEMPLATE-STATEFULSET-ORDINAL`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimTemplate {
    pub name: String,
    pub labels: super::Labels,
    pub spec: ClaimSpec,
}

/// `persistentVolumeClaimRetentionPolicy`: whether a StatefulSet's claims go when it is
/// deleted or scaled down (both `Retain` by default).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClaimRetention {
    pub delete_when_deleted: bool,
    pub delete_when_scaled: bool,
}
