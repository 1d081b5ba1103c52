//! The outbox's life after planning: claiming what is due (each message by one head-office
//! process), recording what the gateway answered, delivery reports, and the patients' replies.
//!
//! A message is never sent blindly twice: a process claims it for a lease before it calls the
//! gateway, and a claim whose lease ran out (the process died between the gateway's answer and
//! recording it) becomes `uncertain` for staff to check, not `queued` again.

use rapport_model::Consent;
use rapport_model::outreach::{MAX_REPLY_CHARS, MessageKind, ReplyMeaning, reply_meaning};
use rapport_model::sync::Entity;
use serde_json::{Map, Value};

use rapport_model::RefusalCode;

use super::outreach::Patient;
use super::writer::Writer;
use super::{OfficeResult, Refused};
use std::collections::HashSet;

use crate::db::{Db, Val, query_in, rows};

/// How long a process holds a claimed message while it talks to the gateway.
pub const CLAIM_LEASE_MS: i64 = 5 * 60_000;
/// Sending attempts before a message is given up (and left for a call).
pub const MAX_ATTEMPTS: i64 = 5;

/// A message claimed for sending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    pub id: String,
    pub channel: String,
    pub recipient: String,
    pub subject: Option<String>,
    pub body: String,
    pub dlt_template_id: Option<String>,
    pub attempts: i64,
}

/// Claims up to `limit` messages due by `channel` for `worker`. Claims whose lease ran out
/// become `uncertain` first, and messages past their use are cancelled; of those claimed, the
/// ones that no longer hold (the visit moved or confirmed, consent withdrawn, a changed number)
/// are cancelled instead of returned.
pub fn claim_due(db: &mut dyn Db, now_ms: i64, worker: &str, channel: &str, limit: i64) -> OfficeResult<Vec<Claimed>> {
    db.exec(
        "UPDATE message SET status = 'uncertain', updated_at = $1, revision = revision + 1,
             last_error = 'head office stopped while sending: check with the gateway before sending again'
         WHERE status = 'claimed' AND claimed_until < $1",
        &[now_ms.into()],
    )?;
    db.exec(
        "UPDATE message SET status = 'cancelled', reason = 'too-late', updated_at = $1, revision = revision + 1
         WHERE status = 'queued' AND send_before IS NOT NULL AND send_before < $1",
        &[now_ms.into()],
    )?;
    loop {
        // A batch cancelled whole does not end the pass: what is due behind it goes.
        match claim_batch(db, now_ms, worker, channel, limit)? {
            Some(claimed) if claimed.is_empty() => {}
            claimed => return Ok(claimed.unwrap_or_default()),
        }
    }
}

/// One batch: `None` when nothing was due, else what is to be sent of what was claimed.
fn claim_batch(
    db: &mut dyn Db,
    now_ms: i64,
    worker: &str,
    channel: &str,
    limit: i64,
) -> OfficeResult<Option<Vec<Claimed>>> {
    let found = db.query(
        &format!(
            // The rows are picked once (a materialized CTE: a subquery in the WHERE clause may
            // be run again per row by PostgreSQL's planner, picking more than the limit), and
            // checked again once locked.
            "WITH picked AS MATERIALIZED (
                 SELECT id FROM message WHERE status = 'queued' AND channel = $4 AND send_after <= $3
                 ORDER BY send_after, id LIMIT $5{})
             UPDATE message SET status = 'claimed', claimed_by = $1, claimed_until = $2, attempts = attempts + 1,
                 updated_at = $3
             FROM picked WHERE message.id = picked.id AND message.status = 'queued'
             RETURNING message.id, message.channel, message.recipient, message.subject, message.body,
                 message.dlt_template_id, message.attempts",
            db.skip_locked()
        ),
        &[worker.into(), (now_ms + CLAIM_LEASE_MS).into(), now_ms.into(), channel.into(), limit.into()],
    )?;
    let mut out = Vec::with_capacity(found.len());
    for mut row in rows(found, "message") {
        out.push(Claimed {
            id: row.text()?,
            channel: row.text()?,
            recipient: row.opt_text()?.unwrap_or_default(),
            subject: row.opt_text()?,
            body: row.opt_text()?.unwrap_or_default(),
            dlt_template_id: row.opt_text()?,
            attempts: row.int()?,
        });
    }
    // Checked once claimed, just before sending: only what is sent now is looked at.
    let ids: Vec<Val> = out.iter().map(|m| Val::from(m.id.as_str())).collect();
    let mut cancelled = cancel_obsolete_reminders(db, now_ms, &ids)?;
    cancelled.extend(cancel_unreachable(db, now_ms, &ids)?);
    if out.is_empty() {
        return Ok(None);
    }
    out.retain(|m| !cancelled.contains(&m.id));
    Ok(Some(out))
}

/// Where a reminded visit stands now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkState {
    /// Booked at the time the reminder named, waiting for the patient's word.
    Waiting,
    Confirmed,
    /// Moved, cancelled or over: the patient should call.
    Changed,
}

/// Where the visit a reminder was planned for stands, from the appointment's state now: a
/// reminder's occasion ends with the start it was planned for (`reminder/N/id/start`).
fn visit_state(occasion: &str, appointment: Option<&Map<String, Value>>) -> LinkState {
    let Some(f) = appointment else { return LinkState::Changed };
    let starts = f.get("starts_at").and_then(Value::as_i64);
    let same_start = starts.is_some_and(|s| occasion.rsplit('/').next() == Some(s.to_string().as_str()));
    match f.get("status").and_then(Value::as_str) {
        Some("booked") if same_start => LinkState::Waiting,
        Some("confirmed") if same_start => LinkState::Confirmed,
        _ => LinkState::Changed,
    }
}

/// Of the claimed messages `ids`, the reminders whose visit is no longer waiting (confirmed,
/// cancelled, moved, attended) go no further; their ids.
fn cancel_obsolete_reminders(db: &mut dyn Db, now_ms: i64, ids: &[Val]) -> OfficeResult<HashSet<String>> {
    let mut cancelled = HashSet::new();
    let found = query_in(
        db,
        "SELECT m.id, m.occasion, s.fields FROM message m
         LEFT JOIN record_state s ON s.entity = 'appointment' AND s.record = m.appointment_id
         WHERE m.kind = 'reminder' AND m.id IN ({keys})",
        &[],
        ids,
    )?;
    for mut row in rows(found, "reminder") {
        let (id, occasion, f) = (row.text()?, row.text()?, row.opt_text()?);
        let f: Option<Map<String, Value>> = f.and_then(|f| serde_json::from_str(&f).ok());
        let reason = match visit_state(&occasion, f.as_ref()) {
            LinkState::Waiting => continue,
            LinkState::Confirmed => "confirmed",
            LinkState::Changed => "not-booked",
        };
        cancel(db, &id, reason, now_ms)?;
        cancelled.insert(id);
    }
    Ok(cancelled)
}

/// Of the claimed messages `ids`, those whose patient can no longer be reached that way:
/// deleted, consent to the channel withdrawn at a desk, or the number or address changed since
/// the message was written; their ids.
fn cancel_unreachable(db: &mut dyn Db, now_ms: i64, ids: &[Val]) -> OfficeResult<HashSet<String>> {
    let mut cancelled = HashSet::new();
    let found = query_in(
        db,
        "SELECT m.id, m.channel, m.recipient, s.fields FROM message m
         LEFT JOIN record_state s ON s.entity = 'patient' AND s.record = m.patient_id
         WHERE m.status = 'claimed' AND m.id IN ({keys})",
        &[],
        ids,
    )?;
    for mut row in rows(found, "message") {
        let (id, channel, recipient, f) = (row.text()?, row.opt_text()?, row.opt_text()?, row.opt_text()?);
        let f: Option<Map<String, Value>> = f.and_then(|f| serde_json::from_str(&f).ok());
        let reason = match f.map(|f| Patient::read(String::new(), &f)).filter(|p| !p.deleted) {
            None => "deleted",
            Some(p) => {
                let (agreed, current) = match channel.as_deref() {
                    Some("sms") => (p.consent.sms, p.phone),
                    Some("email") => (p.consent.email, p.email),
                    _ => continue,
                };
                if !agreed {
                    "no-consent"
                } else if current != recipient {
                    "contact-changed"
                } else {
                    continue;
                }
            }
        };
        cancel(db, &id, reason, now_ms)?;
        cancelled.insert(id);
    }
    Ok(cancelled)
}

/// Cancels a message that was waiting or just claimed (never one on its way).
fn cancel(db: &mut dyn Db, id: &str, reason: &str, now_ms: i64) -> OfficeResult<()> {
    db.exec(
        "UPDATE message SET status = 'cancelled', reason = $2, claimed_by = NULL, claimed_until = NULL, updated_at = $3,
             revision = revision + 1
         WHERE id = $1 AND status IN ('queued', 'claimed')",
        &[id.into(), reason.into(), now_ms.into()],
    )?;
    Ok(())
}

/// What a gateway said to one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// Taken for delivery, with the gateway's reference if it gives one.
    Accepted(Option<String>),
    /// Worth trying again later (the gateway was away or busy).
    Retry(String),
    /// Never worth trying again (a number the gateway refuses).
    Refused(String),
    /// The gateway may have it: the request went and no answer came (a timeout, a dropped
    /// connection). Never sent again blindly: staff check with the gateway.
    Unknown(String),
}

/// Records the outcome of `worker`'s sending of a message it claimed: sent, queued again after
/// a back-off, or failed for good after [`MAX_ATTEMPTS`]. A claim that lapsed meanwhile (now
/// `uncertain`) is settled by an acceptance only.
pub fn record_attempt(db: &mut dyn Db, id: &str, worker: &str, attempt: &Attempt, now_ms: i64) -> OfficeResult<()> {
    match attempt {
        // A delivery report may have come first (the gateway calls back while the batch is
        // still being sent): the status stays, the reference is kept.
        Attempt::Accepted(reference) => db.exec(
            "UPDATE message SET status = CASE WHEN status IN ('claimed', 'uncertain') THEN 'sent' ELSE status END,
                 gateway_ref = $2, claimed_by = NULL, claimed_until = NULL, last_error = NULL, updated_at = $3,
                 revision = revision + 1
             WHERE id = $1 AND status IN ('claimed', 'uncertain', 'sent', 'delivered', 'undeliverable')
               AND claimed_by = $4",
            &[id.into(), reference.as_deref().into(), now_ms.into(), worker.into()],
        )?,
        Attempt::Unknown(why) => db.exec(
            "UPDATE message SET status = 'uncertain', last_error = $2, claimed_by = NULL, claimed_until = NULL,
                 updated_at = $3, revision = revision + 1
             WHERE id = $1 AND status = 'claimed' AND claimed_by = $4",
            &[id.into(), why.as_str().into(), now_ms.into(), worker.into()],
        )?,
        Attempt::Retry(why) => db.exec(
            "UPDATE message SET status = CASE WHEN attempts >= $4 THEN 'failed' ELSE 'queued' END,
                 send_after = $3 + 60000 * attempts * attempts, claimed_by = NULL, claimed_until = NULL,
                 last_error = $2, updated_at = $3, revision = revision + 1
             WHERE id = $1 AND status = 'claimed' AND claimed_by = $5",
            &[id.into(), why.as_str().into(), now_ms.into(), MAX_ATTEMPTS.into(), worker.into()],
        )?,
        Attempt::Refused(why) => db.exec(
            "UPDATE message SET status = 'failed', last_error = $2, claimed_by = NULL, claimed_until = NULL,
                 updated_at = $3, revision = revision + 1
             WHERE id = $1 AND status = 'claimed' AND claimed_by = $4",
            &[id.into(), why.as_str().into(), now_ms.into(), worker.into()],
        )?,
    };
    Ok(())
}

/// Confirms the visit a reminder was planned for, if it still waits at that time, as head
/// office's own change (it reaches every desk of the clinic). Whether the visit is confirmed
/// now (by this or before); `false` if it was moved, cancelled or is over.
fn confirm_visit(w: &mut Writer<'_>, appointment: &str, occasion: &str, now_ms: i64) -> OfficeResult<bool> {
    let Some(mut state) = w.load(Entity::Appointment, appointment)? else { return Ok(false) };
    match visit_state(occasion, Some(&state.fields)) {
        LinkState::Waiting => {}
        LinkState::Confirmed => return Ok(true),
        LinkState::Changed => return Ok(false),
    }
    let fields = Map::from_iter([
        ("status".to_owned(), Value::from("confirmed")),
        ("confirmed_at".to_owned(), Value::from(now_ms)),
    ]);
    w.office_change(Entity::Appointment, appointment, &mut state, fields)?;
    Ok(true)
}

/// A reminder's confirm link as the patient sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfirmLink {
    pub clinic: String,
    /// "Thu 19 Nov at 10:30", in the clinic's time.
    pub when: String,
    pub state: LinkState,
}

/// The reminder whose link carries `token`, and where its visit stands. When `confirm`, a
/// waiting visit is confirmed (the link's page does that on its button, never on opening:
/// mail scanners open links).
pub fn confirm_link(db: &mut dyn Db, token: &str, confirm: bool, now_ms: i64) -> OfficeResult<Option<ConfirmLink>> {
    let row = db.query_one(
        "SELECT m.appointment_id, m.visit_label, m.occasion, c.name FROM message m JOIN clinic c ON c.id = m.clinic_id
         WHERE m.token = $1 AND m.kind = 'reminder'",
        &[token.into()],
    )?;
    let Some(row) = row else { return Ok(None) };
    let mut row = crate::db::Row::new(row, "reminder");
    let (appointment, when, occasion, clinic) = (row.opt_text()?, row.opt_text()?, row.text()?, row.text()?);
    let Some(appointment) = appointment else { return Ok(None) };
    let mut w = Writer::begin(db, now_ms)?;
    let state = w.load(Entity::Appointment, &appointment)?;
    let mut link_state = visit_state(&occasion, state.as_ref().map(|s| &s.fields));
    if confirm && link_state == LinkState::Waiting && confirm_visit(&mut w, &appointment, &occasion, now_ms)? {
        link_state = LinkState::Confirmed;
        // The desks show the visit confirmed by this message.
        w.db()?.exec(
            "UPDATE message SET reply_meaning = 'confirm', updated_at = $2, revision = revision + 1 WHERE token = $1",
            &[token.into(), now_ms.into()],
        )?;
    }
    w.commit()?;
    Ok(Some(ConfirmLink { clinic, when: when.unwrap_or_default(), state: link_state }))
}

/// What an SMS gateway reported about a message's delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    Delivered,
    /// The operator took it (not yet on the phone).
    Accepted,
    /// The operator or the phone could not take it.
    Undeliverable,
    /// Nothing that changes the message's state (buffered, a code this build does not know).
    Pending,
}

/// Records a delivery report for the message `id` (the caller has checked the gateway's
/// secret). A report for an unknown message changes nothing and is refused.
pub fn delivery_report(db: &mut dyn Db, id: &str, delivery: Delivery, now_ms: i64) -> OfficeResult<()> {
    let status = match delivery {
        Delivery::Delivered => "delivered",
        Delivery::Undeliverable => "undeliverable",
        Delivery::Accepted | Delivery::Pending => "sent",
    };
    // A report never moves a message back (a late "accepted" after "delivered").
    let changed = db.exec(
        "UPDATE message SET status = $2, updated_at = $3, revision = revision + 1
         WHERE id = $1 AND status IN ('sent', 'uncertain', 'claimed')
           AND NOT (status = 'sent' AND $2 = 'sent')",
        &[id.into(), status.into(), now_ms.into()],
    )?;
    let known = changed > 0 || db.query_one("SELECT 1 FROM message WHERE id = $1", &[id.into()])?.is_some();
    if !known {
        return Err(Refused::new(404, RefusalCode::NotFound, "no such message").into());
    }
    Ok(())
}

/// What head office did with an inbound text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplyOutcome {
    /// What head office made of it (a confirmation it could not act on alone is unclear).
    pub meaning: ReplyMeaning,
    /// The text answered one of head office's messages.
    pub matched: bool,
}

/// Takes a text a patient sent. It answers the newest text head office sent to that number in
/// the last week. "C" confirms that reminder's visit if it still waits (a change of head
/// office's, which reaches every desk of the clinic) — unless texts went to more than one
/// patient on that number (a family's shared phone): then it is left for staff. STOP turns SMS
/// consent off for every patient texted on that number and cancels what waits; START turns it
/// on again. The reply is kept on the message for staff.
pub fn inbound_reply(db: &mut dyn Db, from: &str, text: &str, now_ms: i64) -> OfficeResult<ReplyOutcome> {
    let meaning = reply_meaning(text);
    let key = rapport_model::phone::last_ten(from);
    if key.len() < 6 {
        return Ok(ReplyOutcome { meaning, matched: false });
    }
    let found = db.query(
        "SELECT id, patient_id, appointment_id, kind, occasion FROM message
         WHERE recipient_key = $1 AND channel = 'sms' AND status IN ('sent', 'delivered', 'uncertain')
           AND created_at > $2
         ORDER BY created_at DESC, id",
        &[key.into(), (now_ms - 7 * 86_400_000).into()],
    )?;
    let mut texted = Vec::new();
    for mut row in rows(found, "message") {
        texted.push((row.text()?, row.text()?, row.opt_text()?, row.text()?, row.text()?));
    }
    let Some((id, _, appointment, kind, occasion)) = texted.first().cloned() else {
        return Ok(ReplyOutcome { meaning, matched: false });
    };
    let mut patients: Vec<String> = texted.iter().map(|t| t.1.clone()).collect();
    patients.sort();
    patients.dedup();
    // Kept as the desks' text rule takes it (no control, direction or zero-width characters).
    let kept: String = text
        .chars()
        .filter(|c| !rapport_model::text::is_hidden_format(*c))
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX_REPLY_CHARS)
        .collect();
    let mut w = Writer::begin(db, now_ms)?;
    // What head office made of it, for staff: a "C" it could not act on alone is theirs to read.
    let acted = match meaning {
        // An answer to a survey: its rating or its comment.
        m if kind == MessageKind::Survey.as_str() && !matches!(m, ReplyMeaning::Stop | ReplyMeaning::Start) => {
            super::surveys::answer_by_text(&mut w, &id, &kept, now_ms)?
        }
        ReplyMeaning::Confirm => {
            let confirmed = match appointment.as_deref() {
                Some(a) if kind == "reminder" && patients.len() == 1 => confirm_visit(&mut w, a, &occasion, now_ms)?,
                _ => false,
            };
            if confirmed { ReplyMeaning::Confirm } else { ReplyMeaning::Unclear }
        }
        ReplyMeaning::Stop | ReplyMeaning::Start => {
            for p in &patients {
                set_sms_consent(&mut w, p, meaning == ReplyMeaning::Start, now_ms)?;
            }
            if meaning == ReplyMeaning::Stop {
                // Nothing more goes by text to that number.
                w.db()?.exec(
                    "UPDATE message SET status = 'cancelled', reason = 'opted-out', updated_at = $2, revision = revision + 1
                     WHERE recipient_key = $1 AND channel = 'sms' AND status = 'queued'",
                    &[Val::from(rapport_model::phone::last_ten(from)), now_ms.into()],
                )?;
            }
            meaning
        }
        other => other,
    };
    w.db()?.exec(
        "UPDATE message SET reply = $2, reply_meaning = $3, updated_at = $4, revision = revision + 1 WHERE id = $1",
        &[id.into(), kept.into(), acted.as_str().into(), now_ms.into()],
    )?;
    w.commit()?;
    Ok(ReplyOutcome { meaning: acted, matched: true })
}

/// Turns a patient's consent to texts on or off, as head office's own change.
fn set_sms_consent(w: &mut Writer<'_>, patient: &str, on: bool, now_ms: i64) -> OfficeResult<()> {
    let Some(mut state) = w.load(Entity::Patient, patient)? else { return Ok(()) };
    let mut consent: Consent = state.text("consent").and_then(|c| serde_json::from_str(c).ok()).unwrap_or_default();
    if consent.sms == on {
        return Ok(());
    }
    consent.sms = on;
    let text = serde_json::to_string(&consent).unwrap_or_else(|_| "{}".to_owned());
    let fields =
        Map::from_iter([("consent".to_owned(), Value::from(text)), ("updated_at".to_owned(), Value::from(now_ms))]);
    w.office_change(Entity::Patient, patient, &mut state, fields)
}
