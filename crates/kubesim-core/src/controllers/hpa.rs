//! The HorizontalPodAutoscaler controller (pkg/controller/podautoscaler) as pure decisions:
//! the replica calculator (`replica_calculator.go`: pods grouped into ready, unready,
//! missing and ignored; the usage ratio; the tolerance; the conservative second pass) and
//! the normalisation of `horizontal.go` (min / max replicas, the stabilisation windows, the
//! `behavior` rate policies, or without `behavior` the legacy scale-up limit).
//!
//! The controller keeps, per HPA and in memory only, its recent recommendations and scale
//! events ([`HpaMemory`]), as the real one does; everything else is read from the snapshot
//! the caller builds ([`HpaInput`]).

use crate::engine::{SimDuration, SimTime};
use crate::model::spec::{
    HpaMetric, HpaResource, HpaSpec, ResourceTarget, ScalingPolicyType, ScalingRules, SelectPolicy,
};
use crate::model::store::PodPhase;

/// The controller's flags (kube-controller-manager), with Kubernetes' defaults in
/// `ControlPlane`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HpaParams {
    pub tolerance: f64,
    pub cpu_initialization_period: SimDuration,
    pub initial_readiness_delay: SimDuration,
    pub downscale_stabilization: SimDuration,
}

/// A pod's sample of one metric, as metrics-server (or the custom metrics API) reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PodMetric {
    /// In thousandths (millicores for cpu, requests per 1000 s for a rate).
    pub value: i64,
    /// When the window ended.
    pub timestamp: SimTime,
    pub window: SimDuration,
}

/// What the calculator needs of one pod selected by the target's selector.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodSample {
    pub phase: PodPhase,
    /// `metadata.deletionTimestamp` is set.
    pub deleting: bool,
    /// The Ready condition.
    pub ready: bool,
    /// `status.startTime`.
    pub start: Option<SimTime>,
    /// The Ready condition's `lastTransitionTime`.
    pub ready_transition: SimTime,
    /// The pod's request of the resource measured, in thousandths; when a container
    /// requests none of it, `Err("container NAME of Pod POD")`.
    pub request: Result<i64, String>,
    pub metric: Option<PodMetric>,
}

/// How groupPods sorts the pods.
#[derive(Debug, Default, PartialEq, Eq)]
struct Groups {
    ready: usize,
    unready: Vec<usize>,
    missing: Vec<usize>,
    ignored: Vec<usize>,
}

/// groupPods: deleted and failed pods are ignored; pending ones are unready; pods without a
/// sample are missing; for cpu, a pod in its initialisation period counts only when ready
/// and sampled for a whole window since it turned ready, and after it only an unready pod
/// that never got ready (within the initial readiness delay of its start) is unready.
fn group_pods(pods: &[PodSample], cpu: bool, p: &HpaParams, now: SimTime) -> Groups {
    let mut g = Groups::default();
    for (i, pod) in pods.iter().enumerate() {
        if pod.deleting || pod.phase == PodPhase::Failed {
            g.ignored.push(i);
            continue;
        }
        if pod.phase == PodPhase::Pending {
            g.unready.push(i);
            continue;
        }
        let Some(metric) = pod.metric else {
            g.missing.push(i);
            continue;
        };
        if cpu {
            let unready = match pod.start {
                None => true,
                Some(start) if start + p.cpu_initialization_period > now => {
                    !pod.ready || metric.timestamp < pod.ready_transition + metric.window
                }
                Some(start) => !pod.ready && start + p.initial_readiness_delay > pod.ready_transition,
            };
            if unready {
                g.unready.push(i);
                continue;
            }
        }
        g.ready += 1;
    }
    g
}

/// The replica count a metric proposes, and what it measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Proposal {
    pub replicas: i32,
    /// Utilisation in percent of requests (`Utilization` targets only).
    pub utilization: Option<i32>,
    /// The average value per pod, in thousandths.
    pub average: i64,
}

/// Per pod (index into the sample list): the value the ratio is computed from.
type Values = Vec<(usize, i64)>;

fn set(values: &mut Values, i: usize, v: i64) {
    match values.iter_mut().find(|(j, _)| *j == i) {
        Some(e) => e.1 = v,
        None => values.push((i, v)),
    }
}

/// GetResourceUtilizationRatio: total use over total requests of the pods with samples,
/// as whole percent (truncated, as Kubernetes does).
fn utilization_ratio(values: &Values, pods: &[PodSample], target: i32) -> Result<(f64, i32, i64), String> {
    let (mut used, mut requested, mut n) = (0i64, 0i64, 0i64);
    for &(i, v) in values {
        if let Ok(r) = pods[i].request {
            used += v;
            requested += r;
            n += 1;
        }
    }
    if requested == 0 {
        return Err("no metrics returned matched known pods".into());
    }
    let utilization = i32::try_from(used.saturating_mul(100) / requested).unwrap_or(i32::MAX);
    Ok((f64::from(utilization) / f64::from(target.max(1)), utilization, used / n))
}

/// GetMetricUsageRatio: the average over the pods with samples against the target.
fn usage_ratio(values: &Values, target: i64) -> (f64, i64) {
    let total: i64 = values.iter().map(|(_, v)| v).sum();
    let average = total / (values.len().max(1) as i64);
    (average as f64 / target.max(1) as f64, average)
}

fn ceil(x: f64) -> i32 {
    let c = x.ceil();
    if c >= f64::from(i32::MAX) {
        i32::MAX
    } else {
        c as i32
    }
}

/// The samples of the pods that count, before rebalancing.
fn counted(pods: &[PodSample], g: &Groups) -> Values {
    pods.iter()
        .enumerate()
        .filter(|(i, _)| !g.ignored.contains(i) && !g.unready.contains(i))
        .filter_map(|(i, p)| p.metric.map(|m| (i, m.value)))
        .collect()
}

/// GetResourceReplicas: a `Utilization` target of a resource.
///
/// Worked example (TestReplicaCalcScaleUpUnreadyLessScale): 3 pods of 1 cpu using 300m,
/// 500m, 700m, the first not ready, target 30%. The ready two use 60% of their requests:
/// ratio 2 > 1 with an unready pod, so the unready one is counted at 0: 1200m of 3000m is
/// 40%, ratio 1.33, ceil(1.33 x 3) = 4 replicas (not the 6 the ready pods alone suggest).
pub fn resource_replicas(
    current: i32,
    target: i32,
    pods: &[PodSample],
    cpu: bool,
    p: &HpaParams,
    now: SimTime,
) -> Result<Proposal, String> {
    if pods.is_empty() {
        return Err("no pods returned by selector while calculating replica count".into());
    }
    let g = group_pods(pods, cpu, p, now);
    if let Some(c) = pods.iter().find_map(|pod| pod.request.as_ref().err()) {
        return Err(format!("missing request for {} in container {c}", if cpu { "cpu" } else { "memory" }));
    }
    let mut values = counted(pods, &g);
    if values.is_empty() {
        return Err("did not receive metrics for any ready pods".into());
    }
    let (ratio, utilization, average) = utilization_ratio(&values, pods, target)?;
    let proposal = |replicas| Proposal { replicas, utilization: Some(utilization), average };
    let scale_up_with_unready = !g.unready.is_empty() && ratio > 1.0;
    if !scale_up_with_unready && g.missing.is_empty() {
        if (1.0 - ratio).abs() <= p.tolerance {
            return Ok(proposal(current));
        }
        return Ok(proposal(ceil(ratio * g.ready as f64)));
    }
    if ratio < 1.0 {
        // On a scale-down, missing pods count as using 100% of their request (or the
        // target, when it is above 100%).
        let fallback = i64::from(target.max(100));
        for &i in &g.missing {
            set(&mut values, i, pods[i].request.as_ref().map_or(0, |r| *r) * fallback / 100);
        }
    } else if ratio > 1.0 {
        for &i in &g.missing {
            set(&mut values, i, 0);
        }
    }
    if scale_up_with_unready {
        for &i in &g.unready {
            set(&mut values, i, 0);
        }
    }
    let (new_ratio, _, _) = utilization_ratio(&values, pods, target)?;
    Ok(proposal(second_pass(current, ratio, new_ratio, values.len(), p.tolerance)))
}

/// The end of both calculators: no change within the tolerance or when the conservative
/// numbers turn the direction around.
fn second_pass(current: i32, ratio: f64, new_ratio: f64, n: usize, tolerance: f64) -> i32 {
    if (1.0 - new_ratio).abs() <= tolerance || (ratio < 1.0 && new_ratio > 1.0) || (ratio > 1.0 && new_ratio < 1.0) {
        return current;
    }
    let replicas = ceil(new_ratio * n as f64);
    if (new_ratio < 1.0 && replicas > current) || (new_ratio > 1.0 && replicas < current) {
        return current;
    }
    replicas
}

/// calcPlainMetricReplicas: an `AverageValue` target (a Pods metric, or a resource's
/// averageValue), in thousandths.
pub fn plain_replicas(
    current: i32,
    target: i64,
    pods: &[PodSample],
    cpu: bool,
    p: &HpaParams,
    now: SimTime,
) -> Result<Proposal, String> {
    if pods.is_empty() {
        return Err("no pods returned by selector while calculating replica count".into());
    }
    let g = group_pods(pods, cpu, p, now);
    let mut values = counted(pods, &g);
    if values.is_empty() {
        return Err("did not receive metrics for any ready pods".into());
    }
    let (ratio, average) = usage_ratio(&values, target);
    let proposal = |replicas| Proposal { replicas, utilization: None, average };
    let scale_up_with_unready = !g.unready.is_empty() && ratio > 1.0;
    if !scale_up_with_unready && g.missing.is_empty() {
        if (1.0 - ratio).abs() <= p.tolerance {
            return Ok(proposal(current));
        }
        return Ok(proposal(ceil(ratio * g.ready as f64)));
    }
    for &i in &g.missing {
        if ratio < 1.0 {
            set(&mut values, i, target);
        } else if ratio > 1.0 {
            set(&mut values, i, 0);
        }
    }
    if scale_up_with_unready {
        for &i in &g.unready {
            set(&mut values, i, 0);
        }
    }
    let (new_ratio, _) = usage_ratio(&values, target);
    Ok(proposal(second_pass(current, ratio, new_ratio, values.len(), p.tolerance)))
}

/// A recommendation or a scale event, as the controller remembers it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Stamped {
    at: SimTime,
    value: i32,
    outdated: bool,
}

/// What the controller remembers of one HPA between syncs (its maps keyed by HPA).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HpaMemory {
    recommendations: Vec<Stamped>,
    scale_up_events: Vec<Stamped>,
    scale_down_events: Vec<Stamped>,
}

impl HpaMemory {
    /// recordInitialRecommendation: the current size, once.
    fn record_initial(&mut self, current: i32, now: SimTime) {
        if self.recommendations.is_empty() {
            self.recommendations.push(Stamped { at: now, value: current, outdated: false });
        }
    }

    /// Puts `rec` in place of a sample older than both cut-offs, or appends it.
    fn record(&mut self, rec: Stamped, old: Option<usize>) {
        match old {
            Some(i) => self.recommendations[i] = rec,
            None => self.recommendations.push(rec),
        }
    }
}

fn secs(s: i32) -> SimDuration {
    SimDuration::from_secs(u64::try_from(s).unwrap_or(0))
}

/// `t` is strictly after `now - d` (Go's `After(cutoff)`); a cut-off before time zero is
/// before every sample.
fn after_cutoff(t: SimTime, now: SimTime, d: SimDuration) -> bool {
    now.as_micros().checked_sub(d.as_micros()).is_none_or(|c| t.as_micros() > c)
}

fn before_cutoff(t: SimTime, now: SimTime, d: SimDuration) -> bool {
    now.as_micros().checked_sub(d.as_micros()).is_some_and(|c| t.as_micros() < c)
}

/// stabilizeRecommendation (no `behavior`): the highest recommendation of the window.
fn stabilize(m: &mut HpaMemory, desired: i32, window: SimDuration, now: SimTime) -> i32 {
    let mut max = desired;
    let mut old = None;
    for (i, r) in m.recommendations.iter().enumerate() {
        if before_cutoff(r.at, now, window) {
            old = Some(i);
        } else if r.value > max {
            max = r.value;
        }
    }
    m.record(Stamped { at: now, value: desired, outdated: false }, old);
    max
}

/// stabilizeRecommendationWithBehaviors: the current size, raised to the lowest
/// recommendation of the scale-up window and lowered to the highest of the scale-down one.
fn stabilize_with_behaviors(
    m: &mut HpaMemory,
    current: i32,
    desired: i32,
    up_window: SimDuration,
    down_window: SimDuration,
    now: SimTime,
) -> i32 {
    let (mut up, mut down) = (desired, desired);
    let mut old = None;
    for (i, r) in m.recommendations.iter().enumerate() {
        if after_cutoff(r.at, now, up_window) {
            up = up.min(r.value);
        }
        if after_cutoff(r.at, now, down_window) {
            down = down.max(r.value);
        }
        if before_cutoff(r.at, now, up_window) && before_cutoff(r.at, now, down_window) {
            old = Some(i);
        }
    }
    m.record(Stamped { at: now, value: desired, outdated: false }, old);
    current.max(up).min(down)
}

/// getReplicasChangePerPeriod.
fn change_in_period(period_seconds: i32, events: &[Stamped], now: SimTime) -> i32 {
    events.iter().filter(|e| after_cutoff(e.at, now, secs(period_seconds))).map(|e| e.value).sum()
}

/// calculateScaleUpLimitWithScalingRules / calculateScaleDownLimitWithBehaviors: the size
/// each policy allows from where its period started, the largest change by default.
fn rate_limit(current: i32, m: &HpaMemory, rules: &ScalingRules, up: bool, now: SimTime) -> i32 {
    let pick_max = match rules.select_policy {
        SelectPolicy::Disabled => return current,
        SelectPolicy::Max => up,
        SelectPolicy::Min => !up,
    };
    let mut result = if pick_max { i32::MIN } else { i32::MAX };
    for policy in &rules.policies {
        let added = change_in_period(policy.period_seconds, &m.scale_up_events, now);
        let deleted = change_in_period(policy.period_seconds, &m.scale_down_events, now);
        let start = f64::from(current - added + deleted);
        let proposed = match (policy.kind, up) {
            (ScalingPolicyType::Pods, true) => current - added + deleted + policy.value,
            (ScalingPolicyType::Pods, false) => current - added + deleted - policy.value,
            // Rounded up when growing so that a small set still grows.
            (ScalingPolicyType::Percent, true) => ceil(start * (1.0 + f64::from(policy.value) / 100.0)),
            (ScalingPolicyType::Percent, false) => (start * (1.0 - f64::from(policy.value) / 100.0)) as i32,
        };
        result = if pick_max { result.max(proposed) } else { result.min(proposed) };
    }
    result
}

/// The size after normalisation, and why it differs from the recommendation (the
/// ScalingLimited condition's reason).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Normalized {
    pub replicas: i32,
    pub limited_by: &'static str,
}

/// normalizeDesiredReplicas (no `behavior`): stabilised over the downscale window, then
/// held within [minReplicas, min(maxReplicas, max(2 x current, 4))].
fn normalize_legacy(
    spec: &HpaSpec,
    m: &mut HpaMemory,
    current: i32,
    desired: i32,
    min: i32,
    p: &HpaParams,
    now: SimTime,
) -> Normalized {
    let stabilized = stabilize(m, desired, p.downscale_stabilization, now);
    let scale_up_limit = (2 * i64::from(current)).max(4).min(i64::from(i32::MAX)) as i32;
    let (max, why) = if spec.max_replicas > scale_up_limit {
        (scale_up_limit, "ScaleUpLimit")
    } else {
        (spec.max_replicas, "TooManyReplicas")
    };
    if stabilized < min {
        return Normalized { replicas: min, limited_by: "TooFewReplicas" };
    }
    if stabilized > max {
        return Normalized { replicas: max, limited_by: why };
    }
    Normalized { replicas: stabilized, limited_by: "DesiredWithinRange" }
}

/// normalizeDesiredReplicasWithBehaviors: stabilised, then rate-limited by the policies.
fn normalize_with_behaviors(
    spec: &HpaSpec,
    m: &mut HpaMemory,
    current: i32,
    desired: i32,
    min: i32,
    p: &HpaParams,
    now: SimTime,
) -> Normalized {
    let Some(b) = &spec.behavior else { return normalize_legacy(spec, m, current, desired, min, p, now) };
    let up_window = secs(b.scale_up.stabilization_window_seconds.unwrap_or(0));
    let down_window = b.scale_down.stabilization_window_seconds.map_or(p.downscale_stabilization, secs);
    let desired = stabilize_with_behaviors(m, current, desired, up_window, down_window, now);
    if desired > current {
        let limit = rate_limit(current, m, &b.scale_up, true, now).max(current);
        let (max, why) =
            if spec.max_replicas > limit { (limit, "ScaleUpLimit") } else { (spec.max_replicas, "TooManyReplicas") };
        if desired > max {
            return Normalized { replicas: max, limited_by: why };
        }
    } else if desired < current {
        let limit = rate_limit(current, m, &b.scale_down, false, now).min(current);
        let (min, why) = if min < limit { (limit, "ScaleDownLimit") } else { (min, "TooFewReplicas") };
        if desired < min {
            return Normalized { replicas: min, limited_by: why };
        }
    }
    Normalized { replicas: desired, limited_by: "DesiredWithinRange" }
}

/// storeScaleEvent: remembered only with `behavior`, replacing an event older than the
/// longest policy period.
fn store_scale_event(spec: &HpaSpec, m: &mut HpaMemory, prev: i32, new: i32, now: SimTime) {
    let Some(b) = &spec.behavior else { return };
    let (rules, events, change) = if new > prev {
        (&b.scale_up, &mut m.scale_up_events, new - prev)
    } else {
        (&b.scale_down, &mut m.scale_down_events, prev - new)
    };
    let longest = rules.policies.iter().map(|p| p.period_seconds).max().unwrap_or(0);
    for e in events.iter_mut() {
        if before_cutoff(e.at, now, secs(longest)) {
            e.outdated = true;
        }
    }
    let event = Stamped { at: now, value: change, outdated: false };
    match events.iter().rposition(|e| e.outdated) {
        Some(i) => events[i] = event,
        None => events.push(event),
    }
}

/// A metric's samples: one list of pods per `spec.metrics` entry, in the same order.
pub struct HpaInput<'a> {
    pub spec: &'a HpaSpec,
    /// The target's `spec.replicas` (the scale subresource's).
    pub current: i32,
    pub pods_per_metric: &'a [Vec<PodSample>],
    pub params: &'a HpaParams,
    pub now: SimTime,
}

/// What one sync decided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HpaDecision {
    /// The size to set (equal to `current` when nothing changes).
    pub desired: i32,
    pub rescale: bool,
    /// The SuccessfulRescale reason: `cpu resource utilization (percentage of request)
    /// above target`, `All metrics below target`, ...
    pub reason: String,
    /// Warning events (reason, message), in the order Kubernetes records them.
    pub warnings: Vec<(&'static str, String)>,
    /// What each metric measured (None where it failed).
    pub measured: Vec<Option<Proposal>>,
    /// Why normalisation changed the recommendation (ScalingLimited), when it did.
    pub limited_by: Option<&'static str>,
}

/// The metric's name in the rescale reason, and the reason of its failure event.
fn metric_words(m: &HpaMetric) -> (String, &'static str) {
    match m {
        HpaMetric::Resource { resource, target: ResourceTarget::Utilization(_) } => {
            (format!("{} resource utilization (percentage of request)", resource.name()), "FailedGetResourceMetric")
        }
        HpaMetric::Resource { resource, target: ResourceTarget::AverageValue(_) } => {
            (format!("{} resource", resource.name()), "FailedGetResourceMetric")
        }
        HpaMetric::Pods { name, .. } => (format!("pods metric {name}"), "FailedGetPodsMetric"),
    }
}

/// One metric's proposal, with errors in the controller's words.
fn compute_metric(metric: &HpaMetric, pods: &[PodSample], input: &HpaInput) -> Result<Proposal, (String, String)> {
    let (current, p, now) = (input.current, input.params, input.now);
    match metric {
        HpaMetric::Resource { resource, target } => {
            let cpu = *resource == HpaResource::Cpu;
            let name = resource.name();
            let no_metrics = pods.iter().all(|pod| pod.metric.is_none());
            let result = if no_metrics {
                Err(format!("unable to get metrics for resource {name}: no metrics returned from resource metrics API"))
            } else {
                match target {
                    ResourceTarget::Utilization(t) => resource_replicas(current, *t, pods, cpu, p, now),
                    ResourceTarget::AverageValue(v) => plain_replicas(current, *v, pods, cpu, p, now),
                }
            };
            let what = if matches!(target, ResourceTarget::Utilization(_)) { "utilization" } else { "usage" };
            result.map_err(|e| {
                let event = format!("failed to get {name} {what}: {e}");
                let wrapped = format!("failed to get {name} resource metric value: {event}");
                (event, wrapped)
            })
        }
        HpaMetric::Pods { name, average_milli } => {
            let result = if pods.iter().all(|pod| pod.metric.is_none()) {
                Err(format!("unable to get metric {name}: no metrics returned from custom metrics API"))
            } else {
                plain_replicas(current, *average_milli, pods, false, p, now)
            };
            result.map_err(|e| (e.clone(), format!("failed to get pods metric value: {e}")))
        }
    }
}

/// reconcileAutoscaler: the size the target should have now.
pub fn reconcile(input: &HpaInput, m: &mut HpaMemory) -> HpaDecision {
    let spec = input.spec;
    let current = input.current;
    m.record_initial(current, input.now);
    let min = spec.min_replicas;
    let mut d = HpaDecision {
        desired: current,
        rescale: false,
        reason: String::new(),
        warnings: Vec::new(),
        measured: vec![None; spec.metrics.len()],
        limited_by: None,
    };
    if current == 0 && min != 0 {
        // ScalingDisabled: the target was scaled to zero by hand.
        return d;
    }
    if current > spec.max_replicas {
        d.reason = "Current number of replicas above Spec.MaxReplicas".into();
        d.desired = spec.max_replicas;
    } else if current < min {
        d.reason = "Current number of replicas below Spec.MinReplicas".into();
        d.desired = min;
    } else {
        let mut proposed: Option<(i32, String)> = None;
        let mut invalid: Vec<String> = Vec::new();
        for (i, metric) in spec.metrics.iter().enumerate() {
            let pods = input.pods_per_metric.get(i).map(Vec::as_slice).unwrap_or(&[]);
            let (name, failure) = metric_words(metric);
            match compute_metric(metric, pods, input) {
                Ok(prop) => {
                    d.measured[i] = Some(prop);
                    if proposed.as_ref().is_none_or(|(r, _)| *r == 0 || prop.replicas > *r) {
                        proposed = Some((prop.replicas, name));
                    }
                }
                Err((event, wrapped)) => {
                    d.warnings.push((failure, event));
                    invalid.push(wrapped);
                }
            }
        }
        let replicas = proposed.as_ref().map_or(0, |(r, _)| *r);
        if !invalid.is_empty() && (invalid.len() >= spec.metrics.len() || replicas < current) {
            let message = format!(
                "invalid metrics ({} invalid out of {}), first error is: {}",
                invalid.len(),
                spec.metrics.len(),
                invalid[0]
            );
            d.warnings.push(("FailedComputeMetricsReplicas", message));
            return d;
        }
        let (replicas, metric) = proposed.unwrap_or((0, String::new()));
        let desired = replicas.max(0);
        if desired > current {
            d.reason = format!("{metric} above target");
        } else if desired < current {
            d.reason = "All metrics below target".into();
        }
        let n = if spec.behavior.is_some() {
            normalize_with_behaviors(spec, m, current, desired, min, input.params, input.now)
        } else {
            normalize_legacy(spec, m, current, desired, min, input.params, input.now)
        };
        d.limited_by = (n.limited_by != "DesiredWithinRange").then_some(n.limited_by);
        d.desired = n.replicas;
    }
    d.rescale = d.desired != current;
    if d.rescale {
        store_scale_event(spec, m, current, d.desired, input.now);
    } else {
        d.desired = current;
    }
    d
}

#[cfg(test)]
mod tests;
