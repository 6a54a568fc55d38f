//! The cluster itself: node groups and their taints, the control plane's timings, and the
//! scheduler's scoring strategy.

use super::{Labels, ProxyMode, Resources};
use crate::engine::SimDuration;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TaintEffect {
    NoSchedule,
    PreferNoSchedule,
    NoExecute,
}

impl TaintEffect {
    /// The effect as Kubernetes writes it.
    pub fn name(self) -> &'static str {
        match self {
            TaintEffect::NoSchedule => "NoSchedule",
            TaintEffect::PreferNoSchedule => "PreferNoSchedule",
            TaintEffect::NoExecute => "NoExecute",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Taint {
    pub key: String,
    pub value: String,
    pub effect: TaintEffect,
}

impl Taint {
    /// `key=value:Effect` (`key:Effect` without a value), as kubectl writes a taint; `key`
    /// may be shown under another name.
    pub fn text_with_key(&self, key: &str) -> String {
        if self.value.is_empty() {
            format!("{key}:{}", self.effect.name())
        } else {
            format!("{key}={}:{}", self.value, self.effect.name())
        }
    }
}

#[derive(Clone, PartialEq)]
pub struct NodeGroup {
    /// Node name, or the prefix of `name-1 .. name-N` when `count` > 1.
    pub name: String,
    /// The nodes it starts with.
    pub count: u32,
    pub capacity: Resources,
    pub labels: Labels,
    pub taints: Vec<Taint>,
    /// Its instance type, price, capacity type and autoscaling bounds.
    pub economics: super::NodeEconomics,
}

impl NodeGroup {
    /// Whether the node autoscaler resizes this group.
    pub fn is_pool(&self) -> bool {
        self.economics.bounds.is_some()
    }

    /// Whether its nodes are named `name-1 .. name-N` (more than one node, or a pool, whose
    /// new nodes go on counting), rather than `name`.
    pub fn numbered(&self) -> bool {
        self.count > 1 || self.is_pool()
    }

    /// The name of its `i`-th node (from 1).
    pub fn node_name(&self, i: u32) -> String {
        if self.numbered() {
            format!("{}-{i}", self.name)
        } else {
            self.name.clone()
        }
    }
}

/// As derived, with `economics` only when it is not the default: a sweep's hash is taken over
/// the scenario's Debug text, and a scenario without prices or pools keeps its hash.
impl std::fmt::Debug for NodeGroup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("NodeGroup");
        d.field("name", &self.name)
            .field("count", &self.count)
            .field("capacity", &self.capacity)
            .field("labels", &self.labels)
            .field("taints", &self.taints);
        if self.economics != super::NodeEconomics::default() {
            d.field("economics", &self.economics);
        }
        d.finish()
    }
}

/// Timings of the control plane and kubelets (Kubernetes' defaults unless overridden).
#[derive(Clone, PartialEq)]
pub struct ControlPlane {
    /// Latency of an API write reaching the watchers.
    pub api_latency: SimDuration,
    pub node_monitor_grace_period: SimDuration,
    pub default_toleration_seconds: i64,
    /// Delay before an unschedulable pod is retried in any case.
    pub pod_max_in_unschedulable_pods_duration: SimDuration,
    pub pod_initial_backoff: SimDuration,
    pub pod_max_backoff: SimDuration,
    /// Kubelet: creating the pod sandbox before the first pull.
    pub sandbox_creation: SimDuration,
    /// How long an EndpointSlice change takes to reach kube-proxy and ingress-nginx
    /// (`endpointPropagation`).
    pub endpoint_propagation: SimDuration,
    /// kube-proxy's mode (`proxyMode: iptables | ipvs`).
    pub proxy_mode: ProxyMode,
    /// Kubelet: how often a node reports its status and renews its Lease
    /// (`nodeStatusUpdateFrequency`, 10s).
    pub node_status_update_frequency: SimDuration,
    /// Node lifecycle controller: how often it checks the nodes (`nodeMonitorPeriod`, 5s).
    pub node_monitor_period: SimDuration,
    /// Nodes evicted from per second in a healthy zone (`nodeEvictionRate`, 0.1).
    pub node_eviction_rate: f64,
    /// ... in an unhealthy zone of more than `large_cluster_size_threshold` nodes
    /// (`secondaryNodeEvictionRate`, 0.01).
    pub secondary_node_eviction_rate: f64,
    /// An unhealthy zone of at most this many nodes stops evicting
    /// (`largeClusterSizeThreshold`, 50; Kubernetes compares each zone's size with it).
    pub large_cluster_size_threshold: u32,
    /// A zone with at least this share of nodes not ready (and at least 3) is unhealthy
    /// (`unhealthyZoneThreshold`, 0.55).
    pub unhealthy_zone_threshold: f64,
    /// HPA controller: how often each HPA is reconciled
    /// (`--horizontal-pod-autoscaler-sync-period`, 15s).
    pub hpa_sync_period: SimDuration,
    /// ... the ratio band within which it does not scale (`--horizontal-pod-autoscaler-tolerance`, 0.1).
    pub hpa_tolerance: f64,
    /// ... the scale-down stabilisation window (`--horizontal-pod-autoscaler-downscale-stabilization`, 5m).
    pub hpa_downscale_stabilization: SimDuration,
    /// ... CPU samples of pods younger than this are distrusted
    /// (`--horizontal-pod-autoscaler-cpu-initialization-period`, 5m).
    pub hpa_cpu_initialization_period: SimDuration,
    /// ... an unready pod that turned unready within this of its start was never ready
    /// (`--horizontal-pod-autoscaler-initial-readiness-delay`, 30s).
    pub hpa_initial_readiness_delay: SimDuration,
    /// metrics-server: how often it scrapes the kubelets, and so the window over which a
    /// pod's CPU use is averaged (`--metric-resolution`, 15s).
    pub metrics_resolution: SimDuration,
    /// `cluster.startTime`: the wall-clock instant of virtual time 0, in Unix microseconds
    /// (CronJob schedules run on it; outputs keep virtual seconds).
    pub start_time: i64,
    /// `cluster.storage.provisioningTime`: how long a provisioner takes to make a volume
    /// (5s), and per StorageClass (`cluster.storage.classes.NAME.provisioningTime`).
    pub provisioning: SimDuration,
    pub class_provisioning: std::collections::BTreeMap<String, SimDuration>,
}

impl ControlPlane {
    /// How long provisioning a volume of `class` takes.
    pub fn provisioning_time(&self, class: &str) -> SimDuration {
        self.class_provisioning.get(class).copied().unwrap_or(self.provisioning)
    }
}

/// As `#[derive(Debug)]` would print it, but `start_time` and the storage provisioning times
/// only when they are not the defaults:
/// a sweep's hash is taken over the scenario's Debug text, and a scenario that does not set
/// `cluster.startTime` keeps the hash it had before the field existed. Every field is named
/// here, so a new one cannot be forgotten.
impl std::fmt::Debug for ControlPlane {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ControlPlane {
            api_latency,
            node_monitor_grace_period,
            default_toleration_seconds,
            pod_max_in_unschedulable_pods_duration,
            pod_initial_backoff,
            pod_max_backoff,
            sandbox_creation,
            endpoint_propagation,
            proxy_mode,
            node_status_update_frequency,
            node_monitor_period,
            node_eviction_rate,
            secondary_node_eviction_rate,
            large_cluster_size_threshold,
            unhealthy_zone_threshold,
            hpa_sync_period,
            hpa_tolerance,
            hpa_downscale_stabilization,
            hpa_cpu_initialization_period,
            hpa_initial_readiness_delay,
            metrics_resolution,
            start_time,
            provisioning,
            class_provisioning,
        } = self;
        let mut d = f.debug_struct("ControlPlane");
        d.field("api_latency", api_latency);
        d.field("node_monitor_grace_period", node_monitor_grace_period);
        d.field("default_toleration_seconds", default_toleration_seconds);
        d.field("pod_max_in_unschedulable_pods_duration", pod_max_in_unschedulable_pods_duration);
        d.field("pod_initial_backoff", pod_initial_backoff);
        d.field("pod_max_backoff", pod_max_backoff);
        d.field("sandbox_creation", sandbox_creation);
        d.field("endpoint_propagation", endpoint_propagation);
        d.field("proxy_mode", proxy_mode);
        d.field("node_status_update_frequency", node_status_update_frequency);
        d.field("node_monitor_period", node_monitor_period);
        d.field("node_eviction_rate", node_eviction_rate);
        d.field("secondary_node_eviction_rate", secondary_node_eviction_rate);
        d.field("large_cluster_size_threshold", large_cluster_size_threshold);
        d.field("unhealthy_zone_threshold", unhealthy_zone_threshold);
        d.field("hpa_sync_period", hpa_sync_period);
        d.field("hpa_tolerance", hpa_tolerance);
        d.field("hpa_downscale_stabilization", hpa_downscale_stabilization);
        d.field("hpa_cpu_initialization_period", hpa_cpu_initialization_period);
        d.field("hpa_initial_readiness_delay", hpa_initial_readiness_delay);
        d.field("metrics_resolution", metrics_resolution);
        if *start_time != DEFAULT_START_TIME {
            d.field("start_time", start_time);
        }
        if *provisioning != SimDuration::from_secs(5) || !class_provisioning.is_empty() {
            d.field("provisioning", provisioning).field("class_provisioning", class_provisioning);
        }
        d.finish()
    }
}

/// The default `cluster.startTime`: 2025-01-01T00:00:00Z, a fixed instant (never the
/// machine's clock), in Unix microseconds.
pub const DEFAULT_START_TIME: i64 = 1_735_689_600_000_000;

impl Default for ControlPlane {
    fn default() -> Self {
        ControlPlane {
            api_latency: SimDuration::from_millis(10),
            node_monitor_grace_period: SimDuration::from_secs(50),
            default_toleration_seconds: 300,
            pod_max_in_unschedulable_pods_duration: SimDuration::from_secs(300),
            pod_initial_backoff: SimDuration::from_secs(1),
            pod_max_backoff: SimDuration::from_secs(10),
            sandbox_creation: SimDuration::from_millis(500),
            endpoint_propagation: SimDuration::from_secs(1),
            proxy_mode: ProxyMode::Iptables,
            node_status_update_frequency: SimDuration::from_secs(10),
            node_monitor_period: SimDuration::from_secs(5),
            node_eviction_rate: 0.1,
            secondary_node_eviction_rate: 0.01,
            large_cluster_size_threshold: 50,
            unhealthy_zone_threshold: 0.55,
            hpa_sync_period: SimDuration::from_secs(15),
            hpa_tolerance: 0.1,
            hpa_downscale_stabilization: SimDuration::from_secs(300),
            hpa_cpu_initialization_period: SimDuration::from_secs(300),
            hpa_initial_readiness_delay: SimDuration::from_secs(30),
            metrics_resolution: SimDuration::from_secs(15),
            provisioning: SimDuration::from_secs(5),
            class_provisioning: std::collections::BTreeMap::new(),
            start_time: DEFAULT_START_TIME,
        }
    }
}

/// How the scheduler scores nodes for resource fit (`cluster.scheduler.scoring`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ScoringStrategy {
    #[default]
    LeastAllocated,
    MostAllocated,
    RequestedToCapacityRatio,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sweep hash is taken over Debug text: the default start time is not in it.
    #[test]
    fn the_default_start_time_is_not_in_the_debug_text() {
        let default = ControlPlane::default();
        assert!(!format!("{default:?}").contains("start_time"));
        assert!(format!("{default:?}").starts_with("ControlPlane { api_latency: "));
        let later = ControlPlane { start_time: DEFAULT_START_TIME + 1, ..ControlPlane::default() };
        assert!(format!("{later:?}").ends_with(", start_time: 1735689600000001 }"));
    }
}
