//! Runs the Job controller (`controllers::job`) against the store: creates and deletes the
//! Job's pods, records its events, and deletes a finished Job when its time to live ends.

use super::objects::ApiError;
use super::{ControllerEvent, Event, Sim};
use crate::controllers::deployment::util::SAFE_ALPHANUMS;
use crate::controllers::job::selector::{generated_labels, generated_selector};
use crate::controllers::job::{self, JobOutcome, JobPod, JobPodState, JobRules};
use crate::model::spec::{JobSpec, Labels, RestartPolicy};
use crate::model::store::{ContainerState, Job, JobId, Pod, PodId, PodOwner, PodPhase};
use std::collections::BTreeSet;
use std::sync::Arc;

/// The label (and, in Kubernetes, annotation) that carries an Indexed Job pod's index.
pub const COMPLETION_INDEX: &str = "batch.kubernetes.io/job-completion-index";

/// A Job's UID: derived from its row, in a range of seeds no pod or volume uses.
pub(super) fn job_uid(j: JobId) -> String {
    super::scheduling::uid_from((1 << 32) | u64::from(j.0))
}

/// The job controller's view of one of its pods.
fn job_pod(id: PodId, p: &Pod) -> JobPod {
    let state = match (p.finished, p.deleted) {
        // Deleted before it finished: Kubernetes counts such a pod as failed.
        (Some(t), _) if p.terminating.is_some_and(|d| d <= t) => JobPodState::Failed(t),
        (Some(t), _) if p.phase == PodPhase::Succeeded => JobPodState::Succeeded(t),
        (Some(t), _) => JobPodState::Failed(t),
        (None, Some(t)) => JobPodState::Failed(t),
        (None, None) if p.terminating.is_some() => JobPodState::Terminating,
        (None, None) => {
            JobPodState::Active { ready: p.is_ready(), pending: p.node.is_none() || p.phase == PodPhase::Pending }
        }
    };
    let index = p.labels.get(COMPLETION_INDEX).and_then(|i| i.parse().ok());
    JobPod { id, index, state, restarts: p.restarts(), exits: exit_codes(p), disruption_target: p.disruption.is_some() }
}

/// The exit codes of a pod's terminated containers, app containers first, then init
/// containers (what a podFailurePolicy's `onExitCodes` reads). A container the kubelet
/// stopped has no exit of its own: killed at the grace period it is 137 (SIGKILL), having
/// exited on SIGTERM 0 (kubesim's apps exit cleanly).
fn exit_codes(p: &Pod) -> Vec<(String, i32)> {
    if p.finished.is_none() && p.deleted.is_none() {
        return Vec::new();
    }
    let specs = p.spec.containers.iter().chain(p.spec.init_containers.iter());
    let statuses = p.containers.iter().chain(p.init_containers.iter());
    specs
        .zip(statuses)
        .filter_map(|(spec, s)| match s.state {
            ContainerState::Terminated(reason) => {
                let code = match s.last_exit {
                    Some(e) if e.reason == reason => e.code,
                    _ if reason == "Error" => 137,
                    _ => 0,
                };
                Some((spec.name.clone(), code))
            }
            _ => None,
        })
        .collect()
}

fn rules(spec: &JobSpec) -> JobRules {
    JobRules {
        completions: spec.completions,
        parallelism: spec.parallelism,
        backoff_limit: spec.backoff_limit,
        indexed: spec.indexed,
        active_deadline_seconds: spec.active_deadline_seconds,
        ttl_seconds_after_finished: spec.ttl_seconds_after_finished,
        restart_on_failure: spec.template.spec.restart_policy == RestartPolicy::OnFailure,
        suspend: spec.suspend,
        pod_failure_policy: spec.pod_failure_policy.clone(),
        backoff_limit_per_index: spec.backoff_limit_per_index,
        max_failed_indexes: spec.max_failed_indexes,
        success_policy: spec.success_policy.clone(),
        replace_only_failed: spec.replace_only_failed,
    }
}

impl Sim<'_> {
    pub(super) fn create_job(&mut self, ns: &str, name: &str, labels: &Labels, spec: &JobSpec) -> JobId {
        let uid = job_uid(JobId::from_index(self.ctx.store.jobs.len()));
        let selector = match (&spec.selector, spec.manual_selector) {
            (Some(s), true) => s.clone(),
            (user, _) => generated_selector(user.as_ref(), &uid),
        };
        let id = self.ctx.store.add_job(Job {
            namespace: ns.to_string(),
            name: name.to_string(),
            labels: labels.clone(),
            pod_spec: Arc::new(spec.template.spec.clone()),
            spec: spec.clone(),
            pods: BTreeSet::new(),
            status: Default::default(),
            created: self.ctx.kernel.now(),
            deleted: false,
            owner: None,
            uid,
            selector,
        });
        self.enqueue_job(id);
        id
    }

    /// `kubectl apply` of an existing Job: the template, completions, completion mode,
    /// pod failure policy, per-index back-off limit and success policy are immutable
    /// (ValidateJobSpecUpdate); parallelism, suspend, the deadline, the backoff limit and the
    /// time to live may change.
    pub(super) fn apply_job(&mut self, j: JobId, spec: &JobSpec) -> Result<(), ApiError> {
        let job = &mut self.ctx.store.jobs[j];
        let old = &job.spec;
        let immutable = [
            ("spec.template", old.template != spec.template),
            ("spec.completions", old.completions != spec.completions),
            ("spec.completionMode", old.indexed != spec.indexed),
            ("spec.podFailurePolicy", old.pod_failure_policy != spec.pod_failure_policy),
            ("spec.backoffLimitPerIndex", old.backoff_limit_per_index != spec.backoff_limit_per_index),
            ("spec.successPolicy", old.success_policy != spec.success_policy),
            ("spec.selector", (&old.selector, old.manual_selector) != (&spec.selector, spec.manual_selector)),
        ];
        if let Some((field, _)) = immutable.iter().find(|(_, changed)| *changed) {
            return Err(ApiError::invalid("Job", &job.name, format!("{field}: Invalid value: field is immutable")));
        }
        job.spec = spec.clone();
        self.enqueue_job(j);
        Ok(())
    }

    /// The job controller's informer saw a change to the Job or one of its pods.
    pub(super) fn enqueue_job(&mut self, j: JobId) {
        if self.ctx.store.jobs[j].deleted {
            return;
        }
        let latency = self.ctx.latency();
        self.sync_queues
            .jobs
            .add_after(j, latency, &mut self.ctx.kernel, |k| Event::Controller(ControllerEvent::SyncJob(k)));
    }

    pub(super) fn sync_job(&mut self, j: JobId) {
        if self.ctx.store.jobs[j].deleted {
            return;
        }
        // getPodsForJob: the claim before anything is counted.
        self.claim_job_pods(j);
        let job = &self.ctx.store.jobs[j];
        let now = self.ctx.kernel.now();
        let pods: Vec<JobPod> = job.pods.iter().map(|&id| job_pod(id, &self.ctx.store.pods[id])).collect();
        let job_rules = rules(&job.spec);
        let mut sync = job::reconcile(&job_rules, &job.status, &pods, now);
        if let Some((pod, cause)) = &sync.fail_job {
            let p = &self.ctx.store.pods[*pod];
            sync.status.message = Some(cause.message(&p.namespace, &p.name));
        }
        let started = job.status.start_time.is_none() && sync.status.start_time.is_some();
        let owner = job.owner;
        if self.ctx.narrating() {
            self.ctx.narrate_job_sync(j, &job_rules, &sync);
        }
        let object = self.ctx.job_ref(j);
        for pod in &sync.delete {
            let name = self.ctx.store.pods[*pod].name.clone();
            self.delete_pod(*pod);
            self.ctx.recorder.normal(now, "SuccessfulDelete", object.clone(), format!("Deleted pod: {name}"));
        }
        // manageJob: creates in slow-start batches; a refused create (admission) is a
        // FailedCreate, ends the batches, and the Job is requeued on its back-off.
        let indexes = &sync.create;
        let failed =
            self.create_in_slow_start_batches(indexes.len(), &object, now, |sim, i| sim.create_job_pod(j, indexes[i]));
        if failed {
            let delay = self.sync_queues.job_backoff.when(j);
            let sync = |j| Event::Controller(ControllerEvent::SyncJob(j));
            self.sync_queues.jobs.add_after(j, delay, &mut self.ctx.kernel, sync);
        } else {
            self.sync_queues.job_backoff.forget(j);
        }
        match sync.suspended_now {
            Some(true) => self.ctx.recorder.normal(now, "Suspended", object.clone(), "Job suspended".into()),
            Some(false) => self.ctx.recorder.normal(now, "Resumed", object.clone(), "Job resumed".into()),
            None => {}
        }
        let message = sync.status.message.clone();
        self.ctx.store.jobs[j].status = sync.status;
        // The CronJob controller's informer sees its Job's status change (updateJob).
        if let Some(cj) = owner.filter(|_| started || sync.finished_now.is_some()) {
            self.enqueue_cron_job(cj);
        }
        match sync.finished_now {
            Some(o) if !o.failed() => self.ctx.recorder.normal(now, "Completed", object, "Job completed".into()),
            Some(JobOutcome::PodFailurePolicy) => {
                let text = message.unwrap_or_else(|| JobOutcome::PodFailurePolicy.message().into());
                self.ctx.recorder.warning(now, JobOutcome::PodFailurePolicy.reason(), object, text);
            }
            Some(outcome) => self.ctx.recorder.warning(now, outcome.reason(), object, outcome.message().into()),
            None => {}
        }
        if let Some(at) = sync.requeue_at {
            self.ctx.kernel.schedule_at(at, Event::Controller(ControllerEvent::SyncJob(j)));
        }
        if sync.delete_job {
            // The TTL-after-finished controller deletes the Job; its pods go with it.
            self.delete_job(j);
        }
    }

    /// A pod from the Job's template: `<job>-<5 random>`, or `<job>-<index>-<5 random>` for
    /// an Indexed Job, whose pods carry their completion index.
    fn create_job_pod(&mut self, j: JobId, index: Option<i32>) -> Result<String, super::ApiError> {
        let job = &self.ctx.store.jobs[j];
        let (ns, job_name) = (job.namespace.clone(), job.name.clone());
        let prefix = match index {
            Some(i) => format!("{job_name}-{i}"),
            None => job_name.clone(),
        };
        // The template's labels, completed by generateSelector unless manualSelector.
        let mut labels = if job.spec.manual_selector {
            job.spec.template.labels.clone()
        } else {
            generated_labels(&job.spec.template.labels, &job_name, &job.uid)
        };
        if let Some(i) = index {
            labels.insert(COMPLETION_INDEX.to_string(), i.to_string());
        }
        let cost = super::objects::pod_annotations(&job.spec.template.annotations);
        let spec = job.pod_spec.clone();
        let name = self.unique_pod_name(&ns, &prefix);
        let spec = self.admit_pod(&ns, &name, spec)?;
        self.create_pod(&ns, &name, labels, cost, spec, Some(PodOwner::Job(j)), 0);
        Ok(name)
    }

    /// `<prefix>-<5 random characters>`, not taken in the namespace (generateName).
    pub(super) fn unique_pod_name(&mut self, ns: &str, prefix: &str) -> String {
        loop {
            let suffix: String =
                (0..5).map(|_| SAFE_ALPHANUMS[self.names.below(SAFE_ALPHANUMS.len())] as char).collect();
            let candidate = format!("{prefix}-{suffix}");
            if self.ctx.store.find_pod(ns, &candidate).is_none() {
                return candidate;
            }
        }
    }

    /// `kubectl delete job/NAME` (or the time to live ran out): the Job and its pods.
    pub(super) fn delete_job(&mut self, j: JobId) {
        let pods: Vec<_> = self.ctx.store.jobs[j].pods.iter().copied().collect();
        self.ctx.store.remove_job(j);
        // The CronJob controller's informer sees its Job go (deleteJob).
        if let Some(cj) = self.ctx.store.jobs[j].owner {
            self.ctx.store.cron_jobs[cj].jobs.remove(&j);
            self.enqueue_cron_job(cj);
        }
        for p in pods {
            self.delete_pod(p);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimTime;
    use crate::model::store::NodeId;

    fn pod() -> Pod {
        Pod {
            phase: PodPhase::Running,
            node: Some(NodeId(0)),
            ..Pod::new("default", "x", Labels::new(), Arc::default(), None, SimTime::ZERO)
        }
    }

    #[test]
    fn a_pod_deleted_before_it_finished_counts_as_failed() {
        let (t1, t2) = (SimTime(1_000_000), SimTime(2_000_000));
        let mut p = pod();
        p.phase = PodPhase::Succeeded;
        p.finished = Some(t2);
        assert_eq!(job_pod(PodId(0), &p).state, JobPodState::Succeeded(t2));
        p.terminating = Some(t1);
        assert_eq!(job_pod(PodId(0), &p).state, JobPodState::Failed(t2));
        let mut q = pod();
        q.terminating = Some(t1);
        assert_eq!(job_pod(PodId(0), &q).state, JobPodState::Terminating);
        q.labels.insert(COMPLETION_INDEX.into(), "7".into());
        assert_eq!(job_pod(PodId(0), &q).index, Some(7));
    }
}
