//! Durability: a writer killed with SIGKILL, again and again, mid-write. Every write it
//! acknowledged is there afterwards, the file is intact and the audit chain verifies.

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rapport_core::{ClinicSetup, KdfCost, KeyProtection, Rapport, Secret, SystemClock, Verification};
use rapport_model::PatientId;

const PASSPHRASE: &str = "durability passphrase";
const PASSWORD: &str = "durability-admin";
const ROUNDS: u64 = 25;

#[test]
fn acknowledged_writes_survive_sigkill() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("clinic.db");
    let cheap = KdfCost { memory_kib: 1024, iterations: 1, parallelism: 1 };
    let setup = ClinicSetup {
        clinic_name: "Durable Clinic",
        admin_login: "admin",
        admin_name: "Admin",
        admin_password: &Secret::new(PASSWORD),
    };
    drop(
        Rapport::init(&db, &KeyProtection::Passphrase(Secret::new(PASSPHRASE), cheap), &setup, Arc::new(SystemClock))
            .expect("init"),
    );

    let mut acked: Vec<(u64, PatientId)> = Vec::new();
    let mut next = 0u64;
    for round in 0..ROUNDS {
        let mut child = Command::new(env!("CARGO_BIN_EXE_durability-writer"))
            .arg(&db)
            .arg(next.to_string())
            .env("RAPPORT_PASSPHRASE", PASSPHRASE)
            .env("RAPPORT_PASSWORD", PASSWORD)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn writer");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        // Let it write for a varying while (20–150 ms), then kill it without warning.
        let run_for = Duration::from_millis(20 + (round * 37) % 130);
        let started = Instant::now();
        let mut seen_in_round = 0;
        while started.elapsed() < run_for || seen_in_round == 0 {
            if let Ok(line) = rx.recv_timeout(Duration::from_millis(5)) {
                record(&line, &mut acked);
                seen_in_round += 1;
            }
            assert!(started.elapsed() < Duration::from_secs(30), "the writer acknowledged nothing");
        }
        child.kill().expect("SIGKILL");
        child.wait().expect("wait");
        reader.join().expect("reader");
        // Lines already written before the kill were acknowledged too.
        for line in rx.try_iter() {
            record(&line, &mut acked);
        }
        // A write committed but killed before its acknowledgement may repeat a name: harmless.
        next = acked.last().map_or(0, |(n, _)| n + 1);
    }
    assert!(acked.len() as u64 >= ROUNDS, "each round acknowledged writes");

    let mut app =
        Rapport::open(&db, Some(&Secret::new(PASSPHRASE)), Arc::new(SystemClock)).expect("reopen after kills");
    app.store().check_integrity().expect("every page intact");
    let conn = app.store().conn();
    for (n, id) in &acked {
        let found: i64 = conn
            .query_row("SELECT count(*) FROM patient WHERE id = ?1", [id.as_bytes().as_slice()], |r| r.get(0))
            .expect("query");
        assert_eq!(found, 1, "acknowledged write {n} is missing");
    }
    let admin = app.login("admin", &Secret::new(PASSWORD)).expect("login");
    match app.verify_audit(&admin).expect("verify") {
        Verification::Intact { entries } => assert!(entries as usize >= 2 * acked.len(), "{entries} audit entries"),
        broken => panic!("audit chain broken after kills: {broken:?}"),
    }
}

fn record(line: &str, acked: &mut Vec<(u64, PatientId)>) {
    let mut parts = line.split(' ');
    if let (Some("ack"), Some(n), Some(id)) = (parts.next(), parts.next(), parts.next()) {
        acked.push((n.parse().expect("n"), id.parse().expect("id")));
    }
}
