//! The HorizontalPodAutoscaler (autoscaling/v2; v1 converted): target, metrics and
//! `behavior`, with Kubernetes' defaults.

use super::Kind;

/// What an HPA scales: a Deployment, StatefulSet or ReplicaSet in the HPA's namespace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScaleTargetRef {
    pub kind: Kind,
    pub name: String,
}

/// A resource an HPA can measure, as metrics-server reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HpaResource {
    Cpu,
    Memory,
}

impl HpaResource {
    pub fn name(self) -> &'static str {
        match self {
            HpaResource::Cpu => "cpu",
            HpaResource::Memory => "memory",
        }
    }
}

/// A `Resource` metric's target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResourceTarget {
    /// `averageUtilization`: percent of the pods' requests.
    Utilization(i32),
    /// `averageValue`, in thousandths (millicores, millibytes) as Kubernetes' MilliValue.
    AverageValue(i64),
}

/// The `Pods` metric names kubesim computes, all the same thing: requests served per
/// second per pod (over metrics-server's window).
pub const REQUEST_RATE_METRICS: &[&str] =
    &["requests_per_second", "requests-per-second", "http_requests_per_second", "http_requests"];

/// One entry of an HPA's `spec.metrics`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HpaMetric {
    Resource {
        resource: HpaResource,
        target: ResourceTarget,
    },
    /// A `Pods` metric kubesim computes from the served requests (requests per second per
    /// pod); `average_milli` is the `averageValue` target in thousandths.
    Pods {
        name: String,
        average_milli: i64,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScalingPolicyType {
    Pods,
    Percent,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScalingPolicy {
    pub kind: ScalingPolicyType,
    pub value: i32,
    pub period_seconds: i32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SelectPolicy {
    Max,
    Min,
    Disabled,
}

/// `behavior.scaleUp` or `behavior.scaleDown`, with Kubernetes' defaults filled in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScalingRules {
    /// None: the controller's `--horizontal-pod-autoscaler-downscale-stabilization` (scale
    /// down only; scale up defaults to 0).
    pub stabilization_window_seconds: Option<i32>,
    pub select_policy: SelectPolicy,
    pub policies: Vec<ScalingPolicy>,
}

impl ScalingRules {
    /// scaleUp's defaults (GenerateHPAScaleUpRules): no stabilisation, the larger of +100%
    /// and +4 pods every 15s.
    pub fn default_scale_up() -> Self {
        ScalingRules {
            stabilization_window_seconds: Some(0),
            select_policy: SelectPolicy::Max,
            policies: vec![
                ScalingPolicy { kind: ScalingPolicyType::Percent, value: 100, period_seconds: 15 },
                ScalingPolicy { kind: ScalingPolicyType::Pods, value: 4, period_seconds: 15 },
            ],
        }
    }

    /// scaleDown's defaults (GenerateHPAScaleDownRules): the controller's window (300s),
    /// up to 100% every 15s.
    pub fn default_scale_down() -> Self {
        ScalingRules {
            stabilization_window_seconds: None,
            select_policy: SelectPolicy::Max,
            policies: vec![ScalingPolicy { kind: ScalingPolicyType::Percent, value: 100, period_seconds: 15 }],
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HpaBehavior {
    pub scale_up: ScalingRules,
    pub scale_down: ScalingRules,
}

/// An autoscaling/v2 HorizontalPodAutoscaler (v1 converted), with defaults applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HpaSpec {
    pub target: ScaleTargetRef,
    /// Default 1.
    pub min_replicas: i32,
    pub max_replicas: i32,
    /// Default: cpu at 80% utilisation.
    pub metrics: Vec<HpaMetric>,
    /// None: the controller's normalisation without behavior (scale up at most to
    /// max(2 x current, 4), scale down after the stabilisation window), as in Kubernetes.
    pub behavior: Option<HpaBehavior>,
}
