//! Services and Ingresses (core/v1, networking.k8s.io/v1), with an Ingress's ingress-nginx
//! canary annotations.

use super::Labels;

/// `spec.type` of a Service. ClusterIP, NodePort and LoadBalancer share one data path in the
/// model: kube-proxy balancing over the Service's endpoints.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ServiceType {
    #[default]
    ClusterIP,
    NodePort,
    LoadBalancer,
    /// An ExternalName Service has no endpoints and no proxy rules: cluster DNS answers its
    /// name with a CNAME to `spec.externalName`, so its requests leave the cluster for that
    /// host (`traffic/external.rs`; the host's behaviour is the scenario's `externals:`).
    ExternalName,
}

/// A Service's `targetPort`: a number, or the name of a container port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TargetPort {
    Number(i32),
    Name(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServicePort {
    pub name: Option<String>,
    pub port: i32,
    /// Defaults to `port`, as the API server does.
    pub target_port: TargetPort,
}

#[derive(Clone, PartialEq)]
pub struct ServiceSpec {
    pub service_type: ServiceType,
    /// `spec.selector`; None for a Service without a selector (its endpoints are managed by
    /// hand, so in kubesim it has none).
    pub selector: Option<Labels>,
    pub ports: Vec<ServicePort>,
    /// `sessionAffinity: ClientIP`, with `sessionAffinityConfig.clientIP.timeoutSeconds`
    /// (default 10800): kube-proxy sends a client's requests to the endpoint it used last,
    /// while that endpoint lasts and the client was seen within the timeout. None: `None`.
    pub session_affinity: Option<crate::engine::SimDuration>,
    /// `spec.externalName` of an ExternalName Service, without a trailing dot; None for the
    /// other types.
    pub external_name: Option<String>,
}

/// As `derive(Debug)` would print it, but without `session_affinity` and `external_name` when
/// they are None: a
/// sweep's hash is taken over the scenario's Debug text, and Services without affinity keep
/// the hash they had before kubesim read it.
impl std::fmt::Debug for ServiceSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("ServiceSpec");
        d.field("service_type", &self.service_type).field("selector", &self.selector).field("ports", &self.ports);
        if let Some(timeout) = &self.session_affinity {
            d.field("session_affinity", timeout);
        }
        if let Some(host) = &self.external_name {
            d.field("external_name", host);
        }
        d.finish()
    }
}

/// An Ingress path's `pathType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathType {
    Prefix,
    Exact,
    /// ingress-nginx treats it as a prefix.
    ImplementationSpecific,
}

/// Which port of the backend Service: by number or by name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BackendPort {
    Number(i32),
    Name(String),
}

/// An Ingress backend: a Service in the Ingress's namespace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IngressBackend {
    pub service: String,
    pub port: Option<BackendPort>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IngressPath {
    /// `/` when omitted (ImplementationSpecific).
    pub path: String,
    pub path_type: PathType,
    pub backend: IngressBackend,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IngressRule {
    /// None: every host.
    pub host: Option<String>,
    pub paths: Vec<IngressPath>,
}

/// ingress-nginx canary annotations of an Ingress that has `canary: "true"` (their rules:
/// `traffic/ingress/canary.rs`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CanaryAnnotations {
    /// `canary-weight` (default 0).
    pub weight: u32,
    /// `canary-weight-total` (default 100).
    pub weight_total: u32,
    /// `canary-by-header`: requests with this header set to `always` go to the canary, set
    /// to `never` to the main backend.
    pub by_header: Option<String>,
    /// `canary-by-header-value`: with `canary-by-header`, the value that sends a request to
    /// the canary instead of `always` (any other value falls through to the next rule).
    pub by_header_value: Option<String>,
    /// `canary-by-header-pattern`: as `by_header_value`, a regular expression the header's
    /// value must match (ignored when `by_header_value` is set).
    pub by_header_pattern: Option<String>,
    /// `canary-by-cookie`: requests with this cookie set to `always` go to the canary, set
    /// to `never` to the main backend.
    pub by_cookie: Option<String>,
}

/// An Ingress (networking.k8s.io/v1, or the beta form converted to it).
#[derive(Clone, Debug, PartialEq)]
pub struct IngressSpec {
    /// `spec.ingressClassName` or the `kubernetes.io/ingress.class` annotation.
    pub class: Option<String>,
    pub default_backend: Option<IngressBackend>,
    pub rules: Vec<IngressRule>,
    /// Set when the Ingress is an ingress-nginx canary (annotation `canary: "true"`).
    pub canary: Option<CanaryAnnotations>,
}
