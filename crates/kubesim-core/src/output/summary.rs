//! summary.json (deterministic headline figures) and run.json (this machine's timings).

use super::RunInfo;
use crate::metrics::percentile;
use crate::model::spec::Scenario;
use crate::sim::Outcome;
use serde_json::{json, Map, Value};

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The headline figures of one run, as a flat JSON object (keys sorted).
pub struct Summary {
    pub fields: Map<String, Value>,
}

fn ms(us: u64) -> f64 {
    (us as f64 / 1_000.0 * 1_000.0).round() / 1_000.0
}

impl Summary {
    pub fn new(scenario: &Scenario, outcome: &Outcome) -> Self {
        let mut f = Map::new();
        f.insert("scenario".into(), json!(scenario.name));
        f.insert("seed".into(), json!(scenario.seed));
        f.insert("kubesim_version".into(), json!(VERSION));
        f.insert("events_processed".into(), json!(outcome.events_processed));
        f.insert("sim_time_s".into(), json!(outcome.end.as_secs_f64()));
        let pods = &outcome.store.pods;
        f.insert("pods_created".into(), json!(pods.len()));
        f.insert("pod_restarts".into(), json!(pods.iter().map(|p| u64::from(p.restarts())).sum::<u64>()));
        f.insert("pods_evicted".into(), json!(outcome.metrics.pods_evicted));
        f.insert("pods_unschedulable_max".into(), json!(outcome.metrics.pods_unschedulable_max));
        let mut latencies = outcome.metrics.scheduling_latency_us.clone();
        latencies.sort_unstable();
        if let (Some(p50), Some(p99)) = (percentile(&latencies, 50.0), percentile(&latencies, 99.0)) {
            f.insert("scheduling_latency_p50_ms".into(), json!(ms(p50)));
            f.insert("scheduling_latency_p99_ms".into(), json!(ms(p99)));
        }
        insert_rollouts(&mut f, outcome);
        insert_traffic(&mut f, outcome);
        insert_recoveries(&mut f, outcome);
        insert_jobs(&mut f, outcome);
        insert_node_pools(&mut f, outcome);
        Summary { fields: f }
    }
}

fn insert_recoveries(f: &mut Map<String, Value>, outcome: &Outcome) {
    let recoveries = &outcome.metrics.recovery.recoveries;
    if recoveries.is_empty() {
        return;
    }
    let list: Vec<Value> = recoveries
        .iter()
        .map(|r| {
            json!({
                "fault": r.what,
                "at_s": r.at.as_secs_f64(),
                "recovered_s": r.recovered.map(|t| t.as_secs_f64()),
                "duration_s": r.recovered.map(|t| t.since(r.at).as_secs_f64()),
            })
        })
        .collect();
    let durations: Vec<f64> =
        recoveries.iter().filter_map(|r| r.recovered.map(|t| t.since(r.at).as_secs_f64())).collect();
    if !durations.is_empty() {
        let mean = durations.iter().sum::<f64>() / durations.len() as f64;
        f.insert("time_to_recover_s".into(), json!((mean * 1000.0).round() / 1000.0));
    }
    f.insert("recoveries".into(), Value::Array(list));
}

/// `jobs`: each Job's end (`Complete`, `BackoffLimitExceeded`, `DeadlineExceeded`, or null
/// while it runs), when it started and finished, and its pods' outcomes; `job_duration_s`:
/// the mean time from start to completion of the Jobs that completed.
fn insert_jobs(f: &mut Map<String, Value>, outcome: &Outcome) {
    let jobs = &outcome.store.jobs;
    if jobs.is_empty() {
        return;
    }
    let mut by_name = Map::new();
    let mut durations = Vec::new();
    for j in jobs {
        let status = &j.status;
        let finished = status.finished.map(|(_, t)| t);
        let duration = status.start_time.zip(finished).map(|(s, e)| e.since(s).as_secs_f64());
        if let (Some(d), Some((o, _))) = (duration, status.finished) {
            if !o.failed() {
                durations.push(d);
            }
        }
        let key = crate::metrics::timeseries::column_name(&j.namespace, &j.name);
        let v = json!({
            "outcome": status.finished.map(|(o, _)| if o.failed() { o.reason() } else { "Complete" }),
            "started_s": status.start_time.map(|t| t.as_secs_f64()),
            "finished_s": finished.map(|t| t.as_secs_f64()),
            "duration_s": duration,
            "succeeded": status.succeeded,
            "failed": status.failed,
            "pods_created": j.pods.len(),
        });
        by_name.insert(key, v);
    }
    if !durations.is_empty() {
        let mean = durations.iter().sum::<f64>() / durations.len() as f64;
        f.insert("job_duration_s".into(), json!((mean * 1000.0).round() / 1000.0));
    }
    f.insert("jobs".into(), Value::Object(by_name));
}

/// Dollars to a hundredth of a cent.
fn dollars(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// What the nodes cost and how long pods waited for capacity, when the scenario prices or
/// scales nodes: flat figures a sweep compares, and `node_pools` per group.
fn insert_node_pools(f: &mut Map<String, Value>, outcome: &Outcome) {
    let Some(p) = &outcome.node_pools else { return };
    let hours = outcome.end.as_secs_f64() / 3600.0;
    let cost = p.cost();
    f.insert("cost_dollars".into(), json!(dollars(cost)));
    f.insert("cost_per_hour_dollars".into(), json!(if hours > 0.0 { dollars(cost / hours) } else { 0.0 }));
    f.insert("node_hours".into(), json!((p.node_hours() * 1000.0).round() / 1000.0));
    f.insert("nodes_peak".into(), json!(p.groups.iter().map(|g| g.nodes_peak).sum::<u32>()));
    f.insert("scale_ups".into(), json!(p.groups.iter().map(|g| g.scale_ups).sum::<u32>()));
    f.insert("scale_downs".into(), json!(p.scale_downs));
    f.insert("spot_interruptions".into(), json!(p.groups.iter().map(|g| g.spot_interruptions).sum::<u32>()));
    f.insert("autoscaler_evictions".into(), json!(p.evictions));
    f.insert("pods_waited_for_capacity".into(), json!(p.waited_us.len()));
    f.insert("pods_still_waiting_for_capacity".into(), json!(p.still_waiting));
    let secs = |q: f64| percentile(&p.waited_us, q).map_or(0.0, |us| (us as f64 / 1000.0).round() / 1000.0);
    f.insert("pending_for_capacity_p50_s".into(), json!(secs(50.0)));
    f.insert("pending_for_capacity_p99_s".into(), json!(secs(99.0)));
    f.insert("pending_for_capacity_max_s".into(), json!(secs(100.0)));
    let groups: Map<String, Value> = p
        .groups
        .iter()
        .map(|g| {
            let v = json!({
                "instance_type": g.instance_type,
                "capacity_type": g.capacity_type,
                "price_per_hour": g.price_per_hour,
                "min": g.bounds.map(|b| b.0),
                "max": g.bounds.map(|b| b.1),
                "nodes_start": g.nodes_start,
                "nodes_end": g.nodes_end,
                "nodes_peak": g.nodes_peak,
                "node_hours": (g.node_hours * 1000.0).round() / 1000.0,
                "cost_dollars": dollars(g.cost),
                "scale_ups": g.scale_ups,
                "nodes_added": g.nodes_added,
                "nodes_removed": g.nodes_removed,
                "spot_interruptions": g.spot_interruptions,
            });
            (g.name.clone(), v)
        })
        .collect();
    f.insert("node_pools".into(), Value::Object(groups));
}

/// A latency in milliseconds to the microsecond.
fn latency_ms(v: Option<f64>) -> Value {
    v.map_or(Value::Null, |ms| json!((ms * 1000.0).round() / 1000.0))
}

fn insert_traffic(f: &mut Map<String, Value>, outcome: &Outcome) {
    let t = &outcome.metrics.traffic;
    if t.has_traffic {
        let total = &t.total;
        let availability =
            if total.requests > 0 { (total.requests - total.errors) as f64 / total.requests as f64 } else { 1.0 };
        f.insert("availability".into(), json!((availability * 1e6).round() / 1e6));
        f.insert("requests_total".into(), json!(total.requests));
        f.insert("requests_failed".into(), json!(total.errors));
        f.insert("latency_p50_ms".into(), latency_ms(total.p50_ms()));
        f.insert("latency_p99_ms".into(), latency_ms(total.p99_ms()));
        let reasons: Map<String, Value> = t.failures.iter().map(|(why, n)| (why.key().to_string(), json!(n))).collect();
        f.insert("requests_failed_by_reason".into(), Value::Object(reasons));
        if !t.errors_by_image.is_empty() {
            // Present only when some app answered with an error (an image's `errorRate`).
            let by_image: Map<String, Value> =
                t.errors_by_image.iter().map(|(image, n)| (image.clone(), json!(n))).collect();
            f.insert("http_5xx_by_image".into(), Value::Object(by_image));
        }
    }
    if t.services.is_empty() {
        return;
    }
    f.insert("service_unavailable_s".into(), json!(t.unavailable().as_secs_f64()));
    let services: Map<String, Value> = t
        .services
        .iter()
        .map(|s| {
            let v = json!({
                "requests": s.run.requests,
                "errors": s.run.errors,
                "latency_p50_ms": latency_ms(s.run.p50_ms()),
                "latency_p99_ms": latency_ms(s.run.p99_ms()),
                "unavailable_s": s.unavailable.as_secs_f64(),
            });
            (s.name.clone(), v)
        })
        .collect();
    f.insert("services".into(), Value::Object(services));
    insert_calls(f, outcome);
}

/// The call graph's edges and background work, when the scenario's images call or work.
fn insert_calls(f: &mut Map<String, Value>, outcome: &Outcome) {
    let calls = &outcome.metrics.traffic.calls;
    let reasons = |failures: &std::collections::BTreeMap<crate::metrics::traffic::Failure, u64>| -> Value {
        Value::Object(failures.iter().map(|(why, n)| (why.key().to_string(), json!(n))).collect())
    };
    let end = outcome.end;
    if !calls.edges.is_empty() {
        let edges: Vec<Value> = calls
            .edges
            .iter()
            .map(|e| {
                json!({
                    "caller": e.caller,
                    "callee": e.callee,
                    "requests": e.run.requests,
                    "errors": e.run.errors,
                    "errors_by_reason": reasons(&e.failures),
                    "retries": e.retries,
                    "degraded": e.degraded,
                    "latency_p50_ms": latency_ms(e.run.p50_ms()),
                    "latency_p99_ms": latency_ms(e.run.p99_ms()),
                    "mean_open_ms": latency_ms(e.mean_open_ms()),
                    "mean_in_flight": (e.mean_open(end) * 1e6).round() / 1e6,
                })
            })
            .collect();
        f.insert("edges".into(), Value::Array(edges));
    }
    if let Some(entries) = &calls.entries {
        // Each traffic source's requests end to end (a name twice: the second source's gets `#2`).
        let mut out = Map::new();
        for (i, e) in entries.iter().enumerate() {
            let key = if out.contains_key(&e.name) { format!("{} #{}", e.name, i + 1) } else { e.name.clone() };
            let v = json!({
                "requests": e.run.requests,
                "errors": e.run.errors,
                "errors_by_reason": reasons(&e.failures),
                "latency_p50_ms": latency_ms(e.run.p50_ms()),
                "latency_p99_ms": latency_ms(e.run.p99_ms()),
            });
            out.insert(key, v);
        }
        f.insert("entry_points".into(), Value::Object(out));
    }
    if !calls.background.is_empty() {
        let background: Map<String, Value> = calls
            .background
            .iter()
            .map(|b| {
                let v = json!({
                    "tasks": b.run.requests,
                    "errors": b.run.errors,
                    "errors_by_reason": reasons(&b.failures),
                    "latency_p50_ms": latency_ms(b.run.p50_ms()),
                    "latency_p99_ms": latency_ms(b.run.p99_ms()),
                });
                (b.caller.clone(), v)
            })
            .collect();
        f.insert("background".into(), Value::Object(background));
    }
}

fn insert_rollouts(f: &mut Map<String, Value>, outcome: &Outcome) {
    let rollouts = &outcome.metrics.rollouts.rollouts;
    if rollouts.is_empty() {
        return;
    }
    let list: Vec<Value> = rollouts
        .iter()
        .map(|r| {
            let mut o = json!({
                "from_revision": r.revision_from,
                "started_s": r.started.as_secs_f64(),
                "completed_s": r.completed.map(|t| t.as_secs_f64()),
                "duration_s": r.completed.map(|t| t.since(r.started).as_secs_f64()),
                "replicas": r.replicas,
                "min_available": r.min_available,
                "max_pods": r.max_pods,
                "max_pods_with_terminating": r.max_pods_with_terminating,
                "superseded": r.superseded,
            });
            if let Some(o) = o.as_object_mut() {
                // `deployment` for a Deployment (as before), `rollout` for an Argo Rollout.
                o.insert(r.kind.resource().to_string(), json!(r.deployment));
            }
            o
        })
        .collect();
    let durations: Vec<f64> =
        rollouts.iter().filter_map(|r| r.completed.map(|t| t.since(r.started).as_secs_f64())).collect();
    if !durations.is_empty() {
        let mean = durations.iter().sum::<f64>() / durations.len() as f64;
        f.insert("rollout_duration_s".into(), json!((mean * 1000.0).round() / 1000.0));
    }
    f.insert("rollouts_completed".into(), json!(durations.len()));
    f.insert("min_available".into(), json!(rollouts.iter().map(|r| r.min_available).min()));
    f.insert("max_surge_observed".into(), json!(rollouts.iter().map(|r| r.max_pods - r.replicas).max()));
    f.insert("rollouts".into(), Value::Array(list));
}

pub fn summary_json(summary: &Summary) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(&Value::Object(summary.fields.clone())).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// `run.json`: how the run went on this machine. With `--profile`, `profile` breaks the wall
/// time down: seconds and events per component, and `output_s` for writing the other files.
pub fn run_json(summary: &Summary, outcome: &Outcome, info: &RunInfo, output_s: f64) -> Vec<u8> {
    let events_per_s = if info.wall_time_s > 0.0 { outcome.events_processed as f64 / info.wall_time_s } else { 0.0 };
    let mut v = json!({
        "scenario": summary.fields.get("scenario"),
        "kubesim_version": VERSION,
        "wall_time_s": info.wall_time_s,
        "events_per_s": events_per_s.round(),
        "events_processed": outcome.events_processed,
        "threads": info.threads,
    });
    if let (Some(hash), Some(fields)) = (&info.sweep_hash, v.as_object_mut()) {
        fields.insert("sweep_hash".into(), json!(hash));
    }
    if let (Some(variant), Some(fields)) = (&info.variant, v.as_object_mut()) {
        fields.insert("variant".into(), json!(variant));
    }
    if let (Some(profile), Some(fields)) = (&outcome.wall_profile, v.as_object_mut()) {
        let mut components = serde_json::Map::new();
        for (name, seconds, events) in profile.rows() {
            components.insert(name.to_string(), json!({ "seconds": seconds, "events": events }));
        }
        fields.insert("profile".into(), json!({ "components": components, "output_s": output_s }));
    }
    let mut bytes = serde_json::to_vec_pretty(&v).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}
