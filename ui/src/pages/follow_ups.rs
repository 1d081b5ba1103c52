//! Follow-ups: tasks such as calling back a patient who missed an appointment.

use rapport_model::view::FollowUpRow;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::app::{Desk, Page};
use crate::{api, format};

#[component]
pub fn FollowUps() -> Html {
    let Some(desk) = use_context::<Desk>() else { return html! {} };
    let rows = use_state(|| None::<Vec<FollowUpRow>>);
    let error = use_state(|| None::<String>);
    let reload = {
        let (rows, error, desk) = (rows.clone(), error.clone(), desk.clone());
        Callback::from(move |_: ()| {
            let (rows, error, desk) = (rows.clone(), error.clone(), desk.clone());
            spawn_local(async move {
                match api::follow_ups().await {
                    Ok(r) => rows.set(Some(r)),
                    Err(e) => error.set(desk.message(e)),
                }
            });
        })
    };
    {
        let reload = reload.clone();
        use_effect_with((), move |_| reload.emit(()));
    }
    let today = desk.state.today;
    html! {
        <section aria-labelledby="follow-ups-title" class="follow-ups" id="follow-ups">
            <h1 id="follow-ups-title">{"Follow-ups"}</h1>
            <p class="hint">{"Patients to call back: missed appointments and other open tasks, oldest first."}</p>
            if let Some(message) = (*error).clone() { <p class="error" role="alert">{message}</p> }
            { match (*rows).clone() {
                None => html! { <p class="hint">{"Loading…"}</p> },
                Some(r) if r.is_empty() => html! { <p class="empty">{"Nothing to follow up. Well done."}</p> },
                Some(r) => html! {
                    <ul>
                        { for r.into_iter().map(|row| {
                            let (navigate, id) = (desk.navigate.clone(), row.patient.id);
                            let (reload, error, desk2, follow_up) = (reload.clone(), error.clone(), desk.clone(), row.follow_up.id);
                            let done = move |_: MouseEvent| {
                                let (reload, error, desk) = (reload.clone(), error.clone(), desk2.clone());
                                spawn_local(async move {
                                    match api::finish_follow_up(follow_up).await {
                                        Ok(()) => reload.emit(()),
                                        Err(e) => error.set(desk.message(e)),
                                    }
                                });
                            };
                            html! {
                                <li>
                                    <div>
                                        <strong>{row.patient.full_name()}</strong>
                                        {format!(" · {}", row.patient.phone.clone().unwrap_or_default())}
                                        <div class="hint">{format!("{} · since {}", row.follow_up.reason, format::when(row.follow_up.created_at, today))}</div>
                                    </div>
                                    <div class="row-actions">
                                        <button onclick={move |_| navigate.emit(Page::FrontDesk(Some(id)))}>{"Open patient"}</button>
                                        <button class="quiet" onclick={done}>{"Done"}</button>
                                    </div>
                                </li>
                            }
                        }) }
                    </ul>
                },
            } }
        </section>
    }
}
