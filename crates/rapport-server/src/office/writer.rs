//! One writing transaction of head office's, in few statements.
//!
//! A [`Writer`] takes the head-office row first, and with it the lock that orders every writer
//! (so that log order is commit order, across processes too); what it reads stays true until
//! it commits. It reads a push's records, holdings, unique values and audit rows in a few
//! multi-key queries ([`Writer::prefetch`]) and keeps what it reads; it keeps what it writes
//! too, and sends it as multi-row statements when it commits, or before any read that must see
//! it ([`Writer::db`], and every read the prefetch did not cover). A push of hundreds of
//! changes is then tens of statements instead of thousands, which is what a database across a
//! network (PostgreSQL) needs.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use rapport_model::schema::{self, Kind};
use rapport_model::sync::{Change, Entity, SCHEMA_VERSION, Version, is_unique_field};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::state::{ConflictRow, LogRow, State, load_state, load_states};
use super::{Head, OfficeResult, random_uuid, search};
use crate::db::{Db, DbError, Val, exec_in, insert_rows, query_in, rows};

/// A record by kind and id.
type Key = (Entity, String);

/// A unique field's value: its kind, field and value.
type UniqueKey = (Entity, String, String);

pub(super) struct Writer<'a> {
    db: &'a mut dyn Db,
    pub head: Head,
    pub now_ms: i64,
    /// Records as this transaction sees them (`None`: head office has no such record).
    states: HashMap<Key, Option<State>>,
    /// Whether a clinic holds a patient, by (clinic, patient).
    holds: HashMap<(Uuid, Uuid), bool>,
    /// The record holding each unique value (`None`: no record does).
    unique: HashMap<UniqueKey, Option<String>>,
    /// The fields of the audit row first logged under each name (`None`: none was).
    audit_rows: HashMap<String, Option<BTreeMap<String, Value>>>,
    pending: Pending,
}

/// What a writer has written and not yet sent to the database.
#[derive(Default)]
struct Pending {
    /// Records whose state (held in `Writer::states`) is to be stored, in order.
    states: Vec<Key>,
    saved: HashSet<Key>,
    holds: Vec<Vec<Val>>,
    /// (kind, field, record) whose unique value is given up.
    released: Vec<(Entity, String, String)>,
    claimed: Vec<(UniqueKey, String)>,
    /// A patient's search words (`None`: drop them), and whether head office may have stored
    /// some before (not for a patient created by this writer).
    search: BTreeMap<String, (bool, Option<BTreeSet<String>>)>,
    conflicts: Vec<Vec<Val>>,
    log: Vec<Vec<Val>>,
}

impl Pending {
    fn is_empty(&self) -> bool {
        self.states.is_empty()
            && self.holds.is_empty()
            && self.released.is_empty()
            && self.claimed.is_empty()
            && self.search.is_empty()
            && self.conflicts.is_empty()
            && self.log.is_empty()
    }
}

impl<'a> Writer<'a> {
    /// Takes the head-office row (and its lock) for this transaction.
    pub fn begin(db: &'a mut dyn Db, now_ms: i64) -> OfficeResult<Self> {
        let head = Head::load(db)?;
        Ok(Self {
            db,
            head,
            now_ms,
            states: HashMap::new(),
            holds: HashMap::new(),
            unique: HashMap::new(),
            audit_rows: HashMap::new(),
            pending: Pending::default(),
        })
    }

    /// Sends what is written and stores the log counter and clock.
    pub fn commit(mut self) -> OfficeResult<()> {
        self.flush()?;
        self.head.save(self.db)
    }

    /// The database, for a read or write this writer does not keep: what it holds is sent
    /// first, so that the read sees it.
    pub fn db(&mut self) -> OfficeResult<&mut dyn Db> {
        self.flush()?;
        Ok(&mut *self.db)
    }

    /// Reads in a few queries what ingesting `changes` from a device of `clinic` will look at:
    /// each record, each record a change names, whether the clinic holds their patients, the
    /// unique values they claim and the audit rows logged under their names.
    pub fn prefetch(&mut self, clinic: Uuid, changes: &[Change]) -> OfficeResult<()> {
        let mut wanted: BTreeMap<Entity, Vec<Val>> = BTreeMap::new();
        let mut audit = Vec::new();
        let mut unique: BTreeMap<(Entity, &str), Vec<Val>> = BTreeMap::new();
        for c in changes {
            if c.entity == Entity::Audit {
                audit.push(Val::from(c.record.as_str()));
                continue;
            }
            wanted.entry(c.entity).or_default().push(c.record.as_str().into());
            for field in schema::record(c.entity).fields {
                if let Kind::Ref(entity) = field.kind
                    && let Some(id) = c.fields.get(field.name).and_then(Value::as_str)
                {
                    wanted.entry(entity).or_default().push(id.into());
                }
                if is_unique_field(c.entity, field.name)
                    && let Some(value) = c.fields.get(field.name).and_then(Value::as_str)
                {
                    unique.entry((c.entity, field.name)).or_default().push(value.into());
                }
            }
        }
        for (entity, mut ids) in wanted {
            ids.sort_unstable_by(|a, b| a.text().cmp(&b.text()));
            ids.dedup();
            self.read_states(entity, &ids)?;
        }
        let mut patients: Vec<Val> = changes
            .iter()
            .filter_map(|c| match c.entity {
                Entity::Patient => Some(c.record.clone()),
                _ => c.fields.get("patient_id").and_then(Value::as_str).map(str::to_owned),
            })
            .chain(self.states.values().flatten().filter_map(|s| s.patient.map(|p| p.to_string())))
            .map(Val::from)
            .collect();
        patients.sort_unstable_by(|a, b| a.text().cmp(&b.text()));
        patients.dedup();
        self.read_holds(clinic, &patients)?;
        for ((entity, field), values) in unique {
            self.read_unique(entity, field, &values)?;
        }
        if !audit.is_empty() {
            self.read_audit_rows(&audit)?;
        }
        Ok(())
    }

    fn read_states(&mut self, entity: Entity, ids: &[Val]) -> OfficeResult<()> {
        let found = load_states(self.db, entity, ids)?;
        for id in ids.iter().filter_map(Val::text) {
            self.states.entry((entity, id.to_owned())).or_insert(None);
        }
        for (record, state) in found {
            self.states.insert((entity, record), Some(state));
        }
        Ok(())
    }

    fn read_holds(&mut self, clinic: Uuid, patients: &[Val]) -> OfficeResult<()> {
        if patients.is_empty() {
            return Ok(());
        }
        let found = query_in(
            self.db,
            "SELECT patient_id FROM patient_clinic WHERE clinic_id = $1 AND patient_id IN ({keys})",
            &[clinic.to_string().into()],
            patients,
        )?;
        for p in patients.iter().filter_map(Val::text).filter_map(|p| p.parse().ok()) {
            self.holds.entry((clinic, p)).or_insert(false);
        }
        for mut row in rows(found, "holding") {
            self.holds.insert((clinic, row.uuid()?), true);
        }
        Ok(())
    }

    fn read_unique(&mut self, entity: Entity, field: &str, values: &[Val]) -> OfficeResult<()> {
        let found = query_in(
            self.db,
            "SELECT value, record FROM unique_value WHERE entity = $1 AND field = $2 AND value IN ({keys})",
            &[entity.as_str().into(), field.into()],
            values,
        )?;
        for v in values.iter().filter_map(Val::text) {
            self.unique.entry((entity, field.to_owned(), v.to_owned())).or_insert(None);
        }
        for mut row in rows(found, "unique value") {
            let value = row.text()?;
            self.unique.insert((entity, field.to_owned(), value), Some(row.text()?));
        }
        Ok(())
    }

    fn read_audit_rows(&mut self, records: &[Val]) -> OfficeResult<()> {
        let found = query_in(
            self.db,
            "SELECT record, body FROM change_log WHERE entity = 'audit' AND record IN ({keys}) ORDER BY seq",
            &[],
            records,
        )?;
        for r in records.iter().filter_map(Val::text) {
            self.audit_rows.entry(r.to_owned()).or_insert(None);
        }
        for mut row in rows(found, "audit row") {
            let record = row.text()?;
            let fields = row.json::<Change>()?.fields;
            // The first row logged under the name is the one that counts.
            let first = self.audit_rows.entry(record).or_insert(None);
            if first.is_none() {
                *first = Some(fields);
            }
        }
        Ok(())
    }

    /// The record as this transaction sees it.
    pub fn load(&mut self, entity: Entity, record: &str) -> OfficeResult<Option<State>> {
        let key = (entity, record.to_owned());
        if let Some(state) = self.states.get(&key) {
            return Ok(state.clone());
        }
        self.flush()?;
        let state = load_state(self.db, entity, record)?;
        self.states.insert(key, state.clone());
        Ok(state)
    }

    /// Does head office hold this record?
    pub fn exists(&mut self, entity: Entity, record: &str) -> OfficeResult<bool> {
        let key = (entity, record.to_owned());
        if let Some(state) = self.states.get(&key) {
            return Ok(state.is_some());
        }
        Ok(self.load(entity, record)?.is_some())
    }

    /// Stores the record's state (once, however often it is saved before the writer sends).
    pub fn save(&mut self, entity: Entity, record: &str, state: &State) {
        let key = (entity, record.to_owned());
        if self.pending.saved.insert(key.clone()) {
            self.pending.states.push(key.clone());
        }
        self.states.insert(key, Some(state.clone()));
    }

    /// Does the clinic hold the patient (may its devices see and change their records)?
    pub fn holds(&mut self, clinic: Uuid, patient: Uuid) -> OfficeResult<bool> {
        if !self.holds.contains_key(&(clinic, patient)) {
            self.flush()?;
            self.read_holds(clinic, &[patient.to_string().into()])?;
        }
        Ok(self.holds.get(&(clinic, patient)).copied().unwrap_or(false))
    }

    /// The clinic holds the patient from now on; `true` if it did not before.
    pub fn hold(&mut self, clinic: Uuid, patient: Uuid) -> OfficeResult<bool> {
        if self.holds(clinic, patient)? {
            return Ok(false);
        }
        self.holds.insert((clinic, patient), true);
        self.pending.holds.push(vec![patient.to_string().into(), clinic.to_string().into()]);
        Ok(true)
    }

    /// The record gives up the unique value it holds in `field`.
    pub fn release_unique(&mut self, entity: Entity, field: &str, record: &str) {
        for holder in self.unique.iter_mut().filter(|(k, _)| k.0 == entity && k.1 == field).map(|(_, r)| r) {
            if holder.as_deref() == Some(record) {
                *holder = None;
            }
        }
        self.pending.claimed.retain(|(k, r)| !(k.0 == entity && k.1 == field && r == record));
        self.pending.released.push((entity, field.to_owned(), record.to_owned()));
    }

    /// The record takes `value` in `field` if no other record holds it; `false` if one does.
    pub fn claim_unique(&mut self, entity: Entity, field: &str, value: &str, record: &str) -> OfficeResult<bool> {
        let key = (entity, field.to_owned(), value.to_owned());
        if !self.unique.contains_key(&key) {
            self.flush()?;
            self.read_unique(entity, field, &[value.into()])?;
        }
        match self.unique.get(&key).cloned().flatten() {
            Some(holder) => Ok(holder == record),
            None => {
                self.unique.insert(key.clone(), Some(record.to_owned()));
                self.pending.claimed.push((key, record.to_owned()));
                Ok(true)
            }
        }
    }

    /// Keeps the patient findable at head office by name, record number and phone (or drops
    /// them from the search once deleted). `creating`: head office had no such patient.
    pub fn index_patient(&mut self, record: &str, state: &State, creating: bool) {
        let deleted = state.fields.get("deleted_at").is_some_and(|v| !v.is_null());
        let words = (!deleted).then(|| search::patient_words(&state.fields));
        let stored = self.pending.search.get(record).map_or(!creating, |(stored, _)| *stored);
        self.pending.search.insert(record.to_owned(), (stored, words));
    }

    /// The fields of the audit row first logged under `record`, if any.
    pub fn audit_row(&mut self, record: &str) -> OfficeResult<Option<BTreeMap<String, Value>>> {
        if let Some(row) = self.audit_rows.get(record) {
            return Ok(row.clone());
        }
        self.read_audit_rows(&[record.into()])?;
        Ok(self.audit_rows.get(record).cloned().flatten())
    }

    /// Appends an accepted change to the log.
    pub fn log(&mut self, r: &LogRow<'_>) -> OfficeResult<()> {
        let body =
            serde_json::to_string(r.change).map_err(|_| DbError::Other("a change could not be written".into()))?;
        if r.change.entity == Entity::Audit {
            self.audit_rows.entry(r.change.record.clone()).or_insert_with(|| Some(r.change.fields.clone()));
        }
        self.pending.log.push(vec![
            r.seq.into(),
            r.change.id.to_string().into(),
            r.change.entity.as_str().into(),
            r.change.record.as_str().into(),
            r.patient.map(|p| p.to_string()).into(),
            r.clinic.map(|c| c.to_string()).into(),
            r.device.map(|d| d.to_string()).into(),
            body.into(),
            r.outcome.into(),
            self.now_ms.into(),
        ]);
        Ok(())
    }

    /// Keeps an edit that lost to a concurrent one, or a refused booking, for the clinic to see.
    pub fn conflict(&mut self, c: &ConflictRow<'_>) {
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
        self.pending.conflicts.push(vec![
            id.into(),
            self.now_ms.into(),
            c.kind.into(),
            c.entity.as_str().into(),
            c.record.into(),
            c.field.into(),
            version(c.loser).into(),
            c.winner.map(version).into(),
            c.loser_value.map(Value::to_string).into(),
            c.winner_value.map(Value::to_string).into(),
            c.clinic.map(|c| c.to_string()).into(),
        ]);
    }

    /// A change of head office's own (undoing a double booking, renaming a clashing login),
    /// merged and logged like any other so that every replica receives it.
    pub fn office_change(
        &mut self,
        entity: Entity,
        record: &str,
        state: &mut State,
        fields: Map<String, Value>,
    ) -> OfficeResult<()> {
        let version = self.head.tick(self.now_ms);
        let base: BTreeMap<String, Version> =
            fields.keys().filter_map(|f| state.version_of(f).map(|v| (f.clone(), v))).collect();
        for (f, v) in &fields {
            state.fields.insert(f.clone(), v.clone());
            state.versions.insert(f.clone(), version);
        }
        self.save(entity, record, state);
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
        self.log_office_change(&change, state)
    }

    /// Appends a change head office made itself (no device sent it, so there is nothing to
    /// acknowledge) at the next log position.
    pub fn log_office_change(&mut self, change: &Change, state: &State) -> OfficeResult<()> {
        let seq = self.head.next_seq();
        self.log(&LogRow { seq, change, patient: state.patient, clinic: state.clinic, device: None, outcome: "{}" })
    }

    /// Sends everything written so far, a statement per table and few hundred rows.
    pub(super) fn flush(&mut self) -> OfficeResult<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let p = std::mem::take(&mut self.pending);
        let mut states = Vec::with_capacity(p.states.len());
        for key in &p.states {
            let Some(Some(s)) = self.states.get(key) else { continue };
            states.push(s.row(key.0, &key.1)?);
        }
        insert_rows(
            self.db,
            "INSERT INTO record_state (entity, record, patient_id, clinic_id, fields, versions)",
            6,
            "ON CONFLICT (entity, record) DO UPDATE SET fields = excluded.fields, versions = excluded.versions,
                 patient_id = excluded.patient_id",
            &states,
        )?;
        insert_rows(self.db, "INSERT INTO patient_clinic (patient_id, clinic_id)", 2, "", &p.holds)?;
        for (entity, field, record) in &p.released {
            self.db.exec(
                "DELETE FROM unique_value WHERE entity = $1 AND field = $2 AND record = $3",
                &[entity.as_str().into(), field.as_str().into(), record.as_str().into()],
            )?;
        }
        let claimed: Vec<Vec<Val>> = p
            .claimed
            .into_iter()
            .map(|((entity, field, value), record)| {
                vec![entity.as_str().into(), field.into(), value.into(), record.into()]
            })
            .collect();
        insert_rows(self.db, "INSERT INTO unique_value (entity, field, value, record)", 4, "", &claimed)?;
        let stale: Vec<Val> =
            p.search.iter().filter(|(_, (stored, _))| *stored).map(|(patient, _)| patient.as_str().into()).collect();
        exec_in(self.db, "DELETE FROM patient_word WHERE patient_id IN ({keys})", &[], &stale)?;
        let words: Vec<Vec<Val>> = p
            .search
            .iter()
            .flat_map(|(patient, (_, words))| {
                words.iter().flatten().map(move |w| vec![w.as_str().into(), patient.as_str().into()])
            })
            .collect();
        insert_rows(self.db, "INSERT INTO patient_word (word, patient_id)", 2, "ON CONFLICT DO NOTHING", &words)?;
        insert_rows(
            self.db,
            "INSERT INTO conflict (id, at, kind, entity, record, field, loser_version, winner_version, loser_value,
                 winner_value, clinic_id)",
            11,
            "ON CONFLICT (id) DO NOTHING",
            &p.conflicts,
        )?;
        insert_rows(
            self.db,
            "INSERT INTO change_log (seq, change_id, entity, record, patient_id, clinic_id, device_id, body, outcome,
                 received_at)",
            10,
            "",
            &p.log,
        )?;
        Ok(())
    }
}
