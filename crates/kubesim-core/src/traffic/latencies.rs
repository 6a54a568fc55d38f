//! Latencies of one span (a sample interval, a run): the values themselves while there are
//! few, a [`Histogram`] beyond.
//!
//! Why: at a few requests per second per Service and hundreds of Services, a request's
//! latency recorded straight into its Service's histogram lands in a bucket anywhere in a
//! 12 KB array that nothing else touched since the Service's last request, a cache miss per
//! request. Appended to a short list instead, it lands next to the previous value. The
//! list is sorted when percentiles are read, and joins a histogram (the run's) in bucket
//! order at the end of the interval.
//!
//! Which form holds the values never shows: a percentile of the values is the histogram's
//! percentile of the same values (the extremes exactly, otherwise the middle of the bucket
//! holding the value of that rank, clamped to the extremes), and a histogram that takes the
//! values one by one ends up the same as one that merged a histogram of them.

use super::histogram::{bucket_middle, Histogram};
use crate::engine::SimDuration;

/// Values kept as such before they move to a histogram: 2 KB per span at most.
pub const EXACT_VALUES: usize = 256;

#[derive(Clone, Debug, Default)]
pub struct Latencies {
    /// The values, while `histogram` is empty; in ascending order when `sorted`.
    values: Vec<u64>,
    sorted: bool,
    /// Every value once there were more than `EXACT_VALUES` (then `values` is empty).
    histogram: Histogram,
}

impl Latencies {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn record(&mut self, micros: u64) {
        if !self.histogram.is_empty() {
            self.histogram.record(micros);
        } else if self.values.len() < EXACT_VALUES {
            self.sorted = self.values.is_empty() || (self.sorted && self.values.last().is_some_and(|&l| l <= micros));
            self.values.push(micros);
        } else {
            self.spill();
            self.histogram.record(micros);
        }
    }

    pub fn record_duration(&mut self, latency: SimDuration) {
        self.record(latency.0);
    }

    /// Moves the values into the histogram (in ascending order, so the buckets are walked
    /// once, front to back).
    fn spill(&mut self) {
        self.sort();
        self.histogram.record_sorted(&self.values);
        self.values.clear();
    }

    /// Puts the values in ascending order (percentiles then need no copy).
    pub fn sort(&mut self) {
        if !self.sorted {
            self.values.sort_unstable();
            self.sorted = true;
        }
    }

    pub fn count(&self) -> u64 {
        if self.histogram.is_empty() {
            self.values.len() as u64
        } else {
            self.histogram.count()
        }
    }

    pub fn is_empty(&self) -> bool {
        self.count() == 0
    }

    /// The exact mean, in microseconds (as `Histogram::mean`).
    pub fn mean(&self) -> Option<f64> {
        if !self.histogram.is_empty() {
            return self.histogram.mean();
        }
        let sum: u128 = self.values.iter().map(|&v| u128::from(v)).sum();
        (!self.values.is_empty()).then(|| sum as f64 / self.values.len() as f64)
    }

    /// `Histogram::percentile` of the values recorded.
    pub fn percentile(&self, p: f64) -> Option<u64> {
        if !self.histogram.is_empty() {
            return self.histogram.percentile(p);
        }
        if self.sorted {
            return percentile_of_sorted(&self.values, p);
        }
        let mut values = self.values.clone();
        values.sort_unstable();
        percentile_of_sorted(&values, p)
    }

    /// `percentile` in milliseconds, as the output files print latencies.
    pub fn percentile_ms(&self, p: f64) -> Option<f64> {
        self.percentile(p).map(|us| us as f64 / 1e3)
    }

    /// Adds `other`'s values: the same as having recorded them here.
    pub fn merge(&mut self, other: &Latencies) {
        if !other.histogram.is_empty() {
            if !self.values.is_empty() {
                self.spill();
            }
            self.histogram.merge(&other.histogram);
        } else if self.histogram.is_empty() && self.values.len() + other.values.len() <= EXACT_VALUES {
            let sorted = self.sorted
                && other.sorted
                && match (self.values.last(), other.values.first()) {
                    (Some(a), Some(b)) => a <= b,
                    _ => true,
                };
            self.values.extend_from_slice(&other.values);
            self.sorted = sorted || self.values.len() <= 1;
        } else {
            if !self.values.is_empty() {
                self.spill();
            }
            if other.sorted {
                self.histogram.record_sorted(&other.values);
            } else {
                other.values.iter().for_each(|&v| self.histogram.record(v));
            }
        }
    }

    /// Forgets everything, keeping the memory.
    pub fn clear(&mut self) {
        self.values.clear();
        self.sorted = true;
        self.histogram.clear();
    }
}

/// `Histogram::percentile` of `sorted` (ascending): by nearest rank, the extremes exactly,
/// otherwise the middle of the bucket holding the value of that rank, clamped to the
/// extremes.
fn percentile_of_sorted(sorted: &[u64], p: f64) -> Option<u64> {
    let (&min, &max) = (sorted.first()?, sorted.last()?);
    let count = sorted.len() as u64;
    let rank = ((p.clamp(0.0, 100.0) / 100.0 * count as f64).ceil() as u64).clamp(1, count);
    if rank == 1 {
        return Some(min);
    }
    if rank == count {
        return Some(max);
    }
    Some(bucket_middle(sorted[rank as usize - 1]).clamp(min, max))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Purpose, Stream};
    use crate::traffic::distribution::ServiceTime;

    const PS: [f64; 14] = [0.0, 0.1, 1.0, 10.0, 25.0, 50.0, 75.0, 90.0, 95.0, 99.0, 99.9, 99.99, 99.999, 100.0];

    fn assert_same(l: &Latencies, h: &Histogram, what: &str) {
        assert_eq!(l.count(), h.count(), "{what}: count");
        assert_eq!(l.mean(), h.mean(), "{what}: mean");
        for p in PS {
            assert_eq!(l.percentile(p), h.percentile(p), "{what}: p{p}");
        }
    }

    fn values(seed: u64, n: usize) -> Vec<u64> {
        let dist = ServiceTime::lognormal(SimDuration::from_millis(2), SimDuration::from_millis(200)).unwrap();
        let mut stream = Stream::new(seed, Purpose::Containers);
        (0..n)
            .map(|i| match i % 7 {
                0 => stream.below(300) as u64,
                1 => 1_000, // repeated values
                _ => dist.sample(&mut stream).0,
            })
            .collect()
    }

    #[test]
    fn percentiles_are_the_histograms_whatever_the_form() {
        for n in [0, 1, 2, 3, 5, 60, 255, 256, 257, 1_000, 5_000] {
            let vs = values(n as u64, n);
            let (mut l, mut h) = (Latencies::new(), Histogram::new());
            vs.iter().for_each(|&v| {
                l.record(v);
                h.record(v);
            });
            assert_same(&l, &h, &format!("{n} values, unsorted"));
            l.sort();
            assert_same(&l, &h, &format!("{n} values, sorted"));
        }
    }

    #[test]
    fn merging_is_the_same_as_recording_everything_in_one() {
        // Spans of many sizes merged into one run, as the intervals join the run's.
        let sizes = [0usize, 3, 60, 1, 250, 256, 0, 300, 7, 60, 60, 2_000, 1];
        let (mut run, mut h) = (Latencies::new(), Histogram::new());
        let mut interval = Latencies::new();
        for (k, &n) in sizes.iter().enumerate() {
            for v in values(100 + k as u64, n) {
                interval.record(v);
                h.record(v);
            }
            if k % 2 == 0 {
                interval.sort();
            }
            run.merge(&interval);
            assert_same(&run, &h, &format!("after span {k}"));
            interval.clear();
            assert!(interval.is_empty() && interval.percentile(50.0).is_none());
        }
    }

    #[test]
    fn values_in_order_need_no_sort_and_few_values_stay_values() {
        let mut l = Latencies::new();
        for v in [5, 5, 9, 12] {
            l.record(v);
        }
        assert!(l.sorted && l.histogram.is_empty());
        l.record(1);
        assert!(!l.sorted);
        assert_eq!(l.percentile(0.0), Some(1));
        assert_eq!(l.percentile(50.0), Some(5));
        assert_eq!(l.percentile_ms(100.0), Some(0.012));
        for v in 0..EXACT_VALUES as u64 {
            l.record(v);
        }
        assert!(l.values.is_empty() && l.histogram.count() == EXACT_VALUES as u64 + 5, "spilled");
    }
}
