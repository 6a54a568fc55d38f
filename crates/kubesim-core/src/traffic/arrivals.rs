//! When requests arrive: a rate profile (how many per second, over time) and an arrival
//! process (how they are spread around that rate).
//!
//! Rates are integers (nano-requests per second), so that a constant or stepped profile's
//! expected count Λ(t) = ∫ rate is an exact integer and constant arrivals are exactly spaced
//! on every machine. Only the diurnal sinusoid needs floats.

use super::distribution::standard_exponential;
use crate::engine::{SimDuration, SimTime, Stream};
// Plain data, defined with the specs that hold it (model/spec/traffic.rs); its behaviour is here.
pub use crate::model::spec::{ArrivalProcess, Diurnal, Rate, RateProfile, Steps};

/// Units of Λ (nano-requests per second times microseconds) in one request.
const UNIT: u128 = 1_000_000_000_000_000;
const NANO_PER_REQUEST: f64 = 1e9;
const MICROS_PER_SEC: f64 = 1e6;

/// The default period of a diurnal profile: one day.
pub const DEFAULT_DIURNAL_PERIOD: SimDuration = SimDuration::from_secs(24 * 3600);

impl Rate {
    pub const ZERO: Rate = Rate(0);

    /// `n` requests per second.
    pub const fn per_sec(n: u64) -> Rate {
        Rate(n.saturating_mul(1_000_000_000))
    }

    /// `count` requests every `per`, as `30/m` is written (rounded to a nano-request per
    /// second; a zero `per` gives zero).
    pub fn per(count: u64, per: SimDuration) -> Rate {
        if per.0 == 0 {
            return Rate::ZERO;
        }
        let nano = (count as u128 * 1_000_000_000 * 1_000_000 + per.0 as u128 / 2) / per.0 as u128;
        Rate(nano.min(u64::MAX as u128) as u64)
    }

    /// A fractional rate such as 0.5/s; negative or NaN gives zero.
    pub fn per_sec_f64(r: f64) -> Rate {
        Rate((r * NANO_PER_REQUEST).round() as u64)
    }

    pub fn nano_per_sec(self) -> u64 {
        self.0
    }

    pub fn as_per_sec_f64(self) -> f64 {
        self.0 as f64 / NANO_PER_REQUEST
    }

    pub fn is_zero(self) -> bool {
        self.0 == 0
    }
}

/// Why a profile could not be built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProfileError {
    TroughAbovePeak { peak: Rate, trough: Rate },
    ZeroPeriod,
}

impl std::fmt::Display for ProfileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProfileError::TroughAbovePeak { peak, trough } => write!(
                f,
                "a diurnal profile's trough ({}/s) is above its peak ({}/s)",
                trough.as_per_sec_f64(),
                peak.as_per_sec_f64()
            ),
            ProfileError::ZeroPeriod => write!(f, "a diurnal profile needs a period above zero"),
        }
    }
}

impl std::error::Error for ProfileError {}

impl RateProfile {
    pub fn constant(rate: Rate) -> Self {
        Self::steps(vec![(SimTime::ZERO, rate)])
    }

    /// Steps in any order; of two steps at the same time the later in the list wins.
    pub fn steps(mut steps: Vec<(SimTime, Rate)>) -> Self {
        steps.sort_by_key(|&(at, _)| at); // stable: equal times keep list order
        let mut deduped: Vec<(SimTime, Rate)> = Vec::with_capacity(steps.len());
        for step in steps {
            match deduped.last_mut() {
                Some(last) if last.0 == step.0 => *last = step,
                _ => deduped.push(step),
            }
        }
        RateProfile::Steps(Steps::new(deduped))
    }

    pub fn diurnal(peak: Rate, trough: Rate, period: SimDuration) -> Result<Self, ProfileError> {
        if trough > peak {
            return Err(ProfileError::TroughAbovePeak { peak, trough });
        }
        if period.0 == 0 {
            return Err(ProfileError::ZeroPeriod);
        }
        Ok(RateProfile::Diurnal(Diurnal { peak, trough, period }))
    }

    /// The rate at `t`.
    pub fn rate_at(&self, t: SimTime) -> Rate {
        match self {
            RateProfile::Steps(s) => s.rate_at(t),
            RateProfile::Diurnal(d) => Rate::per_sec_f64(d.rate_per_sec(t)),
        }
    }

    /// The highest rate the profile ever reaches.
    pub fn max_rate(&self) -> Rate {
        match self {
            RateProfile::Steps(s) => s.steps.iter().map(|&(_, r)| r).max().unwrap_or(Rate::ZERO),
            RateProfile::Diurnal(d) => d.peak,
        }
    }

    /// The expected number of requests in [from, to).
    pub fn expected_between(&self, from: SimTime, to: SimTime) -> f64 {
        match self {
            RateProfile::Steps(s) => (s.cumulative_at(to) - s.cumulative_at(from.min(to))) as f64 / UNIT as f64,
            RateProfile::Diurnal(d) => d.cumulative(to) - d.cumulative(from.min(to)),
        }
    }
}

impl Steps {
    fn new(steps: Vec<(SimTime, Rate)>) -> Self {
        let mut cumulative = Vec::with_capacity(steps.len());
        let mut total: u128 = 0;
        for (i, &(at, _)) in steps.iter().enumerate() {
            if i > 0 {
                let (prev_at, prev_rate) = steps[i - 1];
                total += prev_rate.0 as u128 * (at - prev_at).0 as u128;
            }
            cumulative.push(total);
        }
        Steps { steps, cumulative }
    }

    /// The index of the step in force at `t`, if any has started.
    fn step_at(&self, t: SimTime) -> Option<usize> {
        self.steps.partition_point(|&(at, _)| at <= t).checked_sub(1)
    }

    fn rate_at(&self, t: SimTime) -> Rate {
        self.step_at(t).map_or(Rate::ZERO, |i| self.steps[i].1)
    }

    /// Λ(t) in 1e-15 requests.
    fn cumulative_at(&self, t: SimTime) -> u128 {
        self.step_at(t).map_or(0, |i| {
            let (at, rate) = self.steps[i];
            self.cumulative[i] + rate.0 as u128 * (t - at).0 as u128
        })
    }

    /// `time_reaching(cumulative_at(after) + units)`, the short way when Λ gets there within
    /// the step in force at `after`: it grows by `rate` a microsecond there, so the crossing
    /// is `after` plus `units / rate` rounded up, the same integers without Λ's large totals
    /// (one 64-bit division instead of 128-bit products and quotients, for every arrival).
    fn time_reaching_from(&self, after: SimTime, units: u128) -> Option<SimTime> {
        if let Some(i) = self.step_at(after) {
            let rate = self.steps[i].1 .0;
            if rate > 0 {
                let gap = match u64::try_from(units) {
                    Ok(u) => u128::from(u.div_ceil(rate)),
                    Err(_) => units.div_ceil(u128::from(rate)),
                };
                let t = u128::from(after.0) + gap;
                // Past the next step's start, Λ crosses at another rate.
                if self.steps.get(i + 1).is_none_or(|&(next, _)| t <= u128::from(next.0)) {
                    return Some(SimTime(t.min(u128::from(u64::MAX)) as u64));
                }
            }
        }
        self.time_reaching(self.cumulative_at(after) + units)
    }

    /// The first instant at which Λ reaches `target`, or None if the rate drops to zero
    /// for good before it does.
    fn time_reaching(&self, target: u128) -> Option<SimTime> {
        // The first step that starts with Λ at or past the target; the crossing lies in
        // the step before it (or in the last step, which lasts for ever).
        let k = self.cumulative.partition_point(|&c| c < target);
        let i = k.checked_sub(1)?;
        let (at, rate) = self.steps[i];
        if rate.0 == 0 {
            return None; // only the last step can be zero here: the rate is zero for good
        }
        let remaining = target - self.cumulative[i];
        let micros = remaining.div_ceil(rate.0 as u128);
        Some(at + SimDuration(micros.min(u64::MAX as u128) as u64))
    }
}

impl Diurnal {
    fn phase(&self, t: SimTime) -> f64 {
        std::f64::consts::TAU * (t.0 % self.period.0) as f64 / self.period.0 as f64
    }

    fn swing(&self) -> f64 {
        (self.peak.as_per_sec_f64() - self.trough.as_per_sec_f64()) / 2.0
    }

    fn rate_per_sec(&self, t: SimTime) -> f64 {
        self.trough.as_per_sec_f64() + self.swing() * (1.0 - self.phase(t).cos())
    }

    /// Λ(t) in requests: trough·t + swing·(t - P/2π · sin(2πt/P)).
    fn cumulative(&self, t: SimTime) -> f64 {
        let secs = t.0 as f64 / MICROS_PER_SEC;
        let period_secs = self.period.0 as f64 / MICROS_PER_SEC;
        let wave = period_secs / std::f64::consts::TAU * self.phase(t).sin();
        self.trough.as_per_sec_f64() * secs + self.swing() * (secs - wave)
    }

    /// The first whole microsecond after `after` at which Λ reaches `target`: an
    /// exponential search for an upper bound, then bisection (Λ is non-decreasing).
    fn time_reaching(&self, after: SimTime, target: f64) -> Option<SimTime> {
        if self.peak.is_zero() {
            return None;
        }
        let mut lo = after.0;
        let mut step = (MICROS_PER_SEC / self.peak.as_per_sec_f64()).ceil().max(1.0) as u64;
        let mut hi = lo.saturating_add(step);
        while self.cumulative(SimTime(hi)) < target {
            if hi == u64::MAX {
                return None;
            }
            lo = hi;
            step = step.saturating_mul(2);
            hi = hi.saturating_add(step);
        }
        // Invariant: Λ(lo) < target or lo == after; Λ(hi) >= target.
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if self.cumulative(SimTime(mid)) < target {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        Some(SimTime(hi))
    }
}

/// A profile and a process: the arrivals of one traffic source.
#[derive(Clone, Debug, PartialEq)]
pub struct Arrivals {
    pub profile: RateProfile,
    pub process: ArrivalProcess,
}

impl Arrivals {
    pub fn new(profile: RateProfile, process: ArrivalProcess) -> Self {
        Arrivals { profile, process }
    }

    /// The first arrival strictly after `after` (the previous arrival, or the start), or
    /// None when the rate is zero from then on for ever. Draws come only from `stream`:
    /// give it the Traffic stream and nothing else, so every variant sees these arrivals.
    pub fn next_arrival(&self, after: SimTime, stream: &mut Stream) -> Option<SimTime> {
        let next = match (&self.profile, self.process) {
            (RateProfile::Steps(s), ArrivalProcess::Poisson) => poisson_by_inversion(s, after, stream),
            (RateProfile::Steps(s), ArrivalProcess::Constant) => constant_steps(s, after),
            (RateProfile::Diurnal(d), ArrivalProcess::Poisson) => poisson_by_thinning(d, after, stream),
            (RateProfile::Diurnal(d), ArrivalProcess::Constant) => {
                d.time_reaching(after, d.cumulative(after).floor() + 1.0)
            }
        };
        next.map(|t| t.max(SimTime(after.0.saturating_add(1))))
    }
}

/// A Poisson process under piecewise-constant rates, exactly: move Λ on by an Exp(1)
/// number of requests and find when it gets there. Within a step this gives exponential
/// gaps at the step's rate; across a boundary it restarts at the new rate, which
/// memorylessness makes exact. One draw per arrival, unlike thinning against the highest
/// step, which would waste draws in quiet steps.
fn poisson_by_inversion(steps: &Steps, after: SimTime, stream: &mut Stream) -> Option<SimTime> {
    let requests = standard_exponential(stream);
    let units = ((requests * UNIT as f64).round() as u128).max(1);
    steps.time_reaching_from(after, units)
}

/// The next time Λ passes a whole number of requests: at a constant 200/s that is every
/// 5000µs exactly; at 3/s the gaps are 333334, 333333, 333333 µs, three a second.
fn constant_steps(steps: &Steps, after: SimTime) -> Option<SimTime> {
    let next_whole = (steps.cumulative_at(after) / UNIT + 1) * UNIT;
    steps.time_reaching(next_whole)
}

/// Lewis–Shedler thinning: candidates at the peak rate, each kept with probability
/// rate(t) / peak. Candidate gaps are rounded to whole microseconds.
fn poisson_by_thinning(d: &Diurnal, after: SimTime, stream: &mut Stream) -> Option<SimTime> {
    let peak = d.peak.as_per_sec_f64();
    if peak <= 0.0 {
        return None;
    }
    let mean_gap_micros = MICROS_PER_SEC / peak;
    let mut t = after;
    loop {
        t += SimDuration((standard_exponential(stream) * mean_gap_micros).round() as u64);
        if stream.unit() * peak < d.rate_per_sec(t) {
            return Some(t);
        }
        if t == SimTime::MAX {
            return None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Purpose;

    #[test]
    fn the_short_way_to_a_crossing_agrees_with_the_long_one() {
        let r = |per_sec: u64| Rate::per_sec(per_sec);
        let profiles = [
            Steps::new(vec![(SimTime::ZERO, r(1))]),
            Steps::new(vec![(secs(5), r(3)), (secs(9), Rate::ZERO), (secs(20), r(250)), (secs(21), r(7))]),
            Steps::new(vec![(SimTime::ZERO, Rate::per(3, SimDuration::from_secs(7))), (secs(100), r(20_000))]),
        ];
        let mut stream = Stream::new(11, Purpose::Traffic);
        for steps in &profiles {
            for k in 0..3_000u64 {
                let after = SimTime(stream.below(30_000_000) as u64 + k % 3);
                // Gaps of every size, some right at a step's end, some past u64 units.
                let units = match k % 5 {
                    0 => (stream.unit() * 1e20) as u128,
                    1 => u128::from(stream.below(1 << 40) as u64) * UNIT / (1 << 40),
                    2 => steps.cumulative_at(secs(9)).saturating_sub(steps.cumulative_at(after)).max(1),
                    3 => steps.cumulative_at(secs(21)).saturating_sub(steps.cumulative_at(after)).max(1),
                    _ => 1,
                };
                let long = steps.time_reaching(steps.cumulative_at(after) + units);
                assert_eq!(steps.time_reaching_from(after, units), long, "after {after:?}, {units} units");
            }
        }
    }

    fn secs(s: u64) -> SimTime {
        SimTime(s * 1_000_000)
    }

    /// Every arrival in [0, until).
    fn arrivals_until(arrivals: &Arrivals, until: SimTime, seed: u64) -> Vec<SimTime> {
        let mut stream = Stream::new(seed, Purpose::Traffic);
        let mut out = Vec::new();
        let mut t = SimTime::ZERO;
        while let Some(next) = arrivals.next_arrival(t, &mut stream) {
            if next >= until {
                break;
            }
            out.push(next);
            t = next;
        }
        out
    }

    fn count_in(times: &[SimTime], from: SimTime, to: SimTime) -> usize {
        times.iter().filter(|&&t| t >= from && t < to).count()
    }

    /// |observed - expected| within three standard deviations of a Poisson count.
    fn assert_poisson_count(observed: usize, expected: f64, what: &str) {
        let sigma = expected.sqrt();
        let off = (observed as f64 - expected).abs();
        assert!(off <= 3.0 * sigma, "{what}: {observed} arrivals, expected {expected:.0} ± {:.0}", 3.0 * sigma);
    }

    fn poisson(profile: RateProfile) -> Arrivals {
        Arrivals::new(profile, ArrivalProcess::Poisson)
    }

    fn constant(profile: RateProfile) -> Arrivals {
        Arrivals::new(profile, ArrivalProcess::Constant)
    }

    #[test]
    fn rates_are_exact_for_the_usual_notations() {
        assert_eq!(Rate::per_sec(200).nano_per_sec(), 200_000_000_000);
        assert_eq!(Rate::per(120, SimDuration::from_secs(60)), Rate::per_sec(2));
        assert_eq!(Rate::per_sec_f64(0.5).nano_per_sec(), 500_000_000);
        assert_eq!(Rate::per(1, SimDuration::from_secs(3_600)).nano_per_sec(), 277_778);
        assert_eq!(Rate::per(5, SimDuration::ZERO), Rate::ZERO);
    }

    #[test]
    fn poisson_at_200_per_second_gives_200_a_second_and_exponential_gaps() {
        let window = 1_000;
        let times = arrivals_until(&poisson(RateProfile::constant(Rate::per_sec(200))), secs(window), 42);
        assert_poisson_count(times.len(), 200.0 * window as f64, "1000s at 200/s");

        let gaps: Vec<f64> = times.windows(2).map(|w| (w[1] - w[0]).0 as f64).collect();
        let n = gaps.len() as f64;
        let mean = gaps.iter().sum::<f64>() / n;
        let var = gaps.iter().map(|g| (g - mean).powi(2)).sum::<f64>() / (n - 1.0);
        // Standard errors at n = 200k: mean 0.22%, variance 0.63%.
        assert!((mean - 5_000.0).abs() / 5_000.0 < 0.01, "mean gap {mean}µs, want 5000");
        assert!((var - 25e6).abs() / 25e6 < 0.03, "gap variance {var}, want 25e6 (an exponential's mean²)");

        // Counts per second: Poisson, so their variance equals their mean (200).
        let mut per_second = vec![0.0; window as usize];
        times.iter().for_each(|t| per_second[(t.0 / 1_000_000) as usize] += 1.0);
        let m = per_second.iter().sum::<f64>() / window as f64;
        let v = per_second.iter().map(|c| (c - m).powi(2)).sum::<f64>() / (window as f64 - 1.0);
        assert!((v / m - 1.0).abs() < 0.15, "dispersion {:.3}, want 1", v / m);
        let outside = per_second.iter().filter(|&&c| (c - 200.0).abs() > 3.0 * 200f64.sqrt()).count();
        assert!(outside <= 8, "{outside} of 1000 seconds outside 200 ± 3σ (expect about 3)");
    }

    #[test]
    fn constant_arrivals_are_exactly_spaced() {
        let times = arrivals_until(&constant(RateProfile::constant(Rate::per_sec(200))), secs(10), 1);
        assert_eq!(times.len(), 1_999); // 5ms, 10ms, ... 9.995s
        assert!(times.iter().enumerate().all(|(k, t)| t.0 == 5_000 * (k as u64 + 1)));

        // 3/s does not divide a second: the k-th arrival is at ceil(k · 333333.3µs).
        let times = arrivals_until(&constant(RateProfile::constant(Rate::per_sec(3))), secs(100), 1);
        assert_eq!(times.len(), 299);
        assert!(times.iter().enumerate().all(|(k, t)| t.0 == ((k as u64 + 1) * 1_000_000).div_ceil(3)));
    }

    #[test]
    fn constant_arrivals_draw_nothing_and_restart_from_any_instant() {
        let a = constant(RateProfile::constant(Rate::per_sec(10)));
        let mut s = Stream::new(1, Purpose::Traffic);
        assert_eq!(a.next_arrival(SimTime(250_000), &mut s), Some(SimTime(300_000)));
        assert_eq!(a.next_arrival(SimTime(300_000), &mut s), Some(SimTime(400_000)));
        assert_eq!(s.unit(), Stream::new(1, Purpose::Traffic).unit());
    }

    #[test]
    fn steps_change_the_observed_rate_when_they_say() {
        let profile = RateProfile::steps(vec![
            (secs(20), Rate::ZERO),
            (secs(5), Rate::per_sec(100)),
            (secs(12), Rate::per_sec(400)),
        ]);
        let times = arrivals_until(&poisson(profile.clone()), secs(60), 9);
        assert_eq!(count_in(&times, secs(0), secs(5)), 0, "no traffic before the first step");
        assert_poisson_count(count_in(&times, secs(5), secs(12)), 700.0, "5s..12s at 100/s");
        assert_poisson_count(count_in(&times, secs(12), secs(20)), 3_200.0, "12s..20s at 400/s");
        assert_eq!(count_in(&times, secs(20), secs(60)), 0, "nothing after the rate drops to 0");
        let mut s = Stream::new(9, Purpose::Traffic);
        assert_eq!(poisson(profile.clone()).next_arrival(secs(20), &mut s), None);

        // Constant arrivals come at the end of each 1/rate: 5.010s ... 11.990s, then
        // 12.000s (the 700th) ... 19.9975s, and the 3,900th at 20.000s exactly.
        let times = arrivals_until(&constant(profile), secs(60), 9);
        assert_eq!(count_in(&times, secs(5), secs(12)), 699);
        assert_eq!(count_in(&times, secs(12), secs(20)), 3_200);
        assert_eq!(times.len(), 3_900);
        assert_eq!((times[0], times[699], times[3_899]), (SimTime(5_010_000), secs(12), secs(20)));
    }

    #[test]
    fn diurnal_rate_rises_from_its_trough_to_its_peak_and_back() {
        let period = SimDuration::from_secs(1_000);
        let profile = RateProfile::diurnal(Rate::per_sec(300), Rate::per_sec(100), period).unwrap();
        assert_eq!(profile.rate_at(SimTime::ZERO), Rate::per_sec(100));
        assert_eq!(profile.rate_at(secs(500)), Rate::per_sec(300));
        assert_eq!(profile.rate_at(secs(250)), Rate::per_sec(200));
        assert_eq!(profile.rate_at(secs(1_000)), Rate::per_sec(100));
        assert!((profile.expected_between(secs(0), secs(1_000)) - 200_000.0).abs() < 1e-6);

        let times = arrivals_until(&poisson(profile.clone()), secs(1_000), 5);
        assert_poisson_count(times.len(), 200_000.0, "one period averaging 200/s");
        for (from, to) in [(0, 100), (450, 550), (700, 800)] {
            let expected = profile.expected_between(secs(from), secs(to));
            assert_poisson_count(count_in(&times, secs(from), secs(to)), expected, &format!("{from}s..{to}s"));
        }
        // Around the trough about 10,330 requests, around the peak about 29,670.
        assert!(count_in(&times, secs(450), secs(550)) > 2 * count_in(&times, secs(0), secs(100)));

        let times = arrivals_until(&constant(profile.clone()), secs(1_000), 5);
        assert!(times.len().abs_diff(200_000) <= 1, "{} constant arrivals in one period", times.len());
        let expected = profile.expected_between(secs(450), secs(550));
        assert!((count_in(&times, secs(450), secs(550)) as f64 - expected).abs() <= 1.0);
    }

    #[test]
    fn diurnal_needs_a_trough_below_its_peak_and_a_period() {
        let (one, two) = (Rate::per_sec(1), Rate::per_sec(2));
        assert!(matches!(
            RateProfile::diurnal(one, two, DEFAULT_DIURNAL_PERIOD),
            Err(ProfileError::TroughAbovePeak { .. })
        ));
        assert_eq!(RateProfile::diurnal(two, one, SimDuration::ZERO), Err(ProfileError::ZeroPeriod));
    }

    #[test]
    fn a_rate_of_zero_for_ever_gives_no_arrival() {
        let mut s = Stream::new(1, Purpose::Traffic);
        for process in [ArrivalProcess::Poisson, ArrivalProcess::Constant] {
            let zero = Arrivals::new(RateProfile::constant(Rate::ZERO), process);
            assert_eq!(zero.next_arrival(SimTime::ZERO, &mut s), None);
            let flat = RateProfile::diurnal(Rate::ZERO, Rate::ZERO, DEFAULT_DIURNAL_PERIOD).unwrap();
            assert_eq!(Arrivals::new(flat, process).next_arrival(SimTime::ZERO, &mut s), None);
            assert_eq!(Arrivals::new(RateProfile::steps(vec![]), process).next_arrival(SimTime::ZERO, &mut s), None);
        }
    }

    #[test]
    fn same_seed_gives_the_same_arrivals() {
        let a = poisson(RateProfile::constant(Rate::per_sec(50)));
        assert_eq!(arrivals_until(&a, secs(20), 3), arrivals_until(&a, secs(20), 3));
        assert_ne!(arrivals_until(&a, secs(20), 3), arrivals_until(&a, secs(20), 4));
        let d = poisson(RateProfile::diurnal(Rate::per_sec(80), Rate::ZERO, SimDuration::from_secs(60)).unwrap());
        assert_eq!(arrivals_until(&d, secs(60), 3), arrivals_until(&d, secs(60), 3));
    }
}
