//! Node autoscaling over random clusters and workloads (the Cluster Autoscaler and
//! Karpenter): a pod no pool's template could take never gets a node asked for it; a pool
//! stays within its bounds; no eviction by scale-down or consolidation takes a Deployment
//! below its PodDisruptionBudget.

use super::*;
use crate::support::{events, lives};

/// Instance types a generated pool may have, with their allocatable CPU in millicores
/// (the catalogue's EKS figures).
const TYPES: [(&str, i64); 3] = [("m5.large", 1930), ("m5.xlarge", 3920), ("c5.large", 1930)];
const CPUS: [i64; 5] = [200, 500, 900, 1500, 3000];

#[derive(Clone, Debug)]
struct AutoscalingCase {
    seed: u64,
    instance: usize,
    min: u32,
    extra: u32,
    karpenter: bool,
    expander: &'static str,
    replicas: u32,
    cpu: usize,
    min_available: u32,
    picky: u32,
    scale_at_s: u64,
    scale_to: u32,
}

impl AutoscalingCase {
    fn yaml(&self) -> String {
        let (instance, _) = TYPES[self.instance];
        let autoscaler = if self.karpenter {
            "{type: karpenter, consolidateAfter: 0s}".to_string()
        } else {
            format!(
                "{{type: cluster-autoscaler, expander: {}, scaleDownUnneededTime: 1m, scaleDownDelayAfterAdd: 2m}}",
                self.expander
            )
        };
        format!(
            "
name: autoscaling-property
seed: {seed}
duration: 12m
sample: 5s
cluster:
  nodes:
    - {{name: pool, instanceType: {instance}, min: {min}, max: {max}, startupTime: 30s}}
  autoscaler: {autoscaler}
objects:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {{name: web}}
    spec:
      replicas: {replicas}
      selector: {{matchLabels: {{app: web}}}}
      template:
        metadata: {{labels: {{app: web}}}}
        spec:
          containers: [{{name: c, image: 'web:1', resources: {{requests: {{cpu: {cpu}m, memory: 256Mi}}}}}}]
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {{name: picky}}
    spec:
      replicas: {picky}
      selector: {{matchLabels: {{app: picky}}}}
      template:
        metadata: {{labels: {{app: picky}}}}
        spec:
          nodeSelector: {{disk: ssd}}
          containers: [{{name: c, image: 'web:1', resources: {{requests: {{cpu: 100m, memory: 64Mi}}}}}}]
  - apiVersion: policy/v1
    kind: PodDisruptionBudget
    metadata: {{name: web}}
    spec: {{minAvailable: {min_available}, selector: {{matchLabels: {{app: web}}}}}}
timeline:
  - at: {scale_at_s}s
    run: kubectl scale deployment/web --replicas={scale_to}
",
            seed = self.seed,
            min = self.min,
            max = self.min + self.extra,
            replicas = self.replicas,
            cpu = CPUS[self.cpu],
            picky = self.picky,
            min_available = self.min_available,
            scale_at_s = self.scale_at_s,
            scale_to = self.scale_to,
        )
    }
}

fn autoscaling_case() -> impl Strategy<Value = AutoscalingCase> {
    (
        (
            1u64..1000,
            0..TYPES.len(),
            0u32..3,
            1u32..5,
            any::<bool>(),
            prop::sample::select(vec!["random", "least-waste", "most-pods"]),
        ),
        (1u32..12, 0..CPUS.len(), 0u32..12, 0u32..3, 60u64..300, 0u32..12),
    )
        .prop_map(
            |(
                (seed, instance, min, extra, karpenter, expander),
                (replicas, cpu, min_available, picky, scale_at_s, scale_to),
            )| {
                AutoscalingCase {
                    seed,
                    instance,
                    min,
                    extra,
                    karpenter,
                    expander,
                    replicas,
                    cpu,
                    min_available: min_available.min(replicas),
                    picky,
                    scale_at_s,
                    scale_to,
                }
            },
        )
}

fn autoscaling_config() -> ProptestConfig {
    // Each case simulates twelve minutes: a quarter of the usual number of cases.
    let base = config();
    ProptestConfig { cases: base.cases.div_ceil(4), ..base }
}

proptest! {
    #![proptest_config(autoscaling_config())]

    #[test]
    fn autoscalers_ask_only_for_pods_a_template_takes_and_keep_bounds_and_budgets(case in autoscaling_case()) {
        let loaded = kubesim::load_str(std::path::Path::new("autoscaling.yaml"), &case.yaml(), &[])
            .map_err(|d| TestCaseError::fail(format!("{d:?}\n{}", case.yaml())))?;
        let o = kubesim::simulate(&loaded.scenario, None);
        let (_, allocatable) = TYPES[case.instance];
        // 1. No node is asked for a pod no template could take: not the pods whose
        // nodeSelector no pool matches, not pods bigger than the instance type.
        for reason in ["TriggeredScaleUp", "Nominated"] {
            for e in events(&o, reason) {
                prop_assert!(!e.object.starts_with("pod/picky-"), "{reason} for {}: {}\n{}", e.object, e.message, case.yaml());
                prop_assert!(CPUS[case.cpu] <= allocatable, "{reason} for a {}m pod on {}m nodes\n{}", CPUS[case.cpu], allocatable, case.yaml());
            }
        }
        // 2. The pool stays within its bounds (nodes in the API and starting).
        let ts = &o.metrics.timeseries;
        let col = |name: &str| ts.columns.iter().position(|c| c == name).expect("the pool's columns");
        let (nodes, starting) = (col("nodepool/pool/nodes"), col("nodepool/pool/starting"));
        for (t, row) in &ts.rows {
            let size = row[nodes].unwrap_or(0.0) + row[starting].unwrap_or(0.0);
            prop_assert!(size <= f64::from(case.min + case.extra), "{size} nodes at {t:?} over max\n{}", case.yaml());
            prop_assert!(row[nodes].unwrap_or(0.0) + 1e-9 >= 0.0);
        }
        prop_assert!(o.store.nodes().iter().filter(|n| !n.removed).count() as u32 >= case.min, "below min at the end\n{}", case.yaml());
        // 3. No autoscaler eviction leaves fewer available web pods than the budget's
        // minAvailable.
        let web = lives(&o, "web");
        let evictions: Vec<SimTime> = events(&o, "ScaleDown")
            .into_iter()
            .chain(events(&o, "Evicted"))
            .filter(|e| e.object.starts_with("pod/web-"))
            .map(|e| e.time)
            .collect();
        for t in evictions {
            let available = web
                .iter()
                .filter(|l| l.ready.is_some_and(|r| r <= t) && l.terminating.is_none_or(|x| x > t))
                .count() as u32;
            prop_assert!(available >= case.min_available, "{available} web pods available after an eviction at {t:?}, budget {}\n{}", case.min_available, case.yaml());
        }
    }
}
