//! `kubectl delete KIND/NAME...`, `delete KIND NAME...` or `delete -f FILE...`
//! (kubectl: `staging/src/k8s.io/kubectl/pkg/cmd/delete/delete.go`, `DeleteOptions.RunDelete`;
//! the argument forms and their errors are cli-runtime's resource builder,
//! `staging/src/k8s.io/cli-runtime/pkg/resource/builder.go`).

use super::apply::files_objects;
use super::grammar::{resource, Args};
use super::{err, misrouted, refused, Check, Failure, KError, KubectlCommand};
use crate::scenario::registry::not_found;
use crate::sim::Sim;

/// The targets by name; with `-f`, none yet: the files' objects, read by the check.
pub(super) fn parse(args: &Args) -> Result<KubectlCommand, KError> {
    let pos = &args.positional;
    if !args.values("filename").is_empty() {
        if let Some(extra) = pos.first() {
            return err(format!("unexpected argument \"{extra}\" with -f"), None);
        }
        return Ok(KubectlCommand::Delete { targets: Vec::new() });
    }
    let Some(first) = pos.first() else {
        return err("you must specify the type of resource to delete and its name, or -f FILE", None);
    };
    let mut targets = Vec::new();
    if first.contains('/') {
        for p in pos {
            match p.split_once('/') {
                Some((k, n)) if !n.is_empty() && !n.contains('/') => targets.push(args.object(resource(k)?.kind, n)),
                _ => return err(format!("there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl delete deployment/web'): \"{p}\""), None),
            }
        }
    } else {
        let kind = resource(first)?.kind;
        if pos.len() < 2 {
            return err(format!("resource(s) were provided, but no name was specified: \"{first}\""), None);
        }
        targets.extend(pos.iter().skip(1).map(|n| args.object(kind, n.clone())));
    }
    Ok(KubectlCommand::Delete { targets })
}

/// Each target must exist; from now on it does not.
pub(super) fn check(command: KubectlCommand, c: &mut Check) -> Option<KubectlCommand> {
    let KubectlCommand::Delete { mut targets } = command else { return misrouted("delete", &command) };
    if !c.args.values("filename").is_empty() {
        let objects = files_objects(c, "delete")?;
        targets = objects.into_iter().map(|p| p.object.id).collect();
    }
    for t in &targets {
        if c.reg.objects.remove(t).is_none() {
            let help = c.run_pod_help(t);
            return c.fail(format!("Error from server (NotFound): {}", not_found(t)), help);
        }
    }
    Some(KubectlCommand::Delete { targets })
}

pub(super) fn delete(sim: &mut Sim, command: &KubectlCommand) -> Vec<Failure> {
    let KubectlCommand::Delete { targets } = command else { return misrouted("delete", command) };
    targets.iter().filter_map(|t| refused(t, sim.delete_object(t))).collect()
}

#[cfg(test)]
mod tests {
    use super::super::test_lines::{cmd, dep, error, object};
    use super::*;
    use crate::model::spec::Kind;

    #[test]
    fn delete_forms() {
        assert_eq!(
            cmd("kubectl delete deployment/web rs/x"),
            KubectlCommand::Delete { targets: vec![dep("web"), object(Kind::ReplicaSet, "x")] }
        );
        assert_eq!(
            cmd("kubectl delete deployment web api"),
            KubectlCommand::Delete { targets: vec![dep("web"), dep("api")] }
        );
        assert_eq!(cmd("kubectl delete -f m.yaml"), KubectlCommand::Delete { targets: vec![] });
        assert!(error("kubectl delete deployment").message.contains("no name was specified"));
        let e = error("kubectl delete deploymnet/web");
        assert_eq!(e.message, "the server doesn't have a resource type \"deploymnet\"");
        assert_eq!(e.help.as_deref(), Some("did you mean `deployment`?"));
        assert_eq!(
            error("kubectl delete -f m.yaml deployment/web").message,
            "unexpected argument \"deployment/web\" with -f"
        );
    }
}
