//! The API's refusals over real HTTP: each is a clear `{code, message}` with a fitting status,
//! and none of them changes anything.

use std::net::SocketAddr;
use std::sync::Arc;

use rapport_server::http::Transport;
use rapport_server::{Backend, OfficeError, office};
use serde_json::{Value, json};

struct Server {
    base: String,
    backend: Arc<Backend>,
    /// Head office's data directory (made by the server, inside a temp dir).
    data: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

fn server() -> Server {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("office");
    let backend = rapport_server::open(&data, None).expect("open");
    let (tx, rx) = std::sync::mpsc::channel::<SocketAddr>();
    let serving = Arc::clone(&backend);
    std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().expect("runtime");
        let listen: SocketAddr = "127.0.0.1:0".parse().expect("addr");
        let _ = rt.block_on(rapport_server::http::serve(serving, None, listen, Transport::InsecureHttp, move |a| {
            let _ = tx.send(a);
        }));
    });
    let addr = rx.recv().expect("listening");
    Server { base: format!("http://{addr}"), backend, data, _dir: dir }
}

impl Server {
    fn post(&self, path: &str, token: Option<&str>, body: Vec<u8>) -> (u16, Value) {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::blocking::Client::new();
        let mut req = client.post(format!("{}{path}", self.base)).header("content-type", "application/json").body(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().expect("answer");
        let status = resp.status().as_u16();
        (status, resp.json().unwrap_or(Value::Null))
    }

    /// Sends only the headers of a large push, without a token, and reads the answer: head
    /// office answers before it has read (or waited for) a byte of the body.
    fn status_before_body(&self, path: &str) -> u16 {
        use std::io::{Read, Write};
        let addr = self.base.trim_start_matches("http://");
        let mut conn = std::net::TcpStream::connect(addr).expect("connect");
        conn.set_read_timeout(Some(std::time::Duration::from_secs(10))).expect("timeout");
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            7 << 20
        );
        conn.write_all(head.as_bytes()).expect("headers");
        let mut answer = [0u8; 64];
        let n = conn.read(&mut answer).expect("an answer before the body");
        let line = String::from_utf8_lossy(&answer[..n]);
        line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).expect("a status line")
    }

    fn seq(&self) -> i64 {
        self.backend
            .tx(|db| Ok::<_, OfficeError>(db.query_one("SELECT seq FROM head_office", &[])?))
            .expect("head")
            .and_then(|r| r[0].int())
            .expect("seq")
    }
}

fn push_body(record: &str) -> Vec<u8> {
    let now = rapport_server::now_ms();
    json!({"changes": [{
        "id": uuid::Uuid::new_v4(), "entity": "staff", "record": record, "schema": 1,
        "version": {"hlc": now << 16, "site": uuid::Uuid::new_v4()}, "fields": {"login": "x"}
    }]})
    .to_string()
    .into_bytes()
}

fn enroll_body(code: &str) -> Vec<u8> {
    json!({"code": code, "site": uuid::Uuid::new_v4(), "device_name": "a"}).to_string().into_bytes()
}

#[test]
fn every_refusal_is_clear_and_changes_nothing() {
    let s = server();
    let now = rapport_server::now_ms();
    s.backend.tx(|db| office::add_clinic(db, "North", now)).expect("north");
    s.backend.tx(|db| office::add_clinic(db, "South", now)).expect("south");
    let code = s.backend.tx(|db| office::new_enroll_code(db, "North", now)).expect("code");

    let (status, body) = s.post("/v1/enroll", None, enroll_body(&code));
    assert_eq!(status, 200);
    let token = body["token"].as_str().expect("token").to_owned();
    let device = body["device_id"].as_str().expect("id").to_owned();
    let seq = s.seq();

    let refusals = [
        ("reused code", s.post("/v1/enroll", None, enroll_body(&code)), 403, "code_used"),
        ("no token", s.post("/v1/push", None, push_body(&uuid::Uuid::new_v4().to_string())), 401, "no_token"),
        ("unknown token", s.post("/v1/push", Some("rpt_nope"), push_body("r")), 401, "bad_token"),
        // The token is checked before the body is read: a stranger's large or broken body
        // costs head office nothing.
        ("unknown token, malformed body", s.post("/v1/pull", Some("rpt_nope"), b"{".to_vec()), 401, "bad_token"),
        ("malformed JSON", s.post("/v1/push", Some(&token), b"{\"changes\": [".to_vec()), 400, "bad_request"),
        ("wrong shape", s.post("/v1/push", Some(&token), b"{\"changes\": 5}".to_vec()), 400, "bad_request"),
        ("oversized body", s.post("/v1/push", Some(&token), vec![b' '; 9 << 20]), 413, "too_large"),
    ];
    for (what, (status, body), want_status, want_code) in refusals {
        assert_eq!(status, want_status, "{what}: {body}");
        assert_eq!(body["code"], json!(want_code), "{what}");
        assert!(body["message"].as_str().is_some_and(|m| m.len() > 10), "{what} says why");
    }
    assert_eq!(s.seq(), seq, "no refusal stored anything");
    assert_eq!(s.status_before_body("/v1/push"), 401, "a stranger's body is not even waited for");

    // Another clinic's token cannot reach this clinic's records: the change is refused on its
    // own, coded, and stores nothing.
    let south_code = s.backend.tx(|db| office::new_enroll_code(db, "South", now)).expect("code");
    let south_site = uuid::Uuid::new_v4();
    let (_, south) = s.post(
        "/v1/enroll",
        None,
        json!({"code": south_code, "site": south_site, "device_name": "s"}).to_string().into_bytes(),
    );
    let south_token = south["token"].as_str().expect("token").to_owned();
    let north_site = uuid::Uuid::new_v4();
    let code = s.backend.tx(|db| office::new_enroll_code(db, "North", now)).expect("code");
    let (_, north) = s.post(
        "/v1/enroll",
        None,
        json!({"code": code, "site": north_site, "device_name": "n"}).to_string().into_bytes(),
    );
    let north_token = north["token"].as_str().expect("token").to_owned();
    let patient = uuid::Uuid::new_v4();
    let create = json!({"changes": [{
        "id": uuid::Uuid::new_v4(), "entity": "patient", "record": patient, "schema": 1,
        "version": {"hlc": now << 16, "site": north_site},
        "fields": {"given": "A", "family": "B", "record_no": "N-1", "created_at": now, "updated_at": now,
                   "preferred": null, "pronunciation": null, "birth_date": null, "sex": null, "gender": null,
                   "language": null, "phones": "[]", "email": null, "address": null, "city": null, "area": null,
                   "consent": "{}", "referral_source": null, "referring_doctor": null, "usual_doctor": null,
                   "practical_needs": "[]", "conditions": "[]", "attendants": "[]", "deleted_at": null}
    }]});
    let (status, body) = s.post("/v1/push", Some(&north_token), create.to_string().into_bytes());
    assert_eq!(status, 200);
    assert!(body["acks"][0]["refused"].is_null(), "{body}");
    let seq = s.seq();
    let edit = json!({"changes": [{
        "id": uuid::Uuid::new_v4(), "entity": "patient", "record": patient, "schema": 1,
        "version": {"hlc": (now << 16) + 5, "site": south_site}, "fields": {"given": "C"}
    }]});
    let (status, body) = s.post("/v1/push", Some(&south_token), edit.to_string().into_bytes());
    assert_eq!((status, body["acks"][0]["refused"]["code"].clone()), (200, json!("other_clinic")));
    assert_eq!(s.seq(), seq);

    // A revoked device is stopped at its next request.
    assert!(s.backend.tx(|db| office::revoke_device(db, &device, now)).expect("revoke"));
    let (status, body) = s.post("/v1/pull", Some(&token), json!({"cursor": 0, "limit": 10}).to_string().into_bytes());
    assert_eq!((status, body["code"].clone()), (401, json!("revoked")));
}

#[test]
fn guessing_enrollment_codes_is_stopped_for_the_minute() {
    let s = server();
    let now = rapport_server::now_ms();
    s.backend.tx(|db| office::add_clinic(db, "North", now)).expect("north");
    let code = s.backend.tx(|db| office::new_enroll_code(db, "North", now)).expect("code");
    let statuses: Vec<u16> =
        (0..12).map(|i| s.post("/v1/enroll", None, enroll_body(&format!("GUES-SNUM-{i:04}"))).0).collect();
    assert_eq!(&statuses[..10], &[403; 10], "each wrong code is refused as unknown");
    assert_eq!(&statuses[10..], &[429, 429], "then every attempt waits for the minute to end");
    let (status, body) = s.post("/v1/enroll", None, enroll_body(&code));
    assert_eq!((status, body["code"].clone()), (429, json!("too_many_attempts")), "even a right code waits");
}

#[cfg(unix)]
#[test]
fn head_office_files_are_readable_by_its_own_user_only() {
    use std::os::unix::fs::PermissionsExt;
    let s = server();
    let mode = |p: &std::path::Path| std::fs::metadata(p).expect("exists").permissions().mode() & 0o777;
    assert_eq!(mode(&s.data), 0o700);
    for entry in std::fs::read_dir(&s.data).expect("dir") {
        let path = entry.expect("entry").path();
        assert_eq!(mode(&path), 0o600, "{}", path.display());
    }
}
