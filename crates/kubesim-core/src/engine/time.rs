//! Virtual time: an integer count of microseconds since the start of the run.
//!
//! Integer time keeps runs byte-identical on every machine; floats appear only when a
//! time is printed.

use std::fmt;
use std::ops::{Add, AddAssign, Sub};

/// A point in virtual time, in microseconds since the run began.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(pub u64);

/// A span of virtual time, in microseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimDuration(pub u64);

impl SimTime {
    pub const ZERO: SimTime = SimTime(0);
    pub const MAX: SimTime = SimTime(u64::MAX);

    pub fn as_micros(self) -> u64 {
        self.0
    }

    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1e6
    }

    /// Seconds with millisecond precision, as the CSV files print them: `12.345`.
    pub fn secs_millis(self) -> String {
        let mut out = String::new();
        self.write_secs_millis(&mut out);
        out
    }

    /// `secs_millis`, appended to `out` (no allocation of its own).
    pub fn write_secs_millis(self, out: &mut String) {
        use std::fmt::Write as _;
        let millis = self.0 / 1_000;
        let _ = write!(out, "{}.{:03}", millis / 1_000, millis % 1_000);
    }

    /// Time since `earlier`, zero if `earlier` is later.
    pub fn since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }
}

impl SimDuration {
    pub const ZERO: SimDuration = SimDuration(0);

    pub const fn from_micros(us: u64) -> Self {
        SimDuration(us)
    }
    pub const fn from_millis(ms: u64) -> Self {
        SimDuration(ms.saturating_mul(1_000))
    }
    pub const fn from_secs(s: u64) -> Self {
        SimDuration(s.saturating_mul(1_000_000))
    }
    pub fn as_micros(self) -> u64 {
        self.0
    }
    pub fn as_millis(self) -> u64 {
        self.0 / 1_000
    }
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1e6
    }
    pub fn saturating_sub(self, other: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_sub(other.0))
    }

    pub fn saturating_mul(self, k: u64) -> SimDuration {
        SimDuration(self.0.saturating_mul(k))
    }
}

impl Add<SimDuration> for SimTime {
    type Output = SimTime;
    fn add(self, d: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }
}

impl AddAssign<SimDuration> for SimTime {
    fn add_assign(&mut self, d: SimDuration) {
        self.0 = self.0.saturating_add(d.0);
    }
}

impl Add for SimDuration {
    type Output = SimDuration;
    fn add(self, d: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_add(d.0))
    }
}

impl Sub for SimTime {
    type Output = SimDuration;
    fn sub(self, earlier: SimTime) -> SimDuration {
        self.since(earlier)
    }
}

impl fmt::Display for SimTime {
    /// `mm:ss.mmm`, or `h:mm:ss.mmm` past the first hour, as narration prints it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0 / 1_000;
        let (h, m, s, milli) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1_000 % 60, ms % 1_000);
        if h > 0 {
            write!(f, "{h}:{m:02}:{s:02}.{milli:03}")
        } else {
            write!(f, "{m:02}:{s:02}.{milli:03}")
        }
    }
}

impl fmt::Display for SimDuration {
    /// Kubernetes style: `30s`, `1m30s`, `250ms`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0 / 1_000;
        if ms == 0 && self.0 > 0 {
            return write!(f, "{}us", self.0);
        }
        if ms < 1_000 {
            return write!(f, "{ms}ms");
        }
        let (h, m, s, milli) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1_000 % 60, ms % 1_000);
        if h > 0 {
            write!(f, "{h}h")?;
        }
        if m > 0 {
            write!(f, "{m}m")?;
        }
        if milli > 0 {
            write!(f, "{s}.{milli:03}s")
        } else if s > 0 || (h == 0 && m == 0) {
            write!(f, "{s}s")
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_seconds_with_millisecond_precision() {
        assert_eq!(SimTime(12_345_678).secs_millis(), "12.345");
        assert_eq!(SimTime(0).secs_millis(), "0.000");
    }

    #[test]
    fn durations_print_like_kubernetes() {
        assert_eq!(SimDuration::from_secs(90).to_string(), "1m30s");
        assert_eq!(SimDuration::from_millis(250).to_string(), "250ms");
        assert_eq!(SimDuration::from_secs(3600).to_string(), "1h");
        assert_eq!(SimDuration::from_millis(4_500).to_string(), "4.500s");
    }

    #[test]
    fn time_never_goes_below_zero() {
        assert_eq!(SimTime(5).since(SimTime(9)), SimDuration::ZERO);
    }
}
