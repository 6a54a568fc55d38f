//! The `cluster:` section (node groups, control plane, scheduler) and `images:`.

use super::*;
use crate::engine::SimDuration;

#[test]
fn cluster_section() {
    let l = ok(&format!(
        "{DEP}cluster:
  nodes:
    - {{name: big, count: 2, capacity: {{cpu: 64, memory: 256Gi, nvidia.com/gpu: 4}}, taints: [{{key: gpu, effect: NoSchedule}}]}}
  controlPlane: {{defaultTolerationSeconds: 60, apiLatency: 5ms, nodeMonitorGracePeriod: 40s}}
  scheduler: {{scoring: MostAllocated}}
images:
  nginx: {{pull: 2s, crashOnStart: 0.5, cpuPerRequest: 1m}}
"
    ));
    let s = &l.scenario;
    assert_eq!(s.nodes[0].capacity.cpu_millis, 64_000);
    assert_eq!(s.nodes[0].capacity.extended.get("nvidia.com/gpu"), Some(&4));
    assert_eq!(s.nodes[0].capacity.pods, 110);
    assert_eq!(s.control_plane.default_toleration_seconds, 60);
    assert_eq!(s.control_plane.api_latency, SimDuration::from_millis(5));
    assert_eq!(s.scoring, crate::model::spec::ScoringStrategy::MostAllocated);
    assert_eq!(s.images["nginx"].pull, SimDuration::from_secs(2));
    assert_eq!(s.images["nginx"].cpu_per_request_nanos, 1_000_000);
    let e = errors(&format!(
        "{DEP}cluster: {{nodes: [{{name: a, cpacity: {{}}}}], scheduler: {{scoring: MostAlocated}}}}\n"
    ));
    assert!(e[0].contains("unknown field `cpacity` in a node group"), "{e:?}");
    assert!(e[1].contains("Unsupported value: \"MostAlocated\""), "{e:?}");
}

#[test]
fn image_size_is_a_byte_quantity() {
    let text = format!("{DEP}images:\n  nginx:1: {{size: 150Mi}}\n");
    let l = ok(&text);
    assert_eq!(l.scenario.images["nginx:1"].size_bytes, 150 * 1024 * 1024);
    let bad = format!("{DEP}images:\n  nginx:1: {{size: 3 cores}}\n");
    assert!(errors(&bad).iter().any(|e| e.contains("size:")), "{:?}", errors(&bad));
}

/// The name names the output folder: a DNS-1123 name as Kubernetes names objects; control
/// characters are shown escaped, and the help proposes a name that would do.
#[test]
fn a_scenario_name_is_a_dns_1123_name() {
    let text = |name: &str| format!("name: \"{name}\"\nobjects: []\n");
    assert!(load(&text("web.v2-canary")).is_ok());
    for bad in ["My Scenario", "web_1", "-web", "evil\\u001b[31m"] {
        let d = first_error(&text(bad));
        assert!(
            d.message.contains("it names the output folder, so it must be a DNS-1123 name"),
            "{bad}: {}",
            d.message
        );
        assert!(!d.message.contains('\u{1b}'), "an escape is shown escaped: {:?}", d.message);
        assert!(d.help.as_deref().is_some_and(|h| h.starts_with("name: ")), "{bad}: {:?}", d.help);
    }
}
