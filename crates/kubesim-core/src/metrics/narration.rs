//! Narration (`--narrate`): each controller decision with its inputs and its reason, in
//! plain English, at the virtual time it was made. It observes only: the simulation builds
//! a line only when a `Narrator` exists, from numbers its decisions already computed, and
//! nothing it records is read back.
//!
//! This file holds the lines and the wording; `sim/narration.rs` gathers the facts.

use crate::controllers::deployment::ScaleReason;
use crate::engine::SimTime;
use std::fmt::Write;

/// One decision, said in words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NarrationLine {
    pub at: SimTime,
    /// How many events had been recorded when it was said: it comes before those recorded
    /// after it at the same time (the decision, then what it caused).
    pub events_before: usize,
    /// The objects it is about, as `kind/name` (`deployment/web`, `pod/web-5d8f-x2k9q`).
    pub about: Vec<String>,
    /// The sentence, starting with who decided (`deployment/web: ...`, `scheduler: ...`).
    pub text: String,
}

/// The lines of one run, in the order they were said.
#[derive(Clone, Debug, Default)]
pub struct Narrator {
    pub lines: Vec<NarrationLine>,
}

impl Narrator {
    pub fn say(&mut self, at: SimTime, events_before: usize, about: Vec<String>, text: String) {
        self.lines.push(NarrationLine { at, events_before, about, text });
    }

    /// `narration.log`: one line per decision, `M:SS.mmm text`.
    pub fn log(&self) -> String {
        let mut out = String::with_capacity(self.lines.len() * 100);
        for line in &self.lines {
            let _ = writeln!(out, "{} {}", clock(line.at), line.text);
        }
        out
    }
}

/// Virtual time as a clock: `M:SS.mmm`, or `H:MM:SS.mmm` from the first hour.
pub fn clock(t: SimTime) -> String {
    let ms = t.as_micros() / 1_000;
    let (h, m, s, frac) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1_000 % 60, ms % 1_000);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}.{frac:03}")
    } else {
        format!("{m}:{s:02}.{frac:03}")
    }
}

/// A maxSurge / maxUnavailable as written and as resolved: `1`, or `25% (3)`.
pub fn fencepost(written: &str, resolved: i32) -> String {
    if written == resolved.to_string() {
        written.to_string()
    } else {
        format!("{written} ({resolved})")
    }
}

/// One ReplicaSet size the Deployment controller set, and why.
pub struct ScalingStep<'a> {
    pub replica_set: &'a str,
    pub from: i32,
    pub to: i32,
    /// The Deployment's current revision, when this step created its new ReplicaSet.
    pub created_revision: Option<i64>,
    pub reason: ScaleReason,
    /// maxSurge and maxUnavailable as the Deployment spells them (`25%`, `1`).
    pub max_surge_written: &'a str,
    pub max_unavailable_written: &'a str,
}

/// The Deployment controller's reason for one ScalingReplicaSet step, with its arithmetic.
pub fn scaling_step(step: &ScalingStep<'_>) -> String {
    let (name, from, to) = (step.replica_set, step.from, step.to);
    let surge = |resolved: i32| fencepost(step.max_surge_written, resolved);
    let unavailable = |resolved: i32| fencepost(step.max_unavailable_written, resolved);
    let prefix = match step.created_revision {
        Some(1) => "first rollout (revision 1); ".to_string(),
        Some(revision) => format!("rollout to revision {revision}; "),
        None => String::new(),
    };
    let reason = match step.reason {
        ScaleReason::Surge { replicas, max_surge, pods_total } => {
            let allowed = replicas + max_surge;
            let room = allowed - pods_total;
            let needed = replicas - from;
            let limit = match (to - from < room && needed == to - from, from) {
                (false, _) => String::new(),
                (true, 0) => format!(" and {replicas} replicas are wanted"),
                (true, _) => format!(" and it needs only {needed} more to reach {replicas}"),
            };
            let outcome = if to == from {
                format!("so new ReplicaSet {name} stays at {to}")
            } else {
                format!("so new ReplicaSet {name} scaled {from} -> {to}")
            };
            format!("maxSurge {} allows {allowed} pods, {pods_total} exist{limit}, {outcome}", surge(max_surge))
        }
        ScaleReason::NewAboveReplicas { replicas } => {
            format!("the new ReplicaSet holds more than the {replicas} replicas wanted, so {name} scaled {from} -> {to}")
        }
        ScaleReason::OldUnhealthy {
            pods_total,
            min_available,
            max_unavailable,
            new_unavailable,
            max_scaled_down,
            unhealthy,
        } => format!(
            "{pods_total} pods, maxUnavailable {} keeps {min_available} available and {new_unavailable} new pods are not available yet, so {pods_total} - {min_available} - {new_unavailable} = {max_scaled_down} may go; old ReplicaSet {name} has {unhealthy} unavailable, which go first: scaled {from} -> {to}",
            unavailable(max_unavailable)
        ),
        ScaleReason::OldAvailable { available, min_available, max_unavailable } => format!(
            "{available} pods available and maxUnavailable {} keeps at least {min_available}, so {} may go: old ReplicaSet {name} scaled {from} -> {to}",
            unavailable(max_unavailable),
            available - min_available
        ),
        ScaleReason::RecreateOldToZero => {
            format!("Recreate: every old pod goes before a new one starts, so old ReplicaSet {name} scaled {from} -> {to}")
        }
        ScaleReason::RecreateNew { replicas } => format!(
            "Recreate: no old pod is left, so new ReplicaSet {name} gets all {replicas} replicas at once: scaled {from} -> {to}"
        ),
        ScaleReason::SoleActive { replicas } => {
            format!("replicas set to {replicas}, and the only active ReplicaSet takes them all: {name} scaled {from} -> {to}")
        }
        ScaleReason::Saturated { replicas } => format!(
            "replicas set to {replicas} and the new ReplicaSet has them all available, so old ReplicaSet {name} scaled {from} -> {to}"
        ),
        ScaleReason::Proportional { replicas, max_surge, allowed, pods_before } => format!(
            "replicas set to {replicas} mid-rollout: {replicas} + maxSurge {} = {allowed} pods allowed, {pods_before} exist, shared in proportion to each ReplicaSet's size: {name} scaled {from} -> {to}",
            surge(max_surge)
        ),
    };
    format!("{prefix}{reason}")
}

/// How the scheduler chose between the feasible nodes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Choice {
    /// Only this node passed the filters (of `nodes`).
    OnlyFit { nodes: usize },
    /// The highest total won; `top` are the best totals (winner first) and `decided_by` the
    /// plugin whose score separated the winner from the runner-up, or None for a tie broken
    /// at random.
    Scored { top: Vec<(String, i64)>, feasible: usize, decided_by: Option<String> },
    /// The node that preemption nominated, which now fits.
    Nominated,
}

/// `scheduler: web-5d8f-x2k9q -> worker-2 (scores: worker-2 184, worker-1 171; NodeResourcesFit decided)`.
pub fn scheduled(pod: &str, node: &str, choice: &Choice) -> String {
    let why = match choice {
        Choice::OnlyFit { nodes } => format!("the only one of {nodes} nodes that fits"),
        Choice::Nominated => "the node preemption nominated it for, and it fits now".to_string(),
        Choice::Scored { top, feasible, decided_by } => {
            let scores: Vec<String> = top.iter().map(|(n, s)| format!("{n} {s}")).collect();
            let more = feasible.saturating_sub(top.len());
            let more = if more > 0 { format!(" and {more} more") } else { String::new() };
            let decided = match decided_by {
                Some(plugin) => format!("{plugin} decided"),
                None => "a tie, broken at random".to_string(),
            };
            format!("scores: {}{more}; {decided}", scores.join(", "))
        }
    };
    format!("scheduler: {pod} -> {node} ({why})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_shows_minutes_then_hours() {
        assert_eq!(clock(SimTime(0)), "0:00.000");
        assert_eq!(clock(SimTime(60_010_000)), "1:00.010");
        assert_eq!(clock(SimTime(720_000_000)), "12:00.000");
        assert_eq!(clock(SimTime(3_723_004_000)), "1:02:03.004");
    }

    fn step(from: i32, to: i32, created: Option<i64>, reason: ScaleReason) -> String {
        scaling_step(&ScalingStep {
            replica_set: "web-5d8f",
            from,
            to,
            created_revision: created,
            reason,
            max_surge_written: "25%",
            max_unavailable_written: "25%",
        })
    }

    #[test]
    fn a_surge_step_says_its_arithmetic_as_the_issue_words_it() {
        let surge = ScaleReason::Surge { replicas: 10, max_surge: 3, pods_total: 10 };
        assert_eq!(
            step(0, 3, Some(2), surge),
            "rollout to revision 2; maxSurge 25% (3) allows 13 pods, 10 exist, so new ReplicaSet web-5d8f scaled 0 -> 3"
        );
        let first = ScaleReason::Surge { replicas: 5, max_surge: 2, pods_total: 0 };
        assert_eq!(
            step(0, 5, Some(1), first),
            "first rollout (revision 1); maxSurge 25% (2) allows 7 pods, 0 exist and 5 replicas are wanted, so new ReplicaSet web-5d8f scaled 0 -> 5"
        );
    }

    #[test]
    fn a_scale_down_says_what_availability_allows() {
        let down = ScaleReason::OldAvailable { available: 10, min_available: 8, max_unavailable: 2 };
        assert_eq!(
            step(10, 8, None, down),
            "10 pods available and maxUnavailable 25% (2) keeps at least 8, so 2 may go: old ReplicaSet web-5d8f scaled 10 -> 8"
        );
    }

    #[test]
    fn scheduling_names_the_top_scores_and_the_deciding_plugin() {
        let choice = Choice::Scored {
            top: vec![("worker-2".into(), 184), ("worker-1".into(), 171), ("worker-3".into(), 171)],
            feasible: 3,
            decided_by: Some("NodeResourcesFit (LeastAllocated)".into()),
        };
        assert_eq!(
            scheduled("web-5d8f-x2k9q", "worker-2", &choice),
            "scheduler: web-5d8f-x2k9q -> worker-2 (scores: worker-2 184, worker-1 171, worker-3 171; NodeResourcesFit (LeastAllocated) decided)"
        );
        assert_eq!(
            scheduled("p", "n", &Choice::OnlyFit { nodes: 3 }),
            "scheduler: p -> n (the only one of 3 nodes that fits)"
        );
    }

    #[test]
    fn the_log_puts_the_clock_before_each_line() {
        let mut n = Narrator::default();
        n.say(SimTime(1_500_000), 0, vec!["node/a".into()], "node-lifecycle: a".into());
        assert_eq!(n.log(), "0:01.500 node-lifecycle: a\n");
    }
}
