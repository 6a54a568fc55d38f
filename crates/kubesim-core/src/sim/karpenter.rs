//! Karpenter in the running cluster: pending pods are batched (closed after
//! `batchIdleDuration` without a new one, or `batchMaxDuration` after the first), solved onto
//! NodeClaims of the cheapest fitting instance types (`controllers/karpenter.rs`) and
//! launched; the disruption controller looks every 10s for expired nodes, empty nodes and
//! nodes whose pods fit elsewhere or on one cheaper node, and after the 15s validation
//! disrupts them within the NodePool's budget (taint `karpenter.sh/disrupted`, evictions
//! through the eviction API, then the node is deleted).
//!
//! Follows kubernetes-sigs/karpenter: pkg/controllers/provisioning/batcher.go and
//! provisioner.go, pkg/controllers/disruption/ (emptiness.go, singlenodeconsolidation.go,
//! consolidation.go `computeConsolidation`, validation.go), pkg/controllers/node/termination.

use super::node_pools::{template_node, PoolEvent};
use super::{Event, Sim};
use crate::controllers::cluster_autoscaler::scale_down::{self, Drainability, Replacements};
use crate::controllers::karpenter::{solve, Offering};
use crate::engine::{SimDuration, SimTime};
use crate::model::spec::{ConsolidationPolicy, IntOrPercent, KarpenterSpec, NodeAutoscaler, Taint, TaintEffect};
use crate::model::store::{NodeId, PodId, PodOwner};
use crate::scheduler::Profile;
use std::collections::BTreeMap;

/// How often the disruption controller looks (disruption/controller.go's poll period).
const DISRUPTION_POLL: SimDuration = SimDuration::from_secs(10);
/// A consolidation decision is acted on only if it still holds this long after
/// (validation.go's `consolidationTTL`).
const VALIDATION: SimDuration = SimDuration::from_secs(15);
/// The taint a disrupted node gets (`karpenter.sh/disrupted:NoSchedule`).
pub const DISRUPTED: &str = "karpenter.sh/disrupted";
const DRAIN_POLL: SimDuration = SimDuration::from_secs(5);
/// Underutilised nodes simulated per poll (singlenodeconsolidation.go stops after a time
/// budget; kubesim after this many candidates).
const CANDIDATES_PER_POLL: usize = 20;

/// What a consolidation would do with a node.
#[derive(Clone, Debug, PartialEq)]
enum Command {
    /// Delete these empty nodes (emptiness).
    Empty(Vec<NodeId>),
    /// Delete it: its pods fit on the other nodes.
    Delete,
    /// Replace it with one node of the offering (cheaper).
    Replace(usize),
}

pub(super) struct Karpenter {
    spec: KarpenterSpec,
    profile: Profile,
    /// The open batch: when it opened and when the last pending pod came.
    batch: Option<(SimTime, SimTime)>,
    /// The decision waiting for its validation: the node (the first, for emptiness), what,
    /// since when.
    pending: Option<(NodeId, Command, SimTime)>,
    /// Nodes being disrupted.
    disrupting: BTreeMap<NodeId, Disruption>,
    /// The last message each pod that fit no NodePool got.
    pub(super) told: BTreeMap<PodId, String>,
}

struct Disruption {
    reason: &'static str,
    /// The replacement node's name, waited for before the drain starts.
    replacement: Option<String>,
    started: bool,
    pending: Vec<PodId>,
    evicted: Vec<PodId>,
}

impl Sim<'_> {
    pub(super) fn start_karpenter(&mut self) {
        let Some(NodeAutoscaler::Karpenter(spec)) = &self.ctx.scenario.autoscaler else { return };
        self.karpenter = Some(Karpenter {
            spec: spec.clone(),
            profile: Profile::default_profile(self.ctx.scenario.scoring),
            batch: None,
            pending: None,
            disrupting: BTreeMap::new(),
            told: BTreeMap::new(),
        });
        let at = SimTime::ZERO + DISRUPTION_POLL;
        self.ctx.kernel.schedule_at(at, Event::Pools(PoolEvent::Disruption));
    }

    /// A pod the scheduler could not place: the batch opens, or stays open a little longer.
    pub(super) fn karpenter_pod_pending(&mut self) {
        let now = self.ctx.kernel.now();
        let Some(k) = self.karpenter.as_mut() else { return };
        match &mut k.batch {
            Some((_, last)) => *last = now,
            None => {
                k.batch = Some((now, now));
                let at = now + k.spec.batch_idle;
                self.ctx.kernel.schedule_at(at, Event::Pools(PoolEvent::KarpenterBatch));
            }
        }
    }

    /// The batch's timer: closed when idle long enough or open too long; then provision.
    pub(super) fn karpenter_batch_timer(&mut self) {
        let now = self.ctx.kernel.now();
        let Some(k) = self.karpenter.as_mut() else { return };
        let Some((opened, last)) = k.batch else { return };
        let close = (last + k.spec.batch_idle).min(opened + k.spec.batch_max);
        if now < close {
            self.ctx.kernel.schedule_at(close, Event::Pools(PoolEvent::KarpenterBatch));
            return;
        }
        k.batch = None;
        self.karpenter_provision();
    }

    /// Every pool's offerings: its instance types (Karpenter's choices, or its own type),
    /// each as a template node with the DaemonSet pods that would run there.
    fn offerings(&self) -> Vec<Offering> {
        let mut out = Vec::new();
        for (group, g) in self.ctx.scenario.nodes.iter().enumerate().filter(|(_, g)| g.is_pool()) {
            for instance in g.instance_choices() {
                let template = template_node(&self.ctx.store, g, format!("template-node-for-{}", g.name), instance);
                let price_per_hour = g.price_of(instance);
                out.push(Offering { group, instance, price_per_hour, weight: g.economics.priority, template });
            }
        }
        out
    }

    /// How much more CPU each group may launch: its NodePool `limits.cpu`, taken as `max`
    /// nodes of its own instance type's allocatable, less its nodes' and those starting.
    fn room(&self) -> Vec<i64> {
        self.ctx
            .scenario
            .nodes
            .iter()
            .zip(&self.pools.groups)
            .map(|(g, s)| {
                let Some(b) = g.economics.bounds else { return 0 };
                let limit = i64::from(b.max) * g.capacity.cpu_millis;
                let running: i64 = s.nodes.iter().map(|&n| self.ctx.store.nodes()[n].allocatable.cpu_millis).sum();
                let starting: i64 = s
                    .starting
                    .iter()
                    .map(|st| st.instance.map_or(g.capacity.cpu_millis, |t| t.allocatable().cpu_millis))
                    .sum();
                limit - running - starting
            })
            .collect()
    }

    /// Provisioning: the pending pods that neither fit a node now nor one already launching
    /// are solved onto new NodeClaims, each launched as its cheapest instance type.
    fn karpenter_provision(&mut self) {
        let now = self.ctx.kernel.now();
        let Some(k) = self.karpenter.as_ref() else { return };
        let leaving = |n: NodeId| k.disrupting.contains_key(&n);
        let rest = self.pods_needing_nodes(&k.profile, &leaving);
        if rest.is_empty() {
            return;
        }
        let offerings = self.offerings();
        let mut room = self.room();
        let Some(k) = self.karpenter.as_ref() else { return };
        let (claims, failed) = solve(&k.profile, &self.ctx.store, &rest, &offerings, &mut room);
        let mut launched_in: Vec<usize> = Vec::new();
        for claim in claims {
            let o = &offerings[claim.cheapest(&offerings)];
            let name = self.launch_node(claim.group, o.instance);
            if !launched_in.contains(&claim.group) {
                // One provisioning round is one scale-up of each pool it launched in.
                launched_in.push(claim.group);
                self.pools.groups[claim.group].scale_ups += 1;
            }
            let message = format!("Pod should schedule on: nodeclaim/{name}");
            for &pod in &claim.pods {
                let object = self.ctx.pod_object(pod);
                self.ctx.recorder.normal(now, "Nominated", object, message.clone());
            }
            if self.ctx.narrating() {
                let t = o.instance.map_or_else(
                    || self.ctx.scenario.nodes[claim.group].economics.instance_type.clone().unwrap_or_default(),
                    |t| t.name.to_string(),
                );
                self.ctx.narrate(
                    vec![format!("nodeclaim/{name}")],
                    format!(
                        "karpenter: {} pending pod(s) fit one {t} (${:.4}/h, the cheapest of {} fitting type(s)): launching nodeclaim/{name}",
                        claim.pods.len(),
                        o.price_per_hour,
                        claim.options.len()
                    ),
                );
            }
        }
        for pod in failed {
            let at_limit =
                room.iter().zip(&self.ctx.scenario.nodes).any(|(&r, g)| g.is_pool() && r < g.capacity.cpu_millis);
            let message = if at_limit {
                "Failed to schedule pod, all available instance types exceed limits for nodepool".to_string()
            } else {
                "Failed to schedule pod, incompatible with every nodepool's instance types".to_string()
            };
            let Some(k) = self.karpenter.as_mut() else { return };
            if k.told.get(&pod) == Some(&message) {
                continue;
            }
            k.told.insert(pod, message.clone());
            let object = self.ctx.pod_object(pod);
            self.ctx.recorder.warning(now, "FailedScheduling", object, message);
        }
    }

    /// The disruption controller's poll: expiration, then emptiness, then single-node
    /// consolidation, one command at a time.
    pub(super) fn karpenter_disruption(&mut self) {
        let now = self.ctx.kernel.now();
        let Some(k) = self.karpenter.as_ref() else { return };
        if now + DISRUPTION_POLL <= self.ctx.end {
            self.ctx.kernel.schedule_at(now + DISRUPTION_POLL, Event::Pools(PoolEvent::Disruption));
        }
        if !k.disrupting.is_empty() {
            return;
        }
        let spec = k.spec.clone();
        // Expiration (expiration.go): forceful, not held by budgets.
        if let Some(expire) = spec.expire_after {
            let expired: Vec<NodeId> =
                self.pool_nodes().into_iter().filter(|&n| self.pools.launched_at(n) + expire <= now).collect();
            if !expired.is_empty() {
                for n in expired {
                    self.start_disruption(n, "Expired", None);
                }
                return;
            }
        }
        // Emptiness: nodes with nothing but DaemonSet pods, within each pool's budget and min
        // (validated like every consolidation decision).
        let mut allowed = self.budgets(&spec);
        let mut empty = Vec::new();
        for n in self.pool_nodes().into_iter().filter(|&n| self.holds_no_workload(n)) {
            let g = self.pools.group_of(n);
            if allowed[g] > 0 {
                allowed[g] -= 1;
                empty.push(n);
            }
        }
        if let Some(&first) = empty.first() {
            self.validate_then(first, Command::Empty(empty), &[], spec.consolidate_after);
            return;
        }
        if spec.consolidation_policy == ConsolidationPolicy::WhenEmpty {
            if let Some(k) = self.karpenter.as_mut() {
                k.pending = None;
            }
            return;
        }
        // Single-node consolidation: the first candidate (fewest pods first) whose pods fit
        // on the other nodes (delete) or on one cheaper new node (replace).
        let mut candidates: Vec<NodeId> =
            self.pool_nodes().into_iter().filter(|&n| allowed[self.pools.group_of(n)] > 0).collect();
        candidates.sort_by_key(|&n| (self.ctx.store.nodes()[n].pods.len(), n.0));
        let offerings = self.offerings();
        let Some(k) = self.karpenter.as_ref() else { return };
        let mut found = None;
        for &node in candidates.iter().take(CANDIDATES_PER_POLL) {
            let store = &self.ctx.store;
            let budget_allows = |pod: PodId| !self.blocked_by_budget(pod);
            let Ok(pods) =
                scale_down::pods_to_move(store, Drainability::KARPENTER, &store.nodes()[node], &budget_allows)
            else {
                continue;
            };
            let leaving = |n: NodeId| n == node || k.disrupting.contains_key(&n);
            if scale_down::reschedule(&k.profile, store, &pods, &leaving, &mut Replacements::default()).is_ok() {
                found = Some((node, Command::Delete));
                break;
            }
            // One new node for all of them, cheaper than this one.
            // The node's own CPU comes back when it goes.
            let mut room = self.room();
            room[self.pools.group_of(node)] += store.nodes()[node].allocatable.cpu_millis;
            let (claims, failed) = solve(&k.profile, store, &pods, &offerings, &mut room);
            if failed.is_empty() && claims.len() == 1 {
                let o = claims[0].cheapest(&offerings);
                if offerings[o].price_per_hour < self.pools.price_of(node) {
                    found = Some((node, Command::Replace(o)));
                    break;
                }
            }
        }
        let Some(k) = self.karpenter.as_mut() else { return };
        let Some((node, command)) = found else {
            k.pending = None;
            return;
        };
        self.validate_then(node, command, &offerings, spec.consolidate_after);
    }

    /// Carries a decision out if the same one was made at least the validation period ago
    /// (and `consolidateAfter`), otherwise remembers it.
    fn validate_then(&mut self, node: NodeId, command: Command, offerings: &[Offering], after: SimDuration) {
        let now = self.ctx.kernel.now();
        let Some(k) = self.karpenter.as_mut() else { return };
        let wait = VALIDATION.max(after);
        match &k.pending {
            Some((n, c, since)) if *n == node && *c == command && *since + wait <= now => {
                k.pending = None;
                match command {
                    Command::Empty(nodes) => {
                        for n in nodes {
                            self.start_disruption(n, "Empty", None);
                        }
                    }
                    Command::Delete => self.start_disruption(node, "Underutilized", None),
                    Command::Replace(o) => {
                        let offering = &offerings[o];
                        let name = self.launch_node(offering.group, offering.instance);
                        let object = self.ctx.node_ref(node);
                        self.ctx.recorder.normal(
                            now,
                            "DisruptionLaunching",
                            object,
                            "Launching NodeClaim: Underutilized".into(),
                        );
                        self.start_disruption(node, "Underutilized", Some(name));
                    }
                }
            }
            Some((n, c, _)) if *n == node && *c == command => {}
            _ => k.pending = Some((node, command, now)),
        }
    }

    /// Nodes of the pools, in the API, Ready, not being disrupted or interrupted.
    fn pool_nodes(&self) -> Vec<NodeId> {
        let mut out = Vec::new();
        for (g, spec) in self.pools.groups.iter().zip(&self.ctx.scenario.nodes) {
            if !spec.is_pool() {
                continue;
            }
            for &n in &g.nodes {
                let node = &self.ctx.store.nodes()[n];
                let busy = self.karpenter.as_ref().is_some_and(|k| k.disrupting.contains_key(&n));
                if node.ready && !node.removed && !node.unschedulable && !busy && !self.pools.is_interrupted(n) {
                    out.push(n);
                }
            }
        }
        out
    }

    /// Nothing but DaemonSet pods (and finished or terminating ones) on the node.
    fn holds_no_workload(&self, node: NodeId) -> bool {
        self.ctx.store.nodes()[node].pods.iter().all(|&p| {
            let pod = &self.ctx.store.pods[p];
            matches!(pod.owner, Some(PodOwner::DaemonSet(_))) || !scale_down::holds_its_node(pod)
        })
    }

    /// Per group: how many more of its nodes may be disrupted now (the budget, rounded up as
    /// Karpenter scales a percentage, and never below the pool's min).
    fn budgets(&self, spec: &KarpenterSpec) -> Vec<u32> {
        self.pools
            .groups
            .iter()
            .zip(&self.ctx.scenario.nodes)
            .map(|(g, s)| {
                let nodes = g.nodes.len() as u32;
                let budget = match spec.budget_nodes {
                    IntOrPercent::Int(n) => n.max(0) as u32,
                    IntOrPercent::Percent(p) => (u64::from(nodes) * p.max(0) as u64).div_ceil(100) as u32,
                };
                let above_min = g.target().saturating_sub(s.economics.bounds.map_or(u32::MAX, |b| b.min));
                budget.min(above_min)
            })
            .collect()
    }

    /// Starts disrupting a node: once its replacement (if any) is Ready, tainted, its pods
    /// evicted, then deleted.
    fn start_disruption(&mut self, node: NodeId, reason: &'static str, replacement: Option<String>) {
        let Some(k) = self.karpenter.as_mut() else { return };
        k.disrupting
            .insert(node, Disruption { reason, replacement, started: false, pending: Vec::new(), evicted: Vec::new() });
        self.pools.scale_downs += 1;
        self.karpenter_drain_check(node);
    }

    /// A disruption's round (termination controller): wait for the replacement, taint and
    /// evict (PodDisruptionBudgets respected, retried), and delete the node when its pods
    /// are gone.
    pub(super) fn karpenter_drain_check(&mut self, node: NodeId) {
        let now = self.ctx.kernel.now();
        let Some(k) = self.karpenter.as_mut() else { return };
        let Some(mut d) = k.disrupting.remove(&node) else { return };
        if let Some(name) = &d.replacement {
            let ready = self.ctx.store.find_node(name).is_some_and(|n| self.ctx.store.nodes()[n].ready);
            if !ready {
                if let Some(k) = self.karpenter.as_mut() {
                    k.disrupting.insert(node, d);
                }
                self.ctx.kernel.schedule_at(now + DRAIN_POLL, Event::Pools(PoolEvent::DrainCheck(node)));
                return;
            }
        }
        if !d.started {
            d.started = true;
            let name = self.ctx.store.nodes()[node].name.clone();
            self.ctx.store.edit_node(node, |n| {
                n.taints.push(Taint { key: DISRUPTED.into(), value: String::new(), effect: TaintEffect::NoSchedule });
            });
            self.ctx.recorder.normal(
                now,
                "DisruptionTerminating",
                format!("node/{name}"),
                format!("Disrupting Node: {}", d.reason),
            );
            if self.ctx.narrating() {
                let why = match d.reason {
                    "Empty" => "it runs nothing but DaemonSet pods".to_string(),
                    "Expired" => "it is older than expireAfter".to_string(),
                    _ => match &d.replacement {
                        Some(r) => format!("its pods fit on one cheaper node ({r})"),
                        None => "its pods fit on the other nodes".to_string(),
                    },
                };
                self.ctx.narrate(
                    vec![format!("node/{name}")],
                    format!("karpenter: disrupting node {name} ({}): {why}", d.reason),
                );
            }
            let budget_allows = |_: PodId| true;
            d.pending = scale_down::pods_to_move(
                &self.ctx.store,
                Drainability::KARPENTER,
                &self.ctx.store.nodes()[node],
                &budget_allows,
            )
            .unwrap_or_default();
        }
        let pending = std::mem::take(&mut d.pending);
        let message = format!("Evicted pod: {}", d.reason);
        // The pod's own grace: a NodePool without terminationGracePeriod does not cap it.
        d.pending = self.evict_round(pending, &mut d.evicted, "Evicted", &message, |own| own);
        if d.pending.is_empty() && self.all_gone(&d.evicted) {
            self.remove_node(node);
            return;
        }
        if let Some(k) = self.karpenter.as_mut() {
            k.disrupting.insert(node, d);
        }
        self.ctx.kernel.schedule_at(now + DRAIN_POLL, Event::Pools(PoolEvent::DrainCheck(node)));
    }

    /// A node left the API: Karpenter forgets it.
    pub(super) fn karpenter_node_removed(&mut self, node: NodeId) {
        if let Some(k) = self.karpenter.as_mut() {
            k.disrupting.remove(&node);
            if k.pending.as_ref().is_some_and(|(n, _, _)| *n == node) {
                k.pending = None;
            }
        }
    }
}
