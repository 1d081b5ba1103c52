//! A push, change by change. Each change is decoded against the model's declaration
//! ([`rapport_model::schema`]), checked for authority from head office's own state, merged with
//! the merge rule desks use too ([`wins`]), and logged. A change that fails is refused on its
//! own with a coded reason and nothing of it is stored; the rest of the batch goes on.
//!
//! Three things refuse the whole request instead, because the desk must keep its changes and
//! send them again later: a change format this server does not know, a clock too far ahead, and
//! a desk that knows a later log than this one (head office restored from an older copy).
//!
//! After such a restore a desk sends again what it holds as `replay` changes: old history with
//! each field's own version. Those are merged by version alone (no conflicts: nothing in them
//! is a new edit), and one that adds nothing is answered without being logged.

use std::collections::HashMap;

use rapport_model::schema::{self, Authority, Invalid, Kind};
use rapport_model::sync::{
    Ack, Change, Entity, FieldState, LostField, MAX_CLOCK_AHEAD_MS, OLDEST_SCHEMA_VERSION, PushRequest, PushResponse,
    Refusal, SCHEMA_VERSION, Version, concurrent, conflict_matters, hlc_ms, is_unique_field, wins,
};
use rapport_model::{Operation, RefusalCode, Role};
use serde_json::Value;
use uuid::Uuid;

use super::devices::Device;
use super::state::{ConflictRow, LogRow, State, Versions, check_mark};
use super::writer::Writer;
use super::{OfficeResult, Refused, refused, rules, take_on};
use crate::db::{Db, DbError, Val, query_in, rows};

/// Stores a batch of changes: each once (a resent change gets its first answer again), merged
/// field by field into the present, losers kept as conflicts, double bookings undone, and each
/// change that may not be stored refused on its own.
pub fn ingest(db: &mut dyn Db, device: &Device, req: &PushRequest, now_ms: i64) -> OfficeResult<PushResponse> {
    let changes = &req.changes;
    check_request(changes, now_ms)?;
    let mut w = Writer::begin(db, now_ms)?;
    check_mark(w.db()?, req.mark)?;
    let mut answered = answered_before(w.db()?, changes)?;
    w.prefetch(device.clinic, changes)?;
    let mut sites = KnownSites::default();
    let mut acks = Vec::with_capacity(changes.len());
    for c in changes {
        let ack = match ingest_one(&mut w, &mut sites, &mut answered, device, c)? {
            Ok(ack) => ack,
            Err(why) => {
                tracing::warn!(device = %device.id, entity = c.entity.as_str(), code = %why.code, "change refused");
                Ack {
                    change: c.id,
                    seq: 0,
                    refused: Some(Refusal::new(why.code, why.message)),
                    lost: Vec::new(),
                    rejected: None,
                }
            }
        };
        acks.push(ack);
    }
    let server_hlc = w.head.hlc;
    w.commit()?;
    Ok(PushResponse { acks, server_hlc })
}

/// What makes the desk keep its changes and come back: an unknown format, a clock ahead.
fn check_request(changes: &[Change], now_ms: i64) -> OfficeResult<()> {
    for c in changes {
        if !(OLDEST_SCHEMA_VERSION..=SCHEMA_VERSION).contains(&c.schema) {
            return refused(
                400,
                RefusalCode::Schema,
                format!(
                    "change format {} is not supported here ({OLDEST_SCHEMA_VERSION} to {SCHEMA_VERSION}); update Rapport",
                    c.schema
                ),
            );
        }
        let ahead = hlc_ms(c.version.hlc) - now_ms;
        if ahead > MAX_CLOCK_AHEAD_MS {
            let message = format!(
                "this device's clock is {} minutes ahead of head office; set the clock right and sync again",
                ahead / 60_000
            );
            return Err(
                Refused { server_ms: Some(now_ms), ..Refused::new(422, RefusalCode::ClockAhead, message) }.into()
            );
        }
    }
    Ok(())
}

fn deny<T>(code: RefusalCode, message: &str) -> OfficeResult<Result<T, Invalid>> {
    Ok(Err(Invalid { code, message: message.to_owned() }))
}

/// What head office derived about a change it will store.
struct Admitted {
    state: Option<State>,
    patient: Option<Uuid>,
    clinic: Option<Uuid>,
    /// The sending device's clinic holds the patient from now on: a new patient, or a live one
    /// whose whole record it sent.
    hold: bool,
}

fn ingest_one(
    w: &mut Writer<'_>,
    sites: &mut KnownSites,
    answered: &mut Answered,
    device: &Device,
    c: &Change,
) -> OfficeResult<Result<Ack, Invalid>> {
    if let Some((outcome, sender_site)) = answered.get(&c.id) {
        if *sender_site != Some(device.site) {
            return deny(RefusalCode::DuplicateId, "that change id was used already by another device");
        }
        let ack = serde_json::from_str(outcome).map_err(|_| DbError::Other("stored acknowledgement".into()))?;
        return Ok(Ok(ack));
    }
    let admitted = match admit(w, sites, device, c)? {
        Ok(a) => a,
        Err(e) => return Ok(Err(e)),
    };
    w.head.hlc = w.head.hlc.max(c.version.hlc);
    let mut ack = Ack { change: c.id, seq: 0, refused: None, lost: Vec::new(), rejected: None };
    let mut log = (admitted.patient, admitted.clinic.or(Some(device.clinic)));
    if c.entity != Entity::Audit {
        let creating = admitted.state.is_none();
        let mut state = admitted.state.unwrap_or_else(|| State {
            fields: serde_json::Map::new(),
            versions: Versions::new(),
            patient: admitted.patient,
            clinic: admitted.clinic,
        });
        let (touched, lost) = if creating {
            state.fields = c.fields.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            state.versions = c.versions.clone();
            state.versions.insert("*".to_owned(), c.version);
            (c.fields.keys().cloned().collect(), Vec::new())
        } else if c.entity.is_append_only() {
            (Vec::new(), Vec::new())
        } else {
            state.patient = admitted.patient;
            merge(c, &mut state, &mut ack)
        };
        // History sent again that adds nothing is not logged (a patient it takes on again is
        // held all the same).
        let nothing_new = c.replay && !creating && touched.is_empty();
        if creating && c.entity == Entity::PatientMerge {
            // Before the merge takes its place in the log, every clinic holding the merged-away
            // record holds the kept one, whose record its desks then receive first.
            rules::spread_merge(w, &state)?;
        }
        if !nothing_new {
            if let Err(e) = schema::check_record(c.entity, &state.fields) {
                return Ok(Err(e));
            }
            // Stored from here on: the change takes its place in the log before anything head
            // office does about it (a rename, a cancelled double booking).
            ack.seq = w.head.next_seq();
            log_lost(w, c, state.clinic, &lost);
            if creating || !touched.is_empty() {
                w.save(c.entity, &c.record, &state);
            }
        }
        if admitted.hold
            && let Some(patient) = admitted.patient
        {
            if creating {
                w.hold(device.clinic, patient)?;
            } else if take_on::take_on_for(w, device.clinic, patient)? > 0 {
                // Taken on: the clinic's other desks receive the patient whole, as after `take-on`.
                tracing::info!(device = %device.id, clinic = %device.clinic, "a patient taken on by their whole record");
            }
        }
        if nothing_new {
            return Ok(Ok(ack));
        }
        for field in touched.iter().filter(|f| is_unique_field(c.entity, f)) {
            rules::keep_unique(w, c.entity, &c.record, &mut state, field, creating)?;
        }
        match c.entity {
            Entity::Appointment => ack.rejected = rules::check_booking(w, &c.record, &mut state)?,
            Entity::Patient if !touched.is_empty() => w.index_patient(&c.record, &state, creating),
            _ => {}
        }
        log = (state.patient, state.clinic.or(Some(device.clinic)));
    } else {
        // An audit row is logged once: the same row again (sent again after a restore) is
        // answered without being logged, another row under its name is refused.
        match w.audit_row(&c.record)? {
            Some(held) if held == c.fields => return Ok(Ok(ack)),
            Some(_) => return deny(RefusalCode::AuditRewritten, "that audit row was sent before with other contents"),
            None => {}
        }
        ack.seq = w.head.next_seq();
    }
    let outcome = serde_json::to_string(&ack).map_err(|_| DbError::Other("acknowledgement".into()))?;
    w.log(&LogRow {
        seq: ack.seq,
        change: c,
        patient: log.0,
        clinic: log.1,
        device: Some(device.id),
        outcome: &outcome,
    })?;
    answered.insert(c.id, (outcome, Some(device.site)));
    Ok(Ok(ack))
}

/// Decides whether this device may write this change, from head office's state and the
/// device's token alone.
fn admit(
    w: &mut Writer<'_>,
    sites: &mut KnownSites,
    device: &Device,
    c: &Change,
) -> OfficeResult<Result<Admitted, Invalid>> {
    let now_ms = w.now_ms;
    if c.version.site != device.site {
        return deny(RefusalCode::WrongSite, "this change is stamped with another desk's site");
    }
    if !c.versions.is_empty() && !c.replay {
        return deny(RefusalCode::Invalid, "only history sent again carries a version per field");
    }
    // History sent again holds what other desks wrote too: each version must be one head
    // office or one of its devices could have made, and none from the future.
    for v in c.versions.values() {
        if hlc_ms(v.hlc) - now_ms > MAX_CLOCK_AHEAD_MS {
            return deny(RefusalCode::InvalidVersion, "a field's version is from the future");
        }
        if v.site != w.head.site && !sites.known(w.db()?, v.site)? {
            return deny(RefusalCode::WrongSite, "a field's version names a site no device of this organisation has");
        }
    }
    if c.entity == Entity::Audit {
        let own = c.record.split_once('/').is_some_and(|(site, n)| {
            site.parse::<Uuid>().is_ok_and(|s| s == device.site) && n.parse::<i64>().is_ok_and(|n| n >= 1)
        });
        if !own {
            return deny(RefusalCode::OtherChain, "a device sends only its own audit chain");
        }
    } else if c.record.parse::<Uuid>().map(|u| u.to_string()) != Ok(c.record.clone()) {
        return deny(RefusalCode::InvalidValue, "the record id is not a UUID in its usual form");
    }
    let state = w.load(c.entity, &c.record)?;
    if let Err(e) = schema::check_fields(c.entity, &c.fields, state.is_none()) {
        return Ok(Err(e));
    }
    if state.is_some() && c.entity == Entity::PatientMerge && c.fields.keys().any(|f| !f.starts_with("undone_")) {
        return deny(RefusalCode::InvalidValue, "a merge stays as it was made; only undoing it changes it");
    }
    let clinic = device.clinic;
    let not_held = "that patient is not held by this clinic; find them at head office and take them on first";
    let mut admitted = Admitted { patient: None, clinic: None, hold: false, state: None };
    match schema::record(c.entity).authority {
        Authority::PatientHolders => {
            let patient = match (c.entity, &state) {
                (Entity::Patient, _) => c.record.parse().ok(),
                (_, Some(s)) => s.patient,
                (Entity::Pointer, None) => {
                    let Some(patient) = field_uuid(c, "patient_id") else {
                        return deny(RefusalCode::InvalidValue, "no patient");
                    };
                    if !w.exists(Entity::Patient, &patient.to_string())? {
                        return deny(RefusalCode::NoPatient, "head office has no such patient");
                    }
                    if let Some(earlier) = field_uuid(c, "supersedes") {
                        let of = w.load(Entity::Pointer, &earlier.to_string())?.and_then(|s| s.patient);
                        if of != Some(patient) {
                            return deny(
                                RefusalCode::InvalidValue,
                                "a pointer can only supersede one of the same patient",
                            );
                        }
                    }
                    Some(patient)
                }
                (Entity::PatientMerge, None) => {
                    let (Some(other), Some(keep)) = (field_uuid(c, "patient_id"), field_uuid(c, "keep")) else {
                        return deny(RefusalCode::InvalidValue, "a merge names two patients");
                    };
                    if other == keep {
                        return deny(RefusalCode::InvalidValue, "a record cannot be merged into itself");
                    }
                    for p in [other, keep] {
                        if !w.exists(Entity::Patient, &p.to_string())? {
                            return deny(RefusalCode::NoPatient, "head office has no such patient");
                        }
                        if !w.holds(clinic, p)? {
                            return deny(RefusalCode::OtherClinic, not_held);
                        }
                    }
                    Some(other)
                }
                (_, None) => {
                    let pointer = field_uuid(c, "pointer_id").map(|p| p.to_string()).unwrap_or_default();
                    let Some(p) = w.load(Entity::Pointer, &pointer)? else {
                        return deny(RefusalCode::NoPointer, "head office has no such pointer");
                    };
                    p.patient
                }
            };
            let Some(patient) = patient else { return deny(RefusalCode::NoPatient, "head office has no such patient") };
            if state.is_none() && c.entity == Entity::Patient {
                admitted.hold = true;
            } else if !w.holds(clinic, patient)? {
                // Any clinic may take on a live patient (`take-on`). A whole patient record from
                // a clinic that does not hold them takes them on the same way: after head office
                // was put back to an older copy, a clinic's registration or history of a patient
                // can arrive after another clinic's. History sent again takes on a patient
                // deleted meanwhile too, so that the deletion reaches the clinic that held them.
                let live = state.as_ref().is_some_and(|s| s.fields.get("deleted_at").is_none_or(Value::is_null));
                let whole = c.entity == Entity::Patient && schema::check_fields(c.entity, &c.fields, true).is_ok();
                if !(whole && (live || c.replay)) {
                    return deny(RefusalCode::OtherClinic, not_held);
                }
                admitted.hold = true;
            }
            admitted.patient = Some(patient);
        }
        Authority::HeadOffice => {
            return deny(RefusalCode::NeedsHeadOffice, "only head office records what happened to a message");
        }
        Authority::OwningClinic => {
            if state.as_ref().is_some_and(|s| s.clinic != Some(clinic)) {
                return deny(RefusalCode::OtherClinic, "that belongs to another clinic");
            }
            let patient = field_uuid(c, "patient_id").or_else(|| state.as_ref().and_then(|s| s.patient));
            if let Some(p) = field_uuid(c, "patient_id")
                && !w.holds(clinic, p)?
            {
                return deny(RefusalCode::OtherClinic, not_held);
            }
            if !names_own_staff(w, c, clinic)? {
                return deny(RefusalCode::OtherClinic, "a clinic's records name its own staff");
            }
            admitted.patient = patient;
            admitted.clinic = Some(clinic);
        }
        Authority::HomeClinic => {
            if state.as_ref().is_some_and(|s| s.clinic != Some(clinic)) {
                return deny(RefusalCode::OtherClinic, "that staff member belongs to another clinic");
            }
            let was_admin = state.as_ref().is_some_and(|s| s.text("role") == Some("admin"));
            let becomes_admin = c.fields.get("role").and_then(Value::as_str) == Some("admin");
            if becomes_admin && !was_admin && clinic_has_admin(w.db()?, clinic)? {
                return deny(
                    RefusalCode::NeedsHeadOffice,
                    "this clinic has an admin already; a new admin is made at head office",
                );
            }
            admitted.clinic = Some(clinic);
        }
        Authority::OwnChain => admitted.clinic = Some(clinic),
        Authority::ClinicManagers => {
            if state.as_ref().is_some_and(|s| s.clinic != Some(clinic)) {
                return deny(RefusalCode::OtherClinic, "that belongs to another clinic's set-up");
            }
            // Who made the change (named in it, or by the record's last change) is an active
            // manager or admin of this clinic. A desk names them itself, so this keeps honest
            // desks and their mistakes in line; what stops a hostile desk is that it can reach
            // only its own clinic's set-up (above).
            let named = field_uuid(c, "set_by")
                .or_else(|| state.as_ref().and_then(|s| s.text("set_by")).and_then(|by| by.parse().ok()));
            let Some(by) = named else {
                return deny(RefusalCode::NeedsManager, "a change to a clinic's set-up names the manager who made it");
            };
            let manager = w.load(Entity::Staff, &by.to_string())?.is_some_and(|s| {
                s.clinic == Some(clinic)
                    && s.fields.get("active").and_then(Value::as_i64) == Some(1)
                    && s.text("role")
                        .and_then(|r| r.parse::<Role>().ok())
                        .is_some_and(|r| r.allows(Operation::ChangeSettings))
            });
            if !manager {
                return deny(RefusalCode::NeedsManager, "only the clinic's managers change its set-up");
            }
            if !names_own_staff(w, c, clinic)? {
                return deny(RefusalCode::OtherClinic, "a clinic's set-up names its own staff");
            }
            admitted.clinic = Some(clinic);
        }
    }
    // Every record it names must exist here: a made-up author or doctor would break the
    // desks' foreign keys and keep the record from them.
    for field in schema::record(c.entity).fields {
        let Kind::Ref(entity) = field.kind else { continue };
        if let Some(id) = field_uuid(c, field.name)
            && !w.exists(entity, &id.to_string())?
        {
            return deny(RefusalCode::NoSuchRecord, "the change names a record head office does not have");
        }
    }
    admitted.state = state;
    Ok(Ok(admitted))
}

/// Do the staff a change names (a doctor, who booked, who called, who set it) work at `clinic`?
fn names_own_staff(w: &mut Writer<'_>, c: &Change, clinic: Uuid) -> OfficeResult<bool> {
    let staff_fields = schema::record(c.entity).fields.iter().filter(|f| f.kind == Kind::Ref(Entity::Staff));
    for who in staff_fields {
        if let Some(staff) = field_uuid(c, who.name)
            && !works_at(w, staff, clinic)?
        {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The first answer to each change id head office has logged, and the site that sent it.
type Answered = HashMap<Uuid, (String, Option<Uuid>)>;

/// The answers already given to changes of this push (a resent change gets its first answer
/// again), looked up in one query per few hundred changes.
fn answered_before(db: &mut dyn Db, changes: &[Change]) -> OfficeResult<Answered> {
    let ids: Vec<Val> = changes.iter().map(|c| c.id.to_string().into()).collect();
    let found = query_in(
        db,
        "SELECT c.change_id, c.outcome, d.site FROM change_log c LEFT JOIN device d ON d.id = c.device_id
         WHERE c.change_id IN ({keys})",
        &[],
        &ids,
    )?;
    let mut answered = Answered::new();
    for mut row in rows(found, "acknowledgement") {
        answered.insert(row.uuid()?, (row.text()?, row.opt_uuid()?));
    }
    Ok(answered)
}

/// Sites head office knows (its devices', revoked ones included), looked up once per push.
#[derive(Default)]
struct KnownSites(HashMap<Uuid, bool>);

impl KnownSites {
    fn known(&mut self, db: &mut dyn Db, site: Uuid) -> OfficeResult<bool> {
        if let Some(known) = self.0.get(&site) {
            return Ok(*known);
        }
        let known = db.query_one("SELECT 1 FROM device WHERE site = $1", &[site.to_string().into()])?.is_some();
        self.0.insert(site, known);
        Ok(known)
    }
}

fn field_uuid(c: &Change, field: &str) -> Option<Uuid> {
    c.fields.get(field).and_then(Value::as_str).and_then(|s| s.parse().ok())
}

/// Is the staff member's home clinic this one?
fn works_at(w: &mut Writer<'_>, staff: Uuid, clinic: Uuid) -> OfficeResult<bool> {
    Ok(w.load(Entity::Staff, &staff.to_string())?.is_some_and(|s| s.clinic == Some(clinic)))
}

fn clinic_has_admin(db: &mut dyn Db, clinic: Uuid) -> OfficeResult<bool> {
    let found = db.query(
        "SELECT fields FROM record_state WHERE entity = 'staff' AND clinic_id = $1",
        &[clinic.to_string().into()],
    )?;
    for mut row in rows(found, "staff") {
        let fields: serde_json::Map<String, Value> = row.json()?;
        if fields.get("role").and_then(Value::as_str) == Some("admin") {
            return Ok(true);
        }
    }
    Ok(false)
}

/// A concurrent edit found by [`merge`], logged once the change is known to be stored.
struct Lost {
    field: String,
    loser: Version,
    winner: Version,
    loser_value: Value,
    winner_value: Value,
}

/// Merges an edit into the record field by field; returns the fields that changed and the
/// concurrent edits to log. The device is told which of its fields lost.
fn merge(c: &Change, s: &mut State, ack: &mut Ack) -> (Vec<String>, Vec<Lost>) {
    let (mut touched, mut lost) = (Vec::new(), Vec::new());
    for (field, value) in &c.fields {
        let version = c.version_of(field);
        let Some(current) = s.version_of(field) else {
            s.fields.insert(field.clone(), value.clone());
            s.versions.insert(field.clone(), version);
            touched.push(field.clone());
            continue;
        };
        if current == version {
            continue;
        }
        let cur_value = s.fields.get(field).cloned().unwrap_or(Value::Null);
        let incoming_wins =
            wins(c.entity, field, FieldState { value, version }, FieldState { value: &cur_value, version: current });
        if !c.replay && conflict_matters(c.entity, field) && concurrent(&version, c.base.get(field), &current) {
            let (loser, winner, loser_value, winner_value) = if incoming_wins {
                (current, version, cur_value.clone(), value.clone())
            } else {
                (version, current, value.clone(), cur_value.clone())
            };
            if !incoming_wins {
                ack.lost.push(LostField { field: field.clone(), winner: cur_value.clone(), winner_version: current });
            }
            lost.push(Lost { field: field.clone(), loser, winner, loser_value, winner_value });
        }
        if incoming_wins {
            s.fields.insert(field.clone(), value.clone());
            s.versions.insert(field.clone(), version);
            touched.push(field.clone());
        }
    }
    (touched, lost)
}

fn log_lost(w: &mut Writer<'_>, c: &Change, clinic: Option<Uuid>, lost: &[Lost]) {
    for l in lost {
        w.conflict(&ConflictRow {
            kind: "lost-edit",
            entity: c.entity,
            record: &c.record,
            field: Some(&l.field),
            loser: l.loser,
            winner: Some(l.winner),
            loser_value: Some(&l.loser_value),
            winner_value: Some(&l.winner_value),
            clinic,
        });
    }
}
