//! The device's side of replication, in SQL: turning local writes into changes (the outbox),
//! applying pulled changes field by field, the conflict log, and the canonical dump.
//!
//! **Invariant:** every committed write to a replicated column becomes a change. Triggers
//! (migration 0005) note each write in `sync_dirty`; [`seal`] runs at the end of every
//! [`crate::Store::write`] transaction and turns the notes into one change per record, stamped
//! with the next hybrid-logical-clock reading and the versions the fields had before.
//! [`apply_page`] writes pulled changes with the notes cleared, so they are not sent back.

use std::collections::BTreeMap;

use rapport_model::PatientId;
use rapport_model::sync::{
    Ack, Change, Conflict, ConflictKind, Entity, FieldState, Hlc, SCHEMA_VERSION, Version, concurrent,
    conflict_matters, disambiguate, hlc_tick, is_unique_field, wins,
};
use rusqlite::types::{Value as Sql, ValueRef};
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};
use serde_json::Value;
use uuid::Uuid;

use crate::{Result, StoreError, from_ms, meta, records, search};

/// How a replicated column is stored locally and written in a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    /// Text, integer or null, as is.
    Plain,
    /// A 16-byte UUID blob, written as UUID text.
    Id,
    /// Other bytes (audit hashes), written as hex.
    Hex,
}

/// A replicated table: its key and the columns that travel (local-only ones, such as when the
/// desk last opened a patient or failed logins, stay out).
#[derive(Debug)]
struct Spec {
    entity: Entity,
    key: &'static str,
    cols: &'static [(&'static str, Col)],
    /// SQL for the patient a row belongs to (`?1` is the row's key).
    patient: Option<&'static str>,
}

use Col::{Hex, Id, Plain};

const SPECS: [Spec; 6] = [
    Spec { entity: Entity::Staff, key: "id", cols: &STAFF, patient: None },
    Spec { entity: Entity::Patient, key: "id", cols: &PATIENT, patient: Some("SELECT ?1") },
    Spec {
        entity: Entity::Pointer,
        key: "id",
        cols: &POINTER,
        patient: Some("SELECT patient_id FROM pointer WHERE id = ?1"),
    },
    Spec {
        entity: Entity::PointerMark,
        key: "id",
        cols: &MARK,
        patient: Some("SELECT p.patient_id FROM pointer_mark m JOIN pointer p ON p.id = m.pointer_id WHERE m.id = ?1"),
    },
    Spec {
        entity: Entity::Appointment,
        key: "id",
        cols: &APPOINTMENT,
        patient: Some("SELECT patient_id FROM appointment WHERE id = ?1"),
    },
    Spec {
        entity: Entity::Audit,
        key: "seq",
        cols: &AUDIT,
        patient: Some("SELECT patient_id FROM audit WHERE seq = ?1"),
    },
];

const STAFF: [(&str, Col); 6] = [
    ("login", Plain),
    ("display_name", Plain),
    ("role", Plain),
    ("password_hash", Plain),
    ("active", Plain),
    ("created_at", Plain),
];
const PATIENT: [(&str, Col); 24] = [
    ("record_no", Plain),
    ("given", Plain),
    ("family", Plain),
    ("preferred", Plain),
    ("pronunciation", Plain),
    ("birth_date", Plain),
    ("sex", Plain),
    ("gender", Plain),
    ("language", Plain),
    ("phones", Plain),
    ("email", Plain),
    ("address", Plain),
    ("city", Plain),
    ("area", Plain),
    ("consent", Plain),
    ("referral_source", Plain),
    ("referring_doctor", Plain),
    ("usual_doctor", Id),
    ("practical_needs", Plain),
    ("conditions", Plain),
    ("attendants", Plain),
    ("created_at", Plain),
    ("updated_at", Plain),
    ("deleted_at", Plain),
];
const POINTER: [(&str, Col); 10] = [
    ("patient_id", Id),
    ("kind", Plain),
    ("text", Plain),
    ("event_date", Plain),
    ("author", Id),
    ("author_role", Plain),
    ("clinic", Plain),
    ("source", Plain),
    ("created_at", Plain),
    ("supersedes", Id),
];
const MARK: [(&str, Col); 5] = [("pointer_id", Id), ("kind", Plain), ("by_staff", Id), ("at", Plain), ("note", Plain)];
const APPOINTMENT: [(&str, Col); 14] = [
    ("patient_id", Id),
    ("doctor", Id),
    ("starts_at", Plain),
    ("minutes", Plain),
    ("reason", Plain),
    ("status", Plain),
    ("booked_by", Id),
    ("booked_at", Plain),
    ("confirmed_at", Plain),
    ("arrived_at", Plain),
    ("seen_at", Plain),
    ("done_at", Plain),
    ("cancelled_at", Plain),
    ("no_show_at", Plain),
];
const AUDIT: [(&str, Col); 7] = [
    ("at", Plain),
    ("staff_id", Id),
    ("action", Plain),
    ("patient_id", Id),
    ("subject", Plain),
    ("prev_hash", Hex),
    ("hash", Hex),
];

fn spec(entity: Entity) -> &'static Spec {
    SPECS.iter().find(|s| s.entity == entity).unwrap_or(&SPECS[0])
}

impl Spec {
    fn table(&self) -> &'static str {
        self.entity.as_str()
    }

    fn col(&self, name: &str) -> Option<Col> {
        self.cols.iter().find(|(c, _)| *c == name).map(|(_, k)| *k)
    }
}

fn to_json(v: ValueRef<'_>, col: Col) -> Value {
    match (v, col) {
        (ValueRef::Null, _) => Value::Null,
        (ValueRef::Integer(i), _) => Value::from(i),
        (ValueRef::Real(f), _) => Value::from(f),
        (ValueRef::Text(t), _) => Value::from(String::from_utf8_lossy(t).into_owned()),
        (ValueRef::Blob(b), Col::Id) => {
            Value::from(<[u8; 16]>::try_from(b).map(|b| Uuid::from_bytes(b).to_string()).unwrap_or_default())
        }
        (ValueRef::Blob(b), _) => Value::from(hex::encode(b)),
    }
}

fn to_sql(v: &Value, col: Col) -> Result<Sql> {
    Ok(match (v, col) {
        (Value::Null, _) => Sql::Null,
        (Value::String(s), Col::Id) => {
            Sql::Blob(s.parse::<Uuid>().map_err(|_| StoreError::Decode("change"))?.as_bytes().to_vec())
        }
        (Value::String(s), Col::Hex) => Sql::Blob(hex::decode(s).map_err(|_| StoreError::Decode("change"))?),
        (Value::String(s), Col::Plain) => Sql::Text(s.clone()),
        (Value::Bool(b), _) => Sql::Integer(i64::from(*b)),
        (Value::Number(n), _) => match n.as_i64() {
            Some(i) => Sql::Integer(i),
            None => Sql::Real(n.as_f64().unwrap_or_default()),
        },
        _ => return Err(StoreError::Decode("change")),
    })
}

/// The replicated columns of one row, or `None` if there is no such row.
fn read_fields(conn: &Connection, spec: &Spec, key: &Sql) -> Result<Option<BTreeMap<String, Value>>> {
    let cols = spec.cols.iter().map(|(c, _)| *c).collect::<Vec<_>>().join(", ");
    let sql = format!("SELECT {cols} FROM {} WHERE {} = ?1", spec.table(), spec.key);
    let mut stmt = conn.prepare_cached(&sql)?;
    Ok(stmt
        .query_row([key], |row| {
            let mut out = BTreeMap::new();
            for (i, (name, col)) in spec.cols.iter().enumerate() {
                out.insert((*name).to_owned(), to_json(row.get_ref(i)?, *col));
            }
            Ok(out)
        })
        .optional()?)
}

/// This device's site id, made on first use.
pub fn site(conn: &Connection) -> Result<Uuid> {
    if let Some(s) = meta::get(conn, "sync_site")?.and_then(|s| s.parse().ok()) {
        return Ok(s);
    }
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).map_err(|_| StoreError::Random)?;
    let site = uuid::Builder::from_random_bytes(b).into_uuid();
    meta::set(conn, "sync_site", &site.to_string())?;
    Ok(site)
}

fn hlc(conn: &Connection) -> Result<Hlc> {
    Ok(meta::get(conn, "sync_hlc")?.and_then(|v| v.parse().ok()).unwrap_or(0))
}

/// The clock reading after every one this device has made or seen (as head office's
/// answers and pulled changes are seen, a device whose clock runs slow still moves forward).
pub fn observe_hlc(conn: &Connection, seen: Hlc) -> Result<()> {
    if seen > hlc(conn)? {
        meta::set(conn, "sync_hlc", &seen.to_string())?;
    }
    Ok(())
}

type Versions = BTreeMap<String, Version>;

const DEFAULT_VERSION: &str = "*";

fn load_versions(conn: &Connection, entity: Entity, record: &str) -> Result<Versions> {
    let text: Option<String> = conn
        .prepare_cached("SELECT versions FROM sync_version WHERE entity = ?1 AND record = ?2")?
        .query_row([entity.as_str(), record], |r| r.get(0))
        .optional()?;
    text.map_or(Ok(Versions::new()), |t| serde_json::from_str(&t).map_err(|_| StoreError::Decode("sync versions")))
}

fn save_versions(conn: &Connection, entity: Entity, record: &str, v: &Versions) -> Result<()> {
    let text = serde_json::to_string(v).map_err(|_| StoreError::Decode("sync versions"))?;
    conn.prepare_cached(
        "INSERT INTO sync_version (entity, record, versions) VALUES (?1, ?2, ?3)
         ON CONFLICT (entity, record) DO UPDATE SET versions = excluded.versions",
    )?
    .execute(params![entity.as_str(), record, text])?;
    Ok(())
}

fn version_of(v: &Versions, field: &str) -> Option<Version> {
    v.get(field).or_else(|| v.get(DEFAULT_VERSION)).copied()
}

fn record_name(site: Uuid, spec: &Spec, key: &Sql) -> String {
    match key {
        Sql::Blob(b) => <[u8; 16]>::try_from(b.as_slice()).map(|b| Uuid::from_bytes(b).to_string()).unwrap_or_default(),
        Sql::Integer(i) if spec.entity == Entity::Audit => format!("{site}/{i}"),
        Sql::Integer(i) => i.to_string(),
        _ => String::new(),
    }
}

fn key_of(record: &str) -> Result<Sql> {
    Ok(Sql::Blob(record.parse::<Uuid>().map_err(|_| StoreError::Decode("change"))?.as_bytes().to_vec()))
}

fn new_change_id(ms: i64) -> Result<Uuid> {
    let mut random = [0u8; 10];
    getrandom::fill(&mut random).map_err(|_| StoreError::Random)?;
    Ok(uuid::Builder::from_unix_timestamp_millis(u64::try_from(ms).unwrap_or(0), &random).into_uuid())
}

/// Turns the transaction's write notes into changes in the outbox. Called by
/// [`crate::Store::write`] before every commit; cheap when nothing replicated was written.
pub fn seal(conn: &Connection, wall_ms: i64) -> Result<bool> {
    let mut notes: Vec<(String, Sql, String)> = {
        let mut stmt = conn.prepare_cached("SELECT entity, record, field FROM sync_dirty")?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<rusqlite::Result<_>>()?
    };
    if notes.is_empty() {
        return Ok(false);
    }
    // Parents before children (a pointer's patient before the pointer), then oldest first.
    let order = |e: &str| SPECS.iter().position(|s| s.entity.as_str() == e).unwrap_or(SPECS.len());
    notes.sort_by(|a, b| order(&a.0).cmp(&order(&b.0)).then_with(|| sql_cmp(&a.1, &b.1)));
    let site = site(conn)?;
    let version = Version { hlc: hlc_tick(hlc(conn)?, wall_ms), site };
    let mut i = 0;
    while i < notes.len() {
        let (entity_name, key) = (&notes[i].0, &notes[i].1);
        let mut j = i;
        let mut fields: Vec<&str> = Vec::new();
        while j < notes.len() && notes[j].0 == *entity_name && notes[j].1 == *key {
            fields.push(&notes[j].2);
            j += 1;
        }
        let entity: Entity = entity_name.parse().map_err(|_| StoreError::Decode("sync note"))?;
        let spec = spec(entity);
        if let Some(row) = read_fields(conn, spec, key)? {
            let whole = fields.contains(&"*");
            let record = record_name(site, spec, key);
            let mut versions =
                if entity.is_append_only() { Versions::new() } else { load_versions(conn, entity, &record)? };
            let chosen: BTreeMap<String, Value> =
                row.into_iter().filter(|(name, _)| whole || fields.contains(&name.as_str())).collect();
            let base: BTreeMap<String, Version> =
                chosen.keys().filter_map(|f| version_of(&versions, f).map(|v| (f.clone(), v))).collect();
            let patient = match spec.patient {
                Some(sql) => conn
                    .prepare_cached(sql)?
                    .query_row([key], |r| r.get::<_, Option<Vec<u8>>>(0))
                    .optional()?
                    .flatten()
                    .and_then(|b| <[u8; 16]>::try_from(b.as_slice()).ok())
                    .map(Uuid::from_bytes),
                None => None,
            };
            if !entity.is_append_only() {
                if whole && versions.is_empty() {
                    versions.insert(DEFAULT_VERSION.to_owned(), version);
                } else {
                    for f in chosen.keys() {
                        versions.insert(f.clone(), version);
                    }
                }
                save_versions(conn, entity, &record, &versions)?;
            }
            let change = Change {
                id: new_change_id(rapport_model::sync::hlc_ms(version.hlc))?,
                entity,
                record,
                patient,
                version,
                fields: chosen,
                base,
                schema: SCHEMA_VERSION,
                replay: false,
                seq: None,
            };
            let text = serde_json::to_string(&change).map_err(|_| StoreError::Decode("change"))?;
            conn.prepare_cached("INSERT INTO sync_outbox (change_id, change) VALUES (?1, ?2)")?
                .execute(params![change.id.to_string(), text])?;
        }
        i = j;
    }
    conn.execute("DELETE FROM sync_dirty", [])?;
    meta::set(conn, "sync_hlc", &version.hlc.to_string())?;
    Ok(true)
}

fn sql_cmp(a: &Sql, b: &Sql) -> std::cmp::Ordering {
    match (a, b) {
        (Sql::Integer(x), Sql::Integer(y)) => x.cmp(y),
        (Sql::Blob(x), Sql::Blob(y)) => x.cmp(y),
        _ => std::cmp::Ordering::Equal,
    }
}

/// The oldest `limit` changes head office has not acknowledged.
pub fn outbox(conn: &Connection, limit: usize) -> Result<Vec<Change>> {
    let mut stmt = conn.prepare_cached("SELECT change FROM sync_outbox ORDER BY seq LIMIT ?1")?;
    let rows = stmt.query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |r| r.get::<_, String>(0))?;
    rows.map(|t| serde_json::from_str(&t?).map_err(|_| StoreError::Decode("change"))).collect()
}

pub fn pending(conn: &Connection) -> Result<u64> {
    let n: i64 = conn.query_row("SELECT count(*) FROM sync_outbox", [], |r| r.get(0))?;
    Ok(n.unsigned_abs())
}

/// Drops acknowledged changes from the outbox and keeps what head office said lost or refused
/// in the conflict log. `sent` is the batch the acknowledgements answer.
pub fn acknowledge(conn: &Connection, sent: &[Change], acks: &[Ack], now_ms: i64) -> Result<()> {
    for ack in acks {
        let Some(change) = sent.iter().find(|c| c.id == ack.change) else { continue };
        for lost in &ack.lost {
            add_conflict(
                conn,
                &NewConflict {
                    kind: ConflictKind::LostEdit,
                    change,
                    field: Some(&lost.field),
                    mine: change.fields.get(&lost.field),
                    theirs: Some(&lost.winner),
                    loser: change.version,
                    detail: "another desk changed this at the same time; theirs was kept",
                    at_ms: now_ms,
                },
            )?;
        }
        if let Some(reason) = &ack.rejected {
            add_conflict(
                conn,
                &NewConflict {
                    kind: ConflictKind::BookingRejected,
                    change,
                    field: None,
                    mine: None,
                    theirs: None,
                    loser: change.version,
                    detail: reason,
                    at_ms: now_ms,
                },
            )?;
        }
        if change.fields.keys().any(|f| is_unique_field(change.entity, f)) {
            note_log_position(conn, change.entity, &change.record, ack.seq)?;
        }
        conn.prepare_cached("DELETE FROM sync_outbox WHERE change_id = ?1")?.execute([ack.change.to_string()])?;
    }
    Ok(())
}

/// Remembers where a record holding a unique name first sits in head office's log.
fn note_log_position(conn: &Connection, entity: Entity, record: &str, seq: i64) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO sync_acked (entity, record, seq) VALUES (?1, ?2, ?3)
         ON CONFLICT (entity, record) DO UPDATE SET seq = min(seq, excluded.seq)",
    )?
    .execute(params![entity.as_str(), record, seq])?;
    Ok(())
}

struct NewConflict<'a> {
    kind: ConflictKind,
    change: &'a Change,
    field: Option<&'a str>,
    mine: Option<&'a Value>,
    theirs: Option<&'a Value>,
    /// The version that lost: one conflict is kept once, however often it is reported.
    loser: Version,
    detail: &'a str,
    at_ms: i64,
}

fn add_conflict(conn: &Connection, c: &NewConflict<'_>) -> Result<()> {
    let key = format!(
        "{}/{}/{}/{}/{}/{}",
        c.kind.as_str(),
        c.change.entity.as_str(),
        c.change.record,
        c.field.unwrap_or("*"),
        c.loser.hlc,
        c.loser.site
    );
    let text = |v: Option<&Value>| v.map(Value::to_string);
    conn.prepare_cached(
        "INSERT OR IGNORE INTO sync_conflict (key, kind, entity, record, field, mine, theirs, detail, at)
         VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)",
    )?
    .execute(params![
        key,
        c.kind.as_str(),
        c.change.entity.as_str(),
        c.change.record,
        c.field,
        text(c.mine),
        text(c.theirs),
        c.detail,
        c.at_ms
    ])?;
    Ok(())
}

/// Applies one pulled page and, when `cursor` is given, saves it, all in the caller's
/// transaction. Safe to apply the same page twice. Returns how many changes altered a field or
/// added a record (the others were here already or lost to what is here).
pub fn apply_page(conn: &Connection, changes: &[Change], cursor: Option<i64>, now_ms: i64) -> Result<usize> {
    let me = site(conn)?;
    let mut changed = 0;
    let mut newest = 0;
    for c in changes {
        newest = newest.max(c.version.hlc);
        if !c.entity.is_pulled() {
            continue;
        }
        make_room(conn, c)?;
        changed += usize::from(apply_one(conn, c, me, now_ms)?);
        if let Some(seq) = c.seq.filter(|_| c.fields.keys().any(|f| is_unique_field(c.entity, f))) {
            note_log_position(conn, c.entity, &c.record, seq)?;
        }
    }
    // The triggers noted every applied write; those are not this device's to send.
    conn.execute("DELETE FROM sync_dirty", [])?;
    observe_hlc(conn, newest)?;
    if let Some(cursor) = cursor {
        meta::set(conn, "sync_cursor", &cursor.to_string())?;
    }
    Ok(changed)
}

/// A pulled change sets a login or record number that a record of this device holds: if this
/// device's record reached head office later (or not yet), head office renames it, so it is
/// renamed here the same way now; otherwise the incoming one will be renamed (see [`insert_row`]).
fn make_room(conn: &Connection, c: &Change) -> Result<()> {
    let spec = spec(c.entity);
    for (field, value) in c.fields.iter().filter(|(f, _)| is_unique_field(c.entity, f)) {
        let Some(value) = value.as_str() else { continue };
        let sql = format!("SELECT {} FROM {} WHERE {field} = ?1 AND {} <> ?2", spec.key, spec.table(), spec.key);
        let holder: Option<Vec<u8>> =
            conn.prepare_cached(&sql)?.query_row(params![value, key_of(&c.record)?], |r| r.get(0)).optional()?;
        let Some(holder) = holder else { continue };
        let holder_record =
            <[u8; 16]>::try_from(holder.as_slice()).map(|b| Uuid::from_bytes(b).to_string()).unwrap_or_default();
        let holder_seq: Option<i64> = conn
            .prepare_cached("SELECT seq FROM sync_acked WHERE entity = ?1 AND record = ?2")?
            .query_row([c.entity.as_str(), holder_record.as_str()], |r| r.get(0))
            .optional()?;
        let incoming_first = match (holder_seq, c.seq) {
            (None, _) => true,
            (Some(h), Some(i)) => i < h,
            (Some(_), None) => false,
        };
        if incoming_first {
            let sql = format!("UPDATE {} SET {field} = ?2 WHERE {} = ?1", spec.table(), spec.key);
            conn.execute(&sql, params![holder, disambiguate(value, &holder_record)])?;
        }
    }
    Ok(())
}

fn apply_one(conn: &Connection, c: &Change, me: Uuid, now_ms: i64) -> Result<bool> {
    let spec = spec(c.entity);
    let key = key_of(&c.record)?;
    // Fields this build does not know (a newer schema's) are left out, not refused.
    let known: Vec<(&str, &Value, Col)> =
        c.fields.iter().filter_map(|(f, v)| spec.col(f).map(|col| (f.as_str(), v, col))).collect();
    let Some(current) = read_fields(conn, spec, &key)? else {
        insert_row(conn, spec, &key, &known)?;
        if !c.entity.is_append_only() {
            save_versions(conn, c.entity, &c.record, &Versions::from([(DEFAULT_VERSION.to_owned(), c.version)]))?;
        }
        after_write(conn, c.entity, &key)?;
        return Ok(true);
    };
    if c.entity.is_append_only() {
        return Ok(false);
    }
    let mut versions = load_versions(conn, c.entity, &c.record)?;
    let mut winners: Vec<(&str, &Value, Col)> = Vec::new();
    let unversioned = Version { hlc: 0, site: Uuid::nil() };
    for (field, value, col) in known {
        let cur_version = version_of(&versions, field).unwrap_or(unversioned);
        if cur_version == c.version {
            continue;
        }
        let cur_value = current.get(field).unwrap_or(&Value::Null);
        let incoming = FieldState { value, version: c.version };
        if !wins(c.entity, field, incoming, FieldState { value: cur_value, version: cur_version }) {
            continue;
        }
        if !c.replay
            && cur_version.site == me
            && conflict_matters(c.entity, field)
            && concurrent(&c.version, c.base.get(field), &cur_version)
        {
            add_conflict(
                conn,
                &NewConflict {
                    kind: ConflictKind::LostEdit,
                    change: c,
                    field: Some(field),
                    mine: Some(cur_value),
                    theirs: Some(value),
                    loser: cur_version,
                    detail: "another desk changed this at the same time; theirs was kept",
                    at_ms: now_ms,
                },
            )?;
        }
        versions.insert(field.to_owned(), c.version);
        if cur_value != value {
            winners.push((field, value, col));
        }
    }
    save_versions(conn, c.entity, &c.record, &versions)?;
    if winners.is_empty() {
        return Ok(false);
    }
    let sets = winners.iter().enumerate().map(|(i, (f, _, _))| format!("{f} = ?{}", i + 2)).collect::<Vec<_>>();
    let sql = format!("UPDATE {} SET {} WHERE {} = ?1", spec.table(), sets.join(", "), spec.key);
    let mut values = vec![key.clone()];
    for (_, v, col) in &winners {
        values.push(to_sql(v, *col)?);
    }
    conn.prepare_cached(&sql)?.execute(params_from_iter(values))?;
    after_write(conn, c.entity, &key)?;
    Ok(true)
}

fn insert_row(conn: &Connection, spec: &Spec, key: &Sql, fields: &[(&str, &Value, Col)]) -> Result<()> {
    let mut names = vec![spec.key];
    let mut values = vec![key.clone()];
    for (f, v, col) in fields {
        names.push(f);
        values.push(to_sql(v, *col)?);
    }
    let marks = (1..=names.len()).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ");
    let sql = format!("INSERT INTO {} ({}) VALUES ({marks})", spec.table(), names.join(", "));
    match conn.prepare_cached(&sql)?.execute(params_from_iter(values.iter())) {
        Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation) => {
            // Another record here holds the login or record number: take the name head office
            // gives the later one (it sends that rename to every replica).
            let Some(pos) = names.iter().position(|n| is_unique_field(spec.entity, n)) else { return Err(e.into()) };
            let Sql::Text(taken) = &values[pos] else { return Err(e.into()) };
            let record = match key {
                Sql::Blob(b) => hex::encode(b),
                _ => String::new(),
            };
            values[pos] = Sql::Text(disambiguate(taken, &record));
            conn.prepare_cached(&sql)?.execute(params_from_iter(values))?;
            Ok(())
        }
        other => other.map(drop).map_err(Into::into),
    }
}

/// Keeps derived local state (the search index) in step with an applied patient.
fn after_write(conn: &Connection, entity: Entity, key: &Sql) -> Result<()> {
    if entity != Entity::Patient {
        return Ok(());
    }
    let Sql::Blob(b) = key else { return Ok(()) };
    let id = PatientId::from_bytes(<[u8; 16]>::try_from(b.as_slice()).map_err(|_| StoreError::Decode("change"))?);
    match records::get_patient(conn, id)? {
        Some(p) => search::index_patient(conn, &p),
        None => search::unindex_patient(conn, id),
    }
}

/// The position in head office's log up to which this device has applied changes.
pub fn cursor(conn: &Connection) -> Result<i64> {
    Ok(meta::get(conn, "sync_cursor")?.and_then(|v| v.parse().ok()).unwrap_or(0))
}

/// Conflicts, newest first; open ones only unless `all`.
pub fn conflicts(conn: &Connection, all: bool) -> Result<Vec<Conflict>> {
    let mut stmt = conn.prepare(
        "SELECT id, kind, entity, record, field, mine, theirs, detail, at, resolved_at FROM sync_conflict
         WHERE ?1 OR resolved_at IS NULL ORDER BY id DESC",
    )?;
    let parse = |t: Option<String>| t.and_then(|t| serde_json::from_str::<Value>(&t).ok());
    let rows = stmt.query_map([all], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, Option<String>>(4)?,
            r.get::<_, Option<String>>(5)?,
            r.get::<_, Option<String>>(6)?,
            r.get::<_, String>(7)?,
            r.get::<_, i64>(8)?,
            r.get::<_, Option<i64>>(9)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, kind, entity, record, field, mine, theirs, detail, at, resolved) = row?;
        out.push(Conflict {
            id,
            kind: kind.parse().map_err(|_| StoreError::Decode("conflict"))?,
            entity: entity.parse().map_err(|_| StoreError::Decode("conflict"))?,
            record,
            field,
            mine: parse(mine),
            theirs: parse(theirs),
            detail,
            at: from_ms(at),
            resolved_at: resolved.map(from_ms),
        });
    }
    Ok(out)
}

pub fn open_conflicts(conn: &Connection) -> Result<u64> {
    let n: i64 = conn.query_row("SELECT count(*) FROM sync_conflict WHERE resolved_at IS NULL", [], |r| r.get(0))?;
    Ok(n.unsigned_abs())
}

/// Marks a conflict resolved; with `reapply`, first writes this device's lost value again as a
/// new edit (which then syncs like any other). Returns false if there is no open conflict `id`.
pub fn resolve_conflict(conn: &Connection, id: i64, reapply: bool, now_ms: i64) -> Result<bool> {
    let Some(c) = conflicts(conn, false)?.into_iter().find(|c| c.id == id) else { return Ok(false) };
    if reapply && c.kind == ConflictKind::LostEdit {
        let spec = spec(c.entity);
        if let (Some(field), Some(mine)) = (c.field.as_deref(), c.mine.as_ref())
            && let Some(col) = spec.col(field)
        {
            let key = key_of(&c.record)?;
            let sql = format!("UPDATE {} SET {field} = ?2 WHERE {} = ?1", spec.table(), spec.key);
            conn.execute(&sql, params![key, to_sql(mine, col)?])?;
            after_write(conn, c.entity, &key)?;
        }
    }
    conn.execute("UPDATE sync_conflict SET resolved_at = ?2 WHERE id = ?1", params![id, now_ms])?;
    Ok(true)
}

/// All replicated data as canonical JSON: entity → record → field → value, every map sorted,
/// local-only columns left out. Two replicas that hold the same data print the same bytes.
pub fn dump(conn: &Connection) -> Result<Value> {
    let mut out = serde_json::Map::new();
    for spec in SPECS.iter().filter(|s| s.entity.is_pulled()) {
        let cols = spec.cols.iter().map(|(c, _)| *c).collect::<Vec<_>>().join(", ");
        let sql = format!("SELECT {}, {cols} FROM {}", spec.key, spec.table());
        let mut stmt = conn.prepare(&sql)?;
        let mut rows = stmt.query([])?;
        let mut records = serde_json::Map::new();
        while let Some(row) = rows.next()? {
            let key = to_json(row.get_ref(0)?, Col::Id);
            let mut fields = serde_json::Map::new();
            for (i, (name, col)) in spec.cols.iter().enumerate() {
                fields.insert((*name).to_owned(), to_json(row.get_ref(i + 1)?, *col));
            }
            records.insert(key.as_str().unwrap_or_default().to_owned(), Value::Object(fields));
        }
        out.insert(spec.entity.as_str().to_owned(), Value::Object(records));
    }
    Ok(rapport_model::sync::canonical(Value::Object(out)))
}
