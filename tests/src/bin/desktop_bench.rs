//! The desktop app's figures, for `cargo xtask bench` (which builds the release app first):
//!
//! - `cold_start_ms`: process launch to the search box being usable, on a 100k-patient
//!   database: the WebDriver new-session request (which starts the app) to the first screen,
//!   plus the database passphrase and the staff login, typed by WebDriver. Baseline: the same
//!   open + unlock + login done in-process through rapport-core, without the window.
//! - `cold_start_app_ms`: the same start with the machine's time only: how long the app's
//!   process had run at its first screen (not the driver's own start before it), plus
//!   passphrase-entered to login screen (the key unwrapped, the database opened) and
//!   login-entered to search box (the password checked, the desk drawn); not WebDriver typing.
//! - `day_first_login_ms`: the core's first login of the day, which puts the patients due
//!   today first in search. Baseline: a second login.
//! - `first_run_screen_ms`: a new clinic's very first start, to the set-up screen: no database
//!   and a home folder nothing has used (no WebKit, font or GL caches).
//! - `keystroke_paint_p50_ms` / `_p95_ms`: measured in the page, from each `input` event of the
//!   search box to the first animation frame after that query's results rendered, over
//!   hundreds of keystrokes typed with random gaps. Baseline: the same queries through
//!   rapport-core in-process (the search itself).
//! - `rss_mb`: PSS of the app and its WebKit processes after the main tasks.
//! - `--patients N` runs the same on a clinic of N patients, its figures named with the size
//!   (`keystroke_paint_p95_ms_at_1m` for a million).
//! - The front desk's own figures, typed instantly by WebDriver (the app's time, not a
//!   person's), in a time zone where the demo clinic's morning is under way:
//!   `flow_checkin_keys` / `_ms` (a patient booked for later today found from the search box
//!   with the fewest keys: a query, arrows down to them among the first five results, opened
//!   with Enter, checked in with Alt+I),
//!   `flow_pointer_ms` (a pointer typed into the open card's quick capture and shown),
//!   `flow_booking_keys` / `_ms` (Book on the card, the first free slot with the usual doctor,
//!   booked). Baselines: the same operations through rapport-core in-process, for another
//!   patient booked today.
#![allow(clippy::print_stdout)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rapport_bench::{Entry, report};
use rapport_core::{Booking, ClinicSetup, KdfCost, KeyProtection, Rapport, Secret, SystemClock};
use rapport_model::{AppointmentId, PatientId, StatusChange};
use rapport_tests::desktop::{Desktop, mid_morning_time_zone, pid_of, process_age_ms, pss_by_process, screenshot};
use thirtyfour::prelude::*;

const PASSPHRASE: &str = "benchmark passphrase, long enough";
const PASSWORD: &str = "benchmark-staff";
/// Prefixes typed into the search box, a letter at a time (demo names are drawn from lists).
const WORDS: &[&str] = &[
    "ananya", "priya", "mehta", "garcia", "sofia", "rahul", "nguyen", "omar", "kavya", "lukas", "meera", "venk",
    "chloe", "fatima", "zoe", "rohan", "lakshmi", "jose", "grace", "wei",
];

struct Args {
    app: PathBuf,
    tauri_driver: PathBuf,
    out: PathBuf,
    patients: usize,
    rounds: usize,
}

fn parse_args() -> Args {
    let mut args = Args {
        app: PathBuf::new(),
        tauri_driver: PathBuf::new(),
        out: "target/bench".into(),
        patients: 100_000,
        rounds: 3,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--app" => args.app = it.next().map(PathBuf::from).unwrap_or_default(),
            "--tauri-driver" => args.tauri_driver = it.next().map(PathBuf::from).unwrap_or_default(),
            "--out" => args.out = it.next().map(PathBuf::from).unwrap_or(args.out),
            "--quick" => {
                args.patients = 10_000;
                args.rounds = 1;
            }
            // A larger clinic (e.g. 1000000): its figures are named with the count.
            "--patients" => args.patients = it.next().and_then(|n| n.parse().ok()).unwrap_or(args.patients),
            other => {
                eprintln!(
                    "unknown argument {other}; use --app PATH --tauri-driver PATH --out DIR [--quick | --patients N]"
                );
                std::process::exit(2);
            }
        }
    }
    args
}

/// A clinic database of `patients` synthetic patients, keyed by a passphrase (the bench runs
/// without a keyring).
fn make_clinic(path: &Path, patients: usize) -> Result<(), rapport_core::Error> {
    let password = Secret::new(PASSWORD);
    let setup = ClinicSetup {
        clinic_name: "Benchmark clinic",
        admin_login: "bench",
        admin_name: "Bench Admin",
        admin_password: &password,
    };
    let protection = KeyProtection::Passphrase(Secret::new(PASSPHRASE), KdfCost::default());
    let (mut app, session) = Rapport::init(path, &protection, &setup, Arc::new(SystemClock))?;
    app.load_demo(&session, patients, 42, Some(&password))?;
    Ok(())
}

/// Patients booked for later today in `zone` (the app's time zone), each with the fewest keys
/// that find them: a query (a name's start, or their record number), then arrows down to them
/// among the first results; and their appointment.
/// Also how long the day's first login took (it puts the patients due today first in search)
/// and a second one.
fn arriving(db: &Path, zone: &str) -> Result<(Vec<Arrival>, f64, f64), rapport_core::Error> {
    let mut core = Rapport::open(db, Some(&Secret::new(PASSPHRASE)), Arc::new(SystemClock))?;
    let t = Instant::now();
    core.login("priya", &Secret::new(PASSWORD))?;
    let first_login_ms = t.elapsed().as_secs_f64() * 1000.0;
    let t = Instant::now();
    let session = core.login("priya", &Secret::new(PASSWORD))?;
    let login_ms = t.elapsed().as_secs_f64() * 1000.0;
    let tz: chrono_tz::Tz = zone.parse().map_err(|_| rapport_core::Error::invalid("time zone"))?;
    let now = chrono::Utc::now();
    let today = now.with_timezone(&tz).date_naive();
    let midnight = |d: chrono::NaiveDate| {
        d.and_hms_opt(0, 0, 0).and_then(|t| t.and_local_timezone(tz).earliest()).map(|t| t.with_timezone(&chrono::Utc))
    };
    let (Some(from), Some(to)) = (midnight(today), today.succ_opt().and_then(midnight)) else {
        return Ok((Vec::new(), first_login_ms, login_ms));
    };
    let mut found = Vec::new();
    for row in core.schedule(&session, from, to, None)? {
        let a = &row.appointment;
        if a.starts_at <= now || !StatusChange::CheckIn.applies_to(a.status) {
            continue;
        }
        let p = &row.patient;
        let family: Vec<char> = p.family.to_lowercase().chars().collect();
        let given: Vec<char> = p.given.to_lowercase().chars().collect();
        let mut queries: Vec<String> = (3..=family.len()).map(|n| family[..n].iter().collect()).collect();
        for g in 1..=given.len().min(4) {
            for n in 3..=family.len() {
                queries.push(format!(
                    "{} {}",
                    given[..g].iter().collect::<String>(),
                    family[..n].iter().collect::<String>()
                ));
            }
        }
        // In a clinic of a million, a name can be everyone's: then the record number on their
        // card finds them.
        queries.push(p.record_no.clone());
        queries.sort_by_key(|q| q.chars().count());
        // The fewest keys: a query, then the arrow down to them among the first results
        // (the receptionist tells namesakes apart by birth date and phone).
        let mut best: Option<(String, usize)> = None;
        for q in queries {
            let typed = q.chars().count();
            if best.as_ref().is_some_and(|(b, arrows)| b.chars().count() + arrows <= typed) {
                break;
            }
            let hits = core.search_patients(&session, &q, 12)?;
            if let Some(arrows) = hits.iter().take(VISIBLE_HITS).position(|h| h.id == p.id)
                && best.as_ref().is_none_or(|(b, n)| typed + arrows < b.chars().count() + n)
            {
                best = Some((q, arrows));
            }
        }
        if let Some((q, arrows)) = best {
            found.push(Arrival { query: q, arrows, patient: p.id, appointment: a.id });
        }
        if found.len() == 2 {
            break;
        }
    }
    Ok((found, first_login_ms, login_ms))
}

/// The time zone the bench runs its second self in (see `main`).
const ZONE_VAR: &str = "RAPPORT_BENCH_ZONE";

/// How many search results a receptionist reads down to find the patient at the desk.
const VISIBLE_HITS: usize = 5;

/// A patient booked for later today, as the desk finds them: what is typed into the search box,
/// then how many arrow keys down the results they are.
struct Arrival {
    query: String,
    arrows: usize,
    patient: PatientId,
    appointment: AppointmentId,
}

/// A small deterministic generator for the gaps between keystrokes.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % below
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

async fn wait_id(driver: &WebDriver, id: &str) -> WebDriverResult<WebElement> {
    driver.query(By::Id(id)).wait(Duration::from_secs(60), Duration::from_millis(5)).first().await
}

/// Clicks what `xpath` finds, found again if the page redrew it in between.
async fn press(driver: &WebDriver, xpath: &str) -> WebDriverResult<()> {
    for _ in 0..20 {
        let found =
            driver.query(By::XPath(xpath)).wait(Duration::from_secs(60), Duration::from_millis(5)).first().await?;
        match found.click().await {
            Err(e) if matches!(e.as_inner(), thirtyfour::error::WebDriverErrorInner::StaleElementReference(_)) => {}
            other => return other,
        }
    }
    Err(WebDriverError::FatalError(format!("{xpath} kept being redrawn")))
}

/// Types `keys` into the element with `id`, found again if the page redrew it in between.
async fn type_keys(driver: &WebDriver, id: &str, keys: impl Fn() -> TypingData) -> WebDriverResult<()> {
    for _ in 0..20 {
        match wait_id(driver, id).await?.send_keys(keys()).await {
            Err(e) if matches!(e.as_inner(), thirtyfour::error::WebDriverErrorInner::StaleElementReference(_)) => {}
            other => return other,
        }
    }
    Err(WebDriverError::FatalError(format!("#{id} kept being redrawn")))
}

/// Waits for what `xpath` finds.
async fn wait_for(driver: &WebDriver, xpath: &str) -> WebDriverResult<WebElement> {
    driver.query(By::XPath(xpath)).wait(Duration::from_secs(60), Duration::from_millis(5)).first().await
}

#[tokio::main]
async fn main() -> WebDriverResult<()> {
    // The bench's own core works in the app's time zone, where the demo clinic's morning is
    // under way, so both agree on which day it is (whose patients are due today): the bench
    // runs itself again in that zone.
    let Ok(zone) = std::env::var(ZONE_VAR) else {
        let zone = mid_morning_time_zone();
        let status = std::process::Command::new(std::env::current_exe()?)
            .args(std::env::args_os().skip(1))
            .env("TZ", &zone)
            .env(ZONE_VAR, &zone)
            .status()?;
        return if status.success() {
            Ok(())
        } else {
            Err(WebDriverError::FatalError(format!("the bench in {zone}: {status}")))
        };
    };
    let args = parse_args();
    let dir = std::env::temp_dir().join(format!("rapport-desktop-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let db = dir.join("clinic.db");
    println!("building a {}-patient clinic database…", args.patients);
    make_clinic(&db, args.patients).map_err(|e| WebDriverError::FatalError(e.message))?;

    let (arrivals, first_login_ms, login_ms) =
        arriving(&db, &zone).map_err(|e| WebDriverError::FatalError(e.message))?;
    let [arrival, core_arrival] = arrivals.as_slice() else {
        return Err(WebDriverError::FatalError("the demo clinic has no two patients booked for later today".into()));
    };
    let desktop =
        Desktop::start(&args.tauri_driver, &[("RAPPORT_DB", db.display().to_string()), ("TZ", zone.clone())])?;
    // Cold start: launch → first screen → unlock → login → search box.
    let t0 = Instant::now();
    let driver = desktop.launch(&args.app).await?;
    let passphrase = wait_id(&driver, "db-passphrase").await?;
    let first_screen_ms = t0.elapsed().as_secs_f64() * 1000.0;
    // How long the app's process had been running at its first screen: the rest of the
    // time since launch is the driver's (tauri-driver, WebKitWebDriver, the new session).
    let app_first_screen_ms = pid_of(&args.app).and_then(process_age_ms).unwrap_or(first_screen_ms);
    passphrase.send_keys(PASSPHRASE).await?;
    let typed_passphrase_ms = t0.elapsed().as_secs_f64() * 1000.0;
    passphrase.send_keys(Key::Enter).await?;
    let login = wait_id(&driver, "login-name").await?;
    let login_screen_ms = t0.elapsed().as_secs_f64() * 1000.0;
    login.send_keys("priya").await?;
    wait_id(&driver, "login-password").await?.send_keys(PASSWORD).await?;
    let typed_login_ms = t0.elapsed().as_secs_f64() * 1000.0;
    wait_id(&driver, "login-password").await?.send_keys(Key::Enter).await?;
    if let Err(e) = wait_id(&driver, "search").await {
        if let Ok(shot) = screenshot(&driver, &desktop.shots(dir.clone()), "no-search-failure").await {
            eprintln!("no search box after login; see {}", shot.display());
        }
        return Err(e);
    }
    let cold_start_ms = t0.elapsed().as_secs_f64() * 1000.0;
    // The machine's time only: the app's own start to its first screen, unlocking, logging in.
    let cold_start_app_ms =
        app_first_screen_ms + (login_screen_ms - typed_passphrase_ms) + (cold_start_ms - typed_login_ms);
    println!(
        "cold start: first screen {first_screen_ms:.0} ms (the app's process {app_first_screen_ms:.0} of it), \
         passphrase typed {typed_passphrase_ms:.0}, login screen {login_screen_ms:.0}, login typed \
         {typed_login_ms:.0}, search box {cold_start_ms:.0}"
    );

    // Keystrokes with random gaps, so they do not line up with the frame clock.
    let mut rng = Lcg(7);
    let mut typed: Vec<String> = Vec::new();
    for _ in 0..args.rounds {
        for word in WORDS {
            let take = 3 + rng.next(3) as usize;
            let mut prefix = String::new();
            for ch in word.chars().take(take) {
                prefix.push(ch);
                type_keys(&driver, "search", || ch.to_string().into()).await?;
                typed.push(prefix.clone());
                tokio::time::sleep(Duration::from_millis(20 + rng.next(90))).await;
            }
            for _ in 0..prefix.chars().count() {
                type_keys(&driver, "search", || Key::Backspace.into()).await?;
                tokio::time::sleep(Duration::from_millis(20 + rng.next(60))).await;
            }
        }
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let samples = driver.execute("return window.__rapportKeystrokeMs || [];", Vec::new()).await?;
    let mut paint: Vec<f64> = samples.convert::<Vec<f64>>()?;
    paint.sort_by(f64::total_cmp);

    // The front desk's flows. A patient booked for later today is at the desk.
    wait_id(&driver, "search").await?.clear().await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let t = Instant::now();
    type_keys(&driver, "search", || arrival.query.as_str().into()).await?;
    let patient = arrival.patient;
    wait_for(&driver, &format!("//ul[@id='results']/li[{}][@id='hit-{patient}']", arrival.arrows + 1)).await?;
    for _ in 0..arrival.arrows {
        type_keys(&driver, "search", || Key::Down.into()).await?;
    }
    wait_for(&driver, &format!("//ul[@id='results']/li[@id='hit-{patient}'][@aria-selected='true']")).await?;
    type_keys(&driver, "search", || Key::Enter.into()).await?;
    wait_id(&driver, "card-check-in").await?;
    type_keys(&driver, "search", || Key::Alt + "i").await?;
    wait_for(&driver, "//div[@id='last-appointment' or @id='next-appointment'][contains(., 'Arrived')]").await?;
    let checkin_ms = t.elapsed().as_secs_f64() * 1000.0;
    let checkin_keys = arrival.query.chars().count() + arrival.arrows + 2;
    // A pointer captured on the open card.
    let t = Instant::now();
    type_keys(&driver, "capture-text", || "Back from a holiday in Goa".into()).await?;
    type_keys(&driver, "capture-text", || Key::Enter.into()).await?;
    wait_for(&driver, "//ul[@id='talk-about']/li[contains(., 'Back from a holiday in Goa')]").await?;
    let pointer_ms = t.elapsed().as_secs_f64() * 1000.0;
    // A booking with the usual doctor: Book, then the first free slot.
    let t = Instant::now();
    press(&driver, "//button[@id='book-button']").await?;
    press(&driver, "//*[@id='free-slots']//button").await?;
    wait_id(&driver, "booking-done").await?;
    let booking_ms = t.elapsed().as_secs_f64() * 1000.0;
    let booking_keys = 2.0;

    // The main tasks, then memory. Ctrl+K: back to the search box.
    driver.active_element().await?.send_keys(Key::Control + "k").await?;
    type_keys(&driver, "search", || "mee".into()).await?;
    driver.query(By::Css("#results li")).first().await?;
    type_keys(&driver, "search", || Key::Enter.into()).await?;
    wait_id(&driver, "patient-card").await?;
    driver.query(By::XPath("//nav//button[normalize-space()='Today']")).first().await?.click().await?;
    driver.query(By::Css("tr.row")).first().await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let by_process = pid_of(&args.app).map(pss_by_process).unwrap_or_default();
    let rss: f64 = by_process.iter().map(|(_, mib)| mib).sum();
    for (name, mib) in &by_process {
        eprintln!("memory: {name} {mib:.0} MiB (PSS)");
    }
    driver.quit().await?;
    drop(desktop);

    // A new clinic's very first start: no database yet and a home folder the desktop has
    // never used (no caches of any kind), to the set-up screen.
    let fresh = dir.join("first-run");
    std::fs::create_dir_all(&fresh)?;
    let first_run = Desktop::start(
        &args.tauri_driver,
        &[("RAPPORT_DB", fresh.join("clinic.db").display().to_string()), ("HOME", fresh.display().to_string())],
    )?;
    let t = Instant::now();
    let driver = first_run.launch(&args.app).await?;
    wait_id(&driver, "setup-clinic").await?;
    let first_run_ms = t.elapsed().as_secs_f64() * 1000.0;
    driver.quit().await?;
    drop(first_run);

    // Baselines: the same work in-process, without the window.
    let t = Instant::now();
    let mut core = Rapport::open(&db, Some(&Secret::new(PASSPHRASE)), Arc::new(SystemClock))
        .map_err(|e| WebDriverError::FatalError(e.message))?;
    let session = core.login("priya", &Secret::new(PASSWORD)).map_err(|e| WebDriverError::FatalError(e.message))?;
    let core_start_ms = t.elapsed().as_secs_f64() * 1000.0;
    let mut core_ms: Vec<f64> = typed
        .iter()
        .map(|q| {
            let t = Instant::now();
            let _ = core.search_patients(&session, q, 12);
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    core_ms.sort_by(f64::total_cmp);
    // The flows' baselines: the same operations in-process, for the other patient booked today.
    let fatal = |e: rapport_core::Error| WebDriverError::FatalError(e.message);
    let t = Instant::now();
    let hits = core.search_patients(&session, &core_arrival.query, 12).map_err(fatal)?;
    let chosen = hits.get(core_arrival.arrows).map_or(core_arrival.patient, |h| h.id);
    let card = core.open_patient(&session, chosen).map_err(fatal)?;
    core.change_status(&session, core_arrival.appointment, StatusChange::CheckIn).map_err(fatal)?;
    let core_checkin_ms = t.elapsed().as_secs_f64() * 1000.0;
    let t = Instant::now();
    let pointer = rapport_core::NewPointer {
        kind: rapport_model::PointerKind::Travel,
        text: "Back from a holiday in Goa".into(),
        event_date: None,
        source: rapport_model::Source::CheckIn,
    };
    core.add_pointer(&session, card.patient.id, pointer).map_err(fatal)?;
    let core_pointer_ms = t.elapsed().as_secs_f64() * 1000.0;
    let t = Instant::now();
    let doctor = card.patient.usual_doctor.or_else(|| card.next_appointment.as_ref().map(|a| a.doctor));
    let day = chrono::Local::now().date_naive() + chrono::Duration::days(1);
    let core_booking_ms = match doctor {
        Some(doctor) => {
            let slot = core.free_slots(&session, doctor, day, 15).map_err(fatal)?.slots;
            if let Some(slot) = slot.first() {
                let booking =
                    Booking { patient: card.patient.id, doctor, starts_at: slot.starts_at, minutes: 15, reason: None };
                core.book(&session, booking).map_err(fatal)?;
            }
            Some(t.elapsed().as_secs_f64() * 1000.0)
        }
        None => None,
    };
    let _ = std::fs::remove_dir_all(&dir);

    // Each prefix was typed a letter at a time and erased again: two keystrokes per prefix.
    println!(
        "first screen after {first_screen_ms:.0} ms; {} keystroke samples ({} keystrokes)",
        paint.len(),
        typed.len() * 2
    );
    // A clinic of another size than the standard 100k (not the quick run's) names its figures so.
    let sized = |name: &str| match args.patients {
        100_000 | 10_000 => name.to_owned(),
        n if n % 1_000_000 == 0 => format!("{name}_at_{}m", n / 1_000_000),
        n => format!("{name}_at_{}k", n / 1000),
    };
    let entries: Vec<Entry> = [
        Entry { name: "cold_start_ms".into(), value: cold_start_ms, unit: "ms", baseline: Some(core_start_ms) },
        Entry { name: "cold_start_app_ms".into(), value: cold_start_app_ms, unit: "ms", baseline: Some(core_start_ms) },
        Entry { name: "cold_start_first_screen_ms".into(), value: first_screen_ms, unit: "ms", baseline: None },
        Entry { name: "first_run_screen_ms".into(), value: first_run_ms, unit: "ms", baseline: None },
        Entry { name: "day_first_login_ms".into(), value: first_login_ms, unit: "ms", baseline: Some(login_ms) },
        Entry {
            name: "keystroke_paint_p50_ms".into(),
            value: percentile(&paint, 0.50),
            unit: "ms",
            baseline: Some(percentile(&core_ms, 0.50)),
        },
        Entry {
            name: "keystroke_paint_p95_ms".into(),
            value: percentile(&paint, 0.95),
            unit: "ms",
            baseline: Some(percentile(&core_ms, 0.95)),
        },
        Entry { name: "rss_mb".into(), value: rss, unit: "MiB", baseline: None },
        Entry { name: "flow_checkin_keys".into(), value: checkin_keys as f64, unit: "keys", baseline: None },
        Entry { name: "flow_checkin_ms".into(), value: checkin_ms, unit: "ms", baseline: Some(core_checkin_ms) },
        Entry { name: "flow_pointer_ms".into(), value: pointer_ms, unit: "ms", baseline: Some(core_pointer_ms) },
        Entry { name: "flow_booking_keys".into(), value: booking_keys, unit: "keys", baseline: None },
        Entry { name: "flow_booking_ms".into(), value: booking_ms, unit: "ms", baseline: core_booking_ms },
    ]
    .into_iter()
    .map(|e| Entry { name: sized(&e.name), ..e })
    .collect();
    report(&args.out, &entries);
    Ok(())
}
