//! Head office restored from an older copy of its data while desks keep working. A real
//! `rapport-server` (SQLite and PostgreSQL) is stopped, copied, run on, then put back to the
//! copy: what it acknowledged after the copy is gone from it, and its log numbers now name other
//! changes. Each desk notices at its next sync, sends again what it holds, pulls everything
//! anew, and all of them converge with head office again; nothing written after the copy is lost.

use std::path::{Path, PathBuf};

use rapport_tests::head_office::{Desk, Office, postgres_database};

/// An older copy of head office's data.
enum Backup {
    /// The SQLite files, copied while the server was stopped.
    Files(PathBuf),
    /// A PostgreSQL database made from head office's as a template.
    Database { live: String, copy: String, admin_url: String },
}

impl Backup {
    /// Takes a copy; the server must be stopped.
    fn take(office: &Office) -> Self {
        match &office.postgres {
            None => {
                let copy = office.dir.join("backup");
                copy_dir(&office.dir.join("office"), &copy);
                Self::Files(copy)
            }
            Some(url) => {
                let (base, live) = url.rsplit_once('/').expect("database name");
                let copy = format!("{live}_backup");
                let admin_url = format!("{base}/postgres");
                let backup = Self::Database { live: live.to_owned(), copy: copy.clone(), admin_url };
                backup.sql(&format!("CREATE DATABASE {copy} TEMPLATE {live}"));
                backup
            }
        }
    }

    /// Puts head office's data back to the copy; the server must be stopped.
    fn restore(&self, office: &Office) {
        match self {
            Self::Files(copy) => {
                let data = office.dir.join("office");
                std::fs::remove_dir_all(&data).expect("remove head office's data");
                copy_dir(copy, &data);
            }
            Self::Database { live, copy, .. } => {
                self.sql(&format!("DROP DATABASE {live} WITH (FORCE)"));
                self.sql(&format!("CREATE DATABASE {live} TEMPLATE {copy}"));
            }
        }
    }

    /// Runs a statement on the PostgreSQL server, waiting for the killed server's sessions to
    /// end (a template must have no one connected).
    fn sql(&self, statement: &str) {
        let Self::Database { admin_url, .. } = self else { return };
        let mut admin = postgres::Client::connect(admin_url, postgres::NoTls).expect("connect");
        for attempt in 0.. {
            match admin.batch_execute(statement) {
                Ok(()) => return,
                Err(_) if attempt < 50 => std::thread::sleep(std::time::Duration::from_millis(100)),
                Err(e) => panic!("{statement}: {e}"),
            }
        }
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copy");
    }
}

fn status(desk: &Desk) -> serde_json::Value {
    serde_json::from_str(&desk.ok(&["sync", "status", "--json"])).expect("json")
}

fn scenario(postgres: Option<String>) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().to_owned();
    let mut office = Office::two_clinics(&dir, postgres);

    // Two desks of North, one of South, in step with head office.
    let a = Desk { db: dir.join("a.db") };
    a.ok(&["init", "--clinic", "North", "--admin", "admin"]);
    a.ok(&["demo", "--patients", "12"]);
    office.enroll(&a, "North");
    let b = Desk { db: dir.join("b.db") };
    office.enroll(&b, "North");
    let c = Desk { db: dir.join("c.db") };
    c.ok(&["init", "--clinic", "South", "--admin", "boss"]);
    c.ok_as("boss", &["patient", "add", "--given", "Mira", "--family", "Solberg"]);
    office.enroll(&c, "South");
    let older = a.ok(&["patient", "add", "--given", "Olga", "--family", "Older"]);
    a.ok(&["sync", "now"]);
    b.ok(&["sync", "now"]);

    // The copy.
    office.kill();
    let backup = Backup::take(&office);
    office.start();

    // Work head office acknowledges after the copy: a patient made on A and edited on B, a
    // pointer, an edit of a patient from before, a patient of South's.
    let newer = a.ok(&["patient", "add", "--given", "Nils", "--family", "Newer"]);
    a.ok(&["pointer", "add", &newer, "--kind", "travel", "--text", "Back from Goa"]);
    a.ok(&["sync", "now"]);
    b.ok(&["sync", "now"]);
    b.ok(&["patient", "edit", &newer, "--phone", "+91 98450 12345"]);
    b.ok(&["patient", "edit", &older, "--family", "Oldest"]);
    b.ok(&["sync", "now"]);
    a.ok(&["sync", "now"]);
    let sven = c.ok_as("boss", &["patient", "add", "--given", "Sven", "--family", "Southward"]);
    c.ok(&["sync", "now"]);

    // Head office back to the copy; the desks keep working before they next sync.
    office.kill();
    backup.restore(&office);
    office.start();
    let offline = a.ok(&["patient", "add", "--given", "Mette", "--family", "Meanwhile"]);
    c.ok_as("boss", &["patient", "edit", &sven, "--given", "Svend"]);

    let first = a.ok(&["sync", "now"]);
    assert!(first.contains("restored from an older copy"), "the desk says what happened: {first}");
    for _ in 0..2 {
        for desk in [&a, &b, &c] {
            desk.ok(&["sync", "now"]);
        }
    }

    for desk in [&a, &b, &c] {
        let s = status(desk);
        assert_eq!(s["pending"], 0, "nothing left unsent");
        assert_eq!(s["conflicts"], 0, "sending history again is not a conflict");
    }
    let north = office.admin(&["dump", "--clinic", "North"]);
    let south = office.admin(&["dump", "--clinic", "South"]);
    assert_eq!(a.ok(&["dump"]), north, "desk A converged with the restored head office");
    assert_eq!(b.ok(&["dump"]), north, "desk B converged with the restored head office");
    assert_eq!(c.ok_as("boss", &["dump"]), south, "desk C converged with the restored head office");
    let north_json: serde_json::Value = serde_json::from_str(&north).expect("json");
    let patient = |id: &str| north_json["patient"][id].clone();
    assert_eq!(patient(&newer)["family"], "Newer", "a patient made after the copy is back");
    assert!(
        patient(&newer)["phones"].as_str().is_some_and(|p| p.contains("98450")),
        "another desk's edit of it is back"
    );
    assert_eq!(patient(&older)["family"], "Oldest", "an edit made after the copy is back");
    assert_eq!(patient(&offline)["given"], "Mette", "work done while head office was down goes up");
    assert!(north.contains("Back from Goa"), "the pointer is back");
    assert!(south.contains("Svend") && !south.contains("\"Sven\""), "South's patient and its later edit are back");
    // Every desk's audit chain is whole again at head office (`audit verify` fails otherwise).
    let chains = office.admin(&["audit", "verify"]);
    assert!(!chains.contains("BROKEN"), "{chains}");

    // A further sync has nothing new to pull (it sends the audit rows of the dumps above): the
    // desks' marks hold in the restored log.
    let again = a.ok(&["sync", "now"]);
    assert!(again.contains("pulled 0"), "{again}");
    assert!(!again.contains("restored"), "{again}");
}

#[test]
fn desks_converge_after_head_office_is_restored_from_a_copy_on_sqlite() {
    scenario(None);
}

#[test]
fn desks_converge_after_head_office_is_restored_from_a_copy_on_postgres() {
    scenario(Some(postgres_database("rapport_restore")));
}
