//! The `traffic:` section (targets, rates, arrivals, errors) and images' service times.

use super::*;
use crate::engine::SimDuration;
use crate::model::spec::TrafficTarget;
use crate::traffic::{ArrivalProcess, Rate, RateProfile, ServiceTime};

#[test]
fn service_time_forms_and_queue() {
    let img = |b: &str| format!("{DEP}images:\n  nginx: {b}\n");
    let st = |b: &str| ok(&img(b)).scenario.images["nginx"].service_time;
    assert_eq!(st("{serviceTime: 20ms}"), ServiceTime::fixed(SimDuration::from_millis(20)));
    assert_eq!(st("{serviceTime: {fixed: 5ms}}"), ServiceTime::fixed(SimDuration::from_millis(5)));
    assert_eq!(st("{serviceTime: {exponential: 10ms}}"), ServiceTime::exponential(SimDuration::from_millis(10)));
    assert_eq!(
        st("{serviceTime: {lognormal: {p50: 10ms, p99: 80ms}}}"),
        ServiceTime::lognormal(SimDuration::from_millis(10), SimDuration::from_millis(80)).unwrap()
    );
    let l = ok(&img("{queue: 0}"));
    assert_eq!(l.scenario.images["nginx"].queue, 0);
    let l = ok(&img("{concurrency: 4}"));
    assert_eq!(l.scenario.images["nginx"].queue, crate::traffic::server::DEFAULT_QUEUE_CAPACITY as u32);
    let d = first_error(&img("{serviceTime: {lognormal: {p50: 80ms, p99: 10ms}}}"));
    assert_eq!(
        d.message,
        "images.nginx.serviceTime.lognormal.p99: a lognormal service time needs p99 (10ms) at least p50 (80ms)"
    );
    let d = first_error(&img("{serviceTime: {gaussian: 10ms}}"));
    assert!(d.message.contains("unknown field `gaussian` in a service time"), "{d}");
    let d = first_error(&img("{queue: -1}"));
    assert!(d.message.contains("queue: expected a queue length (a non-negative integer)"), "{d}");
    let d = first_error(&img("{serviceTime: {fixed: 1ms, exponential: 2ms}}"));
    assert!(d.message.contains("expected one of `fixed`, `exponential` or `lognormal`"), "{d}");
}

fn traffic(entries: &str) -> String {
    format!("{}  - {ING_V1}traffic:\n{entries}", with(SVC))
}

#[test]
fn traffic_sources_in_every_form() {
    let l = ok(&traffic(
        "  - {target: service/web, rate: 200/s}
  - {target: svc/web, rate: 1200/m, arrival: constant, timeout: 1s, path: /api, host: shop.example.com}
  - {target: ingress/shop, rate: 0.5/s, canaryHeaderShare: 0.25, canaryHeaderValue: v2, canaryCookieShare: 0.5, canaryCookieValue: never}
  - target: ing/shop
    rate: {steps: [{at: 0s, rate: 100/s}, {at: 5m, rate: 300/s}]}
  - target: service/web
    namespace: default
    rate: {diurnal: {peak: 300/s, trough: 50/s}}
  - {target: service/web, rate: {diurnal: {peak: 10/h, trough: 0/s, period: 1h}}}
",
    ));
    let t = &l.scenario.traffic;
    assert_eq!(t.len(), 6);
    assert_eq!(t[0].target, TrafficTarget::Service { namespace: "default".into(), name: "web".into() });
    assert_eq!(t[0].rate, RateProfile::constant(Rate::per_sec(200)));
    assert_eq!((t[0].arrival, t[0].timeout), (ArrivalProcess::Poisson, SimDuration::from_secs(30)));
    assert_eq!((t[0].path.as_str(), t[0].host.as_deref()), ("/", None));
    assert_eq!(t[0].canary, crate::model::spec::CanaryRequests::default(), "no header, no cookie, `always` values");
    assert_eq!((t[0].canary.header_value.as_str(), t[0].canary.cookie_share), ("always", 0.0));
    assert_eq!(t[1].rate, RateProfile::constant(Rate::per_sec(20)));
    assert_eq!((t[1].arrival, t[1].timeout), (ArrivalProcess::Constant, SimDuration::from_secs(1)));
    assert_eq!((t[1].path.as_str(), t[1].host.as_deref()), ("/api", Some("shop.example.com")));
    assert_eq!(t[2].target, TrafficTarget::Ingress { namespace: "default".into(), name: "shop".into() });
    assert_eq!(t[2].rate.max_rate().nano_per_sec(), 500_000_000);
    let c = &t[2].canary;
    assert_eq!((c.header_share, c.header_value.as_str()), (0.25, "v2"));
    assert_eq!((c.cookie_share, c.cookie_value.as_str()), (0.5, "never"));
    assert_eq!(
        t[3].rate,
        RateProfile::steps(vec![
            (crate::engine::SimTime::ZERO, Rate::per_sec(100)),
            (crate::engine::SimTime::ZERO + SimDuration::from_secs(300), Rate::per_sec(300)),
        ])
    );
    assert_eq!(
        t[4].rate,
        RateProfile::diurnal(Rate::per_sec(300), Rate::per_sec(50), crate::traffic::DEFAULT_DIURNAL_PERIOD).unwrap()
    );
    assert_eq!(
        t[5].rate,
        RateProfile::diurnal(Rate::per(10, SimDuration::from_secs(3600)), Rate::ZERO, SimDuration::from_secs(3600))
            .unwrap()
    );
}

#[test]
fn traffic_errors_are_located_and_suggest() {
    let d = first_error(&traffic("  - {target: service/wbe, rate: 200/s}\n"));
    assert_eq!(d.message, "traffic[0].target: traffic target service/wbe: no Service named wbe in the scenario");
    assert_eq!(d.help.as_deref(), Some("did you mean `web`?"));
    assert_eq!((d.line, d.column), (Some(25), Some(14)));
    let d = first_error(&traffic("  - {target: service/web, rate: fast}\n"));
    assert_eq!(d.message, "traffic[0].rate: invalid rate \"fast\"");
    let d = first_error(&traffic("  - {target: service/web, rate: 200/s, timout: 1s}\n"));
    assert_eq!(d.message, "traffic[0].timout: unknown field `timout` in a traffic source");
    assert_eq!(d.help.as_deref(), Some("did you mean `timeout`?"));
    let cases: &[(&str, &str)] = &[
        ("{rate: 1/s}", "traffic[0]: target: Required value"),
        ("{target: service/web}", "traffic[0]: rate: Required value"),
        ("{target: deployment/web, rate: 1/s}", "traffic[0].target: invalid target \"deployment/web\""),
        ("{target: ingress/web, rate: 1/s}", "no Ingress named web in the scenario"),
        ("{target: service/web, rate: 200}", "traffic[0].rate: invalid rate 200: a rate needs a unit"),
        ("{target: service/web, rate: 1/s, arrival: bursty}", "Unsupported value: \"bursty\""),
        ("{target: service/web, rate: 1/s, timeout: 0s}", "the timeout must be more than 0"),
        ("{target: service/web, rate: 1/s, canaryHeaderShare: 2}", "2 is not a share"),
        ("{target: service/web, rate: 1/s, path: api}", "must be an absolute path"),
        ("{target: service/web, rate: 1/s, namespace: prod}", "traffic[0].namespace: namespaces \"prod\" not found"),
        ("{target: service/web, rate: {diurnal: {peak: 5/s, trough: 9/s}}}", "trough (9/s) is above its peak (5/s)"),
        ("{target: service/web, rate: {steps: []}}", "expected at least one step"),
        ("{target: service/web, rate: {linear: 1/s}}", "unknown field `linear` in a rate profile"),
    ];
    for (entry, want) in cases {
        let e = errors(&traffic(&format!("  - {entry}\n")));
        assert!(e.iter().any(|m| m.contains(want)), "{entry}: {e:?}");
    }
}

#[test]
fn traffic_targets_may_be_created_on_the_timeline() {
    let text = format!(
        "{DEP}timeline:\n  - {{at: 1m, run: kubectl expose deployment web --port=80 --name=front}}\ntraffic:\n  - {{target: service/front, rate: 10/s}}\n"
    );
    let l = ok(&text);
    assert_eq!(l.scenario.traffic.len(), 1);
}
