//! The AnalysisRun's rules (analysis/analysis.go) on a fake source of figures.

use super::query::{Figure, Query, Target};
use super::*;
use std::cell::RefCell;

/// Answers each measurement with the next value of a list.
struct Values(RefCell<Vec<f64>>);

impl MetricSource for Values {
    fn measure(&self, _: &Query, _: SimTime) -> Result<Vec<f64>, String> {
        let mut v = self.0.borrow_mut();
        if v.is_empty() {
            return Ok(vec![]);
        }
        Ok(vec![v.remove(0)])
    }
}

fn metric(interval: Option<u64>, count: Option<u32>, failure_limit: i32) -> Metric {
    Metric {
        name: "success-rate".into(),
        interval: interval.map(SimDuration::from_secs),
        initial_delay: SimDuration::ZERO,
        count,
        failure_limit,
        inconclusive_limit: 0,
        consecutive_error_limit: 4,
        success_condition: Some("result[0] >= 0.99".into()),
        failure_condition: None,
        query: Query {
            figure: Figure::SuccessRate,
            target: Target::Service { name: "web-canary".into(), namespace: None },
            window: SimDuration::from_secs(60),
        },
    }
}

fn at(s: u64) -> SimTime {
    SimTime::ZERO + SimDuration::from_secs(s)
}

/// Runs the run at each time it asks for until it completes; the times of its measurements.
fn drive(run: &mut AnalysisRun, values: Vec<f64>) -> Vec<u64> {
    let src = Values(RefCell::new(values));
    let mut now = run.started;
    for _ in 0..100 {
        let (_, next) = run.reconcile(now, &src);
        match next {
            Some(t) => now = t,
            None => break,
        }
    }
    run.metrics[0].measurements.iter().map(|m| m.at.as_micros() / 1_000_000).collect()
}

#[test]
fn a_failed_measurement_fails_the_run_when_failure_limit_is_zero() {
    // failureLimit defaults to 0: failed (1) > failureLimit (0).
    let mut run = AnalysisRun::start(
        "web-abc-2-1".into(),
        RunKind::Step(1),
        "abc".into(),
        at(0),
        vec![metric(Some(60), Some(5), 0)],
    );
    let times = drive(&mut run, vec![0.95]);
    assert_eq!(times, vec![0]);
    assert_eq!(run.phase, Phase::Failed);
    assert_eq!(run.message, "Metric \"success-rate\" assessed Failed due to failed (1) > failureLimit (0)");
}

#[test]
fn measurements_run_every_interval_up_to_count() {
    let mut run =
        AnalysisRun::start("r".into(), RunKind::Step(0), "h".into(), at(10), vec![metric(Some(60), Some(3), 0)]);
    let times = drive(&mut run, vec![1.0, 0.999, 0.995]);
    assert_eq!(times, vec![10, 70, 130]);
    assert_eq!(run.phase, Phase::Successful);
}

#[test]
fn failures_up_to_the_limit_are_tolerated() {
    let mut run =
        AnalysisRun::start("r".into(), RunKind::Step(0), "h".into(), at(0), vec![metric(Some(30), Some(4), 2)]);
    drive(&mut run, vec![0.5, 1.0, 0.5, 1.0]);
    assert_eq!(run.phase, Phase::Successful, "2 failures, failureLimit 2");
    let mut run =
        AnalysisRun::start("r".into(), RunKind::Step(0), "h".into(), at(0), vec![metric(Some(30), Some(4), 2)]);
    let times = drive(&mut run, vec![0.5, 0.5, 0.5, 1.0]);
    assert_eq!(times, vec![0, 30, 60], "the third failure ends the run");
    assert_eq!(run.phase, Phase::Failed);
}

#[test]
fn an_empty_result_is_an_error_retried_every_ten_seconds_until_the_consecutive_error_limit() {
    // result[0] of an empty vector: the measurement is an Error; DefaultErrorRetryInterval
    // (10s) between them; consecutiveErrors (5) > consecutiveErrorLimit (4) ends it.
    let mut run =
        AnalysisRun::start("r".into(), RunKind::Background, "h".into(), at(0), vec![metric(Some(60), None, 0)]);
    let times = drive(&mut run, vec![]);
    assert_eq!(times, vec![0, 10, 20, 30, 40]);
    assert_eq!(run.phase, Phase::Error);
    assert!(run.message.contains("consecutiveErrors (5) > consecutiveErrorLimit (4)"), "{}", run.message);
}

#[test]
fn an_indefinite_background_run_ends_successful_when_terminated() {
    let mut run =
        AnalysisRun::start("r".into(), RunKind::Background, "h".into(), at(0), vec![metric(Some(60), None, 0)]);
    let src = Values(RefCell::new(vec![1.0, 1.0]));
    let (_, next) = run.reconcile(at(0), &src);
    assert_eq!(next, Some(at(60)));
    run.reconcile(at(60), &src);
    assert_eq!(run.phase, Phase::Running);
    run.terminate = true;
    let (events, next) = run.reconcile(at(90), &src);
    assert_eq!(run.phase, Phase::Successful);
    assert_eq!(next, None);
    assert!(events.iter().any(|e| e.reason == "AnalysisRunSuccessful"));
}

#[test]
fn conditions_decide_as_evaluate_result_does() {
    let mut m = metric(None, Some(1), 0);
    assert_eq!(evaluate(&m, &[0.995]), Ok(Phase::Successful));
    assert_eq!(evaluate(&m, &[0.98]), Ok(Phase::Failed));
    m.failure_condition = Some("result[0] < 0.9".into());
    // Both given: neither true is Inconclusive.
    assert_eq!(evaluate(&m, &[0.95]), Ok(Phase::Inconclusive));
    m.success_condition = None;
    assert_eq!(evaluate(&m, &[0.95]), Ok(Phase::Successful));
    m.failure_condition = None;
    assert_eq!(evaluate(&m, &[0.0]), Ok(Phase::Successful), "no condition: always Successful");
}
