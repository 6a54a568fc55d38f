//! Service-time distributions: how long one request keeps one worker of a pod busy.
//!
//! Samples are drawn as floats and rounded to whole microseconds, so the clock itself stays
//! integer. A sample is never below 1µs: a request that takes no time at all would let a
//! server complete work at the instant it arrives, which no real server does.

use crate::engine::{SimDuration, Stream};
// Plain data, defined with the specs that hold it (model/spec/traffic.rs); its behaviour is here.
pub use crate::model::spec::{LogNormal, ServiceTime};

/// The standard normal quantile at 0.99: a log-normal's p99 lies this many sigmas above its
/// median in log space.
const Z_99: f64 = 2.326_347_874_040_841;

/// The shortest service time a sample can have.
const MIN_SAMPLE: SimDuration = SimDuration(1);

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

    /// The service time at quantile `u` (in [0, 1)): the simulation draws one `u` per
    /// request at arrival, so that a request takes the same share of its distribution in
    /// every variant of a sweep, whichever pod and image serve it.
    pub fn at_quantile(&self, u: f64) -> SimDuration {
        let u = u.clamp(0.0, 1.0 - f64::EPSILON);
        let d = match self {
            ServiceTime::Fixed(d) => *d,
            ServiceTime::Exponential { mean } => round_micros(-(mean.0 as f64) * (1.0 - u).ln()),
            ServiceTime::LogNormal(l) => round_micros((l.mu + l.sigma * inverse_standard_normal(u)).exp()),
        };
        d.max(MIN_SAMPLE)
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

/// The standard normal quantile function by Acklam's rational approximation (relative error
/// below 1.2e-9, far finer than a microsecond of service time). `p` in (0, 1); the ends
/// clamp to about ±8.3 sigma.
pub(crate) fn inverse_standard_normal(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969683028665376e1,
        2.209460984245205e2,
        -2.759285104469687e2,
        1.38357751867269e2,
        -3.066479806614716e1,
        2.506628277459239,
    ];
    const B: [f64; 5] =
        [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
    const C: [f64; 6] = [
        -7.784894002430293e-3,
        -3.223964580411365e-1,
        -2.400758277161838,
        -2.549732539343734,
        4.374664141464968,
        2.938163982698783,
    ];
    const D: [f64; 4] = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
    const LOW: f64 = 0.02425;
    let p = p.clamp(1e-16, 1.0 - 1e-16);
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < LOW {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - LOW {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
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
    fn quantiles_give_the_distributions_own_percentiles() {
        let l = ServiceTime::lognormal(ms(10), ms(80)).unwrap_or(ServiceTime::Fixed(ms(0)));
        assert_eq!(l.at_quantile(0.5), ms(10));
        let p99 = l.at_quantile(0.99).as_micros() as f64;
        assert!((p99 - 80_000.0).abs() < 2.0, "p99 {p99}");
        let e = ServiceTime::exponential(ms(10));
        // The exponential's median is mean * ln 2.
        assert_eq!(e.at_quantile(0.5).as_micros(), 6_931);
        assert_eq!(ServiceTime::fixed(ms(7)).at_quantile(0.9), ms(7));
        assert!((inverse_standard_normal(0.975) - 1.959964).abs() < 1e-6);
        assert!((inverse_standard_normal(0.01) + 2.326348).abs() < 1e-6);
    }

    #[test]
    fn lognormal_parameters_come_from_p50_and_p99() {
        let l = LogNormal::from_percentiles(ms(20), ms(200)).unwrap();
        assert!((l.mu() - 20_000f64.ln()).abs() < 1e-12);
        assert!((l.sigma() - 10f64.ln() / Z_99).abs() < 1e-12);
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
