//! `kubectl label nodes NODE key=value key- ... [--overwrite]`: kubesim labels nodes only
//! (objects' labels are in their manifests). kubectl:
//! `staging/src/k8s.io/kubectl/pkg/cmd/label/label.go`, `LabelOptions.Complete`, `Validate`,
//! `parseLabels` and `labelFunc`.

use super::delete::Selection;
use super::grammar::{resource, Args, Flag};
use super::nodes::{find_node, node_name, node_ref, one_node_only};
use super::{err, misrouted, refused, Failure, KError, KubectlCommand};
use crate::model::spec::{Kind, ObjectRef, ObjectSpec};
use crate::scenario::validate;
use crate::sim::{ApiError, Sim};

/// `annotate KIND NAME key=value ... key-`: as `label`, on objects (kubectl:
/// `pkg/cmd/annotate/annotate.go`, `AnnotateOptions.RunAnnotate`).
pub(super) fn parse_annotate(args: &Args) -> Result<KubectlCommand, KError> {
    parse_object(args, true)
}

/// `label KIND NAME ...` on an object other than a node, or `annotate`: the target first,
/// then the changes (`cmdutil.GetResourcesAndPairs`).
fn parse_object(args: &Args, annotate: bool) -> Result<KubectlCommand, KError> {
    let what = if annotate { "annotation" } else { "label" };
    let split =
        args.positional.iter().position(|s| (s.contains('=') && !s.starts_with('=')) || (s.ends_with('-') && s != "-"));
    let (resources, pairs) = args.positional.split_at(split.unwrap_or(args.positional.len()));
    if let Some(bad) = pairs.iter().find(|s| !(s.contains('=') || s.ends_with('-'))) {
        return err(format!("all resources must be specified before {what} changes: {bad}"), None);
    }
    if resources.is_empty() {
        return err("one or more resources must be specified as <resource> <name> or <resource>/<name>", None);
    }
    let (target, select) = targets(args, resources)?;
    if pairs.is_empty() {
        return err(format!("at least one {what} update is required"), None);
    }
    let mut set: Vec<(String, String)> = Vec::new();
    let mut remove: Vec<String> = Vec::new();
    for spec in pairs {
        if let Some((k, v)) = spec.split_once('=') {
            if !annotate {
                if v.contains('=') {
                    return err(format!("invalid label spec: {spec}"), None);
                }
                let errs = validate::label_value_errors(v);
                if !errs.is_empty() {
                    return err(format!("invalid label value: \"{spec}\": {}", errs.join(";")), None);
                }
            }
            let errs = validate::qualified_name_errors(k);
            if !errs.is_empty() {
                let info = crate::scenario::kinds::info(target.kind);
                let field = if annotate { "annotations" } else { "labels" };
                return err(
                    format!(
                        "The {} \"{}\" is invalid: metadata.{field}: Invalid value: \"{k}\": {}",
                        info.name,
                        target.name,
                        errs.join("; ")
                    ),
                    None,
                );
            }
            set.retain(|(key, _)| key != k);
            set.push((k.to_string(), v.to_string()));
        } else {
            let k = spec[..spec.len() - 1].to_string();
            if !remove.contains(&k) {
                remove.push(k);
            }
        }
    }
    if remove.iter().any(|r| set.iter().any(|(k, _)| k == r)) {
        return err(
            format!(
                "can not both modify and remove {} in the same command",
                if annotate { "an annotation" } else { "a label" }
            ),
            None,
        );
    }
    Ok(KubectlCommand::Metadata { target, set, remove, overwrite: args.on("overwrite"), annotate, select })
}

/// `--all` and `-l`: the flags of `label` and `annotate` that pick objects by kind.
pub(super) const ALL: Flag = Flag::boolean("all");
pub(super) const SELECTOR: Flag = Flag::value("selector").short('l');

/// The object named, or with `--all` / `-l` the kind whose objects the line finds when it
/// runs (kubectl's `LabelOptions.Validate`: not both; no name with either).
fn targets(args: &Args, resources: &[String]) -> Result<(ObjectRef, Option<Selection>), KError> {
    let all = args.on("all");
    let selector = args.value("selector").filter(|s| !s.is_empty());
    if all && selector.is_some() {
        return err("cannot set --all and --selector at the same time", None);
    }
    if !all && selector.is_none() {
        return Ok((super::grammar::one_target(&args.with_positional(resources.to_vec()))?, None));
    }
    let [word] = resources else {
        return err("name cannot be provided when a selector is specified", None);
    };
    if word.contains('/') {
        return err("name cannot be provided when a selector is specified", None);
    }
    let kind = resource(word)?.kind;
    let target = args.object(kind, "");
    let selector = selector.as_deref().map(super::grammar::label_selector).transpose()?;
    let select = Selection { kind, namespace: target.namespace.clone(), selector };
    Ok((target, Some(select)))
}

/// The object must exist; a key with another value needs `--overwrite` (kubectl's
/// `validateNoOverwrites`); the registry's copy follows, for the lines after. With `--all`
/// or `-l`, the registry's objects that match change too; the `--overwrite` rule is kubectl's
/// error when the line runs, per object.
pub(super) fn check_object(command: KubectlCommand, c: &mut super::Check) -> Option<KubectlCommand> {
    let KubectlCommand::Metadata { target, set, remove, overwrite, annotate, select } = &command else {
        return super::nodes::check(command, c);
    };
    if let Some(Selection { kind, namespace, selector }) = select {
        if *annotate {
            return Some(command);
        }
        for (id, obj) in c.reg.objects.iter_mut() {
            if id.kind != *kind || id.namespace != *namespace {
                continue;
            }
            let Some(labels) = super::delete::spec_labels_mut(&mut obj.spec) else { continue };
            if selector.as_ref().is_none_or(|s| s.matches(labels)) {
                for k in remove {
                    labels.remove(k);
                }
                for (k, v) in set {
                    if *overwrite || !labels.contains_key(k) {
                        labels.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        return Some(command);
    }
    if c.controller_pod(target) && !c.reg.objects.contains_key(target) {
        // A controller's pod: it is looked for when the line runs.
        return Some(command);
    }
    if !c.exists(target) {
        return None;
    }
    let obj = c.reg.objects.get_mut(target)?;
    let map = match (&mut obj.spec, annotate) {
        (ObjectSpec::Pod { annotations, .. } | ObjectSpec::Deployment { annotations, .. }, true) => Some(annotations),
        (_, true) => None,
        (spec, false) => super::delete::spec_labels_mut(spec),
    };
    if let Some(map) = map {
        for (k, v) in set {
            if let Some(old) = map.get(k).filter(|old| *old != v && !*overwrite) {
                let msg = format!("'{k}' already has a value ({old}), and --overwrite is false");
                return c.fail(ApiError::kubectl(msg), Some("add --overwrite to change it".into()));
            }
        }
        for k in remove {
            map.remove(k);
        }
        for (k, v) in set {
            map.insert(k.clone(), v.clone());
        }
    }
    Some(command)
}

/// Writes the labels (or, for a pod, the deletion cost among the annotations: the one
/// annotation kubesim reads after creation).
pub(super) fn effect_object(sim: &mut Sim, command: &KubectlCommand) -> Vec<Failure> {
    let KubectlCommand::Metadata { target, set, remove, overwrite, annotate, select } = command else {
        return effect(sim, command);
    };
    let targets = match select {
        Some(Selection { kind, namespace, selector }) => sim.object_refs(*kind, namespace, selector.as_ref()),
        None => vec![target.clone()],
    };
    targets.iter().filter_map(|t| refused(t, sim.edit_metadata(t, set, remove, *overwrite, *annotate))).collect()
}

/// The resource words first, then the label changes, as `LabelOptions.Complete` splits them.
pub(super) fn parse(args: &Args) -> Result<KubectlCommand, KError> {
    let words = &args.positional;
    let on_node = match words.first() {
        Some(w) if w.contains('/') => {
            w.split_once('/').is_some_and(|(k, _)| resource(k).is_ok_and(|i| i.kind == Kind::Node))
        }
        Some(w) => resource(w).map_or(true, |i| i.kind == Kind::Node),
        None => true,
    };
    if !on_node {
        return parse_object(args, false);
    }
    if args.on("all") || args.value("selector").is_some() {
        return err(
            "kubesim labels nodes one per line: name the node (`kubectl label nodes NODE key=value`)",
            Some("--all and -l pick pods, deployments and the other objects; a node group's labels are in `cluster.nodes`".into()),
        );
    }
    let mut resources = Vec::new();
    let mut pairs = Vec::new();
    for s in &args.positional {
        let pair = (s.contains('=') && !s.starts_with('=')) || (s.ends_with('-') && s != "-");
        match (pairs.is_empty(), pair) {
            (_, true) => pairs.push(s.as_str()),
            (true, false) => resources.push(s.as_str()),
            (false, false) => return err(format!("all resources must be specified before label changes: {s}"), None),
        }
    }
    let node = match resources.as_slice() {
        [] => return err("one or more resources must be specified as <resource> <name> or <resource>/<name>", None),
        [one] if one.contains('/') => node_name(one)?,
        [one] => return err(format!("resource(s) were provided, but no name was specified: \"{one}\""), None),
        [kind, name, rest @ ..] => {
            resource(kind)?;
            if let Some(extra) = rest.first() {
                return one_node_only("label", extra);
            }
            name.to_string()
        }
    };
    if pairs.is_empty() {
        return err("at least one label update is required", None);
    }
    let (set, remove) = parse_labels(&node, &pairs)?;
    Ok(KubectlCommand::Label { node, set, remove, overwrite: args.on("overwrite") })
}

type LabelChanges = (Vec<(String, String)>, Vec<String>);

/// kubectl's parseLabels: `key=value` to set (a later one for the same key wins), `key-` to
/// remove; the key checked as the API server checks a node's labels.
fn parse_labels(node: &str, pairs: &[&str]) -> Result<LabelChanges, KError> {
    let mut set: Vec<(String, String)> = Vec::new();
    let mut remove = Vec::new();
    for spec in pairs {
        if spec.contains('=') {
            let parts: Vec<&str> = spec.split('=').collect();
            let [k, v] = parts.as_slice() else {
                return err(format!("invalid label spec: {spec}"), None);
            };
            let errs = validate::label_value_errors(v);
            if !errs.is_empty() {
                return err(format!("invalid label value: \"{spec}\": {}", errs.join(";")), None);
            }
            let errs = validate::qualified_name_errors(k);
            if !errs.is_empty() {
                return err(
                    format!(
                        "The Node \"{node}\" is invalid: metadata.labels: Invalid value: \"{k}\": {}",
                        errs.join("; ")
                    ),
                    None,
                );
            }
            set.retain(|(key, _)| key != k);
            set.push((k.to_string(), v.to_string()));
        } else {
            let k = &spec[..spec.len() - 1];
            if !remove.iter().any(|r: &String| r == k) {
                remove.push(k.to_string());
            }
        }
    }
    if remove.iter().any(|r| set.iter().any(|(k, _)| k == r)) {
        return err("can not both modify and remove a label in the same command", None);
    }
    Ok((set, remove))
}

pub(super) fn effect(sim: &mut Sim, command: &KubectlCommand) -> Vec<Failure> {
    let KubectlCommand::Label { node, set, remove, overwrite } = command else { return misrouted("label", command) };
    refused(&node_ref(node), label_node(sim, node, set, remove, *overwrite)).into_iter().collect()
}

/// `labelFunc` on the node: a changed value needs `--overwrite`.
fn label_node(
    sim: &mut Sim,
    node: &str,
    set: &[(String, String)],
    remove: &[String],
    overwrite: bool,
) -> Result<(), ApiError> {
    let n = find_node(sim, node)?;
    let labels = &sim.ctx.store.nodes()[n].labels;
    for (k, v) in set {
        match labels.get(k) {
            Some(old) if old != v && !overwrite => {
                return Err(ApiError::kubectl(format!("'{k}' already has a value ({old}), and --overwrite is false")));
            }
            _ => {}
        }
    }
    sim.ctx.store.edit_node_labels(n, |labels| {
        for key in remove {
            labels.remove(key);
        }
        for (k, v) in set {
            labels.insert(k.clone(), v.clone());
        }
    });
    sim.scheduler.cluster_changed(&mut sim.ctx);
    sim.nodes_changed_for_daemon_sets();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::test_lines::{cmd, error};
    use super::*;

    #[test]
    fn label_forms_and_errors() {
        assert_eq!(
            cmd("kubectl label nodes worker-1 disk=ssd topology.kubernetes.io/zone=a old- --overwrite"),
            KubectlCommand::Label {
                node: "worker-1".into(),
                set: vec![("disk".into(), "ssd".into()), ("topology.kubernetes.io/zone".into(), "a".into())],
                remove: vec!["old".into()],
                overwrite: true,
            }
        );
        for line in [
            "label node w a=b",
            "kubectl label no w a=b",
            "kubectl label node/w a=b",
            "label --overwrite=false nodes w a=b",
        ] {
            assert_eq!(
                cmd(line),
                KubectlCommand::Label {
                    node: "w".into(),
                    set: vec![("a".into(), "b".into())],
                    remove: vec![],
                    overwrite: false
                },
                "{line}"
            );
        }
        assert_eq!(error("kubectl label nodes w").message, "at least one label update is required");
        assert_eq!(
            error("kubectl label nodes w a=b c").message,
            "all resources must be specified before label changes: c"
        );
        assert_eq!(
            error("kubectl label nodes w a=b a-").message,
            "can not both modify and remove a label in the same command"
        );
        assert_eq!(error("kubectl label nodes w a=b=c").message, "invalid label spec: a=b=c");
        assert!(error("kubectl label nodes w a=b!")
            .message
            .starts_with("invalid label value: \"a=b!\": a valid label must be"));
        assert!(error("kubectl label nodes w 'b k=v'").message.starts_with(
            "The Node \"w\" is invalid: metadata.labels: Invalid value: \"b k\": name part must consist of"
        ));
        assert_eq!(
            cmd("kubectl label pods myapp-pod tier=frontend"),
            KubectlCommand::Metadata {
                target: super::super::test_lines::object(Kind::Pod, "myapp-pod"),
                set: vec![("tier".into(), "frontend".into())],
                remove: vec![],
                overwrite: false,
                annotate: false,
                select: None,
            }
        );
        assert_eq!(
            cmd("kubectl annotate deployment nginx-dep kubernetes.io/change-cause=\"image updated to 1.18\""),
            KubectlCommand::Metadata {
                target: super::super::test_lines::dep("nginx-dep"),
                set: vec![("kubernetes.io/change-cause".into(), "image updated to 1.18".into())],
                remove: vec![],
                overwrite: false,
                annotate: true,
                select: None,
            }
        );
        assert_eq!(error("kubectl label deploy web").message, "at least one label update is required");
        assert_eq!(error("kubectl annotate deploy web").message, "at least one annotation update is required");
        assert!(error("kubectl label nodes a b c=d").message.contains("one node at a time"));
        assert!(error("kubectl label nodes w a=b --overwrite=maybe").message.contains("invalid argument \"maybe\""));
        assert_eq!(
            error("kubectl label a=b").message,
            "one or more resources must be specified as <resource> <name> or <resource>/<name>"
        );
    }
}
