//! One Kubernetes manifest -> a checked [`Object`]: kind lookup, strict parsing with
//! k8s-openapi (unknown fields and type errors with their place), validation, conversion.

use super::checker::Checker;
use super::diagnostic::Report;
use super::fields::{self, Ty};
use super::kinds::{self, KindInfo};
use super::positions::{Anchor, Seg, YPath};
use super::source::Loc;
use super::suggest::did_you_mean;
use super::{convert, job_policies, validate};
use crate::model::spec::{self, Kind, Object, ObjectRef, ObjectSpec};
use k8s_openapi::api::{apps::v1 as apps, core::v1 as core};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::Metadata;
use serde::de::DeserializeOwned;
use serde_yaml::Value;
use std::sync::Arc;

/// A parsed object and where it came from.
pub(crate) struct Parsed {
    pub object: Object,
    pub loc: Loc,
    /// Pods it asks for (replicas; 1 for a Pod).
    pub desired_pods: u64,
    /// `priority` and `preemptionPolicy` as written in the pod spec (Pods and templates),
    /// which the priority admission plugin checks against the PriorityClass.
    pub given_priority: Option<i64>,
    pub given_preemption: Option<String>,
    /// `containerPort`s of the (template's) containers, for `kubectl expose` without `--port`.
    pub container_ports: Vec<i32>,
    /// Services an Ingress names, each with its place (warned about if never created).
    pub service_refs: Vec<(YPath, String)>,
}

/// Where the pod spec of an object is: `spec` for a Pod, `spec.template.spec` for workloads.
pub(crate) fn pod_spec_path(kind: Kind) -> Option<&'static str> {
    match kind {
        Kind::Pod => Some("spec"),
        Kind::Deployment
        | Kind::ReplicaSet
        | Kind::ReplicationController
        | Kind::Job
        | Kind::DaemonSet
        | Kind::StatefulSet => Some("spec.template.spec"),
        Kind::CronJob => Some("spec.jobTemplate.spec.template.spec"),
        _ => None,
    }
}

/// Parses the manifest `value` found at `loc`. Problems go to `report`; None if any.
pub(crate) fn parse(value: &Value, loc: &Loc, default_ns: Option<&str>, report: &mut Report) -> Option<Parsed> {
    let info = match kind_of(value, loc, report)? {
        Found::Known(info) => info,
        Found::Other(kind)
            if kind == "AnalysisTemplate.argoproj.io" || kind == "ClusterAnalysisTemplate.argoproj.io" =>
        {
            super::analysis::parse(value, loc, default_ns, report, kind.starts_with("Cluster"));
            return None;
        }
        Found::Other(kind) => {
            other_kind(value, loc, kind, default_ns, report);
            return None;
        }
        Found::Kustomization => {
            let msg = "a kustomization (kustomize's own file, not a Kubernetes object) is not applied here: \
                       name its folder to load its `resources:`";
            report.push(loc.warning(&YPath::root().key("kind"), Anchor::Value, msg));
            return None;
        }
    };
    let name = value.get("metadata").and_then(|m| m.get("name")).and_then(Value::as_str).unwrap_or("");
    let label = format!("{}/{}", info.kind.resource(), if name.is_empty() { "<unnamed>" } else { name });
    let mut c = Checker::new(loc, label, report);
    // An object with errors (already reported) is still registered, so that the timeline's
    // and the traffic's references to it are checked rather than reported as not found.
    let Some((spec, meta, desired)) = typed(&mut c, info, value) else {
        // Its errors are reported; what names it later is not "not found" as well.
        let namespace = if info.kind.namespaced() {
            let given = value.get("metadata").and_then(|m| m.get("namespace")).and_then(Value::as_str);
            given.or(default_ns).unwrap_or("default").to_string()
        } else {
            String::new()
        };
        report.broken.insert(ObjectRef { kind: info.kind, namespace, name: name.to_string() });
        return None;
    };
    if c.errors == 0 {
        warn_not_simulated(&mut c, info, value);
    }
    let namespace = if info.kind.namespaced() {
        meta.namespace.clone().or(default_ns.map(str::to_string)).unwrap_or_else(|| "default".into())
    } else {
        String::new()
    };
    let id = ObjectRef { kind: info.kind, namespace, name: meta.name.clone().unwrap_or_default() };
    if !info.simulated {
        report.not_simulated(info.name.to_string(), format!("{}/{}", id.namespace, id.name));
    }
    let pod_spec = pod_spec_path(info.kind).and_then(|p| p.split('.').try_fold(value, |v, k| v.get(k)));
    let given = |k: &str| pod_spec.and_then(|s| s.get(k));
    Some(Parsed {
        object: Object { id, spec },
        loc: loc.clone(),
        desired_pods: desired,
        given_priority: given("priority").and_then(Value::as_i64),
        given_preemption: given("preemptionPolicy").and_then(Value::as_str).map(str::to_string),
        container_ports: container_ports(pod_spec),
        service_refs: if info.kind == Kind::Ingress { super::network::backend_refs(value) } else { Vec::new() },
    })
}

/// Every `containerPort` of the app containers, in order, without repeats.
fn container_ports(pod_spec: Option<&Value>) -> Vec<i32> {
    let mut out: Vec<i32> = Vec::new();
    let containers = pod_spec.and_then(|s| s.get("containers")).and_then(Value::as_sequence);
    for k in containers.into_iter().flatten() {
        let ports = k.get("ports").and_then(Value::as_sequence);
        for p in ports.into_iter().flatten() {
            if let Some(n) = p.get("containerPort").and_then(Value::as_i64).and_then(|n| i32::try_from(n).ok()) {
                if !out.contains(&n) {
                    out.push(n);
                }
            }
        }
    }
    out
}

/// What a manifest's `apiVersion` and `kind` say it is.
enum Found {
    /// A kind kubesim reads (simulated, or checked strictly then ignored).
    Known(&'static KindInfo),
    /// Another kind of Kubernetes' API or a custom resource: its shape is checked, then it
    /// is listed as not simulated under this name (`ClusterRole`,
    /// `VirtualService.networking.istio.io`).
    Other(String),
    /// kustomize's own file (`kustomize.config.k8s.io`), which no API server takes.
    Kustomization,
}

/// `apiVersion` and `kind`: present, known, and matching.
fn kind_of(value: &Value, loc: &Loc, report: &mut Report) -> Option<Found> {
    let root = YPath::root();
    if !value.is_mapping() {
        report.push(loc.error(
            &root,
            Anchor::Value,
            "expected a Kubernetes object: a mapping with apiVersion, kind, metadata and spec",
        ));
        return None;
    }
    let (kind_v, api_v) = (value.get("kind"), value.get("apiVersion"));
    if kind_v.is_none() || api_v.is_none() {
        let missing = if kind_v.is_none() { "kind" } else { "apiVersion" };
        let d = loc.error(
            &root,
            Anchor::Value,
            format!("{missing} not set: every object needs `apiVersion` and `kind` (strings)"),
        );
        report.push(d.with_help(Some("e.g. `apiVersion: apps/v1` and `kind: Deployment`".into())));
        return None;
    }
    let mut text = |key: &str, v: Option<&Value>| match v.and_then(Value::as_str).filter(|s| !s.is_empty()) {
        Some(s) => Some(s.to_string()),
        None => {
            let msg = format!("{key} must be a non-empty string (e.g. `apiVersion: apps/v1`, `kind: Deployment`)");
            report.push(loc.error(&root.key(key), Anchor::Value, msg));
            None
        }
    };
    let (kind, api) = (text("kind", kind_v), text("apiVersion", api_v));
    let (kind, api) = (kind?, api?);
    let group = kinds::api_group(&api);
    if group == "kustomize.config.k8s.io" {
        return Some(Found::Kustomization);
    }
    let builtin = kinds::builtin_group(group);
    let known = kinds::by_manifest_kind(&kind)
        .filter(|i| builtin.is_some() || i.api_versions.iter().any(|a| kinds::api_group(a) == group));
    let Some(info) = known else {
        return match builtin {
            None => Some(Found::Other(format!("{kind}.{group}"))),
            Some(group_kinds) if group_kinds.contains(&kind.as_str()) => Some(Found::Other(kind)),
            Some(_) => {
                let d = loc.error(
                    &root.key("kind"),
                    Anchor::Value,
                    format!("no matches for kind \"{kind}\" in version \"{api}\""),
                );
                let names = || kinds::manifest_kind_names().chain(kinds::builtin_kind_names());
                let help = did_you_mean(&kind, names()).or_else(|| {
                    Some(format!("known kinds: {}", kinds::manifest_kind_names().collect::<Vec<_>>().join(", ")))
                });
                report.push(d.with_help(help));
                None
            }
        };
    };
    if info.kind == Kind::Node {
        report.push(loc.error(
            &root.key("kind"),
            Anchor::Value,
            "Node objects are not accepted: nodes are declared under `cluster.nodes`",
        ));
        return None;
    }
    if !info.api_versions.contains(&api.as_str()) {
        let d = loc.error(
            &root.key("apiVersion"),
            Anchor::Value,
            format!("no matches for kind \"{kind}\" in version \"{api}\""),
        );
        report.push(d.with_help(Some(format!(
            "{kind} is in apiVersion `{}`",
            info.api_versions.first().copied().unwrap_or("v1")
        ))));
        return None;
    }
    Some(Found::Known(info))
}

/// A kind kubesim does not read: `metadata.name` (or `generateName`) must be there, as the
/// API server requires; the object is then counted for the not-simulated warning.
fn other_kind(value: &Value, loc: &Loc, kind: String, default_ns: Option<&str>, report: &mut Report) {
    let root = YPath::root();
    let meta = value.get("metadata");
    let text = |key: &str| meta.and_then(|m| m.get(key)).and_then(Value::as_str).filter(|s| !s.is_empty());
    let short = kind.split('.').next().unwrap_or(&kind).to_ascii_lowercase();
    let identity = match (text("name"), text("generateName")) {
        (Some(name), _) => name.to_string(),
        (None, Some(prefix)) => format!("{prefix}* at {}:{}:{}", loc.file().display(), loc.doc, loc.prefix),
        (None, None) => {
            let (path, anchor) = match meta {
                Some(m) if m.is_mapping() => (root.key("metadata"), Anchor::Key),
                Some(_) => (root.key("metadata"), Anchor::Value),
                None => (root.key("kind"), Anchor::Key),
            };
            let msg = format!("{short}/<unnamed>: metadata.name: Required value: name or generateName is required");
            report.push(loc.error(&path, anchor, msg));
            return;
        }
    };
    let ns = text("namespace").or(default_ns).unwrap_or("");
    report.not_simulated(kind, format!("{ns}/{identity}"));
}

pub(crate) type Typed = (ObjectSpec, ObjectMeta, u64);

fn typed(c: &mut Checker, info: &KindInfo, v: &Value) -> Option<Typed> {
    let api = v.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    if info.kind == Kind::Ingress {
        return super::network::ingress(c, v);
    }
    if info.kind == Kind::HorizontalPodAutoscaler {
        return super::hpa::parse(c, v);
    }
    if info.kind == Kind::Rollout {
        return super::rollout::parse(c, v);
    }
    if info.kind == Kind::CronJob {
        // batch/v1beta1 has batch/v1's fields (but timeZone): both are read as batch/v1.
        let mut v1 = v.clone();
        if let Some(m) = v1.as_mapping_mut() {
            m.insert("apiVersion".into(), "batch/v1".into());
        }
        return cron_job(strict(c, &v1, Ty::CronJob)?, c);
    }
    if !info.typed || api != info.api_versions.first().copied().unwrap_or("") {
        return untyped(c, v);
    }
    match info.kind {
        Kind::Deployment => deployment(strict(c, v, Ty::Deployment)?, c),
        Kind::ReplicaSet => replica_set(strict(c, v, Ty::ReplicaSet)?, c),
        Kind::ReplicationController => rc(strict(c, v, Ty::ReplicationController)?, c),
        Kind::Pod => pod(strict(c, v, Ty::Pod)?, c),
        Kind::Namespace => not_simulated(strict::<core::Namespace>(c, v, Ty::OtherKind)?, c, true)
            .map(|(_, m, n)| (ObjectSpec::Namespace, m, n)),
        Kind::Service => super::network::service(strict(c, v, Ty::Service)?, c),
        Kind::ConfigMap => not_simulated(strict::<core::ConfigMap>(c, v, Ty::OtherKind)?, c, false),
        Kind::Secret => not_simulated(strict::<core::Secret>(c, v, Ty::OtherKind)?, c, false),
        Kind::ServiceAccount => not_simulated(strict::<core::ServiceAccount>(c, v, Ty::OtherKind)?, c, false),
        Kind::DaemonSet => daemon_set(strict(c, v, Ty::DaemonSet)?, c),
        Kind::StatefulSet => stateful_set(strict(c, v, Ty::StatefulSet)?, c),
        Kind::Job => job(strict(c, v, Ty::Job)?, c),
        Kind::CronJob => cron_job(strict(c, v, Ty::CronJob)?, c),
        Kind::PodDisruptionBudget => pdb(strict(c, v, Ty::OtherKind)?, c),
        Kind::PriorityClass => priority_class(strict(c, v, Ty::OtherKind)?, c),
        Kind::PersistentVolumeClaim => super::storage::claim(strict(c, v, Ty::OtherKind)?, c),
        Kind::PersistentVolume => super::storage::volume(strict(c, v, Ty::OtherKind)?, c),
        Kind::StorageClass => super::storage::storage_class(strict(c, v, Ty::OtherKind)?, c),
        Kind::LimitRange => super::policy::limit_range(strict(c, v, Ty::OtherKind)?, c),
        Kind::ResourceQuota => super::policy::resource_quota(strict(c, v, Ty::OtherKind)?, c),
        Kind::Node | Kind::Rollout | Kind::Ingress | Kind::HorizontalPodAutoscaler => untyped(c, v),
    }
}

/// Kinds without a k8s-openapi type (Argo Rollout): only `metadata` is read.
fn untyped(c: &mut Checker, v: &Value) -> Option<Typed> {
    let meta_v = v.get("metadata").cloned().unwrap_or(Value::Null);
    let mut sub = Checker::new(c.loc, c.label.clone(), c.report);
    let loc = sub.loc.sub(&YPath::root().key("metadata"));
    let meta: ObjectMeta = {
        let mut mc = Checker::new(&loc, sub.label.clone(), sub.report);
        let m = strict_value::<ObjectMeta>(&mut mc, &meta_v, Ty::ObjectMeta, fields::fields_of::<ObjectMeta>());
        sub.errors += mc.errors;
        m?
    };
    c.errors += sub.errors;
    validate::check_meta(c, &meta, false);
    Some((ObjectSpec::NotSimulated, meta, 0))
}

fn not_simulated<T: Metadata<Ty = ObjectMeta>>(obj: T, c: &mut Checker, namespace: bool) -> Option<Typed> {
    let meta = obj.metadata().clone();
    validate::check_meta(c, &meta, namespace);
    Some((ObjectSpec::NotSimulated, meta, 0))
}

pub(crate) fn strict<T: DeserializeOwned>(c: &mut Checker, v: &Value, root: Ty) -> Option<T> {
    strict_value(c, v, root, root_fields::<T>(root))
}

fn root_fields<T: DeserializeOwned>(root: Ty) -> &'static [&'static str] {
    if root == Ty::OtherKind {
        fields::fields_of::<T>()
    } else {
        root.fields()
    }
}

/// Deserializes `v` strictly: every unknown field and the first type error are reported.
/// With only unknown fields the object is still returned (they were skipped), so that its
/// other problems are found in the same pass and references to it do not fail too.
fn strict_value<T: DeserializeOwned>(c: &mut Checker, v: &Value, root: Ty, top: &'static [&'static str]) -> Option<T> {
    let mut unknown: Vec<YPath> = Vec::new();
    let result: Result<T, _> = {
        let mut cb = |p: serde_ignored::Path| unknown.push(ignored_path(&p));
        serde_path_to_error::deserialize(serde_ignored::Deserializer::new(v.clone(), &mut cb))
    };
    for path in &unknown {
        let key = path.last_key().unwrap_or("");
        let cands = if path.0.len() == 1 { top.to_vec() } else { fields::candidates(root, path) };
        let msg = format!("{}: unknown field \"{path}\"", c.label);
        c.at(path, Anchor::Key, msg, did_you_mean(key, cands));
    }
    match result {
        Ok(t) => Some(t),
        Err(e) => {
            let path = error_path(e.path());
            let inner = e.into_inner().to_string();
            let shown = if path.0.is_empty() { String::new() } else { format!("{path}: ") };
            let msg = format!("{}: {shown}{inner}", c.label);
            c.at(&path, Anchor::Value, msg, None);
            None
        }
    }
}

fn ignored_path(p: &serde_ignored::Path) -> YPath {
    let mut segs = Vec::new();
    let mut cur = p;
    loop {
        match cur {
            serde_ignored::Path::Root => break,
            serde_ignored::Path::Seq { parent, index } => {
                segs.push(Seg::Index(*index));
                cur = parent;
            }
            serde_ignored::Path::Map { parent, key } => {
                segs.push(Seg::Key(key.clone()));
                cur = parent;
            }
            serde_ignored::Path::Some { parent }
            | serde_ignored::Path::NewtypeStruct { parent }
            | serde_ignored::Path::NewtypeVariant { parent } => cur = parent,
        }
    }
    segs.reverse();
    YPath(segs)
}

fn error_path(p: &serde_path_to_error::Path) -> YPath {
    YPath(
        p.iter()
            .filter_map(|s| match s {
                serde_path_to_error::Segment::Seq { index } => Some(Seg::Index(*index)),
                serde_path_to_error::Segment::Map { key } => Some(Seg::Key(key.clone())),
                _ => None,
            })
            .collect(),
    )
}

fn deployment(d: apps::Deployment, c: &mut Checker) -> Option<Typed> {
    validate::check_meta(c, &d.metadata, false);
    let Some(s) = d.spec.as_ref() else {
        c.required("spec");
        return None;
    };
    validate::check_deployment_numbers(c, s);
    let template = convert::template(c, Some(&s.template));
    validate::check_selector(c, &s.selector, Some(&template.labels), "deployment");
    let replicas = s.replicas.unwrap_or(1);
    let spec = spec::DeploymentSpec {
        replicas,
        selector: convert::selector(&s.selector),
        template,
        strategy: convert::strategy(c, s.strategy.as_ref()),
        min_ready_seconds: s.min_ready_seconds.unwrap_or(0),
        revision_history_limit: s.revision_history_limit.unwrap_or(10),
        progress_deadline_seconds: s.progress_deadline_seconds.unwrap_or(600),
        paused: s.paused.unwrap_or(false),
    };
    let (labels, annotations) = labels_annotations(&d.metadata);
    Some((ObjectSpec::Deployment { labels, annotations, spec }, d.metadata, pods(replicas)))
}

fn replica_set(rs: apps::ReplicaSet, c: &mut Checker) -> Option<Typed> {
    validate::check_meta(c, &rs.metadata, false);
    let Some(s) = rs.spec.as_ref() else {
        c.required("spec");
        return None;
    };
    validate::check_replicas(c, s.replicas);
    c.nonnegative("spec.minReadySeconds", s.min_ready_seconds.map(i64::from));
    let template = convert::template(c, s.template.as_ref());
    validate::check_selector(c, &s.selector, Some(&template.labels), "replicaset");
    let spec = rs_spec(s.replicas, convert::selector(&s.selector), template, s.min_ready_seconds);
    let replicas = spec.replicas;
    let (labels, _) = labels_annotations(&rs.metadata);
    Some((ObjectSpec::ReplicaSet { labels, spec }, rs.metadata, pods(replicas)))
}

fn rc(rc: core::ReplicationController, c: &mut Checker) -> Option<Typed> {
    validate::check_meta(c, &rc.metadata, false);
    let Some(s) = rc.spec.as_ref() else {
        c.required("spec");
        return None;
    };
    validate::check_replicas(c, s.replicas);
    c.nonnegative("spec.minReadySeconds", s.min_ready_seconds.map(i64::from));
    let template = convert::template(c, s.template.as_ref());
    // A ReplicationController's selector is a plain map, defaulting to the template's labels.
    let sel = s.selector.clone().filter(|m| !m.is_empty()).unwrap_or_else(|| template.labels.clone());
    let label_sel = k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector {
        match_labels: Some(sel),
        match_expressions: None,
    };
    validate::check_selector(c, &label_sel, Some(&template.labels), "replicationcontroller");
    let spec = rs_spec(s.replicas, convert::selector(&label_sel), template, s.min_ready_seconds);
    let replicas = spec.replicas;
    let (labels, _) = labels_annotations(&rc.metadata);
    Some((ObjectSpec::ReplicationController { labels, spec }, rc.metadata, pods(replicas)))
}

/// batch/v1 Job (ValidateJobSpec), with its defaults: completions as given (None: a work
/// queue), parallelism 1, backoffLimit 6, NonIndexed.
fn job(j: k8s_openapi::api::batch::v1::Job, c: &mut Checker) -> Option<Typed> {
    validate::check_meta(c, &j.metadata, false);
    let Some(s) = j.spec.as_ref() else {
        c.required("spec");
        return None;
    };
    let (mut spec, desired) = job_spec(c, s);
    let name = j.metadata.name.as_deref().unwrap_or("");
    spec.manual_selector = s.manual_selector == Some(true);
    spec.selector = job_selector(c, s, name, &spec.template.labels);
    let (labels, _) = labels_annotations(&j.metadata);
    Some((ObjectSpec::Job { labels, spec }, j.metadata, desired))
}

/// A Job's `selector` and `manualSelector` (validation.go `ValidateJobSpec`,
/// `ValidateGeneratedSelector`; strategy.go `generateSelector`): with `manualSelector: true`
/// the selector is required and must match the template's labels; without it a selector
/// must select the labels the server generates, and the template may not give the UID
/// labels or another name. The user's selector, if valid.
fn job_selector(
    c: &mut Checker,
    s: &k8s_openapi::api::batch::v1::JobSpec,
    name: &str,
    template: &std::collections::BTreeMap<String, String>,
) -> Option<spec::Selector> {
    use crate::controllers::job::selector::{
        generated_labels, selects_generated_labels, CONTROLLER_UID_LABELS, JOB_NAME_LABELS,
    };
    let manual = s.manual_selector == Some(true);
    // The UID is given at creation: no selector or template label written beforehand can
    // name it ("<uid>" stands for it).
    const UID: &str = "<uid>";
    if !manual {
        // ValidateHasLabel over the template generateSelector completed.
        let expected = generated_labels(&Default::default(), name, UID);
        for key in JOB_NAME_LABELS.iter().chain(CONTROLLER_UID_LABELS.iter()) {
            let want = expected.get(*key).map_or("", String::as_str);
            if template.get(*key).is_some_and(|v| v != want || CONTROLLER_UID_LABELS.contains(key)) {
                let path = format!("spec.template.metadata.labels[{key}]");
                c.invalid(&path, validate::go_map(template), &format!("must be '{want}'"));
            }
        }
    }
    let Some(sel) = s.selector.as_ref() else {
        if manual {
            c.required("spec.selector");
        }
        return None;
    };
    let errors = c.errors;
    validate::check_label_selector(c, "spec.selector", sel);
    let selector = convert::selector(sel);
    if manual && !selector.matches(template) {
        let labels = validate::go_map(template);
        c.invalid("spec.template.metadata.labels", labels, "`selector` does not match template `labels`");
    } else if !manual && !selects_generated_labels(&selector, name, UID) {
        c.field("spec.selector", "Invalid value: `selector` not auto-generated");
    }
    (c.errors == errors).then_some(selector)
}

/// A Job's spec (validateJobSpec) and the pods it asks for at once; a CronJob's
/// `jobTemplate.spec` too, with `c` placed at the template.
fn job_spec(c: &mut Checker, s: &k8s_openapi::api::batch::v1::JobSpec) -> (spec::JobSpec, u64) {
    c.nonnegative("spec.parallelism", s.parallelism.map(i64::from));
    c.nonnegative("spec.completions", s.completions.map(i64::from));
    c.nonnegative("spec.backoffLimit", s.backoff_limit.map(i64::from));
    c.nonnegative("spec.ttlSecondsAfterFinished", s.ttl_seconds_after_finished.map(i64::from));
    if let Some(d) = s.active_deadline_seconds.filter(|d| *d <= 0) {
        c.invalid("spec.activeDeadlineSeconds", d, "must be greater than or equal to 1");
    }
    let indexed = match s.completion_mode.as_deref() {
        None | Some("NonIndexed") => false,
        Some("Indexed") => true,
        Some(other) => {
            c.unsupported("spec.completionMode", other, &["NonIndexed", "Indexed"]);
            false
        }
    };
    if indexed && s.completions.is_none() {
        c.field("spec.completions", "Required value: when completion mode is Indexed");
    }
    let template = convert::template_with(c, Some(&s.template), validate::RestartRule::JobOnly);
    for (n, what) in [(s.parallelism, "parallelism"), (s.completions, "completions")] {
        if let Some(n) = n.map(i64::from).filter(|n| *n > validate::MAX_REPLICAS) {
            let msg = format!("{n} is more than kubesim's limit of {} pods per workload", validate::MAX_REPLICAS);
            c.field(&format!("spec.{what}"), msg);
        }
    }
    let parallelism = s.parallelism.unwrap_or(1);
    let policies = job_policies::check(c, s, indexed, &template);
    let spec = spec::JobSpec {
        template,
        completions: s.completions,
        parallelism,
        // SetDefaults_Job: with backoffLimitPerIndex the global limit is MaxInt32.
        backoff_limit: s.backoff_limit.unwrap_or(if s.backoff_limit_per_index.is_some() { i32::MAX } else { 6 }),
        indexed,
        active_deadline_seconds: s.active_deadline_seconds,
        ttl_seconds_after_finished: s.ttl_seconds_after_finished,
        suspend: s.suspend.unwrap_or(false),
        pod_failure_policy: policies.pod_failure_policy,
        backoff_limit_per_index: s.backoff_limit_per_index,
        max_failed_indexes: s.max_failed_indexes,
        success_policy: policies.success_policy,
        replace_only_failed: policies.replace_only_failed,
        // A Job's own (`job`); a CronJob's template may not have them.
        selector: None,
        manual_selector: false,
    };
    (spec, pods(s.completions.unwrap_or(parallelism).max(parallelism)))
}

/// The longest CronJob name: its Jobs add an 11-character `-<minutes>` suffix and a Job's
/// name is a 63-character label (ValidateCronJobCreate).
const MAX_CRON_JOB_NAME: usize = 52;

/// batch/v1 CronJob (ValidateCronJobCreate, validateCronJobSpec, validateScheduleFormat,
/// validateTimeZone, ValidateJobTemplateSpec), with its defaults (SetDefaults_CronJob:
/// concurrencyPolicy Allow, suspend false, successfulJobsHistoryLimit 3,
/// failedJobsHistoryLimit 1). The schedule is read by the parser the controller uses.
fn cron_job(cj: k8s_openapi::api::batch::v1::CronJob, c: &mut Checker) -> Option<Typed> {
    use crate::controllers::cronjob::schedule;
    validate::check_meta(c, &cj.metadata, false);
    let name = cj.metadata.name.as_deref().unwrap_or("");
    if name.len() > MAX_CRON_JOB_NAME {
        c.invalid("metadata.name", format!("\"{name}\""), "must be no more than 52 characters");
    }
    let Some(s) = cj.spec.as_ref() else {
        c.required("spec");
        return None;
    };
    let shown = format!("{:?}", s.schedule);
    if s.schedule.is_empty() {
        c.required("spec.schedule");
    } else {
        // robfig reads a `TZ=` / `CRON_TZ=` prefix itself; the rest must parse.
        let rest = match s.schedule.split_once(char::is_whitespace) {
            Some((tz, rest)) if tz.starts_with("TZ=") || tz.starts_with("CRON_TZ=") => rest,
            _ => s.schedule.as_str(),
        };
        if let Err(e) = schedule::parse(rest) {
            c.invalid("spec.schedule", &shown, &e);
        }
        if s.schedule.contains("TZ") {
            c.invalid("spec.schedule", &shown, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead");
        }
    }
    c.nonnegative("spec.startingDeadlineSeconds", s.starting_deadline_seconds);
    if let Some(tz) = &s.time_zone {
        let shown = format!("{tz:?}");
        if tz.is_empty() {
            c.invalid("spec.timeZone", shown, "timeZone must be nil or non-empty string");
        } else if tz.eq_ignore_ascii_case("Local") {
            c.invalid(
                "spec.timeZone",
                shown,
                "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones",
            );
        } else if let Err(e) = schedule::time_zone(tz) {
            c.invalid("spec.timeZone", shown, &e);
        }
    }
    let concurrency_policy = match s.concurrency_policy.as_deref() {
        None | Some("") | Some("Allow") => spec::ConcurrencyPolicy::Allow,
        Some("Forbid") => spec::ConcurrencyPolicy::Forbid,
        Some("Replace") => spec::ConcurrencyPolicy::Replace,
        Some(other) => {
            c.unsupported("spec.concurrencyPolicy", other, &["Allow", "Forbid", "Replace"]);
            spec::ConcurrencyPolicy::Allow
        }
    };
    c.nonnegative("spec.successfulJobsHistoryLimit", s.successful_jobs_history_limit.map(i64::from));
    c.nonnegative("spec.failedJobsHistoryLimit", s.failed_jobs_history_limit.map(i64::from));
    let template = &s.job_template;
    let Some(job) = template.spec.as_ref() else {
        c.required("spec.jobTemplate.spec");
        return None;
    };
    let (job, desired) = {
        // The template's problems are placed in it, and say where they are.
        let loc = c.loc.sub(&YPath::root().key("spec").key("jobTemplate"));
        let mut sub = Checker::new(&loc, format!("{}: spec.jobTemplate", c.label), c.report);
        if job.selector.is_some() {
            sub.field("spec.selector", "Invalid value: `selector` will be auto-generated");
        }
        if job.manual_selector == Some(true) {
            sub.unsupported("spec.manualSelector", "true", &["nil", "false"]);
        }
        let out = job_spec(&mut sub, job);
        c.errors += sub.errors;
        out
    };
    let (job_labels, job_annotations) = template.metadata.as_ref().map(labels_annotations).unwrap_or_default();
    validate::check_labels(c, "spec.jobTemplate.metadata.labels", Some(&job_labels));
    let spec = spec::CronJobSpec {
        schedule: s.schedule.clone(),
        time_zone: s.time_zone.clone(),
        starting_deadline_seconds: s.starting_deadline_seconds,
        concurrency_policy,
        suspend: s.suspend.unwrap_or(false),
        successful_jobs_history_limit: s.successful_jobs_history_limit.unwrap_or(3),
        failed_jobs_history_limit: s.failed_jobs_history_limit.unwrap_or(1),
        job_labels,
        job_annotations,
        job,
    };
    let (labels, _) = labels_annotations(&cj.metadata);
    Some((ObjectSpec::CronJob { labels, spec }, cj.metadata, desired))
}

/// apps/v1 DaemonSet (ValidateDaemonSetSpec): RollingUpdate maxUnavailable 1 / maxSurge 0
/// by default, or OnDelete.
fn daemon_set(ds: apps::DaemonSet, c: &mut Checker) -> Option<Typed> {
    validate::check_meta(c, &ds.metadata, false);
    let Some(s) = ds.spec.as_ref() else {
        c.required("spec");
        return None;
    };
    c.nonnegative("spec.minReadySeconds", s.min_ready_seconds.map(i64::from));
    let template = convert::template(c, Some(&s.template));
    validate::check_selector(c, &s.selector, Some(&template.labels), "daemonset");
    let strategy = convert::daemon_set_strategy(c, s.update_strategy.as_ref());
    let spec = spec::DaemonSetSpec {
        selector: convert::selector(&s.selector),
        template,
        strategy,
        min_ready_seconds: s.min_ready_seconds.unwrap_or(0),
    };
    let (labels, _) = labels_annotations(&ds.metadata);
    Some((ObjectSpec::DaemonSet { labels, spec }, ds.metadata, 0))
}

/// apps/v1 StatefulSet (ValidateStatefulSetSpec): OrderedReady and RollingUpdate with
/// partition 0 by default.
fn stateful_set(ss: apps::StatefulSet, c: &mut Checker) -> Option<Typed> {
    validate::check_meta(c, &ss.metadata, false);
    let Some(s) = ss.spec.as_ref() else {
        c.required("spec");
        return None;
    };
    validate::check_replicas(c, s.replicas);
    c.nonnegative("spec.minReadySeconds", s.min_ready_seconds.map(i64::from));
    let template = convert::template(c, Some(&s.template));
    validate::check_selector(c, &s.selector, Some(&template.labels), "statefulset");
    let ordered = match s.pod_management_policy.as_deref() {
        None | Some("OrderedReady") => true,
        Some("Parallel") => false,
        Some(other) => {
            c.unsupported("spec.podManagementPolicy", other, &["OrderedReady", "Parallel"]);
            true
        }
    };
    let strategy = s.update_strategy.as_ref();
    let rolling = strategy.and_then(|u| u.rolling_update.as_ref());
    let rolling_partition = match strategy.and_then(|u| u.type_.as_deref()).unwrap_or("RollingUpdate") {
        "RollingUpdate" => {
            let partition = rolling.and_then(|r| r.partition).unwrap_or(0);
            c.nonnegative("spec.updateStrategy.rollingUpdate.partition", Some(i64::from(partition)));
            Some(partition)
        }
        "OnDelete" => {
            if rolling.is_some() {
                c.field(
                    "spec.updateStrategy.rollingUpdate",
                    "Forbidden: only allowed for updateStrategy 'RollingUpdate'",
                );
            }
            None
        }
        other => {
            c.unsupported("spec.updateStrategy.type", other, &["OnDelete", "RollingUpdate"]);
            None
        }
    };
    // ValidateStatefulSetUpdateStrategy: a positive int or percent, not 0, at most 100%.
    let path = "spec.updateStrategy.rollingUpdate.maxUnavailable";
    let max_unavailable = rolling.and_then(|r| r.max_unavailable.as_ref()).and_then(|v| {
        let parsed = validate::int_or_percent(c, path, v)?;
        match parsed {
            spec::IntOrPercent::Int(0) | spec::IntOrPercent::Percent(0) => {
                c.invalid(path, 0, "cannot be 0");
                None
            }
            spec::IntOrPercent::Percent(p) if p > 100 => {
                c.invalid(path, format!("\"{p}%\""), "must not be greater than 100%");
                None
            }
            ok => Some(ok),
        }
    });
    let replicas = s.replicas.unwrap_or(1);
    let (claim_templates, claim_retention) = super::storage::claim_templates(c, s);
    let spec = spec::StatefulSetSpec {
        replicas,
        selector: convert::selector(&s.selector),
        template,
        ordered,
        rolling_partition,
        min_ready_seconds: s.min_ready_seconds.unwrap_or(0),
        max_unavailable,
        claim_templates,
        claim_retention,
    };
    let (labels, _) = labels_annotations(&ss.metadata);
    Some((ObjectSpec::StatefulSet { labels, spec }, ss.metadata, pods(replicas)))
}

fn rs_spec(
    replicas: Option<i32>,
    selector: spec::Selector,
    template: Arc<spec::PodTemplate>,
    min_ready: Option<i32>,
) -> spec::ReplicaSetSpec {
    spec::ReplicaSetSpec {
        replicas: replicas.unwrap_or(1),
        selector,
        template,
        min_ready_seconds: min_ready.unwrap_or(0),
    }
}

fn pod(p: core::Pod, c: &mut Checker) -> Option<Typed> {
    validate::check_meta(c, &p.metadata, false);
    let Some(s) = p.spec.as_ref() else {
        c.required("spec");
        return None;
    };
    let (labels, annotations) = labels_annotations(&p.metadata);
    let spec = Arc::new(convert::pod_spec(c, "spec", s, validate::RestartRule::Any, &labels));
    Some((ObjectSpec::Pod { labels, annotations, spec }, p.metadata, 1))
}

/// scheduling.k8s.io/v1 PriorityClass (ValidatePriorityClass).
fn priority_class(pc: k8s_openapi::api::scheduling::v1::PriorityClass, c: &mut Checker) -> Option<Typed> {
    validate::check_meta(c, &pc.metadata, false);
    let name = pc.metadata.name.as_deref().unwrap_or("");
    let global_default = pc.global_default.unwrap_or(false);
    if super::priority::builtin(name).is_some() {
        // The built-in classes exist in every cluster: creating one again is a conflict.
        c.field("metadata.name", format!("priorityclasses.scheduling.k8s.io \"{name}\" already exists"));
    } else if name.starts_with("system-") {
        c.field(
            "metadata.name",
            format!("Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: {name} is not a known system priority class"),
        );
    } else if pc.value > super::priority::HIGHEST_USER_DEFINABLE {
        c.field(
            "value",
            format!(
                "Forbidden: maximum allowed value of a user defined priority is {}",
                super::priority::HIGHEST_USER_DEFINABLE
            ),
        );
    }
    let preemption_policy = match pc.preemption_policy.as_deref() {
        None | Some("PreemptLowerPriority") => spec::PreemptionPolicy::PreemptLowerPriority,
        Some("Never") => spec::PreemptionPolicy::Never,
        Some(other) => {
            c.unsupported("preemptionPolicy", other, &["Never", "PreemptLowerPriority"]);
            spec::PreemptionPolicy::PreemptLowerPriority
        }
    };
    let spec = ObjectSpec::PriorityClass { value: pc.value, global_default, preemption_policy };
    Some((spec, pc.metadata, 0))
}

/// policy/v1 PodDisruptionBudget (ValidatePodDisruptionBudgetSpec), with a selector required.
fn pdb(p: k8s_openapi::api::policy::v1::PodDisruptionBudget, c: &mut Checker) -> Option<Typed> {
    validate::check_meta(c, &p.metadata, false);
    let Some(s) = p.spec.as_ref() else {
        c.required("spec");
        return None;
    };
    let selector = match &s.selector {
        Some(sel) => {
            validate::check_label_selector(c, "spec.selector", sel);
            convert::selector(sel)
        }
        None => {
            c.field("spec.selector", "Required value: the pods this budget covers");
            spec::Selector::default()
        }
    };
    let amount =
        |c: &mut Checker, name: &str, v: Option<&k8s_openapi::apimachinery::pkg::util::intstr::IntOrString>| {
            let path = format!("spec.{name}");
            let ip = validate::int_or_percent(c, &path, v?)?;
            if let convert::Ip::Percent(n) = ip {
                if n > 100 {
                    c.invalid(&path, format!("\"{n}%\""), "must not be greater than 100%");
                }
            }
            Some(ip)
        };
    let mut min_available = amount(c, "minAvailable", s.min_available.as_ref());
    let max_unavailable = amount(c, "maxUnavailable", s.max_unavailable.as_ref());
    if s.min_available.is_some() && s.max_unavailable.is_some() {
        let shown = |v: Option<&k8s_openapi::apimachinery::pkg::util::intstr::IntOrString>| match v {
            Some(k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(n)) => n.to_string(),
            Some(k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::String(s)) => format!("{s:?}"),
            None => String::new(),
        };
        let msg = format!(
            "{}: spec: Invalid value: {{minAvailable: {}, maxUnavailable: {}}}: minAvailable and maxUnavailable cannot be both set",
            c.label,
            shown(s.min_available.as_ref()),
            shown(s.max_unavailable.as_ref())
        );
        c.at(&YPath::root().key("spec").key("maxUnavailable"), Anchor::Key, msg, None);
    }
    if s.min_available.is_none() && s.max_unavailable.is_none() {
        // Kubernetes accepts a budget with neither: the disruption controller then wants 0
        // healthy pods, which is what minAvailable 0 says.
        min_available = Some(convert::Ip::Int(0));
    }
    if let Some(policy) = s.unhealthy_pod_eviction_policy.as_deref() {
        if !["IfHealthyBudget", "AlwaysAllow"].contains(&policy) {
            c.unsupported("spec.unhealthyPodEvictionPolicy", policy, &["AlwaysAllow", "IfHealthyBudget"]);
        }
    }
    let spec = ObjectSpec::PodDisruptionBudget { selector, min_available, max_unavailable };
    Some((spec, p.metadata, 0))
}

fn labels_annotations(m: &ObjectMeta) -> (spec::Labels, spec::Labels) {
    (m.labels.clone().unwrap_or_default(), m.annotations.clone().unwrap_or_default())
}

fn pods(replicas: i32) -> u64 {
    u64::try_from(replicas).unwrap_or(0)
}

/// One warning listing the fields present that kubesim does not simulate.
fn warn_not_simulated(c: &mut Checker, info: &KindInfo, v: &Value) {
    let root = match info.kind {
        Kind::Deployment => Ty::Deployment,
        Kind::ReplicaSet => Ty::ReplicaSet,
        Kind::ReplicationController => Ty::ReplicationController,
        Kind::Pod => Ty::Pod,
        Kind::Job => Ty::Job,
        Kind::CronJob => Ty::CronJob,
        Kind::DaemonSet => Ty::DaemonSet,
        Kind::StatefulSet => Ty::StatefulSet,
        Kind::PodDisruptionBudget => {
            let path = YPath::root().key("spec").key("unhealthyPodEvictionPolicy");
            if v.get("spec").and_then(|s| s.get("unhealthyPodEvictionPolicy")).is_some() {
                let msg = format!("{}: fields accepted but not simulated: {path}", c.label);
                c.report.push(c.loc.warning(&YPath::root().key("kind"), Anchor::Key, msg));
            }
            return;
        }
        _ => return,
    };
    let paths = fields::not_simulated(root, v);
    if paths.is_empty() {
        return;
    }
    let list: Vec<String> = paths.iter().map(YPath::to_string).collect();
    let msg = format!("{}: fields accepted but not simulated: {}", c.label, list.join(", "));
    c.report.push(c.loc.warning(&YPath::root().key("kind"), Anchor::Key, msg));
}
