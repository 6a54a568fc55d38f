//! A namespace's admission policies: LimitRanges (core/v1, the `LimitRanger` admission
//! plugin's defaults and bounds) and ResourceQuotas (core/v1, the `ResourceQuota` plugin's
//! hard limits). Amounts are integers: CPU in millicores (the key `cpu`, `requests.cpu`,
//! `limits.cpu`), everything else in whole units (bytes, counts).

use std::collections::BTreeMap;

/// Resource name → amount (millicores for CPU keys, units otherwise), in name order as
/// Kubernetes prints sorted resource lists.
pub type Amounts = BTreeMap<String, i64>;

/// Whether a resource name is counted in millicores: `cpu`, `requests.cpu`, `limits.cpu`.
pub fn is_cpu_key(name: &str) -> bool {
    matches!(name, "cpu" | "requests.cpu" | "limits.cpu")
}

/// The `type` of a LimitRange item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LimitType {
    Container,
    Pod,
    /// `PersistentVolumeClaim` (or anything else): kept for nothing, claims are not bounded.
    Other,
}

impl LimitType {
    pub fn as_str(self) -> &'static str {
        match self {
            LimitType::Container => "Container",
            LimitType::Pod => "Pod",
            LimitType::Other => "PersistentVolumeClaim",
        }
    }
}

/// One item of `spec.limits`, after the API server's defaulting (SetDefaults_LimitRangeItem).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LimitRangeItem {
    pub kind: LimitType,
    pub min: Amounts,
    pub max: Amounts,
    /// Default limits (`default`).
    pub default: Amounts,
    /// Default requests (`defaultRequest`).
    pub default_request: Amounts,
    /// `maxLimitRequestRatio`, in thousandths (2 is 2000).
    pub max_ratio: Amounts,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LimitRangeSpec {
    pub limits: Vec<LimitRangeItem>,
}

/// A ResourceQuota's `spec.hard`, with the keys kubesim counts (pods, requests.*, limits.*,
/// cpu, memory, count/pods).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QuotaSpec {
    pub hard: Amounts,
}
