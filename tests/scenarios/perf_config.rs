//! `kubesim perf-config`: scheduler_perf's performance-config.yaml format (test cases,
//! workloadTemplate opcodes, workloads and params; test/integration/scheduler_perf) run as
//! kubesim scenarios, with SchedulingThroughput measured as util.go's throughputCollector
//! measures it, and what kubesim does not model refused by name.

use crate::support::{kubesim_output, repo_path};
use kubesim::files::Disk;
use kubesim::scheduler_perf::{plan, Report, Workload};
use std::path::Path;

const SUITE: &str = "scenarios/scheduler-perf/performance-config.yaml";

fn planned(config: &Path, only: Option<&str>) -> Vec<Workload> {
    match plan(config, only, &Disk) {
        Ok(w) => w,
        Err(d) => panic!("{}", d.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n")),
    }
}

/// A suite of our own in the same format, small enough for a test: 50 nodes, 60 pods
/// first, then 100 measured pods in their own namespace.
fn small_suite(dir: &Path) -> std::path::PathBuf {
    std::fs::create_dir_all(dir.join("templates")).expect("folder");
    std::fs::write(
        dir.join("templates/pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata: {generateName: pod-}\nspec:\n  containers:\n  - name: pause\n    image: registry.k8s.io/pause:3.10\n    resources: {requests: {cpu: 500m, memory: 500Mi}}\n",
    )
    .expect("written");
    let config = dir.join("performance-config.yaml");
    std::fs::write(
        &config,
        "- name: SchedulingBasic
  defaultPodTemplatePath: templates/pod.yaml
  workloadTemplate:
  - opcode: createNodes
    countParam: $initNodes
  - opcode: createPods
    countParam: $initPods
  - opcode: createPods
    countParam: $measurePods
    collectMetrics: true
  workloads:
  - name: 50Nodes
    threshold: 100
    params: {initNodes: 50, initPods: 60, measurePods: 100}
  - name: TooFull
    params: {initNodes: 2, initPods: 10, measurePods: 10}
- name: Collecting
  defaultPodTemplatePath: templates/pod.yaml
  workloadTemplate:
  - opcode: createNodes
    count: 10
  - opcode: createPods
    count: 5
  - opcode: startCollectingMetrics
  - opcode: createPods
    count: 7
  - opcode: createPods
    count: 3
  - opcode: stopCollectingMetrics
  - opcode: createPods
    count: 4
  workloads:
  - name: 10Nodes
",
    )
    .expect("written");
    config
}

/// Every pod runs: the default node (4 cpu, 32Gi, 110 pods) takes 8 pods of 500m, so 50
/// nodes take all 160; the measured 100 are scheduled in the op's first second.
#[test]
fn a_workload_runs_as_a_scenario_and_its_measured_pods_are_counted() {
    let dir = tempfile::tempdir().expect("folder");
    let config = small_suite(dir.path());
    let workloads = planned(&config, Some("50Nodes"));
    assert_eq!(workloads.len(), 1);
    let w = &workloads[0];
    assert_eq!((w.name.as_str(), w.threshold), ("SchedulingBasic/50Nodes", Some(100.0)));
    let p = w.plan.as_ref().expect("runs");
    assert_eq!(p.scenario.nodes.iter().map(|g| g.count).sum::<u32>(), 50);
    let o = kubesim::simulate(&p.scenario, None);
    let r = Report::of(p, &o);
    assert_eq!((r.measured, r.measured_scheduled, r.scheduled_all), (100, 100, 160));
    let t = r.throughput.as_ref().expect("measured");
    assert_eq!(t.samples, vec![100.0], "one window of one second: kubesim schedules a batch within it");
    assert!(r.max_pods_per_node <= 8, "no node over its 4 cpu");
    let csv = r.placements_csv(&o);
    assert_eq!(csv.lines().count(), 161, "a header and a row per pod");
    assert!(csv.lines().nth(61).is_some_and(|l| l.starts_with("namespace-2,pod-2-0,")), "{csv}");
}

/// 2 nodes take 16 pods: 10 first, then 6 of the 10 measured; the 4 others wait.
#[test]
fn pods_that_do_not_fit_are_not_counted_as_scheduled() {
    let dir = tempfile::tempdir().expect("folder");
    let config = small_suite(dir.path());
    let w = planned(&config, Some("SchedulingBasic/TooFull")).pop().expect("one");
    let p = w.plan.expect("runs");
    let r = Report::of(&p, &kubesim::simulate(&p.scenario, None));
    assert_eq!((r.measured, r.measured_scheduled), (10, 6));
}

/// The repository's suite: the opcodes and fields kubesim does not model refuse their
/// workload by name (before anything is loaded).
#[test]
fn unmodelled_opcodes_and_fields_refuse_their_workload_by_name() {
    let refusal = |name: &str| {
        let w = planned(&repo_path(SUITE), Some(name)).pop().expect("listed");
        w.plan.err().unwrap_or_default()
    };
    assert!(refusal("SchedulingWithMixedChurn/1000Nodes").starts_with("opcode churn is not simulated by kubesim"));
    assert_eq!(
        refusal("SchedulingInTreePVs/500Nodes"),
        "createPods.persistentVolumeTemplatePath is not simulated by kubesim"
    );
}

/// The scheduler configuration a test case names applies: MostAllocated packs 300 pods of
/// 100m onto the fewest nodes (4 cpu: 40 pods each), where the default would spread them
/// over the 100 nodes.
#[test]
fn a_test_cases_scheduler_config_path_configures_the_scheduler() {
    let w = planned(&repo_path(SUITE), Some("BinPackingProfile/100Nodes")).pop().expect("one");
    let p = w.plan.expect("runs");
    assert!(p.scenario.scheduler_config.is_some());
    let r = Report::of(&p, &kubesim::simulate(&p.scenario, None));
    assert_eq!((r.nodes_used, r.max_pods_per_node), (8, 40), "packed: 7 full nodes and 20 pods on an eighth");
}

/// The command line: a line per workload, and perf-config.csv's rows (virtual figures only).
#[test]
fn the_command_prints_each_workload_and_writes_the_summary() {
    let dir = tempfile::tempdir().expect("folder");
    let config = small_suite(dir.path());
    let out = dir.path().join("out");
    let o = kubesim_output(&["perf-config", config.to_str().expect("utf-8"), "--out", out.to_str().expect("utf-8")]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains(
            "SchedulingBasic/50Nodes: 100/100 measured pods scheduled on 50 nodes; SchedulingThroughput Average 100.0"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("threshold 100; kubesim schedules"), "{stdout}");
    let csv = std::fs::read_to_string(out.join("perf-config.csv")).expect("written");
    assert!(csv.contains("\nSchedulingBasic/50Nodes,ran,50,100,100,100.0,100.0,100.0,100.0,100.0,100,"), "{csv}");
    assert!(out.join("SchedulingBasic/50Nodes/placements.csv").is_file());
    let bad = kubesim_output(&["perf-config", config.to_str().expect("utf-8"), "--workload", "Nope"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("no workload named \"Nope\""));
}

/// startCollectingMetrics / stopCollectingMetrics: the pods of the ops between them are the
/// measured ones (7 + 3 of 19).
#[test]
fn the_pods_between_start_and_stop_collecting_are_measured() {
    let dir = tempfile::tempdir().expect("folder");
    let config = small_suite(dir.path());
    let p = planned(&config, Some("Collecting/10Nodes")).pop().expect("one").plan.expect("runs");
    let r = Report::of(&p, &kubesim::simulate(&p.scenario, None));
    assert_eq!((r.measured, r.measured_scheduled, r.scheduled_all), (10, 10, 19));
    assert_eq!(r.throughput.expect("measured").samples, vec![7.0, 3.0], "one op a second");
}
