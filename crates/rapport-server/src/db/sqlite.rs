//! The embedded backend: one SQLite file, one connection, transactions taken in turn.

use std::path::Path;
use std::sync::Mutex;

use super::{Db, DbError, DbResult, Val};

/// The database file in head office's data directory.
const FILE: &str = "head-office.db";

/// Opens `DIR/head-office.db`. The directory is made 0700 and the file 0600 before anything
/// is written to them; SQLite gives its WAL and shared-memory files the database file's mode.
pub(super) fn open(dir: &Path) -> DbResult<Mutex<rusqlite::Connection>> {
    let io = |e: std::io::Error| DbError::Other(format!("cannot prepare {}: {e}", dir.display()));
    std::fs::create_dir_all(dir).map_err(io)?;
    let file = dir.join(FILE);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(io)?;
        std::fs::OpenOptions::new().create(true).append(true).mode(0o600).open(&file).map_err(io)?;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).map_err(io)?;
    }
    let conn = rusqlite::Connection::open(&file)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.set_prepared_statement_cache_capacity(256);
    // 64 MiB of page cache (SQLite's default is 2 MiB): head office's indexes (log, states,
    // search words) outgrow the default with the first large clinic, and each push then reads
    // its index pages back from the OS.
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA cache_size = -65536;",
    )?;
    Ok(Mutex::new(conn))
}

/// Copies `DIR/head-office.db` into `out` (a new file, 0600) as one consistent snapshot, while
/// head office may be writing: `VACUUM INTO` reads inside one transaction, and the copy is a
/// plain database file that `open` can use as it is.
pub(super) fn backup(dir: &Path, out: &Path) -> DbResult<()> {
    let file = dir.join(FILE);
    if !file.is_file() {
        return Err(DbError::Other(format!("there is no head-office database in {}", dir.display())));
    }
    let io = |e: std::io::Error| DbError::Other(format!("cannot write {}: {e}", out.display()));
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        // Made first, so the copy is never readable by others; refused if it exists.
        std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(out).map_err(io)?;
    }
    let copy = || -> DbResult<()> {
        let conn = rusqlite::Connection::open_with_flags(&file, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        let target = out.to_str().ok_or_else(|| DbError::Other("the backup's path is not UTF-8".into()))?;
        conn.execute("VACUUM INTO ?1", [target])?;
        Ok(())
    };
    copy().inspect_err(|_| {
        let _ = std::fs::remove_file(out);
    })
}

/// Runs `f` in one immediate transaction; commits if it returns `Ok`.
pub(super) fn tx<T, E: From<DbError>>(
    conn: &Mutex<rusqlite::Connection>,
    f: impl FnOnce(&mut dyn Db) -> Result<T, E>,
) -> Result<T, E> {
    let mut conn = conn.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(DbError::from)?;
    let out = f(&mut SqliteTx(&tx))?;
    tx.commit().map_err(DbError::from)?;
    Ok(out)
}

/// `$1` → `?1`: the same numbered parameters in SQLite's spelling.
fn sqlite_sql(sql: &str) -> String {
    sql.replace('$', "?")
}

struct SqliteTx<'a>(&'a rusqlite::Transaction<'a>);

impl rusqlite::ToSql for Val {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(match self {
            Self::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Self::Int(i) => ToSqlOutput::Borrowed(ValueRef::Integer(*i)),
            Self::Text(t) => ToSqlOutput::Borrowed(ValueRef::Text(t.as_bytes())),
        })
    }
}

impl Db for SqliteTx<'_> {
    fn exec(&mut self, sql: &str, params: &[Val]) -> DbResult<u64> {
        let mut stmt = self.0.prepare_cached(&sqlite_sql(sql))?;
        Ok(stmt.execute(rusqlite::params_from_iter(params.iter()))? as u64)
    }

    fn query(&mut self, sql: &str, params: &[Val]) -> DbResult<Vec<Vec<Val>>> {
        use rusqlite::types::ValueRef;
        let mut stmt = self.0.prepare_cached(&sqlite_sql(sql))?;
        let n = stmt.column_count();
        let mut rows = stmt.query(rusqlite::params_from_iter(params.iter()))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let mut vals = Vec::with_capacity(n);
            for i in 0..n {
                vals.push(match row.get_ref(i)? {
                    ValueRef::Null => Val::Null,
                    ValueRef::Integer(v) => Val::Int(v),
                    ValueRef::Real(v) => Val::Int(v as i64),
                    ValueRef::Text(t) | ValueRef::Blob(t) => Val::Text(String::from_utf8_lossy(t).into_owned()),
                });
            }
            out.push(vals);
        }
        Ok(out)
    }
}
