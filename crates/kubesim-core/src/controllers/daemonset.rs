//! The DaemonSet controller (pkg/controller/daemon), as pure decisions: which nodes should
//! run the daemon pod (nodeShouldRunDaemonPod), which pods to create and delete there
//! (manage / podsShouldBeOnNode), and the rolling update (rollingUpdate) within
//! maxUnavailable and maxSurge.

use crate::controllers::deployment::util::resolve;
use crate::model::spec::{
    IntOrPercent, NodeSelectorOperator, NodeSelectorRequirement, NodeSelectorTerm, PodSpec, Taint, TaintEffect,
    Toleration, TolerationOperator,
};
pub use crate::model::status::DaemonSetStatus;
use crate::model::store::{Node, NodeId, PodId};
use crate::scheduler::plugins::node_affinity::required_matches;
use crate::scheduler::plugins::taint_toleration::tolerates;

/// The tolerations every DaemonSet pod gets (AddOrUpdateDaemonPodTolerations): it stays on
/// a node that is not ready or unreachable, with no time limit, and it is placed on nodes
/// under pressure and on cordoned ones.
const DAEMON_TOLERATIONS: [(&str, TaintEffect); 6] = [
    ("node.kubernetes.io/not-ready", TaintEffect::NoExecute),
    ("node.kubernetes.io/unreachable", TaintEffect::NoExecute),
    ("node.kubernetes.io/disk-pressure", TaintEffect::NoSchedule),
    ("node.kubernetes.io/memory-pressure", TaintEffect::NoSchedule),
    ("node.kubernetes.io/pid-pressure", TaintEffect::NoSchedule),
    ("node.kubernetes.io/unschedulable", TaintEffect::NoSchedule),
];

/// The template's pod spec with the daemon tolerations added (those not there already).
pub fn with_daemon_tolerations(spec: &PodSpec) -> PodSpec {
    let mut out = spec.clone();
    for (key, effect) in DAEMON_TOLERATIONS {
        if !out.tolerations.iter().any(|t| t.key == key && t.effect == Some(effect)) {
            out.tolerations.push(Toleration {
                key: key.to_string(),
                operator: TolerationOperator::Exists,
                value: String::new(),
                effect: Some(effect),
                toleration_seconds: None,
            });
        }
    }
    out
}

/// The pod for `node` (ReplaceDaemonSetPodNodeNameNodeAffinity): the required node affinity
/// becomes one term naming the node, so that the default scheduler binds it there.
pub fn pod_spec_for_node(daemon_spec: &PodSpec, node_name: &str) -> PodSpec {
    let mut out = daemon_spec.clone();
    out.affinity.node_required = Some(vec![NodeSelectorTerm {
        match_expressions: Vec::new(),
        match_fields: vec![NodeSelectorRequirement {
            key: "metadata.name".into(),
            operator: NodeSelectorOperator::In,
            values: vec![node_name.to_string()],
        }],
    }]);
    out
}

/// Where the daemon pod belongs on a node.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Placement {
    /// A pod should be created there if none runs.
    pub should_run: bool,
    /// A pod already there may stay.
    pub should_continue_running: bool,
}

/// nodeShouldRunDaemonPod for `spec` (with the daemon tolerations) on `node`.
pub fn placement(spec: &PodSpec, node: &Node) -> Placement {
    if spec.node_name.as_deref().is_some_and(|n| n != node.name) || !required_matches(spec, node) {
        return Placement::default();
    }
    let untolerated = |effects: &[TaintEffect]| {
        node.taints
            .iter()
            .filter(|t| effects.contains(&t.effect))
            .any(|taint: &Taint| !spec.tolerations.iter().any(|t| tolerates(t, taint)))
    };
    if untolerated(&[TaintEffect::NoSchedule, TaintEffect::NoExecute]) {
        // A pod already there keeps running unless a NoExecute taint is not tolerated.
        return Placement { should_run: false, should_continue_running: !untolerated(&[TaintEffect::NoExecute]) };
    }
    Placement { should_run: true, should_continue_running: true }
}

/// One pod of the DaemonSet, as the controller sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DaemonPod {
    pub id: PodId,
    /// The node it was made for.
    pub node: NodeId,
    /// Its controller-revision-hash is the template's current one.
    pub updated: bool,
    pub terminating: bool,
    pub failed: bool,
    pub ready: bool,
    /// Ready for minReadySeconds.
    pub available: bool,
}

/// One node: where it stands for the DaemonSet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DaemonNode {
    pub id: NodeId,
    pub placement: Placement,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    RollingUpdate { max_surge: i32, max_unavailable: i32 },
    OnDelete,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DaemonSync {
    /// Nodes to create a pod for (current template).
    pub create_on: Vec<NodeId>,
    pub delete: Vec<PodId>,
    pub status: DaemonSetStatus,
}

/// maxSurge and maxUnavailable against the nodes that should run the pod (both round up;
/// both 0 makes maxUnavailable 1).
pub fn resolve_strategy(max_surge: &IntOrPercent, max_unavailable: &IntOrPercent, desired: i32) -> (i32, i32) {
    let surge = resolve(max_surge, desired, true);
    let unavailable = resolve(max_unavailable, desired, true);
    if surge == 0 && unavailable == 0 {
        (0, 1)
    } else {
        (surge, unavailable)
    }
}

/// syncDaemonSet: manage, then (once manage has nothing to do) the rolling update.
pub fn reconcile(nodes: &[DaemonNode], pods: &[DaemonPod], strategy: Strategy) -> DaemonSync {
    let mut sync = DaemonSync { status: status(nodes, pods), ..DaemonSync::default() };
    let surge = matches!(strategy, Strategy::RollingUpdate { max_surge, .. } if max_surge > 0);
    for node in nodes {
        let on_node: Vec<&DaemonPod> = pods.iter().filter(|p| p.node == node.id).collect();
        manage_node(node, &on_node, surge, &mut sync);
    }
    if !sync.create_on.is_empty() || !sync.delete.is_empty() {
        // The controller waits to see its own writes (expectations) before updating.
        return sync;
    }
    if let Strategy::RollingUpdate { max_surge, max_unavailable } = strategy {
        rolling_update(nodes, pods, max_surge, max_unavailable, &mut sync);
    }
    sync
}

/// podsShouldBeOnNode for one node.
fn manage_node(node: &DaemonNode, pods: &[&DaemonPod], surge: bool, sync: &mut DaemonSync) {
    let Placement { should_run, should_continue_running } = node.placement;
    if should_run && pods.is_empty() {
        sync.create_on.push(node.id);
        return;
    }
    if !should_continue_running {
        sync.delete.extend(pods.iter().filter(|p| !p.terminating).map(|p| p.id));
        return;
    }
    // A failed daemon pod is deleted (and replaced at the next sync).
    sync.delete.extend(pods.iter().filter(|p| !p.terminating && p.failed).map(|p| p.id));
    // Oldest first (ids grow with creation time).
    let running: Vec<&&DaemonPod> = pods.iter().filter(|p| !p.terminating && !p.failed).collect();
    if running.len() <= 1 {
        return;
    }
    if !surge {
        sync.delete.extend(running.iter().skip(1).map(|p| p.id));
        return;
    }
    // With surge, an old and a new pod may share the node while the new one comes up.
    let oldest_new = running.iter().find(|p| p.updated);
    let oldest_old = running.iter().find(|p| !p.updated);
    for p in &running {
        if Some(p) != oldest_new && Some(p) != oldest_old {
            sync.delete.push(p.id);
        }
    }
    if let (Some(new), Some(old)) = (oldest_new, oldest_old) {
        if !old.ready || new.available {
            sync.delete.push(old.id);
        }
    }
}

/// findUpdatedPodsOnNode: the node's one new pod and one old pod (not terminating); None
/// when there are more of either.
fn pods_on_node(pods: &[DaemonPod], node: NodeId) -> Option<(Option<&DaemonPod>, Option<&DaemonPod>)> {
    let (mut new, mut old) = (None, None);
    for p in pods.iter().filter(|p| p.node == node && !p.terminating) {
        let slot = if p.updated { &mut new } else { &mut old };
        if slot.is_some() {
            return None;
        }
        *slot = Some(p);
    }
    Some((new, old))
}

/// rollingUpdate: without surge, delete old pods while fewer than maxUnavailable pods are
/// unavailable (unavailable old pods go at once); with surge, create new pods next to old
/// ones on up to maxSurge nodes and delete each old pod once its new one is available.
fn rolling_update(
    nodes: &[DaemonNode],
    pods: &[DaemonPod],
    max_surge: i32,
    max_unavailable: i32,
    sync: &mut DaemonSync,
) {
    let wanted: Vec<NodeId> = nodes.iter().filter(|n| n.placement.should_run).map(|n| n.id).collect();
    // Nodes that have pods but should no longer run them are manage's business.
    if max_surge == 0 {
        // Old pods to delete: those already unavailable, and candidates up to the budget.
        let (mut allowed, mut candidates) = (Vec::new(), Vec::new());
        let mut unavailable = 0;
        for &node in &wanted {
            let Some((new, old)) = pods_on_node(pods, node) else {
                unavailable += 1;
                continue;
            };
            match (new, old) {
                (None, None) | (Some(_), Some(_)) => unavailable += 1,
                (Some(new), None) => unavailable += i32::from(!new.available),
                (None, Some(old)) if !old.available => allowed.push(old.id),
                (None, Some(_)) if unavailable >= max_unavailable => {}
                (None, Some(old)) => candidates.push(old.id),
            }
        }
        let remaining = (max_unavailable - unavailable).clamp(0, candidates.len() as i32) as usize;
        sync.delete.extend(allowed);
        sync.delete.extend(candidates.into_iter().take(remaining));
        return;
    }
    // Nodes to create new pods on: those whose old pod is unavailable, and candidates.
    let (mut allowed, mut candidates) = (Vec::new(), Vec::new());
    let mut surging = 0;
    for &node in &wanted {
        let Some((new, old)) = pods_on_node(pods, node) else { continue };
        match (new, old) {
            (_, None) => {}
            (None, Some(old)) if !old.available => allowed.push(node),
            (None, Some(_)) if surging >= max_surge => {}
            (None, Some(_)) => candidates.push(node),
            (Some(new), Some(_)) if !new.available => surging += 1,
            (Some(_), Some(old)) => sync.delete.push(old.id),
        }
    }
    let remaining = (max_surge - surging).clamp(0, candidates.len() as i32) as usize;
    sync.create_on.extend(allowed);
    sync.create_on.extend(candidates.into_iter().take(remaining));
}

fn status(nodes: &[DaemonNode], pods: &[DaemonPod]) -> DaemonSetStatus {
    let mut s = DaemonSetStatus::default();
    for node in nodes {
        let here: Vec<&DaemonPod> = pods.iter().filter(|p| p.node == node.id && !p.terminating).collect();
        if node.placement.should_run {
            s.desired_number_scheduled += 1;
            if !here.is_empty() {
                s.current_number_scheduled += 1;
                // The oldest pod speaks for the node.
                if here[0].ready {
                    s.number_ready += 1;
                }
                if here[0].available {
                    s.number_available += 1;
                }
                if here.iter().any(|p| p.updated) {
                    s.updated_number_scheduled += 1;
                }
            }
        } else if !here.is_empty() {
            s.number_misscheduled += 1;
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: NodeId, should_run: bool) -> DaemonNode {
        DaemonNode { id, placement: Placement { should_run, should_continue_running: should_run } }
    }

    fn pod(id: PodId, node: NodeId, updated: bool) -> DaemonPod {
        DaemonPod { id, node, updated, terminating: false, failed: false, ready: true, available: true }
    }

    const ROLLING: Strategy = Strategy::RollingUpdate { max_surge: 0, max_unavailable: 1 };

    #[test]
    fn one_pod_per_eligible_node() {
        let nodes = [node(NodeId(0), true), node(NodeId(1), true), node(NodeId(2), false)];
        let sync = reconcile(&nodes, &[pod(PodId(7), NodeId(0), true)], ROLLING);
        assert_eq!(sync.create_on, vec![NodeId(1)]);
        assert_eq!(sync.status.desired_number_scheduled, 2);
        // A pod where none should be goes.
        let sync = reconcile(
            &nodes,
            &[pod(PodId(7), NodeId(0), true), pod(PodId(8), NodeId(1), true), pod(PodId(9), NodeId(2), true)],
            ROLLING,
        );
        assert_eq!(sync.delete, vec![PodId(9)]);
        assert_eq!(sync.status.number_misscheduled, 1);
    }

    #[test]
    fn a_terminating_pod_is_waited_for_before_its_replacement() {
        let mut going = pod(PodId(7), NodeId(0), false);
        going.terminating = true;
        let sync = reconcile(&[node(NodeId(0), true)], &[going], ROLLING);
        assert_eq!(sync, DaemonSync { status: sync.status.clone(), ..DaemonSync::default() });
    }

    #[test]
    fn rolling_update_replaces_max_unavailable_pods_at_a_time() {
        let nodes = [node(NodeId(0), true), node(NodeId(1), true), node(NodeId(2), true)];
        let old = [pod(PodId(1), NodeId(0), false), pod(PodId(2), NodeId(1), false), pod(PodId(3), NodeId(2), false)];
        assert_eq!(reconcile(&nodes, &old, ROLLING).delete, vec![PodId(1)]);
        let two = Strategy::RollingUpdate { max_surge: 0, max_unavailable: 2 };
        assert_eq!(reconcile(&nodes, &old, two).delete, vec![PodId(1), PodId(2)]);
        // A new pod not yet available uses up the budget.
        let mut fresh = pod(PodId(4), NodeId(0), true);
        fresh.available = false;
        assert!(reconcile(&nodes, &[fresh, pod(PodId(2), NodeId(1), false), pod(PodId(3), NodeId(2), false)], ROLLING)
            .delete
            .is_empty());
        // OnDelete: nothing moves.
        assert!(reconcile(&nodes, &old, Strategy::OnDelete).delete.is_empty());
    }

    #[test]
    fn surge_creates_the_new_pod_first_and_deletes_the_old_once_available() {
        let nodes = [node(NodeId(0), true), node(NodeId(1), true)];
        let surge = Strategy::RollingUpdate { max_surge: 1, max_unavailable: 0 };
        let old = [pod(PodId(1), NodeId(0), false), pod(PodId(2), NodeId(1), false)];
        let sync = reconcile(&nodes, &old, surge);
        assert_eq!((sync.create_on, sync.delete), (vec![NodeId(0)], vec![]));
        let mut new = pod(PodId(3), NodeId(0), true);
        new.available = false;
        assert!(reconcile(&nodes, &[old[0].clone(), old[1].clone(), new.clone()], surge).create_on.is_empty());
        new.available = true;
        assert_eq!(reconcile(&nodes, &[old[0].clone(), old[1].clone(), new], surge).delete, vec![PodId(1)]);
    }

    #[test]
    fn daemon_pods_tolerate_unreachable_nodes_without_limit_but_not_other_taints() {
        let spec = with_daemon_tolerations(&PodSpec::default());
        let unreachable = spec.tolerations.iter().find(|t| t.key == "node.kubernetes.io/unreachable");
        assert_eq!(unreachable.map(|t| t.toleration_seconds), Some(None));
        let mut n = Node {
            id: NodeId(0),
            name: "w".into(),
            labels: Default::default(),
            taints: vec![Taint {
                key: "node.kubernetes.io/unreachable".into(),
                value: String::new(),
                effect: TaintEffect::NoExecute,
            }],
            unschedulable: false,
            ready: false,
            allocatable: Default::default(),
            requested: Default::default(),
            requested_nonzero: Default::default(),
            host_ports: Default::default(),
            pods: Default::default(),
            images: Default::default(),
            puller_free_at: crate::engine::SimTime::ZERO,
            removed: false,
        };
        assert_eq!(placement(&spec, &n), Placement { should_run: true, should_continue_running: true });
        n.taints.push(Taint { key: "gpu".into(), value: "true".into(), effect: TaintEffect::NoSchedule });
        assert_eq!(placement(&spec, &n), Placement { should_run: false, should_continue_running: true });
        n.taints.push(Taint { key: "evict".into(), value: String::new(), effect: TaintEffect::NoExecute });
        assert_eq!(placement(&spec, &n), Placement::default());
    }
}
