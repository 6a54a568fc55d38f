//! Scale-down: which nodes are unneeded (below the utilisation threshold, with every pod
//! movable elsewhere), and why a node cannot go.
//!
//! Follows cluster-autoscaler/core/scaledown/eligibility/eligibility.go (utilisation),
//! utils/utilization/info.go (`Calculate`: the requests of the node's pods over its
//! allocatable, the larger of CPU and memory), simulator/drainability/rules/ (what blocks
//! a pod's move: safe-to-evict, replicated, system pods, local storage, PodDisruptionBudgets)
//! and simulator/cluster.go (`FindNodesToRemove`: each pod re-placed on the nodes that stay).

use super::scale_up::pod_context;
use crate::model::spec::ClusterAutoscalerSpec;
use crate::model::store::{Node, NodeId, Pod, PodId, PodOwner, PodPhase, Store};
use crate::scheduler::Profile;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// A pod that still holds its node: neither terminating nor finished (what utilisation
/// counts and what a drain must move).
pub fn holds_its_node(p: &Pod) -> bool {
    p.terminating.is_none() && !matches!(p.phase, PodPhase::Succeeded | PodPhase::Failed)
}

/// The larger of the node's CPU and memory requests over its allocatable, counting every
/// pod bound there and not terminating (DaemonSet pods included, as with the default
/// `--ignore-daemonsets-utilization=false`).
pub fn utilization(store: &Store, node: &Node) -> f64 {
    let (mut cpu, mut mem) = (0i64, 0i64);
    for &pod in &node.pods {
        let p = &store.pods[pod];
        if !holds_its_node(p) {
            continue;
        }
        let r = p.spec.requests();
        cpu += r.cpu_millis;
        mem += r.memory_bytes;
    }
    let share = |used: i64, of: i64| if of > 0 { used as f64 / of as f64 } else { 0.0 };
    share(cpu, node.allocatable.cpu_millis).max(share(mem, node.allocatable.memory_bytes))
}

/// Which pods keep a node from being drained.
#[derive(Clone, Copy, Debug)]
pub struct Drainability {
    /// A pod without a controller blocks (the Cluster Autoscaler; Karpenter evicts it).
    pub unreplicated_blocks: bool,
    pub skip_nodes_with_local_storage: bool,
    pub skip_nodes_with_system_pods: bool,
}

impl Drainability {
    /// The Cluster Autoscaler's rules with its flags.
    pub fn cluster_autoscaler(spec: &ClusterAutoscalerSpec) -> Self {
        Drainability {
            unreplicated_blocks: true,
            skip_nodes_with_local_storage: spec.skip_nodes_with_local_storage,
            skip_nodes_with_system_pods: spec.skip_nodes_with_system_pods,
        }
    }

    /// Karpenter's: only `karpenter.sh/do-not-disrupt` (read from safe-to-evict "false" as
    /// well, a simplification) and PodDisruptionBudgets stop it.
    pub const KARPENTER: Drainability = Drainability {
        unreplicated_blocks: false,
        skip_nodes_with_local_storage: false,
        skip_nodes_with_system_pods: false,
    };
}

/// The pods that would have to move off `node`, or the first pod that blocks the move
/// (drain.GetPodsToMove with the default drainability rules).
pub fn pods_to_move(
    store: &Store,
    rules: Drainability,
    node: &Node,
    budget_allows: &dyn Fn(PodId) -> bool,
) -> Result<Vec<PodId>, String> {
    let mut out = Vec::new();
    for &pod in &node.pods {
        let p = &store.pods[pod];
        if !holds_its_node(p) || matches!(p.owner, Some(PodOwner::DaemonSet(_))) {
            continue;
        }
        let name = format!("{}/{}", p.namespace, p.name);
        match p.safe_to_evict {
            Some(false) => return Err(format!("pod annotated as not safe to evict present: {name}")),
            Some(true) => {}
            None => {
                if p.owner.is_none() && rules.unreplicated_blocks {
                    return Err(format!("pod {name} is not replicated"));
                }
                if rules.skip_nodes_with_system_pods
                    && p.namespace == "kube-system"
                    && store.budgets_of(pod).next().is_none()
                {
                    return Err(format!(
                        "non-daemonset, non-mirrored, non-pdb-assigned kube-system pod present: {name}"
                    ));
                }
                if rules.skip_nodes_with_local_storage && p.spec.has_empty_dir {
                    return Err(format!("pod with local storage present: {name}"));
                }
            }
        }
        if !budget_allows(pod) {
            return Err(format!("not enough pod disruption budget to move {name}"));
        }
        out.push(pod);
    }
    Ok(out)
}

/// Pods re-placed on other nodes during one scan's removal simulation: what each
/// destination has taken so far (simulator/cluster.go keeps them in its snapshot).
#[derive(Default)]
pub struct Replacements {
    moved: BTreeMap<NodeId, Node>,
}

/// The first node in order that takes `pod` (Ready, in the API, not `leaving`), as it
/// stands with the pods `taken` already put on copies of nodes; the pod is added to that
/// node's copy. The store's rows answer most nodes at once: a node without room even before
/// this scan's moves is passed by.
pub fn first_fit(
    profile: &Profile,
    store: &Store,
    pod: PodId,
    leaving: &dyn Fn(NodeId) -> bool,
    taken: &mut BTreeMap<NodeId, Node>,
) -> Option<NodeId> {
    // The pod as it would be recreated elsewhere: without the node it is bound to
    // (the simulator schedules a copy with its nodeName cleared).
    let unbound;
    let mut ctx = pod_context(store, pod);
    if ctx.spec.node_name.is_some() {
        unbound = crate::model::spec::PodSpec { node_name: None, ..ctx.spec.clone() };
        ctx.spec = &unbound;
    }
    let want = &ctx.requests;
    let short = |w: i64, free: i64| w > 0 && w > free;
    for (i, (node, row)) in store.nodes().iter().zip(store.node_fit()).enumerate() {
        let id = NodeId::from_index(i);
        if node.removed || !node.ready || leaving(id) {
            continue;
        }
        if row.free_pods <= 0
            || short(want.cpu_millis, row.free_cpu_millis)
            || short(want.memory_bytes, row.free_memory_bytes)
        {
            continue;
        }
        let current = taken.get(&id).map_or(Cow::Borrowed(node), Cow::Borrowed);
        if profile.filter_node(&ctx, &current).is_ok() {
            let mut copy = current.into_owned();
            copy.place_copy(pod, &store.pods[pod].spec);
            taken.insert(id, copy);
            return Some(id);
        }
    }
    None
}

/// The pods of `waiting` that fit no node as it is now, each placed pod taking its room
/// (FilterOutSchedulable); once a pod of an equivalence group fits nowhere, the rest of its
/// group are not tried (the nodes only fill up).
pub fn unplaceable(
    profile: &Profile,
    store: &Store,
    waiting: Vec<PodId>,
    leaving: &dyn Fn(NodeId) -> bool,
) -> Vec<PodId> {
    let mut taken = BTreeMap::new();
    let mut full: std::collections::BTreeSet<usize> = Default::default();
    waiting
        .into_iter()
        .filter(|&p| {
            let class = super::scale_up::equivalence(store, p);
            if full.contains(&class) {
                return true;
            }
            let none = first_fit(profile, store, p, leaving, &mut taken).is_none();
            if none {
                full.insert(class);
            }
            none
        })
        .collect()
}

/// Whether every pod in `pods` finds a node among those that stay (not `leaving`); on
/// success the placements are kept in `replacements` for the next candidate of the same
/// scan, on failure none is, and the pod that found no node is returned.
pub fn reschedule(
    profile: &Profile,
    store: &Store,
    pods: &[PodId],
    leaving: &dyn Fn(NodeId) -> bool,
    replacements: &mut Replacements,
) -> Result<(), PodId> {
    let mut trial = replacements.moved.clone();
    for &pod in pods {
        first_fit(profile, store, pod, leaving, &mut trial).ok_or(pod)?;
    }
    replacements.moved = trial;
    Ok(())
}
