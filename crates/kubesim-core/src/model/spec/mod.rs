//! Compact, validated specs: what the scenario loader hands to the model.
//!
//! Kubernetes objects are parsed with k8s-openapi, checked, and converted into these small
//! structs once, so that the hot loop never touches YAML, strings of quantities or
//! optional-everything API types. One file per domain; every type is re-exported here, so
//! `crate::model::spec::X` names each of them.

mod analysis;
mod autoscaling;
mod calls;
mod cluster;
mod external;
mod faults;
mod image;
mod meta;
mod network;
mod node_autoscaling;
mod object;
mod pod;
mod policy;
mod rollout;
mod scenario;
mod scheduler_config;
mod storage;
mod timeline;
mod traffic;
mod workloads;

pub use analysis::*;
pub use autoscaling::*;
pub use calls::*;
pub use cluster::*;
pub use external::*;
pub use faults::*;
pub use image::*;
pub use meta::*;
pub use network::*;
pub use node_autoscaling::*;
pub use object::*;
pub use pod::*;
pub use policy::*;
pub use rollout::*;
pub use scenario::*;
pub use scheduler_config::*;
pub use storage::*;
pub use timeline::*;
pub use traffic::*;
pub use workloads::*;

/// The timeline's kubectl commands; each verb's grammar, check and effect are in
/// [`crate::kubectl`].
pub use crate::kubectl::{DrainSpec, ExposeSpec, KubectlCommand};
