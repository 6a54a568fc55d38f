//! Argo Rollouts' `Rollout` (argoproj.io/v1alpha1), which k8s-openapi does not have: read
//! with the serde structs of [`argo`] (unknown fields found by `serde_ignored`, as for the
//! typed kinds, each placed at its file:line:col), checked as Argo's validation does
//! (pkg/apis/rollouts/validation), then refused: kubesim does not simulate Rollouts yet, and
//! says so with an exit-2 error rather than running a scenario without them.

use super::checker::Checker;
use super::fields::Ty;
use super::manifest::{strict, Typed};
use super::positions::{Anchor, YPath};
use super::{convert, validate};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde_yaml::Value;

/// The Rollout's schema (github.com/argoproj/argo-rollouts pkg/apis/rollouts/v1alpha1
/// types.go), the parts kubesim reads by name; the rest are accepted as any value.
pub(crate) mod argo {
    use k8s_openapi::api::core::v1::PodTemplateSpec;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
    use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
    use serde::Deserialize;
    use serde_yaml::Value;

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    #[allow(dead_code)]
    pub(crate) struct Rollout {
        pub api_version: Option<String>,
        pub kind: Option<String>,
        #[serde(default)]
        pub metadata: ObjectMeta,
        pub spec: Option<RolloutSpec>,
        pub status: Option<Value>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    #[allow(dead_code)]
    pub(crate) struct RolloutSpec {
        pub replicas: Option<i32>,
        pub selector: Option<LabelSelector>,
        pub template: Option<PodTemplateSpec>,
        pub workload_ref: Option<Value>,
        pub min_ready_seconds: Option<i32>,
        pub revision_history_limit: Option<i32>,
        pub paused: Option<bool>,
        pub progress_deadline_seconds: Option<i32>,
        pub progress_deadline_abort: Option<bool>,
        pub restart_at: Option<String>,
        pub rollback_window: Option<Value>,
        pub analysis: Option<Value>,
        pub strategy: Option<Strategy>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub(crate) struct Strategy {
        pub canary: Option<Canary>,
        pub blue_green: Option<BlueGreen>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    #[allow(dead_code)]
    pub(crate) struct Canary {
        pub canary_service: Option<String>,
        pub stable_service: Option<String>,
        pub steps: Option<Vec<Step>>,
        pub traffic_routing: Option<TrafficRouting>,
        pub max_surge: Option<IntOrString>,
        pub max_unavailable: Option<IntOrString>,
        pub analysis: Option<Value>,
        pub anti_affinity: Option<Value>,
        pub canary_metadata: Option<Value>,
        pub stable_metadata: Option<Value>,
        pub scale_down_delay_seconds: Option<i32>,
        pub scale_down_delay_revision_limit: Option<i32>,
        pub abort_scale_down_delay_seconds: Option<i32>,
        pub dynamic_stable_scale: Option<bool>,
        pub ping_pong: Option<Value>,
        pub min_pods_per_replica_set: Option<i32>,
        pub replica_progress_threshold: Option<Value>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    #[allow(dead_code)]
    pub(crate) struct Step {
        pub set_weight: Option<i32>,
        pub pause: Option<Pause>,
        pub set_canary_scale: Option<SetCanaryScale>,
        pub analysis: Option<Value>,
        pub experiment: Option<Value>,
        pub set_header_route: Option<Value>,
        pub set_mirror_route: Option<Value>,
        pub plugin: Option<Value>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub(crate) struct Pause {
        pub duration: Option<IntOrString>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    #[allow(dead_code)]
    pub(crate) struct SetCanaryScale {
        pub weight: Option<i32>,
        pub replicas: Option<i32>,
        pub match_traffic_weight: Option<bool>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    #[allow(dead_code)]
    pub(crate) struct TrafficRouting {
        pub nginx: Option<Nginx>,
        pub istio: Option<Value>,
        pub smi: Option<Value>,
        pub alb: Option<Value>,
        pub ambassador: Option<Value>,
        pub apisix: Option<Value>,
        pub traefik: Option<Value>,
        pub app_mesh: Option<Value>,
        pub plugins: Option<Value>,
        pub managed_routes: Option<Value>,
        pub max_traffic_weight: Option<i32>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    #[allow(dead_code)]
    pub(crate) struct Nginx {
        pub stable_ingress: Option<String>,
        pub stable_ingresses: Option<Vec<String>>,
        pub annotation_prefix: Option<String>,
        pub additional_ingress_annotations: Option<Value>,
        pub canary_ingress_annotations: Option<Value>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    #[allow(dead_code)]
    pub(crate) struct BlueGreen {
        pub active_service: Option<String>,
        pub preview_service: Option<String>,
        pub auto_promotion_enabled: Option<bool>,
        pub auto_promotion_seconds: Option<i32>,
        pub scale_down_delay_seconds: Option<i32>,
        pub scale_down_delay_revision_limit: Option<i32>,
        pub preview_replica_count: Option<i32>,
        pub max_unavailable: Option<IntOrString>,
        pub pre_promotion_analysis: Option<Value>,
        pub post_promotion_analysis: Option<Value>,
        pub anti_affinity: Option<Value>,
        pub preview_metadata: Option<Value>,
        pub active_metadata: Option<Value>,
        pub abort_scale_down_delay_seconds: Option<i32>,
    }
}

/// Reads and checks a Rollout, then refuses it (not simulated yet).
pub(crate) fn parse(c: &mut Checker, v: &Value) -> Option<Typed> {
    let r: argo::Rollout = strict(c, v, Ty::OtherKind)?;
    validate::check_meta(c, &r.metadata, false);
    let Some(s) = r.spec.as_ref() else {
        c.required("spec");
        return None;
    };
    validate::check_replicas(c, s.replicas);
    if s.workload_ref.is_some() {
        c.field("spec.workloadRef", "not supported by kubesim yet: give the pod template in spec.template");
    } else {
        let template = convert::template(c, s.template.as_ref());
        match s.selector.as_ref() {
            Some(sel) => validate::check_selector(c, sel, Some(&template.labels), "rollout"),
            None => c.field("spec.selector", "Required value"),
        }
    }
    match s.strategy.as_ref().map(|s| (s.canary.as_ref(), s.blue_green.as_ref())) {
        Some((Some(canary), None)) => check_canary(c, canary),
        Some((None, Some(bg))) => {
            if bg.active_service.as_deref().unwrap_or("").is_empty() {
                c.field(
                    "spec.strategy.blueGreen.activeService",
                    "Required value: the Service that receives the stable traffic",
                );
            }
            if bg.active_service.is_some() && bg.active_service == bg.preview_service {
                c.field(
                    "spec.strategy.blueGreen.previewService",
                    "Invalid value: preview service and active service must be different",
                );
            }
        }
        _ => c.field(
            "spec.strategy",
            "Invalid value: either a blueGreen or a canary strategy must be specified, and only one",
        ),
    }
    if c.errors > 0 {
        return None;
    }
    let msg = format!(
        "{}: Rollout (argoproj.io/v1alpha1) was read and checked, but kubesim does not simulate Rollouts yet",
        c.label
    );
    let help = "for now, express the canary with two Deployments behind an ingress-nginx canary Ingress (see scenarios/canary-ingress.yaml)";
    c.at(&YPath::root().key("kind"), Anchor::Value, msg, Some(help.into()));
    None
}

fn check_canary(c: &mut Checker, canary: &argo::Canary) {
    for (i, step) in canary.steps.iter().flatten().enumerate() {
        let path = format!("spec.strategy.canary.steps[{i}]");
        let actions = [
            step.set_weight.is_some(),
            step.pause.is_some(),
            step.set_canary_scale.is_some(),
            step.analysis.is_some(),
            step.experiment.is_some(),
            step.set_header_route.is_some(),
            step.set_mirror_route.is_some(),
            step.plugin.is_some(),
        ];
        if actions.iter().filter(|a| **a).count() != 1 {
            c.field(&path, "Invalid value: step must have one of the following set: experiment, setWeight, setCanaryScale, pause, analysis, setHeaderRoute, setMirrorRoute or plugin");
            continue;
        }
        if let Some(w) = step.set_weight.filter(|w| !(0..=100).contains(w)) {
            c.invalid(&format!("{path}.setWeight"), w, "SetWeight needs to be between 0 and 100");
        }
        if let Some(d) = step.pause.as_ref().and_then(|p| p.duration.as_ref()) {
            let ok = match d {
                IntOrString::Int(n) => *n >= 0,
                IntOrString::String(s) => s.parse::<u64>().is_ok() || super::duration::parse_duration(s).is_ok(),
            };
            if !ok {
                c.field(
                    &format!("{path}.pause.duration"),
                    "Invalid value: a pause duration is seconds (30) or a duration like 30s, 5m or 1h",
                );
            }
        }
    }
    let nginx = canary.traffic_routing.as_ref().and_then(|t| t.nginx.as_ref());
    if nginx.is_some() && (canary.canary_service.is_none() || canary.stable_service.is_none()) {
        c.field(
            "spec.strategy.canary.trafficRouting",
            "Invalid value: canary service and stable service must be set with trafficRouting",
        );
    }
}
