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
        "{DEP}  - {{apiVersion: v1, kind: ConfigMap, metadata: {{name: c}}, data: {{a: b}}}}\n  - {{apiVersion: argoproj.io/v1alpha1, kind: Rollout, metadata: {{name: r}}, spec: {{anything: 1}}}}\ntraffic: [{{target: service/x}}]\nfaults: {{}}\n"
    );
    let l = ok(&text);
    let w: Vec<&str> = l.warnings.iter().map(|d| d.message.as_str()).collect();
    assert!(w.contains(&"`traffic` is not simulated yet by this version of kubesim; ignored"), "{w:?}");
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
