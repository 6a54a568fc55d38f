//! Narration (`--narrate`) and `kubesim explain`: every decision told with its reason, and
//! telling changes nothing else.

use crate::support::{events, file_paths, kubesim, load, repo_path};
use kubesim::sim::Outcome;
use kubesim::Observe;
use std::path::Path;

fn run_narrated(rel: &str) -> (kubesim::Scenario, Outcome) {
    let scenario = load(rel, &[]);
    let outcome = kubesim::simulate_observed(&scenario, None, Observe { narrate: true, ..Observe::default() });
    (scenario, outcome)
}

/// Every file under `root`, relative, sorted.
fn file_names(root: &Path) -> Vec<String> {
    let mut out: Vec<String> = file_paths(root).iter().map(|p| p.to_string_lossy().into_owned()).collect();
    out.sort();
    out
}

fn kubesim_run(scenario: &str, out: &Path, narrate: bool) {
    let mut command = kubesim(&["run", "--quiet", "--out"]);
    command.arg(out).arg(repo_path(scenario));
    if narrate {
        command.arg("--narrate");
    }
    assert!(command.status().expect("kubesim runs").success(), "{scenario} runs");
}

#[test]
fn narrating_changes_no_other_output_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (scenario, name) in [
        ("scenarios/nginx-rolling-update.yaml", "nginx-rolling-update"),
        ("scenarios/node-failure.yaml", "node-failure"),
    ] {
        let (plain, narrated) = (dir.path().join("plain"), dir.path().join("narrated"));
        kubesim_run(scenario, &plain, false);
        kubesim_run(scenario, &narrated, true);
        let (plain, narrated) = (plain.join(name), narrated.join(name));
        let mut expected = file_names(&plain);
        expected.push("narration.log".to_string());
        expected.sort();
        assert_eq!(file_names(&narrated), expected, "{name}: --narrate adds narration.log and nothing else");
        assert!(!plain.join("narration.log").exists(), "{name}: no narration.log without --narrate");
        // report.html shows the narration in its replay when the run has one (a plain run's
        // page says how to get it), so it is the one page that differs.
        for file in file_names(&plain).iter().filter(|f| !matches!(f.as_str(), "run.json" | "report.html")) {
            let read = |root: &Path| std::fs::read(root.join(file)).expect("output file");
            assert!(read(&plain) == read(&narrated), "{name}/{file} differs with --narrate");
        }
        let log = std::fs::read_to_string(narrated.join("narration.log")).expect("narration.log");
        assert!(log.lines().count() > 10, "{name}: narration.log tells the run:\n{log}");
    }
}

#[test]
fn every_scaling_replica_set_step_is_explained_with_the_surge_or_unavailable_arithmetic() {
    let (_, outcome) = run_narrated("scenarios/nginx-rolling-update.yaml");
    let narration = outcome.narration.as_ref().expect("narration on");
    let steps = events(&outcome, "ScalingReplicaSet");
    assert!(steps.len() >= 10, "a rollout and a scale-up: {} steps", steps.len());
    for e in steps {
        // "Scaled up replica set nginx-dep-646dcc57cd from 1 to 2"
        let words: Vec<&str> = e.message.split(' ').collect();
        let (rs, from, to) = (words[4], words[6], words[8]);
        let said = format!("{rs} scaled {from} -> {to}");
        let line = narration
            .lines
            .iter()
            .find(|l| l.at == e.time && l.text.starts_with("deployment/nginx-dep: ") && l.text.ends_with(&said))
            .unwrap_or_else(|| panic!("no narration of \"{}\" at {:?}", e.message, e.time));
        let arithmetic = [
            "maxSurge 1 allows 6 pods",
            "maxUnavailable 1 keeps at least 4",
            "the only active ReplicaSet takes them all",
        ];
        assert!(arithmetic.iter().any(|a| line.text.contains(a)), "the reason is missing: {}", line.text);
    }
    let first_surge = narration.lines.iter().find(|l| l.text.contains("rollout to revision 2")).expect("the rollout");
    assert!(
        first_surge
            .text
            .ends_with("maxSurge 1 allows 6 pods, 5 exist, so new ReplicaSet nginx-dep-646dcc57cd scaled 0 -> 1"),
        "{}",
        first_surge.text
    );
}

#[test]
fn explain_deployment_tells_the_rollout_and_then_the_scale_up() {
    let (scenario, outcome) = run_narrated("scenarios/nginx-rolling-update.yaml");
    let story = kubesim::explain::story(&scenario, &outcome, "deployment/nginx-dep").expect("a story");
    let at = |needle: &str| story.find(needle).unwrap_or_else(|| panic!("{needle:?} missing from:\n{story}"));
    let order = [
        "first rollout (revision 1)",
        "timeline: kubectl set image deployment/nginx-dep",
        "rollout to revision 2; maxSurge 1 allows 6 pods",
        "event Normal ScalingReplicaSet deployment/nginx-dep: Scaled down replica set nginx-dep-8496f4d954 from 5 to 4",
        "rollout to revision 2 complete",
        "timeline: kubectl scale deployment/nginx-dep --replicas=10",
        "replicas set to 10, and the only active ReplicaSet takes them all: nginx-dep-646dcc57cd scaled 5 -> 10",
    ];
    for pair in order.windows(2) {
        assert!(at(pair[0]) < at(pair[1]), "{:?} should come before {:?}", pair[0], pair[1]);
    }
    assert!(story.contains("SuccessfulCreate replicaset/nginx-dep-646dcc57cd"), "its ReplicaSets' events too");
    assert!(!story.contains("scheduler:"), "the scheduler's decisions belong to the pods' stories");
}

#[test]
fn explain_tells_a_rollout_an_hpa_and_an_ingress() {
    let (scenario, outcome) = run_narrated("scenarios/argo-canary.yaml");
    let story = kubesim::explain::story(&scenario, &outcome, "rollout/api").expect("a story");
    assert!(story.starts_with("rollout/api in scenario argo-canary"), "{story}");
    assert!(story.contains("\n  replicas 10, strategy canary, 5 steps\n"), "{story}");
    assert!(story.contains("\n  at the end: Healthy, step 5"), "{story}");
    assert!(story.contains("event Normal RolloutUpdated rollout/api: Rollout updated to revision 2"), "{story}");
    assert!(story.contains("timeline: kubectl argo rollouts set image api"), "{story}");
    let err =
        kubesim::explain::story(&scenario, &outcome, "deployment/api").expect_err("a Rollout is not a Deployment");
    assert!(err.contains("the run has no deployment at all"), "{err}");

    let (scenario, outcome) = run_narrated("scenarios/hpa-traffic-step.yaml");
    let story = kubesim::explain::story(&scenario, &outcome, "hpa/web").expect("a story");
    assert!(story.contains("\n  scales deployment/web between 2 and 30 replicas on 1 metric\n"), "{story}");
    let rescales = story.matches("SuccessfulRescale horizontalpodautoscaler/web").count();
    assert_eq!(rescales, events(&outcome, "SuccessfulRescale").len(), "every rescale: {story}");
    assert!(rescales >= 2, "{story}");

    let (scenario, outcome) = run_narrated("scenarios/canary-ingress.yaml");
    let story = kubesim::explain::story(&scenario, &outcome, "ingress/shop-canary").expect("a story");
    assert!(story.contains("\n  routes: shop.example.com/ -> service/shop-canary\n"), "{story}");
    assert!(story.contains("\n  ingress-nginx canary: weight "), "{story}");
}

#[test]
fn explain_a_pending_pod_gives_the_scheduler_reasons_node_by_node() {
    let (scenario, outcome) = run_narrated("scenarios/scheduling-and-preemption.yaml");
    let pending = outcome
        .store
        .pods
        .iter()
        .find(|p| p.node.is_none() && p.reason == "Unschedulable" && !p.is_gone())
        .expect("the scenario leaves a pod Pending");
    let story = kubesim::explain::story(&scenario, &outcome, &format!("pod/{}", pending.name)).expect("a story");
    assert!(story.contains("at the end: Pending (Unschedulable)"), "{story}");
    assert!(story.contains("event Warning FailedScheduling"), "{story}");
    assert!(story
        .contains("0/4 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 3 Insufficient cpu."));
    for node in ["worker-1", "worker-2", "worker-3"] {
        let line = format!("does not fit {node}: Insufficient cpu (the pod asks 1, ");
        assert!(story.contains(&line), "no reason for {node} in:\n{story}");
    }
    assert!(story.contains("does not fit gpu: node(s) had untolerated taint {dedicated: gpu}"), "{story}");
}

#[test]
fn a_node_failure_is_told_from_silence_to_eviction_and_back() {
    let (scenario, outcome) = run_narrated("scenarios/node-failure.yaml");
    let story = kubesim::explain::story(&scenario, &outcome, "node/worker-2").expect("a story");
    for needle in [
        "fault: fail node/worker-2",
        "node-lifecycle: worker-2 silent for 55s (last status at 1:00.000; nodeMonitorGracePeriod 50s) -> NotReady",
        "tainted unreachable:NoExecute; the taint manager evicts",
        "taint-manager: ",
        "node-lifecycle: worker-2 posts status again -> Ready",
    ] {
        assert!(story.contains(needle), "{needle:?} missing from:\n{story}");
    }
}

#[test]
fn an_unknown_object_is_an_error_with_the_closest_name() {
    let (scenario, outcome) = run_narrated("scenarios/nginx-rolling-update.yaml");
    let err = kubesim::explain::story(&scenario, &outcome, "deployment/nginx-de").expect_err("no such Deployment");
    assert!(err.contains("no deployment named \"nginx-de\"") && err.contains("nginx-dep"), "{err}");
    let err = kubesim::explain::story(&scenario, &outcome, "dployment/nginx-dep").expect_err("no such kind");
    assert!(err.contains("did you mean `deployment`"), "{err}");

    let output = kubesim(&["explain", "--object", "service/nginx-svc"])
        .arg(repo_path("scenarios/nginx-rolling-update.yaml"))
        .output()
        .expect("kubesim runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no service named \"nginx-svc\"") && stderr.contains("nginx-service"), "{stderr}");
    assert!(output.stdout.is_empty());
}
