//! Argo Rollouts analysis: AnalysisTemplates whose Prometheus queries kubesim answers from
//! the simulated traffic, run as a canary step and in the background; a failing run aborts
//! the update (rollout/analysis.go, analysis/analysis.go).

use crate::support::{events, run_text, secs};
use kubesim::metrics::traffic::Failure;
use kubesim::sim::Outcome;

/// The istio success-rate template of Argo's docs (docs/features/analysis.md), with the
/// threshold `result[0] >= 0.99`, measured once over the last minute.
const TEMPLATE: &str = r#"
  - apiVersion: argoproj.io/v1alpha1
    kind: AnalysisTemplate
    metadata: {name: success-rate}
    spec:
      args:
        - name: service-name
      metrics:
        - name: success-rate
          successCondition: result[0] >= 0.99
          provider:
            prometheus:
              address: http://prometheus.example.com:9090
              query: |
                sum(irate(
                  istio_requests_total{reporter="source",destination_service=~"{{args.service-name}}",response_code!~"5.*"}[1m]
                )) /
                sum(irate(
                  istio_requests_total{reporter="source",destination_service=~"{{args.service-name}}"}[1m]
                ))
"#;

/// An nginx-routed canary of `shop` updated at 1m to `example/shop:2`, whose behaviour is
/// `v2`; `analysis` is the Rollout's `strategy.canary.analysis` (indented for it), `step`
/// the analysis step after two minutes at weight 20. (The first second at weight 20 fails
/// some canary requests: ingress-nginx applies the weight at once, the canary's endpoints
/// reach the proxies a second later; the pause keeps that second out of the analysis's
/// one-minute window, as a real user's would have to.)
fn canary(v2: &str, analysis: &str, step: &str, templates: &str) -> String {
    format!(
        r#"
name: argo-analysis
seed: 3
duration: 8m
sample: 5s
cluster:
  nodes:
    - {{name: worker, count: 3, capacity: {{cpu: "4", memory: 8Gi, pods: 110}}}}
images:
  example/shop:1: {{pull: 2s, start: 1s, readyAfter: 2s, concurrency: 20, serviceTime: 20ms}}
  example/shop:2: {{pull: 2s, start: 1s, readyAfter: 2s, concurrency: 20, serviceTime: 20ms{v2}}}
objects:
  - apiVersion: argoproj.io/v1alpha1
    kind: Rollout
    metadata: {{name: shop}}
    spec:
      replicas: 5
      selector: {{matchLabels: {{app: shop}}}}
      template:
        metadata: {{labels: {{app: shop}}}}
        spec:
          containers:
            - name: shop
              image: example/shop:1
              ports: [{{name: http, containerPort: 8080}}]
              readinessProbe: {{httpGet: {{path: /healthz, port: http}}, periodSeconds: 2}}
      strategy:
        canary:
          canaryService: shop-canary
          stableService: shop-stable
          trafficRouting:
            nginx: {{stableIngress: shop}}
{analysis}
          steps:
            - setWeight: 20
            - pause: {{duration: 2m}}
{step}
            - setWeight: 50
            - pause: {{duration: 30s}}
  - {{apiVersion: v1, kind: Service, metadata: {{name: shop-stable}}, spec: {{selector: {{app: shop}}, ports: [{{name: http, port: 80, targetPort: http}}]}}}}
  - {{apiVersion: v1, kind: Service, metadata: {{name: shop-canary}}, spec: {{selector: {{app: shop}}, ports: [{{name: http, port: 80, targetPort: http}}]}}}}
  - apiVersion: networking.k8s.io/v1
    kind: Ingress
    metadata: {{name: shop}}
    spec:
      ingressClassName: nginx
      rules:
        - host: shop.example.com
          http:
            paths:
              - {{path: /, pathType: Prefix, backend: {{service: {{name: shop-stable, port: {{name: http}}}}}}}}
{templates}
traffic:
  - target: ingress/shop
    host: shop.example.com
    path: /
    rate: 200/s
    timeout: 2s
timeline:
  - at: 1m
    run: kubectl argo rollouts set image shop shop=example/shop:2
"#
    )
}

const STEP: &str = "            - analysis:
                templates: [{templateName: success-rate}]
                args: [{name: service-name, value: shop-canary.default.svc.cluster.local}]";

fn with_step(v2: &str) -> Outcome {
    run_text(&canary(v2, "", STEP, TEMPLATE))
}

fn messages<'a>(o: &'a Outcome, reason: &str) -> Vec<(f64, &'a str, &'a str)> {
    events(o, reason).iter().map(|e| (secs(e.time), e.object.as_str(), e.message.as_str())).collect()
}

/// An image that answers 5% of its requests with a 5xx: the step's AnalysisRun measures the
/// canary Service's success rate (about 0.95) once, `result[0] >= 0.99` is false, the
/// measurement Fails, failed (1) > failureLimit (0) fails the metric and the run
/// (analysis.go `assessMetricFailureInconclusiveOrError`), and the Rollout aborts with the
/// run's message (rollout/analysis.go `reconcileStepBasedAnalysisRun`: `AddAbort`): Degraded,
/// the canary's weight back to 0 and its pods scaled down.
#[test]
fn a_canary_that_answers_five_percent_errors_is_aborted_by_its_first_analysis_run() {
    let o = with_step(", errorRate: 0.05");
    let runs: Vec<_> = messages(&o, "AnalysisRunFailed");
    let run_failed = runs.iter().find(|(_, object, _)| object.starts_with("analysisrun/")).expect("the run failed");
    assert!(run_failed.1.starts_with("analysisrun/shop-") && run_failed.1.ends_with("-2-2"), "{runs:?}");
    let rollout_side = runs.iter().find(|(_, object, _)| *object == "rollout/shop").expect("the Rollout saw it");
    assert!(
        rollout_side.2.starts_with("Step Analysis Run 'shop-")
            && rollout_side.2.ends_with("Status New: 'Failed' Previous: 'Running'"),
        "{}",
        rollout_side.2
    );
    let measured = messages(&o, "MeasurementCompleted");
    assert_eq!(measured.len(), 1, "one measurement: {measured:?}");
    let value: f64 =
        measured[0].2.rsplit('[').next().and_then(|v| v.trim_end_matches(']').parse().ok()).expect("a value");
    assert!((0.93..0.97).contains(&value), "success rate {value}");
    let aborted = messages(&o, "RolloutAborted");
    assert_eq!(aborted.len(), 1);
    assert_eq!(
        aborted[0].2,
        "Rollout aborted update to revision 2: Metric \"success-rate\" assessed Failed due to failed (1) > failureLimit (0)"
    );
    assert_eq!(aborted[0].0, run_failed.0, "the abort comes with the run's failure");
    let d = o.store.find_rollout("default", "shop").expect("rollout");
    let status = &o.store.deployments[d].rollout.as_ref().expect("a rollout").status;
    assert!(status.abort);
    assert_eq!(format!("{:?}", status.phase), "Degraded");
    assert!(events(&o, "RolloutCompleted").is_empty());
    // Traffic back to the stable: the weight goes to 0 and no request fails afterwards.
    let zero = events(&o, "TrafficWeightUpdated").iter().find(|e| e.message.contains("to 0")).map(|e| secs(e.time));
    assert!(zero.is_some_and(|t| t >= aborted[0].0), "weight back to 0 after the abort: {zero:?}");
    assert!(o.metrics.traffic.failures.get(&Failure::Http5xx).copied().unwrap_or(0) > 0);
    let canary_pods =
        o.store.pods.iter().filter(|p| !p.is_gone() && p.spec.containers[0].image == "example/shop:2").count();
    assert_eq!(canary_pods, 0, "the canary is scaled down after the abort");
}

/// The same canary with a good image: the run is Successful, the analysis step completes
/// and the update is promoted.
#[test]
fn the_same_canary_with_a_good_image_passes_its_analysis_and_is_promoted() {
    let o = with_step("");
    let ok = messages(&o, "AnalysisRunSuccessful");
    assert!(ok.iter().any(|(_, object, _)| object.starts_with("analysisrun/shop-")), "{ok:?}");
    let step = messages(&o, "RolloutStepCompleted");
    assert!(step.iter().any(|(_, _, m)| *m == "Rollout step 3/5 completed (analysis: success-rate)"), "{step:?}");
    assert!(events(&o, "RolloutAborted").is_empty());
    assert_eq!(events(&o, "RolloutCompleted").len(), 1, "promoted");
}

/// Background analysis (`strategy.canary.analysis`) with the nginx-ingress query of Argo's
/// docs on the generated canary Ingress, every 30s after an initial delay of 1m from the
/// start of the update: the bad image fails it at its first measurement, while the steps are
/// still at the first pause.
#[test]
fn background_analysis_on_the_canary_ingress_aborts_a_bad_canary_during_its_steps() {
    let template = r#"
  - apiVersion: argoproj.io/v1alpha1
    kind: ClusterAnalysisTemplate
    metadata: {name: ingress-success}
    spec:
      args: [{name: ingress}]
      metrics:
        - name: success-rate
          interval: 30s
          initialDelay: 1m
          successCondition: result[0] >= 0.99
          provider:
            prometheus:
              query: |
                sum(rate(nginx_ingress_controller_requests{ingress="{{args.ingress}}",status!~"[4-5].*"}[30s]))
                /
                sum(rate(nginx_ingress_controller_requests{ingress="{{args.ingress}}"}[30s]))
"#;
    let analysis = "          analysis:
            templates: [{templateName: ingress-success, clusterScope: true}]
            args: [{name: ingress, value: shop-shop-canary}]";
    let bad = run_text(&canary(", errorRate: 0.05", analysis, "", template));
    let aborted = messages(&bad, "RolloutAborted");
    assert_eq!(aborted.len(), 1, "{aborted:?}");
    assert!(aborted[0].2.ends_with("Metric \"success-rate\" assessed Failed due to failed (1) > failureLimit (0)"));
    let updated = events(&bad, "RolloutUpdated");
    let started = secs(updated.iter().find(|e| e.message.contains("revision 2")).expect("the update").time);
    let after = aborted[0].0 - started;
    assert!((60.0..61.0).contains(&after), "the first measurement, 1m after the run started: {after}");
    let background = messages(&bad, "AnalysisRunFailed");
    assert!(background.iter().any(|(_, _, m)| m.starts_with("Background Analysis Run")), "{background:?}");
    // A good canary: measured every 30s until the promotion, which ends the run Successful.
    let good = run_text(&canary("", analysis, "", template));
    assert!(events(&good, "RolloutAborted").is_empty());
    assert_eq!(events(&good, "RolloutCompleted").len(), 1);
    let measured = messages(&good, "MeasurementCompleted");
    assert!(measured.len() >= 3, "{measured:?}");
    assert!(messages(&good, "AnalysisRunSuccessful").iter().any(|(_, o, _)| o.starts_with("analysisrun/")));
}

/// The first error of a scenario that must not load, as `file:line:col: message`.
fn load_error(text: &str) -> String {
    match kubesim::load_str(std::path::Path::new("inline.yaml"), text, &[]) {
        Ok(_) => panic!("loaded, but it should not"),
        Err(d) => d.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n"),
    }
}

/// What kubesim cannot answer is refused at load, at its place, saying what it understands:
/// a query of another shape, a condition outside the subset, a template that is not there,
/// an argument without a value, a provider kubesim does not simulate.
#[test]
fn analysis_that_kubesim_cannot_answer_is_refused_at_load_with_what_it_understands() {
    let latency = TEMPLATE.replace(
        "sum(irate(\n                  istio_requests_total{reporter=\"source\",destination_service=~\"{{args.service-name}}\",response_code!~\"5.*\"}[1m]\n                )) /",
        "histogram_quantile(0.99, sum(rate(istio_request_duration_milliseconds_bucket[1m])) by (le)) /",
    );
    assert_ne!(latency, TEMPLATE);
    let e = load_error(&canary("", "", STEP, &latency));
    assert!(e.contains("inline.yaml:") && e.contains("analysistemplate/success-rate: spec.metrics[0].provider.prometheus.query: Invalid value: kubesim cannot answer"), "{e}");
    assert!(
        e.contains("istio_requests_total")
            && e.contains("nginx_ingress_controller_requests")
            && e.contains("`kubesim` provider"),
        "{e}"
    );
    assert!(!e.contains("Not found"), "a broken template is reported once: {e}");
    let e = load_error(&canary("", "", STEP, &TEMPLATE.replace("result[0] >= 0.99", "result[0] in [1, 2]")));
    assert!(e.contains("spec.metrics[0].successCondition: Invalid value"), "{e}");
    let e = load_error(&canary("", "", STEP, ""));
    assert!(e.contains("rollout/shop: spec.strategy.canary.steps[2].analysis.templates[0].templateName: Not found: analysistemplate.argoproj.io \"success-rate\" in namespace \"default\""), "{e}");
    let no_arg = STEP
        .replace("\n                args: [{name: service-name, value: shop-canary.default.svc.cluster.local}]", "");
    let e = load_error(&canary("", "", &no_arg, TEMPLATE));
    assert!(e.contains("args.service-name of analysistemplate \"success-rate\" was not resolved"), "{e}");
    let web = TEMPLATE.replace(
        "prometheus:\n              address: http://prometheus.example.com:9090\n              query: |",
        "web:\n              url: |",
    );
    let e = load_error(&canary("", "", STEP, &web));
    assert!(e.contains("spec.metrics[0].provider.web: not simulated by kubesim"), "{e}");
}

/// The kubesim provider names the figure directly.
#[test]
fn the_kubesim_provider_measures_a_service_success_rate() {
    let template = r#"
  - apiVersion: argoproj.io/v1alpha1
    kind: AnalysisTemplate
    metadata: {name: success-rate}
    spec:
      args: [{name: service-name}]
      metrics:
        - name: success-rate
          successCondition: result[0] >= 0.99
          provider:
            kubesim: {metric: successRate, service: "{{args.service-name}}", window: 1m}
"#;
    let step = STEP.replace("shop-canary.default.svc.cluster.local", "shop-canary");
    let bad = run_text(&canary(", errorRate: 0.05", "", &step, template));
    assert_eq!(events(&bad, "RolloutAborted").len(), 1);
    let good = run_text(&canary("", "", &step, template));
    assert_eq!(events(&good, "RolloutCompleted").len(), 1);
}

/// The example a user starts from (scenarios/canary-analysis.yaml) does what the README says.
#[test]
fn the_canary_analysis_example_aborts_its_bad_version_as_the_readme_says() {
    let (_, o) = crate::support::run("scenarios/canary-analysis.yaml", &[]);
    let aborted = messages(&o, "RolloutAborted");
    assert_eq!(aborted.len(), 1, "{aborted:?}");
    assert!((aborted[0].0 - 185.59).abs() < 1e-6, "{aborted:?}");
    let t = &o.metrics.traffic;
    assert_eq!(t.failures.get(&Failure::Http5xx).copied(), Some(227));
    assert_eq!(t.errors_by_image.get("example/shop:2").copied(), Some(227), "every error is the bad version's");
    assert_eq!(t.total.requests, 89_766);
}
