//! `kubectl create SUBCOMMAND NAME ...`: the objects kubectl's generators make
//! (`staging/src/k8s.io/kubectl/pkg/cmd/create/`): `deployment` (`create_deployment.go`,
//! `createDeployment` and `buildPodSpec`), `job` (`create_job.go`, `createJob`), `cronjob`
//! (`create_cronjob.go`, `createCronJob`: a simulated CronJob), `namespace`
//! (`create_namespace.go`), `service clusterip|nodeport|loadbalancer|externalname`
//! (`create_service.go`, `createService` and `Validate`), `configmap` (`create_configmap.go`) and `secret generic`
//! (`create_secret.go`): those two are kept as objects of kinds kubesim does not simulate;
//! `quota` (`create_quota.go`: `--hard`, a simulated ResourceQuota).
//! `create -f FILE` is in `apply.rs`.

use super::generate::{self, annotate_record, change_cause, container_name};
use super::grammar::{Args, Flag};
use super::{err, Check, KError, KubectlCommand};
use crate::scenario::suggest::did_you_mean;
use serde_json::{json, Map, Value};

/// Every flag of the sub-commands (each sub-command refuses those it does not take).
pub(super) const FLAGS: &[Flag] = &[
    super::grammar::FILENAME,
    super::grammar::RECURSIVE,
    Flag::value("image"),
    Flag::value("replicas").short('r'),
    Flag::value("port"),
    Flag::value("tcp"),
    Flag::value("node-port"),
    Flag::value("clusterip"),
    Flag::value("external-name"),
    Flag::value("from-literal"),
    Flag::value("schedule"),
    Flag::value("restart"),
    Flag::value("hard"),
    generate::RECORD,
    generate::SAVE_CONFIG,
];

const SUBCOMMANDS: &[&str] = &["deployment", "job", "cronjob", "namespace", "service", "configmap", "secret", "quota"];

/// The flags each sub-command takes, beyond `--record`, `--save-config` and `-n`.
fn own_flags(sub: &str) -> &'static [&'static str] {
    match sub {
        "deployment" => &["image", "replicas", "port"],
        "job" => &["image"],
        "cronjob" => &["image", "schedule", "restart"],
        "service" => &["tcp", "node-port", "clusterip", "external-name"],
        "configmap" | "secret" => &["from-literal"],
        "quota" => &["hard"],
        _ => &[],
    }
}

/// The canonical sub-command a word names (kubectl's aliases: `deploy`, `ns`, `svc`, `cm`, `cj`).
fn subcommand(word: &str) -> Option<&'static str> {
    Some(match word {
        "deployment" | "deploy" => "deployment",
        "job" => "job",
        "cronjob" | "cj" => "cronjob",
        "namespace" | "ns" => "namespace",
        "service" | "svc" => "service",
        "configmap" | "cm" => "configmap",
        "secret" => "secret",
        "quota" | "resourcequota" => "quota",
        _ => return None,
    })
}

/// The manifests kubectl would send for `create SUB NAME ...` (`args.positional` starts
/// with the sub-command).
pub(super) fn manifests(args: &Args) -> Result<Vec<Value>, KError> {
    let pos = &args.positional;
    let word = pos.first().map(String::as_str).unwrap_or_default();
    let Some(sub) = subcommand(word) else {
        return err(
            format!(
                "unknown command \"{word}\" for \"kubectl create\" (kubesim supports `create -f FILE` and `create {}`)",
                SUBCOMMANDS.join("|")
            ),
            did_you_mean(word, SUBCOMMANDS.iter().copied()),
        );
    };
    for (flag, _) in &args.flags {
        let shared = ["namespace", "record", "save-config"];
        if !shared.contains(&flag.as_str()) && !own_flags(sub).contains(&flag.as_str()) {
            return err(format!("unknown flag: --{flag} (for `kubectl create {sub}`)"), None);
        }
    }
    let mut rest: Vec<&str> = pos[1..].iter().map(String::as_str).collect();
    // `create service TYPE NAME`, `create secret generic NAME`.
    let kind_word = match sub {
        "service" | "secret" => {
            if rest.is_empty() {
                let types =
                    if sub == "service" { "clusterip, nodeport, loadbalancer, externalname" } else { "generic" };
                return err(format!("kubesim supports `kubectl create {sub}` of type {types}: name one"), None);
            }
            Some(rest.remove(0))
        }
        _ => None,
    };
    let name = match rest.as_slice() {
        [] => return err("exactly one NAME is required, got 0", None),
        [n] => (*n).to_string(),
        more => return err(format!("exactly one NAME is required, got {}", more.len()), None),
    };
    if !args.after_dash.is_empty() && !["deployment", "job", "cronjob"].contains(&sub) {
        return err(format!("`kubectl create {sub}` takes no command after --"), None);
    }
    let mut m = match sub {
        "deployment" => deployment(args, &name)?,
        "job" => job(args, &name)?,
        "cronjob" => cronjob(args, &name)?,
        "namespace" => json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}),
        "service" => service(args, kind_word.unwrap_or_default(), &name)?,
        "quota" => quota(args, &name)?,
        _ => data(args, sub, kind_word, &name)?,
    };
    annotate_record(&mut m, change_cause(&format!("create {sub}"), args));
    Ok(vec![m])
}

/// create_quota.go: `--hard=RESOURCE=QUANTITY,...` as `spec.hard` (populateResourceListV1;
/// the quantities are checked as a manifest's are).
fn quota(args: &Args, name: &str) -> Result<Value, KError> {
    let mut hard = Map::new();
    for statement in args.value("hard").iter().flat_map(|h| h.split(',')).filter(|s| !s.is_empty()) {
        match statement.split('=').collect::<Vec<_>>().as_slice() {
            [k, v] => {
                hard.insert((*k).to_string(), json!(v));
            }
            _ => return err(format!("Invalid argument syntax {statement}, expected <resource>=<value>"), None),
        }
    }
    Ok(json!({"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": name}, "spec": {"hard": hard}}))
}

fn required_image(args: &Args) -> Result<Vec<String>, KError> {
    // StringSlice: repeated, or comma-separated.
    let images: Vec<String> =
        args.values("image").iter().flat_map(|v| v.split(',')).filter(|s| !s.is_empty()).map(str::to_string).collect();
    if images.is_empty() {
        return err("required flag(s) \"image\" not set", None);
    }
    Ok(images)
}

/// `createDeployment`: labels and selector `app=NAME`, a container per image.
fn deployment(args: &Args, name: &str) -> Result<Value, KError> {
    let images = required_image(args)?;
    if images.len() > 1 && !args.after_dash.is_empty() {
        return err("cannot specify multiple --image options and command", None);
    }
    let replicas = match args.value("replicas") {
        None => 1,
        Some(r) => r.parse::<i32>().or_else(|_| {
            err(format!("invalid argument \"{r}\" for \"-r, --replicas\" flag: strconv.ParseInt: parsing \"{r}\": invalid syntax"), None)
        })?,
    };
    let mut containers: Vec<Value> = images
        .iter()
        .map(|i| {
            let mut c = json!({"name": container_name(i), "image": i});
            if !args.after_dash.is_empty() {
                c["command"] = json!(args.after_dash);
            }
            c
        })
        .collect();
    if let Some(p) = args.value("port") {
        let n: i32 = p.parse().or_else(|_| {
            err(
                format!(
                    "invalid argument \"{p}\" for \"--port\" flag: strconv.ParseInt: parsing \"{p}\": invalid syntax"
                ),
                None,
            )
        })?;
        if n >= 0 {
            containers[0]["ports"] = json!([{"containerPort": n}]);
        }
    }
    let labels = json!({"app": name});
    Ok(json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": containers}},
        },
    }))
}

/// `createJob`: one container named NAME, `restartPolicy: Never`.
fn job(args: &Args, name: &str) -> Result<Value, KError> {
    let image = required_image(args)?.remove(0);
    let mut c = json!({"name": name, "image": image});
    if !args.after_dash.is_empty() {
        c["command"] = json!(args.after_dash);
    }
    Ok(json!({
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name},
        "spec": {"template": {"spec": {"containers": [c], "restartPolicy": "Never"}}},
    }))
}

/// `createCronJob`: one container named NAME, `restartPolicy` from `--restart` (OnFailure).
fn cronjob(args: &Args, name: &str) -> Result<Value, KError> {
    let image = required_image(args)?.remove(0);
    let Some(schedule) = args.value("schedule").filter(|s| !s.is_empty()) else {
        return err("required flag(s) \"schedule\" not set", None);
    };
    let restart = args.value("restart").unwrap_or_else(|| "OnFailure".into());
    if !["OnFailure", "Never"].contains(&restart.as_str()) {
        return err(
            format!("restart policy \"{restart}\" is not supported by kubectl create cronjob: use OnFailure or Never"),
            None,
        );
    }
    let mut c = json!({"name": name, "image": image});
    if !args.after_dash.is_empty() {
        c["command"] = json!(args.after_dash);
    }
    Ok(json!({
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": name},
        "spec": {
            "schedule": schedule,
            "jobTemplate": {
                "metadata": {"name": name},
                "spec": {"template": {"spec": {"containers": [c], "restartPolicy": restart}}},
            },
        },
    }))
}

/// `createService`: labels and selector `app=NAME`; each `--tcp=port[:targetPort]` a port
/// named `port-targetPort`; `externalname`'s `--external-name` (required, a DNS-1123
/// subdomain: `ServiceOptions.Validate`) and its ports optional.
fn service(args: &Args, kind: &str, name: &str) -> Result<Value, KError> {
    const TYPES: [&str; 4] = ["clusterip", "nodeport", "loadbalancer", "externalname"];
    let service_type = match kind {
        "clusterip" => "ClusterIP",
        "nodeport" => "NodePort",
        "loadbalancer" => "LoadBalancer",
        "externalname" => "ExternalName",
        other => {
            return err(
                format!("unknown command \"{other}\" for \"kubectl create service\""),
                did_you_mean(other, TYPES),
            )
        }
    };
    // Each type's command has its own flags (NewCmdCreateService*): cobra refuses the others.
    let own: &[&str] = match service_type {
        "ClusterIP" => &["tcp", "clusterip"],
        "NodePort" => &["tcp", "node-port"],
        "LoadBalancer" => &["tcp"],
        _ => &["tcp", "external-name"],
    };
    if let Some((flag, _)) =
        args.flags.iter().find(|(f, _)| own_flags("service").contains(&f.as_str()) && !own.contains(&f.as_str()))
    {
        return err(format!("unknown flag: --{flag} (for `kubectl create service {kind}`)"), None);
    }
    let external_name = args.value("external-name");
    if service_type == "ExternalName" {
        match external_name.as_deref() {
            None => return err("required flag(s) \"external-name\" not set", None),
            Some(host) if !crate::scenario::validate::is_dns_subdomain(host) => {
                return err(format!("invalid service external name {host}"), None)
            }
            Some(_) => {}
        }
    }
    let headless = args.value("clusterip").as_deref() == Some("None");
    let tcp: Vec<String> =
        args.values("tcp").iter().flat_map(|v| v.split(',')).filter(|s| !s.is_empty()).map(str::to_string).collect();
    if tcp.is_empty() && !headless && service_type != "ExternalName" {
        return err("at least one tcp port specifier must be provided", None);
    }
    let mut ports = Vec::new();
    for t in &tcp {
        let (p, target) = t.split_once(':').unwrap_or((t, t));
        let port: i32 = p.parse().or_else(|_| err(format!("strconv.Atoi: parsing \"{p}\": invalid syntax"), None))?;
        let target_port: Value = match target.parse::<i32>() {
            Ok(n) => json!(n),
            Err(_) => json!(target),
        };
        let mut sp = json!({"name": t.replace(':', "-"), "protocol": "TCP", "port": port, "targetPort": target_port});
        if service_type == "NodePort" {
            if let Some(np) = args.value("node-port").and_then(|n| n.parse::<i32>().ok()).filter(|n| *n > 0) {
                sp["nodePort"] = json!(np);
            }
        }
        ports.push(sp);
    }
    let labels = json!({"app": name});
    let mut spec = json!({"type": service_type, "selector": labels, "ports": ports});
    if headless {
        spec["clusterIP"] = json!("None");
    }
    if let (Some(host), "ExternalName") = (external_name, service_type) {
        spec["externalName"] = json!(host);
    }
    Ok(json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "labels": labels}, "spec": spec}))
}

/// `create configmap NAME --from-literal=k=v...` and `create secret generic NAME
/// --from-literal=k=v...` (the secret's values base64-encoded, as kubectl sends them).
fn data(args: &Args, sub: &str, kind_word: Option<&str>, name: &str) -> Result<Value, KError> {
    if sub == "secret" && kind_word != Some("generic") {
        let w = kind_word.unwrap_or_default();
        return err(
            format!("kubesim supports `kubectl create secret generic`, not \"{w}\""),
            did_you_mean(w, ["generic"]),
        );
    }
    let mut data = Map::new();
    for lit in args.values("from-literal") {
        let Some((k, v)) = lit.split_once('=') else {
            return err(format!("invalid literal source {lit}, expected key=value"), None);
        };
        let v = if sub == "secret" { crate::output::report::base64(v.as_bytes()) } else { v.to_string() };
        data.insert(k.to_string(), Value::String(v));
    }
    let (api, kind) = if sub == "secret" { ("v1", "Secret") } else { ("v1", "ConfigMap") };
    let mut m = json!({"apiVersion": api, "kind": kind, "metadata": {"name": name}, "data": data});
    if sub == "secret" {
        m["type"] = json!("Opaque");
    }
    Ok(m)
}

/// The generated object checked as a manifest and recorded; the command is its `create`.
pub(super) fn check(c: &mut Check) -> Option<KubectlCommand> {
    let made = manifests(&c.args);
    generate::create(c, made)
}

#[cfg(test)]
mod tests {
    use super::super::parse_line;
    use super::*;
    use crate::output::report::base64;

    fn one(line: &str) -> Value {
        manifests(&parse_line(line).unwrap().args).unwrap().remove(0)
    }

    fn error(line: &str) -> String {
        match parse_line(line) {
            Err(e) => e.message,
            Ok(l) => manifests(&l.args).unwrap_err().message,
        }
    }

    #[test]
    fn create_deployment_as_kubectl_makes_it() {
        let d = one("kubectl create deployment hello-world --image=k8s.gcr.io/echoserver:1.4");
        assert_eq!(d["metadata"]["labels"], json!({"app": "hello-world"}));
        assert_eq!(d["spec"]["selector"], json!({"matchLabels": {"app": "hello-world"}}));
        assert_eq!(d["spec"]["replicas"], 1);
        assert_eq!(
            d["spec"]["template"]["spec"]["containers"],
            json!([{"name": "echoserver", "image": "k8s.gcr.io/echoserver:1.4"}])
        );
        let d = one("kubectl create deploy s --image=simple-server:v1 --port=8080 --replicas=3 --image=redis");
        assert_eq!(d["spec"]["replicas"], 3);
        let cs = &d["spec"]["template"]["spec"]["containers"];
        assert_eq!(cs[0]["ports"], json!([{"containerPort": 8080}]));
        assert_eq!(cs[1]["name"], "redis");
        assert_eq!(error("kubectl create deployment x"), "required flag(s) \"image\" not set");
        assert_eq!(
            error("kubectl create deployment x --image=a --image=b -- sleep 1"),
            "cannot specify multiple --image options and command"
        );
        assert_eq!(error("kubectl create deployment --image=a"), "exactly one NAME is required, got 0");
        assert!(error("kubectl create deployment x --image=a --tcp=80").starts_with("unknown flag: --tcp"));
    }

    #[test]
    fn create_job_cronjob_namespace_service_and_data() {
        let j = one("kubectl create job pi --image=perl:5.34.0 -- perl -Mbignum=bpi -wle \"print bpi(2000)\"");
        let c = &j["spec"]["template"]["spec"]["containers"][0];
        assert_eq!(c["command"], json!(["perl", "-Mbignum=bpi", "-wle", "print bpi(2000)"]));
        assert_eq!(c["name"], "pi");
        assert_eq!(j["spec"]["template"]["spec"]["restartPolicy"], "Never");
        let cj = one("kubectl create cronjob hello --image=busybox:1.28 --schedule=\"*/1 * * * *\" -- echo hello");
        assert_eq!(cj["kind"], "CronJob");
        assert_eq!(cj["spec"]["schedule"], "*/1 * * * *");
        assert_eq!(error("kubectl create cronjob h --image=b"), "required flag(s) \"schedule\" not set");
        assert_eq!(one("kubectl create namespace staging")["kind"], "Namespace");
        assert_eq!(one("kubectl create ns staging")["metadata"]["name"], "staging");
        let s = one("kubectl create service nodeport web --tcp=5678:8080");
        assert_eq!(s["spec"]["type"], "NodePort");
        assert_eq!(s["spec"]["selector"], json!({"app": "web"}));
        assert_eq!(
            s["spec"]["ports"],
            json!([{"name": "5678-8080", "protocol": "TCP", "port": 5678, "targetPort": 8080}])
        );
        assert_eq!(error("kubectl create service clusterip web"), "at least one tcp port specifier must be provided");
        let cm = one("kubectl create configmap cfg --from-literal=a=1 --from-literal=b=two");
        assert_eq!(cm["data"], json!({"a": "1", "b": "two"}));
        let sec = one("kubectl create secret generic pw --from-literal=password=s3cr3t");
        assert_eq!(sec["data"]["password"], base64(b"s3cr3t"));
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b"abc"), "YWJj");
        assert!(error("kubectl create secret tls x").contains("create secret generic"));
        assert!(error("kubectl create deploymnt x --image=a").starts_with("unknown command \"deploymnt\""));
    }

    /// create_service.go: `NewCmdCreateServiceExternalName` (`--external-name` required, `--tcp`
    /// optional), `ServiceOptions.Validate` and `createService`; the messages are kubectl's.
    #[test]
    fn create_service_externalname_as_kubectl_makes_it() {
        let s = one("kubectl create service externalname payments --external-name api.stripe.com");
        assert_eq!(s["spec"]["type"], "ExternalName");
        assert_eq!(s["spec"]["externalName"], "api.stripe.com");
        assert_eq!(s["spec"]["selector"], json!({"app": "payments"}));
        assert_eq!(s["spec"]["ports"], json!([]));
        let s = one("kubectl create service externalname db --external-name=db.example.com --tcp=5432");
        assert_eq!(s["spec"]["ports"][0]["port"], 5432);
        assert_eq!(error("kubectl create service externalname payments"), "required flag(s) \"external-name\" not set");
        assert_eq!(
            error("kubectl create service externalname p --external-name=@oi:test"),
            "invalid service external name @oi:test"
        );
        assert!(error("kubectl create service clusterip web --tcp=80 --external-name=a.b").starts_with("unknown flag"));
        assert!(error("kubectl create service externalname p --external-name=a.b --node-port=3")
            .starts_with("unknown flag"));
    }
}
