//! Narration's side of the simulation: after a component decides, these gather the facts
//! (names, the numbers the decision used) and say them through the `Narrator`
//! (`metrics/narration.rs`). Every caller checks `narrating()` first, so a run without
//! `--narrate` formats nothing; none of these writes to the store, draws a random number
//! or schedules an event.

use super::services::ServiceState;
use super::Context;
use crate::controllers::deployment::Action;
use crate::controllers::node_lifecycle::Eviction;
use crate::controllers::replicaset::{deletion_reason, Decision, PodInfo};
use crate::engine::{SimDuration, SimTime};
use crate::metrics::narration::{self, Choice, ScalingStep};
use crate::model::events::go_duration;
use crate::model::spec::{DeploymentStrategy, IntOrPercent, Kind, KubectlCommand, ObjectRef, ScoringStrategy};
use crate::model::store::{Exit, Node, NodeId, PodId, ProgressReason, RsId};
use crate::scheduler::cycle::PodContext;
use crate::scheduler::preemption::Candidate;
use crate::scheduler::{FitError, Profile};

/// At most this many nodes get a line of their own when a pod fits none.
const NODES_LISTED_MAX: usize = 12;
/// At most this many nodes' scores are named when a pod is placed.
const SCORES_LISTED_MAX: usize = 3;
/// At most this many pods are named in an endpoints change.
const PODS_LISTED_MAX: usize = 5;

impl Context<'_> {
    /// A timeline `run:` line, with the objects it names.
    pub(super) fn narrate_timeline(&mut self, text: &str, command: &KubectlCommand) {
        let about = command.objects();
        let line = if text.starts_with("kubectl") { text.to_string() } else { format!("kubectl {text}") };
        self.narrate(about, format!("timeline: {line}"));
    }

    /// A node fault from the timeline or the random faults.
    pub(super) fn narrate_fault(&mut self, node: NodeId, what: &str, crash: Option<bool>) {
        let effect = match crash {
            Some(true) => "its kubelet stops posting status and its containers die with it",
            Some(false) => "its kubelet is cut off from the API server; its containers keep running",
            None => "its kubelet posts status again",
        };
        let about = vec![self.node_ref(node)];
        self.narrate(about, format!("fault: {what}: {effect}"));
    }

    /// One write of a Deployment sync: a ReplicaSet sized (with the arithmetic) or deleted.
    pub(super) fn narrate_deployment_action(&mut self, d: super::DeployId, action: &Action) {
        let dep = &self.store.deployments[d];
        let object = self.deployment_ref(d);
        let rs_ref = |name: &str| {
            ObjectRef { kind: Kind::ReplicaSet, namespace: dep.namespace.clone(), name: name.to_string() }.to_string()
        };
        let (name, from, to, created_revision, reason) = match action {
            Action::CreateReplicaSet { name, replicas, revision, reason, .. } => {
                (name, 0, *replicas, Some(*revision), *reason)
            }
            Action::Scale { name, from, to, reason, .. } if from != to => (name, *from, *to, None, *reason),
            Action::DeleteReplicaSet { rs } => {
                let r = &self.store.replica_sets[*rs];
                let text = format!(
                    "{object}: revisionHistoryLimit {} keeps that many old ReplicaSets, so {} (revision {}, no pods left) is deleted",
                    dep.spec.revision_history_limit, r.name, r.revision
                );
                let about = vec![object, rs_ref(&r.name)];
                self.narrate(about, text);
                return;
            }
            _ => return,
        };
        let (surge, unavailable) = match &dep.spec.strategy {
            DeploymentStrategy::RollingUpdate { max_surge, max_unavailable } => {
                (written(max_surge), written(max_unavailable))
            }
            DeploymentStrategy::Recreate => (String::new(), String::new()),
        };
        let step = ScalingStep {
            replica_set: name,
            from,
            to,
            created_revision,
            reason,
            max_surge_written: &surge,
            max_unavailable_written: &unavailable,
        };
        let text = format!("{object}: {}", narration::scaling_step(&step));
        let about = vec![object, rs_ref(name)];
        self.narrate(about, text);
    }

    /// The Deployment's Progressing condition changed to complete or to failed.
    pub(super) fn narrate_deployment_progress(&mut self, d: super::DeployId, before: Option<ProgressReason>) {
        let dep = &self.store.deployments[d];
        if dep.progress_reason == before {
            return;
        }
        let s = &dep.status;
        let text = match dep.progress_reason {
            Some(ProgressReason::NewReplicaSetAvailable) => {
                let revision = dep
                    .replica_sets
                    .iter()
                    .map(|&rs| &self.store.replica_sets[rs])
                    .find(|rs| rs.template_hash == dep.template_hash)
                    .map_or(0, |rs| rs.revision);
                format!(
                    "rollout to revision {revision} complete: {} of {} pods updated, {} available, no old pod left",
                    s.updated, dep.spec.replicas, s.available
                )
            }
            Some(ProgressReason::ProgressDeadlineExceeded) => format!(
                "no progress for progressDeadlineSeconds ({}s): the rollout is marked failed ({} of {} updated, {} available); it goes on trying",
                dep.spec.progress_deadline_seconds, s.updated, dep.spec.replicas, s.available
            ),
            _ => return,
        };
        let object = self.deployment_ref(d);
        self.narrate(vec![object.clone()], format!("{object}: {text}"));
    }

    /// One sync of a ReplicaSet that creates or deletes pods; deletions say why by the ranking.
    pub(super) fn narrate_replica_set_sync(&mut self, rs: RsId, pods: &[PodInfo], decision: &Decision) {
        if decision.create == 0 && decision.delete.is_empty() {
            return;
        }
        let object = self.rs_ref(rs);
        let wanted = self.store.replica_sets[rs].replicas;
        let have = decision.status.replicas;
        let mut about = vec![object.clone()];
        let text = if decision.create > 0 {
            format!("{object}: {} {wanted} wanted, so it creates {}", pods_count(have), decision.create)
        } else {
            let now = self.kernel.now();
            let info = |id: PodId| pods.iter().find(|p| p.id == id);
            let kept = decision.first_kept.and_then(info);
            let name = |id: PodId| self.store.pods[id].name.clone();
            let mut deleted = Vec::new();
            for &id in &decision.delete {
                about.push(self.pod_object(id));
                let why = match (info(id), kept) {
                    (Some(p), Some(k)) => deletion_reason(p, k, now).map(|w| format!(" (it {w})")),
                    _ => None,
                };
                deleted.push(format!("{}{}", name(id), why.unwrap_or_default()));
            }
            let against =
                kept.map_or(String::new(), |k| format!(", ranked against {}, the first pod kept", name(k.id)));
            let by_ranking = if kept.is_some() { " by Kubernetes' ranking" } else { "" };
            format!(
                "{object}: {} {wanted} wanted, so it deletes {}{by_ranking}: {}{against}",
                pods_count(have),
                decision.delete.len(),
                deleted.join(", ")
            )
        };
        self.narrate(about, text);
    }

    /// One sync of a Job that creates or deletes pods, or finishes it.
    pub(super) fn narrate_job_sync(
        &mut self,
        j: crate::model::store::JobId,
        rules: &crate::controllers::job::JobRules,
        sync: &crate::controllers::job::JobSync,
    ) {
        use crate::controllers::job::JobOutcome;
        let object = self.job_ref(j);
        let st = &sync.status;
        let completions = rules.completions.map_or_else(|| "a work queue".to_string(), |c| format!("{c} completions"));
        let counts = format!("{} active, {} succeeded, {} failed", st.active, st.succeeded, st.failed);
        let mut lines = Vec::new();
        if !sync.create.is_empty() {
            let indexes: Vec<String> = sync.create.iter().flatten().map(ToString::to_string).collect();
            let indexes = match indexes.len() {
                0 => String::new(),
                1 => format!(" (index {})", indexes[0]),
                _ => format!(" (indexes {})", indexes.join(", ")),
            };
            lines.push(format!(
                "{object}: {counts} of {completions}, parallelism {}, so it creates {}{indexes}",
                rules.parallelism,
                sync.create.len()
            ));
        }
        if !sync.delete.is_empty() {
            lines.push(format!("{object}: {counts}, so it deletes {} pods", sync.delete.len()));
        }
        match sync.finished_now {
            Some(JobOutcome::Complete) => lines.push(format!("{object}: complete: {counts} of {completions}")),
            Some(JobOutcome::BackoffLimitExceeded) => lines.push(format!(
                "{object}: failed: {} failures reach backoffLimit {} ({counts})",
                st.failed, rules.backoff_limit
            )),
            Some(JobOutcome::DeadlineExceeded) => lines.push(format!(
                "{object}: failed: active longer than activeDeadlineSeconds {}s ({counts})",
                rules.active_deadline_seconds.unwrap_or_default()
            )),
            Some(JobOutcome::PodFailurePolicy) => {
                lines.push(format!("{object}: failed: {} ({counts})", st.message.as_deref().unwrap_or_default()))
            }
            Some(JobOutcome::FailedIndexes) => lines.push(format!(
                "{object}: failed: every index finished and {} failed ({counts})",
                st.failed_indexes.len()
            )),
            Some(JobOutcome::MaxFailedIndexesExceeded) => lines.push(format!(
                "{object}: failed: {} failed indexes exceed maxFailedIndexes {} ({counts})",
                st.failed_indexes.len(),
                rules.max_failed_indexes.unwrap_or_default()
            )),
            Some(JobOutcome::SuccessPolicy) => lines.push(format!(
                "{object}: complete by its successPolicy: {} ({counts})",
                st.message.as_deref().unwrap_or_default()
            )),
            None => {}
        }
        match sync.suspended_now {
            Some(true) => lines.push(format!("{object}: suspended, so it runs no pods")),
            Some(false) => lines.push(format!("{object}: resumed: its start time is now")),
            None => {}
        }
        for text in lines {
            self.narrate(vec![object.clone()], text);
        }
    }

    /// A pod bound to a node, and how the scheduler chose it.
    pub(super) fn narrate_scheduled(&mut self, pod: PodId, node: NodeId, choice: &Choice) {
        let name = &self.store.pods[pod].name;
        let text = narration::scheduled(name, &self.store.nodes()[node].name, choice);
        let about = vec![self.pod_object(pod), self.node_ref(node)];
        self.narrate(about, text);
    }

    /// No node fits: the FailedScheduling message, then each node's reasons with the numbers.
    pub(super) fn narrate_unschedulable(&mut self, pod: PodId, fit: &FitError) {
        let p = &self.store.pods[pod];
        let object = self.pod_object(pod);
        let requests = p.spec.requests();
        let mut lines = vec![(vec![object.clone()], format!("scheduler: {} stays Pending: {}", p.name, fit.message()))];
        for (&node, unfit) in fit.failures.iter().take(NODES_LISTED_MAX) {
            let n = &self.store.nodes()[node];
            let reasons: Vec<String> = unfit.reasons.iter().map(|r| with_numbers(r, &requests, n)).collect();
            let text = format!("scheduler: {} does not fit {}: {}", p.name, n.name, reasons.join(", "));
            lines.push((vec![object.clone(), self.node_ref(node)], text));
        }
        if fit.failures.len() > NODES_LISTED_MAX {
            let more = fit.failures.len() - NODES_LISTED_MAX;
            lines.push((vec![object.clone()], format!("scheduler: {} does not fit {more} more nodes either", p.name)));
        }
        for (about, text) in lines {
            self.narrate(about, text);
        }
    }

    /// Preemption chose a node and the pods to evict there.
    pub(super) fn narrate_preemption(&mut self, pod: PodId, candidate: &Candidate) {
        let p = &self.store.pods[pod];
        let node = &self.store.nodes()[candidate.node].name;
        let victims: Vec<String> = candidate
            .victims
            .iter()
            .map(|&v| {
                let victim = &self.store.pods[v];
                format!("{} (priority {})", victim.name, victim.spec.priority)
            })
            .collect();
        let mut about = vec![self.pod_object(pod), self.node_ref(candidate.node)];
        about.extend(candidate.victims.iter().map(|&v| self.pod_object(v)));
        let text = format!(
            "scheduler: {} (priority {}) fits no node, but would fit {node} without lower-priority pods: preempts {} and is nominated to {node}",
            p.name,
            p.spec.priority,
            victims.join(", ")
        );
        self.narrate(about, text);
    }

    /// The node lifecycle controller marks a silent node NotReady.
    pub(super) fn narrate_node_not_ready(&mut self, node: NodeId, last_heartbeat: SimTime) {
        let now = self.kernel.now();
        let name = &self.store.nodes()[node].name;
        let pods = self.store.nodes()[node].pods.len();
        let grace = self.scenario.control_plane.node_monitor_grace_period;
        let text = format!(
            "node-lifecycle: {name} silent for {} (last status at {}; nodeMonitorGracePeriod {}) -> NotReady, tainted unreachable:NoSchedule; its {pods} pods marked not Ready",
            go_duration(now.since(last_heartbeat)),
            narration::clock(last_heartbeat),
            go_duration(grace)
        );
        let about = vec![self.node_ref(node)];
        self.narrate(about, text);
    }

    /// The taint manager judged each pod of a node whose NoExecute taints changed
    /// (`headline`: who changed them and how), and cancels the evictions in `cancelled`.
    pub(super) fn narrate_no_execute(
        &mut self,
        node: NodeId,
        headline: String,
        verdicts: &[(PodId, Eviction)],
        cancelled: &[PodId],
    ) {
        let (mut now, mut later, mut never) = (Vec::new(), Vec::new(), Vec::new());
        for &(pod, verdict) in verdicts {
            let pod_name = self.store.pods[pod].name.as_str();
            match verdict {
                Eviction::Now => now.push(pod_name.to_string()),
                Eviction::After(d) => later.push(format!("{pod_name} after {}", go_duration(d))),
                Eviction::Never => never.push(pod_name.to_string()),
            }
        }
        let mut parts = Vec::new();
        if !now.is_empty() {
            parts.push(format!("evicts at once {} (no toleration)", now.join(", ")));
        }
        if !later.is_empty() {
            parts.push(format!("evicts {} (tolerationSeconds)", later.join(", ")));
        }
        if !never.is_empty() {
            parts.push(format!("leaves {} (tolerates it forever)", never.join(", ")));
        }
        if !cancelled.is_empty() {
            let names: Vec<&str> = cancelled.iter().map(|&p| self.store.pods[p].name.as_str()).collect();
            parts.push(format!("cancels the eviction it had scheduled of {}", names.join(", ")));
        }
        if parts.is_empty() {
            parts.push("no pod to evict".to_string());
        }
        let text = format!("{headline}; the taint manager {}", parts.join("; "));
        let mut about = vec![self.node_ref(node)];
        about.extend(verdicts.iter().map(|&(pod, _)| self.pod_object(pod)));
        about.extend(cancelled.iter().filter(|p| !verdicts.iter().any(|(v, _)| v == *p)).map(|&p| self.pod_object(p)));
        self.narrate(about, text);
    }

    /// The taint manager evicts a pod whose toleration ran out, or that has none (`taints`:
    /// the node's NoExecute taints as narration names them).
    pub(super) fn narrate_taint_eviction(&mut self, pod: PodId, node: NodeId, taints: &str) {
        let p = &self.store.pods[pod];
        let then = if p.owner.is_some() { "its controller replaces it" } else { "nothing replaces a bare pod" };
        let text = format!(
            "taint-manager: {} on {} tolerates {taints} no longer, so it is deleted ({then})",
            p.name,
            self.store.nodes()[node].name
        );
        let about = vec![self.pod_object(pod), self.node_ref(node)];
        self.narrate(about, text);
    }

    /// The node lifecycle controller sees a node's status again.
    pub(super) fn narrate_node_ready(&mut self, node: NodeId) {
        let name = &self.store.nodes()[node].name;
        let text = format!("node-lifecycle: {name} posts status again -> Ready, unreachable taints lifted");
        let about = vec![self.node_ref(node)];
        self.narrate(about, text);
    }

    /// The kubelet will restart a container that exited: at once (`wait` zero: no back-off
    /// before the first restart, or after 10 minutes up), or after the CrashLoopBackOff wait.
    pub(super) fn narrate_backoff(
        &mut self,
        pod: PodId,
        index: usize,
        exit: Exit,
        ran: SimDuration,
        wait: SimDuration,
    ) {
        let p = &self.store.pods[pod];
        let node = p.node.map_or_else(|| "?".to_string(), |n| self.store.nodes()[n].name.clone());
        let container = p.spec.container_at(index).map_or("?", |c| c.name.as_str());
        let restarts = p.container_status(index).map_or(0, |c| c.restarts);
        let when = if wait == SimDuration::ZERO {
            "at once (not in back-off".to_string()
        } else {
            format!("in {} (CrashLoopBackOff", go_duration(wait))
        };
        let text = format!(
            "kubelet on {node}: container {container} of {} exited ({}, code {}) after running {}; restart {} {when}: none before the first restart, then 10s, doubling up to 5m; reset after 10m running)",
            p.name,
            exit.reason,
            exit.code,
            go_duration(ran),
            restarts + 1,
        );
        let about = vec![self.pod_object(pod)];
        self.narrate(about, text);
    }

    /// The EndpointSlice controller wrote a Service's new endpoints.
    pub(super) fn narrate_endpoints(&mut self, s: &ServiceState, before: &[PodId], after: &[PodId]) {
        let object =
            ObjectRef { kind: Kind::Service, namespace: s.namespace.clone(), name: s.name.clone() }.to_string();
        let added: Vec<PodId> = after.iter().copied().filter(|p| !before.contains(p)).collect();
        let removed: Vec<PodId> = before.iter().copied().filter(|p| !after.contains(p)).collect();
        let describe = |pods: &[PodId], why: &dyn Fn(PodId) -> &'static str| {
            let mut names: Vec<String> = pods
                .iter()
                .take(PODS_LISTED_MAX)
                .map(|&p| format!("{} ({})", self.store.pods[p].name, why(p)))
                .collect();
            if pods.len() > PODS_LISTED_MAX {
                names.push(format!("{} more", pods.len() - PODS_LISTED_MAX));
            }
            names.join(", ")
        };
        let gone_why = |p: PodId| {
            let pod = &self.store.pods[p];
            if pod.is_gone() {
                "deleted"
            } else if pod.terminating.is_some() {
                "terminating"
            } else {
                "not Ready"
            }
        };
        let mut changes = Vec::new();
        if !added.is_empty() {
            changes.push(format!("+ {}", describe(&added, &|_| "Ready")));
        }
        if !removed.is_empty() {
            changes.push(format!("- {}", describe(&removed, &gone_why)));
        }
        let text = format!(
            "endpoints: {object} has {} ready endpoints (was {}): {}; the proxies follow in {}",
            after.len(),
            before.len(),
            changes.join("; "),
            go_duration(self.scenario.control_plane.endpoint_propagation)
        );
        let mut about = vec![object];
        about.extend(added.iter().chain(&removed).map(|&p| self.pod_object(p)));
        self.narrate(about, text);
    }
}

/// How the scheduler chose `winner` among the feasible nodes it just scored (kept in
/// `profile.last_feasible`): the top totals and the plugin that separated the winner from
/// the runner-up. Scores again with the same plugins and inputs; changes nothing else.
pub(super) fn scheduling_choice(
    profile: &mut Profile,
    ctx: &mut PodContext<'_>,
    nodes: &[Node],
    winner: NodeId,
    scoring: ScoringStrategy,
) -> Choice {
    let feasible = profile.last_feasible.clone().unwrap_or_default();
    if feasible.len() <= 1 {
        return Choice::OnlyFit { nodes: nodes.len() };
    }
    let breakdown = profile.score_breakdown(ctx, nodes, &feasible);
    debug_assert_eq!(breakdown.totals, profile.scores(ctx, nodes, &feasible), "narration scores as the scheduler does");
    let Some(w) = feasible.iter().position(|&n| n == winner) else { return Choice::OnlyFit { nodes: nodes.len() } };
    // The others by total, highest first, ties in the order they were scored.
    let mut others: Vec<usize> = (0..feasible.len()).filter(|&i| i != w).collect();
    others.sort_by(|&a, &b| breakdown.totals[b].cmp(&breakdown.totals[a]));
    let runner_up = others[0];
    let decided_by = breakdown.deciding_plugin(w, runner_up).map(|plugin| match plugin {
        "NodeResourcesFit" => format!("NodeResourcesFit ({scoring:?})"),
        other => other.to_string(),
    });
    let top = std::iter::once(w)
        .chain(others)
        .take(SCORES_LISTED_MAX)
        .map(|i| (nodes[feasible[i].index()].name.clone(), breakdown.totals[i]))
        .collect();
    Choice::Scored { top, feasible: feasible.len(), decided_by }
}

/// `1 pod,` / `5 pods,`.
fn pods_count(n: i32) -> String {
    if n == 1 {
        "1 pod,".to_string()
    } else {
        format!("{n} pods,")
    }
}

/// An int-or-percent as the manifest wrote it.
fn written(v: &IntOrPercent) -> String {
    match v {
        IntOrPercent::Int(n) => n.to_string(),
        IntOrPercent::Percent(p) => format!("{p}%"),
    }
}

/// `Insufficient cpu` with the numbers: what the pod asks and what the node has free.
fn with_numbers(reason: &str, requests: &crate::model::spec::Resources, node: &Node) -> String {
    let (asks, free, total) = match reason {
        "Insufficient cpu" => (
            cpu(requests.cpu_millis),
            cpu(node.allocatable.cpu_millis - node.requested.cpu_millis),
            cpu(node.allocatable.cpu_millis),
        ),
        "Insufficient memory" => (
            memory(requests.memory_bytes),
            memory(node.allocatable.memory_bytes - node.requested.memory_bytes),
            memory(node.allocatable.memory_bytes),
        ),
        _ => return reason.to_string(),
    };
    format!("{reason} (the pod asks {asks}, {free} of {total} free)")
}

fn cpu(millis: i64) -> String {
    if millis % 1000 == 0 {
        (millis / 1000).to_string()
    } else {
        format!("{millis}m")
    }
}

fn memory(bytes: i64) -> String {
    const MI: i64 = 1 << 20;
    if bytes % (1 << 30) == 0 {
        format!("{}Gi", bytes >> 30)
    } else {
        format!("{}Mi", bytes / MI)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn quantities_read_as_kubernetes_writes_them() {
        assert_eq!(super::cpu(2000), "2");
        assert_eq!(super::cpu(1500), "1500m");
        assert_eq!(super::memory(8 << 30), "8Gi");
        assert_eq!(super::memory(512 << 20), "512Mi");
    }
}
