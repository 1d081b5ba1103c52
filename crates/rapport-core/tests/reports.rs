//! The clinic's no-show figures, checked against counts a reference in this test makes by hand
//! over generated visits (lead times across the groups' edges, confirmed or not, cancelled and
//! future visits left out).

mod common;

use chrono::{Datelike, Duration, Local, Timelike};
use common::*;
use rapport_core::{Booking, Clock, ErrorCode};
use rapport_model::reports::lead_group;
use rapport_model::{Role, StatusChange};

struct Made {
    doctor: &'static str,
    weekday: chrono::Weekday,
    hour: u32,
    lead: i64,
    confirmed: bool,
    missed: bool,
}

#[test]
fn no_show_figures_match_a_count_made_by_hand() {
    let mut c = clinic();
    let admin = c.admin.clone();
    let doctors = [
        ("Dr Rao", c.staff("dr.rao", Role::Clinician).staff().id),
        ("Dr Iyer", c.staff("dr.iyer", Role::Clinician).staff().id),
    ];
    let start = c.clock.now();
    let p = c.patient("Asha", "Test");
    let mut made = Vec::new();
    for i in 0..36_i64 {
        let (name, doctor) = doctors[usize::try_from(i % 2).unwrap_or(0)];
        let lead = [0, 1, 2, 3, 7, 8][usize::try_from(i % 6).unwrap_or(0)];
        let visit = start - Duration::days(i + 1) - Duration::hours(i % 5);
        c.clock.set(visit - Duration::days(lead) - Duration::minutes(30));
        let id = c
            .app
            .book(&admin, Booking { patient: p, doctor, starts_at: visit, minutes: 15, reason: None })
            .expect("book")
            .appointment
            .id;
        let confirmed = i % 4 == 0;
        if confirmed {
            c.app.change_status(&admin, id, StatusChange::Confirm).expect("confirm");
        }
        c.clock.set(visit + Duration::minutes(20));
        let missed = i % 3 == 0;
        let steps: &[StatusChange] = if missed {
            &[StatusChange::NoShow]
        } else {
            &[StatusChange::CheckIn, StatusChange::Seen, StatusChange::Done]
        };
        for step in steps {
            c.app.change_status(&admin, id, *step).expect("status");
        }
        let local = visit.with_timezone(&Local);
        made.push(Made { doctor: name, weekday: local.weekday(), hour: local.hour(), lead, confirmed, missed });
    }
    // Left out: a cancelled visit and one still ahead.
    c.clock.set(start - Duration::days(50));
    let gone = c
        .app
        .book(
            &admin,
            Booking {
                patient: p,
                doctor: doctors[0].1,
                starts_at: start - Duration::days(40),
                minutes: 15,
                reason: None,
            },
        )
        .expect("book")
        .appointment
        .id;
    c.app.change_status(&admin, gone, StatusChange::Cancel).expect("cancel");
    c.clock.set(start);
    c.app
        .book(
            &admin,
            Booking {
                patient: p,
                doctor: doctors[0].1,
                starts_at: start + Duration::days(2),
                minutes: 15,
                reason: None,
            },
        )
        .expect("ahead");

    let today = c.app.today();
    let rows = c.app.no_show_report(&admin, today - Duration::days(60), today).expect("report");
    let row = |dimension: &str, key: &str| {
        rows.iter().find(|r| r.dimension == dimension && r.key == key).map(|r| (r.visits, r.no_shows))
    };
    let count = |keep: &dyn Fn(&Made) -> bool| {
        let n = made.iter().filter(|m| keep(m)).count();
        let missed = made.iter().filter(|m| keep(m) && m.missed).count();
        (u32::try_from(n).unwrap_or(0), u32::try_from(missed).unwrap_or(0))
    };
    assert_eq!(row("all", "all"), Some(count(&|_| true)));
    assert_eq!(row("all", "all"), Some((36, 12)));
    for d in c.app.doctors(&admin).expect("doctors") {
        let name = doctors.iter().find(|(_, id)| *id == d.id).map(|(n, _)| *n).expect("ours");
        assert_eq!(row("doctor", &d.name), Some(count(&|m| m.doctor == name)), "{name}");
    }
    for group in ["same day", "1-2 days", "3-7 days", "8+ days"] {
        assert_eq!(row("lead", group), Some(count(&|m| lead_group(m.lead) == group)), "{group}");
    }
    for (key, confirmed) in [("yes", true), ("no", false)] {
        assert_eq!(row("confirmed", key), Some(count(&|m| m.confirmed == confirmed)));
    }
    for m in &made {
        let day = m.weekday.to_string();
        assert_eq!(row("weekday", &day), Some(count(&|o| o.weekday == m.weekday)), "{day}");
        let hour = format!("{:02}", m.hour);
        assert_eq!(row("hour", &hour), Some(count(&|o| o.hour == m.hour)), "{hour}");
    }
    assert_eq!(row("reminded", "no"), Some((36, 12)), "no reminder went (no head office here)");
    let weekdays: Vec<&str> = rows.iter().filter(|r| r.dimension == "weekday").map(|r| r.key.as_str()).collect();
    let mut sorted = weekdays.clone();
    sorted.sort_by_key(|d| d.parse::<chrono::Weekday>().map(|w| w.num_days_from_monday()).unwrap_or(9));
    assert_eq!(weekdays, sorted, "Monday first");

    let desk = c.staff("desk", Role::FrontDesk);
    assert_eq!(c.app.no_show_report(&desk, today, today).expect_err("managers").code, ErrorCode::Forbidden);
    assert_eq!(
        c.app.no_show_report(&admin, today, today - Duration::days(1)).expect_err("range").code,
        ErrorCode::InvalidInput
    );
}

#[test]
fn waiting_figures_match_a_count_made_by_hand() {
    let mut c = clinic();
    let admin = c.admin.clone();
    let dr = c.staff("dr.rao", Role::Clinician).staff().id;
    let p = c.patient("Asha", "Test");
    let start = c.clock.now();
    // Minutes from the scheduled time to being seen; the edge (30) is within, 31 is not.
    let lateness: [i64; 12] = [-5, 0, 4, 10, 18, 25, 30, 31, 40, 55, 75, 120];
    for (i, late) in lateness.iter().enumerate() {
        let visit = start - Duration::days(i64::try_from(i).unwrap_or(0) + 1);
        c.clock.set(visit - Duration::days(1));
        let id = c
            .app
            .book(&admin, Booking { patient: p, doctor: dr, starts_at: visit, minutes: 15, reason: None })
            .expect("book")
            .appointment
            .id;
        c.clock.set(visit - Duration::minutes(10));
        c.app.change_status(&admin, id, StatusChange::CheckIn).expect("arrived");
        c.clock.set(visit + Duration::minutes(*late));
        c.app.change_status(&admin, id, StatusChange::Seen).expect("seen");
    }
    c.clock.set(start);
    let today = c.app.today();
    let report = c.app.waiting_report(&admin, today - Duration::days(30), today).expect("report");
    let all = &report.rows[0];
    let mut sorted = lateness.to_vec();
    sorted.sort_unstable();
    let within = lateness.iter().filter(|m| **m <= 30).count();
    assert_eq!((all.visits, all.within_target), (12, u32::try_from(within).unwrap_or(0)));
    assert_eq!(within, 7);
    assert!(!all.meets_standard, "7 of 12 is below 90%");
    assert_eq!(all.median_minutes, sorted[5], "the 6th of 12 (nearest rank)");
    assert_eq!(all.p90_minutes, sorted[10], "the 11th of 12");
    let spread: Vec<u32> = report.distribution.iter().map(|b| b.visits).collect();
    assert_eq!(spread, vec![2, 2, 1, 2, 2, 1, 2]);
    assert_eq!(report.rows.len(), 2, "all, and the one doctor");
}
