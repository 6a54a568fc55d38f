//! LimitRanges and ResourceQuotas (core/v1) to their compact specs, with the API server's
//! defaulting (pkg/apis/core/v1/defaults.go `SetDefaults_LimitRangeItem`) and the parts of
//! its validation (pkg/apis/core/validation `ValidateLimitRange`, `ValidateResourceQuota`)
//! that decide what kubesim does.

use super::checker::Checker;
use super::manifest::Typed;
use super::positions::{Anchor, YPath};
use super::quantity::parse_quantity;
use super::validate;
use crate::model::spec::{is_cpu_key, Amounts, LimitRangeItem, LimitRangeSpec, LimitType, ObjectSpec, QuotaSpec};
use k8s_openapi::api::core::v1 as core;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use std::collections::BTreeMap;

/// Quantities in kubesim's integers: millicores for CPU keys (and `maxLimitRequestRatio`,
/// `milli`), whole units (rounded up, as `Value()` does) otherwise.
fn amounts(c: &mut Checker, path: &str, map: Option<&BTreeMap<String, Quantity>>, milli: bool) -> Amounts {
    let mut out = Amounts::new();
    for (name, q) in map.into_iter().flatten() {
        let p = format!("{path}[{name}]");
        match parse_quantity(&q.0) {
            Err(e) => c.field_help(&p, e, Some("expected a quantity like 250m, 2, 512Mi or 8Gi".into())),
            Ok(v) if v.is_negative() => c.invalid(&p, format!("\"{}\"", q.0), "must be greater than or equal to 0"),
            Ok(v) => {
                let n = if milli || is_cpu_key(name) { v.millis_ceil() } else { v.units_ceil() };
                out.insert(name.clone(), i64::try_from(n).unwrap_or(i64::MAX));
            }
        }
    }
    out
}

/// core/v1 LimitRange.
pub(crate) fn limit_range(lr: core::LimitRange, c: &mut Checker) -> Option<Typed> {
    validate::check_meta(c, &lr.metadata, true);
    let mut limits = Vec::new();
    for (i, item) in lr.spec.iter().flat_map(|s| s.limits.iter()).enumerate() {
        let p = format!("spec.limits[{i}]");
        let kind = match item.type_.as_str() {
            "Container" => LimitType::Container,
            "Pod" => LimitType::Pod,
            "PersistentVolumeClaim" => LimitType::Other,
            other => {
                c.unsupported(&format!("{p}.type"), other, &["Container", "PersistentVolumeClaim", "Pod"]);
                continue;
            }
        };
        let mut it = LimitRangeItem {
            kind,
            min: amounts(c, &format!("{p}.min"), item.min.as_ref(), false),
            max: amounts(c, &format!("{p}.max"), item.max.as_ref(), false),
            default: amounts(c, &format!("{p}.default"), item.default.as_ref(), false),
            default_request: amounts(c, &format!("{p}.defaultRequest"), item.default_request.as_ref(), false),
            max_ratio: amounts(c, &format!("{p}.maxLimitRequestRatio"), item.max_limit_request_ratio.as_ref(), true),
        };
        if kind == LimitType::Pod {
            for (field, set) in [("default", &it.default), ("defaultRequest", &it.default_request)] {
                if !set.is_empty() {
                    c.field(&format!("{p}.{field}"), "Forbidden: may not be specified when `type` is 'Pod'");
                }
            }
        }
        if kind == LimitType::Container {
            // SetDefaults_LimitRangeItem: a max is the default limit; a default limit the
            // default request; a min the default request.
            for (k, v) in &it.max {
                it.default.entry(k.clone()).or_insert(*v);
            }
            for (k, v) in &it.default {
                it.default_request.entry(k.clone()).or_insert(*v);
            }
            for (k, v) in &it.min {
                it.default_request.entry(k.clone()).or_insert(*v);
            }
        }
        // ValidateLimitRange: min <= defaultRequest <= default <= max, per resource.
        let show = |k: &str, v: i64| crate::admission::amount_string(k, v);
        for (k, &min) in &it.min {
            if let Some(&max) = it.max.get(k).filter(|&&max| min > max) {
                c.invalid(
                    &format!("{p}.min[{k}]"),
                    format!("\"{}\"", show(k, min)),
                    &format!("min value {} is greater than max value {}", show(k, min), show(k, max)),
                );
            }
        }
        for (k, &d) in &it.default {
            if let Some(&max) = it.max.get(k).filter(|&&max| d > max) {
                c.invalid(
                    &format!("{p}.default[{k}]"),
                    format!("\"{}\"", show(k, d)),
                    &format!("default value {} is greater than max value {}", show(k, d), show(k, max)),
                );
            }
        }
        for (k, &r) in &it.default_request {
            if let Some(&d) = it.default.get(k).filter(|&&d| r > d) {
                c.invalid(
                    &format!("{p}.defaultRequest[{k}]"),
                    format!("\"{}\"", show(k, r)),
                    &format!("default request value {} is greater than default limit value {}", show(k, r), show(k, d)),
                );
            }
        }
        limits.push(it);
    }
    Some((ObjectSpec::LimitRange(LimitRangeSpec { limits }), lr.metadata, 0))
}

/// core/v1 ResourceQuota: `spec.hard`. Scopes and scope selectors are not simulated (a
/// warning says so and the quota counts every pod of its namespace).
pub(crate) fn resource_quota(q: core::ResourceQuota, c: &mut Checker) -> Option<Typed> {
    validate::check_meta(c, &q.metadata, true);
    let spec = q.spec.as_ref();
    let hard = amounts(c, "spec.hard", spec.and_then(|s| s.hard.as_ref()), false);
    // Resources of `hard` that only other kinds use (services, configmaps, claims, ...):
    // kubesim's admission counts pods only.
    let other: Vec<&str> = hard
        .keys()
        .map(String::as_str)
        .filter(|k| !crate::admission::resource_quota::POD_RESOURCES.contains(k))
        .collect();
    if !other.is_empty() {
        let msg =
            format!("{}: spec.hard: {} not simulated: kubesim's quota counts pods only", c.label, other.join(", "));
        let d = c.loc.warning(&YPath::root().key("spec").key("hard"), Anchor::Key, msg);
        c.report.push(d);
    }
    let scoped = spec.is_some_and(|s| s.scopes.as_ref().is_some_and(|v| !v.is_empty()) || s.scope_selector.is_some());
    if scoped {
        let field = if spec.is_some_and(|s| s.scopes.as_ref().is_some_and(|v| !v.is_empty())) {
            "scopes"
        } else {
            "scopeSelector"
        };
        let msg = format!("{}: spec.{field} is not simulated: this quota counts every pod of its namespace", c.label);
        let d = c.loc.warning(&YPath::root().key("spec").key(field), Anchor::Key, msg);
        c.report.push(d);
    }
    Some((ObjectSpec::ResourceQuota(QuotaSpec { hard }), q.metadata, 0))
}
