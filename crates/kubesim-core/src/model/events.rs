//! Kubernetes Events: what components say about objects, in kubectl's words.

use crate::engine::{SimDuration, SimTime};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventType {
    Normal,
    Warning,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Normal => "Normal",
            EventType::Warning => "Warning",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventRecord {
    pub time: SimTime,
    pub kind: EventType,
    pub reason: &'static str,
    /// `pod/web-5d8f-x2k9q`, `deployment/web`, as kubectl's OBJECT column.
    pub object: String,
    pub message: String,
}

/// Collects events in the order they happen.
#[derive(Default)]
pub struct Recorder {
    pub records: Vec<EventRecord>,
}

impl Recorder {
    pub fn normal(&mut self, time: SimTime, reason: &'static str, object: String, message: String) {
        self.records.push(EventRecord { time, kind: EventType::Normal, reason, object, message });
    }

    pub fn warning(&mut self, time: SimTime, reason: &'static str, object: String, message: String) {
        self.records.push(EventRecord { time, kind: EventType::Warning, reason, object, message });
    }
}

/// A duration as Go prints it (time.Duration.String): `4s`, `4.5s`, `1m2.5s`, `500ms`.
pub fn go_duration(d: SimDuration) -> String {
    let us = d.as_micros();
    if us == 0 {
        return "0s".to_string();
    }
    if us < 1_000 {
        return format!("{us}µs");
    }
    if us < 1_000_000 {
        return format!("{}ms", trim_fraction(us, 1_000));
    }
    let (h, rem) = (us / 3_600_000_000, us % 3_600_000_000);
    let (m, rem) = (rem / 60_000_000, rem % 60_000_000);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if h > 0 || m > 0 {
        out.push_str(&format!("{m}m"));
    }
    out.push_str(&format!("{}s", trim_fraction(rem, 1_000_000)));
    out
}

/// `value / unit` with the fraction's trailing zeros removed.
fn trim_fraction(value: u64, unit: u64) -> String {
    let whole = value / unit;
    let frac = value % unit;
    if frac == 0 {
        return whole.to_string();
    }
    let digits = unit.ilog10() as usize;
    let s = format!("{whole}.{frac:0digits$}");
    s.trim_end_matches('0').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_print_as_go_does() {
        assert_eq!(go_duration(SimDuration::from_secs(4)), "4s");
        assert_eq!(go_duration(SimDuration::from_millis(4_500)), "4.5s");
        assert_eq!(go_duration(SimDuration::from_millis(62_500)), "1m2.5s");
        assert_eq!(go_duration(SimDuration::from_millis(500)), "500ms");
        assert_eq!(go_duration(SimDuration::from_secs(3_600)), "1h0m0s");
    }
}
