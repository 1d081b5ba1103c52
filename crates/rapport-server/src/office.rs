//! What head office does, written once against [`Db`]: clinics, enrollment, device tokens, the
//! change log (ingest and pull), the merged state, conflicts, double-booking, patient search and
//! hand-over between clinics, the canonical dump and the audit chains.

use std::collections::BTreeMap;

use rapport_model::sync::{
    Ack, Change, Entity, FieldState, Hlc, LostField, MAX_CLOCK_AHEAD_MS, OLDEST_SCHEMA_VERSION, PullRequest,
    PullResponse, PushResponse, RemotePatient, SCHEMA_VERSION, Version, concurrent, conflict_matters, disambiguate,
    hlc_ms, hlc_tick, is_unique_field, wins,
};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::db::{Db, DbError, Val};

/// A request head office turns down, with the HTTP status it maps to. Never carries patient data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Refused {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
}

impl Refused {
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into() }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OfficeError {
    #[error(transparent)]
    Refused(#[from] Refused),
    #[error(transparent)]
    Db(#[from] DbError),
}

pub type OfficeResult<T> = Result<T, OfficeError>;

fn refused<T>(status: u16, code: &'static str, message: impl Into<String>) -> OfficeResult<T> {
    Err(Refused::new(status, code, message).into())
}

fn corrupt(what: &str) -> OfficeError {
    OfficeError::Db(DbError::Other(format!("stored {what} could not be read")))
}

fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    // The OS random source failing is not something a server can go on without.
    getrandom::fill(&mut b).unwrap_or_else(|_| std::process::abort());
    b
}

fn random_uuid() -> Uuid {
    uuid::Builder::from_random_bytes(random_bytes()).into_uuid()
}

/// The server's own row: site, log counter and clock. Read at the start of a
/// writing transaction (taking its lock) and written back at the end.
#[derive(Debug, Clone)]
struct Head {
    site: Uuid,
    seq: i64,
    hlc: Hlc,
}

impl Head {
    fn load(db: &mut dyn Db) -> OfficeResult<Self> {
        // An UPDATE first: in PostgreSQL it takes the row lock that orders concurrent writers.
        db.exec("UPDATE head_office SET seq = seq WHERE id = 1", &[])?;
        let row = db
            .query_one("SELECT site, seq, hlc FROM head_office WHERE id = 1", &[])?
            .ok_or_else(|| corrupt("head office"))?;
        let mut row = row.into_iter();
        let mut next = || row.next().unwrap_or(Val::Null);
        Ok(Self {
            site: next().text().and_then(|s| s.parse().ok()).ok_or_else(|| corrupt("head office"))?,
            seq: next().int().unwrap_or(0),
            hlc: next().int().unwrap_or(0),
        })
    }

    fn save(&self, db: &mut dyn Db) -> OfficeResult<()> {
        db.exec("UPDATE head_office SET seq = $1, hlc = $2 WHERE id = 1", &[self.seq.into(), self.hlc.into()])?;
        Ok(())
    }

    fn next_seq(&mut self) -> i64 {
        self.seq += 1;
        self.seq
    }

    fn tick(&mut self, now_ms: i64) -> Version {
        self.hlc = hlc_tick(self.hlc, now_ms);
        Version { hlc: self.hlc, site: self.site }
    }
}

/// Makes the head-office row on first start.
pub fn init(db: &mut dyn Db, organisation: &str) -> OfficeResult<()> {
    db.exec(
        "INSERT INTO head_office (id, organisation, site, seq, hlc, schema_version) VALUES (1, $1, $2, 0, 0, $3)
         ON CONFLICT (id) DO NOTHING",
        &[organisation.into(), random_uuid().to_string().into(), crate::db::SCHEMA_VERSION.into()],
    )?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Clinics, enrollment and devices

pub fn add_clinic(db: &mut dyn Db, name: &str, now_ms: i64) -> OfficeResult<Uuid> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 120 {
        return refused(400, "invalid", "a clinic name is 1 to 120 characters");
    }
    if db.query_one("SELECT id FROM clinic WHERE name = $1", &[name.into()])?.is_some() {
        return refused(409, "exists", "a clinic of that name exists already");
    }
    let id = random_uuid();
    db.exec(
        "INSERT INTO clinic (id, name, created_at) VALUES ($1, $2, $3)",
        &[id.to_string().into(), name.into(), now_ms.into()],
    )?;
    Ok(id)
}

/// How long an enrollment code stays usable.
const CODE_LIFETIME_MS: i64 = 7 * 24 * 3600 * 1000;

/// Makes a one-time enrollment code for a clinic; only its hash is stored.
pub fn new_enroll_code(db: &mut dyn Db, clinic: &str, now_ms: i64) -> OfficeResult<String> {
    let Some(row) = db.query_one("SELECT id FROM clinic WHERE name = $1", &[clinic.trim().into()])? else {
        return refused(404, "no_clinic", "no clinic of that name; add it with `rapport-server clinic add NAME`");
    };
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let bytes: [u8; 12] = random_bytes();
    let chars: String = bytes.iter().map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char).collect();
    let code = format!("{}-{}-{}", &chars[0..4], &chars[4..8], &chars[8..12]);
    db.exec(
        "INSERT INTO enroll_code (code_hash, clinic_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        &[code_hash(&code).into(), row[0].clone(), now_ms.into(), (now_ms + CODE_LIFETIME_MS).into()],
    )?;
    Ok(code)
}

fn code_hash(code: &str) -> String {
    let normal: String = code.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_uppercase()).collect();
    sha256_hex(&format!("rapport-enroll:{normal}"))
}

/// An enrolled device, as its token proves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub id: Uuid,
    pub clinic: Uuid,
    pub clinic_name: String,
}

/// Spends a code: the device gets its id and token.
pub fn enroll(
    db: &mut dyn Db,
    code: &str,
    device_name: &str,
    now_ms: i64,
) -> OfficeResult<rapport_model::sync::EnrollResponse> {
    let hash = code_hash(code);
    let row = db.query_one(
        "SELECT e.clinic_id, c.name, e.used_at, e.expires_at FROM enroll_code e JOIN clinic c ON c.id = e.clinic_id
         WHERE e.code_hash = $1",
        &[hash.clone().into()],
    )?;
    let Some(row) = row else {
        return refused(403, "bad_code", "that enrollment code is not known to head office");
    };
    if row[2] != Val::Null {
        return refused(403, "code_used", "that enrollment code was used already; ask head office for a new one");
    }
    if row[3].int().unwrap_or(0) < now_ms {
        return refused(403, "code_expired", "that enrollment code has expired; ask head office for a new one");
    }
    let device = random_uuid();
    let token = format!("rpt_{}", hex::encode(random_bytes::<32>()));
    // The code is spent in the same transaction, and only if nobody spent it meanwhile.
    let spent = db.exec(
        "UPDATE enroll_code SET used_at = $1, used_by = $2 WHERE code_hash = $3 AND used_at IS NULL",
        &[now_ms.into(), device.to_string().into(), hash.into()],
    )?;
    if spent != 1 {
        return refused(403, "code_used", "that enrollment code was used already; ask head office for a new one");
    }
    let name: String = device_name.chars().filter(|c| !c.is_control()).take(80).collect();
    db.exec(
        "INSERT INTO device (id, clinic_id, token_hash, name, created_at) VALUES ($1, $2, $3, $4, $5)",
        &[device.to_string().into(), row[0].clone(), sha256_hex(&token).into(), name.into(), now_ms.into()],
    )?;
    let organisation = db
        .query_one("SELECT organisation FROM head_office WHERE id = 1", &[])?
        .and_then(|r| r.into_iter().next().and_then(Val::into_text))
        .unwrap_or_default();
    Ok(rapport_model::sync::EnrollResponse {
        device_id: device,
        token,
        clinic_id: row[0].text().and_then(|s| s.parse().ok()).ok_or_else(|| corrupt("clinic"))?,
        clinic_name: row[1].text().unwrap_or_default().to_owned(),
        organisation,
    })
}

/// Checks a bearer token; a revoked device is told so.
pub fn authenticate(db: &mut dyn Db, token: Option<&str>, now_ms: i64) -> OfficeResult<Device> {
    let Some(token) = token else {
        return refused(401, "no_token", "this request needs a device token; enroll the device first");
    };
    let row = db.query_one(
        "SELECT d.id, d.clinic_id, c.name, d.revoked_at FROM device d JOIN clinic c ON c.id = d.clinic_id
         WHERE d.token_hash = $1",
        &[sha256_hex(token).into()],
    )?;
    let Some(row) = row else {
        return refused(401, "bad_token", "head office does not know this device's token; enroll it again");
    };
    if row[3] != Val::Null {
        return refused(401, "revoked", "head office revoked this device's access; enroll it again with a new code");
    }
    let device = Device {
        id: row[0].text().and_then(|s| s.parse().ok()).ok_or_else(|| corrupt("device"))?,
        clinic: row[1].text().and_then(|s| s.parse().ok()).ok_or_else(|| corrupt("device"))?,
        clinic_name: row[2].text().unwrap_or_default().to_owned(),
    };
    db.exec("UPDATE device SET last_seen_at = $1 WHERE id = $2", &[now_ms.into(), device.id.to_string().into()])?;
    Ok(device)
}

pub fn revoke_device(db: &mut dyn Db, id: &str, now_ms: i64) -> OfficeResult<bool> {
    Ok(db.exec(
        "UPDATE device SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
        &[now_ms.into(), id.trim().to_lowercase().into()],
    )? == 1)
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct DeviceRow {
    pub id: String,
    pub clinic: String,
    pub name: String,
    pub enrolled_at: i64,
    pub last_seen_at: Option<i64>,
    pub revoked: bool,
}

pub fn list_devices(db: &mut dyn Db) -> OfficeResult<Vec<DeviceRow>> {
    let rows = db.query(
        "SELECT d.id, c.name, d.name, d.created_at, d.last_seen_at, d.revoked_at FROM device d
         JOIN clinic c ON c.id = d.clinic_id ORDER BY c.name, d.created_at",
        &[],
    )?;
    Ok(rows
        .into_iter()
        .map(|r| DeviceRow {
            id: r[0].text().unwrap_or_default().to_owned(),
            clinic: r[1].text().unwrap_or_default().to_owned(),
            name: r[2].text().unwrap_or_default().to_owned(),
            enrolled_at: r[3].int().unwrap_or(0),
            last_seen_at: r[4].int(),
            revoked: r[5] != Val::Null,
        })
        .collect())
}

// ---------------------------------------------------------------------------------------------
// The merged state

type Versions = BTreeMap<String, Version>;

#[derive(Debug, Clone)]
struct State {
    fields: Map<String, Value>,
    versions: Versions,
    patient: Option<String>,
    clinic: Option<String>,
}

impl State {
    fn version_of(&self, field: &str) -> Option<Version> {
        self.versions.get(field).or_else(|| self.versions.get("*")).copied()
    }
}

fn load_state(db: &mut dyn Db, entity: Entity, record: &str) -> OfficeResult<Option<State>> {
    let row = db.query_one(
        "SELECT fields, versions, patient_id, clinic_id FROM record_state WHERE entity = $1 AND record = $2",
        &[entity.as_str().into(), record.into()],
    )?;
    row.map(|r| {
        Ok(State {
            fields: serde_json::from_str(r[0].text().unwrap_or("{}")).map_err(|_| corrupt("record"))?,
            versions: serde_json::from_str(r[1].text().unwrap_or("{}")).map_err(|_| corrupt("record"))?,
            patient: r[2].text().map(str::to_owned),
            clinic: r[3].text().map(str::to_owned),
        })
    })
    .transpose()
}

fn save_state(db: &mut dyn Db, entity: Entity, record: &str, s: &State) -> OfficeResult<()> {
    let fields = serde_json::to_string(&s.fields).map_err(|_| corrupt("record"))?;
    let versions = serde_json::to_string(&s.versions).map_err(|_| corrupt("record"))?;
    db.exec(
        "INSERT INTO record_state (entity, record, patient_id, clinic_id, fields, versions) VALUES ($1,$2,$3,$4,$5,$6)
         ON CONFLICT (entity, record) DO UPDATE SET fields = excluded.fields, versions = excluded.versions",
        &[
            entity.as_str().into(),
            record.into(),
            s.patient.clone().into(),
            s.clinic.clone().into(),
            fields.into(),
            versions.into(),
        ],
    )?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Ingest

/// Checks a push as a whole before anything is written: a refused batch changes nothing.
fn check_batch(db: &mut dyn Db, device: &Device, changes: &[Change], now_ms: i64) -> OfficeResult<()> {
    let clinic = device.clinic.to_string();
    let mut checked = std::collections::BTreeSet::new();
    for c in changes {
        if !(OLDEST_SCHEMA_VERSION..=SCHEMA_VERSION).contains(&c.schema) {
            return refused(
                400,
                "schema",
                format!(
                    "change format {} is not supported here ({OLDEST_SCHEMA_VERSION} to {SCHEMA_VERSION}); update Rapport",
                    c.schema
                ),
            );
        }
        let ahead = hlc_ms(c.version.hlc) - now_ms;
        if ahead > MAX_CLOCK_AHEAD_MS {
            return refused(
                422,
                "clock_ahead",
                format!(
                    "this device's clock is {} minutes ahead of head office; set the clock right and sync again",
                    ahead / 60_000
                ),
            );
        }
        if c.replay {
            return refused(400, "invalid", "a device cannot send head office's replayed history");
        }
        if c.entity == Entity::Appointment
            && let Some(row) = db.query_one(
                "SELECT clinic_id FROM record_state WHERE entity = 'appointment' AND record = $1",
                &[c.record.as_str().into()],
            )?
            && row[0].text() != Some(clinic.as_str())
        {
            return refused(403, "other_clinic", "that appointment belongs to another clinic");
        }
        // A batch usually holds many changes of few patients: each is checked once.
        if let Some(patient) = c.patient.filter(|p| c.entity != Entity::Audit && checked.insert(*p)) {
            let row = db.query_one(
                "SELECT (SELECT count(*) FROM record_state WHERE entity = 'patient' AND record = $1),
                        (SELECT count(*) FROM patient_clinic WHERE patient_id = $1 AND clinic_id = $2)",
                &[patient.to_string().into(), clinic.clone().into()],
            )?;
            let (known, held) = row.map_or((0, 0), |r| (r[0].int().unwrap_or(0), r[1].int().unwrap_or(0)));
            if known > 0 && held == 0 {
                return refused(
                    403,
                    "other_clinic",
                    "that patient is not held by this clinic; find them at head office and take them on first",
                );
            }
        }
    }
    Ok(())
}

/// Stores a batch of changes: each once (a resent change gets its first answer again), merged
/// field by field into the present, losers kept as conflicts, double bookings undone.
pub fn ingest(db: &mut dyn Db, device: &Device, changes: &[Change], now_ms: i64) -> OfficeResult<PushResponse> {
    check_batch(db, device, changes, now_ms)?;
    let mut head = Head::load(db)?;
    let mut acks = Vec::with_capacity(changes.len());
    for c in changes {
        acks.push(ingest_one(db, &mut head, device, c, now_ms)?);
    }
    head.save(db)?;
    Ok(PushResponse { acks, server_hlc: head.hlc })
}

fn ingest_one(db: &mut dyn Db, head: &mut Head, device: &Device, c: &Change, now_ms: i64) -> OfficeResult<Ack> {
    let change_id = c.id.to_string();
    if let Some(row) =
        db.query_one("SELECT outcome FROM change_log WHERE change_id = $1", &[change_id.clone().into()])?
    {
        return serde_json::from_str(row[0].text().unwrap_or_default()).map_err(|_| corrupt("acknowledgement"));
    }
    head.hlc = head.hlc.max(c.version.hlc);
    let clinic = device.clinic.to_string();
    let seq = head.next_seq();
    let mut ack = Ack { change: c.id, seq, lost: Vec::new(), rejected: None };
    let mut touched: Vec<&str> = Vec::new();
    if c.entity != Entity::Audit {
        let state = load_state(db, c.entity, &c.record)?;
        let state = match state {
            None => {
                touched.extend(c.fields.keys().map(String::as_str));
                State {
                    fields: c.fields.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                    versions: Versions::from([("*".to_owned(), c.version)]),
                    patient: c.patient.map(|p| p.to_string()),
                    clinic: (c.entity == Entity::Appointment).then(|| clinic.clone()),
                }
            }
            Some(s) if c.entity.is_append_only() => s,
            Some(mut s) => {
                for (field, value) in &c.fields {
                    let Some(current) = s.version_of(field) else {
                        s.fields.insert(field.clone(), value.clone());
                        s.versions.insert(field.clone(), c.version);
                        touched.push(field);
                        continue;
                    };
                    if current == c.version {
                        continue;
                    }
                    let cur_value = s.fields.get(field).cloned().unwrap_or(Value::Null);
                    let incoming_wins = wins(
                        c.entity,
                        field,
                        FieldState { value, version: c.version },
                        FieldState { value: &cur_value, version: current },
                    );
                    if conflict_matters(c.entity, field) && concurrent(&c.version, c.base.get(field), &current) {
                        let (loser, winner, loser_value, winner_value) = if incoming_wins {
                            (current, c.version, &cur_value, value)
                        } else {
                            (c.version, current, value, &cur_value)
                        };
                        log_conflict(
                            db,
                            &ConflictRow {
                                kind: "lost-edit",
                                entity: c.entity,
                                record: &c.record,
                                field: Some(field),
                                loser,
                                winner: Some(winner),
                                loser_value: Some(loser_value),
                                winner_value: Some(winner_value),
                                clinic: s.clinic.as_deref(),
                            },
                            now_ms,
                        )?;
                        if !incoming_wins {
                            ack.lost.push(LostField {
                                field: field.clone(),
                                winner: cur_value.clone(),
                                winner_version: current,
                            });
                        }
                    }
                    if incoming_wins {
                        s.fields.insert(field.clone(), value.clone());
                        s.versions.insert(field.clone(), c.version);
                        touched.push(field);
                    }
                }
                s
            }
        };
        let mut state = state;
        save_state(db, c.entity, &c.record, &state)?;
        if let Some(patient) = &state.patient {
            db.exec(
                "INSERT INTO patient_clinic (patient_id, clinic_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                &[patient.clone().into(), clinic.clone().into()],
            )?;
        }
        for field in touched.iter().filter(|f| is_unique_field(c.entity, f)) {
            keep_unique(db, head, c.entity, &c.record, &mut state, field, now_ms)?;
        }
        match c.entity {
            Entity::Appointment => ack.rejected = check_booking(db, head, &c.record, &mut state, now_ms)?,
            Entity::Patient if !touched.is_empty() => index_patient(db, &c.record, &state)?,
            _ => {}
        }
    }
    let body = serde_json::to_string(c).map_err(|_| corrupt("change"))?;
    let outcome = serde_json::to_string(&ack).map_err(|_| corrupt("acknowledgement"))?;
    append_log(
        db,
        &LogRow {
            seq,
            change_id,
            entity: c.entity,
            record: &c.record,
            patient: c.patient.map(|p| p.to_string()),
            clinic: Some(clinic),
            device: Some(device.id.to_string()),
            body,
            outcome,
        },
        now_ms,
    )?;
    Ok(ack)
}

struct LogRow<'a> {
    seq: i64,
    change_id: String,
    entity: Entity,
    record: &'a str,
    patient: Option<String>,
    clinic: Option<String>,
    device: Option<String>,
    body: String,
    outcome: String,
}

fn append_log(db: &mut dyn Db, r: &LogRow<'_>, now_ms: i64) -> OfficeResult<()> {
    db.exec(
        "INSERT INTO change_log (seq, change_id, entity, record, patient_id, clinic_id, device_id, body, outcome, received_at)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)",
        &[
            r.seq.into(),
            r.change_id.clone().into(),
            r.entity.as_str().into(),
            r.record.into(),
            r.patient.clone().into(),
            r.clinic.clone().into(),
            r.device.clone().into(),
            r.body.clone().into(),
            r.outcome.clone().into(),
            now_ms.into(),
        ],
    )?;
    Ok(())
}

struct ConflictRow<'a> {
    kind: &'static str,
    entity: Entity,
    record: &'a str,
    field: Option<&'a str>,
    loser: Version,
    winner: Option<Version>,
    loser_value: Option<&'a Value>,
    winner_value: Option<&'a Value>,
    clinic: Option<&'a str>,
}

fn log_conflict(db: &mut dyn Db, c: &ConflictRow<'_>, now_ms: i64) -> OfficeResult<()> {
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
            c.clinic.into(),
        ],
    )?;
    Ok(())
}

/// A change of head office's own (undoing a double booking, renaming a clashing login), merged
/// and logged like any other so that every replica receives it.
fn office_change(
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
        patient: state.patient.as_deref().and_then(|p| p.parse().ok()),
        version,
        fields: fields.into_iter().collect(),
        base,
        schema: SCHEMA_VERSION,
        replay: false,
        seq: None,
    };
    log_office_change(db, head, &change, state.clinic.clone(), now_ms)
}

/// Appends a change head office made itself (no device sent it, so there is nothing to
/// acknowledge) at the next log position.
fn log_office_change(
    db: &mut dyn Db,
    head: &mut Head,
    change: &Change,
    clinic: Option<String>,
    now_ms: i64,
) -> OfficeResult<()> {
    let seq = head.next_seq();
    append_log(
        db,
        &LogRow {
            seq,
            change_id: change.id.to_string(),
            entity: change.entity,
            record: &change.record,
            patient: change.patient.map(|p| p.to_string()),
            clinic,
            device: None,
            body: serde_json::to_string(change).map_err(|_| corrupt("change"))?,
            outcome: "{}".to_owned(),
        },
        now_ms,
    )
}

/// Keeps the doctor's calendar: an appointment that now holds a slot another one already holds
/// is cancelled by head office, and the desk that booked it is told.
fn check_booking(
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
            clinic: state.clinic.as_deref(),
        },
        now_ms,
    )?;
    Ok(Some(reason.to_owned()))
}

/// A login or record number another record already holds is renamed the way every replica
/// renames it on arrival ([`disambiguate`]).
fn keep_unique(
    db: &mut dyn Db,
    head: &mut Head,
    entity: Entity,
    record: &str,
    state: &mut State,
    field: &str,
    now_ms: i64,
) -> OfficeResult<()> {
    let Some(value) = state.fields.get(field).and_then(Value::as_str).map(str::to_owned) else { return Ok(()) };
    let holder = db.query_one(
        "SELECT record FROM unique_value WHERE entity = $1 AND field = $2 AND value = $3",
        &[entity.as_str().into(), field.into(), value.clone().into()],
    )?;
    let value = match holder {
        Some(r) if r[0].text() != Some(record) => {
            let renamed = disambiguate(&value, record);
            let mut fields = Map::new();
            fields.insert(field.to_owned(), Value::from(renamed.clone()));
            office_change(db, head, entity, record, state, fields, now_ms)?;
            renamed
        }
        _ => value,
    };
    db.exec(
        "DELETE FROM unique_value WHERE entity = $1 AND field = $2 AND record = $3",
        &[entity.as_str().into(), field.into(), record.into()],
    )?;
    db.exec(
        "INSERT INTO unique_value (entity, field, value, record) VALUES ($1,$2,$3,$4) ON CONFLICT DO NOTHING",
        &[entity.as_str().into(), field.into(), value.into(), record.into()],
    )?;
    Ok(())
}

fn index_patient(db: &mut dyn Db, record: &str, state: &State) -> OfficeResult<()> {
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

// ---------------------------------------------------------------------------------------------
// Pull

/// The condition that picks the changes a clinic's devices receive (`$3` is the clinic).
const SCOPE: &str = "c.entity <> 'audit' AND (
        c.entity = 'staff'
     OR (c.entity = 'appointment' AND c.clinic_id = $3)
     OR (c.entity IN ('patient', 'pointer', 'pointer_mark')
         AND EXISTS (SELECT 1 FROM patient_clinic pc WHERE pc.patient_id = c.patient_id AND pc.clinic_id = $3)))";

/// The next page of changes for the device's clinic after `cursor`.
pub fn pull(db: &mut dyn Db, device: &Device, req: PullRequest) -> OfficeResult<PullResponse> {
    let limit = i64::from(req.limit.clamp(1, 5000));
    let head =
        db.query_one("SELECT seq, hlc FROM head_office WHERE id = 1", &[])?.ok_or_else(|| corrupt("head office"))?;
    let (top, server_hlc) = (head[0].int().unwrap_or(0), head[1].int().unwrap_or(0));
    let rows = db.query(
        &format!(
            "SELECT c.seq, c.body FROM change_log c WHERE c.seq > $1 AND c.seq <= $2 AND {SCOPE} ORDER BY c.seq LIMIT $4"
        ),
        &[req.cursor.into(), top.into(), device.clinic.to_string().into(), limit.into()],
    )?;
    let more = rows.len() as i64 == limit;
    let cursor = if more { rows.last().and_then(|r| r[0].int()).unwrap_or(top) } else { top.max(req.cursor) };
    let changes = rows
        .into_iter()
        .map(|r| {
            let mut c: Change = serde_json::from_str(r[1].text().unwrap_or_default()).map_err(|_| corrupt("change"))?;
            c.seq = r[0].int();
            Ok(c)
        })
        .collect::<OfficeResult<Vec<Change>>>()?;
    Ok(PullResponse { changes, cursor, more, server_hlc })
}

// ---------------------------------------------------------------------------------------------
// Patients across clinics

/// Patients anywhere in the organisation whose name, record number or phone holds every word.
pub fn search(db: &mut dyn Db, query: &str) -> OfficeResult<Vec<RemotePatient>> {
    let words: Vec<String> = query
        .split_whitespace()
        .map(|w| w.to_lowercase().chars().filter(|c| *c != '%' && *c != '_').collect::<String>())
        .filter(|w| !w.is_empty())
        .take(6)
        .collect();
    if words.is_empty() {
        return Ok(Vec::new());
    }
    let conditions = (0..words.len()).map(|i| format!("words LIKE ${}", i + 1)).collect::<Vec<_>>().join(" AND ");
    let params: Vec<Val> = words.iter().map(|w| Val::Text(format!("% {w}%"))).collect();
    let ids = db.query(&format!("SELECT patient_id FROM patient_search WHERE {conditions} LIMIT 20"), &params)?;
    let mut out = Vec::new();
    for row in ids {
        let Some(id) = row[0].text().map(str::to_owned) else { continue };
        let Some(state) = load_state(db, Entity::Patient, &id)? else { continue };
        let text = |f: &str| state.fields.get(f).and_then(Value::as_str).map(str::to_owned);
        let clinics = db
            .query(
                "SELECT c.name FROM patient_clinic pc JOIN clinic c ON c.id = pc.clinic_id WHERE pc.patient_id = $1
                 ORDER BY c.name",
                &[id.clone().into()],
            )?
            .into_iter()
            .filter_map(|r| r.into_iter().next().and_then(Val::into_text))
            .collect();
        out.push(RemotePatient {
            id: id.parse().map_err(|_| corrupt("patient"))?,
            record_no: text("record_no").unwrap_or_default(),
            given: text("given").unwrap_or_default(),
            family: text("family").unwrap_or_default(),
            birth_date: text("birth_date"),
            clinics,
        });
    }
    Ok(out)
}

/// The device's clinic takes on a patient of another clinic: from now on the patient's
/// changes reach it, and their history is sent again (as replay) so that every device of the
/// clinic receives it by its usual pull. Returns how many records were sent again.
pub fn adopt(db: &mut dyn Db, device: &Device, patient: Uuid, now_ms: i64) -> OfficeResult<usize> {
    let id = patient.to_string();
    match load_state(db, Entity::Patient, &id)? {
        Some(s) if s.fields.get("deleted_at").is_none_or(Value::is_null) => {}
        _ => return refused(404, "no_patient", "head office has no such patient"),
    }
    let added = db.exec(
        "INSERT INTO patient_clinic (patient_id, clinic_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        &[id.clone().into(), device.clinic.to_string().into()],
    )?;
    if added == 0 {
        return Ok(0);
    }
    let mut head = Head::load(db)?;
    let rows = db.query(
        "SELECT entity, record FROM record_state
         WHERE (entity = 'patient' AND record = $1) OR (patient_id = $1 AND entity IN ('pointer', 'pointer_mark'))",
        &[id.clone().into()],
    )?;
    let mut records: Vec<(Entity, String)> =
        rows.into_iter().filter_map(|r| Some((r[0].text()?.parse().ok()?, r[1].text()?.to_owned()))).collect();
    records.sort();
    let mut sent = 0;
    for (entity, record) in records {
        let Some(state) = load_state(db, entity, &record)? else { continue };
        // One change per version, so each field keeps the version it has everywhere.
        let mut by_version: BTreeMap<Version, Map<String, Value>> = BTreeMap::new();
        for (field, value) in &state.fields {
            if let Some(v) = state.version_of(field) {
                by_version.entry(v).or_default().insert(field.clone(), value.clone());
            }
        }
        for (version, fields) in by_version {
            let change = Change {
                id: random_uuid(),
                entity,
                record: record.clone(),
                patient: Some(patient),
                version,
                fields: fields.into_iter().collect(),
                base: BTreeMap::new(),
                schema: SCHEMA_VERSION,
                replay: true,
                seq: None,
            };
            log_office_change(db, &mut head, &change, Some(device.clinic.to_string()), now_ms)?;
        }
        sent += 1;
    }
    head.save(db)?;
    Ok(sent)
}

// ---------------------------------------------------------------------------------------------
// Dump and audit

/// What a clinic's devices hold, in the canonical form `rapport dump` prints.
pub fn dump(db: &mut dyn Db, clinic_name: &str) -> OfficeResult<Value> {
    let Some(row) = db.query_one("SELECT id FROM clinic WHERE name = $1", &[clinic_name.into()])? else {
        return refused(404, "no_clinic", "no clinic of that name");
    };
    let clinic = row[0].clone();
    let rows = db.query(
        "SELECT s.entity, s.record, s.fields FROM record_state s
         WHERE s.entity = 'staff'
            OR (s.entity = 'appointment' AND s.clinic_id = $1)
            OR (s.entity IN ('patient', 'pointer', 'pointer_mark') AND EXISTS
                (SELECT 1 FROM patient_clinic pc WHERE pc.patient_id = s.patient_id AND pc.clinic_id = $1))",
        &[clinic],
    )?;
    let mut out: BTreeMap<String, Map<String, Value>> =
        Entity::ALL.iter().filter(|e| e.is_pulled()).map(|e| (e.as_str().to_owned(), Map::new())).collect();
    for r in rows {
        let (Some(entity), Some(record)) = (r[0].text(), r[1].text()) else { continue };
        let fields: Value = serde_json::from_str(r[2].text().unwrap_or("{}")).map_err(|_| corrupt("record"))?;
        out.entry(entity.to_owned()).or_default().insert(record.to_owned(), fields);
    }
    Ok(rapport_model::sync::canonical(serde_json::to_value(out).map_err(|_| corrupt("record"))?))
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
pub fn verify_audit(db: &mut dyn Db) -> OfficeResult<Vec<ChainReport>> {
    let rows = db.query("SELECT body FROM change_log WHERE entity = 'audit' ORDER BY seq", &[])?;
    let mut chains: BTreeMap<String, Vec<AuditRow>> = BTreeMap::new();
    for r in rows {
        let c: Change = serde_json::from_str(r[0].text().unwrap_or_default()).map_err(|_| corrupt("change"))?;
        let Some((site, seq)) = c.record.split_once('/') else { continue };
        let seq: i64 = seq.parse().map_err(|_| corrupt("audit row"))?;
        chains.entry(site.to_owned()).or_default().push((seq, c.fields.into_iter().collect()));
    }
    let mut out = Vec::new();
    for (site, mut rows) in chains {
        rows.sort_by_key(|(seq, _)| *seq);
        rows.dedup_by_key(|(seq, _)| *seq);
        let mut prev = vec![0u8; 32];
        let mut broken_at = None;
        for (i, (seq, f)) in rows.iter().enumerate() {
            let text = |k: &str| f.get(k).and_then(Value::as_str).map(str::to_owned);
            let id = |k: &str| text(k).and_then(|s| s.parse::<Uuid>().ok()).map(|u| *u.as_bytes());
            let stored_prev = text("prev_hash").and_then(|h| hex::decode(h).ok()).unwrap_or_default();
            let stored = text("hash").and_then(|h| hex::decode(h).ok()).unwrap_or_default();
            let computed = rapport_store::audit::chain_hash(
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
                broken_at = Some(*seq);
                break;
            }
            prev = stored;
        }
        out.push(ChainReport { site, rows: rows.len(), intact: broken_at.is_none(), broken_at });
    }
    Ok(out)
}
