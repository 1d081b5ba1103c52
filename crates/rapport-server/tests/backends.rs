//! Head office's rules, run against both backends: the embedded SQLite file and a real
//! PostgreSQL (`cargo xtask test` starts one and sets `RAPPORT_TEST_POSTGRES`).

use std::collections::BTreeMap;
use std::sync::Arc;

use rapport_model::sync::{
    Change, EnrollRequest, Entity, PullRequest, PushRequest, SCHEMA_VERSION, Version, hlc_from_ms,
};
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
    /// Adds a clinic and enrolls its first device.
    fn clinic(&self, name: &str) -> Device {
        let b = &self.backend;
        b.tx(|db| office::add_clinic(db, name, NOW)).expect("clinic");
        self.device(name).0
    }

    fn device(&self, clinic: &str) -> (Device, String) {
        let b = &self.backend;
        let code = b.tx(|db| office::new_enroll_code(db, clinic, NOW)).expect("code");
        let req = EnrollRequest { code, site: Uuid::new_v4(), device_name: "desk".into() };
        let r = b.tx(|db| office::enroll(db, &req, NOW)).expect("enroll");
        (b.tx(|db| office::authenticate(db, Some(&r.token), NOW)).expect("token"), r.token)
    }

    fn push(&self, d: &Device, changes: &[Change]) -> Result<rapport_model::sync::PushResponse, OfficeError> {
        let changes = changes.to_vec();
        self.backend.tx(|db| office::ingest(db, d, &PushRequest { changes, mark: None }, NOW))
    }

    /// Pushes changes that must all be stored.
    fn stored(&self, d: &Device, changes: &[Change]) -> rapport_model::sync::PushResponse {
        let r = self.push(d, changes).expect("push");
        for ack in &r.acks {
            assert!(ack.refused.is_none(), "refused: {:?}", ack.refused);
        }
        r
    }

    /// Pushes one change that must be refused, and returns the refusal's code.
    fn refused(&self, d: &Device, c: Change) -> String {
        let seq = self.seq();
        let r = self.push(d, &[c]).expect("push");
        assert_eq!(self.seq(), seq, "a refused change stores nothing");
        r.acks[0].refused.clone().expect("refused").code.to_string()
    }

    fn pull_all(&self, d: &Device) -> Vec<Change> {
        let mut out = Vec::new();
        let mut cursor = 0;
        loop {
            let page = self
                .backend
                .tx(|db| {
                    office::pull(
                        db,
                        d,
                        PullRequest { cursor, limit: 2, mark: None, schema: rapport_model::sync::SCHEMA_VERSION },
                    )
                })
                .expect("pull");
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

    /// The dashboard's page of a clinic over `[from, to)`.
    fn clinic_figures(&self, clinic: &str, from: i64, to: i64) -> office::figures::ClinicPage {
        self.backend
            .tx(|db| {
                let id = db.query_one("SELECT id FROM clinic WHERE name = $1", &[clinic.into()])?;
                let id = id.and_then(|r| r[0].text().and_then(|t| t.parse().ok())).expect("clinic id");
                office::figures::clinic(db, id, from, to, NOW)
            })
            .expect("figures")
            .expect("the clinic's page")
    }

    fn seq(&self) -> i64 {
        self.backend
            .tx(|db| Ok::<_, OfficeError>(db.query_one("SELECT seq FROM head_office", &[])?))
            .expect("head")
            .and_then(|r| r[0].int())
            .expect("seq")
    }
}

fn change(entity: Entity, record: Uuid, at: Version, fields: Value) -> Change {
    let fields: BTreeMap<String, Value> =
        fields.as_object().expect("object").iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    Change {
        id: Uuid::new_v4(),
        entity,
        record: record.to_string(),
        version: at,
        fields,
        versions: BTreeMap::new(),
        base: BTreeMap::new(),
        schema: SCHEMA_VERSION,
        replay: false,
        seq: None,
    }
}

/// A change that makes a new record: the fields given, every other one empty.
fn new_record(entity: Entity, record: Uuid, at: Version, fields: Value) -> Change {
    let mut c = change(entity, record, at, fields);
    rapport_model::schema::fill_empty(entity, &mut c.fields);
    c
}

/// A version of `d`'s, `ms` after the test's "now".
fn v(ms: i64, d: &Device) -> Version {
    Version { hlc: hlc_from_ms(NOW + ms), site: d.site }
}

fn new_patient(id: Uuid, at: Version) -> Change {
    let record_no = format!("R-{}", &id.simple().to_string()[..6]);
    new_record(
        Entity::Patient,
        id,
        at,
        json!({"given": "Ada", "family": "Quill", "record_no": record_no, "created_at": NOW, "updated_at": NOW}),
    )
}

const HASH: &str = "$argon2id$v=19$m=65536,t=3,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA";

fn new_staff(id: Uuid, login: &str, role: &str, at: Version) -> Change {
    new_record(
        Entity::Staff,
        id,
        at,
        json!({"login": login, "display_name": "Dr Who", "role": role, "password_hash": HASH, "active": 1, "created_at": NOW}),
    )
}

fn appointment(id: Uuid, patient: Uuid, doctor: Uuid, starts: i64, at: Version) -> Change {
    new_record(
        Entity::Appointment,
        id,
        at,
        json!({"patient_id": patient.to_string(), "doctor": doctor.to_string(), "starts_at": starts, "minutes": 15,
               "status": "booked", "booked_by": doctor.to_string(), "booked_at": NOW}),
    )
}

fn pointer(id: Uuid, patient: Uuid, author: Uuid, at: Version) -> Change {
    new_record(
        Entity::Pointer,
        id,
        at,
        json!({"patient_id": patient.to_string(), "kind": "travel", "text": "Back from Goa", "author": author.to_string(),
               "author_role": "front-desk", "clinic": "North", "source": "call", "created_at": NOW}),
    )
}

fn refusal(e: OfficeError) -> (u16, &'static str) {
    match e {
        OfficeError::Refused(r) => (r.status, r.code.as_str()),
        OfficeError::Db(e) => panic!("storage failed: {e}"),
    }
}

/// Plans the messages due at `at` (ms).
fn plan(o: &Office, at: i64) -> office::PlanReport {
    let config = office::OutreachConfig { public_url: Some("https://ho.example".into()), default_zone: chrono_tz::UTC };
    o.backend.tx(|db| office::plan_messages(db, at, &config)).expect("plan")
}

/// One outbox row, as the tests look at it.
#[derive(Debug, Clone)]
struct Outgoing {
    patient: String,
    status: String,
    reason: Option<String>,
    body: Option<String>,
    send_after: i64,
    kind: String,
    id: String,
}

fn outbox(o: &Office) -> Vec<Outgoing> {
    let found = o
        .backend
        .tx(|db| {
            Ok::<_, OfficeError>(db.query(
                "SELECT patient_id, status, reason, body, send_after, kind, id FROM message ORDER BY send_after, patient_id",
                &[],
            )?)
        })
        .expect("outbox");
    found
        .into_iter()
        .map(|r| {
            let t = |i: usize| r[i].text().map(str::to_owned);
            Outgoing {
                patient: t(0).expect("patient"),
                status: t(1).expect("status"),
                reason: t(2),
                body: t(3),
                send_after: r[4].int().expect("time"),
                kind: t(5).expect("kind"),
                id: t(6).expect("id"),
            }
        })
        .collect()
}

fn a_booking_for_tomorrow_gets_one_reminder_in_the_clinics_words_and_hours(o: Office) {
    let desk = o.clinic("North");
    let (doctor, manager) = (Uuid::new_v4(), Uuid::new_v4());
    o.stored(
        &desk,
        &[new_staff(doctor, "dr.who", "clinician", v(0, &desk)), new_staff(manager, "mgr", "manager", v(0, &desk))],
    );
    o.stored(
        &desk,
        &[
            new_record(
                Entity::MessagingSettings,
                Uuid::new_v4(),
                v(1, &desk),
                json!({"reminder_hours": 24, "hold_minutes": 5, "quiet_hours": "{\"start\":\"21:00:00\",\"end\":\"08:00:00\"}",
                       "timezone": "Asia/Kolkata", "birthday_hour": 10, "birthday_offer": 0, "weekly_cap": 2,
                       "language": "en", "set_by": manager.to_string(), "updated_at": NOW}),
            ),
            new_record(
                Entity::Template,
                Uuid::new_v4(),
                v(1, &desk),
                json!({"kind": "reminder", "channel": "sms", "language": "en", "set_by": manager.to_string(),
                       "body": "{clinic}: {patient}, see you {date} at {time} with {doctor}.", "updated_at": NOW}),
            ),
        ],
    );
    // NOW is 2026-11-18 16:36 in Kolkata.
    let ist = |d: u32, h: u32, m: u32| {
        chrono::TimeZone::with_ymd_and_hms(&chrono_tz::Asia::Kolkata, 2026, 11, d, h, m, 0)
            .single()
            .expect("time")
            .timestamp_millis()
    };
    let patient = |id: Uuid, consent: &str, birth: Option<&str>, at: i64| {
        let mut c = new_patient(id, v(at, &desk));
        c.fields.insert("preferred".into(), json!("Ash"));
        c.fields.insert("phones".into(), json!("[\"+91 98450 12345\"]"));
        c.fields.insert("consent".into(), json!(consent));
        c.fields.insert("birth_date".into(), json!(birth));
        c
    };
    let sms = r#"{"sms": true}"#;
    let [a, b, c, d, e, f, g] = std::array::from_fn(|_| Uuid::new_v4());
    let mut confirmed = appointment(Uuid::new_v4(), d, doctor, ist(19, 12, 0), v(4, &desk));
    confirmed.fields.insert("status".into(), json!("confirmed"));
    o.stored(
        &desk,
        &[
            patient(a, sms, None, 2),
            patient(b, sms, None, 2),
            patient(c, "{}", None, 2),
            patient(d, sms, None, 2),
            patient(e, sms, Some("1980-11-18"), 2),
            patient(f, sms, Some("1975-11-18"), 2),
            patient(g, r#"{"phone": true}"#, None, 2),
            appointment(Uuid::new_v4(), a, doctor, ist(19, 10, 30), v(3, &desk)),
            appointment(Uuid::new_v4(), b, doctor, ist(20, 7, 30), v(3, &desk)),
            appointment(Uuid::new_v4(), c, doctor, ist(19, 11, 0), v(3, &desk)),
            confirmed,
            appointment(Uuid::new_v4(), g, doctor, ist(19, 12, 30), v(3, &desk)),
        ],
    );
    let mut grief = pointer(Uuid::new_v4(), f, manager, v(5, &desk));
    grief.fields.insert("kind".into(), json!("avoid-topic"));
    grief.fields.insert("text".into(), json!("Husband died last month"));
    o.stored(&desk, &[grief]);

    // Just booked: the five-minute hold keeps every reminder back; the greetings go.
    assert_eq!(plan(&o, NOW), office::PlanReport { queued: 1, calls: 0, skipped: 1 });
    let after_hold = NOW + 6 * 60_000;
    assert_eq!(plan(&o, after_hold), office::PlanReport { queued: 1, calls: 1, skipped: 1 });
    assert_eq!(plan(&o, after_hold), office::PlanReport::default(), "planning again makes nothing new");
    let rows = outbox(&o);
    let row = |p: Uuid, kind: &str| rows.iter().find(|r| r.patient == p.to_string() && r.kind == kind).cloned();
    let reminder = row(a, "reminder").expect("A's reminder");
    assert_eq!(reminder.status, "queued");
    assert_eq!(reminder.body.as_deref(), Some("North: Ash, see you Thu 19 Nov at 10:30 with Dr Who."));
    assert_eq!(row(c, "reminder").map(|r| (r.status, r.reason)), Some(("skipped".into(), Some("no-consent".into()))));
    assert_eq!(row(g, "reminder").map(|r| r.status), Some("call".into()), "a patient who takes calls only");
    assert!(row(d, "reminder").is_none(), "a confirmed visit needs no reminder");
    assert!(row(b, "reminder").is_none(), "not due yet");
    let birthday = row(e, "birthday").expect("E's greeting");
    assert_eq!(birthday.status, "queued");
    assert!(birthday.body.as_deref().is_some_and(|t| t.contains("Happy birthday, Ash") && t.contains("North")));
    assert_eq!(row(f, "birthday").map(|r| (r.status, r.reason)), Some(("skipped".into(), Some("avoid-topic".into()))));

    // C agrees to texts: the held-back reminder goes after all, still once.
    o.stored(&desk, &[change(Entity::Patient, c, v(10, &desk), json!({"consent": sms}))]);
    assert_eq!(plan(&o, after_hold + 60_000), office::PlanReport { queued: 1, calls: 0, skipped: 0 });
    let c_rows: Vec<_> = outbox(&o).into_iter().filter(|r| r.patient == c.to_string()).collect();
    assert_eq!(c_rows.len(), 1, "one row for the occasion");
    assert_eq!(c_rows[0].status, "queued");

    // H missed this afternoon's visit: the follow-up message goes (once), beside the desk's task.
    let (h, missed) = (Uuid::new_v4(), Uuid::new_v4());
    o.stored(&desk, &[patient(h, sms, None, 11), appointment(missed, h, doctor, ist(18, 15, 0), v(12, &desk))]);
    let no_show = json!({"status": "no-show", "no_show_at": NOW + 60_000});
    o.stored(&desk, &[change(Entity::Appointment, missed, v(13, &desk), no_show)]);
    let at = after_hold + 120_000;
    assert_eq!(plan(&o, at), office::PlanReport { queued: 1, calls: 0, skipped: 0 });
    assert_eq!(plan(&o, at + 60_000), office::PlanReport::default());
    let h_rows: Vec<_> = outbox(&o).into_iter().filter(|r| r.patient == h.to_string()).collect();
    assert_eq!(h_rows.len(), 1);
    assert_eq!(h_rows[0].kind, "no-show");
    assert_eq!(
        h_rows[0].body.as_deref(),
        Some("North: Ash, we missed you today. Reply R and we will call you to find a new time.")
    );

    // Everything due goes out; then a "C" from the number comes back. Texts went to several
    // patients on that one phone (a family's): nobody's visit is confirmed on a guess. STOP
    // turns texts off for each of them.
    let sent_at = at + 120_000;
    let claimed = o.backend.tx(|db| office::claim_due(db, sent_at, "w", "sms", 50)).expect("claim");
    assert!(claimed.len() >= 3, "{} sent", claimed.len());
    for m in &claimed {
        o.backend
            .tx(|db| office::record_attempt(db, &m.id, "w", &office::Attempt::Accepted(None), sent_at))
            .expect("sent");
    }
    let reply = o.backend.tx(|db| office::inbound_reply(db, "0091-98450-12345", "c", sent_at + 1000)).expect("reply");
    assert_eq!(
        (reply.meaning, reply.matched),
        (rapport_model::outreach::ReplyMeaning::Unclear, true),
        "left for staff"
    );
    let appointments = o.dump("North")["appointment"].clone();
    let confirmed_now =
        appointments.as_object().expect("appointments").values().filter(|a| a["status"] == "confirmed").count();
    assert_eq!(confirmed_now, 1, "only D's visit, confirmed at the desk before");
    let unclear = o.backend.tx(|db| {
        Ok::<_, OfficeError>(db.query_one("SELECT reply, reply_meaning FROM message WHERE reply IS NOT NULL", &[])?)
    });
    let unclear = unclear.expect("reply").expect("a reply");
    assert_eq!((unclear[0].text(), unclear[1].text()), (Some("c"), Some("unclear")), "staff read a shared phone's C");
    o.backend.tx(|db| office::inbound_reply(db, "+91 98450 12345", "STOP", sent_at + 2000)).expect("stop");
    let patients = o.dump("North")["patient"].clone();
    for p in [a, c, e] {
        let consent = patients[p.to_string()]["consent"].as_str().expect("consent").to_owned();
        assert!(consent.contains("\"sms\":false"), "{p}: {consent}");
    }

    // What happened reaches the clinic's desks as head office's own records: each message with
    // its status, and the "C" it could not act on alone left for staff to read. Mirroring again
    // writes nothing new; a desk cannot write one.
    let before = o.seq();
    let mirrored = o.backend.tx(|db| office::mirror_messages(db, sent_at + 3000, 500)).expect("mirror");
    assert_eq!(mirrored, outbox(&o).len(), "every outbox row, once");
    assert!(o.seq() > before);
    let at_desk = o.dump("North")["message"].clone();
    let at_desk = at_desk.as_object().expect("messages");
    assert_eq!(at_desk.len(), mirrored);
    let replied: Vec<_> = at_desk.values().filter(|m| m["reply"] == "STOP").collect();
    assert_eq!(replied.len(), 1, "the newest reply is on the message it answered");
    assert_eq!(replied[0]["reply_meaning"], "stop");
    assert_eq!(at_desk[&reminder.id]["status"], "sent");
    let skipped = at_desk.values().find(|m| m["patient_id"] == f.to_string()).expect("F's greeting");
    assert_eq!((&skipped["status"], &skipped["reason"]), (&json!("skipped"), &json!("avoid-topic")));
    o.clinic("South");
    assert!(o.dump("South").get("message").is_none_or(|m| m.as_object().is_none_or(|m| m.is_empty())), "North's only");
    let seq = o.seq();
    assert_eq!(o.backend.tx(|db| office::mirror_messages(db, sent_at + 4000, 500)).expect("again"), 0);
    assert_eq!(o.seq(), seq, "nothing changed, nothing logged");
    // A desk of an older Rapport, which would not read these kinds, is not sent them.
    let older = PullRequest { cursor: 0, limit: 5000, mark: None, schema: 1 };
    let page = o.backend.tx(|db| office::pull(db, &desk, older)).expect("pull");
    assert!(!page.changes.is_empty() && page.changes.iter().all(|c| c.entity.since() == 1));
    let newer = PullRequest { schema: rapport_model::sync::SCHEMA_VERSION, ..older };
    let page = o.backend.tx(|db| office::pull(db, &desk, newer)).expect("pull");
    assert!(page.changes.iter().any(|c| c.entity == Entity::Message));
    let forged =
        change(Entity::Message, reminder.id.parse().expect("id"), v(30, &desk), json!({"status": "delivered"}));
    assert_eq!(o.refused(&desk, forged), "needs_head_office");

    // B's reminder falls due at 07:30 in Kolkata, inside the quiet hours: it waits for 08:00.
    assert_eq!(plan(&o, ist(19, 7, 35)), office::PlanReport { queued: 1, calls: 0, skipped: 0 });
    let b_row = outbox(&o).into_iter().find(|r| r.patient == b.to_string()).expect("B's reminder");
    assert_eq!((b_row.status.as_str(), b_row.send_after), ("queued", ist(19, 8, 0)));

    // A recall rule: diabetes every 3 months. R was registered half a year ago and never seen;
    // T was seen last month; U is booked in already. R's recall goes at the greeting hour.
    let rule = json!({"tag": "Diabetes", "every_months": 3, "set_by": manager.to_string(), "updated_at": NOW});
    o.stored(&desk, &[new_record(Entity::RecallRule, Uuid::new_v4(), v(20, &desk), rule)]);
    let [r, t, u] = std::array::from_fn(|_| Uuid::new_v4());
    let tagged = |id: Uuid| {
        let mut p = patient(id, sms, None, 21);
        p.fields.insert("conditions".into(), json!("[\"diabetes\"]"));
        p.fields.insert("created_at".into(), json!(NOW - 180 * 86_400_000));
        p
    };
    let mut seen = appointment(Uuid::new_v4(), t, doctor, NOW - 30 * 86_400_000, v(22, &desk));
    seen.fields.insert("status".into(), json!("done"));
    o.stored(
        &desk,
        &[tagged(r), tagged(t), tagged(u), seen, appointment(Uuid::new_v4(), u, doctor, ist(25, 9, 0), v(22, &desk))],
    );
    assert_eq!(plan(&o, ist(19, 9, 0)), office::PlanReport::default(), "before the greeting hour");
    assert_eq!(plan(&o, ist(19, 10, 5)), office::PlanReport { queued: 1, calls: 0, skipped: 0 });
    let recalls: Vec<_> = outbox(&o).into_iter().filter(|m| m.kind == "recall").collect();
    assert_eq!(recalls.iter().map(|m| m.patient.clone()).collect::<Vec<_>>(), vec![r.to_string()]);
    assert_eq!(
        recalls[0].body.as_deref(),
        Some("North: Ash, it is time for your regular check-up. Reply R and we will call you to book.")
    );
    assert_eq!(plan(&o, ist(19, 11, 0)), office::PlanReport::default(), "once");
}

fn the_outbox_claims_each_message_once_and_never_resends_blindly(o: Office) {
    // Migration 6 brought the first form of migration 4 up to date (the columns the outbox
    // reads are there), and asking again finds them.
    let columns = o
        .backend
        .tx(|db| {
            Ok::<_, OfficeError>((
                db.has_column("message", "recipient_key")?,
                db.has_column("message", "visit_label")?,
                db.has_column("message", "no_such_column")?,
            ))
        })
        .expect("columns");
    assert_eq!(columns, (true, true, false));
    let desk = o.clinic("North");
    let clinic = desk.clinic;
    // A patient who takes texts at +1 000 000 0000 (a message to a patient who no longer can
    // be reached that way would be cancelled before sending).
    let patient = Uuid::new_v4();
    let mut registration = new_patient(patient, v(0, &desk));
    registration.fields.insert("phones".into(), json!("[\"+1 000 000 0000\"]"));
    registration.fields.insert("consent".into(), json!(r#"{"sms": true}"#));
    o.stored(&desk, &[registration]);
    let ids: Vec<String> = (0..3).map(|_| Uuid::new_v4().to_string()).collect();
    for (n, id) in ids.iter().enumerate() {
        o.backend
            .tx(|db| {
                db.exec(
                    "INSERT INTO message (id, occasion, clinic_id, patient_id, kind, channel, recipient, body, status,
                         send_after, attempts, token, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, 'birthday', 'sms', '+10000000000', 'Hello', 'queued', $5, 0, $6, $5, $5)",
                    &[
                        id.as_str().into(),
                        format!("test/{n}").into(),
                        clinic.to_string().into(),
                        patient.to_string().into(),
                        (NOW - 1000 + n as i64).into(),
                        format!("token-{n}").into(),
                    ],
                )
            })
            .expect("queued");
    }
    let claim = |at: i64, who: &str, n: i64| {
        o.backend
            .tx(|db| office::claim_due(db, at, who, "sms", n))
            .expect("claim")
            .into_iter()
            .map(|c| c.id)
            .collect::<Vec<_>>()
    };
    let record = |id: &str, who: &str, attempt: office::Attempt, at: i64| {
        o.backend.tx(|db| office::record_attempt(db, id, who, &attempt, at)).expect("record");
    };
    let status = |id: &str| -> String {
        o.backend
            .tx(|db| Ok::<_, OfficeError>(db.query_one("SELECT status FROM message WHERE id = $1", &[id.into()])?))
            .expect("status")
            .and_then(|r| r[0].text().map(str::to_owned))
            .expect("row")
    };
    // Two processes: each message goes to one of them.
    let first = claim(NOW, "a", 2);
    let second = claim(NOW, "b", 10);
    assert_eq!((first.len(), second.len()), (2, 1));
    assert!(first.iter().all(|id| !second.contains(id)), "a message claimed twice");
    assert!(claim(NOW, "c", 10).is_empty(), "nothing left to claim");
    record(&first[0], "a", office::Attempt::Accepted(Some("ref-1".into())), NOW);
    assert_eq!(status(&first[0]), "sent");
    // The gateway was away: tried again after a back-off, not at once.
    record(&first[1], "a", office::Attempt::Retry("away".into()), NOW);
    assert!(claim(NOW + 1000, "c", 10).is_empty(), "backing off");
    // Process b died holding its claim: after the lease the message is uncertain, never resent.
    let later = NOW + office::CLAIM_LEASE_MS + 1;
    let again = claim(later, "c", 10);
    assert_eq!(again, vec![first[1].clone()], "only the backed-off one comes back");
    assert_eq!(status(&second[0]), "uncertain");
    // After the last attempt a message fails for good.
    // The process whose claim lapsed cannot settle it with a retry (it is another's now).
    record(&second[0], "b", office::Attempt::Retry("away".into()), later);
    assert_eq!(status(&second[0]), "uncertain");
    record(&again[0], "c", office::Attempt::Retry("away".into()), later);
    let mut at = later;
    for _ in 2..office::MAX_ATTEMPTS {
        at += 3_600_000;
        let got = claim(at, "c", 10);
        assert_eq!(got.len(), 1);
        record(&got[0], "c", office::Attempt::Retry("away".into()), at);
    }
    assert_eq!(status(&first[1]), "failed");
    assert!(claim(at + 86_400_000, "c", 10).is_empty());
    // The clinic's desks hear of the message to check; a message waiting long past its time
    // (no process sends: a gateway gone) shows as late. Another clinic hears nothing.
    let health = o.backend.tx(|db| office::outbox_health(db, clinic, at)).expect("health");
    assert_eq!((health.uncertain, health.late_minutes), (1, None));
    assert_eq!(health.words().as_deref(), Some("1 message(s) to check"));
    o.backend
        .tx(|db| {
            db.exec(
                "INSERT INTO message (id, occasion, clinic_id, patient_id, kind, channel, recipient, body, status,
                     send_after, attempts, token, created_at, updated_at)
                 VALUES ($1, 'test/late', $2, $3, 'birthday', 'sms', '+10000000000', 'Hello', 'queued', $4, 0, 'late', $4, $4)",
                &[Uuid::new_v4().to_string().into(), clinic.to_string().into(), patient.to_string().into(), (at - 40 * 60_000).into()],
            )
        })
        .expect("a late message");
    let health = o.backend.tx(|db| office::outbox_health(db, clinic, at)).expect("health");
    assert_eq!(health.late_minutes, Some(40));
    assert!(health.words().is_some_and(|w| w.contains("messages 40 min late")));
    let other = o.clinic("South").clinic;
    assert_eq!(o.backend.tx(|db| office::outbox_health(db, other, at)).expect("health"), Default::default());
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
    a_bad_change_is_refused_alone_and_the_rest_of_its_batch_is_stored,
    staff_belong_to_their_home_clinic_and_admins_are_made_at_head_office,
    a_device_writes_only_with_its_own_site_and_its_own_audit_chain,
    taking_on_an_edited_patient_sends_each_record_whole,
    search_finds_patients_by_the_start_of_their_words,
    a_version_2_database_moves_its_search_words_to_the_index,
    a_booking_for_tomorrow_gets_one_reminder_in_the_clinics_words_and_hours,
    the_outbox_claims_each_message_once_and_never_resends_blindly,
    the_dashboards_visit_figures_follow_every_change_of_a_visit,
    a_merge_needs_both_patients_held_stays_as_made_and_reaches_the_other_record_s_clinics,
    a_patient_merged_from_two_records_is_greeted_once,
    an_unknown_dashboard_login_is_answered_and_locked_out_as_a_known_one,
);

/// Seven wrong passwords for a head-office user and for a login nobody has: the same answers,
/// try by try (the lockout included), and the same writes.
fn an_unknown_dashboard_login_is_answered_and_locked_out_as_a_known_one(o: Office) {
    o.backend
        .tx(|db| office::add_user(db, "watcher", office::OfficeRole::Viewer, "watcher-password-99", NOW))
        .expect("user");
    let tries = |login: &str| -> Vec<office::SignIn> {
        (0..7)
            .map(|i| o.backend.tx(|db| office::sign_in(db, login, "guess-guess", NOW + i)).expect("sign in"))
            .collect()
    };
    let audited = || o.backend.tx(|db| office::audit_log(db, 1000)).expect("log").len();
    let before = audited();
    let known = tries("watcher");
    let per_login = audited() - before;
    assert_eq!(known, tries("nobody.at.all"));
    assert_eq!(audited() - before, 2 * per_login, "the same writes");
    assert!(matches!(known[4], office::SignIn::Locked { .. }) && matches!(known[6], office::SignIn::Locked { .. }));
    let log = o.backend.tx(|db| office::audit_log(db, 1000)).expect("log");
    assert!(!log.iter().any(|r| r.login == "nobody.at.all"), "an unknown login is not written down");
}

/// Head office greets, recalls and counts a patient under the kept record only.
fn a_patient_merged_from_two_records_is_greeted_once(o: Office) {
    let desk = o.clinic("North");
    let manager = Uuid::new_v4();
    o.stored(&desk, &[new_staff(manager, "mgr", "manager", v(0, &desk))]);
    o.stored(
        &desk,
        &[new_record(
            Entity::MessagingSettings,
            Uuid::new_v4(),
            v(1, &desk),
            json!({"reminder_hours": 24, "hold_minutes": 0, "quiet_hours": "{\"start\":\"21:00:00\",\"end\":\"08:00:00\"}",
                   "timezone": "Asia/Kolkata", "birthday_hour": 10, "birthday_offer": 0, "weekly_cap": 2,
                   "language": "en", "set_by": manager.to_string(), "updated_at": NOW}),
        )],
    );
    // NOW is 2026-11-18 16:36 in Kolkata: both records have their birthday today.
    let [keep, other] = std::array::from_fn(|_| Uuid::new_v4());
    let record = |id: Uuid, at: i64| {
        let mut c = new_patient(id, v(at, &desk));
        c.fields.insert("phones".into(), json!("[\"+91 98450 12345\"]"));
        c.fields.insert("consent".into(), json!(r#"{"sms": true}"#));
        c.fields.insert("birth_date".into(), json!("1990-11-18"));
        c
    };
    o.stored(&desk, &[record(keep, 2), record(other, 3), merge(Uuid::new_v4(), other, keep, manager, v(4, &desk))]);
    plan(&o, NOW + 60_000);
    let greeted: Vec<String> = outbox(&o).into_iter().filter(|r| r.kind == "birthday").map(|r| r.patient).collect();
    assert_eq!(greeted, vec![keep.to_string()], "one greeting, to the kept record");
}

fn merge(id: Uuid, other: Uuid, keep: Uuid, by: Uuid, at: Version) -> Change {
    new_record(
        Entity::PatientMerge,
        id,
        at,
        json!({"patient_id": other.to_string(), "keep": keep.to_string(), "changes": "{}", "by_staff": by.to_string(), "at": NOW}),
    )
}

/// What a desk of another clinic, or a hostile one, may not do with a merge; and a clinic that
/// holds only the merged-away record is given the kept one with the merge.
fn a_merge_needs_both_patients_held_stays_as_made_and_reaches_the_other_record_s_clinics(o: Office) {
    let north = o.clinic("North");
    let south = o.clinic("South");
    let (keep, other, staff, south_staff) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    o.stored(&north, &[new_staff(staff, "north.admin", "admin", v(0, &north))]);
    o.stored(&south, &[new_staff(south_staff, "south.admin", "admin", v(0, &south))]);
    o.stored(&north, &[new_patient(keep, v(1, &north)), new_patient(other, v(2, &north))]);
    // South takes on the record that will be merged away, not the kept one.
    o.backend.tx(|db| office::take_on(db, &south, other, NOW)).expect("take on");

    let own = Uuid::new_v4();
    o.stored(&south, &[new_patient(own, v(3, &south))]);
    assert_eq!(o.refused(&south, merge(Uuid::new_v4(), other, keep, south_staff, v(4, &south))), "other_clinic");
    assert_eq!(o.refused(&south, merge(Uuid::new_v4(), own, own, south_staff, v(4, &south))), "invalid_value");
    assert_eq!(o.refused(&north, merge(Uuid::new_v4(), other, Uuid::new_v4(), staff, v(4, &north))), "no_patient");

    let m = Uuid::new_v4();
    o.stored(&north, &[merge(m, other, keep, staff, v(5, &north))]);
    let rewrite = change(Entity::PatientMerge, m, v(6, &north), json!({"keep": other.to_string()}));
    assert_eq!(o.refused(&north, rewrite), "invalid_value", "a merge stays as it was made");
    let south_sees = o.dump("South");
    assert!(south_sees["patient"].get(keep.to_string()).is_some(), "South now holds the kept patient");
    assert!(south_sees["patient_merge"].get(m.to_string()).is_some(), "and the merge");
    let pulled = o.pull_all(&south);
    let at = |record: &str| pulled.iter().position(|c| c.record == record).expect("pulled");
    assert!(at(&keep.to_string()) < at(&m.to_string()), "the kept patient reaches South's desks before the merge");

    // Undone once, undone for good: a later "not undone" loses.
    o.stored(
        &north,
        &[change(Entity::PatientMerge, m, v(7, &north), json!({"undone_at": NOW, "undone_by": staff.to_string()}))],
    );
    o.stored(&north, &[change(Entity::PatientMerge, m, v(8, &north), json!({"undone_at": null, "undone_by": null}))]);
    assert_eq!(o.dump("North")["patient_merge"][m.to_string()]["undone_at"], json!(NOW));
}

fn a_resent_change_is_stored_once_and_answered_the_same(o: Office) {
    let d = o.clinic("North");
    let p = Uuid::new_v4();
    let c = new_patient(p, v(0, &d));
    let first = o.stored(&d, std::slice::from_ref(&c));
    let seq = o.seq();
    let again = o.stored(&d, &[c.clone(), c.clone()]);
    assert_eq!(again.acks[0], first.acks[0]);
    assert_eq!(again.acks[1], first.acks[0]);
    assert_eq!(o.seq(), seq, "nothing new in the log");
    assert_eq!(o.pull_all(&d).len(), 1);
    // Another device cannot claim the change id (and read its answer).
    let (other, _) = o.device("North");
    assert_eq!(o.refused(&other, c), "duplicate_id");
}

fn concurrent_edits_keep_the_loser_in_both_conflict_logs(o: Office) {
    let d1 = o.clinic("North");
    let (d2, _) = o.device("North");
    let p = Uuid::new_v4();
    o.stored(&d1, &[new_patient(p, v(0, &d1))]);
    let base = BTreeMap::from([("given".to_owned(), v(0, &d1))]);
    let mut late = change(Entity::Patient, p, v(2000, &d2), json!({"given": "Adah"}));
    late.base = base.clone();
    let mut early = change(Entity::Patient, p, v(1000, &d1), json!({"given": "Ada-Mae"}));
    early.base = base;
    assert!(o.stored(&d2, &[late]).acks[0].lost.is_empty());
    let ack = o.stored(&d1, &[early]);
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
    o.stored(&d1, &[new_staff(doctor, "dr.who", "clinician", v(0, &d1))]);
    let start = NOW + 86_400_000;
    let (a1, a2) = (Uuid::new_v4(), Uuid::new_v4());
    o.stored(&d1, &[new_patient(p1, v(1, &d1)), appointment(a1, p1, doctor, start, v(2, &d1))]);
    let r = o.stored(&d2, &[new_patient(p2, v(1, &d2)), appointment(a2, p2, doctor, start + 5 * 60_000, v(2, &d2))]);
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
    // A walk-in seen in the booked patient's time holds no slot: it stays, as does the booking.
    let (p3, a3) = (Uuid::new_v4(), Uuid::new_v4());
    let mut walk_in = appointment(a3, p3, doctor, start + 60_000, v(3, &d2));
    walk_in.fields.insert("status".into(), json!("arrived"));
    walk_in.fields.insert("arrived_at".into(), json!(start + 60_000));
    walk_in.fields.insert("walk_in".into(), json!(1));
    let r = o.stored(&d2, &[new_patient(p3, v(3, &d2)), walk_in]);
    assert!(r.acks[1].rejected.is_none(), "a walk-in is not a double booking");
    let dump = o.dump("North");
    assert_eq!(dump["appointment"][a3.to_string()]["status"], json!("arrived"));
    assert_eq!(dump["appointment"][a1.to_string()]["status"], json!("booked"));
}

fn a_clock_too_far_ahead_is_refused_and_the_batch_changes_nothing(o: Office) {
    let d = o.clinic("North");
    let seq = o.seq();
    let fine = new_patient(Uuid::new_v4(), v(0, &d));
    let ahead = new_patient(Uuid::new_v4(), v(3 * 3600 * 1000, &d));
    let (status, code) = refusal(o.push(&d, &[fine, ahead]).expect_err("refused"));
    assert_eq!((status, code), (422, "clock_ahead"));
    assert_eq!(o.seq(), seq);
    assert!(o.pull_all(&d).is_empty());
}

fn a_clinic_cannot_touch_another_clinics_records(o: Office) {
    let north = o.clinic("North");
    let south = o.clinic("South");
    let (p, a, doctor, south_doctor) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    o.stored(&north, &[new_staff(doctor, "dr.north", "clinician", v(0, &north))]);
    o.stored(&north, &[new_patient(p, v(1, &north)), appointment(a, p, doctor, NOW, v(2, &north))]);
    o.stored(&south, &[new_staff(south_doctor, "dr.south", "clinician", v(0, &south))]);
    let seq = o.seq();
    let cancel = change(Entity::Appointment, a, v(5, &south), json!({"status": "cancelled"}));
    assert_eq!(o.refused(&south, cancel), "other_clinic");
    for fields in [json!({"given": "X"}), json!({"deleted_at": NOW}), json!({"phones": "[\"+91 98450 12345\"]"})] {
        assert_eq!(o.refused(&south, change(Entity::Patient, p, v(5, &south), fields)), "other_clinic");
    }
    let pointer = pointer(Uuid::new_v4(), p, south_doctor, v(6, &south));
    assert_eq!(o.refused(&south, pointer), "other_clinic");
    // A booking of South's for North's patient, or with North's doctor (which would cancel North's).
    let own = Uuid::new_v4();
    o.stored(&south, &[new_patient(own, v(7, &south))]);
    assert_eq!(o.refused(&south, appointment(Uuid::new_v4(), p, south_doctor, NOW, v(8, &south))), "other_clinic");
    assert_eq!(o.refused(&south, appointment(Uuid::new_v4(), own, doctor, NOW, v(8, &south))), "other_clinic");
    assert_eq!(o.dump("North")["appointment"][a.to_string()]["status"], json!("booked"));
    // South's manager cannot set the hours of North's doctor, nor put a patient on a waitlist
    // for them.
    let manager = Uuid::new_v4();
    o.stored(&south, &[new_staff(manager, "south.mgr", "manager", v(9, &south))]);
    let week = serde_json::to_string(&rapport_model::schedule::Week::default()).expect("json");
    let hours = new_record(
        Entity::DoctorHours,
        doctor,
        v(10, &south),
        json!({"doctor": doctor.to_string(), "week": week, "slot_minutes": 15, "set_by": manager.to_string(), "updated_at": NOW}),
    );
    assert_eq!(o.refused(&south, hours), "other_clinic");
    let wait = new_record(
        Entity::Waitlist,
        Uuid::new_v4(),
        v(11, &south),
        json!({"patient_id": own.to_string(), "doctor": doctor.to_string(), "minutes": 15,
               "added_by": south_doctor.to_string(), "added_at": NOW}),
    );
    assert_eq!(o.refused(&south, wait), "other_clinic");
    assert!(o.seq() > seq);
    let seen = o.pull_all(&south);
    assert!(seen.iter().all(|c| c.record != p.to_string() && c.record != a.to_string()), "south sees none of north's");
    let north_doctor = seen.iter().find(|c| c.record == doctor.to_string()).expect("in the staff directory");
    assert!(!north_doctor.fields.contains_key("password_hash"), "without the password hash");
}

fn codes_work_once_and_revoked_devices_are_stopped(o: Office) {
    let b = &o.backend;
    b.tx(|db| office::add_clinic(db, "North", NOW)).expect("clinic");
    let code = b.tx(|db| office::new_enroll_code(db, "North", NOW)).expect("code");
    let site = Uuid::new_v4();
    let req = |code: &str, site: Uuid| EnrollRequest { code: code.into(), site, device_name: "desk".into() };
    let r = b.tx(|db| office::enroll(db, &req(&code.to_lowercase(), site), NOW)).expect("enroll, in any case");
    let reuse = b.tx(|db| office::enroll(db, &req(&code, Uuid::new_v4()), NOW)).expect_err("reuse");
    assert_eq!(refusal(reuse), (403, "code_used"));
    let bad = b.tx(|db| office::enroll(db, &req("AAAA-BBBB-CCCC", Uuid::new_v4()), NOW)).expect_err("bad");
    assert_eq!(refusal(bad), (403, "bad_code"));
    let late = b.tx(|db| office::new_enroll_code(db, "North", NOW)).expect("code");
    let week = 8 * 24 * 3600 * 1000;
    let old = b.tx(|db| office::enroll(db, &req(&late, Uuid::new_v4()), NOW + week)).expect_err("old");
    assert_eq!(refusal(old), (403, "code_expired"));
    // A site is one device's while that device is enrolled...
    let code = b.tx(|db| office::new_enroll_code(db, "North", NOW)).expect("code");
    let twin = b.tx(|db| office::enroll(db, &req(&code, site), NOW)).expect_err("site taken");
    assert_eq!(refusal(twin), (409, "site_in_use"));
    assert!(b.tx(|db| office::revoke_device(db, &r.device_id.to_string(), NOW)).expect("revoke"));
    let e = b.tx(|db| office::authenticate(db, Some(&r.token), NOW)).expect_err("revoked");
    assert_eq!(refusal(e), (401, "revoked"));
    assert_eq!(refusal(b.tx(|db| office::authenticate(db, None, NOW)).expect_err("none")), (401, "no_token"));
    // ...and a revoked desk comes back with a new code, keeping its site (and its unsent work),
    // but only to its own clinic.
    b.tx(|db| office::add_clinic(db, "South", NOW)).expect("clinic");
    let south_code = b.tx(|db| office::new_enroll_code(db, "South", NOW)).expect("code");
    let moved = b.tx(|db| office::enroll(db, &req(&south_code, site), NOW)).expect_err("other clinic");
    assert_eq!(refusal(moved), (403, "other_clinic"));
    let again = b.tx(|db| office::enroll(db, &req(&code, site), NOW)).expect("enrolled again");
    assert_eq!(b.tx(|db| office::authenticate(db, Some(&again.token), NOW)).expect("token").site, site);
}

fn pulls_page_by_cursor_and_reach_only_the_clinics_that_hold_the_patient(o: Office) {
    let north = o.clinic("North");
    let south = o.clinic("South");
    let staff = Uuid::new_v4();
    let p = Uuid::new_v4();
    let pointer_id = Uuid::new_v4();
    o.stored(
        &north,
        &[
            new_staff(staff, "dr.who", "clinician", v(0, &north)),
            new_patient(p, v(1, &north)),
            pointer(pointer_id, p, staff, v(2, &north)),
        ],
    );
    assert_eq!(o.pull_all(&north).len(), 3, "pages of two, joined");
    let south_sees = o.pull_all(&south);
    assert!(south_sees.iter().all(|c| c.entity == Entity::Staff), "north's patients stay in north");
    assert!(south_sees.iter().all(|c| !c.fields.contains_key("password_hash")), "and north's password hashes");
    let found = o.backend.tx(|db| office::search(db, "qui ada")).expect("search");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].clinics, vec!["North".to_owned()]);
    let sent = o.backend.tx(|db| office::take_on(db, &south, p, NOW)).expect("take on");
    assert_eq!(sent, 2, "the patient and their pointer are sent again");
    let south_now = o.pull_all(&south);
    assert!(south_now.iter().any(|c| c.record == pointer_id.to_string() && c.replay));
    assert_eq!(o.dump("South")["patient"], o.dump("North")["patient"]);
    // From now on the patient's edits reach both clinics.
    let edit = change(Entity::Patient, p, v(10, &south), json!({"given": "Adela"}));
    o.stored(&south, &[edit]);
    assert!(o.pull_all(&north).iter().any(|c| c.fields.get("given") == Some(&json!("Adela"))));
}

fn a_login_taken_elsewhere_is_renamed_the_same_way_everywhere(o: Office) {
    let north = o.clinic("North");
    let south = o.clinic("South");
    let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
    o.stored(&north, &[new_staff(a, "admin", "admin", v(0, &north))]);
    o.stored(&south, &[new_staff(b, "admin", "admin", v(0, &south))]);
    assert_eq!(o.dump("North")["staff"][a.to_string()]["login"], json!("admin"));
    let renamed = rapport_model::sync::disambiguate("admin", &b.to_string());
    assert_eq!(o.dump("South")["staff"][b.to_string()]["login"], json!(renamed));
}

fn a_bad_change_is_refused_alone_and_the_rest_of_its_batch_is_stored(o: Office) {
    let d = o.clinic("North");
    let (good, doctor) = (Uuid::new_v4(), Uuid::new_v4());
    o.stored(&d, &[new_staff(doctor, "dr.who", "clinician", v(0, &d))]);
    let mut superuser = new_staff(Uuid::new_v4(), "root", "superuser", v(1, &d));
    superuser.fields.insert("role".into(), json!("superuser"));
    let long_booking = {
        let mut a = appointment(Uuid::new_v4(), good, doctor, NOW, v(3, &d));
        a.fields.insert("minutes".into(), json!(1_000_000_000));
        a
    };
    let mut not_uuid = new_patient(Uuid::new_v4(), v(4, &d));
    not_uuid.record = "not-a-uuid".into();
    let mut partial = new_patient(Uuid::new_v4(), v(5, &d));
    partial.fields.remove("family");
    let mut escape = new_patient(Uuid::new_v4(), v(6, &d));
    escape.fields.insert("given".into(), json!("\u{1b}[2JAda"));
    let r =
        o.push(&d, &[superuser, new_patient(good, v(2, &d)), long_booking, not_uuid, partial, escape]).expect("push");
    let codes: Vec<Option<&str>> = r.acks.iter().map(|a| a.refused.as_ref().map(|r| r.code.as_str())).collect();
    assert_eq!(
        codes,
        [
            Some("invalid_value"),
            None,
            Some("invalid_value"),
            Some("invalid_value"),
            Some("missing_field"),
            Some("invalid_value")
        ]
    );
    for ack in &r.acks {
        if let Some(refusal) = &ack.refused {
            assert!(!refusal.message.contains("superuser") && !refusal.message.contains("Ada"), "{refusal:?}");
        }
    }
    let dump = o.dump("North");
    assert_eq!(dump["patient"].as_object().map(serde_json::Map::len), Some(1), "only the good patient is stored");
    assert!(dump["appointment"].as_object().is_some_and(serde_json::Map::is_empty));
    // A made-up author would break every desk's foreign key: refused here.
    assert_eq!(o.refused(&d, pointer(Uuid::new_v4(), good, Uuid::new_v4(), v(8, &d))), "no_such_record");
    // An edit that would leave a patient without a name is refused too.
    let blank = change(Entity::Patient, good, v(9, &d), json!({"given": "", "family": ""}));
    assert_eq!(o.refused(&d, blank), "invalid_value");
}

fn staff_belong_to_their_home_clinic_and_admins_are_made_at_head_office(o: Office) {
    let north = o.clinic("North");
    let south = o.clinic("South");
    let (north_admin, clerk) = (Uuid::new_v4(), Uuid::new_v4());
    o.stored(
        &north,
        &[new_staff(north_admin, "boss", "admin", v(0, &north)), new_staff(clerk, "clerk", "front-desk", v(1, &north))],
    );
    // South cannot change North's accounts, in any field.
    let takeover = change(Entity::Staff, north_admin, v(5, &south), json!({"password_hash": HASH}));
    assert_eq!(o.refused(&south, takeover), "other_clinic");
    // North's own desks cannot make a second admin, new or promoted: head office does that.
    assert_eq!(o.refused(&north, new_staff(Uuid::new_v4(), "boss2", "admin", v(6, &north))), "needs_head_office");
    let promote = change(Entity::Staff, clerk, v(7, &north), json!({"role": "admin"}));
    assert_eq!(o.refused(&north, promote), "needs_head_office");
    // Head office makes one, and North's desks hear of it through their usual pull.
    o.backend.tx(|db| office::make_admin(db, "North", "clerk", NOW)).expect("made admin");
    let promoted = o
        .pull_all(&north)
        .into_iter()
        .any(|c| c.record == clerk.to_string() && c.fields.get("role") == Some(&json!("admin")));
    assert!(promoted);
    assert_eq!(
        refusal(o.backend.tx(|db| office::make_admin(db, "South", "clerk", NOW)).expect_err("other clinic")),
        (404, "no_staff")
    );
    // A clinic's first admin comes from its first desk.
    o.stored(&south, &[new_staff(Uuid::new_v4(), "south.boss", "admin", v(8, &south))]);
    // Password hashes go only to the home clinic's desks; the others know the name.
    let hash = |d: &Device| {
        o.pull_all(d)
            .into_iter()
            .filter(|c| c.record == north_admin.to_string())
            .any(|c| c.fields.contains_key("password_hash"))
    };
    assert!(hash(&north));
    assert!(!hash(&south));
}

fn a_device_writes_only_with_its_own_site_and_its_own_audit_chain(o: Office) {
    let north = o.clinic("North");
    let (other, _) = o.device("North");
    let mut spoofed = new_patient(Uuid::new_v4(), v(0, &north));
    spoofed.version.site = other.site;
    assert_eq!(o.refused(&north, spoofed), "wrong_site");
    let audit = |record: String, at: Version| {
        let mut c = new_record(
            Entity::Audit,
            Uuid::nil(),
            at,
            json!({"at": NOW, "action": "patient.view", "prev_hash": "00".repeat(32), "hash": "11".repeat(32)}),
        );
        c.record = record;
        c
    };
    assert_eq!(o.refused(&north, audit(format!("{}/1", other.site), v(1, &north))), "other_chain");
    assert_eq!(o.refused(&north, audit(format!("{}/x", north.site), v(1, &north))), "other_chain");
    let row = audit(format!("{}/1", north.site), v(1, &north));
    o.stored(&north, std::slice::from_ref(&row));
    // The same audit row again (sent again after a restore) is kept once; another row under
    // its name is refused.
    let seq = o.seq();
    let again = Change { id: Uuid::new_v4(), replay: true, ..row.clone() };
    assert_eq!(o.stored(&north, &[again]).acks[0].seq, 0, "nothing logged");
    assert_eq!(o.seq(), seq);
    let mut rewritten = Change { id: Uuid::new_v4(), ..row };
    rewritten.fields.insert("action".into(), json!("patient.export"));
    assert_eq!(o.refused(&north, rewritten), "audit_rewritten");

    // Per-field versions come only in history sent again, and then only of sites head office
    // knows, none from the future.
    let mut versions_without_replay = new_patient(Uuid::new_v4(), v(2, &north));
    versions_without_replay.versions.insert("given".into(), v(1, &other));
    assert_eq!(o.refused(&north, versions_without_replay), "invalid");
    let mut unknown_site = new_patient(Uuid::new_v4(), v(2, &north));
    unknown_site.replay = true;
    unknown_site.versions.insert("given".into(), Version { hlc: hlc_from_ms(NOW), site: Uuid::new_v4() });
    assert_eq!(o.refused(&north, unknown_site), "wrong_site");
    let mut future = new_patient(Uuid::new_v4(), v(2, &north));
    future.replay = true;
    future.versions.insert("given".into(), v(365 * 24 * 3_600_000, &other));
    assert_eq!(o.refused(&north, future), "invalid_version");
    let mut history = new_patient(Uuid::new_v4(), v(2, &north));
    history.replay = true;
    history.versions.insert("given".into(), v(1, &other));
    o.stored(&north, &[history]);
}

fn taking_on_an_edited_patient_sends_each_record_whole(o: Office) {
    let north = o.clinic("North");
    let south = o.clinic("South");
    let p = Uuid::new_v4();
    o.stored(&north, &[new_patient(p, v(0, &north))]);
    o.stored(
        &north,
        &[change(Entity::Patient, p, v(10, &north), json!({"family": "Quill-Rao", "updated_at": NOW + 10}))],
    );
    o.backend.tx(|db| office::take_on(db, &south, p, NOW)).expect("take on");
    let replayed: Vec<Change> = o.pull_all(&south).into_iter().filter(|c| c.replay).collect();
    assert_eq!(replayed.len(), 1, "one change for the whole record");
    let whole = &replayed[0];
    assert!(rapport_model::schema::check_fields(Entity::Patient, &whole.fields, true).is_ok(), "every required field");
    assert_eq!(whole.version, v(10, &north), "stamped with its newest field's version");
    assert_eq!(whole.version_of("given"), v(0, &north), "each field keeps its own version");
    assert_eq!(whole.version_of("family"), v(10, &north));
}

impl Office {
    /// Head office's search, as the ids it answers.
    fn found(&self, query: &str) -> Vec<Uuid> {
        self.backend.tx(|db| office::search(db, query)).expect("search").into_iter().map(|p| p.id).collect()
    }
}

fn search_finds_patients_by_the_start_of_their_words(o: Office) {
    let north = o.clinic("North");
    let south = o.clinic("South");
    let (kavya, ada) = (Uuid::new_v4(), Uuid::new_v4());
    let fields = json!({"given": "Kavya Sri", "family": "Ramanathan", "record_no": "NQ-1001",
        "phones": "[\"+91 98765 43210\"]", "created_at": NOW, "updated_at": NOW});
    o.stored(&north, &[new_record(Entity::Patient, kavya, v(0, &north), fields)]);
    o.stored(&south, &[new_patient(ada, v(1, &south))]);
    assert_eq!(o.found("ram kav"), vec![kavya], "words in part, in any order");
    assert_eq!(o.found("sri"), vec![kavya], "a second given name");
    assert_eq!(o.found("98765 432"), vec![kavya], "the number without its country code");
    assert_eq!(o.found("9198"), vec![kavya], "and with it");
    assert_eq!(o.found("nq-10"), vec![kavya], "the record number");
    assert_eq!(o.found("QUILL"), vec![ada], "whatever the case");
    assert!(o.found("ramanathanx").is_empty());
    assert!(o.found("ravi ram").is_empty(), "every word must match");
    assert!(o.found("%").is_empty() && o.found("_").is_empty(), "no wildcard");
    // Renamed: found by the new name only; deleted: not at all.
    let renamed = change(Entity::Patient, kavya, v(5, &north), json!({"family": "Iyer", "updated_at": NOW + 5}));
    o.stored(&north, &[renamed]);
    assert!(o.found("ramanathan").is_empty());
    assert_eq!(o.found("iyer kavya"), vec![kavya]);
    let deleted = change(Entity::Patient, kavya, v(6, &north), json!({"deleted_at": NOW + 6, "updated_at": NOW + 6}));
    o.stored(&north, &[deleted]);
    assert!(o.found("iyer").is_empty());
}

fn a_version_2_database_moves_its_search_words_to_the_index(o: Office) {
    let north = o.clinic("North");
    let (p, doctor, visit) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    o.stored(&north, &[new_patient(p, v(0, &north)), new_staff(doctor, "dr.who", "clinician", v(0, &north))]);
    let starts = NOW - 86_400_000;
    let done = change(Entity::Appointment, visit, v(2, &north), json!({"status": "done", "seen_at": starts + 60_000}));
    o.stored(&north, &[appointment(visit, p, doctor, starts, v(1, &north)), done]);
    // Put back as version 2 kept it: one string of words per patient, no word table (and
    // nothing of the versions after 3).
    o.backend
        .tx(|db| {
            for table in ["visit_day", "survey_day", "office_audit", "message", "sign_in_failure"] {
                db.exec(&format!("DROP TABLE {table}"), &[])?;
            }
            db.exec("DROP TABLE campaign_run", &[])?;
            db.exec("DROP TABLE office_session", &[])?;
            db.exec("DROP TABLE office_user", &[])?;
            db.exec("DROP INDEX booking_by_clinic", &[])?;
            for column in ["clinic_id", "status", "booked_at", "seen_at"] {
                db.exec(&format!("ALTER TABLE booking DROP COLUMN {column}"), &[])?;
            }
            db.exec("DROP INDEX booking_by_start", &[])?;
            db.exec("DROP TABLE patient_word", &[])?;
            db.exec("CREATE TABLE patient_search (patient_id TEXT PRIMARY KEY, words TEXT NOT NULL)", &[])?;
            db.exec(
                "INSERT INTO patient_search (patient_id, words) VALUES ($1, ' ada quill r-123456  ')",
                &[p.to_string().into()],
            )?;
            db.exec("UPDATE head_office SET schema_version = 2 WHERE id = 1", &[])
        })
        .expect("back to version 2");
    o.backend.migrate().expect("to the latest version");
    assert_eq!(o.found("quil ad"), vec![p], "found by the words it had");
    assert!(o.backend.tx(|db| db.query("SELECT count(*) FROM patient_search", &[])).is_err(), "the old table is gone");
    // The visit kept before the dashboard's tables is in its figures.
    let page = o.clinic_figures("North", NOW - 7 * 86_400_000, NOW);
    assert_eq!((page.clinic.came, page.clinic.seen, page.clinic.seen_on_time), (1, 1, 1));
}

/// The dashboard's figures are kept by day as visits change; here every change a desk can make
/// to a visit (coming, being seen late or on time, missing it, cancelling, moving to another
/// day or doctor, changing its mind) is pushed, and the figures are checked against a count
/// made here from the visits' last state.
fn the_dashboards_visit_figures_follow_every_change_of_a_visit(o: Office) {
    let d = o.clinic("North");
    let doctors = [Uuid::new_v4(), Uuid::new_v4()];
    let p = Uuid::new_v4();
    let mut setup = vec![new_patient(p, v(0, &d))];
    for (i, dr) in doctors.iter().enumerate() {
        setup.push(new_staff(*dr, &format!("dr.{i}"), "clinician", v(0, &d)));
    }
    o.stored(&d, &setup);
    let day = 86_400_000_i64;
    // (starts_at, doctor, status, seen_at): the test's own record of each visit's last state.
    let mut visits: Vec<(Uuid, i64, usize, &str, Option<i64>)> = Vec::new();
    let mut clock = 1;
    for i in 0..36_i64 {
        let id = Uuid::new_v4();
        // Days 1 to 6 back, each visit its own slot.
        let starts = NOW - (1 + i % 6) * day + i * 20 * 60_000;
        let doctor = usize::try_from(i % 2).unwrap_or(0);
        clock += 1;
        o.stored(&d, &[appointment(id, p, doctors[doctor], starts, v(clock, &d))]);
        visits.push((id, starts, doctor, "booked", None));
    }
    let mut edit =
        |o: &Office, k: usize, fields: Value, visits: &mut Vec<(Uuid, i64, usize, &'static str, Option<i64>)>| {
            clock += 1;
            let c = change(Entity::Appointment, visits[k].0, v(clock, &d), fields.clone());
            o.stored(&d, &[c]);
            let f = fields.as_object().expect("fields");
            if let Some(s) = f.get("status").and_then(Value::as_str) {
                visits[k].3 = ["booked", "arrived", "with-doctor", "done", "no-show", "cancelled"]
                    .into_iter()
                    .find(|w| *w == s)
                    .expect("status");
            }
            if let Some(seen) = f.get("seen_at") {
                visits[k].4 = seen.as_i64();
            }
            if let Some(starts) = f.get("starts_at").and_then(Value::as_i64) {
                visits[k].1 = starts;
            }
            if let Some(dr) = f.get("doctor").and_then(Value::as_str) {
                visits[k].2 = doctors.iter().position(|x| x.to_string() == dr).expect("doctor");
            }
        };
    for k in 0..36 {
        let starts = visits[k].1;
        match k % 6 {
            0 => edit(&o, k, json!({"status": "done", "seen_at": starts + 10 * 60_000}), &mut visits),
            1 => edit(&o, k, json!({"status": "done", "seen_at": starts + 45 * 60_000}), &mut visits),
            2 => edit(&o, k, json!({"status": "no-show"}), &mut visits),
            3 => {
                // Seen, then moved back to arrived (a mistaken click undone), then moved to
                // another day and the other doctor.
                edit(&o, k, json!({"status": "with-doctor", "seen_at": starts + 5 * 60_000}), &mut visits);
                edit(&o, k, json!({"status": "arrived", "seen_at": null}), &mut visits);
                let other = doctors[1 - visits[k].2].to_string();
                edit(&o, k, json!({"starts_at": starts - 2 * day + 7 * 60_000, "doctor": other}), &mut visits);
            }
            4 => {
                edit(&o, k, json!({"status": "no-show"}), &mut visits);
                edit(&o, k, json!({"status": "cancelled"}), &mut visits);
            }
            _ => {}
        }
    }
    let (from, to) = (NOW - 5 * day, NOW + day);
    let page = o.clinic_figures("North", from, to);
    for (i, dr) in doctors.iter().enumerate() {
        let mine = visits.iter().filter(|v| v.2 == i && v.1 / day >= from / day && v.1 / day < to / day);
        let (mut came, mut missed, mut seen, mut on_time) = (0, 0, 0, 0);
        for (_, starts, _, status, seen_at) in mine {
            came += i64::from(matches!(*status, "arrived" | "with-doctor" | "done"));
            missed += i64::from(*status == "no-show");
            seen += i64::from(seen_at.is_some());
            on_time += i64::from(seen_at.is_some_and(|s| s - starts <= 30 * 60_000));
        }
        let got = page.doctors.iter().find(|f| f.id == dr.to_string()).expect("the doctor's row");
        assert_eq!((got.came, got.no_shows, got.seen, got.seen_on_time), (came, missed, seen, on_time), "doctor {i}");
        assert!(came + missed > 0, "the range holds visits of doctor {i}");
    }
    let whole: i64 = page.doctors.iter().map(|f| f.came).sum();
    assert_eq!(page.clinic.came, whole, "the clinic's row is its doctors' together");
}
