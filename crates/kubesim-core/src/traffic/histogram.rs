//! A latency histogram over whole microseconds with log-linear buckets, as HdrHistogram
//! lays them out: values below 256 each have their own bucket; above, every power of two is
//! cut into 128 equal buckets. A bucket is then at most 1/128 of its lower bound wide, and a
//! percentile reported at the bucket's middle is within 0.4% of the true value (1% is the
//! contract). Counting is O(1), merging is adding counts, and the result is independent of
//! the order of recording.

use crate::engine::SimDuration;

/// Buckets per power of two above the exact range (7 bits of precision).
const SUB_BUCKET_BITS: u32 = 7;
const SUB_BUCKETS: u64 = 1 << SUB_BUCKET_BITS;
/// Values below this each have their own bucket.
const EXACT_BELOW: u64 = 2 * SUB_BUCKETS;

/// Counts of latencies, in microseconds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Histogram {
    /// Grows to the highest bucket used (at most 7,424 entries for u64::MAX).
    counts: Vec<u64>,
    count: u64,
    sum: u128,
    min: u64,
    max: u64,
}

/// The bucket a value falls in.
fn bucket_of(value: u64) -> usize {
    if value < EXACT_BELOW {
        return value as usize;
    }
    let magnitude = 63 - value.leading_zeros(); // at least 8
    let shift = magnitude - SUB_BUCKET_BITS;
    let top = value >> shift; // in 128..256
    (EXACT_BELOW + (magnitude as u64 - 8) * SUB_BUCKETS + (top - SUB_BUCKETS)) as usize
}

/// The middle of the bucket `value` falls in: what a percentile reports for a value of
/// that rank (before clamping to the extremes).
pub(super) fn bucket_middle(value: u64) -> u64 {
    let (low, width) = bucket_range(bucket_of(value));
    low + (width - 1) / 2
}

/// The smallest value of a bucket, and its width.
fn bucket_range(index: usize) -> (u64, u64) {
    let index = index as u64;
    if index < EXACT_BELOW {
        return (index, 1);
    }
    let above = index - EXACT_BELOW;
    let magnitude = above / SUB_BUCKETS + 8;
    let shift = magnitude - SUB_BUCKET_BITS as u64;
    let top = above % SUB_BUCKETS + SUB_BUCKETS;
    (top << shift, 1 << shift)
}

impl Histogram {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn record(&mut self, micros: u64) {
        self.record_n(micros, 1);
    }

    pub fn record_duration(&mut self, latency: SimDuration) {
        self.record(latency.0);
    }

    /// Records `n` requests of the same latency.
    pub fn record_n(&mut self, micros: u64, n: u64) {
        if n == 0 {
            return;
        }
        let bucket = bucket_of(micros);
        if bucket >= self.counts.len() {
            self.counts.resize(bucket + 1, 0);
        }
        self.counts[bucket] += n;
        self.min = if self.count == 0 { micros } else { self.min.min(micros) };
        self.max = self.max.max(micros);
        self.count += n;
        self.sum += micros as u128 * n as u128;
    }

    /// Records values given in ascending order: the same as `record` of each, with one
    /// update of the totals and the buckets walked front to back.
    pub fn record_sorted(&mut self, values: &[u64]) {
        let (Some(&first), Some(&last)) = (values.first(), values.last()) else { return };
        debug_assert!(values.windows(2).all(|w| w[0] <= w[1]), "values out of order");
        let top = bucket_of(last);
        if top >= self.counts.len() {
            self.counts.resize(top + 1, 0);
        }
        let mut sum = 0u128;
        for &v in values {
            self.counts[bucket_of(v)] += 1;
            sum += u128::from(v);
        }
        self.min = if self.count == 0 { first } else { self.min.min(first) };
        self.max = self.max.max(last);
        self.count += values.len() as u64;
        self.sum += sum;
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The exact smallest and largest values recorded.
    pub fn min(&self) -> Option<u64> {
        (self.count > 0).then_some(self.min)
    }

    pub fn max(&self) -> Option<u64> {
        (self.count > 0).then_some(self.max)
    }

    /// The exact mean, in microseconds.
    pub fn mean(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum as f64 / self.count as f64)
    }

    /// The `p`-th percentile (0..=100) by nearest rank: the smallest recorded value with at
    /// least p% of the values at or below it; within 1% of it (exact below 256µs, and at
    /// the minimum and maximum). None when empty.
    pub fn percentile(&self, p: f64) -> Option<u64> {
        if self.count == 0 {
            return None;
        }
        let rank = ((p.clamp(0.0, 100.0) / 100.0 * self.count as f64).ceil() as u64).clamp(1, self.count);
        // The extremes are known exactly; a bucket's middle would be up to 0.4% off.
        if rank == 1 {
            return Some(self.min);
        }
        if rank == self.count {
            return Some(self.max);
        }
        let mut seen = 0;
        let first = bucket_of(self.min);
        for (index, &c) in self.counts.iter().enumerate().skip(first) {
            seen += c;
            if seen >= rank {
                let (low, width) = bucket_range(index);
                let middle = low + (width - 1) / 2;
                return Some(middle.clamp(self.min, self.max));
            }
        }
        Some(self.max) // unreachable: the counts add up to `count`
    }

    /// `percentile` in milliseconds, as the output files print latencies.
    pub fn percentile_ms(&self, p: f64) -> Option<f64> {
        self.percentile(p).map(|us| us as f64 / 1e3)
    }

    /// Adds another histogram's counts: the same as having recorded its values here.
    pub fn merge(&mut self, other: &Histogram) {
        if other.count == 0 {
            return;
        }
        if other.counts.len() > self.counts.len() {
            self.counts.resize(other.counts.len(), 0);
        }
        // Only the buckets between the other's extremes can hold counts.
        let used = bucket_of(other.min)..bucket_of(other.max) + 1;
        for (mine, theirs) in self.counts[used.clone()].iter_mut().zip(&other.counts[used]) {
            *mine += theirs;
        }
        self.min = if self.count == 0 { other.min } else { self.min.min(other.min) };
        self.max = self.max.max(other.max);
        self.count += other.count;
        self.sum += other.sum;
    }

    /// Forgets everything (for per-sample-interval histograms), keeping the allocation.
    pub fn clear(&mut self) {
        if self.count > 0 {
            let used = bucket_of(self.min)..bucket_of(self.max) + 1;
            self.counts[used].iter_mut().for_each(|c| *c = 0);
        }
        self.count = 0;
        self.sum = 0;
        self.min = 0;
        self.max = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Purpose, Stream};
    use crate::traffic::distribution::ServiceTime;

    fn nearest_rank(sorted: &[u64], p: f64) -> u64 {
        let rank = ((p / 100.0 * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
        sorted[rank - 1]
    }

    fn assert_within_1_percent(got: u64, want: u64, what: &str) {
        let error = (got as f64 - want as f64).abs() / want.max(1) as f64;
        assert!(error <= 0.01, "{what}: histogram says {got}, exact {want} ({:.3}% off)", error * 100.0);
    }

    #[test]
    fn buckets_tile_the_whole_range_without_gaps() {
        let mut expected_low = 0u64;
        for index in 0..bucket_of(u64::MAX) + 1 {
            let (low, width) = bucket_range(index);
            assert_eq!(low, expected_low, "bucket {index}");
            assert_eq!(bucket_of(low), index);
            assert_eq!(bucket_of(low + (width - 1)), index);
            assert!(width == 1 || width as f64 / low as f64 <= 1.0 / 128.0);
            expected_low = low.wrapping_add(width);
        }
        assert_eq!(expected_low, 0, "the last bucket ends at u64::MAX");
        assert_eq!(bucket_of(u64::MAX), 7_423);
    }

    #[test]
    fn percentiles_are_within_1_percent_of_exact_sorted_percentiles() {
        // A long-tailed mix over five decades: lognormal 2ms/200ms plus a few small values.
        let dist = ServiceTime::lognormal(SimDuration::from_millis(2), SimDuration::from_millis(200)).unwrap();
        let mut stream = Stream::new(17, Purpose::Containers);
        let mut values: Vec<u64> = (0..50_000).map(|_| dist.sample(&mut stream).0).collect();
        values.extend((0..500).map(|_| stream.below(300) as u64));
        let mut h = Histogram::new();
        values.iter().for_each(|&v| h.record(v));
        values.sort_unstable();
        for p in [0.0, 1.0, 10.0, 25.0, 50.0, 75.0, 90.0, 95.0, 99.0, 99.9, 99.99, 100.0] {
            assert_within_1_percent(h.percentile(p).unwrap(), nearest_rank(&values, p), &format!("p{p}"));
        }
        assert_eq!(h.percentile(0.0), values.first().copied(), "p0 is the exact minimum");
        assert_eq!(h.percentile(100.0), values.last().copied(), "p100 is the exact maximum");
        assert_eq!(h.count(), values.len() as u64);
        assert_eq!(h.min(), values.first().copied());
        assert_eq!(h.max(), values.last().copied());
        let exact_mean = values.iter().map(|&v| v as u128).sum::<u128>() as f64 / values.len() as f64;
        assert_eq!(h.mean(), Some(exact_mean));
    }

    #[test]
    fn small_values_are_exact() {
        let mut h = Histogram::new();
        for v in [3, 3, 7, 100, 255] {
            h.record(v);
        }
        assert_eq!(h.percentile(0.0), Some(3));
        assert_eq!(h.percentile(40.0), Some(3));
        assert_eq!(h.percentile(50.0), Some(7));
        assert_eq!(h.percentile(80.0), Some(100));
        assert_eq!(h.percentile(100.0), Some(255));
    }

    #[test]
    fn merging_is_the_same_as_recording_everything_in_one() {
        let mut stream = Stream::new(5, Purpose::Containers);
        let values: Vec<u64> = (0..10_000).map(|_| stream.below(5_000_000) as u64).collect();
        let (mut a, mut b, mut all) = (Histogram::new(), Histogram::new(), Histogram::new());
        for (i, &v) in values.iter().enumerate() {
            if i % 3 == 0 { &mut a } else { &mut b }.record(v);
            all.record(v);
        }
        a.merge(&b);
        assert_eq!(a, all);
        let mut empty = Histogram::new();
        empty.merge(&all);
        assert_eq!(empty, all);
        all.merge(&Histogram::new());
        assert_eq!(empty, all);
    }

    #[test]
    fn an_empty_histogram_has_no_percentiles_and_clear_empties() {
        let mut h = Histogram::new();
        assert_eq!(h.percentile(50.0), None);
        assert_eq!(h.mean(), None);
        h.record_duration(SimDuration::from_millis(12));
        h.record_n(40_000, 3);
        assert_eq!(h.count(), 4);
        assert_within_1_percent(h.percentile(50.0).unwrap(), 40_000, "p50");
        assert_eq!(h.percentile_ms(0.0), Some(12.0));
        h.clear();
        assert_eq!(h, Histogram { counts: h.counts.clone(), ..Histogram::default() });
        assert!(h.is_empty());
    }
}
