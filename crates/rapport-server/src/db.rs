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

const SCHEMA: &str = include_str!("../../../migrations/server/0001_head_office.sql");
/// The head-office schema version this build creates and understands.
pub const SCHEMA_VERSION: i64 = 1;

/// The storage a server runs on.
#[derive(Debug)]
pub enum Backend {
    Sqlite(Mutex<rusqlite::Connection>),
    Postgres(PgPool),
}

impl Backend {
    /// The embedded backend: `DIR/head-office.db`.
    pub fn sqlite(dir: &Path) -> DbResult<Self> {
        std::fs::create_dir_all(dir).map_err(|e| DbError::Other(format!("cannot create {}: {e}", dir.display())))?;
        let conn = rusqlite::Connection::open(dir.join("head-office.db"))?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.set_prepared_statement_cache_capacity(256);
        conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;")?;
        Ok(Self::Sqlite(Mutex::new(conn)))
    }

    pub fn postgres(url: &str) -> DbResult<Self> {
        let config: postgres::Config = url.parse()?;
        let pool = PgPool { config, idle: Mutex::new(Vec::new()) };
        drop(pool.get()?); // fail at start, not at the first request
        Ok(Self::Postgres(pool))
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
                let out = {
                    let mut tx = conn.client.transaction().map_err(DbError::from)?;
                    let out = f(&mut PgTx { tx: &mut tx, statements: &mut conn.statements })?;
                    tx.commit().map_err(DbError::from)?;
                    out
                };
                pool.put(conn);
                Ok(out)
            }
        }
    }

    /// Creates the schema on first start; refuses a database from a newer server.
    pub fn migrate(&self) -> DbResult<()> {
        let exists = self.tx(|db| {
            let sql = match self {
                Self::Sqlite(_) => "SELECT count(*) FROM sqlite_master WHERE name = 'head_office'",
                Self::Postgres(_) => "SELECT count(*) FROM information_schema.tables WHERE table_name = 'head_office'",
            };
            Ok::<_, DbError>(db.query_one(sql, &[])?.and_then(|r| r[0].int()).unwrap_or(0) > 0)
        })?;
        if !exists {
            self.tx(|db| {
                for statement in statements(SCHEMA) {
                    db.exec(&statement, &[])?;
                }
                Ok::<_, DbError>(())
            })?;
        }
        let version = self.tx(|db| {
            Ok::<_, DbError>(
                db.query_one("SELECT schema_version FROM head_office WHERE id = 1", &[])?.and_then(|r| r[0].int()),
            )
        })?;
        match version {
            Some(v) if v > SCHEMA_VERSION => Err(DbError::Other(format!(
                "the head office database is at schema version {v}, newer than this server ({SCHEMA_VERSION}); update rapport-server"
            ))),
            _ => Ok(()),
        }
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

/// A few PostgreSQL connections kept open between requests.
#[derive(Debug)]
pub struct PgPool {
    config: postgres::Config,
    idle: Mutex<Vec<PgConn>>,
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

const PG_IDLE_MAX: usize = 16;

impl PgPool {
    fn get(&self) -> DbResult<PgConn> {
        let idle = self.idle.lock().unwrap_or_else(std::sync::PoisonError::into_inner).pop();
        match idle {
            Some(c) if !c.client.is_closed() => Ok(c),
            _ => Ok(PgConn { client: self.config.connect(postgres::NoTls)?, statements: HashMap::new() }),
        }
    }

    fn put(&self, client: PgConn) {
        let mut idle = self.idle.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if idle.len() < PG_IDLE_MAX {
            idle.push(client);
        }
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
