//! Kubernetes' own validation rules, in Kubernetes' words, for the parts kubesim reads.

use super::checker::Checker;
use k8s_openapi::api::apps::v1 as apps;
use k8s_openapi::api::core::v1 as core;
use k8s_openapi::apimachinery::pkg::apis::meta::v1 as meta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use std::collections::BTreeMap;

pub(crate) const MAX_REPLICAS: i64 = 1_000_000;

pub(crate) const SUBDOMAIN_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const LABEL_VALUE_MSG: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const QUALIFIED_NAME_MSG: &str = "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')";
const LABEL_KEY_MSG: &str = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

/// RFC 1123 label: `[a-z0-9]([-a-z0-9]*[a-z0-9])?`, at most 63 characters.
pub(crate) fn is_dns_label(s: &str) -> bool {
    let b = s.as_bytes();
    let edge = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    !b.is_empty()
        && b.len() <= 63
        && b.first().is_some_and(edge)
        && b.last().is_some_and(edge)
        && b.iter().all(|c| edge(c) || *c == b'-')
}

/// `s` made a DNS-1123 subdomain that can name a folder: lowercase, every other character a
/// '-', no '-' or '.' at either end, at most `max` bytes; `scenario` if nothing is left. For
/// names taken from file names (`Controllers__Frontend.yaml` runs as
/// `controllers--frontend`).
pub(crate) fn folder_name(s: &str, max: usize) -> String {
    let mapped: String = s
        .chars()
        .map(|c| c.to_ascii_lowercase())
        .map(|c| if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' { c } else { '-' })
        .collect();
    let mut name = mapped.replace("..", "-");
    name.truncate(max);
    let name = name.trim_matches(|c: char| !c.is_ascii_alphanumeric()).to_string();
    let name: String =
        name.split('.').map(|l| l.trim_matches('-')).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(".");
    if name.is_empty() {
        "scenario".into()
    } else {
        name
    }
}

/// RFC 1123 subdomain: dot-separated labels, at most 253 characters.
pub(crate) fn is_dns_subdomain(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(is_dns_label)
}

fn is_label_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b.first().is_some_and(u8::is_ascii_alphanumeric)
        && b.last().is_some_and(u8::is_ascii_alphanumeric)
        && b.iter().all(|c| c.is_ascii_alphanumeric() || b"-_.".contains(c))
}

pub(crate) fn check_name(c: &mut Checker, path: &str, name: &str, label_only: bool) {
    // Kubernetes says the length first (IsDNS1123Label / IsDNS1123Subdomain).
    let max = if label_only { 63 } else { 253 };
    if name.len() > max {
        c.invalid(path, format!("\"{name}\""), &format!("must be no more than {max} characters"));
    } else if label_only && !is_dns_label(name) {
        c.invalid(path, format!("\"{name}\""), LABEL_MSG);
    } else if !label_only && !is_dns_subdomain(name) {
        c.invalid(path, format!("\"{name}\""), SUBDOMAIN_MSG);
    }
}

pub(crate) fn check_labels(c: &mut Checker, path: &str, labels: Option<&BTreeMap<String, String>>) {
    for (k, v) in labels.into_iter().flatten() {
        let name = k.rsplit_once('/').map_or(k.as_str(), |(prefix, n)| {
            if !is_dns_subdomain(prefix) {
                c.invalid(path, format!("\"{k}\""), &format!("prefix part {SUBDOMAIN_MSG}"));
            }
            n
        });
        if !is_label_name(name) {
            c.invalid(path, format!("\"{k}\""), LABEL_KEY_MSG);
        }
        if !(v.is_empty() || is_label_name(v)) {
            c.invalid(path, format!("\"{v}\""), LABEL_VALUE_MSG);
        }
    }
}

/// `metadata`: name present and valid, namespace valid, labels valid.
pub(crate) fn check_meta(c: &mut Checker, meta: &meta::ObjectMeta, namespace_kind: bool) {
    match meta.name.as_deref() {
        None | Some("") => c.field("metadata.name", "Required value: name or generateName is required"),
        Some(n) => check_name(c, "metadata.name", n, namespace_kind),
    }
    if let Some(ns) = meta.namespace.as_deref() {
        check_name(c, "metadata.namespace", ns, true);
    }
    check_labels(c, "metadata.labels", meta.labels.as_ref());
}

pub(crate) fn check_replicas(c: &mut Checker, replicas: Option<i32>) {
    match replicas.map(i64::from) {
        Some(r) if r < 0 => c.invalid("spec.replicas", r, "must be greater than or equal to 0"),
        Some(r) if r > MAX_REPLICAS => c.field(
            "spec.replicas",
            format!("{r} is more than kubesim's limit of {MAX_REPLICAS} replicas per workload"),
        ),
        _ => {}
    }
}

/// A workload's label selector: valid operators, not empty, matching the template.
pub(crate) fn check_selector(
    c: &mut Checker,
    sel: &meta::LabelSelector,
    template_labels: Option<&BTreeMap<String, String>>,
    kind: &str,
) {
    check_label_selector(c, "spec.selector", sel);
    let empty = sel.match_labels.as_ref().is_none_or(BTreeMap::is_empty)
        && sel.match_expressions.as_ref().is_none_or(Vec::is_empty);
    if empty {
        c.invalid("spec.selector", "\"{}\"", &format!("empty selector is invalid for {kind}"));
        return;
    }
    let spec_sel = super::convert::selector(sel);
    let labels: BTreeMap<String, String> = template_labels.cloned().unwrap_or_default();
    if !spec_sel.matches(&labels) {
        c.invalid("spec.template.metadata.labels", go_map(&labels), "`selector` does not match template `labels`");
    }
}

/// A label selector anywhere (ValidateLabelSelector): valid keys, values and operators.
pub(crate) fn check_label_selector(c: &mut Checker, path: &str, sel: &meta::LabelSelector) {
    check_labels(c, &format!("{path}.matchLabels"), sel.match_labels.as_ref());
    for (i, r) in sel.match_expressions.iter().flatten().enumerate() {
        let p = format!("{path}.matchExpressions[{i}]");
        let has_values = r.values.as_ref().is_some_and(|v| !v.is_empty());
        match r.operator.as_str() {
            "In" | "NotIn" if !has_values => {
                c.field(&format!("{p}.values"), "Required value: must be specified when `operator` is 'In' or 'NotIn'")
            }
            "Exists" | "DoesNotExist" if has_values => c.field(
                &format!("{p}.values"),
                "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
            ),
            "In" | "NotIn" | "Exists" | "DoesNotExist" => {}
            op => c.invalid(&format!("{p}.operator"), format!("\"{op}\""), "not a valid selector operator"),
        }
        check_label_name(c, &format!("{p}.key"), &r.key);
        for (j, v) in r.values.iter().flatten().enumerate() {
            for msg in label_value_errors(v) {
                c.invalid(&format!("{p}.values[{j}]"), format!("\"{v}\""), &msg);
            }
        }
    }
}

/// ValidateLabelName: `key` must be a qualified name (`[prefix/]name`).
pub(crate) fn check_label_name(c: &mut Checker, path: &str, key: &str) {
    for msg in qualified_name_errors(key) {
        c.invalid(path, format!("\"{key}\""), &msg);
    }
}

/// IsQualifiedName: an optional DNS subdomain prefix and `/`, then a name of at most 63
/// alphanumerics, '-', '_' or '.', starting and ending alphanumeric.
pub(crate) fn qualified_name_errors(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    let parts: Vec<&str> = value.split('/').collect();
    let name = match parts.as_slice() {
        [name] => *name,
        [prefix, name] => {
            if prefix.is_empty() {
                errs.push("prefix part must be non-empty".to_string());
            } else if !is_dns_subdomain(prefix) {
                errs.push(format!("prefix part {SUBDOMAIN_MSG}"));
            }
            *name
        }
        _ => return vec![QUALIFIED_NAME_MSG.to_string()],
    };
    if name.is_empty() {
        errs.push("name part must be non-empty".into());
    } else if name.len() > 63 {
        errs.push("name part must be no more than 63 characters".into());
    }
    if !matches_name_regex(name) {
        errs.push(LABEL_KEY_MSG.into());
    }
    errs
}

/// IsValidLabelValue: empty, or at most 63 characters matching the label value regex.
pub(crate) fn label_value_errors(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > 63 {
        errs.push("must be no more than 63 characters".to_string());
    }
    if !(value.is_empty() || matches_name_regex(value)) {
        errs.push(LABEL_VALUE_MSG.to_string());
    }
    errs
}

/// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`, any length.
fn matches_name_regex(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.first().is_some_and(u8::is_ascii_alphanumeric)
        && b.last().is_some_and(u8::is_ascii_alphanumeric)
        && b.iter().all(|c| c.is_ascii_alphanumeric() || b"-_.".contains(c))
}

/// RFC 1123 subdomain errors, as IsDNS1123Subdomain words them.
pub(crate) fn dns_subdomain_errors(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > 253 {
        errs.push("must be no more than 253 characters".to_string());
    }
    if !value.split('.').all(is_dns_label) {
        errs.push(SUBDOMAIN_MSG.to_string());
    }
    errs
}

/// `map[string]string{"app":"web"}`, as Go prints a label map.
pub(crate) fn go_map(m: &BTreeMap<String, String>) -> String {
    let items: Vec<String> = m.iter().map(|(k, v)| format!("{k:?}:{v:?}")).collect();
    format!("map[string]string{{{}}}", items.join(", "))
}

pub(crate) fn check_deployment_numbers(c: &mut Checker, s: &apps::DeploymentSpec) {
    check_replicas(c, s.replicas);
    c.nonnegative("spec.minReadySeconds", s.min_ready_seconds.map(i64::from));
    c.nonnegative("spec.revisionHistoryLimit", s.revision_history_limit.map(i64::from));
    c.nonnegative("spec.progressDeadlineSeconds", s.progress_deadline_seconds.map(i64::from));
    if let Some(p) = s.progress_deadline_seconds {
        if p >= 0 && p <= s.min_ready_seconds.unwrap_or(0) {
            c.invalid("spec.progressDeadlineSeconds", p, "must be greater than minReadySeconds");
        }
    }
}

/// A maxSurge / maxUnavailable value: a non-negative int or `N%`. Returns it when valid.
pub(crate) fn int_or_percent(c: &mut Checker, path: &str, v: &IntOrString) -> Option<super::convert::Ip> {
    use super::convert::Ip;
    match v {
        IntOrString::Int(n) if *n < 0 => {
            c.invalid(path, n, "must be greater than or equal to 0");
            None
        }
        IntOrString::Int(n) => Some(Ip::Int(*n)),
        IntOrString::String(s) => {
            let digits = s.strip_suffix('%').filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()));
            match digits.and_then(|d| d.parse::<i32>().ok()) {
                Some(p) => Some(Ip::Percent(p)),
                None => {
                    c.invalid(path, format!("\"{s}\""), "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')");
                    None
                }
            }
        }
    }
}

/// Which `restartPolicy` values an object's pods may have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RestartRule {
    /// A bare Pod: any of the three.
    Any,
    /// Deployments, ReplicaSets, DaemonSets, StatefulSets: `Always` (the default).
    AlwaysOnly,
    /// Jobs: `OnFailure` or `Never`, which must be given (the default, Always, is refused).
    JobOnly,
}

pub(crate) fn check_restart_policy(c: &mut Checker, path: &str, policy: Option<&str>, rule: RestartRule) {
    match (rule, policy) {
        (RestartRule::JobOnly, None | Some("Always")) => {
            // ValidateJobSpec: the defaulted `Always` and an explicit one read the same.
            c.field(path, "Required value: valid values: \"OnFailure\", \"Never\"")
        }
        (RestartRule::JobOnly, Some(p)) if p != "OnFailure" && p != "Never" => {
            c.unsupported(path, p, &["OnFailure", "Never"])
        }
        (RestartRule::AlwaysOnly, Some(p)) if p != "Always" => c.unsupported(path, p, &["Always"]),
        (_, Some(p)) if !["Always", "OnFailure", "Never"].contains(&p) => {
            c.unsupported(path, p, &["Always", "Never", "OnFailure"])
        }
        _ => {}
    }
}

/// Container names: present, RFC 1123 labels, unique across containers and init containers.
pub(crate) fn check_container_names(c: &mut Checker, prefix: &str, spec: &core::PodSpec) {
    if spec.containers.is_empty() {
        c.required(&format!("{prefix}.containers"));
    }
    let mut seen = std::collections::BTreeSet::new();
    let lists = [("initContainers", spec.init_containers.as_deref().unwrap_or(&[])), ("containers", &spec.containers)];
    for (list, containers) in lists {
        for (i, k) in containers.iter().enumerate() {
            let p = format!("{prefix}.{list}[{i}]");
            if k.name.is_empty() {
                c.required(&format!("{p}.name"));
            } else if !is_dns_label(&k.name) {
                check_name(c, &format!("{p}.name"), &k.name, true);
            } else if !seen.insert(k.name.clone()) {
                c.field(&format!("{p}.name"), format!("Duplicate value: \"{}\"", k.name));
            }
            if k.image.as_deref().is_none_or(|s| s.trim().is_empty()) {
                c.required(&format!("{p}.image"));
            }
            if let Some(pp) = k.image_pull_policy.as_deref() {
                if !["Always", "IfNotPresent", "Never"].contains(&pp) {
                    c.unsupported(&format!("{p}.imagePullPolicy"), pp, &["Always", "IfNotPresent", "Never"]);
                }
            }
            for (j, port) in k.ports.iter().flatten().enumerate() {
                check_port(c, &format!("{p}.ports[{j}].containerPort"), Some(port.container_port));
                check_port(c, &format!("{p}.ports[{j}].hostPort"), port.host_port.filter(|h| *h != 0));
            }
        }
    }
}

fn check_port(c: &mut Checker, path: &str, port: Option<i32>) {
    if let Some(p) = port.filter(|p| !(1..=65535).contains(p)) {
        c.invalid(path, p, "must be between 1 and 65535, inclusive");
    }
}

/// A probe: exactly one handler, non-negative numbers, liveness successThreshold 1.
pub(crate) fn check_probe(c: &mut Checker, path: &str, p: &core::Probe, liveness: bool) {
    let handlers = [p.exec.is_some(), p.http_get.is_some(), p.tcp_socket.is_some(), p.grpc.is_some()];
    match handlers.iter().filter(|h| **h).count() {
        0 => c.field(path, "Required value: must specify a handler type"),
        1 => {}
        _ => c.field(path, "Forbidden: may not specify more than 1 handler type"),
    }
    let nums = [
        ("initialDelaySeconds", p.initial_delay_seconds),
        ("periodSeconds", p.period_seconds),
        ("timeoutSeconds", p.timeout_seconds),
        ("successThreshold", p.success_threshold),
        ("failureThreshold", p.failure_threshold),
    ];
    for (name, v) in nums {
        c.nonnegative(&format!("{path}.{name}"), v.map(i64::from));
    }
    if liveness {
        if let Some(s) = p.success_threshold.filter(|s| *s > 1) {
            c.invalid(&format!("{path}.successThreshold"), s, "must be 1");
        }
    }
}

pub(crate) fn check_toleration(c: &mut Checker, path: &str, t: &core::Toleration) {
    let key = t.key.as_deref().unwrap_or("");
    let op = t.operator.as_deref().unwrap_or("Equal");
    match op {
        "Equal" if key.is_empty() => c.invalid(
            &format!("{path}.operator"),
            format!("\"{op}\""),
            "operator must be Exists when `key` is empty, which means \"match all values and all keys\"",
        ),
        "Exists" if t.value.as_deref().is_some_and(|v| !v.is_empty()) => c.invalid(
            &format!("{path}.operator"),
            format!("\"{}\"", t.value.as_deref().unwrap_or("")),
            "value must be empty when `operator` is 'Exists'",
        ),
        "Equal" | "Exists" => {}
        other => c.unsupported(&format!("{path}.operator"), other, &["Equal", "Exists"]),
    }
    let effect = t.effect.as_deref().unwrap_or("");
    if !["", "NoSchedule", "PreferNoSchedule", "NoExecute"].contains(&effect) {
        c.unsupported(&format!("{path}.effect"), effect, &["NoExecute", "NoSchedule", "PreferNoSchedule"]);
    } else if t.toleration_seconds.is_some() && effect != "NoExecute" {
        c.invalid(
            &format!("{path}.effect"),
            format!("\"{effect}\""),
            "effect must be 'NoExecute' when `tolerationSeconds` is set",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_names() {
        assert!(is_dns_label("web-1"));
        assert!(!is_dns_label("Web"));
        assert!(!is_dns_label("-web"));
        assert!(!is_dns_label(&"a".repeat(64)));
        assert!(is_dns_subdomain("web.v2"));
        assert!(!is_dns_subdomain("web..v2"));
        assert!(!is_dns_subdomain("web_1"));
    }

    #[test]
    fn go_maps_print_like_go() {
        let m: BTreeMap<String, String> = [("app".to_string(), "web".to_string()), ("tier".into(), "x".into())].into();
        assert_eq!(go_map(&m), "map[string]string{\"app\":\"web\", \"tier\":\"x\"}");
    }
}

pub(crate) const DNS1035_MSG: &str = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

/// RFC 1035 label (Service names): a DNS label that starts with a letter.
pub(crate) fn is_dns1035_label(s: &str) -> bool {
    is_dns_label(s) && s.as_bytes().first().is_some_and(u8::is_ascii_lowercase)
}

/// IsValidPortName: an IANA_SVC_NAME (a named `targetPort` or container port).
pub(crate) fn port_name_errors(port: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if port.len() > 15 {
        errs.push("must be no more than 15 characters".to_string());
    }
    let b = port.as_bytes();
    if b.is_empty() || !b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-') {
        errs.push("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)".into());
    } else if !b.iter().any(u8::is_ascii_lowercase) {
        errs.push("must contain at least one letter (a-z)".into());
    } else if port.contains("--") {
        errs.push("must not contain consecutive hyphens".into());
    } else if b.first() == Some(&b'-') || b.last() == Some(&b'-') {
        errs.push("must not begin or end with a hyphen".into());
    }
    errs
}

pub(crate) const PORT_RANGE_MSG: &str = "must be between 1 and 65535, inclusive";

#[cfg(test)]
mod port_tests {
    use super::*;

    #[test]
    fn port_names_follow_iana_svc_name() {
        assert!(port_name_errors("http").is_empty());
        assert!(port_name_errors("web-80").is_empty());
        assert_eq!(port_name_errors("8080"), ["must contain at least one letter (a-z)"]);
        assert_eq!(
            port_name_errors("Http"),
            ["must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"]
        );
        assert_eq!(port_name_errors("a--b"), ["must not contain consecutive hyphens"]);
        assert_eq!(port_name_errors("-ab"), ["must not begin or end with a hyphen"]);
        assert_eq!(port_name_errors("abcdefghijklmnop"), ["must be no more than 15 characters"]);
        assert!(is_dns1035_label("web") && !is_dns1035_label("1web") && !is_dns1035_label("a.b"));
    }
}

#[cfg(test)]
mod folder_name_tests {
    use super::*;

    #[test]
    fn a_file_name_becomes_a_dns_1123_folder_name() {
        assert_eq!(folder_name("nginx-rolling-update", 200), "nginx-rolling-update");
        assert_eq!(folder_name("Controllers__Frontend", 200), "controllers--frontend");
        assert_eq!(folder_name("my app\u{1b}[31m", 200), "my-app--31m");
        assert_eq!(folder_name("..", 200), "scenario");
        assert_eq!(folder_name("-a.-b-.c-", 200), "a.b.c");
        assert_eq!(folder_name("x".repeat(300).as_str(), 200).len(), 200);
        for s in ["Controllers__Frontend", "my app\u{1b}[31m", "-a.-b-.c-", "v1.2..3"] {
            assert!(is_dns_subdomain(&folder_name(s, 200)), "{s:?} -> {:?}", folder_name(s, 200));
        }
    }
}
