//! Runs the scheduler: takes pods from its queue, binds them or says why not.

use super::{Event, Sim, Step};
use crate::engine::SimDuration;
use crate::model::store::{NodeId, PodId};
use crate::scheduler::plugins::PodContext;

impl Sim<'_> {
    /// A new pod without a node: the scheduler's informer sees it after the API latency.
    pub(super) fn enqueue_for_scheduling(&mut self, pod: PodId) {
        self.queue.push_active(pod, 0);
        self.ensure_schedule_cycle(self.latency());
    }

    fn ensure_schedule_cycle(&mut self, after: SimDuration) {
        if !self.schedule_pending {
            self.schedule_pending = true;
            self.kernel.schedule_in(after, Event::ScheduleCycle);
        }
    }

    /// Schedules every pod in the active queue, highest priority first.
    pub(super) fn schedule_cycle(&mut self) {
        let now = self.kernel.now();
        while let Some(pod) = self.queue.pop_active() {
            let p = &self.store.pods[pod as usize];
            if !p.is_active() || p.node.is_some() {
                continue;
            }
            let spec = p.spec.clone();
            let ctx = PodContext::new(&spec);
            match self.profile.schedule(&ctx, &self.store.nodes, &mut self.scheduling) {
                Ok(node) => self.bind_pod(pod, node, true),
                Err(fit) => {
                    let object = format!("pod/{}", self.store.pods[pod as usize].name);
                    self.recorder.warning(now, "FailedScheduling", object, fit.message());
                    self.store.pods[pod as usize].reason = "Unschedulable".into();
                    let cp = &self.scenario.control_plane;
                    self.queue.mark_unschedulable(pod, 0, now, cp.pod_initial_backoff, cp.pod_max_backoff);
                    let attempt = self.queue.attempts(pod);
                    let flush = now + cp.pod_max_in_unschedulable_pods_duration;
                    self.kernel.schedule_at(flush, Event::SchedulerRetry(pod, attempt));
                    self.metrics.unschedulable_changed(self.queue.unschedulable_count());
                }
            }
        }
    }

    /// Binds `pod` to `node`; the node's kubelet sees it after the API latency.
    pub(super) fn bind_pod(&mut self, pod: PodId, node: NodeId, by_scheduler: bool) {
        let now = self.kernel.now();
        self.queue.remove(pod);
        self.metrics.unschedulable_changed(self.queue.unschedulable_count());
        self.store.bind(pod, node, now);
        let p = &mut self.store.pods[pod as usize];
        p.reason.clear();
        let generation = p.generation;
        if by_scheduler {
            let (object, message) = (
                format!("pod/{}", p.name),
                format!("Successfully assigned {}/{} to {}", p.namespace, p.name, self.store.nodes[node as usize].name),
            );
            self.recorder.normal(now, "Scheduled", object, message);
            self.metrics.pod_scheduled(&self.store, pod, now);
        }
        self.kernel.schedule_in(self.latency(), Event::Kubelet(pod, generation, Step::Admit));
        self.pod_changed(pod);
    }

    /// A pod that waited is due: its back-off ended or it sat unschedulable for too long.
    pub(super) fn scheduler_retry(&mut self, pod: PodId, attempt: u32) {
        if self.queue.is_unschedulable(pod) && self.queue.attempts(pod) == attempt {
            self.queue.push_active(pod, 0);
            self.ensure_schedule_cycle(SimDuration::ZERO);
        }
    }

    /// Something changed that may let waiting pods fit (a pod left a node, a node changed).
    pub(super) fn cluster_changed(&mut self) {
        let now = self.kernel.now();
        for (pod, until) in self.queue.move_all_to_active_or_backoff(now) {
            let attempt = self.queue.attempts(pod);
            self.kernel.schedule_at(until, Event::SchedulerRetry(pod, attempt));
        }
        if self.queue.has_active() {
            self.ensure_schedule_cycle(self.latency());
        }
    }
}
