//! A real SMTP server for the tests: Debian's `python3-aiosmtpd`, writing each mail it takes
//! into a Maildir the test reads. `cargo xtask test` installs the package.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::kannel::free_port;

#[derive(Debug)]
pub struct MailServer {
    child: Child,
    pub port: u16,
    maildir: PathBuf,
}

impl MailServer {
    pub fn start(dir: &Path) -> Self {
        let port = free_port();
        let maildir = dir.join("maildir");
        // The system Python has the package; another python on PATH may not.
        let child = Command::new("/usr/bin/python3")
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("aiosmtpd.log")).map_or_else(|_| Stdio::null(), Stdio::from))
            .spawn()
            .expect("aiosmtpd (cargo xtask test installs python3-aiosmtpd)");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "aiosmtpd did not start listening");
            std::thread::sleep(Duration::from_millis(100));
        }
        Self { child, port, maildir }
    }

    /// Every mail taken so far, as received (headers and body).
    pub fn mails(&self) -> Vec<String> {
        ["new", "cur"]
            .iter()
            .filter_map(|d| std::fs::read_dir(self.maildir.join(d)).ok())
            .flatten()
            .filter_map(|e| e.ok().and_then(|e| std::fs::read_to_string(e.path()).ok()))
            .collect()
    }
}

/// A mail's body as a mail client shows it: quoted-printable decoded (soft line breaks joined,
/// `=XX` turned back into bytes).
pub fn body(mail: &str) -> String {
    let text = mail.replace("\r\n", "\n");
    let (headers, body) = text.split_once("\n\n").unwrap_or(("", &text));
    if !headers.to_ascii_lowercase().contains("content-transfer-encoding: quoted-printable") {
        return body.to_owned();
    }
    let decoded = quoted_printable::decode(body, quoted_printable::ParseMode::Robust).unwrap_or_default();
    String::from_utf8_lossy(&decoded).into_owned()
}

impl Drop for MailServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
