//! The HorizontalPodAutoscaler controller (pkg/controller/podautoscaler) as pure decisions:
//! the replica calculator (`replica_calculator.go`: pods grouped into ready, unready,
//! missing and ignored; the usage ratio; the tolerance; the conservative second pass) and
//! the normalisation of `horizontal.go` (min / max replicas, the stabilisation windows, the
//! `behavior` rate policies, or without `behavior` the legacy scale-up limit).
//!
//! The controller keeps, per HPA and in memory only, its recent recommendations and scale
//! events ([`HpaMemory`]), as the real one does; everything else is read from the snapshot
//! the caller builds ([`HpaInput`]).
//!
//! - `mod.rs`: `reconcile` (`reconcileAutoscaler`): each metric's proposal, the largest
//!   one, the controller's words for its events, then the normalisation.
//! - [`replica_calculator`]: the replica calculator.
//! - [`normalize`]: stabilisation and rate limits, and the controller's memory.

pub mod normalize;
pub mod replica_calculator;

use crate::engine::{SimDuration, SimTime};
use crate::model::spec::{HpaMetric, HpaResource, HpaSpec, ResourceTarget};
use normalize::{normalize_legacy, normalize_with_behaviors, store_scale_event};
pub use normalize::{HpaMemory, Normalized};
pub use replica_calculator::{plain_replicas, resource_replicas, PodMetric, PodSample, Proposal};

/// The controller's flags (kube-controller-manager), with Kubernetes' defaults in
/// `ControlPlane`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HpaParams {
    pub tolerance: f64,
    pub cpu_initialization_period: SimDuration,
    pub initial_readiness_delay: SimDuration,
    pub downscale_stabilization: SimDuration,
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
    /// The status conditions this sync set, in the order it set them (a later one of a type
    /// replaces an earlier one); the conditions it did not touch keep their last value.
    pub conditions: Vec<Condition>,
}

/// The status conditions (`AbleToScale`, `ScalingActive`, `ScalingLimited`).
pub use crate::model::store::HpaCondition as Condition;

fn condition(kind: &'static str, status: bool, reason: &'static str, message: impl Into<String>) -> Condition {
    Condition { kind, status, reason, message: message.into() }
}

/// ScalingLimited's message for each reason (convertDesiredReplicasWithRules and
/// convertDesiredReplicasWithBehaviorRate).
fn limited_message(reason: &str) -> &'static str {
    match reason {
        "TooFewReplicas" => "the desired replica count is less than the minimum replica count",
        "TooManyReplicas" => "the desired replica count is more than the maximum replica count",
        "ScaleUpLimit" => "the desired replica count is increasing faster than the maximum scale rate",
        "ScaleDownLimit" => "the desired replica count is decreasing faster than the maximum scale rate",
        _ => "the desired count is within the acceptable range",
    }
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
        conditions: vec![condition(
            "AbleToScale",
            true,
            "SucceededGetScale",
            "the HPA controller was able to get the target's current scale",
        )],
    };
    if current == 0 && min != 0 {
        // The target was scaled to zero by hand.
        d.conditions.push(condition(
            "ScalingActive",
            false,
            "ScalingDisabled",
            "scaling is disabled since the replica count of the target is zero",
        ));
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
        // computeReplicasForMetrics: the first invalid metric's condition.
        let mut first_failure: Option<Condition> = None;
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
                    let message = format!("the HPA was unable to compute the replica count: {event}");
                    first_failure.get_or_insert_with(|| condition("ScalingActive", false, failure, message));
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
            d.conditions.extend(first_failure);
            return d;
        }
        let (replicas, metric) = proposed.unwrap_or((0, String::new()));
        d.conditions.push(condition(
            "ScalingActive",
            true,
            "ValidMetricFound",
            format!("the HPA was able to successfully calculate a replica count from {metric}"),
        ));
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
        let (reason, message) = n.stabilized.unwrap_or(("ReadyForNewScale", "recommended size matches current size"));
        d.conditions.push(condition("AbleToScale", true, reason, message));
        let limited = n.limited_by != "DesiredWithinRange";
        d.conditions.push(condition("ScalingLimited", limited, n.limited_by, limited_message(n.limited_by)));
        d.limited_by = limited.then_some(n.limited_by);
        d.desired = n.replicas;
    }
    d.rescale = d.desired != current;
    if d.rescale {
        let message = format!("the HPA controller was able to update the target scale to {}", d.desired);
        d.conditions.push(condition("AbleToScale", true, "SucceededRescale", message));
        store_scale_event(spec, m, current, d.desired, input.now);
    } else {
        d.desired = current;
    }
    d
}

#[cfg(test)]
mod tests;
