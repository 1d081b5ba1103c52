//! Every machine-readable code Rapport answers with, declared once and shared by the core, the
//! desktop shell, the UI, head office and the desks that read head office's answers:
//! [`ErrorCode`] for a refused operation on the desk, [`RefusalCode`] for a request or a change
//! head office turned down. On the wire each is its snake_case string; a code this build does
//! not know reads as the enum's fallback, so an older desk still understands a newer head office.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Declares a code enum from one table of `Variant = "wire_code"` lines: the enum, its wire
/// string both ways (serde and [`Self::as_str`]) and every variant in [`Self::ALL`].
macro_rules! codes {
    (
        $(#[$meta:meta])*
        pub enum $name:ident (unknown: $fallback:ident) {
            $( $(#[$vmeta:meta])* $variant:ident = $code:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
        }

        impl $name {
            pub const ALL: &'static [Self] = &[$(Self::$variant),*];

            pub const fn as_str(self) -> &'static str {
                match self {
                    $( Self::$variant => $code, )*
                }
            }

            /// The code a wire string names; one this build does not know is the fallback.
            pub fn parse(code: &str) -> Self {
                match code {
                    $( $code => Self::$variant, )*
                    _ => Self::$fallback,
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let code = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                Ok(Self::parse(&code))
            }
        }
    };
}

codes! {
    /// Why an operation on the desk (core, shell or page) did not happen. Callers match on the
    /// code; the message that goes with it is for people and never holds patient data.
    pub enum ErrorCode (unknown: Ipc) {
        /// The passphrase or key does not open this database.
        WrongKey = "wrong_key",
        /// The key is passphrase-protected and no passphrase was given.
        PassphraseRequired = "passphrase_required",
        KeyringUnavailable = "keyring_unavailable",
        KeyringEntryMissing = "keyring_entry_missing",
        /// The file is damaged or was tampered with.
        Integrity = "integrity",
        /// No database where one was expected, or it is not open yet.
        NotInitialized = "not_initialized",
        AlreadyExists = "already_exists",
        /// Unknown login or wrong password.
        AuthFailed = "auth_failed",
        /// Too many failed logins, or the account is disabled.
        AccountLocked = "account_locked",
        /// The staff member's role does not allow this.
        Forbidden = "forbidden",
        NotFound = "not_found",
        InvalidInput = "invalid_input",
        /// Clashes with what is stored (a double booking, a taken login, an illegal status change).
        Conflict = "conflict",
        /// Anything else in storage.
        Storage = "storage",
        /// Head office could not be reached (network, server down, timeout).
        Offline = "offline",
        /// Head office answered with a refusal; the message says which, in words.
        Refused = "refused",
        /// The desk locked itself (idle, or the lock shortcut): log in again.
        Locked = "locked",
        /// The password was reset by a manager: the staff member changes it before anything else.
        PasswordChangeNeeded = "password_change_needed",
        /// The patient's record is restricted: it opens only with a stated reason (break-glass).
        Restricted = "restricted",
        /// The desk was put back from a backup and syncs with head office once before anyone
        /// works on it (so it never writes again what head office already holds from it).
        CatchingUp = "catching_up",
        /// The page could not reach the desktop shell or read its answer.
        Ipc = "ipc",
    }
}

codes! {
    /// Why head office turned down a whole request, or one change of a push (`Ack::refused`).
    pub enum RefusalCode (unknown: Unknown) {
        // A request.
        /// No device token on a request that needs one.
        NoToken = "no_token",
        /// A token head office does not know.
        BadToken = "bad_token",
        /// Head office revoked the device.
        Revoked = "revoked",
        /// The device was enrolled by a head office too old to bind it to a site.
        NoSite = "no_site",
        /// An enrollment code head office never issued.
        BadCode = "bad_code",
        CodeUsed = "code_used",
        CodeExpired = "code_expired",
        /// Enrollment is closed for the minute after too many failed attempts.
        TooManyAttempts = "too_many_attempts",
        /// Another enrolled device uses this desk's site.
        SiteInUse = "site_in_use",
        /// The desk's clock runs ahead of head office's (`Refusal::server_ms` says by how much).
        ClockAhead = "clock_ahead",
        /// A change format this head office does not read.
        Schema = "schema",
        /// Head office was restored from an older copy of its data.
        LogRewound = "log_rewound",
        /// A body that is not the JSON the route expects.
        BadRequest = "bad_request",
        TooLarge = "too_large",
        NotFound = "not_found",
        /// Head office could not store or read data.
        Storage = "storage",
        NoClinic = "no_clinic",
        NoStaff = "no_staff",
        Exists = "exists",
        // A request or one change.
        Invalid = "invalid",
        NoPatient = "no_patient",
        /// The record, patient or device belongs to another clinic.
        OtherClinic = "other_clinic",
        // One change.
        /// Stamped with another desk's site.
        WrongSite = "wrong_site",
        /// A field's version is from the future.
        InvalidVersion = "invalid_version",
        InvalidValue = "invalid_value",
        MissingField = "missing_field",
        UnknownField = "unknown_field",
        /// Another device's audit chain.
        OtherChain = "other_chain",
        NoPointer = "no_pointer",
        /// A change only head office may make (a clinic's second admin).
        NeedsHeadOffice = "needs_head_office",
        /// An edit of a record head office does not have.
        NoSuchRecord = "no_such_record",
        /// A change to a clinic's messaging set-up not made by one of its managers.
        NeedsManager = "needs_manager",
        /// A change id another device used already.
        DuplicateId = "duplicate_id",
        /// An audit row sent before with other contents.
        AuditRewritten = "audit_rewritten",
        /// A code from a newer head office than this desk.
        Unknown = "unknown",
    }
}

impl RefusalCode {
    /// What the desk tells the person at it, in the desk's own words (head office's message
    /// may name a command of its own; these say what to do at the desk).
    pub const fn words(self) -> &'static str {
        match self {
            Self::NoToken | Self::BadToken | Self::NoSite => {
                "head office does not recognise this desk: enroll it again with a new code from head office"
            }
            Self::Revoked => {
                "head office has revoked this desk's access: enroll it again with a new code from head office"
            }
            Self::BadCode => {
                "head office does not know that enrollment code: check it, or ask head office for a new one"
            }
            Self::CodeUsed => "that enrollment code was used already: ask head office for a new one",
            Self::CodeExpired => "that enrollment code has expired: ask head office for a new one",
            Self::TooManyAttempts => "too many wrong enrollment codes were tried: wait a minute and try again",
            Self::SiteInUse => {
                "another enrolled desk uses this desk's identity: head office must revoke it before this desk enrolls again"
            }
            Self::ClockAhead => {
                "this computer's clock is ahead of head office's: set the correct time, then sync again"
            }
            Self::Schema => {
                "head office does not read this desk's data format: update Rapport on this desk or at head office"
            }
            Self::LogRewound => "head office was restored from an older copy: this desk is sending what it holds again",
            Self::BadRequest | Self::TooLarge | Self::NotFound => {
                "head office did not understand this desk's request: update Rapport on this desk or at head office"
            }
            Self::Storage => "head office could not store or read its data: it will be tried again later",
            Self::NoClinic => "head office has no such clinic",
            Self::NoStaff => "head office has no such staff member",
            Self::Exists => "head office has that already",
            Self::Invalid | Self::InvalidValue | Self::MissingField | Self::UnknownField | Self::InvalidVersion => {
                "head office found the change invalid"
            }
            Self::NoPatient => "head office has no such patient",
            Self::OtherClinic => "that belongs to another clinic",
            Self::WrongSite | Self::OtherChain | Self::DuplicateId | Self::AuditRewritten => {
                "head office found the change was not this desk's to make"
            }
            Self::NoPointer => "head office has no such pointer",
            Self::NeedsHeadOffice => "only head office can make that change",
            Self::NoSuchRecord => "head office has no such record",
            Self::NeedsManager => "only the clinic's managers change its messages and recalls",
            Self::Unknown => "head office refused",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_reads_back_as_itself_and_an_unknown_one_as_the_fallback() {
        for code in ErrorCode::ALL {
            assert_eq!(ErrorCode::parse(code.as_str()), *code);
            assert_eq!(serde_json::to_string(code).expect("serialises"), format!("\"{}\"", code.as_str()));
        }
        for code in RefusalCode::ALL {
            assert_eq!(serde_json::from_str::<RefusalCode>(&format!("\"{code}\"")).expect("reads"), *code);
        }
        assert_eq!(
            serde_json::from_str::<RefusalCode>("\"from_a_newer_head_office\"").expect("reads"),
            RefusalCode::Unknown
        );
        assert_eq!(ErrorCode::parse("from_a_newer_shell"), ErrorCode::Ipc);
    }

    #[test]
    fn wire_codes_are_distinct() {
        let mut seen = std::collections::HashSet::new();
        assert!(ErrorCode::ALL.iter().all(|c| seen.insert(c.as_str())));
        seen.clear();
        assert!(RefusalCode::ALL.iter().all(|c| seen.insert(c.as_str())));
    }
}

codes! {
    /// What a refused operation says, as a message of the window's catalogue
    /// (`refusal-<code>` in `ui/locales`), so the window says it in the staff member's language
    /// ([`crate::ipc::Said`] carries it with its arguments). The English sentence beside it is
    /// the CLI's, and the window's for a refusal without one of these (or from a newer core).
    pub enum Says (unknown: Other) {
        /// A refusal the window shows in English.
        Other = "other",
        WrongPassphrase = "wrong-passphrase",
        PassphraseRequired = "passphrase-required",
        /// `min`: characters.
        PassphraseTooShort = "passphrase-too-short",
        /// `min`: characters.
        PasswordTooShort = "password-too-short",
        PasswordSame = "password-same",
        LoginFailed = "login-failed",
        CurrentPasswordWrong = "current-password-wrong",
        /// `minutes`: how long the lockout lasts.
        TooManyLogins = "too-many-logins",
        AccountDisabled = "account-disabled",
        PasswordReset = "password-reset",
        DeskLocked = "desk-locked",
        Restricted = "restricted",
        CatchingUp = "catching-up",
        /// `role`: the staff member's.
        RoleMayNot = "role-may-not",
        LoginTaken = "login-taken",
        /// `doctor`, `away` (leave, a holiday, no hours) and `day`.
        DoctorAway = "doctor-away",
        /// `doctor`, `hours` (her sessions that day).
        DoctorNotWorking = "doctor-not-working",
        /// `doctor`, `from`, `to` (HH:MM, the clinic's time).
        DoctorBusy = "doctor-busy",
        /// `status`: the appointment's.
        CannotMove = "cannot-move",
        /// `from` and `to`: statuses.
        CannotChangeStatus = "cannot-change-status",
        NotOnWaitlist = "not-on-waitlist",
        PointerRetracted = "pointer-retracted",
        PointerSuperseded = "pointer-superseded",
        HeadOfficeUnreachable = "head-office-unreachable",
        NameMissing = "name-missing",
        BirthDateInFuture = "birth-date-in-future",
        BirthDateTooOld = "birth-date-too-old",
        BirthYearOutOfRange = "birth-year-out-of-range",
        PhoneTooShort = "phone-too-short",
        PointerEmpty = "pointer-empty",
        /// `field` (a [`crate::ipc::SaidArg::Field`]), `max`: characters.
        FieldTooLong = "field-too-long",
        /// `field`, `max`: entries.
        FieldTooMany = "field-too-many",
        /// `field`: it holds control or direction characters.
        FieldCharacters = "field-characters",
        /// `field`: it needs a letter.
        FieldNoLetter = "field-no-letter",
        /// `field`: it needs 3 to 15 digits.
        FieldNoDigits = "field-no-digits",
    }
}
