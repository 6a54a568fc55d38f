//! The kubectl lines that change the cluster, as introductions teach them (issue 19): each
//! one's effect as a user would check it with `kubectl get`, and kubectl's errors.

use super::support::{events, run_text};
use kubesim::model::store::PodPhase;
use kubesim::sim::Outcome;
use std::path::Path;

/// A two-node cluster with the timeline `timeline` (lines `  - {at: .., run: ..}`) and
/// `objects` (a YAML list, may be `[]`).
fn scenario(objects: &str, timeline: &str) -> String {
    format!(
        "duration: 5m
cluster:
  nodes:
    - {{name: worker, count: 2, capacity: {{cpu: '4', memory: 8Gi, pods: 110}}}}
objects: {objects}
timeline:
{timeline}"
    )
}

/// The live (not deleted) pods, by name.
fn live_pods(o: &Outcome) -> Vec<&kubesim::model::store::Pod> {
    o.store.pods.iter().filter(|p| !p.is_gone()).collect()
}

fn kubectl_errors(o: &Outcome) -> Vec<String> {
    events(o, "KubectlError").iter().map(|e| e.message.clone()).collect()
}

/// The load errors of a scenario, as text.
fn load_errors(text: &str) -> String {
    match kubesim::load_str(Path::new("inline.yaml"), text, &[]) {
        Ok(_) => panic!("should not load"),
        Err(d) => d.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n"),
    }
}

#[test]
fn kubectl_run_makes_one_running_pod_labelled_run() {
    let o = run_text(&scenario("[]", "  - {at: 10s, run: kubectl run nginx --image=nginx}"));
    let pods = live_pods(&o);
    assert_eq!(pods.len(), 1);
    let p = pods[0];
    assert_eq!(p.name, "nginx");
    assert_eq!(p.labels.get("run").map(String::as_str), Some("nginx"));
    assert_eq!(p.phase, PodPhase::Running);
    assert_eq!(p.spec.containers[0].name, "nginx");
    assert!(p.owner.is_none(), "a bare pod");
    assert!(kubectl_errors(&o).is_empty());
}

#[test]
fn a_deployment_line_for_a_pod_that_kubectl_run_made_is_not_found_and_says_why() {
    let text = scenario(
        "[]",
        "  - {at: 10s, run: kubectl run nginx --image=nginx}\n  - {at: 20s, run: kubectl scale deployment nginx --replicas=3}",
    );
    let e = load_errors(&text);
    assert!(e.contains("Error from server (NotFound): deployments.apps \"nginx\" not found"), "{e}");
    assert!(e.contains("`kubectl run` creates a pod (pod/nginx), not a deployment"), "{e}");
}

#[test]
fn kubectl_create_deployment_makes_a_deployment_labelled_app() {
    let o = run_text(&scenario(
        "[]",
        "  - {at: 10s, run: kubectl create deployment hello-world --image=k8s.gcr.io/echoserver:1.4 --replicas=2 --port=8080}",
    ));
    let pods = live_pods(&o);
    assert_eq!(pods.len(), 2);
    for p in pods {
        assert!(p.name.starts_with("hello-world-"), "{}", p.name);
        assert_eq!(p.labels.get("app").map(String::as_str), Some("hello-world"));
        assert_eq!(p.spec.containers[0].name, "echoserver");
        assert_eq!(p.phase, PodPhase::Running);
    }
    assert!(o.store.find_deployment("default", "hello-world").is_some());
}

#[test]
fn create_job_namespace_service_configmap_secret_and_cronjob() {
    let timeline = "  - {at: 5s, run: kubectl create namespace staging}
  - {at: 10s, run: 'kubectl create job pi -n staging --image=perl:5.34.0 -- perl -Mbignum=bpi -wle \"print bpi(2000)\"'}
  - {at: 10s, run: kubectl create service clusterip web --tcp=80:8080}
  - {at: 10s, run: kubectl create configmap cfg --from-literal=a=1}
  - {at: 10s, run: kubectl create secret generic pw --from-literal=password=x}
  - {at: 10s, run: 'kubectl create cronjob hello --image=busybox:1.28 --schedule=\"*/1 * * * *\" -- echo hello'}";
    let text = scenario("[]", timeline);
    let loaded = kubesim::load_str(Path::new("inline.yaml"), &text, &[]).unwrap();
    let warnings: Vec<String> = loaded.warnings.iter().map(|d| d.to_string()).collect();
    assert!(
        warnings.iter().any(|w| w.contains("not simulated (accepted, no effect)") && w.contains("CronJob (1)")),
        "{warnings:?}"
    );
    let o = kubesim::simulate(&loaded.scenario, None);
    assert!(kubectl_errors(&o).is_empty(), "{:?}", kubectl_errors(&o));
    assert!(o.store.namespaces.contains("staging"));
    let job = o.store.find_job("staging", "pi").expect("the job");
    assert!(!o.store.jobs[job].pods.is_empty());
    let pi: Vec<_> = o.store.pods.iter().filter(|p| p.namespace == "staging").collect();
    assert!(pi.iter().all(|p| p.spec.containers[0].name == "pi"));
}

#[test]
fn a_verb_that_needs_a_process_or_a_socket_is_refused_with_the_reason() {
    for (line, why) in [
        ("kubectl port-forward svc/web 8080:80", "no network sockets"),
        ("kubectl proxy", "no network sockets"),
        ("kubectl exec web -- ls", "no processes"),
        ("kubectl logs web", "no processes"),
        ("kubectl cp web:/a b", "file systems"),
        ("kubectl attach web", "no processes"),
    ] {
        let e = load_errors(&scenario("[]", &format!("  - {{at: 10s, run: '{line}'}}")));
        assert!(e.contains("cannot run in a simulation") && e.contains(why), "{line}: {e}");
    }
}
