//! Deployment features beyond the strategies: pause and resume, progress deadline, undo
//! errors, cleanup of old ReplicaSets.

use crate::support::{events, run_text, secs};
use kubesim::engine::SimTime;
use kubesim::sim::Outcome;

fn deployment(extra_spec: &str, timeline: &str, images: &str) -> String {
    crate::support::app_deployment("10m", extra_spec, timeline, images)
}

fn scaling_times(o: &Outcome) -> Vec<f64> {
    events(o, "ScalingReplicaSet").iter().map(|e| secs(e.time)).collect()
}

#[test]
fn a_paused_rollout_stops_and_resume_finishes_it() {
    let timeline = "  - {at: 60s, run: kubectl rollout pause deployment/app}
  - {at: 61s, run: kubectl set image deployment/app app=app:2}
  - {at: 5m, run: kubectl rollout resume deployment/app}";
    let o = run_text(&deployment("", timeline, "app:2: {pull: 1s, start: 1s}"));
    let times = scaling_times(&o);
    assert!(!times.iter().any(|&t| t > 61.0 && t < 300.0), "scaled while paused: {times:?}");
    assert!(times.iter().any(|&t| t >= 300.0), "resume did not roll out: {times:?}");
    let live: Vec<_> = o.store.pods.iter().filter(|p| !p.is_gone() && p.is_active()).collect();
    assert_eq!(live.len(), 4);
    assert!(live.iter().all(|p| p.spec.containers[0].image == "app:2"));
}

#[test]
fn a_stuck_rollout_reports_progress_deadline_exceeded_and_keeps_going() {
    let timeline = "  - {at: 30s, run: kubectl set image deployment/app app=app:2}";
    let o =
        run_text(&deployment("progressDeadlineSeconds: 60", timeline, "app:2: {pull: 1s, start: 1s, readyAfter: 1h}"));
    let exceeded: Vec<_> = o.recorder.records.iter().filter(|e| e.reason == "ProgressDeadlineExceeded").collect();
    assert_eq!(exceeded.len(), 1, "one timeout");
    let t = exceeded[0].time.as_secs_f64();
    assert!((90.0..100.0).contains(&t), "timed out at {t}s; the last progress was just after 30s");
    assert!(
        exceeded[0].message.starts_with("ReplicaSet \"app-")
            && exceeded[0].message.ends_with("\" has timed out progressing.")
    );
    // The rollout is not stopped: old pods still serve, new ones keep trying.
    let old_ready = o.store.pods.iter().filter(|p| !p.is_gone() && p.is_ready()).count();
    assert!(old_ready >= 3);
}

#[test]
fn undo_without_history_is_a_kubectl_error_event() {
    let timeline = "  - {at: 30s, run: kubectl rollout undo deployment/app}";
    let o = run_text(&deployment("", timeline, ""));
    let errors: Vec<_> = o.recorder.records.iter().filter(|e| e.reason == "KubectlError").collect();
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].message.ends_with("error: no rollout history found for deployment \"app\""),
        "{}",
        errors[0].message
    );
}

#[test]
fn old_replica_sets_beyond_the_history_limit_are_deleted() {
    let timeline = "  - {at: 30s, run: kubectl set image deployment/app app=app:2}
  - {at: 60s, run: kubectl set image deployment/app app=app:3}
  - {at: 90s, run: kubectl set image deployment/app app=app:4}";
    let o = run_text(&deployment("revisionHistoryLimit: 1", timeline, ""));
    let alive: Vec<_> = o.store.replica_sets.iter().filter(|r| !r.deleted).map(|r| r.revision).collect();
    assert_eq!(alive.len(), 2, "the current ReplicaSet and one old one: {alive:?}");
    assert!(alive.contains(&4));
}

#[test]
fn a_rollout_restart_replaces_every_pod() {
    let timeline = "  - {at: 30s, run: kubectl rollout restart deployment/app}";
    let o = run_text(&deployment("", timeline, ""));
    let before: Vec<_> = o.store.pods.iter().filter(|p| p.created < SimTime(30_000_000)).collect();
    assert!(before.iter().all(|p| p.terminating.is_some()), "every old pod was replaced");
    let live = o.store.pods.iter().filter(|p| !p.is_gone() && p.is_active()).count();
    assert_eq!(live, 4);
}
