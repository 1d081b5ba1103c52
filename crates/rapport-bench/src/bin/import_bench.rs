//! `cargo xtask bench` (imports): `import_csv_100k_s`, 100k patients from an HIS-shaped CSV
//! export (UHID, full names, DD/MM/YYYY dates) into a new encrypted desk, search index
//! included, every row checked first and written in one transaction (`--quick`: 10k).
//! Baseline, same run, same kind of file: the same patients written straight into a new desk's
//! store in one transaction (no reading, no checks): the floor of writing them.
//!
//! Then `duplicates_scan_100k_s`: the whole duplicate review queue over those patients. Its
//! baseline is reading what the scan compares of every patient from the encrypted store.
#![allow(clippy::print_stdout)]

use std::time::Instant;

use chrono::{TimeZone, Utc};
use rapport_bench::{Entry, PASSPHRASE, report};
use rapport_core::{Band, ImportOptions, Secret};
use rapport_model::Patient;
use rapport_model::csv::{CsvRow, table};
use rapport_store::{Store, records};

/// A synthetic patient as an Indian HIS exports them.
struct HisRow<'a>(&'a Patient);

impl CsvRow for HisRow<'_> {
    const HEADER: &'static [&'static str] =
        &["UHID", "Patient Name", "Gender", "DOB", "Mobile No", "City", "Pincode", "Referred By", "SMS Consent"];
    fn cells(&self) -> Vec<String> {
        let p = self.0;
        vec![
            p.record_no.clone(),
            format!("{} {}", p.given, p.family),
            p.sex.as_deref().map_or("", |s| if s == "female" { "F" } else { "M" }).to_owned(),
            p.birth_date.map(|d| d.format("%d/%m/%Y").to_string()).unwrap_or_default(),
            p.phones.first().cloned().unwrap_or_default(),
            p.city.clone().unwrap_or_default(),
            "411001".to_owned(),
            p.referring_doctor.clone().unwrap_or_default(),
            if p.consent.sms { "Y" } else { "N" }.to_owned(),
        ]
    }
}

fn main() {
    let (quick, out) = rapport_bench::args();
    let (n, label) = if quick { (10_000, "10k") } else { (100_000, "100k") };
    let now = Utc.with_ymd_and_hms(2026, 12, 3, 10, 0, 0).single().unwrap_or_default();
    let his_export = |seed: u64, prefix: &str| {
        let mut patients = rapport_core::demo::patients(seed, n, now, &[]);
        for (i, p) in patients.iter_mut().enumerate() {
            p.record_no = format!("{prefix}-{:07}", i + 1);
            // One word each, as the file's full name splits them back.
            p.given = p.given.split_whitespace().next().unwrap_or("Asha").to_owned();
            p.family = p.family.split_whitespace().last().unwrap_or("Rao").to_owned();
        }
        let csv = table(&patients.iter().map(HisRow).collect::<Vec<_>>());
        (patients, csv)
    };
    let (patients, csv) = his_export(7, "UH");
    let dir = tempfile::tempdir().expect("temp dir");
    println!("== {n} patients from a {:.1} MB HIS export", csv.len() as f64 / 1e6);

    let (mut app, admin) = rapport_bench::init_clinic(&dir.path().join("import.db"));
    let started = Instant::now();
    let summary = app.import_patients(&admin, csv.as_bytes(), &ImportOptions::default()).expect("import");
    let import = started.elapsed().as_secs_f64();
    assert_eq!((summary.created as usize, summary.refused.len()), (n, 0), "every row imported");
    println!("imported {} in {import:.1} s (dates {})", summary.created, summary.date_format);

    let started = Instant::now();
    let pairs = app.duplicate_pairs(&admin, Band::Possible).expect("scan");
    let scan = started.elapsed().as_secs_f64();
    let certain = pairs.iter().filter(|p| p.likeness.band == Band::Certain).count();
    println!("duplicate review queue: {} pairs ({certain} certain) in {scan:.1} s", pairs.len());
    // A second system's export into the full desk: every row is scored against the patients held
    // by the same name or phone (the check registration makes), the desk's worst case.
    let (_, second) = his_export(8, "EMR");
    let started = Instant::now();
    let summary = app.import_patients(&admin, second.as_bytes(), &ImportOptions::default()).expect("second import");
    let into_full = started.elapsed().as_secs_f64();
    assert_eq!(summary.created as usize, n, "every row of the second file is a new record number");
    println!(
        "a second {n}-row file into the full desk in {into_full:.1} s ({} look like held patients)",
        summary.duplicates
    );
    drop(app);
    let store = Store::open(&dir.path().join("import.db"), Some(&Secret::new(PASSPHRASE))).expect("open");
    let started = Instant::now();
    let read = records::match_people(store.conn()).expect("read").len();
    let read_all = started.elapsed().as_secs_f64();
    println!("read the {read} patients the scan compares in {read_all:.1} s");
    drop(store);

    let floor_path = dir.path().join("floor.db");
    drop(rapport_bench::init_clinic(&floor_path));
    let mut store = Store::open(&floor_path, Some(&Secret::new(PASSPHRASE))).expect("open");
    let started = Instant::now();
    store
        .write(|tx| -> rapport_store::Result<()> {
            for p in &patients {
                records::insert_patient(tx, p)?;
            }
            Ok(())
        })
        .expect("insert");
    let floor = started.elapsed().as_secs_f64();
    println!("written straight in {floor:.1} s");
    report(
        &out,
        &[
            Entry { name: format!("import_csv_{label}_s"), value: import, unit: "s", baseline: Some(floor) },
            Entry { name: format!("duplicates_scan_{label}_s"), value: scan, unit: "s", baseline: Some(read_all) },
            Entry {
                name: format!("import_csv_into_full_{label}_s"),
                value: into_full,
                unit: "s",
                baseline: Some(floor),
            },
        ],
    );
}
