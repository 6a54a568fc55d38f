//! Node autoscaling: a node group's price and capacity type, the bounds that make it an
//! autoscaled pool, and the Cluster Autoscaler's settings (`cluster.autoscaler`).

use crate::engine::SimDuration;

/// How a node is bought: on demand, or spot (cheaper, and interrupted with two minutes'
/// notice).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum CapacityType {
    #[default]
    OnDemand,
    Spot,
}

impl CapacityType {
    /// Karpenter's label value (`karpenter.sh/capacity-type`).
    pub fn label(self) -> &'static str {
        match self {
            CapacityType::OnDemand => "on-demand",
            CapacityType::Spot => "spot",
        }
    }
}

/// What a node group costs and how its nodes come and go, beyond its count. The default is
/// a plain group: no type, no price, on demand, fixed.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeEconomics {
    /// The instance type (`node.kubernetes.io/instance-type`), from the catalogue or named.
    pub instance_type: Option<String>,
    /// Dollars per node-hour (0 when not given and not in the catalogue).
    pub price_per_hour: f64,
    pub capacity_type: CapacityType,
    /// `min` and `max`: the group is a pool the autoscaler resizes (None: a fixed group).
    pub bounds: Option<PoolBounds>,
    /// From the autoscaler's request to the node being Ready: the cloud's provisioning, the
    /// boot, the kubelet's registration (`startupTime`, 60s).
    pub startup: SimDuration,
    /// Spot interruptions per node per hour (`interruptions: 1/day`): each comes with the
    /// two-minute notice.
    pub interruptions_per_node_hour: f64,
    /// The priority expander's priority of this pool (higher first); Karpenter's NodePool
    /// `weight`.
    pub priority: i32,
    /// Karpenter's choices for this pool (`instanceTypes:`, the NodePool's
    /// `node.kubernetes.io/instance-type In [...]` requirement); empty: `instance_type`
    /// alone. The Cluster Autoscaler's node group has the one `instance_type`.
    pub instance_types: Vec<String>,
}

impl Default for NodeEconomics {
    fn default() -> Self {
        NodeEconomics {
            instance_type: None,
            price_per_hour: 0.0,
            capacity_type: CapacityType::OnDemand,
            bounds: None,
            startup: DEFAULT_NODE_STARTUP,
            interruptions_per_node_hour: 0.0,
            priority: 0,
            instance_types: Vec::new(),
        }
    }
}

impl super::NodeGroup {
    /// The instance types an autoscaler may launch this group's nodes as: each of Karpenter's
    /// `instanceTypes` when it lists several, else the group's own type and capacity (None).
    pub fn instance_choices(&self) -> Vec<Option<&'static crate::model::instance_types::InstanceType>> {
        let types = &self.economics.instance_types;
        if types.len() > 1 {
            types.iter().map(|t| crate::model::instance_types::find(t)).collect()
        } else {
            vec![None]
        }
    }

    /// The price per hour of one of its nodes launched as `instance` (one of
    /// `instance_choices`): that type's catalogue price, or the group's own.
    pub fn price_of(&self, instance: Option<&crate::model::instance_types::InstanceType>) -> f64 {
        instance.map_or(self.economics.price_per_hour, |t| t.price(self.economics.capacity_type))
    }
}

/// An autoscaled pool's bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolBounds {
    pub min: u32,
    pub max: u32,
}

/// The default time from a scale-up to the node being Ready: about what EKS and GKE take
/// to launch an instance, boot it and register its kubelet.
pub const DEFAULT_NODE_STARTUP: SimDuration = SimDuration::from_secs(60);

/// Which expander picks among the pools that could help (`--expander`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Expander {
    #[default]
    Random,
    MostPods,
    LeastWaste,
    Price,
    Priority,
}

impl Expander {
    pub const NAMES: [&'static str; 5] = ["random", "most-pods", "least-waste", "price", "priority"];

    pub fn from_name(name: &str) -> Option<Expander> {
        Some(match name {
            "random" => Expander::Random,
            "most-pods" => Expander::MostPods,
            "least-waste" => Expander::LeastWaste,
            "price" => Expander::Price,
            "priority" => Expander::Priority,
            _ => return None,
        })
    }
}

/// The Cluster Autoscaler's flags that the simulation uses, with its defaults
/// (cluster-autoscaler/config/flags/flags.go and config/const.go).
#[derive(Clone, Debug, PartialEq)]
pub struct ClusterAutoscalerSpec {
    /// `--scan-interval` (10s).
    pub scan_interval: SimDuration,
    pub expander: Expander,
    /// `--scale-down-enabled` (true).
    pub scale_down_enabled: bool,
    /// `--scale-down-unneeded-time` (10m).
    pub scale_down_unneeded_time: SimDuration,
    /// `--scale-down-utilization-threshold` (0.5).
    pub scale_down_utilization_threshold: f64,
    /// `--scale-down-delay-after-add` (10m).
    pub scale_down_delay_after_add: SimDuration,
    /// `--scale-down-delay-after-delete` (0s).
    pub scale_down_delay_after_delete: SimDuration,
    /// `--scale-down-delay-after-failure` (3m).
    pub scale_down_delay_after_failure: SimDuration,
    /// `--max-node-provision-time` (15m).
    pub max_node_provision_time: SimDuration,
    /// `--max-graceful-termination-sec` (600).
    pub max_graceful_termination: SimDuration,
    /// `--max-empty-bulk-delete` (10).
    pub max_empty_bulk_delete: u32,
    /// `--max-pod-eviction-time` (2m): how long evictions a budget refuses are retried.
    pub max_pod_eviction_time: SimDuration,
    /// `--skip-nodes-with-local-storage` (true).
    pub skip_nodes_with_local_storage: bool,
    /// `--skip-nodes-with-system-pods` (true).
    pub skip_nodes_with_system_pods: bool,
}

impl Default for ClusterAutoscalerSpec {
    fn default() -> Self {
        ClusterAutoscalerSpec {
            scan_interval: SimDuration::from_secs(10),
            expander: Expander::Random,
            scale_down_enabled: true,
            scale_down_unneeded_time: SimDuration::from_secs(600),
            scale_down_utilization_threshold: 0.5,
            scale_down_delay_after_add: SimDuration::from_secs(600),
            scale_down_delay_after_delete: SimDuration::ZERO,
            scale_down_delay_after_failure: SimDuration::from_secs(180),
            max_node_provision_time: SimDuration::from_secs(900),
            max_graceful_termination: SimDuration::from_secs(600),
            max_empty_bulk_delete: 10,
            max_pod_eviction_time: SimDuration::from_secs(120),
            skip_nodes_with_local_storage: true,
            skip_nodes_with_system_pods: true,
        }
    }
}

/// When Karpenter consolidates (a NodePool's `disruption.consolidationPolicy`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ConsolidationPolicy {
    WhenEmpty,
    #[default]
    WhenEmptyOrUnderutilized,
}

/// Karpenter's settings, with its defaults (kubernetes-sigs/karpenter: the controller's
/// BATCH_IDLE_DURATION and BATCH_MAX_DURATION, and the v1 NodePool's disruption fields).
#[derive(Clone, Debug, PartialEq)]
pub struct KarpenterSpec {
    /// `batchIdleDuration` (1s): the batch closes after this long without a new pending pod.
    pub batch_idle: SimDuration,
    /// `batchMaxDuration` (10s): ... or this long after it opened.
    pub batch_max: SimDuration,
    pub consolidation_policy: ConsolidationPolicy,
    /// `consolidateAfter` (0s): a node is considered after no pod came or went on it for this long.
    pub consolidate_after: SimDuration,
    /// `expireAfter` (720h): nodes older than this are replaced (None: `Never`).
    pub expire_after: Option<SimDuration>,
    /// `budgets: [{nodes: "10%"}]`: how many of a pool's nodes may be disrupted at once.
    pub budget_nodes: super::IntOrPercent,
}

impl Default for KarpenterSpec {
    fn default() -> Self {
        KarpenterSpec {
            batch_idle: SimDuration::from_secs(1),
            batch_max: SimDuration::from_secs(10),
            consolidation_policy: ConsolidationPolicy::WhenEmptyOrUnderutilized,
            consolidate_after: SimDuration::ZERO,
            expire_after: Some(SimDuration::from_secs(720 * 3600)),
            budget_nodes: super::IntOrPercent::Percent(10),
        }
    }
}

/// `cluster.autoscaler`: which node autoscaler runs.
#[derive(Clone, Debug, PartialEq)]
pub enum NodeAutoscaler {
    ClusterAutoscaler(ClusterAutoscalerSpec),
    Karpenter(KarpenterSpec),
}
