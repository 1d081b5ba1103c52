//! The device side of sync without a server: what a front-desk write leaves for head office,
//! and the signal that wakes the background sync.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rapport_core::sync::WireError;
use rapport_model::sync::{
    Ack, EnrollRequest, EnrollResponse, Entity, MAX_CLOCK_AHEAD_MS, PullRequest, PullResponse, PushRequest,
    PushResponse, Refusal, RemotePatient, SearchRequest, TakeOnRequest, hlc_from_ms, hlc_ms,
};

#[test]
fn a_replicated_write_waits_in_the_outbox_and_wakes_the_sync() {
    let mut c = common::enrolled_clinic();
    let waiting = Arc::new(AtomicBool::new(false));
    c.app.signal_local_changes(Arc::clone(&waiting));
    let before = c.app.sync_status().expect("status").pending;

    // Type-ahead search writes nothing: nothing for head office, no wake-up.
    c.app.search_patients(&c.admin, "ine", 10).expect("search");
    assert!(!waiting.load(Ordering::Relaxed));
    assert_eq!(c.app.sync_status().expect("status").pending, before);

    // Registering a patient leaves the patient (and the audit row) for head office.
    let id = c.patient("Ines", "Marquez");
    assert!(waiting.swap(false, Ordering::Relaxed), "the background sync is woken");
    let outbox = rapport_store::sync::outbox(c.app.store().conn(), usize::MAX, usize::MAX).expect("outbox");
    let patient = outbox.iter().find(|ch| ch.entity == Entity::Patient && ch.record == id.to_string());
    let patient = patient.expect("the new patient waits in the outbox");
    assert_eq!(patient.fields["given"], serde_json::json!("Ines"));
    assert!(patient.base.is_empty(), "a new record replaced no earlier version");
    assert!(outbox.iter().any(|ch| ch.entity == Entity::Audit), "the audit row goes up too");

    // An edit sends only the field that changed, with the version it replaced.
    let edit = rapport_model::PatientEdit { given: Some("Inés".into()), ..Default::default() };
    c.app.edit_patient(&c.admin, id, edit).expect("edit");
    let outbox = rapport_store::sync::outbox(c.app.store().conn(), usize::MAX, usize::MAX).expect("outbox");
    let last = outbox.iter().rev().find(|ch| ch.entity == Entity::Patient).expect("edit change");
    assert!(last.fields.contains_key("given"));
    assert!(!last.fields.contains_key("family"), "unchanged fields do not travel");
    assert_eq!(last.base.get("given"), Some(&patient.version));
    assert!(last.version > patient.version, "the clock moved on");
}

fn outbox(c: &common::Clinic) -> Vec<rapport_model::sync::Change> {
    rapport_store::sync::outbox(c.app.store().conn(), usize::MAX, usize::MAX).expect("outbox")
}

#[test]
fn a_push_is_filled_by_size_so_it_always_fits_head_office() {
    let mut c = common::enrolled_clinic();
    for i in 0..30 {
        let new = rapport_model::NewPatient {
            given: format!("Long{i}"),
            family: "Address".into(),
            address: Some("x".repeat(480)),
            ..Default::default()
        };
        c.patient_with(new);
    }
    let all = outbox(&c);
    let budget = 4 * 1024;
    let batch = rapport_store::sync::outbox(c.app.store().conn(), usize::MAX, budget).expect("outbox");
    let bytes: usize = batch.iter().map(|ch| serde_json::to_string(ch).expect("json").len()).sum();
    assert!(batch.len() < all.len() && !batch.is_empty());
    assert!(bytes <= budget, "{bytes} bytes in a batch of at most {budget}");
    let one = rapport_store::sync::outbox(c.app.store().conn(), usize::MAX, 1).expect("outbox");
    assert_eq!(one.len(), 1, "a change larger than the budget still goes, alone");
}

#[test]
fn a_value_head_office_would_refuse_fails_the_write_with_the_field_named() {
    let mut c = common::enrolled_clinic();
    let pending = c.app.sync_status().expect("status").pending;
    let bad = rapport_model::NewPatient {
        given: "Asha".into(),
        family: "Rao".into(),
        attendants: vec![rapport_model::Attendant { name: "\u{202e}evil".into(), relation: "son".into(), phone: None }],
        ..Default::default()
    };
    let e = c.app.register_patient(&c.admin.clone(), bad).expect_err("refused");
    assert_eq!(e.code, rapport_core::ErrorCode::InvalidInput);
    assert!(e.message.contains("attendant") && !e.message.contains("evil"), "{}", e.message);
    assert_eq!(c.app.sync_status().expect("status").pending, pending, "nothing was written");
}

#[test]
fn a_change_from_head_office_this_desk_cannot_apply_is_set_aside_and_sync_goes_on() {
    let mut c = common::enrolled_clinic();
    let id = c.patient("Ines", "Marquez");
    let site = uuid::Uuid::from_u128(7);
    let version = |ms: i64| rapport_model::sync::Version { hlc: rapport_model::sync::hlc_from_ms(ms), site };
    let now = common::noon().timestamp_millis();
    let change = |record: String, v: i64, fields: serde_json::Value, seq: i64| rapport_model::sync::Change {
        id: uuid::Uuid::from_u128(u128::try_from(seq).expect("seq") + 100),
        entity: Entity::Patient,
        record,
        version: version(now + v),
        fields: serde_json::from_value(fields).expect("fields"),
        versions: Default::default(),
        base: Default::default(),
        schema: rapport_model::sync::SCHEMA_VERSION,
        replay: false,
        seq: Some(seq),
    };
    let page = vec![
        // A value this desk's rules refuse (a role it does not know would be the same).
        change(id.to_string(), 1, serde_json::json!({"given": "\u{1b}[2J"}), 1),
        // An edit of a patient this desk does not hold yet: skipped, never inserted in part.
        change(uuid::Uuid::from_u128(42).to_string(), 2, serde_json::json!({"family": "Only"}), 2),
        // A good edit after both.
        change(id.to_string(), 3, serde_json::json!({"family": "Marquez-Ruiz"}), 3),
    ];
    let applied = c.app.apply_page(&page, Some(3), now).expect("the page is applied");
    assert_eq!(applied, 1);
    let status = c.app.sync_status().expect("status");
    assert_eq!(status.quarantined, 1, "the bad change is kept aside and counted");
    let card = c.app.open_patient(&c.admin.clone(), id).expect("card");
    assert_eq!((card.patient.given.as_str(), card.patient.family.as_str()), ("Ines", "Marquez-Ruiz"));
    assert_eq!(rapport_store::sync::cursor(c.app.store().conn()).expect("cursor"), 3, "the cursor moved on");
}

/// Found by fuzzing: a change stamped at the end of time made every later write of the desk
/// overflow its clock (a panic in a debug build, readings going backwards in a release one).
#[test]
fn a_change_stamped_at_the_end_of_time_does_not_wedge_the_desk() {
    let mut c = common::enrolled_clinic();
    let id = c.patient("Ines", "Marquez");
    let now = common::noon().timestamp_millis();
    let change = rapport_model::sync::Change {
        id: uuid::Uuid::from_u128(900),
        entity: Entity::Patient,
        record: id.to_string(),
        version: rapport_model::sync::Version { hlc: i64::MAX, site: uuid::Uuid::from_u128(7) },
        fields: serde_json::from_value(serde_json::json!({"family": "Later"})).expect("fields"),
        versions: Default::default(),
        base: Default::default(),
        schema: rapport_model::sync::SCHEMA_VERSION,
        replay: false,
        seq: Some(1),
    };
    c.app.apply_page(&[change], Some(1), i64::MAX).expect("the page is applied");
    c.patient("Ravi", "After");
    let hlc = rapport_store::sync::hlc(c.app.store().conn()).expect("hlc");
    let ahead = rapport_model::sync::hlc_ms(hlc) - now;
    assert!(ahead <= rapport_model::sync::MAX_SEEN_AHEAD_MS + 1000, "the desk's clock went {ahead} ms ahead");
}

#[test]
fn a_patient_made_by_an_older_desk_without_the_fields_added_since_arrives_whole() {
    let mut c = common::enrolled_clinic();
    let now = common::noon().timestamp_millis();
    let site = uuid::Uuid::from_u128(8);
    let made = |n: u128, fields: serde_json::Value, schema: u32| {
        let mut fields: std::collections::BTreeMap<String, serde_json::Value> =
            serde_json::from_value(fields).expect("fields");
        rapport_model::schema::fill_empty(Entity::Patient, &mut fields);
        if schema < 6 {
            fields.remove("birth_year");
        }
        rapport_model::sync::Change {
            id: uuid::Uuid::from_u128(n + 500),
            entity: Entity::Patient,
            record: uuid::Uuid::from_u128(n).to_string(),
            version: rapport_model::sync::Version { hlc: rapport_model::sync::hlc_from_ms(now), site },
            fields,
            versions: Default::default(),
            base: Default::default(),
            schema,
            replay: false,
            seq: Some(i64::try_from(n).expect("seq")),
        }
    };
    let base = |no: &str| serde_json::json!({"record_no": no, "given": "Anil", "family": "Rao", "created_at": now, "updated_at": now});
    let mut aged = base("S-2");
    aged["birth_year"] = serde_json::json!(1961);
    let page = vec![made(1, base("S-1"), 5), made(2, aged, 6)];
    assert_eq!(c.app.apply_page(&page, Some(2), now).expect("applied"), 2, "both arrive");
    let older = c
        .app
        .open_patient(&c.admin.clone(), rapport_model::PatientId::from_bytes(*uuid::Uuid::from_u128(1).as_bytes()));
    assert_eq!(older.expect("the older desk's patient is here").patient.birth_year, None);
    let newer = c
        .app
        .open_patient(&c.admin.clone(), rapport_model::PatientId::from_bytes(*uuid::Uuid::from_u128(2).as_bytes()));
    assert_eq!(newer.expect("here").patient.birth_year, Some(1961));
}

/// Head office as far as these tests need it: refuses a push stamped too far ahead of its own
/// time, as the real one does, and acknowledges the rest; with `given_won`, a concurrent edit of
/// a patient's given name from another desk won over every one this desk sends.
struct TestOffice {
    clock: Arc<rapport_core::FixedClock>,
    given_won: Option<&'static str>,
}

impl rapport_core::sync::Transport for TestOffice {
    fn enroll(&self, _: &EnrollRequest) -> Result<EnrollResponse, WireError> {
        Err(WireError::Unreachable("not used".into()))
    }
    fn push(&self, req: &PushRequest) -> Result<PushResponse, WireError> {
        let now = rapport_core::Clock::now(&*self.clock).timestamp_millis();
        if req.changes.iter().any(|c| hlc_ms(c.version.hlc) - now > MAX_CLOCK_AHEAD_MS) {
            let refusal = Refusal {
                server_ms: Some(now),
                ..Refusal::new(rapport_model::RefusalCode::ClockAhead, "this device's clock is ahead of head office")
            };
            return Err(WireError::Refused { status: 422, refusal });
        }
        let acks = req
            .changes
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let lost = match (self.given_won, c.entity, c.fields.contains_key("given")) {
                    (Some(winner), Entity::Patient, true) => vec![rapport_model::sync::LostField {
                        field: "given".into(),
                        winner: serde_json::json!(winner),
                        winner_version: rapport_model::sync::Version {
                            hlc: hlc_from_ms(now + 1),
                            site: uuid::Uuid::from_u128(5),
                        },
                    }],
                    _ => Vec::new(),
                };
                Ack { change: c.id, seq: i as i64 + 1, refused: None, lost, rejected: None }
            })
            .collect();
        Ok(PushResponse { acks, server_hlc: hlc_from_ms(now) })
    }
    fn pull(&self, req: &PullRequest) -> Result<PullResponse, WireError> {
        let now = rapport_core::Clock::now(&*self.clock).timestamp_millis();
        Ok(PullResponse {
            changes: Vec::new(),
            cursor: req.cursor,
            more: false,
            mark: None,
            server_hlc: hlc_from_ms(now),
            // Head office's sending of this clinic's messages is stuck.
            outbox: Some(rapport_model::sync::OutboxHealth { late_minutes: Some(42), uncertain: 0 }),
        })
    }
    fn search(&self, _: &SearchRequest) -> Result<Vec<RemotePatient>, WireError> {
        Ok(Vec::new())
    }
    fn take_on(&self, _: &TakeOnRequest) -> Result<(), WireError> {
        Ok(())
    }
    fn chain(&self, _: &rapport_model::sync::ChainRequest) -> Result<rapport_model::sync::ChainResponse, WireError> {
        Ok(rapport_model::sync::ChainResponse { rows: Vec::new(), more: false })
    }
}

#[test]
fn a_write_made_with_the_clock_a_year_ahead_goes_up_once_the_clock_is_right() {
    let mut c = common::enrolled_clinic();
    let office = TestOffice { clock: Arc::new(rapport_core::FixedClock::new(common::noon())), given_won: None };
    let id = c.patient("Ines", "Marquez");
    c.app.sync_now(&office).expect("in step");
    c.clock.advance(chrono::Duration::days(365));
    let edit = rapport_model::PatientEdit { given: Some("Inés".into()), ..Default::default() };
    c.app.edit_patient(&c.admin.clone(), id, edit).expect("edit");
    let e = c.app.sync_now(&office).expect_err("head office refuses a clock a year ahead");
    assert!(e.message.contains("ahead"), "{}", e.message);
    // The clock is set right: the waiting edit is re-stamped and goes up, and so do later ones.
    c.clock.advance(chrono::Duration::days(-365));
    c.app.sync_now(&office).expect("re-stamped and sent");
    let edit = rapport_model::PatientEdit { family: Some("Ruiz".into()), ..Default::default() };
    c.app.edit_patient(&c.admin.clone(), id, edit).expect("edit");
    c.app.sync_now(&office).expect("later edits are not stamped a year ahead either");
    let status = c.app.sync_status().expect("status");
    assert_eq!(status.pending, 0);
    let stuck = status.outbox.and_then(|o| o.words());
    assert_eq!(stuck.as_deref(), Some("messages 42 min late"), "the desk says head office's sending is stuck");
}

#[test]
fn after_head_office_is_restored_the_desk_puts_what_it_holds_in_front_of_its_outbox() {
    let mut c = common::enrolled_clinic();
    let ines = c.patient("Ines", "Marquez");
    let conn = c.app.store().conn();
    // Everything so far went up and was acknowledged; a colleague of another clinic came down
    // (known here by name, without a password hash); one edit waits.
    conn.execute("DELETE FROM sync_outbox", []).expect("acknowledged");
    let now = common::noon().timestamp_millis();
    let other_site = uuid::Uuid::from_u128(9);
    let mut fields: std::collections::BTreeMap<String, serde_json::Value> = serde_json::from_value(serde_json::json!({
        "login": "colleague", "display_name": "Colleague", "role": "clinician", "active": 1, "created_at": now,
    }))
    .expect("fields");
    rapport_model::schema::fill_empty(Entity::Staff, &mut fields);
    let colleague = uuid::Uuid::from_u128(77).to_string();
    let staff = rapport_model::sync::Change {
        id: uuid::Uuid::from_u128(1000),
        entity: Entity::Staff,
        record: colleague.clone(),
        version: rapport_model::sync::Version { hlc: hlc_from_ms(now), site: other_site },
        fields,
        versions: Default::default(),
        base: Default::default(),
        schema: rapport_model::sync::SCHEMA_VERSION,
        replay: false,
        seq: Some(7),
    };
    c.app.apply_page(&[staff], Some(7), now).expect("the colleague arrives");
    let edit = rapport_model::PatientEdit { family: Some("Marquez-Ruiz".into()), ..Default::default() };
    c.app.edit_patient(&c.admin.clone(), ines, edit).expect("edit");
    let pending = outbox(&c);
    let conn = c.app.store().conn();
    rapport_store::sync::note_mark(conn, rapport_model::sync::LogMark { seq: 7, change: uuid::Uuid::from_u128(1000) })
        .expect("mark");

    let sent_again = rapport_store::sync::rewind(conn, now + 60_000).expect("rewind");
    let queued = outbox(&c);
    assert_eq!(queued.len(), sent_again + pending.len());
    let (history, waiting) = queued.split_at(sent_again);
    assert_eq!(waiting, &pending[..], "what waited goes after the history, unchanged");
    assert!(history.iter().all(|ch| ch.replay), "history sent again is marked so");
    // Parents first, as declared: staff, then the patient, then the audit chain.
    let order: Vec<Entity> = history.iter().map(|ch| ch.entity).collect();
    let mut sorted = order.clone();
    sorted.sort_by_key(|e| rapport_model::schema::RECORDS.iter().position(|r| r.entity == *e));
    assert_eq!(order, sorted);
    let patient = history.iter().find(|ch| ch.record == ines.to_string()).expect("the patient goes again");
    assert_eq!(patient.fields["family"], serde_json::json!("Marquez-Ruiz"), "as it stands here now");
    assert!(patient.fields.keys().all(|f| patient.versions.contains_key(f)), "each field with its own version");
    assert!(history.iter().any(|ch| ch.entity == Entity::Staff && ch.record != colleague), "this clinic's staff go");
    assert!(!history.iter().any(|ch| ch.record == colleague), "another clinic's colleague is theirs to send");
    let audit_rows: i64 = conn.query_row("SELECT count(*) FROM audit", [], |r| r.get(0)).expect("count");
    assert_eq!(history.iter().filter(|ch| ch.entity == Entity::Audit).count() as i64, audit_rows, "the whole chain");
    assert_eq!(rapport_store::sync::cursor(conn).expect("cursor"), 0, "everything is pulled anew");
    assert_eq!(rapport_store::sync::mark(conn).expect("mark"), None);
}

#[test]
fn a_desk_keeps_no_changes_until_it_enrolls_then_sends_what_it_holds_once() {
    let mut c = common::clinic();
    let ines = c.patient("Ines", "Marquez");
    for family in ["Marquez-Ruiz", "Ruiz"] {
        let edit = rapport_model::PatientEdit { family: Some(family.into()), ..Default::default() };
        c.app.edit_patient(&c.admin.clone(), ines, edit).expect("edit");
    }
    assert_eq!(c.app.sync_status().expect("status").pending, 0, "a desk without head office keeps no outbox");
    let audit_rows: i64 =
        c.app.store().conn().query_row("SELECT count(*) FROM audit", [], |r| r.get(0)).expect("audit rows");

    c.app.enroll(&common::EnrollOnly, "https://office.invalid", "code", None, false).expect("enroll");
    let sealed = outbox(&c);
    let patients: Vec<_> = sealed.iter().filter(|ch| ch.entity == Entity::Patient).collect();
    assert_eq!(patients.len(), 1, "one change per record, not one per write");
    assert_eq!(patients[0].fields["family"], serde_json::json!("Ruiz"), "as it stands now");
    assert!(
        rapport_model::schema::check_fields(Entity::Patient, &patients[0].fields, true).is_ok(),
        "the whole record goes"
    );
    let audit = sealed.iter().filter(|ch| ch.entity == Entity::Audit).count();
    assert_eq!(i64::try_from(audit).expect("count"), audit_rows, "the whole audit chain goes");
    assert!(sealed.iter().any(|ch| ch.entity == Entity::Staff), "the admin goes");

    // From now on every write follows, with the version it replaced.
    let edit = rapport_model::PatientEdit { given: Some("Inés".into()), ..Default::default() };
    c.app.edit_patient(&c.admin.clone(), ines, edit).expect("edit");
    let after = outbox(&c);
    let last = after.iter().rev().find(|ch| ch.entity == Entity::Patient).expect("the edit waits");
    assert!(last.fields.contains_key("given") && !last.fields.contains_key("family"), "only what changed");
    assert_eq!(last.base.get("given"), Some(&patients[0].version));
}

#[test]
fn a_lost_edit_is_listed_with_its_patient_and_written_again_on_request() {
    let mut c = common::enrolled_clinic();
    let office = TestOffice { clock: Arc::new(rapport_core::FixedClock::new(common::noon())), given_won: Some("Inez") };
    let id = c.patient("Ines", "Marquez");
    c.app.sync_now(&office).expect("synced");
    let admin = c.admin.clone();
    let listed = c.app.conflict_views(&admin).expect("conflicts");
    assert_eq!(listed.len(), 1, "the new patient's given name lost: {listed:?}");
    let view = &listed[0];
    assert_eq!(view.patient, Some(id), "the conflict names its patient");
    assert_eq!(view.conflict.mine, Some(serde_json::json!("Ines")));
    assert_eq!(view.conflict.theirs, Some(serde_json::json!("Inez")));
    assert!(view.patient_name.is_some());
    let status = c.app.sync_status().expect("status");
    assert_eq!((status.conflicts, status.refused, status.quarantined), (1, 0, 0));

    let reception = c.staff("reception", rapport_model::Role::FrontDesk);
    c.app.resolve_conflict(&reception, view.conflict.id, true).expect("a receptionist may write it again");
    assert!(c.app.conflict_views(&admin).expect("conflicts").is_empty(), "resolved");
    assert!(c.app.sync_status().expect("status").pending > 0, "this desk's value goes up again as a new edit");
}

#[test]
fn only_a_manager_or_an_admin_enrolls_a_desk_from_the_window() {
    let mut c = common::clinic();
    let reception = c.staff("reception", rapport_model::Role::FrontDesk);
    let e = c
        .app
        .enroll_here(&reception, "https://office.invalid", "ABCD-EFGH", None, false)
        .expect_err("a receptionist may not enroll the desk");
    assert_eq!(e.code, rapport_core::ErrorCode::Forbidden);
    assert!(c.app.enrollment().expect("enrollment").is_none());
}

#[test]
fn head_office_refusals_are_said_in_the_desks_own_words() {
    use rapport_model::RefusalCode;
    let said = |code, message: &str| {
        rapport_core::Error::from(WireError::Refused { status: 401, refusal: Refusal::new(code, message) }).message
    };
    assert!(said(RefusalCode::Revoked, "x").contains("revoked"));
    assert!(said(RefusalCode::ClockAhead, "x").contains("clock"));
    assert!(said(RefusalCode::OtherClinic, "x").contains("another clinic"));
    // A code from a newer head office: its own sentence, since the desk has none.
    assert!(said(RefusalCode::Unknown, "the moon is full").contains("the moon is full"));
    let distinct: std::collections::HashSet<String> =
        [RefusalCode::Revoked, RefusalCode::ClockAhead, RefusalCode::CodeUsed, RefusalCode::Invalid]
            .into_iter()
            .map(|c| said(c, "same"))
            .collect();
    assert_eq!(distinct.len(), 4, "distinct refusals read differently");
}

#[test]
fn a_desk_that_reads_new_kinds_of_record_pulls_the_log_from_the_start_once() {
    let c = common::enrolled_clinic();
    let conn = c.app.store().conn();
    // It pulled up to 42 with the first change format (head office left newer kinds out).
    rapport_store::meta::set(conn, "sync_cursor", "42").expect("cursor");
    assert!(rapport_store::sync::pull_with_schema(conn, 2).expect("upgrade"), "starts over");
    assert_eq!(rapport_store::sync::cursor(conn).expect("cursor"), 0);
    rapport_store::meta::set(conn, "sync_cursor", "7").expect("cursor");
    assert!(!rapport_store::sync::pull_with_schema(conn, 2).expect("again"), "once");
    assert_eq!(rapport_store::sync::cursor(conn).expect("cursor"), 7);
}
