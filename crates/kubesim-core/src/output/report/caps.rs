//! What a run's report.html embeds when the run is large: the caps that keep the page light
//! (a few hundred kilobytes of data, a canvas of at most 60 node rows, at most 4 MiB of
//! inline chart images) however many pods and events the run had. Small runs are under every cap
//! and embed everything. Pure functions over counts, so that each choice is deterministic
//! (input order and `BTreeMap` order only) and tested on its own.

use crate::model::events::{EventRecord, EventType};
use std::collections::BTreeMap;

/// At most this many events go into the page (events.csv has them all).
pub const EVENT_BUDGET: usize = 2_000;
/// The pods-per-node timeline draws at most this many nodes...
pub const MAX_TIMELINE_NODES: usize = 60;
/// ...and at most this many pod bars (pods.csv has every pod).
pub const MAX_TIMELINE_PODS: usize = 3_000;
/// Charts are embedded as PNG while their bytes add up to at most this much; the others are
/// shown from the run's `charts/` folder. At about 40 KB a chart, and at most 62 charts drawn
/// (12 Deployments, 12 Services, 12 HPAs), every run's charts fit.
pub const INLINE_CHART_BYTES: usize = 4 << 20;

/// Indices into `records` of the events the page embeds, in time order: every event when
/// they fit in `budget`.
///
/// Otherwise, what a user debugging the run needs is every *kind* of thing that happened, not
/// the first minutes of it: a large run's first thousands of events are the same five pod
/// lifecycle reasons (Scheduled, Pulled, Created, Started, one readiness Unhealthy per pod)
/// and would bury the rare ones (NodeNotReady, evictions, a rollout's ScalingReplicaSet).
/// So Warning events get half of the page (more if Normal events leave room) and
/// Normal events the rest, and within each type the slots are shared fairly between reasons
/// (`fair_quotas`): a reason with fewer events than its fair share keeps all of them, a
/// frequent reason gives a sample spread evenly over the run, its first and last included.
pub fn pick_events(records: &[EventRecord], budget: usize) -> Vec<usize> {
    if records.len() <= budget {
        return (0..records.len()).collect();
    }
    let mut warnings: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    let mut normal: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, e) in records.iter().enumerate() {
        let groups = match e.kind {
            EventType::Warning => &mut warnings,
            EventType::Normal => &mut normal,
        };
        groups.entry(e.reason).or_default().push(i);
    }
    let n_warnings: usize = warnings.values().map(Vec::len).sum();
    let n_normal = records.len() - n_warnings;
    let warning_slots = n_warnings.min((budget / 2).max(budget.saturating_sub(n_normal)));
    let normal_slots = budget.saturating_sub(warning_slots);
    let mut picked = Vec::with_capacity(budget);
    for (groups, slots) in [(&warnings, warning_slots), (&normal, normal_slots)] {
        let lists: Vec<&Vec<usize>> = groups.values().collect();
        let counts: Vec<usize> = lists.iter().map(|l| l.len()).collect();
        for (list, quota) in lists.iter().zip(fair_quotas(&counts, slots)) {
            picked.extend(spread(list.len(), quota).map(|j| list[j]));
        }
    }
    picked.sort_unstable();
    picked
}

/// Shares `slots` between groups of `counts` items (max-min fairness, "water filling"):
/// a group smaller than its fair share keeps every item and leaves the rest to the others.
/// The quotas add up to `min(slots, total)`; a remainder that does not divide evenly goes
/// one each to the first of the largest groups, in group order.
pub fn fair_quotas(counts: &[usize], slots: usize) -> Vec<usize> {
    if counts.iter().sum::<usize>() <= slots {
        return counts.to_vec();
    }
    let mut order: Vec<usize> = (0..counts.len()).collect();
    order.sort_by_key(|&g| (counts[g], g));
    let mut quotas = vec![0; counts.len()];
    let mut remaining = slots;
    for (k, &g) in order.iter().enumerate() {
        let left = counts.len() - k;
        let fair = remaining / left;
        if counts[g] <= fair {
            quotas[g] = counts[g];
            remaining -= counts[g];
            continue;
        }
        // This group and every larger one are capped at the fair share.
        let mut capped = order[k..].to_vec();
        capped.sort_unstable();
        for (j, &h) in capped.iter().enumerate() {
            quotas[h] = fair + usize::from(j < remaining % left);
        }
        break;
    }
    quotas
}

/// `quota` positions out of `0..count`, evenly spread, the first and the last included.
fn spread(count: usize, quota: usize) -> impl Iterator<Item = usize> {
    let quota = quota.min(count);
    (0..quota).map(move |j| if quota <= 1 { 0 } else { j * (count - 1) / (quota - 1) })
}

/// The nodes the timeline draws when the run has more than `max_nodes` nodes or more than
/// `max_pods` pods that were scheduled: `None` when everything fits. `pods_per_node[n]` is
/// how many bars node `n` would have, `failed[n]` whether it was ever NotReady.
///
/// The nodes that failed come first (the failures are what the timeline is for), then the
/// others in the cluster's order, each with all its pods while they fit in `max_pods`
/// (a node whose pods do not fit is passed over). Returned in the cluster's order, with how
/// many of its pods each draws: all of them, except when not even one node fits whole; then
/// the first node is drawn with its first `max_pods` pods.
pub fn pick_nodes(
    pods_per_node: &[usize],
    failed: &[bool],
    max_nodes: usize,
    max_pods: usize,
) -> Option<Vec<(usize, usize)>> {
    let total: usize = pods_per_node.iter().sum();
    if pods_per_node.len() <= max_nodes && total <= max_pods {
        return None;
    }
    let has_failed = |n: usize| failed.get(n).copied().unwrap_or(false);
    let priority =
        (0..pods_per_node.len()).filter(|&n| has_failed(n)).chain((0..pods_per_node.len()).filter(|&n| !has_failed(n)));
    let mut chosen: Vec<(usize, usize)> = Vec::new();
    let mut bars = 0;
    let mut first = None;
    for n in priority {
        first.get_or_insert(n);
        if chosen.len() == max_nodes {
            break;
        }
        if bars + pods_per_node[n] <= max_pods {
            bars += pods_per_node[n];
            chosen.push((n, pods_per_node[n]));
        }
    }
    if chosen.is_empty() {
        if let Some(n) = first.filter(|_| max_nodes > 0) {
            chosen.push((n, pods_per_node[n].min(max_pods)));
        }
    }
    chosen.sort_unstable();
    Some(chosen)
}

/// Which charts are embedded, given each chart's PNG size and whether it is one of the
/// cluster-wide charts: every chart when they fit in `budget` bytes; otherwise only the
/// cluster-wide charts (they summarise the whole run), and the per-object ones (a
/// Deployment's, a Service's, an HPA's) all alike from the run's folder, rather than the
/// first few objects' embedded and the others not.
pub fn pick_inline_charts(sizes: &[usize], cluster: &[bool], budget: usize) -> Vec<bool> {
    if sizes.iter().sum::<usize>() <= budget {
        return vec![true; sizes.len()];
    }
    let mut used = 0;
    sizes
        .iter()
        .enumerate()
        .map(|(i, &size)| {
            let fits = cluster.get(i).copied().unwrap_or(false) && used + size <= budget;
            used += if fits { size } else { 0 };
            fits
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimTime;

    fn event(t: u64, warning: bool, reason: &'static str) -> EventRecord {
        EventRecord {
            time: SimTime(t),
            kind: if warning { EventType::Warning } else { EventType::Normal },
            reason,
            object: format!("pod/p{t}"),
            message: String::new(),
        }
    }

    #[test]
    fn fair_quotas_fill_small_groups_and_share_the_rest() {
        assert_eq!(fair_quotas(&[3, 5], 10), vec![3, 5]);
        assert_eq!(fair_quotas(&[3, 100, 100], 10), vec![3, 4, 3]);
        assert_eq!(fair_quotas(&[100, 2, 100, 1], 20), vec![9, 2, 8, 1]);
        assert_eq!(fair_quotas(&[50, 50], 0), vec![0, 0]);
        assert_eq!(fair_quotas(&[], 5), Vec::<usize>::new());
        for (counts, slots) in [(vec![7, 1, 9, 30, 2], 17), (vec![1000, 999, 3], 1500)] {
            let q = fair_quotas(&counts, slots);
            assert_eq!(q.iter().sum::<usize>(), slots);
            assert!(q.iter().zip(&counts).all(|(q, c)| q <= c));
        }
    }

    #[test]
    fn spread_keeps_the_first_and_the_last() {
        assert_eq!(spread(10, 3).collect::<Vec<_>>(), vec![0, 4, 9]);
        assert_eq!(spread(5, 5).collect::<Vec<_>>(), vec![0, 1, 2, 3, 4]);
        assert_eq!(spread(7, 1).collect::<Vec<_>>(), vec![0]);
        assert_eq!(spread(3, 0).count(), 0);
    }

    #[test]
    fn events_that_fit_are_all_kept_in_order() {
        let records: Vec<EventRecord> = (0..5).map(|t| event(t, t == 2, "X")).collect();
        assert_eq!(pick_events(&records, 5), vec![0, 1, 2, 3, 4]);
    }

    #[test]
    fn rare_reasons_and_warnings_survive_a_flood() {
        // 10,000 Scheduled, 3 ScalingReplicaSet, 600 Unhealthy and 2 NodeNotReady warnings.
        let mut records = Vec::new();
        for t in 0..10_000 {
            records.push(event(t, false, "Scheduled"));
            if t % 4000 == 0 {
                records.push(event(t, false, "ScalingReplicaSet"));
            }
            if t % 16 == 0 && t < 9_600 {
                records.push(event(t, true, "Unhealthy"));
            }
            if t == 5_000 || t == 9_999 {
                records.push(event(t, true, "NodeNotReady"));
            }
        }
        let picked = pick_events(&records, 1_000);
        assert_eq!(picked.len(), 1_000);
        assert!(picked.windows(2).all(|w| w[0] < w[1]), "time order");
        let count = |reason: &str| picked.iter().filter(|&&i| records[i].reason == reason).count();
        assert_eq!(count("ScalingReplicaSet"), 3);
        assert_eq!(count("NodeNotReady"), 2);
        // Warnings get half: 2 NodeNotReady and 498 of the 600 Unhealthy.
        assert_eq!(count("Unhealthy"), 498);
        assert_eq!(count("Scheduled"), 497);
        // A frequent reason is sampled over the whole run.
        let scheduled: Vec<u64> =
            picked.iter().filter(|&&i| records[i].reason == "Scheduled").map(|&i| records[i].time.0).collect();
        assert_eq!((scheduled[0], scheduled[scheduled.len() - 1]), (0, 9_999));
    }

    #[test]
    fn warnings_take_what_normal_events_leave() {
        let mut records: Vec<EventRecord> = (0..900).map(|t| event(t, true, "BackOff")).collect();
        records.extend((0..300).map(|t| event(t, false, "Pulled")));
        let picked = pick_events(&records, 1_000);
        let warnings = picked.iter().filter(|&&i| records[i].kind == EventType::Warning).count();
        assert_eq!((picked.len(), warnings), (1_000, 700));
    }

    #[test]
    fn nodes_that_failed_come_first_and_the_pods_stay_under_the_cap() {
        assert_eq!(pick_nodes(&[5, 5, 5], &[false; 3], 3, 15), None);
        // Ten nodes of 40 pods, node 7 failed: it and the first four others fit in 200 bars.
        let mut failed = vec![false; 10];
        failed[7] = true;
        assert_eq!(pick_nodes(&[40; 10], &failed, 60, 200), Some(vec![(0, 40), (1, 40), (2, 40), (3, 40), (7, 40)]));
        // A node that does not fit is passed over; the node cap holds.
        assert_eq!(pick_nodes(&[10, 500, 10, 10], &[false; 4], 2, 100), Some(vec![(0, 10), (2, 10)]));
        // No node fits whole: the first is drawn with as many pods as the cap allows.
        assert_eq!(pick_nodes(&[900, 800], &[false, true], 60, 100), Some(vec![(1, 100)]));
    }

    #[test]
    fn only_the_cluster_charts_are_embedded_when_not_all_fit() {
        assert_eq!(pick_inline_charts(&[10, 10, 10], &[false, false, true], 30), vec![true; 3]);
        assert_eq!(
            pick_inline_charts(&[10, 10, 10, 10, 8], &[false, false, false, true, true], 30),
            vec![false, false, false, true, true]
        );
        assert_eq!(pick_inline_charts(&[10, 25, 25], &[false, true, true], 30), vec![false, true, false]);
    }
}
