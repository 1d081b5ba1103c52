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
use crate::format;

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
        return html! { <section class="card"><p class="hint">{"Asking how sync stands…"}</p></section> };
    };
    if !s.enrolled {
        let settings = desk.navigate.reform(|_: MouseEvent| Page::Settings);
        return html! {
            <section class="card narrow" aria-labelledby="ho-title">
                <h1 id="ho-title">{"Head office"}</h1>
                <p>{"This desk works on its own: it is not enrolled with a head office."}</p>
                if may_configure {
                    <p><button onclick={settings}>{"Enroll it in Settings"}</button></p>
                } else {
                    <p class="hint">{"A manager can enroll it in Settings with a code from head office."}</p>
                }
            </section>
        };
    }
    html! {
        <div class="head-office">
            <section class="card" aria-labelledby="ho-title">
                <h1 id="ho-title">{"Head office"}</h1>
                <div class="facts" id="sync-status">
                    <div><span>{"Clinic"}</span>{s.clinic.clone().unwrap_or_default()}</div>
                    <div><span>{"Head office"}</span>{s.server.clone().unwrap_or_default()}</div>
                    <div id="sync-last"><span>{"Last synced"}</span>
                        {s.last_success.map_or_else(|| "never".to_owned(), |t| format::when(t, today))}</div>
                    <div id="sync-pending"><span>{"Waiting to go up"}</span>{changes(s.pending)}</div>
                    <div id="sync-refused"><span>{"Refused by head office"}</span>{changes(s.refused)}</div>
                    <div id="sync-quarantined"><span>{"Not applied here"}</span>{changes(s.quarantined)}</div>
                </div>
                if let Some(e) = s.last_error.clone() {
                    <p class="error" role="alert" id="sync-error">{format!("The last sync failed: {e}.")}</p>
                }
                if let Some(at) = s.restored_at {
                    <p class="notice" id="sync-restored">{format!(
                        "Head office was restored from an older copy of its data ({}). This desk sent everything it \
                         holds again, so nothing made here is lost.", format::when(at, today)
                    )}</p>
                }
                <div class="actions">
                    <button id="sync-now" class="primary" disabled={*busy} onclick={sync_now}>
                        { if *busy { "Syncing…" } else { "Sync now" } }
                    </button>
                </div>
                if let Some((n, words)) = (*note).clone() {
                    <p class="success" role="status" id="sync-note" data-sync={n.to_string()}>{words}</p>
                }
                if let Some(e) = (*error).clone() { <p class="error" role="alert">{e}</p> }
            </section>
            <section class="card" aria-labelledby="conflicts-title">
                <h2 id="conflicts-title">{format!("Conflicts ({})", conflicts.len())}</h2>
                if conflicts.is_empty() {
                    <p class="hint" id="no-conflicts">{"Nothing to look at: every change here and at head office agrees."}</p>
                } else {
                    <p class="hint">{"Where this desk and another changed the same thing, or head office could not take a \
                        change. Keep what won, or write this desk's value again."}</p>
                    <ul class="conflicts" id="conflicts">
                        { for conflicts.iter().map(|c| conflict_row(c, &resolve, &desk.navigate, today)) }
                    </ul>
                }
            </section>
        </div>
    }
}

fn changes(n: u64) -> String {
    match n {
        0 => "none".to_owned(),
        1 => "1 change".to_owned(),
        n => format!("{n} changes"),
    }
}

/// What a sync moved, in a sentence.
fn report_words(r: &SyncReport) -> String {
    let mut words = format!("Synced: sent {}, received {}.", r.pushed, r.pulled);
    if r.conflicts > 0 {
        words.push_str(&format!(" {} new conflict(s) below.", r.conflicts));
    }
    if r.resent > 0 {
        words.push_str(" Head office had been restored from an older copy: this desk sent its data again.");
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
    let subject = view.patient_name.clone().unwrap_or_else(|| format!("a {} record", c.entity.as_str()));
    let field = c.field.as_deref().map(field_words);
    let (title, what) = match c.kind {
        ConflictKind::LostEdit => {
            ("Changed in two places", format!("{} of {subject}", field.clone().unwrap_or_else(|| "a field".into())))
        }
        ConflictKind::BookingRejected => ("Booking not kept", format!("an appointment of {subject}")),
        ConflictKind::Refused => ("Refused by head office", format!("a change to {subject}")),
        ConflictKind::Quarantined => ("Not applied here", format!("a change to {subject} from head office")),
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
                        {"open the card"}
                    </button>
                }
                <span class="when">{format::when(c.at, today)}</span>
            </div>
            if lost_edit {
                <div class="values">
                    <span>{"This desk: "}<q class="mine">{value_words(c.mine.as_ref())}</q></span>
                    <span>{"Kept: "}<q class="theirs">{value_words(c.theirs.as_ref())}</q></span>
                </div>
            }
            <p class="hint">{c.detail.clone()}</p>
            <div class="actions">
                if lost_edit {
                    <button class="keep-theirs" onclick={keep}>{"Keep what won"}</button>
                    <button class="reapply-mine" onclick={reapply}>{"Write mine again"}</button>
                } else {
                    <button class="keep-theirs" onclick={keep}>{"Seen, dismiss"}</button>
                }
            </div>
        </li>
    }
}

/// A replicated field as the desk names it.
fn field_words(field: &str) -> String {
    match field {
        "given" => "given name".into(),
        "family" => "family name".into(),
        "preferred" => "preferred name".into(),
        "phones" => "phone numbers".into(),
        "starts_at" => "time".into(),
        other => other.replace('_', " "),
    }
}

fn value_words(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => "(empty)".to_owned(),
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
            <h2 id="enroll-title">{"Head office"}</h2>
            if *done {
                <p class="success" role="status" id="enroll-done">{"Enrolled. This desk now syncs with head office in the background."}</p>
            }
            if enrolled && !*again {
                <p id="enroll-status">{desk.state.head_office.label.clone()}</p>
                <div class="actions">
                    <button id="open-head-office" onclick={open_status}>{"Sync status and conflicts"}</button>
                    <button class="quiet" id="enroll-again" onclick={enroll_again}>{"Enroll again with a new code"}</button>
                </div>
            }
            if show_form {
                <form {onsubmit} id="enroll-form">
                    if *again {
                        <p class="hint">{"For a desk head office revoked or moved: it keeps everything it has not sent yet."}</p>
                    } else {
                        <p class="hint">{"Enroll this desk so its patients and appointments are kept at head office and \
                            shared with the clinic's other desks. What it holds now goes up with the first sync."}</p>
                    }
                    <EnrollFields value={(*enrollment).clone()} {on_change} />
                    if let Some(e) = (*error).clone() { <p class="error" role="alert" id="enroll-error">{e}</p> }
                    <div class="actions">
                        <button id="enroll-submit" class="primary" disabled={*busy}>
                            { if *busy { "Enrolling…" } else { "Enroll this desk" } }
                        </button>
                    </div>
                </form>
            }
        </section>
    }
}
