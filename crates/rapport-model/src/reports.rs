//! Figures the clinic reads about itself, computed from facts the caller gathers (so the desk,
//! offline, and head office, across the chain, compute them alike).

use chrono::Weekday;
use serde::{Deserialize, Serialize};

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
