//! Patients who may be one person: the scored check while a receptionist registers someone
//! (and on each imported row), the review queue of every look-alike pair the desk holds, and
//! the merge staff decide on (and its undoing). The score is the model's
//! ([`rapport_model::duplicates`]), and so is the merge ([`rapport_model::merge`]); nothing is
//! merged on a score.
//!
//! A merge is a replicated record: the kept patient's changed fields go as an ordinary edit, the
//! `patient_merge` record says which record is now a tombstone of which, and every desk derives
//! the rest from it (what belongs to the merged-away record reads as the kept patient's), so a
//! desk that added to the merged-away record while apart converges with nothing lost.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rapport_model::duplicates::{self, Band, Person};
use rapport_model::merge::{self, PatientMerge, Side};
use rapport_model::view::{DuplicateMatch, DuplicatePair, MergePreview, PatientHit};
use rapport_model::{Operation, Patient, PatientId};
use rapport_store::{records, search};

use crate::services::log;
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
            let Some(held) = records::match_person(conn, hit.id)? else { continue };
            if let Some(likeness) = duplicates::likeness(&typed, &held) {
                found.push(DuplicateMatch { patient: hit, likeness });
            }
        }
        found.sort_by_key(|m| std::cmp::Reverse(m.likeness.score));
        Ok(found)
    }

    /// The review queue: every pair of held patients scoring at least `band`, best first.
    pub fn duplicate_pairs(&self, s: &Session, band: Band) -> Result<Vec<DuplicatePair>> {
        s.require(Operation::DeletePatient)?;
        let conn = self.store.conn();
        let (ids, people): (Vec<PatientId>, Vec<Person>) = records::match_people(conn)?.into_iter().unzip();
        // A patient in many pairs (a common name) is read once.
        let mut hits: std::collections::HashMap<usize, PatientHit> = std::collections::HashMap::new();
        let mut hit = |i: usize| -> Result<PatientHit> {
            if let Some(h) = hits.get(&i) {
                return Ok(h.clone());
            }
            let p = records::get_patient(conn, ids[i])?.ok_or_else(|| Error::not_found("patient"))?;
            Ok(hits.entry(i).or_insert_with(|| PatientHit::from(&p)).clone())
        };
        duplicates::scan(&people, band)
            .into_iter()
            .map(|(a, b, likeness)| Ok(DuplicatePair { a: hit(a)?, b: hit(b)?, likeness }))
            .collect()
    }

    /// The two records side by side, with the fields where they differ and the value each
    /// would take (managers: the ones who merge).
    pub fn merge_preview(&self, s: &Session, keep: PatientId, other: PatientId) -> Result<MergePreview> {
        s.require(Operation::DeletePatient)?;
        let (keep, other) = merge_pair(self.store.conn(), keep, other)?;
        let differences = merge::differences(&keep, &other);
        Ok(MergePreview { keep, other, differences })
    }

    /// Merges `other` into `keep`: the kept record takes the chosen values (default: the newer
    /// record's, never an empty one) and both records' lists; `other` becomes a tombstone whose
    /// appointments, pointers, messages and calls read as `keep`'s. Audited for both patients.
    pub fn merge_patients(
        &mut self,
        s: &Session,
        keep: PatientId,
        other: PatientId,
        choices: &BTreeMap<String, Side>,
    ) -> Result<PatientMerge> {
        s.require(Operation::DeletePatient)?;
        let now = self.clock.now();
        let (ms, rnd) = self.id_parts()?;
        self.store.write(|tx| -> Result<PatientMerge> {
            let (kept, gone) = merge_pair(tx, keep, other)?;
            let (mut merged, changes) = merge::merge(&kept, &gone, choices).map_err(Error::invalid)?;
            if !changes.is_empty() {
                merged.updated_at = now;
                records::update_patient(tx, &merged)?;
            }
            let m = PatientMerge {
                id: uuid::Builder::from_unix_timestamp_millis(ms, &rnd).into_uuid(),
                other,
                keep,
                changes,
                by: s.staff().id,
                at: now,
                undone_at: None,
                undone_by: None,
            };
            records::insert_merge(tx, &m)?;
            let subject = m.id.to_string();
            log(tx, now, s, "patient.merge", Some(keep), Some(&subject))?;
            log(tx, now, s, "patient.merged_away", Some(other), Some(&subject))?;
            Ok(m)
        })
    }

    /// Undoes a merge: the merged-away record is live again with what belongs to it, and each
    /// field of the kept record that still holds what the merge wrote gets its old value back.
    pub fn unmerge_patients(&mut self, s: &Session, merge_id: uuid::Uuid) -> Result<PatientMerge> {
        s.require(Operation::DeletePatient)?;
        let now = self.clock.now();
        self.store.write(|tx| -> Result<PatientMerge> {
            let mut m = records::get_merge(tx, merge_id)?.ok_or_else(|| Error::not_found("merge"))?;
            if m.undone_at.is_some() {
                return Err(Error::conflict("that merge was undone already"));
            }
            if let Some(kept) = records::get_patient(tx, m.keep)? {
                let (mut restored, fields) = merge::unmerge(&kept, &m.changes);
                if !fields.is_empty() {
                    restored.updated_at = now;
                    records::update_patient(tx, &restored)?;
                }
            }
            records::undo_merge(tx, merge_id, now, s.staff().id)?;
            (m.undone_at, m.undone_by) = (Some(now), Some(s.staff().id));
            let subject = m.id.to_string();
            log(tx, now, s, "patient.unmerge", Some(m.keep), Some(&subject))?;
            log(tx, now, s, "patient.unmerge", Some(m.other), Some(&subject))?;
            Ok(m)
        })
    }
}

/// Both records, live and neither merged away: a merge goes into the record that stands.
fn merge_pair(
    conn: &rapport_store::rusqlite::Connection,
    keep: PatientId,
    other: PatientId,
) -> Result<(Patient, Patient)> {
    if keep == other {
        return Err(Error::invalid("a record cannot be merged into itself"));
    }
    let mut pair = Vec::with_capacity(2);
    for id in [keep, other] {
        let p = records::get_patient(conn, id)?.ok_or_else(|| Error::not_found("patient"))?;
        if records::canonical(conn, id)? != id {
            return Err(Error::conflict(
                "one of the records was merged into another already; merge with the record it now is",
            ));
        }
        pair.push(p);
    }
    let other = pair.pop().ok_or_else(|| Error::not_found("patient"))?;
    let keep = pair.pop().ok_or_else(|| Error::not_found("patient"))?;
    Ok((keep, other))
}
