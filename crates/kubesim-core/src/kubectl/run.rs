//! `kubectl run NAME --image=IMG [--port=N] [--labels=k=v,...] [--env=K=V]...
//! [--image-pull-policy=P] [--restart=Always|OnFailure|Never] [--requests=...] [--limits=...]
//! [--annotations=k=v]... [--command] [-- COMMAND ARGS...]`: one bare Pod, as kubectl makes it
//! since 1.18 (labelled `run=NAME` unless `--labels` is given; its one container named NAME).
//! kubectl: `staging/src/k8s.io/kubectl/pkg/cmd/run/run.go`, `RunOptions.Complete`,
//! `Validate`, `Run` and `createPod`; `--requests` / `--limits` are those of kubectl up to
//! 1.23 (`generate/versioned/run.go`, `HandleResourceRequirementsV1`).

use super::generate::{self, annotate_record, change_cause, RECORD, SAVE_CONFIG};
use super::grammar::{Args, Flag};
use super::{err, misrouted, Check, KError, KubectlCommand};
use serde_json::{json, Map, Value};

pub(super) const FLAGS: &[Flag] = &[
    Flag::value("image"),
    Flag::value("port"),
    Flag::value("labels").short('l'),
    Flag::value("env"),
    Flag::value("annotations"),
    Flag::value("image-pull-policy"),
    Flag::value("restart"),
    Flag::value("requests"),
    Flag::value("limits"),
    Flag::boolean("command"),
    Flag::boolean("expose"),
    Flag::boolean("stdin").short('i'),
    Flag::boolean("tty").short('t'),
    Flag::boolean("attach"),
    Flag::boolean("rm"),
    RECORD,
    SAVE_CONFIG,
];

pub(super) fn parse(args: &Args) -> Result<KubectlCommand, KError> {
    manifests(args)?;
    Ok(KubectlCommand::Create { objects: Vec::new() })
}

/// The Pod (and with `--expose` its Service) kubectl would send.
pub(super) fn manifests(args: &Args) -> Result<Vec<Value>, KError> {
    for f in ["stdin", "tty", "attach", "rm"] {
        if args.on(f) {
            return err(
                format!("--{f} attaches a terminal to the container: kubesim simulates no processes or terminals"),
                Some("drop the flag: the pod is created and runs as the scenario's images: section says".into()),
            );
        }
    }
    let Some(name) = args.positional.first() else {
        return err("NAME is required for run", None);
    };
    if let Some(extra) = args.positional.get(1) {
        return err(
            format!("unexpected argument \"{extra}\": the container's command and arguments follow `--`"),
            Some(format!("e.g. `kubectl run {name} --image=busybox -- sleep 3600`")),
        );
    }
    let image = args.value("image").unwrap_or_default();
    if image.is_empty() {
        return err("--image is required", None);
    }
    if !valid_reference(&image) {
        return err(format!("invalid image name \"{image}\": invalid reference format"), None);
    }
    let port = match args.value("port").filter(|p| !p.is_empty()) {
        None => None,
        Some(p) => match p.parse::<i32>() {
            Ok(n) => Some(n),
            Err(_) => return err("--port must be a number", None),
        },
    };
    if args.on("expose") && port.is_none() {
        return err("--port must be set when exposing a service", None);
    }
    let given_labels = match args.value("labels").filter(|l| !l.is_empty()) {
        Some(l) => Some(generate::labels(&l)?),
        None => None,
    };
    let labels = given_labels.clone().unwrap_or_else(|| {
        let mut m = Map::new();
        m.insert("run".into(), Value::String(name.clone()));
        m
    });
    let mut annotations = Map::new();
    for a in args.values("annotations") {
        let Some((k, v)) = a.split_once('=') else {
            return err(format!("invalid annotation format: {a}"), None);
        };
        annotations.insert(k.to_string(), Value::String(v.to_string()));
    }
    let mut env = Vec::new();
    for e in args.values("env") {
        match e.split_once('=') {
            Some((k, v)) if valid_env_name(k) => env.push(json!({"name": k, "value": v})),
            _ => return err(format!("invalid env: {e}"), None),
        }
    }
    let restart = args.value("restart").unwrap_or_else(|| "Always".into());
    if !["Always", "OnFailure", "Never"].contains(&restart.as_str()) {
        return err(format!("invalid restart policy: {restart}, valid values are: Always, OnFailure, Never"), None);
    }
    let pull = args.value("image-pull-policy").unwrap_or_default();
    if !["", "Always", "IfNotPresent", "Never"].contains(&pull.as_str()) {
        return err(format!("invalid image pull policy: {pull}"), None);
    }
    let mut container = json!({"name": name, "image": image});
    if !env.is_empty() {
        container["env"] = Value::Array(env);
    }
    if !pull.is_empty() {
        container["imagePullPolicy"] = Value::String(pull);
    }
    if !args.after_dash.is_empty() {
        let key = if args.on("command") { "command" } else { "args" };
        container[key] = json!(args.after_dash);
    }
    if let Some(p) = port {
        container["ports"] = json!([{"containerPort": p}]);
    }
    let resources = resource_requirements(args)?;
    if !resources.is_empty() {
        container["resources"] = Value::Object(resources);
    }
    let mut meta = json!({"name": name, "labels": labels});
    if !annotations.is_empty() {
        meta["annotations"] = Value::Object(annotations);
    }
    let mut pod = json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta,
        "spec": {"containers": [container], "dnsPolicy": "ClusterFirst", "restartPolicy": restart},
    });
    annotate_record(&mut pod, change_cause("run", args));
    let mut out = vec![pod];
    if let Some(p) = port.filter(|_| args.on("expose")) {
        // `RunOptions.createService`: the pod's labels as selector, the given labels only.
        let mut meta = json!({"name": name});
        if let Some(l) = given_labels {
            meta["labels"] = Value::Object(l);
        }
        out.push(json!({
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": meta,
            "spec": {"selector": labels, "ports": [{"port": p, "protocol": "TCP", "targetPort": p}]},
        }));
    }
    Ok(out)
}

/// `--requests=cpu=100m,memory=256Mi` and `--limits=...` as a container's `resources`.
pub(super) fn resource_requirements(args: &Args) -> Result<Map<String, Value>, KError> {
    let mut out = Map::new();
    for (flag, key) in [("requests", "requests"), ("limits", "limits")] {
        let Some(v) = args.value(flag).filter(|v| !v.is_empty()) else { continue };
        out.insert(key.into(), Value::Object(resource_list(&v)?));
    }
    Ok(out)
}

/// kubectl's `populateResourceListV1`: `name=quantity` pairs, each quantity parsed.
pub(super) fn resource_list(spec: &str) -> Result<Map<String, Value>, KError> {
    let mut out = Map::new();
    for pair in spec.split(',') {
        let parts: Vec<&str> = pair.split('=').collect();
        let [name, q] = parts.as_slice() else {
            return err(format!("invalid argument syntax {pair}, expected <resource>=<value>"), None);
        };
        if crate::scenario::parse_quantity(q).is_err() {
            return err(
                "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
                None,
            );
        }
        out.insert((*name).to_string(), Value::String((*q).to_string()));
    }
    Ok(out)
}

/// `validation.IsEnvVarName`: letters, digits, `_`, `-` and `.`, not starting with a digit.
fn valid_env_name(k: &str) -> bool {
    !k.is_empty()
        && !k.starts_with(|c: char| c.is_ascii_digit())
        && k.chars().all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
}

/// A loose `reference.ReferenceRegexp`: no spaces, no upper case in the repository, no empty
/// parts.
fn valid_reference(image: &str) -> bool {
    let repo = image.split(['@']).next().unwrap_or(image);
    let repo = match repo.rsplit_once(':') {
        Some((r, tag)) if !tag.contains('/') => r,
        _ => repo,
    };
    !image.contains(char::is_whitespace)
        && !repo.is_empty()
        && !repo.split('/').any(str::is_empty)
        && !repo
            .split('/')
            .skip(usize::from(
                repo.contains('/')
                    && repo.split('/').next().is_some_and(|h| h.contains(['.', ':']) || h == "localhost"),
            ))
            .any(|p| p.chars().any(|c| c.is_ascii_uppercase()))
}

/// The Pod checked as a manifest and recorded; the command is its `create`.
pub(super) fn check(command: KubectlCommand, c: &mut Check) -> Option<KubectlCommand> {
    let KubectlCommand::Create { .. } = command else { return misrouted("run", &command) };
    let made = manifests(&c.args);
    generate::create(c, made)
}

#[cfg(test)]
mod tests {
    use super::super::parse_line;
    use super::super::test_lines::error;
    use super::*;

    fn pod(line: &str) -> Value {
        manifests(&parse_line(line).unwrap().args).unwrap().remove(0)
    }

    #[test]
    fn a_pod_as_kubectl_run_makes_it() {
        let p = pod("kubectl run nginx --image=nginx");
        assert_eq!(p["metadata"], json!({"name": "nginx", "labels": {"run": "nginx"}}));
        assert_eq!(p["spec"]["containers"], json!([{"name": "nginx", "image": "nginx"}]));
        assert_eq!(p["spec"]["restartPolicy"], "Always");
        let p = pod("kubectl run hello-minikube --image=k8s.gcr.io/echoserver:1.4 --port=8080");
        assert_eq!(p["spec"]["containers"][0]["ports"], json!([{"containerPort": 8080}]));
        let p = pod("kubectl run s --image=simple-server:v1 --port=8080 --image-pull-policy=Never -l app=s,tier=web");
        assert_eq!(p["spec"]["containers"][0]["imagePullPolicy"], "Never");
        assert_eq!(p["metadata"]["labels"], json!({"app": "s", "tier": "web"}));
        let p = pod("kubectl run b --image=busybox --restart=Never --env=A=1 --requests=cpu=100m --limits=memory=64Mi -- sleep 10");
        let c = &p["spec"]["containers"][0];
        assert_eq!(c["args"], json!(["sleep", "10"]));
        assert_eq!(c["env"], json!([{"name": "A", "value": "1"}]));
        assert_eq!(c["resources"], json!({"requests": {"cpu": "100m"}, "limits": {"memory": "64Mi"}}));
        assert_eq!(p["spec"]["restartPolicy"], "Never");
        let p = pod("kubectl run b --image=busybox --command --record -- sh -c 'echo hi'");
        assert_eq!(p["spec"]["containers"][0]["command"], json!(["sh", "-c", "echo hi"]));
        assert_eq!(
            p["metadata"]["annotations"]["kubernetes.io/change-cause"],
            "kubectl run b --image=busybox --command=true --record=true"
        );
        let both = manifests(&parse_line("kubectl run w --image=nginx --port=80 --expose").unwrap().args).unwrap();
        assert_eq!(both[1]["spec"]["selector"], json!({"run": "w"}));
    }

    #[test]
    fn kubectl_run_errors() {
        let e = |line: &str| {
            let l = parse_line(line).map_err(|e| e.message);
            l.and_then(|l| manifests(&l.args).map(|_| ()).map_err(|e| e.message)).unwrap_err()
        };
        assert_eq!(e("kubectl run --image=nginx"), "NAME is required for run");
        assert_eq!(e("kubectl run nginx"), "--image is required");
        assert_eq!(e("kubectl run nginx --image=nginx --port=http"), "--port must be a number");
        assert_eq!(
            e("kubectl run nginx --image=nginx --restart=Sometimes"),
            "invalid restart policy: Sometimes, valid values are: Always, OnFailure, Never"
        );
        assert_eq!(e("kubectl run nginx --image=nginx --image-pull-policy=Maybe"), "invalid image pull policy: Maybe");
        assert_eq!(e("kubectl run nginx --image=nginx --env=1A=b"), "invalid env: 1A=b");
        assert_eq!(e("kubectl run nginx --image=Nginx"), "invalid image name \"Nginx\": invalid reference format");
        assert!(e("kubectl run -it b --image=busybox").contains("simulates no processes"));
        assert_eq!(e("kubectl run w --image=nginx --expose"), "--port must be set when exposing a service");
        assert!(error("kubectl run nginx --image=nginx --dry-run=client").message.contains("unknown flag: --dry-run"));
    }
}
