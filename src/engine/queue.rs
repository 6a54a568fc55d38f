//! The event queue: ordered by time, then by insertion, so that events at the same instant
//! come out first in, first out on every machine.
//!
//! It is a radix heap with first-in-first-out buckets. Virtual time only moves forward, so
//! every new event is at or after the last one popped (`floor`). An event waits in the bucket
//! named by the highest bit in which its time differs from the floor; when the low buckets
//! are empty, the lowest non-empty bucket is split into lower ones around its earliest time,
//! which becomes the new floor. Each event moves down a few buckets in its life, through
//! contiguous `Vec`s, instead of climbing a binary heap of a million entries with a cache
//! miss per level. Splitting a bucket keeps its order, and all events of one time always share
//! a bucket, so events of the same time leave in the order they came.

use super::time::SimTime;
use std::collections::VecDeque;

/// Buckets 0..64: bucket `i` holds events whose time differs from the floor first at bit `i`.
const BUCKETS: usize = 64;

/// A priority queue of future events with a stable tie-break.
pub struct EventQueue<E> {
    /// The time of the last event popped; nothing earlier can be pushed.
    floor: u64,
    /// Events at exactly `floor`, in insertion order.
    at_floor: VecDeque<E>,
    buckets: [Vec<(u64, E)>; BUCKETS],
    /// The earliest time in each bucket (`u64::MAX` when empty).
    bucket_min: [u64; BUCKETS],
    /// Bit `i` set when bucket `i` is not empty.
    occupied: u64,
    len: usize,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    pub fn new() -> Self {
        EventQueue {
            floor: 0,
            at_floor: VecDeque::new(),
            buckets: std::array::from_fn(|_| Vec::new()),
            bucket_min: [u64::MAX; BUCKETS],
            occupied: 0,
            len: 0,
        }
    }

    pub fn with_capacity(n: usize) -> Self {
        let mut q = Self::new();
        q.at_floor.reserve(n.min(1 << 16));
        q
    }

    /// Schedules `event` at `at`. Same-time events keep the order they were pushed in. A
    /// time before the last event popped is moved up to it (the clock never goes back).
    pub fn push(&mut self, at: SimTime, event: E) {
        self.place(at.0.max(self.floor), event);
        self.len += 1;
    }

    fn place(&mut self, at: u64, event: E) {
        let differ = at ^ self.floor;
        if differ == 0 {
            self.at_floor.push_back(event);
        } else {
            let i = (63 - differ.leading_zeros()) as usize;
            self.buckets[i].push((at, event));
            self.bucket_min[i] = self.bucket_min[i].min(at);
            self.occupied |= 1 << i;
        }
    }

    /// Removes and returns the earliest event.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        self.pop_until(SimTime::MAX)
    }

    /// Removes and returns the earliest event if it is due no later than `until`.
    pub fn pop_until(&mut self, until: SimTime) -> Option<(SimTime, E)> {
        if self.at_floor.is_empty() {
            if self.occupied == 0 {
                return None;
            }
            let i = self.occupied.trailing_zeros() as usize;
            let min = self.bucket_min[i];
            if min > until.0 {
                return None;
            }
            // Split bucket i around its earliest time: everything in it shares the bits above
            // `i` with the new floor and the bit `i` too, so it all lands in lower buckets.
            let mut bucket = std::mem::take(&mut self.buckets[i]);
            self.bucket_min[i] = u64::MAX;
            self.occupied &= !(1 << i);
            self.floor = min;
            for (at, event) in bucket.drain(..) {
                self.place(at, event);
            }
            self.buckets[i] = bucket; // keep the allocation
        } else if self.floor > until.0 {
            return None;
        }
        let event = self.at_floor.pop_front()?;
        self.len -= 1;
        Some((SimTime(self.floor), event))
    }

    pub fn peek_time(&self) -> Option<SimTime> {
        if !self.at_floor.is_empty() {
            Some(SimTime(self.floor))
        } else if self.occupied == 0 {
            None
        } else {
            Some(SimTime(self.bucket_min[self.occupied.trailing_zeros() as usize]))
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;

    #[test]
    fn same_time_events_come_out_first_in_first_out() {
        let mut q = EventQueue::new();
        for i in 0..100 {
            q.push(SimTime(7), i);
        }
        let order: Vec<i32> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, (0..100).collect::<Vec<_>>());
    }

    #[test]
    fn earlier_events_come_first_whatever_the_insertion_order() {
        let mut q = EventQueue::new();
        q.push(SimTime(30), "c");
        q.push(SimTime(10), "a");
        q.push(SimTime(20), "b");
        q.push(SimTime(10), "a2");
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(order, vec![(SimTime(10), "a"), (SimTime(10), "a2"), (SimTime(20), "b"), (SimTime(30), "c")]);
    }

    #[test]
    fn pop_until_leaves_later_events_and_the_floor_alone() {
        let mut q = EventQueue::new();
        q.push(SimTime(50), 'b');
        assert_eq!(q.pop_until(SimTime(10)), None);
        q.push(SimTime(20), 'a'); // still allowed: nothing popped yet
        assert_eq!(q.peek_time(), Some(SimTime(20)));
        assert_eq!(q.pop_until(SimTime(30)), Some((SimTime(20), 'a')));
        assert_eq!(q.pop_until(SimTime(30)), None);
        assert_eq!(q.len(), 1);
        assert_eq!(q.pop(), Some((SimTime(50), 'b')));
        assert!(q.is_empty());
    }

    proptest! {
        /// The queue pops exactly what a binary heap ordered by (time, insertion) pops, for
        /// any interleaving of pushes (at or after the last pop, many at equal times) and pops.
        #[test]
        fn pops_in_time_then_insertion_order(ops in prop::collection::vec((0u8..4, 0u64..2_000, 0u32..3), 1..400)) {
            let mut q = EventQueue::new();
            let mut reference = BinaryHeap::new();
            let (mut now, mut seq) = (0u64, 0u64);
            for (op, delay, scale) in ops {
                if op == 0 {
                    let popped = q.pop();
                    let expected = reference.pop().map(|Reverse((t, s))| (SimTime(t), s));
                    prop_assert_eq!(popped, expected);
                    if let Some((t, _)) = popped {
                        now = t.0;
                    }
                } else {
                    // Delays of microseconds, milliseconds and hours, often zero.
                    let at = now + (delay % 7) * [1, 1_000, 3_600_000_000][scale as usize];
                    q.push(SimTime(at), seq);
                    reference.push(Reverse((at, seq)));
                    seq += 1;
                }
                prop_assert_eq!(q.len(), reference.len());
                prop_assert_eq!(q.peek_time(), reference.peek().map(|Reverse((t, _))| SimTime(*t)));
            }
            while let Some(expected) = reference.pop() {
                let Reverse((t, s)) = expected;
                prop_assert_eq!(q.pop(), Some((SimTime(t), s)));
            }
            prop_assert_eq!(q.pop(), None);
        }
    }
}
