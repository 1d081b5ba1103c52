//! The command tree of `rapport-server`: every spelling and flag, in one place.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(name = "rapport-server", version, about = "Rapport head office: the sync server for every clinic")]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Where head office's data is: the configuration file's `[storage]`, or these flags over it.
#[derive(Args, Debug)]
pub(crate) struct Storage {
    /// Head office's configuration file (read from /etc/rapport/server.toml when neither this
    /// nor --data is given).
    #[arg(long, env = "RAPPORT_SERVER_CONFIG", value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// Head office's data directory (the SQLite database lives here).
    #[arg(long)]
    pub(crate) data: Option<PathBuf>,
    /// Keep the data in PostgreSQL instead, e.g. postgres://user@host/db.
    #[arg(long, env = "RAPPORT_SERVER_POSTGRES")]
    pub(crate) postgres: Option<String>,
}

#[derive(Subcommand, Debug)]
pub(crate) enum Command {
    /// Serve the sync API. Every setting comes from the configuration file; a flag overrides it.
    Serve {
        #[command(flatten)]
        storage: Storage,
        #[command(flatten)]
        settings: ServeFlags,
        /// Seconds between two passes over the messages due (planning, then sending).
        #[arg(long, default_value_t = 60, value_name = "SECONDS", hide = true)]
        plan_every: u64,
    },
    /// Say what is wrong with the configuration, in words (exit 1), or that head office can serve.
    CheckConfig {
        #[command(flatten)]
        storage: Storage,
        #[command(flatten)]
        settings: ServeFlags,
    },
    /// Copy head office's SQLite database, consistently, while it serves (PostgreSQL: use
    /// pg_dump, see README).
    Backup {
        #[command(flatten)]
        storage: Storage,
        /// The copy to write (refused if it exists).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// The outbox: the messages head office plans and sends.
    #[command(subcommand)]
    Messages(MessagesCommand),
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
    /// Head-office users of the dashboard at /dashboard.
    #[command(subcommand)]
    User(UserCommand),
}

/// `serve`'s settings as flags; each overrides the configuration file's.
#[derive(Args, Debug)]
pub(crate) struct ServeFlags {
    /// Address to listen on, e.g. 0.0.0.0:8443 (listen).
    #[arg(long)]
    pub(crate) listen: Option<SocketAddr>,
    /// The server's certificate chain, PEM (tls.cert).
    #[arg(long)]
    pub(crate) tls_cert: Option<PathBuf>,
    /// The certificate's private key, PEM (tls.key).
    #[arg(long)]
    pub(crate) tls_key: Option<PathBuf>,
    /// Serve plain HTTP (tests and trusted networks only: tokens and patient data travel
    /// unencrypted) (tls.insecure_http).
    #[arg(long)]
    pub(crate) insecure_http: bool,
    /// Where patients and gateways reach this server from outside: confirm links, callbacks (public_url).
    #[arg(long, value_name = "URL")]
    pub(crate) public_url: Option<String>,
    /// The SMS gateway (or RAPPORT_SMS_GATEWAY, kept out of the process list; sms.gateway):
    /// kannel://USER:PASS@HOST:PORT?from=SENDER&secret=SECRET (Kannel's
    /// replies and delivery reports must carry SECRET; set Kannel's get-url to
    /// <public-url>/v1/sms/kannel/inbound?from=%p&to=%P&text=%a&secret=SECRET).
    #[arg(long, value_name = "URL", env = "RAPPORT_SMS_GATEWAY", hide_env_values = true)]
    pub(crate) sms_gateway: Option<String>,
    /// The mail server: smtp://[USER:PASS@]HOST:PORT, ?tls=required for STARTTLS (mail.smtp).
    #[arg(long, value_name = "URL", env = "RAPPORT_SMTP", hide_env_values = true)]
    pub(crate) smtp: Option<String>,
    /// The address the clinics' email comes from (mail.from).
    #[arg(long, value_name = "ADDR")]
    pub(crate) mail_from: Option<String>,
}

#[derive(Subcommand, Debug)]
pub(crate) enum UserCommand {
    /// Add a dashboard user (or give one a new password and role, ending their sessions). The
    /// password comes from RAPPORT_SERVER_PASSWORD (at least 12 characters), never the command line.
    Add {
        login: String,
        #[arg(long, value_parser = parse_office_role, value_name = "manager|viewer")]
        role: rapport_server::office::OfficeRole,
        #[command(flatten)]
        storage: Storage,
    },
    /// What dashboard users did, newest first: sign-ins (and refusals), sign-outs, exports.
    Log {
        #[command(flatten)]
        storage: Storage,
        #[arg(long, default_value_t = 100)]
        limit: i64,
        #[arg(long)]
        json: bool,
    },
}

fn parse_office_role(s: &str) -> Result<rapport_server::office::OfficeRole, String> {
    rapport_server::office::OfficeRole::parse(s).ok_or_else(|| "manager or viewer".to_owned())
}

#[derive(Subcommand, Debug)]
pub(crate) enum MessagesCommand {
    /// Every message, newest first: id, patient, kind, channel, status, attempts, gateway_ref.
    List {
        #[command(flatten)]
        storage: Storage,
        #[arg(long, default_value_t = 200)]
        limit: i64,
        #[arg(long)]
        json: bool,
    },
    /// How many messages are in each state, and how late the oldest waiting one is.
    Status {
        #[command(flatten)]
        storage: Storage,
        #[arg(long)]
        json: bool,
    },
    /// Plan the messages due now, once (`serve` does it every minute).
    Plan {
        #[command(flatten)]
        storage: Storage,
        #[arg(long, value_name = "URL")]
        public_url: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub(crate) enum StaffCommand {
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
pub(crate) enum ClinicCommand {
    /// Add a clinic.
    Add {
        name: String,
        #[command(flatten)]
        storage: Storage,
    },
}

#[derive(Subcommand, Debug)]
pub(crate) enum DeviceCommand {
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
pub(crate) enum AuditCommand {
    /// Recompute every device's audit chain; exits 1 if one is broken.
    Verify {
        #[command(flatten)]
        storage: Storage,
    },
}
