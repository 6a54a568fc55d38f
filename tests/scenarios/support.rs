//! Helpers shared by the scenario tests: loading and running scenarios, reading what a run
//! leaves (pods' lives, events, time series), running the binary, and reading the files it
//! writes.

use kubesim::engine::SimTime;
use kubesim::model::events::EventRecord;
use kubesim::sim::Outcome;
use kubesim::Scenario;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn repo_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn messages(diagnostics: &[kubesim::Diagnostic]) -> String {
    diagnostics.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n")
}

/// Loads a scenario file (with `--set` overrides).
pub fn load(rel: &str, overrides: &[&str]) -> Scenario {
    let overrides: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
    match kubesim::load_file(&repo_path(rel), &overrides) {
        Ok(l) => l.scenario,
        Err(d) => panic!("{rel} should load: {}", messages(&d)),
    }
}

/// Loads a scenario file (with `--set` overrides) and runs it.
pub fn run(rel: &str, overrides: &[&str]) -> (Scenario, Outcome) {
    let scenario = load(rel, overrides);
    let outcome = kubesim::simulate(&scenario, None);
    (scenario, outcome)
}

/// Loads scenario text (named `inline.yaml` in messages).
pub fn load_text(text: &str) -> Scenario {
    match kubesim::load_str(Path::new("inline.yaml"), text, &[]) {
        Ok(l) => l.scenario,
        Err(d) => panic!("scenario should load: {}", messages(&d)),
    }
}

/// Loads scenario text (named `inline.yaml` in messages) and runs it.
pub fn run_text(text: &str) -> Outcome {
    kubesim::simulate(&load_text(text), None)
}

/// A pod's life as pods.csv tells it.
pub struct PodLife {
    pub revision: i64,
    pub created: SimTime,
    pub ready: Option<SimTime>,
    /// When deletion began (the pod stops counting for the Deployment controller).
    pub terminating: Option<SimTime>,
    pub deleted: Option<SimTime>,
}

pub fn lives(outcome: &Outcome, deployment: &str) -> Vec<PodLife> {
    let store = &outcome.store;
    store
        .pods
        .iter()
        .filter(|p| store.owner_ref(p).is_some_and(|o| o.name == deployment))
        .map(|p| PodLife {
            revision: p.revision,
            created: p.created,
            ready: p.first_ready,
            terminating: p.terminating,
            deleted: p.deleted,
        })
        .collect()
}

/// Every instant at which some pod's state changed, in order.
pub fn change_points(lives: &[PodLife], min_ready: u64) -> Vec<SimTime> {
    let mut t: Vec<SimTime> = Vec::new();
    for l in lives {
        t.push(l.created);
        t.extend(l.ready.map(|r| SimTime(r.0 + min_ready * 1_000_000)));
        t.extend(l.terminating);
        t.extend(l.deleted);
    }
    t.sort();
    t.dedup();
    t
}

/// Pods not terminating at `t` (as the Deployment controller counts them).
pub fn active_at(lives: &[PodLife], t: SimTime) -> usize {
    lives.iter().filter(|l| l.created <= t && l.terminating.is_none_or(|x| x > t)).count()
}

/// Pods available at `t`: Ready for `min_ready` seconds and not terminating.
pub fn available_at(lives: &[PodLife], t: SimTime, min_ready: u64) -> usize {
    lives
        .iter()
        .filter(|l| {
            l.ready.is_some_and(|r| SimTime(r.0 + min_ready * 1_000_000) <= t) && l.terminating.is_none_or(|x| x > t)
        })
        .count()
}

/// A time in seconds.
pub fn secs(t: SimTime) -> f64 {
    t.as_secs_f64()
}

/// The run's events with this reason, in order.
pub fn events<'a>(o: &'a Outcome, reason: &str) -> Vec<&'a EventRecord> {
    o.recorder.records.iter().filter(|e| e.reason == reason).collect()
}

/// The run's events with this reason about `object` (like `pod/app` or `job/work`), in order.
pub fn object_events<'a>(o: &'a Outcome, object: &str, reason: &str) -> Vec<&'a EventRecord> {
    o.recorder.records.iter().filter(|e| e.reason == reason && e.object == object).collect()
}

/// The values of one time-series column, with their times in seconds.
pub fn column(o: &Outcome, name: &str) -> Vec<(f64, Option<f64>)> {
    let ts = &o.metrics.timeseries;
    let Some(i) = ts.columns.iter().position(|c| c == name) else { panic!("no column {name}: {:?}", ts.columns) };
    ts.rows.iter().map(|(t, row)| (t.as_secs_f64(), row[i])).collect()
}

/// The kubesim binary with `args`, outside any Kubernetes Indexed Job or Slurm array (their
/// variables would pick a shard).
pub fn kubesim(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kubesim"));
    for var in [
        "JOB_COMPLETION_INDEX",
        "KUBESIM_SHARDS",
        "SLURM_ARRAY_TASK_ID",
        "SLURM_ARRAY_TASK_MIN",
        "SLURM_ARRAY_TASK_COUNT",
    ] {
        cmd.env_remove(var);
    }
    cmd.args(args);
    cmd
}

/// [`kubesim`] run to its end.
pub fn kubesim_output(args: &[&str]) -> Output {
    kubesim(args).output().expect("kubesim runs")
}

/// A path as a command-line argument.
pub fn arg(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// The sweep example (`scenarios/sweep-max-surge.yaml`) with `seeds` seeds instead of 30
/// (debug builds are slow), copied into `dir`.
pub fn sweep_example(dir: &Path, seeds: u32) -> PathBuf {
    let text = std::fs::read_to_string(repo_path("scenarios/sweep-max-surge.yaml")).expect("example");
    assert!(text.contains("  seeds: 30\n"));
    let path = dir.join("sweep-max-surge.yaml");
    std::fs::write(&path, text.replace("  seeds: 30\n", &format!("  seeds: {seeds}\n"))).expect("write");
    path
}

/// Every file under `root`, relative to it, in no particular order.
pub fn file_paths(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("readable folder") {
            let path = entry.expect("folder entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path.strip_prefix(root).expect("under root").to_path_buf());
            }
        }
    }
    out
}

/// Every file under `root` (relative path -> bytes).
pub fn files(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    file_paths(root).into_iter().map(|rel| (rel.clone(), std::fs::read(root.join(&rel)).expect("read"))).collect()
}

/// The file named `name` somewhere under `dir`.
pub fn find_file(dir: &Path, name: &str) -> PathBuf {
    match file_paths(dir).into_iter().find(|p| p.file_name().is_some_and(|n| n == name)) {
        Some(rel) => dir.join(rel),
        None => panic!("no {name} in {}", dir.display()),
    }
}

/// The real-world folder: `KUBESIM_REALWORLD`, else `shared/realworld` beside the workspace.
pub fn realworld() -> PathBuf {
    realworld_from(std::env::var_os("KUBESIM_REALWORLD"))
}

/// The folder `var` names, else the default; a missing folder fails the test, saying where.
pub fn realworld_from(var: Option<std::ffi::OsString>) -> PathBuf {
    let dir =
        var.map(PathBuf::from).unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/realworld"));
    assert!(
        dir.is_dir(),
        "the real-world manifests are expected in {} (set KUBESIM_REALWORLD to their folder)",
        dir.display()
    );
    dir
}

/// The run's files, written to a temporary folder.
pub fn write_outputs(s: &Scenario, o: &Outcome) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let info = kubesim::output::RunInfo {
        wall_time_s: 0.0,
        threads: 1,
        chart_threads: 1,
        sweep_hash: None,
        variant: None,
        no_charts: false,
        openmetrics: false,
    };
    kubesim::files::write_run(dir.path(), s, o, &info).expect("outputs written");
    dir
}

/// pods.csv as written: one map of column to value per pod.
pub fn pods_csv(s: &Scenario, o: &Outcome) -> Vec<BTreeMap<String, String>> {
    let dir = write_outputs(s, o);
    let mut r = csv::Reader::from_path(find_file(dir.path(), "pods.csv")).expect("pods.csv readable");
    let header: Vec<String> = r.headers().expect("header").iter().map(str::to_string).collect();
    r.records().map(|row| header.iter().cloned().zip(row.expect("row").iter().map(str::to_string)).collect()).collect()
}

/// A Deployment `app` of 4 pods of `app:1` (a readiness probe every second) for `duration`,
/// with `extra_spec` added to its spec, `images` added to the `images:` section and the
/// timeline `timeline`.
pub fn app_deployment(duration: &str, extra_spec: &str, timeline: &str, images: &str) -> String {
    format!(
        "duration: {duration}
images:
  app:1: {{pull: 1s, start: 1s}}
  {images}
objects:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {{name: app}}
    spec:
      replicas: 4
      {extra_spec}
      selector: {{matchLabels: {{app: app}}}}
      template:
        metadata: {{labels: {{app: app}}}}
        spec:
          containers:
            - name: app
              image: 'app:1'
              readinessProbe: {{httpGet: {{path: /, port: 80}}, periodSeconds: 1}}
timeline:
{timeline}"
    )
}
