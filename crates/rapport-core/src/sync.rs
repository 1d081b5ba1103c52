//! The sync engine: enrollment, push (outbox batches until head office has acknowledged every
//! change), pull (pages applied in one transaction with their cursor), status, conflicts, and a
//! background loop with back-off. The wire is [`Transport`]: HTTPS in the app, or any other
//! implementation (the property tests drive a server in-process through a faulty one).
//!
//! **Invariant:** an outbox row is dropped only in the transaction that records head office's
//! acknowledgement of it, and a page's changes and its cursor commit together, so a sync cut
//! at any point resumes without losing or doubling anything.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rapport_model::Says;
use rapport_model::ipc::Said;
use rapport_model::sync::Entity;
use rapport_model::sync::{
    ChainRequest, ChainResponse, Change, Conflict, ConflictKind, EnrollRequest, EnrollResponse, LogMark,
    PUSH_BUDGET_BYTES, PullRequest, PullResponse, PushRequest, PushResponse, Refusal, RemotePatient, SCHEMA_VERSION,
    SearchRequest, SyncReport, SyncStatus, TakeOnRequest,
};
use rapport_model::view::ConflictView;
use rapport_model::{AppointmentId, Operation, PatientId, PointerId, RefusalCode};
use rapport_store::{KeyProtection, Store, WallClock, meta, records, search, sync};
use serde::Serialize;

use crate::{Clock, Error, ErrorCode, Rapport, Result, Session};

/// Changes sent per push request at most (and at most [`PUSH_BUDGET_BYTES`] of them).
pub const PUSH_BATCH: usize = 500;
/// Changes asked for per pull request.
pub const PULL_PAGE: u32 = 1000;
/// A sync that pulls at least this many changes (a new desk, or one catching up) merges the
/// search index's segments at its end.
const BULK_PULL: usize = 5 * PULL_PAGE as usize;

/// Why a request to head office did not get an answer, or got a refusal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WireError {
    /// No answer (network down, server stopped, connection cut, timeout).
    Unreachable(String),
    /// Head office answered with a refusal.
    Refused { status: u16, refusal: Refusal },
}

impl From<WireError> for Error {
    fn from(e: WireError) -> Self {
        match e {
            WireError::Unreachable(why) => Error::new(ErrorCode::Offline, format!("head office is unreachable: {why}"))
                .saying(Said::new(Says::HeadOfficeUnreachable)),
            WireError::Refused { refusal, .. } => Error::new(ErrorCode::Refused, refusal_words(&refusal)),
        }
    }
}

/// Certificates as a person may paste them, with their line breaks lost or changed: each one
/// between its BEGIN and END lines written again in the usual 64-character lines. Text without
/// a certificate is returned as it is (and then refused as not PEM).
fn tidy_pem(text: &str) -> String {
    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    const END: &str = "-----END CERTIFICATE-----";
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find(BEGIN) {
        let after = &rest[start + BEGIN.len()..];
        let Some(end) = after.find(END) else { break };
        let body: Vec<char> = after[..end].chars().filter(|c| !c.is_whitespace()).collect();
        out.push_str(BEGIN);
        out.push('\n');
        for line in body.chunks(64) {
            out.extend(line);
            out.push('\n');
        }
        out.push_str(END);
        out.push('\n');
        rest = &after[end + END.len()..];
    }
    if out.is_empty() { text.to_owned() } else { out }
}

/// A refusal in the desk's own words; head office's sentence only for a code this desk does not know.
fn refusal_words(refusal: &Refusal) -> String {
    match refusal.code {
        RefusalCode::Unknown => format!("head office refused: {}", refusal.message),
        code => code.words().to_owned(),
    }
}

/// How the engine talks to head office.
pub trait Transport {
    fn enroll(&self, req: &EnrollRequest) -> Result<EnrollResponse, WireError>;
    fn push(&self, req: &PushRequest) -> Result<PushResponse, WireError>;
    fn pull(&self, req: &PullRequest) -> Result<PullResponse, WireError>;
    fn search(&self, req: &SearchRequest) -> Result<Vec<RemotePatient>, WireError>;
    fn take_on(&self, req: &TakeOnRequest) -> Result<(), WireError>;
    /// This device's own audit rows head office holds (a desk restored from a backup).
    fn chain(&self, req: &ChainRequest) -> Result<ChainResponse, WireError>;
}

/// HTTPS (or, for tests against `--insecure-http`, plain HTTP) to head office.
#[derive(Debug)]
pub struct HttpTransport {
    client: reqwest::blocking::Client,
    base: String,
    token: Option<String>,
}

impl HttpTransport {
    /// `ca_pem` is trusted instead of the system's roots when given (a head office with its own CA).
    pub fn new(server: &str, token: Option<String>, ca_pem: Option<&str>) -> Result<Self> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = reqwest::blocking::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(60))
            .user_agent(concat!("rapport/", env!("CARGO_PKG_VERSION")));
        if let Some(pem) = ca_pem {
            let certs = reqwest::Certificate::from_pem_bundle(tidy_pem(pem).as_bytes())
                .map_err(|_| Error::invalid("the CA certificate is not a PEM certificate"))?;
            builder = builder.tls_certs_only(certs);
        }
        let client = builder.build().map_err(|e| Error::new(ErrorCode::Offline, format!("HTTP client: {e}")))?;
        Ok(Self { client, base: server.trim_end_matches('/').to_owned(), token })
    }

    fn post<Q: Serialize, A: serde::de::DeserializeOwned>(&self, path: &str, body: &Q) -> Result<A, WireError> {
        let mut req = self.client.post(format!("{}{path}", self.base)).json(body);
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().map_err(|e| WireError::Unreachable(describe(&e)))?;
        let status = resp.status();
        if status.is_success() {
            // A decoding error quotes what it could not read, which may be patient data.
            return resp.json().map_err(|e| {
                WireError::Unreachable(if e.is_decode() {
                    "head office's answer could not be read (is the server a Rapport head office of this version?)"
                        .into()
                } else {
                    describe(&e)
                })
            });
        }
        let refusal = resp
            .json::<Refusal>()
            .unwrap_or_else(|_| Refusal::new(RefusalCode::Unknown, format!("HTTP {}", status.as_u16())));
        if status.is_server_error() {
            return Err(WireError::Unreachable(refusal.message));
        }
        Err(WireError::Refused { status: status.as_u16(), refusal })
    }
}

/// A transport error and its causes. They name head office's address, never a body (requests
/// carry all data in the body, none in the URL).
fn describe(e: &reqwest::Error) -> String {
    let mut parts = Vec::new();
    let mut source: Option<&dyn std::error::Error> = Some(e);
    while let Some(s) = source {
        parts.push(s.to_string());
        source = s.source();
    }
    parts.join(": ")
}

impl Transport for HttpTransport {
    fn enroll(&self, req: &EnrollRequest) -> Result<EnrollResponse, WireError> {
        self.post("/v1/enroll", req)
    }
    fn push(&self, req: &PushRequest) -> Result<PushResponse, WireError> {
        self.post("/v1/push", req)
    }
    fn pull(&self, req: &PullRequest) -> Result<PullResponse, WireError> {
        self.post("/v1/pull", req)
    }
    fn search(&self, req: &SearchRequest) -> Result<Vec<RemotePatient>, WireError> {
        self.post("/v1/patients/search", req)
    }
    fn take_on(&self, req: &TakeOnRequest) -> Result<(), WireError> {
        self.post::<_, serde_json::Value>("/v1/patients/take-on", req).map(drop)
    }
    fn chain(&self, req: &ChainRequest) -> Result<ChainResponse, WireError> {
        self.post("/v1/chain", req)
    }
}

/// How a round of pushing and pulling ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    Done,
    /// Head office's log no longer holds what this desk saw in it.
    Rewound,
}

fn is_rewound(e: &WireError) -> bool {
    matches!(e, WireError::Refused { refusal, .. } if refusal.code == RefusalCode::LogRewound)
}

/// Where the device's head-office settings live (in the encrypted database, like the data).
mod keys {
    pub const SERVER: &str = "sync_server";
    pub const TOKEN: &str = "sync_token";
    pub const DEVICE: &str = "sync_device";
    pub const CLINIC: &str = "sync_clinic";
    pub const CA: &str = "sync_ca_pem";
    pub const LAST_SUCCESS: &str = "sync_last_success";
    pub const LAST_ERROR: &str = "sync_last_error";
    pub const RESTORED: &str = "sync_restored_at";
    /// How head office's sending of this clinic's messages stood at the last pull (JSON).
    pub const OUTBOX: &str = "sync_outbox_health";
}

/// How this device reaches head office, once enrolled.
#[derive(Debug, Clone)]
pub struct Enrollment {
    pub server: String,
    pub token: String,
    pub device: String,
    pub clinic: String,
    pub ca_pem: Option<String>,
}

impl Enrollment {
    pub fn transport(&self) -> Result<HttpTransport> {
        HttpTransport::new(&self.server, Some(self.token.clone()), self.ca_pem.as_deref())
    }
}

impl Rapport {
    /// A new, empty, encrypted database for a device about to enroll: keyed as `init` keys one,
    /// with no clinic or staff of its own (they come from head office).
    pub fn create_for_enrollment(path: &Path, protection: &KeyProtection, clock: Arc<dyn Clock>) -> Result<Self> {
        crate::check_protection(protection)?;
        let store = Store::create(path, protection)?;
        let mut app = Self::with_store(store, clock);
        let site = crate::site_code()?;
        app.store.write(|tx| -> Result<()> {
            meta::set(tx, "site_code", &site)?;
            meta::set(tx, "idle_lock_minutes", "10")?;
            Ok(())
        })?;
        Ok(app)
    }

    /// First run on a desk of a clinic head office knows: a new database
    /// ([`Self::create_for_enrollment`]) enrolled with `code`. If head office refuses, nothing is
    /// left behind, so the same command can be tried again. The caller then syncs, which brings
    /// the clinic's staff, patients and schedule.
    pub fn join_head_office(
        path: &Path,
        protection: &KeyProtection,
        clock: Arc<dyn Clock>,
        server: &str,
        code: &str,
        ca_pem: Option<&str>,
    ) -> Result<Self> {
        let transport = HttpTransport::new(server, None, ca_pem)?;
        let mut app = Self::create_for_enrollment(path, protection, clock)?;
        if let Err(e) = app.enroll(&transport, server, code, ca_pem, false) {
            drop(app);
            Store::discard(path);
            return Err(e);
        }
        Ok(app)
    }

    /// Enrolls this open desk from the window: a manager's or admin's setting, audited.
    pub fn enroll_here(
        &mut self,
        s: &Session,
        server: &str,
        code: &str,
        ca_pem: Option<&str>,
        again: bool,
    ) -> Result<()> {
        s.require(Operation::ChangeSettings)?;
        let transport = HttpTransport::new(server, None, ca_pem)?;
        self.enroll(&transport, server, code, ca_pem, again)?;
        self.audited(s, "sync.enroll", None)
    }

    pub fn enrollment(&self) -> Result<Option<Enrollment>> {
        let conn = self.store.conn();
        let (Some(server), Some(token)) = (meta::get(conn, keys::SERVER)?, meta::get(conn, keys::TOKEN)?) else {
            return Ok(None);
        };
        Ok(Some(Enrollment {
            server,
            token,
            device: meta::get(conn, keys::DEVICE)?.unwrap_or_default(),
            clinic: meta::get(conn, keys::CLINIC)?.unwrap_or_default(),
            ca_pem: meta::get(conn, keys::CA)?,
        }))
    }

    fn require_enrollment(&self) -> Result<Enrollment> {
        self.enrollment()?.ok_or_else(|| {
            Error::new(ErrorCode::NotInitialized, "this device is not enrolled; run `rapport sync enroll` first")
        })
    }

    /// Spends a one-time code from head office and keeps the device's token. With `again`, a
    /// device that was enrolled (and revoked, or enrolled by an older head office) takes a new
    /// token and keeps everything it had not sent yet.
    pub fn enroll(
        &mut self,
        transport: &dyn Transport,
        server: &str,
        code: &str,
        ca_pem: Option<&str>,
        again: bool,
    ) -> Result<()> {
        match (self.enrollment()?, again) {
            (Some(_), false) => {
                return Err(Error::new(
                    ErrorCode::AlreadyExists,
                    "this device is enrolled already; to enroll it again with a new code, add --again",
                ));
            }
            (None, true) => return Err(Error::invalid("this device was never enrolled; leave out --again")),
            _ => {}
        }
        let device_name = std::env::var("HOSTNAME")
            .ok()
            .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
            .map_or_else(|| "desk".to_owned(), |h| h.trim().to_owned());
        let site = self.store.write(|tx| -> Result<uuid::Uuid> { Ok(sync::site(tx)?) })?;
        let r = transport.enroll(&EnrollRequest { code: code.trim().to_owned(), site, device_name })?;
        let wall = self.clock.now().timestamp_millis();
        self.store.write(|tx| -> Result<()> {
            // What the desk holds goes up once, as it stands; every write from now on follows.
            sync::start_replicating(tx, wall)?;
            meta::set(tx, keys::SERVER, server.trim_end_matches('/'))?;
            meta::set(tx, keys::TOKEN, &r.token)?;
            meta::set(tx, keys::DEVICE, &r.device_id.to_string())?;
            meta::set(tx, keys::CLINIC, &r.clinic_name)?;
            if let Some(pem) = ca_pem {
                meta::set(tx, keys::CA, pem)?;
            }
            if meta::get(tx, "clinic_name")?.is_none_or(|n| n.is_empty()) {
                meta::set(tx, "clinic_name", &r.clinic_name)?;
            }
            Ok(())
        })
    }

    /// Pushes every pending change, then pulls until caught up.
    pub fn sync_now(&mut self, transport: &dyn Transport) -> Result<SyncReport> {
        let out = self.sync_inner(transport);
        let now = self.clock.now();
        let note = match &out {
            Ok(_) => None,
            Err(e) => Some(e.message.clone()),
        };
        self.store.write(|tx| -> Result<()> {
            match &note {
                None => {
                    meta::set(tx, keys::LAST_SUCCESS, &now.timestamp_millis().to_string())?;
                    meta::remove(tx, keys::LAST_ERROR)?;
                }
                Some(msg) => meta::set(tx, keys::LAST_ERROR, msg)?,
            }
            Ok(())
        })?;
        out
    }

    fn sync_inner(&mut self, transport: &dyn Transport) -> Result<SyncReport> {
        let mut report = SyncReport::default();
        // Put back from a backup: first its own audit rows written since come back.
        let catching_up = self.catch_up(transport)?;
        let conflicts_before = sync::open_conflicts(self.store.conn())?;
        if self.push_and_pull(transport, &mut report)? == Flow::Rewound {
            // Head office was restored from an older copy: what it acknowledged since may be
            // gone. Everything this desk holds goes again, and everything is pulled anew.
            let wall = self.clock.now().timestamp_millis();
            report.resent = self.store.write(|tx| -> Result<usize> {
                meta::set(tx, keys::RESTORED, &wall.to_string())?;
                Ok(sync::rewind(tx, wall)?)
            })?;
            if self.push_and_pull(transport, &mut report)? == Flow::Rewound {
                return Err(Error::new(
                    ErrorCode::Refused,
                    "head office's log moved back again during this sync; try again",
                ));
            }
        }
        report.conflicts = usize::try_from(sync::open_conflicts(self.store.conn())?.saturating_sub(conflicts_before))
            .unwrap_or(usize::MAX);
        if let Some(recovered) = catching_up {
            report.recovered = recovered;
            self.caught_up()?;
        }
        Ok(report)
    }

    /// Pushes every pending change (changes made meanwhile go too), then pulls until head office
    /// has nothing newer.
    fn push_and_pull(&mut self, transport: &dyn Transport, report: &mut SyncReport) -> Result<Flow> {
        loop {
            let batch = PushRequest {
                changes: sync::outbox(self.store.conn(), PUSH_BATCH, PUSH_BUDGET_BYTES)?,
                mark: sync::mark(self.store.conn())?,
            };
            if batch.changes.is_empty() {
                break;
            }
            let resp = match transport.push(&batch) {
                Ok(resp) => resp,
                Err(e) if is_rewound(&e) => return Ok(Flow::Rewound),
                Err(e) => {
                    // Changes made while this desk's clock ran ahead: re-stamped by head office's
                    // clock, so they go up at the next sync instead of being refused for ever.
                    if let WireError::Refused { refusal: Refusal { code, server_ms: Some(office_ms), .. }, .. } = &e
                        && *code == RefusalCode::ClockAhead
                    {
                        let office_ms = *office_ms;
                        self.store.write(|tx| -> Result<usize> { Ok(sync::restamp_ahead(tx, office_ms)?) })?;
                    }
                    return Err(e.into());
                }
            };
            let now = self.clock.now().timestamp_millis();
            report.rejected += resp.acks.iter().filter(|a| a.rejected.is_some()).count();
            report.refused += resp.acks.iter().filter(|a| a.refused.is_some()).count();
            report.pushed += resp.acks.len();
            self.store.write(|tx| -> Result<()> {
                sync::observe_hlc(tx, resp.server_hlc, now)?;
                sync::acknowledge(tx, &batch.changes, &resp.acks, now)?;
                Ok(())
            })?;
            if resp.acks.is_empty() {
                return Err(Error::new(ErrorCode::Offline, "head office acknowledged nothing; try again"));
            }
        }
        let mut pulled = 0;
        self.store.write(|tx| sync::pull_with_schema(tx, SCHEMA_VERSION).map_err(Error::from))?;
        let from_scratch = sync::cursor(self.store.conn())? == 0;
        loop {
            let cursor = sync::cursor(self.store.conn())?;
            let mark = sync::mark(self.store.conn())?;
            let page = match transport.pull(&PullRequest { cursor, limit: PULL_PAGE, mark, schema: SCHEMA_VERSION }) {
                Ok(page) => page,
                Err(e) if is_rewound(&e) => return Ok(Flow::Rewound),
                Err(e) => return Err(e.into()),
            };
            pulled += page.changes.len();
            report.pulled += page.changes.len();
            report.applied += self.apply(&page.changes, Some(page.cursor), page.mark, page.server_hlc)?;
            if let Some(health) = page.outbox {
                let text = serde_json::to_string(&health).unwrap_or_default();
                self.store.write(|tx| meta::set(tx, keys::OUTBOX, &text).map_err(Error::from))?;
            }
            if !page.more || page.cursor <= cursor {
                if pulled >= BULK_PULL {
                    // Each page left the search index a segment: merged now, while catching up,
                    // rather than a little at each of the receptionist's next edits. A desk
                    // filled from scratch rewrites the index once (about the cost of what it
                    // pulled); one catching up merges only what is due, so a large index is
                    // not rewritten for a day's changes.
                    self.store.write(|tx| -> Result<()> {
                        if from_scratch {
                            search::optimize(tx)?;
                        } else {
                            search::settle(tx, pulled)?;
                        }
                        Ok(())
                    })?;
                }
                return Ok(Flow::Done);
            }
        }
    }

    /// Applies one pulled page; `cursor` is saved in the same transaction (tests pass `None` to
    /// stand for a crash between applying a page and saving its cursor).
    pub fn apply_page(&mut self, changes: &[Change], cursor: Option<i64>, server_hlc: i64) -> Result<usize> {
        self.apply(changes, cursor, None, server_hlc)
    }

    fn apply(
        &mut self,
        changes: &[Change],
        cursor: Option<i64>,
        mark: Option<LogMark>,
        server_hlc: i64,
    ) -> Result<usize> {
        let now = self.clock.now().timestamp_millis();
        self.store.write(|tx| -> Result<usize> {
            let applied = sync::apply_page(tx, changes, cursor, now)?;
            sync::observe_hlc(tx, server_hlc, now)?;
            if let Some(mark) = mark {
                sync::note_mark(tx, mark)?;
            }
            Ok(applied)
        })
    }

    /// Syncs with the enrolled head office over HTTPS.
    pub fn sync_with_head_office(&mut self) -> Result<SyncReport> {
        let transport = self.require_enrollment()?.transport()?;
        self.sync_now(&transport)
    }

    pub fn sync_status(&self) -> Result<SyncStatus> {
        let conn = self.store.conn();
        let enrollment = self.enrollment()?;
        Ok(SyncStatus {
            enrolled: enrollment.is_some(),
            server: enrollment.as_ref().map(|e| e.server.clone()),
            clinic: enrollment.as_ref().map(|e| e.clinic.clone()),
            last_success: stored_time(conn, keys::LAST_SUCCESS)?,
            pending: sync::pending(conn)?,
            conflicts: sync::open_conflicts(conn)?,
            quarantined: sync::open_conflicts_of(conn, ConflictKind::Quarantined)?,
            refused: sync::open_conflicts_of(conn, ConflictKind::Refused)?,
            last_error: meta::get(conn, keys::LAST_ERROR)?,
            restored_at: stored_time(conn, keys::RESTORED)?,
            outbox: meta::get(conn, keys::OUTBOX)?.and_then(|t| serde_json::from_str(&t).ok()),
        })
    }

    /// This device's id at head office (what `rapport-server device revoke` takes).
    pub fn device_id(&self) -> Result<Option<String>> {
        Ok(self.enrollment()?.map(|e| e.device))
    }

    /// Conflicts, newest first (they hold the values that lost, so they are a patient read).
    pub fn conflicts(&mut self, s: &Session, all: bool) -> Result<Vec<Conflict>> {
        s.require(Operation::ViewPatient)?;
        self.audited(s, "sync.conflicts", None)?;
        Ok(sync::conflicts(self.store.conn(), all)?)
    }

    /// The open conflicts with the patient each one concerns, for the desk's list.
    pub fn conflict_views(&mut self, s: &Session) -> Result<Vec<ConflictView>> {
        let conflicts = self.conflicts(s, false)?;
        let conn = self.store.conn();
        conflicts
            .into_iter()
            .map(|conflict| {
                let patient = conflict_patient(conn, &conflict)?;
                let patient_name = match patient {
                    Some(id) => records::get_patient(conn, id)?.map(|p| p.full_name()),
                    None => None,
                };
                Ok(ConflictView { conflict, patient, patient_name })
            })
            .collect()
    }

    /// Closes a conflict; with `reapply`, this device's lost value is written again as a new edit.
    pub fn resolve_conflict(&mut self, s: &Session, id: i64, reapply: bool) -> Result<()> {
        s.require(Operation::EditPatient)?;
        let now = self.clock.now();
        let subject = id.to_string();
        let found = self.store.write(|tx| -> Result<bool> {
            let found = sync::resolve_conflict(tx, id, reapply, now.timestamp_millis())?;
            crate::services::log(tx, now, s, "sync.conflict.resolve", None, Some(&subject))?;
            Ok(found)
        })?;
        if found { Ok(()) } else { Err(Error::new(ErrorCode::NotFound, "no open conflict with that id")) }
    }

    /// Canonical JSON of every replicated record (no password hashes): managers and admins.
    pub fn dump(&mut self, s: &Session) -> Result<serde_json::Value> {
        s.require(Operation::ExportData)?;
        self.audited(s, "data.dump", None)?;
        Ok(sync::dump(self.store.conn())?)
    }

    /// Patients anywhere in the organisation, for one new to this clinic.
    pub fn find_at_head_office(&mut self, s: &Session, query: &str) -> Result<Vec<RemotePatient>> {
        s.require(Operation::ViewPatient)?;
        let transport = self.require_enrollment()?.transport()?;
        self.audited(s, "patient.find-at-head-office", None)?;
        Ok(transport.search(&SearchRequest { query: query.to_owned() })?)
    }

    /// Takes on a patient of another clinic: head office sends their record and pointers here
    /// (and to the clinic's other devices), and keeps them in sync from now on.
    pub fn take_on_patient(&mut self, s: &Session, patient: uuid::Uuid) -> Result<SyncReport> {
        s.require(Operation::RegisterPatient)?;
        let transport = self.require_enrollment()?.transport()?;
        self.take_on_via(s, &transport, patient)
    }

    /// [`Self::take_on_patient`] over any transport.
    pub fn take_on_via(&mut self, s: &Session, transport: &dyn Transport, patient: uuid::Uuid) -> Result<SyncReport> {
        s.require(Operation::RegisterPatient)?;
        transport.take_on(&TakeOnRequest { patient })?;
        self.audited(s, "patient.take-on", Some(rapport_model::PatientId::from_bytes(*patient.as_bytes())))?;
        self.sync_now(transport)
    }

    /// Writes one audit row for an operation that reads data but changes nothing else.
    fn audited(&mut self, s: &Session, action: &str, patient: Option<rapport_model::PatientId>) -> Result<()> {
        let now = self.clock.now();
        self.store.write(|tx| crate::services::log(tx, now, s, action, patient, None))
    }

    /// `flag` is set whenever a front-desk write leaves changes for head office; give the same
    /// flag to [`run_background`] as its nudge so those changes go up at once.
    pub fn signal_local_changes(&mut self, flag: Arc<AtomicBool>) {
        self.store.signal_changes(flag);
    }

    /// The store's clock source, from the application's clock.
    pub(crate) fn wall_clock(clock: &Arc<dyn Clock>) -> WallClock {
        let clock = Arc::clone(clock);
        WallClock::new(move || clock.now().timestamp_millis())
    }
}

/// An instant kept in the database's settings as Unix milliseconds.
fn stored_time(conn: &rapport_store::rusqlite::Connection, key: &str) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
    Ok(meta::get(conn, key)?.and_then(|v| v.parse().ok()).map(rapport_store::from_ms))
}

/// The patient a conflict concerns: the patient record, or the patient of a pointer or an
/// appointment this desk holds.
fn conflict_patient(conn: &rapport_store::rusqlite::Connection, c: &Conflict) -> Result<Option<PatientId>> {
    let Ok(id) = c.record.parse::<uuid::Uuid>() else { return Ok(None) };
    let bytes = *id.as_bytes();
    Ok(match c.entity {
        Entity::Patient => Some(PatientId::from_bytes(bytes)),
        Entity::Pointer => records::get_pointer(conn, PointerId::from_bytes(bytes))?.map(|p| p.patient_id),
        Entity::Appointment => records::get_appointment(conn, AppointmentId::from_bytes(bytes))?.map(|a| a.patient_id),
        Entity::CallTask => rapport_store::calls::call_task(conn, id)?.map(|t| t.patient_id),
        Entity::PatientMerge => records::get_merge(conn, id)?.map(|m| m.keep),
        Entity::Waitlist => rapport_store::schedule::get_waitlist_entry(conn, id)?.map(|w| w.patient_id),
        Entity::DoctorHours
        | Entity::TimeOff
        | Entity::PointerMark
        | Entity::Message
        | Entity::Segment
        | Entity::Campaign
        | Entity::CampaignResult
        | Entity::SurveySettings
        | Entity::SurveyAnswer
        | Entity::Staff
        | Entity::Audit
        | Entity::Template
        | Entity::MessagingSettings
        | Entity::RecallRule => None,
    })
}

/// Runs sync in the background until `stop` is set: every `interval`, and at once when `nudge`
/// is set (after local changes, or enrolling); after a failure it waits longer each time (up
/// to 5 minutes). A desk not enrolled yet waits for the nudge its enrollment gives. Opens its
/// own connection, so front-desk actions never wait for the network.
pub fn run_background(
    mut app: Rapport,
    interval: Duration,
    stop: &AtomicBool,
    nudge: &AtomicBool,
    mut on_result: impl FnMut(&Result<SyncReport>),
) {
    let mut failures: u32 = 0;
    while !stop.load(Ordering::Relaxed) {
        let wait = if matches!(app.enrollment(), Ok(Some(_))) {
            let result = app.sync_with_head_office();
            on_result(&result);
            failures = if result.is_ok() { 0 } else { failures.saturating_add(1) };
            backoff(interval, failures)
        } else {
            interval
        };
        let mut waited = Duration::ZERO;
        let step = Duration::from_millis(100);
        while waited < wait && !stop.load(Ordering::Relaxed) {
            if failures == 0 && nudge.swap(false, Ordering::Relaxed) {
                break;
            }
            std::thread::sleep(step);
            waited += step;
        }
    }
}

/// The wait after `failures` failures in a row: the interval, then doubling up to 5 minutes.
pub fn backoff(interval: Duration, failures: u32) -> Duration {
    if failures == 0 {
        return interval;
    }
    let doubled = Duration::from_secs(2).saturating_mul(2u32.saturating_pow(failures.min(10) - 1));
    doubled.min(Duration::from_secs(300))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pasted_certificate_that_lost_its_line_breaks_reads_as_it_was_written() {
        let body = "MIIB".repeat(40);
        let lines: Vec<&str> = body.as_bytes().chunks(64).map(|c| std::str::from_utf8(c).expect("ascii")).collect();
        let written = format!("-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n", lines.join("\n"));
        assert_eq!(tidy_pem(&written), written, "a well-formed certificate is left as it is");
        let flattened = format!("  {}", written.replace('\n', "").replace("-----E", " -----E"));
        assert_eq!(tidy_pem(&flattened), written);
        assert_eq!(tidy_pem(&written.replace('\n', "\r\n")), written);
        assert_eq!(tidy_pem(&format!("{written}{written}")), format!("{written}{written}"), "a bundle of two");
        assert_eq!(tidy_pem("not a certificate"), "not a certificate");
    }

    #[test]
    fn back_off_doubles_and_stops_at_five_minutes() {
        let i = Duration::from_secs(30);
        assert_eq!(backoff(i, 0), i);
        assert_eq!(backoff(i, 1), Duration::from_secs(2));
        assert_eq!(backoff(i, 2), Duration::from_secs(4));
        assert_eq!(backoff(i, 20), Duration::from_secs(300));
    }
}
