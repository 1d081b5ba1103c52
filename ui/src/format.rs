//! Dates and times as the front desk reads them, in the computer's local time zone (through the
//! webview's `Date`, since the model's chrono has no clock), in the staff member's language:
//! day and month names come from the catalogue (`common.ftl`), in the order it gives them.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use wasm_bindgen::JsValue;

use crate::{i18n, t};

/// "Mon" / "सोम".
fn weekday_short(d: NaiveDate) -> String {
    i18n::tr(&format!("weekday-short-{}", d.weekday().num_days_from_monday()), None)
}

/// "Nov" / "नवं".
fn month_short(d: NaiveDate) -> String {
    i18n::tr(&format!("month-short-{}", d.month()), None)
}

/// "Mon 23 Nov": a day of the week near this one.
pub fn day_short(d: NaiveDate) -> String {
    t!("date-short", weekday = weekday_short(d), day = d.day(), month = month_short(d))
}

/// "23 Nov 2026".
fn date(d: NaiveDate) -> String {
    t!("date-plain", day = d.day(), month = month_short(d), year = d.year())
}

/// Now, from the webview's clock.
pub fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default()
}

fn js_date(t: DateTime<Utc>) -> js_sys::Date {
    js_sys::Date::new(&JsValue::from_f64(t.timestamp_millis() as f64))
}

/// "09:05", local time.
pub fn time(t: DateTime<Utc>) -> String {
    let d = js_date(t);
    format!("{:02}:{:02}", d.get_hours(), d.get_minutes())
}

/// The local calendar day of an instant.
pub fn local_day(t: DateTime<Utc>) -> Option<NaiveDate> {
    let d = js_date(t);
    NaiveDate::from_ymd_opt(d.get_full_year() as i32, d.get_month() + 1, d.get_date())
}

/// "Mon 23 Nov 2026".
pub fn day(d: NaiveDate) -> String {
    t!("date-day", weekday = weekday_short(d), day = d.day(), month = month_short(d), year = d.year())
}

/// "Mon 23 Nov, 09:05" (the day left out when it is `today`).
pub fn when(t: DateTime<Utc>, today: NaiveDate) -> String {
    match local_day(t) {
        Some(d) if d == today => t!("date-today-at", time = time(t)),
        Some(d) => t!("date-day-at", day = day(d), time = time(t)),
        None => time(t),
    }
}

/// "today" or "17 Nov 2026": when something was recorded.
pub fn recorded(t: DateTime<Utc>, today: NaiveDate) -> String {
    match local_day(t) {
        Some(d) if d == today => t!("today"),
        Some(d) => date(d),
        None => String::new(),
    }
}

/// "3 Jan 1961".
pub fn birth(d: NaiveDate) -> String {
    date(d)
}

/// "3 Jan 1961", "about 1961" when only an age was known, or "—".
pub fn born(date: Option<NaiveDate>, about: Option<i32>) -> String {
    match (date, about) {
        (Some(d), _) => birth(d),
        (None, Some(year)) => t!("date-about-year", year = year),
        (None, None) => "—".to_owned(),
    }
}

/// Minutes as "12 min" or "1 h 05".
pub fn minutes(m: i64) -> String {
    if m < 60 {
        t!("minutes", minutes = m)
    } else {
        t!("hours-minutes", hours = m / 60, minutes = format!("{:02}", m % 60))
    }
}

/// "1st", "2nd", "3rd", "4th", "11th", "22nd": a place in a queue (in Hindi, the number).
pub fn place(n: u32) -> String {
    if i18n::language() != rapport_model::staff::Language::En {
        return n.to_string();
    }
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}
