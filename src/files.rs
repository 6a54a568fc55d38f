//! The disk: scenario files read (with the files they include), and each output file
//! written through a temporary name and a rename, so that a crash never leaves half a file.

use kubesim_core::output::{self, charts, EmbeddedChart, RunInfo, RunSink};
use kubesim_core::scenario::{Diagnostic, Files, Loaded};
use kubesim_core::{Outcome, Scenario};
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
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
        // Only a regular file is read: a named pipe would wait for a writer for ever, and a
        // device (`/dev/stdin`, `/dev/zero`) is not a scenario.
        let meta = fs::metadata(path).map_err(|e| {
            if e.kind() == io::ErrorKind::NotFound && path.symlink_metadata().is_ok() {
                io::Error::other("a symbolic link to a missing file")
            } else if e.raw_os_error() == Some(ELOOP) {
                io::Error::other("a loop of symbolic links")
            } else {
                e
            }
        })?;
        if let Some(what) = not_regular(&meta) {
            return Err(io::Error::other(format!("{what}, not a regular file")));
        }
        let mut bytes = Vec::new();
        fs::File::open(path)?.take(cap).read_to_end(&mut bytes)?;
        Ok(bytes)
    }
    fn list_dir(&self, path: &Path) -> io::Result<Vec<PathBuf>> {
        let mut entries = fs::read_dir(path)?.map(|e| e.map(|e| e.path())).collect::<io::Result<Vec<_>>>()?;
        entries.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
        Ok(entries)
    }
}

/// `ELOOP`: too many levels of symbolic links (the same number on Linux and the BSDs' 62 is
/// not; elsewhere the system's own message stands).
#[cfg(target_os = "linux")]
const ELOOP: i32 = 40;
#[cfg(not(target_os = "linux"))]
const ELOOP: i32 = 62;

/// What a path that is not a regular file (nor a folder) is, in words.
fn not_regular(meta: &fs::Metadata) -> Option<&'static str> {
    let t = meta.file_type();
    if t.is_file() || t.is_dir() {
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return Some("a named pipe (FIFO)");
        }
        if t.is_char_device() {
            return Some("a character device");
        }
        if t.is_block_device() {
            return Some("a block device");
        }
        if t.is_socket() {
            return Some("a socket");
        }
    }
    Some("a special file")
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

/// A run's folder as a `RunSink`: each file written atomically, charts drawn on up to
/// `chart_threads` threads of their own; remembers the paths written.
pub struct DiskSink<'a> {
    dir: PathBuf,
    chart_threads: usize,
    started: Instant,
    /// The stop flag (Ctrl-C / SIGTERM): every write fails once it is set.
    stop: Option<&'a AtomicBool>,
    pub written: Vec<PathBuf>,
}

impl<'a> DiskSink<'a> {
    /// Writes into `dir` (made if missing).
    pub fn new(dir: &Path, chart_threads: usize) -> io::Result<Self> {
        fs::create_dir_all(dir)?;
        Ok(DiskSink { dir: dir.to_path_buf(), chart_threads, started: Instant::now(), stop: None, written: Vec::new() })
    }

    /// Fails every write once `stop` is set, so that a signal stops a long write (a pods.csv
    /// of a million pods) within one buffer's worth of work.
    pub fn with_stop(mut self, stop: Option<&'a AtomicBool>) -> Self {
        self.stop = stop;
        self
    }
}

/// A writer that fails once the stop flag is set (an `Other` error, not `Interrupted`, which
/// `write_all` would retry for ever).
struct StopWriter<'w, 'a> {
    inner: &'w mut dyn Write,
    stop: &'a AtomicBool,
}

impl Write for StopWriter<'_, '_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.stop.load(Ordering::Relaxed) {
            return Err(io::Error::other("interrupted"));
        }
        self.inner.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl RunSink for DiskSink<'_> {
    fn file(&mut self, name: &str, fill: &mut dyn FnMut(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
        let path = self.dir.join(name);
        let result = (|| {
            if let Some(parent) = path.parent().filter(|p| *p != self.dir) {
                fs::create_dir_all(parent)?;
            }
            match self.stop {
                Some(stop) => write_atomic_with(&path, |f| fill(&mut StopWriter { inner: f, stop })),
                None => write_atomic_with(&path, |f| fill(f)),
            }
        })();
        // The message names the file that failed (a full disk shows on one file).
        result.map_err(|e| io::Error::new(e.kind(), format!("{name}: {e}")))?;
        self.written.push(path);
        Ok(())
    }

    fn charts<C: charts::Drawable + Sync>(&mut self, list: &[C]) -> io::Result<Vec<EmbeddedChart>> {
        fs::create_dir_all(self.dir.join("charts"))?;
        let drawn = draw_charts(list, self.chart_threads).map_err(io::Error::other)?;
        output::write_charts(self, drawn)
    }

    fn elapsed_s(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }
}

/// Draws the charts on up to `threads` threads of their own (plain threads: a rayon worker
/// waiting here could take up another run's whole simulation), in the charts' order, so
/// nothing depends on the number of threads.
fn draw_charts<C: charts::Drawable + Sync>(list: &[C], threads: usize) -> Result<Vec<(EmbeddedChart, String)>, String> {
    let threads = threads.clamp(1, list.len().max(1));
    if threads == 1 {
        return output::render_charts(list);
    }
    let draw = |chart: &C| output::render_charts(std::slice::from_ref(chart)).map(|mut one| one.remove(0));
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
        workers.into_iter().flat_map(|w| w.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect()
    });
    numbered.sort_by_key(|(i, _)| *i);
    numbered.into_iter().map(|(_, r)| r).collect()
}

/// Writes every file of one run as the folder `dir` (kubesim-core's `output::write_run`
/// decides which files and in what order) and returns their paths.
///
/// The files are written into a staging folder beside `dir` (`.NAME.tmp-PID`), which then
/// takes `dir`'s place: a run that fails half-way (a full disk) leaves the earlier run's
/// folder as it was, or nothing, never a folder mixing two runs; the staging folder is
/// removed. Staging and replaced folders left by killed runs (`.NAME.tmp-*`, `.NAME.old-*`)
/// are removed first. Whatever else was in `dir` goes with the earlier run.
pub fn write_run(dir: &Path, scenario: &Scenario, outcome: &Outcome, info: &RunInfo) -> io::Result<Vec<PathBuf>> {
    write_run_stoppable(dir, scenario, outcome, info, None)
}

/// `write_run` that gives up (an error; the earlier folder kept) once `stop` is set.
pub fn write_run_stoppable(
    dir: &Path,
    scenario: &Scenario,
    outcome: &Outcome,
    info: &RunInfo,
    stop: Option<&AtomicBool>,
) -> io::Result<Vec<PathBuf>> {
    let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or("run").to_string();
    let parent = dir.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    fs::create_dir_all(parent)?;
    remove_stale_staging(parent, &name);
    let pid = std::process::id();
    let staging = parent.join(format!(".{name}.tmp-{pid}"));
    let written = (|| {
        let mut sink = DiskSink::new(&staging, info.chart_threads)?.with_stop(stop);
        output::write_run(&mut sink, scenario, outcome, info)?;
        Ok::<_, io::Error>(sink.written)
    })();
    let written = match written {
        Ok(w) => w,
        Err(e) => {
            let _ = fs::remove_dir_all(&staging);
            return Err(e);
        }
    };
    let replaced = parent.join(format!(".{name}.old-{pid}"));
    let had_earlier = dir.exists();
    let swapped = (|| {
        if had_earlier {
            fs::rename(dir, &replaced)?;
        }
        fs::rename(&staging, dir)
    })();
    if let Err(e) = swapped {
        let _ = fs::remove_dir_all(&staging);
        if had_earlier && !dir.exists() {
            let _ = fs::rename(&replaced, dir);
        }
        return Err(e);
    }
    if had_earlier {
        let _ = fs::remove_dir_all(&replaced);
    }
    Ok(written.into_iter().filter_map(|p| p.strip_prefix(&staging).ok().map(|rel| dir.join(rel))).collect())
}

/// Removes `.NAME.tmp-*` and `.NAME.old-*` folders (and files) in `parent`, and kubesim's
/// temporary files in `parent/NAME` itself: what killed runs of `NAME` left behind.
fn remove_stale_staging(parent: &Path, name: &str) {
    crate::sweep::remove_temp_files(&parent.join(name));
    let Ok(entries) = fs::read_dir(parent) else { return };
    let (tmp, old) = (format!(".{name}.tmp-"), format!(".{name}.old-"));
    for entry in entries.flatten() {
        let stale = entry.file_name().to_str().is_some_and(|n| n.starts_with(&tmp) || n.starts_with(&old));
        // A folder (a killed run's staging or replaced folder) or a file (what a killed
        // kubesim of an earlier version left: it wrote `.NAME.tmp-PID` files in place).
        let path = entry.path();
        if stale && path.is_dir() {
            let _ = fs::remove_dir_all(&path);
        } else if stale && path.is_file() {
            let _ = fs::remove_file(&path);
        }
    }
}
