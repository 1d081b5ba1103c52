//! HL7 FHIR R4 (4.0.1) as Rapport speaks it: a patient's records as resources and back.
//!
//! Out: `Patient` (record number as an identifier, names, phones and email, address, language,
//! consent as an extension), `Condition` per condition tag, `RelatedPerson` per attendant,
//! `Flag` per rapport pointer (its kind a category in Rapport's own code system; an
//! avoid-topic flagged as such in its code), `Appointment` per appointment and `Encounter` per
//! visit that was done. In: the same kinds from a Bundle (collection or transaction).
//!
//! The types are our own (no FHIR crate is mature enough) and keep every element they do not
//! know in `extra`, so a resource read and written again loses nothing. Ids are kept: a
//! resource exported and imported into an empty database is exported again the same.

use chrono::{DateTime, NaiveDate, NaiveTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::{
    Appointment, AppointmentStatus, Attendant, Consent, NewPatient, Patient, PatientId, Pointer, PointerKind,
    QuietHours, StaffId,
};

/// Rapport's record number.
pub const RECORD_NUMBER: &str = "https://rapport.app/fhir/record-number";
/// Rapport's code system for a pointer's kind (`travel`, `family`, … `avoid-topic`).
pub const POINTER_KIND: &str = "https://rapport.app/fhir/CodeSystem/pointer-kind";
/// Rapport's code system for what a flag is: something to talk about, or a topic to avoid.
pub const FLAG_USE: &str = "https://rapport.app/fhir/CodeSystem/flag-use";
/// Extensions of Rapport's own.
pub const CONSENT: &str = "https://rapport.app/fhir/StructureDefinition/consent";
pub const PRONUNCIATION: &str = "https://rapport.app/fhir/StructureDefinition/pronunciation";
pub const REFERRAL_SOURCE: &str = "https://rapport.app/fhir/StructureDefinition/referral-source";
pub const REFERRING_DOCTOR: &str = "https://rapport.app/fhir/StructureDefinition/referring-doctor";
pub const EVENT_DATE: &str = "https://rapport.app/fhir/StructureDefinition/event-date";
const LANGUAGE: &str = "urn:ietf:bcp:47";
const ACT_CODE: &str = "http://terminology.hl7.org/CodeSystem/v3-ActCode";

// ---------------------------------------------------------------------------------------------
// The resources, as read: each keeps what it does not know in `extra`.

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Bundle {
    #[serde(rename = "resourceType")]
    pub resource_type: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entry: Vec<BundleEntry>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BundleEntry {
    #[serde(rename = "fullUrl", default, skip_serializing_if = "Option::is_none")]
    pub full_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<Value>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

macro_rules! element {
    ($(#[$m:meta])* $name:ident { $($(#[$fm:meta])* $field:ident : $ty:ty),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
        #[serde(rename_all = "camelCase")]
        pub struct $name {
            $($(#[$fm])* #[serde(default, skip_serializing_if = "is_default")] pub $field: $ty,)*
            #[serde(flatten)]
            pub extra: Map<String, Value>,
        }
    };
}

fn is_default<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}

element!(Coding { system: Option<String>, code: Option<String>, display: Option<String> });
element!(CodeableConcept { coding: Vec<Coding>, text: Option<String> });
element!(Identifier { system: Option<String>, value: Option<String> });
element!(HumanName { #[serde(rename = "use")] use_: Option<String>, text: Option<String>, family: Option<String>, given: Vec<String> });
element!(ContactPoint { system: Option<String>, value: Option<String>, #[serde(rename = "use")] use_: Option<String> });
element!(Address { text: Option<String>, line: Vec<String>, city: Option<String>, district: Option<String>, postal_code: Option<String> });
element!(Reference { reference: Option<String>, display: Option<String> });
element!(Period { start: Option<String>, end: Option<String> });
element!(Extension { url: String, value_boolean: Option<bool>, value_string: Option<String>, value_time: Option<String>, value_date: Option<String>, extension: Vec<Extension> });
element!(Communication { language: CodeableConcept });
element!(Participant { actor: Option<Reference>, status: Option<String> });
element!(EncounterParticipant { individual: Option<Reference> });

element!(FhirPatient {
    resource_type: String, id: Option<String>, identifier: Vec<Identifier>, active: Option<bool>, name: Vec<HumanName>,
    telecom: Vec<ContactPoint>, gender: Option<String>, birth_date: Option<String>, address: Vec<Address>,
    communication: Vec<Communication>, general_practitioner: Vec<Reference>, extension: Vec<Extension>,
});
element!(FhirRelatedPerson { resource_type: String, id: Option<String>, patient: Reference, relationship: Vec<CodeableConcept>, name: Vec<HumanName>, telecom: Vec<ContactPoint> });
element!(FhirCondition { resource_type: String, id: Option<String>, subject: Reference, code: CodeableConcept });
element!(FhirFlag { resource_type: String, id: Option<String>, status: String, category: Vec<CodeableConcept>, code: CodeableConcept, subject: Reference, period: Option<Period>, extension: Vec<Extension> });
element!(FhirAppointment { resource_type: String, id: Option<String>, status: String, description: Option<String>, start: Option<String>, end: Option<String>, minutes_duration: Option<u32>, created: Option<String>, participant: Vec<Participant> });
element!(FhirEncounter { resource_type: String, id: Option<String>, status: String, class: Coding, subject: Reference, period: Option<Period>, appointment: Vec<Reference>, participant: Vec<EncounterParticipant> });

// ---------------------------------------------------------------------------------------------
// Out.

/// One patient's records, and how to name a doctor.
#[derive(Clone, Copy)]
pub struct PatientRecords<'a> {
    pub patient: &'a Patient,
    /// The current version of each pointer (retracted ones included: they go as inactive).
    pub pointers: &'a [Pointer],
    pub appointments: &'a [Appointment],
    pub doctor: &'a dyn Fn(StaffId) -> Option<String>,
}

impl std::fmt::Debug for PatientRecords<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PatientRecords").field("patient", &self.patient.id).finish_non_exhaustive()
    }
}

fn instant(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn reference(kind: &str, id: impl std::fmt::Display) -> Value {
    json!({ "reference": format!("{kind}/{id}") })
}

fn ext(url: &str, key: &str, value: impl Into<Value>) -> Value {
    let mut m = Map::new();
    m.insert("url".into(), url.into());
    m.insert(key.into(), value.into());
    Value::Object(m)
}

/// A Bundle of type `collection` holding every resource of these patients.
pub fn export(patients: &[PatientRecords<'_>], at: DateTime<Utc>) -> Value {
    let mut entry = Vec::new();
    for r in patients {
        for resource in resources(r) {
            let url = format!("urn:uuid:{}", resource["id"].as_str().unwrap_or_default());
            entry.push(json!({ "fullUrl": url, "resource": resource }));
        }
    }
    json!({ "resourceType": "Bundle", "type": "collection", "timestamp": instant(at), "entry": entry })
}

/// The resources of one patient, the Patient first.
pub fn resources(r: &PatientRecords<'_>) -> Vec<Value> {
    let p = r.patient;
    let mut out = vec![patient(p, r.doctor)];
    for (i, tag) in p.conditions.iter().enumerate() {
        out.push(json!({
            "resourceType": "Condition", "id": format!("{}-c{i}", p.id),
            "subject": reference("Patient", p.id), "code": { "text": tag },
        }));
    }
    for (i, a) in p.attendants.iter().enumerate() {
        let mut person = json!({
            "resourceType": "RelatedPerson", "id": format!("{}-r{i}", p.id),
            "patient": reference("Patient", p.id),
            "relationship": [{ "text": a.relation }], "name": [{ "text": a.name }],
        });
        if let Some(phone) = &a.phone {
            person["telecom"] = json!([{ "system": "phone", "value": phone }]);
        }
        out.push(person);
    }
    // What was merged into this patient is theirs: it names them.
    out.extend(r.pointers.iter().map(|ptr| flag(ptr, p.id)));
    for a in r.appointments {
        out.push(appointment(a, p.id, r.doctor));
        if a.status == AppointmentStatus::Done {
            out.push(encounter(a, p.id, r.doctor));
        }
    }
    out
}

fn patient(p: &Patient, doctor: &dyn Fn(StaffId) -> Option<String>) -> Value {
    let mut names = vec![json!({ "use": "official", "family": p.family, "given": [p.given] })];
    if let Some(pref) = p.preferred.as_ref().filter(|s| !s.trim().is_empty()) {
        names.push(json!({ "use": "usual", "given": [pref] }));
    }
    let mut telecom: Vec<Value> = p.phones.iter().map(|n| json!({ "system": "phone", "value": n })).collect();
    telecom.extend(p.email.iter().map(|e| json!({ "system": "email", "value": e })));
    let c = &p.consent;
    let mut consent = vec![
        ext("sms", "valueBoolean", c.sms),
        ext("email", "valueBoolean", c.email),
        ext("phone", "valueBoolean", c.phone),
        ext("opted-out", "valueBoolean", c.opted_out),
    ];
    if let Some(q) = c.quiet_hours {
        consent.push(ext("quiet-start", "valueTime", q.start.format("%H:%M:%S").to_string()));
        consent.push(ext("quiet-end", "valueTime", q.end.format("%H:%M:%S").to_string()));
    }
    let mut extension = vec![json!({ "url": CONSENT, "extension": consent })];
    for (url, value) in [
        (PRONUNCIATION, &p.pronunciation),
        (REFERRAL_SOURCE, &p.referral_source),
        (REFERRING_DOCTOR, &p.referring_doctor),
    ] {
        if let Some(v) = value {
            extension.push(ext(url, "valueString", v.clone()));
        }
    }
    let mut out = json!({
        "resourceType": "Patient", "id": p.id.to_string(), "active": true,
        "identifier": [{ "system": RECORD_NUMBER, "value": p.record_no }],
        "name": names, "extension": extension,
    });
    if !telecom.is_empty() {
        out["telecom"] = Value::from(telecom);
    }
    if let Some(g) = p.sex.as_deref().and_then(gender_of) {
        out["gender"] = g.into();
    }
    if let Some(b) = p.birth_date {
        out["birthDate"] = b.to_string().into();
    } else if let Some(year) = p.birth_year {
        // FHIR's partial date: the year alone.
        out["birthDate"] = format!("{year:04}").into();
    }
    if p.address.is_some() || p.city.is_some() || p.area.is_some() {
        let mut a = Map::new();
        if let Some(line) = &p.address {
            a.insert("line".into(), json!([line]));
        }
        if let Some(city) = &p.city {
            a.insert("city".into(), city.clone().into());
        }
        if let Some(area) = &p.area {
            a.insert("district".into(), area.clone().into());
        }
        out["address"] = json!([a]);
    }
    if let Some(lang) = &p.language {
        out["communication"] = json!([{ "language": { "coding": [{ "system": LANGUAGE, "code": lang }] } }]);
    }
    if let Some(d) = p.usual_doctor {
        let mut r = reference("Practitioner", d);
        if let Some(name) = doctor(d) {
            r["display"] = name.into();
        }
        out["generalPractitioner"] = json!([r]);
    }
    out
}

/// FHIR's administrative gender for what the desk holds as sex.
fn gender_of(sex: &str) -> Option<&'static str> {
    Some(match sex.trim().to_ascii_lowercase().as_str() {
        "male" | "m" => "male",
        "female" | "f" => "female",
        "other" | "o" => "other",
        "" => return None,
        _ => "unknown",
    })
}

fn flag(ptr: &Pointer, patient: PatientId) -> Value {
    let avoid = ptr.kind == PointerKind::AvoidTopic;
    let (use_code, use_text) = if avoid { ("avoid-topic", "Avoid this topic") } else { ("talk-about", "Talk about") };
    let mut out = json!({
        "resourceType": "Flag", "id": ptr.id.to_string(),
        "status": if ptr.retracted_at.is_some() { "inactive" } else { "active" },
        "category": [{ "coding": [{ "system": POINTER_KIND, "code": ptr.kind.as_str(), "display": ptr.kind.label() }] }],
        "code": { "coding": [{ "system": FLAG_USE, "code": use_code, "display": use_text }], "text": ptr.text },
        "subject": reference("Patient", patient),
        "period": { "start": instant(ptr.created_at) },
    });
    if let Some(day) = ptr.event_date {
        out["extension"] = json!([ext(EVENT_DATE, "valueDate", day.to_string())]);
    }
    out
}

fn appointment_status(s: AppointmentStatus) -> &'static str {
    match s {
        AppointmentStatus::Booked | AppointmentStatus::Confirmed => "booked",
        AppointmentStatus::Arrived => "arrived",
        AppointmentStatus::WithDoctor => "checked-in",
        AppointmentStatus::Done => "fulfilled",
        AppointmentStatus::Cancelled => "cancelled",
        AppointmentStatus::NoShow => "noshow",
    }
}

fn status_of_appointment(s: &str) -> Option<AppointmentStatus> {
    Some(match s {
        "booked" | "pending" | "proposed" => AppointmentStatus::Booked,
        "arrived" => AppointmentStatus::Arrived,
        "checked-in" => AppointmentStatus::WithDoctor,
        "fulfilled" => AppointmentStatus::Done,
        "cancelled" | "entered-in-error" => AppointmentStatus::Cancelled,
        "noshow" => AppointmentStatus::NoShow,
        _ => return None,
    })
}

fn practitioner(d: StaffId, doctor: &dyn Fn(StaffId) -> Option<String>) -> Value {
    let mut r = reference("Practitioner", d);
    if let Some(name) = doctor(d) {
        r["display"] = name.into();
    }
    r
}

fn appointment(a: &Appointment, patient: PatientId, doctor: &dyn Fn(StaffId) -> Option<String>) -> Value {
    let end = a.starts_at + chrono::Duration::minutes(i64::from(a.minutes));
    let mut out = json!({
        "resourceType": "Appointment", "id": a.id.to_string(), "status": appointment_status(a.status),
        "start": instant(a.starts_at), "end": instant(end), "minutesDuration": a.minutes, "created": instant(a.booked_at),
        "participant": [
            { "actor": reference("Patient", patient), "status": "accepted" },
            { "actor": practitioner(a.doctor, doctor), "status": "accepted" },
        ],
    });
    if let Some(reason) = &a.reason {
        out["description"] = reason.clone().into();
    }
    out
}

fn encounter(a: &Appointment, patient: PatientId, doctor: &dyn Fn(StaffId) -> Option<String>) -> Value {
    let mut period = Map::new();
    if let Some(start) = a.seen_at.or(a.arrived_at) {
        period.insert("start".into(), instant(start).into());
    }
    if let Some(end) = a.done_at {
        period.insert("end".into(), instant(end).into());
    }
    json!({
        "resourceType": "Encounter", "id": format!("{}-e", a.id), "status": "finished",
        "class": { "system": ACT_CODE, "code": "AMB", "display": "ambulatory" },
        "subject": reference("Patient", patient),
        "appointment": [reference("Appointment", a.id)],
        "participant": [{ "individual": practitioner(a.doctor, doctor) }],
        "period": period,
    })
}

// ---------------------------------------------------------------------------------------------
// In.

/// A resource refused: where it is in the bundle (`entry[3] Patient`) and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    pub position: String,
    pub reason: String,
}

/// A patient as a bundle gives them: the record and its Rapport id, if the resource's id is one.
#[derive(Debug, Clone, PartialEq)]
pub struct InPatient {
    pub position: String,
    /// The resource's id (for references within the bundle).
    pub key: String,
    /// Without the usual doctor: named by id and name, for the desk to find among its staff.
    pub patient: Patient,
    pub doctor_id: Option<uuid::Uuid>,
    pub doctor_name: Option<String>,
}

/// A pointer, an appointment or a visit, naming its patient by the resource id in the bundle (or
/// a patient the desk holds).
#[derive(Debug, Clone, PartialEq)]
pub struct InFlag {
    pub position: String,
    pub patient: String,
    pub id: Option<uuid::Uuid>,
    pub kind: PointerKind,
    pub text: String,
    pub event_date: Option<NaiveDate>,
    pub created_at: Option<DateTime<Utc>>,
    pub retracted: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct InAppointment {
    pub position: String,
    pub key: String,
    pub id: Option<uuid::Uuid>,
    pub patient: String,
    /// The doctor by id (`Practitioner/…`) and by name.
    pub doctor_id: Option<uuid::Uuid>,
    pub doctor_name: Option<String>,
    pub starts_at: DateTime<Utc>,
    pub minutes: u32,
    pub status: AppointmentStatus,
    pub reason: Option<String>,
    pub booked_at: Option<DateTime<Utc>>,
}

/// A done visit: of an appointment in the bundle, or on its own.
#[derive(Debug, Clone, PartialEq)]
pub struct InVisit {
    pub position: String,
    pub appointment: Option<String>,
    pub patient: String,
    pub doctor_id: Option<uuid::Uuid>,
    pub doctor_name: Option<String>,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
}

/// What a bundle holds, read and checked; or every resource refused.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Read {
    pub patients: Vec<InPatient>,
    /// (patient key, tag)
    pub conditions: Vec<(String, String)>,
    /// (patient key, attendant)
    pub attendants: Vec<(String, Attendant)>,
    pub flags: Vec<InFlag>,
    pub appointments: Vec<InAppointment>,
    pub visits: Vec<InVisit>,
    pub refused: Vec<Refusal>,
    /// Resources of kinds Rapport does not hold, left out (not refused).
    pub skipped: u32,
}

fn parse_instant(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s).ok().map(|t| t.with_timezone(&Utc))
}

/// `Patient/abc` (or `urn:uuid:abc`) → `abc`.
/// A FHIR `date`: a whole birth date, or a year (with or without a month) kept as the
/// approximate birth year.
fn birth(s: &str) -> Option<(Option<NaiveDate>, Option<i32>)> {
    if let Ok(d) = s.parse::<NaiveDate>() {
        return Some((Some(d), None));
    }
    let year = match s.split_once('-') {
        Some((y, m)) if m.len() == 2 && m.parse::<u32>().is_ok_and(|m| (1..=12).contains(&m)) => y,
        Some(_) => return None,
        None => s,
    };
    (year.len() == 4).then(|| year.parse().ok()).flatten().map(|y| (None, Some(y)))
}

fn key_of(r: &Reference, kind: &str) -> Option<String> {
    let s = r.reference.as_deref()?;
    s.strip_prefix(&format!("{kind}/")).or_else(|| s.strip_prefix("urn:uuid:")).map(str::to_owned)
}

fn uuid_of(s: &str) -> Option<uuid::Uuid> {
    s.parse().ok()
}

/// Reads a Bundle's text: each resource of a kind Rapport holds is checked and turned into the
/// desk's terms, each one that is not valid is refused with its position and the reason (never
/// its values).
pub fn read(text: &str, now: DateTime<Utc>) -> Result<Read, Refusal> {
    let bundle: Bundle = serde_json::from_str(text).map_err(|e| Refusal {
        position: format!("line {}", e.line()),
        reason: "not a FHIR JSON resource (a Bundle was expected)".into(),
    })?;
    if bundle.resource_type != "Bundle" || !matches!(bundle.kind.as_str(), "collection" | "transaction" | "batch") {
        return Err(Refusal {
            position: "the file".into(),
            reason: "a Bundle of type collection or transaction was expected".into(),
        });
    }
    let mut out = Read::default();
    for (i, entry) in bundle.entry.iter().enumerate() {
        let Some(resource) = &entry.resource else {
            out.refused.push(Refusal { position: format!("entry[{i}]"), reason: "the entry has no resource".into() });
            continue;
        };
        let kind = resource.get("resourceType").and_then(Value::as_str).unwrap_or_default().to_owned();
        let position = format!("entry[{i}] {kind}");
        if let Err(reason) = read_one(&kind, resource, &position, now, &mut out) {
            out.refused.push(Refusal { position, reason });
        }
    }
    Ok(out)
}

fn typed<T: serde::de::DeserializeOwned>(v: &Value) -> Result<T, String> {
    // serde's message names the element and what was expected, and may quote the value it met
    // (`invalid type: string "…"`): every quoted part is left out, so no value reaches the report.
    serde_json::from_value(v.clone()).map_err(|e| {
        let message = e.to_string();
        let message = message.split(" at line").next().unwrap_or("").trim();
        let unquoted: String = message.split('"').step_by(2).collect::<Vec<_>>().join("…");
        format!("not a valid resource: {unquoted}")
    })
}

fn required(what: &str) -> String {
    format!("{what} is required")
}

fn read_one(kind: &str, v: &Value, position: &str, now: DateTime<Utc>, out: &mut Read) -> Result<(), String> {
    let position = position.to_owned();
    match kind {
        "Patient" => {
            let r: FhirPatient = typed(v)?;
            let key = r.id.clone().ok_or_else(|| required("Patient.id"))?;
            // The id is the desk's to give; the record number, if the resource has none.
            let mut p = NewPatient::default().into_patient(PatientId::from_bytes([0; 16]), String::new(), now);
            let official = r.name.iter().find(|n| n.use_.as_deref() != Some("usual")).or(r.name.first());
            let official = official.ok_or_else(|| required("Patient.name"))?;
            p.family = official.family.clone().unwrap_or_default();
            p.given = official.given.join(" ");
            if p.given.trim().is_empty() && p.family.trim().is_empty() {
                p.given = official.text.clone().unwrap_or_default();
            }
            if p.given.trim().is_empty() && p.family.trim().is_empty() {
                return Err(required("a given or family name"));
            }
            p.preferred =
                r.name.iter().find(|n| n.use_.as_deref() == Some("usual")).and_then(|n| n.given.first().cloned());
            if let Some(no) =
                r.identifier.iter().find(|i| i.system.as_deref() == Some(RECORD_NUMBER)).and_then(|i| i.value.clone())
            {
                p.record_no = no;
            } else if let Some(no) = r.identifier.first().and_then(|i| i.value.clone()) {
                p.record_no = no;
            }
            (p.birth_date, p.birth_year) = match r.birth_date.as_deref().map(birth) {
                Some(Some(b)) => b,
                Some(None) => return Err("Patient.birthDate is not a date (YYYY, YYYY-MM or YYYY-MM-DD)".to_owned()),
                None => (None, None),
            };
            p.sex = match r.gender.as_deref() {
                None => None,
                Some(g @ ("male" | "female" | "other" | "unknown")) => Some(g.to_owned()),
                Some(_) => return Err("Patient.gender is not male, female, other or unknown".into()),
            };
            p.phones = r
                .telecom
                .iter()
                .filter(|t| t.system.as_deref() == Some("phone"))
                .filter_map(|t| t.value.clone())
                .collect();
            p.email = r.telecom.iter().find(|t| t.system.as_deref() == Some("email")).and_then(|t| t.value.clone());
            if let Some(a) = r.address.first() {
                p.address = a.line.first().cloned().or_else(|| a.text.clone());
                p.city = a.city.clone();
                p.area = a.district.clone();
            }
            p.language = r.communication.first().and_then(|c| c.language.coding.first()).and_then(|c| c.code.clone());
            let doctor = r.general_practitioner.first();
            for e in &r.extension {
                match e.url.as_str() {
                    CONSENT => p.consent = consent(&e.extension)?,
                    PRONUNCIATION => p.pronunciation = e.value_string.clone(),
                    REFERRAL_SOURCE => p.referral_source = e.value_string.clone(),
                    REFERRING_DOCTOR => p.referring_doctor = e.value_string.clone(),
                    _ => {}
                }
            }
            out.patients.push(InPatient {
                position,
                key,
                patient: p,
                doctor_id: doctor.and_then(|g| key_of(g, "Practitioner")).and_then(|k| uuid_of(&k)),
                doctor_name: doctor.and_then(|g| g.display.clone()),
            });
        }
        "Condition" => {
            let r: FhirCondition = typed(v)?;
            let patient = key_of(&r.subject, "Patient").ok_or_else(|| required("Condition.subject (a Patient)"))?;
            let tag = r
                .code
                .text
                .clone()
                .or_else(|| r.code.coding.first().and_then(|c| c.display.clone().or(c.code.clone())));
            out.conditions.push((patient, tag.ok_or_else(|| required("Condition.code"))?));
        }
        "RelatedPerson" => {
            let r: FhirRelatedPerson = typed(v)?;
            let patient = key_of(&r.patient, "Patient").ok_or_else(|| required("RelatedPerson.patient"))?;
            let name = r.name.first().and_then(|n| {
                n.text.clone().or_else(|| {
                    let whole = n.given.iter().cloned().chain(n.family.clone()).collect::<Vec<_>>().join(" ");
                    Some(whole).filter(|w| !w.is_empty())
                })
            });
            let relation = r.relationship.first().and_then(|c| {
                c.text.clone().or_else(|| c.coding.first().and_then(|c| c.display.clone().or(c.code.clone())))
            });
            let phone = r.telecom.iter().find(|t| t.system.as_deref() == Some("phone")).and_then(|t| t.value.clone());
            let name = name.ok_or_else(|| required("RelatedPerson.name"))?;
            out.attendants.push((patient, Attendant { name, relation: relation.unwrap_or_default(), phone }));
        }
        "Flag" => {
            let r: FhirFlag = typed(v)?;
            let patient = key_of(&r.subject, "Patient").ok_or_else(|| required("Flag.subject (a Patient)"))?;
            let avoid = r
                .code
                .coding
                .iter()
                .any(|c| c.system.as_deref() == Some(FLAG_USE) && c.code.as_deref() == Some("avoid-topic"));
            let kind = r
                .category
                .iter()
                .flat_map(|c| &c.coding)
                .find(|c| c.system.as_deref() == Some(POINTER_KIND))
                .and_then(|c| c.code.as_deref()?.parse::<PointerKind>().ok())
                .unwrap_or(if avoid { PointerKind::AvoidTopic } else { PointerKind::LifeEvent });
            let text = r.code.text.clone().ok_or_else(|| required("Flag.code.text"))?;
            if !matches!(r.status.as_str(), "active" | "inactive" | "entered-in-error") {
                return Err("Flag.status is not active, inactive or entered-in-error".into());
            }
            let event_date =
                r.extension.iter().find(|e| e.url == EVENT_DATE).and_then(|e| e.value_date.as_deref()?.parse().ok());
            let created_at = r.period.as_ref().and_then(|p| p.start.as_deref()).and_then(parse_instant);
            out.flags.push(InFlag {
                position,
                patient,
                id: r.id.as_deref().and_then(uuid_of),
                kind,
                text,
                event_date,
                created_at,
                retracted: r.status != "active",
            });
        }
        "Appointment" => {
            let r: FhirAppointment = typed(v)?;
            let key = r.id.clone().unwrap_or_default();
            let status = status_of_appointment(&r.status)
                .ok_or_else(|| "Appointment.status is not one Rapport keeps".to_owned())?;
            let starts_at = r.start.as_deref().ok_or_else(|| required("Appointment.start"))?;
            let starts_at = parse_instant(starts_at).ok_or_else(|| "Appointment.start is not an instant".to_owned())?;
            let minutes = r
                .minutes_duration
                .or_else(|| {
                    r.end
                        .as_deref()
                        .and_then(parse_instant)
                        .map(|e| u32::try_from((e - starts_at).num_minutes()).unwrap_or(0))
                })
                .filter(|m| (1..=480).contains(m))
                .ok_or_else(|| "Appointment needs a length (minutesDuration or end) of 1 to 480 minutes".to_owned())?;
            let actor = |kind: &str| {
                r.participant.iter().filter_map(|p| p.actor.as_ref()).find(|a| {
                    key_of(a, kind).is_some()
                        || (kind == "Practitioner" && a.display.is_some() && a.reference.is_none())
                })
            };
            let patient = actor("Patient")
                .and_then(|a| key_of(a, "Patient"))
                .ok_or_else(|| required("Appointment.participant (a Patient)"))?;
            let doctor = actor("Practitioner");
            out.appointments.push(InAppointment {
                position,
                id: uuid_of(&key),
                key,
                patient,
                doctor_id: doctor.and_then(|d| key_of(d, "Practitioner")).and_then(|k| uuid_of(&k)),
                doctor_name: doctor.and_then(|d| d.display.clone()),
                starts_at,
                minutes,
                status,
                reason: r.description.clone(),
                booked_at: r.created.as_deref().and_then(parse_instant),
            });
        }
        "Encounter" => {
            let r: FhirEncounter = typed(v)?;
            if r.class.code.is_none() {
                return Err(required("Encounter.class"));
            }
            let patient = key_of(&r.subject, "Patient").ok_or_else(|| required("Encounter.subject (a Patient)"))?;
            if r.status != "finished" {
                // A planned or running encounter is not a visit that happened.
                out.skipped += 1;
                return Ok(());
            }
            let doctor = r.participant.iter().filter_map(|p| p.individual.as_ref()).next();
            let period = r.period.clone().unwrap_or_default();
            out.visits.push(InVisit {
                position,
                appointment: r.appointment.first().and_then(|a| key_of(a, "Appointment")),
                patient,
                doctor_id: doctor.and_then(|d| key_of(d, "Practitioner")).and_then(|k| uuid_of(&k)),
                doctor_name: doctor.and_then(|d| d.display.clone()),
                start: period.start.as_deref().and_then(parse_instant),
                end: period.end.as_deref().and_then(parse_instant),
            });
        }
        "" => return Err(required("resourceType")),
        _ => out.skipped += 1,
    }
    Ok(())
}

fn consent(parts: &[Extension]) -> Result<Consent, String> {
    let flag = |url: &str| parts.iter().find(|e| e.url == url).and_then(|e| e.value_boolean).unwrap_or(false);
    let time = |url: &str| -> Result<Option<NaiveTime>, String> {
        match parts.iter().find(|e| e.url == url).and_then(|e| e.value_time.as_deref()) {
            Some(t) => NaiveTime::parse_from_str(t, "%H:%M:%S")
                .map(Some)
                .map_err(|_| "a consent time is not HH:MM:SS".to_owned()),
            None => Ok(None),
        }
    };
    let quiet_hours = match (time("quiet-start")?, time("quiet-end")?) {
        (Some(start), Some(end)) => Some(QuietHours { start, end }),
        _ => None,
    };
    Ok(Consent {
        sms: flag("sms"),
        email: flag("email"),
        phone: flag("phone"),
        opted_out: flag("opted-out"),
        quiet_hours,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_resource_read_and_written_again_keeps_what_rapport_does_not_know() {
        let text = r#"{"resourceType":"Patient","id":"p1","name":[{"use":"official","family":"Rao","given":["Asha"],"period":{"start":"2001-01-01"}}],"maritalStatus":{"text":"Married"},"_birthDate":{"extension":[]}}"#;
        let p: FhirPatient = serde_json::from_str(text).expect("read");
        let again = serde_json::to_value(&p).expect("write");
        assert_eq!(again, serde_json::from_str::<Value>(text).expect("json"));
    }

    #[test]
    fn a_partial_birth_date_is_an_approximate_birth_year() {
        let day = NaiveDate::from_ymd_opt(1984, 2, 29);
        assert_eq!(birth("1984-02-29"), Some((day, None)));
        assert_eq!(birth("1984"), Some((None, Some(1984))));
        assert_eq!(birth("1984-02"), Some((None, Some(1984))));
        for bad in ["84", "1984-13", "1984-02-30", "about 1984", "1984-2"] {
            assert_eq!(birth(bad), None, "{bad}");
        }
    }
}
