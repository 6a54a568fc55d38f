//! CronJobs (batch/v1): Jobs made at their schedule times on the virtual clock (anchored at
//! `cluster.startTime`), named and announced as Kubernetes' CronJob controller v2 names and
//! announces them (pkg/controller/cronjob/cronjob_controllerv2.go, utils.go), then run by
//! the Job controller; the concurrency policies, suspend, startingDeadlineSeconds, the
//! history limits, time zones, and the published example and kubectl line.

use crate::support::{object_events, realworld, run_text, secs};
use kubesim::sim::Outcome;

/// 2025-01-01T00:00:00Z, the default `cluster.startTime`, in minutes since the epoch: the
/// Job of the schedule time `k` minutes later is `<cronjob>-<MINUTE0 + k>` (getJobName).
const MINUTE0: i64 = 1_735_689_600 / 60;

fn job_name(cron_job: &str, minute: i64) -> String {
    format!("{cron_job}-{}", MINUTE0 + minute)
}

/// (time in seconds, message) of the events with this reason on `cronjob/NAME`.
fn events(o: &Outcome, cron_job: &str, reason: &str) -> Vec<(f64, String)> {
    object_events(o, &format!("cronjob/{cron_job}"), reason).iter().map(|e| (secs(e.time), e.message.clone())).collect()
}

/// The names of the Jobs that still exist at the end, in creation order.
fn jobs_left(o: &Outcome) -> Vec<String> {
    o.store.jobs.iter().filter(|j| !j.deleted).map(|j| j.name.clone()).collect()
}

/// A CronJob `hello` with `spec_lines` (six-space indented), running `image`.
fn scenario(duration: &str, cluster_extra: &str, spec_lines: &str, image: &str) -> String {
    format!(
        "
duration: {duration}
cluster:
  nodes: [{{name: worker, count: 2, capacity: {{cpu: '4', memory: 8Gi}}}}]
{cluster_extra}
images:
  quick:1: {{pull: 1s, start: 0s, runFor: 10s}}
  slow:1: {{pull: 1s, start: 0s, runFor: 10m}}
objects:
  - apiVersion: batch/v1
    kind: CronJob
    metadata: {{name: hello}}
    spec:
{spec_lines}
      jobTemplate:
        spec:
          template:
            spec:
              restartPolicy: OnFailure
              containers: [{{name: hello, image: '{image}'}}]
"
    )
}

/// `*/1 * * * *` for five and a half minutes: a Job at each minute (the controller wakes
/// 100 ms after it: nextScheduleDelta), named by its minute; each completes, the controller
/// sees it (`SawCompletedJob`), and the default successfulJobsHistoryLimit 3 deletes the two
/// oldest.
#[test]
fn every_minute_makes_a_job_named_by_its_minute_and_keeps_the_last_three() {
    let o = run_text(&scenario("5m30s", "", "      schedule: '*/1 * * * *'", "quick:1"));
    let created = events(&o, "hello", "SuccessfulCreate");
    let expected: Vec<(f64, String)> =
        (1..=5).map(|k| (60.0 * k as f64 + 0.1, format!("Created job {}", job_name("hello", k)))).collect();
    assert_eq!(created, expected);
    let seen = events(&o, "hello", "SawCompletedJob");
    assert_eq!(seen.len(), 5, "{seen:?}");
    assert_eq!(seen[0].1, format!("Saw completed job: {}, condition: Complete", job_name("hello", 1)));
    let deleted: Vec<String> = events(&o, "hello", "SuccessfulDelete").into_iter().map(|(_, m)| m).collect();
    assert_eq!(
        deleted,
        [format!("Deleted job {}", job_name("hello", 1)), format!("Deleted job {}", job_name("hello", 2))]
    );
    assert_eq!(jobs_left(&o), (3..=5).map(|k| job_name("hello", k)).collect::<Vec<_>>());
    // Each Job ran its pod to completion through the Job controller.
    for j in o.store.jobs.iter().filter(|j| !j.deleted) {
        assert_eq!(j.status.succeeded, 1, "{}", j.name);
    }
    let cj = o.store.find_cron_job("default", "hello").expect("the CronJob");
    let status = &o.store.cron_jobs[cj].status;
    assert!(status.active.is_empty());
    assert_eq!(status.last_schedule, Some((MINUTE0 + 5) * 60));
}

/// Forbid with a Job longer than the period: the later minutes find it active and are
/// skipped with `JobAlreadyActive`; only one Job is ever made.
#[test]
fn forbid_skips_the_runs_while_the_job_is_still_active() {
    let spec = "      schedule: '*/1 * * * *'\n      concurrencyPolicy: Forbid";
    let o = run_text(&scenario("4m30s", "", spec, "slow:1"));
    assert_eq!(events(&o, "hello", "SuccessfulCreate").len(), 1);
    let skipped = events(&o, "hello", "JobAlreadyActive");
    let times: Vec<f64> = skipped.iter().map(|(t, _)| *t).collect();
    assert_eq!(times, [120.1, 180.1, 240.1]);
    assert_eq!(skipped[0].1, "Not starting job because prior execution is running and concurrency policy is Forbid");
    assert_eq!(jobs_left(&o), [job_name("hello", 1)]);
}

/// Replace: each minute deletes the running Job (and its pod) and makes the new one.
#[test]
fn replace_deletes_the_running_job_for_the_new_one() {
    let spec = "      schedule: '*/1 * * * *'\n      concurrencyPolicy: Replace";
    let o = run_text(&scenario("3m30s", "", spec, "slow:1"));
    let deleted = events(&o, "hello", "SuccessfulDelete");
    assert_eq!(
        deleted,
        [
            (120.1, format!("Deleted job {}", job_name("hello", 1))),
            (180.1, format!("Deleted job {}", job_name("hello", 2)))
        ]
    );
    assert_eq!(events(&o, "hello", "SuccessfulCreate").len(), 3);
    assert_eq!(jobs_left(&o), [job_name("hello", 3)]);
    // The replaced Jobs' pods were deleted with them.
    let live: Vec<&str> = o.store.pods.iter().filter(|p| !p.is_gone()).map(|p| p.name.as_str()).collect();
    assert_eq!(live.len(), 1, "{live:?}");
    assert!(live[0].starts_with(&job_name("hello", 3)), "{live:?}");
}

/// Allow (the default) lets the long Jobs overlap: one more each minute.
#[test]
fn allow_lets_jobs_overlap() {
    let o = run_text(&scenario("3m30s", "", "      schedule: '*/1 * * * *'", "slow:1"));
    assert_eq!(jobs_left(&o).len(), 3);
    let cj = o.store.find_cron_job("default", "hello").expect("the CronJob");
    assert_eq!(o.store.cron_jobs[cj].status.active.len(), 3);
}

/// A suspended CronJob makes nothing; resumed at 2m30s, it runs the most recent missed time
/// at once (2m), as Kubernetes does, then each minute. With startingDeadlineSeconds 10 the
/// missed 2m is beyond the deadline and is dropped: the next Job is at 3m.
#[test]
fn suspend_then_resume_and_the_starting_deadline() {
    let resume =
        "timeline:\n  - {at: 150s, run: 'kubectl patch cronjob hello -p \"{\\\"spec\\\":{\\\"suspend\\\":false}}\"'}";
    let text = |extra: &str| {
        let spec = format!("      schedule: '*/1 * * * *'\n      suspend: true{extra}");
        format!("{}{resume}\n", scenario("3m30s", "", &spec, "quick:1"))
    };
    let o = run_text(&text(""));
    let created = events(&o, "hello", "SuccessfulCreate");
    assert_eq!(
        created,
        [
            (150.01, format!("Created job {}", job_name("hello", 2))),
            (180.1, format!("Created job {}", job_name("hello", 3)))
        ]
    );
    let o = run_text(&text("\n      startingDeadlineSeconds: 10"));
    let created = events(&o, "hello", "SuccessfulCreate");
    assert_eq!(created, [(180.1, format!("Created job {}", job_name("hello", 3)))]);
}

/// `timeZone` (IANA, from the database bundled in kubesim): 9:00 in Tokyo (UTC+9) is
/// 00:00 UTC, a minute after a `cluster.startTime` of 23:59 UTC; the Job is named by that
/// instant's minute.
#[test]
fn a_time_zone_moves_the_schedule() {
    let start = "  startTime: 2025-01-01T23:59:00Z";
    let spec = "      schedule: '0 9 * * *'\n      timeZone: Asia/Tokyo";
    let o = run_text(&scenario("2m", start, spec, "quick:1"));
    let midnight: i64 = 1_735_689_600 + 24 * 3_600; // 2025-01-02T00:00:00Z
    assert_eq!(events(&o, "hello", "SuccessfulCreate"), [(60.1, format!("Created job hello-{}", midnight / 60))]);
    // Without the zone, 9:00 UTC is nine hours away.
    let o = run_text(&scenario("2m", start, "      schedule: '0 9 * * *'", "quick:1"));
    assert!(events(&o, "hello", "SuccessfulCreate").is_empty());
}

/// kubernetes/website's `application/job/cronjob.yaml` (batch/v1beta1, `* * * * *`), as
/// published: accepted as batch/v1, it makes a Job each minute.
#[test]
fn the_published_example_runs_unchanged() {
    let file = realworld().join("k8s-website/application__job__cronjob.yaml");
    let text = format!("duration: 3m\ninclude: [{}]\n", serde_json::to_string(&file).expect("json"));
    let loaded = kubesim::load_str(std::path::Path::new("inline.yaml"), &text, &[]).expect("loads");
    assert!(!loaded.warnings.iter().any(|w| w.message.contains("CronJob")), "{:?}", loaded.warnings);
    let o = kubesim::simulate(&loaded.scenario, None);
    assert_eq!(jobs_left(&o), [job_name("hello", 1), job_name("hello", 2)]);
    // Each Job runs its pod (busybox, not listed under `images:`, runs until stopped).
    assert!(o.store.jobs.iter().all(|j| j.pods.len() == 1 && j.status.active == 1), "a running pod per Job");
}

/// kubectl-lines.txt: `kubectl create cronjob hello --image=busybox:1.28 --schedule="*/1 * * * *" -- echo hello`
/// at 10s makes a CronJob whose first Job is at the next minute.
#[test]
fn kubectl_create_cronjob_on_a_timeline() {
    let text = "duration: 2m30s
timeline:
  - {at: 10s, run: 'kubectl create cronjob hello --image=busybox:1.28 --schedule=\"*/1 * * * *\" -- echo hello'}
";
    let o = run_text(text);
    let created: Vec<f64> = events(&o, "hello", "SuccessfulCreate").iter().map(|(t, _)| *t).collect();
    assert_eq!(created, [60.1, 120.1]);
    assert_eq!(jobs_left(&o), [job_name("hello", 1), job_name("hello", 2)]);
}

/// Deleting the CronJob deletes its Jobs and their pods (background cascading).
#[test]
fn deleting_a_cronjob_deletes_its_jobs() {
    let text = format!(
        "{}timeline:\n  - {{at: 150s, run: kubectl delete cronjob hello}}\n",
        scenario("4m", "", "      schedule: '*/1 * * * *'", "slow:1")
    );
    let o = run_text(&text);
    assert!(o.store.find_cron_job("default", "hello").is_none());
    assert!(jobs_left(&o).is_empty());
    assert!(o.store.pods.iter().all(|p| p.terminating.is_some() || p.is_gone()));
    assert_eq!(events(&o, "hello", "SuccessfulCreate").len(), 2, "none after the delete");
}

/// `kubectl get cronjobs` (printCronJob's columns): LAST SCHEDULE is the age of the last
/// schedule time, ACTIVE the Jobs still running.
#[test]
fn kubectl_get_cronjobs_prints_kubectls_columns() {
    let text = format!(
        "{}timeline:\n  - {{at: 150s, run: kubectl get cronjobs}}\n  - {{at: 150s, run: kubectl get cj hello -o wide}}\n",
        scenario("3m", "", "      schedule: '*/1 * * * *'\n      timeZone: Etc/UTC", "slow:1")
    );
    let o = run_text(&text);
    let log = o.kubectl_log.expect("kubectl.log");
    let expected = "\
NAME    SCHEDULE      TIMEZONE   SUSPEND   ACTIVE   LAST SCHEDULE   AGE
hello   */1 * * * *   Etc/UTC    False     2        30s             2m30s
";
    assert!(log.contains(expected), "{log}");
    assert!(log.contains("CONTAINERS   IMAGES   SELECTOR"), "{log}");
}

/// `kubesim explain cronjob/hello`: its events and its Jobs' in order, and what it is.
#[test]
fn explain_cronjob_tells_its_jobs() {
    let scenario = crate::support::load_text(&scenario("2m30s", "", "      schedule: '*/1 * * * *'", "quick:1"));
    let observe = kubesim::Observe { narrate: true, ..kubesim::Observe::default() };
    let outcome = kubesim::simulate_observed(&scenario, None, observe);
    let story = kubesim::explain::story(&scenario, &outcome, "cronjob/hello").expect("a story");
    let first = format!("event Normal SuccessfulCreate cronjob/hello: Created job {}", job_name("hello", 1));
    let completed = format!("job/{}: Job completed", job_name("hello", 1));
    let (a, b) = (story.find(&first), story.find(&completed));
    assert!(a.is_some() && b.is_some() && a < b, "{story}");
    assert!(story.contains("schedule \"*/1 * * * *\" (UTC), concurrencyPolicy Allow"), "{story}");
}

/// What the API server refuses (validateCronJobSpec, validateScheduleFormat with robfig's
/// messages, validateTimeZone), each at its line, and a bad `cluster.startTime`.
#[test]
fn bad_cronjobs_are_refused_where_they_are_written() {
    let errors = |cluster_extra: &str, spec: &str| -> Vec<String> {
        let text = scenario("2m", cluster_extra, spec, "quick:1");
        match kubesim::load_str(std::path::Path::new("inline.yaml"), &text, &[]) {
            Ok(_) => Vec::new(),
            Err(d) => d.iter().map(|d| d.to_string()).collect(),
        }
    };
    let one = |cluster_extra: &str, spec: &str, needle: &str| {
        let e = errors(cluster_extra, spec);
        assert!(e.iter().any(|m| m.contains(needle)), "{needle:?} not in {e:?}");
    };
    one(
        "",
        "      schedule: '61 * * * *'",
        "error: inline.yaml:14:17: cronjob/hello: spec.schedule: Invalid value: \"61 * * * *\": end of range (61) above maximum (59): 61",
    );
    one("", "      schedule: '* * * *'", "expected exactly 5 fields, found 4: [* * * *]");
    one(
        "",
        "      schedule: 'CRON_TZ=UTC * * * * *'",
        "cannot use TZ or CRON_TZ in schedule, use timeZone field instead",
    );
    one(
        "",
        "      schedule: '@daily'\n      timeZone: Europe/Pariss",
        "spec.timeZone: Invalid value: \"Europe/Pariss\": unknown time zone Europe/Pariss",
    );
    one("", "      schedule: '@daily'\n      concurrencyPolicy: Never", "Unsupported value: \"Never\"");
    one("", "      schedule: '@daily'\n      startingDeadlineSeconds: -1", "must be greater than or equal to 0");
    one("  startTime: yesterday", "      schedule: '@daily'", "invalid startTime \"yesterday\"");
    // Descriptors and `@every` are what robfig's standard parser takes.
    assert!(errors("", "      schedule: '@every 90s'").is_empty());
    assert!(errors("", "      schedule: '0 9 * * mon-fri'").is_empty());
}

/// `kubectl set image cronjob/hello`: the jobTemplate changes, so the Jobs made after it run
/// the new image; those made before keep theirs.
#[test]
fn set_image_on_a_cronjob_reaches_the_next_jobs() {
    let text = format!(
        "{}timeline:\n  - {{at: 90s, run: kubectl set image cronjob/hello hello=slow:1}}\n",
        scenario("2m30s", "", "      schedule: '*/1 * * * *'", "quick:1")
    );
    let o = run_text(&text);
    let image = |job: &str| {
        let j = o.store.find_job("default", job).expect("the job");
        o.store.jobs[j].spec.template.spec.containers[0].image.clone()
    };
    assert_eq!(image(&job_name("hello", 1)), "quick:1");
    assert_eq!(image(&job_name("hello", 2)), "slow:1");
}

/// `kubectl describe cronjob` (describe.go describeCronJob): the schedule, the policy, the
/// history limits, the last schedule time on `cluster.startTime`'s clock, the active Job.
#[test]
fn kubectl_describe_cronjob_prints_its_schedule_last_run_and_active_job() {
    let text = "duration: 2m30s
timeline:
  - {at: 10s, run: 'kubectl create cronjob hello --image=busybox:1.28 --schedule=\"*/1 * * * *\" -- echo hello'}
  - {at: 130s, run: kubectl describe cronjob hello}
";
    let o = run_text(text);
    let log = o.kubectl_log.expect("kubectl.log");
    for line in [
        "Name:                          hello\n",
        "Schedule:                      */1 * * * *\n",
        "Concurrency Policy:            Allow\n",
        "Suspend:                       False\n",
        "Successful Job History Limit:  3\n",
        "Starting Deadline Seconds:     <unset>\n",
        "   hello:\n    Image:  busybox:1.28\n",
        // cluster.startTime's default, 2025-01-01T00:00:00Z, plus the run at 120s.
        "Last Schedule Time:  Wed, 01 Jan 2025 00:02:00 +0000\n",
    ] {
        assert!(log.contains(line), "{line:?} in\n{log}");
    }
    assert!(
        log.contains(&format!("Active Jobs:         {}, {}\n", job_name("hello", 1), job_name("hello", 2))),
        "{log}"
    );
}
