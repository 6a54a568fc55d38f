//! Runs the StatefulSet controller (`controllers::statefulset`) against the store: pods
//! named by ordinal, each from the revision the controller picks, with the
//! `controller-revision-hash`, `statefulset.kubernetes.io/pod-name` and
//! `apps.kubernetes.io/pod-index` labels.

use super::objects::ApiError;
use super::{ControllerEvent, Event, Sim};
use crate::controllers::deployment::util::pod_template_hash;
use crate::controllers::statefulset::{self, SetPod, SetRules};
use crate::engine::SimDuration;
use crate::model::spec::{Kind, Labels, ObjectRef, PodTemplate, StatefulSetSpec};
use crate::model::store::{PodOwner, PodPhase, SetRevision, StatefulSet, StatefulSetId};
use std::collections::BTreeMap;
use std::sync::Arc;

const REVISION_HASH: &str = "controller-revision-hash";
const POD_INDEX: &str = "apps.kubernetes.io/pod-index";

/// The ControllerRevision of `template`: an existing one, or a new one with the next number.
/// An earlier template coming back becomes the newest revision again, as in Kubernetes.
fn revision_for(set: &mut StatefulSet, template: &Arc<PodTemplate>) -> usize {
    let name = format!("{}-{}", set.name, pod_template_hash(template, 0));
    let next = set.revisions.iter().map(|r| r.revision).max().unwrap_or(0) + 1;
    if let Some(i) = set.revisions.iter().position(|r| r.name == name) {
        if i != set.update {
            set.revisions[i].revision = next;
        }
        return i;
    }
    set.revisions.push(SetRevision { name, revision: next, template: template.clone() });
    set.revisions.len() - 1
}

impl Sim<'_> {
    pub(super) fn create_stateful_set(&mut self, ns: &str, name: &str, labels: &Labels, spec: &StatefulSetSpec) {
        let mut set = StatefulSet {
            namespace: ns.to_string(),
            name: name.to_string(),
            labels: labels.clone(),
            spec: spec.clone(),
            current: 0,
            update: 0,
            revisions: Vec::new(),
            pods: BTreeMap::new(),
            status: Default::default(),
            deleted: false,
        };
        set.update = revision_for(&mut set, &spec.template);
        set.current = set.update;
        let id = self.ctx.store.add_stateful_set(set);
        self.enqueue_stateful_set(id);
    }

    /// A new spec (`kubectl apply`, `scale`, `set image`): a changed template is the new
    /// update revision; the selector may not change.
    pub(crate) fn update_stateful_set(&mut self, id: StatefulSetId, spec: &StatefulSetSpec) -> Result<(), ApiError> {
        let set = &mut self.ctx.store.stateful_sets[id];
        // pkg/apis/apps/validation/validation.go `ValidateStatefulSetUpdate`: of the fields
        // kubesim keeps, only replicas, template, updateStrategy and minReadySeconds may change.
        if set.spec.selector != spec.selector || set.spec.ordered != spec.ordered {
            return Err(ApiError::invalid(
                "StatefulSet",
                &set.name,
                "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
            ));
        }
        set.spec = spec.clone();
        set.update = revision_for(set, &spec.template);
        self.enqueue_stateful_set(id);
        Ok(())
    }

    pub(super) fn enqueue_stateful_set(&mut self, id: StatefulSetId) {
        if self.ctx.store.stateful_sets[id].deleted {
            return;
        }
        let latency = self.ctx.latency();
        self.sync_queues
            .stateful_sets
            .add_after(id, latency, &mut self.ctx.kernel, |k| Event::Controller(ControllerEvent::SyncStatefulSet(k)));
    }

    pub(super) fn sync_stateful_set(&mut self, id: StatefulSetId) {
        if !self.ctx.store.stateful_sets[id].deleted {
            self.claim_set_pods(id);
        }
        let set = &self.ctx.store.stateful_sets[id];
        if set.deleted {
            return;
        }
        let now = self.ctx.kernel.now();
        let min_ready = set.spec.min_ready_seconds;
        let (update, current) = (&set.revisions[set.update].name, &set.revisions[set.current].name);
        let pods: Vec<SetPod> = set
            .pods
            .iter()
            .map(|(&ordinal, &pod)| {
                let p = &self.ctx.store.pods[pod];
                let hash = p.labels.get(REVISION_HASH);
                SetPod {
                    id: pod,
                    ordinal,
                    updated: hash == Some(update),
                    current: hash == Some(current),
                    terminating: p.terminating.is_some(),
                    failed: matches!(p.phase, PodPhase::Failed | PodPhase::Succeeded),
                    running_and_ready: p.phase == PodPhase::Running && p.is_ready(),
                    available: p.is_available(min_ready, now),
                }
            })
            .collect();
        // A pod Ready but not yet available (minReadySeconds) is looked at again then.
        let recheck = set
            .pods
            .values()
            .filter_map(|&p| self.ctx.store.pods[p].ready_since)
            .map(|t| t + SimDuration::from_secs(u64::try_from(min_ready).unwrap_or(0)))
            .filter(|&t| t > now)
            .min();
        // getStatefulSetMaxUnavailable: scaled down, at least 1.
        let max_unavailable = set
            .spec
            .max_unavailable
            .as_ref()
            .map(|m| crate::controllers::deployment::util::resolve(m, set.spec.replicas.max(0), false).max(1));
        let rules = SetRules {
            replicas: set.spec.replicas,
            ordered: set.spec.ordered,
            rolling_partition: set.spec.rolling_partition,
            max_unavailable,
        };
        let sync = statefulset::reconcile(&rules, &pods);
        let set_name = set.name.clone();
        let object =
            ObjectRef { kind: Kind::StatefulSet, namespace: set.namespace.clone(), name: set_name.clone() }.to_string();
        let (replicas, delete_scaled_claims) = (set.spec.replicas, set.spec.claim_retention.delete_when_scaled);
        for pod in sync.delete {
            let name = self.ctx.store.pods[pod].name.clone();
            self.delete_pod(pod);
            // whenScaled: Delete (the claims of an ordinal scaled away go with its pod).
            let ordinal = self.ctx.store.stateful_sets[id].pods.iter().find(|(_, &p)| p == pod).map(|(&o, _)| o);
            let ordinal = ordinal.or_else(|| name.rsplit_once('-').and_then(|(_, o)| o.parse().ok()));
            if let Some(o) = ordinal.filter(|&o| delete_scaled_claims && o >= replicas) {
                for c in self.set_claims(id, Some(o)) {
                    self.delete_claim(c);
                }
            }
            let message = format!("delete Pod {name} in StatefulSet {set_name} successful");
            self.ctx.recorder.normal(now, "SuccessfulDelete", object.clone(), message);
        }
        let mut failed = false;
        for new in sync.create {
            match self.create_set_pod(id, new.ordinal, new.update_revision) {
                Ok(name) => {
                    let message = format!("create Pod {name} in StatefulSet {set_name} successful");
                    self.ctx.recorder.normal(now, "SuccessfulCreate", object.clone(), message);
                }
                // stateful_pod_control.go CreateStatefulPod: "sink already exists errors"
                // (a pod released by the set keeps its name): no event, but the sync fails
                // and the set is requeued on its back-off until the name is free.
                Err((_, ApiError::AlreadyExists { .. })) => {
                    failed = true;
                    break;
                }
                // recordPodEvent: the refusal as a Warning; the sync ends there and the set
                // is requeued on its back-off.
                Err((name, e)) => {
                    let message =
                        format!("create Pod {name} in StatefulSet {set_name} failed error: {}", e.status_message());
                    self.ctx.recorder.warning(now, "FailedCreate", object.clone(), message);
                    failed = true;
                    break;
                }
            }
        }
        if failed {
            let delay = self.sync_queues.ss_backoff.when(id);
            let sync = |k| Event::Controller(ControllerEvent::SyncStatefulSet(k));
            self.sync_queues.stateful_sets.add_after(id, delay, &mut self.ctx.kernel, sync);
        } else {
            self.sync_queues.ss_backoff.forget(id);
        }
        let set = &mut self.ctx.store.stateful_sets[id];
        set.status = sync.status;
        if sync.update_complete {
            set.current = set.update;
        }
        if let Some(at) = recheck {
            self.ctx.kernel.schedule_at(at, Event::Controller(ControllerEvent::SyncStatefulSet(id)));
        }
    }

    /// The pod of `ordinal`: `<set>-<ordinal>`, from the update or the current revision.
    fn create_set_pod(
        &mut self,
        id: StatefulSetId,
        ordinal: i32,
        update_revision: bool,
    ) -> Result<String, (String, ApiError)> {
        let set = &self.ctx.store.stateful_sets[id];
        let revision = &set.revisions[if update_revision { set.update } else { set.current }];
        let name = format!("{}-{ordinal}", set.name);
        let ns = set.namespace.clone();
        let mut labels = revision.template.labels.clone();
        labels.insert(REVISION_HASH.to_string(), revision.name.clone());
        labels.insert("statefulset.kubernetes.io/pod-name".to_string(), name.clone());
        labels.insert(POD_INDEX.to_string(), ordinal.to_string());
        let mut spec = revision.template.spec.clone();
        let cost = super::objects::pod_annotations(&revision.template.annotations);
        let number = revision.revision;
        for claim in self.create_set_claims(id, ordinal, &name) {
            if !spec.claims.contains(&claim) {
                spec.claims.push(claim);
            }
        }
        // The API server refuses a second pod of the name (a pod the set released keeps it).
        if self.ctx.store.find_pod(&ns, &name).is_some() {
            return Err((name.clone(), ApiError::already_exists(format!("pods \"{name}\""))));
        }
        let spec = match self.admit_pod(&ns, &name, Arc::new(spec)) {
            Ok(spec) => spec,
            Err(e) => return Err((name, e)),
        };
        let pod = self.create_pod(&ns, &name, labels, cost, spec, Some(PodOwner::StatefulSet(id)), number);
        if self.ctx.store.pods[pod].deleted.is_none() {
            self.ctx.store.stateful_sets[id].pods.insert(ordinal, pod);
        }
        Ok(name)
    }

    /// The claims of the pod of `ordinal` (`TEMPLATE-SET-ORDINAL`), made when missing
    /// (stateful_pod_control.go `createPersistentVolumeClaims`), with the template's labels
    /// and the set's selector; their names, for the pod's volumes (`updateStorage`).
    fn create_set_claims(&mut self, id: StatefulSetId, ordinal: i32, pod_name: &str) -> Vec<String> {
        let set = &self.ctx.store.stateful_sets[id];
        let (ns, set_name) = (set.namespace.clone(), set.name.clone());
        let templates = set.spec.claim_templates.clone();
        let selector_labels = set.spec.selector.match_labels.clone();
        let mut names = Vec::new();
        for t in templates {
            let name = format!("{}-{set_name}-{ordinal}", t.name);
            let key = crate::model::store::namespaced_key(&ns, &name);
            if self.ctx.store.claims.find(&key).is_none() {
                let mut labels = t.labels.clone();
                labels.extend(selector_labels.clone());
                self.create_claim(&ns, &name, &labels, &t.spec, Some(id));
                let object = ObjectRef { kind: Kind::StatefulSet, namespace: ns.clone(), name: set_name.clone() };
                let message = format!("create Claim {name} Pod {pod_name} in StatefulSet {set_name} success");
                self.ctx.recorder.normal(self.ctx.kernel.now(), "SuccessfulCreate", object.to_string(), message);
            }
            names.push(name);
        }
        names
    }

    /// The claims the set made for `ordinal`, or for every ordinal (None).
    fn set_claims(&self, id: StatefulSetId, ordinal: Option<i32>) -> Vec<crate::model::store::ClaimId> {
        let set = &self.ctx.store.stateful_sets[id];
        let suffix = ordinal.map(|o| format!("-{}-{o}", set.name));
        self.ctx
            .store
            .claims
            .live()
            .filter(|&c| {
                let claim = &self.ctx.store.claims[c];
                claim.stateful_set == Some(id) && suffix.as_ref().is_none_or(|s| claim.name.ends_with(s.as_str()))
            })
            .collect()
    }

    /// `kubectl delete statefulset/NAME`: the set and its pods; its claims stay unless its
    /// `persistentVolumeClaimRetentionPolicy.whenDeleted` is Delete.
    pub(super) fn delete_stateful_set(&mut self, id: StatefulSetId) {
        let pods: Vec<_> = self.ctx.store.stateful_sets[id].pods.values().copied().collect();
        let delete_claims = self.ctx.store.stateful_sets[id].spec.claim_retention.delete_when_deleted;
        self.ctx.store.remove_stateful_set(id);
        for p in pods {
            self.delete_pod(p);
        }
        if delete_claims {
            for c in self.set_claims(id, None) {
                self.delete_claim(c);
            }
        }
    }
}
