//! Booking (and moving) an appointment: the usual doctor by default, the day's free slots, a
//! warning when the choice breaks continuity of care; a double booking is refused by the core.
//! A day the doctor does not work says why (leave, a clinic holiday); a patient who wants an
//! earlier slot than there is goes on the waitlist; the slot a move frees is offered to it.

use std::rc::Rc;

use chrono::NaiveDate;
use rapport_model::appointment::MAX_REASON;
use rapport_model::ipc::WaitlistArgs;
use rapport_model::view::{BookingOutcome, DaySlots, DoctorView, FreeSlot, PatientCard};
use rapport_model::{AppointmentId, Booking as NewBooking, PatientId, StaffId};
use wasm_bindgen_futures::spawn_local;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::app::{Desk, Page};
use crate::components::{WaitlistOffers, use_focus_on};
use crate::{api, format, i18n, t};

const LENGTHS: [u32; 4] = [15, 30, 45, 60];

#[derive(Properties, PartialEq)]
pub struct BookingProps {
    pub patient: PatientId,
    pub moving: Option<AppointmentId>,
}

#[component]
pub fn Booking(props: &BookingProps) -> Html {
    let Some(desk) = use_context::<Desk>() else { return html! {} };
    let card = use_state(|| None::<Rc<PatientCard>>);
    let doctors = use_state(Vec::<DoctorView>::new);
    let doctor = use_state(|| None::<StaffId>);
    let day = use_state(|| desk.state.today);
    let minutes = use_state(|| 15u32);
    let reason = use_state(String::new);
    let slots = use_state(|| None::<DaySlots>);
    let any_doctor = use_state(|| false);
    let waitlisted = use_state(|| false);
    let error = use_state(|| None::<String>);
    let outcome = use_state(|| None::<BookingOutcome>);
    let done_button = use_node_ref();
    let doctor_select = use_node_ref();
    use_focus_on(done_button.clone(), u32::from(outcome.is_some()));
    use_focus_on(doctor_select.clone(), 0);

    {
        let (card, doctors, doctor, error, desk) =
            (card.clone(), doctors.clone(), doctor.clone(), error.clone(), desk.clone());
        use_effect_with(props.patient, move |&patient| {
            spawn_local(async move {
                match (api::open_patient(patient).await, api::doctors().await) {
                    (Ok(c), Ok(d)) => {
                        doctor.set(c.patient.usual_doctor.or_else(|| d.first().map(|d| d.id)));
                        card.set(Some(Rc::new(c)));
                        doctors.set(d);
                    }
                    (Err(e), _) | (_, Err(e)) => error.set(desk.message(e)),
                }
            });
        });
    }
    {
        let (slots, error, desk) = (slots.clone(), error.clone(), desk.clone());
        use_effect_with((*doctor, *day, *minutes), move |&(doctor, day, minutes)| {
            if let Some(doctor) = doctor {
                spawn_local(async move {
                    match api::free_slots(doctor, day, minutes).await {
                        Ok(s) => slots.set(Some(s)),
                        Err(e) => error.set(desk.message(e)),
                    }
                });
            }
        });
    }
    let choose = {
        let (outcome, error, desk, reason, minutes) =
            (outcome.clone(), error.clone(), desk.clone(), reason.clone(), minutes.clone());
        let (patient, moving) = (props.patient, props.moving);
        Callback::from(move |slot: FreeSlot| {
            let (outcome, error, desk) = (outcome.clone(), error.clone(), desk.clone());
            let booking = NewBooking {
                patient,
                doctor: slot.doctor,
                starts_at: slot.starts_at,
                minutes: *minutes,
                reason: Some(reason.trim().to_owned()).filter(|r| !r.is_empty()),
            };
            spawn_local(async move {
                let result = match moving {
                    Some(id) => api::move_appointment(id, slot.starts_at, Some(slot.doctor)).await,
                    None => api::book_appointment(&booking).await,
                };
                match result {
                    Ok(o) => {
                        error.set(None);
                        outcome.set(Some(o));
                    }
                    Err(e) => error.set(desk.message(e)),
                }
            });
        })
    };
    let on_doctor = {
        let doctor = doctor.clone();
        Callback::from(move |e: Event| doctor.set(e.target_unchecked_into::<HtmlSelectElement>().value().parse().ok()))
    };
    let on_day = {
        let day = day.clone();
        Callback::from(move |e: Event| {
            if let Ok(d) = e.target_unchecked_into::<HtmlInputElement>().value().parse::<NaiveDate>() {
                day.set(d);
            }
        })
    };
    let on_minutes = {
        let minutes = minutes.clone();
        Callback::from(move |e: Event| {
            if let Ok(m) = e.target_unchecked_into::<HtmlSelectElement>().value().parse() {
                minutes.set(m);
            }
        })
    };
    let on_reason = {
        let reason = reason.clone();
        Callback::from(move |e: InputEvent| reason.set(e.target_unchecked_into::<HtmlInputElement>().value()))
    };
    let waitlist = {
        let (error, desk, waitlisted, minutes, reason, doctor, any_doctor) = (
            error.clone(),
            desk.clone(),
            waitlisted.clone(),
            minutes.clone(),
            reason.clone(),
            doctor.clone(),
            any_doctor.clone(),
        );
        let (patient, moving) = (props.patient, props.moving);
        Callback::from(move |_: MouseEvent| {
            let args = WaitlistArgs {
                patient,
                doctor: if *any_doctor { None } else { *doctor },
                minutes: *minutes,
                appointment: moving,
                note: Some(reason.trim().to_owned()).filter(|r| !r.is_empty()),
            };
            let (error, desk, waitlisted) = (error.clone(), desk.clone(), waitlisted.clone());
            spawn_local(async move {
                match api::add_to_waitlist(&args).await {
                    Ok(_) => {
                        error.set(None);
                        waitlisted.set(true);
                    }
                    Err(e) => error.set(desk.message(e)),
                }
            });
        })
    };
    let back = {
        let (navigate, patient) = (desk.navigate.clone(), props.patient);
        Callback::from(move |_: MouseEvent| navigate.emit(Page::FrontDesk(Some(patient))))
    };
    let Some(c) = (*card).clone() else {
        return html! { <div>
            if let Some(message) = (*error).clone() { <p class="error" role="alert">{message}</p> }
            <p class="hint">{t!("loading")}</p>
        </div> };
    };
    let today = desk.state.today;
    let usual = c.patient.usual_doctor;
    let breaks_continuity = usual.is_some() && *doctor != usual;
    let title = if props.moving.is_some() { t!("booking-move-title") } else { t!("booking-title") };

    if let Some(o) = (*outcome).clone() {
        return html! {
            <section class="card" aria-labelledby="booked-title" id="booking-done">
                <h1 id="booked-title">{if props.moving.is_some() { t!("booking-moved") } else { t!("booking-booked") }}</h1>
                <p class="success">{format!("{} · {} · {}", c.patient.full_name(), format::when(o.appointment.starts_at, today), t!("minutes", minutes = o.appointment.minutes))}</p>
                { for o.warnings.iter().map(|w| html! { <p class="notice" role="alert">{w.clone()}</p> }) }
                <div class="actions"><button class="primary" ref={done_button} onclick={back}>{t!("booking-back-to-patient")}</button></div>
                if let Some(slot) = o.freed { <WaitlistOffers {slot} /> }
            </section>
        };
    }
    html! {
        <section class="card" aria-labelledby="booking-title" id="booking">
            <h1 id="booking-title">{title}</h1>
            <p><strong>{c.patient.full_name()}</strong>
                {" · "}{t!("booking-usual-doctor", doctor = c.usual_doctor_name.clone().unwrap_or_else(|| t!("none")))}</p>
            <div class="toolbar">
                <div>
                    <label for="book-doctor">{t!("booking-doctor")}</label>
                    <select id="book-doctor" ref={doctor_select} onchange={on_doctor}>
                        { for doctors.iter().map(|d| html! {
                            <option value={d.id.to_string()} selected={*doctor == Some(d.id)}>
                                {if Some(d.id) == usual { t!("booking-doctor-usual", doctor = d.name.as_str()) } else { d.name.clone() }}
                            </option>
                        }) }
                    </select>
                </div>
                <div>
                    <label for="book-day">{t!("booking-day")}</label>
                    <input id="book-day" type="date" value={day.to_string()} min={today.to_string()} onchange={on_day} />
                </div>
                <div>
                    <label for="book-minutes">{t!("booking-length")}</label>
                    <select id="book-minutes" onchange={on_minutes}>
                        { for LENGTHS.iter().map(|m| html! { <option value={m.to_string()} selected={*m == *minutes}>{t!("minutes", minutes = *m)}</option> }) }
                    </select>
                </div>
                if props.moving.is_none() {
                    <div>
                        <label for="book-reason">{t!("booking-reason")}</label>
                        <input id="book-reason" value={(*reason).clone()} oninput={on_reason} maxlength={MAX_REASON.to_string()} />
                    </div>
                }
            </div>
            if breaks_continuity {
                <p class="notice" role="alert" id="continuity-warning">{t!(
                    "booking-breaks-continuity",
                    doctor = c.usual_doctor_name.clone().unwrap_or_else(|| t!("booking-another-doctor")),
                    patient = c.patient.greeting_name()
                )}</p>
            }
            if let Some(message) = (*error).clone() { <p class="error" role="alert">{message}</p> }
            <h2>{t!("booking-free-on", day = format::day(*day))}</h2>
            { match (*slots).clone() {
                None => html! { <p class="hint">{t!("booking-looking")}</p> },
                Some(DaySlots { off: Some(off), .. }) => {
                    let name = doctors.iter().find(|d| Some(d.id) == *doctor).map(|d| d.name.clone()).unwrap_or_default();
                    html! { <p class="empty" id="day-off">{t!("booking-day-off", doctor = name, why = i18n::day_off(&off))}</p> }
                }
                Some(s) if s.slots.is_empty() => html! { <p class="empty">{t!("booking-no-slots")}</p> },
                Some(s) => html! {
                    <div class="slots" role="group" aria-label={t!("booking-free-slots")} id="free-slots">
                        { for s.slots.into_iter().map(|slot| {
                            let choose = choose.clone();
                            html! { <button onclick={move |_| choose.emit(slot)}>{format::time(slot.starts_at)}</button> }
                        }) }
                    </div>
                },
            } }
            <div class="waitlist-form">
                if *waitlisted {
                    <p class="success" role="status" id="waitlist-added">{t!("booking-waitlisted", patient = c.patient.greeting_name())}</p>
                } else {
                    <p class="hint">{t!("booking-waitlist-hint")}</p>
                    <label><input type="checkbox" id="waitlist-any" checked={*any_doctor}
                        onchange={{ let any = any_doctor.clone(); move |e: Event| any.set(e.target_unchecked_into::<HtmlInputElement>().checked()) }} />
                        {" "}{t!("booking-any-doctor")}</label>
                    {" "}<button id="waitlist-add" onclick={waitlist}>{t!("booking-waitlist-add")}</button>
                }
            </div>
            <div class="actions"><button class="quiet" onclick={back}>{t!("back")}</button></div>
        </section>
    }
}
