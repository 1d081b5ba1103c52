//! Type-ahead patient search.
//!
//! Each patient has one row in the contentless FTS5 table `patient_search`: their names (folded
//! for case and diacritics by the `unicode61` tokenizer) and their numbers (record number and
//! the digit forms of each phone). The row's id is the patient's `search_seq`, which is
//! *lowered* below every other whenever the clinic deals with the patient, so FTS5's natural
//! ascending rowid order yields the most recently seen matches first and `LIMIT n` stops after
//! `n`. (Ascending, because FTS5 reads a doclist backwards only by loading all of it first.)
//! Prefix indexes for one to six characters keep each keystroke from merging many terms.
//!
//! A query runs in up to three passes, each adding only patients not found before: every word
//! exact, then the last word as a prefix, then every word as a prefix. So "li" lists Li before
//! Lisa, and "john gar" lists John Garcia before Johnny Garcia.

use rapport_model::{Patient, PatientId, phone};
use rusqlite::{Connection, params};

use crate::{Result, from_ms};

pub use rapport_model::view::PatientHit;

/// Apostrophes inside names, which a receptionist may or may not type.
const APOSTROPHES: &[char] = &['\'', '’', '`'];

/// One pass of a search: the FTS5 match, most recent first, joined to what a hit shows.
#[doc(hidden)]
pub const HITS_SQL: &str =
    "SELECT p.id, p.record_no, p.given, p.family, p.preferred, p.birth_date, p.phones, p.last_seen_at, p.merged_into
         FROM (SELECT rowid AS seq FROM patient_search WHERE patient_search MATCH ?1 ORDER BY rowid LIMIT ?2) s
         JOIN patient p INDEXED BY patient_search_hit ON p.search_seq = s.seq
         ORDER BY s.seq";

/// The most words of a query that are used.
const MAX_WORDS: usize = 8;

/// Finds patients matching `query` (names in any order, by word prefix; phone digits in any
/// formatting; record numbers), best first, at most `limit`.
pub fn search(conn: &Connection, query: &str, limit: usize) -> Result<Vec<PatientHit>> {
    run_passes(conn, passes(query), limit)
}

/// Patients whose words match every word of `query` exactly (case and diacritics aside), or
/// whose phone is the number in `query` in any of its forms: the duplicate check.
pub fn search_exact(conn: &Connection, query: &str, limit: usize) -> Result<Vec<PatientHit>> {
    run_passes(conn, passes(query).into_iter().take(1).collect(), limit)
}

fn run_passes(conn: &Connection, passes: Vec<String>, limit: usize) -> Result<Vec<PatientHit>> {
    let mut hits: Vec<PatientHit> = Vec::new();
    if limit == 0 {
        return Ok(hits);
    }
    let mut stmt = conn.prepare_cached(HITS_SQL)?;
    for pass in passes {
        // `limit` rows suffice: at most `hits.len()` of them were found by an earlier pass.
        let rows = stmt.query_map(params![pass, i64::try_from(limit).unwrap_or(i64::MAX)], |row| {
            let id: Vec<u8> = row.get(0)?;
            let phones: String = row.get(6)?;
            let birth: Option<String> = row.get(5)?;
            let merged_into = crate::records::opt_blob16(row, 8)?.map(PatientId::from_bytes);
            let hit = PatientHit {
                id: PatientId::from_bytes(id.try_into().unwrap_or([0; 16])),
                record_no: row.get(1)?,
                given: row.get(2)?,
                family: row.get(3)?,
                preferred: row.get(4)?,
                birth_date: birth.and_then(|b| b.parse().ok()),
                phone: serde_json::from_str::<Vec<String>>(&phones).ok().and_then(|p| p.into_iter().next()),
                last_seen_at: row.get::<_, Option<i64>>(7)?.map(from_ms),
            };
            Ok((hit, merged_into))
        })?;
        for row in rows {
            // A merged-away record is found under its old name and number, and shows the
            // patient it was merged into.
            let hit = match row? {
                (hit, None) => hit,
                (_, Some(kept)) => {
                    let kept = crate::records::canonical(conn, kept)?;
                    match crate::records::get_patient(conn, kept)? {
                        Some(p) => PatientHit::from(&p),
                        None => continue,
                    }
                }
            };
            if hits.len() < limit && !hits.iter().any(|h| h.id == hit.id) {
                hits.push(hit);
            }
        }
        if hits.len() >= limit {
            break;
        }
    }
    Ok(hits)
}

/// The FTS5 queries for each pass, most exact first, without repeats.
fn passes(query: &str) -> Vec<String> {
    let words: Vec<String> = if phone::looks_like_phone(query) {
        let digits = phone::digits(query);
        let digits = digits.trim_start_matches('0');
        if digits.is_empty() { Vec::new() } else { vec![digits.to_owned()] }
    } else {
        query
            .split_whitespace()
            .filter(|w| w.chars().any(char::is_alphanumeric))
            .take(MAX_WORDS)
            .map(|w| w.replace(['"'].as_slice(), "").replace(APOSTROPHES, ""))
            .filter(|w| !w.is_empty())
            .collect()
    };
    if words.is_empty() {
        return Vec::new();
    }
    // A word without digits is a name: it must not match record numbers (a site code starting
    // with "a" would otherwise make "a" match every patient) nor phone numbers.
    let phrase = |w: &str, prefix: bool| {
        let column = if w.chars().any(|c| c.is_ascii_digit()) { "" } else { "names : " };
        format!("{column}\"{w}\"{}", if prefix { "*" } else { "" })
    };
    let last = words.len() - 1;
    let build = |prefix_from: usize| {
        words.iter().enumerate().map(|(i, w)| phrase(w, i >= prefix_from)).collect::<Vec<_>>().join(" ")
    };
    let mut out = vec![build(usize::MAX), build(last), build(0)];
    out.dedup();
    out
}

/// How a receptionist without the key for it types a letter that has no accent to strip.
fn latin_spelling(c: char) -> Option<&'static str> {
    Some(match c {
        'ø' | 'Ø' => "o",
        'æ' | 'Æ' => "ae",
        'œ' | 'Œ' => "oe",
        'ß' => "ss",
        'ł' | 'Ł' => "l",
        'đ' | 'Đ' | 'ð' | 'Ð' => "d",
        'þ' | 'Þ' => "th",
        'ı' => "i",
        _ => return None,
    })
}

/// The text under which a patient is found.
fn documents(p: &Patient) -> (String, String) {
    let mut names: Vec<String> = Vec::new();
    for name in [Some(p.given.as_str()), Some(p.family.as_str()), p.preferred.as_deref()].into_iter().flatten() {
        names.push(name.to_owned());
        // "O'Brien" is found as "o brien" (the tokenizer splits it) and also as "obrien".
        for word in name.split_whitespace().filter(|w| w.contains(APOSTROPHES)) {
            names.push(word.replace(APOSTROPHES, ""));
        }
        // Letters that are not a base letter plus an accent, which the tokenizer leaves alone.
        if name.chars().any(|c| latin_spelling(c).is_some()) {
            names.push(name.chars().fold(String::new(), |mut s, c| {
                match latin_spelling(c) {
                    Some(l) => s.push_str(l),
                    None => s.push(c),
                }
                s
            }));
        }
    }
    let names = names.join(" ");
    let mut numbers = vec![p.record_no.clone()];
    for ph in &p.phones {
        numbers.extend(phone::search_forms(ph));
    }
    (names, numbers.join(" "))
}

/// The `search_seq` that puts a patient ahead of everyone else (smaller is more recent).
fn next_seq(conn: &Connection) -> Result<i64> {
    Ok(conn.prepare_cached("SELECT coalesce(min(search_seq), 1) - 1 FROM patient")?.query_row([], |r| r.get(0))?)
}

/// Writes (or rewrites) the patient's search entry. New patients go to the top of the recency
/// order; an edit keeps their place.
pub fn index_patient(conn: &Connection, p: &Patient) -> Result<()> {
    index_patients(conn, std::slice::from_ref(p))
}

/// [`index_patient`] for many patients (the later ones on top), with every full-text write
/// last and in rising rowid order: the full-text index writes out what it holds (a new
/// segment, merged later) whenever another table is written between two of its writes or a
/// rowid comes lower than the one before.
pub fn index_patients(conn: &Connection, patients: &[Patient]) -> Result<()> {
    let mut entries = Vec::with_capacity(patients.len());
    for p in patients {
        let id = p.id.as_bytes().as_slice();
        let current: Option<i64> =
            conn.prepare_cached("SELECT search_seq FROM patient WHERE id = ?1")?.query_row([id], |r| r.get(0))?;
        let seq = match current {
            Some(seq) => seq,
            None => {
                let seq = next_seq(conn)?;
                conn.prepare_cached("UPDATE patient SET search_seq = ?2 WHERE id = ?1")?.execute(params![id, seq])?;
                seq
            }
        };
        entries.push((seq, current.is_some(), documents(p)));
    }
    entries.sort_unstable_by_key(|(seq, _, _)| *seq);
    for (seq, indexed, (names, numbers)) in entries {
        if indexed {
            conn.prepare_cached("DELETE FROM patient_search WHERE rowid = ?1")?.execute([seq])?;
        }
        conn.prepare_cached("INSERT INTO patient_search (rowid, names, numbers) VALUES (?1, ?2, ?3)")?
            .execute(params![seq, names, numbers])?;
    }
    Ok(())
}

/// Removes the patient from search.
pub fn unindex_patient(conn: &Connection, id: PatientId) -> Result<()> {
    let seq: Option<i64> =
        conn.query_row("SELECT search_seq FROM patient WHERE id = ?1", [id.as_bytes().as_slice()], |r| r.get(0))?;
    if let Some(seq) = seq {
        conn.execute("DELETE FROM patient_search WHERE rowid = ?1", [seq])?;
    }
    Ok(())
}

/// Moves the patient to the top of the recency order.
pub fn bump(conn: &Connection, id: PatientId) -> Result<()> {
    let Some(p) = crate::records::get_patient(conn, id)? else {
        return Err(crate::StoreError::NotFound("patient"));
    };
    let old: Option<i64> =
        conn.query_row("SELECT search_seq FROM patient WHERE id = ?1", [id.as_bytes().as_slice()], |r| r.get(0))?;
    let next = next_seq(conn)?;
    if old == Some(next + 1) {
        return Ok(()); // already the most recent
    }
    if let Some(old) = old {
        conn.execute("DELETE FROM patient_search WHERE rowid = ?1", [old])?;
    }
    conn.execute("UPDATE patient SET search_seq = ?2 WHERE id = ?1", params![id.as_bytes().as_slice(), next])?;
    let (names, numbers) = documents(&p);
    conn.execute(
        "INSERT INTO patient_search (rowid, names, numbers) VALUES (?1, ?2, ?3)",
        params![next, names, numbers],
    )?;
    Ok(())
}

/// Rebuilds the whole index from the patient table, the most recently seen getting the
/// smallest seq.
pub fn rebuild(conn: &Connection) -> Result<()> {
    conn.execute("DELETE FROM patient_search", [])?;
    conn.execute("UPDATE patient SET search_seq = NULL", [])?;
    let ids: Vec<Vec<u8>> = conn
        .prepare("SELECT id FROM patient WHERE deleted_at IS NULL ORDER BY coalesce(last_seen_at, created_at), id")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for chunk in ids.chunks(1000) {
        let mut patients = Vec::with_capacity(chunk.len());
        for id in chunk {
            let id = <[u8; 16]>::try_from(id.as_slice()).map_err(|_| crate::StoreError::Decode("patient id"))?;
            patients.extend(crate::records::get_patient(conn, PatientId::from_bytes(id))?);
        }
        index_patients(conn, &patients)?;
    }
    Ok(())
}

/// Does the segment merging a bulk write left pending (which later small writes would otherwise
/// pay for, a little at each), up to about `max_pages` pages written. Unlike [`optimize`] it
/// touches only the segments due for merging, not the whole index (at 100k patients `optimize`
/// takes about a second, and grows with the index). Returns how many rounds it ran.
pub fn settle(conn: &Connection, max_pages: usize) -> Result<usize> {
    const ROUND: usize = 256;
    let mut rounds = 0;
    while rounds * ROUND < max_pages {
        let before = conn.total_changes();
        conn.prepare_cached("INSERT INTO patient_search (patient_search, rank) VALUES ('merge', ?1)")?
            .execute([ROUND as i64])?;
        rounds += 1;
        // A round with nothing left to merge writes (almost) nothing.
        if conn.total_changes() - before < 2 {
            break;
        }
    }
    Ok(rounds)
}

/// Merges the index's segments; worth it after a bulk import.
pub fn optimize(conn: &Connection) -> Result<()> {
    conn.execute("INSERT INTO patient_search (patient_search) VALUES ('optimize')", [])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passes_go_from_exact_to_prefix() {
        assert_eq!(
            passes("john gar"),
            vec![
                "names : \"john\" names : \"gar\"",
                "names : \"john\" names : \"gar\"*",
                "names : \"john\"* names : \"gar\"*"
            ]
        );
        assert_eq!(passes("li"), vec!["names : \"li\"", "names : \"li\"*"]);
        assert_eq!(passes("KX4P-10"), vec!["\"KX4P-10\"", "\"KX4P-10\"*"], "record numbers search every column");
    }

    #[test]
    fn phone_queries_become_one_digit_string() {
        assert_eq!(passes("098450 12"), vec!["\"9845012\"", "\"9845012\"*"]);
    }

    #[test]
    fn quotes_and_lone_punctuation_cannot_break_the_query() {
        assert_eq!(passes("\"o'neil\" -"), vec!["names : \"oneil\"", "names : \"oneil\"*"]);
        assert!(passes("  - ").is_empty());
    }
}
