//! `kubesim explain`: the story of one object through a run, told from the run's narration
//! and its Kubernetes events, in time order. A Deployment's story includes its
//! ReplicaSets'; a pod's, the scheduler's reasons per node while it waited.

use crate::metrics::narration::{clock, NarrationLine};
use crate::model::events::EventRecord;
use crate::model::spec::{Kind, ObjectRef, Scenario};
use crate::model::store::{DeployId, PodPhase, Store};
use crate::scenario::suggest::did_you_mean;
use crate::sim::Outcome;
use std::fmt::Write;

/// The kinds `explain` can tell about.
const EXPLAINABLE: [Kind; 12] = [
    Kind::Deployment,
    Kind::ReplicaSet,
    Kind::Pod,
    Kind::Node,
    Kind::Service,
    Kind::Job,
    Kind::CronJob,
    Kind::DaemonSet,
    Kind::StatefulSet,
    Kind::Rollout,
    Kind::HorizontalPodAutoscaler,
    Kind::Ingress,
];

/// One object of the run: how events and narration name it, and what else belongs to its
/// story (a Deployment's ReplicaSets).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Subject {
    key: String,
    related: Vec<String>,
    /// Events on other objects that name it in their message ("Created pod: NAME").
    mentioned_as: Option<String>,
    /// Lines that describe it at the end of the run.
    facts: Vec<String>,
}

/// The story of `object` (`deployment/web`, `pod/NAME`, ...) in the finished run, or a
/// message saying why there is none (an unknown kind or name, with the closest ones).
pub fn story(scenario: &Scenario, outcome: &Outcome, object: &str) -> Result<String, String> {
    let subject = find_subject(scenario, outcome, object)?;
    let mut keys = vec![subject.key.as_str()];
    keys.extend(subject.related.iter().map(String::as_str));
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} in scenario {} (seed {}, {} simulated)",
        subject.key,
        scenario.name,
        scenario.seed,
        crate::model::events::go_duration(scenario.duration)
    );
    for fact in &subject.facts {
        let _ = writeln!(out, "  {fact}");
    }
    out.push('\n');
    let narration: &[NarrationLine] = outcome.narration.as_ref().map_or(&[], |n| &n.lines);
    let told = tell(&keys, subject.mentioned_as.as_deref(), narration, &outcome.recorder.records);
    if told.is_empty() {
        out.push_str("(nothing happened to it)\n");
    }
    out.push_str(&told);
    Ok(out)
}

/// Narration lines about any of `keys` and events on any of them (or whose message ends with
/// `mentioned_as`), merged in the order they happened: a decision comes before the events
/// it caused.
fn tell(keys: &[&str], mentioned_as: Option<&str>, narration: &[NarrationLine], events: &[EventRecord]) -> String {
    let about = |line: &NarrationLine| line.about.iter().any(|a| keys.contains(&a.as_str()));
    let mut lines = narration.iter().filter(|l| about(l)).peekable();
    let mut out = String::new();
    for (i, e) in events.iter().enumerate() {
        while let Some(line) = lines.next_if(|l| l.events_before <= i) {
            let _ = writeln!(out, "{} {}", clock(line.at), line.text);
        }
        let mentioned = mentioned_as.is_some_and(|m| e.message.strip_suffix(m).is_some_and(|s| s.ends_with(' ')));
        if keys.contains(&e.object.as_str()) || mentioned {
            let _ =
                writeln!(out, "{} event {} {} {}: {}", clock(e.time), e.kind.as_str(), e.reason, e.object, e.message);
        }
    }
    for line in lines {
        let _ = writeln!(out, "{} {}", clock(line.at), line.text);
    }
    out
}

/// `KIND/NAME` -> the object in the run.
fn find_subject(scenario: &Scenario, outcome: &Outcome, object: &str) -> Result<Subject, String> {
    let Some((word, name)) = object.split_once('/').filter(|(w, n)| !w.is_empty() && !n.is_empty()) else {
        return Err(format!(
            "--object {object:?}: expected KIND/NAME, such as deployment/web, pod/NAME, node/NAME or service/NAME"
        ));
    };
    let kinds: Vec<&str> = EXPLAINABLE.iter().map(|k| k.resource()).collect();
    let kind = crate::scenario::kinds::by_resource(word).map(|info| info.kind).filter(|k| EXPLAINABLE.contains(k));
    let Some(kind) = kind else {
        let hint = did_you_mean(word, kinds.iter().copied()).map_or(String::new(), |h| format!("; {h}"));
        return Err(format!(
            "--object {object}: kubesim cannot explain a {word:?}: it explains {}{hint}",
            kinds.join(", ")
        ));
    };
    let store = &outcome.store;
    let names = names_of(scenario, store, kind);
    // `NAME`, or `NAMESPACE:NAME` as the output files write an object outside the default
    // namespace.
    let (wanted_ns, name) = match name.split_once(':') {
        Some((ns, n)) if !ns.is_empty() && !n.is_empty() => (Some(ns), n),
        _ => (None, name),
    };
    let found = names.iter().find(|(ns, n)| n == name && wanted_ns.is_none_or(|w| w == ns));
    let Some(namespace) = found.map(|(ns, _)| ns.clone()) else {
        return Err(unknown(kind, name, &names));
    };
    let key = ObjectRef { kind, namespace: namespace.clone(), name: name.to_string() }.to_string();
    let mut subject = Subject { key, related: Vec::new(), mentioned_as: None, facts: Vec::new() };
    match kind {
        Kind::Deployment => deployment_facts(store, &namespace, name, &mut subject),
        Kind::Pod => {
            subject.key = format!("pod/{}", crate::metrics::timeseries::column_name(&namespace, name));
            subject.mentioned_as = Some(name.to_string());
            pod_facts(store, &namespace, name, &mut subject);
        }
        Kind::Node => node_facts(store, name, &mut subject),
        Kind::Rollout => rollout_facts(store, &namespace, name, &mut subject),
        Kind::HorizontalPodAutoscaler => hpa_facts(store, &namespace, name, &mut subject),
        Kind::Ingress => ingress_facts(scenario, &namespace, name, &mut subject),
        Kind::Service => service_facts(scenario, &namespace, name, &mut subject),
        Kind::CronJob => cron_job_facts(store, &namespace, name, &mut subject),
        _ => {}
    }
    Ok(subject)
}

/// Every (namespace, name) of `kind` the run had, gone ones included, in a stable order.
fn names_of(scenario: &Scenario, store: &Store, kind: Kind) -> Vec<(String, String)> {
    let pairs: Vec<(String, String)> = match kind {
        Kind::Deployment | Kind::Rollout => store
            .deployments
            .iter()
            .filter(|d| d.kind() == kind)
            .map(|d| (d.namespace.clone(), d.name.clone()))
            .collect(),
        Kind::HorizontalPodAutoscaler => store.hpas.iter().map(|h| (h.namespace.clone(), h.name.clone())).collect(),
        Kind::Ingress => crate::metrics::object_keys(scenario, Kind::Ingress),
        Kind::ReplicaSet => store.replica_sets.iter().map(|r| (r.namespace.clone(), r.name.clone())).collect(),
        Kind::Pod => store.pods.iter().map(|p| (p.namespace.clone(), p.name.clone())).collect(),
        Kind::Node => store.nodes().iter().map(|n| (String::new(), n.name.clone())).collect(),
        Kind::Service => crate::metrics::service_keys(scenario),
        Kind::Job => store.jobs.iter().map(|j| (j.namespace.clone(), j.name.clone())).collect(),
        Kind::CronJob => store.cron_jobs.iter().map(|c| (c.namespace.clone(), c.name.clone())).collect(),
        Kind::DaemonSet => store.daemon_sets.iter().map(|d| (d.namespace.clone(), d.name.clone())).collect(),
        Kind::StatefulSet => store.stateful_sets.iter().map(|s| (s.namespace.clone(), s.name.clone())).collect(),
        _ => Vec::new(),
    };
    let mut seen = std::collections::BTreeSet::new();
    pairs.into_iter().filter(|p| seen.insert(p.clone())).collect()
}

/// No such object: the closest name, or the names there are when few.
fn unknown(kind: Kind, name: &str, names: &[(String, String)]) -> String {
    let resource = kind.resource();
    let mut message = format!("no {resource} named {name:?} in this run");
    if let Some(hint) = did_you_mean(name, names.iter().map(|(_, n)| n.as_str())) {
        let _ = write!(message, "; {hint}");
    } else if names.is_empty() {
        let _ = write!(message, "; the run has no {resource} at all");
    } else if names.len() <= 10 {
        let list: Vec<String> = names.iter().map(|(_, n)| format!("{resource}/{n}")).collect();
        let _ = write!(message, "; it has {}", list.join(", "));
    }
    if kind == Kind::Pod {
        message.push_str(" (pod names come from the run: see pods.csv, or --narrate's narration.log)");
    }
    message
}

/// A CronJob's story includes its Jobs' (each made at a schedule time).
fn cron_job_facts(store: &Store, namespace: &str, name: &str, subject: &mut Subject) {
    let found = store.cron_jobs.iter().position(|c| c.namespace == namespace && c.name == name);
    let Some(cj) = found.map(crate::model::store::CronJobId::from_index) else { return };
    let c = &store.cron_jobs[cj];
    let mut jobs = Vec::new();
    for j in store.jobs.iter().filter(|j| j.owner == Some(cj)) {
        subject
            .related
            .push(ObjectRef { kind: Kind::Job, namespace: j.namespace.clone(), name: j.name.clone() }.to_string());
        jobs.push(format!("{}{}", j.name, if j.deleted { " (deleted)" } else { "" }));
    }
    let zone = c.spec.time_zone.as_deref().unwrap_or("UTC");
    subject.facts.push(format!(
        "schedule {:?} ({zone}), concurrencyPolicy {}, suspend {}, history limits {} succeeded / {} failed",
        c.spec.schedule,
        c.spec.concurrency_policy.as_str(),
        c.spec.suspend,
        c.spec.successful_jobs_history_limit,
        c.spec.failed_jobs_history_limit
    ));
    if !jobs.is_empty() {
        subject.facts.push(format!("jobs: {}", jobs.join(", ")));
    }
}

/// The Deployment or Rollout row of that name, and its ReplicaSets (as related keys and as
/// a fact line's words).
fn workload(store: &Store, kind: Kind, namespace: &str, name: &str, subject: &mut Subject) -> Option<DeployId> {
    let found = store.deployments.iter().position(|d| d.kind() == kind && d.namespace == namespace && d.name == name);
    let d = found.map(DeployId::from_index)?;
    let mut replica_sets = Vec::new();
    for rs in store.replica_sets.iter().filter(|r| r.owner == Some(d)) {
        subject.related.push(
            ObjectRef { kind: Kind::ReplicaSet, namespace: rs.namespace.clone(), name: rs.name.clone() }.to_string(),
        );
        let gone = if rs.deleted { ", deleted" } else { "" };
        replica_sets.push(format!("{} (revision {}, {} replicas{gone})", rs.name, rs.revision, rs.replicas));
    }
    subject.facts.push(format!("ReplicaSets: {}", replica_sets.join(", ")));
    Some(d)
}

fn deployment_facts(store: &Store, namespace: &str, name: &str, subject: &mut Subject) {
    let Some(d) = workload(store, Kind::Deployment, namespace, name, subject) else { return };
    let dep = &store.deployments[d];
    let strategy = match &dep.spec.strategy {
        crate::model::spec::DeploymentStrategy::Recreate => "Recreate".to_string(),
        crate::model::spec::DeploymentStrategy::RollingUpdate { max_surge, max_unavailable } => {
            let (surge, unavailable) = crate::controllers::deployment::util::resolve_fenceposts(&dep.spec);
            format!(
                "RollingUpdate, maxSurge {}, maxUnavailable {}",
                crate::metrics::narration::fencepost(&int_or_percent(max_surge), surge),
                crate::metrics::narration::fencepost(&int_or_percent(max_unavailable), unavailable)
            )
        }
    };
    subject.facts.insert(
        0,
        format!("replicas {}, strategy {strategy}, minReadySeconds {}", dep.spec.replicas, dep.spec.min_ready_seconds),
    );
    let s = &dep.status;
    subject.facts.push(format!("at the end: {} ready, {} up to date, {} available", s.ready, s.updated, s.available));
}

fn pod_facts(store: &Store, namespace: &str, name: &str, subject: &mut Subject) {
    let Some(p) = store.pods.iter().rev().find(|p| p.namespace == namespace && p.name == name) else { return };
    let owner = store.owner_ref(p).map_or_else(|| "none".to_string(), |o| o.to_string());
    let node = p.node.map_or_else(|| "no node".to_string(), |n| format!("node {}", store.nodes()[n].name));
    let state = if p.is_gone() {
        "deleted".to_string()
    } else if p.terminating.is_some() {
        "Terminating".to_string()
    } else {
        let phase = match p.phase {
            PodPhase::Pending => "Pending",
            PodPhase::Running => "Running",
            PodPhase::Succeeded => "Succeeded",
            PodPhase::Failed => "Failed",
        };
        let ready = if p.is_ready() { ", Ready" } else { "" };
        let reason = if p.reason.is_empty() { String::new() } else { format!(" ({})", p.reason) };
        format!("{phase}{reason}{ready}")
    };
    subject.facts.push(format!("owner {owner}, revision {}", p.revision));
    subject.facts.push(format!("at the end: {state}, on {node}, {} restarts", p.max_container_restarts()));
}

/// An Argo Rollout: its strategy, its ReplicaSets, and where its update stood at the end.
fn rollout_facts(store: &Store, namespace: &str, name: &str, subject: &mut Subject) {
    let Some(d) = workload(store, Kind::Rollout, namespace, name, subject) else { return };
    let dep = &store.deployments[d];
    let Some(state) = &dep.rollout else { return };
    let strategy = match &state.strategy {
        crate::model::spec::RolloutStrategy::Canary(c) => format!("canary, {} steps", c.steps.len()),
        crate::model::spec::RolloutStrategy::BlueGreen(_) => "blue-green".to_string(),
    };
    subject.facts.insert(0, format!("replicas {}, strategy {strategy}", dep.spec.replicas));
    let st = &state.status;
    let weight = st.weight.map_or(String::new(), |w| format!(", canary weight {w}"));
    let aborted = if st.abort { ", aborted" } else { "" };
    subject.facts.push(format!("at the end: {}{aborted}, step {}{weight}", st.phase.as_str(), st.step_index));
}

/// A HorizontalPodAutoscaler: what it scales, between which bounds, and its last sync.
fn hpa_facts(store: &Store, namespace: &str, name: &str, subject: &mut Subject) {
    let Some(h) = store.hpas.iter().rev().find(|h| h.namespace == namespace && h.name == name) else { return };
    let spec = &h.spec;
    subject.facts.push(format!(
        "scales {}/{} between {} and {} replicas on {} metric{}",
        spec.target.kind.resource(),
        spec.target.name,
        spec.min_replicas,
        spec.max_replicas,
        spec.metrics.len(),
        if spec.metrics.len() == 1 { "" } else { "s" }
    ));
    let s = &h.status;
    let replicas = |r: Option<i32>| r.map_or_else(|| "unknown".to_string(), |n| n.to_string());
    let last = s.last_scale_time.map_or_else(|| "never scaled".to_string(), |t| format!("last scaled at {}", clock(t)));
    subject.facts.push(format!(
        "at the end: {} current, {} desired replicas, {last}",
        replicas(s.current_replicas),
        replicas(s.desired_replicas)
    ));
}

/// The last spec the scenario gives an object (its objects, then what the timeline applies or
/// creates), by `pick`.
fn last_spec<'s, T>(
    scenario: &'s Scenario,
    namespace: &str,
    name: &str,
    pick: impl Fn(&'s crate::model::spec::ObjectSpec) -> Option<&'s T>,
) -> Option<&'s T> {
    use crate::model::spec::{Action, KubectlCommand};
    let timeline = scenario.timeline.iter().flat_map(|e| match &e.action {
        Action::Kubectl(KubectlCommand::Apply { objects } | KubectlCommand::Create { objects }) => objects.as_slice(),
        _ => &[],
    });
    scenario
        .objects
        .iter()
        .chain(timeline)
        .rev()
        .filter(|o| o.id.namespace == namespace && o.id.name == name)
        .find_map(|o| pick(&o.spec))
}

/// A Service: for an ExternalName Service, where its requests go (the external host and how
/// the scenario's `externals:` makes it behave).
fn service_facts(scenario: &Scenario, namespace: &str, name: &str, subject: &mut Subject) {
    use crate::model::spec::{ExternalHost, ObjectSpec, ServiceTime};
    let spec = last_spec(scenario, namespace, name, |s| match s {
        ObjectSpec::Service { spec, .. } => Some(spec),
        _ => None,
    });
    let Some(host) = spec.and_then(|s| s.external_name.as_deref()) else { return };
    let listed = scenario.externals.get(host);
    let h = listed.cloned().unwrap_or_else(ExternalHost::default);
    let time = match h.service_time {
        ServiceTime::Fixed(d) => d.to_string(),
        ServiceTime::Exponential { mean } => format!("exponential, mean {mean}"),
        ServiceTime::LogNormal(l) => format!("lognormal, p50 {} p99 {}", l.p50(), l.p99()),
    };
    subject.facts.push(format!(
        "type ExternalName: cluster DNS answers with a CNAME to {host}, so its requests leave the cluster for that \
         host (no endpoints, no kube-proxy)"
    ));
    let mut behaviour = vec![format!("service time {time}")];
    if h.latency != crate::engine::SimDuration::ZERO {
        behaviour.push(format!("network round trip {}", h.latency));
    }
    if h.availability < 1.0 {
        behaviour.push(format!("reached with probability {}", h.availability));
    }
    if h.error_rate > 0.0 {
        behaviour.push(format!("{}% of answers HTTP 5xx", h.error_rate * 100.0));
    }
    if let Some(c) = h.concurrency {
        behaviour.push(format!("{c} requests at once"));
    }
    for (from, to) in &h.down {
        behaviour.push(format!("down from {} to {}", clock(*from), clock(*to)));
    }
    let source = if listed.is_some() { "`externals:`" } else { "not in `externals:`: the default, always up" };
    subject.facts.push(format!("{host} ({source}): {}", behaviour.join(", ")));
}

/// An Ingress: its rules' backends as the scenario wrote them (the last one applied), and
/// its ingress-nginx canary annotations.
fn ingress_facts(scenario: &Scenario, namespace: &str, name: &str, subject: &mut Subject) {
    use crate::model::spec::ObjectSpec;
    let spec = last_spec(scenario, namespace, name, |s| match s {
        ObjectSpec::Ingress { spec, .. } => Some(spec),
        _ => None,
    });
    let Some(spec) = spec else { return };
    let mut routes = Vec::new();
    if let Some(b) = &spec.default_backend {
        routes.push(format!("default -> service/{}", b.service));
    }
    for rule in &spec.rules {
        for p in &rule.paths {
            routes.push(format!("{}{} -> service/{}", rule.host.as_deref().unwrap_or("*"), p.path, p.backend.service));
        }
    }
    subject.facts.push(format!("routes: {}", if routes.is_empty() { "none".to_string() } else { routes.join(", ") }));
    if let Some(c) = &spec.canary {
        subject.facts.push(format!("ingress-nginx canary: weight {} of {}", c.weight, c.weight_total.max(100)));
    }
}

fn node_facts(store: &Store, name: &str, subject: &mut Subject) {
    let Some(n) = store.nodes().iter().find(|n| n.name == name) else { return };
    let ready = if n.ready { "Ready" } else { "NotReady" };
    let cordoned = if n.unschedulable { ", cordoned" } else { "" };
    subject.facts.push(format!("at the end: {ready}{cordoned}, {} pods", n.pods.len()));
}

fn int_or_percent(v: &crate::model::spec::IntOrPercent) -> String {
    match v {
        crate::model::spec::IntOrPercent::Int(n) => n.to_string(),
        crate::model::spec::IntOrPercent::Percent(p) => format!("{p}%"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimTime;
    use crate::model::events::EventType;

    fn line(at: u64, events_before: usize, about: &str, text: &str) -> NarrationLine {
        NarrationLine { at: SimTime(at), events_before, about: vec![about.to_string()], text: text.to_string() }
    }

    fn event(at: u64, object: &str, message: &str) -> EventRecord {
        EventRecord {
            time: SimTime(at),
            kind: EventType::Normal,
            reason: "ScalingReplicaSet",
            object: object.to_string(),
            message: message.to_string(),
        }
    }

    #[test]
    fn a_decision_comes_before_the_events_it_caused_and_other_objects_stay_out() {
        let narration = vec![
            line(10_000, 0, "deployment/web", "deployment/web: decides"),
            line(10_000, 1, "deployment/db", "deployment/db: decides"),
            line(20_000, 2, "deployment/web", "deployment/web: again"),
        ];
        let events = vec![event(10_000, "deployment/web", "Scaled up"), event(10_000, "deployment/db", "Scaled up")];
        assert_eq!(
            tell(&["deployment/web"], None, &narration, &events),
            "0:00.010 deployment/web: decides\n0:00.010 event Normal ScalingReplicaSet deployment/web: Scaled up\n0:00.020 deployment/web: again\n"
        );
    }
}
