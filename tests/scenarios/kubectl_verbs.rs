//! The kubectl lines that change the cluster, as introductions teach them (issue 19): each
//! one's effect as a user would check it with `kubectl get`, and kubectl's errors.

use super::support::{events, run_text};
use kubesim::model::store::PodPhase;
use kubesim::sim::Outcome;
use std::path::Path;

/// A two-node cluster with the timeline `timeline` (lines `  - {at: .., run: ..}`) and
/// `objects` (a YAML list, may be `[]`).
fn scenario(objects: &str, timeline: &str) -> String {
    format!(
        "duration: 5m
cluster:
  nodes:
    - {{name: worker, count: 2, capacity: {{cpu: '4', memory: 8Gi, pods: 110}}}}
objects: {objects}
timeline:
{timeline}"
    )
}

/// The live (not deleted) pods, by name.
fn live_pods(o: &Outcome) -> Vec<&kubesim::model::store::Pod> {
    o.store.pods.iter().filter(|p| !p.is_gone()).collect()
}

fn kubectl_errors(o: &Outcome) -> Vec<String> {
    events(o, "KubectlError").iter().map(|e| e.message.clone()).collect()
}

/// The load errors of a scenario, as text.
fn load_errors(text: &str) -> String {
    match kubesim::load_str(Path::new("inline.yaml"), text, &[]) {
        Ok(_) => panic!("should not load"),
        Err(d) => d.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n"),
    }
}

#[test]
fn kubectl_run_makes_one_running_pod_labelled_run() {
    let o = run_text(&scenario("[]", "  - {at: 10s, run: kubectl run nginx --image=nginx}"));
    let pods = live_pods(&o);
    assert_eq!(pods.len(), 1);
    let p = pods[0];
    assert_eq!(p.name, "nginx");
    assert_eq!(p.labels.get("run").map(String::as_str), Some("nginx"));
    assert_eq!(p.phase, PodPhase::Running);
    assert_eq!(p.spec.containers[0].name, "nginx");
    assert!(p.owner.is_none(), "a bare pod");
    assert!(kubectl_errors(&o).is_empty());
}

#[test]
fn a_deployment_line_for_a_pod_that_kubectl_run_made_is_not_found_and_says_why() {
    let text = scenario(
        "[]",
        "  - {at: 10s, run: kubectl run nginx --image=nginx}\n  - {at: 20s, run: kubectl scale deployment nginx --replicas=3}",
    );
    let e = load_errors(&text);
    assert!(e.contains("Error from server (NotFound): deployments.apps \"nginx\" not found"), "{e}");
    assert!(e.contains("`kubectl run` creates a pod (pod/nginx), not a deployment"), "{e}");
}

#[test]
fn kubectl_create_deployment_makes_a_deployment_labelled_app() {
    let o = run_text(&scenario(
        "[]",
        "  - {at: 10s, run: kubectl create deployment hello-world --image=k8s.gcr.io/echoserver:1.4 --replicas=2 --port=8080}",
    ));
    let pods = live_pods(&o);
    assert_eq!(pods.len(), 2);
    for p in pods {
        assert!(p.name.starts_with("hello-world-"), "{}", p.name);
        assert_eq!(p.labels.get("app").map(String::as_str), Some("hello-world"));
        assert_eq!(p.spec.containers[0].name, "echoserver");
        assert_eq!(p.phase, PodPhase::Running);
    }
    assert!(o.store.find_deployment("default", "hello-world").is_some());
}

#[test]
fn create_job_namespace_service_configmap_secret_and_cronjob() {
    let timeline = "  - {at: 5s, run: kubectl create namespace staging}
  - {at: 10s, run: 'kubectl create job pi -n staging --image=perl:5.34.0 -- perl -Mbignum=bpi -wle \"print bpi(2000)\"'}
  - {at: 10s, run: kubectl create service clusterip web --tcp=80:8080}
  - {at: 10s, run: kubectl create configmap cfg --from-literal=a=1}
  - {at: 10s, run: kubectl create secret generic pw --from-literal=password=x}
  - {at: 10s, run: 'kubectl create cronjob hello --image=busybox:1.28 --schedule=\"*/1 * * * *\" -- echo hello'}";
    let text = scenario("[]", timeline);
    let loaded = kubesim::load_str(Path::new("inline.yaml"), &text, &[]).unwrap();
    let warnings: Vec<String> = loaded.warnings.iter().map(|d| d.to_string()).collect();
    assert!(!warnings.iter().any(|w| w.contains("CronJob")), "CronJobs are simulated: {warnings:?}");
    let o = kubesim::simulate(&loaded.scenario, None);
    assert!(kubectl_errors(&o).is_empty(), "{:?}", kubectl_errors(&o));
    assert!(o.store.namespaces.contains("staging"));
    let job = o.store.find_job("staging", "pi").expect("the job");
    assert!(!o.store.jobs[job].pods.is_empty());
    let pi: Vec<_> = o.store.pods.iter().filter(|p| p.namespace == "staging").collect();
    assert!(pi.iter().all(|p| p.spec.containers[0].name == "pi"));
}

#[test]
fn a_verb_that_needs_a_process_or_a_socket_is_refused_with_the_reason() {
    for (line, why) in [
        ("kubectl port-forward svc/web 8080:80", "no network sockets"),
        ("kubectl proxy", "no network sockets"),
        ("kubectl exec web -- ls", "no processes"),
        ("kubectl logs web", "no processes"),
        ("kubectl cp web:/a b", "file systems"),
        ("kubectl attach web", "no processes"),
    ] {
        let e = load_errors(&scenario("[]", &format!("  - {{at: 10s, run: '{line}'}}")));
        assert!(e.contains("cannot run in a simulation") && e.contains(why), "{line}: {e}");
    }
}

/// A Deployment `web` of `replicas` nginx pods, as a YAML list for `scenario`.
fn web(replicas: u32) -> String {
    format!(
        "
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {{name: web, labels: {{app: web}}}}
    spec:
      replicas: {replicas}
      selector: {{matchLabels: {{app: web}}}}
      template:
        metadata: {{labels: {{app: web}}}}
        spec:
          containers: [{{name: nginx, image: 'nginx:1.25'}}]"
    )
}

#[test]
fn delete_deployment_all_leaves_no_deployment_replicaset_or_pod() {
    let o = run_text(&scenario(&web(3), "  - {at: 1m, run: kubectl delete deployment --all}"));
    assert!(o.store.find_deployment("default", "web").is_none());
    assert!(o.store.replica_sets.iter().all(|r| r.deleted));
    assert!(live_pods(&o).is_empty(), "{:?}", live_pods(&o).iter().map(|p| &p.name).collect::<Vec<_>>());
    assert!(kubectl_errors(&o).is_empty());
}

#[test]
fn delete_pods_by_label_and_the_replicaset_replaces_them() {
    let o = run_text(&scenario(&web(2), "  - {at: 1m, run: kubectl delete pods -l app=web --now}"));
    let pods = live_pods(&o);
    assert_eq!(pods.len(), 2, "replaced");
    assert!(pods.iter().all(|p| p.created.as_secs_f64() >= 60.0));
}

#[test]
fn delete_with_cascade_orphan_leaves_the_pods_running_without_owner() {
    let o = run_text(&scenario(&web(2), "  - {at: 1m, run: kubectl delete deployment web --cascade=orphan}"));
    assert!(o.store.find_deployment("default", "web").is_none());
    let rs: Vec<_> = o.store.replica_sets.iter().filter(|r| !r.deleted).collect();
    assert_eq!(rs.len(), 1, "the ReplicaSet stays");
    assert!(rs[0].owner.is_none());
    assert_eq!(live_pods(&o).iter().filter(|p| p.phase == PodPhase::Running).count(), 2);
}

#[test]
fn delete_force_with_grace_period_zero_kills_at_once() {
    let objects = "
  - apiVersion: v1
    kind: Pod
    metadata: {name: slow}
    spec:
      terminationGracePeriodSeconds: 600
      containers: [{name: app, image: 'slow:1'}]";
    let text = format!(
        "images:\n  slow:1: {{stop: 10m}}\n{}",
        scenario(objects, "  - {at: 1m, run: kubectl delete pod slow --grace-period=0 --force}")
    );
    let o = run_text(&text);
    let p = o.store.pods.iter().find(|p| p.name == "slow").unwrap();
    let gone = p.deleted.expect("deleted").as_secs_f64();
    assert!(gone < 62.0, "gone at {gone}s");
}

#[test]
fn scale_with_a_current_replicas_that_does_not_hold_is_kubectl_s_error() {
    let o = run_text(&scenario(
        &web(4),
        "  - {at: 1m, run: kubectl scale --current-replicas=3 --replicas=5 deployment/web}",
    ));
    let errors = kubectl_errors(&o);
    assert_eq!(errors.len(), 1);
    assert!(errors[0].ends_with("error: Expected replicas to be 3, was 4"), "{}", errors[0]);
    assert_eq!(live_pods(&o).len(), 4);
    let o = run_text(&scenario(
        &web(4),
        "  - {at: 1m, run: kubectl scale --current-replicas=4 --replicas=5 deployment/web}",
    ));
    assert!(kubectl_errors(&o).is_empty());
    assert_eq!(live_pods(&o).len(), 5);
}

#[test]
fn scale_all_and_by_label() {
    let o = run_text(&scenario(&web(1), "  - {at: 1m, run: kubectl scale deployment --all --replicas=3}"));
    assert_eq!(live_pods(&o).len(), 3);
    let o = run_text(&scenario(&web(1), "  - {at: 1m, run: kubectl scale deploy -l app=web --replicas=2}"));
    assert_eq!(live_pods(&o).len(), 2);
}

#[test]
fn label_a_pod_and_the_service_that_selects_the_new_label_gets_it_as_endpoint() {
    let objects = "
  - {apiVersion: v1, kind: Pod, metadata: {name: myapp-pod, labels: {app: myapp}}, spec: {containers: [{name: app, image: 'nginx:1.25'}]}}
  - {apiVersion: v1, kind: Service, metadata: {name: front}, spec: {selector: {tier: frontend}, ports: [{port: 80}]}}";
    let o = run_text(&scenario(objects, "  - {at: 1m, run: kubectl label pods myapp-pod tier=frontend}"));
    let p = live_pods(&o).into_iter().find(|p| p.name == "myapp-pod").unwrap();
    assert_eq!(p.labels.get("tier").map(String::as_str), Some("frontend"));
    assert!(kubectl_errors(&o).is_empty());
    let e = load_errors(&scenario(
        objects,
        "  - {at: 1m, run: kubectl label pods myapp-pod tier=frontend}\n  - {at: 2m, run: kubectl label pods myapp-pod tier=backend}",
    ));
    assert!(e.contains("error: 'tier' already has a value (frontend), and --overwrite is false"), "{e}");
    let o = run_text(&scenario(
        objects,
        "  - {at: 1m, run: kubectl label pods myapp-pod tier=frontend}\n  - {at: 2m, run: kubectl label pods myapp-pod tier=backend --overwrite}\n  - {at: 3m, run: kubectl label pod myapp-pod app-}",
    ));
    let p = live_pods(&o).into_iter().find(|p| p.name == "myapp-pod").unwrap();
    assert_eq!(p.labels.get("tier").map(String::as_str), Some("backend"));
    assert!(!p.labels.contains_key("app"));
}

#[test]
fn label_and_annotate_all_or_by_selector_reach_the_pods_controllers_made() {
    // kubectl label.go / annotate.go: `--all` and `-l` pick the kind's objects in the
    // namespace when the command runs; `--overwrite` is checked per object.
    let objects = format!(
        "{}
  - {{apiVersion: v1, kind: Service, metadata: {{name: front}}, spec: {{selector: {{tier: front}}, ports: [{{port: 80}}]}}}}",
        web(3)
    );
    let timeline = "  - {at: 1m, run: kubectl label pods --all tier=front}
  - {at: 2m, run: kubectl label pods -l app=web tier=back}
  - {at: 2m, run: kubectl annotate pods -l app=web controller.kubernetes.io/pod-deletion-cost=5}";
    let o = run_text(&scenario(&objects, timeline));
    let pods = live_pods(&o);
    assert_eq!(pods.len(), 3);
    assert!(pods.iter().all(|p| p.labels.get("tier").map(String::as_str) == Some("front")), "first label kept");
    assert!(pods.iter().all(|p| p.deletion_cost == 5), "annotated by selector");
    // The second label needed --overwrite: kubectl's error for each pod.
    let errors = kubectl_errors(&o);
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert!(
        errors.iter().all(|e| e.ends_with("'tier' already has a value (front), and --overwrite is false")),
        "{errors:?}"
    );
    let endpoints = crate::support::column(&o, "service/front/endpoints");
    assert_eq!(endpoints.last().and_then(|(_, v)| *v), Some(3.0), "the Service selects the labelled pods");
    let o = run_text(&scenario(&objects, "  - {at: 1m, run: kubectl label pods -l app=web tier=front}\n  - {at: 2m, run: kubectl label pods -l app=web tier=back --overwrite}"));
    assert!(live_pods(&o).iter().all(|p| p.labels.get("tier").map(String::as_str) == Some("back")));
    assert!(load_errors(&scenario(&objects, "  - {at: 1m, run: kubectl label pods web --all tier=x}"))
        .contains("name cannot be provided when a selector is specified"));
    assert!(load_errors(&scenario(&objects, "  - {at: 1m, run: kubectl label nodes --all tier=x}"))
        .contains("kubesim labels nodes one per line"));
}

#[test]
fn annotate_a_deployment_with_a_change_cause() {
    let o = run_text(&scenario(
        &web(1),
        "  - {at: 1m, run: 'kubectl annotate deployment web kubernetes.io/change-cause=\"image updated to 1.18\"'}",
    ));
    assert!(kubectl_errors(&o).is_empty());
}

/// The lines of shared/realworld/kubectl-lines.txt that change the cluster, each after the
/// objects it needs, with its effect checked; the files they name are written by the test.
#[test]
fn the_introductions_kubectl_lines_that_change_the_cluster() {
    let lines_file = crate::support::realworld().join("kubectl-lines.txt");
    let text = std::fs::read_to_string(&lines_file).expect("kubectl-lines.txt in the real-world folder");
    let lines: Vec<&str> = text.lines().filter(|l| l.starts_with("kubectl ")).collect();
    let dir = std::env::temp_dir().join(format!("kubesim-kubectl-lines-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: myapp-pod, labels: {app: myapp}}\nspec: {containers: [{name: app, image: 'nginx:1.25'}]}\n";
    let rs = |n: u32| {
        format!("apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {{name: myapp-replicaset}}\nspec:\n  replicas: {n}\n  selector: {{matchLabels: {{app: rs}}}}\n  template:\n    metadata: {{labels: {{app: rs}}}}\n    spec: {{containers: [{{name: app, image: 'nginx:1.25'}}]}}\n")
    };
    std::fs::write(dir.join("replicaset-definition.yml"), rs(3)).unwrap();
    std::fs::write(dir.join("pod-definition.yml"), pod).unwrap();
    let nginx = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: nginx-dep}\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: nginx}}\n  template:\n    metadata: {labels: {app: nginx}}\n    spec: {containers: [{name: nginx, image: 'nginx:1.25'}]}\n";
    std::fs::write(dir.join("nginx.yaml"), nginx).unwrap();
    // Each line in scope, the lines (or files) it needs before it, and its check.
    type Check = fn(&Outcome) -> bool;
    let cases: Vec<(&str, Vec<&str>, Check)> = vec![
        ("kubectl run nginx --image=nginx", vec![], |o| o.store.find_pod("default", "nginx").is_some()),
        ("kubectl run hello-minikube --image=k8s.gcr.io/echoserver:1.4 --port=8080", vec![], |o| {
            o.store.find_pod("default", "hello-minikube").is_some()
        }),
        ("kubectl create -f pod-definition.yml", vec![], |o| o.store.find_pod("default", "myapp-pod").is_some()),
        ("kubectl replace -f replicaset-definition.yml", vec!["kubectl create -f replicaset-definition.yml"], |o| {
            o.store.replica_sets.iter().any(|r| r.name == "myapp-replicaset" && !r.deleted)
        }),
        (
            "kubectl scale --replicas=6 -f replicaset-definition.yml",
            vec!["kubectl create -f replicaset-definition.yml"],
            |o| o.store.replica_sets.iter().any(|r| r.name == "myapp-replicaset" && r.replicas == 6),
        ),
        ("kubectl create deployment hello-world --image=k8s.gcr.io/echoserver:1.4", vec![], |o| {
            o.store.find_deployment("default", "hello-world").is_some()
        }),
        (
            "kubectl delete deployment hello-world",
            vec!["kubectl create deployment hello-world --image=k8s.gcr.io/echoserver:1.4"],
            |o| o.store.find_deployment("default", "hello-world").is_none(),
        ),
        ("kubectl delete deployment --all", vec!["kubectl create -f nginx.yaml"], |o| live_pods(o).is_empty()),
        ("kubectl delete pods --all", vec!["kubectl create -f pod-definition.yml"], |o| live_pods(o).is_empty()),
        ("kubectl delete service --all", vec![], |_| true),
        ("kubectl delete ingress --all", vec![], |_| true),
        ("kubectl run simple-server --image=simple-server:v1 --port=8080 --image-pull-policy=Never", vec![], |o| {
            o.store.find_pod("default", "simple-server").is_some()
        }),
        ("kubectl create deployment simple-server --image=simple-server:v1 --port=8080", vec![], |o| {
            o.store.find_deployment("default", "simple-server").is_some()
        }),
        ("kubectl label pods myapp-pod tier=frontend", vec!["kubectl create -f pod-definition.yml"], |o| {
            o.store.pods.iter().any(|p| p.name == "myapp-pod" && p.labels.get("tier").is_some_and(|v| v == "frontend"))
        }),
        (
            "kubectl annotate deployment nginx-dep kubernetes.io/change-cause=\"image updated to 1.18\"",
            vec!["kubectl create -f nginx.yaml"],
            |_| true,
        ),
        ("kubectl create job pi --image=perl:5.34.0 -- perl -Mbignum=bpi -wle \"print bpi(2000)\"", vec![], |o| {
            o.store.find_job("default", "pi").is_some()
        }),
        ("kubectl create cronjob hello --image=busybox:1.28 --schedule=\"*/1 * * * *\" -- echo hello", vec![], |o| {
            // A simulated CronJob: it has made a Job for a minute since.
            o.store.find_cron_job("default", "hello").is_some()
                && o.store.jobs.iter().any(|j| j.name.starts_with("hello-"))
        }),
        ("kubectl create namespace staging", vec![], |o| o.store.namespaces.contains("staging")),
        // After the patch the Deployment has 4 ready pods.
        (
            "kubectl patch deployment nginx-dep -p '{\"spec\":{\"replicas\":4}}'",
            vec!["kubectl create -f nginx.yaml"],
            |o| {
                let d = o.store.find_deployment("default", "nginx-dep").unwrap();
                o.store.deployments[d].spec.replicas == 4 && o.store.deployments[d].status.ready == 4
            },
        ),
        // set resources rolls out a second revision whose pods request 100m (and limit 200m).
        (
            "kubectl set resources deployment nginx-dep -c=nginx --limits=cpu=200m,memory=512Mi --requests=cpu=100m",
            vec!["kubectl create -f nginx.yaml"],
            |o| {
                let live: Vec<_> =
                    o.store.pods.iter().filter(|p| p.deleted.is_none() && p.name.starts_with("nginx-dep-")).collect();
                o.store.replica_sets.iter().filter(|r| r.name.starts_with("nginx-dep-")).count() == 2
                    && live.len() == 2
                    && live.iter().all(|p| {
                        let c = &p.spec.containers[0];
                        c.requests.cpu_millis == 100 && c.limits.cpu_millis == 200 && c.limits.memory_bytes == 512 << 20
                    })
            },
        ),
    ];
    for (line, before, check) in &cases {
        assert!(lines.contains(line), "{line} is not in kubectl-lines.txt");
        let mut timeline = String::new();
        for (i, b) in before.iter().enumerate() {
            timeline.push_str(&format!("  - at: {}s\n    run: {}\n", 5 + i, serde_yaml_quote(b)));
        }
        timeline.push_str(&format!("  - at: 1m\n    run: {}\n", serde_yaml_quote(line)));
        let path = dir.join("scenario.yaml");
        std::fs::write(&path, scenario("[]", &timeline)).unwrap();
        let loaded = kubesim::load_file(&path, &[])
            .unwrap_or_else(|d| panic!("{line}: {}", d.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n")));
        let o = kubesim::simulate(&loaded.scenario, None);
        assert!(kubectl_errors(&o).is_empty(), "{line}: {:?}", kubectl_errors(&o));
        assert!(check(&o), "{line}: no effect");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A YAML single-quoted scalar.
fn serde_yaml_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The ReplicaSets of Deployment `web` that exist, by name.
fn web_replica_sets(o: &Outcome) -> Vec<String> {
    o.store.replica_sets.iter().filter(|r| !r.deleted && r.name.starts_with("web-")).map(|r| r.name.clone()).collect()
}

#[test]
fn patch_replicas_in_each_patch_type_and_the_deployment_has_that_many_ready_pods() {
    for line in [
        r#"kubectl patch deployment web -p '{"spec":{"replicas":4}}'"#,
        r#"kubectl patch deployment web --type=merge -p 'spec: {replicas: 4}'"#,
        r#"kubectl patch deploy/web --type=json -p '[{"op":"replace","path":"/spec/replicas","value":4}]'"#,
    ] {
        let o = run_text(&scenario(&web(2), &format!("  - at: 1m\n    run: {}", serde_yaml_quote(line))));
        assert!(kubectl_errors(&o).is_empty(), "{line}: {:?}", kubectl_errors(&o));
        let d = o.store.find_deployment("default", "web").unwrap();
        assert_eq!(o.store.deployments[d].status.ready, 4, "{line}");
        assert_eq!(web_replica_sets(&o).len(), 1, "{line}: no new revision");
    }
}

#[test]
fn a_patch_that_changes_nothing_makes_no_revision() {
    let line = r#"kubectl patch deployment web -p '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.25"}]}}}}'"#;
    let o = run_text(&scenario(&web(2), &format!("  - at: 1m\n    run: {}", serde_yaml_quote(line))));
    assert!(kubectl_errors(&o).is_empty());
    assert_eq!(web_replica_sets(&o).len(), 1);
    assert!(live_pods(&o).iter().all(|p| p.created.as_secs_f64() < 60.0), "no pod replaced");
}

#[test]
fn a_strategic_patch_of_one_containers_image_rolls_out_a_second_revision() {
    let line = r#"kubectl patch deployment web -p '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.26"}]}}}}'"#;
    let o = run_text(&scenario(&web(2), &format!("  - at: 1m\n    run: {}", serde_yaml_quote(line))));
    assert!(kubectl_errors(&o).is_empty());
    let pods = live_pods(&o);
    assert_eq!(pods.len(), 2);
    assert!(pods.iter().all(|p| p.spec.containers[0].image == "nginx:1.26"));
    assert_eq!(o.store.replica_sets.iter().filter(|r| r.name.starts_with("web-")).count(), 2);
}

#[test]
fn patching_a_deployments_selector_is_refused_as_immutable_and_the_run_continues() {
    let line = r#"kubectl patch deployment web -p '{"spec":{"selector":{"matchLabels":{"app":"web2"}},"template":{"metadata":{"labels":{"app":"web2"}}}}}'"#;
    let o = run_text(&scenario(
        &web(2),
        &format!(
            "  - at: 1m\n    run: {}\n  - {{at: 2m, run: kubectl scale deployment web --replicas=3}}",
            serde_yaml_quote(line)
        ),
    ));
    let errors = kubectl_errors(&o);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains(
            "The Deployment \"web\" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"web2\"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable"
        ),
        "{errors:?}"
    );
    assert_eq!(live_pods(&o).len(), 3, "the scale after it ran");
}

#[test]
fn a_patch_of_a_field_kubesim_does_not_simulate_is_a_load_error() {
    let e = load_errors(&scenario(
        &web(1),
        "  - {at: 1m, run: 'kubectl patch deployment web -p ''{\"spec\":{\"paused\":true}}'''}",
    ));
    assert!(e.contains("kubesim does not simulate `spec.paused`"), "{e}");
    let e = load_errors(&scenario(
        &web(1),
        "  - {at: 1m, run: 'kubectl patch deployment web -p ''{\"spec\":{\"replicas\":-1}}'''}",
    ));
    assert!(e.contains("spec.replicas: Invalid value: -1: must be greater than or equal to 0"), "{e}");
}

#[test]
fn set_env_rolls_out_and_set_resources_changes_what_the_new_pods_request() {
    let o = run_text(&scenario(
        &web(2),
        "  - {at: 1m, run: kubectl set env deployment/web MODE=fast}\n  - {at: 2m, run: kubectl set resources deployment web --requests=cpu=3}",
    ));
    assert!(kubectl_errors(&o).is_empty(), "{:?}", kubectl_errors(&o));
    assert_eq!(o.store.replica_sets.iter().filter(|r| r.name.starts_with("web-")).count(), 3, "two rollouts");
    // 3 CPUs each on 4-CPU nodes: one pod per node, both scheduled.
    let pods = live_pods(&o);
    assert_eq!(pods.len(), 2);
    assert!(pods.iter().all(|p| p.spec.containers[0].env == [("MODE".to_string(), "fast".to_string())]));
    assert!(pods.iter().all(|p| p.spec.containers[0].requests.cpu_millis == 3000 && p.node.is_some()));
}

#[test]
fn set_image_on_a_job_is_refused_as_immutable_and_on_a_pod_restarts_its_container() {
    let job = "
  - apiVersion: batch/v1
    kind: Job
    metadata: {name: work}
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: w, image: 'busybox:1'}]";
    let pod = "
  - apiVersion: v1
    kind: Pod
    metadata: {name: app}
    spec: {containers: [{name: app, image: 'nginx:1.25'}]}";
    let o = run_text(&scenario(
        &format!("{job}{pod}"),
        "  - {at: 1s, run: kubectl set image job/work w=busybox:2}\n  - {at: 1m, run: kubectl set image pod/app app=nginx:1.26}",
    ));
    let errors = kubectl_errors(&o);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("error: failed to patch image update to pod template: Job.batch \"work\" is invalid: spec.template: Invalid value: field is immutable"),
        "{errors:?}"
    );
    let p = o.store.pods.iter().find(|p| p.name == "app").unwrap();
    assert_eq!(p.spec.containers[0].image, "nginx:1.26");
    assert_eq!(p.containers[0].restarts, 1);
    assert_eq!(events(&o, "Killing").len(), 1);
}

#[test]
fn set_image_on_a_replicaset_changes_only_the_pods_it_creates_after() {
    let rs = "
  - apiVersion: apps/v1
    kind: ReplicaSet
    metadata: {name: rs}
    spec:
      replicas: 2
      selector: {matchLabels: {app: rs}}
      template:
        metadata: {labels: {app: rs}}
        spec: {containers: [{name: app, image: 'nginx:1.25'}]}";
    let o = run_text(&scenario(
        rs,
        "  - {at: 1m, run: kubectl set image rs/rs app=nginx:1.26}\n  - {at: 2m, run: kubectl scale rs/rs --replicas=3}",
    ));
    assert!(kubectl_errors(&o).is_empty(), "{:?}", kubectl_errors(&o));
    let mut images: Vec<_> = live_pods(&o).iter().map(|p| p.spec.containers[0].image.clone()).collect();
    images.sort();
    assert_eq!(images, ["nginx:1.25", "nginx:1.25", "nginx:1.26"]);
}

#[test]
fn patching_a_services_selector_and_a_json_patch_test_of_it_after() {
    let svc = "
  - apiVersion: v1
    kind: Service
    metadata: {name: web}
    spec: {selector: {app: other}, ports: [{port: 80}]}";
    let line = r#"kubectl patch service web -p '{"spec":{"selector":{"app":"web"},"type":"NodePort"}}'"#;
    // A JSON patch `test` fails (a KubectlError) unless the store holds that value then.
    let test = |v: &str| {
        format!(r#"kubectl patch svc web --type=json -p '[{{"op":"test","path":"/spec/selector/app","value":"{v}"}}]'"#)
    };
    let timeline = |v: &str| {
        format!("  - at: 1m\n    run: {}\n  - at: 2m\n    run: {}", serde_yaml_quote(line), serde_yaml_quote(&test(v)))
    };
    let o = run_text(&scenario(&format!("{}{svc}", web(2)), &timeline("web")));
    assert!(kubectl_errors(&o).is_empty(), "{:?}", kubectl_errors(&o));
    let e = load_errors(&scenario(&format!("{}{svc}", web(2)), &timeline("other")));
    assert!(e.contains("testing value failed"), "{e}");
}

/// `apply` and `replace` meet the API server's rules on change too: a StatefulSet's
/// podManagementPolicy and a Deployment's selector are refused when the line runs (a
/// KubectlError), and what comes after runs.
#[test]
fn apply_and_replace_of_an_immutable_field_are_refused_when_they_run() {
    let dir = std::env::temp_dir().join(format!("kubesim-immutable-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ss = |policy: &str| {
        format!("apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {{name: db}}\nspec:\n  serviceName: db\n  replicas: 1\n  podManagementPolicy: {policy}\n  selector: {{matchLabels: {{app: db}}}}\n  template:\n    metadata: {{labels: {{app: db}}}}\n    spec: {{containers: [{{name: db, image: pg}}]}}\n")
    };
    let dep = |app: &str| {
        format!("apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web}}\nspec:\n  replicas: 1\n  selector: {{matchLabels: {{app: {app}}}}}\n  template:\n    metadata: {{labels: {{app: {app}}}}}\n    spec: {{containers: [{{name: web, image: nginx}}]}}\n")
    };
    std::fs::write(dir.join("ss1.yaml"), ss("OrderedReady")).unwrap();
    std::fs::write(dir.join("ss2.yaml"), ss("Parallel")).unwrap();
    std::fs::write(dir.join("web1.yaml"), dep("web")).unwrap();
    std::fs::write(dir.join("web2.yaml"), dep("web2")).unwrap();
    let path = dir.join("scenario.yaml");
    let timeline = "  - {at: 1s, run: kubectl apply -f ss1.yaml -f web1.yaml}\n  - {at: 1m, run: kubectl replace -f ss2.yaml}\n  - {at: 2m, run: kubectl apply -f web2.yaml}\n  - {at: 3m, run: kubectl scale deployment web --replicas=2}";
    std::fs::write(&path, scenario("[]", timeline)).unwrap();
    let loaded = kubesim::load_file(&path, &[]).unwrap_or_else(|d| panic!("{d:?}"));
    let o = kubesim::simulate(&loaded.scenario, None);
    let errors = kubectl_errors(&o);
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors[0].contains(
            "The StatefulSet \"db\" is invalid: spec: Forbidden: updates to statefulset spec for fields other than"
        ),
        "{errors:?}"
    );
    assert!(errors[1].contains("The Deployment \"web\" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"web2\"}"), "{errors:?}");
    assert_eq!(live_pods(&o).iter().filter(|p| p.name.starts_with("web-")).count(), 2, "the scale ran");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn set_resources_on_a_container_that_is_not_there_is_kubectls_error_and_set_env_only_warns() {
    let e = load_errors(&scenario(
        &web(1),
        "  - {at: 1m, run: kubectl set resources deployment web -c=nosuch --limits=cpu=1}",
    ));
    assert!(e.contains("error: unable to find container named nosuch"), "{e}");
    let text = scenario(&web(1), "  - {at: 1m, run: kubectl set env deployment web -c=nosuch A=1}");
    let loaded = kubesim::load_str(Path::new("inline.yaml"), &text, &[]).unwrap_or_else(|d| panic!("{d:?}"));
    let warnings: Vec<String> = loaded.warnings.iter().map(|d| d.to_string()).collect();
    assert!(
        warnings.iter().any(|w| w.contains("warning: deployment/web does not have any containers matching \"nosuch\"")),
        "{warnings:?}"
    );
    let o = kubesim::simulate(&loaded.scenario, None);
    assert!(kubectl_errors(&o).is_empty());
    assert_eq!(web_replica_sets(&o).len(), 1, "nothing changed");
}

/// The names of the live pods of a run of `web(3)` on `scenario`'s cluster: kubesim draws a
/// ReplicaSet's pod names from the seed, so the same scenario names the same pods again, and
/// a user can write a name read in pods.csv into the timeline.
fn web_pod_names(timeline: &str) -> Vec<String> {
    let o = run_text(&scenario(&web(3), timeline));
    live_pods(&o).iter().map(|p| p.name.clone()).collect()
}

#[test]
fn a_pod_deletion_cost_annotated_on_a_deployments_pod_keeps_it_through_a_scale_down() {
    // pkg/controller/replicaset/replica_set.go getPodsToDelete ranks by
    // controller.kubernetes.io/pod-deletion-cost (lower goes first) before colocation and
    // age (pkg/controller/controller_utils.go ActivePodsWithRanks.Less).
    let scale = "  - {at: 2m, run: kubectl scale deployment web --replicas=1}";
    let unannotated = web_pod_names(scale);
    assert_eq!(unannotated.len(), 1);
    let names = web_pod_names("  - {at: 1m, run: kubectl get pods}");
    let keep =
        names.iter().find(|n| **n != unannotated[0]).expect("a pod the scale-down deletes without the annotation");
    let timeline = format!(
        "  - {{at: 1m, run: kubectl annotate pod {keep} controller.kubernetes.io/pod-deletion-cost=100}}\n{scale}"
    );
    let o = run_text(&scenario(&web(3), &timeline));
    assert!(kubectl_errors(&o).is_empty(), "{:?}", kubectl_errors(&o));
    let kept: Vec<_> = live_pods(&o).iter().map(|p| p.name.clone()).collect();
    assert_eq!(kept, vec![keep.clone()], "the costly pod is the one kept");
}

#[test]
fn deleting_a_deployments_pod_by_the_name_it_had_is_replaced_and_a_wrong_name_is_not_found_when_it_runs() {
    let names = web_pod_names("  - {at: 1m, run: kubectl get pods}");
    let timeline = format!(
        "  - {{at: 1m, run: kubectl delete pod {}}}\n  - {{at: 1m, run: kubectl delete pod web-5d4f8c6b9d-zzzzz}}",
        names[0]
    );
    let o = run_text(&scenario(&web(3), &timeline));
    let deleted = o.store.pods.iter().find(|p| p.name == names[0]).expect("the named pod");
    assert_eq!(deleted.terminating.map(|t| t.as_secs_f64()), Some(60.0));
    assert_eq!(live_pods(&o).len(), 3, "its ReplicaSet replaced it");
    assert_eq!(
        kubectl_errors(&o),
        vec!["kubectl delete pod web-5d4f8c6b9d-zzzzz: Error from server (NotFound): pods \"web-5d4f8c6b9d-zzzzz\" not found"]
    );
    // A name no controller of the scenario could give is still refused at load.
    let text = scenario(&web(3), "  - {at: 1m, run: kubectl delete pod api-5d4f8c6b9d-zzzzz}");
    assert!(load_errors(&text).contains("pods \"api-5d4f8c6b9d-zzzzz\" not found"), "{}", load_errors(&text));
}
