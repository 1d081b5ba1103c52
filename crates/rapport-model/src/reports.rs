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
