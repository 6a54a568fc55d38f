//! ImageLocality: prefer nodes that already have the pod's images, weighted by image size
//! and by how widely the image is spread (so that one node does not attract every pod).

use super::{PodContext, ScorePlugin, MAX_NODE_SCORE};
use crate::model::store::Node;

const MB: i64 = 1024 * 1024;
/// Below this sum the score is 0 (minThreshold, 23 MB).
const MIN_THRESHOLD: i64 = 23 * MB;
/// Per container, above this sum the score is 100 (maxContainerThreshold, 1000 MB).
const MAX_CONTAINER_THRESHOLD: i64 = 1000 * MB;

pub struct ImageLocality;

/// What the pod's `i`th image adds on a node that has it: its size scaled by the share of
/// nodes that have it.
fn spread_size(pod: &PodContext<'_>, i: usize) -> i64 {
    if pod.total_nodes == 0 {
        return 0;
    }
    let spread = f64::from(pod.image_nodes[i].1) / pod.total_nodes as f64;
    (pod.image_size.get(i).copied().unwrap_or(0) as f64 * spread) as i64
}

impl ScorePlugin for ImageLocality {
    fn name(&self) -> &'static str {
        "ImageLocality"
    }

    fn weight(&self) -> i64 {
        1
    }

    /// Even a node with every image would stay at or under the threshold: every node
    /// scores 0, so no node's images need looking up.
    fn applies(&self, pod: &PodContext<'_>) -> bool {
        let best = (0..pod.image_nodes.len()).fold(0i64, |sum, i| sum.saturating_add(spread_size(pod, i).max(0)));
        best > MIN_THRESHOLD
    }

    fn score(&self, pod: &PodContext<'_>, node: &Node) -> i64 {
        let mut sum = 0i64;
        for (i, (image, _)) in pod.image_nodes.iter().enumerate() {
            let present = node.images.get(image).is_some_and(|&t| t <= pod.now);
            if present {
                sum += spread_size(pod, i);
            }
        }
        let containers = pod.image_nodes.len().max(1) as i64;
        let max = MAX_CONTAINER_THRESHOLD * containers;
        let clamped = sum.clamp(MIN_THRESHOLD, max);
        MAX_NODE_SCORE * (clamped - MIN_THRESHOLD) / (max - MIN_THRESHOLD)
    }
}
