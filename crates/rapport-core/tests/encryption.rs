//! Patient data never reaches the disk in plaintext, and keys behave: a wrong passphrase is
//! told apart from a damaged file, and nothing changes on a failed unlock.

mod common;

use common::*;
use rapport_core::{ErrorCode, Rapport, Secret};
use rapport_model::{NewPatient, PointerKind};

#[test]
fn canary_names_and_pointer_texts_never_appear_in_any_file() {
    let mut c = clinic();
    let given = "Zyxwvutsanna";
    let family = "Qwertyuiopson";
    let pointer_text = "Canary: holiday on Xanthicorp Island";
    let id = c.patient_with(NewPatient {
        given: given.into(),
        family: family.into(),
        preferred: Some("Zyxie".into()),
        phones: vec!["+91 98765 43210".into()],
        ..NewPatient::default()
    });
    c.app.add_pointer(&c.admin, id, pointer(PointerKind::Travel, pointer_text)).expect("pointer");
    c.app.open_patient(&c.admin, id).expect("open");
    assert_eq!(c.app.search_patients(&c.admin, "zyxw qwer", 5).expect("search").len(), 1);

    // Look while the database is open (WAL and SHM present) and again after it is closed.
    let canaries = [given, family, pointer_text, "Xanthicorp", "9876543210", "Zyxie"];
    assert_no_canary(c.dir.path(), &c.db, &canaries, true);
    let Clinic { dir, db, app, .. } = c;
    drop(app);
    assert_no_canary(dir.path(), &db, &canaries, false);
}

fn assert_no_canary(dir: &std::path::Path, db: &std::path::Path, canaries: &[&str], open: bool) {
    let files = all_files(dir);
    assert!(files.iter().any(|(p, _)| p == db), "the database file exists");
    if open {
        assert!(files.iter().any(|(p, _)| p.to_string_lossy().ends_with("-wal")), "the WAL file is checked too");
    }
    for (path, bytes) in &files {
        for canary in canaries {
            assert!(!contains(bytes, canary.as_bytes()), "{canary:?} found in {} (open: {open})", path.display());
            assert!(
                !contains(bytes, canary.to_lowercase().as_bytes()),
                "folded {canary:?} found in {} (open: {open})",
                path.display()
            );
        }
    }
    let header = std::fs::read(db).expect("db");
    assert!(!header.starts_with(b"SQLite format 3"), "the header is encrypted too");
}

#[test]
fn a_wrong_passphrase_says_so_and_changes_nothing() {
    let c = clinic();
    let db = c.db.clone();
    let dir = c.dir;
    drop(c.app);
    let before = all_files(dir.path());
    let err = Rapport::open(&db, Some(&Secret::new("not the passphrase")), c.clock.clone()).expect_err("must fail");
    assert_eq!(err.code, ErrorCode::WrongKey);
    assert_eq!(err.message, "wrong passphrase or key");
    assert_eq!(all_files(dir.path()), before, "a failed unlock leaves every file as it was");
}

#[test]
fn a_passphrase_protected_database_asks_for_its_passphrase() {
    let c = clinic();
    drop(c.app);
    let err = Rapport::open(&c.db, None, c.clock.clone()).expect_err("must fail");
    assert_eq!(err.code, ErrorCode::PassphraseRequired);
}

#[test]
fn a_key_file_holding_another_databases_key_is_a_wrong_key_not_corruption() {
    let a = clinic();
    let b = clinic();
    drop(a.app);
    drop(b.app);
    std::fs::copy(rapport_core::key_file_path(&b.db), rapport_core::key_file_path(&a.db)).expect("swap key file");
    let err = Rapport::open(&a.db, Some(&Secret::new(PASSPHRASE)), a.clock.clone()).expect_err("must fail");
    assert_eq!(err.code, ErrorCode::WrongKey);
}

#[test]
fn a_missing_key_file_is_a_clear_error() {
    let c = clinic();
    drop(c.app);
    std::fs::remove_file(rapport_core::key_file_path(&c.db)).expect("remove key file");
    let err = Rapport::open(&c.db, Some(&Secret::new(PASSPHRASE)), c.clock.clone()).expect_err("must fail");
    assert_eq!(err.code, ErrorCode::Storage);
    assert!(err.message.contains("key file is missing"), "{}", err.message);
}

#[test]
fn files_are_private_to_their_owner() {
    use std::os::unix::fs::PermissionsExt as _;
    let c = clinic();
    for path in [c.db.clone(), rapport_core::key_file_path(&c.db)] {
        let mode = std::fs::metadata(&path).expect("metadata").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", path.display());
    }
}

#[test]
fn the_data_survives_closing_and_reopening() {
    let mut c = clinic();
    let id = c.patient("Asha", "Rao");
    let c = c.reopen();
    let hits = c.app.search_patients(&c.admin, "asha", 5).expect("search");
    assert_eq!(hits.first().map(|h| h.id), Some(id));
}

#[test]
fn a_failed_init_leaves_nothing_behind_and_can_be_run_again() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("clinic.db");
    // A directory where SQLite wants its WAL file makes the new database fail half-way.
    let wal = dir.path().join("clinic.db-wal");
    std::fs::create_dir(&wal).expect("mkdir");
    let password = Secret::new(PASSWORD);
    let setup = lakeside(&password);
    let clock = std::sync::Arc::new(rapport_core::FixedClock::new(noon()));
    assert!(Rapport::init(&db, &protection(), &setup, clock.clone()).is_err());
    assert!(!db.exists(), "no half-made database");
    assert!(!rapport_core::key_file_path(&db).exists(), "no orphan key file");
    std::fs::remove_dir(&wal).expect("rmdir");
    Rapport::init(&db, &protection(), &setup, clock).expect("init works once the obstacle is gone");
}

#[test]
fn a_short_passphrase_is_refused_before_anything_is_made() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("clinic.db");
    let password = Secret::new(PASSWORD);
    let setup = lakeside(&password);
    let clock = std::sync::Arc::new(rapport_core::FixedClock::new(noon()));
    let short = "x".repeat(rapport_core::MIN_PASSPHRASE_CHARS - 1);
    let weak = rapport_core::KeyProtection::Passphrase(Secret::new(short.as_str()), CHEAP);
    let refused = Rapport::init(&db, &weak, &setup, clock.clone()).expect_err("too short");
    assert_eq!(refused.code, ErrorCode::InvalidInput);
    assert!(!refused.message.contains(&short), "the message never repeats the passphrase");
    assert!(!db.exists() && !rapport_core::key_file_path(&db).exists(), "nothing made");
    assert_eq!(Rapport::create_for_enrollment(&db, &weak, clock).expect_err("too short").code, ErrorCode::InvalidInput);

    // Re-protecting an existing database holds to the same rule (it used to take 8 characters).
    let mut c = clinic();
    let refused = c.app.change_key_protection(&c.admin, Some(&Secret::new(PASSPHRASE)), &weak).expect_err("short");
    assert_eq!(refused.code, ErrorCode::InvalidInput);
    let long_enough = "y".repeat(rapport_core::MIN_PASSPHRASE_CHARS);
    let strong = rapport_core::KeyProtection::Passphrase(Secret::new(long_enough.as_str()), CHEAP);
    c.app.change_key_protection(&c.admin, Some(&Secret::new(PASSPHRASE)), &strong).expect("long enough");
}
