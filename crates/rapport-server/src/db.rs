//! Storage behind one small trait, [`Db`]: run a statement, read rows, inside a transaction.
//! Two backends implement it: SQLite (a file under `--data DIR`, the default) and PostgreSQL
//! (`--postgres URL`). Everything head office does (`crate::office`) is written once against
//! the trait, in SQL both databases read alike, so both backends pass the same tests.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

use postgres::types::Type;

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
    #[error("head office database: {}", postgres_summary(.0))]
    Postgres(#[from] postgres::Error),
    #[error("head office database: {0}")]
    Other(String),
}

pub type DbResult<T> = Result<T, DbError>;

/// A PostgreSQL error without the server's message and detail, which can quote the values
/// involved (a key that already exists, input that did not parse): its code and where.
fn postgres_summary(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!(
            "SQLSTATE {}{}{}",
            db.code().code(),
            db.table().map(|t| format!(" on {t}")).unwrap_or_default(),
            db.constraint().map(|c| format!(" ({c})")).unwrap_or_default()
        ),
        // Connection and protocol errors name no data.
        None => e.to_string(),
    }
}

/// One open transaction. SQL uses `$1, $2, …` placeholders (PostgreSQL's; rewritten for SQLite).
pub trait Db {
    fn exec(&mut self, sql: &str, params: &[Val]) -> DbResult<u64>;
    fn query(&mut self, sql: &str, params: &[Val]) -> DbResult<Vec<Vec<Val>>>;

    fn query_one(&mut self, sql: &str, params: &[Val]) -> DbResult<Option<Vec<Val>>> {
        Ok(self.query(sql, params)?.into_iter().next())
    }
}

/// Head office's schema, one forward-only file per version; a database is brought up to the
/// last one at start.
const MIGRATIONS: [&str; 2] = [
    include_str!("../../../migrations/server/0001_head_office.sql"),
    include_str!("../../../migrations/server/0002_trust.sql"),
];
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
    /// The directory is made 0700 and the file 0600 before anything is written to them;
    /// SQLite gives its WAL and shared-memory files the database file's mode.
    pub fn sqlite(dir: &Path) -> DbResult<Self> {
        let io = |e: std::io::Error| DbError::Other(format!("cannot prepare {}: {e}", dir.display()));
        std::fs::create_dir_all(dir).map_err(io)?;
        let file = dir.join("head-office.db");
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
        conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;")?;
        Ok(Self::Sqlite(Mutex::new(conn)))
    }

    pub fn postgres(url: &str) -> DbResult<Self> {
        let config: postgres::Config = url.parse()?;
        let pool = PgPool::new(config);
        let first = pool.get()?; // fail at start, not at the first request
        pool.put(first);
        Ok(Self::Postgres(Box::new(pool)))
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
            Self::Sqlite(conn) => {
                let mut conn = conn.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                let tx =
                    conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(DbError::from)?;
                let mut db = SqliteTx(&tx);
                let out = f(&mut db)?;
                tx.commit().map_err(DbError::from)?;
                Ok(out)
            }
            Self::Postgres(pool) => {
                let mut conn = pool.get()?;
                let out = (|| {
                    let mut tx = conn.client.transaction().map_err(DbError::from)?;
                    let out = f(&mut PgTx { tx: &mut tx, statements: &mut conn.statements })?;
                    tx.commit().map_err(DbError::from)?;
                    Ok(out)
                })();
                // A connection goes back whatever happened (its transaction was rolled back on
                // error); a broken one is found closed by the next `get`.
                pool.put(conn);
                out
            }
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
        for (done, sql) in MIGRATIONS.iter().enumerate().skip(usize::try_from(version).unwrap_or(0)) {
            let to = i64::try_from(done).unwrap_or(0) + 1;
            self.tx(|db| {
                for statement in statements(sql) {
                    db.exec(&statement, &[])?;
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

/// PostgreSQL connections: at most [`PG_MAX`] open at once (a request waits for one to come
/// back rather than opening more), the idle ones kept between requests.
#[derive(Debug)]
pub struct PgPool {
    config: postgres::Config,
    idle: Mutex<Vec<PgConn>>,
    /// Connections handed out or idle.
    open: Mutex<usize>,
    returned: std::sync::Condvar,
}

/// A connection and the statements prepared on it (one round trip saved per statement).
struct PgConn {
    client: postgres::Client,
    statements: HashMap<String, postgres::Statement>,
}

impl std::fmt::Debug for PgConn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PgConn")
    }
}

/// Most connections head office opens to PostgreSQL.
const PG_MAX: usize = 16;

impl PgPool {
    fn new(config: postgres::Config) -> Self {
        Self { config, idle: Mutex::new(Vec::new()), open: Mutex::new(0), returned: std::sync::Condvar::new() }
    }

    fn get(&self) -> DbResult<PgConn> {
        use std::sync::PoisonError;
        loop {
            if let Some(c) = self.idle.lock().unwrap_or_else(PoisonError::into_inner).pop() {
                if !c.client.is_closed() {
                    return Ok(c);
                }
                self.closed();
                continue;
            }
            let open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
            if *open < PG_MAX {
                let mut open = open;
                *open += 1;
                drop(open);
                return match self.config.connect(postgres::NoTls) {
                    Ok(client) => Ok(PgConn { client, statements: HashMap::new() }),
                    Err(e) => {
                        self.closed();
                        Err(e.into())
                    }
                };
            }
            // All in use: wait for one to come back (or to close).
            drop(self.returned.wait_timeout(open, std::time::Duration::from_millis(100)));
        }
    }

    fn put(&self, conn: PgConn) {
        self.idle.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(conn);
        self.returned.notify_one();
    }

    /// A connection was dropped instead of coming back (closed, or its transaction failed).
    fn closed(&self) {
        let mut open = self.open.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *open = open.saturating_sub(1);
        self.returned.notify_one();
    }
}

struct PgTx<'a, 'b> {
    tx: &'a mut postgres::Transaction<'b>,
    statements: &'a mut HashMap<String, postgres::Statement>,
}

impl PgTx<'_, '_> {
    fn prepare(&mut self, sql: &str) -> DbResult<postgres::Statement> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.tx.prepare(sql)?;
        self.statements.insert(sql.to_owned(), s.clone());
        Ok(s)
    }
}

/// Binds each value as the type PostgreSQL expects for that parameter (a NULL included).
fn pg_params(types: &[Type], params: &[Val]) -> DbResult<Vec<Box<dyn postgres::types::ToSql + Sync>>> {
    params
        .iter()
        .zip(types)
        .map(|(v, t)| -> DbResult<Box<dyn postgres::types::ToSql + Sync>> {
            Ok(match (v, *t == Type::INT8 || *t == Type::INT4) {
                (Val::Null, true) => Box::new(None::<i64>),
                (Val::Null, false) => Box::new(None::<String>),
                (Val::Int(i), true) => Box::new(*i),
                (Val::Int(i), false) => Box::new(i.to_string()),
                (Val::Text(s), false) => Box::new(s.clone()),
                (Val::Text(s), true) => {
                    Box::new(s.parse::<i64>().map_err(|_| DbError::Other("a number was expected".into()))?)
                }
            })
        })
        .collect()
}

impl Db for PgTx<'_, '_> {
    fn exec(&mut self, sql: &str, params: &[Val]) -> DbResult<u64> {
        let stmt = self.prepare(sql)?;
        let bound = pg_params(stmt.params(), params)?;
        let refs: Vec<&(dyn postgres::types::ToSql + Sync)> = bound.iter().map(AsRef::as_ref).collect();
        Ok(self.tx.execute(&stmt, &refs)?)
    }

    fn query(&mut self, sql: &str, params: &[Val]) -> DbResult<Vec<Vec<Val>>> {
        let stmt = self.prepare(sql)?;
        let bound = pg_params(stmt.params(), params)?;
        let refs: Vec<&(dyn postgres::types::ToSql + Sync)> = bound.iter().map(AsRef::as_ref).collect();
        let rows = self.tx.query(&stmt, &refs)?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let mut vals = Vec::with_capacity(row.len());
            for (i, col) in row.columns().iter().enumerate() {
                vals.push(match *col.type_() {
                    Type::INT8 => row.get::<_, Option<i64>>(i).map_or(Val::Null, Val::Int),
                    Type::INT4 => row.get::<_, Option<i32>>(i).map_or(Val::Null, |v| Val::Int(i64::from(v))),
                    _ => row.get::<_, Option<String>>(i).map_or(Val::Null, Val::Text),
                });
            }
            out.push(vals);
        }
        Ok(out)
    }
}
