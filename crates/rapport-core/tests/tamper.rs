//! Tampering is caught: a damaged file fails with an integrity error (never wrong data), and an
//! audit row edited outside the app, with the key, is found by the verifier.

mod common;

use common::*;
use rapport_core::{ErrorCode, Rapport, Secret, Verification};
use rapport_model::PointerKind;
use rapport_store::{Store, rusqlite};

fn populated() -> Clinic {
    let mut c = clinic();
    for i in 0..300 {
        let id = c.patient(&format!("Given{i}"), &format!("Family{i}"));
        c.app.add_pointer(&c.admin, id, pointer(PointerKind::Hobby, &format!("Plays chess {i}"))).expect("pointer");
    }
    c
}

/// Reads everything the app can show for every patient.
fn read_everything(app: &mut Rapport, c_admin: &rapport_core::Session) -> Result<usize, rapport_core::Error> {
    let hits = app.search_patients(c_admin, "given", 200)?;
    for h in &hits {
        app.open_patient(c_admin, h.id)?;
    }
    app.store().check_integrity()?;
    Ok(hits.len())
}

#[test]
fn flipped_bytes_in_the_file_are_an_integrity_error_never_wrong_data() {
    let c = populated();
    let Clinic { dir, db, app, admin, clock } = c;
    drop(app); // checkpoints the WAL into the main file
    let pristine = std::fs::read(&db).expect("read");
    let page = 4096;
    assert!(pristine.len() > 10 * page, "enough pages to damage");
    // Damage one page at a time: page 1 (the header), one in the middle, the last.
    for offset in [100, pristine.len() / 2, pristine.len() - 200] {
        let mut damaged = pristine.clone();
        for b in &mut damaged[offset..offset + 8] {
            *b ^= 0x5a;
        }
        std::fs::write(&db, &damaged).expect("write");
        let outcome = Rapport::open(&db, Some(&Secret::new(PASSPHRASE)), clock.clone())
            .and_then(|mut app| read_everything(&mut app, &admin));
        let err = outcome.expect_err(&format!("damage at byte {offset} must be noticed"));
        assert_eq!(err.code, ErrorCode::Integrity, "damage at byte {offset}: {}", err.message);
        assert_eq!(err.message, "the database file is damaged or was tampered with");
    }
    std::fs::write(&db, &pristine).expect("restore");
    let mut app = Rapport::open(&db, Some(&Secret::new(PASSPHRASE)), clock.clone()).expect("pristine opens");
    assert_eq!(read_everything(&mut app, &admin).expect("pristine reads"), 200);
    drop(dir);
}

/// Opens the database with its key, as someone with the key but outside the app would.
fn raw(c: &Clinic) -> rusqlite::Connection {
    let (key, _) = Store::find_key(&c.db, Some(&Secret::new(PASSPHRASE))).expect("key");
    let conn = rusqlite::Connection::open(&c.db).expect("open");
    conn.execute_batch(&format!(
        "PRAGMA key = \"x'{}'\";",
        key.as_bytes().iter().map(|b| format!("{b:02x}")).collect::<String>()
    ))
    .expect("key");
    conn
}

fn verify(c: &Clinic) -> Verification {
    c.app.verify_audit(&c.admin).expect("verify")
}

#[test]
fn the_audit_log_refuses_updates_and_deletes() {
    let c = populated();
    let conn = raw(&c);
    let update = conn.execute("UPDATE audit SET action = 'patient.view' WHERE seq = 3", []).expect_err("refused");
    assert!(update.to_string().contains("append-only"), "{update}");
    let delete = conn.execute("DELETE FROM audit WHERE seq = 3", []).expect_err("refused");
    assert!(delete.to_string().contains("append-only"), "{delete}");
    assert!(matches!(verify(&c), Verification::Intact { .. }));
}

#[test]
fn an_edited_audit_row_is_caught() {
    let c = populated();
    let conn = raw(&c);
    conn.execute_batch("DROP TRIGGER audit_is_append_only_u; UPDATE audit SET action = 'patient.view' WHERE seq = 42;")
        .expect("tamper");
    assert_eq!(verify(&c), Verification::Broken { seq: 42, reason: "contents were changed".into() });
}

#[test]
fn a_removed_audit_row_is_caught() {
    let c = populated();
    let conn = raw(&c);
    conn.execute_batch("DROP TRIGGER audit_is_append_only_d; DELETE FROM audit WHERE seq = 17;").expect("tamper");
    assert_eq!(verify(&c), Verification::Broken { seq: 17, reason: "entry missing".into() });
}

#[test]
fn reordered_audit_rows_are_caught() {
    let c = populated();
    let conn = raw(&c);
    // Swap the contents of rows 10 and 11, hashes included.
    conn.execute_batch(
        "DROP TRIGGER audit_is_append_only_u;
         UPDATE audit SET seq = -10 WHERE seq = 10;
         UPDATE audit SET seq = 10 WHERE seq = 11;
         UPDATE audit SET seq = 11 WHERE seq = -10;",
    )
    .expect("tamper");
    assert!(matches!(verify(&c), Verification::Broken { seq: 10, .. }), "{:?}", verify(&c));
}

#[test]
fn a_cut_tail_is_caught() {
    let c = populated();
    let conn = raw(&c);
    conn.execute_batch(
        "DROP TRIGGER audit_is_append_only_d; DELETE FROM audit WHERE seq > (SELECT max(seq) - 3 FROM audit);",
    )
    .expect("tamper");
    assert!(matches!(verify(&c), Verification::Broken { .. }));
}

#[test]
fn an_intact_log_counts_every_entry() {
    let c = populated();
    // init + 300 × (register + pointer)
    assert_eq!(verify(&c), Verification::Intact { entries: 601 });
}
