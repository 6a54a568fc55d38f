//! ExternalName Services: their requests leave the cluster for the host `spec.externalName`
//! names, which behaves as the scenario's `externals:` says (or answers in 50ms, always up).

use crate::support::{column, kubesim_output, load_text, run_text};
use kubesim::metrics::traffic::Failure;
use kubesim::sim::Outcome;

fn failures(o: &Outcome, why: Failure) -> u64 {
    o.metrics.traffic.failures.get(&why).copied().unwrap_or(0)
}

/// A scenario with one ExternalName Service `payments` naming `host`, 10 requests a second to
/// it from the start, for 20 minutes; `extra` adds top-level sections.
fn payments(host: &str, extra: &str) -> String {
    format!(
        "
name: external
seed: 3
duration: 20m
sample: 10s
objects:
  - apiVersion: v1
    kind: Service
    metadata: {{name: payments}}
    spec: {{type: ExternalName, externalName: {host}}}
traffic:
  - target: service/payments
    rate: 10/s
    arrival: constant
    timeout: 5s
{extra}"
    )
}

/// Rows of a Service's per-sample figures: (time in s, requests, errors, p50 ms).
fn samples(o: &Outcome, service: &str) -> Vec<(f64, f64, f64, Option<f64>)> {
    let requests = column(o, &format!("service/{service}/requests"));
    let errors = column(o, &format!("service/{service}/errors"));
    let p50 = column(o, &format!("service/{service}/latency_p50_ms"));
    requests
        .iter()
        .zip(&errors)
        .zip(&p50)
        .map(|((r, e), p)| (r.0, r.1.unwrap_or(0.0), e.1.unwrap_or(0.0), p.1))
        .collect()
}

#[test]
fn an_external_host_down_from_10m_to_15m_fails_requests_only_in_that_window() {
    let o = run_text(&payments(
        "api.stripe.com",
        "externals:
  api.stripe.com:
    serviceTime: 80ms
    latency: 20ms
    down: [{from: 10m, to: 15m}]
",
    ));
    let t = &o.metrics.traffic;
    // 10 a second, evenly spaced, from 0.1 s to 1200 s (the last still open when the run
    // ends); 300 s of them while the host is down.
    assert_eq!(t.total.requests, 11_999, "{:?}", t.failures);
    assert_eq!(failures(&o, Failure::ExternalUnreachable), 3_000);
    assert_eq!(t.total.errors, 3_000, "no other failure: {:?}", t.failures);
    let s = &t.services[0];
    assert_eq!(s.name, "payments");
    assert_eq!((s.run.requests, s.run.errors), (11_999, 3_000), "counted as the Service's requests");
    // Every answer takes the round trip plus the service time: 20ms + 80ms.
    assert_eq!((s.run.p50_ms(), s.run.p99_ms()), (Some(100.0), Some(100.0)));
    for (at, _, errors, p50) in samples(&o, "payments") {
        // A sample at `at` counts what ended in the 10 s before it; a refused request ends as
        // it is sent, an answered one 100ms later.
        let down = at > 600.0 && at <= 900.0;
        assert_eq!(errors, if down { 100.0 } else { 0.0 }, "errors at {at}s");
        // In the sample at 610 s, the answer to the request sent at 599.9 s.
        let answered = at > 0.0 && !(at > 610.0 && at <= 900.0);
        assert_eq!(p50, answered.then_some(100.0), "p50 at {at}s");
    }
    // No endpoints, ever, and no time counted as "without endpoints".
    assert!(column(&o, "service/payments/endpoints").iter().all(|(_, v)| *v == Some(0.0)));
    assert_eq!(t.unavailable().as_secs_f64(), 0.0);
}

#[test]
fn a_host_not_in_externals_is_always_up_and_answers_in_50ms() {
    let o = run_text(&payments("api.example.com", ""));
    let t = &o.metrics.traffic;
    assert_eq!((t.total.requests, t.total.errors), (11_999, 0));
    assert_eq!(t.services[0].run.p50_ms(), Some(50.0));
    assert_eq!(t.services[0].run.p99_ms(), Some(50.0));
}

#[test]
fn an_external_hosts_error_rate_and_concurrency_shape_what_users_see() {
    // errorRate 0.25: a quarter of the answers are 5xx (binomial, within 4 sigma of 3,000).
    let o = run_text(&payments("api.stripe.com", "externals:\n  api.stripe.com: {errorRate: 0.25}\n"));
    let errors = failures(&o, Failure::Http5xx) as f64;
    assert!((errors - 3_000.0).abs() < 4.0 * (12_000.0f64 * 0.25 * 0.75).sqrt(), "{errors} 5xx");
    // One request at a time, 200ms each: 5 a second at most; 10 a second arrive, and a queue
    // of 10 fills, so about half are refused (queue full).
    let text =
        payments("api.stripe.com", "externals:\n  api.stripe.com: {serviceTime: 200ms, concurrency: 1, queue: 10}\n");
    let o = run_text(&text);
    let full = failures(&o, Failure::QueueFull);
    assert!((5_900..=6_100).contains(&full), "{full} refused: {:?}", o.metrics.traffic.failures);
    // Those served waited behind the 10 queued ones: 11 x 200ms.
    assert_eq!(o.metrics.traffic.services[0].run.p50_ms(), Some(2_200.0));
}

#[test]
fn an_ingress_backend_can_be_an_external_name_service() {
    let text = "
name: ingress-external
duration: 1m
objects:
  - apiVersion: v1
    kind: Service
    metadata: {name: docs}
    spec: {type: ExternalName, externalName: docs.example.org., ports: [{port: 443}]}
  - apiVersion: networking.k8s.io/v1
    kind: Ingress
    metadata: {name: site}
    spec:
      rules:
        - http:
            paths:
              - {path: /docs, pathType: Prefix, backend: {service: {name: docs, port: {number: 443}}}}
externals:
  docs.example.org: {serviceTime: 30ms}
traffic:
  - {target: ingress/site, path: /docs/intro, rate: 20/s, arrival: constant}
";
    let o = run_text(text);
    let t = &o.metrics.traffic;
    assert_eq!((t.total.requests, t.total.errors), (1_199, 0), "{:?}", t.failures);
    // The trailing dot of a fully qualified name finds the same host.
    assert_eq!(t.services[0].run.p50_ms(), Some(30.0));
}

#[test]
fn kubectl_create_service_externalname_works_on_a_timeline() {
    let text = "
name: create-external
duration: 3m
traffic:
  - {target: service/payments, rate: 10/s, arrival: constant}
externals:
  api.stripe.com: {serviceTime: 70ms}
timeline:
  - {at: 1m, run: kubectl create service externalname payments --external-name api.stripe.com}
  - {at: 2m, run: kubectl get svc payments}
";
    let o = run_text(text);
    let t = &o.metrics.traffic;
    // The requests before 1m (0.1 s to 59.9 s) find no Service; every later one reaches the
    // host (the last, at 3m, is still open when the run ends).
    assert_eq!(failures(&o, Failure::NoService), 599, "{:?}", t.failures);
    assert_eq!(t.total.errors, 599);
    assert_eq!(t.services[0].run.requests, 1_200);
    assert_eq!(t.services[0].run.p50_ms(), Some(70.0));
    let log = o.kubectl_log.as_deref().expect("kubectl.log");
    // printService: no cluster IP, the external name as EXTERNAL-IP, no ports.
    let row = log.lines().find(|l| l.starts_with("payments")).unwrap_or_else(|| panic!("no row in:\n{log}"));
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(cells[..5], ["payments", "ExternalName", "<none>", "api.stripe.com", "<none>"], "{log}");
}

#[test]
fn explain_tells_where_an_external_name_services_requests_go() {
    let scenario =
        load_text(&payments("api.stripe.com", "externals:\n  api.stripe.com: {down: [{from: 10m, to: 15m}]}\n"));
    let outcome = kubesim::simulate(&scenario, None);
    let story = kubesim::explain::story(&scenario, &outcome, "service/payments").expect("a story");
    assert!(story.contains("CNAME to api.stripe.com"), "{story}");
    assert!(story.contains("down from 10:00.000 to 15:00.000"), "{story}");
}

/// Bad `externals:` input: each problem at its line and column, exit 2.
#[test]
fn bad_externals_input_is_a_positioned_error_and_exit_2() {
    let cases = [
        ("  api.stripe.com: {serviceTim: 80ms}\n", "unknown field `serviceTim`", 17, "serviceTime"),
        ("  API_Stripe: {serviceTime: 80ms}\n", "Invalid value: \"API_Stripe\"", 17, "api.example.com"),
        ("  api.stripe.com: {down: [{from: 15m, to: 10m}]}\n", "`to` must be after `from`", 17, ""),
        ("  api.stripe.com: {availability: 1.5}\n", "1.5 is not a probability", 17, ""),
        ("  api.stripe.com: {queue: 10}\n", "a queue needs a `concurrency`", 17, "concurrency: N"),
    ];
    for (entry, phrase, line, help) in cases {
        let text = payments("api.stripe.com", &format!("externals:\n{entry}"));
        let Err(diags) = kubesim::load_str(std::path::Path::new("inline.yaml"), &text, &[]) else {
            panic!("{entry} loaded")
        };
        let d = &diags[0];
        assert!(d.message.contains(phrase), "{entry}: {d}");
        assert_eq!(d.line, Some(line), "{entry}: {d}");
        assert!(d.column.is_some(), "{entry}: {d}");
        assert!(d.to_string().contains(help), "{entry}: help {help:?} in {d}");
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bad-externals.yaml");
    std::fs::write(&path, payments("api.stripe.com", "externals:\n  api.stripe.com: {latency: 20}\n")).expect("write");
    let out = kubesim_output(&["validate", path.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("bad-externals.yaml:17:"), "{stderr}");
    assert!(stderr.contains("a unit is required"), "{stderr}");
}

#[test]
fn the_external_api_example_loses_only_its_payments_during_the_providers_outage() {
    let (_, o) = crate::support::run("scenarios/external-api.yaml", &[]);
    let t = &o.metrics.traffic;
    let unreachable = failures(&o, Failure::ExternalUnreachable) as f64;
    // 10 requests a second (Poisson) for the 120 s of the outage: within 4 sigma of 1,200.
    assert!((unreachable - 1_200.0).abs() < 4.0 * 1_200.0f64.sqrt(), "{unreachable}: {:?}", t.failures);
    assert_eq!(t.total.errors, unreachable as u64 + failures(&o, Failure::Http5xx), "{:?}", t.failures);
    let shop = t.services.iter().find(|s| s.name == "shop").expect("shop");
    assert_eq!(shop.run.errors, 0, "the shop's own pages are untouched");
    // Payments' errors beyond the odd 5xx (errorRate 0.002) all come between 6m and 8m.
    for (at, _, errors, _) in samples(&o, "payments") {
        let down = at > 360.0 && at <= 480.0;
        assert!(down || errors <= 2.0, "{errors} errors at {at}s");
        assert!(!down || errors >= 20.0, "only {errors} errors at {at}s, in the outage");
    }
}
