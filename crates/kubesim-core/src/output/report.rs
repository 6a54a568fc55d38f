//! report.html: one self-contained page per run (no network, opens from the file system).
//!
//! The headline figures and the charts (PNG, inline) are plain HTML; the pods-per-node
//! timeline is drawn on a canvas and the events table rendered a page at a time by a small
//! script from JSON embedded in the page, so even a run of 10,000 pods keeps a small DOM.
//! The script marks `#render-status` "ok" when it has drawn everything, and lists any
//! JavaScript error in `#render-errors`: the browser test reads both.
//!
//! A large run's page holds a bounded part of the run (`caps`): at most 2,000 events, 60
//! nodes and 3,000 pod bars in the timeline, and every chart inline only when they fit in
//! 4 MiB (otherwise the cluster-wide ones, the others shown from `charts/` beside the page),
//! each cut said on the page. Small runs are under every cap and embed everything.

mod caps;
mod figures;
mod replay;
mod service_graph;

use super::summary::Summary;
use crate::model::events::EventType;
use crate::sim::Outcome;
use serde_json::{json, Value};
use std::fmt::Write;

/// The page, given the summary and the charts' PNG bytes (file stem, bytes).
pub fn run_report(
    scenario: &crate::model::spec::Scenario,
    summary: &Summary,
    outcome: &Outcome,
    charts: &[(String, String, Vec<u8>)],
) -> Vec<u8> {
    let f = &summary.fields;
    let name = f.get("scenario").and_then(Value::as_str).unwrap_or("run");
    let mut html = String::with_capacity(64 * 1024);
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>kubesim: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape(name)
    );
    let _ = writeln!(html, "<h1>{}</h1>", escape(name));
    if !scenario.description.is_empty() {
        let _ = writeln!(html, "<p class=\"description\">{}</p>", escape(&scenario.description));
    }
    let _ = writeln!(
        html,
        "<p class=\"meta\">seed {} · {} s of virtual time · {} events · kubesim {}</p>",
        f.get("seed").map(Value::to_string).unwrap_or_default(),
        f.get("sim_time_s").map(Value::to_string).unwrap_or_default(),
        f.get("events_processed").map(Value::to_string).unwrap_or_default(),
        escape(f.get("kubesim_version").and_then(Value::as_str).unwrap_or("")),
    );
    headline(&mut html, summary);
    let (data, cut) = data(scenario, outcome);
    replay_section(&mut html, &cut.replay);
    if let Some(svg) = service_graph::service_graph(outcome) {
        html.push_str(
            "<h2>Service graph</h2>\n<p class=\"hint\">Who calls whom over the run: the traffic sources (clients), the workloads whose apps call, and the Services and hosts they call. Each arrow gives its requests per second (a call's retries included) and the share that failed; green under 0.1%, amber under 5%, red from 5%. A box takes the colour of what reached it.</p>\n<div class=\"graph\">\n",
        );
        html.push_str(&svg);
        html.push_str("</div>\n");
    }
    if !charts.is_empty() {
        html.push_str("<h2>Charts</h2>\n<p class=\"hint\">The lines over each chart mark the timeline's kubectl commands (blue), faults (red) and recoveries (green), and the moments a node went NotReady (orange); point at one to read it, click it to see the cluster at that moment in the replay.</p>\n");
        let sizes: Vec<usize> = charts.iter().map(|(_, _, png)| png.len()).collect();
        let cluster: Vec<bool> =
            charts.iter().map(|(stem, _, _)| matches!(stem.as_str(), "pods" | "allocation")).collect();
        let inline = caps::pick_inline_charts(&sizes, &cluster, caps::INLINE_CHART_BYTES);
        let embedded = inline.iter().filter(|&&i| i).count();
        if embedded < charts.len() {
            let _ = writeln!(
                html,
                "<p class=\"hint\" id=\"charts-cap\">The {} cluster-wide charts are embedded in this page; the other {} (one per Deployment, per Service and per HPA) are shown from the charts folder beside it, since all {} would put more than {} MiB of images in the page: keep the page with its folder.</p>",
                embedded,
                charts.len() - embedded,
                charts.len(),
                caps::INLINE_CHART_BYTES >> 20
            );
        }
        html.push_str("<div class=\"charts\">\n");
        for ((stem, title, png), inline) in charts.iter().zip(inline) {
            if inline {
                let _ = writeln!(
                    html,
                    "<figure><div class=\"frame\"><img alt=\"{}\" src=\"data:image/png;base64,{}\" width=\"960\" height=\"540\"></div><figcaption>{} (charts/{}.svg)</figcaption></figure>",
                    escape(title),
                    base64(png),
                    escape(title),
                    escape(stem)
                );
            } else {
                let _ = writeln!(
                    html,
                    "<figure><div class=\"frame\"><img alt=\"{0}\" src=\"charts/{1}.png\" loading=\"lazy\" width=\"960\" height=\"540\"></div><figcaption>{0} (charts/{1}.svg; not embedded)</figcaption></figure>",
                    escape(title),
                    escape(stem)
                );
            }
        }
        html.push_str("</div>\n");
    }
    html.push_str(
        "<h2>Pods per node</h2>\n<p class=\"hint\">Each bar is a pod from scheduling to deletion, coloured by revision; hatched while terminating, outlined in red when it restarted. Red bands: the node was NotReady.</p>\n",
    );
    if let Some(t) = &cut.timeline {
        let _ = writeln!(
            html,
            "<p class=\"hint\" id=\"timeline-cap\">showing {} of {} nodes and {} of {} pods: the nodes that were NotReady first, then the others in the cluster's order, with all their pods while they fit in {} bars; pods.csv has every pod.</p>",
            thousands(t.nodes_shown),
            thousands(t.nodes_total),
            thousands(t.pods_shown),
            thousands(t.pods_total),
            thousands(caps::MAX_TIMELINE_PODS)
        );
    }
    html.push_str(
        "<div id=\"timeline-legend\" class=\"legend\"></div>\n<canvas id=\"timeline\" width=\"1200\" height=\"200\"></canvas>\n",
    );
    narration_section(&mut html, outcome, &cut.replay);
    html.push_str("<h2>Events</h2>\n");
    if let Some((shown, total)) = cut.events {
        let _ = writeln!(
            html,
            "<p class=\"hint\" id=\"events-cap\">showing {} of {} events; all events are in events.csv. The page keeps every reason: Warning events get at least half of it, and a reason with more events than its fair share is sampled evenly over the run, its first and last included.</p>",
            thousands(shown),
            thousands(total)
        );
    }
    html.push_str(
        "<div class=\"filters\"><label>object <input id=\"f-object\" placeholder=\"pod/web or node/worker-2\"></label> <label>reason <select id=\"f-reason\"><option value=\"\">all</option></select></label> <span id=\"f-count\"></span></div>\n<table id=\"events\"><thead><tr><th>time (s)</th><th>type</th><th>reason</th><th>object</th><th>message</th></tr></thead><tbody></tbody></table>\n<button id=\"more\" hidden>show more</button>\n",
    );
    html.push_str(
        "<p id=\"render-status\" class=\"status\">rendering</p>\n<ul id=\"render-errors\" class=\"errors\"></ul>\n",
    );
    let _ = writeln!(html, "<script id=\"data\" type=\"application/json\">{}</script>", json_for_script(&data));
    let _ = writeln!(html, "<script>{SCRIPT}</script>\n</body>\n</html>");
    html.into_bytes()
}

/// The replay: a time scrubber with its controls and marks, the cluster view, what
/// `kubectl get pods` would print, and the panel that tells the life of what is clicked.
fn replay_section(html: &mut String, cut: &replay::ReplayCut) {
    html.push_str(
        "<h2>Replay</h2>\n<p class=\"hint\">The cluster at any moment of the run (it opens just before the timeline's first command): move the slider, or press play. Nodes are boxes, pods the chips inside them, coloured by owner (a lighter shade for each newer revision); a solid chip is Ready, a hollow one running but not Ready, a dashed one being created, a faded one terminating; pods no node has taken wait on the left. Click a pod, a node, a Deployment or a Service to see its life and filter the events to it. The marks on the slider are the timeline's commands and faults.</p>\n",
    );
    if cut.any() {
        let mut parts = Vec::new();
        if cut.pending_shown < cut.pending_total {
            parts.push(format!(
                "{} of the {} pods no node ever took",
                thousands(cut.pending_shown),
                thousands(cut.pending_total)
            ));
        }
        if cut.narration_shown < cut.narration_total {
            parts.push(format!(
                "the first {} of {} narration lines (narration.log has them all)",
                thousands(cut.narration_shown),
                thousands(cut.narration_total)
            ));
        }
        if cut.marks_total > replay::MAX_MARKS {
            parts.push(format!("the first {} of {} marks", replay::MAX_MARKS, thousands(cut.marks_total)));
        }
        let _ = writeln!(html, "<p class=\"hint\" id=\"replay-cap\">The replay holds {}.</p>", parts.join(", "));
    }
    html.push_str(concat!(
        "<div id=\"replay\">\n",
        "<div class=\"controls\"><button id=\"r-play\" title=\"play / pause\">▶ play</button> ",
        "<button id=\"r-back\" title=\"to the previous change\">◀ step</button> ",
        "<button id=\"r-step\" title=\"to the next change\">step ▶</button> ",
        "<label>speed <select id=\"r-speed\"><option value=\"1\">1×</option><option value=\"5\">5×</option>",
        "<option value=\"10\" selected>10×</option><option value=\"30\">30×</option><option value=\"60\">60×</option>",
        "<option value=\"600\">600×</option></select></label> <span id=\"r-time\" class=\"clock\"></span></div>\n",
        "<div class=\"track\"><input type=\"range\" id=\"r-scrub\" min=\"0\" max=\"0\" value=\"0\" step=\"10\" aria-label=\"virtual time\"><div id=\"r-marks\" class=\"marks\"></div></div>\n",
        "<div id=\"r-legend\" class=\"legend\"></div>\n",
        "<div class=\"replay-body\"><div id=\"r-cluster\"></div>",
        "<div id=\"r-side\"><div class=\"kubectl-title\">$ kubectl get pods</div><pre id=\"r-kubectl\"></pre></div></div>\n",
        "<div id=\"r-detail\" hidden></div>\n</div>\n",
    ));
}

/// The narration, folded by object and searchable; or how to get it.
fn narration_section(html: &mut String, outcome: &Outcome, cut: &replay::ReplayCut) {
    html.push_str("<h2>Narration</h2>\n");
    if outcome.narration.is_none() {
        html.push_str(
            "<p class=\"hint\" id=\"narration-off\">This run was made without <code>--narrate</code>, so the page has no narration: run it again with <code>kubesim run --narrate</code> to read each controller's decisions and their reasons here (why each pod was created, where the scheduler put it and with which scores, why it was deleted).</p>\n",
        );
        return;
    }
    let _ = writeln!(
        html,
        "<p class=\"hint\">Each decision of the run's controllers and its reason ({} lines, narration.log), folded by the object it is about; search to open the lines that mention a word.</p>",
        thousands(cut.narration_total)
    );
    html.push_str(
        "<div class=\"filters\"><label>search <input id=\"n-search\" placeholder=\"a pod, a node, a word\"></label> <span id=\"n-count\"></span></div>\n<div id=\"narration\"></div>\n",
    );
}

/// The headline figures: every number of summary.json, and the per-rollout and per-Service
/// tables.
fn headline(html: &mut String, summary: &Summary) {
    html.push_str("<h2>Headline figures</h2>\n<table class=\"figures\" id=\"figures\">\n<tr><th>figure</th><th>value</th><th>what it means</th></tr>\n");
    for (k, v) in &summary.fields {
        if matches!(k.as_str(), "scenario" | "description" | "kubesim_version") {
            continue;
        }
        match v {
            Value::Number(_) | Value::String(_) | Value::Bool(_) => {
                figure_row(html, k, &plain(v));
            }
            Value::Object(map) if map.values().all(|x| !x.is_object() && !x.is_array()) => {
                let parts: Vec<String> = map.iter().map(|(a, b)| format!("{a}: {}", plain(b))).collect();
                figure_row(html, k, &parts.join(", "));
            }
            _ => {}
        }
    }
    html.push_str("</table>\n");
    for (key, title) in [
        ("rollouts", "Rollouts"),
        ("recoveries", "Recoveries"),
        ("services", "Services"),
        ("edges", "Calls (caller → callee)"),
        ("background", "Background work"),
    ] {
        let rows: Vec<(String, &serde_json::Map<String, Value>)> = match summary.fields.get(key) {
            Some(Value::Array(list)) => {
                list.iter().filter_map(Value::as_object).enumerate().map(|(i, o)| ((i + 1).to_string(), o)).collect()
            }
            Some(Value::Object(map)) => {
                map.iter().filter_map(|(name, o)| o.as_object().map(|o| (name.clone(), o))).collect()
            }
            _ => continue,
        };
        let Some((_, first)) = rows.first() else { continue };
        let columns: Vec<&String> = first.keys().collect();
        let _ = write!(html, "<h3>{title}</h3>\n<table class=\"figures\"><tr><th></th>");
        for c in &columns {
            let _ = write!(html, "<th>{}</th>", escape(c));
        }
        html.push_str("</tr>\n");
        for (label, row) in &rows {
            let _ = write!(html, "<tr><th>{}</th>", escape(label));
            for c in &columns {
                let _ = write!(html, "<td>{}</td>", escape(&row.get(*c).map(plain).unwrap_or_default()));
            }
            html.push_str("</tr>\n");
        }
        html.push_str("</table>\n");
    }
}

/// A headline figure: its key, its value with its unit, and what it means.
fn figure_row(html: &mut String, key: &str, value: &str) {
    let (unit, why) = figures::describe(key).unwrap_or(("", ""));
    // "1 pod", not "1 pods".
    let unit = match unit.strip_suffix('s') {
        Some(one) if value == "1" && !one.is_empty() && one != "m" => one,
        _ => unit,
    };
    let unit =
        if unit.is_empty() || value == "–" { String::new() } else { format!(" <span class=\"unit\">{unit}</span>") };
    let _ = writeln!(
        html,
        "<tr><th>{}</th><td>{}{unit}</td><td class=\"why\">{}</td></tr>",
        escape(key),
        escape(value),
        escape(why)
    );
}

fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "–".into(),
        other => other.to_string(),
    }
}

/// What a large run's page leaves out (`None`: nothing).
struct Cut {
    /// Events embedded and in the run.
    events: Option<(usize, usize)>,
    timeline: Option<TimelineCut>,
    replay: replay::ReplayCut,
}

struct TimelineCut {
    nodes_shown: usize,
    nodes_total: usize,
    pods_shown: usize,
    pods_total: usize,
}

/// The page's data: nodes, pods as bars, node NotReady spans, events; each bounded by
/// `caps`.
fn data(scenario: &crate::model::spec::Scenario, outcome: &Outcome) -> (Value, Cut) {
    let store = &outcome.store;
    let end = outcome.end.as_secs_f64();
    let ms = |t: crate::engine::SimTime| (t.as_micros() / 1000) as f64 / 1000.0;
    // NotReady spans per node, from the node events.
    let mut spans: Vec<(usize, f64, f64)> = Vec::new();
    let mut since: std::collections::BTreeMap<&str, f64> = std::collections::BTreeMap::new();
    for e in &outcome.recorder.records {
        let Some(node) = e.object.strip_prefix("node/") else { continue };
        match e.reason {
            "NodeNotReady" => {
                since.entry(node).or_insert(ms(e.time));
            }
            "NodeReady" => {
                if let (Some(from), Some(n)) = (since.remove(node), store.find_node_any(node)) {
                    spans.push((n.index(), from, ms(e.time)));
                }
            }
            _ => {}
        }
    }
    for (node, from) in since {
        if let Some(n) = store.find_node_any(node) {
            spans.push((n.index(), from, end));
        }
    }
    // The timeline's nodes: all of them, or those `caps::pick_nodes` chose, renumbered in
    // the cluster's order, each drawing at most `limit[n]` pods.
    let n_nodes = store.nodes().len();
    let mut per_node = vec![0usize; n_nodes];
    let mut failed = vec![false; n_nodes];
    for p in &store.pods {
        if let Some(count) = p.node.and_then(|n| per_node.get_mut(n.index())) {
            *count += 1;
        }
    }
    for &(n, _, _) in &spans {
        if let Some(f) = failed.get_mut(n) {
            *f = true;
        }
    }
    let pods_total: usize = per_node.iter().sum();
    let picked = caps::pick_nodes(&per_node, &failed, caps::MAX_TIMELINE_NODES, caps::MAX_TIMELINE_PODS);
    // Node id -> (position on the page, pods it may still draw).
    let mut lane: Vec<Option<(usize, usize)>> = match &picked {
        None => per_node.iter().enumerate().map(|(i, &c)| Some((i, c))).collect(),
        Some(chosen) => {
            let mut lane = vec![None; n_nodes];
            for (i, &(n, limit)) in chosen.iter().enumerate() {
                if let Some(slot) = lane.get_mut(n) {
                    *slot = Some((i, limit));
                }
            }
            lane
        }
    };
    let names: Vec<String> = match &picked {
        None => store.nodes().iter().map(|n| n.name.clone()).collect(),
        Some(chosen) => {
            chosen.iter().filter_map(|&(n, _)| store.nodes().get(n).map(|node| node.name.clone())).collect()
        }
    };
    let node_position: Vec<Option<usize>> = lane.iter().map(|l| l.map(|(position, _)| position)).collect();
    let mut kept = vec![false; store.pods.len()];
    let pods: Vec<Value> = store
        .pods
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let (node, left) = lane.get_mut(p.node?.index())?.as_mut()?;
            *left = left.checked_sub(1)?;
            kept[i] = true;
            let from = ms(p.scheduled.unwrap_or(p.created));
            let to = p.deleted.map_or(end, ms);
            let terminating = p.terminating.map(ms);
            Some(json!([*node, from, to, p.revision, terminating, p.restarts(), p.name]))
        })
        .collect();
    let down: Vec<Value> = spans
        .iter()
        .filter_map(|&(n, from, to)| {
            let (node, _) = lane.get(n).copied().flatten()?;
            Some(json!([node, from, to]))
        })
        .collect();
    let timeline = picked.map(|_| TimelineCut {
        nodes_shown: names.len(),
        nodes_total: n_nodes,
        pods_shown: pods.len(),
        pods_total,
    });
    let records = &outcome.recorder.records;
    let events: Vec<Value> = caps::pick_events(records, caps::EVENT_BUDGET)
        .into_iter()
        .filter_map(|i| records.get(i))
        .map(|e| {
            let kind = match e.kind {
                EventType::Normal => 0,
                EventType::Warning => 1,
            };
            json!([ms(e.time), kind, e.reason, e.object, e.message])
        })
        .collect();
    let (replay, replay_cut) = replay::replay(scenario, outcome, &node_position, &kept);
    let cut = Cut {
        events: (events.len() < records.len()).then_some((events.len(), records.len())),
        timeline,
        replay: replay_cut,
    };
    let value = json!({
        "replay": replay,
        "end": end,
        "chart_end": outcome.metrics.timeseries.rows.last().map_or(end, |(t, _)| t.as_secs_f64()).max(1.0),
        "nodes": names,
        "pods": pods,
        "down": down,
        "events": events,
        "events_total": records.len(),
    });
    (value, cut)
}

/// `1,234,567`.
pub(crate) fn thousands(n: impl std::fmt::Display) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// JSON that is safe inside a `<script>` element.
fn json_for_script(v: &Value) -> String {
    // `<` as an escape: no `</script>`, no `<!--`, whatever the data says.
    serde_json::to_string(v).unwrap_or_else(|_| "{}".into()).replace('<', "\\u003c")
}

pub(super) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Standard base64 with padding (for the inline PNGs).
pub(crate) fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The page's style and script, kept as files of their own.
const STYLE: &str = include_str!("report/page.css");
const SCRIPT: &str = include_str!("report/page.js");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_rfc_examples() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, encoded) in cases {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
    }

    #[test]
    fn thousands_are_separated() {
        let cases = [(0, "0"), (999, "999"), (1_000, "1,000"), (137_660, "137,660"), (1_234_567, "1,234,567")];
        for (n, s) in cases {
            assert_eq!(thousands(n), s);
        }
    }

    #[test]
    fn script_data_cannot_close_its_element() {
        let v = json!({"message": "</script><script>alert(1)</script> <!--<script"});
        assert!(!json_for_script(&v).contains('<'));
        assert_eq!(escape("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
    }
}
