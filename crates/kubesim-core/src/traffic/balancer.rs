//! Which endpoint a request goes to: kube-proxy's two modes and ingress-nginx's round robin
//! (which of an Ingress's backends, with a canary, is `ingress::canary`'s decision).
//!
//! Endpoints are opaque ids chosen by the caller (the simulation passes its pod ids of the
//! Ready, non-terminating pods behind a Service, in a stable order). An empty list means no
//! endpoints: `pick` returns None and the caller fails the request at once, as a connection
//! to a Service without endpoints is refused.

use crate::engine::Stream;
// Plain data, defined with the specs that hold it (model/spec/traffic.rs); its behaviour is here.
pub use crate::model::spec::ProxyMode;

/// An endpoint, as the caller numbers it (`pick` takes any id: the simulation's are pods').
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
    pub fn pick<E: Copy>(&mut self, endpoints: &[E], stream: &mut Stream) -> Option<E> {
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

#[cfg(test)]
pub(crate) mod tests {
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
    pub(crate) fn assert_binomial(observed: usize, n: usize, p: f64, what: &str) {
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
            assert_eq!(Balancer::new(balancing).pick::<EndpointId>(&[], &mut s), None);
        }
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
