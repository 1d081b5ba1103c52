//! Appointments and the day: `appt …`, `call-list`, `glance`.

use chrono::{Local, NaiveDate};
use rapport_core::{Booking, Rapport, ScheduleRow, Session};
use rapport_model::StatusChange;
use rapport_model::view::DaySlots;
use serde::Serialize;

use crate::cli::{ApptCommand, CallListCommand};
use crate::commands::patient::print_card;
use crate::context::{Failure, user_error};
use crate::output::{self, local, say};

#[derive(Serialize)]
struct ApptJson<'a> {
    #[serde(flatten)]
    appointment: &'a rapport_model::Appointment,
    patient_name: String,
    record_no: &'a str,
    doctor_name: &'a str,
    local_start: String,
    wait: Option<rapport_model::WaitCue>,
    /// The patient confirmed by answering a message sent this way.
    confirmed_by: Option<rapport_model::Channel>,
}

pub(crate) fn appt(app: &mut Rapport, s: &Session, cmd: ApptCommand) -> Result<(), Failure> {
    let change = |app: &mut Rapport, id: &str, change: StatusChange| -> Result<(), Failure> {
        let a = app.change_status(s, appt_id(id)?, change)?;
        say!("{} {}", a.id, a.status.as_str());
        Ok(())
    };
    match cmd {
        ApptCommand::Book { patient_id, doctor, at, minutes, reason, json } => {
            let patient = app.resolve_patient(s, &patient_id)?;
            let doctor = app.staff_by_login(s, &doctor)?;
            let outcome = app.book(s, Booking { patient, doctor: doctor.id, starts_at: at, minutes, reason })?;
            for w in &outcome.warnings {
                eprintln!("warning: {w}");
            }
            if json {
                return output::json(&outcome);
            }
            say!("{}", outcome.appointment.id);
        }
        ApptCommand::List { date, doctor, json } => {
            let day = date.unwrap_or_else(|| app.today());
            let doctor = doctor.map(|d| app.staff_by_login(s, &d)).transpose()?;
            let rows = app.day_schedule(s, day, doctor.map(|d| d.id))?;
            if json {
                let out: Vec<ApptJson<'_>> = rows.iter().map(appt_json).collect();
                return output::json(&out);
            }
            print_schedule(day, &rows);
        }
        ApptCommand::Slots { doctor, date, minutes, json } => {
            let day = date.unwrap_or_else(|| app.today());
            let doctor = app.staff_by_login(s, &doctor)?;
            let DaySlots { slots, off } = app.free_slots(s, doctor.id, day, minutes)?;
            if json {
                return output::json(&slots);
            }
            if let Some(off) = off {
                say!("{} is {} on {day}.", doctor.display_name, off.describe());
            } else if slots.is_empty() {
                say!("No free {minutes}-minute slots.");
            }
            let times: Vec<String> =
                slots.iter().map(|slot| slot.starts_at.with_timezone(&Local).format("%H:%M").to_string()).collect();
            say!("{}", times.join(" "));
        }
        ApptCommand::Move { appt_id: id, at, doctor, json } => {
            let doctor = doctor.map(|d| app.staff_by_login(s, &d)).transpose()?;
            let outcome = app.move_appointment(s, appt_id(&id)?, at, doctor.map(|d| d.id))?;
            for w in &outcome.warnings {
                eprintln!("warning: {w}");
            }
            if json {
                return output::json(&outcome);
            }
            say!("{} {}", outcome.appointment.id, local(outcome.appointment.starts_at));
        }
        ApptCommand::Confirm { appt_id } => change(app, &appt_id, StatusChange::Confirm)?,
        ApptCommand::Checkin { appt_id } => change(app, &appt_id, StatusChange::CheckIn)?,
        ApptCommand::Seen { appt_id } => change(app, &appt_id, StatusChange::Seen)?,
        ApptCommand::Done { appt_id, call_in_days } => {
            change(app, &appt_id, StatusChange::Done)?;
            if let Some(days) = call_in_days {
                let call = app.ask_follow_up_call(s, self::appt_id(&appt_id)?, days)?;
                say!("follow-up call on {}", call.due_on);
            }
        }
        ApptCommand::NoShow { appt_id } => change(app, &appt_id, StatusChange::NoShow)?,
        ApptCommand::Cancel { appt_id } => change(app, &appt_id, StatusChange::Cancel)?,
    }
    Ok(())
}

fn appt_id(s: &str) -> Result<rapport_model::AppointmentId, Failure> {
    s.parse().map_err(|_| user_error("that is not an appointment id"))
}

fn appt_json(r: &ScheduleRow) -> ApptJson<'_> {
    ApptJson {
        appointment: &r.appointment,
        patient_name: format!("{} {}", r.patient.given, r.patient.family),
        record_no: &r.patient.record_no,
        doctor_name: &r.doctor_name,
        local_start: local(r.appointment.starts_at),
        wait: r.wait,
        confirmed_by: r.confirmed_by,
    }
}

fn print_schedule(day: NaiveDate, rows: &[ScheduleRow]) {
    say!("{}", day.format("%A %-d %B %Y"));
    if rows.is_empty() {
        say!("No appointments.");
    }
    for r in rows {
        let wait = r
            .wait
            .map(|w| {
                format!(
                    "  waiting {} min{}",
                    w.minutes,
                    match w.level {
                        rapport_model::WaitLevel::Fine => "",
                        rapport_model::WaitLevel::Amber => " (amber)",
                        rapport_model::WaitLevel::Red => " (RED: apologise)",
                    }
                )
            })
            .unwrap_or_default();
        say!(
            "{}  {:>3} min  {:<22} {:<30} {:<12}{wait}  {}",
            r.appointment.starts_at.with_timezone(&Local).format("%H:%M"),
            r.appointment.minutes,
            r.doctor_name,
            format!("{} {}", r.patient.given, r.patient.family),
            format!(
                "{}{}",
                r.appointment.status.label(),
                r.confirmed_by.map(|c| format!(" by {}", rapport_model::outreach::channel_word(c))).unwrap_or_default()
            ),
            r.appointment.id
        );
    }
}

pub(crate) fn call_list(
    app: &mut Rapport,
    s: &Session,
    command: Option<CallListCommand>,
    json: bool,
) -> Result<(), Failure> {
    if let Some(CallListCommand::Done { task_id, outcome }) = command {
        let call = app.finish_call(s, task_id, outcome)?;
        if json {
            return output::json(&call);
        }
        let left = if outcome.closes() { "off the list" } else { "stays on the list" };
        say!("{} {}: {left}", call.id, outcome.label().to_lowercase());
        return Ok(());
    }
    let list = app.call_list(s)?;
    if json {
        return output::json(&list);
    }
    if list.is_empty() {
        say!("Nobody to call.");
    }
    for c in list {
        let tried = c.last_outcome.map(|o| format!("  (tried: {})", o.label().to_lowercase())).unwrap_or_default();
        say!(
            "{}  {:<24} {} ({})  {}{tried}  {}",
            c.due_on,
            c.reason.words(),
            c.patient.full_name(),
            c.patient.record_no,
            c.patient.phone.as_deref().unwrap_or("no phone"),
            c.id
        );
        if let Some(note) = &c.note {
            say!("            replied: {note}");
        }
        if let Some(talk) = &c.talk_about {
            say!("            talk about: {talk}");
        }
    }
    Ok(())
}

pub(crate) fn glance(
    app: &mut Rapport,
    s: &Session,
    doctor: &str,
    patient: Option<&str>,
    json: bool,
) -> Result<(), Failure> {
    let doctor = app.staff_by_login(s, doctor)?;
    let patient = patient.map(|p| app.resolve_patient(s, p)).transpose()?;
    let glance = app.doctor_glance(s, doctor.id, patient)?;
    if json {
        return output::json(&glance);
    }
    match &glance.card {
        Some(card) => print_card(app, s, card)?,
        None => say!("Nobody else is booked with {} today.", doctor.display_name),
    }
    if !glance.upcoming.is_empty() {
        say!();
        print_schedule(app.today(), &glance.upcoming);
    }
    if !glance.feedback.is_empty() {
        say!();
        say!("What {}'s patients said lately:", doctor.display_name);
        for a in &glance.feedback {
            let rating = a.rating.map_or(String::new(), |r| format!("{r}/5 "));
            let recommend = a.recommend.map_or(String::new(), |r| format!("(would recommend: {r}/10) "));
            say!("  {}  {rating}{recommend}{}", output::local(a.answered_at), a.comment.as_deref().unwrap_or_default());
        }
    }
    Ok(())
}
