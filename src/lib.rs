//! kubesim: a deterministic discrete-event simulator of a Kubernetes cluster.

pub mod engine;
pub mod model;
pub mod controllers;
pub mod scenario;
pub mod scheduler;
