//! The read-only kubectl lines (issue 19): what `get`, `describe`, `rollout status|history`,
//! `wait` and `cluster-info` print at their moment, in the run's kubectl.log.

use super::support::run_text;
use std::path::Path;

/// A two-node cluster with the timeline `timeline` (lines `  - {at: .., run: ..}`).
fn scenario(duration: &str, timeline: &str) -> String {
    format!(
        "duration: {duration}
cluster:
  nodes:
    - {{name: worker, count: 2, capacity: {{cpu: '4', memory: 8Gi, pods: 110}}}}
timeline:
{timeline}"
    )
}

/// kubectl.log's sections: (header line, what was printed).
fn sections(log: &str) -> Vec<(String, String)> {
    log.split("# t=")
        .skip(1)
        .map(|s| {
            let (head, body) = s.split_once('\n').unwrap_or((s, ""));
            (head.to_string(), body.to_string())
        })
        .collect()
}

/// The pod rows of a `get pods` table: (name, ready, status).
fn pod_rows(table: &str) -> Vec<(String, String, String)> {
    let mut lines = table.lines();
    assert_eq!(
        lines.next().map(|h| h.split_whitespace().collect::<Vec<_>>()),
        Some(vec!["NAME", "READY", "STATUS", "RESTARTS", "AGE"]),
        "{table}"
    );
    lines
        .map(|l| {
            let c: Vec<&str> = l.split_whitespace().collect();
            (c[0].to_string(), c[1].to_string(), c[2].to_string())
        })
        .collect()
}

/// The nginx tutorial, end to end, with `kubectl get pods` after each step.
#[test]
fn the_nginx_tutorial_shows_its_pods_after_each_step() {
    let timeline = "  - {at: 1s, run: kubectl get pods}
  - {at: 5s, run: kubectl create deployment nginx --image=nginx}
  - {at: 40s, run: kubectl get pods}
  - {at: 45s, run: kubectl expose deployment nginx --type=NodePort --port=80}
  - {at: 50s, run: kubectl get services}
  - {at: 60s, run: kubectl scale deployment nginx --replicas=3}
  - {at: 100s, run: kubectl get pods}
  - {at: 110s, run: kubectl set image deployment/nginx nginx=nginx:1.25}
  - {at: 112s, run: kubectl get pods}
  - {at: 113s, run: kubectl rollout status deployment/nginx}
  - {at: 200s, run: kubectl get pods}
  - {at: 201s, run: kubectl rollout status deployment/nginx}
  - {at: 202s, run: kubectl rollout history deployment/nginx}
";
    let o = run_text(&scenario("4m", timeline));
    let log = o.kubectl_log.expect("kubectl.log");
    let s = sections(&log);
    let heads: Vec<&str> = s.iter().map(|(h, _)| h.as_str()).collect();
    assert_eq!(
        heads,
        [
            "1.000s $ kubectl get pods",
            "40.000s $ kubectl get pods",
            "50.000s $ kubectl get services",
            "100.000s $ kubectl get pods",
            "112.000s $ kubectl get pods",
            "113.000s $ kubectl rollout status deployment/nginx",
            "200.000s $ kubectl get pods",
            "201.000s $ kubectl rollout status deployment/nginx",
            "202.000s $ kubectl rollout history deployment/nginx",
        ]
    );
    assert_eq!(s[0].1, "No resources found in default namespace.\n");
    // One pod, Running.
    let one = pod_rows(&s[1].1);
    assert_eq!(one.len(), 1, "{}", s[1].1);
    assert!(one[0].0.starts_with("nginx-") && one[0].1 == "1/1" && one[0].2 == "Running", "{}", s[1].1);
    let first_hash = one[0].0.split('-').nth(1).unwrap().to_string();
    // The Service, NodePort, beside `kubernetes`.
    let svc = &s[2].1;
    assert!(svc.starts_with("NAME         TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)        AGE\n"), "{svc}");
    assert!(svc.contains("\nkubernetes   ClusterIP   10.96.0.1    <none>        443/TCP        50s\n"), "{svc}");
    assert!(svc.contains("\nnginx        NodePort    10.96.0.10   <none>        80:3"), "{svc}");
    // Three, Running, of the first template.
    let three = pod_rows(&s[3].1);
    assert_eq!(three.len(), 3, "{}", s[3].1);
    assert!(three.iter().all(|(n, r, st)| n.contains(&first_hash) && r == "1/1" && st == "Running"), "{}", s[3].1);
    // The rollout under way: a pod of the new template not ready yet, the old ones running.
    let rolling = pod_rows(&s[4].1);
    assert!(rolling.iter().any(|(n, r, _)| !n.contains(&first_hash) && r == "0/1"), "{}", s[4].1);
    assert!(rolling.iter().filter(|(n, _, st)| n.contains(&first_hash) && st == "Running").count() >= 2, "{}", s[4].1);
    assert!(s[5].1.starts_with("Waiting for deployment \"nginx\" rollout to finish: "), "{}", s[5].1);
    // Done: three Running pods of the new template.
    let after = pod_rows(&s[6].1);
    assert_eq!(after.len(), 3, "{}", s[6].1);
    assert!(after.iter().all(|(n, r, st)| !n.contains(&first_hash) && r == "1/1" && st == "Running"), "{}", s[6].1);
    assert_eq!(s[7].1, "deployment \"nginx\" successfully rolled out\n");
    assert_eq!(s[8].1, "deployment.apps/nginx \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n\n");
}

#[test]
fn get_takes_namespaces_selectors_names_and_several_kinds() {
    let timeline = "  - {at: 1s, run: kubectl create namespace shop}
  - {at: 2s, run: kubectl create deployment web --image=nginx -n shop}
  - {at: 3s, run: kubectl create deployment api --image=nginx}
  - {at: 1m, run: kubectl get pods}
  - {at: 61s, run: kubectl get pods -n shop -l app=web}
  - {at: 62s, run: kubectl get deploy -A}
  - {at: 63s, run: 'kubectl get deploy,svc'}
  - {at: 64s, run: kubectl get deployment/api deploy/nope}
  - {at: 65s, run: kubectl get pods -l app=nothing}
  - {at: 66s, run: kubectl get all -n shop}
  - {at: 67s, run: kubectl get ns}
";
    let o = run_text(&scenario("2m", timeline));
    let s = sections(o.kubectl_log.as_deref().expect("kubectl.log"));
    let rows = |i: usize| pod_rows(&s[i].1);
    assert!(rows(0).iter().all(|(n, _, _)| n.starts_with("api-")), "{}", s[0].1);
    assert!(rows(1).iter().all(|(n, _, _)| n.starts_with("web-")) && rows(1).len() == 1, "{}", s[1].1);
    assert_eq!(
        s[2].1,
        "NAMESPACE   NAME   READY   UP-TO-DATE   AVAILABLE   AGE\ndefault     api    1/1     1            1           59s\nshop        web    1/1     1            1           60s\n"
    );
    assert!(
        s[3].1.starts_with("NAME                  READY   UP-TO-DATE   AVAILABLE   AGE\ndeployment.apps/api   1/1"),
        "{}",
        s[3].1
    );
    assert!(s[3].1.contains("\n\nNAME                 TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE\nservice/kubernetes   ClusterIP   10.96.0.1 "), "{}", s[3].1);
    assert!(s[4].1.starts_with("NAME   READY   UP-TO-DATE   AVAILABLE   AGE\napi    1/1"), "{}", s[4].1);
    assert!(s[4].1.ends_with("\nError from server (NotFound): deployments.apps \"nope\" not found\n"), "{}", s[4].1);
    assert_eq!(s[5].1, "No resources found in default namespace.\n");
    assert!(
        s[6].1.contains("pod/web-")
            && s[6].1.contains("deployment.apps/web")
            && s[6].1.contains("replicaset.apps/web-")
    );
    assert!(!s[6].1.contains("service/kubernetes"), "`kubernetes` is in default: {}", s[6].1);
    assert!(s[7].1.contains("\nshop              Active   66s\n"), "{}", s[7].1);
}

#[test]
fn get_events_lists_the_namespaces_events_by_object_with_repeats_folded() {
    // printers.go eventColumnDefinitions (LAST SEEN, TYPE, REASON, OBJECT, MESSAGE; wide adds
    // SUBOBJECT, SOURCE, FIRST SEEN, COUNT, NAME); client-go's EventCorrelator folds repeats;
    // the API server lists events by name, `OBJECT-NAME.<time>`.
    let timeline = "  - {at: 1s, run: kubectl create namespace shop}
  - {at: 2s, run: kubectl create deployment web --image=nginx -n shop}
  - {at: 3s, run: kubectl run crasher --image=crash:1}
  - {at: 2m, run: kubectl get events}
  - {at: 2m, run: kubectl get events -n shop -o wide}
  - {at: 2m, run: kubectl get ev -A}
";
    let text = scenario("3m", timeline).replace("timeline:", "images:\n  crash:1: {crashAfter: 5s}\ntimeline:");
    let o = run_text(&text);
    let s = sections(o.kubectl_log.as_deref().expect("kubectl.log"));
    let default = &s[0].1;
    let head: Vec<&str> = default.lines().next().expect("a header").split_whitespace().collect();
    assert_eq!(head, ["LAST", "SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]);
    assert!(default.lines().skip(1).all(|l| l.contains("pod/crasher")), "only default's events: {default}");
    let backoff = default.lines().find(|l| l.contains("BackOff")).expect("the crash loop's back-off");
    assert!(backoff.contains("Warning") && backoff.contains("Back-off restarting failed container"), "{backoff}");
    assert_eq!(default.lines().filter(|l| l.contains("BackOff")).count(), 1, "repeats folded: {default}");
    let wide = &s[1].1;
    assert!(wide.starts_with("LAST SEEN   TYPE     REASON              OBJECT"), "{wide}");
    assert!(wide.lines().next().is_some_and(|h| h.ends_with("FIRST SEEN   COUNT   NAME")), "{wide}");
    assert!(wide.contains("deployment/web") && !wide.contains("crasher"), "{wide}");
    let scaled = wide.lines().find(|l| l.contains("ScalingReplicaSet")).expect("the deployment's event");
    // Created 10 ms after the line at 2 s: 2.01 s is 0x77ce2a80 ns.
    assert!(scaled.contains(" 117s ") && scaled.ends_with("  1       web.0000000077ce2a80"), "{scaled}");
    let all = &s[2].1;
    assert!(all.starts_with("NAMESPACE   LAST SEEN"), "{all}");
    assert!(all.contains("\nshop        ") && all.contains("\ndefault     "), "{all}");
    // The rows come by object name, then time, as the API server lists them.
    let objects: Vec<&str> = all.lines().skip(1).map(|l| l.split_whitespace().nth(4).unwrap_or("")).collect();
    let names: Vec<&str> = objects.iter().map(|o| o.split_once('/').map_or(*o, |(_, n)| n)).collect();
    let mut by_name = names.clone();
    by_name.sort_by_key(|n| format!("{n}."));
    assert_eq!(names, by_name, "{all}");
}

#[test]
fn describe_pod_and_errors() {
    let timeline = "  - {at: 1s, run: kubectl create deployment web --image=nginx}
  - {at: 1m, run: kubectl describe pod web}
  - {at: 61s, run: kubectl describe deployment nope}
  - {at: 62s, run: kubectl wait --for=condition=available deployment/web --timeout=120s}
  - {at: 62s, run: kubectl scale deployment web --replicas=5}
  - {at: 62s, run: kubectl wait --for=condition=available deployment/web --timeout=120s}
";
    let o = run_text(&scenario("2m", timeline));
    let s = sections(o.kubectl_log.as_deref().expect("kubectl.log"));
    let pod = &s[0].1;
    for want in [
        "Name:           web-",
        "\nNamespace:      default\n",
        "\nLabels:         app=web\n                pod-template-hash=",
        "\nStatus:         Running\n",
        "\nControlled By:  ReplicaSet/web-",
        "\nContainers:\n  nginx:\n    Image:          nginx\n    State:          Running\n    Ready:          True\n    Restart Count:  0\n",
        "\nConditions:\n  Type             Status\n  Initialized      True\n  Ready            True\n",
        "\nEvents:\n  Type    Reason     Age   From               Message\n  ----    ------     ----  ----               -------\n  Normal  Scheduled  ",
    ] {
        assert!(pod.contains(want), "{want:?} in\n{pod}");
    }
    assert_eq!(s[1].1, "Error from server (NotFound): deployments.apps \"nope\" not found\n");
    assert_eq!(s[2].1, "deployment.apps/web condition met\n");
    assert_eq!(s[3].1, "error: timed out waiting for the condition on deployments/web\n");
}

#[test]
fn top_is_refused_with_the_reason() {
    let text = scenario("1m", "  - {at: 1s, run: kubectl top pods}\n");
    let e = match kubesim::load_str(Path::new("inline.yaml"), &text, &[]) {
        Ok(_) => panic!("should not load"),
        Err(d) => d.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n"),
    };
    assert!(
        e.contains("`kubectl top` cannot run in a simulation: kubesim's metrics-server measures the requests"),
        "{e}"
    );
}

/// Every read-only line of shared/realworld/kubectl-lines.txt, after the lines it needs,
/// with what it prints checked.
#[test]
fn the_introductions_read_only_kubectl_lines() {
    let lines_file = crate::support::realworld().join("kubectl-lines.txt");
    let text = std::fs::read_to_string(&lines_file).expect("kubectl-lines.txt in the real-world folder");
    let reads = ["get", "describe", "rollout status", "rollout history", "top", "wait", "cluster-info"];
    let read_lines: Vec<&str> =
        text.lines().filter(|l| reads.iter().any(|r| l.starts_with(&format!("kubectl {r}")))).collect();
    let dir = std::env::temp_dir().join(format!("kubesim-kubectl-reads-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let rs = "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: myapp-replicaset}\nspec:\n  replicas: 3\n  selector: {matchLabels: {app: rs}}\n  template:\n    metadata: {labels: {app: rs}}\n    spec: {containers: [{name: app, image: 'nginx:1.25'}]}\n";
    let rc = "apiVersion: v1\nkind: ReplicationController\nmetadata: {name: myapp-rc}\nspec:\n  replicas: 2\n  selector: {app: rc}\n  template:\n    metadata: {labels: {app: rc}}\n    spec: {containers: [{name: app, image: 'nginx:1.25'}]}\n";
    let svc = "apiVersion: v1\nkind: Service\nmetadata: {name: myapp-service}\nspec:\n  type: NodePort\n  selector: {app: rs}\n  ports: [{port: 80, targetPort: 80, nodePort: 30008}]\n";
    let nginx = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: nginx-dep}\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: nginx}}\n  template:\n    metadata: {labels: {app: nginx}}\n    spec: {containers: [{name: nginx, image: 'nginx:1.25'}]}\n";
    for (name, body) in [
        ("replicaset-definition.yml", rs),
        ("rc-definition.yml", rc),
        ("service-definition.yml", svc),
        ("nginx.yaml", nginx),
    ] {
        std::fs::write(dir.join(name), body).unwrap();
    }
    // Each line, the lines it needs before it, and what its output must contain.
    let cases: Vec<(&str, Vec<&str>, &str)> = vec![
        ("kubectl cluster-info", vec![], "Kubernetes control plane is running at https://127.0.0.1:6443\n"),
        ("kubectl get nodes", vec![], "NAME       STATUS   ROLES    AGE   VERSION\nworker-1   Ready    <none>   "),
        ("kubectl get pods", vec!["kubectl run nginx --image=nginx"], "\nnginx   1/1     Running   0          "),
        ("kubectl get replicationcontroller", vec!["kubectl create -f rc-definition.yml"], "NAME       DESIRED   CURRENT   READY   AGE\nmyapp-rc   2         2         2       "),
        ("kubectl get replicaset", vec!["kubectl create -f replicaset-definition.yml"], "NAME               DESIRED   CURRENT   READY   AGE\nmyapp-replicaset   3         3         3       "),
        ("kubectl get services", vec!["kubectl create -f service-definition.yml"], "\nmyapp-service   NodePort    10.96.0.10   <none>        80:"),
        ("kubectl describe pod hello-world", vec!["kubectl create deployment hello-world --image=k8s.gcr.io/echoserver:1.4"], "\nContainers:\n  echoserver:\n    Image:          k8s.gcr.io/echoserver:1.4\n"),
        ("kubectl rollout status deployment/nginx-dep", vec!["kubectl create -f nginx.yaml"], "deployment \"nginx-dep\" successfully rolled out\n"),
        (
            "kubectl rollout history deployment/nginx-dep",
            vec!["kubectl create -f nginx.yaml", "kubectl set image deployment/nginx-dep nginx=library/nginx:1.18-alpine"],
            "deployment.apps/nginx-dep \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n\n",
        ),
        (
            "kubectl get hpa",
            vec!["kubectl create deployment php-apache --image=nginx", "kubectl autoscale deployment php-apache --cpu-percent=50 --min=1 --max=10"],
            // No CPU request in the pod: metrics-server's utilisation is unknown, as in Kubernetes.
            "NAME         REFERENCE               TARGETS              MINPODS   MAXPODS   REPLICAS   AGE\nphp-apache   Deployment/php-apache   cpu: <unknown>/50%   1         10        1          ",
        ),
        ("kubectl wait --for=condition=available deployment/nginx-dep --timeout=120s", vec!["kubectl create -f nginx.yaml"], "deployment.apps/nginx-dep condition met\n"),
    ];
    for line in &read_lines {
        let covered = cases.iter().any(|(l, _, _)| l == line) || *line == "kubectl top pods";
        assert!(covered, "{line}: a read-only line of kubectl-lines.txt with no case here");
    }
    for (line, before, want) in &cases {
        assert!(read_lines.contains(line), "{line} is not in kubectl-lines.txt");
        let mut timeline = String::new();
        for (i, b) in before.iter().enumerate() {
            timeline.push_str(&format!("  - at: {}s\n    run: '{b}'\n", 5 + i));
        }
        timeline.push_str(&format!("  - at: 90s\n    run: '{line}'\n"));
        let path = dir.join("scenario.yaml");
        std::fs::write(&path, scenario("2m", &timeline)).unwrap();
        let loaded = kubesim::load_file(&path, &[])
            .unwrap_or_else(|d| panic!("{line}: {}", d.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n")));
        let o = kubesim::simulate(&loaded.scenario, None);
        let log = o.kubectl_log.unwrap_or_else(|| panic!("{line}: no kubectl.log"));
        let s = sections(&log);
        assert_eq!(s.len(), 1, "{line}: {log}");
        assert_eq!(s[0].0, format!("90.000s $ {line}"));
        assert!(s[0].1.contains(want), "{line}: {want:?} in\n{}", s[0].1);
    }
    // `top` is refused at load, with the reason.
    let top = scenario("1m", "  - {at: 1s, run: kubectl top pods}\n");
    assert!(kubesim::load_str(Path::new("inline.yaml"), &top, &[]).is_err());
    let _ = std::fs::remove_dir_all(&dir);
}
