//! When a doctor can be booked, pure: working hours per weekday (several sessions a day), the
//! slot grid, leave and clinic holidays; which slots a day offers, whether a booking fits;
//! walk-ins' place in the queue; the waitlist. A doctor nobody has set hours for works the
//! clinic default: every day 08:00–18:00 on a 15-minute grid.

use chrono::{DateTime, Datelike, NaiveDate, Utc, Weekday};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::ids::{AppointmentId, PatientId, StaffId};
use crate::words::word_enum;
use crate::{Appointment, AppointmentStatus};

/// The clinic default: opening and closing, minutes after local midnight, and the slot grid.
pub const DEFAULT_OPENS: u16 = 8 * 60;
pub const DEFAULT_CLOSES: u16 = 18 * 60;
pub const DEFAULT_SLOT_MINUTES: u32 = 15;
/// The slot grids a clinic may choose.
pub const SLOT_CHOICES: [u32; 6] = [5, 10, 15, 20, 30, 60];
/// At most this many sessions in one day (morning, afternoon, evening, and one more).
pub const MAX_SESSIONS_PER_DAY: usize = 4;
/// Longest stretch of time off one entry covers.
pub const MAX_TIME_OFF_DAYS: i64 = 366;
/// Longest reason for time off or note on the waitlist.
pub const MAX_NOTE: usize = 80;
const MINUTES_PER_DAY: u16 = 24 * 60;

/// A working session, minutes after local midnight: from `from` up to (not including) `to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkSession {
    pub from: u16,
    pub to: u16,
}

impl WorkSession {
    /// Does `[start, start + minutes)` lie inside the session?
    pub fn holds(&self, start: u16, minutes: u32) -> bool {
        start >= self.from && u32::from(start) + minutes <= u32::from(self.to)
    }
}

/// A doctor's working sessions per weekday, Monday first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Week(pub [Vec<WorkSession>; 7]);

impl Default for Week {
    /// The clinic default: every day 08:00–18:00.
    fn default() -> Self {
        Self(std::array::from_fn(|_| vec![WorkSession { from: DEFAULT_OPENS, to: DEFAULT_CLOSES }]))
    }
}

impl Week {
    pub fn on(&self, day: Weekday) -> &[WorkSession] {
        &self.0[day.num_days_from_monday() as usize]
    }

    /// Each day's sessions in order, each a real stretch inside the day, none overlapping.
    pub fn check(&self) -> Result<(), String> {
        for (i, sessions) in self.0.iter().enumerate() {
            let day = weekday_name(weekday(i));
            if sessions.len() > MAX_SESSIONS_PER_DAY {
                return Err(format!("{day}: at most {MAX_SESSIONS_PER_DAY} sessions a day"));
            }
            for s in sessions {
                if s.from >= s.to || s.to > MINUTES_PER_DAY {
                    return Err(format!("{day}: a session ends after it starts, by midnight"));
                }
            }
            if sessions.windows(2).any(|w| w[1].from < w[0].to) {
                return Err(format!("{day}: sessions are in order and do not overlap"));
            }
        }
        Ok(())
    }
}

fn weekday(i: usize) -> Weekday {
    Weekday::try_from(u8::try_from(i).unwrap_or(0)).unwrap_or(Weekday::Mon)
}

/// The weekdays, Monday first, as the week's days are kept.
pub fn weekdays() -> impl Iterator<Item = Weekday> {
    (0..7).map(weekday)
}

pub fn weekday_name(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    }
}

fn parse_time(text: &str) -> Option<u16> {
    let (h, m) = text.trim().split_once(':')?;
    let (h, m): (u16, u16) = (h.trim().parse().ok()?, m.trim().parse().ok()?);
    (m < 60 && (h < 24 || (h == 24 && m == 0))).then_some(h * 60 + m)
}

/// A day's sessions as typed: `09:00-13:00, 17:00-20:00`; empty (or `off`) for a day off.
pub fn parse_sessions(text: &str) -> Result<Vec<WorkSession>, String> {
    let text = text.trim();
    if text.is_empty() || text.eq_ignore_ascii_case("off") {
        return Ok(Vec::new());
    }
    let bad = || format!("hours are written like 09:00-13:00, 17:00-20:00 (or left empty for a day off): {text:?}");
    let mut sessions = text
        .split([',', ';'])
        .map(|part| {
            let (from, to) = part.split_once(['-', '–']).ok_or_else(bad)?;
            Ok(WorkSession { from: parse_time(from).ok_or_else(bad)?, to: parse_time(to).ok_or_else(bad)? })
        })
        .collect::<Result<Vec<_>, String>>()?;
    sessions.sort_by_key(|s| s.from);
    Ok(sessions)
}

/// A day's sessions as they are typed (`09:00-13:00, 17:00-20:00`; empty for a day off).
pub fn format_sessions(sessions: &[WorkSession]) -> String {
    let time = |m: u16| format!("{:02}:{:02}", m / 60, m % 60);
    sessions.iter().map(|s| format!("{}-{}", time(s.from), time(s.to))).collect::<Vec<_>>().join(", ")
}

/// When a doctor works and on what grid their free slots start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoctorHours {
    pub doctor: StaffId,
    pub week: Week,
    pub slot_minutes: u32,
    /// Who set them and when; `None` for the clinic default nobody has changed.
    pub set_by: Option<StaffId>,
    pub updated_at: Option<DateTime<Utc>>,
}

impl DoctorHours {
    /// The clinic default for a doctor nobody has set hours for.
    pub fn clinic_default(doctor: StaffId) -> Self {
        Self { doctor, week: Week::default(), slot_minutes: DEFAULT_SLOT_MINUTES, set_by: None, updated_at: None }
    }

    pub fn check(&self) -> Result<(), String> {
        if !SLOT_CHOICES.contains(&self.slot_minutes) {
            return Err(format!("slots are {} minutes long", choice_list(&SLOT_CHOICES)));
        }
        self.week.check()
    }
}

fn choice_list(choices: &[u32]) -> String {
    let words: Vec<String> = choices.iter().map(u32::to_string).collect();
    match words.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => words.join(""),
    }
}

/// A doctor's leave, or (no doctor) a day the whole clinic is closed, first to last day inclusive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeOff {
    pub id: Uuid,
    pub doctor: Option<StaffId>,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    pub reason: Option<String>,
    pub set_by: StaffId,
    pub updated_at: DateTime<Utc>,
}

impl TimeOff {
    pub fn covers(&self, doctor: StaffId, day: NaiveDate) -> bool {
        self.doctor.is_none_or(|d| d == doctor) && self.first_day <= day && day <= self.last_day
    }

    /// The days make a stretch of at most a year.
    pub fn check_days(first_day: NaiveDate, last_day: NaiveDate) -> Result<(), String> {
        if last_day < first_day {
            return Err("the last day off is on or after the first".into());
        }
        if (last_day - first_day).num_days() >= MAX_TIME_OFF_DAYS {
            return Err(format!("time off covers at most {MAX_TIME_OFF_DAYS} days; add another stretch after it"));
        }
        Ok(())
    }
}

/// Why a doctor cannot be booked on a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "why", content = "note")]
pub enum DayOff {
    /// The doctor's leave, with its reason if one was given.
    Leave(Option<String>),
    /// The clinic is closed (a holiday).
    Holiday(Option<String>),
    /// The doctor does not work on this weekday.
    NoHours,
}

impl DayOff {
    /// The words the desk shows, e.g. "on leave (conference)".
    pub fn describe(&self) -> String {
        let with = |what: &str, note: &Option<String>| match note {
            Some(n) => format!("{what} ({n})"),
            None => what.to_owned(),
        };
        match self {
            Self::Leave(note) => with("on leave", note),
            Self::Holiday(note) => with("clinic closed", note),
            Self::NoHours => "not working this day".to_owned(),
        }
    }
}

/// A doctor's sessions on a day, or why there are none. A clinic holiday outranks leave.
pub fn day_plan(hours: &DoctorHours, time_off: &[TimeOff], day: NaiveDate) -> Result<Vec<WorkSession>, DayOff> {
    let covering =
        |clinic_wide: bool| time_off.iter().find(|t| t.doctor.is_none() == clinic_wide && t.covers(hours.doctor, day));
    if let Some(t) = covering(true) {
        return Err(DayOff::Holiday(t.reason.clone()));
    }
    if let Some(t) = covering(false) {
        return Err(DayOff::Leave(t.reason.clone()));
    }
    let sessions = hours.week.on(day.weekday());
    if sessions.is_empty() {
        return Err(DayOff::NoHours);
    }
    Ok(sessions.to_vec())
}

/// Where free slots may start on a day of these sessions: on the grid from each session's
/// start, with room for `minutes` before the session ends.
pub fn slot_starts(sessions: &[WorkSession], slot_minutes: u32, minutes: u32) -> Vec<u16> {
    let step = usize::try_from(slot_minutes.max(1)).unwrap_or(1);
    sessions.iter().flat_map(|s| (s.from..s.to).step_by(step).filter(move |&m| s.holds(m, minutes))).collect()
}

/// Does a booking of `minutes` from `start` (minutes after local midnight) fit in one session?
pub fn fits(sessions: &[WorkSession], start: u16, minutes: u32) -> bool {
    sessions.iter().any(|s| s.holds(start, minutes))
}

/// Where an arrived patient stands in the doctor's queue: from the later of their booked time
/// and their arrival (a walk-in's booked time is their arrival), so a patient who came early
/// waits for their slot, a late one queues from when they came, and a walk-in goes after every
/// booked patient already due. Ties go to the booked patient. `None` for anyone not waiting.
pub fn queue_key(a: &Appointment) -> Option<(DateTime<Utc>, bool)> {
    (a.status == AppointmentStatus::Arrived).then(|| (a.arrived_at.unwrap_or(a.starts_at).max(a.starts_at), a.walk_in))
}

/// A patient waiting for an earlier slot, with one doctor or any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitlistEntry {
    pub id: Uuid,
    pub patient_id: PatientId,
    /// `None`: any doctor.
    pub doctor: Option<StaffId>,
    pub minutes: u32,
    /// The booked appointment they want earlier (it moves when they take a slot).
    pub appointment_id: Option<AppointmentId>,
    pub note: Option<String>,
    pub added_by: StaffId,
    pub added_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub outcome: Option<WaitlistOutcome>,
}

word_enum! {
    /// How a patient left the waitlist.
    pub enum WaitlistOutcome {
        /// They took a freed slot.
        Booked = "booked",
        /// Taken off (they no longer need it, or booked elsewhere).
        Removed = "removed",
    }
}

impl WaitlistEntry {
    /// Does a freed slot suit this patient: their doctor (or any), long enough, and earlier
    /// than the appointment they still hold (`holds`: when it starts, if it is not over)?
    pub fn suits(&self, doctor: StaffId, starts_at: DateTime<Utc>, minutes: u32, holds: Option<DateTime<Utc>>) -> bool {
        self.closed_at.is_none()
            && self.doctor.is_none_or(|d| d == doctor)
            && self.minutes <= minutes
            && holds.is_none_or(|held| starts_at < held)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Booking;
    use chrono::{Duration, TimeZone};

    fn t(h: u16, m: u16) -> u16 {
        h * 60 + m
    }

    fn doctor() -> StaffId {
        StaffId::from_parts(1, [3; 10])
    }

    fn mehta_hours() -> DoctorHours {
        let mut h = DoctorHours::clinic_default(doctor());
        let split = parse_sessions("09:00-13:00, 17:00-20:00").expect("hours");
        h.week = Week(std::array::from_fn(|i| if i == 6 { Vec::new() } else { split.clone() }));
        h.slot_minutes = 20;
        h
    }

    fn off(doctor: Option<StaffId>, first: NaiveDate, last: NaiveDate, why: &str) -> TimeOff {
        TimeOff {
            id: Uuid::nil(),
            doctor,
            first_day: first,
            last_day: last,
            reason: Some(why.into()),
            set_by: StaffId::from_parts(1, [9; 10]),
            updated_at: Utc::now(),
        }
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, d).expect("day")
    }

    #[test]
    fn hours_read_as_typed_and_write_back_the_same() {
        let s = parse_sessions(" 17:00–20:00 ; 09:00 - 13:00").expect("hours");
        assert_eq!(s, vec![WorkSession { from: t(9, 0), to: t(13, 0) }, WorkSession { from: t(17, 0), to: t(20, 0) }]);
        assert_eq!(format_sessions(&s), "09:00-13:00, 17:00-20:00");
        assert_eq!(parse_sessions("off"), Ok(Vec::new()));
        assert_eq!(parse_sessions("20:00-24:00").map(|s| s[0].to), Ok(24 * 60));
        for bad in ["9-13", "09:00", "25:00-26:00", "09:60-10:00", "morning"] {
            assert!(parse_sessions(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_week_with_overlapping_or_backward_sessions_is_refused_naming_the_day() {
        let mut h = mehta_hours();
        h.week.0[2] = parse_sessions("09:00-13:00, 12:00-14:00").expect("typed");
        assert_eq!(h.check(), Err("Wednesday: sessions are in order and do not overlap".into()));
        h.week.0[2] = vec![WorkSession { from: t(13, 0), to: t(9, 0) }];
        assert!(h.check().expect_err("backward").starts_with("Wednesday"));
        let mut h = mehta_hours();
        h.slot_minutes = 7;
        assert_eq!(h.check(), Err("slots are 5, 10, 15, 20, 30 or 60 minutes long".into()));
    }

    #[test]
    fn free_slots_start_on_the_grid_of_each_session_and_end_inside_it() {
        let h = mehta_hours();
        let sessions = day_plan(&h, &[], day(7)).expect("a Monday");
        let starts = slot_starts(&sessions, h.slot_minutes, 20);
        assert_eq!(starts.first(), Some(&t(9, 0)));
        assert!(starts.contains(&t(12, 40)) && !starts.contains(&t(13, 0)), "the morning ends at 13:00");
        assert_eq!(starts.iter().filter(|&&m| m >= t(17, 0)).count(), 9, "17:00 to 19:40");
        // A 45-minute visit needs room before the session ends.
        assert!(!slot_starts(&sessions, 20, 45).contains(&t(12, 40)));
        assert!(fits(&sessions, t(9, 10), 20), "a booking off the grid still fits the session");
        assert!(!fits(&sessions, t(12, 50), 20), "but not across the end of the session");
        assert!(!fits(&sessions, t(14, 0), 15), "nor in the afternoon break");
    }

    #[test]
    fn leave_holidays_and_days_without_hours_close_the_day_and_say_why() {
        let h = mehta_hours();
        assert_eq!(day_plan(&h, &[], day(13)), Err(DayOff::NoHours), "no Sunday hours");
        let leave = off(Some(doctor()), day(8), day(10), "conference");
        assert_eq!(day_plan(&h, std::slice::from_ref(&leave), day(9)), Err(DayOff::Leave(Some("conference".into()))));
        assert!(day_plan(&h, std::slice::from_ref(&leave), day(11)).is_ok(), "back on the 11th");
        let someone_else = off(Some(StaffId::from_parts(2, [4; 10])), day(1), day(31), "sabbatical");
        assert!(day_plan(&h, &[someone_else], day(9)).is_ok(), "another doctor's leave");
        let holiday = off(None, day(9), day(9), "clinic holiday");
        assert_eq!(
            day_plan(&h, &[leave, holiday], day(9)).map_err(|d| d.describe()),
            Err("clinic closed (clinic holiday)".into()),
            "a clinic holiday outranks leave"
        );
        assert!(TimeOff::check_days(day(9), day(8)).is_err());
        assert!(TimeOff::check_days(day(1), day(1) + Duration::days(MAX_TIME_OFF_DAYS)).is_err());
    }

    fn appointment(starts: (u32, u32), arrived: Option<(u32, u32)>, walk_in: bool) -> Appointment {
        let at = |(h, m): (u32, u32)| Utc.with_ymd_and_hms(2026, 12, 7, h, m, 0).single().expect("time");
        let booking = Booking {
            patient: PatientId::from_parts(1, [2; 10]),
            doctor: doctor(),
            starts_at: at(starts),
            minutes: 15,
            reason: None,
        };
        let mut a = Appointment::booked(AppointmentId::from_parts(1, [1; 10]), booking, doctor(), at((8, 0)));
        if let Some(arrived) = arrived {
            a.apply(crate::StatusChange::CheckIn, at(arrived)).expect("check in");
        }
        a.walk_in = walk_in;
        a
    }

    #[test]
    fn a_walk_in_queues_behind_booked_patients_already_due_and_ahead_of_later_ones() {
        let early_for_ten = appointment((10, 0), Some((9, 40)), false);
        let late_for_nine_thirty = appointment((9, 30), Some((10, 5)), false);
        let walk_in = appointment((9, 50), Some((9, 50)), true);
        let due_at_ten_thirty = appointment((10, 30), Some((9, 55)), false);
        let mut queue = [&due_at_ten_thirty, &walk_in, &late_for_nine_thirty, &early_for_ten];
        queue.sort_by_key(|a| queue_key(a));
        assert_eq!(queue.map(|a| a.starts_at.format("%H:%M").to_string()), ["09:50", "10:00", "09:30", "10:30"]);
        let tie = appointment((9, 50), Some((9, 45)), false);
        assert!(queue_key(&tie) < queue_key(&walk_in), "at the same minute the booked patient goes first");
        assert_eq!(queue_key(&appointment((10, 0), None, false)), None, "not arrived, not queued");
    }

    #[test]
    fn a_freed_slot_suits_a_waiting_patient_only_if_it_is_earlier_and_long_enough() {
        let held = appointment((11, 0), None, false);
        let entry = WaitlistEntry {
            id: Uuid::nil(),
            patient_id: held.patient_id,
            doctor: None,
            minutes: 15,
            appointment_id: Some(held.id),
            note: None,
            added_by: doctor(),
            added_at: held.booked_at,
            closed_at: None,
            outcome: None,
        };
        let at = |h, m| Utc.with_ymd_and_hms(2026, 12, 7, h, m, 0).single().expect("time");
        assert!(entry.suits(doctor(), at(10, 0), 15, Some(held.starts_at)));
        assert!(!entry.suits(doctor(), at(11, 30), 15, Some(held.starts_at)), "later than what they hold");
        assert!(!entry.suits(doctor(), at(10, 0), 10, Some(held.starts_at)), "too short");
        let with_mehta = WaitlistEntry { doctor: Some(StaffId::from_parts(5, [5; 10])), ..entry.clone() };
        assert!(!with_mehta.suits(doctor(), at(10, 0), 15, Some(held.starts_at)), "another doctor");
        let closed = WaitlistEntry { closed_at: Some(at(9, 0)), ..entry };
        assert!(!closed.suits(doctor(), at(10, 0), 15, Some(held.starts_at)));
    }
}
