//! The replay's data: what the page needs to show the cluster at any moment of the run, as
//! state changes rather than snapshots. A pod is its lifecycle times (created, bound to a
//! node, started, first Ready, terminating, finished, deleted) and the times its containers
//! restarted, as pods.csv and the pods-per-node timeline read them from the store; a node is
//! its taints and cordon at the start and each later change (NotReady / Ready from the node
//! events, cordon / uncordon / taint from the timeline's commands and `kubectl drain`); a
//! Service is its ready endpoint count each time it changed (timeseries.csv's
//! `service/NAME/endpoints`, sampled every `sample`). The script rebuilds the cluster at a
//! chosen time from these.
//!
//! Bounded like the rest of the page (`caps`): the pods of the nodes the timeline draws, at
//! most `MAX_PENDING_PODS` pods that never ran on a node, `MAX_NARRATION_LINES` narration
//! lines and `MAX_MARKS` marks on the time axis.

use super::caps;
use crate::engine::SimTime;
use crate::kubectl::KubectlCommand;
use crate::model::spec::{Action, NodeFaultKind, Scenario, Taint};
use crate::sim::Outcome;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Pods that were never bound to a node the replay keeps (they wait outside the nodes).
pub const MAX_PENDING_PODS: usize = 500;
/// Narration lines the page embeds (narration.log has them all).
pub const MAX_NARRATION_LINES: usize = 3_000;
/// Marks on the time axis: the timeline's commands and faults, and node failures.
pub const MAX_MARKS: usize = 300;

/// Seconds with millisecond precision, as the page's other times.
fn secs(t: SimTime) -> f64 {
    (t.as_micros() / 1000) as f64 / 1000.0
}

/// What the replay leaves out of a large run.
#[derive(Default)]
pub struct ReplayCut {
    pub pending_shown: usize,
    pub pending_total: usize,
    pub narration_shown: usize,
    pub narration_total: usize,
    pub marks_total: usize,
}

impl ReplayCut {
    pub fn any(&self) -> bool {
        self.pending_shown < self.pending_total
            || self.narration_shown < self.narration_total
            || self.marks_total > MAX_MARKS
    }
}

/// `key=value:Effect` as kubectl writes a taint.
fn taint_text(t: &Taint) -> String {
    t.text_with_key(&t.key)
}

/// The replay's JSON. `node_position[n]`: where node `n` is drawn (the timeline's choice of
/// nodes), None when it is not; `kept[p]`: whether pod `p`, bound to a drawn node, is kept.
pub fn replay(
    scenario: &Scenario,
    outcome: &Outcome,
    node_position: &[Option<usize>],
    kept: &[bool],
) -> (Value, ReplayCut) {
    let store = &outcome.store;
    let records = &outcome.recorder.records;
    let mut cut = ReplayCut::default();

    // Owners, by their `kind/name` as pods.csv writes them.
    let mut owners: Vec<String> = Vec::new();
    let mut owner_index: BTreeMap<String, usize> = BTreeMap::new();
    // Pods kept: those on drawn nodes, then the first pods that never had one.
    let never_bound = store.pods.iter().filter(|p| p.node.is_none()).count();
    cut.pending_total = never_bound;
    let mut pending_left = MAX_PENDING_PODS;
    let chosen: Vec<usize> = store
        .pods
        .iter()
        .enumerate()
        .filter(|(i, p)| match p.node {
            Some(_) => kept.get(*i).copied().unwrap_or(false),
            None => pending_left.checked_sub(1).map(|left| pending_left = left).is_some(),
        })
        .map(|(i, _)| i)
        .collect();
    cut.pending_shown = never_bound.min(MAX_PENDING_PODS);

    // The times each kept pod with restarts started a container: its restarts are the last
    // `restarts()` of them (the first start of each container is not a restart).
    let names: Vec<String> = chosen
        .iter()
        .map(|&i| {
            let p = &store.pods[crate::model::store::PodId::from_index(i)];
            crate::metrics::timeseries::column_name(&p.namespace, &p.name)
        })
        .collect();
    let mut starts: BTreeMap<&str, Vec<SimTime>> = BTreeMap::new();
    for (&i, name) in chosen.iter().zip(&names) {
        if store.pods[crate::model::store::PodId::from_index(i)].restarts() > 0 {
            starts.insert(name.as_str(), Vec::new());
        }
    }
    if !starts.is_empty() {
        for e in records {
            if e.reason == "Started" {
                if let Some(list) = e.object.strip_prefix("pod/").and_then(|n| starts.get_mut(n)) {
                    list.push(e.time);
                }
            }
        }
    }

    let pods: Vec<Value> = chosen
        .iter()
        .zip(&names)
        .map(|(&i, name)| {
            let p = &store.pods[crate::model::store::PodId::from_index(i)];
            let owner = store.owner_names(p).map_or(-1, |(kind, namespace, owner)| {
                let key = format!("{}/{}", kind.resource(), crate::metrics::timeseries::column_name(namespace, owner));
                let next = owners.len();
                let index = *owner_index.entry(key.clone()).or_insert(next);
                if index == next {
                    owners.push(key);
                }
                index as i64
            });
            let node = p.node.and_then(|n| node_position.get(n.index()).copied().flatten()).map_or(-1, |n| n as i64);
            let restarts: Vec<f64> = starts.get(name.as_str()).map_or_else(Vec::new, |list| {
                let n = (p.restarts() as usize).min(list.len());
                list[list.len() - n..].iter().map(|&t| secs(t)).collect()
            });
            let sidecars = p.spec.init_containers.iter().filter(|c| c.sidecar).count();
            let t = |x: Option<SimTime>| x.map(secs);
            json!([
                name,
                owner,
                p.revision,
                node,
                secs(p.created),
                t(p.scheduled),
                t(p.started),
                t(p.first_ready),
                t(p.terminating),
                t(p.finished),
                t(p.deleted),
                p.phase.as_str(),
                p.reason,
                restarts,
                p.containers.len() + sidecars,
                p.spec.containers.first().map_or("", |c| c.image.as_str()),
            ])
        })
        .collect();

    // Nodes: taints and cordon at the start (the cluster's node groups, in the store's
    // order), then each change.
    let mut taints_now: Vec<Vec<Taint>> = Vec::new();
    for g in &scenario.nodes {
        for _ in 0..g.count {
            taints_now.push(g.taints.clone());
        }
    }
    taints_now.resize(store.nodes().len(), Vec::new());
    let nodes: Vec<Value> = store
        .nodes()
        .iter()
        .enumerate()
        .filter_map(|(i, n)| {
            let position = node_position.get(i).copied().flatten()?;
            Some((position, json!([n.name, taints_now[i].iter().map(taint_text).collect::<Vec<_>>()])))
        })
        .collect::<BTreeMap<usize, Value>>()
        .into_values()
        .collect();
    let drawn = |name: &str| {
        store
            .find_node_any(name)
            .and_then(|n| node_position.get(n.index()).copied().flatten().map(|pos| (n.index(), pos)))
    };
    // (time, order, node position, change, detail): events and commands merged in time order.
    let mut changes: Vec<(SimTime, usize, usize, &'static str, Value)> = Vec::new();
    let mut marks: Vec<(SimTime, usize, &'static str, String)> = Vec::new();
    for (k, e) in records.iter().enumerate() {
        let Some(node) = e.object.strip_prefix("node/") else { continue };
        let change = match e.reason {
            "NodeNotReady" => "NotReady",
            "NodeReady" => "Ready",
            // A pool's node joining and leaving (sim/node_pools.rs).
            "RegisteredNode" => "added",
            "RemovingNode" => "removed",
            "Drain" if e.message.ends_with(" cordoned") => "cordon",
            _ => continue,
        };
        if change == "NotReady" {
            marks.push((e.time, k, "node", format!("node/{node} NotReady")));
        }
        if let Some((_, pos)) = drawn(node) {
            changes.push((e.time, k, pos, change, Value::Null));
        }
    }
    for (k, entry) in scenario.timeline.iter().enumerate() {
        let order = records.len() + k;
        match &entry.action {
            Action::Fault(f) => {
                let kind = match f.kind {
                    NodeFaultKind::Recover => "recover",
                    _ => "fault",
                };
                marks.push((entry.at, order, kind, entry.text.clone()));
            }
            Action::Kubectl(command) => {
                marks.push((entry.at, order, "kubectl", entry.text.clone()));
                let (node, change) = match command {
                    KubectlCommand::Cordon { node } => (node, "cordon"),
                    KubectlCommand::Uncordon { node } => (node, "uncordon"),
                    KubectlCommand::Taint { node, .. } => (node, "taints"),
                    _ => continue,
                };
                let Some((index, pos)) = drawn(node) else { continue };
                let detail = match command {
                    // As the command did it (a refused edit changes nothing).
                    KubectlCommand::Taint { node, add, remove, overwrite } => {
                        let mut edited = taints_now[index].clone();
                        if crate::kubectl::edit_taints(&mut edited, node, add, remove, *overwrite).is_err() {
                            continue;
                        }
                        taints_now[index] = edited;
                        json!(taints_now[index].iter().map(taint_text).collect::<Vec<_>>())
                    }
                    _ => Value::Null,
                };
                changes.push((entry.at, order, pos, change, detail));
            }
        }
    }
    changes.sort_by_key(|c| (c.0, c.1));
    marks.sort_by_key(|m| (m.0, m.1));
    cut.marks_total = marks.len();
    let node_changes: Vec<Value> =
        changes.into_iter().map(|(t, _, pos, change, detail)| json!([secs(t), pos, change, detail])).collect();
    let marks: Vec<Value> =
        marks.into_iter().take(MAX_MARKS).map(|(t, _, kind, text)| json!([secs(t), kind, text])).collect();

    // Services: the ready endpoint count each time it changed.
    let ts = &outcome.metrics.timeseries;
    let services: Vec<Value> = ts
        .columns
        .iter()
        .enumerate()
        .filter_map(|(c, column)| {
            let name = column.strip_prefix("service/")?.strip_suffix("/endpoints")?;
            let mut last: Option<f64> = None;
            let mut steps: Vec<f64> = Vec::new();
            for (t, row) in &ts.rows {
                let v = row.get(c).copied().flatten();
                if v.is_some() && v != last {
                    steps.push(secs(*t));
                    steps.push(v.unwrap_or(0.0));
                    last = v;
                }
            }
            Some(json!([name, steps]))
        })
        .collect();

    // Narration, when the run had --narrate.
    let narration: Value = match &outcome.narration {
        None => Value::Null,
        Some(n) => {
            cut.narration_total = n.lines.len();
            cut.narration_shown = n.lines.len().min(MAX_NARRATION_LINES);
            Value::Array(
                n.lines.iter().take(MAX_NARRATION_LINES).map(|l| json!([secs(l.at), l.text, l.about])).collect(),
            )
        }
    };
    let value = json!({
        "owners": owners,
        "nodes": nodes,
        "pods": pods,
        "node_changes": node_changes,
        "services": services,
        "marks": marks,
        "narration": narration,
        "pods_total": store.pods.len(),
        "caps": {"timeline_pods": caps::MAX_TIMELINE_PODS, "pending": MAX_PENDING_PODS, "narration": MAX_NARRATION_LINES},
    });
    (value, cut)
}
