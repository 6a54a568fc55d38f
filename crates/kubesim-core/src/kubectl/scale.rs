//! `kubectl scale KIND/NAME --replicas=N` (kubectl:
//! `staging/src/k8s.io/kubectl/pkg/cmd/scale/scale.go`, `ScaleOptions.Validate` and
//! `RunScale`). The HorizontalPodAutoscaler's decisions are applied through [`scale`] too.

use super::delete::Selection;
use super::grammar::{label_selector, one_target, resource, Args, Flag, FILENAME, RECURSIVE};
use super::{deployment, err, misrouted, refused, Check, Failure, KError, KubectlCommand};
use crate::model::spec::{Kind, ObjectRef};
use crate::model::store::RsKind;
use crate::scenario::validate::MAX_REPLICAS;
use crate::sim::{not_found, ApiError, Sim};

pub(super) const FLAGS: &[Flag] = &[
    Flag::value("replicas"),
    Flag::value("current-replicas"),
    FILENAME,
    RECURSIVE,
    Flag::boolean("all"),
    Flag::value("selector").short('l'),
    super::generate::RECORD,
];

/// `-f FILE`, `KIND --all`, `KIND -l SELECTOR` or `--current-replicas=N`: a [`ScaleMany`],
/// the plain `KIND/NAME --replicas=N` a `Scale`.
pub(super) fn parse(args: &Args) -> Result<KubectlCommand, KError> {
    let current = match args.value("current-replicas") {
        None => None,
        Some(v) => Some(v.parse::<i32>().or_else(|_| {
            err(format!("invalid argument \"{v}\" for \"--current-replicas\" flag: strconv.ParseInt: parsing \"{v}\": invalid syntax"), None)
        })?).filter(|n| *n >= 0),
    };
    let all = args.on("all");
    let selector = args.value("selector").filter(|s| !s.is_empty());
    let files = !args.values("filename").is_empty();
    if all && selector.is_some() {
        return err("cannot set --all and --selector at the same time", None);
    }
    if !(files || all || selector.is_some() || current.is_some()) {
        return parse_one(args);
    }
    let replicas = replicas(args)?;
    let mut targets = Vec::new();
    let mut select = None;
    if files {
        if let Some(extra) = args.positional.first() {
            return err(format!("unexpected argument \"{extra}\" with -f"), None);
        }
    } else if all || selector.is_some() {
        let Some(word) = args.positional.first() else {
            return err("You must provide one or more resources by argument or filename.", None);
        };
        if args.positional.len() > 1 || word.contains('/') {
            return err("name cannot be provided when a selector is specified", None);
        }
        let kind = resource(word)?.kind;
        scalable(kind)?;
        let namespace = args.object(kind, "").namespace;
        let selector = selector.as_deref().map(label_selector).transpose()?;
        select = Some(Selection { kind, namespace, selector });
    } else {
        let target = one_target(args)?;
        scalable(target.kind)?;
        targets.push(target);
    }
    Ok(KubectlCommand::ScaleMany { targets, select, replicas, current_replicas: current })
}

fn scalable(kind: Kind) -> Result<(), KError> {
    if matches!(
        kind,
        Kind::Deployment | Kind::ReplicaSet | Kind::ReplicationController | Kind::StatefulSet | Kind::Rollout
    ) {
        return Ok(());
    }
    err(
        format!(
            "cannot scale a {}: kubesim scales deployments, replicasets, replicationcontrollers, statefulsets and rollouts",
            kind.resource()
        ),
        None,
    )
}

fn parse_one(args: &Args) -> Result<KubectlCommand, KError> {
    let target = one_target(args)?;
    scalable(target.kind)?;
    Ok(KubectlCommand::Scale { target, replicas: replicas(args)? })
}

/// `--replicas`, as `ScaleOptions.Validate` checks it.
fn replicas(args: &Args) -> Result<i32, KError> {
    // ScaleOptions.Validate's words.
    let required = "--replicas=COUNT is required, and COUNT must be greater than or equal to 0";
    let Some(v) = args.value("replicas") else {
        return err(required, None);
    };
    let n: i64 = match v.parse() {
        Ok(n) if n >= 0 => n,
        _ => return err(format!("invalid --replicas \"{v}\": {required}"), None),
    };
    if n > MAX_REPLICAS {
        return err(
            format!("--replicas={n} is more than kubesim's limit of {MAX_REPLICAS} replicas per workload"),
            None,
        );
    }
    Ok(i32::try_from(n).unwrap_or(i32::MAX))
}

pub(super) fn check(command: KubectlCommand, c: &mut Check) -> Option<KubectlCommand> {
    match command {
        KubectlCommand::Scale { ref target, .. } => c.exists(target).then_some(command),
        KubectlCommand::ScaleMany { mut targets, select, replicas, current_replicas } => {
            if !c.args.values("filename").is_empty() {
                targets = super::apply::files_objects(c, "scale")?.into_iter().map(|p| p.object.id).collect();
                for t in &targets {
                    if let Err(e) = scalable(t.kind) {
                        return c.fail(format!("error: {}", e.message), None);
                    }
                }
            }
            for t in &targets {
                if !c.exists(t) {
                    return None;
                }
            }
            Some(KubectlCommand::ScaleMany { targets, select, replicas, current_replicas })
        }
        _ => misrouted("scale", &command),
    }
}

pub(super) fn effect(sim: &mut Sim, command: &KubectlCommand) -> Vec<Failure> {
    match command {
        KubectlCommand::Scale { target, replicas } => {
            refused(target, scale(sim, target, *replicas)).into_iter().collect()
        }
        KubectlCommand::ScaleMany { targets, select, replicas, current_replicas } => {
            let mut targets = targets.clone();
            if let Some(Selection { kind, namespace, selector }) = select {
                targets = sim.object_refs(*kind, namespace, selector.as_ref());
            }
            let mut failures = Vec::new();
            for t in &targets {
                let result = precondition(sim, t, *current_replicas).and_then(|()| scale(sim, t, *replicas));
                failures.extend(refused(t, result));
            }
            failures
        }
        _ => misrouted("scale", command),
    }
}

/// `--current-replicas`: kubectl's `ScalePrecondition.validate` (`pkg/scale/scale.go`),
/// "Expected replicas to be N, was M".
fn precondition(sim: &Sim, target: &ObjectRef, expected: Option<i32>) -> Result<(), ApiError> {
    let Some(expected) = expected else { return Ok(()) };
    let (ns, name) = (target.namespace.as_str(), target.name.as_str());
    let store = &sim.ctx.store;
    let actual = match target.kind {
        Kind::Deployment => store.find_deployment(ns, name).map(|d| store.deployments[d].spec.replicas),
        Kind::Rollout => store.find_rollout(ns, name).map(|d| store.deployments[d].spec.replicas),
        Kind::StatefulSet => store.find_stateful_set(ns, name).map(|s| store.stateful_sets[s].spec.replicas),
        Kind::ReplicaSet => store.find_rs(RsKind::ReplicaSet, ns, name).map(|r| store.replica_sets[r].replicas),
        Kind::ReplicationController => {
            store.find_rs(RsKind::ReplicationController, ns, name).map(|r| store.replica_sets[r].replicas)
        }
        _ => None,
    }
    .ok_or_else(|| not_found(target))?;
    if actual != expected {
        return Err(ApiError::kubectl(format!("Expected replicas to be {expected}, was {actual}")));
    }
    Ok(())
}

/// Sets the replicas of the workload `target` names (its scale subresource).
pub(crate) fn scale(sim: &mut Sim, target: &ObjectRef, replicas: i32) -> Result<(), ApiError> {
    let rs_kind = match target.kind {
        Kind::Deployment => {
            let d = deployment(sim, target)?;
            let mut spec = sim.ctx.store.deployments[d].spec.clone();
            spec.replicas = replicas;
            sim.update_deployment_spec(d, spec);
            return Ok(());
        }
        Kind::StatefulSet => {
            let ss =
                sim.ctx.store.find_stateful_set(&target.namespace, &target.name).ok_or_else(|| not_found(target))?;
            let mut spec = sim.ctx.store.stateful_sets[ss].spec.clone();
            spec.replicas = replicas;
            return sim.update_stateful_set(ss, &spec);
        }
        Kind::Rollout => {
            let d = sim.ctx.store.find_rollout(&target.namespace, &target.name).ok_or_else(|| not_found(target))?;
            let Some(mut spec) = sim.rollout_spec(d) else { return Err(not_found(target)) };
            spec.workload.replicas = replicas;
            sim.update_rollout(d, &spec);
            return Ok(());
        }
        Kind::ReplicaSet => RsKind::ReplicaSet,
        Kind::ReplicationController => RsKind::ReplicationController,
        _ => return Err(ApiError::kubectl(format!("cannot scale {}", target.kind.resource()))),
    };
    let rs = sim.ctx.store.find_rs(rs_kind, &target.namespace, &target.name).ok_or_else(|| not_found(target))?;
    sim.ctx.store.replica_sets[rs].replicas = replicas;
    sim.enqueue_rs(rs);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::test_lines::{cmd, dep, error, object};
    use super::*;

    #[test]
    fn scale_forms() {
        for line in [
            "kubectl scale deployment/web --replicas=3",
            "kubectl scale deployments/web --replicas 3",
            "kubectl scale deploy/web --replicas=3",
            "kubectl scale deployment web --replicas=3",
            "kubectl scale --replicas=3 deployment/web",
            "scale deployment.apps/web --replicas=3",
        ] {
            assert_eq!(cmd(line), KubectlCommand::Scale { target: dep("web"), replicas: 3 }, "{line}");
        }
        assert_eq!(
            cmd("kubectl scale rs/x --replicas=0"),
            KubectlCommand::Scale { target: object(Kind::ReplicaSet, "x"), replicas: 0 }
        );
        assert_eq!(
            cmd("kubectl scale rc x --replicas=1"),
            KubectlCommand::Scale { target: object(Kind::ReplicationController, "x"), replicas: 1 }
        );
        assert_eq!(
            cmd("kubectl scale -n prod deployment/web --replicas=1"),
            KubectlCommand::Scale {
                target: ObjectRef { kind: Kind::Deployment, namespace: "prod".into(), name: "web".into() },
                replicas: 1
            }
        );
        assert!(error("kubectl scale deployment/web").message.contains("--replicas=COUNT is required"));
        assert!(error("kubectl scale deployment/web --replicas=-1").message.contains("greater than or equal to 0"));
        assert!(error("kubectl scale deployment/web --replicas=1000000000").message.contains("limit of 1000000"));
        assert!(error("kubectl scale deployment/web --replicaz=3").message.contains("unknown flag: --replicaz"));
        assert!(error("kubectl scale pod/p --replicas=1").message.starts_with("cannot scale a pod"));
        assert_eq!(
            cmd("kubectl scale --current-replicas=3 --replicas=5 deployment/web"),
            KubectlCommand::ScaleMany {
                targets: vec![dep("web")],
                select: None,
                replicas: 5,
                current_replicas: Some(3)
            }
        );
        assert_eq!(
            cmd("kubectl scale --replicas=6 -f rs.yaml"),
            KubectlCommand::ScaleMany { targets: vec![], select: None, replicas: 6, current_replicas: None }
        );
        let all = Selection { kind: Kind::Deployment, namespace: "default".into(), selector: None };
        assert_eq!(
            cmd("kubectl scale deployment --all --replicas=2"),
            KubectlCommand::ScaleMany { targets: vec![], select: Some(all), replicas: 2, current_replicas: None }
        );
        assert!(matches!(
            cmd("kubectl scale deploy -l app=web --replicas=2"),
            KubectlCommand::ScaleMany { select: Some(Selection { selector: Some(_), .. }), .. }
        ));
        assert_eq!(
            error("kubectl scale deploy --all -l app=web --replicas=2").message,
            "cannot set --all and --selector at the same time"
        );
    }
}
