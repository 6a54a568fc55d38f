//! LimitRanges and ResourceQuotas at a pod's create: the LimitRanger admission plugin's
//! defaults and bounds (plugin/pkg/admission/limitranger/admission.go), the ResourceQuota
//! plugin's refusal (staging/src/k8s.io/apiserver/pkg/admission/plugin/resourcequota/
//! controller.go `CheckRequest`), the ReplicaSet controller's `FailedCreate` event
//! (pkg/controller/controller_utils.go `createPods`) and its rate-limited retries.

use crate::support::{events, object_events, run_text};
use kubesim::sim::Outcome;

fn scenario(objects: &str, timeline: &str) -> String {
    format!(
        "duration: 3m
cluster:
  nodes:
    - {{name: worker, count: 1, capacity: {{cpu: '2', memory: 8Gi}}}}
images:
  'nginx:1.25': {{pull: 2s, start: 1s}}
objects:{objects}
timeline: {timeline}
"
    )
}

fn deployment(replicas: u32, resources: &str) -> String {
    format!(
        "
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {{name: web}}
    spec:
      replicas: {replicas}
      selector: {{matchLabels: {{app: web}}}}
      template:
        metadata: {{labels: {{app: web}}}}
        spec: {{containers: [{{name: web, image: 'nginx:1.25'{resources}}}]}}"
    )
}

fn quota(hard: &str) -> String {
    format!(
        "
  - apiVersion: v1
    kind: ResourceQuota
    metadata: {{name: compute}}
    spec: {{hard: {hard}}}"
    )
}

fn live_web_pods(o: &Outcome) -> Vec<&kubesim::model::store::Pod> {
    o.store.pods.iter().filter(|p| p.name.starts_with("web-") && p.deleted.is_none()).collect()
}

fn failed_creates(o: &Outcome) -> Vec<String> {
    events(o, "FailedCreate").iter().map(|e| e.message.clone()).collect()
}

/// A Deployment of 5 under `pods: 3`: 3 pods, then the API server's words for the other two
/// (prettyPrint: `requested: pods=1, used: pods=3, limited: pods=3`), retried on the
/// ReplicaSet queue's exponential back-off (5 ms doubling), not in a loop; raising the quota
/// with `kubectl apply` lets a retry create the rest.
#[test]
fn a_full_quota_refuses_the_replicasets_creates_until_it_is_raised() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("quota.yaml"),
        "apiVersion: v1\nkind: ResourceQuota\nmetadata: {name: compute}\nspec: {hard: {pods: '10'}}\n",
    )
    .unwrap();
    let text = scenario(
        &format!("{}{}", quota("{pods: '3'}"), deployment(5, "")),
        "[{at: 1m, run: kubectl apply -f quota.yaml}]",
    );
    let path = dir.path().join("scenario.yaml");
    std::fs::write(&path, text).unwrap();
    let loaded = kubesim::load_file(&path, &[]).unwrap_or_else(|d| panic!("{d:?}"));
    let o = kubesim::simulate(&loaded.scenario, None);
    let failed = failed_creates(&o);
    let first = failed.first().expect("a FailedCreate event");
    assert!(first.starts_with("Error creating: pods \"web-"), "{first}");
    assert!(
        first.ends_with("\" is forbidden: exceeded quota: compute, requested: pods=1, used: pods=3, limited: pods=3"),
        "{first}"
    );
    let before_raise: Vec<_> = events(&o, "FailedCreate").into_iter().filter(|e| e.time.as_secs_f64() < 60.0).collect();
    assert!(before_raise.len() >= 5, "retried: {}", before_raise.len());
    assert!(before_raise.len() < 40, "an exponential back-off, not a loop: {} events", before_raise.len());
    let created_before: Vec<_> =
        events(&o, "SuccessfulCreate").into_iter().filter(|e| e.time.as_secs_f64() < 60.0).collect();
    assert_eq!(created_before.len(), 3);
    assert_eq!(live_web_pods(&o).len(), 5, "the rest were created after the quota was raised");
    let after: Vec<_> = events(&o, "SuccessfulCreate").into_iter().filter(|e| e.time.as_secs_f64() >= 60.0).collect();
    assert_eq!(after.len(), 2);
}

/// A pod that goes away frees its place in the quota: the ReplicaSet's next retry takes it.
#[test]
fn a_pod_that_goes_away_frees_quota_for_the_replicaset() {
    let extra = "
  - apiVersion: v1
    kind: Pod
    metadata: {name: extra}
    spec: {containers: [{name: app, image: 'nginx:1.25'}]}";
    let o = run_text(&scenario(
        &format!("{}{extra}{}", quota("{pods: '3'}"), deployment(3, "")),
        "[{at: 1m, run: kubectl delete pod extra}]",
    ));
    assert!(!failed_creates(&o).is_empty());
    assert_eq!(live_web_pods(&o).len(), 3);
    let late: Vec<_> = events(&o, "SuccessfulCreate").into_iter().filter(|e| e.time.as_secs_f64() >= 60.0).collect();
    assert_eq!(late.len(), 1, "the third pod after the extra one went");
}

/// With requests.cpu quota'd, every container must say its CPU request (pods.go
/// `Constraints`), and the sum of requests is bounded.
#[test]
fn a_cpu_quota_needs_requests_and_bounds_their_sum() {
    let o = run_text(&scenario(&format!("{}{}", quota("{requests.cpu: '1'}"), deployment(1, "")), "[]"));
    let failed = failed_creates(&o);
    assert!(
        failed[0].ends_with("\" is forbidden: failed quota: compute: must specify requests.cpu for: web"),
        "{failed:?}"
    );
    let o = run_text(&scenario(
        &format!("{}{}", quota("{requests.cpu: '1'}"), deployment(3, ", resources: {requests: {cpu: 400m}}")),
        "[]",
    ));
    assert_eq!(live_web_pods(&o).len(), 2);
    let failed = failed_creates(&o);
    assert!(
        failed[0].ends_with(
            "\" is forbidden: exceeded quota: compute, requested: requests.cpu=400m, used: requests.cpu=800m, limited: requests.cpu=1"
        ),
        "{failed:?}"
    );
}

const LIMIT_RANGE: &str = "
  - apiVersion: v1
    kind: LimitRange
    metadata: {name: defaults}
    spec:
      limits:
        - type: Container
          default: {cpu: '1'}
          defaultRequest: {cpu: 500m}
          max: {cpu: '1'}";

/// A container without resources gets the LimitRange's defaultRequest: a node of 2 CPUs
/// holds 4 of them, the other two wait Unschedulable (mergeContainerResources).
#[test]
fn a_limitrange_default_request_is_what_scheduling_sees() {
    let o = run_text(&scenario(&format!("{LIMIT_RANGE}{}", deployment(6, "")), "[]"));
    let pods = live_web_pods(&o);
    assert_eq!(pods.len(), 6);
    for p in &pods {
        let c = &p.spec.containers[0];
        assert_eq!((c.requests.cpu_millis, c.limits.cpu_millis), (500, 1000), "{}", p.name);
    }
    assert_eq!(pods.iter().filter(|p| p.node.is_some()).count(), 4);
    assert!(!events(&o, "FailedScheduling").is_empty());
}

/// A pod over the LimitRange's max is refused with the plugin's message: a Pod at load (the
/// API server's Forbidden), a Deployment's pods on the ReplicaSet (FailedCreate).
#[test]
fn a_pod_over_a_limitrange_max_is_refused() {
    let big = "
  - apiVersion: v1
    kind: Pod
    metadata: {name: big}
    spec: {containers: [{name: app, image: 'nginx:1.25', resources: {limits: {cpu: '2'}}}]}";
    let o = run_text(&scenario(
        &format!("{LIMIT_RANGE}{big}{}", deployment(1, ", resources: {limits: {cpu: 1500m}}")),
        "[]",
    ));
    assert!(o.store.pods.iter().all(|p| p.name != "big"));
    let refused = object_events(&o, "pod/big", "FailedCreate");
    assert_eq!(
        refused[0].message,
        "Error from server (Forbidden): pods \"big\" is forbidden: maximum cpu usage per Container is 1, but limit is 2"
    );
    let failed = failed_creates(&o);
    assert!(
        failed.iter().any(|m| m.starts_with("Error creating: pods \"web-")
            && m.ends_with("\" is forbidden: maximum cpu usage per Container is 1, but limit is 1500m")),
        "{failed:?}"
    );
    assert!(live_web_pods(&o).is_empty());
}

/// A Job under `pods: 2` with 3 to run at once: two pods, a FailedCreate for the third
/// (controller_utils.go createPods), and the third created once a pod has Succeeded (a
/// finished pod no longer counts: pods.go QuotaV1Pod), on the Job queue's back-off (1 s
/// doubling to 1 min, job_controller.go DefaultJobApiBackOff).
#[test]
fn a_job_waits_for_quota_freed_by_its_finished_pods() {
    let text = "
duration: 3m
cluster: {nodes: [{name: worker, capacity: {cpu: '4', memory: 8Gi}}]}
images:
  quick:1: {pull: 1s, start: 0s, runFor: 10s}
objects:
  - apiVersion: v1
    kind: ResourceQuota
    metadata: {name: compute}
    spec: {hard: {pods: '2'}}
  - apiVersion: batch/v1
    kind: Job
    metadata: {name: steps}
    spec:
      completions: 3
      parallelism: 3
      template:
        spec:
          restartPolicy: Never
          containers: [{name: step, image: 'quick:1'}]
";
    let o = run_text(text);
    let refused = object_events(&o, "job/steps", "FailedCreate");
    assert!(!refused.is_empty());
    assert!(refused[0].message.starts_with("Error creating: pods \"steps-"), "{}", refused[0].message);
    assert!(
        refused[0]
            .message
            .ends_with("\" is forbidden: exceeded quota: compute, requested: pods=1, used: pods=2, limited: pods=2"),
        "{}",
        refused[0].message
    );
    assert_eq!(object_events(&o, "job/steps", "SuccessfulCreate").len(), 3);
    assert_eq!(object_events(&o, "job/steps", "Completed").len(), 1);
}

/// A StatefulSet's refused pod: stateful_pod_control.go's `create Pod NAME in StatefulSet
/// SET failed error: ...`, with the pod's own name.
#[test]
fn a_statefulset_pod_refused_by_quota_says_so_in_the_sets_words() {
    let set = "
  - apiVersion: apps/v1
    kind: StatefulSet
    metadata: {name: db}
    spec:
      replicas: 3
      serviceName: db
      selector: {matchLabels: {app: db}}
      template:
        metadata: {labels: {app: db}}
        spec: {containers: [{name: db, image: 'nginx:1.25'}]}";
    let o = run_text(&scenario(&format!("{}{set}", quota("{pods: '2'}")), "[]"));
    let refused = object_events(&o, "statefulset/db", "FailedCreate");
    assert_eq!(
        refused[0].message,
        "create Pod db-2 in StatefulSet db failed error: pods \"db-2\" is forbidden: exceeded quota: compute, requested: pods=1, used: pods=2, limited: pods=2"
    );
    let live = o.store.pods.iter().filter(|p| p.deleted.is_none()).count();
    assert_eq!(live, 2);
}

/// `kubectl create quota`, `get resourcequota` (printResourceQuota: `RESOURCE: USED/HARD`,
/// limits.* under LIMIT), `describe resourcequota` (describeQuota), `get limitrange`
/// (printLimitRange's CREATED AT), and `delete resourcequota`: the ReplicaSet's next retry
/// creates the rest.
#[test]
fn quotas_are_created_read_and_deleted_with_kubectl() {
    let timeline = "
  - {at: 0s, run: 'kubectl create quota compute --hard=pods=2,limits.cpu=4'}
  - {at: 20s, run: kubectl get resourcequota}
  - {at: 21s, run: kubectl describe quota compute}
  - {at: 22s, run: kubectl get limitrange}
  - {at: 30s, run: kubectl delete resourcequota compute}";
    let o = run_text(&scenario(&format!("{LIMIT_RANGE}{}", deployment(3, "")), timeline));
    let log = o.kubectl_log.as_deref().expect("kubectl.log");
    let get = "NAME      AGE   REQUEST     LIMIT\ncompute   20s   pods: 2/2   limits.cpu: 2/4\n";
    assert!(log.contains(get), "{log}");
    let describe =
        "Name:       compute\nNamespace:  default\nResource    Used  Hard\n--------    ----  ----\nlimits.cpu  2     4\npods        2     2\n";
    assert!(log.contains(describe), "{log}");
    assert!(log.contains("NAME       CREATED AT\ndefaults   "), "{log}");
    assert_eq!(live_web_pods(&o).len(), 3, "created after the quota went");
}

/// At load: a quota's scopes and the resources of other kinds are named in warnings (the
/// quota still counts pods); a LimitRange item of an unknown type or with min above max is
/// the API server's validation error, at its line.
#[test]
fn what_is_not_simulated_is_said_and_bad_policies_are_refused_at_their_line() {
    let scoped = "
  - apiVersion: v1
    kind: ResourceQuota
    metadata: {name: compute}
    spec:
      hard: {pods: '3', services: '2'}
      scopes: [NotBestEffort]";
    let text = scenario(&format!("{scoped}{}", deployment(1, "")), "[]");
    let loaded = kubesim::load_str(std::path::Path::new("inline.yaml"), &text, &[]).unwrap_or_else(|d| panic!("{d:?}"));
    let warnings: Vec<String> = loaded.warnings.iter().map(|d| d.to_string()).collect();
    assert!(
        warnings.iter().any(|w| w.contains("resourcequota/compute: spec.hard: services not simulated")),
        "{warnings:?}"
    );
    assert!(warnings.iter().any(|w| w.contains("resourcequota/compute: spec.scopes is not simulated")), "{warnings:?}");
    let bad = "
  - apiVersion: v1
    kind: LimitRange
    metadata: {name: bad}
    spec:
      limits:
        - {type: Containers, max: {cpu: '1'}}
        - {type: Container, min: {cpu: '2'}, max: {cpu: '1'}}";
    let text = scenario(bad, "[]");
    let errors = match kubesim::load_str(std::path::Path::new("inline.yaml"), &text, &[]) {
        Ok(_) => panic!("a bad LimitRange loads"),
        Err(d) => d.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"),
    };
    assert!(
        errors.contains("spec.limits[0].type: Unsupported value: \"Containers\": supported values: \"Container\", \"PersistentVolumeClaim\", \"Pod\""),
        "{errors}"
    );
    assert!(
        errors.contains("spec.limits[1].min[cpu]: Invalid value: \"2\": min value 2 is greater than max value 1"),
        "{errors}"
    );
    assert!(errors.contains("inline.yaml:"), "{errors}");
}
