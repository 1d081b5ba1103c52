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
    _dir: tempfile::TempDir,
}

fn server() -> Server {
    let dir = tempfile::tempdir().expect("temp dir");
    let backend = rapport_server::open(dir.path(), None).expect("open");
    let (tx, rx) = std::sync::mpsc::channel::<SocketAddr>();
    let serving = Arc::clone(&backend);
    std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().expect("runtime");
        let listen: SocketAddr = "127.0.0.1:0".parse().expect("addr");
        let _ = rt.block_on(rapport_server::http::serve(serving, listen, Transport::InsecureHttp, move |a| {
            let _ = tx.send(a);
        }));
    });
    let addr = rx.recv().expect("listening");
    Server { base: format!("http://{addr}"), backend, _dir: dir }
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

#[test]
fn every_refusal_is_clear_and_changes_nothing() {
    let s = server();
    let now = rapport_server::now_ms();
    s.backend.tx(|db| office::add_clinic(db, "North", now)).expect("north");
    s.backend.tx(|db| office::add_clinic(db, "South", now)).expect("south");
    let code = s.backend.tx(|db| office::new_enroll_code(db, "North", now)).expect("code");

    let (status, body) = s.post("/v1/enroll", None, json!({"code": code, "device_name": "a"}).to_string().into_bytes());
    assert_eq!(status, 200);
    let token = body["token"].as_str().expect("token").to_owned();
    let device = body["device_id"].as_str().expect("id").to_owned();
    let seq = s.seq();

    let refusals = [
        (
            "reused code",
            s.post("/v1/enroll", None, json!({"code": code, "device_name": "b"}).to_string().into_bytes()),
            403,
            "code_used",
        ),
        ("no token", s.post("/v1/push", None, push_body(&uuid::Uuid::new_v4().to_string())), 401, "no_token"),
        ("unknown token", s.post("/v1/push", Some("rpt_nope"), push_body("r")), 401, "bad_token"),
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

    // Another clinic's token cannot reach this clinic's records.
    let south_code = s.backend.tx(|db| office::new_enroll_code(db, "South", now)).expect("code");
    let (_, south) =
        s.post("/v1/enroll", None, json!({"code": south_code, "device_name": "s"}).to_string().into_bytes());
    let south_token = south["token"].as_str().expect("token").to_owned();
    let patient = uuid::Uuid::new_v4();
    let create = json!({"changes": [{
        "id": uuid::Uuid::new_v4(), "entity": "patient", "record": patient, "patient": patient, "schema": 1,
        "version": {"hlc": now << 16, "site": uuid::Uuid::new_v4()}, "fields": {"given": "A", "family": "B", "record_no": "N-1"}
    }]});
    assert_eq!(s.post("/v1/push", Some(&token), create.to_string().into_bytes()).0, 200);
    let seq = s.seq();
    let edit = json!({"changes": [{
        "id": uuid::Uuid::new_v4(), "entity": "patient", "record": patient, "patient": patient, "schema": 1,
        "version": {"hlc": (now << 16) + 5, "site": uuid::Uuid::new_v4()}, "fields": {"given": "C"}
    }]});
    let (status, body) = s.post("/v1/push", Some(&south_token), edit.to_string().into_bytes());
    assert_eq!((status, body["code"].clone()), (403, json!("other_clinic")));
    assert_eq!(s.seq(), seq);

    // A revoked device is stopped at its next request.
    assert!(s.backend.tx(|db| office::revoke_device(db, &device, now)).expect("revoke"));
    let (status, body) = s.post("/v1/pull", Some(&token), json!({"cursor": 0, "limit": 10}).to_string().into_bytes());
    assert_eq!((status, body["code"].clone()), (401, json!("revoked")));
}
