//! PostgreSQL: a bounded pool of connections, TLS as the URL's `sslmode` asks, statements
//! prepared once per connection.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use postgres::config::SslMode;
use postgres::types::Type;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use tokio_postgres_rustls::MakeRustlsConnect;

use super::{Db, DbError, DbResult, Val};

/// A PostgreSQL error without the server's message and detail, which can quote the values
/// involved (a key that already exists, input that did not parse): its code and where.
pub(super) fn summary(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!(
            "SQLSTATE {}{}{}",
            db.code().code(),
            db.table().map(|t| format!(" on {t}")).unwrap_or_default(),
            db.constraint().map(|c| format!(" ({c})")).unwrap_or_default()
        ),
        // Connection, TLS and protocol errors name no data: say each cause.
        None => {
            let mut text = e.to_string();
            let mut cause = std::error::Error::source(e);
            while let Some(c) = cause {
                text.push_str(&format!(": {c}"));
                cause = c.source();
            }
            text
        }
    }
}

/// PostgreSQL connections: at most [`PG_MAX`] open at once (a request waits for one to come
/// back rather than opening more), the idle ones kept between requests.
#[derive(Debug)]
pub struct PgPool {
    config: postgres::Config,
    /// TLS for every connection, when the URL asks for it.
    tls: Option<Tls>,
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

/// A rustls connector (its `Debug` says only that it is there).
#[derive(Clone)]
struct Tls(MakeRustlsConnect);

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Tls")
    }
}

impl PgPool {
    /// A pool for `url`, with one connection opened now (a wrong URL, password or certificate
    /// fails at start, not at the first request).
    pub(super) fn open(url: &str) -> DbResult<Self> {
        let (config, tls) = settings(url)?;
        let pool = Self {
            config,
            tls,
            idle: Mutex::new(Vec::new()),
            open: Mutex::new(0),
            returned: std::sync::Condvar::new(),
        };
        let first = pool.get()?;
        pool.put(first);
        Ok(pool)
    }

    /// Runs `f` in one transaction; commits if it returns `Ok`, rolls back otherwise.
    pub(super) fn tx<T, E: From<DbError>>(&self, f: impl FnOnce(&mut dyn Db) -> Result<T, E>) -> Result<T, E> {
        let mut conn = self.get()?;
        let out = (|| {
            let mut tx = conn.client.transaction().map_err(DbError::from)?;
            let out = f(&mut PgTx { tx: &mut tx, statements: &mut conn.statements })?;
            tx.commit().map_err(DbError::from)?;
            Ok(out)
        })();
        // A connection goes back whatever happened (its transaction was rolled back on error);
        // a broken one is found closed by the next `get`.
        self.put(conn);
        out
    }

    fn connect(&self) -> Result<postgres::Client, postgres::Error> {
        let mut client = match &self.tls {
            Some(tls) => self.config.connect(tls.0.clone())?,
            None => self.config.connect(postgres::NoTls)?,
        };
        // Statements are prepared once per connection, while head office's tables grow from
        // empty: a generic plan made when a table was small (read every row) would stay for the
        // life of the connection, and a push would scan the whole table for each lookup. Each
        // execution is planned for its parameters and the table as it is now.
        client.batch_execute("SET plan_cache_mode = force_custom_plan")?;
        Ok(client)
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
                return match self.connect() {
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

/// The connection settings of a PostgreSQL URL, and the TLS its `sslmode` asks for:
/// `disable` (or none) connects in the clear; `require`, `verify-ca` and `verify-full` connect
/// over TLS only, and always verify the server's certificate and name (as libpq's `verify-full`)
/// against `sslrootcert=PATH` (PEM), or the system's roots without it. `prefer` and `allow`,
/// which fall back to the clear, are refused.
fn settings(url: &str) -> DbResult<(postgres::Config, Option<Tls>)> {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let (mut mode, mut root, mut kept) = (None, None, Vec::new());
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("sslmode", v)) => mode = Some(v),
            Some(("sslrootcert", v)) => root = Some(v),
            _ => kept.push(pair),
        }
    }
    let url = if kept.is_empty() { base.to_owned() } else { format!("{base}?{}", kept.join("&")) };
    let mut config: postgres::Config = url.parse()?;
    let tls = match mode {
        None | Some("disable") => {
            config.ssl_mode(SslMode::Disable);
            None
        }
        Some("require" | "verify-ca" | "verify-full") => {
            config.ssl_mode(SslMode::Require);
            Some(Tls(MakeRustlsConnect::new(client_config(root)?)))
        }
        Some(other) => {
            return Err(DbError::Other(format!(
                "sslmode={other} is not supported: use verify-full (or require) for TLS, or disable"
            )));
        }
    };
    Ok((config, tls))
}

fn client_config(root: Option<&str>) -> DbResult<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    match root {
        Some(path) => {
            let unreadable = |e: &dyn std::fmt::Display| DbError::Other(format!("sslrootcert {path}: {e}"));
            for cert in CertificateDer::pem_file_iter(path).map_err(|e| unreadable(&e))? {
                roots.add(cert.map_err(|e| unreadable(&e))?).map_err(|e| unreadable(&e))?;
            }
        }
        None => {
            for cert in rustls_native_certs::load_native_certs().certs {
                // A system certificate rustls cannot use is left out, as every client does.
                let _ = roots.add(cert);
            }
        }
    }
    if roots.is_empty() {
        return Err(DbError::Other("no CA certificate to verify PostgreSQL's with: give sslrootcert=PATH".into()));
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| DbError::Other(format!("TLS: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth())
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
    fn skip_locked(&self) -> &'static str {
        " FOR UPDATE SKIP LOCKED"
    }

    fn has_column(&mut self, table: &str, column: &str) -> DbResult<bool> {
        let found = self.query_one(
            "SELECT count(*) FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name::text = $1 AND column_name::text = $2",
            &[table.into(), column.into()],
        )?;
        Ok(found.and_then(|r| r.first().and_then(Val::int)).unwrap_or(0) > 0)
    }

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
