//! The clinic's patients and appointments as CSV files, for another system or a spreadsheet: an
//! explicit action for managers and admins, audited with the count. The file is not encrypted:
//! it is made readable by its owner only, never written over an existing one, and the caller
//! says so to the person who asked.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use chrono::Local;
use rapport_model::csv::{CsvRow, table};
use rapport_model::import::{Exported, PatientRow};
use rapport_model::ipc::RecordsFile;
use rapport_model::{Appointment, Operation, Patient};
use rapport_store::records;

use crate::services::log;
use crate::{Error, ErrorCode, Rapport, Result, Session};

/// An appointment as the export writes it: the patient by record number and name, the doctor by
/// name, the day and time in the clinic's time zone.
#[derive(Debug)]
struct AppointmentRow<'a> {
    appointment: &'a Appointment,
    patient: Option<&'a Patient>,
    doctor: &'a str,
}

impl CsvRow for AppointmentRow<'_> {
    const HEADER: &'static [&'static str] =
        &["patient_record_no", "patient", "doctor", "date", "time", "minutes", "status", "reason", "booked_at"];
    fn cells(&self) -> Vec<String> {
        let a = self.appointment;
        let local = a.starts_at.with_timezone(&Local);
        let (record_no, name) = self
            .patient
            .map_or((String::new(), String::new()), |p| (p.record_no.clone(), format!("{} {}", p.given, p.family)));
        vec![
            record_no,
            name.trim().to_owned(),
            self.doctor.to_owned(),
            local.format("%Y-%m-%d").to_string(),
            local.format("%H:%M").to_string(),
            a.minutes.to_string(),
            a.status.as_str().to_owned(),
            a.reason.clone().unwrap_or_default(),
            a.booked_at.with_timezone(&Local).format("%Y-%m-%d %H:%M").to_string(),
        ]
    }
}

impl Rapport {
    /// Writes every living patient, or every appointment, to a new file at `out` (managers and
    /// admins; audited). Returns how many rows it holds.
    pub fn export_csv(&mut self, s: &Session, what: Exported, out: &Path) -> Result<usize> {
        let (csv, rows) = self.csv_export(s, what)?;
        write_new_file(out, csv.as_bytes())?;
        self.audit_csv_export(s, what, rows)?;
        Ok(rows)
    }

    /// Saves the patients (CSV), the appointments (CSV) or everything as a FHIR bundle in a new
    /// file of `dir` named for what and when (`rapport-patients-2026-12-04.csv`, a number added
    /// if that name is taken): the window's export (managers and admins; audited). Returns the
    /// file and how many rows or resources it holds.
    pub fn export_records_to(&mut self, s: &Session, what: RecordsFile, dir: &Path) -> Result<(PathBuf, usize)> {
        let day = self.clock.now().with_timezone(&Local).date_naive();
        let csv = match what {
            RecordsFile::Patients => Some(Exported::Patients),
            RecordsFile::Appointments => Some(Exported::Appointments),
            RecordsFile::Fhir => None,
        };
        if let Some(csv) = csv {
            let (text, rows) = self.csv_export(s, csv)?;
            let path = save_in(dir, &format!("rapport-{csv}-{day}"), "csv", text.as_bytes())?;
            self.audit_csv_export(s, csv, rows)?;
            Ok((path, rows))
        } else {
            let (text, count) = self.export_fhir(s, None)?;
            Ok((save_in(dir, &format!("rapport-fhir-{day}"), "json", text.as_bytes())?, count))
        }
    }

    fn audit_csv_export(&mut self, s: &Session, what: Exported, rows: usize) -> Result<()> {
        let now = self.clock.now();
        let detail = format!("{rows} {what}");
        self.store.write(|tx| log(tx, now, s, &format!("export.{what}"), None, Some(&detail)))?;
        Ok(())
    }

    /// The CSV text of every living patient or every appointment, and how many rows it holds.
    fn csv_export(&mut self, s: &Session, what: Exported) -> Result<(String, usize)> {
        s.require(Operation::ChangeSettings)?;
        let conn = self.store.conn();
        let mut patients: Vec<Patient> = records::patients_with_last_visit(conn)?.into_iter().map(|(p, _)| p).collect();
        patients.sort_by(|a, b| a.record_no.cmp(&b.record_no));
        let (csv, rows) = match what {
            Exported::Patients => (table(&patients.iter().map(PatientRow).collect::<Vec<_>>()), patients.len()),
            Exported::Appointments => {
                let staff = records::list_staff(conn)?;
                let (start, end) = (chrono::DateTime::<chrono::Utc>::MIN_UTC, chrono::DateTime::<chrono::Utc>::MAX_UTC);
                let appointments = records::appointments_between(conn, start, end, None)?;
                let by_id: std::collections::HashMap<_, _> = patients.iter().map(|p| (p.id, p)).collect();
                let lines: Vec<AppointmentRow<'_>> = appointments
                    .iter()
                    .map(|a| AppointmentRow {
                        appointment: a,
                        patient: by_id.get(&a.patient_id).copied(),
                        doctor: staff.iter().find(|d| d.id == a.doctor).map_or("", |d| d.display_name.as_str()),
                    })
                    .collect();
                (table(&lines), lines.len())
            }
        };
        Ok((csv, rows))
    }
}

/// An export's file: new (never over an existing one, which is refused in words), readable by
/// its owner only.
pub(crate) fn write_new_file(out: &Path, bytes: &[u8]) -> Result<()> {
    write_private(out, bytes).map_err(|e| {
        let message = if e.kind() == std::io::ErrorKind::AlreadyExists {
            format!("{} exists: give a new file name (an export never writes over a file)", out.display())
        } else {
            format!("cannot write {}: {e}", out.display())
        };
        Error::new(ErrorCode::InvalidInput, message)
    })
}

/// Writes `bytes` to a file of `dir` that did not exist (only its owner may read it):
/// `stem.ext`, else `stem (2).ext`, and so on.
pub(crate) fn save_in(dir: &Path, stem: &str, ext: &str, bytes: &[u8]) -> Result<PathBuf> {
    let cannot =
        |e: std::io::Error| Error::new(ErrorCode::Storage, format!("cannot save the export in {}: {e}", dir.display()));
    std::fs::create_dir_all(dir).map_err(cannot)?;
    for n in 1..1000 {
        let name = if n == 1 { format!("{stem}.{ext}") } else { format!("{stem} ({n}).{ext}") };
        let path = dir.join(name);
        match write_private(&path, bytes) {
            Ok(()) => return Ok(path),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(cannot(e)),
        }
    }
    Err(cannot(std::io::Error::new(std::io::ErrorKind::AlreadyExists, "too many exports of the same name")))
}

/// A new file only its owner may read, with `bytes` in it.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}
