//! The clinic's figures, checked against counts a reference in this test makes by hand over
//! generated data: no-shows (lead times across the groups' edges, confirmed or not, cancelled
//! and future visits left out), waiting (30 minutes within, 31 not), and the profile reports
//! (visits new and returning, referral sources, places and conditions compared without case, the
//! range's last evening in it and the next day's first minutes not, an empty range).

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

/// One generated patient, as the reference below counts them.
struct Profile {
    registered: chrono::NaiveDate,
    source: Option<&'static str>,
    city: Option<&'static str>,
    area: Option<&'static str>,
    tags: Vec<&'static str>,
    visits: Vec<chrono::NaiveDate>,
}

#[test]
fn profile_figures_match_a_count_made_by_hand() {
    use std::collections::BTreeMap;

    use rapport_core::ProfileReport;
    use rapport_model::NewPatient;

    let mut c = clinic();
    let admin = c.admin.clone();
    let doctor = c.staff("dr.rao", Role::Clinician).staff().id;
    let start = c.clock.now();
    let today = c.app.today();
    let (from, to) = (today - Duration::days(60), today - Duration::days(10));
    let sources = [Some("Google"), Some("google "), Some("Friend"), None, Some("Dr Mehta")];
    let places = [(Some("Pune"), Some("Aundh")), (Some("pune"), None), (Some("Mumbai"), Some("Bandra")), (None, None)];
    let tags: [&[&str]; 4] = [&["diabetes"], &["Diabetes", "asthma"], &[], &["hypertension", "diabetes"]];
    let mut made = Vec::new();
    for i in 0..30_i64 {
        let k = usize::try_from(i).unwrap_or(0);
        // Registered from 120 days ago to today: some before the range, some within it.
        c.clock.set(start - Duration::days(120 - i * 4));
        let (city, area) = places[k % places.len()];
        let p = Profile {
            registered: c.app.today(),
            source: sources[k % sources.len()],
            city,
            area,
            tags: tags[k % tags.len()].to_vec(),
            visits: Vec::new(),
        };
        let id = c.patient_with(NewPatient {
            given: format!("P{i}"),
            family: "Profile".into(),
            referral_source: p.source.map(str::to_owned),
            city: city.map(str::to_owned),
            area: area.map(str::to_owned),
            conditions: p.tags.iter().map(|t| (*t).to_owned()).collect(),
            ..NewPatient::default()
        });
        made.push((id, p));
    }
    // Visits after each registration, 0 to 6 of them, some before the range and some after;
    // the range's last day late in the evening is in it, the next day just after midnight not.
    for (i, (id, p)) in made.iter_mut().enumerate() {
        let i = i64::try_from(i).unwrap_or(0);
        let mut days: Vec<i64> = (0..(i % 7)).map(|j| 5 + (i * 13 + j * 17) % 110).collect();
        if i == 3 {
            days.push(-1);
        }
        for (j, days_ago) in days.into_iter().enumerate() {
            let minutes = 8 * 60 + (i % 28) * 15 + i64::try_from(j).unwrap_or(0) * 7 * 60;
            let mut visit_day = today - Duration::days(days_ago);
            let mut at = Duration::minutes(minutes.min(22 * 60));
            if days_ago == -1 {
                // i == 3: one visit at 23:50 on the range's last day and one at 00:10 after it.
                visit_day = to;
                at = Duration::minutes(23 * 60 + 50);
            }
            if visit_day < p.registered {
                continue;
            }
            for (day, at) in [(visit_day, at)]
                .into_iter()
                .chain((days_ago == -1).then(|| (to + Duration::days(1), Duration::minutes(10))))
            {
                let local = day.and_hms_opt(0, 0, 0).expect("midnight") + at;
                let starts = local.and_local_timezone(chrono::Local).single().expect("local time").to_utc();
                c.clock.set(starts - Duration::hours(2));
                let appt = c
                    .app
                    .book(&admin, Booking { patient: *id, doctor, starts_at: starts, minutes: 15, reason: None })
                    .expect("book")
                    .appointment
                    .id;
                c.clock.set(starts + Duration::minutes(5));
                for step in [StatusChange::CheckIn, StatusChange::Seen, StatusChange::Done] {
                    c.app.change_status(&admin, appt, step).expect("status");
                }
                p.visits.push(day);
            }
        }
    }
    c.clock.set(start);
    let report = |c: &mut Clinic, which| -> BTreeMap<(String, String), u32> {
        c.app
            .profile_report(&admin, which, from, to)
            .expect("report")
            .into_iter()
            .map(|r| ((r.dimension, r.key), r.count))
            .collect()
    };
    let key = |d: &str, k: &str| (d.to_owned(), k.to_owned());
    let in_range = |d: &chrono::NaiveDate| (from..=to).contains(d);
    let seen: Vec<&Profile> = made.iter().map(|(_, p)| p).filter(|p| p.visits.iter().any(in_range)).collect();
    assert!(seen.len() > 10 && seen.len() < 30, "the generated data covers both sides: {}", seen.len());

    // Visits: counted by hand.
    let visits = report(&mut c, ProfileReport::Visits);
    let total: usize = seen.iter().map(|p| p.visits.iter().filter(|d| in_range(d)).count()).sum();
    let new = seen.iter().filter(|p| p.visits.iter().all(|d| *d >= from)).count();
    assert_eq!(visits[&key("visits", "all")] as usize, total);
    assert_eq!(visits[&key("patients", "seen")] as usize, seen.len());
    assert_eq!(visits[&key("patients", "new")] as usize, new);
    assert_eq!(visits[&key("patients", "returning")] as usize, seen.len() - new);
    let twice = seen.iter().filter(|p| p.visits.iter().filter(|d| in_range(d)).count() == 2).count();
    assert_eq!(visits[&key("visits per patient", "2")] as usize, twice);
    let by_month: u32 = visits.iter().filter(|((d, _), _)| d == "month").map(|(_, n)| n).sum();
    assert_eq!(by_month as usize, total, "every visit in one month");
    let p3 = &made[3].1;
    assert!(p3.visits.contains(&to) && p3.visits.contains(&(to + Duration::days(1))));

    // Referral sources of the patients registered in the range, compared without case.
    let referrals = report(&mut c, ProfileReport::Referrals);
    let registered: Vec<&Profile> =
        made.iter().map(|(_, p)| p).filter(|p| (from..=to).contains(&p.registered)).collect();
    assert_eq!(referrals[&key("registered", "all")] as usize, registered.len());
    let google =
        registered.iter().filter(|p| p.source.is_some_and(|s| s.trim().eq_ignore_ascii_case("google"))).count();
    let shown = referrals.iter().find(|((d, k), _)| d == "source" && k.eq_ignore_ascii_case("google")).map(|(_, n)| *n);
    assert_eq!(shown.unwrap_or(0) as usize, google);
    let none = registered.iter().filter(|p| p.source.is_none()).count();
    assert_eq!(referrals.get(&key("source", "not recorded")).copied().unwrap_or(0) as usize, none);
    let came = registered.iter().filter(|p| p.visits.iter().any(|d| *d >= p.registered)).count();
    assert_eq!(referrals[&key("registered", "came for a visit")] as usize, came);

    // Geography of the patients seen: Pune and pune are one city; areas within their city.
    let geo = report(&mut c, ProfileReport::Geography);
    let pune = seen.iter().filter(|p| p.city.is_some_and(|c| c.eq_ignore_ascii_case("pune"))).count();
    let pune_shown = geo.iter().find(|((d, k), _)| d == "city" && k.eq_ignore_ascii_case("pune")).map(|(_, n)| *n);
    assert_eq!(pune_shown.unwrap_or(0) as usize, pune);
    let bandra = seen.iter().filter(|p| p.area == Some("Bandra")).count();
    assert_eq!(geo.get(&key("area", "Mumbai / Bandra")).copied().unwrap_or(0) as usize, bandra);

    // Conditions: a patient counts once per tag, whatever its case.
    let conditions = report(&mut c, ProfileReport::Conditions);
    let diabetes = seen.iter().filter(|p| p.tags.iter().any(|t| t.eq_ignore_ascii_case("diabetes"))).count();
    assert_eq!(conditions[&key("condition", "diabetes")] as usize, diabetes);
    let untagged = seen.iter().filter(|p| p.tags.is_empty()).count();
    assert_eq!(conditions[&key("condition", "none recorded")] as usize, untagged);

    // No visits at all in a range: zeros, not an error.
    let empty =
        c.app.profile_report(&admin, ProfileReport::Visits, today + Duration::days(1), today + Duration::days(2));
    assert!(empty.expect("report").iter().all(|r| r.count == 0));
    // A front-desk login may not read them.
    let desk = c.staff("desk", Role::FrontDesk);
    let refused = c.app.profile_report(&desk, ProfileReport::Conditions, from, to).expect_err("managers only");
    assert_eq!(refused.code, ErrorCode::Forbidden);
}
