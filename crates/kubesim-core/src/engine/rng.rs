//! Seeded random streams, one per purpose.
//!
//! Each purpose draws from its own ChaCha stream derived from (seed, purpose), so that two
//! variants of a sweep that differ only in strategy still see the same failures and the same
//! request arrivals (common random numbers).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// What a stream is used for. The discriminant is the ChaCha stream number: never reorder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// Generated object names (pod name suffixes).
    Names = 1,
    /// Scheduler tie-breaks among equally scored nodes.
    Scheduling = 2,
    /// Node and container failures.
    Faults = 3,
    /// Request arrivals (one stream per traffic source).
    Traffic = 4,
    /// Container behaviour: crash-on-start draws.
    Containers = 5,
    /// Which endpoint or canary backend a request goes to (one stream per traffic source).
    Routing = 6,
    /// Each request's service time, drawn at arrival (one stream per traffic source).
    ServiceTimes = 7,
    /// Whether an image pull fails (an image's `pullFailure`).
    ImagePulls = 8,
    /// Whether an app answers a request with an error (an image's `errorRate`; one stream
    /// per traffic source).
    AppErrors = 9,
    /// Which of its clients sends a request (a traffic source's `clients`, drawn only for
    /// Services with `sessionAffinity: ClientIP`; one stream per traffic source).
    ClientIps = 10,
    /// Whether an external host is reached and answers with an error (its `availability`
    /// and `errorRate`; one stream per traffic source).
    ExternalHosts = 11,
    /// Which endpoint a call from one Service to another goes to (one stream per edge lane).
    CallRouting = 12,
    /// When a pod's background tasks come (an image's `background:`; one stream per pod).
    Background = 13,
    /// The Cluster Autoscaler's random expander and its tie-breaks.
    Autoscaling = 14,
    /// When a spot pool's nodes get their interruption notice (one stream per node group).
    SpotInterruptions = 15,
}

/// What a decision draws from: a [`Stream`], or a request's own [`Draws`].
pub trait Random {
    /// A uniform float in `[0, 1)`.
    fn unit(&mut self) -> f64;

    /// A uniform integer in `0..n` (`n` > 0).
    fn below(&mut self, n: usize) -> usize;

    /// True with probability `p`.
    fn chance(&mut self, p: f64) -> bool {
        p > 0.0 && self.unit() < p
    }
}

impl Random for Stream {
    fn unit(&mut self) -> f64 {
        Stream::unit(self)
    }

    fn below(&mut self, n: usize) -> usize {
        Stream::below(self, n)
    }
}

/// SplitMix64's finaliser of `a` combined with `b`: a well-spread 64-bit key for a pair.
pub fn mix(a: u64, b: u64) -> u64 {
    let mut z = a ^ b.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(29);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A request's own random numbers: a SplitMix64 sequence from a key derived from the request
/// (its source and number, then its place in the call tree). Whatever the timing, the same
/// request draws the same numbers, so every variant of a sweep sees the same calls made, the
/// same service times and the same error answers (common random numbers), and drawing costs
/// no shared state.
#[derive(Clone, Copy, Debug)]
pub struct Draws(u64);

impl Draws {
    pub fn new(key: u64) -> Self {
        Draws(key)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0, 0)
    }
}

impl Random for Draws {
    fn unit(&mut self) -> f64 {
        // 53 random bits, as rand's `random::<f64>()` takes them.
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    fn below(&mut self, n: usize) -> usize {
        // Lemire's multiply-shift: unbiased enough for n far below 2^64.
        ((u128::from(self.next_u64()) * n.max(1) as u128) >> 64) as usize
    }
}

/// A deterministic random stream for one purpose.
pub struct Stream(ChaCha8Rng);

impl Stream {
    pub fn new(seed: u64, purpose: Purpose) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(purpose as u64);
        Stream(rng)
    }

    /// The `index`-th stream of a purpose (one per traffic source, say); index 0 is
    /// `Stream::new(seed, purpose)`.
    pub fn indexed(seed: u64, purpose: Purpose, index: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(purpose as u64 | index << 8);
        Stream(rng)
    }

    /// A uniform integer in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        self.0.random_range(0..n.max(1))
    }

    /// A copy that continues from here: what it draws, this stream would draw next. For
    /// looking ahead (to fetch memory before it is needed), never for a decision.
    pub fn lookahead(&self) -> Stream {
        Stream(self.0.clone())
    }

    /// A uniform float in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        self.0.random::<f64>()
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        p > 0.0 && self.unit() < p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_are_a_function_of_their_key_and_spread_evenly() {
        let take = |key| {
            let mut d = Draws::new(key);
            (0..5).map(|_| d.below(1000)).collect::<Vec<_>>()
        };
        assert_eq!(take(mix(7, 1)), take(mix(7, 1)));
        assert_ne!(take(mix(7, 1)), take(mix(7, 2)));
        let mut d = Draws::new(99);
        let n = 200_000;
        let below_tenth = (0..n).filter(|_| d.unit() < 0.1).count();
        assert!((19_000..21_000).contains(&below_tenth), "{below_tenth} of {n} under 0.1");
        let mut counts = [0u32; 4];
        (0..40_000).for_each(|_| counts[d.below(4)] += 1);
        assert!(counts.iter().all(|&c| (9_500..10_500).contains(&c)), "{counts:?}");
    }

    #[test]
    fn a_lookahead_draws_what_the_stream_draws_next_and_leaves_it_alone() {
        let mut s = Stream::new(3, Purpose::Routing);
        s.below(10);
        let mut ahead = s.lookahead();
        let guessed: Vec<usize> = [1, 7, 300, 1 << 20].iter().map(|&n| ahead.below(n)).collect();
        let drawn: Vec<usize> = [1, 7, 300, 1 << 20].iter().map(|&n| s.below(n)).collect();
        assert_eq!(guessed, drawn);
    }

    #[test]
    fn same_seed_and_purpose_give_the_same_numbers() {
        let a: Vec<usize> = {
            let mut s = Stream::new(42, Purpose::Names);
            (0..20).map(|_| s.below(1000)).collect()
        };
        let b: Vec<usize> = {
            let mut s = Stream::new(42, Purpose::Names);
            (0..20).map(|_| s.below(1000)).collect()
        };
        assert_eq!(a, b);
    }

    #[test]
    fn indexed_streams_differ_and_index_zero_is_the_purpose_stream() {
        let draw = |mut s: Stream| (0..8).map(|_| s.below(1_000_000)).collect::<Vec<_>>();
        assert_eq!(draw(Stream::indexed(7, Purpose::Traffic, 0)), draw(Stream::new(7, Purpose::Traffic)));
        assert_ne!(draw(Stream::indexed(7, Purpose::Traffic, 1)), draw(Stream::new(7, Purpose::Traffic)));
        assert_ne!(draw(Stream::indexed(7, Purpose::Traffic, 1)), draw(Stream::indexed(7, Purpose::Routing, 1)));
    }

    #[test]
    fn purposes_are_independent_streams() {
        let mut names = Stream::new(42, Purpose::Names);
        let mut faults = Stream::new(42, Purpose::Faults);
        let a: Vec<usize> = (0..20).map(|_| names.below(1_000_000)).collect();
        let b: Vec<usize> = (0..20).map(|_| faults.below(1_000_000)).collect();
        assert_ne!(a, b);
    }
}
