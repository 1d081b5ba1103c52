//! The benchmark report shared by `rapport-bench` and the desktop benchmark: entries with a
//! same-run baseline, merged by name into `report.json`.
#![allow(clippy::print_stdout)]

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

/// The benchmarks' arguments: `--quick` (smaller sizes) and `--out DIR` (default `target/bench`).
pub fn args() -> (bool, PathBuf) {
    let mut quick = false;
    let mut out = PathBuf::from("target/bench");
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--quick" => quick = true,
            "--out" => out = args.next().map(PathBuf::from).unwrap_or(out),
            other => {
                eprintln!("unknown argument {other}; use --quick and --out DIR");
                std::process::exit(1);
            }
        }
    }
    (quick, out)
}

/// One figure, with the baseline measured in the same run (the ratio is derived).
#[derive(Debug, Clone)]
pub struct Entry {
    pub name: String,
    pub value: f64,
    pub unit: &'static str,
    pub baseline: Option<f64>,
}

/// Merges these entries into `report.json` (other benchmarks' entries are kept) and prints them.
pub fn report(dir: &Path, entries: &[Entry]) {
    std::fs::create_dir_all(dir).expect("bench dir");
    let path = dir.join("report.json");
    let mut all: Vec<Value> = std::fs::read_to_string(&path)
        .ok()
        .and_then(|s| serde_json::from_str::<Value>(&s).ok())
        .and_then(|v| v.get("benchmarks").and_then(Value::as_array).cloned())
        .unwrap_or_default();
    println!("\n{:<28} {:>12} {:>12} {:>8}  unit", "benchmark", "value", "baseline", "ratio");
    for e in entries {
        let ratio = e.baseline.filter(|b| *b > 0.0).map(|b| e.value / b);
        all.retain(|v| v.get("name").and_then(Value::as_str) != Some(e.name.as_str()));
        all.push(json!({ "name": e.name, "value": round(e.value), "unit": e.unit, "baseline": e.baseline.map(round), "ratio": ratio.map(round) }));
        println!(
            "{:<28} {:>12.1} {:>12} {:>8}  {}",
            e.name,
            e.value,
            e.baseline.map_or("-".into(), |b| format!("{b:.1}")),
            ratio.map_or("-".into(), |r| format!("{r:.2}")),
            e.unit
        );
    }
    let text = serde_json::to_string_pretty(&json!({ "benchmarks": all })).expect("json");
    std::fs::write(&path, text).expect("write report");
    println!("\nwrote {}", path.display());
}

fn round(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

/// The passphrase and admin password of every benchmark clinic.
pub const PASSPHRASE: &str = "benchmark passphrase";
pub const PASSWORD: &str = "benchmark-admin";

/// An encrypted clinic made as `rapport init` makes it (default Argon2id cost), with its admin.
pub fn init_clinic(path: &Path) -> (rapport_core::Rapport, rapport_core::Session) {
    let setup = rapport_core::ClinicSetup {
        clinic_name: "Bench Clinic",
        admin_login: "admin",
        admin_name: "Admin",
        admin_password: &rapport_core::Secret::new(PASSWORD),
    };
    let protection = rapport_core::KeyProtection::Passphrase(
        rapport_core::Secret::new(PASSPHRASE),
        rapport_core::KdfCost::default(),
    );
    rapport_core::Rapport::init(path, &protection, &setup, std::sync::Arc::new(rapport_core::SystemClock))
        .expect("init")
}
