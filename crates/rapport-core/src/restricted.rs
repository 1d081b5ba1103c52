//! Restricted records (break-glass): a manager marks a patient's record restricted — a
//! colleague, a public figure, a patient who asked — and from then on anyone, managers too,
//! opens its card only by stating why. Each such opening is audited loudly
//! (`patient.break_glass`, with the reason), listed for managers, and goes to head office with
//! the audit chain. The reason opens the record for that staff member for
//! [`BREAK_GLASS_MINUTES`] in this app, not beyond.

use chrono::Duration;
use rapport_model::Says;
use rapport_model::ipc::Said;
use rapport_model::view::{BreakGlassEntry, PatientCard};
use rapport_model::{Operation, PatientId};
use rapport_store::{audit, records};

use crate::services::log;
use crate::{Error, ErrorCode, Rapport, Result, Session};

/// How long a stated reason keeps a restricted record open for the one who gave it.
pub const BREAK_GLASS_MINUTES: i64 = 30;
/// The longest reason kept (the audit's subject).
const MAX_REASON: usize = 200;
const BREAK_GLASS: &str = "patient.break_glass";

impl Rapport {
    /// Marks a patient's record restricted, or lifts the restriction (managers and admins).
    pub fn set_restricted(&mut self, s: &Session, id: PatientId, restricted: bool) -> Result<()> {
        s.require(Operation::RestrictRecord)?;
        let id = records::canonical(self.store.conn(), id)?;
        let now = self.clock.now();
        self.store.write(|tx| -> Result<()> {
            let mut patient = records::get_patient(tx, id)?.ok_or_else(|| Error::not_found("patient"))?;
            if patient.restricted == restricted {
                return Ok(());
            }
            patient.restricted = restricted;
            patient.updated_at = now;
            records::update_patient(tx, &patient)?;
            log(tx, now, s, if restricted { "patient.restrict" } else { "patient.unrestrict" }, Some(id), None)
        })
    }

    /// Opens a restricted record's card with the reason the staff member states; audited as a
    /// break-glass access and listed for managers.
    pub fn open_restricted(&mut self, s: &Session, id: PatientId, reason: &str) -> Result<PatientCard> {
        s.require(Operation::ViewPatient)?;
        let reason = reason.split_whitespace().collect::<Vec<_>>().join(" ");
        if reason.chars().count() < 5 {
            return Err(Error::invalid("say in a few words why you need this record"));
        }
        // The reason goes to head office in the audit chain: it must pass its rules for a line.
        let reason: String = reason.chars().take(MAX_REASON).collect();
        rapport_model::text::check("reason", &reason, rapport_model::text::TextRule::Line, MAX_REASON)?;
        let id = records::canonical(self.store.conn(), id)?;
        let now = self.clock.now();
        self.store.write(|tx| log(tx, now, s, BREAK_GLASS, Some(id), Some(&reason)))?;
        self.break_glass.retain(|(_, _, until)| *until > now);
        self.break_glass.push((s.staff().id, id, now + Duration::minutes(BREAK_GLASS_MINUTES)));
        self.open_patient(s, id)
    }

    /// Refuses a restricted record to whoever has not stated a reason for it lately.
    pub(crate) fn may_open(&self, s: &Session, id: PatientId) -> Result<()> {
        // Asked on every card, edit and pointer: one column, not the whole record.
        if !records::is_restricted(self.store.conn(), id)? {
            return Ok(());
        }
        let now = self.clock.now();
        let granted = self.break_glass.iter().any(|(who, p, until)| *who == s.staff().id && *p == id && *until > now);
        if granted {
            return Ok(());
        }
        Err(Error::new(
            ErrorCode::Restricted,
            "this record is restricted: say why you need it (recorded, and shown to the clinic's managers)",
        )
        .saying(Said::new(Says::Restricted)))
    }

    /// The newest openings of restricted records, newest first (managers and admins).
    pub fn break_glass_log(&self, s: &Session, limit: usize) -> Result<Vec<BreakGlassEntry>> {
        s.require(Operation::RestrictRecord)?;
        let conn = self.store.conn();
        let staff = records::list_staff(conn)?;
        let mut out = Vec::new();
        for e in audit::by_action(conn, BREAK_GLASS, limit)? {
            let Some(patient) = e.patient_id else { continue };
            let who = e.staff_id.and_then(|id| staff.iter().find(|m| m.id == id));
            let record_no = records::get_patient(conn, patient)?.map(|p| p.record_no).unwrap_or_default();
            out.push(BreakGlassEntry {
                at: e.at,
                staff: who.map(|m| m.display_name.clone()).unwrap_or_default(),
                patient,
                record_no,
                reason: e.subject.unwrap_or_default(),
            });
        }
        Ok(out)
    }
}
