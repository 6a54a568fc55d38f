//! PersistentVolumeClaims, PersistentVolumes and StorageClasses as scheduling and the kubelet
//! see them: claims bound by the PV controller (pkg/controller/volume/persistentvolume
//! pv_controller.go `syncUnboundClaim`), volumes provisioned after the class's provisioning
//! time, WaitForFirstConsumer waiting for the scheduler's node, the VolumeBinding plugin's
//! words (pkg/scheduler/framework/plugins/volumebinding), and a StatefulSet's claims per
//! ordinal kept after a scale-down (pkg/controller/statefulset stateful_pod_control.go).

use crate::support::{object_events, run_text, secs};
use kubesim::model::store::Pod;
use kubesim::sim::Outcome;

fn scenario(storage: &str, objects: &str, timeline: &str) -> String {
    format!(
        "duration: 3m
cluster:
  nodes:
    - {{name: worker, count: 2, capacity: {{cpu: '4', memory: 8Gi}}}}
  storage: {storage}
images:
  'nginx:1.25': {{pull: 2s, start: 1s}}
objects:{objects}
timeline: {timeline}
"
    )
}

fn pod<'a>(o: &'a Outcome, name: &str) -> &'a Pod {
    o.store.pods.iter().rev().find(|p| p.name == name).unwrap_or_else(|| panic!("pod {name}"))
}

fn claim_phase(o: &Outcome, name: &str) -> Option<&'static str> {
    let key = kubesim::model::store::namespaced_key("default", name);
    o.store.claims.find(&key).map(|c| o.store.claims[c].phase())
}

/// A pod that mounts `claim` at `/data`.
fn claim_pod(name: &str, claim: &str) -> String {
    format!(
        "
  - apiVersion: v1
    kind: Pod
    metadata: {{name: {name}}}
    spec:
      containers: [{{name: app, image: 'nginx:1.25'}}]
      volumes: [{{name: data, persistentVolumeClaim: {{claimName: {claim}}}}}]"
    )
}

fn claim(name: &str, class: &str, size: &str) -> String {
    format!(
        "
  - apiVersion: v1
    kind: PersistentVolumeClaim
    metadata: {{name: {name}}}
    spec: {{storageClassName: {class}, accessModes: [ReadWriteOnce], resources: {{requests: {{storage: {size}}}}}}}"
    )
}

const STATEFUL_SET: &str = "
  - apiVersion: apps/v1
    kind: StatefulSet
    metadata: {name: web}
    spec:
      replicas: 3
      serviceName: web
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec: {containers: [{name: nginx, image: 'nginx:1.25'}]}
      volumeClaimTemplates:
        - metadata: {name: www}
          spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}";

#[test]
fn a_statefulset_gets_a_claim_per_ordinal_provisioned_before_its_pod_starts_and_kept_after_scale_down() {
    let o = run_text(&scenario(
        "{provisioningTime: 20s}",
        STATEFUL_SET,
        "[{at: 2m, run: kubectl scale statefulset web --replicas=1}]",
    ));
    // Claims `TEMPLATE-SET-ORDINAL`, made with their pod, in order.
    let created = object_events(&o, "statefulset/web", "SuccessfulCreate");
    let messages: Vec<&str> = created.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(messages[0], "create Claim www-web-0 Pod web-0 in StatefulSet web success");
    assert_eq!(messages[1], "create Pod web-0 in StatefulSet web successful");
    for ordinal in 0..3 {
        let p = pod(&o, &format!("web-{ordinal}"));
        assert_eq!(p.spec.claims, [format!("www-web-{ordinal}")]);
        let (scheduled, started) = (p.scheduled.expect("scheduled"), p.started.expect("started"));
        // The built-in `standard` class waits for the first consumer, then provisions for
        // 20s; only then does the kubelet mount the volume and start the container.
        assert!(secs(started) - secs(scheduled) >= 20.0, "web-{ordinal}: {scheduled:?} -> {started:?}");
        let provisioned =
            object_events(&o, &format!("persistentvolumeclaim/www-web-{ordinal}"), "ProvisioningSucceeded");
        assert_eq!(provisioned.len(), 1);
        assert!((secs(provisioned[0].time) - secs(scheduled) - 20.0).abs() < 1e-9);
    }
    let waiting = object_events(&o, "persistentvolumeclaim/www-web-0", "WaitForFirstConsumer");
    assert_eq!(waiting[0].message, "waiting for first consumer to be created before binding");
    // Scaled to 1: the pods go, their claims stay Bound (whenScaled: Retain, the default).
    assert!(pod(&o, "web-2").is_gone() && pod(&o, "web-1").is_gone());
    for ordinal in 0..3 {
        assert_eq!(claim_phase(&o, &format!("www-web-{ordinal}")), Some("Bound"));
    }
    let retention = STATEFUL_SET.replace(
        "      volumeClaimTemplates:",
        "      persistentVolumeClaimRetentionPolicy: {whenScaled: Delete}\n      volumeClaimTemplates:",
    );
    let o = run_text(&scenario("{}", &retention, "[{at: 2m, run: kubectl scale statefulset web --replicas=1}]"));
    assert_eq!(claim_phase(&o, "www-web-0"), Some("Bound"));
    assert_eq!((claim_phase(&o, "www-web-1"), claim_phase(&o, "www-web-2")), (None, None), "deleted with their pods");
}

#[test]
fn kubectl_get_pvc_pv_and_storageclass_print_kubectls_columns() {
    let o = run_text(&scenario(
        "{}",
        STATEFUL_SET,
        "[{at: 1m, run: kubectl get pvc}, {at: 1m, run: kubectl get pv}, {at: 1m, run: kubectl get sc}]",
    ));
    let log = o.kubectl_log.expect("kubectl.log");
    let section = |header: &str| -> String {
        let header = format!("{header}\n");
        let start = log.find(&header).unwrap_or_else(|| panic!("{header} in {log}")) + header.len();
        log[start..].split("# t=").next().unwrap_or("").to_string()
    };
    let pvc = section("$ kubectl get pvc");
    let head: Vec<&str> = pvc.lines().next().expect("header").split_whitespace().collect();
    assert_eq!(
        head,
        ["NAME", "STATUS", "VOLUME", "CAPACITY", "ACCESS", "MODES", "STORAGECLASS", "VOLUMEATTRIBUTESCLASS", "AGE"]
    );
    let row: Vec<&str> = pvc.lines().nth(1).expect("www-web-0").split_whitespace().collect();
    assert_eq!(
        (row[0], row[1], row[3], row[4], row[5], row[6]),
        ("www-web-0", "Bound", "1Gi", "RWO", "standard", "<unset>")
    );
    assert!(row[2].starts_with("pvc-"), "{pvc}");
    let pv = section("$ kubectl get pv");
    assert!(
        pv.lines()
            .nth(1)
            .is_some_and(|l| l.contains("1Gi        RWO            Delete           Bound    default/www-web-")),
        "{pv}"
    );
    let sc = section("$ kubectl get sc");
    assert_eq!(
        sc,
        "NAME                 PROVISIONER            RECLAIMPOLICY   VOLUMEBINDINGMODE      ALLOWVOLUMEEXPANSION   AGE\nstandard (default)   kubesim.io/simulated   Delete          WaitForFirstConsumer   false                  60s\n"
    );
}

#[test]
fn a_pod_whose_claim_does_not_exist_waits_until_it_is_created() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("claim.yaml");
    let manifest = "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data}\n\
                    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}\n";
    std::fs::write(&file, manifest).expect("write the claim");
    let timeline = format!("[{{at: 1m, run: kubectl apply -f {}}}]", file.display());
    let o = run_text(&scenario("{}", &claim_pod("app", "data"), &timeline));
    let failed = object_events(&o, "pod/app", "FailedScheduling");
    assert_eq!(
        failed[0].message,
        "0/2 nodes are available: persistentvolumeclaim \"data\" not found. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling."
    );
    // Made at 1m: the scheduler tries again, the claim is provisioned for the pod's node
    // (5s, the default provisioning time), and the pod starts.
    let p = pod(&o, "app");
    let scheduled = secs(p.scheduled.expect("scheduled once the claim exists"));
    assert!((60.0..61.0).contains(&scheduled), "{scheduled}");
    assert!(secs(p.started.expect("started")) >= scheduled + 5.0);
    assert_eq!(claim_phase(&o, "data"), Some("Bound"));
}

#[test]
fn an_immediate_claim_binds_before_scheduling_and_a_missing_class_is_the_provisioners_error() {
    let objects = format!(
        "
  - apiVersion: storage.k8s.io/v1
    kind: StorageClass
    metadata: {{name: fast}}
    provisioner: ebs.csi.aws.com
    volumeBindingMode: Immediate{}{}{}{}",
        claim("data", "fast", "5Gi"),
        claim_pod("app", "data"),
        claim("lost", "nope", "1Gi"),
        claim_pod("stuck", "lost")
    );
    let o = run_text(&scenario("{classes: {fast: {provisioningTime: 30s}}}", &objects, "[]"));
    // Immediate: provisioned at once, for 30s; the pod is unschedulable until then.
    let p = pod(&o, "app");
    assert!((secs(p.scheduled.expect("scheduled")) - 30.0).abs() < 0.1, "{:?}", p.scheduled);
    let app_failed = object_events(&o, "pod/app", "FailedScheduling");
    assert!(app_failed[0]
        .message
        .starts_with("0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims."));
    let provisioning = object_events(&o, "persistentvolumeclaim/data", "Provisioning");
    assert_eq!(provisioning[0].message, "External provisioner is provisioning volume for claim \"default/data\"");
    assert_eq!(claim_phase(&o, "data"), Some("Bound"));
    // A class that does not exist: the claim stays Pending, and so does its pod.
    let lost = object_events(&o, "persistentvolumeclaim/lost", "ProvisioningFailed");
    assert_eq!(lost[0].message, "storageclass.storage.k8s.io \"nope\" not found");
    assert_eq!(claim_phase(&o, "lost"), Some("Pending"));
    assert!(pod(&o, "stuck").scheduled.is_none());
}

#[test]
fn a_local_volume_takes_its_pod_to_its_node_and_a_claim_with_no_volume_left_is_unschedulable() {
    // A class without a provisioner, WaitForFirstConsumer, and one local volume on worker-2:
    // the first pod can only go there; the second finds no volume on any node.
    let objects = format!(
        "
  - apiVersion: storage.k8s.io/v1
    kind: StorageClass
    metadata: {{name: local}}
    provisioner: kubernetes.io/no-provisioner
    volumeBindingMode: WaitForFirstConsumer
  - apiVersion: v1
    kind: PersistentVolume
    metadata: {{name: disk-2}}
    spec:
      capacity: {{storage: 10Gi}}
      accessModes: [ReadWriteOnce]
      storageClassName: local
      local: {{path: /mnt/disk}}
      nodeAffinity:
        required:
          nodeSelectorTerms:
            - matchExpressions: [{{key: kubernetes.io/hostname, operator: In, values: [worker-2]}}]{}{}{}{}",
        claim("first", "local", "5Gi"),
        claim_pod("first", "first"),
        claim("second", "local", "5Gi"),
        claim_pod("second", "second")
    );
    let o = run_text(&scenario("{}", &objects, "[]"));
    let bound: Vec<&Pod> = ["first", "second"].iter().map(|n| pod(&o, n)).filter(|p| p.node.is_some()).collect();
    assert_eq!(bound.len(), 1, "one volume, one pod");
    assert_eq!(o.store.nodes()[bound[0].node.expect("a node")].name, "worker-2");
    let waiting = if bound[0].name == "first" { "second" } else { "first" };
    let failed = object_events(&o, &format!("pod/{waiting}"), "FailedScheduling");
    assert!(
        failed.last().is_some_and(|e| e
            .message
            .starts_with("0/2 nodes are available: 2 node(s) didn't find available persistent volumes to bind.")),
        "{failed:?}"
    );
    assert_eq!(o.store.volumes[o.store.volumes.find(&"disk-2".to_string()).expect("the volume")].phase(), "Bound");
}
