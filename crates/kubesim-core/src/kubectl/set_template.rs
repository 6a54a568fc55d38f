//! `kubectl set resources KIND NAME [-c=CONTAINER] --limits=cpu=200m,memory=512Mi
//! --requests=cpu=100m` and `kubectl set env KIND NAME K=V... K-...` (kubectl:
//! `staging/src/k8s.io/kubectl/pkg/cmd/set/set_resources.go`, `SetResourcesOptions.Validate`
//! and `Run`; `set_env.go`, `EnvOptions.RunEnv`), on the kinds `polymorphichelpers/
//! updatepodspec.go` `updatePodSpecForObject` knows that kubesim simulates: Pods,
//! ReplicationControllers, Deployments, DaemonSets, ReplicaSets, StatefulSets and Jobs
//! (and CronJobs, whose jobTemplate's pod template it edits). The pod template is edited as JSON and written through
//! `patch.rs`'s path: a Deployment rolls out; a Job's template is immutable (the API server's
//! error); a Pod's spec other than images is too.

use super::grammar::Args;
use super::{err, misrouted, patch, refused, view, Check, Failure, KError, KubectlCommand};
use crate::model::spec::Kind;
use crate::sim::{ApiError, Sim};
use serde_json::{json, Value};

/// A change to the containers of a pod template.
#[derive(Clone, Debug, PartialEq)]
pub enum TemplateEdit {
    /// `set resources`: `--limits` and `--requests`, each `name=quantity`.
    Resources { limits: Vec<(String, String)>, requests: Vec<(String, String)> },
    /// `set env`: variables set and removed.
    Env { set: Vec<(String, String)>, remove: Vec<String> },
}

/// `resources ...` or `env ...` (the words after `set`).
pub(super) fn parse(sub: &str, args: &Args, mut positional: Vec<String>) -> Result<KubectlCommand, KError> {
    let edit = if sub == "resources" {
        let list = |flag: &str| -> Result<Vec<(String, String)>, KError> {
            let mut out = Vec::new();
            for part in args.value(flag).unwrap_or_default().split(',').filter(|p| !p.is_empty()) {
                // set_resources.go `parseResourceList`.
                let [k, v] = part.split('=').collect::<Vec<_>>()[..] else {
                    return err(format!("invalid argument syntax {part}, expected <resource>=<value>"), None);
                };
                if let Err(e) = crate::scenario::quantity::parse_quantity(v) {
                    return err(e, None);
                }
                out.push((k.to_string(), v.to_string()));
            }
            Ok(out)
        };
        let (limits, requests) = (list("limits")?, list("requests")?);
        if limits.is_empty() && requests.is_empty() {
            return err("you must specify an update to requests or limits (in the form of --requests/--limits)", None);
        }
        TemplateEdit::Resources { limits, requests }
    } else {
        // set_env.go's NewCmdEnv adds no RecordFlags, nor --limits/--requests.
        if let Some(f) = ["record", "limits", "requests"].iter().find(|f| args.flags.iter().any(|(n, _)| n == *f)) {
            return err(format!("unknown flag: --{f}"), None);
        }
        let (mut set, mut remove) = (Vec::new(), Vec::new());
        let words: Vec<String> = positional.iter().filter(|p| p.contains('=') || p.ends_with('-')).cloned().collect();
        positional.retain(|p| !(p.contains('=') || p.ends_with('-')));
        for w in words {
            match w.split_once('=') {
                Some((k, v)) if !k.is_empty() => set.push((k.to_string(), v.to_string())),
                Some(_) => return err(format!("invalid environment variable: {w}"), None),
                None => remove.push(w.trim_end_matches('-').to_string()),
            }
        }
        if set.is_empty() && remove.is_empty() {
            return err("at least one environment variable must be provided", None);
        }
        TemplateEdit::Env { set, remove }
    };
    let target = super::grammar::one_target(&args.with_positional(positional))?;
    if !view::editable(target.kind) || target.kind == Kind::Service {
        return err(
            format!("kubesim supports `set {sub}` on pods, replicationcontrollers, deployments, daemonsets, replicasets, statefulsets and jobs, not {}", target.kind.resource()),
            None,
        );
    }
    let containers = args.value("containers").unwrap_or_else(|| "*".into());
    let cause = super::generate::change_cause(&format!("set {sub}"), args);
    Ok(KubectlCommand::SetTemplate { target, containers, edit, cause })
}

pub(super) fn check(command: KubectlCommand, c: &mut Check) -> Option<KubectlCommand> {
    let KubectlCommand::SetTemplate { target, containers, edit, .. } = &command else {
        return misrouted("set", &command);
    };
    if !c.exists(target) {
        return None;
    }
    let old = c.reg.objects[target].clone();
    let mut matched = true;
    let result = patch::edited(&old, |v| {
        let (v, found) = apply_edit(v, target.kind, containers, edit);
        matched = found;
        Ok(v)
    });
    if !matched && matches!(edit, TemplateEdit::Resources { .. }) {
        // set_resources.go `Run`: an error (set_env.go only warns).
        return c.fail(ApiError::kubectl(format!("unable to find container named {containers}")), None);
    }
    if !matched {
        let msg = format!("`{}`: {}", c.text, no_match(target, containers));
        let w = c.run.loc.warning(&c.run.path, crate::scenario::positions::Anchor::Value, msg);
        c.r.push(w);
    }
    match result {
        Ok(new) => {
            c.reg.objects.insert(target.clone(), new);
            Some(command)
        }
        Err(e) => c.fail(e, None),
    }
}

pub(super) fn effect(sim: &mut Sim, command: &KubectlCommand) -> Vec<Failure> {
    let KubectlCommand::SetTemplate { target, containers, edit, cause } = command else {
        return misrouted("set", command);
    };
    let r = patch::write(sim, target, cause.as_deref(), |v| {
        let (v, found) = apply_edit(v, target.kind, containers, edit);
        if !found && matches!(edit, TemplateEdit::Resources { .. }) {
            return Err(ApiError::kubectl(format!("unable to find container named {containers}")));
        }
        Ok(v)
    });
    let what = match edit {
        TemplateEdit::Resources { .. } => "failed to patch resources update to pod template",
        TemplateEdit::Env { .. } => "failed to patch env update to pod template:",
    };
    refused(target, r.map_err(|e| wrap(what, e))).into_iter().collect()
}

/// The containers of the object's JSON (`spec.containers` of a Pod, the template's
/// otherwise) that `selector` names (kubectl's `selectContainers`: `path.Match` patterns, so
/// `*` for all), each given to `f`; with `init`, the init containers too (`set image`).
/// The JSON after, and whether any matched.
pub(super) fn for_containers(
    v: &Value,
    kind: Kind,
    selector: &str,
    init: bool,
    mut f: impl FnMut(&mut serde_json::Map<String, Value>),
) -> (Value, bool) {
    let mut v = v.clone();
    let spec = match kind {
        Kind::Pod => &mut v["spec"],
        Kind::CronJob => &mut v["spec"]["jobTemplate"]["spec"]["template"]["spec"],
        _ => &mut v["spec"]["template"]["spec"],
    };
    let mut found = false;
    for key in if init { &["containers", "initContainers"][..] } else { &["containers"][..] } {
        if let Some(list) = spec.get_mut(*key).and_then(Value::as_array_mut) {
            for c in list.iter_mut().filter_map(Value::as_object_mut) {
                if c.get("name").and_then(Value::as_str).is_some_and(|n| glob(selector, n)) {
                    f(c);
                    found = true;
                }
            }
        }
    }
    (v, found)
}

/// The API server's refusal of the patch a `set` sub-command sends, as kubectl prints it:
/// `failed to patch image update to pod template: Job.batch "work" is invalid: ...` (the
/// StatusError's message names the kind with its group, apimachinery `errors.NewInvalid`).
pub(super) fn wrap(what: &str, e: ApiError) -> ApiError {
    let ApiError::Invalid { kind, name, causes } = &e else { return e };
    let group = crate::scenario::kinds::by_manifest_kind(kind)
        .and_then(|i| i.api_versions.first())
        .and_then(|v| v.split_once('/'))
        .map(|(g, _)| format!(".{g}"))
        .unwrap_or_default();
    ApiError::kubectl(format!("{what} {kind}{group} \"{name}\" is invalid: {causes}"))
}

/// `path.Match` with `*` (any run of characters) and `?` (one), the patterns `-c` takes.
fn glob(pattern: &str, name: &str) -> bool {
    fn m(p: &[u8], n: &[u8]) -> bool {
        match (p.first(), n.first()) {
            (None, None) => true,
            (Some(b'*'), _) => m(&p[1..], n) || (!n.is_empty() && m(p, &n[1..])),
            (Some(b'?'), Some(_)) => m(&p[1..], &n[1..]),
            (Some(a), Some(b)) if a == b => m(&p[1..], &n[1..]),
            _ => false,
        }
    }
    m(pattern.as_bytes(), name.as_bytes())
}

/// `warning: deployment/web does not have any containers matching "x"`, kubectl's words when
/// `-c` matches nothing (it changes nothing then, and is no error).
fn no_match(target: &crate::model::spec::ObjectRef, containers: &str) -> String {
    format!(
        "warning: {}/{} does not have any containers matching \"{containers}\"",
        target.kind.resource(),
        target.name
    )
}

fn apply_edit(v: &Value, kind: Kind, containers: &str, edit: &TemplateEdit) -> (Value, bool) {
    for_containers(v, kind, containers, false, |c| match edit {
        TemplateEdit::Resources { limits, requests } => {
            let res = c.entry("resources").or_insert_with(|| json!({}));
            for (field, list) in [("limits", limits), ("requests", requests)] {
                for (k, q) in list {
                    res[field][k] = json!(q);
                }
            }
        }
        TemplateEdit::Env { set, remove } => {
            let env = c.entry("env").or_insert_with(|| json!([]));
            let Some(list) = env.as_array_mut() else { return };
            list.retain(|e| !remove.iter().any(|r| e["name"] == json!(r)));
            for (k, val) in set {
                match list.iter_mut().find(|e| e["name"] == json!(k)) {
                    Some(e) => e["value"] = json!(val),
                    None => list.push(json!({"name": k, "value": val})),
                }
            }
            if list.is_empty() {
                c.remove("env");
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::super::test_lines::{cmd, dep, error};
    use super::*;

    #[test]
    fn set_resources_and_env_forms() {
        assert_eq!(
            cmd("kubectl set resources deployment nginx-dep -c=nginx --limits=cpu=200m,memory=512Mi --requests=cpu=100m"),
            KubectlCommand::SetTemplate {
                target: dep("nginx-dep"),
                containers: "nginx".into(),
                edit: TemplateEdit::Resources {
                    limits: vec![("cpu".into(), "200m".into()), ("memory".into(), "512Mi".into())],
                    requests: vec![("cpu".into(), "100m".into())],
                },
                cause: None,
            }
        );
        assert_eq!(
            cmd("kubectl set env deployment/web A=1 B- --containers=web"),
            KubectlCommand::SetTemplate {
                target: dep("web"),
                containers: "web".into(),
                edit: TemplateEdit::Env { set: vec![("A".into(), "1".into())], remove: vec!["B".into()] },
                cause: None,
            }
        );
        assert_eq!(
            error("kubectl set resources deployment web").message,
            "you must specify an update to requests or limits (in the form of --requests/--limits)"
        );
        assert_eq!(
            error("kubectl set env deployment web").message,
            "at least one environment variable must be provided"
        );
        assert!(error("kubectl set resources deployment web --limits=cpu=lots").message.contains("invalid quantity"));
        assert_eq!(
            error("kubectl set resources deployment web --limits=cpu").message,
            "invalid argument syntax cpu, expected <resource>=<value>"
        );
    }

    #[test]
    fn the_servers_refusal_as_kubectl_wraps_it() {
        let e = ApiError::invalid("Job", "work", "spec.template: Invalid value: field is immutable");
        assert_eq!(
            wrap("failed to patch image update to pod template:", e).to_string(),
            "error: failed to patch image update to pod template: Job.batch \"work\" is invalid: spec.template: Invalid value: field is immutable"
        );
        let e = ApiError::invalid("Pod", "p", "spec: Forbidden: x");
        assert_eq!(
            wrap("failed to patch resources update to pod template", e).to_string(),
            "error: failed to patch resources update to pod template Pod \"p\" is invalid: spec: Forbidden: x"
        );
    }

    #[test]
    fn edits_reach_the_named_containers_only() {
        let v =
            json!({"spec":{"template":{"spec":{"containers":[{"name":"a","image":"a"},{"name":"b","image":"b"}]}}}});
        let e = TemplateEdit::Resources { limits: vec![], requests: vec![("cpu".into(), "100m".into())] };
        let (out, found) = apply_edit(&v, Kind::Deployment, "b", &e);
        assert!(found);
        assert_eq!(out["spec"]["template"]["spec"]["containers"][1]["resources"], json!({"requests":{"cpu":"100m"}}));
        assert!(out["spec"]["template"]["spec"]["containers"][0].get("resources").is_none());
        assert!(!apply_edit(&v, Kind::Deployment, "c", &e).1);
        assert_eq!(apply_edit(&v, Kind::Deployment, "c", &e).0, v, "no change");
        assert!(apply_edit(&v, Kind::Deployment, "?", &e).1);
        assert!(glob("ngin*", "nginx") && glob("*", "a") && !glob("a*", "ba"));
        let e = TemplateEdit::Env { set: vec![("X".into(), "1".into())], remove: vec![] };
        let (out, _) = apply_edit(&v, Kind::Deployment, "*", &e);
        assert_eq!(out["spec"]["template"]["spec"]["containers"][0]["env"], json!([{"name":"X","value":"1"}]));
    }
}
