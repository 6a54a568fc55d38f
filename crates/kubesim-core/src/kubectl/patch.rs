//! `kubectl patch KIND NAME -p PATCH [--type=strategic|merge|json]` (kubectl:
//! `staging/src/k8s.io/kubectl/pkg/cmd/patch/patch.go`, `PatchOptions.Validate` and
//! `RunPatch`), and the write that `kubectl set env|resources` share with it: the object as
//! JSON (`view.rs`), edited, read back and written as `apply` writes it, so a changed
//! template rolls out and the API server's rules on change (`Sim::apply_object`) apply.
//! A patch that changes nothing is kubectl's `patched (no change)`: nothing is written.
//!
//! At load time the patch is tried on the object as it is then: a document that does not
//! parse, a field kubesim does not simulate and a value the API refuses are errors of the
//! scenario. At run time it is applied to the object as it is then; what fails (the object
//! gone, an immutable field) is a `KubectlError` event, as kubectl prints it.

use super::grammar::{one_target, Args, Flag};
use super::merge::{self, PatchType};
use super::{err, misrouted, refused, view, Check, Failure, KError, KubectlCommand};
use crate::model::spec::{Object, ObjectRef, ObjectSpec};
use crate::sim::{not_found, ApiError, Sim};
use serde_json::Value;

pub(super) const FLAGS: &[Flag] = &[Flag::value("patch").short('p'), Flag::value("type"), super::generate::RECORD];

pub(super) fn parse(args: &Args) -> Result<KubectlCommand, KError> {
    let Some(text) = args.value("patch") else {
        return err("must specify --patch or --patch-file containing the contents of the patch", None);
    };
    let ty = match args.value("type").unwrap_or_else(|| "strategic".into()).to_ascii_lowercase().as_str() {
        "strategic" => PatchType::Strategic,
        "merge" => PatchType::Merge,
        "json" => PatchType::Json,
        other => return err(format!("--type must be one of [json merge strategic], not \"{other}\""), None),
    };
    let target = one_target(args)?;
    if !view::editable(target.kind) {
        return err(
            format!(
                "kubesim patches deployments, replicasets, replicationcontrollers, statefulsets, daemonsets, jobs, pods and services, not {}",
                target.kind.resource()
            ),
            None,
        );
    }
    // RunPatch: `yaml.ToJSON([]byte(o.Patch))`, so YAML is accepted too.
    let patch: Value = match serde_yaml::from_str::<serde_yaml::Value>(&text).map(serde_json::to_value) {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => return err(format!("unable to parse \"{text}\": {e}"), None),
        Err(e) => return err(format!("unable to parse \"{text}\": {e}"), None),
    };
    let cause = super::generate::change_cause("patch", args);
    Ok(KubectlCommand::Patch { target, patch, ty, cause })
}

/// The object must exist and the patch apply to it as it is at the entry's time.
pub(super) fn check(command: KubectlCommand, c: &mut Check) -> Option<KubectlCommand> {
    let KubectlCommand::Patch { target, patch, ty, .. } = &command else { return misrouted("patch", &command) };
    if !c.exists(target) {
        return None;
    }
    let old = c.reg.objects[target].clone();
    match edited(&old, |v| merge::apply(v, patch, *ty).map_err(ApiError::kubectl)) {
        Ok(new) => {
            c.reg.objects.insert(target.clone(), new);
            Some(command)
        }
        Err(e) => c.fail(e, None),
    }
}

pub(super) fn effect(sim: &mut Sim, command: &KubectlCommand) -> Vec<Failure> {
    let KubectlCommand::Patch { target, patch, ty, cause } = command else { return misrouted("patch", command) };
    let result = write(sim, target, cause.as_deref(), |v| merge::apply(v, patch, *ty).map_err(ApiError::kubectl));
    refused(target, result).into_iter().collect()
}

/// `old` as JSON, edited by `edit`, read back (an error for a field kubesim does not
/// simulate or a value the API refuses).
pub(super) fn edited(old: &Object, edit: impl FnOnce(&Value) -> Result<Value, ApiError>) -> Result<Object, ApiError> {
    let json = view::to_json(old);
    let new = edit(&json)?;
    view::from_json(old, &new).map_err(|causes| match causes.strip_prefix("kubesim ") {
        Some(_) => ApiError::kubectl(causes),
        None => ApiError::invalid(crate::scenario::kinds::info(old.id.kind).name, &old.id.name, causes),
    })
}

/// The object now, edited, written as `apply` writes it unless nothing changed; its labels
/// as `kubectl label --overwrite` writes them; `--record`'s annotation as `annotate` does.
pub(super) fn write(
    sim: &mut Sim,
    target: &ObjectRef,
    cause: Option<&str>,
    edit: impl FnOnce(&Value) -> Result<Value, ApiError>,
) -> Result<(), ApiError> {
    let old = view::current(sim, target).ok_or_else(|| not_found(target))?;
    let new = edited(&old, edit)?;
    if new == old {
        // `patched (no change)`: kubectl sends nothing more, no revision is made.
        return Ok(());
    }
    sim.apply_object(&new)?;
    let (before, after) = (labels(&old), labels(&new));
    if before != after {
        let set: Vec<(String, String)> =
            after.iter().filter(|(k, v)| before.get(*k) != Some(v)).map(|(k, v)| (k.clone(), v.clone())).collect();
        let remove: Vec<String> = before.keys().filter(|k| !after.contains_key(*k)).cloned().collect();
        sim.edit_metadata(target, &set, &remove, true, false)?;
    }
    if let Some(cause) = cause {
        let set = [("kubernetes.io/change-cause".to_string(), cause.to_string())];
        sim.edit_metadata(target, &set, &[], true, true)?;
    }
    Ok(())
}

fn labels(o: &Object) -> crate::model::spec::Labels {
    match &o.spec {
        ObjectSpec::Deployment { labels, .. }
        | ObjectSpec::ReplicaSet { labels, .. }
        | ObjectSpec::ReplicationController { labels, .. }
        | ObjectSpec::StatefulSet { labels, .. }
        | ObjectSpec::DaemonSet { labels, .. }
        | ObjectSpec::Job { labels, .. }
        | ObjectSpec::CronJob { labels, .. }
        | ObjectSpec::Pod { labels, .. }
        | ObjectSpec::Service { labels, .. } => labels.clone(),
        _ => Default::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_lines::{cmd, dep, error};
    use super::*;
    use serde_json::json;

    #[test]
    fn patch_forms_and_kubectl_errors() {
        assert_eq!(
            cmd(r#"kubectl patch deployment nginx-dep -p '{"spec":{"replicas":4}}'"#),
            KubectlCommand::Patch {
                target: dep("nginx-dep"),
                patch: json!({"spec":{"replicas":4}}),
                ty: PatchType::Strategic,
                cause: None
            }
        );
        let KubectlCommand::Patch { ty, patch, cause, .. } = cmd(
            r#"kubectl patch deploy/web --type=json -p '[{"op":"replace","path":"/spec/replicas","value":4}]' --record"#,
        ) else {
            panic!()
        };
        assert_eq!(ty, PatchType::Json);
        assert_eq!(patch[0]["op"], "replace");
        assert!(cause.unwrap().starts_with("kubectl patch deploy/web"));
        // YAML is a patch too (RunPatch's yaml.ToJSON).
        let KubectlCommand::Patch { patch, ty, .. } =
            cmd("kubectl patch svc web --type merge -p 'spec: {type: NodePort}'")
        else {
            panic!()
        };
        assert_eq!((patch, ty), (json!({"spec":{"type":"NodePort"}}), PatchType::Merge));
        assert_eq!(
            error("kubectl patch deployment web").message,
            "must specify --patch or --patch-file containing the contents of the patch"
        );
        assert_eq!(
            error("kubectl patch deployment web -p '{}' --type=apply").message,
            "--type must be one of [json merge strategic], not \"apply\""
        );
        assert!(error("kubectl patch deployment web -p '{'").message.starts_with("unable to parse \"{\""));
        assert!(error("kubectl patch ingress web -p '{}'").message.ends_with("not ingress"));
    }
}
