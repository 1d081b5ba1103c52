//! Outreach figures for `cargo xtask bench`:
//!
//! - `reminder_plan_1m_s`: head office (PostgreSQL) deciding the day's reminders, recalls and
//!   birthdays for a chain of 1M patients in 20 clinics with 50k appointments tomorrow
//!   (`--quick`: 20k and 1k), from empty outbox to every message queued. Baseline: reading every
//!   patient record of the chain once, as the pass does, in the same run.
//! - `reminder_replan_1m_s`: the next pass (every minute at head office), which finds nothing new.
//! - `dashboard_chain_ms`: the head-office dashboard's chain page (90 days, the default),
//!   fetched over HTTP by a signed-in user, with the chain above and 5M visits over two years
//!   (`--quick`: 100k); p95 of 20 fetches. Baseline: PostgreSQL counting those 90 days' visits.
//! - `outbox_send_per_s`: messages claimed, handed to a real Kannel and recorded, per second.
//!   Baseline: the same messages handed to the same Kannel by the same driver, with no outbox.
//!
//! The patients are synthetic, written straight into head office's tables in bulk (loading a
//! million through the sync API would measure ingest, which `sync_bench` does).
#![allow(clippy::print_stdout)]

use std::sync::Arc;
use std::time::Instant;

use chrono::{TimeZone, Utc};
use rapport_bench::{Entry, report};
use rapport_server::office::{self, OutreachConfig};
use rapport_server::send::send_due;
use rapport_server::sms::gateway_from_spec;
use rapport_tests::kannel::{Kannel, free_port};

fn main() {
    let (quick, out) = rapport_bench::args();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut entries = Vec::new();
    match std::env::var("RAPPORT_TEST_POSTGRES") {
        Ok(url) => {
            let (patients, tomorrow) = if quick { (20_000, 1_000) } else { (1_000_000, 50_000) };
            entries.extend(plan_figures(dir.path(), &url, patients, tomorrow, quick));
        }
        Err(_) => println!("RAPPORT_TEST_POSTGRES is not set: no planning figures (cargo xtask bench sets it)"),
    }
    entries.extend(send_figures(dir.path(), if quick { 300 } else { 3_000 }));
    report(&out, &entries);
}

/// 10:30 UTC on a fixed day: after the greeting hour, reminders due for tomorrow's visits.
fn bench_now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 3, 10, 30, 0).single().unwrap_or_default()
}

fn plan_figures(dir: &std::path::Path, url: &str, patients: i64, tomorrow: i64, quick: bool) -> Vec<Entry> {
    let name = format!("rapport_outreach_bench_{}", std::process::id());
    let mut admin = postgres::Client::connect(url, postgres::NoTls).expect("connect");
    admin.batch_execute(&format!("CREATE DATABASE {name}")).expect("create database");
    let database = format!("{}/{name}", url.rsplit_once('/').map_or(url, |(b, _)| b));
    let backend = rapport_server::open(dir, Some(&database)).expect("head office on PostgreSQL");
    let now = bench_now();
    let clinics = 20;
    for c in 0..clinics {
        backend.tx(|db| office::add_clinic(db, &format!("Clinic {c:02}"), now.timestamp_millis())).expect("clinic");
    }
    println!("== a chain of {patients} patients in {clinics} clinics, {tomorrow} visits tomorrow");
    let started = Instant::now();
    let mut pg = postgres::Client::connect(&database, postgres::NoTls).expect("connect");
    pg.batch_execute(&fill_sql(patients, tomorrow, clinics, now.timestamp_millis())).expect("fill");
    println!("filled in {:.1} s", started.elapsed().as_secs_f64());

    // The floor: every patient record of the chain read and decoded once.
    let started = Instant::now();
    let mut read = 0usize;
    for row in pg
        .query(
            "SELECT s.record, s.fields FROM patient_clinic pc
             JOIN record_state s ON s.entity = 'patient' AND s.record = pc.patient_id",
            &[],
        )
        .expect("read")
    {
        let fields: String = row.get(1);
        let map: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&fields).expect("json");
        read += map.len();
    }
    let baseline = started.elapsed().as_secs_f64();
    println!("read every patient once in {baseline:.2} s ({read} fields)");

    let config = OutreachConfig { public_url: Some("https://ho.example".into()), default_zone: chrono_tz::UTC };
    let ms = now.timestamp_millis();
    let started = Instant::now();
    let first = backend.tx(|db| office::plan_messages(db, ms, &config)).expect("plan");
    let plan = started.elapsed().as_secs_f64();
    println!("first pass: {} queued, {} calls, {} held back in {plan:.2} s", first.queued, first.calls, first.skipped);
    let started = Instant::now();
    let again = backend.tx(|db| office::plan_messages(db, ms + 60_000, &config)).expect("plan again");
    let replan = started.elapsed().as_secs_f64();
    println!("next pass: {} queued in {replan:.2} s", again.queued);
    assert_eq!(again.queued, 0, "planning again makes nothing new");
    let size = if quick { "20k" } else { "1m" };
    let mut entries = vec![
        Entry { name: format!("reminder_plan_{size}_s"), value: plan, unit: "s", baseline: Some(baseline) },
        Entry { name: format!("reminder_replan_{size}_s"), value: replan, unit: "s", baseline: Some(baseline) },
    ];
    entries.push(dashboard_figure(backend, &mut pg, patients * 5, size));
    drop(pg);
    let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
    entries
}

/// The chain page of the head-office dashboard, fetched over HTTP by a signed-in user, over
/// the chain above with its visits made up to `visits` bookings spread over the last two years
/// (their facts as ingest keeps them since migration 9; the page reads no appointment record).
/// The value is the p95 of 20 fetches of the default page (90 days); the baseline is PostgreSQL
/// counting the same 90 days' bookings once, the least any such page must read.
fn dashboard_figure(
    backend: Arc<rapport_server::Backend>,
    pg: &mut postgres::Client,
    visits: i64,
    size: &str,
) -> Entry {
    let now = rapport_server::now_ms();
    let day = 86_400_000_i64;
    let started = Instant::now();
    let have: i64 = pg.query_one("SELECT count(*) FROM booking", &[]).expect("count").get(0);
    pg.batch_execute(&format!(
        "INSERT INTO booking (appointment, doctor, starts_at, ends_at, holds, clinic_id, status, booked_at, seen_at)
         SELECT md5('h' || i)::uuid::text, md5('d' || bc.n || '-' || (i / 20 % 10))::uuid::text, s, s + 900000, 0,
             bc.id, CASE WHEN i % 13 = 0 THEN 'no-show' WHEN i % 17 = 0 THEN 'cancelled' ELSE 'done' END,
             s - {day} * (i % 30),
             CASE WHEN i % 13 <> 0 AND i % 17 <> 0 THEN s + 60000 * (i % 47) END
         FROM (SELECT i, {now} - {day} * (i % 730) - 3600000 * (i % 9) AS s
               FROM generate_series(0::bigint, {visits} - {have} - 1) i) v
         JOIN (SELECT (row_number() OVER (ORDER BY name) - 1)::int AS n, id FROM clinic) bc ON bc.n = v.i % 20;
         ANALYZE booking;"
    ))
    .expect("visits");
    println!("== the dashboard over {visits} visits (filled in {:.1} s)", started.elapsed().as_secs_f64());

    let (password, ms) = ("bench-password-1234", rapport_server::now_ms());
    let token = backend
        .tx(|db| {
            office::add_user(db, "bench", office::OfficeRole::Manager, password, ms)?;
            office::sign_in(db, "bench", password, ms)
        })
        .expect("user");
    let office::SignIn::Opened { token } = token else { panic!("signed in") };
    let base = serve(backend);
    let http = reqwest::blocking::Client::new();
    let fetch = |days: i64| {
        let started = Instant::now();
        let page = http
            .get(format!("{base}/dashboard?days={days}"))
            .header("cookie", format!("rapport_session={token}"))
            .send()
            .and_then(reqwest::blocking::Response::error_for_status)
            .and_then(reqwest::blocking::Response::text)
            .expect("the chain page");
        assert!(page.contains("Clinic 19"), "the page lists the clinics");
        started.elapsed().as_secs_f64() * 1000.0
    };
    fetch(90);
    let mut times: Vec<f64> = (0..20).map(|_| fetch(90)).collect();
    times.sort_by(f64::total_cmp);
    let (p50, p95) = (times[10], times[18]);
    let year = fetch(365);
    let mut floor = f64::MAX;
    for _ in 0..5 {
        let started = Instant::now();
        let n: i64 = pg
            .query_one(
                "SELECT count(*) FROM booking WHERE starts_at >= $1 AND starts_at < $2",
                &[&(now - 90 * day), &now],
            )
            .expect("count")
            .get(0);
        assert!(n > 0);
        floor = floor.min(started.elapsed().as_secs_f64() * 1000.0);
    }
    println!(
        "chain page, 90 days: p50 {p50:.0} ms, p95 {p95:.0} ms; a year: {year:.0} ms; counting the 90 days' bookings: {floor:.0} ms"
    );
    let name = if size == "1m" { "dashboard_chain_ms".to_owned() } else { format!("dashboard_chain_{size}_ms") };
    Entry { name, value: p95, unit: "ms", baseline: Some(floor) }
}

/// Head office's HTTP service on a free port, in this process.
fn serve(backend: Arc<rapport_server::Backend>) -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().expect("runtime");
        let listen = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
        let _ = rt.block_on(rapport_server::http::serve(
            backend,
            None,
            listen,
            rapport_server::http::Transport::InsecureHttp,
            move |a| {
                let _ = tx.send(a);
            },
        ));
    });
    format!("http://{}", rx.recv().expect("listening"))
}

/// The chain, in bulk: ten doctors per clinic; patients spread over the clinics (a fifth with a
/// diabetes tag, seen in the last six months so that a few of them fall due each day; birthdays
/// over the year); visits tomorrow for the first `tomorrow` patients; a recall rule per clinic.
fn fill_sql(patients: i64, tomorrow: i64, clinics: i64, now_ms: i64) -> String {
    let day = 86_400_000_i64;
    format!(
        "CREATE TEMP TABLE bc AS SELECT (row_number() OVER (ORDER BY name) - 1)::int AS n, id FROM clinic;
         INSERT INTO record_state (entity, record, patient_id, clinic_id, fields, versions)
         SELECT 'staff', md5('d' || bc.n || '-' || k)::uuid::text, NULL, bc.id,
             json_build_object('login', 'dr' || bc.n || '_' || k, 'display_name', 'Dr Bench ' || k,
                 'role', 'clinician', 'active', 1, 'created_at', 1600000000000)::text, '{{}}'
         FROM bc, generate_series(0, 9) k;
         INSERT INTO record_state (entity, record, patient_id, clinic_id, fields, versions)
         SELECT 'patient', md5('p' || i)::uuid::text, md5('p' || i)::uuid::text, bc.id,
             json_build_object('record_no', 'B' || i, 'given', 'Given' || i, 'family', 'Bench',
                 'preferred', NULL, 'language', NULL, 'email', NULL,
                 'phones', '[\"+91 9' || lpad(i::text, 9, '0') || '\"]',
                 'consent', '{{\"sms\":true,\"email\":false,\"phone\":true}}',
                 'birth_date', to_char(date '1950-01-01' + (i % 20000)::int, 'YYYY-MM-DD'),
                 'conditions', CASE WHEN i % 5 = 0 THEN '[\"diabetes\"]' ELSE '[]' END,
                 'created_at', 1600000000000, 'updated_at', 1600000000000, 'deleted_at', NULL)::text, '{{}}'
         FROM generate_series(0::bigint, {patients} - 1) i JOIN bc ON bc.n = i % {clinics};
         INSERT INTO patient_clinic (patient_id, clinic_id)
         SELECT record, clinic_id FROM record_state WHERE entity = 'patient';
         INSERT INTO record_state (entity, record, patient_id, clinic_id, fields, versions)
         SELECT 'appointment', md5('a' || i)::uuid::text, md5('p' || i)::uuid::text, bc.id,
             json_build_object('patient_id', md5('p' || i)::uuid::text,
                 'doctor', md5('d' || bc.n || '-' || (i % 10))::uuid::text,
                 'starts_at', {now_ms} + 7200000 + (i % 1320) * 60000, 'minutes', 15,
                 'status', 'booked', 'booked_by', md5('d' || bc.n || '-0')::uuid::text,
                 'booked_at', 1600000000000)::text, '{{}}'
         FROM generate_series(0::bigint, {tomorrow} - 1) i JOIN bc ON bc.n = i % {clinics};
         INSERT INTO record_state (entity, record, patient_id, clinic_id, fields, versions)
         SELECT 'appointment', md5('v' || i)::uuid::text, md5('p' || i)::uuid::text, bc.id,
             json_build_object('patient_id', md5('p' || i)::uuid::text,
                 'doctor', md5('d' || bc.n || '-' || (i % 10))::uuid::text,
                 'starts_at', {now_ms} - {day} * (i % 183), 'minutes', 15,
                 'status', 'done', 'booked_by', md5('d' || bc.n || '-0')::uuid::text,
                 'booked_at', 1600000000000)::text, '{{}}'
         FROM generate_series(0::bigint, {patients} - 1, 5) i JOIN bc ON bc.n = i % {clinics};
         INSERT INTO booking (appointment, doctor, starts_at, ends_at, holds, clinic_id, status, booked_at)
         SELECT record, fields::json ->> 'doctor', (fields::json ->> 'starts_at')::bigint,
             (fields::json ->> 'starts_at')::bigint + 900000, CASE WHEN fields::json ->> 'status' = 'booked' THEN 1 ELSE 0 END,
             clinic_id, fields::json ->> 'status', (fields::json ->> 'booked_at')::bigint
         FROM record_state WHERE entity = 'appointment';
         INSERT INTO record_state (entity, record, patient_id, clinic_id, fields, versions)
         SELECT 'recall_rule', md5('r' || bc.n)::uuid::text, NULL, bc.id,
             json_build_object('tag', 'diabetes', 'every_months', 6, 'set_by', md5('d' || bc.n || '-0')::uuid::text,
                 'updated_at', 1600000000000)::text, '{{}}'
         FROM bc;
         ANALYZE;"
    )
}

/// The outbox into a real Kannel against straight `sendsms` requests to it.
fn send_figures(dir: &std::path::Path, n: usize) -> Vec<Entry> {
    println!("== {n} texts through Kannel");
    let port = free_port();
    let public = format!("http://127.0.0.1:{port}");
    let secret = "bench-callback-secret-0123";
    let kannel = Kannel::start(dir, &format!("{public}/v1/sms/kannel/inbound?from=%p&text=%a&secret={secret}"));
    let spec = format!(
        "kannel://{}:{}@127.0.0.1:{}?from=BENCH&secret={secret}",
        kannel.user, kannel.password, kannel.sendsms_port
    );
    let gateway = gateway_from_spec(&spec, Some(&public)).expect("gateway");
    // The baseline: the very requests the outbox makes (the gateway's own driver), one by one,
    // with no outbox around them.
    let started = Instant::now();
    for i in 0..n {
        let m = office::Claimed {
            id: format!("00000000-0000-4000-9000-{i:012}"),
            channel: "sms".into(),
            recipient: "+919100000000".into(),
            subject: None,
            body: format!("Bench: see you tomorrow at 10:30 ({i})"),
            dlt_template_id: None,
            attempts: 1,
        };
        assert!(matches!(gateway.carry(&m), office::Attempt::Accepted(_)), "Kannel takes it");
    }
    let straight = n as f64 / started.elapsed().as_secs_f64();

    let backend = rapport_server::open(&dir.join("send"), None).expect("office");
    let now = Utc::now().timestamp_millis();
    backend
        .tx(|db| {
            // One synthetic patient who takes texts (a message whose patient cannot be reached
            // that way is cancelled before it is claimed).
            let fields = serde_json::json!({"given": "Bench", "family": "Bench", "phones": "[\"+91 91000 00000\"]",
                "consent": "{\"sms\":true}"});
            db.exec(
                "INSERT INTO record_state (entity, record, patient_id, clinic_id, fields, versions)
                 VALUES ('patient', 'p', 'p', 'c', $1, '{}')",
                &[fields.to_string().into()],
            )?;
            for i in 0..n {
                db.exec(
                    "INSERT INTO message (id, occasion, clinic_id, patient_id, kind, channel, recipient, body, status,
                         send_after, attempts, token, created_at, updated_at)
                     VALUES ($1, $2, 'c', 'p', 'birthday', 'sms', $3, $4, 'queued', $5, 0, $6, $5, $5)",
                    &[
                        format!("00000000-0000-4000-8000-{i:012}").into(),
                        format!("bench/{i}").into(),
                        "+919100000000".into(),
                        format!("Bench: see you tomorrow at 10:30 ({i})").into(),
                        (now - 1000).into(),
                        format!("token-{i}").into(),
                    ],
                )?;
            }
            Ok::<_, rapport_server::OfficeError>(())
        })
        .expect("queue");
    let started = Instant::now();
    let sent = send_due(&backend, "sms", gateway.as_ref(), "bench").expect("send");
    let rate = n as f64 / started.elapsed().as_secs_f64();
    let first = backend.tx(|db| office::list_messages(db, 1)).expect("list");
    assert_eq!(sent.sent, n as u64, "{sent:?} {first:?}");
    println!("straight: {straight:.0}/s, through the outbox: {rate:.0}/s");
    vec![Entry { name: "outbox_send_per_s".into(), value: rate, unit: "messages/s", baseline: Some(straight) }]
}
