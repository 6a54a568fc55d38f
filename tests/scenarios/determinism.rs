//! Same scenario and seed: byte-identical output, across runs and across `--jobs`.

use crate::support::{kubesim, repo_path};
use std::path::Path;

const FILES: [&str; 9] = [
    "summary.json",
    "report.html",
    "timeseries.csv",
    "pods.csv",
    "events.csv",
    "charts/pods.svg",
    "charts/pods.png",
    "charts/allocation.svg",
    "charts/allocation.png",
];
const SCENARIOS: [&str; 14] = [
    "scenarios/nginx-rolling-update.yaml",
    "scenarios/rolling-update-default.yaml",
    "scenarios/recreate.yaml",
    "scenarios/node-failure.yaml",
    "scenarios/canary-ingress.yaml",
    "scenarios/batch-and-daemons.yaml",
    "scenarios/hpa-traffic-step.yaml",
    "scenarios/argo-canary.yaml",
    "scenarios/argo-blue-green.yaml",
    "scenarios/external-api.yaml",
    "scenarios/argo-blue-green-analysis.yaml",
    "scenarios/voting-app.yaml",
    "scenarios/online-boutique.yaml",
    "scenarios/autoscaling-rollout.yaml",
];

fn run_all(out: &Path, jobs: &str) {
    let status = kubesim(&["run"])
        .args(SCENARIOS.iter().map(|s| repo_path(s)))
        .args(["--jobs", jobs, "--quiet", "--out"])
        .arg(out)
        .status()
        .expect("kubesim runs");
    assert!(status.success());
}

#[test]
fn output_is_byte_identical_across_runs_and_jobs() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (a, b, c) = (dir.path().join("a"), dir.path().join("b"), dir.path().join("c"));
    run_all(&a, "1");
    run_all(&b, "2");
    run_all(&c, "2");
    let names = ["nginx-rolling-update", "rolling-update-default", "recreate", "node-failure", "canary-ingress"];
    // The call graphs: calls on several threads' runs, background loops, retries; node
    // autoscaling: nodes added and removed mid-run.
    for name in names.into_iter().chain(["voting-app", "online-boutique", "autoscaling-rollout"]) {
        for file in FILES {
            let read = |root: &Path| std::fs::read(root.join(name).join(file)).expect("output file exists");
            let first = read(&a);
            assert!(!first.is_empty(), "{name}/{file} is empty");
            assert!(first == read(&b), "{name}/{file} differs between --jobs 1 and --jobs 2");
            assert!(first == read(&c), "{name}/{file} differs between two runs");
        }
    }
}

#[test]
fn a_different_seed_changes_the_pod_names() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (sub, seed) in [("s1", "1"), ("s2", "2")] {
        let status = kubesim(&["run", "--quiet", "--seed", seed, "--out"])
            .arg(dir.path().join(sub))
            .arg(repo_path("scenarios/recreate.yaml"))
            .status()
            .expect("kubesim runs");
        assert!(status.success());
    }
    let read = |sub: &str| std::fs::read(dir.path().join(sub).join("recreate/pods.csv")).expect("pods.csv");
    assert_ne!(read("s1"), read("s2"));
}
