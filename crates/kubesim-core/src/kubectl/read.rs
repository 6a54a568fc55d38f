//! The read-only verbs: `get`, `describe`, `top`, `cluster-info`, `wait`, and `rollout
//! status|history` (parsed by `rollout.rs`'s row, printed here). They change nothing: when
//! the entry's time comes, what kubectl would print at that virtual moment is appended to
//! the run's `kubectl.log` (after a `# t=30.000s $ kubectl get pods` header line), through
//! [`Sim::kubectl_print`]. The timeline never blocks: `rollout status` prints the status of
//! that moment, `wait` whether the condition holds then. A name that does not exist is
//! kubectl's NotFound in the log, not an error at load: pods are named when they are made.
//! The columns are the printers' in `printers.rs`.

use super::grammar::{label_selector, one_target, resource, Args, Flag};
use super::printers::{self, Query, Resource, View};
use super::{err, misrouted, Check, Failure, KError, KubectlCommand};
use crate::model::spec::{Kind, ObjectRef, Selector};
use crate::sim::Sim;

/// A read-only line: what it asks for, in the line's namespace.
#[derive(Clone, Debug, PartialEq)]
pub struct ReadSpec {
    /// The line as written, for kubectl.log's header.
    pub line: String,
    /// The row that runs it (`get`, `describe`, `rollout`, ...).
    pub verb: &'static str,
    pub namespace: String,
    pub what: Read,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Read {
    /// `get KIND[,KIND...] [NAME...]`, `get KIND/NAME...`, `get all`.
    Get {
        resources: Vec<ResourceName>,
        names: Vec<String>,
        all_namespaces: bool,
        selector: Option<Selector>,
        wide: bool,
        /// Names printed as `kind.group/name` (more than one kind, `get all`).
        prefixed: bool,
        /// `KIND/NAME` words: `resources[i]` goes with `names[i]`.
        paired: bool,
    },
    /// `describe pod|deployment|node NAME`.
    Describe {
        target: ObjectRef,
    },
    RolloutStatus {
        target: ObjectRef,
    },
    RolloutHistory {
        target: ObjectRef,
    },
    ClusterInfo,
    /// `wait --for=condition=available deployment/NAME [--timeout=D]`.
    Wait {
        target: ObjectRef,
        timeout: String,
    },
}

/// A kind `get` prints (a newtype so the spec stays comparable).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResourceName(pub(crate) Resource);

/// `get`'s flags.
pub(super) const GET_FLAGS: &[Flag] =
    &[Flag::value("output").short('o'), Flag::value("selector").short('l'), Flag::boolean("all-namespaces").short('A')];

fn namespace(args: &Args) -> String {
    args.value("namespace").unwrap_or_else(|| "default".into())
}

fn spec(verb: &'static str, args: &Args, what: Read) -> KubectlCommand {
    KubectlCommand::Read(ReadSpec { line: String::new(), verb, namespace: namespace(args), what })
}

/// The kinds a word names for `get`: `pods`, `deploy,svc`, `all`.
fn resources(word: &str) -> Result<Vec<Resource>, KError> {
    let mut out = Vec::new();
    for w in word.split(',') {
        if w == "all" {
            out.extend(Resource::ALL);
            continue;
        }
        if matches!(w, "namespaces" | "namespace" | "ns") {
            out.push(Resource::Namespaces);
            continue;
        }
        if matches!(w, "events" | "event" | "ev" | "events.events.k8s.io") {
            out.push(Resource::Events);
            continue;
        }
        let kind = resource(w)?.kind;
        match Resource::of(kind) {
            Some(r) => out.push(r),
            None => {
                return err(
                    format!("kubesim prints `get` for pods, deployments, replicasets, replicationcontrollers, services, nodes, namespaces, horizontalpodautoscalers, jobs, daemonsets, statefulsets, persistentvolumeclaims, persistentvolumes, storageclasses, resourcequotas, limitranges and events, not {}", kind.resource()),
                    None,
                )
            }
        }
    }
    Ok(out)
}

pub(super) fn parse_get(args: &Args) -> Result<KubectlCommand, KError> {
    let wide = match args.value("output").as_deref() {
        None => false,
        Some("wide") => true,
        Some(o) => {
            return err(
                format!("kubesim prints `get` as a table (`-o wide` or none), not -o {o}"),
                Some("the objects' full state is in events.csv, pods.csv and report.html".into()),
            )
        }
    };
    let selector = args.value("selector").map(|s| label_selector(&s)).transpose()?;
    let pos = &args.positional;
    let Some(first) = pos.first() else {
        return err(
            "You must specify the type of resource to get. Use \"kubectl api-resources\" for a complete list of supported resources.",
            None,
        );
    };
    // Names are prefixed with their kind when several kinds are asked for (cli-runtime
    // `resource.MultipleTypesRequested`: `all`, `a,b`, or `KIND/NAME` words of two kinds).
    let paired = first.contains('/');
    let (kinds, names, prefixed) = if paired {
        // `get pod/a deploy/b`: every word KIND/NAME.
        let mut kinds = Vec::new();
        let mut names = Vec::new();
        for p in pos {
            let Some((k, n)) = p.split_once('/') else {
                return err("there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'", None);
            };
            let [kind] = resources(k)?[..] else {
                return err(
                    format!("arguments in resource/name form must have a single resource and name: \"{p}\""),
                    None,
                );
            };
            kinds.push(kind);
            names.push(n.to_string());
        }
        let prefixed = kinds.iter().any(|k| *k != kinds[0]);
        (kinds, names, prefixed)
    } else {
        let mut kinds = resources(first)?;
        kinds.dedup();
        let prefixed = kinds.len() > 1 || first.split(',').any(|w| w == "all");
        (kinds, pos[1..].to_vec(), prefixed)
    };
    if !names.is_empty() && selector.is_some() {
        return err("error: selectors and the all flag cannot be used when passing resource/name arguments", None);
    }
    Ok(spec(
        "get",
        args,
        Read::Get {
            resources: kinds.into_iter().map(ResourceName).collect(),
            names,
            all_namespaces: args.on("all-namespaces"),
            selector,
            wide,
            prefixed,
            paired,
        },
    ))
}

pub(super) fn parse_describe(args: &Args) -> Result<KubectlCommand, KError> {
    let target = one_target(args)?;
    if !matches!(
        target.kind,
        Kind::Pod | Kind::Deployment | Kind::Node | Kind::HorizontalPodAutoscaler | Kind::CronJob | Kind::ResourceQuota
    ) {
        return err(
            format!(
                "kubesim describes pods, deployments, horizontalpodautoscalers, cronjobs, resourcequotas and nodes, not {}",
                target.kind.resource()
            ),
            Some("`kubectl get` prints the other kinds".into()),
        );
    }
    Ok(spec("describe", args, Read::Describe { target }))
}

/// `rollout status|history deployment/NAME` (from `rollout.rs`'s parse).
pub(super) fn parse_rollout(sub: &str, args: &Args) -> Result<KubectlCommand, KError> {
    let target = one_target(args)?;
    if target.kind != Kind::Deployment {
        return err(
            format!("kubesim supports `rollout {sub}` on deployments only, not {}", target.kind.resource()),
            None,
        );
    }
    let what = if sub == "status" { Read::RolloutStatus { target } } else { Read::RolloutHistory { target } };
    Ok(spec("rollout", args, what))
}

pub(super) fn parse_cluster_info(args: &Args) -> Result<KubectlCommand, KError> {
    if let Some(p) = args.positional.first() {
        return err(format!("kubesim has no `cluster-info {p}`: it prints `kubectl cluster-info` only"), None);
    }
    Ok(spec("cluster-info", args, Read::ClusterInfo))
}

pub(super) const WAIT_FLAGS: &[Flag] = &[Flag::value("for"), Flag::value("timeout")];

pub(super) fn parse_wait(args: &Args) -> Result<KubectlCommand, KError> {
    let target = one_target(args)?;
    match args.value("for") {
        None => return err("--for must be specified", None),
        Some(c) if c.eq_ignore_ascii_case("condition=available") && target.kind == Kind::Deployment => {}
        Some(c) => {
            return err(
                format!(
                    "kubesim waits for --for=condition=available on a deployment only, not --for={c} on {}",
                    target.kind.resource()
                ),
                None,
            )
        }
    }
    let timeout = args.value("timeout").unwrap_or_else(|| "30s".into());
    Ok(spec("wait", args, Read::Wait { target, timeout }))
}

/// At load: nothing to resolve (a missing name is kubectl's NotFound when the line runs).
pub(super) fn check(command: KubectlCommand, _: &mut Check) -> Option<KubectlCommand> {
    Some(command)
}

/// When the line runs: what kubectl prints, appended to kubectl.log.
pub(super) fn effect(sim: &mut Sim, command: &KubectlCommand) -> Vec<Failure> {
    let KubectlCommand::Read(spec) = command else { return misrouted("read", command) };
    let text = sim.with_view(|v| print(v, spec));
    sim.kubectl_print(&spec.line, &text);
    Vec::new()
}

/// What kubectl prints for `spec` at the view's moment.
pub(crate) fn print(v: &View, spec: &ReadSpec) -> String {
    let ns = spec.namespace.as_str();
    match &spec.what {
        Read::Get { resources, names, all_namespaces, selector, wide, prefixed, paired } => {
            let q = Query {
                namespace: ns,
                all_namespaces: *all_namespaces,
                selector: selector.as_ref(),
                names: names.as_slice(),
                wide: *wide,
            };
            let kinds: Vec<Resource> = resources.iter().map(|r| r.0).collect();
            if names.is_empty() {
                return printers::get(v, &kinds, &q, *prefixed);
            }
            // Named objects: each kind with its names (`KIND/NAME` words pair them).
            let mut errors = String::new();
            let mut found = String::new();
            let pairs: Vec<(Resource, Vec<String>)> = if *paired {
                kinds.iter().zip(names).map(|(k, n)| (*k, vec![n.clone()])).collect()
            } else {
                kinds.iter().map(|k| (*k, names.clone())).collect()
            };
            let mut tables = Vec::new();
            for (r, names) in pairs {
                let q = Query { names: &names, ..q };
                errors.push_str(&printers::missing(v, r, &q));
                let (_, rows) = printers::rows(v, r, &q);
                if !rows.is_empty() {
                    tables.push(printers::get(v, &[r], &q, *prefixed));
                }
            }
            found.push_str(&tables.join("\n"));
            found + &errors
        }
        Read::Describe { target } => describe(v, ns, target),
        Read::RolloutStatus { target } => printers::rollout_status(v, ns, &target.name),
        Read::RolloutHistory { target } => printers::rollout_history(v, ns, &target.name),
        Read::ClusterInfo => printers::cluster_info(),
        Read::Wait { target, timeout } => match v.store.find_deployment(ns, &target.name) {
            None => format!("Error from server (NotFound): deployments.apps \"{}\" not found\n", target.name),
            Some(d) if printers::available(v, d) => format!("deployment.apps/{} condition met\n", target.name),
            // The timeline does not wait: the condition does not hold now, so kubectl's
            // timeout (cmd/wait/wait.go `errWaitTimeoutWithName`), whatever --timeout says.
            Some(_) => {
                let _ = timeout;
                format!("error: timed out waiting for the condition on deployments/{}\n", target.name)
            }
        },
    }
}

/// `describe KIND NAME`; a name no object has describes the objects whose names start with
/// it, as kubectl does (describe.go `DescribeMatchingResources`: `describe pod web` after
/// `create deployment web`), separated by blank lines; NotFound when none does.
fn describe(v: &View, ns: &str, target: &ObjectRef) -> String {
    let one = |name: &str| match target.kind {
        Kind::Pod => printers::describe_pod(v, ns, name),
        Kind::Deployment => printers::describe_deployment(v, ns, name),
        Kind::HorizontalPodAutoscaler => printers::describe_hpa(v, ns, name),
        Kind::CronJob => printers::describe_cron_job(v, ns, name),
        Kind::ResourceQuota => printers::describe_quota(v, ns, name),
        _ => printers::describe_node(v, name),
    };
    // `parse_describe` lets only pods, deployments, HPAs and nodes through.
    let Some(resource) = printers::Resource::of(target.kind) else {
        return format!(
            "error: kubesim describes pods, deployments, horizontalpodautoscalers, cronjobs and nodes, not {}\n",
            target.kind.resource()
        );
    };
    let q = Query { namespace: ns, all_namespaces: false, selector: None, names: &[], wide: false };
    let (_, rows) = printers::rows(v, resource, &q);
    if rows.iter().any(|(_, name, _)| *name == target.name) {
        return one(&target.name);
    }
    let matching: Vec<String> =
        rows.iter().filter(|(_, name, _)| name.starts_with(&target.name)).map(|(_, name, _)| one(name)).collect();
    if matching.is_empty() {
        return format!("Error from server (NotFound): {} \"{}\" not found\n", resource.plural(), target.name);
    }
    matching.join("\n\n")
}
