//! Argo Rollouts blue-green analysis (rollout/analysis.go `reconcilePrePromotionAnalysisRun`,
//! `reconcilePostPromotionAnalysisRun`, `setPauseOrAbortForBlueGreen`; rollout/service.go
//! `reconcileActiveService`; rollout/sync.go `shouldFullPromote`): a pre-promotion run on the
//! preview Service gates the switch of the active Service, a post-promotion run on the active
//! Service gates the new ReplicaSet becoming stable, and a failed run aborts the update.

use crate::support::{events, object_events, run_text, secs};
use kubesim::sim::Outcome;

/// A blue-green `shop` updated at 1m to `example/shop:2` (behaviour `v2`), with users on the
/// active Service and a smoke test on the preview Service (both from 30s, once v1 is up);
/// `analysis` goes under `strategy.blueGreen`. The template measures a Service's success rate
/// over the 20s before its one measurement, 30s after the run starts (the preview switches to
/// v2 before v2 is Ready, and its first requests fail: the window leaves them out).
fn blue_green(v2: &str, analysis: &str) -> String {
    format!(
        r#"
name: bluegreen-analysis
seed: 4
duration: 6m
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
      replicas: 4
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
        blueGreen:
          activeService: shop-active
          previewService: shop-preview
{analysis}
  - {{apiVersion: v1, kind: Service, metadata: {{name: shop-active}}, spec: {{selector: {{app: shop}}, ports: [{{name: http, port: 80, targetPort: http}}]}}}}
  - {{apiVersion: v1, kind: Service, metadata: {{name: shop-preview}}, spec: {{selector: {{app: shop}}, ports: [{{name: http, port: 80, targetPort: http}}]}}}}
  - apiVersion: argoproj.io/v1alpha1
    kind: AnalysisTemplate
    metadata: {{name: success-rate}}
    spec:
      args: [{{name: service}}]
      metrics:
        - name: success-rate
          initialDelay: 30s
          successCondition: result[0] >= 0.99
          provider:
            kubesim: {{metric: successRate, service: "{{{{args.service}}}}", window: 20s}}
traffic:
  - {{target: service/shop-active, rate: {{steps: [{{at: 30s, rate: 200/s}}]}}, timeout: 2s}}
  - {{target: service/shop-preview, rate: {{steps: [{{at: 30s, rate: 50/s}}]}}, timeout: 2s}}
timeline:
  - at: 1m
    run: kubectl argo rollouts set image shop shop=example/shop:2
"#
    )
}

const PRE: &str = "          prePromotionAnalysis:
            templates: [{templateName: success-rate}]
            args: [{name: service, value: shop-preview}]";
const POST: &str = "          postPromotionAnalysis:
            templates: [{templateName: success-rate}]
            args: [{name: service, value: shop-active}]";

fn messages<'a>(o: &'a Outcome, reason: &str) -> Vec<(f64, &'a str, &'a str)> {
    events(o, reason).iter().map(|e| (secs(e.time), e.object.as_str(), e.message.as_str())).collect()
}

fn live_pods(o: &Outcome, image: &str) -> usize {
    o.store.pods.iter().filter(|p| !p.is_gone() && p.spec.containers[0].image == image).count()
}

fn service_failures(o: &Outcome, service: &str) -> u64 {
    let s = o.metrics.traffic.services.iter().find(|s| s.name == service).expect("the Service");
    s.run.errors
}

/// A v2 that answers 5% of its requests with errors fails its pre-promotion run (the
/// preview's success rate about 0.95 < 0.99): the update is aborted with Argo's message, the
/// active Service never leaves v1, so the users' requests never meet v2.
#[test]
fn a_bad_version_fails_pre_promotion_analysis_and_never_receives_user_traffic() {
    let o = run_text(&blue_green(", errorRate: 0.05", PRE));
    let aborted = messages(&o, "RolloutAborted");
    assert_eq!(aborted.len(), 1, "{aborted:?}");
    assert_eq!(
        aborted[0].2,
        "Rollout aborted update to revision 2: Blue/green pre-promotion analysis phase error/failed: Metric \"success-rate\" assessed Failed due to failed (1) > failureLimit (0)"
    );
    let run = messages(&o, "AnalysisRunFailed");
    assert!(
        run.iter().any(|(_, object, _)| object.starts_with("analysisrun/shop-") && object.ends_with("-2-pre")),
        "{run:?}"
    );
    assert!(
        run.iter().any(|(_, object, m)| *object == "rollout/shop" && m.starts_with("PrePromotion Analysis Run 'shop-")),
        "{run:?}"
    );
    assert!(events(&o, "SwitchService").is_empty(), "the active Service never switched");
    assert_eq!(service_failures(&o, "shop-active"), 0, "users never met v2");
    assert_eq!(live_pods(&o, "example/shop:2"), 0, "the preview is scaled down after the abort");
    assert_eq!(live_pods(&o, "example/shop:1"), 4);
}

/// A good v2 passes its pre-promotion run (measured 30s after the preview is full), and only
/// then the active Service switches and the update completes.
#[test]
fn a_good_version_switches_only_after_its_pre_promotion_run_succeeded() {
    let o = run_text(&blue_green("", PRE));
    let ok = messages(&o, "AnalysisRunSuccessful");
    let run_ok = ok.iter().find(|(_, object, _)| object.ends_with("-2-pre")).expect("the run succeeded");
    let running = messages(&o, "AnalysisRunRunning");
    let started = running.iter().find(|(_, object, _)| *object == "rollout/shop").expect("started").0;
    assert!((run_ok.0 - started - 30.0).abs() < 1.0, "measured 30s after it started: {started} -> {}", run_ok.0);
    let switch = messages(&o, "SwitchService");
    assert_eq!(switch.len(), 1);
    assert!(switch[0].0 >= run_ok.0, "the switch waits for the run: {} < {}", switch[0].0, run_ok.0);
    assert_eq!(events(&o, "RolloutCompleted").len(), 1);
    assert!(events(&o, "RolloutAborted").is_empty());
    assert_eq!(live_pods(&o, "example/shop:1"), 0, "v1 scaled down after the switch");
}

/// Post-promotion: the active Service switches to the bad v2 as soon as it is full, its run
/// fails 30s later, and the abort sends the active Service back to v1, which was kept at
/// full size (the stable ReplicaSet is not scaled down before the run succeeds).
#[test]
fn a_bad_version_fails_post_promotion_analysis_and_the_active_service_goes_back() {
    let o = run_text(&blue_green(", errorRate: 0.05", POST));
    let switch = messages(&o, "SwitchService");
    assert_eq!(switch.len(), 2, "to v2 then back to v1: {switch:?}");
    let aborted = messages(&o, "RolloutAborted");
    assert_eq!(aborted.len(), 1, "{aborted:?}");
    assert!(aborted[0].2.contains("Blue/green post-promotion analysis phase error/failed: Metric"), "{}", aborted[0].2);
    assert!(switch[1].0 >= aborted[0].0 && switch[1].2.ends_with(&format!("to '{}'", hash_of(&o, "example/shop:1"))));
    assert!(events(&o, "RolloutCompleted").iter().all(|e| secs(e.time) < 60.0), "v2 never completed");
    let v1_deleted = object_events(&o, "replicaset/shop-", "ScalingReplicaSet")
        .iter()
        .any(|e| e.message.contains(&hash_of(&o, "example/shop:1")) && e.message.contains("to 0"));
    assert!(!v1_deleted, "v1 is never scaled down");
    assert_eq!(live_pods(&o, "example/shop:1"), 4);
    assert_eq!(live_pods(&o, "example/shop:2"), 0);
    assert!(service_failures(&o, "shop-active") > 0, "users met v2 for the run's 30s");
}

/// A good v2 under post-promotion analysis becomes stable when the run succeeds; v1 keeps its
/// pods until then and is scaled down scaleDownDelaySeconds (30s) later.
#[test]
fn a_good_version_becomes_stable_when_its_post_promotion_run_succeeds() {
    let o = run_text(&blue_green("", POST));
    let switch = messages(&o, "SwitchService");
    assert_eq!(switch.len(), 1);
    let ok = messages(&o, "AnalysisRunSuccessful");
    let run_ok = ok.iter().find(|(_, object, _)| object.ends_with("-2-post")).expect("the run succeeded").0;
    assert!(run_ok >= switch[0].0 + 30.0, "{run_ok} vs switch at {}", switch[0].0);
    let completed = messages(&o, "RolloutCompleted");
    let done = completed.iter().find(|(_, _, m)| m.contains("revision 2")).expect("completed").0;
    assert!((done - run_ok).abs() < 1.0, "completed with the run: {done} vs {run_ok}");
    let v1 = hash_of(&o, "example/shop:1");
    let scaled = events(&o, "ScalingReplicaSet");
    let down = scaled.iter().find(|e| e.message.contains(&v1) && e.message.contains("to 0")).expect("v1 scaled down");
    let after = secs(down.time) - done;
    assert!((30.0..32.0).contains(&after), "scaleDownDelaySeconds after completion: {after}");
    assert_eq!(service_failures(&o, "shop-active"), 0);
}

/// The pod-template hash of the ReplicaSet running `image`.
fn hash_of(o: &Outcome, image: &str) -> String {
    let pod = o.store.pods.iter().find(|p| p.spec.containers[0].image == image).expect("a pod");
    pod.labels.get("rollouts-pod-template-hash").cloned().expect("hash label")
}

/// A template the Rollout names that is not among the objects is a load error at its place,
/// as for a canary (Argo could not create the run).
#[test]
fn a_missing_pre_promotion_template_is_refused_at_load() {
    let text = blue_green("", &PRE.replace("success-rate", "smoke-test"));
    let err = match kubesim::load_str(std::path::Path::new("inline.yaml"), &text, &[]) {
        Ok(_) => panic!("loaded, but it should not"),
        Err(d) => d.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n"),
    };
    assert!(
        err.contains("rollout/shop: spec.strategy.blueGreen.prePromotionAnalysis.templates[0].templateName: Not found: analysistemplate.argoproj.io \"smoke-test\""),
        "{err}"
    );
}

/// The example does what its comment and the README say: aborted at 95.6s by its
/// pre-promotion run, no user request meets v2.
#[test]
fn the_blue_green_analysis_example_stops_its_bad_version_as_the_readme_says() {
    let (_, o) = crate::support::run("scenarios/argo-blue-green-analysis.yaml", &[]);
    let aborted = messages(&o, "RolloutAborted");
    assert_eq!(aborted.len(), 1);
    assert!((aborted[0].0 - 95.57).abs() < 0.01, "{}", aborted[0].0);
    assert!(events(&o, "SwitchService").is_empty());
    let active = o.metrics.traffic.services.iter().find(|s| s.name == "shop-active").expect("active");
    assert_eq!((active.run.requests, active.run.errors), (54_078, 0));
    assert_eq!(o.metrics.traffic.errors_by_image.get("example/shop:2"), Some(&86));
}
