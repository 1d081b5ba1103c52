//! The audit log and the replicated data: `audit verify|log`, `dump`.

use chrono::Local;
use rapport_core::{Rapport, Session, Verification};

use crate::cli::AuditCommand;
use crate::context::Failure;
use crate::output::{self, say};

pub(crate) fn audit(app: &mut Rapport, s: &Session, cmd: AuditCommand) -> Result<(), Failure> {
    match cmd {
        AuditCommand::Verify => match app.verify_audit(s)? {
            Verification::Intact { entries } => say!("audit log intact: {entries} entries"),
            Verification::Broken { seq, reason } => {
                return Err(Failure { code: 3, message: format!("audit log broken at entry {seq}: {reason}") });
            }
        },
        AuditCommand::Log { patient, limit, json } => {
            let patient = patient.map(|p| app.resolve_patient(s, &p)).transpose()?;
            let entries = app.audit_log(s, patient, limit)?;
            if json {
                return output::json(&entries);
            }
            let staff = app.list_staff(s)?;
            let login = |id| staff.iter().find(|m| Some(m.id) == id).map_or("-", |m| m.login.as_str());
            for e in entries {
                say!(
                    "{:>6}  {}  {:<24} by {:<12} patient {}",
                    e.seq,
                    e.at.with_timezone(&Local).format("%Y-%m-%d %H:%M:%S"),
                    e.action,
                    login(e.staff_id),
                    e.patient_id.map(|x| x.to_string()).unwrap_or_else(|| "-".into())
                );
            }
        }
        AuditCommand::BreakGlass { limit, json } => {
            let entries = app.break_glass_log(s, limit)?;
            if json {
                return output::json(&entries);
            }
            for e in entries {
                say!(
                    "{}  {:<12} {:<24} {}",
                    e.at.with_timezone(&Local).format("%Y-%m-%d %H:%M"),
                    e.record_no,
                    e.staff,
                    e.reason
                );
            }
        }
    }
    Ok(())
}

/// Every replicated record as canonical JSON (one line: two replicas holding the same data print
/// the same bytes).
pub(crate) fn dump(app: &mut Rapport, s: &Session) -> Result<(), Failure> {
    let dump = app.dump(s)?;
    say!("{}", serde_json::to_string(&dump).map_err(|e| Failure { code: 3, message: e.to_string() })?);
    Ok(())
}
