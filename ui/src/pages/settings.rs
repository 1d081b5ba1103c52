//! Desk settings, for managers and admins: how soon an idle desk locks itself, the clinic's
//! staff, the doctors' hours and time off, enrolling the desk with head office, and the clinic's
//! messages to patients.

use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::app::Desk;
use crate::pages::head_office::EnrollSection;
use crate::pages::hours::HoursSection;
use crate::pages::messaging::Messaging;
use crate::pages::staff::StaffSection;
use crate::{api, t};

const CHOICES: [u32; 6] = [1, 2, 5, 10, 15, 30];

#[component]
pub fn Settings() -> Html {
    let Some(desk) = use_context::<Desk>() else { return html! {} };
    let error = use_state(|| None::<String>);
    let saved = use_state(|| false);
    let current = desk.state.idle_lock_seconds / 60;
    let onchange = {
        let (desk, error, saved) = (desk.clone(), error.clone(), saved.clone());
        Callback::from(move |e: Event| {
            let Ok(minutes) = e.target_unchecked_into::<HtmlSelectElement>().value().parse::<u32>() else { return };
            let (desk, error, saved) = (desk.clone(), error.clone(), saved.clone());
            spawn_local(async move {
                match api::set_idle_lock(minutes).await {
                    Ok(s) => {
                        saved.set(true);
                        desk.set_state.emit(s);
                    }
                    Err(e) => error.set(desk.message(e)),
                }
            });
        })
    };
    html! {
        <>
        <section class="card narrow" aria-labelledby="settings-title">
            <h1 id="settings-title">{t!("settings-title")}</h1>
            <label for="idle-lock">{t!("settings-idle-lock")}</label>
            <select id="idle-lock" {onchange}>
                { for CHOICES.iter().map(|m| html! { <option value={m.to_string()} selected={*m == current}>{t!("minutes", minutes = *m)}</option> }) }
            </select>
            <p class="hint">{t!("settings-idle-lock-hint")}</p>
            if *saved { <p class="success" role="status">{t!("settings-saved")}</p> }
            if let Some(message) = (*error).clone() { <p class="error" role="alert">{message}</p> }
        </section>
        <StaffSection />
        <HoursSection />
        <EnrollSection />
        <Messaging />
        </>
    }
}
