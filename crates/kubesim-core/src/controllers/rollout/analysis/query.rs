//! What a metric asks of the simulated traffic. kubesim cannot run PromQL: it recognises
//! the success-rate and error-rate query shapes of Argo Rollouts' documentation
//! (docs/features/analysis.md, docs/analysis/prometheus.md) and answers them from the
//! requests the simulation counted, or reads the `kubesim` provider, which names the figure
//! directly. A query of another shape is refused at load with the shapes understood.

use crate::engine::SimDuration;
pub use crate::model::spec::{Figure, Query, Target};

/// The shapes understood, for messages.
pub const SHAPES: &str = "kubesim answers the success-rate and error-rate shapes of Argo Rollouts' documentation: \
`sum(irate(istio_requests_total{destination_service=~\"SVC\",response_code!~\"5.*\"}[5m])) / \
sum(irate(istio_requests_total{destination_service=~\"SVC\"}[5m]))` (rate, irate or increase; `response_code=~\"5.*\"` \
in the numerator for an error rate) and the same with `nginx_ingress_controller_requests{ingress=\"ING\",status!~\"[4-5].*\"}`; \
or use the `kubesim` provider: `provider: {kubesim: {metric: successRate, service: web-canary, window: 1m}}`";

/// `{{args.NAME}}` replaced by the argument's value (analysisutil's fasttemplate with the
/// `{{` `}}` tags); an argument without a value is an error, as Argo's ResolveArgs says.
pub fn substitute(text: &str, args: &[(String, Option<String>)]) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return Ok(out);
        };
        let tag = after[..end].trim();
        match tag.strip_prefix("args.") {
            Some(name) => match args.iter().find(|(n, _)| n == name) {
                Some((_, Some(v))) => out.push_str(v),
                Some((_, None)) => return Err(format!("args.{name} was not resolved")),
                None => return Err(format!("failed to resolve {{{{args.{name}}}}}")),
            },
            // Other tags (secrets, `{{templates...}}`) are left as they are.
            None => out.push_str(&rest[start..start + 2 + end + 2]),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// A Prometheus range (`5m`, `30s`, `1h30m`, `2d`).
pub fn prometheus_duration(text: &str) -> Option<SimDuration> {
    let mut total: u64 = 0;
    let mut digits = String::new();
    let mut chars = text.chars().peekable();
    if text.is_empty() {
        return None;
    }
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let n: u64 = digits.parse().ok()?;
        digits.clear();
        let unit_ms: u64 = match c {
            'm' if chars.peek() == Some(&'s') => {
                chars.next();
                1
            }
            's' => 1_000,
            'm' => 60_000,
            'h' => 3_600_000,
            'd' => 86_400_000,
            'w' => 604_800_000,
            _ => return None,
        };
        total = total.checked_add(n.checked_mul(unit_ms)?)?;
    }
    if !digits.is_empty() {
        return None;
    }
    (total > 0).then(|| SimDuration::from_millis(total))
}

/// One `metric{matchers}[range]` inside `sum(FUNC(...))`.
struct Selector {
    metric: String,
    matchers: Vec<(String, String, String)>,
    window: SimDuration,
}

/// Which requests a side of the ratio counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Codes {
    All,
    NotErrors,
    Errors,
}

/// Reads a Prometheus query of a shape kubesim understands.
pub fn parse_promql(query: &str) -> Result<Query, String> {
    let compact = strip_spaces(query);
    let body = strip_parens(&compact);
    let parts = split_top(body, '/');
    let [num, den] = parts.as_slice() else {
        return Err(format!("kubesim cannot answer this query: {SHAPES}"));
    };
    let (num, den) = (side(num)?, side(den)?);
    let (num_target, num_codes) = classify(&num)?;
    let (den_target, den_codes) = classify(&den)?;
    if num.metric != den.metric || num_target != den_target || num.window != den.window || den_codes != Codes::All {
        return Err(format!(
            "kubesim cannot answer this query: the numerator and the denominator must count the same metric of the same target over the same range, the denominator all requests; {SHAPES}"
        ));
    }
    let figure = match num_codes {
        Codes::NotErrors => Figure::SuccessRate,
        Codes::Errors => Figure::ErrorRate,
        Codes::All => {
            return Err(format!("kubesim cannot answer this query: the numerator selects no status codes; {SHAPES}"))
        }
    };
    Ok(Query { figure, target: num_target, window: num.window })
}

fn strip_spaces(q: &str) -> String {
    let mut out = String::new();
    let mut quoted = false;
    for c in q.chars() {
        if c == '"' {
            quoted = !quoted;
        }
        if quoted || !c.is_whitespace() {
            out.push(c);
        }
    }
    out
}

/// Outer parentheses that enclose everything.
fn strip_parens(mut s: &str) -> &str {
    while s.starts_with('(') && s.ends_with(')') && matching_close(s, 0) == Some(s.len() - 1) {
        s = &s[1..s.len() - 1];
    }
    s
}

fn matching_close(s: &str, open: usize) -> Option<usize> {
    let mut depth = 0i32;
    let mut quoted = false;
    for (i, c) in s.char_indices().skip_while(|(i, _)| *i < open) {
        match c {
            '"' => quoted = !quoted,
            '(' | '{' | '[' if !quoted => depth += 1,
            ')' | '}' | ']' if !quoted => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// `s` split at `sep` outside brackets and quotes.
fn split_top(s: &str, sep: char) -> Vec<&str> {
    let (mut depth, mut quoted, mut start, mut out) = (0i32, false, 0, Vec::new());
    for (i, c) in s.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '(' | '{' | '[' if !quoted => depth += 1,
            ')' | '}' | ']' if !quoted => depth -= 1,
            c if c == sep && depth == 0 && !quoted => {
                out.push(&s[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

/// `sum(FUNC(metric{...}[range]))`, FUNC one of rate, irate, increase.
fn side(s: &str) -> Result<Selector, String> {
    let s = strip_parens(s);
    let shape = || format!("kubesim cannot answer `{s}`: {SHAPES}");
    let inner = s.strip_prefix("sum(").and_then(|r| r.strip_suffix(')')).ok_or_else(shape)?;
    let inner = ["rate(", "irate(", "increase("]
        .iter()
        .find_map(|f| inner.strip_prefix(f))
        .and_then(|r| r.strip_suffix(')'))
        .ok_or_else(shape)?;
    let open = inner.find('{').ok_or_else(shape)?;
    let close = matching_close(inner, open).ok_or_else(shape)?;
    let metric = inner[..open].to_string();
    let range = inner[close + 1..].strip_prefix('[').and_then(|r| r.strip_suffix(']')).ok_or_else(shape)?;
    let window =
        prometheus_duration(range).ok_or_else(|| format!("`[{range}]` is not a Prometheus range like [5m]"))?;
    let mut matchers = Vec::new();
    for m in split_top(&inner[open + 1..close], ',').into_iter().filter(|m| !m.is_empty()) {
        let op_at = m.find(['=', '!']).ok_or_else(shape)?;
        let (label, rest) = m.split_at(op_at);
        let op = ["=~", "!~", "!=", "="].iter().find(|op| rest.starts_with(**op)).ok_or_else(shape)?;
        let value = rest[op.len()..].strip_prefix('"').and_then(|v| v.strip_suffix('"')).ok_or_else(shape)?;
        matchers.push((label.to_string(), op.to_string(), value.to_string()));
    }
    Ok(Selector { metric, matchers, window })
}

/// A pattern that selects the 5xx codes (or 4xx and 5xx, which kubesim's failures all are).
fn selects_errors(pattern: &str) -> bool {
    matches!(
        pattern,
        "5.*"
            | "5.."
            | "5\\\\d\\\\d"
            | "5\\d\\d"
            | "5xx"
            | "[4-5].*"
            | "[45].*"
            | "[4-5].."
            | "[45].."
            | "4.*|5.*"
            | "5.*|4.*"
    )
}

fn classify(sel: &Selector) -> Result<(Target, Codes), String> {
    let (target_label, code_label, ingress) = match sel.metric.as_str() {
        "istio_requests_total" => (&["destination_service", "destination_service_name"][..], "response_code", false),
        "nginx_ingress_controller_requests" => (&["ingress"][..], "status", true),
        other => return Err(format!("kubesim has no metric `{other}`: {SHAPES}")),
    };
    let mut target = None;
    let mut codes = Codes::All;
    for (label, op, value) in &sel.matchers {
        if target_label.contains(&label.as_str()) && (op == "=" || op == "=~") {
            let mut parts = value.split('.');
            let name = parts.next().unwrap_or_default().to_string();
            let namespace = parts.next().map(str::to_string);
            target =
                Some(if ingress { Target::Ingress { name, namespace } } else { Target::Service { name, namespace } });
        } else if label == code_label {
            codes = match op.as_str() {
                "!~" if selects_errors(value) => Codes::NotErrors,
                "=~" if selects_errors(value) => Codes::Errors,
                _ => {
                    return Err(format!(
                        "kubesim cannot answer `{label}{op}\"{value}\"`: it tells failed requests (5xx) from the others, so it understands `{label}!~\"5.*\"` and `{label}=~\"5.*\"` (or \"[4-5].*\")"
                    ))
                }
            };
        }
        // Other labels (reporter, namespace, ...) narrow nothing kubesim counts.
    }
    let target = target.ok_or_else(|| {
        format!(
            "the query names no {}: kubesim needs the Service or Ingress whose requests it counts",
            target_label.join(" or ")
        )
    })?;
    Ok((target, codes))
}

/// The `kubesim` provider: `metric` (successRate, errorRate), `service` or `ingress`, `window`.
pub fn kubesim_query(
    metric: &str,
    service: Option<&str>,
    ingress: Option<&str>,
    window: SimDuration,
) -> Result<Query, String> {
    let figure = match metric {
        "successRate" => Figure::SuccessRate,
        "errorRate" => Figure::ErrorRate,
        other => {
            return Err(format!("Unsupported value: \"{other}\": supported values: \"successRate\", \"errorRate\""))
        }
    };
    let target = match (service, ingress) {
        (Some(s), None) => Target::Service { name: s.to_string(), namespace: None },
        (None, Some(i)) => Target::Ingress { name: i.to_string(), namespace: None },
        _ => return Err("give one of `service` or `ingress`".into()),
    };
    Ok(Query { figure, target, window })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// docs/features/analysis.md's success-rate template, args substituted.
    #[test]
    fn the_documented_istio_success_rate_query_is_a_service_success_rate() {
        let q = r#"sum(irate(
            istio_requests_total{reporter="source",destination_service=~"{{args.service-name}}",response_code!~"5.*"}[5m]
          )) /
          sum(irate(
            istio_requests_total{reporter="source",destination_service=~"{{args.service-name}}"}[5m]
          ))"#;
        let args = [("service-name".to_string(), Some("web-canary.default.svc.cluster.local".to_string()))];
        let q = parse_promql(&substitute(q, &args).unwrap()).unwrap();
        assert_eq!(q.figure, Figure::SuccessRate);
        assert_eq!(q.target, Target::Service { name: "web-canary".into(), namespace: Some("default".into()) });
        assert_eq!(q.window, SimDuration::from_secs(300));
    }

    #[test]
    fn the_nginx_query_is_an_ingress_figure() {
        let q = r#"sum(rate(nginx_ingress_controller_requests{ingress="web", status!~"[4-5].*"}[2m])) / sum(rate(nginx_ingress_controller_requests{ingress="web"}[2m]))"#;
        let q = parse_promql(q).unwrap();
        assert_eq!(q.figure, Figure::SuccessRate);
        assert_eq!(q.target, Target::Ingress { name: "web".into(), namespace: None });
        let e = r#"sum(rate(nginx_ingress_controller_requests{ingress="web",status=~"5.*"}[1m]))/sum(rate(nginx_ingress_controller_requests{ingress="web"}[1m]))"#;
        assert_eq!(parse_promql(e).unwrap().figure, Figure::ErrorRate);
    }

    #[test]
    fn other_queries_are_refused_with_the_shapes_understood() {
        for q in [
            "up",
            r#"histogram_quantile(0.99, sum(rate(x_bucket[5m])) by (le))"#,
            r#"sum(rate(http_requests_total{service="a"}[5m])) / sum(rate(http_requests_total{service="a"}[5m]))"#,
            r#"sum(rate(istio_requests_total{destination_service="a",response_code!~"5.*"}[5m])) / sum(rate(istio_requests_total{destination_service="b"}[5m]))"#,
        ] {
            let e = parse_promql(q).unwrap_err();
            assert!(e.contains("kubesim"), "{e}");
        }
    }

    #[test]
    fn arguments_are_substituted_and_missing_ones_named() {
        let args = [("a".to_string(), Some("x".to_string())), ("b".to_string(), None)];
        assert_eq!(substitute("{{args.a}}-{{ args.a }}", &args).unwrap(), "x-x");
        assert!(substitute("{{args.b}}", &args).unwrap_err().contains("args.b"));
        assert!(substitute("{{args.c}}", &args).unwrap_err().contains("args.c"));
        assert_eq!(prometheus_duration("1m30s"), Some(SimDuration::from_secs(90)));
        assert_eq!(prometheus_duration("5x"), None);
    }
}
