//! Rollouts keep their promises: pods within replicas + maxSurge, available pods above
//! replicas - maxUnavailable, and Recreate's old pods gone before a new one is created.

use super::*;
use crate::support::{active_at, available_at, change_points, lives};

fn rolling_bounds(case: &Case, outcome: &Outcome) -> Result<(), TestCaseError> {
    for (i, d) in case.deps.iter().enumerate() {
        let name = NAMES[i];
        let replicas = d.replicas;
        let (surge, unavailable) = resolve(&d.strategy, replicas);
        let min_ready = d.min_ready_seconds as u64;
        let lives = lives(outcome, name);
        let points = change_points(&lives, min_ready);
        for &p in &points {
            let active = active_at(&lives, p) as i32;
            prop_assert!(
                active <= replicas + surge,
                "{name}: {active} pods not terminating at {p:?}, more than replicas {replicas} + maxSurge {surge}"
            );
        }
        // The lower bound holds once every replica was available, if that happened before
        // the first command for this Deployment, and only with minReadySeconds 0. With
        // minReadySeconds > 0 Kubernetes guarantees neither available nor Ready pods: the
        // Deployment controller asks an old ReplicaSet to shed its unavailable pods (Ready but
        // not yet available costs nothing, it reasons), while the ReplicaSet controller ranks
        // victims by readiness, node doubling-up and ready time (ActivePodsWithRanks), never
        // by minReadySeconds: it may delete an available pod instead, and either way a Ready
        // pod goes. Overlapping rollouts with minReadySeconds 14 showed both (found by this
        // property; kubesim follows Kubernetes there).
        if min_ready > 0 {
            continue;
        }
        let first_cmd = case.timeline.iter().find(|c| c.dep == i).map_or(SimTime::MAX, |c| t(c.at_s));
        let full = points.iter().copied().find(|&p| available_at(&lives, p, 0) as i32 >= replicas);
        if let Some(full) = full.filter(|&f| f < first_cmd) {
            for &p in points.iter().filter(|&&p| p >= full) {
                let count = available_at(&lives, p, 0) as i32;
                prop_assert!(
                    count >= replicas - unavailable,
                    "{name}: {count} pods available at {p:?}, fewer than replicas {replicas} - maxUnavailable \
                     {unavailable} (all available since {full:?})"
                );
            }
        }
    }
    Ok(())
}

/// Rolling-update cases: RollingUpdate only, template changes only, after 90 s, with room.
fn rolling_case() -> impl Strategy<Value = Case> {
    case(StrategyKind::Rolling, Commands::TemplateOnly, 90).prop_map(Case::with_room)
}

proptest! {
    #![proptest_config(config())]

    /// Property 1: during rolling updates the pods not terminating never exceed replicas +
    /// maxSurge, and once all replicas were available (before the first command), available
    /// pods (Ready pods when minReadySeconds > 0, see `rolling_bounds`) never drop below
    /// replicas - maxUnavailable.
    #[test]
    fn rollout_stays_within_surge_and_unavailable_bounds(case in rolling_case()) {
        let outcome = kubesim::simulate(&case.scenario(), None);
        rolling_bounds(&case, &outcome)?;
    }

    /// Property 6: with Recreate, no pod of a newer revision is created while a pod of an
    /// older revision still exists (no scale, no undo, no template coming back).
    #[test]
    fn recreate_creates_no_new_pod_while_an_old_one_exists(
        case in case(StrategyKind::Recreate, Commands::NoScaleNoUndo, 0)
    ) {
        let outcome = kubesim::simulate(&case.scenario(), None);
        for name in NAMES.iter().take(case.deps.len()) {
            let lives = lives(&outcome, name);
            for new in &lives {
                for old in lives.iter().filter(|o| o.revision < new.revision) {
                    prop_assert!(
                        old.deleted.is_some_and(|d| d <= new.created),
                        "{name}: a pod of revision {} was created at {:?} while one of revision {} (created {:?}) \
                         was deleted only at {:?}",
                        new.revision, new.created, old.revision, old.created, old.deleted
                    );
                }
            }
        }
    }
}

/// The test's own reading of maxSurge and maxUnavailable, on the reference's examples.
#[test]
fn resolve_follows_kubernetes_fenceposts() {
    let ru = |s: IntOrPercent, u: IntOrPercent| DeploymentStrategy::RollingUpdate { max_surge: s, max_unavailable: u };
    use IntOrPercent::{Int, Percent};
    assert_eq!(resolve(&ru(Percent(25), Percent(25)), 10), (3, 2));
    assert_eq!(resolve(&ru(Percent(39), Percent(39)), 10), (4, 3));
    assert_eq!(resolve(&ru(Int(1), Int(1)), 5), (1, 1));
    assert_eq!(resolve(&ru(Percent(25), Percent(25)), 1), (1, 0));
    assert_eq!(resolve(&ru(Int(0), Percent(25)), 4), (0, 1));
    assert_eq!(resolve(&ru(Percent(10), Percent(10)), 3), (1, 0));
    assert_eq!(resolve(&ru(Percent(25), Percent(25)), 0), (0, 1));
}
