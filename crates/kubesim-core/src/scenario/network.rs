//! Services and Ingresses: the API server's validation, in its words, and conversion to the
//! compact specs. Ingress comes as networking.k8s.io/v1 (k8s-openapi) or in the beta form of
//! networking.k8s.io/v1beta1 and extensions/v1beta1 (`serviceName` / `servicePort`,
//! `spec.backend`, optional `pathType`), read with the structs of [`beta`].

use super::checker::Checker;
use super::fields::Ty;
use super::manifest::{strict, Typed};
use super::positions::{Anchor, Seg, YPath};
use super::validate::{self, PORT_RANGE_MSG};
use crate::model::spec::{
    BackendPort, CanaryAnnotations, IngressBackend, IngressPath, IngressRule, IngressSpec, Labels, ObjectSpec,
    PathType, ServicePort, ServiceSpec, ServiceType, TargetPort,
};
use crate::traffic::ingress::canary::{self, ANNOTATION_PREFIX};
use k8s_openapi::api::core::v1 as core;
use k8s_openapi::api::networking::v1 as net;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde_yaml::Value;
use std::collections::BTreeSet;

/// The beta Ingress (networking.k8s.io/v1beta1, extensions/v1beta1), which k8s-openapi no
/// longer has. Unknown fields are found by `serde_ignored` as for the typed kinds.
pub(crate) mod beta {
    use k8s_openapi::api::core::v1::TypedLocalObjectReference;
    use k8s_openapi::api::networking::v1::IngressTLS;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
    use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
    use serde::Deserialize;

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub(crate) struct Ingress {
        #[allow(dead_code)]
        pub api_version: Option<String>,
        #[allow(dead_code)]
        pub kind: Option<String>,
        #[serde(default)]
        pub metadata: ObjectMeta,
        pub spec: Option<IngressSpec>,
        #[allow(dead_code)]
        pub status: Option<serde_yaml::Value>,
    }

    #[derive(Deserialize, Default)]
    #[serde(rename_all = "camelCase")]
    pub(crate) struct IngressSpec {
        pub backend: Option<IngressBackend>,
        pub ingress_class_name: Option<String>,
        pub rules: Option<Vec<IngressRule>>,
        #[allow(dead_code)]
        pub tls: Option<Vec<IngressTLS>>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub(crate) struct IngressRule {
        pub host: Option<String>,
        pub http: Option<HttpIngressRuleValue>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub(crate) struct HttpIngressRuleValue {
        pub paths: Vec<HttpIngressPath>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub(crate) struct HttpIngressPath {
        pub backend: IngressBackend,
        pub path: Option<String>,
        pub path_type: Option<String>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub(crate) struct IngressBackend {
        pub service_name: Option<String>,
        pub service_port: Option<IntOrString>,
        pub resource: Option<TypedLocalObjectReference>,
    }
}

const SERVICE_TYPES: &[&str] = &["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];
const PROTOCOLS: &[&str] = &["SCTP", "TCP", "UDP"];
const PATH_TYPES: &[&str] = &["Exact", "ImplementationSpecific", "Prefix"];
const CLASS_ANNOTATION: &str = "kubernetes.io/ingress.class";

/// v1 Service (ValidateService, for the fields kubesim reads).
pub(crate) fn service(s: core::Service, c: &mut Checker) -> Option<Typed> {
    validate::check_meta(c, &s.metadata, false);
    if let Some(n) = s.metadata.name.as_deref() {
        // A Service's name is a DNS-1035 label; check_meta reported a bad subdomain already.
        if validate::is_dns_subdomain(n) && !validate::is_dns1035_label(n) {
            c.invalid("metadata.name", format!("\"{n}\""), validate::DNS1035_MSG);
        }
    }
    let default = core::ServiceSpec::default();
    let sp = s.spec.as_ref().unwrap_or(&default);
    let service_type = match sp.type_.as_deref() {
        None | Some("ClusterIP") => ServiceType::ClusterIP,
        Some("NodePort") => ServiceType::NodePort,
        Some("LoadBalancer") => ServiceType::LoadBalancer,
        Some("ExternalName") => ServiceType::ExternalName,
        Some(other) => {
            c.unsupported("spec.type", other, SERVICE_TYPES);
            ServiceType::ClusterIP
        }
    };
    // ValidateService (pkg/apis/core/validation/validation.go): the name with its trailing dot
    // trimmed is required and a DNS-1123 subdomain.
    let external_name = match sp.external_name.as_deref().map(|h| h.strip_suffix('.').unwrap_or(h)) {
        _ if service_type != ServiceType::ExternalName => None,
        None | Some("") => {
            c.required("spec.externalName");
            None
        }
        Some(host) => {
            if !validate::is_dns_subdomain(host) {
                c.invalid("spec.externalName", format!("\"{host}\""), validate::SUBDOMAIN_MSG);
            }
            Some(host.to_string())
        }
    };
    let given = sp.ports.as_deref().unwrap_or(&[]);
    if given.is_empty() && service_type != ServiceType::ExternalName {
        c.required("spec.ports");
    }
    let mut names = BTreeSet::new();
    let mut ports = Vec::new();
    for (i, p) in given.iter().enumerate() {
        let path = format!("spec.ports[{i}]");
        let name = p.name.clone().filter(|n| !n.is_empty());
        match name.as_deref() {
            None if given.len() > 1 => c.required(&format!("{path}.name")),
            None => {}
            Some(n) if !validate::is_dns_label(n) => validate::check_name(c, &format!("{path}.name"), n, true),
            Some(n) if !names.insert(n.to_string()) => {
                c.field(&format!("{path}.name"), format!("Duplicate value: \"{n}\""))
            }
            Some(_) => {}
        }
        if !(1..=65535).contains(&p.port) {
            c.invalid(&format!("{path}.port"), p.port, PORT_RANGE_MSG);
        }
        if let Some(proto) = p.protocol.as_deref().filter(|x| !PROTOCOLS.contains(x)) {
            c.unsupported(&format!("{path}.protocol"), proto, PROTOCOLS);
        }
        let target_port = match &p.target_port {
            None | Some(IntOrString::Int(0)) => TargetPort::Number(p.port),
            Some(IntOrString::String(s)) if s.is_empty() => TargetPort::Number(p.port),
            Some(IntOrString::Int(n)) => {
                if !(1..=65535).contains(n) {
                    c.invalid(&format!("{path}.targetPort"), n, PORT_RANGE_MSG);
                }
                TargetPort::Number(*n)
            }
            Some(IntOrString::String(s)) => {
                for msg in validate::port_name_errors(s) {
                    c.invalid(&format!("{path}.targetPort"), format!("\"{s}\""), &msg);
                }
                TargetPort::Name(s.clone())
            }
        };
        ports.push(ServicePort { name, port: p.port, target_port });
    }
    validate::check_labels(c, "spec.selector", sp.selector.as_ref());
    let selector = sp.selector.clone().filter(|m| !m.is_empty());
    let session_affinity = session_affinity(c, sp, service_type);
    let labels = s.metadata.labels.clone().unwrap_or_default();
    let spec = ServiceSpec { service_type, selector, ports, session_affinity, external_name };
    Some((ObjectSpec::Service { labels, spec }, s.metadata, 0))
}

/// `sessionAffinity` and its ClientIP timeout, checked as ValidateService checks them
/// (pkg/apis/core/validation: `validateClientIPAffinityConfig`; the default timeout is
/// `DefaultClientIPServiceAffinitySeconds`, 10800).
fn session_affinity(
    c: &mut Checker,
    sp: &core::ServiceSpec,
    service_type: ServiceType,
) -> Option<crate::engine::SimDuration> {
    const MAX_SECONDS: i32 = 86400;
    let config = sp.session_affinity_config.as_ref();
    match sp.session_affinity.as_deref() {
        None | Some("None") => {
            if config.is_some() {
                c.field("spec.sessionAffinityConfig", "Invalid value: must not be set when session affinity is None");
            }
            None
        }
        Some("ClientIP") if service_type == ServiceType::ExternalName => {
            c.field("spec.sessionAffinity", "Unsupported value: \"ClientIP\": supported values: \"None\"");
            None
        }
        Some("ClientIP") => {
            let seconds = config.and_then(|c| c.client_ip.as_ref()).and_then(|ip| ip.timeout_seconds).unwrap_or(10800);
            if !(1..=MAX_SECONDS).contains(&seconds) {
                c.invalid(
                    "spec.sessionAffinityConfig.clientIP.timeoutSeconds",
                    seconds,
                    &format!("must be greater than 0 and less than {MAX_SECONDS}"),
                );
                return None;
            }
            Some(crate::engine::SimDuration::from_secs(u64::try_from(seconds).unwrap_or(10800)))
        }
        Some(other) => {
            c.unsupported("spec.sessionAffinity", other, &["ClientIP", "None"]);
            None
        }
    }
}

/// An Ingress of any accepted apiVersion.
pub(crate) fn ingress(c: &mut Checker, v: &Value) -> Option<Typed> {
    match v.get("apiVersion").and_then(Value::as_str) {
        Some("networking.k8s.io/v1") => ingress_v1(c, v),
        _ => ingress_beta(c, v),
    }
}

fn ingress_v1(c: &mut Checker, v: &Value) -> Option<Typed> {
    // k8s-openapi makes pathType a required string: report it missing as the API server
    // does, then read on with a stand-in so that every other problem is reported too.
    let mut patched = v.clone();
    missing_path_types(c, &mut patched);
    let ing: net::Ingress = strict(c, &patched, Ty::Ingress)?;
    validate::check_meta(c, &ing.metadata, false);
    let default = net::IngressSpec::default();
    let s = ing.spec.as_ref().unwrap_or(&default);
    let default_backend = s.default_backend.as_ref().and_then(|b| backend_v1(c, "spec.defaultBackend", b));
    let mut rules = Vec::new();
    for (i, rule) in s.rules.iter().flatten().enumerate() {
        let rp = format!("spec.rules[{i}]");
        let host = host(c, &rp, rule.host.as_deref());
        let mut paths = Vec::new();
        for (j, p) in rule.http.iter().flat_map(|h| &h.paths).enumerate() {
            let pp = format!("{rp}.http.paths[{j}]");
            let checked = check_path(c, &pp, p.path.as_deref(), Some(&p.path_type));
            let backend = backend_v1(c, &format!("{pp}.backend"), &p.backend);
            if let (Some((path, path_type)), Some(backend)) = (checked, backend) {
                paths.push(IngressPath { path, path_type, backend });
            }
        }
        rules.push(IngressRule { host, paths });
    }
    if s.default_backend.is_none() && s.rules.as_ref().is_none_or(Vec::is_empty) {
        c.invalid("spec", "\"\"", "either `defaultBackend` or `rules` must be specified");
    }
    finish(c, ing.metadata, s.ingress_class_name.clone(), default_backend, rules)
}

fn ingress_beta(c: &mut Checker, v: &Value) -> Option<Typed> {
    let ing: beta::Ingress = strict(c, v, Ty::BetaIngress)?;
    validate::check_meta(c, &ing.metadata, false);
    let default = beta::IngressSpec::default();
    let s = ing.spec.as_ref().unwrap_or(&default);
    let default_backend = s.backend.as_ref().and_then(|b| backend_beta(c, "spec.backend", b));
    let mut rules = Vec::new();
    for (i, rule) in s.rules.iter().flatten().enumerate() {
        let rp = format!("spec.rules[{i}]");
        let host = host(c, &rp, rule.host.as_deref());
        let mut paths = Vec::new();
        for (j, p) in rule.http.iter().flat_map(|h| &h.paths).enumerate() {
            let pp = format!("{rp}.http.paths[{j}]");
            // pathType is optional in the beta API: ImplementationSpecific.
            let given = p.path_type.as_deref().unwrap_or("ImplementationSpecific");
            let checked = check_path(c, &pp, p.path.as_deref(), Some(given));
            let backend = backend_beta(c, &format!("{pp}.backend"), &p.backend);
            if let (Some((path, path_type)), Some(backend)) = (checked, backend) {
                paths.push(IngressPath { path, path_type, backend });
            }
        }
        rules.push(IngressRule { host, paths });
    }
    if s.backend.is_none() && s.rules.as_ref().is_none_or(Vec::is_empty) {
        c.invalid("spec", "\"\"", "either `backend` or `rules` must be specified");
    }
    finish(c, ing.metadata, s.ingress_class_name.clone(), default_backend, rules)
}

fn finish(
    c: &mut Checker,
    meta: ObjectMeta,
    class_name: Option<String>,
    default_backend: Option<IngressBackend>,
    rules: Vec<IngressRule>,
) -> Option<Typed> {
    let annotations = meta.annotations.clone().unwrap_or_default();
    let class = class_name
        .filter(|n| !n.is_empty())
        .or_else(|| annotations.get(CLASS_ANNOTATION).cloned().filter(|n| !n.is_empty()));
    let canary = canary_annotations(c, &annotations);
    let labels = meta.labels.clone().unwrap_or_default();
    let spec = IngressSpec { class, default_backend, rules, canary };
    Some((ObjectSpec::Ingress { labels, spec }, meta, 0))
}

/// Reports each v1 path without `pathType` and gives it one, so parsing goes on.
fn missing_path_types(c: &mut Checker, v: &mut Value) {
    let Some(rules) = v.get_mut("spec").and_then(|s| s.get_mut("rules")).and_then(Value::as_sequence_mut) else {
        return;
    };
    for (i, rule) in rules.iter_mut().enumerate() {
        let Some(paths) = rule.get_mut("http").and_then(|h| h.get_mut("paths")).and_then(Value::as_sequence_mut) else {
            continue;
        };
        for (j, p) in paths.iter_mut().enumerate() {
            if let Some(m) = p.as_mapping_mut() {
                if !m.contains_key("pathType") {
                    c.field(
                        &format!("spec.rules[{i}].http.paths[{j}].pathType"),
                        "Required value: pathType must be specified",
                    );
                    m.insert("pathType".into(), "ImplementationSpecific".into());
                }
            }
        }
    }
}

/// `host`: a DNS subdomain, or a wildcard `*.example.com`.
fn host(c: &mut Checker, rule_path: &str, host: Option<&str>) -> Option<String> {
    let h = host.filter(|h| !h.is_empty())?;
    let bare = h.strip_prefix("*.").unwrap_or(h);
    for msg in validate::dns_subdomain_errors(bare) {
        c.invalid(&format!("{rule_path}.host"), format!("\"{h}\""), &msg);
    }
    Some(h.to_string())
}

/// validateHTTPIngressPath: the path and its type; `/` when an ImplementationSpecific path
/// is empty.
fn check_path(c: &mut Checker, at: &str, path: Option<&str>, path_type: Option<&str>) -> Option<(String, PathType)> {
    let path = path.unwrap_or("");
    let field = format!("{at}.path");
    let path_type = match path_type? {
        "Exact" => PathType::Exact,
        "Prefix" => PathType::Prefix,
        "ImplementationSpecific" => PathType::ImplementationSpecific,
        other => {
            let msg = format!(
                "Unsupported value: \"{other}\": supported values: {}",
                PATH_TYPES.iter().map(|t| format!("\"{t}\"")).collect::<Vec<_>>().join(", ")
            );
            c.field_help(
                &format!("{at}.pathType"),
                msg,
                super::suggest::did_you_mean(other, PATH_TYPES.iter().copied()),
            );
            return None;
        }
    };
    let before = c.errors;
    if path_type == PathType::ImplementationSpecific {
        if !path.is_empty() && !path.starts_with('/') {
            c.invalid(&field, format!("\"{path}\""), "must be an absolute path");
        }
    } else if !path.starts_with('/') {
        c.invalid(&field, format!("\"{path}\""), "must be an absolute path");
    } else {
        for seq in ["//", "/./", "/../", "%2f", "%2F"] {
            if path.contains(seq) {
                c.invalid(&field, format!("\"{path}\""), &format!("must not contain '{seq}'"));
            }
        }
        for suffix in ["/..", "/."] {
            if path.ends_with(suffix) {
                c.invalid(&field, format!("\"{path}\""), &format!("cannot end with '{suffix}'"));
            }
        }
    }
    let path = if path.is_empty() { "/".to_string() } else { path.to_string() };
    (c.errors == before).then_some((path, path_type))
}

fn service_name(c: &mut Checker, field: &str, name: &str) -> bool {
    if name.is_empty() {
        c.required(field);
        return false;
    }
    if !validate::is_dns1035_label(name) {
        c.invalid(field, format!("\"{name}\""), validate::DNS1035_MSG);
        return false;
    }
    true
}

fn backend_v1(c: &mut Checker, at: &str, b: &net::IngressBackend) -> Option<IngressBackend> {
    match (&b.service, &b.resource) {
        (Some(_), Some(_)) => {
            c.invalid(at, "\"\"", "cannot set both resource and service backends");
            None
        }
        (None, Some(_)) => {
            resource_backend(c, at);
            None
        }
        (None, None) => {
            c.invalid(at, "\"\"", "resource or service backend is required");
            None
        }
        (Some(s), None) => {
            let ok = service_name(c, &format!("{at}.service.name"), &s.name);
            let name = s.port.as_ref().and_then(|p| p.name.clone()).filter(|n| !n.is_empty());
            let number = s.port.as_ref().and_then(|p| p.number).filter(|n| *n != 0);
            let port = match (name, number) {
                (Some(_), Some(_)) => {
                    c.invalid(at, "\"\"", "cannot set both port name & port number");
                    return None;
                }
                (Some(n), None) => {
                    let errs = validate::port_name_errors(&n);
                    for msg in &errs {
                        c.invalid(&format!("{at}.service.port.name"), format!("\"{n}\""), msg);
                    }
                    errs.is_empty().then_some(BackendPort::Name(n))?
                }
                (None, Some(n)) => {
                    if !(1..=65535).contains(&n) {
                        c.invalid(&format!("{at}.service.port.number"), n, PORT_RANGE_MSG);
                        return None;
                    }
                    BackendPort::Number(n)
                }
                (None, None) => {
                    c.field(&format!("{at}.service.port"), "Required value: port name or number is required");
                    return None;
                }
            };
            ok.then(|| IngressBackend { service: s.name.clone(), port: Some(port) })
        }
    }
}

fn backend_beta(c: &mut Checker, at: &str, b: &beta::IngressBackend) -> Option<IngressBackend> {
    if b.resource.is_some() {
        if b.service_name.is_some() {
            c.invalid(at, "\"\"", "cannot set both resource and service backends");
        } else {
            resource_backend(c, at);
        }
        return None;
    }
    let name = b.service_name.clone().unwrap_or_default();
    let ok = service_name(c, &format!("{at}.serviceName"), &name);
    let port = match &b.service_port {
        None => {
            c.required(&format!("{at}.servicePort"));
            return None;
        }
        Some(IntOrString::Int(n)) => {
            if !(1..=65535).contains(n) {
                c.invalid(&format!("{at}.servicePort"), n, PORT_RANGE_MSG);
                return None;
            }
            BackendPort::Number(*n)
        }
        Some(IntOrString::String(s)) => {
            let errs = validate::port_name_errors(s);
            for msg in &errs {
                c.invalid(&format!("{at}.servicePort"), format!("\"{s}\""), msg);
            }
            if !errs.is_empty() {
                return None;
            }
            BackendPort::Name(s.clone())
        }
    };
    ok.then_some(IngressBackend { service: name, port: Some(port) })
}

/// A `resource:` backend (a CRD object, not a Service) is valid but carries no traffic here.
fn resource_backend(c: &mut Checker, at: &str) {
    let path = YPath::parse(at).unwrap_or_default().key("resource");
    let msg = format!("{}: {at}.resource: resource backends are not simulated; this path is ignored", c.label);
    c.report.push(c.loc.warning(&path, Anchor::Key, msg));
}

fn annotation_path(key: &str) -> YPath {
    YPath::root().key("metadata").key("annotations").key(key)
}

/// ingress-nginx's canary annotations (`traffic::ingress::canary` reads them), each refused
/// value reported at its annotation.
fn canary_annotations(c: &mut Checker, annotations: &Labels) -> Option<CanaryAnnotations> {
    let mut bad = Vec::new();
    let read = canary::read_annotations(annotations, &mut bad);
    for b in bad {
        let path = annotation_path(&format!("{ANNOTATION_PREFIX}{}", b.name));
        let msg = format!("{}: {path}: Invalid value: \"{}\": {}", c.label, b.value, b.why);
        c.at(&path, Anchor::Value, msg, None);
    }
    read
}

/// The Services an Ingress manifest names, with the place of each name (for the warning
/// about Services that never exist).
pub(crate) fn backend_refs(v: &Value) -> Vec<(YPath, String)> {
    let mut out = Vec::new();
    let spec = YPath::root().key("spec");
    let mut backend = |b: Option<&Value>, at: YPath| {
        let Some(b) = b else { return };
        let (path, name) = match b.get("service") {
            Some(s) => (at.key("service").key("name"), s.get("name")),
            None => (at.key("serviceName"), b.get("serviceName")),
        };
        if let Some(n) = name.and_then(Value::as_str).filter(|n| !n.is_empty()) {
            out.push((path, n.to_string()));
        }
    };
    let s = v.get("spec");
    for key in ["defaultBackend", "backend"] {
        backend(s.and_then(|s| s.get(key)), spec.key(key));
    }
    let rules = s.and_then(|s| s.get("rules")).and_then(Value::as_sequence);
    for (i, rule) in rules.into_iter().flatten().enumerate() {
        let paths = rule.get("http").and_then(|h| h.get("paths")).and_then(Value::as_sequence);
        for (j, p) in paths.into_iter().flatten().enumerate() {
            let at = YPath(vec![
                Seg::Key("spec".into()),
                Seg::Key("rules".into()),
                Seg::Index(i),
                Seg::Key("http".into()),
                Seg::Key("paths".into()),
                Seg::Index(j),
                Seg::Key("backend".into()),
            ]);
            backend(p.get("backend"), at);
        }
    }
    out
}
