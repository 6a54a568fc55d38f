//! Scheduling throughput: virtual placements per wall second at 100, 1,000 and 5,000 nodes.
//!
//! Each run creates a 1,000-replica Deployment on an empty cluster and simulates the first
//! 200 ms: the ReplicaSet controller creates the pods, the scheduler filters and scores
//! (percentageOfNodesToScore applies) and binds every one. Throughput is pods placed.
//!
//!   cargo bench --bench scheduler

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::path::Path;
use std::time::Duration;

const PODS: u64 = 1_000;

fn scenario(nodes: u32) -> kubesim::Scenario {
    let text = format!(
        "name: schedule-{nodes}
duration: 200ms
cluster:
  nodes:
    - {{name: node, count: {nodes}, capacity: {{cpu: '32', memory: 128Gi, pods: 110}}, labels: {{topology.kubernetes.io/zone: zone-a}}}}
objects:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {{name: web}}
    spec:
      replicas: {PODS}
      selector: {{matchLabels: {{app: web}}}}
      template:
        metadata: {{labels: {{app: web}}}}
        spec:
          containers: [{{name: web, image: 'web:1', resources: {{requests: {{cpu: 100m, memory: 128Mi}}}}}}]
"
    );
    match kubesim::load_str(Path::new("bench.yaml"), &text, &[]) {
        Ok(l) => l.scenario,
        Err(d) => panic!("{d:?}"),
    }
}

fn scheduling(c: &mut Criterion) {
    let mut group = c.benchmark_group("schedule_pods");
    group.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(5));
    for nodes in [100u32, 1_000, 5_000] {
        let s = scenario(nodes);
        let placed = kubesim::simulate(&s, None).store.pods.iter().filter(|p| p.node.is_some()).count() as u64;
        assert_eq!(placed, PODS, "every pod is placed within the window");
        group.throughput(Throughput::Elements(PODS));
        group.bench_with_input(BenchmarkId::from_parameter(nodes), &s, |b, s| b.iter(|| kubesim::simulate(s, None)));
    }
    group.finish();
}

criterion_group!(benches, scheduling);
criterion_main!(benches);
