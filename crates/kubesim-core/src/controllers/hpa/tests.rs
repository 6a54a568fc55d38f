//! Cases from Kubernetes' own tests (pkg/controller/podautoscaler): replica_calculator_test.go
//! and horizontal_test.go, each named after the test it reproduces. Kubernetes' fixtures
//! give every pod two containers with the same request and usage; here a pod has one, so
//! the ratios (and replica counts) are the same and the raw averages are per pod.

use super::*;
use crate::model::spec::{HpaBehavior, ScalingPolicy, ScalingPolicyType, ScalingRules, SelectPolicy};
use crate::model::store::PodPhase;

const NOW: SimTime = SimTime(3_600_000_000);

fn params() -> HpaParams {
    HpaParams {
        tolerance: 0.1,
        cpu_initialization_period: SimDuration::from_secs(300),
        initial_readiness_delay: SimDuration::from_secs(30),
        downscale_stabilization: SimDuration::from_secs(300),
    }
}

fn ago(secs: u64) -> SimTime {
    SimTime(NOW.0 - secs * 1_000_000)
}

/// A Running pod started long ago ("cool" cpu), ready, with `level` used of `request`.
fn pod(request: i64, level: Option<i64>) -> PodSample {
    PodSample {
        phase: PodPhase::Running,
        deleting: false,
        ready: true,
        start: Some(ago(3000)),
        ready_transition: ago(2990),
        request: Ok(request),
        metric: level.map(|value| PodMetric { value, timestamp: NOW, window: SimDuration::from_secs(60) }),
    }
}

fn pods(levels: &[i64]) -> Vec<PodSample> {
    levels.iter().map(|&l| pod(1000, Some(l))).collect()
}

/// Not ready since its start (the fixture's zero-time transition).
fn unready(mut p: PodSample) -> PodSample {
    p.ready = false;
    p.ready_transition = p.start.unwrap_or(SimTime::ZERO);
    p
}

/// Started a minute ago, ready, its sample not a whole window after turning ready.
fn hot(mut p: PodSample) -> PodSample {
    p.start = Some(ago(60));
    p.ready_transition = ago(30);
    p
}

fn cpu(current: i32, target: i32, pods: &[PodSample]) -> Result<Proposal, String> {
    resource_replicas(current, target, pods, true, &params(), NOW)
}

fn qps(current: i32, target: i64, pods: &[PodSample]) -> Result<Proposal, String> {
    plain_replicas(current, target, pods, false, &params(), NOW)
}

fn expect(r: Result<Proposal, String>, replicas: i32, utilization: i32) {
    let p = r.unwrap_or_else(|e| panic!("unexpected error: {e}"));
    assert_eq!((p.replicas, p.utilization), (replicas, Some(utilization)));
}

#[test]
fn scale_up() {
    // TestReplicaCalcScaleUp: 300m, 500m, 700m of 1 cpu, target 30% -> 5.
    let p = cpu(3, 30, &pods(&[300, 500, 700])).unwrap();
    assert_eq!((p.replicas, p.utilization, p.average), (5, Some(50), 500));
}

#[test]
fn scale_up_with_an_unready_pod_scales_less() {
    // TestReplicaCalcScaleUpUnreadyLessScale.
    let mut ps = pods(&[300, 500, 700]);
    ps[0] = unready(ps[0].clone());
    expect(cpu(3, 30, &ps), 4, 60);
    // TestReplicaCalcScaleUpHotCpuLessScale: a fresh sample of a starting pod counts as 0.
    let mut ps = pods(&[300, 500, 700]);
    ps[0] = hot(ps[0].clone());
    expect(cpu(3, 30, &ps), 4, 60);
}

#[test]
fn unready_pods_can_cancel_a_scale_up() {
    // TestReplicaCalcScaleUpUnreadyNoScale.
    let mut ps = pods(&[400, 500, 700]);
    ps[1] = unready(ps[1].clone());
    ps[2] = unready(ps[2].clone());
    expect(cpu(3, 30, &ps), 3, 40);
    // TestReplicaCalcScaleHotCpuNoScale.
    let mut ps = pods(&[400, 500, 700]);
    ps[1] = unready(hot(ps[1].clone()));
    ps[2] = unready(hot(ps[2].clone()));
    expect(cpu(3, 30, &ps), 3, 40);
}

#[test]
fn failed_and_deleted_pods_are_ignored() {
    // TestReplicaCalcScaleUpIgnoresFailedPods / ...IgnoresDeletionPods.
    let mut ps = pods(&[500, 700]);
    for deleting in [false, true] {
        let mut extra = unready(pod(1000, None));
        if deleting {
            extra.deleting = true;
        } else {
            extra.phase = PodPhase::Failed;
        }
        ps.truncate(2);
        ps.extend([extra.clone(), extra]);
        expect(cpu(2, 30, &ps), 4, 60);
    }
}

#[test]
fn scale_down() {
    // TestReplicaCalcScaleDown: 5 pods at 100/300/500/250/250m, target 50% -> 3.
    let p = cpu(5, 50, &pods(&[100, 300, 500, 250, 250])).unwrap();
    assert_eq!((p.replicas, p.utilization, p.average), (3, Some(28), 280));
    // TestReplicaCalcScaleDownIncludeUnreadyPods: unready pods are left out of the count.
    let mut ps = pods(&[100, 300, 500, 250, 250]);
    ps[3] = unready(ps[3].clone());
    ps[4] = unready(ps[4].clone());
    expect(cpu(5, 50, &ps), 2, 30);
    // TestReplicaCalcScaleDownIgnoreHotCpuPods.
    let mut ps = pods(&[100, 300, 500, 250, 250]);
    ps[3] = hot(ps[3].clone());
    ps[4] = hot(ps[4].clone());
    expect(cpu(5, 50, &ps), 2, 30);
}

#[test]
fn scale_down_excludes_unscheduled_pods() {
    // TestReplicaCalcScaleDownExcludeUnscheduledPods.
    let mut ps = vec![pod(1000, Some(100))];
    for _ in 0..4 {
        let mut p = unready(pod(1000, None));
        p.phase = PodPhase::Pending;
        ps.push(p);
    }
    expect(cpu(5, 50, &ps), 1, 10);
}

#[test]
fn tolerance() {
    // TestReplicaCalcTolerance: 102% of a 100% target is within 10%.
    let ps = vec![pod(900, Some(1010)), pod(1000, Some(1030)), pod(1100, Some(1020))];
    expect(cpu(3, 100, &ps), 3, 102);
}

#[test]
fn missing_metrics() {
    // TestReplicaCalcMissingMetrics: on a scale-down, pods without samples use 100%.
    let ps = vec![pod(1000, Some(400)), pod(1000, Some(95)), pod(1000, None), pod(1000, None)];
    expect(cpu(4, 100, &ps), 3, 24);
    // TestReplicaCalcMissingMetricsNoChangeEq / Gt / Lt.
    for (level, util) in [(1000, 100), (1900, 190), (600, 60)] {
        expect(cpu(2, 100, &[pod(1000, Some(level)), pod(1000, None)]), 2, util);
    }
    // TestReplicaCalcMissingMetricsUnreadyChange.
    let ps = vec![unready(pod(1000, Some(100))), pod(1000, Some(450)), pod(1000, None)];
    expect(cpu(3, 50, &ps), 3, 45);
    // TestReplicaCalcMissingMetricsUnreadyScaleUp: missing at 0, unready at 0.
    let ps = vec![unready(pod(1000, Some(100))), pod(1000, Some(2000)), pod(1000, None)];
    expect(cpu(3, 50, &ps), 4, 200);
    // TestReplicaCalcMissingMetricsUnreadyScaleDown.
    let ps = vec![unready(pod(1000, Some(100))), pod(1000, Some(100)), pod(1000, Some(100)), pod(1000, None)];
    expect(cpu(4, 50, &ps), 3, 10);
}

#[test]
fn rolling_update_with_max_surge() {
    // TestReplicaCalcDuringRollingUpdateWithMaxSurge: the surge pod without a sample does
    // not turn a 2-replica target into 3.
    let ps = vec![pod(1000, Some(100)), pod(1000, Some(100)), pod(1000, None)];
    expect(cpu(2, 50, &ps), 2, 10);
}

#[test]
fn errors_in_kubernetes_words() {
    // TestReplicaCalcEmptyCPURequest.
    let mut p = pod(1000, Some(200));
    p.request = Err("container web of Pod web-0".into());
    let e = cpu(1, 100, &[p]).unwrap_err();
    assert!(e.starts_with("missing request for cpu"), "{e}");
    let e = cpu(1, 100, &[unready(pod(1000, Some(100)))]).unwrap_err();
    assert_eq!(e, "did not receive metrics for any ready pods");
    assert_eq!(cpu(1, 100, &[]).unwrap_err(), "no pods returned by selector while calculating replica count");
}

#[test]
fn custom_pod_metrics() {
    // TestReplicaCalcScaleUpCM: qps 20k / 10k / 30k per pod, target 15k -> 4.
    let ps = pods(&[20000, 10000, 30000]);
    let p = qps(3, 15000, &ps).unwrap();
    assert_eq!((p.replicas, p.average), (4, 20000));
    // TestReplicaCalcScaleUpCMUnreadyHotCpuNoLessScale: readiness does not matter here.
    let mut ps = pods(&[50000, 10000, 30000]);
    ps[2] = unready(hot(ps[2].clone()));
    assert_eq!(qps(3, 15000, &ps).unwrap().replicas, 6);
    // TestReplicaCalcScaleUpCMUnreadyHotCpuScaleWouldScaleDown.
    let mut ps = pods(&[50000, 15000, 30000]);
    ps[0] = unready(hot(ps[0].clone()));
    ps[2] = unready(hot(ps[2].clone()));
    let p = qps(3, 15000, &ps).unwrap();
    assert_eq!((p.replicas, p.average), (7, 31666));
    // TestReplicaCalcScaleDownCM and TestReplicaCalcToleranceCM.
    assert_eq!(qps(5, 20000, &pods(&[12000; 5])).unwrap().replicas, 3);
    let p = qps(3, 20000, &pods(&[20000, 21000, 21000])).unwrap();
    assert_eq!((p.replicas, p.average), (3, 20666));
}

fn spec(min: i32, max: i32, behavior: Option<HpaBehavior>) -> HpaSpec {
    HpaSpec {
        target: crate::model::spec::ScaleTargetRef { kind: crate::model::spec::Kind::Deployment, name: "web".into() },
        min_replicas: min,
        max_replicas: max,
        metrics: vec![HpaMetric::Resource { resource: HpaResource::Cpu, target: ResourceTarget::Utilization(50) }],
        behavior,
    }
}

fn rules(policies: &[(ScalingPolicyType, i32, i32)], window: Option<i32>) -> ScalingRules {
    ScalingRules {
        stabilization_window_seconds: window,
        select_policy: SelectPolicy::Max,
        policies: policies
            .iter()
            .map(|&(kind, value, period_seconds)| ScalingPolicy { kind, value, period_seconds })
            .collect(),
    }
}

fn defaults() -> HpaBehavior {
    HpaBehavior { scale_up: ScalingRules::default_scale_up(), scale_down: ScalingRules::default_scale_down() }
}

fn normalize(s: &HpaSpec, m: &mut HpaMemory, current: i32, desired: i32, now: SimTime) -> Normalized {
    m.record_initial(current, now);
    normalize_with_behaviors(s, m, current, desired, s.min_replicas, &params(), now)
}

#[test]
fn scale_up_rate_policies() {
    use ScalingPolicyType::{Percent, Pods};
    // horizontal_test.go TestScalingWithRules, "scaleUp with default behavior": 10 -> 50
    // is held to 20 (max of +100% and +4 pods).
    let n = normalize(&spec(1, 1000, Some(defaults())), &mut HpaMemory::default(), 10, 50, NOW);
    assert_eq!(n, Normalized { replicas: 20, limited_by: "ScaleUpLimit", stabilized: None });
    // ... "scaleUp with pods policy larger than percent policy".
    let b = HpaBehavior { scale_up: rules(&[(Pods, 100, 60), (Percent, 100, 60)], Some(0)), ..defaults() };
    let n = normalize(&spec(1, 1000, Some(b)), &mut HpaMemory::default(), 10, 500, NOW);
    assert_eq!(n.replicas, 110);
    // ... "scaleUp with percent policy larger than pods policy".
    let b = HpaBehavior { scale_up: rules(&[(Pods, 2, 60), (Percent, 100, 60)], Some(0)), ..defaults() };
    let n = normalize(&spec(1, 1000, Some(b)), &mut HpaMemory::default(), 10, 500, NOW);
    assert_eq!(n.replicas, 20);
    // A small set grows by 4 pods, not 100%: 2 -> 6.
    let n = normalize(&spec(1, 1000, Some(defaults())), &mut HpaMemory::default(), 2, 50, NOW);
    assert_eq!(n.replicas, 6);
    // maxReplicas caps it.
    let n = normalize(&spec(1, 15, Some(defaults())), &mut HpaMemory::default(), 10, 50, NOW);
    assert_eq!(n, Normalized { replicas: 15, limited_by: "TooManyReplicas", stabilized: None });
}

#[test]
fn scale_up_events_count_within_their_period() {
    use ScalingPolicyType::Pods;
    // 4 pods per 60s: after 10 -> 14, a sync 15s later may not add more; 61s later it may.
    let b = HpaBehavior { scale_up: rules(&[(Pods, 4, 60)], Some(0)), ..defaults() };
    let s = spec(1, 100, Some(b));
    let mut m = HpaMemory::default();
    assert_eq!(normalize(&s, &mut m, 10, 30, ago(61)).replicas, 14);
    store_scale_event(&s, &mut m, 10, 14, ago(61));
    assert_eq!(normalize(&s, &mut m, 14, 30, ago(46)).replicas, 14);
    assert_eq!(normalize(&s, &mut m, 14, 30, NOW).replicas, 18);
}

#[test]
fn scale_down_waits_for_the_stabilization_window() {
    // The highest recommendation of the last 300s wins: load falls at t=0 (10 wanted
    // before, 3 after); the size stays 10 until the last "10" is older than the window.
    let s = spec(1, 100, Some(defaults()));
    let mut m = HpaMemory::default();
    let t0 = SimTime(1_000_000_000);
    let at = |s: u64| t0 + SimDuration::from_secs(s);
    m.record_initial(10, at(0));
    for k in 0..20u64 {
        assert_eq!(normalize(&s, &mut m, 10, 3, at(k * 15)).replicas, 10, "at {}s", k * 15);
    }
    // 300s after the initial recommendation it has left the window.
    assert_eq!(normalize(&s, &mut m, 10, 3, at(301)).replicas, 3);
    // Without behavior the same window applies (normalizeDesiredReplicas).
    let legacy = spec(1, 100, None);
    let mut m = HpaMemory::default();
    m.record_initial(10, at(0));
    assert_eq!(normalize_legacy(&legacy, &mut m, 10, 3, 1, &params(), at(150)).replicas, 10);
    assert_eq!(normalize_legacy(&legacy, &mut m, 10, 3, 1, &params(), at(299)).replicas, 10);
    assert_eq!(normalize_legacy(&legacy, &mut m, 10, 3, 1, &params(), at(301)).replicas, 3);
}

#[test]
fn legacy_scale_up_limit() {
    // Without behavior: at most max(2 x current, 4) per sync (calculateScaleUpLimit).
    let s = spec(1, 100, None);
    assert_eq!(normalize_legacy(&s, &mut HpaMemory::default(), 1, 10, 1, &params(), NOW).replicas, 4);
    let n = normalize_legacy(&s, &mut HpaMemory::default(), 10, 50, 1, &params(), NOW);
    assert_eq!(n, Normalized { replicas: 20, limited_by: "ScaleUpLimit", stabilized: None });
}

#[test]
fn select_policy_min_and_disabled() {
    use ScalingPolicyType::{Percent, Pods};
    let mut up = rules(&[(Pods, 4, 15), (Percent, 100, 15)], Some(0));
    up.select_policy = SelectPolicy::Min;
    let b = HpaBehavior { scale_up: up.clone(), ..defaults() };
    assert_eq!(normalize(&spec(1, 100, Some(b)), &mut HpaMemory::default(), 10, 50, NOW).replicas, 14);
    up.select_policy = SelectPolicy::Disabled;
    let b = HpaBehavior { scale_up: up, ..defaults() };
    assert_eq!(normalize(&spec(1, 100, Some(b)), &mut HpaMemory::default(), 10, 50, NOW).replicas, 10);
    let mut down = rules(&[(Percent, 50, 15)], Some(0));
    down.select_policy = SelectPolicy::Max;
    let b = HpaBehavior { scale_down: down, ..defaults() };
    assert_eq!(normalize(&spec(1, 100, Some(b)), &mut HpaMemory::default(), 10, 1, NOW).replicas, 5);
}

fn input<'a>(s: &'a HpaSpec, current: i32, pods: &'a [Vec<PodSample>], p: &'a HpaParams) -> HpaInput<'a> {
    HpaInput { spec: s, current, pods_per_metric: pods, params: p, now: NOW }
}

#[test]
fn reconcile_rescales_with_kubernetes_reasons() {
    let p = params();
    let s = spec(1, 10, Some(defaults()));
    let ps = vec![pods(&[900, 900, 900])];
    let d = reconcile(&input(&s, 3, &ps, &p), &mut HpaMemory::default());
    assert_eq!(d.desired, 6);
    assert!(d.rescale);
    assert_eq!(d.reason, "cpu resource utilization (percentage of request) above target");
    // Below target, with nothing remembered above it: All metrics below target.
    let ps = vec![pods(&[100, 100, 100, 100])];
    let mut m = HpaMemory::default();
    let mut s0 = spec(
        1,
        10,
        Some(HpaBehavior { scale_down: rules(&[(ScalingPolicyType::Percent, 100, 15)], Some(0)), ..defaults() }),
    );
    s0.min_replicas = 1;
    let d = reconcile(&input(&s0, 4, &ps, &p), &mut m);
    assert_eq!((d.desired, d.reason.as_str()), (1, "All metrics below target"));
    // Above maxReplicas: straight to it.
    let d = reconcile(&input(&s, 12, &ps, &p), &mut HpaMemory::default());
    assert_eq!((d.desired, d.reason.as_str()), (10, "Current number of replicas above Spec.MaxReplicas"));
}

#[test]
fn reconcile_reports_metric_failures() {
    let p = params();
    let s = spec(1, 10, None);
    let ps = vec![vec![pod(1000, None), pod(1000, None)]];
    let d = reconcile(&input(&s, 2, &ps, &p), &mut HpaMemory::default());
    assert!(!d.rescale);
    assert_eq!(
        d.warnings,
        vec![
            ("FailedGetResourceMetric", "failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API".to_string()),
            ("FailedComputeMetricsReplicas", "invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource metric value: failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API".to_string()),
        ]
    );
}

/// The kind, status and reason of each condition a sync set, in order.
fn conditions(d: &HpaDecision) -> Vec<(&'static str, bool, &'static str)> {
    d.conditions.iter().map(|c| (c.kind, c.status, c.reason)).collect()
}

#[test]
fn reconcile_sets_the_status_conditions_as_horizontal_go_does() {
    // horizontal.go reconcileAutoscaler / computeReplicasForMetrics / normalizeDesiredReplicas*
    // (and the conditions its TestScaleUp / TestScaleDownStabilization-style cases expect).
    let p = params();
    // Three pods at 100% of a 50% target: 6, within the default behaviour's rate.
    let s = spec(1, 100, Some(defaults()));
    let ps = vec![pods(&[1000, 1000, 1000])];
    let d = reconcile(&input(&s, 3, &ps, &p), &mut HpaMemory::default());
    assert_eq!(
        conditions(&d),
        [
            ("AbleToScale", true, "SucceededGetScale"),
            ("ScalingActive", true, "ValidMetricFound"),
            ("AbleToScale", true, "ReadyForNewScale"),
            ("ScalingLimited", false, "DesiredWithinRange"),
            ("AbleToScale", true, "SucceededRescale"),
        ]
    );
    assert_eq!(d.conditions[1].message, "the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)");
    assert_eq!(
        d.conditions[4].message,
        format!("the HPA controller was able to update the target scale to {}", d.desired)
    );
    // maxReplicas caps a scale-up: ScalingLimited True TooManyReplicas.
    let d = reconcile(&input(&spec(1, 4, None), 3, &ps, &p), &mut HpaMemory::default());
    assert_eq!(d.desired, 4);
    let limited = d.conditions.iter().find(|c| c.kind == "ScalingLimited").expect("ScalingLimited");
    assert_eq!((limited.status, limited.reason), (true, "TooManyReplicas"));
    assert_eq!(limited.message, "the desired replica count is more than the maximum replica count");
    // Load falls within the stabilisation window: ScaleDownStabilized, no rescale.
    let mut m = HpaMemory::default();
    let high = vec![pods(&[500, 500, 500, 500])];
    reconcile(&input(&spec(1, 100, None), 4, &high, &p), &mut m);
    let low = vec![pods(&[100, 100, 100, 100])];
    let d = reconcile(&input(&spec(1, 100, None), 4, &low, &p), &mut m);
    assert!(!d.rescale);
    let able = d.conditions.iter().rev().find(|c| c.kind == "AbleToScale").expect("AbleToScale");
    assert_eq!(able.reason, "ScaleDownStabilized");
    assert_eq!(
        able.message,
        "recent recommendations were higher than current one, applying the highest recent recommendation"
    );
    // No metrics: ScalingActive False with the metric's failure reason.
    let none = vec![vec![pod(1000, None)]];
    let d = reconcile(&input(&spec(1, 10, None), 1, &none, &p), &mut HpaMemory::default());
    let active = d.conditions.iter().find(|c| c.kind == "ScalingActive").expect("ScalingActive");
    assert_eq!((active.status, active.reason), (false, "FailedGetResourceMetric"));
    assert!(active
        .message
        .starts_with("the HPA was unable to compute the replica count: failed to get cpu utilization"));
    // Scaled to zero by hand: ScalingDisabled.
    let d = reconcile(&input(&spec(1, 10, None), 0, &none, &p), &mut HpaMemory::default());
    assert_eq!(conditions(&d)[1], ("ScalingActive", false, "ScalingDisabled"));
}
