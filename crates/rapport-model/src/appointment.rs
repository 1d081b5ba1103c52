//! Appointments and the front-desk status flow:
//! booked → confirmed → arrived → with doctor → done, plus cancelled and no-show.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{AppointmentId, PatientId, StaffId};

/// Minutes of waiting past the later of scheduled start and arrival that turn the cue amber...
pub const WAIT_AMBER_MINUTES: i64 = 15;
/// ...and red, with an apology prompt: the standard is 90% seen within 30 minutes.
pub const WAIT_RED_MINUTES: i64 = 30;
/// Longest reason for a visit, in characters.
pub const MAX_REASON: usize = 200;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AppointmentStatus {
    Booked,
    Confirmed,
    Arrived,
    WithDoctor,
    Done,
    Cancelled,
    NoShow,
}

impl AppointmentStatus {
    pub const ALL: [Self; 7] =
        [Self::Booked, Self::Confirmed, Self::Arrived, Self::WithDoctor, Self::Done, Self::Cancelled, Self::NoShow];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Booked => "booked",
            Self::Confirmed => "confirmed",
            Self::Arrived => "arrived",
            Self::WithDoctor => "with-doctor",
            Self::Done => "done",
            Self::Cancelled => "cancelled",
            Self::NoShow => "no-show",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Booked => "Booked",
            Self::Confirmed => "Confirmed",
            Self::Arrived => "Arrived",
            Self::WithDoctor => "With doctor",
            Self::Done => "Done",
            Self::Cancelled => "Cancelled",
            Self::NoShow => "No-show",
        }
    }

    /// Still holds the doctor's time (counts for double-booking).
    pub fn holds_slot(self) -> bool {
        !matches!(self, Self::Cancelled | Self::NoShow)
    }

    /// No further change is possible.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Done | Self::Cancelled | Self::NoShow)
    }
}

impl std::str::FromStr for AppointmentStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|x| x.as_str() == s).ok_or_else(|| "unknown appointment status".to_owned())
    }
}

/// What the front desk or the doctor does to an appointment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StatusChange {
    Confirm,
    CheckIn,
    /// The doctor called the patient in.
    Seen,
    Done,
    Cancel,
    NoShow,
}

impl StatusChange {
    pub const ALL: [Self; 6] = [Self::Confirm, Self::CheckIn, Self::Seen, Self::Done, Self::NoShow, Self::Cancel];

    /// May an appointment that is `from` be changed this way?
    pub fn applies_to(self, from: AppointmentStatus) -> bool {
        self.allowed_from().contains(&from)
    }

    pub fn target(self) -> AppointmentStatus {
        match self {
            Self::Confirm => AppointmentStatus::Confirmed,
            Self::CheckIn => AppointmentStatus::Arrived,
            Self::Seen => AppointmentStatus::WithDoctor,
            Self::Done => AppointmentStatus::Done,
            Self::Cancel => AppointmentStatus::Cancelled,
            Self::NoShow => AppointmentStatus::NoShow,
        }
    }

    /// The statuses this change may start from.
    fn allowed_from(self) -> &'static [AppointmentStatus] {
        use AppointmentStatus::*;
        match self {
            Self::Confirm => &[Booked],
            Self::CheckIn => &[Booked, Confirmed],
            Self::Seen => &[Arrived],
            Self::Done => &[WithDoctor],
            Self::Cancel => &[Booked, Confirmed, Arrived],
            Self::NoShow => &[Booked, Confirmed],
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("an appointment that is {} cannot be marked {}", from.label().to_lowercase(), to.label().to_lowercase())]
pub struct TransitionError {
    pub from: AppointmentStatus,
    pub to: AppointmentStatus,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Appointment {
    pub id: AppointmentId,
    pub patient_id: PatientId,
    pub doctor: StaffId,
    pub starts_at: DateTime<Utc>,
    pub minutes: u32,
    pub reason: Option<String>,
    pub status: AppointmentStatus,
    pub booked_by: StaffId,
    pub booked_at: DateTime<Utc>,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub arrived_at: Option<DateTime<Utc>>,
    pub seen_at: Option<DateTime<Utc>>,
    pub done_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub no_show_at: Option<DateTime<Utc>>,
    /// Came without a booking: queued from arrival (`starts_at` is the arrival) and holds no
    /// slot of the doctor's calendar.
    #[serde(default)]
    pub walk_in: bool,
}

/// What a booking asks for: who, with whom, when, how long, why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Booking {
    pub patient: PatientId,
    pub doctor: StaffId,
    pub starts_at: DateTime<Utc>,
    pub minutes: u32,
    pub reason: Option<String>,
}

/// A booking starts in this century (a booking in 1901 is a typing slip) and at most five
/// years ahead.
pub fn check_start(starts_at: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), &'static str> {
    if starts_at.timestamp_millis() < 946_684_800_000 {
        return Err("an appointment starts in the year 2000 or later");
    }
    if starts_at > now + Duration::days(5 * 366) {
        return Err("an appointment starts at most five years ahead");
    }
    Ok(())
}

impl Appointment {
    /// A new appointment in the `booked` state.
    pub fn booked(id: AppointmentId, booking: Booking, booked_by: StaffId, booked_at: DateTime<Utc>) -> Self {
        Self {
            id,
            patient_id: booking.patient,
            doctor: booking.doctor,
            starts_at: booking.starts_at,
            minutes: booking.minutes,
            reason: booking.reason,
            status: AppointmentStatus::Booked,
            booked_by,
            booked_at,
            confirmed_at: None,
            arrived_at: None,
            seen_at: None,
            done_at: None,
            cancelled_at: None,
            no_show_at: None,
            walk_in: false,
        }
    }

    /// A patient who came without a booking, arrived now (`booking.starts_at`).
    pub fn walk_in(id: AppointmentId, booking: Booking, booked_by: StaffId) -> Self {
        let now = booking.starts_at;
        Self {
            status: AppointmentStatus::Arrived,
            arrived_at: Some(now),
            walk_in: true,
            ..Self::booked(id, booking, booked_by, now)
        }
    }

    /// Holds the doctor's time in the calendar (a walk-in fits in around the bookings).
    pub fn holds_slot(&self) -> bool {
        self.status.holds_slot() && !self.walk_in
    }

    pub fn ends_at(&self) -> DateTime<Utc> {
        self.starts_at + Duration::minutes(i64::from(self.minutes))
    }

    /// Do the two time ranges share a minute?
    pub fn overlaps(&self, starts_at: DateTime<Utc>, minutes: u32) -> bool {
        let ends_at = starts_at + Duration::minutes(i64::from(minutes));
        self.starts_at < ends_at && starts_at < self.ends_at()
    }

    /// Moves the appointment along the status flow, recording when. Illegal moves are errors
    /// and leave the appointment as it was.
    pub fn apply(&mut self, change: StatusChange, at: DateTime<Utc>) -> Result<(), TransitionError> {
        let to = change.target();
        if !change.applies_to(self.status) {
            return Err(TransitionError { from: self.status, to });
        }
        self.status = to;
        let stamp = match change {
            StatusChange::Confirm => &mut self.confirmed_at,
            StatusChange::CheckIn => &mut self.arrived_at,
            StatusChange::Seen => &mut self.seen_at,
            StatusChange::Done => &mut self.done_at,
            StatusChange::Cancel => &mut self.cancelled_at,
            StatusChange::NoShow => &mut self.no_show_at,
        };
        *stamp = Some(at);
        Ok(())
    }

    /// How long an arrived patient has been waiting at `now`, counted from the later of the
    /// scheduled start and their arrival (a patient who came early is not yet kept waiting).
    pub fn wait_cue(&self, now: DateTime<Utc>) -> Option<WaitCue> {
        if self.status != AppointmentStatus::Arrived {
            return None;
        }
        let arrived = self.arrived_at?;
        let from = arrived.max(self.starts_at);
        let minutes = (now - from).num_minutes().max(0);
        Some(WaitCue { minutes, level: WaitLevel::for_minutes(minutes) })
    }

    /// Minutes from the scheduled start to being seen, once seen (negative when seen early).
    pub fn minutes_late_seen(&self) -> Option<i64> {
        self.seen_at.map(|seen| (seen - self.starts_at).num_minutes())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitCue {
    pub minutes: i64,
    pub level: WaitLevel,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WaitLevel {
    Fine,
    /// Getting long: keep an eye on it.
    Amber,
    /// Too long: apologise, and use a pointer to talk about.
    Red,
}

impl WaitLevel {
    pub fn for_minutes(minutes: i64) -> Self {
        if minutes >= WAIT_RED_MINUTES {
            Self::Red
        } else if minutes >= WAIT_AMBER_MINUTES {
            Self::Amber
        } else {
            Self::Fine
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, h, m, 0).single().expect("valid time")
    }

    fn booked_at_ten() -> Appointment {
        let booking = Booking {
            patient: PatientId::from_parts(1, [2; 10]),
            doctor: StaffId::from_parts(1, [3; 10]),
            starts_at: at(10, 0),
            minutes: 15,
            reason: None,
        };
        Appointment::booked(AppointmentId::from_parts(1, [1; 10]), booking, StaffId::from_parts(1, [4; 10]), at(8, 0))
    }

    #[test]
    fn a_visit_goes_from_booked_to_done_recording_each_time() {
        let mut a = booked_at_ten();
        a.apply(StatusChange::Confirm, at(8, 30)).expect("confirm");
        a.apply(StatusChange::CheckIn, at(9, 50)).expect("check in");
        a.apply(StatusChange::Seen, at(10, 5)).expect("seen");
        a.apply(StatusChange::Done, at(10, 20)).expect("done");
        assert_eq!(a.status, AppointmentStatus::Done);
        assert_eq!(
            (a.confirmed_at, a.arrived_at, a.seen_at, a.done_at),
            (Some(at(8, 30)), Some(at(9, 50)), Some(at(10, 5)), Some(at(10, 20)))
        );
        assert_eq!(a.minutes_late_seen(), Some(5));
    }

    #[test]
    fn a_patient_can_check_in_without_confirming_first() {
        let mut a = booked_at_ten();
        assert!(a.apply(StatusChange::CheckIn, at(9, 55)).is_ok());
    }

    #[test]
    fn a_patient_not_yet_arrived_cannot_be_seen_and_nothing_changes() {
        let mut a = booked_at_ten();
        let before = a.clone();
        let err = a.apply(StatusChange::Seen, at(10, 0)).expect_err("illegal");
        assert_eq!(err, TransitionError { from: AppointmentStatus::Booked, to: AppointmentStatus::WithDoctor });
        assert_eq!(err.to_string(), "an appointment that is booked cannot be marked with doctor");
        assert_eq!(a, before);
    }

    #[test]
    fn finished_cancelled_and_missed_appointments_are_final() {
        for (setup, final_status) in [
            (vec![StatusChange::CheckIn, StatusChange::Seen, StatusChange::Done], AppointmentStatus::Done),
            (vec![StatusChange::Cancel], AppointmentStatus::Cancelled),
            (vec![StatusChange::NoShow], AppointmentStatus::NoShow),
        ] {
            let mut a = booked_at_ten();
            for change in setup {
                a.apply(change, at(10, 0)).expect("legal");
            }
            assert_eq!(a.status, final_status);
            assert!(a.status.is_final());
            for change in [
                StatusChange::Confirm,
                StatusChange::CheckIn,
                StatusChange::Seen,
                StatusChange::Done,
                StatusChange::Cancel,
                StatusChange::NoShow,
            ] {
                assert!(a.clone().apply(change, at(11, 0)).is_err(), "{change:?} after {final_status:?}");
            }
        }
    }

    #[test]
    fn a_patient_who_arrived_cannot_be_a_no_show() {
        let mut a = booked_at_ten();
        a.apply(StatusChange::CheckIn, at(9, 58)).expect("check in");
        assert!(a.apply(StatusChange::NoShow, at(10, 30)).is_err());
        assert!(a.apply(StatusChange::Cancel, at(10, 30)).is_ok(), "but they may leave before being seen");
    }

    #[test]
    fn the_wait_timer_turns_amber_at_15_and_red_at_30_minutes_past_the_start() {
        let mut a = booked_at_ten();
        a.apply(StatusChange::CheckIn, at(9, 40)).expect("check in");
        assert_eq!(
            a.wait_cue(at(9, 55)),
            Some(WaitCue { minutes: 0, level: WaitLevel::Fine }),
            "early arrivals wait for their slot"
        );
        assert_eq!(a.wait_cue(at(10, 14)).map(|c| c.level), Some(WaitLevel::Fine));
        assert_eq!(a.wait_cue(at(10, 15)).map(|c| c.level), Some(WaitLevel::Amber));
        assert_eq!(a.wait_cue(at(10, 30)), Some(WaitCue { minutes: 30, level: WaitLevel::Red }));
    }

    #[test]
    fn a_late_arrival_waits_from_when_they_came() {
        let mut a = booked_at_ten();
        a.apply(StatusChange::CheckIn, at(10, 20)).expect("check in");
        assert_eq!(a.wait_cue(at(10, 40)), Some(WaitCue { minutes: 20, level: WaitLevel::Amber }));
        a.apply(StatusChange::Seen, at(10, 41)).expect("seen");
        assert_eq!(a.wait_cue(at(10, 50)), None, "no timer once with the doctor");
    }

    #[test]
    fn back_to_back_slots_do_not_overlap() {
        let a = booked_at_ten();
        assert!(!a.overlaps(at(10, 15), 15));
        assert!(!a.overlaps(at(9, 45), 15));
        assert!(a.overlaps(at(10, 10), 15));
        assert!(a.overlaps(at(9, 50), 60));
    }
}
