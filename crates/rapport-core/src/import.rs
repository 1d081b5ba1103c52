//! Patients and appointments from another system's CSV export. The rows are read and checked
//! first (the model's [`rapport_model::import`] turns each into a record or a refusal); then,
//! unless it is a dry run or a row was refused, every row is written in one transaction, so a
//! file goes in whole or not at all. A row whose record number the desk already holds updates
//! that patient (the columns the file has), so importing the same file twice makes no
//! duplicates. Each record written is audited (`patient.import`, `appointment.import`), and the
//! import once with its counts; the records sync like typed ones.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, Local, TimeZone as _, Utc};
use rapport_model::Operation;
use rapport_model::duplicates::{Band, Held, Person};
use rapport_model::import::{Column, DateFormat, Field, Lines, Mapping, VisitColumn, decode, delimiter};
use rapport_model::patient::NewPatient;
use rapport_model::{Appointment, AppointmentId, Booking, PatientId, Role, Staff, StaffId};
use rapport_store::records;
use serde::Serialize;

use crate::services::log;
use crate::{Error, Rapport, Result, Session};

/// How to read the file.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions<'a> {
    /// A mapping file's text (`Source header = column` lines); none: the headers are recognised.
    pub map: Option<&'a str>,
    /// None: ISO dates, or the one order the file's dates prove.
    pub date_format: Option<DateFormat>,
    /// Read and check everything, write nothing.
    pub dry_run: bool,
}

/// A refused row: its line in the file (the header is line 1), the column and the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RefusedRow {
    pub line: u64,
    pub column: String,
    pub reason: String,
}

/// What an import did, or would do.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub created: u32,
    pub updated: u32,
    /// Rows whose record number is held and whose columns say nothing new.
    pub unchanged: u32,
    /// New patients who look like one already held (same name and birth date, or phone):
    /// created all the same, for staff to review.
    pub duplicates: u32,
    pub refused: Vec<RefusedRow>,
    /// Rows with nothing in them.
    pub blank: u32,
    /// The file's columns that no field takes (read and left out).
    pub left_out: Vec<String>,
    pub encoding: String,
    pub delimiter: String,
    pub date_format: String,
    /// Whether anything was written (not on a dry run, nor when a row was refused).
    pub written: bool,
}

impl ImportSummary {
    /// The summary as the window shows it.
    pub fn report(&self) -> rapport_model::ipc::ImportReport {
        rapport_model::ipc::ImportReport {
            created: self.created,
            updated: self.updated,
            unchanged: self.unchanged,
            duplicates: self.duplicates,
            refused: self
                .refused
                .iter()
                .map(|r| rapport_model::ipc::ImportRefusal {
                    place: format!("line {}", r.line),
                    column: r.column.clone(),
                    reason: r.reason.clone(),
                })
                .collect(),
            written: self.written,
            details: format!("{}, delimiter \"{}\", dates {}", self.encoding, self.delimiter, self.date_format),
        }
    }
}

/// How often an import says how far it has got, in rows.
pub const PROGRESS_EVERY: usize = 500;

/// Where an import is: checking the rows, then writing them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportStage {
    Checking,
    Writing,
}

/// How far an import has got: `done` of `total` rows of its stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportProgress {
    pub stage: ImportStage,
    pub done: usize,
    pub total: usize,
}

/// A row read and checked, and what it will do.
/// What is written is read again in the writing transaction: a change pulled from head office
/// since the rows were checked is built on, never overwritten by the check's copy.
enum Planned {
    /// A new patient (or, if the record number is held by the time it is written, an update).
    Create { record_no: Option<String>, patient: NewPatient },
    /// The file's columns, to put onto this held patient.
    Update { id: PatientId, patient: NewPatient },
}

impl Rapport {
    /// Imports patients from a CSV file's bytes (managers and admins). See the module.
    pub fn import_patients(&mut self, s: &Session, bytes: &[u8], options: &ImportOptions<'_>) -> Result<ImportSummary> {
        self.import_patients_showing(s, bytes, options, &mut |_| {})
    }

    /// The same, telling `progress` how far it has got (every [`PROGRESS_EVERY`] rows).
    pub fn import_patients_showing(
        &mut self,
        s: &Session,
        bytes: &[u8],
        options: &ImportOptions<'_>,
        progress: &mut dyn FnMut(ImportProgress),
    ) -> Result<ImportSummary> {
        s.require(Operation::ChangeSettings)?;
        let Table { mapping, rows, mut summary, dates } = read_table::<Column>(bytes, options, Column::BirthDate)?;
        let today = self.today();
        let conn = self.store.conn();
        // Who a new row may be: the living patients held, read once and indexed by block.
        let living = Held::new(records::match_people(conn)?.into_iter().map(|(_, p)| p).collect());
        let mut planned = Vec::with_capacity(rows.len());
        let mut seen_numbers = std::collections::HashMap::new();
        let total = rows.len();
        for (done, (line, record)) in rows.iter().enumerate() {
            if done % PROGRESS_EVERY == 0 {
                progress(ImportProgress { stage: ImportStage::Checking, done, total });
            }
            let cells: Vec<&str> = record.iter().collect();
            let row = match mapping.patient(&cells, dates, today) {
                Ok(row) => row,
                Err(r) => {
                    summary.refused.push(RefusedRow { line: *line, column: r.column, reason: r.reason });
                    continue;
                }
            };
            if let Some(no) = &row.record_no
                && let Some(first) = seen_numbers.insert(no.clone(), *line)
            {
                let column = mapping.header_of(Column::RecordNo);
                let reason = format!("the same record number is on line {first}");
                summary.refused.push(RefusedRow { line: *line, column, reason });
                continue;
            }
            let held = match &row.record_no {
                Some(no) => records::patient_id_by_record_no(conn, no)?,
                None => None,
            };
            match held {
                Some(id) => {
                    let mut patient = records::get_patient(conn, id)?.ok_or_else(|| Error::not_found("patient"))?;
                    if mapping.update(&mut patient, row.patient.clone()) {
                        summary.updated += 1;
                        planned.push(Planned::Update { id, patient: row.patient });
                    } else {
                        summary.unchanged += 1;
                    }
                }
                None => {
                    let p = &row.patient;
                    if living.best(&Person::of_new(p), Band::Probable).is_some() {
                        summary.duplicates += 1;
                    }
                    summary.created += 1;
                    planned.push(Planned::Create { record_no: row.record_no, patient: row.patient });
                }
            }
        }
        summary.refused.sort_by_key(|r| r.line);
        if options.dry_run || !summary.refused.is_empty() {
            return Ok(summary);
        }
        let now = self.clock.now();
        let mut ids = Vec::with_capacity(planned.len());
        for _ in &planned {
            ids.push(self.id_parts()?);
        }
        let counts = format!("created {}, updated {}", summary.created, summary.updated);
        self.store.write(|tx| -> Result<()> {
            let total = planned.len();
            for (done, (plan, (ms, rnd))) in planned.into_iter().zip(ids).enumerate() {
                if done % PROGRESS_EVERY == 0 {
                    progress(ImportProgress { stage: ImportStage::Writing, done, total });
                }
                let (record_no, patient, held) = match plan {
                    Planned::Create { record_no, patient } => {
                        let held = match &record_no {
                            Some(no) => records::patient_id_by_record_no(tx, no)?,
                            None => None,
                        };
                        (record_no, patient, held)
                    }
                    Planned::Update { id, patient } => (None, patient, Some(id)),
                };
                if let Some(id) = held {
                    let mut held = records::get_patient(tx, id)?.ok_or_else(|| Error::not_found("patient"))?;
                    if mapping.update(&mut held, patient) {
                        held.updated_at = now;
                        records::update_patient(tx, &held)?;
                        log(tx, now, s, "patient.import", Some(id), None)?;
                    }
                    continue;
                }
                let id = PatientId::from_parts(ms, rnd);
                let record_no = match record_no {
                    Some(no) => no,
                    None => records::next_record_no(tx)?,
                };
                records::insert_patient(tx, &patient.into_patient(id, record_no, now))?;
                log(tx, now, s, "patient.import", Some(id), None)?;
            }
            log(tx, now, s, "import.patients", None, Some(&counts))
        })?;
        summary.written = true;
        Ok(summary)
    }
}

/// An appointment row checked, and what it will do.
enum PlannedVisit {
    Create(Appointment),
    /// A held appointment's new status (read again when written, as for patients).
    Update {
        id: AppointmentId,
        status: rapport_model::AppointmentStatus,
    },
}

impl Rapport {
    /// Imports appointments from a CSV file's bytes (managers and admins): each row names its
    /// patient by record number (import the patients first) and its doctor by name or login.
    /// All or nothing, like patients. The same patient, doctor and start again is the same
    /// appointment: its status is updated, so a second import duplicates nothing. A row that
    /// would book a doctor twice (against a held appointment or an earlier row) is refused.
    /// Imported past appointments count as booked at their own time (the file does not say
    /// when they were booked).
    pub fn import_appointments(
        &mut self,
        s: &Session,
        bytes: &[u8],
        options: &ImportOptions<'_>,
    ) -> Result<ImportSummary> {
        self.import_appointments_showing(s, bytes, options, &mut |_| {})
    }

    /// The same, telling `progress` how far it has got (every [`PROGRESS_EVERY`] rows).
    pub fn import_appointments_showing(
        &mut self,
        s: &Session,
        bytes: &[u8],
        options: &ImportOptions<'_>,
        progress: &mut dyn FnMut(ImportProgress),
    ) -> Result<ImportSummary> {
        s.require(Operation::ChangeSettings)?;
        let Table { mapping, rows, mut summary, dates } = read_table::<VisitColumn>(bytes, options, VisitColumn::Date)?;
        let conn = self.store.conn();
        let mut doctors: Vec<Staff> = Vec::new();
        for d in records::list_staff(conn)? {
            if d.role == Role::Clinician && d.active && records::works_here(conn, d.id)? {
                doctors.push(d);
            }
        }
        let now = self.clock.now();
        let mut planned: Vec<PlannedVisit> = Vec::with_capacity(rows.len());
        // The slots this file takes so far, per doctor: start → minutes (never overlapping).
        let mut taken: HashMap<StaffId, BTreeMap<DateTime<Utc>, u32>> = HashMap::new();
        let total = rows.len();
        for (done, (line, record)) in rows.iter().enumerate() {
            if done % PROGRESS_EVERY == 0 {
                progress(ImportProgress { stage: ImportStage::Checking, done, total });
            }
            let cells: Vec<&str> = record.iter().collect();
            let refuse = |summary: &mut ImportSummary, column: VisitColumn, reason: &str| {
                let r = mapping.refuse(column, reason);
                summary.refused.push(RefusedRow { line: *line, column: r.column, reason: r.reason });
            };
            let v = match mapping.visit(&cells, dates) {
                Ok(v) => v,
                Err(r) => {
                    summary.refused.push(RefusedRow { line: *line, column: r.column, reason: r.reason });
                    continue;
                }
            };
            let Some(patient) = records::patient_id_by_record_no(conn, &v.record_no)? else {
                refuse(
                    &mut summary,
                    VisitColumn::PatientRecordNo,
                    "no patient holds this record number: import the patients first",
                );
                continue;
            };
            let named = |d: &&Staff| {
                d.login.eq_ignore_ascii_case(&v.doctor) || d.display_name.trim().eq_ignore_ascii_case(&v.doctor)
            };
            let Some(doctor) = doctors.iter().find(named) else {
                refuse(&mut summary, VisitColumn::Doctor, "no active clinician of this clinic has that name or login");
                continue;
            };
            let Some(starts_at) = Local.from_local_datetime(&v.starts).earliest().map(|t| t.with_timezone(&Utc)) else {
                refuse(&mut summary, VisitColumn::Time, "that time does not exist on that day (a clock change)");
                continue;
            };
            let same =
                records::appointments_between(conn, starts_at, starts_at + Duration::minutes(1), Some(doctor.id))?
                    .into_iter()
                    .find(|a| a.patient_id == patient && a.starts_at == starts_at);
            if let Some(held) = same {
                if held.status == v.status {
                    summary.unchanged += 1;
                } else {
                    summary.updated += 1;
                    planned.push(PlannedVisit::Update { id: held.id, status: v.status });
                }
                continue;
            }
            if v.status.holds_slot() {
                let ends_at = starts_at + Duration::minutes(i64::from(v.minutes));
                let doctors_slots = taken.entry(doctor.id).or_default();
                // The slots taken never overlap, so only the last one starting before this ends
                // can overlap it.
                let clash = !records::overlapping_appointments(conn, doctor.id, starts_at, v.minutes)?.is_empty()
                    || doctors_slots
                        .range(..ends_at)
                        .next_back()
                        .is_some_and(|(t, m)| starts_at < *t + Duration::minutes(i64::from(*m)));
                if clash {
                    refuse(&mut summary, VisitColumn::Time, "the doctor already has an appointment then");
                    continue;
                }
                doctors_slots.insert(starts_at, v.minutes);
            }
            let (ms, rnd) = self.id_parts()?;
            let booking = Booking { patient, doctor: doctor.id, starts_at, minutes: v.minutes, reason: v.reason };
            let mut appointment =
                Appointment::booked(AppointmentId::from_parts(ms, rnd), booking, s.staff().id, starts_at.min(now));
            appointment.status = v.status;
            summary.created += 1;
            planned.push(PlannedVisit::Create(appointment));
        }
        summary.refused.sort_by_key(|r| r.line);
        if options.dry_run || !summary.refused.is_empty() {
            return Ok(summary);
        }
        let counts = format!("created {}, updated {}", summary.created, summary.updated);
        self.store.write(|tx| -> Result<()> {
            let total = planned.len();
            for (done, plan) in planned.into_iter().enumerate() {
                if done % PROGRESS_EVERY == 0 {
                    progress(ImportProgress { stage: ImportStage::Writing, done, total });
                }
                let a = match plan {
                    PlannedVisit::Create(a) => {
                        records::insert_appointment(tx, &a)?;
                        a
                    }
                    PlannedVisit::Update { id, status } => {
                        let mut a = records::get_appointment(tx, id)?.ok_or_else(|| Error::not_found("appointment"))?;
                        a.status = status;
                        records::update_appointment_status(tx, &a)?;
                        a
                    }
                };
                log(tx, now, s, "appointment.import", Some(a.patient_id), Some(&a.id.to_string()))?;
            }
            log(tx, now, s, "import.appointments", None, Some(&counts))
        })?;
        summary.written = true;
        Ok(summary)
    }
}

/// A file read as CSV: which column holds what, its rows with the lines they start on, the
/// summary so far (encoding, delimiter, dates, blank and unreadable rows, columns left out) and
/// the date format its `date_column` proves or the options say.
struct Table<C: Field> {
    mapping: Mapping<C>,
    rows: Vec<(u64, csv::StringRecord)>,
    summary: ImportSummary,
    dates: DateFormat,
}

fn read_table<C: Field>(bytes: &[u8], options: &ImportOptions<'_>, date_column: C) -> Result<Table<C>> {
    let (text, encoding) = decode(bytes);
    let delimiter = delimiter(&text);
    let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|_| Error::invalid("the file's first line cannot be read as a header"))?
        .iter()
        .map(str::to_owned)
        .collect();
    let mapping = Mapping::<C>::new(&headers, options.map).map_err(Error::invalid)?;
    let mut summary = ImportSummary {
        encoding: encoding.to_owned(),
        delimiter: match delimiter {
            b'\t' => "tab".to_owned(),
            d => char::from(d).to_string(),
        },
        left_out: mapping.left_out(),
        ..ImportSummary::default()
    };
    let mut rows = Vec::new();
    let mut lines = Lines::new(&text);
    for record in reader.records() {
        match record {
            Ok(r) if r.iter().all(|c| c.trim().is_empty()) => summary.blank += 1,
            Ok(r) => rows.push((lines.of(r.position().map_or(0, csv::Position::byte)), r)),
            Err(e) => summary.refused.push(RefusedRow {
                line: lines.of(e.position().map_or(0, csv::Position::byte)),
                column: String::new(),
                reason: "the row cannot be read as CSV".into(),
            }),
        }
    }
    let dates = match options.date_format {
        Some(f) => f,
        None => {
            let column = mapping.columns.iter().position(|c| *c == Some(date_column));
            let cells = rows.iter().filter_map(|(_, r)| r.get(column?));
            DateFormat::detect(cells).map_err(Error::invalid)?
        }
    };
    summary.date_format = match dates {
        DateFormat::Iso => "YYYY-MM-DD",
        DateFormat::DayFirst => "DD/MM/YYYY",
        DateFormat::MonthFirst => "MM/DD/YYYY",
    }
    .to_owned();
    Ok(Table { mapping, rows, summary, dates })
}
