//! Satisfaction surveys end to end: a clinic turns them on for one doctor at a real desk; a
//! real `rapport-server` sends each done visit with that doctor a link, by SMS through a real
//! Kannel or by email through a real SMTP server; a digit texted back is the rating; the page
//! takes one answer and refuses a second; the answers reach the desk's figures and the
//! doctor's glance, and head office's log holds neither tokens nor comments.

use std::time::{Duration, Instant};

use chrono::{Local, Timelike};
use rapport_tests::browser::{Browser, heading, screenshot};
use rapport_tests::head_office::{Desk, Office, tls_files};
use rapport_tests::kannel::{Kannel, free_port};
use rapport_tests::mailbox::{MailServer, body};
use serde_json::Value;
use thirtyfour::prelude::*;

const SECRET: &str = "kannel-callback-secret-8901";

fn wait_until(what: &str, secs: u64, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// Books a visit with `doctor` in a few minutes and takes it through to done.
fn done_visit(desk: &Desk, patient: &str, doctor: &str, minutes_ahead: i64) -> String {
    let at = (Local::now() + chrono::Duration::minutes(minutes_ahead)).format("%Y-%m-%dT%H:%M").to_string();
    let id = desk.ok(&["appt", "book", patient, "--doctor", doctor, "--at", &at, "--minutes", "10"]);
    for step in ["checkin", "seen", "done"] {
        desk.ok(&["appt", step, &id]);
    }
    id
}

fn post(url: &str, form: &str) -> (u16, String) {
    let r = reqwest::blocking::Client::new()
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form.to_owned())
        .send()
        .expect("post");
    (r.status().as_u16(), r.text().expect("page"))
}

fn get(url: &str) -> (u16, String) {
    let r = reqwest::blocking::get(url).expect("get");
    (r.status().as_u16(), r.text().expect("page"))
}

#[test]
fn a_done_visit_is_surveyed_once_by_text_or_page_and_the_answers_reach_the_doctor() {
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
    let mut office = Office::plain(
        &dir,
        port,
        &[
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
        ],
    );
    office.admin(&["clinic", "add", "Lotus"]);
    office.start();

    let desk = Desk { db: dir.join("desk.db") };
    desk.ok(&["init", "--clinic", "Lotus", "--admin", "admin"]);
    office.enroll(&desk, "Lotus");
    desk.ok(&["staff", "add", "dr.rao", "--name", "Dr Rao", "--role", "clinician"]);
    desk.ok(&["staff", "add", "dr.iyer", "--name", "Dr Iyer", "--role", "clinician"]);
    let quiet_from = (Local::now() + chrono::Duration::hours(12)).with_minute(0).expect("hour");
    let quiet = format!("{}-{}", quiet_from.format("%H:%M"), (quiet_from + chrono::Duration::hours(1)).format("%H:%M"));
    desk.ok(&["messaging", "set", "--quiet-hours", &quiet]);
    // Off until a manager turns it on; a doctor who is not a clinician is refused.
    assert!(desk.ok(&["survey", "settings"]).contains("off"));
    let refused = desk.run(&["survey", "settings", "--after-visit", "on", "--doctor", "admin"]);
    assert!(!refused.status.success());
    assert!(!desk.run(&["survey", "settings", "--delay-hours", "100"]).status.success());
    let shown = desk.ok(&["survey", "settings", "--after-visit", "on", "--delay-hours", "0", "--doctor", "dr.rao"]);
    assert!(shown.contains("on") && shown.contains("Dr Rao"), "{shown}");

    let texted = desk.ok(&["patient", "add", "--given", "Asha", "--family", "Surveyed", "--phone", "+91 98450 33333"]);
    desk.ok(&["patient", "edit", &texted, "--sms-consent", "yes"]);
    let mailed = desk.ok(&["patient", "add", "--given", "Meera", "--family", "Surveyed"]);
    desk.ok(&["patient", "edit", &mailed, "--email", "meera@example.org", "--email-consent", "yes"]);
    let other = desk.ok(&["patient", "add", "--given", "Ravi", "--family", "Notasked", "--phone", "+91 98450 44444"]);
    desk.ok(&["patient", "edit", &other, "--sms-consent", "yes"]);
    done_visit(&desk, &texted, "dr.rao", 5);
    done_visit(&desk, &mailed, "dr.rao", 20);
    // Dr Iyer's visits are not surveyed.
    done_visit(&desk, &other, "dr.iyer", 35);
    desk.ok(&["sync", "now"]);

    // One text, with the survey's link; one email, with its own.
    wait_until("the survey text", 30, || !kannel.received().is_empty());
    wait_until("the survey email", 30, || !mail.mails().is_empty());
    std::thread::sleep(Duration::from_secs(2));
    let texts = kannel.received();
    assert_eq!(texts.len(), 1, "{texts:?}");
    assert!(texts[0].contains("+919845033333") && texts[0].contains("how was your visit with Dr Rao?"), "{texts:?}");
    let sms_link = texts[0].split_whitespace().find(|w| w.contains("/s/")).expect("a survey link").to_owned();
    let mails = mail.mails();
    assert_eq!(mails.len(), 1);
    let mail_text = body(&mails[0]);
    let link =
        mail_text.split_whitespace().find(|w| w.starts_with(&format!("{public}/s/"))).expect("a link").to_owned();
    assert_ne!(link, sms_link);

    // The patient texts back a 4: the rating.
    kannel.operator(&["+919845033333 LOTUS text 4"]);

    // The page: the questions, named by clinic and doctor, never by patient.
    let (status, page) = get(&link);
    assert_eq!(status, 200);
    assert!(page.contains("How was your visit?") && page.contains("Dr Rao") && page.contains("Lotus"), "{page}");
    assert!(!page.contains("Meera") && !page.contains("<script"), "{page}");
    assert!(
        page.contains("<legend>How would you rate your visit?</legend>")
            && page.contains("name=\"recommend\" value=\"10\"")
    );
    // A broken answer and an empty one are refused with what to do; nothing is recorded.
    assert_eq!(post(&link, "rating=9").0, 400);
    let (status, empty) = post(&link, "comment=++");
    assert!(status == 200 && empty.contains("Please choose a rating"), "{empty}");
    // The patient answers on their phone, in a real browser.
    answer_on_a_phone(&link).expect("the survey answered in Chromium");
    // Once only: a second answer, or a reload, changes nothing.
    let (_, again) = post(&link, "rating=1&recommend=0&comment=changed+my+mind");
    assert!(again.contains("cannot be answered again"), "{again}");
    assert!(get(&link).1.contains("cannot be answered again"));
    assert_eq!(get(&format!("{public}/s/{}", "0".repeat(32))).0, 404, "a made-up link");
    assert_eq!(get(&format!("{public}/s/not-a-token")).0, 404);

    // The answers reach the desk: the figures and the doctor's glance.
    wait_until("both answers at the desk", 30, || {
        desk.ok(&["sync", "now"]);
        let r: Value = serde_json::from_str(&desk.ok(&["survey", "results", "--json"])).expect("results");
        r["latest"].as_array().is_some_and(|l| l.len() == 2)
    });
    // The texted rating closed that survey's page too.
    assert!(get(&sms_link).1.contains("cannot be answered again"));
    let r: Value =
        serde_json::from_str(&desk.ok(&["survey", "results", "--doctor", "dr.rao", "--json"])).expect("json");
    let rao =
        r["scores"].as_array().and_then(|s| s.iter().find(|x| x["doctor"] == "Dr Rao" && x["month"] == "all").cloned());
    let rao = rao.expect("Dr Rao's row");
    assert_eq!((rao["answers"].as_u64(), rao["ratings"].as_u64()), (Some(2), Some(2)));
    assert_eq!(rao["average_rating"].as_f64(), Some(4.5));
    assert_eq!(rao["nps"].as_f64(), Some(100.0), "one answer of 9: a promoter");
    let glance = desk.ok(&["glance", "--doctor", "dr.rao"]);
    assert!(
        glance.contains("Lovely care from the team") && glance.contains("5/5") && glance.contains("4/5"),
        "{glance}"
    );
    let shown = desk.ok(&["survey", "results"]);
    assert!(shown.contains("Dr Rao") && shown.contains("NPS"), "{shown}");
    assert!(!desk.ok(&["glance", "--doctor", "dr.iyer"]).contains("said lately"));

    // Head office's log holds no token, no comment, no number.
    office.kill();
    let log = std::fs::read_to_string(dir.join("office.log")).expect("log");
    let token = link.rsplit('/').next().expect("token");
    for secret in [token, "Lovely", "9845033333", "meera@"] {
        assert!(!log.contains(secret), "head office logged {secret:?}");
    }
}

/// Opens the survey in a phone-sized Chromium window, answers it (5, 9 and a comment), and
/// opens it again: answered once. Screenshots of each page.
fn answer_on_a_phone(link: &str) -> WebDriverResult<()> {
    let browser = Browser::start().map_err(|e| WebDriverError::FatalError(e.to_string()))?;
    let rt = tokio::runtime::Runtime::new().map_err(|e| WebDriverError::FatalError(e.to_string()))?;
    rt.block_on(async {
        let phone = browser.open(390, 844).await?;
        phone.goto(link).await?;
        heading(&phone, "How was your visit?").await?;
        screenshot(&phone, "survey-page").await?;
        phone.find(By::XPath("//label[input[@name='rating' and @value='5']]")).await?.click().await?;
        let nine = phone.find(By::XPath("//label[input[@name='recommend' and @value='9']]")).await?;
        nine.scroll_into_view().await?;
        nine.click().await?;
        phone.find(By::Id("comment")).await?.send_keys("Lovely care from the team").await?;
        screenshot(&phone, "survey-filled").await?;
        phone.find(By::Css("button[type=submit]")).await?.click().await?;
        heading(&phone, "Thank you").await?;
        screenshot(&phone, "survey-thanks").await?;
        phone.goto(link).await?;
        heading(&phone, "Thank you").await?;
        let body = phone.find(By::Tag("body")).await?.text().await?;
        assert!(body.contains("cannot be answered again"), "{body}");
        screenshot(&phone, "survey-answered-once").await?;
        phone.quit().await
    })
}
