//! Messages and calls as the desk stores them: head office's message records (received, never
//! written here) and the clinic's call tasks (replicated records, declared in
//! `rapport_model::schema`).

use chrono::NaiveDate;
use rapport_model::calls::CallTask;
use rapport_model::outreach::{self, MessageView};
use rapport_model::{AppointmentId, PatientId, StaffId};
use rusqlite::{Connection, OptionalExtension, Row, params};
use uuid::Uuid;

use crate::records::{blob16, opt_blob16, opt_time};
use crate::{Result, from_ms, to_ms};

fn word<T: std::str::FromStr>(row: &Row<'_>, idx: usize) -> rusqlite::Result<T> {
    let text: String = row.get(idx)?;
    text.parse().map_err(|_| rusqlite::Error::InvalidColumnType(idx, "word".into(), rusqlite::types::Type::Text))
}

fn opt_word<T: std::str::FromStr>(row: &Row<'_>, idx: usize) -> rusqlite::Result<Option<T>> {
    Ok(row.get::<_, Option<String>>(idx)?.and_then(|t| t.parse().ok()))
}

// ---------------------------------------------------------------------------------------------
// Messages

/// A message with whom and what visit it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatientMessage {
    pub patient_id: PatientId,
    pub appointment_id: Option<AppointmentId>,
    pub message: MessageView,
}

const MESSAGE_COLS: &str =
    "id, patient_id, appointment_id, kind, channel, status, reason, reply, reply_meaning, send_after, updated_at";

fn message_from_row(r: &Row<'_>) -> rusqlite::Result<PatientMessage> {
    Ok(PatientMessage {
        patient_id: PatientId::from_bytes(blob16(r, 1)?),
        appointment_id: opt_blob16(r, 2)?.map(AppointmentId::from_bytes),
        message: MessageView {
            id: Uuid::from_bytes(blob16(r, 0)?),
            kind: word(r, 3)?,
            channel: r.get::<_, Option<String>>(4)?.as_deref().and_then(outreach::parse_channel),
            status: word(r, 5)?,
            reason: r.get(6)?,
            reply: r.get(7)?,
            reply_meaning: opt_word(r, 8)?,
            send_after: from_ms(r.get(9)?),
            updated_at: from_ms(r.get(10)?),
        },
    })
}

/// What head office sent a patient (or held back), newest first, with what it sent to records
/// merged into theirs.
pub fn messages_of(conn: &Connection, patient: PatientId, limit: u32) -> Result<Vec<MessageView>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {MESSAGE_COLS} FROM message WHERE patient_id IN {} ORDER BY send_after DESC, id LIMIT ?2",
        crate::records::family_of("?1")
    ))?;
    let rows = stmt.query_map(params![patient.as_bytes().as_slice(), limit], message_from_row)?;
    Ok(rows.map(|r| r.map(|m| m.message)).collect::<rusqlite::Result<_>>()?)
}

/// Messages changed since `since` that may leave a call: to phone, not delivered, or answered
/// with something other than a confirmation or an opt-out (which of them do is
/// `rapport_model::calls::call_for_message`'s to say).
pub fn messages_for_calls(
    conn: &Connection,
    since: chrono::DateTime<chrono::Utc>,
    patient: Option<PatientId>,
) -> Result<Vec<PatientMessage>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {MESSAGE_COLS} FROM message
         WHERE (status IN ('call', 'failed', 'undeliverable') OR reply_meaning IN ('call-back', 'cannot-come', 'unclear'))
           AND updated_at >= ?1 AND (?2 IS NULL OR patient_id = ?2)
         ORDER BY updated_at, id"
    ))?;
    let rows = stmt.query_map(params![to_ms(since), patient.map(|p| p.as_bytes().to_vec())], message_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Has head office sent (or is about to send) the patient a recall message due on or after
/// `since`? Then the recall needs no call (unless that message fails, which leaves one).
pub fn recall_sent_since(conn: &Connection, patient: PatientId, since: chrono::DateTime<chrono::Utc>) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT 1 FROM message WHERE patient_id = ?1 AND kind = 'recall' AND send_after >= ?2
                 AND status IN ('queued', 'claimed', 'sent', 'delivered', 'uncertain', 'failed', 'undeliverable')
             LIMIT 1",
        )?
        .query_row(params![patient.as_bytes().as_slice(), to_ms(since)], |_| Ok(()))
        .optional()?
        .is_some())
}

/// The channel of the message the patient confirmed `appointment` by, if the confirmation
/// (`confirmed_at`) was theirs: a visit moved and confirmed again at the desk was not.
pub fn confirmed_by(
    conn: &Connection,
    appointment: AppointmentId,
    confirmed_at: chrono::DateTime<chrono::Utc>,
) -> Result<Option<rapport_model::Channel>> {
    let channel: Option<Option<String>> = conn
        .prepare_cached(
            "SELECT channel FROM message WHERE appointment_id = ?1 AND reply_meaning = 'confirm' AND updated_at >= ?2
             ORDER BY updated_at DESC LIMIT 1",
        )?
        .query_row(params![appointment.as_bytes().as_slice(), to_ms(confirmed_at)], |r| r.get(0))
        .optional()?;
    Ok(channel.flatten().as_deref().and_then(outreach::parse_channel))
}

/// The visits a reminder reached the gateway for (sent or delivered).
pub fn reminded_visits(conn: &Connection) -> Result<std::collections::HashSet<AppointmentId>> {
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT appointment_id FROM message
         WHERE kind = 'reminder' AND status IN ('sent', 'delivered') AND appointment_id IS NOT NULL",
    )?;
    let rows = stmt.query_map([], |r| blob16(r, 0).map(AppointmentId::from_bytes))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

// ---------------------------------------------------------------------------------------------
// Call tasks

const TASK_COLS: &str =
    "id, patient_id, reason, appointment_id, due_on, outcome, outcome_by, outcome_at, created_by, created_at";

fn task_from_row(r: &Row<'_>) -> rusqlite::Result<CallTask> {
    Ok(CallTask {
        id: Uuid::from_bytes(blob16(r, 0)?),
        patient_id: PatientId::from_bytes(blob16(r, 1)?),
        reason: word(r, 2)?,
        appointment_id: opt_blob16(r, 3)?.map(AppointmentId::from_bytes),
        due_on: word::<NaiveDate>(r, 4)?,
        outcome: opt_word(r, 5)?,
        outcome_by: opt_blob16(r, 6)?.map(StaffId::from_bytes),
        outcome_at: opt_time(r, 7)?,
        created_by: StaffId::from_bytes(blob16(r, 8)?),
        created_at: from_ms(r.get(9)?),
    })
}

/// Writes a call task: a new one whole; for one that exists, its due day and outcome.
pub fn save_call_task(conn: &Connection, t: &CallTask) -> Result<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO call_task ({TASK_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (id) DO UPDATE SET due_on = excluded.due_on, outcome = excluded.outcome,
             outcome_by = excluded.outcome_by, outcome_at = excluded.outcome_at"
    ))?
    .execute(params![
        t.id.as_bytes().as_slice(),
        t.patient_id.as_bytes().as_slice(),
        t.reason.as_str(),
        t.appointment_id.map(|a| a.as_bytes().to_vec()),
        t.due_on.to_string(),
        t.outcome.map(|o| o.as_str()),
        t.outcome_by.map(|s| s.as_bytes().to_vec()),
        t.outcome_at.map(to_ms),
        t.created_by.as_bytes().as_slice(),
        to_ms(t.created_at),
    ])?;
    Ok(())
}

pub fn call_task(conn: &Connection, id: Uuid) -> Result<Option<CallTask>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {TASK_COLS} FROM call_task WHERE id = ?1"))?
        .query_row([id.as_bytes().as_slice()], task_from_row)
        .optional()?)
}

/// Calls not made yet (no outcome, or nobody answered) due by `through`: all, or one patient's
/// (with those of records merged into theirs).
pub fn open_call_tasks(conn: &Connection, through: NaiveDate, patient: Option<PatientId>) -> Result<Vec<CallTask>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {TASK_COLS} FROM call_task
         WHERE (outcome IS NULL OR outcome = 'no-answer') AND due_on <= ?1 AND (?2 IS NULL OR patient_id IN {})
         ORDER BY due_on, created_at",
        crate::records::family_of("?2")
    ))?;
    let rows = stmt.query_map(params![through.to_string(), patient.map(|p| p.as_bytes().to_vec())], task_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Migration 8's work that SQL cannot do: each missed visit's call moved from the old
/// follow-ups takes the id every desk derives for it, and a desk that replicates sends it (the
/// migration ran before the capture triggers, which would have noted it).
pub(crate) fn adopt_follow_ups(conn: &Connection) -> Result<()> {
    let moved: Vec<(Vec<u8>, Option<[u8; 16]>)> = conn
        .prepare("SELECT id, appointment_id FROM call_task")?
        .query_map([], |r| Ok((r.get(0)?, opt_blob16(r, 1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (old, appointment) in moved {
        let Some(a) = appointment else { continue };
        let id = rapport_model::calls::no_show_call_id(AppointmentId::from_bytes(a));
        conn.execute("UPDATE OR IGNORE call_task SET id = ?2 WHERE id = ?1", params![old, id.as_bytes().as_slice()])?;
    }
    if crate::sync::replicating(conn)? {
        conn.execute("INSERT OR IGNORE INTO sync_dirty SELECT 'call_task', id, '*' FROM call_task", [])?;
    }
    Ok(())
}
