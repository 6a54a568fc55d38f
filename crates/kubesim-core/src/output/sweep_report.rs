//! A sweep's report.html: one self-contained page (no network; it opens from the file
//! system) with the comparison table (per figure and variant: the mean with its 95% CI, and
//! the paired difference from the first variant with its CI), the sweep charts inline, and
//! links to every run's own report.
//!
//! It is built from comparison.json and the charts alone, so a merge of shards writes the
//! same page as the sweep on one machine. A tiny script marks `#render-status` "ok" and lists
//! any JavaScript error in `#render-errors`, for the browser test.

use super::report::{base64, escape};
use serde_json::Value;
use std::fmt::Write;

/// The page, from comparison.json's bytes and the charts (file stem, title, PNG bytes).
pub fn sweep_report(comparison_json: &[u8], charts: &[(String, String, Vec<u8>)]) -> Vec<u8> {
    let c: Value = serde_json::from_slice(comparison_json).unwrap_or(Value::Null);
    let name = c.get("scenario").and_then(Value::as_str).unwrap_or("sweep");
    let variants: &[Value] = c.get("variants").and_then(Value::as_array).map_or(&[], Vec::as_slice);
    let seeds: Vec<u64> =
        c.get("seeds").and_then(Value::as_array).map_or(Vec::new(), |s| s.iter().filter_map(Value::as_u64).collect());
    let baseline = c.get("baseline").and_then(Value::as_str).unwrap_or("");
    let mut html = String::with_capacity(64 * 1024);
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>kubesim sweep: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{} <small>sweep</small></h1>\n",
        escape(name),
        escape(name)
    );
    let _ = writeln!(
        html,
        "<p class=\"meta\">{} variants x {} seeds · 95% confidence intervals · kubesim {}</p>",
        variants.len(),
        seeds.len(),
        escape(c.get("kubesim_version").and_then(Value::as_str).unwrap_or(""))
    );
    variants_list(&mut html, variants);
    comparison_table(&mut html, variants, baseline);
    if !charts.is_empty() {
        html.push_str("<h2>Charts</h2>\n<p class=\"hint\">Per variant: one faint point per seed, the mean as a dot with its 95% CI as a bar.</p>\n<div class=\"charts\">\n");
        for (stem, title, png) in charts {
            let _ = writeln!(
                html,
                "<figure><img alt=\"{}\" src=\"data:image/png;base64,{}\" width=\"960\" height=\"540\"><figcaption>{} (charts/{}.svg)</figcaption></figure>",
                escape(title),
                base64(png),
                escape(title),
                escape(stem)
            );
        }
        html.push_str("</div>\n");
    }
    run_links(&mut html, variants, &seeds);
    html.push_str(
        "<p id=\"render-status\" class=\"status\">rendering</p>\n<ul id=\"render-errors\" class=\"errors\"></ul>\n",
    );
    let _ = writeln!(html, "<script>{SCRIPT}</script>\n</body>\n</html>");
    html.into_bytes()
}

/// Each variant with its `set:` overrides.
fn variants_list(html: &mut String, variants: &[Value]) {
    html.push_str("<h2>Variants</h2>\n<ul class=\"variants\">\n");
    for (i, v) in variants.iter().enumerate() {
        let name = v.get("variant").and_then(Value::as_str).unwrap_or("");
        let set: Vec<&str> =
            v.get("set").and_then(Value::as_array).map_or(Vec::new(), |s| s.iter().filter_map(Value::as_str).collect());
        let base = if i == 0 { " <em>(baseline of the paired differences)</em>" } else { "" };
        let _ = writeln!(html, "<li><b>{}</b>{base}: <code>{}</code></li>", escape(name), escape(&set.join(" ")));
    }
    html.push_str("</ul>\n");
}

/// One row per figure, one column per variant: mean [CI], and the paired difference from
/// the baseline [CI], marked when its interval excludes 0.
fn comparison_table(html: &mut String, variants: &[Value], baseline: &str) {
    let figures = |v: &Value| v.get("figures").and_then(Value::as_array).cloned().unwrap_or_default();
    let Some(first) = variants.first() else { return };
    html.push_str("<h2>Comparison</h2>\n");
    let _ = writeln!(
        html,
        "<p class=\"hint\">mean [95% CI] over the seeds; Δ: the mean per-seed difference from {} [its paired 95% CI], <span class=\"differs\">highlighted</span> when the interval excludes 0.</p>",
        escape(baseline)
    );
    html.push_str("<table class=\"figures\" id=\"comparison\">\n<tr><th>figure</th>");
    for v in variants {
        let _ = write!(html, "<th>{}</th>", escape(v.get("variant").and_then(Value::as_str).unwrap_or("")));
    }
    html.push_str("</tr>\n");
    let per_variant: Vec<Vec<Value>> = variants.iter().map(figures).collect();
    for (row, fig) in figures(first).iter().enumerate() {
        let name = fig.get("figure").and_then(Value::as_str).unwrap_or("");
        let _ = write!(html, "<tr><th>{}</th>", escape(name));
        for figs in &per_variant {
            let Some(f) = figs.get(row) else {
                html.push_str("<td></td>");
                continue;
            };
            let _ = write!(html, "<td>{}", interval(f, "mean", "ci95_low", "ci95_high"));
            if f.get("diff_mean").is_some_and(Value::is_number) {
                let excludes_zero = match (number(f, "diff_ci95_low"), number(f, "diff_ci95_high")) {
                    (Some(lo), Some(hi)) => lo > 0.0 || hi < 0.0,
                    _ => false,
                } && !crate::sweep::NOT_RESULTS.contains(&name);
                let class = if excludes_zero { " class=\"differs\"" } else { "" };
                let _ = write!(
                    html,
                    "<br><span{class}>Δ {}</span>",
                    interval(f, "diff_mean", "diff_ci95_low", "diff_ci95_high")
                );
            }
            html.push_str("</td>");
        }
        html.push_str("</tr>\n");
    }
    html.push_str("</table>\n");
}

/// Links to each run's folder, by variant (its data files; its report.html too when the
/// sweep ran with `--run-charts`, which the comparison does not know: a merge of shards
/// writes the same page).
fn run_links(html: &mut String, variants: &[Value], seeds: &[u64]) {
    html.push_str("<h2>Runs</h2>\n<table class=\"figures\" id=\"runs\">\n");
    for v in variants {
        let name = v.get("variant").and_then(Value::as_str).unwrap_or("");
        let _ = write!(html, "<tr><th>{}</th><td>", escape(name));
        let links: Vec<String> =
            seeds.iter().map(|s| format!("<a href=\"{0}/seed-{s}/\">{s}</a>", escape(name))).collect();
        let _ = write!(html, "seed {}", links.join(" "));
        html.push_str("</td></tr>\n");
    }
    html.push_str("</table>\n");
}

fn number(f: &Value, key: &str) -> Option<f64> {
    f.get(key).and_then(Value::as_f64)
}

/// `110.1 [103.8, 116.5]`, or the mean alone when there is no interval.
fn interval(f: &Value, mean: &str, low: &str, high: &str) -> String {
    let Some(m) = number(f, mean) else { return "–".to_string() };
    match (number(f, low), number(f, high)) {
        (Some(lo), Some(hi)) => format!("{} [{}, {}]", short(m), short(lo), short(hi)),
        _ => short(m),
    }
}

/// A number with about four significant digits.
fn short(x: f64) -> String {
    let decimals = match x.abs() {
        a if a >= 1000.0 || a == 0.0 => 0,
        a if a >= 100.0 => 1,
        a if a >= 1.0 => 2,
        _ => 4,
    };
    let s = format!("{x:.decimals$}");
    if s.trim_start_matches('-').chars().all(|c| c == '0' || c == '.') {
        s.trim_start_matches('-').to_string()
    } else {
        s
    }
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px auto;max-width:1240px;color:#222;padding:0 12px}\
h1 small{color:#777;font-weight:normal}.meta,.hint{color:#555}.figures{border-collapse:collapse;margin:8px 0 16px}\
.figures th,.figures td{border:1px solid #ddd;padding:3px 8px;text-align:left;font-size:14px;vertical-align:top}.figures th{background:#f6f6f6;font-weight:600}\
.differs{background:#fff3c4}.charts{display:flex;flex-wrap:wrap;gap:12px}figure{margin:0;flex:1 1 560px;max-width:610px}\
figure img{width:100%;height:auto;border:1px solid #eee}figcaption{font-size:13px;color:#555}#runs a{margin-right:6px}\
.status{color:#999;font-size:12px}.errors{color:#a40000}";

const SCRIPT: &str = r#"
(function () {
  var errors = document.getElementById('render-errors');
  function report(message) { var li = document.createElement('li'); li.textContent = message; errors.appendChild(li); }
  window.addEventListener('error', function (e) { report(String(e.message)); });
  var original = console.error;
  console.error = function () { report(Array.prototype.join.call(arguments, ' ')); original.apply(console, arguments); };
  document.getElementById('render-status').textContent = 'ok';
})();
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_has_the_table_the_differences_and_the_links() {
        let json = br#"{"scenario":"s","kubesim_version":"0","seeds":[1,2],"baseline":"a","variants":[
            {"variant":"a","set":["x=1"],"runs":2,"figures":[{"figure":"rollout_duration_s","mean":110.1,"ci95_low":103.8,"ci95_high":116.5,"diff_mean":null,"diff_ci95_low":null,"diff_ci95_high":null},{"figure":"events_processed","mean":1000,"ci95_low":900,"ci95_high":1100,"diff_mean":null,"diff_ci95_low":null,"diff_ci95_high":null}]},
            {"variant":"b","set":["x=2"],"runs":2,"figures":[{"figure":"rollout_duration_s","mean":29.8,"ci95_low":26.6,"ci95_high":33.1,"diff_mean":-80.3,"diff_ci95_low":-85.0,"diff_ci95_high":-75.6},{"figure":"events_processed","mean":900,"ci95_low":800,"ci95_high":1000,"diff_mean":-100,"diff_ci95_low":-150,"diff_ci95_high":-50}]}]}"#;
        let page = String::from_utf8(sweep_report(json, &[("c".into(), "C".into(), vec![1, 2, 3])])).expect("utf-8");
        assert!(page.contains("<tr><th>rollout_duration_s</th><td>110.1 [103.8, 116.5]</td><td>29.80 [26.60, 33.10]<br><span class=\"differs\">Δ -80.30 [-85.00, -75.60]</span></td></tr>"), "{page}");
        assert!(page.contains("<a href=\"b/seed-2/\">2</a>"));
        assert!(
            page.contains("<span>Δ -100.0 [-150.0, -50.00]</span>"),
            "events processed differ, but are no result: {page}"
        );
        assert!(page.contains("src=\"data:image/png;base64,AQID\""));
        assert!(!page.contains("http"), "no network");
    }

    #[test]
    fn short_numbers_keep_about_four_digits() {
        assert_eq!(short(0.99712), "0.9971");
        assert_eq!(short(23.71), "23.71");
        assert_eq!(short(1234.4), "1234");
        assert_eq!(short(-0.00001), "0.0000");
    }
}
