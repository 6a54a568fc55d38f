//! What an image does beyond starting: pulls that fail (`pullError`, `pullFailure`) with the
//! kubelet's image back-off, and apps that answer a share of requests with errors
//! (`errorRate`).

use crate::support::{events, object_events, pods_csv, run_text, secs};
use kubesim::sim::Outcome;

fn deployment(images: &str, timeline: &str, extra: &str) -> String {
    crate::support::app_deployment("15m", extra, timeline, images)
}

/// The pods of the new template (`app:2`), by name.
fn new_pods(o: &Outcome) -> Vec<String> {
    o.store.pods.iter().filter(|p| p.spec.containers[0].image != "app:1").map(|p| format!("pod/{}", p.name)).collect()
}

/// A rollout to an image that does not exist: each new pod's pull fails (`Failed` with the
/// runtime's NotFound, `ErrImagePull`), the next sync finds it in back-off (`BackOff`
/// "Back-off pulling image", `ImagePullBackOff`), and the kubelet pulls again after 10, 20,
/// 40 s: images/image_manager.go `EnsureImageExists` with kubelet.go's imageBackOff,
/// flowcontrol.NewBackOff(10s, 300s). The Deployment makes no progress and reports
/// ProgressDeadlineExceeded after progressDeadlineSeconds (default 600,
/// apps/v1 defaults.go `SetDefaults_Deployment`); maxUnavailable (25% of 4 = 1) keeps three
/// old pods serving.
#[test]
fn a_rollout_to_a_missing_image_stalls_in_image_pull_back_off_until_its_progress_deadline() {
    let timeline = "  - {at: 30s, run: kubectl set image deployment/app app=app:2}";
    let s = deployment("app:2: {pullError: missing}", timeline, "");
    let o = run_text(&s);
    let pods = new_pods(&o);
    assert!(!pods.is_empty());
    let pod = &pods[0];
    let failed = object_events(&o, pod, "Failed");
    let pull_failed: Vec<_> = failed.iter().filter(|e| e.message.starts_with("Failed to pull image")).collect();
    assert!(pull_failed.len() >= 4, "{failed:?}");
    assert!(
        pull_failed[0].message.starts_with("Failed to pull image \"app:2\": rpc error: code = NotFound"),
        "{}",
        pull_failed[0].message
    );
    assert!(failed.iter().any(|e| e.message == "Error: ErrImagePull"));
    assert!(failed.iter().any(|e| e.message == "Error: ImagePullBackOff"));
    let backoff = object_events(&o, pod, "BackOff");
    assert!(backoff.iter().all(|e| e.message == "Back-off pulling image \"app:2\""), "{backoff:?}");
    assert!(!backoff.is_empty());
    // Each pull fails, then the next pull starts when the back-off window has passed.
    let pulling = object_events(&o, pod, "Pulling");
    let waits: Vec<f64> = pull_failed
        .iter()
        .zip(pulling.iter().skip(1))
        .take(4)
        .map(|(f, p)| (secs(p.time) - secs(f.time)).round())
        .collect();
    assert_eq!(waits, vec![10.0, 20.0, 40.0, 80.0]);
    // No new pod ever becomes Ready; three old ones serve throughout.
    assert!(o.store.pods.iter().filter(|p| p.spec.containers[0].image == "app:2").all(|p| p.first_ready.is_none()));
    let old_ready = o.store.pods.iter().filter(|p| !p.is_gone() && p.is_ready()).count();
    assert_eq!(old_ready, 3);
    // The deadline: 600 s after the last progress (the new ReplicaSet at 30 s).
    let exceeded = events(&o, "ProgressDeadlineExceeded");
    assert_eq!(exceeded.len(), 1);
    let t = secs(exceeded[0].time);
    assert!((630.0..640.0).contains(&t), "timed out at {t}s");
    // pods.csv and kubectl say why the new pods wait.
    let rows = pods_csv(&crate::support::load_text(&s), &o);
    let reasons: Vec<&str> = rows
        .iter()
        .filter(|r| pods.iter().any(|p| p.ends_with(r["pod"].as_str())))
        .map(|r| r["reason"].as_str())
        .collect();
    assert!(
        !reasons.is_empty() && reasons.iter().all(|r| *r == "ImagePullBackOff" || *r == "ErrImagePull"),
        "{reasons:?}"
    );
}

/// `kubectl get pods` shows the waiting reason in STATUS (printers.go printPod).
#[test]
fn kubectl_get_pods_shows_err_image_pull_then_image_pull_back_off() {
    let timeline = "  - {at: 30s, run: kubectl set image deployment/app app=app:2}
  - {at: 31.5s, run: kubectl get pods}
  - {at: 33s, run: kubectl get pods}";
    let s = deployment("app:2: {pullError: missing}", timeline, "");
    let o = run_text(&s);
    let log = o.kubectl_log.clone().unwrap_or_default();
    let parts: Vec<&str> = log.split("$ kubectl get pods").collect();
    assert!(parts[1].contains("ErrImagePull"), "{log}");
    assert!(parts[2].contains("ImagePullBackOff"), "{log}");
}

/// `pullFailure`: each pull fails with that probability, drawn from its own stream; the pods
/// come up after their back-off.
#[test]
fn pulls_that_fail_by_chance_are_retried_and_the_rollout_finishes() {
    let timeline = "  - {at: 30s, run: kubectl set image deployment/app app=app:2}";
    let o = run_text(&deployment("app:2: {pullFailure: 0.5, pull: 2s}", timeline, ""));
    let failures = events(&o, "Failed").iter().filter(|e| e.message.contains("i/o timeout")).count();
    assert!(failures > 0, "some pull failed");
    let ready_new =
        o.store.pods.iter().filter(|p| !p.is_gone() && p.is_ready() && p.spec.containers[0].image == "app:2").count();
    assert_eq!(ready_new, 4);
}

/// Two Deployments behind their own Services, one running an image that answers 5% of its
/// requests with an error (`errorRate: 0.05`): the errors are failed requests in
/// availability, in that Service's figures, under `http_5xx` in the failure reasons, and by
/// image in `http_5xx_by_image`; the healthy Service has none.
#[test]
fn an_image_with_an_error_rate_fails_that_share_of_its_requests() {
    let text = "
name: errors
seed: 3
duration: 130s
images:
  good:1: {pull: 1s, start: 0s}
  bad:1: {pull: 1s, start: 0s, errorRate: 0.05}
objects:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: good}
    spec:
      replicas: 2
      selector: {matchLabels: {app: good}}
      template:
        metadata: {labels: {app: good}}
        spec: {containers: [{name: app, image: 'good:1'}]}
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: bad}
    spec:
      replicas: 2
      selector: {matchLabels: {app: bad}}
      template:
        metadata: {labels: {app: bad}}
        spec: {containers: [{name: app, image: 'bad:1'}]}
  - {apiVersion: v1, kind: Service, metadata: {name: good}, spec: {selector: {app: good}, ports: [{port: 80}]}}
  - {apiVersion: v1, kind: Service, metadata: {name: bad}, spec: {selector: {app: bad}, ports: [{port: 80}]}}
traffic:
  - {target: service/good, rate: {steps: [{at: 10s, rate: 100/s}, {at: 120s, rate: 0/s}]}}
  - {target: service/bad, rate: {steps: [{at: 10s, rate: 100/s}, {at: 120s, rate: 0/s}]}}
";
    let s = crate::support::load_text(text);
    let o = run_text(text);
    let t = &o.metrics.traffic;
    let svc = |name: &str| t.services.iter().find(|s| s.name == name).expect("service").run.clone();
    let (good, bad) = (svc("good"), svc("bad"));
    assert_eq!(good.errors, 0);
    let share = bad.errors as f64 / bad.requests as f64;
    assert!((0.04..0.06).contains(&share), "{} of {} failed", bad.errors, bad.requests);
    assert_eq!(t.failures.get(&kubesim::metrics::traffic::Failure::Http5xx).copied(), Some(bad.errors));
    let dir = crate::support::write_outputs(&s, &o);
    let summary: serde_json::Value = serde_json::from_slice(
        &std::fs::read(crate::support::find_file(dir.path(), "summary.json")).expect("summary.json"),
    )
    .expect("json");
    assert_eq!(summary["requests_failed_by_reason"]["http_5xx"], serde_json::json!(bad.errors));
    assert_eq!(summary["http_5xx_by_image"]["bad:1"], serde_json::json!(bad.errors));
    assert_eq!(summary["services"]["bad"]["errors"], serde_json::json!(bad.errors));
    let availability = summary["availability"].as_f64().expect("availability");
    assert!((0.97..0.985).contains(&availability), "availability {availability}");
}
