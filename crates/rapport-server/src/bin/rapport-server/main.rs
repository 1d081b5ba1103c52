//! `rapport-server`: head office's sync server and its administration commands.
//!
//! - [`cli`]: the command tree; [`commands`]: what each command does; [`output`]: standard
//!   output (a closed pipe ends quietly).

mod cli;
mod commands;
mod output;

use std::process::ExitCode;

use clap::Parser as _;

use crate::cli::{
    AuditCommand, Cli, ClinicCommand, Command, DeviceCommand, MessagesCommand, StaffCommand, UserCommand,
};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { ExitCode::from(1) } else { ExitCode::SUCCESS };
        }
    };
    let now = rapport_server::now_ms();
    let done = match cli.command {
        Command::Serve { storage, settings, plan_every } => commands::serve(&storage, settings, plan_every),
        Command::CheckConfig { storage, settings } => commands::check_config(&storage, settings),
        Command::Backup { storage, out } => commands::backup(&storage, &out),
        Command::Messages(MessagesCommand::List { storage, limit, json }) => {
            commands::list_messages(&storage, limit, json)
        }
        Command::Messages(MessagesCommand::Status { storage, json }) => commands::outbox_status(&storage, now, json),
        Command::Messages(MessagesCommand::Plan { storage, public_url }) => {
            commands::plan_messages(&storage, now, &rapport_server::office::OutreachConfig::new(public_url))
        }
        Command::Clinic(ClinicCommand::Add { name, storage }) => commands::add_clinic(&storage, &name, now),
        Command::EnrollCode { clinic, storage } => commands::enroll_code(&storage, &clinic, now),
        Command::Device(DeviceCommand::Revoke { device_id, storage }) => {
            commands::revoke_device(&storage, &device_id, now)
        }
        Command::Device(DeviceCommand::List { json, storage }) => commands::list_devices(&storage, json),
        Command::Dump { clinic, storage } => commands::dump(&storage, &clinic),
        Command::Staff(StaffCommand::Admin { clinic, login, storage }) => {
            commands::make_admin(&storage, &clinic, &login, now)
        }
        Command::Audit(AuditCommand::Verify { storage }) => commands::verify_audit(&storage),
        Command::User(UserCommand::Add { login, role, storage }) => commands::add_user(&storage, &login, role, now),
        Command::User(UserCommand::Log { storage, limit, json }) => commands::user_log(&storage, limit, json),
    };
    done.unwrap_or_else(|message| {
        eprintln!("error: {message}");
        ExitCode::from(1)
    })
}
