//! Recreate (recreate.go): every old pod goes, and only when none is left does the new
//! ReplicaSet scale up, all at once.

use super::sync::{cleanup, deployment_complete, sync_revision};
use super::{ScaleReason, Sync};

/// rolloutRecreate.
pub(crate) fn rollout_recreate(s: &mut Sync<'_>) {
    sync_revision(s, false);
    let mut scaled_down = false;
    for i in s.old_indices() {
        if s.rss[i].replicas > 0 {
            scaled_down |= s.scale(i, 0, ScaleReason::RecreateOldToZero);
        }
    }
    if scaled_down {
        return;
    }
    if old_pods_running(s) {
        return;
    }
    if s.new_rs.is_none() {
        sync_revision(s, true);
        return;
    }
    if let Some(new) = s.new_rs {
        let replicas = s.d.spec.replicas;
        if s.rss[new].replicas != replicas {
            s.scale(new, replicas, ScaleReason::RecreateNew { replicas });
        }
    }
    if deployment_complete(s.d, &s.rss, s.new_rs) {
        cleanup(s);
    }
}

/// oldPodsRunning: any pod of an old ReplicaSet that has not finished, terminating ones
/// included: Recreate waits until they are gone.
fn old_pods_running(s: &Sync<'_>) -> bool {
    s.old_indices().iter().any(|&i| s.rss[i].pods_existing > 0 || s.rss[i].pods_active > 0)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{rs, view};
    use super::super::{reconcile, Action};
    use crate::model::spec::{DeploymentSpec, DeploymentStrategy, PodTemplate, Selector};
    use crate::model::store::RsId;
    use std::sync::Arc;

    fn recreate_spec(replicas: i32) -> DeploymentSpec {
        DeploymentSpec {
            replicas,
            selector: Selector::default(),
            template: Arc::new(PodTemplate::default()),
            strategy: DeploymentStrategy::Recreate,
            min_ready_seconds: 0,
            revision_history_limit: 10,
            progress_deadline_seconds: 600,
            paused: false,
        }
    }

    #[test]
    fn old_replica_sets_scale_to_zero_first() {
        let spec = recreate_spec(3);
        let view = view(&spec, 3, vec![rs(RsId(0), "old", 0, 3, 3)]);
        let r = reconcile(&view);
        assert!(matches!(r.actions[..], [Action::Scale { from: 3, to: 0, .. }]), "{:?}", r.actions);
    }

    #[test]
    fn no_new_replica_set_while_an_old_pod_is_terminating() {
        let spec = recreate_spec(3);
        let mut old = rs(RsId(0), "old", 0, 0, 0);
        old.pods_existing = 1; // terminating
        let view = view(&spec, 0, vec![old]);
        assert!(reconcile(&view).actions.is_empty());
    }

    #[test]
    fn the_new_replica_set_gets_every_replica_at_once_when_old_pods_are_gone() {
        let spec = recreate_spec(3);
        let mut old = rs(RsId(0), "old", 0, 0, 0);
        old.pods_existing = 0;
        let view = view(&spec, 0, vec![old]);
        let r = reconcile(&view);
        assert!(
            matches!(r.actions[..], [Action::CreateReplicaSet { replicas: 3, revision: 2, .. }]),
            "{:?}",
            r.actions
        );
    }
}
