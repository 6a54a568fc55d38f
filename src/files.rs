//! The disk: scenario files read (with the files they include), and each output file
//! written through a temporary name and a rename, so that a crash never leaves half a file.

use kubesim_core::output::{self, charts, csv_files, EmbeddedChart, RunInfo, Summary, RUN_MARKER};
use kubesim_core::scenario::{Diagnostic, Files, Loaded};
use kubesim_core::{Outcome, Scenario};
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The files of this machine.
#[derive(Clone, Copy, Debug, Default)]
pub struct Disk;

impl Files for Disk {
    fn is_file(&self, path: &Path) -> bool {
        path.is_file()
    }
    fn is_dir(&self, path: &Path) -> bool {
        path.is_dir()
    }
    fn absolute(&self, path: &Path) -> PathBuf {
        std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
    }
    fn read(&self, path: &Path, cap: u64) -> io::Result<Vec<u8>> {
        let mut bytes = Vec::new();
        fs::File::open(path)?.take(cap).read_to_end(&mut bytes)?;
        Ok(bytes)
    }
}

/// Loads and validates one scenario file from disk (and the files it includes).
pub fn load_file(path: &Path, overrides: &[String]) -> Result<Loaded, Vec<Diagnostic>> {
    kubesim_core::load_file(path, overrides, &Disk)
}

/// A scenario given as text; the files it names are read from disk, relative to `path`.
pub fn load_str(path: &Path, text: &str, overrides: &[String]) -> Result<Loaded, Vec<Diagnostic>> {
    kubesim_core::load_str(path, text, overrides, &Disk)
}

/// `--profile`'s clock: time since the first reading, monotonic.
pub fn wall_clock() -> Duration {
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now).elapsed()
}

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

/// Draws the charts into `dir`, each as `<stem>.svg` and `<stem>.png`, on up to `threads`
/// threads of its own (plain threads: a rayon worker waiting here could take up another
/// run's whole simulation). Returns them as the report embeds them and the files written,
/// in the charts' order, so nothing depends on the number of threads.
pub fn render_charts<C: charts::Drawable + Sync>(
    dir: &Path,
    list: &[C],
    threads: usize,
) -> io::Result<(Vec<EmbeddedChart>, Vec<PathBuf>)> {
    let threads = threads.clamp(1, list.len().max(1));
    let draw = |chart: &C| output::render_charts(std::slice::from_ref(chart)).map(|mut one| one.remove(0));
    let results: Vec<Result<(EmbeddedChart, String), String>> = if threads == 1 {
        list.iter().map(draw).collect()
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
                            mine.push((i, draw(chart)));
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
    for result in results {
        let (chart, svg) = result.map_err(io::Error::other)?;
        let svg_path = dir.join(format!("{}.svg", chart.0));
        let png_path = dir.join(format!("{}.png", chart.0));
        write_atomic(&svg_path, svg.as_bytes())?;
        write_atomic(&png_path, &chart.2)?;
        written.extend([svg_path, png_path]);
        embedded.push(chart);
    }
    Ok((embedded, written))
}

/// Writes every file of one run into `dir` and returns their paths. `run.json` comes last:
/// with `--profile` it can tell how long writing the others took, and its presence marks
/// the run as complete (`sweep --resume`), so an older one is removed first.
pub fn write_run(dir: &Path, scenario: &Scenario, outcome: &Outcome, info: &RunInfo) -> io::Result<Vec<PathBuf>> {
    let writing = Instant::now();
    fs::create_dir_all(dir)?;
    match fs::remove_file(dir.join(RUN_MARKER)) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    let summary = Summary::new(scenario, outcome);
    let mut written = Vec::new();
    let path = dir.join("summary.json");
    write_atomic(&path, &output::summary_json(&summary))?;
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
    write_atomic(&path, &output::run_report(scenario, &summary, outcome, &pngs))?;
    written.push(path);
    if let Some(narrator) = &outcome.narration {
        let path = dir.join("narration.log");
        write_atomic(&path, narrator.log().as_bytes())?;
        written.push(path);
    }
    let path = dir.join(RUN_MARKER);
    write_atomic(&path, &output::run_json(&summary, outcome, info, writing.elapsed().as_secs_f64()))?;
    written.push(path);
    Ok(written)
}
