//! Head office's patient search across the chain (`rapport sync find`, the desk's "search other
//! clinics"): every word of a patient's names, record number and phone numbers is a row of
//! `patient_word`, compared byte by byte, so a word typed in part is one index range
//! (`word >= 'ram' AND word < 'ram\u{10FFFF}'`) on either backend, whatever the locale.

use std::collections::{BTreeMap, BTreeSet};

use rapport_model::sync::{Entity, RemotePatient};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::OfficeResult;
use super::state::load_states;
use crate::db::{Db, DbResult, Val, insert_rows, query_in, rows};

/// Answers at most this many patients.
const LIMIT: usize = 20;
/// Words of a query looked at (the rest are ignored).
const QUERY_WORDS: usize = 6;

/// The words a patient is found by: given, family and preferred names, record number (lower
/// case), and each phone's digits (and its last ten, the number without a country code).
pub(super) fn patient_words(fields: &Map<String, Value>) -> BTreeSet<String> {
    let text = |f: &str| fields.get(f).and_then(Value::as_str).unwrap_or_default().to_lowercase();
    let mut words: BTreeSet<String> = ["given", "family", "preferred", "record_no"]
        .iter()
        .flat_map(|f| text(f).split_whitespace().map(str::to_owned).collect::<Vec<_>>())
        .collect();
    let phones: Vec<String> = match fields.get("phones") {
        Some(Value::String(json)) => serde_json::from_str(json).unwrap_or_default(),
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
        _ => Vec::new(),
    };
    for phone in phones {
        let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
        if digits.len() > 10 {
            words.insert(digits[digits.len() - 10..].to_owned());
        }
        if !digits.is_empty() {
            words.insert(digits);
        }
    }
    words
}

/// Patients anywhere in the organisation with a word starting with each word of `query` (a
/// phone number typed in groups, "98765 43210", is one word).
pub fn search(db: &mut dyn Db, query: &str) -> OfficeResult<Vec<RemotePatient>> {
    let phone = query.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c));
    let mut words: Vec<String> = if phone {
        let digits: String = query.chars().filter(char::is_ascii_digit).collect();
        (!digits.is_empty()).then_some(digits).into_iter().collect()
    } else {
        query.split_whitespace().map(str::to_lowercase).take(QUERY_WORDS).collect()
    };
    if words.is_empty() {
        return Ok(Vec::new());
    }
    // The longest word first: its range is likely the narrowest, the others are checked per patient.
    words.sort_by_key(|w| std::cmp::Reverse(w.chars().count()));
    let mut params: Vec<Val> = Vec::new();
    let mut range = |alias: &str| {
        let at = params.len();
        let word = &words[at / 2];
        params.push(Val::Text(word.clone()));
        params.push(Val::Text(format!("{word}\u{10FFFF}")));
        format!("{alias}.word >= ${} AND {alias}.word < ${}", at + 1, at + 2)
    };
    let first = range("w");
    let others: Vec<String> = (1..words.len())
        .map(|_| {
            let r = range("o");
            format!("AND EXISTS (SELECT 1 FROM patient_word o WHERE o.patient_id = w.patient_id AND {r})")
        })
        .collect();
    // No DISTINCT (it would read the whole range before answering): a patient with two words in
    // the range comes twice, so twice the rows are read and repeats dropped here (a patient with
    // three such words can leave a page short of LIMIT).
    let sql = format!("SELECT w.patient_id FROM patient_word w WHERE {first} {} LIMIT {}", others.join(" "), 2 * LIMIT);
    let mut seen = BTreeSet::new();
    let mut ids: Vec<Val> = Vec::new();
    for mut row in rows(db.query(&sql, &params)?, "search entry") {
        let id = row.text()?;
        if ids.len() < LIMIT && seen.insert(id.clone()) {
            ids.push(Val::Text(id));
        }
    }
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut clinics: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let held = query_in(
        db,
        "SELECT pc.patient_id, c.name FROM patient_clinic pc JOIN clinic c ON c.id = pc.clinic_id
         WHERE pc.patient_id IN ({keys})",
        &[],
        &ids,
    )?;
    for mut row in rows(held, "clinic") {
        let (patient, clinic) = (row.text()?, row.text()?);
        clinics.entry(patient).or_default().push(clinic);
    }
    let mut out = Vec::new();
    for (record, state) in load_states(db, Entity::Patient, &ids)? {
        let Ok(id) = record.parse::<Uuid>() else { continue };
        let text = |f: &str| state.text(f).map(str::to_owned);
        let mut at = clinics.remove(&record).unwrap_or_default();
        at.sort();
        at.dedup();
        out.push(RemotePatient {
            id,
            record_no: text("record_no").unwrap_or_default(),
            given: text("given").unwrap_or_default(),
            family: text("family").unwrap_or_default(),
            birth_date: text("birth_date"),
            clinics: at,
        });
    }
    out.sort_by(|a, b| (&a.family, &a.given, a.id).cmp(&(&b.family, &b.given, b.id)));
    Ok(out)
}

/// Migration 3: the words of `patient_search` (one space-separated string per patient) become
/// rows of `patient_word`, and the old table goes.
pub(crate) fn words_from_patient_search(db: &mut dyn Db) -> DbResult<()> {
    let found = db.query("SELECT patient_id, words FROM patient_search", &[])?;
    let mut words = Vec::new();
    for mut row in rows(found, "search entry") {
        let (patient, text) = (row.text()?, row.text()?);
        let distinct: BTreeSet<&str> = text.split_whitespace().collect();
        words.extend(distinct.into_iter().map(|w| vec![Val::from(w), Val::from(patient.as_str())]));
    }
    insert_rows(db, "INSERT INTO patient_word (word, patient_id)", 2, "", &words)?;
    db.exec("DROP TABLE patient_search", &[])?;
    Ok(())
}
