//! pods.csv, events.csv and timeseries.csv.

use crate::engine::SimTime;
use crate::model::store::ContainerState;
use crate::sim::Outcome;
use std::io;

fn time(t: Option<SimTime>) -> String {
    t.map(SimTime::secs_millis).unwrap_or_default()
}

fn finish(w: csv::Writer<Vec<u8>>) -> io::Result<Vec<u8>> {
    w.into_inner().map_err(|e| io::Error::other(e.to_string()))
}

/// A sample value: integers as integers, fractions to four places.
fn value(v: Option<f64>) -> String {
    match v {
        None => String::new(),
        Some(x) if x.fract() == 0.0 && x.abs() < 1e15 => format!("{}", x as i64),
        Some(x) => format!("{x:.4}"),
    }
}

pub fn timeseries(outcome: &Outcome) -> io::Result<Vec<u8>> {
    let ts = &outcome.metrics.timeseries;
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["time_s".to_string()];
    header.extend(ts.columns.iter().cloned());
    w.write_record(&header)?;
    for (t, row) in &ts.rows {
        let mut record = vec![t.secs_millis()];
        record.extend(row.iter().map(|v| value(*v)));
        w.write_record(&record)?;
    }
    finish(w)
}

pub fn pods(outcome: &Outcome) -> io::Result<Vec<u8>> {
    let store = &outcome.store;
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "pod",
        "owner",
        "revision",
        "image",
        "node",
        "created_s",
        "scheduled_s",
        "started_s",
        "ready_s",
        "terminating_s",
        "deleted_s",
        "phase",
        "restarts",
        "reason",
    ])?;
    for p in &store.pods {
        let name = crate::metrics::timeseries::column_name(&p.namespace, &p.name);
        let owner = store.owner_ref(p).map(|o| format!("{}/{}", o.kind.resource(), o.name)).unwrap_or_default();
        let revision = if p.revision > 0 { p.revision.to_string() } else { String::new() };
        let image = p.spec.containers.first().map(|c| c.image.clone()).unwrap_or_default();
        let node = p.node.map(|n| store.nodes[n as usize].name.clone()).unwrap_or_default();
        let waiting = p.containers.iter().find_map(|c| match c.state {
            ContainerState::Waiting(r) if r != "ContainerCreating" => Some(r),
            _ => None,
        });
        let reason = if p.reason.is_empty() { waiting.unwrap_or_default().to_string() } else { p.reason.clone() };
        w.write_record([
            name,
            owner,
            revision,
            image,
            node,
            p.created.secs_millis(),
            time(p.scheduled),
            time(p.started),
            time(p.first_ready),
            time(p.terminating),
            time(p.deleted),
            p.phase.as_str().to_string(),
            p.restarts().to_string(),
            reason,
        ])?;
    }
    finish(w)
}

pub fn events(outcome: &Outcome) -> io::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["time_s", "type", "reason", "object", "message"])?;
    for e in &outcome.recorder.records {
        w.write_record([e.time.secs_millis().as_str(), e.kind.as_str(), e.reason, &e.object, &e.message])?;
    }
    finish(w)
}
