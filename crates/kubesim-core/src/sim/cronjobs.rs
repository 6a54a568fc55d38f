//! Runs the CronJob controller (`controllers::cronjob`) against the store: creates the Jobs
//! it decides (the Job controller then runs them), deletes the Jobs beyond the history limits
//! or replaced, records its events, and wakes it at its next schedule time. The wall clock is
//! the scenario's `cluster.startTime` plus the virtual time.

use super::objects::ApiError;
use super::{ControllerEvent, Event, Sim};
use crate::controllers::cronjob::{self, schedule, ChildJob, CronJobRules};
use crate::engine::SimTime;
use crate::model::spec::{CronJobSpec, Labels};
use crate::model::store::{CronJob, CronJobId};
use std::collections::BTreeSet;

impl Sim<'_> {
    /// The wall-clock instant (Unix microseconds) of a virtual time.
    fn wall(&self, t: SimTime) -> i64 {
        let micros = i64::try_from(t.as_micros()).unwrap_or(i64::MAX);
        self.ctx.scenario.control_plane.start_time.saturating_add(micros)
    }

    /// The virtual time of a wall-clock instant (never before the run's start).
    fn virtual_time(&self, wall: i64) -> SimTime {
        SimTime(u64::try_from(wall.saturating_sub(self.ctx.scenario.control_plane.start_time)).unwrap_or(0))
    }

    pub(super) fn create_cron_job(&mut self, ns: &str, name: &str, labels: &Labels, spec: &CronJobSpec) {
        let id = self.ctx.store.add_cron_job(CronJob {
            namespace: ns.to_string(),
            name: name.to_string(),
            labels: labels.clone(),
            spec: spec.clone(),
            status: Default::default(),
            jobs: BTreeSet::new(),
            created: self.ctx.kernel.now(),
            deleted: false,
            wakeup: None,
        });
        self.enqueue_cron_job(id);
    }

    /// `kubectl apply` (or patch, set image) of an existing CronJob. As `updateCronJob`: a
    /// new schedule or time zone wakes the controller at the next schedule time; any other
    /// change syncs it now.
    pub(super) fn apply_cron_job(&mut self, cj: CronJobId, spec: &CronJobSpec) -> Result<(), ApiError> {
        let row = &mut self.ctx.store.cron_jobs[cj];
        let rescheduled = row.spec.schedule != spec.schedule || row.spec.time_zone != spec.time_zone;
        row.spec = spec.clone();
        if !rescheduled {
            self.enqueue_cron_job(cj);
            return Ok(());
        }
        let now = self.wall(self.ctx.kernel.now());
        if let Some((rules_schedule, tz)) = self.schedule_of(cj) {
            let row = &self.ctx.store.cron_jobs[cj];
            let rules = self.rules(row, &rules_schedule, &tz);
            let created = self.wall(row.created).div_euclid(1_000_000);
            if let Some(at) = cronjob::next_sync(&rules, created, &row.status, now) {
                let at = self.virtual_time(at);
                self.wake_cron_job_at(cj, at);
            }
        }
        Ok(())
    }

    /// The CronJob controller's informer saw a change to the CronJob or one of its Jobs.
    pub(super) fn enqueue_cron_job(&mut self, cj: CronJobId) {
        if self.ctx.store.cron_jobs[cj].deleted {
            return;
        }
        let latency = self.ctx.latency();
        self.sync_queues
            .cron_jobs
            .add_after(cj, latency, &mut self.ctx.kernel, |k| Event::Controller(ControllerEvent::SyncCronJob(k)));
    }

    /// The queue's `AddAfter(requeueAfter)`: the earliest pending wake-up wins.
    fn wake_cron_job_at(&mut self, cj: CronJobId, at: SimTime) {
        let row = &mut self.ctx.store.cron_jobs[cj];
        if row.wakeup.is_some_and(|w| w <= at) {
            return;
        }
        row.wakeup = Some(at);
        self.ctx.kernel.schedule_at(at, Event::Controller(ControllerEvent::CronJobWakeup(cj)));
    }

    /// A wake-up fires: the sync runs unless an earlier wake-up replaced this one.
    pub(super) fn cron_job_wakeup(&mut self, cj: CronJobId) {
        let now = self.ctx.kernel.now();
        let row = &mut self.ctx.store.cron_jobs[cj];
        if row.wakeup != Some(now) {
            return;
        }
        row.wakeup = None;
        self.sync_cron_job(cj);
    }

    /// The schedule and zone of a CronJob (both checked at load; a failure is the
    /// controller's event, and no Job is created).
    fn schedule_of(&mut self, cj: CronJobId) -> Option<(schedule::Schedule, jiff::tz::TimeZone)> {
        let row = &self.ctx.store.cron_jobs[cj];
        let now = self.ctx.kernel.now();
        let object = self.ctx.cron_job_ref(cj);
        let tz = match &row.spec.time_zone {
            None => jiff::tz::TimeZone::UTC,
            Some(name) => match schedule::time_zone(name) {
                Ok(tz) => tz,
                Err(e) => {
                    let msg = format!("invalid timeZone: {name:?}: {e}");
                    self.ctx.recorder.warning(now, "UnknownTimeZone", object, msg);
                    return None;
                }
            },
        };
        match schedule::parse(&row.spec.schedule) {
            Ok(s) => Some((s, tz)),
            Err(e) => {
                let msg = format!("unparseable schedule: {:?} : {e}", row.spec.schedule);
                self.ctx.recorder.warning(now, "UnparseableSchedule", object, msg);
                None
            }
        }
    }

    fn rules<'a>(
        &self,
        row: &'a CronJob,
        schedule: &'a schedule::Schedule,
        tz: &'a jiff::tz::TimeZone,
    ) -> CronJobRules<'a> {
        CronJobRules {
            name: &row.name,
            schedule_text: &row.spec.schedule,
            schedule,
            time_zone: tz,
            starting_deadline_seconds: row.spec.starting_deadline_seconds,
            concurrency_policy: row.spec.concurrency_policy,
            suspend: row.spec.suspend,
            successful_jobs_history_limit: row.spec.successful_jobs_history_limit,
            failed_jobs_history_limit: row.spec.failed_jobs_history_limit,
        }
    }

    pub(super) fn sync_cron_job(&mut self, cj: CronJobId) {
        if self.ctx.store.cron_jobs[cj].deleted {
            return;
        }
        let Some((sched, tz)) = self.schedule_of(cj) else { return };
        let now_virtual = self.ctx.kernel.now();
        let now = self.wall(now_virtual);
        let row = &self.ctx.store.cron_jobs[cj];
        let jobs: Vec<ChildJob> = row
            .jobs
            .iter()
            .map(|&j| {
                let job = &self.ctx.store.jobs[j];
                ChildJob {
                    id: j,
                    name: job.name.clone(),
                    start_time: job.status.start_time.map(|t| self.wall(t)),
                    finished: job.status.finished.map(|(o, t)| (o, self.wall(t))),
                }
            })
            .collect();
        let rules = self.rules(row, &sched, &tz);
        let created = self.wall(row.created).div_euclid(1_000_000);
        let before = row.status.clone();
        let mut sync = cronjob::reconcile(&rules, created, &row.status, &jobs, now);
        let (ns, spec) = (row.namespace.clone(), row.spec.clone());
        let object = self.ctx.cron_job_ref(cj);
        for j in std::mem::take(&mut sync.delete) {
            self.delete_job(j);
        }
        let mut created_job = true;
        if let Some(new) = &sync.create {
            match self.ctx.store.find_job(&ns, &new.name) {
                // AlreadyExists: the controller's own Job goes back into the active list;
                // another's is left alone, and the CronJob waits for a change.
                Some(existing) if self.ctx.store.jobs[existing].owner == Some(cj) => {
                    created_job = false;
                    if !sync.status.active.iter().any(|(a, _)| *a == existing) {
                        sync.status.active.push((existing, new.name.clone()));
                    }
                }
                Some(_) => {
                    created_job = false;
                    sync.status.last_schedule = before.last_schedule;
                    sync.requeue_at = None;
                }
                None => {
                    let id = self.create_job(&ns, &new.name, &spec.job_labels, &spec.job);
                    self.ctx.store.jobs[id].owner = Some(cj);
                    self.ctx.store.cron_jobs[cj].jobs.insert(id);
                    sync.status.active.push((id, new.name.clone()));
                }
            }
        }
        for e in sync.events {
            if e.reason == "SuccessfulCreate" && !created_job {
                continue;
            }
            if e.warning {
                self.ctx.recorder.warning(now_virtual, e.reason, object.clone(), e.message);
            } else {
                self.ctx.recorder.normal(now_virtual, e.reason, object.clone(), e.message);
            }
        }
        self.ctx.store.cron_jobs[cj].status = sync.status;
        if let Some(at) = sync.requeue_at {
            let at = self.virtual_time(at);
            self.wake_cron_job_at(cj, at);
        }
    }

    /// `kubectl delete cronjob/NAME`: the CronJob, and its Jobs with their pods (the
    /// garbage collector's background propagation).
    pub(super) fn delete_cron_job(&mut self, cj: CronJobId) {
        let jobs: Vec<_> = self.ctx.store.cron_jobs[cj].jobs.iter().copied().collect();
        self.ctx.store.remove_cron_job(cj);
        for j in jobs {
            self.delete_job(j);
        }
    }
}
