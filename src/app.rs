//! What each subcommand does, for the binary: loading, running in parallel, progress,
//! messages, exit codes (0 success, 1 simulation or I/O failure, 2 invalid input).

use crate::cli::{
    Cli, Command, ExplainArgs, ManArgs, MergeArgs, OutputFormat, PerfConfigArgs, RunArgs, SweepArgs, ValidateArgs,
};
use crate::files::{self, Disk};
use crate::model::spec::Scenario;
use crate::output::RunInfo;
use crate::scenario::{self, Diagnostic};
use crate::sweep::{MergeError, RunEnd, Sweep};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

// What kubesim prints goes through these instead of `print!`, `println!` and `eprintln!`,
// which panic when the other end of a pipe is closed (`kubesim validate x.yaml | head -1`):
// a line that cannot be written is dropped, and the work goes on to its end and its exit
// code (runs still write their files). Rust ignores SIGPIPE, so the write fails with
// BrokenPipe instead of killing the process half-way through writing a run.
macro_rules! out {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout(), $($t)*);
    }};
}
macro_rules! outln {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($t)*);
    }};
}
// A message on stderr, its `error:` / `warning:` label coloured on a terminal (`terminal`).
macro_rules! errln {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let text = format!($($t)*);
        let _ = writeln!(std::io::stderr(), "{}", crate::terminal::paint(&text, crate::terminal::stderr_colours()));
    }};
}

pub const EXIT_OK: u8 = 0;
pub const EXIT_FAILURE: u8 = 1;
pub const EXIT_INVALID: u8 = 2;

pub fn main(cli: Cli) -> u8 {
    match cli.command {
        Command::Run(args) => run(args),
        Command::Sweep(args) => sweep(args),
        Command::Merge(args) => merge(args),
        Command::Validate(args) => validate(args),
        Command::Explain(args) => explain(args),
        Command::PerfConfig(args) => perf_config(args),
        Command::Version => {
            outln!("kubesim {}", crate::cli::VERSION);
            EXIT_OK
        }
        Command::Completion(args) => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let mut script = Vec::new();
            clap_complete::generate(args.shell, &mut cmd, "kubesim", &mut script);
            out!("{}", String::from_utf8_lossy(&script));
            EXIT_OK
        }
        Command::Man(args) => man(args),
    }
}

/// `kubesim man`: kubesim(1) on stdout, or every page into `--out DIR`.
fn man(args: ManArgs) -> u8 {
    let cmd = <Cli as clap::CommandFactory>::command();
    let written = match &args.out {
        Some(dir) => std::fs::create_dir_all(dir).and_then(|()| clap_mangen::generate_to(cmd, dir)),
        None => {
            let mut page = Vec::new();
            clap_mangen::Man::new(cmd).render(&mut page).map(|()| out!("{}", String::from_utf8_lossy(&page)))
        }
    };
    match (written, &args.out) {
        (Ok(()), _) => EXIT_OK,
        (Err(e), Some(dir)) => {
            errln!("error: {}: cannot write the man pages: {e}", dir.display());
            EXIT_FAILURE
        }
        (Err(e), None) => {
            errln!("error: cannot render the man page: {e}");
            EXIT_FAILURE
        }
    }
}

/// Runs the scenario with narration (writing nothing) and prints one object's story.
fn explain(args: ExplainArgs) -> u8 {
    // Writes nothing: a signal ends it at once throughout (the interrupt is never `loaded`).
    let _interrupt = install_interrupt();
    let Some(mut scenarios) =
        load_all(std::slice::from_ref(&args.scenario), &args.set, args.recursive, args.memory_budget)
    else {
        return EXIT_INVALID;
    };
    let Some(mut s) = scenarios.pop() else { return EXIT_INVALID };
    if let Some(seed) = args.seed {
        s.seed = seed;
    }
    let outcome = crate::simulate_observed(&s, None, crate::Observe { narrate: true, ..crate::Observe::default() });
    match crate::explain::story(&s, &outcome, &args.object) {
        Ok(story) => {
            out!("{story}");
            EXIT_OK
        }
        Err(message) => {
            errln!("error: {message}");
            EXIT_INVALID
        }
    }
}

/// `perf-config`: plans every workload of the file, runs those kubesim models one after the
/// other (each a deterministic run; the wall clock only times the scheduler's work, for the
/// rate printed beside the simulated throughput) and prints a line per workload.
fn perf_config(args: PerfConfigArgs) -> u8 {
    use kubesim_core::scheduler_perf;
    let _interrupt = install_interrupt();
    let workloads = match scheduler_perf::plan(&args.file, args.workload.as_deref(), &Disk) {
        Ok(w) => w,
        Err(diagnostics) => {
            print_diagnostics(&diagnostics);
            return EXIT_INVALID;
        }
    };
    let mut summary = String::from(
        "workload,status,nodes,measured_pods,measured_scheduled,sim_average,sim_perc50,sim_perc90,sim_perc95,sim_perc99,threshold,nodes_used,max_pods_per_node,reason\n",
    );
    for w in workloads {
        let planned = match w.plan {
            Ok(p) => p,
            Err(reason) => {
                let first = reason.lines().next().unwrap_or_default().to_string();
                outln!("{}: refused: {first}", w.name);
                summary.push_str(&format!("{},refused,,,,,,,,,,,,{}\n", w.name, csv_field(&first)));
                continue;
            }
        };
        let observe =
            crate::Observe { profile: Some(files::wall_clock as kubesim_core::WallClock), ..Default::default() };
        let started = files::wall_clock();
        let outcome = crate::simulate_observed(&planned.scenario, None, observe);
        let wall = (files::wall_clock() - started).as_secs_f64();
        let report = scheduler_perf::Report::of(&planned, &outcome);
        let scheduler_wall = outcome
            .wall_profile
            .as_ref()
            .and_then(|p| p.rows().find(|r| r.0 == "scheduler").map(|r| r.1))
            .unwrap_or(0.0);
        let rate = if scheduler_wall > 0.0 { report.scheduled_all as f64 / scheduler_wall } else { 0.0 };
        let sim = match &report.throughput {
            Some(t) => format!(
                "SchedulingThroughput Average {:.1} Perc50 {:.1} Perc90 {:.1} Perc95 {:.1} Perc99 {:.1} pods/s (virtual)",
                t.average, t.perc50, t.perc90, t.perc95, t.perc99
            ),
            None => "no measured pod scheduled".to_string(),
        };
        let threshold = w.threshold.map(|t| format!(", threshold {t}")).unwrap_or_default();
        outln!(
            "{}: {}/{} measured pods scheduled on {} nodes; {sim}{threshold}; kubesim schedules {:.0} pods/s of wall time ({} pods in {:.3} s of scheduler work, run {:.3} s)",
            w.name,
            report.measured_scheduled,
            report.measured,
            report.nodes,
            rate,
            report.scheduled_all,
            scheduler_wall,
            wall
        );
        summary.push_str(&report.csv_row(&w.name, w.threshold));
        if let Some(dir) = &args.out {
            let folder = dir.join(&w.name);
            let written = std::fs::create_dir_all(&folder)
                .and_then(|()| std::fs::write(folder.join("placements.csv"), report.placements_csv(&outcome)));
            if let Err(e) = written {
                errln!("error: {}: {e}", folder.display());
                return EXIT_FAILURE;
            }
        }
    }
    if let Some(dir) = &args.out {
        let written = std::fs::create_dir_all(dir).and_then(|()| std::fs::write(dir.join("perf-config.csv"), &summary));
        if let Err(e) = written {
            errln!("error: {}: {e}", dir.display());
            return EXIT_FAILURE;
        }
    }
    EXIT_OK
}

/// A CSV field, quoted when it needs to be.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Loads every file; prints every problem. None if any file has an error or a run of it would
/// hold more than `budget` bytes.
fn load_all(paths: &[PathBuf], overrides: &[String], recursive: bool, budget: u64) -> Option<Vec<Scenario>> {
    let mut scenarios = Vec::new();
    let mut failed = false;
    for path in paths {
        let (input, loaded) = scenario::load_path(path, overrides, recursive, &Disk);
        if input == scenario::Input::Manifests {
            errln!("note: {}: {}", path.display(), scenario::MANIFEST_ASSUMPTIONS);
        }
        match loaded {
            Ok(loaded) => {
                print_diagnostics(&loaded.warnings);
                if over_budget(path, &loaded, budget) {
                    failed = true;
                }
                scenarios.push(loaded.scenario);
            }
            Err(diagnostics) => {
                print_diagnostics(&diagnostics);
                failed = true;
            }
        }
    }
    (!failed).then_some(scenarios)
}

/// Says so (an error) when a run of `loaded` would hold more than `budget` bytes.
fn over_budget(path: &std::path::Path, loaded: &scenario::Loaded, budget: u64) -> bool {
    let Some(message) = loaded.estimate.check(budget) else { return false };
    errln!("error: {}: {message}", path.display());
    true
}

/// At most this many errors, and as many warnings, are printed per file, as compilers do;
/// a count says how many more there were.
pub const DIAGNOSTICS_PRINTED_MAX: usize = 100;

fn print_diagnostics(diagnostics: &[Diagnostic]) {
    let mut shown = [0usize; 2];
    let mut hidden = [0usize; 2];
    for d in diagnostics {
        let k = usize::from(!d.is_error());
        if shown[k] < DIAGNOSTICS_PRINTED_MAX {
            shown[k] += 1;
            errln!("{d}");
        } else {
            hidden[k] += 1;
        }
    }
    for (k, what) in ["errors", "warnings"].iter().enumerate() {
        if hidden[k] > 0 {
            let file =
                diagnostics.iter().find(|d| usize::from(!d.is_error()) == k).map(|d| d.file.display().to_string());
            errln!(
                "{}: {}: {} more {what} not shown (the first {DIAGNOSTICS_PRINTED_MAX} are above)",
                if k == 0 { "error" } else { "warning" },
                file.unwrap_or_default(),
                hidden[k]
            );
        }
    }
}

/// Checks scenario files, and files of Kubernetes manifests (each object as in a scenario).
fn validate(args: ValidateArgs) -> u8 {
    // Writes nothing: a signal ends it at once throughout (the interrupt is never `loaded`).
    let _interrupt = install_interrupt();
    let mut code = EXIT_OK;
    for path in &args.scenarios {
        let (input, loaded) = scenario::load_path(path, &args.set, args.recursive, &Disk);
        let manifests = input == scenario::Input::Manifests;
        match loaded {
            Ok(l) if over_budget(path, &l, args.memory_budget) => {
                print_diagnostics(&l.warnings);
                code = EXIT_INVALID;
            }
            Ok(l) => {
                print_diagnostics(&l.warnings);
                let s = &l.scenario;
                if manifests {
                    outln!("{}: ok (Kubernetes manifests, {} objects)", path.display(), s.objects.len());
                } else {
                    let sweep = s.sweep.as_ref().map_or(String::new(), |w| {
                        format!(", a sweep of {} variants x {} seeds", w.variants.len(), w.seeds.len())
                    });
                    outln!(
                        "{}: ok (scenario \"{}\", {} objects, {} timeline entries{sweep})",
                        path.display(),
                        s.name,
                        s.objects.len(),
                        s.timeline.len()
                    );
                }
            }
            Err(diagnostics) => {
                print_diagnostics(&diagnostics);
                code = EXIT_INVALID;
            }
        }
    }
    code
}

fn run(args: RunArgs) -> u8 {
    let interrupt = install_interrupt();
    let json = args.output == OutputFormat::Json;
    if json && args.watch.is_some() {
        errln!("error: --watch prints tables on stdout, where --output json prints only JSON: use one of them");
        return EXIT_INVALID;
    }
    let Some(mut scenarios) = load_all(&args.scenarios, &args.set, args.recursive, args.memory_budget) else {
        return EXIT_INVALID;
    };
    if let Some(seed) = args.seed {
        scenarios.iter_mut().for_each(|s| s.seed = seed);
    }
    let mut names: BTreeMap<&str, usize> = BTreeMap::new();
    for s in &scenarios {
        *names.entry(s.name.as_str()).or_insert(0) += 1;
    }
    if let Some((name, _)) = names.iter().find(|(_, n)| **n > 1) {
        errln!(
            "error: two scenarios are named \"{name}\" and would write to the same folder; give each its own `name:`"
        );
        return EXIT_INVALID;
    }
    interrupt.loaded();
    let jobs = args.jobs.map_or_else(rayon::current_num_threads, |j| j as usize);
    let threads = jobs.min(scenarios.len().max(1));
    // The threads no scenario takes draw charts: a lone scenario's charts are drawn side by side.
    let chart_threads = (jobs / scenarios.len().max(1)).max(1);
    let pool = match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
        Ok(pool) => pool,
        Err(e) => {
            errln!("error: cannot start {threads} threads: {e}");
            return EXIT_FAILURE;
        }
    };
    let progress = Progress::new(&scenarios, args.quiet);
    let results: Vec<RunResult> = pool.install(|| {
        scenarios
            .par_iter()
            .enumerate()
            .map(|(i, s)| {
                let observe = crate::Observe {
                    watch: args.watch,
                    narrate: args.narrate,
                    profile: args.profile.then_some(files::wall_clock as kubesim_core::WallClock),
                };
                let control = crate::Control { stop: Some(interrupt.flag()), max_events: args.max_events };
                run_one(
                    s,
                    &args.out,
                    (threads, chart_threads),
                    &progress.done_us[i],
                    observe,
                    control,
                    (json, args.openmetrics),
                )
            })
            .collect()
    });
    progress.finish();
    let mut code = EXIT_OK;
    let (mut finished, mut abandoned) = (Vec::new(), Vec::new());
    for (s, r) in scenarios.iter().zip(results) {
        match r {
            RunResult::Written { line, watched } => {
                // The snapshots of each scenario in turn (runs in parallel, printed in order).
                out!("{watched}");
                if json || !args.quiet {
                    outln!("{line}");
                }
                finished.push(s.name.as_str());
            }
            RunResult::Interrupted => abandoned.push(s.name.as_str()),
            RunResult::Failed(e) => {
                errln!("error: {e}");
                code = EXIT_FAILURE;
            }
        }
    }
    if interrupt.requested() || !abandoned.is_empty() {
        let list = |v: &[&str]| if v.is_empty() { "none".to_string() } else { v.join(", ") };
        errln!(
            "interrupted by {}: finished and written: {}; abandoned (nothing written): {}",
            interrupt.signal_name(),
            list(&finished),
            list(&abandoned)
        );
        return interrupt.exit_code();
    }
    code
}

/// The command that finishes an interrupted sweep: the same file, folder and shard, with
/// `--resume`.
fn resume_command(args: &SweepArgs, shard: Option<crate::sweep::Shard>) -> String {
    let mut words = vec!["kubesim".to_string(), "sweep".into(), shell_word(&args.scenario.to_string_lossy())];
    words.extend(["--out".into(), shell_word(&args.out.to_string_lossy())]);
    if let Some(s) = shard {
        words.extend(["--shard".into(), s.to_string()]);
    }
    words.push("--resume".into());
    words.join(" ")
}

/// `word` as one shell word: as it is when it holds only safe characters, else in single
/// quotes.
fn shell_word(word: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "/._-+=:,@%".contains(c);
    if !word.is_empty() && word.chars().all(safe) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// Makes `dir` and checks that a file can be made in it (and removes that file).
fn check_writable(dir: &std::path::Path) -> Result<(), String> {
    let probe = dir.join(format!(".kubesim-write-check.tmp-{}", std::process::id()));
    std::fs::create_dir_all(dir)
        .and_then(|()| std::fs::write(&probe, b""))
        .and_then(|()| std::fs::remove_file(&probe))
        .map_err(|e| format!("cannot write into {}: {e}; nothing was simulated", dir.display()))
}

/// The handlers for Ctrl-C and SIGTERM, in the loading phase (a signal exits at once with
/// 130 / 143 until `Interrupt::loaded`); without them (an error) a signal ends the process.
fn install_interrupt() -> crate::interrupt::Interrupt {
    crate::interrupt::Interrupt::install().unwrap_or_else(|e| {
        errln!("warning: cannot handle Ctrl-C / SIGTERM ({e}): an interrupt will end the process at once");
        crate::interrupt::Interrupt::default()
    })
}

/// How one scenario of `kubesim run` ended.
enum RunResult {
    /// Run and written: the line to print (the summary as JSON with `--output json`), the
    /// `--watch` snapshots.
    Written {
        line: String,
        watched: String,
    },
    /// Abandoned because of an interrupt; nothing written.
    Interrupted,
    Failed(String),
}

fn run_one(
    s: &Scenario,
    out: &std::path::Path,
    (threads, chart_threads): (usize, usize),
    done_us: &AtomicU64,
    observe: crate::Observe,
    control: crate::Control<'_>,
    (json, openmetrics): (bool, bool),
) -> RunResult {
    if control.stop.is_some_and(|f| f.load(Ordering::Relaxed)) {
        return RunResult::Interrupted;
    }
    let started = Instant::now();
    let outcome = crate::simulate_controlled(s, Some(done_us), observe, control);
    match outcome.stopped {
        Some(crate::Stopped::Interrupted) => {
            // The process ends soon: freeing a million pods one by one would take seconds of
            // the grace period a signal leaves, and returns nothing the exit does not.
            std::mem::forget(outcome);
            return RunResult::Interrupted;
        }
        Some(why) => return RunResult::Failed(format!("{}: {why}", s.name)),
        None => {}
    }
    let wall = started.elapsed().as_secs_f64();
    let dir = out.join(&s.name);
    let info = RunInfo {
        wall_time_s: wall,
        threads,
        chart_threads,
        sweep_hash: None,
        variant: None,
        no_charts: false,
        openmetrics,
    };
    if let Err(e) = files::write_run_stoppable(&dir, s, &outcome, &info, control.stop) {
        if control.stop.is_some_and(|f| f.load(Ordering::Relaxed)) {
            std::mem::forget(outcome);
            return RunResult::Interrupted;
        }
        return RunResult::Failed(format!("{}: cannot write output: {e}", dir.display()));
    }
    if json {
        // The file just written, rather than the summary computed again (its percentiles sort
        // every latency of the run).
        let path = dir.join("summary.json");
        return match std::fs::read(&path) {
            Ok(summary) => RunResult::Written {
                line: String::from_utf8_lossy(&crate::json_lines::one_line(&summary)).into_owned(),
                watched: outcome.watch_log,
            },
            Err(e) => RunResult::Failed(format!("{}: cannot read: {e}", path.display())),
        };
    }
    let line = format!(
        "{}: simulated {} in {:.2}s ({} events, {} pods) -> {}",
        s.name,
        crate::engine::SimDuration(s.duration.0),
        wall,
        outcome.events_processed,
        outcome.store.pods.len(),
        dir.display()
    );
    RunResult::Written { line, watched: outcome.watch_log }
}

/// A progress bar over the virtual time of all runs, on a terminal only.
struct Progress {
    done_us: Arc<Vec<AtomicU64>>,
    handle: Option<(Arc<AtomicBool>, std::thread::JoinHandle<()>)>,
}

impl Progress {
    fn new(scenarios: &[Scenario], quiet: bool) -> Self {
        let done_us: Arc<Vec<AtomicU64>> = Arc::new(scenarios.iter().map(|_| AtomicU64::new(0)).collect());
        if quiet || !std::io::stderr().is_terminal() {
            return Progress { done_us, handle: None };
        }
        let total: u64 = scenarios.iter().map(|s| s.duration.0).sum::<u64>().max(1);
        let stop = Arc::new(AtomicBool::new(false));
        let bar = indicatif::ProgressBar::new(total);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} [{bar:40}] {percent:>3}% of simulated time, {elapsed} elapsed, ETA {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        let (stop2, done2) = (stop.clone(), done_us.clone());
        let handle = std::thread::spawn(move || {
            while !stop2.load(Ordering::Relaxed) {
                bar.set_position(done2.iter().map(|a| a.load(Ordering::Relaxed)).sum());
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            bar.finish_and_clear();
        });
        Progress { done_us, handle: Some((stop, handle)) }
    }

    fn finish(self) {
        if let Some((stop, handle)) = self.handle {
            stop.store(true, Ordering::Relaxed);
            let _ = handle.join();
        }
    }
}

fn sweep(args: SweepArgs) -> u8 {
    let interrupt = install_interrupt();
    let loaded = match files::load_file(&args.scenario, &[]) {
        Ok(loaded) => loaded,
        Err(diagnostics) => {
            print_diagnostics(&diagnostics);
            return EXIT_INVALID;
        }
    };
    print_diagnostics(&loaded.warnings);
    if over_budget(&args.scenario, &loaded, args.memory_budget) {
        return EXIT_INVALID;
    }
    let Some(sweep) = Sweep::new(&loaded) else {
        errln!(
            "error: {}: the scenario has no `sweep:` section: add one with `seeds` and `variants` (see README, Sweeps), or use `kubesim run`",
            args.scenario.display()
        );
        return EXIT_INVALID;
    };
    let shard = match crate::sweep::select_shard(args.shard, args.shards, |k| std::env::var(k).ok()) {
        Ok(shard) => shard,
        Err(e) => {
            errln!("error: {e}");
            return EXIT_INVALID;
        }
    };
    let all = sweep.runs();
    let keys = shard.map_or_else(|| all.clone(), |(s, _)| s.select(&all));
    if let (Some((s, source)), false) = (shard, args.quiet) {
        errln!("shard {s} (from {source}): {} of the sweep's {} runs", keys.len(), all.len());
    }
    interrupt.loaded();
    // A folder that cannot be written fails now, not after hours of simulation.
    if let Err(e) = check_writable(&args.out.join(&sweep.name)) {
        errln!("error: {e}");
        return EXIT_FAILURE;
    }
    let threads = args.jobs.map_or_else(rayon::current_num_threads, |j| j as usize).min(keys.len().max(1));
    let pool = match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
        Ok(pool) => pool,
        Err(e) => {
            errln!("error: cannot start {threads} threads: {e}");
            return EXIT_FAILURE;
        }
    };
    let started = Instant::now();
    let bar = run_bar(keys.len() as u64, args.quiet);
    let opts = crate::sweep::RunOptions {
        threads,
        resume: args.resume,
        run_charts: args.run_charts,
        openmetrics: args.openmetrics,
        control: crate::Control { stop: Some(interrupt.flag()), max_events: args.max_events },
    };
    let ends = pool.install(|| crate::sweep::run_all(&sweep, &keys, &args.out, &opts, &|| bar.inc(1)));
    bar.finish_and_clear();
    let dir = args.out.join(&sweep.name);
    let failed: Vec<&String> =
        ends.iter().filter_map(|e| if let RunEnd::Failed(m) = e { Some(m) } else { None }).collect();
    for message in &failed {
        errln!("error: {message}");
    }
    if interrupt.requested() || ends.contains(&RunEnd::Interrupted) {
        let done = ends.iter().filter(|e| e.summary().is_some()).count();
        errln!(
            "interrupted by {}: {done} of {} runs finished ({}); the others wrote nothing. \
             `{}` runs the rest and writes the comparison",
            interrupt.signal_name(),
            keys.len(),
            crate::sweep::finished_runs(&sweep, &keys, &ends),
            resume_command(&args, shard.map(|(s, _)| s))
        );
        return interrupt.exit_code();
    }
    if !failed.is_empty() {
        return EXIT_FAILURE;
    }
    if args.resume {
        crate::sweep::remove_temp_files(&dir);
    }
    if args.resume && !args.quiet {
        let kept = ends.iter().filter(|e| matches!(e, RunEnd::Kept(_))).count();
        errln!("resumed: {kept} of {} runs were complete and kept, {} run now", keys.len(), keys.len() - kept);
    }
    let json = args.output == OutputFormat::Json;
    if json {
        for (key, end) in keys.iter().zip(&ends) {
            if let Some(summary) = end.summary() {
                let line = crate::json_lines::with_variant(summary, &sweep.variants[key.variant].name);
                outln!("{}", String::from_utf8_lossy(&line));
            }
        }
    }
    // The lines for people: not with --quiet, and not among JSON lines.
    let text = !args.quiet && !json;
    let summaries: Vec<Vec<u8>> = ends.iter().filter_map(|e| e.summary().map(<[u8]>::to_vec)).collect();
    let wall = started.elapsed().as_secs_f64();
    if let Some((s, _)) = shard {
        let path = dir.join(s.file_name());
        if let Err(e) = crate::files::write_atomic(&path, &crate::sweep::shard_manifest(&sweep, s, &keys)) {
            errln!("error: {}: cannot write: {e}", path.display());
            return EXIT_FAILURE;
        }
        if text {
            outln!("{}: shard {s}: {} runs in {wall:.2}s -> {}", sweep.name, keys.len(), path.display());
        }
        return EXIT_OK;
    }
    let per_variant: Vec<Vec<Vec<u8>>> = summaries.chunks(sweep.seeds.len().max(1)).map(<[Vec<u8>]>::to_vec).collect();
    let code = write_comparison(&dir, &sweep.name, &sweep.seeds, &sweep.variant_sets(), &per_variant, !text);
    if code == EXIT_OK && text {
        outln!(
            "{}: {} runs ({} variants x {} seeds) in {wall:.2}s on {threads} threads -> {}",
            sweep.name,
            keys.len(),
            sweep.variants.len(),
            sweep.seeds.len(),
            dir.display()
        );
    }
    code
}

fn write_comparison(
    dir: &std::path::Path,
    name: &str,
    seeds: &[u64],
    variants: &[(String, Vec<String>)],
    summaries: &[Vec<Vec<u8>>],
    quiet: bool,
) -> u8 {
    let c = match crate::sweep::comparison(name, seeds, variants, summaries) {
        Ok(c) => c,
        Err(e) => {
            errln!("error: {e}");
            return EXIT_FAILURE;
        }
    };
    match crate::sweep::write_comparison(dir, &c) {
        Ok(_) => {
            if !quiet {
                outln!("{}", dir.join("comparison.csv").display());
            }
            EXIT_OK
        }
        Err(e) => {
            errln!("error: {}: cannot write the comparison: {e}", dir.display());
            EXIT_FAILURE
        }
    }
}

fn merge(args: MergeArgs) -> u8 {
    let (first, c) = match crate::sweep::merge(&args.dirs) {
        Ok(m) => m,
        Err(e) => {
            errln!("error: {e}");
            return match e {
                MergeError::Invalid(_) => EXIT_INVALID,
                MergeError::Io(_) => EXIT_FAILURE,
            };
        }
    };
    let dir = match &args.out {
        Some(out) => out.join(&first.scenario),
        None => first.path.parent().map(std::path::Path::to_path_buf).unwrap_or_default(),
    };
    let code = match crate::sweep::write_comparison(&dir, &c) {
        Ok(_) => EXIT_OK,
        Err(e) => {
            errln!("error: {}: cannot write the comparison: {e}", dir.display());
            EXIT_FAILURE
        }
    };
    if code == EXIT_OK && !args.quiet {
        outln!(
            "{}: merged {} shards ({} variants x {} seeds) -> {}",
            first.scenario,
            first.shard.count,
            first.variants.len(),
            first.seeds.len(),
            dir.join("comparison.csv").display()
        );
    }
    code
}

/// Runs done out of `total`, with the time left, on a terminal only.
fn run_bar(total: u64, quiet: bool) -> indicatif::ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} [{bar:40}] {pos}/{len} runs, {elapsed} elapsed, ETA {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(100));
    bar
}
