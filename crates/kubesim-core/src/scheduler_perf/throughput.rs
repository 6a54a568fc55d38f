//! SchedulingThroughput as scheduler_perf measures it (util.go `throughputCollector`):
//! pods scheduled per one-second sample, a window with none folded into the next that has
//! some (its throughput counted once per window it spans), then Average and the 50th, 90th,
//! 95th and 99th percentiles of the sorted samples (`collect`: the sample at
//! `ceil(n * p / 100) - 1`). Over virtual time: the windows start when the measured op does.
//! scheduler_perf drops its first sample (its collector and the pods' creation start
//! independently); kubesim's windows start with the op, so every sample is kept.

use crate::engine::{SimDuration, SimTime};

/// The samples (pods/s) and their summary.
#[derive(Clone, Debug, PartialEq)]
pub struct Throughput {
    pub samples: Vec<f64>,
    pub average: f64,
    pub perc50: f64,
    pub perc90: f64,
    pub perc95: f64,
    pub perc99: f64,
}

const SAMPLE: SimDuration = SimDuration::from_secs(1);

/// The throughput of pods scheduled at `times` (any order), sampled every second from
/// `start`; None when no pod was scheduled.
pub fn scheduling_throughput(start: SimTime, times: &[SimTime]) -> Option<Throughput> {
    let step = SAMPLE.as_micros();
    let windows: Vec<u64> = times.iter().map(|t| t.as_micros().saturating_sub(start.as_micros()) / step).collect();
    let last = *windows.iter().max()?;
    let mut per_window = vec![0u64; usize::try_from(last + 1).ok()?];
    for w in windows {
        per_window[w as usize] += 1;
    }
    let mut samples = Vec::new();
    let mut skipped = 0u32;
    for count in per_window {
        if count == 0 {
            skipped += 1;
            continue;
        }
        let throughput = count as f64 / f64::from(skipped + 1);
        samples.extend(std::iter::repeat_n(throughput, skipped as usize + 1));
        skipped = 0;
    }
    let mut sorted = samples.clone();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let perc = |p: usize| sorted[(n * p).div_ceil(100).max(1) - 1];
    Some(Throughput {
        average: sorted.iter().sum::<f64>() / n as f64,
        perc50: perc(50),
        perc90: perc(90),
        perc95: perc(95),
        perc99: perc(99),
        samples,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at_ms(ms: &[u64]) -> Vec<SimTime> {
        ms.iter().map(|&m| SimTime::ZERO + SimDuration::from_millis(m)).collect()
    }

    #[test]
    fn pods_per_one_second_window_with_empty_windows_folded_into_the_next() {
        // 3 pods in the first second, none in the second, 4 in the third: samples 3, 2, 2.
        let t = scheduling_throughput(SimTime::ZERO, &at_ms(&[10, 200, 900, 2100, 2200, 2300, 2999])).unwrap();
        assert_eq!(t.samples, vec![3.0, 2.0, 2.0]);
        assert!((t.average - 7.0 / 3.0).abs() < 1e-9);
        // Sorted 2, 2, 3: ceil(3 * 50 / 100) - 1 = 1, ceil(3 * 90 / 100) - 1 = 2.
        assert_eq!((t.perc50, t.perc90, t.perc99), (2.0, 3.0, 3.0));
    }

    #[test]
    fn no_pod_scheduled_has_no_throughput() {
        assert_eq!(scheduling_throughput(SimTime::ZERO, &[]), None);
    }
}
