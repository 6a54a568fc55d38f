//! Runs the scheduler: takes pods from its queue, binds them, preempts for them, or says
//! why they wait.

use super::{Event, Sim, Step};
use crate::engine::{SimDuration, Stream, WorkQueue};
use crate::model::store::{NodeId, PodId, PodOwner};
use crate::scheduler::cycle::PodContext;
use crate::scheduler::preemption::{self, Candidate};
use crate::scheduler::{Nominations, Profile, SchedulingQueue};

/// The scheduler's events.
#[derive(Clone, Debug)]
pub enum SchedulerEvent {
    /// The scheduler takes the pods in its active queue.
    Cycle,
    /// A pod's back-off or its stay in the unschedulable pool is over (attempt number).
    Retry(PodId, u32),
}

impl Sim<'_> {
    pub(super) fn handle_scheduler(&mut self, event: SchedulerEvent) {
        match event {
            SchedulerEvent::Cycle => {
                self.scheduler.cycle.take(());
                self.schedule_cycle();
            }
            SchedulerEvent::Retry(pod, attempt) => self.scheduler_retry(pod, attempt),
        }
    }
}

/// kube-scheduler's own state: its queue of pods, the nominations preemption made, its
/// profile (plugins and their caches), its random stream (ties), and its cycle waiting at
/// most once.
pub(super) struct Scheduler {
    pub queue: SchedulingQueue,
    pub nominations: Nominations,
    pub profile: Profile,
    /// The scheduling stream: `selectHost`'s draw among the best-scored nodes.
    pub random: Stream,
    pub cycle: WorkQueue<()>,
}

/// A UID-shaped identifier for a pod, derived from its id (no random draw), for messages
/// that name a pod's UID as Kubernetes does.
pub fn pod_uid(pod: PodId) -> String {
    let mut x = u64::from(pod.0).wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut next = || {
        x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let (a, b) = (next(), next());
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        (b >> 48) & 0x3fff | 0x8000,
        b & 0xffff_ffff_ffff
    )
}

impl Sim<'_> {
    /// A new pod without a node: the scheduler's informer sees it after the API latency.
    pub(super) fn enqueue_for_scheduling(&mut self, pod: PodId) {
        let priority = self.ctx.store.pods[pod].spec.priority;
        self.scheduler.queue.push_active(pod, priority);
        self.ensure_schedule_cycle(self.ctx.latency());
    }

    fn ensure_schedule_cycle(&mut self, after: SimDuration) {
        self.scheduler.cycle.add_after((), after, &mut self.ctx.kernel, |()| Event::Scheduler(SchedulerEvent::Cycle));
    }

    /// Schedules every pod in the active queue, highest priority first.
    pub(super) fn schedule_cycle(&mut self) {
        while let Some(pod) = self.scheduler.queue.pop_active() {
            let p = &self.ctx.store.pods[pod];
            if !p.is_active() || p.node.is_some() {
                continue;
            }
            self.schedule_one(pod);
        }
    }

    fn schedule_one(&mut self, pod: PodId) {
        let now = self.ctx.kernel.now();
        let images = &self.ctx.scenario.images;
        let default_size = self.ctx.default_image.size_bytes;
        let size = |image: &str| images.get(image).map_or(default_size, |b| b.size_bytes);
        let owner = self.ctx.store.pods[pod].owner;
        let keys = crate::scheduler::cycle::spread_keys(&self.ctx.store.pods[pod].spec, owner.is_some());
        self.scheduler.profile.topology.ensure(&self.ctx.store, keys.iter().map(String::as_str));
        let defaults = match owner {
            Some(PodOwner::ReplicaSet(rs)) if self.ctx.store.pods[pod].spec.topology_spread.is_empty() => {
                let counts =
                    self.scheduler.profile.owner_spread.get(&self.ctx.store, &self.scheduler.profile.topology, rs);
                let selector = self.ctx.store.replica_sets[rs].selector.clone();
                Some(crate::scheduler::cycle::DefaultSpread { selector, counts })
            }
            _ => None,
        };
        let mut ctx = PodContext::prepare(&self.ctx.store, &self.scheduler.profile.topology, pod, defaults, &size, now);
        // A pod nominated by an earlier preemption tries its node first.
        if let Some(nominated) = self.ctx.store.pods[pod].nominated_node {
            let node = &self.ctx.store.nodes[nominated];
            if self.scheduler.profile.filter_node(&ctx, node).is_ok() {
                drop(ctx);
                if self.ctx.narrating() {
                    self.ctx.narrate_scheduled(pod, nominated, &crate::metrics::narration::Choice::Nominated);
                }
                self.bind_pod(pod, nominated, true);
                return;
            }
        }
        let (nodes, fit) = (&self.ctx.store.nodes, &self.ctx.store.node_fit);
        let result = self.scheduler.profile.schedule(
            &mut ctx,
            nodes,
            fit,
            &self.scheduler.nominations,
            &mut self.scheduler.random,
        );
        match result {
            Ok(node) => {
                let choice = self.ctx.narrating().then(|| {
                    let scoring = self.ctx.scenario.scoring;
                    super::narration::scheduling_choice(
                        &mut self.scheduler.profile,
                        &mut ctx,
                        &self.ctx.store.nodes,
                        node,
                        scoring,
                    )
                });
                drop(ctx);
                if let Some(choice) = choice {
                    self.ctx.narrate_scheduled(pod, node, &choice);
                }
                self.bind_pod(pod, node, true);
            }
            Err(mut fit) => {
                let outcome = preemption::preempt(
                    &self.scheduler.profile,
                    &self.ctx.store,
                    &self.scheduler.nominations,
                    &ctx,
                    &fit,
                );
                drop(ctx);
                if let preemption::Outcome::Failed(message) = &outcome {
                    fit.post_filter = Some(message.clone());
                }
                if self.ctx.narrating() {
                    self.ctx.narrate_unschedulable(pod, &fit);
                }
                if let preemption::Outcome::Preempt(candidate) = outcome {
                    if self.ctx.narrating() {
                        self.ctx.narrate_preemption(pod, &candidate);
                    }
                    self.preempt_for(pod, candidate);
                }
                self.unschedulable(pod, fit.message());
            }
        }
    }

    fn unschedulable(&mut self, pod: PodId, message: String) {
        let now = self.ctx.kernel.now();
        let object = self.ctx.pod_object(pod);
        self.ctx.recorder.warning(now, "FailedScheduling", object, message);
        self.ctx.store.pods[pod].reason = "Unschedulable".into();
        let priority = self.ctx.store.pods[pod].spec.priority;
        let cp = &self.ctx.scenario.control_plane;
        self.scheduler.queue.mark_unschedulable(pod, priority, now, cp.pod_initial_backoff, cp.pod_max_backoff);
        let attempt = self.scheduler.queue.attempts(pod);
        let flush = now + cp.pod_max_in_unschedulable_pods_duration;
        self.ctx.kernel.schedule_at(flush, Event::Scheduler(SchedulerEvent::Retry(pod, attempt)));
        self.ctx.metrics.unschedulable_changed(self.scheduler.queue.unschedulable_count());
    }

    /// Evicts the victims (gracefully) and nominates the node for the preemptor; pods of
    /// lower priority nominated there lose their nomination.
    fn preempt_for(&mut self, pod: PodId, c: Candidate) {
        let now = self.ctx.kernel.now();
        let uid = pod_uid(pod);
        let node_name = self.ctx.store.nodes[c.node].name.clone();
        for &victim in &c.victims {
            let object = self.ctx.pod_object(victim);
            self.ctx.recorder.normal(now, "Preempted", object, format!("Preempted by pod {uid} on node {node_name}"));
            self.delete_pod(victim);
            self.ctx.metrics.pods_preempted += 1;
        }
        let priority = self.ctx.store.pods[pod].spec.priority;
        for lower in self.scheduler.nominations.lower_than(c.node, priority) {
            self.scheduler.nominations.clear(lower);
            self.ctx.store.pods[lower].nominated_node = None;
        }
        let requests = self.ctx.store.pods[pod].spec.requests();
        self.scheduler.nominations.nominate(pod, c.node, priority, requests);
        self.ctx.store.pods[pod].nominated_node = Some(c.node);
    }

    /// Binds `pod` to `node`; the node's kubelet sees it after the API latency.
    pub(super) fn bind_pod(&mut self, pod: PodId, node: NodeId, by_scheduler: bool) {
        let now = self.ctx.kernel.now();
        self.scheduler.queue.remove(pod);
        self.scheduler.nominations.clear(pod);
        self.ctx.metrics.unschedulable_changed(self.scheduler.queue.unschedulable_count());
        self.ctx.store.bind(pod, node, now);
        let owner = self.ctx.store.pods[pod].owner;
        self.scheduler.profile.owner_spread.pod_counted(&self.scheduler.profile.topology, owner, node, 1);
        let p = &mut self.ctx.store.pods[pod];
        p.reason.clear();
        p.nominated_node = None;
        let generation = p.generation;
        if by_scheduler {
            let message =
                format!("Successfully assigned {}/{} to {}", p.namespace, p.name, self.ctx.store.nodes[node].name);
            let object = self.ctx.pod_object(pod);
            self.ctx.recorder.normal(now, "Scheduled", object, message);
            self.ctx.metrics.pod_scheduled(&self.ctx.store, pod, now);
        }
        self.ctx.kernel.schedule_in(self.ctx.latency(), Event::Kubelet(pod, generation, Step::Admit));
        self.pod_changed(pod);
    }

    /// A pod that waited is due: its back-off ended or it sat unschedulable for too long.
    pub(super) fn scheduler_retry(&mut self, pod: PodId, attempt: u32) {
        if self.scheduler.queue.is_unschedulable(pod) && self.scheduler.queue.attempts(pod) == attempt {
            let priority = self.ctx.store.pods[pod].spec.priority;
            self.scheduler.queue.push_active(pod, priority);
            self.ensure_schedule_cycle(SimDuration::ZERO);
        }
    }

    /// Something changed that may let waiting pods fit (a pod left a node, a node changed).
    pub(crate) fn cluster_changed(&mut self) {
        let now = self.ctx.kernel.now();
        for (pod, until) in self.scheduler.queue.move_all_to_active_or_backoff(now) {
            let attempt = self.scheduler.queue.attempts(pod);
            self.ctx.kernel.schedule_at(until, Event::Scheduler(SchedulerEvent::Retry(pod, attempt)));
        }
        if self.scheduler.queue.has_active() {
            self.ensure_schedule_cycle(self.ctx.latency());
        }
    }

    /// A deleted pod leaves the scheduler's books.
    pub(super) fn forget_pod(&mut self, pod: PodId) {
        self.scheduler.queue.remove(pod);
        self.scheduler.nominations.clear(pod);
    }
}

#[cfg(test)]
mod tests {
    use super::pod_uid;
    use crate::model::store::PodId;

    #[test]
    fn pod_uids_look_like_uids_and_differ() {
        let (a, b) = (pod_uid(PodId(0)), pod_uid(PodId(1)));
        assert_eq!(a.len(), 36);
        assert_eq!(a.matches('-').count(), 4);
        assert_ne!(a, b);
        assert_eq!(a, pod_uid(PodId(0)));
    }
}
