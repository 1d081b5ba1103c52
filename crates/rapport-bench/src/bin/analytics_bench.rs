//! `cargo xtask bench` (analytics): a manager's figures on the desk's encrypted store at chain
//! scale — live segment counts while conditions are typed (`segment_count_1m_ms`, the p95 after
//! the first count, and the first count that reads the patients) and the no-show report over a
//! year of visits (`report_noshow_1m_appts_ms`). Baselines, measured in the same run on the same
//! file: one SQL pass counting every living patient, and the no-show rate by doctor as one SQL
//! aggregate.
#![allow(clippy::print_stdout)]

use std::sync::Arc;
use std::time::Instant;

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rapport_bench::{Entry, PASSPHRASE, PASSWORD, report};
use rapport_core::{Rapport, Secret, SystemClock};
use rapport_model::segments::SegmentFilter;
use rapport_model::{Appointment, AppointmentId, AppointmentStatus, Role, StaffId};
use rapport_store::{Store, records};

const CHUNK: usize = 20_000;

fn main() {
    let (quick, out) = rapport_bench::args();
    let (n, label) = if quick { (100_000, "100k") } else { (1_000_000, "1m") };
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("clinic.db");
    let (mut app, admin) = rapport_bench::init_clinic(&path);
    let doctors: Vec<StaffId> = (0..6)
        .map(|i| {
            let login = format!("dr.bench{i}");
            app.add_staff(&admin, &login, &format!("Dr Bench {i}"), Role::Clinician, &Secret::new(PASSWORD))
                .expect("doctor")
                .id
        })
        .collect();
    drop(app);
    let now = Utc::now();
    println!("== {n} patients and {n} visits (encrypted)");
    let mut store = Store::open(&path, Some(&Secret::new(PASSPHRASE))).expect("open");
    let started = Instant::now();
    populate(&mut store, n, &doctors, now);
    println!("populated in {:.0} s", started.elapsed().as_secs_f64());

    // Baselines on the same file: every living patient counted in SQL; the no-show rate by
    // doctor in SQL.
    let median = |runs: &mut Vec<f64>| {
        runs.sort_by(f64::total_cmp);
        runs[runs.len() / 2]
    };
    let timed = |f: &mut dyn FnMut()| {
        let t = Instant::now();
        f();
        t.elapsed().as_secs_f64() * 1000.0
    };
    let mut count_all: Vec<f64> = (0..5)
        .map(|_| {
            timed(&mut || {
                let _: i64 = store
                    .conn()
                    .query_row("SELECT count(*) FROM patient WHERE deleted_at IS NULL", [], |r| r.get(0))
                    .expect("count");
            })
        })
        .collect();
    let count_all = median(&mut count_all);
    let (from, to) = (now - Duration::days(365), now);
    let mut sql_report: Vec<f64> = (0..3)
        .map(|_| {
            timed(&mut || {
                let mut stmt = store
                    .conn()
                    .prepare(
                        "SELECT doctor, count(*), sum(status = 'no-show') FROM appointment
                         WHERE starts_at >= ?1 AND starts_at < ?2 AND status IN ('arrived', 'with-doctor', 'done', 'no-show')
                         GROUP BY doctor",
                    )
                    .expect("prepare");
                let rows: Vec<(Vec<u8>, i64, i64)> = stmt
                    .query_map([from.timestamp_millis(), to.timestamp_millis()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                    .expect("query")
                    .collect::<Result<_, _>>()
                    .expect("rows");
                assert_eq!(rows.len(), doctors.len());
            })
        })
        .collect();
    let sql_report = median(&mut sql_report);
    drop(store);

    let mut app = Rapport::open(&path, Some(&Secret::new(PASSPHRASE)), Arc::new(SystemClock)).expect("open app");
    let session = app.login("admin", &Secret::new(PASSWORD)).expect("login");
    // A manager building a segment: each step one more condition, then changing them.
    let today = now.date_naive();
    let steps = typing(today, &doctors);
    let mut first = 0.0;
    let mut live = Vec::new();
    for round in 0..3 {
        for (i, filter) in steps.iter().enumerate() {
            let t = Instant::now();
            let size = app.segment_size(&session, filter).expect("segment count");
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            if round == 0 && i == 0 {
                first = ms;
                println!("first count (reads the patients): {ms:.0} ms, {} patients", size.count);
            } else {
                live.push(ms);
            }
        }
    }
    live.sort_by(f64::total_cmp);
    let p95 = live[((live.len() as f64 - 1.0) * 0.95).round() as usize];
    println!(
        "live counts: p50 {:.1} ms, p95 {p95:.1} ms, slowest {:.1} ms",
        live[live.len() / 2],
        live[live.len() - 1]
    );
    let mut report_runs: Vec<f64> = (0..3)
        .map(|_| {
            let t = Instant::now();
            let rows = app.no_show_report(&session, from.date_naive(), to.date_naive()).expect("report");
            assert!(!rows.is_empty());
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    let report_ms = median(&mut report_runs);
    let rss = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0);
    report(
        &out,
        &[
            Entry { name: format!("segment_count_{label}_ms"), value: p95, unit: "ms", baseline: Some(count_all) },
            Entry {
                name: format!("segment_first_count_{label}_ms"),
                value: first,
                unit: "ms",
                baseline: Some(count_all),
            },
            Entry {
                name: format!("report_noshow_{label}_appts_ms"),
                value: report_ms,
                unit: "ms",
                baseline: Some(sql_report),
            },
            Entry { name: "analytics_rss_peak_mb".into(), value: rss, unit: "MiB", baseline: None },
        ],
    );
}

/// The filters a manager's typing makes, one condition at a time.
fn typing(today: NaiveDate, doctors: &[StaffId]) -> Vec<SegmentFilter> {
    let mut f = SegmentFilter::default();
    let mut out = vec![f.clone()];
    f.tags = vec!["diabetes".into()];
    out.push(f.clone());
    f.min_age = Some(4);
    out.push(f.clone());
    f.min_age = Some(40);
    out.push(f.clone());
    f.max_age = Some(6);
    out.push(f.clone());
    f.max_age = Some(65);
    out.push(f.clone());
    f.city = Some("Pune".into());
    out.push(f.clone());
    f.sex = Some("F".into());
    out.push(f.clone());
    f.last_visit_after = Some(today - Duration::days(180));
    out.push(f.clone());
    f.usual_doctor = doctors.first().copied();
    out.push(f.clone());
    f.consent = Some(rapport_model::Channel::Sms);
    out.push(f.clone());
    f.city = None;
    out.push(f.clone());
    f.tags.push("hypertension".into());
    out.push(f);
    out
}

/// `n` synthetic patients and `n` visits over the past year (done, missed, cancelled) in
/// batches.
fn populate(store: &mut Store, n: usize, doctors: &[StaffId], now: chrono::DateTime<Utc>) {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut done = 0;
    let mut chunk_no = 0u64;
    while done < n {
        let take = CHUNK.min(n - done);
        let mut batch = rapport_core::demo::patients(2000 + chunk_no, take, now, doctors);
        store
            .write(|tx| -> rapport_store::Result<()> {
                for (i, p) in batch.iter_mut().enumerate() {
                    p.record_no = format!("A-{}", done + i + 1);
                    records::insert_patient(tx, p)?;
                    let starts = now - Duration::minutes(rng.random_range(60..365 * 24 * 60));
                    let starts = Utc.timestamp_opt(starts.timestamp() / 900 * 900, 0).single().unwrap_or(starts);
                    let status = match rng.random_range(0..100) {
                        0..10 => AppointmentStatus::NoShow,
                        10..18 => AppointmentStatus::Cancelled,
                        _ => AppointmentStatus::Done,
                    };
                    let mut id = [0u8; 16];
                    rng.fill(&mut id);
                    let seen = (status == AppointmentStatus::Done)
                        .then(|| starts + Duration::minutes(rng.random_range(0..50)));
                    let a = Appointment {
                        id: AppointmentId::from_bytes(id),
                        patient_id: p.id,
                        doctor: doctors[(done + i) % doctors.len()],
                        starts_at: starts,
                        minutes: 15,
                        reason: None,
                        status,
                        booked_by: doctors[0],
                        booked_at: starts - Duration::days(rng.random_range(0..20)),
                        confirmed_at: None,
                        arrived_at: seen.map(|s| s - Duration::minutes(5)),
                        seen_at: seen,
                        done_at: seen.map(|s| s + Duration::minutes(15)),
                        cancelled_at: (status == AppointmentStatus::Cancelled).then_some(starts - Duration::days(1)),
                        no_show_at: (status == AppointmentStatus::NoShow).then_some(starts + Duration::minutes(30)),
                        walk_in: false,
                    };
                    records::insert_appointment(tx, &a)?;
                }
                Ok(())
            })
            .expect("populate");
        done += take;
        chunk_no += 1;
    }
}
