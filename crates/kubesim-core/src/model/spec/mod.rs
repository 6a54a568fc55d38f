//! Compact, validated specs: what the scenario loader hands to the model.
//!
//! Kubernetes objects are parsed with k8s-openapi, checked, and converted into these small
//! structs once, so that the hot loop never touches YAML, strings of quantities or
//! optional-everything API types. One file per domain; every type is re-exported here, so
//! `crate::model::spec::X` names each of them.

mod autoscaling;
mod cluster;
mod faults;
mod image;
mod meta;
mod network;
mod object;
mod pod;
mod rollout;
mod scenario;
mod timeline;
mod traffic;
mod workloads;

pub use autoscaling::*;
pub use cluster::*;
pub use faults::*;
pub use image::*;
pub use meta::*;
pub use network::*;
pub use object::*;
pub use pod::*;
pub use rollout::*;
pub use scenario::*;
pub use timeline::*;
pub use traffic::*;
pub use workloads::*;

use crate::engine::SimDuration;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScaleTarget {
    Deployment,
    ReplicaSet,
    ReplicationController,
}

/// A kubectl command on the timeline, parsed and checked at load time.
#[derive(Clone, Debug, PartialEq)]
pub enum KubectlCommand {
    /// `apply -f FILE`: objects created or updated.
    Apply {
        objects: Vec<Object>,
    },
    /// `create -f FILE`: objects created (an existing one is an AlreadyExists error event).
    Create {
        objects: Vec<Object>,
    },
    /// `delete KIND/NAME...` or `delete -f FILE`.
    Delete {
        targets: Vec<ObjectRef>,
    },
    /// `scale KIND/NAME --replicas=N`.
    Scale {
        target: ObjectRef,
        replicas: i32,
    },
    /// `set image deployment/web CONTAINER=IMAGE...`.
    SetImage {
        target: ObjectRef,
        images: Vec<(String, String)>,
    },
    RolloutUndo {
        target: ObjectRef,
        to_revision: Option<i64>,
    },
    /// `argo rollouts promote NAME [--full]`.
    ArgoPromote {
        target: ObjectRef,
        full: bool,
    },
    /// `argo rollouts abort NAME`.
    ArgoAbort {
        target: ObjectRef,
    },
    /// `argo rollouts retry rollout NAME`.
    ArgoRetry {
        target: ObjectRef,
    },
    RolloutPause {
        target: ObjectRef,
    },
    RolloutResume {
        target: ObjectRef,
    },
    RolloutRestart {
        target: ObjectRef,
    },
    /// `cordon NODE`.
    Cordon {
        node: String,
    },
    /// `uncordon NODE`.
    Uncordon {
        node: String,
    },
    /// `taint nodes NODE key=value:Effect ... key[:Effect]-`.
    Taint {
        node: String,
        add: Vec<Taint>,
        /// Key and optional effect of each taint to remove.
        remove: Vec<(String, Option<TaintEffect>)>,
        /// `--overwrite`: an existing taint with the same key and effect takes the new value.
        overwrite: bool,
    },
    /// `label nodes NODE key=value ... key-` (`--overwrite` to change an existing value).
    Label {
        node: String,
        set: Vec<(String, String)>,
        remove: Vec<String>,
        overwrite: bool,
    },
    /// `expose deployment NAME --port=P [--target-port=T] [--type=T] [--name=N]`.
    Expose(ExposeSpec),
    /// `drain NODE [--ignore-daemonsets] [--delete-emptydir-data] [--force]
    /// [--grace-period=N] [--timeout=D]`.
    Drain(DrainSpec),
}

/// `kubectl drain`: cordon, then evict every pod through the eviction API, retrying those a
/// PodDisruptionBudget refuses every 5s, as kubectl does.
#[derive(Clone, Debug, PartialEq)]
pub struct DrainSpec {
    pub node: String,
    /// `--ignore-daemonsets`: leave DaemonSet pods (without it, their presence is an error).
    pub ignore_daemonsets: bool,
    /// `--delete-emptydir-data`: evict pods with emptyDir volumes (without it, an error).
    pub delete_emptydir_data: bool,
    /// `--force`: also delete pods that no controller manages (without it, an error).
    pub force: bool,
    /// `--grace-period=N` seconds; None (or kubectl's -1): each pod's own.
    pub grace_period: Option<i64>,
    /// `--timeout=D`: give up after this long; None (kubectl's 0s): never.
    pub timeout: Option<SimDuration>,
}

/// `kubectl expose`: a Service for a workload, with the workload's selector as it is when
/// the command runs.
#[derive(Clone, Debug, PartialEq)]
pub struct ExposeSpec {
    /// `deployment/NAME`, `replicaset/NAME`, `replicationcontroller/NAME` or `pod/NAME`
    /// (kubesim also accepts `service/NAME`, whose selector is copied).
    pub target: ObjectRef,
    /// `--name`, default the target's name.
    pub service: String,
    pub ports: Vec<ServicePort>,
    pub service_type: ServiceType,
    /// `--selector`, overriding the target's.
    pub selector: Option<Labels>,
}
