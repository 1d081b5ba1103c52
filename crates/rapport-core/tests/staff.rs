//! Staff accounts after they are made, through the real API: a reset password must be changed
//! before anything else, roles and deactivation follow the role matrix, nobody manages their own
//! account, and every change is audited and goes to head office.

mod common;

use common::*;
use rapport_core::{ErrorCode, Secret};
use rapport_model::ipc::Said;
use rapport_model::sync::Entity;
use rapport_model::{Role, Says};

const TEMPORARY: &str = "temporary-pass-9";
const CHOSEN: &str = "chosen-by-her-77";

#[test]
fn a_reset_password_works_once_and_must_be_changed_before_anything_else() {
    let mut c = enrolled_clinic();
    let boss = c.staff("boss", Role::Manager);
    c.staff("meera", Role::FrontDesk);
    // Five wrong tries lock her out; the reset lifts the lockout.
    for _ in 0..5 {
        let _ = c.app.login("meera", &Secret::new("not-her-password"));
    }
    c.app.reset_password(&boss, "meera", &Secret::new(TEMPORARY)).expect("reset");
    assert_eq!(c.app.login("meera", &Secret::new(PASSWORD)).expect_err("old").code, ErrorCode::AuthFailed);
    let meera = c.app.login("meera", &Secret::new(TEMPORARY)).expect("the temporary password opens");
    assert!(meera.must_change_password());
    let blocked = c.app.search_patients(&meera, "anyone", 5).expect_err("blocked");
    assert_eq!(blocked.code, ErrorCode::PasswordChangeNeeded);

    let wrong = c.app.change_password(&meera, &Secret::new("a-guess-12345"), &Secret::new(CHOSEN));
    let wrong = wrong.expect_err("wrong current");
    assert_eq!((wrong.code, wrong.said), (ErrorCode::AuthFailed, Some(Said::new(Says::CurrentPasswordWrong))));
    let same = c.app.change_password(&meera, &Secret::new(TEMPORARY), &Secret::new(TEMPORARY));
    assert_eq!(same.expect_err("unchanged").code, ErrorCode::InvalidInput);
    let short = c.app.change_password(&meera, &Secret::new(TEMPORARY), &Secret::new("short"));
    assert_eq!(short.expect_err("short").code, ErrorCode::InvalidInput);
    let meera = c.app.change_password(&meera, &Secret::new(TEMPORARY), &Secret::new(CHOSEN)).expect("changed");
    assert!(!meera.must_change_password());
    c.app.search_patients(&meera, "anyone", 5).expect("allowed now");
    assert!(!c.app.login("meera", &Secret::new(CHOSEN)).expect("her own").must_change_password());

    // The reset and the change go to head office (the flag with them), and both are audited.
    let out = rapport_store::sync::outbox(c.app.store().conn(), 1000, 1 << 22).expect("outbox");
    let flags: Vec<_> =
        out.iter().filter(|ch| ch.entity == Entity::Staff).filter_map(|ch| ch.fields.get("password_reset")).collect();
    assert!(flags.contains(&&serde_json::json!(1)) && flags.last() == Some(&&serde_json::json!(0)), "{flags:?}");
    let admin = c.admin.clone();
    let actions: Vec<String> = c.app.audit_log(&admin, None, 50).expect("log").into_iter().map(|e| e.action).collect();
    for action in ["staff.reset", "staff.password_refused", "staff.password"] {
        assert!(actions.iter().any(|a| a == action), "{action}: {actions:?}");
    }
}

#[test]
fn managers_manage_the_front_desk_and_clinicians_only_and_nobody_their_own_account() {
    let mut c = clinic();
    let admin = c.admin.clone();
    let boss = c.staff("boss", Role::Manager);
    c.staff("other.boss", Role::Manager);
    c.staff("ravi", Role::FrontDesk);
    let desk = c.staff("asha", Role::FrontDesk);
    let forbidden = |r: rapport_core::Result<rapport_model::Staff>| r.expect_err("refused").code;
    assert_eq!(forbidden(c.app.reset_password(&boss, "other.boss", &Secret::new(TEMPORARY))), ErrorCode::Forbidden);
    assert_eq!(forbidden(c.app.reset_password(&boss, "admin", &Secret::new(TEMPORARY))), ErrorCode::Forbidden);
    assert_eq!(forbidden(c.app.set_staff_role(&boss, "ravi", Role::Manager)), ErrorCode::Forbidden);
    assert_eq!(forbidden(c.app.set_staff_active(&boss, "boss", false)), ErrorCode::Forbidden, "not yourself");
    assert_eq!(forbidden(c.app.set_staff_role(&admin, "admin", Role::FrontDesk)), ErrorCode::Forbidden);
    assert_eq!(forbidden(c.app.set_staff_active(&desk, "ravi", false)), ErrorCode::Forbidden);
    assert_eq!(forbidden(c.app.set_staff_active(&boss, "nobody", false)), ErrorCode::NotFound);

    assert_eq!(c.app.set_staff_role(&boss, "ravi", Role::Clinician).expect("role").role, Role::Clinician);
    assert_eq!(c.app.set_staff_role(&admin, "ravi", Role::Manager).expect("promoted").role, Role::Manager);
    let ravi = c.app.login("ravi", &Secret::new(PASSWORD)).expect("login");
    assert_eq!(ravi.role(), Role::Manager, "the new role holds at the next login");

    // Deactivated: cannot log in, still listed with their history; back again when reactivated.
    c.app.set_staff_active(&boss, "asha", false).expect("deactivate");
    assert_eq!(c.app.login("asha", &Secret::new(PASSWORD)).expect_err("disabled").code, ErrorCode::AccountLocked);
    let listed = c.app.list_staff(&admin).expect("list");
    assert!(listed.iter().any(|s| s.login == "asha" && !s.active), "the account stays");
    c.app.set_staff_active(&boss, "asha", true).expect("reactivate");
    c.app.login("asha", &Secret::new(PASSWORD)).expect("back");
    let actions: Vec<String> = c.app.audit_log(&admin, None, 50).expect("log").into_iter().map(|e| e.action).collect();
    for action in ["staff.role", "staff.deactivate", "staff.reactivate"] {
        assert!(actions.iter().any(|a| a == action), "{action}: {actions:?}");
    }
}

#[test]
fn each_member_chooses_the_desks_language_for_themselves() {
    let mut c = clinic();
    let desk = c.staff("desk", Role::FrontDesk);
    let id = desk.staff().id;
    assert_eq!(c.app.staff_language(id), rapport_model::staff::Language::En, "English until chosen");
    c.app.set_own_language(&desk, rapport_model::staff::Language::Hi).expect("chosen");
    let c = c.reopen();
    assert_eq!(c.app.staff_language(id), rapport_model::staff::Language::Hi, "kept");
    assert_eq!(c.app.staff_language(c.admin.staff().id), rapport_model::staff::Language::En, "hers alone");
}
