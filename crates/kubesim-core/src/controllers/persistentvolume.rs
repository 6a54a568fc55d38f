//! The PersistentVolume controller's binding of claims to volumes, as pure decisions over
//! the store (pkg/controller/volume/persistentvolume: `syncUnboundClaim` in pv_controller.go,
//! `findBestMatchForClaim` / `FindMatchingVolume` in
//! staging/src/k8s.io/component-helpers/storage/volume/pv_helpers.go), and what the
//! scheduler's VolumeBinding plugin asks of them.

use crate::model::spec::{StorageClassSpec, VolumeBindingMode, NO_PROVISIONER};
use crate::model::store::{Claim, ClaimId, Node, Store, Volume, VolumeId};
use crate::scheduler::plugins::node_affinity::term_matches;

/// What to do with an unbound claim now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClaimAction {
    /// Bind it to this volume.
    Bind(VolumeId),
    /// Ask the class's provisioner for a volume (external provisioning).
    Provision { provisioner: String },
    /// Wait for a pod that uses it to be scheduled (WaitForFirstConsumer).
    WaitForFirstConsumer,
    /// Nothing can bind it: the event's reason and message.
    Unbindable { reason: &'static str, message: String },
}

/// The class a claim asks for, if it names one that exists.
pub fn class_of<'s>(store: &'s Store, claim: &Claim) -> Option<&'s StorageClassSpec> {
    claim.spec.storage_class.as_deref().filter(|c| !c.is_empty()).and_then(|c| store.storage_classes.get(c))
}

/// Whether the claim's binding waits for its first consumer (IsDelayBindingMode).
pub fn delays_binding(store: &Store, claim: &Claim) -> bool {
    class_of(store, claim).is_some_and(|c| c.binding_mode == VolumeBindingMode::WaitForFirstConsumer)
}

/// Whether `volume` can be bound to `claim` (checkVolumeSatisfyClaim and the filters of
/// FindMatchingVolume): same class, enough capacity, the access modes asked for, the
/// claim's selector, not bound or reserved for another claim, and reachable from `node`
/// when one is given.
pub fn satisfies(volume: &Volume, claim: &Claim, claim_id: ClaimId, node: Option<&Node>) -> bool {
    let reserved_for_other = volume
        .spec
        .claim_ref
        .as_ref()
        .is_some_and(|(ns, name)| (ns.as_str(), name.as_str()) != (claim.namespace.as_str(), claim.name.as_str()));
    let class = claim.spec.storage_class.as_deref().unwrap_or("");
    !volume.deleted
        && !volume.released
        && volume.claim.is_none_or(|c| c == claim_id)
        && !reserved_for_other
        && volume.spec.storage_class == class
        && volume.spec.capacity_bytes >= claim.spec.request_bytes
        && claim.spec.access_modes.iter().all(|m| volume.spec.access_modes.contains(m))
        && claim.spec.selector.as_ref().is_none_or(|s| s.matches(&volume.labels))
        && claim.spec.volume_name.as_ref().is_none_or(|n| *n == volume.name)
        && node.is_none_or(|n| reachable(volume, n))
}

/// Whether `node` satisfies the volume's node affinity (CheckNodeAffinity).
pub fn reachable(volume: &Volume, node: &Node) -> bool {
    volume.spec.node_affinity.as_ref().is_none_or(|terms| terms.iter().any(|t| term_matches(t, node)))
}

/// findBestMatchForClaim: a volume reserved for the claim (`claimRef`) first, else the
/// smallest that satisfies it (ties: the first made).
pub fn best_volume(store: &Store, claim_id: ClaimId, node: Option<&Node>) -> Option<VolumeId> {
    let claim = &store.claims[claim_id];
    let fits = || store.volumes.ids().filter(|&v| satisfies(&store.volumes[v], claim, claim_id, node));
    let reserved = fits().find(|&v| store.volumes[v].spec.claim_ref.is_some());
    reserved.or_else(|| fits().min_by_key(|&v| (store.volumes[v].spec.capacity_bytes, v)))
}

/// syncUnboundClaim for a claim that is not bound yet (`node`: its selected node, if any).
pub fn sync_unbound(store: &Store, claim_id: ClaimId) -> ClaimAction {
    let claim = &store.claims[claim_id];
    let node = claim.selected_node.map(|n| &store.nodes()[n]);
    let delayed = delays_binding(store, claim);
    if delayed && node.is_none() {
        return ClaimAction::WaitForFirstConsumer;
    }
    if let Some(v) = best_volume(store, claim_id, node) {
        return ClaimAction::Bind(v);
    }
    if claim.spec.volume_name.is_some() {
        // A claim that names its volume waits for that one.
        return ClaimAction::Unbindable {
            reason: "FailedBinding",
            message: "volume is not available for this claim".into(),
        };
    }
    match claim.spec.storage_class.as_deref().filter(|c| !c.is_empty()) {
        None => ClaimAction::Unbindable {
            reason: "FailedBinding",
            message: "no persistent volumes available for this claim and no storage class is set".into(),
        },
        Some(name) => match store.storage_classes.get(name) {
            None => ClaimAction::Unbindable {
                reason: "ProvisioningFailed",
                message: format!("storageclass.storage.k8s.io \"{name}\" not found"),
            },
            Some(class) if class.provisioner == NO_PROVISIONER => ClaimAction::Unbindable {
                reason: "FailedBinding",
                message: format!(
                    "no persistent volumes available for this claim and storage class \"{name}\" has no provisioner"
                ),
            },
            Some(class) => ClaimAction::Provision { provisioner: class.provisioner.clone() },
        },
    }
}

/// What the scheduler's VolumeBinding plugin sees of one pod's claims.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PodVolumes {
    /// PreFilter's rejection, for every node: a claim that does not exist, or an
    /// Immediate claim not bound yet.
    pub rejected: Option<String>,
    /// The bound claims' volumes (their node affinity must hold).
    pub bound: Vec<VolumeId>,
    /// The unbound WaitForFirstConsumer claims.
    pub unbound: Vec<ClaimId>,
}

/// GetPodVolumeClaims and PreFilter: each claim of a pod in `namespace`.
pub fn pod_volumes(store: &Store, namespace: &str, claims: &[String]) -> PodVolumes {
    let mut out = PodVolumes::default();
    for name in claims {
        let key = crate::model::store::namespaced_key(namespace, name);
        let Some(c) = store.claims.find(&key) else {
            out.rejected = Some(format!("persistentvolumeclaim \"{name}\" not found"));
            return out;
        };
        let claim = &store.claims[c];
        match claim.volume {
            Some(v) => out.bound.push(v),
            None if delays_binding(store, claim) => out.unbound.push(c),
            None => {
                out.rejected = Some("pod has unbound immediate PersistentVolumeClaims".into());
                return out;
            }
        }
    }
    out
}

/// volumebinding's ErrReasonNodeConflict.
pub const NODE_CONFLICT: &str = "node(s) had volume node affinity conflict";
/// volumebinding's ErrReasonBindConflict.
pub const BIND_CONFLICT: &str = "node(s) didn't find available persistent volumes to bind";
