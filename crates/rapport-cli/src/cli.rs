//! The command tree: every spelling, flag and argument parser of `rapport`, in one place.

use std::path::PathBuf;

use chrono::{Local, NaiveDate, NaiveDateTime, TimeZone, Utc};
use clap::{Args, Parser, Subcommand};
use rapport_model::{PointerKind, Role, Source};

#[derive(Parser, Debug)]
#[command(
    name = "rapport",
    version,
    about = "Rapport: the front desk's patient relationship manager",
    arg_required_else_help = true
)]
pub(crate) struct Cli {
    /// The clinic database (default: the per-user data directory).
    #[arg(long, global = true, env = "RAPPORT_DB")]
    pub(crate) db: Option<PathBuf>,
    /// Your staff login (or set RAPPORT_USER). The password comes from RAPPORT_PASSWORD or a prompt.
    #[arg(long, global = true, env = "RAPPORT_USER")]
    pub(crate) user: Option<String>,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Subcommand, Debug)]
pub(crate) enum Command {
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
    /// Write a consistent copy of the database while the desk works: FILE, encrypted with the
    /// same key, and its key file FILE.key (device-level, like sync: needs the database key, no
    /// staff login).
    Backup {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Put a backup (FILE and FILE.key) back in place of this database, which is kept aside;
    /// then catch up with head office. Refused if the database here has work the backup lacks
    /// or is another desk's, unless --force.
    Restore {
        file: PathBuf,
        #[arg(long)]
        force: bool,
    },
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
    /// Patients who may be one person: the review queue (managers).
    #[command(subcommand)]
    Duplicates(DuplicatesCommand),
    /// Rapport pointers.
    #[command(subcommand)]
    Pointer(PointerCommand),
    /// Appointments.
    #[command(subcommand)]
    Appt(ApptCommand),
    /// The patients to phone today (missed visits, follow-ups, replies to read, messages that
    /// did not arrive, recalls due); `call-list done TASK_ID --outcome …` records a call.
    CallList {
        #[command(subcommand)]
        done: Option<CallListCommand>,
        #[arg(long)]
        json: bool,
    },
    /// What head office sent a patient, with each message's status and the patient's reply.
    Messages {
        /// A patient id or record number.
        #[arg(long)]
        patient: String,
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
    /// The clinic's message texts, per kind, channel and language (setting one: managers).
    #[command(subcommand)]
    Template(TemplateCommand),
    /// How the clinic sends reminders and greetings (setting: managers).
    #[command(subcommand)]
    Messaging(MessagingCommand),
    /// Recall rules per condition tag (adding: managers), and the patients due.
    #[command(subcommand)]
    Recall(RecallCommand),
    /// Segments of the clinic's patients (managers): how many a set of conditions holds.
    #[command(subcommand)]
    Segment(SegmentCommand),
    /// Campaigns to a saved segment (managers): set up, pause, resume, and what came of them.
    #[command(subcommand)]
    Campaign(CampaignCommand),
    /// Satisfaction surveys after visits (managers): settings and results.
    #[command(subcommand)]
    Survey(SurveyCommand),
    /// The clinic's figures (managers), from this desk's data.
    #[command(subcommand)]
    Report(ReportCommand),
    /// Records from another system's files (managers): patients from a CSV export.
    #[command(subcommand)]
    Import(ImportCommand),
    /// The clinic's records as files for another system (managers; audited).
    #[command(subcommand)]
    Export(ExportCommand),
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
pub(crate) enum CallListCommand {
    /// Records how a call went; any outcome but no-answer takes it off the list.
    Done {
        task_id: uuid::Uuid,
        /// reached, no-answer, rebooked or wrong-number.
        #[arg(long)]
        outcome: rapport_model::calls::CallOutcome,
    },
}

#[derive(Subcommand, Debug)]
pub(crate) enum SyncCommand {
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
pub(crate) enum ConflictsCommand {
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
pub(crate) enum KeyCommand {
    /// Protect the key with a new passphrase (from RAPPORT_NEW_PASSPHRASE or a prompt).
    Passphrase,
    /// Move the key into the OS keyring.
    Keyring,
}

#[derive(Subcommand, Debug)]
pub(crate) enum StaffCommand {
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
    /// Change your own password: the current one as you log in (RAPPORT_PASSWORD or a prompt),
    /// the new one from RAPPORT_NEW_PASSWORD or a prompt (asked twice).
    Password,
    /// Give a colleague a new password (RAPPORT_NEW_PASSWORD or a prompt), which they must change
    /// when they next log in; lifts a lockout. Managers: front desk and clinicians; admins: anyone.
    Reset { login: String },
    /// Stop a colleague from logging in; their account and history stay.
    Deactivate { login: String },
    /// Let a deactivated colleague log in again.
    Reactivate { login: String },
    /// Give a colleague another role (front-desk, clinician, manager, admin).
    Role {
        login: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
    },
}

#[derive(Args, Debug)]
pub(crate) struct PatientFields {
    #[arg(long)]
    pub(crate) given: Option<String>,
    #[arg(long)]
    pub(crate) family: Option<String>,
    #[arg(long)]
    pub(crate) preferred: Option<String>,
    #[arg(long, value_parser = parse_date)]
    pub(crate) birth_date: Option<NaiveDate>,
    #[arg(long)]
    pub(crate) phone: Option<String>,
}

/// How the clinic may reach a patient (`patient edit`).
#[derive(Args, Debug)]
pub(crate) struct ReachFields {
    /// May the clinic text the patient?
    #[arg(long, value_parser = parse_yes_no, value_name = "yes|no")]
    pub(crate) sms_consent: Option<bool>,
    #[arg(long)]
    pub(crate) email: Option<String>,
    /// May the clinic email the patient?
    #[arg(long, value_parser = parse_yes_no, value_name = "yes|no")]
    pub(crate) email_consent: Option<bool>,
    /// May the clinic phone the patient (the call list)?
    #[arg(long, value_parser = parse_yes_no, value_name = "yes|no")]
    pub(crate) phone_consent: Option<bool>,
    /// Adds a condition tag (e.g. diabetes); may be given more than once.
    #[arg(long = "tag", value_name = "TAG")]
    pub(crate) tags: Vec<String>,
    /// Removes a condition tag; may be given more than once.
    #[arg(long = "untag", value_name = "TAG")]
    pub(crate) untags: Vec<String>,
    /// The language messages are written in (en, hi, ta…).
    #[arg(long)]
    pub(crate) language: Option<String>,
}

#[derive(Subcommand, Debug)]
pub(crate) enum TemplateCommand {
    /// Writes the clinic's text for KIND (reminder, no-show, recall, birthday, follow-up). Slots:
    /// {patient} {clinic} {doctor} {date} {time} {link}; an email's first line may be
    /// `Subject: …`.
    Set {
        #[arg(value_parser = parse_message_kind)]
        kind: rapport_model::outreach::MessageKind,
        #[arg(long, value_parser = parse_template_channel, value_name = "sms|email")]
        channel: rapport_model::Channel,
        #[arg(long)]
        lang: String,
        #[arg(long)]
        text: String,
        /// The id India's DLT registry gave this template.
        #[arg(long)]
        dlt_template_id: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Every template in use, the defaults included.
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub(crate) enum MessagingCommand {
    /// Changes the settings given; the rest stay.
    Set {
        /// Hours before the appointment the reminder goes (default 24).
        #[arg(long)]
        reminder_hours: Option<u32>,
        /// A second reminder this many hours before; 0 for none.
        #[arg(long)]
        second_reminder_hours: Option<u32>,
        /// Minutes a new booking waits before its reminder may go (default 5).
        #[arg(long)]
        hold_minutes: Option<u32>,
        /// When nothing is sent, in the clinic's time zone (default 21:00-08:00).
        #[arg(long, value_name = "HH:MM-HH:MM")]
        quiet_hours: Option<String>,
        /// The clinic's time zone, e.g. Asia/Kolkata (default: this computer's).
        #[arg(long, value_name = "TZ")]
        timezone: Option<String>,
        /// The hour birthday greetings go (default 10).
        #[arg(long, value_name = "HH")]
        birthday_hour: Option<u32>,
        /// Greetings offer a free check-up.
        #[arg(long, value_parser = parse_yes_no, value_name = "yes|no")]
        birthday_offer: Option<bool>,
        /// At most this many greetings and offers per patient a week (default 2).
        #[arg(long)]
        weekly_cap: Option<u32>,
        /// The clinic's language: templates fall back to it (default en).
        #[arg(long)]
        language: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// The settings in use.
    Show {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub(crate) enum RecallCommand {
    /// Recalls patients with TAG every N months from their last visit (replaces the tag's rule).
    Add {
        #[arg(long)]
        tag: String,
        #[arg(long)]
        every_months: u32,
    },
    /// The recall rules.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Patients due or overdue for a recall with no visit booked, most overdue first.
    Due {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub(crate) enum CampaignCommand {
    /// Sets up a campaign; head office sends it at its time (quiet hours, consent, the weekly
    /// cap and avoid-topic pointers apply) once this desk has synced.
    Create {
        name: String,
        /// The saved segment (evaluated when the campaign runs).
        #[arg(long, value_name = "NAME")]
        segment: String,
        /// A message kind whose template it sends (campaign, recall, birthday) or a template's id.
        #[arg(long, value_name = "KIND_OR_ID")]
        template: String,
        #[arg(long, value_parser = parse_template_channel, value_name = "sms|email")]
        channel: rapport_model::Channel,
        /// The share of the segment sent nothing, to measure the campaign against (0 to 50).
        #[arg(long, value_name = "PCT", default_value_t = 10)]
        holdout: u32,
        /// Bookings made within this many days of the send time count as its result.
        #[arg(long, value_name = "N", default_value_t = rapport_model::campaigns::DEFAULT_WINDOW_DAYS)]
        window_days: u32,
        /// What one message costs (like 0.25), for the cost per booking.
        #[arg(long, value_name = "X", value_parser = rapport_model::campaigns::parse_cost)]
        cost_per_message: Option<i64>,
        /// When it goes, in the clinic's time (default: now).
        #[arg(long, value_name = "YYYY-MM-DDTHH:MM", value_parser = parse_local_minute)]
        send_at: Option<chrono::NaiveDateTime>,
        #[arg(long)]
        json: bool,
    },
    /// The clinic's campaigns, newest first.
    List {
        #[arg(long)]
        json: bool,
    },
    /// What a campaign did: each group's size and bookings within the window, the lift, the cost per booking.
    Results {
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Holds a campaign's messages not yet sent.
    Pause { name: String },
    /// Lets a paused campaign's messages go.
    Resume { name: String },
}

#[derive(Subcommand, Debug)]
pub(crate) enum SurveyCommand {
    /// Shows the survey settings, or changes those given.
    Settings {
        /// Ask patients about their visit once it is done.
        #[arg(long, value_parser = parse_on_off, value_name = "on|off")]
        after_visit: Option<bool>,
        /// Hours after the visit is done.
        #[arg(long, value_name = "N")]
        delay_hours: Option<u32>,
        /// Only this doctor's visits (repeat for several; `--all-doctors` for every doctor's).
        #[arg(long = "doctor", value_name = "LOGIN", conflicts_with = "all_doctors")]
        doctors: Vec<String>,
        #[arg(long)]
        all_doctors: bool,
        #[arg(long)]
        json: bool,
    },
    /// Average rating and NPS per doctor and month, and the latest answers.
    Results {
        /// One doctor's (their login).
        #[arg(long, value_name = "LOGIN")]
        doctor: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

fn parse_on_off(s: &str) -> Result<bool, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "on" | "yes" => Ok(true),
        "off" | "no" => Ok(false),
        _ => Err("expected on or off".to_owned()),
    }
}

fn parse_local_minute(s: &str) -> Result<chrono::NaiveDateTime, String> {
    chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").map_err(|_| "a time like 2026-12-24T10:00".to_owned())
}

#[derive(Subcommand, Debug)]
pub(crate) enum ReportCommand {
    /// The no-show rate, overall and by doctor, weekday, hour, lead time, confirmation, reminder.
    NoShows {
        #[command(flatten)]
        range: ReportArgs,
    },
    /// How soon patients were seen after their scheduled time, against the 90%-within-30-minutes standard.
    Waiting {
        #[command(flatten)]
        range: ReportArgs,
    },
    /// Patients registered, by referral source and referring doctor, and how many came for a visit.
    Referrals {
        #[command(flatten)]
        range: ReportArgs,
    },
    /// Where the patients seen live: by city and area.
    Geography {
        #[command(flatten)]
        range: ReportArgs,
    },
    /// The condition mix of the patients seen.
    Conditions {
        #[command(flatten)]
        range: ReportArgs,
    },
    /// Visits done, by month; patients seen, new or returning, and how often they came.
    Visits {
        #[command(flatten)]
        range: ReportArgs,
    },
}

/// A report's days and form.
#[derive(Args, Debug)]
pub(crate) struct ReportArgs {
    /// The first day (default: 90 days ago).
    #[arg(long, value_name = "DATE")]
    pub(crate) from: Option<NaiveDate>,
    /// The last day (default: today).
    #[arg(long, value_name = "DATE")]
    pub(crate) to: Option<NaiveDate>,
    #[arg(long, conflicts_with = "csv")]
    pub(crate) json: bool,
    /// Comma-separated values with a header line, for a spreadsheet.
    #[arg(long)]
    pub(crate) csv: bool,
}

#[derive(Subcommand, Debug)]
pub(crate) enum ExportCommand {
    /// Every living patient (in the columns `import patients` reads) or every appointment, as
    /// CSV in a new file. The file is not encrypted.
    Csv {
        #[arg(value_name = "patients|appointments")]
        what: rapport_core::Exported,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// One patient's records (--patient) or every living patient's, as an HL7 FHIR R4 Bundle
    /// (JSON) in a new file: Patient, Condition, RelatedPerson, Flag (rapport pointers),
    /// Appointment and Encounter. The file is not encrypted.
    Fhir {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// A patient id or record number.
        #[arg(long)]
        patient: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub(crate) enum ImportCommand {
    /// Patients from a CSV file (an HIS or EMR export, a spreadsheet). Common headers are
    /// recognised (OpenEMR's, Indian HIS exports', plain English); the delimiter, a byte-order
    /// mark and the encoding are found. Every row is checked first: a refused row is reported
    /// with its line, column and reason and nothing is written (exit 1); otherwise the whole
    /// file goes in as one. A row whose record number the desk holds updates that patient.
    /// An age ("42", "42 Y", "6 months") without a birth date is kept as an approximate birth
    /// year. Mapping columns: record_no, given, middle, family, full_name, birth_date, age,
    /// birth_year, sex, phone, email, address, postal_code, city, area, language, sms_consent,
    /// email_consent, referral_source, referring_doctor, conditions, ignore.
    Patients(ImportArgs),
    /// Appointments from a CSV file, each naming its patient by record number (import the
    /// patients first) and its doctor by name or login; all or nothing, like patients; the same
    /// patient, doctor and time again updates the status. Mapping columns: patient_record_no,
    /// doctor, date, time, minutes, status, reason, ignore.
    Appointments(ImportArgs),
    /// An HL7 FHIR R4 Bundle (JSON, collection or transaction): Patient, RelatedPerson (as
    /// attendants), Condition (as condition tags), Flag (as pointers), Appointment and Encounter
    /// (as visits). A resource that is not valid is refused with its position and the reason
    /// and nothing is written (exit 1); ids are kept, so the same bundle again changes nothing.
    Fhir {
        file: PathBuf,
        /// Check and count, write nothing.
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        json: bool,
    },
}

/// What every import takes.
#[derive(Args, Debug)]
pub(crate) struct ImportArgs {
    pub(crate) file: PathBuf,
    /// `Source header = column` lines, for a file whose headers Rapport does not know.
    #[arg(long, value_name = "MAPFILE")]
    pub(crate) map: Option<PathBuf>,
    /// DD/MM/YYYY, MM/DD/YYYY or YYYY-MM-DD (without it: ISO, or the order the dates prove;
    /// a file whose dates read both ways is refused).
    #[arg(long, value_name = "FMT")]
    pub(crate) date_format: Option<rapport_core::DateFormat>,
    /// Check and count, write nothing.
    #[arg(long)]
    pub(crate) dry_run: bool,
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Subcommand, Debug)]
pub(crate) enum SegmentCommand {
    /// How many living patients meet every condition given, with a few names to recognise them by.
    Count {
        #[command(flatten)]
        filter: SegmentArgs,
        #[arg(long)]
        json: bool,
    },
    /// Saves the conditions under NAME (a name saved before takes the new ones); prints its size.
    Save {
        name: String,
        #[command(flatten)]
        filter: SegmentArgs,
        #[arg(long)]
        json: bool,
    },
    /// The clinic's saved segments.
    List {
        #[arg(long)]
        json: bool,
    },
}

/// The conditions of a segment; each one given must hold.
#[derive(Args, Debug, Default)]
pub(crate) struct SegmentArgs {
    /// A condition tag the patient carries (repeat for several: all must be there).
    #[arg(long = "tag", value_name = "TAG")]
    pub(crate) tags: Vec<String>,
    /// Age in whole years today, at least.
    #[arg(long)]
    pub(crate) min_age: Option<u32>,
    /// Age in whole years today, at most.
    #[arg(long)]
    pub(crate) max_age: Option<u32>,
    #[arg(long)]
    pub(crate) sex: Option<String>,
    #[arg(long)]
    pub(crate) city: Option<String>,
    #[arg(long)]
    pub(crate) area: Option<String>,
    /// The last done visit was before this day (YYYY-MM-DD; patients never seen are out).
    #[arg(long, value_name = "DATE")]
    pub(crate) last_visit_before: Option<NaiveDate>,
    /// The last done visit was on or after this day.
    #[arg(long, value_name = "DATE")]
    pub(crate) last_visit_after: Option<NaiveDate>,
    /// The usual doctor's login.
    #[arg(long, value_name = "LOGIN")]
    pub(crate) doctor: Option<String>,
    #[arg(long)]
    pub(crate) language: Option<String>,
    /// Agreed to be reached this way: sms, email or phone.
    #[arg(long, value_parser = parse_consent)]
    pub(crate) consent: Option<rapport_model::Channel>,
}

fn parse_consent(s: &str) -> Result<rapport_model::Channel, String> {
    rapport_model::outreach::parse_channel(s).ok_or_else(|| "sms, email or phone".to_owned())
}

#[derive(Subcommand, Debug)]
pub(crate) enum PatientCommand {
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
        #[command(flatten)]
        reach: ReachFields,
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
    /// The patient card: details, pointers, last and next appointments. A restricted record
    /// opens only with --reason (recorded, and listed for managers: `audit break-glass`).
    Show {
        id: String,
        #[arg(long)]
        reason: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Restricts a patient's record (managers): from now on anyone opens it only by saying why.
    Restrict {
        id: String,
        /// Lift the restriction instead.
        #[arg(long)]
        lift: bool,
    },
    /// Merges OTHER into KEEP (managers): KEEP takes the newer record's value of each field that
    /// differs (never an empty one) unless --take says otherwise, and both records' phones,
    /// tags and attendants; OTHER's appointments, pointers and messages become KEEP's. Prints the
    /// merge id, which `patient unmerge` takes.
    Merge {
        /// The record that stays (id or record number).
        keep: String,
        /// The record merged away (id or record number).
        other: String,
        /// FIELD=keep or FIELD=other, for a field whose values differ (e.g. --take given=keep).
        #[arg(long, value_parser = parse_take)]
        take: Vec<(String, rapport_model::merge::Side)>,
        #[arg(long)]
        json: bool,
    },
    /// Undoes a merge: the merged-away record and what belongs to it are back, and each field the
    /// merge changed on the kept record (and nobody edited since) has its old value.
    Unmerge { merge_id: uuid::Uuid },
    /// Existing patients who may be the one you are about to register, scored: the same or a
    /// similar name, birth date, phone.
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

fn parse_take(s: &str) -> Result<(String, rapport_model::merge::Side), String> {
    let (field, side) = s.split_once('=').ok_or("expected FIELD=keep or FIELD=other")?;
    let side = match side.trim() {
        "keep" => rapport_model::merge::Side::Keep,
        "other" => rapport_model::merge::Side::Other,
        _ => return Err("expected FIELD=keep or FIELD=other".into()),
    };
    Ok((field.trim().to_owned(), side))
}

#[derive(Subcommand, Debug)]
pub(crate) enum DuplicatesCommand {
    /// Every pair of held patients who may be one person, best match first, with why.
    List {
        /// The least sure band shown: certain, probable or possible.
        #[arg(long, default_value = "possible")]
        band: rapport_core::Band,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub(crate) enum PointerCommand {
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
pub(crate) enum ApptCommand {
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
        /// Put a follow-up call to the patient on the call list in this many days (1 to 365).
        #[arg(long, value_name = "DAYS",
              value_parser = clap::value_parser!(u32).range(1..=i64::from(rapport_core::MAX_FOLLOW_UP_DAYS)))]
        call_in_days: Option<u32>,
    },
    NoShow {
        appt_id: String,
    },
    Cancel {
        appt_id: String,
    },
}

#[derive(Subcommand, Debug)]
pub(crate) enum AuditCommand {
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
    /// Who opened restricted records, when and why (managers).
    BreakGlass {
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

fn parse_yes_no(s: &str) -> Result<bool, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "yes" | "y" => Ok(true),
        "no" | "n" => Ok(false),
        _ => Err("expected yes or no".to_owned()),
    }
}

fn parse_message_kind(s: &str) -> Result<rapport_model::outreach::MessageKind, String> {
    s.parse()
}

fn parse_template_channel(s: &str) -> Result<rapport_model::Channel, String> {
    match rapport_model::outreach::parse_channel(s.trim()) {
        Some(c) if c != rapport_model::Channel::Phone => Ok(c),
        _ => Err("expected sms or email".to_owned()),
    }
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
