//! `kubectl argo rollouts promote NAME [--full] | abort NAME | retry rollout NAME | set image
//! NAME CONTAINER=IMAGE...`: the verbs of the Argo Rollouts kubectl plugin that change a
//! Rollout (argoproj/argo-rollouts `pkg/kubectl-argo-rollouts/cmd/`: `promote/promote.go`,
//! `abort/abort.go`, `retry/retry.go`, `set/set_image.go`). Each writes the Rollout's status
//! as the plugin's patch does; the Argo Rollouts controller (`sim/rollouts.rs`) does the rest.
//! `set image` is `kubectl set image` on the Rollout (`set_image.rs`).

use super::grammar::{Args, Flag};
use super::{err, misrouted, refused, set_image, Check, Failure, KError, KubectlCommand};
use crate::model::spec::{Kind, ObjectRef, RolloutStrategy};
use crate::model::status::{Pause, RolloutStatus};
use crate::model::store::DeployId;
use crate::scenario::suggest::did_you_mean;
use crate::sim::{not_found, ApiError, Sim};

pub(super) const FLAGS: &[Flag] = &[Flag::boolean("full")];

/// The words after `argo`: `rollouts`, the plugin's verb, the Rollout's name.
pub(super) fn parse(args: &Args) -> Result<KubectlCommand, KError> {
    let mut pos = args.positional.clone().into_iter();
    if pos.next().as_deref() != Some("rollouts") {
        return err(
            "kubesim supports the Argo Rollouts plugin as `kubectl argo rollouts promote|abort|retry|set image NAME`",
            None,
        );
    }
    let sub = pos.next().unwrap_or_default();
    let mut rest: Vec<String> = pos.collect();
    let full = args.on("full");
    if full && sub != "promote" {
        return err(format!("unknown flag: --full (only `argo rollouts promote` takes it, not `{sub}`)"), None);
    }
    match sub.as_str() {
        "promote" | "abort" => {}
        "retry" => {
            if rest.first().map(String::as_str) == Some("rollout") {
                rest.remove(0);
            }
        }
        "set" => {
            let mut words = rest;
            if let Some(i) = words.iter().position(|p| !p.contains('=')).filter(|i| i + 1 < words.len()) {
                // `set image NAME C=I`: the name is the word after `image`.
                let name = words.remove(i + 1);
                words.insert(i + 1, format!("rollout/{name}"));
            }
            return set_image::parse(&args.with_positional(words));
        }
        _ => {
            let subs = ["promote", "abort", "retry", "set"];
            return err(
                format!("unknown command \"{sub}\" for \"kubectl argo rollouts\" (kubesim supports promote, abort, retry, set image)"),
                did_you_mean(&sub, subs),
            );
        }
    }
    let name = match rest.as_slice() {
        [name] if !name.is_empty() => name.clone(),
        [_, extra, ..] => return err(format!("unexpected argument \"{extra}\": one Rollout at a time"), None),
        _ => return err(format!("`argo rollouts {sub}` needs the Rollout's NAME"), None),
    };
    let target = args.object(Kind::Rollout, name);
    Ok(match sub.as_str() {
        "promote" => KubectlCommand::ArgoPromote { target, full },
        "abort" => KubectlCommand::ArgoAbort { target },
        _ => KubectlCommand::ArgoRetry { target },
    })
}

/// The Rollout must exist (`set image` is checked as `kubectl set image`).
pub(super) fn check(command: KubectlCommand, c: &mut Check) -> Option<KubectlCommand> {
    match &command {
        KubectlCommand::ArgoPromote { target, .. }
        | KubectlCommand::ArgoAbort { target }
        | KubectlCommand::ArgoRetry { target } => c.exists(target).then_some(command),
        KubectlCommand::SetImage { .. } => set_image::check(command, c),
        _ => misrouted("argo", &command),
    }
}

pub(super) fn effect(sim: &mut Sim, command: &KubectlCommand) -> Vec<Failure> {
    let (target, result) = match command {
        KubectlCommand::ArgoPromote { target, full } => (target, promote(sim, target, *full)),
        KubectlCommand::ArgoAbort { target } => (target, abort(sim, target)),
        KubectlCommand::ArgoRetry { target } => (target, retry(sim, target)),
        _ => return misrouted("argo", command),
    };
    refused(target, result).into_iter().collect()
}

/// The Rollout's row in the store.
fn rollout_id(sim: &Sim, target: &ObjectRef) -> Result<DeployId, ApiError> {
    sim.ctx.store.find_rollout(&target.namespace, &target.name).ok_or_else(|| not_found(target))
}

fn status_mut<'s>(sim: &'s mut Sim, d: DeployId) -> Option<&'s mut RolloutStatus> {
    sim.ctx.store.deployments[d].rollout.as_mut().map(|s| &mut s.status)
}

/// `promote NAME [--full]`: releases the pause, or skips the current canary step; `--full`
/// skips every remaining step (or the blue-green pause).
fn promote(sim: &mut Sim, target: &ObjectRef, full: bool) -> Result<(), ApiError> {
    let d = rollout_id(sim, target)?;
    let name = target.name.clone();
    let hash = sim.ctx.store.deployments[d].template_hash.clone();
    let canary_steps = match sim.ctx.store.deployments[d].rollout.as_ref().map(|s| &s.strategy) {
        Some(RolloutStrategy::Canary(c)) => Some(c.steps.len()),
        _ => None,
    };
    let Some(st) = status_mut(sim, d) else { return Err(not_found(target)) };
    if st.abort {
        return Err(ApiError::kubectl(format!(
            "rollout '{name}' is aborted: retry it first with `kubectl argo rollouts retry rollout {name}`"
        )));
    }
    let settled = st.stable_hash.as_deref() == Some(hash.as_str());
    if full {
        if settled {
            return Err(ApiError::kubectl(format!("rollout '{name}' is already fully promoted")));
        }
        st.promote_full = true;
        st.pause = Pause::None;
    } else if matches!(st.pause, Pause::Since(_)) {
        st.pause = Pause::Released;
    } else if let Some(n) = canary_steps.filter(|_| !settled) {
        st.step_index = (st.step_index + 1).min(n);
        st.pause = Pause::None;
    }
    sim.enqueue_deployment(d);
    Ok(())
}

/// `abort NAME`: traffic back to the stable, the canary (or preview) scaled down, status
/// Degraded.
fn abort(sim: &mut Sim, target: &ObjectRef) -> Result<(), ApiError> {
    let d = rollout_id(sim, target)?;
    let now = sim.ctx.kernel.now();
    let revision = current_revision(sim, d);
    let Some(st) = status_mut(sim, d) else { return Err(not_found(target)) };
    if !st.abort {
        st.abort = true;
        st.aborted_at = Some(now);
        st.step_index = 0;
        st.pause = Pause::None;
        st.promote_full = false;
        let object = sim.ctx.rollout_ref(d);
        sim.ctx.recorder.warning(
            now,
            "RolloutAborted",
            object,
            format!("Rollout aborted update to revision {revision}"),
        );
    }
    sim.enqueue_deployment(d);
    Ok(())
}

/// `retry rollout NAME`: an aborted update starts its steps again.
fn retry(sim: &mut Sim, target: &ObjectRef) -> Result<(), ApiError> {
    let d = rollout_id(sim, target)?;
    let now = sim.ctx.kernel.now();
    let Some(st) = status_mut(sim, d) else { return Err(not_found(target)) };
    if st.abort {
        st.abort = false;
        st.aborted_at = None;
        st.step_index = 0;
        st.pause = Pause::None;
        let object = sim.ctx.rollout_ref(d);
        sim.ctx.recorder.normal(now, "RolloutRetry", object, "Retrying Rollout after abort".into());
    }
    sim.enqueue_deployment(d);
    Ok(())
}

/// The revision of the ReplicaSet running the current template (0 before it exists).
fn current_revision(sim: &Sim, d: DeployId) -> i64 {
    let dep = &sim.ctx.store.deployments[d];
    dep.replica_sets
        .iter()
        .map(|&id| &sim.ctx.store.replica_sets[id])
        .find(|rs| rs.template_hash == dep.template_hash)
        .map_or(0, |rs| rs.revision)
}

#[cfg(test)]
mod tests {
    use super::super::test_lines::{cmd, error, object};
    use super::*;

    #[test]
    fn argo_forms() {
        let ro = || object(Kind::Rollout, "x");
        assert_eq!(cmd("kubectl argo rollouts promote x"), KubectlCommand::ArgoPromote { target: ro(), full: false });
        assert_eq!(
            cmd("kubectl argo rollouts promote x --full"),
            KubectlCommand::ArgoPromote { target: ro(), full: true }
        );
        assert_eq!(cmd("kubectl argo rollouts abort x"), KubectlCommand::ArgoAbort { target: ro() });
        assert_eq!(cmd("kubectl argo rollouts retry rollout x"), KubectlCommand::ArgoRetry { target: ro() });
        assert_eq!(cmd("kubectl argo rollouts retry x"), KubectlCommand::ArgoRetry { target: ro() });
        assert_eq!(
            cmd("kubectl argo rollouts set image x web=web:2"),
            KubectlCommand::SetImage { target: ro(), images: vec![("web".into(), "web:2".into())], cause: None }
        );
    }

    #[test]
    fn argo_errors() {
        assert_eq!(error("kubectl argo rollouts promot x").help.as_deref(), Some("did you mean `promote`?"));
        assert!(error("kubectl argo rollouts abort x --full").message.contains("--full"));
        assert!(error("kubectl argo rollout promote x").message.contains("kubectl argo rollouts"));
        assert!(error("kubectl argo rollouts promote").message.contains("NAME"));
        assert!(error("kubectl argo rollouts abort x y").message.contains("one Rollout at a time"));
    }

    /// `set` whose last word is the first without `=` has no name after it: an error (it
    /// used to remove a word past the end and panic).
    #[test]
    fn argo_set_ending_in_a_bare_word_is_an_error_not_a_panic() {
        assert_eq!(
            error("kubectl argo rollouts set a=b image").message,
            "unknown command \"a=b\" for \"kubectl set\" (kubesim supports `set image`, `set resources` and `set env`)"
        );
        assert!(error("kubectl argo rollouts set image").message.starts_with("you must specify the type of resource"));
        assert!(error("kubectl argo rollouts set image x").message.contains("at least one image update"));
    }
}
