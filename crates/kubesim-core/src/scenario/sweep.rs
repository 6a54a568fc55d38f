//! The `sweep:` section: which seeds, and which variants, each a name and a `set:` of field
//! paths. The paths are the `--set` paths; the loader checks them by loading the scenario
//! with each variant applied (see `check_variants` in `mod.rs`), so a variant that cannot
//! run is an error of the file, not of the sweep half-way through.

use super::diagnostic::Report;
use super::node::{describe, Node};
use super::validate::is_dns_label;
use crate::model::spec::{SweepSpec, Variant};
use serde_yaml::Value;
use std::collections::BTreeSet;

const KEYS: &[&str] = &["seeds", "variants"];
const VARIANT_KEYS: &[&str] = &["name", "set"];
/// Seeds and variants are bounded, like every other input.
pub(crate) const MAX_SEEDS: u64 = 100_000;
pub(crate) const MAX_VARIANTS: usize = 1_000;
/// Names a variant cannot take: they are folders of the sweep's own.
const RESERVED: &[&str] = &["charts"];

/// Parses `sweep:`; None when absent or when it has errors (reported).
pub(crate) fn sweep(n: Option<Node>, r: &mut Report) -> Option<SweepSpec> {
    let n = n?;
    let errors = r.error_count();
    if n.v.is_null() || !n.v.is_mapping() {
        let found = describe(n.v);
        n.error(r, format!("expected the sweep (a mapping with `seeds` and `variants`), found {found}"), None);
        return None;
    }
    n.check_keys(r, KEYS, "the sweep");
    let seeds = match n.get("seeds") {
        Some(s) => seeds(&s, r),
        None => {
            n.error(
                r,
                "seeds: Required value: how many seeds (`seeds: 30` runs seeds 1 to 30) or which (`seeds: [7, 8, 9]`)",
                None,
            );
            Vec::new()
        }
    };
    let variants = match n.get("variants") {
        Some(v) => variants(&v, r),
        None => {
            let help = Some(
                "variants:\n  - name: surge-1\n    set: {deployment/web.spec.strategy.rollingUpdate.maxSurge: 1}"
                    .into(),
            );
            n.error(r, "variants: Required value: a list of variants, each a `name` and a `set:` of field paths", help);
            Vec::new()
        }
    };
    (r.error_count() == errors).then_some(SweepSpec { seeds, variants })
}

/// `seeds: N` (1..=N) or `seeds: [a, b, ...]` (distinct).
fn seeds(n: &Node, r: &mut Report) -> Vec<u64> {
    if let Some(list) = n.v.as_sequence() {
        if list.is_empty() {
            n.error(r, "expected at least one seed", None);
        }
        if list.len() as u64 > MAX_SEEDS {
            n.error(r, format!("{} seeds is more than kubesim's limit of {MAX_SEEDS}", list.len()), None);
            return Vec::new();
        }
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for item in n.items() {
            let Some(seed) = item.uint(r, "a seed") else { continue };
            if !seen.insert(seed) {
                item.error(r, format!("Duplicate value: {seed}: each seed runs once per variant"), None);
            }
            out.push(seed);
        }
        return out;
    }
    let Some(count) = n.v.as_u64() else {
        let found = describe(n.v);
        n.error(r, format!("expected a number of seeds (like `30`) or a list of seeds, found {found}"), None);
        return Vec::new();
    };
    if count == 0 {
        n.error(r, "a sweep needs at least one seed", None);
    } else if count > MAX_SEEDS {
        n.error(r, format!("{count} seeds is more than kubesim's limit of {MAX_SEEDS}"), None);
        return Vec::new();
    }
    (1..=count).collect()
}

fn variants(n: &Node, r: &mut Report) -> Vec<Variant> {
    if !n.v.is_sequence() {
        n.error(r, format!("expected a list of variants, found {}", describe(n.v)), None);
        return Vec::new();
    }
    let items = n.items();
    if items.is_empty() {
        n.error(r, "expected at least one variant", None);
    }
    if items.len() > MAX_VARIANTS {
        n.error(r, format!("{} variants is more than kubesim's limit of {MAX_VARIANTS}", items.len()), None);
        return Vec::new();
    }
    let mut names = BTreeSet::new();
    let mut out = Vec::new();
    for item in items {
        if !item.v.is_mapping() {
            item.error(
                r,
                format!("expected a variant (a mapping with `name` and `set`), found {}", describe(item.v)),
                None,
            );
            continue;
        }
        item.check_keys(r, VARIANT_KEYS, "a variant");
        let Some(name_node) = item.get("name") else {
            item.error(r, "name: Required value: the variant's name, which names its output folder", None);
            continue;
        };
        let Some(name) = name_node.string(r) else { continue };
        if !is_dns_label(&name) || RESERVED.contains(&name.as_str()) {
            let why = if RESERVED.contains(&name.as_str()) {
                format!("\"{name}\" is the folder of the sweep's charts")
            } else {
                "it names an output folder, so it must be lowercase letters, digits and '-', start and end with a letter or digit, at most 63 characters (like `surge-25pct`)".into()
            };
            name_node.error(r, format!("Invalid value: \"{name}\": {why}"), None);
        } else if !names.insert(name.clone()) {
            name_node.error(r, format!("Duplicate value: \"{name}\": each variant needs its own name"), None);
        }
        let set = item.get("set").map(|s| set_entries(&s, r)).unwrap_or_default();
        out.push(Variant { name, set });
    }
    out
}

/// `set: {PATH: VALUE, ...}` in file order.
fn set_entries(n: &Node, r: &mut Report) -> Vec<(String, String)> {
    if n.v.is_null() {
        return Vec::new();
    }
    if !n.v.is_mapping() {
        let msg = format!(
            "expected field overrides (a mapping like `{{deployment/web.spec.replicas: 3}}`), found {}",
            describe(n.v)
        );
        n.error(r, msg, None);
        return Vec::new();
    }
    n.entries(r).into_iter().map(|(path, v)| (path, value_text(v.v))).collect()
}

/// A value as the text of a `--set` argument, which reads back as the same value: plain
/// YAML for scalars (`1`, `25%`, `'1'` for the string "1"), JSON (a YAML flow) for lists and
/// mappings.
pub(crate) fn value_text(v: &Value) -> String {
    match v {
        Value::Sequence(_) | Value::Mapping(_) => serde_json::to_string(v).unwrap_or_default(),
        _ => serde_yaml::to_string(v).map(|s| s.trim_end_matches('\n').to_string()).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_back_as_themselves() {
        for text in ["1", "25%", "'1'", "true", "\"yes\"", "30s", "{a: 1, b: [x, 2]}", "[1, 2]", "null", "1.5"] {
            let v: Value = serde_yaml::from_str(text).unwrap();
            let shown = value_text(&v);
            let back = serde_yaml::from_str::<Value>(&shown).unwrap_or_else(|_| Value::String(shown.clone()));
            assert_eq!(back, v, "{text} -> {shown}");
        }
        assert_eq!(value_text(&Value::String("25%".into())), "25%");
        assert_eq!(value_text(&serde_yaml::from_str("1").unwrap()), "1");
    }
}
