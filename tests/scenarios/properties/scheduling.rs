//! Scheduling: no node is ever over its allocatable, and every pod is bound to a node or
//! Pending, its times in order.

use super::*;

fn nodes_never_overcommitted(outcome: &Outcome) -> Result<(), TestCaseError> {
    let store = &outcome.store;
    for (n, node) in store.nodes().iter().enumerate() {
        // (time, is_bind, cpu, memory); at one instant unbinds come first.
        let mut changes: Vec<(SimTime, bool, i64, i64)> = Vec::new();
        let mut live = (0i64, 0i64, 0usize);
        let mut members = std::collections::BTreeSet::new();
        for (id, p) in store.pods.iter().enumerate() {
            if p.node != Some(NodeId::from_index(n)) {
                continue;
            }
            let r = p.spec.requests();
            let Some(bound) = p.scheduled else {
                return Err(TestCaseError::fail(format!("pod {} is on {} with no scheduled time", p.name, node.name)));
            };
            changes.push((bound, true, r.cpu_millis, r.memory_bytes));
            if let Some(d) = p.deleted {
                changes.push((d, false, r.cpu_millis, r.memory_bytes));
            } else {
                live = (live.0 + r.cpu_millis, live.1 + r.memory_bytes, live.2 + 1);
                members.insert(PodId::from_index(id));
            }
        }
        changes.sort();
        let (mut cpu, mut mem, mut pods) = (0i64, 0i64, 0i64);
        for (at, bind, c, m) in changes {
            let sign = if bind { 1 } else { -1 };
            cpu += sign * c;
            mem += sign * m;
            pods += sign;
            let a = &node.allocatable;
            prop_assert!(
                cpu <= a.cpu_millis && mem <= a.memory_bytes && pods <= a.pods,
                "{} at {at:?}: requests cpu {cpu}m, memory {mem}, pods {pods} over allocatable cpu {}m, memory {}, \
                 pods {}",
                node.name,
                a.cpu_millis,
                a.memory_bytes,
                a.pods
            );
        }
        // The node's own bookkeeping agrees with its pods.
        prop_assert_eq!(
            (node.requested.cpu_millis, node.requested.memory_bytes, node.pods.len()),
            live,
            "{}: requested differs from the sum over its pods",
            &node.name
        );
        prop_assert_eq!(&node.pods, &members, "{}: the node's pod set differs from the pods bound to it", &node.name);
    }
    Ok(())
}

fn pods_well_formed(outcome: &Outcome) -> Result<(), TestCaseError> {
    let store = &outcome.store;
    for p in &store.pods {
        let name = &p.name;
        if let Some(n) = p.node {
            prop_assert!(n.index() < store.nodes().len(), "pod {name} is bound to node #{n}, which does not exist");
        }
        prop_assert_eq!(p.node.is_some(), p.scheduled.is_some(), "pod {}: a node iff a scheduled time", name);
        if p.deleted.is_none() && p.node.is_none() {
            prop_assert_eq!(p.phase, PodPhase::Pending, "pod {} has no node but is not Pending", name);
        }
        let ordered = |a: Option<SimTime>, b: Option<SimTime>, what: &str| -> Result<(), TestCaseError> {
            if let (Some(a), Some(b)) = (a, b) {
                prop_assert!(a <= b, "pod {name}: {what} ({a:?} > {b:?})");
            }
            Ok(())
        };
        let created = Some(p.created);
        ordered(created, p.scheduled, "created after scheduled")?;
        ordered(p.scheduled, p.started, "scheduled after started")?;
        ordered(p.started, p.first_ready, "started after first ready")?;
        ordered(p.first_ready, p.ready_since, "first ready after ready since")?;
        ordered(created, p.terminating, "created after terminating")?;
        ordered(p.terminating, p.deleted, "terminating after deleted")?;
        ordered(p.deleted, Some(outcome.end), "deleted after the end of the run")?;
        prop_assert!(p.started.is_none() || p.scheduled.is_some(), "pod {name} started without a node");
        prop_assert!(p.first_ready.is_none() || p.started.is_some(), "pod {name} ready without starting");
        prop_assert!(p.deleted.is_none() || p.terminating.is_some(), "pod {name} deleted without terminating");
        prop_assert!(p.ready_since.is_none() || p.deleted.is_none(), "pod {name} is deleted but Ready");
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    /// Property 2: the requests of the pods bound to a node and not yet deleted never exceed
    /// its allocatable cpu, memory or pod count, at any instant.
    #[test]
    fn no_node_is_ever_over_its_allocatable(case in case(StrategyKind::Any, Commands::WithFaults, 0)) {
        let outcome = kubesim::simulate(&case.scenario(), None);
        nodes_never_overcommitted(&outcome)?;
    }

    /// Property 3: every pod is bound to an existing node or Pending without one, and its
    /// times are in order.
    #[test]
    fn every_pod_is_bound_or_pending_and_its_times_are_ordered(case in case(StrategyKind::Any, Commands::WithFaults, 0)) {
        let outcome = kubesim::simulate(&case.scenario(), None);
        pods_well_formed(&outcome)?;
    }
}
