//! Sync end to end with real processes: `rapport-server` over TLS (a CA made for the test) and
//! three `rapport` clients in two clinics, talking through a TCP proxy that cuts and stalls
//! connections mid-batch, with the server killed by SIGKILL mid-sync and started again. Run
//! against the embedded SQLite and against the PostgreSQL `cargo xtask test` starts.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

const PASSWORD: &str = "e2e-password-1";

fn bin(name: &str) -> PathBuf {
    // Test binaries live in target/<profile>/deps; the workspace's binaries one level up.
    let exe = std::env::current_exe().expect("test binary");
    let dir = exe.parent().and_then(Path::parent).expect("target dir");
    let path = dir.join(name);
    assert!(path.exists(), "{} is not built; run `cargo xtask test` (it builds the workspace first)", path.display());
    path
}

/// A TCP proxy between the clients and the server that can cut or stall connections.
struct Proxy {
    port: u16,
    mode: Arc<AtomicU8>,
}

const PASS: u8 = 0;
/// Forward the request, then cut the answer after a few bytes (the server has done the work).
const CUT_ANSWER: u8 = 1;
/// Hold every connection for two seconds before forwarding.
const STALL: u8 = 2;

impl Proxy {
    fn start(upstream: u16) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        let port = listener.local_addr().expect("addr").port();
        let mode = Arc::new(AtomicU8::new(PASS));
        let m = Arc::clone(&mode);
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let mode = m.load(Ordering::SeqCst);
                std::thread::spawn(move || relay(client, upstream, mode));
            }
        });
        Self { port, mode }
    }

    fn set(&self, mode: u8) {
        self.mode.store(mode, Ordering::SeqCst);
    }
}

fn relay(client: TcpStream, upstream: u16, mode: u8) {
    if mode == STALL {
        std::thread::sleep(Duration::from_secs(2));
    }
    let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else { return };
    let (mut c_read, mut s_write) = (client.try_clone().expect("clone"), server.try_clone().expect("clone"));
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut c_read, &mut s_write);
        let _ = s_write.shutdown(Shutdown::Write);
    });
    let (mut s_read, mut c_write) = (server, client);
    let mut buf = [0u8; 16 * 1024];
    let mut sent = 0usize;
    loop {
        let n = match s_read.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        // Cutting once the answer has started: TLS handshakes pass, the HTTP answer does not.
        if mode == CUT_ANSWER && sent + n > 6000 {
            let _ = c_write.shutdown(Shutdown::Both);
            let _ = s_read.shutdown(Shutdown::Both);
            return;
        }
        if c_write.write_all(&buf[..n]).is_err() {
            break;
        }
        sent += n;
    }
    let _ = c_write.shutdown(Shutdown::Write);
}

struct Office {
    dir: PathBuf,
    postgres: Option<String>,
    port: u16,
    child: Option<Child>,
}

impl Office {
    fn admin(&self, args: &[&str]) -> String {
        let mut cmd = Command::new(bin("rapport-server"));
        cmd.args(args).arg("--data").arg(self.dir.join("office"));
        if let Some(url) = &self.postgres {
            cmd.args(["--postgres", url]);
        }
        let out = cmd.output().expect("rapport-server");
        assert!(out.status.success(), "rapport-server {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// Starts the server (on its old port when restarted) and waits until it listens.
    fn start(&mut self) {
        let mut cmd = Command::new(bin("rapport-server"));
        cmd.arg("serve")
            .arg("--data")
            .arg(self.dir.join("office"))
            .args(["--listen", &format!("127.0.0.1:{}", self.port)])
            .arg("--tls-cert")
            .arg(self.dir.join("server.pem"))
            .arg("--tls-key")
            .arg(self.dir.join("server.key"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if let Some(url) = &self.postgres {
            cmd.args(["--postgres", url]);
        }
        let mut child = cmd.spawn().expect("serve");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("listening line");
        let port = line.trim().rsplit(':').next().and_then(|p| p.parse().ok()).expect("port in the listening line");
        self.port = port;
        self.child = Some(child);
    }

    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill(); // SIGKILL: no graceful anything
            let _ = c.wait();
        }
    }
}

impl Drop for Office {
    fn drop(&mut self) {
        self.kill();
    }
}

struct Desk {
    db: PathBuf,
}

impl Desk {
    fn run(&self, args: &[&str]) -> Output {
        Command::new(bin("rapport"))
            .arg("--db")
            .arg(&self.db)
            .args(args)
            .env("RAPPORT_PASSPHRASE", "e2e passphrase")
            .env("RAPPORT_PASSWORD", PASSWORD)
            .env("RAPPORT_NEW_PASSWORD", PASSWORD)
            .env("RAPPORT_USER", "admin")
            .output()
            .expect("rapport")
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "rapport {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }
}

fn tls_files(dir: &Path) {
    let ca_key = rcgen::KeyPair::generate().expect("key");
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params.distinguished_name.push(rcgen::DnType::CommonName, "Rapport test head office CA");
    let ca = ca_params.self_signed(&ca_key).expect("ca");
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let key = rcgen::KeyPair::generate().expect("key");
    let params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).expect("params");
    let cert = params.signed_by(&key, &issuer).expect("server cert");
    std::fs::write(dir.join("ca.pem"), ca.pem()).expect("write");
    std::fs::write(dir.join("server.pem"), cert.pem()).expect("write");
    std::fs::write(dir.join("server.key"), key.serialize_pem()).expect("write");
}

fn scenario(postgres: Option<String>) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().to_owned();
    tls_files(&dir);
    let mut office = Office { dir: dir.clone(), postgres, port: 0, child: None };
    office.admin(&["clinic", "add", "North"]);
    office.admin(&["clinic", "add", "South"]);
    office.start();
    let proxy = Proxy::start(office.port);
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

    // Head office killed mid-sync, then started again on the same port.
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

    for _ in 0..2 {
        for desk in [&a, &b, &c] {
            desk.ok(&["sync", "now"]);
        }
    }
    let north = office.admin(&["dump", "--clinic", "North"]);
    let south = office.admin(&["dump", "--clinic", "South"]);
    assert_eq!(a.ok(&["dump"]), north, "desk A converged with head office");
    assert_eq!(b.ok(&["dump"]), north, "desk B converged with head office");
    assert_eq!(c.ok(&["dump"]), south, "desk C converged with head office");
    assert!(north.contains("Late14"), "what was pushed while head office died arrived");
    assert!(!south.contains("Tomas"), "North's patients stay in North");

    let lost: usize = [&a, &b]
        .iter()
        .map(|d| {
            let json: serde_json::Value = serde_json::from_str(&d.ok(&["conflicts", "list", "--json"])).expect("json");
            json.as_array().map_or(0, Vec::len)
        })
        .sum();
    assert_eq!(lost, 1, "exactly one desk lost the concurrent edit and keeps it in its conflict log");
    let status: serde_json::Value = serde_json::from_str(&b.ok(&["sync", "status", "--json"])).expect("json");
    assert_eq!(status["pending"], 0);
    assert!(status["last_success"].is_string());

    // South's admin login was taken in North: head office renamed it the same way everywhere.
    let south_json: serde_json::Value = serde_json::from_str(&south).expect("json");
    let logins: Vec<&str> =
        south_json["staff"].as_object().expect("staff").values().filter_map(|s| s["login"].as_str()).collect();
    assert!(logins.contains(&"admin"));
    assert!(logins.iter().any(|l| l.starts_with("admin.")), "{logins:?}");

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
}

#[test]
fn three_desks_in_two_clinics_converge_through_faults_on_sqlite() {
    scenario(None);
}

#[test]
fn three_desks_in_two_clinics_converge_through_faults_on_postgres() {
    let url = std::env::var("RAPPORT_TEST_POSTGRES")
        .expect("set RAPPORT_TEST_POSTGRES to a PostgreSQL URL (`cargo xtask test` starts one and sets it)");
    let name = format!("rapport_e2e_{}", std::process::id());
    let mut admin = postgres_client(&url);
    let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name}"));
    admin.batch_execute(&format!("CREATE DATABASE {name}")).expect("create database");
    let base = url.rsplit_once('/').map_or(url.as_str(), |(b, _)| b);
    scenario(Some(format!("{base}/{name}")));
}

fn postgres_client(url: &str) -> postgres::Client {
    postgres::Client::connect(url, postgres::NoTls).expect("connect to the test PostgreSQL")
}
