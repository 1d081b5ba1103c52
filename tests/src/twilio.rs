//! The Twilio-style gateway's stand-in (`tests/standins/twilio_standin.py`: Python's standard
//! library, written apart from Rapport's driver) on a free port: it takes messages as the API
//! does, signs its status callbacks, fails or refuses the numbers its docs name, and sends a
//! patient's texts to head office's inbound webhook.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::kannel::free_port;

pub const SID: &str = "AC0123456789abcdef";
pub const TOKEN: &str = "test-auth-token-0123456789";

#[derive(Debug)]
pub struct TwilioStandIn {
    child: Child,
    log: PathBuf,
    pub port: u16,
}

impl TwilioStandIn {
    pub fn start(dir: &Path) -> Self {
        let port = free_port();
        let log = dir.join("twilio-messages.jsonl");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("standins").join("twilio_standin.py");
        let child = Command::new("python3")
            .arg(script)
            .args(["--port", &port.to_string(), "--sid", SID, "--token", TOKEN, "--log"])
            .arg(&log)
            .stdout(Stdio::null())
            .spawn()
            .expect("python3 runs the Twilio stand-in");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "the Twilio stand-in did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Self { child, log, port }
    }

    /// `--sms-gateway` for head office.
    pub fn spec(&self, from: &str) -> String {
        format!("twilio://{SID}:{TOKEN}@127.0.0.1:{}?from={from}", self.port)
    }

    /// The messages it accepted (`to`, `from`, `body`, `sid`), in order.
    pub fn received(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).expect("a JSON line"))
            .collect()
    }

    /// A patient's text from `from`, sent to head office's inbound webhook at `url`, signed;
    /// the status head office answered.
    pub fn inbound(&self, url: &str, from: &str, body: &str) -> u16 {
        let answer = reqwest::blocking::Client::new()
            .post(format!("http://127.0.0.1:{}/_inbound", self.port))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(
                form_urlencoded::Serializer::new(String::new())
                    .extend_pairs([("url", url), ("From", from), ("To", "+15005550006"), ("Body", body)])
                    .finish(),
            )
            .send()
            .and_then(|r| r.json::<serde_json::Value>())
            .expect("the stand-in answers");
        answer["status"].as_u64().and_then(|s| u16::try_from(s).ok()).unwrap_or(0)
    }
}

impl Drop for TwilioStandIn {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
