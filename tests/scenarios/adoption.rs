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
