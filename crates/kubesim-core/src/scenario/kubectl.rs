//! `kubectl ...` lines of the timeline: shell-like splitting and the grammar of each verb.

use super::kinds::{self, KindInfo};
use super::suggest::did_you_mean;
use super::validate::{self, MAX_REPLICAS};
use crate::model::spec::{DrainSpec, Kind, Labels, ServiceType, Taint, TaintEffect, TargetPort};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RolloutAction {
    Undo,
    Pause,
    Resume,
    Restart,
}

pub(crate) type Target = (Kind, String);

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Cmd {
    Apply {
        files: Vec<String>,
        create: bool,
    },
    DeleteFiles {
        files: Vec<String>,
    },
    Delete {
        targets: Vec<Target>,
    },
    Scale {
        target: Target,
        replicas: i32,
    },
    SetImage {
        target: Target,
        images: Vec<(String, String)>,
    },
    Rollout {
        action: RolloutAction,
        target: Target,
        to_revision: Option<i64>,
    },
    /// `cordon NODE` (`on`) or `uncordon NODE`.
    Cordon {
        node: String,
        on: bool,
    },
    /// `taint nodes NODE key=value:Effect key:Effect- key- ...`.
    Taint {
        node: String,
        add: Vec<Taint>,
        remove: Vec<(String, Option<TaintEffect>)>,
        overwrite: bool,
    },
    /// `label nodes NODE key=value key- ... [--overwrite]`.
    Label {
        node: String,
        set: Vec<(String, String)>,
        remove: Vec<String>,
        overwrite: bool,
    },
    /// `expose KIND/NAME [--port=P[,P2]] [--target-port=T] [--type=T] [--name=N] [--selector=k=v]`.
    Expose {
        target: Target,
        /// `--port` (empty: from the target's container ports, when it has some).
        ports: Vec<i32>,
        target_port: Option<TargetPort>,
        service_type: ServiceType,
        name: Option<String>,
        selector: Option<Labels>,
    },
    /// `drain NODE [--ignore-daemonsets] [--delete-emptydir-data] [--force] [--grace-period=N]
    /// [--timeout=D]`.
    Drain(DrainSpec),
    /// `autoscale KIND/NAME --max=N [--min=N] [--cpu-percent=P] [--name=NAME]`.
    Autoscale {
        target: Target,
        min: Option<i32>,
        max: i32,
        cpu_percent: Option<i32>,
        name: Option<String>,
    },
    /// `argo rollouts promote NAME [--full]`, `abort NAME`, `retry rollout NAME`
    /// (`set image NAME C=IMAGE` becomes [`Cmd::SetImage`] on the rollout).
    Argo {
        action: ArgoAction,
        name: String,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ArgoAction {
    Promote { full: bool },
    Abort,
    Retry,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Line {
    pub cmd: Cmd,
    pub namespace: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct KError {
    pub message: String,
    pub help: Option<String>,
}

fn err<T>(message: impl Into<String>, help: Option<String>) -> Result<T, KError> {
    Err(KError { message: message.into(), help })
}

const VERBS: &[&str] = &[
    "apply",
    "create",
    "delete",
    "scale",
    "set",
    "rollout",
    "cordon",
    "uncordon",
    "drain",
    "taint",
    "label",
    "expose",
    "autoscale",
    "argo",
];

/// Splits like a POSIX shell: whitespace, 'single' and "double" quotes, backslash escapes.
pub(crate) fn split(line: &str) -> Result<Vec<String>, KError> {
    let mut out = Vec::new();
    let mut cur: Option<String> = None;
    let mut chars = line.chars();
    while let Some(ch) = chars.next() {
        match ch {
            c if c.is_whitespace() => out.extend(cur.take()),
            '\'' => {
                let s = cur.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => s.push(c),
                        None => return err("unterminated single quote", None),
                    }
                }
            }
            '"' => {
                let s = cur.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => s.extend(chars.next()),
                        Some(c) => s.push(c),
                        None => return err("unterminated double quote", None),
                    }
                }
            }
            '\\' => cur.get_or_insert_with(String::new).extend(chars.next()),
            c => cur.get_or_insert_with(String::new).push(c),
        }
    }
    out.extend(cur);
    Ok(out)
}

/// Flags and positional arguments of one command line.
#[derive(Default)]
struct Args {
    positional: Vec<String>,
    flags: Vec<(String, String)>,
}

impl Args {
    fn values(&self, name: &str) -> Vec<String> {
        self.flags.iter().filter(|(n, _)| n == name).map(|(_, v)| v.clone()).collect()
    }
    fn value(&self, name: &str) -> Option<String> {
        self.values(name).pop()
    }
}

/// (long name, short name) of the flags a verb takes; all but the boolean ones (see
/// [`is_bool_flag`]) take a value.
fn verb_flags(verb: &str) -> &'static [(&'static str, Option<char>)] {
    match verb {
        "apply" | "create" | "delete" => &[("filename", Some('f')), ("namespace", Some('n'))],
        "scale" => &[("replicas", None), ("namespace", Some('n'))],
        "autoscale" => &[("min", None), ("max", None), ("cpu-percent", None), ("name", None), ("namespace", Some('n'))],
        "rollout" => &[("to-revision", None), ("namespace", Some('n'))],
        "argo" => &[("full", None), ("namespace", Some('n'))],
        "label" | "taint" => &[("overwrite", None), ("namespace", Some('n'))],
        "expose" => &[
            ("port", None),
            ("target-port", None),
            ("type", None),
            ("name", None),
            ("selector", None),
            ("protocol", None),
            ("namespace", Some('n')),
        ],
        "drain" => &[
            ("ignore-daemonsets", None),
            ("delete-emptydir-data", None),
            ("delete-local-data", None),
            ("force", None),
            ("grace-period", None),
            ("timeout", None),
            ("namespace", Some('n')),
        ],
        _ => &[("namespace", Some('n'))],
    }
}

/// Boolean flags: `--overwrite` alone means true; `--overwrite=false` is accepted too.
fn is_bool_flag(name: &str) -> bool {
    matches!(name, "overwrite" | "ignore-daemonsets" | "delete-emptydir-data" | "delete-local-data" | "force" | "full")
}

fn parse_args(tokens: &[String], verb: &str) -> Result<Args, KError> {
    let flags = verb_flags(verb);
    let mut args = Args::default();
    let mut it = tokens.iter();
    while let Some(t) = it.next() {
        let (name, inline) = if let Some(long) = t.strip_prefix("--") {
            let (n, v) = long.split_once('=').map_or((long, None), |(n, v)| (n, Some(v.to_string())));
            if !flags.iter().any(|(l, _)| *l == n) {
                let help =
                    super::suggest::closest(n, flags.iter().map(|(l, _)| *l)).map(|c| format!("did you mean `--{c}`?"));
                return err(format!("unknown flag: --{n} (kubesim supports only {} here)", list_flags(flags)), help);
            }
            (n.to_string(), v)
        } else if t.len() > 1 && t.starts_with('-') {
            let mut cs = t.chars().skip(1);
            let c = cs.next().unwrap_or('-');
            let rest: String = cs.collect();
            let Some((long, _)) = flags.iter().find(|(_, s)| *s == Some(c)) else {
                return err(
                    format!("unknown shorthand flag: '{c}' in {t} (kubesim supports only {} here)", list_flags(flags)),
                    None,
                );
            };
            let rest = rest.strip_prefix('=').map(str::to_string).unwrap_or(rest);
            (long.to_string(), (!rest.is_empty()).then_some(rest))
        } else {
            args.positional.push(t.clone());
            continue;
        };
        let value = match inline {
            Some(v) if is_bool_flag(&name) => match v.as_str() {
                "true" | "1" | "t" | "T" | "TRUE" | "True" => "true".to_string(),
                "false" | "0" | "f" | "F" | "FALSE" | "False" => "false".to_string(),
                _ => {
                    return err(
                        format!("invalid argument \"{v}\" for \"--{name}\" flag: strconv.ParseBool: parsing \"{v}\": invalid syntax"),
                        None,
                    )
                }
            },
            None if is_bool_flag(&name) => "true".to_string(),
            Some(v) => v,
            None => match it.next() {
                Some(v) => v.clone(),
                None => return err(format!("flag needs an argument: --{name}"), None),
            },
        };
        args.flags.push((name, value));
    }
    Ok(args)
}

fn list_flags(flags: &[(&str, Option<char>)]) -> String {
    let v: Vec<String> = flags
        .iter()
        .map(|(l, s)| match s {
            Some(s) => format!("-{s}/--{l}"),
            None => format!("--{l}"),
        })
        .collect();
    v.join(", ")
}

/// Parses a `run:` line (with or without the leading `kubectl`).
pub(crate) fn parse_line(line: &str) -> Result<Line, KError> {
    let mut tokens = split(line)?;
    if tokens.first().map(String::as_str) == Some("kubectl") {
        tokens.remove(0);
    }
    let Some(vi) = verb_index(&tokens) else {
        return err("no kubectl command given", Some("e.g. `kubectl scale deployment/web --replicas=3`".into()));
    };
    let verb = tokens.remove(vi);
    if !VERBS.contains(&verb.as_str()) {
        let help = did_you_mean(&verb, VERBS.iter().copied());
        return err(
            format!("unknown command \"{verb}\" for \"kubectl\" (kubesim supports {})", VERBS.join(", ")),
            help,
        );
    }
    let args = parse_args(&tokens, &verb)?;
    let namespace = args.value("namespace");
    let cmd = match verb.as_str() {
        "apply" | "create" => apply(&args, verb == "create")?,
        "delete" => delete(&args)?,
        "scale" => scale(&args)?,
        "set" => set_image(&args)?,
        "cordon" | "uncordon" => cordon(&args, &verb)?,
        "drain" => drain(&args)?,
        "taint" => taint(&args)?,
        "label" => label(&args)?,
        "expose" => expose(&args)?,
        "autoscale" => autoscale(&args)?,
        "argo" => argo(&args)?,
        _ => rollout(&args)?,
    };
    Ok(Line { cmd, namespace })
}

/// The verb: the first word that is neither a flag nor the value of `-n`.
fn verb_index(tokens: &[String]) -> Option<usize> {
    let mut i = 0;
    while i < tokens.len() {
        let t = tokens[i].as_str();
        if t == "-n" || t == "--namespace" {
            i += 2;
        } else if t.starts_with('-') {
            i += 1;
        } else {
            return Some(i);
        }
    }
    None
}

fn apply(args: &Args, create: bool) -> Result<Cmd, KError> {
    let files = args.values("filename");
    if let Some(extra) = args.positional.first() {
        let what = if create { "create" } else { "apply" };
        return err(format!("unexpected argument \"{extra}\": kubesim supports `{what} -f FILE`"), None);
    }
    if files.is_empty() {
        return err("must specify -f FILE (the manifest to apply, relative to the scenario file)", None);
    }
    Ok(Cmd::Apply { files, create })
}

fn resource(word: &str) -> Result<&'static KindInfo, KError> {
    kinds::by_resource(word).ok_or_else(|| KError {
        message: format!("the server doesn't have a resource type \"{word}\""),
        help: did_you_mean(&word.to_ascii_lowercase(), kinds::resource_names()),
    })
}

/// `KIND/NAME` or `KIND NAME`: exactly one target.
fn one_target(args: &Args) -> Result<Target, KError> {
    let pos = &args.positional;
    let (kind, name, used) = match pos.first() {
        None => return err("you must specify the type of resource and its name, like deployment/web", None),
        Some(p) if p.contains('/') => {
            let (k, n) = p.split_once('/').unwrap_or((p, ""));
            (k.to_string(), n.to_string(), 1)
        }
        Some(k) => match pos.get(1) {
            Some(n) => (k.clone(), n.clone(), 2),
            None => return err(format!("resource(s) were provided, but no name was specified: \"{k}\""), None),
        },
    };
    if let Some(extra) = pos.get(used) {
        return err(format!("unexpected argument \"{extra}\": one resource at a time, like deployment/web"), None);
    }
    if name.is_empty() {
        return err(format!("arguments in resource/name form must have a single resource and name: \"{kind}/\""), None);
    }
    Ok((resource(&kind)?.kind, name))
}

fn delete(args: &Args) -> Result<Cmd, KError> {
    let files = args.values("filename");
    let pos = &args.positional;
    if !files.is_empty() {
        if let Some(extra) = pos.first() {
            return err(format!("unexpected argument \"{extra}\" with -f"), None);
        }
        return Ok(Cmd::DeleteFiles { files });
    }
    let Some(first) = pos.first() else {
        return err("you must specify the type of resource to delete and its name, or -f FILE", None);
    };
    let mut targets = Vec::new();
    if first.contains('/') {
        for p in pos {
            match p.split_once('/') {
                Some((k, n)) if !n.is_empty() && !n.contains('/') => targets.push((resource(k)?.kind, n.to_string())),
                _ => return err(format!("there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl delete deployment/web'): \"{p}\""), None),
            }
        }
    } else {
        let kind = resource(first)?.kind;
        if pos.len() < 2 {
            return err(format!("resource(s) were provided, but no name was specified: \"{first}\""), None);
        }
        targets.extend(pos.iter().skip(1).map(|n| (kind, n.clone())));
    }
    Ok(Cmd::Delete { targets })
}

fn scale(args: &Args) -> Result<Cmd, KError> {
    let target = one_target(args)?;
    if !matches!(
        target.0,
        Kind::Deployment | Kind::ReplicaSet | Kind::ReplicationController | Kind::StatefulSet | Kind::Rollout
    ) {
        return err(
            format!(
                "cannot scale a {}: kubesim scales deployments, replicasets, replicationcontrollers, statefulsets and rollouts",
                target.0.resource()
            ),
            None,
        );
    }
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
    Ok(Cmd::Scale { target, replicas: i32::try_from(n).unwrap_or(i32::MAX) })
}

/// kubectl autoscale's checks (AutoscaleOptions.Validate), in its words.
fn autoscale(args: &Args) -> Result<Cmd, KError> {
    let target = one_target(args)?;
    if !matches!(target.0, Kind::Deployment | Kind::ReplicaSet | Kind::StatefulSet) {
        return err(
            format!(
                "cannot autoscale a {}: kubesim autoscales deployments, replicasets and statefulsets",
                target.0.resource()
            ),
            None,
        );
    }
    let number = |flag: &str| -> Result<Option<i64>, KError> {
        match args.value(flag) {
            None => Ok(None),
            Some(v) => v.parse::<i64>().map(Some).map_err(|_| KError {
                message: format!(
                    "invalid argument \"{v}\" for \"--{flag}\" flag: strconv.ParseInt: parsing \"{v}\": invalid syntax"
                ),
                help: None,
            }),
        }
    };
    let (min, max, cpu) = (number("min")?, number("max")?.unwrap_or(-1), number("cpu-percent")?);
    if max < 1 {
        return err(format!("--max=MAXPODS is required and must be at least 1, max: {max}"), None);
    }
    if let Some(min) = min.filter(|m| *m > max) {
        return err(format!("--max=MAXPODS must be larger or equal to --min=MINPODS, max: {max}, min: {min}"), None);
    }
    if min == Some(0) {
        return err("The HorizontalPodAutoscaler is invalid: spec.minReplicas: Invalid value: 0: must be greater than or equal to 1", None);
    }
    if cpu == Some(0) {
        return err("The HorizontalPodAutoscaler is invalid: spec.metrics[0].resource.target.averageUtilization: Invalid value: 0: must be greater than 0", None);
    }
    if max > MAX_REPLICAS {
        return err(format!("--max={max} is more than kubesim's limit of {MAX_REPLICAS} replicas per workload"), None);
    }
    let clamp = |n: i64| i32::try_from(n).unwrap_or(i32::MAX);
    Ok(Cmd::Autoscale {
        target,
        // kubectl's -1 means unset.
        min: min.filter(|m| *m >= 0).map(clamp),
        max: clamp(max),
        cpu_percent: cpu.filter(|c| *c >= 0).map(clamp),
        name: args.value("name"),
    })
}

fn set_image(args: &Args) -> Result<Cmd, KError> {
    let mut rest = Args { positional: args.positional.clone(), flags: Vec::new() };
    let sub = if rest.positional.is_empty() { String::new() } else { rest.positional.remove(0) };
    if sub != "image" {
        return err(
            format!("unknown command \"{sub}\" for \"kubectl set\" (kubesim supports `set image`)"),
            did_you_mean(&sub, ["image"]),
        );
    }
    let pairs: Vec<String> = rest.positional.iter().filter(|p| p.contains('=')).cloned().collect();
    rest.positional.retain(|p| !p.contains('='));
    let target = one_target(&rest)?;
    if !matches!(target.0, Kind::Deployment | Kind::DaemonSet | Kind::StatefulSet | Kind::Rollout) {
        return err(
            format!(
                "kubesim supports `set image` on deployments, daemonsets and statefulsets (and rollouts with `kubectl argo rollouts set image`), not {}",
                target.0.resource()
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
    Ok(Cmd::SetImage { target, images })
}

fn rollout(args: &Args) -> Result<Cmd, KError> {
    let mut rest = Args { positional: args.positional.clone(), flags: Vec::new() };
    let sub = if rest.positional.is_empty() { String::new() } else { rest.positional.remove(0) };
    let action = match sub.as_str() {
        "undo" => RolloutAction::Undo,
        "pause" => RolloutAction::Pause,
        "resume" => RolloutAction::Resume,
        "restart" => RolloutAction::Restart,
        "status" | "history" => {
            return err(format!("`rollout {sub}` only prints; it has no effect on a timeline"), None)
        }
        _ => {
            let subs = ["undo", "pause", "resume", "restart"];
            return err(
                format!(
                    "unknown command \"{sub}\" for \"kubectl rollout\" (kubesim supports undo, pause, resume, restart)"
                ),
                did_you_mean(&sub, subs),
            );
        }
    };
    let target = one_target(&rest)?;
    if target.0 != Kind::Deployment {
        return err(format!("kubesim supports `rollout {sub}` on deployments only, not {}", target.0.resource()), None);
    }
    let to_revision = match args.value("to-revision") {
        None => None,
        Some(_) if action != RolloutAction::Undo => {
            return err("unknown flag: --to-revision (only `rollout undo` takes it)", None)
        }
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
    Ok(Cmd::Rollout { action, target, to_revision: to_revision.filter(|n| *n > 0) })
}

/// `argo rollouts promote NAME [--full] | abort NAME | retry rollout NAME | set image NAME
/// CONTAINER=IMAGE...`: the kubectl-argo-rollouts plugin's verbs that change a Rollout.
fn argo(args: &Args) -> Result<Cmd, KError> {
    let mut pos = args.positional.clone().into_iter();
    if pos.next().as_deref() != Some("rollouts") {
        return err(
            "kubesim supports the Argo Rollouts plugin as `kubectl argo rollouts promote|abort|retry|set image NAME`",
            None,
        );
    }
    let sub = pos.next().unwrap_or_default();
    let mut rest: Vec<String> = pos.collect();
    let full = args.value("full").is_some_and(|v| v == "true");
    if full && sub != "promote" {
        return err(format!("unknown flag: --full (only `argo rollouts promote` takes it, not `{sub}`)"), None);
    }
    let action = match sub.as_str() {
        "promote" => ArgoAction::Promote { full },
        "abort" => ArgoAction::Abort,
        "retry" => {
            if rest.first().map(String::as_str) == Some("rollout") {
                rest.remove(0);
            }
            ArgoAction::Retry
        }
        "set" => {
            let mut set = Args { positional: rest.clone(), flags: Vec::new() };
            if let Some(i) = set.positional.iter().position(|p| !p.contains('=')).filter(|_| rest.len() > 1) {
                // `set image NAME C=I`: the name is the word after `image`.
                let name = set.positional.remove(i + 1);
                set.positional.insert(i + 1, format!("rollout/{name}"));
            }
            return set_image(&set);
        }
        _ => {
            let subs = ["promote", "abort", "retry", "set"];
            return err(
                format!("unknown command \"{sub}\" for \"kubectl argo rollouts\" (kubesim supports promote, abort, retry, set image)"),
                did_you_mean(&sub, subs),
            );
        }
    };
    match rest.as_slice() {
        [name] if !name.is_empty() => Ok(Cmd::Argo { action, name: name.clone() }),
        [] => err(format!("`argo rollouts {sub}` needs the Rollout's NAME"), None),
        [_, extra, ..] => err(format!("unexpected argument \"{extra}\": one Rollout at a time"), None),
        _ => err(format!("`argo rollouts {sub}` needs the Rollout's NAME"), None),
    }
}

/// `expose (TYPE NAME | TYPE/NAME) [--port=P] [--target-port=T] [--type=T] [--name=N]
/// [--selector=k=v,...] [--protocol=TCP]`, as kubectl's expose command takes it.
fn expose(args: &Args) -> Result<Cmd, KError> {
    if args.positional.is_empty() {
        return err(
            "You must provide one or more resources by argument or filename.",
            Some("e.g. `kubectl expose deployment web --port=80`".into()),
        );
    }
    let target = one_target(args)?;
    if !matches!(
        target.0,
        Kind::Pod | Kind::Service | Kind::ReplicationController | Kind::Deployment | Kind::ReplicaSet
    ) {
        let info = kinds::info(target.0);
        let group = info.group_resource.split_once('.').map(|(_, g)| format!(".{g}")).unwrap_or_default();
        return err(
            format!("cannot expose a {}{group}", info.name),
            Some("kubectl exposes pods, services, replicationcontrollers, deployments and replicasets".into()),
        );
    }
    let name = args.value("name").filter(|n| !n.is_empty());
    let shown = name.clone().unwrap_or_else(|| target.1.clone());
    let invalid = |msg: String| err(format!("The Service \"{shown}\" is invalid: {msg}"), None);
    if !validate::is_dns1035_label(&shown) {
        return invalid(format!("metadata.name: Invalid value: \"{shown}\": {}", validate::DNS1035_MSG));
    }
    let mut ports = Vec::new();
    for (i, p) in args.value("port").unwrap_or_default().split(',').filter(|p| !p.is_empty()).enumerate() {
        let Ok(n) = p.parse::<i32>() else {
            return err(format!("strconv.Atoi: parsing \"{p}\": invalid syntax"), None);
        };
        if !(1..=65535).contains(&n) {
            return invalid(format!("spec.ports[{i}].port: Invalid value: {n}: {}", validate::PORT_RANGE_MSG));
        }
        ports.push(n);
    }
    let target_port = match args.value("target-port").filter(|t| !t.is_empty()) {
        None => None,
        Some(t) if t.bytes().all(|b| b.is_ascii_digit()) => match t.parse::<i32>() {
            Ok(n) if (1..=65535).contains(&n) => Some(TargetPort::Number(n)),
            _ => return invalid(format!("spec.ports[0].targetPort: Invalid value: {t}: {}", validate::PORT_RANGE_MSG)),
        },
        Some(t) => {
            if let Some(msg) = validate::port_name_errors(&t).first() {
                return invalid(format!("spec.ports[0].targetPort: Invalid value: \"{t}\": {msg}"));
            }
            Some(TargetPort::Name(t))
        }
    };
    let service_type = match args.value("type").as_deref() {
        None | Some("ClusterIP") => ServiceType::ClusterIP,
        Some("NodePort") => ServiceType::NodePort,
        Some("LoadBalancer") => ServiceType::LoadBalancer,
        Some(other) => {
            let all = ["ClusterIP", "LoadBalancer", "NodePort"];
            return err(
                format!("The Service \"{shown}\" is invalid: spec.type: Unsupported value: \"{other}\": supported values: \"ClusterIP\", \"LoadBalancer\", \"NodePort\""),
                did_you_mean(other, all),
            );
        }
    };
    if let Some(p) = args.value("protocol").filter(|p| !["TCP", "UDP", "SCTP"].contains(&p.as_str())) {
        return invalid(format!(
            "spec.ports[0].protocol: Unsupported value: \"{p}\": supported values: \"SCTP\", \"TCP\", \"UDP\""
        ));
    }
    let selector = match args.value("selector") {
        None => None,
        Some(s) => Some(selector(&s)?),
    };
    Ok(Cmd::Expose { target, ports, target_port, service_type, name, selector })
}

/// `--selector=k=v,k2=v2`: equality only, as a Service's selector is.
fn selector(s: &str) -> Result<Labels, KError> {
    let mut out = Labels::new();
    for part in s.split(',') {
        let Some((k, v)) = part.split_once('=') else {
            return err(
                format!(
                    "invalid --selector \"{s}\": a Service selects pods by key=value pairs, like app=web,tier=front"
                ),
                None,
            );
        };
        let (k, v) = (k.trim(), v.trim().trim_start_matches('='));
        let errs: Vec<String> =
            validate::qualified_name_errors(k).into_iter().chain(validate::label_value_errors(v)).collect();
        if let Some(e) = errs.first() {
            return err(format!("invalid --selector \"{s}\": {part}: {e}"), None);
        }
        out.insert(k.to_string(), v.to_string());
    }
    Ok(out)
}

/// A node named as `NAME`, `node/NAME`, `nodes/NAME` or `no/NAME`.
fn node_name(word: &str) -> Result<String, KError> {
    match word.split_once('/') {
        None => Ok(word.to_string()),
        Some((k, n)) => {
            let info = resource(k)?;
            if info.kind != Kind::Node {
                return err(format!("invalid resource type {k}, only node types are supported"), None);
            }
            if n.is_empty() {
                return err(
                    format!("arguments in resource/name form must have a single resource and name: \"{word}\""),
                    None,
                );
            }
            Ok(n.to_string())
        }
    }
}

fn one_node_only(verb: &str, extra: &str) -> Result<Cmd, KError> {
    err(
        format!("unexpected argument \"{extra}\": kubesim's `{verb}` takes one node at a time"),
        Some("write one timeline entry per node".into()),
    )
}

/// `cordon NODE` / `uncordon NODE`.
fn cordon(args: &Args, verb: &str) -> Result<Cmd, KError> {
    match args.positional.as_slice() {
        [] => err(format!("USAGE: {verb} NODE [flags]"), None),
        [n] => Ok(Cmd::Cordon { node: node_name(n)?, on: verb == "cordon" }),
        [_, extra, ..] => one_node_only(verb, extra),
    }
}

/// `drain NODE [flags]`, as kubectl's drain command parses its flags.
fn drain(args: &Args) -> Result<Cmd, KError> {
    let node = match args.positional.as_slice() {
        [] => {
            return err("USAGE: drain NODE [flags]", Some("e.g. `kubectl drain worker-1 --ignore-daemonsets`".into()))
        }
        [n] => node_name(n)?,
        [_, extra, ..] => return one_node_only("drain", extra),
    };
    let on = |name: &str| args.value(name).is_some_and(|v| v == "true");
    let grace_period = match args.value("grace-period") {
        None => None,
        Some(v) => match v.parse::<i64>() {
            Ok(n) if n < 0 => None,
            Ok(n) => Some(n),
            Err(_) => {
                let why = if !v.is_empty() && v.trim_start_matches('-').bytes().all(|b| b.is_ascii_digit()) {
                    "value out of range"
                } else {
                    "invalid syntax"
                };
                return err(
                    format!("invalid argument \"{v}\" for \"--grace-period\" flag: strconv.ParseInt: parsing \"{v}\": {why}"),
                    Some("--grace-period takes whole seconds, like --grace-period=30 (-1: each pod's own)".into()),
                );
            }
        },
    };
    let timeout = match args.value("timeout") {
        None => None,
        Some(v) if v.starts_with('-') => {
            return err(
                format!("invalid argument \"{v}\" for \"--timeout\" flag: a timeout may not be negative"),
                Some("0s waits forever".into()),
            )
        }
        Some(v) => match super::duration::parse_duration(&v) {
            Ok(d) => Some(d).filter(|d| *d > crate::engine::SimDuration::ZERO),
            Err(_) => {
                return err(
                    format!("invalid argument \"{v}\" for \"--timeout\" flag: time: invalid duration \"{v}\""),
                    Some("a Go duration like 90s, 5m or 1h30m (0s waits forever)".into()),
                )
            }
        },
    };
    Ok(Cmd::Drain(DrainSpec {
        node,
        ignore_daemonsets: on("ignore-daemonsets"),
        delete_emptydir_data: on("delete-emptydir-data") || on("delete-local-data"),
        force: on("force"),
        grace_period,
        timeout,
    }))
}

/// `taint nodes NODE SPEC...`, as kubectl's taint command parses it.
fn taint(args: &Args) -> Result<Cmd, KError> {
    let overwrite = args.value("overwrite").is_some_and(|v| v == "true");
    let mut resources = Vec::new();
    let mut specs = Vec::new();
    for s in &args.positional {
        let is_taint = s.contains('=') || s.contains(':') || s.ends_with('-');
        match (specs.is_empty(), is_taint) {
            (_, true) => specs.push(s.as_str()),
            (true, false) => resources.push(s.as_str()),
            (false, false) => return err(format!("all resources must be specified before taint changes: {s}"), None),
        }
    }
    if resources.len() < 2 {
        return err(
            "at least one resource name must be specified since 'all' parameter is not set",
            Some("e.g. `kubectl taint nodes worker-1 dedicated=gpu:NoSchedule`".into()),
        );
    }
    let info = resource(resources[0])?;
    if info.kind != Kind::Node {
        return err(format!("invalid resource type {}, only node types are supported", resources[0]), None);
    }
    if let Some(extra) = resources.get(2) {
        return one_node_only("taint", extra);
    }
    let (add, remove) = parse_taints(&specs)?;
    if add.is_empty() && remove.is_empty() {
        return err("at least one taint update is required", None);
    }
    let mut conflicts = Vec::new();
    for a in &add {
        for (key, effect) in &remove {
            if a.key == *key && effect.is_none_or(|e| e == a.effect) {
                conflicts.push(format!("{key}={}", effect.map_or("", effect_name)));
            }
        }
    }
    if !conflicts.is_empty() {
        return err(
            format!(
                "can not both modify and remove the following taint(s) in the same command: {}",
                conflicts.join(", ")
            ),
            None,
        );
    }
    Ok(Cmd::Taint { node: resources[1].to_string(), add, remove, overwrite })
}

pub(crate) fn effect_name(e: TaintEffect) -> &'static str {
    match e {
        TaintEffect::NoSchedule => "NoSchedule",
        TaintEffect::PreferNoSchedule => "PreferNoSchedule",
        TaintEffect::NoExecute => "NoExecute",
    }
}

type TaintChanges = (Vec<Taint>, Vec<(String, Option<TaintEffect>)>);

/// kubectl's parseTaints: `key=value:Effect` or `key:Effect` to add, `key[:Effect]-` to remove.
fn parse_taints(specs: &[&str]) -> Result<TaintChanges, KError> {
    let mut add: Vec<Taint> = Vec::new();
    let mut remove = Vec::new();
    for spec in specs {
        if let Some(rest) = spec.strip_suffix('-') {
            let (key, _, effect) = parse_taint(rest)?;
            remove.push((key, effect));
            continue;
        }
        let (key, value, effect) = parse_taint(spec)?;
        let Some(effect) = effect else {
            return err(format!("invalid taint spec: {spec}"), Some("expected key=value:Effect or key:Effect".into()));
        };
        if add.iter().any(|t| t.key == key && t.effect == effect) {
            return err(
                format!(
                    "duplicated taints with the same key and effect: {{{key} {value} {} <nil>}}",
                    effect_name(effect)
                ),
                None,
            );
        }
        add.push(Taint { key, value, effect });
    }
    Ok((add, remove))
}

/// kubectl's parseTaint: `key=value:effect`, `key:effect` or `key`.
fn parse_taint(st: &str) -> Result<(String, String, Option<TaintEffect>), KError> {
    let parts: Vec<&str> = st.split(':').collect();
    let (key, value, effect) = match parts.as_slice() {
        [key] => (key.to_string(), String::new(), None),
        [kv, effect] => {
            let effect = match *effect {
                "NoSchedule" => TaintEffect::NoSchedule,
                "PreferNoSchedule" => TaintEffect::PreferNoSchedule,
                "NoExecute" => TaintEffect::NoExecute,
                other => {
                    return err(
                        format!("invalid taint effect: {other}, unsupported taint effect"),
                        did_you_mean(other, ["NoSchedule", "PreferNoSchedule", "NoExecute"])
                            .or_else(|| Some("the effects are NoSchedule, PreferNoSchedule and NoExecute".into())),
                    )
                }
            };
            let kv: Vec<&str> = kv.split('=').collect();
            let (key, value) = match kv.as_slice() {
                [k] => (k.to_string(), String::new()),
                [k, v] => {
                    let errs = validate::label_value_errors(v);
                    if !errs.is_empty() {
                        return err(format!("invalid taint spec: {st}, {}", errs.join("; ")), None);
                    }
                    (k.to_string(), v.to_string())
                }
                _ => return err(format!("invalid taint spec: {st}"), None),
            };
            (key, value, Some(effect))
        }
        _ => return err(format!("invalid taint spec: {st}"), None),
    };
    let errs = validate::qualified_name_errors(&key);
    if !errs.is_empty() {
        return err(format!("invalid taint spec: {st}, {}", errs.join("; ")), None);
    }
    Ok((key, value, effect))
}

/// `label nodes NODE key=value key- ... [--overwrite]`, as kubectl's label command parses it.
fn label(args: &Args) -> Result<Cmd, KError> {
    let mut resources = Vec::new();
    let mut pairs = Vec::new();
    for s in &args.positional {
        let pair = (s.contains('=') && !s.starts_with('=')) || (s.ends_with('-') && s != "-");
        match (pairs.is_empty(), pair) {
            (_, true) => pairs.push(s.as_str()),
            (true, false) => resources.push(s.as_str()),
            (false, false) => return err(format!("all resources must be specified before label changes: {s}"), None),
        }
    }
    let node = match resources.as_slice() {
        [] => return err("one or more resources must be specified as <resource> <name> or <resource>/<name>", None),
        [one] if one.contains('/') => node_name(one)?,
        [one] => return err(format!("resource(s) were provided, but no name was specified: \"{one}\""), None),
        [kind, name, rest @ ..] => {
            let info = resource(kind)?;
            if info.kind != Kind::Node {
                return err(
                    format!("kubesim supports `label` on nodes only, not {}", info.kind.resource()),
                    Some("labels of objects are set in their manifests".into()),
                );
            }
            if let Some(extra) = rest.first() {
                return one_node_only("label", extra);
            }
            name.to_string()
        }
    };
    if pairs.is_empty() {
        return err("at least one label update is required", None);
    }
    let mut set: Vec<(String, String)> = Vec::new();
    let mut remove = Vec::new();
    for spec in pairs {
        if spec.contains('=') {
            let parts: Vec<&str> = spec.split('=').collect();
            let [k, v] = parts.as_slice() else {
                return err(format!("invalid label spec: {spec}"), None);
            };
            let errs = validate::label_value_errors(v);
            if !errs.is_empty() {
                return err(format!("invalid label value: \"{spec}\": {}", errs.join(";")), None);
            }
            let errs = validate::qualified_name_errors(k);
            if !errs.is_empty() {
                return err(
                    format!(
                        "The Node \"{node}\" is invalid: metadata.labels: Invalid value: \"{k}\": {}",
                        errs.join("; ")
                    ),
                    None,
                );
            }
            set.retain(|(key, _)| key != k);
            set.push((k.to_string(), v.to_string()));
        } else {
            let k = &spec[..spec.len() - 1];
            if !remove.iter().any(|r: &String| r == k) {
                remove.push(k.to_string());
            }
        }
    }
    if remove.iter().any(|r| set.iter().any(|(k, _)| k == r)) {
        return err("can not both modify and remove a label in the same command", None);
    }
    let overwrite = args.value("overwrite").is_some_and(|v| v == "true");
    Ok(Cmd::Label { node, set, remove, overwrite })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd(line: &str) -> Cmd {
        parse_line(line).unwrap_or_else(|e| panic!("{line}: {}", e.message)).cmd
    }
    fn error(line: &str) -> KError {
        parse_line(line).err().unwrap_or_else(|| panic!("{line} should fail"))
    }
    fn dep(n: &str) -> Target {
        (Kind::Deployment, n.into())
    }

    #[test]
    fn splits_like_a_shell() {
        assert_eq!(split(r#"a 'b c' "d \"e\"" f\ g"#).unwrap(), ["a", "b c", "d \"e\"", "f g"]);
        assert!(split("a 'b").is_err());
        assert_eq!(split("  ").unwrap(), Vec::<String>::new());
    }

    #[test]
    fn apply_and_create() {
        assert_eq!(cmd("kubectl apply -f m.yaml"), Cmd::Apply { files: vec!["m.yaml".into()], create: false });
        assert_eq!(cmd("apply --filename=m.yaml"), Cmd::Apply { files: vec!["m.yaml".into()], create: false });
        assert_eq!(
            cmd("kubectl create -f a.yaml -f b.yaml"),
            Cmd::Apply { files: vec!["a.yaml".into(), "b.yaml".into()], create: true }
        );
        let l = parse_line("kubectl -n prod apply -f m.yaml").unwrap();
        assert_eq!(l.namespace.as_deref(), Some("prod"));
        assert!(error("kubectl apply").message.contains("-f FILE"));
        assert!(error("kubectl apply -f m.yaml --server-side").message.contains("unknown flag: --server-side"));
    }

    #[test]
    fn delete_forms() {
        assert_eq!(
            cmd("kubectl delete deployment/web rs/x"),
            Cmd::Delete { targets: vec![dep("web"), (Kind::ReplicaSet, "x".into())] }
        );
        assert_eq!(cmd("kubectl delete deployment web api"), Cmd::Delete { targets: vec![dep("web"), dep("api")] });
        assert_eq!(cmd("kubectl delete -f m.yaml"), Cmd::DeleteFiles { files: vec!["m.yaml".into()] });
        assert!(error("kubectl delete deployment").message.contains("no name was specified"));
        let e = error("kubectl delete deploymnet/web");
        assert_eq!(e.message, "the server doesn't have a resource type \"deploymnet\"");
        assert_eq!(e.help.as_deref(), Some("did you mean `deployment`?"));
    }

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
            assert_eq!(cmd(line), Cmd::Scale { target: dep("web"), replicas: 3 }, "{line}");
        }
        assert_eq!(
            cmd("kubectl scale rs/x --replicas=0"),
            Cmd::Scale { target: (Kind::ReplicaSet, "x".into()), replicas: 0 }
        );
        assert_eq!(
            cmd("kubectl scale rc x --replicas=1"),
            Cmd::Scale { target: (Kind::ReplicationController, "x".into()), replicas: 1 }
        );
        assert!(error("kubectl scale deployment/web").message.contains("--replicas=COUNT is required"));
        assert!(error("kubectl scale deployment/web --replicas=-1").message.contains("greater than or equal to 0"));
        assert!(error("kubectl scale deployment/web --replicas=1000000000").message.contains("limit of 1000000"));
        assert!(error("kubectl scale deployment/web --replicaz=3").message.contains("unknown flag: --replicaz"));
    }

    #[test]
    fn set_image_and_rollout() {
        assert_eq!(
            cmd("kubectl set image deployment/web nginx=nginx:1.18 side=s:2"),
            Cmd::SetImage {
                target: dep("web"),
                images: vec![("nginx".into(), "nginx:1.18".into()), ("side".into(), "s:2".into())]
            }
        );
        assert_eq!(
            cmd("kubectl set image deploy web *=x:1"),
            Cmd::SetImage { target: dep("web"), images: vec![("*".into(), "x:1".into())] }
        );
        assert!(error("kubectl set image deployment/web").message.contains("at least one image update"));
        assert_eq!(error("kubectl set imag deployment/web a=b").help.as_deref(), Some("did you mean `image`?"));
        assert_eq!(
            cmd("kubectl rollout undo deployment/web"),
            Cmd::Rollout { action: RolloutAction::Undo, target: dep("web"), to_revision: None }
        );
        assert_eq!(
            cmd("kubectl rollout undo deployment/web --to-revision=2"),
            Cmd::Rollout { action: RolloutAction::Undo, target: dep("web"), to_revision: Some(2) }
        );
        for (w, a) in
            [("pause", RolloutAction::Pause), ("resume", RolloutAction::Resume), ("restart", RolloutAction::Restart)]
        {
            assert_eq!(
                cmd(&format!("kubectl rollout {w} deployment/web -n x")),
                Cmd::Rollout { action: a, target: dep("web"), to_revision: None }
            );
        }
        assert!(error("kubectl rollout pause deployment/web --to-revision=1").message.contains("--to-revision"));
        assert_eq!(error("kubectl rollout undoo deployment/web").help.as_deref(), Some("did you mean `undo`?"));
    }

    #[test]
    fn unknown_verbs_and_namespaces() {
        let e = error("kubectl scael deployment/web --replicas=3");
        assert!(e.message.starts_with("unknown command \"scael\" for \"kubectl\""));
        assert_eq!(e.help.as_deref(), Some("did you mean `scale`?"));
        assert_eq!(
            parse_line("kubectl --namespace=prod scale deployment/web --replicas=1").unwrap().namespace.as_deref(),
            Some("prod")
        );
        assert_eq!(
            parse_line("kubectl scale deployment/web --replicas=1 -nprod").unwrap().namespace.as_deref(),
            Some("prod")
        );
        assert!(error("").message.contains("no kubectl command"));
    }
}

#[cfg(test)]
mod node_verb_tests {
    use super::*;

    fn cmd(line: &str) -> Cmd {
        parse_line(line).unwrap_or_else(|e| panic!("{line}: {}", e.message)).cmd
    }
    fn error(line: &str) -> KError {
        parse_line(line).err().unwrap_or_else(|| panic!("{line} should fail"))
    }
    fn taint(key: &str, value: &str, effect: TaintEffect) -> Taint {
        Taint { key: key.into(), value: value.into(), effect }
    }

    #[test]
    fn cordon_and_uncordon() {
        for line in
            ["kubectl cordon worker-1", "cordon node/worker-1", "kubectl cordon nodes/worker-1", "cordon no/worker-1"]
        {
            assert_eq!(cmd(line), Cmd::Cordon { node: "worker-1".into(), on: true }, "{line}");
        }
        assert_eq!(cmd("kubectl uncordon worker-2"), Cmd::Cordon { node: "worker-2".into(), on: false });
        assert_eq!(error("kubectl cordon").message, "USAGE: cordon NODE [flags]");
        assert!(error("kubectl cordon a b").message.contains("one node at a time"));
        assert!(error("kubectl cordon deployment/web").message.contains("only node types are supported"));
        assert!(error("kubectl cordon worker-1 --overwrite").message.contains("unknown flag: --overwrite"));
    }

    #[test]
    fn taint_forms() {
        for line in [
            "kubectl taint nodes worker-1 dedicated=gpu:NoSchedule",
            "kubectl taint node worker-1 dedicated=gpu:NoSchedule",
            "taint no worker-1 dedicated=gpu:NoSchedule",
            "kubectl taint nodes.v1 worker-1 dedicated=gpu:NoSchedule",
        ] {
            assert_eq!(
                cmd(line),
                Cmd::Taint {
                    node: "worker-1".into(),
                    add: vec![taint("dedicated", "gpu", TaintEffect::NoSchedule)],
                    remove: vec![],
                    overwrite: false,
                },
                "{line}"
            );
        }
        assert_eq!(
            cmd("kubectl taint nodes w a:PreferNoSchedule example.com/b=x:NoExecute c:NoSchedule- d-"),
            Cmd::Taint {
                node: "w".into(),
                add: vec![
                    taint("a", "", TaintEffect::PreferNoSchedule),
                    taint("example.com/b", "x", TaintEffect::NoExecute)
                ],
                remove: vec![("c".into(), Some(TaintEffect::NoSchedule)), ("d".into(), None)],
                overwrite: false,
            }
        );
    }

    #[test]
    fn taint_errors_in_kubectl_words() {
        let e = error("kubectl taint nodes w gpu=true:NoSchedul");
        assert_eq!(e.message, "invalid taint effect: NoSchedul, unsupported taint effect");
        assert_eq!(e.help.as_deref(), Some("did you mean `NoSchedule`?"));
        // As kubectl: without `:` the whole word is the key, which is then not a valid name.
        assert!(error("kubectl taint nodes w gpu=true").message.starts_with("invalid taint spec: gpu=true, name part"));
        assert_eq!(error("kubectl taint nodes w a=b=c:NoSchedule").message, "invalid taint spec: a=b=c:NoSchedule");
        assert_eq!(error("kubectl taint nodes w a:b:c").message, "invalid taint spec: a:b:c");
        assert!(error("kubectl taint nodes w 'bad key=v:NoSchedule'")
            .message
            .starts_with("invalid taint spec: bad key=v:NoSchedule, name part must consist of"));
        assert!(error("kubectl taint nodes w k=bad!:NoSchedule")
            .message
            .starts_with("invalid taint spec: k=bad!:NoSchedule, a valid label must be"));
        assert_eq!(
            error("kubectl taint nodes w a=1:NoSchedule a=2:NoSchedule").message,
            "duplicated taints with the same key and effect: {a 2 NoSchedule <nil>}"
        );
        assert_eq!(
            error("kubectl taint nodes w a=1:NoSchedule a-").message,
            "can not both modify and remove the following taint(s) in the same command: a="
        );
        assert_eq!(
            error("kubectl taint nodes w a=1:NoSchedule a:NoSchedule-").message,
            "can not both modify and remove the following taint(s) in the same command: a=NoSchedule"
        );
        assert!(matches!(cmd("kubectl taint nodes w a=1:NoSchedule a:NoExecute-"), Cmd::Taint { .. }));
        assert_eq!(
            error("kubectl taint nodes k=v:NoSchedule").message,
            "at least one resource name must be specified since 'all' parameter is not set"
        );
        assert_eq!(error("kubectl taint nodes w").message, "at least one taint update is required");
        assert_eq!(
            error("kubectl taint nodes w a=1:NoSchedule x").message,
            "all resources must be specified before taint changes: x"
        );
        assert_eq!(
            error("kubectl taint pods p a=1:NoSchedule").message,
            "invalid resource type pods, only node types are supported"
        );
        assert!(error("kubectl taint nodes a b k=v:NoSchedule").message.contains("one node at a time"));
        assert!(matches!(cmd("kubectl taint nodes w k=v:NoSchedule --overwrite"), Cmd::Taint { overwrite: true, .. }));
    }

    #[test]
    fn label_forms_and_errors() {
        assert_eq!(
            cmd("kubectl label nodes worker-1 disk=ssd topology.kubernetes.io/zone=a old- --overwrite"),
            Cmd::Label {
                node: "worker-1".into(),
                set: vec![("disk".into(), "ssd".into()), ("topology.kubernetes.io/zone".into(), "a".into())],
                remove: vec!["old".into()],
                overwrite: true,
            }
        );
        for line in [
            "label node w a=b",
            "kubectl label no w a=b",
            "kubectl label node/w a=b",
            "label --overwrite=false nodes w a=b",
        ] {
            assert_eq!(
                cmd(line),
                Cmd::Label { node: "w".into(), set: vec![("a".into(), "b".into())], remove: vec![], overwrite: false },
                "{line}"
            );
        }
        assert_eq!(error("kubectl label nodes w").message, "at least one label update is required");
        assert_eq!(
            error("kubectl label nodes w a=b c").message,
            "all resources must be specified before label changes: c"
        );
        assert_eq!(
            error("kubectl label nodes w a=b a-").message,
            "can not both modify and remove a label in the same command"
        );
        assert_eq!(error("kubectl label nodes w a=b=c").message, "invalid label spec: a=b=c");
        assert!(error("kubectl label nodes w a=b!")
            .message
            .starts_with("invalid label value: \"a=b!\": a valid label must be"));
        assert!(error("kubectl label nodes w 'b k=v'").message.starts_with(
            "The Node \"w\" is invalid: metadata.labels: Invalid value: \"b k\": name part must consist of"
        ));
        assert!(error("kubectl label deployment web a=b").message.contains("nodes only"));
        assert!(error("kubectl label nodes a b c=d").message.contains("one node at a time"));
        assert!(error("kubectl label nodes w a=b --overwrite=maybe").message.contains("invalid argument \"maybe\""));
        assert_eq!(
            error("kubectl label a=b").message,
            "one or more resources must be specified as <resource> <name> or <resource>/<name>"
        );
    }

    fn drain(node: &str) -> DrainSpec {
        DrainSpec {
            node: node.into(),
            ignore_daemonsets: false,
            delete_emptydir_data: false,
            force: false,
            grace_period: None,
            timeout: None,
        }
    }

    #[test]
    fn drain_forms() {
        for line in
            ["kubectl drain worker-1", "drain node/worker-1", "kubectl drain nodes/worker-1", "drain no/worker-1"]
        {
            assert_eq!(cmd(line), Cmd::Drain(drain("worker-1")), "{line}");
        }
        assert_eq!(
            cmd("kubectl drain worker-1 --ignore-daemonsets --delete-emptydir-data --force --grace-period=30 --timeout=90s"),
            Cmd::Drain(DrainSpec {
                ignore_daemonsets: true,
                delete_emptydir_data: true,
                force: true,
                grace_period: Some(30),
                timeout: Some(crate::engine::SimDuration::from_secs(90)),
                ..drain("worker-1")
            })
        );
        // The deprecated spelling means the same; `=false` and kubectl's defaults (-1, 0s) mean none.
        assert!(matches!(
            cmd("kubectl drain w --delete-local-data"),
            Cmd::Drain(DrainSpec { delete_emptydir_data: true, .. })
        ));
        assert_eq!(
            cmd("kubectl drain w --ignore-daemonsets=false --force=0 --grace-period=-1 --timeout=0s"),
            Cmd::Drain(drain("w"))
        );
        assert_eq!(
            cmd("kubectl drain w --ignore-daemonsets=true"),
            Cmd::Drain(DrainSpec { ignore_daemonsets: true, ..drain("w") })
        );
        assert_eq!(
            cmd("kubectl drain w --grace-period 0"),
            Cmd::Drain(DrainSpec { grace_period: Some(0), ..drain("w") })
        );
        assert!(matches!(
            cmd("kubectl drain w --timeout 5m"),
            Cmd::Drain(DrainSpec { timeout: Some(t), .. }) if t == crate::engine::SimDuration::from_secs(300)
        ));
    }

    #[test]
    fn drain_errors_in_kubectl_words() {
        let e = error("kubectl drain");
        assert_eq!(e.message, "USAGE: drain NODE [flags]");
        assert!(error("kubectl drain --force").message.starts_with("USAGE: drain NODE"));
        assert!(error("kubectl drain a b").message.contains("one node at a time"));
        assert_eq!(
            error("kubectl drain deployment/web").message,
            "invalid resource type deployment, only node types are supported"
        );
        assert_eq!(
            error("kubectl drain worker-1 --grace-period=abc").message,
            "invalid argument \"abc\" for \"--grace-period\" flag: strconv.ParseInt: parsing \"abc\": invalid syntax"
        );
        assert!(error("kubectl drain w --grace-period=99999999999999999999").message.ends_with("value out of range"));
        assert_eq!(
            error("kubectl drain w --timeout=soon").message,
            "invalid argument \"soon\" for \"--timeout\" flag: time: invalid duration \"soon\""
        );
        assert!(error("kubectl drain w --timeout=90").message.contains("time: invalid duration \"90\""));
        assert!(error("kubectl drain w --timeout=-5s").message.contains("may not be negative"));
        assert_eq!(
            error("kubectl drain w --force=maybe").message,
            "invalid argument \"maybe\" for \"--force\" flag: strconv.ParseBool: parsing \"maybe\": invalid syntax"
        );
        let e = error("kubectl drain w --ignore-daemonset");
        assert!(e.message.starts_with("unknown flag: --ignore-daemonset (kubesim supports only"), "{}", e.message);
        assert_eq!(e.help.as_deref(), Some("did you mean `--ignore-daemonsets`?"));
        assert!(error("kubectl drain w --pod-selector=app=web").message.starts_with("unknown flag: --pod-selector"));
        assert!(error("kubectl drain w --grace-period").message.contains("flag needs an argument: --grace-period"));
        assert_eq!(error("kubectl drian w").help.as_deref(), Some("did you mean `drain`?"));
    }

    #[test]
    fn autoscale_forms_and_argo_later() {
        assert_eq!(
            cmd("kubectl autoscale deployment web --max=3"),
            Cmd::Autoscale {
                target: (Kind::Deployment, "web".into()),
                min: None,
                max: 3,
                cpu_percent: None,
                name: None
            }
        );
        assert_eq!(
            cmd("kubectl autoscale deployment/web --min=2 --max=10 --cpu-percent=50 --name=web-hpa"),
            Cmd::Autoscale {
                target: (Kind::Deployment, "web".into()),
                min: Some(2),
                max: 10,
                cpu_percent: Some(50),
                name: Some("web-hpa".into())
            }
        );
        assert_eq!(
            error("kubectl autoscale deployment web").message,
            "--max=MAXPODS is required and must be at least 1, max: -1"
        );
        assert_eq!(
            error("kubectl autoscale deployment web --min=5 --max=3").message,
            "--max=MAXPODS must be larger or equal to --min=MINPODS, max: 3, min: 5"
        );
        assert!(error("kubectl autoscale deployment web --max=x")
            .message
            .starts_with("invalid argument \"x\" for \"--max\""));
        assert!(error("kubectl autoscale pod web --max=3").message.starts_with("cannot autoscale a pod"));
        let argo = |action, name: &str| Cmd::Argo { action, name: name.into() };
        assert_eq!(cmd("kubectl argo rollouts promote x"), argo(ArgoAction::Promote { full: false }, "x"));
        assert_eq!(cmd("kubectl argo rollouts promote x --full"), argo(ArgoAction::Promote { full: true }, "x"));
        assert_eq!(cmd("kubectl argo rollouts abort x"), argo(ArgoAction::Abort, "x"));
        assert_eq!(cmd("kubectl argo rollouts retry rollout x"), argo(ArgoAction::Retry, "x"));
        assert_eq!(
            cmd("kubectl argo rollouts set image x web=web:2"),
            Cmd::SetImage { target: (Kind::Rollout, "x".into()), images: vec![("web".into(), "web:2".into())] }
        );
        assert_eq!(error("kubectl argo rollouts promot x").help.as_deref(), Some("did you mean `promote`?"));
        assert!(error("kubectl argo rollouts abort x --full").message.contains("--full"));
        assert!(error("kubectl argo rollout promote x").message.contains("kubectl argo rollouts"));
        assert!(error("kubectl argo rollouts promote").message.contains("NAME"));
        assert_eq!(error("kubectl cordn w").help.as_deref(), Some("did you mean `cordon`?"));
    }
}

#[cfg(test)]
mod expose_tests {
    use super::*;

    fn cmd(line: &str) -> Cmd {
        parse_line(line).unwrap_or_else(|e| panic!("{line}: {}", e.message)).cmd
    }
    fn error(line: &str) -> KError {
        parse_line(line).err().unwrap_or_else(|| panic!("{line} should fail"))
    }

    #[test]
    fn expose_forms() {
        let want = Cmd::Expose {
            target: (Kind::Deployment, "web".into()),
            ports: vec![80],
            target_port: None,
            service_type: ServiceType::ClusterIP,
            name: None,
            selector: None,
        };
        for line in [
            "kubectl expose deployment web --port=80",
            "kubectl expose deployment/web --port 80",
            "expose deploy web --port=80 --protocol=TCP",
        ] {
            assert_eq!(cmd(line), want, "{line}");
        }
        for (word, kind) in [
            ("rs", Kind::ReplicaSet),
            ("replicaset", Kind::ReplicaSet),
            ("rc", Kind::ReplicationController),
            ("replicationcontroller", Kind::ReplicationController),
            ("pod", Kind::Pod),
            ("svc", Kind::Service),
            ("service", Kind::Service),
        ] {
            assert!(
                matches!(cmd(&format!("kubectl expose {word}/x")), Cmd::Expose { target: (k, _), .. } if k == kind)
            );
        }
        assert_eq!(
            cmd("kubectl expose deployment web --port=80,443 --target-port=8080 --type=NodePort --name=front --selector=app=web"),
            Cmd::Expose {
                target: (Kind::Deployment, "web".into()),
                ports: vec![80, 443],
                target_port: Some(TargetPort::Number(8080)),
                service_type: ServiceType::NodePort,
                name: Some("front".into()),
                selector: Some([("app".to_string(), "web".to_string())].into()),
            }
        );
        assert!(matches!(
            cmd("kubectl expose deployment web"),
            Cmd::Expose { ports, .. } if ports.is_empty()
        ));
    }

    #[test]
    fn expose_errors_in_kubectl_words() {
        assert_eq!(error("kubectl expose").message, "You must provide one or more resources by argument or filename.");
        assert_eq!(
            error("kubectl expose deployment").message,
            "resource(s) were provided, but no name was specified: \"deployment\""
        );
        assert_eq!(error("kubectl expose node/x").message, "cannot expose a Node");
        assert_eq!(
            error("kubectl expose deployment web --port=x").message,
            "strconv.Atoi: parsing \"x\": invalid syntax"
        );
        assert_eq!(error("kubectl expose deployment web --port").message, "flag needs an argument: --port");
        let e = error("kubectl expose deployment web --typ=NodePort");
        assert!(e.message.starts_with("unknown flag: --typ"), "{}", e.message);
        assert_eq!(e.help.as_deref(), Some("did you mean `--type`?"));
        let e = error("kubectl expose deployment web --port=80 --type=NodePorts");
        assert_eq!(e.help.as_deref(), Some("did you mean `NodePort`?"));
        assert!(error("kubectl expose deployment web --port=80 --protocol=HTTP")
            .message
            .contains("spec.ports[0].protocol: Unsupported value: \"HTTP\""));
        assert!(error("kubectl expose deployment web --port=80 --selector=app")
            .message
            .starts_with("invalid --selector \"app\""));
        assert!(error("kubectl expose deployment Web --port=80").message.contains("a DNS-1035 label"));
    }
}
