//! Restricted records (break-glass), through the real API: a manager restricts a record; from
//! then on nobody opens, edits or glances at it without stating why, a stated reason opens it for
//! that staff member alone for a while, and each opening is audited with its reason, listed for
//! managers and sent to head office with the audit chain.

mod common;

use chrono::Duration;
use common::*;
use rapport_core::ErrorCode;
use rapport_model::sync::Entity;
use rapport_model::{PatientEdit, Role};

#[test]
fn a_restricted_record_opens_only_with_a_reason_that_managers_see() {
    let mut c = enrolled_clinic();
    let boss = c.staff("boss", Role::Manager);
    let desk = c.staff("priya", Role::FrontDesk);
    let sam = c.staff("sam", Role::FrontDesk);
    let vip = c.patient("Famous", "Person");
    assert_eq!(c.app.set_restricted(&desk, vip, true).expect_err("front desk").code, ErrorCode::Forbidden);
    c.app.set_restricted(&boss, vip, true).expect("restrict");

    let refused = |r: rapport_core::Result<rapport_model::view::PatientCard>| r.expect_err("restricted").code;
    assert_eq!(refused(c.app.open_patient(&desk, vip)), ErrorCode::Restricted);
    assert_eq!(refused(c.app.open_patient(&boss, vip)), ErrorCode::Restricted, "managers say why too");
    let edit = PatientEdit { family: Some("Renamed".into()), ..PatientEdit::default() };
    assert_eq!(c.app.edit_patient(&desk, vip, edit.clone()).expect_err("edit").code, ErrorCode::Restricted);
    assert_eq!(refused(c.app.open_restricted(&desk, vip, "  ")), ErrorCode::InvalidInput, "a reason is needed");
    let hidden = "checking in \u{1b}[2J\u{202e}";
    assert_eq!(refused(c.app.open_restricted(&desk, vip, hidden)), ErrorCode::InvalidInput, "no control characters");
    // Search still finds the patient (the desk must be able to check them in), without the card.
    assert_eq!(c.app.search_patients(&desk, "famous", 5).expect("search").len(), 1);

    let card = c.app.open_restricted(&desk, vip, "Checking in for the 11:00 appointment").expect("opened");
    assert_eq!(card.patient.id, vip);
    c.app.open_patient(&desk, vip).expect("open again within the half hour");
    c.app.edit_patient(&desk, vip, edit).expect("and edit");
    assert_eq!(refused(c.app.open_patient(&sam, vip)), ErrorCode::Restricted, "her reason opens it for her only");
    c.clock.advance(Duration::minutes(31));
    assert_eq!(refused(c.app.open_patient(&desk, vip)), ErrorCode::Restricted, "not for ever");

    let log = c.app.break_glass_log(&boss, 10).expect("list");
    assert_eq!(log.len(), 1);
    assert_eq!(
        (log[0].reason.as_str(), log[0].staff.as_str()),
        ("Checking in for the 11:00 appointment", "priya (Front desk)")
    );
    assert_eq!(c.app.break_glass_log(&desk, 10).expect_err("managers only").code, ErrorCode::Forbidden);
    // The restriction and the opening go to head office (the flag with the patient, the reason
    // in the audit chain).
    let out = rapport_store::sync::outbox(c.app.store().conn(), 1000, 1 << 22).expect("outbox");
    assert!(
        out.iter().any(|ch| ch.entity == Entity::Patient && ch.fields.get("restricted") == Some(&serde_json::json!(1)))
    );
    assert!(
        out.iter().any(|ch| ch.entity == Entity::Audit
            && ch.fields.get("action") == Some(&serde_json::json!("patient.break_glass")))
    );

    c.app.set_restricted(&boss, vip, false).expect("lift");
    c.app.open_patient(&sam, vip).expect("an ordinary record again");
}
