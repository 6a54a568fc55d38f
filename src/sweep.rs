//! Sweeps on this machine: the runs of a sweep on the rayon pool, each written to
//! `OUT/<name>/<variant>/seed-<n>/`, kept when complete (`--resume`), abandoned on an
//! interrupt; the comparison written beside them; shards and `merge`. What a sweep is (its
//! run list, its hash, the comparison) is kubesim-core's `sweep`.

mod interrupted;
mod resume;
mod shard;

pub use interrupted::finished_runs;
pub use kubesim_core::sweep::*;
pub use resume::{complete_run, is_temp_file, remove_temp_files};
pub use shard::{
    manifest_json as shard_manifest, merge, read_manifests, select_shard, Manifest, MergeError, Shard, ShardSource,
};

use crate::files::DiskSink;
use kubesim_core::output::{summary_json, RunInfo, Summary};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// How a sweep's runs are run.
#[derive(Clone, Copy, Debug, Default)]
pub struct RunOptions<'a> {
    /// The threads of the pool, for run.json.
    pub threads: usize,
    /// `--resume`: keep the runs already complete on disk.
    pub resume: bool,
    /// `--run-charts`: each run's charts and report.html too (a sweep's own comparison,
    /// charts and report are always written).
    pub run_charts: bool,
    /// `--openmetrics`: each run also writes timeseries.openmetrics.txt.
    pub openmetrics: bool,
    /// Ctrl-C / SIGTERM and `--max-events`.
    pub control: kubesim_core::Control<'a>,
}

/// How one run of a sweep ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunEnd {
    /// Run and written now: its summary.json bytes.
    Written(Vec<u8>),
    /// Complete on disk already (`--resume`): its summary.json bytes.
    Kept(Vec<u8>),
    /// Abandoned or not started, because of an interrupt.
    Interrupted,
    /// Failed: why.
    Failed(String),
}

impl RunEnd {
    /// The run's summary.json bytes, if it is complete.
    pub fn summary(&self) -> Option<&[u8]> {
        match self {
            RunEnd::Written(s) | RunEnd::Kept(s) => Some(s),
            RunEnd::Interrupted | RunEnd::Failed(_) => None,
        }
    }
}

/// Runs `keys` on the current rayon pool and writes each run's files; returns how each
/// ended, in the order of `keys`. `done` is called after each run that completes.
pub fn run_all(
    sweep: &Sweep,
    keys: &[RunKey],
    out: &Path,
    opts: &RunOptions<'_>,
    done: &(dyn Fn() + Sync),
) -> Vec<RunEnd> {
    keys.par_iter()
        .map(|&key| {
            let end = run_one(sweep, key, out, opts);
            if end.summary().is_some() {
                done();
            }
            end
        })
        .collect()
}

/// One run of the sweep: kept if complete (`--resume`), not started once interrupted.
fn run_one(sweep: &Sweep, key: RunKey, out: &Path, opts: &RunOptions<'_>) -> RunEnd {
    let dir = sweep.run_dir(out, key);
    if opts.resume {
        if let Some(summary) = complete_run(&dir, &sweep.hash, key.seed, opts.run_charts) {
            return RunEnd::Kept(summary);
        }
        remove_temp_files(&dir);
    }
    if opts.control.stop.is_some_and(|s| s.load(std::sync::atomic::Ordering::Relaxed)) {
        return RunEnd::Interrupted;
    }
    let s = sweep.scenario(key);
    let started = Instant::now();
    let outcome = kubesim_core::simulate_controlled(&s, None, kubesim_core::Observe::default(), opts.control);
    match outcome.stopped {
        Some(kubesim_core::Stopped::Interrupted) => {
            // As `run` does: the process ends soon, so a huge outcome is not freed piece by piece.
            std::mem::forget(outcome);
            return RunEnd::Interrupted;
        }
        Some(why) => return RunEnd::Failed(format!("{}: {why}", dir.display())),
        None => {}
    }
    let wall = started.elapsed().as_secs_f64();
    let info = RunInfo {
        wall_time_s: wall,
        threads: opts.threads,
        chart_threads: 1,
        sweep_hash: Some(sweep.hash.clone()),
        variant: Some(sweep.variants[key.variant].name.clone()),
        no_charts: !opts.run_charts,
        openmetrics: opts.openmetrics,
    };
    match crate::files::write_run_stoppable(&dir, &s, &outcome, &info, opts.control.stop) {
        Ok(_) => RunEnd::Written(summary_json(&Summary::new(&s, &outcome))),
        Err(_) if opts.control.stop.is_some_and(|f| f.load(std::sync::atomic::Ordering::Relaxed)) => {
            std::mem::forget(outcome);
            RunEnd::Interrupted
        }
        Err(e) => RunEnd::Failed(format!("{}: cannot write output: {e}", dir.display())),
    }
}

/// Writes `comparison.csv`, `comparison.json`, the charts and report.html into the sweep's
/// folder.
pub fn write_comparison(sweep_dir: &Path, c: &Comparison) -> std::io::Result<Vec<PathBuf>> {
    // What a killed merge or sweep left of the comparison's files.
    remove_temp_files(sweep_dir);
    let mut sink = DiskSink::new(sweep_dir, 1)?;
    kubesim_core::output::write_comparison(&mut sink, c)?;
    Ok(sink.written)
}
