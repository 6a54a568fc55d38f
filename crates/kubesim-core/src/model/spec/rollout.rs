//! Argo Rollouts' `Rollout` (argoproj.io/v1alpha1): a Deployment-shaped workload with a
//! canary or blue-green strategy.

use super::{DeploymentSpec, IntOrPercent, RolloutAnalysis};
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
#[derive(Clone, PartialEq, Eq)]
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
    /// `analysis`: the background analysis run during an update.
    pub analysis: Option<RolloutAnalysis>,
}

/// As derived, with `analysis` printed only when set (the sweep's content hash is taken
/// over this text: a Rollout without analysis keeps its hash).
impl std::fmt::Debug for CanarySpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("CanarySpec");
        d.field("steps", &self.steps)
            .field("max_surge", &self.max_surge)
            .field("max_unavailable", &self.max_unavailable)
            .field("canary_service", &self.canary_service)
            .field("stable_service", &self.stable_service)
            .field("stable_ingress", &self.stable_ingress)
            .field("scale_down_delay_seconds", &self.scale_down_delay_seconds);
        if self.analysis.is_some() {
            d.field("analysis", &self.analysis);
        }
        d.finish()
    }
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
    /// `analysis: {templates: [...], args: [...]}`: the step completes when its run succeeds.
    Analysis(RolloutAnalysis),
}

/// `spec.strategy.blueGreen`, with Argo's defaults applied.
#[derive(Clone, PartialEq, Eq)]
pub struct BlueGreenSpec {
    pub active_service: String,
    pub preview_service: Option<String>,
    /// Default true.
    pub auto_promotion_enabled: bool,
    /// Seconds the new ReplicaSet waits, Ready, before promotion (0: at once).
    pub auto_promotion_seconds: i32,
    /// Default 30.
    pub scale_down_delay_seconds: i32,
    /// Whether `scaleDownDelaySeconds` was given: without it, older ReplicaSets wait for a
    /// post-promotion analysis to succeed (`scaleDownOldReplicaSetsForBlueGreen`).
    pub scale_down_delay_given: bool,
    /// `prePromotionAnalysis`: must succeed before the active Service switches.
    pub pre_promotion_analysis: Option<RolloutAnalysis>,
    /// `postPromotionAnalysis`: must succeed, after the switch, before the new ReplicaSet
    /// becomes stable and the previous one is scaled down.
    pub post_promotion_analysis: Option<RolloutAnalysis>,
}

/// Written by hand so that a spec without analysis prints (and hashes, for sweeps) as it
/// did before blue-green analysis existed.
impl std::fmt::Debug for BlueGreenSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("BlueGreenSpec");
        d.field("active_service", &self.active_service)
            .field("preview_service", &self.preview_service)
            .field("auto_promotion_enabled", &self.auto_promotion_enabled)
            .field("auto_promotion_seconds", &self.auto_promotion_seconds)
            .field("scale_down_delay_seconds", &self.scale_down_delay_seconds);
        if self.pre_promotion_analysis.is_some() {
            d.field("pre_promotion_analysis", &self.pre_promotion_analysis);
        }
        if self.post_promotion_analysis.is_some() {
            d.field("scale_down_delay_given", &self.scale_down_delay_given);
            d.field("post_promotion_analysis", &self.post_promotion_analysis);
        }
        d.finish()
    }
}
