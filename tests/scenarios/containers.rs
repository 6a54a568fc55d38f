//! Containers that fail: crashes (`crashAfter`), hangs (`livenessFailAfter`), OOM kills
//! (`memoryUsage` over the limit), `restartPolicy`, and CrashLoopBackOff as
//! `kubectl describe pod` and `kubectl get pods` would show them.
//!
//! The loader does not read the new image keys yet: each test loads YAML and sets them on
//! the scenario's images in code.

use crate::support::{find_file, load_text, object_events, pods_csv, secs, write_outputs};
use kubesim::engine::SimDuration;
use kubesim::kubelet::Exit;
use kubesim::model::spec::{ImageBehavior, ObjectSpec, RestartPolicy};
use kubesim::model::store::{ContainerState, PodId, PodPhase};
use kubesim::sim::Outcome;
use kubesim::traffic::ServiceTime;
use kubesim::Scenario;
use std::sync::Arc;

const MI: i64 = 1024 * 1024;

/// One bare pod `app` running image `app:1` (start 0s: a restart starts when its back-off
/// ends), with `extra` added to its container and `policy` as its restartPolicy.
fn bare_pod(duration: &str, policy: &str, extra: &str) -> Scenario {
    load_text(&format!(
        "
duration: {duration}
cluster: {{nodes: [{{name: worker, capacity: {{cpu: '4', memory: 8Gi}}}}]}}
images:
  app:1: {{pull: 1s, start: 0s}}
objects:
  - apiVersion: v1
    kind: Pod
    metadata: {{name: app}}
    spec:
      restartPolicy: {policy}
      containers:
        - name: app
          image: app:1
          {extra}
"
    ))
}

fn image(s: &mut Scenario) -> &mut ImageBehavior {
    s.images.get_mut("app:1").expect("app:1 is listed")
}

fn fixed(secs: u64) -> Option<ServiceTime> {
    Some(ServiceTime::fixed(SimDuration::from_secs(secs)))
}

/// Times (seconds) of a pod's events with this reason.
fn times(o: &Outcome, pod: &str, reason: &str) -> Vec<f64> {
    object_events(o, &format!("pod/{pod}"), reason).iter().map(|e| secs(e.time)).collect()
}

/// Each back-off's wait: from a `BackOff` event to the next `Started`.
fn waits(o: &Outcome, pod: &str) -> Vec<f64> {
    let started = times(o, pod, "Started");
    times(o, pod, "BackOff")
        .iter()
        .filter_map(|b| started.iter().find(|s| *s >= b).map(|s| ((s - b) * 1000.0).round() / 1000.0))
        .collect()
}

#[test]
fn a_crash_looping_pod_restarts_at_once_then_waits_10_20_40_80_160_300_seconds() {
    // pkg/kubelet/kuberuntime kuberuntime_manager.go `doBackOff`: no back-off before the
    // first restart (client-go util/flowcontrol `IsInBackOffSince` is false before the
    // first `Next`), then 10s (kubelet.go `containerBackOffPeriod`) doubling at each `Next`
    // up to `MaxContainerBackOff` (300s).
    let mut s = bare_pod("15m", "Always", "");
    image(&mut s).crash_after = fixed(1);
    let o = kubesim::simulate(&s, None);
    assert_eq!(waits(&o, "app"), vec![10.0, 20.0, 40.0, 80.0, 160.0, 300.0]);
    let (started, backoffs) = (times(&o, "app", "Started"), times(&o, "app", "BackOff"));
    // The first crash (1s after the first start) is restarted at once, without a BackOff.
    assert!((started[1] - started[0] - 1.0).abs() < 1e-6, "{started:?}");
    // Each later run lasts its second: every BackOff comes 1s after a restart.
    assert_eq!(backoffs.len(), 7, "{backoffs:?}");
    for (s, b) in started[1..].iter().zip(&backoffs) {
        assert!((b - s - 1.0).abs() < 1e-6, "started {s}, back-off {b}");
    }
    let event = o.recorder.records.iter().find(|e| e.reason == "BackOff").expect("BackOff");
    assert!(
        event.message.starts_with("Back-off restarting failed container app in pod app_default("),
        "{}",
        event.message
    );
    let pod = &o.store.pods[PodId(0)];
    assert_eq!(pod.restarts(), 7);
    assert_eq!(pod.phase, PodPhase::Running, "a restarting pod stays Running");
    assert_eq!(pod.containers[0].last_exit, Some(Exit { reason: "Error", code: 1 }));
    let rows = pods_csv(&s, &o);
    assert_eq!(rows[0]["reason"], "CrashLoopBackOff");
    assert_eq!(rows[0]["restarts"], "7");
    assert_eq!(rows[0]["phase"], "Running");
}

#[test]
fn a_first_crash_shows_its_exit_not_crash_loop_back_off_while_the_container_starts_again() {
    // doBackOff lets the first restart through, so the sync records no ErrCrashLoopBackOff:
    // the container keeps its Terminated state (kubelet_pods.go
    // `convertToAPIContainerStatuses`) and `kubectl get pods` says Error, not
    // CrashLoopBackOff, until it runs again; no BackOff event.
    let mut s = bare_pod("1m", "Always", "");
    image(&mut s).crash_after = fixed(5);
    image(&mut s).start = SimDuration::from_secs(20);
    let full = kubesim::simulate(&s, None);
    let started = times(&full, "app", "Started");
    // Stop the run halfway through the restart: 5s after the first start.
    s.duration = SimDuration::from_micros(((started[0] + 10.0) * 1e6) as u64);
    let o = kubesim::simulate(&s, None);
    let pod = &o.store.pods[PodId(0)];
    assert_eq!(pod.restarts(), 1, "restarted at once");
    assert_eq!(pod.containers[0].state, ContainerState::Terminated("Error"));
    assert_eq!(pod.phase, PodPhase::Running);
    assert!(times(&o, "app", "BackOff").is_empty());
    assert_eq!(times(&o, "app", "Created").len(), 2, "created again at the crash");
    assert_eq!(pods_csv(&s, &o)[0]["reason"], "Error");
    // The second crash is in back-off.
    assert_eq!(times(&full, "app", "BackOff").len(), 1);
    assert_eq!(full.store.pods[PodId(0)].reason, "CrashLoopBackOff");
}

#[test]
fn the_back_off_starts_again_after_ten_minutes_up() {
    // kubelet.go sets the back-off's HasExpiredFunc to `eventTime.Sub(lastUpdate) >
    // 600*time.Second`: a crash more than 10 minutes after the last restart is restarted at
    // once, as a first crash. Runs of 11 minutes: no restart ever waits.
    let mut s = bare_pod("40m", "Always", "");
    image(&mut s).crash_after = fixed(660);
    let o = kubesim::simulate(&s, None);
    assert!(times(&o, "app", "BackOff").is_empty());
    let started = times(&o, "app", "Started");
    let gaps: Vec<f64> = started.windows(2).map(|w| (w[1] - w[0]).round()).collect();
    assert_eq!(gaps, vec![660.0, 660.0, 660.0]);
    // Runs of 5 minutes never reset it: at once, then 10, 20, 40, 80s.
    image(&mut s).crash_after = fixed(300);
    s.duration = SimDuration::from_secs(30 * 60);
    let o = kubesim::simulate(&s, None);
    assert_eq!(waits(&o, "app"), vec![10.0, 20.0, 40.0, 80.0]);
    assert_eq!(times(&o, "app", "BackOff").len() + 1, o.store.pods[PodId(0)].restarts() as usize);
}

#[test]
fn restart_policy_never_leaves_a_crashed_pod_failed_and_on_failure_restarts_it() {
    let mut s = bare_pod("2m", "Never", "");
    image(&mut s).crash_after = fixed(5);
    let o = kubesim::simulate(&s, None);
    let pod = &o.store.pods[PodId(0)];
    assert_eq!(pod.phase, PodPhase::Failed);
    assert_eq!(pod.restarts(), 0);
    assert_eq!(pod.containers[0].state, ContainerState::Terminated("Error"));
    assert!(!pod.is_ready() && !pod.is_active());
    assert!(times(&o, "app", "BackOff").is_empty(), "nothing waits to restart");
    assert_eq!(pods_csv(&s, &o)[0]["reason"], "Error");

    let mut s = bare_pod("2m", "OnFailure", "");
    image(&mut s).crash_after = fixed(5);
    let o = kubesim::simulate(&s, None);
    let pod = &o.store.pods[PodId(0)];
    // Runs of 5s with waits of 10, 20, 40s.
    assert_eq!(waits(&o, "app")[..3], [10.0, 20.0, 40.0]);
    assert!(pod.restarts() >= 3, "restarts {}", pod.restarts());
    assert_eq!(pod.phase, PodPhase::Running);
}

#[test]
fn a_failed_pod_is_replaced_by_its_replica_set() {
    // Kubernetes only lets Deployments use Always: set Never in code to see that a Failed
    // pod no longer counts as one of the replicas.
    let mut s = load_text(
        "
duration: 100s
cluster: {nodes: [{name: worker, count: 2, capacity: {cpu: '4', memory: 8Gi}}]}
images:
  app:1: {pull: 1s, start: 0s}
objects:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: app}
    spec:
      replicas: 2
      selector: {matchLabels: {app: app}}
      template:
        metadata: {labels: {app: app}}
        spec: {containers: [{name: app, image: 'app:1'}]}
",
    );
    image(&mut s).crash_after = fixed(30);
    for obj in &mut s.objects {
        if let ObjectSpec::Deployment { spec, .. } = &mut obj.spec {
            Arc::make_mut(&mut spec.template).spec.restart_policy = RestartPolicy::Never;
        }
    }
    let o = kubesim::simulate(&s, None);
    let pods = &o.store.pods;
    let failed = pods.iter().filter(|p| p.phase == PodPhase::Failed).count();
    // Each generation runs 30s: three failed (at ~32s, ~62s, ~92s), the fourth runs.
    assert_eq!(failed, 6, "{:?}", pods.iter().map(|p| (&p.name, p.phase)).collect::<Vec<_>>());
    assert_eq!(pods.iter().filter(|p| p.is_active()).count(), 2);
    assert!(pods.iter().all(|p| p.restarts() == 0));
}

#[test]
fn a_hung_app_fails_liveness_and_is_killed_within_a_probe_period_then_restarted() {
    let probes = "livenessProbe: {httpGet: {path: /healthz, port: 80}, periodSeconds: 10, failureThreshold: 3}
          readinessProbe: {httpGet: {path: /ready, port: 80}, periodSeconds: 10, failureThreshold: 1}";
    let mut s = bare_pod("5m", "Always", probes);
    image(&mut s).liveness_fail_after = fixed(60);
    let o = kubesim::simulate(&s, None);
    let (started, killing) = (times(&o, "app", "Started"), times(&o, "app", "Killing"));
    assert!(killing.len() >= 2, "{killing:?}");
    for k in &killing {
        // (The first kill is restarted at once: start 0s puts that Started at the kill.)
        let s = started.iter().rev().find(|s| *s < k).expect("started before");
        // Hung at 60s; three failed probes 10s apart: killed between 80s and 90s after start.
        let after = ((k - s) * 1000.0).round() / 1000.0;
        assert!((80.0..=90.0).contains(&after), "started {s}, killed {k}");
    }
    let unhealthy: Vec<_> = o.recorder.records.iter().filter(|e| e.reason == "Unhealthy").collect();
    let liveness = unhealthy.iter().filter(|e| e.message.starts_with("Liveness probe failed: ")).count();
    assert_eq!(liveness, 3 * killing.len());
    // Readiness fails at the first probe after the hang: the pod leaves Ready before the kill.
    let readiness: Vec<f64> = unhealthy
        .iter()
        .filter(|e| e.message.starts_with("Readiness probe failed: "))
        .map(|e| e.time.as_secs_f64())
        .collect();
    assert!((readiness[0] - started[0] - 60.0).abs() < 1e-6, "{readiness:?}");
    assert!(readiness[0] < killing[0]);
    let kill = o.recorder.records.iter().find(|e| e.reason == "Killing").expect("Killing");
    assert_eq!(kill.message, "Container app failed liveness probe, will be restarted");
    assert_eq!(waits(&o, "app")[..2], [10.0, 20.0]);
    let pod = &o.store.pods[PodId(0)];
    assert_eq!(pod.restarts() as usize, killing.len().min(started.len() - 1));
    assert_eq!(pod.containers[0].last_exit, Some(Exit { reason: "Error", code: 137 }));
}

#[test]
fn a_hung_app_without_liveness_probe_leaves_ready_and_keeps_running() {
    let probes = "readinessProbe: {httpGet: {path: /ready, port: 80}, periodSeconds: 5}";
    let mut s = bare_pod("10m", "Always", probes);
    image(&mut s).liveness_fail_after = fixed(60);
    let o = kubesim::simulate(&s, None);
    let pod = &o.store.pods[PodId(0)];
    assert!(pod.first_ready.is_some());
    assert!(!pod.is_ready(), "a hung app fails readiness");
    assert_eq!(pod.containers[0].state, ContainerState::Running);
    assert_eq!(pod.restarts(), 0);
    // failureThreshold 3, then nothing more to see: the probe stops.
    let failed = times(&o, "app", "Unhealthy");
    let start = times(&o, "app", "Started")[0];
    assert_eq!(failed.iter().map(|t| t - start).collect::<Vec<_>>(), vec![60.0, 65.0, 70.0]);
}

#[test]
fn probes_of_an_app_that_never_fails_cost_no_events_after_it_is_ready() {
    let probes = "livenessProbe: {httpGet: {path: /healthz, port: 80}}
          readinessProbe: {httpGet: {path: /ready, port: 80}}";
    let mut s = bare_pod("1h", "Always", probes);
    let steady = kubesim::simulate(&s, None).events_processed;
    // An app that will hang after the run's end costs no more.
    image(&mut s).liveness_fail_after = fixed(2 * 3600);
    assert_eq!(kubesim::simulate(&s, None).events_processed, steady);
    // Nor does one that will crash after it.
    image(&mut s).crash_after = fixed(2 * 3600);
    assert_eq!(kubesim::simulate(&s, None).events_processed, steady);
}

#[test]
fn an_app_over_its_memory_limit_is_oom_killed_and_restarted_with_back_off() {
    let limit = |l: &str| format!("resources: {{limits: {{memory: {l}}}}}");
    let mut s = bare_pod("3m", "Always", &limit("256Mi"));
    image(&mut s).memory_usage_bytes = Some(300 * MI);
    let o = kubesim::simulate(&s, None);
    let pod = &o.store.pods[PodId(0)];
    assert_eq!(pod.containers[0].last_exit, Some(Exit { reason: "OOMKilled", code: 137 }));
    // Killed 1s after each start, restarted at once, then 10, 20, 40s of back-off.
    let (started, backoffs) = (times(&o, "app", "Started"), times(&o, "app", "BackOff"));
    assert!((started[1] - started[0] - 1.0).abs() < 1e-6, "{started:?}");
    assert!((backoffs[0] - started[1] - 1.0).abs() < 1e-6, "{started:?} {backoffs:?}");
    assert_eq!(waits(&o, "app")[..3], [10.0, 20.0, 40.0]);
    assert!(pod.restarts() >= 3);
    assert_eq!(pods_csv(&s, &o)[0]["reason"], "CrashLoopBackOff");

    // Never: the pod ends Failed, and kubectl says OOMKilled.
    let mut never = bare_pod("3m", "Never", &limit("256Mi"));
    image(&mut never).memory_usage_bytes = Some(300 * MI);
    let o = kubesim::simulate(&never, None);
    assert_eq!(o.store.pods[PodId(0)].phase, PodPhase::Failed);
    assert_eq!(o.store.pods[PodId(0)].containers[0].state, ContainerState::Terminated("OOMKilled"));
    assert_eq!(pods_csv(&never, &o)[0]["reason"], "OOMKilled");

    // Under a 512Mi limit it runs.
    let mut roomy = bare_pod("3m", "Always", &limit("512Mi"));
    image(&mut roomy).memory_usage_bytes = Some(300 * MI);
    let o = kubesim::simulate(&roomy, None);
    let pod = &o.store.pods[PodId(0)];
    assert_eq!((pod.restarts(), pod.phase, pod.is_ready()), (0, PodPhase::Running, true));
    assert_eq!(pods_csv(&roomy, &o)[0]["reason"], "");
}

#[test]
fn a_crash_looping_deployment_keeps_its_pods_instead_of_replacing_them() {
    let mut s = load_text(
        "
duration: 10m
cluster: {nodes: [{name: worker, count: 3, capacity: {cpu: '4', memory: 8Gi}}]}
images:
  app:1: {pull: 2s, start: 1s}
objects:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: app}
    spec:
      replicas: 4
      selector: {matchLabels: {app: app}}
      template:
        metadata: {labels: {app: app}}
        spec: {containers: [{name: app, image: 'app:1'}]}
",
    );
    image(&mut s).crash_after = Some(ServiceTime::exponential(SimDuration::from_secs(20)));
    let o = kubesim::simulate(&s, None);
    let pods = &o.store.pods;
    assert_eq!(pods.len(), 4, "no replacement pods");
    assert!(
        pods.iter().all(|p| p.is_active() && p.restarts() >= 3),
        "{:?}",
        pods.iter().map(|p| p.restarts()).collect::<Vec<_>>()
    );
    let dir = write_outputs(&s, &o);
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(find_file(dir.path(), "summary.json")).expect("summary.json"))
            .expect("json");
    let total: u32 = pods.iter().map(|p| p.restarts()).sum();
    assert_eq!(summary["pod_restarts"], serde_json::json!(total));
}
