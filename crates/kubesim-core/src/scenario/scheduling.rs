//! A pod spec's scheduling constraints: `affinity` and `topologySpreadConstraints`, checked
//! as the API server checks them (pkg/apis/core/validation) and converted to specs.
//!
//! `matchLabelKeys` (and `mismatchLabelKeys` of pod affinity terms) are merged into the
//! selector with the values of the pod's own labels, `key In [value]` (`NotIn` for mismatch),
//! as the API server does at pod creation since 1.31; keys the pod does not carry are ignored.
//! For a workload the pod's labels are its template's labels.

use super::checker::Checker;
use super::convert;
use super::validate;
use crate::model::spec::{
    Affinity, InclusionPolicy, Labels, NodeSelectorOperator, NodeSelectorRequirement, NodeSelectorTerm,
    PodAffinityTerm, PreferredSchedulingTerm, Selector, SelectorOperator, SelectorRequirement,
    TopologySpreadConstraint, WeightedPodAffinityTerm, WhenUnsatisfiable,
};
use k8s_openapi::api::core::v1 as core;
use k8s_openapi::apimachinery::pkg::apis::meta::v1 as meta;

const NOT_POSITIVE: &str = "must be greater than zero";

/// `spec.affinity` at `prefix.affinity`.
pub(crate) fn affinity(c: &mut Checker, prefix: &str, a: Option<&core::Affinity>, labels: &Labels) -> Affinity {
    let mut out = Affinity::default();
    let Some(a) = a else { return out };
    let p = format!("{prefix}.affinity");
    if let Some(na) = &a.node_affinity {
        let np = format!("{p}.nodeAffinity");
        if let Some(req) = &na.required_during_scheduling_ignored_during_execution {
            let tp = format!("{np}.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms");
            if req.node_selector_terms.is_empty() {
                c.field(&tp, "Required value: must have at least one node selector term");
            }
            let terms = req
                .node_selector_terms
                .iter()
                .enumerate()
                .map(|(i, t)| node_term(c, &format!("{tp}[{i}]"), t))
                .collect();
            out.node_required = Some(terms);
        }
        let pp = format!("{np}.preferredDuringSchedulingIgnoredDuringExecution");
        for (i, t) in na.preferred_during_scheduling_ignored_during_execution.iter().flatten().enumerate() {
            weight(c, &format!("{pp}[{i}].weight"), t.weight);
            let preference = node_term(c, &format!("{pp}[{i}].preference"), &t.preference);
            out.node_preferred.push(PreferredSchedulingTerm { weight: t.weight, preference });
        }
    }
    if let Some(pa) = &a.pod_affinity {
        let ap = format!("{p}.podAffinity");
        out.pod_affinity_required = pod_terms(
            c,
            &format!("{ap}.requiredDuringSchedulingIgnoredDuringExecution"),
            pa.required_during_scheduling_ignored_during_execution.as_deref(),
            labels,
        );
        out.pod_affinity_preferred = weighted_pod_terms(
            c,
            &format!("{ap}.preferredDuringSchedulingIgnoredDuringExecution"),
            pa.preferred_during_scheduling_ignored_during_execution.as_deref(),
            labels,
        );
    }
    if let Some(pa) = &a.pod_anti_affinity {
        let ap = format!("{p}.podAntiAffinity");
        out.pod_anti_affinity_required = pod_terms(
            c,
            &format!("{ap}.requiredDuringSchedulingIgnoredDuringExecution"),
            pa.required_during_scheduling_ignored_during_execution.as_deref(),
            labels,
        );
        out.pod_anti_affinity_preferred = weighted_pod_terms(
            c,
            &format!("{ap}.preferredDuringSchedulingIgnoredDuringExecution"),
            pa.preferred_during_scheduling_ignored_during_execution.as_deref(),
            labels,
        );
    }
    out
}

fn weight(c: &mut Checker, path: &str, w: i32) {
    if !(1..=100).contains(&w) {
        c.invalid(path, w, "must be in the range 1-100");
    }
}

/// A NodeSelectorTerm: label expressions and `metadata.name` field expressions.
pub(crate) fn node_term(c: &mut Checker, path: &str, t: &core::NodeSelectorTerm) -> NodeSelectorTerm {
    let exprs = t.match_expressions.iter().flatten().enumerate();
    let match_expressions =
        exprs.filter_map(|(i, r)| node_requirement(c, &format!("{path}.matchExpressions[{i}]"), r)).collect();
    let fields = t.match_fields.iter().flatten().enumerate();
    let match_fields =
        fields.filter_map(|(i, r)| field_requirement(c, &format!("{path}.matchFields[{i}]"), r)).collect();
    NodeSelectorTerm { match_expressions, match_fields }
}

fn node_operator(op: &str) -> Option<NodeSelectorOperator> {
    Some(match op {
        "In" => NodeSelectorOperator::In,
        "NotIn" => NodeSelectorOperator::NotIn,
        "Exists" => NodeSelectorOperator::Exists,
        "DoesNotExist" => NodeSelectorOperator::DoesNotExist,
        "Gt" => NodeSelectorOperator::Gt,
        "Lt" => NodeSelectorOperator::Lt,
        _ => return None,
    })
}

/// ValidateNodeSelectorRequirement, plus the integer check of Gt / Lt values that
/// labels.NewRequirement makes when the scheduler reads the term.
fn node_requirement(c: &mut Checker, path: &str, r: &core::NodeSelectorRequirement) -> Option<NodeSelectorRequirement> {
    let values = r.values.clone().unwrap_or_default();
    let vp = format!("{path}.values");
    let op = node_operator(&r.operator);
    match op {
        Some(NodeSelectorOperator::In | NodeSelectorOperator::NotIn) if values.is_empty() => {
            c.field(&vp, "Required value: must be specified when `operator` is 'In' or 'NotIn'")
        }
        Some(NodeSelectorOperator::Exists | NodeSelectorOperator::DoesNotExist) if !values.is_empty() => {
            c.field(&vp, "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'")
        }
        Some(NodeSelectorOperator::Gt | NodeSelectorOperator::Lt) => {
            if values.len() != 1 {
                c.field(&vp, "Required value: must be specified single value when `operator` is 'Lt' or 'Gt'");
            } else if values[0].parse::<i64>().is_err() {
                c.invalid(
                    &format!("{vp}[0]"),
                    format!("\"{}\"", values[0]),
                    "for 'Gt', 'Lt' operators, the value must be an integer",
                );
            }
        }
        Some(_) => {}
        None => c.invalid(&format!("{path}.operator"), format!("\"{}\"", r.operator), "not a valid selector operator"),
    }
    validate::check_label_name(c, &format!("{path}.key"), &r.key);
    Some(NodeSelectorRequirement { key: r.key.clone(), operator: op?, values })
}

/// ValidateNodeFieldSelectorRequirement: only `metadata.name`, In / NotIn with one value.
fn field_requirement(
    c: &mut Checker,
    path: &str,
    r: &core::NodeSelectorRequirement,
) -> Option<NodeSelectorRequirement> {
    let values = r.values.clone().unwrap_or_default();
    let op = match r.operator.as_str() {
        "In" => Some(NodeSelectorOperator::In),
        "NotIn" => Some(NodeSelectorOperator::NotIn),
        _ => None,
    };
    match op {
        Some(_) if values.len() != 1 => c.field(
            &format!("{path}.values"),
            "Required value: must be only one value when `operator` is 'In' or 'NotIn' for node field selector",
        ),
        Some(_) => {}
        None => c.invalid(&format!("{path}.operator"), format!("\"{}\"", r.operator), "not a valid selector operator"),
    }
    if r.key != "metadata.name" {
        c.invalid(&format!("{path}.key"), format!("\"{}\"", r.key), "not a valid field selector key");
    } else {
        for (i, v) in values.iter().enumerate() {
            for msg in validate::dns_subdomain_errors(v) {
                c.invalid(&format!("{path}.values[{i}]"), format!("\"{v}\""), &msg);
            }
        }
    }
    Some(NodeSelectorRequirement { key: r.key.clone(), operator: op?, values })
}

fn pod_terms(
    c: &mut Checker,
    path: &str,
    terms: Option<&[core::PodAffinityTerm]>,
    labels: &Labels,
) -> Vec<PodAffinityTerm> {
    terms.unwrap_or_default().iter().enumerate().map(|(i, t)| pod_term(c, &format!("{path}[{i}]"), t, labels)).collect()
}

fn weighted_pod_terms(
    c: &mut Checker,
    path: &str,
    terms: Option<&[core::WeightedPodAffinityTerm]>,
    labels: &Labels,
) -> Vec<WeightedPodAffinityTerm> {
    let mut out = Vec::new();
    for (i, t) in terms.unwrap_or_default().iter().enumerate() {
        weight(c, &format!("{path}[{i}].weight"), t.weight);
        let term = pod_term(c, &format!("{path}[{i}].podAffinityTerm"), &t.pod_affinity_term, labels);
        out.push(WeightedPodAffinityTerm { weight: t.weight, term });
    }
    out
}

/// validatePodAffinityTerm. `namespaceSelector` is accepted but not simulated (listed in
/// the object's not-simulated warning): the term's namespaces are `namespaces`, or the
/// pod's own namespace when that list is empty.
fn pod_term(c: &mut Checker, path: &str, t: &core::PodAffinityTerm, labels: &Labels) -> PodAffinityTerm {
    if let Some(sel) = &t.label_selector {
        validate::check_label_selector(c, &format!("{path}.labelSelector"), sel);
    }
    for (i, ns) in t.namespaces.iter().flatten().enumerate() {
        if !validate::is_dns_label(ns) {
            validate::check_name(c, &format!("{path}.namespaces[{i}]"), ns, true);
        }
    }
    let match_keys = t.match_label_keys.as_deref().unwrap_or_default();
    let mismatch_keys = t.mismatch_label_keys.as_deref().unwrap_or_default();
    check_label_keys(c, &format!("{path}.matchLabelKeys"), match_keys, t.label_selector.as_ref(), "matchLabelKeys");
    check_label_keys(
        c,
        &format!("{path}.mismatchLabelKeys"),
        mismatch_keys,
        t.label_selector.as_ref(),
        "mismatchLabelKeys",
    );
    for (i, k) in match_keys.iter().enumerate() {
        if mismatch_keys.contains(k) {
            c.invalid(
                &format!("{path}.matchLabelKeys[{i}]"),
                format!("\"{k}\""),
                "exists in both matchLabelKeys and mismatchLabelKeys",
            );
        }
    }
    let tk = format!("{path}.topologyKey");
    if t.topology_key.is_empty() {
        c.field(&tk, "Required value: can not be empty");
    } else {
        validate::check_label_name(c, &tk, &t.topology_key);
    }
    let mut selector = selector_or_nothing(t.label_selector.as_ref());
    merge_keys(&mut selector, match_keys, labels, SelectorOperator::In);
    merge_keys(&mut selector, mismatch_keys, labels, SelectorOperator::NotIn);
    PodAffinityTerm {
        selector,
        namespaces: t.namespaces.clone().unwrap_or_default(),
        topology_key: t.topology_key.clone(),
    }
}

/// matchLabelKeys / mismatchLabelKeys: only with a labelSelector, valid label names, and not
/// keys the labelSelector already uses.
fn check_label_keys(c: &mut Checker, path: &str, keys: &[String], sel: Option<&meta::LabelSelector>, what: &str) {
    if keys.is_empty() {
        return;
    }
    let Some(sel) = sel else {
        c.field(path, "Forbidden: must not be specified when labelSelector is not set");
        return;
    };
    for (i, key) in keys.iter().enumerate() {
        let p = format!("{path}[{i}]");
        validate::check_label_name(c, &p, key);
        let in_selector = sel.match_labels.as_ref().is_some_and(|m| m.contains_key(key))
            || sel.match_expressions.iter().flatten().any(|e| &e.key == key);
        if in_selector {
            c.invalid(&p, format!("\"{key}\""), &format!("exists in both {what} and labelSelector"));
        }
    }
}

/// A selector from an optional labelSelector: a missing one selects no pod (as
/// `LabelSelectorAsSelector(nil)` does), written as `In` with no values, which never matches.
fn selector_or_nothing(sel: Option<&meta::LabelSelector>) -> Selector {
    match sel {
        Some(s) => convert::selector(s),
        None => Selector {
            match_labels: Labels::new(),
            match_expressions: vec![SelectorRequirement {
                key: String::new(),
                operator: SelectorOperator::In,
                values: vec![],
            }],
        },
    }
}

fn merge_keys(sel: &mut Selector, keys: &[String], labels: &Labels, op: SelectorOperator) {
    for k in keys {
        if let Some(v) = labels.get(k) {
            sel.match_expressions.push(SelectorRequirement { key: k.clone(), operator: op, values: vec![v.clone()] });
        }
    }
}

/// `spec.topologySpreadConstraints` (validateTopologySpreadConstraints).
pub(crate) fn topology_spread(
    c: &mut Checker,
    prefix: &str,
    list: Option<&[core::TopologySpreadConstraint]>,
    labels: &Labels,
) -> Vec<TopologySpreadConstraint> {
    let list = list.unwrap_or_default();
    let mut out = Vec::new();
    for (i, t) in list.iter().enumerate() {
        let p = format!("{prefix}.topologySpreadConstraints[{i}]");
        if t.max_skew <= 0 {
            c.invalid(&format!("{p}.maxSkew"), t.max_skew, NOT_POSITIVE);
        }
        if t.topology_key.is_empty() {
            c.field(&format!("{p}.topologyKey"), "Required value: can not be empty");
        }
        let when = match t.when_unsatisfiable.as_str() {
            "DoNotSchedule" => Some(WhenUnsatisfiable::DoNotSchedule),
            "ScheduleAnyway" => Some(WhenUnsatisfiable::ScheduleAnyway),
            other => {
                c.unsupported(&format!("{p}.whenUnsatisfiable"), other, &["DoNotSchedule", "ScheduleAnyway"]);
                None
            }
        };
        let repeated = list[i + 1..]
            .iter()
            .any(|o| o.topology_key == t.topology_key && o.when_unsatisfiable == t.when_unsatisfiable);
        if repeated {
            // Kubernetes names the pair as a field; the caret goes to the constraint.
            let msg = format!(
                "{}: {p}.{{topologyKey, whenUnsatisfiable}}: Duplicate value: \"{{{}, {}}}\"",
                c.label, t.topology_key, t.when_unsatisfiable
            );
            let yp = super::positions::YPath::parse(&p).unwrap_or_default();
            c.at(&yp, super::positions::Anchor::Value, msg, None);
        }
        if let Some(m) = t.min_domains {
            if m <= 0 {
                c.invalid(&format!("{p}.minDomains"), m, NOT_POSITIVE);
            }
            if t.when_unsatisfiable != "DoNotSchedule" {
                c.invalid(
                    &format!("{p}.minDomains"),
                    m,
                    &format!(
                        "can only use minDomains if whenUnsatisfiable=DoNotSchedule, not {}",
                        t.when_unsatisfiable
                    ),
                );
            }
        }
        let node_affinity_policy = policy(c, &format!("{p}.nodeAffinityPolicy"), t.node_affinity_policy.as_deref())
            .unwrap_or(InclusionPolicy::Honor);
        let node_taints_policy = policy(c, &format!("{p}.nodeTaintsPolicy"), t.node_taints_policy.as_deref())
            .unwrap_or(InclusionPolicy::Ignore);
        let keys = t.match_label_keys.as_deref().unwrap_or_default();
        check_label_keys(c, &format!("{p}.matchLabelKeys"), keys, t.label_selector.as_ref(), "matchLabelKeys");
        if let Some(sel) = &t.label_selector {
            validate::check_label_selector(c, &format!("{p}.labelSelector"), sel);
        }
        let mut selector = selector_or_nothing(t.label_selector.as_ref());
        merge_keys(&mut selector, keys, labels, SelectorOperator::In);
        out.push(TopologySpreadConstraint {
            max_skew: t.max_skew,
            topology_key: t.topology_key.clone(),
            when_unsatisfiable: when.unwrap_or_default(),
            selector,
            min_domains: t.min_domains,
            match_label_keys: keys.to_vec(),
            node_affinity_policy,
            node_taints_policy,
        });
    }
    out
}

fn policy(c: &mut Checker, path: &str, v: Option<&str>) -> Option<InclusionPolicy> {
    match v? {
        "Honor" => Some(InclusionPolicy::Honor),
        "Ignore" => Some(InclusionPolicy::Ignore),
        other => {
            c.unsupported(path, other, &["Honor", "Ignore"]);
            None
        }
    }
}
