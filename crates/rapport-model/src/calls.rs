//! The call list: the patients the front desk should phone, and why.
//!
//! Some calls are written down when they arise (a missed visit, a follow-up call a finished
//! visit asked for); the rest are read from what the desk already holds: messages head office
//! could not deliver or that were answered with R, N or something unclear, reminders for
//! patients who take calls only, recalls due. Each call has a stable id, the same on every desk
//! of the clinic: a written call's own, or one derived from what the call is about
//! ([`derived_call_id`]). Recording an outcome writes (or updates) the call task of that id,
//! which syncs like any record, so a call made at one desk leaves every desk's list.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::ids::{AppointmentId, PatientId, StaffId};
use crate::outreach::{MessageKind, MessageStatus, ReplyMeaning};
use crate::view::PatientHit;
use crate::words::word_enum;

/// A call's id (a UUID; the UI names it without depending on the uuid crate).
pub type CallId = Uuid;

word_enum! {
    /// Why a patient is on the call list.
    pub enum CallReason {
        /// Missed a visit: call to rebook.
        NoShow = "no-show",
        /// A finished visit asked for a call after some days.
        FollowUp = "follow-up",
        /// Due for a recall check-up.
        Recall = "recall",
        /// Takes calls only: phone to remind of the visit and confirm it.
        Reminder = "reminder",
        /// A message about their care could not be delivered.
        Undelivered = "undelivered",
        /// Replied R: asked to be called back.
        CallBack = "call-back",
        /// Replied N: cannot come.
        CannotCome = "cannot-come",
        /// Replied something head office could not read.
        ReplyUnclear = "reply-unclear",
    }
}

impl CallReason {
    /// What the receptionist reads.
    pub const fn words(self) -> &'static str {
        match self {
            Self::NoShow => "Missed appointment: call to rebook",
            Self::FollowUp => "Follow-up call after the visit",
            Self::Recall => "Recall due: offer a check-up",
            Self::Reminder => "Prefers a call: remind of the visit and confirm it",
            Self::Undelivered => "A message could not be delivered: call instead",
            Self::CallBack => "Asked to be called back",
            Self::CannotCome => "Cannot come: call to rebook",
            Self::ReplyUnclear => "Replied to a message: read the reply and call",
        }
    }
}

word_enum! {
    /// How a call went.
    pub enum CallOutcome {
        /// Spoke to the patient (for a reminder call: they confirmed).
        Reached = "reached",
        /// Nobody answered: the call stays on the list.
        NoAnswer = "no-answer",
        Rebooked = "rebooked",
        WrongNumber = "wrong-number",
    }
}

impl CallOutcome {
    /// Takes the call off the list (a call nobody answered stays, to try again).
    pub const fn closes(self) -> bool {
        !matches!(self, Self::NoAnswer)
    }

    pub const fn label(self) -> &'static str {
        match self {
            Self::Reached => "Reached",
            Self::NoAnswer => "No answer",
            Self::Rebooked => "Rebooked",
            Self::WrongNumber => "Wrong number",
        }
    }
}

/// The id of a call read from what it is about (`recall/<patient>/<due date>`,
/// `message/<id>`): every desk of the clinic derives the same one, so an outcome recorded at
/// one desk closes the call on all of them.
pub fn derived_call_id(about: &str) -> CallId {
    let digest = Sha256::new().chain_update(b"rapport call\0").chain_update(about.as_bytes()).finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}

/// The call to rebook a missed visit: one per visit, whichever desk marks it.
pub fn no_show_call_id(appointment: AppointmentId) -> CallId {
    derived_call_id(&format!("no-show/{appointment}"))
}

/// The call a message leaves for the desk, if any: a reminder for a patient who takes calls
/// only, a message about their care that did not reach them, a reply asking for a call, saying
/// they cannot come, or unclear. Missed visits and recalls are on the list by themselves, so
/// their phone-only messages add nothing; a birthday greeting that failed is not worth a call.
pub fn call_for_message(kind: MessageKind, status: MessageStatus, reply: Option<ReplyMeaning>) -> Option<CallReason> {
    match reply {
        Some(ReplyMeaning::CallBack) => return Some(CallReason::CallBack),
        Some(ReplyMeaning::CannotCome) => return Some(CallReason::CannotCome),
        Some(ReplyMeaning::Unclear) => return Some(CallReason::ReplyUnclear),
        _ => {}
    }
    match status {
        MessageStatus::Call if kind == MessageKind::Reminder => Some(CallReason::Reminder),
        s if s.did_not_reach() && kind.is_care() && kind != MessageKind::NoShow => Some(CallReason::Undelivered),
        _ => None,
    }
}

/// A call task as the desk stores it (a replicated record).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallTask {
    pub id: CallId,
    pub patient_id: PatientId,
    pub reason: CallReason,
    pub appointment_id: Option<AppointmentId>,
    pub due_on: NaiveDate,
    pub outcome: Option<CallOutcome>,
    pub outcome_by: Option<StaffId>,
    pub outcome_at: Option<DateTime<Utc>>,
    pub created_by: StaffId,
    pub created_at: DateTime<Utc>,
}

/// One call on the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallItem {
    /// What `call-list done` takes.
    pub id: CallId,
    pub reason: CallReason,
    pub patient: PatientHit,
    /// The visit it is about (a missed one, one to confirm, one the patient cannot come to).
    pub appointment_id: Option<AppointmentId>,
    /// From when the call is worth making.
    pub due_on: NaiveDate,
    /// What the patient wrote, for a reply to read.
    pub note: Option<String>,
    /// An earlier try that did not reach them.
    pub last_outcome: Option<CallOutcome>,
    /// Something to talk about (the patient's freshest conversation pointer).
    pub talk_about: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_desk_derives_the_same_call_id_and_different_calls_differ() {
        assert_eq!(derived_call_id("message/a"), derived_call_id("message/a"));
        assert_ne!(derived_call_id("message/a"), derived_call_id("message/b"));
    }

    #[test]
    fn a_message_leaves_a_call_only_when_someone_must_phone() {
        use MessageKind::*;
        use MessageStatus::*;
        assert_eq!(call_for_message(Reminder, Call, None), Some(CallReason::Reminder));
        assert_eq!(call_for_message(Reminder, Failed, None), Some(CallReason::Undelivered));
        assert_eq!(call_for_message(Recall, Undeliverable, None), Some(CallReason::Undelivered));
        assert_eq!(call_for_message(Birthday, Failed, None), None, "a failed greeting is not worth a call");
        assert_eq!(call_for_message(NoShow, Call, None), None, "the missed visit is on the list already");
        assert_eq!(call_for_message(Reminder, Delivered, None), None);
        assert_eq!(call_for_message(Reminder, Delivered, Some(ReplyMeaning::Confirm)), None);
        assert_eq!(call_for_message(Reminder, Delivered, Some(ReplyMeaning::CallBack)), Some(CallReason::CallBack));
        assert_eq!(call_for_message(Reminder, Sent, Some(ReplyMeaning::CannotCome)), Some(CallReason::CannotCome));
        assert_eq!(call_for_message(Birthday, Sent, Some(ReplyMeaning::Unclear)), Some(CallReason::ReplyUnclear));
        assert!(!CallOutcome::NoAnswer.closes() && CallOutcome::WrongNumber.closes());
    }
}
