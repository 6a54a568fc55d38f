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

/// A work queue's per-key rate limiter for failed syncs, as client-go's
/// `ItemExponentialFailureRateLimiter` (default_rate_limiters.go): the n-th failure in a row
/// waits `base` x 2^(n-1), at most `max`; `forget` after a sync that succeeded starts over.
/// (DefaultControllerRateLimiter also has a 10 qps bucket shared by all keys, which a
/// handful of failing keys never reaches.)
#[derive(Clone, Debug)]
pub struct ExponentialBackoff<K> {
    base: SimDuration,
    max: SimDuration,
    /// By key: failures in a row. Empty while nothing fails.
    failures: std::collections::BTreeMap<usize, u32>,
    key: PhantomData<fn(K)>,
}

impl<K: QueueKey> ExponentialBackoff<K> {
    pub fn new(base: SimDuration, max: SimDuration) -> Self {
        ExponentialBackoff { base, max, failures: std::collections::BTreeMap::new(), key: PhantomData }
    }

    /// client-go's DefaultControllerRateLimiter per key: 5 ms doubling to 1000 s.
    pub fn controller_default() -> Self {
        Self::new(SimDuration::from_millis(5), SimDuration::from_secs(1000))
    }

    /// `When`: the delay before the failed key's next sync, counting this failure.
    pub fn when(&mut self, key: K) -> SimDuration {
        let n = self.failures.entry(key.index()).or_insert(0);
        let exp = (*n).min(40);
        *n += 1;
        SimDuration(self.base.as_micros().saturating_mul(1u64 << exp)).min(self.max)
    }

    /// `Forget`: the key's sync succeeded.
    pub fn forget(&mut self, key: K) {
        if !self.failures.is_empty() {
            self.failures.remove(&key.index());
        }
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

    /// ItemExponentialFailureRateLimiter: 5 ms, 10 ms, 20 ms, ... capped; Forget resets.
    #[test]
    fn failures_back_off_exponentially_until_forgotten() {
        let mut b: ExponentialBackoff<u32> = ExponentialBackoff::controller_default();
        let delays: Vec<u64> = (0..4).map(|_| b.when(7).as_micros()).collect();
        assert_eq!(delays, [5_000, 10_000, 20_000, 40_000]);
        assert_eq!(b.when(8).as_micros(), 5_000, "per key");
        for _ in 0..30 {
            b.when(7);
        }
        assert_eq!(b.when(7), SimDuration::from_secs(1000));
        b.forget(7);
        assert_eq!(b.when(7).as_micros(), 5_000);
    }

    #[test]
    fn taking_a_key_never_added_changes_nothing() {
        let mut queue: WorkQueue<()> = WorkQueue::default();
        queue.take(());
        assert!(!queue.is_waiting(()));
    }
}
