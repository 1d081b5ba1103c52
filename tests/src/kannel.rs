//! A real Kannel (Debian's `bearerbox` and `smsbox`) on free ports, with its fake operator
//! (`fakesmsc`, from `kannel-extras`) standing in for the phone network: it prints every text
//! it receives and sends the patients' replies the test gives it. `cargo xtask test` installs
//! the packages.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A port nobody listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

fn wait_for_port(port: u16, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "{what} did not start listening on {port}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[derive(Debug)]
pub struct Kannel {
    dir: PathBuf,
    boxes: Vec<Child>,
    operator: Option<Child>,
    operator_runs: usize,
    smsc_port: u16,
    pub sendsms_port: u16,
    pub user: &'static str,
    pub password: &'static str,
}

impl Kannel {
    /// Kannel for a head office at `public`: texts from phones reach its inbound route with
    /// `secret`.
    pub fn for_office(dir: &Path, public: &str, secret: &str) -> Self {
        Self::start(dir, &format!("{public}/v1/sms/kannel/inbound?from=%p&to=%P&text=%a&secret={secret}"))
    }

    /// Head office's `--sms-gateway` for this Kannel, texts sent as `sender`.
    pub fn gateway(&self, sender: &str, secret: &str) -> String {
        format!(
            "kannel://{}:{}@127.0.0.1:{}?from={sender}&secret={secret}",
            self.user, self.password, self.sendsms_port
        )
    }

    /// Starts bearerbox and smsbox with `get_url` as the address patients' texts go to, and the
    /// fake operator.
    pub fn start(dir: &Path, get_url: &str) -> Self {
        let dir = dir.join("kannel");
        std::fs::create_dir_all(dir.join("store")).expect("kannel dir");
        let (admin, smsbox, smsc, sendsms) = (free_port(), free_port(), free_port(), free_port());
        let d = dir.display();
        let conf = format!(
            r#"group = core
admin-port = {admin}
admin-password = not-used-{admin}
smsbox-port = {smsbox}
box-allow-ip = "127.0.0.1"
log-file = "{d}/bearerbox.log"
log-level = 1
dlr-storage = internal
store-type = spool
store-location = "{d}/store"

group = smsc
smsc = fake
smsc-id = fake
port = {smsc}
connect-allow-ip = "127.0.0.1"

group = smsbox
bearerbox-host = 127.0.0.1
sendsms-port = {sendsms}
log-file = "{d}/smsbox.log"
log-level = 1

group = sendsms-user
username = rapport
password = kannel-test-password
max-messages = 3
concatenation = true

group = sms-service
keyword = default
catch-all = true
max-messages = 0
get-url = "{get_url}"
"#
        );
        let conf_path = dir.join("kannel.conf");
        std::fs::write(&conf_path, conf).expect("kannel.conf");
        let spawn = |bin: &str, log: &str| {
            Command::new(bin)
                .arg(&conf_path)
                .stdout(Stdio::null())
                .stderr(std::fs::File::create(dir.join(log)).map_or_else(|_| Stdio::null(), Stdio::from))
                .spawn()
                .unwrap_or_else(|e| panic!("{bin}: {e} (cargo xtask test installs Kannel)"))
        };
        let bearerbox = spawn("/usr/sbin/bearerbox", "bearerbox.out");
        wait_for_port(smsbox, "bearerbox");
        let smsbox_child = spawn("/usr/sbin/smsbox", "smsbox.out");
        wait_for_port(sendsms, "smsbox");
        let mut kannel = Self {
            dir,
            boxes: vec![bearerbox, smsbox_child],
            operator: None,
            operator_runs: 0,
            smsc_port: smsc,
            sendsms_port: sendsms,
            user: "rapport",
            password: "kannel-test-password",
        };
        kannel.operator(&[]);
        kannel
    }

    /// (Re)connects the fake operator; it then sends each of `texts` ("FROM TO text MESSAGE")
    /// as if from a phone.
    pub fn operator(&mut self, texts: &[&str]) {
        if let Some(mut old) = self.operator.take() {
            let _ = old.kill();
            let _ = old.wait();
        }
        self.operator_runs += 1;
        let log = self.dir.join(format!("operator-{}.log", self.operator_runs));
        // With nothing to send it still needs a message to choose from (`-m 0` sends none).
        let (count, texts) = if texts.is_empty() { (0, &["0 0 text unused"][..]) } else { (texts.len(), texts) };
        let child = Command::new("/usr/lib/kannel/test/fakesmsc")
            .args(["-H", "127.0.0.1", "-r", &self.smsc_port.to_string(), "-i", "0.5", "-m", &count.to_string()])
            .args(texts)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(log).map_or_else(|_| Stdio::null(), Stdio::from))
            .spawn()
            .expect("fakesmsc (cargo xtask test installs kannel-extras)");
        self.operator = Some(child);
    }

    /// Every text the operator received, as "FROM TO text MESSAGE".
    pub fn received(&self) -> Vec<String> {
        (1..=self.operator_runs)
            .filter_map(|n| std::fs::read_to_string(self.dir.join(format!("operator-{n}.log"))).ok())
            .flat_map(|log| {
                log.lines()
                    .filter_map(|l| l.split_once("Got message ").map(|(_, m)| m.to_owned()))
                    .filter_map(|m| m.split_once(": <").map(|(_, m)| m.trim_end_matches('>').to_owned()))
                    .collect::<Vec<_>>()
            })
            .collect()
    }
}

impl Drop for Kannel {
    fn drop(&mut self) {
        for child in self.operator.iter_mut().chain(self.boxes.iter_mut()) {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
