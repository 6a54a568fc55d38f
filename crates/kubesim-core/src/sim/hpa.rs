//! Runs the HorizontalPodAutoscaler controller (`controllers::hpa`) against the store, and
//! metrics-server beside it.
//!
//! metrics-server scrapes every pod's kubelet every `metricsResolution` (15s) from time
//! zero once the run has an HPA; a pod's sample is what it did between its last two
//! scrapes, so a container has no metrics until it has run across two scrapes (as in
//! Kubernetes). CPU use over that window is the images' `cpuIdle` plus the requests the pod
//! served in it times `cpuPerRequest`; the Pods metric `requests_per_second` is the served
//! requests over the window. Each HPA is synced every `horizontalPodAutoscalerSyncPeriod`
//! (15s) from its creation and scales its target through the same path as `kubectl scale`.

use super::{ControllerEvent, Event, Sim};
use crate::controllers::hpa::{self, HpaInput, HpaParams, PodMetric, PodSample};
use crate::engine::{SimDuration, SimTime};
use crate::model::spec::{HpaMetric, HpaResource, HpaSpec, Kind, ObjectRef, ResourceTarget};
use crate::model::store::{Hpa, HpaId, HpaStatus, PodId, PodPhase, RsKind};

/// One pod's metrics-server record.
#[derive(Clone, Copy, Debug, Default)]
struct Scrape {
    /// The last scrape: when, and the pod's served-request count then.
    last: Option<(SimTime, u64)>,
    /// The sample between the last two scrapes: (end, window, requests served in it).
    sample: Option<(SimTime, SimDuration, u64)>,
}

#[derive(Default)]
pub(super) struct MetricsServer {
    started: bool,
    /// By pod id.
    pods: Vec<Scrape>,
}

/// The HPA controller's own memory, by HPA id: not in the API (pkg/controller/podautoscaler
/// `HorizontalController`'s `recommendations` and `scaleUpEvents` / `scaleDownEvents` maps).
#[derive(Default)]
pub(super) struct HorizontalController {
    /// Recommendations and scale events, for the stabilisation windows and rate policies.
    memory: Vec<hpa::HpaMemory>,
    /// The warnings of each HPA's last sync (a repeated warning is recorded once, as
    /// kubectl shows an aggregated event once with a count).
    last_warnings: Vec<Vec<(&'static str, String)>>,
}

impl Sim<'_> {
    pub(super) fn create_hpa(&mut self, ns: &str, name: &str, spec: &HpaSpec) {
        let id = self.ctx.store.add_hpa(Hpa {
            namespace: ns.to_string(),
            name: name.to_string(),
            spec: spec.clone(),
            status: HpaStatus::default(),
            deleted: false,
        });
        self.hpa_controller.memory.push(hpa::HpaMemory::default());
        self.hpa_controller.last_warnings.push(Vec::new());
        let at = self.ctx.kernel.now() + self.ctx.latency();
        self.ctx.kernel.schedule_at(at, Event::Controller(ControllerEvent::SyncHpa(id)));
        if !self.metrics_server.started {
            self.metrics_server.started = true;
            let res = self.ctx.scenario.control_plane.metrics_resolution.as_micros().max(1);
            let next = self.ctx.kernel.now().as_micros().div_ceil(res) * res;
            self.ctx.kernel.schedule_at(SimTime(next), Event::Controller(ControllerEvent::MetricsScrape));
        }
    }

    /// `kubectl apply` of a changed HPA: the next sync uses the new spec.
    pub(super) fn apply_hpa(&mut self, id: HpaId, spec: &HpaSpec) {
        self.ctx.store.hpas[id].spec = spec.clone();
    }

    pub(super) fn delete_hpa(&mut self, id: HpaId) {
        self.ctx.store.remove_hpa(id);
    }

    /// metrics-server's scrape of every running pod.
    pub(super) fn metrics_scrape(&mut self) {
        let now = self.ctx.kernel.now();
        let pods = &mut self.metrics_server.pods;
        if pods.len() < self.ctx.store.pods.len() {
            pods.resize(self.ctx.store.pods.len(), Scrape::default());
        }
        for (i, p) in self.ctx.store.pods.iter().enumerate() {
            let scrape = &mut pods[i];
            let running = p.phase == PodPhase::Running
                && !p.is_gone()
                && p.started.is_some()
                && p.node.is_some_and(|n| self.nodes.health.get(n.index()).is_none_or(|h| h.kubelet_up));
            if !running {
                *scrape = Scrape::default();
                continue;
            }
            let served = self.traffic.served(PodId::from_index(i));
            if let Some((at, before)) = scrape.last {
                scrape.sample = Some((now, now.since(at), served.saturating_sub(before)));
            }
            scrape.last = Some((now, served));
        }
        let next = now + self.ctx.scenario.control_plane.metrics_resolution.max(SimDuration::from_millis(1));
        if next <= self.ctx.end {
            self.ctx.kernel.schedule_at(next, Event::Controller(ControllerEvent::MetricsScrape));
        }
    }

    fn hpa_params(&self) -> HpaParams {
        let cp = &self.ctx.scenario.control_plane;
        HpaParams {
            tolerance: cp.hpa_tolerance,
            cpu_initialization_period: cp.hpa_cpu_initialization_period,
            initial_readiness_delay: cp.hpa_initial_readiness_delay,
            downscale_stabilization: cp.hpa_downscale_stabilization,
        }
    }

    /// The target's `spec.replicas` and the pods its selector matches, or the API's NotFound.
    ///
    /// The HPA reads the target's scale subresource and lists the pods of the HPA's
    /// namespace that `status.selector` matches, whoever owns them (bare pods and other
    /// workloads' pods included): pkg/controller/podautoscaler horizontal.go
    /// `computeReplicasForMetrics` (`validateAndParseSelector(hpa, scale.Status.Selector)`)
    /// and replica_calculator.go `GetResourceReplicas` / `calcPlainMetricReplicas`
    /// (`podLister.Pods(namespace).List(selector)`). A Deployment's, StatefulSet's and
    /// ReplicaSet's scale selector is its `spec.selector`. `spec.replicas` is
    /// `scale.Spec.Replicas`, the HPA's `currentReplicas`.
    fn scale_target(&self, ns: &str, spec: &HpaSpec) -> Result<(i32, Vec<PodId>), String> {
        let target = ObjectRef { kind: spec.target.kind, namespace: ns.to_string(), name: spec.target.name.clone() };
        let missing = || format!("{} not found", super::objects::resource_phrase(&target));
        let store = &self.ctx.store;
        let (replicas, selector) = match spec.target.kind {
            Kind::Deployment => {
                let d = &store.deployments[store.find_deployment(ns, &spec.target.name).ok_or_else(missing)?];
                (d.spec.replicas, &d.spec.selector)
            }
            Kind::StatefulSet => {
                let s = &store.stateful_sets[store.find_stateful_set(ns, &spec.target.name).ok_or_else(missing)?];
                (s.spec.replicas, &s.spec.selector)
            }
            _ => {
                let rs = store.find_rs(RsKind::ReplicaSet, ns, &spec.target.name).ok_or_else(missing)?;
                let r = &store.replica_sets[rs];
                (r.replicas, &r.selector)
            }
        };
        Ok((replicas, store.pods_matching(ns, selector)))
    }

    /// What the controller sees of one pod for one metric.
    fn pod_sample(&self, pod: PodId, metric: &HpaMetric, now: SimTime) -> PodSample {
        let p = &self.ctx.store.pods[pod];
        let start = p.scheduled;
        // An unready pod that was ready before turned unready at some point we do not
        // keep; kubesim takes it as recent (it is then not "never ready").
        let ready_transition = match (p.ready_since, p.first_ready) {
            (Some(t), _) => t,
            (None, Some(_)) => now,
            (None, None) => start.unwrap_or(p.created),
        };
        let containers = &p.spec.containers;
        let request = match metric {
            HpaMetric::Resource { resource, .. } => {
                let mut sum = 0i64;
                let mut missing = None;
                for c in containers {
                    let r = match resource {
                        HpaResource::Cpu => c.requests.cpu_millis,
                        HpaResource::Memory => c.requests.memory_bytes.saturating_mul(1000),
                    };
                    if r == 0 && missing.is_none() {
                        missing = Some(format!("container {} of Pod {}", c.name, p.name));
                    }
                    sum = sum.saturating_add(r);
                }
                missing.map_or(Ok(sum), Err)
            }
            HpaMetric::Pods { .. } => Ok(0),
        };
        let scrape = self.metrics_server.pods.get(pod.index()).and_then(|s| s.sample);
        let metric = scrape.map(|(timestamp, window, served)| PodMetric {
            value: self.metric_value(pod, metric, window, served),
            timestamp,
            window,
        });
        PodSample {
            phase: p.phase,
            deleting: p.terminating.is_some(),
            ready: p.ready_since.is_some(),
            start,
            ready_transition,
            request,
            metric,
        }
    }

    /// A sample's value in thousandths: millicores, millibytes, or requests per 1000 s.
    fn metric_value(&self, pod: PodId, metric: &HpaMetric, window: SimDuration, served: u64) -> i64 {
        let p = &self.ctx.store.pods[pod];
        let window_us = i128::from(window.as_micros().max(1));
        let served = i128::from(served);
        match metric {
            HpaMetric::Resource { resource: HpaResource::Cpu, .. } => {
                let mut nanocores: i128 = 0;
                for (i, c) in p.spec.containers.iter().enumerate() {
                    let image = self.ctx.image(&c.image);
                    nanocores += i128::from(image.cpu_idle_nanos);
                    if i == 0 {
                        // The first container serves the requests.
                        nanocores += served * i128::from(image.cpu_per_request_nanos) * 1_000_000 / window_us;
                    }
                }
                i64::try_from((nanocores + 999_999) / 1_000_000).unwrap_or(i64::MAX)
            }
            HpaMetric::Resource { resource: HpaResource::Memory, .. } => {
                let bytes: i64 =
                    p.spec.containers.iter().filter_map(|c| self.ctx.image(&c.image).memory_usage_bytes).sum();
                bytes.saturating_mul(1000)
            }
            HpaMetric::Pods { .. } => i64::try_from(served * 1000 * 1_000_000 / window_us).unwrap_or(i64::MAX),
        }
    }

    pub(super) fn sync_hpa(&mut self, id: HpaId) {
        let h = &self.ctx.store.hpas[id];
        if h.deleted {
            return;
        }
        let now = self.ctx.kernel.now();
        let next = now + self.ctx.scenario.control_plane.hpa_sync_period.max(SimDuration::from_millis(1));
        if next <= self.ctx.end {
            self.ctx.kernel.schedule_at(next, Event::Controller(ControllerEvent::SyncHpa(id)));
        }
        let (ns, spec) = (h.namespace.clone(), h.spec.clone());
        let object = ObjectRef { kind: Kind::HorizontalPodAutoscaler, namespace: ns.clone(), name: h.name.clone() };
        let object = object.to_string();
        let (current, pods) = match self.scale_target(&ns, &spec) {
            Ok(t) => t,
            Err(e) => {
                let message = format!("the HPA controller was unable to get the target's current scale: {e}");
                let failed = hpa::Condition { kind: "AbleToScale", status: false, reason: "FailedGetScale", message };
                set_conditions(&mut self.ctx.store.hpas[id].status.conditions, &[failed], now);
                return self.hpa_warnings(id, &object, vec![("FailedGetScale", e)]);
            }
        };
        let per_metric: Vec<Vec<PodSample>> =
            spec.metrics.iter().map(|m| pods.iter().map(|&p| self.pod_sample(p, m, now)).collect()).collect();
        let params = self.hpa_params();
        let input = HpaInput { spec: &spec, current, pods_per_metric: &per_metric, params: &params, now };
        let d = hpa::reconcile(&input, &mut self.hpa_controller.memory[id.index()]);
        let h = &mut self.ctx.store.hpas[id];
        h.status.current_replicas = Some(current);
        h.status.desired_replicas = Some(d.desired);
        h.status.current_metrics = spec
            .metrics
            .iter()
            .zip(&d.measured)
            .map(|(m, p)| {
                p.map(|p| match m {
                    HpaMetric::Resource { target: ResourceTarget::Utilization(_), .. } => {
                        i64::from(p.utilization.unwrap_or(0))
                    }
                    _ => p.average,
                })
            })
            .collect();
        if d.rescale {
            h.status.last_scale_time = Some(now);
        }
        set_conditions(&mut h.status.conditions, &d.conditions, now);
        self.hpa_warnings(id, &object, d.warnings);
        if d.rescale {
            let target = ObjectRef { kind: spec.target.kind, namespace: ns, name: spec.target.name.clone() };
            match crate::kubectl::scale(self, &target, d.desired) {
                Ok(()) => {
                    let message = format!("New size: {}; reason: {}", d.desired, d.reason);
                    self.ctx.recorder.normal(now, "SuccessfulRescale", object, message);
                }
                Err(e) => {
                    let message = format!("New size: {}; reason: {}; error: {e}", d.desired, d.reason);
                    self.ctx.recorder.warning(now, "FailedRescale", object, message);
                    let message = format!("the HPA controller was unable to update the target scale: {e}");
                    let failed =
                        hpa::Condition { kind: "AbleToScale", status: false, reason: "FailedUpdateScale", message };
                    set_conditions(&mut self.ctx.store.hpas[id].status.conditions, &[failed], now);
                }
            }
        }
    }

    /// Records the warnings that were not already there at the last sync.
    fn hpa_warnings(&mut self, id: HpaId, object: &str, warnings: Vec<(&'static str, String)>) {
        let now = self.ctx.kernel.now();
        let last = &self.hpa_controller.last_warnings[id.index()];
        for (reason, message) in &warnings {
            if !last.iter().any(|(r, m)| r == reason && m == message) {
                self.ctx.recorder.warning(now, reason, object.to_string(), message.clone());
            }
        }
        self.hpa_controller.last_warnings[id.index()] = warnings;
    }
}

/// horizontal.go `setCondition`: each condition replaces the one of its type, keeping the
/// transition time when the status did not change.
fn set_conditions(status: &mut Vec<(hpa::Condition, SimTime)>, set: &[hpa::Condition], now: SimTime) {
    for c in set {
        match status.iter_mut().find(|(s, _)| s.kind == c.kind) {
            Some((s, since)) => {
                if s.status != c.status {
                    *since = now;
                }
                *s = c.clone();
            }
            None => status.push((c.clone(), now)),
        }
    }
}
