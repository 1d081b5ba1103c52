//! Head office, from the window: how sync stands (last success, what waits to go up, what head
//! office refused, what could not be applied here, the last error in words), "sync now", the
//! conflicts with their resolution, and (in settings) enrolling the desk.

use std::rc::Rc;

use rapport_model::Role;
use rapport_model::ipc::EnrollArgs;
use rapport_model::sync::{ConflictKind, SyncReport, SyncStatus};
use rapport_model::view::ConflictView;
use serde_json::Value;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::api;
use crate::app::{Desk, Page};
use crate::components::{EnrollFields, Enrollment};
use crate::{format, t};

/// The head-office screen: status, sync now, conflicts.
#[component]
pub fn HeadOffice() -> Html {
    let Some(desk) = use_context::<Desk>() else { return html! {} };
    let status = use_state(|| None::<Rc<SyncStatus>>);
    let conflicts = use_state(|| Rc::new(Vec::<ConflictView>::new()));
    let error = use_state(|| None::<String>);
    // What the last "sync now" moved, numbered (the n-th on this screen) so that a new answer
    // is told from the one before.
    let note = use_state(|| None::<(u32, String)>);
    let synced = use_mut_ref(|| 0u32);
    let busy = use_state(|| false);
    let reload = {
        let (status, conflicts, error, desk) = (status.clone(), conflicts.clone(), error.clone(), desk.clone());
        Callback::from(move |()| {
            // The top bar's indicator follows at once, not at its next tick.
            desk.refresh_head_office.emit(());
            let (status, conflicts, error, desk) = (status.clone(), conflicts.clone(), error.clone(), desk.clone());
            spawn_local(async move {
                match api::sync_status().await {
                    Ok(s) => status.set(Some(Rc::new(s))),
                    Err(e) => error.set(desk.message(e)),
                }
                match api::sync_conflicts().await {
                    Ok(c) => conflicts.set(Rc::new(c)),
                    Err(e) => error.set(desk.message(e)),
                }
            });
        })
    };
    {
        let reload = reload.clone();
        use_effect_with((), move |()| reload.emit(()));
    }
    let sync_now = {
        let (reload, error, note, busy, desk, synced) =
            (reload.clone(), error.clone(), note.clone(), busy.clone(), desk.clone(), synced.clone());
        Callback::from(move |_: MouseEvent| {
            let (reload, error, note, busy, desk, synced) =
                (reload.clone(), error.clone(), note.clone(), busy.clone(), desk.clone(), synced.clone());
            busy.set(true);
            note.set(None);
            spawn_local(async move {
                match api::sync_now().await {
                    Ok(r) => {
                        error.set(None);
                        *synced.borrow_mut() += 1;
                        note.set(Some((*synced.borrow(), report_words(&r))));
                    }
                    Err(e) => error.set(desk.message(e)),
                }
                busy.set(false);
                reload.emit(());
            });
        })
    };
    let resolve = {
        let (reload, error, desk) = (reload.clone(), error.clone(), desk.clone());
        Callback::from(move |(id, reapply): (i64, bool)| {
            let (reload, error, desk) = (reload.clone(), error.clone(), desk.clone());
            spawn_local(async move {
                if let Err(e) = api::resolve_conflict(id, reapply).await {
                    error.set(desk.message(e));
                }
                reload.emit(());
            });
        })
    };
    let may_configure = matches!(desk.state.staff.as_ref().map(|s| s.role), Some(Role::Manager | Role::Admin));
    let today = desk.state.today;
    let Some(s) = (*status).clone() else {
        return html! { <section class="card"><p class="hint">{t!("office-asking")}</p></section> };
    };
    if !s.enrolled {
        let settings = desk.navigate.reform(|_: MouseEvent| Page::Settings);
        return html! {
            <section class="card narrow" aria-labelledby="ho-title">
                <h1 id="ho-title">{t!("office-title")}</h1>
                <p>{t!("office-not-enrolled")}</p>
                if may_configure {
                    <p><button onclick={settings}>{t!("office-enroll-in-settings")}</button></p>
                } else {
                    <p class="hint">{t!("office-manager-can-enroll")}</p>
                }
            </section>
        };
    }
    html! {
        <div class="head-office">
            <section class="card" aria-labelledby="ho-title">
                <h1 id="ho-title">{t!("office-title")}</h1>
                <div class="facts" id="sync-status">
                    <div><span>{t!("office-clinic")}</span>{s.clinic.clone().unwrap_or_default()}</div>
                    <div><span>{t!("office-server")}</span>{s.server.clone().unwrap_or_default()}</div>
                    <div id="sync-last"><span>{t!("office-last-synced")}</span>
                        {s.last_success.map_or_else(|| t!("office-never"), |t| format::when(t, today))}</div>
                    <div id="sync-pending"><span>{t!("office-pending")}</span>{changes(s.pending)}</div>
                    <div id="sync-refused"><span>{t!("office-refused")}</span>{changes(s.refused)}</div>
                    <div id="sync-quarantined"><span>{t!("office-quarantined")}</span>{changes(s.quarantined)}</div>
                </div>
                if let Some(e) = s.last_error.clone() {
                    <p class="error" role="alert" id="sync-error">{t!("office-last-sync-failed", error = e)}</p>
                }
                if let Some(at) = s.restored_at {
                    <p class="notice" id="sync-restored">{t!("office-restored", when = format::when(at, today))}</p>
                }
                <div class="actions">
                    <button id="sync-now" class="primary" disabled={*busy} onclick={sync_now}>
                        { if *busy { t!("office-syncing") } else { t!("office-sync-now") } }
                    </button>
                </div>
                if let Some((n, words)) = (*note).clone() {
                    <p class="success" role="status" id="sync-note" data-sync={n.to_string()}>{words}</p>
                }
                if let Some(e) = (*error).clone() { <p class="error" role="alert">{e}</p> }
            </section>
            <section class="card" aria-labelledby="conflicts-title">
                <h2 id="conflicts-title">{t!("office-conflicts", count = conflicts.len())}</h2>
                if conflicts.is_empty() {
                    <p class="hint" id="no-conflicts">{t!("office-no-conflicts")}</p>
                } else {
                    <p class="hint">{t!("office-conflicts-hint")}</p>
                    <ul class="conflicts" id="conflicts">
                        { for conflicts.iter().map(|c| conflict_row(c, &resolve, &desk.navigate, today)) }
                    </ul>
                }
            </section>
        </div>
    }
}

fn changes(n: u64) -> String {
    t!("office-changes", count = n)
}

/// What a sync moved, in a sentence.
fn report_words(r: &SyncReport) -> String {
    let mut words = t!("office-synced", sent = r.pushed, received = r.pulled);
    if r.conflicts > 0 {
        words.push(' ');
        words.push_str(&t!("office-new-conflicts", count = r.conflicts));
    }
    if r.resent > 0 {
        words.push(' ');
        words.push_str(&t!("office-resent"));
    }
    words
}

fn conflict_row(
    view: &ConflictView,
    resolve: &Callback<(i64, bool)>,
    navigate: &Callback<Page>,
    today: chrono::NaiveDate,
) -> Html {
    let c = &view.conflict;
    let subject = view.patient_name.clone().unwrap_or_else(|| t!("office-a-record", entity = c.entity.as_str()));
    let field = c.field.as_deref().map(field_words);
    let (title, what) = match c.kind {
        ConflictKind::LostEdit => (
            t!("office-lost-edit"),
            t!(
                "office-lost-edit-what",
                field = field.clone().unwrap_or_else(|| t!("office-a-field")),
                subject = subject.as_str()
            ),
        ),
        ConflictKind::BookingRejected => {
            (t!("office-booking-rejected"), t!("office-booking-rejected-what", subject = subject.as_str()))
        }
        ConflictKind::Refused => (t!("office-refused-title"), t!("office-refused-what", subject = subject.as_str())),
        ConflictKind::Quarantined => {
            (t!("office-quarantined-title"), t!("office-quarantined-what", subject = subject.as_str()))
        }
    };
    let id = c.id;
    let keep = resolve.reform(move |_: MouseEvent| (id, false));
    let reapply = resolve.reform(move |_: MouseEvent| (id, true));
    let lost_edit = c.kind == ConflictKind::LostEdit && c.mine.is_some();
    html! {
        <li class="conflict" id={format!("conflict-{id}")}>
            <div class="conflict-head">
                <strong>{format!("{title}:")}</strong>{what}
                if let Some(id) = view.patient {
                    <button class="link" onclick={navigate.reform(move |_: MouseEvent| Page::FrontDesk(Some(id)))}>
                        {t!("office-open-card")}
                    </button>
                }
                <span class="when">{format::when(c.at, today)}</span>
            </div>
            if lost_edit {
                <div class="values">
                    <span>{t!("office-this-desk")}{" "}<q class="mine">{value_words(c.mine.as_ref())}</q></span>
                    <span>{t!("office-kept")}{" "}<q class="theirs">{value_words(c.theirs.as_ref())}</q></span>
                </div>
            }
            <p class="hint">{c.detail.clone()}</p>
            <div class="actions">
                if lost_edit {
                    <button class="keep-theirs" onclick={keep}>{t!("office-keep-theirs")}</button>
                    <button class="reapply-mine" onclick={reapply}>{t!("office-reapply-mine")}</button>
                } else {
                    <button class="keep-theirs" onclick={keep}>{t!("office-dismiss")}</button>
                }
            </div>
        </li>
    }
}

/// A replicated field as the desk names it.
fn field_words(field: &str) -> String {
    match field {
        "given" => t!("office-field-given"),
        "family" => t!("office-field-family"),
        "preferred" => t!("office-field-preferred"),
        "phones" => t!("office-field-phones"),
        "starts_at" => t!("office-field-starts-at"),
        other => other.replace('_', " "),
    }
}

fn value_words(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => t!("office-empty"),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// Settings: enroll this desk with head office, or enroll it again with a new code.
#[component]
pub fn EnrollSection() -> Html {
    let Some(desk) = use_context::<Desk>() else { return html! {} };
    let enrollment = use_state(Enrollment::default);
    let error = use_state(|| None::<String>);
    let done = use_state(|| false);
    let busy = use_state(|| false);
    let enrolled = desk.state.head_office.enrolled || *done;
    let again = use_state(|| false);
    let on_change = {
        let enrollment = enrollment.clone();
        Callback::from(move |e: Enrollment| enrollment.set(e))
    };
    let onsubmit = {
        let (enrollment, error, done, busy, again, desk) =
            (enrollment.clone(), error.clone(), done.clone(), busy.clone(), again.clone(), desk.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let args = EnrollArgs {
                server: enrollment.server.trim().to_owned(),
                code: enrollment.code.trim().to_owned(),
                ca_pem: enrollment.ca(),
                again: *again,
            };
            let (error, done, busy, again, desk) =
                (error.clone(), done.clone(), busy.clone(), again.clone(), desk.clone());
            busy.set(true);
            spawn_local(async move {
                match api::enroll(&args).await {
                    Ok(_) => {
                        // The indicator, and the front desk's search at head office, follow.
                        if let Ok(s) = api::desk_state().await {
                            desk.set_state.emit(s);
                        }
                        error.set(None);
                        done.set(true);
                        again.set(false);
                    }
                    Err(e) => error.set(desk.message(e)),
                }
                busy.set(false);
            });
        })
    };
    let show_form = !enrolled || *again;
    let enroll_again = {
        let (again, done) = (again.clone(), done.clone());
        Callback::from(move |_: MouseEvent| {
            done.set(false);
            again.set(true);
        })
    };
    let open_status = desk.navigate.reform(|_: MouseEvent| Page::HeadOffice);
    html! {
        <section class="card narrow" aria-labelledby="enroll-title">
            <h2 id="enroll-title">{t!("office-title")}</h2>
            if *done {
                <p class="success" role="status" id="enroll-done">{t!("office-enrolled")}</p>
            }
            if enrolled && !*again {
                <p id="enroll-status">{crate::i18n::head_office(&desk.state.head_office)}</p>
                <div class="actions">
                    <button id="open-head-office" onclick={open_status}>{t!("office-open-status")}</button>
                    <button class="quiet" id="enroll-again" onclick={enroll_again}>{t!("office-enroll-again")}</button>
                </div>
            }
            if show_form {
                <form {onsubmit} id="enroll-form">
                    if *again {
                        <p class="hint">{t!("office-enroll-again-hint")}</p>
                    } else {
                        <p class="hint">{t!("office-enroll-hint")}</p>
                    }
                    <EnrollFields value={(*enrollment).clone()} {on_change} />
                    if let Some(e) = (*error).clone() { <p class="error" role="alert" id="enroll-error">{e}</p> }
                    <div class="actions">
                        <button id="enroll-submit" class="primary" disabled={*busy}>
                            { if *busy { t!("office-enrolling") } else { t!("office-enroll-submit") } }
                        </button>
                    </div>
                </form>
            }
        </section>
    }
}
