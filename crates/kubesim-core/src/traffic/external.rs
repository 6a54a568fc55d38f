//! A host outside the cluster, as a request to it sees it: reachable or not, how long its
//! answer takes, and whether the answer is an error. What an ExternalName Service's requests
//! reach (kube-dns answers the Service's name with a CNAME to `spec.externalName`, so the
//! client talks to that host directly: no endpoints, no kube-proxy; pkg/proxy ignores
//! ExternalName Services, and CoreDNS's kubernetes plugin writes the CNAME).
//!
//! One call, [`ExternalHost::serve`], decides a request's fate, so that anything that
//! reaches an external host (a traffic source through a Service or an Ingress today; a
//! Service's call to another tomorrow) shares it. A host with a `concurrency` also queues:
//! the caller holds a [`Server`](super::Server) for it, sized by [`ExternalHost::server_config`],
//! and passes it the outcome's latency as the work.

use crate::engine::{Random, SimDuration, SimTime};
// Plain data, defined with the specs that hold it (model/spec/external.rs); its behaviour is here.
pub use crate::model::spec::{ExternalHost, DEFAULT_EXTERNAL_SERVICE_TIME};

/// How a request to an external host ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// The host answered (2xx).
    Answered,
    /// The host answered with an HTTP 5xx (its `errorRate`).
    ServerError,
    /// The host could not be reached (a `down` window, or its `availability`): the
    /// connection fails at once.
    Unreachable,
}

/// What [`ExternalHost::serve`] decided: how long the answer takes from the moment the
/// request is sent (the round trip and the service time; zero when unreachable) and its
/// status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub latency: SimDuration,
    pub status: Status,
}

impl ExternalHost {
    /// Whether the host is in one of its `down` windows at `now`.
    pub fn is_down(&self, now: SimTime) -> bool {
        self.down.iter().any(|&(from, to)| from <= now && now < to)
    }

    /// A request sent to the host at `now`: its service time is the host's distribution at
    /// `quantile` (the request's own draw, so that it asks for the same share of work
    /// wherever it goes); reachability (`availability`) and the error answer (`errorRate`)
    /// are drawn from `rng`, each only when the host has one, so a host at its defaults
    /// draws nothing.
    pub fn serve(&self, now: SimTime, quantile: f64, rng: &mut impl Random) -> Outcome {
        let unreachable = Outcome { latency: SimDuration::ZERO, status: Status::Unreachable };
        if self.is_down(now) {
            return unreachable;
        }
        if self.availability < 1.0 && !rng.chance(self.availability) {
            return unreachable;
        }
        let latency = self.latency + self.service_time.at_quantile(quantile);
        let status = if rng.chance(self.error_rate) { Status::ServerError } else { Status::Answered };
        Outcome { latency, status }
    }

    /// The queue in front of a host with a `concurrency` (None: a pure delay). Its queue is
    /// unbounded unless the scenario gives one.
    pub fn server_config(&self) -> Option<super::ServerConfig> {
        self.concurrency.map(|concurrency| super::ServerConfig {
            concurrency,
            queue_capacity: self.queue.map_or(usize::MAX, |q| q as usize),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Purpose, Stream};
    use crate::traffic::ServiceTime;

    fn at(secs: u64) -> SimTime {
        SimTime::ZERO + SimDuration::from_secs(secs)
    }

    fn rng() -> Stream {
        Stream::new(1, Purpose::ExternalHosts)
    }

    #[test]
    fn a_host_at_its_defaults_answers_every_request_in_50ms_and_draws_nothing() {
        let host = ExternalHost::default();
        let mut r = rng();
        let untouched = r.lookahead();
        for t in [0, 60, 3600] {
            let out = host.serve(at(t), 0.5, &mut r);
            assert_eq!(out, Outcome { latency: SimDuration::from_millis(50), status: Status::Answered });
        }
        let (mut a, mut b) = (r, untouched);
        assert_eq!(a.below(1 << 30), b.below(1 << 30), "no draw was taken");
    }

    #[test]
    fn a_down_window_refuses_from_its_start_up_to_its_end() {
        let host = ExternalHost { down: vec![(at(600), at(900))], ..ExternalHost::default() };
        let mut r = rng();
        let status = |t: SimTime, r: &mut Stream| host.serve(t, 0.5, r).status;
        assert_eq!(status(at(599), &mut r), Status::Answered);
        assert_eq!(status(at(600), &mut r), Status::Unreachable);
        assert_eq!(status(at(899), &mut r), Status::Unreachable);
        assert_eq!(status(at(900), &mut r), Status::Answered, "`to` is the first moment it is up again");
    }

    #[test]
    fn latency_is_the_round_trip_plus_the_service_time_at_the_requests_quantile() {
        let host = ExternalHost {
            service_time: ServiceTime::exponential(SimDuration::from_millis(100)),
            latency: SimDuration::from_millis(20),
            ..ExternalHost::default()
        };
        let out = host.serve(at(0), 0.5, &mut rng());
        // The exponential's median: 100ms x ln 2 = 69.315ms.
        assert_eq!(out.latency, SimDuration::from_millis(20) + SimDuration(69_315));
    }

    #[test]
    fn availability_and_error_rate_take_their_shares() {
        let host = ExternalHost { availability: 0.9, error_rate: 0.2, ..ExternalHost::default() };
        let mut r = rng();
        let (mut unreachable, mut errors) = (0, 0);
        for _ in 0..100_000 {
            match host.serve(at(0), 0.5, &mut r).status {
                Status::Unreachable => unreachable += 1,
                Status::ServerError => errors += 1,
                Status::Answered => {}
            }
        }
        assert!((9_500..10_500).contains(&unreachable), "{unreachable} of 100,000 unreachable, expected ~10%");
        assert!((17_500..18_500).contains(&errors), "{errors} errors, expected ~20% of the 90% reached");
    }

    #[test]
    fn only_a_host_with_a_concurrency_queues() {
        assert_eq!(ExternalHost::default().server_config(), None);
        let host = ExternalHost { concurrency: Some(4), queue: Some(10), ..ExternalHost::default() };
        assert_eq!(host.server_config(), Some(crate::traffic::ServerConfig { concurrency: 4, queue_capacity: 10 }));
    }
}
