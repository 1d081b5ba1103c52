//! `rapport-server`: head office's sync server and its administration commands.
#![allow(clippy::print_stdout)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use rapport_server::http::Transport;
use rapport_server::{OfficeError, office};

#[derive(Parser, Debug)]
#[command(name = "rapport-server", version, about = "Rapport head office: the sync server for every clinic")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Debug)]
struct Storage {
    /// Head office's data directory (the SQLite database lives here).
    #[arg(long)]
    data: PathBuf,
    /// Keep the data in PostgreSQL instead, e.g. postgres://user@host/db.
    #[arg(long, env = "RAPPORT_SERVER_POSTGRES")]
    postgres: Option<String>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the sync API.
    Serve {
        #[command(flatten)]
        storage: Storage,
        /// Address to listen on, e.g. 0.0.0.0:8443.
        #[arg(long)]
        listen: SocketAddr,
        /// The server's certificate chain (PEM).
        #[arg(long, requires = "tls_key", required_unless_present = "insecure_http")]
        tls_cert: Option<PathBuf>,
        /// The certificate's private key (PEM).
        #[arg(long, requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// Serve plain HTTP (tests and trusted networks only: tokens and patient data travel unencrypted).
        #[arg(long, conflicts_with_all = ["tls_cert", "tls_key"])]
        insecure_http: bool,
    },
    /// Clinics of the organisation.
    #[command(subcommand)]
    Clinic(ClinicCommand),
    /// Make a one-time enrollment code for a device of a clinic; prints only the code.
    EnrollCode {
        #[arg(long)]
        clinic: String,
        #[command(flatten)]
        storage: Storage,
    },
    /// Enrolled devices.
    #[command(subcommand)]
    Device(DeviceCommand),
    /// Print what a clinic's devices hold, in the canonical form `rapport dump` prints.
    Dump {
        #[arg(long)]
        clinic: String,
        #[command(flatten)]
        storage: Storage,
    },
    /// The audit chains the devices sent.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Staff accounts (what only head office may do to them).
    #[command(subcommand)]
    Staff(StaffCommand),
}

#[derive(Subcommand, Debug)]
enum StaffCommand {
    /// Make a clinic's staff member an admin (a desk cannot once its clinic has one).
    Admin {
        #[arg(long)]
        clinic: String,
        login: String,
        #[command(flatten)]
        storage: Storage,
    },
}

#[derive(Subcommand, Debug)]
enum ClinicCommand {
    /// Add a clinic.
    Add {
        name: String,
        #[command(flatten)]
        storage: Storage,
    },
}

#[derive(Subcommand, Debug)]
enum DeviceCommand {
    /// Stop a device: its next request is refused.
    Revoke {
        device_id: String,
        #[command(flatten)]
        storage: Storage,
    },
    List {
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        storage: Storage,
    },
}

#[derive(Subcommand, Debug)]
enum AuditCommand {
    /// Recompute every device's audit chain; exits 1 if one is broken.
    Verify {
        #[command(flatten)]
        storage: Storage,
    },
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { ExitCode::from(1) } else { ExitCode::SUCCESS };
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(1)
        }
    }
}

fn open(storage: &Storage) -> Result<std::sync::Arc<rapport_server::Backend>, String> {
    rapport_server::open(&storage.data, storage.postgres.as_deref()).map_err(|e| e.to_string())
}

fn run(cli: Cli) -> Result<ExitCode, String> {
    let now = rapport_server::now_ms();
    let fail = |e: OfficeError| e.to_string();
    match cli.command {
        Command::Serve { storage, listen, tls_cert, tls_key, insecure_http } => {
            tracing_subscriber::fmt()
                .with_env_filter(
                    tracing_subscriber::EnvFilter::try_from_env("RAPPORT_LOG")
                        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
                )
                .with_writer(std::io::stderr)
                .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
                .init();
            let backend = open(&storage)?;
            let transport = match (tls_cert, tls_key, insecure_http) {
                (Some(cert), Some(key), false) => Transport::Tls { cert, key },
                (None, None, true) => Transport::InsecureHttp,
                _ => return Err("give --tls-cert and --tls-key, or --insecure-http".into()),
            };
            let scheme = if matches!(transport, Transport::InsecureHttp) { "http" } else { "https" };
            tracing::info!(backend = backend.name(), "head office storage open");
            let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
            runtime
                .block_on(rapport_server::http::serve(backend, listen, transport, move |addr| {
                    println!("rapport-server listening on {scheme}://{addr}");
                }))
                .map_err(|e| e.to_string())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Clinic(ClinicCommand::Add { name, storage }) => {
            let id = open(&storage)?.tx(|db| office::add_clinic(db, &name, now)).map_err(fail)?;
            println!("Added clinic {} ({id}).", name.trim());
            Ok(ExitCode::SUCCESS)
        }
        Command::EnrollCode { clinic, storage } => {
            let code = open(&storage)?.tx(|db| office::new_enroll_code(db, &clinic, now)).map_err(fail)?;
            println!("{code}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Device(DeviceCommand::Revoke { device_id, storage }) => {
            if open(&storage)?.tx(|db| office::revoke_device(db, &device_id, now)).map_err(fail)? {
                println!("Revoked device {device_id}: its next request will be refused.");
                Ok(ExitCode::SUCCESS)
            } else {
                Err("no active device with that id".into())
            }
        }
        Command::Device(DeviceCommand::List { json, storage }) => {
            let devices = open(&storage)?.tx(office::list_devices).map_err(fail)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&devices).map_err(|e| e.to_string())?);
            } else {
                for d in devices {
                    let state = if d.revoked { "revoked" } else { "active" };
                    println!("{}  {:<24} {:<24} {state}", d.id, d.clinic, d.name);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Dump { clinic, storage } => {
            let dump = open(&storage)?.tx(|db| office::dump(db, &clinic)).map_err(fail)?;
            println!("{}", serde_json::to_string(&dump).map_err(|e| e.to_string())?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Staff(StaffCommand::Admin { clinic, login, storage }) => {
            open(&storage)?.tx(|db| office::make_admin(db, &clinic, &login, now)).map_err(fail)?;
            println!("{} is an admin of {} from its desks' next sync.", login.trim(), clinic.trim());
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit(AuditCommand::Verify { storage }) => {
            let chains = open(&storage)?.tx(office::verify_audit).map_err(fail)?;
            let mut ok = true;
            for c in &chains {
                ok &= c.intact;
                match c.broken_at {
                    None => println!("device site {}: {} rows, intact", c.site, c.rows),
                    Some(seq) => println!("device site {}: BROKEN at row {seq} of {}", c.site, c.rows),
                }
            }
            Ok(if ok { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
    }
}
