//! The replica arithmetic against Argo Rollouts' own cases (utils/replicaset/canary_test.go,
//! each named after the Go test and case it reproduces), and a few syncs of the reconcile.

use super::*;
use crate::model::spec::IntOrPercent::{self, Int, Percent};
use crate::model::spec::{CanarySpec, CanaryStep};

/// TestApproximateWeightedNewStableReplicaCounts: (replicas, weight, maxSurge) -> (canary,
/// stable), every row of the Go table.
#[test]
fn approximate_weighted_new_stable_replica_counts() {
    let table: &[(i32, i32, i32, i32, i32)] = &[
        (0, 0, 0, 0, 0),
        (0, 50, 0, 0, 0),
        (0, 100, 0, 0, 0),
        (0, 0, 1, 0, 0),
        (0, 50, 1, 0, 0),
        (0, 100, 1, 0, 0),
        (1, 0, 0, 0, 1),
        (1, 1, 0, 0, 1),
        (1, 49, 0, 0, 1),
        (1, 50, 0, 1, 0),
        (1, 99, 0, 1, 0),
        (1, 100, 0, 1, 0),
        (1, 0, 1, 0, 1),
        (1, 1, 1, 1, 1),
        (1, 49, 1, 1, 1),
        (1, 50, 1, 1, 1),
        (1, 99, 1, 1, 1),
        (1, 100, 1, 1, 0),
        (2, 0, 0, 0, 2),
        (2, 1, 0, 1, 1),
        (2, 50, 0, 1, 1),
        (2, 99, 0, 1, 1),
        (2, 100, 0, 2, 0),
        (2, 0, 1, 0, 2),
        (2, 1, 1, 1, 2),
        (2, 50, 1, 1, 1),
        (2, 99, 1, 2, 1),
        (2, 100, 1, 2, 0),
        (3, 10, 0, 1, 2),
        (3, 25, 0, 1, 2),
        (3, 33, 0, 1, 2),
        (3, 34, 0, 1, 2),
        (3, 49, 0, 1, 2),
        (3, 50, 0, 2, 1),
        (3, 10, 1, 1, 3),
        (3, 25, 1, 1, 3),
        (3, 33, 1, 1, 2),
        (3, 34, 1, 1, 2),
        (3, 49, 1, 2, 2),
        (3, 50, 1, 2, 2),
        (10, 0, 1, 0, 10),
        (10, 1, 0, 1, 9),
        (10, 14, 0, 1, 9),
        (10, 15, 0, 2, 8),
        (10, 16, 0, 2, 8),
        (10, 99, 0, 9, 1),
        (10, 100, 1, 10, 0),
        (10, 0, 1, 0, 10),
        (10, 1, 1, 1, 10),
        (10, 18, 1, 2, 9),
        (10, 19, 1, 2, 9),
        (10, 20, 1, 2, 8),
        (10, 23, 1, 2, 8),
        (10, 24, 1, 3, 8),
        (10, 25, 1, 3, 8),
        (10, 99, 1, 10, 1),
        (10, 100, 1, 10, 0),
    ];
    for &(replicas, weight, surge, canary, stable) in table {
        assert_eq!(
            approximate_weighted_counts(replicas, weight, surge),
            (canary, stable),
            "replicas {replicas} weight {weight} surge {surge}"
        );
    }
}

/// TestTrafficWeightToReplicas.
#[test]
fn traffic_weight_to_replicas_rounds_up() {
    for (weight, want) in [(0, 0), (20, 2), (25, 3), (33, 4), (99, 10), (100, 10)] {
        assert_eq!(traffic_weight_to_replicas(10, weight), want, "weight {weight}");
    }
}

/// One case of TestCalculateReplicaCountsForCanary (basic canary).
struct Case {
    name: &'static str,
    replicas: i32,
    weight: i32,
    surge: IntOrPercent,
    unavailable: IntOrPercent,
    stable: (i32, i32),
    canary: (i32, i32),
    older: Option<(i32, i32)>,
    want_stable: i32,
    want_canary: i32,
}

#[allow(clippy::too_many_arguments)]
fn case(
    name: &'static str,
    replicas: i32,
    weight: i32,
    surge: IntOrPercent,
    unavailable: IntOrPercent,
    stable: (i32, i32),
    canary: (i32, i32),
    want: (i32, i32),
) -> Case {
    Case {
        name,
        replicas,
        weight,
        surge,
        unavailable,
        stable,
        canary,
        older: None,
        want_stable: want.0,
        want_canary: want.1,
    }
}

fn run(c: &Case) -> (i32, i32) {
    let (surge, unavailable) = fenceposts(&c.surge, &c.unavailable, c.replicas);
    let (canary, stable) = basic_canary_counts(&BasicCanary {
        replicas: c.replicas,
        weight: c.weight,
        max_surge: surge,
        max_unavailable: unavailable,
        canary: Some(Counts { replicas: c.canary.0, available: c.canary.1 }),
        stable: Some(Counts { replicas: c.stable.0, available: c.stable.1 }),
        others_replicas: c.older.map_or(0, |o| o.0),
    });
    (stable, canary)
}

/// TestCalculateReplicaCountsForCanary, the cases without traffic routing: (stable spec,
/// available), (canary spec, available) -> (stable, canary).
#[test]
fn calculate_replica_counts_for_canary() {
    let mut cases = vec![
        case(
            "Do not add extra RSs in scaleDownCount when .Spec.Replica < AvailableReplicas",
            10,
            100,
            Int(3),
            Int(0),
            (7, 8),
            (6, 3),
            (7, 6),
        ),
        case("Use max surge int to scale up canary", 10, 20, Int(2), Int(0), (10, 10), (0, 0), (10, 2)),
        case("Use max surge percentage to scale up canary", 10, 20, Percent(20), Int(0), (10, 10), (0, 0), (10, 2)),
        case("Scale down extra stable replicas", 10, 20, Percent(20), Int(0), (10, 10), (2, 2), (8, 2)),
        case("Do not go past max surge", 10, 30, Int(2), Int(0), (10, 10), (0, 0), (10, 2)),
        case("Use max unavailable int to scale down stableRS", 10, 20, Int(0), Int(2), (10, 10), (0, 0), (8, 0)),
        case("Use max surge percentage to scale down stableRS", 10, 20, Int(0), Percent(20), (10, 10), (0, 0), (8, 0)),
        case("Do not go past max unavailable", 10, 30, Int(0), Int(2), (10, 10), (0, 0), (8, 0)),
        case("Use Max Surge and Max Unavailable", 10, 50, Int(2), Int(1), (10, 10), (0, 0), (9, 2)),
        case("Scale canaryRS to zero on setWeight of 0%", 10, 0, Int(1), Int(1), (10, 10), (1, 1), (10, 0)),
        case("Scale stable to zero on setWeight of 100%", 10, 100, Int(1), Int(1), (1, 1), (10, 10), (0, 10)),
        case("Do not scale newRS down to zero on non-zero weight", 1, 20, Int(1), Int(0), (1, 1), (0, 0), (1, 1)),
        case("Do not scale canaryRS down to zero on non-100 weight", 1, 90, Int(1), Int(0), (1, 1), (0, 0), (1, 1)),
        case("Scale down newRS and stable", 10, 30, Int(0), Int(3), (8, 5), (4, 4), (7, 3)),
        case("Scale down stable and canary available", 10, 100, Int(1), Int(0), (10, 2), (10, 8), (2, 9)),
        case(
            "Do not round past maxSurge with uneven setWeight divisor",
            10,
            5,
            Int(0),
            Int(1),
            (10, 10),
            (0, 0),
            (9, 0),
        ),
        case(
            "Do not round past maxSurge with uneven setWeight divisor (part 2)",
            10,
            5,
            Int(0),
            Int(1),
            (9, 9),
            (0, 0),
            (9, 1),
        ),
        case(
            "Use maxUnavailable of 1 when percentage of maxUnavailable and maxSurge result in 0 replicas",
            10,
            10,
            Percent(0),
            Percent(0),
            (10, 10),
            (0, 0),
            (9, 0),
        ),
        case(
            "honor maxSurge during scale up when stableRS unavailable",
            4,
            100,
            Int(1),
            Int(0),
            (4, 1),
            (0, 0),
            (4, 1),
        ),
        case("scale down to maxunavailable without exceeding maxSurge", 3, 99, Int(0), Int(2), (3, 3), (0, 0), (1, 0)),
        case(
            "scale down to maxunavailable without exceeding maxSurge (part 2)",
            3,
            99,
            Int(0),
            Int(2),
            (1, 1),
            (0, 0),
            (1, 2),
        ),
        case(
            "honor maxUnavailable during scale down stableRS unavailable",
            4,
            100,
            Int(1),
            Int(0),
            (4, 1),
            (1, 1),
            (3, 1),
        ),
        case(
            "honor maxUnavailable when aborting or reducing weight part 1",
            4,
            0,
            Int(1),
            Int(0),
            (0, 0),
            (4, 4),
            (1, 4),
        ),
        case(
            "honor maxUnavailable when aborting or reducing weight part 2",
            4,
            0,
            Int(1),
            Int(0),
            (1, 0),
            (4, 4),
            (1, 4),
        ),
        case(
            "honor maxUnavailable when aborting or reducing weight part 3",
            4,
            0,
            Int(1),
            Int(0),
            (1, 1),
            (4, 4),
            (1, 3),
        ),
        // promoteFull: the weight is 100 whatever the step says.
        case("promote full does not consider weight", 4, 100, Int(4), Int(4), (4, 4), (0, 0), (0, 4)),
        case("promote full still honors maxSurge/maxUnavailable", 4, 100, Int(3), Int(0), (4, 4), (0, 0), (4, 3)),
    ];
    let mut older = |name, replicas, weight, surge, unavailable, stable, canary, want| {
        let mut c = case(name, replicas, weight, surge, unavailable, stable, canary, want);
        c.older = Some((3, 3));
        cases.push(c);
    };
    older("Scale up Stable before newRS", 10, 30, Int(1), Int(0), (1, 1), (0, 0), (7, 1));
    older(
        "Do not scale down newRS or stable when older RS count >= scaleDownCount",
        10,
        30,
        Int(0),
        Int(1),
        (8, 6),
        (4, 2),
        (8, 4),
    );
    for c in &cases {
        assert_eq!(run(c), (c.want_stable, c.want_canary), "{} (stable, canary)", c.name);
    }
}

/// TestCalculateReplicaCountsForNewDeployment and ...StableRSdEdgeCases: without a stable
/// ReplicaSet the canary takes every replica.
#[test]
fn calculate_replica_counts_without_stable() {
    let counts = basic_canary_counts(&BasicCanary {
        replicas: 10,
        weight: 10,
        max_surge: 0,
        max_unavailable: 1,
        canary: Some(Counts { replicas: 9, available: 9 }),
        stable: None,
        others_replicas: 0,
    });
    assert_eq!(counts, (10, 0));
}

fn routed_status(step_index: usize) -> RolloutStatus {
    RolloutStatus { step_index, ..RolloutStatus::default() }
}

/// TestCalculateReplicaCountsForCanaryTrafficRouting and the setCanaryScale cases of
/// TestCalculateReplicaCountsForCanary: with traffic routing the stable stays at full size.
#[test]
fn traffic_routed_counts() {
    let weight = |w| vec![CanaryStep::SetWeight(w)];
    assert_eq!(routed_canary_counts(10, &weight(10), &routed_status(0), false), (1, 10));
    let scale =
        |replicas, weight, matching| CanaryStep::SetCanaryScale { replicas, weight, match_traffic_weight: matching };
    // "For canary replicas, use setCanaryScale.replicas when specified along with trafficRouting"
    let steps = vec![CanaryStep::SetWeight(100), scale(Some(9), None, false)];
    assert_eq!(routed_canary_counts(1, &steps, &routed_status(1), false), (9, 1));
    // "Use setCanaryScale.weight for canary replicas" (weight 200 of 4 replicas: 8).
    let steps = vec![CanaryStep::SetWeight(100), scale(None, Some(200), false)];
    assert_eq!(routed_canary_counts(4, &steps, &routed_status(1), false), (8, 4));
    // "Ignore setCanaryScale replicas/weight when matchTrafficWeight is true"
    let steps = vec![scale(Some(9), None, false), CanaryStep::SetWeight(20), scale(None, None, true)];
    assert_eq!(routed_canary_counts(10, &steps, &routed_status(2), false), (2, 10));
    // "aborted with abortScaleDownDelaySeconds>0 and setCanaryScale": the canary goes.
    let aborted = RolloutStatus { abort: true, ..routed_status(0) };
    assert_eq!(routed_canary_counts(1, &[scale(Some(1), None, false)], &aborted, false), (0, 1));
}

#[test]
fn current_set_weight_looks_back_to_the_last_set_weight() {
    let steps = [
        CanaryStep::SetWeight(20),
        CanaryStep::Pause(None),
        CanaryStep::SetWeight(50),
        CanaryStep::Pause(Some((SimDuration::from_secs(60), "1m".into()))),
    ];
    assert_eq!(current_set_weight(&steps, 0, false), 20);
    assert_eq!(current_set_weight(&steps, 1, false), 20);
    assert_eq!(current_set_weight(&steps, 3, false), 50);
    assert_eq!(current_set_weight(&steps, 4, false), 100);
    assert_eq!(current_set_weight(&steps, 3, true), 0);
    assert_eq!(step_string(&steps[3]), "pause: 1m");
    assert_eq!(step_string(&steps[1]), "pause");
    assert_eq!(step_string(&steps[0]), "setWeight: 20");
}

fn canary_spec(steps: Vec<CanaryStep>) -> RolloutStrategy {
    RolloutStrategy::Canary(CanarySpec {
        steps,
        max_surge: Int(1),
        max_unavailable: Int(0),
        canary_service: None,
        stable_service: None,
        stable_ingress: None,
        scale_down_delay_seconds: 30,
        analysis: None,
    })
}

fn rs(id: RsId, hash: &str, revision: i64, replicas: i32, available: i32) -> RsView {
    RsView { id, name: format!("web-{hash}"), hash: hash.into(), revision, replicas, created: replicas, available }
}

const LATENCY: SimDuration = SimDuration::from_millis(10);

/// The first sync creates the ReplicaSet; the next makes it stable and scales it to full
/// size without steps; a new template then starts at step 0 with one surge pod.
#[test]
fn initial_deploy_skips_the_steps_and_an_update_starts_them() {
    let strategy = canary_spec(vec![CanaryStep::SetWeight(20), CanaryStep::Pause(None)]);
    let mut view = RolloutView {
        name: "web",
        replicas: 10,
        template_hash: "a",
        strategy: &strategy,
        analysis: &super::analysis::rollout::NoAnalysis,
        replica_sets: vec![],
        now: SimTime::ZERO,
    };
    let d = reconcile(&view, &RolloutStatus::default(), LATENCY);
    assert!(d.actions.contains(&Action::CreateReplicaSet { revision: 1 }), "{:?}", d.actions);
    view.replica_sets = vec![rs(RsId(0), "a", 1, 0, 0)];
    let d = reconcile(&view, &d.status, LATENCY);
    assert!(d.actions.contains(&Action::Scale { rs: RsId(0), to: 10 }), "{:?}", d.actions);
    assert_eq!(d.status.stable_hash.as_deref(), Some("a"));
    view.replica_sets = vec![rs(RsId(0), "a", 1, 10, 10)];
    let d = reconcile(&view, &d.status, LATENCY);
    assert_eq!(d.status.phase, Phase::Healthy);
    view.template_hash = "b";
    view.replica_sets.push(rs(RsId(1), "b", 2, 0, 0));
    let d = reconcile(&view, &d.status, LATENCY);
    assert_eq!(d.status.step_index, 0);
    assert!(d.actions.contains(&Action::Scale { rs: RsId(1), to: 1 }), "{:?}", d.actions);
}

/// At the canary's weight the step completes; the indefinite pause then holds until
/// `promote` releases it.
#[test]
fn pause_without_duration_waits_for_promote() {
    let strategy = canary_spec(vec![CanaryStep::SetWeight(20), CanaryStep::Pause(None), CanaryStep::SetWeight(100)]);
    let status = RolloutStatus { current_hash: "b".into(), stable_hash: Some("a".into()), ..Default::default() };
    let view = RolloutView {
        name: "web",
        replicas: 10,
        template_hash: "b",
        strategy: &strategy,
        analysis: &super::analysis::rollout::NoAnalysis,
        replica_sets: vec![rs(RsId(0), "a", 1, 8, 8), rs(RsId(1), "b", 2, 2, 2)],
        now: SimTime::ZERO + SimDuration::from_secs(5),
    };
    let d = reconcile(&view, &status, LATENCY);
    assert_eq!(d.status.step_index, 1, "{:?}", d.actions);
    let d = reconcile(&view, &d.status, LATENCY);
    assert_eq!(d.status.pause, Pause::Since(view.now));
    assert_eq!(d.status.phase, Phase::Paused);
    let later = RolloutView { now: view.now + SimDuration::from_secs(3600), ..view };
    let held = reconcile(&later, &d.status, LATENCY);
    assert_eq!(held.status.step_index, 1);
    let released = RolloutStatus { pause: Pause::Released, ..held.status };
    let d = reconcile(&later, &released, LATENCY);
    assert_eq!(d.status.step_index, 2);
}
