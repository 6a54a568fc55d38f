//! Argo Rollouts' `Rollout` (argoproj.io/v1alpha1), which k8s-openapi does not have: read
//! with the serde structs of [`argo`] (unknown fields found by `serde_ignored`, as for the
//! typed kinds, each placed at its file:line:col), checked as Argo's validation does
//! (pkg/apis/rollouts/validation), and converted to a [`RolloutSpec`]. What kubesim does not
//! simulate (experiments, traffic routers other than ingress-nginx, anti-affinity,
//! ephemeral metadata, ...) is refused with an exit-2 error at its place, never ignored.

use super::checker::Checker;
use super::convert::Ip;
use super::fields::Ty;
use super::manifest::{strict, Typed};
use super::positions::{Anchor, YPath};
use super::{convert, validate};
use crate::engine::SimDuration;
use crate::model::spec::{
    AnalysisTemplateRef, ArgValue, BlueGreenSpec, CanarySpec, CanaryStep, DeploymentSpec, DeploymentStrategy,
    ObjectSpec, RolloutAnalysis, RolloutSpec, RolloutStrategy,
};
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
        pub analysis: Option<Analysis>,
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
        pub analysis: Option<Analysis>,
        pub experiment: Option<Value>,
        pub set_header_route: Option<Value>,
        pub set_mirror_route: Option<Value>,
        pub plugin: Option<Value>,
    }

    /// `RolloutAnalysis` (with `startingStep` for the background analysis).
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub(crate) struct Analysis {
        pub templates: Option<Vec<TemplateRef>>,
        pub args: Option<Vec<AnalysisArg>>,
        pub starting_step: Option<i32>,
        pub dry_run: Option<Value>,
        pub measurement_retention: Option<Value>,
        pub analysis_run_metadata: Option<Value>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub(crate) struct TemplateRef {
        pub template_name: Option<String>,
        pub cluster_scope: Option<bool>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub(crate) struct AnalysisArg {
        pub name: Option<String>,
        pub value: Option<String>,
        pub value_from: Option<ArgValueFrom>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub(crate) struct ArgValueFrom {
        pub pod_template_hash_value: Option<String>,
        pub field_ref: Option<Value>,
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
        pub pre_promotion_analysis: Option<Analysis>,
        pub post_promotion_analysis: Option<Analysis>,
        pub anti_affinity: Option<Value>,
        pub preview_metadata: Option<Value>,
        pub active_metadata: Option<Value>,
        pub abort_scale_down_delay_seconds: Option<i32>,
    }
}

/// Reads, checks and converts a Rollout.
pub(crate) fn parse(c: &mut Checker, v: &Value) -> Option<Typed> {
    let r: argo::Rollout = strict(c, v, Ty::OtherKind)?;
    validate::check_meta(c, &r.metadata, false);
    let Some(s) = r.spec.as_ref() else {
        c.required("spec");
        return None;
    };
    validate::check_replicas(c, s.replicas);
    c.nonnegative("spec.minReadySeconds", s.min_ready_seconds.map(i64::from));
    c.nonnegative("spec.revisionHistoryLimit", s.revision_history_limit.map(i64::from));
    c.nonnegative("spec.progressDeadlineSeconds", s.progress_deadline_seconds.map(i64::from));
    refuse_spec_fields(c, s);
    let mut template = None;
    if s.workload_ref.is_some() {
        not_simulated(c, "spec.workloadRef", "give the pod template in spec.template");
    } else {
        let t = convert::template(c, s.template.as_ref());
        match s.selector.as_ref() {
            Some(sel) => validate::check_selector(c, sel, Some(&t.labels), "rollout"),
            None => c.field("spec.selector", "Required value"),
        }
        template = Some(t);
    }
    let strategy = match s.strategy.as_ref().map(|s| (s.canary.as_ref(), s.blue_green.as_ref())) {
        Some((Some(canary), None)) => canary_spec(c, canary).map(RolloutStrategy::Canary),
        Some((None, Some(bg))) => blue_green_spec(c, bg).map(RolloutStrategy::BlueGreen),
        _ => {
            c.field(
                "spec.strategy",
                "Invalid value: either a blueGreen or a canary strategy must be specified, and only one",
            );
            None
        }
    };
    if c.errors > 0 {
        return None;
    }
    let (template, strategy, selector) = (template?, strategy?, s.selector.as_ref()?);
    let replicas = s.replicas.unwrap_or(1);
    let workload = DeploymentSpec {
        replicas,
        selector: convert::selector(selector),
        template,
        // Unused: the Rollout's own strategy decides.
        strategy: DeploymentStrategy::RollingUpdate { max_surge: Ip::Percent(25), max_unavailable: Ip::Percent(25) },
        min_ready_seconds: s.min_ready_seconds.unwrap_or(0),
        revision_history_limit: s.revision_history_limit.unwrap_or(10),
        progress_deadline_seconds: s.progress_deadline_seconds.unwrap_or(600),
        paused: false,
    };
    let labels = r.metadata.labels.clone().unwrap_or_default();
    let pods = u64::try_from(replicas).unwrap_or(0);
    Some((ObjectSpec::Rollout { labels, spec: RolloutSpec { workload, strategy } }, r.metadata, pods))
}

/// `path: not simulated by kubesim`, an error: a Rollout that relies on it would behave
/// differently than kubesim can show.
fn not_simulated(c: &mut Checker, path: &str, help: &str) {
    c.field_help(path, "not simulated by kubesim (Argo Rollouts support covers canary steps setWeight, pause, setCanaryScale and analysis, background analysis, trafficRouting.nginx.stableIngress, and blue-green services, promotion and pre/post-promotion analysis)", Some(help.to_string()));
}

fn refuse_spec_fields(c: &mut Checker, s: &argo::RolloutSpec) {
    let remove = "remove it to simulate the rest of the Rollout";
    let given = [
        ("spec.analysis", s.analysis.is_some()),
        ("spec.rollbackWindow", s.rollback_window.is_some()),
        ("spec.restartAt", s.restart_at.is_some()),
        ("spec.paused", s.paused == Some(true)),
        ("spec.progressDeadlineAbort", s.progress_deadline_abort == Some(true)),
    ];
    for (path, present) in given {
        if present {
            not_simulated(c, path, remove);
        }
    }
    let unmodelled: Vec<&str> = [
        ("spec.revisionHistoryLimit", s.revision_history_limit.is_some()),
        ("spec.progressDeadlineSeconds", s.progress_deadline_seconds.is_some()),
    ]
    .iter()
    .filter(|(_, present)| *present)
    .map(|(p, _)| *p)
    .collect();
    if !unmodelled.is_empty() {
        let msg = format!("{}: fields accepted but not simulated: {}", c.label, unmodelled.join(", "));
        c.report.push(c.loc.warning(&YPath::root().key("kind"), Anchor::Key, msg));
    }
}

/// A pause duration: seconds (`30`, `"30"`) or a duration (`30s`, `5m`, `1h`).
fn pause_duration(d: &IntOrString) -> Option<(SimDuration, String)> {
    match d {
        IntOrString::Int(n) => u64::try_from(*n).ok().map(|n| (SimDuration::from_secs(n), n.to_string())),
        IntOrString::String(s) => match s.parse::<u64>() {
            Ok(n) => Some((SimDuration::from_secs(n), s.clone())),
            Err(_) => super::duration::parse_duration(s).ok().map(|d| (d, s.clone())),
        },
    }
}

fn canary_spec(c: &mut Checker, canary: &argo::Canary) -> Option<CanarySpec> {
    let base = "spec.strategy.canary";
    let remove = "remove it to simulate the rest of the Rollout";
    let given = [
        ("antiAffinity", canary.anti_affinity.is_some()),
        ("canaryMetadata", canary.canary_metadata.is_some()),
        ("stableMetadata", canary.stable_metadata.is_some()),
        ("scaleDownDelayRevisionLimit", canary.scale_down_delay_revision_limit.is_some()),
        ("abortScaleDownDelaySeconds", canary.abort_scale_down_delay_seconds.is_some()),
        ("dynamicStableScale", canary.dynamic_stable_scale == Some(true)),
        ("pingPong", canary.ping_pong.is_some()),
        ("minPodsPerReplicaSet", canary.min_pods_per_replica_set.is_some()),
        ("replicaProgressThreshold", canary.replica_progress_threshold.is_some()),
    ];
    for (field, present) in given {
        if present {
            not_simulated(c, &format!("{base}.{field}"), remove);
        }
    }
    let mut steps = Vec::new();
    for (i, step) in canary.steps.iter().flatten().enumerate() {
        if let Some(s) = canary_step(c, &format!("{base}.steps[{i}]"), step) {
            steps.push(s);
        }
    }
    let analysis = match canary.analysis.as_ref() {
        Some(a) => Some(rollout_analysis(c, &format!("{base}.analysis"), a, true)?),
        None => None,
    };
    let stable_ingress = traffic_routing(c, canary);
    let routed = canary.traffic_routing.is_some();
    if routed && (canary.canary_service.is_none() || canary.stable_service.is_none()) {
        c.field(
            &format!("{base}.trafficRouting"),
            "Invalid value: canary service and stable service must be set with trafficRouting",
        );
    }
    if canary.canary_service.is_some() && canary.canary_service == canary.stable_service {
        c.field(
            &format!("{base}.stableService"),
            "Invalid value: This rollout uses the same service for the stable and canary services, but two different services are required.",
        );
    }
    if !routed {
        if steps.iter().any(|s| matches!(s, CanaryStep::SetCanaryScale { .. })) {
            c.field(&format!("{base}.steps"), "Invalid value: SetCanaryScale requires TrafficRouting to be set");
        }
        if canary.scale_down_delay_seconds.is_some() {
            c.field(
                &format!("{base}.scaleDownDelaySeconds"),
                "Invalid value: Canary scaleDownDelaySeconds can only be used with traffic routing",
            );
        }
    }
    c.nonnegative(&format!("{base}.scaleDownDelaySeconds"), canary.scale_down_delay_seconds.map(i64::from));
    let surge = surge_or_unavailable(c, &format!("{base}.maxSurge"), canary.max_surge.as_ref());
    let unavailable = surge_or_unavailable(c, &format!("{base}.maxUnavailable"), canary.max_unavailable.as_ref());
    let zero = |v: &Option<Ip>| matches!(v, Some(Ip::Int(0) | Ip::Percent(0)));
    if zero(&surge) && zero(&unavailable) {
        c.invalid(&format!("{base}.maxUnavailable"), 0, "MaxSurge and MaxUnavailable both can not be zero");
    }
    Some(CanarySpec {
        steps,
        max_surge: surge?,
        max_unavailable: unavailable?,
        canary_service: canary.canary_service.clone(),
        stable_service: canary.stable_service.clone(),
        stable_ingress,
        scale_down_delay_seconds: canary.scale_down_delay_seconds.unwrap_or(30).max(0),
        analysis,
    })
}

/// A Rollout's `analysis` (a step's, or the background one with `startingStep`):
/// templates by name (`clusterScope` for ClusterAnalysisTemplates), args with a value or
/// `valueFrom.podTemplateHashValue` (Latest, Stable).
fn rollout_analysis(c: &mut Checker, path: &str, a: &argo::Analysis, background: bool) -> Option<RolloutAnalysis> {
    let remove = "remove it to simulate the rest of the analysis";
    for (field, present) in [
        ("dryRun", a.dry_run.is_some()),
        ("measurementRetention", a.measurement_retention.is_some()),
        ("analysisRunMetadata", a.analysis_run_metadata.is_some()),
        ("startingStep", a.starting_step.is_some() && !background),
    ] {
        if present {
            not_simulated(c, &format!("{path}.{field}"), remove);
        }
    }
    let mut templates = Vec::new();
    for (i, t) in a.templates.iter().flatten().enumerate() {
        match t.template_name.clone().filter(|n| !n.is_empty()) {
            Some(name) => templates.push(AnalysisTemplateRef { name, cluster_scope: t.cluster_scope == Some(true) }),
            None => c.required(&format!("{path}.templates[{i}].templateName")),
        }
    }
    if templates.is_empty() {
        c.field(&format!("{path}.templates"), "Required value: at least one template");
    }
    let mut args = Vec::new();
    for (i, arg) in a.args.iter().flatten().enumerate() {
        let at = format!("{path}.args[{i}]");
        let Some(name) = arg.name.clone().filter(|n| !n.is_empty()) else {
            c.required(&format!("{at}.name"));
            continue;
        };
        let value = match (arg.value.as_ref(), arg.value_from.as_ref()) {
            (Some(v), None) => ArgValue::Value(v.clone()),
            (None, Some(from)) => {
                if from.field_ref.is_some() {
                    not_simulated(c, &format!("{at}.valueFrom.fieldRef"), "give the value in `value`");
                    continue;
                }
                match from.pod_template_hash_value.as_deref() {
                    Some("Latest") => ArgValue::PodTemplateHash { latest: true },
                    Some("Stable") => ArgValue::PodTemplateHash { latest: false },
                    Some(other) => {
                        c.unsupported(&format!("{at}.valueFrom.podTemplateHashValue"), other, &["Latest", "Stable"]);
                        continue;
                    }
                    None => {
                        c.required(&format!("{at}.valueFrom.podTemplateHashValue"));
                        continue;
                    }
                }
            }
            _ => {
                c.field(&at, "Invalid value: give one of value or valueFrom");
                continue;
            }
        };
        args.push((name, value));
    }
    let starting_step = a.starting_step.map(|s| usize::try_from(s.max(0)).unwrap_or(0));
    Some(RolloutAnalysis { templates, args, starting_step })
}

/// maxSurge / maxUnavailable, default 25%; a percentage above 100 is invalid.
fn surge_or_unavailable(c: &mut Checker, path: &str, v: Option<&IntOrString>) -> Option<Ip> {
    let ip = match v {
        Some(v) => validate::int_or_percent(c, path, v)?,
        None => Ip::Percent(25),
    };
    if let Ip::Percent(p) = ip {
        if p > 100 {
            c.invalid(path, format!("\"{p}%\""), "must not be greater than 100%");
            return None;
        }
    }
    Some(ip)
}

fn canary_step(c: &mut Checker, path: &str, step: &argo::Step) -> Option<CanaryStep> {
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
        c.field(path, "Invalid value: step must have one of the following set: experiment, setWeight, setCanaryScale, pause, analysis, setHeaderRoute, setMirrorRoute or plugin");
        return None;
    }
    let unsupported = [
        ("experiment", step.experiment.is_some()),
        ("setHeaderRoute", step.set_header_route.is_some()),
        ("setMirrorRoute", step.set_mirror_route.is_some()),
        ("plugin", step.plugin.is_some()),
    ];
    if let Some((name, _)) = unsupported.iter().find(|(_, present)| *present) {
        not_simulated(c, &format!("{path}.{name}"), "replace the step with a pause, or remove it");
        return None;
    }
    if let Some(a) = step.analysis.as_ref() {
        return rollout_analysis(c, &format!("{path}.analysis"), a, false).map(CanaryStep::Analysis);
    }
    if let Some(w) = step.set_weight {
        if !(0..=100).contains(&w) {
            c.invalid(&format!("{path}.setWeight"), w, "SetWeight needs to be between 0 and 100");
            return None;
        }
        return Some(CanaryStep::SetWeight(w));
    }
    if let Some(p) = step.pause.as_ref() {
        return match p.duration.as_ref() {
            None => Some(CanaryStep::Pause(None)),
            Some(d) => match pause_duration(d) {
                Some(d) => Some(CanaryStep::Pause(Some(d))),
                None => {
                    c.field(
                        &format!("{path}.pause.duration"),
                        "Invalid value: a pause duration is seconds (30) or a duration like 30s, 5m or 1h",
                    );
                    None
                }
            },
        };
    }
    let scs = step.set_canary_scale.as_ref()?;
    let scs_path = format!("{path}.setCanaryScale");
    let set = [scs.replicas.is_some(), scs.weight.is_some(), scs.match_traffic_weight == Some(true)];
    if set.iter().filter(|s| **s).count() != 1 {
        c.field(
            &scs_path,
            "Invalid value: SetCanaryScale must have exactly one of replicas, weight or matchTrafficWeight set",
        );
        return None;
    }
    c.nonnegative(&format!("{scs_path}.replicas"), scs.replicas.map(i64::from));
    if let Some(w) = scs.weight.filter(|w| !(0..=100).contains(w)) {
        c.invalid(&format!("{scs_path}.weight"), w, "Canary scale weight needs to be between 0 and 100");
    }
    Some(CanaryStep::SetCanaryScale {
        replicas: scs.replicas,
        weight: scs.weight,
        match_traffic_weight: scs.match_traffic_weight == Some(true),
    })
}

/// `trafficRouting`: only `nginx.stableIngress` is simulated; the stable Ingress's name.
fn traffic_routing(c: &mut Checker, canary: &argo::Canary) -> Option<String> {
    let t = canary.traffic_routing.as_ref()?;
    let base = "spec.strategy.canary.trafficRouting";
    let routers = "kubesim simulates ingress-nginx only: use trafficRouting.nginx.stableIngress";
    let others = [
        ("istio", t.istio.is_some()),
        ("smi", t.smi.is_some()),
        ("alb", t.alb.is_some()),
        ("ambassador", t.ambassador.is_some()),
        ("apisix", t.apisix.is_some()),
        ("traefik", t.traefik.is_some()),
        ("appMesh", t.app_mesh.is_some()),
        ("plugins", t.plugins.is_some()),
        ("managedRoutes", t.managed_routes.is_some()),
        ("maxTrafficWeight", t.max_traffic_weight.is_some()),
    ];
    for (field, present) in others {
        if present {
            not_simulated(c, &format!("{base}.{field}"), routers);
        }
    }
    let Some(n) = t.nginx.as_ref() else {
        if !others.iter().any(|(_, p)| *p) {
            c.field(base, "Invalid value: a traffic router must be set (kubesim simulates nginx)");
        }
        return None;
    };
    let nginx = format!("{base}.nginx");
    let unsupported = [
        ("stableIngresses", n.stable_ingresses.is_some()),
        ("additionalIngressAnnotations", n.additional_ingress_annotations.is_some()),
        ("canaryIngressAnnotations", n.canary_ingress_annotations.is_some()),
    ];
    for (field, present) in unsupported {
        if present {
            not_simulated(c, &format!("{nginx}.{field}"), "give one Ingress in stableIngress");
        }
    }
    if let Some(prefix) = n.annotation_prefix.as_deref().filter(|p| *p != "nginx.ingress.kubernetes.io") {
        c.field_help(
            &format!("{nginx}.annotationPrefix"),
            format!("Unsupported value: \"{prefix}\": kubesim's ingress-nginx reads nginx.ingress.kubernetes.io annotations"),
            Some("remove annotationPrefix".into()),
        );
    }
    match n.stable_ingress.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(s.to_string()),
        None => {
            c.field(&format!("{nginx}.stableIngress"), "Required value: the Ingress that routes to the stable Service");
            None
        }
    }
}

fn blue_green_spec(c: &mut Checker, bg: &argo::BlueGreen) -> Option<BlueGreenSpec> {
    let base = "spec.strategy.blueGreen";
    let remove = "remove it to simulate the rest of the Rollout";
    let given = [
        ("scaleDownDelayRevisionLimit", bg.scale_down_delay_revision_limit.is_some()),
        ("previewReplicaCount", bg.preview_replica_count.is_some()),
        ("maxUnavailable", bg.max_unavailable.is_some()),
        ("antiAffinity", bg.anti_affinity.is_some()),
        ("previewMetadata", bg.preview_metadata.is_some()),
        ("activeMetadata", bg.active_metadata.is_some()),
        ("abortScaleDownDelaySeconds", bg.abort_scale_down_delay_seconds.is_some()),
    ];
    for (field, present) in given {
        if present {
            not_simulated(c, &format!("{base}.{field}"), remove);
        }
    }
    let active = bg.active_service.clone().filter(|a| !a.is_empty());
    if active.is_none() {
        c.field(&format!("{base}.activeService"), "Required value: the Service that receives the stable traffic");
    }
    if bg.active_service.is_some() && bg.active_service == bg.preview_service {
        c.field(
            &format!("{base}.previewService"),
            "Invalid value: preview service and active service must be different",
        );
    }
    c.nonnegative(&format!("{base}.autoPromotionSeconds"), bg.auto_promotion_seconds.map(i64::from));
    c.nonnegative(&format!("{base}.scaleDownDelaySeconds"), bg.scale_down_delay_seconds.map(i64::from));
    let analysis = |c: &mut Checker, field: &str, a: Option<&argo::Analysis>| match a {
        Some(a) => rollout_analysis(c, &format!("{base}.{field}"), a, false).map(Some),
        None => Some(None),
    };
    let pre_promotion_analysis = analysis(c, "prePromotionAnalysis", bg.pre_promotion_analysis.as_ref())?;
    let post_promotion_analysis = analysis(c, "postPromotionAnalysis", bg.post_promotion_analysis.as_ref())?;
    Some(BlueGreenSpec {
        active_service: active?,
        preview_service: bg.preview_service.clone().filter(|p| !p.is_empty()),
        auto_promotion_enabled: bg.auto_promotion_enabled.unwrap_or(true),
        auto_promotion_seconds: bg.auto_promotion_seconds.unwrap_or(0).max(0),
        scale_down_delay_seconds: bg.scale_down_delay_seconds.unwrap_or(30).max(0),
        scale_down_delay_given: bg.scale_down_delay_seconds.is_some(),
        pre_promotion_analysis,
        post_promotion_analysis,
    })
}
