//! The append-only, hash-chained audit log: who viewed or changed which patient, and when.
//!
//! Row `n` stores `hash = SHA-256(fields of n ‖ hash of n-1)`; the first row chains to 32 zero
//! bytes. Triggers refuse UPDATE and DELETE, and `meta.audit_count` records how many rows were
//! written, so [`verify`] finds an edited, removed, inserted or reordered row, and a cut tail.
//! Entries hold ids and action names only, never names or free text about a patient.

use chrono::{DateTime, Utc};
use rapport_model::audit::chain_hash;
use rapport_model::{PatientId, StaffId};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::{Result, from_ms, meta, to_ms};

/// What happened, in a few stable words (`patient.view`, `appointment.book`, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub staff_id: Option<StaffId>,
    pub action: String,
    pub patient_id: Option<PatientId>,
    /// The id of the record acted on (pointer, appointment, staff), if not the patient.
    pub subject: Option<String>,
}

/// An entry to append; `seq` and the hashes are the log's to assign.
#[derive(Debug, Clone, Copy)]
pub struct NewAuditEntry<'a> {
    pub at: DateTime<Utc>,
    pub staff_id: Option<StaffId>,
    pub action: &'a str,
    pub patient_id: Option<PatientId>,
    pub subject: Option<&'a str>,
}

fn hash(seq: i64, e: &NewAuditEntry<'_>, prev: &[u8]) -> [u8; 32] {
    chain_hash(
        seq,
        to_ms(e.at),
        e.staff_id.as_ref().map(|s| s.as_bytes().as_slice()),
        e.action.as_bytes(),
        e.patient_id.as_ref().map(|p| p.as_bytes().as_slice()),
        e.subject.map(str::as_bytes),
        prev,
    )
}

/// Appends an entry. Call it inside the transaction of the change it records.
pub fn append(conn: &Connection, e: &NewAuditEntry<'_>) -> Result<i64> {
    let last: Option<(i64, Vec<u8>)> = conn
        .query_row("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let (seq, prev) = match last {
        Some((seq, hash)) => (seq + 1, hash),
        None => (1, vec![0u8; 32]),
    };
    let h = hash(seq, e, &prev);
    conn.execute(
        "INSERT INTO audit (seq, at, staff_id, action, patient_id, subject, prev_hash, hash) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)",
        params![
            seq,
            to_ms(e.at),
            e.staff_id.map(|s| s.as_bytes().to_vec()),
            e.action,
            e.patient_id.map(|p| p.as_bytes().to_vec()),
            e.subject,
            prev,
            h.as_slice(),
        ],
    )?;
    meta::set(conn, "audit_count", &seq.to_string())?;
    Ok(seq)
}

/// The outcome of checking the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Verification {
    Intact {
        entries: i64,
    },
    /// The first entry that does not fit the chain, and why.
    Broken {
        seq: i64,
        reason: String,
    },
}

/// Walks the whole chain and recomputes every hash.
pub fn verify(conn: &Connection) -> Result<Verification> {
    let mut stmt =
        conn.prepare("SELECT seq, at, staff_id, action, patient_id, subject, prev_hash, hash FROM audit ORDER BY seq")?;
    let mut rows = stmt.query([])?;
    let mut expected_seq = 1i64;
    let mut prev = vec![0u8; 32];
    while let Some(row) = rows.next()? {
        let seq: i64 = row.get(0)?;
        let staff: Option<Vec<u8>> = row.get(2)?;
        let action: String = row.get(3)?;
        let patient: Option<Vec<u8>> = row.get(4)?;
        let subject: Option<String> = row.get(5)?;
        let stored_prev: Vec<u8> = row.get(6)?;
        let stored_hash: Vec<u8> = row.get(7)?;
        if seq != expected_seq {
            return Ok(Verification::Broken { seq: expected_seq, reason: "entry missing".into() });
        }
        if stored_prev != prev {
            return Ok(Verification::Broken { seq, reason: "does not follow the previous entry".into() });
        }
        let staff_id = staff.and_then(|b| <[u8; 16]>::try_from(b).ok()).map(StaffId::from_bytes);
        let patient_id = patient.and_then(|b| <[u8; 16]>::try_from(b).ok()).map(PatientId::from_bytes);
        let entry = NewAuditEntry {
            at: from_ms(row.get(1)?),
            staff_id,
            action: &action,
            patient_id,
            subject: subject.as_deref(),
        };
        if hash(seq, &entry, &prev).as_slice() != stored_hash.as_slice() {
            return Ok(Verification::Broken { seq, reason: "contents were changed".into() });
        }
        prev = stored_hash;
        expected_seq += 1;
    }
    let written = meta::get(conn, "audit_count")?.and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
    let found = expected_seq - 1;
    if found != written {
        return Ok(Verification::Broken {
            seq: found + 1,
            reason: format!("{written} entries were written but {found} remain"),
        });
    }
    Ok(Verification::Intact { entries: found })
}

/// The newest entries first, optionally for one patient.
pub fn recent(conn: &Connection, patient: Option<PatientId>, limit: usize) -> Result<Vec<AuditEntry>> {
    let mut stmt = conn.prepare(
        "SELECT seq, at, staff_id, action, patient_id, subject FROM audit
         WHERE (?1 IS NULL OR patient_id = ?1) ORDER BY seq DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(
        params![patient.map(|p| p.as_bytes().to_vec()), i64::try_from(limit).unwrap_or(i64::MAX)],
        entry_from_row,
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The newest entries of one action, newest first.
pub fn by_action(conn: &Connection, action: &str, limit: usize) -> Result<Vec<AuditEntry>> {
    let mut stmt = conn.prepare(
        "SELECT seq, at, staff_id, action, patient_id, subject FROM audit
         WHERE action = ?1 ORDER BY seq DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![action, i64::try_from(limit).unwrap_or(i64::MAX)], entry_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn entry_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<AuditEntry> {
    let staff: Option<Vec<u8>> = row.get(2)?;
    let patient: Option<Vec<u8>> = row.get(4)?;
    Ok(AuditEntry {
        seq: row.get(0)?,
        at: from_ms(row.get(1)?),
        staff_id: staff.and_then(|b| <[u8; 16]>::try_from(b).ok()).map(StaffId::from_bytes),
        action: row.get(3)?,
        patient_id: patient.and_then(|b| <[u8; 16]>::try_from(b).ok()).map(PatientId::from_bytes),
        subject: row.get(5)?,
    })
}
