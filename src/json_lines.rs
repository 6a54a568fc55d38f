//! `--output json`: each run's summary.json as one line of JSON on stdout (JSON Lines, which
//! `jq`, pandas' `read_json(lines=True)` and Polars' `read_ndjson` read).

/// `json` (pretty-printed, as summary.json is written) on one line: the whitespace between
/// tokens removed, every string (and number) kept byte for byte. The bytes are not parsed
/// into numbers and printed again, which could change a float's last digit.
pub fn one_line(json: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(json.len());
    let (mut in_string, mut escaped) = (false, false);
    for &b in json {
        if in_string {
            out.push(b);
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
        } else if !matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
            out.push(b);
            in_string = b == b'"';
        }
    }
    out
}

/// A sweep run's line: its summary with `"variant":NAME` first (the summary has the seed).
pub fn with_variant(summary: &[u8], variant: &str) -> Vec<u8> {
    let line = one_line(summary);
    let Some(rest) = line.strip_prefix(b"{") else { return line };
    let mut out = format!("{{\"variant\":{},", serde_json::Value::from(variant)).into_bytes();
    if rest == b"}" {
        out.pop();
    }
    out.extend_from_slice(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pretty_json_becomes_one_line_with_strings_kept() {
        let pretty =
            b"{\n  \"a b\": \"x \\\" y\\\\\",\n  \"n\": 1.2345678901234567,\n  \"l\": [\n    1,\n    2\n  ]\n}";
        assert_eq!(one_line(pretty), br#"{"a b":"x \" y\\","n":1.2345678901234567,"l":[1,2]}"#.to_vec());
    }

    #[test]
    fn a_sweep_line_names_its_variant_first() {
        assert_eq!(
            with_variant(b"{\n  \"seed\": 3\n}", "surge \"25%\""),
            br#"{"variant":"surge \"25%\"","seed":3}"#.to_vec()
        );
        assert_eq!(with_variant(b"{}", "v"), br#"{"variant":"v"}"#.to_vec());
    }
}
