//! `kubectl label nodes NODE key=value key- ... [--overwrite]`: kubesim labels nodes only
//! (objects' labels are in their manifests). kubectl:
//! `staging/src/k8s.io/kubectl/pkg/cmd/label/label.go`, `LabelOptions.Complete`, `Validate`,
//! `parseLabels` and `labelFunc`.

use super::grammar::{resource, Args};
use super::nodes::{find_node, node_name, node_ref, one_node_only};
use super::{err, misrouted, refused, Failure, KError, KubectlCommand};
use crate::model::spec::Kind;
use crate::scenario::validate;
use crate::sim::{ApiError, Sim};

/// The resource words first, then the label changes, as `LabelOptions.Complete` splits them.
pub(super) fn parse(args: &Args) -> Result<KubectlCommand, KError> {
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
            let info = resource(kind)?;
            if info.kind != Kind::Node {
                return err(
                    format!("kubesim supports `label` on nodes only, not {}", info.kind.resource()),
                    Some("labels of objects are set in their manifests".into()),
                );
            }
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
        assert!(error("kubectl label deployment web a=b").message.contains("nodes only"));
        assert!(error("kubectl label nodes a b c=d").message.contains("one node at a time"));
        assert!(error("kubectl label nodes w a=b --overwrite=maybe").message.contains("invalid argument \"maybe\""));
        assert_eq!(
            error("kubectl label a=b").message,
            "one or more resources must be specified as <resource> <name> or <resource>/<name>"
        );
    }
}
