//! `kubectl delete KIND/NAME...`, `delete KIND NAME...`, `delete KIND --all`,
//! `delete KIND -l SELECTOR` or `delete -f FILE...`, with `--grace-period`, `--force`,
//! `--now`, `--cascade` and `--ignore-not-found` (kubectl:
//! `staging/src/k8s.io/kubectl/pkg/cmd/delete/delete.go`, `DeleteOptions.Validate` and
//! `DeleteResult`; `delete_flags.go`, `DeleteFlags.ToOptions`: `--now` is a grace period of 1,
//! `--grace-period=0` without `--force` becomes 1, `--force` alone is 0, `--all` and `-l`
//! ignore NotFound unless told otherwise; the argument forms and their errors are
//! cli-runtime's resource builder, `staging/src/k8s.io/cli-runtime/pkg/resource/builder.go`).

use super::apply::files_objects;
use super::grammar::{label_selector, resource, Args, Flag, FILENAME, RECURSIVE};
use super::{err, misrouted, Check, Failure, KError, KubectlCommand};
use crate::model::spec::{Kind, Labels, ObjectRef, ObjectSpec, Selector};
use crate::sim::Sim;

pub(super) const FLAGS: &[Flag] = &[
    FILENAME,
    RECURSIVE,
    Flag::boolean("all"),
    Flag::value("selector").short('l'),
    Flag::value("grace-period"),
    Flag::boolean("force"),
    Flag::boolean("now"),
    Flag::value("cascade"),
    Flag::boolean("ignore-not-found"),
    Flag::boolean("wait"),
];

/// `--cascade`: what becomes of the objects an owner made.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Cascade {
    /// The default: the owner goes at once, the garbage collector deletes what it owned.
    #[default]
    Background,
    /// The owner goes after what it owned (kubesim deletes both at the same instant, as
    /// for background: the difference is in the owner's `deletionTimestamp` only).
    Foreground,
    /// What it owned stays, without owner.
    Orphan,
}

/// How `kubectl delete` deletes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DeleteOptions {
    /// `--grace-period` as sent (after `--now`, `--force` and the 0 → 1 rule); `None`: each
    /// pod's own `terminationGracePeriodSeconds`.
    pub grace_seconds: Option<i64>,
    pub cascade: Cascade,
    /// `--ignore-not-found` (on by default with `--all` and `-l`).
    pub ignore_not_found: bool,
    /// `KIND --all` (selector `None`) or `KIND -l SELECTOR`: the objects found when the
    /// command runs, in the line's namespace.
    pub select: Option<Selection>,
}

/// `KIND --all` (selector `None`) or `KIND -l SELECTOR` in a namespace.
#[derive(Clone, Debug, PartialEq)]
pub struct Selection {
    pub kind: Kind,
    pub namespace: String,
    pub selector: Option<Selector>,
}

/// The targets by name; with `-f`, none yet: the files' objects, read by the check.
pub(super) fn parse(args: &Args) -> Result<KubectlCommand, KError> {
    let options = options(args)?;
    let pos = &args.positional;
    if !args.values("filename").is_empty() {
        if let Some(extra) = pos.first() {
            return err(format!("unexpected argument \"{extra}\" with -f"), None);
        }
        return Ok(KubectlCommand::Delete { targets: Vec::new(), options });
    }
    let Some(first) = pos.first() else {
        return err("you must specify the type of resource to delete and its name, or -f FILE", None);
    };
    let mut targets = Vec::new();
    if options.select.is_some() {
        if pos.len() > 1 {
            return err("name cannot be provided when a selector is specified", None);
        }
        return Ok(KubectlCommand::Delete { targets, options });
    }
    if first.contains('/') {
        for p in pos {
            match p.split_once('/') {
                Some((k, n)) if !n.is_empty() && !n.contains('/') => targets.push(args.object(resource(k)?.kind, n)),
                _ => return err(format!("there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl delete deployment/web'): \"{p}\""), None),
            }
        }
    } else {
        let kind = resource(first)?.kind;
        if pos.len() < 2 {
            return err(format!("resource(s) were provided, but no name was specified: \"{first}\""), None);
        }
        targets.extend(pos.iter().skip(1).map(|n| args.object(kind, n.clone())));
    }
    Ok(KubectlCommand::Delete { targets, options })
}

/// The flags, checked as `DeleteOptions.Validate` and `DeleteFlags.ToOptions` check them.
fn options(args: &Args) -> Result<DeleteOptions, KError> {
    let all = args.on("all");
    let selector = args.value("selector").filter(|s| !s.is_empty());
    if all && selector.is_some() {
        return err("cannot set --all and --selector at the same time", None);
    }
    let mut grace = match args.value("grace-period") {
        None => -1,
        Some(g) => g.parse::<i64>().or_else(|_| {
            err(format!("invalid argument \"{g}\" for \"--grace-period\" flag: strconv.ParseInt: parsing \"{g}\": invalid syntax"), None)
        })?,
    };
    let force = args.on("force");
    if args.on("now") {
        if grace != -1 {
            return err("--now and --grace-period cannot be specified together", None);
        }
        grace = 1;
    }
    if grace == 0 && !force {
        // "To preserve backwards compatibility, but prevent accidental data loss".
        grace = 1;
    }
    if force && grace < 0 {
        grace = 0;
    }
    if force && grace > 0 {
        return err("--force and --grace-period greater than 0 cannot be specified together", None);
    }
    let cascade = match args.value("cascade").as_deref() {
        None | Some("background") | Some("true") => Cascade::Background,
        Some("foreground") => Cascade::Foreground,
        Some("orphan") | Some("false") => Cascade::Orphan,
        Some(other) => {
            return err(
                format!("invalid cascade value ({other}). Must be \"background\", \"foreground\", or \"orphan\""),
                None,
            )
        }
    };
    let select = if all || selector.is_some() {
        let Some(word) = args.positional.first() else {
            return err("you must specify the type of resource to delete, like `kubectl delete pods --all`", None);
        };
        if word.contains('/') {
            return err("name cannot be provided when a selector is specified", None);
        }
        let kind = resource(word)?.kind;
        let namespace = args.object(kind, "").namespace;
        Some(Selection { kind, namespace, selector: selector.as_deref().map(label_selector).transpose()? })
    } else {
        None
    };
    let ignore_not_found = match args.value("ignore-not-found") {
        Some(v) => v == "true",
        None => select.is_some(),
    };
    Ok(DeleteOptions { grace_seconds: (grace >= 0).then_some(grace), cascade, ignore_not_found, select })
}

/// The labels of an object the load-time registry keeps, for `-l`.
pub(super) fn spec_labels(spec: &ObjectSpec) -> Option<&Labels> {
    match spec {
        ObjectSpec::Pod { labels, .. }
        | ObjectSpec::ReplicaSet { labels, .. }
        | ObjectSpec::ReplicationController { labels, .. }
        | ObjectSpec::Deployment { labels, .. }
        | ObjectSpec::Job { labels, .. }
        | ObjectSpec::DaemonSet { labels, .. }
        | ObjectSpec::StatefulSet { labels, .. }
        | ObjectSpec::Service { labels, .. }
        | ObjectSpec::Ingress { labels, .. }
        | ObjectSpec::Rollout { labels, .. } => Some(labels),
        _ => None,
    }
}

/// The same, to change them (`kubectl label` at load time).
pub(super) fn spec_labels_mut(spec: &mut ObjectSpec) -> Option<&mut Labels> {
    match spec {
        ObjectSpec::Pod { labels, .. }
        | ObjectSpec::ReplicaSet { labels, .. }
        | ObjectSpec::ReplicationController { labels, .. }
        | ObjectSpec::Deployment { labels, .. }
        | ObjectSpec::Job { labels, .. }
        | ObjectSpec::DaemonSet { labels, .. }
        | ObjectSpec::StatefulSet { labels, .. }
        | ObjectSpec::Service { labels, .. }
        | ObjectSpec::Ingress { labels, .. }
        | ObjectSpec::Rollout { labels, .. } => Some(labels),
        _ => None,
    }
}

/// Each target must exist (unless `--ignore-not-found`); from now on it does not. With
/// `--all` or `-l`, the objects of the kind the registry knows go (pods made by controllers
/// are found when the command runs).
pub(super) fn check(command: KubectlCommand, c: &mut Check) -> Option<KubectlCommand> {
    let KubectlCommand::Delete { mut targets, options } = command else { return misrouted("delete", &command) };
    if !c.args.values("filename").is_empty() {
        let objects = files_objects(c, "delete")?;
        targets = objects.into_iter().map(|p| p.object.id).collect();
    }
    if let Some(Selection { kind, namespace: ns, selector }) = &options.select {
        let gone: Vec<ObjectRef> = c
            .reg
            .objects
            .iter()
            .filter(|(id, o)| {
                id.kind == *kind
                    && id.namespace == *ns
                    && selector.as_ref().is_none_or(|s| spec_labels(&o.spec).is_some_and(|l| s.matches(l)))
            })
            .map(|(id, _)| id.clone())
            .collect();
        for id in gone {
            c.reg.objects.remove(&id);
        }
        return Some(KubectlCommand::Delete { targets, options });
    }
    for t in &targets {
        if c.reg.objects.remove(t).is_none() && !options.ignore_not_found && !c.controller_pod(t) {
            return c.missing(t);
        }
    }
    Some(KubectlCommand::Delete { targets, options })
}

pub(super) fn delete(sim: &mut Sim, command: &KubectlCommand) -> Vec<Failure> {
    let KubectlCommand::Delete { targets, options } = command else { return misrouted("delete", command) };
    let mut targets = targets.clone();
    if let Some(Selection { kind, namespace, selector }) = &options.select {
        targets = sim.object_refs(*kind, namespace, selector.as_ref());
    }
    let grace = options.grace_seconds.map(|s| crate::engine::SimDuration::from_secs(u64::try_from(s).unwrap_or(0)));
    let mut failures = Vec::new();
    for t in &targets {
        match sim.delete_object_with(t, grace, options.cascade == Cascade::Orphan) {
            Err(e) if options.ignore_not_found && e.reason() == Some("NotFound") => {}
            Err(e) => failures.push((t.to_string(), e)),
            Ok(()) => {}
        }
    }
    failures
}

#[cfg(test)]
mod tests {
    use super::super::test_lines::{cmd, dep, error, object};
    use super::*;

    fn targets(line: &str) -> Vec<ObjectRef> {
        match cmd(line) {
            KubectlCommand::Delete { targets, .. } => targets,
            other => panic!("{other:?}"),
        }
    }

    fn opts(line: &str) -> DeleteOptions {
        match cmd(line) {
            KubectlCommand::Delete { options, .. } => options,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn delete_forms() {
        assert_eq!(targets("kubectl delete deployment/web rs/x"), vec![dep("web"), object(Kind::ReplicaSet, "x")]);
        assert_eq!(targets("kubectl delete deployment web api"), vec![dep("web"), dep("api")]);
        assert_eq!(targets("kubectl delete -f m.yaml"), vec![]);
        assert!(error("kubectl delete deployment").message.contains("no name was specified"));
        let e = error("kubectl delete deploymnet/web");
        assert_eq!(e.message, "the server doesn't have a resource type \"deploymnet\"");
        assert_eq!(e.help.as_deref(), Some("did you mean `deployment`?"));
        assert_eq!(
            error("kubectl delete -f m.yaml deployment/web").message,
            "unexpected argument \"deployment/web\" with -f"
        );
    }

    #[test]
    fn delete_flags_as_kubectl_reads_them() {
        assert_eq!(opts("kubectl delete pod p").grace_seconds, None);
        assert_eq!(opts("kubectl delete pod p --now").grace_seconds, Some(1));
        assert_eq!(opts("kubectl delete pod p --grace-period=0").grace_seconds, Some(1));
        assert_eq!(opts("kubectl delete pod p --grace-period=0 --force").grace_seconds, Some(0));
        assert_eq!(opts("kubectl delete pod p --force").grace_seconds, Some(0));
        assert_eq!(opts("kubectl delete pod p --grace-period=30").grace_seconds, Some(30));
        assert_eq!(
            error("kubectl delete pod p --force --grace-period=5").message,
            "--force and --grace-period greater than 0 cannot be specified together"
        );
        assert_eq!(
            error("kubectl delete pod p --now --grace-period=5").message,
            "--now and --grace-period cannot be specified together"
        );
        assert_eq!(opts("kubectl delete deploy web --cascade=orphan").cascade, Cascade::Orphan);
        assert_eq!(opts("kubectl delete deploy web --cascade=foreground").cascade, Cascade::Foreground);
        assert_eq!(
            error("kubectl delete deploy web --cascade=maybe").message,
            "invalid cascade value (maybe). Must be \"background\", \"foreground\", or \"orphan\""
        );
        let all = opts("kubectl delete deployment --all");
        assert_eq!(all.select, Some(Selection { kind: Kind::Deployment, namespace: "default".into(), selector: None }));
        assert!(all.ignore_not_found);
        let l = opts("kubectl delete pods -l app=web");
        assert!(matches!(l.select, Some(Selection { kind: Kind::Pod, selector: Some(_), .. })));
        assert!(!opts("kubectl delete pods -l app=web --ignore-not-found=false").ignore_not_found);
        assert!(opts("kubectl delete pod p --ignore-not-found").ignore_not_found);
        assert_eq!(
            error("kubectl delete pods --all -l app=web").message,
            "cannot set --all and --selector at the same time"
        );
        assert_eq!(
            error("kubectl delete pods p --all").message,
            "name cannot be provided when a selector is specified"
        );
    }
}
