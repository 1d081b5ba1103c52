//! The role matrix, through the real API: each role × each operation is allowed or refused as
//! designed, and a refusal changes nothing (not even the audit log).

mod common;

use chrono::Duration;
use common::*;
use rapport_core::{Booking, ErrorCode, Secret, Session, Verification};
use rapport_model::{Operation, PatientEdit, PointerKind, Role, StatusChange};

/// Expected: [front desk, clinician, manager, admin]. Written out here, not derived from the
/// model, so a change to the rules must change this table too.
const EXPECTED: &[(Operation, [bool; 4])] = &[
    (Operation::ViewPatient, [true, true, true, true]),
    (Operation::RegisterPatient, [true, false, true, true]),
    (Operation::EditPatient, [true, true, true, true]),
    (Operation::DeletePatient, [false, false, true, true]),
    (Operation::AddPointer, [true, true, true, true]),
    (Operation::MarkPointer, [true, true, true, true]),
    (Operation::RetractPointer, [true, false, true, true]),
    (Operation::BookAppointment, [true, true, true, true]),
    (Operation::ChangeAppointmentStatus, [true, true, true, true]),
    (Operation::ViewSchedule, [true, true, true, true]),
    (Operation::ManageStaff, [false, false, true, true]),
    (Operation::ViewAudit, [false, false, true, true]),
    (Operation::ChangeSettings, [false, false, true, true]),
    (Operation::LoadDemoData, [false, false, false, true]),
    (Operation::ExportData, [false, false, true, true]),
    (Operation::RestrictRecord, [false, false, true, true]),
];

fn attempt(
    c: &mut Clinic,
    who: &Session,
    op: Operation,
    doctor: rapport_model::StaffId,
    n: usize,
) -> Result<(), rapport_core::Error> {
    let admin = c.admin.clone();
    let patient = c.patient(&format!("Role{n}"), "Patient");
    let ptr = c.app.add_pointer(&admin, patient, pointer(PointerKind::Hobby, "Plays tabla")).expect("pointer").id;
    let at = noon() + Duration::days(1) + Duration::minutes(30 * n as i64);
    let appt = c
        .app
        .book(&admin, Booking { patient, doctor, starts_at: at, minutes: 15, reason: None })
        .expect("book")
        .appointment
        .id;
    let app = &mut c.app;
    match op {
        Operation::ViewPatient => app.open_patient(who, patient).map(drop),
        Operation::RegisterPatient => {
            app.register_patient(who, rapport_model::NewPatient { given: "New".into(), ..Default::default() }).map(drop)
        }
        Operation::EditPatient => {
            app.edit_patient(who, patient, PatientEdit { given: Some("Edited".into()), ..Default::default() }).map(drop)
        }
        Operation::DeletePatient => app.delete_patient(who, patient),
        Operation::AddPointer => app.add_pointer(who, patient, pointer(PointerKind::Work, "New job")).map(drop),
        Operation::MarkPointer => app.mark_pointer_used(who, ptr, None).map(drop),
        Operation::RetractPointer => app.retract_pointer(who, ptr).map(drop),
        Operation::BookAppointment => app
            .book(who, Booking { patient, doctor, starts_at: at + Duration::minutes(15), minutes: 15, reason: None })
            .map(drop),
        Operation::ChangeAppointmentStatus => app.change_status(who, appt, StatusChange::Confirm).map(drop),
        Operation::ViewSchedule => app.day_schedule(who, at.date_naive(), None).map(drop),
        Operation::ManageStaff => {
            app.add_staff(who, &format!("new{n}"), "New starter", Role::FrontDesk, &Secret::new(PASSWORD)).map(drop)
        }
        Operation::ViewAudit => app.verify_audit(who).map(drop),
        Operation::ChangeSettings => app.set_idle_lock_minutes(who, 5),
        Operation::LoadDemoData => app.load_demo(who, 0, 1, None).map(drop),
        Operation::ExportData => app.dump(who).map(drop),
        Operation::RestrictRecord => app.set_restricted(who, patient, true),
    }
}

fn audit_entries(c: &Clinic) -> i64 {
    match c.app.verify_audit(&c.admin).expect("verify") {
        Verification::Intact { entries } => entries,
        broken => panic!("audit chain broken: {broken:?}"),
    }
}

#[test]
fn every_role_may_do_exactly_what_the_matrix_says() {
    let mut c = clinic();
    let sessions = [
        c.staff("desk", Role::FrontDesk),
        c.staff("doc", Role::Clinician),
        c.staff("boss", Role::Manager),
        c.admin.clone(),
    ];
    let doctor = sessions[1].staff().id;
    assert_eq!(EXPECTED.len(), Operation::ALL.len(), "every operation is in the table");
    let mut n = 0;
    for (op, allowed) in EXPECTED {
        for (who, expected) in sessions.iter().zip(allowed) {
            n += 1;
            let before = audit_entries(&c) + 3; // the attempt's own set-up writes three entries
            let outcome = attempt(&mut c, who, *op, doctor, n);
            match (expected, outcome) {
                (true, Ok(())) => {}
                (false, Err(e)) => {
                    assert_eq!(e.code, ErrorCode::Forbidden, "{:?} doing {op:?}: {}", who.role(), e.message);
                    assert_eq!(audit_entries(&c), before, "a refused {op:?} by {:?} wrote nothing", who.role());
                }
                (true, Err(e)) => {
                    panic!("{:?} should be allowed {op:?}: {}", who.role(), e.message)
                }
                (false, Ok(())) => panic!("{:?} should be refused {op:?}", who.role()),
            }
        }
    }
}

#[test]
fn a_manager_cannot_create_an_admin_or_another_manager() {
    let mut c = clinic();
    let boss = c.staff("boss", Role::Manager);
    for role in [Role::Admin, Role::Manager] {
        let err = c.app.add_staff(&boss, "climber", "Climber", role, &Secret::new(PASSWORD)).expect_err("refused");
        assert_eq!(err.code, ErrorCode::Forbidden);
    }
}

#[test]
fn five_wrong_passwords_lock_the_account_for_fifteen_minutes() {
    let mut c = clinic();
    c.staff("desk", Role::FrontDesk);
    for _ in 0..5 {
        assert_eq!(c.app.login("desk", &Secret::new("wrong-password")).expect_err("wrong").code, ErrorCode::AuthFailed);
    }
    let locked = c.app.login("desk", &Secret::new(PASSWORD)).expect_err("locked");
    assert_eq!(locked.code, ErrorCode::AccountLocked);
    c.clock.advance(Duration::minutes(16));
    assert!(c.app.login("desk", &Secret::new(PASSWORD)).is_ok(), "unlocked after the lockout");
}

#[test]
fn an_unknown_login_is_answered_and_locked_out_exactly_as_a_known_one() {
    let mut c = clinic();
    c.staff("desk", Role::FrontDesk);
    let answers = |c: &mut Clinic, login: &str| -> Vec<(ErrorCode, String)> {
        (0..7)
            .map(|_| c.app.login(login, &Secret::new("wrong-password")).expect_err("refused"))
            .map(|e| (e.code, e.message))
            .collect()
    };
    let audit_before = audit_entries(&c);
    let known = answers(&mut c, "desk");
    let per_try = audit_entries(&c) - audit_before;
    let unknown = answers(&mut c, "nobody.here");
    assert_eq!(known, unknown, "the same answers, try by try, the lockout included");
    assert_eq!(known[5].0, ErrorCode::AccountLocked, "the sixth try meets the lockout");
    assert_eq!(audit_entries(&c) - audit_before, 2 * per_try, "the same writes for either");
    // A disabled account answers a wrong password like any other; only its own password learns
    // that it is disabled.
    let admin = c.admin.clone();
    c.staff("gone", Role::FrontDesk);
    c.app.set_staff_active(&admin, "gone", false).expect("deactivate");
    let wrong = c.app.login("gone", &Secret::new("wrong-password")).expect_err("wrong");
    assert_eq!((wrong.code, wrong.message.as_str()), (ErrorCode::AuthFailed, "unknown login or wrong password"));
    assert_eq!(c.app.login("gone", &Secret::new(PASSWORD)).expect_err("disabled").code, ErrorCode::AccountLocked);
}

#[test]
fn unknown_logins_and_wrong_passwords_get_the_same_answer() {
    let mut c = clinic();
    let unknown = c.app.login("nobody", &Secret::new(PASSWORD)).expect_err("unknown");
    let wrong = c.app.login("admin", &Secret::new("wrong-password")).expect_err("wrong");
    assert_eq!((unknown.code, &unknown.message), (wrong.code, &wrong.message));
}

#[test]
fn short_passwords_and_taken_logins_are_refused() {
    let mut c = clinic();
    let admin = c.admin.clone();
    assert_eq!(
        c.app.add_staff(&admin, "short", "Short", Role::FrontDesk, &Secret::new("1234567")).expect_err("short").code,
        ErrorCode::InvalidInput
    );
    c.staff("taken", Role::FrontDesk);
    assert_eq!(
        c.app.add_staff(&admin, "TAKEN", "Again", Role::FrontDesk, &Secret::new(PASSWORD)).expect_err("taken").code,
        ErrorCode::Conflict
    );
}
