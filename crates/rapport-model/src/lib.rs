//! Rapport's domain: patients, rapport pointers, appointments and staff, with the rules that
//! govern them (pointer staleness, the appointment status machine, role permissions).
//!
//! **Architecture invariant:** this crate does no I/O and never reads a clock or a random source.
//! Time ("now", "today") and randomness (the bytes of a new id) are passed in, so every rule is a
//! pure function that tests can pin down, and the crate compiles unchanged to `wasm32` for the UI.

mod words;

pub mod appointment;
pub mod audit;
pub mod calls;
pub mod campaigns;
pub mod codes;
pub mod csv;
pub mod duplicates;
pub mod fhir;
pub mod ids;
pub mod import;
pub mod ipc;
pub mod merge;
pub mod outreach;
pub mod patient;
pub mod phone;
pub mod pointer;
pub mod reports;
pub mod schedule;
pub mod schema;
pub mod segments;
pub mod staff;
pub mod surveys;
pub mod sync;
pub mod text;
pub mod view;

pub use appointment::{Appointment, AppointmentStatus, Booking, StatusChange, TransitionError, WaitCue, WaitLevel};
pub use codes::{ErrorCode, RefusalCode, Says};
pub use ids::{AppointmentId, PatientId, PointerId, StaffId};
pub use patient::{Attendant, Channel, Consent, NewPatient, Patient, PatientEdit, PracticalNeed, QuietHours};
pub use pointer::{Pointer, PointerKind, PointerMark, PointerState, Source};
pub use staff::{Operation, Role, Staff};
