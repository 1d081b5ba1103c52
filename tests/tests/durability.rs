//! Durability: a writer killed without warning, again and again, mid-write — by SIGKILL, and by
//! a simulated power cut in which every write not yet made durable with fsync is lost
//! (`tests/powerloss/shim.c`, an LD_PRELOAD library). Every write it acknowledged is there
//! afterwards, every page is intact and the audit chain verifies.
//!
//! CI runs 25 kills and 10 power cuts; `cargo xtask soak` runs 1,000 of each
//! (`RAPPORT_SIGKILL_ROUNDS`, `RAPPORT_POWER_LOSS_ROUNDS`).

#![allow(clippy::print_stdout)] // the soak run reports how many rounds and writes it checked

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rapport_core::{ClinicSetup, KdfCost, KeyProtection, Rapport, Secret, SystemClock, Verification};
use rapport_model::PatientId;

const PASSPHRASE: &str = "durability passphrase";
const PASSWORD: &str = "durability-admin";

/// How the writer is stopped each round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cut {
    /// SIGKILL: the process dies, the operating system keeps what it wrote.
    Kill,
    /// SIGKILL, then every file of the database goes back to its last fsync.
    PowerLoss,
}

fn rounds(var: &str, default: u64) -> u64 {
    std::env::var(var).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[test]
fn acknowledged_writes_survive_sigkill() {
    survive(Cut::Kill, rounds("RAPPORT_SIGKILL_ROUNDS", 25));
}

#[test]
fn acknowledged_writes_survive_power_loss() {
    survive(Cut::PowerLoss, rounds("RAPPORT_POWER_LOSS_ROUNDS", 10));
}

fn survive(cut: Cut, rounds: u64) {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    std::fs::create_dir(&data).expect("data dir");
    let db = data.join("clinic.db");
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
    let shim = (cut == Cut::PowerLoss).then(|| build_shim(dir.path()));
    let snapshots = dir.path().join("synced");

    let mut acked: Vec<(u64, PatientId)> = Vec::new();
    let mut next = 0u64;
    for round in 0..rounds {
        let mut writer = Command::new(env!("CARGO_BIN_EXE_durability-writer"));
        writer
            .arg(&db)
            .arg(next.to_string())
            .env("RAPPORT_PASSPHRASE", PASSPHRASE)
            .env("RAPPORT_PASSWORD", PASSWORD)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(shim) = &shim {
            // What is on disk now survived the last cut: it is the durable state to start from.
            copy_files(&data, &snapshots);
            writer.env("LD_PRELOAD", shim).env("POWERLOSS_DIR", &data).env("POWERLOSS_SNAP", &snapshots);
        }
        let mut child = writer.spawn().expect("spawn writer");
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
            if started.elapsed() > Duration::from_secs(30) {
                let _ = child.kill();
                let out = child.wait_with_output().expect("wait");
                panic!("round {round}: the writer acknowledged nothing: {}", String::from_utf8_lossy(&out.stderr));
            }
        }
        child.kill().expect("SIGKILL");
        child.wait().expect("wait");
        reader.join().expect("reader");
        // Lines already written before the kill were acknowledged too.
        for line in rx.try_iter() {
            record(&line, &mut acked);
        }
        if cut == Cut::PowerLoss {
            cut_the_power(&data, &snapshots);
        }
        // A write committed but cut before its acknowledgement may repeat a name: harmless.
        next = acked.last().map_or(0, |(n, _)| n + 1);
    }
    assert!(acked.len() as u64 >= rounds, "each round acknowledged writes");

    let mut app = Rapport::open(&db, Some(&Secret::new(PASSPHRASE)), Arc::new(SystemClock))
        .unwrap_or_else(|e| panic!("reopen after {rounds} cuts ({cut:?}): {e}"));
    app.store().check_integrity().expect("every page intact");
    let conn = app.store().conn();
    for (n, id) in &acked {
        let found: i64 = conn
            .query_row("SELECT count(*) FROM patient WHERE id = ?1", [id.as_bytes().as_slice()], |r| r.get(0))
            .expect("query");
        assert_eq!(found, 1, "acknowledged write {n} is missing after {cut:?}");
    }
    let admin = app.login("admin", &Secret::new(PASSWORD)).expect("login");
    match app.verify_audit(&admin).expect("verify") {
        Verification::Intact { entries } => assert!(entries as usize >= 2 * acked.len(), "{entries} audit entries"),
        broken => panic!("audit chain broken after {cut:?}: {broken:?}"),
    }
    println!("{cut:?}: {rounds} rounds, {} acknowledged writes, all present", acked.len());
}

fn record(line: &str, acked: &mut Vec<(u64, PatientId)>) {
    let mut parts = line.split(' ');
    if let (Some("ack"), Some(n), Some(id)) = (parts.next(), parts.next(), parts.next()) {
        acked.push((n.parse().expect("n"), id.parse().expect("id")));
    }
}

/// Builds the LD_PRELOAD library with the machine's C compiler (a build dependency anyway).
fn build_shim(dir: &Path) -> PathBuf {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("powerloss").join("shim.c");
    let out = dir.join("libpowerloss.so");
    let status = Command::new("cc")
        .args(["-shared", "-fPIC", "-O2", "-Wall", "-Werror", "-o"])
        .arg(&out)
        .arg(&source)
        .arg("-ldl")
        .status()
        .expect("a C compiler (cc) builds the power-loss library");
    assert!(status.success(), "building {}", source.display());
    out
}

/// Makes `to` hold exactly the files of `from`.
fn copy_files(from: &Path, to: &Path) {
    let _ = std::fs::remove_dir_all(to);
    std::fs::create_dir_all(to).expect("snapshot dir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let path = entry.expect("entry").path();
        if path.is_file() {
            std::fs::copy(&path, to.join(path.file_name().expect("name"))).expect("copy");
        }
    }
}

/// The power went: each file of `data` is as it was at its last fsync, or gone if it never was.
fn cut_the_power(data: &Path, synced: &Path) {
    for entry in std::fs::read_dir(data).expect("read dir") {
        std::fs::remove_file(entry.expect("entry").path()).expect("remove");
    }
    for entry in std::fs::read_dir(synced).expect("read snapshots") {
        let path = entry.expect("entry").path();
        let name = path.file_name().expect("name").to_string_lossy().into_owned();
        if !name.ends_with(".partial") {
            std::fs::copy(&path, data.join(&name)).expect("restore");
        }
    }
}
