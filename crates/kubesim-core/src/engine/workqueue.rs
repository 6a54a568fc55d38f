//! A work queue that holds each key at most once, as client-go's `workqueue` does (its
//! `dirty` set, staging/src/k8s.io/client-go/util/workqueue/queue.go `Add`, and
//! `AddAfter` in delaying_queue.go): a key added again while it waits is not added twice,
//! so every change made before the key is processed is folded into one sync.
//!
//! The waiting is an event on the kernel: `add_after` schedules it the first time and
//! `take` is called when it fires.

use super::{Kernel, SimDuration};
use std::marker::PhantomData;

/// A key of a work queue: a dense id (ids are never reused, so a table of flags by id
/// holds every key).
pub trait QueueKey: Copy {
    fn index(self) -> usize;
}

impl QueueKey for u32 {
    fn index(self) -> usize {
        self as usize
    }
}

/// One key only: a component that is synced as a whole (the scheduler's cycle).
impl QueueKey for () {
    fn index(self) -> usize {
        0
    }
}

/// Keys waiting to be processed, each at most once.
#[derive(Clone, Debug)]
pub struct WorkQueue<K> {
    /// By key: whether it waits. Grows as keys appear.
    waiting: Vec<bool>,
    key: PhantomData<fn(K)>,
}

impl<K> Default for WorkQueue<K> {
    fn default() -> Self {
        WorkQueue { waiting: Vec::new(), key: PhantomData }
    }
}

impl<K: QueueKey> WorkQueue<K> {
    /// Adds `key` to be processed after `delay` (the event `event(key)` then), unless it
    /// is already waiting. Returns whether it was added now.
    pub fn add_after<E>(
        &mut self,
        key: K,
        delay: SimDuration,
        kernel: &mut Kernel<E>,
        event: impl FnOnce(K) -> E,
    ) -> bool {
        let i = key.index();
        if i >= self.waiting.len() {
            self.waiting.resize(i + 1, false);
        }
        if self.waiting[i] {
            return false;
        }
        self.waiting[i] = true;
        kernel.schedule_in(delay, event(key));
        true
    }

    /// Takes `key` out to process it: a change from now on adds it again.
    pub fn take(&mut self, key: K) {
        if let Some(w) = self.waiting.get_mut(key.index()) {
            *w = false;
        }
    }

    /// Whether `key` waits to be processed.
    pub fn is_waiting(&self, key: K) -> bool {
        self.waiting.get(key.index()).copied().unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimTime;

    #[test]
    fn a_key_added_twice_before_it_is_processed_is_processed_once() {
        let mut kernel: Kernel<u32> = Kernel::new();
        let mut queue: WorkQueue<u32> = WorkQueue::default();
        let delay = SimDuration::from_millis(10);
        assert!(queue.add_after(3, delay, &mut kernel, |k| k));
        assert!(!queue.add_after(3, delay, &mut kernel, |k| k), "folded into the waiting sync");
        assert!(queue.add_after(1, delay, &mut kernel, |k| k));
        assert_eq!(kernel.pending(), 2);
        assert_eq!(kernel.step_until(SimTime::MAX), Some(3));
        queue.take(3);
        assert!(!queue.is_waiting(3) && queue.is_waiting(1));
        assert!(queue.add_after(3, delay, &mut kernel, |k| k), "a change after the sync began waits again");
        assert_eq!(kernel.pending(), 2);
    }

    #[test]
    fn taking_a_key_never_added_changes_nothing() {
        let mut queue: WorkQueue<()> = WorkQueue::default();
        queue.take(());
        assert!(!queue.is_waiting(()));
    }
}
