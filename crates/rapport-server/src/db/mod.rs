//! Storage behind one small trait, [`Db`]: run a statement, read rows, inside a transaction.
//! Two backends implement it: SQLite (a file under `--data DIR`, the default; [`sqlite`]) and
//! PostgreSQL (`--postgres URL`; [`postgres`]). Everything head office does (`crate::office`) is
//! written once against the trait, in SQL both databases read alike, so both backends pass the
//! same tests. Row decoding goes through one typed layer, [`Row`].

use std::path::Path;
use std::sync::Mutex;

mod postgres;
mod sqlite;

pub use self::postgres::PgPool;

/// A statement parameter or a column value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Val {
    Null,
    Int(i64),
    Text(String),
}

impl Val {
    pub fn int(&self) -> Option<i64> {
        match self {
            Self::Int(i) => Some(*i),
            _ => None,
        }
    }

    pub fn text(&self) -> Option<&str> {
        match self {
            Self::Text(t) => Some(t),
            _ => None,
        }
    }

    pub fn into_text(self) -> Option<String> {
        match self {
            Self::Text(t) => Some(t),
            _ => None,
        }
    }
}

impl From<i64> for Val {
    fn from(i: i64) -> Self {
        Self::Int(i)
    }
}
impl From<&str> for Val {
    fn from(s: &str) -> Self {
        Self::Text(s.to_owned())
    }
}
impl From<String> for Val {
    fn from(s: String) -> Self {
        Self::Text(s)
    }
}
impl<T: Into<Val>> From<Option<T>> for Val {
    fn from(v: Option<T>) -> Self {
        v.map_or(Self::Null, Into::into)
    }
}

/// A result row read column by column, in order. A column of the wrong type, or a row that
/// should be there and is not, is an error naming what was read, never a silent default.
#[derive(Debug)]
pub struct Row {
    vals: std::vec::IntoIter<Val>,
    what: &'static str,
}

impl Row {
    pub fn new(vals: Vec<Val>, what: &'static str) -> Self {
        Self { vals: vals.into_iter(), what }
    }

    /// The row a query must have found.
    pub fn expect(row: Option<Vec<Val>>, what: &'static str) -> DbResult<Self> {
        row.map(|r| Self::new(r, what)).ok_or_else(|| DbError::Other(format!("stored {what} is missing")))
    }

    fn bad(&self) -> DbError {
        DbError::Other(format!("stored {} could not be read", self.what))
    }

    fn next(&mut self) -> DbResult<Val> {
        self.vals.next().ok_or_else(|| self.bad())
    }

    pub fn int(&mut self) -> DbResult<i64> {
        self.next()?.int().ok_or_else(|| self.bad())
    }

    pub fn opt_int(&mut self) -> DbResult<Option<i64>> {
        match self.next()? {
            Val::Null => Ok(None),
            Val::Int(i) => Ok(Some(i)),
            Val::Text(_) => Err(self.bad()),
        }
    }

    pub fn text(&mut self) -> DbResult<String> {
        self.next()?.into_text().ok_or_else(|| self.bad())
    }

    pub fn opt_text(&mut self) -> DbResult<Option<String>> {
        match self.next()? {
            Val::Null => Ok(None),
            Val::Text(t) => Ok(Some(t)),
            Val::Int(_) => Err(self.bad()),
        }
    }

    pub fn uuid(&mut self) -> DbResult<uuid::Uuid> {
        self.text()?.parse().map_err(|_| self.bad())
    }

    pub fn opt_uuid(&mut self) -> DbResult<Option<uuid::Uuid>> {
        self.opt_text()?.map(|t| t.parse().map_err(|_| self.bad())).transpose()
    }

    /// A column of JSON text.
    pub fn json<T: serde::de::DeserializeOwned>(&mut self) -> DbResult<T> {
        serde_json::from_str(&self.text()?).map_err(|_| self.bad())
    }
}

/// Every row of a query, for reading column by column.
pub fn rows(rows: Vec<Vec<Val>>, what: &'static str) -> impl Iterator<Item = Row> {
    rows.into_iter().map(move |r| Row::new(r, what))
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("head office database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("head office database: {}", self::postgres::summary(.0))]
    Postgres(#[from] ::postgres::Error),
    #[error("head office database: {0}")]
    Other(String),
}

pub type DbResult<T> = Result<T, DbError>;

/// One open transaction. SQL uses `$1, $2, …` placeholders (PostgreSQL's; rewritten for SQLite).
pub trait Db {
    fn exec(&mut self, sql: &str, params: &[Val]) -> DbResult<u64>;
    fn query(&mut self, sql: &str, params: &[Val]) -> DbResult<Vec<Vec<Val>>>;

    fn query_one(&mut self, sql: &str, params: &[Val]) -> DbResult<Option<Vec<Val>>> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    /// What ends a subquery that picks rows to claim, so that two processes never claim the
    /// same row and neither waits for the other: PostgreSQL's ` FOR UPDATE SKIP LOCKED`;
    /// nothing on SQLite, where one writer holds the whole database.
    fn skip_locked(&self) -> &'static str {
        ""
    }

    /// Whether `table` has `column` (both are Rapport's own names, never input).
    fn has_column(&mut self, table: &str, column: &str) -> DbResult<bool> {
        let found = self
            .query_one("SELECT count(*) FROM pragma_table_info($1) WHERE name = $2", &[table.into(), column.into()])?;
        Ok(found.and_then(|r| r.first().and_then(Val::int)).unwrap_or(0) > 0)
    }
}

/// Most keys one [`query_in`] statement names, and most rows one [`insert_rows`] statement writes.
const MANY: usize = 256;

/// `keys` in chunks of at most [`MANY`], each padded to a power of two by repeating its last key
/// (few distinct statements to prepare): the `{keys}` placeholders of each, and its parameters
/// after `fixed`.
fn key_chunks<'a>(fixed: &'a [Val], keys: &'a [Val]) -> impl Iterator<Item = (String, Vec<Val>)> + 'a {
    keys.chunks(MANY).map(move |chunk| {
        let len = chunk.len().next_power_of_two();
        let marks = (1..=len).map(|i| format!("${}", fixed.len() + i)).collect::<Vec<_>>().join(",");
        let mut params = fixed.to_vec();
        params.extend(chunk.iter().cloned());
        params.resize(fixed.len() + len, chunk[chunk.len() - 1].clone());
        (marks, params)
    })
}

/// The rows `sql` finds for many keys at once: its `{keys}` becomes a list of parameters after
/// `fixed` (which are `$1…`). The keys go in chunks of at most [`MANY`], each padded (with its
/// last key again) to a power of two, so that a connection prepares few distinct statements.
pub fn query_in(db: &mut dyn Db, sql: &str, fixed: &[Val], keys: &[Val]) -> DbResult<Vec<Vec<Val>>> {
    let mut out = Vec::new();
    for (marks, params) in key_chunks(fixed, keys) {
        out.extend(db.query(&sql.replace("{keys}", &marks), &params)?);
    }
    Ok(out)
}

/// [`query_in`] for a statement that answers no rows (a `DELETE … WHERE id IN ({keys})`).
pub fn exec_in(db: &mut dyn Db, sql: &str, fixed: &[Val], keys: &[Val]) -> DbResult<()> {
    for (marks, params) in key_chunks(fixed, keys) {
        db.exec(&sql.replace("{keys}", &marks), &params)?;
    }
    Ok(())
}

/// Writes many rows with few statements: `insert` (`INSERT INTO t (a, b, …)`) with multi-row
/// `VALUES` of `width` columns, then `tail` (an `ON CONFLICT` clause, or nothing). The rows go in
/// chunks of powers of two up to [`MANY`] (few distinct statements to prepare); a chunk must not
/// name one key twice when `tail` updates.
pub fn insert_rows(db: &mut dyn Db, insert: &str, width: usize, tail: &str, rows: &[Vec<Val>]) -> DbResult<()> {
    let mut rest = rows;
    while !rest.is_empty() {
        let len = if rest.len() >= MANY { MANY } else { 1 << rest.len().ilog2() };
        let (chunk, after) = rest.split_at(len);
        let values = (0..len)
            .map(|r| {
                let marks = (1..=width).map(|c| format!("${}", r * width + c)).collect::<Vec<_>>().join(",");
                format!("({marks})")
            })
            .collect::<Vec<_>>()
            .join(",");
        let params: Vec<Val> = chunk.iter().flat_map(|row| row.iter().cloned()).collect();
        debug_assert_eq!(params.len(), len * width, "every row has `width` columns");
        db.exec(&format!("{insert} VALUES {values} {tail}"), &params)?;
        rest = after;
    }
    Ok(())
}

/// One version of head office's schema: a forward-only file, and the data it moves (in Rust,
/// where the two backends' SQL would differ), in one transaction with the new version number.
struct Migration {
    sql: &'static str,
    then: Option<fn(&mut dyn Db) -> DbResult<()>>,
}

/// Head office's schema, one version after another; a database is brought up to the last one
/// at start.
const MIGRATIONS: [Migration; 11] = [
    Migration { sql: include_str!("../../../../migrations/server/0001_head_office.sql"), then: None },
    Migration { sql: include_str!("../../../../migrations/server/0002_trust.sql"), then: None },
    Migration {
        sql: include_str!("../../../../migrations/server/0003_search_words.sql"),
        then: Some(crate::office::words_from_patient_search),
    },
    Migration { sql: include_str!("../../../../migrations/server/0004_outbox.sql"), then: None },
    Migration { sql: include_str!("../../../../migrations/server/0005_messages_to_desks.sql"), then: None },
    Migration {
        sql: include_str!("../../../../migrations/server/0006_message_visit_and_number.sql"),
        then: Some(message_visit_and_number),
    },
    Migration { sql: include_str!("../../../../migrations/server/0007_campaigns.sql"), then: None },
    Migration { sql: include_str!("../../../../migrations/server/0008_surveys.sql"), then: None },
    Migration {
        sql: include_str!("../../../../migrations/server/0009_dashboard.sql"),
        then: Some(crate::office::booking_facts_from_appointments),
    },
    Migration {
        sql: include_str!("../../../../migrations/server/0010_figures_by_day.sql"),
        then: Some(crate::office::figures::answers_by_day),
    },
    Migration { sql: include_str!("../../../../migrations/server/0011_sign_in_failures.sql"), then: None },
];

/// Migration 6: the message columns the later form of migration 4 made, added where missing.
fn message_visit_and_number(db: &mut dyn Db) -> DbResult<()> {
    for column in ["appointment_id", "visit_label", "recipient_key"] {
        if !db.has_column("message", column)? {
            db.exec(&format!("ALTER TABLE message ADD COLUMN {column} TEXT"), &[])?;
        }
    }
    db.exec("CREATE INDEX IF NOT EXISTS message_by_number ON message (recipient_key, created_at)", &[])?;
    Ok(())
}
/// The head-office schema version this build creates and understands.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// The storage a server runs on.
#[derive(Debug)]
pub enum Backend {
    Sqlite(Mutex<rusqlite::Connection>),
    Postgres(Box<PgPool>),
}

impl Backend {
    /// The embedded backend: `DIR/head-office.db`.
    pub fn sqlite(dir: &Path) -> DbResult<Self> {
        Ok(Self::Sqlite(sqlite::open(dir)?))
    }

    /// A consistent copy of the SQLite database in `dir`, written to the new file `out`.
    pub fn backup_sqlite(dir: &Path, out: &Path) -> DbResult<()> {
        sqlite::backup(dir, out)
    }

    /// PostgreSQL at `url` (TLS as its `sslmode` asks).
    pub fn postgres(url: &str) -> DbResult<Self> {
        Ok(Self::Postgres(Box::new(PgPool::open(url)?)))
    }

    pub fn name(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "sqlite",
            Self::Postgres(_) => "postgres",
        }
    }

    /// Runs `f` in one transaction; commits if it returns `Ok`, rolls back otherwise.
    pub fn tx<T, E: From<DbError>>(&self, f: impl FnOnce(&mut dyn Db) -> Result<T, E>) -> Result<T, E> {
        match self {
            Self::Sqlite(conn) => sqlite::tx(conn, f),
            Self::Postgres(pool) => pool.tx(f),
        }
    }

    /// Creates the schema on first start and runs the migrations a database has not had yet,
    /// each in one transaction with its new version; refuses a database from a newer server.
    pub fn migrate(&self) -> DbResult<()> {
        let exists = self.tx(|db| {
            let sql = match self {
                Self::Sqlite(_) => "SELECT count(*) FROM sqlite_master WHERE name = 'head_office'",
                Self::Postgres(_) => "SELECT count(*) FROM information_schema.tables WHERE table_name = 'head_office'",
            };
            Ok::<_, DbError>(db.query_one(sql, &[])?.and_then(|r| r[0].int()).unwrap_or(0) > 0)
        })?;
        let version = if exists {
            self.tx(|db| {
                Ok::<_, DbError>(
                    db.query_one("SELECT schema_version FROM head_office WHERE id = 1", &[])?.and_then(|r| r[0].int()),
                )
            })?
            // Made but never started: the row comes with the first start, at the newest version.
            .unwrap_or(1)
        } else {
            0
        };
        if version > SCHEMA_VERSION {
            return Err(DbError::Other(format!(
                "the head office database is at schema version {version}, newer than this server ({SCHEMA_VERSION}); update rapport-server"
            )));
        }
        // Where a column must order byte by byte (a prefix as one index range).
        let bytewise = match self {
            Self::Sqlite(_) => "COLLATE BINARY",
            Self::Postgres(_) => "COLLATE \"C\"",
        };
        for (done, migration) in MIGRATIONS.iter().enumerate().skip(usize::try_from(version).unwrap_or(0)) {
            let to = i64::try_from(done).unwrap_or(0) + 1;
            self.tx(|db| {
                for statement in statements(migration.sql) {
                    db.exec(&statement.replace("{{BYTEWISE}}", bytewise), &[])?;
                }
                if let Some(then) = migration.then {
                    then(db)?;
                }
                db.exec("UPDATE head_office SET schema_version = $1 WHERE id = 1", &[to.into()])?;
                Ok::<_, DbError>(())
            })?;
        }
        Ok(())
    }
}

/// The statements of a schema file, comments dropped.
fn statements(sql: &str) -> Vec<String> {
    let text: String = sql.lines().map(|l| l.split("--").next().unwrap_or_default()).collect::<Vec<_>>().join("\n");
    text.split(';').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migration_6_adds_what_is_missing_and_leaves_what_is_there() {
        let dir = tempfile::tempdir().expect("dir");
        let backend = Backend::sqlite(dir.path()).expect("open");
        backend.migrate().expect("from the first form of migration 4 on");
        // A database made by the later form already had the columns: nothing to add, no error.
        backend.tx(message_visit_and_number).expect("again");
        let has = backend.tx(|db| db.has_column("message", "appointment_id")).expect("column");
        assert!(has);
    }
}
