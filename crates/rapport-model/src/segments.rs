//! Segments: the patients a campaign or a report is about, chosen by what the desk knows of
//! them (condition tags, age, sex, place, last visit, usual doctor, language, consent). The
//! rule is one function, [`SegmentFilter::matches`], used wherever a segment is evaluated.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::ids::StaffId;
use crate::patient::{Channel, Patient};
use crate::view::PatientHit;

/// Longest segment name.
pub const MAX_SEGMENT_NAME: usize = 80;

/// A segment as a clinic saved it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedSegment {
    pub id: uuid::Uuid,
    pub name: String,
    pub filter: SegmentFilter,
    pub set_by: StaffId,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// Who is in a segment; every condition given must hold (none given: every living patient).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentFilter {
    /// Every one of these condition tags (compared as recall rules compare them).
    #[serde(default)]
    pub tags: Vec<String>,
    /// Age in whole years today, at least / at most (a patient with no birth date is out).
    pub min_age: Option<u32>,
    pub max_age: Option<u32>,
    /// Compared without regard to case.
    pub sex: Option<String>,
    pub city: Option<String>,
    pub area: Option<String>,
    /// The last done visit was before / on or after this day (a patient never seen is out).
    pub last_visit_before: Option<NaiveDate>,
    pub last_visit_after: Option<NaiveDate>,
    pub usual_doctor: Option<StaffId>,
    pub language: Option<String>,
    /// Agreed to be reached this way.
    pub consent: Option<Channel>,
}

fn same_words(wanted: &Option<String>, have: Option<&str>) -> bool {
    match wanted {
        None => true,
        Some(w) => have.is_some_and(|h| h.trim().to_lowercase() == w.trim().to_lowercase()),
    }
}

impl SegmentFilter {
    /// Is `p` (a living patient whose last done visit was `last_visit`) in the segment on
    /// `today`?
    pub fn matches(&self, p: &Patient, last_visit: Option<NaiveDate>, today: NaiveDate) -> bool {
        let age = p.age_on(today);
        let age_ok = match (self.min_age, self.max_age) {
            (None, None) => true,
            (lo, hi) => age.is_some_and(|a| lo.is_none_or(|lo| a >= lo) && hi.is_none_or(|hi| a <= hi)),
        };
        let visit_ok = match (self.last_visit_before, self.last_visit_after) {
            (None, None) => true,
            (before, after) => last_visit.is_some_and(|v| before.is_none_or(|b| v < b) && after.is_none_or(|a| v >= a)),
        };
        let consent_ok = match self.consent {
            None => true,
            Some(Channel::Sms) => p.consent.sms,
            Some(Channel::Email) => p.consent.email,
            Some(Channel::Phone) => p.consent.phone,
        };
        self.tags.iter().all(|t| crate::outreach::has_tag(&p.conditions, t))
            && age_ok
            && visit_ok
            && consent_ok
            && same_words(&self.sex, p.sex.as_deref())
            && same_words(&self.city, p.city.as_deref())
            && same_words(&self.area, p.area.as_deref())
            && same_words(&self.language, p.language.as_deref())
            && self.usual_doctor.is_none_or(|d| p.usual_doctor == Some(d))
    }
}

/// How many patients a segment holds, with a few of them to recognise it by (shown on the desk
/// only; never logged).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentSize {
    pub count: usize,
    pub sample: Vec<PatientHit>,
}
