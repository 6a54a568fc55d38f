//! The Cluster Autoscaler in the running cluster: its loop every `scanInterval`
//! (static_autoscaler.go `RunOnce`), scale-up through the expander, and scale-down of nodes
//! unneeded for `scaleDownUnneededTime`: tainted `ToBeDeletedByClusterAutoscaler`, drained
//! through the eviction API (PodDisruptionBudgets respected, grace capped at
//! `maxGracefulTerminationSec`), then deleted. The decisions are in
//! `controllers/cluster_autoscaler/`.

use super::node_pools::{template_node, PoolEvent};
use super::{Event, Sim};
use crate::controllers::cluster_autoscaler::scale_down::{self, Replacements};
use crate::controllers::cluster_autoscaler::scale_up::{self, ScaleUpOption};
use crate::controllers::cluster_autoscaler::{expander, PoolView};
use crate::engine::{Purpose, SimDuration, SimTime, Stream};
use crate::model::spec::{ClusterAutoscalerSpec, NodeAutoscaler, Taint, TaintEffect};
use crate::model::store::{NodeId, PodId};
use crate::scheduler::Profile;
use std::collections::BTreeMap;

/// The taint a node to be deleted carries (utils/taints: `ToBeDeletedTaint`).
pub const TO_BE_DELETED: &str = "ToBeDeletedByClusterAutoscaler";
/// How often a drain looks at its evictions again (`EvictionRetryTime`, 10s, and the
/// deletion's poll of pods gone, 5s): kubesim polls every 5s for both.
const DRAIN_POLL: SimDuration = SimDuration::from_secs(5);
/// Non-empty nodes whose removal is simulated per scan
/// (`--scale-down-non-empty-candidates-count`, 30).
const NON_EMPTY_CANDIDATES: usize = 30;

/// The autoscaler's own memory (not API state).
pub(super) struct ClusterAutoscaler {
    spec: ClusterAutoscalerSpec,
    /// Its scheduler framework (the filters only), as the autoscaler runs its own copy.
    profile: Profile,
    random: Stream,
    /// Nodes found unneeded, since when.
    unneeded_since: BTreeMap<NodeId, SimTime>,
    last_scale_up: Option<SimTime>,
    last_delete: Option<SimTime>,
    last_failure: Option<SimTime>,
    /// Nodes being drained for deletion: the pods evicted, and when the drain gives up.
    draining: BTreeMap<NodeId, Drain>,
    /// The last NotTriggerScaleUp message each pod got (said again only when it changes:
    /// the event recorder would fold the repeats into one event's count).
    pub(super) told: BTreeMap<PodId, String>,
}

struct Drain {
    pending: Vec<PodId>,
    evicted: Vec<PodId>,
    /// Evictions a budget refuses are retried until then (`maxPodEvictionTime`).
    eviction_deadline: SimTime,
    /// The node is deleted at the latest then (the grace cap after the last eviction).
    delete_deadline: SimTime,
}

impl ClusterAutoscaler {
    fn in_cooldown(&self, now: SimTime) -> bool {
        let after = |t: Option<SimTime>, d: SimDuration| t.is_some_and(|t| t + d > now);
        after(self.last_scale_up, self.spec.scale_down_delay_after_add)
            || after(self.last_delete, self.spec.scale_down_delay_after_delete)
            || after(self.last_failure, self.spec.scale_down_delay_after_failure)
    }
}

impl Sim<'_> {
    pub(super) fn start_cluster_autoscaler(&mut self) {
        let Some(NodeAutoscaler::ClusterAutoscaler(spec)) = &self.ctx.scenario.autoscaler else { return };
        let interval = spec.scan_interval;
        self.autoscaler = Some(ClusterAutoscaler {
            spec: spec.clone(),
            profile: Profile::default_profile(self.ctx.scenario.scoring),
            random: Stream::new(self.ctx.scenario.seed, Purpose::Autoscaling),
            unneeded_since: BTreeMap::new(),
            last_scale_up: None,
            last_delete: None,
            last_failure: None,
            draining: BTreeMap::new(),
            told: BTreeMap::new(),
        });
        self.ctx.kernel.schedule_at(SimTime::ZERO + interval, Event::Pools(PoolEvent::Scan));
    }

    /// One loop: scale up for the pods waiting, then look for nodes to remove.
    pub(super) fn autoscaler_scan(&mut self) {
        let Some(ca) = self.autoscaler.as_ref() else { return };
        let now = self.ctx.kernel.now();
        let next = now + ca.spec.scan_interval;
        if next <= self.ctx.end {
            self.ctx.kernel.schedule_at(next, Event::Pools(PoolEvent::Scan));
        }
        let scaled_up = self.scale_up();
        if self.autoscaler.as_ref().is_some_and(|ca| ca.spec.scale_down_enabled) && !scaled_up {
            self.scale_down();
        }
    }
}

/// The pools as a scan sees them, each with its template node.
fn pool_views<'a>(ctx: &super::Context<'a>, pools: &super::node_pools::NodePools) -> Vec<PoolView<'a>> {
    ctx.scenario
        .nodes
        .iter()
        .enumerate()
        .filter(|(_, g)| g.is_pool())
        .map(|(i, g)| {
            let template = template_node(&ctx.store, g, format!("template-node-for-{}", g.name), None);
            PoolView { group: i, spec: g, target: pools.groups[i].target(), template }
        })
        .collect()
}

impl Sim<'_> {
    /// Scale-up (orchestrator.go `ScaleUp`): the pods the scheduler could not place, less
    /// those the nodes already starting will take, are bin-packed per pool; the expander
    /// picks one pool and it grows. Returns whether it did.
    fn scale_up(&mut self) -> bool {
        let now = self.ctx.kernel.now();
        if self.autoscaler.is_none() {
            return false;
        }
        let Some(ca) = self.autoscaler.as_ref() else { return false };
        let draining = |n: NodeId| ca.draining.contains_key(&n);
        let rest = self.pods_needing_nodes(&ca.profile, &draining);
        if rest.is_empty() {
            return false;
        }
        let pools = pool_views(&self.ctx, &self.pools);
        let (options, reasons) = scale_up::options(&ca.profile, &self.ctx.store, &rest, &pools);
        let spec_expander = ca.spec.expander;
        let Some(ca) = self.autoscaler.as_mut() else { return false };
        let chosen = expander::choose(spec_expander, &options, &pools, &self.ctx.store, &mut ca.random);
        let views: Vec<(usize, String, u32, u32)> =
            pools.iter().map(|p| (p.group, p.spec.name.clone(), p.target, p.max())).collect();
        drop(pools);
        // NotTriggerScaleUp for pods no pool could take, once per distinct message.
        for (pod, why) in reasons {
            let message = scale_up::not_triggered_message(&why);
            let Some(ca) = self.autoscaler.as_mut() else { return false };
            if ca.told.get(&pod) == Some(&message) {
                continue;
            }
            ca.told.insert(pod, message.clone());
            let object = self.ctx.pod_object(pod);
            self.ctx.recorder.normal(now, "NotTriggerScaleUp", object, message);
        }
        let Some(choice) = chosen else { return false };
        let ScaleUpOption { pool, nodes, pods } = options[choice].clone();
        let (group, name, from, max) = views[pool].clone();
        let to = (from + nodes).min(max);
        let message = scale_up::triggered_message(&name, from, to, max);
        for &pod in &pods {
            let object = self.ctx.pod_object(pod);
            self.ctx.recorder.normal(now, "TriggeredScaleUp", object, message.clone());
        }
        if self.ctx.narrating() {
            self.ctx.narrate(
                vec![format!("nodepool/{name}")],
                format!(
                    "cluster-autoscaler: {} pending pod(s) fit {} new {name} node(s) ({spec_expander:?} expander): {name} {from}->{to}",
                    pods.len(),
                    to - from
                ),
            );
        }
        let Some(ca) = self.autoscaler.as_mut() else { return false };
        ca.last_scale_up = Some(now);
        self.pools.groups[group].scale_ups += 1;
        self.add_pool_nodes(group, to - from);
        true
    }

    /// Scale-down (planner.go, actuator.go): nodes of pools above their minimum, below the
    /// utilisation threshold, whose pods can all move, become unneeded; those unneeded for
    /// long enough are deleted, empty ones in bulk, one drained node at a time.
    fn scale_down(&mut self) {
        let now = self.ctx.kernel.now();
        let Some(ca) = self.autoscaler.as_ref() else { return };
        let spec = ca.spec.clone();
        let store = &self.ctx.store;
        let budget_allows = |pod: PodId| !self.blocked_by_budget(pod);
        let mut replacements = Replacements::default();
        let mut unneeded: BTreeMap<NodeId, bool> = BTreeMap::new();
        let mut non_empty_checked = 0;
        // Previously unneeded nodes are simulated first (planner.go keeps them), then the
        // others in order.
        let mut candidates: Vec<NodeId> = Vec::new();
        for (gi, g) in self.ctx.scenario.nodes.iter().enumerate() {
            let Some(bounds) = g.economics.bounds else { continue };
            let state = &self.pools.groups[gi];
            if state.target() <= bounds.min {
                continue;
            }
            candidates.extend(state.nodes.iter().copied().filter(|n| !self.pools_leaving(*n)));
        }
        candidates.sort_by_key(|n| (!ca.unneeded_since.contains_key(n), n.0));
        for node in candidates {
            let n = &store.nodes()[node];
            if !n.ready || n.removed {
                continue;
            }
            if scale_down::utilization(store, n) >= spec.scale_down_utilization_threshold {
                continue;
            }
            let Ok(pods) =
                scale_down::pods_to_move(store, scale_down::Drainability::cluster_autoscaler(&spec), n, &budget_allows)
            else {
                continue;
            };
            if !pods.is_empty() {
                if non_empty_checked >= NON_EMPTY_CANDIDATES {
                    continue;
                }
                non_empty_checked += 1;
            }
            let leaving = |id: NodeId| id == node || unneeded.contains_key(&id) || self.pools_leaving(id);
            if scale_down::reschedule(&ca.profile, store, &pods, &leaving, &mut replacements).is_ok() {
                unneeded.insert(node, pods.is_empty());
            }
        }
        let Some(ca) = self.autoscaler.as_mut() else { return };
        ca.unneeded_since.retain(|n, _| unneeded.contains_key(n));
        for &n in unneeded.keys() {
            ca.unneeded_since.entry(n).or_insert(now);
        }
        if ca.in_cooldown(now) || !ca.draining.is_empty() {
            return;
        }
        // Deletable: unneeded for long enough, within each pool's minimum.
        let mut left_above_min: Vec<u32> = self
            .pools
            .groups
            .iter()
            .zip(&self.ctx.scenario.nodes)
            .map(|(g, spec)| g.target().saturating_sub(spec.economics.bounds.map_or(g.target(), |b| b.min)))
            .collect();
        let ripe: Vec<(NodeId, bool)> = unneeded
            .iter()
            .filter(|(n, _)| ca.unneeded_since.get(n).is_some_and(|&t| t + spec.scale_down_unneeded_time <= now))
            .map(|(&n, &empty)| (n, empty))
            .collect();
        let mut empties = Vec::new();
        let mut drain = None;
        for (node, empty) in ripe {
            let g = self.pools.group_of(node);
            if left_above_min[g] == 0 {
                continue;
            }
            if empty && empties.len() < spec.max_empty_bulk_delete as usize {
                left_above_min[g] -= 1;
                empties.push(node);
            } else if !empty && drain.is_none() && empties.is_empty() {
                left_above_min[g] -= 1;
                drain = Some(node);
            }
        }
        for node in empties {
            self.start_node_deletion(node, &spec);
        }
        if let Some(node) = drain {
            self.start_node_deletion(node, &spec);
        }
    }

    /// Whether a node is already on its way out (being drained or interrupted).
    fn pools_leaving(&self, node: NodeId) -> bool {
        self.autoscaler.as_ref().is_some_and(|ca| ca.draining.contains_key(&node))
            || self.ctx.store.nodes()[node].removed
    }

    /// Taints the node, evicts what must move, and deletes it when they are gone.
    fn start_node_deletion(&mut self, node: NodeId, spec: &ClusterAutoscalerSpec) {
        let now = self.ctx.kernel.now();
        let name = self.ctx.store.nodes()[node].name.clone();
        // The taint's value is the Unix time it was put on.
        let unix_secs = (self.ctx.scenario.control_plane.start_time + now.as_micros() as i64).div_euclid(1_000_000);
        self.ctx.store.edit_node(node, |n| {
            n.taints.push(Taint {
                key: TO_BE_DELETED.into(),
                value: unix_secs.to_string(),
                effect: TaintEffect::NoSchedule,
            });
        });
        self.ctx.recorder.normal(
            now,
            "ScaleDown",
            format!("node/{name}"),
            "marked the node as toBeDeleted/unschedulable".into(),
        );
        if self.ctx.narrating() {
            let util = scale_down::utilization(&self.ctx.store, &self.ctx.store.nodes()[node]);
            self.ctx.narrate(
                vec![format!("node/{name}")],
                format!(
                    "cluster-autoscaler: node {name} unneeded for {} at {:.0}% utilisation (threshold {:.0}%): removing it",
                    spec.scale_down_unneeded_time,
                    util * 100.0,
                    spec.scale_down_utilization_threshold * 100.0
                ),
            );
        }
        let budget_allows = |_: PodId| true;
        let pods = scale_down::pods_to_move(
            &self.ctx.store,
            scale_down::Drainability::cluster_autoscaler(spec),
            &self.ctx.store.nodes()[node],
            &budget_allows,
        )
        .unwrap_or_default();
        let drain = Drain {
            pending: pods,
            evicted: Vec::new(),
            eviction_deadline: now + spec.max_pod_eviction_time,
            delete_deadline: now + spec.max_pod_eviction_time + spec.max_graceful_termination,
        };
        if let Some(ca) = self.autoscaler.as_mut() {
            ca.draining.insert(node, drain);
            ca.unneeded_since.remove(&node);
        }
        self.pools.scale_downs += 1;
        self.scale_down_drain_check(node);
    }

    /// A drain's round: evict what the budgets allow; when every pod is gone, delete the
    /// node; when evictions keep failing past `maxPodEvictionTime`, give the node back.
    pub(super) fn scale_down_drain_check(&mut self, node: NodeId) {
        let now = self.ctx.kernel.now();
        let Some(ca) = self.autoscaler.as_mut() else { return };
        let Some(mut drain) = ca.draining.remove(&node) else { return };
        let grace_cap = ca.spec.max_graceful_termination;
        let pending = std::mem::take(&mut drain.pending);
        drain.pending =
            self.evict_round(pending, &mut drain.evicted, "ScaleDown", "deleting pod for node scale down", |own| {
                own.min(grace_cap)
            });
        if !drain.pending.is_empty() && now >= drain.eviction_deadline {
            // Failed: the taint comes off, and scale-down waits `scaleDownDelayAfterFailure`.
            let name = self.ctx.store.nodes()[node].name.clone();
            self.ctx.store.edit_node(node, |n| n.taints.retain(|t| t.key != TO_BE_DELETED));
            let left = drain.pending.len();
            self.ctx.recorder.warning(
                now,
                "ScaleDownFailed",
                format!("node/{name}"),
                format!("failed to drain the node, aborting ScaleDown: {left} pod(s) could not be evicted"),
            );
            if let Some(ca) = self.autoscaler.as_mut() {
                ca.last_failure = Some(now);
            }
            self.scheduler.cluster_changed(&mut self.ctx);
            return;
        }
        if drain.pending.is_empty() && (self.all_gone(&drain.evicted) || now >= drain.delete_deadline) {
            if let Some(ca) = self.autoscaler.as_mut() {
                ca.last_delete = Some(now);
            }
            self.remove_node(node);
            return;
        }
        if let Some(ca) = self.autoscaler.as_mut() {
            ca.draining.insert(node, drain);
        }
        self.ctx.kernel.schedule_at(now + DRAIN_POLL, Event::Pools(PoolEvent::DrainCheck(node)));
    }

    /// A node left the API: the autoscaler forgets it.
    pub(super) fn autoscaler_node_removed(&mut self, node: NodeId) {
        if let Some(ca) = self.autoscaler.as_mut() {
            ca.unneeded_since.remove(&node);
            ca.draining.remove(&node);
        }
    }

    /// A node got an interruption notice: it is no scale-down candidate.
    pub(super) fn autoscaler_node_leaving(&mut self, node: NodeId) {
        if let Some(ca) = self.autoscaler.as_mut() {
            ca.unneeded_since.remove(&node);
        }
    }
}
