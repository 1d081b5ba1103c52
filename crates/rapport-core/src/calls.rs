//! The call list at the desk, and the messages head office sent each patient. Works offline:
//! everything is read from what the desk holds (see [`rapport_model::calls`] for what makes a
//! call and how every desk of the clinic agrees on its id).

use std::collections::HashSet;

use chrono::{DateTime, Duration, Local, NaiveDate, Utc};
use rapport_model::calls::{self, CallItem, CallOutcome, CallReason, CallTask, derived_call_id};
use rapport_model::outreach::{MessageKind, MessageView};
use rapport_model::view::PatientHit;
use rapport_model::{AppointmentId, AppointmentStatus, Operation, PatientId, StatusChange};
use rapport_store::{calls as store, records};
use uuid::Uuid;

use crate::services::log;
use crate::{Error, Rapport, Result, Session};

/// How far back a message may still leave a call.
const MESSAGE_CALLS_DAYS: i64 = 30;
/// Longest wait a follow-up call may be asked for.
pub const MAX_FOLLOW_UP_DAYS: u32 = 365;

/// A call before its patient is looked up.
struct Due {
    id: Uuid,
    reason: CallReason,
    patient: PatientId,
    appointment: Option<AppointmentId>,
    due_on: NaiveDate,
    note: Option<String>,
    last_outcome: Option<CallOutcome>,
}

fn local_day(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&Local).date_naive()
}

/// The call written for a missed visit: one per visit, whichever desk marks it.
pub(crate) fn no_show_call(
    appointment: AppointmentId,
    patient: PatientId,
    by: &Session,
    now: DateTime<Utc>,
) -> CallTask {
    CallTask {
        id: calls::no_show_call_id(appointment),
        patient_id: patient,
        reason: CallReason::NoShow,
        appointment_id: Some(appointment),
        due_on: local_day(now),
        outcome: None,
        outcome_by: None,
        outcome_at: None,
        created_by: by.staff().id,
        created_at: now,
    }
}

impl Rapport {
    /// Everyone the desk should phone today, earliest first: calls written down (missed
    /// visits, follow-ups that are due), messages that left a call, recalls due that no
    /// message carries. A call nobody answered stays, with that noted.
    pub fn call_list(&self, s: &Session) -> Result<Vec<CallItem>> {
        s.require(Operation::ViewSchedule)?;
        self.with_patients(self.all_calls()?)
    }

    /// Every call due, a recall tried before only while the patient is still due one.
    fn all_calls(&self) -> Result<Vec<Due>> {
        let recalls = self.recall_calls()?;
        let still_due: HashSet<Uuid> = recalls.iter().map(|d| d.id).collect();
        let mut due = self.written_and_message_calls(None)?;
        due.retain(|d| d.reason != CallReason::Recall || still_due.contains(&d.id));
        due.extend(recalls);
        Ok(due)
    }

    /// What makes this clinic's call ids its own (two clinics may recall one patient): the
    /// clinic head office knows the desk by, or nothing on a desk of its own.
    fn clinic_key(&self) -> Result<String> {
        Ok(self.enrollment()?.map(|e| e.clinic).unwrap_or_default())
    }

    /// The calls the desk owes one patient (written ones and those messages left; recalls due
    /// are on the call list).
    pub(crate) fn calls_of(&self, patient: PatientId) -> Result<Vec<CallItem>> {
        let due = self.written_and_message_calls(Some(patient))?;
        self.with_patients(due)
    }

    /// Records how a call went. Any outcome but "no answer" takes it off every desk's list; a
    /// reminder call that reached the patient confirms their visit.
    pub fn finish_call(&mut self, s: &Session, id: Uuid, outcome: CallOutcome) -> Result<CallItem> {
        s.require(Operation::ChangeAppointmentStatus)?;
        let conn = self.store.conn();
        let existing = store::call_task(conn, id)?;
        if existing.as_ref().and_then(|t| t.outcome).is_some_and(CallOutcome::closes) {
            return Err(Error::conflict("this call is done already"));
        }
        let call = self.all_calls()?.into_iter().find(|c| c.id == id).ok_or_else(|| Error::not_found("call"))?;
        let now = self.clock.now();
        let task = CallTask {
            id,
            patient_id: call.patient,
            reason: call.reason,
            appointment_id: call.appointment,
            due_on: call.due_on,
            outcome: Some(outcome),
            outcome_by: Some(s.staff().id),
            outcome_at: Some(now),
            created_by: existing.as_ref().map_or(s.staff().id, |t| t.created_by),
            created_at: existing.as_ref().map_or(now, |t| t.created_at),
        };
        self.store.write(|tx| -> Result<()> {
            store::save_call_task(tx, &task)?;
            if let (CallReason::Reminder, CallOutcome::Reached, Some(a)) = (call.reason, outcome, call.appointment)
                && let Some(mut appt) = records::get_appointment(tx, a)?
                && appt.status == AppointmentStatus::Booked
                && appt.starts_at > now
            {
                appt.apply(StatusChange::Confirm, now)?;
                records::update_appointment_status(tx, &appt)?;
            }
            let subject = format!("{} {}", call.reason, outcome);
            log(tx, now, s, "call.done", Some(call.patient), Some(&subject))
        })?;
        let mut item = self.with_patients(vec![Due { last_outcome: Some(outcome), ..call }])?;
        item.pop().ok_or_else(|| Error::not_found("patient"))
    }

    /// Asks for a call to the patient of a finished visit in `days` days (a second ask moves
    /// the day).
    pub fn ask_follow_up_call(&mut self, s: &Session, appointment: AppointmentId, days: u32) -> Result<CallTask> {
        s.require(Operation::ChangeAppointmentStatus)?;
        if !(1..=MAX_FOLLOW_UP_DAYS).contains(&days) {
            return Err(Error::invalid(format!("a follow-up call is 1 to {MAX_FOLLOW_UP_DAYS} days after the visit")));
        }
        let now = self.clock.now();
        let due_on = self.today() + Duration::days(i64::from(days));
        self.store.write(|tx| -> Result<CallTask> {
            let appt = records::get_appointment(tx, appointment)?.ok_or_else(|| Error::not_found("appointment"))?;
            if appt.status != AppointmentStatus::Done {
                return Err(Error::invalid("a follow-up call is asked for once the visit is done"));
            }
            let id = derived_call_id(&format!("follow-up/{appointment}"));
            let task = match store::call_task(tx, id)? {
                Some(t) => CallTask { due_on, outcome: None, outcome_by: None, outcome_at: None, ..t },
                None => CallTask {
                    id,
                    patient_id: appt.patient_id,
                    reason: CallReason::FollowUp,
                    appointment_id: Some(appointment),
                    due_on,
                    outcome: None,
                    outcome_by: None,
                    outcome_at: None,
                    created_by: s.staff().id,
                    created_at: now,
                },
            };
            store::save_call_task(tx, &task)?;
            log(tx, now, s, "call.asked", Some(appt.patient_id), Some(&due_on.to_string()))?;
            Ok(task)
        })
    }

    /// What head office sent a patient (or held back, and why), newest first, with their replies.
    pub fn patient_messages(&mut self, s: &Session, patient: PatientId) -> Result<Vec<MessageView>> {
        s.require(Operation::ViewPatient)?;
        self.patient_or_404(patient)?;
        let now = self.clock.now();
        self.store.write(|tx| log(tx, now, s, "patient.messages", Some(patient), None))?;
        Ok(store::messages_of(self.store.conn(), patient, 200)?)
    }

    /// Whether the visit is still ahead and waiting for the patient's word (booked, not confirmed).
    fn visit_waiting(&self, appointment: Option<AppointmentId>) -> Result<bool> {
        let now = self.clock.now();
        Ok(match appointment {
            Some(a) => records::get_appointment(self.store.conn(), a)?
                .is_some_and(|a| a.status == AppointmentStatus::Booked && a.starts_at > now),
            None => false,
        })
    }

    /// Written calls due by today, and the calls messages of the last weeks left. A call about
    /// a visit's reminder (a phone-only patient, a reminder that did not arrive) lasts while
    /// the visit waits; one per visit, however many reminders it had.
    fn written_and_message_calls(&self, patient: Option<PatientId>) -> Result<Vec<Due>> {
        let conn = self.store.conn();
        let (now, today) = (self.clock.now(), self.today());
        let mut due = Vec::new();
        for t in store::open_call_tasks(conn, today, patient)? {
            if t.reason == CallReason::Reminder && !self.visit_waiting(t.appointment_id)? {
                continue;
            }
            due.push(Due {
                id: t.id,
                reason: t.reason,
                patient: t.patient_id,
                appointment: t.appointment_id,
                due_on: t.due_on,
                note: None,
                last_outcome: t.outcome,
            });
        }
        let listed: HashSet<Uuid> = due.iter().map(|d| d.id).collect();
        for m in store::messages_for_calls(conn, now - Duration::days(MESSAGE_CALLS_DAYS), patient)? {
            let v = &m.message;
            let Some(reason) = calls::call_for_message(v.kind, v.status, v.reply_meaning) else { continue };
            let replied = matches!(reason, CallReason::CallBack | CallReason::CannotCome | CallReason::ReplyUnclear);
            let about_visit = v.kind == MessageKind::Reminder && !replied;
            if about_visit && !self.visit_waiting(m.appointment_id)? {
                continue;
            }
            // A reply is a call of its own (an N after an R is another call); the visit's
            // reminder calls are one.
            let about = match (about_visit, m.appointment_id, v.reply_meaning) {
                (true, Some(a), _) => format!("reminder/{a}"),
                (_, _, Some(meaning)) if replied => format!("message/{}/{meaning}", v.id),
                _ => format!("message/{}", v.id),
            };
            let id = derived_call_id(&about);
            let note = if replied { v.reply.clone() } else { None };
            if listed.contains(&id) {
                // Tried already and nobody answered: still the reply to read.
                if let Some(d) = due.iter_mut().find(|d| d.id == id) {
                    d.note = note;
                }
                continue;
            }
            if store::call_task(conn, id)?.is_some_and(|t| t.outcome.is_some()) {
                continue;
            }
            due.push(Due {
                id,
                reason,
                patient: m.patient_id,
                appointment: m.appointment_id,
                due_on: local_day(v.send_after.min(v.updated_at)),
                note,
                last_outcome: None,
            });
        }
        Ok(due)
    }

    /// Recalls due that no message carries (the patient takes no messages, or none went).
    fn recall_calls(&self) -> Result<Vec<Due>> {
        let conn = self.store.conn();
        let mut due = Vec::new();
        for r in self.recalls()? {
            let since = r.due.and_hms_opt(0, 0, 0).map_or(self.clock.now(), |t| t.and_utc());
            if store::recall_sent_since(conn, r.patient.id, since - Duration::days(1))? {
                continue;
            }
            let id = derived_call_id(&format!("recall/{}/{}/{}", self.clinic_key()?, r.patient.id, r.due));
            let task = store::call_task(conn, id)?;
            if task.as_ref().and_then(|t| t.outcome).is_some_and(CallOutcome::closes) {
                continue;
            }
            due.push(Due {
                id,
                reason: CallReason::Recall,
                patient: r.patient.id,
                appointment: None,
                due_on: r.due,
                note: None,
                last_outcome: task.and_then(|t| t.outcome),
            });
        }
        Ok(due)
    }

    /// The calls with their patients (a deleted patient's calls go with them), earliest first,
    /// each once (a recall tried already is both written and due).
    fn with_patients(&self, mut due: Vec<Due>) -> Result<Vec<CallItem>> {
        due.sort_by(|a, b| a.due_on.cmp(&b.due_on).then_with(|| a.reason.cmp(&b.reason)));
        let mut seen = HashSet::new();
        let mut out = Vec::with_capacity(due.len());
        for d in due.into_iter().filter(|d| seen.insert(d.id)) {
            let Some(p) = records::get_patient(self.store.conn(), d.patient)? else { continue };
            out.push(CallItem {
                id: d.id,
                reason: d.reason,
                talk_about: self.conversation_starter(p.id)?,
                patient: PatientHit::from(&p),
                appointment_id: d.appointment,
                due_on: d.due_on,
                note: d.note,
                last_outcome: d.last_outcome,
            });
        }
        Ok(out)
    }
}
