//! Services and Ingresses (v1 and beta) with the API server's defaults and validation,
//! ingress-nginx canary annotations, kube-proxy settings, `kubectl expose`.

use super::*;
use crate::engine::SimDuration;
use crate::model::spec::{
    BackendPort, CanaryAnnotations, IngressBackend, IngressSpec, Kind, KubectlCommand, ObjectSpec, PathType,
    ServicePort, ServiceSpec, ServiceType, TargetPort,
};
use crate::traffic::ProxyMode;

fn service(l: &Loaded, name: &str) -> ServiceSpec {
    l.scenario
        .objects
        .iter()
        .find_map(|o| match &o.spec {
            ObjectSpec::Service { spec, .. } if o.id.name == name => Some(spec.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no service {name}"))
}

fn ingress(l: &Loaded, name: &str) -> IngressSpec {
    l.scenario
        .objects
        .iter()
        .find_map(|o| match &o.spec {
            ObjectSpec::Ingress { spec, .. } if o.id.name == name => Some(spec.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no ingress {name}"))
}

#[test]
fn services_convert_with_the_api_servers_defaults() {
    let l = ok(&with(&format!(
        "{SVC}\n{{apiVersion: v1, kind: Service, metadata: {{name: api}}, spec: {{type: NodePort, ports: [{{name: http, port: 80, targetPort: http}}, {{name: admin, port: 9000, targetPort: 9001}}]}}}}\n{{apiVersion: v1, kind: Service, metadata: {{name: ext}}, spec: {{type: ExternalName, externalName: example.com}}}}"
    )));
    let web = service(&l, "web");
    assert_eq!(web.service_type, ServiceType::ClusterIP);
    assert_eq!(web.selector.as_ref().and_then(|s| s.get("app")).map(String::as_str), Some("web"));
    assert_eq!(web.ports, [ServicePort { name: None, port: 80, target_port: TargetPort::Number(80) }]);
    let api = service(&l, "api");
    assert_eq!(api.service_type, ServiceType::NodePort);
    assert_eq!(api.selector, None);
    assert_eq!(api.ports[0].target_port, TargetPort::Name("http".into()));
    assert_eq!(api.ports[1].target_port, TargetPort::Number(9001));
    assert_eq!(service(&l, "ext").service_type, ServiceType::ExternalName);
    assert_eq!(service(&l, "ext").external_name.as_deref(), Some("example.com"));
    assert_eq!(web.external_name, None);
    assert!(l.warnings.is_empty(), "{:?}", l.warnings);
}

#[test]
fn service_validation_in_the_api_servers_words() {
    let svc = |spec: &str| with(&format!("{{apiVersion: v1, kind: Service, metadata: {{name: web}}, spec: {spec}}}"));
    let cases: &[(&str, &str)] = &[
        ("{selector: {app: web}}", "service/web: spec.ports: Required value"),
        ("{ports: [{port: 0}]}", "spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive"),
        ("{ports: [{port: 80}, {port: 81}]}", "spec.ports[0].name: Required value"),
        ("{ports: [{name: a, port: 80}, {name: a, port: 81}]}", "spec.ports[1].name: Duplicate value: \"a\""),
        (
            "{ports: [{port: 80, targetPort: 70000}]}",
            "spec.ports[0].targetPort: Invalid value: 70000: must be between 1 and 65535, inclusive",
        ),
        (
            "{ports: [{port: 80, targetPort: Http_1}]}",
            "spec.ports[0].targetPort: Invalid value: \"Http_1\": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)",
        ),
        ("{type: Headless, ports: [{port: 80}]}", "spec.type: Unsupported value: \"Headless\""),
        ("{type: ExternalName}", "spec.externalName: Required value"),
        ("{type: ExternalName, externalName: .}", "spec.externalName: Required value"),
        (
            "{type: ExternalName, externalName: Example_Com}",
            "spec.externalName: Invalid value: \"Example_Com\": a lowercase RFC 1123 subdomain",
        ),
    ];
    for (spec, want) in cases {
        let e = errors(&svc(spec));
        assert!(e.iter().any(|m| m.contains(want)), "{spec}: {e:?}");
    }
    let e = errors(&with("{apiVersion: v1, kind: Service, metadata: {name: 1web}, spec: {ports: [{port: 80}]}}"));
    assert!(e[0].contains("a DNS-1035 label must consist of"), "{e:?}");
}

#[test]
fn ingress_v1_converts() {
    let l = ok(&format!("{}  - {ING_V1}", with(SVC)));
    let i = ingress(&l, "shop");
    assert_eq!(i.class.as_deref(), Some("nginx"));
    assert_eq!(i.default_backend, Some(IngressBackend { service: "web".into(), port: Some(BackendPort::Number(80)) }));
    assert_eq!(i.rules[0].host.as_deref(), Some("shop.example.com"));
    let p = &i.rules[0].paths;
    assert_eq!((p[0].path.as_str(), p[0].path_type), ("/api", PathType::Prefix));
    assert_eq!(p[0].backend.port, Some(BackendPort::Name("http".into())));
    assert_eq!(p[1].path_type, PathType::Exact);
    assert_eq!(i.canary, None);
    assert!(l.warnings.is_empty(), "{:?}", l.warnings);
}

#[test]
fn ingress_v1_requires_path_type_and_absolute_paths() {
    let text = format!("{}  - {}", with(SVC), ING_V1.replace("{path: /api, pathType: Prefix, ", "{path: /api, "));
    let d = first_error(&text);
    assert_eq!(
        d.message,
        "ingress/shop: spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified"
    );
    assert_eq!((d.line, d.column), (Some(22), Some(17)), "{d}");
    let text = format!("{}  - {}", with(SVC), ING_V1.replace("path: /exact", "path: exact"));
    assert!(first_error(&text)
        .message
        .contains("spec.rules[0].http.paths[1].path: Invalid value: \"exact\": must be an absolute path"));
    let text = format!("{}  - {}", with(SVC), ING_V1.replace("pathType: Exact", "pathType: Exakt"));
    let d = first_error(&text);
    assert!(d.message.contains("pathType: Unsupported value: \"Exakt\""), "{d}");
    assert_eq!(d.help.as_deref(), Some("did you mean `Exact`?"));
}

const ING_BETA: &str = "apiVersion: extensions/v1beta1
    kind: Ingress
    metadata:
      name: old
      annotations: {kubernetes.io/ingress.class: nginx}
    spec:
      backend: {serviceName: web, servicePort: 80}
      rules:
        - http:
            paths:
              - backend: {serviceName: web, servicePort: http}
              - {path: /v2, pathType: Prefix, backend: {serviceName: web, servicePort: 8080}}
";

#[test]
fn ingress_beta_forms_convert() {
    for api in ["extensions/v1beta1", "networking.k8s.io/v1beta1"] {
        let text = format!("{}  - {}", with(SVC), ING_BETA.replace("extensions/v1beta1", api));
        let l = ok(&text);
        let i = ingress(&l, "old");
        assert_eq!(i.class.as_deref(), Some("nginx"), "{api}");
        assert_eq!(
            i.default_backend,
            Some(IngressBackend { service: "web".into(), port: Some(BackendPort::Number(80)) })
        );
        let p = &i.rules[0].paths;
        assert_eq!((p[0].path.as_str(), p[0].path_type), ("/", PathType::ImplementationSpecific));
        assert_eq!(p[0].backend.port, Some(BackendPort::Name("http".into())));
        assert_eq!((p[1].path.as_str(), p[1].path_type), ("/v2", PathType::Prefix));
        assert_eq!(i.rules[0].host, None);
    }
    let text = format!(
        "{}  - {}",
        with(SVC),
        ING_BETA
            .replace("backend: {serviceName: web, servicePort: http}", "backend: {serviceNam: web, servicePort: http}")
    );
    let d = first_error(&text);
    assert_eq!(d.message, "ingress/old: unknown field \"spec.rules[0].http.paths[0].backend.serviceNam\"");
    assert_eq!(d.help.as_deref(), Some("did you mean `serviceName`?"));
}

#[test]
fn canary_annotations() {
    let canary = |ann: &str| {
        format!(
            "{}  - {{apiVersion: networking.k8s.io/v1, kind: Ingress, metadata: {{name: c, annotations: {{{ann}}}}}, spec: {{rules: [{{http: {{paths: [{{path: /, pathType: Prefix, backend: {{service: {{name: web, port: {{number: 80}}}}}}}}]}}}}]}}}}\n",
            with(SVC)
        )
    };
    let l =
        ok(&canary("nginx.ingress.kubernetes.io/canary: \"true\", nginx.ingress.kubernetes.io/canary-weight: \"10\""));
    assert_eq!(ingress(&l, "c").canary, Some(crate::traffic::ingress::canary::weighted(10)));
    let l = ok(&canary("nginx.ingress.kubernetes.io/canary: \"true\", nginx.ingress.kubernetes.io/canary-weight-total: \"1000\", nginx.ingress.kubernetes.io/canary-by-header: X-Canary"));
    assert_eq!(
        ingress(&l, "c").canary,
        Some(CanaryAnnotations {
            weight_total: 1000,
            by_header: Some("X-Canary".into()),
            ..crate::traffic::ingress::canary::weighted(0)
        })
    );
    let l = ok(&canary("nginx.ingress.kubernetes.io/canary-weight: \"10\""));
    assert_eq!(ingress(&l, "c").canary, None, "not a canary without canary: true");
    let d = first_error(&canary(
        "nginx.ingress.kubernetes.io/canary: \"true\", nginx.ingress.kubernetes.io/canary-weight: abc",
    ));
    assert_eq!(d.message, "ingress/c: metadata.annotations.nginx.ingress.kubernetes.io/canary-weight: Invalid value: \"abc\": must be a non-negative integer");
    let d = first_error(&canary(
        "nginx.ingress.kubernetes.io/canary: \"true\", nginx.ingress.kubernetes.io/canary-weight: \"150\"",
    ));
    assert!(d.message.ends_with("Invalid value: \"150\": must not be greater than canary-weight-total (100)"), "{d}");
    let d = first_error(&canary(
        "nginx.ingress.kubernetes.io/canary: \"true\", nginx.ingress.kubernetes.io/canary-by-header: X-V, nginx.ingress.kubernetes.io/canary-by-header-pattern: \"v(2\"",
    ));
    assert!(
        d.message.starts_with("ingress/c: metadata.annotations.nginx.ingress.kubernetes.io/canary-by-header-pattern: Invalid value: \"v(2\": must be a valid regular expression: "),
        "{d}"
    );
}

#[test]
fn ingress_backends_to_missing_services_warn() {
    let l = ok(&format!(
        "{}  - {}",
        with(SVC),
        ING_V1.replace("name: web, port: {name: http}", "name: wbe, port: {name: http}")
    ));
    let w: Vec<&Diagnostic> = l.warnings.iter().filter(|w| w.message.contains("no Service named")).collect();
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(
        w[0].message,
        "ingress/shop: spec.rules[0].http.paths[0].backend.service.name: no Service named wbe in the scenario; requests routed to it will fail"
    );
    assert_eq!(w[0].help.as_deref(), Some("did you mean `web`?"));
    assert_eq!(w[0].line, Some(22));
}

#[test]
fn kube_proxy_mode_and_endpoint_propagation() {
    let l = ok(&format!("{DEP}cluster: {{kubeProxy: {{mode: ipvs}}, controlPlane: {{endpointPropagation: 250ms}}}}\n"));
    assert_eq!(l.scenario.control_plane.proxy_mode, ProxyMode::Ipvs);
    assert_eq!(l.scenario.control_plane.endpoint_propagation, SimDuration::from_millis(250));
    let l = ok(DEP);
    assert_eq!(l.scenario.control_plane.proxy_mode, ProxyMode::Iptables);
    assert_eq!(l.scenario.control_plane.endpoint_propagation, SimDuration::from_secs(1));
    let d = first_error(&format!("{DEP}cluster: {{kubeProxy: {{mode: ipvz}}}}\n"));
    assert_eq!(
        d.message,
        "cluster.kubeProxy.mode: Unsupported value: \"ipvz\": supported values: \"iptables\", \"ipvs\""
    );
    assert_eq!(d.help.as_deref(), Some("did you mean `ipvs`?"));
}

#[test]
fn expose_on_the_timeline() {
    let dep = DEP.replace(
        "[{name: web, image: nginx}]",
        "[{name: web, image: nginx, ports: [{containerPort: 8080}, {containerPort: 9090}]}]",
    );
    let text = format!(
        "{dep}timeline:
  - {{at: 1m, run: kubectl expose deployment web --port=80 --target-port=http --type=LoadBalancer}}
  - {{at: 2m, run: kubectl expose deploy/web --name=web-direct}}
  - {{at: 3m, run: 'kubectl expose svc web --name=web-copy --selector=app=web,tier=front'}}
  - {{at: 4m, run: kubectl delete service web-copy}}
"
    );
    let l = ok(&text);
    let ex: Vec<&crate::model::spec::ExposeSpec> = l
        .scenario
        .timeline
        .iter()
        .filter_map(|e| match e.kubectl() {
            Some(KubectlCommand::Expose(x)) => Some(x),
            _ => None,
        })
        .collect();
    assert_eq!(ex.len(), 3);
    assert_eq!(ex[0].target.kind, Kind::Deployment);
    assert_eq!(ex[0].service, "web");
    assert_eq!(ex[0].service_type, ServiceType::LoadBalancer);
    assert_eq!(ex[0].ports, [ServicePort { name: None, port: 80, target_port: TargetPort::Name("http".into()) }]);
    assert_eq!(ex[0].selector, None);
    assert_eq!(
        ex[1].ports,
        [
            ServicePort { name: Some("port-1".into()), port: 8080, target_port: TargetPort::Number(8080) },
            ServicePort { name: Some("port-2".into()), port: 9090, target_port: TargetPort::Number(9090) },
        ],
        "ports from the template's containers"
    );
    assert_eq!(ex[2].target.kind, Kind::Service);
    assert_eq!(ex[2].ports[0].target_port, TargetPort::Name("http".into()), "copied from the service");
    assert_eq!(ex[2].selector.as_ref().map(|s| s.len()), Some(2));
}

#[test]
fn expose_errors() {
    let tl = |line: &str| format!("{DEP}timeline:\n  - {{at: 1m, run: '{line}'}}\n");
    let d = first_error(&tl("kubectl expose deployment web"));
    assert_eq!(
        d.message,
        "timeline[0].run: `kubectl expose deployment web`: error: couldn't find port via --port flag or introspection"
    );
    let cases: &[(&str, &str)] = &[
        (
            "kubectl expose deployment nope --port=80",
            "Error from server (NotFound): deployments.apps \"nope\" not found",
        ),
        ("kubectl expose deployment web --port=abc", "strconv.Atoi: parsing \"abc\": invalid syntax"),
        (
            "kubectl expose deployment web --port=70000",
            "spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive",
        ),
        ("kubectl expose deployment web --port=80 --type=Cluster", "spec.type: Unsupported value: \"Cluster\""),
        ("kubectl expose deployment web --port=80 --portt=1", "unknown flag: --portt"),
        ("kubectl expose", "You must provide one or more resources by argument or filename."),
        ("kubectl expose daemonset x --port=80", "cannot expose a DaemonSet.apps"),
        (
            "kubectl expose deployment web --port=80 --target-port=Web",
            "spec.ports[0].targetPort: Invalid value: \"Web\"",
        ),
    ];
    for (line, want) in cases {
        let e = errors(&tl(line));
        assert!(e.iter().any(|m| m.contains(want)), "{line}: {e:?}");
    }
    let text = format!(
        "{DEP}timeline:\n  - {{at: 1m, run: kubectl expose deployment web --port=80}}\n  - {{at: 2m, run: kubectl expose deployment web --port=81}}\n"
    );
    assert!(errors(&text)[0].contains("Error from server (AlreadyExists): services \"web\" already exists"));
}

#[test]
fn externals_convert_with_their_defaults_and_refuse_what_is_wrong() {
    use crate::engine::SimTime;
    use crate::model::spec::ExternalHost;
    use crate::traffic::ServiceTime;
    let l = ok(&format!(
        "{}externals:\n  api.stripe.com.: {{serviceTime: {{lognormal: {{p50: 80ms, p99: 400ms}}}}, latency: 20ms, errorRate: 0.01, down: [{{from: 10m, to: 15m}}]}}\n  geo.example.com: {{availability: 0.999, concurrency: 20, queue: 0}}\n  quiet.example.com:\n",
        with(SVC)
    ));
    let x = &l.scenario.externals;
    assert_eq!(x.keys().collect::<Vec<_>>(), ["api.stripe.com", "geo.example.com", "quiet.example.com"]);
    let stripe = &x["api.stripe.com"];
    assert_eq!(
        stripe.service_time,
        ServiceTime::lognormal(SimDuration::from_millis(80), SimDuration::from_millis(400)).unwrap()
    );
    assert_eq!((stripe.latency, stripe.error_rate, stripe.availability), (SimDuration::from_millis(20), 0.01, 1.0));
    let at = |m: u64| SimTime::ZERO + SimDuration::from_secs(60 * m);
    assert_eq!(stripe.down, [(at(10), at(15))]);
    assert_eq!((x["geo.example.com"].concurrency, x["geo.example.com"].queue), (Some(20), Some(0)));
    assert_eq!(x["quiet.example.com"], ExternalHost::default(), "an empty entry is the default host");
    let cases: &[(&str, &str)] = &[
        ("[api.stripe.com]", "externals: expected a mapping from an external host's DNS name"),
        ("{a.b: {serviceTime: {gaussian: 1s}}}", "unknown field `gaussian` in a service time"),
        ("{a.b: {errorRate: -0.1}}", "-0.1 is not a probability"),
        ("{a.b: {concurrency: 0}}", "expected a concurrency of at least 1"),
        ("{a.b: {down: {from: 1m, to: 2m}}}", "expected outage windows like `[{from: 10m, to: 15m}]` (a list)"),
        ("{a.b: {down: [{from: 1m}]}}", "to: Required value"),
        ("{a.b: {down: [{from: 1m, to: 2m, every: 1h}]}}", "unknown field `every` in an outage window"),
    ];
    for (externals, want) in cases {
        let e = errors(&format!("{}externals: {externals}\n", with(SVC)));
        assert!(e.iter().any(|m| m.contains(want)), "{externals}: {e:?}");
    }
}

#[test]
fn an_externals_host_no_service_names_is_a_warning_with_the_closest_name() {
    let ext = "{apiVersion: v1, kind: Service, metadata: {name: pay}, spec: {type: ExternalName, externalName: api.stripe.com}}";
    let l = ok(&format!("{}externals:\n  api.stripe.com: {{}}\n  api.strpe.com: {{latency: 5ms}}\n", with(ext)));
    let warnings: Vec<String> = l.warnings.iter().map(|d| d.to_string()).collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("no ExternalName Service names the host \"api.strpe.com\"")
            && warnings[0].contains("did you mean `api.stripe.com`?"),
        "{warnings:?}"
    );
}
