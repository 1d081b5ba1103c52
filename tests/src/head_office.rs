//! Head office and desks as real processes, for the sync end-to-end tests: `rapport-server`
//! over TLS with a CA made for the test, `rapport` desks on encrypted files, and a fresh
//! database in the PostgreSQL `cargo xtask test` starts.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

pub const PASSWORD: &str = "e2e-password-1";
/// The database passphrase of every desk the tests make.
pub const PASSPHRASE: &str = "e2e passphrase";

pub fn bin(name: &str) -> PathBuf {
    // Test binaries live in target/<profile>/deps; the workspace's binaries one level up.
    let exe = std::env::current_exe().expect("test binary");
    let dir = exe.parent().and_then(Path::parent).expect("target dir");
    let path = dir.join(name);
    assert!(path.exists(), "{} is not built; run `cargo xtask test` (it builds the workspace first)", path.display());
    path
}

#[derive(Debug)]
pub struct Office {
    pub dir: PathBuf,
    pub postgres: Option<String>,
    pub port: u16,
    pub child: Option<Child>,
    /// Plain HTTP instead of TLS (for gateways that call back, such as Kannel).
    pub plain_http: bool,
    /// More `serve` arguments (messaging: `--public-url`, `--sms-gateway`…).
    pub serve_args: Vec<String>,
}

impl Office {
    /// A head office (not started) on plain HTTP at `port`, which gateways can call back,
    /// serving with `serve_args`.
    pub fn plain(dir: &Path, port: u16, serve_args: &[&str]) -> Self {
        let serve_args = serve_args.iter().map(|a| (*a).to_owned()).collect();
        Self { dir: dir.to_owned(), postgres: None, port, child: None, plain_http: true, serve_args }
    }

    pub fn admin(&self, args: &[&str]) -> String {
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
    pub fn start(&mut self) {
        let (child, port) = self.serve(self.port);
        self.port = port;
        self.child = Some(child);
    }

    /// Another head-office process on the same database, on a port of its own.
    pub fn another_process(&self) -> Server {
        let (child, port) = self.serve(0);
        Server { child, port }
    }

    /// Runs `rapport-server serve` on `port` (0: any) and waits until it listens.
    fn serve(&self, port: u16) -> (Child, u16) {
        let mut cmd = Command::new(bin("rapport-server"));
        cmd.arg("serve")
            .arg("--data")
            .arg(self.dir.join("office"))
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(&self.serve_args)
            .stdout(Stdio::piped())
            .stderr(self.log_file());
        if let Some(url) = &self.postgres {
            cmd.args(["--postgres", url]);
        }
        if self.plain_http {
            cmd.arg("--insecure-http");
        } else {
            cmd.arg("--tls-cert").arg(self.dir.join("server.pem")).arg("--tls-key").arg(self.dir.join("server.key"));
        }
        let mut child = cmd.spawn().expect("serve");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("listening line");
        let port = line.trim().rsplit(':').next().and_then(|p| p.parse().ok()).expect("port in the listening line");
        (child, port)
    }

    /// Head office's log (its standard error), kept across restarts in `office.log`.
    fn log_file(&self) -> Stdio {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("office.log"))
            .map_or_else(|_| Stdio::null(), Stdio::from)
    }

    /// Head office's address, as desks reach it (the same across restarts).
    pub fn url(&self) -> String {
        if self.plain_http {
            format!("http://127.0.0.1:{}", self.port)
        } else {
            format!("https://localhost:{}", self.port)
        }
    }

    /// Enrolls `desk` in `clinic` with a new code, trusting the test CA.
    pub fn enroll(&self, desk: &Desk, clinic: &str) {
        let code = self.admin(&["enroll-code", "--clinic", clinic]);
        let ca = self.dir.join("ca.pem");
        let ca = ca.to_str().expect("path");
        desk.ok(&["sync", "enroll", "--server", &self.url(), "--code", &code, "--ca-cert", ca]);
    }

    pub fn kill(&mut self) {
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

/// A further head-office process, stopped (SIGKILL) when dropped.
#[derive(Debug)]
pub struct Server {
    pub child: Child,
    pub port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug)]
pub struct Desk {
    pub db: PathBuf,
}

impl Desk {
    pub fn run(&self, args: &[&str]) -> Output {
        self.run_as("admin", args)
    }

    /// Runs `rapport` logged in as `user` (for the commands that need a login).
    pub fn run_as(&self, user: &str, args: &[&str]) -> Output {
        Command::new(bin("rapport"))
            .arg("--db")
            .arg(&self.db)
            .args(args)
            .env("RAPPORT_PASSPHRASE", PASSPHRASE)
            .env("RAPPORT_PASSWORD", PASSWORD)
            .env("RAPPORT_NEW_PASSWORD", PASSWORD)
            .env("RAPPORT_USER", user)
            .output()
            .expect("rapport")
    }

    pub fn ok(&self, args: &[&str]) -> String {
        self.ok_as("admin", args)
    }

    pub fn ok_as(&self, user: &str, args: &[&str]) -> String {
        let out = self.run_as(user, args);
        assert!(
            out.status.success(),
            "rapport {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }
}

/// A CA (`ca.pem`) and a certificate for `localhost` signed by it (`server.pem`, `server.key`).
pub fn tls_files(dir: &Path) {
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

impl Office {
    /// A head office with clinics North and South, serving over TLS (files in `dir`).
    pub fn two_clinics(dir: &Path, postgres: Option<String>) -> Self {
        tls_files(dir);
        let mut office =
            Self { dir: dir.to_owned(), postgres, port: 0, child: None, plain_http: false, serve_args: Vec::new() };
        office.admin(&["clinic", "add", "North"]);
        office.admin(&["clinic", "add", "South"]);
        office.start();
        office
    }
}

/// A fresh database in the test PostgreSQL (`RAPPORT_TEST_POSTGRES`), as a URL.
pub fn postgres_database(prefix: &str) -> String {
    let url = std::env::var("RAPPORT_TEST_POSTGRES")
        .expect("set RAPPORT_TEST_POSTGRES to a PostgreSQL URL (`cargo xtask test` starts one and sets it)");
    let name = format!("{prefix}_{}", std::process::id());
    let mut admin = postgres::Client::connect(&url, postgres::NoTls).expect("connect to the test PostgreSQL");
    let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name}"));
    admin.batch_execute(&format!("CREATE DATABASE {name}")).expect("create database");
    let base = url.rsplit_once('/').map_or(url.as_str(), |(b, _)| b);
    format!("{base}/{name}")
}
