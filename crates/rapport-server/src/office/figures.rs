//! The chain's figures for the dashboard, each one an aggregate over head office's own tables:
//! visits from the bookings' facts (migration 9), messages from the outbox, answers and
//! campaigns from head office's records. Rates are shares of what could have happened (a
//! no-show rate over visits that came or were missed; waiting over visits seen).

use std::collections::HashMap;

use rapport_model::campaigns::CampaignFigures;
use rapport_model::surveys::{Scored, scores};
use rapport_model::sync::Entity;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::OfficeResult;
use super::outreach::{display_names, int, late_minutes, text};
use crate::db::{Db, Val, rows};

/// A visit seen within this long of its time meets the clinics' standard.
const ON_TIME_MS: i64 = rapport_model::reports::WAIT_TARGET_MINUTES * 60_000;

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
}

/// The visit figures of bookings starting in `[from, to)`, grouped by `key` (`clinic_id` or
/// `doctor`, Rapport's own column names), within one clinic or all.
fn visit_figures(
    db: &mut dyn Db,
    key: &str,
    clinic: Option<Uuid>,
    from: i64,
    to: i64,
) -> OfficeResult<HashMap<String, (i64, i64, i64, i64)>> {
    let mut params: Vec<Val> = vec![from.into(), to.into(), ON_TIME_MS.into()];
    let only = match clinic {
        Some(c) => {
            params.push(c.to_string().into());
            " AND clinic_id = $4"
        }
        None => "",
    };
    let found = db.query(
        &format!(
            "SELECT {key},
                 sum(CASE WHEN status IN ('arrived', 'with-doctor', 'done') THEN 1 ELSE 0 END),
                 sum(CASE WHEN status = 'no-show' THEN 1 ELSE 0 END),
                 sum(CASE WHEN seen_at IS NOT NULL THEN 1 ELSE 0 END),
                 sum(CASE WHEN seen_at IS NOT NULL AND seen_at - starts_at <= $3 THEN 1 ELSE 0 END)
             FROM booking WHERE starts_at >= $1 AND starts_at < $2 AND clinic_id IS NOT NULL{only}
             GROUP BY {key}"
        ),
        &params,
    )?;
    let mut out = HashMap::new();
    for mut row in rows(found, "visits") {
        out.insert(row.text()?, (row.int()?, row.int()?, row.int()?, row.int()?));
    }
    Ok(out)
}

/// Survey answers given in `[from, to)`: (clinic, doctor, rating, recommend, answered at).
fn answers(db: &mut dyn Db, from: i64, to: i64) -> OfficeResult<Vec<(String, String, Scored)>> {
    let found = db.query(
        "SELECT clinic_id, fields FROM record_state WHERE entity = $1",
        &[Entity::SurveyAnswer.as_str().into()],
    )?;
    let mut out = Vec::new();
    for mut row in rows(found, "answer") {
        let (clinic, f) = (row.opt_text()?, row.json::<Map<String, Value>>()?);
        let at = int(&f, "answered_at").unwrap_or(0);
        if !(from..to).contains(&at) {
            continue;
        }
        let small = |name: &str| int(&f, name).and_then(|v| u8::try_from(v).ok());
        let scored = Scored {
            doctor: String::new(),
            month: String::new(),
            rating: small("rating"),
            recommend: small("recommend"),
        };
        out.push((clinic.unwrap_or_default(), text(&f, "doctor").unwrap_or_default().to_owned(), scored));
    }
    Ok(out)
}

/// Averages and NPS of `answers` grouped by what `group` says of each.
fn survey_scores(
    answers: &[(String, String, Scored)],
    group: impl Fn(&(String, String, Scored)) -> String,
) -> HashMap<String, (u32, Option<f64>, Option<f64>)> {
    let scored: Vec<Scored> =
        answers.iter().map(|a| Scored { doctor: group(a), month: "all".into(), ..a.2.clone() }).collect();
    scores(&scored)
        .into_iter()
        .filter(|r| r.doctor != "all clinic")
        .map(|r| (r.doctor, (r.answers, r.average_rating, r.nps)))
        .collect()
}

/// Every clinic's figures for `[from, to)`, by name.
pub fn chain(db: &mut dyn Db, from: i64, to: i64, now_ms: i64) -> OfficeResult<Vec<Figures>> {
    let mut clinics = Vec::new();
    for mut row in rows(db.query("SELECT id, name FROM clinic ORDER BY name", &[])?, "clinic") {
        clinics.push(Figures { id: row.text()?, name: row.text()?, ..Figures::default() });
    }
    let mut patients = HashMap::new();
    for mut row in rows(db.query("SELECT clinic_id, count(*) FROM patient_clinic GROUP BY clinic_id", &[])?, "count") {
        patients.insert(row.text()?, row.int()?);
    }
    let visits = visit_figures(db, "clinic_id", None, from, to)?;
    let messages = message_counts(db, None, from, to)?;
    let answers = answers(db, from, to)?;
    let surveyed = survey_scores(&answers, |a| a.0.clone());
    let mut devices = HashMap::new();
    for mut row in rows(
        db.query(
            "SELECT clinic_id, count(*), max(last_seen_at) FROM device WHERE revoked_at IS NULL GROUP BY clinic_id",
            &[],
        )?,
        "device",
    ) {
        devices.insert(row.text()?, (row.int()?, row.opt_int()?));
    }
    for c in &mut clinics {
        c.patients = patients.get(&c.id).copied().unwrap_or(0);
        (c.came, c.no_shows, c.seen, c.seen_on_time) = visits.get(&c.id).copied().unwrap_or_default();
        (c.sent, c.delivered, c.failed) = messages.get(&c.id).copied().unwrap_or_default();
        (c.answers, c.average_rating, c.nps) = surveyed.get(&c.id).copied().unwrap_or_default();
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
    let Some(figures) = chain(db, from, to, now_ms)?.into_iter().find(|c| c.id == id.to_string()) else {
        return Ok(None);
    };
    let visits = visit_figures(db, "doctor", Some(id), from, to)?;
    let answers: Vec<_> = answers(db, from, to)?.into_iter().filter(|a| a.0 == id.to_string()).collect();
    let surveyed = survey_scores(&answers, |a| a.1.clone());
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
            (f.answers, f.average_rating, f.nps) = surveyed.get(d).copied().unwrap_or_default();
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
