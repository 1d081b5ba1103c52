//! Doctors' schedules: hours and the slot grid shape free slots and refuse bookings outside
//! them, leave and clinic holidays close days, a walk-in is queued fairly and holds no slot,
//! and a slot freed by a cancel is offered to the waitlist in order.

mod common;

use chrono::{DateTime, Datelike, Duration, Local, NaiveDate, TimeZone, Utc, Weekday};
use common::*;
use rapport_core::{Booking, ErrorCode};
use rapport_model::Says;
use rapport_model::ipc::Said;
use rapport_model::schedule::{DayOff, Week, parse_sessions};
use rapport_model::view::FreeSlot;
use rapport_model::{AppointmentStatus, PatientId, Role, StaffId, StatusChange};

fn local(day: NaiveDate, h: u32, m: u32) -> DateTime<Utc> {
    Local.from_local_datetime(&day.and_hms_opt(h, m, 0).expect("time")).earliest().expect("local time").to_utc()
}

fn today() -> NaiveDate {
    noon().with_timezone(&Local).date_naive()
}

/// The next `weekday` after today.
fn next(weekday: Weekday) -> NaiveDate {
    let mut d = today() + Duration::days(1);
    while d.weekday() != weekday {
        d += Duration::days(1);
    }
    d
}

/// Mornings and evenings Monday to Saturday, Sundays off, 20-minute slots.
fn split_week() -> Week {
    let split = parse_sessions("09:00-13:00, 17:00-20:00").expect("hours");
    Week(std::array::from_fn(|i| if i == 6 { Vec::new() } else { split.clone() }))
}

fn book(
    c: &mut Clinic,
    patient: PatientId,
    doctor: StaffId,
    at: DateTime<Utc>,
) -> rapport_core::Result<rapport_model::Appointment> {
    let admin = c.admin.clone();
    c.app.book(&admin, Booking { patient, doctor, starts_at: at, minutes: 20, reason: None }).map(|o| o.appointment)
}

#[test]
fn a_doctors_hours_shape_the_free_slots_and_refuse_bookings_outside_them() {
    let mut c = clinic();
    let admin = c.admin.clone();
    let dr = c.staff("dr.mehta", Role::Clinician).staff().id;
    let desk = c.staff("desk", Role::FrontDesk);
    let p = c.patient("Asha", "Rao");
    let monday = next(Weekday::Mon);

    let default = c.app.doctor_hours(&admin, dr).expect("hours");
    assert_eq!(default.slot_minutes, 15, "the clinic default until someone sets them");
    let err = c.app.set_doctor_hours(&desk, dr, split_week(), 20).expect_err("front desk");
    assert_eq!(err.code, ErrorCode::Forbidden);
    let mut bad = split_week();
    bad.0[1] = parse_sessions("09:00-13:00, 12:00-14:00").expect("typed");
    let err = c.app.set_doctor_hours(&admin, dr, bad, 20).expect_err("overlap");
    assert_eq!(
        (err.code, err.message.as_str()),
        (ErrorCode::InvalidInput, "Tuesday: sessions are in order and do not overlap")
    );
    c.app.set_doctor_hours(&admin, dr, split_week(), 20).expect("hours");

    let slots = c.app.free_slots(&admin, dr, monday, 20).expect("slots");
    let starts: Vec<_> = slots.slots.iter().map(|s| s.starts_at).collect();
    assert_eq!(starts.len(), 12 + 9, "09:00 to 12:40, then 17:00 to 19:40");
    assert_eq!(starts.first(), Some(&local(monday, 9, 0)));
    assert!(starts.contains(&local(monday, 17, 0)) && !starts.contains(&local(monday, 13, 0)));
    let sunday = c.app.free_slots(&admin, dr, next(Weekday::Sun), 20).expect("slots");
    assert_eq!((sunday.slots.len(), sunday.off), (0, Some(DayOff::NoHours)));

    let err = book(&mut c, p, dr, local(monday, 14, 0)).expect_err("in the break");
    assert_eq!(err.code, ErrorCode::Conflict);
    assert!(err.message.contains("Monday hours are 09:00-13:00, 17:00-20:00"), "{}", err.message);
    assert!(book(&mut c, p, dr, local(monday, 12, 50)).is_err(), "a visit running past the end of the session");
    let a = book(&mut c, p, dr, local(monday, 9, 0)).expect("in hours");
    let err = c.app.move_appointment(&admin, a.id, local(next(Weekday::Sun), 10, 0), None).expect_err("a Sunday");
    assert!(err.message.contains("not working this day"), "{}", err.message);
}

#[test]
fn leave_and_clinic_holidays_close_the_day_and_count_what_is_already_booked() {
    let mut c = clinic();
    let admin = c.admin.clone();
    let dr = c.staff("dr.mehta", Role::Clinician).staff().id;
    let other = c.staff("dr.iyer", Role::Clinician).staff().id;
    let p = c.patient("Asha", "Rao");
    let tue = next(Weekday::Tue);
    book(&mut c, p, dr, local(tue, 10, 0)).expect("booked before the leave");

    let added = c.app.add_time_off(&admin, Some(dr), tue, tue + Duration::days(2), Some("conference")).expect("leave");
    assert_eq!(added.booked, 1, "the appointment already booked is counted, to be moved");
    let slots = c.app.free_slots(&admin, dr, tue + Duration::days(1), 15).expect("slots");
    assert_eq!((slots.slots.len(), slots.off), (0, Some(DayOff::Leave(Some("conference".into())))));
    assert!(!c.app.free_slots(&admin, other, tue, 15).expect("slots").slots.is_empty(), "another doctor works");
    let err = book(&mut c, p, dr, local(tue + Duration::days(1), 10, 0)).expect_err("on leave");
    assert!(err.message.contains("on leave (conference)"), "{}", err.message);
    // The window says it in the staff member's language: what, who, why and which day.
    let said = Said::new(Says::DoctorAway)
        .with("doctor", "dr.mehta (Clinician)")
        .with("away", DayOff::Leave(Some("conference".into())))
        .with("day", tue + Duration::days(1));
    assert_eq!(err.said, Some(said));

    let holiday = next(Weekday::Fri);
    c.app.add_time_off(&admin, None, holiday, holiday, Some("Diwali")).expect("holiday");
    for doctor in [dr, other] {
        let off = c.app.free_slots(&admin, doctor, holiday, 15).expect("slots").off;
        assert_eq!(off, Some(DayOff::Holiday(Some("Diwali".into()))));
    }
    let err = c.app.add_time_off(&admin, None, holiday, holiday - Duration::days(1), None).expect_err("backwards");
    assert_eq!(err.code, ErrorCode::InvalidInput);

    // Removing the leave opens the days again; the list shows what is ahead.
    assert_eq!(c.app.time_off(&admin).expect("list").len(), 2);
    c.app.remove_time_off(&admin, added.time_off.id).expect("remove");
    assert!(c.app.free_slots(&admin, dr, tue + Duration::days(1), 15).expect("slots").off.is_none());
    assert_eq!(c.app.remove_time_off(&admin, added.time_off.id).expect_err("twice").code, ErrorCode::NotFound);

    // The week view says the same.
    let week = c.app.week(&admin, dr, holiday).expect("week");
    assert_eq!(week.days.len(), 7);
    assert_eq!(week.days[0].day.weekday(), Weekday::Mon);
    let friday = week.days.iter().find(|d| d.day == holiday).expect("friday");
    assert_eq!(friday.off, Some(DayOff::Holiday(Some("Diwali".into()))));
}

#[test]
fn a_walk_in_is_queued_behind_patients_already_due_and_holds_no_slot() {
    let mut c = clinic();
    let admin = c.admin.clone();
    let dr = c.staff("dr.mehta", Role::Clinician).staff().id;
    let (booked, late, walker) = (c.patient("Asha", "Rao"), c.patient("Ravi", "Kumar"), c.patient("Meena", "Iyer"));
    let now = noon();
    let day = today();
    // Asha is booked at 12:00 and here; Ravi at 12:30, here early.
    let a = book(&mut c, booked, dr, now).expect("noon");
    let b = book(&mut c, late, dr, now + Duration::minutes(30)).expect("12:30");
    c.app.change_status(&admin, a.id, StatusChange::CheckIn).expect("in");
    c.app.change_status(&admin, b.id, StatusChange::CheckIn).expect("in");
    c.clock.advance(Duration::minutes(5));
    let free_before = c.app.free_slots(&admin, dr, day, 15).expect("slots").slots;
    let w = c.app.walk_in(&admin, walker, dr, Some("fever")).expect("walk in");
    assert_eq!((w.status, w.walk_in, w.minutes), (AppointmentStatus::Arrived, true, 15));

    let rows = c.app.day_schedule(&admin, day, Some(dr)).expect("schedule");
    let place = |id| rows.iter().find(|r| r.appointment.id == id).and_then(|r| r.queue_place);
    assert_eq!(
        (place(a.id), place(w.id), place(b.id)),
        (Some(1), Some(2), Some(3)),
        "the walk-in goes before a later booking"
    );
    let glance = c.app.doctor_glance(&admin, dr, None).expect("glance");
    assert_eq!(glance.appointment.map(|x| x.id), Some(a.id), "the doctor sees Asha first");

    // The walk-in holds no slot: the free slots are what they were, and its time can be booked.
    assert_eq!(c.app.free_slots(&admin, dr, day, 15).expect("slots").slots, free_before);
    let over =
        c.app.book(&admin, Booking { patient: late, doctor: dr, starts_at: w.starts_at, minutes: 15, reason: None });
    assert!(over.is_err(), "12:05 overlaps Asha's 12:00 booking, not the walk-in");
    assert!(over.expect_err("clash").message.contains("12:00"));
    // Seen and done, the walk-in's wait counts in the waiting figures like anyone's.
    c.clock.advance(Duration::minutes(20));
    c.app.change_status(&admin, w.id, StatusChange::Seen).expect("seen");
    assert_eq!(w.starts_at, now + Duration::minutes(5), "a walk-in's wait runs from arrival");
}

#[test]
fn a_cancelled_slot_is_offered_to_the_waitlist_in_order_and_taking_it_moves_the_booking() {
    let mut c = clinic();
    let admin = c.admin.clone();
    let dr = c.staff("dr.mehta", Role::Clinician).staff().id;
    let other = c.staff("dr.iyer", Role::Clinician).staff().id;
    let (early, first, second, picky) =
        (c.patient("Asha", "Rao"), c.patient("Ravi", "Kumar"), c.patient("Meena", "Iyer"), c.patient("Kiran", "Shah"));
    let tomorrow = today() + Duration::days(1);
    let freed_at = local(tomorrow, 9, 0);
    let gone = book(&mut c, early, dr, freed_at).expect("booked");
    let held = book(&mut c, first, dr, local(tomorrow + Duration::days(5), 11, 0)).expect("later");
    c.app.add_to_waitlist(&admin, first, Some(dr), 20, Some(held.id), Some("wants mornings")).expect("first");
    c.app.add_to_waitlist(&admin, second, None, 15, None, None).expect("any doctor");
    c.app.add_to_waitlist(&admin, picky, Some(other), 15, None, None).expect("another doctor");
    let err = c.app.add_to_waitlist(&admin, second, None, 15, Some(held.id), None).expect_err("not theirs");
    assert_eq!(err.code, ErrorCode::InvalidInput);

    c.app.change_status(&admin, gone.id, StatusChange::Cancel).expect("cancelled");
    let slot = FreeSlot { doctor: dr, starts_at: freed_at, minutes: 20 };
    let offers = c.app.waitlist_offers(&admin, slot).expect("offers");
    let names: Vec<_> = offers.iter().map(|o| o.patient.given.as_str()).collect();
    assert_eq!(names, ["Ravi", "Meena"], "first come first; Kiran waits for another doctor");
    assert_eq!(offers[0].holds, Some(held.starts_at));

    let taken = c.app.take_slot(&admin, offers[0].entry.id, slot).expect("take");
    assert_eq!((taken.appointment.id, taken.appointment.starts_at), (held.id, freed_at), "Ravi's booking moved");
    assert!(c.app.waitlist_offers(&admin, slot).expect("offers").is_empty(), "the slot is taken now");
    let err = c.app.take_slot(&admin, offers[0].entry.id, slot).expect_err("twice");
    assert_eq!(err.code, ErrorCode::Conflict);
    let waiting: Vec<_> = c.app.waitlist(&admin).expect("list").into_iter().map(|w| w.patient.given).collect();
    assert_eq!(waiting, ["Meena", "Kiran"]);

    // Moving Ravi's booking again frees 09:00; Meena takes it as a new booking.
    let moved = c.app.move_appointment(&admin, held.id, local(tomorrow, 10, 0), None).expect("moved");
    assert_eq!(moved.freed, Some(FreeSlot { doctor: dr, starts_at: freed_at, minutes: 20 }));
    let meena = c.app.waitlist_offers(&admin, slot).expect("offers");
    let booked = c.app.take_slot(&admin, meena[0].entry.id, slot).expect("booked");
    assert_eq!((booked.appointment.patient_id, booked.appointment.minutes), (second, 15));
    let entry = c.app.waitlist(&admin).expect("list").remove(0).entry.id;
    c.app.remove_from_waitlist(&admin, entry).expect("removed");
    assert!(c.app.waitlist(&admin).expect("list").is_empty());
}
