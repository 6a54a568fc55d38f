//! Objects as the API server would take them: the scenario's and Kubernetes' defaults,
//! Kubernetes' validation rules, ReplicationControllers, namespaces.

use super::*;
use crate::engine::SimDuration;
use crate::model::spec::{
    DeploymentStrategy, IntOrPercent, Kind, LifecycleHandler, ObjectSpec, PullPolicy, RestartPolicy,
};

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

#[test]
fn lifecycle_fields_load_and_are_simulated() {
    // A sidecar with a startup probe, an app container with both hooks and a startup probe.
    let text = DEP.replace(
        "containers: [{name: web, image: nginx}]",
        "initContainers:
          - {name: proxy, image: envoy, restartPolicy: Always, startupProbe: {tcpSocket: {port: 15000}}}
          - {name: migrate, image: migrate}
          containers:
          - name: web
            image: nginx
            startupProbe: {httpGet: {path: /, port: 80}, failureThreshold: 30}
            lifecycle:
              postStart: {exec: {command: [warm]}}
              preStop: {sleep: {seconds: 5}}",
    );
    let l = ok(&text);
    let spec = &deployment(&l).template.spec;
    assert!(spec.init_containers[0].sidecar && !spec.init_containers[1].sidecar);
    let web = &spec.containers[0];
    assert_eq!(web.startup.as_ref().map(|p| p.failure_threshold), Some(30));
    assert_eq!(web.lifecycle.pre_stop, Some(LifecycleHandler::Sleep(SimDuration::from_secs(5))));
    assert_eq!(web.lifecycle.post_start, Some(LifecycleHandler::Exec(vec!["warm".into()])));
    assert!(l.warnings.is_empty(), "{:?}", l.warnings);
    // `stopSignal` is the one lifecycle field not simulated.
    let l = ok(&text.replace(
        "preStop: {sleep: {seconds: 5}}",
        "preStop: {sleep: {seconds: 5}}\n              stopSignal: SIGUSR1",
    ));
    let w: Vec<&str> = l.warnings.iter().map(|d| d.message.as_str()).collect();
    assert!(
        w.len() == 1 && w[0].ends_with("not simulated: spec.template.spec.containers[0].lifecycle.stopSignal"),
        "{w:?}"
    );
}

#[test]
fn lifecycle_validation_follows_kubernetes() {
    // pkg/apis/core/validation validation.go: validateSleepAction, validateHandler,
    // validateInitContainers, validateContainers.
    let cases: &[(&str, &str)] = &[
        (
            "{name: web, image: nginx, lifecycle: {preStop: {sleep: {seconds: 40}}}}",
            "lifecycle.preStop.sleep.seconds: Invalid value: 40: must be non-negative and less than terminationGracePeriodSeconds (30)",
        ),
        ("{name: web, image: nginx, lifecycle: {postStart: {}}}", "lifecycle.postStart: Required value: must specify a handler type"),
        (
            "{name: web, image: nginx, lifecycle: {preStop: {exec: {command: [x]}, sleep: {seconds: 1}}}}",
            "lifecycle.preStop: Forbidden: may not specify more than 1 handler type",
        ),
        ("{name: web, image: nginx, restartPolicy: Always}", "containers[0].restartPolicy: Forbidden: may not be set for non-init containers"),
        (
            "{name: web, image: nginx, startupProbe: {exec: {command: [x]}, successThreshold: 2}}",
            "startupProbe.successThreshold: Invalid value: 2: must be 1",
        ),
    ];
    for (container, phrase) in cases {
        let text = DEP.replace("{name: web, image: nginx}", container);
        let e = errors(&text);
        assert!(e.iter().any(|m| m.contains(phrase)), "{phrase}: {e:?}");
    }
    let init = |c: &str| {
        DEP.replace(
            "containers: [{name: web, image: nginx}]",
            &format!("initContainers: [{c}]\n          containers: [{{name: web, image: nginx}}]"),
        )
    };
    let e = errors(&init("{name: i, image: x, lifecycle: {preStop: {sleep: {seconds: 1}}}}"));
    assert!(
        e.iter().any(|m| m.contains(
            "initContainers[0].lifecycle: Forbidden: may not be set for init containers without restartPolicy=Always"
        )),
        "{e:?}"
    );
    let e = errors(&init("{name: i, image: x, restartPolicy: Never}"));
    assert!(
        e.iter().any(|m| m
            .contains("initContainers[0].restartPolicy: Unsupported value: \"Never\": supported values: \"Always\"")),
        "{e:?}"
    );
    // A longer grace allows a longer sleep.
    ok(&DEP.replace("containers: [{name: web, image: nginx}]", "terminationGracePeriodSeconds: 60\n          containers: [{name: web, image: nginx, lifecycle: {preStop: {sleep: {seconds: 40}}}}]"));
}

#[test]
fn images_say_how_long_their_hooks_take() {
    let l = ok(&format!("{DEP}images:\n  nginx: {{postStart: 2s, preStop: 5s, hooksFail: true}}\n"));
    let i = &l.scenario.images["nginx"];
    assert_eq!((i.post_start, i.pre_stop, i.hooks_fail), (SimDuration::from_secs(2), SimDuration::from_secs(5), true));
    let d = crate::model::spec::ImageBehavior::default();
    assert_eq!((d.post_start, d.pre_stop, d.hooks_fail), (SimDuration::ZERO, SimDuration::ZERO, false));
    let e = errors(&format!("{DEP}images:\n  nginx: {{hooksFail: yes please}}\n"));
    assert!(e.iter().any(|m| m.contains("images.nginx.hooksFail: expected true or false, found a string")), "{e:?}");
}
