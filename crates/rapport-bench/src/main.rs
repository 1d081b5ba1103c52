//! `cargo xtask bench`: Rapport's figures, each measured against a baseline taken in the same
//! run on the same machine (plain SQLite with the same schema and queries), reported as ratios.
//! Writes `report.json` and prints a table. `--quick` runs smaller sizes.
#![allow(clippy::print_stdout)]

use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, TimeZone, Utc};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rapport_bench::{Entry, PASSPHRASE, PASSWORD, report};
use rapport_core::{Rapport, Secret, SystemClock};
use rapport_store::{Store, records, search};

const CHUNK: usize = 20_000;
const QUERIES: usize = 3_000;
const WARMUP: usize = 300;

fn main() {
    let (quick, out) = rapport_bench::args();
    let sizes: &[(usize, &str)] =
        if quick { &[(10_000, "10k"), (100_000, "100k")] } else { &[(100_000, "100k"), (1_000_000, "1m")] };
    let mut entries = Vec::new();
    for (n, label) in sizes {
        println!("== {n} patients");
        bench_size(*n, label, &mut entries);
    }
    entries.push(Entry { name: "rss_peak_mb".into(), value: peak_rss_mb(), unit: "MiB", baseline: None });
    report(&out, &entries);
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).single().unwrap_or_default()
}

/// Inserts `n` synthetic patients in batches; returns patients per second.
fn populate(store: &mut Store, n: usize) -> f64 {
    let started = Instant::now();
    let mut done = 0;
    let mut chunk_no = 0u64;
    while done < n {
        let take = CHUNK.min(n - done);
        let mut batch = rapport_core::demo::patients(1000 + chunk_no, take, now(), &[]);
        store
            .write(|tx| -> rapport_store::Result<()> {
                for (i, p) in batch.iter_mut().enumerate() {
                    p.record_no = format!("B-{}", done + i + 1);
                    records::insert_patient(tx, p)?;
                }
                Ok(())
            })
            .expect("insert batch");
        done += take;
        chunk_no += 1;
    }
    let rate = n as f64 / started.elapsed().as_secs_f64();
    store.write(|tx| search::optimize(tx)).expect("optimize");
    rate
}

/// Keystroke-by-keystroke queries a receptionist would type for random stored patients.
fn workload(store: &Store, n: usize) -> Vec<String> {
    let mut rng = ChaCha8Rng::seed_from_u64(99);
    let mut stmt = store.conn().prepare("SELECT given, family, phones FROM patient WHERE rowid = ?1").expect("prepare");
    let mut queries = Vec::new();
    while queries.len() < QUERIES {
        let rowid = rng.random_range(1..=n as i64);
        let (given, family, phones): (String, String, String) =
            stmt.query_row([rowid], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).expect("sample patient");
        let family: Vec<char> = family.chars().collect();
        let given: Vec<char> = given.chars().collect();
        match rng.random_range(0..3) {
            0 => queries.extend((1..=family.len().min(6)).map(|k| family[..k].iter().collect::<String>())),
            1 => {
                let g: String = given[..given.len().min(3)].iter().collect();
                queries.extend(
                    (1..=family.len().min(4)).map(|k| format!("{g} {}", family[..k].iter().collect::<String>())),
                );
            }
            _ => {
                let phones: Vec<String> = serde_json::from_str(&phones).unwrap_or_default();
                let digits = rapport_model::phone::digits(phones.first().map(String::as_str).unwrap_or("98450"));
                let national = &digits[digits.len().saturating_sub(10)..];
                queries.extend((3..=7.min(national.len())).map(|k| national[..k].to_owned()));
            }
        }
    }
    queries.truncate(QUERIES);
    queries.shuffle(&mut rng);
    queries
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

fn bench_size(n: usize, label: &str, entries: &mut Vec<Entry>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let plain_path = dir.path().join("plain.db");
    let enc_path = dir.path().join("encrypted.db");

    // The encrypted clinic, made as `rapport init` makes it (default Argon2id cost).
    drop(rapport_bench::init_clinic(&enc_path));

    let mut plain = Store::plain_baseline(&plain_path).expect("plain");
    let plain_rate = populate(&mut plain, n);
    drop(plain);
    let mut enc = Store::open(&enc_path, Some(&Secret::new(PASSPHRASE))).expect("open encrypted");
    let enc_rate = populate(&mut enc, n);
    drop(enc);
    println!("insert: encrypted {enc_rate:.0}/s, plain {plain_rate:.0}/s");
    entries.push(Entry {
        name: format!("bulk_insert_per_s_{label}"),
        value: enc_rate,
        unit: "patients/s",
        baseline: Some(plain_rate),
    });

    // Opening: plain SQLite, the raw key (as from the OS keyring), and a passphrase (Argon2id).
    let time_ms = |f: &dyn Fn()| {
        let mut runs: Vec<f64> = (0..5)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed().as_secs_f64() * 1000.0
            })
            .collect();
        runs.sort_by(f64::total_cmp);
        runs[runs.len() / 2]
    };
    let first_read = |s: &Store| {
        rapport_store::meta::get(s.conn(), "clinic_name").expect("first read");
    };
    let plain_open = time_ms(&|| first_read(&Store::plain_baseline(&plain_path).expect("open")));
    let (key, _) = Store::find_key(&enc_path, Some(&Secret::new(PASSPHRASE))).expect("key");
    let raw_open = time_ms(&|| first_read(&Store::open_with_key(&enc_path, &key).expect("open")));
    let pass_open = time_ms(&|| first_read(&Store::open(&enc_path, Some(&Secret::new(PASSPHRASE))).expect("open")));
    entries.push(Entry {
        name: format!("open_raw_key_ms_{label}"),
        value: raw_open,
        unit: "ms",
        baseline: Some(plain_open),
    });
    entries.push(Entry {
        name: format!("open_passphrase_ms_{label}"),
        value: pass_open,
        unit: "ms",
        baseline: Some(plain_open),
    });

    // Type-ahead: the same queries against both, interleaved so both see the same machine, and
    // taking turns at going first.
    let plain = Store::plain_baseline(&plain_path).expect("plain");
    let enc = Store::open_with_key(&enc_path, &key).expect("encrypted");
    let queries = workload(&plain, n);
    let (mut t_plain, mut t_enc) = (Vec::new(), Vec::new());
    let mut found = 0usize;
    let timed = |store: &Store, q: &str| {
        let t = Instant::now();
        let hits = search::search(store.conn(), q, 20).expect("search");
        (hits.len(), t.elapsed().as_secs_f64() * 1e6)
    };
    for (i, q) in queries.iter().enumerate() {
        let ((a, d_plain), (b, d_enc)) = if i % 2 == 0 {
            let a = timed(&plain, q);
            (a, timed(&enc, q))
        } else {
            let b = timed(&enc, q);
            (timed(&plain, q), b)
        };
        assert_eq!(a, b, "same data, same answers ({q:?})");
        found += usize::from(b > 0);
        if i >= WARMUP {
            t_plain.push(d_plain);
            t_enc.push(d_enc);
        }
    }
    drop(enc);
    // The same through the core API (role check, error mapping), on a freshly opened clinic.
    let mut app = Rapport::open(&enc_path, Some(&Secret::new(PASSPHRASE)), Arc::new(SystemClock)).expect("open app");
    let session = app.login("admin", &Secret::new(PASSWORD)).expect("login");
    let mut t_core = Vec::new();
    for (i, q) in queries.iter().enumerate() {
        let t = Instant::now();
        app.search_patients(&session, q, 20).expect("core search");
        if i >= WARMUP {
            t_core.push(t.elapsed().as_secs_f64() * 1e6);
        }
    }
    assert!(found * 10 >= queries.len() * 9, "the workload finds patients ({found} of {})", queries.len());
    if std::env::var_os("RAPPORT_BENCH_SLOWEST").is_some() {
        // Which (synthetic) queries are slowest, to see where the time goes.
        let mut timed: Vec<(f64, &String)> = t_enc.iter().copied().zip(queries.iter().skip(WARMUP)).collect();
        timed.sort_by(|a, b| b.0.total_cmp(&a.0));
        for (us, q) in timed.iter().take(15) {
            println!("slow: {us:>8.1} us  {q:?}");
        }
    }
    for v in [&mut t_plain, &mut t_enc, &mut t_core] {
        v.sort_by(f64::total_cmp);
    }
    for (p, tag) in [(0.5, "p50"), (0.99, "p99")] {
        entries.push(Entry {
            name: format!("search_{tag}_{label}"),
            value: percentile(&t_enc, p),
            unit: "us",
            baseline: Some(percentile(&t_plain, p)),
        });
    }
    entries.push(Entry {
        name: format!("core_search_p99_{label}"),
        value: percentile(&t_core, 0.99),
        unit: "us",
        baseline: Some(percentile(&t_plain, 0.99)),
    });
    let size_mb = std::fs::metadata(&enc_path).map(|m| m.len() as f64 / 1_048_576.0).unwrap_or(0.0);
    let plain_mb = std::fs::metadata(&plain_path).map(|m| m.len() as f64 / 1_048_576.0).unwrap_or(0.0);
    entries.push(Entry { name: format!("db_size_mb_{label}"), value: size_mb, unit: "MiB", baseline: Some(plain_mb) });
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}
