//! A node group's instance type, price, capacity type and autoscaling bounds, and the
//! `cluster.autoscaler` section.

use super::diagnostic::Report;
use super::node::{describe, Node};
use super::suggest::did_you_mean;
use crate::model::instance_types;
use crate::model::spec::{
    CapacityType, ClusterAutoscalerSpec, ConsolidationPolicy, Expander, KarpenterSpec, Labels, NodeAutoscaler,
    NodeEconomics, NodeGroup, PoolBounds, Resources,
};
use serde_yaml::Value;

/// The keys of a node group that this file reads.
pub(crate) const POOL_KEYS: &[&str] = &[
    "instanceType",
    "instanceTypes",
    "capacityType",
    "price",
    "min",
    "max",
    "startupTime",
    "interruptions",
    "priority",
];

/// The label Kubernetes and every cloud put the instance type in.
pub const INSTANCE_TYPE_LABEL: &str = "node.kubernetes.io/instance-type";
/// Karpenter's capacity type label (also what kubesim puts on every node of a priced group).
pub const CAPACITY_TYPE_LABEL: &str = "karpenter.sh/capacity-type";

/// What a group's pool keys give: its economics, and the catalogue's allocatable for its
/// instance type (the group's own `capacity:` keys win over it).
pub(crate) struct PoolFields {
    pub economics: NodeEconomics,
    pub catalogue_capacity: Option<Resources>,
}

/// Reads the pool keys of node group `g` (whose count is `count`, None when not given).
pub(crate) fn pool_fields(g: &Node, has_capacity: bool, count: Option<u32>, r: &mut Report) -> PoolFields {
    let mut e = NodeEconomics::default();
    let mut catalogue_capacity = None;
    let mut catalogue_price = None;
    if let Some(t) = g.get("capacityType") {
        match t.string(r).as_deref() {
            Some("on-demand") => e.capacity_type = CapacityType::OnDemand,
            Some("spot") => e.capacity_type = CapacityType::Spot,
            Some(other) => t.error(
                r,
                format!("Unsupported value: \"{other}\": supported values: \"on-demand\", \"spot\""),
                did_you_mean(other, ["on-demand", "spot"]),
            ),
            None => {}
        }
    }
    if let Some(list) = g.get("instanceTypes") {
        if list.expect_seq(r, "instance types") {
            for item in list.items() {
                let Some(name) = item.string(r) else { continue };
                if instance_types::find(&name).is_none() {
                    let names = instance_types::CATALOGUE.iter().map(|t| t.name);
                    let help = did_you_mean(&name, names).or_else(|| {
                        Some("Karpenter's choices must be in kubesim's catalogue (README: Node pools)".into())
                    });
                    item.error(r, format!("unknown instance type \"{name}\""), help);
                } else if !e.instance_types.contains(&name) {
                    e.instance_types.push(name);
                }
            }
            if list.items().is_empty() {
                list.error(r, "instanceTypes: at least one instance type", None);
            }
        }
    }
    // A pool that lists only Karpenter's choices starts (and is templated for the Cluster
    // Autoscaler) with the first.
    let named = g.get("instanceType").and_then(|t| t.string(r).map(|n| (t, n)));
    let named = named.or_else(|| {
        let first = e.instance_types.first()?.clone();
        g.get("instanceTypes").map(|t| (t, first))
    });
    if let Some((t, name)) = named {
        {
            match instance_types::find(&name) {
                Some(entry) => {
                    catalogue_capacity = Some(entry.allocatable());
                    catalogue_price = Some(entry.price(e.capacity_type));
                }
                None if has_capacity => {}
                None => {
                    let names = instance_types::CATALOGUE.iter().map(|t| t.name);
                    let help = did_you_mean(&name, names.clone()).or_else(|| {
                        Some(format!(
                            "give the group's `capacity:` (and `price:`) for an instance type outside kubesim's \
                             catalogue; the catalogue has {}",
                            names.collect::<Vec<_>>().join(", ")
                        ))
                    });
                    t.error(r, format!("unknown instance type \"{name}\""), help);
                }
            }
            e.instance_type = Some(name);
        }
    }
    e.price_per_hour = match g.get("price") {
        Some(p) => match p.float(r) {
            Some(x) if x >= 0.0 && x.is_finite() => x,
            Some(x) => {
                p.error(r, format!("invalid price {x}: a price per node-hour is 0 or more"), None);
                0.0
            }
            None => 0.0,
        },
        None => catalogue_price.unwrap_or(0.0),
    };
    let min = g.get("min").and_then(|m| m.uint(r, "a node count").map(|v| (m, v)));
    let max = g.get("max").and_then(|m| m.uint(r, "a node count").map(|v| (m, v)));
    match (min, max) {
        (Some((_, lo)), Some((max_node, hi))) => {
            let (lo, hi) = (u32::try_from(lo).unwrap_or(u32::MAX), u32::try_from(hi).unwrap_or(u32::MAX));
            if hi < lo {
                max_node.error(r, format!("max ({hi}) is less than min ({lo})"), None);
            } else if hi as u64 > super::config::MAX_NODES {
                max_node.error(
                    r,
                    format!("{hi} is more than kubesim's limit of {} nodes", super::config::MAX_NODES),
                    None,
                );
            } else {
                if let (Some(c), Some(count)) = (g.get("count"), count) {
                    if count < lo || count > hi {
                        c.error(r, format!("count {count} is outside the pool's bounds [{lo}, {hi}]"), None);
                    }
                }
                e.bounds = Some(PoolBounds { min: lo, max: hi });
            }
        }
        (Some((n, _)), None) | (None, Some((n, _))) => {
            let missing = if g.get("min").is_some() { "max" } else { "min" };
            n.error(
                r,
                format!("an autoscaled pool needs both min and max: {missing} is missing"),
                Some("a group without min and max keeps its count".into()),
            );
        }
        (None, None) => {}
    }
    if let Some(s) = g.get("startupTime").and_then(|s| s.duration(r)) {
        e.startup = s;
    }
    if let Some(i) = g.get("interruptions") {
        if e.capacity_type != CapacityType::Spot {
            i.error(r, "interruptions are for spot capacity: set `capacityType: spot`", None);
        } else if let Some(rate) = per_hour(&i, r) {
            e.interruptions_per_node_hour = rate;
        }
    }
    if let Some(p) = g.get("priority") {
        if let Some(v) = p.v.as_i64().and_then(|v| i32::try_from(v).ok()) {
            e.priority = v;
        } else {
            p.error(r, format!("expected a priority (an integer), found {}", describe(p.v)), None);
        }
    }
    PoolFields { economics: e, catalogue_capacity }
}

/// The labels a node of a priced or typed group carries, as the clouds and Karpenter set them.
pub(crate) fn pool_labels(e: &NodeEconomics, labels: &mut Labels) {
    if let Some(t) = &e.instance_type {
        labels.entry(INSTANCE_TYPE_LABEL.into()).or_insert_with(|| t.clone());
        if let Some(entry) = instance_types::find(t) {
            labels.entry("kubernetes.io/arch".into()).or_insert_with(|| entry.arch.into());
        }
    }
    if e.capacity_type == CapacityType::Spot || e.bounds.is_some() {
        labels.entry(CAPACITY_TYPE_LABEL.into()).or_insert_with(|| e.capacity_type.label().into());
    }
}

/// `N/h`, `N/day`, `N/week` or `N/month` (30 days), N a decimal: events per node-hour.
fn per_hour(n: &Node, r: &mut Report) -> Option<f64> {
    const HELP: &str = "a rate per node like `1/day`, `0.5/week` or `0.02/h`";
    let Value::String(text) = n.v else {
        n.error(r, format!("expected {HELP}, found {}", describe(n.v)), None);
        return None;
    };
    let parsed = text.split_once('/').and_then(|(num, unit)| {
        let hours = match unit.trim() {
            "h" | "hour" => 1.0,
            "d" | "day" => 24.0,
            "w" | "week" => 168.0,
            "month" => 720.0,
            _ => return None,
        };
        let num = num.trim();
        let plain = !num.is_empty() && num.bytes().all(|b| b.is_ascii_digit() || b == b'.');
        let x: f64 = num.parse().ok().filter(|_| plain)?;
        (x.is_finite() && x <= 3600.0).then_some(x / hours)
    });
    if parsed.is_none() {
        n.error(r, format!("invalid rate \"{text}\""), Some(format!("write {HELP}")));
    }
    parsed
}

/// Karpenter's keys (its settings and a NodePool's disruption fields).
const KARPENTER_KEYS: &[&str] = &[
    "batchIdleDuration",
    "batchMaxDuration",
    "consolidationPolicy",
    "consolidateAfter",
    "expireAfter",
    "disruptionBudget",
];

/// `cluster.autoscaler`: `type: cluster-autoscaler` and its flags in camelCase, or
/// `type: karpenter` and its settings. Either reads only its own keys, and the other's are
/// allowed, so one section serves a sweep that switches `type`.
pub(crate) fn autoscaler(n: Option<Node>, groups: &[NodeGroup], r: &mut Report) -> Option<NodeAutoscaler> {
    const KEYS: &[&str] = &[
        "type",
        "scanInterval",
        "expander",
        "scaleDownEnabled",
        "scaleDownUnneededTime",
        "scaleDownUtilizationThreshold",
        "scaleDownDelayAfterAdd",
        "scaleDownDelayAfterDelete",
        "scaleDownDelayAfterFailure",
        "maxNodeProvisionTime",
        "maxGracefulTerminationSec",
        "maxEmptyBulkDelete",
        "maxPodEvictionTime",
        "skipNodesWithLocalStorage",
        "skipNodesWithSystemPods",
    ];
    let n = n.filter(|n| !n.v.is_null())?;
    let all: Vec<&str> = KEYS.iter().chain(KARPENTER_KEYS).copied().collect();
    if !n.check_keys(r, &all, "cluster.autoscaler") {
        return None;
    }
    const TYPES: [&str; 2] = ["cluster-autoscaler", "karpenter"];
    match n.get("type").and_then(|t| t.string(r).map(|s| (t, s))) {
        Some((_, t)) if t == "cluster-autoscaler" => {}
        Some((_, t)) if t == "karpenter" => return karpenter(&n, groups, r),
        Some((at, other)) => {
            at.error(
                r,
                format!("Unsupported value: \"{other}\": supported values: \"cluster-autoscaler\", \"karpenter\""),
                did_you_mean(&other, TYPES),
            );
            return None;
        }
        None => {
            n.error(r, "type: Required value: the node autoscaler (`cluster-autoscaler` or `karpenter`)", None);
            return None;
        }
    }
    let mut ca = ClusterAutoscalerSpec::default();
    let duration = |key: &str, out: &mut crate::engine::SimDuration, r: &mut Report| {
        if let Some(d) = n.get(key).and_then(|d| d.duration(r)) {
            *out = d;
        }
    };
    duration("scanInterval", &mut ca.scan_interval, r);
    duration("scaleDownUnneededTime", &mut ca.scale_down_unneeded_time, r);
    duration("scaleDownDelayAfterAdd", &mut ca.scale_down_delay_after_add, r);
    duration("scaleDownDelayAfterDelete", &mut ca.scale_down_delay_after_delete, r);
    duration("scaleDownDelayAfterFailure", &mut ca.scale_down_delay_after_failure, r);
    duration("maxNodeProvisionTime", &mut ca.max_node_provision_time, r);
    duration("maxPodEvictionTime", &mut ca.max_pod_eviction_time, r);
    if ca.scan_interval == crate::engine::SimDuration::ZERO {
        if let Some(s) = n.get("scanInterval") {
            s.error(r, "the scan interval must be more than 0", None);
        }
    }
    if let Some(e) = n.get("expander") {
        if let Some(name) = e.string(r) {
            match Expander::from_name(&name) {
                Some(x) => ca.expander = x,
                None => e.error(
                    r,
                    format!(
                        "Unsupported value: \"{name}\": supported values: {}",
                        Expander::NAMES.map(|n| format!("\"{n}\"")).join(", ")
                    ),
                    did_you_mean(&name, Expander::NAMES),
                ),
            }
        }
    }
    if let Some(b) = n.get("scaleDownEnabled").and_then(|b| b.boolean(r)) {
        ca.scale_down_enabled = b;
    }
    if let Some(b) = n.get("skipNodesWithLocalStorage").and_then(|b| b.boolean(r)) {
        ca.skip_nodes_with_local_storage = b;
    }
    if let Some(b) = n.get("skipNodesWithSystemPods").and_then(|b| b.boolean(r)) {
        ca.skip_nodes_with_system_pods = b;
    }
    if let Some(t) = n.get("scaleDownUtilizationThreshold") {
        match t.float(r) {
            Some(x) if (0.0..=1.0).contains(&x) => ca.scale_down_utilization_threshold = x,
            Some(x) => t.error(r, format!("invalid threshold {x}: a share of allocatable, from 0 to 1"), None),
            None => {}
        }
    }
    if let Some(s) = n.get("maxGracefulTerminationSec").and_then(|s| s.uint(r, "seconds")) {
        ca.max_graceful_termination = crate::engine::SimDuration::from_secs(s.min(365 * 86_400));
    }
    if let Some(m) = n.get("maxEmptyBulkDelete").and_then(|m| m.uint(r, "a node count")) {
        ca.max_empty_bulk_delete = u32::try_from(m).unwrap_or(u32::MAX).max(1);
    }
    if !groups.iter().any(NodeGroup::is_pool) {
        n.warn(r, "no node group has `min` and `max`: the autoscaler has no pool to resize");
    }
    Some(NodeAutoscaler::ClusterAutoscaler(ca))
}

/// `type: karpenter`: its batching and its NodePools' disruption settings (one for every
/// pool: kubesim's pools are Karpenter's NodePools).
fn karpenter(n: &Node, groups: &[NodeGroup], r: &mut Report) -> Option<NodeAutoscaler> {
    let mut k = KarpenterSpec::default();
    let duration = |key: &str, out: &mut crate::engine::SimDuration, r: &mut Report| {
        if let Some(d) = n.get(key).and_then(|d| d.duration(r)) {
            *out = d;
        }
    };
    duration("batchIdleDuration", &mut k.batch_idle, r);
    duration("batchMaxDuration", &mut k.batch_max, r);
    duration("consolidateAfter", &mut k.consolidate_after, r);
    if let Some(p) = n.get("consolidationPolicy") {
        match p.string(r).as_deref() {
            Some("WhenEmpty") => k.consolidation_policy = ConsolidationPolicy::WhenEmpty,
            Some("WhenEmptyOrUnderutilized") => k.consolidation_policy = ConsolidationPolicy::WhenEmptyOrUnderutilized,
            Some(other) => p.error(
                r,
                format!(
                    "Unsupported value: \"{other}\": supported values: \"WhenEmpty\", \"WhenEmptyOrUnderutilized\""
                ),
                did_you_mean(other, ["WhenEmpty", "WhenEmptyOrUnderutilized"]),
            ),
            None => {}
        }
    }
    if let Some(e) = n.get("expireAfter") {
        if e.v.as_str() == Some("Never") {
            k.expire_after = None;
        } else if let Some(d) = e.duration(r) {
            k.expire_after = Some(d);
        }
    }
    if let Some(b) = n.get("disruptionBudget") {
        let text = match b.v {
            Value::Number(x) => x.to_string(),
            Value::String(s) => s.clone(),
            other => {
                b.error(r, format!("expected a node count or a percentage like 10%, found {}", describe(other)), None);
                String::new()
            }
        };
        if !text.is_empty() {
            match parse_int_or_percent(&text) {
                Some(v) => k.budget_nodes = v,
                None => b.error(r, format!("invalid budget \"{text}\": a node count or a percentage like 10%"), None),
            }
        }
    }
    if k.batch_idle > k.batch_max {
        if let Some(b) = n.get("batchIdleDuration") {
            b.error(
                r,
                format!("batchIdleDuration ({}) is longer than batchMaxDuration ({})", k.batch_idle, k.batch_max),
                None,
            );
        }
    }
    if !groups.iter().any(NodeGroup::is_pool) {
        n.warn(r, "no node group has `min` and `max`: Karpenter has no NodePool to launch nodes from");
    }
    Some(NodeAutoscaler::Karpenter(k))
}

/// `3` or `10%`.
fn parse_int_or_percent(text: &str) -> Option<crate::model::spec::IntOrPercent> {
    use crate::model::spec::IntOrPercent;
    match text.strip_suffix('%') {
        Some(p) => p.parse::<i32>().ok().filter(|p| (0..=100).contains(p)).map(IntOrPercent::Percent),
        None => text.parse::<i32>().ok().filter(|n| *n >= 0).map(IntOrPercent::Int),
    }
}
