//! One module per command group. Each handler takes what it needs (the database path, or the
//! opened database and a staff session) and writes through [`crate::output`].

pub(crate) mod appt;
pub(crate) mod audit;
pub(crate) mod campaigns;
pub(crate) mod import;
pub(crate) mod messaging;
pub(crate) mod patient;
pub(crate) mod pointer;
pub(crate) mod reports;
pub(crate) mod setup;
pub(crate) mod sync;

use rapport_core::{Rapport, Session};

use crate::cli::Command;
use crate::context::Failure;

/// Runs a command that needs a staff login (every one but `init`, `status`, `backup`, `restore`
/// and `sync`).
pub(crate) fn logged_in(app: &mut Rapport, s: &Session, command: Command) -> Result<(), Failure> {
    if !matches!(command, Command::Staff(crate::cli::StaffCommand::Password)) {
        s.ready()?;
    }
    match command {
        Command::Init { .. }
        | Command::Status
        | Command::Backup { .. }
        | Command::Restore { .. }
        | Command::Sync(_) => {
            unreachable!("main runs these: they need no login, or decide per subcommand")
        }
        Command::Conflicts(cmd) => sync::conflicts(app, s, cmd),
        Command::Dump => audit::dump(app, s),
        Command::Audit(cmd) => audit::audit(app, s, cmd),
        Command::Staff(cmd) => setup::staff(app, s, cmd),
        Command::Demo { patients, seed } => setup::demo(app, s, patients, seed),
        Command::Key(cmd) => setup::key(app, s, cmd),
        Command::Patient(cmd) => patient::patient(app, s, cmd),
        Command::Duplicates(cmd) => patient::duplicates(app, s, cmd),
        Command::Pointer(cmd) => pointer::pointer(app, s, cmd),
        Command::Appt(cmd) => appt::appt(app, s, cmd),
        Command::CallList { done, json } => appt::call_list(app, s, done, json),
        Command::Messages { patient, json } => messaging::patient_messages(app, s, &patient, json),
        Command::Glance { doctor, patient, json } => appt::glance(app, s, &doctor, patient.as_deref(), json),
        Command::Template(cmd) => messaging::template(app, s, cmd),
        Command::Messaging(cmd) => messaging::messaging(app, s, cmd),
        Command::Recall(cmd) => messaging::recall(app, s, cmd),
        Command::Segment(cmd) => reports::segment(app, s, cmd),
        Command::Report(cmd) => reports::report(app, s, cmd),
        Command::Campaign(cmd) => campaigns::campaign(app, s, cmd),
        Command::Survey(cmd) => campaigns::survey(app, s, cmd),
        Command::Import(cmd) => import::import(app, s, cmd),
        Command::Export(cmd) => import::export(app, s, cmd),
    }
}
