//! The merged present of every record and the log desks pull from.
//!
//! `record_state` holds each record's fields, the version of each field, and what head office
//! derived about it when it was made: the patient it belongs to and its clinic (an
//! appointment's clinic, a staff member's home clinic). `change_log` holds every accepted
//! change in order, with the patient and clinic taken from that state.

use std::collections::BTreeMap;

use rapport_model::sync::{Change, Entity, LOG_REWOUND, LogMark, SCHEMA_VERSION, Version};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::{Head, OfficeResult, random_uuid, refused};
use crate::db::{Db, Row};

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
}

pub(super) fn load_state(db: &mut dyn Db, entity: Entity, record: &str) -> OfficeResult<Option<State>> {
    let row = db.query_one(
        "SELECT fields, versions, patient_id, clinic_id FROM record_state WHERE entity = $1 AND record = $2",
        &[entity.as_str().into(), record.into()],
    )?;
    let Some(row) = row else { return Ok(None) };
    let mut row = Row::new(row, "record");
    Ok(Some(State { fields: row.json()?, versions: row.json()?, patient: row.opt_uuid()?, clinic: row.opt_uuid()? }))
}

/// Does head office hold this record (without reading it)?
pub(super) fn record_exists(db: &mut dyn Db, entity: Entity, record: &str) -> OfficeResult<bool> {
    Ok(db
        .query_one(
            "SELECT 1 FROM record_state WHERE entity = $1 AND record = $2",
            &[entity.as_str().into(), record.into()],
        )?
        .is_some())
}

pub(super) fn save_state(db: &mut dyn Db, entity: Entity, record: &str, s: &State) -> OfficeResult<()> {
    let fields = serde_json::to_string(&s.fields)
        .map_err(|_| crate::db::DbError::Other("a record could not be written".into()))?;
    let versions = serde_json::to_value(&s.versions).map(|v| v.to_string()).unwrap_or_else(|_| "{}".into());
    db.exec(
        "INSERT INTO record_state (entity, record, patient_id, clinic_id, fields, versions) VALUES ($1,$2,$3,$4,$5,$6)
         ON CONFLICT (entity, record) DO UPDATE SET fields = excluded.fields, versions = excluded.versions,
             patient_id = excluded.patient_id",
        &[
            entity.as_str().into(),
            record.into(),
            s.patient.map(|p| p.to_string()).into(),
            s.clinic.map(|c| c.to_string()).into(),
            fields.into(),
            versions.into(),
        ],
    )?;
    Ok(())
}

/// The SQL condition for what a clinic's desks hold, over a table aliased `t` with `entity`,
/// `clinic_id` and `patient_id` columns (`clinic` is the parameter naming the clinic): the
/// organisation's staff (who wrote a pointer, who is a patient's usual doctor; password hashes
/// only of its own, see `pull`), its appointments, and the patients it holds with their
/// pointers and marks. Pull and dump both use it, so a desk's dump equals head office's.
pub(super) fn clinic_scope(t: &str, clinic: &str) -> String {
    format!(
        "({t}.entity = 'staff'
          OR ({t}.entity = 'appointment' AND {t}.clinic_id = {clinic})
          OR ({t}.entity IN ('patient', 'pointer', 'pointer_mark') AND EXISTS
              (SELECT 1 FROM patient_clinic pc WHERE pc.patient_id = {t}.patient_id AND pc.clinic_id = {clinic})))"
    )
}

/// Does the clinic hold the patient (may its devices see and change their records)?
pub(super) fn clinic_holds(db: &mut dyn Db, clinic: Uuid, patient: Uuid) -> OfficeResult<bool> {
    Ok(db
        .query_one(
            "SELECT 1 FROM patient_clinic WHERE patient_id = $1 AND clinic_id = $2",
            &[patient.to_string().into(), clinic.to_string().into()],
        )?
        .is_some())
}

pub(super) fn hold(db: &mut dyn Db, clinic: Uuid, patient: Uuid) -> OfficeResult<bool> {
    Ok(db.exec(
        "INSERT INTO patient_clinic (patient_id, clinic_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        &[patient.to_string().into(), clinic.to_string().into()],
    )? == 1)
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

pub(super) fn append_log(db: &mut dyn Db, r: &LogRow<'_>, now_ms: i64) -> OfficeResult<()> {
    let body = serde_json::to_string(r.change)
        .map_err(|_| crate::db::DbError::Other("a change could not be written".into()))?;
    db.exec(
        "INSERT INTO change_log (seq, change_id, entity, record, patient_id, clinic_id, device_id, body, outcome, received_at)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)",
        &[
            r.seq.into(),
            r.change.id.to_string().into(),
            r.change.entity.as_str().into(),
            r.change.record.as_str().into(),
            r.patient.map(|p| p.to_string()).into(),
            r.clinic.map(|c| c.to_string()).into(),
            r.device.map(|d| d.to_string()).into(),
            body.into(),
            r.outcome.into(),
            now_ms.into(),
        ],
    )?;
    Ok(())
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
        LOG_REWOUND,
        "head office was restored from an older copy of its data; this desk sends what it holds again and pulls everything anew",
    )
}

/// A change of head office's own (undoing a double booking, renaming a clashing login), merged
/// and logged like any other so that every replica receives it.
pub(super) fn office_change(
    db: &mut dyn Db,
    head: &mut Head,
    entity: Entity,
    record: &str,
    state: &mut State,
    fields: Map<String, Value>,
    now_ms: i64,
) -> OfficeResult<()> {
    let version = head.tick(now_ms);
    let base: BTreeMap<String, Version> =
        fields.keys().filter_map(|f| state.version_of(f).map(|v| (f.clone(), v))).collect();
    for (f, v) in &fields {
        state.fields.insert(f.clone(), v.clone());
        state.versions.insert(f.clone(), version);
    }
    save_state(db, entity, record, state)?;
    let change = Change {
        id: random_uuid(),
        entity,
        record: record.to_owned(),
        version,
        fields: fields.into_iter().collect(),
        versions: BTreeMap::new(),
        base,
        schema: SCHEMA_VERSION,
        replay: false,
        seq: None,
    };
    log_office_change(db, head, &change, state, now_ms)
}

/// Appends a change head office made itself (no device sent it, so there is nothing to
/// acknowledge) at the next log position.
pub(super) fn log_office_change(
    db: &mut dyn Db,
    head: &mut Head,
    change: &Change,
    state: &State,
    now_ms: i64,
) -> OfficeResult<()> {
    let seq = head.next_seq();
    append_log(
        db,
        &LogRow { seq, change, patient: state.patient, clinic: state.clinic, device: None, outcome: "{}" },
        now_ms,
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

pub(super) fn log_conflict(db: &mut dyn Db, c: &ConflictRow<'_>, now_ms: i64) -> OfficeResult<()> {
    let id = format!(
        "{}/{}/{}/{}/{}/{}",
        c.kind,
        c.entity.as_str(),
        c.record,
        c.field.unwrap_or("*"),
        c.loser.hlc,
        c.loser.site
    );
    let version = |v: Version| format!("{}@{}", v.hlc, v.site);
    db.exec(
        "INSERT INTO conflict (id, at, kind, entity, record, field, loser_version, winner_version, loser_value, winner_value, clinic_id)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) ON CONFLICT (id) DO NOTHING",
        &[
            id.into(),
            now_ms.into(),
            c.kind.into(),
            c.entity.as_str().into(),
            c.record.into(),
            c.field.into(),
            version(c.loser).into(),
            c.winner.map(version).into(),
            c.loser_value.map(Value::to_string).into(),
            c.winner_value.map(Value::to_string).into(),
            c.clinic.map(|c| c.to_string()).into(),
        ],
    )?;
    Ok(())
}
