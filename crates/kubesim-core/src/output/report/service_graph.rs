//! The service graph of report.html: the run's clients, workloads and Services as boxes, the
//! calls between them as arrows with their rate and error share, coloured by health. Drawn
//! here as SVG (no script), laid out in columns by how many calls away from the clients a box
//! is, in the order the boxes were first met: the same run draws the same picture.

use super::escape;
use crate::sim::Outcome;
use std::collections::BTreeMap;
use std::fmt::Write;

const BOX_W: u32 = 170;
const BOX_H: u32 = 36;
const COLUMN: u32 = 330;
const ROW: u32 = 56;
const MARGIN: u32 = 20;
/// The name of the box the traffic sources' requests come from.
const CLIENTS: &str = "clients";

/// An arrow: from, to, requests (attempts), errors.
struct Arrow {
    from: usize,
    to: usize,
    requests: u64,
    errors: u64,
}

/// The colour of an error share: green under 0.1%, amber under 5%, red from 5%.
fn health(errors: u64, requests: u64) -> &'static str {
    let share = if requests == 0 { 0.0 } else { errors as f64 / requests as f64 };
    if share < 0.001 {
        "#2e7d32"
    } else if share < 0.05 {
        "#ef8f00"
    } else {
        "#c62828"
    }
}

/// The graph as an SVG element, or None when the run made no calls.
pub(super) fn service_graph(outcome: &Outcome) -> Option<String> {
    let calls = &outcome.metrics.traffic.calls;
    if calls.edges.iter().all(|e| e.run.requests == 0) {
        return None;
    }
    let mut names: Vec<String> = vec![CLIENTS.to_string()];
    let mut index: BTreeMap<String, usize> = BTreeMap::from([(CLIENTS.to_string(), 0)]);
    let mut node = |name: &str, names: &mut Vec<String>| -> usize {
        *index.entry(name.to_string()).or_insert_with(|| {
            names.push(name.to_string());
            names.len() - 1
        })
    };
    let mut arrows = Vec::new();
    for s in outcome.metrics.traffic.services.iter().filter(|s| s.run.requests > 0) {
        let to = node(&s.name, &mut names);
        arrows.push(Arrow { from: 0, to, requests: s.run.requests, errors: s.run.errors });
    }
    for e in calls.edges.iter().filter(|e| e.run.requests > 0) {
        let from = node(&e.caller, &mut names);
        let to = node(&e.callee, &mut names);
        arrows.push(Arrow { from, to, requests: e.run.requests, errors: e.run.errors });
    }
    // Columns: calls away from the clients (breadth first); a box nothing calls (a worker
    // with background work) starts in the first column after the clients.
    let mut column: Vec<Option<u32>> = vec![None; names.len()];
    column[0] = Some(0);
    let mut frontier = vec![0usize];
    loop {
        while !frontier.is_empty() {
            let mut next = Vec::new();
            for &f in &frontier {
                for a in arrows.iter().filter(|a| a.from == f) {
                    if column[a.to].is_none() {
                        column[a.to] = Some(column[f].unwrap_or(0) + 1);
                        next.push(a.to);
                    }
                }
            }
            frontier = next;
        }
        match column.iter().position(Option::is_none) {
            Some(unreached) => {
                column[unreached] = Some(1);
                frontier.push(unreached);
            }
            None => break,
        }
    }
    let column: Vec<u32> = column.into_iter().map(|c| c.unwrap_or(1)).collect();
    let mut row = vec![0u32; names.len()];
    let mut filled: BTreeMap<u32, u32> = BTreeMap::new();
    for (i, &c) in column.iter().enumerate() {
        let r = filled.entry(c).or_insert(0);
        row[i] = *r;
        *r += 1;
    }
    let width = MARGIN * 2 + COLUMN * column.iter().max().copied().unwrap_or(0) + BOX_W + 160;
    let height = MARGIN * 2 + ROW * filled.values().max().copied().unwrap_or(1).saturating_sub(1) + BOX_H;
    let at = |i: usize| (MARGIN + COLUMN * column[i], MARGIN + ROW * row[i]);
    let seconds = (outcome.end.as_micros() as f64 / 1e6).max(1e-6);
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg id=\"service-graph\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"12\">\n<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#555\"/></marker></defs>\n"
    );
    // Incoming errors per box, for its colour.
    let mut incoming = vec![(0u64, 0u64); names.len()];
    let mut labelled = vec![0u32; names.len()];
    for a in &arrows {
        let (x1, y1) = at(a.from);
        let (x2, y2) = at(a.to);
        let (x1, y1) = (x1 + BOX_W, y1 + BOX_H / 2);
        let (x2, y2) = (x2, y2 + BOX_H / 2);
        let colour = health(a.errors, a.requests);
        let share = if a.requests == 0 { 0.0 } else { 100.0 * a.errors as f64 / a.requests as f64 };
        let label = format!("{:.1}/s · {share:.1}% errors", a.requests as f64 / seconds);
        if column[a.to] == column[a.from] {
            // A call within a column (or to itself): an arc out of the right side of one box
            // into the right side of the other, beside the column.
            let x2 = x2 + BOX_W;
            let bulge = x1 + 40 + 14 * (row[a.from] + row[a.to]) % 90;
            let _ = writeln!(
                svg,
                "<path class=\"edge\" d=\"M{x1},{y1} C{bulge},{y1} {bulge},{y2} {x2},{y2}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" marker-end=\"url(#arrow)\"><title>{} → {}: {label}</title></path>",
                escape(&names[a.from]),
                escape(&names[a.to])
            );
            let _ = writeln!(
                svg,
                "<text x=\"{}\" y=\"{}\" fill=\"{colour}\" font-size=\"10\">{label}</text>",
                x2 + 12,
                y2 + 12
            );
        } else {
            let _ = writeln!(
                svg,
                "<line class=\"edge\" x1=\"{x1}\" y1=\"{y1}\" x2=\"{x2}\" y2=\"{y2}\" stroke=\"{colour}\" stroke-width=\"2\" marker-end=\"url(#arrow)\"><title>{} → {}: {label}</title></line>",
                escape(&names[a.from]),
                escape(&names[a.to])
            );
            // The label near the arrow's head, where the arrows into a column part; the
            // arrows into one box put theirs further back along the line, one after another.
            let back = 0.95 - 0.3 * f64::from(labelled[a.to].min(2));
            labelled[a.to] += 1;
            let along = |from: u32, to: u32| (f64::from(from) + (f64::from(to) - f64::from(from)) * back).round();
            let _ = writeln!(
                svg,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" fill=\"{colour}\" font-size=\"10\">{label}</text>",
                along(x1, x2) - 4.0,
                along(y1, y2) - 5.0
            );
        }
        incoming[a.to].0 += a.requests;
        incoming[a.to].1 += a.errors;
    }
    for (i, name) in names.iter().enumerate() {
        let (x, y) = at(i);
        let colour = if i == 0 { "#555" } else { health(incoming[i].1, incoming[i].0) };
        let _ = writeln!(
            svg,
            "<g class=\"box\"><rect x=\"{x}\" y=\"{y}\" width=\"{BOX_W}\" height=\"{BOX_H}\" rx=\"5\" fill=\"#fff\" stroke=\"{colour}\" stroke-width=\"2\"/><text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text></g>",
            x + BOX_W / 2,
            y + BOX_H / 2 + 4,
            escape(name)
        );
    }
    svg.push_str("</svg>\n");
    Some(svg)
}
