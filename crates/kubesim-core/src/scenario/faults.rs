//! The `faults:` section: random node and container failures, as processes with a mean time
//! between failures (and, for nodes, to repair).

use super::diagnostic::Report;
use super::node::{describe, Node};
use super::suggest::did_you_mean;
use crate::engine::SimDuration;
use crate::model::spec::{ContainerFaultProcess, FaultsSpec, NodeFaultProcess, NodeGroup};

const KEYS: &[&str] = &["nodes", "containers"];
const NODE_KEYS: &[&str] = &["group", "mtbf", "mttr"];
const CONTAINER_KEYS: &[&str] = &["group", "mtbf"];

/// `faults: {nodes: ..., containers: ...}`; each a mapping or a list of mappings.
pub(crate) fn faults(f: Option<Node>, groups: &[NodeGroup], r: &mut Report) -> FaultsSpec {
    let mut out = FaultsSpec::default();
    let Some(f) = f.filter(|f| !f.v.is_null()) else {
        return out;
    };
    if !f.check_keys(r, KEYS, "faults") {
        return out;
    }
    for e in entries(f.get("nodes"), "node fault processes", r) {
        if !e.check_keys(r, NODE_KEYS, "a node fault process") {
            continue;
        }
        let group = group(&e, groups, r);
        let mtbf = mean(&e, "mtbf", "the mean time between failures of each node, like `mtbf: 6h`", r);
        let mttr = mean(&e, "mttr", "the mean time to repair a failed node, like `mttr: 20m`", r);
        if let (Some(group), Some(mtbf), Some(mttr)) = (group, mtbf, mttr) {
            out.nodes.push(NodeFaultProcess { group, mtbf, mttr });
        }
    }
    for e in entries(f.get("containers"), "container fault processes", r) {
        if !e.check_keys(r, CONTAINER_KEYS, "a container fault process") {
            continue;
        }
        let group = group(&e, groups, r);
        let mtbf = mean(&e, "mtbf", "the mean time between crashes of each container, like `mtbf: 2h`", r);
        if let (Some(group), Some(mtbf)) = (group, mtbf) {
            out.containers.push(ContainerFaultProcess { group, mtbf });
        }
    }
    out
}

/// One mapping, or each mapping of a list.
fn entries<'a>(n: Option<Node<'a>>, what: &str, r: &mut Report) -> Vec<Node<'a>> {
    let Some(n) = n.filter(|n| !n.v.is_null()) else {
        return Vec::new();
    };
    if n.v.is_mapping() {
        return vec![n];
    }
    if !n.v.is_sequence() {
        let msg =
            format!("expected {what} (a mapping like `{{mtbf: 6h}}`, or a list of them), found {}", describe(n.v));
        n.error(r, msg, None);
        return Vec::new();
    }
    let items = n.items();
    for i in items.iter().filter(|i| !i.v.is_mapping()) {
        i.error(r, format!("expected a mapping like `{{mtbf: 6h}}`, found {}", describe(i.v)), None);
    }
    items.into_iter().filter(|i| i.v.is_mapping()).collect()
}

/// A required duration of more than 0.
fn mean(e: &Node, key: &str, what: &str, r: &mut Report) -> Option<SimDuration> {
    let Some(n) = e.get(key) else {
        e.error(r, format!("{key}: Required value: {what}"), None);
        return None;
    };
    let d = n.duration(r)?;
    if d == SimDuration::ZERO {
        n.error(r, format!("{key} must be more than 0"), None);
        return None;
    }
    Some(d)
}

/// `group`: a `cluster.nodes[].name`; Some(None) when not given (every node).
fn group(e: &Node, groups: &[NodeGroup], r: &mut Report) -> Option<Option<String>> {
    let Some(n) = e.get("group") else {
        return Some(None);
    };
    let name = n.string(r)?;
    if groups.iter().any(|g| g.name == name) {
        return Some(Some(name));
    }
    let names: Vec<&str> = groups.iter().map(|g| g.name.as_str()).collect();
    let listed = format!("the node groups (cluster.nodes[].name): {}", names.join(", "));
    let help = match did_you_mean(&name, names.iter().copied()) {
        Some(d) => format!("{d} {listed}"),
        None => listed,
    };
    n.error(r, format!("no node group named \"{name}\" in cluster.nodes"), Some(help));
    None
}
