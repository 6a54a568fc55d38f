//! A validated scenario, ready to run, and its `sweep:` section.

use super::{
    AnalysisTemplate, ControlPlane, ExternalHost, FaultsSpec, ImageBehavior, NodeGroup, Object, SchedulerConfig,
    ScoringStrategy, TimelineEntry, TrafficSpec,
};
use crate::engine::SimDuration;
use std::collections::BTreeMap;

/// A validated scenario, ready to run.
#[derive(Clone, PartialEq)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    pub seed: u64,
    pub duration: SimDuration,
    pub sample: SimDuration,
    pub nodes: Vec<NodeGroup>,
    pub control_plane: ControlPlane,
    pub scoring: ScoringStrategy,
    /// `cluster.scheduler.config`: the KubeSchedulerConfiguration's profiles (None: the
    /// default profile with `scoring`).
    pub scheduler_config: Option<SchedulerConfig>,
    /// Image name (as written in manifests) -> behaviour. Unlisted images use the default.
    pub images: BTreeMap<String, ImageBehavior>,
    /// External host (DNS name, without a trailing dot) -> behaviour (`externals:`). Unlisted
    /// hosts use the default.
    pub externals: BTreeMap<String, ExternalHost>,
    pub objects: Vec<Object>,
    pub timeline: Vec<TimelineEntry>,
    /// The `traffic:` sources, in file order.
    pub traffic: Vec<TrafficSpec>,
    /// The `faults:` section.
    pub faults: FaultsSpec,
    /// The `sweep:` section (variants x seeds), for `kubesim sweep`; `kubesim run` ignores it.
    pub sweep: Option<SweepSpec>,
    /// Argo Rollouts' AnalysisTemplates and ClusterAnalysisTemplates among the objects.
    pub analysis_templates: Vec<AnalysisTemplate>,
    /// `cluster.autoscaler`: the node autoscaler, if any.
    pub autoscaler: Option<super::NodeAutoscaler>,
}

/// As derived, with `externals`, `analysis_templates` and `scheduler_config` printed only when there are some (the sweep's
/// content hash is taken over this text: a scenario without them keeps its hash).
impl std::fmt::Debug for Scenario {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("Scenario");
        d.field("name", &self.name)
            .field("description", &self.description)
            .field("seed", &self.seed)
            .field("duration", &self.duration)
            .field("sample", &self.sample)
            .field("nodes", &self.nodes)
            .field("control_plane", &self.control_plane)
            .field("scoring", &self.scoring)
            .field("images", &self.images)
            .field("objects", &self.objects)
            .field("timeline", &self.timeline)
            .field("traffic", &self.traffic)
            .field("faults", &self.faults)
            .field("sweep", &self.sweep);
        if !self.externals.is_empty() {
            d.field("externals", &self.externals);
        }
        if !self.analysis_templates.is_empty() {
            d.field("analysis_templates", &self.analysis_templates);
        }
        if let Some(a) = &self.autoscaler {
            d.field("autoscaler", a);
        }
        if let Some(config) = &self.scheduler_config {
            d.field("scheduler_config", config);
        }
        d.finish()
    }
}

impl Scenario {
    /// Whether node groups have prices, capacity types or bounds, or an autoscaler runs:
    /// then the node pools' figures are kept and written (not otherwise, so other runs keep
    /// their files).
    pub fn prices_or_scales_nodes(&self) -> bool {
        self.autoscaler.is_some() || self.nodes.iter().any(|g| g.economics != super::NodeEconomics::default())
    }
}

/// The `sweep:` section: every variant runs with every seed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SweepSpec {
    /// In order: `seeds: N` means 1..=N.
    pub seeds: Vec<u64>,
    /// In file order; the first is the baseline of the paired comparison.
    pub variants: Vec<Variant>,
}

/// One variant of a sweep: a name (its output folder) and field overrides, as `--set`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Variant {
    pub name: String,
    /// (path, value as YAML text) in file order; `path=value` is the `--set` argument.
    pub set: Vec<(String, String)>,
}

impl Variant {
    /// The variant's overrides as `--set` arguments: `deployment/web.spec.replicas=3`.
    pub fn set_args(&self) -> Vec<String> {
        self.set.iter().map(|(path, value)| format!("{path}={value}")).collect()
    }
}
