//! Head office reaches a patient through a real SMS gateway: a real `rapport-server`, a real
//! Kannel (bearerbox, smsbox) with its fake operator standing in for the phone network, and a
//! desk. A booking for tomorrow gets exactly one reminder with the clinic's words; the
//! operator's delivery report marks it delivered; the patient's "C" confirms the visit on the
//! desk after sync; forged callbacks are refused and change nothing; head office killed and
//! started again sends nothing twice; STOP turns the patient's SMS consent off. On PostgreSQL
//! two head-office processes plan and send at once: still one text.

use std::time::{Duration, Instant};

use chrono::{Local, Timelike};
use rapport_tests::head_office::{Desk, Office, postgres_database, tls_files};
use rapport_tests::kannel::{Kannel, free_port};
use rapport_tests::mailbox::{MailServer, body};
use rapport_tests::twilio::TwilioStandIn;
use serde_json::{Value, json};

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
fn a_reminder_goes_once_through_kannel_and_the_reply_confirms_the_visit_on_sqlite() {
    scenario(None);
}

#[test]
fn two_head_office_processes_send_a_reminder_once_and_the_reply_confirms_the_visit_on_postgres() {
    scenario(Some(postgres_database("rapport_outreach")));
}

fn scenario(postgres: Option<String>) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().to_owned();
    tls_files(&dir);
    let port = free_port();
    let public = format!("http://127.0.0.1:{port}");
    let mut kannel = Kannel::for_office(&dir, &public, SECRET);
    let gateway = kannel.gateway("LOTUS", SECRET);
    let mail = MailServer::start(&dir);
    let smtp = format!("smtp://127.0.0.1:{}", mail.port);
    let mut office = Office {
        dir: dir.clone(),
        postgres: postgres.clone(),
        port,
        child: None,
        plain_http: true,
        serve_args: [
            "--public-url",
            &public,
            "--sms-gateway",
            &gateway,
            "--smtp",
            &smtp,
            "--mail-from",
            "Lotus Clinic <desk@lotus.example>",
            "--plan-every",
            "1",
        ]
        .map(str::to_owned)
        .to_vec(),
    };
    office.admin(&["clinic", "add", "Lotus"]);
    office.start();
    // On PostgreSQL a second process plans and sends from the same outbox all along.
    let _second = postgres.is_some().then(|| office.another_process());

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
    // A patient who takes email only.
    let meera = desk.ok(&["patient", "add", "--given", "Meera", "--family", "Iyer"]);
    desk.ok(&["patient", "edit", &meera, "--email", "meera@example.org", "--email-consent", "yes"]);
    let later = at + chrono::Duration::minutes(30);
    desk.ok(&[
        "appt",
        "book",
        &meera,
        "--doctor",
        "dr.rao",
        "--at",
        &later.format("%Y-%m-%dT%H:%M").to_string(),
        "--minutes",
        "15",
    ]);
    desk.ok(&["sync", "now"]);

    // One reminder reaches the phone, in the clinic's words, from the clinic's sender name.
    wait_until("the reminder at the operator", 30, || !kannel.received().is_empty());
    let got = kannel.received();
    assert_eq!(got.len(), 1, "{got:?}");
    let expected = format!("Lotus: Ash, see you at {} with Dr Rao. Reply C to confirm.", at.format("%H:%M"));
    assert!(got[0].starts_with("LOTUS +919845012345 text "), "{}", got[0]);
    assert!(got[0].ends_with(&expected), "{} does not end with {expected}", got[0]);
    // One email reaches the mail server, with the clinic's sender, the default words and a
    // confirm link of its own.
    wait_until("the email reminder", 30, || !mail.mails().is_empty());
    let mails = mail.mails();
    assert_eq!(mails.len(), 1);
    let subject = format!("Subject: Your appointment on {}", later.format("%a %-d %b"));
    assert!(mails[0].contains(&subject), "{}", mails[0]);
    assert!(mails[0].contains("To: meera@example.org") && mails[0].contains("desk@lotus.example"), "{}", mails[0]);
    let text = body(&mails[0]);
    assert!(text.contains("Dear Meera,") && text.contains("with Dr Rao at Lotus"), "{text}");
    // Its confirm link: opening it confirms nothing (mail scanners open links); the button does.
    let link =
        text.split_whitespace().find(|w| w.starts_with(&format!("{public}/c/"))).expect("a confirm link").to_owned();
    let opened = reqwest::blocking::get(&link).expect("the link opens");
    assert_eq!(opened.status().as_u16(), 200, "{link}");
    let page = opened.text().expect("page");
    assert!(page.contains("Lotus") && page.contains("Yes, I will come") && !page.contains("Meera"), "{page}");
    let client = reqwest::blocking::Client::new();
    let confirmed = client.post(&link).send().and_then(|r| r.text()).expect("confirm");
    assert!(confirmed.contains("is confirmed"), "{confirmed}");
    assert_eq!(get(&format!("{public}/c/{}", "0".repeat(32))), 404, "a made-up link");
    // The operator's delivery report reaches head office.
    wait_until("the delivery report", 30, || messages(&office).iter().any(|m| m["status"] == "delivered"));
    let all = messages(&office);
    assert_eq!(all.len(), 2);
    let listed: Vec<&Value> = all.iter().filter(|m| m["channel"] == "sms").collect();
    assert_eq!((listed[0]["kind"].as_str(), listed[0]["channel"].as_str()), (Some("reminder"), Some("sms")));
    assert_eq!(listed[0]["attempts"], 1);

    // Forged callbacks: without the secret, or with another, nothing changes.
    let id = listed[0]["id"].as_str().expect("id").to_owned();
    for secret in ["", "&secret=guess", &format!("&secret={SECRET}x")] {
        assert_eq!(get(&format!("{public}/v1/sms/kannel/dlr?id={id}&status=16{secret}")), 403);
        assert_eq!(get(&format!("{public}/v1/sms/kannel/inbound?from=%2B919845012345&text=C{secret}")), 403);
    }
    let sms_status =
        |office: &Office| messages(office).into_iter().find(|m| m["channel"] == "sms").map(|m| m["status"].clone());
    assert_eq!(sms_status(&office), Some(Value::from("delivered")), "a forged report changed nothing");
    desk.ok(&["sync", "now"]);
    let day = at.format("%Y-%m-%d").to_string();
    let booked: Value = serde_json::from_str(&desk.ok(&["appt", "list", "--date", &day, "--json"])).expect("json");
    let asha_visit =
        booked.as_array().and_then(|b| b.iter().find(|a| a["id"].as_str() == Some(visit.as_str())).cloned());
    assert_eq!(
        asha_visit.map(|a| a["status"].clone()),
        Some(Value::from("booked")),
        "a forged reply confirmed nothing"
    );
    let meera_day = later.format("%Y-%m-%d").to_string();
    let meera_list: Value =
        serde_json::from_str(&desk.ok(&["appt", "list", "--date", &meera_day, "--json"])).expect("json");
    let meera_visit = meera_list
        .as_array()
        .and_then(|l| l.iter().find(|a| a["patient_id"].as_str() == Some(meera.as_str())).cloned());
    assert_eq!(
        meera_visit.map(|a| (a["status"].clone(), a["confirmed_by"].clone())),
        Some((json!("confirmed"), json!("email"))),
        "the confirm link confirmed Meera's visit at the desk, and the schedule says how"
    );

    // Head office killed and started again: nothing is sent twice.
    office.kill();
    office.start();
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(kannel.received().len(), 1, "a restart sent the reminder again");
    assert_eq!(mail.mails().len(), 1, "a restart sent the email again");

    // A second desk of the clinic joins head office.
    let second = Desk { db: dir.join("second.db") };
    office.enroll(&second, "Lotus");

    // The patient answers "C" from their phone: the visit is confirmed at both desks after
    // sync, and each shows the message with its reply.
    kannel.operator(&["+919845012345 LOTUS text C"]);
    for d in [&desk, &second] {
        wait_until("the visit confirmed at the desk", 30, || {
            d.ok(&["sync", "now"]);
            let list: Value = serde_json::from_str(&d.ok(&["appt", "list", "--date", &day, "--json"])).expect("json");
            list.as_array()
                .and_then(|l| l.iter().find(|a| a["id"].as_str() == Some(visit.as_str())))
                .is_some_and(|a| a["status"] == "confirmed" && a["confirmed_by"] == "sms")
        });
        let history: Value = serde_json::from_str(&d.ok(&["messages", "--patient", &patient, "--json"])).expect("json");
        let history = history.as_array().expect("messages");
        assert_eq!(history.len(), 1, "{history:?}");
        let m = &history[0];
        assert_eq!((&m["kind"], &m["channel"], &m["status"]), (&json!("reminder"), &json!("sms"), &json!("delivered")));
        assert_eq!((&m["reply"], &m["reply_meaning"]), (&json!("C"), &json!("confirm")));
        assert!(d.ok(&["call-list"]).contains("Nobody to call"), "a confirmed visit needs no call");
    }
    assert_eq!(visit.len(), 36, "the booking printed its id");

    let answered = messages(&office).into_iter().find(|m| m["channel"] == "sms").expect("the text");
    assert_eq!(answered["reply"], "C", "the reply is kept for staff");

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
    let token = link.rsplit('/').next().expect("token");
    for secret in ["9845012345", "Ash", "see you", "meera@", SECRET, token] {
        assert!(!log.contains(secret), "head office logged {secret:?}");
    }
}

/// A Twilio-style gateway (its stand-in, written apart in Python): messages accepted, refused
/// at once, busy, delivered or not; signed status callbacks and replies taken, unsigned or
/// wrongly signed ones refused; what did not reach its patient, and the reply asking for a call,
/// land on the desk's call list.
#[test]
fn a_twilio_style_gateway_reports_what_did_not_arrive_and_the_desk_calls_those_patients() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().to_owned();
    tls_files(&dir);
    let port = free_port();
    let public = format!("http://127.0.0.1:{port}");
    let twilio = TwilioStandIn::start(&dir);
    let spec = twilio.spec("+15005550006");
    let mut office = Office::plain(&dir, port, &["--public-url", &public, "--sms-gateway", &spec, "--plan-every", "1"]);
    office.admin(&["clinic", "add", "Lotus"]);
    office.start();
    let desk = Desk { db: dir.join("desk.db") };
    desk.ok(&["init", "--clinic", "Lotus", "--admin", "admin"]);
    office.enroll(&desk, "Lotus");
    desk.ok(&["staff", "add", "dr.rao", "--name", "Dr Rao", "--role", "clinician"]);
    let quiet_from = (Local::now() + chrono::Duration::hours(12)).with_minute(0).expect("hour");
    let quiet = format!("{}-{}", quiet_from.format("%H:%M"), (quiet_from + chrono::Duration::hours(1)).format("%H:%M"));
    desk.ok(&["messaging", "set", "--timezone", &iana_zone(), "--quiet-hours", &quiet, "--hold-minutes", "0"]);
    // Four patients booked for tomorrow, each texted at a number the gateway treats its own way.
    let mut ids = Vec::new();
    for (n, (given, phone)) in [
        ("Asha", "+91 98450 12345"),
        ("Ravi", "+91 98450 19999"),
        ("Tara", "+91 98450 10000"),
        ("Bala", "+91 98450 17777"),
    ]
    .into_iter()
    .enumerate()
    {
        let id = desk.ok(&["patient", "add", "--given", given, "--family", "Test", "--phone", phone]);
        desk.ok(&["patient", "edit", &id, "--sms-consent", "yes"]);
        let at = Local::now() + chrono::Duration::hours(23) + chrono::Duration::minutes(20 * n as i64);
        let when = at.format("%Y-%m-%dT%H:%M").to_string();
        desk.ok(&["appt", "book", &id, "--doctor", "dr.rao", "--at", &when, "--minutes", "15"]);
        ids.push(id);
    }
    desk.ok(&["sync", "now"]);

    // Asha's is delivered, Ravi's accepted and then undelivered, Tara's number refused at once;
    // the gateway is busy for Bala's: tried once, waiting to be tried again, never twice at once.
    let status_of = |office: &Office, patient: &str| {
        messages(office).into_iter().find(|m| m["patient"] == patient).map(|m| m["status"].as_str().map(str::to_owned))
    };
    wait_until("the gateway's reports", 30, || {
        status_of(&office, &ids[0]) == Some(Some("delivered".into()))
            && status_of(&office, &ids[1]) == Some(Some("undeliverable".into()))
            && status_of(&office, &ids[2]) == Some(Some("failed".into()))
    });
    let bala = messages(&office).into_iter().find(|m| m["patient"] == ids[3].as_str()).expect("Bala's");
    assert_eq!((bala["status"].as_str(), bala["attempts"].as_i64()), (Some("queued"), Some(1)), "{bala}");
    let got = twilio.received();
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[0]["from"], "+15005550006");
    let asha = messages(&office).into_iter().find(|m| m["patient"] == ids[0].as_str()).expect("Asha's");
    assert_eq!(
        asha["gateway_ref"].as_str(),
        got.iter().find(|g| g["to"] == "+919845012345").and_then(|g| g["sid"].as_str())
    );

    // Callbacks that are not the gateway's change nothing.
    let client = reqwest::blocking::Client::new();
    let status_url = format!("{public}/v1/sms/twilio/status?id={}", asha["id"].as_str().expect("id"));
    for signature in [None, Some("bm90IHRoZSBzaWduYXR1cmU=")] {
        let mut forged = client
            .post(&status_url)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body("MessageStatus=undelivered&MessageSid=SMx");
        if let Some(s) = signature {
            forged = forged.header("X-Twilio-Signature", s);
        }
        assert_eq!(forged.send().expect("answer").status().as_u16(), 403);
        let inbound = client
            .post(format!("{public}/v1/sms/twilio/inbound"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body("From=%2B919845012345&Body=STOP");
        assert_eq!(inbound.send().expect("answer").status().as_u16(), 403);
    }
    assert_eq!(status_of(&office, &ids[0]), Some(Some("delivered".into())), "a forged report changed nothing");

    // Asha replies R, through the gateway's signed webhook.
    assert_eq!(twilio.inbound(&format!("{public}/v1/sms/twilio/inbound"), "+919845012345", "R"), 200);

    // At the desk: Ravi and Tara to phone (not delivered), Asha to call back, with her reply.
    let mut calls = Vec::new();
    wait_until("the calls at the desk", 30, || {
        desk.ok(&["sync", "now"]);
        calls = serde_json::from_str::<Vec<Value>>(&desk.ok(&["call-list", "--json"])).expect("json");
        calls.len() == 3
    });
    let reason_of = |id: &str| {
        calls.iter().find(|c| c["patient"]["id"] == id).map(|c| c["reason"].as_str().unwrap_or_default().to_owned())
    };
    assert_eq!(reason_of(&ids[0]).as_deref(), Some("call-back"));
    assert_eq!(reason_of(&ids[1]).as_deref(), Some("undelivered"));
    assert_eq!(reason_of(&ids[2]).as_deref(), Some("undelivered"));
    let asha_call = calls.iter().find(|c| c["patient"]["id"] == ids[0].as_str()).expect("Asha's call");
    assert_eq!(asha_call["note"], "R");
    desk.ok(&["call-list", "done", asha_call["id"].as_str().expect("id"), "--outcome", "reached"]);
    let left: Vec<Value> = serde_json::from_str(&desk.ok(&["call-list", "--json"])).expect("json");
    assert_eq!(left.len(), 2);

    // Head office is killed after the gateway took Kiran's text and before it heard so: started
    // again, it does not send the text a second time (the claim stays until staff check).
    let kiran = desk.ok(&["patient", "add", "--given", "Kiran", "--family", "Test", "--phone", "+91 98450 15555"]);
    desk.ok(&["patient", "edit", &kiran, "--sms-consent", "yes"]);
    let at = (Local::now() + chrono::Duration::hours(22)).format("%Y-%m-%dT%H:%M").to_string();
    desk.ok(&["appt", "book", &kiran, "--doctor", "dr.rao", "--at", &at, "--minutes", "15"]);
    desk.ok(&["sync", "now"]);
    let to_kiran = |t: &TwilioStandIn| t.received().iter().filter(|m| m["to"] == "+919845015555").count();
    wait_until("the gateway taking Kiran's text", 30, || to_kiran(&twilio) == 1);
    office.kill();
    office.start();
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(to_kiran(&twilio), 1, "a restart sent the text again");
    assert_eq!(status_of(&office, &kiran), Some(Some("claimed".into())), "left for the lease to lapse into uncertain");
    office.kill();
}

/// The machine's time zone as the desk's `messaging set --timezone` takes it.
fn iana_zone() -> String {
    std::fs::read_link("/etc/localtime")
        .ok()
        .and_then(|p| p.to_str().and_then(|s| s.split("zoneinfo/").nth(1)).map(str::to_owned))
        .unwrap_or_else(|| "UTC".to_owned())
}
