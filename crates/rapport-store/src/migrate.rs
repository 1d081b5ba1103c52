//! Forward-only schema migrations from `migrations/client/`, each applied in its own
//! transaction together with the new `user_version`, so a crash leaves the database at the old
//! version or the new one, never between.

use rusqlite::Connection;

use crate::{Result, StoreError, search};

struct Migration {
    version: i64,
    sql: &'static str,
    /// Work the SQL cannot do (filling an index from Rust-normalized data), in the same
    /// transaction.
    then: Option<fn(&Connection) -> Result<()>>,
}

const MIGRATIONS: &[Migration] = &[
    Migration { version: 1, sql: include_str!("../../../migrations/client/0001_core.sql"), then: None },
    Migration {
        version: 2,
        sql: include_str!("../../../migrations/client/0002_search.sql"),
        then: Some(search::rebuild),
    },
    Migration { version: 3, sql: include_str!("../../../migrations/client/0003_search_hits.sql"), then: None },
    Migration {
        version: 4,
        sql: include_str!("../../../migrations/client/0004_search_folding.sql"),
        then: Some(search::rebuild),
    },
    Migration { version: 5, sql: include_str!("../../../migrations/client/0005_sync.sql"), then: Some(seal_existing) },
    Migration {
        version: 6,
        sql: include_str!("../../../migrations/client/0006_replicate_once_enrolled.sql"),
        then: None,
    },
    Migration { version: 7, sql: include_str!("../../../migrations/client/0007_messaging.sql"), then: None },
    Migration {
        version: 8,
        sql: include_str!("../../../migrations/client/0008_calls.sql"),
        then: Some(crate::calls::adopt_follow_ups),
    },
    Migration { version: 9, sql: include_str!("../../../migrations/client/0009_confirmations.sql"), then: None },
    Migration { version: 10, sql: include_str!("../../../migrations/client/0010_segments.sql"), then: None },
    Migration { version: 11, sql: include_str!("../../../migrations/client/0011_campaigns.sql"), then: None },
    Migration { version: 12, sql: include_str!("../../../migrations/client/0012_surveys.sql"), then: None },
    Migration { version: 13, sql: include_str!("../../../migrations/client/0013_record_no_nocase.sql"), then: None },
    Migration { version: 14, sql: include_str!("../../../migrations/client/0014_patient_merge.sql"), then: None },
    // A patient's approximate birth year (change format 6): a late column.
    Migration { version: 15, sql: "", then: Some(add_late_columns) },
    // A staff member's password reset by a manager (change format 7): a late column.
    Migration { version: 16, sql: "", then: Some(add_late_columns) },
    // A patient's record restricted by a manager (change format 8): a late column; the audit
    // log read by action (who opened restricted records).
    Migration {
        version: 17,
        sql: include_str!("../../../migrations/client/0017_audit_by_action.sql"),
        then: Some(add_late_columns),
    },
    Migration { version: 18, sql: include_str!("../../../migrations/client/0018_login_failures.sql"), then: None },
    // Doctors' hours, time off and the waitlist (change format 9), and the appointment's late
    // column `walk_in`.
    Migration {
        version: 19,
        sql: include_str!("../../../migrations/client/0019_schedules.sql"),
        then: Some(add_late_columns),
    },
    // The language a staff member chose for the desk (change format 9): a late column.
    Migration { version: 20, sql: "", then: Some(add_late_columns) },
    Migration { version: 21, sql: include_str!("../../../migrations/client/0021_pointer_superseded.sql"), then: None },
];

/// The schema version this build creates and understands.
pub const LATEST_VERSION: i64 = 21;

/// Columns added after the Rust work of earlier migrations was written, which that work reads
/// (it reads records as this build does): each is added before such work runs, and by the
/// migration that brings it.
const LATE_COLUMNS: &[(&str, &str, &str)] = &[
    ("patient", "birth_year", "INTEGER CHECK (birth_year IS NULL OR birth_year BETWEEN 1880 AND 2100)"),
    ("staff", "password_reset", "INTEGER CHECK (password_reset IS NULL OR password_reset IN (0, 1))"),
    ("patient", "restricted", "INTEGER CHECK (restricted IS NULL OR restricted IN (0, 1))"),
    ("appointment", "walk_in", "INTEGER CHECK (walk_in IS NULL OR walk_in IN (0, 1))"),
    ("staff", "language", "TEXT"),
];

fn add_late_columns(conn: &Connection) -> Result<()> {
    for (table, column, declaration) in LATE_COLUMNS {
        let exists: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2)",
            [table, column],
            |r| r.get(0),
        )?;
        if !exists {
            conn.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN {column} {declaration};"))?;
        }
    }
    Ok(())
}

/// What the database held before sync existed is checked as version 5 did (it becomes changes
/// when the device enrolls: [`crate::sync::start_replicating`]).
fn seal_existing(conn: &Connection) -> Result<()> {
    crate::sync::seal(conn, crate::system_ms(), crate::sync::Rules::AsStored).map(drop)
}

pub(crate) fn run(conn: &mut Connection, target: i64) -> Result<()> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current > LATEST_VERSION {
        return Err(StoreError::TooNew { found: current, supported: LATEST_VERSION });
    }
    for m in MIGRATIONS.iter().filter(|m| m.version > current && m.version <= target) {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Exclusive)?;
        tx.execute_batch(m.sql)?;
        if let Some(then) = m.then {
            add_late_columns(&tx)?;
            then(&tx)?;
        }
        if m.version == LATEST_VERSION {
            // The replicated tables are now as this build declares them: note their writes
            // as it declares them too.
            crate::sync::install_capture(&tx)?;
        }
        tx.pragma_update(None, "user_version", m.version)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_numbered_in_order_and_the_last_is_latest() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version, i as i64 + 1);
        }
        assert_eq!(MIGRATIONS.last().map(|m| m.version), Some(LATEST_VERSION));
    }
}
