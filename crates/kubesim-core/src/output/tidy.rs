//! The time series in the two forms other tools read without reshaping: `timeseries-long.csv`
//! (tidy, long format: one row per sample of one series, for pandas, Polars, R and
//! spreadsheets) and `timeseries.openmetrics.txt` (the OpenMetrics text format, which
//! `promtool tsdb create-blocks-from openmetrics` imports into Prometheus for Grafana).
//! Both come from timeseries.csv's columns, `KIND/NAME/SERIES` (`NAME` is `ns:name` outside
//! the default namespace), so the three never disagree.

use super::csv_files;
use crate::engine::SimTime;
use crate::sim::Outcome;
use std::fmt::Write as _;
use std::io;

/// The OpenMetrics file's name in a run's folder (written with `--openmetrics`).
pub const OPENMETRICS_FILE: &str = "timeseries.openmetrics.txt";

/// One column of the wide time series, taken apart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Series<'a> {
    /// `deployment`, `rollout`, `service`, `hpa`, or `cluster`.
    pub kind: &'a str,
    /// The object's namespace; empty for the cluster, which has none.
    pub namespace: &'a str,
    /// The object's name; `all` for the cluster.
    pub name: &'a str,
    /// `ready`, `requests`, `pods_pending`, ...
    pub metric: &'a str,
}

impl<'a> Series<'a> {
    /// `deployment/web/ready`, `service/shop:web/requests`, `cluster/all/pods_pending`.
    /// Kubernetes names hold neither `/` nor `:` (DNS labels and subdomains), so the first
    /// `/`, the last `/` and the first `:` between them split a column unambiguously.
    pub fn parse(column: &'a str) -> Option<Self> {
        let (kind, rest) = column.split_once('/')?;
        let (object, metric) = rest.rsplit_once('/')?;
        let (namespace, name) = match (kind, object.split_once(':')) {
            ("cluster", _) => ("", object),
            (_, Some((ns, name))) => (ns, name),
            (_, None) => ("default", object),
        };
        Some(Series { kind, namespace, name, metric })
    }
}

/// timeseries-long.csv: `time_s,kind,namespace,name,metric,value`, one row per sample of each
/// series that has a value then (an empty cell of the wide file is no row here), in time
/// order, then timeseries.csv's column order. Times and values are written as there.
pub fn timeseries_long<W: io::Write>(outcome: &Outcome, out: W) -> io::Result<()> {
    let ts = &outcome.metrics.timeseries;
    let series: Vec<Option<Series<'_>>> = ts.columns.iter().map(|c| Series::parse(c)).collect();
    let mut w = csv_files::writer(out);
    w.write_record(["time_s", "kind", "namespace", "name", "metric", "value"])?;
    let (mut time, mut buf) = (String::new(), String::new());
    for (t, row) in &ts.rows {
        time.clear();
        t.write_secs_millis(&mut time);
        for (s, v) in series.iter().zip(row) {
            let (Some(s), Some(_)) = (s, v) else { continue };
            buf.clear();
            csv_files::value(&mut buf, *v);
            w.write_record([
                time.as_bytes(),
                s.kind.as_bytes(),
                s.namespace.as_bytes(),
                s.name.as_bytes(),
                s.metric.as_bytes(),
                buf.as_bytes(),
            ])?;
        }
    }
    w.flush()
}

/// How a series of the wide file is exported to Prometheus: its metric family, what it is,
/// and what its values are divided by (to base units: milliseconds to seconds, percent to a
/// ratio; a division, so that 10 ms is exactly the double nearest 0.01).
struct Family {
    name: String,
    help: &'static str,
    counter: bool,
    divisor: f64,
}

/// The OpenMetrics family of `s`: kube-state-metrics' name where it has the same figure
/// (`kube_deployment_status_replicas_ready`, `kube_horizontalpodautoscaler_status_current_replicas`),
/// otherwise `kubesim_<kind>_<metric>` in Prometheus' conventions (base units, `_ratio`,
/// counters ending `_total`).
fn family(s: &Series<'_>) -> Family {
    let f = |name: &str, help, counter, divisor| Family { name: name.to_string(), help, counter, divisor };
    match (s.kind, s.metric) {
        ("deployment", "desired") => {
            f("kube_deployment_spec_replicas", "Desired replicas (spec.replicas).", false, 1.0)
        }
        ("deployment", "ready") => f("kube_deployment_status_replicas_ready", "Ready replicas.", false, 1.0),
        ("deployment", "available") => f(
            "kube_deployment_status_replicas_available",
            "Available replicas (ready for minReadySeconds).",
            false,
            1.0,
        ),
        ("deployment", "updated") => {
            f("kube_deployment_status_replicas_updated", "Replicas of the current pod template.", false, 1.0)
        }
        ("hpa", "current_replicas") => f(
            "kube_horizontalpodautoscaler_status_current_replicas",
            "Current replicas as of the HPA's last sync.",
            false,
            1.0,
        ),
        ("hpa", "desired_replicas") => f(
            "kube_horizontalpodautoscaler_status_desired_replicas",
            "Desired replicas as of the HPA's last sync.",
            false,
            1.0,
        ),
        ("hpa", "cpu_utilization") => f(
            "kubesim_horizontalpodautoscaler_cpu_utilization_ratio",
            "CPU utilisation of the pods' requests as of the HPA's last sync (1 = 100%).",
            false,
            100.0,
        ),
        ("service", "endpoints") => f("kubesim_service_endpoints", "Ready endpoints of the Service.", false, 1.0),
        ("service", "requests") => f("kubesim_service_requests", "Requests to the Service that ended.", true, 1.0),
        ("service", "errors") => f("kubesim_service_request_errors", "Requests to the Service that failed.", true, 1.0),
        ("service", "latency_p50_ms") => f(
            "kubesim_service_request_latency_p50_seconds",
            "Median latency of the requests that succeeded since the previous sample.",
            false,
            1000.0,
        ),
        ("service", "latency_p99_ms") => f(
            "kubesim_service_request_latency_p99_seconds",
            "99th percentile latency of the requests that succeeded since the previous sample.",
            false,
            1000.0,
        ),
        ("cluster", "pods_pending") => f("kubesim_cluster_pods_pending", "Pods in phase Pending.", false, 1.0),
        ("cluster", "pods_running") => f("kubesim_cluster_pods_running", "Pods in phase Running.", false, 1.0),
        ("cluster", "nodes_ready") => {
            f("kubesim_cluster_nodes_ready", "Nodes whose Ready condition is True.", false, 1.0)
        }
        ("cluster", "cpu_requested_frac") => {
            f("kubesim_cluster_cpu_requested_ratio", "Requested share of the nodes' allocatable CPU.", false, 1.0)
        }
        ("cluster", "memory_requested_frac") => {
            f("kubesim_cluster_memory_requested_ratio", "Requested share of the nodes' allocatable memory.", false, 1.0)
        }
        (kind, metric) => Family {
            name: format!("kubesim_{}_{}", sanitize(kind), sanitize(metric)),
            help: "A series of kubesim's timeseries.csv.",
            counter: false,
            divisor: 1.0,
        },
    }
}

/// A metric name's characters: `[a-zA-Z0-9_]`, anything else as `_`.
fn sanitize(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }).collect()
}

/// A label value, escaped as OpenMetrics asks (`\\`, `\"`, `\n`).
fn label_value(out: &mut String, v: &str) {
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

/// timeseries.openmetrics.txt: every series of timeseries.csv as an OpenMetrics metric with
/// labels `scenario`, `kind`, `namespace` (not for the cluster) and `name`, one sample per
/// value with its virtual time as the timestamp (seconds since 0, i.e. from 1970-01-01 UTC),
/// grouped by family as the format requires, ending `# EOF`. Per-interval counts (a Service's
/// requests and errors) become counters: their running totals, which `rate()` turns back
/// into per-second figures.
pub fn timeseries_openmetrics<W: io::Write>(scenario: &str, outcome: &Outcome, mut out: W) -> io::Result<()> {
    let ts = &outcome.metrics.timeseries;
    // The families in order of their first column; each with its columns.
    let mut families: Vec<(Family, Vec<(usize, Series<'_>)>)> = Vec::new();
    for (i, column) in ts.columns.iter().enumerate() {
        let Some(s) = Series::parse(column) else { continue };
        let fam = family(&s);
        match families.iter_mut().find(|(f, _)| f.name == fam.name) {
            Some((_, cols)) => cols.push((i, s)),
            None => families.push((fam, vec![(i, s)])),
        }
    }
    let mut buf = String::with_capacity(1 << 16);
    for (fam, cols) in &families {
        let kind = if fam.counter { "counter" } else { "gauge" };
        let _ = writeln!(buf, "# TYPE {} {kind}\n# HELP {} {}", fam.name, fam.name, fam.help);
        for (i, s) in cols {
            let mut labels = String::from("{scenario=\"");
            label_value(&mut labels, scenario);
            let _ = write!(labels, "\",kind=\"{}\"", s.kind);
            if !s.namespace.is_empty() {
                labels.push_str(",namespace=\"");
                label_value(&mut labels, s.namespace);
                labels.push('"');
            }
            labels.push_str(",name=\"");
            label_value(&mut labels, s.name);
            labels.push_str("\"}");
            let mut total = 0.0;
            for (t, row) in &ts.rows {
                let Some(v) = row[*i] else { continue };
                let value = if fam.counter {
                    total += v;
                    total
                } else {
                    v / fam.divisor
                };
                let _ = write!(buf, "{}{}{labels} ", fam.name, if fam.counter { "_total" } else { "" });
                write_number(&mut buf, value);
                buf.push(' ');
                timestamp(&mut buf, *t);
                buf.push('\n');
                if buf.len() > (1 << 16) - 512 {
                    out.write_all(buf.as_bytes())?;
                    buf.clear();
                }
            }
        }
    }
    buf.push_str("# EOF\n");
    out.write_all(buf.as_bytes())?;
    out.flush()
}

/// A value: integers without a fraction, others in Rust's shortest form that reads back
/// exactly (`0.0125`), never an exponent.
fn write_number(out: &mut String, v: f64) {
    if v.is_finite() && v.fract() == 0.0 && v.abs() < 1e15 {
        let _ = write!(out, "{}", v as i64);
    } else if v.is_nan() {
        out.push_str("NaN");
    } else if v.is_infinite() {
        out.push_str(if v > 0.0 { "+Inf" } else { "-Inf" });
    } else {
        let _ = write!(out, "{v}");
    }
}

/// A timestamp in seconds, as OpenMetrics has them: `12.345`.
fn timestamp(out: &mut String, t: SimTime) {
    t.write_secs_millis(out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_split_into_kind_namespace_name_and_metric() {
        let s = |kind, namespace, name, metric| Some(Series { kind, namespace, name, metric });
        assert_eq!(Series::parse("deployment/web/ready"), s("deployment", "default", "web", "ready"));
        assert_eq!(Series::parse("service/shop:web/latency_p99_ms"), s("service", "shop", "web", "latency_p99_ms"));
        assert_eq!(Series::parse("hpa/a.b-c/cpu_utilization"), s("hpa", "default", "a.b-c", "cpu_utilization"));
        assert_eq!(Series::parse("cluster/all/pods_pending"), s("cluster", "", "all", "pods_pending"));
        assert_eq!(Series::parse("time_s"), None);
    }

    #[test]
    fn known_series_take_kube_state_metrics_names_and_base_units() {
        let fam = |c| family(&Series::parse(c).expect("column"));
        assert_eq!(fam("deployment/web/ready").name, "kube_deployment_status_replicas_ready");
        assert_eq!(fam("hpa/web/current_replicas").name, "kube_horizontalpodautoscaler_status_current_replicas");
        let latency = fam("service/web/latency_p50_ms");
        assert_eq!((latency.name.as_str(), latency.divisor), ("kubesim_service_request_latency_p50_seconds", 1000.0));
        assert!(fam("service/web/requests").counter);
        assert_eq!(fam("rollout/web/ready").name, "kubesim_rollout_ready");
    }

    #[test]
    fn numbers_and_labels_are_written_as_openmetrics_reads_them() {
        let mut s = String::new();
        for v in [3.0, 0.0125, -2.0, f64::NAN] {
            write_number(&mut s, v);
            s.push(' ');
        }
        assert_eq!(s, "3 0.0125 -2 NaN ");
        let mut l = String::new();
        label_value(&mut l, "a\"b\\c\nd");
        assert_eq!(l, "a\\\"b\\\\c\\nd");
    }
}
