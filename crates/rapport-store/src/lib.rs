//! Rapport's local database: an SQLCipher-encrypted SQLite file with its key in the OS keyring
//! or in a passphrase-wrapped key file, forward-only migrations, type-ahead patient search and a
//! hash-chained audit log.
//!
//! **Architecture invariant:** this is the only crate that talks SQL. Every write goes through
//! [`Store::write`], one transaction at a time; callers append the audit entry inside that same
//! transaction, so a change and its audit row commit (or fail) together.

pub mod audit;
pub mod backup;
pub mod calls;
pub mod campaigns;
pub mod keys;
pub mod messaging;
mod migrate;
pub mod records;
pub mod schedule;
pub mod search;
pub mod surveys;
pub mod sync;

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, Transaction};

pub use keys::{DataKey, KdfCost, KeyProtection, KeyStorage, Secret};
pub use migrate::LATEST_VERSION;
pub use rusqlite;

/// Everything that can go wrong in storage. Messages never carry patient data.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("wrong passphrase or key")]
    WrongKey,
    #[error("this database's key is protected by a passphrase; set RAPPORT_PASSPHRASE or enter it")]
    PassphraseRequired,
    #[error("the database file is damaged or was tampered with")]
    Integrity,
    #[error("OS keyring unavailable: {0}")]
    KeyringUnavailable(String),
    #[error("the OS keyring has no key for this database (was it made on another machine or user account?)")]
    KeyringEntryMissing,
    #[error("the database's key file is missing ({})", .0.display())]
    KeyFileMissing(PathBuf),
    #[error("key file: {0}")]
    KeyFile(String),
    #[error("no database at {}", .0.display())]
    Missing(PathBuf),
    #[error("a database already exists at {}", .0.display())]
    AlreadyExists(PathBuf),
    #[error("this build's SQLite has no SQLCipher: refusing to store patient data unencrypted")]
    NoEncryption,
    #[error("the database is at schema version {found}, newer than this program ({supported}); update Rapport")]
    TooNew { found: i64, supported: i64 },
    #[error("the operating system's random source failed")]
    Random,
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("stored {0} could not be read")]
    Decode(&'static str),
    /// A write that head office would refuse (the model's rules for synced records).
    #[error("{0}")]
    Invalid(String),
    #[error("database error: {0}")]
    Sqlite(rusqlite::Error),
    #[error("file error: {0}")]
    Io(#[from] std::io::Error),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            // SQLCipher reports a page whose HMAC does not verify as SQLITE_CORRUPT, as "not a
            // database" on page 1, or (read through the pager's cache) as SQLITE_NOMEM; a real
            // allocation failure would abort the process long before.
            Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase | ErrorCode::OutOfMemory) => Self::Integrity,
            _ => Self::Sqlite(e),
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// An open, unlocked database.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: PathBuf,
    wall: WallClock,
    /// Set after a commit that put new changes in the sync outbox (a background sync waits on it).
    changes_waiting: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
}

/// Where the store reads wall-clock time for sync versions (Unix milliseconds): the system
/// clock, or the application's clock (tests skew it).
#[derive(Clone)]
pub struct WallClock(std::sync::Arc<dyn Fn() -> i64 + Send + Sync>);

impl WallClock {
    pub fn new(f: impl Fn() -> i64 + Send + Sync + 'static) -> Self {
        Self(std::sync::Arc::new(f))
    }

    pub fn system() -> Self {
        Self::new(system_ms)
    }

    pub fn now_ms(&self) -> i64 {
        (self.0)()
    }
}

impl std::fmt::Debug for WallClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WallClock")
    }
}

/// Cache large enough to hold the hot search index: SQLCipher decrypts a page on every miss.
const CACHE_KIB: i64 = 64 * 1024;

impl Store {
    /// Creates a new encrypted database at `path` with a fresh random key, protected as asked.
    pub fn create(path: &Path, protection: &KeyProtection) -> Result<Self> {
        if path.exists() {
            return Err(StoreError::AlreadyExists(path.to_owned()));
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let key = DataKey::random()?;
        // Key first: a database whose key could not be stored would be lost on first close.
        keys::store_new_key(path, &key, protection)?;
        let made = (|| {
            keys::create_private_file(path)?;
            let conn =
                Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE)?;
            let mut store = Self::configure(conn, path, Some(&key), keys::KeyCheck::Matches)?;
            migrate::run(&mut store.conn, LATEST_VERSION)?;
            store.conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
            keys::bind_to_database(path)?;
            Ok(store)
        })();
        if made.is_err() {
            // Leave nothing half-made behind, so `init` can simply be run again.
            Self::discard(path);
        }
        made
    }

    /// Removes a database that was just made and is not wanted after all (its creation or its
    /// enrollment failed): the file, its key file and SQLite's side files. Never call it on a
    /// database that holds anything.
    pub fn discard(path: &Path) {
        for leftover in [path.to_owned(), keys::key_file_path(path), sidecar(path, "-wal"), sidecar(path, "-shm")] {
            let _ = std::fs::remove_file(leftover);
        }
    }

    /// Opens an existing database, finding its key in the keyring or with `passphrase`, and
    /// brings its schema up to date.
    pub fn open(path: &Path, passphrase: Option<&Secret>) -> Result<Self> {
        let (key, check) = Self::find_key(path, passphrase)?;
        let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
        let mut store = Self::configure(conn, path, Some(&key), check)?;
        migrate::run(&mut store.conn, LATEST_VERSION)?;
        Ok(store)
    }

    /// Opens with a key the caller already holds (tests and tools that hold the raw key).
    pub fn open_with_key(path: &Path, key: &DataKey) -> Result<Self> {
        let conn =
            Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE)?;
        let mut store = Self::configure(conn, path, Some(key), keys::KeyCheck::Differs)?;
        migrate::run(&mut store.conn, LATEST_VERSION)?;
        Ok(store)
    }

    /// The database's raw key, as found by [`Store::open`]; for tools that need it (tests).
    pub fn find_key(path: &Path, passphrase: Option<&Secret>) -> Result<(DataKey, keys::KeyCheck)> {
        if !path.exists() {
            return Err(StoreError::Missing(path.to_owned()));
        }
        keys::load_key(path, passphrase)
    }

    /// Creates or opens an *unencrypted* database with the same schema and queries, used only as
    /// the baseline in benchmarks. Never used for patient data.
    #[doc(hidden)]
    pub fn plain_baseline(path: &Path) -> Result<Self> {
        let conn = Connection::open(path)?;
        let mut store = Self::configure(conn, path, None, keys::KeyCheck::Matches)?;
        migrate::run(&mut store.conn, LATEST_VERSION)?;
        Ok(store)
    }

    /// Creates a database at an older schema version, to test upgrades.
    #[doc(hidden)]
    pub fn create_at_version(path: &Path, key: &DataKey, version: i64) -> Result<Self> {
        let conn = Connection::open(path)?;
        let mut store = Self::configure(conn, path, Some(key), keys::KeyCheck::Matches)?;
        migrate::run(&mut store.conn, version)?;
        Ok(store)
    }

    fn configure(conn: Connection, path: &Path, key: Option<&DataKey>, check: keys::KeyCheck) -> Result<Self> {
        // SQLCipher would print decryption failures to stderr; they are reported as errors.
        conn.execute_batch("PRAGMA cipher_log_level = NONE;")?;
        if let Some(key) = key {
            conn.execute_batch(&key.pragma())?;
            let cipher: Option<String> = conn.query_row("PRAGMA cipher_version", [], |r| r.get(0)).optional()?;
            if cipher.is_none_or(|v| v.is_empty()) {
                return Err(StoreError::NoEncryption);
            }
        }
        // The first read proves the key. SQLCipher says "not a database" both for a wrong key
        // and for a damaged first page; the key file's check value tells which.
        if let Err(e) = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)) {
            return Err(match (e.sqlite_error_code(), check) {
                (Some(ErrorCode::NotADatabase), keys::KeyCheck::Matches) => StoreError::Integrity,
                (Some(ErrorCode::NotADatabase), keys::KeyCheck::Differs) => StoreError::WrongKey,
                _ => e.into(),
            });
        }
        conn.busy_timeout(Duration::from_secs(5))?;
        // Sync applies and seals with a few dozen distinct statements; keep them all prepared.
        conn.set_prepared_statement_cache_capacity(256);
        conn.execute_batch(&format!(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = FULL;
             PRAGMA foreign_keys = ON;
             PRAGMA temp_store = MEMORY;
             PRAGMA cache_size = -{CACHE_KIB};"
        ))?;
        Ok(Self { conn, path: path.to_owned(), wall: WallClock::system(), changes_waiting: None })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<i64> {
        Ok(self.conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    /// Runs `f` in one IMMEDIATE transaction and commits if it returns `Ok`; what it wrote to
    /// replicated records goes into the sync outbox in the same transaction.
    pub fn write<T, E: From<StoreError>>(&mut self, f: impl FnOnce(&Transaction<'_>) -> Result<T, E>) -> Result<T, E> {
        let tx =
            self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(StoreError::from)?;
        let out = f(&tx)?;
        let sealed = sync::seal(&tx, self.wall.now_ms(), sync::Rules::Enforce)?;
        tx.commit().map_err(StoreError::from)?;
        if let Some(flag) = self.changes_waiting.as_ref().filter(|_| sealed) {
            flag.store(true, std::sync::atomic::Ordering::Relaxed);
        }
        Ok(out)
    }

    /// `flag` is set whenever a write commits changes for head office.
    pub fn signal_changes(&mut self, flag: std::sync::Arc<std::sync::atomic::AtomicBool>) {
        self.changes_waiting = Some(flag);
    }

    /// Sets the clock that stamps this device's changes.
    pub fn set_wall_clock(&mut self, wall: WallClock) {
        self.wall = wall;
    }

    /// Read access for queries.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Moves the key to new protection (a new passphrase, or the keyring).
    pub fn change_key_protection(&self, current_passphrase: Option<&Secret>, protection: &KeyProtection) -> Result<()> {
        let (key, _) = Self::find_key(&self.path, current_passphrase)?;
        keys::replace_protection(&self.path, &key, protection)
    }

    /// Checks every page's HMAC (SQLCipher) and the b-trees' structure (SQLite).
    pub fn check_integrity(&self) -> Result<()> {
        let mut stmt = self.conn.prepare("PRAGMA cipher_integrity_check")?;
        if stmt.query([])?.next()?.is_some() {
            return Err(StoreError::Integrity); // each row names a bad page
        }
        let result: String = self.conn.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
        if result == "ok" { Ok(()) } else { Err(StoreError::Integrity) }
    }
}

/// Reads and writes of the small key/value table that holds clinic settings and counters.
pub mod meta {
    use super::*;

    pub fn get(conn: &Connection, key: &str) -> Result<Option<String>> {
        Ok(conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).optional()?)
    }

    pub fn set(conn: &Connection, key: &str, value: &str) -> Result<()> {
        conn.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )?;
        Ok(())
    }

    pub fn remove(conn: &Connection, key: &str) -> Result<()> {
        conn.execute("DELETE FROM meta WHERE key = ?1", [key])?;
        Ok(())
    }

    /// Returns the counter's next value and advances it.
    pub fn next_counter(conn: &Connection, key: &str, first: i64) -> Result<i64> {
        let next = get(conn, key)?.and_then(|v| v.parse::<i64>().ok()).unwrap_or(first);
        set(conn, key, &(next + 1).to_string())?;
        Ok(next)
    }
}

/// SQLite's companion file of `db` (`-wal`, `-shm`).
fn sidecar(db: &Path, suffix: &str) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// The system clock in Unix milliseconds.
pub fn system_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Milliseconds since the Unix epoch, the storage form of every instant.
pub fn to_ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

pub fn from_ms(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or(DateTime::UNIX_EPOCH)
}
