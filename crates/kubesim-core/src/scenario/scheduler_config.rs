//! `cluster.scheduler.config: FILE`: a KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1)
//! read through `Files`, defaulted as kube-scheduler defaults it
//! (pkg/scheduler/apis/config/v1/defaults.go, default_plugins.go `getDefaultPlugins` and
//! `mergePlugins`), its multiPoint plugins expanded to the extension points as the framework
//! expands them (pkg/scheduler/framework/runtime/framework.go `expandMultiPointPlugins`,
//! `getScoreWeights`), and validated with validation.go's and validation_pluginargs.go's
//! rules and messages. What kubesim does not simulate is refused by name.

use super::checker::Checker;
use super::diagnostic::Report;
use super::include::Loader;
use super::node::{describe, Node};
use super::positions::{Anchor, YPath};
use super::source::{self, Loc};
use super::suggest::did_you_mean;
use crate::engine::SimDuration;
use crate::model::spec::{
    AddedAffinity, ControlPlane, FitScoring, InclusionPolicy, SchedulerConfig, SchedulerProfile, ScoringStrategy,
    Selector, TopologySpreadConstraint, WhenUnsatisfiable,
};
use std::collections::BTreeSet;
use std::path::Path;

pub(crate) const API_VERSION: &str = "kubescheduler.config.k8s.io/v1";
const KIND: &str = "KubeSchedulerConfiguration";
/// The configuration's label in messages (Checker's prefix).
const LABEL: &str = "KubeSchedulerConfiguration";
pub(crate) use crate::model::spec::DEFAULT_SCHEDULER_NAME;

const TOP_KEYS: &[&str] = &[
    "apiVersion",
    "kind",
    "parallelism",
    "leaderElection",
    "clientConnection",
    "enableProfiling",
    "enableContentionProfiling",
    "percentageOfNodesToScore",
    "podInitialBackoffSeconds",
    "podMaxBackoffSeconds",
    "profiles",
    "extenders",
    "delayCacheUntilActive",
];
const PROFILE_KEYS: &[&str] = &["schedulerName", "percentageOfNodesToScore", "plugins", "pluginConfig"];
/// The extension points of `Plugins`, in types.go's order (multiPoint last).
const POINTS: &[&str] = &[
    "preEnqueue",
    "queueSort",
    "preFilter",
    "filter",
    "postFilter",
    "preScore",
    "score",
    "reserve",
    "permit",
    "preBind",
    "bind",
    "postBind",
    "multiPoint",
];
/// Extension points of kube-scheduler's workload scheduling, which kubesim does not have.
const UNMODELLED_POINTS: &[&str] = &["placementGenerate", "placementScore", "placementFeasible", "podGroupPostFilter"];

/// kube-scheduler's in-tree plugins (pkg/scheduler/framework/plugins/names) and the extension
/// points each implements. `simulated` is false for those kubesim refuses by name; the
/// volume plugins with nothing to check in kubesim's model are simulated as passing.
struct PluginInfo {
    name: &'static str,
    points: &'static [&'static str],
    simulated: bool,
}

const REGISTRY: &[PluginInfo] = &[
    PluginInfo { name: "SchedulingGates", points: &["preEnqueue"], simulated: true },
    PluginInfo { name: "PrioritySort", points: &["queueSort"], simulated: true },
    PluginInfo { name: "NodeUnschedulable", points: &["filter"], simulated: true },
    PluginInfo { name: "NodeName", points: &["filter"], simulated: true },
    PluginInfo { name: "TaintToleration", points: &["filter", "preScore", "score"], simulated: true },
    PluginInfo { name: "NodeAffinity", points: &["preFilter", "filter", "preScore", "score"], simulated: true },
    PluginInfo { name: "NodePorts", points: &["preFilter", "filter"], simulated: true },
    PluginInfo { name: "NodeResourcesFit", points: &["preFilter", "filter", "preScore", "score"], simulated: true },
    PluginInfo { name: "VolumeRestrictions", points: &["preFilter", "filter"], simulated: true },
    PluginInfo { name: "NodeVolumeLimits", points: &["filter"], simulated: true },
    PluginInfo { name: "VolumeBinding", points: &["preFilter", "filter", "reserve", "preBind"], simulated: true },
    PluginInfo { name: "VolumeZone", points: &["preFilter", "filter"], simulated: true },
    PluginInfo { name: "PodTopologySpread", points: &["preFilter", "filter", "preScore", "score"], simulated: true },
    PluginInfo { name: "InterPodAffinity", points: &["preFilter", "filter", "preScore", "score"], simulated: true },
    PluginInfo { name: "DefaultPreemption", points: &["postFilter"], simulated: true },
    PluginInfo { name: "NodeResourcesBalancedAllocation", points: &["preScore", "score"], simulated: true },
    PluginInfo { name: "ImageLocality", points: &["score"], simulated: true },
    PluginInfo { name: "DefaultBinder", points: &["bind"], simulated: true },
    PluginInfo {
        name: "DynamicResources",
        points: &["preEnqueue", "preFilter", "filter", "postFilter", "preScore", "score", "reserve", "preBind"],
        simulated: false,
    },
];

/// Plugins removed from kubescheduler.config.k8s.io/v1 (validation.go `invalidPluginsByVersion`).
const INVALID_IN_V1: &[&str] = &["AzureDiskLimits", "CinderLimits", "EBSLimits", "GCEPDLimits"];

/// getDefaultPlugins' multiPoint list (without the plugins removed in v1), with weights.
const DEFAULT_MULTI_POINT: &[(&str, Option<i64>)] = &[
    ("SchedulingGates", None),
    ("PrioritySort", None),
    ("NodeUnschedulable", None),
    ("NodeName", None),
    ("TaintToleration", Some(3)),
    ("NodeAffinity", Some(2)),
    ("NodePorts", None),
    ("NodeResourcesFit", Some(1)),
    ("VolumeRestrictions", None),
    ("NodeVolumeLimits", None),
    ("VolumeBinding", None),
    ("VolumeZone", None),
    ("PodTopologySpread", Some(2)),
    ("InterPodAffinity", Some(2)),
    ("DefaultPreemption", None),
    ("NodeResourcesBalancedAllocation", Some(1)),
    ("ImageLocality", Some(1)),
    ("DefaultBinder", None),
];

/// Filter plugins that kubesim's model has nothing to check for (no volume limits, no
/// in-tree volume types, no zonal volumes): they pass every node.
const PASSING_FILTERS: &[&str] = &["VolumeRestrictions", "NodeVolumeLimits", "VolumeZone"];

fn info(name: &str) -> Option<&'static PluginInfo> {
    REGISTRY.iter().find(|p| p.name == name)
}

/// One `Plugin` entry: its name, weight and place.
#[derive(Clone)]
struct Plugin<'a> {
    name: String,
    weight: Option<i64>,
    at: Option<Node<'a>>,
}

#[derive(Clone, Default)]
struct PluginSet<'a> {
    enabled: Vec<Plugin<'a>>,
    disabled: Vec<String>,
}

/// Reads `cluster.scheduler.config` (a path relative to the scenario's folder) and sets the
/// back-off of `cp` from it. None when there is no such key or the file has errors (reported).
pub(crate) fn load(
    at: Option<Node>,
    loader: &Loader,
    cp: &mut ControlPlane,
    r: &mut Report,
) -> Option<SchedulerConfig> {
    let at = at?;
    let name = at.string(r)?;
    let path = loader.dir.join(&name);
    if !loader.files.is_file(&path) {
        let abs = loader.files.absolute(&path);
        at.error(r, format!("file not found (resolved to {})", abs.display()), None);
        return None;
    }
    let src = source::read(loader.files, &path, &path).map_err(|d| r.push(d)).ok()?;
    let docs = source::documents(&src).map_err(|d| r.push(d)).ok()?;
    let non_null: Vec<usize> = (0..docs.len()).filter(|&i| !docs[i].is_null()).collect();
    let Some(&doc) = non_null.first() else {
        at.error(r, format!("{}: the file is empty: expected a {KIND}", path.display()), None);
        return None;
    };
    let loc = Loc::new(&src, doc, YPath::root());
    if non_null.len() > 1 {
        let extra = Loc::new(&src, non_null[1], YPath::root());
        r.push(extra.error(&YPath::root(), Anchor::Value, format!("expected one {KIND}, found another document")));
        return None;
    }
    let before = r.error_count();
    let config = configuration(&Node::root(&loc, &docs[doc]), &loc, cp, r);
    (r.error_count() == before).then_some(config).flatten()
}

fn integer(n: &Node, r: &mut Report) -> Option<i64> {
    match n.v.as_i64() {
        Some(v) => Some(v),
        None => {
            n.error(r, format!("expected an integer, found {}", describe(n.v)), None);
            None
        }
    }
}

fn configuration(root: &Node, loc: &Loc, cp: &mut ControlPlane, r: &mut Report) -> Option<SchedulerConfig> {
    if !root.check_keys(r, TOP_KEYS, "a KubeSchedulerConfiguration") {
        return None;
    }
    let api_version = root.get("apiVersion").and_then(|n| n.string(r)).unwrap_or_default();
    let kind = root.get("kind").and_then(|n| n.string(r)).unwrap_or_default();
    if kind != KIND {
        let at = root.get("kind").unwrap_or_else(|| root.clone());
        at.error(r, format!("Object 'Kind' is \"{kind}\": expected \"{KIND}\""), None);
        return None;
    }
    if api_version != API_VERSION {
        let at = root.get("apiVersion").unwrap_or_else(|| root.clone());
        let msg = format!("no kind \"{KIND}\" is registered for version \"{api_version}\"");
        at.error(r, msg, Some(format!("kubesim reads apiVersion: {API_VERSION}")));
        return None;
    }
    let mut c = Checker::new(loc, LABEL.to_string(), r);
    if let Some(p) = root.get("parallelism").and_then(|n| integer(&n, c.report)) {
        if p <= 0 {
            c.invalid("parallelism", p, "should be an integer value greater than zero");
        }
    }
    if let Some(e) = root.get("extenders").filter(|e| e.v.as_sequence().is_some_and(|s| !s.is_empty())) {
        e.error(c.report, "extenders are not simulated: kubesim calls no HTTP extender", None);
    }
    let percentage = percentage_of_nodes_to_score(root, "percentageOfNodesToScore", &mut c);
    let initial = root.get("podInitialBackoffSeconds").and_then(|n| integer(&n, c.report)).unwrap_or(1);
    let max = root.get("podMaxBackoffSeconds").and_then(|n| integer(&n, c.report)).unwrap_or(10);
    if initial <= 0 {
        c.invalid("podInitialBackoffSeconds", initial, "must be greater than 0");
    }
    if max < initial {
        c.invalid("podMaxBackoffSeconds", max, "must be greater than or equal to PodInitialBackoffSeconds");
    }
    cp.pod_initial_backoff = SimDuration::from_secs(u64::try_from(initial).unwrap_or(1));
    cp.pod_max_backoff = SimDuration::from_secs(u64::try_from(max).unwrap_or(10));
    let items = match root.get("profiles") {
        Some(p) if p.expect_seq(c.report, "scheduling profiles") => p.items(),
        Some(_) => return None,
        None => Vec::new(),
    };
    let mut profiles = Vec::new();
    if items.is_empty() {
        // SetDefaults_KubeSchedulerConfiguration: one profile, the default scheduler's.
        profiles.push(default_profile(percentage));
    }
    let single = items.len() == 1;
    let mut names: Vec<(String, usize)> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let Some(p) = profile(item, i, single, percentage, &mut c) else { continue };
        let path = format!("profiles[{i}].schedulerName");
        if p.scheduler_name.is_empty() {
            c.field(&path, "Required value");
        } else if let Some((_, first)) = names.iter().find(|(n, _)| *n == p.scheduler_name) {
            c.field(&path, format!("Duplicate value: profiles[{first}].schedulerName"));
        }
        names.push((p.scheduler_name.clone(), i));
        profiles.push(p);
    }
    Some(SchedulerConfig { profiles })
}

/// validatePercentageOfNodesToScore: 0 to 100 (0: the adaptive percentage).
fn percentage_of_nodes_to_score(n: &Node, key: &str, c: &mut Checker) -> Option<u32> {
    let v = integer(&n.get(key)?, c.report)?;
    let path = if n.path.0.is_empty() { key.to_string() } else { format!("{}.{key}", n.path) };
    if !(0..=100).contains(&v) {
        c.invalid(&path, v, "not in valid range [0-100]");
        return None;
    }
    u32::try_from(v).ok()
}

/// The profile kube-scheduler makes when the configuration names none.
fn default_profile(percentage: Option<u32>) -> SchedulerProfile {
    use crate::model::spec::{DEFAULT_FILTERS, DEFAULT_SCORES};
    SchedulerProfile {
        scheduler_name: DEFAULT_SCHEDULER_NAME.to_string(),
        filters: DEFAULT_FILTERS.iter().map(|s| s.to_string()).collect(),
        scores: DEFAULT_SCORES.iter().map(|(s, w)| (s.to_string(), *w)).collect(),
        preemption: true,
        percentage_of_nodes_to_score: percentage,
        fit: FitScoring::default(),
        spread_defaults: None,
        hard_pod_affinity_weight: 1,
        added_affinity: None,
    }
}

fn profile(item: &Node, i: usize, single: bool, percentage: Option<u32>, c: &mut Checker) -> Option<SchedulerProfile> {
    if !item.check_keys(c.report, PROFILE_KEYS, "a scheduling profile") {
        return None;
    }
    let mut out = default_profile(percentage);
    out.scheduler_name = match item.get("schedulerName") {
        Some(n) => n.string(c.report).unwrap_or_default(),
        None if single => DEFAULT_SCHEDULER_NAME.to_string(),
        None => String::new(),
    };
    if item.get("percentageOfNodesToScore").is_some() {
        out.percentage_of_nodes_to_score = percentage_of_nodes_to_score(item, "percentageOfNodesToScore", c);
    }
    let prefix = format!("profiles[{i}]");
    plugins(item.get("plugins"), &prefix, &mut out, c);
    plugin_config(item.get("pluginConfig"), &prefix, &mut out, c);
    Some(out)
}

fn plugin_set<'a>(n: Option<Node<'a>>, c: &mut Checker) -> PluginSet<'a> {
    let mut set = PluginSet::default();
    let Some(n) = n else { return set };
    if !n.check_keys(c.report, &["enabled", "disabled"], "a plugin set") {
        return set;
    }
    for (key, into_enabled) in [("enabled", true), ("disabled", false)] {
        let Some(list) = n.get(key) else { continue };
        if !list.expect_seq(c.report, "plugins") {
            continue;
        }
        for p in list.items() {
            if !p.check_keys(c.report, &["name", "weight"], "a plugin") {
                continue;
            }
            let Some(name) = p.get("name").and_then(|n| n.string(c.report)) else {
                c.field(&format!("{}.name", p.path), "Required value");
                continue;
            };
            let weight = p.get("weight").and_then(|w| integer(&w, c.report));
            if into_enabled {
                set.enabled.push(Plugin { name, weight, at: Some(p.clone()) });
            } else {
                set.disabled.push(name);
            }
        }
    }
    set
}

/// mergePluginSet: the defaults not disabled (replaced in place by a custom entry of the same
/// name), then the custom entries that replaced none.
fn merge<'a>(defaults: &[Plugin<'a>], custom: &PluginSet<'a>) -> (Vec<Plugin<'a>>, Vec<String>) {
    let disabled: BTreeSet<&str> = custom.disabled.iter().map(String::as_str).collect();
    let mut replaced = BTreeSet::new();
    let mut out = Vec::new();
    if !disabled.contains("*") {
        for d in defaults.iter().filter(|d| !disabled.contains(d.name.as_str())) {
            match custom.enabled.iter().position(|e| e.name == d.name) {
                Some(i) => {
                    replaced.insert(i);
                    out.push(custom.enabled[i].clone());
                }
                None => out.push(d.clone()),
            }
        }
    }
    out.extend(custom.enabled.iter().enumerate().filter(|(i, _)| !replaced.contains(i)).map(|(_, p)| p.clone()));
    (out, custom.disabled.clone())
}

/// Checks a plugin name against the registry, reporting it at its place.
fn check_name(p: &Plugin, point: &str, c: &mut Checker) -> bool {
    let place = |c: &mut Checker, msg: String, help: Option<String>| match &p.at {
        Some(at) => at.get("name").unwrap_or_else(|| at.clone()).error(c.report, msg, help),
        None => c.report.push(c.loc.error(&YPath::root(), Anchor::Value, msg).with_help(help)),
    };
    if INVALID_IN_V1.contains(&p.name.as_str()) {
        let msg = format!(
            "Invalid value: \"{}\": was invalid in version \"{API_VERSION}\" (KubeSchedulerConfiguration is version \"{API_VERSION}\")",
            p.name
        );
        place(c, msg, None);
        return false;
    }
    match info(&p.name) {
        None => {
            let help = did_you_mean(&p.name, REGISTRY.iter().map(|i| i.name));
            place(c, format!("{point} plugin \"{}\" does not exist", p.name), help);
            false
        }
        Some(i) if !i.simulated => {
            place(c, format!("plugin \"{}\" is not simulated by kubesim", p.name), None);
            false
        }
        Some(_) => true,
    }
}

/// The profile's plugins: merged with the defaults, multiPoint expanded to each extension
/// point, checked, and read into `out` (filters, scores and weights, preemption).
fn plugins(n: Option<Node>, prefix: &str, out: &mut SchedulerProfile, c: &mut Checker) {
    let mut sets: Vec<(&str, PluginSet)> = Vec::new();
    if let Some(n) = &n {
        let mut known: Vec<&str> = POINTS.to_vec();
        known.extend(UNMODELLED_POINTS);
        if !n.check_keys(c.report, &known, "plugins") {
            return;
        }
        for point in UNMODELLED_POINTS {
            if let Some(p) = n.get(point) {
                p.report(c.report, Anchor::Key, "workload (pod group) scheduling is not simulated by kubesim", None);
            }
        }
    }
    for point in POINTS {
        sets.push((point, plugin_set(n.as_ref().and_then(|n| n.get(point)), c)));
    }
    let errors = c.report.error_count();
    for (point, set) in &sets {
        for p in &set.enabled {
            check_name(p, point, c);
        }
    }
    if c.report.error_count() > errors {
        return;
    }
    let defaults: Vec<Plugin> = DEFAULT_MULTI_POINT
        .iter()
        .map(|(name, weight)| Plugin { name: name.to_string(), weight: *weight, at: None })
        .collect();
    let get = |point: &str| sets.iter().find(|(p, _)| *p == point).map(|(_, s)| s.clone()).unwrap_or_default();
    let (multi, _) = merge(&defaults, &get("multiPoint"));
    let mut expanded: Vec<(&str, Vec<Plugin>)> = Vec::new();
    for point in POINTS.iter().copied().filter(|p| *p != "multiPoint") {
        let (enabled, disabled) = merge(&[], &get(point));
        // updatePluginList: a plugin named at a point it does not implement.
        for p in &enabled {
            if info(&p.name).is_some_and(|i| !i.points.contains(&point)) {
                let msg = format!("plugin \"{}\" does not extend {} plugin", p.name, go_type(point));
                report_plugin(p, msg, c);
            }
        }
        let mut override_plugins = Vec::new();
        let mut multi_enabled: Vec<Plugin> = Vec::new();
        if !disabled.iter().any(|d| d == "*") {
            for p in &multi {
                if !info(&p.name).is_some_and(|i| i.points.contains(&point)) || disabled.contains(&p.name) {
                    continue;
                }
                if enabled.iter().any(|e| e.name == p.name) {
                    override_plugins.push(p.name.clone());
                    continue;
                }
                if multi_enabled.iter().any(|e| e.name == p.name) {
                    let msg = format!("plugin \"{}\" already registered as \"{}\"", p.name, go_type(point));
                    report_plugin(p, msg, c);
                    continue;
                }
                multi_enabled.push(p.clone());
            }
        }
        // Part 1: the overridden ones as the point lists them; part 2: multiPoint's; part 3:
        // the point's others.
        let mut list: Vec<Plugin> = Vec::new();
        for name in &override_plugins {
            list.extend(enabled.iter().find(|e| &e.name == name).cloned());
        }
        list.extend(multi_enabled);
        for e in &enabled {
            if !list.iter().any(|l| l.name == e.name) {
                list.push(e.clone());
            }
        }
        expanded.push((point, list));
    }
    let names = |point: &str| -> Vec<String> {
        expanded
            .iter()
            .find(|(p, _)| *p == point)
            .map(|(_, l)| l.iter().map(|p| p.name.clone()).collect())
            .unwrap_or_default()
    };
    let at = n.clone().unwrap_or_else(|| Node {
        loc: c.loc,
        path: YPath::parse(prefix).unwrap_or_default(),
        v: &serde_yaml::Value::Null,
    });
    // kubesim runs a plugin's PreFilter with its Filter and its PreScore with its Score.
    for (pre, main) in [("preFilter", "filter"), ("preScore", "score")] {
        let (pre_names, main_names) = (names(pre), names(main));
        for name in &main_names {
            if info(name).is_some_and(|i| i.points.contains(&pre)) && !pre_names.contains(name) {
                let msg = format!(
                    "plugin \"{name}\" is enabled at {main} but not at {pre}: its {} reads what its {} computed \
                     (kubesim runs the two together)",
                    go_type(main).trim_end_matches("Plugin"),
                    go_type(pre).trim_end_matches("Plugin")
                );
                at.report(c.report, Anchor::Key, msg, None);
            }
        }
    }
    if names("queueSort") != ["PrioritySort"] {
        let msg = "queueSort: kubesim's queue sorts by priority, then by arrival (PrioritySort): it must be the one queueSort plugin";
        at.report(c.report, Anchor::Key, msg, None);
    }
    if names("bind").first().map(String::as_str) != Some("DefaultBinder") {
        at.report(
            c.report,
            Anchor::Key,
            "bind: kubesim binds with DefaultBinder: it must be the first bind plugin",
            None,
        );
    }
    out.filters = names("filter").into_iter().filter(|n| !PASSING_FILTERS.contains(&n.as_str())).collect();
    out.preemption = names("postFilter").iter().any(|n| n == "DefaultPreemption");
    // getScoreWeights: the score point's weight, else multiPoint's; 0 means 1.
    let score_set = get("score");
    out.scores = names("score")
        .into_iter()
        .map(|name| {
            let weight = score_set
                .enabled
                .iter()
                .find(|p| p.name == name)
                .or_else(|| multi.iter().find(|p| p.name == name))
                .and_then(|p| p.weight)
                .filter(|w| *w != 0)
                .unwrap_or(1);
            (name, weight)
        })
        .collect();
}

fn report_plugin(p: &Plugin, msg: String, c: &mut Checker) {
    match &p.at {
        Some(at) => at.report(c.report, Anchor::Value, msg, None),
        None => c.report.push(c.loc.error(&YPath::root(), Anchor::Value, msg)),
    }
}

/// The Go interface of an extension point, as the framework's errors name it.
fn go_type(point: &str) -> String {
    let mut s = point[..1].to_uppercase();
    s.push_str(&point[1..]);
    format!("{s}Plugin")
}

/// `pluginConfig`: each plugin's args, checked with validation_pluginargs.go and read.
fn plugin_config(n: Option<Node>, prefix: &str, out: &mut SchedulerProfile, c: &mut Checker) {
    let Some(n) = n else { return };
    if !n.expect_seq(c.report, "plugin configurations") {
        return;
    }
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for (i, item) in n.items().iter().enumerate() {
        let path = format!("{prefix}.pluginConfig[{i}]");
        if !item.check_keys(c.report, &["name", "args"], "a plugin configuration") {
            continue;
        }
        let Some(name) = item.get("name").and_then(|n| n.string(c.report)) else {
            c.field(&format!("{path}.name"), "Required value");
            continue;
        };
        if !seen.insert(name.clone()) {
            c.field(&path, format!("Duplicate value: \"{name}\""));
            continue;
        }
        if INVALID_IN_V1.contains(&name.as_str()) {
            let msg = format!(
                "was invalid in version \"{API_VERSION}\" (KubeSchedulerConfiguration is version \"{API_VERSION}\")"
            );
            c.invalid(&path, format!("\"{name}\""), &msg);
            continue;
        }
        let args = item.get("args");
        let args_path = format!("{path}.args");
        if let Some(a) = &args {
            if !args_kind(a, &name, c) {
                continue;
            }
        }
        let empty = serde_yaml::Value::Mapping(Default::default());
        let args = args.unwrap_or(Node { loc: item.loc, path: item.path.key("args"), v: &empty });
        match name.as_str() {
            "NodeResourcesFit" => out.fit = fit_args(&args, &args_path, c),
            "PodTopologySpread" => out.spread_defaults = spread_args(&args, &args_path, c),
            "InterPodAffinity" => out.hard_pod_affinity_weight = inter_pod_affinity_args(&args, &args_path, c),
            "NodeAffinity" => out.added_affinity = node_affinity_args(&args, &args_path, c),
            "NodeResourcesBalancedAllocation" => balanced_allocation_args(&args, &args_path, c),
            "DefaultPreemption" => default_preemption_args(&args, &args_path, c),
            "VolumeBinding" => volume_binding_args(&args, &args_path, c),
            other => {
                let help = did_you_mean(other, REGISTRY.iter().map(|i| i.name));
                let at = item.get("name").unwrap_or_else(|| item.clone());
                let msg = match info(other) {
                    Some(_) => format!("plugin \"{other}\" takes no args"),
                    None => format!("plugin \"{other}\" does not exist"),
                };
                at.error(c.report, msg, help);
            }
        }
    }
}

/// An args object may name its kind (`NAMEArgs`) and apiVersion; both must match.
fn args_kind(a: &Node, name: &str, c: &mut Checker) -> bool {
    if !a.v.is_mapping() && !a.v.is_null() {
        a.error(c.report, format!("expected the plugin's args (a mapping), found {}", describe(a.v)), None);
        return false;
    }
    let want = format!("{name}Args");
    if let Some(k) = a.get("kind").and_then(|k| k.string(c.report)) {
        if k != want {
            let at = a.get("kind").unwrap_or_else(|| a.clone());
            at.error(c.report, format!("Invalid value: \"{k}\": has to match plugin args ({want})"), None);
            return false;
        }
    }
    if let Some(v) = a.get("apiVersion").and_then(|k| k.string(c.report)) {
        if v != API_VERSION {
            let at = a.get("apiVersion").unwrap_or_else(|| a.clone());
            at.error(c.report, format!("no kind \"{want}\" is registered for version \"{v}\""), None);
            return false;
        }
    }
    true
}

fn keys(a: &Node, known: &[&str], what: &str, c: &mut Checker) -> bool {
    let mut all = vec!["apiVersion", "kind"];
    all.extend(known);
    a.check_keys(c.report, &all, what)
}

/// NodeResourcesFitArgs (SetDefaults_NodeResourcesFitArgs, ValidateNodeResourcesFitArgs).
fn fit_args(a: &Node, path: &str, c: &mut Checker) -> FitScoring {
    let mut out = FitScoring::default();
    if !keys(a, &["ignoredResources", "ignoredResourceGroups", "scoringStrategy"], "NodeResourcesFitArgs", c) {
        return out;
    }
    for key in ["ignoredResources", "ignoredResourceGroups"] {
        if let Some(n) = a.get(key).filter(|n| n.v.as_sequence().is_some_and(|s| !s.is_empty())) {
            n.report(c.report, Anchor::Key, "not simulated by kubesim: every requested resource is checked", None);
        }
    }
    let Some(s) = a.get("scoringStrategy") else { return out };
    let sp = format!("{path}.scoringStrategy");
    if !s.check_keys(c.report, &["type", "resources", "requestedToCapacityRatio"], "a scoring strategy") {
        return out;
    }
    let ty = s.get("type").and_then(|t| t.string(c.report)).unwrap_or_default();
    out.strategy = match ty.as_str() {
        "LeastAllocated" => ScoringStrategy::LeastAllocated,
        "MostAllocated" => ScoringStrategy::MostAllocated,
        "RequestedToCapacityRatio" => ScoringStrategy::RequestedToCapacityRatio,
        other => {
            c.unsupported(
                &format!("{sp}.type"),
                other,
                &["LeastAllocated", "MostAllocated", "RequestedToCapacityRatio"],
            );
            ScoringStrategy::LeastAllocated
        }
    };
    if let Some(list) = s.get("resources").filter(|l| l.expect_seq(c.report, "resources")) {
        let items = list.items();
        if !items.is_empty() {
            out.resources.clear();
        }
        for (i, item) in items.iter().enumerate() {
            if !item.check_keys(c.report, &["name", "weight"], "a resource") {
                continue;
            }
            let name = item.get("name").and_then(|n| n.string(c.report)).unwrap_or_default();
            let weight = item.get("weight").and_then(|w| integer(&w, c.report)).unwrap_or(0);
            let weight = if weight == 0 { 1 } else { weight };
            if !(1..=100).contains(&weight) {
                let msg = format!("resource weight of {name} not in valid range (0, 100]");
                c.invalid(&format!("{sp}.resources[{i}].weight"), weight, &msg);
            }
            out.resources.push((name, weight));
        }
    }
    let ratio = s.get("requestedToCapacityRatio");
    let rp = format!("{sp}.requestedToCapacityRatio");
    match (out.strategy, ratio) {
        (ScoringStrategy::RequestedToCapacityRatio, None) => {
            c.field(&rp, "Required value: must be specified when type is RequestedToCapacityRatio")
        }
        (ScoringStrategy::RequestedToCapacityRatio, Some(r)) => {
            if r.check_keys(c.report, &["shape"], "requestedToCapacityRatio") {
                out.shape = shape(r.get("shape"), &format!("{rp}.shape"), c);
            }
        }
        (_, Some(_)) => c.field(&rp, "Forbidden: must be nil when type is not RequestedToCapacityRatio"),
        (_, None) => {}
    }
    out
}

/// validateFunctionShape: at least one point, utilization increasing in 0..=100, scores 0..=10.
fn shape(n: Option<Node>, path: &str, c: &mut Checker) -> Vec<(i64, i64)> {
    let items = n.filter(|n| n.expect_seq(c.report, "shape points")).map(|n| n.items()).unwrap_or_default();
    if items.is_empty() {
        c.field(path, "Required value: at least one point must be specified");
        return Vec::new();
    }
    let mut points = Vec::new();
    for item in &items {
        if !item.check_keys(c.report, &["utilization", "score"], "a shape point") {
            return Vec::new();
        }
        let u = item.get("utilization").and_then(|u| integer(&u, c.report)).unwrap_or(0);
        let s = item.get("score").and_then(|s| integer(&s, c.report)).unwrap_or(0);
        points.push((u, s));
    }
    if let Some(i) = (1..points.len()).find(|&i| points[i - 1].0 >= points[i].0) {
        c.invalid(&format!("{path}[{i}].utilization"), points[i].0, "values must be sorted in increasing order");
    }
    for (i, (u, s)) in points.iter().enumerate() {
        if !(0..=100).contains(u) {
            c.invalid(&format!("{path}[{i}].utilization"), u, "not in valid range [0, 100]");
        }
        if !(0..=10).contains(s) {
            c.invalid(&format!("{path}[{i}].score"), s, "not in valid range [0, 10]");
        }
    }
    points
}

/// PodTopologySpreadArgs: `defaultingType` (System) and `defaultConstraints`
/// (ValidatePodTopologySpreadArgs). None: System; Some(list): the List's constraints.
fn spread_args(a: &Node, path: &str, c: &mut Checker) -> Option<Vec<TopologySpreadConstraint>> {
    if !keys(a, &["defaultConstraints", "defaultingType"], "PodTopologySpreadArgs", c) {
        return None;
    }
    let ty = a.get("defaultingType").and_then(|t| t.string(c.report)).unwrap_or_else(|| "System".to_string());
    let items = a.get("defaultConstraints").filter(|l| l.expect_seq(c.report, "constraints")).map(|l| l.items());
    let items = items.unwrap_or_default();
    let tp = format!("{path}.defaultingType");
    match ty.as_str() {
        "System" if !items.is_empty() => c.invalid(&tp, "\"System\"", "when .defaultConstraints are not empty"),
        "System" | "List" => {}
        other => c.unsupported(&tp, other, &["System", "List"]),
    }
    let mut out: Vec<TopologySpreadConstraint> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let p = format!("{path}.defaultConstraints[{i}]");
        let known = [
            "maxSkew",
            "topologyKey",
            "whenUnsatisfiable",
            "labelSelector",
            "minDomains",
            "nodeAffinityPolicy",
            "nodeTaintsPolicy",
        ];
        if !item.check_keys(c.report, &known, "a default constraint") {
            continue;
        }
        let max_skew = item.get("maxSkew").and_then(|m| integer(&m, c.report)).unwrap_or(0);
        if max_skew <= 0 {
            c.invalid(&format!("{p}.maxSkew"), max_skew, "not in valid range (0, inf)");
        }
        let key = item.get("topologyKey").and_then(|k| k.string(c.report)).unwrap_or_default();
        if key.is_empty() {
            c.field(&format!("{p}.topologyKey"), "Required value: can not be empty");
        } else {
            super::validate::check_label_name(c, &format!("{p}.topologyKey"), &key);
        }
        let when_text = item.get("whenUnsatisfiable").and_then(|k| k.string(c.report)).unwrap_or_default();
        let when = match when_text.as_str() {
            "DoNotSchedule" => WhenUnsatisfiable::DoNotSchedule,
            "ScheduleAnyway" => WhenUnsatisfiable::ScheduleAnyway,
            "" => {
                c.field(&format!("{p}.whenUnsatisfiable"), "Required value: can not be empty");
                WhenUnsatisfiable::ScheduleAnyway
            }
            other => {
                c.unsupported(&format!("{p}.whenUnsatisfiable"), other, &["DoNotSchedule", "ScheduleAnyway"]);
                WhenUnsatisfiable::ScheduleAnyway
            }
        };
        if item.get("labelSelector").is_some_and(|s| !s.v.is_null()) {
            c.field(
                &format!("{p}.labelSelector"),
                "Forbidden: constraint must not define a selector, as they deduced for each pod",
            );
        }
        if out.iter().any(|o| o.topology_key == key && o.when_unsatisfiable == when) {
            c.field(&p, format!("Duplicate value: \"{{{key}, {when_text}}}\""));
        }
        let min_domains = item.get("minDomains").and_then(|m| integer(&m, c.report)).map(|m| m as i32);
        let policy = |k: &str, default: InclusionPolicy, c: &mut Checker| match item
            .get(k)
            .and_then(|v| v.string(c.report))
            .as_deref()
        {
            None => default,
            Some("Honor") => InclusionPolicy::Honor,
            Some("Ignore") => InclusionPolicy::Ignore,
            Some(other) => {
                c.unsupported(&format!("{p}.{k}"), other, &["Honor", "Ignore"]);
                default
            }
        };
        let node_affinity_policy = policy("nodeAffinityPolicy", InclusionPolicy::Honor, c);
        let node_taints_policy = policy("nodeTaintsPolicy", InclusionPolicy::Ignore, c);
        out.push(TopologySpreadConstraint {
            max_skew: max_skew as i32,
            topology_key: key,
            when_unsatisfiable: when,
            selector: Selector::default(),
            min_domains,
            match_label_keys: Vec::new(),
            node_affinity_policy,
            node_taints_policy,
        });
    }
    (ty == "List").then_some(out)
}

/// InterPodAffinityArgs.hardPodAffinityWeight: 0 to 100 (1).
fn inter_pod_affinity_args(a: &Node, path: &str, c: &mut Checker) -> i64 {
    if !keys(a, &["hardPodAffinityWeight", "ignorePreferredTermsOfExistingPods"], "InterPodAffinityArgs", c) {
        return 1;
    }
    if let Some(n) = a.get("ignorePreferredTermsOfExistingPods") {
        if n.boolean(c.report) == Some(true) {
            n.report(
                c.report,
                Anchor::Key,
                "not simulated by kubesim: existing pods' preferred terms always count",
                None,
            );
        }
    }
    let w = a.get("hardPodAffinityWeight").and_then(|w| integer(&w, c.report)).unwrap_or(1);
    if !(0..=100).contains(&w) {
        c.invalid(&format!("{path}.hardPodAffinityWeight"), w, "not in valid range [0, 100]");
    }
    w
}

/// NodeAffinityArgs.addedAffinity (ValidateNodeAffinityArgs: the terms as NodeSelectors).
fn node_affinity_args(a: &Node, path: &str, c: &mut Checker) -> Option<AddedAffinity> {
    if !keys(a, &["addedAffinity"], "NodeAffinityArgs", c) {
        return None;
    }
    let added = a.get("addedAffinity").filter(|n| !n.v.is_null())?;
    let known = ["requiredDuringSchedulingIgnoredDuringExecution", "preferredDuringSchedulingIgnoredDuringExecution"];
    if !added.check_keys(c.report, &known, "addedAffinity") {
        return None;
    }
    let parsed: k8s_openapi::api::core::v1::NodeAffinity = match serde_yaml::from_value(added.v.clone()) {
        Ok(p) => p,
        Err(e) => {
            added.error(c.report, format!("not a NodeAffinity: {e}"), None);
            return None;
        }
    };
    let ap = format!("{path}.addedAffinity");
    let required = parsed.required_during_scheduling_ignored_during_execution.map(|req| {
        let tp = format!("{ap}.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms");
        req.node_selector_terms
            .iter()
            .enumerate()
            .map(|(i, t)| super::scheduling::node_term(c, &format!("{tp}[{i}]"), t))
            .collect()
    });
    let pp = format!("{ap}.preferredDuringSchedulingIgnoredDuringExecution");
    let preferred = parsed
        .preferred_during_scheduling_ignored_during_execution
        .iter()
        .flatten()
        .enumerate()
        .map(|(i, t)| crate::model::spec::PreferredSchedulingTerm {
            weight: t.weight,
            preference: super::scheduling::node_term(c, &format!("{pp}[{i}].preference"), &t.preference),
        })
        .collect();
    Some(AddedAffinity { required, preferred })
}

/// NodeResourcesBalancedAllocationArgs: kubesim balances cpu and memory, the default.
fn balanced_allocation_args(a: &Node, path: &str, c: &mut Checker) {
    if !keys(a, &["resources"], "NodeResourcesBalancedAllocationArgs", c) {
        return;
    }
    let items = a.get("resources").filter(|l| l.expect_seq(c.report, "resources")).map(|l| l.items());
    let mut seen = BTreeSet::new();
    let mut names = Vec::new();
    for (i, item) in items.unwrap_or_default().iter().enumerate() {
        if !item.check_keys(c.report, &["name", "weight"], "a resource") {
            continue;
        }
        let name = item.get("name").and_then(|n| n.string(c.report)).unwrap_or_default();
        let weight = item.get("weight").and_then(|w| integer(&w, c.report)).unwrap_or(0);
        let weight = if weight == 0 { 1 } else { weight };
        if !seen.insert(name.clone()) {
            c.field(&format!("{path}.resources[{i}].name"), format!("Duplicate value: \"{name}\""));
        }
        if weight != 1 {
            c.invalid(&format!("{path}.resources[{i}].weight"), weight, "must be 1");
        }
        names.push(name);
    }
    if !names.is_empty() && names != ["cpu", "memory"] {
        let at = a.get("resources").unwrap_or_else(|| a.clone());
        at.report(
            c.report,
            Anchor::Key,
            "not simulated by kubesim: balanced allocation over cpu and memory only",
            None,
        );
    }
}

/// DefaultPreemptionArgs: checked (ValidateDefaultPreemptionArgs); kubesim's preemption
/// looks at every node, so the candidate counts change nothing.
fn default_preemption_args(a: &Node, path: &str, c: &mut Checker) {
    if !keys(a, &["minCandidateNodesPercentage", "minCandidateNodesAbsolute"], "DefaultPreemptionArgs", c) {
        return;
    }
    let pct = a.get("minCandidateNodesPercentage").and_then(|n| integer(&n, c.report)).unwrap_or(10);
    let abs = a.get("minCandidateNodesAbsolute").and_then(|n| integer(&n, c.report)).unwrap_or(100);
    let (pp, ap) = (format!("{path}.minCandidateNodesPercentage"), format!("{path}.minCandidateNodesAbsolute"));
    if !(0..=100).contains(&pct) {
        c.invalid(&pp, pct, "not in valid range [0, 100]");
    }
    if abs < 0 {
        c.invalid(&ap, abs, "not in valid range [0, inf)");
    }
    if pct == 0 && abs == 0 {
        c.invalid(&pp, pct, "cannot be zero at the same time as minCandidateNodesAbsolute");
        c.invalid(&ap, abs, "cannot be zero at the same time as minCandidateNodesPercentage");
    }
}

/// VolumeBindingArgs: `bindTimeoutSeconds` checked; `shape` needs the StorageCapacityScoring
/// gate, which kubesim does not simulate.
fn volume_binding_args(a: &Node, path: &str, c: &mut Checker) {
    if !keys(a, &["bindTimeoutSeconds", "shape"], "VolumeBindingArgs", c) {
        return;
    }
    if let Some(t) = a.get("bindTimeoutSeconds").and_then(|n| integer(&n, c.report)) {
        if t < 0 {
            c.invalid(
                &format!("{path}.bindTimeoutSeconds"),
                t,
                "invalid BindTimeoutSeconds, should not be a negative value",
            );
        }
    }
    if let Some(s) = a.get("shape") {
        s.report(
            c.report,
            Anchor::Key,
            "not simulated by kubesim: volume capacity scoring (StorageCapacityScoring)",
            None,
        );
    }
}

/// A warning per object whose pods name a `schedulerName` that no profile answers to: no
/// scheduler picks them up, so they stay Pending (as with kube-scheduler, which only takes
/// the pods of its profiles' names).
pub(crate) fn warn_unscheduled(scenario: &crate::model::spec::Scenario, file: &Path, r: &mut Report) {
    let profiles: Vec<String> = match &scenario.scheduler_config {
        Some(c) => c.profiles.iter().map(|p| p.scheduler_name.clone()).collect(),
        None => vec![DEFAULT_SCHEDULER_NAME.to_string()],
    };
    for o in &scenario.objects {
        let Some(name) = o.spec.pod_spec().and_then(|s| s.scheduler_name.as_deref()) else { continue };
        if profiles.iter().any(|p| p == name) {
            continue;
        }
        let listed: Vec<String> = profiles.iter().map(|p| format!("\"{p}\"")).collect();
        let msg = format!(
            "{}: schedulerName \"{name}\" names no scheduler profile (kubesim's scheduler answers to {}): its \
             pods stay Pending, as no scheduler picks them up",
            o.id,
            listed.join(", ")
        );
        r.push(super::diagnostic::Diagnostic::warning(file, msg));
    }
}
