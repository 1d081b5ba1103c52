//! Figures the clinic reads about itself, computed from facts the caller gathers (so the desk,
//! offline, and head office, across the chain, compute them alike).

use chrono::{NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use crate::csv::{CsvRow, share};

/// One visit whose time has come, as the no-show figures see it (times in the clinic's day).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitFacts {
    pub doctor: String,
    pub weekday: Weekday,
    pub hour: u32,
    /// Whole days from booking to the visit.
    pub lead_days: i64,
    pub confirmed: bool,
    /// A reminder reached the gateway (sent or delivered).
    pub reminded: bool,
    pub no_show: bool,
}

crate::words::word_enum! {
    /// Every report the desk computes, by the name the CLI and exports give it.
    pub enum Report {
        NoShows = "no-shows",
        Waiting = "waiting",
        Visits = "visits",
        Referrals = "referrals",
        Geography = "geography",
        Conditions = "conditions",
    }
}

impl Report {
    /// The report about who the patients are, if it is one.
    pub const fn profile(self) -> Option<ProfileReport> {
        match self {
            Self::NoShows | Self::Waiting => None,
            Self::Visits => Some(ProfileReport::Visits),
            Self::Referrals => Some(ProfileReport::Referrals),
            Self::Geography => Some(ProfileReport::Geography),
            Self::Conditions => Some(ProfileReport::Conditions),
        }
    }

    pub const fn label(self) -> &'static str {
        match self.profile() {
            Some(p) => p.label(),
            None if matches!(self, Self::NoShows) => "No-shows",
            None => "Waiting time",
        }
    }
}

/// One line of a breakdown: of `visits` in this group, `no_shows` were missed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoShowRow {
    /// `all`, `doctor`, `weekday`, `hour`, `lead` (booked how long before), `confirmed`, `reminded`.
    pub dimension: String,
    pub key: String,
    pub visits: u32,
    pub no_shows: u32,
    /// no_shows / visits, 0 to 1.
    pub rate: f64,
}

/// How long before the visit it was booked, in the groups the figures use.
pub fn lead_group(days: i64) -> &'static str {
    match days {
        ..=0 => "same day",
        1..=2 => "1-2 days",
        3..=7 => "3-7 days",
        _ => "8+ days",
    }
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// The no-show rate overall and by doctor, weekday, hour, lead time, confirmation and reminder;
/// groups in a fixed order (weekdays Monday first, hours and lead times ascending, doctors by
/// name).
pub fn no_show_breakdown(visits: &[VisitFacts]) -> Vec<NoShowRow> {
    type Key = fn(&VisitFacts) -> (u32, String);
    let ways: [(&str, Key); 7] = [
        ("all", |_| (0, "all".to_owned())),
        ("doctor", |v| (0, v.doctor.clone())),
        ("weekday", |v| (v.weekday.num_days_from_monday(), v.weekday.to_string())),
        ("hour", |v| (v.hour, format!("{:02}", v.hour))),
        ("lead", |v| (u32::try_from(v.lead_days.clamp(0, 8)).unwrap_or(0), lead_group(v.lead_days).to_owned())),
        ("confirmed", |v| (u32::from(!v.confirmed), yes_no(v.confirmed).to_owned())),
        ("reminded", |v| (u32::from(!v.reminded), yes_no(v.reminded).to_owned())),
    ];
    let mut rows = Vec::new();
    for (dimension, key) in ways {
        let mut groups: std::collections::BTreeMap<(u32, String), (u32, u32)> = std::collections::BTreeMap::new();
        for v in visits {
            let g = groups.entry(key(v)).or_default();
            g.0 += 1;
            g.1 += u32::from(v.no_show);
        }
        // Lead times of one group share a label: merged under it.
        let mut merged: Vec<(String, u32, u32)> = Vec::new();
        for ((_, label), (n, missed)) in groups {
            match merged.iter_mut().find(|m| m.0 == label) {
                Some(m) => {
                    m.1 += n;
                    m.2 += missed;
                }
                None => merged.push((label, n, missed)),
            }
        }
        for (key, visits, no_shows) in merged {
            let rate = if visits == 0 { 0.0 } else { f64::from(no_shows) / f64::from(visits) };
            rows.push(NoShowRow { dimension: dimension.to_owned(), key, visits, no_shows, rate });
        }
    }
    rows
}

/// A patient should be seen within this many minutes of the scheduled time…
pub const WAIT_TARGET_MINUTES: i64 = 30;
/// …at this share of visits at least (the clinics' standard).
pub const WAIT_STANDARD: f64 = 0.9;

/// Waiting against the standard, for one group of visits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WaitRow {
    /// `all` or `doctor`.
    pub dimension: String,
    pub key: String,
    pub visits: u32,
    /// Seen within [`WAIT_TARGET_MINUTES`] of the scheduled time (or early).
    pub within_target: u32,
    pub share: f64,
    pub meets_standard: bool,
    /// Minutes from the scheduled time to being seen (nearest rank).
    pub median_minutes: i64,
    pub p90_minutes: i64,
}

/// How many visits were seen how late.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitBucket {
    pub minutes: String,
    pub visits: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WaitingReport {
    pub rows: Vec<WaitRow>,
    pub distribution: Vec<WaitBucket>,
}

impl CsvRow for NoShowRow {
    const HEADER: &'static [&'static str] = &["dimension", "key", "visits", "no_shows", "rate"];
    fn cells(&self) -> Vec<String> {
        let Self { dimension, key, visits, no_shows, rate } = self;
        vec![dimension.clone(), key.clone(), visits.to_string(), no_shows.to_string(), share(*rate)]
    }
}

/// A line of the waiting report's export: a group's figures, or (dimension `distribution`)
/// how many visits were seen that late.
#[derive(Debug)]
enum WaitLine<'a> {
    Row(&'a WaitRow),
    Bucket(&'a WaitBucket),
}

impl CsvRow for WaitLine<'_> {
    const HEADER: &'static [&'static str] =
        &["dimension", "key", "visits", "within_30_min", "share", "meets_standard", "median_minutes", "p90_minutes"];
    fn cells(&self) -> Vec<String> {
        match self {
            Self::Row(r) => vec![
                r.dimension.clone(),
                r.key.clone(),
                r.visits.to_string(),
                r.within_target.to_string(),
                share(r.share),
                r.meets_standard.to_string(),
                r.median_minutes.to_string(),
                r.p90_minutes.to_string(),
            ],
            Self::Bucket(b) => {
                let mut cells = vec!["distribution".into(), b.minutes.clone(), b.visits.to_string()];
                cells.resize(Self::HEADER.len(), String::new());
                cells
            }
        }
    }
}

impl WaitingReport {
    /// The report as CSV: the groups, then the distribution.
    pub fn csv(&self) -> String {
        let lines: Vec<WaitLine<'_>> =
            self.rows.iter().map(WaitLine::Row).chain(self.distribution.iter().map(WaitLine::Bucket)).collect();
        crate::csv::table(&lines)
    }
}

/// The value at `share` of the sorted `minutes` (nearest rank); 0 for none.
fn nearest_rank(sorted: &[i64], share: f64) -> i64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = (share * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Waiting-time compliance of seen visits (each: the doctor, and minutes from the scheduled time
/// to being seen, negative when early): overall and by doctor, and the spread of waits.
pub fn waiting_report(visits: &[(String, i64)]) -> WaitingReport {
    let row = |dimension: &str, key: &str, minutes: Vec<i64>| {
        let mut sorted = minutes;
        sorted.sort_unstable();
        let visits = u32::try_from(sorted.len()).unwrap_or(u32::MAX);
        let within = u32::try_from(sorted.iter().filter(|m| **m <= WAIT_TARGET_MINUTES).count()).unwrap_or(0);
        let share = if visits == 0 { 0.0 } else { f64::from(within) / f64::from(visits) };
        WaitRow {
            dimension: dimension.to_owned(),
            key: key.to_owned(),
            visits,
            within_target: within,
            share,
            meets_standard: visits > 0 && share >= WAIT_STANDARD,
            median_minutes: nearest_rank(&sorted, 0.5),
            p90_minutes: nearest_rank(&sorted, 0.9),
        }
    };
    let mut rows = vec![row("all", "all", visits.iter().map(|v| v.1).collect())];
    let mut doctors: Vec<&str> = visits.iter().map(|v| v.0.as_str()).collect();
    doctors.sort_unstable();
    doctors.dedup();
    for d in doctors {
        rows.push(row("doctor", d, visits.iter().filter(|v| v.0 == d).map(|v| v.1).collect()));
    }
    let buckets: [(&str, i64, i64); 7] = [
        ("on time or early", i64::MIN, 0),
        ("1-10", 1, 10),
        ("11-20", 11, 20),
        ("21-30", 21, 30),
        ("31-45", 31, 45),
        ("46-60", 46, 60),
        ("over 60", 61, i64::MAX),
    ];
    let distribution = buckets
        .iter()
        .map(|(label, lo, hi)| WaitBucket {
            minutes: (*label).to_owned(),
            visits: u32::try_from(visits.iter().filter(|v| (*lo..=*hi).contains(&v.1)).count()).unwrap_or(0),
        })
        .collect();
    WaitingReport { rows, distribution }
}

// ---------------------------------------------------------------------------------------------
// Who the patients are: visits, referral sources, places and conditions.

crate::words::word_enum! {
    /// The reports about who the patients are.
    pub enum ProfileReport {
        Visits = "visits",
        Referrals = "referrals",
        Geography = "geography",
        Conditions = "conditions",
    }
}

impl ProfileReport {
    /// The report's rows for `[from, to]`.
    pub fn rows(self, patients: &[PatientActivity], from: NaiveDate, to: NaiveDate) -> Vec<CountRow> {
        match self {
            Self::Visits => visits_report(patients, from, to),
            Self::Referrals => referrals_report(patients, from, to),
            Self::Geography => geography_report(patients, from, to),
            Self::Conditions => conditions_report(patients, from, to),
        }
    }

    pub const fn label(self) -> &'static str {
        match self {
            Self::Visits => "Visits, new and returning patients",
            Self::Referrals => "Referral sources",
            Self::Geography => "Where patients live",
            Self::Conditions => "Condition mix",
        }
    }
}

/// A value the patient's record does not hold.
pub const NOT_RECORDED: &str = "not recorded";

/// One group of one way of counting: `count` of them, `share` (0 to 1) of the whole the
/// dimension counts (visits, patients seen, patients registered).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CountRow {
    pub dimension: String,
    pub key: String,
    pub count: u32,
    pub share: f64,
}

impl CsvRow for CountRow {
    const HEADER: &'static [&'static str] = &["dimension", "key", "count", "share"];
    fn cells(&self) -> Vec<String> {
        vec![self.dimension.clone(), self.key.clone(), self.count.to_string(), share(self.share)]
    }
}

/// What the profile reports know of one living patient (days in the clinic's time zone).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PatientActivity {
    pub registered: NaiveDate,
    pub referral_source: Option<String>,
    pub referring_doctor: Option<String>,
    pub city: Option<String>,
    pub area: Option<String>,
    pub conditions: Vec<String>,
    /// The days of the patient's visits that were done, at any time.
    pub visits: Vec<NaiveDate>,
}

impl PatientActivity {
    fn visits_in(&self, from: NaiveDate, to: NaiveDate) -> usize {
        self.visits.iter().filter(|d| (from..=to).contains(*d)).count()
    }
}

fn row(dimension: &str, key: &str, count: usize, whole: usize) -> CountRow {
    let count = u32::try_from(count).unwrap_or(u32::MAX);
    let share = if whole == 0 { 0.0 } else { f64::from(count) / whole as f64 };
    CountRow { dimension: dimension.to_owned(), key: key.to_owned(), count, share }
}

/// Counts `keys` (compared without regard to case or surrounding spaces, shown as first met;
/// none: [`NOT_RECORDED`]), the largest group first, then by name.
fn tally<'a>(dimension: &str, keys: impl Iterator<Item = Option<&'a str>>, whole: usize) -> Vec<CountRow> {
    let mut groups: Vec<(String, String, usize)> = Vec::new();
    for key in keys {
        let shown = key.map(str::trim).filter(|k| !k.is_empty()).unwrap_or(NOT_RECORDED);
        let folded = shown.to_lowercase();
        match groups.iter_mut().find(|g| g.0 == folded) {
            Some(g) => g.2 += 1,
            None => groups.push((folded, shown.to_owned(), 1)),
        }
    }
    groups.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
    groups.into_iter().map(|(_, shown, n)| row(dimension, &shown, n, whole)).collect()
}

/// Visits done from `from` to `to` (both included): how many, by month; the patients seen, new
/// (no visit done before `from`) or returning; how often each came.
pub fn visits_report(patients: &[PatientActivity], from: NaiveDate, to: NaiveDate) -> Vec<CountRow> {
    let seen: Vec<(&PatientActivity, usize)> =
        patients.iter().map(|p| (p, p.visits_in(from, to))).filter(|(_, n)| *n > 0).collect();
    let visits: usize = seen.iter().map(|(_, n)| n).sum();
    let new = seen.iter().filter(|(p, _)| p.visits.iter().all(|d| *d >= from)).count();
    let mut rows = vec![
        row("visits", "all", visits, visits),
        row("patients", "seen", seen.len(), seen.len()),
        row("patients", "new", new, seen.len()),
        row("patients", "returning", seen.len() - new, seen.len()),
    ];
    for (label, lo, hi) in [("1", 1, 1), ("2", 2, 2), ("3-5", 3, 5), ("6+", 6, usize::MAX)] {
        let n = seen.iter().filter(|(_, n)| (lo..=hi).contains(n)).count();
        rows.push(row("visits per patient", label, n, seen.len()));
    }
    let mut months: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    for d in seen.iter().flat_map(|(p, _)| p.visits.iter()).filter(|d| (from..=to).contains(*d)) {
        *months.entry(d.format("%Y-%m").to_string()).or_default() += 1;
    }
    rows.extend(months.into_iter().map(|(m, n)| row("month", &m, n, visits)));
    rows
}

/// Patients registered from `from` to `to`: by referral source and referring doctor, and how
/// many of them have come for a visit since.
pub fn referrals_report(patients: &[PatientActivity], from: NaiveDate, to: NaiveDate) -> Vec<CountRow> {
    let new: Vec<&PatientActivity> = patients.iter().filter(|p| (from..=to).contains(&p.registered)).collect();
    let came = new.iter().filter(|p| p.visits.iter().any(|d| *d >= p.registered)).count();
    let mut rows =
        vec![row("registered", "all", new.len(), new.len()), row("registered", "came for a visit", came, new.len())];
    rows.extend(tally("source", new.iter().map(|p| p.referral_source.as_deref()), new.len()));
    rows.extend(tally("referring doctor", new.iter().map(|p| p.referring_doctor.as_deref()), new.len()));
    rows
}

/// Where the patients seen from `from` to `to` live: by city, and by area within its city.
pub fn geography_report(patients: &[PatientActivity], from: NaiveDate, to: NaiveDate) -> Vec<CountRow> {
    let seen: Vec<&PatientActivity> = patients.iter().filter(|p| p.visits_in(from, to) > 0).collect();
    let areas: Vec<Option<String>> = seen
        .iter()
        .map(|p| {
            let city = p.city.as_deref().map(str::trim).filter(|c| !c.is_empty()).unwrap_or(NOT_RECORDED);
            p.area.as_deref().map(str::trim).filter(|a| !a.is_empty()).map(|a| format!("{city} / {a}"))
        })
        .collect();
    let mut rows = vec![row("patients", "seen", seen.len(), seen.len())];
    rows.extend(tally("city", seen.iter().map(|p| p.city.as_deref()), seen.len()));
    rows.extend(tally("area", areas.iter().map(Option::as_deref), seen.len()));
    rows
}

/// The condition mix of the patients seen from `from` to `to`: how many carry each condition
/// tag (a patient with several counts under each), and how many carry none.
pub fn conditions_report(patients: &[PatientActivity], from: NaiveDate, to: NaiveDate) -> Vec<CountRow> {
    let seen: Vec<&PatientActivity> = patients.iter().filter(|p| p.visits_in(from, to) > 0).collect();
    let mut tags: Vec<String> = Vec::new();
    for p in &seen {
        let mut own: Vec<String> = p.conditions.iter().map(|t| crate::outreach::normalize_tag(t)).collect();
        own.sort_unstable();
        own.dedup();
        tags.extend(own.into_iter().filter(|t| !t.is_empty()));
    }
    let none = seen.iter().filter(|p| p.conditions.iter().all(|t| t.trim().is_empty())).count();
    let mut rows = vec![row("patients", "seen", seen.len(), seen.len())];
    rows.extend(tally("condition", tags.iter().map(|t| Some(t.as_str())), seen.len()));
    rows.push(row("condition", "none recorded", none, seen.len()));
    rows
}
