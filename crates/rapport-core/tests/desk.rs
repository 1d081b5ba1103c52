//! What the desktop front desk asks of the core beyond the basics: free slots, moving an
//! appointment, the duplicate check at registration, follow-ups and the doctor's glance.

mod common;

use chrono::{DateTime, Duration, Local, NaiveDate, TimeZone, Timelike, Utc};
use common::*;
use rapport_core::{Band, Booking, DuplicateReason, ErrorCode};
use rapport_model::calls::{CallOutcome, CallReason};
use rapport_model::{NewPatient, Role, StaffId, StatusChange};

fn local(day: NaiveDate, h: u32, m: u32) -> DateTime<Utc> {
    Local.from_local_datetime(&day.and_hms_opt(h, m, 0).expect("time")).earliest().expect("local time").to_utc()
}

fn today() -> NaiveDate {
    noon().with_timezone(&Local).date_naive()
}

fn book_at(
    c: &mut Clinic,
    patient: rapport_model::PatientId,
    doctor: StaffId,
    at: DateTime<Utc>,
) -> rapport_model::AppointmentId {
    let admin = c.admin.clone();
    c.app
        .book(&admin, Booking { patient, doctor, starts_at: at, minutes: 15, reason: None })
        .expect("book")
        .appointment
        .id
}

#[test]
fn free_slots_leave_out_taken_and_past_times() {
    let mut c = clinic();
    let admin = c.admin.clone();
    let dr = c.staff("dr.rao", Role::Clinician).staff().id;
    let p = c.patient("Asha", "Rao");
    let tomorrow = today() + Duration::days(1);
    book_at(&mut c, p, dr, local(tomorrow, 9, 0));

    let slots = c.app.free_slots(&admin, dr, tomorrow, 15).expect("slots").slots;
    let starts: Vec<DateTime<Utc>> = slots.iter().map(|s| s.starts_at).collect();
    assert_eq!(starts.first(), Some(&local(tomorrow, 8, 0)), "the day opens at 08:00");
    assert_eq!(starts.last(), Some(&local(tomorrow, 17, 45)), "the last slot ends at closing");
    assert!(!starts.contains(&local(tomorrow, 9, 0)), "the booked slot is not offered");
    assert_eq!(slots.len(), 39, "40 quarter hours less the booked one");

    // Half an hour does not fit before a booked slot that starts 15 minutes later.
    let long = c.app.free_slots(&admin, dr, tomorrow, 30).expect("slots").slots;
    assert!(!long.iter().any(|s| s.starts_at == local(tomorrow, 8, 45)));

    // Today, nothing before now.
    let now = noon();
    for slot in c.app.free_slots(&admin, dr, today(), 15).expect("slots").slots {
        assert!(slot.starts_at >= now);
        assert_eq!(slot.starts_at.with_timezone(&Local).minute() % 15, 0);
    }
}

#[test]
fn moving_an_appointment_checks_the_new_slot_and_is_audited() {
    let mut c = clinic();
    let admin = c.admin.clone();
    let dr = c.staff("dr.rao", Role::Clinician).staff().id;
    let a = c.patient("Asha", "Rao");
    let b = c.patient("Ben", "Lee");
    let tomorrow = today() + Duration::days(1);
    book_at(&mut c, a, dr, local(tomorrow, 10, 0));
    let moving = book_at(&mut c, b, dr, local(tomorrow, 10, 30));

    let clash = c.app.move_appointment(&admin, moving, local(tomorrow, 10, 0), None).expect_err("taken");
    assert_eq!(clash.code, ErrorCode::Conflict);
    let moved = c.app.move_appointment(&admin, moving, local(tomorrow, 11, 0), None).expect("moved");
    assert_eq!(moved.appointment.starts_at, local(tomorrow, 11, 0));
    // Its own old slot does not block a move by a few minutes.
    c.app.move_appointment(&admin, moving, local(tomorrow, 11, 5), None).expect("nudged");
    let history = c.app.patient_history(&admin, b).expect("history");
    assert_eq!(history.iter().filter(|e| e.action == "appointment.move").count(), 2);

    c.app.change_status(&admin, moving, StatusChange::CheckIn).expect("arrived");
    let late = c.app.move_appointment(&admin, moving, local(tomorrow, 12, 0), None).expect_err("arrived");
    assert_eq!(late.code, ErrorCode::Conflict);
}

#[test]
fn registration_scores_the_patients_who_look_like_the_one_being_typed() {
    let mut c = clinic();
    let admin = c.admin.clone();
    let born = NaiveDate::from_ymd_opt(1980, 1, 2).expect("date");
    let zoe = c.patient_with(NewPatient {
        given: "Zoë".into(),
        family: "Ørsted".into(),
        birth_date: Some(born),
        phones: vec!["+91 98450 12345".into()],
        ..NewPatient::default()
    });
    let check = |given: &str, family: &str, birth: Option<NaiveDate>, phone: &str| {
        let phones: Vec<String> = if phone.is_empty() { Vec::new() } else { vec![phone.to_owned()] };
        c.app.possible_duplicates(&admin, given, family, birth, &phones).expect("check")
    };
    let band = |found: &[rapport_core::DuplicateMatch]| found.first().map(|m| m.likeness.band);
    let same = check("zoe", "orsted", Some(born), "");
    assert_eq!(same.len(), 1, "accents and case aside, the same name and birth date");
    assert_eq!(same[0].patient.id, zoe);
    assert_eq!(same[0].likeness.reasons, vec![DuplicateReason::SameName, DuplicateReason::SameBirthDate]);
    assert_eq!(band(&same), Some(Band::Probable), "a name and a birth date are not proof");

    let all = check("Zoë", "Ørsted", Some(born), "098450-12345");
    assert_eq!(band(&all), Some(Band::Certain), "the same phone in another format as well: {all:?}");
    assert!(all[0].likeness.reasons.contains(&DuplicateReason::SamePhone));

    assert!(check("Zoe", "Orsted", NaiveDate::from_ymd_opt(1981, 1, 2), "").is_empty(), "another birth date");
    assert_eq!(band(&check("Zoe", "Orsted", None, "")), Some(Band::Possible), "a name alone is only possible");
    assert!(
        check("Nila", "Testwood", None, "9845012345").is_empty(),
        "someone else who gives the same phone (a relative) is not a duplicate"
    );
}

#[test]
fn a_missed_visit_is_on_the_call_list_until_a_call_reaches_someone() {
    let mut c = clinic();
    let admin = c.admin.clone();
    let dr = c.staff("dr.rao", Role::Clinician).staff().id;
    let p = c.patient("Asha", "Rao");
    let appt = book_at(&mut c, p, dr, noon() - Duration::hours(1));
    c.app.change_status(&admin, appt, StatusChange::NoShow).expect("no-show");
    // Marked twice (a double click, or the other desk): still one call.
    let again = c.app.change_status(&admin, appt, StatusChange::NoShow);
    assert!(again.is_err(), "a no-show is final");

    let list = c.app.call_list(&admin).expect("list");
    assert_eq!(list.len(), 1);
    assert_eq!((list[0].patient.id, list[0].reason), (p, CallReason::NoShow));
    assert_eq!(list[0].appointment_id, Some(appt));

    let tried = c.app.finish_call(&admin, list[0].id, CallOutcome::NoAnswer).expect("no answer");
    assert_eq!(tried.last_outcome, Some(CallOutcome::NoAnswer));
    let still = c.app.call_list(&admin).expect("list");
    assert_eq!((still.len(), still[0].last_outcome), (1, Some(CallOutcome::NoAnswer)), "tried, kept");

    c.app.finish_call(&admin, list[0].id, CallOutcome::Rebooked).expect("done");
    assert!(c.app.call_list(&admin).expect("list").is_empty());
    let again = c.app.finish_call(&admin, list[0].id, CallOutcome::Reached).expect_err("already done");
    assert_eq!(again.code, ErrorCode::Conflict);
    let unknown = c.app.finish_call(&admin, uuid::Uuid::nil(), CallOutcome::Reached).expect_err("no such call");
    assert_eq!(unknown.code, ErrorCode::NotFound);
    assert!(c.app.patient_history(&admin, p).expect("history").iter().any(|e| e.action == "call.done"));
}

#[test]
fn the_glance_shows_the_patient_with_the_doctor_or_waiting_before_the_next_booked() {
    let mut c = clinic();
    let admin = c.admin.clone();
    let dr = c.staff("dr.rao", Role::Clinician);
    let dr_id = dr.staff().id;
    let early = c.patient("Early", "Booked");
    let waiting = c.patient("Waiting", "Arrived");
    let first = book_at(&mut c, early, dr_id, noon() + Duration::minutes(30));
    let second = book_at(&mut c, waiting, dr_id, noon() + Duration::minutes(45));
    let _ = first;

    let glance = c.app.doctor_glance(&dr, dr_id, None).expect("glance");
    assert_eq!(glance.card.as_ref().map(|card| card.patient.id), Some(early), "nobody waiting: the next booked");
    assert_eq!(glance.upcoming.len(), 2);

    c.app.change_status(&admin, second, StatusChange::CheckIn).expect("arrived");
    let glance = c.app.doctor_glance(&dr, dr_id, None).expect("glance");
    assert_eq!(glance.card.as_ref().map(|card| card.patient.id), Some(waiting), "an arrived patient comes first");

    let chosen = c.app.doctor_glance(&dr, dr_id, Some(early)).expect("glance");
    assert_eq!(chosen.card.as_ref().map(|card| card.patient.id), Some(early));
    assert!(c.app.patient_history(&admin, early).expect("history").iter().any(|e| e.action == "patient.glance"));
}

#[test]
fn a_merge_moves_everything_to_the_kept_record_and_undoing_it_puts_it_back() {
    let mut c = clinic();
    let admin = c.admin.clone();
    let dr = c.staff("dr.rao", Role::Clinician).staff().id;
    let phones = |p: &str| vec![p.to_owned()];
    let keep = c.patient_with(NewPatient {
        given: "Priya".into(),
        family: "Sharma".into(),
        phones: phones("9845012345"),
        ..NewPatient::default()
    });
    let other = c.patient_with(NewPatient {
        given: "Priyaa".into(),
        family: "Sharma".into(),
        phones: phones("020 2555 1234"),
        ..NewPatient::default()
    });
    c.app.add_pointer(&admin, other, pointer(rapport_model::PointerKind::Travel, "Back from Goa")).expect("pointer");
    let visit = book_at(&mut c, other, dr, local(today() + Duration::days(2), 10, 0));

    let preview = c.app.merge_preview(&admin, keep, other).expect("preview");
    assert_eq!(preview.differences.iter().map(|d| d.field.as_str()).collect::<Vec<_>>(), vec!["given"]);
    let choices = [("given".to_owned(), rapport_model::merge::Side::Keep)].into_iter().collect();
    let merge = c.app.merge_patients(&admin, keep, other, &choices).expect("merge");

    let card = c.app.open_patient(&admin, keep).expect("card");
    assert_eq!(card.patient.given, "Priya", "staff chose the kept record's name");
    assert_eq!(card.patient.phones, vec!["9845012345", "020 2555 1234"], "both phones");
    assert!(card.pointers.iter().any(|p| p.pointer.text == "Back from Goa"), "the other's pointer is here");
    assert_eq!(card.next_appointment.map(|a| a.id), Some(visit), "and so is their appointment");
    assert_eq!(card.merged.len(), 1);
    assert_eq!((card.merged[0].merge_id, card.merged[0].record.id), (merge.id, other));
    assert_eq!(
        c.app.open_patient(&admin, other).expect("card").patient.id,
        keep,
        "the old record opens as the kept one"
    );
    let hits = c.app.search_patients(&admin, "Priyaa", 10).expect("search");
    assert_eq!(hits.iter().map(|h| h.id).collect::<Vec<_>>(), vec![keep], "search follows the merge");
    assert!(c.app.duplicate_pairs(&admin, Band::Possible).expect("queue").is_empty(), "nothing left to review");
    let again = c.app.merge_patients(&admin, keep, other, &Default::default()).expect_err("merged already");
    assert_eq!(again.code, ErrorCode::Conflict);
    let history = c.app.patient_history(&admin, other).expect("history");
    assert!(history.iter().any(|e| e.action == "patient.merged_away"));

    c.app.unmerge_patients(&admin, merge.id).expect("unmerge");
    let card = c.app.open_patient(&admin, keep).expect("card");
    assert_eq!(card.patient.phones, vec!["9845012345"], "the merged-in phone is gone again");
    assert!(card.pointers.is_empty() && card.next_appointment.is_none() && card.merged.is_empty());
    let back = c.app.open_patient(&admin, other).expect("card");
    assert_eq!((back.patient.id, back.pointers.len()), (other, 1), "the other record is whole again");
    assert_eq!(c.app.unmerge_patients(&admin, merge.id).expect_err("undone").code, ErrorCode::Conflict);

    let desk = c.staff("ravi", Role::FrontDesk);
    let refused = c.app.merge_patients(&desk, keep, other, &Default::default()).expect_err("front desk");
    assert_eq!(refused.code, ErrorCode::Forbidden);
}

#[test]
fn the_window_saves_records_in_new_private_files_for_managers_only_and_audits_each() {
    use rapport_model::ipc::RecordsFile;
    let mut c = clinic();
    let admin = c.admin.clone();
    c.patient("Asha", "Rao");
    let aged =
        NewPatient { given: "Anil".into(), family: "Rao".into(), birth_year: Some(1961), ..NewPatient::default() };
    c.app.register_patient(&admin, aged).expect("register");
    let out = c.dir.path().join("Downloads");
    let (path, rows) = c.app.export_records_to(&admin, RecordsFile::Patients, &out).expect("patients");
    let day = rapport_core::Clock::now(&*c.clock).with_timezone(&Local).date_naive();
    assert_eq!(
        (path.file_name().and_then(|n| n.to_str()), rows),
        (Some(format!("rapport-patients-{day}.csv").as_str()), 2)
    );
    let text = std::fs::read_to_string(&path).expect("file");
    assert!(text.contains(",1961,"), "the approximate birth year goes out: {text}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        assert_eq!(std::fs::metadata(&path).expect("file").permissions().mode() & 0o777, 0o600);
    }
    // Saved again (a second click): a new file beside the first, which stays as it was.
    let (again, _) = c.app.export_records_to(&admin, RecordsFile::Patients, &out).expect("again");
    assert_eq!(again.file_name().and_then(|n| n.to_str()), Some(format!("rapport-patients-{day} (2).csv").as_str()));
    assert_eq!(std::fs::read_to_string(&path).expect("first"), text);
    let (bundle, resources) = c.app.export_records_to(&admin, RecordsFile::Fhir, &out).expect("fhir");
    assert!(bundle.extension().is_some_and(|e| e == "json") && resources >= 2);
    let (_, visits) = c.app.export_records_to(&admin, RecordsFile::Appointments, &out).expect("appointments");
    assert_eq!(visits, 0);
    let actions: Vec<String> = c.app.audit_log(&admin, None, 20).expect("log").into_iter().map(|e| e.action).collect();
    for action in ["export.patients", "export.fhir", "export.appointments"] {
        assert!(actions.iter().any(|a| a == action), "{action} audited: {actions:?}");
    }
    assert_eq!(actions.iter().filter(|a| *a == "export.patients").count(), 2, "each save audited");

    let desk = c.staff("ravi", Role::FrontDesk);
    let refused = c.app.export_records_to(&desk, RecordsFile::Fhir, &out).expect_err("front desk");
    assert_eq!(refused.code, ErrorCode::Forbidden);
    assert_eq!(std::fs::read_dir(&out).expect("dir").count(), 4, "a refused export writes nothing");
}
