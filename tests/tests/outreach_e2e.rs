//! Head office reaches a patient through a real SMS gateway: a real `rapport-server`, a real
//! Kannel (bearerbox, smsbox) with its fake operator standing in for the phone network, and a
//! desk. A booking for tomorrow gets exactly one reminder with the clinic's words; the
//! operator's delivery report marks it delivered; the patient's "C" confirms the visit on the
//! desk after sync; forged callbacks are refused and change nothing; head office killed and
//! started again sends nothing twice; STOP turns the patient's SMS consent off.

use std::time::{Duration, Instant};

use chrono::{Local, Timelike};
use rapport_tests::head_office::{Desk, Office, tls_files};
use rapport_tests::kannel::{Kannel, free_port};
use serde_json::Value;

const SECRET: &str = "kannel-callback-secret-0123";

fn wait_until(what: &str, secs: u64, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(300));
    }
}

fn messages(office: &Office) -> Vec<Value> {
    let out = office.admin(&["messages", "list", "--json"]);
    serde_json::from_str::<Vec<Value>>(&out).expect("messages json")
}

fn get(url: &str) -> u16 {
    reqwest::blocking::get(url).map(|r| r.status().as_u16()).unwrap_or(0)
}

#[test]
fn a_reminder_goes_once_through_kannel_and_the_patients_reply_confirms_the_visit() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().to_owned();
    tls_files(&dir);
    let port = free_port();
    let public = format!("http://127.0.0.1:{port}");
    let mut kannel =
        Kannel::start(&dir, &format!("{public}/v1/sms/kannel/inbound?from=%p&to=%P&text=%a&secret={SECRET}"));
    let gateway = format!(
        "kannel://{}:{}@127.0.0.1:{}?from=LOTUS&secret={SECRET}",
        kannel.user, kannel.password, kannel.sendsms_port
    );
    let mut office = Office {
        dir: dir.clone(),
        postgres: None,
        port,
        child: None,
        plain_http: true,
        serve_args: ["--public-url", &public, "--sms-gateway", &gateway, "--plan-every", "1"]
            .map(str::to_owned)
            .to_vec(),
    };
    office.admin(&["clinic", "add", "Lotus"]);
    office.start();

    // The desk: a doctor, the clinic's settings and words, a patient who agreed to texts.
    let desk = Desk { db: dir.join("desk.db") };
    desk.ok(&["init", "--clinic", "Lotus", "--admin", "admin"]);
    office.enroll(&desk, "Lotus");
    desk.ok(&["staff", "add", "dr.rao", "--name", "Dr Rao", "--role", "clinician"]);
    // Quiet hours far from now, so that the reminder may go at once whenever the test runs.
    let quiet_from = (Local::now() + chrono::Duration::hours(12)).with_minute(0).expect("hour");
    let quiet = format!("{}-{}", quiet_from.format("%H:%M"), (quiet_from + chrono::Duration::hours(1)).format("%H:%M"));
    let zone = iana_zone();
    desk.ok(&["messaging", "set", "--timezone", &zone, "--quiet-hours", &quiet, "--hold-minutes", "0"]);
    desk.ok(&[
        "template",
        "set",
        "reminder",
        "--channel",
        "sms",
        "--lang",
        "en",
        "--text",
        "{clinic}: {patient}, see you at {time} with {doctor}. Reply C to confirm.",
    ]);
    let patient = desk.ok(&[
        "patient",
        "add",
        "--given",
        "Asha",
        "--family",
        "Rao",
        "--preferred",
        "Ash",
        "--phone",
        "+91 98450 12345",
    ]);
    desk.ok(&["patient", "edit", &patient, "--sms-consent", "yes"]);
    let at = Local::now() + chrono::Duration::hours(23);
    let when = at.format("%Y-%m-%dT%H:%M").to_string();
    let visit = desk.ok(&["appt", "book", &patient, "--doctor", "dr.rao", "--at", &when, "--minutes", "15"]);
    desk.ok(&["sync", "now"]);

    // One reminder reaches the phone, in the clinic's words, from the clinic's sender name.
    wait_until("the reminder at the operator", 30, || !kannel.received().is_empty());
    let got = kannel.received();
    assert_eq!(got.len(), 1, "{got:?}");
    let expected = format!("Lotus: Ash, see you at {} with Dr Rao. Reply C to confirm.", at.format("%H:%M"));
    assert!(got[0].starts_with("LOTUS +919845012345 text "), "{}", got[0]);
    assert!(got[0].ends_with(&expected), "{} does not end with {expected}", got[0]);
    // The operator's delivery report reaches head office.
    wait_until("the delivery report", 30, || messages(&office).iter().any(|m| m["status"] == "delivered"));
    let listed = messages(&office);
    assert_eq!(listed.len(), 1);
    assert_eq!((listed[0]["kind"].as_str(), listed[0]["channel"].as_str()), (Some("reminder"), Some("sms")));
    assert_eq!(listed[0]["attempts"], 1);

    // Forged callbacks: without the secret, or with another, nothing changes.
    let id = listed[0]["id"].as_str().expect("id").to_owned();
    for secret in ["", "&secret=guess", &format!("&secret={SECRET}x")] {
        assert_eq!(get(&format!("{public}/v1/sms/kannel/dlr?id={id}&status=16{secret}")), 403);
        assert_eq!(get(&format!("{public}/v1/sms/kannel/inbound?from=%2B919845012345&text=C{secret}")), 403);
    }
    assert_eq!(messages(&office)[0]["status"], "delivered", "a forged report changed nothing");
    desk.ok(&["sync", "now"]);
    let day = at.format("%Y-%m-%d").to_string();
    let booked: Value = serde_json::from_str(&desk.ok(&["appt", "list", "--date", &day, "--json"])).expect("json");
    assert_eq!(booked[0]["status"], "booked", "a forged reply confirmed nothing");

    // Head office killed and started again: nothing is sent twice.
    office.kill();
    office.start();
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(kannel.received().len(), 1, "a restart sent the reminder again");

    // The patient answers "C" from their phone: the visit is confirmed at the desk after sync.
    kannel.operator(&["+919845012345 LOTUS text C"]);
    wait_until("the visit confirmed at the desk", 30, || {
        desk.ok(&["sync", "now"]);
        let list: Value = serde_json::from_str(&desk.ok(&["appt", "list", "--date", &day, "--json"])).expect("json");
        list[0]["status"] == "confirmed"
    });
    assert_eq!(visit.len(), 36, "the booking printed its id");

    // STOP: the patient's SMS consent goes off at every desk.
    kannel.operator(&["+919845012345 LOTUS text STOP"]);
    wait_until("the consent withdrawn at the desk", 30, || {
        desk.ok(&["sync", "now"]);
        let card: Value = serde_json::from_str(&desk.ok(&["patient", "show", &patient, "--json"])).expect("json");
        card["consent"]["sms"] == false
    });
    assert_eq!(kannel.received().len(), 1, "nothing else was sent");
    // Head office's log holds no number and no text of the patient's.
    office.kill();
    let log = std::fs::read_to_string(dir.join("office.log")).expect("log");
    for secret in ["98450", "Ash", "see you", SECRET] {
        assert!(!log.contains(secret), "head office logged {secret:?}");
    }
}

/// The machine's time zone as the desk's `messaging set --timezone` takes it.
fn iana_zone() -> String {
    std::fs::read_link("/etc/localtime")
        .ok()
        .and_then(|p| p.to_str().and_then(|s| s.split("zoneinfo/").nth(1)).map(str::to_owned))
        .unwrap_or_else(|| "UTC".to_owned())
}
