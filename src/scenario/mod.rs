//! Scenario loading: YAML -> validated [`Scenario`](crate::model::spec::Scenario).

mod checker;
mod convert;
pub mod diagnostic;
pub mod duration;
mod fields;
mod kinds;
mod manifest;
pub mod positions;
pub mod quantity;
mod source;
pub mod suggest;
mod validate;

pub use diagnostic::{Diagnostic, Severity};
pub use duration::parse_duration;
pub use quantity::{parse_quantity, Quantity};
