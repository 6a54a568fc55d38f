//! Call graphs: requests whose app calls other Services before it answers, background work,
//! and the figures per edge (issue 22's "what it must show").

use crate::support::{column, kubesim_output, load_text, run, run_text};
use kubesim::metrics::calls::EdgeStats;
use kubesim::metrics::traffic::Failure;
use kubesim::sim::Outcome;

fn edge<'a>(o: &'a Outcome, caller: &str, callee: &str) -> &'a EdgeStats {
    let edges = &o.metrics.traffic.calls.edges;
    edges.iter().find(|e| e.caller == caller && e.callee == callee).unwrap_or_else(|| {
        panic!(
            "no edge {caller} -> {callee} among {:?}",
            edges.iter().map(|e| (&e.caller, &e.callee)).collect::<Vec<_>>()
        )
    })
}

/// A Deployment and a Service `name` of `replicas` pods of the image `name:1`.
fn app(name: &str, replicas: u32) -> String {
    format!(
        "
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {{name: {name}}}
    spec:
      replicas: {replicas}
      selector: {{matchLabels: {{app: {name}}}}}
      template:
        metadata: {{labels: {{app: {name}}}}}
        spec:
          containers: [{{name: {name}, image: '{name}:1', resources: {{requests: {{cpu: 100m, memory: 64Mi}}}}}}]
  - apiVersion: v1
    kind: Service
    metadata: {{name: {name}}}
    spec:
      selector: {{app: {name}}}
      ports: [{{port: 80}}]"
    )
}

/// `front` (calling as `front_calls` says) in front of `back`, `a` and `b`, 10 requests a
/// second to `front` from 30s (everything is up by then) for `duration`.
fn graph(images: &str, duration: &str, timeline: &str) -> String {
    format!(
        "
name: calls
seed: 4
duration: {duration}
sample: 10s
cluster:
  nodes:
    - {{name: worker, count: 2, capacity: {{cpu: '8', memory: 16Gi, pods: 110}}}}
images:
{images}
objects:{}{}{}{}
traffic:
  - target: service/front
    rate: {{steps: [{{at: 30s, rate: 10/s}}]}}
    arrival: constant
    timeout: 5s
{timeline}",
        app("front", 1),
        app("back", 1),
        app("a", 1),
        app("b", 1)
    )
}

#[test]
fn end_to_end_latency_is_the_own_time_plus_the_calls_and_the_slowest_of_a_parallel_group() {
    // Hand-computed: front works 10ms after calling back (20ms) then a and b at once (5ms and
    // 30ms): 10 + 20 + max(5, 30) = 60ms for every request, no queueing at 10/s.
    let images = "
  front:1:
    serviceTime: 10ms
    calls:
      - service: back
      - parallel: [{service: a}, {service: b}]
  back:1: {serviceTime: 20ms}
  a:1: {serviceTime: 5ms}
  b:1: {serviceTime: 30ms}";
    let o = run_text(&graph(images, "3m", ""));
    let front = &o.metrics.traffic.services.iter().find(|s| s.name == "front").expect("front").run;
    assert_eq!(front.errors, 0);
    assert!(front.requests >= 1_490, "{} requests", front.requests);
    assert_eq!((front.p50_ms(), front.p99_ms()), (Some(60.0), Some(60.0)));
    for (callee, ms) in [("back", 20.0), ("a", 5.0), ("b", 30.0)] {
        let e = edge(&o, "front", callee);
        assert_eq!(e.run.requests, front.requests, "one call to {callee} per request");
        assert_eq!((e.run.p50_ms(), e.run.p99_ms()), (Some(ms), Some(ms)), "{callee}");
    }
}

#[test]
fn littles_law_holds_on_every_edge() {
    // L = lambda W per edge: the time-average of calls open equals the rate of calls times
    // the mean time each was open (long-tailed times, queueing at a busy callee).
    let images = "
  front:1:
    serviceTime: {exponential: 5ms}
    calls: [{service: back}, {parallel: [{service: a, count: 3}, {service: b, probability: 0.5}]}]
  back:1: {serviceTime: {lognormal: {p50: 20ms, p99: 200ms}}, concurrency: 2}
  a:1: {serviceTime: {exponential: 8ms}}
  b:1: {serviceTime: {exponential: 30ms}}";
    let o = run_text(&graph(images, "20m", ""));
    let end = o.end.as_micros() as f64 / 1e6;
    for callee in ["back", "a", "b"] {
        let e = edge(&o, "front", callee);
        let lambda = e.run.requests as f64 / end;
        let w = e.mean_open_ms().expect("calls ended") / 1000.0;
        let l = e.mean_open(o.end);
        assert!((l - lambda * w).abs() / l < 0.01, "{callee}: L {l:.4} but lambda W {:.4}", lambda * w);
    }
    let a = edge(&o, "front", "a").run.requests;
    let b = edge(&o, "front", "b").run.requests;
    let back = edge(&o, "front", "back").run.requests;
    assert_eq!(a, 3 * back, "count 3");
    assert!((0.47..0.53).contains(&(b as f64 / back as f64)), "probability 0.5: {b} of {back}");
}

#[test]
fn a_call_that_fails_fails_the_request_unless_the_caller_degrades() {
    // back is scaled to zero from 1m to 2m: without endpoints each call fails at once.
    let timeline = "timeline:
  - {at: 1m, run: kubectl scale deployment/back --replicas=0}
  - {at: 2m, run: kubectl scale deployment/back --replicas=1}";
    let images = |on_failure: &str| {
        format!(
            "
  front:1: {{serviceTime: 10ms, calls: [{{service: back, onFailure: {on_failure}}}]}}
  back:1: {{serviceTime: 20ms}}
  a:1: {{}}
  b:1: {{}}"
        )
    };
    let failing = run_text(&graph(&images("fail"), "4m", timeline));
    let degraded = run_text(&graph(&images("degrade"), "4m", timeline));
    let failed = failing.metrics.traffic.failures.get(&Failure::DependencyFailed).copied().unwrap_or(0);
    // About 66s at 10/s: from the endpoint leaving the proxies (1m + 1s) until the new pod is
    // pulled (5s), started (1s) and its endpoint has reached the proxies.
    assert!((600..=680).contains(&failed), "{failed} requests failed for want of back");
    let e = edge(&failing, "front", "back");
    let reason = |why| e.failures.get(&why).copied().unwrap_or(0);
    // Refused: the calls that reached the pod in the second after SIGTERM, before the proxies
    // let go of it; then none left.
    assert_eq!(
        reason(Failure::NoEndpoints) + reason(Failure::ConnectionRefused),
        failed,
        "each failed call failed its request"
    );
    assert!(reason(Failure::NoEndpoints) > 500);
    assert_eq!(degraded.metrics.traffic.total.errors, 0, "a degrading caller answers every request");
    assert_eq!(edge(&degraded, "front", "back").degraded, failed, "the same calls failed, now answered without");
    let during = column(&failing, "edge/front/back/errors");
    assert!(during.iter().any(|&(t, v)| (60.0..=130.0).contains(&t) && v.unwrap_or(0.0) > 0.0));
    assert!(during.iter().filter(|&&(t, _)| t >= 140.0).all(|&(_, v)| v == Some(0.0)), "recovered: {during:?}");
}

#[test]
fn retries_multiply_the_attempts_and_a_retry_budget_caps_them() {
    // back takes 1s, the caller waits 100ms per attempt: every attempt times out.
    let images = |budget: &str| {
        format!(
            "
  front:1: {{serviceTime: 10ms, concurrency: 1000, calls: [{{service: back, timeout: 100ms, retries: 2{budget}}}]}}
  back:1: {{serviceTime: 1s, concurrency: 1000}}
  a:1: {{}}
  b:1: {{}}"
        )
    };
    let o = run_text(&graph(&images(""), "2m", ""));
    let e = edge(&o, "front", "back");
    let failed = o.metrics.traffic.failures.get(&Failure::DependencyFailed).copied().unwrap_or(0);
    assert!(failed >= 890, "{failed} requests failed");
    // Every call is tried three times (the first and two retries), each a timeout.
    assert!(e.retries >= 2 * failed && e.retries <= 2 * failed + 4, "{} retries for {failed} failed", e.retries);
    assert_eq!(e.failures.get(&Failure::Timeout).copied(), Some(e.run.requests), "every attempt timed out");
    // A budget of 0% with at least one retry allowed open: a retry waits for none to be open
    // (Envoy's RetryBudget: max(min_retry_concurrency, percent x active)). At 10 calls a second
    // whose retries stay open 100ms, most find another open and are not made.
    let budgeted = run_text(&graph(&images(", retryBudget: {percent: 0, minRetryConcurrency: 1}"), "2m", ""));
    let b = edge(&budgeted, "front", "back");
    assert!(b.retries < e.retries / 2, "budget: {} retries, without: {}", b.retries, e.retries);
}

#[test]
fn the_same_requests_make_the_same_calls_whatever_the_timing() {
    // Common random numbers: which calls a request makes (probability 0.3) is drawn from the
    // request itself, so a slower callee (other completion times, other event order) changes
    // none of them.
    let images = |back_time: &str| {
        format!(
            "
  front:1: {{serviceTime: 1ms, calls: [{{service: back}}, {{service: a, probability: 0.3}}]}}
  back:1: {{serviceTime: {{exponential: {back_time}}}}}
  a:1: {{}}
  b:1: {{}}"
        )
    };
    let fast = run_text(&graph(&images("5ms"), "5m", ""));
    let slow = run_text(&graph(&images("50ms"), "5m", ""));
    let made = |o: &Outcome| edge(o, "front", "a").run.requests;
    assert_eq!(made(&fast), made(&slow));
    assert_ne!(
        edge(&fast, "front", "back").run.p50_ms(),
        edge(&slow, "front", "back").run.p50_ms(),
        "the timing did change"
    );
}

#[test]
fn a_loop_in_the_call_graph_stops_at_the_depth_limit() {
    let images = "
  front:1: {serviceTime: 1ms, calls: [{service: back}]}
  back:1: {serviceTime: 1ms, calls: [{service: back}]}
  a:1: {}
  b:1: {}";
    let o = run_text(&graph(images, "1m", ""));
    let e = edge(&o, "back", "back");
    assert!(e.failures.get(&Failure::CallDepthExceeded).copied().unwrap_or(0) > 0);
    assert!(o.metrics.traffic.total.errors > 0, "the requests fail (dependency_failed)");
}

#[test]
fn background_work_runs_at_its_rate_per_pod_and_fails_while_its_dependency_is_gone() {
    let text = graph(
        "
  front:1: {}
  back:1: {serviceTime: 2ms}
  a:1: {serviceTime: 1ms, background: {rate: 5/s, arrival: constant}, calls: [{service: back}]}
  b:1: {}",
        "5m",
        "timeline:
  - {at: 2m, run: kubectl scale deployment/back --replicas=0}
  - {at: 3m, run: kubectl scale deployment/back --replicas=1}",
    );
    let o = run_text(&text);
    let tasks = &o.metrics.traffic.calls.background.iter().find(|b| b.caller == "a").expect("a's tasks").run;
    // One pod at 5/s for about 5 minutes less its start.
    assert!((1_400..=1_500).contains(&tasks.requests), "{} tasks", tasks.requests);
    assert!((300..=340).contains(&tasks.errors), "{} tasks failed while back was gone", tasks.errors);
    assert_eq!(edge(&o, "a", "back").run.requests, tasks.requests, "each task calls back once");
}

#[test]
fn voting_app_loses_votes_while_redis_is_gone_and_retries_triple_the_load_on_it() {
    let (_, o) = run("scenarios/voting-app.yaml", &[]);
    let vote_errors = column(&o, "service/vote/errors");
    let vote_requests = column(&o, "service/vote/requests");
    let redis = column(&o, "edge/vote/redis/requests");
    let sum = |c: &[(f64, Option<f64>)], from: f64, to: f64| -> f64 {
        c.iter().filter(|&&(t, _)| t > from && t <= to).map(|&(_, v)| v.unwrap_or(0.0)).sum()
    };
    // Redis is deleted at 3m (its endpoint leaves a second later) and back at 5m (ready a few
    // seconds after): from 3m10s to 5m every vote fails, three attempts each.
    let (lost, sent) = (sum(&vote_errors, 190.0, 300.0), sum(&vote_requests, 190.0, 300.0));
    assert!(sent > 2_000.0 && lost == sent, "{lost} of {sent} votes failed while redis was gone");
    let attempts = sum(&redis, 190.0, 300.0);
    assert!((attempts / sent - 3.0).abs() < 0.05, "{attempts} attempts for {sent} votes");
    // Before and well after, votes succeed with one attempt each.
    assert_eq!(sum(&vote_errors, 60.0, 180.0), 0.0);
    assert_eq!(sum(&vote_errors, 330.0, 420.0), 0.0, "recovered once redis is back");
    let (calls, votes) = (sum(&redis, 330.0, 420.0), sum(&vote_requests, 330.0, 420.0));
    assert!((calls - votes).abs() <= 2.0, "one call per vote ({calls} for {votes}; a vote at a sample's edge)");
    // The worker's background tasks fail too, and the result page degrades while the db restarts.
    let worker = &o.metrics.traffic.calls.background.iter().find(|b| b.caller == "worker").expect("worker").run;
    assert!(worker.errors > 0 && worker.requests > 5_000);
}

#[test]
fn boutique_pages_fail_while_the_only_catalogue_pod_is_replaced_and_two_replicas_remove_it() {
    let unavailable_1 = [
        "deployment/productcatalogservice.spec.strategy.rollingUpdate.maxUnavailable=1",
        "deployment/productcatalogservice.spec.strategy.rollingUpdate.maxSurge=0",
    ];
    let after_rollout_errors = |o: &Outcome| -> f64 {
        column(o, "service/frontend/errors").iter().filter(|&&(t, _)| t > 120.0).map(|&(_, v)| v.unwrap_or(0.0)).sum()
    };
    let (_, one) = run("scenarios/online-boutique.yaml", &unavailable_1);
    let lost = after_rollout_errors(&one);
    // About the seconds the new pod takes to be ready (pull, start, readyAfter) at 100 pages/s.
    assert!(lost > 300.0, "{lost} pages failed during the rollout");
    // Every page needs the catalogue: each entry point (traffic source) lost some.
    let entries = one.metrics.traffic.calls.entries.as_ref().expect("entry points kept with calls");
    assert_eq!(entries.len(), 4);
    for e in entries {
        assert!(e.failures.get(&Failure::DependencyFailed).copied().unwrap_or(0) > 10, "{}: {:?}", e.name, e.failures);
    }
    assert_eq!(entries.iter().map(|e| e.run.requests).sum::<u64>(), one.metrics.traffic.total.requests);
    let catalogue = edge(&one, "frontend", "productcatalogservice");
    assert!(catalogue.failures.get(&Failure::NoEndpoints).copied().unwrap_or(0) > 100);
    let mut two_replicas = unavailable_1.to_vec();
    two_replicas.push("deployment/productcatalogservice.spec.replicas=2");
    // With two, one pod serves throughout; what fails is the calls that reach the replaced pod
    // in the second its endpoint takes to leave the proxies (it refuses them once SIGTERMed).
    let (_, two) = run("scenarios/online-boutique.yaml", &two_replicas);
    assert!(after_rollout_errors(&two) < lost / 5.0, "two replicas: {}", after_rollout_errors(&two));
    let refused = edge(&two, "frontend", "productcatalogservice").failures.get(&Failure::ConnectionRefused).copied();
    assert!(refused.unwrap_or(0) > 0);
    // A preStop sleep keeps it serving until the proxies have let go: no page fails.
    two_replicas
        .push("deployment/productcatalogservice.spec.template.spec.containers[0].lifecycle.preStop.sleep.seconds=5");
    let (_, pre_stop) = run("scenarios/online-boutique.yaml", &two_replicas);
    assert_eq!(after_rollout_errors(&pre_stop), 0.0, "two replicas and a preStop hook");
    // The manifest's maxSurge 25% keeps the old pod until the new one is ready: only the
    // second of its endpoint's propagation fails calls.
    let (_, surge) = run("scenarios/online-boutique.yaml", &[]);
    assert!(after_rollout_errors(&surge) < lost / 5.0, "surge: {}", after_rollout_errors(&surge));
}

#[test]
fn bad_calls_are_refused_with_their_place() {
    let cases = [
        ("calls: [{service: back, retries: 20}]", "20 retries: expected at most 10"),
        ("calls: [{service: back, onFailure: ignore}]", "onFailure: Unsupported value: \"ignore\""),
        ("calls: [{service: back, host: x.example.com}]", "a call names a `service` or a `host`, not both"),
        ("calls: [{servce: back}]", "servce"),
        ("calls: {cart: [{service: back}]}", "invalid path \"cart\""),
        ("background: {rate: 5/s, burst: 2}", "burst"),
    ];
    for (image, expected) in cases {
        let text = format!("name: bad\nduration: 1m\nimages:\n  front:1: {{{image}}}\nobjects: []\n");
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("bad.yaml");
        std::fs::write(&file, text).expect("written");
        let out = kubesim_output(&["validate", file.to_str().expect("utf-8 path")]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{image}: {stderr}");
        assert!(stderr.contains(expected), "{image}: expected {expected:?} in {stderr}");
        assert!(stderr.contains("bad.yaml:4:"), "{image}: the line is named: {stderr}");
    }
    // And a good one loads.
    load_text(&graph(
        "  front:1: {calls: {/: [{service: back}], /cart: [{parallel: [{service: a}, {host: api.example.com}]}]}}",
        "1m",
        "",
    ));
}

#[test]
fn the_report_draws_the_service_graph_with_each_call_and_its_health() {
    let (s, o) = run("scenarios/voting-app.yaml", &[]);
    let dir = crate::support::write_outputs(&s, &o);
    let page = std::fs::read_to_string(crate::support::find_file(dir.path(), "report.html")).expect("report.html");
    let graph = &page[page.find("<svg id=\"service-graph\"").expect("a service graph")..];
    let graph = &graph[..graph.find("</svg>").expect("closed")];
    for name in ["clients", "vote", "result", "worker", "redis", "db"] {
        assert!(graph.contains(&format!(">{name}</text></g>")), "a box for {name}");
    }
    // vote -> redis lost a third of its attempts or more: red; result -> db: amber (degraded).
    assert!(graph.contains("stroke=\"#c62828\" stroke-width=\"2\" marker-end=\"url(#arrow)\"><title>vote → redis"));
    assert!(graph.contains("<title>result → db"));
    assert!(page.contains("<h3>Calls (caller → callee)</h3>"));
    // A run without calls draws none.
    let (s, o) = run("scenarios/recreate.yaml", &[]);
    let dir = crate::support::write_outputs(&s, &o);
    let page = std::fs::read_to_string(crate::support::find_file(dir.path(), "report.html")).expect("report.html");
    assert!(!page.contains("service-graph"));
}
