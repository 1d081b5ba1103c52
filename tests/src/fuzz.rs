//! Every decoder that takes outside input, fed generated inputs (proptest, no nightly
//! toolchain needed): head office's HTTP routes as a hostile desk or a forged gateway would call
//! them (push, pull, chain, enroll, Kannel's and a Twilio-style API's callbacks), a desk
//! applying what head office sends, the CSV and FHIR importers, and the key file.
//!
//! Inputs are raw bytes, or real inputs (a desk's outbox, head office's answer, the import
//! fixtures, an exported bundle, a key file) with a few random mutations: JSON changed node by
//! node (values swapped for edge cases, keys dropped or added), text changed byte by byte
//! (delimiters, quotes, line breaks, byte-order marks). A finding is a panic, a hang, an answer
//! of 500 from head office, a forged callback accepted, or a desk failing instead of setting a
//! bad change aside; proptest shrinks it, and its bytes are saved under
//! `tests/fuzz-regressions/<target>/`, which a test replays in CI.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestError, TestRng, TestRunner};
use rand::{Rng as _, SeedableRng as _};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;

use rapport_core::sync::{Transport, WireError};
use rapport_core::{ClinicSetup, FixedClock, ImportOptions, KdfCost, KeyProtection, Rapport, Secret, Session};
use rapport_model::sync::{
    ChainRequest, ChainResponse, EnrollRequest, EnrollResponse, PullRequest, PullResponse, PushRequest, PushResponse,
    RemotePatient, SearchRequest, TakeOnRequest,
};

/// What a target makes of one input: fine, or a finding in words.
pub type Outcome = Result<(), String>;

/// A target's decoder, fed one input.
type Decode = Box<dyn FnMut(&[u8]) -> Outcome>;

/// How inputs to a target are mutated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Json,
    Text,
}

/// One decoder under test.
pub struct Target {
    pub name: &'static str,
    pub shape: Shape,
    run: Decode,
    seeds: Vec<Vec<u8>>,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target").field("name", &self.name).finish_non_exhaustive()
    }
}

impl Target {
    /// Runs one input, a panic being a finding like any other.
    pub fn check(&mut self, input: &[u8]) -> Outcome {
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (self.run)(input))) {
            Ok(outcome) => outcome,
            Err(panic) => Err(format!(
                "panicked: {}",
                panic
                    .downcast_ref::<String>()
                    .map(String::as_str)
                    .or_else(|| panic.downcast_ref::<&str>().copied())
                    .unwrap_or("?")
            )),
        }
    }
}

/// A finding: the target, the (shrunk) input and what went wrong.
#[derive(Debug, Clone)]
pub struct Finding {
    pub target: &'static str,
    pub input: Vec<u8>,
    pub what: String,
}

/// How a time-boxed run of one target went.
#[derive(Debug, Clone, Default)]
pub struct Run {
    pub inputs: u64,
    pub findings: Vec<Finding>,
}

/// The longest one input may take before it counts as a hang.
pub const HANG: Duration = Duration::from_secs(20);

/// The input being tried, and since when: the watchdog's view (a hang never returns).
static TRYING: Mutex<Option<(Instant, &'static str, Vec<u8>)>> = Mutex::new(None);

/// Watches the input being tried: one running longer than [`HANG`] twice over is saved as a
/// regression case and ends the process with a failure.
pub fn watchdog() {
    std::thread::spawn(|| {
        loop {
            std::thread::sleep(Duration::from_secs(1));
            let stuck = TRYING.lock().ok().and_then(|t| t.as_ref().filter(|(at, ..)| at.elapsed() > HANG * 2).cloned());
            if let Some((at, target, input)) = stuck {
                let finding = Finding { target, input, what: format!("hung for {:?}", at.elapsed()) };
                let saved = save(&finding).map(|p| p.display().to_string()).unwrap_or_default();
                eprintln!("FINDING {target}: {} (saved as {saved})", finding.what);
                std::process::exit(1);
            }
        }
    });
}

/// Feeds `target` generated inputs until `budget` is spent (at least one batch of `batch`).
/// Each finding is shrunk by proptest and returned; the run goes on after it. With `fixed`, the
/// inputs are the same every time (CI's short run).
pub fn run_for(target: &mut Target, budget: Duration, batch: u32, fixed: Option<u64>) -> Run {
    let deadline = Instant::now() + budget;
    let seeds = target.seeds.clone();
    let shape = target.shape;
    let name = target.name;
    let target = RefCell::new(target);
    let mut run = Run::default();
    let tried = std::cell::Cell::new(0u64);
    loop {
        let config = Config {
            cases: batch,
            failure_persistence: None,
            max_shrink_iters: 256,
            max_shrink_time: 30_000,
            ..Config::default()
        };
        let mut runner = match fixed {
            Some(seed) => TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes(seed))),
            None => TestRunner::new(config),
        };
        let result = runner.run(&inputs(seeds.clone(), shape), |input| {
            tried.set(tried.get() + 1);
            let started = Instant::now();
            if let Ok(mut trying) = TRYING.lock() {
                *trying = Some((started, name, input.clone()));
            }
            let outcome = target.borrow_mut().check(&input);
            if let Ok(mut trying) = TRYING.lock() {
                *trying = None;
            }
            if started.elapsed() > HANG {
                return Err(TestCaseError::fail(format!("took {:?}: a hang", started.elapsed())));
            }
            outcome.map_err(TestCaseError::fail)
        });
        if let Err(TestError::Fail(why, input)) = result {
            run.findings.push(Finding { target: name, input, what: why.to_string() });
        }
        if Instant::now() >= deadline {
            break;
        }
    }
    run.inputs = tried.get();
    run
}

fn seed_bytes(seed: u64) -> [u8; 32] {
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    bytes
}

/// Raw bytes, or a seed with a few mutations.
fn inputs(seeds: Vec<Vec<u8>>, shape: Shape) -> impl Strategy<Value = Vec<u8>> {
    let count = seeds.len().max(1);
    prop_oneof![
        1 => proptest::collection::vec(any::<u8>(), 0..600),
        4 => (0..count, any::<u64>(), 1..6usize).prop_map(move |(i, rng, n)| {
            let seed = seeds.get(i).cloned().unwrap_or_default();
            mutate(&seed, shape, rng, n)
        }),
    ]
}

/// `n` random changes to `seed`: node by node for JSON (falling back to bytes if it is not
/// JSON), byte by byte for text.
pub fn mutate(seed: &[u8], shape: Shape, rng_seed: u64, n: usize) -> Vec<u8> {
    let mut rng = ChaCha8Rng::seed_from_u64(rng_seed);
    if shape == Shape::Json
        && let Ok(mut value) = serde_json::from_slice::<Value>(seed)
    {
        for _ in 0..n {
            mutate_json(&mut value, &mut rng);
        }
        return serde_json::to_vec(&value).unwrap_or_default();
    }
    let mut bytes = seed.to_vec();
    for _ in 0..n {
        mutate_bytes(&mut bytes, &mut rng);
    }
    bytes
}

/// Values that break careless code.
fn edge_value(rng: &mut ChaCha8Rng) -> Value {
    match rng.random_range(0..16) {
        0 => Value::Null,
        1 => Value::Bool(rng.random()),
        2 => serde_json::json!(-1),
        3 => serde_json::json!(i64::MAX),
        4 => serde_json::json!(u64::MAX),
        5 => serde_json::json!(1e308),
        6 => serde_json::json!(""),
        7 => serde_json::json!("x".repeat(70_000)),
        8 => serde_json::json!("\u{0000}\u{202e}\u{feff}"),
        9 => serde_json::json!("2026-02-30"),
        10 => serde_json::json!("00000000-0000-0000-0000-000000000000"),
        11 => serde_json::json!([[[[[[[[[[]]]]]]]]]]),
        12 => serde_json::json!({"unknown": {"deeper": [1, "two", null]}}),
        13 => serde_json::json!(rng.random::<i64>()),
        14 => serde_json::json!("'; DROP TABLE patient; --"),
        _ => serde_json::json!(format!("{:x}", rng.random::<u128>())),
    }
}

fn mutate_json(value: &mut Value, rng: &mut ChaCha8Rng) {
    enum Step {
        Key(String),
        Index(usize),
    }
    // A random node: the way down is chosen by reading, then walked by writing.
    let mut path = Vec::new();
    let mut at = &*value;
    loop {
        let go_deeper = rng.random_range(0..4) != 0;
        match at {
            Value::Object(map) if go_deeper && !map.is_empty() => {
                let key = map.keys().nth(rng.random_range(0..map.len())).cloned().unwrap_or_default();
                at = &map[&key];
                path.push(Step::Key(key));
            }
            Value::Array(items) if go_deeper && !items.is_empty() => {
                let i = rng.random_range(0..items.len());
                at = &items[i];
                path.push(Step::Index(i));
            }
            _ => break,
        }
    }
    let mut node = value;
    for step in &path {
        node = match (step, node) {
            (Step::Key(key), Value::Object(map)) => match map.get_mut(key) {
                Some(next) => next,
                None => return,
            },
            (Step::Index(i), Value::Array(items)) => match items.get_mut(*i) {
                Some(next) => next,
                None => return,
            },
            _ => return,
        };
    }
    match (rng.random_range(0..4), node) {
        (0, Value::Object(map)) if !map.is_empty() => {
            let key = map.keys().nth(rng.random_range(0..map.len())).cloned().unwrap_or_default();
            map.remove(&key);
        }
        (1, Value::Object(map)) => {
            map.insert(format!("k{}", rng.random::<u16>()), edge_value(rng));
        }
        (2, Value::Array(items)) if !items.is_empty() => {
            let i = rng.random_range(0..items.len());
            let copy = items[i].clone();
            items.push(copy);
        }
        (_, node) => *node = edge_value(rng),
    }
}

const TOKENS: &[&[u8]] = &[
    b",",
    b";",
    b"\t",
    b"\"",
    b"\"\"",
    b"\n",
    b"\r\n",
    b"\r",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"0",
    b"-1",
    b"99999999999999999999",
    b"31/02/2026",
    b"\xc3\xa9",
    b"\x00",
    b"=1+1",
    b"\xe0\xa4\x85",
];

fn mutate_bytes(bytes: &mut Vec<u8>, rng: &mut ChaCha8Rng) {
    let len = bytes.len();
    match rng.random_range(0..6) {
        0 if len > 0 => {
            let i = rng.random_range(0..len);
            bytes[i] ^= 1 << rng.random_range(0..8);
        }
        1 => {
            let token = TOKENS[rng.random_range(0..TOKENS.len())];
            let at = rng.random_range(0..=len);
            bytes.splice(at..at, token.iter().copied());
        }
        2 if len > 0 => {
            let from = rng.random_range(0..len);
            let to = (from + rng.random_range(1..64)).min(len);
            bytes.drain(from..to);
        }
        3 if len > 0 => {
            let from = rng.random_range(0..len);
            let to = (from + rng.random_range(1..256)).min(len);
            let piece: Vec<u8> = bytes[from..to].to_vec();
            let at = rng.random_range(0..=bytes.len());
            bytes.splice(at..at, piece);
        }
        4 if len > 0 => bytes.truncate(rng.random_range(0..len)),
        _ => {
            let at = rng.random_range(0..=len);
            bytes.insert(at, rng.random());
        }
    }
}

const PASSPHRASE: &str = "fuzz passphrase";
const PASSWORD: &str = "fuzz-password-1";
const KANNEL_SECRET: &str = "fuzz-kannel-secret";

/// A desk of its own in a temp dir: demo patients, enrolled with `office`'s clinic North.
struct Desk {
    app: Rapport,
    admin: Session,
    db: PathBuf,
}

fn desk(dir: &Path, office: Option<&Arc<rapport_server::Backend>>) -> Desk {
    let db = dir.join(format!("desk-{}.db", rand::rng().random::<u32>()));
    let clock = Arc::new(FixedClock::new(chrono::Utc::now()));
    let cheap = KdfCost { memory_kib: 1024, iterations: 1, parallelism: 1 };
    let setup = ClinicSetup {
        clinic_name: "North",
        admin_login: "admin",
        admin_name: "Admin",
        admin_password: &Secret::new(PASSWORD),
    };
    let (mut app, admin) =
        Rapport::init(&db, &KeyProtection::Passphrase(Secret::new(PASSPHRASE), cheap), &setup, clock).expect("desk");
    app.load_demo(&admin, 6, 7, Some(&Secret::new(PASSWORD))).expect("demo");
    if let Some(office) = office {
        let now = rapport_server::now_ms();
        let code = office.tx(|db| rapport_server::office::new_enroll_code(db, "North", now)).expect("code");
        app.enroll(&Direct(Arc::clone(office)), "https://office.invalid", &code, None, false).expect("enroll");
    }
    Desk { app, admin, db }
}

/// Head office in this process, for enrolling a desk (the rest is not used).
struct Direct(Arc<rapport_server::Backend>);

impl Transport for Direct {
    fn enroll(&self, req: &EnrollRequest) -> Result<EnrollResponse, WireError> {
        let now = rapport_server::now_ms();
        self.0.tx(|db| rapport_server::office::enroll(db, req, now)).map_err(|e| WireError::Unreachable(e.to_string()))
    }
    fn push(&self, _: &PushRequest) -> Result<PushResponse, WireError> {
        Err(WireError::Unreachable("not used".into()))
    }
    fn pull(&self, _: &PullRequest) -> Result<PullResponse, WireError> {
        Err(WireError::Unreachable("not used".into()))
    }
    fn search(&self, _: &SearchRequest) -> Result<Vec<RemotePatient>, WireError> {
        Err(WireError::Unreachable("not used".into()))
    }
    fn take_on(&self, _: &TakeOnRequest) -> Result<(), WireError> {
        Err(WireError::Unreachable("not used".into()))
    }
    fn chain(&self, _: &ChainRequest) -> Result<ChainResponse, WireError> {
        Err(WireError::Unreachable("not used".into()))
    }
}

/// Head office's routes in this process: a Kannel gateway and a Twilio-style one on one
/// database, a device enrolled from a real desk (whose outbox is the push seed).
struct Office {
    runtime: tokio::runtime::Runtime,
    kannel: axum::Router,
    twilio: axum::Router,
    token: String,
    push_seed: Vec<u8>,
    pull_seed: Vec<u8>,
}

impl Office {
    /// Head office with clinic North, and a desk of North enrolled with it.
    fn new(dir: &Path) -> (Self, Desk) {
        let backend = rapport_server::open(&dir.join("office"), None).expect("office");
        let now = rapport_server::now_ms();
        backend.tx(|db| rapport_server::office::add_clinic(db, "North", now)).expect("clinic");
        let desk = desk(dir, Some(&backend));
        let push = PushRequest { changes: rapport_store_outbox(&desk.app), mark: None };
        let push_seed = serde_json::to_vec(&push).expect("json");
        let token = desk.app.enrollment().expect("enrollment").expect("enrolled").token;
        let device = backend.tx(|db| rapport_server::office::authenticate(db, Some(&token), now)).expect("device");
        backend.tx(|db| rapport_server::office::ingest(db, &device, &push, now)).expect("ingest the seed");
        let pulled = backend
            .tx(|db| {
                rapport_server::office::pull(
                    db,
                    &device,
                    PullRequest { cursor: 0, limit: 200, schema: rapport_model::sync::SCHEMA_VERSION, mark: None },
                )
            })
            .expect("pull");
        let pull_seed = serde_json::to_vec(&pulled).expect("json");
        let kannel = rapport_server::sms::gateway_from_spec(
            &format!("kannel://u:p@127.0.0.1:9?from=NORTH&secret={KANNEL_SECRET}"),
            Some("https://office.invalid"),
        )
        .expect("kannel");
        let twilio = rapport_server::sms::gateway_from_spec(
            "twilio://ACfuzz:fuzz-auth-token-0123456789@127.0.0.1:9?from=+15005550006",
            Some("https://office.invalid"),
        )
        .expect("twilio");
        let office = Self {
            runtime: tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime"),
            kannel: rapport_server::http::router(Arc::clone(&backend), Some(kannel)),
            twilio: rapport_server::http::router(backend, Some(twilio)),
            token,
            push_seed,
            pull_seed,
        };
        (office, desk)
    }

    /// One request through the routes; its status.
    fn call(&self, twilio: bool, request: axum::http::Request<axum::body::Body>) -> u16 {
        use tower::ServiceExt as _;
        let router = if twilio { self.twilio.clone() } else { self.kannel.clone() };
        self.runtime.block_on(async move {
            match router.oneshot(request).await {
                Ok(response) => response.status().as_u16(),
                Err(never) => match never {},
            }
        })
    }

    fn post_json(&self, path: &str, body: &[u8]) -> u16 {
        let request = axum::http::Request::post(path)
            .header("authorization", format!("Bearer {}", self.token))
            .header("content-type", "application/json")
            .body(axum::body::Body::from(body.to_vec()))
            .expect("request");
        self.call(false, request)
    }
}

fn rapport_store_outbox(app: &Rapport) -> Vec<rapport_model::sync::Change> {
    rapport_store::sync::outbox(app.store().conn(), 400, 4 << 20).expect("outbox")
}

/// A status head office must never answer with: it failed rather than refused.
fn no_server_error(route: &str, status: u16) -> Outcome {
    if status >= 500 { Err(format!("{route} answered {status}")) } else { Ok(()) }
}

/// The query string a gateway would send, made of `bytes` (percent-encoded where a URI needs it).
fn query(bytes: &[u8]) -> String {
    const KEEP: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'&')
        .remove(b'=')
        .remove(b'%')
        .remove(b'+')
        .remove(b'-')
        .remove(b'.');
    percent_encoding::percent_encode(bytes, KEEP).to_string()
}

/// Every target, with the resources they share made once in `dir`.
pub fn targets(dir: &Path) -> Vec<Target> {
    let (office, desk) = Office::new(dir);
    let (office, desk) = (Rc::new(office), Rc::new(RefCell::new(desk)));
    let mut out = Vec::new();
    for (name, path, seed) in [
        ("office-push", "/v1/push", office.push_seed.clone()),
        (
            "office-pull",
            "/v1/pull",
            format!(r#"{{"cursor":0,"limit":100,"schema":{}}}"#, rapport_model::sync::SCHEMA_VERSION).into_bytes(),
        ),
        ("office-chain", "/v1/chain", br#"{"after":0,"limit":10}"#.to_vec()),
        (
            "office-enroll",
            "/v1/enroll",
            br#"{"code":"ABCD-EFGH-JKLM","site":"0190f5a0-0000-7000-8000-000000000001","device_name":"desk"}"#.to_vec(),
        ),
    ] {
        let office = Rc::clone(&office);
        out.push(Target {
            name,
            shape: Shape::Json,
            run: Box::new(move |input| no_server_error(path, office.post_json(path, input))),
            seeds: vec![seed],
        });
    }
    for (name, path) in [("kannel-inbound", "/v1/sms/kannel/inbound"), ("kannel-report", "/v1/sms/kannel/dlr")] {
        let office = Rc::clone(&office);
        out.push(Target {
            name,
            shape: Shape::Text,
            run: Box::new(move |input| {
                let uri = format!("{path}?{}", query(input));
                let Ok(request) = axum::http::Request::get(uri).body(axum::body::Body::empty()) else { return Ok(()) };
                let status = office.call(false, request);
                no_server_error(path, status)?;
                let secret = format!("secret={KANNEL_SECRET}");
                if status < 300 && !query(input).contains(&secret) {
                    return Err(format!("{path} accepted a callback without the gateway's secret ({status})"));
                }
                Ok(())
            }),
            seeds: vec![
                format!("from=%2B919845012345&to=5555&text=C&secret={KANNEL_SECRET}").into_bytes(),
                format!("id=0190f5a0-0000-7000-8000-000000000009&status=1&secret={KANNEL_SECRET}").into_bytes(),
                b"from=%2B919845012345&text=STOP&secret=wrong".to_vec(),
            ],
        });
    }
    for (name, path) in [("twilio-inbound", "/v1/sms/twilio/inbound"), ("twilio-status", "/v1/sms/twilio/status")] {
        let office = Rc::clone(&office);
        out.push(Target {
            name,
            shape: Shape::Text,
            run: Box::new(move |input| {
                // The signature is the first line; the form the rest. No input can know the key.
                let text = String::from_utf8_lossy(input);
                let (signature, form) = text.split_once('\n').unwrap_or(("", &text));
                let Ok(request) = axum::http::Request::post(path)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .header("x-twilio-signature", signature.trim())
                    .body(axum::body::Body::from(form.as_bytes().to_vec()))
                else {
                    return Ok(());
                };
                let status = office.call(true, request);
                no_server_error(path, status)?;
                if status < 300 {
                    return Err(format!("{path} accepted a callback without a valid signature ({status})"));
                }
                Ok(())
            }),
            seeds: vec![
                b"bm90IGEgc2lnbmF0dXJl\nFrom=%2B919845012345&Body=STOP&MessageSid=SM1".to_vec(),
                b"\nMessageStatus=delivered&MessageSid=SM1".to_vec(),
            ],
        });
    }

    {
        let desk = Rc::clone(&desk);
        out.push(Target {
            name: "desk-pull",
            shape: Shape::Json,
            run: Box::new(move |input| {
                let Ok(page) = serde_json::from_slice::<PullResponse>(input) else { return Ok(()) };
                let mut desk = desk.borrow_mut();
                let Desk { app, admin, .. } = &mut *desk;
                app.apply_page(&page.changes, Some(page.cursor), page.server_hlc)
                    .map_err(|e| format!("the desk failed instead of setting bad changes aside: {e}"))?;
                // The desk's clock is never taken far into the future (its changes would all be
                // stamped there).
                let hlc = rapport_store::sync::hlc(app.store().conn()).map_err(|e| e.to_string())?;
                let ahead = rapport_model::sync::hlc_ms(hlc) - chrono::Utc::now().timestamp_millis();
                if ahead > rapport_model::sync::MAX_SEEN_AHEAD_MS + 60_000 {
                    return Err(format!("the desk's clock was taken {ahead} ms ahead"));
                }
                // Whatever arrived, the receptionist can still work.
                let new =
                    rapport_model::NewPatient { given: "Fuzz".into(), family: "Check".into(), ..Default::default() };
                app.register_patient(admin, new)
                    .map(drop)
                    .map_err(|e| format!("after this page the desk cannot register a patient: {e}"))
            }),
            seeds: vec![office.pull_seed.clone()],
        });
    }
    {
        let desk = Rc::clone(&desk);
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join("import");
        let seeds = std::fs::read_dir(&fixtures)
            .map(|dir| {
                dir.filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == "csv"))
                    .filter_map(|p| std::fs::read(p).ok())
                    .collect()
            })
            .unwrap_or_default();
        out.push(Target {
            name: "csv-import",
            shape: Shape::Text,
            run: Box::new(move |input| {
                let mut desk = desk.borrow_mut();
                let Desk { app, admin, .. } = &mut *desk;
                let options = ImportOptions { map: None, date_format: None, dry_run: false };
                match app.import_patients(admin, input, &options) {
                    Ok(summary) => {
                        // Lines end at LF, CRLF or a lone CR.
                        let breaks = input
                            .iter()
                            .enumerate()
                            .filter(|(i, b)| **b == b'\n' || (**b == b'\r' && input.get(i + 1) != Some(&b'\n')))
                            .count();
                        let lines = breaks as u64 + 1;
                        match summary.refused.iter().find(|r| r.line < 2 || r.line > lines) {
                            Some(r) => Err(format!("a refused row names line {} of {lines}", r.line)),
                            None => Ok(()),
                        }
                    }
                    Err(e) if e.code == rapport_core::ErrorCode::InvalidInput => Ok(()),
                    Err(e) => Err(format!("the import failed rather than refusing: {:?} {}", e.code, e.message)),
                }
            }),
            seeds,
        });
    }
    {
        let bundle = {
            let mut d = desk.borrow_mut();
            let Desk { app, admin, .. } = &mut *d;
            app.export_fhir(admin, None).expect("export").0.into_bytes()
        };
        out.push(Target {
            name: "fhir-read",
            shape: Shape::Json,
            run: Box::new(|input| {
                let text = String::from_utf8_lossy(input);
                let _ = rapport_model::fhir::read(&text, chrono::Utc::now());
                Ok(())
            }),
            seeds: vec![bundle],
        });
    }
    {
        let db = desk.borrow().db.clone();
        let key_file = rapport_core::key_file_path(&db);
        let seed = std::fs::read(&key_file).expect("key file");
        // A copy of the database with a key file of the input's making.
        let copy = dir.join("keyed.db");
        std::fs::copy(&db, &copy).expect("copy");
        out.push(Target {
            name: "key-file",
            shape: Shape::Json,
            run: Box::new(move |input| {
                std::fs::write(rapport_core::key_file_path(&copy), input).map_err(|e| e.to_string())?;
                let started = Instant::now();
                let _ = rapport_store::Store::find_key(&copy, Some(&Secret::new(PASSPHRASE)));
                if started.elapsed() > Duration::from_secs(5) {
                    return Err(format!("a key file made opening take {:?}", started.elapsed()));
                }
                Ok(())
            }),
            seeds: vec![seed],
        });
    }
    out
}

/// Where a target's regression inputs live.
pub fn regressions(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz-regressions").join(target)
}

/// Saves a finding's input as a regression case (named by its content); returns the file.
pub fn save(finding: &Finding) -> std::io::Result<PathBuf> {
    use sha2::Digest as _;
    let dir = regressions(finding.target);
    std::fs::create_dir_all(&dir)?;
    let name = hex::encode(&sha2::Sha256::digest(&finding.input)[..8]);
    let path = dir.join(name);
    std::fs::write(&path, &finding.input)?;
    Ok(path)
}
