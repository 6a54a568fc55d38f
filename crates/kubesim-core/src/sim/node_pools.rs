//! Node groups that change size and cost money: nodes a pool adds (after their startup
//! time) and removes, what every node costs from its launch to its end, spot interruptions
//! with their two-minute notice, and how long pods waited for capacity.
//!
//! Nothing here runs for a scenario without prices, pools or an autoscaler
//! (`NodePools::active`), so such runs keep their events and numbers.

use super::{Event, Sim};
use crate::engine::{Purpose, SimDuration, SimTime, Stream};
use crate::model::instance_types::InstanceType;
use crate::model::spec::{CapacityType, DrainSpec, NodeGroup, Scenario};
use crate::model::store::{NodeId, PodId, PodPhase};
use std::collections::BTreeMap;

/// The node pools' own events.
#[derive(Clone, Debug)]
pub enum PoolEvent {
    /// A node asked for at scale-up is Ready (group, its ordinal).
    NodeStarted(u32, u32),
    /// The Cluster Autoscaler's loop.
    Scan,
    /// A scale-down's drain is looked at again (the node).
    DrainCheck(NodeId),
    /// A spot pool's next interruption draw (group).
    SpotNotice(u32),
    /// Two minutes after the notice: the instance is gone.
    SpotTerminated(NodeId),
    /// Karpenter's batch window may close.
    KarpenterBatch,
    /// Karpenter's disruption controller's poll.
    Disruption,
}

/// How long a spot instance has between the interruption notice and its end (AWS's
/// two-minute warning; GCP and Azure give 30 s, a simplification).
pub const SPOT_NOTICE: SimDuration = SimDuration::from_secs(120);

/// A node asked for and not Ready yet.
#[derive(Clone, Debug)]
pub struct Starting {
    pub ordinal: u32,
    pub asked: SimTime,
    /// Its instance type (Karpenter's choice; None: the group's own).
    pub instance: Option<&'static InstanceType>,
    pub price_per_hour: f64,
}

/// What one node group has done.
#[derive(Clone, Debug, Default)]
pub struct GroupState {
    /// The next node's number (`NAME-N`).
    pub next_ordinal: u32,
    /// Its nodes in the API, oldest first.
    pub nodes: Vec<NodeId>,
    /// Nodes asked for and not Ready yet.
    pub starting: Vec<Starting>,
    pub scale_ups: u32,
    pub nodes_added: u32,
    pub nodes_removed: u32,
    pub spot_interruptions: u32,
    /// The most nodes it had at once (starting ones included: they are billed).
    pub peak: u32,
}

impl GroupState {
    /// Registered and starting nodes: the size the cloud bills and the autoscaler targets.
    pub fn target(&self) -> u32 {
        (self.nodes.len() + self.starting.len()) as u32
    }
}

/// The node pools' bookkeeping and its figures.
#[derive(Default)]
pub struct NodePools {
    /// Prices, pools or an autoscaler are in the scenario.
    pub active: bool,
    pub groups: Vec<GroupState>,
    /// Per node (by index): its group, when it was launched (asked for), and its price.
    node_group: Vec<u32>,
    launched: Vec<SimTime>,
    price: Vec<f64>,
    /// When it was removed (billing ends).
    gone: Vec<Option<SimTime>>,
    /// Per group: its spot interruptions' stream (None without interruptions).
    spot: Vec<Option<Stream>>,
    /// Nodes under an interruption notice.
    interrupted: std::collections::BTreeSet<NodeId>,
    /// Pods the scheduler found no node for, since when (the first FailedScheduling).
    pub waiting: BTreeMap<PodId, SimTime>,
    /// How long each pod that waited for capacity waited, in microseconds, in bind order.
    pub waited_us: Vec<u64>,
    /// Pods evicted by scale-down and spot interruptions.
    pub evictions: u64,
    pub scale_downs: u32,
}

impl NodePools {
    pub fn new(scenario: &Scenario) -> Self {
        NodePools { active: scenario.prices_or_scales_nodes(), ..NodePools::default() }
    }

    /// The group of `node`.
    pub fn group_of(&self, node: NodeId) -> usize {
        self.node_group.get(node.index()).map_or(0, |&g| g as usize)
    }

    /// When `node` was launched (asked for).
    pub fn launched_at(&self, node: NodeId) -> SimTime {
        self.launched.get(node.index()).copied().unwrap_or(SimTime::ZERO)
    }

    /// Whether `node` is under a spot interruption notice.
    pub fn is_interrupted(&self, node: NodeId) -> bool {
        self.interrupted.contains(&node)
    }

    /// The price per hour of `node`.
    pub fn price_of(&self, node: NodeId) -> f64 {
        self.price.get(node.index()).copied().unwrap_or(0.0)
    }

    fn record_node(&mut self, node: NodeId, group: usize, launched: SimTime, price: f64) {
        let i = node.index();
        if self.node_group.len() <= i {
            self.node_group.resize(i + 1, 0);
            self.launched.resize(i + 1, SimTime::ZERO);
            self.price.resize(i + 1, 0.0);
            self.gone.resize(i + 1, None);
        }
        self.node_group[i] = group as u32;
        self.launched[i] = launched;
        self.price[i] = price;
        let g = &mut self.groups[group];
        g.nodes.push(node);
        g.peak = g.peak.max(g.target());
    }

    /// The figures at the end of the run (None when the scenario neither prices nor scales
    /// nodes).
    pub fn figures(&self, scenario: &Scenario, end: SimTime) -> Option<crate::metrics::node_pools::PoolFigures> {
        if !self.active {
            return None;
        }
        let bill = self.bill(end);
        let groups = self
            .groups
            .iter()
            .zip(&scenario.nodes)
            .zip(bill)
            .map(|((g, spec), (node_hours, cost))| crate::metrics::node_pools::GroupFigures {
                name: spec.name.clone(),
                instance_type: spec.economics.instance_type.clone(),
                capacity_type: spec.economics.capacity_type.label(),
                price_per_hour: spec.economics.price_per_hour,
                bounds: spec.economics.bounds.map(|b| (b.min, b.max)),
                nodes_start: spec.count,
                nodes_end: g.nodes.len() as u32,
                nodes_peak: g.peak,
                node_hours,
                cost,
                scale_ups: g.scale_ups,
                nodes_added: g.nodes_added,
                nodes_removed: g.nodes_removed,
                spot_interruptions: g.spot_interruptions,
            })
            .collect();
        let mut waited_us = self.waited_us.clone();
        waited_us.sort_unstable();
        Some(crate::metrics::node_pools::PoolFigures {
            groups,
            waited_us,
            still_waiting: self.waiting.len(),
            evictions: self.evictions,
            scale_downs: self.scale_downs,
        })
    }

    /// Node-hours and dollars per group up to `end` (nodes still starting at the end are
    /// billed from when they were asked for).
    fn bill(&self, end: SimTime) -> Vec<(f64, f64)> {
        let mut out = vec![(0.0, 0.0); self.groups.len()];
        let hours = |from: SimTime, to: SimTime| to.since(from).as_secs_f64() / 3600.0;
        for (i, &g) in self.node_group.iter().enumerate() {
            let h = hours(self.launched[i], self.gone[i].unwrap_or(end).min(end));
            out[g as usize].0 += h;
            out[g as usize].1 += h * self.price[i];
        }
        for (g, state) in self.groups.iter().enumerate() {
            for s in &state.starting {
                let h = hours(s.asked, end);
                out[g].0 += h;
                out[g].1 += h * s.price_per_hour;
            }
        }
        out
    }

    /// The time series' values now: per group, its nodes, those starting, and its cost per
    /// hour (starting nodes are billed).
    pub fn sample(&self) -> Vec<f64> {
        let mut out = Vec::with_capacity(self.groups.len() * 3);
        for g in &self.groups {
            out.push(g.nodes.len() as f64);
            out.push(g.starting.len() as f64);
            let running: f64 = g.nodes.iter().map(|&n| self.price_of(n)).sum();
            out.push(running + g.starting.iter().map(|s| s.price_per_hour).sum::<f64>());
        }
        out
    }
}

impl Sim<'_> {
    pub(super) fn handle_pools(&mut self, event: PoolEvent) {
        match event {
            PoolEvent::NodeStarted(group, ordinal) => self.pool_node_started(group as usize, ordinal),
            PoolEvent::Scan => self.autoscaler_scan(),
            PoolEvent::DrainCheck(node) if self.karpenter.is_some() => self.karpenter_drain_check(node),
            PoolEvent::DrainCheck(node) => self.scale_down_drain_check(node),
            PoolEvent::KarpenterBatch => self.karpenter_batch_timer(),
            PoolEvent::Disruption => self.karpenter_disruption(),
            PoolEvent::SpotNotice(group) => self.spot_notice(group as usize),
            PoolEvent::SpotTerminated(node) => self.spot_terminated(node),
        }
    }

    /// After the scenario's nodes exist: each group's records, the first spot draws and the
    /// autoscaler's first scan.
    pub(super) fn start_node_pools(&mut self) {
        if !self.pools.active {
            return;
        }
        let scenario = self.ctx.scenario;
        self.pools.groups =
            scenario.nodes.iter().map(|g| GroupState { next_ordinal: g.count + 1, ..Default::default() }).collect();
        let mut next = 0u32;
        for (gi, g) in scenario.nodes.iter().enumerate() {
            for _ in 0..g.count {
                self.pools.record_node(NodeId(next), gi, SimTime::ZERO, g.economics.price_per_hour);
                next += 1;
            }
        }
        self.pools.spot = scenario
            .nodes
            .iter()
            .enumerate()
            .map(|(gi, g)| {
                (g.economics.capacity_type == CapacityType::Spot && g.economics.interruptions_per_node_hour > 0.0)
                    .then(|| Stream::indexed(scenario.seed, Purpose::SpotInterruptions, gi as u64))
            })
            .collect();
        for gi in 0..scenario.nodes.len() {
            self.schedule_spot_notice(gi);
        }
        self.start_cluster_autoscaler();
        self.start_karpenter();
    }

    /// A pool asks the cloud for `n` nodes of its own type: each is Ready after the
    /// group's startup time.
    pub(super) fn add_pool_nodes(&mut self, group: usize, n: u32) {
        for _ in 0..n {
            self.launch_node(group, None);
        }
    }

    /// A pool asks the cloud for one node, of `instance` (Karpenter's choice) or the
    /// group's own type; returns its name.
    pub(super) fn launch_node(&mut self, group: usize, instance: Option<&'static InstanceType>) -> String {
        let now = self.ctx.kernel.now();
        let spec = &self.ctx.scenario.nodes[group];
        let startup = spec.economics.startup;
        let price_per_hour = spec.price_of(instance);
        let g = &mut self.pools.groups[group];
        let ordinal = g.next_ordinal;
        g.next_ordinal += 1;
        g.starting.push(Starting { ordinal, asked: now, instance, price_per_hour });
        g.nodes_added += 1;
        g.peak = g.peak.max(g.target());
        let event = PoolEvent::NodeStarted(group as u32, ordinal);
        self.ctx.kernel.schedule_at(now + startup, Event::Pools(event));
        spec.node_name(ordinal)
    }

    /// A new node registers, Ready: the scheduler, the DaemonSets and the node lifecycle
    /// controller see it.
    fn pool_node_started(&mut self, group: usize, ordinal: u32) {
        let now = self.ctx.kernel.now();
        let g = &mut self.pools.groups[group];
        let Some(i) = g.starting.iter().position(|s| s.ordinal == ordinal) else { return };
        let started = g.starting.remove(i);
        let asked = started.asked;
        let spec: &NodeGroup = &self.ctx.scenario.nodes[group];
        let node = self.ctx.store.add_node(pool_node(spec, spec.node_name(ordinal), started.instance));
        self.pools.record_node(node, group, asked, started.price_per_hour);
        self.node_registered(node);
        let name = self.ctx.store.nodes()[node].name.clone();
        self.ctx.recorder.normal(
            now,
            "RegisteredNode",
            format!("node/{name}"),
            format!("Node {name} event: Registered Node {name} in Controller"),
        );
        if self.ctx.narrating() {
            self.ctx.narrate(
                vec![format!("node/{name}")],
                format!("node {name} joined the cluster, Ready ({} after it was asked for)", now.since(asked)),
            );
        }
        let daemon_sets: Vec<_> = self.ctx.store.daemon_sets.ids().collect();
        for ds in daemon_sets {
            self.enqueue_daemon_set(ds);
        }
        self.scheduler.cluster_changed(&mut self.ctx);
    }

    /// The node is deleted from the API (scaled down, or its instance ended): the pods
    /// still bound there are deleted at once (the pod garbage collector's `gcOrphaned`),
    /// and billing stops.
    pub(super) fn remove_node(&mut self, node: NodeId) {
        let now = self.ctx.kernel.now();
        if self.ctx.store.nodes()[node].removed {
            return;
        }
        let pods: Vec<PodId> = self.ctx.store.nodes()[node].pods.iter().copied().collect();
        for pod in pods {
            self.force_delete_orphan(pod);
        }
        let name = self.ctx.store.nodes()[node].name.clone();
        self.node_unregistered(node);
        self.ctx.store.remove_node(node);
        self.pools.interrupted.remove(&node);
        let group = self.pools.group_of(node);
        let g = &mut self.pools.groups[group];
        g.nodes.retain(|&n| n != node);
        g.nodes_removed += 1;
        if let Some(gone) = self.pools.gone.get_mut(node.index()) {
            *gone = Some(now);
        }
        self.ctx.recorder.normal(
            now,
            "RemovingNode",
            format!("node/{name}"),
            format!("Node {name} event: Removing Node {name} from Controller"),
        );
        self.autoscaler_node_removed(node);
        self.karpenter_node_removed(node);
    }

    /// PodGC deletes a pod whose node is gone: Failed with the DisruptionTarget condition
    /// (`DeletionByPodGC`), then removed without waiting for a kubelet.
    fn force_delete_orphan(&mut self, pod: PodId) {
        let now = self.ctx.kernel.now();
        self.traffic.server_lost(&mut self.ctx, pod);
        let p = &mut self.ctx.store.pods[pod];
        if p.deleted.is_some() {
            return;
        }
        let counted = p.terminating.is_none() && !matches!(p.phase, PodPhase::Succeeded | PodPhase::Failed);
        p.generation += 1;
        p.terminating.get_or_insert(now);
        p.disruption.get_or_insert("DeletionByPodGC");
        if !matches!(p.phase, PodPhase::Succeeded | PodPhase::Failed) {
            p.phase = PodPhase::Failed;
            p.finished = Some(now);
        }
        p.ready_since = None;
        if counted {
            let (owner, node) = (p.owner, p.node);
            if let Some(node) = node {
                self.scheduler.profile.owner_spread.pod_counted(&self.scheduler.profile.topology, owner, node, -1);
            }
        }
        self.pod_changed(pod);
        self.ctx.store.remove_pod(pod, now);
        self.scheduler.forget(pod);
        self.pod_deleted(pod);
    }

    /// The next interruption draw of a spot group: candidate notices come at the per-node
    /// rate times the group's maximum size, each aimed at one slot of it; a notice aimed at
    /// a slot with no node is nothing. Variants with the same maximum thus see the same
    /// notices whatever their sizes (the stream is the group's own).
    fn schedule_spot_notice(&mut self, group: usize) {
        let Some(stream) = self.pools.spot.get_mut(group).and_then(Option::as_mut) else { return };
        let spec = &self.ctx.scenario.nodes[group];
        let slots = spot_slots(spec);
        let per_second = spec.economics.interruptions_per_node_hour / 3600.0 * f64::from(slots);
        if per_second <= 0.0 {
            return;
        }
        // Exponential gaps, to the microsecond (at least one).
        let u = stream.unit();
        let gap = (-(1.0 - u).ln() / per_second * 1e6).ceil().max(1.0);
        let at = self.ctx.kernel.now() + SimDuration(gap.min(1e15) as u64);
        if at <= self.ctx.end {
            self.ctx.kernel.schedule_at(at, Event::Pools(PoolEvent::SpotNotice(group as u32)));
        }
    }

    fn spot_notice(&mut self, group: usize) {
        let slots = spot_slots(&self.ctx.scenario.nodes[group]);
        let slot = match self.pools.spot.get_mut(group).and_then(Option::as_mut) {
            Some(stream) => stream.below(slots as usize),
            None => return,
        };
        self.schedule_spot_notice(group);
        let Some(&node) = self.pools.groups[group].nodes.get(slot) else { return };
        if !self.pools.interrupted.insert(node) {
            return;
        }
        let now = self.ctx.kernel.now();
        self.pools.groups[group].spot_interruptions += 1;
        let name = self.ctx.store.nodes()[node].name.clone();
        self.ctx.recorder.warning(
            now,
            "SpotInterrupted",
            format!("node/{name}"),
            "Spot interruption warning was triggered: the instance is reclaimed in 2 minutes".into(),
        );
        if self.ctx.narrating() {
            self.ctx.narrate(
                vec![format!("node/{name}")],
                format!("spot node {name} got its interruption notice: cordoned and drained, gone in 2 minutes"),
            );
        }
        // The termination handler (aws-node-termination-handler, or Karpenter's own) drains
        // as `kubectl drain --ignore-daemonsets --delete-emptydir-data --force` with the
        // notice as its timeout.
        let drain = DrainSpec {
            node: name,
            ignore_daemonsets: true,
            delete_emptydir_data: true,
            force: true,
            grace_period: None,
            timeout: Some(SPOT_NOTICE),
        };
        let before = self.ctx.metrics.pods_evicted;
        if let Err(e) = self.drain(&drain) {
            self.ctx.recorder.warning(now, "Drain", self.ctx.node_ref(node), e.to_string());
        }
        self.pools.evictions += self.ctx.metrics.pods_evicted - before;
        self.autoscaler_node_leaving(node);
        self.ctx.kernel.schedule_at(now + SPOT_NOTICE, Event::Pools(PoolEvent::SpotTerminated(node)));
    }

    /// The instance is reclaimed: its kubelet stops with it, and the node leaves the API.
    fn spot_terminated(&mut self, node: NodeId) {
        if self.ctx.store.nodes()[node].removed {
            return;
        }
        self.remove_node(node);
    }

    /// The pods an autoscaler must find new nodes for: those waiting for capacity, still
    /// without a node and alive, less those that fit a node as it is now (not `leaving`:
    /// FilterOutSchedulable) and those the nodes already starting will take (the upcoming
    /// nodes both autoscalers put in their snapshot).
    pub(super) fn pods_needing_nodes(
        &self,
        profile: &crate::scheduler::Profile,
        leaving: &dyn Fn(NodeId) -> bool,
    ) -> Vec<PodId> {
        use crate::controllers::cluster_autoscaler::{scale_down, scale_up};
        let store = &self.ctx.store;
        let waiting: Vec<PodId> = self
            .pools
            .waiting
            .keys()
            .copied()
            .filter(|&p| store.pods[p].node.is_none() && store.pods[p].is_active())
            .collect();
        if waiting.is_empty() {
            return waiting;
        }
        let mut rest = scale_down::unplaceable(profile, store, waiting, leaving);
        for (group, g) in self.pools.groups.iter().enumerate() {
            if g.starting.is_empty() || rest.is_empty() {
                continue;
            }
            let spec = &self.ctx.scenario.nodes[group];
            let mut upcoming: Vec<crate::model::store::Node> =
                g.starting.iter().map(|s| template_node(store, spec, spec.node_name(s.ordinal), s.instance)).collect();
            let template = upcoming[0].clone();
            let (placed, _) = scale_up::binpack(profile, store, &template, &mut upcoming, &rest, None);
            rest.retain(|p| !placed.contains(p));
        }
        rest
    }

    /// One round of an autoscaler's drain through the eviction API: each pod of `pending`
    /// that a PodDisruptionBudget allows is evicted (the event `reason` / `message` on it,
    /// its grace from `grace`) and moves to `evicted`, as do pods already going; the pods a
    /// budget holds are returned, to be tried again.
    pub(super) fn evict_round(
        &mut self,
        pending: Vec<PodId>,
        evicted: &mut Vec<PodId>,
        reason: &'static str,
        message: &str,
        grace: impl Fn(SimDuration) -> SimDuration,
    ) -> Vec<PodId> {
        let now = self.ctx.kernel.now();
        let mut held = Vec::new();
        for pod in pending {
            let p = &self.ctx.store.pods[pod];
            if p.is_gone() || p.terminating.is_some() {
                evicted.push(pod);
                continue;
            }
            if self.blocked_by_budget(pod) {
                held.push(pod);
                continue;
            }
            let object = self.ctx.pod_object(pod);
            self.ctx.recorder.normal(now, reason, object, message.to_string());
            self.ctx.metrics.pods_evicted += 1;
            self.pools.evictions += 1;
            let own = self.ctx.store.pods[pod].spec.termination_grace;
            self.ctx.store.pods[pod].disruption.get_or_insert("EvictionByEvictionAPI");
            self.delete_pod_with_grace(pod, Some(grace(own)));
            evicted.push(pod);
        }
        held
    }

    /// Whether every pod in `pods` is gone from the API.
    pub(super) fn all_gone(&self, pods: &[PodId]) -> bool {
        pods.iter().all(|&p| self.ctx.store.pods[p].is_gone())
    }

    /// A pod the scheduler found no node for.
    pub(super) fn pod_waits_for_capacity(&mut self, pod: PodId) {
        if self.pools.active {
            let now = self.ctx.kernel.now();
            self.pools.waiting.entry(pod).or_insert(now);
            self.karpenter_pod_pending();
        }
    }

    /// A pod is bound (or gone): if it waited for capacity, how long.
    pub(super) fn pod_no_longer_waits(&mut self, pod: PodId, bound: bool) {
        if let Some(since) = self.pools.waiting.remove(&pod) {
            // What the autoscalers told it is forgotten with it.
            if let Some(ca) = self.autoscaler.as_mut() {
                ca.told.remove(&pod);
            }
            if let Some(k) = self.karpenter.as_mut() {
                k.told.remove(&pod);
            }
            if bound {
                let now = self.ctx.kernel.now();
                self.pools.waited_us.push(now.since(since).as_micros());
            }
        }
    }
}

/// A node of `group` named `name`, of `instance` when Karpenter chose one: its allocatable
/// and instance-type label are that type's.
pub(super) fn pool_node(group: &NodeGroup, name: String, instance: Option<&InstanceType>) -> crate::model::store::Node {
    let mut node = super::objects::new_node(group, name);
    if let Some(t) = instance {
        node.allocatable = t.allocatable();
        node.labels.insert(crate::scenario::node_pools::INSTANCE_TYPE_LABEL.into(), t.name.into());
        node.labels.insert("kubernetes.io/arch".into(), t.arch.into());
    }
    node
}

/// A node of `group` as an autoscaler plans it (named `name`, of `instance` when Karpenter
/// chose one), with the requests of the DaemonSet pods that would run there: both autoscalers
/// add them to their template's NodeInfo.
pub(super) fn template_node(
    store: &crate::model::store::Store,
    group: &NodeGroup,
    name: String,
    instance: Option<&InstanceType>,
) -> crate::model::store::Node {
    let mut node = pool_node(group, name, instance);
    for ds in store.daemon_sets.iter().filter(|d| !d.deleted) {
        if crate::controllers::daemonset::placement(&ds.pod_spec, &node).should_run {
            crate::model::store::add_resources(&mut node.requested, &ds.pod_spec.requests(), 1);
        }
    }
    node
}

/// The slots a spot group's interruptions are aimed at: its maximum (a fixed group's count).
fn spot_slots(spec: &NodeGroup) -> u32 {
    spec.economics.bounds.map_or(spec.count, |b| b.max).max(1)
}
