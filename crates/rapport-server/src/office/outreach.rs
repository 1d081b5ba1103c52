//! Head office reaches patients: it plans the messages that are due from the merged records,
//! by the model's rules ([`rapport_model::outreach`]), into the outbox (`message`), one row
//! per occasion. Planning again, a second head-office process or a double click finds the
//! occasion's row and makes no second message; a row the rules skipped keeps the reason and
//! is planned again if that changes (consent given later).
//!
//! Planned now: appointment reminders (first and second), the message after a missed visit,
//! birthday greetings and recalls (the clinic's rules per condition tag). What a message says
//! is rendered here, once, with only the slots its template asks for.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use rapport_model::campaigns::CampaignText;
use rapport_model::outreach::{
    self as rules, MessageKind, MessagingSettings, Plan, Recipient, ReminderNo, SkipReason, Slot, Template,
    TemplateChoice,
};
use rapport_model::sync::Entity;
use rapport_model::{AppointmentStatus, Channel, Consent, QuietHours};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::state::load_states;
use super::{OfficeResult, random_bytes, random_uuid};
use crate::db::{Db, Val, query_in, rows};

/// What one planning pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PlanReport {
    /// New messages waiting to be sent.
    pub queued: u64,
    /// New calls for the clinic's call list (patients who take calls only).
    pub calls: u64,
    /// Occasions the rules held back (the reason is kept on the row).
    pub skipped: u64,
}

/// Where a message's confirm link points, and the zone of a clinic that set none.
#[derive(Debug, Clone)]
pub struct OutreachConfig {
    /// `--public-url`: links are `<public_url>/c/<token>`; none without it.
    pub public_url: Option<String>,
    pub default_zone: Tz,
}

impl OutreachConfig {
    /// Links under `public_url`; a clinic that chose no time zone is read in this computer's.
    pub fn new(public_url: Option<String>) -> Self {
        let default_zone =
            iana_time_zone::get_timezone().ok().and_then(|z| rules::parse_timezone(&z).ok()).unwrap_or(chrono_tz::UTC);
        Self { public_url, default_zone }
    }
}

/// A clinic as its messages need it.
pub(super) struct Clinic {
    pub(super) name: String,
    pub(super) settings: MessagingSettings,
    /// The clinic's own templates in use.
    templates: Vec<StoredText>,
    /// Its recall rules in use: a condition tag and every how many months.
    recall_rules: Vec<(String, u32)>,
    /// Whether, when and for which doctors it asks patients about their visit.
    pub(super) survey: rapport_model::surveys::SurveySettings,
}

struct StoredText {
    /// The template record's id (a campaign may name it).
    id: String,
    kind: MessageKind,
    channel: Channel,
    language: String,
    body: String,
    dlt: Option<String>,
}

/// Plans every message due at `now_ms`.
pub fn plan(db: &mut dyn Db, now_ms: i64, config: &OutreachConfig) -> OfficeResult<PlanReport> {
    let clinics = clinics(db, config)?;
    let now = instant(now_ms);
    let mut report = PlanReport::default();
    plan_reminders(db, now, &clinics, config, &mut report)?;
    plan_no_shows(db, now, &clinics, config, &mut report)?;
    plan_from_patients(db, now, &clinics, config, &mut report)?;
    super::campaigns::plan_campaigns(db, now, &clinics, config, &mut report)?;
    super::surveys::plan_surveys(db, now, &clinics, config, &mut report)?;
    Ok(report)
}

pub(super) fn instant(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

pub(super) fn text<'a>(fields: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    fields.get(name).and_then(Value::as_str)
}

pub(super) fn int(fields: &Map<String, Value>, name: &str) -> Option<i64> {
    fields.get(name).and_then(Value::as_i64)
}

/// A structured column (stored as JSON text) read back.
pub(super) fn json<T: serde::de::DeserializeOwned>(fields: &Map<String, Value>, name: &str) -> Option<T> {
    text(fields, name).and_then(|t| serde_json::from_str(t).ok())
}

/// Each clinic's records of `entity`, the newest per key (by `updated_at`, then record id: the
/// desk's rule too, `rapport_store::messaging`): `read` gives a record's key within its clinic
/// and what it says (from its id and fields), or `None` for a record it cannot read. Keyed by
/// clinic.
pub(super) fn newest<K: std::hash::Hash + Eq, V>(
    db: &mut dyn Db,
    entity: Entity,
    read: impl Fn(&str, &Map<String, Value>) -> Option<(K, V)>,
) -> OfficeResult<Vec<(Uuid, (K, V))>> {
    let found =
        db.query("SELECT clinic_id, record, fields FROM record_state WHERE entity = $1", &[entity.as_str().into()])?;
    let mut best: HashMap<(Uuid, K), ((i64, String), V)> = HashMap::new();
    for mut row in rows(found, "clinic record") {
        let (Some(clinic_id), record, f) = (row.opt_uuid()?, row.text()?, row.json::<Map<String, Value>>()?) else {
            continue;
        };
        let Some((key, value)) = read(&record, &f) else { continue };
        let at = (int(&f, "updated_at").unwrap_or(0), record);
        let key = (clinic_id, key);
        if best.get(&key).is_none_or(|(seen, _)| at > *seen) {
            best.insert(key, (at, value));
        }
    }
    Ok(best.into_iter().map(|((clinic, key), (_, value))| (clinic, (key, value))).collect())
}

fn clinics(db: &mut dyn Db, config: &OutreachConfig) -> OfficeResult<HashMap<Uuid, Clinic>> {
    let mut out = HashMap::new();
    for mut row in rows(db.query("SELECT id, name FROM clinic", &[])?, "clinic") {
        let id = row.uuid()?;
        let clinic = Clinic {
            name: row.text()?,
            settings: MessagingSettings::defaults(config.default_zone),
            templates: Vec::new(),
            recall_rules: Vec::new(),
            survey: Default::default(),
        };
        out.insert(id, clinic);
    }
    let removed = |f: &Map<String, Value>| f.get("deleted_at").is_some_and(|v| !v.is_null());
    for (clinic_id, ((), survey)) in newest(db, Entity::SurveySettings, |_, f| Some(((), survey_from(f)?)))? {
        if let Some(clinic) = out.get_mut(&clinic_id) {
            clinic.survey = survey;
        }
    }
    for (clinic_id, ((), settings)) in newest(db, Entity::MessagingSettings, |_, f| Some(((), settings_from(f)?)))? {
        if let Some(clinic) = out.get_mut(&clinic_id) {
            clinic.settings = settings;
        }
    }
    let texts = newest(db, Entity::Template, |id, f| {
        let kind = text(f, "kind").and_then(|k| k.parse::<MessageKind>().ok())?;
        let channel = text(f, "channel").and_then(rules::parse_channel)?;
        let language = text(f, "language")?.to_owned();
        let stored = (!removed(f)).then(|| StoredText {
            id: id.to_owned(),
            kind,
            channel,
            language: language.clone(),
            body: text(f, "body").unwrap_or_default().to_owned(),
            dlt: text(f, "dlt_template_id").map(str::to_owned),
        });
        Some(((kind, channel, language), stored))
    })?;
    for (clinic_id, (_, stored)) in texts {
        if let (Some(clinic), Some(stored)) = (out.get_mut(&clinic_id), stored) {
            clinic.templates.push(stored);
        }
    }
    let recalls = newest(db, Entity::RecallRule, |_, f| {
        let tag = text(f, "tag").map(rules::normalize_tag)?;
        let months = int(f, "every_months").and_then(|m| u32::try_from(m).ok()).filter(|_| !removed(f));
        Some((tag, months))
    })?;
    for (clinic_id, (tag, months)) in recalls {
        if let (Some(clinic), Some(months)) = (out.get_mut(&clinic_id), months) {
            clinic.recall_rules.push((tag, months));
        }
    }
    Ok(out)
}

/// A clinic's survey settings from their record.
fn survey_from(f: &Map<String, Value>) -> Option<rapport_model::surveys::SurveySettings> {
    let doctors: Vec<Uuid> = json(f, "doctors").unwrap_or_default();
    Some(rapport_model::surveys::SurveySettings {
        after_visit: int(f, "after_visit")? == 1,
        delay_hours: u32::try_from(int(f, "delay_hours")?).ok()?,
        doctors: doctors.into_iter().map(|d| rapport_model::StaffId::from_bytes(*d.as_bytes())).collect(),
    })
}

/// A clinic's messaging settings from their record.
fn settings_from(f: &Map<String, Value>) -> Option<MessagingSettings> {
    let num = |name: &str| int(f, name).and_then(|v| u32::try_from(v).ok());
    Some(MessagingSettings {
        reminder_hours: num("reminder_hours")?,
        second_reminder_hours: num("second_reminder_hours"),
        hold_minutes: num("hold_minutes")?,
        quiet_hours: json::<QuietHours>(f, "quiet_hours")?,
        timezone: rules::parse_timezone(text(f, "timezone")?).ok()?,
        birthday_hour: num("birthday_hour")?,
        birthday_offer: int(f, "birthday_offer") == Some(1),
        weekly_cap: num("weekly_cap")?,
        language: text(f, "language")?.to_owned(),
    })
}

/// What a message needs of a patient.
pub(super) struct Patient {
    pub(super) id: String,
    preferred: String,
    pub(super) language: Option<String>,
    pub(super) phone: Option<String>,
    pub(super) email: Option<String>,
    pub(super) consent: Consent,
    pub(super) deleted: bool,
}

impl Patient {
    /// The patient as a message to them needs: the first phone as gateways dial it.
    pub(super) fn read(id: String, f: &Map<String, Value>) -> Self {
        let preferred = text(f, "preferred").filter(|p| !p.trim().is_empty()).or_else(|| text(f, "given"));
        Self {
            preferred: preferred.unwrap_or_default().to_owned(),
            language: text(f, "language").map(str::to_owned),
            phone: json::<Vec<String>>(f, "phones")
                .and_then(|p| p.into_iter().next())
                .map(|p| rapport_model::phone::dialable(&p)),
            email: text(f, "email").filter(|e| !e.trim().is_empty()).map(str::to_owned),
            consent: json(f, "consent").unwrap_or_default(),
            deleted: f.get("deleted_at").is_some_and(|v| !v.is_null()),
            id,
        }
    }

    pub(super) fn recipient(&self, avoid_topic: bool, cheerful_this_week: u32) -> Recipient<'_> {
        Recipient {
            consent: &self.consent,
            has_phone: self.phone.is_some(),
            has_email: self.email.is_some(),
            deleted: self.deleted,
            avoid_topic,
            cheerful_this_week,
        }
    }
}

/// One occasion the rules decided on.
pub(super) struct Occasion<'a> {
    pub(super) key: String,
    pub(super) kind: MessageKind,
    pub(super) clinic_id: Uuid,
    pub(super) clinic: &'a Clinic,
    pub(super) patient: &'a Patient,
    pub(super) plan: Plan,
    pub(super) send_before: Option<DateTime<Utc>>,
    /// What only an appointment has: itself, its doctor and start.
    pub(super) appointment: Option<String>,
    pub(super) doctor: Option<String>,
    pub(super) starts_at: Option<DateTime<Utc>>,
    /// What only a campaign's message has: its campaign, and the text it sends.
    pub(super) campaign: Option<(&'a str, CampaignText)>,
}

/// An appointment as head office holds it: its record id, clinic and fields.
type Booked = (String, Uuid, Map<String, Value>);

/// Appointments whose booking starts in `(from, to]` and holds (or not) the doctor's slot.
fn booked_between(db: &mut dyn Db, holds: bool, from: i64, to: i64) -> OfficeResult<Vec<Booked>> {
    let found = db.query(
        "SELECT s.record, s.clinic_id, s.fields FROM booking b
         JOIN record_state s ON s.entity = 'appointment' AND s.record = b.appointment
         WHERE b.holds = $1 AND b.starts_at > $2 AND b.starts_at <= $3",
        &[i64::from(holds).into(), from.into(), to.into()],
    )?;
    let mut out = Vec::with_capacity(found.len());
    for mut row in rows(found, "appointment") {
        let (record, clinic_id, f) = (row.text()?, row.opt_uuid()?, row.json::<Map<String, Value>>()?);
        if let Some(clinic_id) = clinic_id {
            out.push((record, clinic_id, f));
        }
    }
    Ok(out)
}

/// The patients and the doctors' display names these appointments name, each read once.
fn people_of<'a>(
    db: &mut dyn Db,
    appointments: impl Iterator<Item = &'a Map<String, Value>> + Clone,
) -> OfficeResult<(HashMap<String, Patient>, HashMap<String, String>)> {
    let ids =
        |field: &str| -> Vec<Val> { appointments.clone().filter_map(|f| text(f, field).map(Val::from)).collect() };
    let patients = load_states(db, Entity::Patient, &ids("patient_id"))?
        .into_iter()
        .map(|(id, s)| (id.clone(), Patient::read(id, &s.fields)))
        .collect();
    Ok((patients, display_names(db, &ids("doctor"))?))
}

fn plan_reminders(
    db: &mut dyn Db,
    now: DateTime<Utc>,
    clinics: &HashMap<Uuid, Clinic>,
    config: &OutreachConfig,
    report: &mut PlanReport,
) -> OfficeResult<()> {
    // Every booking a reminder can be due for: up to the longest lead time a clinic may set.
    let horizon = now + chrono::Duration::hours(i64::from(rules::MAX_REMINDER_HOURS));
    let mut due = Vec::new();
    for (record, clinic_id, f) in booked_between(db, true, now.timestamp_millis(), horizon.timestamp_millis())? {
        let Some(clinic) = clinics.get(&clinic_id) else { continue };
        let status = text(&f, "status").and_then(|s| AppointmentStatus::ALL.into_iter().find(|a| a.as_str() == s));
        let (Some(status), Some(starts), Some(booked)) = (status, int(&f, "starts_at"), int(&f, "booked_at")) else {
            continue;
        };
        let (starts, booked) = (instant(starts), instant(booked));
        for (n, which) in [(1, ReminderNo::First), (2, ReminderNo::Second)] {
            let when = match rules::reminder_due(starts, booked, status, which, &clinic.settings) {
                Ok(when) if when <= now => Ok(when),
                Ok(_) => continue,
                Err(reason @ SkipReason::TooLate) if n == 1 => Err(reason),
                Err(_) => continue,
            };
            let key = format!("reminder/{n}/{record}/{}", starts.timestamp_millis());
            due.push((key, record.clone(), clinic_id, f.clone(), starts, when));
        }
    }
    let settled = settled(db, due.iter().map(|d| d.0.as_str()))?;
    due.retain(|d| !settled.contains(&d.0));
    let (patients, doctors) = people_of(db, due.iter().map(|(_, _, _, f, ..)| f))?;
    for (key, record, clinic_id, f, starts, when) in due {
        let Some(patient) = text(&f, "patient_id").and_then(|p| patients.get(p)) else { continue };
        let Some(clinic) = clinics.get(&clinic_id) else { continue };
        let plan = match when {
            Ok(when) => rules::plan(
                MessageKind::Reminder,
                &patient.recipient(false, 0),
                &clinic.settings,
                when,
                Some(rules::reminder_deadline(starts)),
            ),
            Err(reason) => Plan::Skip(reason),
        };
        let occasion = Occasion {
            key,
            kind: MessageKind::Reminder,
            clinic_id,
            clinic,
            patient,
            plan,
            send_before: Some(rules::reminder_deadline(starts)),
            doctor: text(&f, "doctor").and_then(|d| doctors.get(d)).cloned(),
            appointment: Some(record),
            starts_at: Some(starts),
            campaign: None,
        };
        record_occasion(db, now, &occasion, config, report)?;
    }
    Ok(())
}

/// How long after a visit is marked missed its follow-up message may still go (a no-show
/// marked days ago, or before this head office sent messages, gets none).
const NO_SHOW_WINDOW_MS: i64 = 24 * 3_600_000;

/// The message after a missed visit ("we missed you, reply R and we will call"), beside the
/// desk's own call-back task.
fn plan_no_shows(
    db: &mut dyn Db,
    now: DateTime<Utc>,
    clinics: &HashMap<Uuid, Clinic>,
    config: &OutreachConfig,
    report: &mut PlanReport,
) -> OfficeResult<()> {
    // Missed visits started before now, within the window (bookings a day and a half back
    // cover any marked in the last day).
    let since = now.timestamp_millis() - NO_SHOW_WINDOW_MS - 12 * 3_600_000;
    let mut missed = Vec::new();
    for (record, clinic_id, f) in booked_between(db, false, since, now.timestamp_millis())? {
        let marked = int(&f, "no_show_at").filter(|at| now.timestamp_millis() - at < NO_SHOW_WINDOW_MS);
        if let (Some(marked), Some("no-show")) = (marked, text(&f, "status")) {
            missed.push((format!("no-show/{record}"), clinic_id, f, instant(marked)));
        }
    }
    let settled = settled(db, missed.iter().map(|m| m.0.as_str()))?;
    missed.retain(|m| !settled.contains(&m.0));
    let (patients, doctors) = people_of(db, missed.iter().map(|(_, _, f, _)| f))?;
    for (key, clinic_id, f, marked) in missed {
        let (Some(patient), Some(clinic)) =
            (text(&f, "patient_id").and_then(|p| patients.get(p)), clinics.get(&clinic_id))
        else {
            continue;
        };
        let occasion = Occasion {
            key,
            kind: MessageKind::NoShow,
            clinic_id,
            clinic,
            patient,
            plan: rules::plan(MessageKind::NoShow, &patient.recipient(false, 0), &clinic.settings, marked, None),
            send_before: Some(marked + chrono::Duration::milliseconds(NO_SHOW_WINDOW_MS)),
            doctor: text(&f, "doctor").and_then(|d| doctors.get(d)).cloned(),
            // A reply to this message is not a confirmation: the visit is not named.
            appointment: None,
            starts_at: int(&f, "starts_at").map(instant),
            campaign: None,
        };
        record_occasion(db, now, &occasion, config, report)?;
    }
    Ok(())
}

/// Staff display names by id.
pub(super) fn display_names(db: &mut dyn Db, ids: &[Val]) -> OfficeResult<HashMap<String, String>> {
    Ok(load_states(db, Entity::Staff, ids)?
        .into_iter()
        .filter_map(|(id, s)| text(&s.fields, "display_name").map(|n| (id, n.to_owned())))
        .collect())
}

/// Greetings and recalls, per clinic: the patients with a birthday today and, from the
/// greeting hour, those carrying a tag a recall rule names (found in SQL, checked by the
/// model's rules), with their visits read in a few queries.
fn plan_from_patients(
    db: &mut dyn Db,
    now: DateTime<Utc>,
    clinics: &HashMap<Uuid, Clinic>,
    config: &OutreachConfig,
    report: &mut PlanReport,
) -> OfficeResult<()> {
    for (clinic_id, clinic) in clinics {
        let tz = clinic.settings.timezone;
        let today = now.with_timezone(&tz).date_naive();
        // Greetings and recalls go at the clinic's greeting hour.
        let hour = rules::local_to_utc(tz, today.and_time(chrono::NaiveTime::MIN))
            + chrono::Duration::hours(i64::from(clinic.settings.birthday_hour.min(23)));
        let recall_tags: Vec<&str> =
            if hour <= now { clinic.recall_rules.iter().map(|(tag, _)| tag.as_str()).collect() } else { Vec::new() };
        let mut patients = Vec::new();
        for (id, f) in candidates(db, *clinic_id, today, &recall_tags)? {
            let birthday = text(&f, "birth_date")
                .and_then(|d| d.parse::<NaiveDate>().ok())
                .and_then(|birth| rules::birthday_due(birth, today, &clinic.settings))
                .filter(|w| *w <= now);
            let tags: Vec<String> = json(&f, "conditions").unwrap_or_default();
            let recalls: Vec<(String, u32)> = clinic
                .recall_rules
                .iter()
                .filter(|(tag, _)| recall_tags.contains(&tag.as_str()) && rules::has_tag(&tags, tag))
                .cloned()
                .collect();
            if birthday.is_some() || !recalls.is_empty() {
                let registered = int(&f, "created_at").map_or(today, |c| instant(c).with_timezone(&tz).date_naive());
                patients.push((Patient::read(id, &f), birthday, recalls, registered));
            }
        }
        let with_recalls: Vec<Val> =
            patients.iter().filter(|p| !p.2.is_empty()).map(|p| Val::from(p.0.id.as_str())).collect();
        let visits = visits(db, &with_recalls, now, tz)?;
        // Each occasion once: the day's greeting, a recall per tag and due day.
        let mut occasions = Vec::new();
        for (patient, birthday, recalls, registered) in &patients {
            if let Some(when) = birthday {
                occasions.push((
                    patient,
                    MessageKind::Birthday,
                    format!("birthday/{}/{}", patient.id, today.format("%Y")),
                    *when,
                ));
            }
            let (last_visit, booked) = visits.get(&patient.id).copied().unwrap_or_default();
            for (tag, months) in recalls {
                let due = rules::recall_due(last_visit, *registered, *months);
                if !booked && due <= today {
                    occasions.push((patient, MessageKind::Recall, format!("recall/{}/{tag}/{due}", patient.id), hour));
                }
            }
        }
        let settled = settled(db, occasions.iter().map(|o| o.2.as_str()))?;
        for (patient, kind, key, when) in occasions {
            if settled.contains(&key) {
                continue;
            }
            let recipient = if kind == MessageKind::Birthday {
                patient.recipient(avoid_topic_active(db, &patient.id)?, cheerful_this_week(db, &patient.id, now)?)
            } else {
                patient.recipient(false, 0)
            };
            let occasion = Occasion {
                key,
                kind,
                clinic_id: *clinic_id,
                clinic,
                plan: rules::plan(kind, &recipient, &clinic.settings, when, None),
                patient,
                send_before: Some(local_end_of_day(today, tz)),
                appointment: None,
                doctor: None,
                starts_at: None,
                campaign: None,
            };
            record_occasion(db, now, &occasion, config, report)?;
        }
    }
    Ok(())
}

/// The clinic's patients who may be due a greeting today or a recall for one of `tags`, by a
/// look at the stored text (a superset: the caller checks each by the model's rules): every patient is
/// read, but only these are decoded. (Filtering in SQL would parse every record's JSON there,
/// and PostgreSQL's planner, unable to tell how few match, scans the whole table per clinic.)
fn candidates(
    db: &mut dyn Db,
    clinic: Uuid,
    today: NaiveDate,
    tags: &[&str],
) -> OfficeResult<Vec<(String, Map<String, Value>)>> {
    let mut days = vec![today.format("-%m-%d\"").to_string()];
    // 29 February's greetings go on the 28th in other years (the model says which; more is read here).
    if today.month() == 2 && today.day() == 28 {
        days.push("-02-29\"".to_owned());
    }
    let tags: Vec<String> = tags.iter().map(|t| rules::normalize_tag(t)).collect();
    let found = db.query(
        "SELECT s.record, s.fields FROM patient_clinic pc
         JOIN record_state s ON s.entity = 'patient' AND s.record = pc.patient_id
         WHERE pc.clinic_id = $1",
        &[clinic.to_string().into()],
    )?;
    let mut out = Vec::new();
    for mut row in rows(found, "patient") {
        let (id, text) = (row.text()?, row.text()?);
        let lower = if tags.is_empty() { String::new() } else { text.to_lowercase() };
        if days.iter().any(|d| text.contains(d.as_str())) || tags.iter().any(|t| lower.contains(t.as_str())) {
            let fields = serde_json::from_str(&text)
                .map_err(|_| crate::db::DbError::Other("a patient record could not be read".into()))?;
            out.push((id, fields));
        }
    }
    let ids: Vec<Val> = out.iter().map(|(id, _)| Val::from(id.as_str())).collect();
    let merged = merged_away(db, &ids)?;
    out.retain(|(id, _)| !merged.contains(id));
    Ok(out)
}

/// The records among `patients` that a merge not undone made part of another patient: the
/// patient is greeted, recalled and counted under the kept record only. (Two merges of a pair
/// the other way round, made apart, leave both out here; desks resolve that pair by the later
/// merge, migration 0014's `merge_in_force`.)
pub(super) fn merged_away(db: &mut dyn Db, patients: &[Val]) -> OfficeResult<HashSet<String>> {
    let found = query_in(
        db,
        "SELECT patient_id, fields FROM record_state WHERE entity = $1 AND patient_id IN ({keys})",
        &[Entity::PatientMerge.as_str().into()],
        patients,
    )?;
    let mut out = HashSet::new();
    for mut row in rows(found, "merge") {
        let (patient, fields) = (row.text()?, row.json::<Map<String, Value>>()?);
        if fields.get("undone_at").is_none_or(Value::is_null) {
            out.insert(patient);
        }
    }
    Ok(out)
}

/// The occasions among `keys` that have their row for good: planning them again changes nothing
/// (only a skipped one, or a reminder cancelled because its visit was no longer booked, may go
/// after all).
pub(super) fn settled<'a>(
    db: &mut dyn Db,
    keys: impl Iterator<Item = &'a str>,
) -> OfficeResult<std::collections::HashSet<String>> {
    let keys: Vec<Val> = keys.map(Val::from).collect();
    let found = query_in(
        db,
        "SELECT occasion FROM message WHERE occasion IN ({keys})
           AND status <> 'skipped' AND NOT (status = 'cancelled' AND reason = 'not-booked')",
        &[],
        &keys,
    )?;
    let mut out = std::collections::HashSet::with_capacity(found.len());
    for mut row in rows(found, "occasion") {
        out.insert(row.text()?);
    }
    Ok(out)
}

/// Each patient's last visit that was done (the clinic's day), and whether one is booked ahead.
pub(super) fn visits(
    db: &mut dyn Db,
    patients: &[Val],
    now: DateTime<Utc>,
    tz: Tz,
) -> OfficeResult<HashMap<String, (Option<NaiveDate>, bool)>> {
    let found = query_in(
        db,
        "SELECT patient_id, fields FROM record_state WHERE entity = 'appointment' AND patient_id IN ({keys})",
        &[],
        patients,
    )?;
    let mut last: HashMap<String, (Option<i64>, bool)> = HashMap::new();
    for mut row in rows(found, "appointment") {
        let (patient, f) = (row.text()?, row.json::<Map<String, Value>>()?);
        let entry = last.entry(patient).or_default();
        let starts = int(&f, "starts_at").unwrap_or(0);
        match text(&f, "status") {
            Some("done") => entry.0 = entry.0.max(Some(starts)),
            Some("booked" | "confirmed") if starts >= now.timestamp_millis() => entry.1 = true,
            _ => {}
        }
    }
    Ok(last
        .into_iter()
        .map(|(p, (done, booked))| (p, (done.map(|t| instant(t).with_timezone(&tz).date_naive()), booked)))
        .collect())
}

/// The end of the clinic's day: a greeting not sent by then is not sent.
fn local_end_of_day(day: NaiveDate, tz: Tz) -> DateTime<Utc> {
    rules::local_to_utc(tz, day.and_time(chrono::NaiveTime::MIN) + chrono::Duration::days(1))
}

/// Does the patient have an avoid-topic pointer that is neither retracted nor revised away?
fn avoid_topic_active(db: &mut dyn Db, patient: &str) -> OfficeResult<bool> {
    Ok(!avoiding_topics(db, &[patient.into()])?.is_empty())
}

/// Those of `patients` with an avoid-topic pointer that is neither retracted nor revised away.
pub(super) fn avoiding_topics(db: &mut dyn Db, patients: &[Val]) -> OfficeResult<HashSet<String>> {
    let found = query_in(
        db,
        "SELECT patient_id, entity, record, fields FROM record_state
         WHERE entity IN ('pointer', 'pointer_mark') AND patient_id IN ({keys})",
        &[],
        patients,
    )?;
    let mut avoid: Vec<(String, String)> = Vec::new();
    let mut gone = HashSet::new();
    for mut row in rows(found, "pointer") {
        let (patient, entity, record, f) = (row.text()?, row.text()?, row.text()?, row.json::<Map<String, Value>>()?);
        if entity == Entity::Pointer.as_str() {
            if text(&f, "kind") == Some("avoid-topic") {
                avoid.push((patient, record));
            }
            if let Some(earlier) = text(&f, "supersedes") {
                gone.insert(earlier.to_owned());
            }
        } else if text(&f, "kind") == Some("retracted")
            && let Some(pointer) = text(&f, "pointer_id")
        {
            gone.insert(pointer.to_owned());
        }
    }
    Ok(avoid.into_iter().filter(|(_, p)| !gone.contains(p)).map(|(patient, _)| patient).collect())
}

/// Messages that are not about care queued or sent to the patient in the last seven days.
fn cheerful_this_week(db: &mut dyn Db, patient: &str, now: DateTime<Utc>) -> OfficeResult<u32> {
    Ok(cheerful_counts(db, &[patient.into()], now)?.get(patient).copied().unwrap_or(0))
}

/// [`cheerful_this_week`] for many patients (those with none are not named).
pub(super) fn cheerful_counts(
    db: &mut dyn Db,
    patients: &[Val],
    now: DateTime<Utc>,
) -> OfficeResult<HashMap<String, u32>> {
    // The kinds are Rapport's own words, never input.
    let kinds: Vec<String> =
        MessageKind::ALL.iter().filter(|k| !k.is_care()).map(|k| format!("'{}'", k.as_str())).collect();
    let found = query_in(
        db,
        &format!(
            "SELECT patient_id, count(*) FROM message WHERE patient_id IN ({{keys}}) AND kind IN ({}) AND created_at > $1
               AND status IN ('queued', 'claimed', 'sent', 'delivered', 'paused') GROUP BY patient_id",
            kinds.join(", ")
        ),
        &[(now - chrono::Duration::days(7)).timestamp_millis().into()],
        patients,
    )?;
    let mut out = HashMap::new();
    for mut row in rows(found, "count") {
        let (patient, n) = (row.text()?, row.int()?);
        *out.entry(patient).or_default() += u32::try_from(n).unwrap_or(u32::MAX);
    }
    Ok(out)
}

/// Stores what the rules decided for one occasion: a message to send, a call to make, or the
/// reason nothing goes. An occasion with a row already keeps it, unless the rules had skipped
/// it and now let it go.
pub(super) fn record_occasion(
    db: &mut dyn Db,
    now: DateTime<Utc>,
    o: &Occasion<'_>,
    config: &OutreachConfig,
    report: &mut PlanReport,
) -> OfficeResult<()> {
    let token = hex::encode(random_bytes::<16>());
    let (status, reason, channel, send_after) = match o.plan {
        Plan::Send { channel: Channel::Phone, at } => ("call", None, Some(Channel::Phone), at),
        Plan::Send { channel, at } => ("queued", None, Some(channel), at),
        Plan::Skip(reason) => ("skipped", Some(reason.as_str()), None, now),
    };
    let (recipient, subject, body, dlt): (Option<String>, _, _, _) = match channel {
        Some(ch @ (Channel::Sms | Channel::Email)) => {
            let choices: Vec<TemplateChoice<'_>> = o
                .clinic
                .templates
                .iter()
                .map(|t| TemplateChoice {
                    kind: t.kind,
                    channel: t.channel,
                    language: &t.language,
                    text: &t.body,
                    dlt_template_id: t.dlt.as_deref(),
                })
                .collect();
            let language = o.patient.language.as_deref();
            let chosen = match o.campaign {
                // A campaign's own template (if the clinic still has it for this channel; else
                // the campaign text in the patient's language).
                Some((_, CampaignText::Template(id))) => o
                    .clinic
                    .templates
                    .iter()
                    .find(|t| t.id == id.to_string() && t.channel == ch)
                    .map(|t| rules::Chosen { text: &t.body, dlt_template_id: t.dlt.as_deref() })
                    .unwrap_or_else(|| {
                        rules::choose_template(&choices, MessageKind::Campaign, ch, language, &o.clinic.settings)
                    }),
                Some((_, CampaignText::Kind(kind))) => {
                    rules::choose_template(&choices, kind, ch, language, &o.clinic.settings)
                }
                None => rules::choose_template(&choices, o.kind, ch, language, &o.clinic.settings),
            };
            let dlt = chosen.dlt_template_id.map(str::to_owned);
            let chosen = chosen.text;
            let (subject, body) = if ch == Channel::Email { rules::split_subject(chosen) } else { (None, chosen) };
            let fill = |slot| slot_value(slot, o, &token, config);
            let subject = subject.and_then(|s| Template::parse(s).ok()).map(|t| t.render(fill));
            let body = Template::parse(body).map(|t| t.render(fill)).unwrap_or_default();
            let to = if ch == Channel::Sms { o.patient.phone.clone() } else { o.patient.email.clone() };
            (to, subject, Some(body), dlt)
        }
        Some(Channel::Phone) => (o.patient.phone.clone(), None, None, None),
        None => (None, None, None, None),
    };
    let recipient_key =
        (channel == Some(Channel::Sms)).then(|| recipient.as_deref().map(rapport_model::phone::last_ten)).flatten();
    let at = now.timestamp_millis();
    let stored = db.exec(
        "INSERT INTO message (id, occasion, clinic_id, patient_id, kind, channel, recipient, subject, body,
             dlt_template_id, status, reason, send_after, send_before, attempts, token, created_at, updated_at,
             appointment_id, visit_label, recipient_key, campaign_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 0, $15, $16, $16, $17, $18, $19, $20)
         ON CONFLICT (occasion) DO UPDATE SET channel = excluded.channel, recipient = excluded.recipient,
             recipient_key = excluded.recipient_key, subject = excluded.subject, body = excluded.body,
             dlt_template_id = excluded.dlt_template_id, status = excluded.status, reason = excluded.reason,
             send_after = excluded.send_after, token = excluded.token, updated_at = excluded.updated_at,
             revision = message.revision + 1
         WHERE (message.status = 'skipped' OR (message.status = 'cancelled' AND message.reason = 'not-booked'))
           AND excluded.status <> 'skipped'",
        &[
            random_uuid().to_string().into(),
            o.key.as_str().into(),
            o.clinic_id.to_string().into(),
            o.patient.id.as_str().into(),
            o.kind.as_str().into(),
            channel.map(rules::channel_word).into(),
            recipient.into(),
            subject.into(),
            body.into(),
            dlt.into(),
            status.into(),
            reason.into(),
            send_after.timestamp_millis().into(),
            o.send_before.map(|t| t.timestamp_millis()).into(),
            token.as_str().into(),
            at.into(),
            o.appointment.as_deref().into(),
            o.starts_at
                .map(|_| {
                    format!(
                        "{} at {}",
                        slot_value(Slot::Date, o, &token, config),
                        slot_value(Slot::Time, o, &token, config)
                    )
                })
                .into(),
            recipient_key.into(),
            o.campaign.map(|(id, _)| id).into(),
        ],
    )?;
    if stored > 0 {
        match status {
            "queued" => report.queued += 1,
            "call" => report.calls += 1,
            _ => report.skipped += 1,
        }
    }
    Ok(())
}

/// The value of one slot of one message; only the slots a template asks for are filled.
fn slot_value(slot: Slot, o: &Occasion<'_>, token: &str, config: &OutreachConfig) -> String {
    let local = |t: DateTime<Utc>| t.with_timezone(&o.clinic.settings.timezone);
    match slot {
        Slot::Patient => o.patient.preferred.clone(),
        Slot::Clinic => o.clinic.name.clone(),
        Slot::Doctor => o.doctor.clone().unwrap_or_default(),
        Slot::Date => o.starts_at.map(|t| local(t).format("%a %-d %b").to_string()).unwrap_or_default(),
        Slot::Time => o.starts_at.map(|t| local(t).format("%H:%M").to_string()).unwrap_or_default(),
        Slot::Link => {
            // A survey's page, or a reminder's confirm page.
            let page = if o.kind == MessageKind::Survey { "s" } else { "c" };
            config
                .public_url
                .as_deref()
                .map(|u| format!("{}/{page}/{token}", u.trim_end_matches('/')))
                .unwrap_or_default()
        }
    }
}

/// One row of the outbox, as `messages list` shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MessageRow {
    pub id: String,
    pub patient: String,
    pub kind: String,
    pub channel: Option<String>,
    pub status: String,
    pub reason: Option<String>,
    pub attempts: i64,
    pub gateway_ref: Option<String>,
    pub send_after: i64,
    /// What the patient answered, for staff (R, N or anything unclear is theirs to act on).
    pub reply: Option<String>,
}

/// The outbox, newest first (at most `limit` rows).
pub fn list_messages(db: &mut dyn Db, limit: i64) -> OfficeResult<Vec<MessageRow>> {
    let found = db.query(
        "SELECT id, patient_id, kind, channel, status, reason, attempts, gateway_ref, send_after, reply FROM message
         ORDER BY created_at DESC, id LIMIT $1",
        &[limit.into()],
    )?;
    let mut out = Vec::with_capacity(found.len());
    for mut row in rows(found, "message") {
        out.push(MessageRow {
            id: row.text()?,
            patient: row.text()?,
            kind: row.text()?,
            channel: row.opt_text()?,
            status: row.text()?,
            reason: row.opt_text()?,
            attempts: row.int()?,
            gateway_ref: row.opt_text()?,
            send_after: row.int()?,
            reply: row.opt_text()?,
        });
    }
    Ok(out)
}

/// How the outbox stands: how many messages in each state, and how late the oldest waiting one
/// is (a stuck outbox shows here).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct OutboxStatus {
    pub by_status: std::collections::BTreeMap<String, i64>,
    /// Minutes the oldest message due for sending has waited past its time.
    pub oldest_due_minutes: Option<i64>,
}

pub fn outbox_status(db: &mut dyn Db, now_ms: i64) -> OfficeResult<OutboxStatus> {
    let mut status = OutboxStatus::default();
    for mut row in rows(db.query("SELECT status, count(*) FROM message GROUP BY status", &[])?, "count") {
        status.by_status.insert(row.text()?, row.int()?);
    }
    status.oldest_due_minutes = late_minutes(db, None, now_ms)?;
    Ok(status)
}

/// Minutes the oldest message due for sending (all, or one clinic's) has waited past its time.
pub(super) fn late_minutes(db: &mut dyn Db, clinic: Option<Uuid>, now_ms: i64) -> OfficeResult<Option<i64>> {
    let due = "SELECT min(send_after) FROM message WHERE status IN ('queued', 'claimed')";
    let oldest = match clinic {
        Some(c) => db.query_one(&format!("{due} AND clinic_id = $1"), &[c.to_string().into()])?,
        None => db.query_one(due, &[])?,
    };
    Ok(oldest.and_then(|r| r.first().and_then(Val::int)).filter(|t| *t <= now_ms).map(|t| (now_ms - t) / 60_000))
}

/// How the sending of one clinic's messages stands, for its desks.
pub fn outbox_health(db: &mut dyn Db, clinic: Uuid, now_ms: i64) -> OfficeResult<rapport_model::sync::OutboxHealth> {
    let uncertain = db.query_one(
        "SELECT count(*) FROM message WHERE status = 'uncertain' AND clinic_id = $1",
        &[clinic.to_string().into()],
    )?;
    Ok(rapport_model::sync::OutboxHealth {
        late_minutes: late_minutes(db, Some(clinic), now_ms)?,
        uncertain: uncertain.and_then(|r| r.first().and_then(Val::int)).map_or(0, |n| u64::try_from(n).unwrap_or(0)),
    })
}
