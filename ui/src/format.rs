//! Dates and times as the front desk reads them, in the computer's local time zone (through the
//! webview's `Date`, since the model's chrono has no clock).

use chrono::{DateTime, NaiveDate, Utc};
use wasm_bindgen::JsValue;

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
    d.format("%a %-d %b %Y").to_string()
}

/// "Mon 23 Nov, 09:05" (the day left out when it is `today`).
pub fn when(t: DateTime<Utc>, today: NaiveDate) -> String {
    match local_day(t) {
        Some(d) if d == today => format!("today, {}", time(t)),
        Some(d) => format!("{}, {}", d.format("%a %-d %b %Y"), time(t)),
        None => time(t),
    }
}

/// "today" or "17 Nov 2026": when something was recorded.
pub fn recorded(t: DateTime<Utc>, today: NaiveDate) -> String {
    match local_day(t) {
        Some(d) if d == today => "today".to_owned(),
        Some(d) => d.format("%-d %b %Y").to_string(),
        None => String::new(),
    }
}

/// "3 Jan 1961".
pub fn birth(d: NaiveDate) -> String {
    d.format("%-d %b %Y").to_string()
}

/// "3 Jan 1961", "about 1961" when only an age was known, or "—".
pub fn born(date: Option<NaiveDate>, about: Option<i32>) -> String {
    match (date, about) {
        (Some(d), _) => birth(d),
        (None, Some(year)) => format!("about {year}"),
        (None, None) => "—".to_owned(),
    }
}

/// Minutes as "12 min" or "1 h 05".
pub fn minutes(m: i64) -> String {
    if m < 60 { format!("{m} min") } else { format!("{} h {:02}", m / 60, m % 60) }
}

/// "1st", "2nd", "3rd", "4th", "11th", "22nd": a place in a queue.
pub fn place(n: u32) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}
