//! Requests: each counted once, as a success or a failure, through rollouts, crashes, scales
//! and node failures.

use super::*;

/// A Deployment behind a Service under constant traffic, with a rollout to an image that
/// may crash, a scale and node failures at random times.
#[derive(Clone, Debug)]
struct TrafficCase {
    seed: u64,
    duration_s: u64,
    replicas: u32,
    concurrency: u32,
    service_ms: u64,
    rate_per_s: u64,
    timeout_ms: u64,
    crash_on_start: f64,
    /// (time in seconds, timeline action as YAML).
    timeline: Vec<(u64, String)>,
}

impl TrafficCase {
    fn yaml(&self) -> String {
        let mut timeline = String::new();
        for (at, action) in &self.timeline {
            timeline.push_str(&format!("  - at: {at}s\n    {action}\n"));
        }
        format!(
            "name: counted\nseed: {seed}\nduration: {d}s\nsample: 5s\n\
             cluster:\n  nodes: [{{name: worker, count: 3, capacity: {{cpu: '4', memory: 8Gi, pods: 110}}}}]\n\
             images:\n  web:1: {{pull: 1s, start: 1s, readyAfter: 1s, concurrency: {c}, serviceTime: {{exponential: {s}ms}}}}\n  \
             web:2: {{pull: 1s, start: 1s, readyAfter: 1s, concurrency: {c}, serviceTime: {{exponential: {s}ms}}, crashOnStart: {x}}}\n\
             objects:\n  - apiVersion: apps/v1\n    kind: Deployment\n    metadata: {{name: web}}\n    spec:\n      \
             replicas: {r}\n      selector: {{matchLabels: {{app: web}}}}\n      template:\n        \
             metadata: {{labels: {{app: web}}}}\n        spec:\n          containers:\n            - name: web\n              \
             image: web:1\n              ports: [{{containerPort: 8080}}]\n              \
             resources: {{requests: {{cpu: 250m, memory: 128Mi}}}}\n              \
             readinessProbe: {{httpGet: {{path: /, port: 8080}}, periodSeconds: 1}}\n  \
             - apiVersion: v1\n    kind: Service\n    metadata: {{name: web}}\n    \
             spec: {{selector: {{app: web}}, ports: [{{port: 80, targetPort: 8080}}]}}\n\
             traffic:\n  - target: service/web\n    rate: {rate}/s\n    arrival: constant\n    timeout: {t}ms\n\
             timeline:\n{timeline}",
            seed = self.seed,
            d = self.duration_s,
            c = self.concurrency,
            s = self.service_ms,
            x = self.crash_on_start,
            r = self.replicas,
            rate = self.rate_per_s,
            t = self.timeout_ms,
        )
    }
}

fn traffic_case() -> impl Strategy<Value = TrafficCase> {
    let action = prop_oneof![
        Just("run: kubectl set image deployment/web web=web:2".to_string()),
        (0..=6u32).prop_map(|n| format!("run: kubectl scale deployment/web --replicas={n}")),
        (1..=3u32).prop_map(|n| format!("fail: node/worker-{n}")),
        (1..=3u32).prop_map(|n| format!("recover: node/worker-{n}")),
    ];
    (
        (any::<u64>(), 20..=120u64, 0..=5u32, 1..=10u32, 1..=300u64),
        (1..=60u64, 50..=3000u64, 0..=3u32),
        proptest::collection::vec((0..=120u64, action), 0..=4),
    )
        .prop_map(
            |((seed, duration_s, replicas, concurrency, service_ms), (rate, timeout_ms, crash), timeline)| {
                let timeline = timeline.into_iter().map(|(at, a)| (at.min(duration_s), a)).collect();
                TrafficCase {
                    seed,
                    duration_s,
                    replicas,
                    concurrency,
                    service_ms,
                    rate_per_s: rate,
                    timeout_ms,
                    crash_on_start: f64::from(crash) / 10.0,
                    timeline,
                }
            },
        )
}

proptest! {
    #![proptest_config(config())]

    /// Property: every request sent is counted once, as a success or a failure. A constant
    /// source at `rate`/s sends `rate x duration` requests; all but those still open at the
    /// end (at most `rate x timeout`, plus the timeout timer's millisecond) are counted, none
    /// twice; the failures by reason add up to the errors, and the Service's counts to the
    /// total.
    #[test]
    fn every_request_is_counted_once_as_a_success_or_a_failure(case in traffic_case()) {
        let loaded = kubesim::load_str(std::path::Path::new("counted.yaml"), &case.yaml(), &[])
            .map_err(|d| TestCaseError::fail(format!("{d:?}\n{}", case.yaml())))?;
        let outcome = kubesim::simulate(&loaded.scenario, None);
        let t = &outcome.metrics.traffic;
        let sent = case.rate_per_s * case.duration_s;
        let open_max = (case.rate_per_s * (case.timeout_ms + 2)).div_ceil(1000) + 1;
        prop_assert!(t.total.requests <= sent, "{} counted, {sent} sent", t.total.requests);
        prop_assert!(
            t.total.requests + open_max >= sent,
            "{} counted of {sent} sent: more than {open_max} lost", t.total.requests
        );
        prop_assert_eq!(t.failures.values().sum::<u64>(), t.total.errors, "failures by reason vs errors");
        prop_assert!(t.total.errors <= t.total.requests);
        let by_service: u64 = t.services.iter().map(|s| s.run.requests).sum();
        prop_assert!(by_service <= t.total.requests, "services count {by_service} > total {}", t.total.requests);
        let errors_by_service: u64 = t.services.iter().map(|s| s.run.errors).sum();
        prop_assert!(errors_by_service <= t.total.errors);
    }
}
