//! `cluster.scheduler.config`: a KubeSchedulerConfiguration file (kubescheduler.config.k8s.io/v1)
//! as kube-scheduler reads it: profiles picked by a pod's schedulerName, plugins switched on
//! and off, weights and plugin arguments, and its validation messages
//! (pkg/scheduler/apis/config/validation/validation.go, validation_pluginargs.go).

use crate::support::{events, run};
use kubesim::sim::Outcome;
use std::collections::BTreeMap;
use std::path::Path;

/// Nodes used by the pods whose names start with `prefix`, with their pod counts.
fn nodes_of(o: &Outcome, prefix: &str) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for p in o.store.pods.iter().filter(|p| !p.is_gone() && p.name.starts_with(prefix)) {
        if let Some(n) = p.node {
            *m.entry(o.store.nodes()[n].name.clone()).or_insert(0) += 1;
        }
    }
    m
}

/// Writes `scenario.yaml` and `sched.yaml` (the configuration) in a fresh folder and loads
/// the scenario: the scenario or the loader's messages, one per line.
fn load_with(config: &str, objects: &str, nodes: &str) -> Result<(kubesim::Scenario, String), String> {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let scenario =
        format!("duration: 1m\ncluster:\n  nodes: {nodes}\n  scheduler:\n    config: sched.yaml\nobjects:\n{objects}");
    std::fs::write(dir.path().join("scenario.yaml"), scenario).expect("written");
    std::fs::write(dir.path().join("sched.yaml"), config).expect("written");
    let text = |d: &[kubesim::Diagnostic]| d.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n");
    let shown = |s: String| s.replace(&format!("{}/", dir.path().display()), "");
    match kubesim::load_file(&dir.path().join("scenario.yaml"), &[]) {
        Ok(l) => Ok((l.scenario, shown(text(&l.warnings)))),
        Err(d) => Err(shown(text(&d))),
    }
}

fn errors(config: &str) -> String {
    match load_with(config, "  []\n", "[{name: worker, count: 2}]") {
        Ok(_) => panic!("the configuration should be refused:\n{config}"),
        Err(e) => e,
    }
}

const HEADER: &str = "apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\n";

fn deployment(name: &str, replicas: u32, scheduler: &str, cpu: &str) -> String {
    format!(
        "  - apiVersion: apps/v1
    kind: Deployment
    metadata: {{name: {name}}}
    spec:
      replicas: {replicas}
      selector: {{matchLabels: {{app: {name}}}}}
      template:
        metadata: {{labels: {{app: {name}}}}}
        spec:
          schedulerName: {scheduler}
          containers: [{{name: app, image: app:1, resources: {{requests: {{cpu: {cpu}, memory: 256Mi}}}}}}]
"
    )
}

/// The example: web pods (default-scheduler) spread over the four nodes, batch pods
/// (bin-packing: MostAllocated, no default spreading) fill one node, and the pod naming
/// a scheduler no profile answers to stays Pending without a FailedScheduling event.
#[test]
fn pods_are_scheduled_by_the_profile_their_scheduler_name_names() {
    let (_, o) = run("scenarios/scheduler-profiles.yaml", &[]);
    assert_eq!(nodes_of(&o, "web-").len(), 4, "LeastAllocated and spreading: one web pod per node");
    assert_eq!(nodes_of(&o, "batch-").values().copied().collect::<Vec<_>>(), vec![4], "bin-packing: one node");
    let orphan = o.store.pods.iter().find(|p| p.name == "orphan").expect("the pod exists");
    assert!(orphan.node.is_none(), "no scheduler picks up a pod of my-scheduler");
    assert!(events(&o, "FailedScheduling").iter().all(|e| !e.object.contains("orphan")), "nor says anything");
}

#[test]
fn a_pod_naming_no_profile_is_warned_about_at_load() {
    let pod = "  - {apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {schedulerName: mine, containers: [{name: a, image: a:1}]}}\n";
    let (_, warnings) = load_with(HEADER, pod, "[{name: worker, count: 2}]").expect("loads");
    assert!(
        warnings.contains(
            "pod/p: schedulerName \"mine\" names no scheduler profile (kubesim's scheduler answers to \
             \"default-scheduler\"): its pods stay Pending"
        ),
        "{warnings}"
    );
}

/// A shape that scores full nodes highest (requested_to_capacity_ratio.go): the pods pack
/// onto one node, where the default LeastAllocated spreads them.
#[test]
fn a_requested_to_capacity_ratio_shape_decides_where_pods_go() {
    let config = format!(
        "{HEADER}profiles:
  - pluginConfig:
      - name: NodeResourcesFit
        args:
          scoringStrategy:
            type: RequestedToCapacityRatio
            resources: [{{name: cpu, weight: 3}}, {{name: memory, weight: 1}}]
            requestedToCapacityRatio:
              shape: [{{utilization: 0, score: 0}}, {{utilization: 100, score: 10}}]
      - name: PodTopologySpread
        args: {{defaultingType: List}}
"
    );
    let objects = deployment("job", 6, "default-scheduler", "500m");
    let (s, _) =
        load_with(&config, &objects, "[{name: worker, count: 3, capacity: {cpu: '4', memory: 16Gi}}]").expect("loads");
    let o = kubesim::simulate(&s, None);
    assert_eq!(nodes_of(&o, "job-").values().copied().collect::<Vec<_>>(), vec![6], "packed on one node");
    let (s, _) =
        load_with(HEADER, &objects, "[{name: worker, count: 3, capacity: {cpu: '4', memory: 16Gi}}]").expect("loads");
    let o = kubesim::simulate(&s, None);
    assert_eq!(nodes_of(&o, "job-").len(), 3, "the default profile spreads them");
}

/// NodeAffinityArgs.addedAffinity: every pod of the profile must match the added terms
/// (node_affinity.go, ErrReasonEnforced).
#[test]
fn added_affinity_confines_the_profiles_pods_and_says_so() {
    let config = format!(
        "{HEADER}profiles:
  - pluginConfig:
      - name: NodeAffinity
        args:
          addedAffinity:
            requiredDuringSchedulingIgnoredDuringExecution:
              nodeSelectorTerms:
                - matchExpressions: [{{key: pool, operator: In, values: [batch]}}]
"
    );
    let nodes = "[{name: batch, count: 1, labels: {pool: batch}, capacity: {cpu: '1'}}, {name: web, count: 2}]";
    let (s, _) = load_with(&config, &deployment("job", 3, "default-scheduler", "400m"), nodes).expect("loads");
    let o = kubesim::simulate(&s, None);
    assert_eq!(nodes_of(&o, "job-"), BTreeMap::from([("batch".to_string(), 2)]), "only the batch node, while it fits");
    let failed = events(&o, "FailedScheduling");
    assert!(
        failed.iter().any(|e| e.message.starts_with(
            "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't match scheduler-enforced node affinity."
        )),
        "{:?}",
        failed.iter().map(|e| &e.message).collect::<Vec<_>>()
    );
}

/// Without DefaultPreemption at PostFilter a pod that does not fit preempts nobody, and the
/// message has no `preemption:` part.
#[test]
fn disabling_default_preemption_leaves_lower_priority_pods_alone() {
    let config = format!(
        "{HEADER}profiles:\n  - plugins:\n      postFilter:\n        disabled: [{{name: DefaultPreemption}}]\n"
    );
    // The urgent pod comes once the low-priority pods are running (its Deployment is
    // scaled up at 10s).
    let urgent = deployment("urgent", 0, "default-scheduler", "3")
        .replace("spec:\n          schedulerName", "spec:\n          priorityClassName: high\n          schedulerName");
    let objects = format!(
        "  - {{apiVersion: scheduling.k8s.io/v1, kind: PriorityClass, metadata: {{name: high}}, value: 1000}}\n{}{urgent}timeline:\n  - {{at: 10s, run: kubectl scale deployment/urgent --replicas=1}}\n",
        deployment("low", 2, "default-scheduler", "3")
    );
    let nodes = "[{name: worker, count: 2, capacity: {cpu: '4'}}]";
    let (s, _) = load_with(&config, &objects, nodes).expect("loads");
    let o = kubesim::simulate(&s, None);
    assert!(events(&o, "Preempted").is_empty(), "nobody preempted");
    assert!(nodes_of(&o, "urgent-").is_empty(), "the urgent pod waits");
    let failed = events(&o, "FailedScheduling");
    assert!(failed.iter().all(|e| !e.message.contains("preemption:")), "{:?}", failed[0].message);
    assert_eq!(failed[0].message, "0/2 nodes are available: 2 Insufficient cpu.");
}

/// validation.go and validation_pluginargs.go: the field path, Kubernetes' message, and the
/// place in the configuration file.
#[test]
fn invalid_configurations_are_refused_with_kubernetes_messages_at_their_place() {
    let e = errors(&format!(
        "{HEADER}podInitialBackoffSeconds: 5\npodMaxBackoffSeconds: 2\nprofiles:\n  - pluginConfig:\n      - name: InterPodAffinity\n        args: {{hardPodAffinityWeight: 101}}\n"
    ));
    assert!(
        e.contains("sched.yaml:4:23: KubeSchedulerConfiguration: podMaxBackoffSeconds: Invalid value: 2: must be greater than or equal to PodInitialBackoffSeconds"),
        "{e}"
    );
    assert!(
        e.contains("sched.yaml:8:39: KubeSchedulerConfiguration: profiles[0].pluginConfig[0].args.hardPodAffinityWeight: Invalid value: 101: not in valid range [0, 100]"),
        "{e}"
    );
    let e = errors(&format!("{HEADER}profiles:\n  - schedulerName: a\n  - schedulerName: a\n"));
    assert!(e.contains("profiles[1].schedulerName: Duplicate value: profiles[0].schedulerName"), "{e}");
    let e = errors(&format!("{HEADER}profiles:\n  - schedulerName: a\n  - percentageOfNodesToScore: 120\n"));
    assert!(e.contains("profiles[1].percentageOfNodesToScore: Invalid value: 120: not in valid range [0-100]"), "{e}");
    assert!(e.contains("profiles[1].schedulerName: Required value"), "{e}");
    let e = errors(&format!(
        "{HEADER}profiles:\n  - pluginConfig:\n      - name: NodeResourcesFit\n        args: {{scoringStrategy: {{type: RequestedToCapacityRatio}}}}\n"
    ));
    assert!(
        e.contains("profiles[0].pluginConfig[0].args.scoringStrategy.requestedToCapacityRatio: Required value: must be specified when type is RequestedToCapacityRatio"),
        "{e}"
    );
    let e = errors(&format!(
        "{HEADER}profiles:\n  - pluginConfig:\n      - name: PodTopologySpread\n        args:\n          defaultConstraints: [{{maxSkew: 0, topologyKey: zone, whenUnsatisfiable: ScheduleAnyway}}]\n"
    ));
    assert!(
        e.contains("args.defaultingType: Invalid value: \"System\": when .defaultConstraints are not empty"),
        "{e}"
    );
    assert!(e.contains("args.defaultConstraints[0].maxSkew: Invalid value: 0: not in valid range (0, inf)"), "{e}");
}

/// Plugins kubesim does not have are refused by name; an unknown name gets a suggestion.
#[test]
fn unknown_and_unsimulated_plugins_are_refused_by_name() {
    let e = errors(&format!(
        "{HEADER}profiles:\n  - plugins:\n      score:\n        enabled: [{{name: NodeResourcesFitt, weight: 2}}]\n"
    ));
    assert!(
        e.contains("sched.yaml:6:26: profiles[0].plugins.score.enabled[0].name: score plugin \"NodeResourcesFitt\" does not exist"),
        "{e}"
    );
    assert!(e.contains("did you mean `NodeResourcesFit`?"), "{e}");
    let e = errors(&format!(
        "{HEADER}profiles:\n  - plugins:\n      multiPoint:\n        enabled: [{{name: DynamicResources}}]\n"
    ));
    assert!(e.contains("plugin \"DynamicResources\" is not simulated by kubesim"), "{e}");
    let e = errors(&format!(
        "{HEADER}profiles:\n  - plugins:\n      filter:\n        enabled: [{{name: ImageLocality}}]\n"
    ));
    assert!(e.contains("plugin \"ImageLocality\" does not extend FilterPlugin plugin"), "{e}");
    let e = errors(&format!("{HEADER}extenders: [{{urlPrefix: 'http://x'}}]\n"));
    assert!(e.contains("extenders are not simulated"), "{e}");
    let e = errors("apiVersion: kubescheduler.config.k8s.io/v1beta3\nkind: KubeSchedulerConfiguration\n");
    assert!(
        e.contains(
            "no kind \"KubeSchedulerConfiguration\" is registered for version \"kubescheduler.config.k8s.io/v1beta3\""
        ),
        "{e}"
    );
}

/// A scenario that names the file and also gives the short keys is refused; a missing
/// file is named with where it was looked for.
#[test]
fn the_short_keys_and_a_missing_file_are_refused() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("s.yaml");
    std::fs::write(&path, "cluster: {scheduler: {config: nope.yaml, scoring: MostAllocated}}\nobjects: []\n")
        .expect("written");
    let e = match kubesim::load_file(&path, &[]) {
        Ok(_) => panic!("refused"),
        Err(d) => d.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n"),
    };
    assert!(e.contains("`scoring` cannot be given with `config`"), "{e}");
    assert!(e.contains("cluster.scheduler.config: file not found (resolved to"), "{e}");
    let _ = Path::new("");
}

/// Weights: a profile whose only score is NodeResourcesFit with MostAllocated packs even
/// against TaintToleration's and spreading's defaults being gone.
#[test]
fn multi_point_disabled_star_keeps_only_the_plugins_named() {
    let config = format!(
        "{HEADER}profiles:
  - plugins:
      multiPoint:
        disabled: [{{name: '*'}}]
        enabled:
          - {{name: PrioritySort}}
          - {{name: DefaultBinder}}
          - {{name: NodeResourcesFit, weight: 1}}
    pluginConfig:
      - name: NodeResourcesFit
        args: {{scoringStrategy: {{type: MostAllocated}}}}
"
    );
    let (s, _) = load_with(&config, &deployment("job", 4, "default-scheduler", "500m"), "[{name: worker, count: 3}]")
        .expect("loads");
    let profile = &s.scheduler_config.as_ref().expect("configured").profiles[0];
    assert_eq!(profile.filters, vec!["NodeResourcesFit".to_string()]);
    assert_eq!(profile.scores, vec![("NodeResourcesFit".to_string(), 1)]);
    assert!(!profile.preemption);
    let o = kubesim::simulate(&s, None);
    assert_eq!(nodes_of(&o, "job-").values().copied().collect::<Vec<_>>(), vec![4]);
}

/// The default configuration spelled out as a file schedules exactly as the built-in
/// default profile: the same events (every Scheduled, FailedScheduling and Preempted) in the
/// same order, on the preemption example.
#[test]
fn the_default_configuration_file_schedules_as_the_built_in_default() {
    let scenario = "scenarios/scheduling-and-preemption.yaml";
    let (_, built_in) = run(scenario, &[]);
    let (s, from_file) = run(scenario, &["cluster.scheduler.config=scheduler/default.yaml"]);
    let profile = &s.scheduler_config.as_ref().expect("configured").profiles[0];
    assert_eq!(profile.scheduler_name, "default-scheduler");
    let events = |o: &Outcome| -> Vec<String> {
        o.recorder.records.iter().map(|e| format!("{:?} {} {} {}", e.time, e.reason, e.object, e.message)).collect()
    };
    assert!(events(&built_in).len() > 20);
    assert_eq!(events(&built_in), events(&from_file));
}
