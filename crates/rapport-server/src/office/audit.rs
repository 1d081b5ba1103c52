//! The canonical dump of what a clinic's devices hold, and every device's audit chain.

use std::collections::BTreeMap;

use rapport_model::schema::{self, Kind};
use rapport_model::sync::{Change, Entity};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::OfficeResult;
use super::devices::clinic_id;
use super::state::clinic_scope;
use crate::db::{Db, rows};

/// What a clinic's devices hold, in the canonical form `rapport dump` prints (password hashes
/// left out, as there).
pub fn dump(db: &mut dyn Db, clinic_name: &str) -> OfficeResult<Value> {
    let clinic = clinic_id(db, clinic_name)?.to_string();
    let found = db.query(
        &format!("SELECT s.entity, s.record, s.fields FROM record_state s WHERE {}", clinic_scope("s", "$1")),
        &[clinic.into()],
    )?;
    let mut out: BTreeMap<String, Map<String, Value>> =
        Entity::ALL.iter().filter(|e| e.is_pulled()).map(|e| (e.as_str().to_owned(), Map::new())).collect();
    for mut row in rows(found, "record") {
        let (entity, record, mut fields) = (row.text()?, row.text()?, row.json::<Map<String, Value>>()?);
        if let Ok(e) = entity.parse::<Entity>() {
            for f in schema::record(e).fields.iter().filter(|f| f.kind == Kind::PasswordHash) {
                fields.remove(f.name);
            }
        }
        out.entry(entity).or_default().insert(record, Value::Object(fields));
    }
    Ok(rapport_model::sync::canonical(serde_json::to_value(out).unwrap_or_default()))
}

/// A device's audit chain as head office received it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ChainReport {
    pub site: String,
    pub rows: usize,
    pub intact: bool,
    /// The first row that does not verify, if any.
    pub broken_at: Option<i64>,
}

/// An audit row as received: its number in the device's chain and its fields.
type AuditRow = (i64, Map<String, Value>);

/// Checks every device's audit chain: each row's hash recomputed and linked to the one before.
/// Only rows sent by the device bound to the chain's site count (head office refuses others
/// at ingest; this keeps rows stored before that rule from breaking a genuine chain), and a row
/// that cannot be read breaks its chain rather than the check.
pub fn verify_audit(db: &mut dyn Db) -> OfficeResult<Vec<ChainReport>> {
    let found = db.query(
        "SELECT c.body, d.site FROM change_log c JOIN device d ON d.id = c.device_id
         WHERE c.entity = 'audit' ORDER BY c.seq",
        &[],
    )?;
    let mut chains: BTreeMap<String, Vec<AuditRow>> = BTreeMap::new();
    for mut row in rows(found, "audit row") {
        let (body, sender) = (row.text()?, row.opt_uuid()?);
        let Ok(c) = serde_json::from_str::<Change>(&body) else { continue };
        let Some((site, seq)) = c.record.split_once('/') else { continue };
        if site.parse::<Uuid>().ok() != sender {
            continue;
        }
        // An unreadable row number sorts first and breaks the chain there.
        let seq = seq.parse().unwrap_or(i64::MIN);
        chains.entry(site.to_owned()).or_default().push((seq, c.fields.into_iter().collect()));
    }
    let mut out = Vec::new();
    for (site, mut rows) in chains {
        rows.sort_by_key(|(seq, _)| *seq);
        rows.dedup_by_key(|(seq, _)| *seq);
        let broken_at = first_broken(&rows);
        out.push(ChainReport { site, rows: rows.len(), intact: broken_at.is_none(), broken_at });
    }
    Ok(out)
}

fn first_broken(rows: &[AuditRow]) -> Option<i64> {
    let mut prev = vec![0u8; 32];
    for (i, (seq, f)) in rows.iter().enumerate() {
        let text = |k: &str| f.get(k).and_then(Value::as_str).map(str::to_owned);
        let id = |k: &str| text(k).and_then(|s| s.parse::<Uuid>().ok()).map(|u| *u.as_bytes());
        let stored_prev = text("prev_hash").and_then(|h| hex::decode(h).ok()).unwrap_or_default();
        let stored = text("hash").and_then(|h| hex::decode(h).ok()).unwrap_or_default();
        let computed = rapport_model::audit::chain_hash(
            *seq,
            f.get("at").and_then(Value::as_i64).unwrap_or(0),
            id("staff_id").as_ref().map(<[u8; 16]>::as_slice),
            text("action").unwrap_or_default().as_bytes(),
            id("patient_id").as_ref().map(<[u8; 16]>::as_slice),
            text("subject").as_deref().map(str::as_bytes),
            &prev,
        );
        let gap = *seq != i64::try_from(i).unwrap_or(0) + 1;
        if gap || stored_prev != prev || computed.as_slice() != stored.as_slice() {
            return Some(*seq);
        }
        prev = stored;
    }
    None
}
