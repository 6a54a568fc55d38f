//! The EndpointSlice controller as a pure decision: which of a Service's selected pods serve
//! its traffic.
//!
//! Kubernetes lists every selected pod in the slices with `ready`, `serving` and
//! `terminating` conditions; kube-proxy and ingress-nginx send new connections to the ready
//! ones. kubesim keeps only those: a pod is an endpoint when it is Ready and not
//! terminating (staging/src/k8s.io/endpointslice/utils.go `podToEndpoint`: ready is serving
//! and not terminating; kube-proxy's pkg/proxy/topology.go `CategorizeEndpoints` uses the
//! ready endpoints, falling back to serving terminating ones only when none is ready, which
//! kubesim does not model).

use crate::model::spec::Labels;
use crate::model::store::PodId;

/// What the controller sees of one selected pod.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub pod: PodId,
    pub ready: bool,
    pub terminating: bool,
}

/// A Service's selector picks a pod: every selector label is on the pod. A Service without
/// a selector (None) or with an empty one selects nothing: its endpoints are managed by hand.
pub fn selects(selector: Option<&Labels>, pod_labels: &Labels) -> bool {
    match selector {
        Some(s) if !s.is_empty() => s.iter().all(|(k, v)| pod_labels.get(k) == Some(v)),
        _ => false,
    }
}

/// The endpoints, in the order the candidates came (the caller passes them by pod id, so the
/// list is stable and round robin deterministic).
pub fn endpoints(candidates: impl IntoIterator<Item = Candidate>) -> Vec<PodId> {
    candidates.into_iter().filter(|c| c.ready && !c.terminating).map(|c| c.pod).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn only_ready_pods_that_are_not_terminating_are_endpoints() {
        let c = |pod, ready, terminating| Candidate { pod, ready, terminating };
        let list = endpoints([
            c(PodId(1), true, false),
            c(PodId(2), false, false),
            c(PodId(3), true, true),
            c(PodId(4), true, false),
        ]);
        assert_eq!(list, vec![PodId(1), PodId(4)]);
    }

    #[test]
    fn a_selector_needs_every_label_and_an_absent_or_empty_one_selects_nothing() {
        let pod = labels(&[("app", "web"), ("tier", "front")]);
        assert!(selects(Some(&labels(&[("app", "web")])), &pod));
        assert!(!selects(Some(&labels(&[("app", "web"), ("tier", "back")])), &pod));
        assert!(!selects(Some(&Labels::new()), &pod));
        assert!(!selects(None, &pod));
    }
}
