//! Argo Rollouts: a canary sends each step's share of the requests to the canary pods and
//! holds at an indefinite pause until `kubectl argo rollouts promote`; with ingress-nginx the
//! canary Ingress carries the weight; abort sends everything back to the stable and retry
//! starts the steps again; blue-green switches all traffic at once on promotion and stays
//! fully available where a Recreate Deployment in the same setting drops requests.

use crate::support::{column, repo_path, run, run_text};
use kubesim::sim::Outcome;

const CANARY: &str = "scenarios/argo-canary.yaml";
const BLUE_GREEN: &str = "scenarios/argo-blue-green.yaml";

/// Times (s) of the events with this reason and a message containing `phrase`.
fn event_times(o: &Outcome, reason: &str, phrase: &str) -> Vec<f64> {
    o.recorder
        .records
        .iter()
        .filter(|e| e.reason == reason && e.message.contains(phrase))
        .map(|e| e.time.as_secs_f64())
        .collect()
}

fn first_event(o: &Outcome, reason: &str, phrase: &str) -> f64 {
    *event_times(o, reason, phrase).first().unwrap_or_else(|| panic!("no {reason} event with {phrase:?}"))
}

/// The scenario file's text with its `duration:` cut to `secs`: the run is the same as the
/// full one up to then (the simulation is deterministic), so two cuts bound a window.
fn run_until(rel: &str, secs: u64) -> Outcome {
    let text = std::fs::read_to_string(repo_path(rel)).expect("scenario file");
    let line = text.lines().find(|l| l.starts_with("duration:")).expect("a duration line");
    run_text(&text.replacen(line, &format!("duration: {secs}s"), 1))
}

/// Requests taken by pods of `revision` and by all pods between two cuts of one scenario.
fn requests_between(rel: &str, from_s: u64, to_s: u64, revision: i64) -> (u64, u64) {
    let (a, b) = (run_until(rel, from_s), run_until(rel, to_s));
    let mut of_revision = 0;
    let mut total = 0;
    for (i, pod) in b.outcome_pods() {
        let before = a.requests_by_pod.get(i).copied().unwrap_or(0);
        let n = b.requests_by_pod.get(i).copied().unwrap_or(0) - before;
        total += n;
        if pod == revision {
            of_revision += n;
        }
    }
    (of_revision, total)
}

trait Pods {
    /// (pod id, revision) of every pod.
    fn outcome_pods(&self) -> Vec<(usize, i64)>;
}

impl Pods for Outcome {
    fn outcome_pods(&self) -> Vec<(usize, i64)> {
        self.store.pods.iter().enumerate().map(|(i, p)| (i, p.revision)).collect()
    }
}

fn share(rel: &str, from_s: u64, to_s: u64, revision: i64) -> f64 {
    let (canary, total) = requests_between(rel, from_s, to_s, revision);
    assert!(total > 1000, "{rel}: only {total} requests in {from_s}s..{to_s}s");
    canary as f64 / total as f64
}

/// Steps 20% / pause 1m / 50% / pause {} / 100% by replica ratio (10 replicas, one
/// Service): within each step's window the canary pods take the step's share of the
/// requests, within 3 percentage points (kube-proxy picks endpoints at random: about 6,000
/// requests a window give a standard error under 0.7 points); the rollout waits at the
/// indefinite pause until `promote` at 5m.
#[test]
fn canary_by_replica_ratio_sends_each_steps_share_and_waits_for_promote() {
    let (_, o) = run(CANARY, &[]);
    let step = |n: usize| first_event(&o, "RolloutStepCompleted", &format!("Rollout step {n}/5 completed"));
    let (at20, pause_end, at50, promoted, at100) = (step(1), step(2), step(3), step(4), step(5));
    assert!((pause_end - at20 - 60.0).abs() < 0.1, "the 1m pause lasted {}s", pause_end - at20);
    assert!((300.0..300.1).contains(&promoted), "the indefinite pause ended at {promoted}s, not at the promote");
    assert!(at50 < 160.0 && at100 < 330.0, "steps took long: {at50}s, {at100}s");
    let completed = first_event(&o, "RolloutCompleted", "Completed all 5 canary steps");
    assert!(completed >= at100);
    // Endpoints reach the proxies within ~1s of a pod's change: windows start 2s after a step.
    let w20 = share(CANARY, at20 as u64 + 2, pause_end as u64 - 1, 2);
    let w50 = share(CANARY, at50 as u64 + 2, 299, 2);
    let w100 = share(CANARY, completed as u64 + 5, 470, 2);
    eprintln!("canary share: setWeight 20 -> {w20:.4}, setWeight 50 -> {w50:.4}, 100 -> {w100:.4}");
    assert!((w20 - 0.20).abs() < 0.03, "setWeight 20: canary share {w20}");
    assert!((w50 - 0.50).abs() < 0.03, "setWeight 50: canary share {w50}");
    assert_eq!(w100, 1.0, "after promotion every request goes to the new pods");
    let r = o.metrics.rollouts.rollouts.iter().find(|r| r.deployment == "api").expect("the rollout is tracked");
    assert_eq!(r.min_available, 10, "maxUnavailable 0 keeps 10 pods available");
    assert!(r.completed.is_some());
}

const NGINX: &str = r#"
name: argo-nginx
seed: 3
duration: 7m
sample: 5s
cluster:
  nodes:
    - {name: worker, count: 3, capacity: {cpu: "4", memory: 8Gi, pods: 110}}
images:
  example/shop:1: {pull: 2s, start: 1s, readyAfter: 2s, concurrency: 20, serviceTime: 20ms}
  example/shop:2: {pull: 2s, start: 1s, readyAfter: 2s, concurrency: 20, serviceTime: 20ms}
objects:
  - apiVersion: argoproj.io/v1alpha1
    kind: Rollout
    metadata: {name: shop}
    spec:
      replicas: 5
      selector: {matchLabels: {app: shop}}
      template:
        metadata: {labels: {app: shop}}
        spec:
          containers:
            - name: shop
              image: example/shop:1
              ports: [{name: http, containerPort: 8080}]
              readinessProbe: {httpGet: {path: /healthz, port: http}, periodSeconds: 2}
      strategy:
        canary:
          canaryService: shop-canary
          stableService: shop-stable
          trafficRouting:
            nginx: {stableIngress: shop}
          steps:
            - setWeight: 20
            - pause: {duration: 1m}
            - setWeight: 50
            - pause: {}
            - setWeight: 100
  - {apiVersion: v1, kind: Service, metadata: {name: shop-stable}, spec: {selector: {app: shop}, ports: [{name: http, port: 80, targetPort: http}]}}
  - {apiVersion: v1, kind: Service, metadata: {name: shop-canary}, spec: {selector: {app: shop}, ports: [{name: http, port: 80, targetPort: http}]}}
  - apiVersion: networking.k8s.io/v1
    kind: Ingress
    metadata: {name: shop}
    spec:
      ingressClassName: nginx
      rules:
        - host: shop.example.com
          http:
            paths:
              - {path: /, pathType: Prefix, backend: {service: {name: shop-stable, port: {name: http}}}}
traffic:
  - target: ingress/shop
    host: shop.example.com
    path: /
    rate: 200/s
    timeout: 2s
timeline:
  - at: 1m
    run: kubectl argo rollouts set image shop shop=example/shop:2
  - at: 4m
    run: kubectl argo rollouts promote shop
"#;

/// Sum of a time-series column over the samples in (from, to].
fn column_sum(o: &Outcome, name: &str, from: f64, to: f64) -> f64 {
    column(o, name).into_iter().filter(|&(t, _)| t > from && t <= to).filter_map(|(_, value)| value).sum()
}

/// With trafficRouting.nginx the stable stays at 5 pods, the canary is scaled to the weight
/// (ceil(5 × 20%) = 1, then 3 for 50%) and the generated canary Ingress
/// `shop-shop-canary` carries the weight: service/shop-canary takes that share of the
/// requests (within 3 points), holds 50% until the promote at 4m, then 100% before the
/// promotion hands everything back to the stable Service, now selecting the new pods.
#[test]
fn canary_with_nginx_routing_weights_the_canary_ingress() {
    let o = run_text(NGINX);
    let weight = |w: u32| first_event(&o, "TrafficWeightUpdated", &format!("to {w}"));
    let (w20, w50, w100) = (weight(20), weight(50), weight(100));
    assert!(w100 >= 240.0, "weight 100 came at {w100}s, before the promote");
    let canary_share = |from: f64, to: f64| {
        let c = column_sum(&o, "service/shop-canary/requests", from, to);
        let s = column_sum(&o, "service/shop-stable/requests", from, to);
        c / (c + s)
    };
    let (s20, s50) = (canary_share(w20 + 5.0, w20 + 55.0), canary_share(w50 + 5.0, 235.0));
    eprintln!("nginx canary share: weight 20 -> {s20:.4}, weight 50 -> {s50:.4}");
    assert!((s20 - 0.20).abs() < 0.03, "weight 20: {s20}");
    assert!((s50 - 0.50).abs() < 0.03, "weight 50: {s50}");
    let created =
        o.recorder.records.iter().any(|e| e.reason == "CreatingIngress" && e.message.contains("shop-shop-canary"));
    assert!(created, "the canary Ingress is generated");
    let stable_pods = |t: f64| {
        let ts = &o.metrics.timeseries;
        let i = ts.columns.iter().position(|c| c == "rollout/shop/ready").unwrap_or(0);
        ts.rows.iter().take_while(|(time, _)| time.as_secs_f64() <= t).last().and_then(|(_, r)| r[i])
    };
    assert_eq!(stable_pods(w50 + 20.0), Some(8.0), "5 stable + ceil(5 x 50%) = 3 canary pods");
    let done = first_event(&o, "RolloutCompleted", "Completed all 5 canary steps");
    let scaled_down = first_event(&o, "ScalingReplicaSet", "(revision 1) from 5 to 0");
    assert!((scaled_down - done - 30.0).abs() < 0.1, "the old stable goes scaleDownDelaySeconds (30s) after promotion");
    // After start-up, the only failures are at the first weight: Argo sets it once the
    // canary pod is available, and ingress-nginx applies it at once, while the canary
    // Service's endpoints reach the proxies endpointPropagation (1s) later.
    let errors = |from: f64, to: f64| {
        column_sum(&o, "service/shop-stable/errors", from, to) + column_sum(&o, "service/shop-canary/errors", from, to)
    };
    let requests = column_sum(&o, "service/shop-stable/requests", 15.0, 420.0)
        + column_sum(&o, "service/shop-canary/requests", 15.0, 420.0);
    assert!(errors(15.0, 420.0) < 0.002 * requests, "{} errors of {requests}", errors(15.0, 420.0));
    assert_eq!(errors(w20 + 5.0, 420.0), 0.0, "no request fails after the first weight");
}

/// `abort` at the indefinite pause sends every request back to the stable pods and scales
/// the canary to 0 (status Degraded); `retry` starts the steps again from the first.
#[test]
fn abort_returns_to_stable_and_retry_restarts_the_steps() {
    let text = std::fs::read_to_string(repo_path(CANARY)).expect("scenario");
    let text = text.replace(
        "  - at: 5m\n    run: kubectl argo rollouts promote api\n",
        "  - at: 4m\n    run: kubectl argo rollouts abort api\n  - at: 6m\n    run: kubectl argo rollouts retry rollout api\n",
    );
    let o = run_text(&text);
    assert_eq!(first_event(&o, "RolloutAborted", "Rollout aborted update to revision 2"), 240.0);
    let down = first_event(&o, "ScalingReplicaSet", "(revision 2) from 1 to 0");
    assert!(down > 240.0 && down < 280.0, "the canary is scaled to 0 after the abort ({down}s)");
    let d = o.store.find_rollout("default", "api").expect("rollout");
    let status = &o.store.deployments[d].rollout.as_ref().expect("a rollout").status;
    assert!(!status.abort, "retry cleared the abort");
    let again = event_times(&o, "RolloutStepCompleted", "Rollout step 1/5 completed");
    assert_eq!(again.len(), 2, "step 1 completes once before the abort and once after the retry: {again:?}");
    assert!(again[1] > 360.0);
    assert!(event_times(&o, "RolloutStepCompleted", "Rollout step 4/5").is_empty(), "no promote, no step 4");
    assert!(o.recorder.records.iter().any(|e| e.reason == "RolloutRetry"));
}

/// Blue-green next to a Recreate Deployment: the active Service never sends a request to v2
/// before the promote at 3m and every request to v2 once the switch reaches the proxies;
/// its availability is 1.0 while the Recreate Deployment's Service fails requests.
#[test]
fn blue_green_switches_at_once_and_stays_available_where_recreate_drops() {
    let (_, o) = run(BLUE_GREEN, &[]);
    let switched = first_event(&o, "SwitchService", "Switched selector for service 'web-active'");
    assert!((180.0..180.1).contains(&switched), "switched at {switched}s");
    let traffic = &o.metrics.traffic;
    let stats = |name: &str| traffic.services.iter().find(|s| s.name == name).expect("service").run.clone();
    let (web, legacy) = (stats("web-active"), stats("legacy"));
    assert!(web.requests > 20_000);
    assert_eq!(web.errors, 0, "blue-green: availability 1.0");
    assert!(legacy.errors > 500, "Recreate drops requests while no pod runs: {} errors", legacy.errors);
    eprintln!(
        "availability: blue-green {:.4}, recreate {:.4}",
        1.0 - web.errors as f64 / web.requests as f64,
        1.0 - legacy.errors as f64 / legacy.requests as f64
    );
    let rollout_pods = |o: &Outcome, revision: i64| -> Vec<usize> {
        o.store
            .pods
            .iter()
            .enumerate()
            .filter(|(_, p)| p.revision == revision && p.labels.get("app").map(String::as_str) == Some("web"))
            .map(|(i, _)| i)
            .collect()
    };
    let v2_share = |from: u64, to: u64| {
        let (a, b) = (run_until(BLUE_GREEN, from), run_until(BLUE_GREEN, to));
        let taken = |ids: &[usize]| -> u64 {
            ids.iter()
                .map(|&i| {
                    b.requests_by_pod.get(i).copied().unwrap_or(0) - a.requests_by_pod.get(i).copied().unwrap_or(0)
                })
                .sum()
        };
        let (v1, v2) = (taken(&rollout_pods(&b, 1)), taken(&rollout_pods(&b, 2)));
        v2 as f64 / (v1 + v2) as f64
    };
    assert_eq!(v2_share(75, 179), 0.0, "v2 is Ready behind the preview Service, but the active one sends it nothing");
    assert_eq!(v2_share(183, 205), 1.0, "after the switch every request goes to v2, while v1 still runs");
    let r =
        o.metrics.rollouts.rollouts.iter().find(|r| r.kind == kubesim::model::spec::Kind::Rollout).expect("tracked");
    assert_eq!(r.min_available, 6);
    assert_eq!(r.max_pods, 12, "blue-green runs both sizes side by side");
}
