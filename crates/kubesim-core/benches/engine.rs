//! The event kernel alone: how many events per second `Kernel` can pop and reschedule.
//!
//! A steady state (the "hold" model): the kernel starts with `pending` events at random
//! times; each step pops the earliest event and schedules one at a random later time, so the
//! heap keeps its size. One element is one pop plus one push. The events are the simulator's
//! own `kubesim_core::sim::Event`, so the heap entries have their real size. Delays come from a
//! seeded ChaCha8 stream; the `rng_only` benchmark measures drawing them alone, to subtract.
//!
//!   cargo bench --bench engine
//!
//! Figures: benches/RESULTS.md.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use kubesim_core::engine::{Kernel, SimDuration, SimTime};
use kubesim_core::sim::Event;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::hint::black_box;
use std::time::Duration;

/// Pop+push pairs per timed iteration.
const STEPS: u64 = 1_000;
/// Delays are uniform in 1 µs ..= 1 s, the span of the simulator's own timers.
const MAX_DELAY_US: u64 = 1_000_000;

fn filled_kernel(pending: usize, rng: &mut ChaCha8Rng) -> Kernel<Event> {
    let mut kernel = Kernel::new();
    for i in 0..pending {
        kernel.schedule_at(SimTime(rng.random_range(0..MAX_DELAY_US)), Event::Timeline(i));
    }
    kernel
}

fn steady_state(c: &mut Criterion) {
    let mut group = c.benchmark_group("kernel_hold");
    group.sample_size(20).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(4));
    group.throughput(Throughput::Elements(STEPS));
    for pending in [1_000usize, 1_000_000] {
        let mut rng = ChaCha8Rng::seed_from_u64(42);
        let mut kernel = filled_kernel(pending, &mut rng);
        group.bench_with_input(BenchmarkId::new("pop_push", pending), &pending, |b, &pending| {
            b.iter(|| {
                for _ in 0..STEPS {
                    let event = kernel.step_until(SimTime::MAX).expect("the heap never empties");
                    let delay = SimDuration::from_micros(rng.random_range(1..=MAX_DELAY_US));
                    kernel.schedule_in(delay, black_box(event));
                }
            });
            assert_eq!(kernel.pending(), pending, "the heap size must stay constant");
        });
    }
    group.finish();
}

/// The cost of drawing the delays alone, included in `kernel_hold`.
fn rng_only(c: &mut Criterion) {
    let mut group = c.benchmark_group("kernel_hold");
    group.sample_size(20).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(2));
    group.throughput(Throughput::Elements(STEPS));
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    group.bench_function("rng_only", |b| {
        b.iter(|| {
            for _ in 0..STEPS {
                black_box(rng.random_range(1..=MAX_DELAY_US));
            }
        });
    });
    group.finish();
}

criterion_group!(benches, steady_state, rng_only);
criterion_main!(benches);
