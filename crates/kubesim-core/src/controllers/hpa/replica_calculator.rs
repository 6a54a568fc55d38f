//! The replica calculator (pkg/controller/podautoscaler/replica_calculator.go): the pods
//! grouped into ready, unready, missing and ignored (`groupPods`), the usage ratio against
//! the target, the tolerance, and the conservative second pass that counts unready pods at
//! 0 on a scale-up and missing ones at the target (or 100%) on a scale-down.

use super::HpaParams;
use crate::engine::{SimDuration, SimTime};
use crate::model::store::PodPhase;

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

pub(super) fn ceil(x: f64) -> i32 {
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
