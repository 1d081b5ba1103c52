//! The call list: who to phone today and why (missed visits, follow-ups, replies to read,
//! messages that did not arrive, recalls due), with how each call went.

use rapport_model::calls::{CallItem, CallOutcome};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::app::{Desk, Page};
use crate::{api, format, i18n, t};

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
                        let said = i18n::outcome(outcome);
                        notice.set(Some(if outcome.closes() {
                            t!("calls-done", name = name.as_str(), outcome = said)
                        } else {
                            t!("calls-kept", name = name.as_str(), outcome = said)
                        }));
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
            <h1 id="call-list-title">{t!("calls-title")}</h1>
            <p class="hint">{t!("calls-hint")}</p>
            if let Some(message) = (*error).clone() { <p class="error" role="alert">{message}</p> }
            if let Some(message) = (*notice).clone() { <p class="notice" role="status" id="call-notice">{message}</p> }
            { match (*rows).clone() {
                None => html! { <p class="hint">{t!("loading")}</p> },
                Some(r) if r.is_empty() => html! { <p class="empty">{t!("calls-nobody")}</p> },
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
                                        {i18n::outcome(outcome)}
                                    </button>
                                }
                            };
                            html! {
                                <li data-reason={call.reason.as_str()} data-call={call.id.to_string()}>
                                    <div>
                                        <strong>{name.clone()}</strong>
                                        { match call.patient.phone.clone() {
                                            Some(phone) => html! { <>{" · "}<a href={format!("tel:{phone}")}>{phone.clone()}</a></> },
                                            None => html! { <span class="hint">{" · "}{t!("calls-no-phone")}</span> },
                                        } }
                                        <div class="reason">{i18n::call_reason(call.reason)}<span class="hint">{" · "}{t!("calls-since", day = format::day_short(call.due_on))}</span></div>
                                        if let Some(reply) = call.note.clone() { <blockquote class="reply">{reply}</blockquote> }
                                        if let Some(talk) = call.talk_about.clone() { <div class="talk">{t!("calls-talk-about", talk = talk)}</div> }
                                        if let Some(o) = call.last_outcome { <div class="hint">{t!("calls-tried-before", outcome = i18n::outcome(o).to_lowercase())}</div> }
                                    </div>
                                    <div class="row-actions">
                                        <button class="quiet" onclick={move |_| navigate.emit(Page::FrontDesk(Some(id)))}>{t!("calls-open-patient")}</button>
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
