//! The API server's admission of a pod's create, over the store: the namespace's
//! LimitRanges and ResourceQuotas handed to the pure plugins of `crate::admission`, and the
//! writes of LimitRange and ResourceQuota objects.

use super::Sim;
use crate::admission::{self, limit_ranger, resource_quota};
use crate::model::spec::{Amounts, LimitRangeSpec, PodSpec, QuotaSpec};
use crate::model::store::{PodPhase, Policy, Store};
use std::sync::Arc;

pub use crate::model::api_error::ApiError;

/// The keys of `namespace`'s policies in a table keyed by (namespace, name), in name order.
fn in_namespace<'a, T>(
    table: &'a std::collections::BTreeMap<(String, String), Policy<T>>,
    namespace: &'a str,
) -> impl Iterator<Item = (&'a String, &'a Policy<T>)> {
    table
        .range((namespace.to_string(), String::new())..)
        .take_while(move |((ns, _), _)| ns == namespace)
        .map(|((_, n), p)| (n, p))
}

/// The quota controller's `status.used` of a quota: the namespace's pods now (a pod counts
/// until it is gone from the API, its compute resources until it finished). Read from the
/// pods' name index, which holds exactly the pods still in the API, so a create costs the
/// namespace's live pods, not every pod the run ever made.
pub(crate) fn quota_used(store: &Store, namespace: &str, hard: &Amounts) -> Amounts {
    let from = (namespace.to_string(), String::new());
    let pods = store
        .pods
        .live_in(from..)
        .map(|id| &store.pods[id])
        .take_while(|p| p.namespace == namespace)
        .map(|p| (&*p.spec, !matches!(p.phase, PodPhase::Succeeded | PodPhase::Failed)));
    resource_quota::used(hard, pods)
}

impl Sim<'_> {
    /// A pod's create through admission: LimitRanger's defaults (mutating), then its bounds
    /// and the quotas (validating), as the API server runs them; `name` is the pod's name as
    /// the validating plugins see it. The spec to create, or the API server's Forbidden.
    /// A namespace without policies costs nothing and changes nothing.
    pub(super) fn admit_pod(&self, namespace: &str, name: &str, spec: Arc<PodSpec>) -> Result<Arc<PodSpec>, ApiError> {
        let store = &self.ctx.store;
        if store.limit_ranges.is_empty() && store.quotas.is_empty() {
            return Ok(spec);
        }
        let ranges: Vec<&LimitRangeSpec> = in_namespace(&store.limit_ranges, namespace).map(|(_, p)| &p.spec).collect();
        let spec = match limit_ranger::default_pod(&spec, &ranges) {
            Some(defaulted) => Arc::new(defaulted),
            None => spec,
        };
        let refuse = |m: String| ApiError::forbidden(admission::forbidden(name, &m));
        limit_ranger::validate_pod(&spec, &ranges).map_err(refuse)?;
        let quotas: Vec<(&String, &QuotaSpec)> =
            in_namespace(&store.quotas, namespace).map(|(n, p)| (n, &p.spec)).collect();
        if !quotas.is_empty() {
            let used: Vec<Amounts> = quotas.iter().map(|(_, q)| quota_used(store, namespace, &q.hard)).collect();
            let views: Vec<resource_quota::QuotaView> = quotas
                .iter()
                .zip(&used)
                .map(|((n, q), u)| resource_quota::QuotaView { name: n, hard: &q.hard, used: u })
                .collect();
            resource_quota::check(&spec, &views).map_err(refuse)?;
        }
        Ok(spec)
    }

    /// A LimitRange is created, or replaced by `apply`.
    pub(super) fn put_limit_range(&mut self, namespace: &str, name: &str, spec: &LimitRangeSpec) {
        let now = self.ctx.kernel.now();
        let key = (namespace.to_string(), name.to_string());
        let created = self.ctx.store.limit_ranges.get(&key).map_or(now, |p| p.created);
        self.ctx.store.limit_ranges.insert(key, Policy { spec: spec.clone(), created });
    }

    /// A ResourceQuota is created, or its `hard` replaced by `apply`. The controllers whose
    /// creates it refused retry on their own back-off, as in Kubernetes (nothing watches
    /// quotas for them).
    pub(super) fn put_quota(&mut self, namespace: &str, name: &str, spec: &QuotaSpec) {
        let now = self.ctx.kernel.now();
        let key = (namespace.to_string(), name.to_string());
        let created = self.ctx.store.quotas.get(&key).map_or(now, |p| p.created);
        self.ctx.store.quotas.insert(key, Policy { spec: spec.clone(), created });
    }
}
