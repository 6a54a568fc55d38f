//! Scenario loading: YAML -> validated [`Scenario`](crate::model::spec::Scenario).

pub mod diagnostic;
pub mod duration;
pub mod positions;
pub mod quantity;
pub mod suggest;

pub use diagnostic::{Diagnostic, Severity};
pub use duration::parse_duration;
pub use quantity::{parse_quantity, Quantity};
