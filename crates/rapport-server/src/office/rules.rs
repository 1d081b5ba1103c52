//! Rules that need one view of the whole organisation: a doctor's slot booked twice by desks
//! that were offline, a login or record number held twice.

use rapport_model::sync::{Entity, Version, disambiguate};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::OfficeResult;
use super::figures::{VisitPart, move_visit};
use super::state::{ConflictRow, State};
use super::writer::Writer;
use crate::db::Db;

/// What the dashboard's figures read of a visit, kept with its booking.
struct BookingFacts {
    clinic: Option<String>,
    status: Option<String>,
    booked_at: Option<i64>,
    seen_at: Option<i64>,
}

impl BookingFacts {
    fn of(state: &State) -> Self {
        let f = &state.fields;
        Self {
            clinic: state.clinic.map(|c| c.to_string()),
            status: f.get("status").and_then(Value::as_str).map(str::to_owned),
            booked_at: f.get("booked_at").and_then(Value::as_i64),
            seen_at: f.get("seen_at").and_then(Value::as_i64),
        }
    }
}

/// Migration 9: the facts of the bookings made before it, from their appointments.
pub(crate) fn booking_facts_from_appointments(db: &mut dyn Db) -> crate::db::DbResult<()> {
    let found = db.query(
        "SELECT s.record, s.clinic_id, s.fields FROM booking b JOIN record_state s ON s.entity = 'appointment' AND s.record = b.appointment",
        &[],
    )?;
    for mut row in crate::db::rows(found, "appointment") {
        let (record, clinic, fields) = (row.text()?, row.opt_uuid()?, row.json::<Map<String, Value>>()?);
        let state = State { fields, versions: Default::default(), patient: None, clinic };
        let facts = BookingFacts::of(&state);
        db.exec(
            "UPDATE booking SET clinic_id = $2, status = $3, booked_at = $4, seen_at = $5 WHERE appointment = $1",
            &[record.into(), facts.clinic.into(), facts.status.into(), facts.booked_at.into(), facts.seen_at.into()],
        )?;
    }
    Ok(())
}

/// Keeps the doctor's calendar: an appointment that now holds a slot another one already holds
/// is cancelled by head office, and the desk that booked it is told.
pub(super) fn check_booking(w: &mut Writer<'_>, record: &str, state: &mut State) -> OfficeResult<Option<String>> {
    let f = &state.fields;
    let doctor = f.get("doctor").and_then(Value::as_str).unwrap_or_default().to_owned();
    let starts = f.get("starts_at").and_then(Value::as_i64).unwrap_or(0);
    let ends = starts + f.get("minutes").and_then(Value::as_i64).unwrap_or(0) * 60_000;
    let status =
        f.get("status").and_then(Value::as_str).and_then(|s| s.parse::<rapport_model::AppointmentStatus>().ok());
    // A walk-in fits in around the bookings: it holds no slot.
    let walk_in = f.get("walk_in").and_then(Value::as_i64) == Some(1);
    let holds = status.is_some_and(rapport_model::AppointmentStatus::holds_slot) && !walk_in;
    let facts = BookingFacts::of(state);
    let save = |db: &mut dyn Db, holds: bool| -> OfficeResult<()> {
        let was = db.query_one(
            "SELECT clinic_id, doctor, starts_at, status, seen_at FROM booking WHERE appointment = $1",
            &[record.into()],
        )?;
        let was = match was {
            Some(row) => {
                let mut row = crate::db::Row::new(row, "booking");
                let (clinic, doctor, starts_at) = (row.opt_text()?, row.text()?, row.int()?);
                let (status, seen_at) = (row.opt_text()?, row.opt_int()?);
                VisitPart::of(clinic.as_deref(), &doctor, starts_at, status.as_deref(), seen_at)
            }
            None => None,
        };
        db.exec(
            "INSERT INTO booking (appointment, doctor, starts_at, ends_at, holds, clinic_id, status, booked_at, seen_at)
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)
             ON CONFLICT (appointment) DO UPDATE SET doctor = excluded.doctor, starts_at = excluded.starts_at,
                 ends_at = excluded.ends_at, holds = excluded.holds, clinic_id = excluded.clinic_id,
                 status = excluded.status, booked_at = excluded.booked_at, seen_at = excluded.seen_at",
            &[
                record.into(),
                doctor.clone().into(),
                starts.into(),
                ends.into(),
                i64::from(holds).into(),
                facts.clinic.clone().into(),
                facts.status.clone().into(),
                facts.booked_at.into(),
                facts.seen_at.into(),
            ],
        )?;
        let is = VisitPart::of(facts.clinic.as_deref(), &doctor, starts, facts.status.as_deref(), facts.seen_at);
        move_visit(db, was, is)?;
        Ok(())
    };
    // The calendar is read and written as it is (appointments are few next to the rest).
    let db = w.db()?;
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
    undo.insert("cancelled_at".into(), Value::from(w.now_ms));
    w.office_change(Entity::Appointment, record, state, undo)?;
    let reason =
        "the doctor's slot was booked by another desk first; head office cancelled this booking: book another time";
    w.conflict(&ConflictRow {
        kind: "booking-rejected",
        entity: Entity::Appointment,
        record,
        field: None,
        loser,
        winner: None,
        loser_value: None,
        winner_value: None,
        clinic: state.clinic,
    });
    Ok(Some(reason.to_owned()))
}

/// A login or record number another record already holds is renamed the way every replica
/// renames it on arrival ([`disambiguate`]). `creating`: the record held no value before.
pub(super) fn keep_unique(
    w: &mut Writer<'_>,
    entity: Entity,
    record: &str,
    state: &mut State,
    field: &str,
    creating: bool,
) -> OfficeResult<()> {
    let Some(value) = state.fields.get(field).and_then(Value::as_str).map(str::to_owned) else { return Ok(()) };
    if !creating {
        w.release_unique(entity, field, record);
    }
    if w.claim_unique(entity, field, &value, record)? {
        return Ok(());
    }
    let renamed = disambiguate(&value, record);
    let mut fields = Map::new();
    fields.insert(field.to_owned(), Value::from(renamed.clone()));
    w.office_change(entity, record, state, fields)?;
    w.claim_unique(entity, field, &renamed, record)?;
    Ok(())
}

/// A merge reaches every clinic that holds the merged-away record (it is logged under that
/// patient), and their desks can only apply it holding the kept patient too: each such clinic
/// takes the kept patient on, whose records are sent again ahead of the merge.
pub(super) fn spread_merge(w: &mut Writer<'_>, merge: &State) -> OfficeResult<()> {
    let (Some(other), Some(keep)) =
        (merge.patient, merge.fields.get("keep").and_then(Value::as_str).and_then(|k| k.parse::<Uuid>().ok()))
    else {
        return Ok(());
    };
    w.flush()?;
    let found =
        w.db()?.query("SELECT clinic_id FROM patient_clinic WHERE patient_id = $1", &[other.to_string().into()])?;
    let mut clinics = Vec::with_capacity(found.len());
    for mut row in crate::db::rows(found, "clinic") {
        clinics.push(row.uuid()?);
    }
    for clinic in clinics {
        super::take_on::take_on_for(w, clinic, keep)?;
    }
    Ok(())
}
