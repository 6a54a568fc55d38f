//! `kubectl drain`: cordon the node, then evict its pods through the eviction API, which
//! refuses an eviction that would break a PodDisruptionBudget; kubectl retries those every
//! 5s and waits until every evicted pod is gone.
//!
//! kubectl's own output lines (`evicting pod default/web-x`, `node/worker-1 drained`, the
//! retry warnings) are written to events.csv under the reason `Drain`, on the node, so the
//! story of a drain can be read there; Kubernetes itself records no event for an eviction.

use super::objects::ApiError;
use super::{Event, NodeEvent, Sim};
use crate::engine::{SimDuration, SimTime};
use crate::model::spec::DrainSpec;
use crate::model::store::{NodeId, PodId, PodOwner, PodPhase};

/// kubectl drain retries an eviction a budget refused after this long.
const EVICTION_RETRY: SimDuration = SimDuration::from_secs(5);
/// ... and polls for evicted pods to be gone this often.
const DELETE_POLL: SimDuration = SimDuration::from_secs(1);

pub(super) struct Drain {
    node: NodeId,
    /// Pods still to evict.
    pending: Vec<PodId>,
    /// Pods evicted, waited for until gone.
    evicted: Vec<PodId>,
    grace: Option<SimDuration>,
    deadline: Option<SimTime>,
    /// Pods already warned about (one retry warning per pod).
    warned: Vec<PodId>,
    done: bool,
}

impl Sim<'_> {
    pub(crate) fn drain(&mut self, d: &DrainSpec) -> Result<(), ApiError> {
        let node =
            self.ctx.store.find_node(&d.node).ok_or_else(|| ApiError::not_found(format!("nodes \"{}\"", d.node)))?;
        let now = self.ctx.kernel.now();
        self.cordon_for_drain(node);
        let mut daemons = Vec::new();
        let mut unmanaged = Vec::new();
        let mut local = Vec::new();
        let mut pending = Vec::new();
        for &pod in &self.ctx.store.nodes()[node].pods {
            let p = &self.ctx.store.pods[pod];
            if p.terminating.is_some() || p.is_gone() || matches!(p.phase, PodPhase::Succeeded | PodPhase::Failed) {
                continue;
            }
            let name = format!("{}/{}", p.namespace, p.name);
            // kubectl's filters run in this order, and the first that keeps a pod decides.
            if matches!(p.owner, Some(PodOwner::DaemonSet(_))) {
                daemons.push(name);
            } else if p.owner.is_none() && !d.force {
                unmanaged.push(name);
            } else if p.spec.has_empty_dir && !d.delete_emptydir_data {
                local.push(name);
            } else {
                pending.push(pod);
            }
        }
        let mut problems = Vec::new();
        if !daemons.is_empty() && !d.ignore_daemonsets {
            problems.push(format!(
                "cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): {}",
                daemons.join(", ")
            ));
        }
        if !unmanaged.is_empty() {
            problems.push(format!(
                "cannot delete Pods that declare no controller (use --force to override): {}",
                unmanaged.join(", ")
            ));
        }
        if !local.is_empty() {
            problems.push(format!(
                "cannot delete Pods with local storage (use --delete-emptydir-data to override): {}",
                local.join(", ")
            ));
        }
        if !problems.is_empty() {
            return Err(ApiError::kubectl(format!(
                "unable to drain node \"{}\" due to error: {}",
                d.node,
                problems.join(", ")
            )));
        }
        if !daemons.is_empty() {
            let object = format!("node/{}", d.node);
            let message = format!("Warning: ignoring DaemonSet-managed Pods: {}", daemons.join(", "));
            self.ctx.recorder.warning(now, "Drain", object, message);
        }
        let index = self.drains.len() as u32;
        self.drains.push(Drain {
            node,
            pending,
            evicted: Vec::new(),
            grace: d.grace_period.map(|s| SimDuration::from_secs(s.max(0) as u64)),
            deadline: d.timeout.map(|t| now + t),
            warned: Vec::new(),
            done: false,
        });
        self.drain_step(index);
        Ok(())
    }

    fn cordon_for_drain(&mut self, node: NodeId) {
        if !self.ctx.store.nodes()[node].unschedulable {
            let name = self.ctx.store.edit_node(node, |n| {
                n.unschedulable = true;
                n.name.clone()
            });
            let now = self.ctx.kernel.now();
            self.ctx.recorder.normal(now, "Drain", format!("node/{name}"), format!("node/{name} cordoned"));
        }
    }

    /// One round of kubectl's loop: evict what the budgets allow, then wait.
    pub(super) fn drain_step(&mut self, index: u32) {
        let now = self.ctx.kernel.now();
        let Some(d) = self.drains.get(index as usize) else { return };
        if d.done {
            return;
        }
        let node = d.node;
        let node_object = format!("node/{}", self.ctx.store.nodes()[node].name);
        if d.deadline.is_some_and(|t| now >= t) {
            let left = d.pending.len() + d.evicted.iter().filter(|&&p| !self.ctx.store.pods[p].is_gone()).count();
            self.ctx.recorder.warning(
                now,
                "Drain",
                node_object,
                format!("error: unable to drain node: global timeout reached with {left} pod(s) left"),
            );
            self.drains[index as usize].done = true;
            return;
        }
        let pending = std::mem::take(&mut self.drains[index as usize].pending);
        let mut still = Vec::new();
        for pod in pending {
            let p = &self.ctx.store.pods[pod];
            if p.is_gone() || p.terminating.is_some() {
                self.drains[index as usize].evicted.push(pod);
                continue;
            }
            let name = format!("{}/{}", p.namespace, p.name);
            let pod_name = p.name.clone();
            let namespace = p.namespace.clone();
            if self.blocked_by_budget(pod) {
                still.push(pod);
                let d = &mut self.drains[index as usize];
                if !d.warned.contains(&pod) {
                    d.warned.push(pod);
                    self.ctx.recorder.warning(
                        now,
                        "Drain",
                        node_object.clone(),
                        format!(
                            "error when evicting pods/\"{pod_name}\" -n \"{namespace}\" (will retry after 5s): Cannot evict pod as it would violate the pod's disruption budget."
                        ),
                    );
                }
                continue;
            }
            self.ctx.recorder.normal(now, "Drain", node_object.clone(), format!("evicting pod {name}"));
            self.ctx.metrics.pods_evicted += 1;
            let grace = self.drains[index as usize].grace;
            self.ctx.store.pods[pod].disruption.get_or_insert("EvictionByEvictionAPI");
            self.delete_pod_with_grace(pod, grace);
            self.drains[index as usize].evicted.push(pod);
        }
        let d = &mut self.drains[index as usize];
        d.pending = still;
        let waiting = d.evicted.iter().any(|&p| !self.ctx.store.pods[p].is_gone());
        if d.pending.is_empty() && !waiting {
            d.done = true;
            self.ctx.recorder.normal(now, "Drain", node_object.clone(), format!("{node_object} drained"));
            return;
        }
        let next = if d.pending.is_empty() { DELETE_POLL } else { EVICTION_RETRY };
        self.ctx.kernel.schedule_at(now + next, Event::NodeLifecycle(NodeEvent::DrainStep(index)));
    }

    /// Whether a PodDisruptionBudget covering `pod` allows no disruption now.
    pub(super) fn blocked_by_budget(&self, pod: PodId) -> bool {
        self.ctx
            .store
            .budgets_of(pod)
            .any(|b| crate::controllers::disruption::status_of(&self.ctx.store, b).disruptions_allowed <= 0)
    }
}
