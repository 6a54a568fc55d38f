//! End-to-end tests of the loader on in-memory scenarios.

use super::*;
use crate::engine::SimDuration;
use crate::model::spec::{
    DeploymentStrategy, IntOrPercent, Kind, KubectlCommand, ObjectSpec, PullPolicy, RestartPolicy,
};
use proptest::prelude::*;

fn load(text: &str) -> Result<Loaded, Vec<Diagnostic>> {
    load_str(Path::new("s.yaml"), text, &[], &NoFiles)
}

fn ok(text: &str) -> Loaded {
    load(text).unwrap_or_else(|e| panic!("{}", e.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n")))
}

fn errors(text: &str) -> Vec<String> {
    match load(text) {
        Ok(_) => panic!("loaded, but should fail"),
        Err(d) => d.iter().filter(|d| d.is_error()).map(|d| d.message.clone()).collect(),
    }
}

const DEP: &str = "objects:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec:
          containers: [{name: web, image: nginx}]
";

fn deployment(l: &Loaded) -> &crate::model::spec::DeploymentSpec {
    match &l.scenario.objects[0].spec {
        ObjectSpec::Deployment { spec, .. } => spec,
        other => panic!("{other:?}"),
    }
}

#[test]
fn defaults_of_the_scenario_and_of_kubernetes() {
    let l = ok(DEP);
    let s = &l.scenario;
    assert_eq!((s.name.as_str(), s.seed), ("s", 1));
    assert_eq!(s.duration, SimDuration::from_secs(600));
    assert_eq!(s.sample, SimDuration::from_secs(1));
    assert_eq!(s.nodes.len(), 1);
    assert_eq!((s.nodes[0].name.as_str(), s.nodes[0].count), ("worker", 3));
    assert_eq!(s.nodes[0].capacity.memory_bytes, 16 << 30);
    assert_eq!(s.objects[0].id.namespace, "default");
    let d = deployment(&l);
    assert_eq!(d.replicas, 1);
    assert_eq!(
        d.strategy,
        DeploymentStrategy::RollingUpdate {
            max_surge: IntOrPercent::Percent(25),
            max_unavailable: IntOrPercent::Percent(25)
        }
    );
    assert_eq!((d.min_ready_seconds, d.revision_history_limit, d.progress_deadline_seconds), (0, 10, 600));
    let pod = &d.template.spec;
    assert_eq!(pod.restart_policy, RestartPolicy::Always);
    assert_eq!(pod.termination_grace, SimDuration::from_secs(30));
    assert_eq!(pod.containers[0].pull_policy, PullPolicy::Always);
    assert!(l.warnings.is_empty(), "{:?}", l.warnings);
}

#[test]
fn requests_default_to_limits_and_probes_get_defaults() {
    let text = DEP.replace(
        "[{name: web, image: nginx}]",
        "[{name: web, image: nginx, resources: {limits: {cpu: 500m, memory: 1Gi}}, livenessProbe: {tcpSocket: {port: 80}, periodSeconds: 3}}]",
    );
    let l = ok(&text);
    let c = &deployment(&l).template.spec.containers[0];
    assert_eq!((c.requests.cpu_millis, c.requests.memory_bytes), (500, 1 << 30));
    let p = c.liveness.as_ref().unwrap();
    assert_eq!((p.period, p.timeout, p.failure_threshold), (SimDuration::from_secs(3), SimDuration::from_secs(1), 3));
}

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
fn kubernetes_validation_rules() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "selector: {matchLabels: {app: web}}",
            "selector: {}",
            "spec.selector: Invalid value: \"{}\": empty selector is invalid for deployment",
        ),
        ("containers: [{name: web, image: nginx}]", "containers: [{name: web}]", "containers[0].image: Required value"),
        ("containers: [{name: web, image: nginx}]", "containers: []", "spec.template.spec.containers: Required value"),
        (
            "containers: [{name: web, image: nginx}]",
            "restartPolicy: Never\n          containers: [{name: web, image: nginx}]",
            "spec.template.spec.restartPolicy: Unsupported value: \"Never\": supported values: \"Always\"",
        ),
        (
            "selector: {",
            "strategy: {rollingUpdate: {maxUnavailable: 150%}}\n      selector: {",
            "maxUnavailable: Invalid value: \"150%\": must not be greater than 100%",
        ),
        (
            "selector: {",
            "strategy: {rollingUpdate: {maxSurge: abc}}\n      selector: {",
            "a valid percent string must be a numeric string followed by an ending '%'",
        ),
        (
            "selector: {",
            "strategy: {type: Rolling}\n      selector: {",
            "spec.strategy.type: Unsupported value: \"Rolling\"",
        ),
        (
            "selector: {",
            "progressDeadlineSeconds: 5\n      minReadySeconds: 10\n      selector: {",
            "spec.progressDeadlineSeconds: Invalid value: 5: must be greater than minReadySeconds",
        ),
        (
            "image: nginx}",
            "image: nginx, readinessProbe: {periodSeconds: 1}}",
            "readinessProbe: Required value: must specify a handler type",
        ),
        (
            "image: nginx}",
            "image: nginx, livenessProbe: {exec: {command: [x]}, successThreshold: 2}}",
            "livenessProbe.successThreshold: Invalid value: 2: must be 1",
        ),
        (
            "image: nginx}",
            "image: nginx, resources: {requests: {cpuu: 1}}}",
            "resources.requests.cpuu: Invalid value: \"cpuu\": must be a standard resource type or fully qualified",
        ),
        ("image: nginx}", "image: nginx, resources: {requests: {memory: -1}}}", "must be greater than or equal to 0"),
        (
            "containers:",
            "tolerations: [{operator: Exists, value: x}]\n          containers:",
            "value must be empty when `operator` is 'Exists'",
        ),
        (
            "containers:",
            "tolerations: [{key: k, effect: NoSchedule, tolerationSeconds: 5}]\n          containers:",
            "effect must be 'NoExecute' when `tolerationSeconds` is set",
        ),
        ("{app: web}}\n        spec", "{app: \"bad value!\"}}\n        spec", "a valid label must be an empty string"),
    ];
    for (from, to, phrase) in cases {
        let text = DEP.replace(from, to);
        assert_ne!(text, DEP, "{from}");
        let e = errors(&text);
        assert!(e.iter().any(|m| m.contains(phrase)), "{phrase}: {e:?}");
    }
}

#[test]
fn replication_controllers_default_their_selector_to_the_template_labels() {
    let l = ok("objects:
  - apiVersion: v1
    kind: ReplicationController
    metadata: {name: rc}
    spec:
      replicas: 2
      template:
        metadata: {labels: {app: rc}}
        spec: {containers: [{name: a, image: a}]}
");
    match &l.scenario.objects[0].spec {
        ObjectSpec::ReplicationController { spec, .. } => {
            assert_eq!(spec.selector.match_labels.get("app").map(String::as_str), Some("rc"));
            assert_eq!(spec.replicas, 2);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn namespaces_must_exist_and_names_be_unique_per_namespace() {
    let ns = "  - {apiVersion: v1, kind: Namespace, metadata: {name: prod}}\n";
    let in_prod = DEP.replace("metadata: {name: web}", "metadata: {name: web, namespace: prod}");
    let text = format!("{in_prod}{ns}{}", DEP.trim_start_matches("objects:\n"));
    let l = ok(&text);
    assert_eq!(l.scenario.objects.len(), 3);
    assert_eq!(l.scenario.objects[0].id.namespace, "prod");
    assert_eq!(l.scenario.objects[1].id.kind, Kind::Namespace);
}

#[test]
fn not_simulated_kinds_and_sections_warn_once() {
    let text =
        format!("{DEP}  - {{apiVersion: v1, kind: ConfigMap, metadata: {{name: c}}, data: {{a: b}}}}\nfaults: {{}}\n");
    let l = ok(&text);
    let w: Vec<&str> = l.warnings.iter().map(|d| d.message.as_str()).collect();
    assert!(!w.iter().any(|m| m.contains("faults")), "{w:?}");
    assert!(w.iter().any(|m| m.ends_with("(checked, then ignored): ConfigMap")), "{w:?}");
    assert_eq!(l.scenario.objects.last().map(|o| &o.spec), Some(&ObjectSpec::NotSimulated));
}

#[test]
fn unknown_fields_in_other_kinds_are_errors_too() {
    let text = format!("{DEP}  - {{apiVersion: v1, kind: ConfigMap, metadata: {{name: c}}, dta: {{a: b}}}}\n");
    let d = load(&text).unwrap_err();
    assert_eq!(d[0].message, "configmap/c: unknown field \"dta\"");
    assert_eq!(d[0].help.as_deref(), Some("did you mean `data`?"));
}

#[test]
fn timeline_is_sorted_checked_and_warns() {
    let text = format!(
        "{DEP}duration: 5m\ntimeline:
  - {{at: 10m, run: kubectl scale deployment/web --replicas=2}}
  - {{at: 1m, run: 'kubectl delete deployment web'}}
  - {{at: 30s, run: kubectl rollout pause deployment/web}}
  - {{at: 2m, fail: node/worker-1}}
  - {{at: 3m, run: kubectl drain worker-1}}
"
    );
    // scale at 10m comes after the delete at 1m: not found.
    let e = errors(&text);
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(e.iter().any(|m| m.contains("deployments.apps \"web\" not found")), "{e:?}");
    let text = text.replace("10m, run: kubectl scale deployment/web --replicas=2", "10m, run: kubectl apply -f x.yaml");
    let e = errors(&text);
    assert!(e.iter().any(|m| m.contains("x.yaml: file not found")), "{e:?}");
}

#[test]
fn timeline_commands_convert() {
    let text = format!(
        "{DEP}timeline:
  - {{at: 1m, run: kubectl set image deployment/web web=nginx:2}}
  - {{at: 2m, run: kubectl rollout undo deployment/web --to-revision=1}}
  - {{at: 3m, fail: node/worker-1}}
"
    );
    let l = ok(&text);
    let t = &l.scenario.timeline;
    assert_eq!(t.len(), 3);
    assert!(
        matches!(t[0].kubectl(), Some(KubectlCommand::SetImage { images, .. }) if images[0] == ("web".into(), "nginx:2".into()))
    );
    assert!(matches!(t[1].kubectl(), Some(KubectlCommand::RolloutUndo { to_revision: Some(1), .. })));
    assert_eq!(t[2].text, "fail: node/worker-1");
    assert!(t[2].kubectl().is_none());
    assert!(l.warnings.is_empty(), "{:?}", l.warnings);
}

#[test]
fn overrides_edit_the_tree_before_parsing() {
    let sets = ["duration=30m".to_string(), "seed=7".into(), "deployment/web.spec.replicas=20".into()];
    let l = load_str(Path::new("s.yaml"), DEP, &sets, &NoFiles).unwrap();
    assert_eq!(l.scenario.duration, SimDuration::from_secs(1800));
    assert_eq!(l.scenario.seed, 7);
    assert_eq!(deployment(&l).replicas, 20);
    let e = load_str(Path::new("s.yaml"), DEP, &["deployment/nope.spec.replicas=3".into()], &NoFiles).unwrap_err();
    assert_eq!(e[0].message, "--set deployment/nope.spec.replicas=3: deployment \"nope\" not found in the scenario");
}

#[test]
fn cluster_section() {
    let l = ok(&format!(
        "{DEP}cluster:
  nodes:
    - {{name: big, count: 2, capacity: {{cpu: 64, memory: 256Gi, nvidia.com/gpu: 4}}, taints: [{{key: gpu, effect: NoSchedule}}]}}
  controlPlane: {{defaultTolerationSeconds: 60, apiLatency: 5ms, nodeMonitorGracePeriod: 40s}}
  scheduler: {{scoring: MostAllocated}}
images:
  nginx: {{pull: 2s, crashOnStart: 0.5, cpuPerRequest: 1m}}
"
    ));
    let s = &l.scenario;
    assert_eq!(s.nodes[0].capacity.cpu_millis, 64_000);
    assert_eq!(s.nodes[0].capacity.extended.get("nvidia.com/gpu"), Some(&4));
    assert_eq!(s.nodes[0].capacity.pods, 110);
    assert_eq!(s.control_plane.default_toleration_seconds, 60);
    assert_eq!(s.control_plane.api_latency, SimDuration::from_millis(5));
    assert_eq!(s.scoring, crate::model::spec::ScoringStrategy::MostAllocated);
    assert_eq!(s.images["nginx"].pull, SimDuration::from_secs(2));
    assert_eq!(s.images["nginx"].cpu_per_request_nanos, 1_000_000);
    let e = errors(&format!(
        "{DEP}cluster: {{nodes: [{{name: a, cpacity: {{}}}}], scheduler: {{scoring: MostAlocated}}}}\n"
    ));
    assert!(e[0].contains("unknown field `cpacity` in a node group"), "{e:?}");
    assert!(e[1].contains("Unsupported value: \"MostAlocated\""), "{e:?}");
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

mod scheduling_and_priority {
    use super::*;
    use crate::model::spec::{
        InclusionPolicy, NodeSelectorOperator, PodSpec, PreemptionPolicy, SelectorOperator, TaintEffect,
        WhenUnsatisfiable,
    };

    /// DEP with `extra` lines inserted into the pod template's spec (indented 10).
    fn dep_with(extra: &str) -> String {
        let indented: String = extra.lines().map(|l| format!("          {l}\n")).collect();
        DEP.replace("          containers:", &format!("{indented}          containers:"))
    }

    fn pod_spec(l: &Loaded) -> &PodSpec {
        &deployment(l).template.spec
    }

    fn first_error(text: &str) -> String {
        errors(text).into_iter().next().unwrap_or_default()
    }

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
        assert_eq!(
            (t[0].node_affinity_policy, t[0].node_taints_policy),
            (InclusionPolicy::Honor, InclusionPolicy::Ignore)
        );
        // `app` merged as `app In [web]`; `pod-template-hash` is not a label of the template
        // (the Deployment controller adds it to pods later), so it is ignored.
        let m = &t[0].selector.match_expressions;
        assert_eq!(m.len(), 2, "{m:?}");
        assert_eq!(
            (m[1].key.as_str(), m[1].operator, m[1].values.as_slice()),
            ("app", SelectorOperator::In, &["web".to_string()][..])
        );
        assert_eq!(t[1].when_unsatisfiable, WhenUnsatisfiable::ScheduleAnyway);
        assert_eq!(
            (t[1].node_affinity_policy, t[1].node_taints_policy),
            (InclusionPolicy::Ignore, InclusionPolicy::Honor)
        );
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
        let e = first_error(&format!("{}{CLASSES}", dep_with("priorityClassName: hihg")));
        assert_eq!(e, "deployment/web: pods \"web\" is forbidden: no PriorityClass with name hihg was found");
        let d = load(&format!("{}{CLASSES}", dep_with("priorityClassName: hihg"))).unwrap_err();
        assert_eq!(d[0].help.as_deref(), Some("did you mean `high`?"));
        let e = first_error(&format!("{}{CLASSES}", dep_with("priorityClassName: high\npriority: 7")));
        assert!(e.contains("pods \"web\" is forbidden: the integer value of priority (7) must not be provided in pod spec; priority admission controller computed 1000 from the given PriorityClass name"), "{e}");
        // Agreeing values are accepted.
        ok(&format!(
            "{}{CLASSES}",
            dep_with("priorityClassName: high\npriority: 1000\npreemptionPolicy: PreemptLowerPriority")
        ));
        let e = first_error(&format!("{}{CLASSES}", dep_with("preemptionPolicy: PreemptLowerPriority")));
        assert!(e.contains("the string value of PreemptionPolicy (PreemptLowerPriority) must not be provided in pod spec; priority admission controller computed Never"), "{e}");
        let e = first_error(&dep_with("priority: 5"));
        assert!(e.contains("the integer value of priority (5) must not be provided"), "{e}");
        let two = format!("{DEP}{CLASSES}  - {{apiVersion: scheduling.k8s.io/v1, kind: PriorityClass, metadata: {{name: other}}, value: 1, globalDefault: true}}\n");
        assert_eq!(
            first_error(&two),
            "priorityclass/other: priorityclasses.scheduling.k8s.io \"other\" is forbidden: PriorityClass low is already marked as default. Only one default can exist"
        );
        let pc = |extra: &str| format!("{DEP}  - {{apiVersion: scheduling.k8s.io/v1, kind: PriorityClass, {extra}}}\n");
        assert!(first_error(&pc("metadata: {name: huge}, value: 1000000001"))
            .contains("value: Forbidden: maximum allowed value of a user defined priority is 1000000000"));
        assert!(first_error(&pc("metadata: {name: system-mine}, value: 1")).contains("metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-mine is not a known system priority class"));
        assert!(first_error(&pc("metadata: {name: system-node-critical}, value: 1"))
            .contains("priorityclasses.scheduling.k8s.io \"system-node-critical\" already exists"));
        assert!(first_error(&pc("metadata: {name: p}, value: 1, preemptionPolicy: Always"))
            .contains("preemptionPolicy: Unsupported value: \"Always\""));
    }

    #[test]
    fn priority_classes_on_the_timeline() {
        let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {priorityClassName: late, containers: [{name: a, image: a}]}\n";
        let class = "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: late}\nvalue: 42\n";
        let mut files = MemoryFiles::default();
        files.insert("dir/pod.yaml", pod).insert("dir/class.yaml", class);
        files
            .insert("dir/both.yaml", format!("{pod}---\n{class}"))
            .insert("dir/class2.yaml", class.replace("42", "43"));
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

    #[test]
    fn pod_disruption_budgets() {
        let pdb = |spec: &str| {
            format!(
                "{DEP}  - {{apiVersion: policy/v1, kind: PodDisruptionBudget, metadata: {{name: b}}, spec: {spec}}}\n"
            )
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
            ObjectSpec::PodDisruptionBudget {
                max_unavailable: Some(IntOrPercent::Percent(25)),
                min_available: None,
                ..
            }
        ));
        // Neither: Kubernetes accepts it and wants 0 healthy pods.
        let l = ok(&pdb("{selector: {matchLabels: {app: web}}}"));
        assert!(matches!(
            &l.scenario.objects[1].spec,
            ObjectSpec::PodDisruptionBudget { min_available: Some(IntOrPercent::Int(0)), max_unavailable: None, .. }
        ));
        assert_eq!(
            first_error(&pdb("{minAvailable: 1, maxUnavailable: 1, selector: {}}")),
            "poddisruptionbudget/b: spec: Invalid value: {minAvailable: 1, maxUnavailable: 1}: minAvailable and maxUnavailable cannot be both set"
        );
        assert!(first_error(&pdb("{minAvailable: 1}")).contains("spec.selector: Required value"));
        assert!(first_error(&pdb("{minAvailable: 150%, selector: {}}"))
            .contains("spec.minAvailable: Invalid value: \"150%\": must not be greater than 100%"));
        assert!(first_error(&pdb("{maxUnavailable: -1, selector: {}}"))
            .contains("spec.maxUnavailable: Invalid value: -1: must be greater than or equal to 0"));
        assert!(first_error(&pdb("{minAvailable: 1, selector: {}, unhealthyPodEvictionPolicy: Never}"))
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
}

#[test]
fn image_size_is_a_byte_quantity() {
    let text = format!("{DEP}images:\n  nginx:1: {{size: 150Mi}}\n");
    let l = ok(&text);
    assert_eq!(l.scenario.images["nginx:1"].size_bytes, 150 * 1024 * 1024);
    let bad = format!("{DEP}images:\n  nginx:1: {{size: 3 cores}}\n");
    assert!(errors(&bad).iter().any(|e| e.contains("size:")), "{:?}", errors(&bad));
}

mod services_ingress_and_traffic {
    use super::*;
    use crate::model::spec::{
        BackendPort, CanaryAnnotations, IngressBackend, IngressSpec, PathType, ServicePort, ServiceSpec, ServiceType,
        TargetPort, TrafficTarget,
    };
    use crate::traffic::{ArrivalProcess, ProxyMode, Rate, RateProfile, ServiceTime};

    fn with(objects: &str) -> String {
        let items: String = objects.lines().map(|l| format!("  - {l}\n")).collect();
        format!("{DEP}{items}")
    }

    fn service(l: &Loaded, name: &str) -> ServiceSpec {
        l.scenario
            .objects
            .iter()
            .find_map(|o| match &o.spec {
                ObjectSpec::Service { spec, .. } if o.id.name == name => Some(spec.clone()),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no service {name}"))
    }

    fn ingress(l: &Loaded, name: &str) -> IngressSpec {
        l.scenario
            .objects
            .iter()
            .find_map(|o| match &o.spec {
                ObjectSpec::Ingress { spec, .. } if o.id.name == name => Some(spec.clone()),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no ingress {name}"))
    }

    fn first_error(text: &str) -> Diagnostic {
        load(text).err().and_then(|d| d.into_iter().next()).expect("should fail")
    }

    const SVC: &str =
        "{apiVersion: v1, kind: Service, metadata: {name: web}, spec: {selector: {app: web}, ports: [{port: 80}]}}";

    #[test]
    fn services_convert_with_the_api_servers_defaults() {
        let l = ok(&with(&format!(
            "{SVC}\n{{apiVersion: v1, kind: Service, metadata: {{name: api}}, spec: {{type: NodePort, ports: [{{name: http, port: 80, targetPort: http}}, {{name: admin, port: 9000, targetPort: 9001}}]}}}}\n{{apiVersion: v1, kind: Service, metadata: {{name: ext}}, spec: {{type: ExternalName, externalName: example.com}}}}"
        )));
        let web = service(&l, "web");
        assert_eq!(web.service_type, ServiceType::ClusterIP);
        assert_eq!(web.selector.as_ref().and_then(|s| s.get("app")).map(String::as_str), Some("web"));
        assert_eq!(web.ports, [ServicePort { name: None, port: 80, target_port: TargetPort::Number(80) }]);
        let api = service(&l, "api");
        assert_eq!(api.service_type, ServiceType::NodePort);
        assert_eq!(api.selector, None);
        assert_eq!(api.ports[0].target_port, TargetPort::Name("http".into()));
        assert_eq!(api.ports[1].target_port, TargetPort::Number(9001));
        assert_eq!(service(&l, "ext").service_type, ServiceType::ExternalName);
        assert!(l.warnings.is_empty(), "{:?}", l.warnings);
    }

    #[test]
    fn service_validation_in_the_api_servers_words() {
        let svc =
            |spec: &str| with(&format!("{{apiVersion: v1, kind: Service, metadata: {{name: web}}, spec: {spec}}}"));
        let cases: &[(&str, &str)] = &[
            ("{selector: {app: web}}", "service/web: spec.ports: Required value"),
            ("{ports: [{port: 0}]}", "spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive"),
            ("{ports: [{port: 80}, {port: 81}]}", "spec.ports[0].name: Required value"),
            ("{ports: [{name: a, port: 80}, {name: a, port: 81}]}", "spec.ports[1].name: Duplicate value: \"a\""),
            (
                "{ports: [{port: 80, targetPort: 70000}]}",
                "spec.ports[0].targetPort: Invalid value: 70000: must be between 1 and 65535, inclusive",
            ),
            (
                "{ports: [{port: 80, targetPort: Http_1}]}",
                "spec.ports[0].targetPort: Invalid value: \"Http_1\": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)",
            ),
            ("{type: Headless, ports: [{port: 80}]}", "spec.type: Unsupported value: \"Headless\""),
            ("{type: ExternalName}", "spec.externalName: Required value"),
        ];
        for (spec, want) in cases {
            let e = errors(&svc(spec));
            assert!(e.iter().any(|m| m.contains(want)), "{spec}: {e:?}");
        }
        let e = errors(&with("{apiVersion: v1, kind: Service, metadata: {name: 1web}, spec: {ports: [{port: 80}]}}"));
        assert!(e[0].contains("a DNS-1035 label must consist of"), "{e:?}");
    }

    const ING_V1: &str = "apiVersion: networking.k8s.io/v1
    kind: Ingress
    metadata: {name: shop}
    spec:
      ingressClassName: nginx
      defaultBackend: {service: {name: web, port: {number: 80}}}
      rules:
        - host: shop.example.com
          http:
            paths:
              - {path: /api, pathType: Prefix, backend: {service: {name: web, port: {name: http}}}}
              - {path: /exact, pathType: Exact, backend: {service: {name: web, port: {number: 8080}}}}
";

    #[test]
    fn ingress_v1_converts() {
        let l = ok(&format!("{}  - {ING_V1}", with(SVC)));
        let i = ingress(&l, "shop");
        assert_eq!(i.class.as_deref(), Some("nginx"));
        assert_eq!(
            i.default_backend,
            Some(IngressBackend { service: "web".into(), port: Some(BackendPort::Number(80)) })
        );
        assert_eq!(i.rules[0].host.as_deref(), Some("shop.example.com"));
        let p = &i.rules[0].paths;
        assert_eq!((p[0].path.as_str(), p[0].path_type), ("/api", PathType::Prefix));
        assert_eq!(p[0].backend.port, Some(BackendPort::Name("http".into())));
        assert_eq!(p[1].path_type, PathType::Exact);
        assert_eq!(i.canary, None);
        assert!(l.warnings.is_empty(), "{:?}", l.warnings);
    }

    #[test]
    fn ingress_v1_requires_path_type_and_absolute_paths() {
        let text = format!("{}  - {}", with(SVC), ING_V1.replace("{path: /api, pathType: Prefix, ", "{path: /api, "));
        let d = first_error(&text);
        assert_eq!(
            d.message,
            "ingress/shop: spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified"
        );
        assert_eq!((d.line, d.column), (Some(22), Some(17)), "{d}");
        let text = format!("{}  - {}", with(SVC), ING_V1.replace("path: /exact", "path: exact"));
        assert!(first_error(&text)
            .message
            .contains("spec.rules[0].http.paths[1].path: Invalid value: \"exact\": must be an absolute path"));
        let text = format!("{}  - {}", with(SVC), ING_V1.replace("pathType: Exact", "pathType: Exakt"));
        let d = first_error(&text);
        assert!(d.message.contains("pathType: Unsupported value: \"Exakt\""), "{d}");
        assert_eq!(d.help.as_deref(), Some("did you mean `Exact`?"));
    }

    const ING_BETA: &str = "apiVersion: extensions/v1beta1
    kind: Ingress
    metadata:
      name: old
      annotations: {kubernetes.io/ingress.class: nginx}
    spec:
      backend: {serviceName: web, servicePort: 80}
      rules:
        - http:
            paths:
              - backend: {serviceName: web, servicePort: http}
              - {path: /v2, pathType: Prefix, backend: {serviceName: web, servicePort: 8080}}
";

    #[test]
    fn ingress_beta_forms_convert() {
        for api in ["extensions/v1beta1", "networking.k8s.io/v1beta1"] {
            let text = format!("{}  - {}", with(SVC), ING_BETA.replace("extensions/v1beta1", api));
            let l = ok(&text);
            let i = ingress(&l, "old");
            assert_eq!(i.class.as_deref(), Some("nginx"), "{api}");
            assert_eq!(
                i.default_backend,
                Some(IngressBackend { service: "web".into(), port: Some(BackendPort::Number(80)) })
            );
            let p = &i.rules[0].paths;
            assert_eq!((p[0].path.as_str(), p[0].path_type), ("/", PathType::ImplementationSpecific));
            assert_eq!(p[0].backend.port, Some(BackendPort::Name("http".into())));
            assert_eq!((p[1].path.as_str(), p[1].path_type), ("/v2", PathType::Prefix));
            assert_eq!(i.rules[0].host, None);
        }
        let text = format!(
            "{}  - {}",
            with(SVC),
            ING_BETA.replace(
                "backend: {serviceName: web, servicePort: http}",
                "backend: {serviceNam: web, servicePort: http}"
            )
        );
        let d = first_error(&text);
        assert_eq!(d.message, "ingress/old: unknown field \"spec.rules[0].http.paths[0].backend.serviceNam\"");
        assert_eq!(d.help.as_deref(), Some("did you mean `serviceName`?"));
    }

    #[test]
    fn canary_annotations() {
        let canary = |ann: &str| {
            format!(
                "{}  - {{apiVersion: networking.k8s.io/v1, kind: Ingress, metadata: {{name: c, annotations: {{{ann}}}}}, spec: {{rules: [{{http: {{paths: [{{path: /, pathType: Prefix, backend: {{service: {{name: web, port: {{number: 80}}}}}}}}]}}}}]}}}}\n",
                with(SVC)
            )
        };
        let l = ok(&canary(
            "nginx.ingress.kubernetes.io/canary: \"true\", nginx.ingress.kubernetes.io/canary-weight: \"10\"",
        ));
        assert_eq!(ingress(&l, "c").canary, Some(CanaryAnnotations { weight: 10, weight_total: 100, by_header: None }));
        let l = ok(&canary("nginx.ingress.kubernetes.io/canary: \"true\", nginx.ingress.kubernetes.io/canary-weight-total: \"1000\", nginx.ingress.kubernetes.io/canary-by-header: X-Canary"));
        assert_eq!(
            ingress(&l, "c").canary,
            Some(CanaryAnnotations { weight: 0, weight_total: 1000, by_header: Some("X-Canary".into()) })
        );
        let l = ok(&canary("nginx.ingress.kubernetes.io/canary-weight: \"10\""));
        assert_eq!(ingress(&l, "c").canary, None, "not a canary without canary: true");
        let d = first_error(&canary(
            "nginx.ingress.kubernetes.io/canary: \"true\", nginx.ingress.kubernetes.io/canary-weight: abc",
        ));
        assert_eq!(d.message, "ingress/c: metadata.annotations.nginx.ingress.kubernetes.io/canary-weight: Invalid value: \"abc\": must be a non-negative integer");
        let d = first_error(&canary(
            "nginx.ingress.kubernetes.io/canary: \"true\", nginx.ingress.kubernetes.io/canary-weight: \"150\"",
        ));
        assert!(
            d.message.ends_with("Invalid value: \"150\": must not be greater than canary-weight-total (100)"),
            "{d}"
        );
    }

    #[test]
    fn ingress_backends_to_missing_services_warn() {
        let l = ok(&format!(
            "{}  - {}",
            with(SVC),
            ING_V1.replace("name: web, port: {name: http}", "name: wbe, port: {name: http}")
        ));
        let w: Vec<&Diagnostic> = l.warnings.iter().filter(|w| w.message.contains("no Service named")).collect();
        assert_eq!(w.len(), 1, "{w:?}");
        assert_eq!(
            w[0].message,
            "ingress/shop: spec.rules[0].http.paths[0].backend.service.name: no Service named wbe in the scenario; requests routed to it will fail"
        );
        assert_eq!(w[0].help.as_deref(), Some("did you mean `web`?"));
        assert_eq!(w[0].line, Some(22));
    }

    #[test]
    fn service_time_forms_and_queue() {
        let img = |b: &str| format!("{DEP}images:\n  nginx: {b}\n");
        let st = |b: &str| ok(&img(b)).scenario.images["nginx"].service_time;
        assert_eq!(st("{serviceTime: 20ms}"), ServiceTime::fixed(SimDuration::from_millis(20)));
        assert_eq!(st("{serviceTime: {fixed: 5ms}}"), ServiceTime::fixed(SimDuration::from_millis(5)));
        assert_eq!(st("{serviceTime: {exponential: 10ms}}"), ServiceTime::exponential(SimDuration::from_millis(10)));
        assert_eq!(
            st("{serviceTime: {lognormal: {p50: 10ms, p99: 80ms}}}"),
            ServiceTime::lognormal(SimDuration::from_millis(10), SimDuration::from_millis(80)).unwrap()
        );
        let l = ok(&img("{queue: 0}"));
        assert_eq!(l.scenario.images["nginx"].queue, 0);
        let l = ok(&img("{concurrency: 4}"));
        assert_eq!(l.scenario.images["nginx"].queue, crate::traffic::server::DEFAULT_QUEUE_CAPACITY as u32);
        let d = first_error(&img("{serviceTime: {lognormal: {p50: 80ms, p99: 10ms}}}"));
        assert_eq!(
            d.message,
            "images.nginx.serviceTime.lognormal.p99: a lognormal service time needs p99 (10ms) at least p50 (80ms)"
        );
        let d = first_error(&img("{serviceTime: {gaussian: 10ms}}"));
        assert!(d.message.contains("unknown field `gaussian` in a service time"), "{d}");
        let d = first_error(&img("{queue: -1}"));
        assert!(d.message.contains("queue: expected a queue length (a non-negative integer)"), "{d}");
        let d = first_error(&img("{serviceTime: {fixed: 1ms, exponential: 2ms}}"));
        assert!(d.message.contains("expected one of `fixed`, `exponential` or `lognormal`"), "{d}");
    }

    #[test]
    fn kube_proxy_mode_and_endpoint_propagation() {
        let l =
            ok(&format!("{DEP}cluster: {{kubeProxy: {{mode: ipvs}}, controlPlane: {{endpointPropagation: 250ms}}}}\n"));
        assert_eq!(l.scenario.control_plane.proxy_mode, ProxyMode::Ipvs);
        assert_eq!(l.scenario.control_plane.endpoint_propagation, SimDuration::from_millis(250));
        let l = ok(DEP);
        assert_eq!(l.scenario.control_plane.proxy_mode, ProxyMode::Iptables);
        assert_eq!(l.scenario.control_plane.endpoint_propagation, SimDuration::from_secs(1));
        let d = first_error(&format!("{DEP}cluster: {{kubeProxy: {{mode: ipvz}}}}\n"));
        assert_eq!(
            d.message,
            "cluster.kubeProxy.mode: Unsupported value: \"ipvz\": supported values: \"iptables\", \"ipvs\""
        );
        assert_eq!(d.help.as_deref(), Some("did you mean `ipvs`?"));
    }

    fn traffic(entries: &str) -> String {
        format!("{}  - {ING_V1}traffic:\n{entries}", with(SVC))
    }

    #[test]
    fn traffic_sources_in_every_form() {
        let l = ok(&traffic(
            "  - {target: service/web, rate: 200/s}
  - {target: svc/web, rate: 1200/m, arrival: constant, timeout: 1s, path: /api, host: shop.example.com}
  - {target: ingress/shop, rate: 0.5/s, canaryHeaderShare: 0.25}
  - target: ing/shop
    rate: {steps: [{at: 0s, rate: 100/s}, {at: 5m, rate: 300/s}]}
  - target: service/web
    namespace: default
    rate: {diurnal: {peak: 300/s, trough: 50/s}}
  - {target: service/web, rate: {diurnal: {peak: 10/h, trough: 0/s, period: 1h}}}
",
        ));
        let t = &l.scenario.traffic;
        assert_eq!(t.len(), 6);
        assert_eq!(t[0].target, TrafficTarget::Service { namespace: "default".into(), name: "web".into() });
        assert_eq!(t[0].rate, RateProfile::constant(Rate::per_sec(200)));
        assert_eq!((t[0].arrival, t[0].timeout), (ArrivalProcess::Poisson, SimDuration::from_secs(30)));
        assert_eq!((t[0].path.as_str(), t[0].host.as_deref(), t[0].canary_header_share), ("/", None, 0.0));
        assert_eq!(t[1].rate, RateProfile::constant(Rate::per_sec(20)));
        assert_eq!((t[1].arrival, t[1].timeout), (ArrivalProcess::Constant, SimDuration::from_secs(1)));
        assert_eq!((t[1].path.as_str(), t[1].host.as_deref()), ("/api", Some("shop.example.com")));
        assert_eq!(t[2].target, TrafficTarget::Ingress { namespace: "default".into(), name: "shop".into() });
        assert_eq!(t[2].rate.max_rate().nano_per_sec(), 500_000_000);
        assert_eq!(t[2].canary_header_share, 0.25);
        assert_eq!(
            t[3].rate,
            RateProfile::steps(vec![
                (crate::engine::SimTime::ZERO, Rate::per_sec(100)),
                (crate::engine::SimTime::ZERO + SimDuration::from_secs(300), Rate::per_sec(300)),
            ])
        );
        assert_eq!(
            t[4].rate,
            RateProfile::diurnal(Rate::per_sec(300), Rate::per_sec(50), crate::traffic::DEFAULT_DIURNAL_PERIOD)
                .unwrap()
        );
        assert_eq!(
            t[5].rate,
            RateProfile::diurnal(Rate::per(10, SimDuration::from_secs(3600)), Rate::ZERO, SimDuration::from_secs(3600))
                .unwrap()
        );
    }

    #[test]
    fn traffic_errors_are_located_and_suggest() {
        let d = first_error(&traffic("  - {target: service/wbe, rate: 200/s}\n"));
        assert_eq!(d.message, "traffic[0].target: traffic target service/wbe: no Service named wbe in the scenario");
        assert_eq!(d.help.as_deref(), Some("did you mean `web`?"));
        assert_eq!((d.line, d.column), (Some(25), Some(14)));
        let d = first_error(&traffic("  - {target: service/web, rate: fast}\n"));
        assert_eq!(d.message, "traffic[0].rate: invalid rate \"fast\"");
        let d = first_error(&traffic("  - {target: service/web, rate: 200/s, timout: 1s}\n"));
        assert_eq!(d.message, "traffic[0].timout: unknown field `timout` in a traffic source");
        assert_eq!(d.help.as_deref(), Some("did you mean `timeout`?"));
        let cases: &[(&str, &str)] = &[
            ("{rate: 1/s}", "traffic[0]: target: Required value"),
            ("{target: service/web}", "traffic[0]: rate: Required value"),
            ("{target: deployment/web, rate: 1/s}", "traffic[0].target: invalid target \"deployment/web\""),
            ("{target: ingress/web, rate: 1/s}", "no Ingress named web in the scenario"),
            ("{target: service/web, rate: 200}", "traffic[0].rate: invalid rate 200: a rate needs a unit"),
            ("{target: service/web, rate: 1/s, arrival: bursty}", "Unsupported value: \"bursty\""),
            ("{target: service/web, rate: 1/s, timeout: 0s}", "the timeout must be more than 0"),
            ("{target: service/web, rate: 1/s, canaryHeaderShare: 2}", "2 is not a share"),
            ("{target: service/web, rate: 1/s, path: api}", "must be an absolute path"),
            (
                "{target: service/web, rate: 1/s, namespace: prod}",
                "traffic[0].namespace: namespaces \"prod\" not found",
            ),
            (
                "{target: service/web, rate: {diurnal: {peak: 5/s, trough: 9/s}}}",
                "trough (9/s) is above its peak (5/s)",
            ),
            ("{target: service/web, rate: {steps: []}}", "expected at least one step"),
            ("{target: service/web, rate: {linear: 1/s}}", "unknown field `linear` in a rate profile"),
        ];
        for (entry, want) in cases {
            let e = errors(&traffic(&format!("  - {entry}\n")));
            assert!(e.iter().any(|m| m.contains(want)), "{entry}: {e:?}");
        }
    }

    #[test]
    fn traffic_targets_may_be_created_on_the_timeline() {
        let text = format!(
            "{DEP}timeline:\n  - {{at: 1m, run: kubectl expose deployment web --port=80 --name=front}}\ntraffic:\n  - {{target: service/front, rate: 10/s}}\n"
        );
        let l = ok(&text);
        assert_eq!(l.scenario.traffic.len(), 1);
    }

    #[test]
    fn expose_on_the_timeline() {
        let dep = DEP.replace(
            "[{name: web, image: nginx}]",
            "[{name: web, image: nginx, ports: [{containerPort: 8080}, {containerPort: 9090}]}]",
        );
        let text = format!(
            "{dep}timeline:
  - {{at: 1m, run: kubectl expose deployment web --port=80 --target-port=http --type=LoadBalancer}}
  - {{at: 2m, run: kubectl expose deploy/web --name=web-direct}}
  - {{at: 3m, run: 'kubectl expose svc web --name=web-copy --selector=app=web,tier=front'}}
  - {{at: 4m, run: kubectl delete service web-copy}}
"
        );
        let l = ok(&text);
        let ex: Vec<&crate::model::spec::ExposeSpec> = l
            .scenario
            .timeline
            .iter()
            .filter_map(|e| match e.kubectl() {
                Some(KubectlCommand::Expose(x)) => Some(x),
                _ => None,
            })
            .collect();
        assert_eq!(ex.len(), 3);
        assert_eq!(ex[0].target.kind, Kind::Deployment);
        assert_eq!(ex[0].service, "web");
        assert_eq!(ex[0].service_type, ServiceType::LoadBalancer);
        assert_eq!(ex[0].ports, [ServicePort { name: None, port: 80, target_port: TargetPort::Name("http".into()) }]);
        assert_eq!(ex[0].selector, None);
        assert_eq!(
            ex[1].ports,
            [
                ServicePort { name: Some("port-1".into()), port: 8080, target_port: TargetPort::Number(8080) },
                ServicePort { name: Some("port-2".into()), port: 9090, target_port: TargetPort::Number(9090) },
            ],
            "ports from the template's containers"
        );
        assert_eq!(ex[2].target.kind, Kind::Service);
        assert_eq!(ex[2].ports[0].target_port, TargetPort::Name("http".into()), "copied from the service");
        assert_eq!(ex[2].selector.as_ref().map(|s| s.len()), Some(2));
    }

    #[test]
    fn expose_errors() {
        let tl = |line: &str| format!("{DEP}timeline:\n  - {{at: 1m, run: '{line}'}}\n");
        let d = first_error(&tl("kubectl expose deployment web"));
        assert_eq!(d.message, "timeline[0].run: `kubectl expose deployment web`: error: couldn't find port via --port flag or introspection");
        let cases: &[(&str, &str)] = &[
            (
                "kubectl expose deployment nope --port=80",
                "Error from server (NotFound): deployments.apps \"nope\" not found",
            ),
            ("kubectl expose deployment web --port=abc", "strconv.Atoi: parsing \"abc\": invalid syntax"),
            (
                "kubectl expose deployment web --port=70000",
                "spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive",
            ),
            ("kubectl expose deployment web --port=80 --type=Cluster", "spec.type: Unsupported value: \"Cluster\""),
            ("kubectl expose deployment web --port=80 --portt=1", "unknown flag: --portt"),
            ("kubectl expose", "You must provide one or more resources by argument or filename."),
            ("kubectl expose daemonset x --port=80", "cannot expose a DaemonSet.apps"),
            (
                "kubectl expose deployment web --port=80 --target-port=Web",
                "spec.ports[0].targetPort: Invalid value: \"Web\"",
            ),
        ];
        for (line, want) in cases {
            let e = errors(&tl(line));
            assert!(e.iter().any(|m| m.contains(want)), "{line}: {e:?}");
        }
        let text = format!(
            "{DEP}timeline:\n  - {{at: 1m, run: kubectl expose deployment web --port=80}}\n  - {{at: 2m, run: kubectl expose deployment web --port=81}}\n"
        );
        assert!(errors(&text)[0].contains("Error from server (AlreadyExists): services \"web\" already exists"));
    }
}

mod failures {
    use super::*;
    use crate::model::spec::{Action, ContainerFaultProcess, FaultTarget, NodeFault, NodeFaultKind, NodeFaultProcess};
    use crate::traffic::ServiceTime;

    const CLUSTER: &str = "cluster:
  nodes:
    - {name: worker, count: 3, labels: {topology.kubernetes.io/zone: zone-a}}
    - {name: edge, count: 2, labels: {topology.kubernetes.io/zone: zone-b}}
    - {name: gpu}
";

    fn tl(entries: &str) -> String {
        format!("{DEP}{CLUSTER}timeline:\n{entries}")
    }

    fn first_error(text: &str) -> Diagnostic {
        load(text).unwrap_err().into_iter().find(|d| d.is_error()).expect("an error")
    }

    fn fault(kind: NodeFaultKind, target: FaultTarget) -> Action {
        Action::Fault(NodeFault { kind, target })
    }

    #[test]
    fn fault_entries_in_every_form() {
        let l = ok(&tl("  - {at: 1m, fail: node/worker-2}
  - at: 2m
    partition: zone/zone-b
  - {at: 3m, recover: nodes/worker-2}
  - {at: 4m, recover: zone/zone-b}
  - {at: 5m, fail: no/gpu}
  - {at: 6m, partition: node/edge-1}
"));
        let t = &l.scenario.timeline;
        let node = |n: &str| FaultTarget::Node(n.into());
        let zone = |z: &str| FaultTarget::Zone(z.into());
        let got: Vec<(&str, &Action)> = t.iter().map(|e| (e.text.as_str(), &e.action)).collect();
        assert_eq!(
            got,
            [
                ("fail: node/worker-2", &fault(NodeFaultKind::Fail, node("worker-2"))),
                ("partition: zone/zone-b", &fault(NodeFaultKind::Partition, zone("zone-b"))),
                ("recover: nodes/worker-2", &fault(NodeFaultKind::Recover, node("worker-2"))),
                ("recover: zone/zone-b", &fault(NodeFaultKind::Recover, zone("zone-b"))),
                ("fail: no/gpu", &fault(NodeFaultKind::Fail, node("gpu"))),
                ("partition: node/edge-1", &fault(NodeFaultKind::Partition, node("edge-1"))),
            ]
        );
        assert_eq!(t[1].at, crate::engine::SimTime::ZERO + SimDuration::from_secs(120));
        assert!(l.warnings.is_empty(), "{:?}", l.warnings);
        // The default cluster: worker-1 .. worker-3, no zones.
        let l = ok(&format!("{DEP}timeline: [{{at: 1m, fail: node/worker-3}}]\n"));
        assert_eq!(l.scenario.timeline[0].action, fault(NodeFaultKind::Fail, node("worker-3")));
    }

    #[test]
    fn fault_entry_errors_are_located_and_suggest() {
        let d = first_error(&tl("  - {at: 1m, fail: node/wroker-2}\n"));
        assert_eq!(d.message, "timeline[0].fail: nodes \"wroker-2\" not found");
        assert_eq!(
            d.help.as_deref(),
            Some("did you mean `worker-2`? the scenario's nodes (cluster.nodes): worker-1 .. worker-3, edge-1 .. edge-2, gpu")
        );
        let d = first_error(&tl("  - {at: 1m, fail: node/worker-4}\n"));
        assert_eq!(
            d.help.as_deref(),
            Some("the scenario's nodes (cluster.nodes): worker-1 .. worker-3, edge-1 .. edge-2, gpu")
        );
        let d = first_error(&tl("  - {at: 1m, partition: zone/us-east-1}\n"));
        assert_eq!(
            d.message,
            "timeline[0].partition: zone \"us-east-1\" not found: no node has the label topology.kubernetes.io/zone=us-east-1"
        );
        assert_eq!(d.help.as_deref(), Some("the zones of the scenario's nodes: zone-a, zone-b"));
        let d = first_error(&tl("  - {at: 1m, partition: zone/zone-c}\n"));
        assert_eq!(d.help.as_deref(), Some("did you mean `zone-a`? the zones of the scenario's nodes: zone-a, zone-b"));
        let d = first_error(&format!("{DEP}timeline: [{{at: 1m, fail: zone/zone-a}}]\n"));
        assert_eq!(
            d.help.as_deref(),
            Some("no node group has the label topology.kubernetes.io/zone (set it in cluster.nodes[].labels)")
        );
        let d = first_error(&tl("  - {at: 1m, run: kubectl cordon gpu, fail: node/gpu}\n"));
        assert_eq!(d.message, "timeline[0].fail: an entry does one thing: `run` or `fail`, not both");
        let d = first_error(&tl("  - {at: 1m, fail: node/gpu, recover: node/gpu}\n"));
        assert_eq!(d.message, "timeline[0].recover: an entry does one thing: `fail` or `recover`, not both");
        let d = first_error(&tl("  - {at: 1m}\n"));
        assert!(
            d.message.starts_with(
                "timeline[0]: Required value: an entry needs one of `run`, `fail`, `partition` or `recover`"
            ),
            "{}",
            d.message
        );
        let d = first_error(&tl("  - {at: 1m, fail: worker-2}\n"));
        assert_eq!(
            d.message,
            "timeline[0].fail: invalid target \"worker-2\": expected node/NAME or zone/NAME, like `fail: node/worker-2` or `fail: zone/zone-a`"
        );
        assert_eq!(d.help.as_deref(), Some("did you mean `node/worker-2`?"));
        let d = first_error(&tl("  - {at: 1m, fail: pod/web}\n"));
        assert!(
            d.message.starts_with("timeline[0].fail: invalid target \"pod/web\": cannot fail a pod:"),
            "{}",
            d.message
        );
        let d = first_error(&tl("  - {at: 1m, fail: nod/gpu}\n"));
        assert_eq!(d.help.as_deref(), Some("did you mean `node`?"));
        let d = first_error(&tl("  - {at: 1m, fail: node/}\n"));
        assert!(d.message.starts_with("timeline[0].fail: invalid target \"node/\""), "{}", d.message);
        let d = first_error(&tl("  - {at: 1m, fail: {node: gpu}}\n"));
        assert_eq!(d.message, "timeline[0].fail: expected a string, found a mapping");
        let d = first_error(&tl("  - {at: 1m, fial: node/gpu}\n"));
        assert_eq!(d.help.as_deref(), Some("did you mean `fail`?"));
        // Placed at the value (and, for two actions, at the second key).
        let d = first_error(&tl("  - at: 1m\n    fail: node/wroker-2\n"));
        assert_eq!((d.line, d.column), (Some(18), Some(11)));
        let d = first_error(&tl("  - at: 1m\n    run: kubectl cordon gpu\n    fail: node/gpu\n"));
        assert_eq!((d.line, d.column), (Some(19), Some(5)));
    }

    #[test]
    fn drain_on_the_timeline() {
        let l = ok(&tl(
            "  - {at: 1m, run: kubectl drain edge-2 --ignore-daemonsets --delete-local-data --force --grace-period=10 --timeout=2m}\n",
        ));
        let t = &l.scenario.timeline[0];
        assert_eq!(
            t.kubectl(),
            Some(&KubectlCommand::Drain(crate::model::spec::DrainSpec {
                node: "edge-2".into(),
                ignore_daemonsets: true,
                delete_emptydir_data: true,
                force: true,
                grace_period: Some(10),
                timeout: Some(SimDuration::from_secs(120)),
            }))
        );
        assert!(t.text.starts_with("kubectl drain edge-2"));
        let d = first_error(&tl("  - {at: 1m, run: kubectl drain egde-2}\n"));
        assert_eq!(
            d.message,
            "timeline[0].run: `kubectl drain egde-2`: Error from server (NotFound): nodes \"egde-2\" not found"
        );
        assert!(d.help.as_deref().unwrap_or_default().starts_with("did you mean `edge-2`?"), "{:?}", d.help);
        let d = first_error(&tl("  - {at: 1m, run: kubectl drain}\n"));
        assert_eq!(d.message, "timeline[0].run: `kubectl drain`: error: USAGE: drain NODE [flags]");
        let d = first_error(&tl("  - {at: 1m, run: kubectl drain gpu --grace-period=abc}\n"));
        assert!(d.message.ends_with("error: invalid argument \"abc\" for \"--grace-period\" flag: strconv.ParseInt: parsing \"abc\": invalid syntax"), "{}", d.message);
    }

    #[test]
    fn faults_section_in_every_form() {
        let l = ok(&format!("{DEP}{CLUSTER}faults:\n  nodes: {{mtbf: 6h, mttr: 20m}}\n  containers: {{mtbf: 2h}}\n"));
        let f = &l.scenario.faults;
        assert_eq!(
            f.nodes,
            [NodeFaultProcess {
                group: None,
                mtbf: SimDuration::from_secs(6 * 3600),
                mttr: SimDuration::from_secs(1200)
            }]
        );
        assert_eq!(f.containers, [ContainerFaultProcess { group: None, mtbf: SimDuration::from_secs(7200) }]);
        assert!(l.warnings.is_empty(), "{:?}", l.warnings);
        let l = ok(&format!(
            "{DEP}{CLUSTER}faults:
  nodes:
    - {{group: worker, mtbf: 1h, mttr: 5m}}
    - {{group: gpu, mtbf: 30m, mttr: 1h}}
  containers:
    - {{group: edge, mtbf: 10m}}
    - {{mtbf: 1h30m}}
"
        ));
        let f = &l.scenario.faults;
        assert_eq!(f.nodes.len(), 2);
        assert_eq!(
            f.nodes[1],
            NodeFaultProcess {
                group: Some("gpu".into()),
                mtbf: SimDuration::from_secs(1800),
                mttr: SimDuration::from_secs(3600)
            }
        );
        assert_eq!(
            f.containers,
            [
                ContainerFaultProcess { group: Some("edge".into()), mtbf: SimDuration::from_secs(600) },
                ContainerFaultProcess { group: None, mtbf: SimDuration::from_secs(5400) },
            ]
        );
        for empty in ["faults:\n", "faults: {}\n", "faults: {nodes: [], containers: null}\n"] {
            assert_eq!(ok(&format!("{DEP}{empty}")).scenario.faults, Default::default(), "{empty}");
        }
    }

    #[test]
    fn faults_errors_are_located_and_suggest() {
        let with = |f: &str| format!("{DEP}{CLUSTER}faults:\n{f}");
        let d = first_error(&with("  nodes: {mtbf: 6h}\n"));
        assert_eq!(
            d.message,
            "faults.nodes: mttr: Required value: the mean time to repair a failed node, like `mttr: 20m`"
        );
        assert_eq!(d.line, Some(17));
        let d = first_error(&with("  containers: [{group: wroker, mtbf: 2h}]\n"));
        assert_eq!(d.message, "faults.containers[0].group: no node group named \"wroker\" in cluster.nodes");
        assert_eq!(
            d.help.as_deref(),
            Some("did you mean `worker`? the node groups (cluster.nodes[].name): worker, edge, gpu")
        );
        assert_eq!((d.line, d.column), (Some(17), Some(24)));
        let d = first_error(&with("  nodes: {mtbf: 0s, mttr: 1m}\n"));
        assert_eq!(d.message, "faults.nodes.mtbf: mtbf must be more than 0");
        let d = first_error(&with("  nodes: {mtbf: 1h, mttr: soon}\n"));
        assert!(d.message.starts_with("faults.nodes.mttr: invalid duration \"soon\""), "{}", d.message);
        let d = first_error(&with("  nodes: {mtbf: 1h, mttr: 1m, mtbr: 2m}\n"));
        assert_eq!(d.message, "faults.nodes.mtbr: unknown field `mtbr` in a node fault process");
        assert_eq!(d.help.as_deref(), Some("did you mean `mtbf`?"));
        let d = first_error(&with("  containers: {mtbf: 1h, mttr: 1m}\n"));
        assert_eq!(d.message, "faults.containers.mttr: unknown field `mttr` in a container fault process");
        let d = first_error(&with("  node: {mtbf: 1h, mttr: 1m}\n"));
        assert_eq!(d.message, "faults.node: unknown field `node` in faults");
        assert_eq!(d.help.as_deref(), Some("did you mean `nodes`?"));
        let d = first_error(&with("  nodes: 6h\n"));
        assert!(
            d.message.starts_with(
                "faults.nodes: expected node fault processes (a mapping like `{mtbf: 6h}`, or a list of them)"
            ),
            "{}",
            d.message
        );
        let d = first_error(&with("  nodes: [6h]\n"));
        assert_eq!(d.message, "faults.nodes[0]: expected a mapping like `{mtbf: 6h}`, found a string \"6h\"");
        let d = first_error(&format!("{DEP}faults: [{{mtbf: 1h}}]\n"));
        assert_eq!(d.message, "faults: expected faults (a mapping), found a list");
    }

    #[test]
    fn image_failure_behaviours() {
        let l = ok(&format!(
            "{DEP}images:
  a:1: {{crashAfter: 10m, livenessFailAfter: {{exponential: 1h}}, memoryUsage: 300Mi}}
  b:1: {{crashAfter: {{lognormal: {{p50: 5m, p99: 30m}}}}, livenessFailAfter: {{fixed: 90s}}, memoryUsage: 1G}}
  c:1: {{memoryUsage: 1048576}}
"
        ));
        let i = &l.scenario.images;
        assert_eq!(i["a:1"].crash_after, Some(ServiceTime::fixed(SimDuration::from_secs(600))));
        assert_eq!(i["a:1"].liveness_fail_after, Some(ServiceTime::exponential(SimDuration::from_secs(3600))));
        assert_eq!(i["a:1"].memory_usage_bytes, Some(300 << 20));
        assert_eq!(
            i["b:1"].crash_after,
            Some(ServiceTime::lognormal(SimDuration::from_secs(300), SimDuration::from_secs(1800)).unwrap())
        );
        assert_eq!(i["b:1"].liveness_fail_after, Some(ServiceTime::fixed(SimDuration::from_secs(90))));
        assert_eq!(i["b:1"].memory_usage_bytes, Some(1_000_000_000));
        assert_eq!(i["c:1"].memory_usage_bytes, Some(1 << 20));
        assert_eq!((i["c:1"].crash_after.as_ref(), i["c:1"].liveness_fail_after.as_ref()), (None, None));
        assert!(l.warnings.is_empty(), "{:?}", l.warnings);
        let first = |img: &str| first_error(&format!("{DEP}images:\n  a:1: {img}\n"));
        let d = first("{crashAfter: soon}");
        assert_eq!(
            d.message,
            "images.a:1.crashAfter: invalid duration \"soon\": expected a duration like 500ms, 30s, 5m, 1h30m"
        );
        assert_eq!((d.line, d.column), (Some(12), Some(21)));
        assert!(first("{livenessFailAfter: {weibull: 1h}}")
            .message
            .contains("unknown field `weibull` in a service time"));
        assert!(first("{memoryUsage: lots}")
            .message
            .starts_with("images.a:1.memoryUsage: memoryUsage: invalid quantity \"lots\""));
        assert!(first("{memoryUsage: -1Mi}")
            .message
            .ends_with("memoryUsage: Invalid value: \"-1Mi\": must be greater than or equal to 0"));
        assert!(first("{memoryUsage: [1]}")
            .message
            .ends_with("memoryUsage: expected a memory quantity like 300Mi or 1Gi"));
        let l = ok(&format!("{DEP}images:\n  a:1: {{cpuPerRequest: 20m, cpuIdle: 0.005}}\n"));
        assert!(l.warnings.is_empty(), "{:?}", l.warnings);
        assert_eq!(l.scenario.images["a:1"].cpu_per_request_nanos, 20_000_000);
        assert_eq!(l.scenario.images["a:1"].cpu_idle_nanos, 5_000_000);
        assert!(first("{cpuPerRequest: -1m}")
            .message
            .ends_with("cpuPerRequest: Invalid value: \"-1m\": must be greater than or equal to 0"));
        assert!(first("{cpuIdle: lots}").message.contains("cpuIdle: invalid quantity \"lots\""));
        let l = ok(&format!("{DEP}images:\n  a:1: {{runFor: {{exponential: 30s}}}}\n"));
        assert!(l.warnings.is_empty(), "{:?}", l.warnings);
        assert_eq!(l.scenario.images["a:1"].run_for, Some(ServiceTime::exponential(SimDuration::from_secs(30))));
    }

    #[test]
    fn node_lifecycle_settings_of_the_control_plane() {
        let l = ok(&format!(
            "{DEP}cluster:
  controlPlane:
    nodeStatusUpdateFrequency: 4s
    nodeMonitorPeriod: 2s
    nodeMonitorGracePeriod: 40s
    defaultTolerationSeconds: 60
    nodeEvictionRate: 1
    secondaryNodeEvictionRate: 0.05
    largeClusterSizeThreshold: 10
    unhealthyZoneThreshold: 0.4
"
        ));
        let cp = &l.scenario.control_plane;
        assert_eq!(cp.node_status_update_frequency, SimDuration::from_secs(4));
        assert_eq!(cp.node_monitor_period, SimDuration::from_secs(2));
        assert_eq!(cp.node_monitor_grace_period, SimDuration::from_secs(40));
        assert_eq!(cp.default_toleration_seconds, 60);
        assert_eq!((cp.node_eviction_rate, cp.secondary_node_eviction_rate), (1.0, 0.05));
        assert_eq!(cp.large_cluster_size_threshold, 10);
        assert_eq!(cp.unhealthy_zone_threshold, 0.4);
        let d = ok(DEP).scenario.control_plane;
        assert_eq!(
            (d.node_status_update_frequency, d.node_monitor_period),
            (SimDuration::from_secs(10), SimDuration::from_secs(5))
        );
        assert_eq!(
            (
                d.node_eviction_rate,
                d.secondary_node_eviction_rate,
                d.large_cluster_size_threshold,
                d.unhealthy_zone_threshold
            ),
            (0.1, 0.01, 50, 0.55)
        );
        assert_eq!(d.default_toleration_seconds, 300);
        let first = |kv: &str| first_error(&format!("{DEP}cluster:\n  controlPlane: {{{kv}}}\n")).message;
        assert_eq!(
            first("nodeMonitorPeriod: 0s"),
            "cluster.controlPlane.nodeMonitorPeriod: nodeMonitorPeriod must be more than 0"
        );
        assert_eq!(
            first("nodeStatusUpdateFrequency: 0"),
            "cluster.controlPlane.nodeStatusUpdateFrequency: nodeStatusUpdateFrequency must be more than 0"
        );
        assert!(first("nodeEvictionRate: -0.1")
            .ends_with("-0.1 is not a rate: expected nodes per second, a number of 0 or more"));
        assert!(first("secondaryNodeEvictionRate: fast").ends_with("expected a number, found a string \"fast\""));
        assert!(first("largeClusterSizeThreshold: -1").contains("expected a number of nodes (a non-negative integer)"));
        assert!(first("largeClusterSizeThreshold: 2.5").contains("expected a number of nodes (a non-negative integer)"));
        assert!(first("unhealthyZoneThreshold: 1.5").ends_with("1.5 is not a share: expected a number from 0 to 1"));
        let e = load(&format!("{DEP}cluster:\n  controlPlane: {{nodeEvictonRate: 1}}\n")).unwrap_err();
        assert_eq!(e[0].help.as_deref(), Some("did you mean `nodeEvictionRate`?"));
    }
}

mod sweep {
    use super::*;

    fn with_sweep(sweep: &str) -> String {
        format!("{DEP}sweep:\n{sweep}")
    }

    fn first_error(text: &str) -> Diagnostic {
        match load(text) {
            Ok(_) => panic!("loaded, but should fail"),
            Err(d) => d.into_iter().find(Diagnostic::is_error).expect("an error"),
        }
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
        assert_eq!(
            spec.variants[0].set_args(),
            ["deployment/web.spec.strategy.rollingUpdate.maxSurge=1", "duration=5m"]
        );
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
}
