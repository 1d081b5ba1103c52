//! Pieces several screens share.

pub mod field;
pub mod patient_card;

pub use field::{Field, use_focus_on};
