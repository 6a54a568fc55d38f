//! Sweeps: every variant of a scenario's `sweep:` section with every seed, and the
//! comparison of the variants. Running them (in parallel, to disk) is the command line's.
//!
//! The run list is fixed: variants in file order, and for each its seeds in order. A run is
//! the scenario with the variant's `set:` and that seed, exactly what `kubesim run --set ...
//! --seed N` runs, written to `OUT/<name>/<variant>/seed-<n>/`. The comparison is computed
//! from the runs' `summary.json` bytes in that order, whichever thread ran them and whichever
//! shard, so it is the same with any `--jobs` and after `kubesim merge`.

mod compare;
pub mod stats;

pub use compare::{comparison, Comparison, NOT_RESULTS};

use crate::engine::hash::Fnv;
use crate::model::spec::Scenario;
use crate::scenario::Loaded;
use std::path::{Path, PathBuf};

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
