//! A clinic's messaging set-up as the desk stores it: templates, the messaging settings and
//! recall rules (replicated records, declared in `rapport_model::schema`). Two desks of one
//! clinic may each make a record for the same template, tag or the settings before they sync;
//! the newest (`updated_at`, then id) counts, and a desk edits that one from then on.

use rapport_model::outreach::{self, MessageKind, MessagingSettings, RecallRule, StoredTemplate};
use rapport_model::{Channel, PatientId, QuietHours, StaffId};
use rusqlite::{Connection, OptionalExtension, Row, params};
use uuid::Uuid;

use crate::{Result, StoreError, from_ms, to_ms};

pub(crate) fn uuid_col(row: &Row<'_>, idx: usize) -> rusqlite::Result<Uuid> {
    let v: Vec<u8> = row.get(idx)?;
    Uuid::from_slice(&v).map_err(|_| rusqlite::Error::InvalidColumnType(idx, "id".into(), rusqlite::types::Type::Blob))
}

fn word<T>(row: &Row<'_>, idx: usize, parse: impl Fn(&str) -> Option<T>) -> rusqlite::Result<T> {
    let text: String = row.get(idx)?;
    parse(&text).ok_or_else(|| rusqlite::Error::InvalidColumnType(idx, "word".into(), rusqlite::types::Type::Text))
}

// ---------------------------------------------------------------------------------------------
// Templates

/// The clinic's templates in use: the newest record per kind, channel and language, unless it
/// was removed.
pub fn templates(conn: &Connection) -> Result<Vec<StoredTemplate>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, kind, channel, language, body, dlt_template_id, set_by, updated_at FROM template t
         WHERE deleted_at IS NULL AND NOT EXISTS (
             SELECT 1 FROM template n WHERE n.kind = t.kind AND n.channel = t.channel AND n.language = t.language
                 AND (n.updated_at > t.updated_at OR (n.updated_at = t.updated_at AND n.id > t.id)))
         ORDER BY kind, channel, language",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(StoredTemplate {
            id: uuid_col(r, 0)?,
            kind: word(r, 1, |w| w.parse().ok())?,
            channel: word(r, 2, outreach::parse_channel)?,
            language: r.get(3)?,
            body: r.get(4)?,
            dlt_template_id: r.get(5)?,
            set_by: StaffId::from_bytes(*uuid_col(r, 6)?.as_bytes()),
            updated_at: from_ms(r.get(7)?),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The record that holds the template for this kind, channel and language (removed or not).
pub fn template_id(conn: &Connection, kind: MessageKind, channel: Channel, language: &str) -> Result<Option<Uuid>> {
    Ok(conn
        .prepare_cached(
            "SELECT id FROM template WHERE kind = ?1 AND channel = ?2 AND language = ?3
             ORDER BY updated_at DESC, id DESC LIMIT 1",
        )?
        .query_row(params![kind.as_str(), outreach::channel_word(channel), language], |r| uuid_col(r, 0))
        .optional()?)
}

/// Writes a template (a new record, or a new text for the record `t.id`).
pub fn save_template(conn: &Connection, t: &StoredTemplate) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO template (id, kind, channel, language, body, dlt_template_id, set_by, updated_at, deleted_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, NULL)
         ON CONFLICT (id) DO UPDATE SET body = excluded.body, dlt_template_id = excluded.dlt_template_id,
             set_by = excluded.set_by, updated_at = excluded.updated_at, deleted_at = NULL",
    )?
    .execute(params![
        t.id.as_bytes().as_slice(),
        t.kind.as_str(),
        outreach::channel_word(t.channel),
        t.language,
        t.body,
        t.dlt_template_id,
        t.set_by.as_bytes().as_slice(),
        to_ms(t.updated_at),
    ])?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Settings

/// The clinic's messaging settings (the newest record) and the record's id, if any was saved.
pub fn settings(conn: &Connection) -> Result<Option<(Uuid, MessagingSettings)>> {
    let found = conn
        .prepare_cached(
            "SELECT id, reminder_hours, second_reminder_hours, hold_minutes, quiet_hours, timezone, birthday_hour,
                 birthday_offer, weekly_cap, language
             FROM messaging_settings ORDER BY updated_at DESC, id DESC LIMIT 1",
        )?
        .query_row([], |r| {
            let quiet: String = r.get(4)?;
            let zone: String = r.get(5)?;
            Ok((
                uuid_col(r, 0)?,
                r.get::<_, u32>(1)?,
                r.get::<_, Option<u32>>(2)?,
                r.get::<_, u32>(3)?,
                quiet,
                zone,
                r.get::<_, u32>(6)?,
                r.get::<_, bool>(7)?,
                r.get::<_, u32>(8)?,
                r.get::<_, String>(9)?,
            ))
        })
        .optional()?;
    let Some((id, reminder_hours, second, hold_minutes, quiet, zone, birthday_hour, offer, cap, language)) = found
    else {
        return Ok(None);
    };
    let quiet_hours: QuietHours = serde_json::from_str(&quiet).map_err(|_| StoreError::Decode("quiet hours"))?;
    let timezone = outreach::parse_timezone(&zone).map_err(|_| StoreError::Decode("time zone"))?;
    Ok(Some((
        id,
        MessagingSettings {
            reminder_hours,
            second_reminder_hours: second,
            hold_minutes,
            quiet_hours,
            timezone,
            birthday_hour,
            birthday_offer: offer,
            weekly_cap: cap,
            language,
        },
    )))
}

/// Writes the settings into the record `id` (made if new).
pub fn save_settings(
    conn: &Connection,
    id: Uuid,
    s: &MessagingSettings,
    set_by: StaffId,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    let quiet = serde_json::to_string(&s.quiet_hours).map_err(|_| StoreError::Decode("quiet hours"))?;
    conn.prepare_cached(
        "INSERT INTO messaging_settings (id, reminder_hours, second_reminder_hours, hold_minutes, quiet_hours, timezone,
             birthday_hour, birthday_offer, weekly_cap, language, set_by, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
         ON CONFLICT (id) DO UPDATE SET reminder_hours = excluded.reminder_hours,
             second_reminder_hours = excluded.second_reminder_hours, hold_minutes = excluded.hold_minutes,
             quiet_hours = excluded.quiet_hours, timezone = excluded.timezone, birthday_hour = excluded.birthday_hour,
             birthday_offer = excluded.birthday_offer, weekly_cap = excluded.weekly_cap, language = excluded.language,
             set_by = excluded.set_by, updated_at = excluded.updated_at",
    )?
    .execute(params![
        id.as_bytes().as_slice(),
        s.reminder_hours,
        s.second_reminder_hours,
        s.hold_minutes,
        quiet,
        s.timezone.name(),
        s.birthday_hour,
        s.birthday_offer,
        s.weekly_cap,
        s.language,
        set_by.as_bytes().as_slice(),
        to_ms(at),
    ])?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Recall rules

/// The recall rules in use: the newest record per tag, unless it was removed.
pub fn recall_rules(conn: &Connection) -> Result<Vec<RecallRule>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, tag, every_months, set_by, updated_at FROM recall_rule t
         WHERE deleted_at IS NULL AND NOT EXISTS (
             SELECT 1 FROM recall_rule n WHERE n.tag = t.tag
                 AND (n.updated_at > t.updated_at OR (n.updated_at = t.updated_at AND n.id > t.id)))
         ORDER BY tag",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(RecallRule {
            id: uuid_col(r, 0)?,
            tag: r.get(1)?,
            every_months: r.get(2)?,
            set_by: StaffId::from_bytes(*uuid_col(r, 3)?.as_bytes()),
            updated_at: from_ms(r.get(4)?),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The record that holds the rule for `tag` (removed or not).
pub fn recall_rule_id(conn: &Connection, tag: &str) -> Result<Option<Uuid>> {
    Ok(conn
        .prepare_cached("SELECT id FROM recall_rule WHERE tag = ?1 ORDER BY updated_at DESC, id DESC LIMIT 1")?
        .query_row([tag], |r| uuid_col(r, 0))
        .optional()?)
}

/// Writes a recall rule (a new record, or a new interval for the record `r.id`).
pub fn save_recall_rule(conn: &Connection, r: &RecallRule) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO recall_rule (id, tag, every_months, set_by, updated_at, deleted_at)
         VALUES (?1, ?2, ?3, ?4, ?5, NULL)
         ON CONFLICT (id) DO UPDATE SET every_months = excluded.every_months, set_by = excluded.set_by,
             updated_at = excluded.updated_at, deleted_at = NULL",
    )?
    .execute(params![
        r.id.as_bytes().as_slice(),
        r.tag,
        r.every_months,
        r.set_by.as_bytes().as_slice(),
        to_ms(r.updated_at)
    ])?;
    Ok(())
}

/// A patient with a condition tag, as the recall rules look at them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecallCandidate {
    pub patient: PatientId,
    /// The start of the last visit that was done.
    pub last_visit: Option<chrono::DateTime<chrono::Utc>>,
    pub registered: chrono::DateTime<chrono::Utc>,
    /// A visit is booked from `now` on already.
    pub booked: bool,
}

/// The living patients carrying `tag`, compared by the model's rule ([`outreach::has_tag`]).
pub fn recall_candidates(
    conn: &Connection,
    tag: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<RecallCandidate>> {
    let mut stmt = conn.prepare_cached(
        "SELECT p.id, p.conditions,
             (SELECT max(a.starts_at) FROM appointment a WHERE a.patient_id = p.id AND a.status = 'done'),
             p.created_at,
             EXISTS (SELECT 1 FROM appointment a WHERE a.patient_id = p.id AND a.starts_at >= ?1
                 AND a.status IN ('booked', 'confirmed'))
         FROM patient p
         WHERE p.deleted_at IS NULL AND p.merged_into IS NULL AND p.conditions <> '[]'",
    )?;
    let rows = stmt.query_map(params![to_ms(now)], |r| {
        let conditions: String = r.get(1)?;
        Ok((
            conditions,
            RecallCandidate {
                patient: PatientId::from_bytes(*uuid_col(r, 0)?.as_bytes()),
                last_visit: r.get::<_, Option<i64>>(2)?.map(from_ms),
                registered: from_ms(r.get(3)?),
                booked: r.get(4)?,
            },
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (conditions, candidate) = row?;
        let tags: Vec<String> = serde_json::from_str(&conditions).unwrap_or_default();
        if outreach::has_tag(&tags, tag) {
            out.push(candidate);
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Segments

/// The clinic's saved segments: the newest record per name, unless it was removed.
pub fn segments(conn: &Connection) -> Result<Vec<rapport_model::segments::SavedSegment>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, name, filter, set_by, updated_at FROM segment t
         WHERE deleted_at IS NULL AND NOT EXISTS (
             SELECT 1 FROM segment n WHERE n.name = t.name
                 AND (n.updated_at > t.updated_at OR (n.updated_at = t.updated_at AND n.id > t.id)))
         ORDER BY name",
    )?;
    let rows = stmt.query_map([], |r| {
        let filter: String = r.get(2)?;
        Ok(rapport_model::segments::SavedSegment {
            id: uuid_col(r, 0)?,
            name: r.get(1)?,
            filter: serde_json::from_str(&filter)
                .map_err(|_| rusqlite::Error::InvalidColumnType(2, "filter".into(), rusqlite::types::Type::Text))?,
            set_by: StaffId::from_bytes(*uuid_col(r, 3)?.as_bytes()),
            updated_at: from_ms(r.get(4)?),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The record that holds the segment of this name (removed or not).
pub fn segment_id(conn: &Connection, name: &str) -> Result<Option<Uuid>> {
    Ok(conn
        .prepare_cached("SELECT id FROM segment WHERE name = ?1 ORDER BY updated_at DESC, id DESC LIMIT 1")?
        .query_row([name], |r| uuid_col(r, 0))
        .optional()?)
}

/// Writes a segment (a new record, or new conditions for the record `s.id`).
pub fn save_segment(conn: &Connection, s: &rapport_model::segments::SavedSegment) -> Result<()> {
    let filter = serde_json::to_string(&s.filter).map_err(|_| StoreError::Decode("segment"))?;
    conn.prepare_cached(
        "INSERT INTO segment (id, name, filter, set_by, updated_at, deleted_at) VALUES (?1, ?2, ?3, ?4, ?5, NULL)
         ON CONFLICT (id) DO UPDATE SET filter = excluded.filter, set_by = excluded.set_by,
             updated_at = excluded.updated_at, deleted_at = NULL",
    )?
    .execute(params![
        s.id.as_bytes().as_slice(),
        s.name,
        filter,
        s.set_by.as_bytes().as_slice(),
        to_ms(s.updated_at)
    ])?;
    Ok(())
}
