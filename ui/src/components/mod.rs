//! Pieces several screens share.

pub mod doctors;
pub mod enroll_fields;
pub mod field;
pub mod patient_card;
pub mod patient_edit;
pub mod waitlist_offers;

pub use doctors::use_doctors;
pub use enroll_fields::{EnrollFields, Enrollment};
pub use field::{Field, use_focus_on};
pub use waitlist_offers::WaitlistOffers;
