//! What a run of a loaded scenario will hold in memory, estimated before it runs, so that a
//! scenario that would exhaust the machine (`sample: 1ms` over `duration: 720h` is 2.6
//! billion samples) is refused at load with the fields to change, instead of growing for
//! hours. The estimate is conservative (each part at the most a run of that shape was
//! measured to use, rounded up) and counts what grows: time-series samples, pods and what
//! each leaves behind (its row, lifecycle, events), nodes, and open requests.

use crate::model::spec::Scenario;
use std::fmt;

/// The default budget (`--memory-budget`): 4 GiB, a laptop's share for one run.
pub const DEFAULT_MEMORY_BUDGET: u64 = 4 << 30;

/// Bytes one sample of the time series holds: its time and row header, plus 16 bytes per
/// column (`Option<f64>`), plus the rollout charts' ready count per Deployment (a `u32` per
/// revision; two revisions counted).
const SAMPLE_BYTES: u64 = 32;
const SERIES_BYTES: u64 = 16;
const REVISION_BYTES: u64 = 8;
/// Bytes a pod holds over a run: its store row and indexes, the scheduler's and the tally's
/// entries, its few events (created, scheduled, pulled, started) and its lifecycle row.
/// Measured at about 2.4 KB (peak RSS over pods of runs of 100,000 and 1,000,000 replicas,
/// writing included); counted as 3 KiB.
pub const POD_BYTES: u64 = 3 << 10;
/// Bytes a node holds (its row, fit row, heartbeats, lifecycle state), rounded up.
const NODE_BYTES: u64 = 4 << 10;
/// Bytes one open request holds in its source's window.
const OPEN_REQUEST_BYTES: u64 = 32;

/// The parts of the estimate, each named by the fields that decide it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Estimate {
    /// Samples of the time series (`duration` / `sample` + 1) and columns per sample.
    pub samples: u64,
    pub series: u64,
    pub deployments: u64,
    /// Pods the scenario asks for (all workloads' replicas, over the timeline).
    pub pods: u64,
    pub nodes: u64,
    /// Requests the traffic sources may hold open at once (peak rate x timeout, summed).
    pub open_requests: u64,
}

impl Estimate {
    /// The estimate for one run of `scenario`, which asks for `pods` pods in all.
    pub fn of(scenario: &Scenario, pods: u64) -> Estimate {
        let (series, deployments) = crate::metrics::series_counts(scenario);
        let sample = scenario.sample.as_micros().max(1);
        let open: f64 = scenario
            .traffic
            .iter()
            .map(|t| t.rate.max_rate().as_per_sec_f64() * t.timeout.as_micros() as f64 / 1e6)
            .sum();
        Estimate {
            samples: scenario.duration.as_micros() / sample + 1,
            series: series as u64,
            deployments: deployments as u64,
            pods,
            nodes: scenario.nodes.iter().map(|g| u64::from(g.count)).sum(),
            open_requests: open.ceil() as u64,
        }
    }

    /// The larger of two estimates, part by part (a sweep's runs: one at a time per thread).
    pub fn max(self, other: Estimate) -> Estimate {
        Estimate {
            samples: self.samples.max(other.samples),
            series: self.series.max(other.series),
            deployments: self.deployments.max(other.deployments),
            pods: self.pods.max(other.pods),
            nodes: self.nodes.max(other.nodes),
            open_requests: self.open_requests.max(other.open_requests),
        }
    }

    pub fn timeseries_bytes(&self) -> u64 {
        let per_sample = SAMPLE_BYTES + SERIES_BYTES * self.series + REVISION_BYTES * self.deployments;
        self.samples.saturating_mul(per_sample)
    }

    pub fn pod_bytes(&self) -> u64 {
        self.pods.saturating_mul(POD_BYTES)
    }

    pub fn request_bytes(&self) -> u64 {
        self.open_requests.saturating_mul(OPEN_REQUEST_BYTES)
    }

    pub fn total(&self) -> u64 {
        self.timeseries_bytes()
            .saturating_add(self.pod_bytes())
            .saturating_add(self.nodes.saturating_mul(NODE_BYTES))
            .saturating_add(self.request_bytes())
    }

    /// None when the estimate fits `budget`; otherwise the message that refuses the run,
    /// naming the parts over a tenth of the total and the fields that decide them.
    pub fn check(&self, budget: u64) -> Option<String> {
        let total = self.total();
        if total <= budget {
            return None;
        }
        let mut parts = Vec::new();
        let big = |b: u64| b.saturating_mul(10) >= total;
        if big(self.timeseries_bytes()) {
            parts.push(format!(
                "the time series {} ({} samples x {} series: lengthen `sample` or shorten `duration`)",
                Bytes(self.timeseries_bytes()),
                crate::output::report::thousands(self.samples),
                self.series
            ));
        }
        if big(self.pod_bytes()) {
            parts.push(format!(
                "pods {} ({} pods: lower `spec.replicas` or the timeline's scale)",
                Bytes(self.pod_bytes()),
                crate::output::report::thousands(self.pods)
            ));
        }
        if big(self.request_bytes()) {
            parts.push(format!(
                "open requests {} ({} at once: lower `traffic[i].rate` or `timeout`)",
                Bytes(self.request_bytes()),
                crate::output::report::thousands(self.open_requests)
            ));
        }
        if parts.is_empty() {
            parts.push(format!(
                "{} nodes: lower `cluster.nodes[i].count`",
                crate::output::report::thousands(self.nodes)
            ));
        }
        Some(format!(
            "a run of this scenario would hold about {} in memory, more than the budget of {} (--memory-budget): {}",
            Bytes(total),
            Bytes(budget),
            parts.join("; ")
        ))
    }
}

/// A byte count as `3.2 GiB`.
pub struct Bytes(pub u64);

impl fmt::Display for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
        let mut value = self.0 as f64;
        let mut unit = 0;
        while value >= 1024.0 && unit + 1 < units.len() {
            value /= 1024.0;
            unit += 1;
        }
        if unit == 0 {
            write!(f, "{} B", self.0)
        } else {
            write!(f, "{value:.1} {}", units[unit])
        }
    }
}

/// Parses `--memory-budget`: a number of bytes with an optional binary or decimal suffix
/// (`4GiB`, `512MiB`, `8G`, `1000000`), as the flag takes it.
pub fn parse_budget(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let n: u64 = digits.parse().map_err(|_| format!("\"{text}\" is not a size: write e.g. 4GiB, 512MiB or 8G"))?;
    let factor: u64 = match unit.trim() {
        "" | "B" => 1,
        "K" | "KB" => 1_000,
        "Ki" | "KiB" => 1 << 10,
        "M" | "MB" => 1_000_000,
        "Mi" | "MiB" => 1 << 20,
        "G" | "GB" => 1_000_000_000,
        "Gi" | "GiB" => 1 << 30,
        "T" | "TB" => 1_000_000_000_000,
        "Ti" | "TiB" => 1 << 40,
        other => {
            return Err(format!("unknown unit \"{other}\" in \"{text}\": use B, KiB, MiB, GiB, TiB (or K, M, G, T)"))
        }
    };
    n.checked_mul(factor).filter(|&b| b > 0).ok_or_else(|| format!("\"{text}\" is not a size kubesim can use"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_parse_with_binary_and_decimal_units() {
        assert_eq!(parse_budget("4GiB"), Ok(4 << 30));
        assert_eq!(parse_budget("512Mi"), Ok(512 << 20));
        assert_eq!(parse_budget("8G"), Ok(8_000_000_000));
        assert_eq!(parse_budget("1000"), Ok(1000));
        assert!(parse_budget("0").is_err());
        assert!(parse_budget("4 parsecs").is_err());
        assert!(parse_budget("99999999999TiB").is_err());
    }

    #[test]
    fn a_millisecond_sample_over_thirty_days_is_refused_naming_sample_and_duration() {
        let e = Estimate { samples: 2_592_000_001, series: 9, deployments: 1, pods: 3, nodes: 3, open_requests: 0 };
        let message = e.check(DEFAULT_MEMORY_BUDGET).expect("over the budget");
        assert!(message.contains("`sample`") && message.contains("`duration`"), "{message}");
        assert!(message.contains("2,592,000,001 samples"), "{message}");
        assert!(!message.contains("spec.replicas"), "pods are not the problem: {message}");
    }

    #[test]
    fn bytes_print_in_binary_units() {
        assert_eq!(Bytes(4 << 30).to_string(), "4.0 GiB");
        assert_eq!(Bytes(1536).to_string(), "1.5 KiB");
        assert_eq!(Bytes(12).to_string(), "12 B");
    }
}
