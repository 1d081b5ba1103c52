//! Doctors' schedules: working hours and the slot grid, leave and clinic holidays, the free
//! slots they leave, a doctor's week, walk-ins, and the waitlist offered a freed slot. The
//! rules are `rapport_model::schedule`'s; this is where they meet the database.

use chrono::{DateTime, Datelike, Duration, Local, NaiveDate, Timelike, Utc};
use rapport_model::ipc::Said;
use rapport_model::schedule::{
    self, DayOff, DoctorHours, TimeOff, WaitlistEntry, WaitlistOutcome, Week, WorkSession, weekday_name,
};
use rapport_model::view::{
    BookingOutcome, DaySlots, DoctorView, FreeSlot, PatientHit, ScheduleRow, TimeOffAdded, WaitlistView, WeekDay,
    WeekView,
};
use rapport_model::{Appointment, AppointmentId, Booking, Operation, PatientId, Says, Staff, StaffId};
use rapport_store::{records, schedule as store};
use uuid::Uuid;

use crate::services::{MAX_APPOINTMENT_MINUTES, local_day_bounds, log, uuid_from, visit_reason};
use crate::{Error, Rapport, Result, Session};

/// The instant of a local wall-clock time (the earlier one where a clock change repeats it).
fn local_instant(day: NaiveDate, minute_of_day: u16) -> Option<DateTime<Utc>> {
    day.and_hms_opt(u32::from(minute_of_day / 60), u32::from(minute_of_day % 60), 0)?
        .and_local_timezone(Local)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

/// The local day and minute after midnight of an instant.
fn local_minute(at: DateTime<Utc>) -> (NaiveDate, u16) {
    let local = at.with_timezone(&Local);
    (local.date_naive(), u16::try_from(local.hour() * 60 + local.minute()).unwrap_or(0))
}

fn clean_note(note: Option<&str>) -> Result<Option<String>> {
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    if let Some(n) = note {
        rapport_model::text::check("note", n, rapport_model::text::TextRule::Line, schedule::MAX_NOTE)?;
    }
    Ok(note.map(str::to_owned))
}

impl Rapport {
    /// A doctor's working hours (the clinic default if nobody set them).
    pub fn doctor_hours(&self, s: &Session, doctor: StaffId) -> Result<DoctorHours> {
        s.require(Operation::ViewSchedule)?;
        self.hours_of(doctor)
    }

    pub(crate) fn hours_of(&self, doctor: StaffId) -> Result<DoctorHours> {
        Ok(store::doctor_hours(self.store.conn(), doctor)?.unwrap_or_else(|| DoctorHours::clinic_default(doctor)))
    }

    /// Sets a doctor's working hours and slot grid (managers).
    pub fn set_doctor_hours(
        &mut self,
        s: &Session,
        doctor: StaffId,
        week: Week,
        slot_minutes: u32,
    ) -> Result<DoctorHours> {
        s.require(Operation::ChangeSettings)?;
        let doctor = self.doctor(doctor)?;
        let mut hours =
            DoctorHours { doctor: doctor.id, week, slot_minutes, set_by: Some(s.staff.id), updated_at: None };
        hours.check().map_err(Error::invalid)?;
        let now = self.clock.now();
        hours.updated_at = Some(now);
        self.store.write(|tx| -> Result<()> {
            store::save_doctor_hours(tx, &hours, s.staff.id, now)?;
            log(tx, now, s, "schedule.hours", None, Some(&doctor.id.to_string()))
        })?;
        Ok(hours)
    }

    /// Leave and clinic holidays that end today or later.
    pub fn time_off(&self, s: &Session) -> Result<Vec<TimeOff>> {
        s.require(Operation::ViewSchedule)?;
        Ok(store::time_off_from(self.store.conn(), self.today())?)
    }

    /// Adds leave for a doctor, or (no doctor) a day or days the clinic is closed (managers).
    /// Appointments already booked then stay booked: the answer counts them, to be moved.
    pub fn add_time_off(
        &mut self,
        s: &Session,
        doctor: Option<StaffId>,
        first_day: NaiveDate,
        last_day: NaiveDate,
        reason: Option<&str>,
    ) -> Result<TimeOffAdded> {
        s.require(Operation::ChangeSettings)?;
        let doctor = doctor.map(|d| self.doctor(d)).transpose()?;
        TimeOff::check_days(first_day, last_day).map_err(Error::invalid)?;
        let reason = clean_note(reason)?;
        let (ms, rnd) = self.id_parts()?;
        let now = self.clock.now();
        let off = TimeOff {
            id: uuid_from(ms, rnd),
            doctor: doctor.as_ref().map(|d| d.id),
            first_day,
            last_day,
            reason,
            set_by: s.staff.id,
            updated_at: now,
        };
        let (from, _) = local_day_bounds(first_day);
        let (_, to) = local_day_bounds(last_day);
        let booked = records::appointments_between(self.store.conn(), from, to, off.doctor)?
            .iter()
            .filter(|a| a.holds_slot() && !a.status.is_final() && a.starts_at >= now)
            .count();
        let booked = u32::try_from(booked).unwrap_or(u32::MAX);
        self.store.write(|tx| -> Result<()> {
            store::insert_time_off(tx, &off)?;
            log(tx, now, s, "schedule.time_off", None, Some(&off.id.to_string()))
        })?;
        Ok(TimeOffAdded { time_off: off, booked })
    }

    /// Removes leave or a clinic holiday (managers).
    pub fn remove_time_off(&mut self, s: &Session, id: Uuid) -> Result<()> {
        s.require(Operation::ChangeSettings)?;
        let now = self.clock.now();
        self.store.write(|tx| -> Result<()> {
            if !store::remove_time_off(tx, id, s.staff.id, now)? {
                return Err(Error::not_found("time off"));
            }
            log(tx, now, s, "schedule.time_off_removed", None, Some(&id.to_string()))
        })
    }

    /// A doctor's sessions on a local day, or why they do not work then.
    fn day_plan(&self, hours: &DoctorHours, day: NaiveDate) -> Result<std::result::Result<Vec<WorkSession>, DayOff>> {
        let time_off = store::time_off_from(self.store.conn(), day)?;
        Ok(schedule::day_plan(hours, &time_off, day))
    }

    /// The doctor's free slots of `minutes` on a local day: on their grid, within their
    /// sessions, not on leave or a clinic holiday, not in the past, not taken.
    pub fn free_slots(&self, s: &Session, doctor: StaffId, day: NaiveDate, minutes: u32) -> Result<DaySlots> {
        s.require(Operation::BookAppointment)?;
        if minutes == 0 || minutes > MAX_APPOINTMENT_MINUTES {
            return Err(Error::invalid(format!("an appointment lasts 1 to {MAX_APPOINTMENT_MINUTES} minutes")));
        }
        let doctor = self.doctor(doctor)?;
        let hours = self.hours_of(doctor.id)?;
        self.slots_on(&hours, day, minutes)
    }

    fn slots_on(&self, hours: &DoctorHours, day: NaiveDate, minutes: u32) -> Result<DaySlots> {
        let sessions = match self.day_plan(hours, day)? {
            Ok(sessions) => sessions,
            Err(off) => return Ok(DaySlots { slots: Vec::new(), off: Some(off) }),
        };
        let (day_start, day_end) = local_day_bounds(day);
        let now = self.clock.now();
        // A day's look-back catches a long appointment from the evening before.
        let taken: Vec<Appointment> = records::appointments_between(
            self.store.conn(),
            day_start - Duration::days(1),
            day_end,
            Some(hours.doctor),
        )?
        .into_iter()
        .filter(Appointment::holds_slot)
        .collect();
        let slots = schedule::slot_starts(&sessions, hours.slot_minutes, minutes)
            .into_iter()
            .filter_map(|m| local_instant(day, m))
            .filter(|&t| t >= now && !taken.iter().any(|a| a.overlaps(t, minutes)))
            .map(|starts_at| FreeSlot { doctor: hours.doctor, starts_at, minutes })
            .collect();
        Ok(DaySlots { slots, off: None })
    }

    /// Refuses a booking of `minutes` at `starts_at` on the doctor's leave or a clinic holiday,
    /// or outside the sessions a manager set for them, saying which. A doctor nobody set hours
    /// for is offered the clinic default's slots but may be booked at any time, as before
    /// schedules existed.
    pub(crate) fn ensure_working(&self, doctor: &Staff, starts_at: DateTime<Utc>, minutes: u32) -> Result<()> {
        let hours = self.hours_of(doctor.id)?;
        let (day, minute) = local_minute(starts_at);
        let name = &doctor.display_name;
        let set = hours.set_by.is_some();
        match self.day_plan(&hours, day)? {
            Err(DayOff::NoHours) if !set => Ok(()),
            Err(off) => Err(doctor_away(name, off, day)),
            Ok(sessions) if set && !schedule::fits(&sessions, minute, minutes) => {
                let hours = schedule::format_sessions(&sessions);
                let said =
                    Said::new(Says::DoctorNotWorking).with("doctor", name.as_str()).with("hours", hours.as_str());
                Err(Error::conflict(format!(
                    "{name} does not see patients then: {} hours are {hours}",
                    weekday_name(day.weekday()),
                ))
                .saying(said))
            }
            Ok(_) => Ok(()),
        }
    }

    /// A doctor's week: the Monday on or before `from` and the six days after it.
    pub fn week(&self, s: &Session, doctor: StaffId, from: NaiveDate) -> Result<WeekView> {
        s.require(Operation::ViewSchedule)?;
        let doctor = self.doctor(doctor)?;
        let hours = self.hours_of(doctor.id)?;
        let monday = from - Duration::days(i64::from(from.weekday().num_days_from_monday()));
        let (week_start, _) = local_day_bounds(monday);
        let (_, week_end) = local_day_bounds(monday + Duration::days(6));
        let mut rows = self.schedule(s, week_start, week_end, Some(doctor.id))?;
        let mut days = Vec::with_capacity(7);
        for day in (0..7).map(|i| monday + Duration::days(i)) {
            let appointments: Vec<ScheduleRow> = {
                let (start, end) = local_day_bounds(day);
                let (this, rest) =
                    rows.drain(..).partition(|r| r.appointment.starts_at >= start && r.appointment.starts_at < end);
                rows = rest;
                this
            };
            let slots = self.slots_on(&hours, day, hours.slot_minutes)?;
            let sessions = match &slots.off {
                Some(_) => Vec::new(),
                None => hours.week.on(day.weekday()).to_vec(),
            };
            let free = u32::try_from(slots.slots.len()).unwrap_or(u32::MAX);
            days.push(WeekDay { day, sessions, off: slots.off, appointments, free });
        }
        Ok(WeekView {
            doctor: DoctorView { id: doctor.id, name: doctor.display_name },
            slot_minutes: hours.slot_minutes,
            days,
        })
    }

    /// A patient who came without a booking, checked in now to see `doctor`: queued from now
    /// behind the booked patients already due, holding no slot of the calendar.
    pub fn walk_in(
        &mut self,
        s: &Session,
        patient: PatientId,
        doctor: StaffId,
        reason: Option<&str>,
    ) -> Result<Appointment> {
        s.require(Operation::BookAppointment)?;
        let reason = visit_reason(reason)?;
        self.patient_or_404(patient)?;
        let doctor = self.doctor(doctor)?;
        let hours = self.hours_of(doctor.id)?;
        let now = self.clock.now();
        // Leave or a holiday refuses; a day without hours does not (the doctor is in after all).
        if let Err(off) = self.day_plan(&hours, self.today())?
            && off != DayOff::NoHours
        {
            return Err(doctor_away(&doctor.display_name, off, self.today()));
        }
        let (ms, rnd) = self.id_parts()?;
        let booking = Booking { patient, doctor: doctor.id, starts_at: now, minutes: hours.slot_minutes, reason };
        let appointment = Appointment::walk_in(AppointmentId::from_parts(ms, rnd), booking, s.staff.id);
        self.store.write(|tx| -> Result<()> {
            records::insert_appointment(tx, &appointment)?;
            records::touch_patient(tx, patient, now)?;
            log(tx, now, s, "appointment.walk_in", Some(patient), Some(&appointment.id.to_string()))
        })?;
        Ok(appointment)
    }

    /// Puts a patient on the waitlist for an earlier slot with a doctor (or any).
    pub fn add_to_waitlist(
        &mut self,
        s: &Session,
        patient: PatientId,
        doctor: Option<StaffId>,
        minutes: u32,
        appointment: Option<AppointmentId>,
        note: Option<&str>,
    ) -> Result<WaitlistView> {
        s.require(Operation::BookAppointment)?;
        if minutes == 0 || minutes > MAX_APPOINTMENT_MINUTES {
            return Err(Error::invalid(format!("an appointment lasts 1 to {MAX_APPOINTMENT_MINUTES} minutes")));
        }
        self.patient_or_404(patient)?;
        let doctor = doctor.map(|d| self.doctor(d)).transpose()?;
        if let Some(id) = appointment {
            let held =
                records::get_appointment(self.store.conn(), id)?.ok_or_else(|| Error::not_found("appointment"))?;
            if held.patient_id != patient || held.status.is_final() {
                return Err(Error::invalid("the appointment to bring forward is this patient's, and still booked"));
            }
        }
        let note = clean_note(note)?;
        let (ms, rnd) = self.id_parts()?;
        let now = self.clock.now();
        let entry = WaitlistEntry {
            id: uuid_from(ms, rnd),
            patient_id: patient,
            doctor: doctor.map(|d| d.id),
            minutes,
            appointment_id: appointment,
            note,
            added_by: s.staff.id,
            added_at: now,
            closed_at: None,
            outcome: None,
        };
        self.store.write(|tx| -> Result<()> {
            store::insert_waitlist_entry(tx, &entry)?;
            log(tx, now, s, "waitlist.add", Some(patient), Some(&entry.id.to_string()))
        })?;
        self.waitlist_view(entry)
    }

    fn waitlist_view(&self, entry: WaitlistEntry) -> Result<WaitlistView> {
        let conn = self.store.conn();
        let patient = self.patient_or_404(entry.patient_id)?;
        let doctor_name = match entry.doctor {
            Some(d) => records::staff_by_id(conn, d)?.map(|d| d.display_name),
            None => None,
        };
        let holds = match entry.appointment_id {
            Some(id) => records::get_appointment(conn, id)?.filter(|a| !a.status.is_final()).map(|a| a.starts_at),
            None => None,
        };
        Ok(WaitlistView { patient: PatientHit::from(&patient), doctor_name, holds, entry })
    }

    /// The patients waiting for an earlier slot, first come first (a deleted patient's entry
    /// is left out).
    pub fn waitlist(&self, s: &Session) -> Result<Vec<WaitlistView>> {
        s.require(Operation::ViewSchedule)?;
        let mut views = Vec::new();
        for entry in store::open_waitlist(self.store.conn())? {
            match self.waitlist_view(entry) {
                Ok(v) => views.push(v),
                Err(e) if e.code == rapport_model::ErrorCode::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        Ok(views)
    }

    /// Takes a patient off the waitlist.
    pub fn remove_from_waitlist(&mut self, s: &Session, id: Uuid) -> Result<()> {
        s.require(Operation::BookAppointment)?;
        let now = self.clock.now();
        self.store.write(|tx| -> Result<()> {
            let entry = store::get_waitlist_entry(tx, id)?.ok_or_else(|| Error::not_found("waitlist entry"))?;
            if !store::close_waitlist_entry(tx, id, WaitlistOutcome::Removed, s.staff.id, now)? {
                return Err(not_on_waitlist());
            }
            log(tx, now, s, "waitlist.remove", Some(entry.patient_id), Some(&id.to_string()))
        })
    }

    /// Who on the waitlist a freed slot suits, in the order they asked: the slot's doctor (or
    /// any), long enough, earlier than what they hold. Nobody if the slot is gone or past.
    pub fn waitlist_offers(&self, s: &Session, slot: FreeSlot) -> Result<Vec<WaitlistView>> {
        s.require(Operation::ViewSchedule)?;
        let conn = self.store.conn();
        let now = self.clock.now();
        let ends = slot.starts_at + Duration::minutes(i64::from(slot.minutes));
        let taken = records::overlapping_appointments(conn, slot.doctor, slot.starts_at, slot.minutes)?;
        if ends <= now || !taken.is_empty() {
            return Ok(Vec::new());
        }
        Ok(self
            .waitlist(s)?
            .into_iter()
            .filter(|v| v.entry.suits(slot.doctor, slot.starts_at, slot.minutes, v.holds))
            .collect())
    }

    /// Gives a waiting patient a freed slot: the appointment they hold moves there (or a new
    /// one is booked), and they leave the waitlist.
    pub fn take_slot(&mut self, s: &Session, entry: Uuid, slot: FreeSlot) -> Result<BookingOutcome> {
        s.require(Operation::BookAppointment)?;
        let waiting =
            store::get_waitlist_entry(self.store.conn(), entry)?.ok_or_else(|| Error::not_found("waitlist entry"))?;
        if waiting.closed_at.is_some() {
            return Err(not_on_waitlist());
        }
        let held = match waiting.appointment_id {
            Some(id) => records::get_appointment(self.store.conn(), id)?.filter(|a| !a.status.is_final()),
            None => None,
        };
        let outcome = match held {
            Some(a) => self.move_appointment(s, a.id, slot.starts_at, Some(slot.doctor))?,
            None => self.book(
                s,
                Booking {
                    patient: waiting.patient_id,
                    doctor: slot.doctor,
                    starts_at: slot.starts_at,
                    minutes: waiting.minutes,
                    reason: waiting.note.clone(),
                },
            )?,
        };
        let now = self.clock.now();
        self.store.write(|tx| -> Result<()> {
            store::close_waitlist_entry(tx, entry, WaitlistOutcome::Booked, s.staff.id, now)?;
            log(tx, now, s, "waitlist.booked", Some(waiting.patient_id), Some(&entry.to_string()))
        })?;
        Ok(outcome)
    }
}

/// A doctor who is away on `day` (leave, a holiday, no hours that weekday).
fn doctor_away(doctor: &str, off: DayOff, day: NaiveDate) -> Error {
    let message = format!("{doctor} is {} on {}", off.describe(), day.format("%a %-d %b"));
    Error::conflict(message)
        .saying(Said::new(Says::DoctorAway).with("doctor", doctor).with("away", off).with("day", day))
}

fn not_on_waitlist() -> Error {
    Error::conflict("that patient is no longer on the waitlist").saying(Said::new(Says::NotOnWaitlist))
}
