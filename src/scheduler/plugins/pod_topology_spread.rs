//! PodTopologySpread: hard constraints (DoNotSchedule) filter nodes whose domain would be
//! too far above the least loaded one; soft constraints (ScheduleAnyway, or the system
//! defaults: hostname maxSkew 3, zone maxSkew 5) score emptier domains higher.

use super::{FilterPlugin, PodContext, ScorePlugin, Unfit, MAX_NODE_SCORE};
use crate::model::store::Node;

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
fn score_for_count(count: i64, max_skew: i32, weight: f64) -> f64 {
    count as f64 * weight + f64::from(max_skew - 1)
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
        let mut score = 0.0;
        for (i, s) in pod.spread_soft.iter().enumerate() {
            let Some(count) = s.count_at(node.id) else {
                if pod.spread_system_default {
                    continue;
                }
                return -1;
            };
            score += score_for_count(count, s.c.max_skew, pod.spread_weights.get(i).copied().unwrap_or(1.0));
        }
        score.round() as i64
    }

    fn normalize(&self, _pod: &PodContext<'_>, scores: &mut [i64]) {
        let valid = || scores.iter().copied().filter(|&s| s >= 0);
        let (min, max) = (valid().min().unwrap_or(0), valid().max().unwrap_or(0));
        for s in scores.iter_mut() {
            *s = if *s < 0 {
                0
            } else if max == 0 {
                MAX_NODE_SCORE
            } else {
                MAX_NODE_SCORE * (max + min - *s) / max
            };
        }
    }
}

/// PreScore's normalising weight of each soft constraint: log(number of domains among the
/// feasible nodes + 2); for hostname, the feasible nodes themselves.
pub fn normalizing_weights(pod: &PodContext<'_>, feasible: &[crate::model::store::NodeId]) -> Vec<f64> {
    use super::super::topology::MISSING;
    pod.spread_soft
        .iter()
        .map(|s| {
            let size = if s.c.topology_key == super::super::cycle::HOSTNAME {
                feasible.iter().filter(|&&n| s.index.value_of(n) != MISSING).count()
            } else {
                let mut seen = vec![false; s.index.values.len()];
                for &n in feasible {
                    let v = s.index.value_of(n);
                    if v != MISSING {
                        seen[v as usize] = true;
                    }
                }
                seen.iter().filter(|x| **x).count()
            };
            ((size + 2) as f64).ln()
        })
        .collect()
}
