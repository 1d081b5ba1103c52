//! The clinic's figures at the desk, from the local database (offline); the arithmetic is the
//! model's ([`rapport_model::reports`]).

use std::path::{Path, PathBuf};

use chrono::{Local, NaiveDate, Timelike};
use rapport_model::csv::table;
use rapport_model::reports::{
    CountRow, NoShowRow, PatientActivity, ProfileReport, Report, VisitFacts, WaitingReport, no_show_breakdown,
    waiting_report,
};
use rapport_model::{AppointmentStatus, Operation};
use rapport_store::{calls, records};

use crate::services::{local_day_bounds, log};
use crate::{Error, Rapport, Result, Session};

impl Rapport {
    /// The no-show rate of the visits from `from` to `to` (the clinic's days, both included),
    /// overall and by doctor, weekday, hour, lead time, confirmation and reminder (managers and
    /// admins; audited). A visit counts once its patient came or was marked missed.
    pub fn no_show_report(&mut self, s: &Session, from: NaiveDate, to: NaiveDate) -> Result<Vec<NoShowRow>> {
        s.require(Operation::ChangeSettings)?;
        if to < from {
            return Err(Error::invalid("the report's range ends before it starts"));
        }
        let conn = self.store.conn();
        let staff = records::list_staff(conn)?;
        let reminded = calls::reminded_visits(conn)?;
        let (start, _) = local_day_bounds(from);
        let (_, end) = local_day_bounds(to);
        let mut facts = Vec::new();
        for a in records::appointments_between(conn, start, end, None)? {
            let no_show = match a.status {
                AppointmentStatus::NoShow => true,
                AppointmentStatus::Arrived | AppointmentStatus::WithDoctor | AppointmentStatus::Done => false,
                _ => continue,
            };
            let starts = a.starts_at.with_timezone(&Local);
            facts.push(VisitFacts {
                doctor: staff.iter().find(|d| d.id == a.doctor).map(|d| d.display_name.clone()).unwrap_or_default(),
                weekday: chrono::Datelike::weekday(&starts),
                hour: starts.hour(),
                lead_days: (starts.date_naive() - a.booked_at.with_timezone(&Local).date_naive()).num_days(),
                confirmed: a.confirmed_at.is_some(),
                reminded: reminded.contains(&a.id),
                no_show,
            });
        }
        let now = self.clock.now();
        let range = format!("{from}..{to}");
        self.store.write(|tx| log(tx, now, s, "report.no_shows", None, Some(&range)))?;
        Ok(no_show_breakdown(&facts))
    }

    /// How soon patients were seen after their scheduled time, from `from` to `to`, against the
    /// standard (managers and admins; audited).
    pub fn waiting_report(&mut self, s: &Session, from: NaiveDate, to: NaiveDate) -> Result<WaitingReport> {
        s.require(Operation::ChangeSettings)?;
        if to < from {
            return Err(Error::invalid("the report's range ends before it starts"));
        }
        let conn = self.store.conn();
        let staff = records::list_staff(conn)?;
        let (start, _) = local_day_bounds(from);
        let (_, end) = local_day_bounds(to);
        let mut seen = Vec::new();
        for a in records::appointments_between(conn, start, end, None)? {
            if let Some(late) = a.minutes_late_seen() {
                let doctor =
                    staff.iter().find(|d| d.id == a.doctor).map(|d| d.display_name.clone()).unwrap_or_default();
                seen.push((doctor, late));
            }
        }
        let now = self.clock.now();
        let range = format!("{from}..{to}");
        self.store.write(|tx| log(tx, now, s, "report.waiting", None, Some(&range)))?;
        Ok(waiting_report(&seen))
    }

    /// `report` over `from` to `to` as CSV for a spreadsheet (managers and admins): an explicit
    /// export, audited as `report.export` with the report's name and range beside the report's
    /// own entry.
    pub fn export_report(&mut self, s: &Session, report: Report, from: NaiveDate, to: NaiveDate) -> Result<String> {
        let csv = self.report_csv(s, report, from, to)?;
        self.audit_export(s, report, from, to)?;
        Ok(csv)
    }

    /// The same export saved as a new file in `dir` (`rapport-no-shows-2026-09-01-to-2026-11-30.csv`,
    /// numbered when that name is taken: an earlier export is never overwritten); audited once
    /// the file is written. Returns the file's path.
    pub fn export_report_to(
        &mut self,
        s: &Session,
        report: Report,
        from: NaiveDate,
        to: NaiveDate,
        dir: &Path,
    ) -> Result<PathBuf> {
        let csv = self.report_csv(s, report, from, to)?;
        let stem = format!("rapport-{report}-{from}-to-{to}");
        let path = crate::export::save_in(dir, &stem, "csv", csv.as_bytes())?;
        self.audit_export(s, report, from, to)?;
        Ok(path)
    }

    fn report_csv(&mut self, s: &Session, report: Report, from: NaiveDate, to: NaiveDate) -> Result<String> {
        Ok(match (report, report.profile()) {
            (_, Some(profile)) => table(&self.profile_report(s, profile, from, to)?),
            (Report::NoShows, None) => table(&self.no_show_report(s, from, to)?),
            _ => self.waiting_report(s, from, to)?.csv(),
        })
    }

    fn audit_export(&mut self, s: &Session, report: Report, from: NaiveDate, to: NaiveDate) -> Result<()> {
        let now = self.clock.now();
        let what = format!("{report} {from}..{to}");
        self.store.write(|tx| log(tx, now, s, "report.export", None, Some(&what)))?;
        Ok(())
    }

    /// A profile report of the patients from `from` to `to` (managers and admins; audited):
    /// visits (frequency, new and returning), referral sources, geography or condition mix,
    /// from this desk's data.
    pub fn profile_report(
        &mut self,
        s: &Session,
        which: ProfileReport,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<CountRow>> {
        s.require(Operation::ChangeSettings)?;
        if to < from {
            return Err(Error::invalid("the report's range ends before it starts"));
        }
        let conn = self.store.conn();
        let mut visits: std::collections::HashMap<rapport_model::PatientId, Vec<NaiveDate>> =
            std::collections::HashMap::new();
        for (patient, at) in records::done_visits(conn)? {
            visits.entry(patient).or_default().push(at.with_timezone(&Local).date_naive());
        }
        let patients: Vec<PatientActivity> = records::patients_with_last_visit(conn)?
            .into_iter()
            .map(|(p, _)| PatientActivity {
                registered: p.created_at.with_timezone(&Local).date_naive(),
                visits: visits.remove(&p.id).unwrap_or_default(),
                referral_source: p.referral_source,
                referring_doctor: p.referring_doctor,
                city: p.city,
                area: p.area,
                conditions: p.conditions,
            })
            .collect();
        let rows = which.rows(&patients, from, to);
        let action = format!("report.{which}");
        let now = self.clock.now();
        let range = format!("{from}..{to}");
        self.store.write(|tx| log(tx, now, s, &action, None, Some(&range)))?;
        Ok(rows)
    }
}
