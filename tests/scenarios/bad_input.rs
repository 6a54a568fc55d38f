//! Every malformed fixture under tests/fixtures/bad/ is rejected with a clear first error
//! that names the file, its line and column where there is one, and the problem.

use kubesim::load_file;
use kubesim::scenario::{Diagnostic, Severity};
use std::path::{Path, PathBuf};

fn fixture(dir: &str, name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(dir).join(name)
}

fn first_error(name: &str) -> Diagnostic {
    let path = fixture("bad", name);
    match load_file(&path, &[]) {
        Ok(_) => panic!("{name} loaded, but it is malformed"),
        Err(diags) => {
            let first = diags.first().cloned().unwrap_or_else(|| panic!("{name}: no diagnostics"));
            assert_eq!(first.severity, Severity::Error, "{name}: {first}");
            first
        }
    }
}

/// (fixture, expected phrase in the first error, expected line (None: no place)).
const CASES: &[(&str, &str, Option<usize>)] = &[
    ("tab-indentation.yaml", "invalid YAML", Some(3)),
    ("misspelt-field.yaml", "deployment/web: unknown field \"spec.replcas\"", Some(6)),
    ("negative-replicas.yaml", "spec.replicas: Invalid value: -1: must be greater than or equal to 0", Some(6)),
    ("prose-duration.yaml", "duration: invalid duration \"5 minutes\": expected a duration like 500ms, 30s, 5m, 1h30m", Some(1)),
    ("missing-include.yaml", "include: manifests/x.yaml: file not found (resolved to ", Some(3)),
    ("empty.yaml", "the scenario is empty: expected a mapping with at least `objects`", None),
    ("binary-garbage.yaml", "not a text file (invalid UTF-8 at byte 3)", None),
    ("selector-mismatch.yaml", "spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"web\"}: `selector` does not match template `labels`", Some(9)),
    ("misspelt-kind.yaml", "no matches for kind \"Deploymnet\" in version \"apps/v1\"", Some(3)),
    ("cpu-in-words.yaml", "invalid quantity \"4 cores\": quantities must match the regular expression", Some(15)),
    ("billion-replicas.yaml", "spec.replicas: 1000000000 is more than kubesim's limit of 1000000 replicas per workload", Some(6)),
    ("hundred-billion-nodes.yaml", "cluster.nodes[0].count: 100000000000 is more than kubesim's limit of 100000 nodes", Some(4)),
    ("unparseable-at.yaml", "timeline[0].at: invalid duration \"soon\"", Some(13)),
    ("wrong-api-version.yaml", "no matches for kind \"Deployment\" in version \"v1\"", Some(2)),
    ("unknown-namespace.yaml", "deployment/prod:web: namespaces \"prod\" not found", Some(4)),
    ("duplicate-name.yaml", "deployments.apps \"web\" already exists", Some(14)),
    ("misspelt-verb.yaml", "unknown command \"scael\" for \"kubectl\"", Some(14)),
    ("scale-missing-target.yaml", "Error from server (NotFound): deployments.apps \"nope\" not found", Some(14)),
    ("set-image-unknown-container.yaml", "error: unable to find container named \"x\"", Some(14)),
    ("zero-surge-zero-unavailable.yaml", "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when maxSurge is 0", Some(8)),
    ("recreate-with-rolling-update.yaml", "spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'", Some(8)),
    ("misspelt-top-level.yaml", "unknown field `durations` in the scenario", Some(1)),
    ("duplicate-container.yaml", "spec.template.spec.containers[1].name: Duplicate value: \"web\"", Some(11)),
    ("requests-over-limits.yaml", "must be less than or equal to cpu limit of 1", Some(11)),
    ("misspelt-container-field.yaml", "unknown field \"spec.template.spec.containers[0].imgae\"", Some(11)),
    ("invalid-name.yaml", "metadata.name: Invalid value: \"Web_1\": a lowercase RFC 1123 subdomain", Some(4)),
    ("wrong-type.yaml", "spec.replicas: invalid type: string \"three\", expected i32", Some(6)),
    ("apply-missing-file.yaml", "timeline[0].run: apply -f manifests/nope.yaml: file not found (resolved to ", Some(4)),
    ("top-level-list.yaml", "expected a mapping at the top of the scenario", Some(1)),
    ("zero-max-skew.yaml", "deployment/web: spec.template.spec.topologySpreadConstraints[0].maxSkew: Invalid value: 0: must be greater than zero", Some(12)),
    ("unknown-priority-class.yaml", "deployment/web: pods \"web\" is forbidden: no PriorityClass with name high-priorty was found", Some(15)),
    ("two-global-default-priority-classes.yaml", "priorityclasses.scheduling.k8s.io \"batch\" is forbidden: PriorityClass standard is already marked as default. Only one default can exist", Some(11)),
    ("pdb-both-min-and-max.yaml", "poddisruptionbudget/web-pdb: spec: Invalid value: {minAvailable: 2, maxUnavailable: 1}: minAvailable and maxUnavailable cannot be both set", Some(7)),
    ("taint-bad-effect.yaml", "error: invalid taint effect: NoSchedul, unsupported taint effect", Some(12)),
    ("cordon-unknown-node.yaml", "`kubectl cordon worker-4`: Error from server (NotFound): nodes \"worker-4\" not found", Some(12)),
    ("gt-without-integer.yaml", "matchExpressions[0].values[0]: Invalid value: \"eight\": for 'Gt', 'Lt' operators, the value must be an integer", Some(11)),
    ("affinity-weight-zero.yaml", "preferredDuringSchedulingIgnoredDuringExecution[0].weight: Invalid value: 0: must be in the range 1-100", Some(9)),
    ("label-unknown-node.yaml", "Error from server (NotFound): nodes \"gpu-1\" not found", Some(9)),
    ("ingress-missing-path-type.yaml", "ingress/shop: spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified", Some(15)),
    ("canary-weight-not-a-number.yaml", "ingress/shop-canary: metadata.annotations.nginx.ingress.kubernetes.io/canary-weight: Invalid value: \"abc\": must be a non-negative integer", Some(14)),
    ("traffic-unknown-target.yaml", "traffic[0].target: traffic target service/wbe: no Service named wbe in the scenario", Some(9)),
    ("traffic-rate-in-words.yaml", "traffic[0].rate: invalid rate \"fast\"", Some(10)),
    ("traffic-misspelt-key.yaml", "traffic[0].arival: unknown field `arival` in a traffic source", Some(11)),
    ("lognormal-p99-below-p50.yaml", "images.web:1.serviceTime.lognormal.p99: a lognormal service time needs p99 (10ms) at least p50 (80ms)", Some(5)),
    ("expose-without-port.yaml", "`kubectl expose deployment web`: error: couldn't find port via --port flag or introspection", Some(14)),
    ("fail-misspelt-node.yaml", "timeline[0].fail: nodes \"wroker-2\" not found", Some(12)),
    ("run-and-fail-in-one-entry.yaml", "timeline[0].fail: an entry does one thing: `run` or `fail`, not both", Some(13)),
    ("fail-unknown-zone.yaml", "timeline[0].fail: zone \"zone-z\" not found: no node has the label topology.kubernetes.io/zone=zone-z", Some(12)),
    ("drain-without-node.yaml", "timeline[0].run: `kubectl drain`: error: USAGE: drain NODE [flags]", Some(12)),
    ("drain-bad-grace-period.yaml", "error: invalid argument \"abc\" for \"--grace-period\" flag: strconv.ParseInt: parsing \"abc\": invalid syntax", Some(12)),
    ("faults-missing-mttr.yaml", "faults.nodes[0]: mttr: Required value: the mean time to repair a failed node", Some(12)),
    ("faults-unknown-group.yaml", "faults.containers.group: no node group named \"workers\" in cluster.nodes", Some(11)),
    ("job-restart-always.yaml", "job/pi: spec.template.spec.restartPolicy: Required value: valid values: \"OnFailure\", \"Never\"", Some(10)),
    ("crash-after-in-words.yaml", "images.nginx:1.14.crashAfter: invalid duration \"soon\": expected a duration like 500ms, 30s, 5m, 1h30m", Some(2)),
    ("sweep-unknown-key.yaml", "sweep.varaints: unknown field `varaints` in the sweep", Some(16)),
    ("sweep-duplicate-variant.yaml", "sweep.variants[1].name: Duplicate value: \"surge-1\": each variant needs its own name", Some(19)),
    ("sweep-unknown-set-path.yaml", "sweep variant \"surge-1\": set deployment/web.spec.strategy.rollingUpdate.maxSurgee=1: deployment/web: unknown field \"spec.strategy.rollingUpdate.maxSurgee\"", Some(18)),
    ("hpa-max-below-min.yaml", "horizontalpodautoscaler/web: spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`", Some(18)),
    ("hpa-external-metric.yaml", "horizontalpodautoscaler/web: spec.metrics[0].type: Unsupported value: \"External\": not supported by kubesim yet", Some(19)),
    ("hpa-unknown-pods-metric.yaml", "spec.metrics[0].pods.metric.name: Unsupported value: \"requests_per_secnd\": kubesim computes only the request rate per pod", Some(20)),
    ("hpa-misspelt-field.yaml", "horizontalpodautoscaler/web: unknown field \"spec.minReplica\"", Some(18)),
    // The analysis step is simulated; the template it names must be among the objects.
    ("rollout-analysis-step.yaml", "rollout/web: spec.strategy.canary.steps[1].analysis.templates[0].templateName: Not found: analysistemplate.argoproj.io \"success-rate\" in namespace \"default\"", Some(16)),
    ("rollout-istio-routing.yaml", "rollout/web: spec.strategy.canary.trafficRouting.istio: not simulated by kubesim", Some(17)),
    ("rollout-canary-scale-without-routing.yaml", "rollout/web: spec.strategy.canary.steps: Invalid value: SetCanaryScale requires TrafficRouting to be set", Some(15)),
    ("argo-promote-unknown-rollout.yaml", "`kubectl argo rollouts promote wbe`: Error from server (NotFound): rollouts.argoproj.io \"wbe\" not found", Some(16)),
    ("rollout-weight-over-100.yaml", "rollout/web: spec.strategy.canary.steps[0].setWeight: Invalid value: 120: SetWeight needs to be between 0 and 100", Some(15)),
    ("rollout-misspelt-step.yaml", "rollout/web: unknown field \"spec.strategy.canary.steps[0].setWieght\"", Some(15)),
    ("autoscale-without-max.yaml", "`kubectl autoscale deployment web --min=2 --cpu-percent=50`: error: --max=MAXPODS is required and must be at least 1, max: -1", Some(14)),
    ("billion-laughs.yaml", "invalid YAML: repetition limit exceeded", None),
    ("deep-flow-nesting.yaml", "the YAML nests more than 100 levels deep, kubesim's limit", Some(1)),
    ("deep-block-nesting.yaml", "the YAML nests more than 100 levels deep, kubesim's limit", Some(104)),
    ("long-name.yaml", "name: the name is 300 bytes long: it names the output folder, so it may be at most 200", Some(1)),
    ("nul-byte.yaml", "not a text file (NUL byte at byte 24)", None),
    ("open-requests-over-cap.yaml", "traffic[0].timeout: a peak rate of 1000000/s with a timeout of 1h can hold 3600000000 requests open at once, more than kubesim's limit of 10000000 open requests per source", Some(12)),
    ("requests-over-cap.yaml", "traffic[0].rate: the traffic sources send about 259200000000 requests over the run's 720h, more than kubesim's limit of 10000000000 requests", Some(10)),
    ("impossible-memory.yaml", "invalid quantity \"99999999999999999999999Ei\": too large", Some(15)),
    ("timeline-at-overflow.yaml", "timeline[0].at: duration \"99999999999999999999h\" is too long", Some(6)),
    ("many-problems.yaml", "duratoin: unknown field `duratoin` in the scenario", Some(2)),
    ("duration-over-cap.yaml", "duration: 8760h is more than kubesim's limit of 30 days", Some(1)),
];

#[test]
fn every_bad_fixture_gets_a_clear_first_error() {
    for (name, phrase, line) in CASES {
        let d = first_error(name);
        let shown = d.to_string();
        assert!(d.file.ends_with(name), "{name}: names {}\n{shown}", d.file.display());
        assert!(shown.contains(&*fixture("bad", name).to_string_lossy()), "{name}: {shown}");
        assert!(d.message.contains(phrase), "{name}: expected {phrase:?} in\n{shown}");
        assert_eq!(d.line, *line, "{name}: line\n{shown}");
        assert_eq!(d.column.is_some(), line.is_some(), "{name}: column\n{shown}");
    }
}

#[test]
fn every_fixture_file_has_a_case() {
    let dir = fixture("bad", "");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for n in names {
        assert!(CASES.iter().any(|(c, ..)| *c == n), "fixture {n} has no expectation");
    }
}

#[test]
fn validate_reports_every_problem_of_a_file_at_once() {
    let path = fixture("bad", "many-problems.yaml");
    let Err(diags) = load_file(&path, &[]) else { panic!("many-problems.yaml loaded") };
    let errors: Vec<&Diagnostic> = diags.iter().filter(|d| d.severity == Severity::Error).collect();
    let shown: Vec<String> = errors.iter().map(|d| d.to_string()).collect();
    let all = shown.join("\n");
    assert_eq!(errors.len(), 18, "{all}");
    assert!(errors.iter().all(|d| d.line.is_some() && d.column.is_some()), "each placed:\n{all}");
    // (line, phrase, did-you-mean) of each problem.
    let expected: &[(usize, &str, Option<&str>)] = &[
        (2, "unknown field `duratoin` in the scenario", Some("did you mean `duration`?")),
        (7, "invalid quantity \"4 cores\"", None),
        (10, "no matches for kind \"Deploymnet\"", Some("did you mean `Deployment`?")),
        (16, "unknown field \"spec.replcas\"", Some("did you mean `replicas`?")),
        (24, "unknown field \"spec.template.spec.containers[0].imgae\"", Some("did you mean `image`?")),
        (26, "readinessProbe.periodSecond\"", Some("did you mean `periodSeconds`?")),
        (26, "readinessProbe: Required value: must specify a handler type", None),
        (25, "requests.cpu: invalid quantity \"lots\"", None),
        (25, "requests.memory: invalid quantity \"1 GB\"", None),
        (28, "timeline[0].at: invalid duration \"soon\"", None),
        (29, "deployments.apps \"nope\" not found", None),
        (31, "unknown command \"scael\" for \"kubectl\"", Some("did you mean `scale`?")),
        (33, "nodes \"worker-9\" not found", None),
        (35, "unable to find container named \"nginx\"", None),
        (37, "unknown flag: --replica ", Some("did you mean `--replicas`?")),
        (39, "no Service named wbe", None),
        (40, "invalid rate \"fast\"", None),
        (41, "timeout: invalid duration \"1 sec\"", None),
    ];
    for (line, phrase, help) in expected {
        let found = errors.iter().find(|d| d.message.contains(phrase));
        let d = found.unwrap_or_else(|| panic!("no error says {phrase:?}:\n{all}"));
        assert_eq!(d.line, Some(*line), "{phrase}: line\n{d}");
        if let Some(help) = help {
            assert_eq!(d.help.as_deref(), Some(*help), "{phrase}\n{d}");
        }
    }
    assert!(!diags.iter().any(|d| d.message.contains("not simulated")), "no warning about the misspelt fields");
}

#[test]
fn suggestions_name_the_closest_valid_word() {
    let help = |name: &str| first_error(name).help.unwrap_or_default();
    assert_eq!(help("misspelt-field.yaml"), "did you mean `replicas`?");
    assert_eq!(help("misspelt-kind.yaml"), "did you mean `Deployment`?");
    assert_eq!(help("misspelt-verb.yaml"), "did you mean `scale`?");
    assert_eq!(help("misspelt-top-level.yaml"), "did you mean `duration`?");
    assert_eq!(help("sweep-unknown-key.yaml"), "did you mean `variants`?");
    assert_eq!(help("sweep-unknown-set-path.yaml"), "did you mean `maxSurge`?");
    assert_eq!(help("misspelt-container-field.yaml"), "did you mean `image`?");
    assert_eq!(help("wrong-api-version.yaml"), "Deployment is in apiVersion `apps/v1`");
    assert!(help("tab-indentation.yaml").contains("tabs"));
    assert_eq!(help("unknown-priority-class.yaml"), "did you mean `high-priority`?");
    assert_eq!(help("taint-bad-effect.yaml"), "did you mean `NoSchedule`?");
    assert_eq!(help("cordon-unknown-node.yaml"), "the scenario's nodes (cluster.nodes): worker-1 .. worker-3");
    assert_eq!(help("label-unknown-node.yaml"), "the scenario's nodes (cluster.nodes): worker-1 .. worker-3");
    assert_eq!(help("traffic-unknown-target.yaml"), "did you mean `web`?");
    assert_eq!(help("traffic-misspelt-key.yaml"), "did you mean `arrival`?");
    assert_eq!(
        help("fail-misspelt-node.yaml"),
        "did you mean `worker-2`? the scenario's nodes (cluster.nodes): worker-1 .. worker-3"
    );
    assert_eq!(help("fail-unknown-zone.yaml"), "did you mean `zone-a`? the zones of the scenario's nodes: zone-a");
    assert_eq!(
        help("faults-unknown-group.yaml"),
        "did you mean `worker`? the node groups (cluster.nodes[].name): worker"
    );
    assert_eq!(help("run-and-fail-in-one-entry.yaml"), "write one timeline entry per action, each with its own `at`");
    assert_eq!(help("hpa-unknown-pods-metric.yaml"), "did you mean `requests_per_second`?");
    assert_eq!(help("hpa-misspelt-field.yaml"), "did you mean `minReplicas`?");
}

#[test]
fn failure_errors_point_at_the_value() {
    let col = |name: &str| first_error(name).column;
    assert_eq!(col("fail-misspelt-node.yaml"), Some(11));
    assert_eq!(col("run-and-fail-in-one-entry.yaml"), Some(5), "the second action's key");
    assert_eq!(col("fail-unknown-zone.yaml"), Some(11));
    assert_eq!(col("drain-without-node.yaml"), Some(10));
    assert_eq!(col("faults-unknown-group.yaml"), Some(23));
    assert_eq!(col("crash-after-in-words.yaml"), Some(28));
}

#[test]
fn traffic_and_ingress_errors_point_at_the_value() {
    let col = |name: &str| first_error(name).column;
    assert_eq!(col("canary-weight-not-a-number.yaml"), Some(52));
    assert_eq!(col("traffic-unknown-target.yaml"), Some(13));
    assert_eq!(col("traffic-rate-in-words.yaml"), Some(11));
    assert_eq!(col("traffic-misspelt-key.yaml"), Some(5));
    assert_eq!(col("lognormal-p99-below-p50.yaml"), Some(35));
    assert_eq!(col("expose-without-port.yaml"), Some(10));
}

#[test]
fn the_good_fixture_loads_with_defaults_and_warnings() {
    let loaded = load_file(&fixture("good", "rolling-update.yaml"), &["deployment/nginx-dep.spec.replicas=6".into()])
        .unwrap_or_else(|e| panic!("{}", e.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n")));
    let s = &loaded.scenario;
    assert_eq!(s.name, "rolling-update");
    assert_eq!(s.objects.len(), 3, "deployment, service, replicaset");
    assert_eq!(s.timeline.len(), 5);
    let times: Vec<u64> = s.timeline.iter().map(|e| e.at.as_micros() / 1_000_000).collect();
    assert_eq!(times, [120, 300, 360, 420, 480], "sorted by at");
    let warnings: Vec<String> = loaded.warnings.iter().map(|w| w.message.clone()).collect();
    assert!(
        warnings.iter().any(|w| w.contains("fields accepted but not simulated: spec.template.spec.containers[0].env")),
        "{warnings:?}"
    );
    assert!(!warnings.iter().any(|w| w.contains("not simulated (accepted") && w.contains("Service")), "{warnings:?}");
    assert!(
        s.objects.iter().any(|o| matches!(o.spec, kubesim::model::spec::ObjectSpec::Service { .. })),
        "the Service converts"
    );
    match &s.objects[0].spec {
        kubesim::model::spec::ObjectSpec::Deployment { spec, .. } => {
            assert_eq!(spec.replicas, 6, "--set applied");
            assert_eq!(spec.template.spec.containers[0].requests.cpu_millis, 250);
            assert_eq!(spec.revision_history_limit, 10);
        }
        other => panic!("{other:?}"),
    }
}
