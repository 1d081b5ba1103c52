//! A doctor's week at a glance: each day's sessions (or why there are none: leave, a clinic
//! holiday, a day off), the appointments booked, and how many slots are still free. The
//! previous and next week are a key away (`[` and `]`).

use chrono::Duration;
use rapport_model::schedule::format_sessions;
use rapport_model::view::WeekView;
use rapport_model::{AppointmentStatus, StaffId};
use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::app::{Desk, Page};
use crate::components::use_doctors;
use crate::{api, format, i18n, t};

#[derive(Properties, PartialEq)]
pub struct WeekProps {
    pub doctor: Option<StaffId>,
}

#[component]
pub fn Week(props: &WeekProps) -> Html {
    let Some(desk) = use_context::<Desk>() else { return html! {} };
    let doctor = use_state(|| props.doctor);
    let from = use_state(|| desk.state.today);
    let week = use_state(|| None::<WeekView>);
    let error = use_state(|| None::<String>);
    let doctors = use_doctors(Some(doctor.clone()), Some(error.clone()));
    {
        let (week, error, desk) = (week.clone(), error.clone(), desk.clone());
        use_effect_with((*doctor, *from), move |&(doctor, from)| {
            if let Some(doctor) = doctor {
                spawn_local(async move {
                    match api::doctor_week(doctor, from).await {
                        Ok(w) => {
                            error.set(None);
                            week.set(Some(w));
                        }
                        Err(e) => error.set(desk.message(e)),
                    }
                });
            }
        });
    }
    let on_doctor = {
        let doctor = doctor.clone();
        Callback::from(move |e: Event| doctor.set(e.target_unchecked_into::<HtmlSelectElement>().value().parse().ok()))
    };
    let shift = |days: i64| {
        let from = from.clone();
        Callback::from(move |_: MouseEvent| from.set(*from + Duration::days(days)))
    };
    let onkeydown = {
        let from = from.clone();
        Callback::from(move |e: KeyboardEvent| match e.key().as_str() {
            "[" => from.set(*from - Duration::days(7)),
            "]" => from.set(*from + Duration::days(7)),
            _ => {}
        })
    };
    let today = desk.state.today;
    let back = desk.navigate.reform(|_: MouseEvent| Page::Schedule);
    html! {
        <div {onkeydown}>
            <div class="toolbar">
                <div>
                    <h1>{t!("week-title")}</h1>
                    if let Some(w) = &*week {
                        <p class="hint">{t!("week-doctor-slots", doctor = w.doctor.name.as_str(), minutes = w.slot_minutes)}</p>
                    }
                </div>
                <div>
                    <label for="week-doctor">{t!("week-doctor")}</label>
                    <select id="week-doctor" onchange={on_doctor}>
                        { for doctors.iter().map(|d| html! {
                            <option value={d.id.to_string()} selected={*doctor == Some(d.id)}>{d.name.clone()}</option>
                        }) }
                    </select>
                </div>
                <div class="row-actions">
                    <button class="quiet" id="week-prev" onclick={shift(-7)} title={t!("week-previous-title")}>{t!("week-previous")}</button>
                    <button class="quiet" onclick={{ let from = from.clone(); move |_| from.set(today) }}>{t!("week-this-week")}</button>
                    <button class="quiet" id="week-next" onclick={shift(7)} title={t!("week-next-title")}>{t!("week-next")}</button>
                    <button class="quiet" onclick={back}>{t!("week-todays-list")}</button>
                </div>
            </div>
            if let Some(message) = (*error).clone() { <p class="error" role="alert">{message}</p> }
            if let Some(w) = &*week {
                <div class="week" id="week">
                    { for w.days.iter().map(|d| html! {
                        <section class={classes!("week-day", (d.day == today).then_some("today"), d.off.is_some().then_some("off"))}
                            data-day={d.day.to_string()} aria-label={format::day(d.day)}>
                            <h2>{format::day_short(d.day)}</h2>
                            { match &d.off {
                                Some(off) => html! { <p class="day-off">{capitalised(&i18n::day_off(off))}</p> },
                                None => html! { <>
                                    <p class="hint sessions">{format_sessions(&d.sessions)}</p>
                                    <p class="hint free">{free_words(d.free, d.day < today)}</p>
                                </> },
                            } }
                            <ul>
                                { for d.appointments.iter().filter(|r| r.appointment.status != AppointmentStatus::Cancelled).map(|r| html! {
                                    <li data-status={r.appointment.status.as_str()}>
                                        <span class="time">{format::time(r.appointment.starts_at)}</span>{" "}
                                        {r.patient.full_name()}
                                        if r.appointment.walk_in { <span class="tag">{" "}{t!("week-walk-in")}</span> }
                                    </li>
                                }) }
                            </ul>
                        </section>
                    }) }
                </div>
            }
        </div>
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

fn free_words(free: u32, past: bool) -> String {
    if past { String::new() } else { t!("week-free", count = free) }
}
