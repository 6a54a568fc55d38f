//! The event queue: ordered by time, then by insertion, so that events at the same instant
//! come out first in, first out on every machine.
//!
//! It is a hierarchical timing wheel whose slots are first-in-first-out (a radix heap with
//! 256-way digits). Virtual time only moves forward, so every new event is at or after the
//! last one popped (`floor`). An event waits at the level of the highest 8-bit digit in which
//! its time differs from the floor, in the slot of that digit. When nothing is due at the
//! floor, the first slot of the lowest level is split into lower levels around its earliest
//! time, which becomes the new floor. An event moves down at most a few levels in its life
//! (a one-second timer: two), through contiguous `Vec`s, instead of climbing a binary heap
//! of a million entries with a cache miss per level. Splitting keeps a slot's order, and all
//! events of one time always share a slot, so events of one time leave in the order they came.
//!
//! Memory is reused while it is still in the caches: a slot's buffer, once split, goes to its
//! level's pool, from which the next slot to fill takes the most recently freed one (a higher-level
//! slot is refilled only every 16 s or 71 minutes, when its own buffer would long be out of
//! the caches), and the ring of events at the floor starts again from its front whenever it
//! empties (otherwise, grown large once, it walks through all its memory an event at a time).

use super::time::SimTime;
use std::collections::VecDeque;

const DIGIT_BITS: u32 = 8;
const SLOTS: usize = 1 << DIGIT_BITS;
const LEVELS: usize = 64 / DIGIT_BITS as usize;

/// One level of the wheel: a slot per digit value, and which slots hold events.
struct Level<E> {
    slots: Vec<Vec<(u64, E)>>,
    occupied: [u64; SLOTS / 64],
}

impl<E> Level<E> {
    fn new() -> Self {
        Level { slots: (0..SLOTS).map(|_| Vec::new()).collect(), occupied: [0; SLOTS / 64] }
    }

    /// The first occupied slot.
    fn first(&self) -> Option<usize> {
        let word = self.occupied.iter().position(|&w| w != 0)?;
        Some(word * 64 + self.occupied[word].trailing_zeros() as usize)
    }
}

/// A priority queue of future events with a stable tie-break.
pub struct EventQueue<E> {
    /// The time of the last event popped; nothing earlier can be pushed.
    floor: u64,
    /// Events at exactly `floor`, in insertion order.
    at_floor: VecDeque<E>,
    levels: Vec<Level<E>>,
    /// Bit `l` set when level `l` holds events.
    occupied_levels: u32,
    len: usize,
    /// Per level, empty buffers of its split slots, the most recently used last (a level's
    /// slots fill to similar sizes, so a buffer rarely has to grow again).
    pools: Vec<Vec<Vec<(u64, E)>>>,
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
            levels: (0..LEVELS).map(|_| Level::new()).collect(),
            occupied_levels: 0,
            len: 0,
            pools: (0..LEVELS).map(|_| Vec::new()).collect(),
        }
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
            return;
        }
        let level = ((63 - differ.leading_zeros()) / DIGIT_BITS) as usize;
        let slot = ((at >> (level as u32 * DIGIT_BITS)) as usize) & (SLOTS - 1);
        let l = &mut self.levels[level];
        let events = &mut l.slots[slot];
        if events.capacity() == 0 {
            if let Some(buffer) = self.pools[level].pop() {
                *events = buffer;
            }
        }
        events.push((at, event));
        l.occupied[slot / 64] |= 1 << (slot % 64);
        self.occupied_levels |= 1 << level;
    }

    /// The lowest occupied level and its first occupied slot: where the earliest event is.
    fn earliest_slot(&self) -> Option<(usize, usize)> {
        if self.occupied_levels == 0 {
            return None;
        }
        let level = self.occupied_levels.trailing_zeros() as usize;
        Some((level, self.levels[level].first()?))
    }

    fn slot_min(&self, level: usize, slot: usize) -> u64 {
        self.levels[level].slots[slot].iter().map(|&(at, _)| at).min().unwrap_or(u64::MAX)
    }

    /// Removes and returns the earliest event.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        self.pop_until(SimTime::MAX)
    }

    /// Removes and returns the earliest event if it is due no later than `until`.
    pub fn pop_until(&mut self, until: SimTime) -> Option<(SimTime, E)> {
        if self.at_floor.is_empty() {
            let (level, slot) = self.earliest_slot()?;
            let min = self.slot_min(level, slot);
            if min > until.0 {
                return None;
            }
            // Split the slot around its earliest time: everything in it shares the digits
            // from `level` up with the new floor, so it all lands lower (level 0 slots hold
            // one time each, which all lands at the floor).
            let l = &mut self.levels[level];
            let mut events = std::mem::take(&mut l.slots[slot]);
            l.occupied[slot / 64] &= !(1 << (slot % 64));
            if l.occupied.iter().all(|&w| w == 0) {
                self.occupied_levels &= !(1 << level);
            }
            self.floor = min;
            if events.len() == 1 {
                // The slot's only event is the next one: out at once, not through the floor.
                let popped = events.pop().map(|(at, event)| (SimTime(at), event));
                self.pools[level].push(events);
                self.len -= 1;
                return popped;
            }
            for (at, event) in events.drain(..) {
                self.place(at, event);
            }
            self.pools[level].push(events); // keep the allocation, for the next slot to fill
        } else if self.floor > until.0 {
            return None;
        }
        let event = self.at_floor.pop_front()?;
        if self.at_floor.is_empty() {
            self.at_floor.clear(); // back to the front of its memory
        }
        self.len -= 1;
        Some((SimTime(self.floor), event))
    }

    pub fn peek_time(&self) -> Option<SimTime> {
        if !self.at_floor.is_empty() {
            return Some(SimTime(self.floor));
        }
        let (level, slot) = self.earliest_slot()?;
        Some(SimTime(self.slot_min(level, slot)))
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
