//! `kubectl set image KIND/NAME CONTAINER=IMAGE...` (`*` for every container) on a
//! Deployment, DaemonSet, StatefulSet or, through `kubectl argo rollouts set image`, a Rollout
//! (kubectl: `staging/src/k8s.io/kubectl/pkg/cmd/set/set_image.go`, `SetImageOptions.Validate`
//! and `Run`).

use super::grammar::{one_target, Args};
use super::{deployment, err, misrouted, refused, set_template, Check, Failure, KError, KubectlCommand};
use crate::model::spec::{Kind, ObjectRef, ObjectSpec, PodTemplate};
use crate::scenario::suggest::did_you_mean;
use crate::sim::{not_found, ApiError, Sim};
use std::sync::Arc;

/// The flags of `set`'s sub-commands: `-c/--containers`, `--limits`, `--requests` of
/// `set resources` (`-c` also `set env`'s), `--record` of `set image|resources`.
pub(super) const FLAGS: &[super::grammar::Flag] = &[
    super::grammar::Flag::value("containers").short('c'),
    super::grammar::Flag::value("limits"),
    super::grammar::Flag::value("requests"),
    super::generate::RECORD,
];

/// `image KIND/NAME C=I...` (the words after `set`), or `resources`/`env` (`set_template.rs`).
pub(super) fn parse(args: &Args) -> Result<KubectlCommand, KError> {
    let mut positional = args.positional.clone();
    let sub = if positional.is_empty() { String::new() } else { positional.remove(0) };
    if sub == "resources" || sub == "env" {
        return super::set_template::parse(&sub, args, positional);
    }
    if sub != "image" {
        return err(
            format!("unknown command \"{sub}\" for \"kubectl set\" (kubesim supports `set image`, `set resources` and `set env`)"),
            did_you_mean(&sub, ["image", "resources", "env"]),
        );
    }
    if let Some(f) = ["containers", "limits", "requests"].iter().find(|f| args.value(f).is_some()) {
        return err(format!("unknown flag: --{f}"), None);
    }
    let pairs: Vec<String> = positional.iter().filter(|p| p.contains('=')).cloned().collect();
    positional.retain(|p| !p.contains('='));
    let target = one_target(&args.with_positional(positional))?;
    if !(super::view::editable(target.kind) && target.kind != Kind::Service || target.kind == Kind::Rollout) {
        return err(
            format!(
                "kubesim supports `set image` on pods, replicationcontrollers, deployments, daemonsets, replicasets, statefulsets and jobs (and rollouts with `kubectl argo rollouts set image`), not {}",
                target.kind.resource()
            ),
            None,
        );
    }
    if pairs.is_empty() {
        return err("at least one image update is required: CONTAINER=IMAGE", None);
    }
    let mut images = Vec::new();
    for p in pairs {
        let (c, i) = p.split_once('=').unwrap_or((&p, ""));
        if c.is_empty() || i.is_empty() {
            return err(format!("invalid image update \"{p}\": expected CONTAINER=IMAGE"), None);
        }
        images.push((c.to_string(), i.to_string()));
    }
    let cause = super::generate::change_cause("set image", args);
    Ok(KubectlCommand::SetImage { target, images, cause })
}

/// The target must exist, and each named container be in its pod template.
pub(super) fn check(command: KubectlCommand, c: &mut Check) -> Option<KubectlCommand> {
    if matches!(command, KubectlCommand::SetTemplate { .. }) {
        return super::set_template::check(command, c);
    }
    let KubectlCommand::SetImage { target, images, .. } = &command else { return misrouted("set", &command) };
    let Some(obj) = c.reg.objects.get(target) else {
        return c.missing(target);
    };
    let template = match &obj.spec {
        ObjectSpec::Deployment { spec, .. } => Some(&spec.template),
        ObjectSpec::DaemonSet { spec, .. } => Some(&spec.template),
        ObjectSpec::StatefulSet { spec, .. } => Some(&spec.template),
        ObjectSpec::Rollout { spec, .. } => Some(&spec.workload.template),
        ObjectSpec::ReplicaSet { spec, .. } | ObjectSpec::ReplicationController { spec, .. } => Some(&spec.template),
        ObjectSpec::Job { spec, .. } => Some(&spec.template),
        ObjectSpec::CronJob { spec, .. } => Some(&spec.job.template),
        _ => None,
    };
    let pod = match &obj.spec {
        ObjectSpec::Pod { spec, .. } => Some(&**spec),
        _ => None,
    };
    if let Some(t) = template.map(|t| &t.spec).or(pod) {
        let names: Vec<&str> = t.containers.iter().chain(&t.init_containers).map(|c| c.name.as_str()).collect();
        for (name, _) in images.iter().filter(|(name, _)| name != "*") {
            if !names.contains(&name.as_str()) {
                let help = did_you_mean(name, names.iter().copied());
                let msg = ApiError::kubectl(format!("unable to find container named \"{name}\""));
                return c.fail(msg, help);
            }
        }
    }
    Some(command)
}

pub(super) fn effect(sim: &mut Sim, command: &KubectlCommand) -> Vec<Failure> {
    if matches!(command, KubectlCommand::SetTemplate { .. }) {
        return super::set_template::effect(sim, command);
    }
    let KubectlCommand::SetImage { target, images, cause } = command else { return misrouted("set", command) };
    let r = set_image(sim, target, images, cause.as_deref())
        .map_err(|e| super::set_template::wrap("failed to patch image update to pod template:", e));
    refused(target, r).into_iter().collect()
}

/// The workload's template with the new images, written as its kind's update.
fn set_image(
    sim: &mut Sim,
    target: &ObjectRef,
    images: &[(String, String)],
    cause: Option<&str>,
) -> Result<(), ApiError> {
    let (ns, name) = (target.namespace.as_str(), target.name.as_str());
    if matches!(target.kind, Kind::Pod | Kind::ReplicaSet | Kind::ReplicationController | Kind::Job | Kind::CronJob) {
        // Through `patch`'s path: a ReplicaSet's new template reaches only the pods it creates
        // from now on, a Job's is refused (immutable), a Pod's images change in place.
        return super::patch::write(sim, target, cause, |v| {
            let mut v = v.clone();
            for (c, image) in images {
                let (out, found) = super::set_template::for_containers(&v, target.kind, c, true, |m| {
                    m.insert("image".into(), serde_json::Value::String(image.clone()));
                });
                if !found {
                    return Err(ApiError::kubectl(format!("unable to find container named \"{c}\"")));
                }
                v = out;
            }
            Ok(v)
        });
    }
    let mut template = match target.kind {
        Kind::DaemonSet => {
            let ds = sim.ctx.store.find_daemon_set(ns, name).ok_or_else(|| not_found(target))?;
            (*sim.ctx.store.daemon_sets[ds].spec.template).clone()
        }
        Kind::StatefulSet => {
            let ss = sim.ctx.store.find_stateful_set(ns, name).ok_or_else(|| not_found(target))?;
            (*sim.ctx.store.stateful_sets[ss].spec.template).clone()
        }
        Kind::Rollout => {
            let d = sim.ctx.store.find_rollout(ns, name).ok_or_else(|| not_found(target))?;
            (*sim.ctx.store.deployments[d].spec.template).clone()
        }
        _ => (*sim.ctx.store.deployments[deployment(sim, target)?].spec.template).clone(),
    };
    set_images(&mut template, images)?;
    match target.kind {
        Kind::DaemonSet => {
            let ds = sim.ctx.store.find_daemon_set(ns, name).ok_or_else(|| not_found(target))?;
            let mut spec = sim.ctx.store.daemon_sets[ds].spec.clone();
            spec.template = Arc::new(template);
            sim.apply_daemon_set(ds, &spec)
        }
        Kind::StatefulSet => {
            let ss = sim.ctx.store.find_stateful_set(ns, name).ok_or_else(|| not_found(target))?;
            let mut spec = sim.ctx.store.stateful_sets[ss].spec.clone();
            spec.template = Arc::new(template);
            sim.update_stateful_set(ss, &spec)
        }
        Kind::Rollout => {
            let d = sim.ctx.store.find_rollout(ns, name).ok_or_else(|| not_found(target))?;
            let Some(mut spec) = sim.rollout_spec(d) else { return Err(not_found(target)) };
            spec.workload.template = Arc::new(template);
            sim.update_rollout(d, &spec);
            Ok(())
        }
        _ => {
            let d = deployment(sim, target)?;
            set_template(sim, d, template);
            Ok(())
        }
    }?;
    if let Some(cause) = cause {
        let set = [("kubernetes.io/change-cause".to_string(), cause.to_string())];
        sim.edit_metadata(target, &set, &[], true, true)?;
    }
    Ok(())
}

/// Each CONTAINER=IMAGE (`*` for all) on the template, containers and init containers.
fn set_images(template: &mut PodTemplate, images: &[(String, String)]) -> Result<(), ApiError> {
    for (container, image) in images {
        let mut found = false;
        for c in template.spec.containers.iter_mut().chain(template.spec.init_containers.iter_mut()) {
            if container == "*" || c.name == *container {
                c.image = image.clone();
                found = true;
            }
        }
        if !found {
            return Err(ApiError::kubectl(format!("unable to find container named \"{container}\"")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::test_lines::{cmd, dep, error};
    use super::*;

    #[test]
    fn set_image_forms() {
        assert_eq!(
            cmd("kubectl set image deployment/web nginx=nginx:1.18 side=s:2"),
            KubectlCommand::SetImage {
                target: dep("web"),
                images: vec![("nginx".into(), "nginx:1.18".into()), ("side".into(), "s:2".into())],
                cause: None,
            }
        );
        assert_eq!(
            cmd("kubectl set image deploy web *=x:1"),
            KubectlCommand::SetImage { target: dep("web"), images: vec![("*".into(), "x:1".into())], cause: None }
        );
        assert!(error("kubectl set image deployment/web").message.contains("at least one image update"));
        assert_eq!(error("kubectl set imag deployment/web a=b").help.as_deref(), Some("did you mean `image`?"));
        assert!(error("kubectl set image deployment/web a=").message.contains("expected CONTAINER=IMAGE"));
        assert!(error("kubectl set image service/s a=b").message.ends_with("not service"));
        assert!(matches!(cmd("kubectl set image job/j a=b"), KubectlCommand::SetImage { .. }));
        assert!(matches!(cmd("kubectl set image pod/p a=b --record"), KubectlCommand::SetImage { .. }));
    }
}
