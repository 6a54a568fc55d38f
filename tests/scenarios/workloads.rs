//! The other workloads: Jobs (completions, parallelism, Indexed, back-off, deadlines, time to
//! live), DaemonSets and StatefulSets, as `kubectl get` and `kubectl describe` would show
//! them.

use crate::support::{object_events, run_text, secs};
use kubesim::engine::SimTime;
use kubesim::model::store::{JobId, Pod, PodPhase};
use kubesim::sim::Outcome;

/// The pods whose owner (pods.csv `owner`) is `owner`, like `job/work`.
fn owned<'a>(o: &'a Outcome, owner: &str) -> Vec<&'a Pod> {
    let store = &o.store;
    store
        .pods
        .iter()
        .filter(|p| store.owner_ref(p).is_some_and(|r| format!("{}/{}", r.kind.resource(), r.name) == owner))
        .collect()
}

/// (time, message) of the events with this reason on `object`.
fn events(o: &Outcome, object: &str, reason: &str) -> Vec<(f64, String)> {
    object_events(o, object, reason).iter().map(|e| (secs(e.time), e.message.clone())).collect()
}

/// The most pods running at once: started and not yet finished (or gone).
fn max_running(pods: &[&Pod]) -> usize {
    let spans: Vec<(SimTime, SimTime)> =
        pods.iter().filter_map(|p| Some((p.started?, p.finished.or(p.deleted).unwrap_or(SimTime(u64::MAX))))).collect();
    spans.iter().map(|&(start, _)| spans.iter().filter(|&&(s, e)| s <= start && start < e).count()).max().unwrap_or(0)
}

fn job(name: &str, spec: &str, image: &str, policy: &str) -> String {
    format!(
        "
  - apiVersion: batch/v1
    kind: Job
    metadata: {{name: {name}}}
    spec:
{spec}
      template:
        spec:
          restartPolicy: {policy}
          containers: [{{name: work, image: '{image}', resources: {{requests: {{cpu: 100m}}}}}}]
"
    )
}

fn job_scenario(duration: &str, objects: &str) -> String {
    format!(
        "
duration: {duration}
cluster: {{nodes: [{{name: worker, count: 3, capacity: {{cpu: '4', memory: 8Gi}}}}]}}
images:
  work:1: {{pull: 1s, start: 0s, runFor: 30s}}
  crash:1: {{pull: 1s, start: 0s, crashAfter: 5s}}
  slow:1: {{pull: 1s, start: 0s, runFor: 10m}}
  quick:1: {{pull: 1s, start: 0s, runFor: 10s}}
objects:{objects}"
    )
}

#[test]
fn an_indexed_job_completes_every_index_once_never_running_more_than_its_parallelism() {
    let spec = "      completions: 10\n      parallelism: 3\n      completionMode: Indexed";
    let o = run_text(&job_scenario("10m", &job("render", spec, "work:1", "Never")));
    let pods = owned(&o, "job/render");
    assert_eq!(pods.len(), 10, "one pod per index, none failed");
    assert!(max_running(&pods) <= 3, "at most parallelism pods run at once");
    assert_eq!(max_running(&pods), 3);
    let mut indexes: Vec<i32> = pods
        .iter()
        .filter(|p| p.phase == PodPhase::Succeeded)
        .map(|p| p.labels["batch.kubernetes.io/job-completion-index"].parse().expect("an index"))
        .collect();
    indexes.sort_unstable();
    assert_eq!(indexes, (0..10).collect::<Vec<_>>(), "every index completed exactly once");
    for p in &pods {
        let index = &p.labels["batch.kubernetes.io/job-completion-index"];
        assert!(p.name.starts_with(&format!("render-{index}-")), "{} is named after its index", p.name);
        assert_eq!(p.containers[0].last_exit.map(|e| (e.reason, e.code)), Some(("Completed", 0)));
    }
    // Four rounds of 30s (3 + 3 + 3 + 1 pods), each with its start-up (sandbox, pull).
    let completed = events(&o, "job/render", "Completed");
    assert_eq!(completed.len(), 1, "{completed:?}");
    assert_eq!(completed[0].1, "Job completed");
    assert!((120.0..126.0).contains(&completed[0].0), "completed at {}", completed[0].0);
    let created = events(&o, "job/render", "SuccessfulCreate");
    assert_eq!(created.len(), 10);
    assert!(created[0].1.starts_with("Created pod: render-0-"), "{created:?}");
    let job = &o.store.jobs[JobId(0)];
    assert_eq!((job.status.succeeded, job.status.failed), (10, 0));
}

#[test]
fn pods_csv_shows_a_jobs_parallelism_through_started_s_and_finished_s() {
    // A user reading pods.csv (not the store) sees at most `parallelism` pods between their
    // `started_s` and `finished_s` at any moment, and each pod finished its 30 s of work.
    let spec = "      completions: 6\n      parallelism: 2";
    let text = job_scenario("10m", &job("batch", spec, "work:1", "Never"));
    let s = crate::support::load_text(&text);
    let o = kubesim::simulate(&s, None);
    let rows: Vec<_> = crate::support::pods_csv(&s, &o).into_iter().filter(|r| r["owner"] == "job/batch").collect();
    assert_eq!(rows.len(), 6);
    let field = |r: &std::collections::BTreeMap<String, String>, c: &str| -> f64 {
        r[c].parse().unwrap_or_else(|_| panic!("{c} of {} is a time: {:?}", r["pod"], r[c]))
    };
    let spans: Vec<(f64, f64)> = rows.iter().map(|r| (field(r, "started_s"), field(r, "finished_s"))).collect();
    for (r, (start, end)) in rows.iter().zip(&spans) {
        assert_eq!(r["phase"], "Succeeded");
        assert!((end - start - 30.0).abs() < 0.001, "{} ran 30s: {start}..{end}", r["pod"]);
    }
    let most = spans.iter().map(|&(t, _)| spans.iter().filter(|&&(s, e)| s <= t && t < e).count()).max();
    assert_eq!(most, Some(2), "parallelism 2, read from pods.csv");
}

#[test]
fn a_failing_job_backs_off_10s_then_20s_and_stops_at_its_backoff_limit() {
    let o = run_text(&job_scenario("5m", &job("flaky", "      backoffLimit: 2", "crash:1", "Never")));
    let pods = owned(&o, "job/flaky");
    assert_eq!(pods.len(), 3, "the first try and backoffLimit retries");
    assert!(pods.iter().all(|p| p.phase == PodPhase::Failed));
    // Each replacement waits for the back-off after the previous pod failed.
    let waits: Vec<f64> = pods
        .windows(2)
        .map(|w| secs(w[1].created) - secs(w[0].finished.expect("finished")))
        .map(|w| (w * 10.0).round() / 10.0)
        .collect();
    assert_eq!(waits, vec![10.0, 20.0]);
    let failed = events(&o, "job/flaky", "BackoffLimitExceeded");
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].1, "Job has reached the specified backoff limit");
    let job = &o.store.jobs[JobId(0)];
    assert_eq!((job.status.succeeded, job.status.failed), (0, 3));
    assert!(events(&o, "job/flaky", "Completed").is_empty());
}

#[test]
fn an_active_deadline_deletes_the_pods_and_fails_the_job() {
    let spec = "      parallelism: 2\n      completions: 4\n      activeDeadlineSeconds: 60";
    let o = run_text(&job_scenario("5m", &job("slow", spec, "slow:1", "Never")));
    let failed = events(&o, "job/slow", "DeadlineExceeded");
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].1, "Job was active longer than specified deadline");
    assert!((60.0..60.1).contains(&failed[0].0), "failed at {}", failed[0].0);
    let pods = owned(&o, "job/slow");
    assert_eq!(pods.len(), 2);
    for p in &pods {
        let t = secs(p.terminating.expect("deleted at the deadline"));
        assert!((60.0..60.1).contains(&t), "{} deleted at {t}", p.name);
        assert!(p.deleted.is_some());
    }
}

#[test]
fn a_finished_job_and_its_pods_go_after_ttl_seconds_after_finished() {
    let spec = "      ttlSecondsAfterFinished: 30";
    let o = run_text(&job_scenario("5m", &job("once", spec, "quick:1", "OnFailure")));
    let done = events(&o, "job/once", "Completed");
    assert_eq!(done.len(), 1);
    let finished = done[0].0;
    assert!((11.0..13.0).contains(&finished), "completed at {finished}");
    assert!(o.store.jobs[JobId(0)].deleted, "the Job is gone");
    let pods = owned(&o, "job/once");
    assert_eq!(pods.len(), 1);
    let gone = secs(pods[0].deleted.expect("the pod is gone with its Job"));
    assert!((finished + 30.0..finished + 31.0).contains(&gone), "deleted at {gone}, completed at {finished}");
    assert_eq!(pods[0].phase, PodPhase::Succeeded);
}

const DAEMONS: &str = "
duration: 10m
cluster:
  nodes:
    - {name: worker, count: 3, capacity: {cpu: '4', memory: 8Gi}, labels: {monitored: 'yes'}}
    - {name: gpu, capacity: {cpu: '4', memory: 8Gi}, labels: {monitored: 'yes'}, taints: [{key: gpu, value: 'true', effect: NoSchedule}]}
    - {name: spare, capacity: {cpu: '4', memory: 8Gi}}
images:
  agent:1: {pull: 1s, start: 0s}
  web:1: {pull: 1s, start: 0s}
objects:
  - apiVersion: apps/v1
    kind: DaemonSet
    metadata: {name: agent}
    spec:
      selector: {matchLabels: {app: agent}}
      template:
        metadata: {labels: {app: agent}}
        spec:
          nodeSelector: {monitored: 'yes'}
          containers: [{name: agent, image: 'agent:1', resources: {requests: {cpu: 50m}}}]
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      replicas: 8
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec:
          containers: [{name: web, image: 'web:1', resources: {requests: {cpu: 100m}}}]
timeline:
  - {at: 1m, run: kubectl label nodes spare monitored=yes}
  - {at: 2m, fail: node/worker-1}
  - {at: 3m, run: kubectl drain worker-2 --ignore-daemonsets}
  - {at: 3m, run: kubectl drain worker-3}
";

fn node_of<'a>(o: &'a Outcome, p: &Pod) -> &'a str {
    p.node.map_or("", |n| o.store.nodes()[n].name.as_str())
}

#[test]
fn a_daemon_set_runs_one_pod_per_eligible_node_and_follows_relabelled_nodes() {
    let o = run_text(DAEMONS);
    let pods = owned(&o, "daemonset/agent");
    let on_at = |t: f64| -> Vec<&str> {
        let mut v: Vec<&str> = pods
            .iter()
            .filter(|p| secs(p.created) <= t && p.deleted.is_none_or(|d| secs(d) > t))
            .map(|p| node_of(&o, p))
            .collect();
        v.sort_unstable();
        v
    };
    // The tainted gpu node and the unlabelled spare node get none at first.
    assert_eq!(on_at(59.0), vec!["worker-1", "worker-2", "worker-3"]);
    // Labelled `monitored=yes` at 1m, the spare node gets its pod.
    assert_eq!(on_at(65.0), vec!["spare", "worker-1", "worker-2", "worker-3"]);
    let spare = pods.iter().find(|p| node_of(&o, p) == "spare").expect("a pod on spare");
    assert!((60.0..60.1).contains(&secs(spare.created)), "created at {}", secs(spare.created));
    assert!(spare.first_ready.is_some());
    assert_eq!(pods.len(), 4, "no pod was ever replaced");
    for p in &pods {
        let taint_free = p.spec.tolerations.iter().find(|t| t.key == "node.kubernetes.io/unreachable");
        assert_eq!(taint_free.map(|t| t.toleration_seconds), Some(None), "{} tolerates unreachable forever", p.name);
    }
}

#[test]
fn daemon_pods_survive_a_dead_node_and_drains_that_ignore_them() {
    let o = run_text(DAEMONS);
    let agent_on = |node: &str| {
        owned(&o, "daemonset/agent").into_iter().find(|p| node_of(&o, p) == node).expect("a daemon pod there")
    };
    // worker-1 crashed at 2m: its web pods are evicted 300s after the unreachable taint,
    // its agent stays.
    let evicted: Vec<(f64, String)> = o
        .recorder
        .records
        .iter()
        .filter(|e| e.reason == "TaintManagerEviction")
        .map(|e| (e.time.as_secs_f64(), e.object.clone()))
        .collect();
    assert!(!evicted.is_empty(), "the web pods on worker-1 are evicted");
    assert!(evicted.iter().all(|(t, object)| *t > 420.0 && object.starts_with("pod/web-")), "{evicted:?}");
    assert!(agent_on("worker-1").terminating.is_none(), "the daemon pod is never evicted");
    // Drained with --ignore-daemonsets: the web pods go, the agent stays.
    let web_left = owned(&o, "deployment/web")
        .into_iter()
        .filter(|p| node_of(&o, p) == "worker-2" && p.terminating.is_none())
        .count();
    assert_eq!(web_left, 0);
    assert!(agent_on("worker-2").terminating.is_none());
    let drained = events(&o, "node/worker-2", "Drain");
    assert!(drained.iter().any(|(_, m)| m == "node/worker-2 drained"), "{drained:?}");
    let warned = format!("Warning: ignoring DaemonSet-managed Pods: default/{}", agent_on("worker-2").name);
    assert!(drained.iter().any(|(_, m)| *m == warned), "{drained:?}");
    // Without the flag kubectl refuses, in its words.
    let refused = events(&o, "node/worker-3", "KubectlError");
    let expected = format!(
        "kubectl drain worker-3: error: unable to drain node \"worker-3\" due to error: cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): default/{}",
        agent_on("worker-3").name
    );
    assert_eq!(refused.iter().map(|(_, m)| m.as_str()).collect::<Vec<_>>(), vec![expected.as_str()]);
}

const STATEFUL: &str = "
duration: 10m
cluster: {nodes: [{name: worker, count: 3, capacity: {cpu: '4', memory: 8Gi}}]}
images:
  db:1: {pull: 1s, start: 1s, readyAfter: 5s}
  db:2: {pull: 1s, start: 1s, readyAfter: 5s}
objects:
  - apiVersion: apps/v1
    kind: StatefulSet
    metadata: {name: web}
    spec:
      replicas: 4
      serviceName: web
      selector: {matchLabels: {app: web}}
      updateStrategy: {type: RollingUpdate, rollingUpdate: {partition: 2}}
      template:
        metadata: {labels: {app: web}}
        spec:
          containers:
            - name: db
              image: db:1
              readinessProbe: {httpGet: {path: /, port: 80}, periodSeconds: 2}
timeline:
  - {at: 2m, run: kubectl set image statefulset/web db=db:2}
  - {at: 5m, run: kubectl scale statefulset/web --replicas=2}
";

/// Every incarnation of the set's pod `name`, in creation order.
fn incarnations<'a>(pods: &[&'a Pod], name: &str) -> Vec<&'a Pod> {
    pods.iter().copied().filter(|p| p.name == name).collect()
}

#[test]
fn an_ordered_stateful_set_starts_each_pod_after_the_previous_is_ready() {
    let o = run_text(STATEFUL);
    let pods = owned(&o, "statefulset/web");
    let first: Vec<&Pod> = (0..4).map(|i| incarnations(&pods, &format!("web-{i}"))[0]).collect();
    for w in first.windows(2) {
        let ready = w[0].first_ready.expect("ready");
        assert!(
            w[1].created > ready,
            "{} created at {} before {} was ready at {}",
            w[1].name,
            secs(w[1].created),
            w[0].name,
            secs(ready)
        );
    }
    let created = events(&o, "statefulset/web", "SuccessfulCreate");
    assert_eq!(created[0].1, "create Pod web-0 in StatefulSet web successful");
    assert!(first.iter().all(|p| p.labels["controller-revision-hash"] == first[0].labels["controller-revision-hash"]));
}

#[test]
fn a_partitioned_rolling_update_replaces_only_the_ordinals_above_it_from_the_top() {
    let o = run_text(STATEFUL);
    let pods = owned(&o, "statefulset/web");
    for name in ["web-0", "web-1"] {
        let lives = incarnations(&pods, name);
        assert_eq!(lives.len(), 1, "{name} is below the partition and never replaced");
        assert_eq!(lives[0].spec.containers[0].image, "db:1");
    }
    let web3 = incarnations(&pods, "web-3");
    let web2 = incarnations(&pods, "web-2");
    assert_eq!((web3.len(), web2.len()), (2, 2), "web-3 and web-2 are replaced once each");
    assert_eq!((web3[1].spec.containers[0].image.as_str(), web3[1].revision), ("db:2", 2));
    assert_eq!(web2[1].spec.containers[0].image, "db:2");
    // web-3 first; web-2 only once the new web-3 is Running and Ready.
    let web3_ready = web3[1].first_ready.expect("the new web-3 is ready");
    let web2_deleted = web2[0].terminating.expect("the old web-2 is deleted");
    assert!(secs(web3[0].terminating.expect("old web-3 deleted")) >= 120.0);
    assert!(web2_deleted > web3_ready, "web-2 at {} waits for web-3 ready at {}", secs(web2_deleted), secs(web3_ready));
    // The new web-3 waits for the old one to be gone: the name is taken until then.
    assert!(web3[1].created >= web3[0].deleted.expect("gone"));
}

#[test]
fn scaling_a_stateful_set_down_removes_the_highest_ordinal_first() {
    let o = run_text(STATEFUL);
    let deleted = events(&o, "statefulset/web", "SuccessfulDelete");
    let after_scale: Vec<&str> = deleted.iter().filter(|(t, _)| *t >= 300.0).map(|(_, m)| m.as_str()).collect();
    assert_eq!(
        after_scale,
        vec!["delete Pod web-3 in StatefulSet web successful", "delete Pod web-2 in StatefulSet web successful"]
    );
    let pods = owned(&o, "statefulset/web");
    let web3_gone = incarnations(&pods, "web-3")[1].deleted.expect("web-3 gone");
    let web2_going = incarnations(&pods, "web-2")[1].terminating.expect("web-2 deleted");
    assert!(
        web2_going >= web3_gone,
        "web-2 at {} waits until web-3 is gone at {}: {deleted:?}",
        secs(web2_going),
        secs(web3_gone)
    );
    let left: Vec<&str> = pods.iter().filter(|p| p.deleted.is_none()).map(|p| p.name.as_str()).collect();
    assert_eq!(left, vec!["web-0", "web-1"]);
}

#[test]
fn a_finished_job_pod_frees_its_node_for_the_next_one() {
    // One node with room for one pod at a time: each pod can only be scheduled once the
    // previous one finished, since a Succeeded pod no longer holds its requests.
    let text = "
duration: 5m
cluster: {nodes: [{name: worker, capacity: {cpu: '2', memory: 8Gi}}]}
images:
  quick:1: {pull: 1s, start: 0s, runFor: 10s}
objects:
  - apiVersion: batch/v1
    kind: Job
    metadata: {name: steps}
    spec:
      completions: 3
      parallelism: 3
      template:
        spec:
          restartPolicy: Never
          containers: [{name: step, image: 'quick:1', resources: {requests: {cpu: 1500m}}}]
";
    let o = run_text(text);
    let pods = owned(&o, "job/steps");
    assert_eq!(pods.len(), 3);
    assert!(pods.iter().all(|p| p.phase == PodPhase::Succeeded));
    assert_eq!(max_running(&pods), 1);
    let done = events(&o, "job/steps", "Completed");
    assert_eq!(done.len(), 1);
    assert!(done[0].0 > 30.0 && done[0].0 < 40.0, "three 10s steps in a row: completed at {}", done[0].0);
}

#[test]
fn a_daemon_set_rolls_one_node_at_a_time_and_a_deleted_job_takes_its_pods() {
    let text = "
duration: 5m
cluster: {nodes: [{name: worker, count: 4, capacity: {cpu: '4', memory: 8Gi}}]}
images:
  agent:1: {pull: 1s, start: 1s}
  agent:2: {pull: 3s, start: 1s}
  slow:1: {pull: 1s, start: 0s, runFor: 10m}
objects:
  - apiVersion: apps/v1
    kind: DaemonSet
    metadata: {name: agent}
    spec:
      selector: {matchLabels: {app: agent}}
      template:
        metadata: {labels: {app: agent}}
        spec:
          containers: [{name: agent, image: 'agent:1'}]
  - apiVersion: batch/v1
    kind: Job
    metadata: {name: batch}
    spec:
      parallelism: 2
      completions: 4
      template:
        spec:
          restartPolicy: OnFailure
          containers: [{name: work, image: 'slow:1'}]
timeline:
  - {at: 1m, run: kubectl set image daemonset/agent agent=agent:2}
  - {at: 2m, run: kubectl delete job/batch}
";
    let o = run_text(text);
    let agents = owned(&o, "daemonset/agent");
    assert_eq!(agents.len(), 8, "each of 4 nodes: its first pod, then one of revision 2");
    let new: Vec<&&Pod> = agents.iter().filter(|p| p.revision == 2).collect();
    assert_eq!(new.len(), 4);
    assert!(new.iter().all(|p| p.spec.containers[0].image == "agent:2" && p.first_ready.is_some()));
    // maxUnavailable 1: an old pod is deleted only once the previous node's new pod is
    // ready, so the deletions are spread out and never two nodes lack a ready agent at once.
    let mut deleted: Vec<f64> =
        agents.iter().filter(|p| p.revision == 1).map(|p| secs(p.terminating.expect("replaced"))).collect();
    deleted.sort_by(f64::total_cmp);
    assert!(deleted.windows(2).all(|w| w[1] - w[0] >= 4.0), "one node at a time: {deleted:?}");
    let unready_at = |t: f64| {
        agents
            .iter()
            .filter(|p| {
                p.terminating.is_some_and(|x| secs(x) <= t)
                    && !agents
                        .iter()
                        .any(|q| q.node == p.node && q.revision == 2 && q.first_ready.is_some_and(|r| secs(r) <= t))
            })
            .count()
    };
    assert!(deleted.iter().all(|&t| unready_at(t) <= 1));
    // The Job's running pods go with it; the Job is gone.
    let work = owned(&o, "job/batch");
    assert_eq!(work.len(), 2);
    assert!(work.iter().all(|p| p.terminating.is_some_and(|t| (120.0..120.1).contains(&secs(t)))));
    assert!(o.store.jobs[JobId(0)].deleted);
}

/// The most pods of the set not Ready at once between `from` and the run's end: pods that
/// were Ready before `from`, gone (or not Ready yet) at a change point, count as unavailable.
fn most_unready_during_update(o: &Outcome, set: &str, replicas: usize, from: f64) -> usize {
    let pods = owned(o, set);
    let mut times: Vec<SimTime> = pods.iter().flat_map(|p| [p.terminating, p.first_ready]).flatten().collect();
    times.retain(|t| t.as_secs_f64() >= from);
    times.sort_unstable();
    times
        .iter()
        .map(|&t| {
            let ready = pods
                .iter()
                .filter(|p| p.first_ready.is_some_and(|r| r <= t) && p.terminating.is_none_or(|g| g > t))
                .count();
            replicas.saturating_sub(ready)
        })
        .max()
        .unwrap_or(0)
}

#[test]
fn a_stateful_sets_max_unavailable_updates_two_pods_at_a_time_and_min_ready_seconds_paces_it() {
    // stateful_set_control.go updateStatefulSetAfterInvariantEstablished (MaxUnavailableStatefulSet,
    // beta and on by default since Kubernetes 1.35): with maxUnavailable 2, two outdated pods
    // go at once; without it, one. Parallel management, no partition, 6 replicas.
    let base = STATEFUL
        .replace("replicas: 4", "replicas: 6\n      podManagementPolicy: Parallel")
        .replace("  - {at: 5m, run: kubectl scale statefulset/web --replicas=2}\n", "");
    let one = base.replace("{partition: 2}", "{partition: 0}");
    let two = base.replace("{partition: 2}", "{partition: 0, maxUnavailable: 2}");
    let (o1, o2) = (run_text(&one), run_text(&two));
    assert_eq!(most_unready_during_update(&o1, "statefulset/web", 6, 120.0), 1);
    assert_eq!(most_unready_during_update(&o2, "statefulset/web", 6, 120.0), 2);
    let done = |o: &Outcome| {
        owned(o, "statefulset/web").iter().filter_map(|p| p.first_ready).map(|t| t.as_secs_f64()).fold(0.0, f64::max)
    };
    assert!(done(&o2) < done(&o1) - 10.0, "two at a time finishes sooner: {} vs {}", done(&o2), done(&o1));
    // minReadySeconds: a replaced pod counts as available (and the next goes) 20s after Ready.
    let paced = one.replace("replicas: 6\n", "replicas: 6\n      minReadySeconds: 20\n");
    let o3 = run_text(&paced);
    let deleted = events(&o3, "statefulset/web", "SuccessfulDelete");
    let gaps: Vec<f64> = deleted.windows(2).map(|w| w[1].0 - w[0].0).collect();
    assert!(gaps.iter().all(|g| *g >= 20.0), "each next pod waits minReadySeconds: {gaps:?}");
}
