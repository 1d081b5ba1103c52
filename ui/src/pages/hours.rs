//! A clinic's schedules, for managers: each doctor's working hours per weekday (several
//! sessions a day) and slot grid, and time off: a doctor's leave or a day the whole clinic is
//! closed. Free slots, booking and moving follow them on every desk of the clinic.

use chrono::NaiveDate;
use rapport_model::StaffId;
use rapport_model::ipc::{HoursArgs, TimeOffArgs};
use rapport_model::schedule::{self, SLOT_CHOICES, TimeOff, Week, format_sessions, parse_sessions};
use wasm_bindgen_futures::spawn_local;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::app::Desk;
use crate::components::use_doctors;
use crate::{api, format, i18n, t};

/// The ids of the weekday fields, Monday first.
const DAY_IDS: [&str; 7] = ["hours-mon", "hours-tue", "hours-wed", "hours-thu", "hours-fri", "hours-sat", "hours-sun"];

fn value(node: &NodeRef) -> String {
    node.cast::<HtmlInputElement>().map(|i| i.value()).unwrap_or_default()
}

#[component]
pub fn HoursSection() -> Html {
    let Some(desk) = use_context::<Desk>() else { return html! {} };
    let doctor = use_state(|| None::<StaffId>);
    let hours = use_state(|| None::<schedule::DoctorHours>);
    let time_off = use_state(Vec::<TimeOff>::new);
    let said = use_state(|| None::<String>);
    let error = use_state(|| None::<String>);
    let doctors = use_doctors(Some(doctor.clone()), Some(error.clone()));
    let days: [NodeRef; 7] = std::array::from_fn(|_| NodeRef::default());
    let days = use_state(move || days);
    let slot = use_node_ref();
    let (off_who, off_first, off_last, off_reason) = (use_node_ref(), use_node_ref(), use_node_ref(), use_node_ref());
    let load_off = {
        let (time_off, error, desk) = (time_off.clone(), error.clone(), desk.clone());
        Callback::from(move |()| {
            let (time_off, error, desk) = (time_off.clone(), error.clone(), desk.clone());
            spawn_local(async move {
                match api::time_off().await {
                    Ok(t) => time_off.set(t),
                    Err(e) => error.set(desk.message(e)),
                }
            });
        })
    };
    {
        let load_off = load_off.clone();
        use_effect_with((), move |_| load_off.emit(()));
    }
    {
        let (hours, error, desk) = (hours.clone(), error.clone(), desk.clone());
        use_effect_with(*doctor, move |&doctor| {
            if let Some(doctor) = doctor {
                spawn_local(async move {
                    match api::doctor_hours(doctor).await {
                        Ok(h) => hours.set(Some(h)),
                        Err(e) => error.set(desk.message(e)),
                    }
                });
            }
        });
    }
    let on_doctor = {
        let (doctor, said) = (doctor.clone(), said.clone());
        Callback::from(move |e: Event| {
            said.set(None);
            doctor.set(e.target_unchecked_into::<HtmlSelectElement>().value().parse().ok());
        })
    };
    let save = {
        let (doctor, days, slot, hours, said, error, desk) =
            (doctor.clone(), days.clone(), slot.clone(), hours.clone(), said.clone(), error.clone(), desk.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(doctor) = *doctor else { return };
            let mut week = Week::default();
            for (i, node) in days.iter().enumerate() {
                match parse_sessions(&value(node)) {
                    Ok(sessions) => week.0[i] = sessions,
                    Err(_) => {
                        let day = i18n::weekday(schedule::weekdays().nth(i).unwrap_or(chrono::Weekday::Mon));
                        error.set(Some(t!("hours-bad-day", day = day)));
                        return;
                    }
                }
            }
            let slot_minutes = slot
                .cast::<HtmlSelectElement>()
                .and_then(|s| s.value().parse().ok())
                .unwrap_or(schedule::DEFAULT_SLOT_MINUTES);
            let args = HoursArgs { doctor, week, slot_minutes };
            let (hours, said, error, desk) = (hours.clone(), said.clone(), error.clone(), desk.clone());
            spawn_local(async move {
                match api::set_doctor_hours(&args).await {
                    Ok(h) => {
                        error.set(None);
                        said.set(Some(t!("hours-saved")));
                        hours.set(Some(h));
                    }
                    Err(e) => error.set(desk.message(e)),
                }
            });
        })
    };
    let add_off = {
        let (off_who, off_first, off_last, off_reason, said, error, desk, load_off) = (
            off_who.clone(),
            off_first.clone(),
            off_last.clone(),
            off_reason.clone(),
            said.clone(),
            error.clone(),
            desk.clone(),
            load_off.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let doctor = off_who.cast::<HtmlSelectElement>().and_then(|s| s.value().parse::<StaffId>().ok());
            let first = value(&off_first).parse::<NaiveDate>();
            let last = value(&off_last).parse::<NaiveDate>().or(first);
            let (Ok(first_day), Ok(last_day)) = (first, last) else {
                error.set(Some(t!("hours-choose-days")));
                return;
            };
            let reason = Some(value(&off_reason)).filter(|r| !r.trim().is_empty());
            let args = TimeOffArgs { doctor, first_day, last_day, reason };
            let (said, error, desk, load_off) = (said.clone(), error.clone(), desk.clone(), load_off.clone());
            spawn_local(async move {
                match api::add_time_off(&args).await {
                    Ok(added) => {
                        error.set(None);
                        said.set(Some(t!("hours-time-off-added", booked = added.booked)));
                        load_off.emit(());
                    }
                    Err(e) => error.set(desk.message(e)),
                }
            });
        })
    };
    let remove_off = {
        let (error, desk, load_off) = (error.clone(), desk.clone(), load_off.clone());
        Callback::from(move |id: uuid::Uuid| {
            let (error, desk, load_off) = (error.clone(), desk.clone(), load_off.clone());
            spawn_local(async move {
                match api::remove_time_off(id).await {
                    Ok(()) => load_off.emit(()),
                    Err(e) => error.set(desk.message(e)),
                }
            });
        })
    };
    let name_of = |id: Option<StaffId>| match id {
        None => t!("hours-whole-clinic"),
        Some(id) => doctors.iter().find(|d| d.id == id).map(|d| d.name.clone()).unwrap_or_else(|| t!("hours-a-doctor")),
    };
    let today = desk.state.today;
    html! {
        <section class="card" id="hours" aria-labelledby="hours-title">
            <h2 id="hours-title">{t!("hours-title")}</h2>
            <form class="hours-form" id="hours-form" onsubmit={save} key={doctor.map(|d| d.to_string()).unwrap_or_default()}
                data-doctor={hours.as_ref().map(|h| name_of(Some(h.doctor))).unwrap_or_default()}>
                <label for="hours-doctor">{t!("hours-doctor")}</label>
                <select id="hours-doctor" onchange={on_doctor}>
                    { for doctors.iter().map(|d| html! {
                        <option value={d.id.to_string()} selected={*doctor == Some(d.id)}>{d.name.clone()}</option>
                    }) }
                </select>
                if let Some(h) = hours.as_ref().filter(|h| Some(h.doctor) == *doctor) {
                    <p class="hint">{t!("hours-sessions-hint")}</p>
                    <div class="hours-week">
                        { for schedule::weekdays().enumerate().map(|(i, day)| html! {
                            <div>
                                <label for={DAY_IDS[i]}>{i18n::weekday(day)}</label>
                                <input id={DAY_IDS[i]} ref={days[i].clone()} value={format_sessions(h.week.on(day))}
                                    placeholder={t!("hours-day-off")} />
                            </div>
                        }) }
                    </div>
                    <div class="inline-row">
                        <div>
                            <label for="hours-slot">{t!("hours-slots-every")}</label>
                            <select id="hours-slot" ref={slot}>
                                { for SLOT_CHOICES.iter().map(|m| html! {
                                    <option value={m.to_string()} selected={*m == h.slot_minutes}>{t!("minutes", minutes = *m)}</option>
                                }) }
                            </select>
                        </div>
                        <button class="primary" id="hours-save" type="submit">{t!("hours-save")}</button>
                    </div>
                }
            </form>
            if let Some(message) = (*said).clone() { <p class="success" role="status" id="hours-said">{message}</p> }
            if let Some(message) = (*error).clone() { <p class="error" role="alert" id="hours-error">{message}</p> }
            <h3>{t!("hours-time-off")}</h3>
            if time_off.is_empty() {
                <p class="hint">{t!("hours-no-time-off")}</p>
            } else {
                <table id="time-off">
                    <thead><tr><th>{t!("hours-who")}</th><th>{t!("hours-from")}</th><th>{t!("hours-to")}</th><th>{t!("hours-why")}</th><th><span class="sr-only">{t!("actions")}</span></th></tr></thead>
                    <tbody>
                        { for time_off.iter().map(|t| {
                            let (remove, id) = (remove_off.clone(), t.id);
                            html! {
                                <tr>
                                    <td>{name_of(t.doctor)}</td>
                                    <td>{format::day(t.first_day)}</td>
                                    <td>{format::day(t.last_day)}</td>
                                    <td>{t.reason.clone().unwrap_or_default()}</td>
                                    <td><button class="quiet" onclick={move |_| remove.emit(id)}>{t!("remove")}</button></td>
                                </tr>
                            }
                        }) }
                    </tbody>
                </table>
            }
            <form class="inline-row" id="time-off-form" onsubmit={add_off}>
                <div>
                    <label for="off-who">{t!("hours-who")}</label>
                    <select id="off-who" ref={off_who}>
                        { for doctors.iter().map(|d| html! { <option value={d.id.to_string()}>{d.name.clone()}</option> }) }
                        <option value="clinic">{t!("hours-whole-clinic-holiday")}</option>
                    </select>
                </div>
                <div>
                    <label for="off-first">{t!("hours-from")}</label>
                    <input id="off-first" type="date" ref={off_first} min={today.to_string()} />
                </div>
                <div>
                    <label for="off-last">{t!("hours-to-if-more")}</label>
                    <input id="off-last" type="date" ref={off_last} min={today.to_string()} />
                </div>
                <div>
                    <label for="off-reason">{t!("hours-why-optional")}</label>
                    <input id="off-reason" ref={off_reason} maxlength={schedule::MAX_NOTE.to_string()} />
                </div>
                <button id="off-add" type="submit">{t!("hours-add-time-off")}</button>
            </form>
        </section>
    }
}
