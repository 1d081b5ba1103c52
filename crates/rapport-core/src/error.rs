//! Errors that cross to the CLI and the UI: a stable code to match on and a message for people.
//! **Invariant:** messages never contain patient data.

use std::fmt;

use rapport_model::ipc::Said;
use rapport_store::StoreError;
use serde::Serialize;

pub use rapport_model::{ErrorCode, Says};

/// `{code, message, said}`, as the UI receives it: `said` is the sentence as a catalogue
/// message, for the window to say in the staff member's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Error {
    pub code: ErrorCode,
    pub message: String,
    pub said: Option<Said>,
}

impl Error {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), said: None }
    }

    pub fn saying(self, said: Said) -> Self {
        Self { said: Some(said), ..self }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidInput, message)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorCode::NotFound, format!("{what} not found"))
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Conflict, message)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        let code = match &e {
            StoreError::WrongKey => ErrorCode::WrongKey,
            StoreError::PassphraseRequired => ErrorCode::PassphraseRequired,
            StoreError::Integrity => ErrorCode::Integrity,
            StoreError::KeyringUnavailable(_) => ErrorCode::KeyringUnavailable,
            StoreError::KeyringEntryMissing => ErrorCode::KeyringEntryMissing,
            StoreError::Missing(_) => ErrorCode::NotInitialized,
            StoreError::AlreadyExists(_) => ErrorCode::AlreadyExists,
            StoreError::NotFound(_) => ErrorCode::NotFound,
            StoreError::Invalid(_) => ErrorCode::InvalidInput,
            StoreError::KeyFileMissing(_)
            | StoreError::KeyFile(_)
            | StoreError::NoEncryption
            | StoreError::TooNew { .. }
            | StoreError::Random
            | StoreError::Decode(_)
            | StoreError::Sqlite(_)
            | StoreError::Io(_) => ErrorCode::Storage,
        };
        let said = match &e {
            StoreError::WrongKey => Some(Says::WrongPassphrase),
            StoreError::PassphraseRequired => Some(Says::PassphraseRequired),
            _ => None,
        };
        Self { said: said.map(Said::new), ..Self::new(code, e.to_string()) }
    }
}

impl From<rapport_model::patient::PatientError> for Error {
    fn from(e: rapport_model::patient::PatientError) -> Self {
        use rapport_model::patient::PatientError as E;
        let said = match &e {
            E::NameMissing => Said::new(Says::NameMissing),
            E::BirthDateInFuture => Said::new(Says::BirthDateInFuture),
            E::BirthDateTooOld => Said::new(Says::BirthDateTooOld),
            E::BirthYearOutOfRange => Said::new(Says::BirthYearOutOfRange),
            E::PhoneTooShort => Said::new(Says::PhoneTooShort),
            E::TooLong(field, max) => Said::field(Says::FieldTooLong, field).with("max", *max),
            E::TooMany(field) => Said::field(Says::FieldTooMany, field).with("max", rapport_model::schema::MAX_LIST),
            E::Text(t) => t.into(),
        };
        Self::invalid(e.to_string()).saying(said)
    }
}

impl From<rapport_model::pointer::PointerError> for Error {
    fn from(e: rapport_model::pointer::PointerError) -> Self {
        use rapport_model::pointer::PointerError as E;
        let said = match &e {
            E::Empty => Said::new(Says::PointerEmpty),
            E::Retracted => Said::new(Says::PointerRetracted),
            E::Text(t) => t.into(),
        };
        Self::invalid(e.to_string()).saying(said)
    }
}

/// A refused text names its field, in the staff member's language in the window.
impl From<rapport_model::text::TextError> for Error {
    fn from(e: rapport_model::text::TextError) -> Self {
        Self::invalid(e.to_string()).saying((&e).into())
    }
}

impl From<rapport_model::TransitionError> for Error {
    fn from(e: rapport_model::TransitionError) -> Self {
        let said = Said::new(Says::CannotChangeStatus).with("from", e.from).with("to", e.to);
        Self::conflict(e.to_string()).saying(said)
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
