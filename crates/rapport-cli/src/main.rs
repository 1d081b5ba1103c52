//! `rapport`: the clinic's command line. Everything the desktop app does, it can do too.
#![allow(clippy::print_stdout)]

use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use chrono::{Local, NaiveDate, NaiveDateTime, TimeZone, Utc};
use clap::{Args, Parser, Subcommand};
use rapport_core::{
    Booking, ClinicSetup, Error, ErrorCode, KeyProtection, NewPointer, PatientCard, PatientHit, Rapport, ScheduleRow,
    Secret, Session, SystemClock, Verification,
};
use rapport_model::sync::ConflictKind;
use rapport_model::{NewPatient, PatientEdit, PointerKind, PointerState, Role, Source, StatusChange};
use serde::Serialize;

#[derive(Parser, Debug)]
#[command(
    name = "rapport",
    version,
    about = "Rapport: the front desk's patient relationship manager",
    arg_required_else_help = true
)]
struct Cli {
    /// The clinic database (default: the per-user data directory).
    #[arg(long, global = true, env = "RAPPORT_DB")]
    db: Option<PathBuf>,
    /// Your staff login (or set RAPPORT_USER). The password comes from RAPPORT_PASSWORD or a prompt.
    #[arg(long, global = true, env = "RAPPORT_USER")]
    user: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Create the clinic's encrypted database and its first admin account.
    Init {
        #[arg(long)]
        clinic: String,
        /// The admin's login; the password comes from RAPPORT_PASSWORD or a prompt.
        #[arg(long)]
        admin: String,
        /// The admin's display name (default: the login).
        #[arg(long)]
        admin_name: Option<String>,
    },
    /// Show where the database is and how its key is kept.
    Status,
    /// Staff accounts.
    #[command(subcommand)]
    Staff(StaffCommand),
    /// Fill the database with synthetic demo patients, staff and appointments.
    Demo {
        #[arg(long, default_value_t = 200)]
        patients: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Patients.
    #[command(subcommand)]
    Patient(PatientCommand),
    /// Rapport pointers.
    #[command(subcommand)]
    Pointer(PointerCommand),
    /// Appointments.
    #[command(subcommand)]
    Appt(ApptCommand),
    /// Open follow-up tasks (e.g. call back after a no-show); `--done ID` closes one.
    FollowUps {
        #[arg(long, value_name = "ID")]
        done: Option<rapport_model::view::FollowUpId>,
        #[arg(long)]
        json: bool,
    },
    /// The doctor's glance: their next patient today (or the one given), with the rest of the day.
    Glance {
        /// The doctor's login.
        #[arg(long)]
        doctor: String,
        /// A patient id or record number instead of the next one.
        #[arg(long)]
        patient: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// The audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Sync with head office (enroll, now, watch and status are device-level and need no
    /// staff login; find and take-on read patients and do).
    #[command(subcommand)]
    Sync(SyncCommand),
    /// Edits of this device that lost to another desk's, bookings and changes head office
    /// refused, and changes from head office this desk could not apply (staff login).
    #[command(subcommand)]
    Conflicts(ConflictsCommand),
    /// Every replicated record as canonical JSON (sorted keys and records, no local-only fields,
    /// no password hashes); managers and admins, audited.
    Dump,
    /// Where the database key is kept (admins and managers).
    #[command(subcommand)]
    Key(KeyCommand),
}

#[derive(Subcommand, Debug)]
enum SyncCommand {
    /// Enroll this device with head office using a one-time code. An existing database pushes
    /// what it holds; a database that does not exist yet is created and filled from head office.
    Enroll {
        /// Head office's address, e.g. https://office.example:8443.
        #[arg(long)]
        server: String,
        #[arg(long)]
        code: String,
        /// Trust this CA certificate (PEM) for head office instead of the system's roots.
        #[arg(long)]
        ca_cert: Option<PathBuf>,
        /// Enroll a device that was enrolled before (revoked, or moved to a new head office)
        /// with a new code, keeping the changes it has not sent yet.
        #[arg(long)]
        again: bool,
    },
    /// Push and pull until caught up; exits non-zero if it could not finish.
    Now {
        #[arg(long)]
        json: bool,
    },
    /// Keep syncing in the foreground: every --interval seconds, backing off while head office is unreachable.
    Watch {
        #[arg(long, default_value_t = 30)]
        interval: u64,
    },
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Find a patient anywhere in the organisation (for one who is new to this clinic).
    Find {
        query: String,
        #[arg(long)]
        json: bool,
    },
    /// Take on a patient found with `sync find`: their record and pointers come here and stay in sync.
    TakeOn { patient: uuid::Uuid },
}

#[derive(Subcommand, Debug)]
enum ConflictsCommand {
    List {
        /// Resolved ones too.
        #[arg(long)]
        all: bool,
        #[arg(long)]
        json: bool,
    },
    /// Close a conflict; --reapply writes this device's lost value again as a new edit.
    Resolve {
        id: i64,
        #[arg(long)]
        reapply: bool,
    },
}

#[derive(Subcommand, Debug)]
enum KeyCommand {
    /// Protect the key with a new passphrase (from RAPPORT_NEW_PASSPHRASE or a prompt).
    Passphrase,
    /// Move the key into the OS keyring.
    Keyring,
}

#[derive(Subcommand, Debug)]
enum StaffCommand {
    /// Add a staff member; their first password comes from RAPPORT_NEW_PASSWORD or a prompt.
    Add {
        login: String,
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
    },
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args, Debug)]
struct PatientFields {
    #[arg(long)]
    given: Option<String>,
    #[arg(long)]
    family: Option<String>,
    #[arg(long)]
    preferred: Option<String>,
    #[arg(long, value_parser = parse_date)]
    birth_date: Option<NaiveDate>,
    #[arg(long)]
    phone: Option<String>,
}

#[derive(Subcommand, Debug)]
enum PatientCommand {
    /// Register a patient; prints the new id.
    Add {
        #[command(flatten)]
        fields: PatientFields,
        #[arg(long)]
        json: bool,
    },
    /// Change a patient's details (ID is the id or the record number).
    Edit {
        id: String,
        #[command(flatten)]
        fields: PatientFields,
        #[arg(long)]
        json: bool,
    },
    /// Type-ahead search by name (any order, word prefixes), phone digits or record number.
    Search {
        query: String,
        #[arg(long, default_value_t = 20)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
    /// The patient card: details, pointers, last and next appointments.
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Existing patients who may be the one you are about to register: the same name and birth
    /// date, or the same phone number.
    Duplicates {
        #[arg(long, default_value = "")]
        given: String,
        #[arg(long, default_value = "")]
        family: String,
        #[arg(long, value_parser = parse_date)]
        birth_date: Option<NaiveDate>,
        #[arg(long)]
        phone: Vec<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
enum PointerCommand {
    /// Record something to talk about (or a topic to avoid).
    Add {
        patient_id: String,
        #[arg(long, value_parser = parse_kind)]
        kind: PointerKind,
        #[arg(long)]
        text: String,
        #[arg(long, value_parser = parse_date)]
        event_date: Option<NaiveDate>,
        #[arg(long, default_value = "other", value_parser = parse_source)]
        source: Source,
        #[arg(long)]
        json: bool,
    },
    /// "Used it": you asked about it, so colleagues need not.
    Used {
        pointer_id: String,
        #[arg(long)]
        note: Option<String>,
    },
    /// "Still true": keeps an undated pointer from fading.
    Confirm { pointer_id: String },
    /// Withdraw a pointer (kept in the history).
    Retract { pointer_id: String },
}

#[derive(Subcommand, Debug)]
enum ApptCommand {
    /// Book an appointment; prints the new id. Refuses to double-book the doctor.
    Book {
        patient_id: String,
        /// The doctor's login.
        #[arg(long)]
        doctor: String,
        /// Local start time, YYYY-MM-DDTHH:MM.
        #[arg(long, value_parser = parse_local_time)]
        at: chrono::DateTime<Utc>,
        #[arg(long)]
        minutes: u32,
        #[arg(long)]
        reason: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// The day's appointments (default: today), optionally for one doctor.
    List {
        #[arg(long, value_parser = parse_date)]
        date: Option<NaiveDate>,
        #[arg(long)]
        doctor: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// The doctor's free slots on a day (default: today), within opening hours.
    Slots {
        /// The doctor's login.
        #[arg(long)]
        doctor: String,
        #[arg(long, value_parser = parse_date)]
        date: Option<NaiveDate>,
        #[arg(long, default_value_t = 15)]
        minutes: u32,
        #[arg(long)]
        json: bool,
    },
    /// Move a booked or confirmed appointment (optionally to another doctor).
    Move {
        appt_id: String,
        /// Local start time, YYYY-MM-DDTHH:MM.
        #[arg(long, value_parser = parse_local_time)]
        at: chrono::DateTime<Utc>,
        #[arg(long)]
        doctor: Option<String>,
        #[arg(long)]
        json: bool,
    },
    Confirm {
        appt_id: String,
    },
    /// The patient arrived.
    Checkin {
        appt_id: String,
    },
    /// The doctor called the patient in.
    Seen {
        appt_id: String,
    },
    Done {
        appt_id: String,
    },
    NoShow {
        appt_id: String,
    },
    Cancel {
        appt_id: String,
    },
}

#[derive(Subcommand, Debug)]
enum AuditCommand {
    /// Check the audit chain: exit 0 and a count when intact.
    Verify,
    /// The newest entries.
    Log {
        #[arg(long)]
        patient: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
}

fn parse_role(s: &str) -> Result<Role, String> {
    s.parse()
}
fn parse_kind(s: &str) -> Result<PointerKind, String> {
    s.parse()
}
fn parse_source(s: &str) -> Result<Source, String> {
    s.parse()
}
fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| "expected a date as YYYY-MM-DD".to_owned())
}
fn parse_local_time(s: &str) -> Result<chrono::DateTime<Utc>, String> {
    let s = s.trim();
    let naive = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        .ok_or_else(|| "expected a local time as YYYY-MM-DDTHH:MM".to_owned())?;
    Local
        .from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| "that local time does not exist (clock change)".to_owned())
}

/// A failure and the exit code it maps to.
struct Failure {
    code: u8,
    message: String,
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        let code = match e.code {
            ErrorCode::WrongKey
            | ErrorCode::PassphraseRequired
            | ErrorCode::KeyringUnavailable
            | ErrorCode::KeyringEntryMissing
            | ErrorCode::AccountLocked => 2,
            ErrorCode::Integrity | ErrorCode::Storage => 3,
            ErrorCode::Offline | ErrorCode::Refused => 4,
            _ => 1,
        };
        Self { code, message: e.message }
    }
}

fn user_error(message: impl Into<String>) -> Failure {
    Failure { code: 1, message: message.into() }
}

fn main() -> ExitCode {
    // Usage mistakes are user errors (exit 1); exit 2 means a wrong key or a locked account.
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { ExitCode::from(1) } else { ExitCode::SUCCESS };
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("error: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}

/// A secret from the environment, else a prompt on the terminal.
fn secret(var: &str, prompt: &str) -> Result<Secret, Failure> {
    if let Ok(v) = std::env::var(var) {
        return Ok(Secret::new(v));
    }
    if !std::io::stdin().is_terminal() {
        return Err(user_error(format!("set {var} (no terminal to ask on)")));
    }
    rpassword::prompt_password(prompt).map(Secret::new).map_err(|_| user_error("could not read the password"))
}

fn passphrase_for(db: &std::path::Path) -> Result<Option<Secret>, Failure> {
    match rapport_core::key_storage(db) {
        Ok(rapport_core::KeyStorage::Passphrase) => {
            secret("RAPPORT_PASSPHRASE", "Database passphrase: ").map(Some).map_err(|f| Failure { code: 2, ..f })
        }
        _ => Ok(None),
    }
}

fn open(db: &std::path::Path) -> Result<Rapport, Failure> {
    if !db.exists() {
        return Err(user_error(format!("no database at {}; create one with `rapport init`", db.display())));
    }
    let passphrase = passphrase_for(db)?;
    Ok(Rapport::open(db, passphrase.as_ref(), Arc::new(SystemClock))?)
}

fn login(app: &mut Rapport, user: Option<&str>) -> Result<Session, Failure> {
    let user = user.ok_or_else(|| user_error("say who you are with --user LOGIN or RAPPORT_USER"))?;
    let password = secret("RAPPORT_PASSWORD", &format!("Password for {user}: "))?;
    Ok(app.login(user, &password)?)
}

fn print_json<T: Serialize>(v: &T) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(v).map_err(|e| Failure { code: 3, message: e.to_string() })?;
    println!("{text}");
    Ok(())
}

fn run(cli: Cli) -> Result<(), Failure> {
    let db = cli.db.clone().unwrap_or_else(rapport_core::default_db_path);
    match cli.command {
        Command::Init { clinic, admin, admin_name } => {
            let password = secret("RAPPORT_PASSWORD", &format!("New password for {admin}: "))?;
            let protection = rapport_core::protection_from_env();
            let setup = ClinicSetup {
                clinic_name: &clinic,
                admin_login: &admin,
                admin_name: admin_name.as_deref().unwrap_or(&admin),
                admin_password: &password,
            };
            Rapport::init(&db, &protection, &setup, Arc::new(SystemClock)).map_err(|e| match e.code {
                ErrorCode::KeyringUnavailable => Failure {
                    code: 2,
                    message: format!(
                        "{}; to protect the key with a passphrase instead, set RAPPORT_PASSPHRASE",
                        e.message
                    ),
                },
                _ => e.into(),
            })?;
            let kept = match protection {
                rapport_core::KeyProtection::Keyring => "in the OS keyring",
                rapport_core::KeyProtection::Passphrase(..) => {
                    "in the key file, wrapped by your passphrase (RAPPORT_PASSPHRASE)"
                }
            };
            println!("Created {} for {clinic}.", db.display());
            println!("The database key is kept {kept}. Log in as {admin}.");
            Ok(())
        }
        Command::Status => {
            if !db.exists() {
                println!(
                    "No database at {} yet: `rapport init --clinic NAME --admin LOGIN` creates one.",
                    db.display()
                );
                return Ok(());
            }
            let storage = rapport_core::key_storage(&db).map_err(Error::from)?;
            println!("Database: {}", db.display());
            println!("Key file: {}", rapport_core::key_file_path(&db).display());
            println!(
                "Key kept: {}",
                match storage {
                    rapport_core::KeyStorage::Keyring => "OS keyring",
                    rapport_core::KeyStorage::Passphrase => "passphrase-wrapped key file",
                }
            );
            let app = open(&db)?;
            println!("Clinic: {}", app.clinic_name()?);
            println!("Schema version: {}", app.store().schema_version().map_err(Error::from)?);
            Ok(())
        }
        Command::Sync(SyncCommand::Enroll { server, code, ca_cert, again }) => {
            enroll(&db, &server, &code, ca_cert, again)
        }
        Command::Sync(command) if command.is_device_level() => sync_command(&mut open(&db)?, command),
        command => {
            let mut app = open(&db)?;
            let session = login(&mut app, cli.user.as_deref())?;
            dispatch(&mut app, &session, command)
        }
    }
}

fn enroll(
    db: &std::path::Path,
    server: &str,
    code: &str,
    ca_cert: Option<PathBuf>,
    again: bool,
) -> Result<(), Failure> {
    let ca_pem = ca_cert
        .map(|p| std::fs::read_to_string(&p).map_err(|e| user_error(format!("cannot read {}: {e}", p.display()))))
        .transpose()?;
    let created = !db.exists();
    let mut app = if created {
        let protection = rapport_core::protection_from_env();
        Rapport::create_for_enrollment(db, &protection, Arc::new(SystemClock))?
    } else {
        open(db)?
    };
    let transport = rapport_core::sync::HttpTransport::new(server, None, ca_pem.as_deref())?;
    if let Err(e) = app.enroll(&transport, server, code, ca_pem.as_deref(), again) {
        if created {
            // Nothing was enrolled: leave no half-made database behind, so the command can be rerun.
            drop(app);
            for suffix in ["", "-wal", "-shm"] {
                let mut p = db.as_os_str().to_owned();
                p.push(suffix);
                let _ = std::fs::remove_file(PathBuf::from(p));
            }
            let _ = std::fs::remove_file(rapport_core::key_file_path(db));
        }
        return Err(e.into());
    }
    let device = app.device_id()?.unwrap_or_default();
    println!("Enrolled as device {device} of {}.", app.sync_status()?.clinic.unwrap_or_default());
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

fn print_report(r: &rapport_core::sync::SyncReport) {
    println!(
        "Pushed {} change(s); pulled {} ({} applied); {} new conflict(s); {} booking(s) refused by head office.",
        r.pushed, r.pulled, r.applied, r.conflicts, r.rejected
    );
    if r.refused > 0 {
        println!("Head office refused {} change(s): see `rapport conflicts list`.", r.refused);
    }
    if r.resent > 0 {
        println!("Head office was restored from an older copy: sent {} record(s) again and pulled anew.", r.resent);
    }
}

impl SyncCommand {
    /// Needs no staff login: moves changes and reports counts, never patient data.
    fn is_device_level(&self) -> bool {
        !matches!(self, Self::Find { .. } | Self::TakeOn { .. })
    }
}

#[derive(Serialize)]
struct StatusOut {
    #[serde(flatten)]
    status: rapport_model::sync::SyncStatus,
    device: Option<String>,
}

fn sync_command(app: &mut Rapport, command: SyncCommand) -> Result<(), Failure> {
    match command {
        SyncCommand::Enroll { .. } => unreachable!("handled before opening"),
        SyncCommand::Now { json } => {
            let r = app.sync_with_head_office()?;
            if json {
                print_json(&r)
            } else {
                print_report(&r);
                Ok(())
            }
        }
        SyncCommand::Watch { interval } => {
            let stop = std::sync::atomic::AtomicBool::new(false);
            let nudge = std::sync::atomic::AtomicBool::new(false);
            let db = app.store().path().to_owned();
            let passphrase = passphrase_for(&db)?;
            let runner = Rapport::open(&db, passphrase.as_ref(), Arc::new(SystemClock))?;
            println!("Syncing every {interval} s; Ctrl+C stops.");
            rapport_core::sync::run_background(
                runner,
                std::time::Duration::from_secs(interval.max(1)),
                &stop,
                &nudge,
                |r| {
                    let at = Local::now().format("%H:%M:%S");
                    match r {
                        Ok(r) => println!(
                            "{at} synced: pushed {}, pulled {} ({} applied), {} new conflict(s)",
                            r.pushed, r.pulled, r.applied, r.conflicts
                        ),
                        Err(e) => println!("{at} not synced: {}", e.message),
                    }
                },
            );
            Ok(())
        }
        SyncCommand::Status { json } => {
            let status = app.sync_status()?;
            let out = StatusOut { device: app.device_id()?, status };
            if json {
                return print_json(&out);
            }
            let s = &out.status;
            if !s.enrolled {
                println!("Not enrolled with head office (`rapport sync enroll --server URL --code CODE`).");
            } else {
                println!(
                    "Head office: {} (clinic {})",
                    s.server.clone().unwrap_or_default(),
                    s.clinic.clone().unwrap_or_default()
                );
                println!("Device: {}", out.device.clone().unwrap_or_default());
            }
            let last = s.last_success.map_or_else(
                || "never".to_owned(),
                |t| t.with_timezone(&Local).format("%Y-%m-%d %H:%M:%S").to_string(),
            );
            println!("Last successful sync: {last}");
            println!("Changes waiting to go up: {}", s.pending);
            println!("Open conflicts: {}", s.conflicts);
            if s.quarantined > 0 {
                println!(
                    "Changes from head office not applied here: {} (kept; see `rapport conflicts list`)",
                    s.quarantined
                );
            }
            if let Some(e) = &s.last_error {
                println!("Last attempt failed: {e}");
            }
            Ok(())
        }
        SyncCommand::Find { .. } | SyncCommand::TakeOn { .. } => unreachable!("handled after login"),
    }
}

fn appt_id(s: &str) -> Result<rapport_model::AppointmentId, Failure> {
    s.parse().map_err(|_| user_error("that is not an appointment id"))
}

fn pointer_id(s: &str) -> Result<rapport_model::PointerId, Failure> {
    s.parse().map_err(|_| user_error("that is not a pointer id"))
}

fn dispatch(app: &mut Rapport, s: &Session, command: Command) -> Result<(), Failure> {
    match command {
        Command::Init { .. } | Command::Status => unreachable!("handled before login"),
        Command::Sync(SyncCommand::Find { query, json }) => {
            let found = app.find_at_head_office(s, &query)?;
            if json {
                return print_json(&found);
            }
            for p in found {
                println!(
                    "{}  {:<10} {} {}  born {}  at {}",
                    p.id,
                    p.record_no,
                    p.given,
                    p.family,
                    p.birth_date.unwrap_or_default(),
                    p.clinics.join(", ")
                );
            }
        }
        Command::Sync(SyncCommand::TakeOn { patient }) => {
            let r = app.take_on_patient(s, patient)?;
            println!("The patient is now held here too.");
            print_report(&r);
        }
        Command::Sync(_) => unreachable!("device-level sync commands are handled before login"),
        Command::Conflicts(ConflictsCommand::List { all, json }) => {
            let conflicts = app.conflicts(s, all)?;
            if json {
                return print_json(&conflicts);
            }
            if conflicts.is_empty() {
                println!("No open conflicts.");
            }
            for c in conflicts {
                let field = c.field.as_deref().map(|f| format!(" {f}")).unwrap_or_default();
                let values = match (c.kind, &c.mine, &c.theirs) {
                    (ConflictKind::LostEdit, Some(m), Some(t)) => format!(" (this desk: {m}; kept: {t})"),
                    _ => String::new(),
                };
                println!(
                    "#{} {} {} {}{field}: {}{values}",
                    c.id,
                    c.kind.as_str(),
                    c.entity.as_str(),
                    c.record,
                    c.detail
                );
            }
        }
        Command::Conflicts(ConflictsCommand::Resolve { id, reapply }) => {
            app.resolve_conflict(s, id, reapply)?;
            println!("Conflict #{id} resolved{}.", if reapply { "; this desk's value was written again" } else { "" });
        }
        Command::Dump => {
            let dump = app.dump(s)?;
            println!("{}", serde_json::to_string(&dump).map_err(|e| Failure { code: 3, message: e.to_string() })?);
        }
        Command::Staff(StaffCommand::Add { login, name, role }) => {
            let password = secret("RAPPORT_NEW_PASSWORD", &format!("First password for {login}: "))?;
            let staff = app.add_staff(s, &login, &name, role, &password)?;
            println!("{}", staff.id);
        }
        Command::Staff(StaffCommand::List { json }) => {
            let staff = app.list_staff(s)?;
            if json {
                return print_json(&staff);
            }
            for m in staff {
                println!(
                    "{:<16} {:<12} {}{}",
                    m.login,
                    m.role.as_str(),
                    m.display_name,
                    if m.active { "" } else { " (disabled)" }
                );
            }
        }
        Command::Demo { patients, seed } => {
            let staff_password = std::env::var("RAPPORT_NEW_PASSWORD").ok().map(Secret::new);
            let summary = app.load_demo(s, patients, seed, staff_password.as_ref())?;
            println!(
                "Loaded {} synthetic patients, {} pointers, {} appointments and {} staff accounts.",
                summary.patients, summary.pointers, summary.appointments, summary.staff_added
            );
            if summary.staff_added > 0 {
                if staff_password.is_some() {
                    println!(
                        "Demo staff (dr.mehta, dr.alvarez, dr.okafor, priya, sam, manager) log in with RAPPORT_NEW_PASSWORD."
                    );
                } else {
                    println!(
                        "Demo staff got random passwords; set RAPPORT_NEW_PASSWORD before `rapport demo` to choose one."
                    );
                }
            }
        }
        Command::Patient(cmd) => patient(app, s, cmd)?,
        Command::Pointer(cmd) => pointer(app, s, cmd)?,
        Command::Appt(cmd) => appt(app, s, cmd)?,
        Command::FollowUps { done: Some(id), .. } => {
            app.finish_follow_up(s, id)?;
            println!("{id} done");
        }
        Command::FollowUps { done: None, json } => {
            let list = app.follow_up_list(s)?;
            if json {
                return print_json(&list);
            }
            if list.is_empty() {
                println!("No open follow-ups.");
            }
            for row in list {
                let f = &row.follow_up;
                println!(
                    "{}  {}  {} ({})  {}",
                    f.created_at.with_timezone(&Local).format("%Y-%m-%d %H:%M"),
                    f.reason,
                    row.patient.full_name(),
                    row.patient.record_no,
                    f.id
                );
            }
        }
        Command::Glance { doctor, patient, json } => {
            let doctor = app.staff_by_login(s, &doctor)?;
            let patient = patient.map(|p| app.resolve_patient(s, &p)).transpose()?;
            let glance = app.doctor_glance(s, doctor.id, patient)?;
            if json {
                return print_json(&glance);
            }
            match &glance.card {
                Some(card) => print_card(app, s, card)?,
                None => println!("Nobody else is booked with {} today.", doctor.display_name),
            }
            if !glance.upcoming.is_empty() {
                println!();
                print_schedule(app.today(), &glance.upcoming);
            }
        }
        Command::Key(cmd) => {
            let current = std::env::var("RAPPORT_PASSPHRASE").ok().map(Secret::new);
            let protection = match cmd {
                KeyCommand::Passphrase => {
                    let new = secret("RAPPORT_NEW_PASSPHRASE", "New database passphrase: ")?;
                    KeyProtection::Passphrase(new, rapport_core::KdfCost::default())
                }
                KeyCommand::Keyring => KeyProtection::Keyring,
            };
            app.change_key_protection(s, current.as_ref(), &protection)?;
            println!(
                "The database key is now {}.",
                match protection {
                    KeyProtection::Keyring => "in the OS keyring",
                    KeyProtection::Passphrase(..) => "wrapped by the new passphrase",
                }
            );
        }
        Command::Audit(AuditCommand::Verify) => match app.verify_audit(s)? {
            Verification::Intact { entries } => println!("audit log intact: {entries} entries"),
            Verification::Broken { seq, reason } => {
                return Err(Failure { code: 3, message: format!("audit log broken at entry {seq}: {reason}") });
            }
        },
        Command::Audit(AuditCommand::Log { patient, limit, json }) => {
            let patient = patient.map(|p| app.resolve_patient(s, &p)).transpose()?;
            let entries = app.audit_log(s, patient, limit)?;
            if json {
                return print_json(&entries);
            }
            let staff = app.list_staff(s)?;
            let login = |id| staff.iter().find(|m| Some(m.id) == id).map_or("-", |m| m.login.as_str());
            for e in entries {
                println!(
                    "{:>6}  {}  {:<24} by {:<12} patient {}",
                    e.seq,
                    e.at.with_timezone(&Local).format("%Y-%m-%d %H:%M:%S"),
                    e.action,
                    login(e.staff_id),
                    e.patient_id.map(|x| x.to_string()).unwrap_or_else(|| "-".into())
                );
            }
        }
    }
    Ok(())
}

fn patient(app: &mut Rapport, s: &Session, cmd: PatientCommand) -> Result<(), Failure> {
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
                return print_json(&p);
            }
            println!("{}", p.id);
        }
        PatientCommand::Edit { id, fields, json } => {
            let id = app.resolve_patient(s, &id)?;
            let edit = PatientEdit {
                given: fields.given,
                family: fields.family,
                preferred: fields.preferred.map(Some),
                birth_date: fields.birth_date.map(Some),
                primary_phone: fields.phone,
                ..PatientEdit::default()
            };
            let p = app.edit_patient(s, id, edit)?;
            if json {
                return print_json(&p);
            }
            println!("{}", p.id);
        }
        PatientCommand::Search { query, limit, json } => {
            let hits = app.search_patients(s, &query, limit)?;
            if json {
                return print_json(&hits);
            }
            if hits.is_empty() {
                println!("No patient matches.");
            }
            for h in hits {
                print_hit(&h);
            }
        }
        PatientCommand::Show { id, json } => {
            let id = app.resolve_patient(s, &id)?;
            let card = app.open_patient(s, id)?;
            if json {
                return print_json(&CardJson::from(&card));
            }
            print_card(app, s, &card)?;
        }
        PatientCommand::Duplicates { given, family, birth_date, phone, json } => {
            let found = app.possible_duplicates(s, &given, &family, birth_date, &phone)?;
            if json {
                return print_json(&found);
            }
            if found.is_empty() {
                println!("No likely duplicates.");
            }
            for m in &found {
                print_hit(&m.patient);
                println!("    {}", m.reasons.iter().map(|r| r.label()).collect::<Vec<_>>().join(", "));
            }
        }
    }
    Ok(())
}

fn print_hit(h: &PatientHit) {
    let name = match &h.preferred {
        Some(p) => format!("{} {} ({p})", h.given, h.family),
        None => format!("{} {}", h.given, h.family),
    };
    println!(
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
    open_follow_ups: &'a [rapport_core::FollowUp],
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
            open_follow_ups: &c.open_follow_ups,
        }
    }
}

fn local(t: chrono::DateTime<Utc>) -> String {
    t.with_timezone(&Local).format("%Y-%m-%d %H:%M").to_string()
}

fn print_card(app: &Rapport, s: &Session, c: &PatientCard) -> Result<(), Failure> {
    let p = &c.patient;
    let mut title = p.full_name();
    if let Some(pref) = &p.preferred {
        title.push_str(&format!(" — call them \"{pref}\""));
    }
    if let Some(say) = &p.pronunciation {
        title.push_str(&format!(" (say \"{say}\")"));
    }
    println!("{title}    {}", p.record_no);
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
    println!("{}", facts.join(" · "));
    if !p.practical_needs.is_empty() {
        println!("Needs: {}", p.practical_needs.iter().map(|n| n.label()).collect::<Vec<_>>().join(", "));
    }
    if let Some(d) = &c.usual_doctor_name {
        println!("Usual doctor: {d}");
    }
    let talk: Vec<_> = c.pointers.iter().filter(|v| v.state != PointerState::Avoid).collect();
    let avoid: Vec<_> = c.pointers.iter().filter(|v| v.state == PointerState::Avoid).collect();
    if !talk.is_empty() {
        println!("Talk about:");
        for v in talk {
            let when = v.pointer.event_date.map(|d| format!(", {d}")).unwrap_or_default();
            let used = v
                .pointer
                .last_used()
                .map(|m| format!("; asked by {} on {}", m.by_name, m.at.with_timezone(&Local).format("%Y-%m-%d")))
                .unwrap_or_default();
            println!(
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
        println!("Avoid:");
        for v in avoid {
            println!(
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
        println!(
            "Last appointment: {} with {} ({})",
            local(a.starts_at),
            doctor(a.doctor),
            a.status.label().to_lowercase()
        );
    }
    if let Some(a) = &c.next_appointment {
        println!(
            "Next appointment: {} with {} ({})",
            local(a.starts_at),
            doctor(a.doctor),
            a.status.label().to_lowercase()
        );
    }
    for f in &c.open_follow_ups {
        println!("Follow-up: {} (since {})", f.reason, local(f.created_at));
    }
    Ok(())
}

fn pointer(app: &mut Rapport, s: &Session, cmd: PointerCommand) -> Result<(), Failure> {
    match cmd {
        PointerCommand::Add { patient_id, kind, text, event_date, source, json } => {
            let patient = app.resolve_patient(s, &patient_id)?;
            let p = app.add_pointer(s, patient, NewPointer { kind, text, event_date, source })?;
            if json {
                return print_json(&p);
            }
            println!("{}", p.id);
        }
        PointerCommand::Used { pointer_id: id, note } => {
            let p = app.mark_pointer_used(s, pointer_id(&id)?, note.as_deref())?;
            println!("{}", p.id);
        }
        PointerCommand::Confirm { pointer_id: id } => {
            let p = app.confirm_pointer(s, pointer_id(&id)?)?;
            println!("{}", p.id);
        }
        PointerCommand::Retract { pointer_id: id } => {
            let p = app.retract_pointer(s, pointer_id(&id)?)?;
            println!("{}", p.id);
        }
    }
    Ok(())
}

#[derive(Serialize)]
struct ApptJson<'a> {
    #[serde(flatten)]
    appointment: &'a rapport_model::Appointment,
    patient_name: String,
    record_no: &'a str,
    doctor_name: &'a str,
    local_start: String,
    wait: Option<rapport_model::WaitCue>,
}

fn appt(app: &mut Rapport, s: &Session, cmd: ApptCommand) -> Result<(), Failure> {
    let change = |app: &mut Rapport, id: &str, change: StatusChange| -> Result<(), Failure> {
        let a = app.change_status(s, appt_id(id)?, change)?;
        println!("{} {}", a.id, a.status.as_str());
        Ok(())
    };
    match cmd {
        ApptCommand::Book { patient_id, doctor, at, minutes, reason, json } => {
            let patient = app.resolve_patient(s, &patient_id)?;
            let doctor = app.staff_by_login(s, &doctor)?;
            let outcome = app.book(s, Booking { patient, doctor: doctor.id, starts_at: at, minutes, reason })?;
            for w in &outcome.warnings {
                eprintln!("warning: {w}");
            }
            if json {
                return print_json(&outcome);
            }
            println!("{}", outcome.appointment.id);
        }
        ApptCommand::List { date, doctor, json } => {
            let day = date.unwrap_or_else(|| app.today());
            let doctor = doctor.map(|d| app.staff_by_login(s, &d)).transpose()?;
            let rows = app.day_schedule(s, day, doctor.map(|d| d.id))?;
            if json {
                let out: Vec<ApptJson<'_>> = rows.iter().map(appt_json).collect();
                return print_json(&out);
            }
            print_schedule(day, &rows);
        }
        ApptCommand::Slots { doctor, date, minutes, json } => {
            let day = date.unwrap_or_else(|| app.today());
            let doctor = app.staff_by_login(s, &doctor)?;
            let slots = app.free_slots(s, doctor.id, day, minutes)?;
            if json {
                return print_json(&slots);
            }
            if slots.is_empty() {
                println!("No free {minutes}-minute slots.");
            }
            let times: Vec<String> =
                slots.iter().map(|slot| slot.starts_at.with_timezone(&Local).format("%H:%M").to_string()).collect();
            println!("{}", times.join(" "));
        }
        ApptCommand::Move { appt_id: id, at, doctor, json } => {
            let doctor = doctor.map(|d| app.staff_by_login(s, &d)).transpose()?;
            let outcome = app.move_appointment(s, appt_id(&id)?, at, doctor.map(|d| d.id))?;
            for w in &outcome.warnings {
                eprintln!("warning: {w}");
            }
            if json {
                return print_json(&outcome);
            }
            println!("{} {}", outcome.appointment.id, local(outcome.appointment.starts_at));
        }
        ApptCommand::Confirm { appt_id } => change(app, &appt_id, StatusChange::Confirm)?,
        ApptCommand::Checkin { appt_id } => change(app, &appt_id, StatusChange::CheckIn)?,
        ApptCommand::Seen { appt_id } => change(app, &appt_id, StatusChange::Seen)?,
        ApptCommand::Done { appt_id } => change(app, &appt_id, StatusChange::Done)?,
        ApptCommand::NoShow { appt_id } => change(app, &appt_id, StatusChange::NoShow)?,
        ApptCommand::Cancel { appt_id } => change(app, &appt_id, StatusChange::Cancel)?,
    }
    Ok(())
}

fn appt_json(r: &ScheduleRow) -> ApptJson<'_> {
    ApptJson {
        appointment: &r.appointment,
        patient_name: format!("{} {}", r.patient.given, r.patient.family),
        record_no: &r.patient.record_no,
        doctor_name: &r.doctor_name,
        local_start: local(r.appointment.starts_at),
        wait: r.wait,
    }
}

fn print_schedule(day: NaiveDate, rows: &[ScheduleRow]) {
    println!("{}", day.format("%A %-d %B %Y"));
    if rows.is_empty() {
        println!("No appointments.");
    }
    for r in rows {
        let wait = r
            .wait
            .map(|w| {
                format!(
                    "  waiting {} min{}",
                    w.minutes,
                    match w.level {
                        rapport_model::WaitLevel::Fine => "",
                        rapport_model::WaitLevel::Amber => " (amber)",
                        rapport_model::WaitLevel::Red => " (RED: apologise)",
                    }
                )
            })
            .unwrap_or_default();
        println!(
            "{}  {:>3} min  {:<22} {:<30} {:<12}{wait}  {}",
            r.appointment.starts_at.with_timezone(&Local).format("%H:%M"),
            r.appointment.minutes,
            r.doctor_name,
            format!("{} {}", r.patient.given, r.patient.family),
            r.appointment.status.label(),
            r.appointment.id
        );
    }
}
