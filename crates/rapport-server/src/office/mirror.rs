//! What happens to messages reaches the clinic's desks: each outbox row becomes a replicated
//! record of head office's own ([`Entity::Message`]: kind, channel, status, the patient's reply
//! and what head office made of it), written by [`mirror_messages`] a batch at a time.
//!
//! The outbox stays the working table (claims, leases, tokens and texts never leave head
//! office); every change to a row raises its `revision`, and the mirror logs the record of each
//! row whose revision it has not logged yet and notes that revision, in one transaction. A row
//! changed meanwhile has a newer revision and is mirrored again; one mirrored twice (two
//! processes) logs nothing the second time, its fields being the same.

use std::collections::BTreeMap;

use rapport_model::schema;
use rapport_model::sync::Entity;
use serde_json::{Map, Value};

use super::OfficeResult;
use super::state::State;
use super::writer::Writer;
use crate::db::{Db, rows};

/// Messages mirrored per transaction.
pub const MIRROR_BATCH: i64 = 500;

/// Logs the record of up to `limit` messages whose newest state the desks have not had, as
/// head office's own changes; how many it mirrored.
pub fn mirror_messages(db: &mut dyn Db, now_ms: i64, limit: i64) -> OfficeResult<usize> {
    // The writer's lock first: two processes never mirror the same revision twice.
    let mut w = Writer::begin(db, now_ms)?;
    // Rows another transaction holds (a send being recorded) are left for the next batch: the
    // mirror never waits on a message row while it holds the writers' lock.
    let db = w.db()?;
    let found = db.query(
        &format!(
            "SELECT id, clinic_id, patient_id, appointment_id, kind, channel, status, reason, reply, reply_meaning,
                 send_after, updated_at, revision
             FROM message WHERE revision <> mirrored ORDER BY id LIMIT $1{}",
            db.skip_locked()
        ),
        &[limit.into()],
    )?;
    let mut written = Vec::with_capacity(found.len());
    for mut row in rows(found, "message") {
        let id = row.text()?;
        let (clinic, patient) = (row.uuid()?, row.uuid()?);
        let mut fields = Map::new();
        for name in ["patient_id", "appointment_id", "kind", "channel", "status", "reason", "reply", "reply_meaning"] {
            let value = if name == "patient_id" { Some(patient.to_string()) } else { row.opt_text()? };
            fields.insert(name.to_owned(), value.map_or(Value::Null, Value::from));
        }
        fields.insert("send_after".to_owned(), Value::from(row.int()?));
        fields.insert("updated_at".to_owned(), Value::from(row.int()?));
        let revision = row.int()?;
        // What the desks would refuse (a reply with characters their text rule does not take)
        // goes empty rather than keep the whole record from them.
        for (name, value) in fields.iter_mut() {
            let one = std::collections::BTreeMap::from([(name.clone(), value.clone())]);
            if schema::check_fields(Entity::Message, &one, false).is_err() {
                *value = Value::Null;
            }
        }
        let mut state = w.load(Entity::Message, &id)?.unwrap_or_else(|| State {
            fields: Map::new(),
            versions: BTreeMap::new(),
            patient: Some(patient),
            clinic: Some(clinic),
        });
        let changed: Map<String, Value> =
            fields.into_iter().filter(|(name, value)| state.fields.get(name) != Some(value)).collect();
        if !changed.is_empty() {
            w.office_change(Entity::Message, &id, &mut state, changed)?;
        }
        written.push((id, revision));
    }
    let db = w.db()?;
    for (id, revision) in &written {
        db.exec("UPDATE message SET mirrored = $2 WHERE id = $1", &[id.as_str().into(), (*revision).into()])?;
    }
    w.commit()?;
    Ok(written.len())
}

/// Mirrors every message waiting to be, a batch per transaction.
pub fn mirror_all(backend: &crate::db::Backend, now_ms: i64) -> OfficeResult<usize> {
    let mut total = 0;
    loop {
        let n = backend.tx(|db| mirror_messages(db, now_ms, MIRROR_BATCH))?;
        total += n;
        if n < usize::try_from(MIRROR_BATCH).unwrap_or(usize::MAX) {
            return Ok(total);
        }
    }
}
