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

// Lifecycle: startupProbe, postStart, init containers, native sidecars.

/// One bare pod `app` (restartPolicy `policy`) with the images given (`images:` lines) and
/// the spec lines given (init containers, containers), on one node.
fn lifecycle_pod(duration: &str, images: &str, spec: &str, timeline: &str) -> Scenario {
    load_text(&format!(
        "
duration: {duration}
cluster: {{nodes: [{{name: worker, capacity: {{cpu: '4', memory: 8Gi}}}}]}}
images:
{images}
objects:
  - apiVersion: v1
    kind: Pod
    metadata: {{name: app}}
    spec:
{spec}
{timeline}
"
    ))
}

/// `kubectl get pods` lines of the pod `app` in kubectl.log: (STATUS, READY) at each read.
fn get_pods(o: &Outcome) -> Vec<(String, String)> {
    let log = o.kubectl_log.as_deref().expect("kubectl.log");
    log.lines()
        .filter(|l| l.starts_with("app "))
        .map(|l| {
            let cells: Vec<&str> = l.split_whitespace().collect();
            (cells[2].to_string(), cells[1].to_string())
        })
        .collect()
}

const SLOW_STARTER: &str = "  app:1: {pull: 1s, start: 0s, readyAfter: 60s}";

#[test]
fn a_startup_probe_covers_a_slow_start_that_the_liveness_probe_alone_would_kill() {
    // prober/worker.go doProbe: liveness and readiness are disabled until the container has
    // started (`c.Started`), which the startup probe decides. An app that answers 60s after
    // it starts, a liveness probe every 10s with failureThreshold 3.
    let liveness = "livenessProbe: {httpGet: {path: /healthz, port: 80}, periodSeconds: 10, failureThreshold: 3}";
    let alone = format!("      containers:\n        - name: app\n          image: app:1\n          {liveness}");
    let o = kubesim::simulate(&lifecycle_pod("3m", SLOW_STARTER, &alone, ""), None);
    // Alone, it fails at 0, 10 and 20s and is killed: "Container app failed liveness probe".
    let kills = object_events(&o, "pod/app", "Killing");
    assert!(!kills.is_empty() && kills[0].message == "Container app failed liveness probe, will be restarted");
    assert!(o.store.pods[PodId(0)].restarts() >= 2, "killed before it ever answers");

    // A startup probe with 30 x 10s (the docs' 5 minutes) holds the liveness probe back.
    let covered = format!(
        "{alone}\n          startupProbe: {{httpGet: {{path: /healthz, port: 80}}, periodSeconds: 10, failureThreshold: 30}}"
    );
    let o = kubesim::simulate(&lifecycle_pod("3m", SLOW_STARTER, &covered, ""), None);
    let pod = &o.store.pods[PodId(0)];
    assert_eq!(pod.restarts(), 0);
    assert!(object_events(&o, "pod/app", "Killing").is_empty());
    let unhealthy: Vec<&str> = object_events(&o, "pod/app", "Unhealthy").iter().map(|e| e.message.as_str()).collect();
    // Six failures (0 to 50s), then the probe at 60s succeeds; no liveness probe failed.
    assert_eq!(unhealthy, vec!["Startup probe failed: connection refused"; 6]);
    // Without a readiness probe it is Ready as soon as it has started (prober_manager.go
    // UpdatePodStatus: `ready = !exists` once started).
    let started = times(&o, "app", "Started")[0];
    let ready = secs(pod.first_ready.expect("ready"));
    assert!((ready - started - 60.0).abs() < 1e-6, "started {started}, ready {ready}");
    // A readiness probe runs at once when the container has started (UpdatePodStatus
    // triggers it), not at its next 10s tick.
    let with_readiness =
        format!("{covered}\n          readinessProbe: {{httpGet: {{path: /ready, port: 80}}, periodSeconds: 10, initialDelaySeconds: 5}}");
    let o = kubesim::simulate(&lifecycle_pod("3m", SLOW_STARTER, &with_readiness, ""), None);
    let started = times(&o, "app", "Started")[0];
    let ready = secs(o.store.pods[PodId(0)].first_ready.expect("ready"));
    assert!((ready - started - 60.0).abs() < 1e-6, "started {started}, ready {ready}");
    assert!(object_events(&o, "pod/app", "Unhealthy").iter().all(|e| e.message.starts_with("Startup")));
}

#[test]
fn a_startup_probe_that_never_succeeds_kills_after_failure_threshold_periods() {
    // kuberuntime_manager.go computePodActions: "Container %s failed startup probe", killed
    // and restarted by the restartPolicy. The first probe runs at the start (initialDelay
    // 0), so the third failure of a 10s probe comes 20s after each start: the documented
    // budget failureThreshold x periodSeconds (30s) bounds it, as the kubelet's ticks fall
    // anywhere in the first period. Then the crash back-off: at once, 10s, 20s.
    let spec = "      containers:\n        - name: app\n          image: app:1\n          startupProbe: {exec: {command: [cat, /ready]}, periodSeconds: 10, failureThreshold: 3}";
    let o = kubesim::simulate(&lifecycle_pod("2m", "  app:1: {pull: 1s, start: 0s, readyAfter: 1h}", spec, ""), None);
    let started = times(&o, "app", "Started");
    let gaps: Vec<f64> = started.windows(2).map(|w| ((w[1] - w[0]) * 1000.0).round() / 1000.0).collect();
    assert_eq!(gaps[..3], [20.0, 30.0, 40.0], "{started:?}");
    let kills = times(&o, "app", "Killing");
    for (k, s) in kills.iter().zip(&started) {
        assert!((k - s - 20.0).abs() < 1e-6, "killed at {k}, started at {s}");
    }
    let kill = &object_events(&o, "pod/app", "Killing")[0];
    assert_eq!(kill.message, "Container app failed startup probe, will be restarted");
    let unhealthy = object_events(&o, "pod/app", "Unhealthy");
    assert_eq!(unhealthy[0].message, "Startup probe failed: connection refused");
    assert_eq!(unhealthy.len(), 3 * kills.len());
    assert!(o.store.pods[PodId(0)].first_ready.is_none());
}

#[test]
fn post_start_delays_running_and_ready_and_a_failing_one_kills_the_container() {
    // kuberuntime_container.go startContainer runs the postStart hook after Started; the
    // container is not Running, so not Ready, until it returns.
    let images = "  app:1: {pull: 1s, start: 0s, postStart: 2s}";
    let hook = "      containers:\n        - name: app\n          image: app:1\n          lifecycle: {postStart: {exec: {command: [sh, -c, warm-cache]}}}";
    let o = kubesim::simulate(&lifecycle_pod("1m", images, hook, ""), None);
    let pod = &o.store.pods[PodId(0)];
    let started = times(&o, "app", "Started")[0];
    assert!((secs(pod.first_ready.expect("ready")) - started - 2.0).abs() < 1e-6);
    assert_eq!(pod.containers[0].state, ContainerState::Running);
    // The sleep action takes its own seconds, whatever the image says.
    let sleep = hook.replace("exec: {command: [sh, -c, warm-cache]}", "sleep: {seconds: 7}");
    let o = kubesim::simulate(&lifecycle_pod("1m", images, &sleep, ""), None);
    let started = times(&o, "app", "Started")[0];
    assert!((secs(o.store.pods[PodId(0)].first_ready.expect("ready")) - started - 7.0).abs() < 1e-6);

    // A hook that fails: FailedPostStartHook, then Killing "FailedPostStartHook", and the
    // container starts again (at once, then with the crash back-off).
    let failing = "  app:1: {pull: 1s, start: 0s, postStart: 2s, hooksFail: true}";
    let o = kubesim::simulate(&lifecycle_pod("1m", failing, hook, ""), None);
    let failed = object_events(&o, "pod/app", "FailedPostStartHook");
    assert!(failed.len() >= 3, "{failed:?}");
    assert!(
        failed[0]
            .message
            .starts_with("Exec lifecycle hook ([sh -c warm-cache]) for Container \"app\" in Pod \"app_default("),
        "{}",
        failed[0].message
    );
    assert_eq!(object_events(&o, "pod/app", "Killing")[0].message, "FailedPostStartHook");
    assert_eq!(waits(&o, "app")[..2], [10.0, 20.0]);
    assert!(o.store.pods[PodId(0)].first_ready.is_none());
    // An httpGet hook to an app that does not answer yet is refused at once.
    let http = hook.replace("exec: {command: [sh, -c, warm-cache]}", "httpGet: {path: /warm, port: 80}");
    let o = kubesim::simulate(&lifecycle_pod("20s", "  app:1: {pull: 1s, start: 0s, readyAfter: 5s}", &http, ""), None);
    let failed = object_events(&o, "pod/app", "FailedPostStartHook");
    assert!(failed[0].message.ends_with("failed - error: connect: connection refused"), "{}", failed[0].message);
    assert_eq!(failed[0].time, object_events(&o, "pod/app", "Started")[0].time);
}

#[test]
fn init_containers_run_in_order_to_completion_before_the_app_starts() {
    // kuberuntime_manager.go computePodActions: the next init container starts once the
    // one before exited 0; the app containers once all have.
    let images = "  migrate:1: {pull: 1s, start: 0s, runFor: 5s}\n  seed:1: {pull: 1s, start: 0s, runFor: 3s}\n  app:1: {pull: 1s, start: 0s}";
    let spec = "      initContainers:\n        - {name: migrate, image: 'migrate:1'}\n        - {name: seed, image: 'seed:1'}\n      containers:\n        - {name: app, image: 'app:1'}";
    let reads = "timeline:\n  - {at: 2s, run: kubectl get pods}\n  - {at: 8s, run: kubectl get pods}\n  - {at: 14s, run: kubectl get pods}";
    let o = kubesim::simulate(&lifecycle_pod("30s", images, spec, reads), None);
    let started: Vec<(String, f64)> = object_events(&o, "pod/app", "Started")
        .iter()
        .map(|e| (e.message.trim_start_matches("Started container ").to_string(), secs(e.time)))
        .collect();
    let names: Vec<&str> = started.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["migrate", "seed", "app"]);
    // migrate runs 5s, then seed's 1s pull; seed runs 3s, then the app's 1s pull.
    assert!((started[1].1 - started[0].1 - 6.0).abs() < 1e-6, "{started:?}");
    assert!((started[2].1 - started[1].1 - 4.0).abs() < 1e-6, "{started:?}");
    let pod = &o.store.pods[PodId(0)];
    assert!((secs(pod.first_ready.expect("ready")) - started[2].1).abs() < 1e-6);
    // printers.go printPod: Init:N/M while the init containers run, then Running.
    let statuses: Vec<String> = get_pods(&o).into_iter().map(|(s, _)| s).collect();
    assert_eq!(statuses, ["Init:0/2", "Init:1/2", "Running"]);
}

#[test]
fn a_failing_init_container_restarts_with_the_crash_back_off_and_holds_the_app_back() {
    // An init container that exits 1 is restarted by the pod's restartPolicy (Always acts
    // as OnFailure for init containers) with the crash back-off: at once, then 10, 20, 40s.
    let images = "  migrate:1: {pull: 1s, start: 0s, runFor: 30s, crashAfter: 2s}\n  app:1: {pull: 1s, start: 0s}";
    let spec = "      initContainers:\n        - {name: migrate, image: 'migrate:1'}\n      containers:\n        - {name: app, image: 'app:1'}";
    let reads = "timeline:\n  - {at: 10s, run: kubectl get pods}";
    let o = kubesim::simulate(&lifecycle_pod("2m", images, spec, reads), None);
    assert_eq!(waits(&o, "app")[..3], [10.0, 20.0, 40.0]);
    let backoff = &object_events(&o, "pod/app", "BackOff")[0];
    assert!(backoff.message.starts_with("Back-off restarting failed container migrate in pod app_default("));
    // The app never starts; the pod stays Pending.
    assert!(object_events(&o, "pod/app", "Started").iter().all(|e| e.message == "Started container migrate"));
    let pod = &o.store.pods[PodId(0)];
    assert_eq!(pod.phase, PodPhase::Pending);
    assert_eq!(pod.init_containers[0].state, ContainerState::Waiting("CrashLoopBackOff"));
    assert!(pod.restarts() >= 3);
    assert_eq!(get_pods(&o)[0].0, "Init:CrashLoopBackOff");
    assert_eq!(pods_csv(&lifecycle_pod("2m", images, spec, reads), &o)[0]["reason"], "CrashLoopBackOff");

    // With restartPolicy Never the first failure fails the pod.
    let never = format!("      restartPolicy: Never\n{spec}");
    let o = kubesim::simulate(&lifecycle_pod("1m", images, &never, ""), None);
    let pod = &o.store.pods[PodId(0)];
    assert_eq!(pod.phase, PodPhase::Failed);
    assert_eq!(pod.restarts(), 0);
}

#[test]
fn a_sidecar_starts_before_the_app_and_stops_after_it() {
    // KEP-753: an init container with restartPolicy Always starts in the init sequence, the
    // next container starting once it has started (after its startupProbe), keeps running,
    // counts in READY, and at deletion waits for the app containers to exit before its
    // SIGTERM (termination_ordering.go).
    let images = "  proxy:1: {pull: 1s, start: 0s, readyAfter: 4s, stop: 1s}\n  app:1: {pull: 1s, start: 0s, stop: 3s}";
    let spec = "      initContainers:\n        - name: proxy\n          image: 'proxy:1'\n          restartPolicy: Always\n          startupProbe: {tcpSocket: {port: 15000}, periodSeconds: 2}\n      containers:\n        - {name: app, image: 'app:1'}";
    let reads = "timeline:\n  - {at: 3s, run: kubectl get pods}\n  - {at: 20s, run: kubectl get pods}\n  - {at: 30s, run: kubectl delete pod app}\n  - {at: 32s, run: kubectl get pods}\n  - {at: 34s, run: kubectl get pods}";
    let o = kubesim::simulate(&lifecycle_pod("1m", images, spec, reads), None);
    let started: Vec<(String, f64)> = object_events(&o, "pod/app", "Started")
        .iter()
        .map(|e| (e.message.trim_start_matches("Started container ").to_string(), secs(e.time)))
        .collect();
    assert_eq!(started[0].0, "proxy");
    assert_eq!(started[1].0, "app");
    // The proxy answers 4s after it starts; its startup probe every 2s sees it at +4s; then
    // the app's 1s pull.
    assert!((started[1].1 - started[0].1 - 5.0).abs() < 1e-6, "{started:?}");
    let reads = get_pods(&o);
    assert_eq!(reads[0], ("Init:0/1".to_string(), "0/2".to_string()));
    assert_eq!(reads[1], ("Running".to_string(), "2/2".to_string()));
    // Deleted at 30s (the kubelet hears 10ms later): the app takes 3s to exit, then the
    // proxy gets SIGTERM and takes 1s.
    assert_eq!(reads[2], ("Terminating".to_string(), "2/2".to_string()));
    assert_eq!(reads[3], ("Terminating".to_string(), "1/2".to_string()));
    let pod = &o.store.pods[PodId(0)];
    let took = pod.finished.expect("stopped").since(pod.terminating.expect("deleted")).as_secs_f64();
    assert!((took - 4.01).abs() < 1e-6, "{took}");
}

#[test]
fn a_pod_that_runs_to_completion_stops_its_sidecar_with_it() {
    // KEP-753: sidecars do not keep a finished pod running; the pod's phase comes from its
    // app containers. A Job-like pod: the app works 5s and exits 0.
    let images = "  proxy:1: {pull: 1s, start: 0s}\n  batch:1: {pull: 1s, start: 0s, runFor: 5s}";
    let spec = "      restartPolicy: Never\n      initContainers:\n        - {name: proxy, image: 'proxy:1', restartPolicy: Always}\n      containers:\n        - {name: work, image: 'batch:1'}";
    let o = kubesim::simulate(&lifecycle_pod("1m", images, spec, ""), None);
    let pod = &o.store.pods[PodId(0)];
    assert_eq!(pod.phase, PodPhase::Succeeded);
    let work_started = object_events(&o, "pod/app", "Started")[1].time;
    assert_eq!(pod.finished.expect("finished").since(work_started), SimDuration::from_secs(5));
    assert_eq!(pod.init_containers[0].state, ContainerState::Terminated("Completed"));
    assert_eq!(pod.restarts(), 0);
}
