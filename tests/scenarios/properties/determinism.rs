//! Determinism: the same scenario simulated twice gives identical pods and events.

use super::*;

/// Everything about the pods that a run should reproduce exactly.
type PodRow = (String, Option<String>, i64, String, [Option<SimTime>; 7]);

fn pod_rows(store: &Store) -> Vec<PodRow> {
    store
        .pods
        .iter()
        .map(|p| {
            let node = p.node.map(|n| store.nodes()[n].name.clone());
            let times =
                [Some(p.created), p.scheduled, p.started, p.first_ready, p.ready_since, p.terminating, p.deleted];
            (p.name.clone(), node, p.revision, p.phase.as_str().to_string(), times)
        })
        .collect()
}

proptest! {
    #![proptest_config(config())]

    /// Property 4: the same scenario simulated twice gives identical pods and events.
    #[test]
    fn same_scenario_twice_gives_identical_pods_and_events(case in case(StrategyKind::Any, Commands::WithFaults, 0)) {
        let scenario = case.scenario();
        let a = kubesim::simulate(&scenario, None);
        let b = kubesim::simulate(&scenario.clone(), None);
        prop_assert_eq!(pod_rows(&a.store), pod_rows(&b.store));
        prop_assert_eq!(&a.recorder.records, &b.recorder.records);
        prop_assert_eq!(a.events_processed, b.events_processed);
        prop_assert_eq!(&a.metrics.rollouts.rollouts, &b.metrics.rollouts.rollouts);
    }
}
