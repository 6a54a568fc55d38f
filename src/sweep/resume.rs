//! `sweep --resume`: which runs of an interrupted sweep are complete on disk.
//!
//! A run is complete when its `run.json` exists (written last, after every other file of
//! the run, and removed before a run is written again), parses, carries this sweep's hash
//! and this kubesim version, and its `summary.json` parses and names the run's seed, with
//! the run's other data files present. Anything else is run again, after its leftover
//! temporary files (from a process killed outright) are removed.

use kubesim_core::output::{RUN_MARKER, VERSION};
use std::fs;
use std::path::Path;

/// The files every run writes besides run.json (charts depend on the run and are covered
/// by run.json being written after them).
const RUN_FILES: &[&str] = &["summary.json", "timeseries.csv", "pods.csv", "events.csv"];

/// The run's summary.json bytes if the run in `dir` is complete for the sweep `sweep_hash`
/// (with its report.html when `with_report`: `--run-charts`).
pub fn complete_run(dir: &Path, sweep_hash: &str, seed: u64, with_report: bool) -> Option<Vec<u8>> {
    let run: serde_json::Value = serde_json::from_slice(&fs::read(dir.join(RUN_MARKER)).ok()?).ok()?;
    if run.get("sweep_hash")?.as_str()? != sweep_hash || run.get("kubesim_version")?.as_str()? != VERSION {
        return None;
    }
    let summary = fs::read(dir.join("summary.json")).ok()?;
    let parsed: serde_json::Value = serde_json::from_slice(&summary).ok()?;
    if parsed.get("seed")?.as_u64()? != seed {
        return None;
    }
    let report = with_report.then_some("report.html");
    RUN_FILES.iter().chain(&report).all(|f| dir.join(f).is_file()).then_some(summary)
}

/// Whether `name` is one of kubesim's temporary files (`.NAME.tmp-PID`, `.STEM.tmp-PID.png`).
pub fn is_temp_file(name: &str) -> bool {
    name.starts_with('.') && name.contains(".tmp-")
}

/// Removes kubesim's temporary files in `dir` and its `charts/` folder; returns how many.
pub fn remove_temp_files(dir: &Path) -> usize {
    let mut removed = 0;
    for folder in [dir.to_path_buf(), dir.join("charts")] {
        let Ok(entries) = fs::read_dir(&folder) else { continue };
        for entry in entries.flatten() {
            let temp = entry.file_name().to_str().is_some_and(is_temp_file);
            if temp && entry.path().is_file() && fs::remove_file(entry.path()).is_ok() {
                removed += 1;
            }
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_names_are_recognised() {
        assert!(is_temp_file(".summary.json.tmp-123"));
        assert!(is_temp_file(".availability.tmp-9.png"));
        assert!(!is_temp_file("summary.json"));
        assert!(!is_temp_file(".gitignore"));
    }

    #[test]
    fn a_run_without_its_marker_or_of_another_sweep_is_not_complete() {
        let dir = tempfile::tempdir().expect("temp dir");
        let d = dir.path();
        for f in RUN_FILES {
            fs::write(d.join(f), "{\"seed\": 3}").expect("write");
        }
        assert_eq!(complete_run(d, "abc", 3, false), None, "no run.json");
        let run = format!("{{\"sweep_hash\": \"abc\", \"kubesim_version\": \"{VERSION}\"}}");
        fs::write(d.join(RUN_MARKER), &run).expect("write");
        assert!(complete_run(d, "abc", 3, false).is_some());
        assert_eq!(complete_run(d, "abc", 3, true), None, "--run-charts wants the run's report.html");
        fs::write(d.join("report.html"), "<html>").expect("write");
        assert!(complete_run(d, "abc", 3, true).is_some());
        assert_eq!(complete_run(d, "abd", 3, false), None, "another sweep");
        assert_eq!(complete_run(d, "abc", 4, false), None, "another seed");
        fs::write(d.join(RUN_MARKER), &run[..run.len() - 3]).expect("write");
        assert_eq!(complete_run(d, "abc", 3, false), None, "half a run.json");
        fs::write(d.join(RUN_MARKER), &run).expect("write");
        fs::remove_file(d.join("pods.csv")).expect("rm");
        assert_eq!(complete_run(d, "abc", 3, false), None, "a file missing");
        fs::write(d.join(".pods.csv.tmp-77"), "half").expect("write");
        assert_eq!(remove_temp_files(d), 1);
    }
}
