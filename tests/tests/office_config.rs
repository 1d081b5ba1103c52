//! Head office run from its configuration file, as the package runs it: `check-config` says in
//! words what is wrong; `serve --config` serves what the file says and a desk syncs with it;
//! `backup` copies the database while it serves, and a head office started on the copy knows
//! the clinic, the desk and what it sent.

use std::io::{BufRead as _, BufReader};
use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use rapport_tests::head_office::{Desk, bin, tls_files};

fn office(args: &[&str], config: &Path) -> Output {
    Command::new(bin("rapport-server"))
        .args(args)
        .arg("--config")
        .arg(config)
        .env_remove("RAPPORT_SERVER_POSTGRES")
        .output()
        .expect("rapport-server")
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

#[test]
fn check_config_names_each_mistake_in_words() {
    let dir = tempfile::tempdir().expect("dir");
    tls_files(dir.path());
    // A key of another certificate.
    let other = dir.path().join("other");
    std::fs::create_dir(&other).expect("dir");
    tls_files(&other);
    // A file where the data folder should be.
    let data = dir.path().join("data");
    std::fs::write(&data, "not a folder").expect("file");
    let config = dir.path().join("server.toml");
    std::fs::write(
        &config,
        format!(
            "[storage]\ndata = {data:?}\n\n[tls]\ncert = {cert:?}\nkey = {key:?}\n\n[sms]\n\
             gateway = \"kannel://u:topsecret@127.0.0.1:13013?from=CLINIC&secret=hush\"\n\n[mail]\nsmtp = \"smtp://127.0.0.1:25\"\n",
            cert = dir.path().join("server.pem"),
            key = other.join("server.key"),
        ),
    )
    .expect("write");
    let out = office(&["check-config"], &config);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let said = text(&out);
    for words in [
        "listen is not set",
        "is not a directory",
        "tls.cert and tls.key do not go together",
        "sms.gateway needs public_url",
        "mail.smtp is set but mail.from is not",
        "5 things to fix",
    ] {
        assert!(said.contains(words), "check-config should say {words:?}:\n{said}");
    }
    assert!(!said.contains("topsecret") && !said.contains("hush"), "a gateway's secrets are never repeated:\n{said}");
    // `serve` refuses the same file, with the same words, and serves nothing.
    let out = office(&["serve"], &config);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).contains("head office cannot serve") && text(&out).contains("listen is not set"),
        "{}",
        text(&out)
    );

    // A misspelt key is named with its line; a missing file is named.
    std::fs::write(&config, "listen = \"127.0.0.1:8443\"\n\n[storage]\ndat = \"/var/lib/x\"\n").expect("write");
    let said = text(&office(&["check-config"], &config));
    assert!(said.contains("unknown field `dat`") && said.contains("line 4"), "{said}");
    let said = text(&office(&["check-config"], &dir.path().join("missing.toml")));
    assert!(said.contains("cannot read") && said.contains("missing.toml"), "{said}");
}

#[test]
fn head_office_serves_from_its_configuration_and_backs_up_while_serving() {
    let dir = tempfile::tempdir().expect("dir");
    tls_files(dir.path());
    let data = dir.path().join("office");
    let config = dir.path().join("server.toml");
    std::fs::write(
        &config,
        format!(
            "listen = \"127.0.0.1:0\"\npublic_url = \"https://office.invalid\"\n\n[storage]\ndata = {data:?}\n\n\
             [tls]\ncert = {:?}\nkey = {:?}\n\n[sms]\ngateway = \"kannel://u:p@127.0.0.1:9?from=NORTH&secret=a-long-enough-secret\"\n",
            dir.path().join("server.pem"),
            dir.path().join("server.key"),
        ),
    )
    .expect("write");
    // The data folder does not exist yet: that is fine, serve makes it 0700.
    let out = office(&["check-config"], &config);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("head office can serve: https on 127.0.0.1:0"), "{}", text(&out));
    assert!(office(&["clinic", "add", "North"], &config).status.success());
    assert_eq!(std::fs::metadata(&data).expect("data").permissions().mode() & 0o777, 0o700);

    let mut serve = Command::new(bin("rapport-server"))
        .args(["serve", "--config"])
        .arg(&config)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve");
    let mut line = String::new();
    BufReader::new(serve.stdout.take().expect("stdout")).read_line(&mut line).expect("listening line");
    let port: u16 = line.trim().rsplit(':').next().and_then(|p| p.parse().ok()).expect("port");

    let desk = Desk { db: dir.path().join("north.db") };
    desk.ok(&["init", "--clinic", "North", "--admin", "admin"]);
    let code =
        String::from_utf8_lossy(&office(&["enroll-code", "--clinic", "North"], &config).stdout).trim().to_owned();
    let ca = dir.path().join("ca.pem");
    desk.ok(&[
        "sync",
        "enroll",
        "--server",
        &format!("https://localhost:{port}"),
        "--code",
        &code,
        "--ca-cert",
        ca.to_str().expect("path"),
    ]);
    desk.ok(&["patient", "add", "--given", "Nila", "--family", "Backup"]);
    desk.ok(&["sync", "now"]);

    // A backup while serving; a second one over it is refused.
    let copy = dir.path().join("office-copy.db");
    let out = office(&["backup", "--out", copy.to_str().expect("path")], &config);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(std::fs::metadata(&copy).expect("copy").permissions().mode() & 0o777, 0o600);
    let again = office(&["backup", "--out", copy.to_str().expect("path")], &config);
    assert_eq!(again.status.code(), Some(1), "a backup never writes over a file");
    assert!(text(&again).contains("office-copy.db"), "{}", text(&again));
    let _ = serve.kill();
    let _ = serve.wait();

    // A head office made from the copy knows the clinic, the desk and the patient it sent.
    let restored = dir.path().join("restored");
    std::fs::create_dir(&restored).expect("dir");
    std::fs::copy(&copy, restored.join("head-office.db")).expect("copy back");
    let dump = Command::new(bin("rapport-server"))
        .args(["dump", "--clinic", "North", "--data"])
        .arg(&restored)
        .output()
        .expect("dump");
    assert!(dump.status.success(), "{}", text(&dump));
    assert!(String::from_utf8_lossy(&dump.stdout).contains("Nila"), "the copy holds what the desk sent");
    let devices = Command::new(bin("rapport-server")).args(["device", "list", "--data"]).arg(&restored).output();
    assert!(String::from_utf8_lossy(&devices.expect("devices").stdout).contains("North"));
}
