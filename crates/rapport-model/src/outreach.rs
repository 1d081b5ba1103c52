//! Reaching patients: which message is due, whether it may go at all, by which channel, at what
//! time, and what it says. Pure rules, shared by head office (which sends) and the desk (which
//! shows what will happen and keeps the call list), so both always agree.
//!
//! The order of the checks is the product's promise, said once in [`plan`]: a deleted patient
//! never; a cheerful message (a birthday greeting) never while an avoid-topic pointer is active;
//! nothing that is not about the patient's own care after an opt-out or past the weekly cap;
//! only through a channel the patient agreed to, with a phone number or address to use; never
//! inside the clinic's quiet hours or the patient's own (in the clinic's time zone), and never
//! so late that it no longer helps.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Duration, LocalResult, Months, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

use crate::appointment::AppointmentStatus;
use crate::ids::StaffId;
use crate::patient::{Channel, Consent, QuietHours};
use crate::view::PatientHit;
use crate::words::word_enum;

/// What a message is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MessageKind {
    /// Before an appointment, asking for confirmation.
    Reminder,
    /// After a missed appointment, offering a new time.
    NoShow,
    /// A check-up is due (a recall rule for one of the patient's condition tags).
    Recall,
    Birthday,
    /// After a visit, asking how the patient is.
    FollowUp,
    /// A clinic's campaign to a segment of its patients (see [`crate::campaigns`]).
    Campaign,
    /// After a done visit: how was it? (see [`crate::surveys`]).
    Survey,
}

impl MessageKind {
    pub const ALL: [Self; 7] =
        [Self::Reminder, Self::NoShow, Self::Recall, Self::Birthday, Self::FollowUp, Self::Campaign, Self::Survey];

    /// The word the CLI, templates and the wire use.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Reminder => "reminder",
            Self::NoShow => "no-show",
            Self::Recall => "recall",
            Self::Birthday => "birthday",
            Self::FollowUp => "follow-up",
            Self::Campaign => "campaign",
            Self::Survey => "survey",
        }
    }

    pub const fn label(self) -> &'static str {
        match self {
            Self::Reminder => "Appointment reminder",
            Self::NoShow => "Missed appointment",
            Self::Recall => "Recall",
            Self::Birthday => "Birthday greeting",
            Self::FollowUp => "Follow-up after a visit",
            Self::Campaign => "Campaign",
            Self::Survey => "Satisfaction survey",
        }
    }

    /// About the patient's own care: sent despite an opt-out of greetings and outside the
    /// weekly cap (consent to the channel is still needed). A survey is not: it asks a favour.
    pub const fn is_care(self) -> bool {
        !self.is_cheerful() && !matches!(self, Self::Survey)
    }

    /// The change format that brought this kind: a record naming it is not sent to a desk
    /// that reads an older one ([`crate::sync::Change::readable_by`]).
    pub const fn since(self) -> u32 {
        match self {
            Self::Campaign | Self::Survey => 4,
            _ => 1,
        }
    }

    /// Cheerful: held back while an avoid-topic pointer is active (a bereavement, a divorce).
    /// A campaign is too: news and offers are not for a patient in mourning.
    pub const fn is_cheerful(self) -> bool {
        matches!(self, Self::Birthday | Self::Campaign)
    }

    /// May the clinic phone instead, when the patient agreed to calls but not to messages?
    /// A greeting or a survey is not worth a call.
    pub const fn may_call(self) -> bool {
        self.is_care()
    }
}

impl FromStr for MessageKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|k| k.as_str() == s).ok_or_else(|| {
            let words: Vec<&str> = Self::ALL.iter().map(|k| k.as_str()).collect();
            format!("a message kind is one of {}", words.join(", "))
        })
    }
}

impl fmt::Display for MessageKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for MessageKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for MessageKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let word = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        word.parse().map_err(serde::de::Error::custom)
    }
}

/// The channels a template is written for (a call has no template: it goes on the call list).
pub const TEMPLATE_CHANNELS: [Channel; 2] = [Channel::Sms, Channel::Email];

pub const fn channel_word(channel: Channel) -> &'static str {
    match channel {
        Channel::Sms => "sms",
        Channel::Email => "email",
        Channel::Phone => "phone",
    }
}

pub fn parse_channel(word: &str) -> Option<Channel> {
    [Channel::Sms, Channel::Email, Channel::Phone].into_iter().find(|c| channel_word(*c) == word)
}

// ---------------------------------------------------------------------------------------------
// A clinic's messaging settings.

/// How a clinic sends; every field has a default, so a clinic that never set anything sends
/// correct reminders in its own time zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessagingSettings {
    /// Hours before the appointment the reminder goes.
    pub reminder_hours: u32,
    /// A second reminder this many hours before, if set.
    pub second_reminder_hours: Option<u32>,
    /// Minutes a new booking waits before its reminder may go (an accidental booking that is
    /// undone sends nothing).
    pub hold_minutes: u32,
    /// When the clinic sends nothing, in its own time zone.
    pub quiet_hours: QuietHours,
    pub timezone: Tz,
    /// Local hour birthday greetings go out.
    pub birthday_hour: u32,
    /// Greetings offer a free check-up.
    pub birthday_offer: bool,
    /// At most this many messages that are not about care per patient in seven days.
    pub weekly_cap: u32,
    /// The clinic's language: templates fall back to it when none exists in the patient's.
    pub language: String,
}

pub const DEFAULT_REMINDER_HOURS: u32 = 24;
pub const DEFAULT_HOLD_MINUTES: u32 = 5;
pub const DEFAULT_BIRTHDAY_HOUR: u32 = 10;
pub const DEFAULT_WEEKLY_CAP: u32 = 2;
pub const DEFAULT_LANGUAGE: &str = "en";
/// Longest reminder lead time a clinic may set: a week.
pub const MAX_REMINDER_HOURS: u32 = 7 * 24;
pub const MAX_HOLD_MINUTES: u32 = 120;
/// A reminder needs this much notice to be worth sending.
pub const MIN_NOTICE_MINUTES: i64 = 60;

/// 21:00–08:00: no clinic texts a patient at night.
pub fn default_quiet_hours() -> QuietHours {
    QuietHours { start: hm(21, 0), end: hm(8, 0) }
}

fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN)
}

impl MessagingSettings {
    /// The defaults, in the clinic's time zone.
    pub fn defaults(timezone: Tz) -> Self {
        Self {
            reminder_hours: DEFAULT_REMINDER_HOURS,
            second_reminder_hours: None,
            hold_minutes: DEFAULT_HOLD_MINUTES,
            quiet_hours: default_quiet_hours(),
            timezone,
            birthday_hour: DEFAULT_BIRTHDAY_HOUR,
            birthday_offer: false,
            weekly_cap: DEFAULT_WEEKLY_CAP,
            language: DEFAULT_LANGUAGE.to_owned(),
        }
    }
}

/// A clinic's messaging settings as the window and `--json` show them (quiet hours as
/// `HH:MM-HH:MM`, the zone by its IANA name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessagingView {
    pub reminder_hours: u32,
    pub second_reminder_hours: Option<u32>,
    pub hold_minutes: u32,
    pub quiet_hours: String,
    pub timezone: String,
    pub birthday_hour: u32,
    pub birthday_offer: bool,
    pub weekly_cap: u32,
    pub language: String,
}

impl From<&MessagingSettings> for MessagingView {
    fn from(s: &MessagingSettings) -> Self {
        Self {
            reminder_hours: s.reminder_hours,
            second_reminder_hours: s.second_reminder_hours,
            hold_minutes: s.hold_minutes,
            quiet_hours: quiet_hours_text(&s.quiet_hours),
            timezone: s.timezone.name().to_owned(),
            birthday_hour: s.birthday_hour,
            birthday_offer: s.birthday_offer,
            weekly_cap: s.weekly_cap,
            language: s.language.clone(),
        }
    }
}

/// A change to a clinic's messaging settings: each field set is checked and applied; the
/// rest stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessagingEdit {
    pub reminder_hours: Option<u32>,
    /// `Some(None)`: no second reminder.
    pub second_reminder_hours: Option<Option<u32>>,
    pub hold_minutes: Option<u32>,
    /// `HH:MM-HH:MM`.
    pub quiet_hours: Option<String>,
    /// An IANA name.
    pub timezone: Option<String>,
    pub birthday_hour: Option<u32>,
    pub birthday_offer: Option<bool>,
    pub weekly_cap: Option<u32>,
    pub language: Option<String>,
}

/// Most messages that are not about care a clinic may send one patient in a week.
pub const MAX_WEEKLY_CAP: u32 = 14;

impl MessagingEdit {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Applies the edit, or says which value is out of bounds (nothing is applied then).
    pub fn apply(&self, s: &mut MessagingSettings) -> Result<(), String> {
        let mut next = s.clone();
        let within = |what: &str, v: u32, lo: u32, hi: u32| {
            if (lo..=hi).contains(&v) { Ok(v) } else { Err(format!("{what} must be {lo} to {hi}")) }
        };
        if let Some(h) = self.reminder_hours {
            next.reminder_hours = within("reminder hours", h, 1, MAX_REMINDER_HOURS)?;
        }
        if let Some(h) = self.second_reminder_hours {
            next.second_reminder_hours =
                h.map(|h| within("second reminder hours", h, 1, MAX_REMINDER_HOURS)).transpose()?;
        }
        if let Some(m) = self.hold_minutes {
            next.hold_minutes = within("hold minutes", m, 0, MAX_HOLD_MINUTES)?;
        }
        if let Some(q) = &self.quiet_hours {
            next.quiet_hours = parse_quiet_hours(q)?;
        }
        if let Some(z) = &self.timezone {
            next.timezone = parse_timezone(z.trim())?;
        }
        if let Some(h) = self.birthday_hour {
            next.birthday_hour = within("the birthday hour", h, 0, 23)?;
        }
        if let Some(o) = self.birthday_offer {
            next.birthday_offer = o;
        }
        if let Some(c) = self.weekly_cap {
            next.weekly_cap = within("the weekly cap", c, 0, MAX_WEEKLY_CAP)?;
        }
        if let Some(l) = &self.language {
            next.language = normalize_language(l)?;
        }
        if next.second_reminder_hours.is_some_and(|h| h >= next.reminder_hours) {
            return Err("the second reminder goes closer to the visit than the first (fewer hours before)".to_owned());
        }
        *s = next;
        Ok(())
    }
}

/// India's DLT registry numbers each template: digits only (it travels to the gateway as is).
pub fn check_dlt_id(id: &str) -> Result<(), String> {
    if (1..=40).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err("a DLT template id is up to 40 digits".to_owned())
    }
}

/// The rules over a whole messaging-settings record that its fields alone do not say (the
/// same as [`MessagingEdit::apply`] holds a desk to): quiet hours that are a window, a second
/// reminder closer to the visit than the first, a language as templates file it.
pub fn check_settings(
    quiet: &QuietHours,
    reminder_hours: i64,
    second_reminder_hours: Option<i64>,
    language: &str,
) -> Result<(), String> {
    if quiet.start == quiet.end {
        return Err("quiet hours need a start and an end that differ".to_owned());
    }
    if second_reminder_hours.is_some_and(|h| h >= reminder_hours) {
        return Err("the second reminder goes closer to the visit than the first".to_owned());
    }
    if normalize_language(language).as_deref() != Ok(language) {
        return Err("a language is a short lower-case code such as en, hi or ta".to_owned());
    }
    Ok(())
}

/// A language tag as templates are filed under it: `en`, `hi`, `pt-br`.
pub fn normalize_language(tag: &str) -> Result<String, String> {
    let tag = tag.trim().to_ascii_lowercase();
    let ok = !tag.is_empty()
        && tag.len() <= crate::schema::MAX_LANGUAGE
        && tag.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if ok { Ok(tag) } else { Err("a language is a short code such as en, hi or ta".to_owned()) }
}

/// A time zone by its IANA name (`Asia/Kolkata`).
pub fn parse_timezone(name: &str) -> Result<Tz, String> {
    name.parse::<Tz>().map_err(|_| "the time zone is not a known IANA name such as Asia/Kolkata".to_owned())
}

/// `HH:MM-HH:MM` (may wrap past midnight).
pub fn parse_quiet_hours(text: &str) -> Result<QuietHours, String> {
    let bad = || "quiet hours are written HH:MM-HH:MM, e.g. 21:00-08:00".to_owned();
    let (a, b) = text.trim().split_once('-').ok_or_else(bad)?;
    let time = |t: &str| NaiveTime::parse_from_str(t.trim(), "%H:%M").map_err(|_| bad());
    let q = QuietHours { start: time(a)?, end: time(b)? };
    if q.start == q.end {
        return Err("quiet hours need a start and an end that differ".to_owned());
    }
    Ok(q)
}

pub fn quiet_hours_text(q: &QuietHours) -> String {
    format!("{}-{}", q.start.format("%H:%M"), q.end.format("%H:%M"))
}

// ---------------------------------------------------------------------------------------------
// When a message is due.

/// The first or the second reminder of an appointment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReminderNo {
    First,
    Second,
}

/// Why a message does not go (recorded with the occasion, so staff can see why).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SkipReason {
    /// The patient record is deleted or was merged into another.
    Deleted,
    /// An active avoid-topic pointer holds back cheerful messages.
    AvoidTopic,
    /// The patient opted out of everything that is not about their care.
    OptedOut,
    /// The weekly cap of messages that are not about care is reached.
    WeeklyCap,
    /// No channel the patient agreed to, with a number or address to use.
    NoConsent,
    /// The appointment is confirmed already.
    Confirmed,
    /// The appointment was cancelled, moved past, or the patient has arrived.
    NotBooked,
    /// Too late to be of use (the appointment is about to start).
    TooLate,
    /// The clinic sends no second reminder.
    NoSecondReminder,
    /// The clinic's and the patient's quiet hours together leave no time of day.
    NoTimeOfDay,
}

impl SkipReason {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Deleted => "deleted",
            Self::AvoidTopic => "avoid-topic",
            Self::OptedOut => "opted-out",
            Self::WeeklyCap => "weekly-cap",
            Self::NoConsent => "no-consent",
            Self::Confirmed => "confirmed",
            Self::NotBooked => "not-booked",
            Self::TooLate => "too-late",
            Self::NoSecondReminder => "no-second-reminder",
            Self::NoTimeOfDay => "no-time-of-day",
        }
    }

    /// What staff read.
    pub const fn words(self) -> &'static str {
        match self {
            Self::Deleted => "the patient record is deleted",
            Self::AvoidTopic => "held back: the patient has an avoid-topic pointer",
            Self::OptedOut => "the patient opted out of greetings and offers",
            Self::WeeklyCap => "the patient had enough messages this week",
            Self::NoConsent => "no channel the patient agreed to (or no number or address)",
            Self::Confirmed => "the appointment is confirmed already",
            Self::NotBooked => "the appointment is no longer waiting (moved, cancelled or attended)",
            Self::TooLate => "too close to the appointment to be of use",
            Self::NoSecondReminder => "the clinic sends one reminder only",
            Self::NoTimeOfDay => "the clinic's and the patient's quiet hours leave no time of day",
        }
    }
}

/// When a reminder of an appointment is due, or why there is none.
pub fn reminder_due(
    starts_at: DateTime<Utc>,
    booked_at: DateTime<Utc>,
    status: AppointmentStatus,
    which: ReminderNo,
    s: &MessagingSettings,
) -> Result<DateTime<Utc>, SkipReason> {
    match status {
        AppointmentStatus::Booked => {}
        AppointmentStatus::Confirmed => return Err(SkipReason::Confirmed),
        _ => return Err(SkipReason::NotBooked),
    }
    let hold_ends = booked_at + Duration::minutes(i64::from(s.hold_minutes));
    let due_at = |hours: u32| (starts_at - Duration::hours(i64::from(hours))).max(hold_ends);
    let due = match which {
        ReminderNo::First => due_at(s.reminder_hours),
        ReminderNo::Second => {
            let second = due_at(s.second_reminder_hours.ok_or(SkipReason::NoSecondReminder)?);
            // Booked late, both would fall due at once: one text is enough.
            if second <= due_at(s.reminder_hours) {
                return Err(SkipReason::NoSecondReminder);
            }
            second
        }
    };
    if due > reminder_deadline(starts_at) {
        return Err(SkipReason::TooLate);
    }
    Ok(due)
}

/// The last moment a reminder is still of use.
pub fn reminder_deadline(starts_at: DateTime<Utc>) -> DateTime<Utc> {
    starts_at - Duration::minutes(MIN_NOTICE_MINUTES)
}

/// The day a patient with `birth_date` is greeted in `year` (29 February: the 28th in other
/// years).
pub fn birthday_in(birth_date: NaiveDate, year: i32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, birth_date.month(), birth_date.day())
        .or_else(|| NaiveDate::from_ymd_opt(year, 2, 28).filter(|_| birth_date.month() == 2 && birth_date.day() == 29))
}

/// When today's birthday greeting is due, if today (the clinic's day) is the birthday.
pub fn birthday_due(birth_date: NaiveDate, today: NaiveDate, s: &MessagingSettings) -> Option<DateTime<Utc>> {
    if birthday_in(birth_date, today.year()) != Some(today) || birth_date >= today {
        return None;
    }
    Some(local_to_utc(s.timezone, today.and_time(hm(s.birthday_hour.min(23), 0))))
}

/// The day a recall is due: `every_months` after the last done visit (or after registration,
/// for a patient never seen).
pub fn recall_due(last_visit: Option<NaiveDate>, registered: NaiveDate, every_months: u32) -> NaiveDate {
    let from = last_visit.unwrap_or(registered);
    from.checked_add_months(Months::new(every_months)).unwrap_or(NaiveDate::MAX)
}

/// Does the patient carry the condition tag (compared without case or surrounding spaces)?
pub fn has_tag(conditions: &[String], tag: &str) -> bool {
    conditions.iter().any(|c| same_text(c, tag))
}

/// Equal once trimmed and lower-cased (as [`normalize_tag`] makes them), compared without
/// making either: a segment counted over a million patients allocates nothing per patient.
pub fn same_text(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim(), b.trim());
    if a.is_ascii() && b.is_ascii() {
        return a.eq_ignore_ascii_case(b);
    }
    a.chars().flat_map(char::to_lowercase).eq(b.chars().flat_map(char::to_lowercase))
}

pub fn normalize_tag(tag: &str) -> String {
    tag.trim().to_lowercase()
}

// ---------------------------------------------------------------------------------------------
// Whether, how and when it goes.

/// What the rules need to know about the patient.
#[derive(Debug, Clone, Copy)]
pub struct Recipient<'a> {
    pub consent: &'a Consent,
    pub has_phone: bool,
    pub has_email: bool,
    /// Deleted, or merged into another record.
    pub deleted: bool,
    /// An avoid-topic pointer is active.
    pub avoid_topic: bool,
    /// Messages that are not about care sent to the patient in the last seven days.
    pub cheerful_this_week: u32,
}

/// The outcome of the rules for one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// Send through `channel` at `at` (a phone "message" is a call on the call list).
    Send {
        channel: Channel,
        at: DateTime<Utc>,
    },
    Skip(SkipReason),
}

/// Decides whether a message of `kind`, due at `due`, goes to the patient, by which channel
/// and when. `deadline`: the last moment it is of use (a reminder's appointment).
pub fn plan(
    kind: MessageKind,
    r: &Recipient<'_>,
    s: &MessagingSettings,
    due: DateTime<Utc>,
    deadline: Option<DateTime<Utc>>,
) -> Plan {
    plan_by(kind, r, s, due, deadline, || channel_for(kind, r))
}

/// [`plan`] for a campaign, which goes by the one channel it was made for (or not at all).
pub fn plan_campaign(channel: Channel, r: &Recipient<'_>, s: &MessagingSettings, due: DateTime<Utc>) -> Plan {
    let reachable = match channel {
        Channel::Sms => r.consent.sms && r.has_phone,
        Channel::Email => r.consent.email && r.has_email,
        Channel::Phone => false,
    };
    plan_by(MessageKind::Campaign, r, s, due, None, || reachable.then_some(channel))
}

fn plan_by(
    kind: MessageKind,
    r: &Recipient<'_>,
    s: &MessagingSettings,
    due: DateTime<Utc>,
    deadline: Option<DateTime<Utc>>,
    channel: impl FnOnce() -> Option<Channel>,
) -> Plan {
    if r.deleted {
        return Plan::Skip(SkipReason::Deleted);
    }
    if kind.is_cheerful() && r.avoid_topic {
        return Plan::Skip(SkipReason::AvoidTopic);
    }
    if !kind.is_care() {
        if r.consent.opted_out {
            return Plan::Skip(SkipReason::OptedOut);
        }
        if r.cheerful_this_week >= s.weekly_cap {
            return Plan::Skip(SkipReason::WeeklyCap);
        }
    }
    let Some(channel) = channel() else { return Plan::Skip(SkipReason::NoConsent) };
    let Some(at) = next_allowed(due, s, r.consent.quiet_hours) else {
        return Plan::Skip(SkipReason::NoTimeOfDay);
    };
    if deadline.is_some_and(|d| at > d) {
        return Plan::Skip(SkipReason::TooLate);
    }
    Plan::Send { channel, at }
}

/// The channel a message goes by: SMS, else email, else (for care) a call.
pub fn channel_for(kind: MessageKind, r: &Recipient<'_>) -> Option<Channel> {
    if r.consent.sms && r.has_phone {
        Some(Channel::Sms)
    } else if r.consent.email && r.has_email {
        Some(Channel::Email)
    } else if kind.may_call() && r.consent.phone && r.has_phone {
        Some(Channel::Phone)
    } else {
        None
    }
}

/// The first moment at or after `at` that lies outside the clinic's quiet hours and the
/// patient's own, both read in the clinic's time zone; `None` if together they cover the day.
pub fn next_allowed(
    at: DateTime<Utc>,
    s: &MessagingSettings,
    patient_quiet: Option<QuietHours>,
) -> Option<DateTime<Utc>> {
    let windows: Vec<QuietHours> = std::iter::once(s.quiet_hours).chain(patient_quiet).collect();
    let mut t = at;
    // Each step leaves one window; two windows that do not cover the day hand over to each
    // other twice at most (a clock change may add one more).
    for _ in 0..6 {
        let local = t.with_timezone(&s.timezone).naive_local();
        let Some(w) = windows.iter().find(|w| w.contains(local.time())) else { return Some(t) };
        let mut end = local.date().and_time(w.end);
        if end <= local {
            end += Duration::days(1);
        }
        t = local_to_utc(s.timezone, end).max(t + Duration::minutes(1));
    }
    None
}

/// A clinic's local time as an instant; a time skipped by a clock change is read an hour later.
pub fn local_to_utc(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
        LocalResult::None => local_to_utc(tz, local + Duration::hours(1)),
    }
}

// ---------------------------------------------------------------------------------------------
// Templates.

/// A value a template may ask for. A message holds only what its template asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Slot {
    /// The name the patient likes to be called.
    Patient,
    Clinic,
    Doctor,
    Date,
    Time,
    /// The message's own confirm link.
    Link,
}

impl Slot {
    pub const ALL: [Self; 6] = [Self::Patient, Self::Clinic, Self::Doctor, Self::Date, Self::Time, Self::Link];

    pub const fn name(self) -> &'static str {
        match self {
            Self::Patient => "patient",
            Self::Clinic => "clinic",
            Self::Doctor => "doctor",
            Self::Date => "date",
            Self::Time => "time",
            Self::Link => "link",
        }
    }
}

/// Why a template's text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("the template is empty")]
    Empty,
    #[error("the template is too long (at most {MAX_TEMPLATE_CHARS} characters)")]
    TooLong,
    #[error("`{{{0}}}` is not a slot; slots are {{patient}}, {{clinic}}, {{doctor}}, {{date}}, {{time}} and {{link}}")]
    UnknownSlot(String),
    #[error("a `{{` is not closed; write `{{{{` for a brace")]
    Unclosed,
    #[error("{{{0}}} has no value for this kind of message")]
    NotForKind(&'static str),
}

pub const MAX_TEMPLATE_CHARS: usize = 1000;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Slot(Slot),
}

/// A message text with named slots: `{patient}` and the rest; `{{` and `}}` are braces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pieces: Vec<Piece>,
}

impl Template {
    pub fn parse(text: &str) -> Result<Self, TemplateError> {
        if text.trim().is_empty() {
            return Err(TemplateError::Empty);
        }
        if text.chars().count() > MAX_TEMPLATE_CHARS {
            return Err(TemplateError::TooLong);
        }
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    literal.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    literal.push('}');
                }
                '{' => {
                    let mut name = String::new();
                    loop {
                        match chars.next() {
                            Some('}') => break,
                            Some(c) if name.chars().count() < 40 => name.push(c),
                            Some(_) => {}
                            None => return Err(TemplateError::Unclosed),
                        }
                    }
                    let slot = Slot::ALL.into_iter().find(|s| s.name() == name.trim()).ok_or_else(|| {
                        TemplateError::UnknownSlot(name.chars().filter(|c| !c.is_control()).collect())
                    })?;
                    if !literal.is_empty() {
                        pieces.push(Piece::Text(std::mem::take(&mut literal)));
                    }
                    pieces.push(Piece::Slot(slot));
                }
                c => literal.push(c),
            }
        }
        if !literal.is_empty() {
            pieces.push(Piece::Text(literal));
        }
        Ok(Self { pieces })
    }

    /// Parses a template for `kind`, refusing slots that kind has no value for (a birthday
    /// greeting has no appointment date).
    pub fn parse_for(kind: MessageKind, text: &str) -> Result<Self, TemplateError> {
        let t = Self::parse(text)?;
        let foreign = t.slots().find(|s| !slots_of(kind).contains(s));
        match foreign {
            Some(s) => Err(TemplateError::NotForKind(s.name())),
            None => Ok(t),
        }
    }

    /// The slots the text asks for.
    pub fn slots(&self) -> impl Iterator<Item = Slot> + '_ {
        self.pieces.iter().filter_map(|p| match p {
            Piece::Slot(s) => Some(*s),
            Piece::Text(_) => None,
        })
    }

    /// The text with each slot filled; `fill` is asked only for the slots the text holds.
    pub fn render(&self, mut fill: impl FnMut(Slot) -> String) -> String {
        let mut out = String::new();
        for p in &self.pieces {
            match p {
                Piece::Text(t) => out.push_str(t),
                Piece::Slot(s) => out.push_str(&fill(*s)),
            }
        }
        out
    }
}

/// The slots a kind of message has values for.
pub fn slots_of(kind: MessageKind) -> &'static [Slot] {
    use Slot::{Clinic, Date, Doctor, Link, Patient, Time};
    match kind {
        MessageKind::Reminder => &[Patient, Clinic, Doctor, Date, Time, Link],
        MessageKind::NoShow | MessageKind::FollowUp => &[Patient, Clinic, Doctor, Date, Time],
        MessageKind::Recall | MessageKind::Birthday | MessageKind::Campaign => &[Patient, Clinic],
        MessageKind::Survey => &[Patient, Clinic, Doctor, Link],
    }
}

/// The English text every clinic starts with, per kind and channel. SMS texts fit in two
/// segments with ordinary names; replies use C / R / N (carriers treat CANCEL or STOP as an
/// opt-out, so they are never asked for).
pub fn default_template(kind: MessageKind, channel: Channel, birthday_offer: bool) -> &'static str {
    match (kind, channel == Channel::Email) {
        (MessageKind::Reminder, false) => {
            "{clinic}: {patient}, your appointment with {doctor} is on {date} at {time}. Reply C to confirm, R to ask us to call you, N if you cannot come."
        }
        (MessageKind::Reminder, true) => {
            "Subject: Your appointment on {date}\nDear {patient},\n\nThis is a reminder of your appointment with {doctor} at {clinic} on {date} at {time}.\n\nPlease confirm here: {link}\n\nIf you cannot come, please call us so we can give the time to someone else."
        }
        (MessageKind::NoShow, false) => {
            "{clinic}: {patient}, we missed you today. Reply R and we will call you to find a new time."
        }
        (MessageKind::NoShow, true) => {
            "Subject: We missed you today\nDear {patient},\n\nWe missed you at {clinic} today for your appointment with {doctor}. Please call us and we will find you a new time."
        }
        (MessageKind::Recall, false) => {
            "{clinic}: {patient}, it is time for your regular check-up. Reply R and we will call you to book."
        }
        (MessageKind::Recall, true) => {
            "Subject: Time for your check-up\nDear {patient},\n\nIt is time for your regular check-up at {clinic}. Please call us to book a time that suits you."
        }
        (MessageKind::Birthday, false) if birthday_offer => {
            "Happy birthday, {patient}! Warm wishes from {clinic}. Your next check-up with us this month is free."
        }
        (MessageKind::Birthday, false) => "Happy birthday, {patient}! Warm wishes from everyone at {clinic}.",
        (MessageKind::Birthday, true) if birthday_offer => {
            "Subject: Happy birthday!\nDear {patient},\n\nEveryone at {clinic} wishes you a very happy birthday. As our gift, your next check-up with us this month is free."
        }
        (MessageKind::Birthday, true) => {
            "Subject: Happy birthday!\nDear {patient},\n\nEveryone at {clinic} wishes you a very happy birthday."
        }
        (MessageKind::FollowUp, false) => {
            "{clinic}: {patient}, how are you feeling after your visit with {doctor}? Reply R if you would like us to call you."
        }
        (MessageKind::FollowUp, true) => {
            "Subject: How are you feeling?\nDear {patient},\n\nHow are you feeling after your visit with {doctor} at {clinic}? If you would like to talk to us, just call."
        }
        (MessageKind::Campaign, false) => {
            "{clinic}: {patient}, it has been a while. Reply R and we will call you to find a time that suits you."
        }
        (MessageKind::Survey, false) => {
            "{clinic}: how was your visit with {doctor}? Reply 1 (poor) to 5 (excellent), or answer here: {link}"
        }
        (MessageKind::Survey, true) => {
            "Subject: How was your visit?\nDear {patient},\n\nThank you for visiting {clinic}. How was your visit with {doctor}? Three short questions, one minute: {link}\n\nThe link works once, for two weeks."
        }
        (MessageKind::Campaign, true) => {
            "Subject: News from {clinic}\nDear {patient},\n\nIt has been a while since we saw you at {clinic}. Please call us and we will find a time that suits you."
        }
    }
}

/// An email template's subject (a first line `Subject: …`) and body.
pub fn split_subject(text: &str) -> (Option<&str>, &str) {
    match text.strip_prefix("Subject:").and_then(|rest| rest.split_once('\n')) {
        Some((subject, body)) => (Some(subject.trim()), body.trim_start_matches('\n')),
        None => (None, text),
    }
}

/// A stored template: which one applies to a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateChoice<'a> {
    pub kind: MessageKind,
    pub channel: Channel,
    pub language: &'a str,
    pub text: &'a str,
    pub dlt_template_id: Option<&'a str>,
}

/// The text a message is written from, and the DLT id it was registered under (none for a
/// default text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chosen<'a> {
    pub text: &'a str,
    pub dlt_template_id: Option<&'a str>,
}

/// The text for a message: the clinic's template in the patient's language, else in the
/// clinic's language, else the default.
pub fn choose_template<'a>(
    templates: &[TemplateChoice<'a>],
    kind: MessageKind,
    channel: Channel,
    patient_language: Option<&str>,
    s: &'a MessagingSettings,
) -> Chosen<'a> {
    let find = |lang: &str| {
        templates
            .iter()
            .find(|t| t.kind == kind && t.channel == channel && t.language.eq_ignore_ascii_case(lang))
            .map(|t| Chosen { text: t.text, dlt_template_id: t.dlt_template_id })
    };
    patient_language
        .and_then(find)
        .or_else(|| find(&s.language))
        .unwrap_or_else(|| Chosen { text: default_template(kind, channel, s.birthday_offer), dlt_template_id: None })
}

// ---------------------------------------------------------------------------------------------
// What a clinic's managers set up (replicated records, see `schema::RECORDS`).

/// A clinic's own text for one kind of message, channel and language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredTemplate {
    pub id: Uuid,
    pub kind: MessageKind,
    pub channel: Channel,
    pub language: String,
    pub body: String,
    /// The id the template is registered under with India's DLT (senders must register each
    /// template; the gateway is given the id with every message).
    pub dlt_template_id: Option<String>,
    pub set_by: StaffId,
    pub updated_at: DateTime<Utc>,
}

/// A template as a manager reviews it: the clinic's own or the default that applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateView {
    pub kind: MessageKind,
    pub channel: Channel,
    pub language: String,
    pub text: String,
    pub dlt_template_id: Option<String>,
    /// `false`: Rapport's default text, used until the clinic writes its own.
    pub custom: bool,
    /// For SMS: the parts the text takes with its slots empty (names and dates add to it).
    pub sms_parts: Option<usize>,
    pub unicode: bool,
    pub updated_at: Option<DateTime<Utc>>,
}

impl TemplateView {
    pub fn new(
        kind: MessageKind,
        channel: Channel,
        language: &str,
        text: &str,
        stored: Option<&StoredTemplate>,
    ) -> Self {
        let segments = (channel == Channel::Sms).then(|| sms_segments(text));
        Self {
            kind,
            channel,
            language: language.to_owned(),
            text: text.to_owned(),
            dlt_template_id: stored.and_then(|t| t.dlt_template_id.clone()),
            custom: stored.is_some(),
            sms_parts: segments.map(|s| s.parts),
            unicode: segments.is_some_and(|s| s.unicode),
            updated_at: stored.map(|t| t.updated_at),
        }
    }
}

/// How often patients with a condition tag are called back for a check-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecallRule {
    pub id: Uuid,
    /// A condition tag, as [`normalize_tag`] writes it.
    pub tag: String,
    pub every_months: u32,
    pub set_by: StaffId,
    pub updated_at: DateTime<Utc>,
}

/// Longest recall interval: ten years.
pub const MAX_RECALL_MONTHS: u32 = 120;

/// A patient due (or overdue) for a recall.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecallDue {
    pub patient: PatientHit,
    pub tag: String,
    pub every_months: u32,
    pub last_visit: Option<NaiveDate>,
    pub due: NaiveDate,
}

// ---------------------------------------------------------------------------------------------
// What happened: messages as head office records them and desks show them.

word_enum! {
    /// Where a message stands. Head office writes it; desks receive it and cannot write it.
    pub enum MessageStatus {
        /// Waiting for its time.
        Queued = "queued",
        /// A head-office process is handing it to the gateway.
        Claimed = "claimed",
        /// The gateway took it.
        Sent = "sent",
        Delivered = "delivered",
        /// Sending failed for good (after retries, or refused by the gateway).
        Failed = "failed",
        /// The operator or the phone could not take it.
        Undeliverable = "undeliverable",
        /// Head office stopped while sending: it may or may not have gone (never resent blindly).
        Uncertain = "uncertain",
        Cancelled = "cancelled",
        /// Not sent, with the reason.
        Skipped = "skipped",
        /// The patient takes calls only: it is a call for the desk.
        Call = "call",
        /// In a campaign's holdout group: sent nothing, so that the campaign can be measured.
        Holdout = "holdout",
        /// Its campaign is paused: it goes when the campaign is resumed.
        Paused = "paused",
    }
}

impl MessageStatus {
    /// What staff read.
    pub const fn label(self) -> &'static str {
        match self {
            Self::Queued => "waiting to send",
            Self::Claimed => "sending",
            Self::Sent => "sent",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
            Self::Undeliverable => "not delivered",
            Self::Uncertain => "may have gone: being checked",
            Self::Cancelled => "cancelled",
            Self::Skipped => "not sent",
            Self::Call => "to phone",
            Self::Holdout => "not sent: in the campaign's comparison group",
            Self::Paused => "waiting: campaign paused",
        }
    }

    /// It did not reach the patient and never will by itself.
    pub const fn did_not_reach(self) -> bool {
        matches!(self, Self::Failed | Self::Undeliverable)
    }
}

word_enum! {
    /// What a patient's reply asked for (as head office acted on it).
    pub enum ReplyMeaning {
        /// Confirmed the visit (head office confirmed the appointment).
        Confirm = "confirm",
        CallBack = "call-back",
        CannotCome = "cannot-come",
        /// Opted out of texts.
        Stop = "stop",
        /// Opted back in to texts.
        Start = "start",
        /// Anything else, or a confirmation head office could not act on alone (a phone shared
        /// by several patients): for staff to read.
        Unclear = "unclear",
        /// A digit from 1 to 5 answering a survey: the patient's rating of the visit.
        Rating = "rating",
        /// Words answering a survey: kept as its comment.
        Comment = "comment",
    }
}

/// Reads a reply the way carriers and clinics do: C or Y confirms, R asks for a call, N cannot
/// come; STOP and its synonyms opt out of texts, START opts back in.
pub fn reply_meaning(text: &str) -> ReplyMeaning {
    let word = text.trim().trim_end_matches(['.', '!']).to_uppercase();
    match word.as_str() {
        "C" | "Y" | "YES" | "CONFIRM" | "OK" => ReplyMeaning::Confirm,
        "R" | "CALL" => ReplyMeaning::CallBack,
        "N" | "NO" => ReplyMeaning::CannotCome,
        "STOP" | "STOPALL" | "UNSUBSCRIBE" | "CANCEL" | "END" | "QUIT" => ReplyMeaning::Stop,
        "START" | "UNSTOP" => ReplyMeaning::Start,
        _ => ReplyMeaning::Unclear,
    }
}

/// Longest reply kept (a text's first part).
pub const MAX_REPLY_CHARS: usize = 160;

/// One message head office sent (or decided not to send) to a patient, as the desk shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageView {
    pub id: Uuid,
    pub kind: MessageKind,
    /// `None` for a message that was not sent at all.
    pub channel: Option<Channel>,
    pub status: MessageStatus,
    /// Why it was not sent or was cancelled (a [`SkipReason`] word, or the outbox's own).
    pub reason: Option<String>,
    pub reply: Option<String>,
    pub reply_meaning: Option<ReplyMeaning>,
    /// When it was due to go.
    pub send_after: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

// ---------------------------------------------------------------------------------------------
// SMS length.

/// How an SMS text travels: how many parts, and whether it needs UCS-2 (any character outside
/// the GSM 7-bit alphabet, e.g. Devanagari, makes the whole message UCS-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segments {
    pub parts: usize,
    pub unicode: bool,
    /// Septets (GSM) or UTF-16 units (UCS-2).
    pub units: usize,
}

const GSM_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
const GSM_EXTENDED: &str = "^{}\\[~]|€\u{000C}";

/// The parts an SMS of `text` is sent in (160 septets alone or 153 per part; 70 UCS-2 units
/// alone or 67 per part).
pub fn sms_segments(text: &str) -> Segments {
    let gsm: Option<usize> = text.chars().try_fold(0usize, |n, c| {
        if GSM_BASIC.contains(c) {
            Some(n + 1)
        } else if GSM_EXTENDED.contains(c) {
            Some(n + 2)
        } else {
            None
        }
    });
    let (units, unicode, single, multi) = match gsm {
        Some(n) => (n, false, 160, 153),
        None => (text.encode_utf16().count(), true, 70, 67),
    };
    let parts = if units <= single { 1 } else { units.div_ceil(multi) };
    Segments { parts, unicode, units }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_compare_as_their_normal_forms_do() {
        for (a, b) in [("Diabetes ", "diabetes"), ("ZOË", "zoë"), (" Pune", "PUNE "), ("Ünal", "ünal")] {
            assert!(same_text(a, b), "{a} {b}");
            assert_eq!(normalize_tag(a), normalize_tag(b));
        }
        for (a, b) in [("diabetes", "diabete"), ("zoe", "zoë"), ("", "x")] {
            assert!(!same_text(a, b), "{a} {b}");
        }
    }

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().expect("instant")
    }

    fn kolkata() -> MessagingSettings {
        MessagingSettings::defaults(chrono_tz::Asia::Kolkata)
    }

    fn consent_sms() -> Consent {
        Consent { sms: true, ..Consent::default() }
    }

    fn recipient(consent: &Consent) -> Recipient<'_> {
        Recipient {
            consent,
            has_phone: true,
            has_email: true,
            deleted: false,
            avoid_topic: false,
            cheerful_this_week: 0,
        }
    }

    #[test]
    fn a_reminder_due_at_22_30_waits_for_08_00() {
        let s = kolkata();
        let c = consent_sms();
        // 22:30 in Kolkata is 17:00 UTC.
        let plan = plan(MessageKind::Reminder, &recipient(&c), &s, utc("2026-12-03T17:00:00Z"), None);
        assert_eq!(plan, Plan::Send { channel: Channel::Sms, at: utc("2026-12-04T02:30:00Z") }, "08:00 in Kolkata");
    }

    #[test]
    fn a_patient_whose_husband_died_last_month_gets_no_birthday_greeting() {
        let s = kolkata();
        let c = consent_sms();
        let grieving = Recipient { avoid_topic: true, ..recipient(&c) };
        let due = birthday_due(
            NaiveDate::from_ymd_opt(1960, 12, 3).expect("date"),
            NaiveDate::from_ymd_opt(2026, 12, 3).expect("date"),
            &s,
        )
        .expect("her birthday");
        assert_eq!(plan(MessageKind::Birthday, &grieving, &s, due, None), Plan::Skip(SkipReason::AvoidTopic));
        // Her appointment reminder still goes: it is about her care.
        assert!(matches!(plan(MessageKind::Reminder, &grieving, &s, due, None), Plan::Send { .. }));
    }

    #[test]
    fn a_greeting_goes_at_the_clinics_hour_and_a_leap_day_birthday_on_the_28th() {
        let s = kolkata();
        let leap = NaiveDate::from_ymd_opt(2000, 2, 29).expect("date");
        let due = birthday_due(leap, NaiveDate::from_ymd_opt(2027, 2, 28).expect("date"), &s);
        assert_eq!(due, Some(utc("2027-02-28T04:30:00Z")), "10:00 in Kolkata");
        assert_eq!(birthday_due(leap, NaiveDate::from_ymd_opt(2027, 3, 1).expect("date"), &s), None);
    }

    #[test]
    fn a_reminder_waits_for_the_hold_and_is_skipped_when_confirmed_or_too_late() {
        let s = kolkata();
        let starts = utc("2026-12-04T05:00:00Z");
        let booked = utc("2026-12-01T05:00:00Z");
        assert_eq!(
            reminder_due(starts, booked, AppointmentStatus::Booked, ReminderNo::First, &s),
            Ok(utc("2026-12-03T05:00:00Z"))
        );
        let late_booking = utc("2026-12-04T02:00:00Z");
        assert_eq!(
            reminder_due(starts, late_booking, AppointmentStatus::Booked, ReminderNo::First, &s),
            Ok(utc("2026-12-04T02:05:00Z")),
            "booked three hours ahead: after the five-minute hold"
        );
        assert_eq!(
            reminder_due(starts, utc("2026-12-04T04:30:00Z"), AppointmentStatus::Booked, ReminderNo::First, &s),
            Err(SkipReason::TooLate)
        );
        assert_eq!(
            reminder_due(starts, booked, AppointmentStatus::Confirmed, ReminderNo::First, &s),
            Err(SkipReason::Confirmed)
        );
        assert_eq!(
            reminder_due(starts, booked, AppointmentStatus::Cancelled, ReminderNo::First, &s),
            Err(SkipReason::NotBooked)
        );
        assert_eq!(
            reminder_due(starts, booked, AppointmentStatus::Booked, ReminderNo::Second, &s),
            Err(SkipReason::NoSecondReminder)
        );
        let two = MessagingSettings { second_reminder_hours: Some(3), ..kolkata() };
        assert_eq!(
            reminder_due(starts, booked, AppointmentStatus::Booked, ReminderNo::Second, &two),
            Ok(utc("2026-12-04T02:00:00Z"))
        );
        assert_eq!(
            reminder_due(starts, late_booking, AppointmentStatus::Booked, ReminderNo::Second, &two),
            Err(SkipReason::NoSecondReminder),
            "booked three hours ahead: both would go at once, one text is enough"
        );
    }

    #[test]
    fn quiet_hours_can_push_a_reminder_past_its_use() {
        let s = kolkata();
        let c = consent_sms();
        // An 08:30 appointment booked late the evening before: the reminder would wait for
        // 08:00, half an hour before the visit.
        let starts = utc("2026-12-04T03:00:00Z");
        let due = reminder_due(starts, utc("2026-12-03T17:00:00Z"), AppointmentStatus::Booked, ReminderNo::First, &s)
            .expect("due at once");
        let p = plan(MessageKind::Reminder, &recipient(&c), &s, due, Some(reminder_deadline(starts)));
        assert_eq!(p, Plan::Skip(SkipReason::TooLate));
    }

    #[test]
    fn greetings_respect_opt_out_and_the_weekly_cap_care_does_not() {
        let s = kolkata();
        let opted = Consent { sms: true, opted_out: true, ..Consent::default() };
        let due = utc("2026-12-03T06:00:00Z");
        assert_eq!(plan(MessageKind::Birthday, &recipient(&opted), &s, due, None), Plan::Skip(SkipReason::OptedOut));
        assert!(matches!(plan(MessageKind::Recall, &recipient(&opted), &s, due, None), Plan::Send { .. }));
        let c = consent_sms();
        let busy = Recipient { cheerful_this_week: 2, ..recipient(&c) };
        assert_eq!(plan(MessageKind::Birthday, &busy, &s, due, None), Plan::Skip(SkipReason::WeeklyCap));
        assert!(matches!(plan(MessageKind::NoShow, &busy, &s, due, None), Plan::Send { .. }));
    }

    #[test]
    fn a_patient_who_takes_calls_only_is_on_the_call_list_and_gets_no_greeting() {
        let s = kolkata();
        let calls = Consent { phone: true, ..Consent::default() };
        let due = utc("2026-12-03T06:00:00Z");
        assert!(matches!(
            plan(MessageKind::Reminder, &recipient(&calls), &s, due, None),
            Plan::Send { channel: Channel::Phone, .. }
        ));
        assert_eq!(plan(MessageKind::Birthday, &recipient(&calls), &s, due, None), Plan::Skip(SkipReason::NoConsent));
        let nothing = Consent::default();
        assert_eq!(plan(MessageKind::Reminder, &recipient(&nothing), &s, due, None), Plan::Skip(SkipReason::NoConsent));
        let no_phone = Recipient { has_phone: false, has_email: false, ..recipient(&calls) };
        assert_eq!(plan(MessageKind::Reminder, &no_phone, &s, due, None), Plan::Skip(SkipReason::NoConsent));
    }

    #[test]
    fn recalls_fall_due_from_the_last_visit() {
        let d = |s: &str| s.parse::<NaiveDate>().expect("date");
        assert_eq!(recall_due(Some(d("2026-08-31")), d("2020-01-01"), 3), d("2026-11-30"));
        assert_eq!(recall_due(None, d("2026-06-15"), 6), d("2026-12-15"), "never seen: from registration");
        assert!(has_tag(&["Diabetes ".to_owned()], "diabetes"));
    }

    #[test]
    fn templates_name_only_known_slots_and_fill_only_what_they_ask() {
        let t = Template::parse("Hi {patient}, see you {date} {{not a slot}}").expect("parses");
        let mut asked = Vec::new();
        let text = t.render(|s| {
            asked.push(s);
            format!("<{}>", s.name())
        });
        assert_eq!(text, "Hi <patient>, see you <date> {not a slot}");
        assert_eq!(asked, vec![Slot::Patient, Slot::Date], "no doctor, clinic or link was read");
        assert_eq!(Template::parse("Hi {name}"), Err(TemplateError::UnknownSlot("name".into())));
        assert_eq!(Template::parse("Hi {patient"), Err(TemplateError::Unclosed));
        assert_eq!(Template::parse("  "), Err(TemplateError::Empty));
        assert_eq!(
            Template::parse_for(MessageKind::Birthday, "Happy birthday {patient}, see you {date}"),
            Err(TemplateError::NotForKind("date"))
        );
    }

    #[test]
    fn every_default_template_parses_for_its_kind_and_sms_fits_two_parts() {
        for kind in MessageKind::ALL {
            for channel in TEMPLATE_CHANNELS {
                for offer in [false, true] {
                    let text = default_template(kind, channel, offer);
                    let t = Template::parse_for(kind, text).expect("a default parses");
                    if channel == Channel::Sms {
                        let filled = t.render(|s| match s {
                            Slot::Patient => "Annapurna".into(),
                            Slot::Clinic => "Lotus Family Clinic".into(),
                            Slot::Doctor => "Dr Venkataraman".into(),
                            Slot::Date => "Thu 3 Dec".into(),
                            Slot::Time => "10:30".into(),
                            Slot::Link => "https://ho.example/c/0123456789abcdef".into(),
                        });
                        assert!(sms_segments(&filled).parts <= 2, "{kind} sms: {filled}");
                    } else {
                        assert!(split_subject(text).0.is_some(), "{kind} email has a subject");
                    }
                }
            }
        }
    }

    #[test]
    fn sms_segments_count_gsm_septets_and_ucs2_units() {
        assert_eq!(sms_segments(&"a".repeat(160)), Segments { parts: 1, unicode: false, units: 160 });
        assert_eq!(sms_segments(&"a".repeat(161)).parts, 2);
        assert_eq!(sms_segments("€").units, 2, "an extended character takes two septets");
        let hindi = sms_segments("नमस्ते");
        assert!(hindi.unicode);
        assert_eq!(hindi.parts, 1);
        assert_eq!(sms_segments(&"न".repeat(71)).parts, 2);
    }

    #[test]
    fn the_template_of_the_patients_language_comes_first() {
        let s = kolkata();
        let choice = |language, text, dlt_template_id| TemplateChoice {
            kind: MessageKind::Recall,
            channel: Channel::Sms,
            language,
            text,
            dlt_template_id,
        };
        let all = [choice("hi", "hi text", Some("1107")), choice("en", "en text", None)];
        let chosen = choose_template(&all, MessageKind::Recall, Channel::Sms, Some("hi"), &s);
        assert_eq!((chosen.text, chosen.dlt_template_id), ("hi text", Some("1107")));
        assert_eq!(choose_template(&all, MessageKind::Recall, Channel::Sms, Some("ta"), &s).text, "en text");
        assert_eq!(
            choose_template(&all, MessageKind::Recall, Channel::Email, Some("hi"), &s).text,
            default_template(MessageKind::Recall, Channel::Email, false)
        );
    }

    #[test]
    fn settings_text_reads_back() {
        let q = parse_quiet_hours("21:30-07:15").expect("parses");
        assert_eq!(quiet_hours_text(&q), "21:30-07:15");
        assert!(parse_quiet_hours("9pm-8am").is_err());
        assert!(parse_timezone("Asia/Kolkata").is_ok());
        assert!(parse_timezone("Mars/Olympus").is_err());
    }
}
