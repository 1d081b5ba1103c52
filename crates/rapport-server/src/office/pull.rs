//! The changes a clinic's devices receive, by cursor over head office's log.

use rapport_model::schema::{self, Kind};
use rapport_model::sync::{ChainRequest, ChainResponse, Change, Entity, LogMark, PullRequest, PullResponse};

use super::OfficeResult;
use super::devices::Device;
use super::state::{change_at, check_mark, clinic_scope};
use crate::db::{Db, Row, rows};

/// The next page of changes for the device's clinic after `cursor`.
pub fn pull(db: &mut dyn Db, device: &Device, req: PullRequest) -> OfficeResult<PullResponse> {
    check_mark(db, req.mark)?;
    let limit = i64::from(req.limit.clamp(1, 5000));
    let mut head = Row::expect(db.query_one("SELECT seq, hlc FROM head_office WHERE id = 1", &[])?, "head office")?;
    let (top, server_hlc) = (head.int()?, head.int()?);
    // The kinds the device reads (an older desk is not sent what it could not read); the
    // audit log only travels up.
    let known: Vec<String> = Entity::ALL
        .iter()
        .filter(|e| e.is_pulled() && e.since() <= req.schema)
        .map(|e| format!("'{}'", e.as_str()))
        .collect();
    let known = known.join(", ");
    let found = db.query(
        &format!(
            "SELECT c.seq, c.body, c.clinic_id FROM change_log c
             WHERE c.seq > $1 AND c.seq <= $2 AND c.entity IN ({known}) AND {} ORDER BY c.seq LIMIT $4",
            clinic_scope("c", "$3")
        ),
        &[req.cursor.into(), top.into(), device.clinic.to_string().into(), limit.into()],
    )?;
    let more = found.len() as i64 == limit;
    let mut changes = Vec::with_capacity(found.len());
    // The page's last change, read or not.
    let mut last = None;
    for mut row in rows(found, "change") {
        let seq = row.int()?;
        let mut c: Change = row.json()?;
        let home = row.opt_uuid()?;
        last = Some((seq, c.id));
        if !c.readable_by(req.schema) {
            continue;
        }
        if c.entity == Entity::Staff && home != Some(device.clinic) {
            // A password hash goes only to the desks where that person may log in.
            for f in schema::record(Entity::Staff).fields.iter().filter(|f| f.kind == Kind::PasswordHash) {
                c.fields.remove(f.name);
            }
        }
        c.seq = Some(seq);
        changes.push(c);
    }
    let cursor = match last {
        Some((seq, _)) if more => seq,
        _ => top.max(req.cursor),
    };
    // The change at the new cursor: the page's last one, or (past changes of other clinics)
    // looked up.
    let at_cursor = match last {
        Some((seq, id)) if seq == cursor => Some(id),
        _ if cursor > 0 => change_at(db, cursor)?,
        _ => None,
    };
    let mark = at_cursor.map(|change| LogMark { seq: cursor, change });
    Ok(PullResponse { changes, cursor, more, mark, server_hlc, outbox: None })
}

/// The device's own audit rows after `after`, in chain order (a desk restored from a backup
/// goes on from them). Only rows sent by a device bound to the device's site count, as in
/// [`super::verify_audit`].
pub fn own_chain(db: &mut dyn Db, device: &Device, req: ChainRequest) -> OfficeResult<ChainResponse> {
    let limit = usize::try_from(req.limit.clamp(1, 5000)).unwrap_or(5000);
    let found = db.query(
        "SELECT c.body FROM change_log c JOIN device d ON d.id = c.device_id
         WHERE c.entity = 'audit' AND d.site = $1 ORDER BY c.seq",
        &[device.site.to_string().into()],
    )?;
    let prefix = format!("{}/", device.site);
    let mut mine: Vec<(i64, Change)> = Vec::new();
    for mut row in rows(found, "audit row") {
        let Ok(c) = serde_json::from_str::<Change>(&row.text()?) else { continue };
        let Some(n) = c.record.strip_prefix(&prefix).and_then(|n| n.parse::<i64>().ok()) else { continue };
        if n > req.after {
            mine.push((n, c));
        }
    }
    mine.sort_by_key(|(n, _)| *n);
    mine.dedup_by_key(|(n, _)| *n);
    let more = mine.len() > limit;
    Ok(ChainResponse { rows: mine.into_iter().take(limit).map(|(_, c)| c).collect(), more })
}
