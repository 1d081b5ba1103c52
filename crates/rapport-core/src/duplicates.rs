//! Patients who may be one person: the scored check while a receptionist registers someone
//! (and on each imported row), and the review queue of every look-alike pair the desk holds.
//! The score is the model's ([`rapport_model::duplicates`]); nothing is merged on a score.

use chrono::NaiveDate;
use rapport_model::duplicates::{self, Band, Person};
use rapport_model::view::{DuplicateMatch, DuplicatePair, PatientHit};
use rapport_model::{Operation, PatientId};
use rapport_store::{records, search};

use crate::{Error, Rapport, Result, Session};

/// At most this many patients found by name, and by each form of each phone, are scored.
const CANDIDATES: usize = 50;

impl Rapport {
    /// Held patients who look like the one being registered, best first: those found by the
    /// whole name or by a phone number in any formatting, scored against what was typed.
    pub fn possible_duplicates(
        &self,
        s: &Session,
        given: &str,
        family: &str,
        birth_date: Option<NaiveDate>,
        phones: &[String],
    ) -> Result<Vec<DuplicateMatch>> {
        s.require(Operation::RegisterPatient)?;
        let conn = self.store.conn();
        let mut hits = Vec::new();
        if !given.trim().is_empty() || !family.trim().is_empty() {
            hits.extend(search::search_exact(conn, &format!("{given} {family}"), CANDIDATES)?);
        }
        // Each form of the number (with and without country code or trunk 0) is looked up, so
        // "+91 98450 12345" finds a patient whose phone was stored as "098450 12345".
        for phone in phones {
            for form in rapport_model::phone::search_forms(phone).into_iter().filter(|f| f.len() >= 7) {
                hits.extend(search::search_exact(conn, &form, CANDIDATES)?);
            }
        }
        let typed = Person::new(given, family, birth_date, phones, None, None);
        let mut found: Vec<DuplicateMatch> = Vec::new();
        for hit in hits {
            if found.iter().any(|m| m.patient.id == hit.id) {
                continue;
            }
            let Some(held) = records::get_patient(conn, hit.id)? else { continue };
            if let Some(likeness) = duplicates::likeness(&typed, &Person::of(&held)) {
                found.push(DuplicateMatch { patient: hit, likeness });
            }
        }
        found.sort_by(|a, b| b.likeness.score.cmp(&a.likeness.score));
        Ok(found)
    }

    /// The review queue: every pair of held patients scoring at least `band`, best first.
    pub fn duplicate_pairs(&self, s: &Session, band: Band) -> Result<Vec<DuplicatePair>> {
        s.require(Operation::DeletePatient)?;
        let conn = self.store.conn();
        let (ids, people): (Vec<PatientId>, Vec<Person>) = records::match_people(conn)?.into_iter().unzip();
        let hit = |i: usize| -> Result<PatientHit> {
            let p = records::get_patient(conn, ids[i])?.ok_or_else(|| Error::not_found("patient"))?;
            Ok(PatientHit::from(&p))
        };
        duplicates::scan(&people, band)
            .into_iter()
            .map(|(a, b, likeness)| Ok(DuplicatePair { a: hit(a)?, b: hit(b)?, likeness }))
            .collect()
    }
}
