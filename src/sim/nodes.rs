//! Node failures and recovery, and draining (being built: see the issue notes).

use super::objects::ApiError;
use super::Sim;
use crate::model::spec::{DrainSpec, NodeFault};

impl Sim<'_> {
    pub(super) fn node_fault(&mut self, _fault: &NodeFault) {}

    pub(super) fn drain(&mut self, _d: &DrainSpec) -> Result<(), ApiError> {
        Err("error: kubectl drain is not simulated yet".into())
    }
}
