//! The time series for other tools: timeseries-long.csv (tidy: one row per value) and, with
//! `--openmetrics`, timeseries.openmetrics.txt for Prometheus; both say what timeseries.csv
//! says.

use crate::support::{arg, kubesim, load_text, repo_path, run};
use kubesim::output::{MemorySink, RunInfo};
use std::collections::BTreeMap;

/// The run's files in memory, with `--openmetrics` or not.
fn files(s: &kubesim::Scenario, o: &kubesim::Outcome, openmetrics: bool) -> BTreeMap<String, String> {
    let mut sink = MemorySink::default();
    let info = RunInfo { openmetrics, ..RunInfo::default() };
    kubesim::output::write_run(&mut sink, s, o, &info).expect("written");
    sink.files
        .into_iter()
        .filter(|(k, _)| !k.ends_with(".png"))
        .map(|(k, v)| (k.clone(), String::from_utf8(v).unwrap_or_else(|_| panic!("{k}: not UTF-8"))))
        .collect()
}

fn records(csv_text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_reader(csv_text.as_bytes());
    let header = r.headers().expect("header").iter().map(str::to_string).collect();
    let rows = r.records().map(|row| row.expect("row").iter().map(str::to_string).collect()).collect();
    (header, rows)
}

/// The wide file reshaped by hand: (time, kind, namespace, name, metric, value) for each
/// non-empty cell, in time order then column order.
fn reshaped(wide: &str) -> Vec<Vec<String>> {
    let (header, rows) = records(wide);
    let mut out = Vec::new();
    for row in rows {
        for (column, value) in header.iter().zip(&row).skip(1) {
            if value.is_empty() {
                continue;
            }
            let parts: Vec<&str> = column.split('/').collect();
            let (kind, object, metric) = (parts[0], parts[1], parts[2]);
            let (namespace, name) = match object.split_once(':') {
                _ if kind == "cluster" => ("", object),
                Some((ns, name)) => (ns, name),
                None => ("default", object),
            };
            out.push([&row[0], kind, namespace, name, metric, value].map(str::to_string).to_vec());
        }
    }
    out
}

#[test]
fn the_long_time_series_has_a_row_for_every_value_of_the_wide_one_and_none_for_an_empty_cell() {
    // Services and an HPA: latency is empty while no request succeeded, cpu_utilization
    // before the HPA's first sync.
    let (s, o) = run("scenarios/hpa-traffic-step.yaml", &[]);
    let f = files(&s, &o, false);
    let (header, long) = records(&f["timeseries-long.csv"]);
    assert_eq!(header, ["time_s", "kind", "namespace", "name", "metric", "value"]);
    assert_eq!(long, reshaped(&f["timeseries.csv"]));
    assert!(long.iter().all(|r| !r[5].is_empty()), "no empty value");
    let (_, wide) = records(&f["timeseries.csv"]);
    let cells: usize = wide.iter().map(|r| r.len() - 1).sum();
    assert!(long.len() < cells, "the wide file has empty cells ({cells} cells, {} rows)", long.len());
    assert!(long.iter().any(|r| r[1..5] == ["hpa", "default", "web", "cpu_utilization"]));
    assert!(!f.contains_key("timeseries.openmetrics.txt"), "OpenMetrics only on request");
}

#[test]
fn the_long_time_series_splits_namespace_and_name() {
    let s = load_text(
        "duration: 30s\nobjects:\n  - {apiVersion: v1, kind: Namespace, metadata: {name: shop}}\n\
         \x20 - apiVersion: apps/v1\n    kind: Deployment\n    metadata: {name: web, namespace: shop}\n\
         \x20   spec:\n      replicas: 2\n      selector: {matchLabels: {app: web}}\n\
         \x20     template: {metadata: {labels: {app: web}}, spec: {containers: [{name: web, image: nginx}]}}\n",
    );
    let o = kubesim::simulate(&s, None);
    let (_, long) = records(&files(&s, &o, false)["timeseries-long.csv"]);
    let last_ready = long.iter().rev().find(|r| r[1..5] == ["deployment", "shop", "web", "ready"]).expect("ready");
    assert_eq!(last_ready[5], "2", "{last_ready:?}");
    assert!(long.iter().any(|r| r[1..5] == ["cluster", "", "all", "nodes_ready"]), "the cluster has no namespace");
}

/// timeseries.openmetrics.txt: families contiguous (the format's rule), counters that never
/// fall, latencies in seconds, `# EOF` last; and the same values as timeseries.csv.
#[test]
fn openmetrics_holds_the_time_series_in_prometheus_names_and_units() {
    let (s, o) = run("scenarios/hpa-traffic-step.yaml", &[]);
    let f = files(&s, &o, true);
    let text = &f["timeseries.openmetrics.txt"];
    assert!(text.ends_with("\n# EOF\n"), "ends with # EOF");
    let mut families_seen: Vec<String> = Vec::new();
    let mut last_total: BTreeMap<String, f64> = BTreeMap::new();
    let mut samples: BTreeMap<(String, String), String> = BTreeMap::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let name = rest.split(' ').next().expect("name").to_string();
            assert!(!families_seen.contains(&name), "{name} declared twice");
            families_seen.push(name);
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        let (series, rest) = line.split_once("} ").expect("labels");
        let (value, time) = rest.split_once(' ').expect("value and timestamp");
        let family = families_seen.last().expect("a TYPE first");
        assert!(series.starts_with(family.as_str()), "{series} outside its family {family}");
        assert!(series.contains("scenario=\"hpa-traffic-step\""), "{series}");
        if series.contains("_total{") {
            let v: f64 = value.parse().expect("number");
            let before = last_total.insert(series.to_string(), v).unwrap_or(0.0);
            assert!(v >= before, "{series}: a counter fell from {before} to {v}");
        }
        samples.insert((series.to_string() + "}", time.to_string()), value.to_string());
    }
    let at = |series: &str, t: &str| samples.get(&(series.to_string(), t.to_string())).cloned();
    let labels = "{scenario=\"hpa-traffic-step\",kind=\"deployment\",namespace=\"default\",name=\"web\"}";
    let (_, wide) = records(&f["timeseries.csv"]);
    let row_600 = wide.iter().find(|r| r[0] == "600.000").expect("a sample at 10m");
    assert_eq!(at(&format!("kube_deployment_status_replicas_ready{labels}"), "600.000"), Some(row_600[2].clone()));
    let latency = "kubesim_service_request_latency_p50_seconds{scenario=\"hpa-traffic-step\",kind=\"service\",namespace=\"default\",name=\"web\"}";
    let p50_ms: f64 = row_600[8].parse().expect("p50 at 10m");
    let p50_s: f64 = at(latency, "600.000").expect("latency at 10m").parse().expect("number");
    assert!((p50_s * 1000.0 - p50_ms).abs() < 1e-3, "{p50_s} s vs {p50_ms} ms");
    // The requests counter at 10m is the sum of the wide file's per-sample requests so far.
    let requests: f64 = wide.iter().take_while(|r| r[0] != "605.000").filter_map(|r| r[6].parse::<f64>().ok()).sum();
    let total = at(&latency.replace("request_latency_p50_seconds", "requests_total"), "600.000").expect("total");
    assert_eq!(total.parse::<f64>().expect("number"), requests);
}

#[test]
fn run_openmetrics_writes_the_file_beside_the_others() {
    let dir = tempfile::tempdir().expect("temp dir");
    let o = kubesim(&["run", "--quiet", "--openmetrics", "--out", arg(dir.path())])
        .arg(repo_path("scenarios/recreate.yaml"))
        .output()
        .expect("kubesim runs");
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    for f in ["timeseries.csv", "timeseries-long.csv", "timeseries.openmetrics.txt"] {
        assert!(dir.path().join("recreate").join(f).is_file(), "{f}");
    }
}
