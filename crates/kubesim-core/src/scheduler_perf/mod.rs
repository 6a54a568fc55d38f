//! `kubesim perf-config FILE`: Kubernetes' scheduler benchmark workloads
//! (test/integration/scheduler_perf: a `performance-config.yaml` of test cases, each a
//! `workloadTemplate` of opcodes run once per workload with its `params`) turned into
//! kubesim scenarios, run, and measured as scheduler_perf measures them
//! (`throughput.rs`: SchedulingThroughput).
//!
//! A workload becomes a scenario: `createNodes` the cluster's node groups (from the node
//! template, with `labelNodePrepareStrategy` / `uniqueNodeLabelStrategy`), `createNamespaces`
//! Namespace objects, each `createPods` a manifest of pods from the pod template applied on
//! the timeline, `deletePods` a `kubectl delete pods`; `barrier` waits and `sleep` sleeps.
//! Each op starts one second of virtual time after the one before (kubesim schedules a batch
//! of pods within milliseconds, so the wait for completion scheduler_perf makes is over by
//! then). What kubesim cannot model refuses the workload, naming the opcode or field.

pub mod throughput;

use crate::engine::{SimDuration, SimTime};
use crate::model::spec::Scenario;
use crate::scenario::diagnostic::Report as Diagnostics;
use crate::scenario::node::{describe, Node};
use crate::scenario::positions::YPath;
use crate::scenario::source::{self, Loc};
use crate::scenario::{Diagnostic, Files, MemoryFiles};
use serde_yaml::{Mapping, Value};
use std::collections::BTreeSet;
use std::io;
use std::path::{Path, PathBuf};

/// The time between one op and the next.
const OP_STEP: SimDuration = SimDuration::from_secs(1);
/// How long a run goes on after its last op.
const TAIL: SimDuration = SimDuration::from_secs(5);

const CASE_KEYS: &[&str] = &[
    "name",
    "labels",
    "defaultPodTemplatePath",
    "workloadTemplate",
    "workloads",
    "schedulerConfigPath",
    "featureGates",
    "metricsCollectorConfig",
    "defaultThresholdMetricSelector",
];
const WORKLOAD_KEYS: &[&str] = &["name", "labels", "params", "threshold", "featureGates", "thresholdMetricSelector"];

/// The opcodes of scheduler_perf.go that kubesim runs.
const MODELLED: &[&str] = &[
    "createNodes",
    "createNamespaces",
    "createPods",
    "barrier",
    "sleep",
    "deletePods",
    "startCollectingMetrics",
    "stopCollectingMetrics",
];

/// One workload of one test case: its scenario, or why kubesim refuses it.
pub struct Workload {
    /// `TestCase/Workload`, as scheduler_perf names a benchmark.
    pub name: String,
    pub labels: Vec<String>,
    /// The workload's `threshold` (pods/s of SchedulingThroughput's Average), if any.
    pub threshold: Option<f64>,
    pub plan: Result<Planned, String>,
}

/// A workload ready to run.
pub struct Planned {
    pub scenario: Scenario,
    /// The pods of the ops with `collectMetrics: true`: (namespace, name), and when their op
    /// started (the throughput's windows start there).
    pub measured: Vec<(String, String)>,
    pub measure_start: Option<SimTime>,
}

/// The caller's files with the generated manifests on top (in memory, under `dir`).
struct Overlay<'a> {
    base: &'a dyn Files,
    extra: MemoryFiles,
}

impl Files for Overlay<'_> {
    fn is_file(&self, path: &Path) -> bool {
        self.extra.is_file(path) || self.base.is_file(path)
    }
    fn is_dir(&self, path: &Path) -> bool {
        self.extra.is_dir(path) || self.base.is_dir(path)
    }
    fn absolute(&self, path: &Path) -> PathBuf {
        self.base.absolute(path)
    }
    fn read(&self, path: &Path, cap: u64) -> io::Result<Vec<u8>> {
        if self.extra.is_file(path) {
            self.extra.read(path, cap)
        } else {
            self.base.read(path, cap)
        }
    }
    fn list_dir(&self, path: &Path) -> io::Result<Vec<PathBuf>> {
        self.base.list_dir(path)
    }
}

/// Reads a performance-config file and plans its workloads (those named `only`, by
/// workload name or `TestCase/Workload`, when given). Errors: the file cannot be read or is
/// not shaped as scheduler_perf's (file:line:col).
pub fn plan(path: &Path, only: Option<&str>, files: &dyn Files) -> Result<Vec<Workload>, Vec<Diagnostic>> {
    let src = source::read(files, path, path).map_err(|d| vec![d])?;
    let docs = source::documents(&src).map_err(|d| vec![d])?;
    let doc =
        docs.iter().position(|d| !d.is_null()).ok_or_else(|| vec![Diagnostic::error(path, "the file is empty")])?;
    let loc = Loc::new(&src, doc, YPath::root());
    let root = Node::root(&loc, &docs[doc]);
    let mut r = Diagnostics::default();
    if !root.v.is_sequence() {
        root.error(&mut r, format!("expected a list of test cases, found {}", describe(root.v)), None);
        return Err(r.into_sorted());
    }
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut out = Vec::new();
    for case in root.items() {
        if !case.check_keys(&mut r, CASE_KEYS, "a test case") {
            continue;
        }
        let Some(case_name) = case.get("name").and_then(|n| n.string(&mut r)) else {
            case.error(&mut r, "a test case needs a name", None);
            continue;
        };
        let workloads = case.get("workloads").map(|w| w.items()).unwrap_or_default();
        for w in &workloads {
            if !w.check_keys(&mut r, WORKLOAD_KEYS, "a workload") {
                continue;
            }
            let Some(name) = w.get("name").and_then(|n| n.string(&mut r)) else {
                w.error(&mut r, "a workload needs a name", None);
                continue;
            };
            let full = format!("{case_name}/{name}");
            if only.is_some_and(|o| o != name && o != full) {
                continue;
            }
            let labels = strings(w.get("labels"), &mut r);
            let threshold = w.get("threshold").and_then(|t| t.v.as_f64());
            let plan = plan_workload(&case, w, &case_name, &name, &dir, files);
            out.push(Workload { name: full, labels, threshold, plan });
        }
    }
    if r.has_errors() {
        return Err(r.into_sorted());
    }
    if out.is_empty() {
        if let Some(o) = only {
            return Err(vec![Diagnostic::error(
                path,
                format!("no workload named \"{o}\" (name it as WORKLOAD or TESTCASE/WORKLOAD)"),
            )]);
        }
    }
    Ok(out)
}

fn strings(n: Option<Node>, r: &mut Diagnostics) -> Vec<String> {
    n.map(|n| n.items().iter().filter_map(|i| i.string(r)).collect()).unwrap_or_default()
}

/// A count: `count: N` or `countParam: $name` from the workload's params.
fn count(op: &Node, params: Option<&Node>, key: &str) -> Result<u64, String> {
    if let Some(n) = op.get(key).and_then(|c| c.v.as_u64()) {
        return Ok(n);
    }
    let param_key = format!("{key}Param");
    let Some(p) = op.get(&param_key).and_then(|p| p.v.as_str().map(str::to_string)) else {
        return Err(format!("`{key}` or `{param_key}` is required"));
    };
    let name = p.strip_prefix('$').ok_or_else(|| format!("{param_key}: \"{p}\" must name a parameter as $name"))?;
    params
        .and_then(|ps| ps.get(name))
        .and_then(|v| v.v.as_u64())
        .ok_or_else(|| format!("{param_key}: the workload has no integer parameter \"{name}\""))
}

/// A YAML file next to the config, as a value.
fn read_yaml(dir: &Path, rel: &str, files: &dyn Files) -> Result<Value, String> {
    let path = dir.join(rel);
    let src = source::read(files, &path, &path).map_err(|d| d.to_string())?;
    let docs = source::documents(&src).map_err(|d| d.to_string())?;
    docs.into_iter().find(|d| !d.is_null()).ok_or_else(|| format!("{rel}: the file is empty"))
}

fn get<'v>(v: &'v Value, path: &[&str]) -> Option<&'v Value> {
    path.iter().try_fold(v, |v, k| v.as_mapping()?.get(*k))
}

/// scheduler_perf's node when no template is given (test/utils/runners.go's base node):
/// 110 pods, 4 cpu, 32Gi memory.
fn default_node() -> Value {
    serde_yaml::from_str(
        "metadata: {generateName: sample-node-}\nstatus: {capacity: {pods: '110', cpu: '4', memory: 32Gi}}",
    )
    .unwrap_or(Value::Null)
}

/// scheduler_perf's pod when no template is given (test/utils/runners.go `MakePodSpec`):
/// a pause container asking for 100m cpu and 500Mi memory.
fn default_pod() -> Value {
    serde_yaml::from_str(
        "apiVersion: v1\nkind: Pod\nmetadata: {generateName: pod-}\nspec:\n  containers:\n  - name: pause\n    \
         image: registry.k8s.io/pause:3.10\n    ports: [{containerPort: 80}]\n    resources:\n      \
         limits: {cpu: 100m, memory: 500Mi}\n      requests: {cpu: 100m, memory: 500Mi}\n",
    )
    .unwrap_or(Value::Null)
}

/// A name fit for a node group or pod: lowercase alphanumerics and '-'.
fn dns(s: &str) -> String {
    let s: String = s.to_ascii_lowercase().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
    s.trim_matches('-').to_string()
}

struct Builder {
    /// Node groups as scenario YAML values.
    nodes: Vec<Value>,
    node_count: u64,
    namespaces: BTreeSet<String>,
    timeline: Vec<Value>,
    generated: MemoryFiles,
    measured: Vec<(String, String)>,
    measure_start: Option<SimTime>,
    at: SimTime,
    any_pods: bool,
    /// Between startCollectingMetrics and stopCollectingMetrics.
    collecting: bool,
}

fn plan_workload(
    case: &Node,
    w: &Node,
    case_name: &str,
    name: &str,
    dir: &Path,
    files: &dyn Files,
) -> Result<Planned, String> {
    for (what, n) in [("test case", case.get("featureGates")), ("workload", w.get("featureGates"))] {
        if let Some(gates) = n.and_then(|g| g.v.as_mapping().cloned()).filter(|m| !m.is_empty()) {
            let names: Vec<String> = gates.keys().filter_map(|k| k.as_str().map(str::to_string)).collect();
            return Err(format!("the {what}'s featureGates ({}) are not simulated", names.join(", ")));
        }
    }
    let params = w.get("params");
    let default_template = case.get("defaultPodTemplatePath").and_then(|p| p.v.as_str().map(str::to_string));
    let mut b = Builder {
        nodes: Vec::new(),
        node_count: 0,
        namespaces: BTreeSet::new(),
        timeline: Vec::new(),
        generated: MemoryFiles::default(),
        measured: Vec::new(),
        measure_start: None,
        at: SimTime::ZERO,
        any_pods: false,
        collecting: false,
    };
    let ops = case.get("workloadTemplate").map(|t| t.items()).unwrap_or_default();
    // The generated manifests' folder, relative to the config (and the scenario made of it).
    let gen_dir = PathBuf::from(format!(".kubesim-perf-{}-{}", dns(case_name), dns(name)));
    for (index, op) in ops.iter().enumerate() {
        let opcode = op.get("opcode").and_then(|o| o.v.as_str().map(str::to_string)).unwrap_or_default();
        if !MODELLED.contains(&opcode.as_str()) {
            return Err(format!("opcode {opcode} is not simulated by kubesim (it runs {})", MODELLED.join(", ")));
        }
        match opcode.as_str() {
            "createNodes" => create_nodes(&mut b, op, params.as_ref(), dir, files)?,
            "createNamespaces" => {
                refuse_fields(op, "createNamespaces", &["namespaceTemplatePath"])?;
                let prefix = op.get("prefix").and_then(|p| p.v.as_str().map(str::to_string)).unwrap_or_default();
                for i in 0..count(op, params.as_ref(), "count")? {
                    b.namespaces.insert(format!("{prefix}-{i}"));
                }
            }
            "createPods" => {
                let template = op
                    .get("podTemplatePath")
                    .and_then(|p| p.v.as_str().map(str::to_string))
                    .or(default_template.clone());
                create_pods(&mut b, op, index, params.as_ref(), template.as_deref(), dir, files, &gen_dir)?;
            }
            "deletePods" => {
                refuse_fields(op, "deletePods", &["deletePodsPerSecond"])?;
                let ns = op
                    .get("namespace")
                    .and_then(|p| p.v.as_str().map(str::to_string))
                    .ok_or("deletePods: `namespace` is required")?;
                let selector = match op.get("labelSelector").and_then(|s| s.v.as_mapping().cloned()) {
                    Some(m) => {
                        let parts: Vec<String> =
                            m.iter().filter_map(|(k, v)| Some(format!("{}={}", k.as_str()?, v.as_str()?))).collect();
                        format!("-l {}", parts.join(","))
                    }
                    None => "--all".to_string(),
                };
                b.at_step(format!("kubectl delete pods -n {ns} {selector}"));
            }
            // The pods of the createPods ops in between are measured (scheduler_perf.go
            // `startCollectingMetricsOp`), as those of a `collectMetrics` op are.
            "startCollectingMetrics" => {
                b.collecting = true;
                b.measure_start.get_or_insert(b.at);
            }
            "stopCollectingMetrics" => b.collecting = false,
            "barrier" => {}
            "sleep" => {
                let secs = match op.get("duration").and_then(|d| d.v.as_str().map(str::to_string)) {
                    Some(text) => crate::scenario::parse_duration(&text).map_err(|e| format!("sleep: {e}"))?,
                    None => return Err("sleep: `duration` is required".into()),
                };
                b.at += secs;
            }
            _ => {}
        }
    }
    if b.nodes.is_empty() {
        return Err("the workload creates no nodes (createNodes)".into());
    }
    let scheduler = case.get("schedulerConfigPath").and_then(|p| p.v.as_str().map(str::to_string));
    let scenario = scenario_text(&b, case_name, name, scheduler.as_deref());
    let overlay = Overlay { base: files, extra: b.generated.clone() };
    let path = dir.join(format!("{}-{}.kubesim.yaml", dns(case_name), dns(name)));
    match crate::scenario::load_str(&path, &scenario, &[], &overlay) {
        Ok(l) => Ok(Planned { scenario: l.scenario, measured: b.measured, measure_start: b.measure_start }),
        Err(d) => Err(d.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n")),
    }
}

impl Builder {
    /// A timeline line at the op's time; the next op comes a step later.
    fn at_step(&mut self, line: String) {
        let mut m = Mapping::new();
        m.insert("at".into(), format!("{}ms", self.at.as_micros() / 1000).into());
        m.insert("run".into(), line.into());
        self.timeline.push(Value::Mapping(m));
        self.at += OP_STEP;
    }
}

fn refuse_fields(op: &Node, opcode: &str, fields: &[&str]) -> Result<(), String> {
    match fields.iter().find(|f| op.get(f).is_some_and(|v| !v.v.is_null())) {
        Some(f) => Err(format!("{opcode}.{f} is not simulated by kubesim")),
        None => Ok(()),
    }
}

fn create_nodes(
    b: &mut Builder,
    op: &Node,
    params: Option<&Node>,
    dir: &Path,
    files: &dyn Files,
) -> Result<(), String> {
    refuse_fields(op, "createNodes", &["nodeAllocatableStrategy"])?;
    if b.any_pods {
        return Err("createNodes after pods: kubesim's nodes are all there from the start".into());
    }
    let n = count(op, params, "count")?;
    let template = match op.get("nodeTemplatePath").and_then(|p| p.v.as_str().map(str::to_string)) {
        Some(rel) => read_yaml(dir, &rel, files)?,
        None => default_node(),
    };
    let prefix = get(&template, &["metadata", "generateName"])
        .or_else(|| get(&template, &["metadata", "name"]))
        .and_then(Value::as_str)
        .map(dns)
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "node".into());
    let prefix = format!("{prefix}-{}", b.nodes.len());
    let capacity =
        get(&template, &["status", "allocatable"]).or_else(|| get(&template, &["status", "capacity"])).cloned();
    let labels = get(&template, &["metadata", "labels"]).cloned().unwrap_or(Value::Mapping(Mapping::new()));
    let taints = get(&template, &["spec", "taints"]).cloned();
    let group = |name: String, count: u64, extra: Option<(String, String)>| {
        let mut g = Mapping::new();
        g.insert("name".into(), name.into());
        g.insert("count".into(), count.into());
        if let Some(c) = &capacity {
            g.insert("capacity".into(), c.clone());
        }
        let mut l = labels.as_mapping().cloned().unwrap_or_default();
        if let Some((k, v)) = extra {
            l.insert(k.into(), v.into());
        }
        g.insert("labels".into(), Value::Mapping(l));
        if let Some(t) = &taints {
            g.insert("taints".into(), t.clone());
        }
        Value::Mapping(g)
    };
    if let Some(s) = op.get("labelNodePrepareStrategy") {
        let key = s
            .get("labelKey")
            .and_then(|k| k.v.as_str().map(str::to_string))
            .ok_or("labelNodePrepareStrategy: `labelKey` is required")?;
        let values: Vec<String> = s
            .get("labelValues")
            .map(|v| v.items().iter().filter_map(|i| i.v.as_str().map(str::to_string)).collect())
            .unwrap_or_default();
        if values.is_empty() {
            return Err("labelNodePrepareStrategy: `labelValues` is required".into());
        }
        // Node i gets value i mod len (testutils.LabelNodePrepareStrategy); kubesim's node
        // groups hold the nodes of one value each.
        let len = values.len() as u64;
        for (i, v) in values.iter().enumerate() {
            let c = n / len + u64::from((i as u64) < n % len);
            if c > 0 {
                b.nodes.push(group(format!("{prefix}-{}", dns(v)), c, Some((key.clone(), v.clone()))));
            }
        }
    } else if let Some(s) = op.get("uniqueNodeLabelStrategy") {
        let key = s
            .get("labelKey")
            .and_then(|k| k.v.as_str().map(str::to_string))
            .ok_or("uniqueNodeLabelStrategy: `labelKey` is required")?;
        for i in 0..n {
            let name = format!("{prefix}-{i}");
            b.nodes.push(group(name.clone(), 1, Some((key.clone(), name))));
        }
    } else if n > 0 {
        b.nodes.push(group(prefix, n, None));
    }
    b.node_count += n;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn create_pods(
    b: &mut Builder,
    op: &Node,
    index: usize,
    params: Option<&Node>,
    template: Option<&str>,
    dir: &Path,
    files: &dyn Files,
    gen_dir: &Path,
) -> Result<(), String> {
    refuse_fields(
        op,
        "createPods",
        &[
            "persistentVolumeTemplatePath",
            "persistentVolumeClaimTemplatePath",
            "steadyState",
            "duration",
            "durationParam",
        ],
    )?;
    b.any_pods = true;
    let n = count(op, params, "count")?;
    let template = match template {
        Some(rel) => read_yaml(dir, rel, files)?,
        None => default_pod(),
    };
    if get(&template, &["spec", "volumes"]).is_some_and(|v| v.as_sequence().is_some_and(|s| !s.is_empty())) {
        return Err("createPods: pods with volumes are not simulated by kubesim's scheduler_perf runs".into());
    }
    // scheduler_perf's createPods: the op's namespace, else `namespace-<opIndex>`.
    let ns = op
        .get("namespace")
        .and_then(|p| p.v.as_str().map(str::to_string))
        .unwrap_or_else(|| format!("namespace-{index}"));
    b.namespaces.insert(ns.clone());
    let prefix = get(&template, &["metadata", "generateName"])
        .or_else(|| get(&template, &["metadata", "name"]))
        .and_then(Value::as_str)
        .map(dns)
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "pod".into());
    let collect = b.collecting || op.get("collectMetrics").and_then(|c| c.v.as_bool()).unwrap_or(false);
    let mut docs = Vec::with_capacity(usize::try_from(n).unwrap_or(0));
    for i in 0..n {
        let mut pod = template.clone();
        let name = format!("{prefix}-{index}-{i}");
        if let Some(meta) = pod.as_mapping_mut().and_then(|m| m.get_mut("metadata")).and_then(Value::as_mapping_mut) {
            meta.remove("generateName");
            meta.insert("name".into(), name.clone().into());
            meta.insert("namespace".into(), ns.clone().into());
        }
        if collect {
            b.measured.push((ns.clone(), name));
        }
        docs.push(pod);
    }
    let mut list = Mapping::new();
    list.insert("apiVersion".into(), "v1".into());
    list.insert("kind".into(), "List".into());
    list.insert("items".into(), Value::Sequence(docs));
    let text = serde_yaml::to_string(&Value::Mapping(list)).map_err(|e| e.to_string())?;
    let file = gen_dir.join(format!("op-{index}.yaml"));
    b.generated.insert(dir.join(&file), text);
    if collect && b.measure_start.is_none() {
        b.measure_start = Some(b.at);
    }
    b.at_step(format!("kubectl apply -f {}", file.display()));
    Ok(())
}

fn scenario_text(b: &Builder, case: &str, workload: &str, scheduler: Option<&str>) -> String {
    let mut root = Mapping::new();
    root.insert("name".into(), format!("{}-{}", dns(case), dns(workload)).into());
    root.insert("description".into(), format!("scheduler_perf {case}/{workload}").into());
    let duration = b.at + TAIL;
    root.insert("duration".into(), format!("{}ms", duration.as_micros() / 1000).into());
    let mut cluster = Mapping::new();
    cluster.insert("nodes".into(), Value::Sequence(b.nodes.clone()));
    if let Some(path) = scheduler {
        let mut s = Mapping::new();
        s.insert("config".into(), path.into());
        cluster.insert("scheduler".into(), Value::Mapping(s));
    }
    root.insert("cluster".into(), Value::Mapping(cluster));
    let namespaces: Vec<Value> = b
        .namespaces
        .iter()
        .filter(|n| n.as_str() != "default")
        .map(|n| {
            serde_yaml::from_str(&format!("{{apiVersion: v1, kind: Namespace, metadata: {{name: {n}}}}}"))
                .unwrap_or(Value::Null)
        })
        .collect();
    root.insert("objects".into(), Value::Sequence(namespaces));
    root.insert("timeline".into(), Value::Sequence(b.timeline.clone()));
    serde_yaml::to_string(&Value::Mapping(root)).unwrap_or_default()
}

/// What a workload's run did: its measured pods, their throughput, and where pods went.
pub struct Report {
    pub nodes: usize,
    pub measured: usize,
    pub measured_scheduled: usize,
    /// Every pod the scheduler bound in the run (for kubesim's own rate).
    pub scheduled_all: usize,
    pub throughput: Option<throughput::Throughput>,
    pub nodes_used: usize,
    pub max_pods_per_node: usize,
}

impl Report {
    pub fn of(planned: &Planned, outcome: &crate::sim::Outcome) -> Self {
        let measured: BTreeSet<(&str, &str)> =
            planned.measured.iter().map(|(ns, name)| (ns.as_str(), name.as_str())).collect();
        let pods = &outcome.store.pods;
        let times: Vec<SimTime> = pods
            .iter()
            .filter(|p| measured.contains(&(p.namespace.as_str(), p.name.as_str())))
            .filter_map(|p| p.scheduled)
            .collect();
        let mut per_node = vec![0usize; outcome.store.nodes().len()];
        // Every pod the run placed, those deleted since included.
        for p in pods.iter().filter(|p| p.scheduled.is_some()) {
            if let Some(n) = p.node {
                per_node[n.index()] += 1;
            }
        }
        let start = planned.measure_start.unwrap_or(SimTime::ZERO);
        Report {
            nodes: per_node.len(),
            measured: measured.len(),
            measured_scheduled: times.len(),
            scheduled_all: pods.iter().filter(|p| p.scheduled.is_some()).count(),
            throughput: throughput::scheduling_throughput(start, &times),
            nodes_used: per_node.iter().filter(|&&c| c > 0).count(),
            max_pods_per_node: per_node.iter().copied().max().unwrap_or(0),
        }
    }

    /// The workload's row of perf-config.csv (virtual-time figures only: the same bytes on
    /// every machine).
    pub fn csv_row(&self, name: &str, threshold: Option<f64>) -> String {
        let t = self.throughput.as_ref();
        let f = |v: Option<f64>| v.map(|v| format!("{v:.1}")).unwrap_or_default();
        format!(
            "{name},ran,{},{},{},{},{},{},{},{},{},{},{},\n",
            self.nodes,
            self.measured,
            self.measured_scheduled,
            f(t.map(|t| t.average)),
            f(t.map(|t| t.perc50)),
            f(t.map(|t| t.perc90)),
            f(t.map(|t| t.perc95)),
            f(t.map(|t| t.perc99)),
            threshold.map(|t| t.to_string()).unwrap_or_default(),
            self.nodes_used,
            self.max_pods_per_node
        )
    }

    /// namespace,pod,node,scheduled_s for every pod of the run, in creation order.
    pub fn placements_csv(&self, outcome: &crate::sim::Outcome) -> String {
        let mut out = String::from("namespace,pod,node,scheduled_s\n");
        for p in outcome.store.pods.iter() {
            let node = p.node.map(|n| outcome.store.nodes()[n].name.as_str()).unwrap_or("");
            let at = p.scheduled.map(|t| format!("{:.3}", t.as_micros() as f64 / 1e6)).unwrap_or_default();
            out.push_str(&format!("{},{},{node},{at}\n", p.namespace, p.name));
        }
        out
    }
}
