//! Argo Rollouts' `AnalysisTemplate` and `ClusterAnalysisTemplate` (argoproj.io/v1alpha1,
//! pkg/apis/rollouts/v1alpha1/analysis_types.go): read with serde structs (unknown fields
//! placed at their file:line:col), checked as Argo's `ValidateMetrics` does
//! (utils/analysis/helpers.go), the Prometheus queries and the conditions checked against
//! what kubesim can answer (`controllers/rollout/analysis/{query,expr}.rs`), and kept in
//! the scenario's `analysis_templates`. Providers other than Prometheus (and kubesim's own)
//! are refused.

use super::checker::Checker;
use super::diagnostic::Report;
use super::fields::Ty;
use super::manifest::strict;
use super::source::Loc;
use crate::controllers::rollout::analysis::{expr, query};
use crate::engine::SimDuration;
use crate::model::spec::{AnalysisTemplate, MetricProvider, MetricSpec, TemplateArg};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde_yaml::Value;

pub(crate) mod argo {
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
    use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
    use serde::Deserialize;
    use serde_yaml::Value;

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    #[allow(dead_code)]
    pub(crate) struct Template {
        pub api_version: Option<String>,
        pub kind: Option<String>,
        #[serde(default)]
        pub metadata: ObjectMeta,
        pub spec: Option<Spec>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    #[allow(dead_code)]
    pub(crate) struct Spec {
        pub metrics: Option<Vec<Metric>>,
        pub args: Option<Vec<Arg>>,
        pub dry_run: Option<Value>,
        pub measurement_retention: Option<Value>,
        pub templates: Option<Value>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub(crate) struct Arg {
        pub name: Option<String>,
        pub value: Option<String>,
        pub value_from: Option<Value>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub(crate) struct Metric {
        pub name: Option<String>,
        pub interval: Option<String>,
        pub initial_delay: Option<String>,
        pub count: Option<IntOrString>,
        pub success_condition: Option<String>,
        pub failure_condition: Option<String>,
        pub failure_limit: Option<IntOrString>,
        pub inconclusive_limit: Option<IntOrString>,
        pub consecutive_error_limit: Option<IntOrString>,
        pub provider: Option<Provider>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    #[allow(dead_code)]
    pub(crate) struct Provider {
        pub prometheus: Option<Prometheus>,
        pub kubesim: Option<Kubesim>,
        pub web: Option<Value>,
        pub datadog: Option<Value>,
        pub wavefront: Option<Value>,
        pub new_relic: Option<Value>,
        pub job: Option<Value>,
        pub kayenta: Option<Value>,
        pub cloud_watch: Option<Value>,
        pub graphite: Option<Value>,
        pub influxdb: Option<Value>,
        pub skywalking: Option<Value>,
        pub plugin: Option<Value>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    #[allow(dead_code)]
    pub(crate) struct Prometheus {
        pub address: Option<String>,
        pub query: Option<String>,
        pub timeout: Option<i64>,
        pub insecure: Option<bool>,
        pub headers: Option<Value>,
        pub authentication: Option<Value>,
        pub range_query: Option<Value>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub(crate) struct Kubesim {
        pub metric: Option<String>,
        pub service: Option<String>,
        pub ingress: Option<String>,
        pub window: Option<String>,
    }
}

/// Reads one template into `report.analysis_templates` (a later one of the same name
/// replaces an earlier one, as `kubectl apply` would).
pub(crate) fn parse(value: &Value, loc: &Loc, default_ns: Option<&str>, report: &mut Report, cluster: bool) {
    let kind = if cluster { "clusteranalysistemplate" } else { "analysistemplate" };
    let name = value.get("metadata").and_then(|m| m.get("name")).and_then(Value::as_str).unwrap_or("<unnamed>");
    let mut c = Checker::new(loc, format!("{kind}/{name}"), report);
    let Some(t) = strict::<argo::Template>(&mut c, value, Ty::OtherKind) else { return };
    super::validate::check_meta(&mut c, &t.metadata, false);
    let Some(spec) = t.spec.as_ref() else {
        c.required("spec");
        return;
    };
    let refuse = "not simulated by kubesim (its analysis covers metrics with the Prometheus or kubesim provider)";
    for (field, present) in [("spec.templates", spec.templates.is_some()), ("spec.dryRun", spec.dry_run.is_some())] {
        if present {
            c.field_help(field, refuse, Some("remove it".into()));
        }
    }
    let mut args = Vec::new();
    for (i, a) in spec.args.iter().flatten().enumerate() {
        let path = format!("spec.args[{i}]");
        let Some(name) = a.name.clone().filter(|n| !n.is_empty()) else {
            c.required(&format!("{path}.name"));
            continue;
        };
        if a.value_from.is_some() {
            c.field_help(&format!("{path}.valueFrom"), refuse, Some("give the value in the Rollout's args".into()));
        }
        args.push(TemplateArg { name, value: a.value.clone() });
    }
    let mut metrics = Vec::new();
    let given = spec.metrics.as_deref().unwrap_or_default();
    if given.is_empty() {
        c.field("spec.metrics", "Required value: at least one metric is required");
    }
    for (i, m) in given.iter().enumerate() {
        if let Some(metric) = metric(&mut c, &format!("spec.metrics[{i}]"), m, &args) {
            if metrics.iter().any(|x: &MetricSpec| x.name == metric.name) {
                c.field(&format!("spec.metrics[{i}].name"), format!("Duplicate value: \"{}\"", metric.name));
            }
            metrics.push(metric);
        }
    }
    let namespace = if cluster {
        None
    } else {
        Some(t.metadata.namespace.clone().or(default_ns.map(str::to_string)).unwrap_or_else(|| "default".into()))
    };
    if c.errors > 0 {
        report.broken_analysis_templates.push((namespace, t.metadata.name.clone().unwrap_or_default()));
        return;
    }
    let template = AnalysisTemplate { namespace, name: t.metadata.name.clone().unwrap_or_default(), args, metrics };
    let list = &mut report.analysis_templates;
    list.retain(|x| !(x.namespace == template.namespace && x.name == template.name));
    list.push(template);
}

fn duration(c: &mut Checker, path: &str, text: Option<&str>) -> Option<Option<SimDuration>> {
    match text {
        None | Some("") => Some(None),
        Some(t) => match super::duration::parse_duration(t) {
            Ok(d) => Some(Some(d)),
            Err(e) => {
                c.field(path, format!("Invalid value: \"{t}\": {e}"));
                None
            }
        },
    }
}

/// An IntOrString count or limit: a number (a string of digits too; Argo also takes
/// `{{args.x}}`, which kubesim does not resolve here).
fn int(c: &mut Checker, path: &str, v: Option<&IntOrString>, default: i32) -> Option<i32> {
    match v {
        None => Some(default),
        Some(IntOrString::Int(n)) => Some(*n),
        Some(IntOrString::String(s)) => match s.parse::<i32>() {
            Ok(n) => Some(n),
            Err(_) => {
                c.field(path, format!("Invalid value: \"{s}\": kubesim takes a number here"));
                None
            }
        },
    }
}

fn metric(c: &mut Checker, path: &str, m: &argo::Metric, args: &[TemplateArg]) -> Option<MetricSpec> {
    let name = match m.name.clone().filter(|n| !n.is_empty()) {
        Some(n) => n,
        None => {
            c.required(&format!("{path}.name"));
            return None;
        }
    };
    let interval = duration(c, &format!("{path}.interval"), m.interval.as_deref())?;
    let initial_delay = duration(c, &format!("{path}.initialDelay"), m.initial_delay.as_deref())?.unwrap_or_default();
    let count = match m.count.as_ref() {
        None => None,
        Some(_) => Some(int(c, &format!("{path}.count"), m.count.as_ref(), 0)?),
    };
    let failure_limit = int(c, &format!("{path}.failureLimit"), m.failure_limit.as_ref(), 0)?;
    let inconclusive_limit = int(c, &format!("{path}.inconclusiveLimit"), m.inconclusive_limit.as_ref(), 0)?;
    // defaults.DefaultConsecutiveErrorLimit.
    let consecutive_error_limit =
        int(c, &format!("{path}.consecutiveErrorLimit"), m.consecutive_error_limit.as_ref(), 4)?;
    // utils/analysis/helpers.go ValidateMetric.
    if let Some(n) = count {
        if n < 0 {
            c.invalid(&format!("{path}.count"), n, "must be greater than or equal to 0");
        }
        if n > 1 && interval.is_none() {
            c.field(&format!("{path}.interval"), "Required value: interval must be specified when count > 1");
        }
        if failure_limit >= 0 && n < failure_limit {
            c.field(&format!("{path}.count"), "Invalid value: count must be >= failureLimit");
        }
        if inconclusive_limit >= 0 && n < inconclusive_limit {
            c.field(&format!("{path}.count"), "Invalid value: count must be >= inconclusiveLimit");
        }
    }
    for (key, text) in [("successCondition", &m.success_condition), ("failureCondition", &m.failure_condition)] {
        if let Some(Err(e)) = text.as_deref().map(expr::parse) {
            c.field_help(&format!("{path}.{key}"), format!("Invalid value: {e}"), Some(expr::SUBSET.into()));
        }
    }
    let provider = provider(c, &format!("{path}.provider"), m.provider.as_ref(), args)?;
    Some(MetricSpec {
        name,
        interval,
        initial_delay,
        count: count.map(|n| u32::try_from(n).unwrap_or(0)),
        failure_limit,
        inconclusive_limit,
        consecutive_error_limit,
        success_condition: m.success_condition.clone().filter(|s| !s.is_empty()),
        failure_condition: m.failure_condition.clone().filter(|s| !s.is_empty()),
        provider,
    })
}

fn provider(c: &mut Checker, path: &str, p: Option<&argo::Provider>, args: &[TemplateArg]) -> Option<MetricProvider> {
    let Some(p) = p else {
        c.required(path);
        return None;
    };
    let others = [
        ("web", p.web.is_some()),
        ("datadog", p.datadog.is_some()),
        ("wavefront", p.wavefront.is_some()),
        ("newRelic", p.new_relic.is_some()),
        ("job", p.job.is_some()),
        ("kayenta", p.kayenta.is_some()),
        ("cloudWatch", p.cloud_watch.is_some()),
        ("graphite", p.graphite.is_some()),
        ("influxdb", p.influxdb.is_some()),
        ("skywalking", p.skywalking.is_some()),
        ("plugin", p.plugin.is_some()),
    ];
    for (field, present) in others {
        if present {
            c.field_help(
                &format!("{path}.{field}"),
                "not simulated by kubesim (it answers the prometheus provider's success-rate queries, and its own kubesim provider)",
                Some(query::SHAPES.into()),
            );
        }
    }
    // Placeholders keep their shape: `{{args.x}}` stands for the value until a run starts.
    let placeholders: Vec<(String, Option<String>)> =
        args.iter().map(|a| (a.name.clone(), Some(format!("{{{{args.{}}}}}", a.name)))).collect();
    match (p.prometheus.as_ref(), p.kubesim.as_ref()) {
        (Some(prom), None) => {
            let Some(q) = prom.query.clone().filter(|q| !q.is_empty()) else {
                c.required(&format!("{path}.prometheus.query"));
                return None;
            };
            let resolved = query::substitute(&q, &placeholders);
            if let Err(e) = resolved.and_then(|r| query::parse_promql(&r)) {
                c.field(&format!("{path}.prometheus.query"), format!("Invalid value: {e}"));
                return None;
            }
            Some(MetricProvider::Prometheus { query: q })
        }
        (None, Some(k)) => {
            let window = match duration(c, &format!("{path}.kubesim.window"), k.window.as_deref())? {
                Some(w) => w,
                None => {
                    c.field(&format!("{path}.kubesim.window"), "Required value: the span measured, like 1m");
                    return None;
                }
            };
            let metric = k.metric.clone().unwrap_or_default();
            if let Err(e) = query::kubesim_query(&metric, k.service.as_deref(), k.ingress.as_deref(), window) {
                c.field(&format!("{path}.kubesim"), format!("Invalid value: {e}"));
                return None;
            }
            Some(MetricProvider::Kubesim { metric, service: k.service.clone(), ingress: k.ingress.clone(), window })
        }
        (None, None) if others.iter().any(|(_, p)| *p) => None,
        _ => {
            c.field(path, "Invalid value: give one provider: prometheus (with a query) or kubesim");
            None
        }
    }
}

/// Every template a Rollout names exists among the scenario's objects (an AnalysisTemplate
/// in the Rollout's namespace, a ClusterAnalysisTemplate with `clusterScope: true`), and
/// every argument of those templates without a default gets a value from the Rollout:
/// otherwise Argo could not create the run (`getAnalysisTemplatesFromRefs`,
/// `ResolveArgs`), so kubesim says so at load.
pub(crate) fn check_refs(parsed: &[super::manifest::Parsed], report: &mut Report) {
    use crate::model::spec::{CanaryStep, ObjectSpec, RolloutStrategy};
    let mut problems = Vec::new();
    for p in parsed {
        let ObjectSpec::Rollout { spec, .. } = &p.object.spec else { continue };
        let mut uses: Vec<(String, &crate::model::spec::RolloutAnalysis)> = Vec::new();
        match &spec.strategy {
            RolloutStrategy::Canary(canary) => {
                if let Some(a) = &canary.analysis {
                    uses.push(("spec.strategy.canary.analysis".into(), a));
                }
                for (i, step) in canary.steps.iter().enumerate() {
                    if let CanaryStep::Analysis(a) = step {
                        uses.push((format!("spec.strategy.canary.steps[{i}].analysis"), a));
                    }
                }
            }
            RolloutStrategy::BlueGreen(bg) => {
                if let Some(a) = &bg.pre_promotion_analysis {
                    uses.push(("spec.strategy.blueGreen.prePromotionAnalysis".into(), a));
                }
                if let Some(a) = &bg.post_promotion_analysis {
                    uses.push(("spec.strategy.blueGreen.postPromotionAnalysis".into(), a));
                }
            }
        }
        for (path, a) in uses {
            for (j, r) in a.templates.iter().enumerate() {
                let namespace = (!r.cluster_scope).then_some(p.object.id.namespace.as_str());
                let found =
                    report.analysis_templates.iter().find(|t| t.name == r.name && t.namespace.as_deref() == namespace);
                let at = format!("{path}.templates[{j}].templateName");
                let broken = report
                    .broken_analysis_templates
                    .iter()
                    .any(|(n, name)| *name == r.name && n.as_deref() == namespace);
                if broken {
                    continue;
                }
                let Some(t) = found else {
                    let kind = if r.cluster_scope { "clusteranalysistemplate" } else { "analysistemplate" };
                    let msg = format!(
                        "rollout/{}: {at}: Not found: {kind}.argoproj.io \"{}\"{}",
                        p.object.id.name,
                        r.name,
                        namespace.map(|n| format!(" in namespace \"{n}\"")).unwrap_or_default()
                    );
                    let help = "give the AnalysisTemplate among the scenario's objects (`clusterScope: true` names a ClusterAnalysisTemplate)";
                    problems.push((p.loc.clone(), at, msg, Some(help.to_string())));
                    continue;
                };
                for arg in t.args.iter().filter(|x| x.value.is_none()) {
                    if !a.args.iter().any(|(n, _)| *n == arg.name) {
                        let msg = format!(
                            "rollout/{}: {path}.args: Required value: args.{} of {} \"{}\" was not resolved",
                            p.object.id.name,
                            arg.name,
                            if r.cluster_scope { "clusteranalysistemplate" } else { "analysistemplate" },
                            r.name
                        );
                        problems.push((p.loc.clone(), format!("{path}.args"), msg, None));
                    }
                }
            }
        }
    }
    for (loc, at, msg, help) in problems {
        let yp = super::positions::YPath::parse(&at).unwrap_or_default();
        let d = loc.error(&yp, super::positions::Anchor::Value, msg).with_help(help);
        report.push(d);
    }
}
