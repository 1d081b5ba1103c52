//! Sync figures for `cargo xtask bench`: the device's apply rate against the same upserts
//! written straight into SQLCipher, an initial and an incremental sync over loopback HTTP,
//! head office's ingest with 20 devices pushing at once and the rate it serves one desk
//! catching up: on SQLite, and on PostgreSQL when `RAPPORT_TEST_POSTGRES` names one, there with
//! one and with two `rapport-server` processes (the binary built next to this one), and there
//! head office's patient search across the chain with 1M patients (`--quick`: 20k).
//! `--quick` runs smaller sizes.
#![allow(clippy::print_stdout)]

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use chrono::{TimeZone, Utc};
use rapport_bench::{Entry, report};
use rapport_core::sync::HttpTransport;
use rapport_core::{ClinicSetup, KeyProtection, Rapport, Secret, SystemClock};
use rapport_model::sync::{Change, Entity, PushRequest, SCHEMA_VERSION, Version, hlc_from_ms};
use rapport_server::http::Transport;
use rapport_server::{Backend, office};
use rapport_store::{KdfCost, Store, records, rusqlite};

const PASSWORD: &str = "benchmark-admin";

/// Synthetic names for the patients head office holds (none belongs to anyone).
const GIVEN: [&str; 40] = [
    "aarav", "aditi", "akash", "ananya", "arjun", "bhavna", "chetan", "deepa", "divya", "farhan", "gauri", "harish",
    "ishaan", "jaya", "kabir", "kavya", "lakshmi", "madhav", "meera", "naveen", "neha", "omkar", "pooja", "pranav",
    "priya", "rahul", "ritu", "rohan", "sahana", "sanjay", "shreya", "suresh", "tanvi", "tarun", "uma", "varun",
    "vidya", "yash", "zara", "nila",
];
const FAMILY: [&str; 60] = [
    "acharya",
    "agarwal",
    "ahuja",
    "bajaj",
    "banerjee",
    "bhat",
    "bose",
    "chandra",
    "chopra",
    "das",
    "desai",
    "dutta",
    "gill",
    "gupta",
    "hegde",
    "iyer",
    "jain",
    "joshi",
    "kapoor",
    "karnik",
    "khan",
    "kulkarni",
    "kumar",
    "mehta",
    "menon",
    "mishra",
    "mukherjee",
    "naidu",
    "nair",
    "oberoi",
    "pandey",
    "patel",
    "pillai",
    "prasad",
    "rao",
    "reddy",
    "sahni",
    "saxena",
    "sen",
    "seth",
    "shah",
    "sharma",
    "shetty",
    "singh",
    "sinha",
    "soni",
    "srinivasan",
    "subramanian",
    "thakur",
    "tiwari",
    "trivedi",
    "varma",
    "verma",
    "vyas",
    "walia",
    "yadav",
    "zaveri",
    "ramanathan",
    "krishnan",
    "fernandes",
];

/// The synthetic name and phone of patient `i` of device `d`.
fn person(d: u128, i: usize) -> (String, String, String) {
    let k = i.wrapping_mul(2_654_435_761).wrapping_add(d as usize * 97);
    let cap = |s: &str| s[..1].to_uppercase() + &s[1..];
    (cap(GIVEN[k % GIVEN.len()]), cap(FAMILY[(k / GIVEN.len()) % FAMILY.len()]), format!("9{:09}", k % 1_000_000_000))
}

fn protection() -> KeyProtection {
    KeyProtection::Passphrase(
        Secret::new("benchmark passphrase"),
        KdfCost { memory_kib: 1024, iterations: 1, parallelism: 1 },
    )
}

fn main() {
    let (quick, out) = rapport_bench::args();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().expect("temp dir");
    let n = if quick { 10_000 } else { 100_000 };
    let mut entries = Vec::new();

    println!("== a clinic of {n} patients, its changes");
    let (mut source, changes) = source_clinic(dir.path(), n);
    let (apply, baseline) = apply_rates(dir.path(), &changes);
    entries.push(Entry { name: "sync_apply_per_s".into(), value: apply, unit: "changes/s", baseline: Some(baseline) });

    println!("== initial and incremental sync over loopback HTTP");
    let backend = rapport_server::open(&dir.path().join("office"), None).expect("office");
    let url = serve(Arc::clone(&backend));
    let now = rapport_server::now_ms();
    backend.tx(|db| office::add_clinic(db, "Bench", now)).expect("clinic");
    let code = backend.tx(|db| office::new_enroll_code(db, "Bench", now)).expect("code");
    let transport = HttpTransport::new(&url, None, None).expect("client");
    source.enroll(&transport, &url, &code, None, false).expect("enroll source");
    source.sync_with_head_office().expect("source pushes its clinic");
    let code = backend.tx(|db| office::new_enroll_code(db, "Bench", now)).expect("code");
    let mut fresh =
        Rapport::create_for_enrollment(&dir.path().join("fresh.db"), &protection(), Arc::new(SystemClock)).expect("db");
    fresh.enroll(&transport, &url, &code, None, false).expect("enroll fresh");
    let started = Instant::now();
    fresh.sync_with_head_office().expect("initial sync");
    let initial = started.elapsed().as_secs_f64();
    let label = if quick { "sync_initial_10k_s" } else { "sync_initial_100k_s" };
    entries.push(Entry { name: label.into(), value: initial, unit: "s", baseline: None });

    let session = source.login("admin", &Secret::new(PASSWORD)).expect("login");
    let dump = rapport_store::sync::dump(source.store().conn()).expect("dump");
    let ids: Vec<rapport_model::PatientId> = dump["patient"]
        .as_object()
        .map(|m| m.keys().take(100).filter_map(|k| k.parse().ok()).collect())
        .unwrap_or_default();
    for (i, id) in ids.iter().enumerate() {
        let edit = rapport_model::PatientEdit { given: Some(format!("Edited{i}")), ..Default::default() };
        source.edit_patient(&session, *id, edit).expect("edit");
    }
    source.sync_with_head_office().expect("push the edits");
    let started = Instant::now();
    let r = fresh.sync_with_head_office().expect("incremental sync");
    let incremental = started.elapsed().as_secs_f64() * 1000.0;
    println!("incremental sync pulled {} changes", r.pulled);
    entries.push(Entry { name: "sync_incremental_100_ms".into(), value: incremental, unit: "ms", baseline: None });

    println!("== head office ingest, 20 devices pushing at once; one desk catching up");
    let per_device = if quick { 500 } else { 5_000 };
    let sqlite = rapport_server::open(&dir.path().join("ingest"), None).expect("office");
    let url = serve(Arc::clone(&sqlite));
    let (rate, reader) = ingest_rate(&sqlite, std::slice::from_ref(&url), per_device, "sqlite", "Ingest");
    entries.push(Entry { name: "server_ingest_sqlite_per_s".into(), value: rate, unit: "changes/s", baseline: None });
    let pulled = pull_rate(&url, &reader, "sqlite");
    entries.push(Entry { name: "server_pull_sqlite_per_s".into(), value: pulled, unit: "changes/s", baseline: None });
    match std::env::var("RAPPORT_TEST_POSTGRES") {
        Ok(url) => {
            let Some(server) = server_binary() else {
                println!("rapport-server is not built next to this benchmark: no PostgreSQL figures");
                return report(&out, &entries);
            };
            for processes in [1, 2] {
                let database = postgres_database(&url, processes);
                let pg = rapport_server::open(dir.path(), Some(&database)).expect("postgres office");
                let servers: Vec<Server> =
                    (0..processes).map(|_| Server::start(&server, dir.path(), &database)).collect();
                let urls: Vec<String> = servers.iter().map(|s| s.url.clone()).collect();
                let label = format!("postgres, {processes} process(es)");
                let (rate, reader) = ingest_rate(&pg, &urls, per_device, &label, "Ingest");
                let name =
                    if processes == 1 { "server_ingest_postgres_per_s" } else { "server_ingest_postgres_2proc_per_s" };
                entries.push(Entry { name: name.into(), value: rate, unit: "changes/s", baseline: None });
                if processes == 1 {
                    let pulled = pull_rate(&urls[0], &reader, "postgres");
                    entries.push(Entry {
                        name: "server_pull_per_s".into(),
                        value: pulled,
                        unit: "changes/s",
                        baseline: None,
                    });
                    // The chain's patients: the ones just stored and a clinic of many more.
                    let more = if quick { 1_000 } else { 50_000 } - per_device;
                    let (_, searcher) = ingest_rate(&pg, &urls, more, "postgres, for search", "Search");
                    let p99 = search_p99(&urls[0], &searcher);
                    let name = if quick { "server_search_p99_20k_ms" } else { "server_search_p99_1m_ms" };
                    entries.push(Entry { name: name.into(), value: p99, unit: "ms", baseline: None });
                }
            }
        }
        Err(_) => println!("RAPPORT_TEST_POSTGRES is not set: no PostgreSQL figures (cargo xtask bench sets it)"),
    }
    report(&out, &entries);
}

/// A new database in the PostgreSQL at `url`, as a URL.
fn postgres_database(url: &str, n: usize) -> String {
    let name = format!("rapport_bench_{}_{n}", std::process::id());
    let mut admin = postgres::Client::connect(url, postgres::NoTls).expect("connect");
    admin.batch_execute(&format!("CREATE DATABASE {name}")).expect("create database");
    let base = url.rsplit_once('/').map_or(url, |(b, _)| b);
    format!("{base}/{name}")
}

/// `rapport-server`, built next to this benchmark (`cargo xtask bench` builds both).
fn server_binary() -> Option<std::path::PathBuf> {
    let exe = std::env::current_exe().ok()?;
    Some(exe.parent()?.join("rapport-server")).filter(|p| p.exists())
}

/// A `rapport-server serve` process over plain HTTP on loopback, killed when dropped.
struct Server {
    child: std::process::Child,
    url: String,
}

impl Server {
    fn start(binary: &Path, dir: &Path, database: &str) -> Self {
        let mut child = std::process::Command::new(binary)
            .args(["serve", "--listen", "127.0.0.1:0", "--insecure-http", "--postgres", database, "--data"])
            .arg(dir.join("unused"))
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("rapport-server serve");
        let mut line = String::new();
        let stdout = child.stdout.take().expect("stdout");
        std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line).expect("listening line");
        let addr = line.trim().rsplit("//").next().expect("address").to_owned();
        Self { child, url: format!("http://{addr}") }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A clinic database with `n` patients, and the changes its outbox holds for them.
fn source_clinic(dir: &Path, n: usize) -> (Rapport, Vec<Change>) {
    let setup = ClinicSetup {
        clinic_name: "Bench",
        admin_login: "admin",
        admin_name: "Admin",
        admin_password: &Secret::new(PASSWORD),
    };
    let (app, _) = Rapport::init(&dir.join("source.db"), &protection(), &setup, Arc::new(SystemClock)).expect("init");
    let now = Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).single().unwrap_or_default();
    let mut done = 0;
    while done < n {
        let take = 20_000.min(n - done);
        let mut batch = rapport_core::demo::patients(7 + done as u64, take, now, &[]);
        // The store is the app's; written directly, as the import path does.
        let path = app.store().path().to_owned();
        let (key, _) = Store::find_key(&path, Some(&Secret::new("benchmark passphrase"))).expect("key");
        let mut store = Store::open_with_key(&path, &key).expect("store");
        store
            .write(|tx| -> rapport_store::Result<()> {
                for (i, p) in batch.iter_mut().enumerate() {
                    p.record_no = format!("S-{}", done + i + 1);
                    records::insert_patient(tx, p)?;
                }
                Ok(())
            })
            .expect("insert");
        done += take;
    }
    // What enrolling does first: the clinic as it stands becomes its changes.
    let path = app.store().path().to_owned();
    let (key, _) = Store::find_key(&path, Some(&Secret::new("benchmark passphrase"))).expect("key");
    let wall = now.timestamp_millis();
    Store::open_with_key(&path, &key)
        .expect("store")
        .write(|tx| rapport_store::sync::start_replicating(tx, wall))
        .expect("seal the clinic");
    let changes = rapport_store::sync::outbox(app.store().conn(), usize::MAX, usize::MAX).expect("outbox");
    println!("{} changes in the outbox", changes.len());
    (app, changes)
}

/// Changes per second applied into a fresh encrypted replica, and the same rows upserted
/// straight into SQLCipher in the same batches (the physical limit).
fn apply_rates(dir: &Path, changes: &[Change]) -> (f64, f64) {
    let mut replica =
        Rapport::create_for_enrollment(&dir.join("apply.db"), &protection(), Arc::new(SystemClock)).expect("replica");
    let started = Instant::now();
    for page in changes.chunks(1000) {
        replica.apply_page(page, None, 0).expect("apply");
    }
    let apply = changes.len() as f64 / started.elapsed().as_secs_f64();

    let mut plain = Store::create(&dir.join("baseline.db"), &protection()).expect("baseline");
    let started = Instant::now();
    for page in changes.chunks(1000) {
        plain
            .write(|tx| -> rapport_store::Result<()> {
                for c in page {
                    upsert(tx, c)?;
                }
                tx.execute("DELETE FROM sync_dirty", [])?;
                Ok(())
            })
            .expect("upsert");
    }
    let baseline = changes.len() as f64 / started.elapsed().as_secs_f64();
    println!("apply {apply:.0}/s, straight upserts {baseline:.0}/s");
    (apply, baseline)
}

/// The change's row written as one upsert, with no versions, conflicts or search index.
fn upsert(tx: &rusqlite::Connection, c: &Change) -> rapport_store::Result<()> {
    if c.entity != Entity::Patient && c.entity != Entity::Staff {
        return Ok(());
    }
    let table = c.entity.as_str();
    let mut names = vec!["id".to_owned()];
    let id = c.record.parse::<uuid::Uuid>().map_err(|_| rapport_store::StoreError::Decode("id"))?;
    let mut values: Vec<rusqlite::types::Value> = vec![rusqlite::types::Value::Blob(id.as_bytes().to_vec())];
    for (f, v) in &c.fields {
        names.push(f.clone());
        values.push(match v {
            serde_json::Value::Null => rusqlite::types::Value::Null,
            serde_json::Value::Number(n) => rusqlite::types::Value::Integer(n.as_i64().unwrap_or(0)),
            serde_json::Value::String(s) if f.ends_with("doctor") || f.ends_with("_id") => s
                .parse::<uuid::Uuid>()
                .map_or(rusqlite::types::Value::Null, |u| rusqlite::types::Value::Blob(u.as_bytes().to_vec())),
            other => rusqlite::types::Value::Text(other.as_str().unwrap_or_default().to_owned()),
        });
    }
    let marks = (1..=names.len()).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ");
    let sets = names.iter().skip(1).map(|n| format!("{n} = excluded.{n}")).collect::<Vec<_>>().join(", ");
    let sql =
        format!("INSERT INTO {table} ({}) VALUES ({marks}) ON CONFLICT (id) DO UPDATE SET {sets}", names.join(", "));
    tx.prepare_cached(&sql)?.execute(rusqlite::params_from_iter(values))?;
    Ok(())
}

fn serve(backend: Arc<Backend>) -> String {
    let (tx, rx) = std::sync::mpsc::channel::<SocketAddr>();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().expect("runtime");
        let listen: SocketAddr = "127.0.0.1:0".parse().expect("addr");
        let _ = rt.block_on(rapport_server::http::serve(backend, None, listen, Transport::InsecureHttp, move |a| {
            let _ = tx.send(a);
        }));
    });
    format!("http://{}", rx.recv().expect("listening"))
}

/// Changes per second head office stores while 20 devices push batches of 500 at once, spread
/// over the servers at `urls` (all on `backend`'s database); and one more device's token, of
/// the same clinic, for reading it all back.
fn ingest_rate(backend: &Backend, urls: &[String], per_device: usize, label: &str, clinic: &str) -> (f64, String) {
    let now = rapport_server::now_ms();
    backend.tx(|db| office::add_clinic(db, clinic, now)).expect("clinic");
    // Records, change ids and sites of each clinic apart from another's.
    let tag = u128::from(clinic.bytes().fold(0u8, u8::wrapping_add)) << 100;
    let enroll = |site: u128| {
        let code = backend.tx(|db| office::new_enroll_code(db, clinic, now)).expect("code");
        let req = rapport_model::sync::EnrollRequest {
            code,
            site: uuid::Uuid::from_u128(tag + site),
            device_name: "bench".into(),
        };
        backend.tx(|db| office::enroll(db, &req, now)).expect("enroll").token
    };
    let mut devices = Vec::new();
    for d in 0..20u128 {
        let site = uuid::Uuid::from_u128(tag + d + 1);
        let token = enroll(d + 1);
        let batches: Vec<String> = (0..per_device)
            .map(|i| {
                let record = uuid::Uuid::from_u128(tag + (d << 64) + i as u128 + 1);
                let mut fields = std::collections::BTreeMap::new();
                let (given, family, phone) = person(d, i);
                fields.insert("given".to_owned(), serde_json::json!(given));
                fields.insert("family".to_owned(), serde_json::json!(family));
                fields.insert("phones".to_owned(), serde_json::json!(serde_json::json!([phone]).to_string()));
                fields.insert("record_no".to_owned(), serde_json::json!(format!("{clinic}{d}-{i}")));
                fields.insert("created_at".to_owned(), serde_json::json!(now));
                fields.insert("updated_at".to_owned(), serde_json::json!(now));
                rapport_model::schema::fill_empty(Entity::Patient, &mut fields);
                Change {
                    id: uuid::Uuid::from_u128(tag + (1 << 96) + (d << 64) + i as u128),
                    entity: Entity::Patient,
                    record: record.to_string(),
                    version: Version { hlc: hlc_from_ms(now) + i as i64, site },
                    fields,
                    versions: std::collections::BTreeMap::new(),
                    base: std::collections::BTreeMap::new(),
                    schema: SCHEMA_VERSION,
                    replay: false,
                    seq: None,
                }
            })
            .collect::<Vec<_>>()
            .chunks(500)
            .map(|c| serde_json::to_string(&PushRequest { changes: c.to_vec(), mark: None }).expect("json"))
            .collect();
        devices.push((urls[d as usize % urls.len()].clone(), token, batches));
    }
    let started = Instant::now();
    let threads: Vec<_> = devices
        .into_iter()
        .map(|(url, token, batches)| {
            std::thread::spawn(move || {
                // Twenty devices queue at one head office: no client-side timeout here.
                let client = reqwest::blocking::Client::builder().timeout(None).build().expect("client");
                for body in batches {
                    let r = client
                        .post(format!("{url}/v1/push"))
                        .bearer_auth(&token)
                        .header("content-type", "application/json")
                        .body(body)
                        .send()
                        .expect("push");
                    assert!(r.status().is_success(), "push refused: {}", r.status());
                    let answer: rapport_model::sync::PushResponse = r.json().expect("answer");
                    assert!(answer.acks.iter().all(|a| a.refused.is_none()), "a change was refused");
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("device");
    }
    let rate = (20 * per_device) as f64 / started.elapsed().as_secs_f64();
    println!("{label} ingest: {rate:.0} changes/s");
    (rate, enroll(99))
}

/// Changes per second head office serves to one desk pulling everything from the start, in
/// the pages a desk asks for.
fn pull_rate(url: &str, token: &str, label: &str) -> f64 {
    let client = reqwest::blocking::Client::builder().timeout(None).build().expect("client");
    let (mut cursor, mut pulled) = (0, 0);
    let started = Instant::now();
    loop {
        let req = rapport_model::sync::PullRequest {
            cursor,
            limit: rapport_core::sync::PULL_PAGE,
            mark: None,
            schema: rapport_model::sync::SCHEMA_VERSION,
        };
        let r = client.post(format!("{url}/v1/pull")).bearer_auth(token).json(&req).send().expect("pull");
        assert!(r.status().is_success(), "pull refused: {}", r.status());
        let page: rapport_model::sync::PullResponse = r.json().expect("page");
        pulled += page.changes.len();
        cursor = page.cursor;
        if !page.more {
            break;
        }
    }
    let rate = pulled as f64 / started.elapsed().as_secs_f64();
    println!("{label} pull: {pulled} changes at {rate:.0} changes/s");
    rate
}

/// The 99th percentile of head office's search latency as a desk asks it (`POST
/// /v1/patients/search`): full names, a family name with the start of a given name, family
/// names, the start of a phone number.
fn search_p99(url: &str, token: &str) -> f64 {
    let client = reqwest::blocking::Client::builder().build().expect("client");
    let queries: Vec<String> = (0..400usize)
        .map(|q| {
            let (given, family, phone) = person(q as u128 % 20, q * 7919);
            match q % 4 {
                0 => format!("{given} {family}"),
                1 => format!("{family} {}", &given[..3]),
                2 => family,
                _ => phone[..7].to_owned(),
            }
        })
        .collect();
    let mut times = Vec::with_capacity(queries.len());
    let mut found = 0;
    for query in &queries {
        let started = Instant::now();
        let r = client
            .post(format!("{url}/v1/patients/search"))
            .bearer_auth(token)
            .json(&rapport_model::sync::SearchRequest { query: query.clone() })
            .send()
            .expect("search");
        assert!(r.status().is_success(), "search refused: {}", r.status());
        let hits: Vec<rapport_model::sync::RemotePatient> = r.json().expect("hits");
        times.push((started.elapsed().as_secs_f64() * 1000.0, query));
        found += usize::from(!hits.is_empty());
    }
    times.sort_by(|a, b| a.0.total_cmp(&b.0));
    let slowest: Vec<String> = times.iter().rev().take(5).map(|(ms, q)| format!("{q:?} {ms:.1} ms")).collect();
    println!("slowest (synthetic names): {}", slowest.join(", "));
    let times: Vec<f64> = times.into_iter().map(|(ms, _)| ms).collect();
    let p99 = times[times.len() * 99 / 100];
    println!(
        "search: {} queries ({found} with answers), p50 {:.2} ms, p99 {p99:.2} ms",
        times.len(),
        times[times.len() / 2]
    );
    p99
}
