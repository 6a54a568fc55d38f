//! Kubernetes resource quantities: `250m`, `2`, `0.5`, `512Mi`, `8Gi`, `1G`, `1e3`, `100k`.

const REGEX: &str = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$";

/// An exact quantity, in billionths of the base unit (nano-units), as Kubernetes keeps
/// them (its smallest suffix is `n`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Quantity {
    pub nanos: i128,
}

impl Quantity {
    /// Whole base units (bytes, cores, pods), rounded up as Kubernetes' `Value()` does.
    pub fn units_ceil(self) -> i128 {
        div_ceil(self.nanos, 1_000_000_000)
    }

    /// Thousandths (millicores), rounded up as Kubernetes' `MilliValue()` does.
    pub fn millis_ceil(self) -> i128 {
        div_ceil(self.nanos, 1_000_000)
    }

    pub fn is_negative(self) -> bool {
        self.nanos < 0
    }
}

fn div_ceil(a: i128, b: i128) -> i128 {
    let q = a / b;
    if a % b > 0 {
        q + 1
    } else {
        q
    }
}

/// Parses a Kubernetes quantity.
pub fn parse_quantity(s: &str) -> Result<Quantity, String> {
    parse(s.trim()).ok_or_else(|| {
        if well_formed(s.trim()) {
            format!(
                "invalid quantity \"{s}\": too large (kubesim's quantities go up to about 10^21, \
                 1 ZiB of memory or 10^21 CPUs)"
            )
        } else {
            format!(
                "invalid quantity \"{s}\": quantities must match the regular expression '{REGEX}' \
                 (e.g. 250m, 2, 512Mi, 8Gi)"
            )
        }
    })
}

/// Whether `s` has the form of a quantity (a number and a known suffix), whatever its size.
fn well_formed(s: &str) -> bool {
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    let num_len = body.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(body.len());
    let (num, suffix) = body.split_at(num_len);
    let known = ["Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "n", "u", "m", "", "k", "M", "G", "T", "P", "E"];
    num.chars().any(|c| c.is_ascii_digit())
        && num.matches('.').count() <= 1
        && (known.contains(&suffix) || exponent(suffix).is_some())
}

fn parse(s: &str) -> Option<Quantity> {
    let (negative, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let num_len = body.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(body.len());
    let (num, suffix) = body.split_at(num_len);
    let (mantissa, decimals) = decimal(num)?;
    let nanos = apply_suffix(mantissa, decimals, suffix)?;
    Some(Quantity { nanos: if negative { -nanos } else { nanos } })
}

/// `12.50` -> (1250, 2).
fn decimal(num: &str) -> Option<(i128, u32)> {
    let (int, frac) = num.split_once('.').unwrap_or((num, ""));
    if (int.is_empty() && frac.is_empty()) || frac.contains('.') {
        return None;
    }
    let digits = format!("{int}{frac}");
    let digits = digits.trim_start_matches('0');
    if digits.len() > 30 {
        return None;
    }
    let mantissa = if digits.is_empty() { 0 } else { digits.parse().ok()? };
    Some((mantissa, u32::try_from(frac.len()).ok()?))
}

/// mantissa * 10^-decimals * suffix, in nano-units, rounded up.
fn apply_suffix(mantissa: i128, decimals: u32, suffix: &str) -> Option<i128> {
    let (binary, exp10): (i128, i32) = match suffix {
        "Ki" => (1 << 10, 0),
        "Mi" => (1 << 20, 0),
        "Gi" => (1 << 30, 0),
        "Ti" => (1 << 40, 0),
        "Pi" => (1 << 50, 0),
        "Ei" => (1 << 60, 0),
        "n" => (1, -9),
        "u" => (1, -6),
        "m" => (1, -3),
        "" => (1, 0),
        "k" => (1, 3),
        "M" => (1, 6),
        "G" => (1, 9),
        "T" => (1, 12),
        "P" => (1, 15),
        "E" => (1, 18),
        _ => (1, exponent(suffix)?),
    };
    let scaled = mantissa.checked_mul(binary)?;
    let exp = exp10.checked_add(9)?.checked_sub(i32::try_from(decimals).ok()?)?;
    let limit = 1i128 << 100;
    let value = if exp >= 0 {
        scaled.checked_mul(10i128.checked_pow(u32::try_from(exp).ok()?)?)?
    } else {
        let d = 10i128.checked_pow(u32::try_from(-exp).ok()?)?;
        div_ceil(scaled, d)
    };
    (value < limit).then_some(value)
}

/// `e3`, `E-2`: a decimal exponent.
fn exponent(suffix: &str) -> Option<i32> {
    let rest = suffix.strip_prefix(['e', 'E'])?;
    let digits = rest.strip_prefix(['+', '-']).unwrap_or(rest);
    if digits.is_empty() || digits.len() > 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    rest.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn milli(s: &str) -> i128 {
        parse_quantity(s).unwrap().millis_ceil()
    }
    fn units(s: &str) -> i128 {
        parse_quantity(s).unwrap().units_ceil()
    }

    #[test]
    fn cpu_quantities_in_millicores() {
        assert_eq!(milli("250m"), 250);
        assert_eq!(milli("2"), 2_000);
        assert_eq!(milli("0.5"), 500);
        assert_eq!(milli(".5"), 500);
        assert_eq!(milli("1.0001"), 1_001); // rounds up
        assert_eq!(milli("100u"), 1);
        assert_eq!(milli("1e3"), 1_000_000);
        assert_eq!(milli("+3"), 3_000);
    }

    #[test]
    fn memory_quantities_in_bytes() {
        assert_eq!(units("512Mi"), 512 * 1024 * 1024);
        assert_eq!(units("8Gi"), 8 << 30);
        assert_eq!(units("1G"), 1_000_000_000);
        assert_eq!(units("100k"), 100_000);
        assert!(parse_quantity("99999999999999999999999Ei").unwrap_err().contains("too large"));
        assert!(parse_quantity("4 cores").unwrap_err().contains("regular expression"));
        assert_eq!(units("128974848"), 128_974_848);
        assert_eq!(units("129e6"), 129_000_000);
        assert_eq!(units("123Mi"), 128_974_848);
        assert_eq!(units("1.5Gi"), 1_610_612_736);
        assert_eq!(units("1E"), 1_000_000_000_000_000_000);
        assert_eq!(units("1m"), 1); // a thousandth of a byte rounds up
    }

    #[test]
    fn negative_quantities_parse_and_say_so() {
        assert!(parse_quantity("-1").unwrap().is_negative());
    }

    #[test]
    fn rejects_what_kubernetes_rejects() {
        let e = parse_quantity("4 cores").unwrap_err();
        assert!(e.contains("quantities must match the regular expression"), "{e}");
        for bad in ["", "abc", "1.2.3", "1Mb", "1KiB", "Gi", "1e", "1ee3", "--1", "1 Gi", "1e99999"] {
            assert!(parse_quantity(bad).is_err(), "{bad}");
        }
        assert!(parse_quantity("99999999999999999999999999999999Ei").is_err());
    }
}
