//! Runs the scheduler: takes pods from its queue, binds them, preempts for them, or says
//! why they wait.

use super::services::Network;
use super::{Context, Event, Sim, Step};
use crate::engine::{SimDuration, Stream, WorkQueue};
use crate::metrics::narration::Choice;
use crate::model::spec::Selector;
use crate::model::store::{NodeId, PodId, PodOwner};
use crate::scheduler::cycle::PodContext;
use crate::scheduler::owner_spread;
use crate::scheduler::preemption::{self, Candidate};
use crate::scheduler::{FitError, Nominations, Profile, SchedulingQueue};

/// The scheduler's events.
#[derive(Clone, Debug)]
pub enum SchedulerEvent {
    /// The scheduler takes the pods in its active queue.
    Cycle,
    /// A pod's back-off or its stay in the unschedulable pool is over (attempt number).
    Retry(PodId, u32),
}

/// kube-scheduler's own state: its queue of pods, the nominations preemption made, its
/// profile (plugins and their caches), its random stream (ties), and its cycle waiting at
/// most once.
pub(crate) struct Scheduler {
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
    uid_from(u64::from(pod.0))
}

/// A UID-shaped identifier derived from `seed` (splitmix64, no random draw): the same on
/// every run. Pods use their row (below 2^32), other objects seeds of their own range.
pub fn uid_from(seed: u64) -> String {
    let mut x = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
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

/// What the scheduler decided for one pod; the simulation carries it out before the next
/// pod is scheduled, so each decision sees the bindings and preemptions of the ones before.
enum Decision {
    /// Bind the pod to the node (narrated with `choice` when narrating).
    Bind { pod: PodId, node: NodeId, choice: Option<Choice> },
    /// No node fits: say why, evict the victims of a preemption if one was found, and put
    /// the pod back in the unschedulable pool.
    Unschedulable { pod: PodId, fit: FitError, preemption: Option<Candidate> },
}

/// Where a pod's system default spreading selector comes from.
enum DefaultSelector {
    /// Its controller's (a ReplicaSet, ReplicationController or StatefulSet): the owner's
    /// pods, counted incrementally.
    Owner(PodOwner, Selector),
    /// The merged selector of the Services that select it (no such controller).
    Services(Selector),
}

/// kube-scheduler's `DefaultSelector` (pkg/scheduler/framework/plugins/helper/spread.go):
/// the selectors of the Services selecting the pod, with its controller's selector when the
/// controller is a ReplicationController, ReplicaSet or StatefulSet; none when that is
/// empty (podtopologyspread/common.go `buildDefaultConstraints`). For a pod of such a
/// controller the owner's pods are the pods counted (`owner_spread`: the Services'
/// selectors, which select the same template labels, narrow nothing there). A DaemonSet's
/// pod is pinned to its node by required node affinity: it has one feasible node at most,
/// for which kube-scheduler skips scoring (schedulePod), so it needs no counts.
fn default_selector(ctx: &Context, net: &Network, pod: PodId) -> Option<DefaultSelector> {
    let p = &ctx.store.pods[pod];
    match p.owner {
        Some(PodOwner::ReplicaSet(rs)) => {
            Some(DefaultSelector::Owner(PodOwner::ReplicaSet(rs), ctx.store.replica_sets[rs].selector.clone()))
        }
        Some(PodOwner::StatefulSet(s)) => {
            Some(DefaultSelector::Owner(PodOwner::StatefulSet(s), ctx.store.stateful_sets[s].spec.selector.clone()))
        }
        Some(PodOwner::DaemonSet(_)) => None,
        None | Some(PodOwner::Job(_)) => {
            let match_labels = net.services_selector(&p.namespace, &p.labels);
            (!match_labels.is_empty())
                .then(|| DefaultSelector::Services(Selector { match_labels, match_expressions: Vec::new() }))
        }
    }
}

impl Scheduler {
    /// A new pod without a node: the scheduler's informer sees it after the API latency.
    pub(super) fn enqueue(&mut self, ctx: &mut Context, pod: PodId) {
        // A pod that names a scheduler no profile answers to is no scheduler's: it waits,
        // Pending, with no event (the informer's responsibleForPod filter).
        if !self.profile.handles(ctx.store.pods[pod].spec.scheduler_name.as_deref()) {
            return;
        }
        let priority = ctx.store.pods[pod].spec.priority;
        self.queue.push_active(pod, priority);
        self.ensure_cycle(ctx, ctx.latency());
    }

    fn ensure_cycle(&mut self, ctx: &mut Context, after: SimDuration) {
        self.cycle.add_after((), after, &mut ctx.kernel, |()| Event::Scheduler(SchedulerEvent::Cycle));
    }

    /// The next pod of the active queue that still needs a node, highest priority first, and
    /// what to do with it.
    fn next_decision(&mut self, ctx: &Context, net: &Network) -> Option<Decision> {
        while let Some(pod) = self.queue.pop_active() {
            let p = &ctx.store.pods[pod];
            if p.is_active() && p.node.is_none() {
                return Some(self.decide(ctx, net, pod));
            }
        }
        None
    }

    /// One scheduling attempt (kube-scheduler's schedulePod and, when it fails, the
    /// PostFilter plugins' preemption), over the cluster as it is now. Reads only.
    fn decide(&mut self, ctx: &Context, net: &Network, pod: PodId) -> Decision {
        let now = ctx.kernel.now();
        let images = &ctx.scenario.images;
        let default_size = ctx.default_image.size_bytes;
        let size = |image: &str| images.get(image).map_or(default_size, |b| b.size_bytes);
        let p = &ctx.store.pods[pod];
        self.profile.select(p.spec.scheduler_name.as_deref());
        let owner = p.owner;
        let defaults = if p.spec.topology_spread.is_empty() { default_selector(ctx, net, pod) } else { None };
        let list = self.profile.framework().spread_defaults.clone();
        let keys =
            crate::scheduler::cycle::spread_keys_with(&p.spec, owner.is_some() || defaults.is_some(), list.as_deref());
        self.profile.topology.ensure(&ctx.store, keys.iter().map(String::as_str));
        let defaults = defaults.map(|d| {
            let (counts, selector) = match d {
                // A profile's List of default constraints counts from the selector alone.
                DefaultSelector::Owner(_, selector) | DefaultSelector::Services(selector) if list.is_some() => {
                    (Default::default(), selector)
                }
                DefaultSelector::Owner(o, selector) => {
                    (self.profile.owner_spread.get(&ctx.store, &self.profile.topology, o), selector)
                }
                DefaultSelector::Services(selector) => {
                    let topology = &self.profile.topology;
                    (owner_spread::selector_counts(&ctx.store, topology, &p.namespace, &selector), selector)
                }
            };
            crate::scheduler::cycle::DefaultSpread { selector, counts }
        });
        let args = crate::scheduler::cycle::ProfileArgs {
            spread_defaults: list.as_deref(),
            hard_pod_affinity_weight: self.profile.framework().hard_pod_affinity_weight,
        };
        let mut pod_ctx =
            PodContext::prepare_with(&ctx.store, &self.profile.topology, pod, defaults, &args, &size, now);
        // A pod nominated by an earlier preemption tries its node first.
        if let Some(nominated) = ctx.store.pods[pod].nominated_node {
            let node = &ctx.store.nodes()[nominated];
            if self.profile.filter_node(&pod_ctx, node).is_ok() {
                let choice = ctx.narrating().then_some(Choice::Nominated);
                return Decision::Bind { pod, node: nominated, choice };
            }
        }
        let (nodes, fit) = (&ctx.store.nodes(), &ctx.store.node_fit());
        match self.profile.schedule(&mut pod_ctx, nodes, fit, &self.nominations, &mut self.random) {
            Ok(node) => {
                let scoring = self.profile.framework().scoring();
                let choice = ctx.narrating().then(|| {
                    super::narration::scheduling_choice(
                        &mut self.profile,
                        &mut pod_ctx,
                        ctx.store.nodes(),
                        node,
                        scoring,
                    )
                });
                Decision::Bind { pod, node, choice }
            }
            Err(fit) if !self.profile.framework().preemption => {
                // No PostFilter plugin: the message has no `preemption:` part.
                Decision::Unschedulable { pod, fit, preemption: None }
            }
            Err(mut fit) => {
                if ctx.store.removed_nodes() > 0 {
                    // Nodes deleted from the API are not in the scheduler's snapshot.
                    fit.failures.retain(|&n, _| !nodes[n].removed);
                    fit.nodes -= ctx.store.removed_nodes();
                }
                let outcome = preemption::preempt(&self.profile, &ctx.store, &self.nominations, &pod_ctx, &fit);
                let preemption = match outcome {
                    preemption::Outcome::Failed(message) => {
                        fit.post_filter = Some(message);
                        None
                    }
                    preemption::Outcome::Preempt(candidate) => Some(candidate),
                };
                Decision::Unschedulable { pod, fit, preemption }
            }
        }
    }

    /// The pod fits no node now: a FailedScheduling event, and the unschedulable pool until
    /// the cluster changes or the pool's time limit flushes it.
    fn unschedulable(&mut self, ctx: &mut Context, pod: PodId, message: String) {
        let now = ctx.kernel.now();
        let object = ctx.pod_object(pod);
        ctx.recorder.warning(now, "FailedScheduling", object, message);
        ctx.store.pods[pod].reason = "Unschedulable".into();
        let priority = ctx.store.pods[pod].spec.priority;
        let cp = &ctx.scenario.control_plane;
        self.queue.mark_unschedulable(pod, priority, now, cp.pod_initial_backoff, cp.pod_max_backoff);
        let attempt = self.queue.attempts(pod);
        let flush = now + cp.pod_max_in_unschedulable_pods_duration;
        ctx.kernel.schedule_at(flush, Event::Scheduler(SchedulerEvent::Retry(pod, attempt)));
        ctx.metrics.unschedulable_changed(self.queue.unschedulable_count());
    }

    /// After a preemption's victims are evicted: the node is nominated for the preemptor, and
    /// pods of lower priority nominated there lose their nomination.
    fn nominate(&mut self, ctx: &mut Context, pod: PodId, node: NodeId) {
        let priority = ctx.store.pods[pod].spec.priority;
        for lower in self.nominations.lower_than(node, priority) {
            self.nominations.clear(lower);
            ctx.store.pods[lower].nominated_node = None;
        }
        let requests = ctx.store.pods[pod].spec.requests();
        self.nominations.nominate(pod, node, priority, requests);
        ctx.store.pods[pod].nominated_node = Some(node);
    }

    /// The pod is bound (by the scheduler or by its nodeName): it leaves the queue and the
    /// nominations, and counts for its owner's spreading on the node.
    fn bound(&mut self, ctx: &mut Context, pod: PodId, node: NodeId) {
        self.queue.remove(pod);
        self.nominations.clear(pod);
        ctx.metrics.unschedulable_changed(self.queue.unschedulable_count());
        let owner = ctx.store.pods[pod].owner;
        self.profile.owner_spread.pod_counted(&self.profile.topology, owner, node, 1);
    }

    /// A pod that waited is due: its back-off ended or it sat unschedulable for too long.
    fn retry(&mut self, ctx: &mut Context, pod: PodId, attempt: u32) {
        if self.queue.is_unschedulable(pod) && self.queue.attempts(pod) == attempt {
            let priority = ctx.store.pods[pod].spec.priority;
            self.queue.push_active(pod, priority);
            self.ensure_cycle(ctx, SimDuration::ZERO);
        }
    }

    /// Something changed that may let waiting pods fit (a pod left a node, a node changed).
    pub(crate) fn cluster_changed(&mut self, ctx: &mut Context) {
        let now = ctx.kernel.now();
        for (pod, until) in self.queue.move_all_to_active_or_backoff(now) {
            let attempt = self.queue.attempts(pod);
            ctx.kernel.schedule_at(until, Event::Scheduler(SchedulerEvent::Retry(pod, attempt)));
        }
        if self.queue.has_active() {
            self.ensure_cycle(ctx, ctx.latency());
        }
    }

    /// A deleted pod leaves the scheduler's books.
    pub(super) fn forget(&mut self, pod: PodId) {
        self.queue.remove(pod);
        self.nominations.clear(pod);
    }
}

impl Sim<'_> {
    pub(super) fn handle_scheduler(&mut self, event: SchedulerEvent) {
        match event {
            SchedulerEvent::Cycle => {
                self.scheduler.cycle.take(());
                self.schedule_cycle();
            }
            SchedulerEvent::Retry(pod, attempt) => self.scheduler.retry(&mut self.ctx, pod, attempt),
        }
    }

    /// Schedules every pod in the active queue, carrying out each decision before the next.
    fn schedule_cycle(&mut self) {
        while let Some(decision) = self.scheduler.next_decision(&self.ctx, &self.net) {
            match decision {
                Decision::Bind { pod, node, choice } => {
                    if let Some(choice) = choice {
                        self.ctx.narrate_scheduled(pod, node, &choice);
                    }
                    self.bind_pod(pod, node, true);
                }
                Decision::Unschedulable { pod, fit, preemption } => {
                    if self.ctx.narrating() {
                        self.ctx.narrate_unschedulable(pod, &fit);
                    }
                    if let Some(candidate) = preemption {
                        if self.ctx.narrating() {
                            self.ctx.narrate_preemption(pod, &candidate);
                        }
                        self.preempt_for(pod, candidate);
                    }
                    self.scheduler.unschedulable(&mut self.ctx, pod, fit.message());
                    self.pod_waits_for_capacity(pod);
                }
            }
        }
    }

    /// Evicts the victims (gracefully) and nominates the node for the preemptor.
    fn preempt_for(&mut self, pod: PodId, c: Candidate) {
        let now = self.ctx.kernel.now();
        let uid = pod_uid(pod);
        let node_name = self.ctx.store.nodes()[c.node].name.clone();
        for &victim in &c.victims {
            let object = self.ctx.pod_object(victim);
            self.ctx.recorder.normal(now, "Preempted", object, format!("Preempted by pod {uid} on node {node_name}"));
            self.ctx.store.pods[victim].disruption.get_or_insert("PreemptionByScheduler");
            self.delete_pod(victim);
            self.ctx.metrics.pods_preempted += 1;
        }
        self.scheduler.nominate(&mut self.ctx, pod, c.node);
    }

    /// Binds `pod` to `node`; the node's kubelet sees it after the API latency.
    pub(super) fn bind_pod(&mut self, pod: PodId, node: NodeId, by_scheduler: bool) {
        let now = self.ctx.kernel.now();
        self.scheduler.bound(&mut self.ctx, pod, node);
        self.ctx.store.bind(pod, node, now);
        self.pod_no_longer_waits(pod, true);
        let p = &mut self.ctx.store.pods[pod];
        p.reason.clear();
        p.nominated_node = None;
        let generation = p.generation;
        if by_scheduler {
            let p = &self.ctx.store.pods[pod];
            let message =
                format!("Successfully assigned {}/{} to {}", p.namespace, p.name, self.ctx.store.nodes()[node].name);
            let object = self.ctx.pod_object(pod);
            self.ctx.recorder.normal(now, "Scheduled", object, message);
            self.ctx.metrics.pod_scheduled(&self.ctx.store, pod, now);
        }
        // The kubelet mounts the pod's volumes before anything starts: it waits for
        // claims still being bound or provisioned (storage.rs starts it when they are).
        if self.volumes_for_node(pod, node) {
            self.ctx.kernel.schedule_in(self.ctx.latency(), Event::Kubelet(pod, generation, Step::Admit));
        }
        self.pod_changed(pod);
        self.taint_manager_pod_bound(pod, node);
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
