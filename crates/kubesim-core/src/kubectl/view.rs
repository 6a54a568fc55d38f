//! An object as the JSON the API server would patch: the fields kubesim simulates of the
//! object as it is now (in the store at run time, in the registry at load time), and back.
//! `kubectl patch` and `kubectl set env|resources|image` edit this JSON, the result is read
//! back over the object (so the fields not shown keep their values) and written as `apply`
//! writes it (`Sim::apply_object`, where the API server's rules on change are checked).
//!
//! The fields: `metadata.labels`; `spec.replicas`, `spec.selector`, `spec.template.metadata.
//! {labels,annotations}`, the template's containers and init containers (`name`, `image`,
//! `resources.requests|limits` for cpu and memory, `env` name/value) of the workloads; a Pod's
//! `metadata.labels` and containers; a Service's `spec.type`, `spec.selector`, `spec.ports`; a
//! Job's `spec.suspend`; a CronJob's schedule, time zone, suspend, concurrency policy, starting deadline, history
//! limits and `spec.jobTemplate` (its labels, parallelism, completions and pod template).
//! Any other field of a patch is refused (kubesim would silently ignore it otherwise).

use crate::model::spec::{
    ContainerSpec, Kind, Labels, Object, ObjectRef, ObjectSpec, PodTemplate, Resources, Selector, SelectorOperator,
    SelectorRequirement, ServicePort, ServiceSpec, ServiceType, TargetPort,
};
use crate::model::store::RsKind;
use crate::scenario::quantity::parse_quantity;
use crate::sim::Sim;
use serde_json::{json, Map, Value};
use std::sync::Arc;

/// The kinds `patch` and `set` edit.
pub(super) fn editable(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::Deployment
            | Kind::ReplicaSet
            | Kind::ReplicationController
            | Kind::StatefulSet
            | Kind::DaemonSet
            | Kind::Job
            | Kind::CronJob
            | Kind::Pod
            | Kind::Service
    )
}

/// The object `id` as the store holds it now.
pub(super) fn current(sim: &Sim, id: &ObjectRef) -> Option<Object> {
    let (ns, name) = (id.namespace.as_str(), id.name.as_str());
    let st = &sim.ctx.store;
    let spec = match id.kind {
        Kind::Deployment => {
            let d = &st.deployments[st.find_deployment(ns, name)?];
            ObjectSpec::Deployment { labels: d.labels.clone(), annotations: Labels::new(), spec: d.spec.clone() }
        }
        Kind::ReplicaSet | Kind::ReplicationController => {
            let kind = if id.kind == Kind::ReplicaSet { RsKind::ReplicaSet } else { RsKind::ReplicationController };
            let r = &st.replica_sets[st.find_rs(kind, ns, name)?];
            let spec = crate::model::spec::ReplicaSetSpec {
                replicas: r.replicas,
                selector: r.selector.clone(),
                template: r.template.clone(),
                min_ready_seconds: r.min_ready_seconds,
            };
            if id.kind == Kind::ReplicaSet {
                ObjectSpec::ReplicaSet { labels: r.labels.clone(), spec }
            } else {
                ObjectSpec::ReplicationController { labels: r.labels.clone(), spec }
            }
        }
        Kind::StatefulSet => {
            let s = &st.stateful_sets[st.find_stateful_set(ns, name)?];
            ObjectSpec::StatefulSet { labels: s.labels.clone(), spec: s.spec.clone() }
        }
        Kind::DaemonSet => {
            let s = &st.daemon_sets[st.find_daemon_set(ns, name)?];
            ObjectSpec::DaemonSet { labels: s.labels.clone(), spec: s.spec.clone() }
        }
        Kind::Job => {
            let j = &st.jobs[st.find_job(ns, name)?];
            ObjectSpec::Job { labels: j.labels.clone(), spec: j.spec.clone() }
        }
        Kind::CronJob => {
            let c = &st.cron_jobs[st.find_cron_job(ns, name)?];
            ObjectSpec::CronJob { labels: c.labels.clone(), spec: c.spec.clone() }
        }
        Kind::Pod => {
            let p = &st.pods[st.find_pod(ns, name)?];
            ObjectSpec::Pod { labels: p.labels.clone(), annotations: Labels::new(), spec: p.spec.clone() }
        }
        Kind::Service => {
            let s = &sim.net.services[sim.net.find_service(ns, name)?];
            ObjectSpec::Service { labels: s.labels.clone(), spec: s.spec.clone() }
        }
        _ => return None,
    };
    Some(Object { id: id.clone(), spec })
}

fn labels(l: &Labels) -> Value {
    Value::Object(l.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect())
}

fn selector(s: &Selector) -> Value {
    let mut m = Map::new();
    m.insert("matchLabels".into(), labels(&s.match_labels));
    if !s.match_expressions.is_empty() {
        let e: Vec<Value> = s
            .match_expressions
            .iter()
            .map(|r| json!({"key": r.key, "operator": format!("{:?}", r.operator), "values": r.values}))
            .collect();
        m.insert("matchExpressions".into(), Value::Array(e));
    }
    Value::Object(m)
}

fn resources(r: &Resources, cpu: bool, memory: bool) -> Value {
    let mut m = Map::new();
    if cpu {
        m.insert("cpu".into(), Value::String(format!("{}m", r.cpu_millis)));
    }
    if memory {
        m.insert("memory".into(), Value::String(r.memory_bytes.to_string()));
    }
    Value::Object(m)
}

fn container(c: &ContainerSpec) -> Value {
    let mut res = Map::new();
    let requests = resources(&c.requests, c.cpu_request_set, c.memory_request_set);
    if requests.as_object().is_some_and(|m| !m.is_empty()) {
        res.insert("requests".into(), requests);
    }
    let limits = resources(&c.limits, c.limits.cpu_millis != 0, c.limits.memory_bytes != 0);
    if limits.as_object().is_some_and(|m| !m.is_empty()) {
        res.insert("limits".into(), limits);
    }
    let mut m = Map::new();
    m.insert("name".into(), Value::String(c.name.clone()));
    m.insert("image".into(), Value::String(c.image.clone()));
    if !res.is_empty() {
        m.insert("resources".into(), Value::Object(res));
    }
    if !c.env.is_empty() {
        let env = c.env.iter().map(|(n, v)| json!({"name": n, "value": v})).collect();
        m.insert("env".into(), Value::Array(env));
    }
    Value::Object(m)
}

fn pod_spec(s: &crate::model::spec::PodSpec) -> Value {
    let mut m = Map::new();
    m.insert("containers".into(), Value::Array(s.containers.iter().map(container).collect()));
    if !s.init_containers.is_empty() {
        m.insert("initContainers".into(), Value::Array(s.init_containers.iter().map(container).collect()));
    }
    Value::Object(m)
}

fn template(t: &PodTemplate) -> Value {
    let mut meta = Map::new();
    meta.insert("labels".into(), labels(&t.labels));
    if !t.annotations.is_empty() {
        meta.insert("annotations".into(), labels(&t.annotations));
    }
    json!({"metadata": meta, "spec": pod_spec(&t.spec)})
}

/// The object as JSON: `apiVersion`, `kind`, `metadata` and the simulated part of `spec`.
pub(super) fn to_json(o: &Object) -> Value {
    let info = crate::scenario::kinds::info(o.id.kind);
    let (labels_of, spec) = match &o.spec {
        ObjectSpec::Deployment { labels: l, spec: s, .. } => {
            (l, json!({"replicas": s.replicas, "selector": selector(&s.selector), "template": template(&s.template)}))
        }
        ObjectSpec::ReplicaSet { labels: l, spec: s } | ObjectSpec::ReplicationController { labels: l, spec: s } => {
            (l, json!({"replicas": s.replicas, "selector": selector(&s.selector), "template": template(&s.template)}))
        }
        ObjectSpec::StatefulSet { labels: l, spec: s } => {
            (l, json!({"replicas": s.replicas, "selector": selector(&s.selector), "template": template(&s.template)}))
        }
        ObjectSpec::DaemonSet { labels: l, spec: s } => {
            (l, json!({"selector": selector(&s.selector), "template": template(&s.template)}))
        }
        ObjectSpec::Job { labels: l, spec: s } => {
            let mut m = json!({"template": template(&s.template), "parallelism": s.parallelism, "suspend": s.suspend});
            if let Some(c) = s.completions {
                m["completions"] = json!(c);
            }
            (l, m)
        }
        ObjectSpec::CronJob { labels: l, spec: s } => {
            let mut job = json!({"template": template(&s.job.template), "parallelism": s.job.parallelism});
            if let Some(c) = s.job.completions {
                job["completions"] = json!(c);
            }
            let mut m = json!({
                "schedule": s.schedule,
                "suspend": s.suspend,
                "concurrencyPolicy": s.concurrency_policy.as_str(),
                "successfulJobsHistoryLimit": s.successful_jobs_history_limit,
                "failedJobsHistoryLimit": s.failed_jobs_history_limit,
                "jobTemplate": {"metadata": {"labels": labels(&s.job_labels)}, "spec": job},
            });
            if let Some(d) = s.starting_deadline_seconds {
                m["startingDeadlineSeconds"] = json!(d);
            }
            if let Some(tz) = &s.time_zone {
                m["timeZone"] = json!(tz);
            }
            (l, m)
        }
        ObjectSpec::Pod { labels: l, spec: s, .. } => (l, pod_spec(s)),
        ObjectSpec::Service { labels: l, spec: s } => {
            let ports: Vec<Value> = s
                .ports
                .iter()
                .map(|p| {
                    let mut m = json!({"port": p.port});
                    if let Some(n) = &p.name {
                        m["name"] = json!(n);
                    }
                    m["targetPort"] = match &p.target_port {
                        TargetPort::Number(n) => json!(n),
                        TargetPort::Name(n) => json!(n),
                    };
                    m
                })
                .collect();
            let mut m = json!({"type": format!("{:?}", s.service_type), "ports": ports});
            if let Some(sel) = &s.selector {
                m["selector"] = labels(sel);
            }
            if let Some(host) = &s.external_name {
                m["externalName"] = json!(host);
            }
            if let Some(timeout) = s.session_affinity {
                m["sessionAffinity"] = json!("ClientIP");
                m["sessionAffinityConfig"] = json!({"clientIP": {"timeoutSeconds": timeout.as_micros() / 1_000_000}});
            }
            (l, m)
        }
        _ => return Value::Null,
    };
    json!({
        "apiVersion": info.api_versions.first().copied().unwrap_or("v1"),
        "kind": info.name,
        "metadata": {"name": o.id.name, "namespace": o.id.namespace, "labels": labels(labels_of)},
        "spec": spec,
    })
}

/// Why a patched JSON cannot be read back: kubesim does not simulate a field, or a value is
/// not what the API accepts.
pub(super) type ReadError = String;

/// Reads `v` (the patched JSON of `old`) back over `old`.
pub(super) fn from_json(old: &Object, v: &Value) -> Result<Object, ReadError> {
    let mut r = Reader;
    let top = r.map(v, "", &["apiVersion", "kind", "metadata", "spec", "status"])?;
    let meta = r.map(top.get("metadata").unwrap_or(&Value::Null), "metadata", &["name", "namespace", "labels"])?;
    if meta.get("name").and_then(Value::as_str) != Some(old.id.name.as_str()) {
        return Err("metadata.name: the name of an object cannot change".into());
    }
    let new_labels = r.labels(meta.get("labels"), "metadata.labels")?;
    let spec = top.get("spec").unwrap_or(&Value::Null);
    let mut o = old.clone();
    match &mut o.spec {
        ObjectSpec::Deployment { labels: l, spec: s, .. } => {
            *l = new_labels;
            let m = r.map(spec, "spec", &["replicas", "selector", "template"])?;
            s.replicas = r.replicas(m.get("replicas"))?;
            s.selector = r.selector(m.get("selector"))?;
            s.template = Arc::new(r.template(m.get("template"), &s.template)?);
        }
        ObjectSpec::ReplicaSet { labels: l, spec: s } | ObjectSpec::ReplicationController { labels: l, spec: s } => {
            *l = new_labels;
            let m = r.map(spec, "spec", &["replicas", "selector", "template"])?;
            s.replicas = r.replicas(m.get("replicas"))?;
            s.selector = r.selector(m.get("selector"))?;
            s.template = Arc::new(r.template(m.get("template"), &s.template)?);
        }
        ObjectSpec::StatefulSet { labels: l, spec: s } => {
            *l = new_labels;
            let m = r.map(spec, "spec", &["replicas", "selector", "template"])?;
            s.replicas = r.replicas(m.get("replicas"))?;
            s.selector = r.selector(m.get("selector"))?;
            s.template = Arc::new(r.template(m.get("template"), &s.template)?);
        }
        ObjectSpec::DaemonSet { labels: l, spec: s } => {
            *l = new_labels;
            let m = r.map(spec, "spec", &["selector", "template"])?;
            s.selector = r.selector(m.get("selector"))?;
            s.template = Arc::new(r.template(m.get("template"), &s.template)?);
        }
        ObjectSpec::Job { labels: l, spec: s } => {
            *l = new_labels;
            let m = r.map(spec, "spec", &["template", "parallelism", "completions", "suspend"])?;
            s.template = Arc::new(r.template(m.get("template"), &s.template)?);
            s.parallelism = r.int(m.get("parallelism"), "spec.parallelism")?.unwrap_or(1);
            s.completions = r.int(m.get("completions"), "spec.completions")?;
            s.suspend = match m.get("suspend") {
                None | Some(Value::Null) => false,
                Some(Value::Bool(b)) => *b,
                Some(other) => {
                    return Err(format!(
                        "json: cannot unmarshal {other} into Go struct field spec.suspend of type bool"
                    ))
                }
            };
        }
        ObjectSpec::CronJob { labels: l, spec: s } => {
            *l = new_labels;
            r.cron_job(spec, s)?;
        }
        ObjectSpec::Pod { labels: l, spec: s, .. } => {
            *l = new_labels;
            let mut ps = (**s).clone();
            r.pod_spec(spec, "spec", &mut ps)?;
            *s = Arc::new(ps);
        }
        ObjectSpec::Service { labels: l, spec: s } => {
            *l = new_labels;
            *s = r.service(spec)?;
        }
        _ => return Err("kubesim does not patch this kind".into()),
    }
    Ok(o)
}

/// Reads the patched JSON back; each method one part of it.
struct Reader;

impl Reader {
    /// A map with only the `known` keys (others are fields kubesim does not simulate).
    fn map(&mut self, v: &Value, path: &str, known: &[&str]) -> Result<Map<String, Value>, ReadError> {
        let m = match v {
            Value::Object(m) => m.clone(),
            Value::Null => Map::new(),
            other => return Err(format!("{path}: Invalid value: {other}: expected an object")),
        };
        if let Some(k) = m.keys().find(|k| !known.contains(&k.as_str())) {
            let at = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
            return Err(format!(
                "kubesim does not simulate `{at}` (a patch may change {})",
                known
                    .iter()
                    .map(|k| if path.is_empty() { k.to_string() } else { format!("{path}.{k}") })
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        Ok(m)
    }

    fn labels(&mut self, v: Option<&Value>, path: &str) -> Result<Labels, ReadError> {
        let mut out = Labels::new();
        let _ = self;
        let m = match v {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(m)) => m.clone(),
            Some(other) => return Err(format!("{path}: Invalid value: {other}: expected a map of strings")),
        };
        for (k, v) in m {
            match v {
                Value::String(s) => {
                    out.insert(k, s);
                }
                other => {
                    return Err(format!("json: cannot unmarshal {other} into Go struct field {path} of type string"))
                }
            }
        }
        Ok(out)
    }

    fn int(&mut self, v: Option<&Value>, path: &str) -> Result<Option<i32>, ReadError> {
        match v {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n
                .as_i64()
                .and_then(|n| i32::try_from(n).ok())
                .map(Some)
                .ok_or_else(|| format!("{path}: Invalid value: {n}: must be a 32-bit integer")),
            Some(other) => Err(format!("json: cannot unmarshal {other} into Go struct field {path} of type int32")),
        }
    }

    /// A CronJob's spec, checked as `validateCronJobSpec` checks it.
    fn cron_job(&mut self, v: &Value, s: &mut crate::model::spec::CronJobSpec) -> Result<(), ReadError> {
        use crate::controllers::cronjob::schedule;
        use crate::model::spec::ConcurrencyPolicy;
        let known = [
            "schedule",
            "timeZone",
            "suspend",
            "concurrencyPolicy",
            "startingDeadlineSeconds",
            "successfulJobsHistoryLimit",
            "failedJobsHistoryLimit",
            "jobTemplate",
        ];
        let m = self.map(v, "spec", &known)?;
        let text = |key: &str| -> Result<Option<String>, ReadError> {
            match m.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(t)) => Ok(Some(t.clone())),
                Some(other) => {
                    Err(format!("json: cannot unmarshal {other} into Go struct field spec.{key} of type string"))
                }
            }
        };
        let schedule = text("schedule")?.unwrap_or_default();
        if schedule.is_empty() {
            return Err("spec.schedule: Required value".into());
        }
        if schedule.contains("TZ") {
            return Err(format!(
                "spec.schedule: Invalid value: {schedule:?}: cannot use TZ or CRON_TZ in schedule, use timeZone field instead"
            ));
        }
        schedule::parse(&schedule).map_err(|e| format!("spec.schedule: Invalid value: {schedule:?}: {e}"))?;
        s.schedule = schedule;
        s.time_zone = text("timeZone")?;
        if let Some(tz) = &s.time_zone {
            if tz.is_empty() || tz.eq_ignore_ascii_case("Local") {
                return Err(format!("spec.timeZone: Invalid value: {tz:?}: must be an explicit IANA time zone name"));
            }
            schedule::time_zone(tz).map_err(|e| format!("spec.timeZone: Invalid value: {tz:?}: {e}"))?;
        }
        s.suspend = match m.get("suspend") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(other) => {
                return Err(format!("json: cannot unmarshal {other} into Go struct field spec.suspend of type bool"))
            }
        };
        s.concurrency_policy = match text("concurrencyPolicy")?.as_deref() {
            None | Some("") | Some("Allow") => ConcurrencyPolicy::Allow,
            Some("Forbid") => ConcurrencyPolicy::Forbid,
            Some("Replace") => ConcurrencyPolicy::Replace,
            Some(other) => {
                return Err(format!(
                    "spec.concurrencyPolicy: Unsupported value: \"{other}\": supported values: \"Allow\", \"Forbid\", \"Replace\""
                ))
            }
        };
        let nonnegative = |r: &mut Self, key: &str, default: Option<i32>| -> Result<Option<i32>, ReadError> {
            let path = format!("spec.{key}");
            let n = r.int(m.get(key), &path)?.or(default);
            match n {
                Some(n) if n < 0 => Err(format!("{path}: Invalid value: {n}: must be greater than or equal to 0")),
                n => Ok(n),
            }
        };
        s.starting_deadline_seconds = nonnegative(self, "startingDeadlineSeconds", None)?.map(i64::from);
        s.successful_jobs_history_limit = nonnegative(self, "successfulJobsHistoryLimit", Some(3))?.unwrap_or(3);
        s.failed_jobs_history_limit = nonnegative(self, "failedJobsHistoryLimit", Some(1))?.unwrap_or(1);
        let jt = self.map(m.get("jobTemplate").unwrap_or(&Value::Null), "spec.jobTemplate", &["metadata", "spec"])?;
        let meta = self.map(jt.get("metadata").unwrap_or(&Value::Null), "spec.jobTemplate.metadata", &["labels"])?;
        s.job_labels = self.labels(meta.get("labels"), "spec.jobTemplate.metadata.labels")?;
        let js = self.map(
            jt.get("spec").unwrap_or(&Value::Null),
            "spec.jobTemplate.spec",
            &["template", "parallelism", "completions"],
        )?;
        s.job.template = Arc::new(self.template(js.get("template"), &s.job.template)?);
        s.job.parallelism = self.int(js.get("parallelism"), "spec.jobTemplate.spec.parallelism")?.unwrap_or(1);
        s.job.completions = self.int(js.get("completions"), "spec.jobTemplate.spec.completions")?;
        Ok(())
    }

    fn replicas(&mut self, v: Option<&Value>) -> Result<i32, ReadError> {
        let n = self.int(v, "spec.replicas")?.unwrap_or(1);
        if n < 0 {
            return Err(format!("spec.replicas: Invalid value: {n}: must be greater than or equal to 0"));
        }
        Ok(n)
    }

    fn selector(&mut self, v: Option<&Value>) -> Result<Selector, ReadError> {
        let m = self.map(v.unwrap_or(&Value::Null), "spec.selector", &["matchLabels", "matchExpressions"])?;
        let match_labels = self.labels(m.get("matchLabels"), "spec.selector.matchLabels")?;
        let mut match_expressions = Vec::new();
        for e in m.get("matchExpressions").and_then(Value::as_array).into_iter().flatten() {
            let e = self.map(e, "spec.selector.matchExpressions", &["key", "operator", "values"])?;
            let operator = match e.get("operator").and_then(Value::as_str) {
                Some("In") => SelectorOperator::In,
                Some("NotIn") => SelectorOperator::NotIn,
                Some("Exists") => SelectorOperator::Exists,
                Some("DoesNotExist") => SelectorOperator::DoesNotExist,
                other => {
                    return Err(format!(
                    "spec.selector.matchExpressions.operator: Invalid value: {other:?}: not a valid selector operator"
                ))
                }
            };
            let values = e.get("values").and_then(Value::as_array).into_iter().flatten();
            match_expressions.push(SelectorRequirement {
                key: e.get("key").and_then(Value::as_str).unwrap_or_default().to_string(),
                operator,
                values: values.filter_map(Value::as_str).map(str::to_string).collect(),
            });
        }
        Ok(Selector { match_labels, match_expressions })
    }

    fn template(&mut self, v: Option<&Value>, old: &PodTemplate) -> Result<PodTemplate, ReadError> {
        let m = self.map(v.unwrap_or(&Value::Null), "spec.template", &["metadata", "spec"])?;
        let meta =
            self.map(m.get("metadata").unwrap_or(&Value::Null), "spec.template.metadata", &["labels", "annotations"])?;
        let mut t = old.clone();
        t.labels = self.labels(meta.get("labels"), "spec.template.metadata.labels")?;
        t.annotations = self.labels(meta.get("annotations"), "spec.template.metadata.annotations")?;
        self.pod_spec(m.get("spec").unwrap_or(&Value::Null), "spec.template.spec", &mut t.spec)?;
        Ok(t)
    }

    fn pod_spec(&mut self, v: &Value, path: &str, s: &mut crate::model::spec::PodSpec) -> Result<(), ReadError> {
        let m = self.map(v, path, &["containers", "initContainers"])?;
        s.containers = self.containers(m.get("containers"), &format!("{path}.containers"), &s.containers)?;
        s.init_containers =
            self.containers(m.get("initContainers"), &format!("{path}.initContainers"), &s.init_containers)?;
        if s.containers.is_empty() {
            return Err(format!("{path}.containers: Required value"));
        }
        Ok(())
    }

    fn containers(
        &mut self,
        v: Option<&Value>,
        path: &str,
        old: &[ContainerSpec],
    ) -> Result<Vec<ContainerSpec>, ReadError> {
        let mut out = Vec::new();
        for (i, c) in v.and_then(Value::as_array).into_iter().flatten().enumerate() {
            let p = format!("{path}[{i}]");
            let m = self.map(c, &p, &["name", "image", "resources", "env"])?;
            let name = m.get("name").and_then(Value::as_str).unwrap_or_default().to_string();
            if name.is_empty() {
                return Err(format!("{p}.name: Required value"));
            }
            // A container that was there keeps what the view does not show (probes, ports);
            // a new one starts from the first container's.
            let Some(base) = old.iter().find(|o| o.name == name).or(old.first()) else {
                return Err(format!("{p}: kubesim cannot add a container to an object without one"));
            };
            let mut c = base.clone();
            c.name = name;
            c.image = m.get("image").and_then(Value::as_str).unwrap_or_default().to_string();
            if c.image.is_empty() {
                return Err(format!("{p}.image: Required value"));
            }
            let res = self.map(
                m.get("resources").unwrap_or(&Value::Null),
                &format!("{p}.resources"),
                &["requests", "limits"],
            )?;
            let (requests, cpu_set, mem_set) =
                self.quantities(res.get("requests"), &format!("{p}.resources.requests"))?;
            let (limits, _, _) = self.quantities(res.get("limits"), &format!("{p}.resources.limits"))?;
            // Requests default to the limits (core/v1 defaults.go `SetDefaults_Pod`).
            c.cpu_request_set = cpu_set || limits.cpu_millis != 0;
            c.memory_request_set = mem_set || limits.memory_bytes != 0;
            c.requests = Resources {
                cpu_millis: if cpu_set { requests.cpu_millis } else { limits.cpu_millis },
                memory_bytes: if mem_set { requests.memory_bytes } else { limits.memory_bytes },
                ..c.requests
            };
            c.limits = Resources { cpu_millis: limits.cpu_millis, memory_bytes: limits.memory_bytes, ..c.limits };
            for (name, req, lim) in [
                ("cpu", c.requests.cpu_millis, c.limits.cpu_millis),
                ("memory", c.requests.memory_bytes, c.limits.memory_bytes),
            ] {
                if lim != 0 && req > lim {
                    return Err(format!("{p}.resources.requests: Invalid value: \"{req}\": must be less than or equal to {name} limit of {lim}"));
                }
            }
            c.env = Vec::new();
            for e in m.get("env").and_then(Value::as_array).into_iter().flatten() {
                let e = self.map(e, &format!("{p}.env"), &["name", "value"])?;
                let n = e.get("name").and_then(Value::as_str).unwrap_or_default();
                if n.is_empty() {
                    return Err(format!("{p}.env.name: Required value"));
                }
                c.env.push((n.to_string(), e.get("value").and_then(Value::as_str).unwrap_or_default().to_string()));
            }
            out.push(c);
        }
        Ok(out)
    }

    /// cpu and memory of a requests or limits map, and whether each was given.
    fn quantities(&mut self, v: Option<&Value>, path: &str) -> Result<(Resources, bool, bool), ReadError> {
        let m = self.map(v.unwrap_or(&Value::Null), path, &["cpu", "memory"])?;
        let mut r = Resources::default();
        let read = |k: &str| -> Result<Option<i64>, ReadError> {
            let Some(q) = m.get(k) else { return Ok(None) };
            let s = match q {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                other => return Err(format!("{path}.{k}: Invalid value: {other}")),
            };
            let q = parse_quantity(&s).map_err(|e| format!("{path}.{k}: {e}"))?;
            if q.is_negative() {
                return Err(format!("{path}.{k}: Invalid value: \"{s}\": must be greater than or equal to 0"));
            }
            let n = if k == "cpu" { q.millis_ceil() } else { q.units_ceil() };
            i64::try_from(n).map(Some).map_err(|_| format!("{path}.{k}: Invalid value: \"{s}\": too large"))
        };
        let cpu = read("cpu")?;
        let mem = read("memory")?;
        r.cpu_millis = cpu.unwrap_or(0);
        r.memory_bytes = mem.unwrap_or(0);
        Ok((r, cpu.is_some(), mem.is_some()))
    }

    fn service(&mut self, v: &Value) -> Result<ServiceSpec, ReadError> {
        let m = self.map(
            v,
            "spec",
            &["type", "selector", "ports", "sessionAffinity", "sessionAffinityConfig", "externalName"],
        )?;
        let service_type = match m.get("type").and_then(Value::as_str).unwrap_or("ClusterIP") {
            "ClusterIP" => ServiceType::ClusterIP,
            "NodePort" => ServiceType::NodePort,
            "LoadBalancer" => ServiceType::LoadBalancer,
            "ExternalName" => ServiceType::ExternalName,
            other => {
                return Err(format!(
                    "spec.type: Unsupported value: \"{other}\": supported values: \"ClusterIP\", \"ExternalName\", \"LoadBalancer\", \"NodePort\""
                ))
            }
        };
        let selector = match m.get("selector") {
            None | Some(Value::Null) => None,
            s => Some(self.labels(s, "spec.selector")?),
        };
        let mut ports = Vec::new();
        for (i, p) in m.get("ports").and_then(Value::as_array).into_iter().flatten().enumerate() {
            let path = format!("spec.ports[{i}]");
            let pm = self.map(p, &path, &["name", "port", "targetPort", "protocol"])?;
            let Some(port) = self.int(pm.get("port"), &format!("{path}.port"))? else {
                return Err(format!("{path}.port: Required value"));
            };
            if !(1..=65535).contains(&port) {
                return Err(format!("{path}.port: Invalid value: {port}: must be between 1 and 65535, inclusive"));
            }
            let target_port = match pm.get("targetPort") {
                Some(Value::String(s)) => TargetPort::Name(s.clone()),
                Some(t @ Value::Number(_)) => {
                    TargetPort::Number(self.int(Some(t), &format!("{path}.targetPort"))?.unwrap_or(port))
                }
                _ => TargetPort::Number(port),
            };
            let name = pm.get("name").and_then(Value::as_str).map(str::to_string);
            ports.push(ServicePort { name, port, target_port });
        }
        if ports.len() > 1 && ports.iter().any(|p| p.name.is_none()) {
            return Err("spec.ports[1].name: Required value".into());
        }
        let session_affinity = match m.get("sessionAffinity").and_then(Value::as_str).unwrap_or("None") {
            "None" => None,
            "ClientIP" => {
                let seconds = m
                    .get("sessionAffinityConfig")
                    .and_then(|c| c.get("clientIP"))
                    .and_then(|c| c.get("timeoutSeconds"))
                    .and_then(Value::as_u64)
                    .unwrap_or(10800);
                if !(1..=86400).contains(&seconds) {
                    return Err(format!("spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: {seconds}: must be greater than 0 and less than 86400"));
                }
                Some(crate::engine::SimDuration::from_secs(seconds))
            }
            other => {
                return Err(format!(
                    "spec.sessionAffinity: Unsupported value: \"{other}\": supported values: \"ClientIP\", \"None\""
                ))
            }
        };
        // ValidateService: an ExternalName Service's externalName (its trailing dot trimmed)
        // is a DNS-1123 subdomain; the other types ignore the field here.
        let external_name = match (service_type, m.get("externalName").and_then(Value::as_str)) {
            (ServiceType::ExternalName, Some(host)) if !host.trim_end_matches('.').is_empty() => {
                let host = host.strip_suffix('.').unwrap_or(host);
                if !crate::scenario::validate::is_dns_subdomain(host) {
                    return Err(format!(
                        "spec.externalName: Invalid value: \"{host}\": {}",
                        crate::scenario::validate::SUBDOMAIN_MSG
                    ));
                }
                Some(host.to_string())
            }
            (ServiceType::ExternalName, _) => return Err("spec.externalName: Required value".into()),
            _ => None,
        };
        Ok(ServiceSpec { service_type, selector, ports, session_affinity, external_name })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::files::NoFiles;
    use std::path::Path;

    /// The objects of a scenario with these objects (a YAML list).
    fn objects(list: &str) -> Vec<Object> {
        let text = format!(
            "cluster: {{nodes: [{{name: n, count: 1, capacity: {{cpu: '4', memory: 8Gi}}}}]}}\nobjects:\n{list}"
        );
        let l = crate::scenario::load_str(Path::new("s.yaml"), &text, &[], &NoFiles)
            .unwrap_or_else(|e| panic!("{}", e.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n")));
        l.scenario.objects
    }

    const ALL: &str = "
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web, labels: {app: web}}
    spec:
      replicas: 2
      selector: {matchLabels: {app: web}, matchExpressions: [{key: tier, operator: In, values: [a]}]}
      template:
        metadata: {labels: {app: web, tier: a}, annotations: {x: y}}
        spec:
          initContainers: [{name: init, image: busybox}]
          containers:
            - name: web
              image: nginx
              env: [{name: A, value: '1'}]
              resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {cpu: 200m, memory: 128Mi}}
              readinessProbe: {httpGet: {path: /, port: 80}}
  - {apiVersion: apps/v1, kind: StatefulSet, metadata: {name: db}, spec: {serviceName: db, replicas: 1, selector: {matchLabels: {app: db}}, template: {metadata: {labels: {app: db}}, spec: {containers: [{name: db, image: pg}]}}}}
  - {apiVersion: apps/v1, kind: DaemonSet, metadata: {name: ds}, spec: {selector: {matchLabels: {app: ds}}, template: {metadata: {labels: {app: ds}}, spec: {containers: [{name: ds, image: d}]}}}}
  - {apiVersion: apps/v1, kind: ReplicaSet, metadata: {name: rs}, spec: {replicas: 1, selector: {matchLabels: {app: rs}}, template: {metadata: {labels: {app: rs}}, spec: {containers: [{name: rs, image: r}]}}}}
  - {apiVersion: batch/v1, kind: Job, metadata: {name: j}, spec: {completions: 2, template: {spec: {restartPolicy: Never, containers: [{name: j, image: j}]}}}}
  - {apiVersion: v1, kind: Pod, metadata: {name: p, labels: {a: b}}, spec: {containers: [{name: p, image: p}]}}
  - {apiVersion: v1, kind: Service, metadata: {name: s}, spec: {type: NodePort, selector: {app: web}, ports: [{name: http, port: 80, targetPort: http}, {name: m, port: 9090}]}}
";

    /// Every kind's JSON read back is the object itself: what a patch leaves alone stays.
    #[test]
    fn every_kind_reads_back_as_itself() {
        for o in objects(ALL) {
            let v = to_json(&o);
            assert_eq!(from_json(&o, &v).as_ref(), Ok(&o), "{}: {v}", o.id);
        }
    }

    #[test]
    fn fields_it_shows_and_fields_it_refuses() {
        let o = objects(ALL).into_iter().next().unwrap();
        let v = to_json(&o);
        assert_eq!(v["apiVersion"], "apps/v1");
        assert_eq!(v["kind"], "Deployment");
        let c = &v["spec"]["template"]["spec"]["containers"][0];
        assert_eq!(
            c["resources"],
            json!({"requests":{"cpu":"100m","memory":"67108864"},"limits":{"cpu":"200m","memory":"134217728"}})
        );
        assert_eq!(c["env"], json!([{"name":"A","value":"1"}]));
        let mut w = v.clone();
        w["spec"]["paused"] = json!(true);
        assert!(from_json(&o, &w).unwrap_err().starts_with("kubesim does not simulate `spec.paused`"));
        let mut w = v.clone();
        w["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]["cpu"] = json!("1");
        assert!(from_json(&o, &w).unwrap_err().contains("must be less than or equal to cpu limit"));
        // A request left out defaults to the limit (SetDefaults_Pod).
        let mut w = v.clone();
        w["spec"]["template"]["spec"]["containers"][0]["resources"] = json!({"limits":{"cpu":"300m"}});
        let ObjectSpec::Deployment { spec, .. } = from_json(&o, &w).unwrap().spec else { panic!() };
        let c = &spec.template.spec.containers[0];
        assert_eq!((c.requests.cpu_millis, c.limits.cpu_millis, c.memory_request_set), (300, 300, false));
        assert!(c.readiness.is_some(), "what the JSON does not show is kept");
        let mut w = v;
        w["metadata"]["name"] = json!("other");
        assert!(from_json(&o, &w).is_err());
    }
}
