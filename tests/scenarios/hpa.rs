//! HorizontalPodAutoscaler: traffic drives CPU use through `cpuPerRequest`, and the HPA
//! follows it at the rates Kubernetes' defaults allow.

use crate::support::{column, events, run, run_text};
use kubesim::engine::SimTime;
use kubesim::sim::Outcome;

/// (time in seconds, new size) of every SuccessfulRescale, in order.
fn rescales(o: &Outcome) -> Vec<(f64, i32)> {
    events(o, "SuccessfulRescale")
        .iter()
        .map(|e| {
            let size = e.message.trim_start_matches("New size: ").split(';').next().unwrap_or("");
            (e.time.as_secs_f64(), size.parse().unwrap_or_else(|_| panic!("size in {}", e.message)))
        })
        .collect()
}

/// The value of a time-series column at the last sample at or before `t` seconds.
fn at(o: &Outcome, name: &str, t: f64) -> Option<f64> {
    column(o, name).into_iter().take_while(|&(time, _)| time <= t).last().and_then(|(_, value)| value)
}

/// Each rescale up is within the default policy: at most max(+100%, +4 pods) per 15s.
fn assert_within_scale_up_policy(start: i32, events: &[(f64, i32)]) {
    let mut sizes: Vec<(f64, i32)> = vec![(0.0, start)];
    for &(t, n) in events {
        let before = sizes.iter().rev().find(|(s, _)| *s <= t - 15.0).map_or(start, |x| x.1);
        let base = sizes.last().map_or(start, |x| x.1);
        if n > base {
            assert!(n <= (2 * before).max(before + 4), "{base} -> {n} at {t}s (15s earlier: {before})");
        }
        sizes.push((t, n));
    }
}

#[test]
fn a_traffic_step_doubles_the_replicas_and_scale_down_waits_300s() {
    let (_, o) = run("scenarios/hpa-traffic-step.yaml", &[]);
    let events = rescales(&o);
    // Steady at 50% before the step: no rescale, 8 replicas.
    assert!(events.iter().all(|&(t, _)| t > 300.0), "{events:?}");
    let util = at(&o, "hpa/web/cpu_utilization", 299.0).unwrap();
    assert!((45.0..=55.0).contains(&util), "utilization {util}% before the step");
    // The load doubles at 5m: the first sync after it doubles the replicas.
    let (t_up, n_up) = events[0];
    assert!(t_up <= 300.0 + 30.0, "first rescale at {t_up}s");
    assert_eq!(n_up, 16, "{events:?}");
    assert_within_scale_up_policy(8, &events);
    assert_eq!(at(&o, "deployment/web/ready", 360.0), Some(16.0));
    let util = at(&o, "hpa/web/cpu_utilization", 540.0).unwrap();
    assert!((45.0..=55.0).contains(&util), "utilization {util}% at 16 replicas");
    // The load falls back at 10m: nothing shrinks for the 300s window after the last high
    // recommendation (the sync just after 600s), then the HPA goes back to 8.
    let downs: Vec<(f64, i32)> = events.iter().copied().filter(|&(_, n)| n < 16).collect();
    let first_down = downs.first().expect("a scale-down").0;
    assert!((600.0 + 300.0..=600.0 + 300.0 + 30.0).contains(&first_down), "first scale-down at {first_down}s");
    assert_eq!(downs.last().map(|d| d.1), Some(8), "{downs:?}");
    assert_eq!(at(&o, "hpa/web/desired_replicas", 1200.0), Some(8.0));
    let message = o.recorder.records.iter().find(|e| e.reason == "SuccessfulRescale").map(|e| e.message.clone());
    assert_eq!(
        message.as_deref(),
        Some("New size: 16; reason: cpu resource utilization (percentage of request) above target")
    );
    let down = o.recorder.records.iter().filter(|e| e.reason == "SuccessfulRescale").nth(1).map(|e| e.message.clone());
    assert!(down.unwrap_or_default().ends_with("; reason: All metrics below target"));
    // Requests fail only where pods leave: a terminating pod refuses what the proxies,
    // a second behind, still send it (no preStop delay), as in a real cluster.
    let web = &o.metrics.traffic.services[0].run;
    assert!(web.errors * 1000 < web.requests, "{} errors of {}", web.errors, web.requests);
}

const SMALL: &str = r#"
name: hpa-small
duration: 8m
sample: 5s
cluster:
  nodes: [{name: worker, count: 4, capacity: {cpu: "16", memory: 32Gi, pods: 110}}]
images:
  web:1: {pull: 2s, start: 1s, concurrency: 50, serviceTime: 10ms, cpuPerRequest: 2m}
objects:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      replicas: 2
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec:
          containers: [{name: web, image: "web:1", resources: {requests: {cpu: 200m}}}]
  - apiVersion: v1
    kind: Service
    metadata: {name: web}
    spec: {selector: {app: web}, ports: [{port: 80}]}
HPA
traffic:
  - target: service/web
    rate: {steps: [{at: 0s, rate: 100/s}, {at: 2m, rate: 1000/s}]}
timeline:
TIMELINE
"#;

#[test]
fn a_large_step_is_taken_at_most_max_100_percent_and_4_pods_per_15s() {
    // 100/s x 2m over 2 pods of 200m is 50%; 1000/s wants 20 pods, reached in steps.
    let hpa = r#"  - apiVersion: autoscaling/v2
    kind: HorizontalPodAutoscaler
    metadata: {name: web}
    spec:
      scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
      minReplicas: 1
      maxReplicas: 40
      metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}}]
      behavior: {scaleUp: {stabilizationWindowSeconds: 0}}"#;
    let o = run_text(&SMALL.replace("HPA", hpa).replace("TIMELINE", "  []").replace("timeline:\n  []", ""));
    let events = rescales(&o);
    assert!(events.len() >= 2, "the step takes several rescales: {events:?}");
    assert_eq!(events[0].1, 6, "2 pods grow by 4 (more than 100%): {events:?}");
    assert_within_scale_up_policy(2, &events);
    assert_eq!(at(&o, "hpa/web/desired_replicas", 480.0), Some(20.0), "{events:?}");
}

#[test]
fn kubectl_autoscale_creates_an_hpa_that_scales() {
    let timeline = "  - at: 30s\n    run: kubectl autoscale deployment web --min=2 --max=10 --cpu-percent=50";
    let o = run_text(&SMALL.replace("HPA", "").replace("TIMELINE", timeline));
    let h = o.store.find_hpa("default", "web").expect("the HPA exists");
    assert_eq!(o.store.hpas[h].spec.max_replicas, 10);
    let events = rescales(&o);
    // Without behavior: at most max(2 x current, 4) per sync, up to maxReplicas.
    assert_eq!(events.first().map(|e| e.1), Some(4), "{events:?}");
    assert_eq!(events.last().map(|e| e.1), Some(10), "{events:?}");
    assert!(events.iter().all(|&(t, _)| t >= 120.0), "{events:?}");
    assert!(o.end >= SimTime(480_000_000));
}

#[test]
fn a_request_rate_metric_scales_on_requests_per_pod() {
    let hpa = r#"  - apiVersion: autoscaling/v2
    kind: HorizontalPodAutoscaler
    metadata: {name: web}
    spec:
      scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
      minReplicas: 1
      maxReplicas: 40
      metrics: [{type: Pods, pods: {metric: {name: requests_per_second}, target: {type: AverageValue, averageValue: "100"}}}]"#;
    let o = run_text(&SMALL.replace("HPA", hpa).replace("TIMELINE", "  []").replace("timeline:\n  []", ""));
    // 100/s over 2 pods is 50 per pod, but the scale-down waits 300s, and at 2m the load
    // is 1000/s: at 100 per pod, 10 pods (11 while the highest recommendation of the last
    // 300s, made when 4 pods took it all, still counts: normalizeDesiredReplicas keeps the
    // highest one of its window, up as well as down).
    let events = rescales(&o);
    assert!(events.iter().all(|&(t, n)| t > 120.0 && n > 2), "{events:?}");
    let desired = at(&o, "hpa/web/desired_replicas", 480.0).unwrap_or(0.0);
    assert!((10.0..=11.0).contains(&desired), "{desired}: {events:?}");
    let rate = at(&o, "hpa/web/cpu_utilization", 480.0);
    assert_eq!(rate, None, "no cpu metric here");
}

/// The Deployment `web` (2 pods using 100m of 200m requested: 50%) and, matching its
/// selector `app: web` without belonging to it, a bare pod using 400m of 200m (200%).
const BARE_POD: &str = r#"
name: hpa-bare-pod
duration: 2m
sample: 5s
cluster:
  nodes: [{name: worker, count: 2, capacity: {cpu: "8", memory: 16Gi, pods: 110}}]
images:
  web:1: {pull: 1s, start: 1s, cpuIdle: 100m}
  hot:1: {pull: 1s, start: 1s, cpuIdle: 400m}
objects:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      replicas: 2
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec:
          containers: [{name: web, image: "web:1", resources: {requests: {cpu: 200m}}}]
  - apiVersion: v1
    kind: Pod
    metadata: {name: stray, labels: {app: web, role: debug}}
    spec:
      containers: [{name: web, image: "hot:1", resources: {requests: {cpu: 200m}}}]
  - apiVersion: autoscaling/v2
    kind: HorizontalPodAutoscaler
    metadata: {name: web}
    spec:
      scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
      minReplicas: 1
      maxReplicas: 20
      metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}}]
      behavior: {scaleUp: {stabilizationWindowSeconds: 0}}
"#;

#[test]
fn the_hpa_counts_every_pod_its_targets_selector_matches_a_bare_pod_included() {
    // The HPA lists the pods that the scale subresource's selector (the Deployment's
    // `app: web`) matches, whoever owns them (horizontal.go computeReplicasForMetrics,
    // replica_calculator.go GetResourceReplicas: podLister.Pods(ns).List(selector)).
    // Utilisation is total use over total requests (GetResourceUtilizationRatio):
    // (100m + 100m + 400m) / (3 x 200m) = 100%, not the Deployment's own 50%; ratio 100/50
    // = 2 over 3 ready pods proposes ceil(2 x 3) = 6, within the behavior's default
    // scale-up policies (the larger of +100% and +4 pods from 2). currentReplicas stays the target's spec.replicas (2),
    // scale.Spec.Replicas, until the rescale.
    let o = run_text(BARE_POD);
    let first = column(&o, "hpa/web/cpu_utilization").into_iter().find_map(|(t, v)| v.map(|v| (t, v)));
    let (t, utilization) = first.expect("a measured utilisation");
    assert_eq!(utilization, 100.0, "the bare pod's 400m is in the average");
    assert_eq!(at(&o, "hpa/web/current_replicas", t), Some(2.0), "scale.Spec.Replicas, not the 3 pods");
    let events = rescales(&o);
    assert_eq!(events.first().map(|e| e.1), Some(6), "ceil(2 x 3 ready pods): {events:?}");
    let first = o.recorder.records.iter().find(|e| e.reason == "SuccessfulRescale").map(|e| e.message.clone());
    assert_eq!(
        first.as_deref(),
        Some("New size: 6; reason: cpu resource utilization (percentage of request) above target")
    );
    // The bare pod is still there and still nobody's: only the Deployment grew.
    let stray = o.store.find_pod("default", "stray").expect("the bare pod");
    assert!(o.store.pods[stray].owner.is_none());
}

#[test]
fn describe_hpa_shows_the_conditions_as_the_traffic_step_goes() {
    // describe.go HorizontalPodAutoscalerDescriber; the conditions as horizontal.go sets them:
    // before metrics-server's first samples ScalingActive is False (FailedGetResourceMetric),
    // then ValidMetricFound; after the step the rescale is ScalingLimited False.
    let example =
        std::fs::read_to_string(crate::support::repo_path("scenarios/hpa-traffic-step.yaml")).expect("the example");
    assert!(!example.contains("\ntimeline:"), "the example has no timeline of its own");
    let text = format!(
        "{example}\ntimeline:\n  - {{at: 30s, run: kubectl describe hpa web}}\n  - {{at: 6m, run: kubectl describe hpa web}}\n"
    );
    let o = run_text(&text);
    let log = o.kubectl_log.expect("kubectl.log");
    let (early, late) = log.split_once("# t=360.000s").expect("two sections");
    assert!(early.contains("\nReference:                                             Deployment/web\n"), "{early}");
    assert!(
        early.contains("  ScalingActive  False   FailedGetResourceMetric  the HPA was unable to compute the replica count: failed to get cpu utilization"),
        "{early}"
    );
    assert!(late.contains("  ScalingActive   True    ValidMetricFound    the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)\n"), "{late}");
    assert!(
        late.contains(
            "  ScalingLimited  False   DesiredWithinRange  the desired count is within the acceptable range\n"
        ),
        "{late}"
    );
    assert!(
        late.contains("\nDeployment pods:                                       16 current / 16 desired\n"),
        "{late}"
    );
    assert!(late.contains("SuccessfulRescale             44s    horizontal-pod-autoscaler  New size: 16"), "{late}");
}
