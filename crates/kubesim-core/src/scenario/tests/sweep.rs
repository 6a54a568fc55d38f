//! The `sweep:` section: seeds, variants in file order, each variant's `set:` checked as
//! `--set` would check it.

use super::*;
use crate::engine::SimDuration;
use crate::model::spec::{DeploymentStrategy, IntOrPercent, ObjectSpec};

fn with_sweep(sweep: &str) -> String {
    format!("{DEP}sweep:\n{sweep}")
}

#[test]
fn seeds_as_a_count_or_a_list_and_variants_in_file_order() {
    let l = ok(&with_sweep(
        "  seeds: 3\n  variants:\n    - name: surge-1\n      set: {deployment/web.spec.strategy.rollingUpdate.maxSurge: 1, duration: 5m}\n    - name: surge-25pct\n      set: {deployment/web.spec.strategy.rollingUpdate.maxSurge: 25%}\n    - name: base\n",
    ));
    let spec = l.scenario.sweep.as_ref().expect("a sweep");
    assert_eq!(spec.seeds, vec![1, 2, 3]);
    let names: Vec<&str> = spec.variants.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["surge-1", "surge-25pct", "base"]);
    assert_eq!(spec.variants[0].set_args(), ["deployment/web.spec.strategy.rollingUpdate.maxSurge=1", "duration=5m"]);
    assert_eq!(l.variants.len(), 3);
    assert_eq!(l.variants[0].duration, SimDuration::from_secs(300));
    let surge = |s: &Scenario| match &s.objects[0].spec {
        ObjectSpec::Deployment { spec, .. } => match &spec.strategy {
            DeploymentStrategy::RollingUpdate { max_surge, .. } => max_surge.clone(),
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    };
    assert_eq!(surge(&l.variants[0]), IntOrPercent::Int(1));
    assert_eq!(surge(&l.variants[1]), IntOrPercent::Percent(25));
    assert_eq!(l.variants[2], l.scenario, "a variant without `set` is the scenario");
    let listed = ok(&with_sweep("  seeds: [7, 3]\n  variants: [{name: a}]\n"));
    assert_eq!(listed.scenario.sweep.map(|s| s.seeds), Some(vec![7, 3]));
}

#[test]
fn a_scenario_without_a_sweep_has_none() {
    let l = ok(DEP);
    assert!(l.scenario.sweep.is_none());
    assert!(l.variants.is_empty());
}

#[test]
fn bad_sections_are_placed_and_explained() {
    let e = first_error(&with_sweep("  seeds: 3\n  varients: []\n"));
    assert_eq!(e.message, "sweep.varients: unknown field `varients` in the sweep");
    assert_eq!((e.line, e.column), (Some(13), Some(3)));
    assert_eq!(e.help.as_deref(), Some("did you mean `variants`?"));
    let e = first_error(&with_sweep("  seeds: 3\n  variants: [{name: a}, {name: a}]\n"));
    assert_eq!(e.message, "sweep.variants[1].name: Duplicate value: \"a\": each variant needs its own name");
    let e = first_error(&with_sweep("  seeds: 0\n  variants: [{name: a}]\n"));
    assert_eq!(e.message, "sweep.seeds: a sweep needs at least one seed");
    let e = first_error(&with_sweep("  seeds: [1, 1]\n  variants: [{name: a}]\n"));
    assert!(e.message.contains("Duplicate value: 1"), "{}", e.message);
    let e = first_error(&with_sweep("  seeds: 2\n  variants: [{name: Surge_1}]\n"));
    assert!(e.message.starts_with("sweep.variants[0].name: Invalid value: \"Surge_1\""), "{}", e.message);
    let e = first_error(&with_sweep("  seeds: 2\n  variants: [{name: charts}]\n"));
    assert!(e.message.contains("folder of the sweep's charts"), "{}", e.message);
    let e = first_error(&with_sweep("  seeds: 2\n"));
    assert!(e.message.starts_with("sweep: variants: Required value"), "{}", e.message);
}

#[test]
fn set_paths_are_checked_as_set_would_check_them() {
    let e = first_error(&with_sweep(
        "  seeds: 2\n  variants:\n    - name: a\n      set:\n        deployment/web.spec.replicas: 2\n        deployment/web.spec.strategy.rollingUpdate.maxSurgee: 1\n",
    ));
    assert_eq!(
        e.message,
        "sweep variant \"a\": set deployment/web.spec.strategy.rollingUpdate.maxSurgee=1: deployment/web: unknown field \"spec.strategy.rollingUpdate.maxSurgee\""
    );
    assert_eq!((e.line, e.column), (Some(17), Some(9)));
    assert_eq!(e.help.as_deref(), Some("did you mean `maxSurge`?"));
    let e = first_error(&with_sweep(
        "  seeds: 2\n  variants:\n    - name: a\n      set: {deployment/wbe.spec.replicas: 2}\n",
    ));
    assert_eq!(
        e.message,
        "sweep variant \"a\": set deployment/wbe.spec.replicas=2: deployment \"wbe\" not found in the scenario"
    );
    assert_eq!(e.help.as_deref(), Some("did you mean `web`?"));
    assert_eq!(e.line, Some(15));
    let e = first_error(&with_sweep("  seeds: 2\n  variants:\n    - name: a\n      set: {durration: 5m}\n"));
    assert!(e.message.ends_with("unknown field `durration` in the scenario"), "{}", e.message);
    assert_eq!(e.help.as_deref(), Some("did you mean `duration`?"));
    let e = first_error(&with_sweep(
        "  seeds: 2\n  variants:\n    - name: a\n      set: {deployment/web.spec.replicas: -1}\n",
    ));
    assert!(e.message.contains("spec.replicas: Invalid value: -1"), "{}", e.message);
}
