//! Sync end to end with real processes: `rapport-server` over TLS (a CA made for the test) and
//! three `rapport` clients in two clinics, talking through a TCP proxy that cuts and stalls
//! connections mid-batch, with the server killed by SIGKILL mid-sync and started again. Run
//! against the embedded SQLite, and against the PostgreSQL `cargo xtask test` starts with two
//! head-office processes on it: the proxy spreads connections over both (as a load balancer
//! would), so one desk's requests land on either, and one process is killed mid-sync.

use std::process::{Command, Stdio};
use std::time::Duration;

use rapport_tests::head_office::{Desk, Office, bin, postgres_database};
use rapport_tests::proxy::{CUT_ANSWER, PASS, Proxy, STALL};

fn scenario(postgres: Option<String>) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().to_owned();
    let two_processes = postgres.is_some();
    let mut office = Office::two_clinics(&dir, postgres);
    let other = two_processes.then(|| office.another_process());
    let proxy = Proxy::start([Some(office.port), other.as_ref().map(|o| o.port)].into_iter().flatten().collect());
    let url = format!("https://localhost:{}", proxy.port);
    let ca = dir.join("ca.pem");
    let ca = ca.to_str().expect("path");
    let enroll = |desk: &Desk, clinic: &str| {
        let code = office.admin(&["enroll-code", "--clinic", clinic]);
        desk.run(&["sync", "enroll", "--server", &url, "--code", &code, "--ca-cert", ca])
    };

    // North: one desk with data, one new; South: a desk made separately (its admin login clashes).
    // Desk A's first push and desk B's first pull are cut mid-batch: each fails, the next sync
    // (through a stalling proxy for A) resumes and nothing is lost or doubled.
    let a = Desk { db: dir.join("a.db") };
    a.ok(&["init", "--clinic", "North", "--admin", "admin"]);
    a.ok(&["demo", "--patients", "40"]);
    proxy.set(CUT_ANSWER);
    let out = enroll(&a, "North");
    assert_eq!(out.status.code(), Some(4), "enrolled, but the cut first push is a failed sync");
    proxy.set(STALL);
    a.ok(&["sync", "now"]);
    let b = Desk { db: dir.join("b.db") };
    proxy.set(CUT_ANSWER);
    assert_eq!(enroll(&b, "North").status.code(), Some(4), "the cut first pull is a failed sync");
    proxy.set(PASS);
    b.ok(&["sync", "now"]);
    let c = Desk { db: dir.join("c.db") };
    c.ok(&["init", "--clinic", "South", "--admin", "admin"]);
    c.ok(&["patient", "add", "--given", "Mira", "--family", "Solberg"]);
    assert!(enroll(&c, "South").status.success());

    // Without a trusted CA the desk refuses the server's certificate.
    let code = office.admin(&["enroll-code", "--clinic", "South"]);
    let stranger = Desk { db: dir.join("stranger.db") };
    let out = stranger.run(&["sync", "enroll", "--server", &url, "--code", &code]);
    assert!(!out.status.success(), "a certificate from an unknown CA must be refused");
    assert!(!stranger.db.exists(), "a failed enrollment leaves no database behind");

    let patient = a.ok(&["patient", "add", "--given", "Tomas", "--family", "Berg"]);
    a.ok(&["sync", "now"]);

    // The same field edited on both North desks before either syncs: one wins, the other is logged.
    b.ok(&["sync", "now"]);
    a.ok(&["patient", "edit", &patient, "--given", "Tom"]);
    b.ok(&["patient", "edit", &patient, "--given", "Tommy"]);

    // Head office (one of its two processes, on PostgreSQL) killed mid-sync, then started again
    // on the same port.
    for i in 0..15 {
        a.ok(&["patient", "add", "--given", &format!("Late{i}"), "--family", "Arrival"]);
    }
    let mut syncing = Command::new(bin("rapport"))
        .arg("--db")
        .arg(&a.db)
        .args(["sync", "now"])
        .env("RAPPORT_PASSPHRASE", "e2e passphrase")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("sync");
    std::thread::sleep(Duration::from_millis(150));
    office.kill();
    let _ = syncing.wait();
    office.start();

    // `sync watch` keeps syncing in the foreground on the one database it opened.
    let mut watching = Command::new(bin("rapport"))
        .arg("--db")
        .arg(&b.db)
        .args(["sync", "watch", "--interval", "1"])
        .env("RAPPORT_PASSPHRASE", "e2e passphrase")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("watch");
    let out = watching.stdout.take().expect("stdout");
    let (lines, seen) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufRead::lines(std::io::BufReader::new(out)).map_while(Result::ok) {
            let _ = lines.send(line);
        }
    });
    let synced =
        (0..40).filter_map(|_| seen.recv_timeout(Duration::from_secs(1)).ok()).find(|l| l.contains(" synced: pushed "));
    let _ = watching.kill();
    let _ = watching.wait();
    assert!(synced.is_some(), "sync watch reports a sync");

    for _ in 0..2 {
        for desk in [&a, &b, &c] {
            desk.ok(&["sync", "now"]);
        }
    }
    let status: serde_json::Value = serde_json::from_str(&b.ok(&["sync", "status", "--json"])).expect("json");
    assert_eq!(status["pending"], 0);
    assert!(status["last_success"].is_string());
    let north = office.admin(&["dump", "--clinic", "North"]);
    let south = office.admin(&["dump", "--clinic", "South"]);
    // South's admin login was taken in North: head office renamed it the same way everywhere,
    // and South's admin now logs in by the new name. Staff stay in their own clinic.
    let south_json: serde_json::Value = serde_json::from_str(&south).expect("json");
    let south_logins: Vec<&str> =
        south_json["staff"].as_object().expect("staff").values().filter_map(|s| s["login"].as_str()).collect();
    assert!(south_logins.contains(&"admin"), "North's admin is in the chain's staff directory");
    let south_admin = south_logins
        .iter()
        .find(|l| l.starts_with("admin."))
        .copied()
        .unwrap_or_else(|| panic!("South's admin is renamed: {south_logins:?}"));
    assert!(!north.contains("password_hash") && !south.contains("password_hash"), "dumps never print hashes");
    assert_eq!(a.ok(&["dump"]), north, "desk A converged with head office");
    assert_eq!(b.ok(&["dump"]), north, "desk B converged with head office");
    assert_eq!(c.ok_as(south_admin, &["dump"]), south, "desk C converged with head office");
    assert!(north.contains("Late14"), "what was pushed while head office died arrived");
    assert!(!south.contains("Tomas"), "North's patients stay in North");
    assert!(!c.run(&["dump"]).status.success(), "a dump needs a staff login");

    let lost: usize = [&a, &b]
        .iter()
        .map(|d| {
            let json: serde_json::Value = serde_json::from_str(&d.ok(&["conflicts", "list", "--json"])).expect("json");
            json.as_array().map_or(0, Vec::len)
        })
        .sum();
    assert_eq!(lost, 1, "exactly one desk lost the concurrent edit and keeps it in its conflict log");

    // A revoked desk is stopped at its next request.
    let device =
        serde_json::from_str::<serde_json::Value>(&c.ok(&["sync", "status", "--json"])).expect("json")["device"]
            .as_str()
            .expect("device id")
            .to_owned();
    office.admin(&["device", "revoke", &device]);
    let out = c.run(&["sync", "now"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("revoked"));

    // Its work made meanwhile is not stranded: enrolled again with a new code, it goes up.
    c.ok_as(south_admin, &["patient", "add", "--given", "Noor", "--family", "Stranded"]);
    assert!(!c.run(&["sync", "now"]).status.success(), "still revoked");
    let code = office.admin(&["enroll-code", "--clinic", "South"]);
    let out = c.run(&["sync", "enroll", "--server", &url, "--code", &code, "--ca-cert", ca]);
    assert!(!out.status.success(), "an enrolled desk needs --again");
    c.ok(&["sync", "enroll", "--server", &url, "--code", &code, "--ca-cert", ca, "--again"]);
    assert!(office.admin(&["dump", "--clinic", "South"]).contains("Stranded"));
}

#[test]
fn three_desks_in_two_clinics_converge_through_faults_on_sqlite() {
    scenario(None);
}

#[test]
fn three_desks_in_two_clinics_converge_through_faults_on_postgres() {
    scenario(Some(postgres_database("rapport_e2e")));
}
