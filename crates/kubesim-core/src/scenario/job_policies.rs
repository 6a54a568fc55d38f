//! A Job's failure and success policies, read and checked as the API server checks them
//! (pkg/apis/batch/validation/validation.go `validateJobSpec`, `validatePodFailurePolicy`,
//! `validatePodFailurePolicyRule*`, `validateSuccessPolicy*`, `validatePodReplacementPolicy`,
//! `validateIndexesFormat`), with the defaults of `SetDefaults_Job`.

use super::checker::Checker;
use crate::model::spec::{
    PodFailureAction, PodFailureMatch, PodFailurePolicyRule, PodTemplate, RestartPolicy, SuccessPolicyRule,
};
use k8s_openapi::api::batch::v1 as batch;

/// validation.go's limits.
const MAX_POD_FAILURE_POLICY_RULES: usize = 20;
const MAX_ON_EXIT_CODES_VALUES: usize = 255;
const MAX_ON_POD_CONDITIONS_PATTERNS: usize = 20;
const MAX_SUCCESS_POLICY_RULES: usize = 20;
const MAX_FAILED_INDEXES: i32 = 100_000;
const MAX_SUCCEEDED_INDEXES_LENGTH: usize = 64 * 1024;

/// The policies of one Job spec, checked.
pub(crate) struct Policies {
    pub pod_failure_policy: Vec<PodFailurePolicyRule>,
    pub success_policy: Vec<SuccessPolicyRule>,
    pub replace_only_failed: bool,
}

pub(crate) fn check(c: &mut Checker, s: &batch::JobSpec, indexed: bool, template: &PodTemplate) -> Policies {
    c.nonnegative("spec.backoffLimitPerIndex", s.backoff_limit_per_index.map(i64::from));
    if let Some(m) = s.max_failed_indexes {
        c.nonnegative("spec.maxFailedIndexes", Some(i64::from(m)));
        if s.backoff_limit_per_index.is_none() {
            c.field("spec.backoffLimitPerIndex", "Required value: when maxFailedIndexes is specified");
        }
        if indexed && s.completions.is_some_and(|n| m > n) {
            c.invalid("spec.maxFailedIndexes", m, "must be less than or equal to completions");
        }
        if indexed && m > MAX_FAILED_INDEXES {
            c.invalid("spec.maxFailedIndexes", m, &format!("must be less than or equal to {MAX_FAILED_INDEXES}"));
        }
    }
    if !indexed {
        if let Some(b) = s.backoff_limit_per_index {
            c.invalid("spec.backoffLimitPerIndex", b, "requires indexed completion mode");
        }
        if let Some(m) = s.max_failed_indexes {
            c.invalid("spec.maxFailedIndexes", m, "requires indexed completion mode");
        }
    }
    let pod_failure_policy = match &s.pod_failure_policy {
        Some(p) => pod_failure_policy(c, s, p, template),
        None => Vec::new(),
    };
    let success_policy = match &s.success_policy {
        Some(_) if !indexed => {
            c.field("spec.successPolicy", "Invalid value: requires indexed completion mode");
            Vec::new()
        }
        Some(p) => success_policy(c, p, s.completions.unwrap_or(0)),
        None => Vec::new(),
    };
    // SetDefaults_Job: Failed when a podFailurePolicy is set, TerminatingOrFailed otherwise.
    let replace_only_failed = match s.pod_replacement_policy.as_deref() {
        None => s.pod_failure_policy.is_some(),
        Some("Failed") => true,
        Some(other) if s.pod_failure_policy.is_some() => {
            c.unsupported("spec.podReplacementPolicy", other, &["Failed"]);
            true
        }
        Some("TerminatingOrFailed") => false,
        Some(other) => {
            c.unsupported("spec.podReplacementPolicy", other, &["Failed", "TerminatingOrFailed"]);
            false
        }
    };
    if s.pod_failure_policy.is_some() && template.spec.restart_policy != RestartPolicy::Never {
        c.invalid(
            "spec.template.spec.restartPolicy",
            match template.spec.restart_policy {
                RestartPolicy::Always => "\"Always\"",
                RestartPolicy::OnFailure => "\"OnFailure\"",
                RestartPolicy::Never => "\"Never\"",
            },
            "only \"Never\" is supported when podFailurePolicy is specified",
        );
    }
    Policies { pod_failure_policy, success_policy, replace_only_failed }
}

fn pod_failure_policy(
    c: &mut Checker,
    s: &batch::JobSpec,
    p: &batch::PodFailurePolicy,
    template: &PodTemplate,
) -> Vec<PodFailurePolicyRule> {
    if p.rules.len() > MAX_POD_FAILURE_POLICY_RULES {
        c.field(
            "spec.podFailurePolicy.rules",
            format!("Too many: {}: must have at most {MAX_POD_FAILURE_POLICY_RULES} items", p.rules.len()),
        );
    }
    let names: Vec<&str> = template
        .spec
        .containers
        .iter()
        .chain(template.spec.init_containers.iter())
        .map(|ct| ct.name.as_str())
        .collect();
    let mut rules = Vec::new();
    for (i, rule) in p.rules.iter().enumerate() {
        let at = format!("spec.podFailurePolicy.rules[{i}]");
        let action = match rule.action.as_str() {
            "" => {
                c.field(
                    &format!("{at}.action"),
                    "Required value: valid values: [\"Count\" \"FailIndex\" \"FailJob\" \"Ignore\"]",
                );
                None
            }
            "FailIndex" if s.backoff_limit_per_index.is_none() => {
                c.invalid(&format!("{at}.action"), "\"FailIndex\"", "requires the backoffLimitPerIndex to be set");
                None
            }
            "FailIndex" => Some(PodFailureAction::FailIndex),
            "FailJob" => Some(PodFailureAction::FailJob),
            "Ignore" => Some(PodFailureAction::Ignore),
            "Count" => Some(PodFailureAction::Count),
            other => {
                c.unsupported(&format!("{at}.action"), other, &["Count", "FailIndex", "FailJob", "Ignore"]);
                None
            }
        };
        let conditions = rule.on_pod_conditions.as_ref().filter(|v| !v.is_empty());
        let on = match (&rule.on_exit_codes, conditions) {
            (Some(_), Some(_)) => {
                c.field(&at, "Invalid value: specifying both OnExitCodes and OnPodConditions is not supported");
                None
            }
            (None, None) => {
                c.field(&at, "Invalid value: specifying one of OnExitCodes and OnPodConditions is required");
                None
            }
            (Some(e), None) => on_exit_codes(c, &format!("{at}.onExitCodes"), e, &names),
            (None, Some(patterns)) => on_pod_conditions(c, &format!("{at}.onPodConditions"), patterns),
        };
        if let (Some(action), Some(on)) = (action, on) {
            rules.push(PodFailurePolicyRule { action, on });
        }
    }
    rules
}

fn on_exit_codes(
    c: &mut Checker,
    at: &str,
    e: &batch::PodFailurePolicyOnExitCodesRequirement,
    names: &[&str],
) -> Option<PodFailureMatch> {
    let in_values = match e.operator.as_str() {
        "In" => Some(true),
        "NotIn" => Some(false),
        "" => {
            c.field(&format!("{at}.operator"), "Required value: valid values: [\"In\" \"NotIn\"]");
            None
        }
        other => {
            c.unsupported(&format!("{at}.operator"), other, &["In", "NotIn"]);
            None
        }
    };
    if let Some(name) = e.container_name.as_deref().filter(|n| !names.contains(n)) {
        c.invalid(
            &format!("{at}.containerName"),
            format!("\"{name}\""),
            "must be one of the container or initContainer names in the pod template",
        );
    }
    let values_at = format!("{at}.values");
    if e.values.is_empty() {
        c.invalid(&values_at, "[]", "at least one value is required");
    } else if e.values.len() > MAX_ON_EXIT_CODES_VALUES {
        c.field(
            &values_at,
            format!("Too many: {}: must have at most {MAX_ON_EXIT_CODES_VALUES} items", e.values.len()),
        );
    }
    let mut ordered = true;
    for (j, &v) in e.values.iter().enumerate() {
        if in_values == Some(true) && v == 0 {
            c.invalid(&format!("{values_at}[{j}]"), v, "must not be 0 for the In operator");
        }
        if e.values[..j].contains(&v) {
            c.field(&format!("{values_at}[{j}]"), format!("Duplicate value: {v}"));
        }
        if j > 0 && e.values[j - 1] > v {
            ordered = false;
        }
    }
    if !ordered {
        c.invalid(&values_at, format!("{:?}", e.values), "must be ordered");
    }
    Some(PodFailureMatch::ExitCodes {
        container: e.container_name.clone(),
        in_values: in_values?,
        values: e.values.clone(),
    })
}

fn on_pod_conditions(
    c: &mut Checker,
    at: &str,
    patterns: &[batch::PodFailurePolicyOnPodConditionsPattern],
) -> Option<PodFailureMatch> {
    if patterns.len() > MAX_ON_POD_CONDITIONS_PATTERNS {
        c.field(at, format!("Too many: {}: must have at most {MAX_ON_POD_CONDITIONS_PATTERNS} items", patterns.len()));
    }
    let mut out = Vec::new();
    for (j, p) in patterns.iter().enumerate() {
        let valid_type = !p.type_.is_empty()
            && p.type_.chars().all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '-' | '_' | '.' | '/'))
            && p.type_.starts_with(|ch: char| ch.is_ascii_alphanumeric())
            && p.type_.ends_with(|ch: char| ch.is_ascii_alphanumeric());
        if !valid_type {
            c.invalid(
                &format!("{at}[{j}].type"),
                format!("\"{}\"", p.type_),
                "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
            );
        }
        match p.status.as_str() {
            "True" | "False" | "Unknown" => out.push((p.type_.clone(), p.status.clone())),
            // pkg/apis/batch/v1/defaults.go SetDefaults_Job: a pattern without a status
            // matches the condition being True (defaulting comes before validation, so the
            // validation's "Required value" is never met through the API).
            "" => out.push((p.type_.clone(), "True".to_string())),
            other => c.unsupported(&format!("{at}[{j}].status"), other, &["False", "True", "Unknown"]),
        }
    }
    Some(PodFailureMatch::PodConditions(out))
}

fn success_policy(c: &mut Checker, p: &batch::SuccessPolicy, completions: i32) -> Vec<SuccessPolicyRule> {
    if p.rules.is_empty() {
        c.field(
            "spec.successPolicy.rules",
            "Required value: at least one rules must be specified when the successPolicy is specified",
        );
    }
    if p.rules.len() > MAX_SUCCESS_POLICY_RULES {
        c.field(
            "spec.successPolicy.rules",
            format!("Too many: {}: must have at most {MAX_SUCCESS_POLICY_RULES} items", p.rules.len()),
        );
    }
    let mut rules = Vec::new();
    for (i, rule) in p.rules.iter().enumerate() {
        let at = format!("spec.successPolicy.rules[{i}]");
        if rule.succeeded_count.is_none() && rule.succeeded_indexes.is_none() {
            c.field(&at, "Required value: at least one of succeededCount or succeededIndexes must be specified");
            continue;
        }
        let mut indexes = None;
        if let Some(text) = &rule.succeeded_indexes {
            if text.len() > MAX_SUCCEEDED_INDEXES_LENGTH {
                c.field(
                    &format!("{at}.succeededIndexes"),
                    format!("Too long: may not be more than {MAX_SUCCEEDED_INDEXES_LENGTH} bytes"),
                );
            }
            match parse_indexes(text, completions) {
                Ok(r) => indexes = Some(r),
                Err(e) => c.invalid(
                    &format!("{at}.succeededIndexes"),
                    format!("\"{text}\""),
                    &format!("error parsing succeededIndexes: {e}"),
                ),
            }
        }
        if let Some(n) = rule.succeeded_count {
            let count_at = format!("{at}.succeededCount");
            c.nonnegative(&count_at, Some(i64::from(n)));
            if n > completions {
                c.invalid(
                    &count_at,
                    n,
                    &format!("must be less than or equal to {completions} (the number of specified completions)"),
                );
            }
            if let Some(total) = indexes.as_ref().map(|r| total(r)).filter(|t| n > *t) {
                c.invalid(
                    &count_at,
                    n,
                    &format!("must be less than or equal to {total} (the number of indexes in the specified succeededIndexes field)"),
                );
            }
        }
        rules.push(SuccessPolicyRule { succeeded_indexes: indexes, succeeded_count: rule.succeeded_count });
    }
    rules
}

fn total(ranges: &[(i32, i32)]) -> i32 {
    ranges.iter().map(|(a, b)| b - a + 1).sum()
}

/// validateIndexesFormat: `1,3-5` as ascending, non-overlapping ranges below `completions`.
pub(crate) fn parse_indexes(text: &str, completions: i32) -> Result<Vec<(i32, i32)>, String> {
    let mut out: Vec<(i32, i32)> = Vec::new();
    if text.is_empty() {
        return Ok(out);
    }
    let mut last: Option<i32> = None;
    for interval in text.split(',') {
        let parts: Vec<&str> = interval.split('-').collect();
        if parts.len() > 2 {
            return Err(format!(
                "the fragment \"{interval}\" violates the requirement that an index interval can have at most two parts separated by '-'"
            ));
        }
        let number = |t: &str| -> Result<i32, String> {
            let n: i32 = t.parse().map_err(|_| format!("cannot convert string to integer for index: \"{t}\""))?;
            if n >= completions {
                return Err(format!("too large index: \"{t}\""));
            }
            Ok(n)
        };
        let x = number(parts[0])?;
        if let Some(l) = last.filter(|l| *l >= x) {
            return Err(format!("non-increasing order, previous: {l}, current: {x}"));
        }
        let mut y = x;
        if let Some(t) = parts.get(1) {
            y = number(t)?;
            if x >= y {
                return Err(format!("non-increasing order, previous: {x}, current: {y}"));
            }
        }
        last = Some(y);
        out.push((x, y));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_parse_as_validate_indexes_format_reads_them() {
        assert_eq!(parse_indexes("0,2-4", 5), Ok(vec![(0, 0), (2, 4)]));
        assert_eq!(parse_indexes("", 5), Ok(vec![]));
        assert_eq!(parse_indexes("5", 5), Err("too large index: \"5\"".into()));
        assert_eq!(parse_indexes("2,1", 5), Err("non-increasing order, previous: 2, current: 1".into()));
        assert_eq!(parse_indexes("1-1", 5), Err("non-increasing order, previous: 1, current: 1".into()));
        assert_eq!(parse_indexes("a", 5), Err("cannot convert string to integer for index: \"a\"".into()));
    }
}
