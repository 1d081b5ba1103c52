//! The outreach rules over random patients, pointers, consents, settings and clocks: whatever
//! the inputs, a message never goes to a deleted patient, never by a channel the patient did
//! not agree to, never inside quiet hours, never before it is due and never past its use; a
//! greeting never goes while an avoid-topic pointer is active, after an opt-out or past the cap.

use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};
use proptest::prelude::*;
use rapport_model::outreach::{MessageKind, MessagingSettings, Plan, Recipient, SkipReason, plan};
use rapport_model::{Channel, Consent, QuietHours};

fn time() -> impl Strategy<Value = NaiveTime> {
    (0u32..24, prop_oneof![Just(0u32), Just(30), 0u32..60])
        .prop_map(|(h, m)| NaiveTime::from_hms_opt(h, m, 0).expect("valid"))
}

fn quiet() -> impl Strategy<Value = QuietHours> {
    (time(), time()).prop_filter("a window", |(a, b)| a != b).prop_map(|(start, end)| QuietHours { start, end })
}

fn consent() -> impl Strategy<Value = Consent> {
    (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>(), proptest::option::of(quiet()))
        .prop_map(|(sms, email, phone, opted_out, quiet_hours)| Consent { sms, email, phone, opted_out, quiet_hours })
}

fn zone() -> impl Strategy<Value = chrono_tz::Tz> {
    prop_oneof![
        Just(chrono_tz::Asia::Kolkata),
        Just(chrono_tz::Europe::London),
        Just(chrono_tz::America::New_York),
        Just(chrono_tz::Australia::Lord_Howe),
        Just(chrono_tz::Asia::Kathmandu),
        Just(chrono_tz::UTC),
    ]
}

fn settings() -> impl Strategy<Value = MessagingSettings> {
    (zone(), quiet(), 0u32..5).prop_map(|(tz, quiet_hours, weekly_cap)| MessagingSettings {
        quiet_hours,
        weekly_cap,
        ..MessagingSettings::defaults(tz)
    })
}

fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    // 2026 to 2028, through both clock changes of the zones above.
    (1_767_225_600i64..1_830_297_600).prop_map(|s| Utc.timestamp_opt(s, 0).single().expect("valid"))
}

fn kind() -> impl Strategy<Value = MessageKind> {
    prop::sample::select(MessageKind::ALL.to_vec())
}

/// The oracle for quiet hours, by brute force: the first minute step from `from` (up to
/// `limit` steps) whose local time lies outside the clinic's and the patient's quiet hours.
/// Quiet windows are whole minutes, so a step of a minute cannot jump over a time allowed.
fn first_allowed_step(
    from: DateTime<Utc>,
    s: &MessagingSettings,
    patient: Option<QuietHours>,
    limit: i64,
) -> Option<DateTime<Utc>> {
    (0..=limit).map(|k| from + Duration::minutes(k)).find(|t| {
        let local = t.with_timezone(&s.timezone).time();
        !s.quiet_hours.contains(local) && !patient.is_some_and(|q| q.contains(local))
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn a_message_goes_only_when_and_how_the_rules_allow(
        kind in kind(),
        consent in consent(),
        s in settings(),
        has_phone in any::<bool>(),
        has_email in any::<bool>(),
        deleted in any::<bool>(),
        avoid_topic in any::<bool>(),
        cheerful_this_week in 0u32..5,
        due in instant(),
        deadline_after in proptest::option::of(0i64..3 * 24 * 60),
    ) {
        let r = Recipient { consent: &consent, has_phone, has_email, deleted, avoid_topic, cheerful_this_week };
        let deadline = deadline_after.map(|m| due + Duration::minutes(m));
        match plan(kind, &r, &s, due, deadline) {
            Plan::Send { channel, at } => {
                prop_assert!(!deleted);
                prop_assert!(!(kind.is_cheerful() && avoid_topic));
                prop_assert!(kind.is_care() || (!consent.opted_out && cheerful_this_week < s.weekly_cap));
                let agreed = match channel {
                    Channel::Sms => consent.sms && has_phone,
                    Channel::Email => consent.email && has_email,
                    Channel::Phone => consent.phone && has_phone && kind.is_care(),
                };
                prop_assert!(agreed, "{channel:?} without consent or contact");
                prop_assert!(at >= due, "sent before it was due");
                prop_assert!(deadline.is_none_or(|d| at <= d), "sent past its use");
                prop_assert!(at - due <= Duration::hours(48), "held {} hours", (at - due).num_hours());
                let local = at.with_timezone(&s.timezone).time();
                prop_assert!(!s.quiet_hours.contains(local), "inside the clinic's quiet hours at {local}");
                prop_assert!(!consent.quiet_hours.is_some_and(|q| q.contains(local)), "inside the patient's quiet hours");
                // And not later than it had to be: every minute step before it was quiet.
                let earliest = first_allowed_step(due, &s, consent.quiet_hours, 48 * 60);
                prop_assert!(
                    earliest.is_some_and(|e| at <= e && e - at < Duration::minutes(1)),
                    "the first time allowed was {earliest:?}, not {at}"
                );
            }
            Plan::Skip(reason) => {
                // Every skip has its cause in the inputs.
                let caused = match reason {
                    SkipReason::Deleted => deleted,
                    SkipReason::AvoidTopic => kind.is_cheerful() && avoid_topic,
                    SkipReason::OptedOut => !kind.is_care() && consent.opted_out,
                    SkipReason::WeeklyCap => !kind.is_care() && cheerful_this_week >= s.weekly_cap,
                    SkipReason::NoConsent => {
                        let reachable = (consent.sms && has_phone)
                            || (consent.email && has_email)
                            || (kind.may_call() && consent.phone && has_phone);
                        !reachable
                    }
                    SkipReason::TooLate => deadline.is_some_and(|d| {
                        first_allowed_step(due, &s, consent.quiet_hours, 48 * 60).is_none_or(|t| t > d)
                    }),
                    SkipReason::NoTimeOfDay => first_allowed_step(due, &s, consent.quiet_hours, 25 * 60).is_none(),
                    _ => false,
                };
                prop_assert!(caused, "skipped as {reason:?} without a cause");
            }
        }
    }
}
