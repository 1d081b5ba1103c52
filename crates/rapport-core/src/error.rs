//! Errors that cross to the CLI and the UI: a stable code to match on and a message for people.
//! **Invariant:** messages never contain patient data.

use std::fmt;

use rapport_store::StoreError;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The passphrase or key does not open this database.
    WrongKey,
    /// The key is passphrase-protected and no passphrase was given.
    PassphraseRequired,
    KeyringUnavailable,
    KeyringEntryMissing,
    /// The file is damaged or was tampered with.
    Integrity,
    /// No database where one was expected.
    NotInitialized,
    AlreadyExists,
    /// Unknown login or wrong password.
    AuthFailed,
    /// Too many failed logins, or the account is disabled.
    AccountLocked,
    /// The staff member's role does not allow this.
    Forbidden,
    NotFound,
    InvalidInput,
    /// Clashes with what is stored (a double booking, a taken login, an illegal status change).
    Conflict,
    /// Anything else in storage.
    Storage,
    /// Head office could not be reached (network, server down, timeout).
    Offline,
    /// Head office answered with a refusal (revoked device, clock ahead, used code…).
    Refused,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::WrongKey => "wrong_key",
            Self::PassphraseRequired => "passphrase_required",
            Self::KeyringUnavailable => "keyring_unavailable",
            Self::KeyringEntryMissing => "keyring_entry_missing",
            Self::Integrity => "integrity",
            Self::NotInitialized => "not_initialized",
            Self::AlreadyExists => "already_exists",
            Self::AuthFailed => "auth_failed",
            Self::AccountLocked => "account_locked",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::InvalidInput => "invalid_input",
            Self::Conflict => "conflict",
            Self::Storage => "storage",
            Self::Offline => "offline",
            Self::Refused => "refused",
        }
    }
}

/// `{code, message}`, as the UI receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Error {
    pub code: ErrorCode,
    pub message: String,
}

impl Error {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
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
        Self::new(code, e.to_string())
    }
}

impl From<rapport_model::patient::PatientError> for Error {
    fn from(e: rapport_model::patient::PatientError) -> Self {
        Self::invalid(e.to_string())
    }
}

impl From<rapport_model::pointer::PointerError> for Error {
    fn from(e: rapport_model::pointer::PointerError) -> Self {
        Self::invalid(e.to_string())
    }
}

impl From<rapport_model::TransitionError> for Error {
    fn from(e: rapport_model::TransitionError) -> Self {
        Self::conflict(e.to_string())
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
