//! Each score plugin's part in a node's total, for narration: the same plugins, weights and
//! NormalizeScore as `Profile::scores`, kept per plugin. Only asked when narrating, after
//! the decision, so the scheduling itself never pays for it.

use super::plugins::PodContext;
use super::Profile;
use crate::model::store::{Node, NodeId};

/// The weighted, normalised scores of the feasible nodes, per plugin that applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScoreBreakdown {
    /// Feasible nodes, in the order they were scored.
    pub nodes: Vec<NodeId>,
    /// (plugin name, its weighted score of each node in `nodes`).
    pub plugins: Vec<(&'static str, Vec<i64>)>,
    /// The total of each node in `nodes` (what selectHost compares).
    pub totals: Vec<i64>,
}

impl ScoreBreakdown {
    /// The plugin whose score separated `winner` from `runner_up` most (None when none
    /// favoured the winner: a tie broken at random).
    pub fn deciding_plugin(&self, winner: usize, runner_up: usize) -> Option<&'static str> {
        self.plugins
            .iter()
            .map(|(name, scores)| (*name, scores[winner] - scores[runner_up]))
            .filter(|&(_, gap)| gap > 0)
            .fold(None, |best: Option<(&'static str, i64)>, (name, gap)| match best {
                Some((_, best_gap)) if best_gap >= gap => best,
                _ => Some((name, gap)),
            })
            .map(|(name, _)| name)
    }
}

impl Profile {
    /// The scores of `feasible` plugin by plugin (as `scores` computes them).
    pub fn score_breakdown(&mut self, pod: &mut PodContext<'_>, nodes: &[Node], feasible: &[NodeId]) -> ScoreBreakdown {
        pod.spread_weights = super::plugins::pod_topology_spread::normalizing_weights(pod, feasible);
        let mut totals = vec![0i64; feasible.len()];
        let mut plugins = Vec::new();
        let raw = &mut self.raw_scores;
        for (plugin, weight) in &self.frameworks[self.active].scores {
            if !plugin.applies(pod) {
                continue;
            }
            plugin.score_all(pod, nodes, feasible, raw);
            plugin.normalize(pod, raw);
            let weight = *weight;
            let weighted: Vec<i64> = raw.iter().map(|s| weight * s).collect();
            for (t, s) in totals.iter_mut().zip(&weighted) {
                *t += s;
            }
            plugins.push((plugin.name(), weighted));
        }
        ScoreBreakdown { nodes: feasible.to_vec(), plugins, totals }
    }
}

#[cfg(test)]
mod tests {
    use super::ScoreBreakdown;
    use crate::model::store::NodeId;

    #[test]
    fn the_plugin_with_the_widest_gap_decides_and_a_tie_has_none() {
        let b = ScoreBreakdown {
            nodes: vec![NodeId(0), NodeId(1)],
            plugins: vec![
                ("TaintToleration", vec![300, 300]),
                ("NodeResourcesFit", vec![80, 70]),
                ("BalancedAllocation", vec![95, 90]),
            ],
            totals: vec![475, 460],
        };
        assert_eq!(b.deciding_plugin(0, 1), Some("NodeResourcesFit"));
        let tie = ScoreBreakdown {
            nodes: vec![NodeId(0), NodeId(1)],
            plugins: vec![("NodeResourcesFit", vec![50, 50])],
            totals: vec![50, 50],
        };
        assert_eq!(tie.deciding_plugin(0, 1), None);
    }
}
