//! The Deployment strategies keep their promises, checked from the pods' own timelines.

use crate::support::*;
use kubesim::engine::SimTime;

/// Max active pods and min available pods between `from` and the end of the run.
fn extremes(lives: &[PodLife], from: SimTime, min_ready: u64) -> (usize, usize) {
    let points: Vec<SimTime> = change_points(lives, min_ready).into_iter().filter(|&t| t >= from).collect();
    let max_active = points.iter().map(|&t| active_at(lives, t)).max().unwrap_or(0);
    let min_available = points.iter().map(|&t| available_at(lives, t, min_ready)).min().unwrap_or(0);
    (max_active, min_available)
}

#[test]
fn default_strategy_never_exceeds_13_pods_nor_drops_below_8_available() {
    let (_, outcome) = run("scenarios/rolling-update-default.yaml", &[]);
    let lives = lives(&outcome, "web");
    let rollout_start = SimTime(60_000_000);
    let (max_active, min_available) = extremes(&lives, rollout_start, 0);
    assert!(max_active <= 13, "the rollout had {max_active} pods (replicas 10 + maxSurge 3 = 13)");
    assert_eq!(max_active, 13, "the rollout should use its whole surge");
    assert!(min_available >= 8, "only {min_available} pods were available (replicas 10 - maxUnavailable 2 = 8)");
    let end = outcome.end;
    let at_end: Vec<&PodLife> = lives.iter().filter(|l| l.deleted.is_none_or(|d| d > end)).collect();
    assert_eq!(at_end.len(), 10, "10 pods at the end");
    assert!(at_end.iter().all(|l| l.revision == 2), "every pod at the end is of revision 2");
    // The summary says the same.
    let r = &outcome.metrics.rollouts.rollouts[0];
    assert_eq!((r.max_pods, r.min_available), (13, 8));
    assert!(r.completed.is_some(), "the rollout completed");
}

#[test]
fn surge_one_unavailable_one_stays_between_4_and_6() {
    let (_, outcome) = run("scenarios/nginx-rolling-update.yaml", &[]);
    let lives = lives(&outcome, "nginx-dep");
    // Until the scale to 10 at 4m.
    let window: Vec<PodLife> = lives.into_iter().filter(|l| l.created < SimTime(240_000_000)).collect();
    let points: Vec<SimTime> = change_points(&window, 10)
        .into_iter()
        .filter(|&t| t >= SimTime(60_000_000) && t < SimTime(240_000_000))
        .collect();
    let max_active = points.iter().map(|&t| active_at(&window, t)).max().unwrap_or(0);
    let min_available = points.iter().map(|&t| available_at(&window, t, 10)).min().unwrap_or(0);
    assert!(max_active <= 6, "{max_active} pods, more than 5 + maxSurge 1");
    assert!(min_available >= 4, "{min_available} available, fewer than 5 - maxUnavailable 1");
}

#[test]
fn nginx_example_ends_with_ten_pods_of_the_new_image() {
    let (_, outcome) = run("scenarios/nginx-rolling-update.yaml", &[]);
    let store = &outcome.store;
    let live: Vec<_> = store.pods.iter().filter(|p| !p.is_gone() && p.is_active()).collect();
    assert_eq!(live.len(), 10);
    assert!(live.iter().all(|p| p.spec.containers[0].image == "nginx:1.18-alpine" && p.is_ready()));
}

#[test]
fn recreate_starts_no_new_pod_before_the_last_old_one_is_gone() {
    let (_, outcome) = run("scenarios/recreate.yaml", &[]);
    let lives = lives(&outcome, "api");
    let last_old_gone =
        lives.iter().filter(|l| l.revision == 1).filter_map(|l| l.deleted).max().expect("old pods were deleted");
    let first_new = lives.iter().filter(|l| l.revision == 2).map(|l| l.created).min().expect("new pods were created");
    assert!(
        first_new > last_old_gone,
        "a new pod was created at {first_new:?}, before the last old pod was gone at {last_old_gone:?}"
    );
    assert_eq!(lives.iter().filter(|l| l.revision == 2 && l.deleted.is_none()).count(), 6);
}

#[test]
fn scaling_mid_rollout_is_proportional() {
    // The rollout stalls at old 8 / new 5 (13 = 10 + maxSurge 3, none of the new ready).
    // Scaled to 20 with maxSurge 3: 23 allowed, 10 to add. Old gets
    // round(8 * 23 / 13) - 8 = 6, new round(5 * 23 / 13) - 5 = 4: old 14, new 9.
    let (_, outcome) = run("tests/fixtures/good/mid-rollout-scale.yaml", &[]);
    let scaled: Vec<&str> = outcome
        .recorder
        .records
        .iter()
        .filter(|e| e.reason == "ScalingReplicaSet" && e.time >= SimTime(60_000_000))
        .map(|e| e.message.as_str())
        .collect();
    assert_eq!(scaled.len(), 2, "{scaled:?}");
    assert!(scaled[0].ends_with("from 8 to 14"), "{scaled:?}");
    assert!(scaled[1].ends_with("from 5 to 9"), "{scaled:?}");
}

#[test]
fn rollout_undo_returns_to_the_previous_template() {
    let (_, outcome) = run("tests/fixtures/good/undo.yaml", &[]);
    let store = &outcome.store;
    let live: Vec<_> = store.pods.iter().filter(|p| !p.is_gone() && p.is_active()).collect();
    assert_eq!(live.len(), 4);
    assert!(live.iter().all(|p| p.spec.containers[0].image == "app:1"), "undo brought back app:1");
    // The re-used ReplicaSet became revision 3.
    assert!(live.iter().all(|p| p.revision == 3), "{:?}", live.iter().map(|p| p.revision).collect::<Vec<_>>());
}
