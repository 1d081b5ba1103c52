//! `rapport-server`: head office. Clinics' devices enroll with a one-time code, then push their
//! changes and pull everyone else's over HTTPS (rustls), with their own revocable token.
//!
//! - [`config`]: the configuration file (`/etc/rapport/server.toml`) and what is wrong with it.
//! - [`db`]: storage behind one trait, SQLite (default) or PostgreSQL.
//! - [`office`]: everything head office does, once, against that trait.
//! - [`http`]: the axum routes, body limits, refusals as JSON, structured logs without patient
//!   data, and graceful shutdown that lets in-flight batches finish.
//! - [`send`]: the sending pass over the outbox, through a [`send::Carrier`] per channel:
//!   [`sms`] (Kannel, whose callbacks bring delivery reports and replies) and [`mail`] (SMTP).

pub mod config;
pub mod db;
pub mod http;
pub mod mail;
pub mod office;
pub mod send;
pub mod sms;

use std::path::Path;
use std::sync::Arc;

pub use db::Backend;
pub use office::{OfficeError, Refused};

/// The organisation's name on a new head office.
pub const DEFAULT_ORGANISATION: &str = "Rapport head office";

/// Opens (creating on first use) head office's storage: PostgreSQL when a URL is given, else
/// the SQLite file under `data`.
pub fn open(data: &Path, postgres: Option<&str>) -> Result<Arc<Backend>, OfficeError> {
    let backend = match postgres {
        Some(url) => Backend::postgres(url)?,
        None => Backend::sqlite(data)?,
    };
    backend.migrate()?;
    backend.tx(|db| office::init(db, DEFAULT_ORGANISATION))?;
    Ok(Arc::new(backend))
}

/// A consistent copy of head office's SQLite database in `data`, written to the new file `out`
/// while head office may be serving (`rapport-server backup`).
pub fn backup_sqlite(data: &Path, out: &Path) -> Result<(), OfficeError> {
    Ok(Backend::backup_sqlite(data, out)?)
}

/// The system clock in Unix milliseconds.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
