//! What head office does, written once against [`Db`], one job a module:
//!
//! - [`devices`]: clinics, one-time enrollment codes, device tokens and the site each device
//!   is bound to, revocation.
//! - [`state`]: the merged present of every record (fields and per-field versions), and the
//!   log of changes every desk pulls from.
//! - [`ingest`]: a push, change by change: decoded against the model's declaration, checked
//!   for authority from head office's own state, merged with the one merge rule desks use too.
//! - [`rules`]: what needs one view of the organisation: a doctor's slot booked twice, a login
//!   or record number held twice.
//! - [`writer`]: one writing transaction: the lock that orders writers, a push's reads in a few
//!   multi-key queries, its writes as multi-row statements (the patient search index among them).
//! - [`pull`]: the changes a clinic's devices receive (and a restored desk's own audit chain).
//! - [`take_on`]: finding a patient anywhere in the organisation and taking them on.
//! - [`staff`]: what only head office does to staff accounts (making an admin).
//! - [`audit`]: the canonical dump and every device's audit chain.
//! - [`outreach`]: the messages due (reminders, greetings), planned once per occasion into
//!   the outbox by the model's rules.
//!
//! **Invariant:** head office trusts no desk. Which patient and clinic a change concerns, and
//! whether the device may write it, come from head office's state and the device's token,
//! never from the change; a change that fails is refused on its own (coded, nothing stored,
//! logged without patient data) and the rest of its batch goes on.

mod audit;
mod campaigns;
mod devices;
pub mod figures;
mod ingest;
mod mirror;
mod outbox;
mod outreach;
mod pull;
mod rules;
mod search;
mod staff;
mod state;
mod surveys;
mod take_on;
mod users;
mod writer;

pub use audit::{ChainReport, dump, verify_audit};
pub use campaigns::{COUNT_EVERY_PASSES, MAX_COUNT_INTERVAL_MS, count_campaigns};
pub use devices::{Device, DeviceRow, add_clinic, authenticate, enroll, list_devices, new_enroll_code, revoke_device};
pub use ingest::ingest;
pub use mirror::{MIRROR_BATCH, mirror_all, mirror_messages};
pub use outbox::{
    Attempt, CLAIM_LEASE_MS, Claimed, ConfirmLink, Delivery, LinkState, MAX_ATTEMPTS, ReplyOutcome, claim_due,
    confirm_link, delivery_report, inbound_reply, record_attempt,
};
pub use outreach::{
    MessageRow, OutboxStatus, OutreachConfig, PlanReport, list_messages, outbox_health, outbox_status,
    plan as plan_messages,
};
pub use pull::{own_chain, pull};
pub(crate) use rules::booking_facts_from_appointments;
pub use search::search;
pub(crate) use search::words_from_patient_search;
pub use staff::make_admin;
pub use surveys::{SurveyForm, SurveyLink, SurveyState, survey_link};
pub use take_on::take_on;
pub use users::{
    OfficeAuditRow, OfficeRole, OfficeSession, SESSION_SECONDS, SignIn, add_user, audit, audit_log, session, sign_in,
    sign_out,
};

use rapport_model::RefusalCode;
use rapport_model::sync::{Hlc, Version, hlc_tick};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::db::{Db, DbError, Row};

/// A request head office turns down, with the HTTP status it maps to. Never carries patient data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Refused {
    pub status: u16,
    pub code: RefusalCode,
    pub message: String,
    /// Head office's clock, told to a device whose clock runs ahead.
    pub server_ms: Option<i64>,
}

impl Refused {
    pub fn new(status: u16, code: RefusalCode, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), server_ms: None }
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

fn refused<T>(status: u16, code: RefusalCode, message: impl Into<String>) -> OfficeResult<T> {
    Err(Refused::new(status, code, message).into())
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
        let row = db.query_one("SELECT site, seq, hlc FROM head_office WHERE id = 1", &[])?;
        let mut row = Row::expect(row, "head office")?;
        Ok(Self { site: row.uuid()?, seq: row.int()?, hlc: row.int()? })
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
