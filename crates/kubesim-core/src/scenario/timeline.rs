//! The timeline: `at:` times, kubectl lines checked against the objects that exist then.

use super::diagnostic::Report;
use super::kubectl::{self, ArgoAction, Cmd, RolloutAction};
use super::manifest::Parsed;
use super::node::Node;
use super::positions::Anchor;
use super::registry::{not_found, Registry};
use super::Loader;
use crate::engine::{SimDuration, SimTime};
use crate::model::spec::{
    Action, ExposeSpec, FaultTarget, Kind, KubectlCommand, Labels, NodeFault, NodeFaultKind, NodeGroup, Object,
    ObjectRef, ObjectSpec, ServicePort, ServiceSpec, TargetPort, TimelineEntry,
};

const ENTRY_KEYS: &[&str] = &["at", "run", "fail", "partition", "recover"];
/// What an entry does: exactly one of these.
const ACTION_KEYS: &[&str] = &["run", "fail", "partition", "recover"];
const ZONE_LABEL: &str = "topology.kubernetes.io/zone";

/// What a timeline command may refer to: the objects so far and the cluster's nodes.
struct World<'a> {
    loader: &'a Loader<'a>,
    reg: &'a mut Registry,
    nodes: &'a [NodeGroup],
}

pub(crate) fn timeline(
    tl: Option<Node>,
    loader: &Loader,
    reg: &mut Registry,
    nodes: &[NodeGroup],
    duration: SimDuration,
    r: &mut Report,
) -> Vec<TimelineEntry> {
    let Some(tl) = tl.filter(|t| !t.v.is_null()) else {
        return Vec::new();
    };
    if !tl.expect_seq(r, "timeline entries") {
        return Vec::new();
    }
    let count = tl.items().len();
    if count > super::limits::MAX_TIMELINE_ENTRIES {
        let max = super::limits::MAX_TIMELINE_ENTRIES;
        tl.error(r, format!("{count} timeline entries is more than kubesim's limit of {max} entries"), None);
        return Vec::new();
    }
    let mut entries: Vec<(SimDuration, Node)> = Vec::new();
    for e in tl.items() {
        if !e.check_keys(r, ENTRY_KEYS, "a timeline entry") {
            continue;
        }
        let Some(at) = e.get("at") else {
            e.error(r, "at: Required value: when to act, like `at: 2m`", None);
            continue;
        };
        // An entry whose time is invalid (reported) is still checked, as if at the end.
        let Some(t) = at.duration(r).or(Some(duration)) else { continue };
        if t > duration {
            at.warn(r, format!("{t} is after the end of the run ({duration}); this entry never happens"));
        }
        entries.push((t, e));
    }
    entries.sort_by_key(|(t, _)| *t);
    let mut out = Vec::new();
    let mut w = World { loader, reg, nodes };
    for (t, e) in entries {
        if let Some(entry) = entry(&e, t, &mut w, r) {
            out.push(entry);
        }
    }
    out
}

fn entry(e: &Node, at: SimDuration, w: &mut World, r: &mut Report) -> Option<TimelineEntry> {
    let given: Vec<Node> = ACTION_KEYS.iter().filter_map(|k| e.get(k)).collect();
    let at = SimTime::ZERO + at;
    match given.as_slice() {
        [] => {
            e.error(
                r,
                "Required value: an entry needs one of `run`, `fail`, `partition` or `recover`, like `run: kubectl scale deployment/web --replicas=3` or `fail: node/worker-2`",
                None,
            );
            None
        }
        [one] if one.path.last_key() == Some("run") => {
            let text = one.string(r)?;
            let command = command(one, &text, w, r)?;
            Some(TimelineEntry { at, text, action: Action::Kubectl(command) })
        }
        [one] => {
            let key = one.path.last_key().unwrap_or_default();
            let kind = match key {
                "fail" => NodeFaultKind::Fail,
                "partition" => NodeFaultKind::Partition,
                _ => NodeFaultKind::Recover,
            };
            let value = one.string(r)?;
            let target = fault_target(one, &value, w.nodes, r)?;
            Some(TimelineEntry {
                at,
                text: format!("{key}: {value}"),
                action: Action::Fault(NodeFault { kind, target }),
            })
        }
        [first, second, ..] => {
            let (a, b) = (first.path.last_key().unwrap_or_default(), second.path.last_key().unwrap_or_default());
            second.report(
                r,
                Anchor::Key,
                format!("an entry does one thing: `{a}` or `{b}`, not both"),
                Some("write one timeline entry per action, each with its own `at`".into()),
            );
            None
        }
    }
}

/// The value of `fail:`, `partition:` or `recover:`: `node/NAME` (also `nodes/`, `no/`) of
/// `cluster.nodes`, or `zone/NAME`, a `topology.kubernetes.io/zone` of a node group.
fn fault_target(n: &Node, value: &str, groups: &[NodeGroup], r: &mut Report) -> Option<FaultTarget> {
    let key = n.path.last_key().unwrap_or_default();
    let expected = format!("expected node/NAME or zone/NAME, like `{key}: node/worker-2` or `{key}: zone/zone-a`");
    let Some((kind, name)) = value.trim().split_once('/') else {
        let help = node_exists(groups, value.trim()).then(|| format!("did you mean `node/{}`?", value.trim()));
        n.error(r, format!("invalid target \"{value}\": {expected}"), help);
        return None;
    };
    if name.is_empty() || name.contains('/') {
        n.error(r, format!("invalid target \"{value}\": {expected}"), None);
        return None;
    }
    match kind {
        "node" | "nodes" | "no" => {
            if node_exists(groups, name) {
                return Some(FaultTarget::Node(name.to_string()));
            }
            n.error(r, format!("nodes \"{name}\" not found"), Some(node_help(groups, name)));
            None
        }
        "zone" | "zones" => {
            let mut zones: Vec<&str> = groups
                .iter()
                .filter(|g| g.count > 0)
                .filter_map(|g| g.labels.get(ZONE_LABEL).map(String::as_str))
                .collect();
            zones.sort_unstable();
            zones.dedup();
            if zones.contains(&name) {
                return Some(FaultTarget::Zone(name.to_string()));
            }
            let help = if zones.is_empty() {
                format!("no node group has the label {ZONE_LABEL} (set it in cluster.nodes[].labels)")
            } else {
                let listed = format!("the zones of the scenario's nodes: {}", zones.join(", "));
                match super::suggest::did_you_mean(name, zones.iter().copied()) {
                    Some(d) => format!("{d} {listed}"),
                    None => listed,
                }
            };
            n.error(r, format!("zone \"{name}\" not found: no node has the label {ZONE_LABEL}={name}"), Some(help));
            None
        }
        other => {
            let help = super::suggest::did_you_mean(other, ["node", "zone"]);
            n.error(r, format!("invalid target \"{value}\": cannot {key} a {other}: {expected}"), help);
            None
        }
    }
}

fn command(run: &Node, text: &str, w: &mut World, r: &mut Report) -> Option<KubectlCommand> {
    let (loader, reg, nodes) = (w.loader, &mut *w.reg, w.nodes);
    let line = match kubectl::parse_line(text) {
        Ok(l) => l,
        Err(e) => {
            run.error(r, format!("`{text}`: error: {}", e.message), e.help);
            return None;
        }
    };
    let ns = line.namespace.clone().unwrap_or_else(|| "default".into());
    let fail = |r: &mut Report, msg: String| {
        run.error(r, format!("`{text}`: Error from server (NotFound): {msg}"), None);
        None
    };
    let id = |(kind, name): &(Kind, String)| ObjectRef {
        kind: *kind,
        namespace: if kind.namespaced() { ns.clone() } else { String::new() },
        name: name.clone(),
    };
    if let Some(n) = line.namespace.as_deref().filter(|n| !reg.namespace_exists(n)) {
        return fail(r, format!("namespaces \"{n}\" not found"));
    }
    match line.cmd {
        Cmd::Argo { action, name } => {
            let target = id(&(Kind::Rollout, name));
            if !reg.objects.contains_key(&target) {
                return fail(r, format!("rollouts.argoproj.io \"{}\" not found", target.name));
            }
            Some(match action {
                ArgoAction::Promote { full } => KubectlCommand::ArgoPromote { target, full },
                ArgoAction::Abort => KubectlCommand::ArgoAbort { target },
                ArgoAction::Retry => KubectlCommand::ArgoRetry { target },
            })
        }
        Cmd::Drain(spec) => {
            if !node_exists(nodes, &spec.node) {
                return node_not_found(run, text, nodes, &spec.node, r);
            }
            Some(KubectlCommand::Drain(spec))
        }
        Cmd::Cordon { node, on } => {
            if !node_exists(nodes, &node) {
                return node_not_found(run, text, nodes, &node, r);
            }
            Some(if on { KubectlCommand::Cordon { node } } else { KubectlCommand::Uncordon { node } })
        }
        Cmd::Taint { node, add, remove, overwrite } => {
            if !node_exists(nodes, &node) {
                return node_not_found(run, text, nodes, &node, r);
            }
            Some(KubectlCommand::Taint { node, add, remove, overwrite })
        }
        Cmd::Label { node, set, remove, overwrite } => {
            if !node_exists(nodes, &node) {
                return node_not_found(run, text, nodes, &node, r);
            }
            Some(KubectlCommand::Label { node, set, remove, overwrite })
        }
        Cmd::Apply { files, create } => {
            let verb = if create { "create" } else { "apply" };
            let mut objects = files_objects(run, verb, &files, line.namespace.as_deref(), loader, reg, r)?;
            let before = r.error_count();
            super::priority::resolve(&mut objects, reg, false, r);
            if r.error_count() > before {
                return None;
            }
            for p in &objects {
                reg.record(p);
            }
            let objects = objects.into_iter().map(|p| p.object).collect();
            Some(if create { KubectlCommand::Create { objects } } else { KubectlCommand::Apply { objects } })
        }
        Cmd::DeleteFiles { files } => {
            let objects = files_objects(run, "delete", &files, line.namespace.as_deref(), loader, reg, r)?;
            let targets: Vec<ObjectRef> = objects.into_iter().map(|p| p.object.id).collect();
            delete(run, text, targets, reg, r)
        }
        Cmd::Delete { targets } => delete(run, text, targets.iter().map(id).collect(), reg, r),
        Cmd::Autoscale { target, min, max, cpu_percent, name } => {
            let target = id(&target);
            if !reg.objects.contains_key(&target) {
                return fail(r, not_found(&target));
            }
            let name = name.unwrap_or_else(|| target.name.clone());
            let hpa = ObjectRef { kind: Kind::HorizontalPodAutoscaler, namespace: ns.clone(), name: name.clone() };
            if reg.objects.contains_key(&hpa) {
                let msg = format!(
                    "`{text}`: Error from server (AlreadyExists): horizontalpodautoscalers.autoscaling \"{name}\" already exists"
                );
                run.error(r, msg, Some("give the new HPA another name with --name".into()));
                return None;
            }
            let resource = crate::model::spec::HpaResource::Cpu;
            let percent = cpu_percent.unwrap_or(80);
            let spec = crate::model::spec::HpaSpec {
                target: crate::model::spec::ScaleTargetRef { kind: target.kind, name: target.name.clone() },
                min_replicas: min.unwrap_or(1).max(1),
                max_replicas: max,
                metrics: vec![crate::model::spec::HpaMetric::Resource {
                    resource,
                    target: crate::model::spec::ResourceTarget::Utilization(percent.max(1)),
                }],
                behavior: None,
            };
            let obj = Object { id: hpa, spec: ObjectSpec::HorizontalPodAutoscaler { spec } };
            reg.insert(obj.clone());
            Some(KubectlCommand::Create { objects: vec![obj] })
        }
        Cmd::Scale { target, replicas } => {
            let target = id(&target);
            if !reg.objects.contains_key(&target) {
                return fail(r, not_found(&target));
            }
            Some(KubectlCommand::Scale { target, replicas })
        }
        Cmd::SetImage { target, images } => {
            let target = id(&target);
            let Some(obj) = reg.objects.get(&target) else {
                return fail(r, not_found(&target));
            };
            let template = match &obj.spec {
                ObjectSpec::Deployment { spec, .. } => Some(&spec.template),
                ObjectSpec::DaemonSet { spec, .. } => Some(&spec.template),
                ObjectSpec::StatefulSet { spec, .. } => Some(&spec.template),
                ObjectSpec::Rollout { spec, .. } => Some(&spec.workload.template),
                _ => None,
            };
            if let Some(template) = template {
                let t = &template.spec;
                let names: Vec<&str> = t.containers.iter().chain(&t.init_containers).map(|c| c.name.as_str()).collect();
                for (c, _) in images.iter().filter(|(c, _)| c != "*") {
                    if !names.contains(&c.as_str()) {
                        let help = super::suggest::did_you_mean(c, names.iter().copied());
                        run.error(r, format!("`{text}`: error: unable to find container named \"{c}\""), help);
                        return None;
                    }
                }
            }
            Some(KubectlCommand::SetImage { target, images })
        }
        Cmd::Expose { target, ports, target_port, service_type, name, selector } => {
            let target = id(&target);
            let Some(obj) = reg.objects.get(&target) else {
                return fail(r, not_found(&target));
            };
            let service = name.unwrap_or_else(|| target.name.clone());
            let svc = ObjectRef { kind: Kind::Service, namespace: ns.clone(), name: service.clone() };
            if reg.objects.contains_key(&svc) {
                let msg = format!("`{text}`: Error from server (AlreadyExists): services \"{service}\" already exists");
                run.error(r, msg, Some("give the new Service another name with --name".into()));
                return None;
            }
            let effective = match selector.clone().map_or_else(|| target_selector(&obj.spec), Ok) {
                Ok(s) => s,
                Err(why) => {
                    let msg = format!(
                        "`{text}`: error: couldn't retrieve selectors via --selector flag or introspection: {why}"
                    );
                    run.error(r, msg, Some("give the pods' labels with --selector=key=value".into()));
                    return None;
                }
            };
            let numbers: Vec<(i32, Option<TargetPort>)> = if !ports.is_empty() {
                ports.iter().map(|p| (*p, None)).collect()
            } else if let ObjectSpec::Service { spec, .. } = &obj.spec {
                spec.ports.iter().map(|p| (p.port, Some(p.target_port.clone()))).collect()
            } else {
                reg.container_ports.get(&target).into_iter().flatten().map(|p| (*p, None)).collect()
            };
            if numbers.is_empty() {
                run.error(
                    r,
                    format!("`{text}`: error: couldn't find port via --port flag or introspection"),
                    Some(format!("add --port=PORT, or list a containerPort in the pod template of {target}")),
                );
                return None;
            }
            let many = numbers.len() > 1;
            let ports: Vec<ServicePort> = numbers
                .into_iter()
                .enumerate()
                .map(|(i, (port, own))| ServicePort {
                    name: many.then(|| format!("port-{}", i + 1)),
                    port,
                    target_port: target_port.clone().or(own).unwrap_or(TargetPort::Number(port)),
                })
                .collect();
            let spec = ServiceSpec { service_type, selector: Some(effective), ports: ports.clone() };
            reg.insert(Object { id: svc, spec: ObjectSpec::Service { labels: Labels::new(), spec } });
            Some(KubectlCommand::Expose(ExposeSpec { target, service, ports, service_type, selector }))
        }
        Cmd::Rollout { action, target, to_revision } => {
            let target = id(&target);
            if !reg.objects.contains_key(&target) {
                return fail(r, not_found(&target));
            }
            Some(match action {
                RolloutAction::Undo => KubectlCommand::RolloutUndo { target, to_revision },
                RolloutAction::Pause => KubectlCommand::RolloutPause { target },
                RolloutAction::Resume => KubectlCommand::RolloutResume { target },
                RolloutAction::Restart => KubectlCommand::RolloutRestart { target },
            })
        }
    }
}

/// The selector `kubectl expose` copies from its target (a Service selects by labels only).
fn target_selector(spec: &ObjectSpec) -> Result<Labels, String> {
    let from = |s: &crate::model::spec::Selector, what: &str| {
        if s.match_expressions.is_empty() {
            Ok(s.match_labels.clone())
        } else {
            Err(format!("the {what}'s selector has matchExpressions, which a Service's selector cannot express"))
        }
    };
    match spec {
        ObjectSpec::Deployment { spec, .. } => from(&spec.selector, "deployment"),
        ObjectSpec::ReplicaSet { spec, .. } => from(&spec.selector, "replicaset"),
        ObjectSpec::ReplicationController { spec, .. } => from(&spec.selector, "replicationcontroller"),
        ObjectSpec::Pod { labels, .. } if labels.is_empty() => {
            Err("the pod has no labels and cannot be exposed".into())
        }
        ObjectSpec::Pod { labels, .. } => Ok(labels.clone()),
        ObjectSpec::Service { spec, .. } => {
            spec.selector.clone().ok_or_else(|| "the service has no pod selector set".into())
        }
        _ => Err("it has no selector".into()),
    }
}

/// kubectl's NotFound, with the cluster's node names as help.
fn node_not_found(run: &Node, text: &str, groups: &[NodeGroup], name: &str, r: &mut Report) -> Option<KubectlCommand> {
    let msg = format!("`{text}`: Error from server (NotFound): nodes \"{name}\" not found");
    run.error(r, msg, Some(node_help(groups, name)));
    None
}

/// The cluster's node names (as ranges), after the closest one when `name` looks like a typo.
fn node_help(groups: &[NodeGroup], name: &str) -> String {
    let ranges: Vec<String> = groups
        .iter()
        .filter(|g| g.count > 0)
        .map(|g| if g.count == 1 { g.name.clone() } else { format!("{}-1 .. {}-{}", g.name, g.name, g.count) })
        .collect();
    let small = groups.iter().map(|g| u64::from(g.count)).sum::<u64>() <= 1000;
    let names = groups.iter().filter(|_| small).flat_map(|g| {
        (1..=g.count).map(move |i| if g.count == 1 { g.name.clone() } else { format!("{}-{i}", g.name) })
    });
    let names: Vec<String> = names.collect();
    // `worker-4` of a group of 3: the range says more than the closest name would.
    let out_of_range = groups.iter().any(|g| {
        name.strip_prefix(g.name.as_str())
            .and_then(|s| s.strip_prefix('-'))
            .is_some_and(|i| !i.is_empty() && i.bytes().all(|b| b.is_ascii_digit()))
    });
    let listed = format!("the scenario's nodes (cluster.nodes): {}", ranges.join(", "));
    match super::suggest::did_you_mean(name, names.iter().map(String::as_str)) {
        Some(d) if !out_of_range => format!("{d} {listed}"),
        _ => listed,
    }
}

/// Whether the cluster has node `name`: a group's `name` when its count is 1, else
/// `name-1 .. name-N`.
pub(crate) fn node_exists(groups: &[NodeGroup], name: &str) -> bool {
    groups.iter().any(|g| match g.count {
        0 => false,
        1 => g.name == name,
        n => name
            .strip_prefix(g.name.as_str())
            .and_then(|s| s.strip_prefix('-'))
            .filter(|i| !i.starts_with('0'))
            .and_then(|i| i.parse::<u32>().ok())
            .is_some_and(|i| (1..=n).contains(&i)),
    })
}

fn delete(
    run: &Node,
    text: &str,
    targets: Vec<ObjectRef>,
    reg: &mut Registry,
    r: &mut Report,
) -> Option<KubectlCommand> {
    for t in &targets {
        if reg.objects.remove(t).is_none() {
            run.error(r, format!("`{text}`: Error from server (NotFound): {}", not_found(t)), None);
            return None;
        }
    }
    Some(KubectlCommand::Delete { targets })
}

/// The objects of `-f` files, checked like include files, in namespaces that exist.
fn files_objects(
    run: &Node,
    verb: &str,
    files: &[String],
    ns: Option<&str>,
    loader: &Loader,
    reg: &mut Registry,
    r: &mut Report,
) -> Option<Vec<Parsed>> {
    let mut all = Vec::new();
    let before = r.error_count();
    for f in files {
        let manifests = loader.manifest_file(f, run, &format!("{}: {verb} -f {f}", run.path), r)?;
        for (loc, value) in manifests {
            if let Some(p) = super::manifest::parse(&value, &loc, ns, r) {
                if reg.check_namespace(&p, r) {
                    reg.add_pods(&p, r);
                    all.push(p);
                }
            }
        }
    }
    (r.error_count() == before).then_some(all)
}
