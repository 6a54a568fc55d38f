//! `kubectl cordon NODE` and `kubectl uncordon NODE` (kubectl:
//! `staging/src/k8s.io/kubectl/pkg/cmd/drain/drain.go`, `NewCmdCordon`, `NewCmdUncordon` and
//! `DrainCmdOptions.RunCordonOrUncordon`), and what every verb on a node shares: the node's
//! name in a line, its check against the cluster's nodes, its row in the store.

use super::grammar::{resource, Args};
use super::{err, misrouted, refused, Check, Failure, KError, KubectlCommand};
use crate::model::spec::{Kind, ObjectRef};
use crate::model::store::NodeId;
use crate::scenario::timeline::{node_exists, node_help};
use crate::sim::{ApiError, Sim};

pub(super) fn parse_cordon(args: &Args) -> Result<KubectlCommand, KError> {
    Ok(KubectlCommand::Cordon { node: one_node(args, "cordon")? })
}

pub(super) fn parse_uncordon(args: &Args) -> Result<KubectlCommand, KError> {
    Ok(KubectlCommand::Uncordon { node: one_node(args, "uncordon")? })
}

/// `VERB NODE`: one node, as `DrainCmdOptions.Complete` reads it.
fn one_node(args: &Args, verb: &str) -> Result<String, KError> {
    match args.positional.as_slice() {
        [] => err(format!("USAGE: {verb} NODE [flags]"), None),
        [n] => node_name(n),
        [_, extra, ..] => one_node_only(verb, extra),
    }
}

/// The check of every verb on one node (`cordon`, `uncordon`, `drain`, `taint`, `label`):
/// the node must be in the cluster.
pub(super) fn check(command: KubectlCommand, c: &mut Check) -> Option<KubectlCommand> {
    let node = match &command {
        KubectlCommand::Cordon { node }
        | KubectlCommand::Uncordon { node }
        | KubectlCommand::Taint { node, .. }
        | KubectlCommand::Label { node, .. } => node,
        KubectlCommand::Drain(d) => &d.node,
        _ => return misrouted("a node verb", &command),
    };
    if !node_exists(c.nodes, node) {
        let help = node_help(c.nodes, node);
        return c.fail(ApiError::not_found(format!("nodes \"{node}\"")), Some(help));
    }
    Some(command)
}

/// `cordon`: the node takes no new pods; `uncordon`: it takes them again.
pub(super) fn cordon(sim: &mut Sim, command: &KubectlCommand) -> Vec<Failure> {
    let (node, unschedulable) = match command {
        KubectlCommand::Cordon { node } => (node, true),
        KubectlCommand::Uncordon { node } => (node, false),
        _ => return misrouted("cordon", command),
    };
    refused(&node_ref(node), set_unschedulable(sim, node, unschedulable)).into_iter().collect()
}

fn set_unschedulable(sim: &mut Sim, node: &str, unschedulable: bool) -> Result<(), ApiError> {
    let n = find_node(sim, node)?;
    sim.ctx.store.edit_node(n, |n| n.unschedulable = unschedulable);
    if !unschedulable {
        sim.scheduler.cluster_changed(&mut sim.ctx);
    }
    Ok(())
}

/// A node named as `NAME`, `node/NAME`, `nodes/NAME` or `no/NAME`.
pub(super) fn node_name(word: &str) -> Result<String, KError> {
    match word.split_once('/') {
        None => Ok(word.to_string()),
        Some((k, n)) => {
            let info = resource(k)?;
            if info.kind != Kind::Node {
                return err(format!("invalid resource type {k}, only node types are supported"), None);
            }
            if n.is_empty() {
                return err(
                    format!("arguments in resource/name form must have a single resource and name: \"{word}\""),
                    None,
                );
            }
            Ok(n.to_string())
        }
    }
}

/// kubesim's verbs on nodes take one node (kubectl takes several, or a selector).
pub(super) fn one_node_only<T>(verb: &str, extra: &str) -> Result<T, KError> {
    err(
        format!("unexpected argument \"{extra}\": kubesim's `{verb}` takes one node at a time"),
        Some("write one timeline entry per node".into()),
    )
}

/// `node/NAME`, the object a node verb's errors name.
pub(super) fn node_ref(name: &str) -> ObjectRef {
    ObjectRef { kind: Kind::Node, namespace: String::new(), name: name.to_string() }
}

/// The node's row in the store; kubectl's NotFound if there is none.
pub(super) fn find_node(sim: &Sim, name: &str) -> Result<NodeId, ApiError> {
    sim.ctx.store.find_node(name).ok_or_else(|| ApiError::not_found(format!("nodes \"{name}\"")))
}

#[cfg(test)]
mod tests {
    use super::super::test_lines::{cmd, error};
    use super::*;

    #[test]
    fn cordon_and_uncordon() {
        for line in
            ["kubectl cordon worker-1", "cordon node/worker-1", "kubectl cordon nodes/worker-1", "cordon no/worker-1"]
        {
            assert_eq!(cmd(line), KubectlCommand::Cordon { node: "worker-1".into() }, "{line}");
        }
        assert_eq!(cmd("kubectl uncordon worker-2"), KubectlCommand::Uncordon { node: "worker-2".into() });
        assert_eq!(error("kubectl cordon").message, "USAGE: cordon NODE [flags]");
        assert_eq!(error("kubectl uncordon").message, "USAGE: uncordon NODE [flags]");
        assert!(error("kubectl cordon a b").message.contains("one node at a time"));
        assert!(error("kubectl cordon deployment/web").message.contains("only node types are supported"));
        assert!(error("kubectl cordon worker-1 --overwrite").message.contains("unknown flag: --overwrite"));
        assert!(error("kubectl cordon node/").message.contains("must have a single resource and name"));
    }
}
