//! A small catalogue of common cloud instance types, so that a node group can say
//! `instanceType: m5.xlarge` and get its allocatable resources, labels and price.
//!
//! Allocatable is what the managed services reserve from each size, computed by their
//! published formulas rather than copied from a running node:
//! - CPU (EKS's bootstrap and GKE alike): 6% of the first core, 1% of the second, 0.5% of
//!   the next two, 0.25% of every core above four.
//! - Memory on EKS (AL2 bootstrap.sh): 11Mi per pod slot plus 255Mi for the kubelet, and the
//!   100Mi hard eviction threshold; pod slots are the ENI limit of the type.
//! - Memory on GKE: 25% of the first 4GiB, 20% of the next 4, 10% of the next 8, 6% of the
//!   next 112, 2% above, and the 100Mi eviction threshold; 110 pods.
//! - AKS: GKE's memory bands (AKS's own reservations differ in detail: a simplification),
//!   and 250 pods, Azure CNI Overlay's default.
//!
//! Prices are US-East Linux list prices per hour as published by each cloud in 2025, rounded
//! to a tenth of a cent; spot prices are a typical recent figure (they move every hour).
//! They are for comparing plans, not for a bill: set `price:` on the group for your own.

use super::spec::Resources;
use std::collections::BTreeMap;

/// The cloud an instance type is from (its allocatable formula).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cloud {
    Aws,
    Gcp,
    Azure,
}

/// One catalogue entry.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct InstanceType {
    pub name: &'static str,
    pub cloud: Cloud,
    pub vcpus: i64,
    pub memory_gib: i64,
    /// Pod slots (the ENI limit on EKS, 110 on GKE, 250 on AKS with CNI Overlay).
    pub max_pods: i64,
    pub arch: &'static str,
    /// Dollars per hour, on demand and spot.
    pub on_demand: f64,
    pub spot: f64,
}

const fn aws(
    name: &'static str,
    vcpus: i64,
    memory_gib: i64,
    max_pods: i64,
    on_demand: f64,
    spot: f64,
) -> InstanceType {
    InstanceType { name, cloud: Cloud::Aws, vcpus, memory_gib, max_pods, arch: "amd64", on_demand, spot }
}

const fn gcp(name: &'static str, vcpus: i64, memory_gib: i64, on_demand: f64, spot: f64) -> InstanceType {
    InstanceType { name, cloud: Cloud::Gcp, vcpus, memory_gib, max_pods: 110, arch: "amd64", on_demand, spot }
}

const fn azure(name: &'static str, vcpus: i64, memory_gib: i64, on_demand: f64, spot: f64) -> InstanceType {
    InstanceType { name, cloud: Cloud::Azure, vcpus, memory_gib, max_pods: 250, arch: "amd64", on_demand, spot }
}

/// The catalogue, by name.
pub const CATALOGUE: &[InstanceType] = &[
    aws("t3.medium", 2, 4, 17, 0.0416, 0.0125),
    aws("t3.large", 2, 8, 35, 0.0832, 0.025),
    aws("m5.large", 2, 8, 29, 0.096, 0.035),
    aws("m5.xlarge", 4, 16, 58, 0.192, 0.070),
    aws("m5.2xlarge", 8, 32, 58, 0.384, 0.140),
    aws("m5.4xlarge", 16, 64, 234, 0.768, 0.280),
    aws("c5.large", 2, 4, 29, 0.085, 0.032),
    aws("c5.xlarge", 4, 8, 58, 0.170, 0.064),
    aws("c5.2xlarge", 8, 16, 58, 0.340, 0.128),
    aws("c5.4xlarge", 16, 32, 234, 0.680, 0.256),
    aws("r5.large", 2, 16, 29, 0.126, 0.040),
    aws("r5.xlarge", 4, 32, 58, 0.252, 0.080),
    aws("r5.2xlarge", 8, 64, 58, 0.504, 0.160),
    InstanceType { arch: "arm64", ..aws("m6g.xlarge", 4, 16, 58, 0.154, 0.058) },
    gcp("e2-standard-2", 2, 8, 0.067, 0.020),
    gcp("e2-standard-4", 4, 16, 0.134, 0.040),
    gcp("e2-standard-8", 8, 32, 0.268, 0.080),
    gcp("n2-standard-4", 4, 16, 0.194, 0.047),
    gcp("n2-standard-8", 8, 32, 0.389, 0.094),
    azure("Standard_D2s_v5", 2, 8, 0.096, 0.019),
    azure("Standard_D4s_v5", 4, 16, 0.192, 0.038),
    azure("Standard_D8s_v5", 8, 32, 0.384, 0.077),
];

/// The entry named `name`.
pub fn find(name: &str) -> Option<&'static InstanceType> {
    CATALOGUE.iter().find(|t| t.name == name)
}

const MI: i64 = 1 << 20;
const GI: i64 = 1 << 30;

impl InstanceType {
    /// What the managed service leaves for pods (see the module's formulas).
    pub fn allocatable(&self) -> Resources {
        Resources {
            cpu_millis: self.vcpus * 1000 - reserved_cpu_millis(self.vcpus),
            memory_bytes: self.memory_gib * GI - self.reserved_memory_bytes() - 100 * MI,
            ephemeral_storage_bytes: 100 * GI,
            pods: self.max_pods,
            extended: BTreeMap::new(),
        }
    }

    fn reserved_memory_bytes(&self) -> i64 {
        match self.cloud {
            Cloud::Aws => 11 * MI * self.max_pods + 255 * MI,
            Cloud::Gcp | Cloud::Azure => {
                // 25% of the first 4GiB, 20% of the next 4, 10% of the next 8, 6% of the next
                // 112, 2% above 128GiB; in MiB to stay in integers.
                let mut left = self.memory_gib * 1024;
                let mut reserved = 0;
                for (band, percent) in [(4 * 1024, 25), (4 * 1024, 20), (8 * 1024, 10), (112 * 1024, 6), (i64::MAX, 2)]
                {
                    let take = left.min(band);
                    reserved += take * percent / 100;
                    left -= take;
                }
                reserved * MI
            }
        }
    }

    /// The price per hour of one node bought so.
    pub fn price(&self, capacity: super::spec::CapacityType) -> f64 {
        match capacity {
            super::spec::CapacityType::OnDemand => self.on_demand,
            super::spec::CapacityType::Spot => self.spot,
        }
    }
}

/// The kubelet's CPU reservation for `vcpus` cores, in millicores.
fn reserved_cpu_millis(vcpus: i64) -> i64 {
    // In tenths of a millicore: 60 + 10 + 2 x 5 + 2.5 per core above four.
    let tenths = match vcpus {
        0 => 0,
        1 => 600,
        2 => 700,
        3 | 4 => 700 + (vcpus - 2) * 50,
        _ => 800 + (vcpus - 4) * 25,
    };
    tenths / 10
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The figures EKS documents for its reservations: 70m on 2 vCPUs, 80m on 4, 90m on 8,
    /// 110m on 16; m5.large (29 pods) reserves 574Mi of memory plus the 100Mi threshold.
    #[test]
    fn reservations_follow_the_published_formulas() {
        assert_eq!(reserved_cpu_millis(2), 70);
        assert_eq!(reserved_cpu_millis(4), 80);
        assert_eq!(reserved_cpu_millis(8), 90);
        assert_eq!(reserved_cpu_millis(16), 110);
        let m5 = find("m5.large").unwrap().allocatable();
        assert_eq!(m5.cpu_millis, 1930);
        assert_eq!(m5.memory_bytes, 8 * GI - 574 * MI - 100 * MI);
        assert_eq!(m5.pods, 29);
        // GKE e2-standard-4: 16GiB reserves 1GiB + 0.8GiB + 0.8GiB.
        let e2 = find("e2-standard-4").unwrap().allocatable();
        assert_eq!(e2.cpu_millis, 3920);
        assert_eq!(e2.memory_bytes, 16 * GI - (1024 + 819 + 819) * MI - 100 * MI);
    }

    #[test]
    fn names_are_unique_and_spot_is_cheaper() {
        for (i, t) in CATALOGUE.iter().enumerate() {
            assert!(CATALOGUE[..i].iter().all(|o| o.name != t.name), "{} twice", t.name);
            assert!(t.spot < t.on_demand, "{}", t.name);
        }
    }
}
