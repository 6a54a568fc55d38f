//! Observers: they read the store after events and record what users measure. They never
//! change the simulation.

pub mod calls;
pub mod narration;
pub mod node_pools;
pub mod recovery;
pub mod rollouts;
pub mod tally;
pub mod timeseries;
pub mod traffic;
pub mod watch;

use crate::engine::SimTime;
use crate::model::spec::{Action, Kind, KubectlCommand, ObjectSpec, Scenario};
use crate::model::store::{DeployId, NodeId, PodId, Store};
pub use rollouts::{Rollout, RolloutTracker};
pub use timeseries::TimeSeries;
pub use traffic::TrafficMetrics;

/// Everything observed during a run.
pub struct Metrics {
    pub timeseries: TimeSeries,
    pub rollouts: RolloutTracker,
    /// Creation to binding, per scheduled pod, in microseconds.
    pub scheduling_latency_us: Vec<u64>,
    pub pods_unschedulable_max: usize,
    pub pods_evicted: u64,
    pub pods_preempted: u64,
    pub traffic: TrafficMetrics,
    pub recovery: recovery::RecoveryTracker,
    /// Pod counts per ReplicaSet and cluster-wide, kept pod by pod for the samples.
    pub tally: tally::PodTally,
}

/// The node groups with columns in the time series: every group, when the scenario prices
/// or autoscales nodes; none otherwise.
pub fn node_pool_keys(scenario: &Scenario) -> Vec<String> {
    if scenario.prices_or_scales_nodes() {
        scenario.nodes.iter().map(|g| g.name.clone()).collect()
    } else {
        Vec::new()
    }
}

impl Metrics {
    pub fn new(scenario: &Scenario) -> Self {
        let services = service_keys(scenario);
        let service_columns: Vec<String> =
            services.iter().map(|(ns, name)| timeseries::column_name(ns, name)).collect();
        let mut traffic = TrafficMetrics::new(&service_columns, !scenario.traffic.is_empty());
        let (edges, background) = call_keys(scenario);
        traffic.calls = calls::CallMetrics::new(&edges, &background);
        if scenario.images.values().any(|i| i.calls.is_some()) {
            traffic.calls.entries = Some(
                scenario
                    .traffic
                    .iter()
                    .map(entry_name)
                    .map(|name| calls::EntryStats { name, ..Default::default() })
                    .collect(),
            );
        }
        if !scenario.analysis_templates.is_empty() {
            traffic.keep_windows();
        }
        Metrics {
            timeseries: TimeSeries::new(
                &deployment_keys(scenario),
                &service_columns,
                &traffic.calls,
                &hpa_keys(scenario),
                &node_pool_keys(scenario),
            ),
            recovery: recovery::RecoveryTracker::default(),
            traffic,
            rollouts: RolloutTracker::default(),
            scheduling_latency_us: Vec::new(),
            pods_unschedulable_max: 0,
            pods_evicted: 0,
            pods_preempted: 0,
            tally: tally::PodTally::default(),
        }
    }

    pub fn deployment_created(&mut self, store: &Store, d: DeployId, now: SimTime) {
        self.rollouts.deployment_created(store, d, now);
    }

    pub fn rollout_started(&mut self, store: &Store, d: DeployId, now: SimTime) {
        self.rollouts.rollout_started(store, d, now);
    }

    pub fn observe_deployment(&mut self, store: &Store, d: DeployId, now: SimTime) {
        self.rollouts.observe(store, &self.tally, d, now);
        self.recovery.observe(store, &self.tally, d, now);
    }

    /// A pod changed (before the observers look at its Deployment).
    pub fn pod_changed(&mut self, store: &Store, pod: PodId) {
        self.tally.pod_changed(store, pod);
    }

    pub fn fault_started(&mut self, what: &str, now: SimTime) {
        self.recovery.fault_started(what, now);
    }

    /// A node failed or came back (crashed or cut off, or neither): down now or not.
    pub fn node_down_changed(&mut self, store: &Store, node: NodeId, down: bool, now: SimTime) {
        self.tally.node_down_changed(store, node, down);
        self.recovery.node_down_changed(store, &self.tally, node, down, now);
    }

    pub fn pod_scheduled(&mut self, store: &Store, pod: PodId, now: SimTime) {
        let created = store.pods[pod].created;
        self.scheduling_latency_us.push(now.since(created).as_micros());
    }

    pub fn unschedulable_changed(&mut self, count: usize) {
        self.pods_unschedulable_max = self.pods_unschedulable_max.max(count);
    }

    pub fn sample(&mut self, store: &Store, now: SimTime) {
        #[cfg(debug_assertions)]
        if let Err(drift) = self.tally.verify(store, now) {
            panic!("the pod tally drifted from a recount at {}: {drift}", now.secs_millis());
        }
        self.traffic.sort_intervals();
        self.timeseries.sample(store, now, &self.traffic.services, &self.traffic.calls, &self.tally);
        self.traffic.close_interval();
    }
}

/// The time series' columns of a run of `scenario` (known before it runs), and the
/// Deployments and Rollouts among them: what the memory estimate at load counts.
pub fn series_counts(scenario: &Scenario) -> (usize, usize) {
    let deployments = deployment_keys(scenario);
    let services = service_keys(scenario);
    let (edges, background) = call_keys(scenario);
    let columns = 4 * deployments.len()
        + 5 * services.len()
        + timeseries::EDGE_SERIES.len() * edges.len()
        + timeseries::BACKGROUND_SERIES.len() * background.len()
        + 3 * hpa_keys(scenario).len()
        + 5;
    (columns, deployments.len())
}

/// Every Service the scenario can create, `(namespace, name)` in order of appearance: its
/// objects, then what the timeline applies, creates or exposes.
pub fn service_keys(scenario: &Scenario) -> Vec<(String, String)> {
    object_keys(scenario, Kind::Service)
}

/// Every object of `kind` the scenario can create, `(namespace, name)` in order of
/// appearance: its objects, then what the timeline applies or creates (and, for Services,
/// exposes).
pub fn object_keys(scenario: &Scenario, kind: Kind) -> Vec<(String, String)> {
    let mut keys = FirstSeen::default();
    let mut add = |ns: &str, name: &str| keys.add((ns.to_string(), name.to_string()));
    for obj in scenario.objects.iter().filter(|o| o.id.kind == kind) {
        add(&obj.id.namespace, &obj.id.name);
    }
    for entry in &scenario.timeline {
        match &entry.action {
            Action::Kubectl(KubectlCommand::Apply { objects } | KubectlCommand::Create { objects }) => {
                for obj in objects.iter().filter(|o| o.id.kind == kind) {
                    add(&obj.id.namespace, &obj.id.name);
                }
            }
            Action::Kubectl(KubectlCommand::Expose(e)) if kind == Kind::Service => add(&e.target.namespace, &e.service),
            _ => {}
        }
    }
    keys.order
}

/// Keys in the order they were first added, each once. Membership is a set's, so that a
/// scenario of 100,000 objects is not compared pairwise at load.
struct FirstSeen<K> {
    order: Vec<K>,
    seen: std::collections::BTreeSet<K>,
}

impl<K> Default for FirstSeen<K> {
    fn default() -> Self {
        FirstSeen { order: Vec::new(), seen: std::collections::BTreeSet::new() }
    }
}

impl<K: Ord + Clone> FirstSeen<K> {
    fn add(&mut self, key: K) {
        if self.seen.insert(key.clone()) {
            self.order.push(key);
        }
    }
}

/// The scenario's objects, then those the timeline applies or creates, in order.
fn every_object(scenario: &Scenario) -> impl Iterator<Item = &crate::model::spec::Object> {
    let timeline_objects = scenario.timeline.iter().flat_map(|e| match &e.action {
        Action::Kubectl(KubectlCommand::Apply { objects } | KubectlCommand::Create { objects }) => objects.as_slice(),
        _ => &[],
    });
    scenario.objects.iter().chain(timeline_objects)
}

/// Kind, namespace and name of every Deployment and Argo Rollout the run can have, in a
/// stable order (Deployments first), so that the time-series columns are known before the run
/// starts.
fn deployment_keys(scenario: &Scenario) -> Vec<(Kind, String, String)> {
    let mut keys = FirstSeen::default();
    for kind in [Kind::Deployment, Kind::Rollout] {
        for obj in every_object(scenario) {
            let workload = matches!(obj.spec, ObjectSpec::Deployment { .. } | ObjectSpec::Rollout { .. });
            if obj.id.kind == kind && workload {
                keys.add((kind, obj.id.namespace.clone(), obj.id.name.clone()));
            }
        }
    }
    keys.order
}

/// The call graph's edges the scenario's objects make (caller workload, callee Service or
/// host, as columns name them) and the workloads with background work, in order of
/// appearance: a workload whose serving container's image has `calls` or `background`.
/// Pods that no object of the scenario describes (a CronJob's) still call; their edges are
/// in summary.json but not in the time series.
pub fn call_keys(scenario: &Scenario) -> (Vec<(String, String)>, Vec<String>) {
    let (mut edges, mut background) = (FirstSeen::default(), FirstSeen::default());
    for obj in every_object(scenario) {
        let Some(image) = obj.spec.pod_spec().and_then(|p| p.containers.first()).map(|c| c.image.as_str()) else {
            continue;
        };
        let Some(behavior) = scenario.images.get(image) else { continue };
        let caller = timeseries::column_name(&obj.id.namespace, &obj.id.name);
        if let Some(plan) = &behavior.calls {
            for call in &plan.calls {
                edges.add((caller.clone(), callee_name(&call.target, &obj.id.namespace)));
            }
        }
        if behavior.background.is_some() {
            background.add(caller);
        }
    }
    (edges.order, background.order)
}

/// How a traffic source is named among the entry points: `service/frontend /cart`.
fn entry_name(spec: &crate::model::spec::TrafficSpec) -> String {
    let (kind, namespace, name) = match &spec.target {
        crate::model::spec::TrafficTarget::Service { namespace, name } => ("service", namespace, name),
        crate::model::spec::TrafficTarget::Ingress { namespace, name } => ("ingress", namespace, name),
    };
    let host = spec.host.as_deref().map_or(String::new(), |h| format!(" {h}"));
    format!("{kind}/{}{host} {}", timeseries::column_name(namespace, name), spec.path)
}

/// How a call's target is named in an edge: a Service's column name (its namespace: the
/// call's, or the caller's own), or the external host.
pub fn callee_name(target: &crate::model::spec::CallTarget, caller_namespace: &str) -> String {
    match target {
        crate::model::spec::CallTarget::Service { namespace, name } => {
            timeseries::column_name(namespace.as_deref().unwrap_or(caller_namespace), name)
        }
        crate::model::spec::CallTarget::External { host } => host.clone(),
    }
}

/// `namespace/name` of every HPA the run can have (objects, then the timeline's), in order.
fn hpa_keys(scenario: &Scenario) -> Vec<(String, String)> {
    let mut keys = FirstSeen::default();
    for obj in every_object(scenario) {
        if matches!(obj.spec, ObjectSpec::HorizontalPodAutoscaler { .. }) {
            keys.add((obj.id.namespace.clone(), obj.id.name.clone()));
        }
    }
    keys.order
}

/// The nearest-rank percentile of sorted values.
pub fn percentile(sorted: &[u64], p: f64) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

#[cfg(test)]
mod tests {
    use super::percentile;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&v, 50.0), Some(50));
        assert_eq!(percentile(&v, 99.0), Some(99));
        assert_eq!(percentile(&[7], 99.0), Some(7));
        assert_eq!(percentile(&[], 50.0), None);
    }
}
