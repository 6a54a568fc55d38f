//! A timeline entry when its time comes: a kubectl command (its verb's effect, in
//! [`crate::kubectl`]) or a node fault. The errors kubectl would print become `KubectlError`
//! warning events on the object they name.

use super::Sim;
use crate::model::spec::Action;

impl Sim<'_> {
    pub(super) fn run_timeline_entry(&mut self, i: usize) {
        let Some(entry) = self.ctx.scenario.timeline.get(i) else { return };
        let (text, action) = (entry.text.clone(), entry.action.clone());
        let errors = match &action {
            Action::Kubectl(command) => {
                if self.ctx.narrating() {
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
