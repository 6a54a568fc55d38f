//! Helpers shared by the scenario tests.

use kubesim::engine::SimTime;
use kubesim::sim::Outcome;
use std::path::{Path, PathBuf};

pub fn repo_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// Loads a scenario file (with `--set` overrides) and runs it.
pub fn run(rel: &str, overrides: &[&str]) -> (kubesim::Scenario, Outcome) {
    let overrides: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
    let loaded = match kubesim::load_file(&repo_path(rel), &overrides) {
        Ok(l) => l,
        Err(d) => panic!("{rel} should load: {}", d.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n")),
    };
    let outcome = kubesim::simulate(&loaded.scenario, None);
    (loaded.scenario, outcome)
}

/// Loads scenario text (named `inline.yaml` in messages) and runs it.
pub fn run_text(text: &str) -> Outcome {
    let loaded = match kubesim::load_str(Path::new("inline.yaml"), text, &[]) {
        Ok(l) => l,
        Err(d) => panic!("scenario should load: {}", d.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n")),
    };
    kubesim::simulate(&loaded.scenario, None)
}

/// A pod's life as pods.csv tells it.
pub struct PodLife {
    pub revision: i64,
    pub created: SimTime,
    pub ready: Option<SimTime>,
    /// When deletion began (the pod stops counting for the Deployment controller).
    pub terminating: Option<SimTime>,
    pub deleted: Option<SimTime>,
}

pub fn lives(outcome: &Outcome, deployment: &str) -> Vec<PodLife> {
    let store = &outcome.store;
    store
        .pods
        .iter()
        .filter(|p| store.owner_ref(p).is_some_and(|o| o.name == deployment))
        .map(|p| PodLife {
            revision: p.revision,
            created: p.created,
            ready: p.first_ready,
            terminating: p.terminating,
            deleted: p.deleted,
        })
        .collect()
}

/// Every instant at which some pod's state changed, in order.
pub fn change_points(lives: &[PodLife], min_ready: u64) -> Vec<SimTime> {
    let mut t: Vec<SimTime> = Vec::new();
    for l in lives {
        t.push(l.created);
        t.extend(l.ready.map(|r| SimTime(r.0 + min_ready * 1_000_000)));
        t.extend(l.terminating);
        t.extend(l.deleted);
    }
    t.sort();
    t.dedup();
    t
}

/// Pods not terminating at `t` (as the Deployment controller counts them).
pub fn active_at(lives: &[PodLife], t: SimTime) -> usize {
    lives.iter().filter(|l| l.created <= t && l.terminating.is_none_or(|x| x > t)).count()
}

/// Pods available at `t`: Ready for `min_ready` seconds and not terminating.
pub fn available_at(lives: &[PodLife], t: SimTime, min_ready: u64) -> usize {
    lives
        .iter()
        .filter(|l| {
            l.ready.is_some_and(|r| SimTime(r.0 + min_ready * 1_000_000) <= t) && l.terminating.is_none_or(|x| x > t)
        })
        .count()
}
