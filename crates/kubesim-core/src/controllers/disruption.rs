//! The disruption controller's arithmetic (pkg/controller/disruption): how many pods a
//! PodDisruptionBudget allows to be disrupted right now.

use crate::model::spec::IntOrPercent;

/// A PodDisruptionBudget's status from what it selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PdbStatus {
    pub expected: i32,
    pub desired_healthy: i32,
    pub current_healthy: i32,
    pub disruptions_allowed: i32,
}

fn scaled_up(value: &IntOrPercent, total: i32) -> i32 {
    match *value {
        IntOrPercent::Int(n) => n,
        IntOrPercent::Percent(p) => ((i64::from(p) * i64::from(total) + 99) / 100) as i32,
    }
}

/// `expected` is the pods the owners want (their replicas) — or, for an integer
/// minAvailable, the pods selected; `healthy` the selected pods that are Ready.
pub fn pdb_status(
    min_available: Option<&IntOrPercent>,
    max_unavailable: Option<&IntOrPercent>,
    expected: i32,
    healthy: i32,
) -> PdbStatus {
    let desired = match (min_available, max_unavailable) {
        (Some(min), _) => scaled_up(min, expected),
        (None, Some(max)) => (expected - scaled_up(max, expected)).max(0),
        (None, None) => 0,
    };
    PdbStatus {
        expected,
        desired_healthy: desired,
        current_healthy: healthy,
        disruptions_allowed: (healthy - desired).max(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::spec::IntOrPercent::{Int, Percent};

    #[test]
    fn disruptions_allowed_follow_the_budget() {
        assert_eq!(pdb_status(Some(&Int(2)), None, 3, 3).disruptions_allowed, 1);
        assert_eq!(pdb_status(Some(&Int(3)), None, 3, 3).disruptions_allowed, 0);
        assert_eq!(pdb_status(None, Some(&Int(1)), 5, 5).disruptions_allowed, 1);
        // 50% of 5 rounds up to 3 desired.
        assert_eq!(pdb_status(Some(&Percent(50)), None, 5, 5).disruptions_allowed, 2);
        // maxUnavailable 50% of 5 rounds up to 3: 2 desired, 4 healthy.
        assert_eq!(pdb_status(None, Some(&Percent(50)), 5, 4).disruptions_allowed, 2);
    }
}
