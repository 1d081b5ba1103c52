//! A campaign end to end: a real desk sets it up to a saved segment, a real `rapport-server`
//! draws its holdout group and sends the rest through a real Kannel (its fake operator stands
//! in for the phones), and what came of it (bookings made at the desk within the window, in each
//! group) comes back to the desk as head office's count. Nothing goes twice: not on a second
//! planning pass, not after head office is killed and started again. A paused campaign's
//! waiting messages stay paused until it is resumed.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use chrono::{Local, Timelike};
use rapport_tests::head_office::{Desk, Office, tls_files};
use rapport_tests::kannel::{Kannel, free_port};
use serde_json::Value;

const SECRET: &str = "kannel-callback-secret-4567";
const TAGGED: usize = 24;

fn wait_until(what: &str, secs: u64, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// Head office's campaign rows: patient id → (status, reason).
fn campaign_rows(office: &Office) -> BTreeMap<String, (String, Option<String>)> {
    let out = office.admin(&["messages", "list", "--json", "--limit", "1000"]);
    let all: Vec<Value> = serde_json::from_str(&out).expect("messages json");
    all.into_iter()
        .filter(|m| m["kind"] == "campaign")
        .map(|m| {
            let patient = m["patient"].as_str().expect("patient").to_owned();
            (patient, (m["status"].as_str().expect("status").to_owned(), m["reason"].as_str().map(str::to_owned)))
        })
        .collect()
}

fn results(desk: &Desk, name: &str) -> Value {
    serde_json::from_str(&desk.ok(&["campaign", "results", name, "--json"])).expect("results json")
}

fn phone(n: usize) -> String {
    format!("+91 98450 2{n:04}")
}

/// The number as the operator sees it.
fn dialled(n: usize) -> String {
    format!("+919845020{n:03}")
}

#[test]
fn a_campaign_holds_out_a_share_sends_the_rest_once_and_counts_the_bookings_it_brought() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().to_owned();
    tls_files(&dir);
    let port = free_port();
    let public = format!("http://127.0.0.1:{port}");
    let kannel = Kannel::for_office(&dir, &public, SECRET);
    let gateway = kannel.gateway("LOTUS", SECRET);
    let mut office =
        Office::plain(&dir, port, &["--public-url", &public, "--sms-gateway", &gateway, "--plan-every", "1"]);
    office.admin(&["clinic", "add", "Lotus"]);
    office.start();

    let desk = Desk { db: dir.join("desk.db") };
    desk.ok(&["init", "--clinic", "Lotus", "--admin", "admin"]);
    office.enroll(&desk, "Lotus");
    desk.ok(&["staff", "add", "dr.rao", "--name", "Dr Rao", "--role", "clinician"]);
    let quiet_from = (Local::now() + chrono::Duration::hours(12)).with_minute(0).expect("hour");
    let quiet = format!("{}-{}", quiet_from.format("%H:%M"), (quiet_from + chrono::Duration::hours(1)).format("%H:%M"));
    let zone = std::fs::read_link("/etc/localtime")
        .ok()
        .and_then(|p| p.to_str().and_then(|s| s.split("zoneinfo/").nth(1)).map(str::to_owned))
        .unwrap_or_else(|| "UTC".to_owned());
    desk.ok(&["messaging", "set", "--timezone", &zone, "--quiet-hours", &quiet]);
    let words = "{clinic}: {patient}, your diabetes check is due. Reply R and we will call you.";
    desk.ok(&["template", "set", "campaign", "--channel", "sms", "--lang", "en", "--text", words]);

    // The segment: patients with diabetes. Most agreed to texts; one did not (email only), one
    // has an avoid-topic pointer (a bereavement). Patients without the tag are not in it.
    let mut numbers = BTreeMap::new();
    for n in 0..TAGGED {
        let id = desk.ok(&["patient", "add", "--given", &format!("P{n}"), "--family", "Diab", "--phone", &phone(n)]);
        desk.ok(&["patient", "edit", &id, "--sms-consent", "yes", "--tag", "diabetes"]);
        numbers.insert(id, n);
    }
    let email_only = desk.ok(&["patient", "add", "--given", "Mail", "--family", "Only", "--phone", &phone(90)]);
    desk.ok(&[
        "patient",
        "edit",
        &email_only,
        "--email",
        "mail@example.org",
        "--email-consent",
        "yes",
        "--tag",
        "Diabetes",
    ]);
    let mourning = desk.ok(&["patient", "add", "--given", "Sad", "--family", "Loss", "--phone", &phone(91)]);
    desk.ok(&["patient", "edit", &mourning, "--sms-consent", "yes", "--tag", "diabetes"]);
    desk.ok(&["pointer", "add", &mourning, "--kind", "avoid-topic", "--text", "lost her husband in May"]);
    for n in 92..95 {
        let id =
            desk.ok(&["patient", "add", "--given", &format!("Other{n}"), "--family", "Well", "--phone", &phone(n)]);
        desk.ok(&["patient", "edit", &id, "--sms-consent", "yes", "--tag", "asthma"]);
    }
    // A visit booked before the campaign: not its result, in either group.
    let early = numbers.keys().next().expect("a patient").clone();
    let tomorrow = (Local::now() + chrono::Duration::days(2)).with_hour(10).expect("hour").with_minute(0).expect("min");
    let slot = |k: i64| (tomorrow + chrono::Duration::minutes(20 * k)).format("%Y-%m-%dT%H:%M").to_string();
    desk.ok(&["appt", "book", &early, "--doctor", "dr.rao", "--at", &slot(0), "--minutes", "15"]);
    desk.ok(&["segment", "save", "diabetics", "--tag", "diabetes"]);
    let counted: Value =
        serde_json::from_str(&desk.ok(&["segment", "count", "--tag", "diabetes", "--json"])).expect("count");
    assert_eq!(counted["count"], TAGGED + 2);

    // A clumsy manager: each mistake is refused with what to do, and nothing is set up.
    let create = |name: &str, rest: &[&str]| {
        let mut args = vec!["campaign", "create", name];
        args.extend_from_slice(rest);
        desk.run(&args)
    };
    for (rest, says) in [
        (&["--segment", "nobody", "--template", "campaign", "--channel", "sms"][..], "segment"),
        (&["--segment", "diabetics", "--template", "reminder", "--channel", "sms"][..], "appointment"),
        (&["--segment", "diabetics", "--template", "campaign", "--channel", "sms", "--holdout", "60"][..], "holdout"),
        (
            &["--segment", "diabetics", "--template", "campaign", "--channel", "sms", "--send-at", "2020-01-01T10:00"]
                [..],
            "passed",
        ),
        (&["--segment", "diabetics", "--template", "campaign", "--channel", "phone"][..], "sms"),
    ] {
        let out = create("Bad", rest);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success() && err.contains(says), "{rest:?}: {err}");
    }
    assert!(desk.ok(&["campaign", "list"]).contains("No campaigns"));

    let name = "Diabetes checks";
    desk.ok(&[
        "campaign",
        "create",
        name,
        "--segment",
        "diabetics",
        "--template",
        "campaign",
        "--channel",
        "sms",
        "--holdout",
        "25",
        "--window-days",
        "30",
        "--cost-per-message",
        "0.25",
    ]);
    // A double click: the same name again is refused.
    let again = create(name, &["--segment", "diabetics", "--template", "campaign", "--channel", "sms"]);
    assert!(!again.status.success(), "a second campaign of the same name");
    desk.ok(&["sync", "now"]);

    // Head office draws 26 members: 25% (7, rounded) held out, the rest planned by the rules.
    let members = TAGGED + 2;
    wait_until("the campaign drawn", 30, || campaign_rows(&office).len() == members);
    let rows = campaign_rows(&office);
    let holdout: BTreeSet<&String> = rows.iter().filter(|(_, (s, _))| s == "holdout").map(|(p, _)| p).collect();
    assert_eq!(holdout.len(), 7, "{rows:?}");
    for special in [&email_only, &mourning] {
        if !holdout.contains(special) {
            let reason = if special == &email_only { "no-consent" } else { "avoid-topic" };
            assert_eq!(rows[special], ("skipped".to_owned(), Some(reason.to_owned())), "{special}");
        }
    }
    let to_send: Vec<usize> = numbers.iter().filter(|(id, _)| !holdout.contains(id)).map(|(_, n)| *n).collect();
    wait_until("every text at the operator", 60, || kannel.received().len() >= to_send.len());
    let got = kannel.received();
    assert_eq!(got.len(), to_send.len(), "{got:?}");
    for n in &to_send {
        let from_us = got.iter().filter(|m| m.starts_with(&format!("LOTUS {} text ", dialled(*n)))).count();
        assert_eq!(from_us, 1, "patient {n} got {from_us} texts");
    }
    assert!(got.iter().all(|m| m.contains(", your diabetes check is due.") && m.contains("Lotus: P")), "{got:?}");
    for (id, n) in &numbers {
        if holdout.contains(id) {
            assert!(!got.iter().any(|m| m.contains(&dialled(*n))), "a held-out patient was sent a text");
        }
    }
    for n in 90..95 {
        assert!(!got.iter().any(|m| m.contains(&dialled(n))), "{n} is not in the segment or may not be texted");
    }

    // Bookings after the campaign went: four of the sent group (one then cancelled) and two of
    // the holdout.
    let sent_group: Vec<&String> = numbers.keys().filter(|id| !holdout.contains(id) && **id != early).collect();
    let held: Vec<&String> = numbers.keys().filter(|id| holdout.contains(id) && **id != early).collect();
    let mut k = 1;
    let mut book = |id: &str| {
        k += 1;
        desk.ok(&["appt", "book", id, "--doctor", "dr.rao", "--at", &slot(k), "--minutes", "15"])
    };
    for id in &sent_group[..3] {
        book(id);
    }
    let cancelled = book(sent_group[3]);
    desk.ok(&["appt", "cancel", &cancelled]);
    for id in &held[..2] {
        book(id);
    }
    desk.ok(&["sync", "now"]);

    // The count reaches the desk.
    wait_until("the bookings counted at the desk", 60, || {
        desk.ok(&["sync", "now"]);
        let r = results(&desk, name);
        r["booked_sent"] == 3 && r["booked_holdout"] == 2 && r["delivered"] == r["sent"]
    });
    let r = results(&desk, name);
    let sent_group_size = members - 7;
    let not_sent = [&email_only, &mourning].iter().filter(|p| !holdout.contains(**p)).count();
    assert_eq!(r["holdout"], 7);
    assert_eq!(r["sent_group"], sent_group_size);
    assert_eq!(r["sent"], sent_group_size - not_sent);
    assert_eq!(r["not_sent"], not_sent);
    let expected_lift = (3.0 / sent_group_size as f64 - 2.0 / 7.0) * 100.0;
    assert!((r["lift"].as_f64().expect("lift") - expected_lift).abs() < 1e-9, "{r}");
    let cost = 0.25 * (sent_group_size - not_sent) as f64;
    assert!((r["cost_per_booking"].as_f64().expect("cost per booking") - cost / 3.0).abs() < 1e-9, "{r}");
    assert_eq!(r["booked_by_doctor"]["Dr Rao"], 3);
    assert_eq!(r["booked_by_clinic"]["Lotus"], 3);
    let table = desk.ok(&["campaign", "results", name]);
    assert!(table.contains("lift") && table.contains("sent group"), "{table}");
    // Shown with `--no-capture`: what a manager reads.
    #[allow(clippy::print_stdout)]
    {
        println!("{table}");
    }

    // Nothing goes twice: another planning pass, and head office killed and started again.
    assert!(office.admin(&["messages", "plan"]).starts_with("0 queued"));
    office.kill();
    office.start();
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(kannel.received().len(), to_send.len(), "a restart sent the campaign again");

    // A second campaign while the clinic's quiet hours hold its texts: paused, its waiting
    // messages stay; resumed, they wait for their time again.
    let now = Local::now();
    let quiet = format!(
        "{}-{}",
        (now - chrono::Duration::hours(1)).format("%H:00"),
        (now + chrono::Duration::hours(2)).format("%H:00")
    );
    desk.ok(&["messaging", "set", "--quiet-hours", &quiet]);
    desk.ok(&[
        "campaign",
        "create",
        "Second",
        "--segment",
        "diabetics",
        "--template",
        "campaign",
        "--channel",
        "sms",
        "--holdout",
        "0",
    ]);
    desk.ok(&["sync", "now"]);
    wait_until("the second campaign drawn", 30, || statuses(&office).get("queued").copied().unwrap_or(0) > 0);
    desk.ok(&["campaign", "pause", "Second"]);
    desk.ok(&["sync", "now"]);
    wait_until("the second campaign paused", 30, || !statuses(&office).contains_key("queued"));
    assert!(desk.ok(&["campaign", "list"]).contains("paused"));
    desk.ok(&["campaign", "resume", "Second"]);
    desk.ok(&["sync", "now"]);
    wait_until("the second campaign resumed", 30, || !statuses(&office).contains_key("paused"));
    assert_eq!(kannel.received().len(), to_send.len(), "quiet hours hold the second campaign");

    // Head office's log holds no number and no text of the patients'.
    office.kill();
    let log = std::fs::read_to_string(dir.join("office.log")).expect("log");
    for secret in ["9845020", "diabetes check", "Diab", SECRET] {
        assert!(
            !log.contains(secret),
            "head office logged {secret:?}: {}",
            log.lines().filter(|l| l.contains(secret)).collect::<Vec<_>>().join("\n")
        );
    }
}

/// How many of the outbox's rows are in each state.
fn statuses(office: &Office) -> BTreeMap<String, i64> {
    let out = office.admin(&["messages", "status", "--json"]);
    let v: Value = serde_json::from_str(&out).expect("status json");
    serde_json::from_value(v["by_status"].clone()).expect("by status")
}
