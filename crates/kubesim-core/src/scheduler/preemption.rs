//! DefaultPreemption (PostFilter): when no node fits, find the node where evicting pods of
//! lower priority would make room, evicting as few and as unimportant pods as possible and
//! respecting PodDisruptionBudgets where it can.

use super::plugins::PodContext;
use super::{histogram, FitError, Nominations, Profile};
use crate::model::spec::PreemptionPolicy;
use crate::model::store::{add_resources, Node, NodeId, PodId, Store};

pub const NOT_HELPFUL: &str = "Preemption is not helpful for scheduling";
pub const NO_VICTIMS: &str = "No preemption victims found for incoming pod";

/// A node where preemption would work, and at what cost.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub node: NodeId,
    /// Highest priority first.
    pub victims: Vec<PodId>,
    pub pdb_violations: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// PostFilter's message for the FailedScheduling event.
    Failed(String),
    Preempt(Candidate),
}

/// A copy of `node` without `pods` (their requests, slots and ports freed).
fn without(store: &Store, node: &Node, pods: &[PodId]) -> Node {
    let mut n = node.clone();
    for &p in pods {
        let pod = &store.pods[p];
        if n.pods.remove(&p) {
            add_resources(&mut n.requested, &pod.spec.requests(), -1);
            for port in pod.spec.containers.iter().flat_map(|c| c.host_ports.iter()) {
                if let Some(c) = n.host_ports.get_mut(port) {
                    *c = c.saturating_sub(1);
                }
            }
        }
    }
    n
}

fn with(store: &Store, node: &mut Node, pod: PodId) {
    let p = &store.pods[pod];
    node.pods.insert(pod);
    add_resources(&mut node.requested, &p.spec.requests(), 1);
    for port in p.spec.containers.iter().flat_map(|c| c.host_ports.iter()) {
        *node.host_ports.entry(*port).or_insert(0) += 1;
    }
}

/// MoreImportantPod: higher priority first, then the one that started earlier.
fn importance_order(store: &Store, victims: &mut [PodId]) {
    victims.sort_by(|&a, &b| {
        let (pa, pb) = (&store.pods[a], &store.pods[b]);
        pb.spec.priority.cmp(&pa.spec.priority).then(pa.started.cmp(&pb.started)).then(a.cmp(&b))
    });
}

/// selectVictimsOnNode. Re-checks the filters with the victims gone; topology-spread and
/// inter-pod counts are the ones of the attempt (kubesim does not recount them per victim).
fn select_victims(
    profile: &Profile,
    store: &Store,
    nominations: &Nominations,
    pod: &PodContext<'_>,
    id: NodeId,
) -> Option<Candidate> {
    // The node as this pod sees it: with what pods nominated there (of equal or higher
    // priority) will take (RunFilterPluginsWithNominatedPods).
    let node = &*nominations.view(&store.nodes()[id], id, pod.id, pod.spec.priority);
    let mut potential: Vec<PodId> = node
        .pods
        .iter()
        .copied()
        .filter(|&p| {
            let v = &store.pods[p];
            v.terminating.is_none() && v.spec.priority < pod.spec.priority
        })
        .collect();
    if potential.is_empty() {
        return None;
    }
    let mut view = without(store, node, &potential);
    if profile.filter_node(pod, &view).is_err() {
        return None;
    }
    importance_order(store, &mut potential);
    let (violating, fine) = split_by_pdb(store, &potential);
    let mut victims = Vec::new();
    let mut pdb_violations = 0;
    for (p, violates) in violating.into_iter().map(|p| (p, true)).chain(fine.into_iter().map(|p| (p, false))) {
        with(store, &mut view, p);
        if profile.filter_node(pod, &view).is_err() {
            view = without(store, &view, &[p]);
            victims.push(p);
            pdb_violations += usize::from(violates);
        }
    }
    importance_order(store, &mut victims);
    Some(Candidate { node: id, victims, pdb_violations })
}

/// filterPodsWithPDBViolation: pods whose eviction a budget would refuse, and the rest.
fn split_by_pdb(store: &Store, pods: &[PodId]) -> (Vec<PodId>, Vec<PodId>) {
    let mut allowed: Vec<i32> = store
        .pdbs
        .iter()
        .map(|pdb| crate::controllers::disruption::status_of(store, pdb).disruptions_allowed)
        .collect();
    let (mut violating, mut fine) = (Vec::new(), Vec::new());
    for &p in pods {
        let pod = &store.pods[p];
        let mut violates = false;
        for (i, pdb) in store.pdbs.iter().enumerate() {
            if pdb.namespace == pod.namespace && pdb.selector.matches(&pod.labels) {
                allowed[i] -= 1;
                violates |= allowed[i] < 0;
            }
        }
        if violates {
            violating.push(p);
        } else {
            fine.push(p);
        }
    }
    (violating, fine)
}

/// pickOneNodeForPreemption: fewest PDB violations, then the lowest highest-priority
/// victim, the smallest sum of priorities, the fewest victims, the latest start among the
/// most important victims, and finally the first node.
fn pick(store: &Store, candidates: Vec<Candidate>) -> Option<Candidate> {
    let key = |c: &Candidate| {
        let prio = |p: &PodId| i64::from(store.pods[*p].spec.priority);
        let highest = c.victims.first().map(prio).unwrap_or(i64::MIN);
        let sum: i64 = c.victims.iter().map(|p| prio(p) + i64::from(i32::MAX) + 1).sum();
        let earliest_top = c
            .victims
            .iter()
            .filter(|p| prio(p) == highest)
            .filter_map(|p| store.pods[*p].started)
            .min()
            .map_or(0, |t| t.as_micros());
        (c.pdb_violations, highest, sum, c.victims.len(), std::cmp::Reverse(earliest_top), c.node)
    };
    candidates.into_iter().min_by_key(key)
}

/// Runs preemption for a pod that fits nowhere.
pub fn preempt(
    profile: &Profile,
    store: &Store,
    nominations: &Nominations,
    pod: &PodContext<'_>,
    fit: &FitError,
) -> Outcome {
    if pod.spec.preemption_policy == PreemptionPolicy::Never {
        return Outcome::Failed("preemption: not eligible due to preemptionPolicy=Never.".into());
    }
    if let Some(nominated) = pod.id.and_then(|p| store.pods[p].nominated_node) {
        let waiting = store.nodes()[nominated].pods.iter().any(|&p| {
            let v = &store.pods[p];
            v.terminating.is_some() && v.spec.priority < pod.spec.priority
        });
        if waiting {
            return Outcome::Failed("preemption: not eligible due to a terminating pod on the nominated node.".into());
        }
    }
    let mut reasons: Vec<&str> = Vec::new();
    let mut candidates = Vec::new();
    for (&id, unfit) in &fit.failures {
        if unfit.unresolvable {
            reasons.push(NOT_HELPFUL);
            continue;
        }
        match select_victims(profile, store, nominations, pod, id) {
            Some(c) => candidates.push(c),
            None => reasons.push(NO_VICTIMS),
        }
    }
    match pick(store, candidates) {
        Some(c) => Outcome::Preempt(c),
        None => Outcome::Failed(format!(
            "preemption: 0/{} nodes are available: {}.",
            fit.nodes,
            histogram(reasons.into_iter())
        )),
    }
}
