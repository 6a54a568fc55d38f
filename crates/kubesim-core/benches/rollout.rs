//! Whole scenarios through the library: `kubesim_core::simulate` on a loaded scenario.
//!
//! Each scenario is loaded and validated once, outside the timing loop; the loop times the
//! simulation only (no output files). Throughput is the scenario's own event count, so
//! criterion reports simulated events per second next to the time of one run.
//!
//!   cargo bench --bench rollout
//!
//! Figures: benches/RESULTS.md.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::path::Path;
use std::time::Duration;

const SCENARIOS: [&str; 3] = [
    "scenarios/nginx-rolling-update.yaml",
    "scenarios/rolling-update-default.yaml",
    "scenarios/bench/rollout-1000.yaml",
];

fn rollouts(c: &mut Criterion) {
    let mut group = c.benchmark_group("simulate");
    group.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(4));
    for file in SCENARIOS {
        // The examples are the repository's, two folders up; none includes another file.
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(file);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let loaded = kubesim_core::load_str(&path, &text, &[], &kubesim_core::NoFiles)
            .unwrap_or_else(|d| panic!("{}: {d:?}", path.display()));
        let scenario = loaded.scenario;
        let events = kubesim_core::simulate(&scenario, None).events_processed;
        assert_eq!(kubesim_core::simulate(&scenario, None).events_processed, events, "{file}: not deterministic");
        group.throughput(Throughput::Elements(events));
        group.bench_with_input(BenchmarkId::from_parameter(&scenario.name), &scenario, |b, s| {
            b.iter(|| kubesim_core::simulate(s, None));
        });
    }
    group.finish();
}

criterion_group!(benches, rollouts);
criterion_main!(benches);
