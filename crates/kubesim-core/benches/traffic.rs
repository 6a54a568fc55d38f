//! The traffic path: simulated requests per wall second.
//!
//! Ten pods (100 workers each, exponential service time with a 10 ms mean) behind one
//! Service take Poisson traffic at 20,000 requests/s for 60 s of virtual time: 1.2 million
//! requests, each an arrival, a kube-proxy pick, a server admission and a completion, counted
//! once. The loop times `simulate` only; throughput is the requests the run counted.
//!
//! `calls`: the same, with each request calling a second Service of ten pods once before it
//! answers (10,000 requests/s for 60 s: 600,000 requests and 600,000 calls), so that the cost
//! of a call can be set beside the cost of a request.
//!
//!   cargo bench --bench traffic
//!
//! Figures: benches/RESULTS.md.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use kubesim_core::engine::SimDuration;
use kubesim_core::model::spec::*;
use kubesim_core::traffic::{ArrivalProcess, Rate, RateProfile, ServiceTime};
use std::path::Path;
use std::time::Duration;

const RATE: u64 = 20_000;

fn scenario() -> kubesim_core::Scenario {
    let text = "name: traffic
duration: 65s
cluster:
  nodes:
    - {name: node, count: 4, capacity: {cpu: '32', memory: 128Gi, pods: 110}}
images:
  web:1: {pull: 1s, start: 0s, concurrency: 100}
objects:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      replicas: 10
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec:
          containers: [{name: web, image: 'web:1', resources: {requests: {cpu: 100m, memory: 128Mi}}}]
";
    let mut s = match kubesim_core::load_str(Path::new("bench.yaml"), text, &[], &kubesim_core::NoFiles) {
        Ok(l) => l.scenario,
        Err(d) => panic!("{d:?}"),
    };
    if let Some(image) = s.images.get_mut("web:1") {
        image.service_time = ServiceTime::exponential(SimDuration::from_millis(10));
    }
    let selector: Labels = [("app".to_string(), "web".to_string())].into();
    s.objects.push(Object {
        id: ObjectRef { kind: Kind::Service, namespace: "default".into(), name: "web".into() },
        spec: ObjectSpec::Service {
            labels: Labels::new(),
            spec: ServiceSpec {
                service_type: ServiceType::ClusterIP,
                selector: Some(selector),
                ports: vec![ServicePort { name: None, port: 80, target_port: TargetPort::Number(80) }],
                session_affinity: None,
                external_name: None,
            },
        },
    });
    // From 5s, when every pod serves, for 60s.
    let rate = Rate::per(RATE, SimDuration::from_secs(1));
    s.traffic.push(TrafficSpec {
        target: TrafficTarget::Service { namespace: "default".into(), name: "web".into() },
        path: "/".into(),
        host: None,
        rate: RateProfile::steps(vec![(kubesim_core::engine::SimTime::ZERO + SimDuration::from_secs(5), rate)]),
        arrival: ArrivalProcess::Poisson,
        timeout: SimDuration::from_secs(1),
        canary: Default::default(),
        clients: kubesim_core::model::spec::DEFAULT_CLIENTS,
    });
    s
}

fn traffic(c: &mut Criterion) {
    let s = scenario();
    let outcome = kubesim_core::simulate(&s, None);
    let t = &outcome.metrics.traffic;
    assert!(t.total.requests > RATE * 59, "about 1.2 million requests, got {}", t.total.requests);
    assert_eq!(t.total.errors, 0, "no request fails: {:?}", t.failures);
    let mut group = c.benchmark_group("traffic");
    group.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(8));
    group.throughput(Throughput::Elements(t.total.requests));
    group.bench_function("requests_20k_per_s_10_pods", |b| b.iter(|| kubesim_core::simulate(&s, None)));
    group.finish();
}

/// Ten `front` pods calling ten `back` pods once per request.
fn calls_scenario() -> kubesim_core::Scenario {
    let deployment = |name: &str| {
        format!(
            "
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {{name: {name}}}
    spec:
      replicas: 10
      selector: {{matchLabels: {{app: {name}}}}}
      template:
        metadata: {{labels: {{app: {name}}}}}
        spec:
          containers: [{{name: {name}, image: '{name}:1', resources: {{requests: {{cpu: 100m, memory: 128Mi}}}}}}]
  - apiVersion: v1
    kind: Service
    metadata: {{name: {name}}}
    spec: {{selector: {{app: {name}}}, ports: [{{port: 80}}]}}"
        )
    };
    let text = format!(
        "name: calls
duration: 65s
cluster:
  nodes:
    - {{name: node, count: 4, capacity: {{cpu: '32', memory: 128Gi, pods: 110}}}}
images:
  front:1: {{pull: 1s, start: 0s, concurrency: 100, serviceTime: {{exponential: 5ms}}, calls: [{{service: back, timeout: 1s}}]}}
  back:1: {{pull: 1s, start: 0s, concurrency: 100, serviceTime: {{exponential: 5ms}}}}
objects:{}{}
traffic:
  - {{target: service/front, rate: {{steps: [{{at: 5s, rate: 10000/s}}]}}, timeout: 2s}}
",
        deployment("front"),
        deployment("back")
    );
    match kubesim_core::load_str(Path::new("calls.yaml"), &text, &[], &kubesim_core::NoFiles) {
        Ok(l) => l.scenario,
        Err(d) => panic!("{d:?}"),
    }
}

fn calls(c: &mut Criterion) {
    let s = calls_scenario();
    let outcome = kubesim_core::simulate(&s, None);
    let t = &outcome.metrics.traffic;
    let calls: u64 = t.calls.edges.iter().map(|e| e.run.requests).sum();
    assert!(t.total.requests > 10_000 * 59, "about 600,000 requests, got {}", t.total.requests);
    assert_eq!(t.total.errors, 0, "no request fails: {:?}", t.failures);
    // One call per request; the calls of the last requests answered after the run's end are
    // counted, those requests not.
    assert!(
        calls.abs_diff(t.total.requests) < t.total.requests / 1000,
        "{calls} calls for {} requests",
        t.total.requests
    );
    let mut group = c.benchmark_group("traffic");
    group.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(8));
    group.throughput(Throughput::Elements(t.total.requests + calls));
    group.bench_function("requests_and_calls_10k_per_s", |b| b.iter(|| kubesim_core::simulate(&s, None)));
    group.finish();
}

criterion_group!(benches, traffic, calls);
criterion_main!(benches);
