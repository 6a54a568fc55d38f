//! The scheduling queue: an active queue ordered by priority then arrival, back-off for
//! pods that failed (1s doubling to 10s), and a pool of unschedulable pods that cluster
//! events (a pod deleted, a node added or changed) or a 5-minute flush send back.

use crate::engine::{SimDuration, SimTime};
use crate::model::store::PodId;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Debug, Default)]
struct Attempts {
    count: u32,
    backoff_until: SimTime,
}

#[derive(Default)]
pub struct SchedulingQueue {
    next_seq: u64,
    /// (higher priority first, then arrival order, pod).
    active: BTreeSet<(Reverse<i32>, u64, PodId)>,
    in_active: BTreeMap<PodId, (Reverse<i32>, u64)>,
    /// Pods that failed and wait for a cluster event or the flush: pod -> (priority, since).
    unschedulable: BTreeMap<PodId, (i32, SimTime)>,
    attempts: BTreeMap<PodId, Attempts>,
}

impl SchedulingQueue {
    /// Adds a pod to the active queue (a new pod, or one whose wait is over).
    pub fn push_active(&mut self, pod: PodId, priority: i32) {
        if self.in_active.contains_key(&pod) {
            return;
        }
        self.unschedulable.remove(&pod);
        let key = (Reverse(priority), self.next_seq);
        self.next_seq += 1;
        self.active.insert((key.0, key.1, pod));
        self.in_active.insert(pod, key);
    }

    pub fn pop_active(&mut self) -> Option<PodId> {
        let first = self.active.pop_first()?;
        self.in_active.remove(&first.2);
        Some(first.2)
    }

    pub fn has_active(&self) -> bool {
        !self.active.is_empty()
    }

    /// The pod failed to schedule: it waits as unschedulable, and its back-off grows.
    /// Returns when its back-off ends.
    pub fn mark_unschedulable(
        &mut self,
        pod: PodId,
        priority: i32,
        now: SimTime,
        initial: SimDuration,
        max: SimDuration,
    ) -> SimTime {
        let a = self.attempts.entry(pod).or_default();
        a.count += 1;
        let shift = a.count.saturating_sub(1).min(30);
        let backoff = SimDuration(initial.0.saturating_mul(1u64 << shift).min(max.0));
        a.backoff_until = now + backoff;
        self.unschedulable.insert(pod, (priority, now));
        a.backoff_until
    }

    /// The attempts count, used to tell a stale flush timer from a current one.
    pub fn attempts(&self, pod: PodId) -> u32 {
        self.attempts.get(&pod).map_or(0, |a| a.count)
    }

    pub fn backoff_until(&self, pod: PodId) -> SimTime {
        self.attempts.get(&pod).map_or(SimTime::ZERO, |a| a.backoff_until)
    }

    pub fn is_unschedulable(&self, pod: PodId) -> bool {
        self.unschedulable.contains_key(&pod)
    }

    /// A cluster event that may help: every unschedulable pod whose back-off is over
    /// becomes active; the others are returned with the time their back-off ends.
    pub fn move_all_to_active_or_backoff(&mut self, now: SimTime) -> Vec<(PodId, SimTime)> {
        let waiting: Vec<(PodId, i32)> = self.unschedulable.iter().map(|(p, (prio, _))| (*p, *prio)).collect();
        let mut backing_off = Vec::new();
        for (pod, priority) in waiting {
            let until = self.backoff_until(pod);
            if until <= now {
                self.push_active(pod, priority);
            } else {
                backing_off.push((pod, until));
            }
        }
        backing_off
    }

    /// Forgets a pod (bound or deleted).
    pub fn remove(&mut self, pod: PodId) {
        if let Some(key) = self.in_active.remove(&pod) {
            self.active.remove(&(key.0, key.1, pod));
        }
        self.unschedulable.remove(&pod);
        self.attempts.remove(&pod);
    }

    pub fn unschedulable_count(&self) -> usize {
        self.unschedulable.len()
    }
}
