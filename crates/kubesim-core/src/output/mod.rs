//! Writers: each of a run's files (and a sweep's) into memory or a `std::io::Write` sink.
//! Where they go (a folder, atomically) is the caller's: the command line's `files`.

mod bitmap;
pub mod charts;
pub mod csv_files;
pub(crate) mod report;
mod summary;
mod sweep_report;
pub mod tidy;
#[cfg(target_arch = "wasm32")]
mod wasm_text;

pub use report::run_report;
pub use summary::{run_json, summary_json, Summary, VERSION};
pub use sweep_report::sweep_report;

use crate::model::spec::Scenario;
use crate::sim::Outcome;
use crate::sweep::Comparison;
use std::collections::BTreeMap;
use std::io;

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
    /// A sweep's run: its variant, which `merge` checks against the run's folder.
    pub variant: Option<String>,
    /// No `charts/` and no `report.html`: a sweep's run without `--run-charts`, whose
    /// figures the sweep's own comparison, charts and report show.
    pub no_charts: bool,
    /// `--openmetrics`: also write timeseries.openmetrics.txt (several times the size of
    /// timeseries.csv, as every sample repeats its labels, so only on request).
    pub openmetrics: bool,
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

/// Where a run's (or a sweep comparison's) files go, one by one, by their names relative to
/// the run's folder (`summary.json`, `charts/pods.svg`): a folder on disk, written
/// atomically, for the command line; memory for a browser or a test.
pub trait RunSink {
    /// Writes the file `name`, `fill` streaming its content.
    fn file(&mut self, name: &str, fill: &mut dyn FnMut(&mut dyn io::Write) -> io::Result<()>) -> io::Result<()>;

    /// Writes the file `name` with `bytes` as its content.
    fn bytes(&mut self, name: &str, bytes: &[u8]) -> io::Result<()> {
        self.file(name, &mut |w| w.write_all(bytes))
    }

    /// Draws `list` and writes each chart as `charts/<stem>.svg` and `.png`, in order;
    /// returns them as the report embeds them. (The command line draws on threads.)
    fn charts<C: charts::Drawable + Sync>(&mut self, list: &[C]) -> io::Result<Vec<EmbeddedChart>>
    where
        Self: Sized,
    {
        let drawn = render_charts(list).map_err(io::Error::other)?;
        write_charts(self, drawn)
    }

    /// Seconds spent writing so far, for run.json's `output_s` (0 without a clock).
    fn elapsed_s(&self) -> f64 {
        0.0
    }
}

/// Writes drawn charts (`render_charts`) as `charts/<stem>.svg` and `.png`, in order, and
/// returns them as the report embeds them.
pub fn write_charts<S: RunSink + ?Sized>(
    sink: &mut S,
    drawn: Vec<(EmbeddedChart, String)>,
) -> io::Result<Vec<EmbeddedChart>> {
    let mut embedded = Vec::with_capacity(drawn.len());
    for (chart, svg) in drawn {
        let named = |e: io::Error| io::Error::other(format!("chart {}: {e}", chart.0));
        sink.bytes(&format!("charts/{}.svg", chart.0), svg.as_bytes()).map_err(named)?;
        sink.bytes(&format!("charts/{}.png", chart.0), &chart.2).map_err(named)?;
        embedded.push(chart);
    }
    Ok(embedded)
}

/// Every file of one run, in the order a reader may rely on: `run.json` last (its presence
/// says the others are complete; with `--profile` it tells how long writing them took).
pub fn write_run<S: RunSink>(sink: &mut S, scenario: &Scenario, outcome: &Outcome, info: &RunInfo) -> io::Result<()> {
    let summary = Summary::new(scenario, outcome);
    sink.bytes("summary.json", &summary_json(&summary))?;
    sink.file("timeseries.csv", &mut |w| csv_files::timeseries(outcome, w))?;
    sink.file("timeseries-long.csv", &mut |w| tidy::timeseries_long(outcome, w))?;
    if info.openmetrics {
        sink.file(tidy::OPENMETRICS_FILE, &mut |w| tidy::timeseries_openmetrics(&scenario.name, outcome, w))?;
    }
    sink.file("pods.csv", &mut |w| csv_files::pods(outcome, w))?;
    sink.file("events.csv", &mut |w| csv_files::events(outcome, w))?;
    if !info.no_charts {
        let pngs = sink.charts(&charts::run_charts(outcome))?;
        sink.bytes("report.html", &run_report(scenario, &summary, outcome, &pngs))?;
    }
    if let Some(narrator) = &outcome.narration {
        sink.bytes("narration.log", narrator.log().as_bytes())?;
    }
    if let Some(log) = &outcome.kubectl_log {
        sink.bytes("kubectl.log", log.as_bytes())?;
    }
    let output_s = sink.elapsed_s();
    sink.bytes(RUN_MARKER, &run_json(&summary, outcome, info, output_s))
}

/// A sweep's comparison: `comparison.csv`, `comparison.json`, its charts and report.html.
pub fn write_comparison<S: RunSink>(sink: &mut S, comparison: &Comparison) -> io::Result<()> {
    sink.bytes("comparison.csv", &comparison.csv)?;
    sink.bytes("comparison.json", &comparison.json)?;
    let pngs = sink.charts(&comparison.charts)?;
    sink.bytes("report.html", &sweep_report(&comparison.json, &pngs))
}

/// Files held in memory by name, in name order.
#[derive(Clone, Debug, Default)]
pub struct MemorySink {
    pub files: BTreeMap<String, Vec<u8>>,
}

impl RunSink for MemorySink {
    fn file(&mut self, name: &str, fill: &mut dyn FnMut(&mut dyn io::Write) -> io::Result<()>) -> io::Result<()> {
        let mut bytes = Vec::new();
        fill(&mut bytes)?;
        self.files.insert(name.to_string(), bytes);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn a_run_writes_every_file_into_memory_with_run_json_last() {
        let text = "duration: 2m\nobjects:\n  - apiVersion: apps/v1\n    kind: Deployment\n    metadata: {name: web}\n    spec:\n      replicas: 2\n      selector: {matchLabels: {app: web}}\n      template:\n        metadata: {labels: {app: web}}\n        spec: {containers: [{name: web, image: 'web:1'}]}\n";
        let loaded = crate::load_str(Path::new("web.yaml"), text, &[], &crate::NoFiles).expect("loads");
        let outcome = crate::simulate(&loaded.scenario, None);

        /// Remembers the order files come in.
        #[derive(Default)]
        struct Ordered(Vec<String>, MemorySink);
        impl RunSink for Ordered {
            fn file(
                &mut self,
                name: &str,
                fill: &mut dyn FnMut(&mut dyn io::Write) -> io::Result<()>,
            ) -> io::Result<()> {
                self.0.push(name.to_string());
                self.1.file(name, fill)
            }
        }
        let mut sink = Ordered::default();
        write_run(&mut sink, &loaded.scenario, &outcome, &RunInfo::default()).expect("written");
        for name in ["summary.json", "timeseries.csv", "pods.csv", "events.csv", "report.html", "charts/pods.png"] {
            assert!(sink.1.files.get(name).is_some_and(|b| !b.is_empty()), "{name} missing or empty");
        }
        assert_eq!(sink.0.last().map(String::as_str), Some(RUN_MARKER), "run.json comes last");
        assert!(!sink.1.files.contains_key("narration.log"), "no narration without --narrate");
        let pods = String::from_utf8_lossy(&sink.1.files["pods.csv"]).lines().count();
        assert_eq!(pods, 3, "a header and the two pods");

        // A sweep's run without --run-charts: the same data files, no charts, no report.
        let mut bare = Ordered::default();
        write_run(&mut bare, &loaded.scenario, &outcome, &RunInfo { no_charts: true, ..RunInfo::default() })
            .expect("written");
        assert_eq!(
            bare.0,
            ["summary.json", "timeseries.csv", "timeseries-long.csv", "pods.csv", "events.csv", RUN_MARKER]
        );
        assert_eq!(bare.1.files["events.csv"], sink.1.files["events.csv"]);
    }
}
