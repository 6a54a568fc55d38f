//! PodTopologySpread: hard constraints (DoNotSchedule) filter nodes whose domain would be
//! too far above the least loaded one; soft constraints (ScheduleAnyway, or the system
//! defaults: hostname maxSkew 3, zone maxSkew 5) score emptier domains higher.

use super::{FilterPlugin, PodContext, ScorePlugin, Unfit, MAX_NODE_SCORE};
use crate::model::store::{Node, NodeId};
use crate::scheduler::cycle::SpreadConstraint;
use crate::scheduler::topology::MISSING;

pub const REASON: &str = "node(s) didn't match pod topology spread constraints";
pub const REASON_MISSING_LABEL: &str = "node(s) didn't match pod topology spread constraints (missing required label)";

pub struct PodTopologySpread;

impl FilterPlugin for PodTopologySpread {
    fn name(&self) -> &'static str {
        "PodTopologySpread"
    }

    fn filter(&self, pod: &PodContext<'_>, node: &Node) -> Result<(), Unfit> {
        for s in &pod.spread_hard {
            let Some(matching) = s.count_at(node.id) else {
                return Err(Unfit::unresolvable(REASON_MISSING_LABEL));
            };
            let skew = matching + s.self_match - s.min_match();
            if skew > i64::from(s.c.max_skew) {
                return Err(Unfit::resolvable(REASON));
            }
        }
        Ok(())
    }

    fn skip(&self, pod: &PodContext<'_>) -> bool {
        pod.spread_hard.is_empty()
    }
}

/// `cnt * log(domains + 2) + (maxSkew - 1)` (scoreForCount).
#[inline]
fn score_for_count(count: i64, max_skew: i32, weight: f64) -> f64 {
    count as f64 * weight + f64::from(max_skew - 1)
}

/// `x.round() as i64` (half away from zero) without a libm call: below 2^52 the fraction
/// `x - trunc(x)` is exact, so the comparison with one half decides exactly as `round` does.
#[inline]
fn round_half_away(x: f64) -> i64 {
    const EXACT: f64 = (1u64 << 52) as f64;
    if x.is_nan() || x.abs() >= EXACT {
        return x.round() as i64;
    }
    let whole = x as i64;
    let fraction = x - whole as f64;
    // Without branches: which way a score rounds is data, not something to predict.
    whole + i64::from(fraction >= 0.5) - i64::from(fraction <= -0.5)
}

/// One soft constraint as scoring reads it: the node's domain, the count there, and the
/// constraint's weight and skew term, gathered once per attempt rather than per node.
struct SoftTerm<'c> {
    node_value: &'c [u32],
    counts: &'c [i64],
    weight: f64,
    max_skew: i32,
    /// What the term adds on every node, when every node has the key and all share one
    /// value (a single zone).
    constant: Option<f64>,
}

impl SoftTerm<'_> {
    /// Matching pods in the node's domain (the node has the key).
    #[inline]
    fn count_at(&self, node: NodeId) -> i64 {
        let v = self.node_value.get(node.index()).copied().unwrap_or(0);
        self.counts.get(v as usize).copied().unwrap_or(0)
    }

    /// The raw score when this term's count is `count` and the others add `rest`, with the
    /// floating-point operations of `score_of` (addition commutes exactly).
    #[inline]
    fn raw_for_count(&self, count: i64, rest: f64) -> i64 {
        round_half_away(score_for_count(count, self.max_skew, self.weight) + rest)
    }

    /// The term's part of the score of a node that has the key.
    #[inline]
    fn part(&self, value: u32) -> f64 {
        match self.constant {
            Some(c) => c,
            None => score_for_count(self.counts.get(value as usize).copied().unwrap_or(0), self.max_skew, self.weight),
        }
    }
}

fn soft_terms<'c>(pod: &'c PodContext<'_>) -> Vec<SoftTerm<'c>> {
    pod.spread_soft
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let weight = pod.spread_weights.get(i).copied().unwrap_or(1.0);
            let constant = (s.index.complete && s.index.values.len() == 1)
                .then(|| score_for_count(s.counts.first().copied().unwrap_or(0), s.c.max_skew, weight));
            SoftTerm { node_value: &s.index.node_value, counts: &s.counts, weight, max_skew: s.c.max_skew, constant }
        })
        .collect()
}

/// The raw score of the node with this id: it depends on the node's domains only, so the
/// node itself is not read.
#[inline]
fn score_of(terms: &[SoftTerm<'_>], system_default: bool, node: NodeId) -> i64 {
    let mut score = 0.0;
    for t in terms {
        let v = t.node_value.get(node.index()).copied().unwrap_or(MISSING);
        if v == MISSING {
            if system_default {
                continue;
            }
            return -1;
        }
        score += t.part(v);
    }
    round_half_away(score)
}

/// `score_of` for two terms whose keys every node has (the system defaults on a labelled
/// cluster): no missing-key cases, the terms' parts added in the same order.
#[inline]
fn score_of_two_complete(a: &SoftTerm<'_>, b: &SoftTerm<'_>, node: NodeId) -> i64 {
    let value = |t: &SoftTerm<'_>| t.node_value.get(node.index()).copied().unwrap_or(0);
    round_half_away(a.part(value(a)) + b.part(value(b)))
}

/// The soft constraints' raw score of any node for one attempt: the terms gathered and
/// the constraints' shape decided once, so that the loop over nodes does the least.
pub struct SpreadScorer<'c> {
    terms: Vec<SoftTerm<'c>>,
    system_default: bool,
    shape: Shape,
}

#[derive(Clone, Copy)]
enum Shape {
    /// Any constraints: a node may lack a key.
    General,
    /// Two terms whose keys every node has.
    TwoComplete,
    /// One term varies from node to node and every node has its key; the others add the
    /// same everywhere (`rest`: one value on every node, such as the one zone) or nothing
    /// (a system default whose key no node has). The score is then a non-decreasing
    /// function of one count.
    OneVarying { term: usize, rest: f64 },
}

impl<'c> SpreadScorer<'c> {
    pub fn new(pod: &'c PodContext<'_>) -> Self {
        let terms = soft_terms(pod);
        let system_default = pod.spread_system_default;
        let absent = |s: &SpreadConstraint| system_default && s.index.values.is_empty();
        let complete = pod.spread_soft.iter().all(|s| s.index.complete);
        let varying: Vec<usize> =
            (0..terms.len()).filter(|&i| terms[i].constant.is_none() && !absent(&pod.spread_soft[i])).collect();
        let simple =
            pod.spread_soft.iter().zip(&terms).all(|(s, t)| absent(s) || t.constant.is_some() || s.index.complete);
        let shape = match (terms.len(), varying.as_slice()) {
            (1 | 2, &[term]) if simple => {
                let rest = terms.iter().filter_map(|t| t.constant).sum::<f64>();
                Shape::OneVarying { term, rest }
            }
            (2, _) if complete => Shape::TwoComplete,
            _ => Shape::General,
        };
        SpreadScorer { terms, system_default, shape }
    }

    /// The raw scores of the nodes with these ids (-1: a node lacks a required key), by
    /// a loop made for the constraints' shape.
    pub fn raw_all(&self, feasible: &[NodeId], out: &mut Vec<i64>) {
        out.clear();
        match (self.shape, self.terms.as_slice()) {
            (Shape::OneVarying { term, rest }, terms) => {
                let t = &terms[term];
                out.extend(feasible.iter().map(|&id| t.raw_for_count(t.count_at(id), rest)));
            }
            (Shape::TwoComplete, [a, b]) => out.extend(feasible.iter().map(|&id| score_of_two_complete(a, b, id))),
            _ => out.extend(feasible.iter().map(|&id| score_of(&self.terms, self.system_default, id))),
        }
    }

    /// Adds `weight` times each node's normalised score, and `everywhere`, to `total` (in
    /// the order of `feasible`), as score_all, normalize and the weighted sum would.
    /// With one varying count, the score is a function of that count: the counts are read
    /// once and the normalised score is looked up per distinct count.
    pub fn add_normalized(
        &self,
        feasible: &[NodeId],
        weight: i64,
        everywhere: i64,
        total: &mut [i64],
        scratch: &mut Vec<i64>,
    ) {
        if let Some((t, rest)) = self.one_varying() {
            scratch.clear();
            let (mut lo, mut hi) = (i64::MAX, i64::MIN);
            scratch.extend(feasible.iter().map(|&id| {
                let count = t.count_at(id);
                lo = lo.min(count);
                hi = hi.max(count);
                count
            }));
            let (least, greatest) = (t.raw_for_count(lo, rest), t.raw_for_count(hi, rest));
            // The raw score does not decrease with the count (the weight is positive), so
            // the extremes of the counts give the extremes of the scores.
            if !feasible.is_empty() && least >= 0 && hi - lo < feasible.len() as i64 {
                let normalizer = SpreadNormalizer::new(least, greatest, feasible.len());
                let by_count: Vec<i64> =
                    (lo..=hi).map(|c| everywhere + weight * normalizer.apply(t.raw_for_count(c, rest))).collect();
                for (sum, &count) in total.iter_mut().zip(scratch.iter()) {
                    *sum += by_count.get((count - lo) as usize).copied().unwrap_or(0);
                }
                return;
            }
        }
        self.raw_all(feasible, scratch);
        let min = scratch.iter().map(|&s| if s < 0 { i64::MAX } else { s }).min().unwrap_or(i64::MAX);
        let max = scratch.iter().copied().max().unwrap_or(-1);
        let normalizer = SpreadNormalizer::new(min, max, scratch.len());
        for (sum, &s) in total.iter_mut().zip(scratch.iter()) {
            *sum += everywhere + weight * normalizer.apply(s);
        }
    }

    fn one_varying(&self) -> Option<(&SoftTerm<'c>, f64)> {
        match self.shape {
            Shape::OneVarying { term, rest } => self.terms.get(term).map(|t| (t, rest)),
            _ => None,
        }
    }
}

/// NormalizeScore's mapping once the least and greatest valid (non-negative) raw scores
/// are known: `100 * (max + min - s) / max`, 0 for invalid scores, 100 everywhere when
/// the greatest is 0.
pub struct SpreadNormalizer {
    min: i64,
    max: i64,
    /// The results for min..=max when that range is narrower than the nodes are many:
    /// a lookup instead of a division per node.
    table: Vec<i64>,
}

impl SpreadNormalizer {
    /// `min` is the least non-negative raw score (i64::MAX if none), `max` the greatest
    /// of all (negative if none is valid).
    pub fn new(min: i64, max: i64, nodes: usize) -> Self {
        let (min, max) = if max < 0 { (0, 0) } else { (min, max) };
        let span = max.saturating_sub(min);
        let table = if max > 0 && span < nodes as i64 {
            (min..=max).map(|s| Self::formula(min, max, s)).collect()
        } else {
            Vec::new()
        };
        SpreadNormalizer { min, max, table }
    }

    fn formula(min: i64, max: i64, s: i64) -> i64 {
        if s < 0 {
            0
        } else if max == 0 {
            MAX_NODE_SCORE
        } else {
            MAX_NODE_SCORE * (max + min - s) / max
        }
    }

    #[inline]
    pub fn apply(&self, s: i64) -> i64 {
        if s < 0 {
            0
        } else if self.table.is_empty() {
            Self::formula(self.min, self.max, s)
        } else {
            self.table.get((s - self.min) as usize).copied().unwrap_or(0)
        }
    }
}

/// The soft constraints' score (weight 2). A node that lacks a required key scores -1
/// (ignored) and ends at 0.
pub struct PodTopologySpreadScore;

impl ScorePlugin for PodTopologySpreadScore {
    fn name(&self) -> &'static str {
        "PodTopologySpread"
    }

    fn weight(&self) -> i64 {
        2
    }

    fn applies(&self, pod: &PodContext<'_>) -> bool {
        !pod.spread_soft.is_empty()
    }

    fn score(&self, pod: &PodContext<'_>, node: &Node) -> i64 {
        score_of(&soft_terms(pod), pod.spread_system_default, node.id)
    }

    fn score_all(&self, pod: &PodContext<'_>, _nodes: &[Node], feasible: &[NodeId], out: &mut Vec<i64>) {
        SpreadScorer::new(pod).raw_all(feasible, out);
    }

    fn fusable(&self) -> bool {
        true
    }

    fn normalize(&self, _pod: &PodContext<'_>, scores: &mut [i64]) {
        let min = scores.iter().map(|&s| if s < 0 { i64::MAX } else { s }).min().unwrap_or(i64::MAX);
        let max = scores.iter().copied().max().unwrap_or(-1);
        let normalizer = SpreadNormalizer::new(min, max, scores.len());
        for s in scores.iter_mut() {
            *s = normalizer.apply(*s);
        }
    }
}

/// PreScore's normalising weight of each soft constraint: log(number of domains among the
/// feasible nodes + 2); for hostname, the feasible nodes themselves.
pub fn normalizing_weights(pod: &PodContext<'_>, feasible: &[NodeId]) -> Vec<f64> {
    pod.spread_soft
        .iter()
        .map(|s| {
            let hostname = s.c.topology_key == super::super::cycle::HOSTNAME;
            let size = match (hostname, s.index.complete) {
                // Every node has a hostname: one domain per feasible node.
                (true, true) => feasible.len(),
                (true, false) => feasible.iter().filter(|&&n| s.index.value_of(n) != MISSING).count(),
                // Every node carries the one value there is (a single zone).
                (false, true) if s.index.values.len() == 1 => usize::from(!feasible.is_empty()),
                (false, _) => {
                    let mut seen = vec![false; s.index.values.len()];
                    for &n in feasible {
                        let v = s.index.value_of(n);
                        if v != MISSING {
                            seen[v as usize] = true;
                        }
                    }
                    seen.iter().filter(|x| **x).count()
                }
            };
            ((size + 2) as f64).ln()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::spec::{PodSpec, Selector};
    use crate::scheduler::cycle::system_default_constraints;
    use crate::scheduler::topology::TopologyIndex;
    use std::sync::Arc;

    /// The one-pass sum (`add_normalized`, with its per-count table) equals score_all, then
    /// normalize, then the weighted sum, for every shape of the system defaults: one zone,
    /// no zone label, three zones, a node without a hostname, counts spread thin or wide.
    #[test]
    fn add_normalized_equals_score_all_then_normalize() {
        let n = 12u32;
        let hosts = |missing: Option<u32>| TopologyIndex {
            node_value: (0..n).map(|i| if Some(i) == missing { MISSING } else { i }).collect(),
            values: (0..n).map(|i| format!("h{i}")).collect(),
            complete: missing.is_none(),
        };
        let zones = |count: u32| TopologyIndex {
            node_value: (0..n).map(|i| if count == 0 { MISSING } else { i % count }).collect(),
            values: (0..count).map(|z| format!("z{z}")).collect(),
            complete: count > 0,
        };
        let spec = PodSpec::default();
        let constraints = system_default_constraints(&Selector::default());
        for host_missing in [None, Some(5)] {
            for zone_count in [1, 0, 3] {
                for host_counts in [
                    (0..n).map(|i| i64::from(i * 7 % 5)).collect::<Vec<_>>(),
                    (0..n).map(|i| i64::from(i) * 100).collect(),
                ] {
                    for system_default in [true, false] {
                        let mut ctx = PodContext::new(&spec);
                        let zone_counts: Vec<i64> = (0..zone_count).map(|z| i64::from(z) * 4 + 3).collect();
                        ctx.spread_soft = vec![
                            SpreadConstraint::new(
                                constraints[0].clone(),
                                Arc::new(hosts(host_missing)),
                                Arc::new(host_counts.clone()),
                                None,
                                1,
                            ),
                            SpreadConstraint::new(
                                constraints[1].clone(),
                                Arc::new(zones(zone_count)),
                                Arc::new(zone_counts),
                                None,
                                1,
                            ),
                        ];
                        ctx.spread_system_default = system_default;
                        let feasible: Vec<NodeId> = (0..n).filter(|i| i % 4 != 3).map(NodeId).collect();
                        ctx.spread_weights = normalizing_weights(&ctx, &feasible);
                        let mut expected = Vec::new();
                        PodTopologySpreadScore.score_all(&ctx, &[], &feasible, &mut expected);
                        PodTopologySpreadScore.normalize(&ctx, &mut expected);
                        let mut total = vec![1000; feasible.len()];
                        SpreadScorer::new(&ctx).add_normalized(&feasible, 2, 300, &mut total, &mut Vec::new());
                        let want: Vec<i64> = expected.iter().map(|s| 1300 + 2 * s).collect();
                        let case = (host_missing, zone_count, host_counts[3], system_default);
                        assert_eq!(total, want, "{case:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn rounding_is_half_away_from_zero_as_round() {
        let xs = [0.0, 0.49999999999999994, 0.5, 1.5, 2.5, -0.5, -1.5, -2.4999, 3.0000001, 1e15 + 0.5, 4.5e15, -7.5e15];
        for x in xs.into_iter().chain((0..2000).map(|i| f64::from(i) * 0.173 - 170.0)) {
            assert_eq!(round_half_away(x), x.round() as i64, "{x}");
        }
    }
}
