//! A Job's suspend, podFailurePolicy, backoffLimitPerIndex and maxFailedIndexes,
//! successPolicy and podReplacementPolicy, as `kubectl get job` and the Job's events show
//! them (pkg/controller/job/job_controller.go and its tests).

use crate::support::{object_events, run_text, secs};
use kubesim::model::store::{Job, Pod, PodOwner};
use kubesim::sim::Outcome;
use std::path::Path;

fn the_job<'a>(o: &'a Outcome, name: &str) -> &'a Job {
    o.store.jobs.iter().find(|j| j.name == name).expect("the job")
}

/// The Job's pods, in creation order.
fn pods<'a>(o: &'a Outcome, name: &str) -> Vec<&'a Pod> {
    let id = o.store.jobs.iter().position(|j| j.name == name).expect("the job");
    o.store.pods.iter().filter(|p| matches!(p.owner, Some(PodOwner::Job(j)) if j.0 as usize == id)).collect()
}

/// (time, message) of the events with this reason on `object`.
fn events(o: &Outcome, object: &str, reason: &str) -> Vec<(f64, String)> {
    object_events(o, object, reason).iter().map(|e| (secs(e.time).round(), e.message.clone())).collect()
}

fn scenario(duration: &str, spec: &str, image: &str, timeline: &str) -> String {
    format!(
        "
duration: {duration}
cluster: {{nodes: [{{name: worker, count: 2, capacity: {{cpu: '4', memory: 8Gi}}}}]}}
images:
  work:1: {{pull: 1s, start: 0s, runFor: 30s}}
  crash:1: {{pull: 1s, start: 0s, crashAfter: 5s}}
  exit42:1: {{pull: 1s, start: 0s, crashAfter: 5s, exitCode: 42}}
  exit3:1: {{pull: 1s, start: 0s, crashAfter: 5s, exitCode: 3}}
  slow:1: {{pull: 1s, start: 0s, runFor: 10m, stop: 20s}}
objects:
  - apiVersion: batch/v1
    kind: Job
    metadata: {{name: j}}
    spec:
{spec}
      template:
        spec:
          restartPolicy: Never
          containers: [{{name: main, image: '{image}', resources: {{requests: {{cpu: 100m}}}}}}]
{timeline}"
    )
}

fn load_errors(text: &str) -> Vec<String> {
    match kubesim::load_str(Path::new("inline.yaml"), text, &[]) {
        Ok(_) => panic!("the scenario loaded, but it is invalid"),
        Err(d) => d.iter().map(|d| d.to_string()).collect(),
    }
}

fn patch(at: &str, suspend: bool) -> String {
    format!("  - {{at: {at}, run: 'kubectl patch job j -p \"{{\\\"spec\\\":{{\\\"suspend\\\":{suspend}}}}}\"'}}\n")
}

// job_controller_test.go TestSyncJobPastDeadline "activeDeadlineSeconds with
// suspend=true" / TestSyncJobDeleteActivePodsAfterSuspend and the "suspending a job with
// satisfied expectations" case: a suspended Job runs nothing, resuming it says so, starts its
// pods and resets startTime.
#[test]
fn a_job_created_suspended_runs_nothing_until_resumed() {
    let spec = "      suspend: true\n      completions: 2\n      parallelism: 2";
    let o = run_text(&scenario("3m", spec, "work:1", &format!("timeline:\n{}", patch("60s", false))));
    let ps = pods(&o, "j");
    assert_eq!(ps.len(), 2);
    assert!(ps.iter().all(|p| secs(p.created) >= 60.0), "no pod before the resume");
    assert_eq!(events(&o, "job/j", "Suspended"), vec![(0.0, "Job suspended".to_string())]);
    assert_eq!(events(&o, "job/j", "Resumed"), vec![(60.0, "Job resumed".to_string())]);
    let job = the_job(&o, "j");
    assert_eq!(job.status.start_time.map(|t| secs(t).round()), Some(60.0));
    assert_eq!(job.status.succeeded, 2);
    assert_eq!(events(&o, "job/j", "Completed").len(), 1);
}

#[test]
fn suspending_a_running_job_deletes_its_pods_and_resuming_restarts_its_deadline() {
    // Without the reset at the resume (40s) the deadline (45s from 0s) would fail the Job.
    let spec = "      completions: 2\n      parallelism: 2\n      activeDeadlineSeconds: 45";
    let timeline = format!("timeline:\n{}{}", patch("10s", true), patch("40s", false));
    let o = run_text(&scenario("3m", spec, "work:1", &timeline));
    let ps = pods(&o, "j");
    assert_eq!(ps.len(), 4, "two deleted at the suspension, two made at the resume");
    assert!(ps[..2].iter().all(|p| p.terminating.is_some_and(|t| (secs(t) - 10.0).abs() < 1.0)));
    assert!(ps[2..].iter().all(|p| secs(p.created) >= 40.0));
    assert_eq!(events(&o, "job/j", "SuccessfulDelete").len(), 2);
    assert_eq!(events(&o, "job/j", "Suspended"), vec![(10.0, "Job suspended".to_string())]);
    assert_eq!(events(&o, "job/j", "Resumed"), vec![(40.0, "Job resumed".to_string())]);
    let job = the_job(&o, "j");
    // The suspension's pods lost their tracking finalizer first (deleteJobPods): not failures.
    assert_eq!((job.status.succeeded, job.status.failed), (2, 0));
    assert!(events(&o, "job/j", "DeadlineExceeded").is_empty());
    assert_eq!(events(&o, "job/j", "Completed").len(), 1);
}

#[test]
fn kubectl_get_job_says_suspended() {
    let spec = "      suspend: true";
    let timeline = "timeline:\n  - {at: 30s, run: kubectl get jobs}\n";
    let o = run_text(&scenario("1m", spec, "work:1", timeline));
    let log = o.kubectl_log.clone().unwrap_or_default();
    assert!(log.contains("j      Suspended   0/1"), "{log}");
}

// TestSyncJobWithJobPodFailurePolicy "job marked failed for FailJob rule matching exit
// code 5 on the main container": the message names container, pod, code and rule.
// The pattern without `status` is the Kubernetes docs' example (job-pod-failure-policy-
// example.yaml): SetDefaults_Job (pkg/apis/batch/v1/defaults.go) makes it "True".
#[test]
fn a_fail_job_rule_fails_the_job_at_the_first_matching_exit_code() {
    let spec = "      backoffLimit: 6
      podFailurePolicy:
        rules:
        - {action: Ignore, onPodConditions: [{type: DisruptionTarget}]}
        - {action: FailJob, onExitCodes: {containerName: main, operator: In, values: [42]}}";
    let o = run_text(&scenario("3m", spec, "exit42:1", ""));
    let ps = pods(&o, "j");
    assert_eq!(ps.len(), 1, "no retry: the rule fails the Job");
    let failed = events(&o, "job/j", "PodFailurePolicy");
    assert_eq!(failed.len(), 1);
    assert_eq!(
        failed[0].1,
        format!(
            "Container main for pod default/{} failed with exit code 42 matching FailJob rule at index 1",
            ps[0].name
        )
    );
    // At the first sync after the pod failed (its exit at 6s: pull 1s, crash after 5s).
    let finished = secs(ps[0].finished.expect("finished"));
    assert!((6.0..7.0).contains(&finished) && failed[0].0 - finished < 1.0, "{finished} {failed:?}");
    assert!(events(&o, "job/j", "BackoffLimitExceeded").is_empty());
}

// TestSyncJobWithJobPodFailurePolicy "job marked failed for Ignore rule matching exit code
// ... not counted": ignored failures do not count toward backoffLimit, though the back-off
// still paces the replacements (newBackoffRecord counts every failed pod).
#[test]
fn ignored_failures_do_not_count_toward_the_backoff_limit() {
    let spec = "      backoffLimit: 0
      podFailurePolicy:
        rules:
        - {action: Ignore, onExitCodes: {operator: In, values: [3]}}";
    let o = run_text(&scenario("1m", spec, "exit3:1", ""));
    let ps = pods(&o, "j");
    assert_eq!(
        ps.len(),
        3,
        "tries at 0s, 16s and 37s within the minute: {:?}",
        ps.iter().map(|p| secs(p.created)).collect::<Vec<_>>()
    );
    let job = the_job(&o, "j");
    assert_eq!(job.status.failed, 0);
    assert!(job.status.finished.is_none());
    // Counted otherwise: backoffLimit 0 fails the Job at the first failure.
    let o = run_text(&scenario("1m", "      backoffLimit: 0", "exit3:1", ""));
    assert_eq!(events(&o, "job/j", "BackoffLimitExceeded").len(), 1);
}

#[test]
fn a_pod_failure_policy_needs_restart_policy_never_and_well_formed_rules() {
    let spec = "      podFailurePolicy:
        rules:
        - {action: FailIndex, onExitCodes: {operator: In, values: [0, 2, 1]}}
        - {action: Count}";
    let text = scenario("1m", spec, "work:1", "").replace("restartPolicy: Never", "restartPolicy: OnFailure");
    let e = load_errors(&text).join("\n");
    for expected in [
        "spec.template.spec.restartPolicy: Invalid value: \"OnFailure\": only \"Never\" is supported when podFailurePolicy is specified",
        "spec.podFailurePolicy.rules[0].action: Invalid value: \"FailIndex\": requires the backoffLimitPerIndex to be set",
        "spec.podFailurePolicy.rules[0].onExitCodes.values[0]: Invalid value: 0: must not be 0 for the In operator",
        "spec.podFailurePolicy.rules[0].onExitCodes.values: Invalid value: [0, 2, 1]: must be ordered",
        "spec.podFailurePolicy.rules[1]: Invalid value: specifying one of OnExitCodes and OnPodConditions is required",
    ] {
        assert!(e.contains(expected), "missing {expected:?} in:\n{e}");
    }
    assert!(e.contains("inline.yaml:"), "{e}");
}

#[test]
fn an_exit_code_outside_one_to_255_is_refused() {
    let text = scenario("1m", "      completions: 1", "work:1", "").replace("exitCode: 42", "exitCode: 0");
    let e = load_errors(&text).join("\n");
    assert!(e.contains("0 is not a failure's exit code: expected 1 to 255"), "{e}");
}

// e2e "should not count evicted pods ... Ignore rule on DisruptionTarget" (test/e2e/apps/
// job.go "Using a pod failure policy to not count some failures towards the backoffLimit"):
// a drain's eviction gives the pod the DisruptionTarget condition the rule ignores.
#[test]
fn an_evicted_pod_matches_a_disruption_target_rule() {
    let spec = "      backoffLimit: 0
      podFailurePolicy:
        rules:
        - {action: Ignore, onPodConditions: [{type: DisruptionTarget, status: 'True'}]}";
    let timeline = "timeline:
  - {at: 20s, run: kubectl drain worker-1 --grace-period=5}
  - {at: 20s, run: kubectl drain worker-2 --grace-period=5}
";
    let o = run_text(&scenario("2m", spec, "slow:1", timeline));
    let job = the_job(&o, "j");
    let ps = pods(&o, "j");
    assert!(ps[0].disruption.is_some(), "evicted: {:?}", ps[0].terminating);
    assert_eq!(job.status.failed, 0, "the eviction is not counted");
    assert!(job.status.finished.is_none());
    assert_eq!(ps.len(), 2, "a replacement waits for a node");
    // Without the rule, backoffLimit 0 fails the Job at the eviction.
    let o = run_text(&scenario("2m", "      backoffLimit: 0", "slow:1", timeline));
    assert_eq!(events(&o, "job/j", "BackoffLimitExceeded").len(), 1);
}

// job_controller_test.go TestSyncJobWithJobBackoffLimitPerIndex "job failed index is
// failed" and backoff_utils_test.go: an index fails at its backoffLimitPerIndex + 1-th
// failure; its retry waits the per-index back-off (10s after its first failure); the Job
// fails with FailedIndexes once every index is finished.
#[test]
fn an_index_past_its_backoff_limit_fails_and_the_job_fails_with_failed_indexes() {
    let spec =
        "      completionMode: Indexed\n      completions: 2\n      parallelism: 2\n      backoffLimitPerIndex: 1";
    let o = run_text(&scenario("3m", spec, "crash:1", ""));
    let ps = pods(&o, "j");
    assert_eq!(ps.len(), 4, "two tries per index");
    let index = |p: &Pod| p.labels.get("batch.kubernetes.io/job-completion-index").cloned().unwrap_or_default();
    let retry = ps.iter().find(|p| index(p) == "0" && p.name != ps[0].name).expect("index 0's retry");
    let first = ps.iter().find(|p| index(p) == "0").expect("index 0");
    let wait = secs(retry.created) - secs(first.finished.expect("finished"));
    assert!((10.0..11.0).contains(&wait), "per-index back-off: {wait}");
    let job = the_job(&o, "j");
    assert_eq!(job.status.failed_indexes.iter().copied().collect::<Vec<_>>(), vec![0, 1]);
    assert_eq!(job.status.failed, 4);
    assert_eq!(
        events(&o, "job/j", "FailedIndexes").iter().map(|e| e.1.as_str()).collect::<Vec<_>>(),
        ["Job has failed indexes"]
    );
}

// TestSyncJobWithJobBackoffLimitPerIndex "job failed due to exceeding max failed indexes".
#[test]
fn max_failed_indexes_fails_the_job_once_exceeded() {
    let spec = "      completionMode: Indexed
      completions: 4
      parallelism: 2
      backoffLimitPerIndex: 0
      maxFailedIndexes: 1";
    let o = run_text(&scenario("3m", spec, "crash:1", ""));
    let job = the_job(&o, "j");
    assert_eq!(pods(&o, "j").len(), 2, "both first pods fail: two failed indexes exceed 1");
    assert_eq!(job.status.failed_indexes.len(), 2);
    assert_eq!(
        events(&o, "job/j", "MaxFailedIndexesExceeded").iter().map(|e| e.1.as_str()).collect::<Vec<_>>(),
        ["Job has exceeded the specified maximal number of failed indexes"]
    );
}

#[test]
fn per_index_fields_are_checked() {
    let spec = "      completions: 2\n      maxFailedIndexes: 3\n      backoffLimitPerIndex: -1";
    let e = load_errors(&scenario("1m", spec, "work:1", "")).join("\n");
    for expected in [
        "spec.backoffLimitPerIndex: Invalid value: -1: must be greater than or equal to 0",
        "spec.backoffLimitPerIndex: Invalid value: -1: requires indexed completion mode",
        "spec.maxFailedIndexes: Invalid value: 3: requires indexed completion mode",
    ] {
        assert!(e.contains(expected), "missing {expected:?} in:\n{e}");
    }
    let spec = "      completionMode: Indexed\n      completions: 2\n      maxFailedIndexes: 3";
    let e = load_errors(&scenario("1m", spec, "work:1", "")).join("\n");
    assert!(e.contains("spec.backoffLimitPerIndex: Required value: when maxFailedIndexes is specified"), "{e}");
    assert!(e.contains("spec.maxFailedIndexes: Invalid value: 3: must be less than or equal to completions"), "{e}");
}

// job_controller_test.go TestSyncJobWithSuccessPolicy "job with successPolicy;
// succeededCount matched": the Job is complete (reason SuccessPolicy) once the rule is met,
// with fewer succeeded pods than completions, and its other pods are deleted.
#[test]
fn a_success_policy_completes_an_indexed_job_early() {
    let spec = "      completionMode: Indexed
      completions: 5
      parallelism: 2
      successPolicy:
        rules:
        - {succeededCount: 2}";
    let o = run_text(&scenario("3m", spec, "work:1", ""));
    let job = the_job(&o, "j");
    assert_eq!(pods(&o, "j").len(), 2);
    assert_eq!(job.status.succeeded, 2);
    assert_eq!(job.status.message.as_deref(), Some("Matched rules at index 0"));
    assert_eq!(events(&o, "job/j", "Completed").iter().map(|e| e.1.as_str()).collect::<Vec<_>>(), ["Job completed"]);
    // succeededIndexes: index 0 alone (parallelism 1 runs it first) is enough.
    let spec = "      completionMode: Indexed
      completions: 3
      parallelism: 1
      successPolicy:
        rules:
        - {succeededIndexes: '2'}
        - {succeededIndexes: '0-1', succeededCount: 1}";
    let o = run_text(&scenario("3m", spec, "work:1", ""));
    assert_eq!(pods(&o, "j").len(), 1);
    assert_eq!(the_job(&o, "j").status.message.as_deref(), Some("Matched rules at index 1"));
}

#[test]
fn success_policy_rules_are_checked() {
    let spec = "      completions: 3\n      successPolicy: {rules: [{succeededCount: 1}]}";
    let e = load_errors(&scenario("1m", spec, "work:1", "")).join("\n");
    assert!(e.contains("spec.successPolicy: Invalid value: requires indexed completion mode"), "{e}");
    let spec = "      completionMode: Indexed
      completions: 3
      successPolicy:
        rules:
        - {succeededIndexes: '1-5'}
        - {succeededCount: 4}
        - {}";
    let e = load_errors(&scenario("1m", spec, "work:1", "")).join("\n");
    for expected in [
        "spec.successPolicy.rules[0].succeededIndexes: Invalid value: \"1-5\": error parsing succeededIndexes: too large index: \"5\"",
        "spec.successPolicy.rules[1].succeededCount: Invalid value: 4: must be less than or equal to 3 (the number of specified completions)",
        "spec.successPolicy.rules[2]: Required value: at least one of succeededCount or succeededIndexes must be specified",
    ] {
        assert!(e.contains(expected), "missing {expected:?} in:\n{e}");
    }
}

// job_controller_test.go TestSyncJobWithPodReplacementPolicy (the "Failed" cases): the
// replacement of a deleted pod waits until the old one has finished terminating.
#[test]
fn pod_replacement_policy_failed_waits_for_the_old_pod_to_finish() {
    let timeline = "timeline:\n  - {at: 30s, run: kubectl delete pods -l job-name=j}\n";
    let replacement = |policy: &str| {
        let o = run_text(&scenario("3m", &format!("      completions: 1{policy}"), "slow:1", timeline));
        let ps = pods(&o, "j");
        assert_eq!(ps.len(), 2);
        (secs(ps[1].created), secs(ps[0].finished.expect("the first pod finished")))
    };
    let (created, old_finished) = replacement("");
    assert!(created < 31.0 && old_finished > 49.0, "TerminatingOrFailed replaces at once: {created} {old_finished}");
    let (created, old_finished) = replacement("\n      podReplacementPolicy: Failed");
    assert!(created >= old_finished, "Failed waits for the pod to finish: {created} {old_finished}");
    let e = load_errors(&scenario(
        "1m",
        "      podReplacementPolicy: TerminatingOrFailed\n      podFailurePolicy: {rules: [{action: Count, onExitCodes: {operator: In, values: [1]}}]}",
        "work:1",
        "",
    ))
    .join("\n");
    assert!(
        e.contains(
            "spec.podReplacementPolicy: Unsupported value: \"TerminatingOrFailed\": supported values: \"Failed\""
        ),
        "{e}"
    );
}
