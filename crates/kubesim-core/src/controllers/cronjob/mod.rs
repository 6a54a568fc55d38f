//! The CronJob controller (v2) as a pure decision over a CronJob and the Jobs it owns, after
//! Kubernetes' `pkg/controller/cronjob/cronjob_controllerv2.go` (`sync`, `cleanupFinishedJobs`,
//! `removeOldestJobs`, `syncCronJob`, `getJobName`) and `utils.go` (`mostRecentScheduleTime`,
//! `nextScheduleTime`, `nextScheduleTimeDuration`, `byJobStartTime`). Times are wall-clock
//! instants in Unix microseconds (the scenario's `cluster.startTime` plus the virtual time);
//! schedule times are whole seconds.

pub mod schedule;

use crate::model::spec::ConcurrencyPolicy;
use crate::model::status::JobOutcome;
use crate::model::store::JobId;
use jiff::tz::TimeZone;
use schedule::Schedule;

/// `nextScheduleDelta`: the controller wakes 100 ms after a schedule time (NTP skew margin).
pub const NEXT_SCHEDULE_DELTA_MICROS: i64 = 100_000;
/// More missed start times than this is "too many" (`mostRecentScheduleTime`).
pub const TOO_MANY_MISSED: i64 = 100;
const SECOND: i64 = 1_000_000;

/// What a CronJob asks for, with its schedule parsed and its zone resolved.
pub struct CronJobRules<'a> {
    pub name: &'a str,
    /// `spec.schedule` as written, and parsed.
    pub schedule_text: &'a str,
    pub schedule: &'a Schedule,
    /// `spec.timeZone`, or the controller manager's zone (UTC).
    pub time_zone: &'a TimeZone,
    pub starting_deadline_seconds: Option<i64>,
    pub concurrency_policy: ConcurrencyPolicy,
    pub suspend: bool,
    pub successful_jobs_history_limit: i32,
    pub failed_jobs_history_limit: i32,
}

pub use crate::model::status::CronJobStatus;

/// One Job the CronJob owns (its controllerRef names the CronJob), not deleted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChildJob {
    pub id: JobId,
    pub name: String,
    /// `status.startTime`.
    pub start_time: Option<i64>,
    /// The Complete or Failed condition, with `status.completionTime` (or the failure time).
    pub finished: Option<(JobOutcome, i64)>,
}

/// An event on the CronJob, in the controller's words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CronEvent {
    pub warning: bool,
    pub reason: &'static str,
    pub message: String,
}

/// A Job to create from the template: `getJobName`, and the schedule time it runs for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewJob {
    pub name: String,
    pub scheduled: i64,
}

/// What one sync decides.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CronJobSync {
    /// In the order the controller records them.
    pub events: Vec<CronEvent>,
    /// Jobs to delete (background propagation: their pods go too): the oldest finished
    /// beyond the history limits, then the active ones a Replace policy replaces.
    pub delete: Vec<JobId>,
    pub create: Option<NewJob>,
    /// The status after the sync (the new Job, once created, is appended to `active`).
    pub status: CronJobStatus,
    /// When to sync again (`requeueAfter`, as an instant); None: not until something
    /// changes (suspended, or an invalid schedule).
    pub requeue_at: Option<i64>,
}

impl CronEvent {
    fn normal(reason: &'static str, message: String) -> Self {
        CronEvent { warning: false, reason, message }
    }
    fn warning(reason: &'static str, message: String) -> Self {
        CronEvent { warning: true, reason, message }
    }
}

/// `getJobName`: `<cronjob>-<scheduled time in minutes since the epoch>`.
pub fn job_name(cron_job: &str, scheduled: i64) -> String {
    format!("{cron_job}-{}", scheduled.div_euclid(60))
}

/// How many schedule times were missed (`missedSchedulesType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Missed {
    None,
    Few,
    Many,
}

/// `mostRecentScheduleTime`: the earliest time considered, the most recent schedule time
/// not after `now` (None if none), how many were missed, or the error of a schedule whose
/// two next times are less than a second apart (or that never fires).
fn most_recent(
    rules: &CronJobRules,
    created: i64,
    status: &CronJobStatus,
    now: i64,
    with_deadline: bool,
) -> Result<(i64, Option<i64>, Missed), String> {
    let mut earliest = status.last_schedule.unwrap_or(created) * SECOND;
    if let Some(sds) = rules.starting_deadline_seconds.filter(|_| with_deadline) {
        // The controller is not going to schedule anything below this point.
        earliest = earliest.max(now - sds * SECOND);
    }
    let next = |t: i64| rules.schedule.next(t, rules.time_zone);
    const TOO_CLOSE: &str = "time difference between two schedules is less than 1 second";
    let Some(t1) = next(earliest) else { return Err(TOO_CLOSE.into()) };
    if now < t1 * SECOND {
        return Ok((earliest, None, Missed::None));
    }
    let t2 = next(t1 * SECOND);
    if t2.is_some_and(|t2| now < t2 * SECOND) {
        return Ok((earliest, Some(t1), Missed::None));
    }
    let between = t2.map_or(0, |t2| t2 - t1);
    if between < 1 {
        return Err(TOO_CLOSE.into());
    }
    // A rough count of the schedules between t1 and now, then the exact most recent one
    // found from one interval before the estimate.
    let elapsed = (now - t1 * SECOND) / SECOND;
    let missed = elapsed / between + 1;
    let mut t = t1 + (missed - 2) * between;
    let mut most_recent = None;
    while let Some(n) = next(t * SECOND).filter(|n| n * SECOND <= now) {
        most_recent = Some(n);
        t = n;
    }
    let kind = if missed > TOO_MANY_MISSED { Missed::Many } else { Missed::Few };
    Ok((earliest, most_recent, kind))
}

/// `nextScheduleTimeDuration`, as an instant: the next schedule time after the most recent
/// one (or after now, when times were missed), plus `nextScheduleDelta`.
pub fn next_sync(rules: &CronJobRules, created: i64, status: &CronJobStatus, now: i64) -> Option<i64> {
    let from = match most_recent(rules, created, status, now, false) {
        Err(_) => now,
        Ok((_, Some(t), _)) => t * SECOND,
        Ok((earliest, None, Missed::None)) => earliest,
        Ok((_, None, _)) => now,
    };
    rules.schedule.next(from, rules.time_zone).map(|t| t * SECOND + NEXT_SCHEDULE_DELTA_MICROS)
}

/// `time.RFC1123Z` of an instant, in UTC: `Mon, 02 Jan 2006 15:04:05 +0000`.
fn rfc1123z(t: i64) -> String {
    jiff::Timestamp::from_second(t).map(|ts| ts.strftime("%a, %d %b %Y %H:%M:%S +0000").to_string()).unwrap_or_default()
}

/// One sync of the CronJob (`sync`: `cleanupFinishedJobs`, then `syncCronJob`) at `now`;
/// `created` is its `creationTimestamp` (whole seconds, as the API server keeps it).
pub fn reconcile(
    rules: &CronJobRules,
    created: i64,
    status: &CronJobStatus,
    jobs: &[ChildJob],
    now: i64,
) -> CronJobSync {
    let mut sync = CronJobSync { status: status.clone(), ..Default::default() };
    cleanup_finished(rules, jobs, &mut sync);
    let status = &mut sync.status;
    // The Jobs it owns: finished ones leave the active list, once.
    for j in jobs {
        let found = status.active.iter().any(|(a, _)| *a == j.id);
        match j.finished {
            None if !found => sync.events.push(CronEvent::warning(
                "UnexpectedJob",
                format!("Saw a job that the controller did not create or forgot: {}", j.name),
            )),
            None => {}
            Some((outcome, at)) => {
                if found {
                    status.active.retain(|(a, _)| *a != j.id);
                    let condition = if outcome.failed() { "Failed" } else { "Complete" };
                    sync.events.push(CronEvent::normal(
                        "SawCompletedJob",
                        format!("Saw completed job: {}, condition: {condition}", j.name),
                    ));
                }
                if !outcome.failed() && status.last_successful.is_none_or(|t| at > t) {
                    status.last_successful = Some(at);
                }
            }
        }
    }
    // Active Jobs that no longer exist.
    let (kept, missing): (Vec<_>, Vec<_>) =
        std::mem::take(&mut status.active).into_iter().partition(|(a, _)| jobs.iter().any(|j| j.id == *a));
    status.active = kept;
    for (_, name) in missing {
        sync.events.push(CronEvent::normal("MissingJob", format!("Active job went missing: {name}")));
    }
    if rules.suspend {
        return sync;
    }
    let scheduled = match most_recent(rules, created, status, now, true) {
        Err(e) => {
            let msg = format!("invalid schedule: {} : {e}", rules.schedule_text);
            sync.events.push(CronEvent::warning("InvalidSchedule", msg));
            return sync;
        }
        Ok((_, t, missed)) => {
            if t.is_some() && missed == Missed::Many {
                sync.events.push(CronEvent::warning(
                    "TooManyMissedTimes",
                    "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew"
                        .into(),
                ));
            }
            t
        }
    };
    let Some(scheduled) = scheduled else {
        sync.requeue_at = next_sync(rules, created, status, now);
        return sync;
    };
    let too_late = rules.starting_deadline_seconds.is_some_and(|sds| (scheduled + sds) * SECOND < now);
    if too_late {
        sync.events.push(CronEvent::warning(
            "MissSchedule",
            format!("Missed scheduled time to start a job: {}", rfc1123z(scheduled)),
        ));
        sync.requeue_at = next_sync(rules, created, status, now);
        return sync;
    }
    let name = job_name(rules.name, scheduled);
    let active_by_name = status.active.iter().any(|(_, n)| *n == name);
    if active_by_name || status.last_schedule == Some(scheduled) {
        sync.requeue_at = next_sync(rules, created, status, now);
        return sync;
    }
    if rules.concurrency_policy == ConcurrencyPolicy::Forbid && !status.active.is_empty() {
        sync.events.push(CronEvent::normal(
            "JobAlreadyActive",
            "Not starting job because prior execution is running and concurrency policy is Forbid".into(),
        ));
        sync.requeue_at = next_sync(rules, created, status, now);
        return sync;
    }
    if rules.concurrency_policy == ConcurrencyPolicy::Replace {
        for (a, job_name) in std::mem::take(&mut status.active) {
            sync.delete.push(a);
            sync.events.push(CronEvent::normal("SuccessfulDelete", format!("Deleted job {job_name}")));
        }
    }
    sync.events.push(CronEvent::normal("SuccessfulCreate", format!("Created job {name}")));
    sync.create = Some(NewJob { name, scheduled });
    status.last_schedule = Some(scheduled);
    sync.requeue_at = next_sync(rules, created, status, now);
    sync
}

/// `cleanupFinishedJobs`: the oldest finished Jobs (by start time, then name) beyond each
/// history limit are deleted, and leave the active list.
fn cleanup_finished(rules: &CronJobRules, jobs: &[ChildJob], sync: &mut CronJobSync) {
    for (failed, limit) in [(false, rules.successful_jobs_history_limit), (true, rules.failed_jobs_history_limit)] {
        let mut finished: Vec<&ChildJob> =
            jobs.iter().filter(|j| j.finished.is_some_and(|(o, _)| o.failed() == failed)).collect();
        let excess = finished.len().saturating_sub(usize::try_from(limit).unwrap_or(0));
        if excess == 0 {
            continue;
        }
        // byJobStartTime: Jobs without a start time last, ties by name.
        finished.sort_by(|a, b| {
            (a.start_time.is_none(), a.start_time, &a.name).cmp(&(b.start_time.is_none(), b.start_time, &b.name))
        });
        for j in finished.into_iter().take(excess) {
            sync.delete.push(j.id);
            sync.status.active.retain(|(a, _)| *a != j.id);
            sync.events.push(CronEvent::normal("SuccessfulDelete", format!("Deleted job {}", j.name)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: i64 = 60;
    const HOUR: i64 = 3_600;
    static UTC: TimeZone = TimeZone::UTC;
    const DAY: i64 = 24 * HOUR;

    /// utils_test.go `topOfTheHour`: 2016-05-19T10:00:00Z (a Thursday), in seconds.
    fn top() -> i64 {
        "2016-05-19T10:00:00Z".parse::<jiff::Timestamp>().expect("ts").as_second()
    }

    struct Case {
        schedule: &'static str,
        created: i64,
        last: Option<i64>,
        sds: Option<i64>,
    }

    impl Case {
        fn new(schedule: &'static str) -> Self {
            Case { schedule, created: top(), last: None, sds: None }
        }
        fn most_recent(&self, now: i64, with_deadline: bool) -> Result<(i64, Option<i64>, Missed), String> {
            let s = schedule::parse(self.schedule).expect("parses");
            let rules = self.rules(&s);
            let status = CronJobStatus { last_schedule: self.last, ..Default::default() };
            most_recent(&rules, self.created, &status, now * SECOND, with_deadline)
        }
        fn next_sync(&self, now: i64) -> i64 {
            let s = schedule::parse(self.schedule).expect("parses");
            let rules = self.rules(&s);
            let status = CronJobStatus { last_schedule: self.last, ..Default::default() };
            next_sync(&rules, self.created, &status, now * SECOND).expect("a next time") - now * SECOND
        }
        fn rules<'a>(&'a self, s: &'a Schedule) -> CronJobRules<'a> {
            CronJobRules {
                name: "mycronjob",
                schedule_text: self.schedule,
                schedule: s,
                time_zone: &UTC,
                starting_deadline_seconds: self.sds,
                concurrency_policy: ConcurrencyPolicy::Allow,
                suspend: false,
                successful_jobs_history_limit: 3,
                failed_jobs_history_limit: 1,
            }
        }
    }

    /// pkg/controller/cronjob/utils_test.go `TestMostRecentScheduleTime`, case by case.
    #[test]
    fn most_recent_schedule_time_as_kubernetes_computes_it() {
        let t = top();
        let hourly = Case::new("0 * * * *");
        // now before next schedule
        assert_eq!(hourly.most_recent(t + 30, false), Ok((t * SECOND, None, Missed::None)));
        // now just after next schedule
        assert_eq!(hourly.most_recent(t + 61 * MINUTE, false), Ok((t * SECOND, Some(t + HOUR), Missed::None)));
        // missed 5 schedules
        let c = Case { created: t + 10, ..Case::new("0 * * * *") };
        assert_eq!(
            c.most_recent(t + 301 * MINUTE, false),
            Ok(((t + 10) * SECOND, Some(t + 300 * MINUTE), Missed::Few))
        );
        // complex schedule
        let c = Case { last: Some(t + 30 * MINUTE), ..Case::new("30 6-16/4 * * 1-5") };
        let got = c.most_recent(t + DAY + 31 * MINUTE, false);
        assert_eq!(got, Ok(((t + 30 * MINUTE) * SECOND, Some(t + DAY + 30 * MINUTE), Missed::Few)));
        // another complex schedule: the estimate lands past Friday's last run (Kubernetes' quirk)
        let c = Case { last: Some(t + 30 * MINUTE), ..Case::new("30 10,11,12 * * 1-5") };
        assert_eq!(
            c.most_recent(t + 30 * HOUR + 30 * MINUTE, false),
            Ok(((t + 30 * MINUTE) * SECOND, None, Missed::Few))
        );
        // complex schedule with longer diff between executions
        let c = Case { last: Some(t + 30 * MINUTE), ..Case::new("30 6-16/4 * * 1-5") };
        let got = c.most_recent(t + 96 * HOUR + 31 * MINUTE, false);
        assert_eq!(got, Ok(((t + 30 * MINUTE) * SECOND, Some(t + 96 * HOUR + 30 * MINUTE), Missed::Few)));
        // complex schedule with shorter diff between executions
        let c = Case::new("30 6-16/4 * * 1-5");
        assert_eq!(
            c.most_recent(t + DAY + 31 * MINUTE, false),
            Ok((t * SECOND, Some(t + DAY + 30 * MINUTE), Missed::Few))
        );
        // @every schedule: more than 100 missed
        let c = Case { created: t - 59 * MINUTE, last: Some(t + MINUTE), sds: Some(10), ..Case::new("@every 1h") };
        let got = c.most_recent(t + 7 * DAY, false);
        assert_eq!(got, Ok(((t + MINUTE) * SECOND, Some(t + 6 * DAY + 23 * HOUR + MINUTE), Missed::Many)));
        // rogue cronjob: February 31st never comes
        let c = Case { created: t + 10, ..Case::new("59 23 31 2 *") };
        assert!(c.most_recent(t + HOUR, false).is_err());
        // earliestTime being CreationTimestamp and LastScheduleTime
        let c = Case { last: Some(t), ..Case::new("0 * * * *") };
        assert_eq!(c.most_recent(t + 30, false), Ok((t * SECOND, None, Missed::None)));
        // earliestTime being LastScheduleTime (and within StartingDeadlineSeconds)
        for sds in [None, Some(60)] {
            let c = Case { last: Some(t + 30 * MINUTE), sds, ..Case::new("*/5 * * * *") };
            assert_eq!(c.most_recent(t + 31 * MINUTE, false), Ok(((t + 30 * MINUTE) * SECOND, None, Missed::None)));
        }
        // earliestTime being LastScheduleTime (outside StartingDeadlineSeconds)
        let c = Case { last: Some(t + 30 * MINUTE), sds: Some(60), ..Case::new("*/5 * * * *") };
        assert_eq!(c.most_recent(t + 32 * MINUTE, true), Ok(((t + 31 * MINUTE) * SECOND, None, Missed::None)));
    }

    /// utils_test.go `TestNextScheduleTimeDuration`.
    #[test]
    fn next_sync_as_kubernetes_requeues() {
        let t = top();
        let delta = NEXT_SCHEDULE_DELTA_MICROS;
        // complex schedule skipping weekend
        let c = Case { last: Some(t + 30 * MINUTE), ..Case::new("30 6-16/4 * * 1-5") };
        assert_eq!(c.next_sync(t + DAY + 31 * MINUTE), (3 * HOUR + 59 * MINUTE) * SECOND + delta);
        // another complex schedule skipping weekend
        let c = Case { last: Some(t + 30 * MINUTE), ..Case::new("30 10,11,12 * * 1-5") };
        assert_eq!(c.next_sync(t + 30 * HOUR + 30 * MINUTE), 66 * HOUR * SECOND + delta);
        // once a week cronjob, missed two runs
        let c = Case { last: Some(t + 2 * HOUR), ..Case::new("0 12 * * 4") };
        assert_eq!(c.next_sync(t + 19 * DAY + HOUR + 30 * MINUTE), (48 * HOUR + 30 * MINUTE) * SECOND + delta);
        // no previous run of a cronjob
        let c = Case::new("0 12 * * 5");
        assert_eq!(c.next_sync(t + 6 * HOUR), 20 * HOUR * SECOND + delta);
    }

    fn job(id: u32, name: &str, start: i64, finished: Option<JobOutcome>) -> ChildJob {
        ChildJob {
            id: JobId(id),
            name: name.into(),
            start_time: Some(start * SECOND),
            finished: finished.map(|o| (o, (start + 10) * SECOND)),
        }
    }

    /// cronjob_controllerv2.go `syncCronJob`: a finished active Job is seen once, the
    /// history limit deletes the oldest (cronjob_controllerv2_test.go `TestControllerV2CleanupFinishedJobs`
    /// orders by start time), and a schedule time under Forbid waits for the active Job.
    #[test]
    fn a_sync_sees_completions_cleans_up_history_and_forbids_overlap() {
        let t = top();
        let s = schedule::parse("*/1 * * * *").expect("parses");
        let c = Case::new("*/1 * * * *");
        let mut rules = c.rules(&s);
        rules.successful_jobs_history_limit = 1;
        let jobs = [
            job(1, "mycronjob-1", t + 60, Some(JobOutcome::Complete)),
            job(0, "mycronjob-0", t, Some(JobOutcome::Complete)),
            job(2, "mycronjob-2", t + 120, None),
        ];
        let status = CronJobStatus {
            active: vec![(JobId(1), "mycronjob-1".into()), (JobId(2), "mycronjob-2".into())],
            last_schedule: Some(t + 120),
            last_successful: None,
        };
        let sync = reconcile(&rules, t, &status, &jobs, (t + 150) * SECOND);
        let said: Vec<String> = sync.events.iter().map(|e| format!("{}: {}", e.reason, e.message)).collect();
        assert_eq!(
            said,
            [
                "SuccessfulDelete: Deleted job mycronjob-0",
                "SawCompletedJob: Saw completed job: mycronjob-1, condition: Complete",
            ]
        );
        assert_eq!(sync.delete, [JobId(0)]);
        assert_eq!(sync.status.active, [(JobId(2), "mycronjob-2".to_string())]);
        assert_eq!(sync.status.last_successful, Some((t + 70) * SECOND));
        assert_eq!(sync.requeue_at, Some((t + 180) * SECOND + NEXT_SCHEDULE_DELTA_MICROS));
        // At the next minute, Forbid keeps the active Job and skips the run.
        rules.concurrency_policy = ConcurrencyPolicy::Forbid;
        let sync = reconcile(&rules, t, &sync.status, &jobs[2..], (t + 180) * SECOND + NEXT_SCHEDULE_DELTA_MICROS);
        assert_eq!(sync.create, None);
        assert_eq!(sync.events[0].reason, "JobAlreadyActive");
        // Replace deletes it and starts the minute's Job, named by the minute.
        rules.concurrency_policy = ConcurrencyPolicy::Replace;
        let sync = reconcile(&rules, t, &sync.status, &jobs[2..], (t + 180) * SECOND + NEXT_SCHEDULE_DELTA_MICROS);
        assert_eq!(sync.delete, [JobId(2)]);
        assert_eq!(sync.create, Some(NewJob { name: format!("mycronjob-{}", (t + 180) / 60), scheduled: t + 180 }));
        assert_eq!(job_name("hello", 1_735_689_660), "hello-28928161");
    }
}
