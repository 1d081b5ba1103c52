//! Type-ahead search as a receptionist uses it: accents, word order, phone formats, record
//! numbers, limits and ranking.

mod common;

use common::*;
use rapport_model::{NewPatient, PatientId};

fn add(c: &mut Clinic, given: &str, family: &str, preferred: Option<&str>, phone: Option<&str>) -> PatientId {
    c.patient_with(NewPatient {
        given: given.into(),
        family: family.into(),
        preferred: preferred.map(Into::into),
        phones: phone.into_iter().map(Into::into).collect(),
        ..NewPatient::default()
    })
}

fn names(c: &Clinic, query: &str) -> Vec<String> {
    c.app
        .search_patients(&c.admin, query, 20)
        .expect("search")
        .into_iter()
        .map(|h| format!("{} {}", h.given, h.family))
        .collect()
}

#[test]
fn accents_and_case_do_not_matter() {
    let mut c = clinic();
    add(&mut c, "José", "Núñez", None, None);
    add(&mut c, "Thanh", "Nguyễn", None, None);
    add(&mut c, "Zoë", "Müller", None, None);
    assert_eq!(names(&c, "jose"), ["José Núñez"]);
    assert_eq!(names(&c, "NUNEZ"), ["José Núñez"]);
    assert_eq!(names(&c, "núñ"), ["José Núñez"]);
    assert_eq!(names(&c, "nguyen"), ["Thanh Nguyễn"]);
    assert_eq!(names(&c, "zoe mull"), ["Zoë Müller"]);
}

#[test]
fn words_match_by_prefix_in_any_order() {
    let mut c = clinic();
    add(&mut c, "John", "Garcia", None, None);
    add(&mut c, "Maria", "Garcia", None, None);
    add(&mut c, "Johanna", "Smith", None, None);
    assert_eq!(names(&c, "gar jo"), ["John Garcia"]);
    assert_eq!(names(&c, "jo gar"), ["John Garcia"]);
    assert_eq!(names(&c, "john garcia"), ["John Garcia"]);
    let mut garcias = names(&c, "garc");
    garcias.sort();
    assert_eq!(garcias, ["John Garcia", "Maria Garcia"]);
    assert!(names(&c, "jo smithers").is_empty());
}

#[test]
fn the_preferred_name_finds_the_patient() {
    let mut c = clinic();
    add(&mut c, "Venkataraman", "Iyer", Some("Venky"), None);
    assert_eq!(names(&c, "venky"), ["Venkataraman Iyer"]);
    assert_eq!(names(&c, "venk iy"), ["Venkataraman Iyer"]);
}

#[test]
fn phone_numbers_are_found_however_they_are_typed() {
    let mut c = clinic();
    add(&mut c, "Asha", "Rao", None, Some("+91 98450 12345"));
    add(&mut c, "Other", "Person", None, Some("+91 90000 11111"));
    for typed in [
        "9845012345",
        "98450 12345",
        "98450-12345",
        "(984) 501-2345",
        "098450 12345",
        "+91 98450 12345",
        "919845012345",
        "98450",
    ] {
        assert_eq!(names(&c, typed), ["Asha Rao"], "typed {typed:?}");
    }
}

#[test]
fn record_numbers_find_the_patient() {
    let mut c = clinic();
    let id = add(&mut c, "Asha", "Rao", None, None);
    let record = c.app.open_patient(&c.admin.clone(), id).expect("card").patient.record_no;
    assert_eq!(names(&c, &record), ["Asha Rao"]);
    assert_eq!(names(&c, &record.to_lowercase()), ["Asha Rao"]);
    assert_eq!(c.app.resolve_patient(&c.admin, &record).expect("resolve"), id);
}

#[test]
fn a_letter_finds_names_not_every_record_number() {
    let mut c = clinic();
    let id = add(&mut c, "Asha", "Rao", None, None);
    let record = c.app.open_patient(&c.admin.clone(), id).expect("card").patient.record_no;
    // The record number starts with this device's site code: its first letter must still only
    // find patients by name.
    let letter = record.chars().next().expect("site code").to_lowercase().to_string();
    add(&mut c, "Yusuf", "Xu", None, None);
    let expected: Vec<String> = ["Asha Rao", "Yusuf Xu"]
        .into_iter()
        .filter(|n| n.split(' ').any(|w| w.to_lowercase().starts_with(&letter)))
        .map(str::to_owned)
        .collect();
    let mut found = names(&c, &letter);
    found.sort();
    assert_eq!(found, expected, "searching {letter:?} with record number {record}");
}

#[test]
fn results_are_limited() {
    let mut c = clinic();
    for i in 0..30 {
        add(&mut c, &format!("Sam{i}"), "Same", None, None);
    }
    assert_eq!(c.app.search_patients(&c.admin, "same", 7).expect("search").len(), 7);
    assert_eq!(c.app.search_patients(&c.admin, "same", 20).expect("search").len(), 20);
    assert!(c.app.search_patients(&c.admin, "same", 0).expect("search").is_empty());
}

#[test]
fn exact_words_rank_above_prefixes() {
    let mut c = clinic();
    add(&mut c, "Li", "Wei", None, None);
    add(&mut c, "Lisa", "Brown", None, None);
    add(&mut c, "Liam", "Jones", None, None);
    // Lisa and Liam were added later, so recency alone would put them first.
    assert_eq!(names(&c, "li").first().map(String::as_str), Some("Li Wei"));
    add(&mut c, "John", "Garcia", None, None);
    add(&mut c, "Johnny", "Garcia", None, None);
    assert_eq!(names(&c, "john gar"), ["John Garcia", "Johnny Garcia"]);
}

#[test]
fn recently_seen_patients_come_first() {
    let mut c = clinic();
    let first = add(&mut c, "Anna", "Kumar", None, None);
    add(&mut c, "Anna", "Kapoor", None, None);
    add(&mut c, "Anna", "Khan", None, None);
    assert_eq!(names(&c, "anna").first().map(String::as_str), Some("Anna Khan"), "newest first");
    c.app.open_patient(&c.admin.clone(), first).expect("open");
    assert_eq!(names(&c, "anna").first().map(String::as_str), Some("Anna Kumar"), "just seen goes to the top");
}

#[test]
fn edits_and_deletes_update_the_index() {
    let mut c = clinic();
    let id = add(&mut c, "Priya", "Sharma", None, None);
    let admin = c.admin.clone();
    c.app
        .edit_patient(&admin, id, rapport_model::PatientEdit { family: Some("Menon".into()), ..Default::default() })
        .expect("edit");
    assert!(names(&c, "sharma").is_empty());
    assert_eq!(names(&c, "priya men"), ["Priya Menon"]);
    c.app.delete_patient(&admin, id).expect("delete");
    assert!(names(&c, "priya").is_empty());
}

#[test]
fn odd_input_is_not_an_error() {
    let mut c = clinic();
    add(&mut c, "Seán", "O'Brien", None, None);
    for q in ["", "   ", "\"", "*", "AND", "NEAR(", "o'", "-", "(", "^", "a\"b", "💊"] {
        c.app.search_patients(&c.admin, q, 20).unwrap_or_else(|e| panic!("{q:?}: {}", e.message));
    }
    for typed in ["o'brien", "obrien", "O’Brien", "o'b", "brien", "sean o"] {
        assert_eq!(names(&c, typed), ["Seán O'Brien"], "typed {typed:?}");
    }
}

#[test]
fn the_patients_due_today_come_first_from_the_days_first_login() {
    let mut c = clinic();
    let doctor = c.staff("dr.rao", rapport_model::Role::Clinician).staff().id;
    let due = add(&mut c, "Asha", "Rao", None, Some("98200 00001"));
    let tomorrow = noon() + chrono::Duration::days(1);
    let booking = rapport_core::Booking {
        patient: due,
        doctor,
        starts_at: tomorrow + chrono::Duration::hours(3),
        minutes: 15,
        reason: None,
    };
    c.app.book(&c.admin, booking).expect("book");
    let later = add(&mut c, "Asha", "Rao", Some("Ashu"), Some("98200 00002"));
    let first = |c: &Clinic| c.app.search_patients(&c.admin, "asha rao", 5).expect("search")[0].id;
    assert_eq!(first(&c), later, "the one the desk dealt with last comes first");
    // The next morning's first login puts the patient due that day on top.
    c.clock.set(tomorrow);
    c.app.login("admin", &rapport_core::Secret::new(PASSWORD)).expect("login");
    assert_eq!(first(&c), due);
    // Once a day: whoever the desk deals with next still comes before, after any login.
    let newest = add(&mut c, "Asha", "Rao", Some("Asha R"), Some("98200 00003"));
    c.app.login("admin", &rapport_core::Secret::new(PASSWORD)).expect("login");
    assert_eq!(first(&c), newest);
}
