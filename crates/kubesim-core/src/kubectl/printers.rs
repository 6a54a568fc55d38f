//! What the read-only verbs print, in kubectl's columns: the table printers of
//! `pkg/printers/internalversion/printers.go` (`printPod`, `printDeployment`,
//! `printReplicaSet`, `printService`, `printNode`, `printHorizontalPodAutoscaler`,
//! `printJob`, `printCronJob`, `printDaemonSet`, `printStatefulSet`), the describers of
//! `staging/src/k8s.io/kubectl/pkg/describe/describe.go` (a subset of their sections), and the
//! messages of `rollout status` (`polymorphichelpers/rollout_status.go`
//! `DeploymentStatusViewer.Status`), `rollout history` (`polymorphichelpers/history.go`
//! `DeploymentHistoryViewer.ViewHistory`), `wait` (`cmd/wait/condition.go`) and `cluster-info`.
//!
//! kubesim has no IP addresses, no node port allocator and no kubelet versions; what these
//! columns print is invented, deterministically, and the README says so: a Service's
//! cluster IP is `10.96.0.0/12`'s address number `id + 10` (`kubernetes` is `10.96.0.1`), a
//! node port `30000 + FNV-1a(namespace/name/port) % 2768`, a bound pod's IP `10.244.N.M` from
//! its id, every node's VERSION `v1.33.0`.

use crate::admission::amount_string;
use crate::engine::SimTime;
use crate::metrics::watch::{columns as pod_columns, human_duration};
use crate::model::events::{EventRecord, Recorder};
use crate::model::spec::{HpaMetric, Kind, Labels, ObjectRef, ResourceTarget, Selector, SelectorOperator, ServiceType};
use crate::model::store::{ContainerState, DeployId, Pod, PodOwner, ProgressReason, RsKind, Store};
use crate::sim::services::Network;
use std::collections::BTreeMap;

/// The invented Kubernetes version nodes report.
pub(crate) const NODE_VERSION: &str = "v1.33.0";
/// The invented control plane address `cluster-info` prints.
pub(crate) const CONTROL_PLANE: &str = "https://127.0.0.1:6443";

/// What a read sees: the cluster at one virtual moment.
pub(crate) struct View<'a> {
    pub store: &'a Store,
    pub net: &'a Network,
    pub recorder: &'a Recorder,
    pub now: SimTime,
    /// `cluster.startTime`: the wall clock (Unix microseconds) of virtual time 0.
    pub start_time: i64,
    /// When each object the store keeps no creation time for was created.
    pub created: &'a BTreeMap<ObjectRef, SimTime>,
}

/// The kinds `get` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Resource {
    Pods,
    ReplicationControllers,
    Services,
    DaemonSets,
    Deployments,
    ReplicaSets,
    StatefulSets,
    Hpas,
    CronJobs,
    Jobs,
    Nodes,
    Namespaces,
    Events,
    Claims,
    Volumes,
    StorageClasses,
    Quotas,
    LimitRanges,
}

impl Resource {
    /// `get all`'s kinds, in kubectl's order (the `all` category's resources as the API
    /// server lists them).
    pub const ALL: [Resource; 10] = [
        Resource::Pods,
        Resource::ReplicationControllers,
        Resource::Services,
        Resource::DaemonSets,
        Resource::Deployments,
        Resource::ReplicaSets,
        Resource::StatefulSets,
        Resource::Hpas,
        Resource::CronJobs,
        Resource::Jobs,
    ];

    pub fn of(kind: Kind) -> Option<Resource> {
        Some(match kind {
            Kind::Pod => Resource::Pods,
            Kind::ReplicationController => Resource::ReplicationControllers,
            Kind::Service => Resource::Services,
            Kind::DaemonSet => Resource::DaemonSets,
            Kind::Deployment => Resource::Deployments,
            Kind::ReplicaSet => Resource::ReplicaSets,
            Kind::StatefulSet => Resource::StatefulSets,
            Kind::HorizontalPodAutoscaler => Resource::Hpas,
            Kind::Job => Resource::Jobs,
            Kind::CronJob => Resource::CronJobs,
            Kind::Node => Resource::Nodes,
            Kind::Namespace => Resource::Namespaces,
            Kind::PersistentVolumeClaim => Resource::Claims,
            Kind::PersistentVolume => Resource::Volumes,
            Kind::StorageClass => Resource::StorageClasses,
            Kind::ResourceQuota => Resource::Quotas,
            Kind::LimitRange => Resource::LimitRanges,
            _ => return None,
        })
    }

    /// The plural resource of error messages (`pods "x" not found`).
    pub fn plural(self) -> &'static str {
        match self {
            Resource::Pods => "pods",
            Resource::ReplicationControllers => "replicationcontrollers",
            Resource::Services => "services",
            Resource::DaemonSets => "daemonsets.apps",
            Resource::Deployments => "deployments.apps",
            Resource::ReplicaSets => "replicasets.apps",
            Resource::StatefulSets => "statefulsets.apps",
            Resource::Hpas => "horizontalpodautoscalers.autoscaling",
            Resource::Jobs => "jobs.batch",
            Resource::CronJobs => "cronjobs.batch",
            Resource::Nodes => "nodes",
            Resource::Namespaces => "namespaces",
            Resource::Events => "events",
            Resource::Claims => "persistentvolumeclaims",
            Resource::Volumes => "persistentvolumes",
            Resource::StorageClasses => "storageclasses.storage.k8s.io",
            Resource::Quotas => "resourcequotas",
            Resource::LimitRanges => "limitranges",
        }
    }

    /// The `kind.group/` prefix of names when several kinds are printed.
    fn prefix(self) -> &'static str {
        match self {
            Resource::Pods => "pod",
            Resource::ReplicationControllers => "replicationcontroller",
            Resource::Services => "service",
            Resource::DaemonSets => "daemonset.apps",
            Resource::Deployments => "deployment.apps",
            Resource::ReplicaSets => "replicaset.apps",
            Resource::StatefulSets => "statefulset.apps",
            Resource::Hpas => "horizontalpodautoscaler.autoscaling",
            Resource::Jobs => "job.batch",
            Resource::CronJobs => "cronjob.batch",
            Resource::Nodes => "node",
            Resource::Namespaces => "namespace",
            Resource::Events => "event",
            Resource::Claims => "persistentvolumeclaim",
            Resource::Volumes => "persistentvolume",
            Resource::StorageClasses => "storageclass.storage.k8s.io",
            Resource::Quotas => "resourcequota",
            Resource::LimitRanges => "limitrange",
        }
    }

    pub fn namespaced(self) -> bool {
        !matches!(self, Resource::Nodes | Resource::Namespaces | Resource::Volumes | Resource::StorageClasses)
    }

    /// Whether the table starts with NAME: an event's row is its object and message
    /// (printers.go `eventColumnDefinitions` puts the name among the wide columns).
    fn named(self) -> bool {
        self != Resource::Events
    }
}

/// Which objects a `get` lists.
pub(crate) struct Query<'q> {
    pub namespace: &'q str,
    pub all_namespaces: bool,
    pub selector: Option<&'q Selector>,
    pub names: &'q [String],
    pub wide: bool,
}

impl Query<'_> {
    fn wants(&self, namespace: &str, name: &str, labels: &Labels) -> bool {
        (self.all_namespaces || namespace.is_empty() || namespace == self.namespace)
            && (self.names.is_empty() || self.names.iter().any(|n| n == name))
            && self.selector.is_none_or(|s| s.matches(labels))
    }
}

/// One object's row: (namespace, name, cells after NAME).
type Row = (String, String, Vec<String>);

/// A kind's header (after NAME) and rows, sorted by namespace and name as the API server
/// lists them.
pub(crate) fn rows(v: &View, r: Resource, q: &Query) -> (Vec<&'static str>, Vec<Row>) {
    let now = v.now;
    let age = |t: SimTime| human_duration(now.since(t));
    let born = |kind: Kind, ns: &str, name: &str| {
        let id = ObjectRef { kind, namespace: ns.to_string(), name: name.to_string() };
        age(v.created.get(&id).copied().unwrap_or(SimTime::ZERO))
    };
    let mut out: Vec<Row> = Vec::new();
    let header: Vec<&'static str> = match r {
        // printers.go printPod
        Resource::Pods => {
            for (i, p) in v.store.pods.iter().enumerate() {
                if p.is_gone() || !q.wants(&p.namespace, &p.name, &p.labels) {
                    continue;
                }
                let (ready, status, restarts) = pod_columns(p);
                let mut cells = vec![ready, status, restarts.to_string(), age(p.created)];
                if q.wide {
                    let node = p.node.map(|n| v.store.nodes()[n].name.clone());
                    cells.push(if node.is_some() { pod_ip(i) } else { "<none>".into() });
                    cells.push(node.unwrap_or_else(|| "<none>".into()));
                    cells.push(p.nominated_node.map_or_else(|| "<none>".into(), |n| v.store.nodes()[n].name.clone()));
                    cells.push("<none>".into());
                }
                out.push((p.namespace.clone(), p.name.clone(), cells));
            }
            let mut h = vec!["READY", "STATUS", "RESTARTS", "AGE"];
            if q.wide {
                h.extend(["IP", "NODE", "NOMINATED NODE", "READINESS GATES"]);
            }
            h
        }
        // printers.go printDeployment
        Resource::Deployments => {
            for d in v.store.deployments.iter() {
                if d.deleted || d.rollout.is_some() || !q.wants(&d.namespace, &d.name, &d.labels) {
                    continue;
                }
                let s = &d.status;
                let mut cells = vec![
                    format!("{}/{}", s.ready, d.spec.replicas),
                    s.updated.to_string(),
                    s.available.to_string(),
                    born(Kind::Deployment, &d.namespace, &d.name),
                ];
                if q.wide {
                    cells.extend(containers(&d.spec.template.spec.containers));
                    cells.push(selector_string(&d.spec.selector));
                }
                out.push((d.namespace.clone(), d.name.clone(), cells));
            }
            wide(vec!["READY", "UP-TO-DATE", "AVAILABLE", "AGE"], q.wide, &["CONTAINERS", "IMAGES", "SELECTOR"])
        }
        // printers.go printReplicaSet (and printReplicationController, the same columns)
        Resource::ReplicaSets | Resource::ReplicationControllers => {
            let kind = if r == Resource::ReplicaSets { RsKind::ReplicaSet } else { RsKind::ReplicationController };
            for rs in v.store.replica_sets.iter() {
                if rs.deleted || rs.kind != kind || !q.wants(&rs.namespace, &rs.name, &rs.labels) {
                    continue;
                }
                let mut cells = vec![
                    rs.replicas.to_string(),
                    rs.status.replicas.to_string(),
                    rs.status.ready.to_string(),
                    age(rs.created),
                ];
                if q.wide {
                    cells.extend(containers(&rs.pod_spec.containers));
                    cells.push(selector_string(&rs.selector));
                }
                out.push((rs.namespace.clone(), rs.name.clone(), cells));
            }
            wide(vec!["DESIRED", "CURRENT", "READY", "AGE"], q.wide, &["CONTAINERS", "IMAGES", "SELECTOR"])
        }
        // printers.go printService
        Resource::Services => {
            let kubernetes: Labels =
                [("component", "apiserver"), ("provider", "kubernetes")].map(|(k, v)| (k.into(), v.into())).into();
            if q.wants("default", "kubernetes", &kubernetes) {
                let mut cells =
                    vec!["ClusterIP".into(), "10.96.0.1".into(), "<none>".into(), "443/TCP".into(), age(SimTime::ZERO)];
                if q.wide {
                    cells.push("<none>".into());
                }
                out.push(("default".into(), "kubernetes".into(), cells));
            }
            for (i, s) in v.net.services.iter().enumerate() {
                if s.deleted || !q.wants(&s.namespace, &s.name, &s.labels) {
                    continue;
                }
                // getServiceExternalIP: an ExternalName Service's is its external name.
                let (ty, external) = match s.spec.service_type {
                    ServiceType::ClusterIP => ("ClusterIP", "<none>"),
                    ServiceType::NodePort => ("NodePort", "<none>"),
                    ServiceType::LoadBalancer => ("LoadBalancer", "<pending>"),
                    ServiceType::ExternalName => ("ExternalName", s.spec.external_name.as_deref().unwrap_or_default()),
                };
                let node_ports = !matches!(s.spec.service_type, ServiceType::ClusterIP | ServiceType::ExternalName);
                let ports: Vec<String> = s
                    .spec
                    .ports
                    .iter()
                    .map(|p| match node_ports {
                        true => format!("{}:{}/TCP", p.port, node_port(&s.namespace, &s.name, p.port)),
                        false => format!("{}/TCP", p.port),
                    })
                    .collect();
                let ip = if s.spec.service_type == ServiceType::ExternalName { "<none>".into() } else { cluster_ip(i) };
                let mut cells = vec![
                    ty.to_string(),
                    ip,
                    external.to_string(),
                    if ports.is_empty() { "<none>".into() } else { ports.join(",") },
                    born(Kind::Service, &s.namespace, &s.name),
                ];
                if q.wide {
                    cells.push(s.spec.selector.as_ref().map_or_else(|| "<none>".into(), format_labels));
                }
                out.push((s.namespace.clone(), s.name.clone(), cells));
            }
            wide(vec!["TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"], q.wide, &["SELECTOR"])
        }
        // printers.go printNode
        Resource::Nodes => {
            for n in v.store.nodes().iter() {
                if !q.wants("", &n.name, &n.labels) {
                    continue;
                }
                let mut status = if n.ready { "Ready" } else { "NotReady" }.to_string();
                if n.unschedulable {
                    status.push_str(",SchedulingDisabled");
                }
                let roles: Vec<&str> =
                    n.labels.keys().filter_map(|k| k.strip_prefix("node-role.kubernetes.io/")).collect();
                let mut cells = vec![
                    status,
                    if roles.is_empty() { "<none>".into() } else { roles.join(",") },
                    age(SimTime::ZERO),
                    NODE_VERSION.into(),
                ];
                if q.wide {
                    cells.extend(["<none>", "<none>", "<unknown>", "<unknown>", "<unknown>"].map(String::from));
                }
                out.push((String::new(), n.name.clone(), cells));
            }
            wide(
                vec!["STATUS", "ROLES", "AGE", "VERSION"],
                q.wide,
                &["INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME"],
            )
        }
        // printers.go printHorizontalPodAutoscaler, formatHPAMetrics
        Resource::Hpas => {
            for h in v.store.hpas.iter() {
                if h.deleted || !q.wants(&h.namespace, &h.name, &Labels::new()) {
                    continue;
                }
                let targets = hpa_targets(&h.spec.metrics, &h.status.current_metrics);
                let reference = format!("{}/{}", go_kind(h.spec.target.kind), h.spec.target.name);
                let cells = vec![
                    reference,
                    targets,
                    h.spec.min_replicas.to_string(),
                    h.spec.max_replicas.to_string(),
                    h.status.current_replicas.unwrap_or(0).to_string(),
                    born(Kind::HorizontalPodAutoscaler, &h.namespace, &h.name),
                ];
                out.push((h.namespace.clone(), h.name.clone(), cells));
            }
            vec!["REFERENCE", "TARGETS", "MINPODS", "MAXPODS", "REPLICAS", "AGE"]
        }
        // printers.go printJob
        Resource::Jobs => {
            for j in v.store.jobs.iter() {
                if j.deleted || !q.wants(&j.namespace, &j.name, &j.labels) {
                    continue;
                }
                let s = &j.status;
                let completions = match j.spec.completions {
                    Some(c) => format!("{}/{c}", s.succeeded),
                    None if j.spec.parallelism > 1 => format!("{}/1 of {}", s.succeeded, j.spec.parallelism),
                    None => format!("{}/1", s.succeeded),
                };
                let duration = match (s.start_time, s.finished) {
                    (None, _) => String::new(),
                    (Some(start), None) => human_duration(now.since(start)),
                    (Some(start), Some((_, end))) => human_duration(end.since(start)),
                };
                // printJob: Complete, Failed, then Suspended, else Running.
                let status = match s.finished {
                    Some((o, _)) if !o.failed() => "Complete",
                    Some(_) => "Failed",
                    None if s.suspended == Some(true) => "Suspended",
                    None => "Running",
                }
                .to_string();
                let mut cells = vec![status, completions, duration, age(j.created)];
                if q.wide {
                    cells.extend(containers(&j.pod_spec.containers));
                    cells.push(selector_string(&j.selector));
                }
                out.push((j.namespace.clone(), j.name.clone(), cells));
            }
            wide(vec!["STATUS", "COMPLETIONS", "DURATION", "AGE"], q.wide, &["CONTAINERS", "IMAGES", "SELECTOR"])
        }
        // printers.go printCronJob
        Resource::CronJobs => {
            for c in v.store.cron_jobs.iter() {
                if c.deleted || !q.wants(&c.namespace, &c.name, &c.labels) {
                    continue;
                }
                let last = c.status.last_schedule.map_or_else(
                    || "<none>".to_string(),
                    |t| age(SimTime(u64::try_from(t * 1_000_000 - v.start_time).unwrap_or(0))),
                );
                let mut cells = vec![
                    c.spec.schedule.clone(),
                    c.spec.time_zone.clone().unwrap_or_else(|| "<none>".into()),
                    if c.spec.suspend { "True" } else { "False" }.to_string(),
                    c.status.active.len().to_string(),
                    last,
                    age(c.created),
                ];
                if q.wide {
                    cells.extend(containers(&c.spec.job.template.spec.containers));
                    // A CronJob's jobTemplate has no selector (it is generated per Job).
                    cells.push("<none>".into());
                }
                out.push((c.namespace.clone(), c.name.clone(), cells));
            }
            wide(
                vec!["SCHEDULE", "TIMEZONE", "SUSPEND", "ACTIVE", "LAST SCHEDULE", "AGE"],
                q.wide,
                &["CONTAINERS", "IMAGES", "SELECTOR"],
            )
        }
        // printers.go printDaemonSet
        Resource::DaemonSets => {
            for d in v.store.daemon_sets.iter() {
                if d.deleted || !q.wants(&d.namespace, &d.name, &d.labels) {
                    continue;
                }
                let s = &d.status;
                let node_selector = format_labels(&d.pod_spec.node_selector);
                let cells = vec![
                    s.desired_number_scheduled.to_string(),
                    s.current_number_scheduled.to_string(),
                    s.number_ready.to_string(),
                    s.updated_number_scheduled.to_string(),
                    s.number_available.to_string(),
                    node_selector,
                    born(Kind::DaemonSet, &d.namespace, &d.name),
                ];
                out.push((d.namespace.clone(), d.name.clone(), cells));
            }
            vec!["DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE", "NODE SELECTOR", "AGE"]
        }
        // printers.go printStatefulSet
        Resource::StatefulSets => {
            for s in v.store.stateful_sets.iter() {
                if s.deleted || !q.wants(&s.namespace, &s.name, &s.labels) {
                    continue;
                }
                let cells = vec![
                    format!("{}/{}", s.status.ready_replicas, s.spec.replicas),
                    born(Kind::StatefulSet, &s.namespace, &s.name),
                ];
                out.push((s.namespace.clone(), s.name.clone(), cells));
            }
            vec!["READY", "AGE"]
        }
        // printers.go printNamespace
        Resource::Namespaces => {
            let mut names: Vec<&str> = ["default", "kube-node-lease", "kube-public", "kube-system"].into();
            names.extend(v.store.namespaces.iter().map(String::as_str));
            names.sort_unstable();
            names.dedup();
            for n in names {
                if q.wants("", n, &Labels::new()) {
                    let id = ObjectRef { kind: Kind::Namespace, namespace: String::new(), name: n.to_string() };
                    let t = v.created.get(&id).copied().unwrap_or(SimTime::ZERO);
                    out.push((String::new(), n.to_string(), vec!["Active".into(), age(t)]));
                }
            }
            vec!["STATUS", "AGE"]
        }
        // printers.go printPersistentVolumeClaim
        Resource::Claims => {
            for c in v.store.claims.iter() {
                if c.deleted || !q.wants(&c.namespace, &c.name, &c.labels) {
                    continue;
                }
                let volume = c.volume.map(|id| &v.store.volumes[id]);
                let cells = vec![
                    c.phase().to_string(),
                    volume.map_or(String::new(), |pv| pv.name.clone()),
                    volume.map_or(String::new(), |pv| bytes(pv.spec.capacity_bytes)),
                    volume.map_or(String::new(), |pv| access_modes(&pv.spec.access_modes)),
                    c.spec.storage_class.clone().unwrap_or_default(),
                    "<unset>".into(),
                    age(c.created),
                ];
                out.push((c.namespace.clone(), c.name.clone(), cells));
            }
            vec!["STATUS", "VOLUME", "CAPACITY", "ACCESS MODES", "STORAGECLASS", "VOLUMEATTRIBUTESCLASS", "AGE"]
        }
        // printers.go printPersistentVolume
        Resource::Volumes => {
            for pv in v.store.volumes.iter() {
                if pv.deleted || !q.wants("", &pv.name, &pv.labels) {
                    continue;
                }
                let claim = pv
                    .claim
                    .map(|c| &v.store.claims[c])
                    .map_or(String::new(), |c| format!("{}/{}", c.namespace, c.name));
                let cells = vec![
                    bytes(pv.spec.capacity_bytes),
                    access_modes(&pv.spec.access_modes),
                    if pv.spec.reclaim_delete { "Delete" } else { "Retain" }.to_string(),
                    pv.phase().to_string(),
                    claim,
                    pv.spec.storage_class.clone(),
                    "<unset>".into(),
                    String::new(),
                    age(pv.created),
                ];
                out.push((String::new(), pv.name.clone(), cells));
            }
            vec![
                "CAPACITY",
                "ACCESS MODES",
                "RECLAIM POLICY",
                "STATUS",
                "CLAIM",
                "STORAGECLASS",
                "VOLUMEATTRIBUTESCLASS",
                "REASON",
                "AGE",
            ]
        }
        // printers.go printStorageClass: the default one's name followed by ` (default)`.
        Resource::StorageClasses => {
            for (name, sc) in &v.store.storage_classes {
                if !q.wants("", name, &Labels::new()) {
                    continue;
                }
                let shown = if sc.is_default { format!("{name} (default)") } else { name.clone() };
                let id = ObjectRef { kind: Kind::StorageClass, namespace: String::new(), name: name.clone() };
                let cells = vec![
                    sc.provisioner.clone(),
                    if sc.reclaim_delete { "Delete" } else { "Retain" }.to_string(),
                    sc.binding_mode.as_str().to_string(),
                    "false".into(),
                    age(v.created.get(&id).copied().unwrap_or(SimTime::ZERO)),
                ];
                out.push((String::new(), shown, cells));
            }
            vec!["PROVISIONER", "RECLAIMPOLICY", "VOLUMEBINDINGMODE", "ALLOWVOLUMEEXPANSION", "AGE"]
        }
        // printers.go printResourceQuota: `RESOURCE: USED/HARD` in name order, the limits.*
        // ones under LIMIT, the others under REQUEST.
        Resource::Quotas => {
            for ((ns, name), quota) in &v.store.quotas {
                if !q.wants(ns, name, &Labels::new()) {
                    continue;
                }
                let used = crate::sim::quota_used(v.store, ns, &quota.spec.hard);
                let (mut request, mut limit) = (Vec::new(), Vec::new());
                for (k, hard) in &quota.spec.hard {
                    let u = used.get(k).copied().unwrap_or(0);
                    let cell = format!("{k}: {}/{}", amount_string(k, u), amount_string(k, *hard));
                    if k.split('.').next() == Some("limits") && k.contains('.') {
                        limit.push(cell);
                    } else {
                        request.push(cell);
                    }
                }
                out.push((ns.clone(), name.clone(), vec![age(quota.created), request.join(", "), limit.join(", ")]));
            }
            vec!["AGE", "REQUEST", "LIMIT"]
        }
        // printers.go printLimitRange: the creation time in RFC 3339 (UTC).
        Resource::LimitRanges => {
            for ((ns, name), lr) in &v.store.limit_ranges {
                if !q.wants(ns, name, &Labels::new()) {
                    continue;
                }
                out.push((ns.clone(), name.clone(), vec![wall_time(v, lr.created)]));
            }
            vec!["CREATED AT"]
        }
        Resource::Events => {
            out = event_rows(v, q);
            wide(vec!["LAST SEEN", "TYPE", "REASON", "OBJECT"], q.wide, &["SUBOBJECT", "SOURCE"])
                .into_iter()
                .chain(["MESSAGE"])
                .chain(if q.wide { vec!["FIRST SEEN", "COUNT", "NAME"] } else { vec![] })
                .collect()
        }
    };
    out.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    (header, out)
}

/// A virtual time on the wall clock of `cluster.startTime`, in RFC 3339 (UTC).
fn wall_time(v: &View, t: SimTime) -> String {
    let micros = v.start_time.saturating_add(i64::try_from(t.as_micros()).unwrap_or(i64::MAX));
    jiff::Timestamp::from_microsecond(micros)
        .map(|ts| ts.to_zoned(jiff::tz::TimeZone::UTC).strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

/// `describe resourcequota NAME` (describe.go `describeQuota`): Name, Namespace, then each
/// resource's used and hard amounts in name order. No events: the quota describer has none.
pub(crate) fn describe_quota(v: &View, namespace: &str, name: &str) -> String {
    let Some(quota) = v.store.quotas.get(&(namespace.to_string(), name.to_string())) else {
        return format!("Error from server (NotFound): resourcequotas \"{name}\" not found\n");
    };
    let used = crate::sim::quota_used(v.store, namespace, &quota.spec.hard);
    let mut out = fields("", &[("Name", vec![name.to_string()]), ("Namespace", vec![namespace.to_string()])]);
    let rows: Vec<Vec<String>> = std::iter::once(vec!["--------".to_string(), "----".into(), "----".into()])
        .chain(quota.spec.hard.iter().map(|(k, hard)| {
            vec![k.clone(), amount_string(k, used.get(k).copied().unwrap_or(0)), amount_string(k, *hard)]
        }))
        .collect();
    out.push_str(&tabbed(&["Resource", "Used", "Hard"], rows, 2));
    out
}

/// A byte count as a `resource.Quantity` prints it: `1Gi`, `500Mi`, `5G`, `1000`.
fn bytes(n: i64) -> String {
    const BINARY: [(&str, i64); 5] =
        [("Pi", 1 << 50), ("Ti", 1 << 40), ("Gi", 1 << 30), ("Mi", 1 << 20), ("Ki", 1 << 10)];
    const DECIMAL: [(&str, i64); 5] =
        [("P", 1_000_000_000_000_000), ("T", 1_000_000_000_000), ("G", 1_000_000_000), ("M", 1_000_000), ("k", 1_000)];
    for (suffix, unit) in BINARY.iter().chain(DECIMAL.iter()) {
        if n != 0 && n % unit == 0 {
            return format!("{}{suffix}", n / unit);
        }
    }
    n.to_string()
}

/// `GetAccessModesAsString`: RWO, ROX, RWX, RWOP, comma-separated.
fn access_modes(modes: &[String]) -> String {
    let short = |m: &str| match m {
        "ReadWriteOnce" => "RWO",
        "ReadOnlyMany" => "ROX",
        "ReadWriteMany" => "RWX",
        "ReadWriteOncePod" => "RWOP",
        _ => "",
    };
    modes.iter().map(|m| short(m)).filter(|s| !s.is_empty()).collect::<Vec<_>>().join(",")
}

/// `get events`: the events recorded so far in the namespace (a node's in `default`, as
/// the kubelet and the node controllers record them), the repeats of one event (same
/// object, type, reason and message) folded into one row with its count and its first and
/// last time, as client-go's `EventCorrelator` folds them. Each row's name is the API
/// server's (`OBJECT-NAME.` and the first time), by which it lists them: by object name,
/// then first time. kubesim records no source component or sub-object (`<none>`... as
/// kubectl prints an empty one).
fn event_rows(v: &View, q: &Query) -> Vec<Row> {
    struct Folded {
        first: SimTime,
        last: SimTime,
        count: u32,
    }
    let mut folded: BTreeMap<(String, String, &str, &str, &str, &str), Folded> = BTreeMap::new();
    let mut order: Vec<(String, String, &str, &str, &str, &str)> = Vec::new();
    for e in v.recorder.records.iter().filter(|e| e.time <= v.now) {
        let (kind, rest) = e.object.split_once('/').unwrap_or(("", e.object.as_str()));
        let (namespace, name) = rest.split_once(':').unwrap_or(("default", rest));
        if !(q.all_namespaces || namespace == q.namespace) || q.selector.is_some_and(|s| !s.matches(&Labels::new())) {
            continue;
        }
        let key = (namespace.to_string(), name.to_string(), kind, e.kind.as_str(), e.reason, e.message.as_str());
        match folded.get_mut(&key) {
            Some(f) => {
                f.last = e.time;
                f.count += 1;
            }
            None => {
                folded.insert(key.clone(), Folded { first: e.time, last: e.time, count: 1 });
                order.push(key);
            }
        }
    }
    let ago = |t: SimTime| human_duration(v.now.since(t));
    order
        .into_iter()
        .filter_map(|key| {
            let f = folded.get(&key)?;
            let (namespace, name, kind, kind_of_event, reason, message) = key;
            // client-go's recorder names an event `NAME.%x` of its time in Unix nanoseconds:
            // sixteen hex digits today, so that names sort by time; kubesim's are the
            // virtual time's nanoseconds, padded to sixteen digits to sort the same way.
            let event_name = format!("{name}.{:016x}", f.first.as_micros() * 1_000);
            if !(q.names.is_empty() || q.names.contains(&event_name)) {
                return None;
            }
            let mut cells = vec![ago(f.last), kind_of_event.to_string(), reason.to_string(), format!("{kind}/{name}")];
            if q.wide {
                cells.extend(["".to_string(), "".to_string()]);
            }
            cells.push(message.to_string());
            if q.wide {
                cells.extend([ago(f.first), f.count.to_string(), event_name.clone()]);
            }
            Some((namespace, event_name, cells))
        })
        .collect()
}

fn wide(mut h: Vec<&'static str>, wide: bool, more: &[&'static str]) -> Vec<&'static str> {
    if wide {
        h.extend_from_slice(more);
    }
    h
}

/// `get`'s output for `resources`: one table per kind, names prefixed with `kind.group/`
/// when more than one kind is asked for (`get all`, `get deploy,pods`), a blank line
/// between tables; kubectl's `No resources found` when nothing matched.
pub(crate) fn get(v: &View, resources: &[Resource], q: &Query, prefixed: bool) -> String {
    let mut tables = Vec::new();
    for &r in resources {
        let (header, rows) = rows(v, r, q);
        if rows.is_empty() {
            continue;
        }
        let ns_column = q.all_namespaces && r.namespaced();
        let mut head: Vec<&str> = Vec::new();
        if ns_column {
            head.push("NAMESPACE");
        }
        if r.named() {
            head.push("NAME");
        }
        head.extend(header);
        let body = rows
            .into_iter()
            .map(|(ns, name, cells)| {
                let mut row = Vec::with_capacity(cells.len() + 2);
                if ns_column {
                    row.push(ns);
                }
                if r.named() {
                    row.push(if prefixed { format!("{}/{name}", r.prefix()) } else { name });
                }
                row.extend(cells);
                row
            })
            .collect();
        tables.push(crate::metrics::watch::table(&head, body));
    }
    if tables.is_empty() {
        let cluster_scoped = resources.iter().all(|r| !r.namespaced());
        return if q.all_namespaces || cluster_scoped {
            "No resources found\n".into()
        } else {
            format!("No resources found in {} namespace.\n", q.namespace)
        };
    }
    tables.join("\n")
}

/// A name that no object of the kind has: kubectl's NotFound, one line per name.
pub(crate) fn missing(v: &View, r: Resource, q: &Query) -> String {
    let (_, rows) = rows(v, r, &Query { names: &[], selector: None, ..*q });
    q.names
        .iter()
        .filter(|n| !rows.iter().any(|(ns, name, _)| name == *n && (ns.is_empty() || ns == q.namespace)))
        .map(|n| format!("Error from server (NotFound): {} \"{n}\" not found\n", r.plural()))
        .collect()
}

/// The Go kind, as `REFERENCE` and `Controlled By` print it.
fn go_kind(kind: Kind) -> &'static str {
    match kind {
        Kind::Deployment => "Deployment",
        Kind::ReplicaSet => "ReplicaSet",
        Kind::ReplicationController => "ReplicationController",
        Kind::StatefulSet => "StatefulSet",
        Kind::Rollout => "Rollout",
        _ => "Unknown",
    }
}

/// `layoutContainerCells`: names and images, comma-separated.
fn containers(list: &[crate::model::spec::ContainerSpec]) -> [String; 2] {
    [
        list.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(","),
        list.iter().map(|c| c.image.as_str()).collect::<Vec<_>>().join(","),
    ]
}

/// `labels.FormatLabels`: `k=v,k2=v2`, `<none>` when empty.
fn format_labels(l: &Labels) -> String {
    if l.is_empty() {
        return "<none>".into();
    }
    l.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(",")
}

/// `metav1.FormatLabelSelector`.
fn selector_string(s: &Selector) -> String {
    let mut parts: Vec<String> = s.match_labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
    for r in &s.match_expressions {
        parts.push(match r.operator {
            SelectorOperator::In => format!("{} in ({})", r.key, r.values.join(",")),
            SelectorOperator::NotIn => format!("{} notin ({})", r.key, r.values.join(",")),
            SelectorOperator::Exists => r.key.clone(),
            SelectorOperator::DoesNotExist => format!("!{}", r.key),
        });
    }
    if parts.is_empty() {
        "<none>".into()
    } else {
        parts.join(",")
    }
}

/// A milli-value as a `resource.Quantity` prints it: `250m`, `2`.
fn quantity(milli: i64) -> String {
    if milli % 1000 == 0 {
        (milli / 1000).to_string()
    } else {
        format!("{milli}m")
    }
}

/// `formatHPAMetrics`: at most two metrics, `cpu: 40%/50%`, `<unknown>` before a measure.
fn hpa_targets(specs: &[HpaMetric], current: &[Option<i64>]) -> String {
    if specs.is_empty() {
        return "<none>".into();
    }
    let now = |i: usize| current.get(i).copied().flatten();
    let list: Vec<String> = specs
        .iter()
        .enumerate()
        .map(|(i, m)| match m {
            HpaMetric::Resource { resource, target: ResourceTarget::Utilization(t) } => {
                let c = now(i).map_or_else(|| "<unknown>".into(), |c| format!("{c}%"));
                format!("{}: {c}/{t}%", resource.name())
            }
            HpaMetric::Resource { resource, target: ResourceTarget::AverageValue(t) } => {
                let c = now(i).map_or_else(|| "<unknown>".into(), quantity);
                format!("{}: {c}/{}", resource.name(), quantity(*t))
            }
            HpaMetric::Pods { average_milli, .. } => {
                let c = now(i).map_or_else(|| "<unknown>".into(), quantity);
                format!("{c}/{}", quantity(*average_milli))
            }
        })
        .collect();
    if list.len() > 2 {
        format!("{} + {} more...", list[..2].join(", "), list.len() - 2)
    } else {
        list.join(", ")
    }
}

/// Invented: the Service of row `i`'s cluster IP in 10.96.0.0/12 (10.96.0.1 is `kubernetes`).
fn cluster_ip(i: usize) -> String {
    let n = i + 10;
    format!("10.96.{}.{}", (n / 256) % 256, n % 256)
}

/// Invented: a pod's IP in 10.244.0.0/16, from its row.
fn pod_ip(i: usize) -> String {
    format!("10.244.{}.{}", (i / 250) % 256, i % 250 + 2)
}

/// Invented: a node port in 30000-32767, from the Service and port.
fn node_port(ns: &str, name: &str, port: i32) -> u64 {
    let h = crate::engine::hash::fnv1a(format!("{ns}/{name}/{port}").as_bytes());
    30000 + h % 2768
}

/// `rollout status deployment/NAME` at this moment (`DeploymentStatusViewer.Status`):
/// `(text, ok)`; an error's text is `error: ...`.
pub(crate) fn rollout_status(v: &View, namespace: &str, name: &str) -> String {
    let Some(d) = v.store.find_deployment(namespace, name) else {
        return format!("Error from server (NotFound): deployments.apps \"{name}\" not found\n");
    };
    let d = &v.store.deployments[d];
    let s = &d.status;
    if d.progress_reason == Some(ProgressReason::ProgressDeadlineExceeded) {
        return format!("error: deployment \"{name}\" exceeded its progress deadline\n");
    }
    if s.updated < d.spec.replicas {
        return format!(
            "Waiting for deployment \"{name}\" rollout to finish: {} out of {} new replicas have been updated...\n",
            s.updated, d.spec.replicas
        );
    }
    if s.replicas > s.updated {
        return format!(
            "Waiting for deployment \"{name}\" rollout to finish: {} old replicas are pending termination...\n",
            s.replicas - s.updated
        );
    }
    if s.available < s.updated {
        return format!(
            "Waiting for deployment \"{name}\" rollout to finish: {} of {} updated replicas are available...\n",
            s.available, s.updated
        );
    }
    format!("deployment \"{name}\" successfully rolled out\n")
}

/// `rollout history deployment/NAME` (`DeploymentHistoryViewer.ViewHistory`): the revisions
/// of its ReplicaSets; kubesim keeps no `kubernetes.io/change-cause`, so `<none>`.
pub(crate) fn rollout_history(v: &View, namespace: &str, name: &str) -> String {
    let Some(d) = v.store.find_deployment(namespace, name) else {
        return format!("Error from server (NotFound): deployments.apps \"{name}\" not found\n");
    };
    let mut revisions: Vec<i64> = v.store.deployments[d]
        .replica_sets
        .iter()
        .map(|&rs| &v.store.replica_sets[rs])
        .filter(|rs| !rs.deleted)
        .map(|rs| rs.revision)
        .collect();
    revisions.sort_unstable();
    revisions.dedup();
    let rows = revisions.iter().map(|r| vec![r.to_string(), "<none>".into()]).collect();
    format!("deployment.apps/{name} \n{}\n", tabbed(&["REVISION", "CHANGE-CAUSE"], rows, 2))
}

/// Whether a Deployment's `Available` condition is true: at least `replicas -
/// maxUnavailable` pods available (deployment controller `sync.go` `syncRolloutStatus`).
pub(crate) fn available(v: &View, d: DeployId) -> bool {
    let d = &v.store.deployments[d];
    d.status.available >= d.spec.replicas - crate::controllers::deployment::util::max_unavailable(&d.spec)
}

/// `cluster-info`: kubectl's text with the invented control-plane address (the colours
/// kubectl adds on a terminal are left out, as when its output is not a terminal).
pub(crate) fn cluster_info() -> String {
    format!(
        "Kubernetes control plane is running at {CONTROL_PLANE}\nCoreDNS is running at {CONTROL_PLANE}/api/v1/namespaces/kube-system/services/kube-dns:dns/proxy\n\nTo further debug and diagnose cluster problems, use 'kubectl cluster-info dump'.\n"
    )
}

/// Columns as `describe` and `rollout history` lay them out (tabwriter, padding `pad`).
fn tabbed(header: &[&str], rows: Vec<Vec<String>>, pad: usize) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let all = std::iter::once(header.iter().map(|s| s.to_string()).collect::<Vec<_>>()).chain(rows);
    for row in all {
        let last = row.len().saturating_sub(1);
        for (i, cell) in row.iter().enumerate() {
            out.push_str(cell);
            if i < last {
                out.push_str(&" ".repeat(widths[i] - cell.chars().count() + pad));
            }
        }
        out.push('\n');
    }
    out
}

/// Label/value lines of a describe section, values aligned (tabwriter, padding 2);
/// multi-line values (labels) continue under the first.
fn fields(prefix: &str, items: &[(&str, Vec<String>)]) -> String {
    let width = items.iter().map(|(k, _)| k.len() + 1).max().unwrap_or(0) + 2;
    let mut out = String::new();
    for (k, values) in items {
        let label = format!("{k}:");
        let values = if values.is_empty() { vec!["<none>".to_string()] } else { values.clone() };
        for (i, value) in values.iter().enumerate() {
            let head = if i == 0 { label.as_str() } else { "" };
            out.push_str(&format!("{prefix}{head}{}{value}\n", " ".repeat(width - head.len())));
        }
    }
    out
}

fn label_lines(l: &Labels) -> Vec<String> {
    l.iter().map(|(k, v)| format!("{k}={v}")).collect()
}

/// Who reported an event (the Events table's `From`): kubesim's records do not say, so the
/// component is the one that gives that reason in Kubernetes.
fn source(e: &EventRecord) -> String {
    match e.reason {
        "Scheduled" | "FailedScheduling" | "Preempted" => "default-scheduler",
        "ScalingReplicaSet" | "DeploymentRollback" | "DeploymentPaused" | "DeploymentResumed" => {
            "deployment-controller"
        }
        "SuccessfulCreate" | "SuccessfulDelete" | "FailedCreate" if e.object.starts_with("job/") => "job-controller",
        "SuccessfulCreate" | "SuccessfulDelete" | "FailedCreate" => "replicaset-controller",
        "SuccessfulRescale" | "FailedGetResourceMetric" | "FailedComputeMetricsReplicas" => "horizontal-pod-autoscaler",
        "Completed"
        | "BackoffLimitExceeded"
        | "DeadlineExceeded"
        | "PodFailurePolicy"
        | "FailedIndexes"
        | "MaxFailedIndexesExceeded"
        | "Suspended"
        | "Resumed" => "job-controller",
        "KubectlError" => "kubectl",
        "NodeNotReady" | "NodeReady" | "RegisteredNode" | "TaintManagerEviction" => "node-controller",
        _ => "kubelet",
    }
    .to_string()
}

/// The Events section of `describe` (`DescribeEvents`): events of `object` (`pod/NAME`),
/// identical ones merged as `AGE (xN over FIRST)`, or `Events:  <none>`.
fn events(v: &View, object: &str) -> String {
    // (type, reason, message) -> (first, last, count), in first-seen order.
    let mut merged: Vec<(&EventRecord, SimTime, SimTime, u32)> = Vec::new();
    for e in v.recorder.records.iter().filter(|e| e.object == object && e.time <= v.now) {
        match merged.iter_mut().find(|m| m.0.kind == e.kind && m.0.reason == e.reason && m.0.message == e.message) {
            Some(m) => {
                m.2 = e.time;
                m.3 += 1;
            }
            None => merged.push((e, e.time, e.time, 1)),
        }
    }
    if merged.is_empty() {
        return "Events:  <none>\n".into();
    }
    let age = |t: SimTime| human_duration(v.now.since(t));
    let mut rows = vec![["----", "------", "----", "----", "-------"].map(String::from).to_vec()];
    for (e, first, last, n) in merged {
        let when = if n > 1 { format!("{} (x{n} over {})", age(last), age(first)) } else { age(first) };
        rows.push(vec![e.kind.as_str().into(), e.reason.into(), when, source(e), e.message.clone()]);
    }
    let table = tabbed(&["Type", "Reason", "Age", "From", "Message"], rows, 2);
    let mut out = "Events:\n".to_string();
    for line in table.lines() {
        out.push_str(&format!("  {line}\n"));
    }
    out
}

fn container_state(c: &crate::model::store::ContainerStatus) -> Vec<(&'static str, Vec<String>)> {
    match c.state {
        ContainerState::Running => vec![("State", vec!["Running".into()])],
        ContainerState::Waiting(reason) => vec![("State", vec!["Waiting".into()]), ("  Reason", vec![reason.into()])],
        ContainerState::Terminated(reason) => {
            let mut v = vec![("State", vec!["Terminated".into()]), ("  Reason", vec![reason.into()])];
            if let Some(exit) = &c.last_exit {
                v.push(("  Exit Code", vec![exit.code.to_string()]));
            }
            v
        }
    }
}

/// `describe pod NAME` (describe.go `describePod`): Name, Namespace, Node, Labels, Status,
/// Controlled By, Containers (Image, State, Ready, Restart Count), Conditions, Events.
pub(crate) fn describe_pod(v: &View, namespace: &str, name: &str) -> String {
    let Some(id) = v.store.find_pod(namespace, name).filter(|&p| !v.store.pods[p].is_gone()) else {
        return format!("Error from server (NotFound): pods \"{name}\" not found\n");
    };
    let p = &v.store.pods[id];
    let node = p.node.map_or_else(|| "<none>".into(), |n| v.store.nodes()[n].name.clone());
    let status = if p.terminating.is_some() { "Terminating".to_string() } else { format!("{:?}", p.phase) };
    let mut top = vec![
        ("Name", vec![p.name.clone()]),
        ("Namespace", vec![p.namespace.clone()]),
        ("Node", vec![node]),
        ("Labels", label_lines(&p.labels)),
        ("Status", vec![status]),
    ];
    if let Some(owner) = &p.owner {
        let by = match owner {
            PodOwner::ReplicaSet(rs) => {
                let rs = &v.store.replica_sets[*rs];
                let kind = if rs.kind == RsKind::ReplicaSet { "ReplicaSet" } else { "ReplicationController" };
                format!("{kind}/{}", rs.name)
            }
            PodOwner::Job(j) => format!("Job/{}", v.store.jobs[*j].name),
            PodOwner::DaemonSet(d) => format!("DaemonSet/{}", v.store.daemon_sets[*d].name),
            PodOwner::StatefulSet(s) => format!("StatefulSet/{}", v.store.stateful_sets[*s].name),
        };
        top.push(("Controlled By", vec![by]));
    }
    let mut out = fields("", &top);
    let container = |spec: &crate::model::spec::ContainerSpec, c: &crate::model::store::ContainerStatus| {
        let mut items = vec![("Image", vec![spec.image.clone()])];
        items.extend(container_state(c));
        items.push(("Ready", vec![if c.ready { "True" } else { "False" }.into()]));
        items.push(("Restart Count", vec![c.restarts.to_string()]));
        format!("  {}:\n{}", spec.name, fields("    ", &items))
    };
    if !p.spec.init_containers.is_empty() {
        out.push_str("Init Containers:\n");
        for (spec, c) in p.spec.init_containers.iter().zip(&p.init_containers) {
            out.push_str(&container(spec, c));
        }
    }
    out.push_str("Containers:\n");
    for (spec, c) in p.spec.containers.iter().zip(&p.containers) {
        out.push_str(&format!("  {}:\n", spec.name));
        let mut items = vec![("Image", vec![spec.image.clone()])];
        items.extend(container_state(c));
        items.push(("Ready", vec![if c.ready { "True" } else { "False" }.into()]));
        items.push(("Restart Count", vec![c.restarts.to_string()]));
        out.push_str(&fields("    ", &items));
    }
    let b = |x: bool| if x { "True" } else { "False" }.to_string();
    let ready = p.is_ready();
    // Initialized: every init container finished (every sidecar started), so the kubelet
    // has begun the app containers.
    let initialized = p.spec.init_containers.is_empty() || usize::from(p.begun) > p.spec.init_containers.len();
    let conditions = vec![
        vec!["Initialized".into(), b(p.node.is_some() && initialized)],
        vec!["Ready".into(), b(ready)],
        vec!["ContainersReady".into(), b(ready)],
        vec!["PodScheduled".into(), b(p.node.is_some())],
    ];
    out.push_str("Conditions:\n");
    for line in tabbed(&["Type", "Status"], conditions, 2).lines() {
        out.push_str(&format!("  {line}\n"));
    }
    out.push_str(&events(v, &format!("pod/{name}")));
    out
}

/// `describe deployment NAME` (describe.go `DeploymentDescriber`): Name, Namespace, Labels,
/// Selector, Replicas, StrategyType, MinReadySeconds, Pod Template (containers and images),
/// OldReplicaSets, NewReplicaSet, Events.
pub(crate) fn describe_deployment(v: &View, namespace: &str, name: &str) -> String {
    let Some(id) = v.store.find_deployment(namespace, name) else {
        return format!("Error from server (NotFound): deployments.apps \"{name}\" not found\n");
    };
    let d = &v.store.deployments[id];
    let s = &d.status;
    let strategy = match d.spec.strategy {
        crate::model::spec::DeploymentStrategy::Recreate => "Recreate",
        _ => "RollingUpdate",
    };
    let mut out = fields(
        "",
        &[
            ("Name", vec![d.name.clone()]),
            ("Namespace", vec![d.namespace.clone()]),
            ("Labels", label_lines(&d.labels)),
            ("Selector", vec![selector_string(&d.spec.selector)]),
            (
                "Replicas",
                vec![format!(
                    "{} desired | {} updated | {} total | {} available | {} unavailable",
                    d.spec.replicas, s.updated, s.replicas, s.available, s.unavailable
                )],
            ),
            ("StrategyType", vec![strategy.into()]),
            ("MinReadySeconds", vec![d.spec.min_ready_seconds.to_string()]),
        ],
    );
    out.push_str("Pod Template:\n");
    out.push_str(&fields("  ", &[("Labels", label_lines(&d.spec.template.labels))]));
    out.push_str("  Containers:\n");
    for c in &d.spec.template.spec.containers {
        out.push_str(&format!("   {}:\n", c.name));
        out.push_str(&fields("    ", &[("Image", vec![c.image.clone()])]));
    }
    let rs_line = |rs: &crate::model::store::ReplicaSet| {
        format!("{} ({}/{} replicas created)", rs.name, rs.status.replicas, rs.replicas)
    };
    let (mut new, mut old) = (None, Vec::new());
    for &r in &d.replica_sets {
        let rs = &v.store.replica_sets[r];
        if rs.deleted {
            continue;
        }
        if rs.template_hash == d.template_hash {
            new = Some(rs_line(rs));
        } else if rs.replicas > 0 || rs.status.replicas > 0 {
            old.push(rs_line(rs));
        }
    }
    out.push_str(&fields(
        "",
        &[
            ("OldReplicaSets", if old.is_empty() { vec!["<none>".into()] } else { vec![old.join(", ")] }),
            ("NewReplicaSet", vec![new.unwrap_or_else(|| "<none>".into())]),
        ],
    ));
    out.push_str(&events(v, &format!("deployment/{name}")));
    out
}

/// `describe hpa NAME` (describe.go `HorizontalPodAutoscalerDescriber`, autoscaling/v2):
/// Name, Namespace, Reference, Metrics (current / target), Min and Max replicas, the target's
/// pods current / desired, Conditions (AbleToScale, ScalingActive, ScalingLimited with their
/// reasons and messages), Events.
pub(crate) fn describe_hpa(v: &View, namespace: &str, name: &str) -> String {
    let Some(id) = v.store.find_hpa(namespace, name) else {
        return format!("Error from server (NotFound): horizontalpodautoscalers.autoscaling \"{name}\" not found\n");
    };
    let h = &v.store.hpas[id];
    let current = |i: usize| h.status.current_metrics.get(i).copied().flatten();
    let metrics: Vec<(String, String)> = h
        .spec
        .metrics
        .iter()
        .enumerate()
        .map(|(i, m)| match m {
            HpaMetric::Resource { resource, target: ResourceTarget::Utilization(t) } => (
                format!("resource {} on pods  (as a percentage of request)", resource.name()),
                format!("{} / {t}%", current(i).map_or_else(|| "<unknown>".into(), |c| format!("{c}%"))),
            ),
            HpaMetric::Resource { resource, target: ResourceTarget::AverageValue(t) } => (
                format!("resource {} on pods", resource.name()),
                format!("{} / {}", current(i).map_or_else(|| "<unknown>".into(), quantity), quantity(*t)),
            ),
            HpaMetric::Pods { name, average_milli } => (
                format!("\"{name}\" on pods"),
                format!("{} / {}", current(i).map_or_else(|| "<unknown>".into(), quantity), quantity(*average_milli)),
            ),
        })
        .collect();
    let kind = go_kind(h.spec.target.kind);
    let replicas = |r: Option<i32>| r.unwrap_or(0);
    let mut items: Vec<(String, String)> = vec![
        ("Name:".into(), h.name.clone()),
        ("Namespace:".into(), h.namespace.clone()),
        ("Reference:".into(), format!("{kind}/{}", h.spec.target.name)),
        ("Metrics:".into(), "( current / target )".into()),
    ];
    items.extend(metrics.into_iter().map(|(k, v)| (format!("  {k}:"), v)));
    items.extend([
        ("Min replicas:".into(), h.spec.min_replicas.to_string()),
        ("Max replicas:".into(), h.spec.max_replicas.to_string()),
        (
            format!("{kind} pods:"),
            format!(
                "{} current / {} desired",
                replicas(h.status.current_replicas),
                replicas(h.status.desired_replicas)
            ),
        ),
    ]);
    // One tabwriter block: the metrics' lines align with the fields.
    let width = items.iter().map(|(k, _)| k.len()).max().unwrap_or(0) + 2;
    let mut out: String = items.iter().map(|(k, v)| format!("{k}{}{v}\n", " ".repeat(width - k.len()))).collect();
    if h.status.conditions.is_empty() {
        out.push_str("Conditions:  <none>\n");
    } else {
        let mut rows = vec![["----", "------", "------", "-------"].map(String::from).to_vec()];
        for (c, _) in &h.status.conditions {
            let status = if c.status { "True" } else { "False" };
            rows.push(vec![c.kind.into(), status.into(), c.reason.into(), c.message.clone()]);
        }
        out.push_str("Conditions:\n");
        for line in tabbed(&["Type", "Status", "Reason", "Message"], rows, 2).lines() {
            out.push_str(&format!("  {line}\n"));
        }
    }
    let object =
        ObjectRef { kind: Kind::HorizontalPodAutoscaler, namespace: namespace.to_string(), name: name.to_string() };
    out.push_str(&events(v, &object.to_string()));
    out
}

/// `describe cronjob NAME` (describe.go `describeCronJob` and `describeJobTemplate`): Name,
/// Namespace, Labels, Schedule, Concurrency Policy, Suspend, the history limits, Starting
/// Deadline Seconds, the Job template's Parallelism, Completions and containers, Last
/// Schedule Time (RFC 1123 on `cluster.startTime`'s clock), Active Jobs, Events.
pub(crate) fn describe_cron_job(v: &View, namespace: &str, name: &str) -> String {
    let Some(id) = v.store.find_cron_job(namespace, name) else {
        return format!("Error from server (NotFound): cronjobs.batch \"{name}\" not found\n");
    };
    let c = &v.store.cron_jobs[id];
    let spec = &c.spec;
    let unset = || "<unset>".to_string();
    let last =
        c.status.last_schedule.and_then(|secs| jiff::Timestamp::from_second(secs).ok()).map_or_else(unset, |t| {
            t.to_zoned(jiff::tz::TimeZone::UTC).strftime("%a, %d %b %Y %H:%M:%S %z").to_string()
        });
    let active: Vec<String> = c.status.active.iter().map(|(_, n)| n.clone()).collect();
    let mut out = fields(
        "",
        &[
            ("Name", vec![c.name.clone()]),
            ("Namespace", vec![c.namespace.clone()]),
            ("Labels", label_lines(&c.labels)),
            ("Schedule", vec![spec.schedule.clone()]),
            ("Concurrency Policy", vec![spec.concurrency_policy.as_str().to_string()]),
            ("Suspend", vec![if spec.suspend { "True" } else { "False" }.to_string()]),
            ("Successful Job History Limit", vec![spec.successful_jobs_history_limit.to_string()]),
            ("Failed Job History Limit", vec![spec.failed_jobs_history_limit.to_string()]),
            ("Starting Deadline Seconds", vec![spec.starting_deadline_seconds.map_or_else(unset, |d| format!("{d}s"))]),
            ("Parallelism", vec![spec.job.parallelism.to_string()]),
            ("Completions", vec![spec.job.completions.map_or_else(unset, |n| n.to_string())]),
        ],
    );
    out.push_str("Pod Template:\n");
    out.push_str(&fields("  ", &[("Labels", label_lines(&spec.job.template.labels))]));
    out.push_str("  Containers:\n");
    for ct in &spec.job.template.spec.containers {
        out.push_str(&format!("   {}:\n", ct.name));
        out.push_str(&fields("    ", &[("Image", vec![ct.image.clone()])]));
    }
    out.push_str(&fields(
        "",
        &[
            ("Last Schedule Time", vec![last]),
            ("Active Jobs", if active.is_empty() { vec!["<none>".into()] } else { vec![active.join(", ")] }),
        ],
    ));
    out.push_str(&events(v, &format!("cronjob/{name}")));
    out
}

/// `describe node NAME` (describe.go `describeNode`): Name, Roles, Labels, Taints,
/// Unschedulable, Conditions (Ready), Capacity/Allocatable figures kubesim keeps,
/// Non-terminated Pods, Events.
pub(crate) fn describe_node(v: &View, name: &str) -> String {
    let Some(id) = v.store.find_node(name) else {
        return format!("Error from server (NotFound): nodes \"{name}\" not found\n");
    };
    let n = &v.store.nodes()[id];
    let roles: Vec<&str> = n.labels.keys().filter_map(|k| k.strip_prefix("node-role.kubernetes.io/")).collect();
    let taints: Vec<String> = n
        .taints
        .iter()
        .map(|t| match t.value.as_str() {
            "" => format!("{}:{:?}", t.key, t.effect),
            v => format!("{}={v}:{:?}", t.key, t.effect),
        })
        .collect();
    let mut out = fields(
        "",
        &[
            ("Name", vec![n.name.clone()]),
            ("Roles", vec![if roles.is_empty() { "<none>".into() } else { roles.join(",") }]),
            ("Labels", label_lines(&n.labels)),
            ("Taints", taints),
            ("Unschedulable", vec![n.unschedulable.to_string()]),
        ],
    );
    out.push_str("Conditions:\n");
    let ready = if n.ready { "True" } else { "Unknown" };
    for line in
        tabbed(&["Type", "Status"], vec![vec!["----".into(), "------".into()], vec!["Ready".into(), ready.into()]], 2)
            .lines()
    {
        out.push_str(&format!("  {line}\n"));
    }
    let pods: Vec<Vec<String>> = {
        let mut list: Vec<&Pod> = n.pods.iter().map(|&p| &v.store.pods[p]).filter(|p| !p.is_gone()).collect();
        list.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
        list.into_iter()
            .map(|p| vec![p.namespace.clone(), p.name.clone(), human_duration(v.now.since(p.created))])
            .collect()
    };
    out.push_str(&format!("Non-terminated Pods:          ({} in total)\n", pods.len()));
    let mut rows = vec![["---------", "----", "---"].map(String::from).to_vec()];
    rows.extend(pods);
    for line in tabbed(&["Namespace", "Name", "Age"], rows, 2).lines() {
        out.push_str(&format!("  {line}\n"));
    }
    out.push_str(&events(v, &format!("node/{name}")));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimDuration;
    use crate::model::spec::{HpaResource, SelectorRequirement};

    /// apimachinery `pkg/util/duration/duration_test.go` `TestHumanDuration` and cases of
    /// `TestHumanDurationBoundaries` (kubesim's ages are whole microseconds).
    #[test]
    fn ages_are_kubectls_human_durations() {
        let h = |secs: u64| human_duration(SimDuration::from_secs(secs));
        let hour = 3600;
        let day = 24 * hour;
        let year = 365 * day;
        for (secs, want) in [
            (1, "1s"),
            (70, "70s"),
            (190, "3m10s"),
            (70 * 60, "70m"),
            (47 * hour, "47h"),
            (49 * hour, "2d1h"),
            ((8 * 24 + 2) * hour, "8d"),
            (367 * day, "367d"),
            (2 * year + 25 * hour, "2y1d"),
            (8 * year + 2 * hour, "8y"),
            // Boundaries.
            (0, "0s"),
            (119, "119s"),
            (120, "2m"),
            (2 * day, "2d"),
            (8 * day - 1, "7d23h"),
            (8 * day + 23 * hour, "8d"),
            (2 * year - 1, "729d"),
            (2 * year + 23 * hour, "2y"),
            (8 * year - 1, "7y364d"),
            (9 * year, "9y"),
        ] {
            assert_eq!(h(secs), want, "{secs}s");
        }
    }

    #[test]
    fn hpa_targets_as_format_hpa_metrics_prints_them() {
        let cpu = |t| HpaMetric::Resource { resource: HpaResource::Cpu, target: ResourceTarget::Utilization(t) };
        assert_eq!(hpa_targets(&[cpu(50)], &[]), "cpu: <unknown>/50%");
        assert_eq!(hpa_targets(&[cpu(50)], &[Some(0)]), "cpu: 0%/50%");
        let value = HpaMetric::Resource { resource: HpaResource::Memory, target: ResourceTarget::AverageValue(2000) };
        let rps = HpaMetric::Pods { name: "requests_per_second".into(), average_milli: 10_500 };
        assert_eq!(hpa_targets(&[value, rps.clone()], &[Some(250), None]), "memory: 250m/2, <unknown>/10500m");
        assert_eq!(hpa_targets(&[cpu(50), cpu(60), rps], &[]), "cpu: <unknown>/50%, cpu: <unknown>/60% + 1 more...");
        assert_eq!(hpa_targets(&[], &[]), "<none>");
    }

    #[test]
    fn selectors_and_labels_as_kubectl_formats_them() {
        let mut s = Selector::default();
        assert_eq!(selector_string(&s), "<none>");
        s.match_labels.insert("app".into(), "web".into());
        s.match_expressions.push(SelectorRequirement {
            key: "tier".into(),
            operator: SelectorOperator::In,
            values: vec!["a".into(), "b".into()],
        });
        assert_eq!(selector_string(&s), "app=web,tier in (a,b)");
        assert_eq!(format_labels(&Labels::new()), "<none>");
    }

    #[test]
    fn describe_fields_align_and_tables_pad_two() {
        let f = fields("", &[("Name", vec!["web".into()]), ("Labels", vec!["a=1".into(), "b=2".into()])]);
        assert_eq!(f, "Name:    web\nLabels:  a=1\n         b=2\n");
        assert_eq!(fields("", &[("Taints", vec![])]), "Taints:  <none>\n");
        let t = tabbed(&["REVISION", "CHANGE-CAUSE"], vec![vec!["1".into(), "<none>".into()]], 2);
        assert_eq!(t, "REVISION  CHANGE-CAUSE\n1         <none>\n");
    }

    #[test]
    fn invented_addresses_stay_in_their_ranges() {
        assert_eq!(cluster_ip(0), "10.96.0.10");
        assert_eq!(cluster_ip(300), "10.96.1.54");
        assert_eq!(pod_ip(0), "10.244.0.2");
        for port in [80, 443, 8080] {
            assert!((30000..=32767).contains(&node_port("default", "web", port)));
        }
        assert_eq!(quantity(1500), "1500m");
        assert_eq!(quantity(2000), "2");
    }

    /// Every read verb on a small run: the tables' columns as kubectl lays them out.
    #[test]
    fn a_run_logs_what_each_read_line_prints() {
        let text = "duration: 3m\ncluster:\n  nodes:\n    - {name: worker, count: 1, capacity: {cpu: '4', memory: 8Gi, pods: 110}}\ntimeline:\n  - {at: 1s, run: kubectl get pods}\n  - {at: 2s, run: kubectl create deployment web --image=nginx -r 2}\n  - {at: 1m, run: kubectl get deployments}\n  - {at: 61s, run: kubectl get rs -o wide}\n  - {at: 62s, run: kubectl get nodes}\n  - {at: 63s, run: kubectl get pod nope}\n  - {at: 64s, run: get hpa -A}\n  - {at: 65s, run: kubectl rollout status deployment/web}\n";
        let loaded = crate::load_str(std::path::Path::new("r.yaml"), text, &[], &crate::NoFiles).expect("loads");
        let outcome = crate::simulate(&loaded.scenario, None);
        let log = outcome.kubectl_log.expect("a kubectl.log");
        let sections: Vec<&str> = log.split("# t=").skip(1).collect();
        assert_eq!(sections[0], "1.000s $ kubectl get pods\nNo resources found in default namespace.\n");
        assert_eq!(
            sections[1],
            "60.000s $ kubectl get deployments\nNAME   READY   UP-TO-DATE   AVAILABLE   AGE\nweb    2/2     2            2           58s\n"
        );
        assert!(
            sections[2].contains("NAME             DESIRED   CURRENT   READY   AGE   CONTAINERS   IMAGES   SELECTOR\n"),
            "{}",
            sections[2]
        );
        assert!(
            sections[2]
                .contains("   2         2         2       58s   nginx        nginx    app=web,pod-template-hash="),
            "{}",
            sections[2]
        );
        assert_eq!(sections[3], "62.000s $ kubectl get nodes\nNAME     STATUS   ROLES    AGE   VERSION\nworker   Ready    <none>   62s   v1.33.0\n");
        assert_eq!(
            sections[4],
            "63.000s $ kubectl get pod nope\nError from server (NotFound): pods \"nope\" not found\n"
        );
        assert_eq!(sections[5], "64.000s $ kubectl get hpa -A\nNo resources found\n");
        assert_eq!(
            sections[6],
            "65.000s $ kubectl rollout status deployment/web\ndeployment \"web\" successfully rolled out\n"
        );
    }

    /// Without a read line there is no kubectl.log, and nothing is recorded for one.
    #[test]
    fn no_read_line_no_log() {
        let text = "duration: 1m\ncluster:\n  nodes:\n    - {name: worker, count: 1, capacity: {cpu: '4', memory: 8Gi, pods: 110}}\ntimeline:\n  - {at: 2s, run: kubectl create deployment web --image=nginx}\n";
        let loaded = crate::load_str(std::path::Path::new("r.yaml"), text, &[], &crate::NoFiles).expect("loads");
        assert!(crate::simulate(&loaded.scenario, None).kubectl_log.is_none());
    }
}
