//! Backups a manager can restore: `rapport backup` copies the open database while the desk
//! works, `rapport restore` puts a copy back.
//!
//! A backup is a Rapport database of its own (the copy and its key file, the same key), so it
//! opens with this desk's passphrase here or on a new machine. Its audit chain ends with the
//! backup's own entry; comparing chains tells whether the database here has moved on since
//! (work would be lost: refused without `force`) or belongs to another desk (refused too).
//! Putting one back sets the database here aside, never deletes it. A desk that syncs then
//! catches up with head office before anyone logs in: it takes back the audit rows it wrote
//! after the backup (head office holds them), pushes what the backup held unsent, pulls what it
//! wrote since, and moves its record numbers past them — so nothing head office acknowledged
//! is lost and no number is used twice.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use rapport_model::Says;
use rapport_model::ipc::Said;
use rapport_model::sync::ChainRequest;
use rapport_store::audit::{self, NewAuditEntry, Verification};
use rapport_store::backup::{self as copy, ChainEnd};
use rapport_store::{Secret, Store, sync};

use crate::sync::Transport;
use crate::{Clock, Error, ErrorCode, Rapport, Result};

/// Rows of its own audit chain a restored desk asks head office for at a time.
const CHAIN_PAGE: u32 = 2000;

/// A backup just written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupMade {
    pub file: PathBuf,
    pub key_file: PathBuf,
    pub bytes: u64,
    /// The audit entries it holds (its last is the backup's own).
    pub entries: i64,
}

/// A backup put back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restored {
    /// Where the database it replaced went (kept, with its key file).
    pub set_aside: Option<PathBuf>,
    /// The audit entries the backup held, and when the last was written.
    pub entries: i64,
    pub taken_at: Option<DateTime<Utc>>,
    /// The desk syncs with head office: it catches up before anyone logs in.
    pub must_catch_up: bool,
}

impl Rapport {
    /// Writes a backup of this database to `file` (and its key file to `file.key`) while the
    /// desk may be in use; refused if either exists. Whoever holds the database's key may take
    /// one (it holds nothing they cannot read already); it is audited.
    pub fn backup(&mut self, file: &Path) -> Result<BackupMade> {
        if sync::must_catch_up(self.store.conn())? {
            return Err(catching_up());
        }
        let at = self.clock.now();
        let entries = self.store.write(|tx| -> Result<i64> {
            Ok(audit::append(
                tx,
                &NewAuditEntry { at, staff_id: None, action: "backup.create", patient_id: None, subject: None },
            )?)
        })?;
        self.store.backup_to(file).map_err(|e| match e {
            rapport_store::StoreError::AlreadyExists(p) => Error::new(
                ErrorCode::AlreadyExists,
                format!("{} (or its key file) exists already; a backup never writes over a file", p.display()),
            ),
            other => other.into(),
        })?;
        let bytes = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
        Ok(BackupMade { file: file.to_owned(), key_file: crate::key_file_path(file), bytes, entries })
    }

    /// Catches up with head office after a restore, if this desk must: takes back its own
    /// audit rows, then syncs. Returns how many rows came back. Sync runs it first.
    pub(crate) fn catch_up(&mut self, transport: &dyn Transport) -> Result<Option<usize>> {
        if !sync::must_catch_up(self.store.conn())? {
            return Ok(None);
        }
        let mut recovered = 0;
        loop {
            let after = sync::chain_length(self.store.conn())?;
            let page = transport.chain(&ChainRequest { after, limit: CHAIN_PAGE })?;
            recovered += self.store.write(|tx| -> Result<usize> { Ok(sync::recover_chain(tx, &page.rows)?) })?;
            if !page.more || page.rows.is_empty() {
                return Ok(Some(recovered));
            }
        }
    }

    /// The sync after a catch-up succeeded: record numbers move past those that came back, and
    /// the restore is audited (its entry continues the recovered chain).
    pub(crate) fn caught_up(&mut self) -> Result<()> {
        let at = self.clock.now();
        self.store.write(|tx| -> Result<()> {
            sync::caught_up(tx)?;
            audit::append(
                tx,
                &NewAuditEntry { at, staff_id: None, action: "backup.restore", patient_id: None, subject: None },
            )?;
            Ok(())
        })
    }
}

/// Refused while a restored desk has not caught up with head office.
pub(crate) fn catching_up() -> Error {
    Error::new(
        ErrorCode::CatchingUp,
        "this desk was put back from a backup and must sync with head office once before anyone works on it \
         (run `rapport sync now`, or wait for the desk to reach head office)",
    )
    .saying(Said::new(Says::CatchingUp))
}

/// Puts the backup `file` (with `file.key`) in place of the database at `db`, and returns it
/// open (its key unwrapped once, for the catch-up sync that follows). `passphrase`
/// opens the backup (and the database here, which must open with it unless `force`). Refused
/// without `force` when the database here holds audited work the backup lacks, or is another
/// desk's. Nothing is deleted: the database here is set aside.
pub fn restore(
    db: &Path,
    file: &Path,
    passphrase: Option<&Secret>,
    force: bool,
    clock: Arc<dyn Clock>,
) -> Result<(Restored, Rapport)> {
    let backup = copy::open_backup(file, passphrase).map_err(|e| {
        let e = Error::from(e);
        Error::new(e.code, format!("the backup {}: {}", file.display(), e.message))
    })?;
    if let Verification::Broken { seq, reason } = audit::verify(&backup)? {
        return Err(Error::new(
            ErrorCode::Integrity,
            format!(
                "the backup's audit chain does not verify at entry {seq} ({reason}); it was changed after it was made"
            ),
        ));
    }
    if copy::schema_version(&backup)? > rapport_store::LATEST_VERSION {
        return Err(Error::new(
            ErrorCode::Storage,
            "the backup was made by a newer Rapport than this one; update Rapport first",
        ));
    }
    let (kept, _) = copy::chain_end(&backup, 0)?;
    if db.exists() && !force {
        refuse_losing_work(db, passphrase, &backup, &kept)?;
    }
    drop(backup);
    let stamp = clock.now().format("%Y%m%d-%H%M%S").to_string();
    let set_aside = copy::put_back(db, file, &stamp)?;
    let mut app = Rapport::open(db, passphrase, clock)?;
    let must_catch_up = app.store.write(|tx| -> Result<bool> { Ok(sync::mark_restored(tx)?) })?;
    if !must_catch_up {
        app.caught_up()?;
    }
    let restored = Restored {
        set_aside,
        entries: kept.entries,
        taken_at: kept.last_at.map(rapport_store::from_ms),
        must_catch_up,
    };
    Ok((restored, app))
}

/// The database here must open, be this backup's desk, and hold no audited work past it.
fn refuse_losing_work(
    db: &Path,
    passphrase: Option<&Secret>,
    backup: &rapport_store::rusqlite::Connection,
    kept: &ChainEnd,
) -> Result<()> {
    let here = Store::open(db, passphrase).map_err(|e| {
        let e = Error::from(e);
        Error::new(
            e.code,
            format!("the database here does not open ({}); add --force to set it aside and restore anyway", e.message),
        )
    })?;
    let (now, hash_at_backup_end) = copy::chain_end(here.conn(), kept.entries)?;
    // One chain is the start of the other: the longer holds the shorter's last entry.
    let same_desk = if now.entries >= kept.entries {
        hash_at_backup_end == kept.last_hash
    } else {
        copy::chain_end(backup, now.entries)?.1 == now.last_hash
    };
    if !same_desk {
        return Err(Error::new(
            ErrorCode::Conflict,
            "this backup is of another desk or another database (their audit chains differ); \
             add --force to set the database here aside and restore it anyway",
        ));
    }
    let (since, last) = copy::work_after(here.conn(), kept.entries)?;
    if since > 0 {
        let last = last.map(rapport_store::from_ms).map(|t| t.to_rfc3339()).unwrap_or_default();
        return Err(Error::new(
            ErrorCode::Conflict,
            format!(
                "the database here has {since} audited action(s) since this backup was taken (the last at {last}); \
                 restoring would lose them here. Add --force to restore anyway (the database here is kept aside)"
            ),
        ));
    }
    Ok(())
}
