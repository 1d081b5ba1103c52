//! Segments: the patients a campaign or a report is about, chosen by what the desk knows of
//! them (condition tags, age, sex, place, last visit, usual doctor, language, consent). The
//! rule is one function, [`SegmentFilter::matches`], used wherever a segment is evaluated.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::ids::StaffId;
use crate::patient::{Channel, Consent, Patient, age_from};
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
        Some(w) => have.is_some_and(|h| crate::outreach::same_text(h, w)),
    }
}

/// What a segment looks at of one patient: read from the desk's record or from head office's
/// stored fields alike.
#[derive(Debug, Clone, Copy)]
pub struct PatientFacts<'a> {
    pub conditions: Conditions<'a>,
    pub birth_date: Option<NaiveDate>,
    /// An approximate birth year, when only an age is known.
    pub birth_year: Option<i32>,
    pub sex: Option<&'a str>,
    pub city: Option<&'a str>,
    pub area: Option<&'a str>,
    pub language: Option<&'a str>,
    pub usual_doctor: Option<StaffId>,
    pub consent: &'a Consent,
}

/// A patient's condition tags: as listed on the record, or (kept for many patients at once) as
/// bits over a table of tags held once.
#[derive(Debug, Clone, Copy)]
pub enum Conditions<'a> {
    Listed(&'a [String]),
    /// Bit `i` set: the patient carries `table[i]`; `more` holds tags past the table's 64.
    Bits {
        bits: u64,
        table: &'a [String],
        more: &'a [String],
    },
}

impl Conditions<'_> {
    /// Does the patient carry `tag` (compared as recall rules compare tags)?
    pub fn has(&self, tag: &str) -> bool {
        match *self {
            Self::Listed(list) => crate::outreach::has_tag(list, tag),
            Self::Bits { bits, table, more } => {
                let mut rest = bits;
                while rest != 0 {
                    let i = rest.trailing_zeros() as usize;
                    if table.get(i).is_some_and(|t| crate::outreach::same_text(t, tag)) {
                        return true;
                    }
                    rest &= rest - 1;
                }
                crate::outreach::has_tag(more, tag)
            }
        }
    }
}

impl<'a> From<&'a Patient> for PatientFacts<'a> {
    fn from(p: &'a Patient) -> Self {
        Self {
            conditions: Conditions::Listed(&p.conditions),
            birth_date: p.birth_date,
            birth_year: p.birth_year,
            sex: p.sex.as_deref(),
            city: p.city.as_deref(),
            area: p.area.as_deref(),
            language: p.language.as_deref(),
            usual_doctor: p.usual_doctor,
            consent: &p.consent,
        }
    }
}

impl SegmentFilter {
    /// Is `p` (a living patient whose last done visit was `last_visit`) in the segment on
    /// `today`?
    pub fn matches(&self, p: &Patient, last_visit: Option<NaiveDate>, today: NaiveDate) -> bool {
        self.matches_facts(&PatientFacts::from(p), last_visit, today)
    }

    pub fn matches_facts(&self, p: &PatientFacts<'_>, last_visit: Option<NaiveDate>, today: NaiveDate) -> bool {
        let age = age_from(p.birth_date, p.birth_year, today);
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
        self.tags.iter().all(|t| p.conditions.has(t))
            && age_ok
            && visit_ok
            && consent_ok
            && same_words(&self.sex, p.sex)
            && same_words(&self.city, p.city)
            && same_words(&self.area, p.area)
            && same_words(&self.language, p.language)
            && self.usual_doctor.is_none_or(|d| p.usual_doctor == Some(d))
    }

    /// Does it look at the last visit (which takes reading every patient's visits)?
    pub fn needs_visits(&self) -> bool {
        self.last_visit_before.is_some() || self.last_visit_after.is_some()
    }
}

/// How many patients a segment holds, with a few of them to recognise it by (shown on the desk
/// only; never logged).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentSize {
    pub count: usize,
    pub sample: Vec<PatientHit>,
}

#[cfg(test)]
mod conditions_tests {
    use super::Conditions;

    #[test]
    fn tags_held_as_bits_answer_as_the_listed_ones_do() {
        let table: Vec<String> = ["diabetes", "asthma", "thyroid"].map(String::from).to_vec();
        let more = vec!["Rare One".to_owned()];
        let listed = vec!["Asthma".to_owned(), "rare one".to_owned()];
        let bits = Conditions::Bits { bits: 0b010, table: &table, more: &more };
        for tag in ["asthma", " ASTHMA ", "rare one", "diabetes", "thyroid", "gout"] {
            assert_eq!(bits.has(tag), Conditions::Listed(&listed).has(tag), "{tag}");
        }
        assert!(!Conditions::Bits { bits: 0, table: &table, more: &[] }.has("diabetes"));
    }
}
