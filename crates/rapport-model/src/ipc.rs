//! The desktop shell's commands as data: what the UI sends (`*Args`) and the shell's own answers.
//! Every command takes one argument named `args`; every failure is an [`ErrorReply`].
//! The front-desk answers themselves are in [`crate::view`].

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::codes::Says;
use crate::schedule::DayOff;
use crate::{
    AppointmentId, AppointmentStatus, ErrorCode, PatientId, PointerId, PointerKind, Role, StaffId, StatusChange,
};

/// A refused command: a stable machine code the UI matches on, and a sentence for a person
/// (English; the window says it in the staff member's language when `said` is there).
/// Never carries patient data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorReply {
    pub code: ErrorCode,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub said: Option<Said>,
}

impl ErrorReply {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), said: None }
    }

    pub fn saying(self, said: Said) -> Self {
        Self { said: Some(said), ..self }
    }
}

/// What a refusal says, as a catalogue message and its arguments (see [`Says`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Said {
    pub what: Says,
    #[serde(default)]
    pub args: Vec<(String, SaidArg)>,
}

impl Said {
    pub fn new(what: Says) -> Self {
        Self { what, args: Vec::new() }
    }

    pub fn with(mut self, name: &str, value: impl Into<SaidArg>) -> Self {
        self.args.push((name.to_owned(), value.into()));
        self
    }

    /// A field's refusal: `what` with the field it names.
    pub fn field(what: Says, field: &str) -> Self {
        Self::new(what).with("field", SaidArg::Field(field.to_owned()))
    }
}

impl From<&crate::text::TextError> for Said {
    fn from(e: &crate::text::TextError) -> Self {
        use crate::text::TextError as E;
        match *e {
            E::TooLong(field, max) => Self::field(Says::FieldTooLong, field).with("max", max),
            E::Characters(field) => Self::field(Says::FieldCharacters, field),
            E::NoLetter(field) => Self::field(Says::FieldNoLetter, field),
            E::NoDigits(field) => Self::field(Says::FieldNoDigits, field),
        }
    }
}

/// An argument of a refusal, typed so the window can put it in words: a role, a status or a
/// day off in the current language, a day in its date format.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum SaidArg {
    Text(String),
    /// A field as the model names it in English (`given name`); the window says it through
    /// its catalogue's `field-<name, spaces as hyphens>`.
    Field(String),
    Number(i64),
    Day(NaiveDate),
    Role(Role),
    Status(AppointmentStatus),
    Away(DayOff),
}

impl From<String> for SaidArg {
    fn from(s: String) -> Self {
        Self::Text(s)
    }
}

impl From<&str> for SaidArg {
    fn from(s: &str) -> Self {
        Self::Text(s.to_owned())
    }
}

impl From<usize> for SaidArg {
    fn from(n: usize) -> Self {
        Self::Number(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

impl From<i64> for SaidArg {
    fn from(n: i64) -> Self {
        Self::Number(n)
    }
}

impl From<NaiveDate> for SaidArg {
    fn from(d: NaiveDate) -> Self {
        Self::Day(d)
    }
}

impl From<Role> for SaidArg {
    fn from(r: Role) -> Self {
        Self::Role(r)
    }
}

impl From<AppointmentStatus> for SaidArg {
    fn from(s: AppointmentStatus) -> Self {
        Self::Status(s)
    }
}

impl From<DayOff> for SaidArg {
    fn from(off: DayOff) -> Self {
        Self::Away(off)
    }
}

/// Where the desk is: what the UI must show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// No clinic database yet: set one up, or explore with demo data.
    Setup,
    /// The database key is wrapped by a passphrase, which must be typed to open it.
    UnlockDatabase,
    /// Open; nobody logged in.
    Login,
    /// Somebody was logged in and the desk locked itself (idle, or the lock shortcut).
    Locked,
    /// Logged in with a password a manager reset: a new one is chosen before anything else.
    ChangePassword,
    Ready,
}

/// The logged-in (or locked-out) staff member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffBadge {
    pub id: StaffId,
    pub login: String,
    pub name: String,
    pub role: Role,
    /// The language they chose for the desk.
    #[serde(default)]
    pub language: crate::staff::Language,
}

/// The quiet head-office indicator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeadOffice {
    pub enrolled: bool,
    pub connected: bool,
    pub last_success: Option<DateTime<Utc>>,
    /// The last sync failed (head office unreachable, or refusing).
    pub failing: bool,
    /// Local changes head office has not acknowledged yet.
    pub pending: u64,
    /// Conflicts to look at; among them `quarantined`, changes from head office this desk
    /// could not apply (sync went on without them).
    pub conflicts: u64,
    pub quarantined: u64,
    /// How head office's sending of the clinic's messages stood at the last sync.
    pub outbox: Option<crate::sync::OutboxHealth>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeskState {
    pub stage: Stage,
    pub clinic_name: Option<String>,
    pub staff: Option<StaffBadge>,
    /// Idle time after which the desk locks itself.
    pub idle_lock_seconds: u32,
    /// Whether the OS keyring can hold the database key (offered at setup).
    pub keyring_available: bool,
    /// The clinic's local calendar day.
    pub today: NaiveDate,
    pub head_office: HeadOffice,
}

/// Where the new database's key is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyChoice {
    Keyring,
    Passphrase,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetupArgs {
    pub clinic_name: String,
    pub admin_name: String,
    pub admin_login: String,
    pub password: String,
    pub key_choice: KeyChoice,
    pub passphrase: Option<String>,
    /// Fill the new clinic with synthetic demo patients, staff and appointments.
    pub demo: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PassphraseArgs {
    pub passphrase: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginArgs {
    pub login: String,
    pub password: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordArgs {
    pub password: String,
}

/// The logged-in member's own password changed: the current one typed again, and the new.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordChangeArgs {
    pub current: String,
    pub new: String,
}

/// What a manager or an admin does to a staff account from the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum StaffAction {
    Add {
        login: String,
        name: String,
        role: crate::Role,
        password: String,
    },
    /// A new password the colleague must change when they next log in.
    Reset {
        login: String,
        password: String,
    },
    Role {
        login: String,
        role: crate::Role,
    },
    Active {
        login: String,
        active: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchArgs {
    pub query: String,
    pub limit: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientArgs {
    pub patient: PatientId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddPointerArgs {
    pub patient: PatientId,
    pub kind: PointerKind,
    pub text: String,
    pub event_date: Option<NaiveDate>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PointerArgs {
    pub pointer: PointerId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuplicateArgs {
    pub given: String,
    pub family: String,
    pub birth_date: Option<NaiveDate>,
    pub phones: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleArgs {
    pub day: NaiveDate,
    pub doctor: Option<StaffId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusArgs {
    pub appointment: AppointmentId,
    pub change: StatusChange,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotArgs {
    pub doctor: StaffId,
    pub day: NaiveDate,
    pub minutes: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MoveArgs {
    pub appointment: AppointmentId,
    pub starts_at: DateTime<Utc>,
    pub doctor: Option<StaffId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GlanceArgs {
    pub doctor: StaffId,
    pub patient: Option<PatientId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallDoneArgs {
    pub call: crate::calls::CallId,
    pub outcome: crate::calls::CallOutcome,
}

/// A clinic's own text for one kind of message, channel and language (managers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateArgs {
    pub kind: crate::outreach::MessageKind,
    pub channel: crate::Channel,
    pub language: String,
    pub text: String,
    pub dlt_template_id: Option<String>,
}

/// Recall patients carrying `tag` every `every_months` months (managers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecallRuleArgs {
    pub tag: String,
    pub every_months: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdleLockArgs {
    pub minutes: u32,
}

/// Enrolls this desk with head office: its address, a one-time code from head office, and the
/// PEM text of the certificate authority head office's TLS certificate is signed by (when it
/// is not one the system trusts). `again`: a revoked desk takes a new token, keeping its data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollArgs {
    pub server: String,
    pub code: String,
    pub ca_pem: Option<String>,
    pub again: bool,
}

/// First run on a desk of a clinic head office knows: a new encrypted database, enrolled,
/// filled by the first sync (staff, patients, schedule).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinArgs {
    pub server: String,
    pub code: String,
    pub ca_pem: Option<String>,
    pub key_choice: KeyChoice,
    pub passphrase: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolveArgs {
    pub conflict: i64,
    /// Write this desk's lost value again as a new edit (else keep the value that won).
    pub reapply: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindArgs {
    pub query: String,
}

/// A manager's figures over days `from` to `to` (the clinic's days, both included).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RangeArgs {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileArgs {
    pub which: crate::reports::ProfileReport,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// A report to save as CSV.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportArgs {
    pub report: crate::reports::Report,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// A campaign as a manager sets it up in the window (the cost already read with
/// [`crate::campaigns::parse_cost`]; no send time: now).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignArgs {
    pub name: String,
    pub segment: String,
    /// A message kind or a stored template's id.
    pub template: String,
    pub channel: crate::Channel,
    pub holdout_pct: u32,
    pub window_days: u32,
    pub cost_millis: Option<i64>,
    /// In the clinic's time zone.
    pub send_at: Option<chrono::NaiveDateTime>,
}

/// A campaign to pause or resume, by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PauseArgs {
    pub name: String,
    pub paused: bool,
}

/// A segment to count, or to save under a name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentArgs {
    pub filter: crate::segments::SegmentFilter,
    /// Saved under this name (none: counted only).
    pub name: Option<String>,
}

/// The duplicate review queue from this band up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BandArgs {
    pub band: crate::duplicates::Band,
}

/// Two records to see side by side, or to merge (`other` into `keep`) with staff's choice per
/// differing field (a field left out takes its default).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergeArgs {
    pub keep: PatientId,
    pub other: PatientId,
    #[serde(default)]
    pub choices: std::collections::BTreeMap<String, crate::merge::Side>,
}

/// A merge to undo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnmergeArgs {
    pub merge_id: uuid::Uuid,
}

/// What a file of records holds, brought in from another system or saved for one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordsFile {
    /// Patients, CSV.
    Patients,
    /// Appointments, CSV.
    Appointments,
    /// An HL7 FHIR R4 Bundle, JSON.
    Fhir,
}

/// A pointer's new version (what it says now; the old one stays in its history).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevisePointerArgs {
    pub pointer: PointerId,
    pub kind: PointerKind,
    pub text: String,
    pub event_date: Option<NaiveDate>,
}

/// A patient's details changed from the card's form: only the fields the user changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditPatientArgs {
    pub patient: PatientId,
    pub edit: crate::PatientEdit,
}

/// A restricted record opened with the reason the staff member states.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BreakGlassArgs {
    pub patient: PatientId,
    pub reason: String,
}

/// A patient's record restricted, or the restriction lifted (managers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestrictArgs {
    pub patient: PatientId,
    pub restricted: bool,
}

/// Records to save in a file for another system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportRecordsArgs {
    pub kind: RecordsFile,
}

/// A file the desk saved: where, and how many rows or resources it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedFile {
    pub path: String,
    pub count: usize,
}

/// A file to check (a dry run) or import, as its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportFileArgs {
    pub kind: RecordsFile,
    pub bytes: Vec<u8>,
    /// `DD/MM/YYYY`, `MM/DD/YYYY` or `YYYY-MM-DD`; none: what the dates prove.
    #[serde(default)]
    pub date_format: Option<String>,
    pub dry_run: bool,
}

/// A refused row (its line, column) or FHIR resource (its position), and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportRefusal {
    pub place: String,
    pub column: String,
    pub reason: String,
}

/// What an import did, or would do, as the window shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    pub created: u32,
    pub updated: u32,
    /// Held and unchanged (CSV), or already held / not kept (FHIR).
    pub unchanged: u32,
    /// New patients who look like one already held (probable or surer).
    pub duplicates: u32,
    pub refused: Vec<ImportRefusal>,
    pub written: bool,
    /// How the file was read ("UTF-8, delimiter ;, dates DD/MM/YYYY"), or what else came in.
    pub details: String,
}

/// How far an import running now has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportProgressView {
    pub writing: bool,
    pub done: usize,
    pub total: usize,
}

/// The language a staff member chooses for the desk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LanguageArgs {
    pub language: crate::staff::Language,
}

/// A doctor's week from `from` (any day; the week shown starts on its Monday).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeekArgs {
    pub doctor: StaffId,
    pub from: NaiveDate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoctorArgs {
    pub doctor: StaffId,
}

/// A doctor's working hours, as a manager sets them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HoursArgs {
    pub doctor: StaffId,
    pub week: crate::schedule::Week,
    pub slot_minutes: u32,
}

/// Leave for a doctor, or (no doctor) a clinic holiday.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeOffArgs {
    pub doctor: Option<StaffId>,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    pub reason: Option<String>,
}

/// A record named by its UUID (time off, a waitlist entry).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordArgs {
    pub id: uuid::Uuid,
}

/// A patient who came without a booking, to see `doctor`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WalkInArgs {
    pub patient: PatientId,
    pub doctor: StaffId,
    pub reason: Option<String>,
}

/// A patient put on the waitlist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitlistArgs {
    pub patient: PatientId,
    /// `None`: any doctor.
    pub doctor: Option<StaffId>,
    pub minutes: u32,
    /// The booked appointment they want earlier.
    pub appointment: Option<AppointmentId>,
    pub note: Option<String>,
}

/// A waiting patient given a freed slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TakeSlotArgs {
    pub entry: uuid::Uuid,
    pub slot: crate::view::FreeSlot,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_crosses_to_the_window_with_what_it_says() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 7).expect("day");
        let said = Said::new(Says::DoctorAway)
            .with("doctor", "Dr. Asha Mehta")
            .with("away", DayOff::Leave(Some("conference".into())))
            .with("day", day);
        let reply = ErrorReply::new(ErrorCode::Conflict, "Dr. Asha Mehta is on leave").saying(said);
        let wire = serde_json::to_string(&reply).expect("json");
        assert_eq!(serde_json::from_str::<ErrorReply>(&wire).expect("back"), reply);
        // Without one, the reply is as before: `{code, message}`, read by older windows too.
        let plain = serde_json::to_value(ErrorReply::new(ErrorCode::Storage, "disk full")).expect("json");
        assert_eq!(plain, serde_json::json!({"code": "storage", "message": "disk full"}));
        // What a newer core says that this window does not know reads as Other: English.
        let newer = r#"{"code":"conflict","message":"m","said":{"what":"something-new","args":[]}}"#;
        assert_eq!(serde_json::from_str::<ErrorReply>(newer).expect("reads").said.map(|s| s.what), Some(Says::Other));
    }
}
