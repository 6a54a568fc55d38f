//! Storage in the running cluster: PersistentVolumeClaims bound to PersistentVolumes by the
//! PV controller (`controllers/persistentvolume.rs` decides), volumes provisioned by a
//! StorageClass's provisioner after its provisioning time, a claim's node chosen by the
//! scheduler for WaitForFirstConsumer classes, and pods whose kubelet waits until every
//! claim they use is bound (the volume manager's WaitForAttachAndMount).

use super::{Event, Sim};
use crate::controllers::persistentvolume::{self as pv, ClaimAction};
use crate::model::spec::{ClaimSpec, Labels, StorageClassSpec, VolumeBindingMode, VolumeSpec};
use crate::model::store::{Claim, ClaimId, NodeId, PodId, StatefulSetId, Volume, VolumeId};
use std::collections::BTreeSet;

/// The StorageClass every kubesim cluster has unless the scenario makes a default one:
/// as kind's and minikube's `standard`, it provisions a volume for each claim.
pub const BUILTIN_CLASS: &str = "standard";
/// Its provisioner's name in events.
pub const BUILTIN_PROVISIONER: &str = "kubesim.io/simulated";

/// Storage's events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StorageEvent {
    /// The provisioner finished the volume of a claim.
    Provisioned(ClaimId),
}

/// What storage keeps between events: pods bound to a node whose claims are not all bound
/// yet (their kubelet starts them when the last one binds).
#[derive(Default)]
pub struct Storage {
    waiting_pods: BTreeSet<PodId>,
}

impl Sim<'_> {
    /// The built-in default class, unless the scenario's objects make a default class.
    pub(super) fn install_builtin_storage_class(&mut self) {
        let scenario_default = self.ctx.scenario.objects.iter().any(|o| {
            matches!(&o.spec, crate::model::spec::ObjectSpec::StorageClass(c) if c.is_default)
                || (o.id.kind == crate::model::spec::Kind::StorageClass && o.id.name == BUILTIN_CLASS)
        });
        if !scenario_default {
            self.ctx.store.storage_classes.insert(
                BUILTIN_CLASS.to_string(),
                StorageClassSpec {
                    provisioner: BUILTIN_PROVISIONER.to_string(),
                    binding_mode: VolumeBindingMode::WaitForFirstConsumer,
                    reclaim_delete: true,
                    is_default: true,
                },
            );
        }
    }

    /// The default StorageClass: the scenario's (if several are marked default, the one whose
    /// name sorts last; the DefaultStorageClass admission plugin takes the newest), else the
    /// built-in one.
    fn default_storage_class(&self) -> Option<String> {
        let classes = &self.ctx.store.storage_classes;
        let scenario = classes.iter().filter(|(n, c)| c.is_default && *n != BUILTIN_CLASS).map(|(n, _)| n).next_back();
        scenario.or_else(|| classes.get_key_value(BUILTIN_CLASS).filter(|(_, c)| c.is_default).map(|(n, _)| n)).cloned()
    }

    pub(super) fn create_storage_class(&mut self, name: &str, spec: &StorageClassSpec) {
        self.ctx.store.storage_classes.insert(name.to_string(), spec.clone());
        // Claims waiting for a class that was missing may provision now.
        self.sync_all_claims();
    }

    pub(super) fn create_claim(
        &mut self,
        ns: &str,
        name: &str,
        labels: &Labels,
        spec: &ClaimSpec,
        stateful_set: Option<StatefulSetId>,
    ) -> ClaimId {
        let mut spec = spec.clone();
        if spec.storage_class.is_none() {
            spec.storage_class = self.default_storage_class();
        }
        let id = self.ctx.store.claims.add(Claim {
            namespace: ns.to_string(),
            name: name.to_string(),
            labels: labels.clone(),
            spec,
            volume: None,
            selected_node: None,
            provisioning_until: None,
            stateful_set,
            created: self.ctx.kernel.now(),
            deleted: false,
            said: "",
        });
        self.sync_claim(id);
        // VolumeBinding asks to be retried when a claim is added (its EventsToRegister).
        self.scheduler.cluster_changed(&mut self.ctx);
        id
    }

    pub(super) fn create_volume(&mut self, name: &str, labels: &Labels, spec: &VolumeSpec) {
        self.add_volume(name, labels.clone(), spec.clone());
        self.sync_all_claims();
        // Pods waiting for a volume their node can reach may fit now.
        self.scheduler.cluster_changed(&mut self.ctx);
    }

    fn add_volume(&mut self, name: &str, labels: Labels, spec: VolumeSpec) -> VolumeId {
        let now = self.ctx.kernel.now();
        self.ctx.store.volumes.add(Volume {
            name: name.to_string(),
            labels,
            spec,
            claim: None,
            released: false,
            created: now,
            deleted: false,
        })
    }

    fn claim_object(&self, c: ClaimId) -> String {
        let claim = &self.ctx.store.claims[c];
        crate::model::spec::ObjectRef {
            kind: crate::model::spec::Kind::PersistentVolumeClaim,
            namespace: claim.namespace.clone(),
            name: claim.name.clone(),
        }
        .to_string()
    }

    /// An event on the claim, once per reason until its state changes (the PV controller
    /// says it at every resync; the recorder folds the repeats).
    fn claim_event(&mut self, c: ClaimId, warning: bool, reason: &'static str, message: String) {
        if self.ctx.store.claims[c].said == reason {
            return;
        }
        self.ctx.store.claims[c].said = reason;
        let (now, object) = (self.ctx.kernel.now(), self.claim_object(c));
        if warning {
            self.ctx.recorder.warning(now, reason, object, message);
        } else {
            self.ctx.recorder.normal(now, reason, object, message);
        }
    }

    /// Every claim's sync (a class or a volume came that may bind them).
    fn sync_all_claims(&mut self) {
        let claims: Vec<ClaimId> = self.ctx.store.claims.live().collect();
        for c in claims {
            self.sync_claim(c);
        }
    }

    /// syncUnboundClaim: bind, provision, or say why not.
    fn sync_claim(&mut self, c: ClaimId) {
        let claim = &self.ctx.store.claims[c];
        if claim.deleted || claim.volume.is_some() || claim.provisioning_until.is_some() {
            return;
        }
        match pv::sync_unbound(&self.ctx.store, c) {
            ClaimAction::Bind(v) => self.bind_claim(c, v),
            ClaimAction::WaitForFirstConsumer => self.claim_event(
                c,
                false,
                "WaitForFirstConsumer",
                "waiting for first consumer to be created before binding".into(),
            ),
            ClaimAction::Unbindable { reason, message } => self.claim_event(c, true, reason, message),
            ClaimAction::Provision { provisioner } => self.provision(c, &provisioner),
        }
    }

    /// The external provisioner (sig-storage-lib-external-provisioner) makes a volume for
    /// the claim, taking the class's provisioning time (`cluster.storage`).
    fn provision(&mut self, c: ClaimId, provisioner: &str) {
        let claim = &self.ctx.store.claims[c];
        let key = format!("{}/{}", claim.namespace, claim.name);
        let class = claim.spec.storage_class.clone().unwrap_or_default();
        let delay = self.ctx.scenario.control_plane.provisioning_time(&class);
        self.claim_event(
            c,
            false,
            "ExternalProvisioning",
            format!("Waiting for a volume to be created either by the external provisioner '{provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered."),
        );
        self.claim_event(
            c,
            false,
            "Provisioning",
            format!("External provisioner is provisioning volume for claim \"{key}\""),
        );
        let until = self.ctx.kernel.now() + delay;
        self.ctx.store.claims[c].provisioning_until = Some(until);
        self.ctx.kernel.schedule_at(until, Event::Storage(StorageEvent::Provisioned(c)));
    }

    pub(super) fn handle_storage(&mut self, event: StorageEvent) {
        match event {
            StorageEvent::Provisioned(c) => {
                self.ctx.store.claims[c].provisioning_until = None;
                let claim = &self.ctx.store.claims[c];
                if claim.deleted {
                    return;
                }
                let name = format!("pvc-{}", volume_uid(c));
                let class = claim.spec.storage_class.clone().unwrap_or_default();
                let reclaim_delete = self.ctx.store.storage_classes.get(&class).is_none_or(|k| k.reclaim_delete);
                let spec = VolumeSpec {
                    storage_class: class,
                    capacity_bytes: claim.spec.request_bytes,
                    access_modes: claim.spec.access_modes.clone(),
                    node_affinity: None,
                    claim_ref: Some((claim.namespace.clone(), claim.name.clone())),
                    reclaim_delete,
                };
                let v = self.add_volume(&name, Labels::new(), spec);
                self.claim_event(c, false, "ProvisioningSucceeded", format!("Successfully provisioned volume {name}"));
                self.bind_claim(c, v);
            }
        }
    }

    /// The claim and the volume point at each other; pods waiting for it may start, and
    /// pods the scheduler left waiting for it may fit.
    fn bind_claim(&mut self, c: ClaimId, v: VolumeId) {
        self.ctx.store.claims[c].volume = Some(v);
        self.ctx.store.claims[c].said = "";
        self.ctx.store.volumes[v].claim = Some(c);
        let waiting: Vec<PodId> = self.storage.waiting_pods.iter().copied().collect();
        for pod in waiting {
            if self.claims_bound(pod) {
                self.storage.waiting_pods.remove(&pod);
                let p = &self.ctx.store.pods[pod];
                if !p.is_gone() && p.node.is_some() {
                    let generation = p.generation;
                    self.ctx
                        .kernel
                        .schedule_in(self.ctx.latency(), Event::Kubelet(pod, generation, super::kubelet::Step::Admit));
                }
            }
        }
        self.scheduler.cluster_changed(&mut self.ctx);
    }

    /// Whether every claim the pod uses is bound (to be mounted).
    pub(super) fn claims_bound(&self, pod: PodId) -> bool {
        let p = &self.ctx.store.pods[pod];
        p.spec.claims.iter().all(|name| {
            let key = crate::model::store::namespaced_key(&p.namespace, name);
            self.ctx.store.claims.find(&key).is_some_and(|c| self.ctx.store.claims[c].volume.is_some())
        })
    }

    /// A pod with claims was given `node`: its unbound WaitForFirstConsumer claims get the
    /// node (the scheduler's PreBind sets `volume.kubernetes.io/selected-node`) and are
    /// bound or provisioned for it. Returns whether its kubelet may start it now.
    pub(super) fn volumes_for_node(&mut self, pod: PodId, node: NodeId) -> bool {
        if self.ctx.store.pods[pod].spec.claims.is_empty() {
            return true;
        }
        let p = &self.ctx.store.pods[pod];
        let claims: Vec<ClaimId> = p
            .spec
            .claims
            .iter()
            .filter_map(|n| self.ctx.store.claims.find(&crate::model::store::namespaced_key(&p.namespace, n)))
            .collect();
        for c in claims {
            let claim = &self.ctx.store.claims[c];
            if claim.volume.is_none() && claim.selected_node.is_none() && pv::delays_binding(&self.ctx.store, claim) {
                self.ctx.store.claims[c].selected_node = Some(node);
                self.sync_claim(c);
            }
        }
        let ready = self.claims_bound(pod);
        if !ready {
            self.storage.waiting_pods.insert(pod);
        }
        ready
    }

    /// A claim goes: its volume is deleted with it (reclaim policy Delete) or Released.
    pub(super) fn delete_claim(&mut self, c: ClaimId) {
        self.ctx.store.claims.forget_name(c);
        self.ctx.store.claims[c].deleted = true;
        if let Some(v) = self.ctx.store.claims[c].volume {
            let volume = &mut self.ctx.store.volumes[v];
            volume.claim = None;
            if volume.spec.reclaim_delete {
                self.delete_volume(v);
            } else {
                volume.released = true;
            }
        }
    }

    pub(super) fn delete_volume(&mut self, v: VolumeId) {
        self.ctx.store.volumes.forget_name(v);
        self.ctx.store.volumes[v].deleted = true;
    }
}

/// A provisioned volume's name after its claim's uid, `pvc-<uid>` (kubesim's uids are made
/// from the claim's row, so they are the same on every run).
fn volume_uid(c: ClaimId) -> String {
    super::scheduling::pod_uid(crate::model::store::PodId(u32::MAX - c.0))
}
