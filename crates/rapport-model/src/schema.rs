//! Every replicated record kind, declared once: its fields with their types and limits, the
//! columns that stay on the desk, and who may write it. Head office decodes each pushed change
//! against this declaration and the desk checks each pulled one the same way; the desk's store
//! derives its change capture, apply and dump from it. A new replicated record is one more
//! entry in [`RECORDS`] (plus its table and capture triggers in a client migration).
//!
//! Values are in their stored form: text, an integer, UUID text, hex, or JSON text for the
//! structured columns (phones, consent, needs, conditions, attendants).

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde_json::Value;
use uuid::Uuid;

use crate::RefusalCode;
use crate::appointment::MAX_REASON;
use crate::calls::{CallOutcome, CallReason};
use crate::outreach::{self, MAX_REMINDER_HOURS, MAX_TEMPLATE_CHARS, MessageKind, MessageStatus, ReplyMeaning};
use crate::patient::{Attendant, Consent, PracticalNeed};
use crate::pointer::MAX_POINTER_TEXT;
use crate::sync::Entity;
use crate::text::{self, TextRule};

/// How a field's value is typed and bounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text(TextRule, usize),
    /// An integer between the two bounds, inclusive.
    Int(i64, i64),
    /// Unix milliseconds between 2000-01-01 and 2100-01-01.
    Instant,
    /// An ISO date (`YYYY-MM-DD`) between 1880 and 2100.
    Date,
    /// A UUID, stored locally as 16 bytes.
    Id,
    /// The id of a record of that kind, which must exist (desks enforce it as a foreign key;
    /// head office checks it, so a made-up id cannot stop a record from reaching the desks).
    Ref(Entity),
    /// A SHA-256 digest, stored locally as 32 bytes.
    Hash,
    /// 0 or 1.
    Flag,
    /// One of a fixed set of words.
    Word(&'static [&'static str]),
    /// JSON text of one of the model's structured types.
    Json(JsonKind),
    /// An Argon2id password hash in PHC form.
    PasswordHash,
    /// An IANA time zone name (`Asia/Kolkata`).
    TimeZone,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonKind {
    Phones,
    Consent,
    PracticalNeeds,
    Conditions,
    Attendants,
    QuietHours,
    SegmentFilter,
    CampaignFigures,
    /// A list of staff ids (JSON array of UUID text).
    StaffIds,
    /// A merge's log: each field of the kept record the merge changed, before and after.
    MergeChanges,
    /// A doctor's working sessions per weekday.
    Week,
}

/// Whether a field may be null (every field is present in the change that makes a record).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Never null (a name, a time, an id the record cannot be without).
    Required,
    /// Never null; the desk stores a default (an empty list, no consent) — the same rule as
    /// `Required` on the wire, kept apart to say why the column has a default.
    NotNull,
    /// May be null.
    Optional,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    pub name: &'static str,
    pub kind: Kind,
    pub need: Need,
    /// The change format that added the field to a record kind that existed before it; `None`
    /// for a field its record was born with.
    pub added_in: Option<u32>,
}

impl Field {
    /// Must the change that makes a record carry this field? Every field, but a password hash
    /// (it reaches only the desks of the staff member's home clinic) and a field added later (a
    /// desk of an older change format does not know it: absent means null).
    pub fn in_every_new_record(&self) -> bool {
        self.kind != Kind::PasswordHash && self.added_in.is_none()
    }
}

/// Who may write a record kind. Head office derives each from its own state, never from
/// what the change claims.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Authority {
    /// The devices of clinics that hold the patient the record belongs to (a new patient is
    /// held by the clinic of the device that registered it).
    PatientHolders,
    /// The devices of the clinic the record was made in (an appointment).
    OwningClinic,
    /// The devices of the staff member's home clinic (the clinic of the device that first
    /// sent the account); making someone an admin is head office's to grant, except for a
    /// clinic's very first admin.
    HomeClinic,
    /// Only the device whose chain it is (audit rows name their site).
    OwnChain,
    /// The devices of the clinic the record was made in, each change naming (in `set_by`) a
    /// manager or admin of that clinic: a clinic's messaging set-up.
    ClinicManagers,
    /// Head office alone (what happened to a message: a desk cannot forge a delivery or a
    /// reply); it reaches the devices of the clinic the record is for.
    HeadOffice,
}

/// One replicated record kind.
#[derive(Debug)]
pub struct Record {
    pub entity: Entity,
    /// The column that identifies a row on the desk.
    pub key: &'static str,
    pub fields: &'static [Field],
    /// Columns that stay on the desk (not replicated).
    pub local_only: &'static [&'static str],
    pub authority: Authority,
}

const fn f(name: &'static str, kind: Kind, need: Need) -> Field {
    Field { name, kind, need, added_in: None }
}

/// A field added to an existing record kind by change format `version` (optional: an older
/// desk's records go on without it).
const fn added(version: u32, name: &'static str, kind: Kind) -> Field {
    Field { name, kind, need: Need::Optional, added_in: Some(version) }
}

use Kind::{Date, Flag, Hash, Id, Instant, Json, PasswordHash, Ref, Text, Word};
use Need::{NotNull, Optional, Required};
use TextRule::{Line, Lines, Login, Name};

/// Longest name part (given, family, preferred).
pub const MAX_NAME: usize = 200;
/// Longest appointment, in minutes.
pub const MAX_APPOINTMENT_MINUTES: i64 = 8 * 60;
/// Longest merge log, in bytes of JSON (every mergeable field at its longest fits).
pub const MAX_MERGE_LOG: usize = 64 * 1024;
/// At most this many phone numbers, attendants, needs and condition tags on one patient.
pub const MAX_LIST: usize = 20;

pub const ROLES: &[&str] = &["front-desk", "clinician", "manager", "admin"];
const POINTER_KINDS: &[&str] = &["life-event", "family", "travel", "work", "hobby", "preference", "avoid-topic"];
const SOURCES: &[&str] = &["call", "check-in", "visit", "other"];
const MARK_KINDS: &[&str] = &["used", "confirmed", "retracted"];
const STATUSES: &[&str] = &["booked", "confirmed", "arrived", "with-doctor", "done", "cancelled", "no-show"];
const MESSAGE_KINDS: &[&str] = &{
    let mut words = [""; MessageKind::ALL.len()];
    let mut i = 0;
    while i < words.len() {
        words[i] = MessageKind::ALL[i].as_str();
        i += 1;
    }
    words
};
const TEMPLATE_CHANNELS: &[&str] = &["sms", "email"];
const MESSAGE_CHANNELS: &[&str] = &["sms", "email", "phone"];
/// Longest language tag (`en`, `hi`, `pt-BR`).
pub const MAX_LANGUAGE: usize = 20;
/// Longest condition tag.
pub const MAX_TAG: usize = 60;

/// The replicated records, parents before children (a change to a patient is sent before a
/// change to their pointer).
pub const RECORDS: [Record; 20] = [
    Record {
        entity: Entity::Staff,
        key: "id",
        fields: &[
            f("login", Text(Login, 64), Required),
            f("display_name", Text(Name, 120), Required),
            f("role", Word(ROLES), Required),
            f("password_hash", PasswordHash, Required),
            f("active", Flag, Required),
            f("created_at", Instant, Required),
            // Set by a manager's reset: the staff member must change the password at next login.
            added(7, "password_reset", Flag),
            // The language they chose for the desk.
            added(9, "language", Word(crate::staff::Language::WORDS)),
        ],
        local_only: &["failed_logins", "locked_until"],
        authority: Authority::HomeClinic,
    },
    Record {
        entity: Entity::Template,
        key: "id",
        fields: &[
            f("kind", Word(MESSAGE_KINDS), Required),
            f("channel", Word(TEMPLATE_CHANNELS), Required),
            f("language", Text(Line, MAX_LANGUAGE), Required),
            f("body", Text(Lines, MAX_TEMPLATE_CHARS), Required),
            f("dlt_template_id", Text(Line, 40), Optional),
            f("set_by", Ref(Entity::Staff), Required),
            f("updated_at", Instant, Required),
            f("deleted_at", Instant, Optional),
        ],
        local_only: &[],
        authority: Authority::ClinicManagers,
    },
    Record {
        entity: Entity::MessagingSettings,
        key: "id",
        fields: &[
            f("reminder_hours", Kind::Int(1, MAX_REMINDER_HOURS as i64), Required),
            f("second_reminder_hours", Kind::Int(1, MAX_REMINDER_HOURS as i64), Optional),
            f("hold_minutes", Kind::Int(0, outreach::MAX_HOLD_MINUTES as i64), Required),
            f("quiet_hours", Json(JsonKind::QuietHours), Required),
            f("timezone", Kind::TimeZone, Required),
            f("birthday_hour", Kind::Int(0, 23), Required),
            f("birthday_offer", Flag, Required),
            f("weekly_cap", Kind::Int(0, outreach::MAX_WEEKLY_CAP as i64), Required),
            f("language", Text(Line, MAX_LANGUAGE), Required),
            f("set_by", Ref(Entity::Staff), Required),
            f("updated_at", Instant, Required),
        ],
        local_only: &[],
        authority: Authority::ClinicManagers,
    },
    Record {
        entity: Entity::RecallRule,
        key: "id",
        fields: &[
            f("tag", Text(Line, MAX_TAG), Required),
            f("every_months", Kind::Int(1, 120), Required),
            f("set_by", Ref(Entity::Staff), Required),
            f("updated_at", Instant, Required),
            f("deleted_at", Instant, Optional),
        ],
        local_only: &[],
        authority: Authority::ClinicManagers,
    },
    Record {
        entity: Entity::Segment,
        key: "id",
        fields: &[
            f("name", Text(Line, crate::segments::MAX_SEGMENT_NAME), Required),
            f("filter", Json(JsonKind::SegmentFilter), Required),
            f("set_by", Ref(Entity::Staff), Required),
            f("updated_at", Instant, Required),
            f("deleted_at", Instant, Optional),
        ],
        local_only: &[],
        authority: Authority::ClinicManagers,
    },
    Record {
        entity: Entity::Campaign,
        key: "id",
        fields: &[
            f("name", Text(Line, crate::campaigns::MAX_CAMPAIGN_NAME), Required),
            f("segment", Text(Line, crate::segments::MAX_SEGMENT_NAME), Required),
            f("template", Text(Line, 40), Required),
            f("channel", Word(TEMPLATE_CHANNELS), Required),
            f("holdout_pct", Kind::Int(0, crate::campaigns::MAX_HOLDOUT_PCT as i64), Required),
            f("window_days", Kind::Int(1, crate::campaigns::MAX_WINDOW_DAYS as i64), Required),
            f("cost_millis", Kind::Int(0, crate::campaigns::MAX_COST_MILLIS), Optional),
            f("send_at", Instant, Required),
            f("paused", Flag, Required),
            f("set_by", Ref(Entity::Staff), Required),
            f("updated_at", Instant, Required),
            f("deleted_at", Instant, Optional),
        ],
        local_only: &[],
        authority: Authority::ClinicManagers,
    },
    Record {
        entity: Entity::CampaignResult,
        // The campaign's id.
        key: "id",
        fields: &[
            f("ran_at", Instant, Optional),
            f("figures", Json(JsonKind::CampaignFigures), Required),
            f("updated_at", Instant, Required),
        ],
        local_only: &[],
        authority: Authority::HeadOffice,
    },
    Record {
        entity: Entity::SurveySettings,
        key: "id",
        fields: &[
            f("after_visit", Flag, Required),
            f("delay_hours", Kind::Int(0, crate::surveys::MAX_SURVEY_DELAY_HOURS as i64), Required),
            f("doctors", Json(JsonKind::StaffIds), NotNull),
            f("set_by", Ref(Entity::Staff), Required),
            f("updated_at", Instant, Required),
        ],
        local_only: &[],
        authority: Authority::ClinicManagers,
    },
    Record {
        entity: Entity::SurveyAnswer,
        // The survey message's id.
        key: "id",
        fields: &[
            f("patient_id", Ref(Entity::Patient), Required),
            f("appointment_id", Id, Optional),
            f("doctor", Ref(Entity::Staff), Required),
            f("rating", Kind::Int(1, 5), Optional),
            f("recommend", Kind::Int(0, 10), Optional),
            f("comment", Text(Lines, crate::surveys::MAX_SURVEY_COMMENT), Optional),
            f("via", Word(crate::surveys::VIA_WORDS), Required),
            f("answered_at", Instant, Required),
        ],
        local_only: &[],
        authority: Authority::HeadOffice,
    },
    Record {
        entity: Entity::Patient,
        key: "id",
        fields: &[
            f("record_no", Text(Line, 40), Required),
            f("given", Text(Name, MAX_NAME), Required),
            f("family", Text(Name, MAX_NAME), Required),
            f("preferred", Text(Name, MAX_NAME), Optional),
            f("pronunciation", Text(Line, 200), Optional),
            f("birth_date", Date, Optional),
            // Known only from an age (an imported `Age` column): about this year.
            added(6, "birth_year", Kind::Int(crate::patient::FIRST_BIRTH_YEAR as i64, 2100)),
            f("sex", Text(Line, 40), Optional),
            f("gender", Text(Line, 40), Optional),
            f("language", Text(Line, 40), Optional),
            f("phones", Json(JsonKind::Phones), NotNull),
            f("email", Text(Line, 254), Optional),
            f("address", Text(Lines, 500), Optional),
            f("city", Text(Line, 100), Optional),
            f("area", Text(Line, 100), Optional),
            f("consent", Json(JsonKind::Consent), NotNull),
            f("referral_source", Text(Line, 200), Optional),
            f("referring_doctor", Text(Line, 200), Optional),
            f("usual_doctor", Ref(Entity::Staff), Optional),
            f("practical_needs", Json(JsonKind::PracticalNeeds), NotNull),
            f("conditions", Json(JsonKind::Conditions), NotNull),
            f("attendants", Json(JsonKind::Attendants), NotNull),
            f("created_at", Instant, Required),
            f("updated_at", Instant, Required),
            f("deleted_at", Instant, Optional),
            // A manager restricted the record: it opens only with a stated reason.
            added(8, "restricted", Flag),
        ],
        // `merged_into`: the kept patient, when a merge made this record a tombstone (derived
        // from `patient_merge` by the desk's triggers).
        local_only: &["last_seen_at", "search_seq", "merged_into"],
        authority: Authority::PatientHolders,
    },
    Record {
        entity: Entity::PatientMerge,
        key: "id",
        fields: &[
            // The merged-away patient (the record that becomes a tombstone).
            f("patient_id", Ref(Entity::Patient), Required),
            f("keep", Ref(Entity::Patient), Required),
            f("changes", Json(JsonKind::MergeChanges), Required),
            f("by_staff", Ref(Entity::Staff), Required),
            f("at", Instant, Required),
            f("undone_at", Instant, Optional),
            f("undone_by", Ref(Entity::Staff), Optional),
        ],
        local_only: &[],
        authority: Authority::PatientHolders,
    },
    Record {
        entity: Entity::Pointer,
        key: "id",
        fields: &[
            f("patient_id", Ref(Entity::Patient), Required),
            f("kind", Word(POINTER_KINDS), Required),
            f("text", Text(Lines, MAX_POINTER_TEXT), Required),
            f("event_date", Date, Optional),
            f("author", Ref(Entity::Staff), Required),
            f("author_role", Word(ROLES), Required),
            f("clinic", Text(Line, 120), Required),
            f("source", Word(SOURCES), Required),
            f("created_at", Instant, Required),
            f("supersedes", Ref(Entity::Pointer), Optional),
        ],
        local_only: &[],
        authority: Authority::PatientHolders,
    },
    Record {
        entity: Entity::PointerMark,
        key: "id",
        fields: &[
            f("pointer_id", Ref(Entity::Pointer), Required),
            f("kind", Word(MARK_KINDS), Required),
            f("by_staff", Ref(Entity::Staff), Required),
            f("at", Instant, Required),
            f("note", Text(Lines, MAX_POINTER_TEXT), Optional),
        ],
        local_only: &[],
        authority: Authority::PatientHolders,
    },
    Record {
        entity: Entity::Appointment,
        key: "id",
        fields: &[
            f("patient_id", Ref(Entity::Patient), Required),
            f("doctor", Ref(Entity::Staff), Required),
            f("starts_at", Instant, Required),
            f("minutes", Kind::Int(1, MAX_APPOINTMENT_MINUTES), Required),
            f("reason", Text(Line, MAX_REASON), Optional),
            f("status", Word(STATUSES), Required),
            f("booked_by", Ref(Entity::Staff), Required),
            f("booked_at", Instant, Required),
            f("confirmed_at", Instant, Optional),
            f("arrived_at", Instant, Optional),
            f("seen_at", Instant, Optional),
            f("done_at", Instant, Optional),
            f("cancelled_at", Instant, Optional),
            f("no_show_at", Instant, Optional),
            // Came without a booking: holds no slot of the doctor's calendar.
            added(9, "walk_in", Flag),
        ],
        local_only: &[],
        authority: Authority::OwningClinic,
    },
    Record {
        entity: Entity::DoctorHours,
        // The doctor's staff id: one record per doctor and clinic.
        key: "id",
        fields: &[
            f("doctor", Ref(Entity::Staff), Required),
            f("week", Json(JsonKind::Week), Required),
            f("slot_minutes", Kind::Int(1, 120), Required),
            f("set_by", Ref(Entity::Staff), Required),
            f("updated_at", Instant, Required),
        ],
        local_only: &[],
        authority: Authority::ClinicManagers,
    },
    Record {
        entity: Entity::TimeOff,
        key: "id",
        fields: &[
            // None: the whole clinic is closed.
            f("doctor", Ref(Entity::Staff), Optional),
            f("first_day", Date, Required),
            f("last_day", Date, Required),
            f("reason", Text(Line, crate::schedule::MAX_NOTE), Optional),
            f("set_by", Ref(Entity::Staff), Required),
            f("updated_at", Instant, Required),
            f("deleted_at", Instant, Optional),
        ],
        local_only: &[],
        authority: Authority::ClinicManagers,
    },
    Record {
        entity: Entity::Waitlist,
        key: "id",
        fields: &[
            f("patient_id", Ref(Entity::Patient), Required),
            // None: any doctor.
            f("doctor", Ref(Entity::Staff), Optional),
            f("minutes", Kind::Int(1, MAX_APPOINTMENT_MINUTES), Required),
            f("appointment_id", Id, Optional),
            f("note", Text(Line, crate::schedule::MAX_NOTE), Optional),
            f("added_by", Ref(Entity::Staff), Required),
            f("added_at", Instant, Required),
            f("closed_at", Instant, Optional),
            f("outcome", Word(crate::schedule::WaitlistOutcome::WORDS), Optional),
            f("closed_by", Ref(Entity::Staff), Optional),
        ],
        local_only: &[],
        authority: Authority::OwningClinic,
    },
    Record {
        entity: Entity::Message,
        key: "id",
        fields: &[
            f("patient_id", Ref(Entity::Patient), Required),
            f("appointment_id", Id, Optional),
            f("kind", Word(MESSAGE_KINDS), Required),
            f("channel", Word(MESSAGE_CHANNELS), Optional),
            f("status", Word(MessageStatus::WORDS), Required),
            f("reason", Text(Line, 60), Optional),
            f("reply", Text(Lines, outreach::MAX_REPLY_CHARS), Optional),
            f("reply_meaning", Word(ReplyMeaning::WORDS), Optional),
            f("send_after", Instant, Required),
            f("updated_at", Instant, Required),
        ],
        local_only: &[],
        authority: Authority::HeadOffice,
    },
    Record {
        entity: Entity::CallTask,
        key: "id",
        fields: &[
            f("patient_id", Ref(Entity::Patient), Required),
            f("reason", Word(CallReason::WORDS), Required),
            f("appointment_id", Id, Optional),
            f("due_on", Date, Required),
            f("outcome", Word(CallOutcome::WORDS), Optional),
            f("outcome_by", Ref(Entity::Staff), Optional),
            f("outcome_at", Instant, Optional),
            f("created_by", Ref(Entity::Staff), Required),
            f("created_at", Instant, Required),
        ],
        local_only: &[],
        authority: Authority::OwningClinic,
    },
    Record {
        entity: Entity::Audit,
        key: "seq",
        fields: &[
            f("at", Instant, Required),
            f("staff_id", Id, Optional),
            f("action", Text(Line, 64), Required),
            f("patient_id", Id, Optional),
            f("subject", Text(Line, 200), Optional),
            f("prev_hash", Hash, Required),
            f("hash", Hash, Required),
        ],
        local_only: &[],
        authority: Authority::OwnChain,
    },
];

/// The declaration of `entity`.
pub fn record(entity: Entity) -> &'static Record {
    // Every entity has an entry; a test checks it.
    RECORDS.iter().find(|r| r.entity == entity).unwrap_or(&RECORDS[0])
}

impl Record {
    pub fn field(&self, name: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// Desks write records of this kind and send them up (not head office's own: a message's
    /// status).
    pub fn written_by_desks(&self) -> bool {
        self.authority != Authority::HeadOffice
    }
}

/// Largest change a desk sends or head office takes, serialized (every field at its cap fits).
pub const MAX_CHANGE_BYTES: usize = 64 * 1024;

/// Why a change's fields were refused: a stable code and a sentence naming the field, never
/// the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Invalid {
    pub code: RefusalCode,
    pub message: String,
}

fn invalid(code: RefusalCode, message: impl Into<String>) -> Invalid {
    Invalid { code, message: message.into() }
}

/// Checks the fields of one change to `entity`. `creating`: the change makes a new record, so
/// it must carry every field (null where allowed) that [`Field::in_every_new_record`].
pub fn check_fields(entity: Entity, fields: &BTreeMap<String, Value>, creating: bool) -> Result<(), Invalid> {
    let record = record(entity);
    for (name, value) in fields {
        let Some(field) = record.field(name) else {
            return Err(invalid(
                RefusalCode::UnknownField,
                format!("a {} has no field `{}`", entity.as_str(), short(name)),
            ));
        };
        check_value(field, value)?;
    }
    if creating
        && let Some(missing) = record.fields.iter().find(|f| f.in_every_new_record() && !fields.contains_key(f.name))
    {
        return Err(invalid(RefusalCode::MissingField, format!("a new {} needs `{}`", entity.as_str(), missing.name)));
    }
    Ok(())
}

/// Completes the fields of a new record with the empty value of each field left out (null, an
/// empty list, no consent), for clients that build changes by hand (other systems speaking the
/// API, tests, benchmarks); the desk's own changes always carry every field.
pub fn fill_empty(entity: Entity, fields: &mut BTreeMap<String, Value>) {
    for f in record(entity).fields {
        let empty = match (f.need, f.kind) {
            (_, Kind::PasswordHash) | (Need::Required, _) => continue,
            (Need::NotNull, Kind::Json(JsonKind::Consent)) => Value::from("{}"),
            (Need::NotNull, _) => Value::from("[]"),
            (Need::Optional, _) => Value::Null,
        };
        fields.entry(f.name.to_owned()).or_insert(empty);
    }
}

/// Rules over a whole record, checked on the merged result: a patient needs a name, a
/// pointer some text.
pub fn check_record(entity: Entity, fields: &serde_json::Map<String, Value>) -> Result<(), Invalid> {
    let blank = |f: &str| fields.get(f).and_then(Value::as_str).is_none_or(|s| s.trim().is_empty());
    match entity {
        Entity::Patient if blank("given") && blank("family") => {
            Err(invalid(RefusalCode::InvalidValue, "a patient needs a given or a family name"))
        }
        Entity::Pointer if blank("text") => Err(invalid(RefusalCode::InvalidValue, "a pointer needs some text")),
        Entity::Template => {
            let kind = fields.get("kind").and_then(Value::as_str).and_then(|k| k.parse::<MessageKind>().ok());
            let body = fields.get("body").and_then(Value::as_str).unwrap_or_default();
            match kind.map(|k| outreach::Template::parse_for(k, body)) {
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(invalid(RefusalCode::InvalidValue, format!("the template: {e}"))),
                None => return Err(invalid(RefusalCode::InvalidValue, "a template needs its kind")),
            }
            match fields.get("dlt_template_id").and_then(Value::as_str) {
                Some(id) => outreach::check_dlt_id(id).map_err(|e| invalid(RefusalCode::InvalidValue, e)),
                None => Ok(()),
            }
        }
        Entity::MessagingSettings => {
            let quiet = fields
                .get("quiet_hours")
                .and_then(Value::as_str)
                .and_then(|q| serde_json::from_str::<crate::patient::QuietHours>(q).ok());
            let hours = fields.get("reminder_hours").and_then(Value::as_i64);
            let language = fields.get("language").and_then(Value::as_str);
            let (Some(quiet), Some(hours), Some(language)) = (quiet, hours, language) else {
                return Err(invalid(RefusalCode::MissingField, "messaging settings need every setting"));
            };
            let second = fields.get("second_reminder_hours").and_then(Value::as_i64);
            outreach::check_settings(&quiet, hours, second, language).map_err(|e| invalid(RefusalCode::InvalidValue, e))
        }
        Entity::DoctorHours => {
            let slot = fields.get("slot_minutes").and_then(Value::as_u64).and_then(|m| u32::try_from(m).ok());
            match slot {
                Some(m) if crate::schedule::SLOT_CHOICES.contains(&m) => Ok(()),
                _ => Err(invalid(RefusalCode::InvalidValue, "`slot_minutes` is not one of the slot grids")),
            }
        }
        Entity::TimeOff => {
            let day = |f: &str| fields.get(f).and_then(Value::as_str).and_then(|d| d.parse::<NaiveDate>().ok());
            let (Some(first), Some(last)) = (day("first_day"), day("last_day")) else {
                return Err(invalid(RefusalCode::MissingField, "time off needs its first and last day"));
            };
            crate::schedule::TimeOff::check_days(first, last).map_err(|e| invalid(RefusalCode::InvalidValue, e))
        }
        _ => Ok(()),
    }
}

/// A field name from the wire, cut short for a message (it is not patient data, but it is
/// whatever the sender chose).
fn short(name: &str) -> String {
    name.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').take(40).collect()
}

const MIN_INSTANT_MS: i64 = 946_684_800_000; // 2000-01-01
const MAX_INSTANT_MS: i64 = 4_102_444_800_000; // 2100-01-01

fn check_value(field: &Field, value: &Value) -> Result<(), Invalid> {
    let name = field.name;
    let bad = || invalid(RefusalCode::InvalidValue, format!("`{name}` does not hold a valid value"));
    if value.is_null() {
        return if field.need == Need::Optional {
            Ok(())
        } else {
            Err(invalid(RefusalCode::MissingField, format!("`{name}` cannot be empty")))
        };
    }
    match field.kind {
        Kind::Text(rule, max) => {
            let s = value.as_str().ok_or_else(bad)?;
            text::check(name, s, rule, max).map_err(|e| invalid(RefusalCode::InvalidValue, e.to_string()))
        }
        Kind::Int(lo, hi) => value.as_i64().filter(|i| (lo..=hi).contains(i)).map(drop).ok_or_else(bad),
        Kind::Instant => {
            value.as_i64().filter(|i| (MIN_INSTANT_MS..MAX_INSTANT_MS).contains(i)).map(drop).ok_or_else(bad)
        }
        Kind::Date => {
            let d = value.as_str().and_then(|s| s.parse::<NaiveDate>().ok()).ok_or_else(bad)?;
            if (1880..=2100).contains(&d.year()) { Ok(()) } else { Err(bad()) }
        }
        Kind::TimeZone => value.as_str().filter(|s| outreach::parse_timezone(s).is_ok()).map(drop).ok_or_else(bad),
        Kind::Id | Kind::Ref(_) => value.as_str().and_then(|s| s.parse::<Uuid>().ok()).map(drop).ok_or_else(bad),
        Kind::Hash => value
            .as_str()
            .filter(|s| s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()))
            .map(drop)
            .ok_or_else(bad),
        Kind::Flag => value.as_i64().filter(|i| *i == 0 || *i == 1).map(drop).ok_or_else(bad),
        Kind::Word(words) => value.as_str().filter(|s| words.contains(s)).map(drop).ok_or_else(bad),
        Kind::PasswordHash => value
            .as_str()
            .filter(|s| s.starts_with("$argon2id$") && s.len() <= 200 && s.bytes().all(|b| b.is_ascii_graphic()))
            .map(drop)
            .ok_or_else(bad),
        Kind::Json(kind) => {
            let text = value.as_str().ok_or_else(bad)?;
            check_json(name, kind, text).map_err(|e| match e {
                Some(e) => invalid(RefusalCode::InvalidValue, e.to_string()),
                None => bad(),
            })
        }
    }
}

/// `Err(None)`: not the expected shape; `Err(Some(e))`: the shape is right but a text is not.
fn check_json(name: &'static str, kind: JsonKind, text: &str) -> Result<(), Option<text::TextError>> {
    fn parse<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, Option<text::TextError>> {
        serde_json::from_str(text).map_err(|_| None)
    }
    let list_cap = |n: usize| if n <= MAX_LIST { Ok(()) } else { Err(None) };
    match kind {
        JsonKind::Phones => {
            let phones: Vec<String> = parse(text)?;
            list_cap(phones.len())?;
            phones.iter().try_for_each(|p| text::check_phone(name, p).map_err(Some))
        }
        JsonKind::Consent => parse::<Consent>(text).map(drop),
        JsonKind::QuietHours => parse::<crate::patient::QuietHours>(text).map(drop),
        JsonKind::CampaignFigures => parse::<crate::campaigns::CampaignFigures>(text).map(drop),
        JsonKind::StaffIds => list_cap(parse::<Vec<Uuid>>(text)?.len()),
        JsonKind::MergeChanges => {
            let changes: crate::merge::MergeChanges = parse(text)?;
            let known = changes.keys().all(|f| crate::merge::is_mergeable(f));
            if known && text.len() <= MAX_MERGE_LOG { Ok(()) } else { Err(None) }
        }
        JsonKind::SegmentFilter => {
            let f: crate::segments::SegmentFilter = parse(text)?;
            list_cap(f.tags.len())?;
            f.tags.iter().try_for_each(|t| text::check(name, t, Line, MAX_TAG).map_err(Some))?;
            [&f.sex, &f.city, &f.area, &f.language]
                .into_iter()
                .flatten()
                .try_for_each(|v| text::check(name, v, Line, 100).map_err(Some))
        }
        JsonKind::Conditions => {
            let tags: Vec<String> = parse(text)?;
            list_cap(tags.len())?;
            tags.iter().try_for_each(|t| text::check(name, t, Line, 60).map_err(Some))
        }
        JsonKind::PracticalNeeds => {
            let needs: Vec<PracticalNeed> = parse(text)?;
            list_cap(needs.len())?;
            needs.iter().try_for_each(|n| match n {
                PracticalNeed::Interpreter(s) | PracticalNeed::Other(s) => {
                    text::check(name, s, Line, 200).map_err(Some)
                }
                _ => Ok(()),
            })
        }
        JsonKind::Week => parse::<crate::schedule::Week>(text)?.check().map_err(|_| None),
        JsonKind::Attendants => {
            let people: Vec<Attendant> = parse(text)?;
            list_cap(people.len())?;
            people.iter().try_for_each(|a| check_attendant(name, a).map_err(Some))
        }
    }
}

/// An attendant as typed or as synced.
pub fn check_attendant(field: &'static str, a: &Attendant) -> Result<(), text::TextError> {
    text::check(field, &a.name, Name, MAX_NAME)?;
    text::check(field, &a.relation, Line, 60)?;
    a.phone.as_deref().map_or(Ok(()), |p| text::check_phone(field, p))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(v: Value) -> BTreeMap<String, Value> {
        serde_json::from_value(v).expect("object")
    }

    #[test]
    fn every_record_kind_is_declared_once() {
        for e in Entity::ALL {
            assert_eq!(RECORDS.iter().filter(|r| r.entity == e).count(), 1, "{e:?}");
        }
    }

    #[test]
    fn a_role_the_model_does_not_know_is_refused() {
        let e = check_fields(Entity::Staff, &fields(json!({"role": "superuser"})), false).expect_err("refused");
        assert_eq!(e.code, RefusalCode::InvalidValue);
        assert!(!e.message.contains("superuser"), "the message never quotes the value");
    }

    #[test]
    fn a_booking_of_a_billion_minutes_or_in_1901_is_refused() {
        assert!(check_fields(Entity::Appointment, &fields(json!({"minutes": 1_000_000_000})), false).is_err());
        assert!(
            check_fields(Entity::Appointment, &fields(json!({"starts_at": -2_177_452_800_000_i64})), false).is_err()
        );
        assert!(check_fields(Entity::Appointment, &fields(json!({"minutes": 30})), false).is_ok());
    }

    #[test]
    fn a_new_record_needs_its_required_fields() {
        let e = check_fields(Entity::Patient, &fields(json!({"given": "Asha"})), true).expect_err("partial");
        assert_eq!(e.code, RefusalCode::MissingField);
        assert!(
            check_fields(Entity::Patient, &fields(json!({"given": "Asha"})), false).is_ok(),
            "an edit may be partial"
        );
        assert!(check_fields(Entity::Patient, &fields(json!({"family": null})), false).is_err(), "never set to null");
    }

    #[test]
    fn ids_hashes_and_json_columns_are_checked_for_shape() {
        assert!(check_fields(Entity::Pointer, &fields(json!({"patient_id": "not-a-uuid"})), false).is_err());
        assert!(check_fields(Entity::Audit, &fields(json!({"hash": "abc"})), false).is_err());
        assert!(check_fields(Entity::Patient, &fields(json!({"phones": "[\"12\"]"})), false).is_err());
        assert!(check_fields(Entity::Patient, &fields(json!({"phones": "[\"+91 98450 12345\"]"})), false).is_ok());
        assert!(check_fields(Entity::Patient, &fields(json!({"consent": "{\"sms\": 1}"})), false).is_err());
        assert!(check_fields(Entity::Patient, &fields(json!({"nickname": "x"})), false).is_err(), "unknown field");
    }

    #[test]
    fn a_patient_needs_a_name_after_the_merge() {
        let m = |v: Value| v.as_object().cloned().expect("object");
        assert!(check_record(Entity::Patient, &m(json!({"given": "", "family": " "}))).is_err());
        assert!(check_record(Entity::Patient, &m(json!({"given": "", "family": "Rao"}))).is_ok());
    }
}
