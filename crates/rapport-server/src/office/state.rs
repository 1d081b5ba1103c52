//! The merged present of every record and the log desks pull from.
//!
//! `record_state` holds each record's fields, the version of each field, and what head office
//! derived about it when it was made: the patient it belongs to and its clinic (an
//! appointment's clinic, a staff member's home clinic). `change_log` holds every accepted
//! change in order, with the patient and clinic taken from that state.

use std::collections::BTreeMap;

use rapport_model::RefusalCode;
use rapport_model::schema::{self, Authority};
use rapport_model::sync::{Change, Entity, LogMark, Version};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::{OfficeResult, refused};
use crate::db::{Db, DbError, DbResult, Row, Val, query_in, rows};

pub(super) type Versions = BTreeMap<String, Version>;

/// One record as head office holds it.
#[derive(Debug, Clone)]
pub(super) struct State {
    pub fields: Map<String, Value>,
    pub versions: Versions,
    /// The patient the record belongs to (derived by head office, never claimed by a desk).
    pub patient: Option<Uuid>,
    /// The clinic that owns the record: an appointment's, a staff member's home clinic.
    pub clinic: Option<Uuid>,
}

impl State {
    pub fn version_of(&self, field: &str) -> Option<Version> {
        self.versions.get(field).or_else(|| self.versions.get("*")).copied()
    }

    pub fn text(&self, field: &str) -> Option<&str> {
        self.fields.get(field).and_then(Value::as_str)
    }

    /// The state in a row of `fields, versions, patient_id, clinic_id`.
    pub fn read(row: &mut Row) -> DbResult<Self> {
        Ok(Self { fields: row.json()?, versions: row.json()?, patient: row.opt_uuid()?, clinic: row.opt_uuid()? })
    }

    /// The row of `record_state` that stores it.
    pub fn row(&self, entity: Entity, record: &str) -> DbResult<Vec<Val>> {
        let fields =
            serde_json::to_string(&self.fields).map_err(|_| DbError::Other("a record could not be written".into()))?;
        let versions = serde_json::to_string(&self.versions)
            .map_err(|_| DbError::Other("a record could not be written".into()))?;
        Ok(vec![
            entity.as_str().into(),
            record.into(),
            self.patient.map(|p| p.to_string()).into(),
            self.clinic.map(|c| c.to_string()).into(),
            fields.into(),
            versions.into(),
        ])
    }
}

/// The record as head office holds it (for a reader; a writer reads through [`super::writer::Writer`]).
pub(super) fn load_state(db: &mut dyn Db, entity: Entity, record: &str) -> OfficeResult<Option<State>> {
    let row = db.query_one(
        "SELECT fields, versions, patient_id, clinic_id FROM record_state WHERE entity = $1 AND record = $2",
        &[entity.as_str().into(), record.into()],
    )?;
    Ok(row.map(|row| State::read(&mut Row::new(row, "record"))).transpose()?)
}

/// The stored states of many records of one kind (those head office has), with their ids.
pub(super) fn load_states(db: &mut dyn Db, entity: Entity, ids: &[Val]) -> OfficeResult<Vec<(String, State)>> {
    let found = query_in(
        db,
        "SELECT record, fields, versions, patient_id, clinic_id FROM record_state
         WHERE entity = $1 AND record IN ({keys})",
        &[entity.as_str().into()],
        ids,
    )?;
    let mut out = Vec::with_capacity(found.len());
    for mut row in rows(found, "record") {
        let record = row.text()?;
        out.push((record, State::read(&mut row)?));
    }
    Ok(out)
}

/// The SQL condition for what a clinic's desks hold, over a table aliased `t` with `entity`,
/// `clinic_id` and `patient_id` columns (`clinic` is the parameter naming the clinic): the
/// organisation's staff (who wrote a pointer, who is a patient's usual doctor; password hashes
/// only of its own, see `pull`), the records made in or for the clinic (appointments, its
/// messaging set-up, its messages and calls), and the patients it holds with their pointers and marks — read from each record
/// kind's [`Authority`]. Pull and dump both use it, so a desk's dump equals head office's.
pub(super) fn clinic_scope(t: &str, clinic: &str) -> String {
    let kinds = |authorities: &[Authority]| {
        let names: Vec<String> = schema::RECORDS
            .iter()
            .filter(|r| authorities.contains(&r.authority))
            .map(|r| format!("'{}'", r.entity.as_str()))
            .collect();
        names.join(", ")
    };
    format!(
        "({t}.entity IN ({everyone})
          OR ({t}.entity IN ({made_here}) AND {t}.clinic_id = {clinic})
          OR ({t}.entity IN ({held}) AND EXISTS
              (SELECT 1 FROM patient_clinic pc WHERE pc.patient_id = {t}.patient_id AND pc.clinic_id = {clinic})))",
        everyone = kinds(&[Authority::HomeClinic]),
        made_here = kinds(&[Authority::OwningClinic, Authority::ClinicManagers, Authority::HeadOffice]),
        held = kinds(&[Authority::PatientHolders]),
    )
}

/// One accepted change, where the log keeps it.
pub(super) struct LogRow<'a> {
    pub seq: i64,
    pub change: &'a Change,
    pub patient: Option<Uuid>,
    pub clinic: Option<Uuid>,
    /// The device that sent it; `None` for head office's own changes.
    pub device: Option<Uuid>,
    /// The acknowledgement, kept so that a resent change gets the same answer.
    pub outcome: &'a str,
}

/// The change at `seq` in the log, if any.
pub(super) fn change_at(db: &mut dyn Db, seq: i64) -> OfficeResult<Option<Uuid>> {
    let found = db.query_one("SELECT change_id FROM change_log WHERE seq = $1", &[seq.into()])?;
    Ok(match found {
        Some(row) => Some(Row::new(row, "log entry").uuid()?),
        None => None,
    })
}

/// Refuses a request from a device that knows a log position this log does not hold as it saw
/// it: head office was restored from an older copy since.
pub(super) fn check_mark(db: &mut dyn Db, mark: Option<LogMark>) -> OfficeResult<()> {
    let Some(mark) = mark else { return Ok(()) };
    if change_at(db, mark.seq)? == Some(mark.change) {
        return Ok(());
    }
    tracing::warn!(
        seq = mark.seq,
        "a device knows a later log than this one: head office was restored from an older copy"
    );
    refused(
        409,
        RefusalCode::LogRewound,
        "head office was restored from an older copy of its data; this desk sends what it holds again and pulls everything anew",
    )
}

/// An edit that lost to a concurrent one, or a refused booking.
pub(super) struct ConflictRow<'a> {
    pub kind: &'static str,
    pub entity: Entity,
    pub record: &'a str,
    pub field: Option<&'a str>,
    pub loser: Version,
    pub winner: Option<Version>,
    pub loser_value: Option<&'a Value>,
    pub winner_value: Option<&'a Value>,
    pub clinic: Option<Uuid>,
}
