//! The one API surface of Rapport for the desktop shell and the `rapport` CLI: opening and
//! unlocking the clinic's database, staff login, and every front-desk operation, each checked
//! against the staff member's role and audited in the same transaction as its change.
//!
//! **Architecture invariants:**
//! - Every operation takes a [`Session`], which only [`Rapport::login`] makes, and checks the
//!   session's role before touching data.
//! - Every operation that reads or changes a patient appends its audit entry inside the same
//!   store transaction; if the audit write fails, the operation fails.
//! - The clock is passed in ([`Clock`]); nothing here calls `Utc::now()` directly.

mod backup;
mod calls;
mod campaigns;
mod clock;
pub mod demo;
mod duplicates;
mod error;
mod export;
mod fhir;
mod import;
mod messaging;
mod reports;
mod restricted;
mod schedule;
mod segments;
mod services;
mod staff;
mod surveys;
pub mod sync;

use std::path::Path;
use std::sync::Arc;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::{DateTime, Duration, Local, NaiveDate, Utc};
use rapport_model::ipc::Said;
use rapport_model::staff::normalize_login;
use rapport_model::{Operation, Role, Says, Staff, StaffId};
use rapport_store::audit::{self, NewAuditEntry};
use rapport_store::{Store, meta, records};

pub use backup::{BackupMade, Restored, restore};
pub use calls::MAX_FOLLOW_UP_DAYS;
pub use campaigns::CampaignInput;
pub use clock::{Clock, FixedClock, SystemClock};
pub use error::{Error, ErrorCode, Result};
pub use fhir::FhirSummary;
pub use import::{ImportOptions, ImportProgress, ImportStage, ImportSummary, RefusedRow};
pub use messaging::TemplateInput;
pub use rapport_model::Booking;
pub use rapport_model::duplicates::{Band, Reason as DuplicateReason};
pub use rapport_model::import::{DateFormat, Exported};
pub use rapport_model::reports::{ProfileReport, Report};
pub use rapport_model::surveys::SurveyEdit;
pub use rapport_model::surveys::SurveyResults;
pub use rapport_model::view::{
    BookingOutcome, DoctorGlance, DoctorView, DuplicateMatch, DuplicatePair, FreeSlot, PatientCard, PatientHit,
    PointerView, ScheduleRow,
};
pub use rapport_store::keys::{KdfCost, KeyStorage, key_file_path, key_storage, keyring_available};
pub use rapport_store::{DataKey, KeyProtection, Secret, audit::Verification};
pub use segments::SEGMENT_SAMPLE;
pub use services::{NewPointer, local_day_bounds};

/// Failed logins in a row that lock an account...
pub const LOCKOUT_AFTER_FAILURES: i64 = 5;
/// ...for this long.
pub const LOCKOUT_MINUTES: i64 = 15;
pub use rapport_model::staff::{MIN_PASSPHRASE_CHARS, MIN_PASSWORD_CHARS};

/// An open, unlocked clinic database.
#[derive(Debug)]
pub struct Rapport {
    store: Store,
    clock: Arc<dyn Clock>,
    /// Every living patient as segments see them, kept while the database is unchanged (a
    /// manager's live count is a pass over memory, not over the encrypted file).
    segment_facts: Option<segments::SegmentFacts>,
    /// Who last saw segment counts, and when the audit log last said so.
    segment_audited: Option<(StaffId, DateTime<Utc>)>,
    /// Restricted records opened with a stated reason: who, which patient, until when.
    break_glass: Vec<(StaffId, rapport_model::PatientId, DateTime<Utc>)>,
}

/// A logged-in staff member. Only [`Rapport::login`] (and [`Rapport::init`]) make one.
#[derive(Debug, Clone)]
pub struct Session {
    staff: Staff,
    /// A manager reset the password: nothing is allowed until it is changed
    /// ([`Rapport::change_password`]).
    must_change_password: bool,
}

impl Session {
    fn new(staff: Staff, must_change_password: bool) -> Self {
        Self { staff, must_change_password }
    }

    pub fn staff(&self) -> &Staff {
        &self.staff
    }

    pub fn role(&self) -> Role {
        self.staff.role
    }

    /// Must the staff member change the password a manager reset before doing anything else?
    pub fn must_change_password(&self) -> bool {
        self.must_change_password
    }

    /// Refuses unless the role allows `op`.
    /// May the session do anything yet? Not until a password a manager reset is changed.
    pub fn ready(&self) -> Result<()> {
        if self.must_change_password {
            return Err(Error::new(
                ErrorCode::PasswordChangeNeeded,
                "your password was reset: choose a new one first (`rapport staff password`, or the window's form)",
            )
            .saying(Said::new(Says::PasswordReset)));
        }
        Ok(())
    }

    fn require(&self, op: Operation) -> Result<()> {
        self.ready()?;
        if self.staff.role.allows(op) {
            Ok(())
        } else {
            Err(Error::new(
                ErrorCode::Forbidden,
                format!("the {} role may not {}", self.staff.role.label().to_lowercase(), describe(op)),
            )
            .saying(Said::new(Says::RoleMayNot).with("role", self.staff.role)))
        }
    }
}

fn describe(op: Operation) -> &'static str {
    match op {
        Operation::ViewPatient => "view patients",
        Operation::RegisterPatient => "register patients",
        Operation::EditPatient => "edit patients",
        Operation::DeletePatient => "delete patients",
        Operation::AddPointer => "add pointers",
        Operation::MarkPointer => "mark pointers",
        Operation::RetractPointer => "retract pointers",
        Operation::BookAppointment => "book appointments",
        Operation::ChangeAppointmentStatus => "change appointments",
        Operation::ViewSchedule => "view the schedule",
        Operation::ManageStaff => "manage staff accounts",
        Operation::ViewAudit => "read the audit log",
        Operation::ChangeSettings => "change settings",
        Operation::LoadDemoData => "load demo data",
        Operation::ExportData => "export every record",
        Operation::RestrictRecord => "restrict patients' records",
    }
}

/// What `init` needs to make a clinic.
#[derive(Debug, Clone)]
pub struct ClinicSetup<'a> {
    pub clinic_name: &'a str,
    pub admin_login: &'a str,
    pub admin_name: &'a str,
    pub admin_password: &'a Secret,
}

impl Rapport {
    /// Creates a new clinic database with its first admin account, and logs that admin in.
    pub fn init(
        path: &Path,
        protection: &KeyProtection,
        setup: &ClinicSetup<'_>,
        clock: Arc<dyn Clock>,
    ) -> Result<(Self, Session)> {
        let clinic = setup.clinic_name.trim();
        if clinic.is_empty() || clinic.chars().count() > 120 {
            return Err(Error::invalid("the clinic name must be 1 to 120 characters"));
        }
        let login = normalize_login(setup.admin_login).map_err(Error::invalid)?;
        check_password(setup.admin_password)?;
        check_protection(protection)?;
        let hash = hash_password(setup.admin_password)?;
        let store = Store::create(path, protection)?;
        let mut app = Self::with_store(store, clock);
        let now = app.clock.now();
        let admin = Staff {
            id: StaffId::from_parts(ms(now), random10()?),
            login,
            display_name: if setup.admin_name.trim().is_empty() {
                setup.admin_login.trim().to_owned()
            } else {
                setup.admin_name.trim().to_owned()
            },
            role: Role::Admin,
            active: true,
            created_at: now,
        };
        let site = site_code()?;
        app.store.write(|tx| -> Result<()> {
            meta::set(tx, "clinic_name", clinic)?;
            meta::set(tx, "site_code", &site)?;
            meta::set(tx, "idle_lock_minutes", "10")?;
            records::insert_staff(tx, &admin, &hash)?;
            audit::append(
                tx,
                &NewAuditEntry {
                    at: now,
                    staff_id: Some(admin.id),
                    action: "clinic.init",
                    patient_id: None,
                    subject: None,
                },
            )?;
            Ok(())
        })?;
        Ok((app, Session::new(admin, false)))
    }

    /// Opens and unlocks an existing clinic database.
    pub fn open(path: &Path, passphrase: Option<&Secret>, clock: Arc<dyn Clock>) -> Result<Self> {
        let store = Store::open(path, passphrase)?;
        Ok(Self::with_store(store, clock))
    }

    /// Wraps an open store; the store stamps sync versions with the application's clock.
    fn with_store(mut store: Store, clock: Arc<dyn Clock>) -> Self {
        store.set_wall_clock(Self::wall_clock(&clock));
        Self { store, clock, segment_facts: None, segment_audited: None, break_glass: Vec::new() }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// The clinic's calendar day now (in the machine's time zone).
    pub fn today(&self) -> NaiveDate {
        self.clock.now().with_timezone(&Local).date_naive()
    }

    pub fn clinic_name(&self) -> Result<String> {
        Ok(meta::get(self.store.conn(), "clinic_name")?.unwrap_or_default())
    }

    /// Checks a staff login and password. Five failures in a row lock the login for 15 minutes;
    /// every attempt is audited. A known login and an unknown one are answered, locked out and
    /// worked alike — one password check, one write — so nobody learns which logins exist;
    /// a disabled account says so only to whoever typed its password.
    pub fn login(&mut self, login: &str, password: &Secret) -> Result<Session> {
        if rapport_store::sync::must_catch_up(self.store.conn())? {
            return Err(backup::catching_up());
        }
        let now = self.clock.now();
        // Failures are counted under the login as the staff table would hold it, or (a login no
        // one can have) as typed, cut short.
        let (typed, found) = match normalize_login(login) {
            Ok(login) => {
                let found = records::staff_by_login(self.store.conn(), &login)?;
                (login, found)
            }
            Err(_) => (login.trim().to_lowercase().chars().take(64).collect(), None),
        };
        let (failed, locked_until) = records::login_failures(self.store.conn(), &typed)?;
        let hash = found.as_ref().map_or(DUMMY_HASH.as_str(), |(_, auth)| auth.password_hash.as_str());
        let right = verify_password(password, hash) && found.is_some();
        let locked = locked_until.filter(|until| *until > now);
        let ok = right && locked.is_none();
        self.store.write(|tx| -> Result<()> {
            let (failed, until) = match (ok, locked) {
                (true, _) => (0, None),
                (false, Some(until)) => (failed, Some(until)),
                (false, None) if failed + 1 >= LOCKOUT_AFTER_FAILURES => {
                    (0, Some(now + Duration::minutes(LOCKOUT_MINUTES)))
                }
                (false, None) => (failed + 1, None),
            };
            records::set_login_failures(tx, &typed, failed, until)?;
            let staff_id = found.as_ref().map(|(staff, _)| staff.id);
            let admitted = ok && found.as_ref().is_some_and(|(staff, _)| staff.active);
            let action = if admitted { "staff.login" } else { "staff.login_failed" };
            audit::append(tx, &NewAuditEntry { at: now, staff_id, action, patient_id: None, subject: None })?;
            Ok(())
        })?;
        if locked.is_some() {
            return Err(Error::new(
                ErrorCode::AccountLocked,
                format!("too many failed logins; try again in {LOCKOUT_MINUTES} minutes or ask a manager"),
            )
            .saying(Said::new(Says::TooManyLogins).with("minutes", LOCKOUT_MINUTES)));
        }
        match found.filter(|_| ok) {
            Some((staff, _)) if !staff.active => Err(Error::new(ErrorCode::AccountLocked, "this account is disabled")
                .saying(Said::new(Says::AccountDisabled))),
            Some((staff, auth)) => {
                // Search order is a convenience: a failure here never keeps anyone out.
                let _ = self.put_todays_patients_first();
                Ok(Session::new(staff, auth.password_reset))
            }
            None => Err(Error::new(ErrorCode::AuthFailed, "unknown login or wrong password")
                .saying(Said::new(Says::LoginFailed))),
        }
    }

    /// Adds a staff account. Managers add front desk and clinicians; admins add anyone.
    pub fn add_staff(&mut self, s: &Session, login: &str, name: &str, role: Role, password: &Secret) -> Result<Staff> {
        s.require(Operation::ManageStaff)?;
        staff::may_grant(s, role)?;
        if role == Role::Admin && self.enrollment()?.is_some() {
            // Head office refuses a second admin from a desk (a stolen desk must not make one).
            return Err(Error::new(
                ErrorCode::Forbidden,
                "this desk is enrolled with head office, which makes new admins; ask head office",
            ));
        }
        let login = normalize_login(login).map_err(Error::invalid)?;
        check_password(password)?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 120 {
            return Err(Error::invalid("a display name must be 1 to 120 characters"));
        }
        if records::staff_by_login(self.store.conn(), &login)?.is_some() {
            return Err(Error::conflict("that login is taken").saying(Said::new(Says::LoginTaken)));
        }
        let hash = hash_password(password)?;
        let now = self.clock.now();
        let staff = Staff {
            id: StaffId::from_parts(ms(now), random10()?),
            login,
            display_name: name.to_owned(),
            role,
            active: true,
            created_at: now,
        };
        self.store.write(|tx| -> Result<()> {
            records::insert_staff(tx, &staff, &hash)?;
            let subject = staff.id.to_string();
            audit::append(
                tx,
                &NewAuditEntry {
                    at: now,
                    staff_id: Some(s.staff.id),
                    action: "staff.add",
                    patient_id: None,
                    subject: Some(&subject),
                },
            )?;
            Ok(())
        })?;
        Ok(staff)
    }

    /// Everyone on the staff (any logged-in member may see who works here).
    pub fn list_staff(&self, _s: &Session) -> Result<Vec<Staff>> {
        Ok(records::list_staff(self.store.conn())?)
    }

    pub fn staff_by_login(&self, _s: &Session, login: &str) -> Result<Staff> {
        let login = normalize_login(login).map_err(Error::invalid)?;
        records::staff_by_login(self.store.conn(), &login)?
            .map(|(s, _)| s)
            .ok_or_else(|| Error::not_found("staff member"))
    }

    /// Checks the audit chain end to end.
    pub fn verify_audit(&self, s: &Session) -> Result<Verification> {
        s.require(Operation::ViewAudit)?;
        Ok(audit::verify(self.store.conn())?)
    }

    /// The newest audit entries, optionally for one patient.
    pub fn audit_log(
        &self,
        s: &Session,
        patient: Option<rapport_model::PatientId>,
        limit: usize,
    ) -> Result<Vec<audit::AuditEntry>> {
        s.require(Operation::ViewAudit)?;
        Ok(audit::recent(self.store.conn(), patient, limit)?)
    }

    /// Minutes of inactivity after which the desktop app locks itself.
    pub fn idle_lock_minutes(&self) -> Result<u32> {
        Ok(meta::get(self.store.conn(), "idle_lock_minutes")?.and_then(|v| v.parse().ok()).unwrap_or(10))
    }

    /// Re-protects the database key: under a new passphrase, or in the OS keyring. Asks for the
    /// current passphrase again (when there is one) and audits the change.
    pub fn change_key_protection(
        &mut self,
        s: &Session,
        current: Option<&Secret>,
        protection: &KeyProtection,
    ) -> Result<()> {
        s.require(Operation::ChangeSettings)?;
        check_protection(protection)?;
        self.store.change_key_protection(current, protection)?;
        let now = self.clock.now();
        self.store.write(|tx| -> Result<()> {
            let action = match protection {
                KeyProtection::Keyring => "key.to_keyring",
                KeyProtection::Passphrase(..) => "key.new_passphrase",
            };
            audit::append(
                tx,
                &NewAuditEntry { at: now, staff_id: Some(s.staff.id), action, patient_id: None, subject: None },
            )?;
            Ok(())
        })
    }

    pub fn set_idle_lock_minutes(&mut self, s: &Session, minutes: u32) -> Result<()> {
        s.require(Operation::ChangeSettings)?;
        if !(1..=240).contains(&minutes) {
            return Err(Error::invalid("the idle lock must be between 1 and 240 minutes"));
        }
        let now = self.clock.now();
        self.store.write(|tx| -> Result<()> {
            meta::set(tx, "idle_lock_minutes", &minutes.to_string())?;
            audit::append(
                tx,
                &NewAuditEntry {
                    at: now,
                    staff_id: Some(s.staff.id),
                    action: "settings.idle_lock",
                    patient_id: None,
                    subject: None,
                },
            )?;
            Ok(())
        })
    }

    /// A fresh id's parts: the clock's milliseconds and 10 random bytes.
    fn id_parts(&self) -> Result<(u64, [u8; 10])> {
        Ok((ms(self.clock.now()), random10()?))
    }
}

fn ms(t: DateTime<Utc>) -> u64 {
    u64::try_from(t.timestamp_millis()).unwrap_or(0)
}

fn random10() -> Result<[u8; 10]> {
    let mut b = [0u8; 10];
    getrandom::fill(&mut b)
        .map_err(|_| Error::new(ErrorCode::Storage, "the operating system's random source failed"))?;
    Ok(b)
}

/// Four letters and digits naming this device in record numbers, without look-alikes (0/O,
/// 1/I). It starts with a letter and holds a digit, so a record number is never taken for a
/// phone number and a name search never runs into it.
fn site_code() -> Result<String> {
    const LETTERS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    const DIGITS: &[u8] = b"23456789";
    const ANY: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let b = random10()?;
    let pick = |set: &[u8], byte: u8| set[usize::from(byte) % set.len()] as char;
    Ok([pick(LETTERS, b[0]), pick(ANY, b[1]), pick(DIGITS, b[2]), pick(ANY, b[3])].iter().collect())
}

fn check_password(p: &Secret) -> Result<()> {
    rapport_model::staff::check_password(p.expose()).map_err(|e| {
        let said = Said::new(Says::PasswordTooShort).with("min", rapport_model::staff::MIN_PASSWORD_CHARS);
        Error::invalid(e).saying(said)
    })
}

/// A new database key's protection: a passphrase must be long enough.
pub(crate) fn check_protection(protection: &KeyProtection) -> Result<()> {
    match protection {
        KeyProtection::Passphrase(p, _) => rapport_model::staff::check_passphrase(p.expose()).map_err(|e| {
            let said = Said::new(Says::PassphraseTooShort).with("min", rapport_model::staff::MIN_PASSPHRASE_CHARS);
            Error::invalid(e).saying(said)
        }),
        KeyProtection::Keyring => Ok(()),
    }
}

/// Argon2id with the crate's recommended parameters, in PHC string form.
fn hash_password(p: &Secret) -> Result<String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt)
        .map_err(|_| Error::new(ErrorCode::Storage, "the operating system's random source failed"))?;
    let salt =
        SaltString::encode_b64(&salt).map_err(|_| Error::new(ErrorCode::Storage, "could not hash the password"))?;
    Argon2::default()
        .hash_password(p.expose().as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|_| Error::new(ErrorCode::Storage, "could not hash the password"))
}

/// Checks a password against a stored hash. A colleague of another clinic has no hash on this
/// desk (they cannot log in here): checked against a dummy, so it takes the same time.
fn verify_password(p: &Secret, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(h) => Argon2::default().verify_password(p.expose().as_bytes(), &h).is_ok(),
        Err(_) => {
            let _ = PasswordHash::new(&DUMMY_HASH)
                .map(|h| Argon2::default().verify_password(p.expose().as_bytes(), &h).is_ok());
            false
        }
    }
}

/// A hash of a random password nobody has, checked against when the login is unknown.
static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| hash_password(&Secret::new(format!("{:?}", random10()))).unwrap_or_default());

/// Where the clinic's database lives unless told otherwise (`--db` or `RAPPORT_DB`): the
/// user's data directory, e.g. `~/.local/share/rapport/rapport.db`. The CLI and the desktop
/// app use the same one.
pub fn default_db_path() -> std::path::PathBuf {
    dirs::data_dir().unwrap_or_else(|| std::path::PathBuf::from(".")).join("rapport").join("rapport.db")
}

/// Reads the protection a new database should get from the environment: a passphrase when
/// `RAPPORT_PASSPHRASE` is set, else the OS keyring.
pub fn protection_from_env() -> KeyProtection {
    match std::env::var("RAPPORT_PASSPHRASE") {
        Ok(p) if !p.is_empty() => KeyProtection::Passphrase(Secret::new(p), KdfCost::default()),
        _ => KeyProtection::Keyring,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_codes_start_with_a_letter_and_hold_a_digit() {
        for _ in 0..200 {
            let code = site_code().expect("random");
            assert_eq!(code.len(), 4);
            assert!(code.starts_with(|c: char| c.is_ascii_uppercase()), "{code}");
            assert!(code.chars().any(|c| c.is_ascii_digit()), "{code}");
            assert!(!code.contains(['0', 'O', '1', 'I']), "{code}");
        }
    }
}
