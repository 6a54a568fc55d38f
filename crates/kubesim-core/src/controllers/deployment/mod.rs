//! The Deployment controller (pkg/controller/deployment), as pure decisions.
//!
//! `reconcile` reads a snapshot of one Deployment and its ReplicaSets and returns the
//! writes the real controller would make in one sync: create the new ReplicaSet, scale
//! ReplicaSets, bump revisions, delete old ReplicaSets. One kind of change per pass; the
//! next sync, woken by the watch events those writes cause, does the rest.

pub mod progress;
pub mod recreate;
pub mod rollback;
pub mod rolling;
pub mod scale_reason;
pub mod sync;
pub mod util;

use crate::engine::SimTime;
use crate::model::spec::{DeploymentSpec, DeploymentStrategy};
use crate::model::store::RsId;
pub use scale_reason::ScaleReason;

/// One ReplicaSet as the Deployment controller sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RsView {
    /// None for the ReplicaSet this sync decided to create.
    pub id: Option<RsId>,
    pub name: String,
    pub revision: i64,
    pub created: SimTime,
    pub template_hash: String,
    /// `spec.replicas`.
    pub replicas: i32,
    /// `status.availableReplicas`.
    pub available: i32,
    /// `status.replicas`: active pods (not terminating, not finished).
    pub pods_active: i32,
    /// Pods of this ReplicaSet that still exist and have not finished, terminating ones
    /// included (what Recreate waits for).
    pub pods_existing: i32,
    pub desired_annotation: Option<i32>,
    pub max_annotation: Option<i32>,
}

/// A Deployment and its ReplicaSets, oldest ReplicaSet first.
#[derive(Clone, Debug)]
pub struct DeploymentView<'a> {
    pub name: &'a str,
    pub spec: &'a DeploymentSpec,
    pub template_hash: &'a str,
    /// `status.replicas`, the fallback when a ReplicaSet lacks its max-replicas annotation.
    pub status_replicas: i32,
    pub replica_sets: Vec<RsView>,
}

/// Which ReplicaSet an action is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RsRef {
    Existing(RsId),
    /// The one created by this sync's `CreateReplicaSet`.
    New,
}

/// A write the controller makes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Create `<deployment>-<hash>` from the Deployment's template.
    CreateReplicaSet { name: String, replicas: i32, revision: i64, desired: i32, max: i32, reason: ScaleReason },
    /// Set `spec.replicas` (and the desired/max-replicas annotations); an event when the size changes.
    Scale { rs: RsRef, name: String, from: i32, to: i32, desired: i32, max: i32, reason: ScaleReason },
    /// Set the revision annotation (a re-used ReplicaSet becomes the newest revision).
    SetRevision { rs: RsId, revision: i64 },
    /// Delete an old ReplicaSet beyond revisionHistoryLimit.
    DeleteReplicaSet { rs: RsId },
}

/// What one sync decided.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncResult {
    pub actions: Vec<Action>,
    /// True when the rollout is complete (every replica updated and available).
    pub complete: bool,
}

/// Working state of one sync: the view, updated as actions are taken, plus the actions.
pub(crate) struct Sync<'a> {
    pub d: &'a DeploymentView<'a>,
    pub rss: Vec<RsView>,
    pub actions: Vec<Action>,
    /// Index in `rss` of the new ReplicaSet, if there is one.
    pub new_rs: Option<usize>,
}

impl<'a> Sync<'a> {
    fn new(d: &'a DeploymentView<'a>) -> Self {
        let mut rss = d.replica_sets.clone();
        rss.sort_by(|a, b| a.created.cmp(&b.created).then_with(|| a.name.cmp(&b.name)));
        let new_rs = rss.iter().position(|rs| rs.template_hash == d.template_hash);
        Sync { d, rss, actions: Vec::new(), new_rs }
    }

    /// Indices of the old ReplicaSets, oldest first.
    pub fn old_indices(&self) -> Vec<usize> {
        (0..self.rss.len()).filter(|&i| Some(i) != self.new_rs).collect()
    }

    pub fn replicas_of(&self, idx: &[usize]) -> i32 {
        idx.iter().map(|&i| self.rss[i].replicas).sum()
    }

    pub fn available_of(&self, idx: &[usize]) -> i32 {
        idx.iter().map(|&i| self.rss[i].available).sum()
    }

    pub fn all_indices(&self) -> Vec<usize> {
        (0..self.rss.len()).collect()
    }

    /// scaleReplicaSet: sets the size and the replica annotations; records the action (with
    /// the reason for the size) when either changes. Returns true if the size changed.
    pub fn scale(&mut self, i: usize, to: i32, reason: ScaleReason) -> bool {
        let desired = self.d.spec.replicas;
        let max = desired + util::max_surge(self.d.spec);
        let rs = &mut self.rss[i];
        let size_changed = rs.replicas != to;
        let annotations_changed = rs.desired_annotation != Some(desired) || rs.max_annotation != Some(max);
        if size_changed || annotations_changed {
            let rs_ref = rs.id.map_or(RsRef::New, RsRef::Existing);
            let name = rs.name.clone();
            self.actions.push(Action::Scale { rs: rs_ref, name, from: rs.replicas, to, desired, max, reason });
            rs.replicas = to;
            rs.desired_annotation = Some(desired);
            rs.max_annotation = Some(max);
        }
        size_changed
    }

    pub fn finish(self) -> SyncResult {
        let complete = sync::deployment_complete(self.d, &self.rss, self.new_rs);
        SyncResult { actions: self.actions, complete }
    }
}

/// One sync of a Deployment (syncDeployment): scaling events and paused Deployments only
/// scale; otherwise the strategy rolls out.
pub fn reconcile(d: &DeploymentView<'_>) -> SyncResult {
    let mut s = Sync::new(d);
    if d.spec.paused {
        sync::sync_revision(&mut s, false);
        sync::scale(&mut s);
        return s.finish();
    }
    if sync::is_scaling_event(&s) {
        sync::sync_revision(&mut s, false);
        sync::scale(&mut s);
        return s.finish();
    }
    match d.spec.strategy {
        DeploymentStrategy::Recreate => recreate::rollout_recreate(&mut s),
        DeploymentStrategy::RollingUpdate { .. } => rolling::rollout_rolling(&mut s),
    }
    s.finish()
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::*;
    use crate::model::spec::{IntOrPercent, PodTemplate, Selector};
    use std::sync::Arc;

    pub fn rolling_spec(replicas: i32, surge: IntOrPercent, unavailable: IntOrPercent) -> DeploymentSpec {
        DeploymentSpec {
            replicas,
            selector: Selector::default(),
            template: Arc::new(PodTemplate::default()),
            strategy: DeploymentStrategy::RollingUpdate { max_surge: surge, max_unavailable: unavailable },
            min_ready_seconds: 0,
            revision_history_limit: 10,
            progress_deadline_seconds: 600,
            paused: false,
        }
    }

    /// Deployment `web` whose current template hash is `new`.
    pub fn view(spec: &DeploymentSpec, status_replicas: i32, replica_sets: Vec<RsView>) -> DeploymentView<'_> {
        DeploymentView { name: "web", spec, template_hash: "new", status_replicas, replica_sets }
    }

    /// A ReplicaSet `name` (its hash is its name) created at `created` seconds.
    pub fn rs(id: RsId, name: &str, created: u64, replicas: i32, available: i32) -> RsView {
        RsView {
            id: Some(id),
            name: name.to_string(),
            revision: i64::from(id.0) + 1,
            created: SimTime(created * 1_000_000),
            template_hash: name.to_string(),
            replicas,
            available,
            pods_active: available,
            pods_existing: replicas,
            desired_annotation: None,
            max_annotation: None,
        }
    }

    /// Sizes after applying `actions` to `rss` (by name).
    pub fn sizes_after(rss: &[RsView], actions: &[Action]) -> Vec<(String, i32)> {
        let mut sizes: Vec<(String, i32)> = rss.iter().map(|r| (r.name.clone(), r.replicas)).collect();
        for a in actions {
            match a {
                Action::Scale { name, to, .. } => {
                    if let Some(e) = sizes.iter_mut().find(|(n, _)| n == name) {
                        e.1 = *to;
                    }
                }
                Action::CreateReplicaSet { name, replicas, .. } => sizes.push((name.clone(), *replicas)),
                _ => {}
            }
        }
        sizes
    }
}
