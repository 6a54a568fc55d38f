//! Writers: the run's files, each written to a temporary name and renamed, so that a
//! crash never leaves half a file.

pub mod charts;
mod csv_files;
mod report;
mod summary;
mod sweep_report;

use crate::model::spec::Scenario;
use crate::sim::Outcome;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

pub use summary::{summary_json, Summary, VERSION};
pub use sweep_report::sweep_report;

/// How the run went on this machine: the one output that differs between runs.
#[derive(Clone, Debug, Default)]
pub struct RunInfo {
    pub wall_time_s: f64,
    pub threads: usize,
    /// Threads to draw the run's charts on (`--jobs` when it is the only run, else 1).
    pub chart_threads: usize,
    /// A sweep's run: the sweep's hash (`Sweep::hash`), which `sweep --resume` checks so that
    /// it never keeps a run of another version of the scenario.
    pub sweep_hash: Option<String>,
}

/// The file a run writes last: its presence says every other file of the run is complete.
pub const RUN_MARKER: &str = "run.json";

/// Writes `bytes` to `path` through a temporary file in the same folder.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_atomic_with(path, |f| f.write_all(bytes))
}

/// Writes `path` through a temporary file in the same folder, `fill` streaming the content
/// into it (it buffers its own writes): the file is never held whole in memory.
pub fn write_atomic_with(path: &Path, fill: impl FnOnce(&mut fs::File) -> io::Result<()>) -> io::Result<()> {
    let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("output");
    let tmp = path.with_file_name(format!(".{file_name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        fill(&mut f)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// A chart as a report embeds it: file stem, title, PNG bytes.
pub type EmbeddedChart = (String, String, Vec<u8>);

/// Draws the charts into `dir`, each to its own files, on up to `threads` threads of its own
/// (plain threads: a rayon worker waiting here could take up another run's whole
/// simulation). Returns them as the report embeds them and the files written, in the
/// charts' order, so nothing depends on the number of threads.
pub fn render_charts<C: charts::Drawable + Sync>(
    dir: &Path,
    list: &[C],
    threads: usize,
) -> io::Result<(Vec<EmbeddedChart>, Vec<PathBuf>)> {
    let threads = threads.clamp(1, list.len().max(1));
    let results: Vec<Result<charts::Rendered, String>> = if threads == 1 {
        list.iter().map(|chart| chart.render(dir)).collect()
    } else {
        let next = std::sync::atomic::AtomicUsize::new(0);
        let mut numbered: Vec<_> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads)
                .map(|_| {
                    scope.spawn(|| {
                        let mut mine = Vec::new();
                        loop {
                            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            let Some(chart) = list.get(i) else { break mine };
                            mine.push((i, chart.render(dir)));
                        }
                    })
                })
                .collect();
            workers
                .into_iter()
                .flat_map(|w| w.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
                .collect()
        });
        numbered.sort_by_key(|(i, _)| *i);
        numbered.into_iter().map(|(_, r)| r).collect()
    };
    let (mut embedded, mut written) = (Vec::new(), Vec::new());
    for (chart, result) in list.iter().zip(results) {
        let (paths, png) = result.map_err(|e| io::Error::other(format!("chart {}: {e}", chart.file_stem())))?;
        embedded.push((chart.file_stem().to_string(), chart.title().to_string(), png));
        written.extend(paths);
    }
    Ok((embedded, written))
}

/// Writes every file of one run into `dir` and returns their paths. `run.json` comes last:
/// with `--profile` it can tell how long writing the others took, and its presence marks
/// the run as complete (`sweep --resume`), so an older one is removed first.
pub fn write_run(dir: &Path, scenario: &Scenario, outcome: &Outcome, info: &RunInfo) -> io::Result<Vec<PathBuf>> {
    let writing = std::time::Instant::now();
    fs::create_dir_all(dir)?;
    match fs::remove_file(dir.join(RUN_MARKER)) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    let summary = Summary::new(scenario, outcome);
    let mut written = Vec::new();
    let path = dir.join("summary.json");
    write_atomic(&path, &summary_json(&summary))?;
    written.push(path);
    type Csv = fn(&Outcome, &mut fs::File) -> io::Result<()>;
    let csvs: [(&str, Csv); 3] = [
        ("timeseries.csv", |o, f| csv_files::timeseries(o, f)),
        ("pods.csv", |o, f| csv_files::pods(o, f)),
        ("events.csv", |o, f| csv_files::events(o, f)),
    ];
    for (name, write) in csvs {
        let path = dir.join(name);
        write_atomic_with(&path, |f| write(outcome, f))?;
        written.push(path);
    }
    let charts_dir = dir.join("charts");
    fs::create_dir_all(&charts_dir)?;
    let (pngs, paths) = render_charts(&charts_dir, &charts::run_charts(outcome), info.chart_threads)?;
    written.extend(paths);
    let path = dir.join("report.html");
    write_atomic(&path, &report::run_report(scenario, &summary, outcome, &pngs))?;
    written.push(path);
    if let Some(narrator) = &outcome.narration {
        let path = dir.join("narration.log");
        write_atomic(&path, narrator.log().as_bytes())?;
        written.push(path);
    }
    let path = dir.join(RUN_MARKER);
    write_atomic(&path, &summary::run_json(&summary, outcome, info, writing.elapsed().as_secs_f64()))?;
    written.push(path);
    Ok(written)
}
