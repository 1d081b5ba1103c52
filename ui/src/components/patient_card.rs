//! The patient card: who the patient is, what they need, when they come, and the rapport
//! pointers with "used it" and the quick-capture field.

use std::rc::Rc;

use chrono::NaiveDate;
use rapport_model::ipc::WalkInArgs;
use rapport_model::pointer::MAX_POINTER_TEXT;
use rapport_model::view::{PatientCard, PointerView};
use rapport_model::{Appointment, PatientId, PointerKind, PointerState, StaffId, StatusChange};
use wasm_bindgen_futures::spawn_local;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::app::{Desk, Page};
use crate::components::patient_edit::PatientEditForm;
use crate::components::use_doctors;
use crate::{api, format, i18n, t};

#[derive(Properties, PartialEq)]
pub struct CardProps {
    pub card: Rc<PatientCard>,
    /// Asks for the card to be loaded again after a change.
    pub on_changed: Callback<()>,
    /// The doctor's read-mostly view: no booking buttons, new pointers marked.
    #[prop_or_default]
    pub glance: bool,
}

/// Today's appointment the patient can be checked in for (booked or confirmed, early or late:
/// the card's last appointment once its time has passed, else its next), for the card's Check in
/// button and `Alt+I` from the search box.
pub fn due_for_check_in(card: &PatientCard, today: NaiveDate) -> Option<&Appointment> {
    [&card.last_appointment, &card.next_appointment]
        .into_iter()
        .flatten()
        .filter(|a| format::local_day(a.starts_at) == Some(today) && StatusChange::CheckIn.applies_to(a.status))
        .min_by_key(|a| a.starts_at)
}

fn appointment_line(a: &Appointment, today: NaiveDate) -> String {
    let mut line = format!("{} · {}", format::when(a.starts_at, today), i18n::status(a.status));
    if let Some(reason) = &a.reason {
        line.push_str(" · ");
        line.push_str(reason);
    }
    line
}

#[component]
pub fn PatientCardView(props: &CardProps) -> Html {
    let Some(desk) = use_context::<Desk>() else { return html! {} };
    let error = use_state(|| None::<String>);
    let card = &props.card;
    let p = &card.patient;
    let today = desk.state.today;

    let on_status = {
        let (desk, error, on_changed) = (desk.clone(), error.clone(), props.on_changed.clone());
        move |id, change: StatusChange| {
            let (desk, error, on_changed) = (desk.clone(), error.clone(), on_changed.clone());
            Callback::from(move |_: MouseEvent| {
                let (desk, error, on_changed) = (desk.clone(), error.clone(), on_changed.clone());
                spawn_local(async move {
                    match api::change_status(id, change).await {
                        Ok(_) => on_changed.emit(()),
                        Err(e) => error.set(desk.message(e)),
                    }
                });
            })
        }
    };
    let check_in_due = due_for_check_in(card, today).filter(|_| !props.glance);
    let may_merge = desk.state.staff.as_ref().is_some_and(|s| s.role.allows(rapport_model::Operation::DeletePatient));
    let unmerge = {
        let (desk, error, on_changed) = (desk.clone(), error.clone(), props.on_changed.clone());
        move |merge_id| {
            let (desk, error, on_changed) = (desk.clone(), error.clone(), on_changed.clone());
            Callback::from(move |_: MouseEvent| {
                let (desk, error, on_changed) = (desk.clone(), error.clone(), on_changed.clone());
                spawn_local(async move {
                    match api::unmerge_patients(merge_id).await {
                        Ok(_) => on_changed.emit(()),
                        Err(e) => error.set(desk.message(e)),
                    }
                });
            })
        }
    };
    let editing = use_state(|| false);
    let walking_in = use_state(|| false);
    let open_edit = {
        let editing = editing.clone();
        Callback::from(move |_: MouseEvent| editing.set(true))
    };
    let may_restrict =
        desk.state.staff.as_ref().is_some_and(|s| s.role.allows(rapport_model::Operation::RestrictRecord));
    let restrict = {
        let (desk, error, on_changed, patient, restricted) =
            (desk.clone(), error.clone(), props.on_changed.clone(), p.id, p.restricted);
        Callback::from(move |_: MouseEvent| {
            let (desk, error, on_changed) = (desk.clone(), error.clone(), on_changed.clone());
            spawn_local(async move {
                match api::set_restricted(patient, !restricted).await {
                    Ok(()) => on_changed.emit(()),
                    Err(e) => error.set(desk.message(e)),
                }
            });
        })
    };
    let book = {
        let navigate = desk.navigate.clone();
        let patient = p.id;
        move |moving| {
            let navigate = navigate.clone();
            Callback::from(move |_: MouseEvent| navigate.emit(Page::Book { patient, moving }))
        }
    };

    let (talk, avoid): (Vec<&PointerView>, Vec<&PointerView>) =
        card.pointers.iter().partition(|v| v.state != PointerState::Avoid);
    let consent = &p.consent;
    let channel = |name: String, ok: bool| {
        let said = if ok { t!("card-consent-yes", channel = name) } else { t!("card-consent-no", channel = name) };
        html! { <span class={classes!("badge", (!ok).then_some("off"))}>{said}</span> }
    };
    if *editing {
        let (editing, on_changed) = (editing.clone(), props.on_changed.clone());
        let on_done = Callback::from(move |()| {
            editing.set(false);
            on_changed.emit(());
        });
        return html! { <PatientEditForm patient={p.clone()} {on_done} /> };
    }
    html! {
        <article class="patient" aria-labelledby="patient-name" id="patient-card">
            <header>
                <div>
                    <div class="greeting" id="patient-name">{p.greeting_name().to_owned()}</div>
                    <div>
                        {p.full_name()}
                        if let Some(age) = card.age { {format!(" · {}", t!("card-age", years = age))} }
                        {format!(" · {}", p.record_no)}
                    </div>
                    if let Some(say) = &p.pronunciation { <div class="say">{t!("card-say-it", say = say.as_str())}</div> }
                </div>
                if !props.glance {
                    <div class="actions">
                        <button class="primary" id="book-button" onclick={book(None)}>{t!("card-book")}</button>
                        <button class="quiet" id="walk-in-button" aria-expanded={(*walking_in).to_string()}
                            onclick={{ let w = walking_in.clone(); move |_| w.set(!*w) }}
                            title={t!("card-walk-in-title")}>{t!("card-walk-in")}</button>
                        <button class="quiet" id="edit-details" onclick={open_edit}>{t!("card-edit")}</button>
                        if may_restrict {
                            <button class="quiet" id="card-restrict" onclick={restrict}
                                title={t!("card-restrict-title")}>
                                { if p.restricted { t!("card-lift-restriction") } else { t!("card-restrict") } }
                            </button>
                        }
                    </div>
                }
            </header>
            if *walking_in && !props.glance {
                <WalkIn patient={p.id} usual={p.usual_doctor} on_done={{
                    let (w, on_changed) = (walking_in.clone(), props.on_changed.clone());
                    Callback::from(move |()| { w.set(false); on_changed.emit(()); })
                }} />
            }
            if p.restricted {
                <p class="notice" id="card-restricted">{t!("card-restricted")}</p>
            }
            if !card.merged.is_empty() {
                <p class="hint" id="merged-records">{t!("card-also-holds")}{" "}
                    { for card.merged.iter().map(|m| {
                        let unmerge = unmerge(m.merge_id);
                        html! {
                            <span class="merged">
                                {t!("card-merged", name = m.record.full_name(), record = m.record.record_no.as_str(), when = format::when(m.at, today))}
                                if may_merge { {" "}<button class="quiet" onclick={unmerge}>{t!("card-undo")}</button> }
                                {" "}
                            </span>
                        }
                    }) }
                </p>
            }
            if !p.practical_needs.is_empty() {
                <div class="badges" aria-label={t!("card-needs")}>
                    { for p.practical_needs.iter().map(|n| html! { <span class="badge need">{i18n::need(n)}</span> }) }
                </div>
            }
            <div class="facts">
                <div><span>{t!("card-phone")}</span>{p.primary_phone().unwrap_or("—").to_owned()}</div>
                <div><span>{t!("card-usual-doctor")}</span>{card.usual_doctor_name.clone().unwrap_or_else(|| "—".into())}</div>
                <div><span>{t!("card-born")}</span>{format::born(p.birth_date, p.birth_year)}</div>
                <div><span>{t!("card-last-visit")}</span>{card.last_visit.map(|t| format::when(t, today)).unwrap_or_else(|| "—".into())}</div>
                if let Some(lang) = &p.language { <div><span>{t!("card-language")}</span>{lang.clone()}</div> }
                if !p.attendants.is_empty() {
                    <div><span>{t!("card-comes-with")}</span>
                        {p.attendants.iter().map(|a| format!("{} ({})", a.name, a.relation)).collect::<Vec<_>>().join(", ")}
                    </div>
                }
            </div>
            <div class="badges" aria-label={t!("card-consent")}>
                {channel(t!("card-channel-sms"), consent.sms)}{channel(t!("card-channel-email"), consent.email)}{channel(t!("card-channel-phone"), consent.phone)}
                if consent.opted_out { <span class="badge off">{t!("card-no-marketing")}</span> }
                if let Some(q) = consent.quiet_hours {
                    <span class="badge off">{t!("card-quiet", from = q.start.format("%H:%M").to_string(), until = q.end.format("%H:%M").to_string())}</span>
                }
            </div>
            if let Some(message) = (*error).clone() { <p class="error" role="alert">{message}</p> }

            <h3>{t!("card-talk-about")}</h3>
            if talk.is_empty() { <p class="hint">{t!("card-talk-empty")}</p> }
            <ul class="pointers" id="talk-about">
                { for talk.iter().map(|v| html! { <PointerRow key={v.pointer.id.to_string()} view={(*v).clone()} glance={props.glance} on_changed={props.on_changed.clone()} /> }) }
            </ul>
            if !avoid.is_empty() {
                <h3>{t!("card-avoid")}</h3>
                <ul class="pointers" id="avoid-topics">
                    { for avoid.iter().map(|v| html! { <PointerRow key={v.pointer.id.to_string()} view={(*v).clone()} glance={props.glance} on_changed={props.on_changed.clone()} /> }) }
                </ul>
            }
            <QuickCapture patient={p.id} on_changed={props.on_changed.clone()} />

            <h3>{t!("card-appointments")}</h3>
            <div class="facts">
                if let Some(a) = check_in_due {
                    <div id="check-in-due"><span>{t!("card-today")}</span>{appointment_line(a, today)}
                        <div class="row-actions">
                            <button id="card-check-in" class="primary" onclick={on_status(a.id, StatusChange::CheckIn)}
                                aria-keyshortcuts="Alt+I">{t!("card-check-in")}{" "}<kbd>{"Alt+I"}</kbd></button>
                        </div>
                    </div>
                }
                <div id="last-appointment"><span>{t!("card-last")}</span>{card.last_appointment.as_ref().map(|a| appointment_line(a, today)).unwrap_or_else(|| "—".into())}</div>
                <div id="next-appointment"><span>{t!("card-next")}</span>
                    {card.next_appointment.as_ref().map(|a| appointment_line(a, today)).unwrap_or_else(|| "—".into())}
                    if let (Some(next), false) = (&card.next_appointment, props.glance) {
                        <div class="row-actions">
                            <button class="quiet" onclick={book(Some(next.id))}>{t!("card-move")}</button>
                            <button class="quiet" onclick={on_status(next.id, StatusChange::Cancel)}>{t!("cancel")}</button>
                        </div>
                    }
                </div>
            </div>
            if card.history.len() > 1 {
                <details class="visit-history" id="visit-history">
                    <summary>{t!("card-earlier-appointments", count = card.history.len())}</summary>
                    <ul>{ for card.history.iter().map(|a| html! { <li>{appointment_line(a, today)}</li> }) }</ul>
                </details>
            }
            if !card.open_calls.is_empty() {
                <h3>{t!("card-to-call")}</h3>
                <ul class="calls">{ for card.open_calls.iter().map(|c| html! {
                    <li>{i18n::call_reason(c.reason)}
                        if let Some(reply) = c.note.clone() { <blockquote class="reply">{reply}</blockquote> }
                    </li>
                }) }</ul>
            }
            if !card.messages.is_empty() {
                <h3>{t!("card-messages")}</h3>
                <ul class="messages" id="messages">{ for card.messages.iter().take(5).map(|m| html! {
                    <li data-status={m.status.as_str()}>
                        <span class="hint">{format::when(m.send_after, today)}</span>
                        {" "}{t!("card-message-by", kind = i18n::message_kind(m.kind), channel = m.channel.map_or("none", rapport_model::outreach::channel_word))}{" "}
                        <strong>{i18n::message_status(m.status)}</strong>
                        if let Some(reply) = m.reply.clone() { <blockquote class="reply">{reply}</blockquote> }
                    </li>
                }) }</ul>
            }
        </article>
    }
}

#[derive(Properties, PartialEq)]
struct PointerRowProps {
    view: PointerView,
    glance: bool,
    on_changed: Callback<()>,
}

#[component]
fn PointerRow(props: &PointerRowProps) -> Html {
    let Some(desk) = use_context::<Desk>() else { return html! {} };
    let v = &props.view;
    let class = match v.state {
        PointerState::AskHowItWent => "ask",
        PointerState::Fading => "fading",
        PointerState::Avoid => "avoid",
        _ => "",
    };
    let error = use_state(|| None::<String>);
    let used = {
        let (id, on_changed, desk, error) = (v.pointer.id, props.on_changed.clone(), desk.clone(), error.clone());
        Callback::from(move |_: MouseEvent| {
            let (on_changed, desk, error) = (on_changed.clone(), desk.clone(), error.clone());
            spawn_local(async move {
                match api::mark_pointer_used(id).await {
                    Ok(_) => on_changed.emit(()),
                    Err(e) => error.set(desk.message(e)),
                }
            });
        })
    };
    // A new version being typed, and the earlier versions when asked for.
    let revising = use_state(|| None::<String>);
    let earlier = use_state(|| None::<Vec<rapport_model::Pointer>>);
    let may_retract =
        desk.state.staff.as_ref().is_some_and(|s| s.role.allows(rapport_model::Operation::RetractPointer));
    let act = {
        let (on_changed, desk, error) = (props.on_changed.clone(), desk.clone(), error.clone());
        move |command: std::pin::Pin<Box<dyn std::future::Future<Output = api::Reply<rapport_model::Pointer>>>>| {
            let (on_changed, desk, error) = (on_changed.clone(), desk.clone(), error.clone());
            spawn_local(async move {
                match command.await {
                    Ok(_) => on_changed.emit(()),
                    Err(e) => error.set(desk.message(e)),
                }
            });
        }
    };
    let start_revising = {
        let (revising, text) = (revising.clone(), v.pointer.text.clone());
        Callback::from(move |_: MouseEvent| revising.set(Some(text.clone())))
    };
    let on_revise_input = {
        let revising = revising.clone();
        Callback::from(move |e: InputEvent| revising.set(Some(e.target_unchecked_into::<HtmlInputElement>().value())))
    };
    let save_revision = {
        let (act, revising, p) = (act.clone(), revising.clone(), v.pointer.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if let Some(text) = (*revising).clone() {
                act(Box::pin(api::revise_pointer(p.id, p.kind, text, p.event_date)));
            }
        })
    };
    let cancel_revision = {
        let revising = revising.clone();
        Callback::from(move |_: MouseEvent| revising.set(None))
    };
    let retract = {
        let (act, id) = (act.clone(), v.pointer.id);
        Callback::from(move |_: MouseEvent| act(Box::pin(api::retract_pointer(id))))
    };
    let show_earlier = {
        let (earlier, error, desk, id) = (earlier.clone(), error.clone(), desk.clone(), v.pointer.id);
        Callback::from(move |_: MouseEvent| {
            let (earlier, error, desk) = (earlier.clone(), error.clone(), desk.clone());
            spawn_local(async move {
                match api::pointer_history(id).await {
                    Ok(list) => earlier.set(Some(list)),
                    Err(e) => error.set(desk.message(e)),
                }
            });
        })
    };
    let today = desk.state.today;
    let last_used = v.pointer.last_used();
    if let Some(text) = (*revising).clone() {
        return html! {
            <li class={class}>
                <form class="revise" onsubmit={save_revision}>
                    <label class="sr-only" for={format!("revise-{}", v.pointer.id)}>{t!("card-revise-label")}</label>
                    <input id={format!("revise-{}", v.pointer.id)} value={text} oninput={on_revise_input} maxlength={MAX_POINTER_TEXT.to_string()} />
                    <button class="primary">{t!("save")}</button>
                    <button type="button" class="quiet" onclick={cancel_revision}>{t!("cancel")}</button>
                </form>
                if let Some(message) = (*error).clone() { <div class="error" role="alert">{message}</div> }
            </li>
        };
    }
    html! {
        <li class={class}>
            <div>
                <div class="text">
                    if v.state == PointerState::Avoid { {t!("card-do-not-raise")}{" "} }
                    {v.prompt.clone()}
                    if v.new_since_last_visit { {" "}<span class="badge new">{t!("card-new-since-visit")}</span> }
                </div>
                <div class="by">
                    {format!("{} · {} · {}", i18n::pointer_kind(v.pointer.kind), v.pointer.author_name, format::recorded(v.pointer.created_at, today))}
                    if let Some(m) = last_used { {format!(" · {}", t!("card-used-on", when = format::recorded(m.at, today)))} }
                </div>
                if let Some(list) = (*earlier).clone() {
                    <ul class="earlier" aria-label={t!("card-earlier-versions")}>
                        { for list.iter().map(|p| html! {
                            <li>{format!("{} — {}, {}", p.text, p.author_name, format::recorded(p.created_at, today))}</li>
                        }) }
                    </ul>
                }
                if let Some(message) = (*error).clone() { <div class="error" role="alert">{message}</div> }
            </div>
            if !props.glance {
                <div class="pointer-actions">
                    if v.state != PointerState::Avoid {
                        <button class="quiet used" onclick={used} aria-label={t!("card-used-it-label", pointer = v.pointer.text.as_str())}>{t!("card-used-it")}</button>
                    }
                    <button class="quiet" onclick={start_revising} aria-label={t!("card-change-label", pointer = v.pointer.text.as_str())}>{t!("card-change")}</button>
                    if may_retract {
                        <button class="quiet" onclick={retract} aria-label={t!("card-withdraw-label", pointer = v.pointer.text.as_str())}
                            title={t!("card-withdraw-title")}>{t!("card-withdraw")}</button>
                    }
                    if v.pointer.supersedes.is_some() && earlier.is_none() {
                        <button class="quiet" onclick={show_earlier} aria-label={t!("card-earlier-label", pointer = v.pointer.text.as_str())}>{t!("card-earlier")}</button>
                    }
                </div>
            }
        </li>
    }
}

#[derive(Properties, PartialEq)]
struct CaptureProps {
    patient: rapport_model::PatientId,
    on_changed: Callback<()>,
}

/// Kind + text + optional date; Enter saves.
#[component]
fn QuickCapture(props: &CaptureProps) -> Html {
    let Some(desk) = use_context::<Desk>() else { return html! {} };
    let kind = use_state(|| PointerKind::LifeEvent);
    let text = use_state(String::new);
    let date = use_state(String::new);
    let error = use_state(|| None::<String>);
    let onsubmit = {
        let (kind, text, date, error, desk) = (kind.clone(), text.clone(), date.clone(), error.clone(), desk.clone());
        let (patient, on_changed) = (props.patient, props.on_changed.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if text.trim().is_empty() {
                return;
            }
            let event_date = date.parse::<NaiveDate>().ok();
            let (k, t) = (*kind, (*text).clone());
            let (text, date, error, desk, on_changed) =
                (text.clone(), date.clone(), error.clone(), desk.clone(), on_changed.clone());
            spawn_local(async move {
                match api::add_pointer(patient, k, t, event_date).await {
                    Ok(_) => {
                        text.set(String::new());
                        date.set(String::new());
                        error.set(None);
                        on_changed.emit(());
                    }
                    Err(e) => error.set(desk.message(e)),
                }
            });
        })
    };
    let on_kind = {
        let kind = kind.clone();
        Callback::from(move |e: Event| {
            let v = e.target_unchecked_into::<HtmlSelectElement>().value();
            if let Ok(k) = v.parse::<PointerKind>() {
                kind.set(k);
            }
        })
    };
    let on_text = {
        let text = text.clone();
        Callback::from(move |e: InputEvent| text.set(e.target_unchecked_into::<HtmlInputElement>().value()))
    };
    let on_date = {
        let date = date.clone();
        Callback::from(move |e: Event| date.set(e.target_unchecked_into::<HtmlInputElement>().value()))
    };
    html! {
        <form class="capture" {onsubmit} aria-label={t!("card-capture")}>
            <div>
                <label for="capture-kind">{t!("card-capture-kind")}</label>
                <select id="capture-kind" onchange={on_kind}>
                    { for PointerKind::ALL.iter().map(|k| html! {
                        <option value={k.as_str()} selected={*k == *kind}>{i18n::pointer_kind(*k)}</option>
                    }) }
                </select>
            </div>
            <div>
                <label for="capture-text">{t!("card-capture-text")}</label>
                <input id="capture-text" value={(*text).clone()} oninput={on_text}
                    placeholder={t!("card-capture-placeholder")} maxlength={MAX_POINTER_TEXT.to_string()} />
            </div>
            <div>
                <label for="capture-date">{t!("card-capture-date")}</label>
                <input id="capture-date" type="date" value={(*date).clone()} onchange={on_date} />
            </div>
            <button class="primary">{t!("save")}</button>
            if let Some(message) = (*error).clone() { <p class="error" role="alert">{message}</p> }
        </form>
    }
}

#[derive(Properties, PartialEq)]
struct WalkInProps {
    patient: PatientId,
    usual: Option<StaffId>,
    on_done: Callback<()>,
}

/// Checks a patient in who came without a booking: which doctor (their usual one first), and
/// why they came.
#[component]
fn WalkIn(props: &WalkInProps) -> Html {
    let Some(desk) = use_context::<Desk>() else { return html! {} };
    let doctor = use_state(|| props.usual);
    let reason = use_node_ref();
    let error = use_state(|| None::<String>);
    let doctors = use_doctors(Some(doctor.clone()), Some(error.clone()));
    let onsubmit = {
        let (doctor, reason, error, desk, on_done, patient) =
            (doctor.clone(), reason.clone(), error.clone(), desk.clone(), props.on_done.clone(), props.patient);
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(doctor) = *doctor else { return };
            let reason = reason.cast::<HtmlInputElement>().map(|i| i.value()).filter(|r| !r.trim().is_empty());
            let (error, desk, on_done) = (error.clone(), desk.clone(), on_done.clone());
            spawn_local(async move {
                match api::walk_in(&WalkInArgs { patient, doctor, reason }).await {
                    Ok(_) => on_done.emit(()),
                    Err(e) => error.set(desk.message(e)),
                }
            });
        })
    };
    let on_doctor = {
        let doctor = doctor.clone();
        Callback::from(move |e: Event| doctor.set(e.target_unchecked_into::<HtmlSelectElement>().value().parse().ok()))
    };
    html! {
        <form class="walk-in-form" id="walk-in" {onsubmit} aria-label={t!("card-walk-in")}>
            <label for="walk-in-doctor">{t!("card-walk-in-doctor")}</label>
            <select id="walk-in-doctor" onchange={on_doctor}>
                { for doctors.iter().map(|d| html! {
                    <option value={d.id.to_string()} selected={*doctor == Some(d.id)}>
                        {if Some(d.id) == props.usual { t!("card-doctor-usual", doctor = d.name.as_str()) } else { d.name.clone() }}
                    </option>
                }) }
            </select>
            <label for="walk-in-reason">{t!("card-walk-in-reason")}</label>
            <input id="walk-in-reason" ref={reason} maxlength={rapport_model::appointment::MAX_REASON.to_string()} />
            <button class="primary" id="walk-in-submit" type="submit">{t!("card-walk-in-submit")}</button>
            if let Some(message) = (*error).clone() { <p class="error" role="alert">{message}</p> }
        </form>
    }
}
