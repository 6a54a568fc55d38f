//! `kubectl taint nodes NODE key=value:Effect key:Effect key[:Effect]- ... [--overwrite]`
//! (kubectl: `staging/src/k8s.io/kubectl/pkg/cmd/taint/taint.go`, `TaintOptions.Complete`,
//! `Validate` and `updateTaints`; `cmd/taint/utils.go`, `parseTaints`, `parseTaint` and
//! `reorganizeTaints`).

use super::grammar::{resource, Args};
use super::nodes::{find_node, node_ref, one_node_only};
use super::{err, misrouted, refused, Failure, KError, KubectlCommand};
use crate::model::spec::{Kind, Taint, TaintEffect};
use crate::scenario::suggest::did_you_mean;
use crate::scenario::validate;
use crate::sim::{no_execute_taints, ApiError, Sim, TaintedBy};

/// `nodes NODE SPEC...`: the resource words first, then the taint changes, as
/// `TaintOptions.Complete` splits them.
pub(super) fn parse(args: &Args) -> Result<KubectlCommand, KError> {
    let overwrite = args.on("overwrite");
    let mut resources = Vec::new();
    let mut specs = Vec::new();
    for s in &args.positional {
        let is_taint = s.contains('=') || s.contains(':') || s.ends_with('-');
        match (specs.is_empty(), is_taint) {
            (_, true) => specs.push(s.as_str()),
            (true, false) => resources.push(s.as_str()),
            (false, false) => return err(format!("all resources must be specified before taint changes: {s}"), None),
        }
    }
    if resources.len() < 2 {
        return err(
            "at least one resource name must be specified since 'all' parameter is not set",
            Some("e.g. `kubectl taint nodes worker-1 dedicated=gpu:NoSchedule`".into()),
        );
    }
    let info = resource(resources[0])?;
    if info.kind != Kind::Node {
        return err(format!("invalid resource type {}, only node types are supported", resources[0]), None);
    }
    if let Some(extra) = resources.get(2) {
        return one_node_only("taint", extra);
    }
    let (add, remove) = parse_taints(&specs)?;
    if add.is_empty() && remove.is_empty() {
        return err("at least one taint update is required", None);
    }
    let mut conflicts = Vec::new();
    for a in &add {
        for (key, effect) in &remove {
            if a.key == *key && effect.is_none_or(|e| e == a.effect) {
                conflicts.push(format!("{key}={}", effect.map_or("", TaintEffect::name)));
            }
        }
    }
    if !conflicts.is_empty() {
        return err(
            format!(
                "can not both modify and remove the following taint(s) in the same command: {}",
                conflicts.join(", ")
            ),
            None,
        );
    }
    Ok(KubectlCommand::Taint { node: resources[1].to_string(), add, remove, overwrite })
}

type TaintChanges = (Vec<Taint>, Vec<(String, Option<TaintEffect>)>);

/// kubectl's parseTaints: `key=value:Effect` or `key:Effect` to add, `key[:Effect]-` to remove.
fn parse_taints(specs: &[&str]) -> Result<TaintChanges, KError> {
    let mut add: Vec<Taint> = Vec::new();
    let mut remove = Vec::new();
    for spec in specs {
        if let Some(rest) = spec.strip_suffix('-') {
            let (key, _, effect) = parse_taint(rest)?;
            remove.push((key, effect));
            continue;
        }
        let (key, value, effect) = parse_taint(spec)?;
        let Some(effect) = effect else {
            return err(format!("invalid taint spec: {spec}"), Some("expected key=value:Effect or key:Effect".into()));
        };
        if add.iter().any(|t| t.key == key && t.effect == effect) {
            return err(
                format!("duplicated taints with the same key and effect: {{{key} {value} {} <nil>}}", effect.name()),
                None,
            );
        }
        add.push(Taint { key, value, effect });
    }
    Ok((add, remove))
}

/// kubectl's parseTaint: `key=value:effect`, `key:effect` or `key`.
fn parse_taint(st: &str) -> Result<(String, String, Option<TaintEffect>), KError> {
    let parts: Vec<&str> = st.split(':').collect();
    let (key, value, effect) = match parts.as_slice() {
        [key] => (key.to_string(), String::new(), None),
        [kv, effect] => {
            let effect = match *effect {
                "NoSchedule" => TaintEffect::NoSchedule,
                "PreferNoSchedule" => TaintEffect::PreferNoSchedule,
                "NoExecute" => TaintEffect::NoExecute,
                other => {
                    return err(
                        format!("invalid taint effect: {other}, unsupported taint effect"),
                        did_you_mean(other, ["NoSchedule", "PreferNoSchedule", "NoExecute"])
                            .or_else(|| Some("the effects are NoSchedule, PreferNoSchedule and NoExecute".into())),
                    )
                }
            };
            let kv: Vec<&str> = kv.split('=').collect();
            let (key, value) = match kv.as_slice() {
                [k] => (k.to_string(), String::new()),
                [k, v] => {
                    let errs = validate::label_value_errors(v);
                    if !errs.is_empty() {
                        return err(format!("invalid taint spec: {st}, {}", errs.join("; ")), None);
                    }
                    (k.to_string(), v.to_string())
                }
                _ => return err(format!("invalid taint spec: {st}"), None),
            };
            (key, value, Some(effect))
        }
        _ => return err(format!("invalid taint spec: {st}"), None),
    };
    let errs = validate::qualified_name_errors(&key);
    if !errs.is_empty() {
        return err(format!("invalid taint spec: {st}, {}", errs.join("; ")), None);
    }
    Ok((key, value, effect))
}

pub(super) fn effect(sim: &mut Sim, command: &KubectlCommand) -> Vec<Failure> {
    let KubectlCommand::Taint { node, add, remove, overwrite } = command else { return misrouted("taint", command) };
    refused(&node_ref(node), taint_node(sim, node, add, remove, *overwrite)).into_iter().collect()
}

fn taint_node(
    sim: &mut Sim,
    node: &str,
    add: &[Taint],
    remove: &[(String, Option<TaintEffect>)],
    overwrite: bool,
) -> Result<(), ApiError> {
    let n = find_node(sim, node)?;
    let before = no_execute_taints(&sim.ctx.store.nodes()[n].taints);
    sim.ctx.store.edit_node(n, |n| edit_taints(&mut n.taints, node, add, remove, overwrite))?;
    if !remove.is_empty() {
        sim.scheduler.cluster_changed(&mut sim.ctx);
    }
    sim.nodes_changed_for_daemon_sets();
    // The taint manager acts on every change of a node's NoExecute taints
    // (taint_eviction.go NodeUpdated / handleNodeUpdate), whoever made it.
    if no_execute_taints(&sim.ctx.store.nodes()[n].taints) != before {
        sim.taint_manager_node_updated(n, TaintedBy::Other);
    }
    Ok(())
}

/// The edit of one node's taints: removals first (each must exist), then additions, which
/// replace a taint of the same key and effect only with `--overwrite` (`updateTaints`). The
/// report's replay replays the timeline's taints with it.
pub(crate) fn edit_taints(
    taints: &mut Vec<Taint>,
    node: &str,
    add: &[Taint],
    remove: &[(String, Option<TaintEffect>)],
    overwrite: bool,
) -> Result<(), ApiError> {
    if !overwrite {
        if let Some(t) = add.iter().find(|t| taints.iter().any(|x| x.key == t.key && x.effect == t.effect)) {
            return Err(ApiError::kubectl(format!(
                "node {node} already has {} taint(s) with same effect(s) and --overwrite is false",
                t.key
            )));
        }
    }
    for (key, effect) in remove {
        let before = taints.len();
        taints.retain(|t| !(t.key == *key && effect.is_none_or(|e| e == t.effect)));
        if taints.len() == before {
            return Err(ApiError::kubectl(format!("taint \"{key}\" not found")));
        }
    }
    for t in add {
        match taints.iter_mut().find(|x| x.key == t.key && x.effect == t.effect) {
            Some(existing) => existing.value = t.value.clone(),
            None => taints.push(t.clone()),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::test_lines::{cmd, error};
    use super::*;

    fn taint(key: &str, value: &str, effect: TaintEffect) -> Taint {
        Taint { key: key.into(), value: value.into(), effect }
    }

    #[test]
    fn taint_forms() {
        for line in [
            "kubectl taint nodes worker-1 dedicated=gpu:NoSchedule",
            "kubectl taint node worker-1 dedicated=gpu:NoSchedule",
            "taint no worker-1 dedicated=gpu:NoSchedule",
            "kubectl taint nodes.v1 worker-1 dedicated=gpu:NoSchedule",
        ] {
            assert_eq!(
                cmd(line),
                KubectlCommand::Taint {
                    node: "worker-1".into(),
                    add: vec![taint("dedicated", "gpu", TaintEffect::NoSchedule)],
                    remove: vec![],
                    overwrite: false,
                },
                "{line}"
            );
        }
        assert_eq!(
            cmd("kubectl taint nodes w a:PreferNoSchedule example.com/b=x:NoExecute c:NoSchedule- d-"),
            KubectlCommand::Taint {
                node: "w".into(),
                add: vec![
                    taint("a", "", TaintEffect::PreferNoSchedule),
                    taint("example.com/b", "x", TaintEffect::NoExecute)
                ],
                remove: vec![("c".into(), Some(TaintEffect::NoSchedule)), ("d".into(), None)],
                overwrite: false,
            }
        );
    }

    #[test]
    fn taint_errors_in_kubectl_words() {
        let e = error("kubectl taint nodes w gpu=true:NoSchedul");
        assert_eq!(e.message, "invalid taint effect: NoSchedul, unsupported taint effect");
        assert_eq!(e.help.as_deref(), Some("did you mean `NoSchedule`?"));
        // As kubectl: without `:` the whole word is the key, which is then not a valid name.
        assert!(error("kubectl taint nodes w gpu=true").message.starts_with("invalid taint spec: gpu=true, name part"));
        assert_eq!(error("kubectl taint nodes w a=b=c:NoSchedule").message, "invalid taint spec: a=b=c:NoSchedule");
        assert_eq!(error("kubectl taint nodes w a:b:c").message, "invalid taint spec: a:b:c");
        assert!(error("kubectl taint nodes w 'bad key=v:NoSchedule'")
            .message
            .starts_with("invalid taint spec: bad key=v:NoSchedule, name part must consist of"));
        assert!(error("kubectl taint nodes w k=bad!:NoSchedule")
            .message
            .starts_with("invalid taint spec: k=bad!:NoSchedule, a valid label must be"));
        assert_eq!(
            error("kubectl taint nodes w a=1:NoSchedule a=2:NoSchedule").message,
            "duplicated taints with the same key and effect: {a 2 NoSchedule <nil>}"
        );
        assert_eq!(
            error("kubectl taint nodes w a=1:NoSchedule a-").message,
            "can not both modify and remove the following taint(s) in the same command: a="
        );
        assert_eq!(
            error("kubectl taint nodes w a=1:NoSchedule a:NoSchedule-").message,
            "can not both modify and remove the following taint(s) in the same command: a=NoSchedule"
        );
        assert!(matches!(cmd("kubectl taint nodes w a=1:NoSchedule a:NoExecute-"), KubectlCommand::Taint { .. }));
        assert_eq!(
            error("kubectl taint nodes k=v:NoSchedule").message,
            "at least one resource name must be specified since 'all' parameter is not set"
        );
        assert_eq!(error("kubectl taint nodes w").message, "at least one taint update is required");
        assert_eq!(
            error("kubectl taint nodes w a=1:NoSchedule x").message,
            "all resources must be specified before taint changes: x"
        );
        assert_eq!(
            error("kubectl taint pods p a=1:NoSchedule").message,
            "invalid resource type pods, only node types are supported"
        );
        assert!(error("kubectl taint nodes a b k=v:NoSchedule").message.contains("one node at a time"));
        assert!(matches!(
            cmd("kubectl taint nodes w k=v:NoSchedule --overwrite"),
            KubectlCommand::Taint { overwrite: true, .. }
        ));
    }

    #[test]
    fn edits_taints_as_kubectl() {
        let mut taints = vec![taint("a", "1", TaintEffect::NoSchedule)];
        let add = [taint("a", "2", TaintEffect::NoSchedule)];
        let e = edit_taints(&mut taints, "w", &add, &[], false).unwrap_err();
        assert_eq!(e.to_string(), "error: node w already has a taint(s) with same effect(s) and --overwrite is false");
        edit_taints(&mut taints, "w", &add, &[], true).unwrap();
        assert_eq!(taints, [taint("a", "2", TaintEffect::NoSchedule)]);
        let e = edit_taints(&mut taints, "w", &[], &[("b".into(), None)], false).unwrap_err();
        assert_eq!(e.to_string(), "error: taint \"b\" not found");
        edit_taints(&mut taints, "w", &[], &[("a".into(), None)], false).unwrap();
        assert!(taints.is_empty());
    }
}
