//! Which endpoint a request goes to: kube-proxy's two modes, ingress-nginx's round robin,
//! and an ingress-nginx canary split.
//!
//! Endpoints are opaque ids chosen by the caller (the simulation passes its pod ids of the
//! Ready, non-terminating pods behind a Service, in a stable order). An empty list means no
//! endpoints: `pick` returns None and the caller fails the request at once, as a connection
//! to a Service without endpoints is refused.

use crate::engine::Stream;
// Plain data, defined with the specs that hold it (model/spec/traffic.rs); its behaviour is here.
pub use crate::model::spec::ProxyMode;

/// An endpoint, as the caller numbers it.
pub type EndpointId = u32;

/// A balancing rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Balancing {
    /// Uniformly at random per request (one connection per request).
    Random,
    /// In turn over the current list.
    RoundRobin,
}

impl ProxyMode {
    pub fn balancing(self) -> Balancing {
        match self {
            ProxyMode::Iptables => Balancing::Random,
            ProxyMode::Ipvs => Balancing::RoundRobin,
        }
    }
}

/// ingress-nginx balances over a backend Service's endpoints round robin by default
/// (`load-balance: round_robin`), bypassing kube-proxy.
pub const INGRESS_NGINX_BALANCING: Balancing = Balancing::RoundRobin;

/// One balancer: a kube-proxy view of a Service, or ingress-nginx's view of a backend.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Balancer {
    balancing: Balancing,
    /// How many requests round robin has placed; the next goes to `turn % len`. When the
    /// list changes the count carries on over the new list (a simplification: ingress-nginx
    /// rebuilds its balancer on an endpoint change, IPVS keeps its own cursor).
    turn: u64,
}

impl Balancer {
    pub fn new(balancing: Balancing) -> Self {
        Balancer { balancing, turn: 0 }
    }

    pub fn for_proxy(mode: ProxyMode) -> Self {
        Self::new(mode.balancing())
    }

    pub fn for_ingress_nginx() -> Self {
        Self::new(INGRESS_NGINX_BALANCING)
    }

    pub fn balancing(&self) -> Balancing {
        self.balancing
    }

    /// The endpoint for the next request, or None when there is none. Round robin draws
    /// nothing from the stream; random draws one number per request.
    pub fn pick(&mut self, endpoints: &[EndpointId], stream: &mut Stream) -> Option<EndpointId> {
        if endpoints.is_empty() {
            return None;
        }
        let index = match self.balancing {
            Balancing::Random => stream.below(endpoints.len()),
            Balancing::RoundRobin => {
                let i = (self.turn % endpoints.len() as u64) as usize;
                self.turn = self.turn.wrapping_add(1);
                i
            }
        };
        Some(endpoints[index])
    }
}

impl Balancer {
    /// The indexes into `len` endpoints that the next `out.len()` picks would choose if the
    /// endpoints stayed as many, without choosing them (no draw, no turn): guesses, to fetch
    /// memory ahead of the requests.
    pub fn peek_ahead(&self, len: usize, stream: &Stream, out: &mut [u32]) {
        match self.balancing {
            Balancing::Random => {
                let mut ahead = stream.lookahead();
                out.iter_mut().for_each(|i| *i = ahead.below(len) as u32);
            }
            Balancing::RoundRobin => {
                for (k, i) in out.iter_mut().enumerate() {
                    *i = (self.turn.wrapping_add(k as u64) % len.max(1) as u64) as u32;
                }
            }
        }
    }
}

/// Which of an Ingress's two backends a request goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Primary,
    Canary,
}

/// ingress-nginx's canary annotations, as numbers. The header rule comes first: a request
/// that carries the canary header goes to the canary; the others are split by weight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CanarySplit {
    /// `canary-weight`: out of `weight_total`, how many requests go to the canary.
    pub weight: u32,
    /// `canary-weight-total` (default 100).
    pub weight_total: u32,
    /// With `canary-by-header`: the share of requests, in parts per million, that carry
    /// the header set to `always` (from the traffic spec; 0 when there is no header rule).
    pub header_share_ppm: u32,
}

/// ingress-nginx's default `canary-weight-total`.
pub const DEFAULT_CANARY_WEIGHT_TOTAL: u32 = 100;
const PPM: usize = 1_000_000;

impl CanarySplit {
    /// `canary-weight: percent`, no header rule.
    pub fn by_weight(percent: u32) -> Self {
        CanarySplit { weight: percent, weight_total: DEFAULT_CANARY_WEIGHT_TOTAL, header_share_ppm: 0 }
    }

    /// Adds a header rule: `share` (0..=1) of requests carry the header.
    pub fn with_header_share(self, share: f64) -> Self {
        let ppm = (share.clamp(0.0, 1.0) * PPM as f64).round() as u32;
        CanarySplit { header_share_ppm: ppm, ..self }
    }

    /// Chooses the backend of one request. Draws at most two numbers: one for the header
    /// (only with a header rule) and one for the weight (only for a weight strictly between
    /// 0 and the total), so a canary at 0 or 100 consumes nothing.
    pub fn choose(&self, stream: &mut Stream) -> Backend {
        if self.header_share_ppm > 0 && stream.below(PPM) < self.header_share_ppm as usize {
            return Backend::Canary;
        }
        let total = self.weight_total.max(1);
        let to_canary = match self.weight {
            0 => false,
            w if w >= total => true,
            w => stream.below(total as usize) < w as usize,
        };
        if to_canary {
            Backend::Canary
        } else {
            Backend::Primary
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peeking_ahead_guesses_the_next_picks_on_unchanged_endpoints() {
        let endpoints: Vec<EndpointId> = (100..137).collect();
        for balancing in [Balancing::Random, Balancing::RoundRobin] {
            let (mut b, mut stream) = (Balancer::new(balancing), Stream::new(9, crate::engine::Purpose::Routing));
            b.pick(&endpoints, &mut stream);
            let mut ahead = [0u32; 5];
            b.peek_ahead(endpoints.len(), &stream, &mut ahead);
            let picked: Vec<EndpointId> = (0..5).map(|_| b.pick(&endpoints, &mut stream).unwrap_or(0)).collect();
            let guessed: Vec<EndpointId> = ahead.iter().map(|&i| endpoints[i as usize]).collect();
            assert_eq!(picked, guessed, "{balancing:?}");
        }
    }
    use crate::engine::Purpose;

    /// |observed - n p| within three binomial standard deviations.
    fn assert_binomial(observed: usize, n: usize, p: f64, what: &str) {
        let expected = n as f64 * p;
        let sigma = (n as f64 * p * (1.0 - p)).sqrt();
        let off = (observed as f64 - expected).abs();
        assert!(off <= 3.0 * sigma, "{what}: {observed} of {n}, expected {expected:.0} ± {:.0}", 3.0 * sigma);
    }

    fn counts(balancer: &mut Balancer, endpoints: &[EndpointId], n: usize, seed: u64) -> Vec<usize> {
        let mut stream = Stream::new(seed, Purpose::Traffic);
        let mut counts = vec![0; endpoints.len()];
        for _ in 0..n {
            let e = balancer.pick(endpoints, &mut stream).unwrap();
            counts[endpoints.iter().position(|&x| x == e).unwrap()] += 1;
        }
        counts
    }

    #[test]
    fn iptables_spreads_requests_uniformly_within_binomial_noise() {
        let endpoints = [10, 20, 30, 40, 50];
        let n = 50_000;
        let got = counts(&mut Balancer::for_proxy(ProxyMode::Iptables), &endpoints, n, 42);
        for (e, &c) in endpoints.iter().zip(&got) {
            assert_binomial(c, n, 0.2, &format!("endpoint {e}"));
        }
    }

    #[test]
    fn round_robin_is_exact_and_draws_nothing() {
        let endpoints = [7, 8, 9];
        let mut b = Balancer::for_proxy(ProxyMode::Ipvs);
        let mut s = Stream::new(1, Purpose::Traffic);
        let order: Vec<_> = (0..7).map(|_| b.pick(&endpoints, &mut s).unwrap()).collect();
        assert_eq!(order, vec![7, 8, 9, 7, 8, 9, 7]);
        assert_eq!(s.unit(), Stream::new(1, Purpose::Traffic).unit());
        assert_eq!(counts(&mut Balancer::for_ingress_nginx(), &endpoints, 30_000, 1), vec![10_000; 3]);
    }

    #[test]
    fn round_robin_carries_on_over_a_changed_list() {
        let mut b = Balancer::new(Balancing::RoundRobin);
        let mut s = Stream::new(1, Purpose::Traffic);
        assert_eq!(b.pick(&[1, 2, 3], &mut s), Some(1));
        assert_eq!(b.pick(&[1, 2, 3], &mut s), Some(2));
        assert_eq!(b.pick(&[1, 3], &mut s), Some(1)); // turn 2 of a two-long list
        assert_eq!(b.pick(&[1, 3], &mut s), Some(3));
    }

    #[test]
    fn no_endpoints_gives_none() {
        let mut s = Stream::new(1, Purpose::Traffic);
        for balancing in [Balancing::Random, Balancing::RoundRobin] {
            assert_eq!(Balancer::new(balancing).pick(&[], &mut s), None);
        }
    }

    #[test]
    fn canary_weight_10_gets_10_percent_within_binomial_noise() {
        let split = CanarySplit::by_weight(10);
        let mut s = Stream::new(42, Purpose::Traffic);
        let n = 100_000;
        let canary = (0..n).filter(|_| split.choose(&mut s) == Backend::Canary).count();
        assert_binomial(canary, n, 0.10, "canary-weight 10");
    }

    #[test]
    fn canary_header_share_goes_to_the_canary_first_then_the_weight_splits_the_rest() {
        // 20% carry the header; of the other 80%, 10% go by weight: 0.2 + 0.8 * 0.1 = 28%.
        let split = CanarySplit::by_weight(10).with_header_share(0.2);
        let mut s = Stream::new(3, Purpose::Traffic);
        let n = 100_000;
        let canary = (0..n).filter(|_| split.choose(&mut s) == Backend::Canary).count();
        assert_binomial(canary, n, 0.28, "header 20% + weight 10");
    }

    #[test]
    fn canary_weights_0_and_100_are_absolute() {
        let mut s = Stream::new(1, Purpose::Traffic);
        assert!((0..1_000).all(|_| CanarySplit::by_weight(0).choose(&mut s) == Backend::Primary));
        assert!((0..1_000).all(|_| CanarySplit::by_weight(100).choose(&mut s) == Backend::Canary));
        let custom_total = CanarySplit { weight: 5, weight_total: 5, header_share_ppm: 0 };
        assert_eq!(custom_total.choose(&mut s), Backend::Canary);
    }

    #[test]
    fn same_seed_gives_the_same_choices() {
        let run = |seed| {
            let mut b = Balancer::for_proxy(ProxyMode::Iptables);
            let mut s = Stream::new(seed, Purpose::Traffic);
            (0..100).map(|_| b.pick(&[1, 2, 3, 4], &mut s).unwrap()).collect::<Vec<_>>()
        };
        assert_eq!(run(5), run(5));
        assert_ne!(run(5), run(6));
    }
}
