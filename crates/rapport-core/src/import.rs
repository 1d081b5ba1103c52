//! Patients from another system's CSV export. The rows are read and checked first (the model's
//! [`rapport_model::import`] turns each into a patient or a refusal); then, unless it is a dry
//! run or a row was refused, every row is written in one transaction, so a file goes in whole
//! or not at all. A row whose record number the desk already holds updates that patient (the
//! columns the file has), so importing the same file twice makes no duplicates. Each patient
//! written is audited (`patient.import`), and the import once with its counts; the records
//! sync like typed ones.

use rapport_model::Operation;
use rapport_model::import::{Column, DateFormat, Lines, Mapping, decode, delimiter};
use rapport_model::patient::NewPatient;
use rapport_model::{Patient, PatientId};
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
enum Planned {
    Create { record_no: Option<String>, patient: NewPatient },
    Update(Patient),
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
        let (text, encoding) = decode(bytes);
        let delimiter = delimiter(&text);
        let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).from_reader(text.as_bytes());
        let headers: Vec<String> = reader
            .headers()
            .map_err(|_| Error::invalid("the file's first line cannot be read as a header"))?
            .iter()
            .map(str::to_owned)
            .collect();
        let mapping = Mapping::new(&headers, options.map).map_err(Error::invalid)?;
        let mut summary = ImportSummary {
            encoding: encoding.to_owned(),
            delimiter: match delimiter {
                b'\t' => "tab".to_owned(),
                d => char::from(d).to_string(),
            },
            left_out: headers
                .iter()
                .zip(&mapping.columns)
                .filter(|(h, c)| c.is_none() && !h.trim().is_empty())
                .map(|(h, _)| h.clone())
                .collect(),
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
                let column = mapping.columns.iter().position(|c| *c == Some(Column::BirthDate));
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
        let today = self.today();
        let conn = self.store.conn();
        // On a desk with no patients yet (a first import) nobody can be a duplicate of one held.
        let anyone_held = records::any_patient(conn)?;
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
                    if mapping.update(&mut patient, row.patient) {
                        summary.updated += 1;
                        planned.push(Planned::Update(patient));
                    } else {
                        summary.unchanged += 1;
                    }
                }
                None => {
                    let p = &row.patient;
                    if anyone_held
                        && !self.possible_duplicates(s, &p.given, &p.family, p.birth_date, &p.phones)?.is_empty()
                    {
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
                match plan {
                    Planned::Create { record_no, patient } => {
                        let id = PatientId::from_parts(ms, rnd);
                        let record_no = match record_no {
                            Some(no) => no,
                            None => records::next_record_no(tx)?,
                        };
                        records::insert_patient(tx, &patient.into_patient(id, record_no, now))?;
                        log(tx, now, s, "patient.import", Some(id), None)?;
                    }
                    Planned::Update(mut patient) => {
                        patient.updated_at = now;
                        records::update_patient(tx, &patient)?;
                        log(tx, now, s, "patient.import", Some(patient.id), None)?;
                    }
                }
            }
            log(tx, now, s, "import.patients", None, Some(&counts))
        })?;
        summary.written = true;
        Ok(summary)
    }
}
