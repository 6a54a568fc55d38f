//! Reporting problems found in one Kubernetes object, at their place in the file.

use super::diagnostic::Report;
use super::positions::{Anchor, YPath};
use super::source::Loc;

/// Problems of one object, prefixed with its name (`deployment/web: ...`).
pub(crate) struct Checker<'a> {
    pub loc: &'a Loc,
    pub label: String,
    pub report: &'a mut Report,
    pub errors: usize,
}

impl<'a> Checker<'a> {
    pub fn new(loc: &'a Loc, label: String, report: &'a mut Report) -> Self {
        Checker { loc, label, report, errors: 0 }
    }

    /// `path: message` (Kubernetes' field error format), pointing at the value.
    pub fn field(&mut self, path: &str, msg: impl std::fmt::Display) {
        self.field_help(path, msg, None);
    }

    pub fn field_help(&mut self, path: &str, msg: impl std::fmt::Display, help: Option<String>) {
        let yp = YPath::parse(path).unwrap_or_default();
        let text = format!("{}: {path}: {msg}", self.label);
        self.at(&yp, Anchor::Value, text, help);
    }

    /// A message placed at `path`, without the path in the text.
    pub fn at(&mut self, path: &YPath, anchor: Anchor, msg: String, help: Option<String>) {
        self.errors += 1;
        let d = self.loc.error(path, anchor, msg).with_help(help);
        self.report.push(d);
    }

    pub fn invalid(&mut self, path: &str, value: impl std::fmt::Display, why: &str) {
        self.field(path, format!("Invalid value: {value}: {why}"));
    }

    pub fn required(&mut self, path: &str) {
        self.field(path, "Required value");
    }

    pub fn unsupported(&mut self, path: &str, value: &str, supported: &[&str]) {
        let list: Vec<String> = supported.iter().map(|s| format!("\"{s}\"")).collect();
        self.field(path, format!("Unsupported value: \"{value}\": supported values: {}", list.join(", ")));
    }

    pub fn nonnegative(&mut self, path: &str, v: Option<i64>) {
        if let Some(v) = v.filter(|v| *v < 0) {
            self.invalid(path, v, "must be greater than or equal to 0");
        }
    }
}
