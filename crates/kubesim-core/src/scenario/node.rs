//! Reading kubesim's own YAML (the scenario, not Kubernetes objects): a value with its
//! place, typed getters that report what was expected, and unknown-key checks.

use super::diagnostic::Report;
use super::duration::parse_duration;
use super::positions::{Anchor, YPath};
use super::source::Loc;
use super::suggest::did_you_mean;
use crate::engine::SimDuration;
use serde_yaml::Value;

#[derive(Clone)]
pub(crate) struct Node<'a> {
    pub loc: &'a Loc,
    pub path: YPath,
    pub v: &'a Value,
}

impl<'a> Node<'a> {
    pub fn root(loc: &'a Loc, v: &'a Value) -> Self {
        Node { loc, path: YPath::root(), v }
    }

    pub fn get(&self, key: &str) -> Option<Node<'a>> {
        let v = self.v.as_mapping()?.get(key)?;
        Some(Node { loc: self.loc, path: self.path.key(key), v })
    }

    /// The mapping's entries with string keys (other keys are reported).
    pub fn entries(&self, r: &mut Report) -> Vec<(String, Node<'a>)> {
        let Some(m) = self.v.as_mapping() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (k, v) in m {
            match key_text(k) {
                Some(key) => out.push((key.clone(), Node { loc: self.loc, path: self.path.key(&key), v })),
                None => self.error(r, "keys must be strings", None),
            }
        }
        out
    }

    pub fn items(&self) -> Vec<Node<'a>> {
        match self.v.as_sequence() {
            Some(seq) => {
                seq.iter().enumerate().map(|(i, v)| Node { loc: self.loc, path: self.path.index(i), v }).collect()
            }
            None => Vec::new(),
        }
    }

    pub fn error(&self, r: &mut Report, msg: impl std::fmt::Display, help: Option<String>) {
        self.report(r, Anchor::Value, msg, help);
    }

    pub fn report(&self, r: &mut Report, anchor: Anchor, msg: impl std::fmt::Display, help: Option<String>) {
        let text = if self.path.0.is_empty() { msg.to_string() } else { format!("{}: {msg}", self.path) };
        r.push(self.loc.error(&self.path, anchor, text).with_help(help));
    }

    pub fn warn(&self, r: &mut Report, msg: impl std::fmt::Display) {
        let text = if self.path.0.is_empty() { msg.to_string() } else { format!("{}: {msg}", self.path) };
        r.push(self.loc.warning(&self.path, Anchor::Key, text));
    }

    /// Expects a mapping and reports each key not in `known`, suggesting the closest.
    pub fn check_keys(&self, r: &mut Report, known: &[&str], what: &str) -> bool {
        if self.v.is_null() {
            return true;
        }
        let Some(m) = self.v.as_mapping() else {
            self.error(r, format!("expected {what} (a mapping), found {}", describe(self.v)), None);
            return false;
        };
        for k in m.keys() {
            let Some(key) = key_text(k) else { continue };
            if !known.contains(&key.as_str()) {
                let child = Node { loc: self.loc, path: self.path.key(&key), v: self.v };
                let help = did_you_mean(&key, known.iter().copied())
                    .or_else(|| Some(format!("valid fields: {}", known.join(", "))));
                child.report(r, Anchor::Key, format!("unknown field `{key}` in {what}"), help);
            }
        }
        true
    }

    pub fn expect_seq(&self, r: &mut Report, what: &str) -> bool {
        if self.v.is_sequence() || self.v.is_null() {
            return true;
        }
        self.error(r, format!("expected {what} (a list), found {}", describe(self.v)), None);
        false
    }

    pub fn string(&self, r: &mut Report) -> Option<String> {
        match self.v {
            Value::String(s) => Some(s.clone()),
            other => {
                self.error(r, format!("expected a string, found {}", describe(other)), None);
                None
            }
        }
    }

    pub fn uint(&self, r: &mut Report, what: &str) -> Option<u64> {
        match self.v.as_u64() {
            Some(n) => Some(n),
            None => {
                self.error(r, format!("expected {what} (a non-negative integer), found {}", describe(self.v)), None);
                None
            }
        }
    }

    pub fn boolean(&self, r: &mut Report) -> Option<bool> {
        match self.v {
            Value::Bool(b) => Some(*b),
            other => {
                self.error(r, format!("expected true or false, found {}", describe(other)), None);
                None
            }
        }
    }

    pub fn float(&self, r: &mut Report) -> Option<f64> {
        match self.v.as_f64() {
            Some(n) => Some(n),
            None => {
                self.error(r, format!("expected a number, found {}", describe(self.v)), None);
                None
            }
        }
    }

    pub fn duration(&self, r: &mut Report) -> Option<SimDuration> {
        let text = match self.v {
            Value::String(s) => s.clone(),
            Value::Number(n) if n.as_u64() == Some(0) => return Some(SimDuration::ZERO),
            Value::Number(n) => {
                let help = Some(format!("add a unit: `{n}s`, `{n}m`, ..."));
                self.error(
                    r,
                    format!(
                        "invalid duration {n}: expected a duration like 500ms, 30s, 5m, 1h30m (a unit is required)"
                    ),
                    help,
                );
                return None;
            }
            other => {
                self.error(
                    r,
                    format!("expected a duration like 500ms, 30s, 5m, 1h30m, found {}", describe(other)),
                    None,
                );
                return None;
            }
        };
        match parse_duration(&text) {
            Ok(d) => Some(d),
            Err(e) => {
                self.error(r, e, None);
                None
            }
        }
    }
}

/// A mapping key as text (numbers and bools are keys too in YAML).
fn key_text(k: &Value) -> Option<String> {
    match k {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// `a string "x"`, `a list`, ... for "found ..." messages.
pub(crate) fn describe(v: &Value) -> String {
    match v {
        Value::Null => "nothing (null)".into(),
        Value::Bool(b) => format!("a boolean `{b}`"),
        Value::Number(n) => format!("a number `{n}`"),
        Value::String(s) => format!("a string \"{s}\""),
        Value::Sequence(_) => "a list".into(),
        Value::Mapping(_) => "a mapping".into(),
        Value::Tagged(_) => "a tagged value".into(),
    }
}
