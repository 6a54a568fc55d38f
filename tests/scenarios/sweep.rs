//! Sweeps: variants x seeds through the binary, the comparison a user reads, runs identical
//! to `kubesim run --set ... --seed N`, independence from `--jobs`, and shards run as
//! separate processes then merged.

use crate::support::repo_path;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const NAME: &str = "sweep-max-surge";
const SEEDS: u64 = 3;

/// The example with fewer seeds (debug builds are slow), copied into `dir`.
fn example(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(repo_path("scenarios/sweep-max-surge.yaml")).expect("example");
    assert!(text.contains("  seeds: 30\n"));
    let path = dir.join("sweep-max-surge.yaml");
    std::fs::write(&path, text.replace("  seeds: 30\n", &format!("  seeds: {SEEDS}\n"))).expect("write");
    path
}

/// kubesim with `args`, outside any Kubernetes Job or Slurm array.
fn kubesim(args: &[&str]) -> Output {
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
    cmd.args(args).output().expect("kubesim runs")
}

fn ok(output: &Output) {
    assert_eq!(output.status.code(), Some(0), "stderr:\n{}", String::from_utf8_lossy(&output.stderr));
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// Every file under `root` (relative path -> bytes) but run.json.
fn files(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).expect("dir").filter_map(|e| e.ok()) {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().is_some_and(|n| n != "run.json") {
                let rel = p.strip_prefix(root).expect("under root").to_path_buf();
                out.insert(rel, std::fs::read(&p).expect("read"));
            }
        }
    }
    out
}

fn csv_rows(path: &Path) -> Vec<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(path).expect("comparison.csv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    lines.map(|l| header.iter().map(|h| h.to_string()).zip(l.split(',').map(str::to_string)).collect()).collect()
}

fn sweep(scenario: &Path, out: &Path, extra: &[&str]) {
    let mut args = vec!["sweep", s(scenario), "--quiet", "--out", s(out)];
    args.extend(extra);
    ok(&kubesim(&args));
}

#[test]
fn more_surge_rolls_out_faster_and_runs_equal_kubesim_run() {
    let dir = tempfile::tempdir().expect("temp dir");
    let scenario = example(dir.path());
    let out = dir.path().join("out");
    sweep(&scenario, &out, &["--jobs", "2"]);
    let root = out.join(NAME);
    let rows = csv_rows(&root.join("comparison.csv"));
    let names: Vec<&str> = rows.iter().map(|r| r["variant"].as_str()).collect();
    assert_eq!(names, ["surge-1", "surge-25pct", "surge-50pct"]);
    let f = |r: &BTreeMap<String, String>, col: &str| -> f64 { r[col].parse().expect(col) };
    let means: Vec<f64> = rows.iter().map(|r| f(r, "rollout_duration_s_mean")).collect();
    assert!(means[0] > means[1] && means[1] > means[2], "rollout durations {means:?}");
    // 1 pod at a time against 5: the CIs are far apart, and so is the paired difference from 0.
    assert!(f(&rows[0], "rollout_duration_s_ci95_low") > f(&rows[1], "rollout_duration_s_ci95_high"));
    assert!(f(&rows[1], "rollout_duration_s_diff_ci95_high") < 0.0);
    assert_eq!(rows[0]["rollout_duration_s_diff_mean"], "", "the baseline has no difference");
    assert_eq!(rows[0]["runs"], SEEDS.to_string());
    // Common random numbers: every variant of a seed sees the same requests arrive.
    assert_eq!(rows[1]["requests_total_diff_mean"], "0.000000");
    assert_eq!(rows[1]["requests_total_stddev"], rows[0]["requests_total_stddev"]);
    for file in
        ["comparison.json", "charts/rollout-duration-s.svg", "charts/rollout-duration-s.png", "charts/availability.png"]
    {
        assert!(root.join(file).is_file(), "{file} missing");
    }
    // The sweep's report: the comparison with the paired differences, the charts inline,
    // links to each run's own report.
    let report = std::fs::read_to_string(root.join("report.html")).expect("the sweep's report.html");
    assert!(report.contains("<table class=\"figures\" id=\"comparison\">"));
    assert!(report.contains("<tr><th>rollout_duration_s</th>") && report.contains("<span class=\"differs\">Δ -"));
    assert!(report.contains("src=\"data:image/png;base64,"));
    assert!(report.contains("<a href=\"surge-25pct/seed-2/report.html\">2</a>"));
    assert!(root.join("surge-25pct/seed-2/report.html").is_file());
    // A run of the sweep is `kubesim run --set ... --seed N`, byte for byte.
    let alone = dir.path().join("alone");
    let set = "deployment/web.spec.strategy.rollingUpdate.maxSurge=25%";
    ok(&kubesim(&["run", s(&scenario), "--quiet", "--set", set, "--seed", "2", "--out", s(&alone)]));
    let run = files(&root.join("surge-25pct/seed-2"));
    assert!(run.len() >= 10, "{:?}", run.keys());
    assert!(run == files(&alone.join(NAME)), "surge-25pct/seed-2 differs from kubesim run --set {set} --seed 2");
}

#[test]
fn jobs_and_shards_do_not_change_the_output() {
    let dir = tempfile::tempdir().expect("temp dir");
    let scenario = example(dir.path());
    let (one, two) = (dir.path().join("one"), dir.path().join("two"));
    sweep(&scenario, &one, &["--jobs", "1"]);
    sweep(&scenario, &two, &["--jobs", "2"]);
    let whole = files(&one.join(NAME));
    assert!(whole == files(&two.join(NAME)), "--jobs 1 and --jobs 2 differ");
    // Four shards as four processes: two write to one folder, two to another (as two
    // machines would), then `kubesim merge` reads both.
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    let shards: Vec<std::thread::JoinHandle<Output>> = (0..4)
        .map(|k| {
            let (scenario, out) = (scenario.clone(), if k < 2 { a.clone() } else { b.clone() });
            std::thread::spawn(move || {
                let shard = format!("{k}/4");
                kubesim(&["sweep", s(&scenario), "--quiet", "--jobs", "1", "--shard", &shard, "--out", s(&out)])
            })
        })
        .collect();
    for h in shards {
        ok(&h.join().expect("shard thread"));
    }
    assert!(a.join(NAME).join("shard-1-of-4.json").is_file());
    assert!(!a.join(NAME).join("comparison.csv").exists(), "a shard writes no comparison");
    let merged = dir.path().join("merged");
    ok(&kubesim(&["merge", s(&a.join(NAME)), s(&b), s(&a), "--quiet", "--out", s(&merged)]));
    let merged_files = files(&merged.join(NAME));
    let comparison: Vec<&PathBuf> = whole
        .keys()
        .filter(|p| !p.starts_with("surge-1") && !p.starts_with("surge-25pct") && !p.starts_with("surge-50pct"))
        .collect();
    assert!(comparison.len() > 4, "{comparison:?}");
    for p in comparison {
        assert!(merged_files.get(p) == whole.get(p), "{} differs after merging the shards", p.display());
    }
    // Every run of the shards equals the unsharded sweep's.
    let mut runs = files(&a.join(NAME));
    runs.extend(files(&b.join(NAME)));
    runs.retain(|p, _| !p.to_string_lossy().starts_with("shard-"));
    assert_eq!(runs.len(), whole.len() - merged_files.len());
    assert!(runs.iter().all(|(p, bytes)| whole.get(p) == Some(bytes)));

    // A missing shard, and a doubled one, are errors that name it.
    let missing = kubesim(&["merge", s(&a), "--quiet"]);
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert_eq!(missing.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("shards 2, 3 of 4 missing"), "{stderr}");
    let c = dir.path().join("c").join(NAME);
    std::fs::create_dir_all(&c).expect("dir");
    std::fs::copy(b.join(NAME).join("shard-3-of-4.json"), c.join("shard-3-of-4.json")).expect("copy");
    let doubled = kubesim(&["merge", s(&a), s(&b), s(&c), "--quiet"]);
    let stderr = String::from_utf8_lossy(&doubled.stderr);
    assert_eq!(doubled.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("shard 3 of 4 is there twice"), "{stderr}");
}

#[test]
fn shards_come_from_kubernetes_and_slurm_variables() {
    let dir = tempfile::tempdir().expect("temp dir");
    let scenario = example(dir.path());
    let out = dir.path().join("out");
    let run = |vars: &[(&str, &str)], extra: &[&str]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_kubesim"));
        cmd.env_remove("KUBESIM_SHARDS").env_remove("SLURM_ARRAY_TASK_ID").env_remove("JOB_COMPLETION_INDEX");
        cmd.envs(vars.iter().copied()).args(["sweep", s(&scenario), "--quiet", "--out", s(&out)]).args(extra);
        cmd.output().expect("kubesim runs")
    };
    // 9 runs in 6 shards: one or two each.
    ok(&run(&[("JOB_COMPLETION_INDEX", "5")], &["--shards", "6"]));
    let manifest = std::fs::read_to_string(out.join(NAME).join("shard-5-of-6.json")).expect("manifest");
    assert!(manifest.contains("\"shard\": 5") && manifest.contains("\"scenario_hash\""), "{manifest}");
    ok(&run(&[("SLURM_ARRAY_TASK_ID", "4"), ("SLURM_ARRAY_TASK_MIN", "0"), ("SLURM_ARRAY_TASK_COUNT", "6")], &[]));
    assert!(out.join(NAME).join("shard-4-of-6.json").is_file());
    let no_count = run(&[("JOB_COMPLETION_INDEX", "1")], &[]);
    assert_eq!(no_count.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&no_count.stderr).contains("--shards N"));
}

#[test]
fn a_scenario_without_a_sweep_section_cannot_sweep() {
    let out = tempfile::tempdir().expect("temp dir");
    let output = kubesim(&["sweep", s(&repo_path("scenarios/recreate.yaml")), "--out", s(out.path())]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("has no `sweep:` section"));
    assert_eq!(std::fs::read_dir(out.path()).map(|d| d.count()).unwrap_or(0), 0);
    let bad = kubesim(&["sweep", s(&repo_path("scenarios/recreate.yaml")), "--shard", "4/4"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn the_kubernetes_job_manifests_validate() {
    let output = kubesim(&[
        "validate",
        s(&repo_path("deploy/kubernetes/sweep-job.yaml")),
        s(&repo_path("deploy/kubernetes/merge-job.yaml")),
    ]);
    ok(&output);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("sweep-job.yaml: ok (Kubernetes manifests, 1 objects)"), "{stdout}");
    // A misspelt field of the Job is an error, with the closest name.
    let dir = tempfile::tempdir().expect("temp dir");
    let text = std::fs::read_to_string(repo_path("deploy/kubernetes/sweep-job.yaml")).expect("job");
    let bad = dir.path().join("job.yaml");
    std::fs::write(&bad, text.replace("completionMode: Indexed", "completionMod: Indexed")).expect("write");
    let output = kubesim(&["validate", s(&bad)]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("job.yaml:") && stderr.contains("did you mean `completionMode`?"), "{stderr}");
}
