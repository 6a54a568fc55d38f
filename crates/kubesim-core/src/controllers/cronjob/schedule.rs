//! Cron schedules as Kubernetes reads them: robfig/cron v3's `ParseStandard` (five fields,
//! ranges, steps, lists, month and day names, the `@yearly` .. `@hourly` descriptors and
//! `@every DURATION`), and `SpecSchedule.Next` / `ConstantDelaySchedule.Next` in a time zone.
//! Our own code after robfig/cron v3 `parser.go` (`Parse`, `normalizeFields`, `getField`,
//! `getRange`, `parseDescriptor`) and `spec.go` (`Next`, `dayMatches`); the error messages
//! are robfig's, which the API server prints in its `spec.schedule: Invalid value` error.

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::Timestamp;

/// Set in a field's bits when it was written `*` or `?` (robfig's `starBit`): day-of-month
/// and day-of-week then combine with AND rather than OR.
const STAR: u64 = 1 << 63;

/// A parsed schedule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Schedule {
    /// Five fields (robfig's `SpecSchedule`, seconds always 0): one bit per allowed value.
    Spec { minute: u64, hour: u64, dom: u64, month: u64, dow: u64 },
    /// `@every DURATION`: whole seconds, at least one (robfig's `ConstantDelaySchedule`).
    Every { seconds: i64 },
}

struct Bounds {
    min: u32,
    max: u32,
    names: &'static [(&'static str, u32)],
}

const MINUTES: Bounds = Bounds { min: 0, max: 59, names: &[] };
const HOURS: Bounds = Bounds { min: 0, max: 23, names: &[] };
const DOM: Bounds = Bounds { min: 1, max: 31, names: &[] };
const MONTHS: Bounds = Bounds {
    min: 1,
    max: 12,
    names: &[
        ("jan", 1),
        ("feb", 2),
        ("mar", 3),
        ("apr", 4),
        ("may", 5),
        ("jun", 6),
        ("jul", 7),
        ("aug", 8),
        ("sep", 9),
        ("oct", 10),
        ("nov", 11),
        ("dec", 12),
    ],
};
const DOW: Bounds = Bounds {
    min: 0,
    max: 6,
    names: &[("sun", 0), ("mon", 1), ("tue", 2), ("wed", 3), ("thu", 4), ("fri", 5), ("sat", 6)],
};

/// Every value of a field, with the star bit (robfig's `all`).
fn all(b: &Bounds) -> u64 {
    bits(b.min, b.max, 1) | STAR
}

fn bits(min: u32, max: u32, step: u32) -> u64 {
    (min..=max).step_by(step as usize).fold(0, |acc, v| acc | 1 << v)
}

/// `cron.ParseStandard(spec)`: the schedule, or robfig's error message. `TZ=` and
/// `CRON_TZ=` prefixes are refused before this (Kubernetes' validation refuses them).
pub fn parse(spec: &str) -> Result<Schedule, String> {
    if spec.is_empty() {
        return Err("empty spec string".into());
    }
    if spec.starts_with('@') {
        return descriptor(spec);
    }
    let fields: Vec<&str> = spec.split_whitespace().collect();
    if fields.len() != 5 {
        // Go prints the slice with %s: `[* * *]`.
        return Err(format!("expected exactly 5 fields, found {}: [{}]", fields.len(), fields.join(" ")));
    }
    Ok(Schedule::Spec {
        minute: field(fields[0], &MINUTES)?,
        hour: field(fields[1], &HOURS)?,
        dom: field(fields[2], &DOM)?,
        month: field(fields[3], &MONTHS)?,
        dow: field(fields[4], &DOW)?,
    })
}

/// robfig's `parseDescriptor`.
fn descriptor(spec: &str) -> Result<Schedule, String> {
    let (min0, hour0) = (1, 1); // minute 0, hour 0
    let s = |minute, hour, dom, month, dow| Ok(Schedule::Spec { minute, hour, dom, month, dow });
    match spec {
        "@yearly" | "@annually" => s(min0, hour0, 1 << 1, 1 << 1, all(&DOW)),
        "@monthly" => s(min0, hour0, 1 << 1, all(&MONTHS), all(&DOW)),
        "@weekly" => s(min0, hour0, all(&DOM), all(&MONTHS), 1),
        "@daily" | "@midnight" => s(min0, hour0, all(&DOM), all(&MONTHS), all(&DOW)),
        "@hourly" => s(min0, all(&HOURS), all(&DOM), all(&MONTHS), all(&DOW)),
        _ => match spec.strip_prefix("@every ") {
            Some(d) => {
                let micros = crate::scenario::parse_duration(d)
                    .map_err(|_| format!("failed to parse duration {spec}: time: invalid duration \"{d}\""))?
                    .as_micros();
                // `Every`: below a second is a second; the rest is truncated to seconds.
                let seconds = i64::try_from(micros / 1_000_000).unwrap_or(i64::MAX).max(1);
                Ok(Schedule::Every { seconds })
            }
            None => Err(format!("unrecognized descriptor: {spec}")),
        },
    }
}

/// robfig's `getField`: a comma-separated list of ranges.
fn field(f: &str, b: &Bounds) -> Result<u64, String> {
    f.split(',').try_fold(0, |acc, expr| Ok(acc | range(expr, b)?))
}

/// robfig's `getRange`: `*`, `?`, `N`, `N-M`, each with an optional `/step`.
fn range(expr: &str, b: &Bounds) -> Result<u64, String> {
    let range_and_step: Vec<&str> = expr.split('/').collect();
    let low_high: Vec<&str> = range_and_step[0].split('-').collect();
    let single = low_high.len() == 1;
    let (mut start, mut end, mut extra) = (b.min, b.max, 0);
    if low_high[0] == "*" || low_high[0] == "?" {
        extra = STAR;
    } else {
        start = int_or_name(low_high[0], b.names)?;
        end = match low_high.len() {
            1 => start,
            2 => int_or_name(low_high[1], b.names)?,
            _ => return Err(format!("too many hyphens: {expr}")),
        };
    }
    let step = match range_and_step.len() {
        1 => 1,
        2 => {
            let step = must_parse_int(range_and_step[1])?;
            // "N/step" means "N-max/step".
            if single {
                end = b.max;
            }
            if step > 1 {
                extra = 0;
            }
            step
        }
        _ => return Err(format!("too many slashes: {expr}")),
    };
    if start < b.min {
        return Err(format!("beginning of range ({start}) below minimum ({}): {expr}", b.min));
    }
    if end > b.max {
        return Err(format!("end of range ({end}) above maximum ({}): {expr}", b.max));
    }
    if start > end {
        return Err(format!("beginning of range ({start}) beyond end of range ({end}): {expr}"));
    }
    if step == 0 {
        return Err(format!("step of range should be a positive number: {expr}"));
    }
    Ok(bits(start, end, step) | extra)
}

fn int_or_name(expr: &str, names: &[(&str, u32)]) -> Result<u32, String> {
    let lower = expr.to_ascii_lowercase();
    match names.iter().find(|(n, _)| *n == lower) {
        Some((_, v)) => Ok(*v),
        None => must_parse_int(expr),
    }
}

/// robfig's `mustParseInt` over Go's `strconv.Atoi` (its error text included).
fn must_parse_int(expr: &str) -> Result<u32, String> {
    let digits = expr.strip_prefix(['+', '-']).unwrap_or(expr);
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return Err(format!("failed to parse int from {expr}: strconv.Atoi: parsing \"{expr}\": invalid syntax"));
    }
    let n: i64 = digits.parse().map_err(|_| {
        format!("failed to parse int from {expr}: strconv.Atoi: parsing \"{expr}\": value out of range")
    })?;
    let n = if expr.starts_with('-') { -n } else { n };
    if n < 0 {
        return Err(format!("negative number ({n}) not allowed: {expr}"));
    }
    // Every field's maximum is below 64: a larger value fails the bounds check after.
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

/// The local calendar fields robfig's `Next` looks at.
struct Local {
    dt: DateTime,
    weekday: u32,
}

fn local(t: i64, tz: &TimeZone) -> Option<Local> {
    let dt = tz.to_datetime(Timestamp::from_second(t).ok()?);
    Some(Local { dt, weekday: u32::from(dt.weekday().to_sunday_zero_offset().unsigned_abs()) })
}

/// The instant of local midnight of `d` (a midnight that does not exist, in a gap, is
/// taken after the gap, as jiff's `compatible` disambiguation does).
fn midnight(d: Date, tz: &TimeZone) -> Option<i64> {
    let ts = tz.to_ambiguous_timestamp(d.at(0, 0, 0, 0)).compatible().ok()?;
    Some(ts.as_second())
}

fn has(bits: u64, v: impl Into<i64>) -> bool {
    u32::try_from(v.into()).ok().filter(|v| *v < 63).is_some_and(|v| bits & (1 << v) != 0)
}

impl Schedule {
    /// robfig's `Next`: the first activation strictly after the instant `after_micros`
    /// (Unix microseconds), as Unix seconds; None when there is none within five years
    /// (robfig returns the zero time).
    pub fn next(&self, after_micros: i64, tz: &TimeZone) -> Option<i64> {
        // Both start at the upcoming whole second (`t.Add(1s - t.Nanosecond())`).
        let floor = after_micros.div_euclid(1_000_000);
        let (minute, hour, dom, month, dow) = match *self {
            Schedule::Every { seconds } => return floor.checked_add(seconds),
            Schedule::Spec { minute, hour, dom, month, dow } => (minute, hour, dom, month, dow),
        };
        let mut t = floor + 1;
        let year_limit = i32::from(local(t, tz)?.dt.year()) + 5;
        loop {
            let l = local(t, tz)?;
            let dt = l.dt;
            if i32::from(dt.year()) > year_limit {
                return None;
            }
            if !has(month, dt.month()) {
                let first = dt.date().first_of_month();
                let next_month = first.checked_add(jiff::Span::new().months(1)).ok()?;
                t = midnight(next_month, tz)?;
                continue;
            }
            // dayMatches: both restricted means either; a `*` in one means both.
            let dom_match = has(dom, dt.day());
            let dow_match = has(dow, l.weekday);
            let day_ok =
                if dom & STAR != 0 || dow & STAR != 0 { dom_match && dow_match } else { dom_match || dow_match };
            if !day_ok {
                t = midnight(dt.date().tomorrow().ok()?, tz)?;
                continue;
            }
            let (m, s) = (i64::from(dt.minute()), i64::from(dt.second()));
            if !has(hour, dt.hour()) {
                // The local hour's start, then one hour on (absolute time, as robfig adds).
                t = t - m * 60 - s + 3_600;
                continue;
            }
            if !has(minute, m) || s != 0 {
                // The next allowed minute of this hour, else the next hour's start; the
                // seconds field of a standard schedule is always 0.
                let from = if s == 0 { m } else { m + 1 };
                t -= m * 60 + s;
                match (from..60).find(|&x| has(minute, x)) {
                    Some(x) => t += x * 60,
                    None => t += 3_600,
                }
                continue;
            }
            return Some(t);
        }
    }
}

/// An IANA time zone from the database bundled in the build (never the machine's).
pub fn time_zone(name: &str) -> Result<TimeZone, String> {
    jiff::tz::TimeZoneDatabase::bundled().get(name).map_err(|_| format!("unknown time zone {name}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unix(s: &str) -> i64 {
        s.parse::<Timestamp>().expect("a timestamp").as_second()
    }

    fn next_in(spec: &str, after: &str, tz: &str) -> String {
        let tz = time_zone(tz).expect("zone");
        let t = parse(spec).expect("parses").next(unix(after) * 1_000_000, &tz).expect("a next time");
        Timestamp::from_second(t).expect("ts").to_zoned(tz).strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
    }

    fn next(spec: &str, after: &str) -> String {
        let t = parse(spec).expect("parses").next(unix(after) * 1_000_000, &TimeZone::UTC).expect("a next time");
        Timestamp::from_second(t).expect("ts").to_string()
    }

    /// robfig/cron v3 parser_test.go `TestRange` and `TestField` (minutes and names).
    #[test]
    fn fields_as_robfig_reads_them() {
        assert_eq!(range("5", &MINUTES), Ok(1 << 5));
        assert_eq!(range("0", &MINUTES), Ok(1));
        assert_eq!(range("5-5", &MINUTES), Ok(1 << 5));
        assert_eq!(range("5-6", &MINUTES), Ok(1 << 5 | 1 << 6));
        assert_eq!(range("5-7", &MINUTES), Ok(1 << 5 | 1 << 6 | 1 << 7));
        assert_eq!(range("5-6/2", &MINUTES), Ok(1 << 5));
        assert_eq!(range("5-7/2", &MINUTES), Ok(1 << 5 | 1 << 7));
        assert_eq!(range("5-7/1", &MINUTES), Ok(1 << 5 | 1 << 6 | 1 << 7));
        assert_eq!(range("*", &MINUTES), Ok(bits(0, 59, 1) | STAR));
        assert_eq!(range("*/2", &MINUTES), Ok(bits(0, 59, 2)));
        assert_eq!(range("*/1", &MINUTES), Ok(bits(0, 59, 1) | STAR));
        assert_eq!(range("5/15", &MINUTES), Ok(1 << 5 | 1 << 20 | 1 << 35 | 1 << 50));
        assert_eq!(range("5--5", &MINUTES), Err("too many hyphens: 5--5".into()));
        assert_eq!(
            range("jan-x", &MONTHS),
            Err("failed to parse int from x: strconv.Atoi: parsing \"x\": invalid syntax".into())
        );
        assert_eq!(
            range("2-x", &MONTHS),
            Err("failed to parse int from x: strconv.Atoi: parsing \"x\": invalid syntax".into())
        );
        assert_eq!(range("*/-12", &MONTHS), Err("negative number (-12) not allowed: -12".into()));
        assert_eq!(range("*//2", &MONTHS), Err("too many slashes: *//2".into()));
        assert_eq!(range("1", &DOM), Ok(1 << 1));
        assert_eq!(range("0", &DOM), Err("beginning of range (0) below minimum (1): 0".into()));
        assert_eq!(range("61", &MINUTES), Err("end of range (61) above maximum (59): 61".into()));
        assert_eq!(range("5-3", &MINUTES), Err("beginning of range (5) beyond end of range (3): 5-3".into()));
        assert_eq!(range("*/0", &MINUTES), Err("step of range should be a positive number: */0".into()));
        assert_eq!(field("5,6", &MINUTES), Ok(1 << 5 | 1 << 6));
        assert_eq!(field("5,6,7", &MINUTES), Ok(1 << 5 | 1 << 6 | 1 << 7));
        assert_eq!(field("1,5-7/2,3", &MINUTES), Ok(1 << 1 | 1 << 5 | 1 << 7 | 1 << 3));
        assert_eq!(field("JAN-Mar", &MONTHS), Ok(1 << 1 | 1 << 2 | 1 << 3));
        assert_eq!(field("mon-fri", &DOW), Ok(bits(1, 5, 1)));
    }

    /// robfig/cron v3 parser_test.go `TestStandardSpecSchedule` and `TestParseScheduleErrors`.
    #[test]
    fn standard_specs_descriptors_and_their_errors() {
        assert_eq!(
            parse("5 * * * *"),
            Ok(Schedule::Spec {
                minute: 1 << 5,
                hour: all(&HOURS),
                dom: all(&DOM),
                month: all(&MONTHS),
                dow: all(&DOW)
            })
        );
        assert_eq!(parse("@every 5m"), Ok(Schedule::Every { seconds: 300 }));
        assert_eq!(parse("@every 500ms"), Ok(Schedule::Every { seconds: 1 }));
        assert_eq!(
            parse("5 j * * *"),
            Err("failed to parse int from j: strconv.Atoi: parsing \"j\": invalid syntax".into())
        );
        assert_eq!(parse("* * * *"), Err("expected exactly 5 fields, found 4: [* * * *]".into()));
        assert_eq!(parse("0 * * * * *"), Err("expected exactly 5 fields, found 6: [0 * * * * *]".into()));
        assert_eq!(parse(""), Err("empty spec string".into()));
        assert_eq!(parse("@unrecognized"), Err("unrecognized descriptor: @unrecognized".into()));
        assert_eq!(parse("@every Xm"), Err("failed to parse duration @every Xm: time: invalid duration \"Xm\"".into()));
        assert_eq!(parse("* * * * 7"), Err("end of range (7) above maximum (6): 7".into()));
        for d in ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"] {
            assert!(parse(d).is_ok(), "{d}");
        }
    }

    /// robfig/cron v3 spec_test.go `TestNext` (the five-field cases, seconds dropped) and
    /// `TestActivation`'s day-of-month OR day-of-week rule.
    #[test]
    fn next_activation_as_robfig_computes_it() {
        // Simple cases.
        assert_eq!(next("*/15 * * * *", "2012-07-09T14:45:00Z"), "2012-07-09T15:00:00Z");
        assert_eq!(next("*/15 * * * *", "2012-07-09T14:59:59Z"), "2012-07-09T15:00:00Z");
        // Wrap around hours, days, months, years.
        assert_eq!(next("20-35/15 * * * *", "2012-07-09T15:45:00Z"), "2012-07-09T16:20:00Z");
        assert_eq!(next("20-35/15 * * * *", "2012-07-09T23:46:00Z"), "2012-07-10T00:20:00Z");
        assert_eq!(next("20-35/15 * * * *", "2012-07-31T23:46:00Z"), "2012-08-01T00:20:00Z");
        assert_eq!(next("20-35/15 * * * *", "2012-12-31T23:46:00Z"), "2013-01-01T00:20:00Z");
        assert_eq!(next("0 12 * * *", "2012-07-09T14:45:00Z"), "2012-07-10T12:00:00Z");
        // Leap year.
        assert_eq!(next("0 0 29 Feb ?", "2012-07-09T23:35:00Z"), "2016-02-29T00:00:00Z");
        // Day of week and day of month: either, when both are restricted.
        assert_eq!(next("0 0 1,15 * Mon", "2012-07-09T00:00:01Z"), "2012-07-15T00:00:00Z");
        assert_eq!(next("0 0 1,15 * Mon", "2012-07-15T00:00:01Z"), "2012-07-16T00:00:00Z");
        assert_eq!(next("0 0 * * Mon", "2012-07-09T00:00:01Z"), "2012-07-16T00:00:00Z");
        // Unsatisfiable within five years: the zero time.
        assert_eq!(
            parse("0 0 30 Feb ?").expect("parses").next(unix("2012-07-09T14:45:00Z") * 1_000_000, &TimeZone::UTC),
            None
        );
        // @every: from the whole second.
        assert_eq!(
            parse("@every 90s")
                .expect("parses")
                .next(unix("2012-07-09T14:45:00Z") * 1_000_000 + 500_000, &TimeZone::UTC),
            Some(unix("2012-07-09T14:46:30Z"))
        );
    }

    /// robfig/cron v3 spec_test.go `TestNext`'s time zone cases: local wall-clock fields,
    /// a spring-forward hour that does not exist skipped, a fall-back hour run twice.
    #[test]
    fn next_activation_in_a_time_zone() {
        assert_eq!(next_in("30 2 * * *", "2012-03-10T12:00:00Z", "America/New_York"), "2012-03-12T02:30:00-04:00");
        assert_eq!(next_in("30 1 * * *", "2012-11-04T05:30:00Z", "America/New_York"), "2012-11-04T01:30:00-05:00");
        assert_eq!(next_in("0 3 * * *", "2025-06-01T00:00:00Z", "Europe/Paris"), "2025-06-01T03:00:00+02:00");
        assert!(time_zone("Mars/Olympus").is_err());
    }
}
