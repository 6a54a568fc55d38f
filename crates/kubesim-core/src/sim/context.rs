//! The context the components share: the clock and its event queue, the API objects, the
//! events recorded, the observers' metrics, the scenario and the narrator.

use super::Event;
use crate::engine::{Kernel, SimDuration, SimTime};
use crate::metrics::Metrics;
use crate::model::events::Recorder;
use crate::model::spec::{ImageBehavior, Kind, ObjectRef, Scenario};
use crate::model::store::{CronJobId, DaemonSetId, DeployId, JobId, NodeId, PodId, RsId, RsKind, Store};

/// What the components share, as Kubernetes' components share the API server: the clock and
/// its event queue, the API objects, the events recorded, the observers' metrics, the
/// scenario, and the narrator (`--narrate`). A component's own memory is in its own struct
/// (`Scheduler`, `Network`, `Traffic`, `NodeLifecycle`, ...); its handlers take the context
/// beside it.
pub struct Context<'s> {
    pub kernel: Kernel<Event>,
    pub store: Store,
    pub recorder: Recorder,
    pub metrics: Metrics,
    pub scenario: &'s Scenario,
    /// When the run ends (its duration after zero).
    pub end: SimTime,
    pub(super) default_image: ImageBehavior,
    /// `--narrate`: the decisions said so far (None: nothing is said, nothing formatted).
    pub narrator: Option<crate::metrics::narration::Narrator>,
}

impl Context<'_> {
    /// The API latency: how long a write takes to reach the components that watch it.
    pub fn latency(&self) -> SimDuration {
        self.scenario.control_plane.api_latency
    }

    /// What the image does (the scenario's `images:` entry, or the default behaviour).
    pub fn image(&self, name: &str) -> &ImageBehavior {
        self.scenario.images.get(name).unwrap_or(&self.default_image)
    }

    /// `pod/NAME`, as kubectl's OBJECT column names a pod in events.
    pub fn pod_object(&self, pod: PodId) -> String {
        let p = &self.store.pods[pod];
        format!("pod/{}", crate::metrics::timeseries::column_name(&p.namespace, &p.name))
    }

    /// Whether decisions are said (`--narrate`); callers check it before gathering facts.
    pub fn narrating(&self) -> bool {
        self.narrator.is_some()
    }

    /// Says `text` about the objects `about` at the current time.
    pub fn narrate(&mut self, about: Vec<String>, text: String) {
        let (at, events_before) = (self.kernel.now(), self.recorder.records.len());
        if let Some(n) = &mut self.narrator {
            n.say(at, events_before, about, text);
        }
    }

    /// `node/NAME`.
    pub fn node_ref(&self, node: NodeId) -> String {
        format!("node/{}", self.store.nodes()[node].name)
    }

    /// `KIND/NAME` (`NAMESPACE/KIND/NAME` outside the default namespace), as events and
    /// narration name a workload.
    pub fn rollout_ref(&self, d: DeployId) -> String {
        let dep = &self.store.deployments[d];
        object_ref(Kind::Rollout, &dep.namespace, &dep.name)
    }

    pub fn deployment_ref(&self, d: DeployId) -> String {
        let dep = &self.store.deployments[d];
        object_ref(Kind::Deployment, &dep.namespace, &dep.name)
    }

    pub fn rs_ref(&self, rs: RsId) -> String {
        let r = &self.store.replica_sets[rs];
        let kind = match r.kind {
            RsKind::ReplicaSet => Kind::ReplicaSet,
            RsKind::ReplicationController => Kind::ReplicationController,
        };
        object_ref(kind, &r.namespace, &r.name)
    }

    pub fn job_ref(&self, j: JobId) -> String {
        let job = &self.store.jobs[j];
        object_ref(Kind::Job, &job.namespace, &job.name)
    }

    pub fn cron_job_ref(&self, cj: CronJobId) -> String {
        let c = &self.store.cron_jobs[cj];
        object_ref(Kind::CronJob, &c.namespace, &c.name)
    }

    pub fn daemon_set_ref(&self, id: DaemonSetId) -> String {
        let ds = &self.store.daemon_sets[id];
        object_ref(Kind::DaemonSet, &ds.namespace, &ds.name)
    }
}

fn object_ref(kind: Kind, namespace: &str, name: &str) -> String {
    ObjectRef { kind, namespace: namespace.to_string(), name: name.to_string() }.to_string()
}
