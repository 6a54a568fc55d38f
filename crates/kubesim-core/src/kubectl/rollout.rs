//! `kubectl rollout undo|pause|resume|restart deployment/NAME` (kubectl:
//! `staging/src/k8s.io/kubectl/pkg/cmd/rollout/`: `rollout_undo.go`, `rollout_pause.go`,
//! `rollout_resume.go`, `rollout_restart.go`, which act through
//! `staging/src/k8s.io/kubectl/pkg/polymorphichelpers/`: `rollback.go`
//! `DeploymentRollbacker.Rollback`, `objectpauser.go`, `objectresumer.go`,
//! `objectrestarter.go`). `rollout status` and `history` only print: `read.rs` parses and prints them.

use super::grammar::{one_target, Args};
use super::{deployment, err, misrouted, refused, set_template, Check, Failure, KError, KubectlCommand};
use crate::controllers::deployment::rollback::{find_rollback_target, Revision};
use crate::model::spec::{Kind, ObjectRef};
use crate::model::store::ProgressReason;
use crate::scenario::suggest::did_you_mean;
use crate::sim::{resource_phrase, ApiError, Sim};

/// The sub-commands (`status` and `history` only print).
const ACTIONS: [&str; 6] = ["undo", "pause", "resume", "restart", "status", "history"];

pub(super) fn parse(args: &Args) -> Result<KubectlCommand, KError> {
    let mut positional = args.positional.clone();
    let sub = if positional.is_empty() { String::new() } else { positional.remove(0) };
    match sub.as_str() {
        "undo" | "pause" | "resume" | "restart" => {}
        "status" | "history" => return super::read::parse_rollout(&sub, &args.with_positional(positional)),
        _ => {
            return err(
                format!(
                    "unknown command \"{sub}\" for \"kubectl rollout\" (kubesim supports undo, pause, resume, restart, status, history)"
                ),
                did_you_mean(&sub, ACTIONS),
            );
        }
    }
    let target = one_target(&args.with_positional(positional))?;
    if target.kind != Kind::Deployment {
        return err(
            format!("kubesim supports `rollout {sub}` on deployments only, not {}", target.kind.resource()),
            None,
        );
    }
    let to_revision = match args.value("to-revision") {
        None => None,
        Some(_) if sub != "undo" => return err("unknown flag: --to-revision (only `rollout undo` takes it)", None),
        Some(v) => match v.parse::<i64>() {
            Ok(n) if n >= 0 => Some(n),
            _ => {
                return err(
                    format!("invalid --to-revision \"{v}\": expected a revision number (0 for the previous one)"),
                    None,
                )
            }
        },
    };
    Ok(match sub.as_str() {
        // 0 (kubectl's default) is the previous revision.
        "undo" => KubectlCommand::RolloutUndo { target, to_revision: to_revision.filter(|n| *n > 0) },
        "pause" => KubectlCommand::RolloutPause { target },
        "resume" => KubectlCommand::RolloutResume { target },
        _ => KubectlCommand::RolloutRestart { target },
    })
}

pub(super) fn check(command: KubectlCommand, c: &mut Check) -> Option<KubectlCommand> {
    if let KubectlCommand::Read(_) = command {
        return super::read::check(command, c);
    }
    let (KubectlCommand::RolloutUndo { target, .. }
    | KubectlCommand::RolloutPause { target }
    | KubectlCommand::RolloutResume { target }
    | KubectlCommand::RolloutRestart { target }) = &command
    else {
        return misrouted("rollout", &command);
    };
    c.exists(target).then_some(command)
}

pub(super) fn effect(sim: &mut Sim, command: &KubectlCommand) -> Vec<Failure> {
    if let KubectlCommand::Read(_) = command {
        return super::read::effect(sim, command);
    }
    let (target, result) = match command {
        KubectlCommand::RolloutUndo { target, to_revision } => (target, undo(sim, target, *to_revision)),
        KubectlCommand::RolloutPause { target } => (target, set_paused(sim, target, true)),
        KubectlCommand::RolloutResume { target } => (target, set_paused(sim, target, false)),
        KubectlCommand::RolloutRestart { target } => (target, restart(sim, target)),
        _ => return misrouted("rollout", command),
    };
    refused(target, result).into_iter().collect()
}

/// `rollout undo`: the template of the revision asked for (the previous one by default)
/// becomes the Deployment's, as `DeploymentRollbacker.Rollback` does.
fn undo(sim: &mut Sim, target: &ObjectRef, to_revision: Option<i64>) -> Result<(), ApiError> {
    let d = deployment(sim, target)?;
    let dep = &sim.ctx.store.deployments[d];
    if dep.spec.paused {
        return Err(ApiError::kubectl(
            "you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again",
        ));
    }
    let rss: Vec<_> = dep.replica_sets.iter().copied().collect();
    let revisions: Vec<Revision> = rss
        .iter()
        .map(|&id| {
            let rs = &sim.ctx.store.replica_sets[id];
            Revision { revision: rs.revision, is_current: rs.template_hash == dep.template_hash }
        })
        .collect();
    let i = find_rollback_target(&dep.name, &revisions, to_revision).map_err(ApiError::kubectl)?;
    let mut template = (*sim.ctx.store.replica_sets[rss[i]].template).clone();
    template.labels.remove("pod-template-hash");
    set_template(sim, d, template);
    Ok(())
}

/// `rollout pause` / `resume`: `spec.paused`, refused when it is so already.
fn set_paused(sim: &mut Sim, target: &ObjectRef, paused: bool) -> Result<(), ApiError> {
    let d = deployment(sim, target)?;
    let now = sim.ctx.kernel.now();
    let dep = &mut sim.ctx.store.deployments[d];
    if dep.spec.paused == paused {
        let state = if paused { "paused" } else { "resumed" };
        return Err(ApiError::kubectl(format!("{} is already {state}", resource_phrase(target))));
    }
    dep.spec.paused = paused;
    dep.progress_reason =
        Some(if paused { ProgressReason::DeploymentPaused } else { ProgressReason::DeploymentResumed });
    dep.progress_updated = now;
    sim.enqueue_deployment(d);
    Ok(())
}

/// `rollout restart`: a new `kubectl.kubernetes.io/restartedAt` annotation on the template
/// (kubesim stamps the virtual time, `t+SECONDS`).
fn restart(sim: &mut Sim, target: &ObjectRef) -> Result<(), ApiError> {
    let d = deployment(sim, target)?;
    if sim.ctx.store.deployments[d].spec.paused {
        return Err(ApiError::kubectl(format!(
            "{} can't restart paused deployment (run rollout resume first)",
            resource_phrase(target)
        )));
    }
    let mut template = (*sim.ctx.store.deployments[d].spec.template).clone();
    let stamp = format!("t+{}s", sim.ctx.kernel.now().secs_millis());
    template.annotations.insert("kubectl.kubernetes.io/restartedAt".into(), stamp);
    set_template(sim, d, template);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::test_lines::{cmd, dep, error};
    use super::*;

    #[test]
    fn rollout_forms() {
        assert_eq!(
            cmd("kubectl rollout undo deployment/web"),
            KubectlCommand::RolloutUndo { target: dep("web"), to_revision: None }
        );
        assert_eq!(
            cmd("kubectl rollout undo deployment/web --to-revision=2"),
            KubectlCommand::RolloutUndo { target: dep("web"), to_revision: Some(2) }
        );
        assert_eq!(
            cmd("kubectl rollout undo deployment/web --to-revision=0"),
            KubectlCommand::RolloutUndo { target: dep("web"), to_revision: None }
        );
        let in_x = ObjectRef { namespace: "x".into(), ..dep("web") };
        for (w, want) in [
            ("pause", KubectlCommand::RolloutPause { target: in_x.clone() }),
            ("resume", KubectlCommand::RolloutResume { target: in_x.clone() }),
            ("restart", KubectlCommand::RolloutRestart { target: in_x.clone() }),
        ] {
            assert_eq!(cmd(&format!("kubectl rollout {w} deployment/web -n x")), want);
        }
    }

    #[test]
    fn rollout_errors_in_kubectl_words() {
        assert!(error("kubectl rollout pause deployment/web --to-revision=1").message.contains("--to-revision"));
        assert_eq!(error("kubectl rollout undoo deployment/web").help.as_deref(), Some("did you mean `undo`?"));
        assert!(matches!(cmd("kubectl rollout status deployment/web"), KubectlCommand::Read(_)));
        assert!(error("kubectl rollout undo deployment/web --to-revision=x")
            .message
            .starts_with("invalid --to-revision"));
        assert!(error("kubectl rollout restart daemonset/d").message.contains("deployments only, not daemonset"));
    }
}
