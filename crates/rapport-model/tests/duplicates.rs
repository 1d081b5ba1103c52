//! Duplicate scoring on labelled pairs (tests/fixtures/duplicates/labelled_pairs.csv): pairs
//! that are one person typed twice in the ways clinics do it, and pairs of different people
//! that look alike (twins, a parent and child sharing a phone, common names).

use rapport_model::duplicates::{Band, Person, likeness};

const PAIRS: &str = include_str!("../../../tests/fixtures/duplicates/labelled_pairs.csv");

struct Labelled {
    line: usize,
    same: bool,
    note: String,
    band: Option<Band>,
}

fn person(row: &csv::StringRecord, at: usize) -> Person {
    let opt = |i: usize| Some(&row[at + i]).filter(|s| !s.is_empty());
    let phones: Vec<String> = opt(3).map(str::to_owned).into_iter().collect();
    Person::new(&row[at], &row[at + 1], opt(2).map(|d| d.parse().expect("a date")), &phones, opt(4), opt(5))
}

fn labelled() -> Vec<Labelled> {
    let mut reader = csv::Reader::from_reader(PAIRS.as_bytes());
    reader
        .records()
        .enumerate()
        .map(|(i, row)| {
            let row = row.expect("a row");
            let band = likeness(&person(&row, 1), &person(&row, 7)).map(|l| l.band);
            Labelled { line: i + 2, same: &row[0] == "yes", note: row[13].to_owned(), band }
        })
        .collect()
}

#[test]
fn the_certain_band_holds_no_pair_of_different_people() {
    let pairs = labelled();
    let wrong: Vec<String> = pairs
        .iter()
        .filter(|p| !p.same && p.band == Some(Band::Certain))
        .map(|p| format!("line {}: {}", p.line, p.note))
        .collect();
    assert!(wrong.is_empty(), "different people scored certain: {wrong:#?}");
    let certain = pairs.iter().filter(|p| p.band == Some(Band::Certain)).count();
    assert!(certain >= 10, "the certain band is useful, not empty: {certain} pairs");
}

#[test]
fn nearly_every_pair_of_one_person_is_offered_for_review() {
    let pairs = labelled();
    let missed: Vec<String> =
        pairs.iter().filter(|p| p.same && p.band.is_none()).map(|p| format!("line {}: {}", p.line, p.note)).collect();
    let same = pairs.iter().filter(|p| p.same).count();
    assert!(same >= 20);
    assert!(missed.len() * 10 <= same, "one person missed more than one time in ten: {missed:#?}");
}

#[test]
fn people_who_merely_share_a_phone_or_a_surname_are_not_probable() {
    let loose: Vec<String> = labelled()
        .iter()
        .filter(|p| !p.same && p.band >= Some(Band::Probable))
        .filter(|p| p.note.contains("share") || p.note.contains("mother") || p.note.contains("father"))
        .map(|p| format!("line {}: {}", p.line, p.note))
        .collect();
    assert!(loose.is_empty(), "{loose:#?}");
}
