//! `rapport`: the clinic's command line. Everything the desktop app does, it can do too.
//!
//! - [`cli`]: the command tree (every spelling and flag);
//! - [`context`]: opening the database, logging in, secrets, failures and exit codes;
//! - [`output`]: the one way to write to standard output (a closed pipe ends quietly);
//! - [`commands`]: one module per command group.

mod cli;
mod commands;
mod context;
mod output;

use std::process::ExitCode;

use clap::Parser as _;

use crate::cli::{Cli, Command};
use crate::context::{Failure, open_and_login};

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

/// What each command starts from: nothing, the database, or the database and a staff login
/// (`sync` decides per subcommand).
fn run(cli: Cli) -> Result<(), Failure> {
    let db = cli.db.clone().unwrap_or_else(rapport_core::default_db_path);
    match cli.command {
        Command::Init { clinic, admin, admin_name } => {
            commands::setup::init(&db, &clinic, &admin, admin_name.as_deref())
        }
        Command::Status => commands::setup::status(&db),
        Command::Backup { out } => commands::setup::backup(&db, &out),
        Command::Restore { file, force } => commands::setup::restore(&db, &file, force),
        Command::Sync(command) => commands::sync::run(&db, cli.user.as_deref(), command),
        command => {
            let (mut app, session) = open_and_login(&db, cli.user.as_deref())?;
            commands::logged_in(&mut app, &session, command)
        }
    }
}
