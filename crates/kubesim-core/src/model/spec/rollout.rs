//! Argo Rollouts' `Rollout` (argoproj.io/v1alpha1): a Deployment-shaped workload with a
//! canary or blue-green strategy.

use super::{DeploymentSpec, IntOrPercent};
use crate::engine::SimDuration;

/// An Argo Rollouts `Rollout` (argoproj.io/v1alpha1): a Deployment-shaped workload
/// (`workload`'s strategy is unused) with a canary or blue-green strategy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RolloutSpec {
    pub workload: DeploymentSpec,
    pub strategy: RolloutStrategy,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RolloutStrategy {
    Canary(CanarySpec),
    BlueGreen(BlueGreenSpec),
}

/// `spec.strategy.canary`, with Argo's defaults applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CanarySpec {
    pub steps: Vec<CanaryStep>,
    /// Default 25% / 25% (Argo's defaults.DefaultMaxSurge and DefaultMaxUnavailable).
    pub max_surge: IntOrPercent,
    pub max_unavailable: IntOrPercent,
    pub canary_service: Option<String>,
    pub stable_service: Option<String>,
    /// `trafficRouting.nginx.stableIngress`: weights set on a generated canary Ingress.
    pub stable_ingress: Option<String>,
    /// Seconds the old stable stays scaled up after a traffic-routed promotion (default 30).
    pub scale_down_delay_seconds: i32,
}

/// One canary step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CanaryStep {
    SetWeight(i32),
    /// `pause: {duration: ...}`, or `pause: {}` (None: until promoted). The text is the
    /// duration as written, for events.
    Pause(Option<(SimDuration, String)>),
    SetCanaryScale {
        replicas: Option<i32>,
        weight: Option<i32>,
        match_traffic_weight: bool,
    },
}

/// `spec.strategy.blueGreen`, with Argo's defaults applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlueGreenSpec {
    pub active_service: String,
    pub preview_service: Option<String>,
    /// Default true.
    pub auto_promotion_enabled: bool,
    /// Seconds the new ReplicaSet waits, Ready, before promotion (0: at once).
    pub auto_promotion_seconds: i32,
    /// Default 30.
    pub scale_down_delay_seconds: i32,
}
