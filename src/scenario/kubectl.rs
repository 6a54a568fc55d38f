//! `kubectl ...` lines of the timeline: shell-like splitting and the grammar of each verb.

use super::kinds::{self, KindInfo};
use super::suggest::did_you_mean;
use super::validate::MAX_REPLICAS;
use crate::model::spec::Kind;

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
    /// A verb of a later version (drain, cordon, ...): skipped with a warning.
    Later(String),
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

const VERBS: &[&str] = &["apply", "create", "delete", "scale", "set", "rollout"];
const LATER_VERBS: &[&str] = &["cordon", "uncordon", "drain", "taint", "label", "autoscale", "argo"];

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

/// (long name, short name) of the flags a verb takes; every one takes a value.
fn verb_flags(verb: &str) -> &'static [(&'static str, Option<char>)] {
    match verb {
        "apply" | "create" | "delete" => &[("filename", Some('f')), ("namespace", Some('n'))],
        "scale" => &[("replicas", None), ("namespace", Some('n'))],
        "rollout" => &[("to-revision", None), ("namespace", Some('n'))],
        _ => &[("namespace", Some('n'))],
    }
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
    if LATER_VERBS.contains(&verb.as_str()) {
        return Ok(Line { cmd: Cmd::Later(verb), namespace: None });
    }
    if !VERBS.contains(&verb.as_str()) {
        let help = did_you_mean(&verb, VERBS.iter().chain(LATER_VERBS).copied());
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
    if !matches!(target.0, Kind::Deployment | Kind::ReplicaSet | Kind::ReplicationController) {
        return err(
            format!(
                "cannot scale a {}: kubesim scales deployments, replicasets and replicationcontrollers",
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
    if target.0 != Kind::Deployment {
        return err(format!("kubesim supports `set image` on deployments only, not {}", target.0.resource()), None);
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
        assert_eq!(cmd("kubectl drain worker-1"), Cmd::Later("drain".into()));
        assert!(error("").message.contains("no kubectl command"));
    }
}
