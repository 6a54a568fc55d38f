//! Services, Ingress and traffic: availability and latency as users feel them.

use super::support::repo_path;
use kubesim::engine::SimDuration;
use kubesim::model::spec::*;
use kubesim::traffic::{ArrivalProcess, Rate, RateProfile};

fn with_traffic(rel: &str, rate: u64, service: &str, selector: &[(&str, &str)]) -> kubesim::Scenario {
    let mut s = match kubesim::load_file(&repo_path(rel), &[]) {
        Ok(l) => l.scenario,
        Err(d) => panic!("{d:?}"),
    };
    let selector: Labels = selector.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    s.objects.push(Object {
        id: ObjectRef { kind: Kind::Service, namespace: "default".into(), name: service.into() },
        spec: ObjectSpec::Service {
            labels: Labels::new(),
            spec: ServiceSpec {
                service_type: ServiceType::ClusterIP,
                selector: Some(selector),
                ports: vec![ServicePort { name: None, port: 80, target_port: TargetPort::Number(80) }],
            },
        },
    });
    s.traffic.push(TrafficSpec {
        target: TrafficTarget::Service { namespace: "default".into(), name: service.into() },
        path: "/".into(),
        host: None,
        rate: RateProfile::constant(Rate::per(rate, SimDuration::from_secs(1))),
        arrival: ArrivalProcess::Poisson,
        timeout: SimDuration::from_secs(1),
        canary_header_share: 0.0,
    });
    s
}

#[test]
fn smoke() {
    let s = with_traffic("scenarios/nginx-rolling-update.yaml", 100, "nginx", &[("app", "nginx")]);
    let o = kubesim::simulate(&s, None);
    let t = &o.metrics.traffic;
    eprintln!("{} {} {:?} {:?} {:?}", t.total.requests, t.total.errors, t.failures, t.total.p50_ms(), t.total.p99_ms());
    eprintln!("unavail {:?}", t.unavailable());
    let s = with_traffic("scenarios/recreate.yaml", 100, "api", &[("app", "api")]);
    let o = kubesim::simulate(&s, None);
    let t = &o.metrics.traffic;
    eprintln!("{} {} {:?} {:?} {:?}", t.total.requests, t.total.errors, t.failures, t.total.p50_ms(), t.total.p99_ms());
    eprintln!("unavail {:?}", t.unavailable());
}
