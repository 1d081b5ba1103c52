//! The call list: who to phone today and why (missed visits, follow-ups, replies to read,
//! messages that did not arrive, recalls due), with how each call went.

use rapport_model::calls::{CallItem, CallOutcome};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::api;
use crate::app::{Desk, Page};

#[component]
pub fn CallList() -> Html {
    let Some(desk) = use_context::<Desk>() else { return html! {} };
    let rows = use_state(|| None::<Vec<CallItem>>);
    let error = use_state(|| None::<String>);
    let notice = use_state(|| None::<String>);
    let reload = {
        let (rows, error, desk) = (rows.clone(), error.clone(), desk.clone());
        Callback::from(move |_: ()| {
            let (rows, error, desk) = (rows.clone(), error.clone(), desk.clone());
            spawn_local(async move {
                match api::call_list().await {
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
    let record = {
        let (reload, error, notice, desk) = (reload.clone(), error.clone(), notice.clone(), desk.clone());
        Callback::from(move |(call, name, outcome): (CallItem, String, CallOutcome)| {
            let (reload, error, notice, desk) = (reload.clone(), error.clone(), notice.clone(), desk.clone());
            spawn_local(async move {
                match api::finish_call(call.id, outcome).await {
                    Ok(_) => {
                        let left = if outcome.closes() { "done" } else { "kept on the list to try again" };
                        notice.set(Some(format!("{name}: {} — {left}.", outcome.label())));
                        error.set(None);
                        reload.emit(());
                    }
                    Err(e) => error.set(desk.message(e)),
                }
            });
        })
    };
    html! {
        <section aria-labelledby="call-list-title" class="call-list" id="call-list">
            <h1 id="call-list-title">{"Call list"}</h1>
            <p class="hint">{"Who to phone today, earliest first. Say how each call went; anything but “No answer” takes it off every desk’s list."}</p>
            if let Some(message) = (*error).clone() { <p class="error" role="alert">{message}</p> }
            if let Some(message) = (*notice).clone() { <p class="notice" role="status" id="call-notice">{message}</p> }
            { match (*rows).clone() {
                None => html! { <p class="hint">{"Loading…"}</p> },
                Some(r) if r.is_empty() => html! { <p class="empty">{"Nobody to call. Well done."}</p> },
                Some(r) => html! {
                    <ul>
                        { for r.into_iter().map(|call| {
                            let (navigate, id) = (desk.navigate.clone(), call.patient.id);
                            let name = call.patient.full_name();
                            let outcome_button = |outcome: CallOutcome| {
                                let (record, call, name) = (record.clone(), call.clone(), name.clone());
                                let class = if outcome == CallOutcome::Reached { "" } else { "quiet" };
                                html! {
                                    <button class={class} data-outcome={outcome.as_str()}
                                        onclick={move |_| record.emit((call.clone(), name.clone(), outcome))}>
                                        {outcome.label()}
                                    </button>
                                }
                            };
                            html! {
                                <li data-reason={call.reason.as_str()} data-call={call.id.to_string()}>
                                    <div>
                                        <strong>{name.clone()}</strong>
                                        { match call.patient.phone.clone() {
                                            Some(phone) => html! { <>{" · "}<a href={format!("tel:{phone}")}>{phone.clone()}</a></> },
                                            None => html! { <span class="hint">{" · no phone on file"}</span> },
                                        } }
                                        <div class="reason">{call.reason.words()}<span class="hint">{format!(" · since {}", call.due_on.format("%a %-d %b"))}</span></div>
                                        if let Some(reply) = call.note.clone() { <blockquote class="reply">{reply}</blockquote> }
                                        if let Some(talk) = call.talk_about.clone() { <div class="talk">{format!("Talk about: {talk}")}</div> }
                                        if let Some(o) = call.last_outcome { <div class="hint">{format!("Tried before: {}", o.label().to_lowercase())}</div> }
                                    </div>
                                    <div class="row-actions">
                                        <button class="quiet" onclick={move |_| navigate.emit(Page::FrontDesk(Some(id)))}>{"Open patient"}</button>
                                        { for CallOutcome::ALL.iter().map(|o| outcome_button(*o)) }
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
