//! Head office's rules, run against both backends: the embedded SQLite file and a real
//! PostgreSQL (`cargo xtask test` starts one and sets `RAPPORT_TEST_POSTGRES`).

use std::collections::BTreeMap;
use std::sync::Arc;

use rapport_model::sync::{Change, Entity, PullRequest, SCHEMA_VERSION, Version, hlc_from_ms};
use rapport_server::office::{self, Device};
use rapport_server::{Backend, OfficeError};
use serde_json::{Value, json};
use uuid::Uuid;

const NOW: i64 = 1_795_000_000_000;

struct Office {
    backend: Arc<Backend>,
    _dir: tempfile::TempDir,
}

fn sqlite() -> Office {
    let dir = tempfile::tempdir().expect("temp dir");
    let backend = rapport_server::open(dir.path(), None).expect("open sqlite");
    Office { backend, _dir: dir }
}

/// A fresh database in the test PostgreSQL, so tests do not see each other.
fn postgres() -> Office {
    let url = std::env::var("RAPPORT_TEST_POSTGRES")
        .expect("set RAPPORT_TEST_POSTGRES to a PostgreSQL URL (`cargo xtask test` starts one and sets it)");
    let name = format!("rapport_{}", Uuid::new_v4().simple());
    let mut admin = postgres::Client::connect(&url, postgres::NoTls).expect("connect to the test PostgreSQL");
    admin.batch_execute(&format!("CREATE DATABASE {name}")).expect("create database");
    let base = url.rsplit_once('/').map_or(url.as_str(), |(b, _)| b);
    let dir = tempfile::tempdir().expect("temp dir");
    let backend = rapport_server::open(dir.path(), Some(&format!("{base}/{name}"))).expect("open postgres");
    Office { backend, _dir: dir }
}

impl Office {
    fn clinic(&self, name: &str) -> Device {
        let b = &self.backend;
        b.tx(|db| office::add_clinic(db, name, NOW)).expect("clinic");
        let code = b.tx(|db| office::new_enroll_code(db, name, NOW)).expect("code");
        let r = b.tx(|db| office::enroll(db, &code, "desk", NOW)).expect("enroll");
        b.tx(|db| office::authenticate(db, Some(&r.token), NOW)).expect("token works")
    }

    fn device(&self, clinic: &str) -> (Device, String) {
        let b = &self.backend;
        let code = b.tx(|db| office::new_enroll_code(db, clinic, NOW)).expect("code");
        let r = b.tx(|db| office::enroll(db, &code, "desk", NOW)).expect("enroll");
        (b.tx(|db| office::authenticate(db, Some(&r.token), NOW)).expect("token"), r.token)
    }

    fn push(&self, d: &Device, changes: &[Change]) -> Result<rapport_model::sync::PushResponse, OfficeError> {
        let changes = changes.to_vec();
        self.backend.tx(|db| office::ingest(db, d, &changes, NOW))
    }

    fn pull_all(&self, d: &Device) -> Vec<Change> {
        let mut out = Vec::new();
        let mut cursor = 0;
        loop {
            let page = self.backend.tx(|db| office::pull(db, d, PullRequest { cursor, limit: 2 })).expect("pull");
            out.extend(page.changes);
            cursor = page.cursor;
            if !page.more {
                return out;
            }
        }
    }

    fn dump(&self, clinic: &str) -> Value {
        self.backend.tx(|db| office::dump(db, clinic)).expect("dump")
    }

    fn seq(&self) -> i64 {
        self.backend
            .tx(|db| Ok::<_, OfficeError>(db.query_one("SELECT seq FROM head_office", &[])?))
            .expect("head")
            .and_then(|r| r[0].int())
            .expect("seq")
    }
}

fn site(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn change(entity: Entity, record: Uuid, patient: Option<Uuid>, at: Version, fields: Value) -> Change {
    let fields: BTreeMap<String, Value> =
        fields.as_object().expect("object").iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    Change {
        id: Uuid::new_v4(),
        entity,
        record: record.to_string(),
        patient,
        version: at,
        fields,
        base: BTreeMap::new(),
        schema: SCHEMA_VERSION,
        replay: false,
        seq: None,
    }
}

fn v(ms_offset: i64, s: u128) -> Version {
    Version { hlc: hlc_from_ms(NOW + ms_offset), site: site(s) }
}

fn new_patient(id: Uuid, at: Version) -> Change {
    change(
        Entity::Patient,
        id,
        Some(id),
        at,
        json!({"given": "Ada", "family": "Quill", "record_no": format!("R-{}", &id.simple().to_string()[..6])}),
    )
}

fn appointment(id: Uuid, patient: Uuid, doctor: Uuid, starts: i64, at: Version) -> Change {
    change(
        Entity::Appointment,
        id,
        Some(patient),
        at,
        json!({"patient_id": patient.to_string(), "doctor": doctor.to_string(), "starts_at": starts, "minutes": 15, "status": "booked"}),
    )
}

fn refusal(e: OfficeError) -> (u16, &'static str) {
    match e {
        OfficeError::Refused(r) => (r.status, r.code),
        OfficeError::Db(e) => panic!("storage failed: {e}"),
    }
}

macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod on_sqlite { $( #[test] fn $name() { super::$name(super::sqlite()) } )* }
        mod on_postgres { $( #[test] fn $name() { super::$name(super::postgres()) } )* }
    };
}

both_backends!(
    a_resent_change_is_stored_once_and_answered_the_same,
    concurrent_edits_keep_the_loser_in_both_conflict_logs,
    a_slot_booked_twice_offline_is_kept_once_and_the_other_undone,
    a_clock_too_far_ahead_is_refused_and_the_batch_changes_nothing,
    a_clinic_cannot_touch_another_clinics_records,
    codes_work_once_and_revoked_devices_are_stopped,
    pulls_page_by_cursor_and_reach_only_the_clinics_that_hold_the_patient,
    a_login_taken_elsewhere_is_renamed_the_same_way_everywhere,
);

fn a_resent_change_is_stored_once_and_answered_the_same(o: Office) {
    let d = o.clinic("North");
    let p = Uuid::new_v4();
    let c = new_patient(p, v(0, 1));
    let first = o.push(&d, std::slice::from_ref(&c)).expect("push");
    let seq = o.seq();
    let again = o.push(&d, &[c.clone(), c]).expect("push again");
    assert_eq!(again.acks[0], first.acks[0]);
    assert_eq!(again.acks[1], first.acks[0]);
    assert_eq!(o.seq(), seq, "nothing new in the log");
    assert_eq!(o.pull_all(&d).len(), 1);
}

fn concurrent_edits_keep_the_loser_in_both_conflict_logs(o: Office) {
    let d1 = o.clinic("North");
    let (d2, _) = o.device("North");
    let p = Uuid::new_v4();
    o.push(&d1, &[new_patient(p, v(0, 1))]).expect("create");
    let base = BTreeMap::from([("given".to_owned(), v(0, 1))]);
    let mut late = change(Entity::Patient, p, Some(p), v(2000, 2), json!({"given": "Adah"}));
    late.base = base.clone();
    let mut early = change(Entity::Patient, p, Some(p), v(1000, 1), json!({"given": "Ada-Mae"}));
    early.base = base;
    assert!(o.push(&d2, &[late]).expect("late first").acks[0].lost.is_empty());
    let ack = o.push(&d1, &[early]).expect("early second");
    assert_eq!(ack.acks[0].lost.len(), 1, "the earlier edit lost and its device is told");
    assert_eq!(ack.acks[0].lost[0].winner, json!("Adah"));
    assert_eq!(o.dump("North")["patient"][p.to_string()]["given"], json!("Adah"));
    let logged = o
        .backend
        .tx(|db| {
            Ok::<_, OfficeError>(db.query("SELECT field, loser_value FROM conflict WHERE kind = 'lost-edit'", &[])?)
        })
        .expect("conflicts");
    assert_eq!(logged.len(), 1);
    assert_eq!(logged[0][1].text(), Some("\"Ada-Mae\""));
}

fn a_slot_booked_twice_offline_is_kept_once_and_the_other_undone(o: Office) {
    let d1 = o.clinic("North");
    let (d2, _) = o.device("North");
    let (p1, p2, doctor) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    let start = NOW + 86_400_000;
    let (a1, a2) = (Uuid::new_v4(), Uuid::new_v4());
    o.push(&d1, &[new_patient(p1, v(0, 1)), appointment(a1, p1, doctor, start, v(1, 1))]).expect("first booking");
    let r = o
        .push(&d2, &[new_patient(p2, v(0, 2)), appointment(a2, p2, doctor, start + 5 * 60_000, v(1, 2))])
        .expect("second booking");
    assert!(r.acks[1].rejected.is_some(), "the later booking comes back as a rejection");
    let dump = o.dump("North");
    assert_eq!(dump["appointment"][a1.to_string()]["status"], json!("booked"));
    assert_eq!(dump["appointment"][a2.to_string()]["status"], json!("cancelled"));
    // Every device hears of the cancellation through its usual pull.
    let cancelled = o
        .pull_all(&d1)
        .into_iter()
        .any(|c| c.record == a2.to_string() && c.fields.get("status") == Some(&json!("cancelled")));
    assert!(cancelled);
}

fn a_clock_too_far_ahead_is_refused_and_the_batch_changes_nothing(o: Office) {
    let d = o.clinic("North");
    let seq = o.seq();
    let fine = new_patient(Uuid::new_v4(), v(0, 1));
    let ahead = new_patient(Uuid::new_v4(), v(3 * 3600 * 1000, 1));
    let (status, code) = refusal(o.push(&d, &[fine, ahead]).expect_err("refused"));
    assert_eq!((status, code), (422, "clock_ahead"));
    assert_eq!(o.seq(), seq);
    assert!(o.pull_all(&d).is_empty());
}

fn a_clinic_cannot_touch_another_clinics_records(o: Office) {
    let north = o.clinic("North");
    let south = o.clinic("South");
    let (p, a, doctor) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    o.push(&north, &[new_patient(p, v(0, 1)), appointment(a, p, doctor, NOW, v(1, 1))]).expect("north");
    let seq = o.seq();
    let edit = change(Entity::Appointment, a, Some(p), v(5, 3), json!({"status": "cancelled"}));
    assert_eq!(refusal(o.push(&south, &[edit]).expect_err("refused")), (403, "other_clinic"));
    let rename = change(Entity::Patient, p, Some(p), v(5, 3), json!({"given": "X"}));
    assert_eq!(refusal(o.push(&south, &[rename]).expect_err("refused")), (403, "other_clinic"));
    assert_eq!(o.seq(), seq);
    assert!(o.pull_all(&south).iter().all(|c| c.entity == Entity::Staff), "south sees none of north's patients");
}

fn codes_work_once_and_revoked_devices_are_stopped(o: Office) {
    let b = &o.backend;
    b.tx(|db| office::add_clinic(db, "North", NOW)).expect("clinic");
    let code = b.tx(|db| office::new_enroll_code(db, "North", NOW)).expect("code");
    let r = b.tx(|db| office::enroll(db, &code.to_lowercase(), "desk", NOW)).expect("enroll, in any case");
    assert_eq!(refusal(b.tx(|db| office::enroll(db, &code, "desk", NOW)).expect_err("reuse")), (403, "code_used"));
    assert_eq!(refusal(b.tx(|db| office::enroll(db, "AAAA-BBBB-CCCC", "x", NOW)).expect_err("bad")), (403, "bad_code"));
    let late = b.tx(|db| office::new_enroll_code(db, "North", NOW)).expect("code");
    let week = 8 * 24 * 3600 * 1000;
    assert_eq!(refusal(b.tx(|db| office::enroll(db, &late, "x", NOW + week)).expect_err("old")), (403, "code_expired"));
    assert!(b.tx(|db| office::revoke_device(db, &r.device_id.to_string(), NOW)).expect("revoke"));
    let e = b.tx(|db| office::authenticate(db, Some(&r.token), NOW)).expect_err("revoked");
    assert_eq!(refusal(e), (401, "revoked"));
    assert_eq!(refusal(b.tx(|db| office::authenticate(db, None, NOW)).expect_err("none")), (401, "no_token"));
}

fn pulls_page_by_cursor_and_reach_only_the_clinics_that_hold_the_patient(o: Office) {
    let north = o.clinic("North");
    let south = o.clinic("South");
    let staff = Uuid::new_v4();
    let p = Uuid::new_v4();
    let pointer = Uuid::new_v4();
    o.push(
        &north,
        &[
            change(Entity::Staff, staff, None, v(0, 1), json!({"login": "dr.who", "role": "clinician"})),
            new_patient(p, v(1, 1)),
            change(Entity::Pointer, pointer, Some(p), v(2, 1), json!({"patient_id": p.to_string(), "text": "Goa"})),
        ],
    )
    .expect("push");
    assert_eq!(o.pull_all(&north).len(), 3, "pages of two, joined");
    assert_eq!(o.pull_all(&south).len(), 1, "staff belong to the organisation; the patient does not go south");
    let found = o.backend.tx(|db| office::search(db, "qui ada")).expect("search");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].clinics, vec!["North".to_owned()]);
    let sent = o.backend.tx(|db| office::adopt(db, &south, p, NOW)).expect("take on");
    assert_eq!(sent, 2, "the patient and their pointer are sent again");
    let south_now = o.pull_all(&south);
    assert!(south_now.iter().any(|c| c.record == pointer.to_string() && c.replay));
    assert_eq!(o.dump("South")["patient"], o.dump("North")["patient"]);
    // From now on the patient's edits reach both clinics.
    let edit = change(Entity::Patient, p, Some(p), v(10, 3), json!({"given": "Adela"}));
    o.push(&south, &[edit]).expect("south edits");
    assert!(o.pull_all(&north).iter().any(|c| c.fields.get("given") == Some(&json!("Adela"))));
}

fn a_login_taken_elsewhere_is_renamed_the_same_way_everywhere(o: Office) {
    let north = o.clinic("North");
    let south = o.clinic("South");
    let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
    o.push(&north, &[change(Entity::Staff, a, None, v(0, 1), json!({"login": "admin"}))]).expect("north admin");
    o.push(&south, &[change(Entity::Staff, b, None, v(0, 2), json!({"login": "admin"}))]).expect("south admin");
    let dump = o.dump("North");
    assert_eq!(dump["staff"][a.to_string()]["login"], json!("admin"));
    let renamed = rapport_model::sync::disambiguate("admin", &b.to_string());
    assert_eq!(dump["staff"][b.to_string()]["login"], json!(renamed));
}
