//! A timeline entry when its time comes: a kubectl command (its verb's effect, in
//! [`crate::kubectl`]) or a node fault. The errors kubectl would print become `KubectlError`
//! warning events on the object they name.

use super::Sim;
use crate::model::spec::Action;

impl Sim<'_> {
    pub(super) fn run_timeline_entry(&mut self, i: usize) {
        let Some(entry) = self.scenario.timeline.get(i) else { return };
        let (text, action) = (entry.text.clone(), entry.action.clone());
        let errors = match &action {
            Action::Kubectl(command) => {
                if self.narrating() {
                    self.narrate_timeline(&text, command);
                }
                crate::kubectl::run(self, command)
            }
            Action::Fault(fault) => {
                self.node_fault(fault);
                Vec::new()
            }
        };
        let now = self.kernel.now();
        for (object, error) in errors {
            self.recorder.warning(now, "KubectlError", object, format!("{text}: {error}"));
        }
    }
}
