//! Rapport pointers: the small human facts ("back from a holiday in Goa") that let any member of
//! staff talk to a patient as a person. Pointers are append-only: an edit is a new version, a
//! removal is a retraction, and "used it" is a mark added beside the pointer.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{PatientId, PointerId, StaffId};
use crate::staff::Role;

/// An undated pointer stays fresh this long after it was recorded or last confirmed or used...
pub const UNDATED_FRESH_DAYS: i64 = 180;
/// ...then fades (shown, but dimmed, asking for confirmation) until it retires at this age.
pub const UNDATED_RETIRE_DAYS: i64 = 365;
/// After its date, an event pointer asks "how did it go?" for this many days, then retires.
pub const ASK_AFTER_EVENT_DAYS: i64 = 30;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PointerKind {
    LifeEvent,
    Family,
    Travel,
    Work,
    Hobby,
    Preference,
    /// A topic staff must not raise (bereavement, divorce). Never a conversation starter, and it
    /// suppresses cheerful automated messages.
    AvoidTopic,
}

impl PointerKind {
    pub const ALL: [Self; 7] =
        [Self::LifeEvent, Self::Family, Self::Travel, Self::Work, Self::Hobby, Self::Preference, Self::AvoidTopic];

    /// The spelling used on the command line and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::LifeEvent => "life-event",
            Self::Family => "family",
            Self::Travel => "travel",
            Self::Work => "work",
            Self::Hobby => "hobby",
            Self::Preference => "preference",
            Self::AvoidTopic => "avoid-topic",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::LifeEvent => "Life event",
            Self::Family => "Family",
            Self::Travel => "Travel",
            Self::Work => "Work",
            Self::Hobby => "Hobby",
            Self::Preference => "Preference",
            Self::AvoidTopic => "Avoid topic",
        }
    }
}

impl std::str::FromStr for PointerKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase().replace('_', "-");
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == wanted)
            .ok_or_else(|| format!("unknown pointer kind; use one of: {}", Self::ALL.map(Self::as_str).join(", ")))
    }
}

/// The interaction in which a pointer was learnt.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    Call,
    CheckIn,
    Visit,
    Other,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Call => "call",
            Self::CheckIn => "check-in",
            Self::Visit => "visit",
            Self::Other => "other",
        }
    }
}

impl std::str::FromStr for Source {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "call" => Ok(Self::Call),
            "check-in" | "checkin" => Ok(Self::CheckIn),
            "visit" => Ok(Self::Visit),
            "other" => Ok(Self::Other),
            _ => Err("unknown source; use call, check-in, visit or other".to_owned()),
        }
    }
}

/// Someone used the pointer (asked about it) or confirmed it is still true.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PointerMark {
    pub kind: MarkKind,
    pub by: StaffId,
    pub by_name: String,
    pub at: DateTime<Utc>,
    /// What the patient said, if staff noted it.
    pub note: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MarkKind {
    Used,
    Confirmed,
}

/// One version of a pointer, with the marks and retraction recorded against it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pointer {
    pub id: PointerId,
    pub patient_id: PatientId,
    pub kind: PointerKind,
    pub text: String,
    /// The day of the event, for pointers about something that happens on a date.
    pub event_date: Option<NaiveDate>,
    pub author: StaffId,
    pub author_name: String,
    pub author_role: Role,
    pub clinic: String,
    pub source: Source,
    pub created_at: DateTime<Utc>,
    /// The earlier version this one replaces.
    pub supersedes: Option<PointerId>,
    pub retracted_at: Option<DateTime<Utc>>,
    pub marks: Vec<PointerMark>,
}

/// Where a pointer stands on a given day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PointerState {
    /// Something to talk about.
    Active,
    /// The event's date has passed: ask how it went.
    AskHowItWent,
    /// An undated pointer nobody has confirmed for a while: shown dimmed, asking to be confirmed.
    Fading,
    /// Too old to bring up; kept in the history.
    Retired,
    /// A topic not to raise. Shown apart from conversation starters, never retired by age.
    Avoid,
    /// Withdrawn by staff; kept in the history only.
    Retracted,
}

impl PointerState {
    /// Shown on the patient card (retired and retracted pointers live in the history).
    pub fn is_shown(self) -> bool {
        !matches!(self, Self::Retired | Self::Retracted)
    }
}

impl Pointer {
    /// The pointer's state on `today`: the staleness rules of the product.
    pub fn state_on(&self, today: NaiveDate) -> PointerState {
        if self.retracted_at.is_some() {
            return PointerState::Retracted;
        }
        if self.kind == PointerKind::AvoidTopic {
            return PointerState::Avoid;
        }
        match self.event_date {
            Some(event) if today <= event => PointerState::Active,
            Some(event) => {
                let asked_after_event =
                    self.marks.iter().any(|m| m.kind == MarkKind::Used && m.at.date_naive() >= event);
                if asked_after_event || (today - event).num_days() > ASK_AFTER_EVENT_DAYS {
                    PointerState::Retired
                } else {
                    PointerState::AskHowItWent
                }
            }
            None => {
                let last_touched =
                    self.marks.iter().map(|m| m.at).chain([self.created_at]).max().unwrap_or(self.created_at);
                let age = (today - last_touched.date_naive()).num_days();
                if age <= UNDATED_FRESH_DAYS {
                    PointerState::Active
                } else if age <= UNDATED_RETIRE_DAYS {
                    PointerState::Fading
                } else {
                    PointerState::Retired
                }
            }
        }
    }

    /// What staff should say, in the state the pointer is in on `today`.
    pub fn prompt_on(&self, today: NaiveDate) -> String {
        match self.state_on(today) {
            PointerState::AskHowItWent => format!("Ask how it went: {}", self.text),
            PointerState::Avoid => format!("Avoid: {}", self.text),
            PointerState::Fading => format!("Still true? {}", self.text),
            _ => self.text.clone(),
        }
    }

    /// The last time someone asked about it, so three staff don't ask the same question.
    pub fn last_used(&self) -> Option<&PointerMark> {
        self.marks.iter().filter(|m| m.kind == MarkKind::Used).max_by_key(|m| m.at)
    }

    /// Recorded after the patient's previous visit: the doctor has not heard it yet.
    pub fn is_new_since(&self, last_visit: Option<DateTime<Utc>>) -> bool {
        last_visit.is_none_or(|v| self.created_at > v)
    }
}

/// Why a pointer was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PointerError {
    #[error("a pointer needs some text")]
    Empty,
    #[error("that pointer was retracted")]
    Retracted,
    #[error(transparent)]
    Text(#[from] crate::text::TextError),
}

pub const MAX_POINTER_TEXT: usize = 500;

/// Trims and checks the text of a new pointer.
pub fn validate_text(text: &str) -> Result<String, PointerError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(PointerError::Empty);
    }
    crate::text::check("pointer text", text, crate::text::TextRule::Lines, MAX_POINTER_TEXT)?;
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn at(s: &str) -> DateTime<Utc> {
        Utc.from_utc_datetime(&day(s).and_hms_opt(10, 0, 0).expect("time"))
    }

    fn pointer(kind: PointerKind, text: &str, event: Option<&str>, created: &str) -> Pointer {
        Pointer {
            id: PointerId::from_parts(1, [1; 10]),
            patient_id: PatientId::from_parts(1, [2; 10]),
            kind,
            text: text.into(),
            event_date: event.map(day),
            author: StaffId::from_parts(1, [3; 10]),
            author_name: "Front desk".into(),
            author_role: Role::FrontDesk,
            clinic: "Test clinic".into(),
            source: Source::Call,
            created_at: at(created),
            supersedes: None,
            retracted_at: None,
            marks: Vec::new(),
        }
    }

    fn used(on: &str) -> PointerMark {
        PointerMark {
            kind: MarkKind::Used,
            by: StaffId::from_parts(1, [4; 10]),
            by_name: "Nurse".into(),
            at: at(on),
            note: None,
        }
    }

    #[test]
    fn a_wedding_next_month_is_something_to_talk_about() {
        let p = pointer(PointerKind::LifeEvent, "Daughter's wedding", Some("2026-12-12"), "2026-11-01");
        assert_eq!(p.state_on(day("2026-11-23")), PointerState::Active);
        assert_eq!(p.state_on(day("2026-12-12")), PointerState::Active, "on the day itself it is still ahead");
    }

    #[test]
    fn a_wedding_pointer_dated_yesterday_asks_how_the_wedding_went() {
        let p = pointer(PointerKind::LifeEvent, "Daughter's wedding", Some("2026-11-22"), "2026-11-01");
        assert_eq!(p.state_on(day("2026-11-23")), PointerState::AskHowItWent);
        assert_eq!(p.prompt_on(day("2026-11-23")), "Ask how it went: Daughter's wedding");
    }

    #[test]
    fn once_someone_asked_how_it_went_the_event_pointer_retires() {
        let mut p = pointer(PointerKind::Travel, "Holiday in Goa", Some("2026-11-10"), "2026-11-01");
        p.marks.push(used("2026-11-05"));
        assert_eq!(p.state_on(day("2026-11-23")), PointerState::AskHowItWent, "asking before the trip does not count");
        p.marks.push(used("2026-11-20"));
        assert_eq!(p.state_on(day("2026-11-23")), PointerState::Retired);
    }

    #[test]
    fn an_event_a_month_and_more_ago_retires_even_if_nobody_asked() {
        let p = pointer(PointerKind::LifeEvent, "Moved house", Some("2026-09-01"), "2026-08-01");
        assert_eq!(p.state_on(day("2026-10-01")), PointerState::AskHowItWent);
        assert_eq!(p.state_on(day("2026-10-02")), PointerState::Retired);
    }

    #[test]
    fn undated_pointers_fade_unless_someone_confirms_them() {
        let mut p = pointer(PointerKind::Hobby, "Plays cricket on Sundays", None, "2026-01-01");
        assert_eq!(p.state_on(day("2026-06-01")), PointerState::Active);
        assert_eq!(p.state_on(day("2026-08-01")), PointerState::Fading);
        assert_eq!(p.prompt_on(day("2026-08-01")), "Still true? Plays cricket on Sundays");
        assert_eq!(p.state_on(day("2027-02-01")), PointerState::Retired);
        p.marks.push(PointerMark { kind: MarkKind::Confirmed, ..used("2026-12-01") });
        assert_eq!(p.state_on(day("2027-02-01")), PointerState::Active, "a confirmation makes it fresh again");
    }

    #[test]
    fn avoid_topics_never_become_conversation_starters_nor_age_away() {
        let p = pointer(PointerKind::AvoidTopic, "Husband passed away", None, "2020-01-01");
        assert_eq!(p.state_on(day("2026-11-23")), PointerState::Avoid);
        assert_eq!(p.prompt_on(day("2026-11-23")), "Avoid: Husband passed away");
    }

    #[test]
    fn a_retracted_pointer_is_not_shown() {
        let mut p = pointer(PointerKind::Work, "New job at the bank", None, "2026-11-01");
        p.retracted_at = Some(at("2026-11-02"));
        assert_eq!(p.state_on(day("2026-11-23")), PointerState::Retracted);
        assert!(!p.state_on(day("2026-11-23")).is_shown());
    }

    #[test]
    fn pointers_recorded_after_the_last_visit_are_new_to_the_doctor() {
        let p = pointer(PointerKind::Family, "New grandson", None, "2026-11-20");
        assert!(p.is_new_since(Some(at("2026-11-01"))));
        assert!(!p.is_new_since(Some(at("2026-11-21"))));
        assert!(p.is_new_since(None), "a first visit makes everything new");
    }

    #[test]
    fn kinds_parse_from_their_command_line_spelling() {
        for kind in PointerKind::ALL {
            assert_eq!(kind.as_str().parse::<PointerKind>(), Ok(kind));
        }
        assert_eq!("avoid_topic".parse::<PointerKind>(), Ok(PointerKind::AvoidTopic));
        assert!("gossip".parse::<PointerKind>().is_err());
    }

    #[test]
    fn pointer_text_is_trimmed_and_bounded() {
        assert_eq!(validate_text("  back from Goa "), Ok("back from Goa".into()));
        assert_eq!(validate_text("   "), Err(PointerError::Empty));
        assert_eq!(
            validate_text(&"x".repeat(501)),
            Err(PointerError::Text(crate::text::TextError::TooLong("pointer text", 500)))
        );
    }
}
