//! The front desk: the search box (focused on start and after every task), results as you
//! type, arrow keys and Enter to open a patient's card.

use std::rc::Rc;

use rapport_model::sync::RemotePatient;
use rapport_model::view::{PatientCard, PatientHit};
use rapport_model::{ErrorCode, PatientId};
use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::app::Desk;
use crate::components::patient_card::{PatientCardView, due_for_check_in};
use crate::components::{Field, use_focus_on};
use crate::{api, format, perf, t};

/// Results shown per keystroke.
const RESULTS: usize = 12;

#[derive(Properties, PartialEq)]
pub struct FrontDeskProps {
    pub open: Option<PatientId>,
}

/// The answer to query number `seq`.
#[derive(Clone, PartialEq, Default)]
struct Answer {
    seq: u64,
    query: String,
    hits: Rc<Vec<PatientHit>>,
}

#[component]
pub fn FrontDesk(props: &FrontDeskProps) -> Html {
    let Some(desk) = use_context::<Desk>() else { return html! {} };
    let query = use_state(String::new);
    let answer = use_state(Answer::default);
    let latest = use_mut_ref(|| 0u64);
    let selected = use_state(|| 0usize);
    let card = use_state(|| None::<Rc<PatientCard>>);
    let error = use_state(|| None::<String>);
    // A restricted record asked for: it opens with a stated reason.
    let restricted = use_state(|| None::<PatientId>);
    let search_box = use_node_ref();
    use_focus_on(search_box.clone(), desk.focus_search);

    let shown = {
        let (card, error, restricted, desk) = (card.clone(), error.clone(), restricted.clone(), desk.clone());
        Callback::from(move |(id, opened): (PatientId, api::Reply<PatientCard>)| match opened {
            Ok(c) => {
                error.set(None);
                restricted.set(None);
                card.set(Some(Rc::new(c)));
            }
            Err(e) if e.code == ErrorCode::Restricted => {
                error.set(None);
                card.set(None);
                restricted.set(Some(id));
            }
            Err(e) => error.set(desk.message(e)),
        })
    };
    let open = {
        let shown = shown.clone();
        Callback::from(move |id: PatientId| {
            let shown = shown.clone();
            spawn_local(async move { shown.emit((id, api::open_patient(id).await)) });
        })
    };
    {
        let open = open.clone();
        use_effect_with(props.open, move |id| {
            if let Some(id) = id {
                open.emit(*id);
            }
        });
    }
    // Record when the answer of each query is on screen.
    use_effect_with(answer.seq, |seq| perf::answer_rendered(*seq));

    let oninput = {
        let (query, answer, latest, selected, error, desk) =
            (query.clone(), answer.clone(), latest.clone(), selected.clone(), error.clone(), desk.clone());
        Callback::from(move |e: InputEvent| {
            let text = e.target_unchecked_into::<HtmlInputElement>().value();
            let seq = {
                let mut l = latest.borrow_mut();
                *l += 1;
                *l
            };
            perf::input_started(seq);
            query.set(text.clone());
            let (answer, latest, selected, error, desk) =
                (answer.clone(), latest.clone(), selected.clone(), error.clone(), desk.clone());
            spawn_local(async move {
                let hits = if text.trim().is_empty() {
                    Ok(Vec::new())
                } else {
                    api::search_patients(text.clone(), RESULTS).await
                };
                if *latest.borrow() != seq {
                    return; // a later keystroke's answer is on its way
                }
                match hits {
                    Ok(hits) => {
                        selected.set(0);
                        answer.set(Answer { seq, query: text, hits: Rc::new(hits) });
                    }
                    Err(e) => error.set(desk.message(e)),
                }
            });
        })
    };
    let onkeydown = {
        let (answer, selected, open, card) = (answer.clone(), selected.clone(), open.clone(), card.clone());
        let (desk, error) = (desk.clone(), error.clone());
        Callback::from(move |e: KeyboardEvent| {
            let n = answer.hits.len();
            match e.key().as_str() {
                // The patient at the desk, found and opened: checked in for today's appointment.
                "i" | "I" if e.alt_key() => {
                    let due =
                        card.as_ref().and_then(|c| due_for_check_in(c, desk.state.today).map(|a| (a.id, c.patient.id)));
                    if let Some((id, patient)) = due {
                        e.prevent_default();
                        let (desk, error, open) = (desk.clone(), error.clone(), open.clone());
                        spawn_local(async move {
                            match api::change_status(id, rapport_model::StatusChange::CheckIn).await {
                                Ok(_) => open.emit(patient),
                                Err(e) => error.set(desk.message(e)),
                            }
                        });
                    }
                }
                "ArrowDown" if n > 0 => {
                    e.prevent_default();
                    selected.set((*selected + 1).min(n - 1));
                }
                "ArrowUp" if n > 0 => {
                    e.prevent_default();
                    selected.set(selected.saturating_sub(1));
                }
                "Enter" => {
                    if let Some(hit) = answer.hits.get(*selected) {
                        e.prevent_default();
                        open.emit(hit.id);
                    }
                }
                "Escape" => card.set(None),
                _ => {}
            }
        })
    };
    let reload = {
        let (open, card) = (open.clone(), card.clone());
        Callback::from(move |_| {
            if let Some(c) = card.as_ref() {
                open.emit(c.patient.id);
            }
        })
    };
    let today = desk.state.today;
    let showing = answer.query == *query;
    html! {
        <div class="desk">
            <section class="search" aria-label={t!("desk-find-patient")}>
                <label for="search">{t!("desk-find-patient")}{" "}<kbd>{"Ctrl+K"}</kbd></label>
                <input id="search" type="search" ref={search_box} value={(*query).clone()} {oninput} {onkeydown}
                    placeholder={t!("desk-search-placeholder")} autocomplete="off"
                    role="combobox" aria-controls="results" aria-expanded={(!answer.hits.is_empty()).to_string()}
                    aria-activedescendant={answer.hits.get(*selected).map(|h| format!("hit-{}", h.id))} />
                <ul id="results" class="results" role="listbox" aria-label={t!("desk-matching-patients")} data-seq={answer.seq.to_string()}>
                    { for answer.hits.iter().enumerate().map(|(i, h)| {
                        let open = open.clone();
                        let id = h.id;
                        html! {
                            <li id={format!("hit-{}", h.id)} role="option" aria-selected={(i == *selected).to_string()}
                                onclick={move |_| open.emit(id)}>
                                <div class="name">
                                    {h.full_name()}
                                    if let Some(p) = h.preferred.as_ref().filter(|p| **p != h.given) { {format!(" “{p}”")} }
                                </div>
                                <div class="meta">
                                    {h.birth_date.map(format::birth).unwrap_or_default()}
                                    {" · "}{h.phone.clone().unwrap_or_default()}{" · "}{h.record_no.clone()}
                                </div>
                            </li>
                        }
                    }) }
                </ul>
                if showing && !query.trim().is_empty() && answer.hits.is_empty() {
                    <p class="empty">{t!("desk-no-match")}{" "}<kbd>{"Alt+3"}</kbd>{" "}{t!("desk-no-match-register")}</p>
                    if desk.state.head_office.enrolled {
                        <OtherClinics query={(*query).clone()} on_taken={open.clone()} />
                    }
                }
                if query.trim().is_empty() {
                    <p class="hint">{t!("desk-search-hint")}</p>
                }
            </section>
            <section aria-live="polite">
                if let Some(message) = (*error).clone() { <p class="error" role="alert">{message}</p> }
                if let Some(c) = (*card).clone() {
                    <PatientCardView card={c} on_changed={reload} />
                } else if let Some(id) = *restricted {
                    <BreakGlass patient={id} on_opened={shown.clone()} />
                } else {
                    <div class="patient">
                        <h2>{format::day(today)}</h2>
                        <p class="hint">{t!("desk-open-hint")}</p>
                    </div>
                }
            </section>
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct OtherClinicsProps {
    query: String,
    /// Opens the card of the patient just taken on.
    on_taken: Callback<PatientId>,
}

/// A patient new to this clinic may be known at another: search head office, and take them on
/// (their record and pointers come here and stay in sync).
#[component]
fn OtherClinics(props: &OtherClinicsProps) -> Html {
    let Some(desk) = use_context::<Desk>() else { return html! {} };
    let found = use_state(|| None::<(String, Rc<Vec<RemotePatient>>)>);
    let error = use_state(|| None::<String>);
    let busy = use_state(|| false);
    let search = {
        let (query, found, error, busy, desk) =
            (props.query.clone(), found.clone(), error.clone(), busy.clone(), desk.clone());
        Callback::from(move |_: MouseEvent| {
            let (query, found, error, busy, desk) =
                (query.clone(), found.clone(), error.clone(), busy.clone(), desk.clone());
            busy.set(true);
            spawn_local(async move {
                match api::find_at_head_office(query.clone()).await {
                    Ok(hits) => {
                        error.set(None);
                        found.set(Some((query, Rc::new(hits))));
                    }
                    Err(e) => error.set(desk.message(e)),
                }
                busy.set(false);
            });
        })
    };
    let take_on = {
        let (on_taken, error, busy, desk) = (props.on_taken.clone(), error.clone(), busy.clone(), desk.clone());
        Callback::from(move |id: PatientId| {
            let (on_taken, error, busy, desk) = (on_taken.clone(), error.clone(), busy.clone(), desk.clone());
            busy.set(true);
            spawn_local(async move {
                match api::take_on_patient(id).await {
                    Ok(_) => on_taken.emit(id),
                    Err(e) => error.set(desk.message(e)),
                }
                busy.set(false);
            });
        })
    };
    let current = found.as_ref().filter(|(q, _)| *q == props.query).map(|(_, hits)| hits.clone());
    html! {
        <div class="other-clinics">
            if let Some(hits) = current {
                if hits.is_empty() {
                    <p class="hint" id="remote-none">{t!("desk-remote-none")}</p>
                } else {
                    <p class="hint">{t!("desk-remote-known")}</p>
                    <ul class="results" id="remote-results" aria-label={t!("desk-remote-patients")}>
                        { for hits.iter().map(|h| {
                            let id = PatientId::from_bytes(*h.id.as_bytes());
                            let take = take_on.reform(move |_: MouseEvent| id);
                            html! {
                                <li class="remote">
                                    <div>
                                        <div class="name">{h.full_name()}</div>
                                        <div class="meta">{remote_meta(h)}</div>
                                    </div>
                                    <button class="take-on" disabled={*busy} onclick={take}>{t!("desk-take-on")}</button>
                                </li>
                            }
                        }) }
                    </ul>
                }
            } else {
                <button id="search-head-office" disabled={*busy} onclick={search}>
                    { if *busy { t!("desk-asking-head-office") } else { t!("desk-search-head-office") } }
                </button>
            }
            if let Some(e) = (*error).clone() { <p class="error" role="alert">{e}</p> }
        </div>
    }
}

/// "1961-01-03 · DK7J-1001 · South": what tells two namesakes apart, without empty parts.
fn remote_meta(h: &RemotePatient) -> String {
    let clinics = h.clinics.join(", ");
    [h.birth_date.as_deref().unwrap_or_default(), h.record_no.as_str(), clinics.as_str()]
        .into_iter()
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" · ")
}

#[derive(Properties, PartialEq)]
struct BreakGlassProps {
    patient: PatientId,
    on_opened: Callback<(PatientId, api::Reply<PatientCard>)>,
}

/// A restricted record asks why it is opened; the reason is recorded and shown to managers.
#[component]
fn BreakGlass(props: &BreakGlassProps) -> Html {
    let reason = use_state(String::new);
    let busy = use_state(|| false);
    let first = use_node_ref();
    use_focus_on(first.clone(), 0);
    let onsubmit = {
        let (reason, busy, on_opened, patient) = (reason.clone(), busy.clone(), props.on_opened.clone(), props.patient);
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *busy {
                return;
            }
            busy.set(true);
            let (reason, busy, on_opened) = (reason.clone(), busy.clone(), on_opened.clone());
            spawn_local(async move {
                on_opened.emit((patient, api::open_restricted(patient, (*reason).clone()).await));
                busy.set(false);
            });
        })
    };
    let on_input = {
        let reason = reason.clone();
        Callback::from(move |v: String| reason.set(v))
    };
    html! {
        <form class="patient" id="break-glass" {onsubmit} aria-labelledby="break-glass-title">
            <h2 id="break-glass-title">{t!("desk-restricted-title")}</h2>
            <p>{t!("desk-restricted-explain")}</p>
            <Field id="break-glass-reason" label={t!("desk-restricted-reason")} value={(*reason).clone()} {on_input} node_ref={first} />
            <div class="actions"><button class="primary" id="break-glass-open" disabled={*busy}>{t!("desk-restricted-open")}</button></div>
        </form>
    }
}
