//! Satisfaction surveys: after a done visit (if the clinic turned them on, after its delay, for
//! the doctors it chose) head office sends the patient a link to a short page — a rating from
//! 1 to 5, how likely they are to recommend the clinic from 0 to 10, a comment — answerable once
//! for [`SURVEY_DAYS`]; a text reply of one digit counts as the rating. Answers come back to the
//! desks as head office's records; [`scores`] turns them into averages and NPS.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::ids::{AppointmentId, PatientId, StaffId};

pub const DEFAULT_SURVEY_DELAY_HOURS: u32 = 2;
pub const MAX_SURVEY_DELAY_HOURS: u32 = 72;
/// A survey link answers for this many days after it was sent.
pub const SURVEY_DAYS: i64 = 14;
/// Longest comment kept.
pub const MAX_SURVEY_COMMENT: usize = 1000;
/// How long after a visit was marked done a survey may still be planned for it (a clinic that
/// turns surveys on does not survey last month's patients).
pub const SURVEY_PLAN_WINDOW_HOURS: i64 = 48;

/// A clinic's survey settings; off until a manager turns them on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveySettings {
    pub after_visit: bool,
    pub delay_hours: u32,
    /// Only these doctors' visits (empty: every doctor's).
    #[serde(default)]
    pub doctors: Vec<StaffId>,
}

impl Default for SurveySettings {
    fn default() -> Self {
        Self { after_visit: false, delay_hours: DEFAULT_SURVEY_DELAY_HOURS, doctors: Vec::new() }
    }
}

impl SurveySettings {
    /// Is a visit with `doctor` surveyed?
    pub fn covers(&self, doctor: StaffId) -> bool {
        self.after_visit && (self.doctors.is_empty() || self.doctors.contains(&doctor))
    }
}

/// A reply that is a rating: one digit from 1 to 5 (a full stop or spaces around it allowed).
pub fn rating_from_reply(text: &str) -> Option<u8> {
    let t = text.trim().trim_end_matches(['.', '!']).trim();
    match t.as_bytes() {
        [d @ b'1'..=b'5'] => Some(d - b'0'),
        _ => None,
    }
}

/// How an answer came.
pub const VIA_WORDS: &[&str] = &["sms", "web"];

/// One patient's answer about one visit (head office's record, keyed by the survey message's id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyAnswer {
    pub id: Uuid,
    pub patient_id: PatientId,
    pub appointment_id: Option<AppointmentId>,
    pub doctor: StaffId,
    /// 1 to 5.
    pub rating: Option<u8>,
    /// 0 to 10: how likely to recommend the clinic.
    pub recommend: Option<u8>,
    pub comment: Option<String>,
    pub via: String,
    pub answered_at: DateTime<Utc>,
}

/// Averages and NPS for one group of answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreRow {
    pub doctor: String,
    /// `YYYY-MM`, or `all` for every month.
    pub month: String,
    pub answers: u32,
    pub ratings: u32,
    pub average_rating: Option<f64>,
    pub recommends: u32,
    /// 9 or 10.
    pub promoters: u32,
    /// 0 to 6.
    pub detractors: u32,
    /// Percent promoters less percent detractors, -100 to 100.
    pub nps: Option<f64>,
}

/// A change to the survey settings; `None` keeps a setting.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyEdit {
    pub after_visit: Option<bool>,
    pub delay_hours: Option<u32>,
    /// The doctors whose visits are surveyed (empty: every doctor's).
    pub doctors: Option<Vec<StaffId>>,
}

/// One answer as [`scores`] needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scored {
    pub doctor: String,
    pub month: String,
    pub rating: Option<u8>,
    pub recommend: Option<u8>,
}

/// The sums a group's scores are made of. The tallies of parts add up to the whole's, so head
/// office can keep them by day and add the days of a range.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScoreTally {
    pub answers: u32,
    pub ratings: u32,
    pub rating_sum: u32,
    pub recommends: u32,
    /// 9 or 10.
    pub promoters: u32,
    /// 0 to 6.
    pub detractors: u32,
}

impl ScoreTally {
    /// One answer's tally.
    pub fn of(rating: Option<u8>, recommend: Option<u8>) -> Self {
        Self {
            answers: 1,
            ratings: u32::from(rating.is_some()),
            rating_sum: rating.map_or(0, u32::from),
            recommends: u32::from(recommend.is_some()),
            promoters: u32::from(recommend.is_some_and(|r| r >= 9)),
            detractors: u32::from(recommend.is_some_and(|r| r <= 6)),
        }
    }

    pub fn add(&mut self, other: Self) {
        self.answers += other.answers;
        self.ratings += other.ratings;
        self.rating_sum += other.rating_sum;
        self.recommends += other.recommends;
        self.promoters += other.promoters;
        self.detractors += other.detractors;
    }

    pub fn average_rating(&self) -> Option<f64> {
        (self.ratings > 0).then(|| f64::from(self.rating_sum) / f64::from(self.ratings))
    }

    /// Percent promoters less percent detractors, -100 to 100.
    pub fn nps(&self) -> Option<f64> {
        (self.recommends > 0)
            .then(|| (f64::from(self.promoters) - f64::from(self.detractors)) * 100.0 / f64::from(self.recommends))
    }
}

/// Per doctor: every month together (`all`) and each month, doctors by name and months in
/// order; a row for the whole clinic (`all clinic`) first.
pub fn scores(answers: &[Scored]) -> Vec<ScoreRow> {
    let mut groups: BTreeMap<(String, String), ScoreTally> = BTreeMap::new();
    for a in answers {
        let one = ScoreTally::of(a.rating, a.recommend);
        groups.entry((String::new(), "all".to_owned())).or_default().add(one);
        groups.entry((a.doctor.clone(), "all".to_owned())).or_default().add(one);
        groups.entry((a.doctor.clone(), a.month.clone())).or_default().add(one);
    }
    groups
        .into_iter()
        .map(|((doctor, month), t)| ScoreRow {
            doctor: if doctor.is_empty() { "all clinic".to_owned() } else { doctor },
            month,
            answers: t.answers,
            ratings: t.ratings,
            average_rating: t.average_rating(),
            recommends: t.recommends,
            promoters: t.promoters,
            detractors: t.detractors,
            nps: t.nps(),
        })
        .collect()
}

/// The survey figures: per doctor and month, and the latest answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurveyResults {
    pub scores: Vec<ScoreRow>,
    /// Newest first, with the doctor's name (never the patient's).
    pub latest: Vec<(String, SurveyAnswer)>,
}

/// What the doctor glance shows: the doctor's recent answers, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecentAnswer {
    pub rating: Option<u8>,
    pub recommend: Option<u8>,
    pub comment: Option<String>,
    pub answered_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_digit_from_one_to_five_is_a_rating() {
        assert_eq!(rating_from_reply(" 4 "), Some(4));
        assert_eq!(rating_from_reply("5."), Some(5));
        for not in ["0", "6", "45", "four", "", "4 stars", "C"] {
            assert_eq!(rating_from_reply(not), None, "{not}");
        }
    }

    fn scored(doctor: &str, month: &str, rating: Option<u8>, recommend: Option<u8>) -> Scored {
        Scored { doctor: doctor.into(), month: month.into(), rating, recommend }
    }

    #[test]
    fn nps_is_promoters_less_detractors_over_those_who_said() {
        let answers = [
            scored("Dr A", "2026-11", Some(5), Some(10)),
            scored("Dr A", "2026-11", Some(4), Some(9)),
            scored("Dr A", "2026-12", Some(2), Some(3)),
            scored("Dr A", "2026-12", Some(3), Some(7)),
            scored("Dr A", "2026-12", Some(5), None),
            scored("Dr B", "2026-12", None, Some(6)),
        ];
        let rows = scores(&answers);
        let find = |d: &str, m: &str| rows.iter().find(|r| r.doctor == d && r.month == m).expect("row");
        let a = find("Dr A", "all");
        assert_eq!((a.answers, a.ratings, a.recommends, a.promoters, a.detractors), (5, 5, 4, 2, 1));
        assert_eq!(a.average_rating, Some(19.0 / 5.0));
        assert_eq!(a.nps, Some(25.0));
        assert_eq!(find("Dr A", "2026-11").nps, Some(100.0));
        let b = find("Dr B", "all");
        assert_eq!((b.average_rating, b.nps), (None, Some(-100.0)));
        assert_eq!(find("all clinic", "all").answers, 6);
        assert_eq!(rows[0].doctor, "all clinic");
    }

    #[test]
    fn settings_cover_the_chosen_doctors_only_when_on() {
        let (a, b) = (StaffId::from_bytes([1; 16]), StaffId::from_bytes([2; 16]));
        let mut s = SurveySettings::default();
        assert!(!s.covers(a));
        s.after_visit = true;
        assert!(s.covers(a) && s.covers(b));
        s.doctors = vec![a];
        assert!(s.covers(a) && !s.covers(b));
    }
}
