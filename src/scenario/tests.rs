//! End-to-end tests of the loader on in-memory scenarios.

use super::*;
use crate::engine::SimDuration;
use crate::model::spec::{
    DeploymentStrategy, IntOrPercent, Kind, KubectlCommand, ObjectSpec, PullPolicy, RestartPolicy,
};
use proptest::prelude::*;

fn load(text: &str) -> Result<Loaded, Vec<Diagnostic>> {
    load_str(Path::new("s.yaml"), text, &[])
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
    let text = format!(
        "{DEP}  - {{apiVersion: v1, kind: ConfigMap, metadata: {{name: c}}, data: {{a: b}}}}\n  - {{apiVersion: argoproj.io/v1alpha1, kind: Rollout, metadata: {{name: r}}, spec: {{anything: 1}}}}\nfaults: {{}}\n"
    );
    let l = ok(&text);
    let w: Vec<&str> = l.warnings.iter().map(|d| d.message.as_str()).collect();
    assert!(w.contains(&"`faults` is not simulated yet by this version of kubesim; ignored"), "{w:?}");
    assert!(w.iter().any(|m| m.ends_with("(checked, then ignored): ConfigMap, Rollout")), "{w:?}");
    assert_eq!(l.scenario.objects[2].spec, ObjectSpec::NotSimulated);
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
    // scale at 10m comes after the delete at 1m: not found; drain is not supported yet.
    let e = errors(&text);
    assert_eq!(e.len(), 2, "{e:?}");
    assert!(e.iter().any(|m| m.contains("deployments.apps \"web\" not found")), "{e:?}");
    assert!(e.iter().any(|m| m.contains("`kubectl drain` is not supported by this version of kubesim yet")), "{e:?}");
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
    assert_eq!(t.len(), 2);
    assert!(
        matches!(&t[0].command, KubectlCommand::SetImage { images, .. } if images[0] == ("web".into(), "nginx:2".into()))
    );
    assert!(matches!(&t[1].command, KubectlCommand::RolloutUndo { to_revision: Some(1), .. }));
    assert!(l.warnings.iter().any(|w| w.message.contains("`fail` is not simulated yet")));
}

#[test]
fn overrides_edit_the_tree_before_parsing() {
    let sets = ["duration=30m".to_string(), "seed=7".into(), "deployment/web.spec.replicas=20".into()];
    let l = load_str(Path::new("s.yaml"), DEP, &sets).unwrap();
    assert_eq!(l.scenario.duration, SimDuration::from_secs(1800));
    assert_eq!(l.scenario.seed, 7);
    assert_eq!(deployment(&l).replicas, 20);
    let e = load_str(Path::new("s.yaml"), DEP, &["deployment/nope.spec.replicas=3".into()]).unwrap_err();
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
  nginx: {{pull: 2s, crashOnStart: 0.5, runFor: 1m}}
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
    assert!(l.warnings.iter().any(|w| w.message.contains("ignored: runFor")));
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
        let dir = std::env::temp_dir().join(format!("kubesim-prio-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {priorityClassName: late, containers: [{name: a, image: a}]}\n";
        let class = "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: late}\nvalue: 42\n";
        std::fs::write(dir.join("pod.yaml"), pod).unwrap();
        std::fs::write(dir.join("class.yaml"), class).unwrap();
        std::fs::write(dir.join("both.yaml"), format!("{pod}---\n{class}")).unwrap();
        std::fs::write(dir.join("class2.yaml"), class.replace("42", "43")).unwrap();
        let run = |lines: &[&str]| {
            let entries: String =
                lines.iter().enumerate().map(|(i, l)| format!("  - {{at: {}m, run: '{l}'}}\n", i + 1)).collect();
            load_str(&dir.join("s.yaml"), &format!("{DEP}timeline:\n{entries}"), &[])
        };
        let l = run(&["kubectl apply -f class.yaml", "kubectl apply -f pod.yaml"]).unwrap();
        match &l.scenario.timeline[1].command {
            KubectlCommand::Apply { objects } => match &objects[0].spec {
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
        std::fs::remove_dir_all(&dir).ok();
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
        let t: Vec<&KubectlCommand> = l.scenario.timeline.iter().map(|e| &e.command).collect();
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
        let e = errors(&format!("{DEP}timeline: [{{at: 1m, run: kubectl drain worker-2}}]\n"));
        assert!(
            e[0].contains(
                "`kubectl drain` is not supported by this version of kubesim yet (it comes with node failures)"
            ),
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
