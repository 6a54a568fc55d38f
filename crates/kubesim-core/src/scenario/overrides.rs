//! `--set PATH=VALUE`: edits of the YAML tree before it is parsed, on the scenario
//! (`duration=30m`, `cluster.nodes[0].count=5`) or on an object
//! (`deployment/web.spec.replicas=20`).

use super::diagnostic::{Diagnostic, Report};
use super::kinds;
use super::positions::{Seg, YPath};
use super::suggest::did_you_mean;
use crate::model::spec::Kind;
use serde_yaml::Value;
use std::path::Path;

#[derive(Clone, Debug)]
pub(crate) struct Override {
    pub text: String,
    /// Kind and the rest (`NAME.field.path`) for object targets.
    pub object: Option<(Kind, String)>,
    pub path: Option<YPath>,
    pub value: Value,
}

/// Parses every `--set` string; bad ones are reported.
pub(crate) fn parse_all(sets: &[String], file: &Path, r: &mut Report) -> Vec<Override> {
    sets.iter()
        .filter_map(|s| parse(s).map_err(|e| r.push(Diagnostic::error(file, format!("--set {s}: {e}")))).ok())
        .collect()
}

fn parse(s: &str) -> Result<Override, String> {
    let (lhs, rhs) = s.split_once('=').ok_or("expected PATH=VALUE, like deployment/web.spec.replicas=3")?;
    let value = serde_yaml::from_str::<Value>(rhs).unwrap_or_else(|_| Value::String(rhs.to_string()));
    let bad_path = || format!("invalid path \"{lhs}\": expected a path like spec.replicas or cluster.nodes[0].count");
    match lhs.split_once('/') {
        Some((kind, rest)) if !kind.contains('.') => {
            let info = kinds::by_resource(kind).ok_or_else(|| {
                let hint = did_you_mean(kind, kinds::resource_names()).map(|h| format!(" ({h})")).unwrap_or_default();
                format!("unknown kind \"{kind}\"{hint}")
            })?;
            if !rest.contains('.') {
                return Err(format!("expected {kind}/NAME.field.path, like deployment/web.spec.replicas"));
            }
            Ok(Override { text: s.into(), object: Some((info.kind, rest.into())), path: None, value })
        }
        _ => {
            let path = YPath::parse(lhs).ok_or_else(bad_path)?;
            Ok(Override { text: s.into(), object: None, path: Some(path), value })
        }
    }
}

/// Applies the scenario-level overrides to the scenario's tree.
pub(crate) fn apply_scenario(root: &mut Value, ovs: &[Override], file: &Path, r: &mut Report) {
    for o in ovs.iter().filter(|o| o.object.is_none()) {
        let Some(path) = &o.path else { continue };
        if let Err(e) = set(root, path, o.value.clone()) {
            r.push(Diagnostic::error(file, format!("--set {}: {e}", o.text)));
        }
    }
}

/// Applies object overrides to the manifests that match by kind and name.
pub(crate) fn apply_objects(manifests: &mut [&mut Value], ovs: &[Override], file: &Path, r: &mut Report) {
    for o in ovs {
        let Some((kind, rest)) = &o.object else {
            continue;
        };
        let mut best: Option<&str> = None;
        for m in manifests.iter() {
            let is_kind = m.get("kind").and_then(Value::as_str) == Some(kinds::info(*kind).name);
            let name = m.get("metadata").and_then(|x| x.get("name")).and_then(Value::as_str);
            if let Some(n) = name.filter(|n| is_kind && rest.starts_with(&format!("{n}."))) {
                if best.is_none_or(|b| n.len() > b.len()) {
                    best = Some(n);
                }
            }
        }
        let Some(name) = best.map(str::to_string) else {
            let name = rest.split('.').next().unwrap_or("");
            let msg = format!("--set {}: {} \"{name}\" not found in the scenario", o.text, kind.resource());
            let names: Vec<&str> = manifests
                .iter()
                .filter(|m| m.get("kind").and_then(Value::as_str) == Some(kinds::info(*kind).name))
                .filter_map(|m| m.get("metadata").and_then(|x| x.get("name")).and_then(Value::as_str))
                .collect();
            r.push(Diagnostic::error(file, msg).with_help(did_you_mean(name, names.iter().copied())));
            continue;
        };
        let Some(path) = YPath::parse(&rest[name.len() + 1..]) else {
            r.push(Diagnostic::error(file, format!("--set {}: invalid field path", o.text)));
            continue;
        };
        for m in manifests.iter_mut() {
            let is_kind = m.get("kind").and_then(Value::as_str) == Some(kinds::info(*kind).name);
            let this = m.get("metadata").and_then(|x| x.get("name")).and_then(Value::as_str) == Some(name.as_str());
            if is_kind && this {
                if let Err(e) = set(m, &path, o.value.clone()) {
                    r.push(Diagnostic::error(file, format!("--set {}: {e}", o.text)));
                }
            }
        }
    }
}

/// Sets `path` in `root` to `value`, creating missing mappings on the way.
pub(crate) fn set(root: &mut Value, path: &YPath, value: Value) -> Result<(), String> {
    let mut cur = root;
    for (i, seg) in path.0.iter().enumerate() {
        let here = YPath(path.0[..i].to_vec());
        cur = match seg {
            Seg::Key(k) => {
                if cur.is_null() {
                    *cur = Value::Mapping(Default::default());
                }
                let shown = if here.0.is_empty() { "the scenario".to_string() } else { format!("{here}") };
                let m = cur.as_mapping_mut().ok_or_else(|| format!("{shown} is not a mapping"))?;
                m.entry(Value::String(k.clone())).or_insert(Value::Null)
            }
            Seg::Index(n) => {
                let seq = cur.as_sequence_mut().ok_or_else(|| format!("{here} is not a list"))?;
                let len = seq.len();
                seq.get_mut(*n).ok_or_else(|| format!("{here}[{n}] does not exist ({here} has {len} items)"))?
            }
        };
    }
    *cur = value;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(s: &str) -> Value {
        serde_yaml::from_str(s).unwrap()
    }

    #[test]
    fn sets_scenario_fields() {
        let mut v = yaml("duration: 10m\ncluster:\n  nodes:\n  - count: 3\n");
        let mut r = Report::default();
        let ovs = parse_all(
            &["duration=30m".into(), "cluster.nodes[0].count=5".into(), "seed=7".into()],
            Path::new("s"),
            &mut r,
        );
        apply_scenario(&mut v, &ovs, Path::new("s"), &mut r);
        assert!(r.diags.is_empty(), "{:?}", r.diags);
        assert_eq!(v, yaml("duration: 30m\ncluster:\n  nodes:\n  - count: 5\nseed: 7\n"));
    }

    #[test]
    fn sets_object_fields_by_kind_and_name() {
        let mut a = yaml("kind: Deployment\nmetadata: {name: web.v2}\nspec: {replicas: 1}\n");
        let mut b = yaml("kind: Deployment\nmetadata: {name: web}\nspec: {replicas: 1}\n");
        let mut r = Report::default();
        let sets =
            ["deploy/web.v2.spec.replicas=20".into(), "deployment/web.spec.strategy.rollingUpdate.maxSurge=25%".into()];
        let ovs = parse_all(&sets, Path::new("s"), &mut r);
        apply_objects(&mut [&mut a, &mut b], &ovs, Path::new("s"), &mut r);
        assert!(r.diags.is_empty(), "{:?}", r.diags);
        assert_eq!(a["spec"]["replicas"], yaml("20"));
        assert_eq!(b["spec"]["strategy"]["rollingUpdate"]["maxSurge"], yaml("25%"));
    }

    #[test]
    fn reports_missing_targets_and_bad_paths() {
        let mut r = Report::default();
        let ovs = parse_all(
            &["deployment/nope.spec.replicas=3".into(), "nodes[9].count=1".into(), "noequals".into()],
            Path::new("s"),
            &mut r,
        );
        let mut v = yaml("nodes: []\n");
        apply_scenario(&mut v, &ovs, Path::new("s"), &mut r);
        apply_objects(&mut [], &ovs, Path::new("s"), &mut r);
        let msgs: Vec<&str> = r.diags.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(msgs[0], "--set noequals: expected PATH=VALUE, like deployment/web.spec.replicas=3");
        assert_eq!(msgs[1], "--set nodes[9].count=1: nodes[9] does not exist (nodes has 0 items)");
        assert_eq!(msgs[2], "--set deployment/nope.spec.replicas=3: deployment \"nope\" not found in the scenario");
    }
}
