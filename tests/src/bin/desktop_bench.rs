//! The desktop app's figures, for `cargo xtask bench` (which builds the release app first):
//!
//! - `cold_start_ms`: process launch to the search box being usable, on a 100k-patient
//!   database: the WebDriver new-session request (which starts the app) to the first screen,
//!   plus the database passphrase and the staff login, typed by WebDriver. Baseline: the same
//!   open + unlock + login done in-process through rapport-core, without the window.
//! - `keystroke_paint_p50_ms` / `_p95_ms`: measured in the page, from each `input` event of the
//!   search box to the first animation frame after that query's results rendered, over
//!   hundreds of keystrokes typed with random gaps. Baseline: the same queries through
//!   rapport-core in-process (the search itself).
//! - `rss_mb`: PSS of the app and its WebKit processes after the main tasks.
#![allow(clippy::print_stdout)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rapport_bench::{Entry, report};
use rapport_core::{ClinicSetup, KdfCost, KeyProtection, Rapport, Secret, SystemClock};
use rapport_tests::desktop::{Desktop, pid_of, pss_mib_of_tree};
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
            other => {
                eprintln!("unknown argument {other}; use --app PATH --tauri-driver PATH --out DIR [--quick]");
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

#[tokio::main]
async fn main() -> WebDriverResult<()> {
    let args = parse_args();
    let dir = std::env::temp_dir().join(format!("rapport-desktop-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let db = dir.join("clinic.db");
    println!("building a {}-patient clinic database…", args.patients);
    make_clinic(&db, args.patients).map_err(|e| WebDriverError::FatalError(e.message))?;

    let desktop = Desktop::start(&args.tauri_driver, &[("RAPPORT_DB", db.display().to_string())])?;
    // Cold start: launch → first screen → unlock → login → search box.
    let t0 = Instant::now();
    let driver = desktop.launch(&args.app).await?;
    let passphrase = wait_id(&driver, "db-passphrase").await?;
    let first_screen_ms = t0.elapsed().as_secs_f64() * 1000.0;
    passphrase.send_keys(PASSPHRASE).await?;
    passphrase.send_keys(Key::Enter).await?;
    wait_id(&driver, "login-name").await?.send_keys("priya").await?;
    wait_id(&driver, "login-password").await?.send_keys(PASSWORD).await?;
    wait_id(&driver, "login-password").await?.send_keys(Key::Enter).await?;
    let search = wait_id(&driver, "search").await?;
    let cold_start_ms = t0.elapsed().as_secs_f64() * 1000.0;

    // Keystrokes with random gaps, so they do not line up with the frame clock.
    let mut rng = Lcg(7);
    let mut typed: Vec<String> = Vec::new();
    for _ in 0..args.rounds {
        for word in WORDS {
            let take = 3 + rng.next(3) as usize;
            let mut prefix = String::new();
            for ch in word.chars().take(take) {
                prefix.push(ch);
                search.send_keys(ch.to_string()).await?;
                typed.push(prefix.clone());
                tokio::time::sleep(Duration::from_millis(20 + rng.next(90))).await;
            }
            for _ in 0..prefix.chars().count() {
                search.send_keys(Key::Backspace).await?;
                tokio::time::sleep(Duration::from_millis(20 + rng.next(60))).await;
            }
        }
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let samples = driver.execute("return window.__rapportKeystrokeMs || [];", Vec::new()).await?;
    let mut paint: Vec<f64> = samples.convert::<Vec<f64>>()?;
    paint.sort_by(f64::total_cmp);

    // The main tasks, then memory.
    search.send_keys("mee").await?;
    driver.query(By::Css("#results li")).first().await?;
    search.send_keys(Key::Enter).await?;
    wait_id(&driver, "patient-card").await?;
    driver.query(By::XPath("//nav//button[normalize-space()='Today']")).first().await?.click().await?;
    driver.query(By::Css("tr.row")).first().await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss = pid_of(&args.app).map_or(0.0, pss_mib_of_tree);
    driver.quit().await?;
    drop(desktop);

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
    let _ = std::fs::remove_dir_all(&dir);

    // Each prefix was typed a letter at a time and erased again: two keystrokes per prefix.
    println!(
        "first screen after {first_screen_ms:.0} ms; {} keystroke samples ({} keystrokes)",
        paint.len(),
        typed.len() * 2
    );
    report(
        &args.out,
        &[
            Entry { name: "cold_start_ms".into(), value: cold_start_ms, unit: "ms", baseline: Some(core_start_ms) },
            Entry { name: "cold_start_first_screen_ms".into(), value: first_screen_ms, unit: "ms", baseline: None },
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
        ],
    );
    Ok(())
}
