//! The node pools' figures at the end of a run: what each group cost and did, and how long
//! pods waited for capacity (summary.json's `cost_dollars`, `node_pools`, `pending_for_capacity_*`).

/// One node group's figures.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupFigures {
    pub name: String,
    pub instance_type: Option<String>,
    pub capacity_type: &'static str,
    pub price_per_hour: f64,
    pub bounds: Option<(u32, u32)>,
    pub nodes_start: u32,
    pub nodes_end: u32,
    pub nodes_peak: u32,
    pub node_hours: f64,
    pub cost: f64,
    pub scale_ups: u32,
    pub nodes_added: u32,
    pub nodes_removed: u32,
    pub spot_interruptions: u32,
}

/// The whole run's node figures.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PoolFigures {
    pub groups: Vec<GroupFigures>,
    /// How long each pod that waited for capacity waited (first FailedScheduling to
    /// binding), in microseconds, sorted.
    pub waited_us: Vec<u64>,
    /// Pods still waiting at the end.
    pub still_waiting: usize,
    /// Pods evicted by scale-down and spot interruptions.
    pub evictions: u64,
    pub scale_downs: u32,
}

impl PoolFigures {
    pub fn cost(&self) -> f64 {
        self.groups.iter().map(|g| g.cost).sum()
    }

    pub fn node_hours(&self) -> f64 {
        self.groups.iter().map(|g| g.node_hours).sum()
    }
}
