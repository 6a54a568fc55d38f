//! `kubectl scale KIND/NAME --replicas=N` (kubectl:
//! `staging/src/k8s.io/kubectl/pkg/cmd/scale/scale.go`, `ScaleOptions.Validate` and
//! `RunScale`). The HorizontalPodAutoscaler's decisions are applied through [`scale`] too.

use super::grammar::{one_target, Args};
use super::{deployment, err, misrouted, refused, Check, Failure, KError, KubectlCommand};
use crate::model::spec::{Kind, ObjectRef};
use crate::model::store::RsKind;
use crate::scenario::validate::MAX_REPLICAS;
use crate::sim::{not_found, ApiError, Sim};

pub(super) fn parse(args: &Args) -> Result<KubectlCommand, KError> {
    let target = one_target(args)?;
    if !matches!(
        target.kind,
        Kind::Deployment | Kind::ReplicaSet | Kind::ReplicationController | Kind::StatefulSet | Kind::Rollout
    ) {
        return err(
            format!(
                "cannot scale a {}: kubesim scales deployments, replicasets, replicationcontrollers, statefulsets and rollouts",
                target.kind.resource()
            ),
            None,
        );
    }
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
    Ok(KubectlCommand::Scale { target, replicas: i32::try_from(n).unwrap_or(i32::MAX) })
}

pub(super) fn check(command: KubectlCommand, c: &mut Check) -> Option<KubectlCommand> {
    let KubectlCommand::Scale { target, .. } = &command else { return misrouted("scale", &command) };
    c.exists(target).then_some(command)
}

pub(super) fn effect(sim: &mut Sim, command: &KubectlCommand) -> Vec<Failure> {
    let KubectlCommand::Scale { target, replicas } = command else { return misrouted("scale", command) };
    refused(target, scale(sim, target, *replicas)).into_iter().collect()
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
    }
}
