//! Sweeps: variants x seeds through the binary, the comparison a user reads, runs identical
//! to `kubesim run --set ... --seed N`, independence from `--jobs`, and shards run as
//! separate processes then merged.

use crate::support::{arg, files, kubesim, kubesim_output, repo_path, sweep_example};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

const NAME: &str = "sweep-max-surge";
const SEEDS: u32 = 3;

fn ok(output: &Output) {
    assert_eq!(output.status.code(), Some(0), "stderr:\n{}", String::from_utf8_lossy(&output.stderr));
}

/// Every file under `root` (relative path -> bytes) but run.json.
fn files_but_run_json(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    files(root).into_iter().filter(|(p, _)| p.file_name().is_some_and(|n| n != "run.json")).collect()
}

fn csv_rows(path: &Path) -> Vec<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(path).expect("comparison.csv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    lines.map(|l| header.iter().map(|h| h.to_string()).zip(l.split(',').map(str::to_string)).collect()).collect()
}

fn sweep(scenario: &Path, out: &Path, extra: &[&str]) {
    let mut args = vec!["sweep", arg(scenario), "--quiet", "--out", arg(out)];
    args.extend(extra);
    ok(&kubesim_output(&args));
}

#[test]
fn more_surge_rolls_out_faster_and_runs_equal_kubesim_run() {
    let dir = tempfile::tempdir().expect("temp dir");
    let scenario = sweep_example(dir.path(), SEEDS);
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
    // links to each run's folder.
    let report = std::fs::read_to_string(root.join("report.html")).expect("the sweep's report.html");
    assert!(report.contains("<table class=\"figures\" id=\"comparison\">"));
    assert!(report.contains("<tr><th>rollout_duration_s</th>") && report.contains("<span class=\"differs\">Δ -"));
    assert!(report.contains("src=\"data:image/png;base64,"));
    assert!(report.contains("<a href=\"surge-25pct/seed-2/\">2</a>"));
    // A run of the sweep is `kubesim run --set ... --seed N`: its data files byte for byte;
    // its charts and report.html only with --run-charts.
    let alone = dir.path().join("alone");
    let set = "deployment/web.spec.strategy.rollingUpdate.maxSurge=25%";
    ok(&kubesim_output(&["run", arg(&scenario), "--quiet", "--set", set, "--seed", "2", "--out", arg(&alone)]));
    let whole_run = files_but_run_json(&alone.join(NAME));
    assert!(whole_run.len() >= 10, "{:?}", whole_run.keys());
    let data_files: BTreeMap<PathBuf, Vec<u8>> = whole_run
        .iter()
        .filter(|(p, _)| !p.starts_with("charts") && !p.ends_with("report.html"))
        .map(|(p, b)| (p.clone(), b.clone()))
        .collect();
    let names: Vec<String> = data_files.keys().map(|p| p.display().to_string()).collect();
    assert_eq!(names, ["events.csv", "pods.csv", "summary.json", "timeseries-long.csv", "timeseries.csv"]);
    assert!(
        files_but_run_json(&root.join("surge-25pct/seed-2")) == data_files,
        "surge-25pct/seed-2 differs from kubesim run --set {set} --seed 2, or has charts without --run-charts"
    );
    let charted = dir.path().join("charted");
    sweep(&scenario, &charted, &["--jobs", "2", "--run-charts"]);
    assert!(
        files_but_run_json(&charted.join(NAME).join("surge-25pct/seed-2")) == whole_run,
        "with --run-charts, surge-25pct/seed-2 differs from kubesim run --set {set} --seed 2"
    );
}

#[test]
fn jobs_and_shards_do_not_change_the_output() {
    let dir = tempfile::tempdir().expect("temp dir");
    let scenario = sweep_example(dir.path(), SEEDS);
    let (one, two) = (dir.path().join("one"), dir.path().join("two"));
    sweep(&scenario, &one, &["--jobs", "1"]);
    sweep(&scenario, &two, &["--jobs", "2"]);
    let whole = files_but_run_json(&one.join(NAME));
    assert!(whole == files_but_run_json(&two.join(NAME)), "--jobs 1 and --jobs 2 differ");
    // Four shards as four processes: two write to one folder, two to another (as two
    // machines would), then `kubesim merge` reads both.
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    let shards: Vec<std::thread::JoinHandle<Output>> = (0..4)
        .map(|k| {
            let (scenario, out) = (scenario.clone(), if k < 2 { a.clone() } else { b.clone() });
            std::thread::spawn(move || {
                let shard = format!("{k}/4");
                kubesim_output(&[
                    "sweep",
                    arg(&scenario),
                    "--quiet",
                    "--jobs",
                    "1",
                    "--shard",
                    &shard,
                    "--out",
                    arg(&out),
                ])
            })
        })
        .collect();
    for h in shards {
        ok(&h.join().expect("shard thread"));
    }
    assert!(a.join(NAME).join("shard-1-of-4.json").is_file());
    assert!(!a.join(NAME).join("comparison.csv").exists(), "a shard writes no comparison");
    let merged = dir.path().join("merged");
    ok(&kubesim_output(&["merge", arg(&a.join(NAME)), arg(&b), arg(&a), "--quiet", "--out", arg(&merged)]));
    let merged_files = files_but_run_json(&merged.join(NAME));
    let comparison: Vec<&PathBuf> = whole
        .keys()
        .filter(|p| !p.starts_with("surge-1") && !p.starts_with("surge-25pct") && !p.starts_with("surge-50pct"))
        .collect();
    assert!(comparison.len() > 4, "{comparison:?}");
    for p in comparison {
        assert!(merged_files.get(p) == whole.get(p), "{} differs after merging the shards", p.display());
    }
    // Every run of the shards equals the unsharded sweep's.
    let mut runs = files_but_run_json(&a.join(NAME));
    runs.extend(files_but_run_json(&b.join(NAME)));
    runs.retain(|p, _| !p.to_string_lossy().starts_with("shard-"));
    assert_eq!(runs.len(), whole.len() - merged_files.len());
    assert!(runs.iter().all(|(p, bytes)| whole.get(p) == Some(bytes)));

    // A missing shard, and a doubled one, are errors that name it.
    let missing = kubesim_output(&["merge", arg(&a), "--quiet"]);
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert_eq!(missing.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("shards 2, 3 of 4 missing"), "{stderr}");
    let c = dir.path().join("c").join(NAME);
    std::fs::create_dir_all(&c).expect("dir");
    std::fs::copy(b.join(NAME).join("shard-3-of-4.json"), c.join("shard-3-of-4.json")).expect("copy");
    let doubled = kubesim_output(&["merge", arg(&a), arg(&b), arg(&c), "--quiet"]);
    let stderr = String::from_utf8_lossy(&doubled.stderr);
    assert_eq!(doubled.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("shard 3 of 4 is there twice"), "{stderr}");

    // A run folder holding another seed's summary (folders mixed) is named with its shard's
    // folder, not averaged in.
    let mut summaries: Vec<PathBuf> =
        crate::support::file_paths(&a.join(NAME)).into_iter().filter(|p| p.ends_with("summary.json")).collect();
    summaries.sort();
    let seed_of = |p: &PathBuf| p.parent().and_then(|d| d.file_name()).map(|n| n.to_os_string());
    let other = summaries.iter().find(|p| seed_of(p) != seed_of(&summaries[0])).expect("two seeds in shards 0 and 1");
    let (from, to) = (a.join(NAME).join(&summaries[0]), a.join(NAME).join(other));
    let kept = std::fs::read(&to).expect("read");
    std::fs::copy(&from, &to).expect("copy");
    let mixed = kubesim_output(&["merge", arg(&a), arg(&b), "--quiet"]);
    let stderr = String::from_utf8_lossy(&mixed.stderr);
    assert_eq!(mixed.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(&format!("{}: the summary of seed", to.display())), "{stderr}");
    std::fs::write(&to, kept).expect("restore");

    // Another variant's run of the same seed (summary and run.json) copied into a folder: its
    // run.json names its variant, so the mix is found.
    let variant_of =
        |p: &PathBuf| p.parent().and_then(Path::parent).and_then(Path::file_name).map(|n| n.to_os_string());
    let mut all: Vec<PathBuf> = [&a, &b]
        .iter()
        .flat_map(|d| crate::support::file_paths(&d.join(NAME)).into_iter().map(move |p| d.join(NAME).join(p)))
        .filter(|p| p.ends_with("summary.json"))
        .collect();
    all.sort();
    let same_seed = all
        .iter()
        .find(|p| seed_of(p) == seed_of(&all[0]) && variant_of(p) != variant_of(&all[0]))
        .expect("one seed in two variants");
    let (from_dir, to_dir) =
        (all[0].parent().expect("dir").to_path_buf(), same_seed.parent().expect("dir").to_path_buf());
    let kept_record = std::fs::read(to_dir.join("run.json")).expect("read");
    for f in ["summary.json", "run.json"] {
        std::fs::copy(from_dir.join(f), to_dir.join(f)).expect("copy");
    }
    let mixed = kubesim_output(&["merge", arg(&a), arg(&b), "--quiet"]);
    let stderr = String::from_utf8_lossy(&mixed.stderr);
    assert_eq!(mixed.status.code(), Some(2), "{stderr}");
    let variant = to_dir.parent().and_then(Path::file_name).and_then(|n| n.to_str()).expect("variant").to_string();
    assert!(
        stderr.contains(&format!("{}: a run of variant", to_dir.join("run.json").display()))
            && stderr.contains(&format!("but its folder is variant \"{variant}\"")),
        "{stderr}"
    );
    // A run without its run.json did not finish: merge says so, not a wrong average.
    std::fs::remove_file(to_dir.join("run.json")).expect("remove");
    let unfinished = kubesim_output(&["merge", arg(&a), arg(&b), "--quiet"]);
    let stderr = String::from_utf8_lossy(&unfinished.stderr);
    assert_eq!(unfinished.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("run.json: missing: the run did not finish"), "{stderr}");
    std::fs::write(to_dir.join("run.json"), kept_record).expect("restore");
}

#[test]
fn shards_come_from_kubernetes_and_slurm_variables() {
    let dir = tempfile::tempdir().expect("temp dir");
    let scenario = sweep_example(dir.path(), SEEDS);
    let out = dir.path().join("out");
    let run = |vars: &[(&str, &str)], extra: &[&str]| {
        let mut cmd = kubesim(&["sweep", arg(&scenario), "--quiet", "--out", arg(&out)]);
        cmd.envs(vars.iter().copied()).args(extra);
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
    let output = kubesim_output(&["sweep", arg(&repo_path("scenarios/recreate.yaml")), "--out", arg(out.path())]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("has no `sweep:` section"));
    assert_eq!(std::fs::read_dir(out.path()).map(|d| d.count()).unwrap_or(0), 0);
    let bad = kubesim_output(&["sweep", arg(&repo_path("scenarios/recreate.yaml")), "--shard", "4/4"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn the_kubernetes_job_manifests_validate() {
    let output = kubesim_output(&[
        "validate",
        arg(&repo_path("deploy/kubernetes/sweep-job.yaml")),
        arg(&repo_path("deploy/kubernetes/merge-job.yaml")),
    ]);
    ok(&output);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("sweep-job.yaml: ok (Kubernetes manifests, 1 objects)"), "{stdout}");
    // A misspelt field of the Job is an error, with the closest name.
    let dir = tempfile::tempdir().expect("temp dir");
    let text = std::fs::read_to_string(repo_path("deploy/kubernetes/sweep-job.yaml")).expect("job");
    let bad = dir.path().join("job.yaml");
    std::fs::write(&bad, text.replace("completionMode: Indexed", "completionMod: Indexed")).expect("write");
    let output = kubesim_output(&["validate", arg(&bad)]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("job.yaml:") && stderr.contains("did you mean `completionMode`?"), "{stderr}");
}

#[test]
fn a_slurm_task_below_the_array_minimum_is_an_error_not_shard_0() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let file = sweep_example(tmp.path(), 2);
    let output = kubesim(&["sweep", arg(&file), "--out", arg(tmp.path())])
        .env("SLURM_ARRAY_TASK_ID", "2")
        .env("SLURM_ARRAY_TASK_MIN", "4")
        .env("SLURM_ARRAY_TASK_COUNT", "3")
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("SLURM_ARRAY_TASK_ID=2 is below SLURM_ARRAY_TASK_MIN=4"), "{stderr}");
    assert!(!tmp.path().join("sweep-max-surge").exists(), "nothing run");
}

#[test]
fn a_sweep_into_a_folder_it_cannot_write_fails_before_simulating() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let file = sweep_example(tmp.path(), 30);
    // A file where the output folder should be: no folder can be made there (this holds for
    // root too, which a read-only permission would not stop).
    let out = tmp.path().join("out");
    std::fs::write(&out, "not a folder").expect("write");
    let started = std::time::Instant::now();
    let output = kubesim_output(&["sweep", arg(&file), "--out", arg(&out)]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("cannot write into") && stderr.contains("nothing was simulated"), "{stderr}");
    // 30 seeds x 3 variants take minutes in a debug build; refusing takes a moment.
    assert!(started.elapsed() < std::time::Duration::from_secs(20), "took {:?}", started.elapsed());
}
