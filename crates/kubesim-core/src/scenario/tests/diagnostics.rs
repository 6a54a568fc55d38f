//! What the loader says about input it cannot take as it is: every problem at once,
//! unknown fields, what is checked but not simulated, and never a panic.

use super::*;
use crate::model::spec::ObjectSpec;
use proptest::prelude::*;

#[test]
fn every_problem_is_reported_not_only_the_first() {
    let text = DEP
        .replace("selector: {", "replicas: -2\n      minReadySeconds: -1\n      selector: {")
        .replace("image: nginx}", "image: nginx, imagePullPolicy: Sometimes}");
    let e = errors(&text);
    assert_eq!(e.len(), 3, "{e:?}");
    assert!(e[0].contains("spec.replicas: Invalid value: -2"));
    assert!(e[1].contains("spec.minReadySeconds: Invalid value: -1"));
    assert!(
        e[2].contains("Unsupported value: \"Sometimes\": supported values: \"Always\", \"IfNotPresent\", \"Never\"")
    );
}

#[test]
fn not_simulated_kinds_and_sections_warn_once() {
    let text =
        format!("{DEP}  - {{apiVersion: v1, kind: ConfigMap, metadata: {{name: c}}, data: {{a: b}}}}\nfaults: {{}}\n");
    let l = ok(&text);
    let w: Vec<&str> = l.warnings.iter().map(|d| d.message.as_str()).collect();
    assert!(!w.iter().any(|m| m.contains("faults")), "{w:?}");
    assert!(w.contains(&"not simulated (accepted, no effect): ConfigMap (1)"), "{w:?}");
    assert_eq!(l.scenario.objects.last().map(|o| &o.spec), Some(&ObjectSpec::NotSimulated));
}

#[test]
fn unknown_fields_in_other_kinds_are_errors_too() {
    let text = format!("{DEP}  - {{apiVersion: v1, kind: ConfigMap, metadata: {{name: c}}, dta: {{a: b}}}}\n");
    let d = load(&text).unwrap_err();
    assert_eq!(d[0].message, "configmap/c: unknown field \"dta\"");
    assert_eq!(d[0].help.as_deref(), Some("did you mean `data`?"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    #[test]
    fn never_panics_on_arbitrary_text(text in "\\PC{0,200}") {
        let _ = load(&text);
    }

    #[test]
    fn never_panics_on_mutated_scenarios(pos in 0usize..400, ch in proptest::char::any()) {
        let mut text: Vec<char> = DEP.chars().collect();
        let i = pos % text.len();
        text[i] = ch;
        let _ = load(&text.into_iter().collect::<String>());
    }
}
