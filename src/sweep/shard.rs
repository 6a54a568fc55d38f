//! Shards: the K-th of N slices of a sweep's run list (K counted from 0, as Kubernetes'
//! `JOB_COMPLETION_INDEX` is), each writing its runs and a manifest,
//! `OUT/<name>/shard-K-of-N.json`; and `kubesim merge`, which checks that the manifests are
//! one whole sweep and writes the comparison from the runs' summary.json files.
//!
//! Slices are interleaved (run i belongs to shard i mod N), so that each shard gets a share
//! of every variant, and shards of a sweep whose variants differ in cost finish together.

use super::{comparison, run_dir, Comparison, RunKey, Sweep};
use serde_json::{json, Value};
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// The most shards a sweep may be cut into (as `--shards` allows): also what a manifest
/// read by `merge` may claim, so that a corrupt number is an error, not a hang.
pub const MAX_SHARDS: u32 = 100_000;

/// Shard `index` of `count` (0 <= index < count <= MAX_SHARDS).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = String;

    /// `K/N`, K from 0 to N - 1.
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || {
            format!(
                "invalid shard \"{s}\": expected K/N with 0 <= K < N <= {MAX_SHARDS}, like 0/4 (shards count from 0)"
            )
        };
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let index: u32 = k.trim().parse().map_err(|_| bad())?;
        let count: u32 = n.trim().parse().map_err(|_| bad())?;
        Shard::new(index, count).ok_or_else(bad)
    }
}

impl Shard {
    pub fn new(index: u32, count: u32) -> Option<Shard> {
        ((1..=MAX_SHARDS).contains(&count) && index < count).then_some(Shard { index, count })
    }

    /// This shard's runs: every `count`-th, starting at `index`.
    pub fn select(&self, runs: &[RunKey]) -> Vec<RunKey> {
        runs.iter()
            .enumerate()
            .filter(|(i, _)| *i as u64 % u64::from(self.count) == u64::from(self.index))
            .map(|(_, r)| *r)
            .collect()
    }

    pub fn file_name(&self) -> String {
        format!("shard-{}-of-{}.json", self.index, self.count)
    }
}

/// Where the shard came from, for messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShardSource {
    Flag,
    KubernetesJob,
    SlurmArray,
}

impl fmt::Display for ShardSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ShardSource::Flag => "--shard",
            ShardSource::KubernetesJob => "JOB_COMPLETION_INDEX",
            ShardSource::SlurmArray => "SLURM_ARRAY_TASK_ID",
        })
    }
}

/// Which shard to run: `--shard K/N`; else `JOB_COMPLETION_INDEX` (a Kubernetes Indexed Job)
/// with N from `--shards` or `KUBESIM_SHARDS`; else `SLURM_ARRAY_TASK_ID` less
/// `SLURM_ARRAY_TASK_MIN` with N from `--shards`, `KUBESIM_SHARDS` or
/// `SLURM_ARRAY_TASK_COUNT`; else the whole sweep (None). `env` reads a variable.
pub fn select_shard(
    flag: Option<Shard>,
    shards: Option<u32>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Option<(Shard, ShardSource)>, String> {
    let number = |name: &str| -> Result<Option<u32>, String> {
        match env(name) {
            None => Ok(None),
            Some(v) if v.trim().is_empty() => Ok(None),
            Some(v) => v.trim().parse().map(Some).map_err(|_| format!("{name}={v} is not a number")),
        }
    };
    if let Some(s) = flag {
        if let Some(n) = shards.filter(|n| *n != s.count) {
            return Err(format!("--shard {s} and --shards {n} disagree on the number of shards"));
        }
        return Ok(Some((s, ShardSource::Flag)));
    }
    let count = match shards {
        Some(n) => Some(n),
        None => number("KUBESIM_SHARDS")?,
    };
    let make = |k: u32, n: u32, source: ShardSource| {
        Shard::new(k, n)
            .map(|s| Some((s, source)))
            .ok_or_else(|| format!("{source} gives shard {k}, but there are {n} shards (0 to {})", n.saturating_sub(1)))
    };
    if let Some(k) = number("JOB_COMPLETION_INDEX")? {
        let Some(n) = count else {
            return Err(format!(
                "JOB_COMPLETION_INDEX={k} is set (a Kubernetes Indexed Job), but not the number of shards: pass --shards N (the Job's completions) or set KUBESIM_SHARDS"
            ));
        };
        return make(k, n, ShardSource::KubernetesJob);
    }
    if let Some(id) = number("SLURM_ARRAY_TASK_ID")? {
        let min = number("SLURM_ARRAY_TASK_MIN")?.unwrap_or(0);
        let Some(n) = count.or(number("SLURM_ARRAY_TASK_COUNT")?) else {
            return Err(format!("SLURM_ARRAY_TASK_ID={id} is set, but not the number of shards: pass --shards N"));
        };
        let Some(k) = id.checked_sub(min) else {
            return Err(format!(
                "SLURM_ARRAY_TASK_ID={id} is below SLURM_ARRAY_TASK_MIN={min}: Slurm numbers an array's tasks from its minimum; check the job's --array range"
            ));
        };
        return make(k, n, ShardSource::SlurmArray);
    }
    match count {
        Some(n) => Err(format!(
            "{n} shards, but which one? pass --shard K/N, or run as a Kubernetes Indexed Job (JOB_COMPLETION_INDEX) or a Slurm job array (SLURM_ARRAY_TASK_ID)"
        )),
        None => Ok(None),
    }
}

/// What a shard ran, as written in its manifest.
#[derive(Clone, Debug, PartialEq)]
pub struct Manifest {
    pub path: PathBuf,
    pub scenario: String,
    pub hash: String,
    pub version: String,
    pub shard: Shard,
    pub seeds: Vec<u64>,
    pub variants: Vec<(String, Vec<String>)>,
    pub runs: Vec<(String, u64)>,
}

/// The manifest of shard `shard` of `sweep`, which ran `keys`.
pub fn manifest_json(sweep: &Sweep, shard: Shard, keys: &[RunKey]) -> Vec<u8> {
    let runs: Vec<Value> =
        keys.iter().map(|k| json!({"variant": sweep.variants[k.variant].name, "seed": k.seed})).collect();
    let variants: Vec<Value> = sweep.variants.iter().map(|v| json!({"name": v.name, "set": v.set})).collect();
    let v = json!({
        "scenario": sweep.name,
        "scenario_hash": sweep.hash,
        "kubesim_version": kubesim_core::output::VERSION,
        "shard": shard.index,
        "shards": shard.count,
        "seeds": sweep.seeds,
        "variants": variants,
        "runs": runs,
    });
    let mut bytes = serde_json::to_vec_pretty(&v).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// Why a merge failed: bad input (exit 2) or a file that cannot be read or written (exit 1).
#[derive(Debug, PartialEq, Eq)]
pub enum MergeError {
    Invalid(String),
    Io(String),
}

impl fmt::Display for MergeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MergeError::Invalid(m) | MergeError::Io(m) => f.write_str(m),
        }
    }
}

fn parse_manifest(path: &Path, bytes: &[u8]) -> Result<Manifest, String> {
    let bad = |what: &str| format!("{}: not a kubesim shard manifest ({what})", path.display());
    let v: Value = serde_json::from_slice(bytes).map_err(|e| bad(&e.to_string()))?;
    let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string).ok_or_else(|| bad(&format!("no `{k}`")));
    let uint = |k: &str| v.get(k).and_then(Value::as_u64).ok_or_else(|| bad(&format!("no `{k}`")));
    let list = |k: &str| v.get(k).and_then(Value::as_array).ok_or_else(|| bad(&format!("no `{k}`")));
    let shard = Shard::new(
        u32::try_from(uint("shard")?).map_err(|_| bad("shard"))?,
        u32::try_from(uint("shards")?).map_err(|_| bad("shards"))?,
    )
    .ok_or_else(|| bad(&format!("`shard` must be below `shards`, and `shards` at most {MAX_SHARDS}")))?;
    let seeds = list("seeds")?.iter().map(|s| s.as_u64().ok_or_else(|| bad("seeds"))).collect::<Result<_, _>>()?;
    let variants = list("variants")?
        .iter()
        .map(|x| {
            let name = x.get("name").and_then(Value::as_str).ok_or_else(|| bad("variant name"))?;
            let set = x.get("set").and_then(Value::as_array).ok_or_else(|| bad("variant set"))?;
            let set = set
                .iter()
                .map(|s| s.as_str().map(str::to_string).ok_or_else(|| bad("variant set")))
                .collect::<Result<Vec<String>, String>>();
            Ok((name.to_string(), set?))
        })
        .collect::<Result<_, String>>()?;
    let runs = list("runs")?
        .iter()
        .map(|x| {
            let name = x.get("variant").and_then(Value::as_str).ok_or_else(|| bad("run variant"))?;
            let seed = x.get("seed").and_then(Value::as_u64).ok_or_else(|| bad("run seed"))?;
            Ok((name.to_string(), seed))
        })
        .collect::<Result<_, String>>()?;
    Ok(Manifest {
        path: path.to_path_buf(),
        scenario: text("scenario")?,
        hash: text("scenario_hash")?,
        version: text("kubesim_version")?,
        shard,
        seeds,
        variants,
        runs,
    })
}

/// `shard-K-of-N.json` files in `dir`, or else in its sub-folders (`OUT/` holding
/// `OUT/<name>/`), sorted by path.
fn manifest_files(dir: &Path) -> Result<Vec<PathBuf>, MergeError> {
    let list = |d: &Path| -> Result<Vec<PathBuf>, MergeError> {
        let entries = std::fs::read_dir(d).map_err(|e| MergeError::Io(format!("{}: cannot read: {e}", d.display())))?;
        let mut out: Vec<PathBuf> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
        out.sort();
        Ok(out)
    };
    let is_manifest = |p: &Path| {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        name.starts_with("shard-") && name.ends_with(".json") && name.contains("-of-")
    };
    let here: Vec<PathBuf> = list(dir)?.into_iter().filter(|p| p.is_file() && is_manifest(p)).collect();
    if !here.is_empty() {
        return Ok(here);
    }
    let mut deeper = Vec::new();
    for sub in list(dir)?.into_iter().filter(|p| p.is_dir()) {
        deeper.extend(list(&sub)?.into_iter().filter(|p| p.is_file() && is_manifest(p)));
    }
    Ok(deeper)
}

/// Reads every manifest under `dirs` (a folder named twice counts once).
pub fn read_manifests(dirs: &[PathBuf]) -> Result<Vec<Manifest>, MergeError> {
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for dir in dirs {
        if !dir.is_dir() {
            return Err(MergeError::Invalid(format!("{}: not a folder", dir.display())));
        }
        for path in manifest_files(dir)? {
            let canonical = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
            if !seen.insert(canonical) {
                continue;
            }
            let bytes =
                std::fs::read(&path).map_err(|e| MergeError::Io(format!("{}: cannot read: {e}", path.display())))?;
            out.push(parse_manifest(&path, &bytes).map_err(MergeError::Invalid)?);
        }
    }
    if out.is_empty() {
        let shown: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
        return Err(MergeError::Invalid(format!(
            "no shard manifests (shard-K-of-N.json) in {}: run `kubesim sweep SCENARIO --shard K/N --out DIR` first",
            shown.join(", ")
        )));
    }
    Ok(out)
}

/// Checks that `manifests` are every shard of one sweep, each once; returns them by shard.
fn check_complete(mut manifests: Vec<Manifest>) -> Result<Vec<Manifest>, MergeError> {
    let invalid = |m: String| Err(MergeError::Invalid(m));
    manifests.sort_by_key(|m| m.shard.index);
    let first = manifests[0].clone();
    for m in &manifests[1..] {
        if (&m.hash, &m.version, &m.scenario) != (&first.hash, &first.version, &first.scenario) {
            return invalid(format!(
                "{} and {} are shards of different sweeps (scenario \"{}\", hash {}, kubesim {} vs scenario \"{}\", hash {}, kubesim {}): merge the shards of one sweep, run with one scenario file and one kubesim version",
                first.path.display(), m.path.display(), first.scenario, first.hash, first.version, m.scenario, m.hash, m.version
            ));
        }
        if m.shard.count != first.shard.count {
            return invalid(format!(
                "{} is one of {} shards, {} one of {}: merge the shards of one sweep",
                first.path.display(),
                first.shard.count,
                m.path.display(),
                m.shard.count
            ));
        }
    }
    let n = first.shard.count;
    for pair in manifests.windows(2) {
        if pair[0].shard.index == pair[1].shard.index {
            return invalid(format!(
                "shard {} of {n} is there twice: {} and {}; keep one",
                pair[0].shard.index,
                pair[0].path.display(),
                pair[1].path.display()
            ));
        }
    }
    // Indexes are distinct and below n (checked above), so shards are missing exactly when
    // there are fewer manifests than n; name the first few.
    let present: std::collections::BTreeSet<u32> = manifests.iter().map(|m| m.shard.index).collect();
    let missing_count = n as usize - present.len();
    let missing: Vec<String> = (0..n).filter(|k| !present.contains(k)).take(10).map(|k| k.to_string()).collect();
    if !missing.is_empty() {
        let more = if missing_count > missing.len() {
            format!(" and {} more", missing_count - missing.len())
        } else {
            String::new()
        };
        let (word, list) = if missing_count == 1 {
            ("shard", missing[0].clone())
        } else {
            ("shards", format!("{}{more}", missing.join(", ")))
        };
        return invalid(format!(
            "{word} {list} of {n} missing (no shard-{}-of-{n}.json): run `kubesim sweep SCENARIO --shard {}/{n}`, or give the folder it wrote",
            missing[0], missing[0]
        ));
    }
    Ok(manifests)
}

/// Merges the shards found under `dirs`: checks them, reads every run's summary.json, and
/// returns the comparison and the sweep's folder (where the first shard's manifest is).
pub fn merge(dirs: &[PathBuf]) -> Result<(Manifest, Comparison), MergeError> {
    let manifests = check_complete(read_manifests(dirs)?)?;
    let first = manifests[0].clone();
    let mut found: std::collections::BTreeMap<(usize, u64), PathBuf> = std::collections::BTreeMap::new();
    for m in &manifests {
        let dir = m.path.parent().map(Path::to_path_buf).unwrap_or_default();
        for (variant, seed) in &m.runs {
            let Some(v) = first.variants.iter().position(|(n, _)| n == variant) else {
                return Err(MergeError::Invalid(format!("{}: unknown variant \"{variant}\"", m.path.display())));
            };
            found.insert((v, *seed), run_dir(&dir, variant, *seed).join("summary.json"));
        }
    }
    let mut summaries = Vec::new();
    for (v, (name, _)) in first.variants.iter().enumerate() {
        let mut runs = Vec::new();
        for seed in &first.seeds {
            let Some(path) = found.get(&(v, *seed)) else {
                return Err(MergeError::Invalid(format!(
                    "no shard ran variant \"{name}\" with seed {seed}: the manifests do not cover the sweep"
                )));
            };
            let bytes =
                std::fs::read(path).map_err(|e| MergeError::Io(format!("{}: cannot read: {e}", path.display())))?;
            check_summary(path, &bytes, &first.scenario, *seed).map_err(MergeError::Invalid)?;
            check_run_record(path, &first.hash, name)?;
            runs.push(bytes);
        }
        summaries.push(runs);
    }
    let c = comparison(&first.scenario, &first.seeds, &first.variants, &summaries).map_err(MergeError::Invalid)?;
    Ok((first, c))
}

/// Checks that the summary at `path` (in its shard's folder) is a summary of `scenario` with
/// `seed`, the run its folder names: a folder copied into the wrong place, or another sweep's,
/// would otherwise be averaged in silently.
fn check_summary(path: &Path, bytes: &[u8], scenario: &str, seed: u64) -> Result<(), String> {
    let Ok(Value::Object(m)) = serde_json::from_slice::<Value>(bytes) else {
        return Err(format!("{}: not a run's summary (a JSON object); rerun that shard", path.display()));
    };
    let named = m.get("scenario").and_then(Value::as_str);
    if named != Some(scenario) {
        return Err(format!(
            "{}: the summary of scenario {}, not \"{scenario}\": this folder holds another sweep's run",
            path.display(),
            named.map_or("(none)".to_string(), |n| format!("\"{n}\""))
        ));
    }
    let named_seed = m.get("seed").and_then(Value::as_u64);
    if named_seed != Some(seed) {
        return Err(format!(
            "{}: the summary of seed {}, but its folder is seed-{seed}: the run folders were mixed; rerun that shard",
            path.display(),
            named_seed.map_or("(none)".to_string(), |n| n.to_string())
        ));
    }
    Ok(())
}

/// Checks the run's `run.json` (written last, so its absence means the run did not finish)
/// beside the summary at `path`: it must be a run of this sweep (its hash) and of the
/// variant its folder names, or a folder was copied into the wrong place.
fn check_run_record(path: &Path, sweep_hash: &str, variant: &str) -> Result<(), MergeError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let record = dir.join(kubesim_core::output::RUN_MARKER);
    let bytes = match std::fs::read(&record) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(MergeError::Invalid(format!(
                "{}: missing: the run did not finish; rerun that shard (`kubesim sweep ... --resume` keeps its finished runs)",
                record.display()
            )))
        }
        Err(e) => return Err(MergeError::Io(format!("{}: cannot read: {e}", record.display()))),
    };
    let Ok(Value::Object(m)) = serde_json::from_slice::<Value>(&bytes) else {
        return Err(MergeError::Invalid(format!(
            "{}: not a run's record (a JSON object); rerun that shard",
            record.display()
        )));
    };
    let hash = m.get("sweep_hash").and_then(Value::as_str);
    if hash != Some(sweep_hash) {
        return Err(MergeError::Invalid(format!(
            "{}: a run of sweep {}, not {sweep_hash}: this folder holds another sweep's run",
            record.display(),
            hash.unwrap_or("(none)")
        )));
    }
    let named = m.get("variant").and_then(Value::as_str);
    if named != Some(variant) {
        return Err(MergeError::Invalid(format!(
            "{}: a run of variant {}, but its folder is variant \"{variant}\": the run folders were mixed; rerun that shard",
            record.display(),
            named.map_or("(none)".to_string(), |n| format!("\"{n}\""))
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
    }

    #[test]
    fn shards_parse_from_zero() {
        assert_eq!("0/4".parse::<Shard>(), Ok(Shard { index: 0, count: 4 }));
        assert_eq!("3/4".parse::<Shard>(), Ok(Shard { index: 3, count: 4 }));
        for bad in ["4/4", "1", "a/b", "0/0", "-1/3"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    #[test]
    fn slices_interleave_and_cover_every_run_once() {
        let runs: Vec<RunKey> = (0..3).flat_map(|v| (1..=5).map(move |s| RunKey { variant: v, seed: s })).collect();
        let mut all: Vec<RunKey> = (0..4).flat_map(|k| Shard { index: k, count: 4 }.select(&runs)).collect();
        all.sort();
        assert_eq!(all, runs);
        let first = Shard { index: 0, count: 4 }.select(&runs);
        assert_eq!(first.len(), 4);
        assert_eq!(first[1], RunKey { variant: 0, seed: 5 });
    }

    #[test]
    fn the_shard_comes_from_the_flag_kubernetes_or_slurm() {
        let s = |k, n| Shard { index: k, count: n };
        assert_eq!(select_shard(None, None, env(&[])), Ok(None));
        let flag = Some(s(1, 4));
        assert_eq!(
            select_shard(flag, None, env(&[("JOB_COMPLETION_INDEX", "3")])),
            Ok(Some((s(1, 4), ShardSource::Flag)))
        );
        let k8s = env(&[("JOB_COMPLETION_INDEX", "2"), ("KUBESIM_SHARDS", "4")]);
        assert_eq!(select_shard(None, None, k8s), Ok(Some((s(2, 4), ShardSource::KubernetesJob))));
        let k8s = env(&[("JOB_COMPLETION_INDEX", "2")]);
        assert_eq!(select_shard(None, Some(3), &k8s), Ok(Some((s(2, 3), ShardSource::KubernetesJob))));
        assert!(select_shard(None, None, &k8s).unwrap_err().contains("--shards N"));
        assert!(select_shard(None, Some(2), &k8s).unwrap_err().contains("there are 2 shards"));
        let slurm =
            env(&[("SLURM_ARRAY_TASK_ID", "5"), ("SLURM_ARRAY_TASK_MIN", "4"), ("SLURM_ARRAY_TASK_COUNT", "4")]);
        assert_eq!(select_shard(None, None, slurm), Ok(Some((s(1, 4), ShardSource::SlurmArray))));
        let below =
            env(&[("SLURM_ARRAY_TASK_ID", "2"), ("SLURM_ARRAY_TASK_MIN", "4"), ("SLURM_ARRAY_TASK_COUNT", "4")]);
        assert!(select_shard(None, None, below).unwrap_err().contains("below SLURM_ARRAY_TASK_MIN=4"));
        assert!(select_shard(None, Some(4), env(&[])).unwrap_err().contains("which one?"));
        assert!(select_shard(Some(s(0, 2)), Some(4), env(&[])).is_err());
    }

    fn manifest(shard: u64, shards: u64) -> Vec<u8> {
        let v = json!({"scenario": "s", "scenario_hash": "h", "kubesim_version": "v", "shard": shard,
            "shards": shards, "seeds": [1], "variants": [{"name": "a", "set": []}], "runs": [{"variant": "a", "seed": 1}]});
        serde_json::to_vec(&v).unwrap_or_default()
    }

    #[test]
    fn a_summary_must_name_the_scenario_and_seed_of_its_folder() {
        let p = Path::new("shard-a/web/seed-3/summary.json");
        assert_eq!(check_summary(p, br#"{"scenario": "s", "seed": 3}"#, "s", 3), Ok(()));
        let e = check_summary(p, br#"{"scenario": "s", "seed": 4}"#, "s", 3).unwrap_err();
        assert!(e.starts_with("shard-a/web/seed-3/summary.json: the summary of seed 4"), "{e}");
        let e = check_summary(p, br#"{"scenario": "t", "seed": 3}"#, "s", 3).unwrap_err();
        assert!(e.contains("scenario \"t\", not \"s\""), "{e}");
        let e = check_summary(p, b"[1]", "s", 3).unwrap_err();
        assert!(e.starts_with("shard-a/web/seed-3/summary.json: not a run's summary"), "{e}");
    }

    #[test]
    fn a_manifest_claiming_absurd_shard_numbers_is_rejected_at_once() {
        let p = Path::new("shard-0-of-4294967295.json");
        let e = parse_manifest(p, &manifest(0, u64::from(u32::MAX))).unwrap_err();
        assert!(e.contains("`shards` at most 100000"), "{e}");
        assert!(parse_manifest(p, &manifest(7, 3)).is_err());
        assert!(parse_manifest(p, &manifest(u64::MAX, 3)).is_err());
        assert!("0/4294967295".parse::<Shard>().is_err());
    }

    #[test]
    fn missing_shards_are_named_a_few_at_a_time() {
        let m = parse_manifest(Path::new("shard-0-of-100000.json"), &manifest(0, 100_000)).expect("valid");
        let started = std::time::Instant::now();
        let e = check_complete(vec![m]).unwrap_err().to_string();
        assert!(e.starts_with("shards 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 and 99989 more of 100000 missing"), "{e}");
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }
}
