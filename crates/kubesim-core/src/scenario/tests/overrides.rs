//! `--set` overrides edit the tree before parsing.

use super::*;
use crate::engine::SimDuration;

#[test]
fn overrides_edit_the_tree_before_parsing() {
    let sets = ["duration=30m".to_string(), "seed=7".into(), "deployment/web.spec.replicas=20".into()];
    let l = load_str(Path::new("s.yaml"), DEP, &sets, &NoFiles).unwrap();
    assert_eq!(l.scenario.duration, SimDuration::from_secs(1800));
    assert_eq!(l.scenario.seed, 7);
    assert_eq!(deployment(&l).replicas, 20);
    let e = load_str(Path::new("s.yaml"), DEP, &["deployment/nope.spec.replicas=3".into()], &NoFiles).unwrap_err();
    assert_eq!(e[0].message, "--set deployment/nope.spec.replicas=3: deployment \"nope\" not found in the scenario");
}
