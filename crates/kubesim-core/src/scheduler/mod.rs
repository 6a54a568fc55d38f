//! The scheduler: a queue of pods waiting for a node, the default profile's filter and
//! score plugins (one per file in `plugins/`), preemption, and the words kube-scheduler says
//! when a pod does not fit.

pub mod cycle;
pub mod fused;
pub mod owner_spread;
pub mod plugins;
pub mod preemption;
pub mod queue;
pub mod score_breakdown;
pub mod topology;

use crate::engine::Stream;
use crate::model::spec::{SchedulerConfig, SchedulerProfile, ScoringStrategy, DEFAULT_SCHEDULER_NAME};
use crate::model::store::{add_resources, Node, NodeFit, NodeId, PodId};
use plugins::{FilterPlugin, PodContext, ScorePlugin, Unfit};
use std::borrow::Cow;
use std::collections::BTreeMap;

pub use queue::SchedulingQueue;

/// Below this many nodes every node is considered (minFeasibleNodesToFind).
const MIN_FEASIBLE_NODES_TO_FIND: usize = 100;
/// The adaptive percentage never drops below this (minFeasibleNodesPercentageToFind).
const MIN_FEASIBLE_NODES_PERCENTAGE: usize = 5;

/// How many feasible nodes the scheduler looks for before it stops filtering
/// (numFeasibleNodesToFind with the adaptive percentageOfNodesToScore): all under 100
/// nodes, else `max(5, 50 - nodes/125)` % of them, at least 100.
pub fn num_feasible_nodes_to_find(all: usize) -> usize {
    num_feasible_nodes_with(all, None)
}

/// numFeasibleNodesToFind with a profile's `percentageOfNodesToScore` (None or 0: the
/// adaptive percentage; 100 or more: every node).
pub fn num_feasible_nodes_with(all: usize, percentage: Option<u32>) -> usize {
    if all < MIN_FEASIBLE_NODES_TO_FIND {
        return all;
    }
    let percentage = match percentage.filter(|&p| p != 0) {
        Some(p) => (p as usize).min(100),
        None => 50usize.saturating_sub(all / 125).max(MIN_FEASIBLE_NODES_PERCENTAGE),
    };
    (all * percentage / 100).max(MIN_FEASIBLE_NODES_TO_FIND)
}

/// Pods nominated to a node by preemption: their requests are held there for pods of
/// lower priority.
#[derive(Clone, Debug, Default)]
pub struct Nominations {
    by_node: BTreeMap<NodeId, Vec<(PodId, i32, crate::model::spec::Resources)>>,
}

impl Nominations {
    pub fn nominate(&mut self, pod: PodId, node: NodeId, priority: i32, requests: crate::model::spec::Resources) {
        self.clear(pod);
        self.by_node.entry(node).or_default().push((pod, priority, requests));
    }

    /// No pod is nominated anywhere: every node is seen as it is.
    pub fn is_empty(&self) -> bool {
        self.by_node.is_empty()
    }

    pub fn clear(&mut self, pod: PodId) {
        for list in self.by_node.values_mut() {
            list.retain(|(p, _, _)| *p != pod);
        }
        self.by_node.retain(|_, l| !l.is_empty());
    }

    /// Pods nominated to `node` with a lower priority than `priority`.
    pub fn lower_than(&self, node: NodeId, priority: i32) -> Vec<PodId> {
        self.by_node.get(&node).map_or(Vec::new(), |l| l.iter().filter(|n| n.1 < priority).map(|n| n.0).collect())
    }

    /// The node as a pod of `priority` sees it: with the requests of pods nominated there
    /// with an equal or higher priority (addNominatedPods).
    pub fn view<'n>(&self, node: &'n Node, id: NodeId, pod: Option<PodId>, priority: i32) -> Cow<'n, Node> {
        let Some(list) = self.by_node.get(&id) else { return Cow::Borrowed(node) };
        let held: Vec<_> = list.iter().filter(|(p, prio, _)| Some(*p) != pod && *prio >= priority).collect();
        if held.is_empty() {
            return Cow::Borrowed(node);
        }
        let mut n = node.clone();
        for (_, _, requests) in held {
            add_resources(&mut n.requested, requests, 1);
        }
        Cow::Owned(n)
    }
}

/// One scheduling profile (a framework, in kube-scheduler's words): the filter and score
/// plugins with their weights and arguments, answering to the pods that name its
/// `schedulerName`.
pub struct Framework {
    pub scheduler_name: String,
    filters: Vec<Box<dyn FilterPlugin>>,
    scores: Vec<(Box<dyn ScorePlugin>, i64)>,
    scoring: ScoringStrategy,
    /// The plugins, weights and arguments are the default profile's (with a plain
    /// strategy), so `fused::scores` computes their totals.
    fused: bool,
    /// DefaultPreemption is enabled (PostFilter).
    pub preemption: bool,
    percentage_of_nodes_to_score: Option<u32>,
    /// PodTopologySpreadArgs with `defaultingType: List`: the default constraints (None:
    /// the system defaults).
    pub spread_defaults: Option<Vec<crate::model::spec::TopologySpreadConstraint>>,
    /// InterPodAffinityArgs.hardPodAffinityWeight.
    pub hard_pod_affinity_weight: i64,
}

impl Framework {
    /// The default profile, with the short key's scoring strategy.
    pub fn default_framework(scoring: ScoringStrategy) -> Self {
        use plugins::*;
        let scores: Vec<Box<dyn ScorePlugin>> = vec![
            Box::new(taint_toleration::TaintTolerationScore),
            Box::new(node_affinity::NodeAffinityScore),
            Box::new(node_resources_fit::ResourceFitScore(scoring)),
            Box::new(pod_topology_spread::PodTopologySpreadScore),
            Box::new(inter_pod_affinity::InterPodAffinityScore),
            Box::new(balanced_allocation::BalancedAllocation),
            Box::new(image_locality::ImageLocality),
        ];
        Framework {
            scheduler_name: DEFAULT_SCHEDULER_NAME.to_string(),
            filters: vec![
                Box::new(node_unschedulable::NodeUnschedulable),
                Box::new(node_name::NodeName),
                Box::new(taint_toleration::TaintToleration),
                Box::new(node_affinity::NodeAffinity),
                Box::new(node_ports::NodePorts),
                Box::new(node_resources_fit::NodeResourcesFit),
                Box::new(volume_binding::VolumeBinding),
                Box::new(pod_topology_spread::PodTopologySpread),
                Box::new(inter_pod_affinity::InterPodAffinity),
            ],
            scores: scores
                .into_iter()
                .map(|p| {
                    let w = p.weight();
                    (p, w)
                })
                .collect(),
            scoring,
            fused: true,
            preemption: true,
            percentage_of_nodes_to_score: None,
            spread_defaults: None,
            hard_pod_affinity_weight: 1,
        }
    }

    /// A profile of a KubeSchedulerConfiguration (checked at load: every name is one of
    /// kubesim's plugins).
    pub fn from_profile(p: &SchedulerProfile) -> Self {
        use plugins::*;
        let added = p.added_affinity.clone().map(std::sync::Arc::new);
        let filters: Vec<Box<dyn FilterPlugin>> = p
            .filters
            .iter()
            .filter_map(|name| -> Option<Box<dyn FilterPlugin>> {
                Some(match name.as_str() {
                    "NodeUnschedulable" => Box::new(node_unschedulable::NodeUnschedulable),
                    "NodeName" => Box::new(node_name::NodeName),
                    "TaintToleration" => Box::new(taint_toleration::TaintToleration),
                    "NodeAffinity" => match &added {
                        Some(a) => Box::new(node_affinity::NodeAffinityAdded(a.clone())),
                        None => Box::new(node_affinity::NodeAffinity),
                    },
                    "NodePorts" => Box::new(node_ports::NodePorts),
                    "NodeResourcesFit" => Box::new(node_resources_fit::NodeResourcesFit),
                    "VolumeBinding" => Box::new(volume_binding::VolumeBinding),
                    "PodTopologySpread" => Box::new(pod_topology_spread::PodTopologySpread),
                    "InterPodAffinity" => Box::new(inter_pod_affinity::InterPodAffinity),
                    _ => return None,
                })
            })
            .collect();
        let plain = p.fit.plain_strategy();
        let scores: Vec<(Box<dyn ScorePlugin>, i64)> = p
            .scores
            .iter()
            .filter_map(|(name, weight)| -> Option<(Box<dyn ScorePlugin>, i64)> {
                let plugin: Box<dyn ScorePlugin> = match name.as_str() {
                    "TaintToleration" => Box::new(taint_toleration::TaintTolerationScore),
                    "NodeAffinity" => match &added {
                        Some(a) => Box::new(node_affinity::NodeAffinityAddedScore(a.clone())),
                        None => Box::new(node_affinity::NodeAffinityScore),
                    },
                    "NodeResourcesFit" => match plain {
                        Some(strategy) => Box::new(node_resources_fit::ResourceFitScore(strategy)),
                        None => Box::new(node_resources_fit::ConfiguredFitScore(p.fit.clone())),
                    },
                    "PodTopologySpread" => Box::new(pod_topology_spread::PodTopologySpreadScore),
                    "InterPodAffinity" => Box::new(inter_pod_affinity::InterPodAffinityScore),
                    "NodeResourcesBalancedAllocation" => Box::new(balanced_allocation::BalancedAllocation),
                    "ImageLocality" => Box::new(image_locality::ImageLocality),
                    _ => return None,
                };
                Some((plugin, *weight))
            })
            .collect();
        let default_filters = crate::model::spec::DEFAULT_FILTERS.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let default_scores: Vec<(String, i64)> =
            crate::model::spec::DEFAULT_SCORES.iter().map(|(s, w)| (s.to_string(), *w)).collect();
        let fused = plain.is_some() && added.is_none() && p.filters == default_filters && p.scores == default_scores;
        Framework {
            scheduler_name: p.scheduler_name.clone(),
            filters,
            scores,
            scoring: plain.unwrap_or(p.fit.strategy),
            fused,
            preemption: p.preemption,
            percentage_of_nodes_to_score: p.percentage_of_nodes_to_score,
            spread_defaults: p.spread_defaults.clone(),
            hard_pod_affinity_weight: p.hard_pod_affinity_weight,
        }
    }

    /// The NodeResourcesFit strategy type, for narration.
    pub fn scoring(&self) -> ScoringStrategy {
        self.scoring
    }
}

/// The scheduler's profiles and the caches they share: the topology index and the system
/// default spreading counts per owner. One profile schedules each pod: the one its
/// `schedulerName` names (`select`).
pub struct Profile {
    frameworks: Vec<Framework>,
    /// The framework of the pod being scheduled.
    active: usize,
    /// Topology domains by index, rebuilt when node labels change.
    pub topology: topology::TopologyCache,
    /// The system default spreading counts per owner, kept current by the simulation.
    pub owner_spread: owner_spread::OwnerSpread,
    /// Where the next search for feasible nodes starts (round robin).
    next_start: usize,
    /// Scratch space for one plugin's raw scores.
    raw_scores: Vec<i64>,
    /// Scratch space for the one-pass scores of the common case.
    fused_scores: fused::ScoreBuffers,
    /// When Some (narration), each attempt leaves its feasible nodes here.
    pub last_feasible: Option<Vec<NodeId>>,
}

/// A filtered node that fits, and the failures of those that do not.
pub struct Filtered {
    pub feasible: Vec<NodeId>,
    pub failures: BTreeMap<NodeId, Unfit>,
}

impl Profile {
    pub fn default_profile(scoring: ScoringStrategy) -> Self {
        Self::with_frameworks(vec![Framework::default_framework(scoring)])
    }

    /// The scenario's scheduler: the configuration's profiles, or the default profile with
    /// the short key's strategy.
    pub fn for_scenario(scoring: ScoringStrategy, config: Option<&SchedulerConfig>) -> Self {
        match config {
            Some(c) => Self::with_frameworks(c.profiles.iter().map(Framework::from_profile).collect()),
            None => Self::default_profile(scoring),
        }
    }

    fn with_frameworks(frameworks: Vec<Framework>) -> Self {
        Profile {
            frameworks,
            active: 0,
            topology: topology::TopologyCache::default(),
            owner_spread: owner_spread::OwnerSpread::default(),
            next_start: 0,
            raw_scores: Vec::new(),
            fused_scores: fused::ScoreBuffers::default(),
            last_feasible: None,
        }
    }

    /// Whether some profile answers to `scheduler_name` (None: the default scheduler's).
    pub fn handles(&self, scheduler_name: Option<&str>) -> bool {
        let name = scheduler_name.unwrap_or(DEFAULT_SCHEDULER_NAME);
        self.frameworks.iter().any(|f| f.scheduler_name == name)
    }

    /// Makes the profile a pod names the one that schedules it (frameworkForPod); false
    /// when none answers to that name.
    pub fn select(&mut self, scheduler_name: Option<&str>) -> bool {
        let name = scheduler_name.unwrap_or(DEFAULT_SCHEDULER_NAME);
        match self.frameworks.iter().position(|f| f.scheduler_name == name) {
            Some(i) => {
                self.active = i;
                true
            }
            None => false,
        }
    }

    /// The profile of the pod being scheduled.
    pub fn framework(&self) -> &Framework {
        &self.frameworks[self.active]
    }

    /// Runs every filter on one node (stopping at the first that fails, as the framework does).
    pub fn filter_node(&self, pod: &PodContext<'_>, node: &Node) -> Result<(), Unfit> {
        self.framework().filters.iter().try_for_each(|f| f.filter(pod, node))
    }

    /// findNodesThatPassFilters: from the round-robin start, until enough feasible nodes are
    /// found (percentageOfNodesToScore) or every node was tried. `fit` holds the nodes'
    /// packed rows (`Store::node_fit`).
    pub fn find_feasible(
        &mut self,
        pod: &PodContext<'_>,
        nodes: &[Node],
        fit: &[NodeFit],
        nominations: &Nominations,
    ) -> Filtered {
        let all = nodes.len();
        let wanted = num_feasible_nodes_with(all, self.framework().percentage_of_nodes_to_score);
        let mut out = Filtered { feasible: Vec::with_capacity(wanted), failures: BTreeMap::new() };
        if all == 0 {
            return out;
        }
        // PreFilter: filters that pass every node for this pod are not asked node by node.
        // Those left keep their order, so a node's first failure is the same.
        let framework = &self.frameworks[self.active];
        let active: Vec<&dyn FilterPlugin> =
            framework.filters.iter().map(|f| f.as_ref()).filter(|f| !f.skip(pod)).collect();
        let mut index = self.next_start % all;
        let mut processed = 0;
        if nominations.is_empty() && fit.len() == all && pod.requests.extended.is_empty() {
            // A node whose row passes `fused::fits` passes the filters the row decides; the
            // others that apply run after it, in order. A node the row does not clear goes
            // through every filter, so its failure is its first filter's.
            let rest: Vec<&dyn FilterPlugin> = active.iter().copied().filter(|f| !f.decided_by_fit_row()).collect();
            let want = &pod.requests;
            while processed < all && out.feasible.len() < wanted {
                // Up to the end of the table or as many nodes as are still wanted (even if
                // all of them pass, the search would stop there), then wrap around.
                let end = all.min(index + (wanted - out.feasible.len())).min(index + (all - processed));
                for i in index..end {
                    debug_assert!(fit[i].is_current(&nodes[i]), "node {i}'s row is current");
                    let cleared = fused::fits(&fit[i], want);
                    if cleared && rest.is_empty() {
                        out.feasible.push(NodeId::from_index(i));
                        continue;
                    }
                    let chain = if cleared { &rest } else { &active };
                    match chain.iter().try_for_each(|f| f.filter(pod, &nodes[i])) {
                        Ok(()) => out.feasible.push(NodeId::from_index(i)),
                        Err(unfit) => plugins::record_failure(&mut out.failures, NodeId::from_index(i), unfit),
                    }
                }
                processed += end - index;
                index = if end == all { 0 } else { end };
            }
        } else {
            // Each node as the pod sees it with the nominated pods' requests.
            while processed < all && out.feasible.len() < wanted {
                let id = NodeId::from_index(index);
                let node = nominations.view(&nodes[index], id, pod.id, pod.spec.priority);
                match active.iter().try_for_each(|f| f.filter(pod, &node)) {
                    Ok(()) => out.feasible.push(id),
                    Err(unfit) => {
                        out.failures.insert(id, unfit);
                    }
                }
                processed += 1;
                index += 1;
                if index == all {
                    index = 0;
                }
            }
        }
        self.next_start = (self.next_start + processed) % all;
        out
    }

    /// One scheduling attempt: the chosen node, or why none fits.
    pub fn schedule(
        &mut self,
        pod: &mut PodContext<'_>,
        nodes: &[Node],
        fit: &[NodeFit],
        nominations: &Nominations,
        rng: &mut Stream,
    ) -> Result<NodeId, FitError> {
        if let Some(why) = &pod.volumes.rejected {
            // PreFilter: the framework gives every node the plugin's status.
            let unfit = Unfit::unresolvable(why.clone());
            let failures = (0..nodes.len()).map(|i| (NodeId::from_index(i), unfit.clone())).collect();
            return Err(FitError { nodes: nodes.len(), failures, pre_filter: Some(why.clone()), post_filter: None });
        }
        let filtered = self.find_feasible(pod, nodes, fit, nominations);
        if let Some(kept) = &mut self.last_feasible {
            kept.clone_from(&filtered.feasible);
        }
        match filtered.feasible.len() {
            0 => Err(FitError { nodes: nodes.len(), failures: filtered.failures, pre_filter: None, post_filter: None }),
            1 => Ok(filtered.feasible[0]),
            _ => Ok(self.select_host(pod, nodes, fit, &filtered.feasible, rng)),
        }
    }

    /// The weighted, normalised total score of each feasible node.
    pub fn scores(&mut self, pod: &mut PodContext<'_>, nodes: &[Node], feasible: &[NodeId]) -> Vec<i64> {
        pod.spread_weights = plugins::pod_topology_spread::normalizing_weights(pod, feasible);
        let mut total = vec![0i64; feasible.len()];
        // One buffer of raw scores, reused by every plugin and every attempt.
        let raw = &mut self.raw_scores;
        for (plugin, weight) in &self.frameworks[self.active].scores {
            if !plugin.applies(pod) {
                continue;
            }
            plugin.score_all(pod, nodes, feasible, raw);
            plugin.normalize(pod, raw);
            let weight = *weight;
            for (t, s) in total.iter_mut().zip(raw.iter()) {
                *t += weight * s;
            }
        }
        total
    }

    /// Whether every score plugin that has something to say for this pod is one that
    /// `fused::scores` computes.
    fn fused_scoring_applies(&self, pod: &PodContext<'_>) -> bool {
        let framework = self.framework();
        framework.fused && framework.scores.iter().all(|(p, _)| p.fusable() || !p.applies(pod))
    }

    /// selectHost: the highest total; ties broken uniformly at random from the scheduling
    /// stream.
    fn select_host(
        &mut self,
        pod: &mut PodContext<'_>,
        nodes: &[Node],
        fit: &[NodeFit],
        feasible: &[NodeId],
        rng: &mut Stream,
    ) -> NodeId {
        let totals = if fit.len() == nodes.len() && self.fused_scoring_applies(pod) {
            pod.spread_weights = plugins::pod_topology_spread::normalizing_weights(pod, feasible);
            let mut buffers = std::mem::take(&mut self.fused_scores);
            fused::scores(self.framework().scoring, pod, nodes, fit, feasible, &mut buffers);
            let totals = std::mem::take(&mut buffers.total);
            self.fused_scores = buffers;
            debug_assert_eq!(totals, self.scores(pod, nodes, feasible), "the one-pass scores are the plugins' scores");
            totals
        } else {
            self.scores(pod, nodes, feasible)
        };
        // One draw per decision, uniform over the nodes sharing the highest total: the same
        // distribution as kube-scheduler's reservoir sampling (a draw per tied node), at a
        // fraction of the cost when hundreds of empty nodes tie.
        debug_assert_eq!(totals.len(), feasible.len(), "a total per feasible node");
        let best_score = totals.iter().copied().max().unwrap_or(i64::MIN);
        let ties = totals.iter().filter(|&&s| s == best_score).count();
        let pick = if ties > 1 { rng.below(ties) } else { 0 };
        let best = feasible
            .iter()
            .zip(&totals)
            .filter(|&(_, &s)| s == best_score)
            .nth(pick)
            .map_or(feasible[0], |(&id, _)| id);
        self.fused_scores.total = totals;
        best
    }
}

/// No node fits: the reasons per node, for the FailedScheduling message.
#[derive(Clone, Debug)]
pub struct FitError {
    pub nodes: usize,
    pub failures: BTreeMap<NodeId, Unfit>,
    /// A PreFilter plugin's rejection (every node then has it in `failures`): the message
    /// says it once instead of counting the nodes (FitError.Error's PreFilterMsg).
    pub pre_filter: Option<String>,
    /// What preemption said (its status message), if it ran.
    pub post_filter: Option<String>,
}

/// "N reason" parts, counted across nodes and sorted by text (sortReasonsHistogram).
pub fn histogram<'a>(reasons: impl Iterator<Item = &'a str>) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for r in reasons {
        *counts.entry(r).or_insert(0) += 1;
    }
    let mut parts: Vec<String> = counts.into_iter().map(|(r, n)| format!("{n} {r}")).collect();
    parts.sort();
    parts.join(", ")
}

impl FitError {
    /// The FailedScheduling message, e.g. `0/3 nodes are available: 3 Insufficient cpu.
    /// preemption: 0/3 nodes are available: 3 No preemption victims found for incoming
    /// pod.`
    pub fn message(&self) -> String {
        if self.nodes == 0 {
            return "no nodes available to schedule pods".to_string();
        }
        let reasons = match &self.pre_filter {
            Some(message) => message.clone(),
            None => histogram(self.failures.values().flat_map(|f| f.reasons.iter().map(String::as_str))),
        };
        let mut msg = format!("0/{} nodes are available: {reasons}.", self.nodes);
        if let Some(post) = self.post_filter.as_deref().filter(|p| !p.is_empty()) {
            msg.push(' ');
            msg.push_str(post);
        }
        msg
    }
}

#[cfg(test)]
mod tests;
