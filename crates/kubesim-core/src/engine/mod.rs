//! The discrete-event kernel. It knows nothing of Kubernetes: a virtual clock, an event
//! queue with a stable tie-break, and seeded random streams.

pub mod hash;
pub mod queue;
pub mod rng;
pub mod time;
pub mod workqueue;

pub use queue::EventQueue;
pub use rng::{mix, Draws, Purpose, Random, Stream};
pub use time::{SimDuration, SimTime};
pub use workqueue::{ExponentialBackoff, QueueKey, WorkQueue};

/// The clock and the queue of future events. `step` pops the next event and moves the
/// clock to it; the clock never goes backwards.
pub struct Kernel<E> {
    now: SimTime,
    queue: EventQueue<E>,
    processed: u64,
}

impl<E> Default for Kernel<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> Kernel<E> {
    pub fn new() -> Self {
        Kernel { now: SimTime::ZERO, queue: EventQueue::new(), processed: 0 }
    }

    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Events popped so far.
    pub fn processed(&self) -> u64 {
        self.processed
    }

    pub fn pending(&self) -> usize {
        self.queue.len()
    }

    /// Schedules `event` at `at`; a time in the past is moved to now.
    pub fn schedule_at(&mut self, at: SimTime, event: E) {
        self.queue.push(at.max(self.now), event);
    }

    pub fn schedule_in(&mut self, after: SimDuration, event: E) {
        self.queue.push(self.now + after, event);
    }

    /// The time of the next event, if any.
    pub fn next_time(&self) -> Option<SimTime> {
        self.queue.peek_time()
    }

    /// Pops the next event no later than `until`, advancing the clock to its time.
    pub fn step_until(&mut self, until: SimTime) -> Option<E> {
        let (t, e) = self.queue.pop_until(until)?;
        debug_assert!(t >= self.now, "virtual time went backwards");
        self.now = t;
        self.processed += 1;
        Some(e)
    }

    /// Moves the clock to `t` (the end of the run) without an event.
    pub fn advance_to(&mut self, t: SimTime) {
        self.now = self.now.max(t);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_until_stops_at_the_horizon_and_the_clock_never_goes_back() {
        let mut k = Kernel::new();
        k.schedule_at(SimTime(5), 'a');
        k.schedule_at(SimTime(50), 'b');
        assert_eq!(k.step_until(SimTime(10)), Some('a'));
        assert_eq!(k.now(), SimTime(5));
        assert_eq!(k.step_until(SimTime(10)), None);
        k.schedule_at(SimTime(1), 'c'); // in the past: runs now, not before
        assert_eq!(k.step_until(SimTime(10)), Some('c'));
        assert_eq!(k.now(), SimTime(5));
        assert_eq!(k.processed(), 2);
    }
}
