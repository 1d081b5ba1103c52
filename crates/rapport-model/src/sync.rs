//! Sync with head office as data and rules: the change format both sides speak, the hybrid
//! logical clock's arithmetic, and the merge rules every replica (and the server) applies, so
//! that all of them reach the same state whatever order changes arrive in.
//!
//! A [`Change`] is one write to one record: the fields it set, the [`Version`] it was made at
//! (hybrid logical clock + site) and, per field, the version it replaced. Fields merge one by
//! one: last writer wins by `(hlc, site)`, except an appointment's status, which only moves
//! forward (cancelled beats everything), and a patient's deletion, which nothing undoes.
//! Pointers and their marks are append-only and never conflict. Audit rows only travel up.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::{AppointmentStatus, RefusalCode};

/// The change format this build writes, and the record kinds it knows (see
/// [`Entity::since`]) and fields (a field added to a kind says so in [`crate::schema`]: 6 added
/// a patient's `birth_year`, 7 a staff member's `password_reset`, 8 a patient's `restricted`,
/// 9 an appointment's `walk_in` and a staff member's `language`). The server accepts this one and the ones back to the oldest.
pub const SCHEMA_VERSION: u32 = 9;
/// The oldest change format still accepted.
pub const OLDEST_SCHEMA_VERSION: u32 = 1;

/// How far ahead of head office a device's clock may run before its changes are refused.
pub const MAX_CLOCK_AHEAD_MS: i64 = 5 * 60 * 1000;

/// Largest request body the server takes (a push batch), in bytes.
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// A desk fills a push up to this many bytes of changes, well under [`MAX_BODY_BYTES`].
pub const PUSH_BUDGET_BYTES: usize = MAX_BODY_BYTES / 2;

/// Hybrid logical clock reading: Unix milliseconds in the high bits, a counter in the low 16.
pub type Hlc = i64;

const COUNTER_BITS: u32 = 16;

/// The clock reading for wall time `ms` with a zero counter (a time no reading can hold, before
/// 1970 or after the year 6429, is held at the nearest one).
pub fn hlc_from_ms(ms: i64) -> Hlc {
    ms.clamp(0, Hlc::MAX >> COUNTER_BITS) << COUNTER_BITS
}

/// How far ahead of its own wall clock a desk takes a reading it sees from head office. Head
/// office refuses changes stamped more than [`MAX_CLOCK_AHEAD_MS`] ahead of its clock, so a
/// reading beyond this is a fault (a head office whose clock is years off, or a broken change);
/// taking it would stamp every later change of the desk in that future.
pub const MAX_SEEN_AHEAD_MS: i64 = 24 * 60 * 60 * 1000;

/// The wall-clock part of a reading, in Unix milliseconds.
pub fn hlc_ms(hlc: Hlc) -> i64 {
    hlc >> COUNTER_BITS
}

/// The next reading after `last` on a machine whose wall clock says `now_ms`: never behind the
/// wall clock, always after every reading seen so far.
pub fn hlc_tick(last: Hlc, now_ms: i64) -> Hlc {
    last.saturating_add(1).max(hlc_from_ms(now_ms))
}

/// When a change was made: clock reading, then the site that made it (ties cannot happen
/// between sites; a site never reuses a reading).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Version {
    pub hlc: Hlc,
    pub site: Uuid,
}

/// The kinds of replicated record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Entity {
    Patient,
    Pointer,
    PointerMark,
    Appointment,
    Staff,
    Audit,
    /// A clinic's message text for one kind, channel and language.
    Template,
    /// How a clinic sends its messages.
    MessagingSettings,
    /// How often patients with a condition tag are recalled.
    RecallRule,
    /// A message head office sent (or decided not to send) to a patient, with its status and
    /// the patient's reply.
    Message,
    /// A call for the front desk, and how it went.
    CallTask,
    /// A clinic's saved segment of its patients (the conditions, not the people).
    Segment,
    /// A clinic's campaign: a message to a segment, with a holdout group.
    Campaign,
    /// What a campaign did, as head office counts it.
    CampaignResult,
    /// Whether and when a clinic asks patients about their visit.
    SurveySettings,
    /// A patient's answer to a survey, as head office took it.
    SurveyAnswer,
    /// Two records of one patient made one: which was kept, what the kept one's fields were
    /// before, and whether it was undone.
    PatientMerge,
    /// When a doctor works at a clinic, and the grid of their slots.
    DoctorHours,
    /// A doctor's leave, or a day the whole clinic is closed.
    TimeOff,
    /// A patient waiting for an earlier slot.
    Waitlist,
}

impl Entity {
    pub const ALL: [Self; 20] = [
        Self::Patient,
        Self::Pointer,
        Self::PointerMark,
        Self::Appointment,
        Self::Staff,
        Self::Audit,
        Self::Template,
        Self::MessagingSettings,
        Self::RecallRule,
        Self::Message,
        Self::CallTask,
        Self::Segment,
        Self::Campaign,
        Self::CampaignResult,
        Self::SurveySettings,
        Self::SurveyAnswer,
        Self::PatientMerge,
        Self::DoctorHours,
        Self::TimeOff,
        Self::Waitlist,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Patient => "patient",
            Self::Pointer => "pointer",
            Self::PointerMark => "pointer_mark",
            Self::Appointment => "appointment",
            Self::Staff => "staff",
            Self::Audit => "audit",
            Self::Template => "template",
            Self::MessagingSettings => "messaging_settings",
            Self::RecallRule => "recall_rule",
            Self::Message => "message",
            Self::CallTask => "call_task",
            Self::Segment => "segment",
            Self::Campaign => "campaign",
            Self::CampaignResult => "campaign_result",
            Self::SurveySettings => "survey_settings",
            Self::SurveyAnswer => "survey_answer",
            Self::PatientMerge => "patient_merge",
            Self::DoctorHours => "doctor_hours",
            Self::TimeOff => "time_off",
            Self::Waitlist => "waitlist",
        }
    }

    /// The change format that brought this kind: head office sends it only to devices that
    /// know it (an older desk would not read a page holding it).
    pub const fn since(self) -> u32 {
        match self {
            Self::Patient | Self::Pointer | Self::PointerMark | Self::Appointment | Self::Staff | Self::Audit => 1,
            Self::Template | Self::MessagingSettings | Self::RecallRule | Self::Message | Self::CallTask => 2,
            Self::Segment => 3,
            Self::Campaign | Self::CampaignResult | Self::SurveySettings | Self::SurveyAnswer => 4,
            Self::PatientMerge => 5,
            Self::DoctorHours | Self::TimeOff | Self::Waitlist => 9,
        }
    }

    /// Written once, never changed: a second copy of the same record is the same record.
    pub fn is_append_only(self) -> bool {
        matches!(self, Self::Pointer | Self::PointerMark | Self::Audit)
    }

    /// Travels down to devices (the audit log only travels up, to head office).
    pub fn is_pulled(self) -> bool {
        self != Self::Audit
    }
}

impl std::str::FromStr for Entity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|e| e.as_str() == s).ok_or_else(|| "unknown record kind".to_owned())
    }
}

/// One write to one record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// Made by the device; the server stores each id once, so a resent change is harmless.
    pub id: Uuid,
    pub entity: Entity,
    /// The record's id (a UUID, or `site/seq` for audit rows). Which patient and clinic it
    /// concerns is head office's to know from its own state, never the change's to say.
    pub record: String,
    pub version: Version,
    /// Field name → value, in the column's stored form (text, integer, UUID text or null),
    /// as declared in [`crate::schema`].
    pub fields: BTreeMap<String, Value>,
    /// Per-field versions where a field's differs from `version`: only in `replay` changes.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub versions: BTreeMap<String, Version>,
    /// For each field the version it replaced on the device that made the change; a field
    /// absent here was new to that device.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub base: BTreeMap<String, Version>,
    pub schema: u32,
    /// Old history sent again, not a new edit: by head office when a clinic takes on a patient,
    /// and by a desk after head office was restored from an older copy. Each field carries its
    /// own version in `versions`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub replay: bool,
    /// The change's place in head office's log, filled in on pull (a unique name belongs to
    /// the record that reached head office first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<i64>,
}

impl Change {
    /// Can a device that reads change format `schema` read this change? Not a record kind
    /// newer than it, nor a template or message of a message kind newer than it.
    pub fn readable_by(&self, schema: u32) -> bool {
        let message_kind = || {
            let kind = self.fields.get("kind").and_then(Value::as_str)?;
            kind.parse::<crate::outreach::MessageKind>().ok()
        };
        let kind_since = match self.entity {
            Entity::Template | Entity::Message => message_kind().map_or(1, |k| k.since()),
            _ => 1,
        };
        self.entity.since() <= schema && kind_since <= schema
    }

    /// The version that wrote `field` in this change.
    pub fn version_of(&self, field: &str) -> Version {
        self.versions.get(field).copied().unwrap_or(self.version)
    }
}

/// A field's current value and the version that wrote it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FieldState<'a> {
    pub value: &'a Value,
    pub version: Version,
}

/// Does `incoming` replace `current` for this field? Commutative and associative, so every
/// replica that has seen the same changes holds the same value.
pub fn wins(entity: Entity, field: &str, incoming: FieldState<'_>, current: FieldState<'_>) -> bool {
    merge_key(entity, field, incoming) > merge_key(entity, field, current)
}

/// Fields compare by this key: a rank for fields with a direction, then the version.
fn merge_key(entity: Entity, field: &str, s: FieldState<'_>) -> (u8, Version) {
    let rank = match (entity, field) {
        (Entity::Appointment, "status") => s.value.as_str().and_then(|v| v.parse().ok()).map_or(0, status_rank),
        // A deletion is never undone: a tombstone beats any later "not deleted"; nor is the
        // undoing of a merge (merging again is a new merge).
        (Entity::Patient, "deleted_at") | (Entity::PatientMerge, "undone_at" | "undone_by") => {
            u8::from(!s.value.is_null())
        }
        _ => 0,
    };
    (rank, s.version)
}

/// Appointment statuses in the order they may follow each other; cancelled beats everything.
fn status_rank(s: AppointmentStatus) -> u8 {
    match s {
        AppointmentStatus::Booked => 1,
        AppointmentStatus::Confirmed => 2,
        // A patient marked as not come who then turns up has come.
        AppointmentStatus::NoShow => 3,
        AppointmentStatus::Arrived => 4,
        AppointmentStatus::WithDoctor => 5,
        AppointmentStatus::Done => 6,
        AppointmentStatus::Cancelled => 7,
    }
}

/// The same JSON with every object's keys in sorted order, recursively, whatever map type
/// `serde_json` was built with: the canonical form of `rapport dump`.
pub fn canonical(v: Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut entries: Vec<(String, Value)> = m.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, canonical(v))).collect())
        }
        Value::Array(a) => Value::Array(a.into_iter().map(canonical).collect()),
        other => other,
    }
}

/// Fields that must be unique across the organisation: a staff login, a record number.
pub fn is_unique_field(entity: Entity, field: &str) -> bool {
    matches!((entity, field), (Entity::Staff, "login") | (Entity::Patient, "record_no"))
}

/// The value a unique field takes when another record already holds `value`: the same on every
/// replica and at head office (the value and the end of the record's id), so they agree.
pub fn disambiguate(value: &str, record: &str) -> String {
    let tail: String = record.chars().filter(char::is_ascii_hexdigit).collect();
    format!("{value}.{}", &tail[tail.len().saturating_sub(4)..])
}

/// Whether losing this field is worth telling staff: not for bookkeeping such as "last edited".
pub fn conflict_matters(entity: Entity, field: &str) -> bool {
    !matches!((entity, field), (Entity::Patient, "updated_at"))
}

/// Were `incoming` and the field's current version written without either seeing the other?
/// A site's own writes are never concurrent with each other.
pub fn concurrent(incoming: &Version, base: Option<&Version>, current: &Version) -> bool {
    incoming != current && incoming.site != current.site && base != Some(current)
}

/// A place in head office's log and the change that sits there. A device keeps the newest one
/// it has seen and shows it with every push and pull: head office restored from an older copy
/// has a different change there, or none, and says so (`log_rewound`), so the device sends again
/// what it holds and pulls everything anew instead of silently missing what came after.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogMark {
    pub seq: i64,
    pub change: Uuid,
}

/// A push: the device's oldest unacknowledged changes, in the order they were made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushRequest {
    pub changes: Vec<Change>,
    /// The newest place in head office's log this device knows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mark: Option<LogMark>,
}

/// The server's answer to one pushed change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ack {
    pub change: Uuid,
    /// Where the change sits in head office's log; 0 when nothing of it was logged (refused, or
    /// a change sent again after a restore that head office held already).
    pub seq: i64,
    /// Head office refused the change (invalid, not this device's to write): nothing of it was
    /// stored. The device keeps it in its conflict log and does not send it again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused: Option<Refusal>,
    /// Fields where a concurrent edit from another device won: the device keeps these in its
    /// conflict log.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lost: Vec<LostField>,
    /// Head office refused what the change meant (a doctor's slot already taken): the change is
    /// undone by a change of head office's, and the receptionist must resolve it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejected: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LostField {
    pub field: String,
    pub winner: Value,
    pub winner_version: Version,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushResponse {
    pub acks: Vec<Ack>,
    pub server_hlc: Hlc,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullRequest {
    /// The last position in head office's log this device has applied.
    pub cursor: i64,
    pub limit: u32,
    /// The change format the device reads ([`SCHEMA_VERSION`]; devices from before it was sent
    /// read the first).
    #[serde(default = "first_schema")]
    pub schema: u32,
    /// The newest place in head office's log this device knows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mark: Option<LogMark>,
}

fn first_schema() -> u32 {
    1
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PullResponse {
    /// Changes after the cursor that concern this device's clinic, in log order.
    pub changes: Vec<Change>,
    /// Where to pull from next time (past every change looked at, shown or not).
    pub cursor: i64,
    /// More changes wait after `cursor`.
    pub more: bool,
    /// The change at `cursor` (none at the log's start): the device's new [`LogMark`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mark: Option<LogMark>,
    pub server_hlc: Hlc,
    /// How head office's sending stands for the device's clinic (on the last page).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outbox: Option<OutboxHealth>,
}

/// How head office's sending of a clinic's messages stands, for its desks' head-office
/// indicator: a stuck or failing outbox is seen where the receptionist looks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxHealth {
    /// Minutes the oldest message due for sending has waited past its time.
    pub late_minutes: Option<i64>,
    /// Messages that may or may not have gone (head office stopped while sending; being
    /// checked with the gateway, never sent again blindly).
    pub uncertain: u64,
}

/// A message this many minutes past its time means the sending is stuck.
pub const OUTBOX_STUCK_MINUTES: i64 = 15;

impl OutboxHealth {
    /// Worth a word in the indicator, or `None` when sending is on time.
    pub fn words(&self) -> Option<String> {
        let late = self.late_minutes.filter(|m| *m >= OUTBOX_STUCK_MINUTES).map(|m| format!("messages {m} min late"));
        let unsure = (self.uncertain > 0).then(|| format!("{} message(s) to check", self.uncertain));
        match (late, unsure) {
            (None, None) => None,
            (a, b) => Some(a.into_iter().chain(b).collect::<Vec<_>>().join(", ")),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollRequest {
    pub code: String,
    /// The device's site id: every change it sends is stamped with it, and head office binds
    /// it to the device.
    pub site: Uuid,
    /// A name for the device, shown to head office (the machine's host name).
    pub device_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollResponse {
    pub device_id: Uuid,
    /// The device's bearer token; head office keeps only its hash.
    pub token: String,
    pub clinic_id: Uuid,
    pub clinic_name: String,
    pub organisation: String,
}

/// A patient found in head office's records (for a patient new to this clinic).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemotePatient {
    pub id: Uuid,
    pub record_no: String,
    pub given: String,
    pub family: String,
    pub birth_date: Option<String>,
    pub clinics: Vec<String>,
}

impl RemotePatient {
    /// "Given Family".
    pub fn full_name(&self) -> String {
        crate::patient::full_name(&self.given, &self.family)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchRequest {
    pub query: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TakeOnRequest {
    pub patient: Uuid,
}

/// A desk restored from a backup asks for the rows of its own audit chain that head office
/// holds after `after`: they were written after the backup was taken, and the desk's chain must
/// go on from them rather than write those numbers again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainRequest {
    pub after: i64,
    pub limit: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChainResponse {
    /// The device's own audit rows after `after`, in chain order, as it sent them.
    pub rows: Vec<Change>,
    pub more: bool,
}

/// A refusal from head office: a stable code and a sentence for a person (no patient data).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    pub code: RefusalCode,
    pub message: String,
    /// Head office's clock (Unix ms), on a `clock_ahead` refusal: the desk re-stamps what it
    /// made while its clock ran ahead by it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_ms: Option<i64>,
}

impl Refusal {
    pub fn new(code: RefusalCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), server_ms: None }
    }
}

/// What one `sync now` moved.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncReport {
    pub pushed: usize,
    pub pulled: usize,
    /// Pulled changes that altered something here.
    pub applied: usize,
    /// New conflicts (edits of this device that lost, bookings head office refused).
    pub conflicts: usize,
    /// Bookings head office cancelled (the slot was taken first elsewhere).
    pub rejected: usize,
    /// Changes head office refused as invalid or not this device's to make (kept as conflicts).
    pub refused: usize,
    /// Records sent again because head office was restored from an older copy of its data.
    pub resent: usize,
    /// This desk's own audit entries head office sent back (the desk was put back from a
    /// backup taken before them).
    #[serde(default)]
    pub recovered: usize,
}

/// Where this device stands with head office.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncStatus {
    pub enrolled: bool,
    pub server: Option<String>,
    pub clinic: Option<String>,
    pub last_success: Option<chrono::DateTime<chrono::Utc>>,
    /// Local changes head office has not acknowledged yet.
    pub pending: u64,
    /// Conflicts nobody has resolved yet.
    pub conflicts: u64,
    /// Of those, changes from head office this device could not apply (kept aside; sync goes on).
    #[serde(default)]
    pub quarantined: u64,
    /// Of those, changes head office refused as invalid or not this device's to make.
    #[serde(default)]
    pub refused: u64,
    /// Why the last sync failed, in words (none once a sync succeeds).
    pub last_error: Option<String>,
    /// When this desk last found head office restored from an older copy (it then sent what it
    /// holds again and pulled everything anew).
    #[serde(default)]
    pub restored_at: Option<chrono::DateTime<chrono::Utc>>,
    /// How head office's sending of this clinic's messages stood at the last sync.
    #[serde(default)]
    pub outbox: Option<OutboxHealth>,
}

/// An edit that lost to another device's, or a booking head office refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conflict {
    pub id: i64,
    pub kind: ConflictKind,
    pub entity: Entity,
    pub record: String,
    pub field: Option<String>,
    /// The value this device had written (for a lost edit).
    pub mine: Option<Value>,
    /// The value that won.
    pub theirs: Option<Value>,
    pub detail: String,
    pub at: chrono::DateTime<chrono::Utc>,
    pub resolved_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConflictKind {
    /// Two devices edited the same field without seeing each other's edit; this one lost.
    LostEdit,
    /// Head office refused a booking: the doctor's slot was taken by another desk first.
    BookingRejected,
    /// Head office refused a change as invalid or not this device's to make.
    Refused,
    /// A change pulled from head office that this device could not apply; kept, not applied.
    Quarantined,
}

impl ConflictKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::LostEdit => "lost-edit",
            Self::BookingRejected => "booking-rejected",
            Self::Refused => "refused",
            Self::Quarantined => "quarantined",
        }
    }
}

impl std::str::FromStr for ConflictKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [Self::LostEdit, Self::BookingRejected, Self::Refused, Self::Quarantined]
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| "unknown conflict kind".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(hlc: i64, site: u128) -> Version {
        Version { hlc, site: Uuid::from_u128(site) }
    }

    fn st<'a>(value: &'a Value, version: Version) -> FieldState<'a> {
        FieldState { value, version }
    }

    #[test]
    fn an_older_desk_is_not_sent_what_it_cannot_read() {
        let change = |entity: Entity, kind: &str| Change {
            id: Uuid::from_u128(1),
            entity,
            record: Uuid::from_u128(2).to_string(),
            version: v(1, 1),
            fields: BTreeMap::from([("kind".to_owned(), Value::from(kind))]),
            versions: BTreeMap::new(),
            base: BTreeMap::new(),
            schema: SCHEMA_VERSION,
            replay: false,
            seq: None,
        };
        for entity in [Entity::Message, Entity::Template] {
            assert!(change(entity, "reminder").readable_by(2));
            assert!(!change(entity, "campaign").readable_by(3), "{entity:?}");
            assert!(change(entity, "campaign").readable_by(4));
        }
        assert!(!change(Entity::CampaignResult, "").readable_by(3));
        assert!(!change(Entity::Segment, "").readable_by(2));
        assert!(change(Entity::Segment, "").readable_by(SCHEMA_VERSION));
    }

    #[test]
    fn the_clock_never_goes_back_and_keeps_up_with_the_wall() {
        let t = hlc_tick(0, 1_000);
        assert_eq!(hlc_ms(t), 1_000);
        let t2 = hlc_tick(t, 900); // the wall clock stepped back
        assert!(t2 > t);
        assert_eq!(hlc_ms(hlc_tick(t2, 2_000)), 2_000);
    }

    #[test]
    fn last_writer_wins_and_site_breaks_ties() {
        let a = Value::from("a");
        let b = Value::from("b");
        assert!(wins(Entity::Patient, "given", st(&a, v(2, 1)), st(&b, v(1, 9))));
        assert!(!wins(Entity::Patient, "given", st(&a, v(1, 1)), st(&b, v(1, 9))));
        assert!(wins(Entity::Patient, "given", st(&b, v(1, 9)), st(&a, v(1, 1))));
    }

    #[test]
    fn status_only_moves_forward_and_cancel_beats_everything() {
        let done = Value::from("done");
        let arrived = Value::from("arrived");
        let cancelled = Value::from("cancelled");
        assert!(!wins(Entity::Appointment, "status", st(&arrived, v(9, 1)), st(&done, v(1, 1))));
        assert!(wins(Entity::Appointment, "status", st(&cancelled, v(1, 1)), st(&done, v(9, 1))));
    }

    #[test]
    fn a_deletion_is_never_undone() {
        let gone = Value::from(5);
        assert!(!wins(Entity::Patient, "deleted_at", st(&Value::Null, v(9, 1)), st(&gone, v(1, 2))));
    }

    #[test]
    fn concurrency_is_judged_by_the_version_replaced() {
        let seen = v(5, 2);
        assert!(!concurrent(&v(6, 1), Some(&seen), &seen));
        assert!(concurrent(&v(6, 1), Some(&v(4, 2)), &seen));
        assert!(!concurrent(&v(6, 2), Some(&v(4, 2)), &seen), "a site's own writes follow each other");
        assert!(!concurrent(&seen, None, &seen), "a change meets itself");
    }
}
