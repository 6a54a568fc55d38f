//! Adoption and release (issue 20): controllers claim the pods their selector matches
//! (pkg/controller/controller_ref_manager.go `ClaimPods`, `ClaimReplicaSets`): a ReplicaSet
//! adopts matching orphans and creates fewer pods, releases a pod relabelled out of it and
//! replaces it, and a Deployment deleted with `--cascade=orphan` and applied again takes its
//! ReplicaSet and pods back without a rollout.

use super::support::{events, object_events, run_text};
use kubesim::model::store::{PodOwner, PodPhase};
use kubesim::sim::Outcome;

/// A two-node cluster with `objects` (a YAML list) and `timeline` (lines `  - {at: .., run: ..}`).
fn scenario(objects: &str, timeline: &str) -> String {
    format!(
        "duration: 4m
cluster:
  nodes:
    - {{name: worker, count: 2, capacity: {{cpu: '4', memory: 8Gi, pods: 110}}}}
objects: {objects}
timeline:
{timeline}"
    )
}

/// A bare pod `lone` labelled app=web, tier=frontend.
const LONE: &str = "
  - apiVersion: v1
    kind: Pod
    metadata: {name: lone, labels: {app: web, tier: frontend}}
    spec:
      containers: [{name: nginx, image: 'nginx:1.25'}]";

/// A ReplicaSet `web` of `replicas` selecting app=web.
fn replica_set(replicas: u32) -> String {
    format!(
        "
  - apiVersion: apps/v1
    kind: ReplicaSet
    metadata: {{name: web, labels: {{app: web}}}}
    spec:
      replicas: {replicas}
      selector: {{matchLabels: {{app: web}}}}
      template:
        metadata: {{labels: {{app: web, tier: frontend}}}}
        spec:
          containers: [{{name: nginx, image: 'nginx:1.25'}}]"
    )
}

fn live_pods(o: &Outcome) -> Vec<&kubesim::model::store::Pod> {
    o.store.pods.iter().filter(|p| !p.is_gone()).collect()
}

fn running(o: &Outcome) -> usize {
    live_pods(o).iter().filter(|p| p.phase == PodPhase::Running && p.terminating.is_none()).count()
}

fn pod_owner(o: &Outcome, name: &str) -> Option<PodOwner> {
    o.store.pods[o.store.find_pod("default", name).expect("the pod exists")].owner
}

/// replica_set.go `syncReplicaSet` claims before `manageReplicas` counts: the bare pod is
/// one of the three, so the ReplicaSet creates two.
#[test]
fn a_replica_set_adopts_a_bare_pod_its_selector_matches_and_creates_fewer_pods() {
    let o = run_text(&scenario(&format!("{LONE}{}", replica_set(3)), "  []"));
    let rs = o.store.find_rs(kubesim::model::store::RsKind::ReplicaSet, "default", "web").unwrap();
    assert_eq!(pod_owner(&o, "lone"), Some(PodOwner::ReplicaSet(rs)));
    assert_eq!(object_events(&o, "replicaset/web", "SuccessfulCreate").len(), 2);
    assert_eq!(running(&o), 3);
    assert_eq!(o.store.replica_sets[rs].status.replicas, 3);
}

/// After adopting, the ReplicaSet's counts include the pod: scaling 3 → 1 deletes exactly two
/// pods (`manageReplicas`' diff over the claimed pods).
#[test]
fn a_replica_set_that_adopted_scales_down_by_the_right_number() {
    let o = run_text(&scenario(
        &format!("{LONE}{}", replica_set(3)),
        "  - {at: 1m, run: kubectl scale replicaset web --replicas=1}",
    ));
    assert_eq!(object_events(&o, "replicaset/web", "SuccessfulDelete").len(), 2);
    assert_eq!(running(&o), 1);
}

/// A Deployment's ReplicaSet selects its pod-template-hash too (deployment/util.go: the new
/// ReplicaSet's selector gets `pod-template-hash`), so a bare pod with the Deployment's app
/// label alone is not adopted: the Deployment makes its three pods and the bare pod stays.
#[test]
fn a_deployment_s_replica_set_does_not_adopt_a_pod_without_its_template_hash() {
    let deployment = "
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      replicas: 3
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec:
          containers: [{name: nginx, image: 'nginx:1.25'}]";
    let o = run_text(&scenario(&format!("{LONE}{deployment}"), "  []"));
    assert_eq!(pod_owner(&o, "lone"), None);
    assert_eq!(running(&o), 4);
}

/// The Kubernetes docs' debugging trick (concepts/workloads/controllers/replicaset: "Isolating
/// pods from a ReplicaSet"): `kubectl label pod lone app-` takes the pod out of the
/// ReplicaSet's selector, the ReplicaSet releases it (`ClaimPods` → `ReleasePod`) and makes a
/// replacement; the released pod keeps running and, selected by the Service's tier=frontend,
/// keeps serving.
#[test]
fn a_pod_relabelled_out_of_its_replica_set_is_released_replaced_and_keeps_serving() {
    let service = "
  - apiVersion: v1
    kind: Service
    metadata: {name: frontend}
    spec:
      selector: {tier: frontend}
      ports: [{port: 80}]";
    let text = format!(
        "{}
traffic:
  - target: service/frontend
    rate: {{steps: [{{at: 2m, rate: 100/s}}]}}
",
        scenario(&format!("{LONE}{}{service}", replica_set(3)), "  - {at: 1m, run: kubectl label pod lone app-}")
    );
    let o = run_text(&text);
    assert_eq!(pod_owner(&o, "lone"), None, "released");
    assert_eq!(object_events(&o, "replicaset/web", "SuccessfulCreate").len(), 3, "two, then the replacement");
    assert_eq!(running(&o), 4, "the released pod keeps running beside the three");
    let lone = o.store.find_pod("default", "lone").unwrap();
    assert!(o.requests_by_pod[lone.index()] > 0, "the released pod stays an endpoint of the Service");
    assert!(events(&o, "SuccessfulDelete").is_empty());
}

/// Labelled back, the released pod is an orphan that matches again: the ReplicaSet adopts it
/// and, now one over, deletes a pod (ActivePodsWithRanks: the newest goes).
#[test]
fn a_released_pod_labelled_back_is_adopted_again() {
    let o = run_text(&scenario(
        &format!("{LONE}{}", replica_set(3)),
        "  - {at: 1m, run: kubectl label pod lone app-}\n  - {at: 2m, run: kubectl label pod lone app=web}",
    ));
    let rs = o.store.find_rs(kubesim::model::store::RsKind::ReplicaSet, "default", "web").unwrap();
    assert_eq!(pod_owner(&o, "lone"), Some(PodOwner::ReplicaSet(rs)));
    assert_eq!(object_events(&o, "replicaset/web", "SuccessfulDelete").len(), 1);
    assert_eq!(running(&o), 3);
}

/// Runs a scenario whose timeline reads `files` from a folder of its own.
fn run_with_files(test: &str, files: &[(&str, &str)], text: &str) -> Outcome {
    let dir = std::env::temp_dir().join(format!("kubesim-adoption-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, body) in files {
        std::fs::write(dir.join(name), body).unwrap();
    }
    let path = dir.join("scenario.yaml");
    std::fs::write(&path, text).unwrap();
    let loaded = match kubesim::load_file(&path, &[]) {
        Ok(l) => l.scenario,
        Err(d) => panic!("{}", d.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n")),
    };
    let o = kubesim::simulate(&loaded, None);
    std::fs::remove_dir_all(&dir).ok();
    o
}

const WEB_DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: nginx, image: 'nginx:1.25'}]
";

/// `kubectl delete deployment web --cascade=orphan` leaves the ReplicaSet and its pods; the
/// same Deployment applied again adopts the ReplicaSet (`getReplicaSetsForDeployment` →
/// `ClaimReplicaSets`), finds it the new ReplicaSet (its template is the Deployment's:
/// `FindNewReplicaSet`), and neither creates a pod nor scales: the same three pods run.
/// Scaling it afterwards deletes exactly the pods over.
#[test]
fn a_deployment_deleted_with_cascade_orphan_and_applied_again_takes_its_pods_back() {
    let timeline = "  - {at: 0s, run: kubectl apply -f web.yaml}
  - {at: 1m, run: kubectl delete deployment web --cascade=orphan}
  - {at: 2m, run: kubectl apply -f web.yaml}
  - {at: 3m, run: kubectl scale deployment web --replicas=1}";
    let o = run_with_files("orphan-deployment", &[("web.yaml", WEB_DEPLOYMENT)], &scenario("[]", timeline));
    let names = |o: &Outcome| {
        let mut v: Vec<String> = o.store.pods.iter().map(|p| p.name.clone()).collect();
        v.sort();
        v
    };
    assert_eq!(names(&o).len(), 3, "no pod was ever created after the first three: {:?}", names(&o));
    let d = o.store.find_deployment("default", "web").expect("applied again");
    let rs: Vec<_> = o.store.replica_sets.ids().filter(|&r| !o.store.replica_sets[r].deleted).collect();
    assert_eq!(rs.len(), 1, "one ReplicaSet, adopted");
    assert_eq!(o.store.replica_sets[rs[0]].owner, Some(d));
    let scaled: Vec<String> =
        object_events(&o, "deployment/web", "ScalingReplicaSet").iter().map(|e| e.message.clone()).collect();
    assert_eq!(scaled.len(), 2, "{scaled:?}");
    assert!(scaled[0].ends_with("from 0 to 3") && scaled[1].ends_with("from 3 to 1"), "{scaled:?}");
    assert_eq!(
        object_events(&o, &format!("replicaset/{}", o.store.replica_sets[rs[0]].name), "SuccessfulDelete").len(),
        2
    );
    assert_eq!(running(&o), 1);
}

/// The same with a bare ReplicaSet: deleted with `--cascade=orphan` and created again, it
/// adopts its three pods and creates none.
#[test]
fn a_replica_set_deleted_with_cascade_orphan_and_created_again_adopts_its_pods() {
    let rs = "apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: nginx, image: 'nginx:1.25'}]
";
    let timeline = "  - {at: 0s, run: kubectl create -f rs.yaml}
  - {at: 1m, run: kubectl delete rs web --cascade=orphan}
  - {at: 2m, run: kubectl create -f rs.yaml}";
    let o = run_with_files("orphan-rs", &[("rs.yaml", rs)], &scenario("[]", timeline));
    assert_eq!(o.store.pods.len(), 3, "no new pod");
    assert_eq!(object_events(&o, "replicaset/web", "SuccessfulCreate").len(), 3, "the first three only");
    let web = o.store.find_rs(kubesim::model::store::RsKind::ReplicaSet, "default", "web").unwrap();
    assert!(o.store.pods.iter().all(|p| p.owner == Some(PodOwner::ReplicaSet(web))));
    assert_eq!(running(&o), 3);
}

/// A StatefulSet deleted with `--cascade=orphan` and created again adopts its pods by name
/// (stateful_set.go `getPodsForStatefulSet`: `ClaimPods` filtered by `isMemberOf`, the
/// `<set>-<ordinal>` name): web-0, web-1 and web-2 keep running and no pod is created.
#[test]
fn a_stateful_set_deleted_with_cascade_orphan_and_created_again_adopts_its_pods() {
    let set = "apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  replicas: 3
  serviceName: web
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: db, image: 'nginx:1.25'}]
";
    let timeline = "  - {at: 0s, run: kubectl create -f set.yaml}
  - {at: 1m, run: kubectl delete statefulset web --cascade=orphan}
  - {at: 2m, run: kubectl create -f set.yaml}
  - {at: 3m, run: kubectl scale statefulset web --replicas=2}";
    let o = run_with_files("orphan-set", &[("set.yaml", set)], &scenario("[]", timeline));
    let names: Vec<&str> = o.store.pods.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["web-0", "web-1", "web-2"], "no pod made twice");
    assert_eq!(object_events(&o, "statefulset/web", "SuccessfulCreate").len(), 3, "the first three only");
    let web = o.store.find_stateful_set("default", "web").unwrap();
    let deleted = object_events(&o, "statefulset/web", "SuccessfulDelete");
    assert_eq!(deleted.len(), 1, "scaled to 2, the highest ordinal goes");
    assert!(deleted[0].message.contains("web-2"), "{}", deleted[0].message);
    assert_eq!(o.store.stateful_sets[web].pods.len(), 2);
    assert_eq!(running(&o), 2);
}

/// A DaemonSet deleted with `--cascade=orphan` and created again adopts the pod on each node
/// (daemon_controller.go `getDaemonPods` → `ClaimPods`, then `getNodesToDaemonPods` by the
/// pod's node): one pod per node, none created again.
#[test]
fn a_daemon_set_deleted_with_cascade_orphan_and_created_again_adopts_its_pods() {
    let ds = "apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers: [{name: agent, image: 'nginx:1.25'}]
";
    let timeline = "  - {at: 0s, run: kubectl create -f ds.yaml}
  - {at: 1m, run: kubectl delete daemonset agent --cascade=orphan}
  - {at: 2m, run: kubectl create -f ds.yaml}";
    let o = run_with_files("orphan-ds", &[("ds.yaml", ds)], &scenario("[]", timeline));
    assert_eq!(o.store.pods.len(), 2, "one per node, made once");
    assert_eq!(object_events(&o, "daemonset/agent", "SuccessfulCreate").len(), 2);
    let agent = o.store.find_daemon_set("default", "agent").unwrap();
    assert!(o.store.pods.iter().all(|p| p.owner == Some(PodOwner::DaemonSet(agent))));
    assert_eq!(running(&o), 2);
}

/// `--narrate` says who adopted and released which pod (Kubernetes records no event for
/// either: the ReplicaSet controller only logs them).
#[test]
fn narration_says_adopted_and_released() {
    let scenario = super::support::load_text(&scenario(
        &format!("{LONE}{}", replica_set(3)),
        "  - {at: 1m, run: kubectl label pod lone app-}",
    ));
    let o = kubesim::simulate_observed(&scenario, None, kubesim::Observe { narrate: true, ..Default::default() });
    let log = o.narration.as_ref().expect("narrated").log();
    assert!(log.contains("replicaset/web: adopts the orphan pod lone, whose labels its selector matches"), "{log}");
    assert!(log.contains("replicaset/web: releases pod lone, whose labels its selector no longer matches"), "{log}");
    assert!(events(&o, "SuccessfulCreate").iter().all(|e| !e.message.contains("lone")));
}

/// The test cluster with images that finish: `work:1` exits 0 after 30s, `long:1` after 3m.
fn finishing_scenario(duration: &str, objects: &str, timeline: &str) -> String {
    format!(
        "duration: {duration}
cluster:
  nodes:
    - {{name: worker, count: 2, capacity: {{cpu: '4', memory: 8Gi, pods: 110}}}}
images:
  work:1: {{pull: 1s, start: 0s, runFor: 30s}}
  long:1: {{pull: 1s, start: 0s, runFor: 3m}}
objects: {objects}
timeline:
{timeline}"
    )
}

const AGENT_DS: &str = "
  - apiVersion: apps/v1
    kind: DaemonSet
    metadata: {name: agent}
    spec:
      selector: {matchLabels: {app: agent}}
      template:
        metadata: {labels: {app: agent}}
        spec:
          containers: [{name: agent, image: 'nginx:1.25'}]";

fn node_of(o: &Outcome, pod: &kubesim::model::store::Pod) -> String {
    o.store.nodes()[pod.node.expect("bound")].name.clone()
}

/// daemon_controller.go `getDaemonPods` → `ClaimPods` → `ReleasePod`: the agent pod on
/// worker-1 relabelled out of the selector is released, keeps running there without
/// owner, and the DaemonSet makes a new pod for worker-1 (`podsShouldBeOnNode`: the node
/// has no daemon pod).
#[test]
fn a_daemon_pod_relabelled_out_of_its_daemon_set_is_released_and_its_node_gets_a_new_one() {
    // The pod names come from the run's seed: find the one on worker-1 first.
    let first = run_text(&finishing_scenario("4m", AGENT_DS, "  []"));
    let on_worker_1 = live_pods(&first).into_iter().find(|p| node_of(&first, p) == "worker-1").unwrap().name.clone();
    let o = run_text(&finishing_scenario(
        "4m",
        AGENT_DS,
        &format!("  - {{at: 1m, run: kubectl label pod {on_worker_1} app=released --overwrite}}"),
    ));
    let agent = o.store.find_daemon_set("default", "agent").unwrap();
    assert_eq!(pod_owner(&o, &on_worker_1), None, "released");
    let released = &o.store.pods[o.store.find_pod("default", &on_worker_1).unwrap()];
    assert_eq!((released.phase, node_of(&o, released).as_str()), (PodPhase::Running, "worker-1"), "keeps running");
    let owned: Vec<String> = live_pods(&o)
        .into_iter()
        .filter(|p| p.owner == Some(PodOwner::DaemonSet(agent)))
        .map(|p| node_of(&o, p))
        .collect();
    assert_eq!(owned.len(), 2, "one daemon pod per node again");
    assert!(owned.contains(&"worker-1".to_string()) && owned.contains(&"worker-2".to_string()));
    assert_eq!(object_events(&o, "daemonset/agent", "SuccessfulCreate").len(), 3, "two, then worker-1's new pod");
    assert_eq!(running(&o), 3);
    assert!(events(&o, "SuccessfulDelete").is_empty(), "the released pod is not deleted");
}

/// `ClaimPods`' adopt check: "Ignore if the object is being deleted". A bare agent pod on
/// each node deleted with a long grace period just before the DaemonSet is created is not
/// adopted: the DaemonSet makes its own pod on both nodes.
#[test]
fn a_daemon_set_does_not_adopt_a_pod_being_deleted() {
    let bare = |node: &str| {
        format!(
            "
  - apiVersion: v1
    kind: Pod
    metadata: {{name: old-{node}, labels: {{app: agent}}}}
    spec:
      nodeName: {node}
      terminationGracePeriodSeconds: 120
      containers: [{{name: agent, image: 'nginx:1.25'}}]"
        )
    };
    let ds = "apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers: [{name: agent, image: 'nginx:1.25'}]
";
    let timeline = "  - {at: 1m, run: kubectl delete pod old-worker-1 old-worker-2 --wait=false}
  - {at: 70s, run: kubectl create -f ds.yaml}";
    let objects = format!("{}{}", bare("worker-1"), bare("worker-2"));
    let o = run_with_files("deleting-ds", &[("ds.yaml", ds)], &finishing_scenario("4m", &objects, timeline));
    assert_eq!(object_events(&o, "daemonset/agent", "SuccessfulCreate").len(), 2, "a pod of its own on each node");
    assert_eq!(o.store.find_pod("default", "old-worker-1"), None, "gone, never adopted");
}

const WEB_SET: &str = "apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  replicas: 3
  serviceName: web
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: db, image: 'nginx:1.25'}]
";

/// stateful_set.go `getPodsForStatefulSet` → `ClaimPods` → `ReleasePod`: web-0 relabelled
/// out of the selector is released and keeps running; the set's re-creation of web-0 meets
/// AlreadyExists (the released pod keeps the name), which stateful_pod_control.go
/// `CreateStatefulPod` sinks without an event, and is retried on the set's back-off. Once
/// the released pod is deleted, the retry creates web-0 again.
#[test]
fn a_stateful_pod_relabelled_out_of_its_set_is_released_and_its_name_made_again_once_free() {
    let timeline = "  - {at: 0s, run: kubectl create -f set.yaml}
  - {at: 1m, run: kubectl label pod web-0 app=released --overwrite}";
    let o = run_with_files("relabel-set", &[("set.yaml", WEB_SET)], &scenario("[]", timeline));
    assert_eq!(pod_owner(&o, "web-0"), None, "released");
    let names: Vec<&str> = o.store.pods.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["web-0", "web-1", "web-2"], "no second web-0 while the released one exists");
    assert_eq!(running(&o), 3, "the released pod keeps running beside web-1 and web-2");
    assert!(events(&o, "FailedCreate").is_empty(), "AlreadyExists is sunk without an event");
    let web = o.store.find_stateful_set("default", "web").unwrap();
    assert_eq!(o.store.stateful_sets[web].pods.len(), 2);

    let timeline = format!("{timeline}\n  - {{at: 90s, run: kubectl delete pod web-0}}");
    let o = run_with_files(
        "relabel-set-delete",
        &[("set.yaml", WEB_SET)],
        &scenario("[]", &timeline).replace("duration: 4m", "duration: 6m"),
    );
    let web = o.store.find_stateful_set("default", "web").unwrap();
    let web0 = o.store.find_pod("default", "web-0").expect("made again");
    assert_eq!(o.store.pods[web0].owner, Some(PodOwner::StatefulSet(web)));
    let created: Vec<f64> = object_events(&o, "statefulset/web", "SuccessfulCreate")
        .iter()
        .filter(|e| e.message == "create Pod web-0 in StatefulSet web successful")
        .map(|e| super::support::secs(e.time))
        .collect();
    assert_eq!(created.len(), 2, "{created:?}");
    let gone =
        super::support::secs(o.store.pods[kubesim::model::store::PodId(0)].deleted.expect("the released pod is gone"));
    assert!(gone > 90.0 && created[1] >= gone, "only once the released pod is gone ({gone}s): {created:?}");
    assert_eq!(running(&o), 3);
}

/// A StatefulSet claims finished pods too (`getPodsForStatefulSet` lists every pod): a bare
/// `web-0` that has completed is adopted (`isMemberOf`), and the set replaces it as it does a
/// failed or succeeded pod of its own (stateful_set_control.go: `isFailed || isSucceeded` →
/// delete, then create).
#[test]
fn a_stateful_set_adopts_a_finished_pod_of_its_name_and_replaces_it() {
    let bare = "
  - apiVersion: v1
    kind: Pod
    metadata: {name: web-0, labels: {app: web}}
    spec:
      restartPolicy: Never
      containers: [{name: db, image: 'work:1'}]";
    let set = WEB_SET.replace("replicas: 3", "replicas: 1").replace("'nginx:1.25'", "'long:1'");
    let timeline = "  - {at: 1m, run: kubectl create -f set.yaml}";
    let o = run_with_files("finished-set", &[("set.yaml", &set)], &finishing_scenario("4m", bare, timeline));
    let deleted = object_events(&o, "statefulset/web", "SuccessfulDelete");
    assert_eq!(deleted.len(), 1, "the adopted finished web-0 is deleted");
    assert!(deleted[0].message.contains("web-0"));
    let created = object_events(&o, "statefulset/web", "SuccessfulCreate");
    assert_eq!(created.len(), 1, "then made again");
    let web = o.store.find_stateful_set("default", "web").unwrap();
    assert_eq!(pod_owner(&o, "web-0"), Some(PodOwner::StatefulSet(web)));
}

/// A Job with `manualSelector: true` (job_controller.go `getPodsForJob` → `ClaimPods`) adopts
/// the finished orphan its selector matches and counts its success: of two completions, one
/// is the bare pod's, so the Job creates one pod.
#[test]
fn a_job_with_manual_selector_adopts_a_finished_orphan_and_counts_its_success() {
    let bare = "
  - apiVersion: v1
    kind: Pod
    metadata: {name: early, labels: {app: batch}}
    spec:
      restartPolicy: Never
      containers: [{name: work, image: 'work:1'}]";
    let job = "apiVersion: batch/v1
kind: Job
metadata: {name: crunch}
spec:
  completions: 2
  manualSelector: true
  selector: {matchLabels: {app: batch}}
  template:
    metadata: {labels: {app: batch}}
    spec:
      restartPolicy: Never
      containers: [{name: work, image: 'work:1'}]
";
    let timeline = "  - {at: 1m, run: kubectl create -f job.yaml}";
    let o = run_with_files("manual-job", &[("job.yaml", job)], &finishing_scenario("4m", bare, timeline));
    let crunch = o.store.find_job("default", "crunch").unwrap();
    assert_eq!(pod_owner(&o, "early"), Some(PodOwner::Job(crunch)));
    assert_eq!(object_events(&o, "job/crunch", "SuccessfulCreate").len(), 1, "one pod for the second completion");
    assert_eq!(o.store.jobs[crunch].status.succeeded, 2);
    assert_eq!(object_events(&o, "job/crunch", "Completed").len(), 1);
}

/// Without `manualSelector` the API server generates the selector
/// (strategy.go `generateSelector`): the pods carry `controller-uid` and
/// `batch.kubernetes.io/controller-uid` = the Job's UID and the job-name labels, the Job
/// selects the UID, and a bare pod with the template's labels is not adopted.
#[test]
fn a_job_selects_its_generated_controller_uid_and_adopts_no_bare_pod() {
    let bare = "
  - apiVersion: v1
    kind: Pod
    metadata: {name: early, labels: {app: batch}}
    spec:
      restartPolicy: Never
      containers: [{name: work, image: 'work:1'}]
  - apiVersion: batch/v1
    kind: Job
    metadata: {name: crunch}
    spec:
      template:
        metadata: {labels: {app: batch}}
        spec:
          restartPolicy: Never
          containers: [{name: work, image: 'work:1'}]";
    let o = run_text(&finishing_scenario("2m", bare, "  - {at: 1m, run: kubectl get jobs -o wide}"));
    let crunch = o.store.find_job("default", "crunch").unwrap();
    let job = &o.store.jobs[crunch];
    assert_eq!(pod_owner(&o, "early"), None);
    let uid = &job.uid;
    assert_eq!(job.selector.match_labels.get("batch.kubernetes.io/controller-uid"), Some(uid));
    let pod = o.store.pods.iter().find(|p| p.owner == Some(PodOwner::Job(crunch))).unwrap();
    for (k, v) in [
        ("batch.kubernetes.io/controller-uid", uid.as_str()),
        ("controller-uid", uid.as_str()),
        ("batch.kubernetes.io/job-name", "crunch"),
        ("job-name", "crunch"),
        ("app", "batch"),
    ] {
        assert_eq!(pod.labels.get(k).map(String::as_str), Some(v), "{k}");
    }
    let log = o.kubectl_log.as_deref().unwrap_or_default();
    assert!(log.contains(&format!("batch.kubernetes.io/controller-uid={uid}")), "{log}");
}

/// A Job's pod relabelled out of its selector is released (`ClaimPods` → `ReleasePod`, which
/// also removes the tracking finalizer): it keeps running without owner and its success is
/// not counted; the Job creates a replacement and completes with it.
#[test]
fn a_job_pod_relabelled_out_of_its_selector_is_released_and_replaced() {
    let job = "
  - apiVersion: batch/v1
    kind: Job
    metadata: {name: crunch}
    spec:
      manualSelector: true
      selector: {matchLabels: {app: batch}}
      template:
        metadata: {labels: {app: batch}}
        spec:
          restartPolicy: Never
          containers: [{name: work, image: 'long:1'}]";
    let o = run_text(&finishing_scenario(
        "8m",
        job,
        "  - {at: 1m, run: kubectl label pods -l app=batch app=released --overwrite}",
    ));
    let crunch = o.store.find_job("default", "crunch").unwrap();
    let released: Vec<_> =
        o.store.pods.iter().filter(|p| p.labels.get("app").map(String::as_str) == Some("released")).collect();
    assert_eq!(released.len(), 1);
    assert_eq!(released[0].owner, None);
    assert_eq!(released[0].phase, PodPhase::Succeeded, "it ran to its end without owner");
    assert_eq!(object_events(&o, "job/crunch", "SuccessfulCreate").len(), 2, "the first pod, then its replacement");
    assert_eq!(o.store.jobs[crunch].status.succeeded, 1, "the released pod's success is not the Job's");
    assert_eq!(object_events(&o, "job/crunch", "Completed").len(), 1);
}

/// The API server's validation of a Job's selector (validation.go `ValidateJobSpec`,
/// `ValidateGeneratedSelector`).
#[test]
fn a_job_selector_is_validated_as_the_api_server_does() {
    let job = |spec: &str| {
        format!(
            "duration: 1m
cluster: {{nodes: [{{name: worker, count: 1}}]}}
objects:
  - apiVersion: batch/v1
    kind: Job
    metadata: {{name: crunch}}
    spec:
{spec}
      template:
        metadata: {{labels: {{app: batch}}}}
        spec:
          restartPolicy: Never
          containers: [{{name: work, image: 'nginx:1.25'}}]
"
        )
    };
    let first_error = |text: &str| match kubesim::load_str(std::path::Path::new("inline.yaml"), text, &[]) {
        Ok(_) => panic!("should be refused"),
        Err(d) => d.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n"),
    };
    let e = first_error(&job("      manualSelector: true"));
    assert!(e.contains("spec.selector: Required value"), "{e}");
    let e = first_error(&job("      manualSelector: true\n      selector: {matchLabels: {app: other}}"));
    assert!(e.contains("spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"batch\"}: `selector` does not match template `labels`"), "{e}");
    let e = first_error(&job("      selector: {matchLabels: {app: batch}}"));
    assert!(e.contains("spec.selector: Invalid value: `selector` not auto-generated"), "{e}");
    assert!(e.contains("inline.yaml:"), "names the file: {e}");
    // A selector of the generated labels is accepted without manualSelector.
    super::support::load_text(&job("      selector: {matchLabels: {job-name: crunch}}"));
}
