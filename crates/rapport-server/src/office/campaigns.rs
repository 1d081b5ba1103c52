//! Campaigns at head office ([`rapport_model::campaigns`]). A clinic's managers set one up at a
//! desk; it arrives here as their replicated record. At its send time, once, head office draws
//! its members: the clinic's saved segment of that name, evaluated now over the clinic's living
//! patients by the model's rule; a shuffle (OS-seeded) puts the stated share in the holdout
//! group. Each member gets an outbox row of their own (`campaign/<campaign>/<patient>`): the
//! holdout's say `holdout` and never go; the others are planned by the same rules as every
//! message (consent to the campaign's channel, quiet hours, the weekly cap, avoid-topic
//! pointers). Drawing happens in the planning transaction, so a crash leaves either every row
//! or none, and the run is noted (`campaign_run`): never drawn, never sent, twice.
//!
//! A paused campaign's waiting rows say `paused` (never claimed) until it is resumed. What came
//! of a campaign is counted here — each member's message and their first booking (at any of
//! the chain's clinics) made within the window — and written as head office's own
//! [`Entity::CampaignResult`] record, which the clinic's desks receive.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use rand::seq::SliceRandom;
use rapport_model::StaffId;
use rapport_model::campaigns::{CampaignFigures, CampaignText, Member, holdout_size};
use rapport_model::outreach::{self as rules, MessageKind, MessageStatus};
use rapport_model::segments::{Conditions, PatientFacts, SegmentFilter};
use rapport_model::sync::Entity;
use rapport_model::{Channel, Consent};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::outreach::{
    Clinic, Occasion, OutreachConfig, Patient, PlanReport, avoiding_topics, cheerful_counts, display_names, instant,
    int, json, newest, record_occasion, text, visits,
};
use super::state::State;
use super::writer::Writer;
use super::{OfficeResult, random_bytes, random_uuid};
use crate::db::{Db, Val, query_in, rows};

/// How long after its send time a campaign's message may still go (head office was down, or
/// quiet hours held it): past that it is of no use.
const SEND_DAYS: i64 = 3;
/// How often a running campaign's figures are counted again by `serve`: every this many
/// passes, and at least every ten minutes.
pub const COUNT_EVERY_PASSES: u32 = 10;
pub const MAX_COUNT_INTERVAL_MS: i64 = 10 * 60_000;
const DAY_MS: i64 = 86_400_000;

/// A campaign as head office reads its record.
struct Campaign {
    id: String,
    clinic_id: Uuid,
    segment: String,
    text: CampaignText,
    channel: Channel,
    holdout_pct: u32,
    window_days: u32,
    cost_millis: Option<i64>,
    send_at: i64,
    paused: bool,
}

impl Campaign {
    fn read(id: &str, f: &Map<String, Value>) -> Option<Self> {
        if f.get("deleted_at").is_some_and(|v| !v.is_null()) {
            return None;
        }
        Some(Self {
            id: id.to_owned(),
            clinic_id: Uuid::nil(),
            segment: text(f, "segment")?.to_owned(),
            text: text(f, "template")?.parse().ok()?,
            channel: text(f, "channel").and_then(rules::parse_channel)?,
            holdout_pct: u32::try_from(int(f, "holdout_pct")?).ok()?,
            window_days: u32::try_from(int(f, "window_days")?).ok()?,
            cost_millis: int(f, "cost_millis"),
            send_at: int(f, "send_at")?,
            paused: int(f, "paused") == Some(1),
        })
    }

    fn window_end(&self) -> i64 {
        self.send_at + i64::from(self.window_days) * DAY_MS
    }
}

/// Every clinic's campaigns (a record is its own key: the newest state of each).
fn campaigns(db: &mut dyn Db) -> OfficeResult<Vec<Campaign>> {
    Ok(newest(db, Entity::Campaign, |id, f| Some((id.to_owned(), Campaign::read(id, f)?)))?
        .into_iter()
        .map(|(clinic_id, (_, c))| Campaign { clinic_id, ..c })
        .collect())
}

/// Holds or releases paused campaigns' waiting messages, and draws and plans each campaign
/// whose time has come.
pub(super) fn plan_campaigns(
    db: &mut dyn Db,
    now: DateTime<Utc>,
    clinics: &HashMap<Uuid, Clinic>,
    config: &OutreachConfig,
    report: &mut PlanReport,
) -> OfficeResult<()> {
    let mut ran = HashSet::new();
    for mut row in rows(db.query("SELECT campaign_id FROM campaign_run", &[])?, "campaign") {
        ran.insert(row.text()?);
    }
    let at = now.timestamp_millis();
    for c in campaigns(db)? {
        let (from, to) = if c.paused { ("queued", "paused") } else { ("paused", "queued") };
        db.exec(
            "UPDATE message SET status = $3, updated_at = $4, revision = revision + 1
             WHERE campaign_id = $1 AND status = $2",
            &[c.id.as_str().into(), from.into(), to.into(), at.into()],
        )?;
        if c.paused || c.send_at > at || ran.contains(&c.id) {
            continue;
        }
        if let Some(clinic) = clinics.get(&c.clinic_id) {
            run(db, now, &c, clinic, config, report)?;
        }
    }
    Ok(())
}

/// The clinic's newest saved segment of this name, if it has one.
fn segment(db: &mut dyn Db, clinic: Uuid, name: &str) -> OfficeResult<Option<SegmentFilter>> {
    let found = newest(db, Entity::Segment, |_, f| {
        let removed = f.get("deleted_at").is_some_and(|v| !v.is_null());
        Some((text(f, "name")?.to_owned(), if removed { None } else { json::<SegmentFilter>(f, "filter") }))
    })?;
    Ok(found.into_iter().find(|(c, (n, _))| *c == clinic && n == name).and_then(|(_, (_, filter))| filter))
}

/// Draws a campaign's members and plans their messages.
fn run(
    db: &mut dyn Db,
    now: DateTime<Utc>,
    c: &Campaign,
    clinic: &Clinic,
    config: &OutreachConfig,
    report: &mut PlanReport,
) -> OfficeResult<()> {
    let at = now.timestamp_millis();
    let Some(filter) = segment(db, c.clinic_id, &c.segment)? else {
        db.exec(
            "INSERT INTO campaign_run (campaign_id, clinic_id, ran_at, members, note) VALUES ($1, $2, $3, 0, 'no-segment')",
            &[c.id.as_str().into(), c.clinic_id.to_string().into(), at.into()],
        )?;
        return Ok(());
    };
    let mut members = members(db, c.clinic_id, &filter, now, clinic)?;
    members.sort_by(|a, b| a.id.cmp(&b.id));
    members.shuffle(&mut rand::rng());
    let held = holdout_size(members.len(), c.holdout_pct);
    let (holdout, sent) = members.split_at(held);
    for p in holdout {
        db.exec(
            "INSERT INTO message (id, occasion, clinic_id, patient_id, kind, status, send_after, attempts, token,
                 created_at, updated_at, campaign_id)
             VALUES ($1, $2, $3, $4, $5, 'holdout', $6, 0, $7, $8, $8, $9) ON CONFLICT (occasion) DO NOTHING",
            &[
                random_uuid().to_string().into(),
                occasion(c, p).into(),
                c.clinic_id.to_string().into(),
                p.id.as_str().into(),
                MessageKind::Campaign.as_str().into(),
                c.send_at.into(),
                hex::encode(random_bytes::<16>()).into(),
                at.into(),
                c.id.as_str().into(),
            ],
        )?;
    }
    let ids: Vec<Val> = sent.iter().map(|p| Val::from(p.id.as_str())).collect();
    let avoiding = avoiding_topics(db, &ids)?;
    let cheerful = cheerful_counts(db, &ids, now)?;
    let send_at = instant(c.send_at);
    for p in sent {
        let recipient = p.recipient(avoiding.contains(&p.id), cheerful.get(&p.id).copied().unwrap_or(0));
        let plan = match rules::plan_campaign(c.channel, &recipient, &clinic.settings, send_at.max(now)) {
            rules::Plan::Send { at, .. } if at.timestamp_millis() > c.send_at + SEND_DAYS * DAY_MS => {
                rules::Plan::Skip(rules::SkipReason::TooLate)
            }
            plan => plan,
        };
        let occasion = Occasion {
            key: occasion(c, p),
            kind: MessageKind::Campaign,
            clinic_id: c.clinic_id,
            clinic,
            patient: p,
            plan,
            send_before: Some(instant(c.send_at + SEND_DAYS * DAY_MS)),
            appointment: None,
            doctor: None,
            starts_at: None,
            campaign: Some((&c.id, c.text)),
        };
        record_occasion(db, now, &occasion, config, report)?;
    }
    db.exec(
        "INSERT INTO campaign_run (campaign_id, clinic_id, ran_at, members) VALUES ($1, $2, $3, $4)",
        &[c.id.as_str().into(), c.clinic_id.to_string().into(), at.into(), (members.len() as i64).into()],
    )?;
    Ok(())
}

fn occasion(c: &Campaign, p: &Patient) -> String {
    format!("campaign/{}/{}", c.id, p.id)
}

/// The clinic's living patients in the segment today (the clinic's day), by the model's rule.
fn members(
    db: &mut dyn Db,
    clinic_id: Uuid,
    filter: &SegmentFilter,
    now: DateTime<Utc>,
    clinic: &Clinic,
) -> OfficeResult<Vec<Patient>> {
    let tz = clinic.settings.timezone;
    let today = now.with_timezone(&tz).date_naive();
    let found = db.query(
        "SELECT s.record, s.fields FROM patient_clinic pc
         JOIN record_state s ON s.entity = 'patient' AND s.record = pc.patient_id
         WHERE pc.clinic_id = $1",
        &[clinic_id.to_string().into()],
    )?;
    let mut living = Vec::with_capacity(found.len());
    for mut row in rows(found, "patient") {
        let (id, f) = (row.text()?, row.json::<Map<String, Value>>()?);
        if f.get("deleted_at").is_none_or(Value::is_null) {
            living.push((id, f));
        }
    }
    let ids: Vec<Val> = living.iter().map(|(id, _)| Val::from(id.as_str())).collect();
    let merged = super::outreach::merged_away(db, &ids)?;
    living.retain(|(id, _)| !merged.contains(id));
    let last_visits = if filter.needs_visits() {
        let ids: Vec<Val> = living.iter().map(|(id, _)| Val::from(id.as_str())).collect();
        visits(db, &ids, now, tz)?
    } else {
        HashMap::new()
    };
    let mut out = Vec::new();
    for (id, f) in living {
        let conditions: Vec<String> = json(&f, "conditions").unwrap_or_default();
        let consent: Consent = json(&f, "consent").unwrap_or_default();
        let facts = PatientFacts {
            conditions: Conditions::Listed(&conditions),
            birth_date: text(&f, "birth_date").and_then(|d| d.parse().ok()),
            birth_year: f.get("birth_year").and_then(Value::as_i64).and_then(|y| i32::try_from(y).ok()),
            sex: text(&f, "sex"),
            city: text(&f, "city"),
            area: text(&f, "area"),
            language: text(&f, "language"),
            usual_doctor: text(&f, "usual_doctor")
                .and_then(|d| d.parse::<Uuid>().ok())
                .map(|d| StaffId::from_bytes(*d.as_bytes())),
            consent: &consent,
        };
        let last_visit = last_visits.get(&id).and_then(|v| v.0);
        if filter.matches_facts(&facts, last_visit, today) {
            out.push(Patient::read(id, &f));
        }
    }
    Ok(out)
}

/// Counts what came of every campaign that ran and is still open (its window not closed a day
/// ago), unless counted within `min_interval_ms`, and writes each count the desks do not have
/// yet as head office's record. How many it counted.
pub fn count_campaigns(backend: &crate::db::Backend, now_ms: i64, min_interval_ms: i64) -> OfficeResult<usize> {
    let due = backend.tx(|db| -> OfficeResult<Vec<(String, Uuid, i64)>> {
        let found = db.query(
            "SELECT campaign_id, clinic_id, ran_at FROM campaign_run
             WHERE final = 0 AND (counted_at IS NULL OR counted_at <= $1)",
            &[(now_ms - min_interval_ms).into()],
        )?;
        let mut out = Vec::new();
        for mut row in rows(found, "campaign") {
            out.push((row.text()?, row.uuid()?, row.int()?));
        }
        Ok(out)
    })?;
    let by_id: HashMap<String, Campaign> =
        backend.tx(|db| campaigns(db))?.into_iter().map(|c| (c.id.clone(), c)).collect();
    let mut counted = 0;
    for (id, clinic, ran_at) in due {
        let Some(c) = by_id.get(&id) else { continue };
        backend.tx(|db| count_one(db, c, clinic, ran_at, now_ms))?;
        counted += 1;
    }
    Ok(counted)
}

fn count_one(db: &mut dyn Db, c: &Campaign, clinic: Uuid, ran_at: i64, now_ms: i64) -> OfficeResult<()> {
    let found =
        db.query("SELECT patient_id, status, reply FROM message WHERE campaign_id = $1", &[c.id.as_str().into()])?;
    let mut people = Vec::with_capacity(found.len());
    for mut row in rows(found, "message") {
        let (patient, status, reply) = (row.text()?, row.text()?, row.opt_text()?);
        let status: MessageStatus =
            status.parse().map_err(|_| crate::db::DbError::Other("a message's status".into()))?;
        people.push((patient, status, reply.is_some()));
    }
    let ids: Vec<Val> = people.iter().map(|(p, ..)| Val::from(p.as_str())).collect();
    let bookings = first_bookings(db, &ids, c.send_at, c.window_end().min(now_ms))?;
    let doctors: Vec<Val> = bookings.values().filter_map(|(_, d)| d.as_deref().map(Val::from)).collect();
    let doctors = display_names(db, &doctors)?;
    let mut clinics = HashMap::new();
    for mut row in rows(db.query("SELECT id, name FROM clinic", &[])?, "clinic") {
        clinics.insert(row.text()?, row.text()?);
    }
    let members: Vec<Member> = people
        .into_iter()
        .map(|(patient, status, replied)| Member {
            status,
            replied,
            booked: bookings.get(&patient).map(|(clinic, doctor)| {
                let clinic = clinic.as_ref().and_then(|c| clinics.get(c)).cloned().unwrap_or_default();
                let doctor = doctor.as_ref().and_then(|d| doctors.get(d)).cloned().unwrap_or_default();
                (clinic, doctor)
            }),
        })
        .collect();
    // Final once counted a day after the window closed (late delivery reports are in by then).
    let closed = now_ms >= c.window_end();
    let figures = CampaignFigures::count(&members, c.cost_millis, closed);
    let mut fields = Map::new();
    fields.insert("ran_at".into(), ran_at.into());
    fields.insert("figures".into(), serde_json::to_string(&figures).unwrap_or_default().into());
    let mut w = Writer::begin(db, now_ms)?;
    let mut state = w.load(Entity::CampaignResult, &c.id)?.unwrap_or_else(|| State {
        fields: Map::new(),
        versions: Default::default(),
        patient: None,
        clinic: Some(clinic),
    });
    let changed: Map<String, Value> =
        fields.into_iter().filter(|(name, value)| state.fields.get(name) != Some(value)).collect();
    if !changed.is_empty() {
        let mut changed = changed;
        changed.insert("updated_at".into(), now_ms.into());
        w.office_change(Entity::CampaignResult, &c.id, &mut state, changed)?;
    }
    let db = w.db()?;
    db.exec(
        "UPDATE campaign_run SET counted_at = $2, final = $3 WHERE campaign_id = $1",
        &[c.id.as_str().into(), now_ms.into(), i64::from(now_ms >= c.window_end() + DAY_MS).into()],
    )?;
    w.commit()
}

/// A booking's clinic and doctor (record ids).
type Booked = (Option<String>, Option<String>);

/// Each patient's first booking made in `[from, to)` that was not cancelled.
fn first_bookings(db: &mut dyn Db, patients: &[Val], from: i64, to: i64) -> OfficeResult<HashMap<String, Booked>> {
    let found = query_in(
        db,
        "SELECT patient_id, clinic_id, fields FROM record_state WHERE entity = 'appointment' AND patient_id IN ({keys})",
        &[],
        patients,
    )?;
    let mut first: HashMap<String, (i64, Option<String>, Option<String>)> = HashMap::new();
    for mut row in rows(found, "appointment") {
        let (patient, clinic, f) = (row.text()?, row.opt_text()?, row.json::<Map<String, Value>>()?);
        let Some(booked) = int(&f, "booked_at").filter(|b| (from..to).contains(b)) else { continue };
        if text(&f, "status") == Some("cancelled") {
            continue;
        }
        let doctor = text(&f, "doctor").map(str::to_owned);
        if first.get(&patient).is_none_or(|(at, ..)| booked < *at) {
            first.insert(patient, (booked, clinic, doctor));
        }
    }
    Ok(first.into_iter().map(|(p, (_, clinic, doctor))| (p, (clinic, doctor))).collect())
}
