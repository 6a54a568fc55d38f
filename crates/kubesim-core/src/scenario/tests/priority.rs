//! PriorityClasses: resolved at load time, refused in the API server's words, applied on
//! the timeline.

use super::*;
use crate::model::spec::{KubectlCommand, ObjectSpec, PodSpec, PreemptionPolicy};

const CLASSES: &str = "  - {apiVersion: scheduling.k8s.io/v1, kind: PriorityClass, metadata: {name: high}, value: 1000}
  - {apiVersion: scheduling.k8s.io/v1, kind: PriorityClass, metadata: {name: low}, value: -5, globalDefault: true, preemptionPolicy: Never}
";

#[test]
fn priority_classes_resolve_at_load_time() {
    let text = format!("{}{CLASSES}", dep_with("priorityClassName: high"));
    let l = ok(&text);
    let s = pod_spec(&l);
    assert_eq!((s.priority, s.preemption_policy), (1000, PreemptionPolicy::PreemptLowerPriority));
    assert_eq!(
        l.scenario.objects[2].spec,
        ObjectSpec::PriorityClass { value: -5, global_default: true, preemption_policy: PreemptionPolicy::Never }
    );
    assert!(l.warnings.is_empty(), "PriorityClass is simulated: {:?}", l.warnings);
    // Without a class name: the globalDefault class, named in the spec as admission does.
    let l = ok(&format!("{DEP}{CLASSES}"));
    let s = pod_spec(&l);
    assert_eq!((s.priority, s.preemption_policy), (-5, PreemptionPolicy::Never));
    assert_eq!(s.priority_class_name.as_deref(), Some("low"));
    // Neither: 0.
    let s = pod_spec(&ok(DEP)).clone();
    assert_eq!(
        (s.priority, s.preemption_policy, s.priority_class_name),
        (0, PreemptionPolicy::PreemptLowerPriority, None)
    );
    // Built-in classes.
    let l = ok(&dep_with("priorityClassName: system-node-critical"));
    assert_eq!(pod_spec(&l).priority, 2_000_001_000);
    let l = ok(&dep_with("priorityClassName: system-cluster-critical"));
    assert_eq!(pod_spec(&l).priority, 2_000_000_000);
    // A class defined after the workload in the file still counts (initial objects).
    let text = format!("objects:\n{CLASSES}{}", DEP.trim_start_matches("objects:\n"))
        .replace("containers: [", "priorityClassName: high\n          containers: [");
    assert_eq!(pod_spec_of_last(&ok(&text)).priority, 1000);
}

fn pod_spec_of_last(l: &Loaded) -> &PodSpec {
    match &l.scenario.objects.last().unwrap().spec {
        ObjectSpec::Deployment { spec, .. } => &spec.template.spec,
        other => panic!("{other:?}"),
    }
}

#[test]
fn priority_errors_in_the_api_servers_words() {
    let e = first_error(&format!("{}{CLASSES}", dep_with("priorityClassName: hihg"))).message;
    assert_eq!(e, "deployment/web: pods \"web\" is forbidden: no PriorityClass with name hihg was found");
    let d = load(&format!("{}{CLASSES}", dep_with("priorityClassName: hihg"))).unwrap_err();
    assert_eq!(d[0].help.as_deref(), Some("did you mean `high`?"));
    let e = first_error(&format!("{}{CLASSES}", dep_with("priorityClassName: high\npriority: 7"))).message;
    assert!(e.contains("pods \"web\" is forbidden: the integer value of priority (7) must not be provided in pod spec; priority admission controller computed 1000 from the given PriorityClass name"), "{e}");
    // Agreeing values are accepted.
    ok(&format!(
        "{}{CLASSES}",
        dep_with("priorityClassName: high\npriority: 1000\npreemptionPolicy: PreemptLowerPriority")
    ));
    let e = first_error(&format!("{}{CLASSES}", dep_with("preemptionPolicy: PreemptLowerPriority"))).message;
    assert!(e.contains("the string value of PreemptionPolicy (PreemptLowerPriority) must not be provided in pod spec; priority admission controller computed Never"), "{e}");
    let e = first_error(&dep_with("priority: 5")).message;
    assert!(e.contains("the integer value of priority (5) must not be provided"), "{e}");
    let two = format!("{DEP}{CLASSES}  - {{apiVersion: scheduling.k8s.io/v1, kind: PriorityClass, metadata: {{name: other}}, value: 1, globalDefault: true}}\n");
    assert_eq!(
        first_error(&two).message,
        "priorityclass/other: priorityclasses.scheduling.k8s.io \"other\" is forbidden: PriorityClass low is already marked as default. Only one default can exist"
    );
    let pc = |extra: &str| format!("{DEP}  - {{apiVersion: scheduling.k8s.io/v1, kind: PriorityClass, {extra}}}\n");
    assert!(first_error(&pc("metadata: {name: huge}, value: 1000000001"))
        .message
        .contains("value: Forbidden: maximum allowed value of a user defined priority is 1000000000"));
    assert!(first_error(&pc("metadata: {name: system-mine}, value: 1")).message.contains("metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-mine is not a known system priority class"));
    assert!(first_error(&pc("metadata: {name: system-node-critical}, value: 1"))
        .message
        .contains("priorityclasses.scheduling.k8s.io \"system-node-critical\" already exists"));
    assert!(first_error(&pc("metadata: {name: p}, value: 1, preemptionPolicy: Always"))
        .message
        .contains("preemptionPolicy: Unsupported value: \"Always\""));
}

#[test]
fn priority_classes_on_the_timeline() {
    let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {priorityClassName: late, containers: [{name: a, image: a}]}\n";
    let class = "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: late}\nvalue: 42\n";
    let mut files = MemoryFiles::default();
    files.insert("dir/pod.yaml", pod).insert("dir/class.yaml", class);
    files.insert("dir/both.yaml", format!("{pod}---\n{class}")).insert("dir/class2.yaml", class.replace("42", "43"));
    let run = |lines: &[&str]| {
        let entries: String =
            lines.iter().enumerate().map(|(i, l)| format!("  - {{at: {}m, run: '{l}'}}\n", i + 1)).collect();
        load_str(Path::new("dir/s.yaml"), &format!("{DEP}timeline:\n{entries}"), &[], &files)
    };
    let l = run(&["kubectl apply -f class.yaml", "kubectl apply -f pod.yaml"]).unwrap();
    match l.scenario.timeline[1].kubectl() {
        Some(KubectlCommand::Apply { objects }) => match &objects[0].spec {
            ObjectSpec::Pod { spec, .. } => assert_eq!(spec.priority, 42),
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
    assert!(run(&["kubectl apply -f both.yaml"]).is_ok(), "a class in the same apply counts");
    let e = run(&["kubectl apply -f pod.yaml", "kubectl apply -f class.yaml"]).unwrap_err();
    assert!(
        e[0].message.contains("pod/p: pods \"p\" is forbidden: no PriorityClass with name late was found"),
        "{}",
        e[0]
    );
    let e = run(&["kubectl apply -f class.yaml", "kubectl apply -f class2.yaml"]).unwrap_err();
    assert!(
        e[0].message.contains("priorityclass/late: value: Forbidden: may not be changed in an update."),
        "{}",
        e[0]
    );
}
