//! Pods as `kubectl describe pod` would tell their story: scheduling, pulls, probes,
//! restarts and termination.

use crate::support::{events, run_text, secs};
use kubesim::model::store::PodId;

const ONE_DEPLOYMENT: &str = "
objects:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      replicas: REPLICAS
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec:
          terminationGracePeriodSeconds: 30
          containers:
            - name: web
              image: web:1
              resources: {requests: {cpu: CPU}}
              PROBES
";

fn scenario(head: &str, replicas: u32, cpu: &str, probes: &str) -> String {
    let body = ONE_DEPLOYMENT.replace("REPLICAS", &replicas.to_string()).replace("CPU", cpu).replace("PROBES", probes);
    format!("{head}\n{body}")
}

#[test]
fn a_pod_too_big_for_any_node_says_why_in_kubernetes_words() {
    let head = "duration: 1m\ncluster: {nodes: [{name: worker, count: 3, capacity: {cpu: '1', memory: 4Gi}}]}";
    let o = run_text(&scenario(head, 1, "2", ""));
    let failed = events(&o, "FailedScheduling");
    assert!(!failed.is_empty(), "no FailedScheduling event");
    assert_eq!(
        failed[0].message,
        "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod."
    );
    let pod = &o.store.pods[PodId(0)];
    assert!(pod.node.is_none());
    assert_eq!(pod.reason, "Unschedulable");
    assert_eq!(o.metrics.pods_unschedulable_max, 1);
}

#[test]
fn pods_fill_the_nodes_and_the_rest_wait_pending() {
    // Three 1-cpu nodes, 500m pods: six fit, the seventh waits.
    let head = "duration: 1m\ncluster: {nodes: [{name: worker, count: 3, capacity: {cpu: '1', memory: 4Gi}}]}";
    let o = run_text(&scenario(head, 7, "500m", ""));
    let bound = o.store.pods.iter().filter(|p| p.node.is_some()).count();
    assert_eq!(bound, 6);
    for n in o.store.nodes() {
        assert!(n.requested.cpu_millis <= n.allocatable.cpu_millis, "{} is over its cpu", n.name);
    }
}

#[test]
fn pulls_on_one_node_are_serialised_and_cached() {
    let text = "
duration: 2m
cluster: {nodes: [{name: solo, capacity: {cpu: '8', memory: 16Gi}}]}
images:
  a:1: {pull: 10s, start: 1s}
  b:1: {pull: 10s, start: 1s}
objects:
  - {apiVersion: v1, kind: Pod, metadata: {name: first}, spec: {containers: [{name: c, image: 'a:1'}]}}
  - {apiVersion: v1, kind: Pod, metadata: {name: second}, spec: {containers: [{name: c, image: 'b:1'}]}}
  - {apiVersion: v1, kind: Pod, metadata: {name: third}, spec: {containers: [{name: c, image: 'a:1'}]}}
";
    let o = run_text(text);
    let pulled: Vec<(&str, f64)> = events(&o, "Pulled").iter().map(|e| (e.object.as_str(), secs(e.time))).collect();
    // b:1 waits for a:1's pull to finish: 10s, then its own 10s.
    let at = |pod: &str| pulled.iter().find(|(o, _)| *o == pod).map(|(_, t)| *t).expect("pulled");
    assert!((at("pod/second") - at("pod/first") - 10.0).abs() < 1e-6, "{pulled:?}");
    // The third pod's image is the first one's: it waits for that pull, not for a new one.
    assert!((at("pod/third") - at("pod/first")).abs() < 1e-6, "{pulled:?}");
    let second = events(&o, "Pulled").into_iter().find(|e| e.object == "pod/second").expect("second pulled");
    assert!(second.message.ends_with("in 10s (20s including waiting)"), "{}", second.message);
}

#[test]
fn a_failing_liveness_probe_restarts_the_container_with_back_off() {
    // The app takes 5 minutes to answer; liveness gives up after 3 failures 10s apart.
    let head = "duration: 5m\nimages:\n  web:1: {pull: 1s, start: 1s, readyAfter: 10m}";
    let probes = "livenessProbe: {httpGet: {path: /, port: 80}, periodSeconds: 10}";
    let o = run_text(&scenario(head, 1, "100m", probes));
    let killing: Vec<_> = events(&o, "Killing");
    assert!(!killing.is_empty());
    assert_eq!(killing[0].message, "Container web failed liveness probe, will be restarted");
    assert!(events(&o, "Unhealthy").iter().all(|e| e.message.starts_with("Liveness probe failed")));
    let backoffs: Vec<f64> = events(&o, "BackOff").iter().map(|e| secs(e.time)).collect();
    assert!(backoffs.len() >= 3, "{backoffs:?}");
    let pod = &o.store.pods[PodId(0)];
    assert!(pod.restarts() >= 2, "restarts {}", pod.restarts());
    assert_eq!(pod.reason, "CrashLoopBackOff");
}

#[test]
fn crash_on_start_restarts_at_once_then_backs_off_10_20_40_seconds() {
    // The kubelet's back-off starts at the second restart (pkg/kubelet/kuberuntime
    // kuberuntime_manager.go `doBackOff`: client-go util/flowcontrol backoff.go
    // `IsInBackOffSince` is false before the first `Next`), then 10s doubling
    // (kubelet.go `containerBackOffPeriod`, capped at `MaxContainerBackOff` 300s).
    let head = "duration: 3m\nimages:\n  web:1: {pull: 1s, start: 1s, crashOnStart: 1.0}";
    let o = run_text(&scenario(head, 1, "100m", ""));
    // Each attempt is Created, fails to start 1s later, and waits 0, 10, 20, 40s.
    let created: Vec<f64> = events(&o, "Created").iter().map(|e| secs(e.time)).collect();
    let gaps: Vec<f64> = created.windows(2).map(|w| (w[1] - w[0]).round()).collect();
    assert_eq!(&gaps[..4], &[1.0, 11.0, 21.0, 41.0], "{created:?}");
    // No BackOff for the first crash: each BackOff comes 1s after an attempt but the first.
    let backoffs: Vec<f64> = events(&o, "BackOff").iter().map(|e| secs(e.time)).collect();
    assert!(backoffs.len() >= 4, "{backoffs:?}");
    for (b, c) in backoffs.iter().zip(&created[1..]) {
        assert!((b - c - 1.0).abs() < 1e-6, "{created:?} {backoffs:?}");
    }
}

#[test]
fn a_pod_that_ignores_sigterm_is_killed_at_the_grace_period() {
    let head = "duration: 3m\nimages:\n  web:1: {pull: 1s, start: 1s, stop: 2m}";
    let text = format!(
        "{}\ntimeline:\n  - at: 1m\n    run: kubectl scale deployment/web --replicas=0\n",
        scenario(head, 1, "100m", "")
    );
    let o = run_text(&text);
    let pod = &o.store.pods[PodId(0)];
    let (start, end) = (pod.terminating.expect("terminating"), pod.deleted.expect("deleted"));
    let took = end.since(start).as_secs_f64();
    assert!((30.0..30.1).contains(&took), "took {took}s, the grace period is 30s");
    assert_eq!(pod.phase.as_str(), "Failed");
}

#[test]
fn a_pod_that_exits_quickly_is_gone_well_before_the_grace_period() {
    let head = "duration: 3m\nimages:\n  web:1: {pull: 1s, start: 1s, stop: 2s}";
    let text = format!(
        "{}\ntimeline:\n  - at: 1m\n    run: kubectl scale deployment/web --replicas=0\n",
        scenario(head, 1, "100m", "")
    );
    let o = run_text(&text);
    let pod = &o.store.pods[PodId(0)];
    let took = pod.deleted.expect("deleted").since(pod.terminating.expect("terminating")).as_secs_f64();
    assert!(took < 3.0, "took {took}s");
    assert_eq!(pod.phase.as_str(), "Succeeded");
}

#[test]
fn readiness_waits_for_the_app_and_the_probe_period() {
    // Probes at start + 5s, then every 5s; the app answers 7s after start, so the probe at
    // start + 10s is the first success, after one failure.
    let head = "duration: 1m\nimages:\n  web:1: {pull: 1s, start: 1s, readyAfter: 7s}";
    let probes = "readinessProbe: {httpGet: {path: /, port: 80}, initialDelaySeconds: 5, periodSeconds: 5}";
    let o = run_text(&scenario(head, 1, "100m", probes));
    let pod = &o.store.pods[PodId(0)];
    let ready_after_start = pod.first_ready.expect("ready").since(pod.started.expect("started")).as_secs_f64();
    assert!((ready_after_start - 10.0).abs() < 1e-6, "ready {ready_after_start}s after start");
    assert_eq!(events(&o, "Unhealthy").len(), 1, "one failed readiness probe at start+5s");
}
