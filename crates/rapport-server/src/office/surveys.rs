//! Satisfaction surveys at head office ([`rapport_model::surveys`]). After a visit is marked
//! done (by a clinic that turned surveys on, for the doctors it chose, once its delay has
//! passed) the patient is sent a link to a short page (`/s/<token>`), one outbox row per visit
//! (`survey/<appointment>`), by the messaging rules (a survey is not care: opt-outs, the weekly
//! cap and quiet hours hold). The first answer counts, by the page or by a text reply (a digit
//! from 1 to 5 is the rating; words are the comment); it becomes head office's own
//! `survey_answer` record, which the clinic's desks receive. The link closes after
//! [`SURVEY_DAYS`].

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rapport_model::outreach::{self as rules, MessageKind, ReplyMeaning};
use rapport_model::surveys::{
    MAX_SURVEY_COMMENT, SURVEY_DAYS, SURVEY_PLAN_WINDOW_HOURS, ScoreTally, rating_from_reply,
};
use rapport_model::sync::Entity;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::OfficeResult;
use super::figures::add_answer;
use super::outreach::{
    Clinic, Occasion, OutreachConfig, Patient, PlanReport, cheerful_counts, display_names, instant, int,
    record_occasion, settled, text,
};
use super::state::{State, load_states};
use super::writer::Writer;
use crate::db::{Db, Row, Val, rows};

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;
/// A survey not sent within a day of its time is not sent.
const SEND_WITHIN_MS: i64 = DAY_MS;

/// Plans a survey for each visit done long enough ago, at clinics that ask for them.
pub(super) fn plan_surveys(
    db: &mut dyn Db,
    now: DateTime<Utc>,
    clinics: &HashMap<Uuid, Clinic>,
    config: &OutreachConfig,
    report: &mut PlanReport,
) -> OfficeResult<()> {
    if !clinics.values().any(|c| c.survey.after_visit) {
        return Ok(());
    }
    let at = now.timestamp_millis();
    let longest = clinics.values().map(|c| i64::from(c.survey.delay_hours)).max().unwrap_or(0);
    // Visits booked to start in the window a survey may still be due for (done after they
    // started, or a little before: a patient seen early).
    let since = at - (longest + SURVEY_PLAN_WINDOW_HOURS) * HOUR_MS - DAY_MS;
    let found = db.query(
        "SELECT s.record, s.clinic_id, s.fields FROM booking b
         JOIN record_state s ON s.entity = 'appointment' AND s.record = b.appointment
         WHERE b.starts_at > $1 AND b.starts_at <= $2",
        &[since.into(), (at + DAY_MS).into()],
    )?;
    let mut due = Vec::new();
    for mut row in rows(found, "appointment") {
        let (record, clinic_id, f) = (row.text()?, row.opt_uuid()?, row.json::<Map<String, Value>>()?);
        let Some(clinic) = clinic_id.and_then(|c| clinics.get(&c)) else { continue };
        let doctor = text(&f, "doctor").and_then(|d| d.parse::<Uuid>().ok());
        let (Some("done"), Some(done), Some(doctor)) = (text(&f, "status"), int(&f, "done_at"), doctor) else {
            continue;
        };
        if !clinic.survey.covers(rapport_model::StaffId::from_bytes(*doctor.as_bytes())) {
            continue;
        }
        let when = done + i64::from(clinic.survey.delay_hours) * HOUR_MS;
        if when <= at && at - done <= (i64::from(clinic.survey.delay_hours) + SURVEY_PLAN_WINDOW_HOURS) * HOUR_MS {
            due.push((format!("survey/{record}"), record, clinic_id.unwrap_or_default(), f, when));
        }
    }
    let settled = settled(db, due.iter().map(|d| d.0.as_str()))?;
    due.retain(|d| !settled.contains(&d.0));
    let patient_ids: Vec<Val> = due.iter().filter_map(|d| text(&d.3, "patient_id").map(Val::from)).collect();
    let patients: HashMap<String, Patient> = load_states(db, Entity::Patient, &patient_ids)?
        .into_iter()
        .map(|(id, s)| (id.clone(), Patient::read(id, &s.fields)))
        .collect();
    let doctor_ids: Vec<Val> = due.iter().filter_map(|d| text(&d.3, "doctor").map(Val::from)).collect();
    let doctors = display_names(db, &doctor_ids)?;
    let cheerful = cheerful_counts(db, &patient_ids, now)?;
    for (key, record, clinic_id, f, when) in due {
        let (Some(patient), Some(clinic)) =
            (text(&f, "patient_id").and_then(|p| patients.get(p)), clinics.get(&clinic_id))
        else {
            continue;
        };
        let recipient = patient.recipient(false, cheerful.get(&patient.id).copied().unwrap_or(0));
        let when = instant(when);
        let deadline = when + chrono::Duration::milliseconds(SEND_WITHIN_MS);
        let occasion = Occasion {
            key,
            kind: MessageKind::Survey,
            clinic_id,
            clinic,
            patient,
            plan: rules::plan(MessageKind::Survey, &recipient, &clinic.settings, when.max(now), Some(deadline)),
            send_before: Some(deadline),
            doctor: text(&f, "doctor").and_then(|d| doctors.get(d)).cloned(),
            starts_at: int(&f, "starts_at").map(instant),
            appointment: Some(record),
            campaign: None,
        };
        record_occasion(db, now, &occasion, config, report)?;
    }
    Ok(())
}

/// Where a survey link stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SurveyState {
    Open,
    Answered,
    Closed,
}

/// A survey link as its page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurveyLink {
    pub clinic: String,
    pub doctor: String,
    /// The visit's day and time, as the message named it.
    pub when: String,
    pub state: SurveyState,
}

/// What the page's form sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SurveyForm {
    pub rating: Option<u8>,
    pub recommend: Option<u8>,
    pub comment: Option<String>,
}

/// The survey message a token or a reply names.
struct SurveyMessage {
    id: String,
    patient: String,
    appointment: Option<String>,
    clinic: String,
    clinic_id: Uuid,
    when: String,
    created_at: i64,
    answered: bool,
}

fn survey_message(db: &mut dyn Db, column: &str, value: &str) -> OfficeResult<Option<SurveyMessage>> {
    // `column` is `token` or `id`, Rapport's own words.
    let found = db.query_one(
        &format!(
            "SELECT m.id, m.patient_id, m.appointment_id, c.name, m.clinic_id, m.visit_label, m.created_at, m.answered_at
             FROM message m JOIN clinic c ON c.id = m.clinic_id WHERE m.{column} = $1 AND m.kind = 'survey'"
        ),
        &[value.into()],
    )?;
    let Some(found) = found else { return Ok(None) };
    let mut row = Row::new(found, "survey");
    Ok(Some(SurveyMessage {
        id: row.text()?,
        patient: row.text()?,
        appointment: row.opt_text()?,
        clinic: row.text()?,
        clinic_id: row.uuid()?,
        when: row.opt_text()?.unwrap_or_default(),
        created_at: row.int()?,
        answered: row.opt_int()?.is_some(),
    }))
}

impl SurveyMessage {
    fn state(&self, now_ms: i64) -> SurveyState {
        if self.answered {
            SurveyState::Answered
        } else if now_ms - self.created_at > SURVEY_DAYS * DAY_MS {
            SurveyState::Closed
        } else {
            SurveyState::Open
        }
    }
}

/// The doctor of the visit a survey is about (record id and display name).
fn visit_doctor(w: &mut Writer<'_>, appointment: Option<&str>) -> OfficeResult<Option<(String, String)>> {
    let Some(appointment) = appointment else { return Ok(None) };
    let Some(doctor) = w.load(Entity::Appointment, appointment)?.and_then(|s| s.text("doctor").map(str::to_owned))
    else {
        return Ok(None);
    };
    let name = w.load(Entity::Staff, &doctor)?.and_then(|s| s.text("display_name").map(str::to_owned));
    Ok(Some((doctor, name.unwrap_or_default())))
}

/// The survey page behind `token`; with `answer`, records it if it is the first.
pub fn survey_link(
    db: &mut dyn Db,
    token: &str,
    answer: Option<&SurveyForm>,
    now_ms: i64,
) -> OfficeResult<Option<SurveyLink>> {
    let Some(m) = survey_message(db, "token", token)? else { return Ok(None) };
    let mut w = Writer::begin(db, now_ms)?;
    let doctor = visit_doctor(&mut w, m.appointment.as_deref())?;
    let mut state = m.state(now_ms);
    if let (Some(form), SurveyState::Open) = (answer, &state)
        && record_answer(&mut w, &m, form, "web", now_ms)?
    {
        state = SurveyState::Answered;
    }
    w.commit()?;
    Ok(Some(SurveyLink { clinic: m.clinic, doctor: doctor.map(|d| d.1).unwrap_or_default(), when: m.when, state }))
}

/// A text reply to the survey message `id`: a digit from 1 to 5 is the rating, words the
/// comment; only the first answer counts. What head office made of it.
pub(super) fn answer_by_text(w: &mut Writer<'_>, message: &str, text: &str, now_ms: i64) -> OfficeResult<ReplyMeaning> {
    let rating = rating_from_reply(text);
    let meaning = if rating.is_some() { ReplyMeaning::Rating } else { ReplyMeaning::Comment };
    let Some(m) = survey_message(w.db()?, "id", message)? else { return Ok(meaning) };
    if m.state(now_ms) == SurveyState::Open {
        let comment = rating.is_none().then(|| text.to_owned());
        record_answer(w, &m, &SurveyForm { rating, recommend: None, comment }, "sms", now_ms)?;
    }
    Ok(meaning)
}

/// Records the first answer to a survey; `false` if it had one already (or says nothing).
fn record_answer(
    w: &mut Writer<'_>,
    m: &SurveyMessage,
    form: &SurveyForm,
    via: &str,
    now_ms: i64,
) -> OfficeResult<bool> {
    let comment: Option<String> = form
        .comment
        .as_deref()
        .map(|c| {
            c.chars()
                .filter(|ch| !rapport_model::text::is_hidden_format(*ch))
                .map(|ch| if ch.is_control() && ch != '\n' { ' ' } else { ch })
                .take(MAX_SURVEY_COMMENT)
                .collect::<String>()
        })
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty());
    if form.rating.is_none() && form.recommend.is_none() && comment.is_none() {
        return Ok(false);
    }
    let Some((doctor, _)) = visit_doctor(w, m.appointment.as_deref())? else { return Ok(false) };
    // Once: the row that is still unanswered takes it.
    let first = w.db()?.exec(
        "UPDATE message SET answered_at = $2, updated_at = $2 WHERE id = $1 AND answered_at IS NULL",
        &[m.id.as_str().into(), now_ms.into()],
    )?;
    if first == 0 {
        return Ok(false);
    }
    let mut fields = Map::new();
    fields.insert("patient_id".into(), m.patient.clone().into());
    fields.insert("appointment_id".into(), m.appointment.clone().map_or(Value::Null, Value::from));
    fields.insert("doctor".into(), doctor.into());
    fields.insert("rating".into(), form.rating.map_or(Value::Null, Value::from));
    fields.insert("recommend".into(), form.recommend.map_or(Value::Null, Value::from));
    fields.insert("comment".into(), comment.map_or(Value::Null, Value::from));
    fields.insert("via".into(), via.into());
    fields.insert("answered_at".into(), now_ms.into());
    // What the desks would refuse (a comment their text rule does not take) goes empty.
    for (name, value) in fields.iter_mut() {
        let one = std::collections::BTreeMap::from([(name.clone(), value.clone())]);
        if rapport_model::schema::check_fields(Entity::SurveyAnswer, &one, false).is_err() {
            *value = Value::Null;
        }
    }
    let small = |name: &str| fields.get(name).and_then(Value::as_u64).and_then(|v| u8::try_from(v).ok());
    let tally = ScoreTally::of(small("rating"), small("recommend"));
    let doctor = fields.get("doctor").and_then(Value::as_str).unwrap_or_default().to_owned();
    add_answer(w.db()?, &m.clinic_id.to_string(), &doctor, now_ms, tally)?;
    let patient = m.patient.parse::<Uuid>().ok();
    let mut state = State { fields: Map::new(), versions: Default::default(), patient, clinic: Some(m.clinic_id) };
    w.office_change(Entity::SurveyAnswer, &m.id, &mut state, fields)?;
    Ok(true)
}
