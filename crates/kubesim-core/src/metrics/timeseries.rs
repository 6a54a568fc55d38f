//! The time series: one row per sample, one column per `KIND/NAME/SERIES`.

use super::calls::CallMetrics;
use super::rollouts::pod_counts_visiting;
use super::tally::PodTally;
use super::traffic::ServiceStats;
use crate::engine::SimTime;
use crate::model::spec::Kind;
use crate::model::store::Store;
use std::collections::BTreeMap;

pub struct TimeSeries {
    pub columns: Vec<String>,
    /// (kind, namespace, name) of each tracked Deployment and Argo Rollout, in column order.
    deployments: Vec<(Kind, String, String)>,
    /// Each tracked Deployment's row as last found: ids are never reused and a row found by
    /// name stays that name's until it is deleted, so it is looked up by name (two string
    /// keys built and compared) only when it was not there or has been deleted.
    found: Vec<Option<crate::model::store::DeployId>>,
    services: usize,
    /// How many edges and background workloads have columns.
    edges: usize,
    background: usize,
    /// (namespace, name) of each tracked HorizontalPodAutoscaler, in column order.
    hpas: Vec<(String, String)>,
    /// Per sample: the time and one value per column (None where it does not apply yet).
    pub rows: Vec<(SimTime, Vec<Option<f64>>)>,
    /// Per tracked Deployment (column order): revision -> ready pods at each sample, for the
    /// rollout charts. A revision first seen late is zero-filled before.
    pub ready_by_revision: Vec<BTreeMap<i64, Vec<u32>>>,
}

const DEPLOYMENT_SERIES: [&str; 4] = ["desired", "ready", "available", "updated"];
/// Per HPA: its status at its last sync (`kubectl get hpa`'s REPLICAS and TARGETS).
pub const HPA_SERIES: [&str; 3] = ["current_replicas", "desired_replicas", "cpu_utilization"];
const SERVICE_SERIES: [&str; 5] = ["endpoints", "requests", "errors", "latency_p50_ms", "latency_p99_ms"];
/// Per edge of the call graph: attempts, failed attempts, retries and latency.
pub const EDGE_SERIES: [&str; 5] = ["requests", "errors", "retries", "latency_p50_ms", "latency_p99_ms"];
/// Per workload with background work: its tasks.
pub const BACKGROUND_SERIES: [&str; 4] = ["tasks", "errors", "latency_p50_ms", "latency_p99_ms"];
/// Per node group, when the scenario prices or autoscales nodes: nodes in the API, nodes
/// starting, and what the group costs per hour now.
pub const NODEPOOL_SERIES: [&str; 3] = ["nodes", "starting", "cost_per_hour"];
const CLUSTER_SERIES: [&str; 5] =
    ["pods_pending", "pods_running", "nodes_ready", "cpu_requested_frac", "memory_requested_frac"];

/// How an object is named in a column: `web`, or `ns:web` outside the default namespace.
pub fn column_name(namespace: &str, name: &str) -> String {
    let mut out = String::new();
    write_column_name(&mut out, namespace, name);
    out
}

/// `column_name`, appended to `out` (no allocation of its own).
pub fn write_column_name(out: &mut String, namespace: &str, name: &str) {
    if namespace != "default" {
        out.push_str(namespace);
        out.push(':');
    }
    out.push_str(name);
}

impl TimeSeries {
    /// `services`: column names (`web`, `ns:web`) of the Services, in the traffic metrics' order.
    pub fn new(
        deployments: &[(Kind, String, String)],
        services: &[String],
        calls: &CallMetrics,
        hpas: &[(String, String)],
        node_pools: &[String],
    ) -> Self {
        let mut columns = Vec::new();
        for (kind, ns, name) in deployments {
            for s in DEPLOYMENT_SERIES {
                columns.push(format!("{}/{}/{s}", kind.resource(), column_name(ns, name)));
            }
        }
        for name in services {
            for s in SERVICE_SERIES {
                columns.push(format!("service/{name}/{s}"));
            }
        }
        for e in calls.edges.iter().take(calls.edge_columns) {
            for s in EDGE_SERIES {
                columns.push(format!("edge/{}/{}/{s}", e.caller, e.callee));
            }
        }
        for b in calls.background.iter().take(calls.background_columns) {
            for s in BACKGROUND_SERIES {
                columns.push(format!("background/{}/{s}", b.caller));
            }
        }
        for (ns, name) in hpas {
            for s in HPA_SERIES {
                columns.push(format!("hpa/{}/{s}", column_name(ns, name)));
            }
        }
        for s in CLUSTER_SERIES {
            columns.push(format!("cluster/all/{s}"));
        }
        for name in node_pools {
            for s in NODEPOOL_SERIES {
                columns.push(format!("nodepool/{name}/{s}"));
            }
        }
        TimeSeries {
            columns,
            deployments: deployments.to_vec(),
            found: vec![None; deployments.len()],
            services: services.len(),
            edges: calls.edge_columns,
            background: calls.background_columns,
            hpas: hpas.to_vec(),
            rows: Vec::new(),
            ready_by_revision: vec![BTreeMap::new(); deployments.len()],
        }
    }

    /// The tracked Deployments and Rollouts, `(kind, namespace, name)`, in column order.
    pub fn deployments(&self) -> &[(Kind, String, String)] {
        &self.deployments
    }

    /// Appends one sample of ready pods per revision for Deployment `i`.
    fn push_revisions(&mut self, i: usize, counts: BTreeMap<i64, u32>) {
        let sample = self.rows.len();
        let series = &mut self.ready_by_revision[i];
        for (rev, n) in counts {
            series.entry(rev).or_insert_with(|| vec![0; sample]).push(n);
        }
        for values in series.values_mut() {
            values.resize(sample + 1, 0);
        }
    }

    /// Appends the node groups' figures to the last row (`NODEPOOL_SERIES` per group).
    pub fn extend_last_row(&mut self, values: impl IntoIterator<Item = f64>) {
        if let Some((_, row)) = self.rows.last_mut() {
            row.extend(values.into_iter().map(Some));
        }
    }

    /// One row; `services` are the traffic figures, whose intervals end now.
    pub fn sample(
        &mut self,
        store: &Store,
        now: SimTime,
        services: &[ServiceStats],
        calls: &CallMetrics,
        tally: &PodTally,
    ) {
        let mut row = Vec::with_capacity(self.columns.len());
        for i in 0..self.deployments.len() {
            let (kind, ns, name) = &self.deployments[i];
            let mut revisions: BTreeMap<i64, u32> = BTreeMap::new();
            let current = self.found[i].filter(|&d| {
                let row = &store.deployments[d];
                !row.deleted && row.rollout.is_some() == (*kind == Kind::Rollout)
            });
            let lookup = || match kind {
                Kind::Rollout => store.find_rollout(ns, name),
                _ => store.find_deployment(ns, name),
            };
            let found = current.or_else(lookup);
            debug_assert_eq!(found, lookup(), "the row found before is no longer {ns}/{name}'s");
            self.found[i] = found;
            match found {
                Some(d) => {
                    let c = match tally.deployment_counts(store, d) {
                        Some(c) => {
                            revisions = tally.ready_by_revision(d);
                            c
                        }
                        None => {
                            pod_counts_visiting(store, d, now, |pod| *revisions.entry(pod.revision).or_insert(0) += 1)
                        }
                    };
                    let desired = store.deployments[d].spec.replicas;
                    row.extend([desired, c.ready, c.available, c.updated].map(|v| Some(f64::from(v))));
                }
                None => row.extend([None; 4]),
            }
            self.push_revisions(i, revisions);
        }
        for s in services.iter().take(self.services) {
            let i = &s.interval;
            row.extend([
                Some(s.endpoints as f64),
                Some(i.requests as f64),
                Some(i.errors as f64),
                i.p50_ms(),
                i.p99_ms(),
            ]);
        }
        for e in calls.edges.iter().take(self.edges) {
            let i = &e.interval;
            row.extend([
                Some(i.requests as f64),
                Some(i.errors as f64),
                Some(e.interval_retries as f64),
                i.p50_ms(),
                i.p99_ms(),
            ]);
        }
        for b in calls.background.iter().take(self.background) {
            let i = &b.interval;
            row.extend([Some(i.requests as f64), Some(i.errors as f64), i.p50_ms(), i.p99_ms()]);
        }
        for (ns, name) in &self.hpas {
            match store.find_hpa(ns, name).map(|h| &store.hpas[h]) {
                Some(h) => {
                    let cpu = h.spec.metrics.iter().position(|m| {
                        matches!(
                            m,
                            crate::model::spec::HpaMetric::Resource {
                                resource: crate::model::spec::HpaResource::Cpu,
                                target: crate::model::spec::ResourceTarget::Utilization(_)
                            }
                        )
                    });
                    let util = cpu.and_then(|i| h.status.current_metrics.get(i).copied().flatten());
                    row.extend([
                        h.status.current_replicas.map(f64::from),
                        h.status.desired_replicas.map(f64::from),
                        util.map(|u| u as f64),
                    ]);
                }
                None => row.extend([None; 3]),
            }
        }
        let (pending, running) = (tally.pending, tally.running);
        let nodes_ready = store.nodes().iter().filter(|n| n.ready).count();
        let (mut cpu, mut cpu_cap, mut mem, mut mem_cap) = (0i64, 0i64, 0i64, 0i64);
        for n in store.nodes().iter().filter(|n| !n.removed) {
            cpu += n.requested.cpu_millis;
            cpu_cap += n.allocatable.cpu_millis;
            mem += n.requested.memory_bytes;
            mem_cap += n.allocatable.memory_bytes;
        }
        let frac = |a: i64, b: i64| if b > 0 { a as f64 / b as f64 } else { 0.0 };
        row.extend([
            Some(f64::from(pending)),
            Some(f64::from(running)),
            Some(nodes_ready as f64),
            Some(frac(cpu, cpu_cap)),
            Some(frac(mem, mem_cap)),
        ]);
        self.rows.push((now, row));
    }
}
