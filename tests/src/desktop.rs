//! Driving the real desktop app: a virtual display (Xvfb), tauri-driver in front of
//! WebKitWebDriver, and a WebDriver session on the app's window (thirtyfour).
//!
//! The app's environment (database path, time zone, idle lock) is tauri-driver's: it starts
//! WebKitWebDriver, which starts the app. Ports and the display number are picked free, so
//! two runs never share them. Everything is stopped on drop (tauri-driver with SIGTERM, which
//! it forwards to WebKitWebDriver; SIGKILL would leave WebKitWebDriver holding its port).

use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::Timelike;
use thirtyfour::prelude::*;

use crate::screen::Frame;

/// How long to wait for a process to start listening.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// Two distinct free ports (both held while the second is chosen, so they cannot coincide).
fn free_ports() -> std::io::Result<(u16, u16)> {
    let a = TcpListener::bind("127.0.0.1:0")?;
    let b = TcpListener::bind("127.0.0.1:0")?;
    Ok((a.local_addr()?.port(), b.local_addr()?.port()))
}

fn wait_for_port(port: u16, what: &str) -> std::io::Result<()> {
    let deadline = Instant::now() + START_TIMEOUT;
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            return Err(std::io::Error::other(format!("{what} did not listen on port {port}")));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(())
}

/// A time zone (an `Etc/GMT±N` zone, which both glibc and the webview's ICU know) in which it
/// is now between 10:00 and 11:00, so that the demo clinic's morning session (09:00–13:00) is
/// under way whatever the time of day the test runs.
pub fn mid_morning_time_zone() -> String {
    let utc_hour = i64::from(chrono::Utc::now().hour());
    let mut offset = (10 - utc_hour).rem_euclid(24);
    if offset > 14 {
        offset -= 24;
    }
    match offset {
        0 => "Etc/UTC".to_owned(),
        // POSIX sign convention: Etc/GMT-5 is five hours *ahead* of UTC.
        o if o > 0 => format!("Etc/GMT-{o}"),
        o => format!("Etc/GMT+{}", -o),
    }
}

/// Xvfb and tauri-driver, running.
#[derive(Debug)]
pub struct Desktop {
    xvfb: Child,
    driver: Child,
    port: u16,
    /// Where Xvfb keeps its framebuffer as a file (what screenshots read).
    framebuffer: tempfile::TempDir,
}

impl Desktop {
    /// Starts a virtual display and tauri-driver with `env` for the app.
    pub fn start(tauri_driver: &Path, env: &[(&str, String)]) -> std::io::Result<Self> {
        // Xvfb picks a free display itself and says which (several tests start one at once).
        let framebuffer = tempfile::tempdir()?;
        let mut xvfb = Command::new("Xvfb")
            .args(["-displayfd", "1", "-screen", "0", "1366x768x24", "-nolisten", "tcp", "-nocursor", "-fbdir"])
            .arg(framebuffer.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| std::io::Error::other(format!("starting Xvfb (apt install xvfb): {e}")))?;
        let mut line = String::new();
        let read = xvfb.stdout.take().map(|out| BufReader::new(out).read_line(&mut line));
        let Some(display) = read.and_then(Result::ok).and_then(|_| line.trim().parse::<u32>().ok()) else {
            let _ = xvfb.kill();
            let _ = xvfb.wait();
            return Err(std::io::Error::other("Xvfb did not start"));
        };
        let (port, native_port) = free_ports()?;
        let mut cmd = Command::new(tauri_driver);
        cmd.args(["--port", &port.to_string(), "--native-port", &native_port.to_string()])
            .env("DISPLAY", format!(":{display}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let driver = cmd.spawn().map_err(|e| {
            std::io::Error::other(format!("starting {} (cargo xtask e2e installs it): {e}", tauri_driver.display()))
        });
        let desktop = match driver {
            Ok(driver) => Self { xvfb, driver, port, framebuffer },
            Err(e) => {
                let mut xvfb = xvfb;
                let _ = xvfb.kill();
                let _ = xvfb.wait();
                return Err(e);
            }
        };
        wait_for_port(port, "tauri-driver")?;
        wait_for_port(native_port, "WebKitWebDriver")?;
        Ok(desktop)
    }

    /// Screenshots of this display, saved in `dir`.
    pub fn shots(&self, dir: PathBuf) -> Shots {
        Shots { dir, screen: self.framebuffer.path().join("Xvfb_screen0") }
    }

    /// Launches the app and opens a WebDriver session on its window.
    pub async fn launch(&self, app: &Path) -> WebDriverResult<WebDriver> {
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), "wry".into());
        caps.insert("tauri:options".into(), serde_json::json!({ "application": app }));
        // The workspace builds reqwest without a built-in TLS provider (rustls with ring is
        // installed by whoever needs TLS); thirtyfour's client shares that build.
        let _ = rustls::crypto::ring::default_provider().install_default();
        WebDriver::new(format!("http://127.0.0.1:{}", self.port), caps).await
    }
}

impl Drop for Desktop {
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.driver.id().to_string()]).status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline && matches!(self.driver.try_wait(), Ok(None)) {
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = self.xvfb.kill();
        let _ = self.xvfb.wait();
    }
}

/// Waits for the page to paint what it has rendered (two animation frames), so that a
/// screenshot does not show a stale frame.
pub async fn settle(driver: &WebDriver) -> WebDriverResult<()> {
    driver
        .execute_async(
            "const done = arguments[arguments.length - 1]; requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
            Vec::new(),
        )
        .await?;
    Ok(())
}

/// Where a display's screenshots go, and the framebuffer they are read from.
#[derive(Debug, Clone)]
pub struct Shots {
    dir: PathBuf,
    screen: PathBuf,
}

/// Saves a PNG of the window as it is on the display, `<dir>/<name>.png`, and checks the
/// screen with axe-core: every screen the tests look at is also checked for accessibility (a
/// serious or critical violation fails the test, with the rule and the elements).
pub async fn screenshot(driver: &WebDriver, shots: &Shots, name: &str) -> WebDriverResult<PathBuf> {
    settle(driver).await?;
    let window = driver.get_window_rect().await?;
    // The page painted; the display shows it once two reads a moment apart agree.
    let mut frame = Frame::from_xwd(&std::fs::read(&shots.screen)?)?;
    for _ in 0..20 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let again = Frame::from_xwd(&std::fs::read(&shots.screen)?)?;
        if again == frame {
            break;
        }
        frame = again;
    }
    let at = |v: i64| u32::try_from(v).unwrap_or(0);
    let frame = frame.crop(at(window.x), at(window.y), at(window.width), at(window.height));
    std::fs::create_dir_all(&shots.dir)?;
    let path = shots.dir.join(format!("{name}.png"));
    frame.write_png(&path)?;
    if !name.ends_with("-failure") {
        let violations = accessibility_violations(driver).await?;
        assert!(violations.is_empty(), "the {name} screen has serious accessibility violations: {violations:#?}");
    }
    Ok(path)
}

/// The serious and critical violations axe-core finds on the page as it stands, each as
/// "rule: what it asks (elements)". axe-core is the file `RAPPORT_AXE` names (`cargo xtask
/// test` fetches it, pinned); it is put in the page once.
pub async fn accessibility_violations(driver: &WebDriver) -> WebDriverResult<Vec<String>> {
    static AXE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let loaded = driver.execute("return typeof window.axe === 'object'", Vec::new()).await?;
    if loaded.json() != &serde_json::Value::Bool(true) {
        let source = AXE.get_or_init(|| {
            let path = std::env::var("RAPPORT_AXE")
                .expect("RAPPORT_AXE names axe.min.js: run the tests with `cargo xtask test`");
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
        });
        driver.execute(source, Vec::new()).await?;
    }
    let found = driver
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { resultTypes: ['violations'] })
                .then(r => done(r.violations
                    .filter(v => v.impact === 'serious' || v.impact === 'critical')
                    .map(v => v.id + ': ' + v.help + ' (' + v.nodes.slice(0, 4).map(n => n.target.join(' ')).join(', ') + ')')))
                .catch(e => done(['axe could not run: ' + e]));",
            Vec::new(),
        )
        .await?;
    Ok(serde_json::from_value(found.json().clone()).unwrap_or_else(|_| vec!["axe gave no list".to_owned()]))
}

/// The PSS (proportional set size, so shared WebKit libraries count once; MiB) of `root` and each
/// of its descendants, by process name: where a window's memory goes (the shell, WebKit's web and
/// network processes).
pub fn pss_by_process(root: u32) -> Vec<(String, f64)> {
    let mut pids = vec![root];
    let mut i = 0;
    while i < pids.len() {
        let pid = pids[i];
        if let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) {
            for task in tasks.flatten() {
                if let Ok(children) = std::fs::read_to_string(task.path().join("children")) {
                    pids.extend(children.split_whitespace().filter_map(|c| c.parse::<u32>().ok()));
                }
            }
        }
        i += 1;
    }
    pids.iter()
        .filter_map(|pid| {
            let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
            let kib = rollup
                .lines()
                .find(|l| l.starts_with("Pss:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<u64>().ok())?;
            let name = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
            Some((name.trim().to_owned(), kib as f64 / 1024.0))
        })
        .collect()
}

/// How long process `pid` has been running, in ms (to the kernel's clock tick, 10 ms).
pub fn process_age_ms(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Field 22, `starttime`, in clock ticks since boot (USER_HZ, 100 on Linux); the fields
    // after the parenthesised name start at field 3.
    let ticks: f64 = stat.rsplit_once(')')?.1.split_whitespace().nth(19)?.parse().ok()?;
    let uptime: f64 = std::fs::read_to_string("/proc/uptime").ok()?.split_whitespace().next()?.parse().ok()?;
    Some((uptime - ticks / 100.0) * 1000.0)
}

/// The pid of the newest process whose executable is `exe`.
pub fn pid_of(exe: &Path) -> Option<u32> {
    let exe = std::fs::canonicalize(exe).ok()?;
    std::fs::read_dir("/proc")
        .ok()?
        .flatten()
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()))
        .filter(|pid| std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|p| p == exe))
        .max()
}
