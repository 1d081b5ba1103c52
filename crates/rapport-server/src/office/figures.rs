//! The chain's figures for the dashboard, each one an aggregate over head office's own tables:
//! visits from the bookings' facts (migration 9), messages from the outbox, answers and
//! campaigns from head office's records. Rates are shares of what could have happened (a
//! no-show rate over visits that came or were missed; waiting over visits seen).

use std::collections::HashMap;

use rapport_model::campaigns::CampaignFigures;
use rapport_model::csv::{CsvRow, opt, share, utc};
use rapport_model::surveys::ScoreTally;
use rapport_model::sync::Entity;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::OfficeResult;
use super::outreach::{display_names, int, late_minutes, text};
use crate::db::{Db, DbResult, Val, rows};

/// A visit seen within this long of its time meets the clinics' standard.
const ON_TIME_MS: i64 = rapport_model::reports::WAIT_TARGET_MINUTES * 60_000;

const DAY_MS: i64 = 86_400_000;

/// The UTC day an instant falls on, as the tables by day count days (SQL's `/` on integers).
fn day_of(ms: i64) -> i64 {
    ms / DAY_MS
}

/// What one visit adds to its clinic's, doctor's and day's figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct VisitPart {
    clinic: String,
    doctor: String,
    day: i64,
    /// Came, missed, seen, seen within the standard.
    counts: [i64; 4],
}

impl VisitPart {
    /// A booking's part, from the facts its row keeps; none without a clinic.
    pub(super) fn of(
        clinic: Option<&str>,
        doctor: &str,
        starts_at: i64,
        status: Option<&str>,
        seen_at: Option<i64>,
    ) -> Option<Self> {
        let came = matches!(status, Some("arrived" | "with-doctor" | "done"));
        let on_time = seen_at.is_some_and(|s| s - starts_at <= ON_TIME_MS);
        Some(Self {
            clinic: clinic?.to_owned(),
            doctor: doctor.to_owned(),
            day: day_of(starts_at),
            counts: [
                i64::from(came),
                i64::from(status == Some("no-show")),
                i64::from(seen_at.is_some()),
                i64::from(on_time),
            ],
        })
    }
}

/// Moves a booking's part of the figures by day from what it was to what it is (the keys in
/// order, so two bookings moving across each other's days cannot deadlock).
pub(super) fn move_visit(db: &mut dyn Db, was: Option<VisitPart>, is: Option<VisitPart>) -> DbResult<()> {
    if was == is {
        return Ok(());
    }
    let mut parts: Vec<(VisitPart, i64)> = was.map(|p| (p, -1)).into_iter().chain(is.map(|p| (p, 1))).collect();
    parts.sort_by(|a, b| (&a.0.clinic, &a.0.doctor, a.0.day).cmp(&(&b.0.clinic, &b.0.doctor, b.0.day)));
    for (p, sign) in parts {
        let [came, missed, seen, on_time] = p.counts.map(|n| n * sign);
        db.exec(
            "INSERT INTO visit_day (clinic_id, doctor, day, came, no_shows, seen, seen_on_time)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (clinic_id, doctor, day) DO UPDATE SET came = visit_day.came + excluded.came,
                 no_shows = visit_day.no_shows + excluded.no_shows, seen = visit_day.seen + excluded.seen,
                 seen_on_time = visit_day.seen_on_time + excluded.seen_on_time",
            &[p.clinic.into(), p.doctor.into(), p.day.into(), came.into(), missed.into(), seen.into(), on_time.into()],
        )?;
    }
    Ok(())
}

/// Adds an answer given at `at_ms` to its clinic's, doctor's and day's survey figures.
pub(super) fn add_answer(db: &mut dyn Db, clinic: &str, doctor: &str, at_ms: i64, t: ScoreTally) -> DbResult<()> {
    db.exec(
        "INSERT INTO survey_day (clinic_id, doctor, day, answers, ratings, rating_sum, recommends, promoters, detractors)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (clinic_id, doctor, day) DO UPDATE SET answers = survey_day.answers + excluded.answers,
             ratings = survey_day.ratings + excluded.ratings, rating_sum = survey_day.rating_sum + excluded.rating_sum,
             recommends = survey_day.recommends + excluded.recommends,
             promoters = survey_day.promoters + excluded.promoters,
             detractors = survey_day.detractors + excluded.detractors",
        &[
            clinic.into(),
            doctor.into(),
            day_of(at_ms).into(),
            i64::from(t.answers).into(),
            i64::from(t.ratings).into(),
            i64::from(t.rating_sum).into(),
            i64::from(t.recommends).into(),
            i64::from(t.promoters).into(),
            i64::from(t.detractors).into(),
        ],
    )?;
    Ok(())
}

/// Migration 10: the survey figures by day of the answers given before it.
pub(crate) fn answers_by_day(db: &mut dyn Db) -> DbResult<()> {
    let found = db.query(
        "SELECT clinic_id, fields FROM record_state WHERE entity = $1",
        &[Entity::SurveyAnswer.as_str().into()],
    )?;
    let mut answers = Vec::new();
    for mut row in rows(found, "answer") {
        let (clinic, f) = (row.opt_text()?, row.json::<Map<String, Value>>()?);
        let small = |name: &str| int(&f, name).and_then(|v| u8::try_from(v).ok());
        let doctor = text(&f, "doctor").unwrap_or_default().to_owned();
        let at = int(&f, "answered_at").unwrap_or(0);
        if let Some(clinic) = clinic {
            answers.push((clinic, doctor, at, ScoreTally::of(small("rating"), small("recommend"))));
        }
    }
    for (clinic, doctor, at, tally) in answers {
        add_answer(db, &clinic, &doctor, at, tally)?;
    }
    Ok(())
}

/// One row of figures: a clinic's, or a doctor's within it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures {
    pub id: String,
    pub name: String,
    pub patients: i64,
    /// Visits that came (arrived, with the doctor, done).
    pub came: i64,
    pub no_shows: i64,
    pub seen: i64,
    pub seen_on_time: i64,
    pub sent: i64,
    pub delivered: i64,
    pub failed: i64,
    /// Minutes the oldest message due has waited (a stuck outbox).
    pub late_minutes: Option<i64>,
    pub answers: u32,
    pub average_rating: Option<f64>,
    pub nps: Option<f64>,
    pub devices: i64,
    pub last_sync: Option<i64>,
}

impl Figures {
    pub fn no_show_rate(&self) -> Option<f64> {
        let all = self.came + self.no_shows;
        (all > 0).then(|| self.no_shows as f64 / all as f64)
    }

    pub fn on_time_share(&self) -> Option<f64> {
        (self.seen > 0).then(|| self.seen_on_time as f64 / self.seen as f64)
    }

    fn set_scores(&mut self, t: ScoreTally) {
        (self.answers, self.average_rating, self.nps) = (t.answers, t.average_rating(), t.nps());
    }
}

impl CsvRow for Figures {
    const HEADER: &'static [&'static str] = &[
        "id",
        "name",
        "patients",
        "visits",
        "no_shows",
        "no_show_rate",
        "seen",
        "seen_within_30_min",
        "on_time_share",
        "messages_sent",
        "delivered",
        "failed",
        "outbox_late_minutes",
        "survey_answers",
        "average_rating",
        "nps",
        "desks",
        "last_sync_utc",
    ];
    fn cells(&self) -> Vec<String> {
        vec![
            self.id.clone(),
            self.name.clone(),
            self.patients.to_string(),
            (self.came + self.no_shows).to_string(),
            self.no_shows.to_string(),
            opt(self.no_show_rate().map(share)),
            self.seen.to_string(),
            self.seen_on_time.to_string(),
            opt(self.on_time_share().map(share)),
            self.sent.to_string(),
            self.delivered.to_string(),
            self.failed.to_string(),
            opt(self.late_minutes),
            self.answers.to_string(),
            opt(self.average_rating.map(|v| format!("{v:.2}"))),
            opt(self.nps.map(|v| format!("{v:.1}"))),
            self.devices.to_string(),
            opt(self.last_sync.map(utc)),
        ]
    }
}

/// Which rows of a table by day a page adds up: the days `[from, to)` (UTC days), grouped by
/// `key` (`clinic_id` or `doctor`, Rapport's own column names), within one clinic or all.
struct DayRange<'a> {
    key: &'a str,
    clinic: Option<Uuid>,
    from: i64,
    to: i64,
}

impl DayRange<'_> {
    /// `SELECT key, sum(column)… FROM table` over the range, and its parameters (the sums as
    /// BIGINT: PostgreSQL's sum of BIGINT is NUMERIC).
    fn query(&self, columns: &[&str], table: &str) -> (String, Vec<Val>) {
        let sums = columns.iter().map(|c| format!("CAST(sum({c}) AS BIGINT)")).collect::<Vec<_>>().join(", ");
        let mut params: Vec<Val> = vec![day_of(self.from).into(), day_of(self.to).into()];
        let only = match self.clinic {
            Some(c) => {
                params.push(c.to_string().into());
                " AND clinic_id = $3"
            }
            None => "",
        };
        let key = self.key;
        (format!("SELECT {key}, {sums} FROM {table} WHERE day >= $1 AND day < $2{only} GROUP BY {key}"), params)
    }
}

/// The visit figures of the range: (came, missed, seen, seen within the standard) by key.
fn visit_figures(db: &mut dyn Db, range: &DayRange<'_>) -> OfficeResult<HashMap<String, (i64, i64, i64, i64)>> {
    let (sql, params) = range.query(&["came", "no_shows", "seen", "seen_on_time"], "visit_day");
    let mut out = HashMap::new();
    for mut row in rows(db.query(&sql, &params)?, "visits") {
        out.insert(row.text()?, (row.int()?, row.int()?, row.int()?, row.int()?));
    }
    Ok(out)
}

/// The survey answers of the range by key, tallied.
fn survey_scores(db: &mut dyn Db, range: &DayRange<'_>) -> OfficeResult<HashMap<String, ScoreTally>> {
    let (sql, params) =
        range.query(&["answers", "ratings", "rating_sum", "recommends", "promoters", "detractors"], "survey_day");
    let mut out = HashMap::new();
    for mut row in rows(db.query(&sql, &params)?, "answers") {
        let key = row.text()?;
        let mut n = || row.int().map(|v| u32::try_from(v).unwrap_or(0));
        let t = ScoreTally {
            answers: n()?,
            ratings: n()?,
            rating_sum: n()?,
            recommends: n()?,
            promoters: n()?,
            detractors: n()?,
        };
        out.insert(key, t);
    }
    Ok(out)
}

/// Every clinic's figures for `[from, to)`, by name.
pub fn chain(db: &mut dyn Db, from: i64, to: i64, now_ms: i64) -> OfficeResult<Vec<Figures>> {
    clinic_figures(db, None, from, to, now_ms)
}

/// The figures of every clinic, or of `only` that one (its page reads no other clinic's).
fn clinic_figures(db: &mut dyn Db, only: Option<Uuid>, from: i64, to: i64, now_ms: i64) -> OfficeResult<Vec<Figures>> {
    let params: Vec<Val> = only.map(|c| Val::from(c.to_string())).into_iter().collect();
    let (where_id, and_clinic) = if only.is_some() { (" WHERE id = $1", " AND clinic_id = $1") } else { ("", "") };
    let mut clinics = Vec::new();
    for mut row in rows(db.query(&format!("SELECT id, name FROM clinic{where_id} ORDER BY name"), &params)?, "clinic") {
        clinics.push(Figures { id: row.text()?, name: row.text()?, ..Figures::default() });
    }
    let mut patients = HashMap::new();
    let sql = format!("SELECT clinic_id, count(*) FROM patient_clinic WHERE 1 = 1{and_clinic} GROUP BY clinic_id");
    for mut row in rows(db.query(&sql, &params)?, "count") {
        patients.insert(row.text()?, row.int()?);
    }
    let by_clinic = DayRange { key: "clinic_id", clinic: only, from, to };
    let visits = visit_figures(db, &by_clinic)?;
    let messages = message_counts(db, only, from, to)?;
    let surveyed = survey_scores(db, &by_clinic)?;
    let mut devices = HashMap::new();
    let sql = format!(
        "SELECT clinic_id, count(*), max(last_seen_at) FROM device WHERE revoked_at IS NULL{and_clinic} GROUP BY clinic_id"
    );
    for mut row in rows(db.query(&sql, &params)?, "device") {
        devices.insert(row.text()?, (row.int()?, row.opt_int()?));
    }
    for c in &mut clinics {
        c.patients = patients.get(&c.id).copied().unwrap_or(0);
        (c.came, c.no_shows, c.seen, c.seen_on_time) = visits.get(&c.id).copied().unwrap_or_default();
        (c.sent, c.delivered, c.failed) = messages.get(&c.id).copied().unwrap_or_default();
        c.set_scores(surveyed.get(&c.id).copied().unwrap_or_default());
        (c.devices, c.last_sync) = devices.get(&c.id).copied().unwrap_or_default();
        c.late_minutes = c.id.parse().ok().map(|id| late_minutes(db, Some(id), now_ms)).transpose()?.flatten();
    }
    Ok(clinics)
}

/// Messages created in `[from, to)` by clinic: (sent, delivered, failed).
fn message_counts(
    db: &mut dyn Db,
    clinic: Option<Uuid>,
    from: i64,
    to: i64,
) -> OfficeResult<HashMap<String, (i64, i64, i64)>> {
    let found = db.query(
        "SELECT clinic_id, status, count(*) FROM message WHERE created_at >= $1 AND created_at < $2 GROUP BY clinic_id, status",
        &[from.into(), to.into()],
    )?;
    let mut out: HashMap<String, (i64, i64, i64)> = HashMap::new();
    for mut row in rows(found, "messages") {
        let (id, status, n) = (row.text()?, row.text()?, row.int()?);
        if clinic.is_some_and(|c| c.to_string() != id) {
            continue;
        }
        let e = out.entry(id).or_default();
        match status.as_str() {
            "sent" | "uncertain" => e.0 += n,
            "delivered" => {
                e.0 += n;
                e.1 += n;
            }
            "undeliverable" => {
                e.0 += n;
                e.2 += n;
            }
            "failed" => e.2 += n,
            _ => {}
        }
    }
    Ok(out)
}

/// One clinic's page: its figures, each doctor's, its campaigns and its devices.
#[derive(Debug, Clone)]
pub struct ClinicPage {
    pub clinic: Figures,
    pub doctors: Vec<Figures>,
    pub campaigns: Vec<CampaignRow>,
    pub devices: Vec<super::DeviceRow>,
}

pub fn clinic(db: &mut dyn Db, id: Uuid, from: i64, to: i64, now_ms: i64) -> OfficeResult<Option<ClinicPage>> {
    let Some(figures) = clinic_figures(db, Some(id), from, to, now_ms)?.into_iter().next() else {
        return Ok(None);
    };
    let by_doctor = DayRange { key: "doctor", clinic: Some(id), from, to };
    let visits = visit_figures(db, &by_doctor)?;
    let surveyed = survey_scores(db, &by_doctor)?;
    let ids: Vec<Val> = visits.keys().chain(surveyed.keys()).map(|d| Val::from(d.as_str())).collect();
    let names = display_names(db, &ids)?;
    let mut doctors: Vec<Figures> = visits
        .keys()
        .chain(surveyed.keys())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .map(|d| {
            let mut f = Figures {
                id: d.clone(),
                name: names.get(d).cloned().unwrap_or_else(|| "(unknown)".into()),
                ..Figures::default()
            };
            (f.came, f.no_shows, f.seen, f.seen_on_time) = visits.get(d).copied().unwrap_or_default();
            f.set_scores(surveyed.get(d).copied().unwrap_or_default());
            f
        })
        .collect();
    doctors.sort_by(|a, b| a.name.cmp(&b.name));
    let campaigns = campaigns(db)?.into_iter().filter(|c| c.clinic_id == id.to_string()).collect();
    let devices = super::list_devices(db)?.into_iter().filter(|d| d.clinic == figures.name).collect();
    Ok(Some(ClinicPage { clinic: figures, doctors, campaigns, devices }))
}

/// A campaign as the dashboard lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignRow {
    pub id: String,
    pub clinic_id: String,
    pub clinic: String,
    pub name: String,
    pub send_at: i64,
    pub paused: bool,
    pub figures: Option<CampaignFigures>,
}

impl CsvRow for CampaignRow {
    const HEADER: &'static [&'static str] = &[
        "campaign",
        "clinic",
        "send_at_utc",
        "paused",
        "members",
        "sent",
        "delivered",
        "failed",
        "replied",
        "holdout",
        "booked_sent",
        "booked_holdout",
        "lift_points",
        "cost",
        "cost_per_booking",
    ];
    fn cells(&self) -> Vec<String> {
        let f = self.figures.clone().unwrap_or_default();
        vec![
            self.name.clone(),
            self.clinic.clone(),
            utc(self.send_at),
            self.paused.to_string(),
            f.members.to_string(),
            f.sent.to_string(),
            f.delivered.to_string(),
            f.failed.to_string(),
            f.replied.to_string(),
            f.holdout.to_string(),
            f.booked_sent.to_string(),
            f.booked_holdout.to_string(),
            opt(f.lift.map(|v| format!("{v:.2}"))),
            opt(f.cost.map(|v| format!("{v:.2}"))),
            opt(f.cost_per_booking.map(|v| format!("{v:.2}"))),
        ]
    }
}

/// Every campaign, the newest first, with head office's count of each.
pub fn campaigns(db: &mut dyn Db) -> OfficeResult<Vec<CampaignRow>> {
    let mut clinics = HashMap::new();
    for mut row in rows(db.query("SELECT id, name FROM clinic", &[])?, "clinic") {
        clinics.insert(row.text()?, row.text()?);
    }
    let mut results = HashMap::new();
    for mut row in rows(
        db.query(
            "SELECT record, fields FROM record_state WHERE entity = $1",
            &[Entity::CampaignResult.as_str().into()],
        )?,
        "result",
    ) {
        let (id, f) = (row.text()?, row.json::<Map<String, Value>>()?);
        if let Some(figures) = text(&f, "figures").and_then(|t| serde_json::from_str::<CampaignFigures>(t).ok()) {
            results.insert(id, figures);
        }
    }
    let mut out = Vec::new();
    for mut row in rows(
        db.query(
            "SELECT record, clinic_id, fields FROM record_state WHERE entity = $1",
            &[Entity::Campaign.as_str().into()],
        )?,
        "campaign",
    ) {
        let (id, clinic_id, f) = (row.text()?, row.opt_text()?.unwrap_or_default(), row.json::<Map<String, Value>>()?);
        if f.get("deleted_at").is_some_and(|v| !v.is_null()) {
            continue;
        }
        out.push(CampaignRow {
            clinic: clinics.get(&clinic_id).cloned().unwrap_or_default(),
            name: text(&f, "name").unwrap_or_default().to_owned(),
            send_at: int(&f, "send_at").unwrap_or(0),
            paused: int(&f, "paused") == Some(1),
            figures: results.remove(&id),
            clinic_id,
            id,
        });
    }
    out.sort_by(|a, b| b.send_at.cmp(&a.send_at).then_with(|| a.name.cmp(&b.name)));
    Ok(out)
}
