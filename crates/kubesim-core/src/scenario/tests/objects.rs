//! Objects as the API server would take them: the scenario's and Kubernetes' defaults,
//! Kubernetes' validation rules, ReplicationControllers, namespaces.

use super::*;
use crate::engine::SimDuration;
use crate::model::spec::{DeploymentStrategy, IntOrPercent, Kind, ObjectSpec, PullPolicy, RestartPolicy};

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
