//! The replicated tables as the sync layer reads and writes them: each table's statements,
//! written once from its declaration in [`rapport_model::schema`], and the one conversion
//! between a column's stored value and its value in a change. Nothing is put together per
//! change: only declared names reach SQL text, and every value is a bound parameter.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use rapport_model::schema::{self, Kind, Record};
use rapport_model::sync::{Entity, is_unique_field};
use rusqlite::types::{Value as Sql, ValueRef};
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};
use serde_json::Value;
use uuid::Uuid;

use crate::{Result, StoreError};

/// A replicated table and every statement the sync layer runs on it.
pub(super) struct Table {
    pub record: &'static Record,
    /// The declared fields of the row whose key is `?1`.
    select: String,
    /// A whole row: the key, then every declared field in declaration order.
    insert: String,
    /// Per declared field, in declaration order: that field of the row `?1` set to `?2`.
    set: Vec<String>,
    /// Per declared field: for a unique one, the key of another row (not `?2`) holding `?1`.
    holder: Vec<Option<String>>,
    /// 1 if the row `?1` exists.
    exists: String,
    /// Every key, largest first.
    pub keys_desc: String,
    /// Every row: the key, then the declared fields.
    pub all: String,
}

static TABLES: LazyLock<Vec<Table>> = LazyLock::new(|| schema::RECORDS.iter().map(Table::new).collect());

/// The table of `entity` (every entity is declared; a schema test checks it).
pub(super) fn table(entity: Entity) -> &'static Table {
    TABLES.iter().find(|t| t.record.entity == entity).unwrap_or(&TABLES[0])
}

/// The triggers that note every write to `record`'s table in `sync_dirty` (the bookkeeping of
/// migration 5), written from its declaration: a new row as `*`, and each declared field an
/// update changed. Append-only tables have no update trigger (their own triggers refuse
/// updates).
pub(super) fn capture_triggers(record: &Record) -> String {
    let (name, key) = (record.entity.as_str(), record.key);
    let mut sql = format!(
        "DROP TRIGGER IF EXISTS {name}_sync_insert;
         CREATE TRIGGER {name}_sync_insert AFTER INSERT ON {name}
         BEGIN INSERT OR IGNORE INTO sync_dirty VALUES ('{name}', NEW.{key}, '*'); END;
         DROP TRIGGER IF EXISTS {name}_sync_update;\n"
    );
    if !record.entity.is_append_only() {
        sql.push_str(&format!("CREATE TRIGGER {name}_sync_update AFTER UPDATE ON {name}\nBEGIN\n"));
        for f in record.fields {
            let field = f.name;
            sql.push_str(&format!(
                "    INSERT OR IGNORE INTO sync_dirty SELECT '{name}', NEW.{key}, '{field}' WHERE NEW.{field} IS NOT OLD.{field};\n"
            ));
        }
        sql.push_str("END;\n");
    }
    sql
}

/// Every replicated table, parents first.
pub(super) fn tables() -> &'static [Table] {
    &TABLES
}

impl Table {
    fn new(record: &'static Record) -> Self {
        let (name, key) = (record.entity.as_str(), record.key);
        let fields: Vec<&str> = record.fields.iter().map(|f| f.name).collect();
        let list = fields.join(", ");
        let marks = (1..=fields.len() + 1).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ");
        Self {
            record,
            select: format!("SELECT {list} FROM {name} WHERE {key} = ?1"),
            insert: format!("INSERT INTO {name} ({key}, {list}) VALUES ({marks})"),
            set: fields.iter().map(|f| format!("UPDATE {name} SET {f} = ?2 WHERE {key} = ?1")).collect(),
            holder: fields
                .iter()
                .map(|f| {
                    is_unique_field(record.entity, f)
                        .then(|| format!("SELECT {key} FROM {name} WHERE {f} = ?1 AND {key} <> ?2"))
                })
                .collect(),
            exists: format!("SELECT 1 FROM {name} WHERE {key} = ?1"),
            keys_desc: format!("SELECT {key} FROM {name} ORDER BY {key} DESC"),
            all: format!("SELECT {key}, {list} FROM {name}"),
        }
    }

    pub fn entity(&self) -> Entity {
        self.record.entity
    }

    fn position(&self, field: &str) -> Option<usize> {
        self.record.fields.iter().position(|f| f.name == field)
    }

    pub fn col(&self, field: &str) -> Option<Col> {
        self.record.field(field).map(|f| col_of(f.kind))
    }

    /// The declared fields of one row, or `None` if there is no such row.
    pub fn read(&self, conn: &Connection, key: &Sql) -> Result<Option<BTreeMap<String, Value>>> {
        let mut stmt = conn.prepare_cached(&self.select)?;
        Ok(stmt
            .query_row([key], |row| {
                let mut out = BTreeMap::new();
                for (i, f) in self.record.fields.iter().enumerate() {
                    out.insert(f.name.to_owned(), to_json(row.get_ref(i)?, col_of(f.kind)));
                }
                Ok(out)
            })
            .optional()?)
    }

    pub fn exists(&self, conn: &Connection, key: &Sql) -> Result<bool> {
        Ok(conn.prepare_cached(&self.exists)?.query_row([key], |_| Ok(())).optional()?.is_some())
    }

    /// Writes a whole row. A password hash the change does not carry (a colleague of another
    /// clinic, known here by name, unable to log in here) is stored empty. If another row holds
    /// a unique name this row claims, the row takes the name head office gives the later one
    /// (it sends that rename to every replica).
    pub fn insert(&self, conn: &Connection, key: &Sql, fields: &BTreeMap<String, Value>) -> Result<()> {
        let mut values = vec![key.clone()];
        for f in self.record.fields {
            values.push(match fields.get(f.name) {
                Some(v) => to_sql(v, col_of(f.kind))?,
                None if f.kind == Kind::PasswordHash => Sql::Text(String::new()),
                None => Sql::Null,
            });
        }
        match conn.prepare_cached(&self.insert)?.execute(params_from_iter(values.iter())) {
            Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation) => {
                let Some(pos) = self.holder.iter().position(Option::is_some) else { return Err(e.into()) };
                let Sql::Text(taken) = &values[pos + 1] else { return Err(e.into()) };
                values[pos + 1] = Sql::Text(rapport_model::sync::disambiguate(taken, &record_text(key)));
                conn.prepare_cached(&self.insert)?.execute(params_from_iter(values))?;
                Ok(())
            }
            other => other.map(drop).map_err(Into::into),
        }
    }

    /// Sets one declared field of one row.
    pub fn set(&self, conn: &Connection, key: &Sql, field: &str, value: &Value) -> Result<()> {
        let (Some(i), Some(col)) = (self.position(field), self.col(field)) else {
            return Err(StoreError::Decode("change"));
        };
        conn.prepare_cached(&self.set[i])?.execute(params![key, to_sql(value, col)?])?;
        Ok(())
    }

    /// The key of another row than `key` that holds `value` in the unique `field`.
    pub fn holder(&self, conn: &Connection, field: &str, value: &str, key: &Sql) -> Result<Option<Sql>> {
        let Some(sql) = self.position(field).and_then(|i| self.holder[i].as_deref()) else { return Ok(None) };
        Ok(conn.prepare_cached(sql)?.query_row(params![value, key], |r| r.get(0)).optional()?)
    }
}

/// How a replicated column is stored locally and written in a change, from its declared kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Col {
    /// Text, integer or null, as is.
    Plain,
    /// A 16-byte UUID blob, written as UUID text.
    Id,
    /// Other bytes (audit hashes), written as hex.
    Hex,
}

pub(super) fn col_of(kind: Kind) -> Col {
    match kind {
        Kind::Id | Kind::Ref(_) => Col::Id,
        Kind::Hash => Col::Hex,
        _ => Col::Plain,
    }
}

pub(super) fn to_json(v: ValueRef<'_>, col: Col) -> Value {
    match (v, col) {
        (ValueRef::Null, _) => Value::Null,
        (ValueRef::Integer(i), _) => Value::from(i),
        (ValueRef::Real(f), _) => Value::from(f),
        (ValueRef::Text(t), _) => Value::from(String::from_utf8_lossy(t).into_owned()),
        (ValueRef::Blob(b), Col::Id) => {
            Value::from(<[u8; 16]>::try_from(b).map(|b| Uuid::from_bytes(b).to_string()).unwrap_or_default())
        }
        (ValueRef::Blob(b), _) => Value::from(hex::encode(b)),
    }
}

fn to_sql(v: &Value, col: Col) -> Result<Sql> {
    Ok(match (v, col) {
        (Value::Null, _) => Sql::Null,
        (Value::String(s), Col::Id) => {
            Sql::Blob(s.parse::<Uuid>().map_err(|_| StoreError::Decode("change"))?.as_bytes().to_vec())
        }
        (Value::String(s), Col::Hex) => Sql::Blob(hex::decode(s).map_err(|_| StoreError::Decode("change"))?),
        (Value::String(s), Col::Plain) => Sql::Text(s.clone()),
        (Value::Bool(b), _) => Sql::Integer(i64::from(*b)),
        (Value::Number(n), _) => match n.as_i64() {
            Some(i) => Sql::Integer(i),
            None => Sql::Real(n.as_f64().unwrap_or_default()),
        },
        _ => return Err(StoreError::Decode("change")),
    })
}

/// A UUID key as the record text changes name it.
pub(super) fn record_text(key: &Sql) -> String {
    match key {
        Sql::Blob(b) => <[u8; 16]>::try_from(b.as_slice()).map(|b| Uuid::from_bytes(b).to_string()).unwrap_or_default(),
        Sql::Integer(i) => i.to_string(),
        _ => String::new(),
    }
}

/// The key of the record a change names.
pub(super) fn key_of(record: &str) -> Result<Sql> {
    Ok(Sql::Blob(record.parse::<Uuid>().map_err(|_| StoreError::Decode("change"))?.as_bytes().to_vec()))
}
