//! The clinic's records as HL7 FHIR R4 and back (the mapping is the model's,
//! [`rapport_model::fhir`]). Export: one patient or every living one, as a Bundle in a new
//! file only its owner may read (managers and admins; audited). Import: a Bundle's patients,
//! condition tags, attendants, pointers, appointments and visits, all in one transaction or
//! nothing (a resource refused, with its position and the reason, writes nothing). Ids are
//! kept, so the same bundle imported twice changes nothing the second time, and an export
//! imported into an empty desk exports the same again.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use chrono::{DateTime, Duration, Utc};
use rapport_model::fhir::{self, PatientRecords, Refusal};
use rapport_model::{
    Appointment, AppointmentId, AppointmentStatus, Booking, Operation, Patient, PatientId, Pointer, PointerId,
};
use rapport_model::{Source, Staff, StaffId};
use rapport_store::records;
use serde::Serialize;

use crate::services::log;
use crate::{Error, ErrorCode, Rapport, Result, Session};

/// What a FHIR import did, or would do.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FhirSummary {
    pub created: u32,
    pub updated: u32,
    pub pointers: u32,
    pub appointments: u32,
    pub visits: u32,
    /// Resources of kinds Rapport does not keep, or already held (the same bundle again).
    pub skipped: u32,
    pub refused: Vec<Refusal>,
    pub written: bool,
}

impl FhirSummary {
    /// The summary as the window shows it.
    pub fn report(&self) -> rapport_model::ipc::ImportReport {
        rapport_model::ipc::ImportReport {
            created: self.created,
            updated: self.updated,
            unchanged: self.skipped,
            duplicates: 0,
            refused: self
                .refused
                .iter()
                .map(|r| rapport_model::ipc::ImportRefusal {
                    place: r.position.clone(),
                    column: String::new(),
                    reason: r.reason.clone(),
                })
                .collect(),
            written: self.written,
            details: format!(
                "{} pointer(s), {} appointment(s), {} visit(s)",
                self.pointers, self.appointments, self.visits
            ),
        }
    }
}

impl Rapport {
    /// One patient's records, or every living patient's, as a FHIR R4 Bundle (JSON text),
    /// audited; with the number of resources.
    pub fn export_fhir(&mut self, s: &Session, patient: Option<PatientId>) -> Result<(String, usize)> {
        s.require(Operation::ChangeSettings)?;
        let conn = self.store.conn();
        let patients: Vec<Patient> = match patient {
            Some(id) => vec![self.patient_or_404(records::canonical(conn, id)?)?],
            None => {
                let mut all: Vec<Patient> =
                    records::patients_with_last_visit(conn)?.into_iter().map(|(p, _)| p).collect();
                all.sort_by(|a, b| a.record_no.cmp(&b.record_no));
                all
            }
        };
        let staff: HashMap<StaffId, String> =
            records::list_staff(conn)?.into_iter().map(|s| (s.id, s.display_name)).collect();
        let doctor = |id: StaffId| staff.get(&id).cloned();
        let mut held = Vec::with_capacity(patients.len());
        for p in &patients {
            held.push((records::current_pointers(conn, p.id)?, records::appointments_for_patient(conn, p.id)?));
        }
        let bundle: Vec<PatientRecords<'_>> = patients
            .iter()
            .zip(&held)
            .map(|(patient, (pointers, appointments))| PatientRecords {
                patient,
                pointers,
                appointments,
                doctor: &doctor,
            })
            .collect();
        let now = self.clock.now();
        let value = fhir::export(&bundle, now);
        let count = value["entry"].as_array().map_or(0, Vec::len);
        let text = serde_json::to_string_pretty(&value).map_err(|_| Error::new(ErrorCode::Storage, "the bundle"))?;
        let detail = format!("{count} resources, {} patients", patients.len());
        self.store.write(|tx| log(tx, now, s, "export.fhir", patient, Some(&detail)))?;
        Ok((text, count))
    }

    /// [`Self::export_fhir`] into a new file at `out` (never over an existing one; 0600).
    pub fn export_fhir_to(&mut self, s: &Session, patient: Option<PatientId>, out: &Path) -> Result<usize> {
        let (text, count) = self.export_fhir(s, patient)?;
        crate::export::write_new_file(out, text.as_bytes())?;
        Ok(count)
    }

    /// Imports a FHIR Bundle's text (managers and admins). See the module.
    pub fn import_fhir(&mut self, s: &Session, text: &str, dry_run: bool) -> Result<FhirSummary> {
        s.require(Operation::ChangeSettings)?;
        let now = self.clock.now();
        let read = fhir::read(text, now).map_err(|r| Error::invalid(format!("{}: {}", r.position, r.reason)))?;
        let clinic = self.clinic_name()?;
        let mut ids = Vec::new();
        // At most one id per patient, appointment and visit, two per pointer (it and its retraction).
        for _ in 0..read.patients.len() + 2 * read.flags.len() + read.appointments.len() + read.visits.len() {
            let (ms, rnd) = self.id_parts()?;
            ids.push(uuid::Builder::from_unix_timestamp_millis(ms, &rnd).into_uuid());
        }
        let mut fresh = ids.into_iter();
        let summary = FhirSummary { refused: read.refused.clone(), skipped: read.skipped, ..FhirSummary::default() };
        let outcome = self.store.write(|tx| -> std::result::Result<FhirSummary, Stop> {
            let mut sum = summary;
            let staff = records::list_staff(tx)?;
            // Patients: by id, else by record number, else new (with the resource's id if it is one).
            let mut by_key: HashMap<String, PatientId> = HashMap::new();
            let mut writes: Vec<(Patient, bool)> = Vec::new();
            for p in &read.patients {
                let as_id = p.key.parse::<PatientId>().ok();
                let held = match as_id {
                    Some(id) if records::get_patient(tx, id)?.is_some() => Some(id),
                    _ if !p.patient.record_no.is_empty() => records::patient_id_by_record_no(tx, &p.patient.record_no)?,
                    _ => None,
                };
                let mut patient = p.patient.clone();
                // A usual doctor who is not on this clinic's staff is left out, not refused.
                patient.usual_doctor = find_doctor(&staff, p.doctor_id, p.doctor_name.as_deref());
                patient.conditions = tags(&read.conditions, &p.key);
                patient.attendants =
                    read.attendants.iter().filter(|(k, _)| *k == p.key).map(|(_, a)| a.clone()).collect();
                match held {
                    Some(id) => {
                        let before = records::get_patient(tx, id)?.ok_or_else(|| Error::not_found("patient"))?;
                        patient.id = id;
                        patient.record_no = before.record_no.clone();
                        // A bundle without Conditions or RelatedPersons for them says nothing of those.
                        if patient.conditions.is_empty() {
                            patient.conditions = before.conditions.clone();
                        }
                        if patient.attendants.is_empty() {
                            patient.attendants = before.attendants.clone();
                        }
                        (patient.created_at, patient.last_seen_at) = (before.created_at, before.last_seen_at);
                        if patient != (Patient { updated_at: patient.updated_at, ..before.clone() }) {
                            writes.push((patient, false));
                        } else {
                            sum.skipped += 1;
                        }
                        by_key.insert(p.key.clone(), id);
                    }
                    None => {
                        patient.id = as_id.unwrap_or_else(|| PatientId::from_uuid(fresh.next().unwrap_or_default()));
                        if patient.record_no.is_empty() {
                            patient.record_no = records::next_record_no(tx)?;
                        }
                        by_key.insert(p.key.clone(), patient.id);
                        writes.push((patient, true));
                    }
                }
            }
            let patient_of = |key: &str, position: &str| -> Result<PatientId> {
                if let Some(id) = by_key.get(key) {
                    return Ok(*id);
                }
                match key.parse::<PatientId>() {
                    Ok(id) if records::get_patient(tx, id)?.is_some() => Ok(id),
                    _ => Err(refusal(position, "names a patient neither in the bundle nor held here")),
                }
            };
            let doctor_of = |id: Option<uuid::Uuid>, name: Option<&str>, position: &str| -> Result<StaffId> {
                find_doctor(&staff, id, name).ok_or_else(|| {
                    refusal(
                        position,
                        "names a doctor who is not on this clinic's staff (add them first, by the same name)",
                    )
                })
            };
            let mut refused = Vec::new();
            for (patient, new) in &writes {
                if *new {
                    records::insert_patient(tx, patient)?;
                    sum.created += 1;
                } else {
                    records::update_patient(tx, patient)?;
                    sum.updated += 1;
                }
                log(tx, now, s, "patient.import", Some(patient.id), Some("fhir"))?;
            }
            for f in &read.flags {
                keep_refusal(
                    (|| {
                        let patient = patient_of(&f.patient, &f.position)?;
                        let id = f.id.map_or_else(
                            || PointerId::from_uuid(fresh.next().unwrap_or_default()),
                            PointerId::from_uuid,
                        );
                        if records::get_pointer(tx, id)?.is_some() {
                            sum.skipped += 1;
                            return Ok(());
                        }
                        let text = rapport_model::pointer::validate_text(&f.text)
                            .map_err(|e| refusal(&f.position, &e.to_string()))?;
                        let created_at = f.created_at.unwrap_or(now);
                        let pointer = Pointer {
                            id,
                            patient_id: patient,
                            kind: f.kind,
                            text,
                            event_date: f.event_date,
                            author: s.staff().id,
                            author_name: s.staff().display_name.clone(),
                            author_role: s.staff().role,
                            clinic: clinic.clone(),
                            source: Source::Other,
                            created_at,
                            supersedes: None,
                            retracted_at: None,
                            marks: Vec::new(),
                        };
                        records::insert_pointer(tx, &pointer)?;
                        if f.retracted {
                            let mark = *fresh.next().unwrap_or_default().as_bytes();
                            records::insert_mark(tx, mark, id, "retracted", s.staff().id, created_at, None)?;
                        }
                        sum.pointers += 1;
                        log(tx, now, s, "pointer.import", Some(patient), Some(&id.to_string()))
                    })(),
                    &mut refused,
                )?;
            }
            let mut by_appointment: HashMap<String, AppointmentId> = HashMap::new();
            let mut taken: HashSet<AppointmentId> = HashSet::new();
            for a in &read.appointments {
                keep_refusal(
                    (|| {
                        let patient = patient_of(&a.patient, &a.position)?;
                        let doctor = doctor_of(a.doctor_id, a.doctor_name.as_deref(), &a.position)?;
                        let id = a.id.map_or_else(
                            || AppointmentId::from_uuid(fresh.next().unwrap_or_default()),
                            AppointmentId::from_uuid,
                        );
                        by_appointment.insert(a.key.clone(), id);
                        if !taken.insert(id) || records::get_appointment(tx, id)?.is_some() {
                            sum.skipped += 1;
                            return Ok(());
                        }
                        let booking = Booking {
                            patient,
                            doctor,
                            starts_at: a.starts_at,
                            minutes: a.minutes,
                            reason: a.reason.clone(),
                        };
                        let mut appt = Appointment::booked(id, booking, s.staff().id, a.booked_at.unwrap_or(now));
                        appt.status = a.status;
                        stamp(&mut appt, a.starts_at);
                        records::insert_appointment(tx, &appt)?;
                        sum.appointments += 1;
                        log(tx, now, s, "appointment.import", Some(patient), Some(&id.to_string()))
                    })(),
                    &mut refused,
                )?;
            }
            for v in &read.visits {
                keep_refusal(
                    (|| {
                        let patient = patient_of(&v.patient, &v.position)?;
                        let held = match &v.appointment {
                            Some(key) => by_appointment
                                .get(key)
                                .copied()
                                .or_else(|| key.parse::<AppointmentId>().ok())
                                .map(|id| records::get_appointment(tx, id))
                                .transpose()?
                                .flatten(),
                            None => None,
                        };
                        let mut appt = match held {
                            Some(a) => a,
                            None => {
                                let doctor = doctor_of(v.doctor_id, v.doctor_name.as_deref(), &v.position)?;
                                let start = v
                                    .start
                                    .ok_or_else(|| refusal(&v.position, "a visit needs Encounter.period.start"))?;
                                let minutes = v.end.map_or(15, |e| {
                                    u32::try_from((e - start).num_minutes()).unwrap_or(15).clamp(1, 480)
                                });
                                let booking = Booking { patient, doctor, starts_at: start, minutes, reason: None };
                                let id = AppointmentId::from_uuid(fresh.next().unwrap_or_default());
                                let mut appt = Appointment::booked(id, booking, s.staff().id, start);
                                appt.status = AppointmentStatus::Done;
                                records::insert_appointment(tx, &appt)?;
                                sum.appointments += 1;
                                appt
                            }
                        };
                        let (seen, done) = (v.start.or(appt.seen_at), v.end.or(appt.done_at));
                        if appt.status == AppointmentStatus::Done && appt.seen_at == seen && appt.done_at == done {
                            return Ok(());
                        }
                        appt.status = AppointmentStatus::Done;
                        (appt.arrived_at, appt.seen_at, appt.done_at) = (None, seen, done);
                        records::update_appointment_status(tx, &appt)?;
                        sum.visits += 1;
                        log(tx, now, s, "appointment.import", Some(patient), Some(&appt.id.to_string()))
                    })(),
                    &mut refused,
                )?;
            }
            sum.refused.extend(refused);
            // In bundle order, whichever check refused them.
            sum.refused.sort_by_key(|r| {
                r.position.strip_prefix("entry[").and_then(|p| p.split(']').next()?.parse::<usize>().ok())
            });
            if !sum.refused.is_empty() || dry_run {
                // Nothing is kept: returning the counts as an error rolls the transaction back.
                return Err(Stop::Checked(sum));
            }
            log(tx, now, s, "import.fhir", None, Some(&format!("created {}, updated {}", sum.created, sum.updated)))?;
            sum.written = true;
            Ok(sum)
        });
        match outcome {
            Ok(done) | Err(Stop::Checked(done)) => Ok(done),
            Err(Stop::Failed(e)) => Err(e),
        }
    }
}

/// How the writing transaction ends when it does not commit: checked and rolled back on
/// purpose (a dry run, or a resource refused), or failed.
enum Stop {
    Checked(FhirSummary),
    Failed(Error),
}

impl From<Error> for Stop {
    fn from(e: Error) -> Self {
        Self::Failed(e)
    }
}

impl From<rapport_store::StoreError> for Stop {
    fn from(e: rapport_store::StoreError) -> Self {
        Self::Failed(e.into())
    }
}

/// A resource refused inside the writing transaction, carried as an error until
/// [`keep_refusal`] takes it.
const REFUSED: ErrorCode = ErrorCode::InvalidInput;

fn refusal(position: &str, reason: &str) -> Error {
    Error::new(REFUSED, format!("{position}\u{1f}{reason}"))
}

/// A resource's refusal joins the list (the rest of the bundle is still checked); any other
/// failure stops the import.
fn keep_refusal(r: Result<()>, refused: &mut Vec<Refusal>) -> Result<()> {
    match r {
        Err(e) if e.code == REFUSED && e.message.contains('\u{1f}') => {
            let (position, reason) = e.message.split_once('\u{1f}').unwrap_or_default();
            refused.push(Refusal { position: position.to_owned(), reason: reason.to_owned() });
            Ok(())
        }
        other => other,
    }
}

/// The condition tags the bundle gives one patient, in order, once each.
fn tags(conditions: &[(String, String)], key: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (k, tag) in conditions {
        if k == key && !out.contains(tag) {
            out.push(tag.clone());
        }
    }
    out
}

/// A doctor of this clinic by id, else by name or login (case aside).
fn find_doctor(staff: &[Staff], id: Option<uuid::Uuid>, name: Option<&str>) -> Option<StaffId> {
    if let Some(id) = id
        && let Some(s) = staff.iter().find(|s| s.id == StaffId::from_uuid(id))
    {
        return Some(s.id);
    }
    let name = name?.trim();
    staff.iter().find(|s| s.display_name.eq_ignore_ascii_case(name) || s.login.eq_ignore_ascii_case(name)).map(|s| s.id)
}

/// The times a status implies, when the bundle gives only the status.
fn stamp(a: &mut Appointment, at: DateTime<Utc>) {
    match a.status {
        AppointmentStatus::Arrived => a.arrived_at = Some(at),
        AppointmentStatus::WithDoctor => a.seen_at = Some(at),
        AppointmentStatus::Done => {
            (a.seen_at, a.done_at) = (Some(at), Some(at + Duration::minutes(i64::from(a.minutes))));
        }
        AppointmentStatus::Cancelled => a.cancelled_at = Some(at),
        AppointmentStatus::NoShow => a.no_show_at = Some(at),
        AppointmentStatus::Booked | AppointmentStatus::Confirmed => {}
    }
}
