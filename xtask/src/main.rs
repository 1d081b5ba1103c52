//! Project automation, so that a fresh Debian machine needs only Rust and these commands:
//!
//! - `cargo xtask run [-- ARGS]`: builds Rapport and starts it on the default local database.
//! - `cargo xtask test`: installs what the tests need, then builds the workspace once and runs
//!   every test.
//! - `cargo xtask bench [--quick]`: benchmarks into `target/bench/report.json`.
//!
//! Each step says what it does; what is already installed is left alone.
#![allow(clippy::print_stdout)]

use std::path::PathBuf;
use std::process::{Command, ExitCode};

/// Debian packages the tests need, with why.
const TEST_PACKAGES: &[(&str, &str)] = &[
    ("dbus-daemon", "dbus-run-session, for the OS keyring test"),
    ("dbus-bin", "dbus-send, to wait for the keyring in that test"),
    ("gnome-keyring", "a Secret Service, for the OS keyring test"),
];

/// Debian packages a build needs (SQLCipher's vendored OpenSSL is built with perl and make).
const BUILD_PACKAGES: &[(&str, &str)] =
    &[("build-essential", "C compiler for SQLCipher"), ("perl", "OpenSSL's build"), ("make", "OpenSSL's build")];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => run(&args[1..]),
        Some("test") => test(),
        Some("bench") => bench(&args[1..]),
        _ => {
            eprintln!("usage: cargo xtask run [-- ARGS] | test | bench [--quick]");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root, found at run time: a build shared between two checkouts (one target dir
/// reused across CI clones) must act on the checkout it was started from, not the one it was
/// compiled in.
fn root() -> PathBuf {
    let start = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let mut dir = start.as_path();
    loop {
        let manifest = dir.join("Cargo.toml");
        if std::fs::read_to_string(&manifest).is_ok_and(|m| m.contains("[workspace]")) && dir.join("xtask").is_dir() {
            return dir.to_owned();
        }
        match dir.parent() {
            Some(parent) => dir = parent,
            None => return start,
        }
    }
}

fn step(what: &str) {
    println!("==> {what}");
}

fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(root());
    cmd
}

fn status(mut cmd: Command, what: &str) -> Result<(), String> {
    let status = cmd.status().map_err(|e| format!("{what}: could not start: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("{what} failed ({status})")) }
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root().join("target"))
}

/// Installs the Debian packages that are missing (as root, or through sudo).
fn ensure_packages(packages: &[(&str, &str)]) -> Result<(), String> {
    let missing: Vec<&(&str, &str)> = packages.iter().filter(|(name, _)| !installed(name)).collect();
    if missing.is_empty() {
        step(&format!("Debian packages present: {}", packages.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")));
        return Ok(());
    }
    for (name, why) in &missing {
        step(&format!("installing Debian package {name} ({why})"));
    }
    let as_root = Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    let apt = |args: &[&str]| {
        let mut cmd = if as_root { Command::new("apt-get") } else { Command::new("sudo") };
        if !as_root {
            cmd.arg("apt-get");
        }
        cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        cmd
    };
    status(apt(&["update", "-q"]), "apt-get update")?;
    let mut install = apt(&["install", "-y", "-q", "--no-install-recommends"]);
    install.args(missing.iter().map(|(n, _)| *n));
    status(install, "apt-get install")
}

fn installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
}

fn have(tool: &str) -> bool {
    Command::new("sh").args(["-c", &format!("command -v {tool} >/dev/null 2>&1")]).status().is_ok_and(|s| s.success())
}

fn test() -> Result<(), String> {
    ensure_packages(BUILD_PACKAGES)?;
    ensure_packages(TEST_PACKAGES)?;
    if Command::new("rustfmt").arg("--version").output().is_ok_and(|o| o.status.success()) {
        step("checking formatting (cargo fmt --check)");
        let mut fmt = cargo();
        fmt.args(["fmt", "--all", "--", "--check"]);
        status(fmt, "cargo fmt --check (run `cargo fmt --all`)")?;
    } else {
        step("rustfmt not installed: skipping the formatting check");
    }
    if Command::new("cargo-clippy").arg("--version").output().is_ok_and(|o| o.status.success()) {
        step("linting (cargo clippy, warnings are errors)");
        let mut clippy = cargo();
        clippy.args(["clippy", "--workspace", "--all-targets", "--locked", "--", "-D", "warnings"]);
        status(clippy, "cargo clippy")?;
    } else {
        step("clippy not installed: skipping the lint check");
    }
    step("building the whole workspace once, tests included");
    let mut build = cargo();
    build.args(["build", "--workspace", "--all-targets", "--locked"]);
    status(build, "cargo build")?;
    let mut run = cargo();
    if have("cargo-nextest") {
        step("running every test (cargo nextest)");
        run.args(["nextest", "run", "--workspace", "--locked", "--no-fail-fast"]);
    } else {
        step("running every test (cargo test; install cargo-nextest for parallel processes)");
        run.args(["test", "--workspace", "--locked", "--no-fail-fast"]);
    }
    status(run, "tests")
}

fn run(args: &[String]) -> Result<(), String> {
    let args: Vec<&str> = args.iter().map(String::as_str).skip_while(|a| *a == "--").collect();
    ensure_packages(BUILD_PACKAGES)?;
    step("building the rapport command");
    let mut build = cargo();
    build.args(["build", "--release", "-p", "rapport-cli"]);
    status(build, "cargo build")?;
    let rapport = target_dir().join("release").join("rapport");
    // The desktop app is not built yet: until it lands, `run` starts the command line.
    let mut cmd = Command::new(&rapport);
    if args.is_empty() {
        step("Rapport's desktop app is on its way; this is the `rapport` command line on your local database");
        let mut st = Command::new(&rapport);
        st.arg("status");
        status(st, "rapport status")?;
        cmd.arg("--help");
    } else {
        cmd.args(&args);
    }
    status(cmd, "rapport")
}

fn bench(args: &[String]) -> Result<(), String> {
    ensure_packages(BUILD_PACKAGES)?;
    let out = root().join("target").join("bench");
    step(&format!("building and running the benchmarks (report: {})", out.join("report.json").display()));
    let mut cmd = cargo();
    cmd.args(["run", "--release", "--locked", "-p", "rapport-bench", "--", "--out"]).arg(&out);
    cmd.args(args);
    status(cmd, "benchmarks")
}
