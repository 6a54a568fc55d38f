//! Scale-up: which pools could take the pods the scheduler left unschedulable, how many new
//! nodes each would need (the binpacking estimator), and why a pod helps no pool.
//!
//! Follows cluster-autoscaler/core/scaleup/orchestrator/orchestrator.go (`ScaleUp`,
//! `ComputeExpansionOption`) and estimator/binpacking_estimator.go (`Estimate`).

use super::PoolView;
use crate::model::store::{Node, PodId, Store};
use crate::scheduler::cycle::PodContext;
use crate::scheduler::Profile;
use std::collections::BTreeMap;

/// What adding nodes to one pool would do.
#[derive(Clone, Debug, PartialEq)]
pub struct ScaleUpOption {
    /// Index into the scan's pools.
    pub pool: usize,
    /// New nodes the estimator says the pods need (capped by the pool's max).
    pub nodes: u32,
    /// The pods they would take, in the estimator's order.
    pub pods: Vec<PodId>,
}

/// Why a pod helps no pool: per pool, the reason (`NotTriggerScaleUp`'s parts).
pub type NoScaleUp = BTreeMap<PodId, Vec<String>>;

/// The reason a pool at its maximum gives (orchestrator.go's `maxLimitReachedReason`).
pub const MAX_REACHED: &str = "max node group size reached";

/// A pod's scheduling context for a template node: its own spec, labels and namespace;
/// the cluster-wide state (spreading and inter-pod affinity counts) is not simulated on
/// nodes that do not exist yet.
pub fn pod_context<'a>(store: &'a Store, pod: PodId) -> PodContext<'a> {
    let p = &store.pods[pod];
    let mut ctx = PodContext::new(&p.spec);
    ctx.id = Some(pod);
    ctx.labels = &p.labels;
    ctx.namespace = &p.namespace;
    ctx
}

/// Pods that schedule alike: the same spec (a ReplicaSet's pods share theirs), so what one
/// of them fits, another fits too (the Cluster Autoscaler's pod equivalence groups). Only
/// compared for equality, never ordered, so no address reaches an output.
pub fn equivalence(store: &Store, pod: PodId) -> usize {
    std::sync::Arc::as_ptr(&store.pods[pod].spec) as usize
}

/// Places `pods` on `nodes` (new nodes from a template, or nodes already starting), first
/// fit in order, adding new nodes from `template` up to `limit` more when given: the
/// binpacking estimator. Returns the pods placed and the nodes added.
pub fn binpack(
    profile: &Profile,
    store: &Store,
    template: &Node,
    nodes: &mut Vec<Node>,
    pods: &[PodId],
    limit: Option<u32>,
) -> (Vec<PodId>, u32) {
    // Biggest first: the estimator sorts by each pod's share of the template's CPU and
    // memory (binpacking_estimator.go, `sortPodsByScore`, decreasing), ties in order.
    let alloc = &template.allocatable;
    let share = |v: i64, of: i64| if of > 0 { v as f64 / of as f64 } else { 0.0 };
    let mut order: Vec<(f64, usize)> = pods
        .iter()
        .enumerate()
        .map(|(i, &p)| {
            let r = store.pods[p].spec.requests();
            (share(r.cpu_millis, alloc.cpu_millis) + share(r.memory_bytes, alloc.memory_bytes), i)
        })
        .collect();
    order.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut placed = Vec::new();
    let mut added = 0u32;
    // Per equivalence group: the first node that may still take one of its pods (the nodes
    // before it refused one, and only fill up), and whether a fresh node refused one.
    let mut first_open: std::collections::BTreeMap<usize, usize> = Default::default();
    let mut no_fresh: std::collections::BTreeSet<usize> = Default::default();
    for (_, i) in order {
        let pod = pods[i];
        let class = equivalence(store, pod);
        let ctx = pod_context(store, pod);
        let from = first_open.get(&class).copied().unwrap_or(0).min(nodes.len());
        if let Some(k) = (from..nodes.len()).find(|&k| profile.filter_node(&ctx, &nodes[k]).is_ok()) {
            nodes[k].place_copy(pod, &store.pods[pod].spec);
            first_open.insert(class, k);
            placed.push(pod);
            continue;
        }
        first_open.insert(class, nodes.len());
        let Some(limit) = limit else { continue };
        if added >= limit || no_fresh.contains(&class) {
            continue;
        }
        let mut fresh = template.clone();
        if profile.filter_node(&ctx, &fresh).is_ok() {
            fresh.place_copy(pod, &store.pods[pod].spec);
            first_open.insert(class, nodes.len());
            nodes.push(fresh);
            placed.push(pod);
            added += 1;
        } else {
            no_fresh.insert(class);
        }
    }
    (placed, added)
}

/// The scale-up options for `pods` (unschedulable, and not taken by nodes already
/// starting), one per pool that could take some of them, and the reasons of the pods that
/// no pool could take.
pub fn options(
    profile: &Profile,
    store: &Store,
    pods: &[PodId],
    pools: &[PoolView<'_>],
) -> (Vec<ScaleUpOption>, NoScaleUp) {
    let mut options = Vec::new();
    let mut reasons: BTreeMap<PodId, Vec<String>> = BTreeMap::new();
    for (i, pool) in pools.iter().enumerate() {
        let room = pool.max().saturating_sub(pool.target);
        if room == 0 {
            // A pool at its maximum is skipped before any pod is looked at.
            for &pod in pods {
                reasons.entry(pod).or_default().push(MAX_REACHED.to_string());
            }
            continue;
        }
        // Which pods the template could take at all (the orchestrator's
        // `SchedulablePodGroups` over the template's NodeInfo, once per equivalence group).
        let mut fits = Vec::new();
        let mut verdicts: std::collections::BTreeMap<usize, Result<(), String>> = Default::default();
        for &pod in pods {
            let verdict = verdicts.entry(equivalence(store, pod)).or_insert_with(|| {
                let ctx = pod_context(store, pod);
                profile
                    .filter_node(&ctx, &pool.template)
                    .map_err(|unfit| unfit.reasons.first().cloned().unwrap_or_else(|| "node(s) didn't fit".into()))
            });
            match verdict {
                Ok(()) => fits.push(pod),
                Err(why) => reasons.entry(pod).or_default().push(why.clone()),
            }
        }
        if fits.is_empty() {
            continue;
        }
        let mut new_nodes = Vec::new();
        let (placed, nodes) = binpack(profile, store, &pool.template, &mut new_nodes, &fits, Some(room));
        if nodes > 0 {
            options.push(ScaleUpOption { pool: i, nodes, pods: placed });
        }
    }
    // A pod gets `NotTriggerScaleUp` only when every pool said no; one that some template
    // takes but whose estimate left it out is looked at again next scan.
    reasons.retain(|_, why| why.len() == pools.len());
    (options, reasons)
}

/// `NotTriggerScaleUp`'s message: the reasons counted across pools, as the scheduler's
/// message counts them across nodes (orchestrator.go, `ReasonsMessage`).
pub fn not_triggered_message(reasons: &[String]) -> String {
    format!("pod didn't trigger scale-up: {}", crate::scheduler::histogram(reasons.iter().map(String::as_str)))
}

/// `TriggeredScaleUp`'s message: `pod triggered scale-up: [{POOL 1->3 (max: 10)}]`.
pub fn triggered_message(pool: &str, from: u32, to: u32, max: u32) -> String {
    format!("pod triggered scale-up: [{{{pool} {from}->{to} (max: {max})}}]")
}
