//! The doctor's glance: one screen for the next (or chosen) patient. Read-mostly.

use std::rc::Rc;

use rapport_model::view::DoctorGlance;
use rapport_model::{PatientId, Role, StaffId};
use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::app::Desk;
use crate::components::patient_card::PatientCardView;
use crate::components::use_doctors;
use crate::{format, i18n, t};

#[derive(Properties, PartialEq)]
pub struct GlanceProps {
    pub patient: Option<PatientId>,
}

#[component]
pub fn Glance(props: &GlanceProps) -> Html {
    let Some(desk) = use_context::<Desk>() else { return html! {} };
    let me = desk.state.staff.as_ref().filter(|s| s.role == Role::Clinician).map(|s| s.id);
    let doctor = use_state(|| me);
    let chosen = use_state(|| props.patient);
    let glance = use_state(|| None::<Rc<DoctorGlance>>);
    let error = use_state(|| None::<String>);
    let doctors = use_doctors(Some(doctor.clone()), Some(error.clone()));
    let load = {
        let (glance, error, desk) = (glance.clone(), error.clone(), desk.clone());
        Callback::from(move |(doctor, patient): (StaffId, Option<PatientId>)| {
            let (glance, error, desk) = (glance.clone(), error.clone(), desk.clone());
            spawn_local(async move {
                match crate::api::doctor_glance(doctor, patient).await {
                    Ok(g) => glance.set(Some(Rc::new(g))),
                    Err(e) => error.set(desk.message(e)),
                }
            });
        })
    };
    {
        let load = load.clone();
        use_effect_with((*doctor, *chosen), move |&(doctor, patient)| {
            if let Some(d) = doctor {
                load.emit((d, patient));
            }
        });
    }
    let on_doctor = {
        let (doctor, chosen) = (doctor.clone(), chosen.clone());
        Callback::from(move |e: Event| {
            chosen.set(None);
            doctor.set(e.target_unchecked_into::<HtmlSelectElement>().value().parse().ok());
        })
    };
    let reload = {
        let (load, doctor, chosen) = (load.clone(), doctor.clone(), chosen.clone());
        Callback::from(move |_| {
            if let Some(d) = *doctor {
                load.emit((d, *chosen));
            }
        })
    };
    let focus = glance.as_ref().and_then(|g| g.card.as_ref().map(|c| c.patient.id));
    html! {
        <div class="glance" id="doctor-glance">
            <section aria-label={t!("glance-patient")}>
                if let Some(message) = (*error).clone() { <p class="error" role="alert">{message}</p> }
                { match glance.as_ref().map(|g| (g.card.clone(), g.appointment.clone())) {
                    Some((Some(card), appointment)) => html! {
                        <>
                            if let Some(a) = appointment {
                                <p class="glance-visit">
                                    <strong>{format::time(a.starts_at)}</strong>
                                    {format!(" · {}", i18n::status(a.status))}
                                    {a.reason.as_ref().map(|r| format!(" · {r}")).unwrap_or_default()}
                                    if let Some(w) = a.wait_cue(format::now()) {
                                        {format!(" · {}", t!("glance-waiting", time = format::minutes(w.minutes)))}
                                    }
                                </p>
                            }
                            <PatientCardView card={Rc::new(card)} on_changed={reload} glance=true />
                        </>
                    },
                    Some((None, _)) => html! { <div class="patient"><p class="empty">{t!("glance-nobody-else")}</p></div> },
                    None => html! { <p class="hint">{t!("loading")}</p> },
                } }
            </section>
            <aside class="card" aria-labelledby="glance-list-title">
                <label for="glance-doctor">{t!("glance-doctor")}</label>
                <select id="glance-doctor" onchange={on_doctor}>
                    { for doctors.iter().map(|d| html! { <option value={d.id.to_string()} selected={*doctor == Some(d.id)}>{d.name.clone()}</option> }) }
                </select>
                <h3 id="glance-list-title">{t!("glance-still-to-see")}</h3>
                <ul class="upcoming">
                    { for glance.iter().flat_map(|g| g.upcoming.clone()).map(|row| {
                        let (chosen, id) = (chosen.clone(), row.patient.id);
                        html! {
                            <li><button aria-current={(focus == Some(id)).to_string()} onclick={move |_| chosen.set(Some(id))}>
                                <strong>{format::time(row.appointment.starts_at)}</strong>{format!(" {} · {}", row.patient.full_name(), i18n::status(row.appointment.status))}
                            </button></li>
                        }
                    }) }
                </ul>
            </aside>
        </div>
    }
}
