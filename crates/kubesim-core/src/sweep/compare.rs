//! comparison.csv and comparison.json: one row per variant, each headline figure of
//! summary.json as mean, standard deviation, 95% CI, min and max, and the paired difference
//! from the first variant with its 95% CI. Numbers are printed with six decimals.

use super::stats::{describe, paired, Stats};
use crate::output::charts::{SweepChart, SweepColumn};
use serde_json::{json, Map, Value};

/// The figures first shown, in this order, when present; other numeric figures follow in
/// alphabetical order.
const HEADLINE: &[&str] = &[
    "availability",
    "requests_total",
    "requests_failed",
    "latency_p50_ms",
    "latency_p99_ms",
    "service_unavailable_s",
    "rollout_duration_s",
    "rollouts_completed",
    "min_available",
    "max_surge_observed",
    "scheduling_latency_p50_ms",
    "scheduling_latency_p99_ms",
    "pods_unschedulable_max",
    "pods_created",
    "pod_restarts",
    "pods_evicted",
    "time_to_recover_s",
    "events_processed",
];
/// Numbers of summary.json that are not outcomes.
const NOT_FIGURES: &[&str] = &["seed", "sim_time_s"];
const DECIMALS: usize = 6;

/// The comparison's files and charts.
pub struct Comparison {
    pub csv: Vec<u8>,
    pub json: Vec<u8>,
    pub charts: Vec<SweepChart>,
}

/// Figures of summary.json that describe the simulation, not the system it simulates: neither
/// charted nor highlighted as a difference between variants.
pub const NOT_RESULTS: &[&str] = &["events_processed"];

/// Compares the variants from their runs' summary.json bytes: `summaries[v][i]` is variant
/// `v` with `seeds[i]`. Errors name the run whose summary is not a JSON object.
pub fn comparison(
    name: &str,
    seeds: &[u64],
    variants: &[(String, Vec<String>)],
    summaries: &[Vec<Vec<u8>>],
) -> Result<Comparison, String> {
    let mut parsed: Vec<Vec<Map<String, Value>>> = Vec::new();
    for ((vname, _), runs) in variants.iter().zip(summaries) {
        let mut rows = Vec::new();
        for (seed, bytes) in seeds.iter().zip(runs) {
            match serde_json::from_slice::<Value>(bytes) {
                Ok(Value::Object(m)) => rows.push(m),
                _ => return Err(format!("{vname}/seed-{seed}/summary.json: not a summary (a JSON object)")),
            }
        }
        parsed.push(rows);
    }
    let figures = figures(&parsed);
    let values = |v: usize, f: &str| -> Vec<f64> {
        parsed[v].iter().map(|m| m.get(f).and_then(Value::as_f64).unwrap_or(f64::NAN)).collect()
    };
    let mut table: Vec<Vec<(Option<Stats>, Option<Stats>)>> = Vec::new();
    for v in 0..variants.len() {
        let row = figures
            .iter()
            .map(|f| {
                let own = describe(&values(v, f));
                let diff = (v > 0).then(|| paired(&values(0, f), &values(v, f))).flatten();
                (own, diff)
            })
            .collect();
        table.push(row);
    }
    // A figure that is the same in every run says nothing about the variants, and one that
    // describes the simulation rather than the system (events processed) is no result: no
    // chart for either (the table and comparison.csv keep them).
    let same_everywhere = |f: &str| {
        let all: Vec<f64> = (0..variants.len()).flat_map(|v| values(v, f)).collect();
        all.windows(2).all(|w| w[0].to_bits() == w[1].to_bits())
    };
    let charts = figures
        .iter()
        .enumerate()
        .filter(|(_, f)| !NOT_RESULTS.contains(&f.as_str()) && !same_everywhere(f))
        .map(|(i, f)| chart(name, seeds.len(), f, variants, &table, i, |v| values(v, f)))
        .collect();
    Ok(Comparison {
        csv: csv(variants, &figures, &table, seeds.len()),
        json: json_file(name, seeds, variants, &figures, &table),
        charts,
    })
}

/// The numeric top-level figures present in every run, headline ones first.
fn figures(parsed: &[Vec<Map<String, Value>>]) -> Vec<String> {
    let all = || parsed.iter().flatten();
    let numeric = |f: &str| all().all(|m| m.get(f).is_some_and(Value::is_number));
    let Some(first) = all().next() else { return Vec::new() };
    let mut out: Vec<String> = HEADLINE.iter().filter(|f| numeric(f)).map(|f| f.to_string()).collect();
    // serde_json's maps are sorted, so the rest comes in alphabetical order.
    out.extend(
        first
            .keys()
            .filter(|k| !HEADLINE.contains(&k.as_str()) && !NOT_FIGURES.contains(&k.as_str()) && numeric(k))
            .cloned(),
    );
    out
}

/// A number with six decimals; never `-0.000000`.
pub(crate) fn fixed(x: f64) -> String {
    let s = format!("{x:.DECIMALS$}");
    if s.trim_start_matches('-').chars().all(|c| c == '0' || c == '.') {
        s.trim_start_matches('-').to_string()
    } else {
        s
    }
}

fn cells(s: Option<&Stats>) -> [String; 6] {
    let opt = |x: Option<f64>| x.map(fixed).unwrap_or_default();
    match s {
        None => Default::default(),
        Some(s) => [
            fixed(s.mean),
            opt(s.stddev),
            opt(s.ci95.map(|c| c.0)),
            opt(s.ci95.map(|c| c.1)),
            fixed(s.min),
            fixed(s.max),
        ],
    }
}

fn diff_cells(d: Option<&Stats>) -> [String; 3] {
    let opt = |x: Option<f64>| x.map(fixed).unwrap_or_default();
    match d {
        None => Default::default(),
        Some(d) => [fixed(d.mean), opt(d.ci95.map(|c| c.0)), opt(d.ci95.map(|c| c.1))],
    }
}

type Table = [Vec<(Option<Stats>, Option<Stats>)>];

fn csv(variants: &[(String, Vec<String>)], figures: &[String], table: &Table, runs: usize) -> Vec<u8> {
    let mut header = vec!["variant".to_string(), "runs".to_string()];
    for f in figures {
        for col in
            ["mean", "stddev", "ci95_low", "ci95_high", "min", "max", "diff_mean", "diff_ci95_low", "diff_ci95_high"]
        {
            header.push(format!("{f}_{col}"));
        }
    }
    let mut lines = vec![header.join(",")];
    for ((name, _), row) in variants.iter().zip(table) {
        let mut line = vec![name.clone(), runs.to_string()];
        for (own, diff) in row {
            line.extend(cells(own.as_ref()));
            line.extend(diff_cells(diff.as_ref()));
        }
        lines.push(line.join(","));
    }
    let mut text = lines.join("\n");
    text.push('\n');
    text.into_bytes()
}

/// A printed number back as a JSON number (so that the JSON says what the CSV says).
fn num(text: &str) -> Value {
    text.parse::<f64>().ok().and_then(serde_json::Number::from_f64).map_or(Value::Null, Value::Number)
}

fn json_file(
    name: &str,
    seeds: &[u64],
    variants: &[(String, Vec<String>)],
    figures: &[String],
    table: &Table,
) -> Vec<u8> {
    let rows: Vec<Value> = variants
        .iter()
        .zip(table)
        .map(|((vname, set), row)| {
            let figs: Vec<Value> = figures
                .iter()
                .zip(row)
                .map(|(f, (own, diff))| {
                    let [mean, sd, lo, hi, min, max] = cells(own.as_ref());
                    let [dm, dlo, dhi] = diff_cells(diff.as_ref());
                    json!({
                        "figure": f,
                        "mean": num(&mean), "stddev": num(&sd), "ci95_low": num(&lo), "ci95_high": num(&hi),
                        "min": num(&min), "max": num(&max),
                        "diff_mean": num(&dm), "diff_ci95_low": num(&dlo), "diff_ci95_high": num(&dhi),
                    })
                })
                .collect();
            json!({"variant": vname, "set": set, "runs": seeds.len(), "figures": figs})
        })
        .collect();
    let v = json!({
        "scenario": name,
        "kubesim_version": crate::output::VERSION,
        "seeds": seeds,
        "baseline": variants.first().map(|v| v.0.clone()),
        "confidence": 0.95,
        "variants": rows,
    });
    let mut bytes = serde_json::to_vec_pretty(&v).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// The chart of one figure: per variant the seeds' values, the mean and its CI.
fn chart(
    name: &str,
    runs: usize,
    figure: &str,
    variants: &[(String, Vec<String>)],
    table: &Table,
    i: usize,
    values: impl Fn(usize) -> Vec<f64>,
) -> SweepChart {
    let columns = variants
        .iter()
        .enumerate()
        .map(|(v, (vname, _))| {
            let own = table[v][i].0.as_ref();
            SweepColumn {
                name: vname.clone(),
                values: values(v),
                mean: own.map_or(f64::NAN, |s| s.mean),
                ci95: own.and_then(|s| s.ci95),
            }
        })
        .collect();
    SweepChart {
        file_stem: figure.replace('_', "-"),
        title: format!("{name}: {figure}, mean and 95% CI over {runs} seeds"),
        y_label: unit_label(figure),
        columns,
    }
}

/// The y axis of a figure, with its unit.
fn unit_label(figure: &str) -> String {
    if let Some(stem) = figure.strip_suffix("_ms") {
        format!("{stem} (ms)")
    } else if let Some(stem) = figure.strip_suffix("_s") {
        format!("{stem} (s)")
    } else if figure == "availability" {
        "availability (share of requests that succeeded)".into()
    } else {
        format!("{figure} (count)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(pairs: &[(&str, f64)]) -> Vec<u8> {
        let m: Map<String, Value> = pairs.iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
        serde_json::to_vec(&Value::Object(m)).unwrap()
    }

    #[test]
    fn figures_the_same_in_every_run_and_events_processed_get_no_chart() {
        let variants = vec![("a".to_string(), vec![]), ("b".to_string(), vec!["x=1".to_string()])];
        let run =
            |d: f64, e: f64| summary(&[("rollout_duration_s", d), ("pods_evicted", 0.0), ("events_processed", e)]);
        let c = comparison(
            "s",
            &[1, 2],
            &variants,
            &[vec![run(10.0, 5.0), run(20.0, 6.0)], vec![run(12.0, 7.0), run(23.0, 9.0)]],
        )
        .unwrap();
        let charted: Vec<&str> = c.charts.iter().map(|ch| ch.file_stem.as_str()).collect();
        assert_eq!(charted, ["rollout-duration-s"], "pods_evicted is 0 everywhere; events_processed is no result");
        let text = String::from_utf8(c.csv).unwrap();
        assert!(text.contains("pods_evicted_mean") && text.contains("events_processed_mean"), "the table keeps both");
    }

    #[test]
    fn rows_per_variant_with_paired_differences() {
        let variants = vec![("a".to_string(), vec![]), ("b".to_string(), vec!["x=1".to_string()])];
        let a = vec![summary(&[("rollout_duration_s", 10.0), ("seed", 1.0)]), summary(&[("rollout_duration_s", 20.0)])];
        let b = vec![summary(&[("rollout_duration_s", 12.0)]), summary(&[("rollout_duration_s", 23.0)])];
        let c = comparison("s", &[1, 2], &variants, &[a, b]).unwrap();
        let text = String::from_utf8(c.csv).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines[0].starts_with("variant,runs,rollout_duration_s_mean,rollout_duration_s_stddev,"),
            "{}",
            lines[0]
        );
        assert!(!lines[0].contains("seed_"), "seed is not a figure (and is absent from one run)");
        // a: mean 15, sd 7.071068, half width t(0.975, 1) * 7.071068 / sqrt 2 = 63.531024.
        assert_eq!(lines[1], "a,2,15.000000,7.071068,-48.531024,78.531024,10.000000,20.000000,,,");
        // b - a: 2 and 3, mean 2.5, sd 0.707107, half width 12.706205 * 0.5 = 6.353102.
        assert!(lines[2].ends_with(",2.500000,-3.853102,8.853102"), "{}", lines[2]);
        let j: Value = serde_json::from_slice(&c.json).unwrap();
        assert_eq!(j["variants"][1]["figures"][0]["diff_mean"], json!(2.5));
        assert_eq!(j["variants"][0]["figures"][0]["diff_mean"], Value::Null);
        assert_eq!(c.charts.len(), 1);
        assert_eq!(c.charts[0].file_stem, "rollout-duration-s");
    }

    #[test]
    fn fixed_decimals_without_negative_zero() {
        assert_eq!(fixed(-0.0), "0.000000");
        assert_eq!(fixed(-1e-9), "0.000000");
        assert_eq!(fixed(-1.5), "-1.500000");
        assert_eq!(fixed(2.0 / 3.0), "0.666667");
    }
}
