//! The packages on this machine, as a clinic's administrator would use them: installs the
//! desktop and head-office packages with `dpkg -i`, runs what they installed (head office from
//! its packaged configuration as the `rapport` user, a desk enrolled and syncing with it, the
//! desktop app opening a window under Xvfb), installs a higher version over them and finds the
//! data and the enrollment intact, then removes them (the data stays) and purges them (nothing
//! stays).
//!
//! It changes the machine (packages, a system user, /etc/rapport), so it runs only as root and
//! only when `cargo xtask test` asks: `RAPPORT_PACKAGE_CHECK=install package-check DESKTOP.deb
//! SERVER.deb NEWER_DESKTOP.deb NEWER_SERVER.deb`.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::{BufRead as _, BufReader};
use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

const CONFIG: &str = "/etc/rapport/server.toml";
const DATA: &str = "/var/lib/rapport-server";
const TLS: &str = "/etc/rapport/tls";
const PASSPHRASE: &str = "package check passphrase";
const PASSWORD: &str = "package-check-1";

type Check = Result<(), String>;

fn main() -> ExitCode {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if std::env::var("RAPPORT_PACKAGE_CHECK").as_deref() != Ok("install") || args.len() != 4 {
        eprintln!(
            "package-check installs packages on this machine; `cargo xtask test` runs it as\n  \
             RAPPORT_PACKAGE_CHECK=install package-check DESKTOP.deb SERVER.deb NEWER_DESKTOP.deb NEWER_SERVER.deb"
        );
        return ExitCode::from(2);
    }
    let work = tempfile::tempdir().expect("temp dir");
    let result = check(&args, work.path());
    // Whatever happened, leave the machine as it was.
    let _ = dpkg(&["--purge", "rapport", "rapport-server"]);
    match result {
        Ok(()) => {
            println!("package check: installed, ran, upgraded, removed and purged both packages");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("package check FAILED: {e}");
            ExitCode::FAILURE
        }
    }
}

fn check(debs: &[PathBuf], work: &Path) -> Check {
    let (desktop, server, newer_desktop, newer_server) = (&debs[0], &debs[1], &debs[2], &debs[3]);
    // A package left from an interrupted run goes first.
    dpkg(&["--purge", "rapport", "rapport-server"])?;

    step("installing both packages with dpkg -i");
    dpkg_install(&[desktop, server])?;
    for file in ["/usr/bin/rapport-desktop", "/usr/bin/rapport", "/usr/bin/rapport-server"] {
        ensure(Path::new(file).is_file(), &format!("{file} is installed"))?;
    }
    for file in [
        "/usr/share/applications/rapport.desktop",
        "/usr/share/icons/hicolor/128x128/apps/rapport.png",
        "/lib/systemd/system/rapport-server.service",
    ] {
        ensure(Path::new(file).is_file(), &format!("{file} is installed"))?;
    }
    ensure(run(Command::new("getent").args(["passwd", "rapport"])).is_ok(), "the rapport system user exists")?;
    let data = std::fs::metadata(DATA).map_err(|e| format!("{DATA}: {e}"))?;
    ensure(data.permissions().mode() & 0o777 == 0o700, "the data folder is 0700")?;
    ensure(data.uid() == uid("rapport")?, "the data folder belongs to the rapport user")?;
    let config = std::fs::metadata(CONFIG).map_err(|e| format!("{CONFIG}: {e}"))?;
    ensure(config.permissions().mode() & 0o777 == 0o640 && config.uid() == 0, "the configuration is root's, 0640")?;

    step("check-config, before the certificate is in place, says what is missing");
    let said = match run_as_rapport(&["check-config"]) {
        Ok(out) => return Err(format!("check-config passed without a certificate: {out}")),
        Err(said) => said,
    };
    ensure(said.contains("tls.cert") && said.contains(TLS), &format!("check-config names the certificate: {said}"))?;

    step("putting the certificate where the configuration says; head office serves from it");
    std::fs::create_dir_all(TLS).map_err(|e| e.to_string())?;
    rapport_tests::head_office::tls_files(Path::new(TLS));
    run(Command::new("chgrp").args(["-R", "rapport", TLS]))?;
    run(Command::new("chmod").args(["0750", TLS]))?;
    run(Command::new("chmod").args(["0640", &format!("{TLS}/server.key")]))?;
    let ok = run_as_rapport(&["check-config"])?;
    ensure(ok.contains("head office can serve"), &format!("check-config passes: {ok}"))?;
    run_as_rapport(&["clinic", "add", "North"])?;
    let mut office = serve(0)?;

    step("a desk (the installed rapport) enrolls and syncs");
    let desk = work.join("north.db");
    rapport(&desk, &["init", "--clinic", "North", "--admin", "admin"])?;
    let code = run_as_rapport(&["enroll-code", "--clinic", "North"])?;
    let ca = format!("{TLS}/ca.pem");
    rapport(&desk, &["sync", "enroll", "--server", &office.url(), "--code", code.trim(), "--ca-cert", &ca])?;
    rapport(&desk, &["patient", "add", "--given", "Ira", "--family", "Package"])?;
    rapport(&desk, &["sync", "now"])?;
    ensure(
        run_as_rapport(&["dump", "--clinic", "North"])?.contains("Package"),
        "head office holds the desk's patient",
    )?;
    office.stop();

    step("the installed desktop app opens its window under Xvfb");
    desktop_opens(work)?;

    step("upgrading both packages to the newer version");
    std::fs::write(
        CONFIG,
        std::fs::read_to_string(CONFIG).map_err(|e| e.to_string())? + "\n# edited by the administrator\n",
    )
    .map_err(|e| e.to_string())?;
    dpkg_install(&[newer_desktop, newer_server])?;
    let version = run(Command::new("dpkg-query").args(["-W", "-f=${Version}", "rapport-server"]))?;
    ensure(newer_server.to_string_lossy().contains(&format!("_{version}_")), "the newer version is installed")?;
    ensure(
        std::fs::read_to_string(CONFIG).map_err(|e| e.to_string())?.contains("edited by the administrator"),
        "the edited configuration survives the upgrade",
    )?;
    // On the port the desk enrolled with.
    let mut office = serve(office.port)?;
    rapport(&desk, &["patient", "add", "--given", "Uma", "--family", "Upgrade"])?;
    rapport(&desk, &["sync", "now"])?;
    let dump = run_as_rapport(&["dump", "--clinic", "North"])?;
    ensure(
        dump.contains("Package") && dump.contains("Upgrade"),
        "after the upgrade head office has its data and the desk's enrollment still syncs",
    )?;
    office.stop();

    step("removing both packages keeps head office's data and configuration");
    dpkg(&["--remove", "rapport", "rapport-server"])?;
    for gone in [
        "/usr/bin/rapport-desktop",
        "/usr/bin/rapport",
        "/usr/bin/rapport-server",
        "/lib/systemd/system/rapport-server.service",
    ] {
        ensure(!Path::new(gone).exists(), &format!("{gone} is removed"))?;
    }
    ensure(Path::new(DATA).join("head-office.db").is_file(), "the data stays after remove")?;
    ensure(Path::new(CONFIG).is_file(), "the configuration stays after remove")?;

    step("purging removes everything: data, configuration, the rapport user");
    dpkg(&["--purge", "rapport", "rapport-server"])?;
    ensure(!Path::new(DATA).exists(), "the data folder is gone after purge")?;
    ensure(!Path::new("/etc/rapport").exists(), "/etc/rapport is gone after purge")?;
    ensure(run(Command::new("getent").args(["passwd", "rapport"])).is_err(), "the rapport user is gone after purge")?;
    ensure(
        run(Command::new("dpkg-query").args(["-W", "-f=${Status}", "rapport-server"]))
            .map_or(true, |s| !s.contains("installed")),
        "dpkg forgets rapport-server",
    )?;
    Ok(())
}

fn step(what: &str) {
    println!("--> {what}");
}

fn ensure(ok: bool, what: &str) -> Check {
    if ok { Ok(()) } else { Err(format!("expected: {what}")) }
}

/// Runs a command; its standard output, or its words when it fails.
fn run(cmd: &mut Command) -> Result<String, String> {
    let out = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    if out.status.success() {
        Ok(text)
    } else {
        Err(format!("{cmd:?} failed: {text}{}", String::from_utf8_lossy(&out.stderr)))
    }
}

fn dpkg(args: &[&str]) -> Check {
    run(Command::new("dpkg").args(args).env("DEBIAN_FRONTEND", "noninteractive")).map(drop)
}

fn dpkg_install(debs: &[&PathBuf]) -> Check {
    let out = run(Command::new("dpkg").arg("-i").args(debs).env("DEBIAN_FRONTEND", "noninteractive"))?;
    print!("{out}");
    Ok(())
}

fn uid(user: &str) -> Result<u32, String> {
    run(Command::new("id").args(["-u", user]))?.trim().parse().map_err(|_| format!("no uid for {user}"))
}

/// `rapport-server ARGS` as the service runs it: the rapport user and group, the packaged
/// configuration.
fn as_rapport(args: &[&str]) -> Result<Command, String> {
    use std::os::unix::process::CommandExt as _;
    let gid = run(Command::new("id").args(["-g", "rapport"]))?.trim().parse().map_err(|_| "no gid for rapport")?;
    let mut cmd = Command::new("/usr/bin/rapport-server");
    cmd.args(args).env("RAPPORT_SERVER_CONFIG", CONFIG).current_dir("/").uid(uid("rapport")?).gid(gid);
    Ok(cmd)
}

fn run_as_rapport(args: &[&str]) -> Result<String, String> {
    run(&mut as_rapport(args)?)
}

fn rapport(db: &Path, args: &[&str]) -> Result<String, String> {
    run(Command::new("/usr/bin/rapport")
        .arg("--db")
        .arg(db)
        .args(args)
        .env("RAPPORT_PASSPHRASE", PASSPHRASE)
        .env("RAPPORT_PASSWORD", PASSWORD)
        .env("RAPPORT_NEW_PASSWORD", PASSWORD)
        .env("RAPPORT_USER", "admin"))
}

struct Office {
    child: Child,
    port: u16,
}

impl Office {
    fn url(&self) -> String {
        format!("https://localhost:{}", self.port)
    }

    /// SIGTERM, as systemd stops it: head office finishes what is in flight and ends.
    fn stop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
            let _ = self.child.wait();
        }
    }
}

impl Drop for Office {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Head office as the unit starts it (the packaged configuration, the rapport user), on
/// loopback at `port` (0: a free one) instead of 0.0.0.0:8443.
fn serve(port: u16) -> Result<Office, String> {
    let mut child = as_rapport(&["serve", "--listen", &format!("127.0.0.1:{port}")])?
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("serve: {e}"))?;
    let mut line = String::new();
    BufReader::new(child.stdout.take().ok_or("stdout")?).read_line(&mut line).map_err(|e| e.to_string())?;
    let port =
        line.trim().rsplit(':').next().and_then(|p| p.parse().ok()).ok_or_else(|| format!("serve said {line:?}"))?;
    Ok(Office { child, port })
}

/// Starts the installed desktop app on a display of its own and waits for its window.
fn desktop_opens(work: &Path) -> Check {
    let display = ":73";
    let mut xvfb = Command::new("Xvfb")
        .args([display, "-screen", "0", "1366x768x24", "-nolisten", "tcp"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("Xvfb: {e}"))?;
    std::thread::sleep(Duration::from_millis(500));
    let home = work.join("home");
    std::fs::create_dir_all(&home).map_err(|e| e.to_string())?;
    let mut app = Command::new("/usr/bin/rapport-desktop")
        .env("DISPLAY", display)
        .env("HOME", &home)
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("WEBKIT_DISABLE_COMPOSITING_MODE", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("rapport-desktop: {e}"))?;
    let started = Instant::now();
    let mut seen = false;
    while started.elapsed() < Duration::from_secs(60) && !seen {
        std::thread::sleep(Duration::from_millis(250));
        if let Ok(Some(status)) = app.try_wait() {
            let _ = xvfb.kill();
            return Err(format!("rapport-desktop ended before its window showed ({status})"));
        }
        seen = run(Command::new("xwininfo").args(["-root", "-tree", "-display", display]))
            .is_ok_and(|tree| tree.contains("\"Rapport\""));
    }
    let _ = app.kill();
    let _ = app.wait();
    let _ = xvfb.kill();
    let _ = xvfb.wait();
    ensure(seen, "the installed desktop app shows a window named Rapport")
}
