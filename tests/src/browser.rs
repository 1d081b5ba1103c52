//! A real browser for head office's web pages: Debian's Chromium, headless, driven through
//! chromedriver (W3C WebDriver, thirtyfour). Each session has an empty profile of its own and
//! no background networking (this machine's network is closed; Chromium would keep trying).

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use thirtyfour::prelude::*;

/// chromedriver, running on a free port.
#[derive(Debug)]
pub struct Browser {
    driver: Child,
    port: u16,
    profile: tempfile::TempDir,
}

impl Browser {
    pub fn start() -> std::io::Result<Self> {
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let driver = Command::new("/usr/bin/chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| {
                std::io::Error::other(format!("chromedriver (cargo xtask test installs chromium-driver): {e}"))
            })?;
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                return Err(std::io::Error::other("chromedriver did not listen"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(Self { driver, port, profile: tempfile::tempdir()? })
    }

    /// A headless Chromium window of `width` × `height` CSS pixels.
    pub async fn open(&self, width: u32, height: u32) -> WebDriverResult<WebDriver> {
        static SESSIONS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = SESSIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let profile = self.profile.path().join(format!("profile-{n}"));
        let caps = serde_json::json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", format!("--window-size={width},{height}"),
                    format!("--user-data-dir={}", profile.display()),
                ],
            },
        });
        let serde_json::Value::Object(caps) = caps else { unreachable!("an object") };
        // The workspace builds reqwest without a built-in TLS provider; thirtyfour shares it.
        let _ = rustls::crypto::ring::default_provider().install_default();
        WebDriver::new(format!("http://127.0.0.1:{}", self.port), caps).await
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Waits (up to 20 s) for the page's `h1` to say `text`: a click that loads another page
/// returns before that page is there.
pub async fn heading(driver: &WebDriver, text: &str) -> WebDriverResult<()> {
    let xpath = format!("//h1[normalize-space()='{text}']");
    driver.query(By::XPath(&xpath)).wait(Duration::from_secs(20), Duration::from_millis(50)).first().await.map(drop)
}

/// Where screenshots go: `target/e2e/screenshots/` in the workspace.
pub fn screenshot_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("target").join("e2e").join("screenshots")
}

/// Saves a screenshot of the page as `<name>.png`.
pub async fn screenshot(driver: &WebDriver, name: &str) -> WebDriverResult<()> {
    let dir = screenshot_dir();
    let _ = std::fs::create_dir_all(&dir);
    driver.screenshot(&dir.join(format!("{name}.png"))).await
}
