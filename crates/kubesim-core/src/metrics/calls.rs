//! Call graphs as users measure them: per edge (a caller workload calling a Service or an
//! external host) the attempts, their errors by reason, retries, degraded answers and
//! latency; per workload with background work, its tasks. The entry points are the traffic
//! sources' Services (`traffic.rs`), whose latency includes the calls.

use super::traffic::{Failure, RequestStats};
use crate::engine::{SimDuration, SimTime};
use std::collections::BTreeMap;

/// One request (an attempt, a task) ended: counted in `run`, its latency kept in `interval`
/// (folded into `run` at each sample) or, without one, in `run`; a failure by its reason.
fn count(
    run: &mut RequestStats,
    interval: Option<&mut RequestStats>,
    failures: &mut BTreeMap<Failure, u64>,
    outcome: Result<SimDuration, Failure>,
) {
    match (outcome, interval) {
        (Ok(latency), Some(interval)) => {
            run.requests += 1;
            interval.success(latency);
        }
        (Ok(latency), None) => run.success(latency),
        (Err(why), interval) => {
            run.failure();
            if let Some(interval) = interval {
                interval.failure();
            }
            *failures.entry(why).or_insert(0) += 1;
        }
    }
}

/// One edge: `caller` (a workload, `vote` or `ns:vote`) calling `callee` (a Service,
/// `redis` or `ns:redis`, or an external host).
#[derive(Clone, Debug, Default)]
pub struct EdgeStats {
    pub caller: String,
    pub callee: String,
    /// Every attempt (a retry is an attempt), as the callee sees the load.
    pub run: RequestStats,
    pub interval: RequestStats,
    pub failures: BTreeMap<Failure, u64>,
    /// Attempts that were retries.
    pub retries: u64,
    pub interval_retries: u64,
    /// Calls that failed after their retries and whose caller answered without them
    /// (`onFailure: degrade`).
    pub degraded: u64,
    /// Every finished attempt's time open, and the integral of attempts open over time: the
    /// W and L of Little's law for the edge.
    open_time_us: u128,
    open: super::traffic::Occupancy,
}

impl EdgeStats {
    /// An attempt was sent at `now`.
    pub fn sent(&mut self, now: SimTime) {
        self.open.change(now, 1);
    }

    /// An attempt sent at `sent_at` ended at `now`.
    pub fn ended(&mut self, sent_at: SimTime, now: SimTime, outcome: Result<(), Failure>, retry: bool) {
        self.open.change(now, -1);
        self.open_time_us += u128::from(now.since(sent_at).as_micros());
        let outcome = outcome.map(|()| now.since(sent_at));
        count(&mut self.run, Some(&mut self.interval), &mut self.failures, outcome);
        if retry {
            self.retries += 1;
            self.interval_retries += 1;
        }
    }

    /// The time-average number of attempts open from the start to `until`.
    pub fn mean_open(&self, until: SimTime) -> f64 {
        self.open.mean(until)
    }

    /// The mean time an ended attempt was open (successes and failures), in milliseconds.
    pub fn mean_open_ms(&self) -> Option<f64> {
        (self.run.requests > 0).then(|| self.open_time_us as f64 / self.run.requests as f64 / 1000.0)
    }
}

/// One workload's background tasks.
#[derive(Clone, Debug, Default)]
pub struct TaskStats {
    /// The workload (`worker`).
    pub caller: String,
    pub run: RequestStats,
    pub interval: RequestStats,
    pub failures: BTreeMap<Failure, u64>,
}

impl TaskStats {
    pub fn ended(&mut self, latency: SimDuration, outcome: Result<(), Failure>) {
        count(&mut self.run, Some(&mut self.interval), &mut self.failures, outcome.map(|()| latency));
    }
}

/// One traffic source's requests (an entry point of the call graph): its end-to-end figures,
/// the calls below included.
#[derive(Clone, Debug, Default)]
pub struct EntryStats {
    /// `service/frontend /cart` (the target and the path).
    pub name: String,
    pub run: RequestStats,
    pub failures: BTreeMap<Failure, u64>,
}

impl EntryStats {
    pub fn ended(&mut self, outcome: Result<SimDuration, Failure>) {
        count(&mut self.run, None, &mut self.failures, outcome);
    }
}

/// Every edge and every workload with background work, in the order the time-series columns
/// name them (those the scenario's objects let the loader foresee), then as they appear.
#[derive(Clone, Debug, Default)]
pub struct CallMetrics {
    pub edges: Vec<EdgeStats>,
    pub background: Vec<TaskStats>,
    /// How many of each have time-series columns.
    pub edge_columns: usize,
    pub background_columns: usize,
    /// Per traffic source, when the scenario's images make calls (None otherwise: nothing is
    /// kept and summary.json has no `entry_points`).
    pub entries: Option<Vec<EntryStats>>,
}

impl CallMetrics {
    pub fn new(edges: &[(String, String)], background: &[String]) -> Self {
        CallMetrics {
            edges: edges
                .iter()
                .map(|(caller, callee)| EdgeStats {
                    caller: caller.clone(),
                    callee: callee.clone(),
                    ..EdgeStats::default()
                })
                .collect(),
            background: background.iter().map(|c| TaskStats { caller: c.clone(), ..TaskStats::default() }).collect(),
            edge_columns: edges.len(),
            background_columns: background.len(),
            entries: None,
        }
    }

    /// The index of the edge `caller` → `callee`, added if new (once per lane, not per call).
    pub fn edge(&mut self, caller: &str, callee: &str) -> usize {
        self.edges.iter().position(|e| e.caller == caller && e.callee == callee).unwrap_or_else(|| {
            self.edges.push(EdgeStats { caller: caller.into(), callee: callee.into(), ..EdgeStats::default() });
            self.edges.len() - 1
        })
    }

    /// The index of `caller`'s background figures, added if new.
    pub fn background(&mut self, caller: &str) -> usize {
        self.background.iter().position(|b| b.caller == caller).unwrap_or_else(|| {
            self.background.push(TaskStats { caller: caller.into(), ..TaskStats::default() });
            self.background.len() - 1
        })
    }

    /// Ends a sample interval: its latencies join the run's.
    pub fn close_interval(&mut self) {
        let close = |run: &mut RequestStats, interval: &mut RequestStats| {
            if !interval.latency.is_empty() {
                interval.latency.sort();
                run.latency.merge(&interval.latency);
            }
            interval.reset();
        };
        for e in &mut self.edges {
            close(&mut e.run, &mut e.interval);
            e.interval_retries = 0;
        }
        for b in &mut self.background {
            close(&mut b.run, &mut b.interval);
        }
    }

    /// Puts each interval's latencies in order for a sample's percentiles.
    pub fn sort_intervals(&mut self) {
        self.edges.iter_mut().for_each(|e| e.interval.latency.sort());
        self.background.iter_mut().for_each(|b| b.interval.latency.sort());
    }
}
