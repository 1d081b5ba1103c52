//! Staff accounts after they are made: each member changes their own password; managers (for
//! the front desk and clinicians) and admins (for anyone) reset a colleague's password, change
//! a role, and deactivate or reactivate an account. An account is never deleted: its name stays
//! on what its owner wrote and in the audit log. Every change is audited and syncs to the
//! clinic's desks (a password, and the flag that a manager reset it, only to the clinic's own).

use rapport_model::Says;
use rapport_model::ipc::Said;
use rapport_model::staff::{Language, normalize_login};
use rapport_model::{Operation, Role, Staff, StaffId};
use rapport_store::audit::{self, NewAuditEntry};
use rapport_store::records;
use rapport_store::rusqlite::Connection;

use crate::{Error, ErrorCode, Rapport, Result, Secret, Session, check_password, hash_password, verify_password};

impl Rapport {
    /// The language a staff member chose for the desk (English until they choose).
    pub fn staff_language(&self, id: StaffId) -> Language {
        records::staff_language(self.store.conn(), id).ok().flatten().and_then(|l| l.parse().ok()).unwrap_or_default()
    }

    /// The logged-in member chooses the desk's language for themselves (it follows them to
    /// every desk of their clinic).
    pub fn set_own_language(&mut self, s: &Session, language: Language) -> Result<()> {
        let now = self.clock.now();
        self.store.write(|tx| -> Result<()> {
            records::set_staff_language(tx, s.staff().id, language.as_str())?;
            log(tx, now, s, "staff.language", s.staff())
        })
    }

    /// Changes the logged-in member's own password, the current one typed again; the session
    /// that comes back may do what the role allows (a reset password blocks everything else).
    pub fn change_password(&mut self, s: &Session, current: &Secret, new: &Secret) -> Result<Session> {
        let now = self.clock.now();
        let (staff, auth) = records::staff_by_login(self.store.conn(), &s.staff().login)?
            .ok_or_else(|| Error::not_found("staff member"))?;
        if !verify_password(current, &auth.password_hash) {
            self.store.write(|tx| log(tx, now, s, "staff.password_refused", &staff))?;
            return Err(Error::new(ErrorCode::AuthFailed, "the current password is not right")
                .saying(Said::new(Says::CurrentPasswordWrong)));
        }
        check_password(new)?;
        if verify_password(new, &auth.password_hash) {
            return Err(Error::invalid("the new password must differ from the current one")
                .saying(Said::new(Says::PasswordSame)));
        }
        let hash = hash_password(new)?;
        self.store.write(|tx| -> Result<()> {
            records::set_password(tx, staff.id, &hash, false)?;
            log(tx, now, s, "staff.password", &staff)
        })?;
        Ok(Session::new(staff, false))
    }

    /// Gives a colleague a new password, which they must change when they next log in (they
    /// forgot theirs, or it may be known to someone else). Also lifts a lockout.
    pub fn reset_password(&mut self, s: &Session, login: &str, temporary: &Secret) -> Result<Staff> {
        let staff = self.colleague(s, login, "reset the password of")?;
        check_password(temporary)?;
        let hash = hash_password(temporary)?;
        let now = self.clock.now();
        self.store.write(|tx| -> Result<()> {
            records::set_password(tx, staff.id, &hash, true)?;
            log(tx, now, s, "staff.reset", &staff)
        })?;
        Ok(staff)
    }

    /// Gives a colleague another role: both the old and the new one must be the caller's to
    /// grant, and a new admin on an enrolled desk is head office's to make.
    pub fn set_staff_role(&mut self, s: &Session, login: &str, role: Role) -> Result<Staff> {
        let mut staff = self.colleague(s, login, "change the role of")?;
        may_grant(s, role)?;
        if role == Role::Admin && staff.role != Role::Admin && self.enrollment()?.is_some() {
            return Err(Error::new(
                ErrorCode::Forbidden,
                "this desk is enrolled with head office, which makes new admins; ask head office",
            ));
        }
        if staff.role == role {
            return Ok(staff);
        }
        staff.role = role;
        self.save_colleague(s, &staff, "staff.role")?;
        Ok(staff)
    }

    /// Lets a colleague log in again, or not (`active`: false keeps their account and history).
    pub fn set_staff_active(&mut self, s: &Session, login: &str, active: bool) -> Result<Staff> {
        let mut staff = self.colleague(s, login, if active { "reactivate" } else { "deactivate" })?;
        if staff.active == active {
            return Ok(staff);
        }
        staff.active = active;
        self.save_colleague(s, &staff, if active { "staff.reactivate" } else { "staff.deactivate" })?;
        Ok(staff)
    }

    /// A colleague of this clinic whose account the caller may manage: never the caller (their
    /// own password is [`Self::change_password`]; no one locks themselves out or promotes
    /// themselves).
    fn colleague(&self, s: &Session, login: &str, what: &str) -> Result<Staff> {
        s.require(Operation::ManageStaff)?;
        let login = normalize_login(login).map_err(Error::invalid)?;
        let staff = records::staff_by_login(self.store.conn(), &login)?
            .filter(|(_, auth)| !auth.password_hash.is_empty())
            .map(|(staff, _)| staff)
            .ok_or_else(|| Error::not_found("staff member of this clinic"))?;
        if staff.id == s.staff().id {
            return Err(Error::new(ErrorCode::Forbidden, format!("you cannot {what} your own account here")));
        }
        may_grant(s, staff.role)?;
        Ok(staff)
    }

    fn save_colleague(&mut self, s: &Session, staff: &Staff, action: &str) -> Result<()> {
        let now = self.clock.now();
        self.store.write(|tx| -> Result<()> {
            records::update_staff(tx, staff)?;
            log(tx, now, s, action, staff)
        })
    }
}

/// May the caller make or change an account with `role`? A manager runs the front desk and
/// clinicians; only an admin touches managers and admins.
pub(crate) fn may_grant(s: &Session, role: Role) -> Result<()> {
    if s.role().may_grant(role) {
        return Ok(());
    }
    Err(Error::new(
        ErrorCode::Forbidden,
        format!("the {} role may not manage {} accounts", s.role().label().to_lowercase(), role.label().to_lowercase()),
    ))
}

fn log(tx: &Connection, now: chrono::DateTime<chrono::Utc>, s: &Session, action: &str, staff: &Staff) -> Result<()> {
    let subject = staff.id.to_string();
    let entry =
        NewAuditEntry { at: now, staff_id: Some(s.staff().id), action, patient_id: None, subject: Some(&subject) };
    audit::append(tx, &entry)?;
    Ok(())
}
