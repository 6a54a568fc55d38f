//! Karpenter's provisioning decision (kubernetes-sigs/karpenter,
//! pkg/controllers/provisioning/scheduling/scheduler.go `Solve`): the batch's pending pods,
//! biggest first, go onto NodeClaims; each claim keeps the instance types (offerings) that
//! still fit every pod put on it, and launches the cheapest of them. A pod that no open claim
//! can take opens a new claim from the NodePools in weight order.
//!
//! The fit of a pod on an instance type is kubesim's scheduler filters on a template node of
//! that type, as in the Cluster Autoscaler (`cluster_autoscaler::scale_up::pod_context`).

use super::cluster_autoscaler::scale_up::pod_context;
use crate::model::instance_types::InstanceType;
use crate::model::store::{Node, PodId, Store};
use crate::scheduler::Profile;

/// One way to launch a node: a pool (NodePool) and an instance type of it, at a price.
#[derive(Clone, Debug)]
pub struct Offering {
    /// The pool's index in `cluster.nodes`.
    pub group: usize,
    pub instance: Option<&'static InstanceType>,
    pub price_per_hour: f64,
    /// The pool's NodePool weight (higher first).
    pub weight: i32,
    /// A node of this type from the pool's template, with its DaemonSet pods' requests.
    pub template: Node,
}

/// A NodeClaim the solve opened: its pool, the offerings still possible with what each
/// node would hold, and its pods.
#[derive(Clone, Debug)]
pub struct Claim {
    pub group: usize,
    /// (index into the offerings, the template with the claim's pods on it).
    pub options: Vec<(usize, Node)>,
    pub pods: Vec<PodId>,
}

impl Claim {
    /// The offering it launches: the cheapest still possible (the first on ties, in the
    /// offerings' order).
    pub fn cheapest(&self, offerings: &[Offering]) -> usize {
        let mut best = self.options[0].0;
        for &(o, _) in &self.options[1..] {
            if offerings[o].price_per_hour < offerings[best].price_per_hour {
                best = o;
            }
        }
        best
    }
}

/// The solve: claims for `pods`, given how much more CPU (millicores of allocatable) each
/// pool may launch (`room`, by group: its `limits.cpu`), and the pods nothing could take.
pub fn solve(
    profile: &Profile,
    store: &Store,
    pods: &[PodId],
    offerings: &[Offering],
    room: &mut [i64],
) -> (Vec<Claim>, Vec<PodId>) {
    // byCPUAndMemoryDescending: the biggest pods first, ties in their order.
    let mut order: Vec<PodId> = pods.to_vec();
    order.sort_by_key(|&p| {
        let r = store.pods[p].spec.requests();
        (std::cmp::Reverse(r.cpu_millis), std::cmp::Reverse(r.memory_bytes))
    });
    let mut claims: Vec<Claim> = Vec::new();
    let mut failed = Vec::new();
    // NodePools by weight, then in file order.
    let mut pools: Vec<usize> = Vec::new();
    for o in offerings {
        if !pools.contains(&o.group) {
            pools.push(o.group);
        }
    }
    let weight = |g: usize| offerings.iter().find(|o| o.group == g).map_or(0, |o| o.weight);
    pools.sort_by_key(|&g| std::cmp::Reverse(weight(g)));
    'pods: for pod in order {
        let ctx = pod_context(store, pod);
        let spec = &store.pods[pod].spec;
        for claim in &mut claims {
            let fits: Vec<bool> = claim.options.iter().map(|(_, n)| profile.filter_node(&ctx, n).is_ok()).collect();
            if fits.iter().any(|&f| f) {
                let mut i = 0;
                claim.options.retain(|_| {
                    i += 1;
                    fits[i - 1]
                });
                for (_, node) in &mut claim.options {
                    node.place_copy(pod, spec);
                }
                claim.pods.push(pod);
                continue 'pods;
            }
        }
        for &group in &pools {
            // Instance types that would exceed the NodePool's limits are left out.
            let options: Vec<(usize, Node)> = offerings
                .iter()
                .enumerate()
                .filter(|(_, o)| o.group == group && o.template.allocatable.cpu_millis <= room[group])
                .filter(|(_, o)| profile.filter_node(&ctx, &o.template).is_ok())
                .map(|(i, o)| {
                    let mut node = o.template.clone();
                    node.place_copy(pod, spec);
                    (i, node)
                })
                .collect();
            if !options.is_empty() {
                let claim = Claim { group, options, pods: vec![pod] };
                room[group] -= offerings[claim.cheapest(offerings)].template.allocatable.cpu_millis;
                claims.push(claim);
                continue 'pods;
            }
        }
        failed.push(pod);
    }
    (claims, failed)
}
