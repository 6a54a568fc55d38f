//! HorizontalPodAutoscaler (autoscaling/v2, and autoscaling/v1's
//! `targetCPUUtilizationPercentage`): the API server's defaults and validation
//! (ValidateHorizontalPodAutoscalerSpec) in its words, then what kubesim can measure, with
//! a clear error for what it cannot yet.

use super::checker::Checker;
use super::fields::Ty;
use super::manifest::{strict, Typed};
use super::quantity::parse_quantity;
use super::validate;
use crate::model::spec::{
    HpaBehavior, HpaMetric, HpaResource, HpaSpec, Kind, ObjectSpec, ResourceTarget, ScaleTargetRef, ScalingPolicy,
    ScalingPolicyType, ScalingRules, SelectPolicy, REQUEST_RATE_METRICS,
};
use k8s_openapi::api::autoscaling::{v1, v2};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use serde_yaml::Value;

/// The HPA's CPU target when it gives no metrics (the API server's default).
const DEFAULT_CPU_UTILIZATION: i32 = 80;
/// Scale targets kubesim can scale: kind and apiVersion.
const TARGETS: &[(&str, Kind)] =
    &[("Deployment", Kind::Deployment), ("StatefulSet", Kind::StatefulSet), ("ReplicaSet", Kind::ReplicaSet)];

pub(crate) fn parse(c: &mut Checker, v: &Value) -> Option<Typed> {
    if v.get("apiVersion").and_then(Value::as_str) == Some("autoscaling/v1") {
        return v1_hpa(strict(c, v, Ty::OtherKind)?, c);
    }
    let h: v2::HorizontalPodAutoscaler = strict(c, v, Ty::Hpa)?;
    validate::check_meta(c, &h.metadata, false);
    let Some(s) = h.spec.as_ref() else {
        c.required("spec");
        return None;
    };
    let target =
        target_ref(c, &s.scale_target_ref.kind, &s.scale_target_ref.name, s.scale_target_ref.api_version.as_deref());
    let min_replicas = replicas(c, s.min_replicas, s.max_replicas);
    let metrics = match s.metrics.as_deref() {
        None | Some([]) => vec![default_cpu(DEFAULT_CPU_UTILIZATION)],
        Some(list) => list.iter().enumerate().filter_map(|(i, m)| metric(c, i, m)).collect(),
    };
    let behavior = s.behavior.as_ref().map(|b| HpaBehavior {
        scale_up: rules(c, "scaleUp", b.scale_up.as_ref(), ScalingRules::default_scale_up()),
        scale_down: rules(c, "scaleDown", b.scale_down.as_ref(), ScalingRules::default_scale_down()),
    });
    let spec = HpaSpec { target: target?, min_replicas, max_replicas: s.max_replicas, metrics, behavior };
    Some((ObjectSpec::HorizontalPodAutoscaler { spec }, h.metadata, 0))
}

/// autoscaling/v1: one CPU target, `targetCPUUtilizationPercentage` (default 80).
fn v1_hpa(h: v1::HorizontalPodAutoscaler, c: &mut Checker) -> Option<Typed> {
    validate::check_meta(c, &h.metadata, false);
    let Some(s) = h.spec.as_ref() else {
        c.required("spec");
        return None;
    };
    let r = &s.scale_target_ref;
    let target = target_ref(c, &r.kind, &r.name, r.api_version.as_deref());
    let min_replicas = replicas(c, s.min_replicas, s.max_replicas);
    let percent = s.target_cpu_utilization_percentage.unwrap_or(DEFAULT_CPU_UTILIZATION);
    if percent < 1 {
        c.invalid("spec.targetCPUUtilizationPercentage", percent, "must be greater than 0");
    }
    let spec = HpaSpec {
        target: target?,
        min_replicas,
        max_replicas: s.max_replicas,
        metrics: vec![default_cpu(percent)],
        behavior: None,
    };
    Some((ObjectSpec::HorizontalPodAutoscaler { spec }, h.metadata, 0))
}

fn default_cpu(percent: i32) -> HpaMetric {
    HpaMetric::Resource { resource: HpaResource::Cpu, target: ResourceTarget::Utilization(percent) }
}

/// minReplicas (default 1) and maxReplicas.
fn replicas(c: &mut Checker, min: Option<i32>, max: i32) -> i32 {
    let min_replicas = min.unwrap_or(1);
    if min_replicas < 1 {
        c.invalid("spec.minReplicas", min_replicas, "must be greater than or equal to 1");
    }
    if max < 1 {
        c.invalid("spec.maxReplicas", max, "must be greater than 0");
    } else if max < min_replicas {
        c.invalid("spec.maxReplicas", max, "must be greater than or equal to `minReplicas`");
    }
    if i64::from(max) > validate::MAX_REPLICAS {
        let msg = format!("{max} is more than kubesim's limit of {} replicas per workload", validate::MAX_REPLICAS);
        c.field("spec.maxReplicas", msg);
    }
    min_replicas
}

fn target_ref(c: &mut Checker, kind: &str, name: &str, api: Option<&str>) -> Option<ScaleTargetRef> {
    if name.is_empty() {
        c.field("spec.scaleTargetRef.name", "Required value");
    }
    if kind.is_empty() {
        c.field("spec.scaleTargetRef.kind", "Required value");
        return None;
    }
    let Some((_, k)) = TARGETS.iter().find(|(n, _)| *n == kind) else {
        let help = super::suggest::did_you_mean(kind, TARGETS.iter().map(|(n, _)| *n));
        let msg = format!(
            "Unsupported value: \"{kind}\": kubesim does not scale this kind yet; supported values: \"Deployment\", \"StatefulSet\", \"ReplicaSet\""
        );
        c.field_help("spec.scaleTargetRef.kind", msg, help);
        return None;
    };
    if let Some(api) = api.filter(|a| *a != "apps/v1") {
        c.unsupported("spec.scaleTargetRef.apiVersion", api, &["apps/v1"]);
    }
    Some(ScaleTargetRef { kind: *k, name: name.to_string() })
}

/// A quantity target in thousandths (MilliValue), greater than 0.
fn milli(c: &mut Checker, path: &str, q: Option<&Quantity>) -> Option<i64> {
    let Some(q) = q else {
        c.field(path, "Required value: must set either a target value or averageValue");
        return None;
    };
    match parse_quantity(&q.0) {
        Ok(v) if v.nanos <= 0 => {
            c.invalid(path, format!("\"{}\"", q.0), "must be positive");
            None
        }
        Ok(v) => i64::try_from(v.millis_ceil()).ok().or_else(|| {
            c.invalid(path, format!("\"{}\"", q.0), "is too large");
            None
        }),
        Err(e) => {
            c.field_help(path, e, Some("expected a quantity like 500m, 10 or 1Gi".into()));
            None
        }
    }
}

fn metric(c: &mut Checker, i: usize, m: &v2::MetricSpec) -> Option<HpaMetric> {
    let base = format!("spec.metrics[{i}]");
    match m.type_.as_str() {
        "Resource" => {
            let Some(r) = m.resource.as_ref() else {
                c.field(
                    &format!("{base}.resource"),
                    "Required value: must populate information for the given metric source",
                );
                return None;
            };
            let resource = match r.name.as_str() {
                "cpu" => HpaResource::Cpu,
                "memory" => HpaResource::Memory,
                other => {
                    c.unsupported(&format!("{base}.resource.name"), other, &["cpu", "memory"]);
                    return None;
                }
            };
            let path = format!("{base}.resource.target");
            let t = &r.target;
            let target = match t.type_.as_str() {
                "Utilization" => match t.average_utilization {
                    Some(u) if u >= 1 => ResourceTarget::Utilization(u),
                    Some(u) => {
                        c.invalid(&format!("{path}.averageUtilization"), u, "must be greater than 0");
                        return None;
                    }
                    None => {
                        c.field(
                            &format!("{path}.averageUtilization"),
                            "Required value: must set averageUtilization when type is Utilization",
                        );
                        return None;
                    }
                },
                "AverageValue" => {
                    ResourceTarget::AverageValue(milli(c, &format!("{path}.averageValue"), t.average_value.as_ref())?)
                }
                other => {
                    c.unsupported(&format!("{path}.type"), other, &["AverageValue", "Utilization"]);
                    return None;
                }
            };
            Some(HpaMetric::Resource { resource, target })
        }
        "Pods" => {
            let Some(p) = m.pods.as_ref() else {
                c.field(
                    &format!("{base}.pods"),
                    "Required value: must populate information for the given metric source",
                );
                return None;
            };
            let name = p.metric.name.as_str();
            if !REQUEST_RATE_METRICS.contains(&name) {
                let help = super::suggest::did_you_mean(name, REQUEST_RATE_METRICS.iter().copied());
                let msg = format!(
                    "Unsupported value: \"{name}\": kubesim computes only the request rate per pod, named one of {}",
                    REQUEST_RATE_METRICS.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", ")
                );
                c.field_help(&format!("{base}.pods.metric.name"), msg, help);
                return None;
            }
            if p.metric.selector.is_some() {
                c.field(
                    &format!("{base}.pods.metric.selector"),
                    "not supported by kubesim yet: the request rate has no labels to select by",
                );
                return None;
            }
            if p.target.type_ != "AverageValue" {
                c.unsupported(&format!("{base}.pods.target.type"), &p.target.type_, &["AverageValue"]);
                return None;
            }
            let average_milli = milli(c, &format!("{base}.pods.target.averageValue"), p.target.average_value.as_ref())?;
            Some(HpaMetric::Pods { name: name.to_string(), average_milli })
        }
        other @ ("Object" | "External" | "ContainerResource") => {
            let msg = format!("Unsupported value: \"{other}\": not supported by kubesim yet; supported values: \"Resource\", \"Pods\"");
            c.field(&format!("{base}.type"), msg);
            None
        }
        other => {
            c.unsupported(
                &format!("{base}.type"),
                other,
                &["ContainerResource", "External", "Object", "Pods", "Resource"],
            );
            None
        }
    }
}

/// One direction's rules, with GenerateHPAScale{Up,Down}Rules' defaults for what is unset.
fn rules(c: &mut Checker, dir: &str, r: Option<&v2::HPAScalingRules>, default: ScalingRules) -> ScalingRules {
    let Some(r) = r else { return default };
    let base = format!("spec.behavior.{dir}");
    let mut out = default;
    if let Some(w) = r.stabilization_window_seconds {
        if !(0..=3600).contains(&w) {
            c.invalid(
                &format!("{base}.stabilizationWindowSeconds"),
                w,
                "must be less than or equal to 3600 and greater than or equal to 0",
            );
        }
        out.stabilization_window_seconds = Some(w);
    }
    if let Some(s) = r.select_policy.as_deref() {
        out.select_policy = match s {
            "Max" => SelectPolicy::Max,
            "Min" => SelectPolicy::Min,
            "Disabled" => SelectPolicy::Disabled,
            other => {
                c.unsupported(&format!("{base}.selectPolicy"), other, &["Disabled", "Max", "Min"]);
                SelectPolicy::Max
            }
        };
    }
    if r.tolerance.is_some() {
        let path = super::positions::YPath::parse(&format!("{base}.tolerance")).unwrap_or_default();
        let msg = format!(
            "{}: fields accepted but not simulated: {base}.tolerance (alpha, HPAConfigurableTolerance)",
            c.label
        );
        c.report.push(c.loc.warning(&path, super::positions::Anchor::Key, msg));
    }
    if let Some(policies) = r.policies.as_ref() {
        if policies.is_empty() {
            c.field(&format!("{base}.policies"), "Required value: must specify at least one Policy");
        }
        out.policies =
            policies.iter().enumerate().filter_map(|(i, p)| policy(c, &format!("{base}.policies[{i}]"), p)).collect();
    }
    out
}

fn policy(c: &mut Checker, path: &str, p: &v2::HPAScalingPolicy) -> Option<ScalingPolicy> {
    let kind = match p.type_.as_str() {
        "Pods" => ScalingPolicyType::Pods,
        "Percent" => ScalingPolicyType::Percent,
        other => {
            c.unsupported(&format!("{path}.type"), other, &["Percent", "Pods"]);
            return None;
        }
    };
    if p.value <= 0 {
        c.invalid(&format!("{path}.value"), p.value, "must be greater than zero");
    }
    if p.period_seconds <= 0 {
        c.invalid(&format!("{path}.periodSeconds"), p.period_seconds, "must be greater than zero");
    } else if p.period_seconds > 1800 {
        c.invalid(&format!("{path}.periodSeconds"), p.period_seconds, "must be less than or equal to 1800");
    }
    Some(ScalingPolicy { kind, value: p.value, period_seconds: p.period_seconds })
}
