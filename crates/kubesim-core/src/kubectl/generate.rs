//! What the verbs that build objects themselves share (`kubectl run`, `create deployment`,
//! `create job`, `create service`, ...): the object kubectl would send, written as the manifest
//! kubectl's generator makes, then checked exactly as a manifest of an `-f` file is
//! (`scenario::manifest::parse`: Kubernetes' defaults and validation), so that a generated
//! object and the same object written by hand are one and the same thing to the simulation.

use super::grammar::Args;
use super::{Check, KError, KubectlCommand};
use crate::model::spec::Object;
use crate::scenario::diagnostic::Report;
use crate::scenario::manifest;
use crate::scenario::positions::Anchor;
use crate::scenario::priority;
use serde_json::{json, Map, Value};

/// The `--record` and `--save-config` flags kubectl's create-like verbs take
/// (`genericclioptions.RecordFlags`, `cmdutil.AddApplyAnnotationFlags`).
pub(super) const RECORD: super::grammar::Flag = super::grammar::Flag::boolean("record");
pub(super) const SAVE_CONFIG: super::grammar::Flag = super::grammar::Flag::boolean("save-config");

/// `kubernetes.io/change-cause` as `--record` writes it: the command path, the positional
/// words and each flag as `--name=value` (cli-runtime `genericclioptions/record_flags.go`,
/// `parseCommandArguments`).
pub(super) fn change_cause(path: &str, args: &Args) -> Option<String> {
    if !args.on("record") {
        return None;
    }
    let mut s = format!("kubectl {path}");
    for p in &args.positional {
        s.push(' ');
        s.push_str(p);
    }
    for (n, v) in &args.flags {
        s.push_str(&format!(" --{n}={v}"));
    }
    Some(s)
}

/// Adds `--record`'s annotation to a generated manifest's metadata.
pub(super) fn annotate_record(manifest: &mut Value, cause: Option<String>) {
    let Some(cause) = cause else { return };
    if let Some(meta) = manifest.get_mut("metadata").and_then(Value::as_object_mut) {
        let annotations = meta.entry("annotations").or_insert_with(|| json!({}));
        if let Some(a) = annotations.as_object_mut() {
            a.insert("kubernetes.io/change-cause".into(), Value::String(cause));
        }
    }
}

/// `key=value,key2=value2` as a JSON object (kubectl's `parseLabels` of `kubectl run`).
pub(super) fn labels(s: &str) -> Result<Map<String, Value>, KError> {
    let mut out = Map::new();
    for spec in s.split(',') {
        let parts: Vec<&str> = spec.split('=').collect();
        let [k, v] = parts.as_slice() else {
            return super::err(format!("unexpected label spec: {spec}"), None);
        };
        if k.is_empty() {
            return super::err("unexpected empty label key", None);
        }
        out.insert((*k).to_string(), Value::String((*v).to_string()));
    }
    Ok(out)
}

/// The container name kubectl derives from an image (`create deployment`'s `buildPodSpec`):
/// the last path part without tag or digest; `.` and `_` become `-` and kubectl adds a
/// random 5-letter suffix, which kubesim draws from a hash of the image so that a run is
/// the same every time.
pub(super) fn container_name(image: &str) -> String {
    let mut name = image.rsplit('/').next().unwrap_or(image).to_string();
    if let Some((n, _)) = name.split_once(':') {
        name = n.to_string();
    }
    if let Some((n, _)) = name.split_once('@') {
        name = n.to_string();
    }
    if name.contains(['_', '.']) {
        // utilrand.String's alphabet: consonants and digits without look-alikes.
        const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
        let mut h = crate::engine::hash::fnv1a(image.as_bytes());
        let suffix: String = (0..5)
            .map(|_| {
                let c = ALPHABET[(h % ALPHABET.len() as u64) as usize] as char;
                h /= ALPHABET.len() as u64;
                c
            })
            .collect();
        name = format!("{}-{suffix}", name.replace(['_', '.'], "-"));
    }
    name
}

/// The command of a line that makes objects as kubectl's generators do (`run`, `create
/// KIND NAME`): kubectl's error when the line's flags make nothing, else the generated
/// objects, checked as manifests, created.
pub(super) fn create(c: &mut Check, made: Result<Vec<Value>, KError>) -> Option<KubectlCommand> {
    let manifests = match made {
        Ok(m) => m,
        Err(e) => return c.fail(format!("error: {}", e.message), e.help),
    };
    let objects = objects(c, manifests)?;
    Some(KubectlCommand::Create { objects })
}

/// The generated manifests as objects: each checked as a manifest (its problems reported at
/// the `run:` line), in a namespace that exists, not existing already (the API server's
/// AlreadyExists), its priority class resolved, and recorded as existing from now on.
pub(super) fn objects(c: &mut Check, manifests: Vec<Value>) -> Option<Vec<Object>> {
    let ns = c.args.value("namespace");
    let mut parsed = Vec::new();
    let before = c.r.error_count();
    for m in manifests {
        let Ok(value) = serde_yaml::to_value(&m) else { continue };
        let mut tmp = Report::default();
        let p = manifest::parse(&value, c.run.loc, ns.as_deref(), &mut tmp);
        for d in std::mem::take(&mut tmp.diags) {
            if d.is_error() {
                c.fail(d.message, d.help);
            } else {
                let msg = format!("`{}`: {}", c.text, d.message);
                let w = c.run.loc.warning(&c.run.path, Anchor::Value, msg).with_help(d.help);
                c.r.push(w);
            }
        }
        for (kind, ids) in std::mem::take(&mut tmp.not_simulated) {
            for id in ids {
                c.r.not_simulated(kind.clone(), id);
            }
        }
        let Some(p) = p else { continue };
        if c.reg.objects.contains_key(&p.object.id) {
            let e = crate::sim::ApiError::already_exists(crate::sim::resource_phrase(&p.object.id));
            c.fail(e, None);
            continue;
        }
        if c.reg.check_namespace(&p, &mut tmp) {
            c.reg.add_pods(&p, c.r);
            parsed.push(p);
        } else {
            c.not_found(format!("namespaces \"{}\" not found", p.object.id.namespace));
        }
    }
    if c.r.error_count() > before {
        return None;
    }
    priority::resolve(&mut parsed, c.reg, false, c.r);
    if c.r.error_count() > before {
        return None;
    }
    for p in &parsed {
        c.reg.record(p);
    }
    Some(parsed.into_iter().map(|p| p.object).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn container_names_as_kubectl_derives_them() {
        assert_eq!(container_name("nginx"), "nginx");
        assert_eq!(container_name("nginx:1.25"), "nginx");
        assert_eq!(container_name("k8s.gcr.io/echoserver:1.4"), "echoserver");
        assert_eq!(container_name("library/nginx@sha256:abc"), "nginx");
        let n = container_name("my_app.v2:1");
        assert!(n.starts_with("my-app-v2-") && n.len() == "my-app-v2-".len() + 5, "{n}");
        assert_eq!(n, container_name("my_app.v2:1"));
    }

    #[test]
    fn labels_as_kubectl_run_parses_them() {
        let l = labels("app=web,tier=front").unwrap();
        assert_eq!(l.get("tier"), Some(&json!("front")));
        assert_eq!(labels("a=b=c").unwrap_err().message, "unexpected label spec: a=b=c");
        assert_eq!(labels("=b").unwrap_err().message, "unexpected empty label key");
    }
}
