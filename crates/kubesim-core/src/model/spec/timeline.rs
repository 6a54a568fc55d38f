//! Timeline entries: a kubectl command or a node fault at a time.

use super::KubectlCommand;
use crate::engine::SimTime;

/// What a node fault entry names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultTarget {
    /// `node/NAME`.
    Node(String),
    /// `zone/NAME`: every node whose `topology.kubernetes.io/zone` label is NAME.
    Zone(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeFaultKind {
    /// `fail:` the node crashes: its kubelet stops and its containers with it.
    Fail,
    /// `partition:` the node loses the API server: its pods keep running (and serving),
    /// but it sends no heartbeats and hears nothing.
    Partition,
    /// `recover:` the node is back (rebooted after a crash, reconnected after a partition).
    Recover,
}

/// `fail: node/NAME`, `partition: zone/NAME`, `recover: node/NAME` on the timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeFault {
    pub kind: NodeFaultKind,
    pub target: FaultTarget,
}

/// What a timeline entry does.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// `run: kubectl ...`.
    Kubectl(KubectlCommand),
    /// `fail:`, `partition:` or `recover:`.
    Fault(NodeFault),
}

#[derive(Clone, Debug, PartialEq)]
pub struct TimelineEntry {
    pub at: SimTime,
    /// The line as the user wrote it, for events and narration.
    pub text: String,
    pub action: Action,
}

impl TimelineEntry {
    /// The kubectl command of a `run:` entry.
    pub fn kubectl(&self) -> Option<&KubectlCommand> {
        match &self.action {
            Action::Kubectl(c) => Some(c),
            Action::Fault(_) => None,
        }
    }
}
