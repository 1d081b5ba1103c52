//! A clinic taking on a patient another clinic registered (continuity of care).

use std::collections::BTreeMap;

use rapport_model::RefusalCode;
use rapport_model::schema::Authority;
use rapport_model::sync::{Change, Entity, SCHEMA_VERSION};
use serde_json::Value;
use uuid::Uuid;

use super::devices::Device;
use super::writer::Writer;
use super::{OfficeResult, random_uuid, refused};
use crate::db::{Db, rows};

/// The device's clinic takes on a patient of another clinic: from now on the patient's
/// changes reach it, and their record and pointers are sent again so that every device of the
/// clinic receives them by its usual pull. Each record goes as one full-state change with each
/// field's own version, so a desk never holds part of a record, and a desk that pulls the
/// patient's older edits first skips them (they are in the full state). Returns how many
/// records were sent again.
pub fn take_on(db: &mut dyn Db, device: &Device, patient: Uuid, now_ms: i64) -> OfficeResult<usize> {
    let mut w = Writer::begin(db, now_ms)?;
    match w.load(Entity::Patient, &patient.to_string())? {
        Some(s) if s.fields.get("deleted_at").is_none_or(Value::is_null) => {}
        _ => return refused(404, RefusalCode::NoPatient, "head office has no such patient"),
    }
    let sent = take_on_for(&mut w, device.clinic, patient)?;
    w.commit()?;
    Ok(sent)
}

/// The clinic holds the patient from now on; if it did not, the patient's records are sent
/// again for its desks, after those of every patient this record was merged into (a desk
/// applies a merge only holding both). Returns how many records were sent again.
pub(super) fn take_on_for(w: &mut Writer<'_>, clinic: Uuid, patient: Uuid) -> OfficeResult<usize> {
    if !w.hold(clinic, patient)? {
        return Ok(0);
    }
    let found = w.db()?.query(
        "SELECT record FROM record_state WHERE patient_id = $1 AND entity = $2",
        &[patient.to_string().into(), Entity::PatientMerge.as_str().into()],
    )?;
    let mut merges = Vec::with_capacity(found.len());
    for mut row in rows(found, "merge") {
        merges.push(row.text()?);
    }
    let mut sent = 0;
    for merge in merges {
        let keep = w.load(Entity::PatientMerge, &merge)?.and_then(|m| m.fields.get("keep")?.as_str()?.parse().ok());
        if let Some(keep) = keep {
            sent += take_on_for(w, clinic, keep)?;
        }
    }
    Ok(sent + send_again(w, patient)?)
}

/// Logs the patient's record, pointers, marks and merges again as full-state `replay` changes, one per
/// record with each field's own version, for a clinic that now holds them: every desk of that
/// clinic receives them whole by its usual pull. Returns how many records were sent again.
fn send_again(w: &mut Writer<'_>, patient: Uuid) -> OfficeResult<usize> {
    let id = patient.to_string();
    // The patient, and every record of a kind that belongs to the patient's holders (pointers,
    // marks, merges).
    let belongs: Vec<String> = rapport_model::schema::RECORDS
        .iter()
        .filter(|r| r.authority == Authority::PatientHolders && r.entity != Entity::Patient)
        .map(|r| format!("'{}'", r.entity.as_str()))
        .collect();
    let found = w.db()?.query(
        &format!(
            "SELECT entity, record FROM record_state
             WHERE (entity = 'patient' AND record = $1) OR (patient_id = $1 AND entity IN ({}))",
            belongs.join(", ")
        ),
        &[id.into()],
    )?;
    let mut records = Vec::new();
    for mut row in rows(found, "record") {
        let entity: Entity = row.text()?.parse().map_err(|_| crate::db::DbError::Other("stored record kind".into()))?;
        records.push((entity, row.text()?));
    }
    // Parents first: the patient, then pointers, then their marks, then merges.
    records.sort();
    for (entity, record) in &records {
        let Some(state) = w.load(*entity, record)? else { continue };
        let field_version = |f: &str| state.version_of(f);
        let Some(newest) = state.fields.keys().filter_map(|f| field_version(f)).max() else { continue };
        let versions: BTreeMap<_, _> = state
            .fields
            .keys()
            .filter_map(|f| field_version(f).filter(|v| *v != newest).map(|v| (f.clone(), v)))
            .collect();
        let change = Change {
            id: random_uuid(),
            entity: *entity,
            record: record.clone(),
            version: newest,
            fields: state.fields.clone().into_iter().collect(),
            versions,
            base: BTreeMap::new(),
            schema: SCHEMA_VERSION,
            replay: true,
            seq: None,
        };
        w.log_office_change(&change, &state)?;
    }
    Ok(records.len())
}
