//! Controllers: one file (or folder) per controller, each a pure reconcile over observed
//! state that returns the writes to make.

pub mod cluster_autoscaler;
pub mod controller_ref;
pub mod cronjob;
pub mod daemonset;
pub mod deployment;
pub mod disruption;
pub mod endpoints;
pub mod hpa;
pub mod job;
pub mod karpenter;
pub mod node_lifecycle;
pub mod persistentvolume;
pub mod replicaset;
pub mod rollout;
pub mod statefulset;
