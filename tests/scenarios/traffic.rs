//! Services, Ingress and traffic: availability and latency as users feel them.

use crate::support::{column, run, run_text};
use kubesim::metrics::traffic::Failure;
use kubesim::sim::Outcome;

fn failures(o: &Outcome, why: Failure) -> u64 {
    o.metrics.traffic.failures.get(&why).copied().unwrap_or(0)
}

#[test]
fn the_nginx_example_stays_available_through_its_ingress_across_the_rollout_and_the_scale() {
    let (_, o) = run("scenarios/nginx-rolling-update.yaml", &[]);
    let t = &o.metrics.traffic;
    let availability = (t.total.requests - t.total.errors) as f64 / t.total.requests as f64;
    assert!(availability >= 0.99, "availability {availability}: {:?}", t.failures);
    // 100 requests a second from 30s to the end at 6m.
    assert!((32_000..34_000).contains(&t.total.requests), "{} requests", t.total.requests);
    // Every failure is a request sent to a pod on its way out, before the proxies knew.
    assert_eq!(t.total.errors, failures(&o, Failure::ConnectionRefused));
    assert_eq!(t.services[0].name, "nginx-service");
    assert_eq!(t.services[0].run.requests, t.total.requests, "the Ingress sends everything to its one backend");
    let pods: Vec<_> = o.store.pods.iter().filter(|p| !p.is_gone()).collect();
    assert_eq!(pods.len(), 10);
    assert!(pods.iter().all(|p| p.spec.containers[0].image == "nginx:1.18-alpine"));
    // Ten endpoints at the end.
    assert_eq!(column(&o, "service/nginx-service/endpoints").last().and_then(|v| v.1), Some(10.0));
}

#[test]
fn a_recreate_rollout_under_traffic_has_an_outage_as_long_as_the_gap_between_old_and_new_pods() {
    let (_, o) = run("scenarios/recreate.yaml", &[]);
    let pods = &o.store.pods;
    let last_old_leaves = pods.iter().filter(|p| p.revision == 1).filter_map(|p| p.terminating).max();
    let first_new_ready = pods.iter().filter(|p| p.revision == 2).filter_map(|p| p.first_ready).min();
    let (Some(leaves), Some(ready)) = (last_old_leaves, first_new_ready) else { panic!("no rollout") };
    let gap = ready.since(leaves).as_secs_f64();
    let t = &o.metrics.traffic;
    let down = t.unavailable().as_secs_f64();
    assert!(gap > 10.0, "the new pods need a pull and readyAfter: gap {gap}");
    // The EndpointSlice controller hears of both changes after the same API latency.
    assert!((down - gap).abs() < 0.05, "unavailable {down}s, gap {gap}s");
    // 50 requests a second find no endpoints for as long (Poisson: within 4 sigma).
    let refused = failures(&o, Failure::NoEndpoints) as f64;
    let expected = 50.0 * down;
    assert!((refused - expected).abs() < 4.0 * expected.sqrt(), "{refused} refused, {expected} expected");
    assert!(t.total.errors as f64 >= refused);
}

/// Two Deployments behind two Services; the main Ingress and a canary one at weight 10.
const CANARY: &str = "
name: canary
seed: 11
duration: 130s
cluster:
  nodes: [{name: node, count: 2, capacity: {cpu: '8', memory: 16Gi, pods: 110}}]
images:
  shop:1: {pull: 1s, start: 0s}
  shop:2: {pull: 1s, start: 0s}
objects:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: shop-v1}
    spec:
      replicas: 3
      selector: {matchLabels: {app: shop, track: stable}}
      template:
        metadata: {labels: {app: shop, track: stable}}
        spec: {containers: [{name: shop, image: 'shop:1'}]}
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: shop-v2}
    spec:
      replicas: 1
      selector: {matchLabels: {app: shop, track: canary}}
      template:
        metadata: {labels: {app: shop, track: canary}}
        spec: {containers: [{name: shop, image: 'shop:2'}]}
  - apiVersion: v1
    kind: Service
    metadata: {name: shop-stable}
    spec: {selector: {app: shop, track: stable}, ports: [{port: 80}]}
  - apiVersion: v1
    kind: Service
    metadata: {name: shop-canary}
    spec: {selector: {app: shop, track: canary}, ports: [{port: 80}]}
  - apiVersion: networking.k8s.io/v1
    kind: Ingress
    metadata: {name: shop}
    spec:
      rules:
        - host: shop.example.com
          http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: shop-stable, port: {number: 80}}}}]}
  - apiVersion: networking.k8s.io/v1
    kind: Ingress
    metadata:
      name: shop-canary
      annotations:
        nginx.ingress.kubernetes.io/canary: 'true'
        nginx.ingress.kubernetes.io/canary-weight: '10'
    spec:
      rules:
        - host: shop.example.com
          http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: shop-canary, port: {number: 80}}}}]}
traffic:
  - target: ingress/shop
    host: shop.example.com
    path: /cart
    rate: {steps: [{at: 10s, rate: 200/s}, {at: 120s, rate: 0/s}]}
";

#[test]
fn a_canary_ingress_at_weight_10_gets_a_tenth_of_the_requests() {
    let o = run_text(CANARY);
    let t = &o.metrics.traffic;
    assert_eq!(t.total.errors, 0, "{:?}", t.failures);
    let by_name = |n: &str| t.services.iter().find(|s| s.name == n).map_or(0, |s| s.run.requests);
    let (stable, canary) = (by_name("shop-stable"), by_name("shop-canary"));
    let n = (stable + canary) as f64;
    assert!((21_000.0..23_000.0).contains(&n), "{n} requests");
    let share = canary as f64 / n;
    // Binomial: sd = sqrt(0.1 * 0.9 / n) = 0.002; allow 4 sd.
    assert!((share - 0.10).abs() < 4.0 * (0.09 / n).sqrt(), "canary share {share}");
}

#[test]
fn without_a_canary_header_rule_no_header_share_moves_traffic() {
    let text = CANARY.replace(
        "rate: {steps: [{at: 10s, rate: 200/s}, {at: 120s, rate: 0/s}]}",
        "rate: {steps: [{at: 10s, rate: 200/s}, {at: 120s, rate: 0/s}]}\n    canaryHeaderShare: 0.5",
    );
    let with_header = run_text(&text);
    let plain = run_text(CANARY);
    let canary =
        |o: &Outcome| o.metrics.traffic.services.iter().find(|s| s.name == "shop-canary").map_or(0, |s| s.run.requests);
    assert_eq!(canary(&with_header), canary(&plain), "the canary Ingress has no canary-by-header");
    let by_header = text.replace(
        "canary-weight: '10'",
        "canary-weight: '10'\n        nginx.ingress.kubernetes.io/canary-by-header: X-Canary",
    );
    let o = run_text(&by_header);
    let t = &o.metrics.traffic;
    let share = canary(&o) as f64 / t.total.requests as f64;
    // Half carry the header; of the other half a tenth: 0.55.
    assert!((share - 0.55).abs() < 0.02, "canary share {share}");
}

/// The CANARY scenario with the canary Ingress's annotations after `canary: 'true'`
/// replaced by `annotations` and `source` added to the traffic source: the requests that
/// reached the canary Service, and all of them.
fn canary_requests(annotations: &[(&str, &str)], source: &str) -> (u64, u64) {
    let lines: String =
        annotations.iter().map(|(k, v)| format!("\n        nginx.ingress.kubernetes.io/{k}: '{v}'")).collect();
    let text = CANARY.replace("\n        nginx.ingress.kubernetes.io/canary-weight: '10'", &lines).replace(
        "rate: {steps: [{at: 10s, rate: 200/s}, {at: 120s, rate: 0/s}]}",
        &format!("rate: {{steps: [{{at: 10s, rate: 200/s}}, {{at: 120s, rate: 0/s}}]}}{source}"),
    );
    let o = run_text(&text);
    let t = &o.metrics.traffic;
    assert_eq!(t.total.errors, 0, "{:?}", t.failures);
    let canary = t.services.iter().find(|s| s.name == "shop-canary").map_or(0, |s| s.run.requests);
    (canary, t.total.requests)
}

/// `canary` of `n` is `p` within 4 binomial standard deviations.
fn assert_share(canary: u64, n: u64, p: f64, what: &str) {
    let share = canary as f64 / n as f64;
    let sd = (p * (1.0 - p) / n as f64).sqrt();
    assert!((share - p).abs() <= 4.0 * sd + 1e-9, "{what}: canary share {share} of {n}, expected {p}");
}

#[test]
fn canary_by_header_value_sends_the_requests_with_that_value() {
    // balancer.lua route_to_alternative_balancer: with canary-by-header-value, a request
    // whose header has that value goes to the canary, any other value (`always` included)
    // falls through to the cookie and the weight (here 0).
    let rules = [("canary-by-header", "X-Canary"), ("canary-by-header-value", "v2"), ("canary-weight", "0")];
    let (c, n) = canary_requests(&rules, "\n    canaryHeaderShare: 0.2\n    canaryHeaderValue: v2");
    assert_share(c, n, 0.2, "20% with X-Canary: v2");
    let (c, _) = canary_requests(&rules, "\n    canaryHeaderShare: 0.2");
    assert_eq!(c, 0, "X-Canary: always is not the value v2: it falls through to weight 0");
    // Without a custom value, `always` sends them and `never` keeps even weight 100 away.
    let plain = [("canary-by-header", "X-Canary"), ("canary-weight", "100")];
    let (c, n) = canary_requests(&plain, "\n    canaryHeaderShare: 0.3\n    canaryHeaderValue: never");
    assert_share(c, n, 0.7, "30% with X-Canary: never, the rest by weight 100");
}

#[test]
fn canary_by_header_pattern_matches_the_value_by_regular_expression() {
    // canary-by-header-pattern: as canary-by-header-value, by regular expression (nginx's
    // ngx.re.match, anywhere in the value); a value that does not match falls through.
    let rules = [("canary-by-header", "X-Version"), ("canary-by-header-pattern", "^v[2-9]$")];
    let (c, n) = canary_requests(&rules, "\n    canaryHeaderShare: 0.3\n    canaryHeaderValue: v3");
    assert_share(c, n, 0.3, "30% with X-Version: v3");
    let (c, _) = canary_requests(&rules, "\n    canaryHeaderShare: 0.3\n    canaryHeaderValue: v10");
    assert_eq!(c, 0, "v10 does not match ^v[2-9]$");
}

#[test]
fn a_canary_cookie_never_beats_weight_100_and_the_header_comes_before_the_cookie() {
    // balancer.lua: the header first, then the cookie (`always` / `never`), then the weight.
    let rules = [("canary-by-cookie", "canary"), ("canary-weight", "100")];
    let (c, _) = canary_requests(&rules, "\n    canaryCookieShare: 1\n    canaryCookieValue: never");
    assert_eq!(c, 0, "every request has canary=never: none reaches the canary despite weight 100");
    let (c, n) = canary_requests(&rules, "\n    canaryCookieShare: 0.25\n    canaryCookieValue: never");
    assert_share(c, n, 0.75, "25% with canary=never, the rest by weight 100");
    // X-Canary: always on 40% of the requests wins over canary=never on all of them.
    let both = [("canary-by-header", "X-Canary"), ("canary-by-cookie", "canary"), ("canary-weight", "100")];
    let source = "\n    canaryHeaderShare: 0.4\n    canaryCookieShare: 1\n    canaryCookieValue: never";
    let (c, n) = canary_requests(&both, source);
    assert_share(c, n, 0.4, "header always 40% before cookie never 100%");
}

/// One pod with 4 workers and a fixed 50 ms per request: 80 requests a second at most.
fn saturation(replicas_later: &str) -> String {
    format!(
        "
name: saturation
seed: 5
duration: 240s
sample: 5s
cluster:
  nodes: [{{name: node, count: 1, capacity: {{cpu: '8', memory: 16Gi, pods: 110}}}}]
images:
  api:1: {{pull: 1s, start: 0s, concurrency: 4, serviceTime: 50ms}}
objects:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {{name: api}}
    spec:
      replicas: 1
      selector: {{matchLabels: {{app: api}}}}
      template:
        metadata: {{labels: {{app: api}}}}
        spec: {{containers: [{{name: api, image: 'api:1'}}]}}
  - apiVersion: v1
    kind: Service
    metadata: {{name: api}}
    spec: {{selector: {{app: api}}, ports: [{{port: 80}}]}}
traffic:
  - target: service/api
    rate: {{steps: [{{at: 10s, rate: 40/s}}, {{at: 60s, rate: 120/s}}]}}
    timeout: 2s
timeline:
  - at: 150s
    run: kubectl scale deployment/api --replicas={replicas_later}
"
    )
}

#[test]
fn a_saturated_pod_shows_rising_p99_then_timeouts_and_more_replicas_bring_it_down() {
    let o = run_text(&saturation("4"));
    let p99 = column(&o, "service/api/latency_p99_ms");
    let at = |t: f64| p99.iter().find(|(s, _)| *s == t).and_then(|(_, v)| *v);
    let before = at(50.0).unwrap_or(f64::NAN);
    // Half loaded (40/s on 80/s), a few requests wait for a worker.
    assert!((50.0..100.0).contains(&before), "under capacity the p99 is within two service times: {before}");
    // Overloaded at 120/s for 80/s of capacity: the queue grows until requests wait 2s.
    let rising = [65.0, 70.0, 80.0].map(|t| at(t).unwrap_or(0.0));
    assert!(rising[0] < rising[1] && rising[1] < rising[2], "p99 rises: {rising:?}");
    assert!(rising[2] > 1_000.0, "{rising:?}");
    assert!(failures(&o, Failure::Timeout) > 1_000, "{:?}", o.metrics.traffic.failures);
    // Four replicas (320/s) drain the queue: p99 is back near the service time.
    let after = at(230.0).unwrap_or(f64::NAN);
    assert!(after < 100.0, "p99 after the scale-out {after}");
    let errors = column(&o, "service/api/errors");
    assert_eq!(errors.last().and_then(|e| e.1), Some(0.0), "no more timeouts at the end");
}

#[test]
fn littles_law_holds_on_a_steady_run() {
    // 4 replicas of 4 workers at 200/s with an exponential 50ms: about 10 requests held.
    let text = saturation("4")
        .replace("replicas: 1", "replicas: 4")
        .replace("serviceTime: 50ms", "serviceTime: {exponential: 50ms}")
        .replace("{at: 10s, rate: 40/s}, {at: 60s, rate: 120/s}", "{at: 20s, rate: 200/s}, {at: 230s, rate: 0/s}");
    let o = run_text(&text);
    let t = &o.metrics.traffic;
    assert_eq!(t.total.errors, 0, "{:?}", t.failures);
    let horizon = o.end.as_secs_f64();
    let throughput = t.total.requests as f64 / horizon;
    let mean_latency_s = t.total.latency.mean().unwrap_or(0.0) / 1e6;
    let l = t.mean_held(o.end);
    let little = throughput * mean_latency_s;
    assert!((l - little).abs() / little < 0.01, "L = {l}, lambda W = {little}");
    assert!((9.0..12.0).contains(&l), "L = {l}");
}

#[test]
fn variants_of_a_scenario_see_the_same_requests() {
    let (_, surge1) = run("scenarios/nginx-rolling-update.yaml", &[]);
    let (_, surge3) =
        run("scenarios/nginx-rolling-update.yaml", &["deployment/nginx-dep.spec.strategy.rollingUpdate.maxSurge=3"]);
    // Arrivals come from their own stream: the same count whatever the rollout does (the
    // few still in flight at the end aside).
    let (a, b) = (surge1.metrics.traffic.total.requests, surge3.metrics.traffic.total.requests);
    assert!(a.abs_diff(b) <= 2, "{a} vs {b}");
}

#[test]
fn kubectl_expose_creates_the_service_the_traffic_needs() {
    let text = "
name: expose
duration: 60s
cluster:
  nodes: [{name: node, count: 1}]
images:
  web:1: {pull: 1s, start: 0s}
objects:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web, labels: {app: web}}
    spec:
      replicas: 2
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec: {containers: [{name: web, image: 'web:1', ports: [{containerPort: 8080}]}]}
traffic:
  - target: service/web
    rate: 10/s
timeline:
  - at: 20s
    run: kubectl expose deployment web --port=80 --target-port=8080
";
    let o = run_text(text);
    let t = &o.metrics.traffic;
    // No Service for the first 20s, then one with two endpoints after a second or so.
    let missing = failures(&o, Failure::NoService) as f64;
    assert!((150.0..260.0).contains(&missing), "{missing} requests found no Service");
    assert_eq!(t.total.errors, failures(&o, Failure::NoService) + failures(&o, Failure::NoEndpoints));
    assert!(failures(&o, Failure::NoEndpoints) < 30, "{:?}", t.failures);
    assert!(t.services[0].run.requests - t.services[0].run.errors > 350);
    assert_eq!(t.services[0].endpoints, 2);
}

#[test]
fn graceful_termination_finishes_in_flight_requests_and_a_short_grace_period_kills_them() {
    let base = "
name: grace
seed: 9
duration: 120s
cluster:
  nodes: [{name: node, count: 2, capacity: {cpu: '8', memory: 16Gi, pods: 110}}]
images:
  slow:1: {pull: 1s, start: 0s, stop: 5s, concurrency: 50, serviceTime: 4s}
  slow:2: {pull: 1s, start: 0s, stop: 5s, concurrency: 50, serviceTime: 4s}
objects:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: slow}
    spec:
      replicas: 3
      selector: {matchLabels: {app: slow}}
      template:
        metadata: {labels: {app: slow}}
        spec:
          terminationGracePeriodSeconds: GRACE
          containers: [{name: slow, image: 'slow:1'}]
  - apiVersion: v1
    kind: Service
    metadata: {name: slow}
    spec: {selector: {app: slow}, ports: [{port: 80}]}
traffic:
  - target: service/slow
    rate: {steps: [{at: 10s, rate: 20/s}]}
    timeout: 10s
timeline:
  - at: 40s
    run: kubectl set image deployment/slow slow=slow:2
";
    // The app takes 5s to exit after SIGTERM and requests take 4s: with 30s of grace,
    // whatever a pod holds when it is told to stop still finishes.
    let o = run_text(&base.replace("GRACE", "30"));
    assert_eq!(failures(&o, Failure::PodKilled), 0, "{:?}", o.metrics.traffic.failures);
    // With 1s of grace, the kubelet kills the app with requests in flight.
    let o = run_text(&base.replace("GRACE", "1"));
    assert!(failures(&o, Failure::PodKilled) > 20, "{:?}", o.metrics.traffic.failures);
}

#[test]
fn traffic_never_changes_what_the_cluster_does() {
    let (scenario, with) = run("scenarios/nginx-rolling-update.yaml", &[]);
    let mut quiet = scenario.clone();
    quiet.traffic.clear();
    let without = kubesim::simulate(&quiet, None);
    assert!(with.metrics.traffic.total.requests > 30_000);
    let life = |o: &Outcome| -> Vec<_> {
        o.store
            .pods
            .iter()
            .map(|p| (p.name.clone(), p.node, p.created, p.first_ready, p.terminating, p.deleted))
            .collect()
    };
    assert_eq!(life(&with), life(&without));
    let words =
        |o: &Outcome| -> Vec<_> { o.recorder.records.iter().map(|e| (e.time, e.reason, e.message.clone())).collect() };
    assert_eq!(words(&with), words(&without));
}

#[test]
fn applying_a_new_canary_weight_moves_the_split_from_10_to_50_to_100_percent() {
    let (_, o) = run("scenarios/canary-ingress.yaml", &[]);
    let stable = column(&o, "service/shop-stable/requests");
    let canary = column(&o, "service/shop-canary/requests");
    let share = |from: f64, to: f64| {
        let sum = |c: &[(f64, Option<f64>)]| -> f64 {
            c.iter().filter(|(t, _)| *t > from && *t <= to).filter_map(|(_, v)| *v).sum()
        };
        let (s, c) = (sum(&stable), sum(&canary));
        (c / (s + c), s + c)
    };
    // Each phase skips the first 5s sample after the apply (the change takes the API latency).
    for ((from, to), weight) in [((30.0, 120.0), 0.10), ((125.0, 240.0), 0.50), ((245.0, 360.0), 1.0)] {
        let (got, n) = share(from, to);
        let sd = (weight * (1.0 - weight) / n).sqrt();
        assert!((got - weight).abs() <= 4.0 * sd + 1e-9, "{from}-{to}s: canary share {got}, weight {weight}");
    }
    assert_eq!(o.metrics.traffic.total.errors, 0, "{:?}", o.metrics.traffic.failures);
}

#[test]
fn a_hung_app_answers_nothing_so_its_requests_time_out() {
    let text = "
name: hang
seed: 3
duration: 90s
cluster:
  nodes: [{name: node, count: 1}]
images:
  app:1: {pull: 1s, start: 0s, livenessFailAfter: 40s}
objects:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: app}
    spec:
      replicas: 1
      selector: {matchLabels: {app: app}}
      template:
        metadata: {labels: {app: app}}
        spec: {containers: [{name: app, image: 'app:1'}]}
  - apiVersion: v1
    kind: Service
    metadata: {name: app}
    spec: {selector: {app: app}, ports: [{port: 80}]}
traffic:
  - target: service/app
    rate: {steps: [{at: 10s, rate: 10/s}]}
    timeout: 1s
";
    let o = run_text(text);
    // No probe takes it out of the endpoints: from the hang (~41.5s) every request times out.
    let timeouts = failures(&o, Failure::Timeout) as f64;
    assert!((440.0..540.0).contains(&timeouts), "{:?}", o.metrics.traffic.failures);
    assert_eq!(o.metrics.traffic.total.errors as f64, timeouts);
}

#[test]
fn a_pre_stop_sleep_keeps_a_rolling_update_error_free_where_without_it_requests_fail() {
    // The standard fix for errors during rollouts: the kubelet runs the preStop hook before
    // SIGTERM (kuberuntime_container.go killContainer, executePreStopHook), inside the 30s
    // default grace period (terminationGracePeriodSeconds), so the app keeps serving what the
    // proxies still send it until the EndpointSlice change reaches them (1s here). Without
    // it SIGTERM comes at once and the draining app refuses those requests.
    let base = "
name: prestop
seed: 5
duration: 150s
cluster:
  nodes: [{name: node, count: 2, capacity: {cpu: '8', memory: 16Gi, pods: 110}}]
images:
  web:1: {pull: 2s, start: 1s}
  web:2: {pull: 2s, start: 1s}
objects:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      replicas: 4
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec:
          containers:
            - name: web
              image: 'web:1'
              readinessProbe: {httpGet: {path: /ready, port: 80}, periodSeconds: 2}
HOOK
  - apiVersion: v1
    kind: Service
    metadata: {name: web}
    spec: {selector: {app: web}, ports: [{port: 80}]}
traffic:
  - target: service/web
    rate: {steps: [{at: 10s, rate: 200/s}]}
timeline:
  - at: 40s
    run: kubectl set image deployment/web web=web:2
";
    let without = run_text(&base.replace("HOOK\n", ""));
    let t = &without.metrics.traffic;
    let refused = failures(&without, Failure::ConnectionRefused);
    assert!(refused > 50, "{:?}", t.failures);
    assert_eq!(t.total.errors, refused, "every failure is a request sent to a pod on its way out");
    let hook = "              lifecycle: {preStop: {sleep: {seconds: 5}}}\n";
    let with = run_text(&base.replace("HOOK\n", hook));
    let t = &with.metrics.traffic;
    assert_eq!(t.total.errors, 0, "{:?}", t.failures);
    assert_eq!(t.total.requests, without.metrics.traffic.total.requests, "the same requests");
    // The old pods took 5s longer to go: the sleep, then the 1s exit.
    let gone = |o: &Outcome| -> Vec<f64> {
        o.store
            .pods
            .iter()
            .filter(|p| p.revision == 1)
            .filter_map(|p| Some(p.finished?.since(p.terminating?).as_secs_f64()))
            .collect()
    };
    assert!(gone(&without).iter().all(|d| (d - 1.01).abs() < 1e-6), "{:?}", gone(&without));
    assert!(gone(&with).iter().all(|d| (d - 6.01).abs() < 1e-6), "{:?}", gone(&with));
}

#[test]
fn a_pre_stop_hook_longer_than_the_grace_period_is_cut_and_the_app_gets_two_more_seconds() {
    // killContainer: the hook runs for at most the grace period; what remains, at least
    // minimumGracePeriodInSeconds (2s), is the runtime's stop timeout. An exec hook of 60s
    // and 10s of grace: SIGTERM at 10s, SIGKILL at 12s for an app that needs 5s to exit.
    let base = "
duration: 60s
cluster: {nodes: [{name: node, capacity: {cpu: '4', memory: 8Gi}}]}
images:
  web:1: {pull: 1s, start: 0s, stop: 5s, preStop: 60s}
objects:
  - apiVersion: v1
    kind: Pod
    metadata: {name: web}
    spec:
      terminationGracePeriodSeconds: 10
      containers:
        - name: web
          image: 'web:1'
          lifecycle: {preStop: {exec: {command: [drain.sh]}}}
timeline:
  - {at: 20s, run: kubectl delete pod web}
";
    let o = run_text(base);
    let p = &o.store.pods[kubesim::model::store::PodId(0)];
    let took = p.finished.expect("stopped").since(p.terminating.expect("deleted")).as_secs_f64();
    assert!((took - 12.01).abs() < 1e-6, "{took}");
    assert_eq!(p.phase, kubesim::model::store::PodPhase::Failed, "killed");
    assert!(o.recorder.records.iter().all(|e| e.reason != "FailedPreStopHook"), "an unfinished hook says nothing");
    // A hook that fails in time says FailedPreStopHook, and the stop goes on.
    let o = run_text(&base.replace("preStop: 60s}", "preStop: 3s, hooksFail: true}"));
    let failed: Vec<_> = o.recorder.records.iter().filter(|e| e.reason == "FailedPreStopHook").collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].message, "PreStopHook failed");
    assert!((failed[0].time.as_secs_f64() - 23.01).abs() < 1e-6);
    let p = &o.store.pods[kubesim::model::store::PodId(0)];
    // 3s of hook leave 7s, enough for the 5s exit.
    assert!((p.finished.expect("stopped").since(p.terminating.expect("deleted")).as_secs_f64() - 8.01).abs() < 1e-6);
}

/// A Deployment `web` of 6 pods behind Service `web` (with `affinity` added to its spec),
/// and a source of 50 requests/s from `clients` clients straight to the Service.
fn affinity_scenario(affinity: &str, clients: u32, timeline: &str) -> String {
    affinity_at_rate(affinity, clients, "50/s", timeline)
}

fn affinity_at_rate(affinity: &str, clients: u32, rate: &str, timeline: &str) -> String {
    format!(
        "duration: 3m
cluster: {{nodes: [{{name: worker, count: 3, capacity: {{cpu: '8', memory: 16Gi}}}}]}}
objects:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {{name: web}}
    spec:
      replicas: 6
      selector: {{matchLabels: {{app: web}}}}
      template:
        metadata: {{labels: {{app: web}}}}
        spec: {{containers: [{{name: web, image: nginx}}]}}
  - apiVersion: v1
    kind: Service
    metadata: {{name: web}}
    spec:
      selector: {{app: web}}
      ports: [{{port: 80}}]
{affinity}
traffic:
  - {{target: service/web, rate: {{steps: [{{at: 30s, rate: {rate}}}]}}, clients: {clients}}}
timeline: {timeline}
"
    )
}

/// How many pods took at least one request.
fn pods_that_served(o: &Outcome) -> usize {
    o.requests_by_pod.iter().filter(|&&n| n > 0).count()
}

#[test]
fn session_affinity_client_ip_keeps_each_client_on_one_pod() {
    // kube-proxy (pkg/proxy/iptables proxier.go): with sessionAffinity ClientIP a client's
    // requests go to the endpoint it used last (the `recent` match, timeout 10800s by
    // default), so 2 clients reach at most 2 of the 6 pods; without it, every pod serves.
    let sticky = "      sessionAffinity: ClientIP";
    let o = run_text(&affinity_scenario(sticky, 2, "[]"));
    assert!((1..=2).contains(&pods_that_served(&o)), "{:?}", o.requests_by_pod);
    let o = run_text(&affinity_scenario("", 2, "[]"));
    assert_eq!(pods_that_served(&o), 6, "{:?}", o.requests_by_pod);
    // 3 clients sending 1 request/s between them: each client's requests are 3s apart on
    // average. With the default timeout they stay on at most 3 pods; with a 1s timeout the
    // client's entry has expired by its next request, and the clients wander over all 6.
    let o = run_text(&affinity_at_rate(sticky, 3, "1/s", "[]"));
    assert!(pods_that_served(&o) <= 3, "{:?}", o.requests_by_pod);
    let short = "      sessionAffinity: ClientIP\n      sessionAffinityConfig: {clientIP: {timeoutSeconds: 1}}";
    let o = run_text(&affinity_at_rate(short, 3, "1/s", "[]"));
    assert_eq!(pods_that_served(&o), 6, "{:?}", o.requests_by_pod);
    // The client's pod is deleted: its requests find another one (no failures but the
    // second before the proxies learn of it).
    let o = run_text(&affinity_scenario(sticky, 1, "[{at: 1m, run: kubectl delete pods -l app=web}]"));
    assert!(pods_that_served(&o) >= 2, "re-pinned after the deletion: {:?}", o.requests_by_pod);
}

#[test]
fn session_affinity_is_checked_as_the_api_server_checks_it() {
    let bad = "      sessionAffinity: ClientIP\n      sessionAffinityConfig: {clientIP: {timeoutSeconds: 0}}";
    let text = affinity_scenario(bad, 2, "[]");
    let errors = match kubesim::load_str(std::path::Path::new("inline.yaml"), &text, &[]) {
        Ok(_) => panic!("should not load"),
        Err(d) => d.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n"),
    };
    assert!(
        errors.contains("spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 0: must be greater than 0 and less than 86400"),
        "{errors}"
    );
}
