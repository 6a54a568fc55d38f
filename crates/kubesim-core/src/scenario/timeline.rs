//! The timeline: `at:` times in order, each entry's action: a `run:` kubectl line (parsed and
//! checked against the objects that exist then by `crate::kubectl`) or a node fault.

use super::diagnostic::Report;
use super::node::Node;
use super::positions::Anchor;
use super::registry::Registry;
use super::Loader;
use crate::engine::{SimDuration, SimTime};
use crate::kubectl::{self, World};
use crate::model::spec::{Action, FaultTarget, NodeFault, NodeFaultKind, NodeGroup, TimelineEntry};

const ENTRY_KEYS: &[&str] = &["at", "run", "fail", "partition", "recover"];
/// What an entry does: exactly one of these.
const ACTION_KEYS: &[&str] = &["run", "fail", "partition", "recover"];
const ZONE_LABEL: &str = "topology.kubernetes.io/zone";

pub(crate) fn timeline(
    tl: Option<Node>,
    loader: &Loader,
    reg: &mut Registry,
    nodes: &[NodeGroup],
    duration: SimDuration,
    r: &mut Report,
) -> Vec<TimelineEntry> {
    let Some(tl) = tl.filter(|t| !t.v.is_null()) else {
        return Vec::new();
    };
    if !tl.expect_seq(r, "timeline entries") {
        return Vec::new();
    }
    let count = tl.items().len();
    if count > super::limits::MAX_TIMELINE_ENTRIES {
        let max = super::limits::MAX_TIMELINE_ENTRIES;
        tl.error(r, format!("{count} timeline entries is more than kubesim's limit of {max} entries"), None);
        return Vec::new();
    }
    let mut entries: Vec<(SimDuration, Node)> = Vec::new();
    for e in tl.items() {
        if !e.check_keys(r, ENTRY_KEYS, "a timeline entry") {
            continue;
        }
        let Some(at) = e.get("at") else {
            e.error(r, "at: Required value: when to act, like `at: 2m`", None);
            continue;
        };
        // An entry whose time is invalid (reported) is still checked, as if at the end.
        let Some(t) = at.duration(r).or(Some(duration)) else { continue };
        if t > duration {
            at.warn(r, format!("{t} is after the end of the run ({duration}); this entry never happens"));
        }
        entries.push((t, e));
    }
    entries.sort_by_key(|(t, _)| *t);
    let mut out = Vec::new();
    let mut w = World { loader, reg, nodes };
    for (t, e) in entries {
        if let Some(entry) = entry(&e, t, &mut w, r) {
            out.push(entry);
        }
    }
    out
}

fn entry(e: &Node, at: SimDuration, w: &mut World, r: &mut Report) -> Option<TimelineEntry> {
    let given: Vec<Node> = ACTION_KEYS.iter().filter_map(|k| e.get(k)).collect();
    let at = SimTime::ZERO + at;
    match given.as_slice() {
        [] => {
            e.error(
                r,
                "Required value: an entry needs one of `run`, `fail`, `partition` or `recover`, like `run: kubectl scale deployment/web --replicas=3` or `fail: node/worker-2`",
                None,
            );
            None
        }
        [one] if one.path.last_key() == Some("run") => {
            let text = one.string(r)?;
            let command = kubectl::check(one, &text, w, r)?;
            Some(TimelineEntry { at, text, action: Action::Kubectl(command) })
        }
        [one] => {
            let key = one.path.last_key().unwrap_or_default();
            let kind = match key {
                "fail" => NodeFaultKind::Fail,
                "partition" => NodeFaultKind::Partition,
                _ => NodeFaultKind::Recover,
            };
            let value = one.string(r)?;
            let target = fault_target(one, &value, w.nodes, r)?;
            Some(TimelineEntry {
                at,
                text: format!("{key}: {value}"),
                action: Action::Fault(NodeFault { kind, target }),
            })
        }
        [first, second, ..] => {
            let (a, b) = (first.path.last_key().unwrap_or_default(), second.path.last_key().unwrap_or_default());
            second.report(
                r,
                Anchor::Key,
                format!("an entry does one thing: `{a}` or `{b}`, not both"),
                Some("write one timeline entry per action, each with its own `at`".into()),
            );
            None
        }
    }
}

/// The value of `fail:`, `partition:` or `recover:`: `node/NAME` (also `nodes/`, `no/`) of
/// `cluster.nodes`, or `zone/NAME`, a `topology.kubernetes.io/zone` of a node group.
fn fault_target(n: &Node, value: &str, groups: &[NodeGroup], r: &mut Report) -> Option<FaultTarget> {
    let key = n.path.last_key().unwrap_or_default();
    let expected = format!("expected node/NAME or zone/NAME, like `{key}: node/worker-2` or `{key}: zone/zone-a`");
    let Some((kind, name)) = value.trim().split_once('/') else {
        let help = node_exists(groups, value.trim()).then(|| format!("did you mean `node/{}`?", value.trim()));
        n.error(r, format!("invalid target \"{value}\": {expected}"), help);
        return None;
    };
    if name.is_empty() || name.contains('/') {
        n.error(r, format!("invalid target \"{value}\": {expected}"), None);
        return None;
    }
    match kind {
        "node" | "nodes" | "no" => {
            if node_exists(groups, name) {
                return Some(FaultTarget::Node(name.to_string()));
            }
            n.error(r, format!("nodes \"{name}\" not found"), Some(node_help(groups, name)));
            None
        }
        "zone" | "zones" => {
            let mut zones: Vec<&str> = groups
                .iter()
                .filter(|g| g.count > 0)
                .filter_map(|g| g.labels.get(ZONE_LABEL).map(String::as_str))
                .collect();
            zones.sort_unstable();
            zones.dedup();
            if zones.contains(&name) {
                return Some(FaultTarget::Zone(name.to_string()));
            }
            let help = if zones.is_empty() {
                format!("no node group has the label {ZONE_LABEL} (set it in cluster.nodes[].labels)")
            } else {
                let listed = format!("the zones of the scenario's nodes: {}", zones.join(", "));
                match super::suggest::did_you_mean(name, zones.iter().copied()) {
                    Some(d) => format!("{d} {listed}"),
                    None => listed,
                }
            };
            n.error(r, format!("zone \"{name}\" not found: no node has the label {ZONE_LABEL}={name}"), Some(help));
            None
        }
        other => {
            let help = super::suggest::did_you_mean(other, ["node", "zone"]);
            n.error(r, format!("invalid target \"{value}\": cannot {key} a {other}: {expected}"), help);
            None
        }
    }
}

/// The cluster's node names (as ranges), after the closest one when `name` looks like a typo.
pub(crate) fn node_help(groups: &[NodeGroup], name: &str) -> String {
    let ranges: Vec<String> = groups
        .iter()
        .filter(|g| g.count > 0)
        .map(|g| if g.numbered() { format!("{}-1 .. {}-{}", g.name, g.name, g.count) } else { g.name.clone() })
        .collect();
    let small = groups.iter().map(|g| u64::from(g.count)).sum::<u64>() <= 1000;
    let names = groups.iter().filter(|_| small).flat_map(|g| (1..=g.count).map(move |i| g.node_name(i)));
    let names: Vec<String> = names.collect();
    // `worker-4` of a group of 3: the range says more than the closest name would.
    let out_of_range = groups.iter().any(|g| {
        name.strip_prefix(g.name.as_str())
            .and_then(|s| s.strip_prefix('-'))
            .is_some_and(|i| !i.is_empty() && i.bytes().all(|b| b.is_ascii_digit()))
    });
    let listed = format!("the scenario's nodes (cluster.nodes): {}", ranges.join(", "));
    match super::suggest::did_you_mean(name, names.iter().map(String::as_str)) {
        Some(d) if !out_of_range => format!("{d} {listed}"),
        _ => listed,
    }
}

/// Whether the cluster has node `name`: a group's `name` when its count is 1, else
/// `name-1 .. name-N`.
pub(crate) fn node_exists(groups: &[NodeGroup], name: &str) -> bool {
    groups.iter().any(|g| match g.count {
        0 => false,
        1 if !g.numbered() => g.name == name,
        n => name
            .strip_prefix(g.name.as_str())
            .and_then(|s| s.strip_prefix('-'))
            .filter(|i| !i.starts_with('0'))
            .and_then(|i| i.parse::<u32>().ok())
            .is_some_and(|i| (1..=n).contains(&i)),
    })
}
