//! report.html stays light for a large run: a bounded number of events (every reason kept,
//! Warnings first), a bounded pods-per-node timeline (failed nodes first), each cut said on
//! the page; a small run's page embeds everything.

use crate::support::{kubesim, repo_path};
use serde_json::Value;
use std::path::Path;

/// The page's event budget and timeline caps (src/output/report/caps.rs).
const EVENT_BUDGET: usize = 2_000;
const MAX_TIMELINE_NODES: usize = 60;
const MAX_TIMELINE_PODS: usize = 3_000;

/// 70 nodes, 3,100 web pods, 300 pods whose readiness probe fails once at start (300
/// Unhealthy warnings), one pod too big for any node (FailedScheduling warnings), and the last
/// node failing (a NodeNotReady warning for each of its pods): about 20,000 events and 3,400
/// pods in two minutes, which a debug build runs in about a second.
const MANY_EVENTS: &str = r#"
name: many-events
description: a cheap run with many pods and events
seed: 7
duration: 2m
sample: 30s
cluster:
  nodes:
    - name: node
      count: 70
      capacity: {cpu: "16", memory: 64Gi, pods: 110}
images:
  example/web:1: {pull: 1s, start: 500ms, readyAfter: 1s}
objects:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      replicas: 3100
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec:
          containers: [{name: web, image: "example/web:1", resources: {requests: {cpu: 10m, memory: 16Mi}}}]
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: probed}
    spec:
      replicas: 300
      selector: {matchLabels: {app: probed}}
      template:
        metadata: {labels: {app: probed}}
        spec:
          containers:
            - name: probed
              image: "example/web:1"
              resources: {requests: {cpu: 10m, memory: 16Mi}}
              readinessProbe: {httpGet: {path: /healthz, port: 8080}, periodSeconds: 5}
  - apiVersion: v1
    kind: Pod
    metadata: {name: too-big}
    spec:
      containers: [{name: c, image: "example/web:1", resources: {requests: {cpu: "64"}}}]
timeline:
  - at: 30s
    fail: node/node-70
"#;

fn run(scenario: &Path, out: &Path, jobs: &str) {
    let output = kubesim(&["run"])
        .arg(scenario)
        .args(["--quiet", "--jobs", jobs, "--out"])
        .arg(out)
        .output()
        .expect("kubesim runs");
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
}

/// The JSON the page's script draws from.
fn page_data(html: &str) -> Value {
    let start = html.find("<script id=\"data\" type=\"application/json\">").expect("the data element")
        + "<script id=\"data\" type=\"application/json\">".len();
    let end = start + html[start..].find("</script>").expect("the data element ends");
    serde_json::from_str(&html[start..end]).expect("the data is JSON")
}

/// events.csv's rows as (time, type, reason, object, message).
fn events_csv(path: &Path) -> Vec<(String, String, String, String, String)> {
    let mut reader = csv::Reader::from_path(path).expect("events.csv");
    reader
        .records()
        .map(|r| {
            let r = r.expect("a row");
            (r[0].to_string(), r[1].to_string(), r[2].to_string(), r[3].to_string(), r[4].to_string())
        })
        .collect()
}

/// The page's embedded events in the same form.
fn embedded_events(data: &Value) -> Vec<(String, String, String, String, String)> {
    let events = data["events"].as_array().expect("events");
    events
        .iter()
        .map(|e| {
            let kind = if e[1] == 1 { "Warning" } else { "Normal" };
            let text = |i: usize| e[i].as_str().expect("text").to_string();
            (format!("{:.3}", e[0].as_f64().expect("time")), kind.to_string(), text(2), text(3), text(4))
        })
        .collect()
}

fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[test]
fn a_large_run_has_a_light_page_with_every_warning_and_every_reason() {
    let dir = tempfile::tempdir().expect("temp dir");
    let scenario = dir.path().join("many-events.yaml");
    std::fs::write(&scenario, MANY_EVENTS).expect("write the scenario");
    run(&scenario, &dir.path().join("a"), "1");
    let run_dir = dir.path().join("a/many-events");
    let html = std::fs::read_to_string(run_dir.join("report.html")).expect("report.html");
    let all = events_csv(&run_dir.join("events.csv"));
    assert!(all.len() > 10 * EVENT_BUDGET, "the scenario should make many events, made {}", all.len());
    // Light: without the caps this page held every event (several MB).
    assert!(html.len() < 1_500_000, "report.html is {} bytes", html.len());

    let data = page_data(&html);
    let shown = embedded_events(&data);
    assert_eq!(shown.len(), EVENT_BUDGET);
    assert_eq!(data["events_total"].as_u64(), Some(all.len() as u64));
    let note =
        format!("showing {} of {} events; all events are in events.csv", thousands(EVENT_BUDGET), thousands(all.len()));
    assert!(html.contains(&note), "the page should say \"{note}\"");
    // Every Warning is there (there are fewer than half the budget), in time order.
    let warnings: Vec<_> = all.iter().filter(|e| e.1 == "Warning").cloned().collect();
    assert!(warnings.len() > 300 && warnings.len() < EVENT_BUDGET / 2, "{} warnings", warnings.len());
    let shown_warnings: Vec<_> = shown.iter().filter(|e| e.1 == "Warning").cloned().collect();
    assert_eq!(shown_warnings.len(), warnings.len(), "every Warning event is on the page");
    assert!(shown_warnings == warnings, "the page's Warning events are events.csv's, in order");
    assert!(
        shown_warnings.iter().any(|e| e.2 == "FailedScheduling") && shown_warnings.iter().any(|e| e.2 == "Unhealthy")
    );
    // Every reason of the run can be picked in the filter, and the events are the run's own.
    let reasons = |list: &[(String, String, String, String, String)]| {
        list.iter().map(|e| (e.1.clone(), e.2.clone())).collect::<std::collections::BTreeSet<_>>()
    };
    assert_eq!(reasons(&shown), reasons(&all));
    let mut rest = all.iter();
    assert!(shown.iter().all(|e| rest.any(|a| a == e)), "the embedded events are events.csv's, in its order");
    // The Deployments' story is there whole (few events), the pod chatter is sampled.
    let count =
        |list: &[(String, String, String, String, String)], reason: &str| list.iter().filter(|e| e.2 == reason).count();
    assert_eq!(count(&shown, "ScalingReplicaSet"), count(&all, "ScalingReplicaSet"));
    assert!(count(&shown, "Scheduled") < count(&all, "Scheduled") / 5);

    // The timeline: at most 60 nodes and 3,000 pods, the failed node among them with its
    // NotReady band although it is the last of 70.
    let nodes: Vec<&str> = data["nodes"].as_array().expect("nodes").iter().filter_map(Value::as_str).collect();
    let pods = data["pods"].as_array().expect("pods");
    assert!(
        nodes.len() <= MAX_TIMELINE_NODES && pods.len() <= MAX_TIMELINE_PODS,
        "{} nodes, {} pods",
        nodes.len(),
        pods.len()
    );
    let failed = nodes.iter().position(|n| *n == "node-70").expect("the failed node is drawn");
    let down = data["down"].as_array().expect("down");
    assert!(down.iter().any(|d| d[0] == failed), "its NotReady band");
    assert!(pods.iter().all(|p| p[0].as_u64().is_some_and(|n| (n as usize) < nodes.len())));
    let note = format!("showing {} of 70 nodes and {} of ", nodes.len(), thousands(pods.len()));
    assert!(html.contains(&note), "the page should say \"{note}...\"");
    // The replay shows the timeline's nodes and pods, and the pods no node took (the one
    // too big for any), with the failed node's NotReady.
    let replay = &data["replay"];
    let replay_nodes: Vec<&str> =
        replay["nodes"].as_array().expect("nodes").iter().filter_map(|n| n[0].as_str()).collect();
    assert_eq!(replay_nodes, nodes);
    let replay_pods = replay["pods"].as_array().expect("replay pods");
    let unbound = replay_pods.iter().filter(|p| p[3] == -1).count();
    assert!(unbound >= 1 && replay_pods.len() == pods.len() + unbound, "{} pods, {unbound} unbound", replay_pods.len());
    assert!(replay_pods.iter().any(|p| p[0] == "too-big" && p[3] == -1 && p[5].is_null()));
    let changes = replay["node_changes"].as_array().expect("node changes");
    assert!(changes.iter().any(|c| c[1] == failed && c[2] == "NotReady"));

    // Same page with another --jobs.
    run(&scenario, &dir.path().join("b"), "2");
    let again = std::fs::read(dir.path().join("b/many-events/report.html")).expect("report.html");
    assert!(again == html.as_bytes(), "report.html differs between --jobs 1 and 2");
}

#[test]
fn a_small_run_embeds_every_event_pod_node_and_chart() {
    let out = tempfile::tempdir().expect("temp dir");
    run(&repo_path("scenarios/node-failure.yaml"), out.path(), "1");
    let run_dir = out.path().join("node-failure");
    let html = std::fs::read_to_string(run_dir.join("report.html")).expect("report.html");
    let data = page_data(&html);
    let all = events_csv(&run_dir.join("events.csv"));
    assert_eq!(embedded_events(&data), all);
    assert_eq!(data["events_total"].as_u64(), Some(all.len() as u64));
    assert_eq!(data["nodes"].as_array().map(Vec::len), Some(3));
    let pods_csv = std::fs::read_to_string(run_dir.join("pods.csv")).expect("pods.csv");
    assert_eq!(data["pods"].as_array().map(Vec::len), Some(pods_csv.lines().count() - 1));
    assert!(data["down"].as_array().is_some_and(|d| d.len() == 1), "worker-2's NotReady band");
    let pngs = std::fs::read_dir(run_dir.join("charts"))
        .expect("charts")
        .filter(|e| e.as_ref().is_ok_and(|e| e.path().extension().is_some_and(|x| x == "png")))
        .count();
    assert_eq!(html.matches("src=\"data:image/png;base64,").count(), pngs);
    for cut in ["id=\"events-cap\"", "id=\"timeline-cap\"", "id=\"charts-cap\"", "not embedded"] {
        assert!(!html.contains(cut), "a small run's page says {cut}");
    }
}

/// 14 Deployments with a Service and traffic each: more objects than charts are drawn for
/// (12 Deployments, 12 Services), so the page carries every chart a run without HPAs can have.
fn most_charts_scenario() -> String {
    let mut yaml = String::from(
        "name: most-charts\nseed: 3\nduration: 2m\nsample: 10s\ncluster:\n  nodes:\n    - {name: node, count: 3, capacity: {cpu: '16', memory: 64Gi, pods: 110}}\nobjects:\n",
    );
    let mut traffic = String::from("traffic:\n");
    for i in 0..14 {
        yaml.push_str(&format!(
            "  - apiVersion: apps/v1\n    kind: Deployment\n    metadata: {{name: app-{i}}}\n    spec:\n      replicas: 2\n      selector: {{matchLabels: {{app: app-{i}}}}}\n      template:\n        metadata: {{labels: {{app: app-{i}}}}}\n        spec: {{containers: [{{name: app, image: 'app:1', resources: {{requests: {{cpu: 100m}}}}}}]}}\n  - apiVersion: v1\n    kind: Service\n    metadata: {{name: app-{i}}}\n    spec: {{selector: {{app: app-{i}}}, ports: [{{port: 80}}]}}\n"
        ));
        traffic.push_str(&format!("  - {{target: service/app-{i}, rate: 5/s}}\n"));
    }
    yaml + &traffic
}

#[test]
fn a_run_with_the_most_charts_still_embeds_every_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let scenario = dir.path().join("most-charts.yaml");
    std::fs::write(&scenario, most_charts_scenario()).expect("write the scenario");
    run(&scenario, dir.path(), "2");
    let run_dir = dir.path().join("most-charts");
    let html = std::fs::read_to_string(run_dir.join("report.html")).expect("report.html");
    let pngs: Vec<std::path::PathBuf> = std::fs::read_dir(run_dir.join("charts"))
        .expect("charts")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "png"))
        .collect();
    // pods, allocation, 12 Deployments, 12 Services x availability, requests, latency.
    assert_eq!(pngs.len(), 2 + 12 + 12 * 3);
    assert_eq!(html.matches("src=\"data:image/png;base64,").count(), pngs.len(), "every chart is in the page");
    assert!(!html.contains("id=\"charts-cap\"") && !html.contains("not embedded"));
    let bytes: u64 = pngs.iter().map(|p| std::fs::metadata(p).map_or(0, |m| m.len())).sum();
    assert!(bytes < 3 << 20, "50 charts take {bytes} bytes of PNG");
}

/// pods.csv's rows as maps of column to field.
fn pods_csv(path: &Path) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).expect("pods.csv");
    let head = reader.headers().expect("a header").clone();
    reader
        .records()
        .map(|r| {
            let r = r.expect("a row");
            head.iter().zip(r.iter()).map(|(h, v)| (h.to_string(), v.to_string())).collect()
        })
        .collect()
}

/// A run's folder after `kubesim run --narrate`.
fn run_narrated(scenario: &str, out: &Path) -> std::path::PathBuf {
    let output = kubesim(&["run"])
        .arg(repo_path(scenario))
        .args(["--quiet", "--narrate", "--out"])
        .arg(out)
        .output()
        .expect("kubesim runs");
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let name = Path::new(scenario).file_stem().expect("a name").to_string_lossy().to_string();
    out.join(name)
}

/// The replay of scenarios/node-failure.yaml: worker-2 crashes at 1m (the node lifecycle
/// controller sees it NotReady at 1m55s: node-monitor-grace-period 40s after its last status,
/// plus the monitor's 5s period, pkg/controller/nodelifecycle), comes back at 9m; worker-1 is
/// drained at 11m. The page holds every pod with pods.csv's times, the node changes in order,
/// the Service's endpoint count as it changed, and the timeline's marks.
#[test]
fn the_replay_holds_every_pod_node_change_and_mark_of_a_small_run() {
    let out = tempfile::tempdir().expect("temp dir");
    let run_dir = run_narrated("scenarios/node-failure.yaml", out.path());
    let html = std::fs::read_to_string(run_dir.join("report.html")).expect("report.html");
    let data = page_data(&html);
    let replay = &data["replay"];
    let csv = pods_csv(&run_dir.join("pods.csv"));
    let pods = replay["pods"].as_array().expect("pods");
    assert_eq!(pods.len(), csv.len(), "every pod of pods.csv is in the replay");
    let nodes: Vec<&str> = replay["nodes"].as_array().expect("nodes").iter().filter_map(|n| n[0].as_str()).collect();
    assert_eq!(nodes, ["worker-1", "worker-2", "worker-3"]);
    let time = |v: &Value| v.as_f64().map(|t| format!("{t:.3}")).unwrap_or_default();
    for (p, row) in pods.iter().zip(&csv) {
        assert_eq!(p[0].as_str(), Some(row["pod"].as_str()));
        let node = p[3].as_i64().and_then(|i| usize::try_from(i).ok()).and_then(|i| nodes.get(i).copied());
        assert_eq!(node.unwrap_or(""), row["node"]);
        for (k, column) in [(4, "created_s"), (5, "scheduled_s"), (6, "started_s"), (7, "ready_s")] {
            assert_eq!(time(&p[k]), row[column], "{} {column}", row["pod"]);
        }
        for (k, column) in [(8, "terminating_s"), (9, "finished_s"), (10, "deleted_s")] {
            assert_eq!(time(&p[k]), row[column], "{} {column}", row["pod"]);
        }
        assert_eq!(p[11].as_str(), Some(row["phase"].as_str()));
        assert_eq!(p[13].as_array().map(Vec::len), row["restarts"].parse::<usize>().ok());
    }
    let changes: Vec<(f64, &str, &str)> = replay["node_changes"]
        .as_array()
        .expect("node changes")
        .iter()
        .map(|c| {
            (c[0].as_f64().unwrap_or(-1.0), nodes[c[1].as_u64().unwrap_or(0) as usize], c[2].as_str().unwrap_or(""))
        })
        .collect();
    assert_eq!(changes, [(115.0, "worker-2", "NotReady"), (545.0, "worker-2", "Ready"), (660.0, "worker-1", "cordon")]);
    let marks: Vec<(f64, &str, &str)> = replay["marks"]
        .as_array()
        .expect("marks")
        .iter()
        .map(|m| (m[0].as_f64().unwrap_or(-1.0), m[1].as_str().unwrap_or(""), m[2].as_str().unwrap_or("")))
        .collect();
    assert_eq!(
        marks,
        [
            (60.0, "fault", "fail: node/worker-2"),
            (115.0, "node", "node/worker-2 NotReady"),
            (540.0, "recover", "recover: node/worker-2"),
            (660.0, "kubectl", "kubectl drain worker-1 --ignore-daemonsets"),
        ]
    );
    // The Service's endpoints: each change of timeseries.csv's column, and only the changes.
    let mut reader = csv::Reader::from_path(run_dir.join("timeseries.csv")).expect("timeseries.csv");
    let column = reader.headers().expect("header").iter().position(|h| h == "service/web/endpoints").expect("column");
    let mut want = Vec::new();
    for r in reader.records() {
        let r = r.expect("a row");
        let v: f64 = r[column].parse().expect("a count");
        if want.last().is_none_or(|&(_, last)| last != v) {
            want.push((r[0].parse::<f64>().expect("a time"), v));
        }
    }
    let steps = replay["services"][0][1].as_array().expect("steps");
    let got: Vec<(f64, f64)> =
        steps.chunks(2).map(|c| (c[0].as_f64().unwrap_or(-1.0), c[1].as_f64().unwrap_or(-1.0))).collect();
    assert_eq!(replay["services"][0][0].as_str(), Some("web"));
    assert_eq!(got, want);
    assert!(got.iter().any(|&(_, n)| n < 6.0), "worker-2's pods left the endpoints while it was NotReady");
    // The narration is in the page, every line of narration.log.
    let log = std::fs::read_to_string(run_dir.join("narration.log")).expect("narration.log");
    let lines = replay["narration"].as_array().expect("narration");
    assert_eq!(lines.len(), log.lines().count());
    assert!(lines.iter().all(|l| log.contains(l[1].as_str().unwrap_or("?"))));
    assert!(!html.contains("id=\"narration-off\"") && !html.contains("id=\"replay-cap\""));
}

/// The headline figures say their units and what they mean; a run without --narrate says how
/// to get the narration instead of showing none.
#[test]
fn headline_figures_have_units_and_a_run_without_narrate_says_so() {
    let out = tempfile::tempdir().expect("temp dir");
    run(&repo_path("scenarios/nginx-rolling-update.yaml"), out.path(), "1");
    let html = std::fs::read_to_string(out.path().join("nginx-rolling-update/report.html")).expect("report.html");
    assert!(html.contains(
        "<tr><th>availability</th><td>0.997135 <span class=\"unit\">fraction</span></td><td class=\"why\">share of the requests that succeeded (1 = none failed)</td></tr>"
    ));
    assert!(html.contains("<tr><th>rollout_duration_s</th><td>54.74 <span class=\"unit\">s</span></td>"));
    assert!(html.contains("id=\"narration-off\""), "the page says the run had no --narrate");
    let data = page_data(&html);
    assert!(data["replay"]["narration"].is_null());
    // The two timeline commands are marked, at their times.
    let marks = data["replay"]["marks"].as_array().expect("marks");
    let times: Vec<f64> = marks.iter().filter_map(|m| m[0].as_f64()).collect();
    assert_eq!(times, [60.0, 240.0]);
}

/// The replay follows the timeline's cordon, uncordon and taint commands on each node, as
/// the commands did them (kubectl taint.go updateTaints: a removal of a taint the node does not
/// have is refused and changes nothing).
#[test]
fn the_replay_follows_the_timelines_cordons_and_taints() {
    let text = r#"
name: taints
duration: 1m
cluster:
  nodes:
    - {name: node, count: 2, capacity: {cpu: "4", memory: 8Gi, pods: 110}, taints: [{key: gpu, value: "true", effect: NoSchedule}]}
objects: []
timeline:
  - {at: 10s, run: "kubectl taint nodes node-1 dedicated=db:NoSchedule"}
  - {at: 20s, run: "kubectl cordon node-2"}
  - {at: 30s, run: "kubectl taint nodes node-1 gpu:NoSchedule-"}
  - {at: 35s, run: "kubectl taint nodes node-1 missing-"}
  - {at: 40s, run: "kubectl uncordon node-2"}
"#;
    let scenario = crate::support::load_text(text);
    let outcome = kubesim::simulate(&scenario, None);
    let dir = crate::support::write_outputs(&scenario, &outcome);
    let html = std::fs::read_to_string(crate::support::find_file(dir.path(), "report.html")).expect("report.html");
    let replay = page_data(&html)["replay"].clone();
    assert_eq!(
        replay["nodes"],
        serde_json::json!([["node-1", ["gpu=true:NoSchedule"]], ["node-2", ["gpu=true:NoSchedule"]]])
    );
    assert_eq!(
        replay["node_changes"],
        serde_json::json!([
            [10.0, 0, "taints", ["gpu=true:NoSchedule", "dedicated=db:NoSchedule"]],
            [20.0, 1, "cordon", null],
            [30.0, 0, "taints", ["dedicated=db:NoSchedule"]],
            [40.0, 1, "uncordon", null],
        ])
    );
    let marks: Vec<&str> = replay["marks"].as_array().expect("marks").iter().filter_map(|m| m[2].as_str()).collect();
    assert_eq!(marks.len(), 5, "every command is marked, the refused one too: {marks:?}");
}
