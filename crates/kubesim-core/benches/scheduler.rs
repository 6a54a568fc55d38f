//! Scheduling throughput: virtual placements per wall second at 100, 1,000 and 5,000 nodes.
//!
//! `schedule_pods/N` is the whole `simulate`: each run creates the N nodes, a 1,000-replica
//! Deployment on the empty cluster, and simulates the first 200 ms: the ReplicaSet
//! controller creates the pods, the scheduler filters and scores (percentageOfNodesToScore
//! applies) and binds every one; then the outcome is dropped. Throughput is pods placed.
//!
//! `setup_only/N` is the same scenario with 0 replicas: creating and dropping the N nodes
//! (and the empty Deployment) and nothing else. It is the part of `schedule_pods/N` that
//! does not depend on the pods, so placement alone costs the difference:
//! pods placed per second by the scheduler = 1,000 / (schedule_pods/N - setup_only/N).
//! `place_pods/N` measures that difference directly, iteration by iteration, so its
//! throughput line is the scheduler's pods per second. benches/RESULTS.md reports them.
//!
//!   cargo bench --bench scheduler

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

const PODS: u64 = 1_000;

fn scenario(nodes: u32, replicas: u64) -> kubesim_core::Scenario {
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
      replicas: {replicas}
      selector: {{matchLabels: {{app: web}}}}
      template:
        metadata: {{labels: {{app: web}}}}
        spec:
          containers: [{{name: web, image: 'web:1', resources: {{requests: {{cpu: 100m, memory: 128Mi}}}}}}]
"
    );
    match kubesim_core::load_str(Path::new("bench.yaml"), &text, &[], &kubesim_core::NoFiles) {
        Ok(l) => l.scenario,
        Err(d) => panic!("{d:?}"),
    }
}

fn scheduling(c: &mut Criterion) {
    let mut group = c.benchmark_group("schedule_pods");
    group.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(5));
    for nodes in [100u32, 1_000, 5_000] {
        let s = scenario(nodes, PODS);
        let placed = kubesim_core::simulate(&s, None).store.pods.iter().filter(|p| p.node.is_some()).count() as u64;
        assert_eq!(placed, PODS, "every pod is placed within the window");
        group.throughput(Throughput::Elements(PODS));
        group.bench_with_input(BenchmarkId::from_parameter(nodes), &s, |b, s| {
            b.iter(|| kubesim_core::simulate(s, None))
        });
    }
    group.finish();
    let mut group = c.benchmark_group("setup_only");
    group.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(5));
    for nodes in [100u32, 1_000, 5_000] {
        let s = scenario(nodes, 0);
        group.bench_with_input(BenchmarkId::from_parameter(nodes), &s, |b, s| {
            b.iter(|| kubesim_core::simulate(s, None))
        });
    }
    group.finish();
    // Placement alone, measured directly: each iteration times the whole run and the same
    // cluster with no pods, one after the other, and counts the difference, so criterion's
    // throughput line is the scheduler's pods per second.
    let mut group = c.benchmark_group("place_pods");
    group.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(8));
    for nodes in [100u32, 1_000, 5_000] {
        let (full, empty) = (scenario(nodes, PODS), scenario(nodes, 0));
        group.throughput(Throughput::Elements(PODS));
        group.bench_function(BenchmarkId::from_parameter(nodes), |b| {
            b.iter_custom(|iters| {
                let mut placing = Duration::ZERO;
                for _ in 0..iters {
                    let started = Instant::now();
                    black_box(kubesim_core::simulate(&full, None));
                    let whole = started.elapsed();
                    let started = Instant::now();
                    black_box(kubesim_core::simulate(&empty, None));
                    placing += whole.saturating_sub(started.elapsed());
                }
                placing
            });
        });
    }
    group.finish();
}

criterion_group!(benches, scheduling);
criterion_main!(benches);
