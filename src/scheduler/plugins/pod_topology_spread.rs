//! PodTopologySpread: hard constraints (DoNotSchedule) filter nodes whose domain would be
//! too far above the least loaded one; soft constraints (ScheduleAnyway, or the system
//! defaults: hostname maxSkew 3, zone maxSkew 5) score emptier domains higher.

use super::{FilterPlugin, PodContext, ScorePlugin, Unfit, MAX_NODE_SCORE};
use crate::model::store::{Node, NodeId};
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
        let v = t.node_value.get(node as usize).copied().unwrap_or(MISSING);
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
    let value = |t: &SoftTerm<'_>| t.node_value.get(node as usize).copied().unwrap_or(0);
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
    /// Two such terms, the second with one value shared by every node (hostname, then
    /// the one zone): what it adds is the same everywhere.
    VaryingThenConstant(f64),
}

impl<'c> SpreadScorer<'c> {
    pub fn new(pod: &'c PodContext<'_>) -> Self {
        let terms = soft_terms(pod);
        let complete = pod.spread_soft.iter().all(|s| s.index.complete);
        let shape = match terms.as_slice() {
            [a, b] if complete && a.constant.is_none() => b.constant.map_or(Shape::TwoComplete, Shape::VaryingThenConstant),
            [_, _] if complete => Shape::TwoComplete,
            _ => Shape::General,
        };
        SpreadScorer { terms, system_default: pod.spread_system_default, shape }
    }

    /// The raw scores of the nodes with these ids (-1: a node lacks a required key), by
    /// a loop made for the constraints' shape.
    pub fn raw_all(&self, feasible: &[NodeId], out: &mut Vec<i64>) {
        out.clear();
        match (self.shape, self.terms.as_slice()) {
            (Shape::VaryingThenConstant(rest), [a, _]) => out.extend(feasible.iter().map(|&id| {
                let v = a.node_value.get(id as usize).copied().unwrap_or(0);
                round_half_away(a.part(v) + rest)
            })),
            (Shape::TwoComplete, [a, b]) => out.extend(feasible.iter().map(|&id| score_of_two_complete(a, b, id))),
            _ => out.extend(feasible.iter().map(|&id| score_of(&self.terms, self.system_default, id))),
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
    use super::round_half_away;

    #[test]
    fn rounding_is_half_away_from_zero_as_round() {
        let xs = [0.0, 0.49999999999999994, 0.5, 1.5, 2.5, -0.5, -1.5, -2.4999, 3.0000001, 1e15 + 0.5, 4.5e15, -7.5e15];
        for x in xs.into_iter().chain((0..2000).map(|i| f64::from(i) * 0.173 - 170.0)) {
            assert_eq!(round_half_away(x), x.round() as i64, "{x}");
        }
    }
}
