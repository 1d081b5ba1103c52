//! Rules that need one view of the whole organisation: a doctor's slot booked twice by desks
//! that were offline, a login or record number held twice, and head office's patient search.

use rapport_model::sync::{Entity, Version, disambiguate};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::state::{ConflictRow, State, log_conflict, office_change};
use super::{Head, OfficeResult};
use crate::db::Db;

/// Keeps the doctor's calendar: an appointment that now holds a slot another one already holds
/// is cancelled by head office, and the desk that booked it is told.
pub(super) fn check_booking(
    db: &mut dyn Db,
    head: &mut Head,
    record: &str,
    state: &mut State,
    now_ms: i64,
) -> OfficeResult<Option<String>> {
    let f = &state.fields;
    let doctor = f.get("doctor").and_then(Value::as_str).unwrap_or_default().to_owned();
    let starts = f.get("starts_at").and_then(Value::as_i64).unwrap_or(0);
    let ends = starts + f.get("minutes").and_then(Value::as_i64).unwrap_or(0) * 60_000;
    let status =
        f.get("status").and_then(Value::as_str).and_then(|s| s.parse::<rapport_model::AppointmentStatus>().ok());
    let holds = status.is_some_and(rapport_model::AppointmentStatus::holds_slot);
    let save = |db: &mut dyn Db, holds: bool| -> OfficeResult<()> {
        db.exec(
            "INSERT INTO booking (appointment, doctor, starts_at, ends_at, holds) VALUES ($1,$2,$3,$4,$5)
             ON CONFLICT (appointment) DO UPDATE SET doctor = excluded.doctor, starts_at = excluded.starts_at,
                 ends_at = excluded.ends_at, holds = excluded.holds",
            &[record.into(), doctor.clone().into(), starts.into(), ends.into(), i64::from(holds).into()],
        )?;
        Ok(())
    };
    if !holds {
        save(db, false)?;
        return Ok(None);
    }
    let clash = db.query_one(
        "SELECT appointment FROM booking WHERE doctor = $1 AND holds = 1 AND appointment <> $2
           AND starts_at < $3 AND ends_at > $4 LIMIT 1",
        &[doctor.clone().into(), record.into(), ends.into(), starts.into()],
    )?;
    if clash.is_none() {
        save(db, true)?;
        return Ok(None);
    }
    save(db, false)?;
    let loser = state.version_of("status").unwrap_or(Version { hlc: 0, site: Uuid::nil() });
    let mut undo = Map::new();
    undo.insert("status".into(), Value::from("cancelled"));
    undo.insert("cancelled_at".into(), Value::from(now_ms));
    office_change(db, head, Entity::Appointment, record, state, undo, now_ms)?;
    let reason =
        "the doctor's slot was booked by another desk first; head office cancelled this booking: book another time";
    log_conflict(
        db,
        &ConflictRow {
            kind: "booking-rejected",
            entity: Entity::Appointment,
            record,
            field: None,
            loser,
            winner: None,
            loser_value: None,
            winner_value: None,
            clinic: state.clinic,
        },
        now_ms,
    )?;
    Ok(Some(reason.to_owned()))
}

/// A login or record number another record already holds is renamed the way every replica
/// renames it on arrival ([`disambiguate`]). `creating`: the record held no value before.
#[allow(clippy::too_many_arguments)]
pub(super) fn keep_unique(
    db: &mut dyn Db,
    head: &mut Head,
    entity: Entity,
    record: &str,
    state: &mut State,
    field: &str,
    creating: bool,
    now_ms: i64,
) -> OfficeResult<()> {
    let Some(value) = state.fields.get(field).and_then(Value::as_str).map(str::to_owned) else { return Ok(()) };
    if !creating {
        db.exec(
            "DELETE FROM unique_value WHERE entity = $1 AND field = $2 AND record = $3",
            &[entity.as_str().into(), field.into(), record.into()],
        )?;
    }
    // The usual case, a value nobody holds, is one statement.
    let claim = |db: &mut dyn Db, value: String| -> OfficeResult<bool> {
        Ok(db.exec(
            "INSERT INTO unique_value (entity, field, value, record) VALUES ($1,$2,$3,$4) ON CONFLICT DO NOTHING",
            &[entity.as_str().into(), field.into(), value.into(), record.into()],
        )? == 1)
    };
    if claim(db, value.clone())? {
        return Ok(());
    }
    let holder = db.query_one(
        "SELECT record FROM unique_value WHERE entity = $1 AND field = $2 AND value = $3",
        &[entity.as_str().into(), field.into(), value.clone().into()],
    )?;
    if holder.is_some_and(|r| r[0].text() == Some(record)) {
        return Ok(());
    }
    let renamed = disambiguate(&value, record);
    let mut fields = Map::new();
    fields.insert(field.to_owned(), Value::from(renamed.clone()));
    office_change(db, head, entity, record, state, fields, now_ms)?;
    claim(db, renamed)?;
    Ok(())
}

pub(super) fn index_patient(db: &mut dyn Db, record: &str, state: &State) -> OfficeResult<()> {
    let text = |f: &str| state.fields.get(f).and_then(Value::as_str).unwrap_or_default().to_lowercase();
    if state.fields.get("deleted_at").is_some_and(|v| !v.is_null()) {
        db.exec("DELETE FROM patient_search WHERE patient_id = $1", &[record.into()])?;
        return Ok(());
    }
    let digits: String = text("phones").chars().map(|c| if c.is_ascii_digit() { c } else { ' ' }).collect::<String>();
    let digits = digits.split_whitespace().collect::<Vec<_>>().join("");
    let words =
        format!(" {} {} {} {} {} ", text("given"), text("family"), text("preferred"), text("record_no"), digits);
    db.exec(
        "INSERT INTO patient_search (patient_id, words) VALUES ($1, $2)
         ON CONFLICT (patient_id) DO UPDATE SET words = excluded.words",
        &[record.into(), words.into()],
    )?;
    Ok(())
}
