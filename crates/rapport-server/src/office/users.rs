//! Head-office users of the dashboard: a login, a role (managers may export figures; viewers
//! only look), an Argon2id password; locked for a while after repeated wrong passwords.
//! Sessions are random tokens held in an HTTP-only cookie; only their SHA-256 is stored, with a
//! CSRF token that every form of the session must carry.

use argon2::password_hash::SaltString;
use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};
use rapport_model::RefusalCode;
use sha2::{Digest, Sha256};

use super::{OfficeResult, random_bytes, refused};
use crate::db::{Db, Row};

/// Wrong passwords in a row before the login is locked…
pub const MAX_FAILED_LOGINS: i64 = 5;
/// …for this long.
pub const LOCKOUT_MS: i64 = 15 * 60_000;
/// A session lasts a working day.
pub const SESSION_SECONDS: i64 = 10 * 3600;
const SESSION_MS: i64 = SESSION_SECONDS * 1000;
pub const MIN_OFFICE_PASSWORD_CHARS: usize = 12;

/// What a head-office user may do on the dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfficeRole {
    /// Sees every figure and may export them.
    Manager,
    /// Sees every figure.
    Viewer,
}

impl OfficeRole {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Manager => "manager",
            Self::Viewer => "viewer",
        }
    }

    pub fn parse(word: &str) -> Option<Self> {
        [Self::Manager, Self::Viewer].into_iter().find(|r| r.as_str() == word)
    }
}

fn hash(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Adds a head-office user (or gives an existing one a new password and role).
pub fn add_user(db: &mut dyn Db, login: &str, role: OfficeRole, password: &str, now_ms: i64) -> OfficeResult<()> {
    let login = login.trim().to_lowercase();
    if login.is_empty() || login.len() > 64 || !login.chars().all(|c| c.is_ascii_alphanumeric() || ".-_@".contains(c)) {
        return refused(400, RefusalCode::Invalid, "a login is letters, digits and . - _ @ (at most 64)");
    }
    if password.chars().count() < MIN_OFFICE_PASSWORD_CHARS {
        return refused(400, RefusalCode::Invalid, "a head-office password needs at least 12 characters");
    }
    let salt = SaltString::encode_b64(&random_bytes::<16>())
        .map_err(|_| crate::db::DbError::Other("could not hash the password".into()))?;
    let hashed = Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|_| crate::db::DbError::Other("could not hash the password".into()))?
        .to_string();
    db.exec(
        "INSERT INTO office_user (login, role, password_hash, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (login) DO UPDATE SET role = excluded.role, password_hash = excluded.password_hash,
             failed_logins = 0, locked_until = NULL",
        &[login.as_str().into(), role.as_str().into(), hashed.into(), now_ms.into()],
    )?;
    // A new password ends the sessions opened with the old one, and lifts a lockout.
    db.exec("DELETE FROM office_session WHERE login = $1", &[login.as_str().into()])?;
    db.exec("DELETE FROM sign_in_failure WHERE login = $1", &[login.as_str().into()])?;
    Ok(())
}

/// What a sign-in came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignIn {
    /// The session's cookie value (given to the browser, never stored).
    Opened {
        token: String,
    },
    Wrong,
    /// Too many wrong passwords: try again in this many minutes.
    Locked {
        minutes: i64,
    },
}

/// A hash of a password nobody has, checked against when the login is unknown (the answer
/// takes as long either way).
static DUMMY: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let salt = SaltString::encode_b64(&[7u8; 16]).map(|s| s.to_string()).unwrap_or_default();
    SaltString::from_b64(&salt)
        .ok()
        .and_then(|s| Argon2::default().hash_password(b"no one's password", &s).ok().map(|h| h.to_string()))
        .unwrap_or_default()
});

/// Checks a sign-in. A known login and an unknown one are answered, locked out and worked alike
/// (one password check, the same writes), so nobody learns which logins exist.
pub fn sign_in(db: &mut dyn Db, login: &str, password: &str, now_ms: i64) -> OfficeResult<SignIn> {
    let login: String = login.trim().to_lowercase().chars().take(64).collect();
    let stored =
        match db.query_one("SELECT password_hash FROM office_user WHERE login = $1", &[login.as_str().into()])? {
            Some(found) => Some(Row::new(found, "user").text()?),
            None => None,
        };
    let (failed, locked_until) = match db
        .query_one("SELECT failed, locked_until FROM sign_in_failure WHERE login = $1", &[login.as_str().into()])?
    {
        Some(found) => {
            let mut row = Row::new(found, "sign-in failure");
            (row.int()?, row.opt_int()?)
        }
        None => (0, None),
    };
    let checked = stored.as_deref().unwrap_or(DUMMY.as_str());
    let right = PasswordHash::new(checked)
        .is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
        && stored.is_some();
    let locked = locked_until.filter(|u| *u > now_ms);
    let (failed, until) = match (right, locked) {
        (_, Some(until)) => (failed, Some(until)),
        (true, None) => (0, None),
        (false, None) if failed + 1 >= MAX_FAILED_LOGINS => (0, Some(now_ms + LOCKOUT_MS)),
        (false, None) => (failed + 1, None),
    };
    db.exec(
        "INSERT INTO sign_in_failure (login, failed, locked_until) VALUES ($1, $2, $3)
         ON CONFLICT (login) DO UPDATE SET failed = excluded.failed, locked_until = excluded.locked_until",
        &[login.as_str().into(), failed.into(), until.into()],
    )?;
    // The audit names a known login; an unknown one is not written down (it may be a password
    // typed in the wrong field).
    let who = if stored.is_some() { login.as_str() } else { "(unknown)" };
    if let Some(until) = locked {
        audit(db, who, "sign-in-refused", None, now_ms)?;
        return Ok(SignIn::Locked { minutes: (until - now_ms + 59_999) / 60_000 });
    }
    if !right {
        audit(db, who, if until.is_some() { "locked" } else { "sign-in-refused" }, None, now_ms)?;
        return Ok(match until {
            Some(_) => SignIn::Locked { minutes: LOCKOUT_MS / 60_000 },
            None => SignIn::Wrong,
        });
    }
    let token = hex::encode(random_bytes::<32>());
    let csrf = hex::encode(random_bytes::<16>());
    db.exec("DELETE FROM office_session WHERE expires_at < $1", &[now_ms.into()])?;
    db.exec(
        "INSERT INTO office_session (token_hash, login, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        &[hash(&token).into(), login.as_str().into(), csrf.into(), now_ms.into(), (now_ms + SESSION_MS).into()],
    )?;
    audit(db, &login, "signed-in", None, now_ms)?;
    Ok(SignIn::Opened { token })
}

/// A signed-in user, as a request's cookie names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficeSession {
    pub login: String,
    pub role: OfficeRole,
    /// Every form of the session carries it.
    pub csrf: String,
}

pub fn session(db: &mut dyn Db, token: &str, now_ms: i64) -> OfficeResult<Option<OfficeSession>> {
    let found = db.query_one(
        "SELECT s.login, u.role, s.csrf FROM office_session s JOIN office_user u ON u.login = s.login
         WHERE s.token_hash = $1 AND s.expires_at > $2",
        &[hash(token).into(), now_ms.into()],
    )?;
    let Some(found) = found else { return Ok(None) };
    let mut row = Row::new(found, "session");
    let (login, role, csrf) = (row.text()?, row.text()?, row.text()?);
    Ok(OfficeRole::parse(&role).map(|role| OfficeSession { login, role, csrf }))
}

pub fn sign_out(db: &mut dyn Db, token: &str) -> OfficeResult<()> {
    db.exec("DELETE FROM office_session WHERE token_hash = $1", &[hash(token).into()])?;
    Ok(())
}

/// One thing a head-office user did on the dashboard.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OfficeAuditRow {
    pub at: i64,
    pub login: String,
    /// `signed-in`, `sign-in-refused`, `locked`, `signed-out`, `export`.
    pub action: String,
    /// What was exported (never a password or a token).
    pub detail: Option<String>,
}

/// Notes what `login` did.
pub fn audit(db: &mut dyn Db, login: &str, action: &str, detail: Option<&str>, now_ms: i64) -> OfficeResult<()> {
    db.exec(
        "INSERT INTO office_audit (id, at, login, action, detail) VALUES ($1, $2, $3, $4, $5)",
        &[
            hex::encode(random_bytes::<16>()).into(),
            now_ms.into(),
            login.into(),
            action.into(),
            detail.map(str::to_owned).into(),
        ],
    )?;
    Ok(())
}

/// The newest `limit` rows of the dashboard's audit, newest first.
pub fn audit_log(db: &mut dyn Db, limit: i64) -> OfficeResult<Vec<OfficeAuditRow>> {
    let found =
        db.query("SELECT at, login, action, detail FROM office_audit ORDER BY at DESC, id LIMIT $1", &[limit.into()])?;
    let mut out = Vec::new();
    for mut row in crate::db::rows(found, "audit") {
        out.push(OfficeAuditRow { at: row.int()?, login: row.text()?, action: row.text()?, detail: row.opt_text()? });
    }
    Ok(out)
}
