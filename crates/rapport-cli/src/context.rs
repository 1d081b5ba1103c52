//! What most commands start from: the database opened (with its passphrase when the key is
//! wrapped by one), a staff login, secrets from the environment or a prompt, and the failure
//! every command returns with the exit code it maps to.

use std::io::IsTerminal as _;
use std::path::Path;
use std::sync::Arc;

use rapport_core::{Error, ErrorCode, Rapport, Secret, Session, SystemClock};

/// A failure and the exit code it maps to.
pub(crate) struct Failure {
    pub(crate) code: u8,
    pub(crate) message: String,
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        let code = match e.code {
            ErrorCode::WrongKey
            | ErrorCode::PassphraseRequired
            | ErrorCode::KeyringUnavailable
            | ErrorCode::KeyringEntryMissing
            | ErrorCode::AccountLocked
            | ErrorCode::PasswordChangeNeeded => 2,
            ErrorCode::Integrity | ErrorCode::Storage => 3,
            ErrorCode::Offline | ErrorCode::Refused => 4,
            _ => 1,
        };
        Self { code, message: e.message }
    }
}

pub(crate) fn user_error(message: impl Into<String>) -> Failure {
    Failure { code: 1, message: message.into() }
}

/// A new password from RAPPORT_NEW_PASSWORD, else asked twice on the terminal (a slip in a
/// password nobody can see would lock its owner out).
pub(crate) fn new_password(prompt: &str) -> Result<Secret, Failure> {
    let first = secret("RAPPORT_NEW_PASSWORD", prompt)?;
    if std::env::var("RAPPORT_NEW_PASSWORD").is_err() {
        let again = secret("RAPPORT_NEW_PASSWORD", "The same again: ")?;
        if again.expose() != first.expose() {
            return Err(user_error("the two passwords differ; nothing was changed"));
        }
    }
    Ok(first)
}

/// A secret from the environment, else a prompt on the terminal.
pub(crate) fn secret(var: &str, prompt: &str) -> Result<Secret, Failure> {
    if let Ok(v) = std::env::var(var) {
        return Ok(Secret::new(v));
    }
    if !std::io::stdin().is_terminal() {
        return Err(user_error(format!("set {var} (no terminal to ask on)")));
    }
    rpassword::prompt_password(prompt).map(Secret::new).map_err(|_| user_error("could not read the password"))
}

pub(crate) fn passphrase_for(db: &Path) -> Result<Option<Secret>, Failure> {
    match rapport_core::key_storage(db) {
        Ok(rapport_core::KeyStorage::Passphrase) => {
            secret("RAPPORT_PASSPHRASE", "Database passphrase: ").map(Some).map_err(|f| Failure { code: 2, ..f })
        }
        _ => Ok(None),
    }
}

pub(crate) fn open(db: &Path) -> Result<Rapport, Failure> {
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

/// The database opened and a staff member logged in: what most commands start from.
pub(crate) fn open_and_login(db: &Path, user: Option<&str>) -> Result<(Rapport, Session), Failure> {
    let mut app = open(db)?;
    let session = login(&mut app, user)?;
    Ok((app, session))
}
