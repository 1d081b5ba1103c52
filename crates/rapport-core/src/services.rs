//! Front-desk operations: patients, rapport pointers, appointments and the schedule.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rapport_model::Says;
use rapport_model::ipc::Said;
use rapport_model::surveys::RecentAnswer;
use rapport_model::text::{self, TextRule};
use rapport_model::view::{
    BookingOutcome, DoctorGlance, DoctorView, FreeSlot, MergedAway, PatientCard, PatientHit, PointerView, ScheduleRow,
};
use rapport_model::{
    Appointment, AppointmentId, AppointmentStatus, Booking, NewPatient, Operation, Patient, PatientEdit, PatientId,
    Pointer, PointerId, PointerKind, PointerState, Role, Source, StaffId, StatusChange,
};
use rapport_store::audit::{self, NewAuditEntry};
use rapport_store::records;
use rapport_store::search;
use serde::Deserialize;

use crate::{Error, Rapport, Result, Session};

/// Longest appointment that can be booked, in minutes.
pub(crate) const MAX_APPOINTMENT_MINUTES: u32 = rapport_model::schema::MAX_APPOINTMENT_MINUTES as u32;
/// Most search results asked for at once.
const MAX_SEARCH_LIMIT: usize = 200;

/// A new pointer from the quick-capture field.
#[derive(Debug, Clone, Deserialize)]
pub struct NewPointer {
    pub kind: PointerKind,
    pub text: String,
    pub event_date: Option<NaiveDate>,
    pub source: Source,
}

impl Rapport {
    pub(crate) fn patient_or_404(&self, id: PatientId) -> Result<Patient> {
        records::get_patient(self.store.conn(), id)?.ok_or_else(|| Error::not_found("patient"))
    }

    // -----------------------------------------------------------------------------------------
    // Patients

    /// Registers a new patient and gives them a record number.
    pub fn register_patient(&mut self, s: &Session, new: NewPatient) -> Result<Patient> {
        s.require(Operation::RegisterPatient)?;
        let new = new.validated(self.today())?;
        if let Some(doctor) = new.usual_doctor {
            self.doctor(doctor)?;
        }
        let (ms, rnd) = self.id_parts()?;
        let now = self.clock.now();
        let id = PatientId::from_parts(ms, rnd);
        self.store.write(|tx| -> Result<Patient> {
            let record_no = records::next_record_no(tx)?;
            let patient = new.into_patient(id, record_no, now);
            records::insert_patient(tx, &patient)?;
            log(tx, now, s, "patient.register", Some(id), None)?;
            Ok(patient)
        })
    }

    /// Changes some of a patient's fields.
    pub fn edit_patient(&mut self, s: &Session, id: PatientId, edit: PatientEdit) -> Result<Patient> {
        s.require(Operation::EditPatient)?;
        self.may_open(s, id)?;
        if edit.is_empty() {
            return Err(Error::invalid("nothing to change"));
        }
        if let Some(Some(doctor)) = edit.usual_doctor {
            self.doctor(doctor)?;
        }
        let now = self.clock.now();
        let today = self.today();
        // Read, change and write in one transaction: a change pulled from head office in
        // between cannot be overwritten by this edit's stale copy of the other fields.
        self.store.write(|tx| -> Result<Patient> {
            let mut patient = records::get_patient(tx, id)?.ok_or_else(|| Error::not_found("patient"))?;
            edit.apply(&mut patient, today, now)?;
            records::update_patient(tx, &patient)?;
            log(tx, now, s, "patient.edit", Some(id), None)?;
            Ok(patient)
        })
    }

    /// Deletes a patient (a tombstone: hidden everywhere, kept for what refers to it) and
    /// cancels their future appointments.
    pub fn delete_patient(&mut self, s: &Session, id: PatientId) -> Result<()> {
        s.require(Operation::DeletePatient)?;
        self.patient_or_404(id)?;
        let now = self.clock.now();
        let future: Vec<Appointment> = records::appointments_for_patient(self.store.conn(), id)?
            .into_iter()
            .filter(|a| a.starts_at > now && a.status.holds_slot())
            .collect();
        self.store.write(|tx| -> Result<()> {
            for mut a in future {
                if a.apply(StatusChange::Cancel, now).is_ok() {
                    records::update_appointment_status(tx, &a)?;
                    log(tx, now, s, "appointment.cancelled", Some(id), Some(&a.id.to_string()))?;
                }
            }
            records::delete_patient(tx, id, now)?;
            log(tx, now, s, "patient.delete", Some(id), None)
        })
    }

    /// Type-ahead search (not audited per keystroke: opening a record is).
    pub fn search_patients(&self, s: &Session, query: &str, limit: usize) -> Result<Vec<PatientHit>> {
        s.require(Operation::ViewPatient)?;
        Ok(search::search(self.store.conn(), query, limit.min(MAX_SEARCH_LIMIT))?)
    }

    /// Opens a patient: the card, audited as a view, and the patient moves up in search.
    /// A record merged into another opens as that one.
    pub fn open_patient(&mut self, s: &Session, id: PatientId) -> Result<PatientCard> {
        s.require(Operation::ViewPatient)?;
        let id = records::canonical(self.store.conn(), id)?;
        self.may_open(s, id)?;
        let now = self.clock.now();
        self.store.write(|tx| -> Result<()> {
            records::touch_patient(tx, id, now)?; // "patient not found" for unknown or deleted ids
            log(tx, now, s, "patient.view", Some(id), None)
        })?;
        self.card(id)
    }

    fn card(&self, id: PatientId) -> Result<PatientCard> {
        let conn = self.store.conn();
        let patient = self.patient_or_404(id)?;
        let today = self.today();
        let now = self.clock.now();
        let appointments = records::appointments_for_patient(conn, id)?;
        let last_visit = appointments
            .iter()
            .filter(|a| a.status == AppointmentStatus::Done)
            .filter_map(|a| a.seen_at.or(a.arrived_at))
            .max();
        // A visit seen ahead of its booked time is over: it is the last one, not the next.
        let over = |a: &&Appointment| a.starts_at <= now || a.status.is_final();
        let last_appointment = appointments
            .iter()
            .filter(over)
            .filter(|a| a.status != AppointmentStatus::Cancelled)
            .max_by_key(|a| a.starts_at)
            .cloned();
        let next_appointment =
            appointments.iter().filter(|a| !over(a) && a.status.holds_slot()).min_by_key(|a| a.starts_at).cloned();
        let mut pointers: Vec<PointerView> = records::current_pointers(conn, id)?
            .into_iter()
            .map(|p| {
                let state = p.state_on(today);
                PointerView {
                    prompt: p.prompt_on(today),
                    new_since_last_visit: p.is_new_since(last_visit),
                    state,
                    pointer: p,
                }
            })
            .filter(|v| v.state.is_shown())
            .collect();
        // Conversation starters first (asks about past events on top), avoid topics last.
        pointers.sort_by_key(|v| match v.state {
            PointerState::AskHowItWent => 0,
            PointerState::Active => 1,
            PointerState::Fading => 2,
            _ => 3,
        });
        let usual_doctor_name = match patient.usual_doctor {
            Some(d) => records::staff_by_id(conn, d)?.map(|s| s.display_name),
            None => None,
        };
        let open_calls = self.calls_of(id)?;
        let messages = rapport_store::calls::messages_of(conn, id, 20)?;
        let merged = records::merged_into(conn, id)?
            .into_iter()
            .filter_map(|m| {
                let record = records::get_patient(conn, m.other).transpose()?;
                Some(record.map(|p| MergedAway { merge_id: m.id, record: PatientHit::from(&p), at: m.at }))
            })
            .collect::<rapport_store::Result<Vec<_>>>()?;
        let mut history: Vec<Appointment> = appointments.iter().filter(|a| a.starts_at <= now).cloned().collect();
        history.sort_by_key(|a| std::cmp::Reverse(a.starts_at));
        history.truncate(rapport_model::view::VISIT_HISTORY);
        Ok(PatientCard {
            history,
            age: patient.age_on(today),
            usual_doctor_name,
            pointers,
            last_appointment,
            next_appointment,
            last_visit,
            open_calls,
            messages,
            merged,
            patient,
        })
    }

    // -----------------------------------------------------------------------------------------
    // Pointers

    pub fn add_pointer(&mut self, s: &Session, patient: PatientId, new: NewPointer) -> Result<Pointer> {
        s.require(Operation::AddPointer)?;
        self.patient_or_404(patient)?;
        self.may_open(s, patient)?;
        let pointer = self.build_pointer(s, patient, new, None)?;
        let now = pointer.created_at;
        self.store.write(|tx| -> Result<()> {
            records::insert_pointer(tx, &pointer)?;
            log(tx, now, s, "pointer.add", Some(patient), Some(&pointer.id.to_string()))
        })?;
        Ok(pointer)
    }

    /// Replaces a pointer's text, kind or date with a new version; the old one stays in history.
    pub fn revise_pointer(&mut self, s: &Session, old: PointerId, new: NewPointer) -> Result<Pointer> {
        s.require(Operation::AddPointer)?;
        let previous = self.live_pointer(old)?;
        let pointer = self.build_pointer(s, previous.patient_id, new, Some(old))?;
        let now = pointer.created_at;
        self.store.write(|tx| -> Result<()> {
            records::insert_pointer(tx, &pointer)?;
            log(tx, now, s, "pointer.revise", Some(previous.patient_id), Some(&pointer.id.to_string()))
        })?;
        Ok(pointer)
    }

    fn build_pointer(
        &self,
        s: &Session,
        patient: PatientId,
        new: NewPointer,
        supersedes: Option<PointerId>,
    ) -> Result<Pointer> {
        let text = rapport_model::pointer::validate_text(&new.text)?;
        let (ms, rnd) = self.id_parts()?;
        Ok(Pointer {
            id: PointerId::from_parts(ms, rnd),
            patient_id: patient,
            kind: new.kind,
            text,
            event_date: new.event_date,
            author: s.staff.id,
            author_name: s.staff.display_name.clone(),
            author_role: s.staff.role,
            clinic: self.clinic_name()?,
            source: new.source,
            created_at: self.clock.now(),
            supersedes,
            retracted_at: None,
            marks: Vec::new(),
        })
    }

    /// The earlier versions of a pointer (what it said before each revision), newest first.
    pub fn pointer_history(&self, s: &Session, id: PointerId) -> Result<Vec<Pointer>> {
        s.require(Operation::ViewPatient)?;
        let conn = self.store.conn();
        let current = records::get_pointer(conn, id)?.ok_or_else(|| Error::not_found("pointer"))?;
        self.may_open(s, current.patient_id)?;
        let mut older = Vec::new();
        let mut next = current.supersedes;
        // A chain is finite (each version points to an older one), but a copy damaged by hand
        // must not loop: at most as many steps as the patient has pointers.
        while let Some(id) = next.filter(|_| older.len() < 1000) {
            let Some(p) = records::get_pointer(conn, id)? else { break };
            next = p.supersedes;
            older.push(p);
        }
        Ok(older)
    }

    /// The pointer if it is the current version and not retracted.
    fn live_pointer(&self, id: PointerId) -> Result<Pointer> {
        let conn = self.store.conn();
        let p = records::get_pointer(conn, id)?.ok_or_else(|| Error::not_found("pointer"))?;
        if p.retracted_at.is_some() {
            return Err(Error::conflict("that pointer was retracted").saying(Said::new(Says::PointerRetracted)));
        }
        if records::pointer_is_superseded(conn, id)? {
            return Err(Error::conflict("that pointer has a newer version; use that one")
                .saying(Said::new(Says::PointerSuperseded)));
        }
        Ok(p)
    }

    /// "Used it": someone asked about it, so others need not. `note` is what the patient said.
    pub fn mark_pointer_used(&mut self, s: &Session, id: PointerId, note: Option<&str>) -> Result<Pointer> {
        self.mark_pointer(s, id, "used", "pointer.used", note)
    }

    /// "Still true": keeps an undated pointer from fading.
    pub fn confirm_pointer(&mut self, s: &Session, id: PointerId) -> Result<Pointer> {
        self.mark_pointer(s, id, "confirmed", "pointer.confirm", None)
    }

    /// Withdraws a pointer. It stays in the history, marked retracted.
    pub fn retract_pointer(&mut self, s: &Session, id: PointerId) -> Result<Pointer> {
        s.require(Operation::RetractPointer)?;
        self.mark_pointer(s, id, "retracted", "pointer.retract", None)
    }

    fn mark_pointer(
        &mut self,
        s: &Session,
        id: PointerId,
        kind: &str,
        action: &str,
        note: Option<&str>,
    ) -> Result<Pointer> {
        s.require(Operation::MarkPointer)?;
        let pointer = self.live_pointer(id)?;
        let note = note.map(str::trim).filter(|n| !n.is_empty());
        if let Some(n) = note {
            // As head office checks a mark's note.
            text::check("note", n, TextRule::Lines, rapport_model::pointer::MAX_POINTER_TEXT)?;
        }
        let (ms, rnd) = self.id_parts()?;
        let mark_id = *uuid_from(ms, rnd).as_bytes();
        let now = self.clock.now();
        self.store.write(|tx| -> Result<()> {
            records::insert_mark(tx, mark_id, id, kind, s.staff.id, now, note)?;
            log(tx, now, s, action, Some(pointer.patient_id), Some(&id.to_string()))
        })?;
        records::get_pointer(self.store.conn(), id)?.ok_or_else(|| Error::not_found("pointer"))
    }

    // -----------------------------------------------------------------------------------------
    // Appointments

    pub(crate) fn doctor(&self, id: StaffId) -> Result<rapport_model::Staff> {
        let staff = records::staff_by_id(self.store.conn(), id)?.ok_or_else(|| Error::not_found("doctor"))?;
        if !records::works_here(self.store.conn(), id)? {
            return Err(Error::invalid("appointments are booked with this clinic's own clinicians"));
        }
        if staff.role != Role::Clinician || !staff.active {
            return Err(Error::invalid("appointments are booked with an active clinician"));
        }
        Ok(staff)
    }

    /// Books an appointment. Refuses a double booking of the doctor; warns when the doctor is
    /// not the patient's usual one.
    pub fn book(&mut self, s: &Session, b: Booking) -> Result<BookingOutcome> {
        s.require(Operation::BookAppointment)?;
        if b.minutes == 0 || b.minutes > MAX_APPOINTMENT_MINUTES {
            return Err(Error::invalid(format!("an appointment lasts 1 to {MAX_APPOINTMENT_MINUTES} minutes")));
        }
        rapport_model::appointment::check_start(b.starts_at, self.clock.now()).map_err(Error::invalid)?;
        let reason = visit_reason(b.reason.as_deref())?;
        let patient = self.patient_or_404(b.patient)?;
        let doctor = self.doctor(b.doctor)?;
        let warnings = self.continuity_warnings(&patient, &doctor)?;
        self.ensure_working(&doctor, b.starts_at, b.minutes)?;
        let (ms, rnd) = self.id_parts()?;
        let now = self.clock.now();
        let (starts_at, minutes, patient_id) = (b.starts_at, b.minutes, b.patient);
        let appointment = Appointment::booked(
            AppointmentId::from_parts(ms, rnd),
            Booking { doctor: doctor.id, reason, ..b },
            s.staff.id,
            now,
        );
        self.store.write(|tx| -> Result<()> {
            // Checked inside the write transaction, so two bookings cannot both pass.
            ensure_doctor_free(tx, &doctor, starts_at, minutes, None)?;
            records::insert_appointment(tx, &appointment)?;
            records::touch_patient(tx, patient_id, now)?;
            log(tx, now, s, "appointment.book", Some(patient_id), Some(&appointment.id.to_string()))
        })?;
        Ok(BookingOutcome { appointment, warnings, freed: None })
    }

    /// Moves an appointment along its status flow. A no-show leaves a call to rebook on the
    /// call list; a check-in moves the patient to the top of search.
    pub fn change_status(&mut self, s: &Session, id: AppointmentId, change: StatusChange) -> Result<Appointment> {
        s.require(Operation::ChangeAppointmentStatus)?;
        let now = self.clock.now();
        self.store.write(|tx| -> Result<Appointment> {
            // Read and write in one transaction (see `edit_patient`).
            let mut appt = records::get_appointment(tx, id)?.ok_or_else(|| Error::not_found("appointment"))?;
            appt.apply(change, now)?;
            records::update_appointment_status(tx, &appt)?;
            match change {
                StatusChange::NoShow => {
                    rapport_store::calls::save_call_task(
                        tx,
                        &crate::calls::no_show_call(appt.id, appt.patient_id, s, now),
                    )?;
                }
                StatusChange::CheckIn => records::touch_patient(tx, appt.patient_id, now)?,
                _ => {}
            }
            let action = format!("appointment.{}", appt.status.as_str());
            log(tx, now, s, &action, Some(appt.patient_id), Some(&id.to_string()))?;
            Ok(appt)
        })
    }

    /// Appointments starting in `[from, to)`, with patient, doctor and live wait timer.
    pub fn schedule(
        &self,
        s: &Session,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        doctor: Option<StaffId>,
    ) -> Result<Vec<ScheduleRow>> {
        s.require(Operation::ViewSchedule)?;
        let conn = self.store.conn();
        let now = self.clock.now();
        let staff = records::list_staff(conn)?;
        let mut rows = Vec::new();
        for appointment in records::appointments_between(conn, from, to, doctor)? {
            let Some(p) = records::get_patient(conn, appointment.patient_id)? else {
                continue; // a deleted patient's past visits leave the schedule with them
            };
            let doctor_name =
                staff.iter().find(|d| d.id == appointment.doctor).map(|d| d.display_name.clone()).unwrap_or_default();
            let wait = appointment.wait_cue(now);
            let talk_about = match wait {
                Some(_) => self.conversation_starter(p.id)?,
                None => None,
            };
            let confirmed_by = match appointment.status {
                AppointmentStatus::Confirmed => match appointment.confirmed_at {
                    Some(at) => rapport_store::calls::confirmed_by(conn, appointment.id, at)?,
                    None => None,
                },
                _ => None,
            };
            rows.push(ScheduleRow {
                wait,
                talk_about,
                confirmed_by,
                patient: PatientHit::from(&p),
                doctor_name,
                appointment,
                queue_place: None,
            });
        }
        // Each doctor's arrived patients, in the order they will be seen.
        let mut queue: Vec<(StaffId, (DateTime<Utc>, bool), usize)> = rows
            .iter()
            .enumerate()
            .filter_map(|(i, r)| {
                rapport_model::schedule::queue_key(&r.appointment).map(|k| (r.appointment.doctor, k, i))
            })
            .collect();
        queue.sort();
        let mut place = 0;
        for (n, (doctor, _, i)) in queue.iter().enumerate() {
            place = if n > 0 && queue[n - 1].0 == *doctor { place + 1 } else { 1 };
            rows[*i].queue_place = Some(place);
        }
        Ok(rows)
    }

    /// The schedule of one local calendar day.
    pub fn day_schedule(&self, s: &Session, day: NaiveDate, doctor: Option<StaffId>) -> Result<Vec<ScheduleRow>> {
        let (from, to) = local_day_bounds(day);
        self.schedule(s, from, to, doctor)
    }

    /// The audit entry of an operation recorded for a patient (used by tests and the UI's
    /// history view).
    pub fn patient_history(&self, s: &Session, id: PatientId) -> Result<Vec<rapport_store::audit::AuditEntry>> {
        self.audit_log(s, Some(id), 1000)
    }
}

/// A visit's reason as typed: trimmed, none when blank, at most `MAX_REASON` characters.
pub(crate) fn visit_reason(typed: Option<&str>) -> Result<Option<String>> {
    let reason = typed.map(str::trim).filter(|r| !r.is_empty()).map(str::to_owned);
    if reason.as_ref().is_some_and(|r| r.chars().count() > rapport_model::appointment::MAX_REASON) {
        return Err(Error::invalid(format!(
            "a reason is at most {} characters",
            rapport_model::appointment::MAX_REASON
        )));
    }
    Ok(reason)
}

/// Refuses when the doctor has another appointment holding a slot that overlaps
/// `[starts_at, starts_at + minutes)` (`except` is the appointment being moved).
fn ensure_doctor_free(
    conn: &rapport_store::rusqlite::Connection,
    doctor: &rapport_model::Staff,
    starts_at: DateTime<Utc>,
    minutes: u32,
    except: Option<AppointmentId>,
) -> Result<()> {
    let clash = records::overlapping_appointments(conn, doctor.id, starts_at, minutes)?;
    match clash.iter().find(|a| Some(a.id) != except) {
        Some(other) => {
            let at = |t: DateTime<Utc>| t.with_timezone(&chrono::Local).format("%H:%M").to_string();
            let (from, to) = (at(other.starts_at), at(other.ends_at()));
            let said = Said::new(Says::DoctorBusy)
                .with("doctor", doctor.display_name.as_str())
                .with("from", from.as_str())
                .with("to", to.as_str());
            Err(Error::conflict(format!("{} already has an appointment at {from}–{to}", doctor.display_name))
                .saying(said))
        }
        None => Ok(()),
    }
}

/// The day whose booked patients were last put first in search (see
/// [`Rapport::put_todays_patients_first`]).
const SEARCH_DAY: &str = "search_day";

impl Rapport {
    /// Puts the patients due today first in search, the soonest first, once a day (at its
    /// first login): the person at the desk is most likely one of them. Each is then where
    /// booking them today would have put them; whoever the desk deals with later comes before.
    pub(crate) fn put_todays_patients_first(&mut self) -> Result<()> {
        let today = self.today();
        let day = today.to_string();
        if rapport_store::meta::get(self.store.conn(), SEARCH_DAY)?.as_deref() == Some(day.as_str()) {
            return Ok(());
        }
        let (from, to) = local_day_bounds(today);
        let due: Vec<PatientId> = records::appointments_between(self.store.conn(), from, to, None)?
            .into_iter()
            .filter(|a| StatusChange::CheckIn.applies_to(a.status))
            .map(|a| a.patient_id)
            .collect();
        self.store.write(|tx| -> Result<()> {
            // The latest first, so that the soonest ends up on top.
            for patient in due.iter().rev() {
                match search::bump(tx, *patient) {
                    // An erased patient's booking: nobody to put first; the rest still are.
                    Err(rapport_store::StoreError::NotFound(_)) => {}
                    other => other?,
                }
            }
            rapport_store::meta::set(tx, SEARCH_DAY, &day)?;
            Ok(())
        })
    }
}

/// UTC bounds of a local calendar day.
pub fn local_day_bounds(day: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = |d: NaiveDate| {
        d.and_hms_opt(0, 0, 0)
            .and_then(|t| t.and_local_timezone(chrono::Local).earliest())
            .map_or_else(|| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc(), |t| t.with_timezone(&Utc))
    };
    (start(day), start(day + Duration::days(1)))
}

/// A UUIDv7 for records without an id type of their own (pointer marks, templates, recall rules).
pub(crate) fn uuid_from(ms: u64, rnd: [u8; 10]) -> uuid::Uuid {
    uuid::Builder::from_unix_timestamp_millis(ms, &rnd).into_uuid()
}

/// Appends the audit entry of an operation, inside the operation's transaction.
pub(crate) fn log(
    tx: &rapport_store::rusqlite::Transaction<'_>,
    at: DateTime<Utc>,
    s: &Session,
    action: &str,
    patient: Option<PatientId>,
    subject: Option<&str>,
) -> Result<()> {
    audit::append(tx, &NewAuditEntry { at, staff_id: Some(s.staff.id), action, patient_id: patient, subject })?;
    Ok(())
}

impl Rapport {
    /// Resolves what a person typed as a patient reference: a record id or a record number.
    pub fn resolve_patient(&self, s: &Session, reference: &str) -> Result<PatientId> {
        s.require(Operation::ViewPatient)?;
        if let Ok(id) = reference.parse::<PatientId>() {
            return Ok(id);
        }
        records::patient_id_by_record_no(self.store.conn(), reference)?.ok_or_else(|| Error::not_found("patient"))
    }
}

impl Rapport {
    /// Active clinicians, by name: who can be booked.
    pub fn doctors(&self, s: &Session) -> Result<Vec<DoctorView>> {
        s.require(Operation::ViewSchedule)?;
        let mut doctors: Vec<DoctorView> = records::staff_with_role(self.store.conn(), Role::Clinician)?
            .into_iter()
            .filter(|d| d.active)
            .map(|d| DoctorView { id: d.id, name: d.display_name })
            .collect();
        doctors.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(doctors)
    }

    /// Moves a booked or confirmed appointment to another time (and optionally another doctor).
    pub fn move_appointment(
        &mut self,
        s: &Session,
        id: AppointmentId,
        starts_at: DateTime<Utc>,
        doctor: Option<StaffId>,
    ) -> Result<BookingOutcome> {
        s.require(Operation::BookAppointment)?;
        let mut appt =
            records::get_appointment(self.store.conn(), id)?.ok_or_else(|| Error::not_found("appointment"))?;
        if !matches!(appt.status, AppointmentStatus::Booked | AppointmentStatus::Confirmed) {
            let said = Said::new(Says::CannotMove).with("status", appt.status);
            return Err(Error::conflict(format!(
                "a {} appointment cannot be moved",
                appt.status.label().to_lowercase()
            ))
            .saying(said));
        }
        rapport_model::appointment::check_start(starts_at, self.clock.now()).map_err(Error::invalid)?;
        let doctor = self.doctor(doctor.unwrap_or(appt.doctor))?;
        let patient = self.patient_or_404(appt.patient_id)?;
        let warnings = self.continuity_warnings(&patient, &doctor)?;
        self.ensure_working(&doctor, starts_at, appt.minutes)?;
        let freed = FreeSlot { doctor: appt.doctor, starts_at: appt.starts_at, minutes: appt.minutes };
        appt.starts_at = starts_at;
        appt.doctor = doctor.id;
        let now = self.clock.now();
        self.store.write(|tx| -> Result<()> {
            ensure_doctor_free(tx, &doctor, starts_at, appt.minutes, Some(appt.id))?;
            records::update_appointment_slot(tx, &appt)?;
            log(tx, now, s, "appointment.move", Some(appt.patient_id), Some(&id.to_string()))
        })?;
        Ok(BookingOutcome { appointment: appt, warnings, freed: Some(freed) })
    }

    /// The doctor's glance: the chosen patient, or the doctor's next one today (the one with
    /// the doctor, else the longest-waiting arrival, else the next booked), with the rest of
    /// the day's list. Audited as a view; read-only otherwise.
    pub fn doctor_glance(&mut self, s: &Session, doctor: StaffId, patient: Option<PatientId>) -> Result<DoctorGlance> {
        s.require(Operation::ViewPatient)?;
        let upcoming: Vec<ScheduleRow> = self
            .day_schedule(s, self.today(), Some(doctor))?
            .into_iter()
            .filter(|r| !r.appointment.status.is_final())
            .collect();
        let rank = |r: &ScheduleRow| match r.appointment.status {
            AppointmentStatus::WithDoctor => 0,
            AppointmentStatus::Arrived => 1,
            _ => 2,
        };
        let appointment = match patient {
            Some(id) => upcoming.iter().find(|r| r.patient.id == id),
            None => upcoming.iter().min_by_key(|r| {
                let queued = rapport_model::schedule::queue_key(&r.appointment);
                (rank(r), queued.unwrap_or((r.appointment.starts_at, false)))
            }),
        }
        .map(|r| r.appointment.clone());
        let focus = patient.or(appointment.as_ref().map(|a| a.patient_id));
        // A restricted record shows only to whoever stated a reason: asked for by name, the
        // refusal says so; the day's next patient is then left closed.
        let open = match focus.map(|id| (id, self.may_open(s, id))) {
            Some((_, Err(e))) if patient.is_some() => return Err(e),
            Some((id, Ok(()))) => Some(id),
            _ => None,
        };
        let card = match open {
            Some(id) => {
                let card = self.card(id)?;
                let now = self.clock.now();
                self.store.write(|tx| log(tx, now, s, "patient.glance", Some(id), None))?;
                Some(card)
            }
            None => None,
        };
        let feedback =
            rapport_store::surveys::answers(self.store.conn(), Some(doctor), crate::surveys::GLANCE_ANSWERS)?
                .into_iter()
                .map(|a| RecentAnswer {
                    rating: a.rating,
                    recommend: a.recommend,
                    comment: a.comment,
                    answered_at: a.answered_at,
                })
                .collect();
        Ok(DoctorGlance { card, appointment, upcoming, feedback })
    }

    /// The first thing worth talking about with a patient, if anything is.
    pub(crate) fn conversation_starter(&self, patient: PatientId) -> Result<Option<String>> {
        let today = self.today();
        let pointers = records::current_pointers(self.store.conn(), patient)?;
        let pick = |wanted: PointerState| pointers.iter().find(|p| p.state_on(today) == wanted);
        Ok(pick(PointerState::AskHowItWent).or_else(|| pick(PointerState::Active)).map(|p| p.prompt_on(today)))
    }

    /// A warning when `doctor` is not the patient's usual doctor.
    fn continuity_warnings(&self, patient: &Patient, doctor: &rapport_model::Staff) -> Result<Vec<String>> {
        match patient.usual_doctor {
            Some(usual) if usual != doctor.id => {
                let usual_name = records::staff_by_id(self.store.conn(), usual)?
                    .map(|d| d.display_name)
                    .unwrap_or_else(|| "another doctor".into());
                Ok(vec![format!("breaks continuity of care: the usual doctor is {usual_name}")])
            }
            _ => Ok(Vec::new()),
        }
    }
}
