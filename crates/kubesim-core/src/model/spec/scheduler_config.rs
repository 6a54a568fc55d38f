//! A KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1) after defaulting and
//! validation: its profiles, each with the plugins enabled per extension point (multiPoint
//! expanded), the score weights and the plugin arguments kubesim simulates.

use super::{NodeSelectorTerm, PreferredSchedulingTerm, ScoringStrategy, TopologySpreadConstraint};

/// The scheduler a pod names when it names none (v1.DefaultSchedulerName).
pub const DEFAULT_SCHEDULER_NAME: &str = "default-scheduler";

/// `cluster.scheduler.config`: the scheduler's profiles, in file order.
#[derive(Clone, Debug, PartialEq)]
pub struct SchedulerConfig {
    pub profiles: Vec<SchedulerProfile>,
}

impl SchedulerConfig {
    /// The profile whose `schedulerName` a pod names (kube-scheduler's `frameworkForPod`).
    pub fn profile_for(&self, scheduler_name: &str) -> Option<usize> {
        self.profiles.iter().position(|p| p.scheduler_name == scheduler_name)
    }
}

/// One profile: a framework of plugins, answering to pods that name `scheduler_name`.
#[derive(Clone, Debug, PartialEq)]
pub struct SchedulerProfile {
    pub scheduler_name: String,
    /// The Filter plugins in the order the framework runs them (PreFilter goes with Filter).
    pub filters: Vec<String>,
    /// The Score plugins in order, with their weights.
    pub scores: Vec<(String, i64)>,
    /// DefaultPreemption is enabled at PostFilter.
    pub preemption: bool,
    /// The profile's `percentageOfNodesToScore`, else the configuration's (None or 0: the
    /// adaptive percentage).
    pub percentage_of_nodes_to_score: Option<u32>,
    /// NodeResourcesFitArgs.scoringStrategy.
    pub fit: FitScoring,
    /// PodTopologySpreadArgs: None for `defaultingType: System`, else the `List`'s
    /// constraints (their selectors empty: each pod's default selector is put in).
    pub spread_defaults: Option<Vec<TopologySpreadConstraint>>,
    /// InterPodAffinityArgs.hardPodAffinityWeight (1).
    pub hard_pod_affinity_weight: i64,
    /// NodeAffinityArgs.addedAffinity: required terms (None: none) and preferred terms.
    pub added_affinity: Option<AddedAffinity>,
}

/// NodeAffinityArgs.addedAffinity.
#[derive(Clone, Debug, PartialEq)]
pub struct AddedAffinity {
    pub required: Option<Vec<NodeSelectorTerm>>,
    pub preferred: Vec<PreferredSchedulingTerm>,
}

/// NodeResourcesFitArgs.scoringStrategy: its type, the resources and their weights, and
/// the RequestedToCapacityRatio shape (utilization, score 0-10) points.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FitScoring {
    pub strategy: ScoringStrategy,
    pub resources: Vec<(String, i64)>,
    pub shape: Vec<(i64, i64)>,
}

impl Default for FitScoring {
    /// SetDefaults_NodeResourcesFitArgs: LeastAllocated over cpu and memory, weight 1 each.
    fn default() -> Self {
        FitScoring {
            strategy: ScoringStrategy::LeastAllocated,
            resources: vec![("cpu".into(), 1), ("memory".into(), 1)],
            shape: Vec::new(),
        }
    }
}

impl FitScoring {
    /// Whether this is what kubesim's own `LeastAllocated` / `MostAllocated` scores compute
    /// (cpu and memory, weight 1 each): the one-pass scoring then applies.
    pub fn plain_strategy(&self) -> Option<ScoringStrategy> {
        let plain = self.resources == [("cpu".to_string(), 1), ("memory".to_string(), 1)];
        (plain && self.strategy != ScoringStrategy::RequestedToCapacityRatio).then_some(self.strategy)
    }
}

/// The default profile's Filter plugins, in getDefaultPlugins' order (the ones kubesim has
/// nothing to check for are left out: VolumeRestrictions, NodeVolumeLimits, VolumeZone).
pub const DEFAULT_FILTERS: &[&str] = &[
    "NodeUnschedulable",
    "NodeName",
    "TaintToleration",
    "NodeAffinity",
    "NodePorts",
    "NodeResourcesFit",
    "VolumeBinding",
    "PodTopologySpread",
    "InterPodAffinity",
];

/// The default profile's Score plugins and weights (getDefaultPlugins).
pub const DEFAULT_SCORES: &[(&str, i64)] = &[
    ("TaintToleration", 3),
    ("NodeAffinity", 2),
    ("NodeResourcesFit", 1),
    ("PodTopologySpread", 2),
    ("InterPodAffinity", 2),
    ("NodeResourcesBalancedAllocation", 1),
    ("ImageLocality", 1),
];
