//! What each command of `rapport-server` does, one function each.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use rapport_server::config::{self, Config};
use rapport_server::http::Transport;
use rapport_server::mail::Smtp;
use rapport_server::send::{Carrier, SendReport, send_due};
use rapport_server::sms::{SmsGateway, gateway_from_spec};
use rapport_server::{Backend, OfficeError, office};

use crate::cli::{ServeFlags, Storage};
use crate::output::say;

/// A failed command's message (exit 1).
pub(crate) type Failure = String;

impl Storage {
    /// The configuration file (`--config`, or the package's when `--data` is not given) with
    /// these flags over it.
    fn config(&self) -> Result<Config, Failure> {
        let file = match (&self.config, &self.data) {
            (Some(path), _) => Some(path.clone()),
            (None, None) => Some(PathBuf::from(config::DEFAULT_PATH)).filter(|p| p.exists()),
            (None, Some(_)) => None,
        };
        let mut config = file.map_or_else(|| Ok(Config::default()), |path| Config::read(&path))?;
        if let Some(data) = &self.data {
            config.storage.data = Some(data.clone());
        }
        if let Some(url) = &self.postgres {
            config.storage.postgres = Some(url.clone());
        }
        Ok(config)
    }
}

impl ServeFlags {
    /// The configuration with these flags over it.
    fn over(self, mut config: Config) -> Config {
        config.listen = self.listen.or(config.listen);
        config.public_url = self.public_url.or(config.public_url);
        if self.tls_cert.is_some() || self.tls_key.is_some() {
            config.tls.cert = self.tls_cert;
            config.tls.key = self.tls_key;
            config.tls.insecure_http = false;
        }
        if self.insecure_http {
            config.tls.insecure_http = true;
        }
        config.sms.gateway = self.sms_gateway.or(config.sms.gateway);
        config.mail.smtp = self.smtp.or(config.mail.smtp);
        config.mail.from = self.mail_from.or(config.mail.from);
        config
    }
}

fn data_dir(config: &Config) -> Result<&Path, Failure> {
    config.storage.data.as_deref().ok_or_else(|| {
        format!(
            "where is head office's data? give --data DIR or --config FILE (storage.data); {} does not exist",
            config::DEFAULT_PATH
        )
    })
}

fn open_config(config: &Config) -> Result<Arc<Backend>, Failure> {
    let postgres = config.storage.postgres.as_deref();
    let data = match postgres {
        Some(_) => config.storage.data.as_deref().unwrap_or(Path::new(".")),
        None => data_dir(config)?,
    };
    rapport_server::open(data, postgres).map_err(|e| e.to_string())
}

fn open(storage: &Storage) -> Result<Arc<Backend>, Failure> {
    open_config(&storage.config()?)
}

fn fail(e: OfficeError) -> Failure {
    e.to_string()
}

pub(crate) fn serve(storage: &Storage, flags: ServeFlags, plan_every: u64) -> Result<ExitCode, Failure> {
    let config = flags.over(storage.config()?);
    let problems = config.problems();
    if !problems.is_empty() {
        return Err(format!("head office cannot serve:\n  {}", problems.join("\n  ")));
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("RAPPORT_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let backend = open_config(&config)?;
    let (Some(listen), transport) = (
        config.listen,
        match (config.tls.cert, config.tls.key) {
            (Some(cert), Some(key)) => Transport::Tls { cert, key },
            _ => Transport::InsecureHttp,
        },
    ) else {
        return Err("listen is not set".into());
    };
    let messaging = Messaging {
        public_url: config.public_url,
        sms_gateway: config.sms.gateway,
        smtp: config.mail.smtp.zip(config.mail.from),
        every_secs: plan_every,
    };
    let scheme = if matches!(transport, Transport::InsecureHttp) { "http" } else { "https" };
    tracing::info!(backend = backend.name(), "head office storage open");
    let _ = rustls::crypto::ring::default_provider().install_default();
    let sms: Option<Arc<dyn SmsGateway>> = match &messaging.sms_gateway {
        Some(spec) => Some(gateway_from_spec(spec, messaging.public_url.as_deref())?),
        None => None,
    };
    let mut carriers: Vec<(&'static str, Arc<dyn Carrier>)> = Vec::new();
    if let Some(gw) = &sms {
        carriers.push(("sms", Arc::clone(gw) as Arc<dyn Carrier>));
    }
    if let Some((url, from)) = &messaging.smtp {
        carriers.push(("email", Arc::new(Smtp::new(url, from)?)));
    }
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    let every = std::time::Duration::from_secs(messaging.every_secs.max(1));
    let outreach = office::OutreachConfig::new(messaging.public_url);
    runtime.spawn(reach_out_forever(Arc::clone(&backend), outreach, carriers, every));
    runtime
        .block_on(rapport_server::http::serve(backend, sms, listen, transport, move |addr| {
            say!("rapport-server listening on {scheme}://{addr}");
        }))
        .map_err(|e| e.to_string())?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn check_config(storage: &Storage, flags: ServeFlags) -> Result<ExitCode, Failure> {
    let config = flags.over(storage.config()?);
    let problems = config.problems();
    if problems.is_empty() {
        let scheme = if config.tls.insecure_http { "http" } else { "https" };
        let listen = config.listen.map(|l| l.to_string()).unwrap_or_default();
        let storage = match (&config.storage.postgres, &config.storage.data) {
            (Some(_), _) => "PostgreSQL".to_owned(),
            (None, data) => data.as_deref().unwrap_or(Path::new("")).display().to_string(),
        };
        say!("head office can serve: {scheme} on {listen}, data in {storage}");
        return Ok(ExitCode::SUCCESS);
    }
    for problem in &problems {
        eprintln!("- {problem}");
    }
    Err(match problems.len() {
        1 => "1 thing to fix in the configuration".to_owned(),
        n => format!("{n} things to fix in the configuration"),
    })
}

pub(crate) fn backup(storage: &Storage, out: &Path) -> Result<ExitCode, Failure> {
    let config = storage.config()?;
    if config.storage.postgres.is_some() {
        return Err("head office keeps its data in PostgreSQL: back it up with pg_dump (see README)".into());
    }
    rapport_server::backup_sqlite(data_dir(&config)?, out).map_err(fail)?;
    say!("head office's data copied to {}", out.display());
    Ok(ExitCode::SUCCESS)
}

/// How `serve` reaches patients.
struct Messaging {
    public_url: Option<String>,
    sms_gateway: Option<String>,
    /// The mail server's URL and the sender's address.
    smtp: Option<(String, String)>,
    every_secs: u64,
}

/// Every `every`, for as long as the server runs: plans the messages due, sends what is due
/// through each channel's carrier, and writes what happened for the clinics' desks. A failed pass is logged (without patient data) and the
/// next one tries again.
async fn reach_out_forever(
    backend: Arc<Backend>,
    outreach: office::OutreachConfig,
    carriers: Vec<(&'static str, Arc<dyn Carrier>)>,
    every: std::time::Duration,
) {
    let (outreach, carriers) = (Arc::new(outreach), Arc::new(carriers));
    // Claims name the process that holds them.
    let worker = format!("{}-{}", std::process::id(), rapport_server::now_ms());
    let count_every = i64::try_from((every * office::COUNT_EVERY_PASSES).as_millis())
        .unwrap_or(i64::MAX)
        .min(office::MAX_COUNT_INTERVAL_MS);
    loop {
        let (b, o, c, me) = (Arc::clone(&backend), Arc::clone(&outreach), Arc::clone(&carriers), worker.clone());
        let pass = tokio::task::spawn_blocking(move || -> Result<_, OfficeError> {
            let planned = b.tx(|db| office::plan_messages(db, rapport_server::now_ms(), &o))?;
            let mut sent = SendReport::default();
            for (channel, carrier) in c.iter() {
                sent += send_due(&b, channel, carrier.as_ref(), &me)?;
            }
            office::mirror_all(&b, rapport_server::now_ms())?;
            office::count_campaigns(&b, rapport_server::now_ms(), count_every)?;
            Ok((planned, sent))
        });
        match pass.await {
            Ok(Ok((planned, sent))) => {
                if planned != office::PlanReport::default() {
                    tracing::info!(
                        queued = planned.queued,
                        calls = planned.calls,
                        skipped = planned.skipped,
                        "messages planned"
                    );
                }
                if sent != SendReport::default() {
                    tracing::info!(sent = sent.sent, retrying = sent.retrying, failed = sent.failed, "messages sent");
                }
            }
            Ok(Err(e)) => tracing::warn!(error = %e, "reaching patients failed this time"),
            Err(e) => tracing::warn!(error = %e, "the outreach pass stopped"),
        }
        tokio::time::sleep(every).await;
    }
}

pub(crate) fn list_messages(storage: &Storage, limit: i64, json: bool) -> Result<ExitCode, Failure> {
    let rows = open(storage)?.tx(|db| office::list_messages(db, limit)).map_err(fail)?;
    if json {
        say!("{}", serde_json::to_string_pretty(&rows).map_err(|e| e.to_string())?);
        return Ok(ExitCode::SUCCESS);
    }
    for m in rows {
        let why = m.reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default();
        let reply = m.reply.as_deref().map(|r| format!("  replied: {r}")).unwrap_or_default();
        say!(
            "{}  {}  {} {}  {}{why}  attempts {}  {}{reply}",
            m.id,
            m.patient,
            m.kind,
            m.channel.as_deref().unwrap_or("-"),
            m.status,
            m.attempts,
            m.gateway_ref.as_deref().unwrap_or("-")
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn outbox_status(storage: &Storage, now: i64, json: bool) -> Result<ExitCode, Failure> {
    let status = open(storage)?.tx(|db| office::outbox_status(db, now)).map_err(fail)?;
    if json {
        say!("{}", serde_json::to_string_pretty(&status).map_err(|e| e.to_string())?);
        return Ok(ExitCode::SUCCESS);
    }
    if status.by_status.is_empty() {
        say!("The outbox is empty.");
    }
    for (state, count) in &status.by_status {
        say!("{state:<14}{count}");
    }
    if let Some(late) = status.oldest_due_minutes {
        say!("The oldest message waiting was due {late} minutes ago.");
    }
    // What needs a person, said as what to do.
    let count = |state: &str| status.by_status.get(state).copied().unwrap_or(0);
    if count("uncertain") > 0 {
        say!(
            "{} message(s) may or may not have gone (head office stopped while sending): check with the gateway; they are not sent again.",
            count("uncertain")
        );
    }
    if count("failed") + count("undeliverable") > 0 {
        say!(
            "{} message(s) could not be delivered: the clinics should phone these patients (`messages list` names them).",
            count("failed") + count("undeliverable")
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn plan_messages(
    storage: &Storage,
    now: i64,
    outreach: &office::OutreachConfig,
) -> Result<ExitCode, Failure> {
    let backend = open(storage)?;
    let r = backend.tx(|db| office::plan_messages(db, now, outreach)).map_err(fail)?;
    office::mirror_all(&backend, now).map_err(fail)?;
    office::count_campaigns(&backend, now, 0).map_err(fail)?;
    say!("{} queued, {} calls, {} held back", r.queued, r.calls, r.skipped);
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn add_clinic(storage: &Storage, name: &str, now: i64) -> Result<ExitCode, Failure> {
    let id = open(storage)?.tx(|db| office::add_clinic(db, name, now)).map_err(fail)?;
    say!("Added clinic {} ({id}).", name.trim());
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn enroll_code(storage: &Storage, clinic: &str, now: i64) -> Result<ExitCode, Failure> {
    let code = open(storage)?.tx(|db| office::new_enroll_code(db, clinic, now)).map_err(fail)?;
    say!("{code}");
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn revoke_device(storage: &Storage, device_id: &str, now: i64) -> Result<ExitCode, Failure> {
    if open(storage)?.tx(|db| office::revoke_device(db, device_id, now)).map_err(fail)? {
        say!("Revoked device {device_id}: its next request will be refused.");
        Ok(ExitCode::SUCCESS)
    } else {
        Err("no active device with that id".into())
    }
}

pub(crate) fn list_devices(storage: &Storage, json: bool) -> Result<ExitCode, Failure> {
    let devices = open(storage)?.tx(office::list_devices).map_err(fail)?;
    if json {
        say!("{}", serde_json::to_string_pretty(&devices).map_err(|e| e.to_string())?);
    } else {
        for d in devices {
            let state = if d.revoked { "revoked" } else { "active" };
            say!("{}  {:<24} {:<24} {state}", d.id, d.clinic, d.name);
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn dump(storage: &Storage, clinic: &str) -> Result<ExitCode, Failure> {
    let dump = open(storage)?.tx(|db| office::dump(db, clinic)).map_err(fail)?;
    say!("{}", serde_json::to_string(&dump).map_err(|e| e.to_string())?);
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn make_admin(storage: &Storage, clinic: &str, login: &str, now: i64) -> Result<ExitCode, Failure> {
    open(storage)?.tx(|db| office::make_admin(db, clinic, login, now)).map_err(fail)?;
    say!("{} is an admin of {} from its desks' next sync.", login.trim(), clinic.trim());
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn add_user(
    storage: &Storage,
    login: &str,
    role: office::OfficeRole,
    now: i64,
) -> Result<ExitCode, Failure> {
    let password = std::env::var("RAPPORT_SERVER_PASSWORD")
        .map_err(|_| "set RAPPORT_SERVER_PASSWORD to the new user's password (at least 12 characters)".to_owned())?;
    open(storage)?.tx(|db| office::add_user(db, login, role, &password, now)).map_err(fail)?;
    say!("{} may sign in to the dashboard as a {}.", login.trim().to_lowercase(), role.as_str());
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn user_log(storage: &Storage, limit: i64, json: bool) -> Result<ExitCode, Failure> {
    let rows = open(storage)?.tx(|db| office::audit_log(db, limit)).map_err(fail)?;
    if json {
        say!("{}", serde_json::to_string_pretty(&rows).map_err(|e| e.to_string())?);
        return Ok(ExitCode::SUCCESS);
    }
    for r in rows {
        let at = rapport_model::csv::utc(r.at);
        say!("{at}  {:<16} {:<16} {}", r.login, r.action, r.detail.unwrap_or_default());
    }
    Ok(ExitCode::SUCCESS)
}

/// Exits 1 if a chain is broken.
pub(crate) fn verify_audit(storage: &Storage) -> Result<ExitCode, Failure> {
    let chains = open(storage)?.tx(office::verify_audit).map_err(fail)?;
    let mut ok = true;
    for c in &chains {
        ok &= c.intact;
        match c.broken_at {
            None => say!("device site {}: {} rows, intact", c.site, c.rows),
            Some(seq) => say!("device site {}: BROKEN at row {seq} of {}", c.site, c.rows),
        }
    }
    Ok(if ok { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
