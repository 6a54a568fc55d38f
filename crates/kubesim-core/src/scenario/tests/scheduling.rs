//! Scheduling: node and pod affinity, topology spread and their validation in Kubernetes'
//! words, PodDisruptionBudgets, and the node verbs on the timeline (cordon, taint, label, drain).

use super::*;
use crate::model::spec::{
    InclusionPolicy, IntOrPercent, KubectlCommand, NodeSelectorOperator, ObjectSpec, SelectorOperator, TaintEffect,
    WhenUnsatisfiable,
};

#[test]
fn node_affinity_converts() {
    let l = ok(&dep_with(
        "affinity:
  nodeAffinity:
    requiredDuringSchedulingIgnoredDuringExecution:
      nodeSelectorTerms:
      - matchExpressions:
        - {key: disk, operator: In, values: [ssd]}
        - {key: cores, operator: Gt, values: ['8']}
        matchFields:
        - {key: metadata.name, operator: NotIn, values: [worker-1]}
      - matchExpressions: [{key: gpu, operator: Exists}]
    preferredDuringSchedulingIgnoredDuringExecution:
    - weight: 20
      preference: {matchExpressions: [{key: zone, operator: NotIn, values: [a, b]}]}",
    ));
    let a = &pod_spec(&l).affinity;
    let req = a.node_required.as_ref().unwrap();
    assert_eq!(req.len(), 2);
    assert_eq!(req[0].match_expressions[1].operator, NodeSelectorOperator::Gt);
    assert_eq!(req[0].match_expressions[1].values, ["8"]);
    assert_eq!(req[0].match_fields[0].key, "metadata.name");
    assert_eq!(req[0].match_fields[0].operator, NodeSelectorOperator::NotIn);
    assert_eq!(req[1].match_expressions[0].operator, NodeSelectorOperator::Exists);
    assert_eq!(a.node_preferred[0].weight, 20);
    assert_eq!(a.node_preferred[0].preference.match_expressions[0].values, ["a", "b"]);
    assert!(l.warnings.is_empty(), "affinity is simulated: {:?}", l.warnings);
    assert_eq!(ok(DEP).scenario.objects.len(), 1);
    assert!(pod_spec(&ok(DEP)).affinity.node_required.is_none());
}

#[test]
fn pod_affinity_converts_with_label_keys_merged() {
    let text = dep_with(
        "affinity:
  podAffinity:
    requiredDuringSchedulingIgnoredDuringExecution:
    - labelSelector: {matchLabels: {tier: cache}}
      topologyKey: topology.kubernetes.io/zone
      matchLabelKeys: [app, missing]
  podAntiAffinity:
    preferredDuringSchedulingIgnoredDuringExecution:
    - weight: 100
      podAffinityTerm:
        labelSelector: {matchExpressions: [{key: tier, operator: Exists}]}
        topologyKey: kubernetes.io/hostname
        namespaces: [other]
        mismatchLabelKeys: [app]
        namespaceSelector: {}
    requiredDuringSchedulingIgnoredDuringExecution:
    - topologyKey: kubernetes.io/hostname",
    );
    let l = ok(&text);
    let a = &pod_spec(&l).affinity;
    let t = &a.pod_affinity_required[0];
    assert_eq!(t.topology_key, "topology.kubernetes.io/zone");
    assert!(t.namespaces.is_empty(), "empty: the pod's own namespace");
    assert_eq!(t.selector.match_labels.get("tier").map(String::as_str), Some("cache"));
    assert_eq!(t.selector.match_expressions.len(), 1, "`missing` is not a label of the pod: ignored");
    let m = &t.selector.match_expressions[0];
    assert_eq!(
        (m.key.as_str(), m.operator, m.values.as_slice()),
        ("app", SelectorOperator::In, &["web".to_string()][..])
    );
    let w = &a.pod_anti_affinity_preferred[0];
    assert_eq!(w.weight, 100);
    assert_eq!(w.term.namespaces, ["other"]);
    let m = &w.term.selector.match_expressions[1];
    assert_eq!((m.key.as_str(), m.operator), ("app", SelectorOperator::NotIn));
    // No labelSelector: the term selects no pod.
    let none = &a.pod_anti_affinity_required[0].selector;
    assert!(!none.matches(&Default::default()));
    assert!(!none.matches(&[("app".to_string(), "web".to_string())].into()));
    let w: Vec<&str> = l.warnings.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].ends_with("fields accepted but not simulated: spec.template.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.namespaceSelector"), "{w:?}");
}

#[test]
fn topology_spread_converts_with_defaults() {
    let l = ok(&dep_with(
        "topologySpreadConstraints:
- maxSkew: 1
  topologyKey: topology.kubernetes.io/zone
  whenUnsatisfiable: DoNotSchedule
  labelSelector: {matchExpressions: [{key: tier, operator: DoesNotExist}]}
  matchLabelKeys: [app, pod-template-hash]
  minDomains: 3
- maxSkew: 2
  topologyKey: kubernetes.io/hostname
  whenUnsatisfiable: ScheduleAnyway
  labelSelector: {matchLabels: {app: web}}
  nodeAffinityPolicy: Ignore
  nodeTaintsPolicy: Honor",
    ));
    let t = &pod_spec(&l).topology_spread;
    assert_eq!(t.len(), 2);
    assert_eq!(
        (t[0].max_skew, t[0].min_domains, t[0].when_unsatisfiable),
        (1, Some(3), WhenUnsatisfiable::DoNotSchedule)
    );
    assert_eq!((t[0].node_affinity_policy, t[0].node_taints_policy), (InclusionPolicy::Honor, InclusionPolicy::Ignore));
    // `app` merged as `app In [web]`; `pod-template-hash` is not a label of the template
    // (the Deployment controller adds it to pods later), so it is ignored.
    let m = &t[0].selector.match_expressions;
    assert_eq!(m.len(), 2, "{m:?}");
    assert_eq!(
        (m[1].key.as_str(), m[1].operator, m[1].values.as_slice()),
        ("app", SelectorOperator::In, &["web".to_string()][..])
    );
    assert_eq!(t[1].when_unsatisfiable, WhenUnsatisfiable::ScheduleAnyway);
    assert_eq!((t[1].node_affinity_policy, t[1].node_taints_policy), (InclusionPolicy::Ignore, InclusionPolicy::Honor));
    assert!(l.warnings.is_empty(), "{:?}", l.warnings);
}

#[test]
fn scheduling_validation_in_kubernetes_words() {
    let cases: &[(&str, &str)] = &[
        (
            "topologySpreadConstraints: [{maxSkew: 0, topologyKey: zone, whenUnsatisfiable: DoNotSchedule}]",
            "spec.template.spec.topologySpreadConstraints[0].maxSkew: Invalid value: 0: must be greater than zero",
        ),
        (
            "topologySpreadConstraints: [{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: Sometimes}]",
            "topologySpreadConstraints[0].whenUnsatisfiable: Unsupported value: \"Sometimes\": supported values: \"DoNotSchedule\", \"ScheduleAnyway\"",
        ),
        (
            "topologySpreadConstraints: [{maxSkew: 1, whenUnsatisfiable: DoNotSchedule}]",
            "topologySpreadConstraints[0].topologyKey: Required value: can not be empty",
        ),
        (
            "topologySpreadConstraints: [{maxSkew: 1, topologyKey: z, whenUnsatisfiable: ScheduleAnyway, minDomains: 2}]",
            "topologySpreadConstraints[0].minDomains: Invalid value: 2: can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ScheduleAnyway",
        ),
        (
            "topologySpreadConstraints: [{maxSkew: 1, topologyKey: z, whenUnsatisfiable: DoNotSchedule, minDomains: 0}]",
            "topologySpreadConstraints[0].minDomains: Invalid value: 0: must be greater than zero",
        ),
        (
            "topologySpreadConstraints: [{maxSkew: 1, topologyKey: z, whenUnsatisfiable: DoNotSchedule, nodeTaintsPolicy: Always}]",
            "nodeTaintsPolicy: Unsupported value: \"Always\": supported values: \"Honor\", \"Ignore\"",
        ),
        (
            "topologySpreadConstraints: [{maxSkew: 1, topologyKey: z, whenUnsatisfiable: DoNotSchedule}, {maxSkew: 2, topologyKey: z, whenUnsatisfiable: DoNotSchedule}]",
            "topologySpreadConstraints[0].{topologyKey, whenUnsatisfiable}: Duplicate value: \"{z, DoNotSchedule}\"",
        ),
        (
            "topologySpreadConstraints: [{maxSkew: 1, topologyKey: z, whenUnsatisfiable: DoNotSchedule, matchLabelKeys: [app]}]",
            "topologySpreadConstraints[0].matchLabelKeys: Forbidden: must not be specified when labelSelector is not set",
        ),
        (
            "topologySpreadConstraints: [{maxSkew: 1, topologyKey: z, whenUnsatisfiable: DoNotSchedule, labelSelector: {matchLabels: {app: web}}, matchLabelKeys: [app]}]",
            "topologySpreadConstraints[0].matchLabelKeys[0]: Invalid value: \"app\": exists in both matchLabelKeys and labelSelector",
        ),
        (
            "topologySpreadConstraints: [{maxSkew: 1, topologyKey: z, whenUnsatisfiable: DoNotSchedule, labelSelector: {matchExpressions: [{key: a, operator: In}]}}]",
            "labelSelector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
        ),
        (
            "affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: []}}}",
            "nodeSelectorTerms: Required value: must have at least one node selector term",
        ),
        (
            "affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: c, operator: Gt, values: ['1', '2']}]}]}}}",
            "matchExpressions[0].values: Required value: must be specified single value when `operator` is 'Lt' or 'Gt'",
        ),
        (
            "affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: c, operator: Lt, values: [many]}]}]}}}",
            "matchExpressions[0].values[0]: Invalid value: \"many\": for 'Gt', 'Lt' operators, the value must be an integer",
        ),
        (
            "affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: c, operator: NotIn}]}]}}}",
            "matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
        ),
        (
            "affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: c, operator: Exists, values: [x]}]}]}}}",
            "matchExpressions[0].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
        ),
        (
            "affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: c, operator: Near, values: [x]}]}]}}}",
            "matchExpressions[0].operator: Invalid value: \"Near\": not a valid selector operator",
        ),
        (
            "affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchFields: [{key: metadata.labels, operator: In, values: [x]}]}]}}}",
            "matchFields[0].key: Invalid value: \"metadata.labels\": not a valid field selector key",
        ),
        (
            "affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchFields: [{key: metadata.name, operator: In, values: [a, b]}]}]}}}",
            "matchFields[0].values: Required value: must be only one value when `operator` is 'In' or 'NotIn' for node field selector",
        ),
        (
            "affinity: {nodeAffinity: {preferredDuringSchedulingIgnoredDuringExecution: [{weight: 0, preference: {}}]}}",
            "preferredDuringSchedulingIgnoredDuringExecution[0].weight: Invalid value: 0: must be in the range 1-100",
        ),
        (
            "affinity: {podAntiAffinity: {preferredDuringSchedulingIgnoredDuringExecution: [{weight: 101, podAffinityTerm: {topologyKey: z}}]}}",
            "preferredDuringSchedulingIgnoredDuringExecution[0].weight: Invalid value: 101: must be in the range 1-100",
        ),
        (
            "affinity: {podAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [{labelSelector: {}}]}}",
            "requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey: Required value: can not be empty",
        ),
        (
            "affinity: {podAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [{labelSelector: {}, topologyKey: z, matchLabelKeys: [app], mismatchLabelKeys: [app]}]}}",
            "matchLabelKeys[0]: Invalid value: \"app\": exists in both matchLabelKeys and mismatchLabelKeys",
        ),
        (
            "affinity: {podAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [{topologyKey: z, matchLabelKeys: [app]}]}}",
            "matchLabelKeys: Forbidden: must not be specified when labelSelector is not set",
        ),
        (
            "affinity: {podAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [{labelSelector: {}, topologyKey: z, namespaces: [Bad_NS]}]}}",
            "namespaces[0]: Invalid value: \"Bad_NS\": a lowercase RFC 1123 label",
        ),
        ("preemptionPolicy: Sometimes", "spec.template.spec.preemptionPolicy: Unsupported value: \"Sometimes\": supported values: \"Never\", \"PreemptLowerPriority\""),
    ];
    for (extra, phrase) in cases {
        let e = errors(&dep_with(extra));
        assert!(e.iter().any(|m| m.contains(phrase)), "{phrase}:\n{e:#?}");
        assert!(e[0].starts_with("deployment/web: "), "{e:?}");
    }
}

#[test]
fn pod_disruption_budgets() {
    let pdb = |spec: &str| {
        format!("{DEP}  - {{apiVersion: policy/v1, kind: PodDisruptionBudget, metadata: {{name: b}}, spec: {spec}}}\n")
    };
    let l = ok(&pdb("{minAvailable: 2, selector: {matchLabels: {app: web}}}"));
    assert_eq!(
        l.scenario.objects[1].spec,
        ObjectSpec::PodDisruptionBudget {
            selector: crate::model::spec::Selector {
                match_labels: [("app".to_string(), "web".to_string())].into(),
                match_expressions: vec![]
            },
            min_available: Some(IntOrPercent::Int(2)),
            max_unavailable: None,
        }
    );
    assert!(l.warnings.is_empty(), "PodDisruptionBudget is simulated: {:?}", l.warnings);
    let l = ok(&pdb("{maxUnavailable: 25%, selector: {}}"));
    assert!(matches!(
        &l.scenario.objects[1].spec,
        ObjectSpec::PodDisruptionBudget { max_unavailable: Some(IntOrPercent::Percent(25)), min_available: None, .. }
    ));
    // Neither: Kubernetes accepts it and wants 0 healthy pods.
    let l = ok(&pdb("{selector: {matchLabels: {app: web}}}"));
    assert!(matches!(
        &l.scenario.objects[1].spec,
        ObjectSpec::PodDisruptionBudget { min_available: Some(IntOrPercent::Int(0)), max_unavailable: None, .. }
    ));
    assert_eq!(
        first_error(&pdb("{minAvailable: 1, maxUnavailable: 1, selector: {}}")).message,
        "poddisruptionbudget/b: spec: Invalid value: {minAvailable: 1, maxUnavailable: 1}: minAvailable and maxUnavailable cannot be both set"
    );
    assert!(first_error(&pdb("{minAvailable: 1}")).message.contains("spec.selector: Required value"));
    assert!(first_error(&pdb("{minAvailable: 150%, selector: {}}"))
        .message
        .contains("spec.minAvailable: Invalid value: \"150%\": must not be greater than 100%"));
    assert!(first_error(&pdb("{maxUnavailable: -1, selector: {}}"))
        .message
        .contains("spec.maxUnavailable: Invalid value: -1: must be greater than or equal to 0"));
    assert!(first_error(&pdb("{minAvailable: 1, selector: {}, unhealthyPodEvictionPolicy: Never}"))
        .message
        .contains("Unsupported value: \"Never\""));
}

#[test]
fn node_verbs_on_the_timeline() {
    let text = format!(
        "{DEP}cluster:
  nodes:
    - {{name: worker, count: 3}}
    - {{name: gpu}}
timeline:
  - {{at: 1m, run: kubectl cordon worker-3}}
  - {{at: 2m, run: kubectl uncordon gpu}}
  - {{at: 3m, run: 'kubectl taint nodes worker-1 gpu=true:NoSchedule old-'}}
  - {{at: 4m, run: kubectl label nodes gpu disk=ssd --overwrite}}
"
    );
    let l = ok(&text);
    let t: Vec<&KubectlCommand> = l.scenario.timeline.iter().filter_map(|e| e.kubectl()).collect();
    assert_eq!(t[0], &KubectlCommand::Cordon { node: "worker-3".into() });
    assert_eq!(t[1], &KubectlCommand::Uncordon { node: "gpu".into() });
    assert_eq!(
        t[2],
        &KubectlCommand::Taint {
            node: "worker-1".into(),
            add: vec![crate::model::spec::Taint {
                key: "gpu".into(),
                value: "true".into(),
                effect: TaintEffect::NoSchedule
            }],
            remove: vec![("old".into(), None)],
            overwrite: false,
        }
    );
    assert_eq!(
        t[3],
        &KubectlCommand::Label {
            node: "gpu".into(),
            set: vec![("disk".into(), "ssd".into())],
            remove: vec![],
            overwrite: true
        }
    );
    for (node, line) in [
        ("worker-4", "cordon worker-4"),
        ("worker", "cordon worker"),
        ("gpu-1", "uncordon gpu-1"),
        ("worker-01", "label nodes worker-01 a=b"),
        ("x", "taint nodes x a=b:NoSchedule"),
    ] {
        let e = errors(&text.replace("kubectl cordon worker-3", &format!("kubectl {line}")));
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(e[0].ends_with(&format!("Error from server (NotFound): nodes \"{node}\" not found")), "{e:?}");
    }
    let d = load(&text.replace("kubectl cordon worker-3", "kubectl cordon gpuu")).unwrap_err();
    assert_eq!(
        d[0].help.as_deref(),
        Some("did you mean `gpu`? the scenario's nodes (cluster.nodes): worker-1 .. worker-3, gpu")
    );
    // The default cluster: worker-1 .. worker-3.
    let l = ok(&format!("{DEP}timeline: [{{at: 1m, run: kubectl cordon worker-2}}]\n"));
    assert_eq!(l.scenario.timeline.len(), 1);
    let l = ok(&format!("{DEP}timeline: [{{at: 1m, run: kubectl drain worker-2 --ignore-daemonsets}}]\n"));
    assert!(matches!(
        l.scenario.timeline[0].kubectl(),
        Some(KubectlCommand::Drain(d)) if d.node == "worker-2" && d.ignore_daemonsets
    ));
    let e = errors(&format!("{DEP}timeline: [{{at: 1m, run: kubectl drain worker-4}}]\n"));
    assert!(
        e[0].ends_with("`kubectl drain worker-4`: Error from server (NotFound): nodes \"worker-4\" not found"),
        "{e:?}"
    );
}
