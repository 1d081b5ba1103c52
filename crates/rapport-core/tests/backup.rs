//! Backups and restores of the desk's database: the copy is encrypted with the same key and
//! opens as a database of its own; a restore sets the database here aside, refuses to lose work
//! or to take another desk's copy unless forced, and refuses a wrong passphrase or a damaged
//! copy before moving anything.

mod common;

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;

use common::{PASSPHRASE, PASSWORD, all_files, clinic, contains};
use rapport_core::{ErrorCode, Rapport, Secret, Verification, key_file_path};

fn passphrase() -> Secret {
    Secret::new(PASSPHRASE)
}

/// Which of the family names the tests use the database holds.
fn names(app: &mut Rapport) -> Vec<String> {
    let s = app.login("admin", &Secret::new(PASSWORD)).expect("login");
    let mut names: Vec<String> = ["After", "Before", "Canaryname", "Moved"]
        .into_iter()
        .filter(|name| !app.search_patients(&s, name, 5).expect("search").is_empty())
        .map(str::to_owned)
        .collect();
    names.sort();
    names
}

#[test]
fn a_backup_is_an_encrypted_database_of_its_own_that_ends_with_its_audit_entry() {
    let mut c = clinic();
    c.patient("Asha", "Canaryname");
    let file = c.dir.path().join("backups").join("monday.rapport");
    let made = c.app.backup(&file).expect("backup");
    assert_eq!(made.key_file, key_file_path(&file));
    assert_eq!(std::fs::metadata(&file).expect("file").permissions().mode() & 0o777, 0o600);
    for (path, bytes) in all_files(&c.dir.path().join("backups")) {
        assert!(!contains(&bytes, b"Canaryname"), "{} holds a patient's name in clear", path.display());
        assert!(!contains(&bytes, b"SQLite format 3"), "{} is not encrypted", path.display());
    }
    // It opens with the same passphrase, holds the patient, and its chain verifies to its end.
    let mut copy = Rapport::open(&file, Some(&passphrase()), c.clock.clone()).expect("the backup opens");
    assert_eq!(names(&mut copy), ["Canaryname"]);
    let s = copy.login("admin", &Secret::new(PASSWORD)).expect("login");
    assert!(matches!(copy.verify_audit(&s).expect("verify"), Verification::Intact { .. }));
    // A second backup never writes over the first.
    let again = c.app.backup(&file).expect_err("exists");
    assert_eq!(again.code, ErrorCode::AlreadyExists);
    assert!(again.message.contains("never writes over"), "{}", again.message);
}

#[test]
fn a_restore_sets_the_database_aside_and_refuses_to_lose_work_unless_forced() {
    let mut c = clinic();
    c.patient("Asha", "Before");
    let file = c.dir.path().join("copy.rapport");
    c.app.backup(&file).expect("backup");
    c.patient("Ravi", "After");
    let db = c.db.clone();
    let clock = c.clock.clone();
    drop(c.app);

    let refused = rapport_core::restore(&db, &file, Some(&passphrase()), false, clock.clone()).expect_err("newer here");
    assert_eq!(refused.code, ErrorCode::Conflict);
    assert!(refused.message.contains("since this backup was taken") && refused.message.contains("--force"));
    let mut here = Rapport::open(&db, Some(&passphrase()), clock.clone()).expect("untouched");
    assert_eq!(names(&mut here), ["After", "Before"], "a refused restore changes nothing");
    drop(here);

    let (restored, app) = rapport_core::restore(&db, &file, Some(&passphrase()), true, clock.clone()).expect("forced");
    drop(app);
    assert!(!restored.must_catch_up, "a desk that never enrolled has nothing to catch up with");
    let aside = restored.set_aside.expect("the database here was set aside");
    // The same backup again over a database that has not moved on since needs no force.
    rapport_core::restore(&db, &file, Some(&passphrase()), false, clock.clone()).expect("same state");
    let mut back = Rapport::open(&db, Some(&passphrase()), clock.clone()).expect("restored opens");
    assert_eq!(names(&mut back), ["Before"]);
    let s = back.login("admin", &Secret::new(PASSWORD)).expect("login");
    assert!(matches!(back.verify_audit(&s).expect("verify"), Verification::Intact { .. }));
    let mut kept = Rapport::open(&aside, Some(&passphrase()), clock.clone()).expect("the set-aside database opens");
    assert_eq!(names(&mut kept), ["After", "Before"], "nothing is deleted by a restore");
}

#[test]
fn a_restore_refuses_another_desks_copy_a_wrong_passphrase_and_a_damaged_copy_before_moving_anything() {
    let mut here = clinic();
    here.patient("Asha", "Here");
    let mut other = clinic();
    other.patient("Ola", "Elsewhere");
    let theirs = other.dir.path().join("theirs.rapport");
    other.app.backup(&theirs).expect("backup");
    let (db, clock) = (here.db.clone(), here.clock.clone());
    drop(here.app);
    let before = std::fs::read(&db).expect("db");

    let refused =
        rapport_core::restore(&db, &theirs, Some(&passphrase()), false, clock.clone()).expect_err("other desk");
    assert_eq!(refused.code, ErrorCode::Conflict);
    assert!(refused.message.contains("another desk"), "{}", refused.message);

    let wrong = rapport_core::restore(&db, &theirs, Some(&Secret::new("not the passphrase")), true, clock.clone())
        .expect_err("wrong passphrase");
    assert_eq!(wrong.code, ErrorCode::WrongKey);

    let damaged = other.dir.path().join("damaged.rapport");
    std::fs::copy(&theirs, &damaged).expect("copy");
    std::fs::copy(key_file_path(&theirs), key_file_path(&damaged)).expect("copy key");
    let mut bytes = std::fs::read(&damaged).expect("read");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(&damaged, bytes).expect("write");
    let err = rapport_core::restore(&db, &damaged, Some(&passphrase()), true, clock.clone()).expect_err("damaged");
    assert_eq!(err.code, ErrorCode::Integrity, "{}", err.message);

    assert_eq!(std::fs::read(&db).expect("db"), before, "nothing was moved or written");
    let set_aside = all_files(db.parent().expect("dir"))
        .into_iter()
        .filter(|(p, _)| p.to_string_lossy().contains("before-restore"));
    assert_eq!(set_aside.count(), 0, "no file was set aside");
}

#[test]
fn a_backup_restores_on_a_machine_that_has_no_database() {
    let mut c = clinic();
    c.patient("Asha", "Moved");
    let file = c.dir.path().join("copy.rapport");
    c.app.backup(&file).expect("backup");
    let new_machine = tempfile::tempdir().expect("dir");
    let db = new_machine.path().join("data").join("clinic.db");
    let (restored, restored_app) =
        rapport_core::restore(&db, &file, Some(&passphrase()), false, c.clock.clone()).expect("restore");
    drop(restored_app);
    assert_eq!(restored.set_aside, None);
    let mut app = Rapport::open(&db, Some(&passphrase()), c.clock.clone()).expect("opens");
    assert_eq!(names(&mut app), ["Moved"]);
    assert!(Path::new(&key_file_path(&db)).is_file());
}
