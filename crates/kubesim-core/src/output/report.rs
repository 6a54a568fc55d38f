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
    if let Some(svg) = service_graph::service_graph(outcome) {
        html.push_str(
            "<h2>Service graph</h2>\n<p class=\"hint\">Who calls whom over the run: the traffic sources (clients), the workloads whose apps call, and the Services and hosts they call. Each arrow gives its requests per second (a call's retries included) and the share that failed; green under 0.1%, amber under 5%, red from 5%. A box takes the colour of what reached it.</p>\n<div class=\"graph\">\n",
        );
        html.push_str(&svg);
        html.push_str("</div>\n");
    }
    if !charts.is_empty() {
        html.push_str("<h2>Charts</h2>\n");
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
                    "<figure><img alt=\"{}\" src=\"data:image/png;base64,{}\" width=\"960\" height=\"540\"><figcaption>{} (charts/{}.svg)</figcaption></figure>",
                    escape(title),
                    base64(png),
                    escape(title),
                    escape(stem)
                );
            } else {
                let _ = writeln!(
                    html,
                    "<figure><img alt=\"{0}\" src=\"charts/{1}.png\" loading=\"lazy\" width=\"960\" height=\"540\"><figcaption>{0} (charts/{1}.svg; not embedded)</figcaption></figure>",
                    escape(title),
                    escape(stem)
                );
            }
        }
        html.push_str("</div>\n");
    }
    let (data, cut) = data(outcome);
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

/// The headline figures: every number of summary.json, and the per-rollout and per-Service
/// tables.
fn headline(html: &mut String, summary: &Summary) {
    html.push_str("<h2>Headline figures</h2>\n<table class=\"figures\" id=\"figures\">\n");
    for (k, v) in &summary.fields {
        if matches!(k.as_str(), "scenario" | "description" | "kubesim_version") {
            continue;
        }
        match v {
            Value::Number(_) | Value::String(_) | Value::Bool(_) => {
                let _ = writeln!(html, "<tr><th>{}</th><td>{}</td></tr>", escape(k), escape(&plain(v)));
            }
            Value::Object(map) if map.values().all(|x| !x.is_object() && !x.is_array()) => {
                let parts: Vec<String> = map.iter().map(|(a, b)| format!("{a}: {}", plain(b))).collect();
                let _ = writeln!(html, "<tr><th>{}</th><td>{}</td></tr>", escape(k), escape(&parts.join(", ")));
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
}

struct TimelineCut {
    nodes_shown: usize,
    nodes_total: usize,
    pods_shown: usize,
    pods_total: usize,
}

/// The page's data: nodes, pods as bars, node NotReady spans, events; each bounded by
/// `caps`.
fn data(outcome: &Outcome) -> (Value, Cut) {
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
                if let (Some(from), Some(n)) = (since.remove(node), store.find_node(node)) {
                    spans.push((n.index(), from, ms(e.time)));
                }
            }
            _ => {}
        }
    }
    for (node, from) in since {
        if let Some(n) = store.find_node(node) {
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
    let pods: Vec<Value> = store
        .pods
        .iter()
        .filter_map(|p| {
            let (node, left) = lane.get_mut(p.node?.index())?.as_mut()?;
            *left = left.checked_sub(1)?;
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
    let cut = Cut { events: (events.len() < records.len()).then_some((events.len(), records.len())), timeline };
    let value = json!({
        "end": end,
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

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px auto;max-width:1240px;color:#222;padding:0 12px}\
h1{margin-bottom:4px}.meta,.hint,.description{color:#555}.figures{border-collapse:collapse;margin:8px 0 16px}\
.figures th,.figures td{border:1px solid #ddd;padding:3px 8px;text-align:left;font-size:14px}.figures th{background:#f6f6f6;font-weight:600}\
.charts{display:flex;flex-wrap:wrap;gap:12px}figure{margin:0;flex:1 1 560px;max-width:610px}figure img{width:100%;height:auto;border:1px solid #eee}\
figcaption{font-size:13px;color:#555}canvas{border:1px solid #ddd;max-width:100%}.legend span{display:inline-block;margin-right:14px;font-size:13px}\
.legend i{display:inline-block;width:14px;height:10px;margin-right:4px;vertical-align:middle}\
#events{border-collapse:collapse;width:100%;font-size:13px}#events th,#events td{border-bottom:1px solid #eee;padding:2px 6px;text-align:left;vertical-align:top}\
#events tr.warning td{color:#a40000}.filters{margin:8px 0}.status{color:#999;font-size:12px}.errors{color:#a40000}";

const SCRIPT: &str = r#"
(function () {
  var errors = document.getElementById('render-errors');
  function fail(msg) { var li = document.createElement('li'); li.textContent = msg; errors.appendChild(li); }
  window.addEventListener('error', function (e) { fail(String(e.message)); });
  var consoleError = console.error;
  console.error = function () { fail(Array.prototype.join.call(arguments, ' ')); consoleError.apply(console, arguments); };
  try {
    var data = JSON.parse(document.getElementById('data').textContent);
    var palette = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#f0e442', '#000000'];
    function color(rev) { return rev > 0 ? palette[(rev - 1) % palette.length] : '#888888'; }
    // Pods per node.
    var canvas = document.getElementById('timeline');
    var rowH = 18, left = 110, right = 10, top = 10, axis = 24;
    var n = data.nodes.length;
    var lanes = [];
    // Pods that overlap on a node go in separate lanes.
    var byNode = data.nodes.map(function () { return []; });
    data.pods.forEach(function (p) { byNode[p[0]].push(p); });
    var laneOf = [], nodeTop = [], y = top;
    byNode.forEach(function (pods, i) {
      pods.sort(function (a, b) { return a[1] - b[1]; });
      var ends = [];
      pods.forEach(function (p) {
        var lane = ends.findIndex(function (e) { return e <= p[1]; });
        if (lane < 0) { lane = ends.length; ends.push(0); }
        ends[lane] = p[2];
        p.lane = lane;
      });
      nodeTop.push(y);
      lanes.push(Math.max(1, ends.length));
      y += Math.max(1, Math.min(ends.length, 12)) * 8 + 10;
    });
    canvas.height = y + axis;
    var ctx = canvas.getContext('2d');
    var width = canvas.width - left - right;
    function x(t) { return left + (data.end > 0 ? t / data.end : 0) * width; }
    ctx.font = '12px sans-serif';
    ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, canvas.width, canvas.height);
    data.down.forEach(function (d) {
      var h = Math.min(lanes[d[0]], 12) * 8 + 6;
      ctx.fillStyle = 'rgba(213,0,0,0.15)';
      ctx.fillRect(x(d[1]), nodeTop[d[0]] - 2, Math.max(1, x(d[2]) - x(d[1])), h);
    });
    var revisions = {};
    byNode.forEach(function (pods, i) {
      ctx.fillStyle = '#333';
      ctx.fillText(data.nodes[i], 4, nodeTop[i] + 9);
      var laneH = lanes[i] > 12 ? 96 / lanes[i] : 8;
      pods.forEach(function (p) {
        var y0 = nodeTop[i] + p.lane * laneH, h = Math.max(1, laneH - 1);
        var x0 = x(p[1]), x1 = x(p[4] !== null ? p[4] : p[2]);
        revisions[p[3]] = true;
        ctx.fillStyle = color(p[3]);
        ctx.fillRect(x0, y0, Math.max(1, x1 - x0), h);
        if (p[4] !== null) {
          ctx.globalAlpha = 0.35;
          ctx.fillRect(x1, y0, Math.max(1, x(p[2]) - x1), h);
          ctx.globalAlpha = 1;
        }
        if (p[5] > 0) { ctx.strokeStyle = '#d50000'; ctx.strokeRect(x0, y0, Math.max(1, x(p[2]) - x0), h); }
      });
    });
    ctx.strokeStyle = '#999'; ctx.beginPath(); ctx.moveTo(left, y); ctx.lineTo(left + width, y); ctx.stroke();
    ctx.fillStyle = '#333';
    for (var k = 0; k <= 10; k++) {
      var t = data.end * k / 10;
      ctx.fillText(t.toFixed(0) + 's', x(t) - 10, y + 16);
    }
    var legend = document.getElementById('timeline-legend');
    Object.keys(revisions).sort(function (a, b) { return a - b; }).forEach(function (r) {
      var s = document.createElement('span');
      var i = document.createElement('i');
      i.style.background = color(Number(r));
      s.appendChild(i);
      s.appendChild(document.createTextNode(Number(r) > 0 ? 'revision ' + r : 'no revision'));
      legend.appendChild(s);
    });
    // Events: filtered, a page at a time.
    var tbody = document.querySelector('#events tbody');
    var objectInput = document.getElementById('f-object');
    var reasonSelect = document.getElementById('f-reason');
    var count = document.getElementById('f-count');
    var more = document.getElementById('more');
    var reasons = {};
    data.events.forEach(function (e) { reasons[e[2]] = true; });
    Object.keys(reasons).sort().forEach(function (r) {
      var o = document.createElement('option'); o.value = r; o.textContent = r; reasonSelect.appendChild(o);
    });
    var shown = 0, matches = [];
    function row(e) {
      var tr = document.createElement('tr');
      if (e[1] === 1) tr.className = 'warning';
      [e[0].toFixed(3), e[1] === 1 ? 'Warning' : 'Normal', e[2], e[3], e[4]].forEach(function (v) {
        var td = document.createElement('td'); td.textContent = v; tr.appendChild(td);
      });
      return tr;
    }
    function page() {
      var frag = document.createDocumentFragment();
      var stop = Math.min(matches.length, shown + 200);
      for (; shown < stop; shown++) frag.appendChild(row(matches[shown]));
      tbody.appendChild(frag);
      more.hidden = shown >= matches.length;
      var total = data.events_total > data.events.length ? ' on this page; ' + data.events_total + ' in events.csv' : '';
      count.textContent = 'showing ' + shown + ' of ' + matches.length + ' events' + total;
    }
    function filter() {
      var o = objectInput.value.trim(), r = reasonSelect.value;
      matches = data.events.filter(function (e) { return (!o || e[3].indexOf(o) >= 0) && (!r || e[2] === r); });
      tbody.textContent = ''; shown = 0; page();
    }
    objectInput.addEventListener('input', filter);
    reasonSelect.addEventListener('change', filter);
    more.addEventListener('click', page);
    filter();
    document.getElementById('render-status').textContent = 'ok';
  } catch (e) {
    fail(String(e && e.stack || e));
    document.getElementById('render-status').textContent = 'failed';
  }
})();
"#;

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
