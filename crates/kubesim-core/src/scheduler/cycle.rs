//! The cycle state: what the PreFilter and PreScore steps of the plugins compute once per
//! scheduling attempt, before any node is looked at.

use super::topology::{TopologyCache, TopologyIndex, MISSING};
use crate::engine::SimTime;
use crate::model::spec::{
    InclusionPolicy, Labels, PodAffinityTerm, PodSpec, Resources, Selector, TopologySpreadConstraint, WhenUnsatisfiable,
};
use crate::model::store::{Node, NodeId, NonZero, PodId, Store};
use std::collections::BTreeMap;
use std::sync::Arc;

pub const HOSTNAME: &str = "kubernetes.io/hostname";
pub const ZONE: &str = "topology.kubernetes.io/zone";

/// One topology spread constraint with the pod counts per domain.
#[derive(Clone, Debug)]
pub struct SpreadConstraint {
    pub c: TopologySpreadConstraint,
    pub index: Arc<TopologyIndex>,
    /// Matching pods per topology value (by the index's value number), over the nodes
    /// that count. Shared with the scheduler's per-owner cache for the system defaults.
    pub counts: Arc<Vec<i64>>,
    /// Whether a value is an eligible domain: some node that counts carries it (None: every
    /// value of the index is).
    pub domain: Option<Vec<bool>>,
    /// Whether the incoming pod matches its own selector (it would count itself).
    pub self_match: i64,
    min_match: i64,
}

impl SpreadConstraint {
    pub fn new(
        c: TopologySpreadConstraint,
        index: Arc<TopologyIndex>,
        counts: Arc<Vec<i64>>,
        domain: Option<Vec<bool>>,
        self_match: i64,
    ) -> Self {
        // Only hard constraints need the global minimum (Filter); skip the pass otherwise.
        let min_match = if c.when_unsatisfiable == WhenUnsatisfiable::DoNotSchedule {
            let is_domain = |v: usize| domain.as_ref().is_none_or(|d| d[v]);
            let domains = (0..counts.len()).filter(|&v| is_domain(v)).count() as i64;
            let min = (0..counts.len()).filter(|&v| is_domain(v)).map(|v| counts[v]).min().unwrap_or(0);
            if c.min_domains.is_some_and(|m| domains < i64::from(m)) {
                0
            } else {
                min
            }
        } else {
            0
        };
        SpreadConstraint { c, index, counts, domain, self_match, min_match }
    }

    /// The global minimum of matching pods over the eligible domains; 0 when there are
    /// fewer domains than `minDomains`.
    pub fn min_match(&self) -> i64 {
        self.min_match
    }

    /// Matching pods in the node's domain, None when the node lacks the key.
    #[inline]
    pub fn count_at(&self, node: NodeId) -> Option<i64> {
        let v = self.index.value_of(node);
        (v != MISSING).then(|| self.counts.get(v as usize).copied().unwrap_or(0))
    }
}

/// Inter-pod affinity counts per (topology key, value).
#[derive(Clone, Debug, Default)]
pub struct AffinityCounts {
    /// Pods matching the incoming pod's required affinity terms.
    pub affinity: BTreeMap<(String, String), i64>,
    /// Pods matching its required anti-affinity terms.
    pub anti_affinity: BTreeMap<(String, String), i64>,
    /// Existing pods whose required anti-affinity terms match the incoming pod.
    pub existing_anti_affinity: BTreeMap<(String, String), i64>,
    /// Preferred terms both ways, as a score per (key, value).
    pub preferred: BTreeMap<(String, String), i64>,
}

/// Everything the plugins need to know about the pod being scheduled.
pub struct PodContext<'a> {
    pub id: Option<PodId>,
    pub spec: &'a PodSpec,
    pub labels: &'a Labels,
    pub namespace: &'a str,
    pub requests: Resources,
    pub nonzero: NonZero,
    pub now: SimTime,
    /// Hard (DoNotSchedule) constraints, for Filter.
    pub spread_hard: Vec<SpreadConstraint>,
    /// Soft constraints (ScheduleAnyway, or the system defaults), for Score.
    pub spread_soft: Vec<SpreadConstraint>,
    /// Whether the soft constraints are the system defaults (nodes need not have every key).
    pub spread_system_default: bool,
    pub affinity: AffinityCounts,
    /// Image -> nodes that have it, and the cluster's node count, for ImageLocality.
    pub image_nodes: Vec<(String, u32)>,
    pub total_nodes: usize,
    pub image_size: Vec<i64>,
    /// PreScore of PodTopologySpread: log(domains + 2) per soft constraint, over the
    /// feasible nodes (set by the profile before scoring).
    pub spread_weights: Vec<f64>,
    /// The pod's PersistentVolumeClaims, for VolumeBinding (empty without claims).
    pub volumes: super::plugins::volume_binding::VolumeNeeds,
}

impl<'a> PodContext<'a> {
    /// A context with no cluster-wide state (for unit tests of single plugins).
    pub fn new(spec: &'a PodSpec) -> Self {
        static EMPTY: std::sync::OnceLock<Labels> = std::sync::OnceLock::new();
        PodContext {
            id: None,
            spec,
            labels: EMPTY.get_or_init(Labels::new),
            namespace: "default",
            requests: spec.requests(),
            nonzero: NonZero::of(spec),
            now: SimTime::ZERO,
            spread_hard: Vec::new(),
            spread_soft: Vec::new(),
            spread_system_default: false,
            affinity: AffinityCounts::default(),
            image_nodes: Vec::new(),
            total_nodes: 0,
            image_size: Vec::new(),
            spread_weights: Vec::new(),
            volumes: Default::default(),
        }
    }

    /// PreFilter and PreScore for a pod of the store. `defaults` are the system default
    /// spreading counts of the pod's owner (hostname and zone), from the scheduler's cache.
    pub fn prepare(
        store: &'a Store,
        topology: &TopologyCache,
        pod: PodId,
        defaults: Option<DefaultSpread>,
        image_size: &dyn Fn(&str) -> i64,
        now: SimTime,
    ) -> Self {
        Self::prepare_with(store, topology, pod, defaults, &ProfileArgs::DEFAULT, image_size, now)
    }

    /// `prepare` with a profile's plugin arguments (its default spreading constraints and
    /// hard pod affinity weight).
    pub fn prepare_with(
        store: &'a Store,
        topology: &TopologyCache,
        pod: PodId,
        defaults: Option<DefaultSpread>,
        args: &ProfileArgs<'_>,
        image_size: &dyn Fn(&str) -> i64,
        now: SimTime,
    ) -> Self {
        let p = &store.pods[pod];
        let spec: &PodSpec = &p.spec;
        let mut ctx = PodContext::new(spec);
        ctx.id = Some(pod);
        ctx.labels = &p.labels;
        ctx.namespace = &p.namespace;
        ctx.now = now;
        ctx.total_nodes = store.nodes().len();
        ctx.volumes = super::plugins::volume_binding::VolumeNeeds::of(store, &p.namespace, &spec.claims);
        let images: Vec<&str> =
            spec.init_containers.iter().chain(spec.containers.iter()).map(|c| c.image.as_str()).collect();
        ctx.image_nodes = images.iter().map(|i| (i.to_string(), store.nodes_with_image(i))).collect();
        ctx.image_size = images.iter().map(|i| image_size(i)).collect();
        let mut matching = MatchCache::default();
        let resolved: Vec<TopologySpreadConstraint> =
            spec.topology_spread.iter().map(|c| resolve_match_label_keys(c, &p.labels)).collect();
        let (hard, soft): (Vec<_>, Vec<_>) =
            resolved.iter().partition(|c| c.when_unsatisfiable == WhenUnsatisfiable::DoNotSchedule);
        let hard: Vec<TopologySpreadConstraint> = hard.into_iter().cloned().collect();
        let hard_keys: Vec<String> = hard.iter().map(|c| c.topology_key.clone()).collect();
        ctx.spread_hard =
            hard.into_iter().map(|c| spread_counts(store, topology, &mut matching, &ctx, c, &hard_keys)).collect();
        if let (true, Some(list), Some(d)) = (spec.topology_spread.is_empty(), args.spread_defaults, &defaults) {
            // PodTopologySpreadArgs `defaultingType: List`: the listed constraints over the
            // pod's default selector, counted as the pod's own constraints are
            // (buildDefaultConstraints; every node must carry every key).
            let with_selector =
                |c: &TopologySpreadConstraint| TopologySpreadConstraint { selector: d.selector.clone(), ..c.clone() };
            let (hard, soft): (Vec<_>, Vec<_>) =
                list.iter().map(with_selector).partition(|c| c.when_unsatisfiable == WhenUnsatisfiable::DoNotSchedule);
            let hard_keys: Vec<String> = hard.iter().map(|c| c.topology_key.clone()).collect();
            let soft_keys: Vec<String> = soft.iter().map(|c| c.topology_key.clone()).collect();
            ctx.spread_hard =
                hard.into_iter().map(|c| spread_counts(store, topology, &mut matching, &ctx, c, &hard_keys)).collect();
            ctx.spread_soft =
                soft.into_iter().map(|c| spread_counts(store, topology, &mut matching, &ctx, c, &soft_keys)).collect();
        } else if spec.topology_spread.is_empty() {
            if let Some(d) = defaults.filter(|_| args.spread_defaults.is_none()) {
                // System defaults do not require every key: nodes without a zone still spread
                // by hostname. The pod matches its default selector, so it counts itself.
                ctx.spread_system_default = true;
                ctx.spread_soft = system_default_constraints(&d.selector)
                    .into_iter()
                    .zip(d.counts)
                    .map(|(c, counts)| {
                        let index = topology.get(&c.topology_key);
                        SpreadConstraint::new(c, index, counts, None, 1)
                    })
                    .collect();
            }
        } else {
            let soft: Vec<TopologySpreadConstraint> = soft.into_iter().cloned().collect();
            let soft_keys: Vec<String> = soft.iter().map(|c| c.topology_key.clone()).collect();
            ctx.spread_soft =
                soft.into_iter().map(|c| spread_counts(store, topology, &mut matching, &ctx, c, &soft_keys)).collect();
        }
        ctx.affinity = affinity_counts(store, &ctx, args.hard_pod_affinity_weight);
        ctx
    }

    /// The namespaces a pod affinity term looks in: its own list, or the pod's namespace.
    pub fn term_namespaces(&self, term: &PodAffinityTerm) -> Vec<String> {
        if term.namespaces.is_empty() {
            vec![self.namespace.to_string()]
        } else {
            term.namespaces.clone()
        }
    }
}

/// What a profile's plugin arguments change in the cycle state.
pub struct ProfileArgs<'p> {
    /// PodTopologySpreadArgs with `defaultingType: List` (None: the system defaults).
    pub spread_defaults: Option<&'p [TopologySpreadConstraint]>,
    /// InterPodAffinityArgs.hardPodAffinityWeight.
    pub hard_pod_affinity_weight: i64,
}

impl ProfileArgs<'static> {
    pub const DEFAULT: Self = ProfileArgs { spread_defaults: None, hard_pod_affinity_weight: 1 };
}

/// The system default spreading counts of a pod: the pods of `DefaultSelector` (its
/// ReplicaSet, ReplicationController or StatefulSet, or the Services selecting it) per
/// hostname and per zone (`scheduler::owner_spread`).
pub struct DefaultSpread {
    pub selector: Selector,
    /// Counts by value of the hostname index, then of the zone index.
    pub counts: [Arc<Vec<i64>>; 2],
}

/// Kubernetes' system default spreading: hostname maxSkew 3 and zone maxSkew 5, both
/// ScheduleAnyway (podtopologyspread `systemDefaultConstraints`), over `DefaultSelector`.
pub fn system_default_constraints(selector: &Selector) -> Vec<TopologySpreadConstraint> {
    [(HOSTNAME, 3), (ZONE, 5)]
        .into_iter()
        .map(|(key, skew)| TopologySpreadConstraint {
            max_skew: skew,
            topology_key: key.to_string(),
            when_unsatisfiable: WhenUnsatisfiable::ScheduleAnyway,
            selector: selector.clone(),
            min_domains: None,
            match_label_keys: Vec::new(),
            node_affinity_policy: InclusionPolicy::Honor,
            node_taints_policy: InclusionPolicy::Ignore,
        })
        .collect()
}

/// Does the node count for this constraint (nodeAffinityPolicy / nodeTaintsPolicy)?
pub fn node_included(ctx: &PodContext<'_>, c: &TopologySpreadConstraint, node: &Node) -> bool {
    let affinity_ok = c.node_affinity_policy == InclusionPolicy::Ignore
        || super::plugins::node_affinity::required_matches(ctx.spec, node);
    let taints_ok = c.node_taints_policy == InclusionPolicy::Ignore
        || super::plugins::taint_toleration::untolerated_hard_taint(ctx.spec, node).is_none();
    affinity_ok && taints_ok
}

/// `matchLabelKeys` with the pod's own label values, as the API server merges them
/// (`key In [value]`); keys the pod lacks are ignored.
fn resolve_match_label_keys(c: &TopologySpreadConstraint, labels: &Labels) -> TopologySpreadConstraint {
    let mut c = c.clone();
    for key in &c.match_label_keys {
        let Some(value) = labels.get(key) else { continue };
        let present =
            c.selector.match_labels.contains_key(key) || c.selector.match_expressions.iter().any(|r| r.key == *key);
        if !present {
            c.selector.match_expressions.push(crate::model::spec::SelectorRequirement {
                key: key.clone(),
                operator: crate::model::spec::SelectorOperator::In,
                values: vec![value.clone()],
            });
        }
    }
    c
}

/// The pods a selector matches, remembered for the constraints of one attempt (the system
/// defaults ask twice with the same selector).
#[derive(Default)]
struct MatchCache {
    last: Option<(Selector, Vec<PodId>)>,
}

impl MatchCache {
    fn get(&mut self, store: &Store, namespace: &str, selector: &Selector) -> &[PodId] {
        let hit = self.last.as_ref().is_some_and(|(s, _)| s == selector);
        if !hit {
            self.last = Some((selector.clone(), store.bound_pods_matching(&[namespace.to_string()], selector)));
        }
        self.last.as_ref().map_or(&[], |(_, pods)| pods.as_slice())
    }
}

/// The topology keys a pod's spreading needs indexed.
pub fn spread_keys(spec: &PodSpec, system_default: bool) -> Vec<String> {
    spread_keys_with(spec, system_default, None)
}

/// `spread_keys` with a profile's default constraints (`defaultingType: List`).
pub fn spread_keys_with(spec: &PodSpec, defaults: bool, list: Option<&[TopologySpreadConstraint]>) -> Vec<String> {
    let mut keys: Vec<String> = spec.topology_spread.iter().map(|c| c.topology_key.clone()).collect();
    if spec.topology_spread.is_empty() && defaults {
        match list {
            Some(list) => keys.extend(list.iter().map(|c| c.topology_key.clone())),
            None => keys.extend([HOSTNAME.to_string(), ZONE.to_string()]),
        }
    }
    keys
}

/// Counts the pods matching `c` per topology value over the nodes that count: they pass
/// the inclusion policies and carry every key in `required_keys`.
fn spread_counts(
    store: &Store,
    topology: &TopologyCache,
    matching: &mut MatchCache,
    ctx: &PodContext<'_>,
    c: TopologySpreadConstraint,
    required_keys: &[String],
) -> SpreadConstraint {
    let index = topology.get(&c.topology_key);
    let mut counts = vec![0i64; index.values.len()];
    let pod_restricts_nodes = !ctx.spec.node_selector.is_empty() || ctx.spec.affinity.node_required.is_some();
    let check_each_node = (c.node_affinity_policy == InclusionPolicy::Honor && pod_restricts_nodes)
        || c.node_taints_policy == InclusionPolicy::Honor
        || required_keys.iter().any(|k| *k != c.topology_key);
    // Fast path: every node with the key counts, so every value is a domain.
    let eligible: Option<Vec<bool>> = check_each_node.then(|| {
        store
            .nodes()
            .iter()
            .map(|node| {
                index.value_of(node.id) != MISSING
                    && required_keys.iter().all(|k| node.labels.contains_key(k))
                    && node_included(ctx, &c, node)
            })
            .collect()
    });
    let domain = eligible.as_ref().map(|e| {
        let mut domain = vec![false; index.values.len()];
        for (n, &v) in index.node_value.iter().enumerate() {
            if v != MISSING && e[n] {
                domain[v as usize] = true;
            }
        }
        domain
    });
    if !c.selector.is_empty() {
        for &pod in matching.get(store, ctx.namespace, &c.selector) {
            let Some(n) = store.pods[pod].node else { continue };
            let v = index.value_of(n);
            if v != MISSING && eligible.as_ref().is_none_or(|e| e[n.index()]) {
                counts[v as usize] += 1;
            }
        }
    }
    let self_match = i64::from(!c.selector.is_empty() && c.selector.matches(ctx.labels));
    SpreadConstraint::new(c, index, Arc::new(counts), domain, self_match)
}

fn pair(store: &Store, node: NodeId, key: &str) -> Option<(String, String)> {
    store.nodes()[node].labels.get(key).map(|v| (key.to_string(), v.clone()))
}

/// The inter-pod affinity counts (PreFilter and PreScore of InterPodAffinity).
fn affinity_counts(store: &Store, ctx: &PodContext<'_>, hard_pod_affinity_weight: i64) -> AffinityCounts {
    let mut out = AffinityCounts::default();
    let a = &ctx.spec.affinity;
    let count_term = |term: &PodAffinityTerm, map: &mut BTreeMap<(String, String), i64>, weight: i64| {
        for pod in store.bound_pods_matching(&ctx.term_namespaces(term), &term.selector) {
            if Some(pod) == ctx.id {
                continue;
            }
            if let Some(n) = store.pods[pod].node {
                if let Some(p) = pair(store, n, &term.topology_key) {
                    *map.entry(p).or_insert(0) += weight;
                }
            }
        }
    };
    for term in &a.pod_affinity_required {
        count_term(term, &mut out.affinity, 1);
    }
    for term in &a.pod_anti_affinity_required {
        count_term(term, &mut out.anti_affinity, 1);
    }
    for w in &a.pod_affinity_preferred {
        count_term(&w.term, &mut out.preferred, i64::from(w.weight));
    }
    for w in &a.pod_anti_affinity_preferred {
        count_term(&w.term, &mut out.preferred, -i64::from(w.weight));
    }
    // Existing pods' terms about the incoming pod.
    for &other in store.bound_with_affinity() {
        let o = &store.pods[other];
        if o.terminating.is_some() || Some(other) == ctx.id {
            continue;
        }
        let Some(n) = o.node else { continue };
        let matches = |term: &PodAffinityTerm| {
            let ns_ok = if term.namespaces.is_empty() {
                o.namespace == ctx.namespace
            } else {
                term.namespaces.iter().any(|x| x == ctx.namespace)
            };
            ns_ok && term.selector.matches(ctx.labels)
        };
        let oa = &o.spec.affinity;
        for term in oa.pod_anti_affinity_required.iter().filter(|t| matches(t)) {
            if let Some(p) = pair(store, n, &term.topology_key) {
                *out.existing_anti_affinity.entry(p).or_insert(0) += 1;
            }
        }
        // The existing pods' required affinity counts with hardPodAffinityWeight (1), none
        // when it is 0 (scoring.go `processExistingPod`).
        if hard_pod_affinity_weight > 0 {
            for term in oa.pod_affinity_required.iter().filter(|t| matches(t)) {
                if let Some(p) = pair(store, n, &term.topology_key) {
                    *out.preferred.entry(p).or_insert(0) += hard_pod_affinity_weight;
                }
            }
        }
        for w in oa.pod_affinity_preferred.iter().filter(|w| matches(&w.term)) {
            if let Some(p) = pair(store, n, &w.term.topology_key) {
                *out.preferred.entry(p).or_insert(0) += i64::from(w.weight);
            }
        }
        for w in oa.pod_anti_affinity_preferred.iter().filter(|w| matches(&w.term)) {
            if let Some(p) = pair(store, n, &w.term.topology_key) {
                *out.preferred.entry(p).or_insert(0) -= i64::from(w.weight);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::spec::SelectorOperator;

    #[test]
    fn match_label_keys_take_the_pods_own_values() {
        let c = TopologySpreadConstraint {
            max_skew: 1,
            topology_key: ZONE.into(),
            when_unsatisfiable: WhenUnsatisfiable::DoNotSchedule,
            selector: Selector { match_labels: [("app".into(), "web".into())].into(), match_expressions: vec![] },
            min_domains: None,
            match_label_keys: vec!["pod-template-hash".into(), "absent".into()],
            node_affinity_policy: InclusionPolicy::Honor,
            node_taints_policy: InclusionPolicy::Ignore,
        };
        let labels: Labels = [("app".into(), "web".into()), ("pod-template-hash".into(), "5d8f".into())].into();
        let r = resolve_match_label_keys(&c, &labels);
        assert_eq!(r.selector.match_expressions.len(), 1, "the key the pod lacks is ignored");
        let e = &r.selector.match_expressions[0];
        assert_eq!(
            (e.key.as_str(), e.operator, e.values.as_slice()),
            ("pod-template-hash", SelectorOperator::In, &["5d8f".to_string()][..])
        );
        let mut other = labels.clone();
        other.insert("pod-template-hash".into(), "old".into());
        assert!(r.selector.matches(&labels) && !r.selector.matches(&other), "only pods of the same revision count");
    }
}
