//! Head office: `sync` (enroll, now, watch, status without a login; find and take-on with
//! one) and `conflicts`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::Local;
use rapport_core::{Rapport, Session, SystemClock};
use rapport_model::sync::{ConflictKind, SyncReport};
use serde::Serialize;

use crate::cli::{ConflictsCommand, SyncCommand};
use crate::context::{Failure, open, open_and_login, user_error};
use crate::output::{self, say};

fn enroll(db: &Path, server: &str, code: &str, ca_cert: Option<PathBuf>, again: bool) -> Result<(), Failure> {
    let ca_pem = ca_cert
        .map(|p| std::fs::read_to_string(&p).map_err(|e| user_error(format!("cannot read {}: {e}", p.display()))))
        .transpose()?;
    let mut app = if db.exists() {
        let mut app = open(db)?;
        let transport = rapport_core::sync::HttpTransport::new(server, None, ca_pem.as_deref())?;
        app.enroll(&transport, server, code, ca_pem.as_deref(), again)?;
        app
    } else {
        let protection = rapport_core::protection_from_env();
        Rapport::join_head_office(db, &protection, Arc::new(SystemClock), server, code, ca_pem.as_deref())?
    };
    let device = app.device_id()?.unwrap_or_default();
    say!("Enrolled as device {device} of {}.", app.sync_status()?.clinic.unwrap_or_default());
    match app.sync_with_head_office() {
        Ok(r) => {
            print_report(&r);
            Ok(())
        }
        Err(e) => Err(Failure {
            code: 4,
            message: format!("enrolled, but the first sync failed: {}; run `rapport sync now`", e.message),
        }),
    }
}

fn print_report(r: &SyncReport) {
    say!(
        "Pushed {} change(s); pulled {} ({} applied); {} new conflict(s); {} booking(s) refused by head office.",
        r.pushed,
        r.pulled,
        r.applied,
        r.conflicts,
        r.rejected
    );
    if r.refused > 0 {
        say!("Head office refused {} change(s): see `rapport conflicts list`.", r.refused);
    }
    if r.resent > 0 {
        say!("Head office was restored from an older copy: sent {} record(s) again and pulled anew.", r.resent);
    }
    if r.recovered > 0 {
        say!("Caught up after the restore: {} audit entries written after the backup came back.", r.recovered);
    }
}

#[derive(Serialize)]
struct StatusOut {
    #[serde(flatten)]
    status: rapport_model::sync::SyncStatus,
    device: Option<String>,
}

/// Runs a `sync` command. Enroll, now, watch and status move changes and report counts, never
/// patient data, so they need no staff login; find and take-on read patients, so they do.
pub(crate) fn run(db: &Path, user: Option<&str>, command: SyncCommand) -> Result<(), Failure> {
    match command {
        SyncCommand::Enroll { server, code, ca_cert, again } => enroll(db, &server, &code, ca_cert, again),
        SyncCommand::Now { json } => now(&mut open(db)?, json),
        SyncCommand::Watch { interval } => watch(open(db)?, interval),
        SyncCommand::Status { json } => status(&open(db)?, json),
        SyncCommand::Find { query, json } => {
            let (mut app, s) = open_and_login(db, user)?;
            find(&mut app, &s, &query, json)
        }
        SyncCommand::TakeOn { patient } => {
            let (mut app, s) = open_and_login(db, user)?;
            take_on(&mut app, &s, patient)
        }
    }
}

fn now(app: &mut Rapport, json: bool) -> Result<(), Failure> {
    let r = app.sync_with_head_office()?;
    if json {
        return output::json(&r);
    }
    print_report(&r);
    Ok(())
}

/// Syncs in the foreground until interrupted, on the database it was given.
fn watch(app: Rapport, interval: u64) -> Result<(), Failure> {
    if app.enrollment()?.is_none() {
        return Err(user_error("this device is not enrolled; run `rapport sync enroll` first"));
    }
    let stop = std::sync::atomic::AtomicBool::new(false);
    let nudge = std::sync::atomic::AtomicBool::new(false);
    say!("Syncing every {interval} s; Ctrl+C stops.");
    rapport_core::sync::run_background(app, std::time::Duration::from_secs(interval.max(1)), &stop, &nudge, |r| {
        let at = Local::now().format("%H:%M:%S");
        match r {
            Ok(r) => say!(
                "{at} synced: pushed {}, pulled {} ({} applied), {} new conflict(s)",
                r.pushed,
                r.pulled,
                r.applied,
                r.conflicts
            ),
            Err(e) => say!("{at} not synced: {}", e.message),
        }
    });
    Ok(())
}

fn status(app: &Rapport, json: bool) -> Result<(), Failure> {
    let status = app.sync_status()?;
    let out = StatusOut { device: app.device_id()?, status };
    if json {
        return output::json(&out);
    }
    let s = &out.status;
    if !s.enrolled {
        say!("Not enrolled with head office (`rapport sync enroll --server URL --code CODE`).");
    } else {
        say!("Head office: {} (clinic {})", s.server.clone().unwrap_or_default(), s.clinic.clone().unwrap_or_default());
        say!("Device: {}", out.device.clone().unwrap_or_default());
    }
    let last = s
        .last_success
        .map_or_else(|| "never".to_owned(), |t| t.with_timezone(&Local).format("%Y-%m-%d %H:%M:%S").to_string());
    say!("Last successful sync: {last}");
    say!("Changes waiting to go up: {}", s.pending);
    say!("Open conflicts: {}", s.conflicts);
    if s.quarantined > 0 {
        say!("Changes from head office not applied here: {} (kept; see `rapport conflicts list`)", s.quarantined);
    }
    if s.refused > 0 {
        say!("Changes head office refused: {} (see `rapport conflicts list`)", s.refused);
    }
    if let Some(words) = s.outbox.and_then(|o| o.words()) {
        say!("Head office's messages to this clinic's patients: {words}");
    }
    if let Some(t) = s.restored_at {
        say!(
            "Head office was found restored from an older copy at {}; this desk sent what it holds again.",
            t.with_timezone(&Local).format("%Y-%m-%d %H:%M")
        );
    }
    if let Some(e) = &s.last_error {
        say!("Last attempt failed: {e}");
    }
    Ok(())
}

fn find(app: &mut Rapport, s: &Session, query: &str, json: bool) -> Result<(), Failure> {
    let found = app.find_at_head_office(s, query)?;
    if json {
        return output::json(&found);
    }
    for p in found {
        say!(
            "{}  {:<10} {} {}  born {}  at {}",
            p.id,
            p.record_no,
            p.given,
            p.family,
            p.birth_date.unwrap_or_default(),
            p.clinics.join(", ")
        );
    }
    Ok(())
}

fn take_on(app: &mut Rapport, s: &Session, patient: uuid::Uuid) -> Result<(), Failure> {
    let r = app.take_on_patient(s, patient)?;
    say!("The patient is now held here too.");
    print_report(&r);
    Ok(())
}

pub(crate) fn conflicts(app: &mut Rapport, s: &Session, cmd: ConflictsCommand) -> Result<(), Failure> {
    match cmd {
        ConflictsCommand::List { all, json } => {
            let conflicts = app.conflicts(s, all)?;
            if json {
                return output::json(&conflicts);
            }
            if conflicts.is_empty() {
                say!("No open conflicts.");
            }
            for c in conflicts {
                let field = c.field.as_deref().map(|f| format!(" {f}")).unwrap_or_default();
                let values = match (c.kind, &c.mine, &c.theirs) {
                    (ConflictKind::LostEdit, Some(m), Some(t)) => format!(" (this desk: {m}; kept: {t})"),
                    _ => String::new(),
                };
                say!("#{} {} {} {}{field}: {}{values}", c.id, c.kind.as_str(), c.entity.as_str(), c.record, c.detail);
            }
        }
        ConflictsCommand::Resolve { id, reapply } => {
            app.resolve_conflict(s, id, reapply)?;
            say!("Conflict #{id} resolved{}.", if reapply { "; this desk's value was written again" } else { "" });
        }
    }
    Ok(())
}
