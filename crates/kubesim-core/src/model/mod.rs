//! Cluster state: nodes, pods and workload objects, and the specs they are made from.

pub mod analysis_run;
pub mod api_error;
pub mod events;
pub mod ids;
pub mod instance_types;
pub mod spec;
pub mod status;
pub mod store;
pub mod table;
