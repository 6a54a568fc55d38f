//! Service-time distributions: how long one request keeps one worker of a pod busy.
//!
//! Samples are drawn as floats and rounded to whole microseconds, so the clock itself stays
//! integer. A sample is never below 1µs: a request that takes no time at all would let a
//! server complete work at the instant it arrives, which no real server does.

use crate::engine::{SimDuration, Stream};

/// The standard normal quantile at 0.99: a log-normal's p99 lies this many sigmas above its
/// median in log space.
const Z_99: f64 = 2.3263;

/// The shortest service time a sample can have.
const MIN_SAMPLE: SimDuration = SimDuration(1);

/// How long a pod takes to serve one request.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ServiceTime {
    /// Always the same time.
    Fixed(SimDuration),
    /// Memoryless, with this mean: the M in M/M/1.
    Exponential { mean: SimDuration },
    /// Long-tailed, as real services are; given by its median and 99th percentile.
    LogNormal(LogNormal),
}

/// A log-normal distribution described by the two figures people quote: p50 and p99.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LogNormal {
    p50: SimDuration,
    p99: SimDuration,
    /// ln of the median in microseconds.
    mu: f64,
    /// Spread in log space, from the ratio p99 / p50.
    sigma: f64,
}

/// Why a distribution could not be built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DistributionError {
    /// A log-normal needs a median of at least 1µs.
    ZeroMedian,
    /// A log-normal's p99 cannot be below its p50.
    P99BelowP50 { p50: SimDuration, p99: SimDuration },
}

impl std::fmt::Display for DistributionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DistributionError::ZeroMedian => write!(f, "a lognormal service time needs a p50 above zero"),
            DistributionError::P99BelowP50 { p50, p99 } => {
                write!(f, "a lognormal service time needs p99 ({p99}) at least p50 ({p50})")
            }
        }
    }
}

impl std::error::Error for DistributionError {}

impl LogNormal {
    /// mu = ln p50 and sigma = (ln p99 - ln p50) / z(0.99).
    pub fn from_percentiles(p50: SimDuration, p99: SimDuration) -> Result<Self, DistributionError> {
        if p50.0 == 0 {
            return Err(DistributionError::ZeroMedian);
        }
        if p99 < p50 {
            return Err(DistributionError::P99BelowP50 { p50, p99 });
        }
        let mu = (p50.0 as f64).ln();
        let sigma = ((p99.0 as f64).ln() - mu) / Z_99;
        Ok(LogNormal { p50, p99, mu, sigma })
    }

    pub fn p50(&self) -> SimDuration {
        self.p50
    }

    pub fn p99(&self) -> SimDuration {
        self.p99
    }

    pub fn mu(&self) -> f64 {
        self.mu
    }

    pub fn sigma(&self) -> f64 {
        self.sigma
    }

    /// exp(mu + sigma² / 2) microseconds: above the median, the more so the longer the tail.
    fn mean_micros(&self) -> f64 {
        (self.mu + self.sigma * self.sigma / 2.0).exp()
    }

    fn sample_micros(&self, stream: &mut Stream) -> f64 {
        (self.mu + self.sigma * standard_normal(stream)).exp()
    }
}

impl ServiceTime {
    pub fn fixed(d: SimDuration) -> Self {
        ServiceTime::Fixed(d)
    }

    pub fn exponential(mean: SimDuration) -> Self {
        ServiceTime::Exponential { mean }
    }

    pub fn lognormal(p50: SimDuration, p99: SimDuration) -> Result<Self, DistributionError> {
        LogNormal::from_percentiles(p50, p99).map(ServiceTime::LogNormal)
    }

    /// The mean service time, rounded to the microsecond: 1 / mu of queueing theory.
    pub fn mean(&self) -> SimDuration {
        match self {
            ServiceTime::Fixed(d) => *d,
            ServiceTime::Exponential { mean } => *mean,
            ServiceTime::LogNormal(l) => round_micros(l.mean_micros()),
        }
    }

    /// One service time. A fixed time draws nothing, so it leaves the stream untouched.
    pub fn sample(&self, stream: &mut Stream) -> SimDuration {
        let d = match self {
            ServiceTime::Fixed(d) => *d,
            ServiceTime::Exponential { mean } => round_micros(mean.0 as f64 * standard_exponential(stream)),
            ServiceTime::LogNormal(l) => round_micros(l.sample_micros(stream)),
        };
        d.max(MIN_SAMPLE)
    }
}

/// An exponential sample of mean 1, by inversion. `unit` is in [0, 1), so 1 - u is in
/// (0, 1] and the logarithm is finite.
pub(crate) fn standard_exponential(stream: &mut Stream) -> f64 {
    -(1.0 - stream.unit()).ln()
}

/// A standard normal sample by Box–Muller, using one of the pair so that every sample
/// consumes exactly two draws whatever came before (simpler to reason about than a cache).
pub(crate) fn standard_normal(stream: &mut Stream) -> f64 {
    let radius = (2.0 * standard_exponential(stream)).sqrt();
    let angle = std::f64::consts::TAU * stream.unit();
    radius * angle.cos()
}

/// Rounds a non-negative float count of microseconds; huge values saturate.
fn round_micros(us: f64) -> SimDuration {
    // `as` saturates for floats beyond u64 and maps NaN to 0.
    SimDuration(us.round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Purpose;

    fn ms(v: u64) -> SimDuration {
        SimDuration::from_millis(v)
    }

    fn sorted_samples(dist: &ServiceTime, n: usize, seed: u64) -> Vec<u64> {
        let mut stream = Stream::new(seed, Purpose::Containers);
        let mut v: Vec<u64> = (0..n).map(|_| dist.sample(&mut stream).0).collect();
        v.sort_unstable();
        v
    }

    fn nearest_rank(sorted: &[u64], p: f64) -> u64 {
        let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
        sorted[rank - 1]
    }

    fn relative_error(got: f64, want: f64) -> f64 {
        (got - want).abs() / want
    }

    #[test]
    fn lognormal_parameters_come_from_p50_and_p99() {
        let l = LogNormal::from_percentiles(ms(20), ms(200)).unwrap();
        assert!((l.mu() - 20_000f64.ln()).abs() < 1e-12);
        assert!((l.sigma() - 10f64.ln() / 2.3263).abs() < 1e-12);
        assert_eq!(LogNormal::from_percentiles(SimDuration::ZERO, ms(1)), Err(DistributionError::ZeroMedian));
        assert!(matches!(LogNormal::from_percentiles(ms(5), ms(4)), Err(DistributionError::P99BelowP50 { .. })));
    }

    #[test]
    fn lognormal_samples_have_the_p50_and_p99_they_were_built_from_within_3_percent() {
        let dist = ServiceTime::lognormal(ms(20), ms(200)).unwrap();
        let sorted = sorted_samples(&dist, 200_000, 7);
        let p50 = nearest_rank(&sorted, 50.0) as f64;
        let p99 = nearest_rank(&sorted, 99.0) as f64;
        assert!(relative_error(p50, 20_000.0) < 0.03, "p50 {p50}µs");
        assert!(relative_error(p99, 200_000.0) < 0.03, "p99 {p99}µs");
        let mean = sorted.iter().sum::<u64>() as f64 / sorted.len() as f64;
        assert!(relative_error(mean, dist.mean().0 as f64) < 0.03, "mean {mean} vs {}", dist.mean());
    }

    #[test]
    fn lognormal_with_p99_equal_to_p50_is_fixed() {
        let dist = ServiceTime::lognormal(ms(7), ms(7)).unwrap();
        let sorted = sorted_samples(&dist, 100, 1);
        assert!(sorted.iter().all(|&us| us == 7_000));
        assert_eq!(dist.mean(), ms(7));
    }

    #[test]
    fn exponential_samples_have_the_mean_and_variance_of_an_exponential() {
        let dist = ServiceTime::exponential(ms(10));
        let sorted = sorted_samples(&dist, 100_000, 3);
        let n = sorted.len() as f64;
        let mean = sorted.iter().sum::<u64>() as f64 / n;
        let var = sorted.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / (n - 1.0);
        // Standard error of the mean is 10ms / sqrt(1e5) = 0.32%; 2% is six of them.
        assert!(relative_error(mean, 10_000.0) < 0.02, "mean {mean}");
        assert!(relative_error(var, 1e8) < 0.05, "variance {var}");
        // The median of an exponential is ln 2 times its mean.
        assert!(relative_error(nearest_rank(&sorted, 50.0) as f64, 10_000.0 * 2f64.ln()) < 0.03);
    }

    #[test]
    fn fixed_is_exact_and_draws_nothing() {
        let dist = ServiceTime::fixed(ms(10));
        let mut a = Stream::new(1, Purpose::Containers);
        let mut b = Stream::new(1, Purpose::Containers);
        assert_eq!(dist.sample(&mut a), ms(10));
        assert_eq!(a.unit(), b.unit());
        assert_eq!(dist.mean(), ms(10));
    }

    #[test]
    fn a_sample_is_never_below_one_microsecond() {
        let mut s = Stream::new(1, Purpose::Containers);
        assert_eq!(ServiceTime::fixed(SimDuration::ZERO).sample(&mut s), SimDuration(1));
        let tiny = ServiceTime::exponential(SimDuration(1));
        assert!((0..10_000).all(|_| tiny.sample(&mut s) >= SimDuration(1)));
    }

    #[test]
    fn same_seed_gives_the_same_service_times() {
        let dist = ServiceTime::lognormal(ms(5), ms(80)).unwrap();
        assert_eq!(sorted_samples(&dist, 1_000, 11), sorted_samples(&dist, 1_000, 11));
        let unsorted = |seed| {
            let mut s = Stream::new(seed, Purpose::Containers);
            (0..50).map(|_| dist.sample(&mut s)).collect::<Vec<_>>()
        };
        assert_eq!(unsorted(11), unsorted(11));
        assert_ne!(unsorted(11), unsorted(12));
    }
}
