//! What the front desk is shown: the answers of the core's read operations, as plain data.
//!
//! These cross the boundary between the desktop shell and the UI (JSON over Tauri's IPC), so both
//! sides use these very types instead of keeping copies in step.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::duplicates::Likeness;
use crate::{Appointment, Patient, PatientId, Pointer, PointerState, StaffId, WaitCue};

/// One line of search results: enough to recognise the patient, nothing more.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientHit {
    pub id: PatientId,
    pub record_no: String,
    pub given: String,
    pub family: String,
    pub preferred: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub phone: Option<String>,
    pub last_seen_at: Option<DateTime<Utc>>,
}

impl From<&Patient> for PatientHit {
    fn from(p: &Patient) -> Self {
        Self {
            id: p.id,
            record_no: p.record_no.clone(),
            given: p.given.clone(),
            family: p.family.clone(),
            preferred: p.preferred.clone(),
            birth_date: p.birth_date,
            phone: p.primary_phone().map(str::to_owned),
            last_seen_at: p.last_seen_at,
        }
    }
}

impl PatientHit {
    /// "Given Family".
    pub fn full_name(&self) -> String {
        crate::patient::full_name(&self.given, &self.family)
    }
}

/// A pointer as the card shows it on a given day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PointerView {
    pub pointer: Pointer,
    pub state: PointerState,
    /// What to say ("Ask how it went: …").
    pub prompt: String,
    /// Recorded since the patient's last visit.
    pub new_since_last_visit: bool,
}

/// Everything the front desk sees on opening a patient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientCard {
    pub patient: Patient,
    pub age: Option<u32>,
    pub usual_doctor_name: Option<String>,
    /// Shown pointers: conversation starters first, then avoid topics.
    pub pointers: Vec<PointerView>,
    pub last_appointment: Option<Appointment>,
    pub next_appointment: Option<Appointment>,
    /// When the patient was last seen to the end of a visit.
    pub last_visit: Option<DateTime<Utc>>,
    /// Calls the desk owes this patient.
    pub open_calls: Vec<crate::calls::CallItem>,
    /// What head office sent them (or held back), newest first.
    pub messages: Vec<crate::outreach::MessageView>,
    /// Records merged into this one (their appointments, pointers and messages are on this
    /// card), newest first: each can be undone.
    #[serde(default)]
    pub merged: Vec<MergedAway>,
    /// Past appointments, newest first (at most [`VISIT_HISTORY`]): visits, no-shows, cancels.
    #[serde(default)]
    pub history: Vec<Appointment>,
}

/// How many past appointments a card lists.
pub const VISIT_HISTORY: usize = 20;

/// A record merged into the one shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergedAway {
    pub merge_id: uuid::Uuid,
    pub record: PatientHit,
    pub at: DateTime<Utc>,
}

/// Two records side by side before a merge: the fields where they differ, each with the value
/// a merge takes unless staff choose the other.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MergePreview {
    pub keep: Patient,
    pub other: Patient,
    pub differences: Vec<crate::merge::Difference>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingOutcome {
    pub appointment: Appointment,
    /// Worth telling the receptionist, but not a reason to refuse (continuity of care).
    pub warnings: Vec<String>,
    /// The slot a move left free, to offer the waitlist.
    #[serde(default)]
    pub freed: Option<FreeSlot>,
}

/// One line of the day's schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleRow {
    pub appointment: Appointment,
    pub patient: PatientHit,
    pub doctor_name: String,
    pub wait: Option<WaitCue>,
    /// A conversation starter for a waiting patient (with the apology).
    pub talk_about: Option<String>,
    /// The patient confirmed by answering a message sent this way ("confirmed by SMS").
    #[serde(default)]
    pub confirmed_by: Option<crate::Channel>,
    /// An arrived patient's place in the doctor's queue, from 1 ([`crate::schedule::queue_key`]).
    #[serde(default)]
    pub queue_place: Option<u32>,
}

/// A doctor's free slots on a day, or why the day has none to offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DaySlots {
    pub slots: Vec<FreeSlot>,
    /// The doctor does not work that day (leave, a clinic holiday, no hours).
    pub off: Option<crate::schedule::DayOff>,
}

/// One day of a doctor's week: their sessions (or why none), the appointments, and how many
/// slots are still free.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeekDay {
    pub day: NaiveDate,
    pub sessions: Vec<crate::schedule::WorkSession>,
    pub off: Option<crate::schedule::DayOff>,
    pub appointments: Vec<ScheduleRow>,
    /// Free slots of one grid step still bookable (none in the past).
    pub free: u32,
}

/// A doctor's week at a glance, Monday first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeekView {
    pub doctor: DoctorView,
    pub slot_minutes: u32,
    pub days: Vec<WeekDay>,
}

/// Time off just added, and how many appointments already booked in it are left to move.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeOffAdded {
    pub time_off: crate::schedule::TimeOff,
    pub booked: u32,
}

/// A patient on the waitlist, as the desk shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitlistView {
    pub entry: crate::schedule::WaitlistEntry,
    pub patient: PatientHit,
    /// The doctor they wait for; `None`: any doctor.
    pub doctor_name: Option<String>,
    /// When the appointment they want earlier starts, if they hold one.
    pub holds: Option<DateTime<Utc>>,
}

/// An existing patient who looks like the one being registered, and how much.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuplicateMatch {
    pub patient: PatientHit,
    #[serde(flatten)]
    pub likeness: Likeness,
}

/// Two held patients who may be one person: a line of the duplicate review queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuplicatePair {
    pub a: PatientHit,
    pub b: PatientHit,
    #[serde(flatten)]
    pub likeness: Likeness,
}

/// A bookable slot of a doctor's day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FreeSlot {
    pub doctor: StaffId,
    pub starts_at: DateTime<Utc>,
    pub minutes: u32,
}

/// A clinician who can be booked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoctorView {
    pub id: StaffId,
    pub name: String,
}

/// The doctor's one-screen view of a patient: who they are, what to talk about, what is open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoctorGlance {
    /// The patient in focus; none when the doctor has nobody left today and none was chosen.
    pub card: Option<PatientCard>,
    /// The appointment this glance is for, when it comes from the doctor's day.
    pub appointment: Option<Appointment>,
    /// The doctor's remaining patients today, in order, to pick another.
    pub upcoming: Vec<ScheduleRow>,
    /// What the doctor's patients said in surveys lately, newest first.
    #[serde(default)]
    pub feedback: Vec<crate::surveys::RecentAnswer>,
}

/// A sync conflict as the desk lists it: the conflict, and the patient it concerns (for a
/// patient, one of their pointers or appointments) when this desk has them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConflictView {
    pub conflict: crate::sync::Conflict,
    pub patient: Option<PatientId>,
    pub patient_name: Option<String>,
}

/// An opening of a restricted record (break-glass), for the managers' list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BreakGlassEntry {
    pub at: DateTime<Utc>,
    /// Who opened it (their display name).
    pub staff: String,
    pub patient: PatientId,
    pub record_no: String,
    /// Why, in their words.
    pub reason: String,
}
