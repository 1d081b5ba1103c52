//! The device's side of replication, in SQL: turning local writes into changes (the outbox),
//! applying pulled changes field by field, the conflict log, and the canonical dump.
//!
//! **Invariant:** every committed write to a replicated column becomes a change. Triggers
//! (migration 0005) note each write in `sync_dirty`; [`seal`] runs at the end of every
//! [`crate::Store::write`] transaction and turns the notes into one change per record, stamped
//! with the next hybrid-logical-clock reading and the versions the fields had before.
//! [`apply_page`] writes pulled changes with the notes cleared, so they are not sent back.

use std::collections::{BTreeMap, HashSet};

use rapport_model::PatientId;
use rapport_model::schema::{self, Kind, MAX_CHANGE_BYTES};
use rapport_model::sync::{
    Ack, Change, Conflict, ConflictKind, Entity, FieldState, Hlc, LogMark, MAX_CLOCK_AHEAD_MS, MAX_SEEN_AHEAD_MS,
    SCHEMA_VERSION, Version, concurrent, conflict_matters, disambiguate, hlc_from_ms, hlc_tick, is_unique_field, wins,
};
use rusqlite::types::Value as Sql;
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;
use uuid::Uuid;

use crate::{Result, StoreError, from_ms, meta, records, search};

mod table;
use table::{Col, Table, col_of, key_of, record_text, table, tables, to_json};

/// Where this device's place in replication lives in `meta`.
mod keys {
    /// The site id every change of this device is stamped with.
    pub const SITE: &str = "sync_site";
    /// The hybrid logical clock's last reading.
    pub const HLC: &str = "sync_hlc";
    /// The newest clock reading seen from head office or a pulled change.
    pub const HLC_SEEN: &str = "sync_hlc_seen";
    /// The position in head office's log up to which changes are applied.
    pub const CURSOR: &str = "sync_cursor";
    /// The newest log position seen, with the change there ([`super::LogMark`]).
    pub const MARK: &str = "sync_mark";
    /// Set once the device replicates (from its enrollment on): until then its writes are
    /// checked but leave no changes behind.
    pub const REPLICATING: &str = "sync_replicating";
    /// The change format this device last pulled with.
    pub const PULL_SCHEMA: &str = "sync_pull_schema";
    /// Set when the database was put back from a backup while the device replicates: it takes
    /// back its own audit rows from head office and syncs before anyone works on it.
    pub const CATCH_UP: &str = "sync_catch_up";
}

/// A device that now reads record kinds it did not when it pulled last (a newer Rapport) pulls
/// the log from the start once: head office left those records out of its pages before.
/// Applying what it holds already changes nothing. Returns whether it starts over.
pub fn pull_with_schema(conn: &Connection, schema: u32) -> Result<bool> {
    let read = meta::get(conn, keys::PULL_SCHEMA)?.and_then(|v| v.parse::<u32>().ok()).unwrap_or(1);
    if read >= schema {
        return Ok(false);
    }
    let again = cursor(conn)? > 0;
    if again {
        meta::remove(conn, keys::CURSOR)?;
        meta::remove(conn, keys::MARK)?;
    }
    meta::set(conn, keys::PULL_SCHEMA, &schema.to_string())?;
    Ok(again)
}

/// This device's site id, made on first use.
pub fn site(conn: &Connection) -> Result<Uuid> {
    if let Some(s) = meta::get(conn, keys::SITE)?.and_then(|s| s.parse().ok()) {
        return Ok(s);
    }
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).map_err(|_| StoreError::Random)?;
    let site = uuid::Builder::from_random_bytes(b).into_uuid();
    meta::set(conn, keys::SITE, &site.to_string())?;
    Ok(site)
}

/// This device's clock reading: the newest it made or took from head office.
pub fn hlc(conn: &Connection) -> Result<Hlc> {
    Ok(meta::get(conn, keys::HLC)?.and_then(|v| v.parse().ok()).unwrap_or(0))
}

/// The clock reading after every one this device has made or seen (as head office's
/// answers and pulled changes are seen, a device whose clock runs slow still moves forward);
/// a reading more than [`MAX_SEEN_AHEAD_MS`] ahead of the wall clock (`now_ms`) counts as that
/// far ahead only.
pub fn observe_hlc(conn: &Connection, seen: Hlc, now_ms: i64) -> Result<()> {
    let seen = seen.min(hlc_from_ms(now_ms.saturating_add(MAX_SEEN_AHEAD_MS)));
    if seen > hlc(conn)? {
        meta::set(conn, keys::HLC, &seen.to_string())?;
    }
    // The newest reading seen from head office, apart from this desk's own: a floor for
    // `restamp_ahead`.
    let floor: Hlc = meta::get(conn, keys::HLC_SEEN)?.and_then(|v| v.parse().ok()).unwrap_or(0);
    if seen > floor {
        meta::set(conn, keys::HLC_SEEN, &seen.to_string())?;
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

/// The record a change names: the row's UUID, or an audit row's place in its device's chain.
fn record_name(site: Uuid, t: &Table, key: &Sql) -> String {
    match key {
        Sql::Integer(i) if t.entity() == Entity::Audit => format!("{site}/{i}"),
        _ => record_text(key),
    }
}

fn new_change_id(ms: i64) -> Result<Uuid> {
    let mut random = [0u8; 10];
    getrandom::fill(&mut random).map_err(|_| StoreError::Random)?;
    Ok(uuid::Builder::from_unix_timestamp_millis(u64::try_from(ms).unwrap_or(0), &random).into_uuid())
}

/// Whether [`seal`] holds the written values to head office's rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rules {
    /// A write of today's code: a value head office would refuse fails the write.
    Enforce,
    /// Data written before these rules (sealed once when the database is upgraded): it goes up
    /// as it is, and head office refuses what it must, change by change.
    AsStored,
}

/// (Re)writes the capture triggers of every replicated table from its declaration. Run when a
/// database reaches this build's schema version.
pub(crate) fn install_capture(conn: &Connection) -> Result<()> {
    for t in tables() {
        conn.execute_batch(&table::capture_triggers(t.record))?;
    }
    Ok(())
}

/// Does this device replicate yet (has [`start_replicating`] run)?
pub fn replicating(conn: &Connection) -> Result<bool> {
    Ok(meta::get(conn, keys::REPLICATING)?.is_some())
}

/// From now on every write becomes a change, and the database's present state goes first: one
/// whole-record change per record, parents first, replacing whatever an older version of
/// Rapport kept in the outbox before the device was enrolled (the present holds all of it).
/// Called when the device enrolls; does nothing if it replicates already. Returns how many
/// changes are waiting.
pub fn start_replicating(conn: &Connection, wall_ms: i64) -> Result<u64> {
    if !replicating(conn)? {
        conn.execute_batch("DELETE FROM sync_outbox; DELETE FROM sync_version; DELETE FROM sync_dirty;")?;
        for t in tables().iter().filter(|t| t.record.written_by_desks()) {
            let (name, key) = (t.entity().as_str(), t.record.key);
            conn.execute(&format!("INSERT INTO sync_dirty SELECT '{name}', {key}, '*' FROM {name}"), [])?;
        }
        meta::set(conn, keys::REPLICATING, "1")?;
        // Written by this device's own code before: it goes up as it is, and head office
        // refuses what it must, change by change.
        seal(conn, wall_ms, Rules::AsStored)?;
    }
    pending(conn)
}

/// Turns the transaction's write notes into changes in the outbox, once the device replicates
/// (before, the notes are only checked and dropped). Called by [`crate::Store::write`] before
/// every commit; cheap when nothing replicated was written. Returns whether changes were made.
pub fn seal(conn: &Connection, wall_ms: i64, rules: Rules) -> Result<bool> {
    let mut notes: Vec<(String, Sql, String)> = {
        let mut stmt = conn.prepare_cached("SELECT entity, record, field FROM sync_dirty")?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<rusqlite::Result<_>>()?
    };
    if notes.is_empty() {
        return Ok(false);
    }
    let replicating = replicating(conn)?;
    // Parents before children (a pointer's patient before the pointer), then oldest first.
    let order = |e: &str| schema::RECORDS.iter().position(|r| r.entity.as_str() == e).unwrap_or(usize::MAX);
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
        if !schema::record(entity).written_by_desks() {
            // Received from head office only; a write of the desk's own is a bug, said loudly.
            return Err(StoreError::Invalid(format!("only head office writes a {}", entity.as_str())));
        }
        let t = table(entity);
        if let Some(row) = t.read(conn, key)? {
            let whole = fields.contains(&"*");
            let chosen: BTreeMap<String, Value> =
                row.into_iter().filter(|(name, _)| whole || fields.contains(&name.as_str())).collect();
            // The rules head office applies, checked before the write commits: a value it would
            // refuse fails the write here, with the field named.
            if rules == Rules::Enforce {
                schema::check_fields(entity, &chosen, whole).map_err(|e| StoreError::Invalid(e.message))?;
            }
            if !replicating {
                i = j;
                continue;
            }
            let record = record_name(site, t, key);
            let mut versions =
                if entity.is_append_only() { Versions::new() } else { load_versions(conn, entity, &record)? };
            let base: BTreeMap<String, Version> =
                chosen.keys().filter_map(|f| version_of(&versions, f).map(|v| (f.clone(), v))).collect();
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
                version,
                fields: chosen,
                versions: BTreeMap::new(),
                base,
                schema: SCHEMA_VERSION,
                replay: false,
                seq: None,
            };
            let text = serde_json::to_string(&change).map_err(|_| StoreError::Decode("change"))?;
            if text.len() > MAX_CHANGE_BYTES {
                return Err(StoreError::Invalid(format!(
                    "this {} is too large to send to head office (at most {} KiB)",
                    entity.as_str(),
                    MAX_CHANGE_BYTES >> 10
                )));
            }
            conn.prepare_cached("INSERT INTO sync_outbox (change_id, change) VALUES (?1, ?2)")?
                .execute(params![change.id.to_string(), text])?;
        }
        i = j;
    }
    conn.execute("DELETE FROM sync_dirty", [])?;
    if !replicating {
        return Ok(false);
    }
    meta::set(conn, keys::HLC, &version.hlc.to_string())?;
    Ok(true)
}

fn sql_cmp(a: &Sql, b: &Sql) -> std::cmp::Ordering {
    match (a, b) {
        (Sql::Integer(x), Sql::Integer(y)) => x.cmp(y),
        (Sql::Blob(x), Sql::Blob(y)) => x.cmp(y),
        _ => std::cmp::Ordering::Equal,
    }
}

/// The oldest changes head office has not acknowledged: at most `limit` of them and, past the
/// first, at most `max_bytes` of them serialized (a push always fits head office's body limit).
pub fn outbox(conn: &Connection, limit: usize, max_bytes: usize) -> Result<Vec<Change>> {
    let mut stmt = conn.prepare_cached("SELECT change FROM sync_outbox ORDER BY seq LIMIT ?1")?;
    let mut rows = stmt.query([i64::try_from(limit).unwrap_or(i64::MAX)])?;
    let (mut out, mut bytes) = (Vec::new(), 0);
    while let Some(row) = rows.next()? {
        let text: String = row.get(0)?;
        bytes += text.len() + 1;
        if !out.is_empty() && bytes > max_bytes {
            break;
        }
        out.push(serde_json::from_str(&text).map_err(|_| StoreError::Decode("change"))?);
    }
    Ok(out)
}

/// A write made while this desk's clock ran far ahead stamped its change (and the desk's
/// logical clock) in the future, and head office refuses such changes. Given head office's
/// clock (`office_ms`, from that refusal), this re-stamps the waiting changes that are ahead of
/// it with readings of head office's present (the fields they set move with them) and brings
/// the logical clock back, never below a reading this desk has seen from head office. Returns
/// how many were re-stamped.
pub fn restamp_ahead(conn: &Connection, office_ms: i64) -> Result<usize> {
    let limit = hlc_from_ms(office_ms + MAX_CLOCK_AHEAD_MS / 2);
    if hlc(conn)? <= limit {
        return Ok(0);
    }
    let seen: Hlc = meta::get(conn, keys::HLC_SEEN)?.and_then(|v| v.parse().ok()).unwrap_or(0);
    let waiting: Vec<(i64, Change)> = {
        let mut stmt = conn.prepare("SELECT seq, change FROM sync_outbox ORDER BY seq")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
        rows.map(|row| {
            let (seq, text) = row?;
            Ok((seq, serde_json::from_str(&text).map_err(|_| StoreError::Decode("change"))?))
        })
        .collect::<Result<_>>()?
    };
    // The new readings follow head office's present, every reading seen from it, and every
    // waiting change that was not ahead, so no field's version goes back.
    let in_time = waiting.iter().map(|(_, c)| c.version.hlc).filter(|h| *h <= limit).max().unwrap_or(0);
    let mut clock = hlc_from_ms(office_ms).max(seen.min(limit)).max(in_time);
    let mut moved: BTreeMap<Version, Version> = BTreeMap::new();
    for (seq, mut c) in waiting {
        for v in c.base.values_mut() {
            if let Some(new) = moved.get(v) {
                *v = *new;
            }
        }
        if c.version.hlc > limit {
            let old = c.version;
            clock = hlc_tick(clock, office_ms);
            c.version.hlc = clock;
            moved.insert(old, c.version);
            if !c.entity.is_append_only() {
                let mut versions = load_versions(conn, c.entity, &c.record)?;
                for v in versions.values_mut().filter(|v| **v == old) {
                    *v = c.version;
                }
                save_versions(conn, c.entity, &c.record, &versions)?;
            }
        }
        let text = serde_json::to_string(&c).map_err(|_| StoreError::Decode("change"))?;
        conn.prepare_cached("UPDATE sync_outbox SET change = ?2 WHERE seq = ?1")?.execute(params![seq, text])?;
    }
    meta::set(conn, keys::HLC, &clock.to_string())?;
    Ok(moved.len())
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
        if let Some(refusal) = &ack.refused {
            add_conflict(
                conn,
                &NewConflict {
                    kind: ConflictKind::Refused,
                    change,
                    field: None,
                    mine: None,
                    theirs: None,
                    loser: change.version,
                    detail: &format!("head office refused this change: {}", refusal.message),
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
        if ack.refused.is_none() && ack.seq > 0 {
            note_mark(conn, LogMark { seq: ack.seq, change: ack.change })?;
            if change.fields.keys().any(|f| is_unique_field(change.entity, f)) {
                note_log_position(conn, change.entity, &change.record, ack.seq)?;
            }
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
/// transaction; the newest change applied becomes the device's log mark. Safe to apply the
/// same page twice. Returns how many changes altered a field or added a record (the others
/// were here already or lost to what is here).
///
/// A change this device cannot apply (a value its rules refuse, a constraint it breaks) is
/// quarantined: kept in the conflict log, not applied, and the page goes on, so one bad change
/// never stops a desk from syncing. Each change is applied in its own savepoint; the search
/// entries of the patients the page wrote are brought up to date once, after them (the
/// full-text index writes out what it holds at every savepoint, so indexing inside them would
/// cost a segment per patient).
pub fn apply_page(conn: &Connection, changes: &[Change], cursor: Option<i64>, now_ms: i64) -> Result<usize> {
    let me = site(conn)?;
    let mut changed = 0;
    let mut newest = 0;
    let mut stale_patients = Vec::new();
    let mut written = Vec::new();
    for c in changes {
        newest = newest.max(c.version.hlc);
        if !c.entity.is_pulled() {
            continue;
        }
        conn.prepare_cached("SAVEPOINT pulled_change")?.execute([])?;
        written.clear();
        match apply_change(conn, c, me, now_ms, &mut written) {
            Ok(applied) => {
                conn.prepare_cached("RELEASE pulled_change")?.execute([])?;
                changed += usize::from(applied);
                if c.entity == Entity::Patient {
                    stale_patients.append(&mut written);
                }
            }
            Err(e @ (StoreError::Integrity | StoreError::Io(_) | StoreError::Random)) => return Err(e),
            Err(e) => {
                conn.prepare_cached("ROLLBACK TO pulled_change")?.execute([])?;
                conn.prepare_cached("RELEASE pulled_change")?.execute([])?;
                quarantine(conn, c, &e.to_string(), now_ms)?;
            }
        }
    }
    // The triggers noted every applied write; those are not this device's to send.
    conn.prepare_cached("DELETE FROM sync_dirty")?.execute([])?;
    observe_hlc(conn, newest, now_ms)?;
    // Whatever was applied, this device has now seen the log up to there.
    if let Some((seq, change)) = changes.iter().filter_map(|c| c.seq.map(|s| (s, c.id))).max_by_key(|(s, _)| *s) {
        note_mark(conn, LogMark { seq, change })?;
    }
    if let Some(cursor) = cursor {
        meta::set(conn, keys::CURSOR, &cursor.to_string())?;
    }
    reindex_patients(conn, &stale_patients)?;
    Ok(changed)
}

/// Brings the search entries of these patients (each once) in step with the stored patients.
/// Last in the transaction: see [`search::index_patients`].
fn reindex_patients(conn: &Connection, keys: &[Sql]) -> Result<()> {
    let mut seen = HashSet::new();
    let mut stored = Vec::new();
    for key in keys {
        let id = patient_of(key)?;
        if !seen.insert(id) {
            continue;
        }
        match records::get_patient(conn, id)? {
            Some(p) => stored.push(p),
            None => search::unindex_patient(conn, id)?,
        }
    }
    search::index_patients(conn, &stored)
}

/// Applies one pulled change; `written` gets the key of every row it wrote.
fn apply_change(conn: &Connection, c: &Change, me: Uuid, now_ms: i64, written: &mut Vec<Sql>) -> Result<bool> {
    make_room(conn, c, written)?;
    let applied = apply_one(conn, c, me, now_ms, written)?;
    if let Some(seq) = c.seq.filter(|_| c.fields.keys().any(|f| is_unique_field(c.entity, f))) {
        note_log_position(conn, c.entity, &c.record, seq)?;
    }
    Ok(applied)
}

/// Keeps a pulled change this device could not apply. `reason` names fields and constraints,
/// never values.
fn quarantine(conn: &Connection, c: &Change, reason: &str, now_ms: i64) -> Result<()> {
    let kept = serde_json::to_value(c).map_err(|_| StoreError::Decode("change"))?;
    add_conflict(
        conn,
        &NewConflict {
            kind: ConflictKind::Quarantined,
            change: c,
            field: None,
            mine: None,
            theirs: Some(&kept),
            loser: c.version,
            detail: &format!("a change from head office could not be applied here: {reason}"),
            at_ms: now_ms,
        },
    )
}

/// A pulled change sets a login or record number that a record of this device holds: if this
/// device's record reached head office later (or not yet), head office renames it, so it is
/// renamed here the same way now; otherwise the incoming one will be renamed (see
/// [`Table::insert`]).
fn make_room(conn: &Connection, c: &Change, written: &mut Vec<Sql>) -> Result<()> {
    let t = table(c.entity);
    let key = key_of(&c.record)?;
    for (field, value) in c.fields.iter().filter(|(f, _)| is_unique_field(c.entity, f)) {
        let Some(value) = value.as_str() else { continue };
        let Some(holder) = t.holder(conn, field, value, &key)? else { continue };
        let holder_record = record_text(&holder);
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
            t.set(conn, &holder, field, &Value::from(disambiguate(value, &holder_record)))?;
            written.push(holder);
        }
    }
    Ok(())
}

fn apply_one(conn: &Connection, c: &Change, me: Uuid, now_ms: i64, written: &mut Vec<Sql>) -> Result<bool> {
    let t = table(c.entity);
    let key = key_of(&c.record)?;
    // Fields this build does not know (a newer schema's) are left out, not refused.
    let known: BTreeMap<String, Value> =
        c.fields.iter().filter(|(f, _)| t.col(f).is_some()).map(|(f, v)| (f.clone(), v.clone())).collect();
    let Some(current) = t.read(conn, &key)? else {
        // A record this desk does not hold yet arrives whole (the change that made it, or head
        // office's full-state take-on change) or not at all: an edit of it, or a pointer of a
        // patient not here yet, comes from the time before this clinic took the patient on,
        // and the take-on change later in the log carries it. Never insert part of a record.
        let whole = t.record.fields.iter().all(|f| !f.in_every_new_record() || known.contains_key(f.name));
        if !whole || parent_missing(conn, c.entity, &known)? {
            return Ok(false);
        }
        schema::check_fields(c.entity, &known, true).map_err(|e| StoreError::Invalid(e.message))?;
        t.insert(conn, &key, &known)?;
        if !c.entity.is_append_only() {
            let mut versions = c.versions.clone();
            versions.insert(DEFAULT_VERSION.to_owned(), c.version);
            save_versions(conn, c.entity, &c.record, &versions)?;
        }
        written.push(key);
        return Ok(true);
    };
    if c.entity.is_append_only() {
        return Ok(false);
    }
    schema::check_fields(c.entity, &known, false).map_err(|e| StoreError::Invalid(e.message))?;
    let mut versions = load_versions(conn, c.entity, &c.record)?;
    let mut winners: Vec<(&str, &Value)> = Vec::new();
    let unversioned = Version { hlc: 0, site: Uuid::nil() };
    for (field, value) in &known {
        let incoming_version = c.version_of(field);
        let cur_version = version_of(&versions, field).unwrap_or(unversioned);
        if cur_version == incoming_version {
            continue;
        }
        let cur_value = current.get(field).unwrap_or(&Value::Null);
        let incoming = FieldState { value, version: incoming_version };
        if !wins(c.entity, field, incoming, FieldState { value: cur_value, version: cur_version }) {
            continue;
        }
        if !c.replay
            && cur_version.site == me
            && conflict_matters(c.entity, field)
            && concurrent(&incoming_version, c.base.get(field), &cur_version)
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
        versions.insert(field.clone(), incoming_version);
        if cur_value != value {
            winners.push((field, value));
        }
    }
    save_versions(conn, c.entity, &c.record, &versions)?;
    if winners.is_empty() {
        return Ok(false);
    }
    for (field, value) in winners {
        t.set(conn, &key, field, value)?;
    }
    written.push(key);
    Ok(true)
}

/// Is the patient of a new pointer, the pointer of a new mark, or a patient of a new merge
/// missing here?
fn parent_missing(conn: &Connection, entity: Entity, fields: &BTreeMap<String, Value>) -> Result<bool> {
    let parents: &[(Entity, &str)] = match entity {
        Entity::Pointer => &[(Entity::Patient, "patient_id")],
        Entity::PointerMark => &[(Entity::Pointer, "pointer_id")],
        // A merge names two patients; a clinic that just took one on may pull the merge's own
        // change before the full state of the other (the take-on sends it again after both).
        Entity::PatientMerge => &[(Entity::Patient, "patient_id"), (Entity::Patient, "keep")],
        _ => return Ok(false),
    };
    for (parent, field) in parents {
        let Some(id) = fields.get(*field).and_then(Value::as_str) else { continue };
        if !table(*parent).exists(conn, &key_of(id)?)? {
            return Ok(true);
        }
    }
    Ok(false)
}

fn patient_of(key: &Sql) -> Result<PatientId> {
    let Sql::Blob(b) = key else { return Err(StoreError::Decode("change")) };
    Ok(PatientId::from_bytes(<[u8; 16]>::try_from(b.as_slice()).map_err(|_| StoreError::Decode("change"))?))
}

/// The newest place in head office's log this device knows (sent with every push and pull).
pub fn mark(conn: &Connection) -> Result<Option<LogMark>> {
    Ok(meta::get(conn, keys::MARK)?.and_then(|m| serde_json::from_str(&m).ok()))
}

/// Keeps `seen` as the mark if it is newer than the one kept.
pub fn note_mark(conn: &Connection, seen: LogMark) -> Result<()> {
    if mark(conn)?.is_some_and(|m| m.seq >= seen.seq) {
        return Ok(());
    }
    let text = serde_json::to_string(&seen).map_err(|_| StoreError::Decode("log mark"))?;
    meta::set(conn, keys::MARK, &text)
}

/// Head office was restored from an older copy of its data: what it acknowledged since may be
/// gone, and its log positions name other changes now. Puts every record this device holds
/// (each field with its own version, as `replay` history; a colleague of another clinic is
/// theirs to send) and its whole audit chain in front of the outbox, and forgets where it stood
/// in the old log, so the next sync sends them and pulls everything anew (head office's own
/// records, which no desk sends, are dropped and pulled again). Head office keeps
/// what it has where it is newer and logs nothing it held already; a patient this clinic took
/// on after the copy is taken on again. Returns how many records go again.
pub fn rewind(conn: &Connection, wall_ms: i64) -> Result<usize> {
    let me = site(conn)?;
    let version = Version { hlc: hlc_tick(hlc(conn)?, wall_ms), site: me };
    // Written downwards from just before the outbox's first change, last record first, so
    // that they go in declaration order (parents first) without being held in memory.
    let top: i64 = conn.query_row("SELECT coalesce(min(seq), 1) - 1 FROM sync_outbox", [], |r| r.get(0))?;
    let mut next = top;
    let mut insert = conn.prepare("INSERT INTO sync_outbox (seq, change_id, change) VALUES (?1, ?2, ?3)")?;
    let mut send_again = |t: &Table, record: String, key: &Sql, stored: &Versions| -> Result<()> {
        let Some(fields) = t.read(conn, key)? else { return Ok(()) };
        // A colleague of another clinic is held here without a password hash: theirs to send.
        if t.record.fields.iter().any(|f| f.kind == Kind::PasswordHash && fields.get(f.name).is_some_and(|h| h == "")) {
            return Ok(());
        }
        let versions = fields.keys().filter_map(|f| version_of(stored, f).map(|v| (f.clone(), v))).collect();
        let change = Change {
            id: new_change_id(wall_ms)?,
            entity: t.entity(),
            record,
            version,
            fields,
            versions,
            base: BTreeMap::new(),
            schema: SCHEMA_VERSION,
            replay: true,
            seq: None,
        };
        let text = serde_json::to_string(&change).map_err(|_| StoreError::Decode("change"))?;
        insert.execute(params![next, change.id.to_string(), text])?;
        next -= 1;
        Ok(())
    };
    for t in tables().iter().rev().filter(|t| t.record.written_by_desks()) {
        if t.entity().is_append_only() {
            // Marks and audit rows carry no versions; every one goes (head office keeps each once).
            let mut stmt = conn.prepare(&t.keys_desc)?;
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                let key: Sql = row.get(0)?;
                send_again(t, record_name(me, t, &key), &key, &Versions::new())?;
            }
        } else {
            let mut stmt =
                conn.prepare("SELECT record, versions FROM sync_version WHERE entity = ?1 ORDER BY record DESC")?;
            let mut rows = stmt.query([t.entity().as_str()])?;
            while let Some(row) = rows.next()? {
                let name: String = row.get(0)?;
                let stored: Versions =
                    serde_json::from_str(&row.get::<_, String>(1)?).map_err(|_| StoreError::Decode("sync versions"))?;
                send_again(t, name.clone(), &key_of(&name)?, &stored)?;
            }
        }
    }
    // Head office's own records are its word alone: what it lost with the restore is gone, and
    // what it holds comes again with the pull from the start.
    for t in tables().iter().filter(|t| !t.record.written_by_desks()) {
        let name = t.entity().as_str();
        conn.execute(&format!("DELETE FROM {name}"), [])?;
        conn.execute("DELETE FROM sync_version WHERE entity = ?1", [name])?;
    }
    conn.execute("DELETE FROM sync_acked", [])?;
    meta::remove(conn, keys::CURSOR)?;
    meta::remove(conn, keys::MARK)?;
    meta::set(conn, keys::HLC, &version.hlc.to_string())?;
    Ok(usize::try_from(top - next).unwrap_or(0))
}

/// This database was just put back from a backup. A replicating device wrote on after the
/// backup was taken and head office holds what it sent: until it has taken back its own audit
/// rows ([`recover_chain`]) and synced ([`caught_up`]), a new audit row or record number here
/// would reuse a number head office already holds from it. A device that never enrolled has
/// nothing to catch up with.
pub fn mark_restored(conn: &Connection) -> Result<bool> {
    let replicating = replicating(conn)?;
    if replicating {
        meta::set(conn, keys::CATCH_UP, "1")?;
    }
    Ok(replicating)
}

/// Whether this device must catch up with head office before anyone works on it.
pub fn must_catch_up(conn: &Connection) -> Result<bool> {
    Ok(meta::get(conn, keys::CATCH_UP)?.is_some())
}

/// How many rows this device's audit chain holds: the place to ask head office for more from.
pub fn chain_length(conn: &Connection) -> Result<i64> {
    Ok(meta::get(conn, "audit_count")?.and_then(|v| v.parse().ok()).unwrap_or(0))
}

/// Writes back rows of this device's own audit chain that head office holds and this database
/// lacks, in order. Each must be the next of the chain; the chain must verify afterwards, so
/// rows that do not continue it (a head office that sends something else) change nothing.
/// They are not sent again. Returns how many were written.
pub fn recover_chain(conn: &Connection, rows: &[Change]) -> Result<usize> {
    let prefix = format!("{}/", site(conn)?);
    let t = table(Entity::Audit);
    for c in rows {
        let seq = c.record.strip_prefix(&prefix).and_then(|n| n.parse::<i64>().ok());
        let next = chain_length(conn)? + 1;
        if c.entity != Entity::Audit || seq != Some(next) {
            return Err(StoreError::Invalid(format!(
                "head office sent back audit rows that do not continue this desk's chain at entry {next}"
            )));
        }
        t.insert(conn, &Sql::Integer(next), &c.fields)?;
        meta::set(conn, "audit_count", &next.to_string())?;
    }
    // Head office holds them: the capture triggers' notes are not this device's to send.
    conn.prepare_cached("DELETE FROM sync_dirty")?.execute([])?;
    if let crate::audit::Verification::Broken { seq, reason } = crate::audit::verify(conn)? {
        return Err(StoreError::Invalid(format!(
            "the audit rows head office sent back do not fit this desk's chain (entry {seq}: {reason})"
        )));
    }
    Ok(rows.len())
}

/// The device has taken back its chain and synced: its next record number goes past every one
/// it made (head office sent back those made after the backup), and work may start.
pub fn caught_up(conn: &Connection) -> Result<()> {
    records::keep_record_numbers_ahead(conn)?;
    meta::remove(conn, keys::CATCH_UP)
}

/// The position in head office's log up to which this device has applied changes.
pub fn cursor(conn: &Connection) -> Result<i64> {
    Ok(meta::get(conn, keys::CURSOR)?.and_then(|v| v.parse().ok()).unwrap_or(0))
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

/// Open conflicts of one kind (pulled changes this device could not apply, changes head office
/// refused…).
pub fn open_conflicts_of(conn: &Connection, kind: ConflictKind) -> Result<u64> {
    let n: i64 = conn.query_row(
        "SELECT count(*) FROM sync_conflict WHERE resolved_at IS NULL AND kind = ?1",
        [kind.as_str()],
        |r| r.get(0),
    )?;
    Ok(n.unsigned_abs())
}

/// Marks a conflict resolved; with `reapply`, first writes this device's lost value again as a
/// new edit (which then syncs like any other). Returns false if there is no open conflict `id`.
pub fn resolve_conflict(conn: &Connection, id: i64, reapply: bool, now_ms: i64) -> Result<bool> {
    let Some(c) = conflicts(conn, false)?.into_iter().find(|c| c.id == id) else { return Ok(false) };
    if reapply
        && c.kind == ConflictKind::LostEdit
        && let (Some(field), Some(mine)) = (c.field.as_deref(), c.mine.as_ref())
    {
        let key = key_of(&c.record)?;
        table(c.entity).set(conn, &key, field, mine)?;
        if c.entity == Entity::Patient {
            reindex_patients(conn, &[key])?;
        }
    }
    conn.execute("UPDATE sync_conflict SET resolved_at = ?2 WHERE id = ?1", params![id, now_ms])?;
    Ok(true)
}

/// All replicated data as canonical JSON: entity → record → field → value, every map sorted,
/// local-only columns and password hashes left out. Two replicas that hold the same data print
/// the same bytes.
pub fn dump(conn: &Connection) -> Result<Value> {
    let mut out = serde_json::Map::new();
    for t in tables().iter().filter(|t| t.entity().is_pulled()) {
        let mut stmt = conn.prepare(&t.all)?;
        let mut rows = stmt.query([])?;
        let mut records = serde_json::Map::new();
        while let Some(row) = rows.next()? {
            let key = to_json(row.get_ref(0)?, Col::Id);
            let mut fields = serde_json::Map::new();
            for (i, field) in t.record.fields.iter().enumerate() {
                if field.kind != Kind::PasswordHash {
                    fields.insert(field.name.to_owned(), to_json(row.get_ref(i + 1)?, col_of(field.kind)));
                }
            }
            records.insert(key.as_str().unwrap_or_default().to_owned(), Value::Object(fields));
        }
        out.insert(t.entity().as_str().to_owned(), Value::Object(records));
    }
    Ok(rapport_model::sync::canonical(Value::Object(out)))
}
