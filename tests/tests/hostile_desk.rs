//! Head office trusts no desk. A real `rapport-server` over TLS, real desks of two clinics, and
//! an attacker: a device of clinic South, enrolled with a real code, that speaks the sync
//! protocol directly (what a stolen or compromised desk can do). Every attack is refused with a
//! coded reason, stores nothing, leaves every honest desk able to sync, and is logged at head
//! office without patient data. Run against the embedded SQLite and a real PostgreSQL.

use std::collections::BTreeMap;
use std::sync::Arc;

use rapport_core::sync::{HttpTransport, Transport, WireError};
use rapport_core::{Rapport, Secret, SystemClock};
use rapport_model::RefusalCode;
use rapport_model::sync::{
    Change, EnrollRequest, Entity, PullRequest, PushRequest, SCHEMA_VERSION, Version, hlc_from_ms,
};
use rapport_tests::head_office::{Desk, Office, postgres_database};
use serde_json::{Value, json};
use uuid::Uuid;

/// What the attacker holds: a token of South's and the site it enrolled with.
struct Attacker {
    wire: HttpTransport,
    site: Uuid,
}

impl Attacker {
    /// A change that makes a new record: the fields given, every other one empty.
    fn new_record(&self, entity: Entity, record: &str, fields: Value) -> Change {
        let mut c = self.change(entity, record, fields);
        rapport_model::schema::fill_empty(entity, &mut c.fields);
        c
    }

    fn change(&self, entity: Entity, record: &str, fields: Value) -> Change {
        Change {
            id: Uuid::new_v4(),
            entity,
            record: record.to_owned(),
            version: Version { hlc: hlc_from_ms(rapport_server::now_ms()), site: self.site },
            fields: serde_json::from_value(fields).expect("fields"),
            versions: BTreeMap::new(),
            base: BTreeMap::new(),
            schema: SCHEMA_VERSION,
            replay: false,
            seq: None,
        }
    }

    /// Pushes changes and returns each one's refusal code (`None`: stored).
    fn push(&self, changes: Vec<Change>) -> Vec<Option<String>> {
        let answer = self.wire.push(&PushRequest { changes, mark: None }).expect("head office answers");
        answer.acks.into_iter().map(|a| a.refused.map(|r| r.code.to_string())).collect()
    }

    fn refused(&self, change: Change) -> String {
        self.push(vec![change]).remove(0).expect("refused")
    }

    fn pull_all(&self) -> Vec<Change> {
        let (mut out, mut cursor) = (Vec::new(), 0);
        loop {
            let page = self
                .wire
                .pull(&PullRequest { cursor, limit: 500, mark: None, schema: rapport_model::sync::SCHEMA_VERSION })
                .expect("pull");
            out.extend(page.changes);
            cursor = page.cursor;
            if !page.more {
                return out;
            }
        }
    }
}

fn staff_fields(login: &str, role: &str) -> Value {
    json!({
        "login": login, "display_name": "Mallory", "role": role, "active": 1, "created_at": rapport_server::now_ms(),
        "password_hash": "$argon2id$v=19$m=65536,t=3,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
    })
}

fn first_key(dump: &Value, entity: &str, pick: impl Fn(&Value) -> bool) -> String {
    dump[entity].as_object().expect("records").iter().find(|(_, r)| pick(r)).map(|(k, _)| k.clone()).expect("found")
}

fn scenario(postgres: Option<String>) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().to_owned();
    let mut office = Office::two_clinics(&dir, postgres);
    let url = office.url();
    let ca_pem = std::fs::read_to_string(dir.join("ca.pem")).expect("ca");

    // North: a desk with patients, one of them with an avoid-topic pointer. South: its own desk.
    let north = Desk { db: dir.join("north.db") };
    north.ok(&["init", "--clinic", "North", "--admin", "admin"]);
    north.ok(&["demo", "--patients", "12"]);
    let bereaved = north.ok(&["patient", "add", "--given", "Ingrid", "--family", "Halvorsen"]);
    north.ok(&["pointer", "add", &bereaved, "--kind", "avoid-topic", "--text", "Recently bereaved"]);
    office.enroll(&north, "North");
    let south = Desk { db: dir.join("south.db") };
    south.ok(&["init", "--clinic", "South", "--admin", "boss"]);
    south.ok_as("boss", &["patient", "add", "--given", "Sunil", "--family", "Menon"]);
    office.enroll(&south, "South");
    // A second South desk that enrolls now and then stays behind.
    let behind = Desk { db: dir.join("behind.db") };
    office.enroll(&behind, "South");

    let north_dump: Value = serde_json::from_str(&north.ok(&["dump"])).expect("json");
    let north_admin = first_key(&north_dump, "staff", |s| s["login"] == "admin");
    let north_doctor = first_key(&north_dump, "staff", |s| s["role"] == "clinician");
    let north_patient = bereaved.clone();
    let north_site = {
        let app = Rapport::open(&north.db, Some(&Secret::new("e2e passphrase")), Arc::new(SystemClock)).expect("open");
        rapport_store::sync::site(app.store().conn()).expect("site")
    };

    // The attacker enrolls a device of South with a real code, speaking the protocol itself.
    let code = office.admin(&["enroll-code", "--clinic", "South"]);
    let site = Uuid::new_v4();
    let bare = HttpTransport::new(&url, None, Some(&ca_pem)).expect("client");
    let enrolled = bare.enroll(&EnrollRequest { code, site, device_name: "stolen".into() }).expect("enrolled");
    let mallory =
        Attacker { wire: HttpTransport::new(&url, Some(enrolled.token), Some(&ca_pem)).expect("client"), site };
    let before = (office.admin(&["dump", "--clinic", "North"]), office.admin(&["dump", "--clinic", "South"]));

    // 1. Staff takeover across the chain.
    let takeover = mallory.change(
        Entity::Staff,
        &north_admin,
        json!({"password_hash": staff_fields("x", "admin")["password_hash"]}),
    );
    assert_eq!(mallory.refused(takeover), "other_clinic");
    let new_admin = mallory.new_record(Entity::Staff, &Uuid::new_v4().to_string(), staff_fields("mallory", "admin"));
    assert_eq!(mallory.refused(new_admin), "needs_head_office");

    // 2. Clinic scope: North's patient, with or without the fields that used to name it.
    for fields in [json!({"given": "Hacked"}), json!({"deleted_at": rapport_server::now_ms()})] {
        assert_eq!(mallory.refused(mallory.change(Entity::Patient, &north_patient, fields)), "other_clinic");
    }
    let pointer = mallory.new_record(
        Entity::Pointer,
        &Uuid::new_v4().to_string(),
        json!({"patient_id": north_patient, "kind": "travel", "text": "Hacked", "author": north_admin,
               "author_role": "admin", "clinic": "South", "source": "call", "created_at": rapport_server::now_ms()}),
    );
    assert_eq!(mallory.refused(pointer), "other_clinic");
    let mut spoofed = mallory.change(Entity::Patient, &Uuid::new_v4().to_string(), json!({}));
    spoofed.version.site = north_site;
    assert_eq!(mallory.refused(spoofed), "wrong_site");

    // 3. Poison pills, in one batch with an honest change: each refused alone, the good one stored.
    let own_patient = Uuid::new_v4().to_string();
    let now = rapport_server::now_ms();
    let good = mallory.new_record(
        Entity::Patient,
        &own_patient,
        json!({"given": "Mallory", "family": "Test", "record_no": "MAL-1", "created_at": now, "updated_at": now}),
    );
    let booking = |doctor: &str, minutes: i64| {
        mallory.new_record(
            Entity::Appointment,
            &Uuid::new_v4().to_string(),
            json!({"patient_id": own_patient, "doctor": doctor, "starts_at": now + 3_600_000, "minutes": minutes,
                   "status": "booked", "booked_by": doctor, "booked_at": now}),
        )
    };
    let codes = mallory.push(vec![
        good,
        mallory.new_record(Entity::Staff, &Uuid::new_v4().to_string(), staff_fields("root", "superuser")),
        booking(&north_doctor, 1_000_000_000),
        booking(&north_doctor, 15),
        mallory.change(Entity::Patient, "not-a-uuid", json!({"given": "X"})),
        mallory.change(Entity::Patient, &Uuid::new_v4().to_string(), json!({"given": "\u{1b}[2JX", "family": "Y"})),
        mallory.change(Entity::Patient, &Uuid::new_v4().to_string(), json!({"given": "x".repeat(100_000)})),
    ]);
    let codes: Vec<Option<&str>> = codes.iter().map(Option::as_deref).collect();
    assert_eq!(
        codes,
        [
            None,
            Some("invalid_value"),
            Some("invalid_value"),
            Some("other_clinic"),
            Some("invalid_value"),
            Some("invalid_value"),
            Some("invalid_value")
        ]
    );

    // Forged audit rows: another desk's chain, a row that is not a row.
    let audit = |record: String| {
        mallory.new_record(
            Entity::Audit,
            &record,
            json!({"at": now, "action": "patient.view", "prev_hash": "00".repeat(32), "hash": "11".repeat(32)}),
        )
    };
    assert_eq!(mallory.refused(audit(format!("{north_site}/1"))), "other_chain");
    assert_eq!(mallory.refused(audit(format!("{site}/one"))), "other_chain");

    // A body over head office's limit is refused whole, before anything is stored.
    let huge: Vec<Change> = (0..200)
        .map(|_| mallory.change(Entity::Patient, &Uuid::new_v4().to_string(), json!({"address": "x".repeat(50_000)})))
        .collect();
    match mallory.wire.push(&PushRequest { changes: huge, mark: None }) {
        Err(WireError::Refused { status: 413, refusal }) => assert_eq!(refusal.code, RefusalCode::TooLarge),
        other => panic!("an oversized push must be refused: {other:?}"),
    }

    // Nothing of North changed, and South holds only the attacker's one honest patient.
    assert_eq!(office.admin(&["dump", "--clinic", "North"]), before.0, "North is untouched");
    let south_after: Value = serde_json::from_str(&office.admin(&["dump", "--clinic", "South"])).expect("json");
    let before_south: Value = serde_json::from_str(&before.1).expect("json");
    assert_eq!(south_after["staff"], before_south["staff"], "no account was made or changed");
    assert_eq!(south_after["appointment"], before_south["appointment"]);
    // What the attacker's token can read: South's share, and the chain's staff directory
    // without a single password hash of North's; none of North's patients.
    let seen_changes = mallory.pull_all();
    let north_hash = seen_changes
        .iter()
        .any(|c| c.entity == Entity::Staff && c.record == north_admin && c.fields.contains_key("password_hash"));
    assert!(!north_hash, "the attacker read a North password hash");
    let seen = serde_json::to_string(&seen_changes).expect("json");
    for secret in [north_patient.as_str(), "Recently bereaved", "Halvorsen"] {
        assert!(!seen.contains(secret), "the attacker read North's data");
    }

    // Every honest desk still syncs, and North's admin still logs in with the real password.
    for desk in [&north, &behind] {
        desk.ok(&["sync", "now"]);
    }
    south.ok(&["sync", "now"]);
    north.ok(&["staff", "list"]);
    let audit_report = office.admin(&["audit", "verify"]);
    assert!(!audit_report.contains("BROKEN"), "{audit_report}");
    assert!(audit_report.contains(&north_site.to_string()), "North's chain is checked");

    // 4. South takes on a North patient who was edited, while another South desk is behind.
    north.ok(&["patient", "edit", &north_patient, "--given", "Inga"]);
    north.ok(&["patient", "edit", &north_patient, "--family", "Halvorsen-Berg"]);
    north.ok(&["sync", "now"]);
    south.ok_as("boss", &["sync", "take-on", &north_patient]);
    behind.ok(&["sync", "now"]);
    let office_south = office.admin(&["dump", "--clinic", "South"]);
    assert_eq!(south.ok_as("boss", &["dump"]), office_south, "the desk that took the patient on");
    assert_eq!(behind.ok_as("boss", &["dump"]), office_south, "the desk that was behind");
    assert!(office_south.contains("Halvorsen-Berg") && office_south.contains("Recently bereaved"));
    let status: Value = serde_json::from_str(&behind.ok(&["sync", "status", "--json"])).expect("json");
    assert_eq!(status["quarantined"], 0, "nothing from head office was set aside");

    // 5. A clinic's messaging set-up is its managers' own. North's admin writes a reminder
    // text; South's stolen desk can neither change it nor pass off its own as made by someone
    // who is not a South manager, nor send a text head office could not render.
    north.ok(&[
        "template",
        "set",
        "reminder",
        "--channel",
        "sms",
        "--lang",
        "en",
        "--text",
        "{clinic}: see you {date} at {time}. Reply C to confirm.",
    ]);
    north.ok(&["sync", "now"]);
    let north_now: Value = serde_json::from_str(&office.admin(&["dump", "--clinic", "North"])).expect("json");
    let north_template = first_key(&north_now, "template", |t| t["kind"] == "reminder");
    let south_boss = first_key(&north_now, "staff", |s| s["login"] == "boss");
    let now = rapport_server::now_ms();
    let template = |set_by: &str, body: &str| {
        mallory.new_record(
            Entity::Template,
            &Uuid::new_v4().to_string(),
            json!({"kind": "recall", "channel": "sms", "language": "en", "body": body, "set_by": set_by, "updated_at": now}),
        )
    };
    let own_template = template(&south_boss, "{clinic}: time for your check-up, {patient}.");
    let own_record = own_template.record.clone();
    let receptionist = Uuid::new_v4().to_string();
    let codes = mallory.push(vec![
        mallory.change(Entity::Template, &north_template, json!({"body": "Hacked {link}", "set_by": south_boss, "updated_at": now})),
        template(&north_admin, "{clinic}: time for your check-up."),
        template(&south_boss, "Your number is {ssn}"),
        own_template,
        mallory.new_record(Entity::Staff, &receptionist, staff_fields("mallory.desk", "front-desk")),
        mallory.change(Entity::Template, &own_record, json!({"body": "{clinic}: by a receptionist", "set_by": receptionist, "updated_at": now})),
        mallory.new_record(
            Entity::MessagingSettings,
            &Uuid::new_v4().to_string(),
            json!({"reminder_hours": 24, "hold_minutes": 5, "quiet_hours": "{\"start\":\"21:00:00\",\"end\":\"08:00:00\"}",
                   "timezone": "Mars/Olympus", "birthday_hour": 10, "birthday_offer": 0, "weekly_cap": 2, "language": "en",
                   "set_by": south_boss, "updated_at": now}),
        ),
    ]);
    let codes: Vec<Option<&str>> = codes.iter().map(Option::as_deref).collect();
    assert_eq!(
        codes,
        [
            Some("other_clinic"),
            Some("needs_manager"),
            Some("invalid_value"),
            None,
            None,
            Some("needs_manager"),
            Some("invalid_value")
        ]
    );
    let north_after: Value = serde_json::from_str(&office.admin(&["dump", "--clinic", "North"])).expect("json");
    assert_eq!(north_after["template"], north_now["template"], "North's template is untouched");
    assert!(!office.admin(&["dump", "--clinic", "North"]).contains(&own_record), "South's template stays South's");
    south.ok(&["sync", "now"]);
    let south_templates = south.ok_as("boss", &["template", "list"]);
    assert!(south_templates.contains("time for your check-up"), "South's desks receive South's own template");
    assert!(!south_templates.contains("see you"), "and never North's");

    // Head office logged each refusal by code, without a word of patient data.
    office.kill();
    let log = std::fs::read_to_string(dir.join("office.log")).expect("office log");
    for code in ["other_clinic", "needs_head_office", "wrong_site", "invalid_value", "other_chain", "needs_manager"] {
        assert!(log.contains(code), "head office logged no {code} refusal");
    }
    for word in ["Hacked", "Mallory", "Halvorsen", "Ingrid", "bereaved", "superuser", "\u{1b}"] {
        assert!(!log.contains(word), "head office's log holds patient data or the attacker's values");
    }
}

#[test]
fn a_stolen_desk_of_one_clinic_cannot_harm_another_on_sqlite() {
    scenario(None);
}

#[test]
fn a_stolen_desk_of_one_clinic_cannot_harm_another_on_postgres() {
    scenario(Some(postgres_database("rapport_hostile")));
}
