//! A desk put back from its backup while it syncs with a real head office: back up, keep
//! working (some of it acknowledged by head office, some not), restore, sync. Nothing head
//! office acknowledged is lost, the desk's audit chain goes on from where head office holds it
//! (locally and at head office it verifies), record numbers are never given twice, and the desk
//! converges with head office. While head office cannot be reached the restored desk lets
//! nobody log in, so it cannot write a number head office already holds from it.

use rapport_tests::head_office::{Desk, Office};

/// Registers a patient; their id and record number.
fn register(desk: &Desk, given: &str, family: &str) -> (String, String) {
    let out = desk.ok(&["patient", "add", "--given", given, "--family", family, "--json"]);
    let p: serde_json::Value = serde_json::from_str(&out).expect("json");
    (p["id"].as_str().expect("id").to_owned(), p["record_no"].as_str().expect("record number").to_owned())
}

#[test]
fn a_restored_desk_loses_nothing_head_office_acknowledged_and_reuses_no_number() {
    let dir = tempfile::tempdir().expect("dir");
    let mut office = Office::two_clinics(dir.path(), None);
    let desk = Desk { db: dir.path().join("north.db") };
    desk.ok(&["init", "--clinic", "North", "--admin", "admin"]);
    office.enroll(&desk, "North");
    let (_, first) = register(&desk, "Asha", "Early");
    desk.ok(&["sync", "now"]);

    let backup = dir.path().join("north-monday.rapport");
    let said = desk.ok(&["backup", "--out", backup.to_str().expect("path")]);
    assert!(said.contains("Backed up"), "{said}");

    // Work after the backup: acknowledged by head office, then some that never reached it.
    let (acknowledged_id, acknowledged) = register(&desk, "Ravi", "Acknowledged");
    desk.ok(&["pointer", "add", &acknowledged_id, "--kind", "travel", "--text", "Back from Goa"]);
    desk.ok(&["sync", "now"]);
    desk.ok(&["patient", "add", "--given", "Nila", "--family", "Unsent"]);

    // The database here moved on: a restore needs --force, and keeps it aside.
    let refused = desk.run(&["restore", backup.to_str().expect("path")]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--force"));

    // Head office is down while the desk is put back: it restores, but nobody may log in yet.
    office.kill();
    let restored = desk.run(&["restore", backup.to_str().expect("path"), "--force"]);
    let said = format!("{}{}", String::from_utf8_lossy(&restored.stdout), String::from_utf8_lossy(&restored.stderr));
    assert_eq!(restored.status.code(), Some(4), "{said}");
    assert!(said.contains("kept as") && said.contains("catches up at its next sync"), "{said}");
    let blocked = desk.run(&["patient", "search", "Early"]);
    assert!(!blocked.status.success());
    assert!(String::from_utf8_lossy(&blocked.stderr).contains("put back from a backup"));

    // Head office back: the desk catches up.
    office.start();
    let synced = desk.ok(&["sync", "now"]);
    assert!(
        synced.contains("Caught up after the restore"),
        "the audit entries written after the backup come back: {synced}"
    );
    let found = desk.ok(&["patient", "search", "Acknowledged"]);
    assert!(found.contains(&acknowledged), "what head office acknowledged came back: {found}");
    assert!(desk.ok(&["patient", "show", &acknowledged_id]).contains("Back from Goa"));
    assert!(
        !desk.ok(&["patient", "search", "Unsent"]).contains("Unsent"),
        "what never reached head office stays in the set-aside copy"
    );

    // The chain goes on from head office's; the next record number is new.
    let (_, later) = register(&desk, "Uma", "Later");
    assert!(later != acknowledged && later != first, "record numbers are never given twice: {later}");
    let synced = desk.ok(&["sync", "now"]);
    assert!(!synced.contains("Head office refused"), "head office takes every audit entry written since: {synced}");
    assert!(desk.ok(&["audit", "verify"]).contains("intact"), "the desk's chain verifies");
    office.admin(&["audit", "verify"]);
    assert_eq!(desk.ok(&["dump"]), office.admin(&["dump", "--clinic", "North"]), "the desk converged with head office");
}
