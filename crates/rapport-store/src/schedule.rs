//! Doctors' hours, time off and the waitlist as the desk stores them (replicated records,
//! declared in `rapport_model::schema`). A doctor's hours are one record keyed by the doctor;
//! should another record name the same doctor (a hostile or an old desk), the newest counts.

use chrono::{DateTime, NaiveDate, Utc};
use rapport_model::schedule::{DoctorHours, TimeOff, WaitlistEntry, WaitlistOutcome};
use rapport_model::{AppointmentId, PatientId, StaffId};
use rusqlite::{Connection, OptionalExtension, Row, params};
use uuid::Uuid;

use crate::messaging::uuid_col;
use crate::records::{opt_blob16, opt_time};
use crate::{Result, from_ms, to_ms};

fn staff(row: &Row<'_>, idx: usize) -> rusqlite::Result<StaffId> {
    Ok(StaffId::from_bytes(*uuid_col(row, idx)?.as_bytes()))
}

fn json_col<T: serde::de::DeserializeOwned>(row: &Row<'_>, idx: usize) -> rusqlite::Result<T> {
    let text: String = row.get(idx)?;
    serde_json::from_str(&text)
        .map_err(|_| rusqlite::Error::InvalidColumnType(idx, "json".into(), rusqlite::types::Type::Text))
}

fn day_col(row: &Row<'_>, idx: usize) -> rusqlite::Result<NaiveDate> {
    let text: String = row.get(idx)?;
    text.parse().map_err(|_| rusqlite::Error::InvalidColumnType(idx, "date".into(), rusqlite::types::Type::Text))
}

// ---------------------------------------------------------------------------------------------
// Hours

/// The hours set for `doctor`, if anyone set them.
pub fn doctor_hours(conn: &Connection, doctor: StaffId) -> Result<Option<DoctorHours>> {
    Ok(conn
        .prepare_cached(
            "SELECT doctor, week, slot_minutes, set_by, updated_at FROM doctor_hours WHERE doctor = ?1
             ORDER BY updated_at DESC, id DESC LIMIT 1",
        )?
        .query_row([doctor.as_bytes().as_slice()], |r| {
            Ok(DoctorHours {
                doctor: staff(r, 0)?,
                week: json_col(r, 1)?,
                slot_minutes: r.get(2)?,
                set_by: Some(staff(r, 3)?),
                updated_at: Some(from_ms(r.get(4)?)),
            })
        })
        .optional()?)
}

/// Writes a doctor's hours (the record keyed by the doctor).
pub fn save_doctor_hours(conn: &Connection, h: &DoctorHours, set_by: StaffId, at: DateTime<Utc>) -> Result<()> {
    let week = serde_json::to_string(&h.week).unwrap_or_default();
    conn.prepare_cached(
        "INSERT INTO doctor_hours (id, doctor, week, slot_minutes, set_by, updated_at) VALUES (?1, ?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (id) DO UPDATE SET week = excluded.week, slot_minutes = excluded.slot_minutes,
             set_by = excluded.set_by, updated_at = excluded.updated_at",
    )?
    .execute(params![
        h.doctor.as_bytes().as_slice(),
        week,
        h.slot_minutes,
        set_by.as_bytes().as_slice(),
        to_ms(at)
    ])?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Time off

/// Time off in force that ends on or after `from` (leave of every doctor and clinic holidays),
/// by first day.
pub fn time_off_from(conn: &Connection, from: NaiveDate) -> Result<Vec<TimeOff>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, doctor, first_day, last_day, reason, set_by, updated_at FROM time_off
         WHERE deleted_at IS NULL AND last_day >= ?1 ORDER BY first_day, id",
    )?;
    let rows = stmt.query_map([from.to_string()], |r| {
        Ok(TimeOff {
            id: uuid_col(r, 0)?,
            doctor: opt_blob16(r, 1)?.map(StaffId::from_bytes),
            first_day: day_col(r, 2)?,
            last_day: day_col(r, 3)?,
            reason: r.get(4)?,
            set_by: staff(r, 5)?,
            updated_at: from_ms(r.get(6)?),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn insert_time_off(conn: &Connection, t: &TimeOff) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO time_off (id, doctor, first_day, last_day, reason, set_by, updated_at, deleted_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, NULL)",
    )?
    .execute(params![
        t.id.as_bytes().as_slice(),
        t.doctor.map(|d| d.as_bytes().to_vec()),
        t.first_day.to_string(),
        t.last_day.to_string(),
        t.reason,
        t.set_by.as_bytes().as_slice(),
        to_ms(t.updated_at),
    ])?;
    Ok(())
}

/// Removes time off; false if there was none in force with that id.
pub fn remove_time_off(conn: &Connection, id: Uuid, by: StaffId, at: DateTime<Utc>) -> Result<bool> {
    let changed = conn
        .prepare_cached(
            "UPDATE time_off SET deleted_at = ?3, set_by = ?2, updated_at = ?3 WHERE id = ?1 AND deleted_at IS NULL",
        )?
        .execute(params![id.as_bytes().as_slice(), by.as_bytes().as_slice(), to_ms(at)])?;
    Ok(changed == 1)
}

// ---------------------------------------------------------------------------------------------
// Waitlist

const WAITLIST_COLS: &str =
    "id, patient_id, doctor, minutes, appointment_id, note, added_by, added_at, closed_at, outcome";

fn waitlist_from_row(r: &Row<'_>) -> rusqlite::Result<WaitlistEntry> {
    let outcome: Option<String> = r.get(9)?;
    Ok(WaitlistEntry {
        id: uuid_col(r, 0)?,
        patient_id: PatientId::from_bytes(*uuid_col(r, 1)?.as_bytes()),
        doctor: opt_blob16(r, 2)?.map(StaffId::from_bytes),
        minutes: r.get(3)?,
        appointment_id: opt_blob16(r, 4)?.map(AppointmentId::from_bytes),
        note: r.get(5)?,
        added_by: staff(r, 6)?,
        added_at: from_ms(r.get(7)?),
        closed_at: opt_time(r, 8)?,
        outcome: outcome.and_then(|o| o.parse::<WaitlistOutcome>().ok()),
    })
}

/// The patients still waiting, first come first (in the order this desk learnt of them
/// within one millisecond).
pub fn open_waitlist(conn: &Connection) -> Result<Vec<WaitlistEntry>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {WAITLIST_COLS} FROM waitlist WHERE closed_at IS NULL ORDER BY added_at, rowid"
    ))?;
    let rows = stmt.query_map([], waitlist_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn get_waitlist_entry(conn: &Connection, id: Uuid) -> Result<Option<WaitlistEntry>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {WAITLIST_COLS} FROM waitlist WHERE id = ?1"))?
        .query_row([id.as_bytes().as_slice()], waitlist_from_row)
        .optional()?)
}

pub fn insert_waitlist_entry(conn: &Connection, w: &WaitlistEntry) -> Result<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO waitlist ({WAITLIST_COLS}, closed_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, NULL, NULL, NULL)"
    ))?
    .execute(params![
        w.id.as_bytes().as_slice(),
        w.patient_id.as_bytes().as_slice(),
        w.doctor.map(|d| d.as_bytes().to_vec()),
        w.minutes,
        w.appointment_id.map(|a| a.as_bytes().to_vec()),
        w.note,
        w.added_by.as_bytes().as_slice(),
        to_ms(w.added_at),
    ])?;
    Ok(())
}

/// Takes a patient off the waitlist; false if they were not on it.
pub fn close_waitlist_entry(
    conn: &Connection,
    id: Uuid,
    outcome: WaitlistOutcome,
    by: StaffId,
    at: DateTime<Utc>,
) -> Result<bool> {
    let changed = conn
        .prepare_cached(
            "UPDATE waitlist SET closed_at = ?2, outcome = ?3, closed_by = ?4 WHERE id = ?1 AND closed_at IS NULL",
        )?
        .execute(params![id.as_bytes().as_slice(), to_ms(at), outcome.as_str(), by.as_bytes().as_slice()])?;
    Ok(changed == 1)
}
