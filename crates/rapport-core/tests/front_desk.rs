//! A day at the front desk: the card, pointers, booking, the status flow, no-shows and the
//! audit trail each of them leaves.

mod common;

use chrono::{Duration, NaiveDate};
use common::*;
use rapport_core::{Booking, ErrorCode, NewPointer, Session};
use rapport_model::Says;
use rapport_model::ipc::Said;
use rapport_model::{
    AppointmentStatus, PatientEdit, PointerKind, PointerState, Role, Source, StaffId, StatusChange, WaitLevel,
};

fn doctor(c: &mut Clinic, login: &str) -> StaffId {
    c.staff(login, Role::Clinician).staff().id
}

fn book(
    c: &mut Clinic,
    s: &Session,
    patient: rapport_model::PatientId,
    doctor: StaffId,
    hour: u32,
    minute: u32,
) -> Result<rapport_core::BookingOutcome, rapport_core::Error> {
    let at = noon() + Duration::hours(i64::from(hour) - 12) + Duration::minutes(i64::from(minute));
    c.app.book(s, Booking { patient, doctor, starts_at: at, minutes: 15, reason: Some("Check-up".into()) })
}

fn actions(c: &Clinic, patient: rapport_model::PatientId) -> Vec<String> {
    let mut a: Vec<String> =
        c.app.patient_history(&c.admin, patient).expect("history").into_iter().map(|e| e.action).collect();
    a.reverse();
    a
}

#[test]
fn a_doctor_cannot_be_double_booked() {
    let mut c = clinic();
    let admin = c.admin.clone();
    let dr = doctor(&mut c, "dr.rao");
    let a = c.patient("Asha", "Rao");
    let b = c.patient("Ben", "Lee");
    book(&mut c, &admin, a, dr, 10, 0).expect("first booking");
    let err = book(&mut c, &admin, b, dr, 10, 10).expect_err("overlap");
    assert_eq!(err.code, ErrorCode::Conflict);
    assert!(err.message.contains("already has an appointment"), "{}", err.message);
    book(&mut c, &admin, b, dr, 10, 15).expect("the next slot is free");
    assert_eq!(c.app.day_schedule(&admin, noon().date_naive(), Some(dr)).expect("schedule").len(), 2);
}

#[test]
fn a_cancelled_slot_can_be_booked_again() {
    let mut c = clinic();
    let admin = c.admin.clone();
    let dr = doctor(&mut c, "dr.rao");
    let a = c.patient("Asha", "Rao");
    let first = book(&mut c, &admin, a, dr, 10, 0).expect("book").appointment.id;
    c.app.change_status(&admin, first, StatusChange::Cancel).expect("cancel");
    book(&mut c, &admin, a, dr, 10, 0).expect("rebooked");
}

#[test]
fn booking_away_from_the_usual_doctor_warns_about_continuity() {
    let mut c = clinic();
    let admin = c.admin.clone();
    let usual = doctor(&mut c, "dr.usual");
    let other = doctor(&mut c, "dr.other");
    let p = c.patient("Asha", "Rao");
    c.app.edit_patient(&admin, p, PatientEdit { usual_doctor: Some(Some(usual)), ..Default::default() }).expect("edit");
    assert!(book(&mut c, &admin, p, usual, 9, 0).expect("usual").warnings.is_empty());
    let outcome = book(&mut c, &admin, p, other, 11, 0).expect("other");
    assert_eq!(outcome.warnings.len(), 1);
    assert!(outcome.warnings[0].contains("continuity"), "{:?}", outcome.warnings);
}

#[test]
fn only_clinicians_take_appointments() {
    let mut c = clinic();
    let admin = c.admin.clone();
    let desk = c.staff("desk", Role::FrontDesk).staff().id;
    let p = c.patient("Asha", "Rao");
    assert_eq!(book(&mut c, &admin, p, desk, 10, 0).expect_err("not a doctor").code, ErrorCode::InvalidInput);
}

#[test]
fn a_visit_runs_from_booking_to_done_with_a_wait_timer_and_an_audit_trail() {
    let mut c = clinic();
    let admin = c.admin.clone();
    let dr = doctor(&mut c, "dr.rao");
    let p = c.patient("Asha", "Rao");
    let id = book(&mut c, &admin, p, dr, 12, 0).expect("book").appointment.id;
    c.app.change_status(&admin, id, StatusChange::CheckIn).expect("check in");
    c.clock.advance(Duration::minutes(20));
    let row = c.app.day_schedule(&admin, noon().date_naive(), None).expect("schedule").remove(0);
    assert_eq!(row.appointment.status, AppointmentStatus::Arrived);
    assert_eq!(row.wait.map(|w| (w.minutes, w.level)), Some((20, WaitLevel::Amber)));
    c.clock.advance(Duration::minutes(15));
    let row = c.app.day_schedule(&admin, noon().date_naive(), None).expect("schedule").remove(0);
    assert_eq!(row.wait.map(|w| w.level), Some(WaitLevel::Red));
    c.app.change_status(&admin, id, StatusChange::Seen).expect("seen");
    let done = c.app.change_status(&admin, id, StatusChange::Done).expect("done");
    assert_eq!(done.status, AppointmentStatus::Done);
    assert_eq!(done.minutes_late_seen(), Some(35));
    let err = c.app.change_status(&admin, id, StatusChange::CheckIn).expect_err("final");
    assert_eq!(err.code, ErrorCode::Conflict);
    assert_eq!(
        actions(&c, p),
        ["patient.register", "appointment.book", "appointment.arrived", "appointment.with-doctor", "appointment.done"]
    );
}

#[test]
fn a_visit_seen_ahead_of_its_time_is_the_cards_last_appointment_not_its_next() {
    let mut c = clinic();
    let admin = c.admin.clone();
    let dr = doctor(&mut c, "dr.rao");
    let p = c.patient("Asha", "Rao");
    let early = book(&mut c, &admin, p, dr, 15, 0).expect("book").appointment.id;
    let later = book(&mut c, &admin, p, dr, 16, 0).expect("book").appointment.id;
    for step in [StatusChange::CheckIn, StatusChange::Seen, StatusChange::Done] {
        c.app.change_status(&admin, early, step).expect("status");
    }
    let card = c.app.open_patient(&admin, p).expect("card");
    assert_eq!(card.last_appointment.map(|a| a.id), Some(early), "done at noon, booked for three");
    assert_eq!(card.next_appointment.map(|a| a.id), Some(later));
}

#[test]
fn a_no_show_puts_a_call_to_rebook_on_the_call_list_and_the_card() {
    let mut c = clinic();
    let admin = c.admin.clone();
    let dr = doctor(&mut c, "dr.rao");
    let p = c.patient("Asha", "Rao");
    let id = book(&mut c, &admin, p, dr, 9, 0).expect("book").appointment.id;
    c.app.change_status(&admin, id, StatusChange::NoShow).expect("no-show");
    let calls = c.app.call_list(&admin).expect("calls");
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].patient.id, p);
    assert_eq!(calls[0].appointment_id, Some(id));
    assert!(calls[0].reason.words().contains("rebook"));
    assert_eq!(c.app.open_patient(&admin, p).expect("card").open_calls.len(), 1);
}

#[test]
fn the_card_puts_asks_first_keeps_avoid_topics_apart_and_hides_retracted_pointers() {
    let mut c = clinic();
    let admin = c.admin.clone();
    let p = c.patient("Asha", "Rao");
    let today = noon().date_naive();
    let hobby = c.app.add_pointer(&admin, p, pointer(PointerKind::Hobby, "Plays the veena")).expect("hobby");
    let wedding = NewPointer {
        kind: PointerKind::LifeEvent,
        text: "Daughter's wedding".into(),
        event_date: Some(today - Duration::days(1)),
        source: Source::Call,
    };
    c.app.add_pointer(&admin, p, wedding).expect("wedding");
    c.app.add_pointer(&admin, p, pointer(PointerKind::AvoidTopic, "Recently bereaved")).expect("avoid");
    let retracted = c.app.add_pointer(&admin, p, pointer(PointerKind::Work, "Wrong patient's job")).expect("work");
    c.app.retract_pointer(&admin, retracted.id).expect("retract");

    let card = c.app.open_patient(&admin, p).expect("card");
    let shown: Vec<(PointerState, &str)> = card.pointers.iter().map(|v| (v.state, v.prompt.as_str())).collect();
    assert_eq!(
        shown,
        [
            (PointerState::AskHowItWent, "Ask how it went: Daughter's wedding"),
            (PointerState::Active, "Plays the veena"),
            (PointerState::Avoid, "Avoid: Recently bereaved"),
        ]
    );
    assert!(card.pointers.iter().all(|v| v.new_since_last_visit), "no visit yet, so all are new");
    assert_eq!(card.pointers[1].pointer.author_name, "Admin");
    assert_eq!(card.pointers[1].pointer.clinic, "Lakeside Clinic");
    assert_eq!(c.app.retract_pointer(&admin, retracted.id).expect_err("twice").code, ErrorCode::Conflict);
    assert_eq!(hobby.source, Source::CheckIn);
}

#[test]
fn used_it_is_recorded_with_who_and_what_the_patient_said() {
    let mut c = clinic();
    let admin = c.admin.clone();
    let nurse = c.staff("nurse", Role::Clinician);
    let p = c.patient("Asha", "Rao");
    let trip = NewPointer {
        kind: PointerKind::Travel,
        text: "Holiday in Goa".into(),
        event_date: Some(noon().date_naive() - Duration::days(3)),
        source: Source::Call,
    };
    let ptr = c.app.add_pointer(&admin, p, trip).expect("pointer");
    let used = c.app.mark_pointer_used(&nurse, ptr.id, Some("Loved the beaches")).expect("used");
    let mark = used.last_used().expect("mark");
    assert_eq!(mark.by, nurse.staff().id);
    assert_eq!(mark.note.as_deref(), Some("Loved the beaches"));
    // Asked after the trip: it retires from the card.
    assert!(c.app.open_patient(&admin, p).expect("card").pointers.is_empty());
}

#[test]
fn revising_a_pointer_keeps_the_old_version_in_history() {
    let mut c = clinic();
    let admin = c.admin.clone();
    let p = c.patient("Asha", "Rao");
    let old = c.app.add_pointer(&admin, p, pointer(PointerKind::Work, "Works at the bank")).expect("pointer");
    let new =
        c.app.revise_pointer(&admin, old.id, pointer(PointerKind::Work, "Promoted to branch manager")).expect("revise");
    assert_eq!(new.supersedes, Some(old.id));
    let card = c.app.open_patient(&admin, p).expect("card");
    assert_eq!(
        card.pointers.iter().map(|v| v.pointer.text.as_str()).collect::<Vec<_>>(),
        ["Promoted to branch manager"]
    );
    assert_eq!(c.app.mark_pointer_used(&admin, old.id, None).expect_err("old version").code, ErrorCode::Conflict);
    // Revised again: the card's "Earlier" lists both older versions, newest first.
    let newest = c.app.revise_pointer(&admin, new.id, pointer(PointerKind::Work, "Runs the branch")).expect("again");
    let earlier: Vec<String> =
        c.app.pointer_history(&admin, newest.id).expect("history").into_iter().map(|p| p.text).collect();
    assert_eq!(earlier, ["Promoted to branch manager", "Works at the bank"]);
    assert!(c.app.pointer_history(&admin, old.id).expect("the first version").is_empty());
}

#[test]
fn bad_input_is_refused_with_a_clear_message_and_nothing_saved() {
    let mut c = clinic();
    let admin = c.admin.clone();
    let p = c.patient("Asha", "Rao");
    let before = c.app.patient_history(&admin, p).expect("history").len();
    let err = c.app.add_pointer(&admin, p, pointer(PointerKind::Hobby, "   ")).expect_err("empty");
    assert_eq!((err.code, err.message.as_str()), (ErrorCode::InvalidInput, "a pointer needs some text"));
    assert_eq!(err.said, Some(Said::new(Says::PointerEmpty)));
    // A refused field is named, for the window to say in the staff member's language.
    let err = c.app.add_pointer(&admin, p, pointer(PointerKind::Hobby, &"x".repeat(501))).expect_err("long");
    assert_eq!(err.said, Some(Said::field(Says::FieldTooLong, "pointer text").with("max", 500_usize)));
    let edit = |c: &mut Clinic, edit: PatientEdit| c.app.edit_patient(&admin, p, edit).expect_err("refused");
    let err = edit(&mut c, PatientEdit { city: Some(Some("Pu\u{202E}ne".into())), ..Default::default() });
    assert_eq!((err.code, err.said), (ErrorCode::InvalidInput, Some(Said::field(Says::FieldCharacters, "city"))));
    let err = edit(&mut c, PatientEdit { preferred: Some(Some("...".into())), ..Default::default() });
    assert_eq!(err.said, Some(Said::field(Says::FieldNoLetter, "preferred name")));
    let err = edit(
        &mut c,
        PatientEdit { conditions: Some((0..30).map(|i| format!("tag {i}")).collect()), ..Default::default() },
    );
    assert_eq!(err.said, Some(Said::field(Says::FieldTooMany, "condition tags").with("max", 20_usize)));
    let err = c
        .app
        .edit_patient(
            &admin,
            p,
            PatientEdit {
                birth_date: Some(Some(NaiveDate::from_ymd_opt(2099, 1, 1).expect("date"))),
                ..Default::default()
            },
        )
        .expect_err("future");
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert_eq!(c.app.patient_history(&admin, p).expect("history").len(), before);
    let dr = doctor(&mut c, "dr.rao");
    let err = c
        .app
        .book(&admin, Booking { patient: p, doctor: dr, starts_at: noon(), minutes: 0, reason: None })
        .expect_err("zero minutes");
    assert_eq!(err.code, ErrorCode::InvalidInput);
}

#[test]
fn opening_a_patient_is_audited_as_a_view() {
    let mut c = clinic();
    let admin = c.admin.clone();
    let p = c.patient("Asha", "Rao");
    c.app.open_patient(&admin, p).expect("card");
    assert_eq!(actions(&c, p), ["patient.register", "patient.view"]);
}

#[test]
fn demo_data_is_deterministic_per_seed() {
    let load = |seed| {
        let mut c = clinic();
        let admin = c.admin.clone();
        let summary = c.app.load_demo(&admin, 50, seed, Some(&rapport_core::Secret::new(PASSWORD))).expect("demo");
        let mut stmt = c
            .app
            .store()
            .conn()
            .prepare("SELECT id, given, family, birth_date, phones FROM patient ORDER BY id")
            .expect("prepare");
        let names: Vec<String> = stmt
            .query_map([], |r| {
                Ok(format!(
                    "{:?} {} {} {:?} {}",
                    r.get::<_, Vec<u8>>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, String>(4)?
                ))
            })
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows");
        drop(stmt);
        (summary.patients, summary.pointers, summary.appointments, names)
    };
    let (patients, pointers, appointments, names) = load(7);
    assert_eq!(patients, 50);
    assert!(pointers > 20 && appointments > 100, "{pointers} pointers, {appointments} appointments");
    assert_eq!(load(7).3, names, "same seed, same patients");
    assert_ne!(load(8).3, names, "another seed, other patients");
}
