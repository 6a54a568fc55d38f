//! The scenario's own sections: name, seed, duration, cluster, images.

use super::convert::{quantities, to_resources};
use super::diagnostic::Report;
use super::node::Node;
use super::source::Loc;
use super::validate::{is_dns_subdomain, MAX_REPLICAS};
use crate::engine::SimDuration;
use crate::model::spec::{
    ControlPlane, ImageBehavior, Labels, NodeGroup, PullError, Resources, ScoringStrategy, Taint, TaintEffect,
};
use crate::traffic::{ProxyMode, ServiceTime};
use std::collections::BTreeMap;

pub(crate) const TOP_KEYS: &[&str] = &[
    "name",
    "description",
    "seed",
    "duration",
    "sample",
    "cluster",
    "images",
    "externals",
    "objects",
    "include",
    "timeline",
    "traffic",
    "faults",
    "sweep",
];
pub(crate) const MAX_NODES: u64 = 100_000;
/// The longest scenario name: it names a folder, and file systems allow 255 bytes.
pub(crate) const MAX_NAME_BYTES: usize = 200;
pub(crate) const MAX_DURATION: SimDuration = SimDuration::from_secs(30 * 24 * 3600);
const _: i64 = MAX_REPLICAS;

/// The header of a scenario: everything but objects and the timeline.
pub(crate) struct Header {
    pub name: String,
    pub description: String,
    pub seed: u64,
    pub duration: SimDuration,
    pub sample: SimDuration,
    pub nodes: Vec<NodeGroup>,
    pub control_plane: ControlPlane,
    pub scoring: ScoringStrategy,
    pub images: BTreeMap<String, ImageBehavior>,
    pub autoscaler: Option<crate::model::spec::NodeAutoscaler>,
}

pub(crate) fn header(root: &Node, default_name: &str, r: &mut Report) -> Header {
    let given = root.get("name").and_then(|n| n.string(r));
    // Without `name:`, the file's name, made fit to name a folder.
    let name = given.clone().unwrap_or_else(|| super::validate::folder_name(default_name, MAX_NAME_BYTES));
    if given.is_some() && !(super::validate::is_dns_subdomain(&name) && name.len() <= MAX_NAME_BYTES) {
        if let Some(n) = root.get("name") {
            let shown: String = name.escape_debug().collect();
            let msg = if name.len() > MAX_NAME_BYTES {
                format!(
                    "the name is {} bytes long: it names the output folder, so it may be at most {MAX_NAME_BYTES}",
                    name.len()
                )
            } else {
                format!(
                    "Invalid value: \"{shown}\": it names the output folder, so it must be a DNS-1123 name as \
                     Kubernetes names objects: lowercase letters, digits, '-' and '.', starting and ending with a \
                     letter or digit (like `nginx-rolling-update`)"
                )
            };
            let help = Some(format!("name: {}", super::validate::folder_name(&name, MAX_NAME_BYTES)));
            n.error(r, msg, help);
        }
    }
    let duration = root.get("duration").and_then(|d| d.duration(r)).unwrap_or(SimDuration::from_secs(600));
    if duration > MAX_DURATION {
        if let Some(d) = root.get("duration") {
            d.error(r, format!("{duration} is more than kubesim's limit of 30 days"), None);
        }
    }
    let sample = root.get("sample").and_then(|d| d.duration(r)).unwrap_or(SimDuration::from_secs(1));
    if sample == SimDuration::ZERO {
        if let Some(s) = root.get("sample") {
            s.error(r, "the sampling step must be more than 0", None);
        }
    }
    let cluster = root.get("cluster");
    if let Some(c) = &cluster {
        c.check_keys(
            r,
            &["nodes", "autoscaler", "controlPlane", "scheduler", "kubeProxy", "storage", "startTime"],
            "cluster",
        );
    }
    let mut control_plane = control_plane(cluster.as_ref().and_then(|c| c.get("controlPlane")), r);
    storage(cluster.as_ref().and_then(|c| c.get("storage")), &mut control_plane, r);
    if let Some(t) = start_time(cluster.as_ref().and_then(|c| c.get("startTime")), r) {
        control_plane.start_time = t;
    }
    if let Some(mode) = kube_proxy(cluster.as_ref().and_then(|c| c.get("kubeProxy")), r) {
        control_plane.proxy_mode = mode;
    }
    let nodes = node_groups(cluster.as_ref().and_then(|c| c.get("nodes")), r);
    let autoscaler = super::node_pools::autoscaler(cluster.as_ref().and_then(|c| c.get("autoscaler")), &nodes, r);
    if autoscaler.is_none() && nodes.iter().any(NodeGroup::is_pool) {
        if let Some(n) = cluster.as_ref().and_then(|c| c.get("nodes")) {
            n.warn(r, "node groups with `min` and `max` but no `cluster.autoscaler`: each keeps its count");
        }
    }
    Header {
        name,
        description: root.get("description").and_then(|d| d.string(r)).unwrap_or_default(),
        seed: root.get("seed").and_then(|s| s.uint(r, "a seed")).unwrap_or(1),
        duration,
        sample,
        nodes,
        control_plane,
        scoring: scoring(cluster.as_ref().and_then(|c| c.get("scheduler")), r),
        images: images(root.get("images"), r),
        autoscaler,
    }
}

fn node_groups(nodes: Option<Node>, r: &mut Report) -> Vec<NodeGroup> {
    let Some(nodes) = nodes.filter(|n| !n.v.is_null()) else {
        return vec![NodeGroup {
            name: "worker".into(),
            count: 3,
            capacity: default_capacity(),
            labels: Labels::new(),
            taints: vec![],
            economics: Default::default(),
        }];
    };
    if !nodes.expect_seq(r, "node groups") {
        return Vec::new();
    }
    let groups: Vec<NodeGroup> = nodes.items().iter().filter_map(|g| node_group(g, r)).collect();
    let total: u64 = groups.iter().map(|g| u64::from(g.count)).sum();
    if total > MAX_NODES {
        nodes.error(r, format!("{total} nodes in all is more than kubesim's limit of {MAX_NODES} nodes"), None);
    } else {
        check_unique_node_names(&nodes, &groups, r);
    }
    groups
}

fn default_capacity() -> Resources {
    Resources {
        cpu_millis: 4_000,
        memory_bytes: 16 << 30,
        ephemeral_storage_bytes: 100 << 30,
        pods: 110,
        extended: BTreeMap::new(),
    }
}

fn node_group(g: &Node, r: &mut Report) -> Option<NodeGroup> {
    let keys: Vec<&str> = ["name", "count", "capacity", "labels", "taints"]
        .into_iter()
        .chain(super::node_pools::POOL_KEYS.iter().copied())
        .collect();
    if !g.check_keys(r, &keys, "a node group") {
        return None;
    }
    let name = g.get("name").and_then(|n| n.string(r)).unwrap_or_else(|| "worker".into());
    if !is_dns_subdomain(&name) {
        if let Some(n) = g.get("name") {
            n.error(r, format!("invalid node name \"{name}\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'"), None);
        }
    }
    let given = match g.get("count") {
        None => None,
        Some(c) => {
            let n = c.uint(r, "a node count")?;
            if n > MAX_NODES {
                c.error(r, format!("{n} is more than kubesim's limit of {MAX_NODES} nodes"), None);
                return None;
            }
            Some(u32::try_from(n).ok()?)
        }
    };
    let pool = super::node_pools::pool_fields(g, g.get("capacity").is_some(), given, r);
    // A pool starts at its minimum unless its count says otherwise.
    let count = given.unwrap_or_else(|| pool.economics.bounds.map_or(1, |b| b.min));
    let mut labels = g.get("labels").map(|l| string_map(&l, r, "labels")).unwrap_or_default();
    super::node_pools::pool_labels(&pool.economics, &mut labels);
    Some(NodeGroup {
        name,
        count,
        capacity: capacity(g.get("capacity"), pool.catalogue_capacity, r),
        labels,
        taints: g.get("taints").map(|t| taints(&t, r)).unwrap_or_default(),
        economics: pool.economics,
    })
}

/// The group's `capacity:` over its instance type's allocatable (or the default node's).
fn capacity(c: Option<Node>, base: Option<Resources>, r: &mut Report) -> Resources {
    let mut cap = base.unwrap_or_else(default_capacity);
    let Some(c) = c.filter(|c| !c.v.is_null()) else {
        return cap;
    };
    let mut given: BTreeMap<String, k8s_openapi::apimachinery::pkg::api::resource::Quantity> = BTreeMap::new();
    for (k, v) in c.entries(r) {
        if !["cpu", "memory", "pods", "ephemeral-storage"].contains(&k.as_str())
            && !k.contains('/')
            && !k.starts_with("hugepages-")
        {
            let help = super::suggest::did_you_mean(&k, ["cpu", "memory", "pods", "ephemeral-storage"])
                .or_else(|| Some("extended resources are fully qualified, like `nvidia.com/gpu`".into()));
            v.report(r, super::positions::Anchor::Key, format!("unknown resource `{k}` in node capacity"), help);
            continue;
        }
        match &v.v {
            serde_yaml::Value::String(s) => {
                given.insert(k, k8s_openapi::apimachinery::pkg::api::resource::Quantity(s.clone()))
            }
            serde_yaml::Value::Number(n) => {
                given.insert(k, k8s_openapi::apimachinery::pkg::api::resource::Quantity(n.to_string()))
            }
            other => {
                v.error(
                    r,
                    format!("expected a quantity like 4, 500m, 16Gi, found {}", super::node::describe(other)),
                    None,
                );
                None
            }
        };
    }
    let mut report_to = QuantityReport { node: &c, r };
    let parsed = report_to.parse(&given);
    let over = to_resources(&parsed);
    for (k, v) in &parsed {
        match k.as_str() {
            "cpu" => cap.cpu_millis = over.cpu_millis,
            "memory" => cap.memory_bytes = over.memory_bytes,
            "ephemeral-storage" => cap.ephemeral_storage_bytes = over.ephemeral_storage_bytes,
            "pods" => cap.pods = over.pods,
            _ => {
                cap.extended.insert(k.clone(), *v);
            }
        }
    }
    cap
}

/// Parses quantities of our own sections with the manifest code, placing errors here.
struct QuantityReport<'a, 'b> {
    node: &'a Node<'b>,
    r: &'a mut Report,
}

impl QuantityReport<'_, '_> {
    fn parse(
        &mut self,
        given: &BTreeMap<String, k8s_openapi::apimachinery::pkg::api::resource::Quantity>,
    ) -> BTreeMap<String, i64> {
        let loc: Loc = self.node.loc.sub(&self.node.path);
        let mut c = super::checker::Checker::new(&loc, self.node.path.to_string(), self.r);
        // Checker prefixes messages with its label and then the relative path.
        quantities(&mut c, "", Some(given))
    }
}

pub(crate) fn string_map(n: &Node, r: &mut Report, what: &str) -> Labels {
    let mut out = Labels::new();
    if n.v.is_null() {
        return out;
    }
    if !n.v.is_mapping() {
        n.error(r, format!("expected {what} (a mapping of strings)"), None);
        return out;
    }
    for (k, v) in n.entries(r) {
        match &v.v {
            serde_yaml::Value::String(s) => {
                out.insert(k, s.clone());
            }
            other => v.error(
                r,
                format!("expected a string, found {}", super::node::describe(other)),
                Some("quote the value: label values are strings".into()),
            ),
        }
    }
    out
}

fn taints(t: &Node, r: &mut Report) -> Vec<Taint> {
    if !t.expect_seq(r, "taints") {
        return Vec::new();
    }
    let mut out = Vec::new();
    for item in t.items() {
        if !item.check_keys(r, &["key", "value", "effect"], "a taint") {
            continue;
        }
        let key = item.get("key").and_then(|k| k.string(r)).unwrap_or_default();
        if key.is_empty() {
            item.error(r, "key: Required value", None);
        }
        let value = item.get("value").and_then(|k| k.string(r)).unwrap_or_default();
        let effect = match item.get("effect").and_then(|e| e.string(r)).as_deref() {
            Some("NoSchedule") => TaintEffect::NoSchedule,
            Some("PreferNoSchedule") => TaintEffect::PreferNoSchedule,
            Some("NoExecute") => TaintEffect::NoExecute,
            other => {
                let at = item.get("effect").unwrap_or_else(|| item.clone());
                let shown = other.unwrap_or("");
                at.error(r, format!("Unsupported value: \"{shown}\": supported values: \"NoExecute\", \"NoSchedule\", \"PreferNoSchedule\""), None);
                continue;
            }
        };
        out.push(Taint { key, value, effect });
    }
    out
}

fn check_unique_node_names(nodes: &Node, groups: &[NodeGroup], r: &mut Report) {
    let mut seen = std::collections::BTreeSet::new();
    for g in groups {
        let names: Vec<String> = (1..=g.count).map(|i| g.node_name(i)).collect();
        for n in names {
            if !seen.insert(n.clone()) {
                nodes.error(r, format!("nodes \"{n}\" already exists: two node groups make a node of that name"), None);
                return;
            }
        }
    }
    // A pool's new nodes go on counting (`pool-4`, `pool-5`, ...): no other group's node may
    // be named so.
    for pool in groups.iter().filter(|g| g.is_pool()) {
        let prefix = format!("{}-", pool.name);
        let taken = groups.iter().filter(|g| g.name != pool.name).flat_map(|g| (1..=g.count).map(|i| g.node_name(i)));
        for name in taken {
            if name.strip_prefix(&prefix).is_some_and(|i| !i.is_empty() && i.bytes().all(|b| b.is_ascii_digit())) {
                nodes.error(
                    r,
                    format!(
                        "node \"{name}\" is named like the nodes pool \"{}\" adds: rename one of the groups",
                        pool.name
                    ),
                    None,
                );
                return;
            }
        }
    }
}

/// `cluster.storage`: `provisioningTime` (every class), and `classes: {NAME: {provisioningTime}}`.
fn storage(node: Option<Node>, out: &mut ControlPlane, r: &mut Report) {
    let Some(node) = node.filter(|n| !n.v.is_null()) else { return };
    if !node.check_keys(r, &["provisioningTime", "classes"], "cluster.storage") {
        return;
    }
    if let Some(d) = node.get("provisioningTime").and_then(|n| n.duration(r)) {
        out.provisioning = d;
    }
    let Some(classes) = node.get("classes") else { return };
    for (name, class) in classes.entries(r) {
        if !class.check_keys(r, &["provisioningTime"], "a StorageClass's storage settings") {
            continue;
        }
        if let Some(d) = class.get("provisioningTime").and_then(|n| n.duration(r)) {
            out.class_provisioning.insert(name, d);
        }
    }
}

fn control_plane(cp: Option<Node>, r: &mut Report) -> ControlPlane {
    let mut out = ControlPlane::default();
    let Some(cp) = cp else { return out };
    let keys = [
        "apiLatency",
        "nodeMonitorGracePeriod",
        "defaultTolerationSeconds",
        "podInitialBackoff",
        "podMaxBackoff",
        "podMaxInUnschedulablePodsDuration",
        "sandboxCreation",
        "endpointPropagation",
        "nodeStatusUpdateFrequency",
        "nodeMonitorPeriod",
        "nodeEvictionRate",
        "secondaryNodeEvictionRate",
        "largeClusterSizeThreshold",
        "unhealthyZoneThreshold",
        "horizontalPodAutoscalerSyncPeriod",
        "horizontalPodAutoscalerTolerance",
        "horizontalPodAutoscalerDownscaleStabilization",
        "horizontalPodAutoscalerCpuInitializationPeriod",
        "horizontalPodAutoscalerInitialReadinessDelay",
        "metricsResolution",
    ];
    cp.check_keys(r, &keys, "cluster.controlPlane");
    let dur = |k: &str, r: &mut Report| cp.get(k).and_then(|n| n.duration(r));
    if let Some(d) = dur("apiLatency", r) {
        out.api_latency = d;
    }
    if let Some(d) = dur("nodeMonitorGracePeriod", r) {
        out.node_monitor_grace_period = d;
    }
    if let Some(d) = dur("podInitialBackoff", r) {
        out.pod_initial_backoff = d;
    }
    if let Some(d) = dur("podMaxBackoff", r) {
        out.pod_max_backoff = d;
    }
    if let Some(d) = dur("podMaxInUnschedulablePodsDuration", r) {
        out.pod_max_in_unschedulable_pods_duration = d;
    }
    if let Some(d) = dur("sandboxCreation", r) {
        out.sandbox_creation = d;
    }
    if let Some(d) = dur("endpointPropagation", r) {
        out.endpoint_propagation = d;
    }
    for (key, field) in [
        ("horizontalPodAutoscalerDownscaleStabilization", &mut out.hpa_downscale_stabilization),
        ("horizontalPodAutoscalerCpuInitializationPeriod", &mut out.hpa_cpu_initialization_period),
        ("horizontalPodAutoscalerInitialReadinessDelay", &mut out.hpa_initial_readiness_delay),
    ] {
        if let Some(d) = dur(key, r) {
            *field = d;
        }
    }
    if let Some(n) = cp.get("horizontalPodAutoscalerTolerance") {
        match n.float(r) {
            Some(x) if (0.0..1.0).contains(&x) => out.hpa_tolerance = x,
            Some(x) => {
                n.error(r, format!("{x} is not a tolerance: expected a number from 0 to below 1, like 0.1"), None)
            }
            None => {}
        }
    }
    for (key, field) in [
        ("nodeStatusUpdateFrequency", &mut out.node_status_update_frequency),
        ("nodeMonitorPeriod", &mut out.node_monitor_period),
        ("horizontalPodAutoscalerSyncPeriod", &mut out.hpa_sync_period),
        ("metricsResolution", &mut out.metrics_resolution),
    ] {
        let Some(n) = cp.get(key) else { continue };
        match n.duration(r) {
            Some(d) if d == SimDuration::ZERO => n.error(r, format!("{key} must be more than 0"), None),
            Some(d) => *field = d,
            None => {}
        }
    }
    for (key, field) in [
        ("nodeEvictionRate", &mut out.node_eviction_rate),
        ("secondaryNodeEvictionRate", &mut out.secondary_node_eviction_rate),
    ] {
        let Some(n) = cp.get(key) else { continue };
        match n.float(r) {
            Some(x) if x.is_finite() && x >= 0.0 => *field = x,
            Some(x) => n.error(r, format!("{x} is not a rate: expected nodes per second, a number of 0 or more"), None),
            None => {}
        }
    }
    if let Some(n) = cp.get("largeClusterSizeThreshold") {
        match n.uint(r, "a number of nodes").map(u32::try_from) {
            Some(Ok(t)) => out.large_cluster_size_threshold = t,
            Some(Err(_)) => n.error(r, format!("expected a number of nodes of at most {}", u32::MAX), None),
            None => {}
        }
    }
    if let Some(n) = cp.get("unhealthyZoneThreshold") {
        match n.float(r) {
            Some(x) if (0.0..=1.0).contains(&x) => out.unhealthy_zone_threshold = x,
            Some(x) => n.error(r, format!("{x} is not a share: expected a number from 0 to 1"), None),
            None => {}
        }
    }
    if let Some(n) = cp.get("defaultTolerationSeconds") {
        let secs = match n.v.as_u64() {
            Some(s) => Some(s),
            None => n.duration(r).map(|d| d.as_micros().div_ceil(1_000_000)),
        };
        if let Some(s) = secs.and_then(|s| i64::try_from(s).ok()) {
            out.default_toleration_seconds = s;
        }
    }
    out
}

/// `cluster.startTime: 2025-01-01T00:00:00Z`: an RFC 3339 instant (Unix microseconds).
fn start_time(t: Option<Node>, r: &mut Report) -> Option<i64> {
    let t = t.filter(|t| !t.v.is_null())?;
    let text = t.string(r)?;
    match text.parse::<jiff::Timestamp>() {
        Ok(ts) if ts.subsec_nanosecond() % 1_000 == 0 => Some(ts.as_microsecond()),
        _ => {
            let msg = format!(
                "invalid startTime \"{text}\": expected an RFC 3339 instant with its offset, like 2025-01-01T00:00:00Z"
            );
            t.error(r, msg, None);
            None
        }
    }
}

/// `cluster.kubeProxy: {mode: iptables | ipvs}`.
fn kube_proxy(k: Option<Node>, r: &mut Report) -> Option<ProxyMode> {
    let k = k.filter(|k| !k.v.is_null())?;
    if !k.check_keys(r, &["mode"], "cluster.kubeProxy") {
        return None;
    }
    let m = k.get("mode")?;
    match m.string(r)?.as_str() {
        "iptables" => Some(ProxyMode::Iptables),
        "ipvs" => Some(ProxyMode::Ipvs),
        other => {
            let help = super::suggest::did_you_mean(other, ["iptables", "ipvs"]);
            m.error(r, format!("Unsupported value: \"{other}\": supported values: \"iptables\", \"ipvs\""), help);
            None
        }
    }
}

fn scoring(s: Option<Node>, r: &mut Report) -> ScoringStrategy {
    let Some(s) = s else {
        return ScoringStrategy::default();
    };
    s.check_keys(r, &["profile", "scoring", "config"], "cluster.scheduler");
    if s.get("config").is_some() {
        // The configuration file says it all (scheduler_config.rs); the short keys would
        // contradict it.
        for key in ["profile", "scoring"] {
            if let Some(k) = s.get(key) {
                let msg = format!(
                    "`{key}` cannot be given with `config`: set it in the KubeSchedulerConfiguration (profiles, \
                     NodeResourcesFit's scoringStrategy)"
                );
                k.report(r, super::positions::Anchor::Key, msg, None);
            }
        }
        return ScoringStrategy::default();
    }
    if let Some(p) = s.get("profile") {
        if let Some(name) = p.string(r).filter(|n| n != "default") {
            p.error(r, format!("Unsupported value: \"{name}\": supported values: \"default\""), None);
        }
    }
    let Some(sc) = s.get("scoring") else {
        return ScoringStrategy::default();
    };
    match sc.string(r).as_deref() {
        Some("LeastAllocated") => ScoringStrategy::LeastAllocated,
        Some("MostAllocated") => ScoringStrategy::MostAllocated,
        Some("RequestedToCapacityRatio") => ScoringStrategy::RequestedToCapacityRatio,
        Some(other) => {
            let all = ["LeastAllocated", "MostAllocated", "RequestedToCapacityRatio"];
            sc.error(r, format!("Unsupported value: \"{other}\": supported values: \"LeastAllocated\", \"MostAllocated\", \"RequestedToCapacityRatio\""), super::suggest::did_you_mean(other, all));
            ScoringStrategy::default()
        }
        None => ScoringStrategy::default(),
    }
}

const IMAGE_KEYS: &[&str] = &[
    "pull",
    "start",
    "readyAfter",
    "stop",
    "crashOnStart",
    "concurrency",
    "queue",
    "serviceTime",
    "size",
    "crashAfter",
    "livenessFailAfter",
    "memoryUsage",
    "runFor",
    "cpuPerRequest",
    "cpuIdle",
    "pullError",
    "pullFailure",
    "errorRate",
    "postStart",
    "preStop",
    "hooksFail",
    "exitCode",
    "calls",
    "background",
];

fn images(imgs: Option<Node>, r: &mut Report) -> BTreeMap<String, ImageBehavior> {
    let mut out = BTreeMap::new();
    let Some(imgs) = imgs.filter(|i| !i.v.is_null()) else {
        return out;
    };
    if !imgs.v.is_mapping() {
        imgs.error(r, "expected a mapping from image name to its behaviour", None);
        return out;
    }
    for (name, b) in imgs.entries(r) {
        if let Some(behavior) = image(&b, r) {
            out.insert(name, behavior);
        }
    }
    out
}

fn image(b: &Node, r: &mut Report) -> Option<ImageBehavior> {
    if !b.check_keys(r, IMAGE_KEYS, "an image's behaviour") {
        return None;
    }
    let mut out = ImageBehavior::default();
    let d = |k: &str, r: &mut Report| b.get(k).and_then(|n| n.duration(r));
    out.pull = d("pull", r).unwrap_or(out.pull);
    out.start = d("start", r).unwrap_or(out.start);
    out.ready_after = d("readyAfter", r).unwrap_or(out.ready_after);
    out.stop = d("stop", r).unwrap_or(out.stop);
    out.post_start = d("postStart", r).unwrap_or(out.post_start);
    out.pre_stop = d("preStop", r).unwrap_or(out.pre_stop);
    if let Some(n) = b.get("hooksFail") {
        if let Some(v) = n.boolean(r) {
            out.hooks_fail = v;
        }
    }
    if let Some(n) = b.get("exitCode") {
        // A process's exit status is one byte; 0 is success, not a failure.
        match n.uint(r, "an exit code from 1 to 255") {
            Some(c @ 1..=255) => out.exit_code = c as i32,
            Some(c) => n.error(r, format!("{c} is not a failure's exit code: expected 1 to 255"), None),
            None => {}
        }
    }
    if let Some(t) = b.get("serviceTime").and_then(|n| service_time(&n, r)) {
        out.service_time = t;
    }
    out.crash_after = b.get("crashAfter").and_then(|n| service_time(&n, r));
    out.liveness_fail_after = b.get("livenessFailAfter").and_then(|n| service_time(&n, r));
    out.run_for = b.get("runFor").and_then(|n| service_time(&n, r));
    if let Some(n) = b.get("memoryUsage") {
        out.memory_usage_bytes = bytes(&n, "memoryUsage", "a memory quantity like 300Mi or 1Gi", r);
    }
    for (key, field) in [("cpuPerRequest", &mut out.cpu_per_request_nanos), ("cpuIdle", &mut out.cpu_idle_nanos)] {
        if let Some(n) = b.get(key) {
            if let Some(v) = cpu_nanos(&n, key, r) {
                *field = v;
            }
        }
    }
    if let Some(n) = b.get("queue") {
        if let Some(q) = n.uint(r, "a queue length") {
            match u32::try_from(q) {
                Ok(q) => out.queue = q,
                Err(_) => n.error(r, format!("{q} is more than kubesim's limit of {} queued requests", u32::MAX), None),
            }
        }
    }
    for (key, field) in [
        ("crashOnStart", &mut out.crash_on_start),
        ("pullFailure", &mut out.pull_failure),
        ("errorRate", &mut out.error_rate),
    ] {
        if let Some(n) = b.get(key) {
            match n.float(r) {
                Some(p) if (0.0..=1.0).contains(&p) => *field = p,
                Some(p) => n.error(r, format!("{p} is not a probability: expected a number from 0 to 1"), None),
                None => {}
            }
        }
    }
    if let Some(n) = b.get("pullError") {
        match n.string(r).as_deref() {
            Some("missing") => out.pull_error = Some(PullError::Missing),
            Some("unauthorized") => out.pull_error = Some(PullError::Unauthorized),
            Some(other) => {
                let msg = format!(
                    "pullError: Unsupported value: \"{other}\": supported values: \"missing\", \"unauthorized\""
                );
                n.error(r, msg, super::suggest::did_you_mean(other, PullError::NAMES));
            }
            None => {}
        }
    }
    if let Some(n) = b.get("concurrency") {
        match n.uint(r, "a concurrency").map(u32::try_from) {
            Some(Ok(c)) if c >= 1 => out.concurrency = c,
            Some(_) => n.error(r, "expected a concurrency of at least 1", None),
            None => {}
        }
    }
    if let Some(n) = b.get("size") {
        if let Some(size) = bytes(&n, "size", "a quantity of bytes like 150Mi or 1Gi", r) {
            out.size_bytes = size;
        }
    }
    out.calls = b.get("calls").and_then(|n| super::calls::calls(&n, r));
    out.background = b.get("background").and_then(|n| super::calls::background(&n, r));
    Some(out)
}

/// A CPU quantity (`20m`, `0.5`) in billionths, not negative: `cpuPerRequest` in
/// nano-core-seconds per request, `cpuIdle` in nanocores.
fn cpu_nanos(n: &Node, key: &str, r: &mut Report) -> Option<i64> {
    let text = match &n.v {
        serde_yaml::Value::String(s) => s.clone(),
        serde_yaml::Value::Number(x) => x.to_string(),
        _ => {
            n.error(r, format!("{key}: expected a CPU quantity like 20m (core-seconds per request) or 0.5"), None);
            return None;
        }
    };
    match super::quantity::parse_quantity(&text) {
        Ok(q) if q.is_negative() => {
            n.error(r, format!("{key}: Invalid value: \"{text}\": must be greater than or equal to 0"), None);
            None
        }
        Ok(q) => Some(i64::try_from(q.nanos).unwrap_or(i64::MAX)),
        Err(e) => {
            n.error(r, format!("{key}: {e}"), Some("e.g. `cpuPerRequest: 20m` (20 ms of one core per request)".into()));
            None
        }
    }
}

/// A quantity of bytes (`150Mi`, `1Gi`, or a plain number), not negative.
fn bytes(n: &Node, key: &str, expected: &str, r: &mut Report) -> Option<i64> {
    let text = match &n.v {
        serde_yaml::Value::String(s) => Some(s.clone()),
        serde_yaml::Value::Number(x) => Some(x.to_string()),
        _ => None,
    };
    match text.as_deref().map(super::quantity::parse_quantity) {
        Some(Ok(q)) if q.is_negative() => {
            n.error(
                r,
                format!("{key}: Invalid value: \"{}\": must be greater than or equal to 0", text.unwrap_or_default()),
                None,
            );
            None
        }
        Some(Ok(q)) => Some(i64::try_from(q.units_ceil()).unwrap_or(i64::MAX)),
        Some(Err(e)) => {
            n.error(r, format!("{key}: {e}"), None);
            None
        }
        None => {
            n.error(r, format!("{key}: expected {expected}"), None);
            None
        }
    }
}

/// `serviceTime`: a duration (fixed), or `{fixed: D}`, `{exponential: MEAN}`,
/// `{lognormal: {p50: D, p99: D}}`.
pub(crate) fn service_time(n: &Node, r: &mut Report) -> Option<ServiceTime> {
    if !n.v.is_mapping() {
        return n.duration(r).map(ServiceTime::fixed);
    }
    const FORMS: &[&str] = &["fixed", "exponential", "lognormal"];
    if !n.check_keys(r, FORMS, "a service time") {
        return None;
    }
    let given: Vec<Node> = FORMS.iter().filter_map(|k| n.get(k)).collect();
    let [form] = given.as_slice() else {
        let msg = "expected one of `fixed`, `exponential` or `lognormal`, like `{lognormal: {p50: 10ms, p99: 80ms}}`";
        n.error(r, msg, None);
        return None;
    };
    match form.path.last_key() {
        Some("fixed") => form.duration(r).map(ServiceTime::fixed),
        Some("exponential") => form.duration(r).map(ServiceTime::exponential),
        _ => {
            if !form.check_keys(r, &["p50", "p99"], "a lognormal service time") {
                return None;
            }
            let get = |k: &str, r: &mut Report| match form.get(k) {
                Some(x) => x.duration(r),
                None => {
                    form.error(r, format!("{k}: Required value: a duration like 10ms"), None);
                    None
                }
            };
            let (p50, p99) = (get("p50", r), get("p99", r));
            let (p50, p99) = (p50?, p99?);
            match ServiceTime::lognormal(p50, p99) {
                Ok(t) => Some(t),
                Err(e) => {
                    let at = match e {
                        crate::traffic::DistributionError::ZeroMedian => form.get("p50"),
                        _ => form.get("p99"),
                    };
                    at.unwrap_or_else(|| form.clone()).error(r, e, None);
                    None
                }
            }
        }
    }
}
