//! Segments at the desk, checked against a reference written apart in this test over generated
//! patients: ages at the edge of a range (a birthday today, tomorrow, 29 February), patients
//! never seen, a visit late in the evening (the local day counts), tags, place and sex in any
//! case, consent.

mod common;

use chrono::{Datelike, Duration, Local, NaiveDate, TimeZone};
use common::*;
use rapport_core::{Booking, Clock, ErrorCode};
use rapport_model::segments::SegmentFilter;
use rapport_model::{Channel, Consent, NewPatient, Role, StatusChange};

/// One generated patient, as the reference sees them.
#[derive(Debug, Clone)]
struct Person {
    birth: Option<NaiveDate>,
    tags: Vec<&'static str>,
    sex: Option<&'static str>,
    city: Option<&'static str>,
    sms: bool,
    /// The local day of their last done visit.
    last_visit: Option<NaiveDate>,
}

/// Who the reference says is in a segment.
type Reference = Box<dyn Fn(&Person) -> bool>;

/// Whole years from `birth` to `today`, counted by hand (29 February birthdays come on
/// 1 March in other years: a day after the 28th).
fn reference_age(birth: NaiveDate, today: NaiveDate) -> i32 {
    let had_birthday = (today.month(), today.day()) >= (birth.month(), birth.day());
    today.year() - birth.year() - i32::from(!had_birthday)
}

fn people(today: NaiveDate) -> Vec<Person> {
    let mut out = Vec::new();
    let mut seed: u64 = 7;
    let mut next = |n: u64| {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    // The edges first: forty today, forty tomorrow, forty yesterday; born on 29 February.
    let forty = |days: i64| {
        NaiveDate::from_ymd_opt(today.year() - 40, today.month(), today.day()).map(|d| d + Duration::days(days))
    };
    for birth in [forty(0), forty(1), forty(-1), NaiveDate::from_ymd_opt(1984, 2, 29), None] {
        out.push(Person {
            birth,
            tags: vec!["diabetes"],
            sex: Some("F"),
            city: Some("Pune"),
            sms: true,
            last_visit: None,
        });
    }
    let tags: [&[&str]; 4] = [&[], &["diabetes"], &["Diabetes", "asthma"], &["asthma"]];
    let sexes = [Some("female"), Some("Male"), Some("F"), None];
    let cities = [Some("Pune"), Some(" pune"), Some("Mysuru"), None];
    for _ in 0..60 {
        let birth = (next(5) > 0).then(|| today - Duration::days(i64::try_from(next(30_000)).unwrap_or(0)));
        let last_visit = (next(3) > 0).then(|| today - Duration::days(i64::try_from(1 + next(400)).unwrap_or(1)));
        out.push(Person {
            birth,
            tags: tags[usize::try_from(next(4)).unwrap_or(0)].to_vec(),
            sex: sexes[usize::try_from(next(4)).unwrap_or(0)],
            city: cities[usize::try_from(next(4)).unwrap_or(0)],
            sms: next(2) == 0,
            last_visit,
        });
    }
    out
}

#[test]
fn a_segment_counts_what_a_reference_written_apart_counts() {
    let mut c = clinic();
    let admin = c.admin.clone();
    let dr = c.staff("dr.rao", Role::Clinician).staff().id;
    let today = c.app.today();
    let start = c.clock.now();
    let everyone = people(today);
    for (i, p) in everyone.iter().enumerate() {
        let id = c.patient_with(NewPatient {
            given: format!("P{i}"),
            family: "Segment".into(),
            birth_date: p.birth,
            sex: p.sex.map(str::to_owned),
            city: p.city.map(str::to_owned),
            conditions: p.tags.iter().map(|t| (*t).to_owned()).collect(),
            consent: Consent { sms: p.sms, ..Consent::default() },
            phones: vec!["+91 98450 12345".into()],
            ..NewPatient::default()
        });
        if let Some(day) = p.last_visit {
            // The visit starts late in the evening, local time: its local day is what counts.
            let minute = u32::try_from(i % 59).unwrap_or(0);
            let late =
                Local.from_local_datetime(&day.and_hms_opt(23, minute, 0).expect("time")).earliest().expect("local");
            c.clock.set(late.with_timezone(&chrono::Utc) - Duration::minutes(5));
            let b = Booking {
                patient: id,
                doctor: dr,
                starts_at: late.with_timezone(&chrono::Utc),
                minutes: 15,
                reason: None,
            };
            let appt = c.app.book(&admin, b).expect("book").appointment.id;
            for step in [StatusChange::CheckIn, StatusChange::Seen, StatusChange::Done] {
                c.app.change_status(&admin, appt, step).expect("visit");
            }
        }
    }
    c.clock.set(start);

    let cut = today - Duration::days(100);
    let cases: Vec<(SegmentFilter, Reference)> = vec![
        (SegmentFilter::default(), Box::new(|_| true)),
        (
            SegmentFilter { tags: vec!["DIABETES".into()], ..Default::default() },
            Box::new(|p| p.tags.iter().any(|t| t.eq_ignore_ascii_case("diabetes"))),
        ),
        (
            SegmentFilter { tags: vec!["diabetes".into(), "asthma".into()], ..Default::default() },
            Box::new(|p| p.tags.len() == 2),
        ),
        (
            SegmentFilter { min_age: Some(40), max_age: Some(40), ..Default::default() },
            Box::new(move |p| p.birth.is_some_and(|b| reference_age(b, today) == 40)),
        ),
        (
            SegmentFilter { min_age: Some(18), max_age: Some(64), sex: Some("f".into()), ..Default::default() },
            Box::new(move |p| {
                p.birth.is_some_and(|b| (18..=64).contains(&reference_age(b, today))) && p.sex == Some("F")
            }),
        ),
        (
            SegmentFilter { city: Some("PUNE".into()), consent: Some(Channel::Sms), ..Default::default() },
            Box::new(|p| p.city.is_some_and(|c| c.trim().eq_ignore_ascii_case("pune")) && p.sms),
        ),
        (
            SegmentFilter { last_visit_before: Some(cut), ..Default::default() },
            Box::new(move |p| p.last_visit.is_some_and(|v| v < cut)),
        ),
        (
            SegmentFilter { last_visit_after: Some(cut), tags: vec!["asthma".into()], ..Default::default() },
            Box::new(move |p| p.last_visit.is_some_and(|v| v >= cut) && p.tags.contains(&"asthma")),
        ),
    ];
    for (filter, reference) in &cases {
        let expected = everyone.iter().filter(|p| reference(p)).count();
        let got = c.app.segment_size(&admin, filter).expect("count");
        assert_eq!(got.count, expected, "{filter:?}");
        assert_eq!(got.sample.len(), expected.min(rapport_core::SEGMENT_SAMPLE));
    }
    // The edges themselves: forty today is in, forty tomorrow is not yet.
    let forty = c.app.segment_size(&admin, &cases[3].0).expect("count");
    assert!(forty.sample.iter().any(|p| p.given == "P0") && !forty.sample.iter().any(|p| p.given == "P1"));

    let desk = c.staff("desk", Role::FrontDesk);
    let refused = c.app.segment_size(&desk, &SegmentFilter::default()).expect_err("managers build segments");
    assert_eq!(refused.code, ErrorCode::Forbidden);
}

#[test]
fn a_manager_saves_a_segment_once_per_name_and_it_goes_to_head_office() {
    let mut c = enrolled_clinic();
    let manager = c.staff("mgr", Role::Manager);
    let diabetics = SegmentFilter { tags: vec!["diabetes".into()], min_age: Some(40), ..Default::default() };
    let first = c.app.save_segment(&manager, "  Diabetics 40+ ", &diabetics).expect("saved");
    assert_eq!(first.name, "Diabetics 40+");
    let wider = SegmentFilter { tags: vec!["diabetes".into()], ..Default::default() };
    let again = c.app.save_segment(&manager, "Diabetics 40+", &wider).expect("saved again");
    assert_eq!(again.id, first.id, "one record per name");
    let saved = c.app.segments(&manager).expect("list");
    assert_eq!((saved.len(), &saved[0].filter), (1, &wider));
    let outbox = rapport_store::sync::outbox(c.app.store().conn(), usize::MAX, usize::MAX).expect("outbox");
    assert!(outbox.iter().any(|ch| ch.entity == rapport_model::sync::Entity::Segment), "it syncs");

    let desk = c.staff("desk", Role::FrontDesk);
    assert_eq!(c.app.save_segment(&desk, "Mine", &wider).expect_err("front desk").code, ErrorCode::Forbidden);
    assert_eq!(c.app.save_segment(&manager, " ", &wider).expect_err("no name").code, ErrorCode::InvalidInput);
    let hidden = SegmentFilter { tags: vec!["dia\u{202E}betes".into()], ..Default::default() };
    assert_eq!(c.app.save_segment(&manager, "Odd", &hidden).expect_err("refused").code, ErrorCode::InvalidInput);
}

/// Counts follow the data: a patient registered here, one registered through another
/// connection to the same file (the background sync's), a visit done and a patient deleted
/// each show in the next count, though patients are read once and kept between counts.
#[test]
fn a_count_follows_every_change_to_the_patients() {
    let mut c = clinic();
    let admin = c.admin.clone();
    let diabetes = SegmentFilter { tags: vec!["diabetes".into()], ..SegmentFilter::default() };
    let count = |c: &mut Clinic| c.app.segment_size(&admin, &diabetes).expect("count").count;
    let tagged = |given: &str| NewPatient {
        given: given.into(),
        family: "Counted".into(),
        conditions: vec!["diabetes".into()],
        ..NewPatient::default()
    };
    assert_eq!(count(&mut c), 0);
    let first = c.patient_with(tagged("One"));
    assert_eq!(count(&mut c), 1, "registered here");
    assert_eq!(count(&mut c), 1, "counting twice changes nothing");
    let mut other = rapport_core::Rapport::open(&c.db, Some(&rapport_core::Secret::new(PASSPHRASE)), c.clock.clone())
        .expect("open");
    let other_admin = other.login("admin", &rapport_core::Secret::new(PASSWORD)).expect("login");
    other.register_patient(&other_admin, tagged("Two")).expect("register elsewhere");
    assert_eq!(count(&mut c), 2, "registered through another connection");
    let seen = SegmentFilter { last_visit_after: Some(c.app.today() - Duration::days(1)), ..diabetes.clone() };
    assert_eq!(c.app.segment_size(&admin, &seen).expect("count").count, 0);
    let dr = c.staff("dr.count", Role::Clinician).staff().id;
    let start = c.clock.now();
    let visit = c
        .app
        .book(
            &admin,
            Booking { patient: first, doctor: dr, starts_at: start + Duration::minutes(30), minutes: 15, reason: None },
        )
        .expect("book")
        .appointment
        .id;
    c.clock.set(start + Duration::minutes(40));
    for step in [StatusChange::CheckIn, StatusChange::Seen, StatusChange::Done] {
        c.app.change_status(&admin, visit, step).expect("status");
    }
    assert_eq!(c.app.segment_size(&admin, &seen).expect("count").count, 1, "a visit done");
    c.app.delete_patient(&admin, first).expect("delete");
    assert_eq!(count(&mut c), 1, "deleted");
}
