//! A clinic's messaging set-up at the desk: managers write templates, settings and recall
//! rules (receptionists cannot), each is checked before it is stored and goes up to head
//! office as one record; the recall list shows who is due.

mod common;

use chrono::Duration;
use common::*;
use rapport_core::{Booking, Clock, ErrorCode, TemplateInput};
use rapport_model::outreach::{MessageKind, MessagingEdit};
use rapport_model::sync::Entity;
use rapport_model::{Channel, NewPatient, PatientEdit, Role, StatusChange};

fn reminder<'a>(text: &'a str, language: &'a str) -> TemplateInput<'a> {
    TemplateInput { kind: MessageKind::Reminder, channel: Channel::Sms, language, text, dlt_template_id: None }
}

#[test]
fn a_manager_writes_a_template_a_receptionist_cannot_and_slots_are_checked() {
    let mut c = enrolled_clinic();
    let manager = c.staff("mgr", Role::Manager);
    let desk = c.staff("desk", Role::FrontDesk);
    let refused = c.app.set_template(&desk, &reminder("{clinic}: see you at {time}", "en")).expect_err("front desk");
    assert_eq!(refused.code, ErrorCode::Forbidden);
    let unknown = c.app.set_template(&manager, &reminder("Hi {name}", "en")).expect_err("unknown slot");
    assert_eq!(unknown.code, ErrorCode::InvalidInput);
    assert!(unknown.message.contains("{name}") && unknown.message.contains("{patient}"), "{}", unknown.message);
    let no_date = TemplateInput { kind: MessageKind::Birthday, ..reminder("Happy birthday, see you {date}", "en") };
    assert_eq!(c.app.set_template(&manager, &no_date).expect_err("no date").code, ErrorCode::InvalidInput);

    let view =
        c.app.set_template(&manager, &reminder("{clinic}: see you {date} at {time}. Reply C.", " EN ")).expect("set");
    assert!(view.custom);
    assert_eq!(view.language, "en");
    assert_eq!(view.sms_parts, Some(1));
    // Set again: the same record gets the new text (one template, not two).
    c.app.set_template(&manager, &reminder("{clinic}: {date} {time}. Reply C to confirm.", "en")).expect("again");
    let dump = rapport_store::sync::dump(c.app.store().conn()).expect("dump");
    assert_eq!(dump["template"].as_object().map(serde_json::Map::len), Some(1));

    let all = c.app.templates(&desk).expect("anyone reads them");
    let sms_reminders: Vec<_> =
        all.iter().filter(|t| t.kind == MessageKind::Reminder && t.channel == Channel::Sms).collect();
    assert_eq!(sms_reminders.len(), 1, "the clinic's text replaces the default");
    assert_eq!(sms_reminders[0].text, "{clinic}: {date} {time}. Reply C to confirm.");
    assert_eq!(all.iter().filter(|t| !t.custom).count(), MessageKind::ALL.len() * 2 - 1, "defaults for the rest");

    let outbox = rapport_store::sync::outbox(c.app.store().conn(), usize::MAX, usize::MAX).expect("outbox");
    let sent = outbox.iter().filter(|ch| ch.entity == Entity::Template).count();
    assert!(sent >= 1, "the template goes up to head office, which sends by it");
}

#[test]
fn messaging_settings_are_checked_whole_and_kept() {
    let mut c = clinic();
    let admin = c.admin.clone();
    let defaults = c.app.messaging_settings(&admin).expect("defaults");
    assert_eq!((defaults.reminder_hours, defaults.hold_minutes, defaults.weekly_cap), (24, 5, 2));
    let mut bad = |edit: MessagingEdit| c.app.set_messaging(&admin, &edit).expect_err("refused").code;
    assert_eq!(
        bad(MessagingEdit { quiet_hours: Some("9pm-8am".into()), ..MessagingEdit::default() }),
        ErrorCode::InvalidInput
    );
    assert_eq!(
        bad(MessagingEdit { timezone: Some("Mars/Olympus".into()), ..MessagingEdit::default() }),
        ErrorCode::InvalidInput
    );
    assert_eq!(bad(MessagingEdit { reminder_hours: Some(0), ..MessagingEdit::default() }), ErrorCode::InvalidInput);
    assert_eq!(
        bad(MessagingEdit { second_reminder_hours: Some(Some(48)), ..MessagingEdit::default() }),
        ErrorCode::InvalidInput,
        "a second reminder before the first"
    );
    assert_eq!(bad(MessagingEdit::default()), ErrorCode::InvalidInput, "nothing to change");
    let edit = MessagingEdit {
        reminder_hours: Some(48),
        second_reminder_hours: Some(Some(3)),
        quiet_hours: Some("20:30-07:30".into()),
        timezone: Some("Asia/Kolkata".into()),
        birthday_hour: Some(9),
        ..MessagingEdit::default()
    };
    c.app.set_messaging(&admin, &edit).expect("set");
    c.app.set_messaging(&admin, &MessagingEdit { weekly_cap: Some(1), ..MessagingEdit::default() }).expect("one more");
    let c = c.reopen();
    let s = c.app.messaging_settings(&c.admin).expect("read");
    assert_eq!((s.reminder_hours, s.second_reminder_hours, s.birthday_hour, s.weekly_cap), (48, Some(3), 9, 1));
    assert_eq!(s.timezone, chrono_tz::Asia::Kolkata);
    assert_eq!(rapport_model::outreach::quiet_hours_text(&s.quiet_hours), "20:30-07:30");
}

#[test]
fn the_recall_list_holds_tagged_patients_due_with_no_visit_booked() {
    let mut c = clinic();
    let admin = c.admin.clone();
    let dr = c.staff("dr.rao", Role::Clinician).staff().id;
    let tagged = |c: &mut Clinic, given: &str| {
        c.patient_with(NewPatient {
            given: given.into(),
            family: "Test".into(),
            conditions: vec!["Diabetes".into()],
            ..NewPatient::default()
        })
    };
    // Seen four months ago, three months ago, and one who is booked in already.
    let start = noon();
    c.clock.set(start - Duration::days(122));
    let overdue = tagged(&mut c, "Overdue");
    let recent = tagged(&mut c, "Recent");
    let booked = tagged(&mut c, "Booked");
    let untagged = c.patient("Untagged", "Test");
    let visit = |c: &mut Clinic, p, days_ago: i64, slot: i64| {
        c.clock.set(start - Duration::days(days_ago));
        let b = Booking {
            patient: p,
            doctor: dr,
            starts_at: c.clock.now() + Duration::minutes(60 + 20 * slot),
            minutes: 15,
            reason: None,
        };
        let id = c.app.book(&admin, b).expect("book").appointment.id;
        for step in [StatusChange::CheckIn, StatusChange::Seen, StatusChange::Done] {
            c.app.change_status(&admin, id, step).expect("visit");
        }
    };
    visit(&mut c, overdue, 121, 0);
    visit(&mut c, recent, 30, 0);
    visit(&mut c, booked, 121, 1);
    visit(&mut c, untagged, 121, 2);
    c.clock.set(start);
    let next_week =
        Booking { patient: booked, doctor: dr, starts_at: start + Duration::days(7), minutes: 15, reason: None };
    c.app.book(&admin, next_week).expect("booked ahead");

    let desk = c.staff("desk", Role::FrontDesk);
    assert_eq!(c.app.set_recall_rule(&desk, "diabetes", 3).expect_err("front desk").code, ErrorCode::Forbidden);
    assert_eq!(c.app.set_recall_rule(&admin, "diabetes", 0).expect_err("zero").code, ErrorCode::InvalidInput);
    c.app.set_recall_rule(&admin, " DIABETES ", 3).expect("rule");
    let due = c.app.recalls_due(&desk).expect("the desk works the list");
    let names: Vec<&str> = due.iter().map(|d| d.patient.given.as_str()).collect();
    assert_eq!(names, ["Overdue"]);
    assert_eq!(due[0].tag, "diabetes");
    assert!(due[0].due <= c.app.today());

    // Deleted patients leave the list; an untagged one joins when tagged.
    c.app
        .edit_patient(
            &admin,
            untagged,
            PatientEdit { add_conditions: vec!["diabetes".into()], ..PatientEdit::default() },
        )
        .expect("tag");
    c.app.delete_patient(&admin, overdue).expect("delete");
    let names: Vec<String> = c.app.recalls_due(&desk).expect("due").into_iter().map(|d| d.patient.given).collect();
    assert_eq!(names, ["Untagged"]);
}

#[test]
fn consent_and_tags_change_one_at_a_time() {
    let mut c = clinic();
    let admin = c.admin.clone();
    let p = c.patient_with(NewPatient {
        given: "Asha".into(),
        family: "Rao".into(),
        conditions: vec!["Asthma".into()],
        consent: rapport_model::Consent { email: true, ..Default::default() },
        ..NewPatient::default()
    });
    let edit = PatientEdit {
        sms_consent: Some(true),
        add_conditions: vec!["asthma".into(), "Hypertension".into()],
        remove_conditions: vec!["ASTHMA".into()],
        ..PatientEdit::default()
    };
    let after = c.app.edit_patient(&admin, p, edit).expect("edit");
    assert!(after.consent.sms && after.consent.email, "the email consent stays");
    assert_eq!(after.conditions, ["asthma", "Hypertension"], "removed, then added once as written");
}

/// Head office's record of one message, as a desk pulls it.
struct Sent<'a> {
    patient: rapport_model::PatientId,
    appointment: Option<rapport_model::AppointmentId>,
    kind: &'a str,
    channel: &'a str,
    status: &'a str,
    reply: Option<(&'a str, &'a str)>,
}

/// Applies head office's records of `sent` as a pulled page; their ids, in order.
fn from_head_office(c: &mut Clinic, first_seq: i64, sent: &[Sent<'_>]) -> Vec<uuid::Uuid> {
    let now = c.clock.now().timestamp_millis();
    let office = uuid::Uuid::from_u128(7);
    let mut ids = Vec::new();
    let page: Vec<rapport_model::sync::Change> = sent
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let id = uuid::Uuid::from_u128(1000 + first_seq as u128 + i as u128);
            ids.push(id);
            let seq = first_seq + i as i64;
            let fields = serde_json::json!({
                "patient_id": m.patient.to_string(),
                "appointment_id": m.appointment.map(|a| a.to_string()),
                "kind": m.kind, "channel": m.channel, "status": m.status, "reason": null,
                "reply": m.reply.map(|r| r.0), "reply_meaning": m.reply.map(|r| r.1),
                "send_after": now - 3_600_000, "updated_at": now - 60_000,
            });
            rapport_model::sync::Change {
                id: uuid::Uuid::from_u128(5000 + seq as u128),
                entity: Entity::Message,
                record: id.to_string(),
                version: rapport_model::sync::Version {
                    hlc: rapport_model::sync::hlc_from_ms(now + seq),
                    site: office,
                },
                fields: serde_json::from_value(fields).expect("fields"),
                versions: Default::default(),
                base: Default::default(),
                schema: rapport_model::sync::SCHEMA_VERSION,
                replay: false,
                seq: Some(seq),
            }
        })
        .collect();
    let last = page.last().and_then(|c| c.seq);
    assert_eq!(c.app.apply_page(&page, last, now).expect("applied"), sent.len());
    ids
}

#[test]
fn what_head_office_sent_fills_the_call_list_and_the_patient_card() {
    use rapport_model::calls::{CallOutcome, CallReason, derived_call_id};
    let mut c = enrolled_clinic();
    let admin = c.admin.clone();
    let dr = c.staff("dr.rao", Role::Clinician).staff().id;
    let [asha, ben, cara, dev, eve] = ["Asha", "Ben", "Cara", "Dev", "Eve"].map(|n| c.patient(n, "Test"));
    let mut slot = 0;
    let mut tomorrow = |c: &mut Clinic, p| {
        slot += 1;
        let starts_at = noon() + Duration::days(1) + Duration::minutes(20 * slot);
        let b = Booking { patient: p, doctor: dr, starts_at, minutes: 15, reason: None };
        c.app.book(&admin, b).expect("book").appointment.id
    };
    let [a_visit, b_visit, c_visit, d_visit] = [asha, ben, cara, dev].map(|p| tomorrow(&mut c, p));
    let sms = |patient, appointment, status, reply| Sent {
        patient,
        appointment: Some(appointment),
        kind: "reminder",
        channel: "sms",
        status,
        reply,
    };
    let ids = from_head_office(
        &mut c,
        1,
        &[
            sms(asha, a_visit, "delivered", Some(("R", "call-back"))),
            Sent { channel: "phone", ..sms(ben, b_visit, "call", None) },
            sms(cara, c_visit, "delivered", Some(("N, sorry", "cannot-come"))),
            sms(dev, d_visit, "failed", None),
            Sent { kind: "birthday", appointment: None, ..sms(eve, a_visit, "undeliverable", None) },
            Sent {
                kind: "birthday",
                appointment: None,
                ..sms(asha, a_visit, "delivered", Some(("thanks!", "unclear")))
            },
        ],
    );

    let desk = c.staff("desk", Role::FrontDesk);
    let list = c.app.call_list(&desk).expect("calls");
    let mut got: Vec<(String, CallReason)> = list.iter().map(|i| (i.patient.given.clone(), i.reason)).collect();
    got.sort();
    let expected = [
        ("Asha", CallReason::CallBack),
        ("Asha", CallReason::ReplyUnclear),
        ("Ben", CallReason::Reminder),
        ("Cara", CallReason::CannotCome),
        ("Dev", CallReason::Undelivered),
    ];
    assert_eq!(got, expected.map(|(n, r)| (n.to_owned(), r)), "a failed greeting is not worth a call");
    let call_back = list.iter().find(|i| i.reason == CallReason::CallBack).expect("Asha's");
    assert_eq!(call_back.note.as_deref(), Some("R"), "the reply is there to read");
    assert_eq!(
        call_back.id,
        derived_call_id(&format!("message/{}/call-back", ids[0])),
        "every desk derives the same id"
    );

    // Ben takes calls only: reaching him confirms his visit.
    let ben_call = list.iter().find(|i| i.reason == CallReason::Reminder).expect("Ben's").id;
    c.app.finish_call(&desk, ben_call, CallOutcome::Reached).expect("reached");
    let schedule = c.app.day_schedule(&desk, (noon() + Duration::days(1)).date_naive(), None).expect("day");
    let ben_row = schedule.iter().find(|r| r.appointment.id == b_visit).expect("Ben's visit");
    assert_eq!(ben_row.appointment.status, rapport_model::AppointmentStatus::Confirmed);
    let dev_call = list.iter().find(|i| i.reason == CallReason::Undelivered).expect("Dev's").id;
    c.app.finish_call(&desk, dev_call, CallOutcome::WrongNumber).expect("wrong number");
    assert_eq!(c.app.call_list(&desk).expect("calls").len(), 3);

    // The card shows what was sent and the calls the desk owes the patient.
    let card = c.app.open_patient(&desk, asha).expect("card");
    assert_eq!(card.messages.len(), 2);
    assert_eq!(card.open_calls.len(), 2);
    let history = c.app.patient_messages(&desk, dev).expect("history");
    assert_eq!((history.len(), history[0].status.as_str()), (1, "failed"));
    let outbox = rapport_store::sync::outbox(c.app.store().conn(), usize::MAX, usize::MAX).expect("outbox");
    assert!(outbox.iter().all(|ch| ch.entity != Entity::Message), "a desk never sends a message record");
    assert!(outbox.iter().any(|ch| ch.entity == Entity::CallTask), "the outcomes go up");
}
