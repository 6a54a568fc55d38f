//! Nodes fail and recover: crashes and partitions (from the timeline or random faults), the
//! node lifecycle controller that notices the silence, the taint manager that evicts from
//! nodes with NoExecute taints (the controller's, or any other, such as `kubectl taint`),
//! and the kubelet's clean-up when the node comes back.
//!
//! Heartbeats cost no events: a kubelet posts status every `nodeStatusUpdateFrequency` from
//! its start, so the last post before a failure is computed, and the controller's monitor
//! tick that notices it is scheduled directly.

use super::{Event, Sim};
use crate::controllers::node_lifecycle::{
    eviction, eviction_rate, last_heartbeat, not_ready_at, taint_words, tick_after, unreachable_taint,
    with_default_tolerations, zone_state, Eviction, UNREACHABLE,
};
use crate::engine::{Purpose, SimDuration, SimTime, Stream};
use crate::model::spec::{ControlPlane, FaultTarget, NodeFault, NodeFaultKind, Scenario, Taint, TaintEffect};
use crate::model::store::{ContainerState, NodeId, PodId, PodPhase};
use std::collections::{BTreeMap, VecDeque};

/// The node lifecycle controller's events, random node faults and kubectl drain's rounds.
#[derive(Clone, Debug)]
pub enum NodeEvent {
    /// The monitor tick that finds a silent node (its epoch).
    Monitor(NodeId, u32),
    /// ... and the tick that finds it posting status again.
    Back(NodeId, u32),
    /// A zone's rate limiter frees a slot for tainting the next NotReady node.
    ZoneEvictions(u32),
    /// The taint manager evicts a pod whose toleration ran out (pod, the scheduled eviction's
    /// token: a cancelled or replaced one finds another, or none).
    TaintEviction(PodId, u32),
    /// A random node fault (process, node, true = fail / false = recover).
    RandomFault(u32, NodeId, bool),
    /// kubectl drain's next round.
    DrainStep(u32),
}

impl Sim<'_> {
    pub(super) fn handle_node_lifecycle(&mut self, event: NodeEvent) {
        match event {
            NodeEvent::Monitor(node, epoch) => self.node_monitor(node, epoch),
            NodeEvent::Back(node, epoch) => self.node_back(node, epoch),
            NodeEvent::ZoneEvictions(zone) => self.zone_evictions(zone),
            NodeEvent::TaintEviction(pod, token) => self.scheduled_taint_eviction(pod, token),
            NodeEvent::RandomFault(process, node, fail) => self.random_node_fault(process, node, fail),
            NodeEvent::DrainStep(i) => self.drain_step(i),
        }
    }
}

const ZONE_LABEL: &str = "topology.kubernetes.io/zone";

/// What the node lifecycle model knows of one node.
#[derive(Clone, Debug)]
pub(super) struct NodeHealth {
    /// The kubelet runs (false after a crash).
    pub kubelet_up: bool,
    /// The kubelet reaches the API server (false during a partition).
    pub connected: bool,
    /// Heartbeats have been posted every period since this time (while up and connected).
    heartbeats_since: SimTime,
    /// The last status posted before the node went silent (for narration).
    last_heartbeat: SimTime,
    /// The controller has marked it NotReady.
    pub not_ready: bool,
    /// Bumped on every failure and recovery: stale monitor ticks and evictions see it.
    epoch: u32,
    /// Tainted unreachable:NoExecute by the controller.
    no_execute: bool,
    zone: usize,
}

impl NodeHealth {
    /// Down as far as its pods are concerned: crashed or cut off.
    pub fn is_down(&self) -> bool {
        !self.kubelet_up || !self.connected
    }
}

#[derive(Default)]
struct Zone {
    /// Its nodes (with the zone label's value, or none): the zone size the eviction rate
    /// compares with `largeClusterSizeThreshold`.
    nodes: usize,
    /// Its nodes the controller has marked NotReady, kept as they change (`set_not_ready`),
    /// so the zone's health costs no walk over the nodes.
    not_ready: usize,
    /// Nodes waiting for their NoExecute taint, in the order they went NotReady.
    queue: VecDeque<NodeId>,
    /// The rate limiter's next free slot (token bucket of burst 1).
    next_slot: SimTime,
    timer_pending: bool,
}

/// An eviction the taint manager has scheduled (a worker of taint_eviction.go's
/// `taintEvictionQueue`, a TimedWorkerQueue): when it was created, when it fires, and the
/// token its timer carries.
#[derive(Clone, Copy, Debug)]
struct ScheduledEviction {
    created: SimTime,
    fires: SimTime,
    token: u32,
}

/// What the taint manager does with one pod (processPodOnNode).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TaintAction {
    /// Not every NoExecute taint is tolerated: cancel what was scheduled, evict now.
    EvictNow,
    /// Evict after this long (a new scheduled eviction; one created at this very instant is
    /// replaced).
    Schedule(SimDuration),
    /// An eviction scheduled earlier stands (processPodOnNode returns when it was created
    /// before now), firing at this time.
    Keep(SimTime),
    /// Tolerated for ever: cancel what was scheduled.
    Cancel,
}

impl TaintAction {
    /// The verdict as narration tells it.
    fn verdict(self, now: SimTime) -> Eviction {
        match self {
            TaintAction::EvictNow => Eviction::Now,
            TaintAction::Schedule(d) => Eviction::After(d),
            TaintAction::Keep(at) => Eviction::After(at.since(now)),
            TaintAction::Cancel => Eviction::Never,
        }
    }
}

/// Who changed a node's NoExecute taints, for narration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TaintedBy {
    /// The node lifecycle controller's unreachable:NoExecute.
    NodeLifecycle,
    /// Anything else: `kubectl taint`, or the controller lifting its taints.
    Other,
}

#[derive(Default)]
pub(super) struct NodeLifecycle {
    pub health: Vec<NodeHealth>,
    zones: Vec<Zone>,
    /// Each zone's label value, by zone index (nodes added later find theirs).
    zone_names: Vec<String>,
    /// The taint manager's scheduled evictions, by pod.
    evictions: BTreeMap<PodId, ScheduledEviction>,
    /// The token of the next scheduled eviction.
    next_eviction: u32,
    /// Random node faults: (process, node) -> its own stream.
    fault_streams: BTreeMap<(u32, NodeId), Stream>,
    /// Random container faults: node -> its own stream (one draw per container start there).
    container_fault_streams: BTreeMap<NodeId, Stream>,
}

impl NodeLifecycle {
    /// Whether `node` has crashed (its pods neither serve nor answer).
    pub(super) fn crashed(&self, node: NodeId) -> bool {
        self.health.get(node.index()).is_some_and(|h| !h.kubelet_up)
    }

    /// Whether the kubelet of `node` runs its timers now (a cut-off kubelet does).
    pub(super) fn kubelet_running(&self, node: NodeId) -> bool {
        self.health.get(node.index()).is_none_or(|h| h.kubelet_up)
    }

    /// Whether the kubelet of `node` reaches the API server (hears deletions, posts status).
    pub(super) fn kubelet_connected(&self, node: NodeId) -> bool {
        self.health.get(node.index()).is_none_or(|h| h.connected)
    }

    /// A container starting on `node`: how long until a random container fault strikes it
    /// (the soonest of the processes that cover the node), drawn from the node's own stream,
    /// so variants that start the same containers on the same nodes see the same crashes.
    pub(super) fn random_container_crash_in(&mut self, scenario: &Scenario, node: NodeId) -> Option<SimDuration> {
        if scenario.faults.containers.is_empty() {
            return None;
        }
        let group = group_of(scenario, node);
        let seed = scenario.seed;
        let stream = self
            .container_fault_streams
            .entry(node)
            .or_insert_with(|| Stream::indexed(seed, Purpose::Faults, 1 << 40 | u64::from(node.0)));
        let mut soonest: Option<SimDuration> = None;
        for process in &scenario.faults.containers {
            if process.group.as_deref().is_none_or(|g| Some(g) == group) {
                let d = exponential(process.mtbf, stream);
                soonest = Some(soonest.map_or(d, |s| s.min(d)));
            }
        }
        soonest
    }

    /// Each zone's health (the node lifecycle controller's ComputeZoneState), from its counts.
    fn zone_states(&self, cp: &ControlPlane) -> Vec<crate::controllers::node_lifecycle::ZoneState> {
        self.zones.iter().map(|z| zone_state(z.nodes - z.not_ready, z.not_ready, cp)).collect()
    }

    /// The controller marks `node` NotReady, or Ready again; its zone's count follows.
    fn set_not_ready(&mut self, node: NodeId, not_ready: bool) {
        let h = &mut self.health[node.index()];
        if h.not_ready != not_ready {
            h.not_ready = not_ready;
            let zone = &mut self.zones[h.zone];
            zone.not_ready = if not_ready { zone.not_ready + 1 } else { zone.not_ready - 1 };
        }
    }
}

/// The node group (`cluster.nodes[].name`) a node belongs to.
fn group_of(scenario: &Scenario, node: NodeId) -> Option<&str> {
    group_ranges(scenario).find(|(_, ids)| ids.contains(&node.0)).map(|(name, _)| name)
}

/// The nodes of a group (`cluster.nodes[].name`), or all.
pub(super) fn group_nodes(scenario: &Scenario, group: Option<&str>) -> Vec<NodeId> {
    group_ranges(scenario)
        .filter(|(name, _)| group.is_none_or(|g| g == *name))
        .flat_map(|(_, ids)| ids.map(NodeId))
        .collect()
}

/// Each node group with the ids its nodes were created with (as numbers), in order.
fn group_ranges(scenario: &Scenario) -> impl Iterator<Item = (&str, std::ops::Range<u32>)> {
    let mut first: u32 = 0;
    scenario.nodes.iter().map(move |g| {
        let ids = first..first + g.count;
        first += g.count;
        (g.name.as_str(), ids)
    })
}

impl Sim<'_> {
    /// After the nodes exist: their health records, and the first random faults.
    pub(super) fn start_node_lifecycle(&mut self) {
        let mut zone_names: Vec<String> = Vec::new();
        let mut zone_sizes: Vec<usize> = Vec::new();
        for n in self.ctx.store.nodes() {
            let zone = n.labels.get(ZONE_LABEL).cloned().unwrap_or_default();
            let z = match zone_names.iter().position(|x| *x == zone) {
                Some(z) => z,
                None => {
                    zone_names.push(zone);
                    zone_sizes.push(0);
                    zone_names.len() - 1
                }
            };
            zone_sizes[z] += 1;
            self.nodes.health.push(NodeHealth {
                kubelet_up: true,
                connected: true,
                heartbeats_since: SimTime::ZERO,
                last_heartbeat: SimTime::ZERO,
                not_ready: false,
                epoch: 0,
                no_execute: false,
                zone: z,
            });
        }
        self.nodes.zones = zone_sizes.into_iter().map(|nodes| Zone { nodes, ..Zone::default() }).collect();
        self.nodes.zone_names = zone_names;
        let seed = self.ctx.scenario.seed;
        for (p, process) in self.ctx.scenario.faults.nodes.iter().enumerate() {
            for node in group_nodes(self.ctx.scenario, process.group.as_deref()) {
                let index = (p as u64) << 32 | u64::from(node.0);
                let mut stream = Stream::indexed(seed, Purpose::Faults, index + 1);
                let at = SimTime::ZERO + exponential(process.mtbf, &mut stream);
                self.nodes.fault_streams.insert((p as u32, node), stream);
                if at <= self.ctx.end {
                    self.ctx.kernel.schedule_at(at, Event::NodeLifecycle(NodeEvent::RandomFault(p as u32, node, true)));
                }
            }
        }
    }

    /// A node joined the cluster after the start (a pool's scale-up), Ready and posting
    /// status from now.
    pub(super) fn node_registered(&mut self, node: NodeId) {
        let now = self.ctx.kernel.now();
        let zone = self.ctx.store.nodes()[node].labels.get(ZONE_LABEL).cloned().unwrap_or_default();
        let lifecycle = &mut self.nodes;
        let z = match lifecycle.zone_names.iter().position(|x| *x == zone) {
            Some(z) => z,
            None => {
                lifecycle.zone_names.push(zone);
                lifecycle.zones.push(Zone::default());
                lifecycle.zone_names.len() - 1
            }
        };
        lifecycle.zones[z].nodes += 1;
        debug_assert_eq!(lifecycle.health.len(), node.index(), "nodes register in id order");
        lifecycle.health.push(NodeHealth {
            kubelet_up: true,
            connected: true,
            heartbeats_since: now,
            last_heartbeat: now,
            not_ready: false,
            epoch: 0,
            no_execute: false,
            zone: z,
        });
    }

    /// A node left the API: its kubelet is gone with it, stale ticks find a new epoch, and
    /// its zone no longer counts it.
    pub(super) fn node_unregistered(&mut self, node: NodeId) {
        let lifecycle = &mut self.nodes;
        let Some(h) = lifecycle.health.get_mut(node.index()) else { return };
        h.kubelet_up = false;
        h.connected = false;
        h.epoch += 1;
        let zone = &mut lifecycle.zones[h.zone];
        zone.nodes = zone.nodes.saturating_sub(1);
        if h.not_ready {
            h.not_ready = false;
            zone.not_ready = zone.not_ready.saturating_sub(1);
        }
        zone.queue.retain(|&n| n != node);
    }

    /// A random fault fires: the node fails, or comes back; the next one is drawn from the
    /// node's own stream, so every variant of a sweep sees the same times.
    pub(super) fn random_node_fault(&mut self, process: u32, node: NodeId, fail: bool) {
        let Some(spec) = self.ctx.scenario.faults.nodes.get(process as usize) else { return };
        let (mtbf, mttr) = (spec.mtbf, spec.mttr);
        let Some(stream) = self.nodes.fault_streams.get_mut(&(process, node)) else { return };
        let wait = exponential(if fail { mttr } else { mtbf }, stream);
        let at = self.ctx.kernel.now() + wait;
        if at <= self.ctx.end {
            self.ctx.kernel.schedule_at(at, Event::NodeLifecycle(NodeEvent::RandomFault(process, node, !fail)));
        }
        let kind = if fail { NodeFaultKind::Fail } else { NodeFaultKind::Recover };
        let what =
            format!("{} node/{} (random)", if fail { "fail" } else { "recover" }, self.ctx.store.nodes()[node].name);
        self.node_changes(node, kind, &what);
    }

    /// `fail:`, `partition:` or `recover:` from the timeline.
    pub(super) fn node_fault(&mut self, fault: &NodeFault) {
        let nodes: Vec<NodeId> = match &fault.target {
            FaultTarget::Node(name) => self.ctx.store.find_node(name).into_iter().collect(),
            FaultTarget::Zone(zone) => self
                .ctx
                .store
                .nodes()
                .ids()
                .filter(|&n| self.ctx.store.nodes()[n].labels.get(ZONE_LABEL) == Some(zone))
                .collect(),
        };
        let verb = match fault.kind {
            NodeFaultKind::Fail => "fail",
            NodeFaultKind::Partition => "partition",
            NodeFaultKind::Recover => "recover",
        };
        for n in nodes {
            let what = format!("{verb} node/{}", self.ctx.store.nodes()[n].name);
            self.node_changes(n, fault.kind, &what);
        }
    }

    fn node_changes(&mut self, node: NodeId, kind: NodeFaultKind, what: &str) {
        let now = self.ctx.kernel.now();
        let h = &self.nodes.health[node.index()];
        let was_down = h.is_down();
        if self.ctx.narrating() {
            let crash = match kind {
                NodeFaultKind::Fail if h.kubelet_up => Some(true),
                NodeFaultKind::Partition if h.kubelet_up && h.connected => Some(false),
                NodeFaultKind::Recover if was_down => None,
                _ => return,
            };
            self.ctx.narrate_fault(node, what, crash);
        }
        let h = &self.nodes.health[node.index()];
        match kind {
            NodeFaultKind::Fail if h.kubelet_up => self.node_goes_silent(node, true),
            NodeFaultKind::Partition if h.kubelet_up && h.connected => self.node_goes_silent(node, false),
            NodeFaultKind::Recover if was_down => self.node_comes_back(node),
            _ => return,
        }
        if kind != NodeFaultKind::Recover {
            self.ctx.metrics.fault_started(what, now);
        }
        let down = self.nodes.health[node.index()].is_down();
        self.ctx.metrics.node_down_changed(&self.ctx.store, node, down, now);
    }

    /// The kubelet stops posting status: crashed (its containers die with it) or cut off
    /// (its containers keep running and serving).
    fn node_goes_silent(&mut self, node: NodeId, crash: bool) {
        let now = self.ctx.kernel.now();
        let cp = &self.ctx.scenario.control_plane;
        let h = &mut self.nodes.health[node.index()];
        let was_down = h.is_down();
        if crash {
            h.kubelet_up = false;
        } else {
            h.connected = false;
        }
        // Already silent (a cut-off node that now crashes): the controller's view is unchanged.
        let mut still_not_ready = false;
        if !was_down {
            let last = last_heartbeat(h.heartbeats_since, now, cp.node_status_update_frequency);
            h.last_heartbeat = last;
            h.epoch += 1;
            let epoch = h.epoch;
            if h.not_ready {
                // Back and gone again before the controller saw it back: it is still NotReady.
                still_not_ready = true;
            } else {
                let at = not_ready_at(last, cp);
                self.ctx.kernel.schedule_at(at, Event::NodeLifecycle(NodeEvent::Monitor(node, epoch)));
            }
        }
        let pods: Vec<PodId> = self.ctx.store.nodes()[node].pods.iter().copied().collect();
        if crash {
            // A crashed kubelet forgets its timers, and its containers die with it. A cut-off
            // kubelet keeps running its pods and timers; only the API cannot hear it.
            for &pod in &pods {
                self.ctx.store.pods[pod].generation += 1;
                self.traffic.server_lost(&mut self.ctx, pod);
            }
        }
        if still_not_ready {
            self.mark_pods_not_ready(node);
            if self.nodes.health[node.index()].no_execute {
                self.taint_no_execute(node);
            }
        }
    }

    /// MarkPodsNotReady: the API's Ready condition of every pod on the node goes false, so
    /// they leave their Services' endpoints (the kubelet's own view is unchanged).
    fn mark_pods_not_ready(&mut self, node: NodeId) {
        let now = self.ctx.kernel.now();
        let pods: Vec<PodId> = self.ctx.store.nodes()[node].pods.iter().copied().collect();
        for pod in pods {
            if self.ctx.store.pods[pod].ready_since.take().is_some() {
                let object = self.ctx.pod_object(pod);
                self.ctx.recorder.warning(now, "NodeNotReady", object, "Node is not ready".into());
                self.pod_changed(pod);
            }
        }
    }

    /// The node lifecycle controller's monitor tick for a silent node.
    pub(super) fn node_monitor(&mut self, node: NodeId, epoch: u32) {
        let h = &self.nodes.health[node.index()];
        if h.epoch != epoch || !h.is_down() || h.not_ready {
            return;
        }
        let now = self.ctx.kernel.now();
        self.nodes.set_not_ready(node, true);
        let name = self.ctx.store.nodes()[node].name.clone();
        self.ctx.store.set_node_ready(node, false);
        if self.ctx.narrating() {
            let last = self.nodes.health[node.index()].last_heartbeat;
            self.ctx.narrate_node_not_ready(node, last);
        }
        self.ctx.recorder.normal(
            now,
            "NodeNotReady",
            format!("node/{name}"),
            format!("Node {name} status is now: NodeNotReady"),
        );
        // TaintNodesByCondition: no new pods, at once.
        self.add_taint(node, TaintEffect::NoSchedule);
        self.mark_pods_not_ready(node);
        let zone = self.nodes.health[node.index()].zone;
        let z = &mut self.nodes.zones[zone];
        z.queue.push_back(node);
        // The tainting pass runs after the monitor pass has looked at every node (the
        // other ticks at this instant are already queued), so zone health counts them all.
        if !z.timer_pending {
            z.timer_pending = true;
            self.ctx.kernel.schedule_at(now, Event::NodeLifecycle(NodeEvent::ZoneEvictions(zone as u32)));
        }
    }

    fn add_taint(&mut self, node: NodeId, effect: TaintEffect) {
        let taint = unreachable_taint(effect);
        self.ctx.store.edit_node(node, |n| {
            if !n.taints.contains(&taint) {
                n.taints.push(taint);
            }
        });
    }

    /// Each zone's rate-limited queue of nodes to taint NoExecute, at the rate its health
    /// allows now.
    fn process_zones(&mut self) {
        let now = self.ctx.kernel.now();
        let cp = self.ctx.scenario.control_plane.clone();
        let states = self.nodes.zone_states(&cp);
        let all_down = states.iter().all(|s| *s == crate::controllers::node_lifecycle::ZoneState::FullDisruption);
        for (z, state) in states.into_iter().enumerate() {
            // The zone's own size decides the reduced rate (setLimiterInZone), not the cluster's.
            let rate = eviction_rate(state, all_down, self.nodes.zones[z].nodes, &cp);
            loop {
                let zone = &mut self.nodes.zones[z];
                // Nodes that came back before their turn leave the queue.
                while let Some(&n) = zone.queue.front() {
                    if self.nodes.health[n.index()].not_ready {
                        break;
                    }
                    zone.queue.pop_front();
                }
                let Some(&node) = zone.queue.front() else { break };
                if rate <= 0.0 || zone.next_slot > now {
                    // Look again when a slot frees, or at the next monitor tick (the zone's
                    // health may change).
                    let at = if rate > 0.0 { zone.next_slot } else { tick_after(now, cp.node_monitor_period) };
                    if !zone.timer_pending {
                        zone.timer_pending = true;
                        self.ctx.kernel.schedule_at(at, Event::NodeLifecycle(NodeEvent::ZoneEvictions(z as u32)));
                    }
                    break;
                }
                zone.queue.pop_front();
                zone.next_slot = now + SimDuration((1e6 / rate).round() as u64);
                self.taint_no_execute(node);
            }
        }
    }

    pub(super) fn zone_evictions(&mut self, zone: u32) {
        if let Some(z) = self.nodes.zones.get_mut(zone as usize) {
            z.timer_pending = false;
        }
        self.process_zones();
    }

    /// The node lifecycle controller taints the node unreachable:NoExecute; the taint manager
    /// sees the change.
    fn taint_no_execute(&mut self, node: NodeId) {
        self.nodes.health[node.index()].no_execute = true;
        let before = self.ctx.store.nodes()[node].taints.len();
        self.add_taint(node, TaintEffect::NoExecute);
        // Already there (a node silent again before the controller saw it back): nothing new.
        if self.ctx.store.nodes()[node].taints.len() != before {
            self.taint_manager_node_updated(node, TaintedBy::NodeLifecycle);
        }
    }

    /// The taint manager's handleNodeUpdate, for any change of a node's NoExecute taints: with
    /// none left it cancels every eviction it scheduled there; otherwise each pod of the node
    /// is evicted now, later, or never (processPodOnNode).
    pub(crate) fn taint_manager_node_updated(&mut self, node: NodeId, by: TaintedBy) {
        let now = self.ctx.kernel.now();
        let taints = no_execute_taints(&self.ctx.store.nodes()[node].taints);
        let pods: Vec<PodId> = self.ctx.store.nodes()[node].pods.iter().copied().collect();
        if taints.is_empty() {
            let cancelled: Vec<PodId> = pods.into_iter().filter(|pod| self.nodes.evictions.contains_key(pod)).collect();
            if self.ctx.narrating() && !cancelled.is_empty() {
                let headline =
                    format!("taint-manager: {} has no NoExecute taint left", self.ctx.store.nodes()[node].name);
                self.ctx.narrate_no_execute(node, headline, &[], &cancelled);
            }
            for pod in cancelled {
                self.cancel_taint_eviction(pod);
            }
            return;
        }
        let actions: Vec<(PodId, TaintAction)> =
            pods.iter().map(|&pod| (pod, self.taint_action(pod, &taints, now))).collect();
        if self.ctx.narrating() {
            let name = &self.ctx.store.nodes()[node].name;
            let headline = match by {
                TaintedBy::NodeLifecycle => format!("node-lifecycle: {name} tainted unreachable:NoExecute"),
                TaintedBy::Other => {
                    format!("taint-manager: {name}'s NoExecute taints are now {}", taint_words(&taints))
                }
            };
            let verdicts: Vec<(PodId, Eviction)> = actions.iter().map(|&(pod, a)| (pod, a.verdict(now))).collect();
            let cancelled: Vec<PodId> = actions
                .iter()
                .filter(|&&(pod, a)| {
                    matches!(a, TaintAction::EvictNow | TaintAction::Cancel) && self.nodes.evictions.contains_key(&pod)
                })
                .map(|&(pod, _)| pod)
                .collect();
            self.ctx.narrate_no_execute(node, headline, &verdicts, &cancelled);
        }
        for (pod, action) in actions {
            self.apply_taint_action(pod, action);
        }
    }

    /// A pod bound to a node with NoExecute taints (the taint manager's handlePodUpdate): a
    /// pod that tolerates them only for a while is evicted when its time runs out.
    pub(super) fn taint_manager_pod_bound(&mut self, pod: PodId, node: NodeId) {
        let taints = no_execute_taints(&self.ctx.store.nodes()[node].taints);
        if taints.is_empty() {
            return;
        }
        let action = self.taint_action(pod, &taints, self.ctx.kernel.now());
        self.apply_taint_action(pod, action);
    }

    /// A pod gone from the API (handlePodUpdate finds it no more): its scheduled eviction
    /// is cancelled.
    pub(super) fn taint_manager_pod_gone(&mut self, pod: PodId) {
        if self.nodes.evictions.contains_key(&pod) {
            self.cancel_taint_eviction(pod);
        }
    }

    /// processPodOnNode's decision for one pod, given the node's NoExecute taints: the pod's
    /// tolerations (with DefaultTolerationSeconds') against them (`eviction`), and the
    /// eviction already scheduled for it, if any.
    fn taint_action(&self, pod: PodId, taints: &[Taint], now: SimTime) -> TaintAction {
        let seconds = self.ctx.scenario.control_plane.default_toleration_seconds;
        let own = &self.ctx.store.pods[pod].spec.tolerations;
        let verdict = match with_default_tolerations(own, seconds) {
            Some(tolerations) => eviction(&tolerations, taints),
            None => eviction(own, taints),
        };
        match verdict {
            Eviction::Now => TaintAction::EvictNow,
            Eviction::Never => TaintAction::Cancel,
            Eviction::After(d) => match self.nodes.evictions.get(&pod) {
                Some(e) if e.created < now => TaintAction::Keep(e.fires),
                _ => TaintAction::Schedule(d),
            },
        }
    }

    fn apply_taint_action(&mut self, pod: PodId, action: TaintAction) {
        let now = self.ctx.kernel.now();
        match action {
            TaintAction::EvictNow => {
                self.taint_manager_pod_gone(pod);
                self.taint_evict(pod);
            }
            TaintAction::Cancel => self.taint_manager_pod_gone(pod),
            TaintAction::Keep(_) => {}
            TaintAction::Schedule(d) => {
                self.taint_manager_pod_gone(pod);
                let token = self.nodes.next_eviction;
                self.nodes.next_eviction += 1;
                let fires = now + d;
                self.nodes.evictions.insert(pod, ScheduledEviction { created: now, fires, token });
                self.ctx.kernel.schedule_at(fires, Event::NodeLifecycle(NodeEvent::TaintEviction(pod, token)));
            }
        }
    }

    /// cancelWorkWithEvent: the scheduled eviction goes, with an event saying so.
    fn cancel_taint_eviction(&mut self, pod: PodId) {
        if self.nodes.evictions.remove(&pod).is_none() {
            return;
        }
        let now = self.ctx.kernel.now();
        let p = &self.ctx.store.pods[pod];
        let message = format!("Cancelling deletion of Pod {}/{}", p.namespace, p.name);
        let object = self.ctx.pod_object(pod);
        self.ctx.recorder.normal(now, "TaintManagerEviction", object, message);
    }

    /// A scheduled eviction's time has come (unless it was cancelled or replaced).
    fn scheduled_taint_eviction(&mut self, pod: PodId, token: u32) {
        match self.nodes.evictions.get(&pod) {
            Some(e) if e.token == token => {}
            _ => return,
        }
        self.nodes.evictions.remove(&pod);
        self.taint_evict(pod);
    }

    /// `TaintManagerEviction`: the pod is deleted; on a node that cannot confirm, it stays
    /// Terminating, and its controller replaces it.
    fn taint_evict(&mut self, pod: PodId) {
        let p = &self.ctx.store.pods[pod];
        let Some(node) = p.node else { return };
        if p.terminating.is_some() || p.is_gone() {
            return;
        }
        let now = self.ctx.kernel.now();
        let object = self.ctx.pod_object(pod);
        let message = format!("Marking for deletion Pod {}/{}", p.namespace, p.name);
        if self.ctx.narrating() {
            let taints = no_execute_taints(&self.ctx.store.nodes()[node].taints);
            self.ctx.narrate_taint_eviction(pod, node, &taint_words(&taints));
        }
        self.ctx.recorder.normal(now, "TaintManagerEviction", object, message);
        self.ctx.metrics.pods_evicted += 1;
        self.ctx.store.pods[pod].disruption.get_or_insert("DeletionByTaintManager");
        self.delete_pod(pod);
    }

    /// The node is back: the kubelet posts status again, the controller marks it Ready at
    /// its next tick and lifts the taints; the kubelet cleans up deleted pods and restarts
    /// the containers a crash killed.
    fn node_comes_back(&mut self, node: NodeId) {
        let now = self.ctx.kernel.now();
        let h = &mut self.nodes.health[node.index()];
        let crashed = !h.kubelet_up;
        h.kubelet_up = true;
        h.connected = true;
        h.heartbeats_since = now;
        h.epoch += 1;
        let epoch = h.epoch;
        if h.not_ready {
            let at = tick_after(now, self.ctx.scenario.control_plane.node_monitor_period);
            self.ctx.kernel.schedule_at(at, Event::NodeLifecycle(NodeEvent::Back(node, epoch)));
        }
        let pods: Vec<PodId> = self.ctx.store.nodes()[node].pods.iter().copied().collect();
        for pod in pods {
            self.kubelet_resync(pod, crashed);
        }
    }

    /// The kubelet after a reboot or a reconnection looks at one of its pods.
    fn kubelet_resync(&mut self, pod: PodId, crashed: bool) {
        let now = self.ctx.kernel.now();
        let p = &mut self.ctx.store.pods[pod];
        if p.is_gone() {
            return;
        }
        if crashed {
            p.generation += 1;
        }
        let generation = p.generation;
        if p.terminating.is_some() {
            // The deletion the kubelet could not hear (or a crashed one forgot).
            p.generation += 1;
            let generation = p.generation;
            self.ctx.kernel.schedule_at(now, Event::Kubelet(pod, generation, super::Step::Stop));
            return;
        }
        if matches!(p.phase, PodPhase::Succeeded | PodPhase::Failed) {
            return;
        }
        if crashed {
            // Everything starts again from the sandbox; containers that ran count a restart.
            let inits = p.init_containers.iter_mut().map(|c| (c, "PodInitializing"));
            for (c, waiting) in p.containers.iter_mut().map(|c| (c, "ContainerCreating")).chain(inits) {
                if c.process_running() {
                    c.restarts += 1;
                }
                c.state = ContainerState::Waiting(waiting);
                c.started_at = None;
                c.ready = false;
                c.started = false;
                c.in_post_start = false;
                // The restarted kubelet's crash-loop back-off is new (NewMainKubelet): it
                // kept the old one in memory.
                c.backoff = None;
            }
            p.ready_since = None;
            if crashed {
                p.phase = PodPhase::Pending;
            }
            self.ctx.kernel.schedule_at(now, Event::Kubelet(pod, generation, super::Step::Admit));
        } else {
            // Reconnected: its timers ran all along; its next status post says what its
            // probes say (Ready again if every container is).
            let ready = p.containers_ready();
            if ready && p.ready_since.is_none() {
                p.ready_since = Some(now);
                p.first_ready.get_or_insert(now);
            }
        }
        self.pod_changed(pod);
    }

    /// The controller sees the heartbeats again: Ready, taints lifted (markNodeAsReachable),
    /// and the taint manager cancels what it scheduled for the unreachable taint.
    pub(super) fn node_back(&mut self, node: NodeId, epoch: u32) {
        let h = &mut self.nodes.health[node.index()];
        if h.epoch != epoch || h.is_down() || !h.not_ready {
            return;
        }
        h.no_execute = false;
        self.nodes.set_not_ready(node, false);
        let now = self.ctx.kernel.now();
        let before = no_execute_taints(&self.ctx.store.nodes()[node].taints);
        let name = self.ctx.store.edit_node(node, |n| {
            n.ready = true;
            n.taints.retain(|t| t.key != UNREACHABLE);
            n.name.clone()
        });
        let no_execute_changed = no_execute_taints(&self.ctx.store.nodes()[node].taints) != before;
        if self.ctx.narrating() {
            self.ctx.narrate_node_ready(node);
        }
        self.ctx.recorder.normal(
            now,
            "NodeReady",
            format!("node/{name}"),
            format!("Node {name} status is now: NodeReady"),
        );
        if no_execute_changed {
            self.taint_manager_node_updated(node, TaintedBy::Other);
        }
        self.scheduler.cluster_changed(&mut self.ctx);
        self.process_zones();
    }
}

/// A node's NoExecute taints, in their order (what the taint manager compares and judges).
pub(crate) fn no_execute_taints(taints: &[Taint]) -> Vec<Taint> {
    taints.iter().filter(|t| t.effect == TaintEffect::NoExecute).cloned().collect()
}

/// An exponential wait of mean `mean`, to the microsecond (at least one).
fn exponential(mean: SimDuration, stream: &mut Stream) -> SimDuration {
    let u = stream.unit();
    SimDuration(((-(1.0 - u).ln()) * mean.as_micros() as f64).round().max(1.0) as u64)
}
