//! pods.csv, events.csv and timeseries.csv, streamed to their files: each field is formatted
//! into one reused buffer and goes straight to the CSV writer, so a row allocates nothing
//! and no file is ever held whole in memory (a 150,000-pod day writes about 170 MB).

use crate::engine::SimTime;
use crate::model::store::ContainerState;
use crate::sim::Outcome;
use std::fmt::Write as _;
use std::io;

/// The CSV writer's own buffer: large enough that the file sees few, large writes.
const BUFFER: usize = 1 << 16;

pub(crate) fn writer<W: io::Write>(out: W) -> csv::Writer<W> {
    csv::WriterBuilder::new().buffer_capacity(BUFFER).from_writer(out)
}

fn finish<W: io::Write>(mut w: csv::Writer<W>) -> io::Result<()> {
    w.flush()
}

/// A time field: seconds with millisecond precision, empty for never.
fn time_field<W: io::Write>(w: &mut csv::Writer<W>, buf: &mut String, t: Option<SimTime>) -> csv::Result<()> {
    buf.clear();
    if let Some(t) = t {
        t.write_secs_millis(buf);
    }
    w.write_field(buf.as_bytes())
}

/// A sample value: integers as integers, fractions to four places.
pub(crate) fn value(buf: &mut String, v: Option<f64>) {
    match v {
        None => {}
        Some(x) if x.fract() == 0.0 && x.abs() < 1e15 => {
            let _ = write!(buf, "{}", x as i64);
        }
        Some(x) => {
            let _ = write!(buf, "{x:.4}");
        }
    }
}

pub fn timeseries<W: io::Write>(outcome: &Outcome, out: W) -> io::Result<()> {
    let ts = &outcome.metrics.timeseries;
    let mut w = writer(out);
    w.write_field("time_s")?;
    for c in &ts.columns {
        w.write_field(c)?;
    }
    w.write_record(None::<&[u8]>)?;
    let mut buf = String::new();
    for (t, row) in &ts.rows {
        buf.clear();
        t.write_secs_millis(&mut buf);
        w.write_field(buf.as_bytes())?;
        for v in row {
            buf.clear();
            value(&mut buf, *v);
            w.write_field(buf.as_bytes())?;
        }
        w.write_record(None::<&[u8]>)?;
    }
    finish(w)
}

pub fn pods<W: io::Write>(outcome: &Outcome, out: W) -> io::Result<()> {
    let store = &outcome.store;
    let mut w = writer(out);
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
        "finished_s",
        "terminating_s",
        "deleted_s",
        "phase",
        "restarts",
        "reason",
    ])?;
    let mut buf = String::new();
    for p in &store.pods {
        buf.clear();
        crate::metrics::timeseries::write_column_name(&mut buf, &p.namespace, &p.name);
        w.write_field(buf.as_bytes())?;
        buf.clear();
        if let Some((kind, namespace, name)) = store.owner_names(p) {
            let _ = write!(buf, "{}/", kind.resource());
            crate::metrics::timeseries::write_column_name(&mut buf, namespace, name);
        }
        w.write_field(buf.as_bytes())?;
        buf.clear();
        if p.revision > 0 {
            let _ = write!(buf, "{}", p.revision);
        }
        w.write_field(buf.as_bytes())?;
        w.write_field(p.spec.containers.first().map_or("", |c| c.image.as_str()))?;
        w.write_field(p.node.map_or("", |n| store.nodes()[n].name.as_str()))?;
        for t in [Some(p.created), p.scheduled, p.started, p.first_ready, p.finished, p.terminating, p.deleted] {
            time_field(&mut w, &mut buf, t)?;
        }
        w.write_field(p.phase.as_str())?;
        buf.clear();
        let _ = write!(buf, "{}", p.restarts());
        w.write_field(buf.as_bytes())?;
        let waiting = p.containers.iter().find_map(|c| match c.state {
            ContainerState::Waiting(r) if r != "ContainerCreating" => Some(r),
            _ => None,
        });
        w.write_field(if p.reason.is_empty() { waiting.unwrap_or_default() } else { p.reason.as_str() })?;
        w.write_record(None::<&[u8]>)?;
    }
    finish(w)
}

pub fn events<W: io::Write>(outcome: &Outcome, out: W) -> io::Result<()> {
    let mut w = writer(out);
    w.write_record(["time_s", "type", "reason", "object", "message"])?;
    let mut buf = String::new();
    for e in &outcome.recorder.records {
        time_field(&mut w, &mut buf, Some(e.time))?;
        w.write_field(e.kind.as_str())?;
        w.write_field(e.reason)?;
        w.write_field(&e.object)?;
        w.write_field(&e.message)?;
        w.write_record(None::<&[u8]>)?;
    }
    finish(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_values_print_as_before() {
        let mut buf = String::new();
        SimTime(12_345_678).write_secs_millis(&mut buf);
        assert_eq!(buf, "12.345");
        buf.clear();
        for (v, want) in [
            (None, ""),
            (Some(3.0), "3"),
            (Some(-2.0), "-2"),
            (Some(0.125), "0.1250"),
            (Some(1e16), "10000000000000000.0000"),
        ] {
            buf.clear();
            value(&mut buf, v);
            assert_eq!(buf, want, "{v:?}");
        }
    }
}
