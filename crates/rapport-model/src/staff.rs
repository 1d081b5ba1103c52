//! Staff accounts and what each role may do.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::StaffId;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    FrontDesk,
    Clinician,
    Manager,
    Admin,
}

impl Role {
    pub const ALL: [Self; 4] = [Self::FrontDesk, Self::Clinician, Self::Manager, Self::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::FrontDesk => "front-desk",
            Self::Clinician => "clinician",
            Self::Manager => "manager",
            Self::Admin => "admin",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::FrontDesk => "Front desk",
            Self::Clinician => "Clinician",
            Self::Manager => "Manager",
            Self::Admin => "Admin",
        }
    }

    /// May someone in this role do `op`?
    pub fn allows(self, op: Operation) -> bool {
        use Operation::*;
        match self {
            Self::Admin => true,
            Self::Manager => !matches!(op, LoadDemoData),
            Self::FrontDesk => matches!(
                op,
                ViewPatient
                    | RegisterPatient
                    | EditPatient
                    | AddPointer
                    | MarkPointer
                    | RetractPointer
                    | BookAppointment
                    | ChangeAppointmentStatus
                    | ViewSchedule
            ),
            Self::Clinician => matches!(
                op,
                ViewPatient
                    | EditPatient
                    | AddPointer
                    | MarkPointer
                    | BookAppointment
                    | ChangeAppointmentStatus
                    | ViewSchedule
            ),
        }
    }

    /// May someone in this role create or change an account with role `other`? A manager runs
    /// the front desk and clinicians; only an admin makes managers and admins.
    pub fn may_grant(self, other: Role) -> bool {
        match self {
            Self::Admin => true,
            Self::Manager => matches!(other, Self::FrontDesk | Self::Clinician),
            Self::FrontDesk | Self::Clinician => false,
        }
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase().replace('_', "-");
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == wanted)
            .ok_or_else(|| "unknown role; use front-desk, clinician, manager or admin".to_owned())
    }
}

/// Everything a staff member can ask Rapport to do, for the permission check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Operation {
    ViewPatient,
    RegisterPatient,
    EditPatient,
    /// Remove a patient record (or merge it into another).
    DeletePatient,
    AddPointer,
    /// "Used it" and "still true" marks.
    MarkPointer,
    /// Withdraw a pointer (kept in the history).
    RetractPointer,
    BookAppointment,
    ChangeAppointmentStatus,
    ViewSchedule,
    ManageStaff,
    ViewAudit,
    ChangeSettings,
    LoadDemoData,
    /// Print every replicated record (`rapport dump`): managers and admins.
    ExportData,
    /// Mark a patient's record restricted (or not), and see who opened restricted records.
    RestrictRecord,
}

impl Operation {
    pub const ALL: [Self; 16] = [
        Self::ViewPatient,
        Self::RegisterPatient,
        Self::EditPatient,
        Self::DeletePatient,
        Self::AddPointer,
        Self::MarkPointer,
        Self::RetractPointer,
        Self::BookAppointment,
        Self::ChangeAppointmentStatus,
        Self::ViewSchedule,
        Self::ManageStaff,
        Self::ViewAudit,
        Self::ChangeSettings,
        Self::LoadDemoData,
        Self::ExportData,
        Self::RestrictRecord,
    ];
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Staff {
    pub id: StaffId,
    /// Unique, case-insensitive.
    pub login: String,
    pub display_name: String,
    pub role: Role,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

crate::words::word_enum! {
    /// The language a staff member works the desk in (the command line stays English).
    #[derive(Default)]
    pub enum Language {
        #[default]
        En = "en",
        Hi = "hi",
    }
}

impl Language {
    /// The language's own name, as a choice shows it.
    pub const fn name(self) -> &'static str {
        match self {
            Self::En => "English",
            Self::Hi => "हिन्दी",
        }
    }
}

/// Shortest staff password accepted.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// Shortest passphrase that may protect a clinic database's key: on a stolen desk it is all that
/// stands between the thief and every patient held there.
pub const MIN_PASSPHRASE_CHARS: usize = 12;

pub fn check_password(password: &str) -> Result<(), String> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(format!("a password needs at least {MIN_PASSWORD_CHARS} characters"));
    }
    Ok(())
}

pub fn check_passphrase(passphrase: &str) -> Result<(), String> {
    if passphrase.chars().count() < MIN_PASSPHRASE_CHARS {
        return Err(format!("the database passphrase needs at least {MIN_PASSPHRASE_CHARS} characters"));
    }
    Ok(())
}

/// Logins are short, lowercase words: letters, digits, `.`, `-`, `_`.
pub fn normalize_login(login: &str) -> Result<String, &'static str> {
    let login = login.trim().to_lowercase();
    if login.is_empty() || login.len() > 64 {
        return Err("a login is 1 to 64 characters");
    }
    if !login.chars().all(|c| c.is_ascii_alphanumeric() || ".-_".contains(c)) {
        return Err("a login uses only letters, digits, '.', '-' and '_'");
    }
    Ok(login)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_admins_load_demo_data_and_only_managers_up_manage_staff() {
        assert!(Role::Admin.allows(Operation::LoadDemoData));
        assert!(!Role::Manager.allows(Operation::LoadDemoData));
        assert!(Role::Manager.allows(Operation::ManageStaff));
        assert!(!Role::FrontDesk.allows(Operation::ManageStaff));
        assert!(!Role::Clinician.allows(Operation::ManageStaff));
    }

    #[test]
    fn a_clinician_cannot_delete() {
        assert!(!Role::Clinician.allows(Operation::DeletePatient));
        assert!(!Role::Clinician.allows(Operation::RetractPointer));
        assert!(Role::Clinician.allows(Operation::AddPointer));
    }

    #[test]
    fn a_manager_cannot_make_an_admin() {
        assert!(Role::Manager.may_grant(Role::FrontDesk));
        assert!(!Role::Manager.may_grant(Role::Manager));
        assert!(!Role::Manager.may_grant(Role::Admin));
        assert!(Role::Admin.may_grant(Role::Admin));
    }

    #[test]
    fn logins_are_lowercased_and_plain() {
        assert_eq!(normalize_login(" Dr.Mehta "), Ok("dr.mehta".into()));
        assert!(normalize_login("a b").is_err());
        assert!(normalize_login("").is_err());
    }
}
