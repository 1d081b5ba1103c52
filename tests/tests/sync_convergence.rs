//! Convergence, tested: a head office (the real server logic on a real SQLite file) and three
//! replicas (real encrypted databases) doing random registrations, edits, deletes, pointer
//! appends and bookings, syncing in random orders through a wire that drops requests, loses
//! answers, duplicates and replays old batches, crashes between applying a page and saving
//! its cursor, with clocks skewed by hours, and head office put back to an older copy of its
//! data while the replicas work on. Afterwards every replica's dump equals head
//! office's, nothing acknowledged is lost, nothing deleted comes back, no doctor is
//! double-booked, and every edit that lost is in the losing device's conflict log and head
//! office's.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;
use rapport_core::sync::{Transport, WireError};
use rapport_core::{Booking, ClinicSetup, FixedClock, KdfCost, KeyProtection, Rapport, Secret, Session};
use rapport_model::sync::{
    ChainRequest, ChainResponse, EnrollRequest, EnrollResponse, PullRequest, PullResponse, PushRequest, PushResponse,
    RemotePatient, SearchRequest, TakeOnRequest,
};
use rapport_model::{NewPatient, PatientEdit, PatientId, PointerKind, Role, Source, StaffId};
use rapport_server::db::{Db, DbError};
use rapport_server::office::{self, OfficeError};
use rapport_server::{Backend, Refused};

const PASSWORD: &str = "test-password-1";

fn noon() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).single().expect("time")
}

fn protection() -> KeyProtection {
    KeyProtection::Passphrase(
        Secret::new("replica passphrase"),
        KdfCost { memory_kib: 1024, iterations: 1, parallelism: 1 },
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    None,
    /// The request never arrives.
    Drop,
    /// Head office stores the batch but the answer is lost.
    LoseAnswer,
    /// The batch arrives twice.
    Duplicate,
    /// An old batch arrives again before this one.
    ReplayOld,
    /// The device applies a page and crashes before saving the cursor.
    CrashBeforeCursor,
}

/// Head office's SQLite database, which a test can copy and later put back.
struct OfficeDb {
    dir: PathBuf,
    backend: RefCell<Option<Arc<Backend>>>,
}

impl OfficeDb {
    fn tx<T, E: From<DbError>>(&self, f: impl FnOnce(&mut dyn Db) -> Result<T, E>) -> Result<T, E> {
        let backend = self.backend.borrow().clone().expect("head office is open");
        backend.tx(f)
    }

    fn file(&self) -> PathBuf {
        self.dir.join("head-office.db")
    }

    /// A consistent copy of head office's data, as a backup takes it.
    fn copy_to(&self, to: &std::path::Path) {
        let _ = std::fs::remove_file(to);
        let conn = rusqlite::Connection::open(self.file()).expect("open head office's file");
        conn.execute("VACUUM INTO ?1", [to.to_str().expect("path")]).expect("copy");
    }

    /// Head office stopped, its data put back to `from`, and started again.
    fn restore(&self, from: &std::path::Path) {
        drop(self.backend.borrow_mut().take());
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.file().display()));
        }
        std::fs::copy(from, self.file()).expect("put the copy back");
        *self.backend.borrow_mut() = Some(rapport_server::open(&self.dir, None).expect("reopen"));
    }
}

/// The wire to head office, in-process, with faults.
struct Wire {
    backend: Rc<OfficeDb>,
    token: RefCell<Option<String>>,
    fault: Cell<Fault>,
    old: RefCell<Option<PushRequest>>,
    /// Head office's clock.
    office: Arc<FixedClock>,
}

fn wire_error(e: OfficeError) -> WireError {
    match e {
        OfficeError::Refused(Refused { status, code, message, server_ms }) => WireError::Refused {
            status,
            refusal: rapport_model::sync::Refusal { server_ms, ..rapport_model::sync::Refusal::new(code, message) },
        },
        OfficeError::Db(e) => WireError::Unreachable(e.to_string()),
    }
}

impl Wire {
    fn as_device<T>(
        &self,
        f: impl FnOnce(&mut dyn rapport_server::db::Db, &office::Device) -> Result<T, OfficeError>,
    ) -> Result<T, WireError> {
        let token = self.token.borrow().clone();
        let now = rapport_core::Clock::now(&*self.office).timestamp_millis();
        self.backend
            .tx(|db| {
                let d = office::authenticate(db, token.as_deref(), now)?;
                f(db, &d)
            })
            .map_err(wire_error)
    }

    fn ingest(&self, req: &PushRequest) -> Result<PushResponse, WireError> {
        let now = rapport_core::Clock::now(&*self.office).timestamp_millis();
        self.as_device(|db, d| office::ingest(db, d, req, now))
    }
}

impl Transport for Wire {
    fn enroll(&self, req: &EnrollRequest) -> Result<EnrollResponse, WireError> {
        let now = rapport_core::Clock::now(&*self.office).timestamp_millis();
        let r = self.backend.tx(|db| office::enroll(db, req, now)).map_err(wire_error)?;
        *self.token.borrow_mut() = Some(r.token.clone());
        Ok(r)
    }

    fn push(&self, req: &PushRequest) -> Result<PushResponse, WireError> {
        let fault = self.fault.replace(Fault::None);
        if fault == Fault::Drop {
            return Err(WireError::Unreachable("dropped".into()));
        }
        if fault == Fault::ReplayOld
            && let Some(old) = self.old.borrow().clone()
        {
            self.ingest(&old)?;
        }
        let mut answer = self.ingest(req)?;
        *self.old.borrow_mut() = Some(req.clone());
        if fault == Fault::Duplicate {
            answer = self.ingest(req)?;
        }
        if fault == Fault::LoseAnswer {
            return Err(WireError::Unreachable("answer lost".into()));
        }
        Ok(answer)
    }

    fn pull(&self, req: &PullRequest) -> Result<PullResponse, WireError> {
        self.as_device(|db, d| office::pull(db, d, *req))
    }

    fn search(&self, req: &SearchRequest) -> Result<Vec<RemotePatient>, WireError> {
        self.as_device(|db, _| office::search(db, &req.query))
    }

    fn take_on(&self, req: &TakeOnRequest) -> Result<(), WireError> {
        let now = rapport_core::Clock::now(&*self.office).timestamp_millis();
        self.as_device(|db, d| office::take_on(db, d, req.patient, now)).map(drop)
    }

    fn chain(&self, req: &ChainRequest) -> Result<ChainResponse, WireError> {
        self.as_device(|db, d| office::own_chain(db, d, *req))
    }
}

struct Replica {
    app: Rapport,
    session: Option<Session>,
    clock: Arc<FixedClock>,
    skew: Duration,
    wire: Wire,
}

#[derive(Debug, Clone)]
enum Op {
    Register(usize),
    Edit(usize, usize, u8),
    Delete(usize, usize),
    Pointer(usize, usize),
    Book(usize, usize, usize, u8),
    Sync(usize, Fault),
    /// South takes on one of North's patients (perhaps edited, perhaps while South is behind).
    TakeOn(usize),
    /// The desk's clock jumps a year ahead for one edit and a sync, then is set right.
    ClockJump(usize, usize),
    /// The desk's token pushes what a compromised desk would: another desk's site, a value
    /// the model refuses, a name far too long. Each is refused on its own.
    Forge(usize, usize),
    /// Two of the desk's live patients merged into one (perhaps while another desk adds to the
    /// merged-away record), or, when the pick is a merge, undone.
    Merge(usize, usize, usize),
    Unmerge(usize, usize),
    /// A copy of head office's data is taken.
    Backup,
    /// Head office is put back to the last copy (what it stored since is gone from it).
    Restore,
}

/// Replicas 0–2 are North's desks, replica 3 is South's.
const REPLICAS: usize = 4;
const SOUTH: usize = 3;

fn clinic_of(replica: usize) -> &'static str {
    if replica == SOUTH { "South" } else { "North" }
}

fn op() -> impl Strategy<Value = Op> {
    let r = 0..REPLICAS;
    let fault = prop_oneof![
        Just(Fault::None),
        Just(Fault::Drop),
        Just(Fault::LoseAnswer),
        Just(Fault::Duplicate),
        Just(Fault::ReplayOld),
        Just(Fault::CrashBeforeCursor),
    ];
    prop_oneof![
        4 => r.clone().prop_map(Op::Register),
        3 => (r.clone(), 0..8usize, 0..4u8).prop_map(|(r, p, v)| Op::Edit(r, p, v)),
        1 => (r.clone(), 0..8usize).prop_map(|(r, p)| Op::Delete(r, p)),
        2 => (r.clone(), 0..8usize).prop_map(|(r, p)| Op::Pointer(r, p)),
        2 => (r.clone(), 0..8usize, 0..2usize, 0..3u8).prop_map(|(r, p, d, s)| Op::Book(r, p, d, s)),
        4 => (r.clone(), fault).prop_map(|(r, f)| Op::Sync(r, f)),
        1 => (0..8usize).prop_map(Op::TakeOn),
        1 => (r.clone(), 0..8usize).prop_map(|(r, p)| Op::ClockJump(r, p)),
        1 => (r.clone(), 0..8usize).prop_map(|(r, p)| Op::Forge(r, p)),
        3 => (r.clone(), 0..8usize, 0..8usize).prop_map(|(r, k, o)| Op::Merge(r, k, o)),
        1 => (r, 0..8usize).prop_map(|(r, m)| Op::Unmerge(r, m)),
        1 => Just(Op::Backup),
        1 => Just(Op::Restore),
    ]
}

/// Live patients a replica knows that were not merged into another: the ones staff can merge.
fn standing_patients(app: &Rapport) -> Vec<PatientId> {
    live_patients(app)
        .into_iter()
        .filter(|id| rapport_store::records::canonical(app.store().conn(), *id).ok() == Some(*id))
        .collect()
}

/// Live patients a replica knows, from its own dump.
fn live_patients(app: &Rapport) -> Vec<PatientId> {
    let dump = rapport_store::sync::dump(app.store().conn()).expect("dump");
    dump["patient"]
        .as_object()
        .map(|m| m.iter().filter(|(_, f)| f["deleted_at"].is_null()).filter_map(|(id, _)| id.parse().ok()).collect())
        .unwrap_or_default()
}

struct World {
    dir: tempfile::TempDir,
    backend: Rc<OfficeDb>,
    backup: Option<PathBuf>,
    /// Lost edits head office had logged before it was put back to an older copy.
    lost_before_restore: BTreeSet<(String, String, String, String)>,
    /// Head office was put back to an older copy at least once.
    restored: bool,
    office: Arc<FixedClock>,
    replicas: Vec<Replica>,
    doctors: Vec<StaffId>,
    registered: BTreeSet<PatientId>,
    deleted: BTreeSet<PatientId>,
    /// Merges made, by which replica.
    merges: Vec<(usize, uuid::Uuid)>,
}

fn world() -> World {
    let dir = tempfile::tempdir().expect("temp dir");
    let backend = Rc::new(OfficeDb {
        dir: dir.path().join("office"),
        backend: RefCell::new(Some(rapport_server::open(&dir.path().join("office"), None).expect("office"))),
    });
    let now = noon().timestamp_millis();
    backend.tx(|db| office::add_clinic(db, "North", now)).expect("clinic");
    backend.tx(|db| office::add_clinic(db, "South", now)).expect("clinic");
    // Clocks: right, three hours slow, two minutes fast (within what head office accepts).
    let skews = [Duration::zero(), Duration::hours(-3), Duration::minutes(2), Duration::zero()];
    let office = Arc::new(FixedClock::new(noon()));
    let mut replicas = Vec::new();
    let mut doctors = Vec::new();
    for (i, skew) in skews.into_iter().enumerate() {
        let clock = Arc::new(FixedClock::new(noon() + skew));
        let db = dir.path().join(format!("replica-{i}.db"));
        let (mut app, session) = if i == 0 || i == SOUTH {
            let setup = ClinicSetup {
                clinic_name: clinic_of(i),
                admin_login: if i == SOUTH { "boss" } else { "admin" },
                admin_name: "Admin",
                admin_password: &Secret::new(PASSWORD),
            };
            let (mut app, admin) = Rapport::init(&db, &protection(), &setup, clock.clone()).expect("init");
            if i == 0 {
                for login in ["dr.a", "dr.b"] {
                    let s =
                        app.add_staff(&admin, login, login, Role::Clinician, &Secret::new(PASSWORD)).expect("staff");
                    doctors.push(s.id);
                }
            }
            (app, Some(admin))
        } else {
            (Rapport::create_for_enrollment(&db, &protection(), clock.clone()).expect("create"), None)
        };
        let wire = Wire {
            backend: Rc::clone(&backend),
            token: RefCell::new(None),
            fault: Cell::new(Fault::None),
            old: RefCell::new(None),
            office: Arc::clone(&office),
        };
        let code = backend.tx(|db| office::new_enroll_code(db, clinic_of(i), now)).expect("code");
        app.enroll(&wire, "inproc://office", &code, None, false).expect("enroll");
        app.sync_now(&wire).expect("first sync");
        let session = session.or_else(|| Some(app.login("admin", &Secret::new(PASSWORD)).expect("login")));
        replicas.push(Replica { app, session, clock, skew, wire });
    }
    World {
        dir,
        backend,
        backup: None,
        lost_before_restore: BTreeSet::new(),
        restored: false,
        office,
        replicas,
        doctors,
        registered: BTreeSet::new(),
        deleted: BTreeSet::new(),
        merges: Vec::new(),
    }
}

impl World {
    fn run(&mut self, op: &Op, step: i64) {
        self.office.set(noon() + Duration::minutes(step));
        for r in &mut self.replicas {
            r.clock.set(noon() + Duration::minutes(step) + r.skew);
        }
        let doctors = self.doctors.clone();
        match *op {
            Op::Register(r) => {
                let rep = &mut self.replicas[r];
                let s = rep.session.clone().expect("session");
                let new =
                    NewPatient { given: format!("Given{step}"), family: format!("Family{r}"), ..NewPatient::default() };
                let p = rep.app.register_patient(&s, new).expect("register");
                self.registered.insert(p.id);
            }
            Op::Edit(r, pick, value) => {
                let rep = &mut self.replicas[r];
                let live = live_patients(&rep.app);
                if let Some(id) = live.get(pick % live.len().max(1)) {
                    let s = rep.session.clone().expect("session");
                    let edit = PatientEdit { given: Some(format!("Name{value}r{r}")), ..PatientEdit::default() };
                    rep.app.edit_patient(&s, *id, edit).expect("edit");
                }
            }
            Op::Delete(r, pick) => {
                let rep = &mut self.replicas[r];
                let live = live_patients(&rep.app);
                if let Some(id) = live.get(pick % live.len().max(1)) {
                    let s = rep.session.clone().expect("session");
                    rep.app.delete_patient(&s, *id).expect("delete");
                    self.deleted.insert(*id);
                }
            }
            Op::Pointer(r, pick) => {
                let rep = &mut self.replicas[r];
                let live = live_patients(&rep.app);
                if let Some(id) = live.get(pick % live.len().max(1)) {
                    let s = rep.session.clone().expect("session");
                    let new = rapport_core::NewPointer {
                        kind: PointerKind::Travel,
                        text: format!("back from a trip, step {step}"),
                        event_date: None,
                        source: Source::CheckIn,
                    };
                    rep.app.add_pointer(&s, *id, new).expect("pointer");
                }
            }
            Op::Book(r, pick, doctor, slot) => {
                let rep = &mut self.replicas[r];
                let live = live_patients(&rep.app);
                if let Some(id) = live.get(pick % live.len().max(1)) {
                    let s = rep.session.clone().expect("session");
                    let starts_at = noon() + Duration::days(2) + Duration::minutes(15 * i64::from(slot));
                    let b = Booking { patient: *id, doctor: doctors[doctor], starts_at, minutes: 15, reason: None };
                    // This desk may already know the slot is taken: then it refuses, as it should.
                    let _ = rep.app.book(&s, b);
                }
            }
            Op::TakeOn(pick) => {
                let north: Vec<PatientId> =
                    self.registered.iter().copied().filter(|p| !self.deleted.contains(p)).collect();
                let Some(id) = north.get(pick % north.len().max(1)) else { return };
                let rep = &mut self.replicas[SOUTH];
                let s = rep.session.clone().expect("session");
                rep.wire.fault.set(Fault::None);
                // Refused if South registered the patient itself or it was deleted meanwhile.
                let _ = rep.app.take_on_via(&s, &rep.wire, uuid::Uuid::from_bytes(*id.as_bytes()));
            }
            Op::ClockJump(r, pick) => {
                let rep = &mut self.replicas[r];
                rep.clock.set(noon() + Duration::minutes(step) + Duration::days(365));
                let live = live_patients(&rep.app);
                if let Some(id) = live.get(pick % live.len().max(1)) {
                    let s = rep.session.clone().expect("session");
                    let edit = PatientEdit { family: Some(format!("Future{step}")), ..PatientEdit::default() };
                    rep.app.edit_patient(&s, *id, edit).expect("edit");
                }
                rep.wire.fault.set(Fault::None);
                let refused = rep.app.sync_now(&rep.wire);
                assert!(refused.is_err() || live.is_empty(), "head office refuses a clock a year ahead");
                // The clock is set right at the next step; the change goes up re-stamped.
            }
            Op::Forge(r, pick) => {
                let rep = &mut self.replicas[r];
                let live = live_patients(&rep.app);
                let Some(id) = live.get(pick % live.len().max(1)) else { return };
                let now = rapport_core::Clock::now(&*rep.clock).timestamp_millis();
                let site = rapport_store::sync::site(rep.app.store().conn()).expect("site");
                let forged = |site: uuid::Uuid, fields: serde_json::Value| rapport_model::sync::Change {
                    id: uuid::Uuid::new_v4(),
                    entity: rapport_model::sync::Entity::Patient,
                    record: id.to_string(),
                    version: rapport_model::sync::Version { hlc: rapport_model::sync::hlc_from_ms(now), site },
                    fields: serde_json::from_value(fields).expect("fields"),
                    versions: BTreeMap::new(),
                    base: BTreeMap::new(),
                    schema: rapport_model::sync::SCHEMA_VERSION,
                    replay: false,
                    seq: None,
                };
                let changes = vec![
                    forged(uuid::Uuid::new_v4(), serde_json::json!({"given": "Spoofed"})),
                    forged(site, serde_json::json!({"given": "\u{1b}[2JWiped"})),
                    forged(site, serde_json::json!({"family": "x".repeat(5_000)})),
                ];
                let answer = rep.wire.ingest(&PushRequest { changes, mark: None }).expect("answered");
                assert!(answer.acks.iter().all(|a| a.refused.is_some()), "a forged change was stored");
            }
            Op::Merge(r, keep, other) => {
                let rep = &mut self.replicas[r];
                let live = standing_patients(&rep.app);
                if live.len() < 2 {
                    return;
                }
                let keep = keep % live.len();
                // Any other standing patient: never the kept one.
                let other = (keep + 1 + other % (live.len() - 1)) % live.len();
                let s = rep.session.clone().expect("session");
                let m = rep.app.merge_patients(&s, live[keep], live[other], &BTreeMap::new()).expect("merge");
                self.merges.push((r, m.id));
            }
            Op::Unmerge(r, pick) => {
                let rep = &mut self.replicas[r];
                let dump = rapport_store::sync::dump(rep.app.store().conn()).expect("dump");
                let held: Vec<uuid::Uuid> = dump["patient_merge"]
                    .as_object()
                    .map(|m| {
                        m.iter()
                            .filter(|(_, f)| f["undone_at"].is_null())
                            .filter_map(|(id, _)| id.parse().ok())
                            .collect()
                    })
                    .unwrap_or_default();
                if let Some(id) = held.get(pick % held.len().max(1)) {
                    let s = rep.session.clone().expect("session");
                    // Refused only if this desk has not seen a patient of it (it has: it holds it).
                    rep.app.unmerge_patients(&s, *id).expect("unmerge");
                }
            }
            Op::Backup => {
                let copy = self.dir.path().join("backup.db");
                self.backend.copy_to(&copy);
                self.backup = Some(copy);
            }
            Op::Restore => {
                if let Some(copy) = &self.backup {
                    self.lost_before_restore.extend(server_lost_edits(&self.backend));
                    self.backend.restore(copy);
                    self.restored = true;
                }
            }
            Op::Sync(r, fault) => {
                let rep = &mut self.replicas[r];
                if fault == Fault::CrashBeforeCursor {
                    let conn = rep.app.store().conn();
                    let cursor = rapport_store::sync::cursor(conn).expect("cursor");
                    let mark = rapport_store::sync::mark(conn).expect("mark");
                    // Refused (`log_rewound`) when head office was put back meanwhile: the
                    // desk's next sync handles that.
                    if let Ok(page) = rep.wire.pull(&PullRequest {
                        cursor,
                        limit: 50,
                        mark,
                        schema: rapport_model::sync::SCHEMA_VERSION,
                    }) {
                        rep.app.apply_page(&page.changes, None, page.server_hlc).expect("apply without cursor");
                    }
                    return;
                }
                rep.wire.fault.set(fault);
                // A failed sync is expected under faults; the next one resumes.
                let _ = rep.app.sync_now(&rep.wire);
            }
        }
    }

    fn settle(&mut self) {
        // Every clock set right (the last step may have left one a year ahead).
        let now = rapport_core::Clock::now(&*self.office);
        for r in &mut self.replicas {
            r.clock.set(now + r.skew);
        }
        for _ in 0..3 {
            for rep in &mut self.replicas {
                rep.wire.fault.set(Fault::None);
                rep.app.sync_now(&rep.wire).expect("sync without faults");
            }
        }
    }
}

fn server_lost_edits(backend: &OfficeDb) -> Vec<(String, String, String, String)> {
    backend
        .tx(|db| {
            Ok::<_, OfficeError>(
                db.query("SELECT entity, record, field, loser_version FROM conflict WHERE kind = 'lost-edit'", &[])?,
            )
        })
        .expect("conflicts")
        .into_iter()
        .map(|r| {
            let text = |i: usize| r[i].text().unwrap_or_default().to_owned();
            let site = text(3).split_once('@').map(|(_, s)| s.to_owned()).unwrap_or_default();
            (text(0), text(1), text(2), site)
        })
        .collect()
}

/// The site whose write a field of head office's merged state holds.
fn final_writer(backend: &OfficeDb, entity: &str, record: &str, field: &str) -> Option<String> {
    let row = backend
        .tx(|db| {
            Ok::<_, OfficeError>(db.query_one(
                "SELECT versions FROM record_state WHERE entity = $1 AND record = $2",
                &[entity.into(), record.into()],
            )?)
        })
        .expect("state")?;
    let versions: BTreeMap<String, rapport_model::sync::Version> =
        serde_json::from_str(row[0].text().unwrap_or("{}")).expect("versions");
    versions.get(field).or_else(|| versions.get("*")).map(|v| v.site.to_string())
}

fn check(w: &World) {
    let office_dump = w.backend.tx(|db| office::dump(db, "North")).expect("office dump");
    let south_dump = w.backend.tx(|db| office::dump(db, "South")).expect("office dump");
    for (i, rep) in w.replicas.iter().enumerate() {
        let text =
            serde_json::to_string(&rapport_store::sync::dump(rep.app.store().conn()).expect("dump")).expect("json");
        let office_text = serde_json::to_string(if i == SOUTH { &south_dump } else { &office_dump }).expect("json");
        assert_eq!(text, office_text, "replica {i} differs from head office");
        let status = rep.app.sync_status().expect("status");
        assert_eq!(status.pending, 0, "replica {i} has unsent changes");
        assert_eq!(status.quarantined, 0, "replica {i} could not apply a change from head office");
    }
    // Merges: the desks of a clinic agree on which record each one now is, and what belongs
    // to a merged-away record (a pointer added while apart among it) reads as the kept one's.
    let mut seen_as: BTreeMap<(bool, String), String> = BTreeMap::new();
    for (i, rep) in w.replicas.iter().enumerate() {
        let conn = rep.app.store().conn();
        let dump = rapport_store::sync::dump(conn).expect("dump");
        for id in dump["patient"].as_object().expect("patients").keys() {
            let id: PatientId = id.parse().expect("id");
            let now = rapport_store::records::canonical(conn, id).expect("canonical");
            let agreed = seen_as.entry((i == SOUTH, id.to_string())).or_insert_with(|| now.to_string());
            assert_eq!(*agreed, now.to_string(), "replica {i} reads a record as another patient");
            if now == id {
                continue;
            }
            let on_card: BTreeSet<String> = rapport_store::records::current_pointers(conn, now)
                .expect("pointers")
                .into_iter()
                .map(|p| p.id.to_string())
                .collect();
            for (pointer, f) in dump["pointer"].as_object().expect("pointers") {
                if f["patient_id"] == id.to_string() {
                    assert!(
                        on_card.contains(pointer),
                        "replica {i}: a merged-away record's pointer is not on the card"
                    );
                }
            }
        }
    }
    for (r, merge) in &w.merges {
        let clinic = if *r == SOUTH { &south_dump } else { &office_dump };
        assert!(clinic["patient_merge"].get(merge.to_string()).is_some(), "a merge was lost");
    }
    // What South took on is the same record in both clinics.
    for (id, p) in south_dump["patient"].as_object().expect("patients") {
        if let Some(north) = office_dump["patient"].get(id) {
            assert_eq!(north, p, "a patient held by both clinics differs");
        }
    }
    let mut patients = office_dump["patient"].as_object().expect("patients").clone();
    patients.extend(south_dump["patient"].as_object().expect("patients").clone());
    for id in &w.registered {
        assert!(patients.contains_key(&id.to_string()), "a registered patient was lost");
    }
    for id in &w.deleted {
        assert!(!patients[&id.to_string()]["deleted_at"].is_null(), "a deleted patient came back");
    }
    // No doctor holds two appointments at once.
    let mut held: BTreeMap<String, Vec<(i64, i64)>> = BTreeMap::new();
    for a in office_dump["appointment"].as_object().expect("appointments").values() {
        if matches!(a["status"].as_str(), Some("cancelled" | "no-show")) {
            continue;
        }
        let start = a["starts_at"].as_i64().expect("start");
        let end = start + a["minutes"].as_i64().expect("minutes") * 60_000;
        held.entry(a["doctor"].as_str().expect("doctor").to_owned()).or_default().push((start, end));
    }
    for slots in held.values_mut() {
        slots.sort_unstable();
        assert!(slots.windows(2).all(|p| p[0].1 <= p[1].0), "a doctor is double-booked");
    }
    // Every lost edit is in the losing device's log and head office's.
    let mut office_lost = server_lost_edits(&w.backend);
    office_lost.extend(w.lost_before_restore.iter().cloned());
    for (i, rep) in w.replicas.iter().enumerate() {
        let site = rapport_store::sync::site(rep.app.store().conn()).expect("site").to_string();
        let mine: BTreeSet<(String, String, String)> = rapport_store::sync::conflicts(rep.app.store().conn(), true)
            .expect("conflicts")
            .into_iter()
            .filter(|c| c.kind == rapport_model::sync::ConflictKind::LostEdit)
            .map(|c| (c.entity.as_str().to_owned(), c.record, c.field.unwrap_or_default()))
            .collect();
        // A losing edit that the same desk later overwrote itself (its own value is what stands)
        // lost nothing that desk still wanted.
        let office_mine: BTreeSet<(String, String, String)> = office_lost
            .iter()
            .filter(|(_, _, _, s)| *s == site)
            .filter(|(e, r, f, _)| final_writer(&w.backend, e, r, f).as_deref() != Some(site.as_str()))
            .map(|(e, r, f, _)| (e.clone(), r.clone(), f.clone()))
            .collect();
        let office_any: BTreeSet<(String, String, String)> =
            office_lost.iter().map(|(e, r, f, _)| (e.clone(), r.clone(), f.clone())).collect();
        assert!(office_mine.is_subset(&mine), "replica {i} misses a lost edit head office logged");
        // History sent again after a restore carries no base versions, so head office cannot
        // tell a concurrent edit from one made after seeing the other and logs neither; the desk
        // whose edit lost still logs it (a known gap, see ARCHITECTURE.md).
        if !w.restored {
            assert!(mine.is_subset(&office_any), "replica {i} logged a lost edit head office did not");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn replicas_converge_under_faults(ops in proptest::collection::vec(op(), 10..40)) {
        let mut w = world();
        for (step, op) in ops.iter().enumerate() {
            w.run(op, i64::try_from(step).unwrap_or(0) + 1);
        }
        w.settle();
        check(&w);
    }
}

/// Three desks of one clinic: one merges two records while another, apart, adds a pointer to
/// the record being merged away and the third books it a visit. All three end with one
/// patient holding both, and undoing the merge on the third gives both records back everywhere.
#[test]
fn a_merge_reaches_every_desk_and_what_was_added_meanwhile_is_kept() {
    let mut w = world();
    let mut step = 0;
    let mut run = |w: &mut World, op: Op| {
        step += 1;
        w.run(&op, step);
    };
    run(&mut w, Op::Register(0));
    run(&mut w, Op::Register(0));
    for r in 0..3 {
        run(&mut w, Op::Sync(r, Fault::None));
    }
    let conn = |w: &World, r: usize| live_patients(&w.replicas[r].app);
    let [keep, other] = <[PatientId; 2]>::try_from(conn(&w, 1)).expect("two patients on every desk");
    // Apart: desk 1 adds a pointer to `other`, desk 2 books `other` a visit, desk 0 merges.
    run(&mut w, Op::Pointer(1, 1));
    run(&mut w, Op::Book(2, 1, 0, 0));
    run(&mut w, Op::Merge(0, 0, 0));
    w.settle();
    check(&w);
    for (r, rep) in w.replicas.iter_mut().enumerate().take(3) {
        let s = rep.session.clone().expect("session");
        let card = rep.app.open_patient(&s, other).expect("card");
        assert_eq!(card.patient.id, keep, "desk {r} opens the merged-away record as the kept one");
        assert_eq!(card.pointers.len(), 1, "desk {r} shows the pointer added while apart");
        assert!(card.next_appointment.is_some(), "desk {r} shows the visit booked while apart");
    }
    let (_, merge) = w.merges[0];
    {
        let rep = &mut w.replicas[2];
        let s = rep.session.clone().expect("session");
        rep.app.unmerge_patients(&s, merge).expect("unmerge");
    }
    w.settle();
    check(&w);
    for rep in w.replicas.iter_mut().take(3) {
        let s = rep.session.clone().expect("session");
        let card = rep.app.open_patient(&s, other).expect("card");
        assert_eq!((card.patient.id, card.pointers.len()), (other, 1), "the record is itself again");
    }
}

/// Found by the property test: South takes on a patient of North's that a North desk merged
/// away while South was behind. South's next pull reaches the merge's own change (now in its
/// scope) before the full state of the kept record; the desk skips it, as it skips a pointer of
/// a patient not here yet, and applies the copy the take-on sends after both records.
#[test]
fn a_merge_pulled_before_its_kept_record_waits_for_the_take_on_copy() {
    let ops = [
        Op::Register(2),
        Op::Pointer(0, 0),
        Op::Sync(2, Fault::LoseAnswer),
        Op::Register(0),
        Op::ClockJump(3, 0),
        Op::Register(2),
        Op::Merge(2, 1, 0),
        Op::Sync(2, Fault::None),
        Op::TakeOn(0),
        Op::Register(0),
    ];
    let mut w = world();
    for (step, op) in ops.iter().enumerate() {
        w.run(op, i64::try_from(step).unwrap_or(0) + 1);
    }
    w.settle();
    check(&w);
}
