//! Writers: each of a run's files (and a sweep's) into memory or a `std::io::Write` sink.
//! Where they go (a folder, atomically) is the caller's: the command line's `files`.

pub mod charts;
pub mod csv_files;
mod report;
mod summary;
mod sweep_report;

pub use report::run_report;
pub use summary::{run_json, summary_json, Summary, VERSION};
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

/// A chart as a report embeds it: file stem, title, PNG bytes.
pub type EmbeddedChart = (String, String, Vec<u8>);

/// Each chart of `list` drawn, in order, as the report embeds it (stem, title, PNG) and
/// as its two files' contents.
pub fn render_charts<C: charts::Drawable>(list: &[C]) -> Result<Vec<(EmbeddedChart, String)>, String> {
    list.iter()
        .map(|chart| {
            let drawn = chart.render().map_err(|e| format!("chart {}: {e}", chart.file_stem()))?;
            Ok(((chart.file_stem().to_string(), chart.title().to_string(), drawn.png), drawn.svg))
        })
        .collect()
}
