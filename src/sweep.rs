//! Sweeps: every variant of a scenario's `sweep:` section with every seed, in parallel, and
//! the comparison of the variants.
//!
//! The run list is fixed: variants in file order, and for each its seeds in order. A run is
//! the scenario with the variant's `set:` and that seed, exactly what `kubesim run --set ...
//! --seed N` runs, written to `OUT/<name>/<variant>/seed-<n>/`. The comparison is computed
//! from the runs' `summary.json` bytes in that order, whichever thread ran them and whichever
//! shard, so it is the same with any `--jobs` and after `kubesim merge`.

mod compare;
mod interrupted;
mod resume;
mod shard;
pub mod stats;

pub use compare::{comparison, Comparison};
pub use interrupted::finished_runs;
pub use resume::{complete_run, is_temp_file, remove_temp_files};
pub use shard::{
    manifest_json as shard_manifest, merge, read_manifests, select_shard, Manifest, MergeError, Shard, ShardSource,
};

use crate::engine::hash::Fnv;
use crate::model::spec::Scenario;
use crate::output::{render_charts, summary_json, write_atomic, write_run, RunInfo, Summary};
use crate::scenario::Loaded;
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// A sweep ready to run: the variants (each a loaded scenario) and the seeds.
pub struct Sweep {
    pub name: String,
    pub seeds: Vec<u64>,
    pub variants: Vec<SweepVariant>,
    /// A hash of everything that decides the runs' outputs (the loaded scenario of every
    /// variant, the seeds), so that shards of different sweeps are not merged.
    pub hash: String,
}

pub struct SweepVariant {
    pub name: String,
    /// The `--set` arguments of the variant.
    pub set: Vec<String>,
    pub scenario: Scenario,
}

/// One run of a sweep: a variant (its index) and a seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct RunKey {
    pub variant: usize,
    pub seed: u64,
}

impl Sweep {
    /// The sweep of a loaded scenario; None without a `sweep:` section.
    pub fn new(loaded: &Loaded) -> Option<Sweep> {
        let spec = loaded.scenario.sweep.as_ref()?;
        let variants: Vec<SweepVariant> = spec
            .variants
            .iter()
            .zip(&loaded.variants)
            .map(|(v, s)| SweepVariant { name: v.name.clone(), set: v.set_args(), scenario: s.clone() })
            .collect();
        let mut hasher = Fnv::default();
        hasher.write(format!("{:?}", spec.seeds).as_bytes());
        for v in &variants {
            hasher.write(format!("{}\n{:?}\n{:?}", v.name, v.set, v.scenario).as_bytes());
        }
        let hash = format!("{:016x}", hasher.0);
        Some(Sweep { name: loaded.scenario.name.clone(), seeds: spec.seeds.clone(), variants, hash })
    }

    /// Every run, in the fixed order: variants in file order, then seeds in order.
    pub fn runs(&self) -> Vec<RunKey> {
        (0..self.variants.len())
            .flat_map(|variant| self.seeds.iter().map(move |&seed| RunKey { variant, seed }))
            .collect()
    }

    /// Where a run's files go: `OUT/<name>/<variant>/seed-<n>/`.
    pub fn run_dir(&self, out: &Path, key: RunKey) -> PathBuf {
        run_dir(&out.join(&self.name), &self.variants[key.variant].name, key.seed)
    }

    /// The names and `--set`s of the variants, for the comparison and the manifests.
    pub fn variant_sets(&self) -> Vec<(String, Vec<String>)> {
        self.variants.iter().map(|v| (v.name.clone(), v.set.clone())).collect()
    }

    /// The scenario of one run: the variant's, with the seed.
    pub fn scenario(&self, key: RunKey) -> Scenario {
        let mut s = self.variants[key.variant].scenario.clone();
        s.seed = key.seed;
        s
    }
}

/// `<sweep dir>/<variant>/seed-<n>`.
pub fn run_dir(sweep_dir: &Path, variant: &str, seed: u64) -> PathBuf {
    sweep_dir.join(variant).join(format!("seed-{seed}"))
}

/// How a sweep's runs are run.
#[derive(Clone, Copy, Debug, Default)]
pub struct RunOptions<'a> {
    /// The threads of the pool, for run.json.
    pub threads: usize,
    /// `--resume`: keep the runs already complete on disk.
    pub resume: bool,
    /// Ctrl-C / SIGTERM and `--max-events`.
    pub control: crate::Control<'a>,
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
        if let Some(summary) = complete_run(&dir, &sweep.hash, key.seed) {
            return RunEnd::Kept(summary);
        }
        remove_temp_files(&dir);
    }
    if opts.control.stop.is_some_and(|s| s.load(std::sync::atomic::Ordering::Relaxed)) {
        return RunEnd::Interrupted;
    }
    let s = sweep.scenario(key);
    let started = Instant::now();
    let outcome = crate::simulate_controlled(&s, None, crate::Observe::default(), opts.control);
    match outcome.stopped {
        Some(crate::Stopped::Interrupted) => return RunEnd::Interrupted,
        Some(why) => return RunEnd::Failed(format!("{}: {why}", dir.display())),
        None => {}
    }
    let wall = started.elapsed().as_secs_f64();
    let info =
        RunInfo { wall_time_s: wall, threads: opts.threads, chart_threads: 1, sweep_hash: Some(sweep.hash.clone()) };
    match write_run(&dir, &s, &outcome, &info) {
        Ok(_) => RunEnd::Written(summary_json(&Summary::new(&s, &outcome))),
        Err(e) => RunEnd::Failed(format!("{}: cannot write output: {e}", dir.display())),
    }
}

/// Writes `comparison.csv`, `comparison.json`, the charts and report.html into the sweep's
/// folder.
pub fn write_comparison(sweep_dir: &Path, c: &Comparison) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(sweep_dir)?;
    let mut written = Vec::new();
    for (name, bytes) in [("comparison.csv", &c.csv), ("comparison.json", &c.json)] {
        let path = sweep_dir.join(name);
        write_atomic(&path, bytes)?;
        written.push(path);
    }
    let charts = sweep_dir.join("charts");
    std::fs::create_dir_all(&charts)?;
    let (pngs, paths) = render_charts(&charts, &c.charts, 1)?;
    written.extend(paths);
    let path = sweep_dir.join("report.html");
    write_atomic(&path, &crate::output::sweep_report(&c.json, &pngs))?;
    written.push(path);
    Ok(written)
}
