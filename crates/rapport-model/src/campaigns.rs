//! Campaigns: one message to a clinic's saved segment at a set time, with a holdout group (a
//! stated share of the segment, drawn at random when the campaign runs and recorded) that is
//! sent nothing, and what came of it: who was sent what, who replied, and who booked within
//! the response window, in each group. The difference between the two groups' booking rates is
//! what the campaign itself brought ([`CampaignFigures`]); every result is computed by one
//! function, [`CampaignFigures::count`], wherever it is shown.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::ids::StaffId;
use crate::outreach::{MessageKind, MessageStatus, Slot, slots_of};
use crate::patient::Channel;

pub const MAX_CAMPAIGN_NAME: usize = 80;
/// At most half the segment is held out (a larger holdout measures better and reaches fewer).
pub const MAX_HOLDOUT_PCT: u32 = 50;
pub const DEFAULT_WINDOW_DAYS: u32 = 30;
pub const MAX_WINDOW_DAYS: u32 = 365;
/// Costs are kept in thousandths of the clinic's currency (an SMS may cost 0.125).
pub const COST_SCALE: i64 = 1000;
/// The most one message may cost, in thousandths.
pub const MAX_COST_MILLIS: i64 = 1_000_000;

/// Which text a campaign sends: the clinic's template of a kind (in each patient's language,
/// as every message chooses it), or one stored template by its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CampaignText {
    Kind(MessageKind),
    Template(Uuid),
}

impl CampaignText {
    /// Only kinds whose text needs nothing but the patient's and the clinic's name: a
    /// campaign has no appointment to name.
    pub fn kind_fits(kind: MessageKind) -> bool {
        slots_of(kind).iter().all(|s| matches!(s, Slot::Patient | Slot::Clinic))
    }
}

impl FromStr for CampaignText {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if let Ok(id) = Uuid::parse_str(s) {
            return Ok(Self::Template(id));
        }
        let kind: MessageKind =
            s.parse().map_err(|e: String| format!("the template is a stored template's id or a kind: {e}"))?;
        if !Self::kind_fits(kind) {
            return Err(format!("a campaign cannot send the {kind} text: it names an appointment"));
        }
        Ok(Self::Kind(kind))
    }
}

impl fmt::Display for CampaignText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Kind(k) => f.write_str(k.as_str()),
            Self::Template(id) => write!(f, "{id}"),
        }
    }
}

/// A campaign as a clinic's manager set it up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Campaign {
    pub id: Uuid,
    pub name: String,
    /// The saved segment's name: evaluated when the campaign runs.
    pub segment: String,
    /// [`CampaignText`] as text.
    pub template: String,
    pub channel: Channel,
    pub holdout_pct: u32,
    pub window_days: u32,
    /// What one message costs, in thousandths ([`COST_SCALE`]).
    pub cost_millis: Option<i64>,
    pub send_at: DateTime<Utc>,
    pub paused: bool,
    pub set_by: StaffId,
    pub updated_at: DateTime<Utc>,
}

/// `COST` as thousandths: `0.125` → 125. At most three decimals, never negative.
pub fn parse_cost(text: &str) -> Result<i64, String> {
    let bad = || {
        format!("a cost is an amount like 0.25 (at most {} per message, three decimals)", MAX_COST_MILLIS / COST_SCALE)
    };
    let (whole, frac) = text.trim().split_once('.').unwrap_or((text.trim(), ""));
    if whole.is_empty() && frac.is_empty()
        || frac.len() > 3
        || !(whole.chars().chain(frac.chars())).all(|c| c.is_ascii_digit())
    {
        return Err(bad());
    }
    let whole: i64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| bad())? };
    let frac: i64 = format!("{frac:0<3}").parse().map_err(|_| bad())?;
    let millis = whole.checked_mul(COST_SCALE).and_then(|w| w.checked_add(frac)).ok_or_else(bad)?;
    if millis > MAX_COST_MILLIS {
        return Err(bad());
    }
    Ok(millis)
}

/// How many of `members` are held out at `pct` percent (rounded to the nearest person).
pub fn holdout_size(members: usize, pct: u32) -> usize {
    (members * pct.min(100) as usize + 50) / 100
}

/// One person of a campaign as head office recorded them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// Where their message stands ([`MessageStatus::Holdout`] for the holdout group).
    pub status: MessageStatus,
    pub replied: bool,
    /// Their first booking made within the window (not cancelled): its clinic and doctor.
    pub booked: Option<(String, String)>,
}

/// What a campaign did: each group's size and bookings within the window, what became of the
/// messages, and what it cost.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CampaignFigures {
    /// The segment's size when the campaign ran.
    pub members: u64,
    /// Meant to be sent (the segment less the holdout).
    pub sent_group: u64,
    pub holdout: u64,
    /// Handed to the gateway.
    pub sent: u64,
    pub delivered: u64,
    /// Did not reach the patient (failed, or the operator could not deliver it).
    pub failed: u64,
    pub replied: u64,
    /// Not sent by the rules (no consent for the channel, opted out, the weekly cap, an
    /// avoid-topic pointer, deleted since) or waiting still.
    pub not_sent: u64,
    pub waiting: u64,
    pub booked_sent: u64,
    pub booked_holdout: u64,
    /// Bookings per sent-group member and per holdout member (each over the whole group,
    /// whether or not its message could go: the groups were drawn alike).
    pub rate_sent: Option<f64>,
    pub rate_holdout: Option<f64>,
    /// `rate_sent - rate_holdout`, in percentage points.
    pub lift: Option<f64>,
    /// What the messages sent cost, in the clinic's currency.
    pub cost: Option<f64>,
    /// The cost over the sent group's bookings.
    pub cost_per_booking: Option<f64>,
    /// The cost over the bookings the campaign added (beyond the holdout's rate): none when it
    /// added none.
    pub cost_per_extra_booking: Option<f64>,
    /// The sent group's bookings by clinic and by doctor (display names).
    pub booked_by_clinic: BTreeMap<String, u64>,
    pub booked_by_doctor: BTreeMap<String, u64>,
    /// The response window has ended: the figures are final but for late delivery reports.
    pub window_closed: bool,
}

impl CampaignFigures {
    pub fn count(members: &[Member], cost_millis: Option<i64>, window_closed: bool) -> Self {
        use MessageStatus as S;
        let mut f = Self { members: members.len() as u64, window_closed, ..Self::default() };
        for m in members {
            if m.status == S::Holdout {
                f.holdout += 1;
                f.booked_holdout += u64::from(m.booked.is_some());
                continue;
            }
            f.sent_group += 1;
            match m.status {
                S::Sent | S::Delivered | S::Uncertain => f.sent += 1,
                S::Undeliverable => {
                    f.sent += 1;
                    f.failed += 1;
                }
                S::Failed => f.failed += 1,
                S::Queued | S::Claimed | S::Paused => f.waiting += 1,
                S::Skipped | S::Cancelled | S::Call | S::Holdout => f.not_sent += 1,
            }
            f.delivered += u64::from(m.status == S::Delivered);
            f.replied += u64::from(m.replied);
            if let Some((clinic, doctor)) = &m.booked {
                f.booked_sent += 1;
                *f.booked_by_clinic.entry(clinic.clone()).or_default() += 1;
                *f.booked_by_doctor.entry(doctor.clone()).or_default() += 1;
            }
        }
        let rate = |booked: u64, of: u64| (of > 0).then(|| booked as f64 / of as f64);
        f.rate_sent = rate(f.booked_sent, f.sent_group);
        f.rate_holdout = rate(f.booked_holdout, f.holdout);
        f.lift = f.rate_sent.zip(f.rate_holdout).map(|(s, h)| (s - h) * 100.0);
        f.cost = cost_millis.map(|c| (c * f.sent as i64) as f64 / COST_SCALE as f64);
        f.cost_per_booking = f.cost.filter(|_| f.booked_sent > 0).map(|c| c / f.booked_sent as f64);
        let extra = f.rate_sent.zip(f.rate_holdout).map(|(s, h)| (s - h) * f.sent_group as f64);
        f.cost_per_extra_booking = f.cost.zip(extra.filter(|e| *e > 0.0)).map(|(c, e)| c / e);
        f
    }
}

/// A campaign's results as head office last counted them (a replicated record of head
/// office's own, keyed by the campaign's id).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignResult {
    pub campaign: Uuid,
    /// When it ran (its members drawn), if it has.
    pub ran_at: Option<DateTime<Utc>>,
    pub figures: CampaignFigures,
    pub updated_at: DateTime<Utc>,
}

/// A campaign and how it stands, as the desk lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignView {
    pub campaign: Campaign,
    pub result: Option<CampaignResult>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn costs_are_read_exactly() {
        assert_eq!(parse_cost("0.125"), Ok(125));
        assert_eq!(parse_cost("2"), Ok(2000));
        assert_eq!(parse_cost(".5"), Ok(500));
        assert_eq!(parse_cost("1000"), Ok(1_000_000));
        for bad in ["", ".", "-1", "0.1234", "1e3", "1001", "abc", "1,5"] {
            assert!(parse_cost(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn holdout_rounds_to_the_nearest_person() {
        assert_eq!(holdout_size(0, 10), 0);
        assert_eq!(holdout_size(15, 10), 2);
        assert_eq!(holdout_size(14, 10), 1);
        assert_eq!(holdout_size(200, 50), 100);
    }

    #[test]
    fn texts_that_name_an_appointment_cannot_be_sent_to_a_segment() {
        assert_eq!("recall".parse::<CampaignText>(), Ok(CampaignText::Kind(MessageKind::Recall)));
        assert_eq!("campaign".parse::<CampaignText>(), Ok(CampaignText::Kind(MessageKind::Campaign)));
        assert!("reminder".parse::<CampaignText>().is_err());
        assert!("no-show".parse::<CampaignText>().is_err());
        let id = Uuid::from_u128(7);
        assert_eq!(id.to_string().parse::<CampaignText>(), Ok(CampaignText::Template(id)));
    }

    fn member(status: MessageStatus, booked: bool) -> Member {
        Member { status, replied: false, booked: booked.then(|| ("North".to_owned(), "Dr A".to_owned())) }
    }

    #[test]
    fn figures_compare_the_groups_over_their_whole_size() {
        use MessageStatus as S;
        let mut members = vec![member(S::Delivered, true), member(S::Delivered, true), member(S::Skipped, true)];
        members.extend((0..7).map(|_| member(S::Delivered, false)));
        members.extend([member(S::Holdout, true), member(S::Holdout, false), member(S::Holdout, false)]);
        members.push(member(S::Holdout, false));
        let f = CampaignFigures::count(&members, Some(250), true);
        assert_eq!((f.members, f.sent_group, f.holdout), (14, 10, 4));
        assert_eq!((f.sent, f.delivered, f.not_sent), (9, 9, 1));
        assert_eq!((f.booked_sent, f.booked_holdout), (3, 1));
        assert_eq!(f.rate_sent, Some(0.3));
        assert_eq!(f.rate_holdout, Some(0.25));
        assert!((f.lift.expect("lift") - 5.0).abs() < 1e-9);
        assert_eq!(f.cost, Some(2.25));
        assert_eq!(f.cost_per_booking, Some(0.75));
        // 0.05 × 10 = half a booking more than the holdout's rate would give.
        assert!((f.cost_per_extra_booking.expect("cost") - 4.5).abs() < 1e-9);
        assert_eq!(f.booked_by_doctor.get("Dr A"), Some(&3));
    }

    #[test]
    fn no_holdout_means_no_lift_and_no_bookings_no_cost_per_booking() {
        let f = CampaignFigures::count(&[member(MessageStatus::Sent, false)], Some(100), false);
        assert_eq!((f.lift, f.cost_per_booking, f.cost_per_extra_booking), (None, None, None));
        assert_eq!(f.cost, Some(0.1));
    }
}
