//! kubectl on the timeline: the verbs a `run:` line may use, each one row of `VERBS` and
//! one file here holding its grammar, its flags, its load-time check, its effect and their
//! messages, in kubectl's words.
//!
//! A line goes through three stages, each a column of the table:
//! 1. **parse** (`parse_line`): split like a shell, find the verb's row, read the flags
//!    the row declares (and kubectl's global `-n/--namespace`), then the row's `parse` turns
//!    the words into a [`KubectlCommand`] or the error kubectl would print. It knows nothing
//!    of the scenario, so the fuzz target calls it alone (`scenario::parse_kubectl_line`).
//! 2. **check** (`check`, at load time, from `scenario/timeline.rs`): the row's `check`
//!    resolves the names against the objects and nodes that exist at the entry's time, fills
//!    in what only the scenario knows (the objects of `-f` files, the ports `expose` finds)
//!    and records the objects the command creates or deletes for the entries after it.
//! 3. **effect** (`run`, when the entry's time comes, from `sim/timeline.rs`): the row
//!    named by `KubectlCommand::verb` writes to the store through the simulation's methods
//!    and returns the errors kubectl would print, which become `KubectlError` events.
//!
//! Adding a verb: a variant of [`KubectlCommand`] (unless one fits), its arm in
//! `KubectlCommand::verb`, a row in `VERBS` and a file with the row's functions.

mod apply;
mod argo;
mod autoscale;
mod create;
mod delete;
mod drain;
mod expose;
mod generate;
mod grammar;
mod label;
mod merge;
mod nodes;
mod patch;
mod printers;
mod read;
mod rollout;
mod run;
mod scale;
mod set_image;
mod set_template;
mod taint;
mod view;

pub use delete::{Cascade, DeleteOptions, Selection};
pub use drain::DrainSpec;
pub use expose::ExposeSpec;
pub use merge::PatchType;
pub(crate) use printers::View;
pub use read::{Read, ReadSpec};
pub(crate) use scale::scale;
pub use set_template::TemplateEdit;
pub(crate) use taint::edit_taints;

use crate::model::spec::{Kind, NodeGroup, Object, ObjectRef, PodTemplate, Taint, TaintEffect};
use crate::model::store::DeployId;
use crate::scenario::diagnostic::Report;
use crate::scenario::node::Node;
use crate::scenario::registry::{self, Registry};
use crate::scenario::suggest::did_you_mean;
use crate::scenario::Loader;
use crate::sim::{not_found, resource_phrase, ApiError, Sim};
use grammar::{Args, Flag, FILENAME, RECURSIVE};

/// A kubectl command on the timeline: what [`parse_line`] makes of a line, completed by the
/// load-time check, run when the entry's time comes.
#[derive(Clone, Debug, PartialEq)]
pub enum KubectlCommand {
    /// `apply -f FILE`: objects created or updated.
    Apply {
        objects: Vec<Object>,
    },
    /// `create -f FILE`: objects created (an existing one is an AlreadyExists error event).
    Create {
        objects: Vec<Object>,
    },
    /// `replace -f FILE`: objects that exist, their specs replaced.
    Replace {
        objects: Vec<Object>,
    },
    /// `delete KIND/NAME...`, `delete -f FILE` or `delete KIND --all|-l SELECTOR`, with its flags.
    Delete {
        targets: Vec<ObjectRef>,
        options: DeleteOptions,
    },
    /// `scale KIND/NAME --replicas=N`.
    Scale {
        target: ObjectRef,
        replicas: i32,
    },
    /// `scale` with `-f FILE`, `KIND --all`, `KIND -l SELECTOR` or `--current-replicas=N`
    /// (its precondition).
    ScaleMany {
        targets: Vec<ObjectRef>,
        select: Option<Selection>,
        replicas: i32,
        current_replicas: Option<i32>,
    },
    /// `set image deployment/web CONTAINER=IMAGE...`.
    SetImage {
        target: ObjectRef,
        images: Vec<(String, String)>,
        /// `--record`'s `kubernetes.io/change-cause`.
        cause: Option<String>,
    },
    /// `patch KIND NAME -p PATCH [--type=strategic|merge|json]`.
    Patch {
        target: ObjectRef,
        patch: serde_json::Value,
        ty: PatchType,
        /// `--record`'s `kubernetes.io/change-cause`.
        cause: Option<String>,
    },
    /// `set resources|env KIND NAME ...` (and `set image` on the kinds it reaches through
    /// the same path): the containers `containers` names (`*` for all) edited.
    SetTemplate {
        target: ObjectRef,
        containers: String,
        edit: TemplateEdit,
        cause: Option<String>,
    },
    RolloutUndo {
        target: ObjectRef,
        to_revision: Option<i64>,
    },
    /// `argo rollouts promote NAME [--full]`.
    ArgoPromote {
        target: ObjectRef,
        full: bool,
    },
    /// `argo rollouts abort NAME`.
    ArgoAbort {
        target: ObjectRef,
    },
    /// `argo rollouts retry rollout NAME`.
    ArgoRetry {
        target: ObjectRef,
    },
    RolloutPause {
        target: ObjectRef,
    },
    RolloutResume {
        target: ObjectRef,
    },
    RolloutRestart {
        target: ObjectRef,
    },
    /// `cordon NODE`.
    Cordon {
        node: String,
    },
    /// `uncordon NODE`.
    Uncordon {
        node: String,
    },
    /// `taint nodes NODE key=value:Effect ... key[:Effect]-`.
    Taint {
        node: String,
        add: Vec<Taint>,
        /// Key and optional effect of each taint to remove.
        remove: Vec<(String, Option<TaintEffect>)>,
        /// `--overwrite`: an existing taint with the same key and effect takes the new value.
        overwrite: bool,
    },
    /// `label nodes NODE key=value ... key-` (`--overwrite` to change an existing value).
    Label {
        node: String,
        set: Vec<(String, String)>,
        remove: Vec<String>,
        overwrite: bool,
    },
    /// `label KIND NAME k=v k-` on an object other than a node, or `annotate KIND NAME ...`.
    Metadata {
        /// With `select`, only its kind and namespace count: the objects are found when the
        /// line runs.
        target: ObjectRef,
        set: Vec<(String, String)>,
        remove: Vec<String>,
        overwrite: bool,
        annotate: bool,
        /// `--all` or `-l SELECTOR`.
        select: Option<delete::Selection>,
    },
    /// `expose deployment NAME --port=P [--target-port=T] [--type=T] [--name=N]`.
    Expose(ExposeSpec),
    /// `drain NODE [--ignore-daemonsets] [--delete-emptydir-data] [--force]
    /// [--grace-period=N] [--timeout=D]`.
    Drain(DrainSpec),
    /// A read-only line (`get`, `describe`, `rollout status|history`, `wait`,
    /// `cluster-info`): what kubectl prints goes to kubectl.log (`read.rs`).
    Read(ReadSpec),
}

impl KubectlCommand {
    /// The objects the command is about, as narration and `explain` name them
    /// (`deployment/web`, `node/worker-1`).
    pub fn objects(&self) -> Vec<String> {
        match self {
            KubectlCommand::Apply { objects }
            | KubectlCommand::Create { objects }
            | KubectlCommand::Replace { objects } => objects.iter().map(|o| o.id.to_string()).collect(),
            KubectlCommand::Delete { targets, .. } | KubectlCommand::ScaleMany { targets, .. } => {
                targets.iter().map(ToString::to_string).collect()
            }
            KubectlCommand::Scale { target, .. }
            | KubectlCommand::SetImage { target, .. }
            | KubectlCommand::Patch { target, .. }
            | KubectlCommand::SetTemplate { target, .. }
            | KubectlCommand::RolloutUndo { target, .. }
            | KubectlCommand::RolloutPause { target }
            | KubectlCommand::RolloutResume { target }
            | KubectlCommand::RolloutRestart { target } => vec![target.to_string()],
            KubectlCommand::Cordon { node }
            | KubectlCommand::Uncordon { node }
            | KubectlCommand::Taint { node, .. }
            | KubectlCommand::Label { node, .. } => vec![format!("node/{node}")],
            KubectlCommand::Drain(d) => vec![format!("node/{}", d.node)],
            KubectlCommand::Expose(e) => vec![e.target.to_string()],
            KubectlCommand::Metadata { target, select: None, .. } => vec![target.to_string()],
            KubectlCommand::Metadata { select: Some(_), .. } => Vec::new(),
            KubectlCommand::Read(_) => Vec::new(),
            // `kubectl argo rollouts` lines name no object, not even their Rollout (as they always have).
            KubectlCommand::ArgoPromote { .. }
            | KubectlCommand::ArgoAbort { .. }
            | KubectlCommand::ArgoRetry { .. } => Vec::new(),
        }
    }

    /// The name of the row of [`VERBS`] whose effect runs this command. `autoscale` makes a
    /// `create` of its HorizontalPodAutoscaler and `argo rollouts set image` a `set image`
    /// of the Rollout, so those run as the verbs they become.
    pub(crate) fn verb(&self) -> &'static str {
        match self {
            KubectlCommand::Apply { .. } => "apply",
            KubectlCommand::Create { .. } => "create",
            KubectlCommand::Replace { .. } => "replace",
            KubectlCommand::Delete { .. } => "delete",
            KubectlCommand::Scale { .. } | KubectlCommand::ScaleMany { .. } => "scale",
            KubectlCommand::SetImage { .. } | KubectlCommand::SetTemplate { .. } => "set",
            KubectlCommand::Patch { .. } => "patch",
            KubectlCommand::RolloutUndo { .. }
            | KubectlCommand::RolloutPause { .. }
            | KubectlCommand::RolloutResume { .. }
            | KubectlCommand::RolloutRestart { .. } => "rollout",
            KubectlCommand::ArgoPromote { .. }
            | KubectlCommand::ArgoAbort { .. }
            | KubectlCommand::ArgoRetry { .. } => "argo",
            KubectlCommand::Cordon { .. } => "cordon",
            KubectlCommand::Uncordon { .. } => "uncordon",
            KubectlCommand::Taint { .. } => "taint",
            KubectlCommand::Label { .. } | KubectlCommand::Metadata { annotate: false, .. } => "label",
            KubectlCommand::Metadata { annotate: true, .. } => "annotate",
            KubectlCommand::Expose(_) => "expose",
            KubectlCommand::Drain(_) => "drain",
            KubectlCommand::Read(r) => r.verb,
        }
    }
}

/// One verb: a row of [`VERBS`].
pub(crate) struct Verb {
    /// The word after `kubectl`.
    pub name: &'static str,
    /// The flags it takes, in the order its "unknown flag" message lists them (kubectl's
    /// global `-n/--namespace` follows them, for every verb).
    pub flags: &'static [Flag],
    /// A line it accepts (the tests parse it through this row).
    #[cfg_attr(not(test), allow(dead_code))]
    pub example: &'static str,
    /// The line grammar: the words and flags after the verb, into a command.
    pub parse: fn(&Args) -> Result<KubectlCommand, KError>,
    /// At load time: names resolved against what exists then; `None` once the error is
    /// reported.
    pub check: fn(KubectlCommand, &mut Check) -> Option<KubectlCommand>,
    /// When the entry runs: the writes, and the errors kubectl would print.
    pub effect: fn(&mut Sim, &KubectlCommand) -> Vec<Failure>,
}

/// Every verb, in the order the "unknown command" message lists them.
pub(crate) const VERBS: &[Verb] = &[
    Verb {
        name: "apply",
        flags: &[FILENAME, RECURSIVE, generate::RECORD],
        example: "kubectl apply -f web.yaml",
        parse: apply::parse_apply,
        check: apply::check_apply,
        effect: apply::apply,
    },
    Verb {
        name: "create",
        flags: create::FLAGS,
        example: "kubectl create -f web.yaml",
        parse: apply::parse_create,
        check: apply::check_create,
        effect: apply::create,
    },
    Verb {
        name: "run",
        flags: run::FLAGS,
        example: "kubectl run nginx --image=nginx",
        parse: run::parse,
        check: run::check,
        // Never called: the command is the `create` of the Pod (`KubectlCommand::verb`).
        effect: apply::create,
    },
    Verb {
        name: "replace",
        flags: &[FILENAME, RECURSIVE, generate::RECORD, generate::SAVE_CONFIG],
        example: "kubectl replace -f web.yaml",
        parse: apply::parse_replace,
        check: apply::check_replace,
        effect: apply::replace,
    },
    Verb {
        name: "delete",
        flags: delete::FLAGS,
        example: "kubectl delete deployment/web",
        parse: delete::parse,
        check: delete::check,
        effect: delete::delete,
    },
    Verb {
        name: "scale",
        flags: scale::FLAGS,
        example: "kubectl scale deployment/web --replicas=3",
        parse: scale::parse,
        check: scale::check,
        effect: scale::effect,
    },
    Verb {
        name: "set",
        flags: set_image::FLAGS,
        example: "kubectl set image deployment/web web=nginx:1.25",
        parse: set_image::parse,
        check: set_image::check,
        effect: set_image::effect,
    },
    Verb {
        name: "patch",
        flags: patch::FLAGS,
        example: "kubectl patch deployment web -p '{\"spec\":{\"replicas\":4}}'",
        parse: patch::parse,
        check: patch::check,
        effect: patch::effect,
    },
    Verb {
        name: "rollout",
        flags: &[Flag::value("to-revision")],
        example: "kubectl rollout undo deployment/web --to-revision=1",
        parse: rollout::parse,
        check: rollout::check,
        effect: rollout::effect,
    },
    Verb {
        name: "cordon",
        flags: &[],
        example: "kubectl cordon worker-1",
        parse: nodes::parse_cordon,
        check: nodes::check,
        effect: nodes::cordon,
    },
    Verb {
        name: "uncordon",
        flags: &[],
        example: "kubectl uncordon worker-1",
        parse: nodes::parse_uncordon,
        check: nodes::check,
        effect: nodes::cordon,
    },
    Verb {
        name: "drain",
        flags: drain::FLAGS,
        example: "kubectl drain worker-1 --ignore-daemonsets",
        parse: drain::parse,
        check: nodes::check,
        effect: drain::effect,
    },
    Verb {
        name: "taint",
        flags: &[Flag::boolean("overwrite")],
        example: "kubectl taint nodes worker-1 dedicated=gpu:NoSchedule",
        parse: taint::parse,
        check: nodes::check,
        effect: taint::effect,
    },
    Verb {
        name: "label",
        flags: &[Flag::boolean("overwrite"), generate::RECORD, label::ALL, label::SELECTOR],
        example: "kubectl label nodes worker-1 disk=ssd",
        parse: label::parse,
        check: label::check_object,
        effect: label::effect_object,
    },
    Verb {
        name: "annotate",
        flags: &[Flag::boolean("overwrite"), generate::RECORD, label::ALL, label::SELECTOR],
        example: "kubectl annotate deployment web kubernetes.io/change-cause=v2",
        parse: label::parse_annotate,
        check: label::check_object,
        effect: label::effect_object,
    },
    Verb {
        name: "expose",
        flags: expose::FLAGS,
        example: "kubectl expose deployment web --port=80",
        parse: expose::parse,
        check: expose::check,
        effect: expose::effect,
    },
    Verb {
        name: "autoscale",
        flags: &[
            Flag::value("min"),
            Flag::value("max"),
            Flag::value("cpu-percent"),
            Flag::value("name"),
            generate::RECORD,
            generate::SAVE_CONFIG,
        ],
        example: "kubectl autoscale deployment web --max=10",
        parse: autoscale::parse,
        check: autoscale::check,
        // Never called: the command is the `create` of the HPA (`KubectlCommand::verb`).
        effect: apply::create,
    },
    Verb {
        name: "argo",
        flags: argo::FLAGS,
        example: "kubectl argo rollouts promote web",
        parse: argo::parse,
        check: argo::check,
        effect: argo::effect,
    },
    // The read-only verbs (`read.rs`); `rollout status|history` are in the `rollout` row.
    Verb {
        name: "get",
        flags: read::GET_FLAGS,
        example: "kubectl get pods",
        parse: read::parse_get,
        check: read::check,
        effect: read::effect,
    },
    Verb {
        name: "describe",
        flags: &[],
        example: "kubectl describe pod web",
        parse: read::parse_describe,
        check: read::check,
        effect: read::effect,
    },
    Verb {
        name: "wait",
        flags: read::WAIT_FLAGS,
        example: "kubectl wait --for=condition=available deployment/web --timeout=120s",
        parse: read::parse_wait,
        check: read::check,
        effect: read::effect,
    },
    Verb {
        name: "cluster-info",
        flags: &[],
        example: "kubectl cluster-info -n default",
        parse: read::parse_cluster_info,
        check: read::check,
        effect: read::effect,
    },
];

/// The verbs that need a running process or a network socket, refused with the reason.
const OFFLINE: &[(&str, &str)] = &[
    ("port-forward", "kubesim simulates no network sockets; send requests with the scenario's `traffic:` section"),
    ("proxy", "kubesim simulates no network sockets; send requests with the scenario's `traffic:` section"),
    ("exec", "kubesim simulates no processes inside containers"),
    ("logs", "kubesim simulates no processes, so containers write no logs; events.csv and --narrate say what happened"),
    ("cp", "kubesim simulates no container file systems"),
    ("attach", "kubesim simulates no processes or terminals"),
    ("top", "kubesim's metrics-server measures the requests each pod serves, not CPU and memory use; an HPA's measure shows in `kubectl get hpa` (TARGETS)"),
];

/// The row named `name`.
fn verb_named(name: &str) -> Option<&'static Verb> {
    VERBS.iter().find(|v| v.name == name)
}

/// Why a line does not parse, in kubectl's words, with a hint when there is one.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct KError {
    pub message: String,
    pub help: Option<String>,
}

fn err<T>(message: impl Into<String>, help: Option<String>) -> Result<T, KError> {
    Err(KError { message: message.into(), help })
}

/// A parsed `run:` line.
pub(crate) struct Line {
    pub verb: &'static Verb,
    pub command: KubectlCommand,
    /// Its flags and words, for the check (`-n`, `-f` and the others).
    pub args: Args,
}

/// Parses a `run:` line (with or without the leading `kubectl`).
pub(crate) fn parse_line(line: &str) -> Result<Line, KError> {
    let mut tokens = grammar::split(line)?;
    if tokens.first().map(String::as_str) == Some("kubectl") {
        tokens.remove(0);
    }
    let Some(vi) = grammar::verb_index(&tokens) else {
        return err("no kubectl command given", Some("e.g. `kubectl scale deployment/web --replicas=3`".into()));
    };
    let word = tokens.remove(vi);
    if let Some((_, why)) = OFFLINE.iter().find(|(v, _)| *v == word) {
        return err(format!("`kubectl {word}` cannot run in a simulation: {why}"), None);
    }
    let Some(verb) = verb_named(&word) else {
        // cobra's "unknown command" and its suggestion (spf13/cobra: args.go `legacyArgs`,
        // command.go `Command.findSuggestions`).
        let names = VERBS.iter().map(|v| v.name);
        let help = did_you_mean(&word, names.clone());
        let supported: Vec<&str> = names.collect();
        return err(
            format!("unknown command \"{word}\" for \"kubectl\" (kubesim supports {})", supported.join(", ")),
            help,
        );
    };
    let args = grammar::parse_args(&tokens, verb.flags)?;
    if !args.after_dash.is_empty() && !matches!(verb.name, "run" | "create") {
        return err(
            format!("unexpected arguments after --: {}", args.after_dash.join(" ")),
            Some("a command after `--` is taken by `kubectl run` and `kubectl create deployment|job|cronjob`".into()),
        );
    }
    let mut command = (verb.parse)(&args)?;
    if let KubectlCommand::Read(read) = &mut command {
        read.line = line.trim().to_string();
    }
    Ok(Line { verb, command, args })
}

/// What a line is checked against at load time.
pub(crate) struct World<'a> {
    /// Reads the files `-f` names, relative to the scenario.
    pub loader: &'a Loader<'a>,
    /// The objects that exist at the entry's time (the entries before it applied).
    pub reg: &'a mut Registry,
    /// The cluster's node groups.
    pub nodes: &'a [NodeGroup],
}

/// A row's check at work: the line, where its errors go, and the world it is checked against.
pub(crate) struct Check<'c> {
    /// The `run:` value: every error is placed there.
    pub run: &'c Node<'c>,
    /// The line as written, which starts every message.
    pub text: &'c str,
    pub args: Args,
    pub loader: &'c Loader<'c>,
    pub reg: &'c mut Registry,
    pub nodes: &'c [NodeGroup],
    pub r: &'c mut Report,
}

impl Check<'_> {
    /// Reports `` `LINE`: message `` at the `run:` value.
    pub fn fail(&mut self, message: impl std::fmt::Display, help: Option<String>) -> Option<KubectlCommand> {
        self.run.error(self.r, format!("`{}`: {message}", self.text), help);
        None
    }

    /// kubectl's NotFound.
    pub fn not_found(&mut self, what: impl std::fmt::Display) -> Option<KubectlCommand> {
        self.fail(format!("Error from server (NotFound): {what}"), None)
    }

    /// Whether `target` exists at this point of the timeline; NotFound reported if not
    /// (unless the object was written with errors, already reported at it).
    pub fn exists(&mut self, target: &ObjectRef) -> bool {
        let found = self.reg.objects.contains_key(target);
        if !found {
            self.missing(target);
        }
        found
    }

    /// Whether `target` names a pod that a controller of the registry may have made by the
    /// time the line runs, so that its absence is kubectl's NotFound at that moment (an
    /// event), not a load error: a StatefulSet's `NAME-ORDINAL` below its replicas, or a
    /// name of the shape the ReplicaSet, Job and DaemonSet controllers generate (the owner's
    /// name, `-`, five characters of the API server's generateName alphabet; a Deployment's
    /// or Rollout's pods with their pod-template-hash between, an Indexed Job's with their
    /// index), which kubesim draws from the run's seed, so a name read in an earlier run's
    /// pods.csv names the same pod again.
    pub fn controller_pod(&self, target: &ObjectRef) -> bool {
        use crate::controllers::deployment::util::SAFE_ALPHANUMS;
        use crate::model::spec::ObjectSpec;
        if target.kind != Kind::Pod {
            return false;
        }
        let owner = |kind: Kind, name: &str| {
            let id = ObjectRef { kind, namespace: target.namespace.clone(), name: name.to_string() };
            self.reg.objects.get(&id).map(|o| &o.spec)
        };
        let Some((prefix, last)) = target.name.rsplit_once('-') else { return false };
        if let Ok(ordinal) = last.parse::<i32>() {
            if matches!(owner(Kind::StatefulSet, prefix), Some(ObjectSpec::StatefulSet { spec, .. }) if ordinal < spec.replicas)
            {
                return true;
            }
        }
        let generated = |word: &str, len: std::ops::RangeInclusive<usize>| {
            len.contains(&word.len()) && word.bytes().all(|b| SAFE_ALPHANUMS.contains(&b))
        };
        if !generated(last, 5..=5) {
            return false;
        }
        let direct = [Kind::ReplicaSet, Kind::ReplicationController, Kind::Job, Kind::DaemonSet];
        if direct.iter().any(|&k| owner(k, prefix).is_some()) {
            return true;
        }
        let Some((base, middle)) = prefix.rsplit_once('-') else { return false };
        let hashed =
            generated(middle, 1..=10) && [Kind::Deployment, Kind::Rollout].iter().any(|&k| owner(k, base).is_some());
        let indexed = middle.parse::<u32>().is_ok() && owner(Kind::Job, base).is_some();
        hashed || indexed
    }

    /// kubectl's NotFound for `target`, said only if the scenario does not hold the object
    /// with errors of its own (one bad object gives one error).
    pub fn missing(&mut self, target: &ObjectRef) -> Option<KubectlCommand> {
        if self.r.broken.contains(target) {
            return None;
        }
        let help = self.run_pod_help(target);
        self.fail(format!("Error from server (NotFound): {}", registry::not_found(target)), help)
    }

    /// For a Deployment that is not there but a pod of that name made by `kubectl run` is:
    /// kubectl run makes a pod (since 1.18), not a Deployment.
    pub fn run_pod_help(&self, target: &ObjectRef) -> Option<String> {
        if target.kind != Kind::Deployment {
            return None;
        }
        let pod = ObjectRef { kind: Kind::Pod, ..target.clone() };
        let made_by_run = match self.reg.objects.get(&pod).map(|o| &o.spec) {
            Some(crate::model::spec::ObjectSpec::Pod { labels, .. }) => labels.contains_key("run"),
            _ => false,
        };
        made_by_run.then(|| {
            format!(
                "`kubectl run` creates a pod (pod/{0}), not a deployment, since kubectl 1.18: make a deployment with `kubectl create deployment {0} --image=IMAGE`",
                target.name
            )
        })
    }
}

/// Parses `text` and checks it against `world`: the command, or `None` once every problem
/// is reported at `run`.
pub(crate) fn check(run: &Node, text: &str, world: &mut World, r: &mut Report) -> Option<KubectlCommand> {
    let line = match parse_line(text) {
        Ok(l) => l,
        Err(e) => {
            run.error(r, format!("`{text}`: error: {}", e.message), e.help);
            return None;
        }
    };
    let mut c = Check { run, text, args: line.args, loader: world.loader, reg: &mut *world.reg, nodes: world.nodes, r };
    if let Some(n) = c.args.value("namespace").filter(|n| !c.reg.namespace_exists(n)) {
        return c.not_found(format!("namespaces \"{n}\" not found"));
    }
    (line.verb.check)(line.command, &mut c)
}

/// An error of a command at run time: the object it names (`deployment/web`) and what
/// kubectl would print.
pub(crate) type Failure = (String, ApiError);

/// Runs `command`: the errors kubectl would print, with the object each names.
pub(crate) fn run(sim: &mut Sim, command: &KubectlCommand) -> Vec<Failure> {
    match verb_named(command.verb()) {
        Some(verb) => (verb.effect)(sim, command),
        None => misrouted("run", command),
    }
}

/// The failure of one write to `id`, if the API server refused it.
fn refused(id: &ObjectRef, result: Result<(), ApiError>) -> Option<Failure> {
    result.err().map(|e| (id.to_string(), e))
}

/// A row's function was given a command of another row: [`KubectlCommand::verb`] and the
/// table disagree, a bug the table's tests catch.
fn misrouted<T>(verb: &str, command: &KubectlCommand) -> T {
    unreachable!("{command:?} reached the `{verb}` row of kubectl's table")
}

/// The Deployment `target` names; kubectl's error when it names another kind or nothing.
fn deployment(sim: &Sim, target: &ObjectRef) -> Result<DeployId, ApiError> {
    if target.kind != Kind::Deployment {
        return Err(ApiError::kubectl(format!("{} is not a deployment", resource_phrase(target))));
    }
    sim.ctx.store.find_deployment(&target.namespace, &target.name).ok_or_else(|| not_found(target))
}

/// Replaces the Deployment's template; a different template starts a rollout.
fn set_template(sim: &mut Sim, d: DeployId, template: PodTemplate) {
    let mut spec = sim.ctx.store.deployments[d].spec.clone();
    spec.template = std::sync::Arc::new(template);
    sim.update_deployment_spec(d, spec);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_has_one_row_per_name() {
        for (i, v) in VERBS.iter().enumerate() {
            assert!(VERBS[..i].iter().all(|w| w.name != v.name), "two rows named {}", v.name);
        }
    }

    /// Every row's name is a verb the parser finds, and its example parses through its own
    /// row into a command whose effect is a row of the table.
    #[test]
    fn every_row_parses_its_name_and_example() {
        for v in VERBS {
            if let Err(e) = parse_line(&format!("kubectl {}", v.name)) {
                let unknown = format!("unknown command \"{}\" for \"kubectl\"", v.name);
                assert!(!e.message.starts_with(&unknown), "{}: {}", v.name, e.message);
            }
            let line = parse_line(v.example).unwrap_or_else(|e| panic!("{}: {}", v.example, e.message));
            assert_eq!(line.verb.name, v.name, "{}", v.example);
            assert!(verb_named(line.command.verb()).is_some(), "{}: {:?}", v.example, line.command);
            assert!(v.example.starts_with(&format!("kubectl {} ", v.name)), "{}", v.example);
        }
    }

    /// `--record` (cli-runtime `RecordFlags`) and `--save-config`
    /// (`cmdutil.AddApplyAnnotationFlags`) on exactly the verbs whose kubectl source adds them
    /// (`pkg/cmd/*/*.go`: `o.RecordFlags.AddFlags(cmd)`; set env, delete, rollout and the node
    /// verbs add neither; apply has no --save-config, it always saves).
    #[test]
    fn record_and_save_config_on_the_verbs_kubectl_gives_them() {
        let has = |v: &Verb, f: &str| v.flags.iter().any(|g| g.long == f);
        let record =
            ["apply", "create", "run", "replace", "scale", "set", "patch", "label", "annotate", "expose", "autoscale"];
        let save = ["create", "run", "replace", "expose", "autoscale"];
        for v in VERBS {
            assert_eq!(has(v, "record"), record.contains(&v.name), "--record on {}", v.name);
            assert_eq!(has(v, "save-config"), save.contains(&v.name), "--save-config on {}", v.name);
        }
    }

    #[test]
    fn unknown_verbs_and_namespaces() {
        let e = test_lines::error("kubectl scael deployment/web --replicas=3");
        assert!(e.message.starts_with("unknown command \"scael\" for \"kubectl\""));
        assert_eq!(e.help.as_deref(), Some("did you mean `scale`?"));
        assert_eq!(
            e.message,
            "unknown command \"scael\" for \"kubectl\" (kubesim supports apply, create, run, replace, delete, scale, set, patch, rollout, cordon, uncordon, drain, taint, label, annotate, expose, autoscale, argo, get, describe, wait, cluster-info)"
        );
        let ns = |line: &str| parse_line(line).unwrap().args.value("namespace");
        assert_eq!(ns("kubectl --namespace=prod scale deployment/web --replicas=1").as_deref(), Some("prod"));
        assert_eq!(ns("kubectl scale deployment/web --replicas=1 -nprod").as_deref(), Some("prod"));
        assert!(test_lines::error("").message.contains("no kubectl command"));
        assert_eq!(test_lines::error("kubectl cordn w").help.as_deref(), Some("did you mean `cordon`?"));
    }
}

/// Helpers for the verbs' tests.
#[cfg(test)]
pub(crate) mod test_lines {
    use super::{parse_line, KError, KubectlCommand};
    use crate::model::spec::{Kind, ObjectRef};

    pub fn cmd(line: &str) -> KubectlCommand {
        parse_line(line).unwrap_or_else(|e| panic!("{line}: {}", e.message)).command
    }

    pub fn error(line: &str) -> KError {
        parse_line(line).err().unwrap_or_else(|| panic!("{line} should fail"))
    }

    /// `kind/name` in the default namespace.
    pub fn object(kind: Kind, name: &str) -> ObjectRef {
        ObjectRef { kind, namespace: "default".into(), name: name.into() }
    }

    pub fn dep(name: &str) -> ObjectRef {
        object(Kind::Deployment, name)
    }
}
