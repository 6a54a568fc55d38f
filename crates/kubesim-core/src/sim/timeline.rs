//! A timeline entry when its time comes: a kubectl command (its verb's effect, in
//! [`crate::kubectl`]) or a node fault. The errors kubectl would print become `KubectlError`
//! warning events on the object they name.

use super::Sim;
use crate::engine::SimTime;
use crate::kubectl::{KubectlCommand, View};
use crate::model::spec::{Action, ObjectRef, Scenario};
use std::collections::BTreeMap;

/// What the read-only kubectl lines printed, and the creation times their AGE columns need
/// for the kinds whose rows keep none (Deployments, Services, HPAs, ...).
pub(super) struct KubectlLog {
    pub text: String,
    created: BTreeMap<ObjectRef, SimTime>,
}

impl KubectlLog {
    /// Kept only when the timeline has a read-only line: other runs do not change.
    pub fn for_scenario(scenario: &Scenario) -> Option<KubectlLog> {
        let reads = scenario.timeline.iter().any(|e| matches!(e.action, Action::Kubectl(KubectlCommand::Read(_))));
        reads.then(|| KubectlLog { text: String::new(), created: BTreeMap::new() })
    }
}

impl Sim<'_> {
    pub(super) fn run_timeline_entry(&mut self, i: usize) {
        let Some(entry) = self.ctx.scenario.timeline.get(i) else { return };
        let (text, action) = (entry.text.clone(), entry.action.clone());
        let errors = match &action {
            Action::Kubectl(command) => {
                if self.ctx.narrating() && !matches!(command, KubectlCommand::Read(_)) {
                    self.ctx.narrate_timeline(&text, command);
                }
                crate::kubectl::run(self, command)
            }
            Action::Fault(fault) => {
                self.node_fault(fault);
                Vec::new()
            }
        };
        let now = self.ctx.kernel.now();
        for (object, error) in errors {
            self.ctx.recorder.warning(now, "KubectlError", object, format!("{text}: {error}"));
        }
    }
}

impl Sim<'_> {
    /// Records when an object was created (for `kubectl get`'s AGE), when a read needs it.
    pub(super) fn created(&mut self, id: &ObjectRef) {
        let now = self.ctx.kernel.now();
        if let Some(log) = &mut self.kubectl_log {
            log.created.insert(id.clone(), now);
        }
    }

    /// The cluster as a read-only kubectl line sees it now.
    pub(crate) fn with_view<T>(&self, f: impl FnOnce(&View) -> T) -> T {
        let empty = BTreeMap::new();
        let view = View {
            store: &self.ctx.store,
            net: &self.net,
            recorder: &self.ctx.recorder,
            now: self.ctx.kernel.now(),
            start_time: self.ctx.scenario.control_plane.start_time,
            created: self.kubectl_log.as_ref().map_or(&empty, |l| &l.created),
        };
        f(&view)
    }

    /// Appends what the current timeline line printed to kubectl.log, after a header with
    /// the virtual time and the line; with `--watch`, to the watched output too.
    pub(crate) fn kubectl_print(&mut self, line: &str, printed: &str) {
        let now = self.ctx.kernel.now();
        let line = if line.starts_with("kubectl") { line.to_string() } else { format!("kubectl {line}") };
        let text = format!("# t={:.3}s $ {line}\n{printed}", now.as_secs_f64());
        if self.watch.is_some() {
            self.watch_log.push_str(&text);
        }
        if let Some(log) = &mut self.kubectl_log {
            log.text.push_str(&text);
        }
    }
}
