//! Backups of the encrypted database, and putting one back.
//!
//! A backup is itself a Rapport database: `FILE` (a consistent copy made with SQLite's
//! `VACUUM INTO`, encrypted with the same key, SQLCipher giving it a salt of its own) and its key
//! file `FILE.key` (the same key, wrapped as this desk wraps it), so it opens with this desk's
//! passphrase on this machine or another. Putting one back never deletes anything: the
//! database it replaces is moved aside under a dated name, with its key file.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, OptionalExtension as _};

use crate::{Result, Store, StoreError, keys, sidecar};

impl Store {
    /// Writes a consistent copy of this database to `out` (a new file, 0600, refused if it
    /// exists) and its key file to `out.key`, while other connections may be writing.
    pub fn backup_to(&self, out: &Path) -> Result<()> {
        let key_out = keys::key_file_path(out);
        if out.exists() || key_out.exists() {
            return Err(StoreError::AlreadyExists(out.to_owned()));
        }
        if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let made = (|| -> Result<()> {
            // Made first so the copy is never readable by others; VACUUM INTO fills an empty file.
            drop(keys::create_private_file(out)?);
            let target = out.to_str().ok_or(StoreError::Invalid("the backup's path is not UTF-8".into()))?;
            // One read transaction: a snapshot, whatever is written meanwhile. SQLCipher writes
            // the copy with the main database's key.
            self.conn.execute("VACUUM INTO ?1", [target])?;
            std::fs::File::open(out)?.sync_all()?;
            std::fs::copy(keys::key_file_path(&self.path), &key_out)?;
            keys::bind_to_database(out)?;
            Ok(())
        })();
        if made.is_err() {
            let _ = std::fs::remove_file(out);
            let _ = std::fs::remove_file(&key_out);
        }
        made
    }
}

/// What a database's audit chain says about how far it got: how many entries, and the hash of
/// the last (two databases of one desk share their chain up to the shorter one's end).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainEnd {
    pub entries: i64,
    pub last_hash: Option<Vec<u8>>,
    /// When the last entry was written (ms).
    pub last_at: Option<i64>,
}

/// How the chain of `conn` ends, and the hash it holds at entry `at` (if it reaches there).
pub fn chain_end(conn: &Connection, at: i64) -> Result<(ChainEnd, Option<Vec<u8>>)> {
    let last: Option<(i64, Vec<u8>, i64)> = conn
        .query_row("SELECT seq, hash, at FROM audit ORDER BY seq DESC LIMIT 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    let hash_at: Option<Vec<u8>> =
        conn.query_row("SELECT hash FROM audit WHERE seq = ?1", [at], |r| r.get(0)).optional()?;
    let end = match last {
        Some((entries, hash, at)) => ChainEnd { entries, last_hash: Some(hash), last_at: Some(at) },
        None => ChainEnd { entries: 0, last_hash: None, last_at: None },
    };
    Ok((end, hash_at))
}

/// The schema version a backup was made at (newer than this build's: refused).
pub fn schema_version(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

/// The audited actions after entry `after` other than backups and restores themselves: work
/// a restore to a backup ending at `after` would lose here. How many, and when the last was.
pub fn work_after(conn: &Connection, after: i64) -> Result<(i64, Option<i64>)> {
    Ok(conn.query_row(
        "SELECT count(*), max(at) FROM audit WHERE seq > ?1 AND action NOT IN ('backup.create', 'backup.restore')",
        [after],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?)
}

/// Opens the backup at `path` read-only with its own key file, to look at it before putting it
/// back (a wrong passphrase, a damaged copy and a file that is not a Rapport backup are told
/// apart here, before anything is moved).
pub fn open_backup(path: &Path, passphrase: Option<&keys::Secret>) -> Result<Connection> {
    if !path.is_file() {
        return Err(StoreError::Missing(path.to_owned()));
    }
    if !keys::key_file_path(path).is_file() {
        return Err(StoreError::KeyFileMissing(keys::key_file_path(path)));
    }
    let (key, check) = keys::load_key(path, passphrase)?;
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    conn.execute_batch("PRAGMA cipher_log_level = NONE;")?;
    conn.execute_batch(&key.pragma())?;
    if let Err(e) = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)) {
        return Err(match (e.sqlite_error_code(), check) {
            (Some(rusqlite::ErrorCode::NotADatabase), keys::KeyCheck::Matches) => StoreError::Integrity,
            (Some(rusqlite::ErrorCode::NotADatabase), keys::KeyCheck::Differs) => StoreError::WrongKey,
            _ => e.into(),
        });
    }
    let ok: String = conn.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
    if ok != "ok" {
        return Err(StoreError::Integrity);
    }
    Ok(conn)
}

/// Moves the database at `db` (with its key file and SQLite's side files) aside, to
/// `<db>.before-restore-<stamp>`, and puts the backup and its key file in its place. Returns
/// where the old database went, if there was one.
pub fn put_back(db: &Path, backup: &Path, stamp: &str) -> Result<Option<PathBuf>> {
    // A free name: a database set aside before is never written over.
    let aside = (1..)
        .map(|n| {
            let mut name = db.as_os_str().to_owned();
            name.push(format!(".before-restore-{stamp}"));
            if n > 1 {
                name.push(format!("-{n}"));
            }
            PathBuf::from(name)
        })
        .find(|p| !p.exists() && !keys::key_file_path(p).exists())
        .unwrap_or_else(|| db.with_extension("before-restore"));
    let moved = if db.exists() {
        for (from, to) in [
            (db.to_owned(), aside.clone()),
            (keys::key_file_path(db), keys::key_file_path(&aside)),
            (sidecar(db, "-wal"), sidecar(&aside, "-wal")),
            (sidecar(db, "-shm"), sidecar(&aside, "-shm")),
        ] {
            if from.exists() {
                std::fs::rename(&from, &to)?;
            }
        }
        Some(aside)
    } else {
        if let Some(dir) = db.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        None
    };
    let copy = |from: &Path, to: &Path| -> Result<()> {
        let mut source = std::fs::File::open(from)?;
        let mut target = keys::create_private_file(to)?;
        std::io::copy(&mut source, &mut target)?;
        target.sync_all()?;
        Ok(())
    };
    copy(backup, db)?;
    copy(&keys::key_file_path(backup), &keys::key_file_path(db))?;
    keys::bind_to_database(db)?;
    if let Some(dir) = db.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(moved)
}
