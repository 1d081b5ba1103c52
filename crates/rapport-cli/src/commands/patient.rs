//! Patients: `patient add|edit|search|show|duplicates`, the card as the CLI prints it, and the
//! review queue `duplicates list`.

use chrono::Local;
use rapport_core::{Band, DuplicatePair, DuplicateReason, PatientCard, PatientHit, Rapport, Session};
use rapport_model::{NewPatient, PatientEdit, PatientId, PointerState};
use serde::Serialize;

use crate::cli::{DuplicatesCommand, PatientCommand};
use crate::context::Failure;
use crate::output::{self, local, say};

pub(crate) fn patient(app: &mut Rapport, s: &Session, cmd: PatientCommand) -> Result<(), Failure> {
    match cmd {
        PatientCommand::Add { fields, json } => {
            let new = NewPatient {
                given: fields.given.unwrap_or_default(),
                family: fields.family.unwrap_or_default(),
                preferred: fields.preferred,
                birth_date: fields.birth_date,
                phones: fields.phone.into_iter().collect(),
                ..NewPatient::default()
            };
            let p = app.register_patient(s, new)?;
            if json {
                return output::json(&p);
            }
            say!("{}", p.id);
        }
        PatientCommand::Edit { id, fields, reach, json } => {
            let id = app.resolve_patient(s, &id)?;
            let edit = PatientEdit {
                given: fields.given,
                family: fields.family,
                preferred: fields.preferred.map(Some),
                birth_date: fields.birth_date.map(Some),
                primary_phone: fields.phone,
                email: reach.email.map(|e| Some(e).filter(|e| !e.trim().is_empty())),
                language: reach.language.map(|l| Some(l).filter(|l| !l.trim().is_empty())),
                sms_consent: reach.sms_consent,
                email_consent: reach.email_consent,
                phone_consent: reach.phone_consent,
                add_conditions: reach.tags,
                remove_conditions: reach.untags,
                ..PatientEdit::default()
            };
            let p = app.edit_patient(s, id, edit)?;
            if json {
                return output::json(&p);
            }
            say!("{}", p.id);
        }
        PatientCommand::Search { query, limit, json } => {
            let hits = app.search_patients(s, &query, limit)?;
            if json {
                return output::json(&hits);
            }
            if hits.is_empty() {
                say!("No patient matches.");
            }
            for h in hits {
                print_hit(&h);
            }
        }
        PatientCommand::Show { id, reason, json } => {
            let id = app.resolve_patient(s, &id)?;
            let card = match reason {
                Some(reason) => app.open_restricted(s, id, &reason)?,
                None => app.open_patient(s, id)?,
            };
            if json {
                return output::json(&CardJson::from(&card));
            }
            print_card(app, s, &card)?;
        }
        PatientCommand::Restrict { id, lift } => {
            let id = app.resolve_patient(s, &id)?;
            app.set_restricted(s, id, !lift)?;
            say!(
                "{}",
                if lift {
                    "The record opens as any other again."
                } else {
                    "Restricted: anyone opens it only by saying why."
                }
            );
        }
        PatientCommand::Merge { keep, other, take, json } => {
            let (keep, other) = (app.resolve_patient(s, &keep)?, app.resolve_patient(s, &other)?);
            let merge = app.merge_patients(s, keep, other, &take.into_iter().collect())?;
            if json {
                return output::json(&merge);
            }
            say!("{}", merge.id);
        }
        PatientCommand::Unmerge { merge_id } => {
            let merge = app.unmerge_patients(s, merge_id)?;
            say!("Undone: the two records are apart again (merge {}).", merge.id);
        }
        PatientCommand::Duplicates { given, family, birth_date, phone, json } => {
            let found = app.possible_duplicates(s, &given, &family, birth_date, &phone)?;
            if json {
                return output::json(&found);
            }
            if found.is_empty() {
                say!("No likely duplicates.");
            }
            for m in &found {
                print_hit(&m.patient);
                say!("    {} ({}): {}", m.likeness.band.as_str(), m.likeness.score, reasons(&m.likeness.reasons));
            }
        }
    }
    Ok(())
}

/// `duplicates list`.
pub(crate) fn duplicates(app: &mut Rapport, s: &Session, cmd: DuplicatesCommand) -> Result<(), Failure> {
    let DuplicatesCommand::List { band, json } = cmd;
    let pairs = app.duplicate_pairs(s, band)?;
    if json {
        return output::json(&pairs.iter().map(PairJson::from).collect::<Vec<_>>());
    }
    if pairs.is_empty() {
        say!("No patients look like one another (band {} and surer).", band.as_str());
    }
    for pair in &pairs {
        say!("{} ({}): {}", pair.likeness.band.as_str(), pair.likeness.score, reasons(&pair.likeness.reasons));
        print_hit(&pair.a);
        print_hit(&pair.b);
    }
    Ok(())
}

fn reasons(reasons: &[DuplicateReason]) -> String {
    reasons.iter().map(|r| r.label()).collect::<Vec<_>>().join(", ")
}

/// A pair of the review queue in `--json`: the two ids (for `patient merge`), their record
/// numbers and names, and the match.
#[derive(Serialize)]
struct PairJson<'a> {
    a: PatientId,
    b: PatientId,
    score: i32,
    band: Band,
    reasons: &'a [DuplicateReason],
    a_record_no: &'a str,
    b_record_no: &'a str,
    a_name: String,
    b_name: String,
}

impl<'a> From<&'a DuplicatePair> for PairJson<'a> {
    fn from(p: &'a DuplicatePair) -> Self {
        Self {
            a: p.a.id,
            b: p.b.id,
            score: p.likeness.score,
            band: p.likeness.band,
            reasons: &p.likeness.reasons,
            a_record_no: &p.a.record_no,
            b_record_no: &p.b.record_no,
            a_name: rapport_model::patient::full_name(&p.a.given, &p.a.family),
            b_name: rapport_model::patient::full_name(&p.b.given, &p.b.family),
        }
    }
}

fn print_hit(h: &PatientHit) {
    let name = match &h.preferred {
        Some(p) => format!("{} {} ({p})", h.given, h.family),
        None => format!("{} {}", h.given, h.family),
    };
    say!(
        "{:<36} {:<10} born {:<10}  {:<18} {}",
        name,
        h.record_no,
        h.birth_date.map(|d| d.to_string()).unwrap_or_else(|| "?".into()),
        h.phone.as_deref().unwrap_or("-"),
        h.id
    );
}

/// The card as JSON: the patient's fields at the top level, with what the card adds.
#[derive(Serialize)]
struct CardJson<'a> {
    #[serde(flatten)]
    patient: &'a rapport_model::Patient,
    age: Option<u32>,
    usual_doctor_name: Option<&'a str>,
    pointers: &'a [rapport_core::PointerView],
    last_appointment: Option<&'a rapport_model::Appointment>,
    next_appointment: Option<&'a rapport_model::Appointment>,
    open_calls: &'a [rapport_model::calls::CallItem],
    messages: &'a [rapport_model::outreach::MessageView],
}

impl<'a> From<&'a PatientCard> for CardJson<'a> {
    fn from(c: &'a PatientCard) -> Self {
        Self {
            patient: &c.patient,
            age: c.age,
            usual_doctor_name: c.usual_doctor_name.as_deref(),
            pointers: &c.pointers,
            last_appointment: c.last_appointment.as_ref(),
            next_appointment: c.next_appointment.as_ref(),
            open_calls: &c.open_calls,
            messages: &c.messages,
        }
    }
}

pub(crate) fn print_card(app: &Rapport, s: &Session, c: &PatientCard) -> Result<(), Failure> {
    let p = &c.patient;
    let mut title = p.full_name();
    if let Some(pref) = &p.preferred {
        title.push_str(&format!(" — call them \"{pref}\""));
    }
    if let Some(say) = &p.pronunciation {
        title.push_str(&format!(" (say \"{say}\")"));
    }
    say!("{title}    {}", p.record_no);
    let mut facts = Vec::new();
    if let Some(age) = c.age {
        facts.push(format!("age {age}"));
    }
    if let Some(b) = p.birth_date {
        facts.push(format!("born {b}"));
    }
    facts.extend(p.phones.iter().cloned());
    if let Some(lang) = &p.language {
        facts.push(lang.clone());
    }
    say!("{}", facts.join(" · "));
    if !p.practical_needs.is_empty() {
        say!("Needs: {}", p.practical_needs.iter().map(|n| n.label()).collect::<Vec<_>>().join(", "));
    }
    if let Some(d) = &c.usual_doctor_name {
        say!("Usual doctor: {d}");
    }
    let talk: Vec<_> = c.pointers.iter().filter(|v| v.state != PointerState::Avoid).collect();
    let avoid: Vec<_> = c.pointers.iter().filter(|v| v.state == PointerState::Avoid).collect();
    if !talk.is_empty() {
        say!("Talk about:");
        for v in talk {
            let when = v.pointer.event_date.map(|d| format!(", {d}")).unwrap_or_default();
            let used = v
                .pointer
                .last_used()
                .map(|m| format!("; asked by {} on {}", m.by_name, m.at.with_timezone(&Local).format("%Y-%m-%d")))
                .unwrap_or_default();
            say!(
                "  • {}  ({}{when}; {} on {}{used})  {}",
                v.prompt,
                v.pointer.kind.label().to_lowercase(),
                v.pointer.author_name,
                v.pointer.created_at.with_timezone(&Local).format("%Y-%m-%d"),
                v.pointer.id
            );
        }
    }
    if !avoid.is_empty() {
        say!("Avoid:");
        for v in avoid {
            say!(
                "  ⚠ {}  ({} on {})  {}",
                v.pointer.text,
                v.pointer.author_name,
                v.pointer.created_at.with_timezone(&Local).format("%Y-%m-%d"),
                v.pointer.id
            );
        }
    }
    let staff = app.list_staff(s)?;
    let doctor = |id| staff.iter().find(|m| m.id == id).map(|m| m.display_name.clone()).unwrap_or_default();
    if let Some(a) = &c.last_appointment {
        say!(
            "Last appointment: {} with {} ({})",
            local(a.starts_at),
            doctor(a.doctor),
            a.status.label().to_lowercase()
        );
    }
    if let Some(a) = &c.next_appointment {
        say!(
            "Next appointment: {} with {} ({})",
            local(a.starts_at),
            doctor(a.doctor),
            a.status.label().to_lowercase()
        );
    }
    for call in &c.open_calls {
        say!("To call: {} (since {})", call.reason.words(), call.due_on);
    }
    for m in c.messages.iter().take(3) {
        say!("Message: {}", super::messaging::message_line(m));
    }
    Ok(())
}
