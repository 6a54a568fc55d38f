//! What each headline figure of summary.json means: its unit and one line a learner can read,
//! shown beside the figure in report.html (summary.json keeps its plain keys).

/// The unit (empty for a count or a name) and the one-line explanation of a summary.json key,
/// or None for a key this list does not know (the page then shows the key alone).
pub fn describe(key: &str) -> Option<(&'static str, &'static str)> {
    Some(match key {
        "seed" => ("", "the random seed: the same scenario and seed give the same run, byte for byte"),
        "sim_time_s" => ("s", "virtual time simulated (the scenario's duration)"),
        "events_processed" => ("", "simulation steps taken (a measure of the simulator's work, not the cluster's)"),
        "pods_created" => ("pods", "pods created over the run, by controllers and by the timeline"),
        "pod_restarts" => ("restarts", "container restarts summed over every pod (crashes, failed liveness probes)"),
        "pods_evicted" => ("pods", "pods evicted: by a drain, the taint manager or node pressure"),
        "pods_unschedulable_max" => ("pods", "the most pods waiting at once that no node could take"),
        "scheduling_latency_p50_ms" => ("ms", "median time from a pod's creation to its binding to a node"),
        "scheduling_latency_p99_ms" => ("ms", "99th percentile of the time from creation to binding"),
        "availability" => ("fraction", "share of the requests that succeeded (1 = none failed)"),
        "requests_total" => ("requests", "requests the traffic sources sent"),
        "requests_failed" => ("requests", "requests that failed (refused, timed out, no endpoint, 5xx)"),
        "requests_failed_by_reason" => ("requests", "the failed requests by why they failed"),
        "http_5xx_by_image" => ("requests", "requests an app answered with a server error, by image"),
        "latency_p50_ms" => ("ms", "median time a request took, failures included"),
        "latency_p99_ms" => ("ms", "99th percentile of the time a request took"),
        "service_unavailable_s" => ("s", "time Services had no ready endpoint after their first one, summed"),
        "rollouts_completed" => ("rollouts", "rollouts (a Deployment's template change) that finished"),
        "rollout_duration_s" => ("s", "mean time from a rollout's start to all its pods updated and available"),
        "min_available" => ("pods", "the fewest available pods of a Deployment during its rollouts"),
        "max_surge_observed" => ("pods", "the most pods above the wanted replicas during a rollout"),
        "time_to_recover_s" => ("s", "mean time from a fault to its workloads being whole again"),
        "job_duration_s" => ("s", "mean time from a Job's start to its completion"),
        "cost_dollars" => ("$", "what the nodes cost over the run, each from its launch to its end at its price"),
        "cost_per_hour_dollars" => ("$/h", "the run's cost per hour of virtual time"),
        "node_hours" => ("node-hours", "nodes times the hours each was up (or starting), summed"),
        "nodes_peak" => ("nodes", "the most nodes at once, those starting included"),
        "scale_ups" => ("", "times a node autoscaler grew a pool"),
        "scale_downs" => ("nodes", "nodes a node autoscaler removed (drained and deleted)"),
        "spot_interruptions" => ("nodes", "spot nodes that got the two-minute interruption notice"),
        "autoscaler_evictions" => ("pods", "pods evicted for scale-down, consolidation or spot interruptions"),
        "pods_waited_for_capacity" => ("pods", "pods that found no node (FailedScheduling) and were bound later"),
        "pods_still_waiting_for_capacity" => ("pods", "pods still waiting for a node at the end"),
        "pending_for_capacity_p50_s" => ("s", "median wait from a pod's first FailedScheduling to its binding"),
        "pending_for_capacity_p99_s" => ("s", "99th percentile of that wait"),
        "pending_for_capacity_max_s" => ("s", "the longest wait for capacity"),
        "variant" => ("", "the sweep variant this run belongs to"),
        "sweep_hash" => ("", "the sweep this run belongs to (what sweep --resume checks)"),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_headline_figure_of_the_nginx_example_is_explained() {
        for key in [
            "availability",
            "events_processed",
            "latency_p50_ms",
            "latency_p99_ms",
            "max_surge_observed",
            "min_available",
            "pod_restarts",
            "pods_created",
            "pods_evicted",
            "pods_unschedulable_max",
            "requests_failed",
            "requests_failed_by_reason",
            "requests_total",
            "rollout_duration_s",
            "rollouts_completed",
            "scheduling_latency_p50_ms",
            "scheduling_latency_p99_ms",
            "seed",
            "service_unavailable_s",
            "sim_time_s",
        ] {
            let (unit, line) = describe(key).unwrap_or_else(|| panic!("{key} has no explanation"));
            assert!(!line.is_empty());
            assert_eq!(key.ends_with("_s"), unit == "s", "{key}: seconds are said");
            assert_eq!(key.ends_with("_ms"), unit == "ms", "{key}: milliseconds are said");
        }
    }
}
