//! Traffic routing through ingress-nginx (rollout/trafficrouting.go `reconcileTrafficRouting`):
//! the weight Argo sets on the canary Ingress it generates from the stable one.

use super::replica_counts::current_set_weight;
use super::{Action, Decision, RsView};
use crate::model::spec::{CanarySpec, CanaryStep};

/// The canary weight on the nginx canary Ingress (reconcileTrafficRouting): 0 when fully
/// promoted, aborted or before any canary pod is available; 100 on `promote --full`; while
/// the canary still scales for this step, the previous setWeight; else this step's weight
/// (100 past the last step).
pub(super) fn set_traffic_weight(spec: &CanarySpec, new: &RsView, d: &mut Decision, at_desired: bool) {
    let st = &d.status;
    let promoted = st.stable_hash.as_deref() == Some(new.hash.as_str());
    let steps = &spec.steps;
    let weight = if promoted || st.abort || new.available == 0 {
        0
    } else if st.promote_full {
        100
    } else if !at_desired {
        steps[..st.step_index]
            .iter()
            .rev()
            .find_map(|s| if let CanaryStep::SetWeight(w) = s { Some(*w) } else { None })
            .unwrap_or(0)
    } else {
        current_set_weight(steps, st.step_index, false)
    };
    if st.weight != Some(weight) {
        if let Some(old) = st.weight {
            d.event("TrafficWeightUpdated", format!("Traffic weight updated from {old} to {weight}"));
        }
        d.status.weight = Some(weight);
        d.actions.push(Action::SetCanaryWeight { weight });
    }
}
