//! Search checked against a plain reference: for random patients and random keystrokes, every
//! hit matches every word by prefix, nothing is listed twice, the limit holds, and when the
//! matches fit within the limit, every one of them is found.

use std::collections::BTreeSet;

use chrono::DateTime;
use proptest::prelude::*;
use rapport_model::{NewPatient, PatientId};
use rapport_store::{DataKey, LATEST_VERSION, Store, records, search};

/// Short words over a tiny alphabet, so that prefixes collide often.
/// When the synthetic patients were registered (a time head office would accept).
fn registered_at() -> DateTime<chrono::Utc> {
    DateTime::from_timestamp_millis(1_795_000_000_000).expect("a time")
}

fn word() -> impl Strategy<Value = String> {
    "[abc]{1,4}"
}

fn name_words(given: &str, family: &str, preferred: &Option<String>) -> Vec<String> {
    [Some(given), Some(family), preferred.as_deref()]
        .into_iter()
        .flatten()
        .flat_map(str::split_whitespace)
        .map(str::to_lowercase)
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn search_finds_exactly_the_patients_whose_words_start_with_every_query_word(
        people in prop::collection::vec((word(), word(), prop::option::of(word())), 1..40),
        queries in prop::collection::vec(prop::collection::vec(word(), 1..3), 1..12),
        limit in 1usize..8,
    ) {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut store = Store::create_at_version(&dir.path().join("db"), &DataKey::random().expect("key"), LATEST_VERSION).expect("store");
        let mut ids = Vec::new();
        store.write(|tx| -> rapport_store::Result<()> {
            for (i, (given, family, preferred)) in people.iter().enumerate() {
                let new = NewPatient { given: given.clone(), family: family.clone(), preferred: preferred.clone(), ..NewPatient::default() };
                let id = PatientId::from_parts(i as u64, [i as u8; 10]);
                let patient = new.into_patient(id, format!("T2-{i}"), registered_at());
                records::insert_patient(tx, &patient)?;
                ids.push((id, name_words(given, family, preferred)));
            }
            Ok(())
        }).expect("insert");

        for words in &queries {
            let query = words.join(" ");
            let hits = search::search(store.conn(), &query, limit).expect("search");
            let found: BTreeSet<PatientId> = hits.iter().map(|h| h.id).collect();
            prop_assert_eq!(found.len(), hits.len(), "no patient twice for {:?}", query);
            prop_assert!(hits.len() <= limit);
            let expected: BTreeSet<PatientId> = ids
                .iter()
                .filter(|(_, names)| words.iter().all(|w| names.iter().any(|n| n.starts_with(w.as_str()))))
                .map(|(id, _)| *id)
                .collect();
            prop_assert!(found.is_subset(&expected), "every hit matches {:?}", query);
            if expected.len() <= limit {
                prop_assert_eq!(&found, &expected, "all matches found for {:?}", query);
            } else {
                prop_assert_eq!(found.len(), limit, "a full page for {:?}", query);
            }
        }
    }
}

/// A word of letters only, different for every `i`.
fn letters(mut i: usize) -> String {
    let mut out = String::from("q");
    loop {
        out.push(char::from(b'a' + (i % 26) as u8));
        i /= 26;
        if i == 0 {
            return out;
        }
    }
}

/// Patients written in many transactions (as pulled pages leave the index: many segments) are
/// all still found after `settle` merges what is due, and a second `settle` has nothing to do.
#[test]
fn settling_the_index_loses_no_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::create_at_version(&dir.path().join("db"), &DataKey::random().expect("key"), LATEST_VERSION)
        .expect("store");
    // No automatic merging while writing, so the segments pile up as a bulk catch-up leaves them.
    store
        .write(|tx| -> rapport_store::Result<()> {
            tx.execute("INSERT INTO patient_search (patient_search, rank) VALUES ('automerge', 0)", [])?;
            Ok(())
        })
        .expect("automerge off");
    let mut n = 0usize;
    for _batch in 0..20 {
        store
            .write(|tx| -> rapport_store::Result<()> {
                let mut batch = Vec::new();
                for _ in 0..40 {
                    let new = NewPatient { given: "Settle".into(), family: letters(n), ..NewPatient::default() };
                    let id = PatientId::from_parts(n as u64, [7; 10]);
                    batch.push(new.into_patient(id, format!("T3-{n}"), registered_at()));
                    n += 1;
                }
                for p in &batch {
                    records::insert_patient(tx, p)?;
                }
                search::index_patients(tx, &batch)
            })
            .expect("insert");
    }
    let rounds = store.write(|tx| search::settle(tx, 10_000)).expect("settle");
    assert!(rounds > 1, "there was merging to do ({rounds} round)");
    for i in 0..n {
        let hits = search::search_exact(store.conn(), &format!("settle {}", letters(i)), 5).expect("search");
        assert_eq!(hits.len(), 1, "patient {i} is found, once");
        assert_eq!(hits[0].family, letters(i));
    }
    assert_eq!(store.write(|tx| search::settle(tx, 10_000)).expect("settle"), 1, "nothing left to merge");
}
