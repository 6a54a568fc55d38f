//! Kubernetes-style durations: `500ms`, `30s`, `5m`, `2h`, `1h30m`, `1.5s`.

use crate::engine::SimDuration;

const EXPECTED: &str = "expected a duration like 500ms, 30s, 5m, 1h30m";

/// Parses a Go/Kubernetes duration (units ns, us, µs, ms, s, m, h; no sign) into
/// microseconds; sub-microsecond parts round up.
pub fn parse_duration(s: &str) -> Result<SimDuration, String> {
    let t = s.trim();
    if t == "0" {
        return Ok(SimDuration::ZERO);
    }
    if t.is_empty() {
        return Err(format!("empty duration: {EXPECTED}"));
    }
    let mut rest = t;
    let mut total_nanos: u128 = 0;
    while !rest.is_empty() {
        let (nanos, tail) = parse_term(rest).ok_or_else(|| invalid(s))?;
        total_nanos = total_nanos.checked_add(nanos).ok_or_else(|| too_long(s))?;
        rest = tail;
    }
    let micros = total_nanos.div_ceil(1_000);
    u64::try_from(micros).map(SimDuration).map_err(|_| too_long(s))
}

fn invalid(s: &str) -> String {
    format!("invalid duration \"{s}\": {EXPECTED}")
}

fn too_long(s: &str) -> String {
    format!("duration \"{s}\" is too long")
}

/// One `<number><unit>` term: its length in nanoseconds and the rest of the text.
fn parse_term(s: &str) -> Option<(u128, &str)> {
    let num_len = s.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(s.len());
    let (num, rest) = s.split_at(num_len);
    let unit_len = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
    let (unit, rest) = rest.split_at(unit_len);
    let scale: u128 = match unit {
        "ns" => 1,
        "us" | "µs" | "μs" => 1_000,
        "ms" => 1_000_000,
        "s" => 1_000_000_000,
        "m" => 60_000_000_000,
        "h" => 3_600_000_000_000,
        _ => return None,
    };
    Some((scaled(num, scale)?, rest))
}

/// `num` (decimal, maybe with a fraction) times `scale`, rounded up.
fn scaled(num: &str, scale: u128) -> Option<u128> {
    let (int, frac) = num.split_once('.').unwrap_or((num, ""));
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let frac = &frac[..frac.len().min(18)];
    let int_v: u128 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let frac_v: u128 = if frac.is_empty() { 0 } else { frac.parse().ok()? };
    let denom = 10u128.checked_pow(u32::try_from(frac.len()).ok()?)?;
    let whole = int_v.checked_mul(scale)?;
    let part = frac_v.checked_mul(scale)?.div_ceil(denom);
    whole.checked_add(part)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(s: &str) -> u64 {
        parse_duration(s).unwrap().as_millis()
    }

    #[test]
    fn parses_kubernetes_durations() {
        assert_eq!(ms("500ms"), 500);
        assert_eq!(ms("30s"), 30_000);
        assert_eq!(ms("5m"), 300_000);
        assert_eq!(ms("2h"), 7_200_000);
        assert_eq!(ms("1h30m"), 5_400_000);
        assert_eq!(ms("1.5s"), 1_500);
        assert_eq!(ms("0"), 0);
        assert_eq!(ms("2m3s500ms"), 123_500);
        assert_eq!(parse_duration("1us").unwrap().as_micros(), 1);
        assert_eq!(parse_duration("1ns").unwrap().as_micros(), 1);
    }

    #[test]
    fn rejects_prose_and_missing_units() {
        let e = parse_duration("5 minutes").unwrap_err();
        assert!(e.contains("expected a duration like 500ms, 30s, 5m, 1h30m"), "{e}");
        for bad in ["", "5", "s", "1d", "-5s", "1.2.3s", "5m ", "h1"] {
            assert!(parse_duration(bad).is_err() || bad == "5m ", "{bad}");
        }
        assert!(parse_duration("99999999999999999999999h").is_err());
    }
}
