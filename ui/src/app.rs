//! The shell: which stage the desk is in (set-up, unlock, login, locked, ready), the page shown,
//! keyboard shortcuts and the idle lock.

use std::cell::Cell;
use std::rc::Rc;

use gloo_timers::callback::Interval;
use rapport_model::ErrorCode;
use rapport_model::ipc::{DeskState, ErrorReply, Stage};
use rapport_model::staff::Language;
use rapport_model::{AppointmentId, PatientId, Role, StaffId};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::pages::{
    booking, call_list, figures, front_desk, gates, glance, head_office, records, register, schedule, settings, week,
};
use crate::{api, i18n, t};

/// The screens of the ready desk.
#[derive(Clone, Debug, PartialEq)]
pub enum Page {
    /// Search, with a patient's card open or not.
    FrontDesk(Option<PatientId>),
    Register,
    Schedule,
    /// A doctor's week (the first doctor when none is named).
    Week(Option<StaffId>),
    /// Booking for a patient, or moving one of their appointments.
    Book {
        patient: PatientId,
        moving: Option<AppointmentId>,
    },
    CallList,
    Glance(Option<PatientId>),
    /// Sync status in detail and the conflicts.
    HeadOffice,
    Settings,
    /// A manager's figures: segments, reports, campaigns, surveys.
    Figures,
    /// A manager's records: the duplicate review queue and merges.
    Records,
    /// The logged-in member changes their own password.
    Password,
}

/// What every page can reach.
#[derive(Clone, PartialEq)]
pub struct Desk {
    pub state: Rc<DeskState>,
    pub navigate: Callback<Page>,
    /// Takes a fresh state from a command (after login, lock, set-up…).
    pub set_state: Callback<DeskState>,
    /// Bumped to ask the front desk to focus its search box.
    pub focus_search: u32,
    /// Asks the shell how sync stands now, for the top bar's indicator.
    pub refresh_head_office: Callback<()>,
}

impl Desk {
    /// Turns a refused command into a message to show; a refusal because the desk locked
    /// itself shows the lock screen instead.
    pub fn message(&self, e: ErrorReply) -> Option<String> {
        if e.code == ErrorCode::Locked {
            let set_state = self.set_state.clone();
            spawn_local(async move {
                if let Ok(s) = api::desk_state().await {
                    set_state.emit(s);
                }
            });
            None
        } else {
            Some(crate::i18n::refusal(&e))
        }
    }
}

#[component]
pub fn App() -> Html {
    let state = use_state(|| None::<Rc<DeskState>>);
    let failure = use_state(|| None::<String>);
    {
        let state = state.clone();
        let failure = failure.clone();
        use_effect_with((), move |_| {
            spawn_local(async move {
                match api::desk_state().await {
                    Ok(s) => state.set(Some(Rc::new(s))),
                    Err(e) => failure.set(Some(crate::i18n::refusal(&e))),
                }
            });
        });
    }
    let set_state = {
        let state = state.clone();
        Callback::from(move |s: DeskState| state.set(Some(Rc::new(s))))
    };
    if let Some(message) = (*failure).clone() {
        return html! {
            <div class="gate"><div class="card" role="alert">
                <h1>{t!("app-cannot-open")}</h1>
                <p class="error">{message}</p>
            </div></div>
        };
    }
    let Some(desk_state) = (*state).clone() else {
        return html! { <div class="gate"><p class="hint">{t!("app-opening")}</p></div> };
    };
    // The staff member's language, for everything rendered from here on (the lock and login
    // screens keep the last one's).
    if let Some(staff) = &desk_state.staff {
        i18n::set_language(staff.language);
        crate::dom::set_document_language(staff.language.as_str());
    }
    match desk_state.stage {
        Stage::Setup => html! { <gates::Setup state={desk_state} on_done={set_state} /> },
        Stage::UnlockDatabase => html! { <gates::UnlockDatabase on_done={set_state} /> },
        Stage::Login => html! { <gates::Login state={desk_state} on_done={set_state} /> },
        Stage::Locked => html! { <gates::Locked state={desk_state} on_done={set_state} /> },
        Stage::ChangePassword => html! { <gates::ChangePassword forced=true on_done={set_state} /> },
        Stage::Ready => html! { <Shell state={desk_state} {set_state} /> },
    }
}

#[derive(Properties, PartialEq)]
struct ShellProps {
    state: Rc<DeskState>,
    set_state: Callback<DeskState>,
}

const IDLE_CHECK_MS: u32 = 1_000;
/// How often activity without commands is reported to the shell's idle clock.
const TOUCH_EVERY_MS: f64 = 20_000.0;
/// How often the head-office indicator asks the shell how sync stands.
const HEAD_OFFICE_EVERY_MS: u32 = 10_000;

#[component]
fn Shell(props: &ShellProps) -> Html {
    let default_page = match props.state.staff.as_ref().map(|s| s.role) {
        Some(Role::Clinician) => Page::Glance(None),
        _ => Page::FrontDesk(None),
    };
    let page = use_state(|| default_page);
    let focus_search = use_state(|| 0u32);
    let last_activity = use_mut_ref(|| Rc::new(Cell::new(js_sys::Date::now())));

    // The head-office indicator follows background sync (last sync, waiting changes, conflicts).
    let head_office = use_state(|| props.state.head_office.clone());
    let refresh_head_office = {
        let head_office = head_office.clone();
        Callback::from(move |()| {
            let head_office = head_office.clone();
            spawn_local(async move {
                if let Ok(h) = api::head_office().await {
                    head_office.set(h);
                }
            });
        })
    };
    {
        let (head_office, refresh) = (head_office.clone(), refresh_head_office.clone());
        use_effect_with(props.state.head_office.clone(), move |initial| {
            head_office.set(initial.clone());
            let interval = Interval::new(HEAD_OFFICE_EVERY_MS, move || refresh.emit(()));
            move || drop(interval)
        });
    }

    // Idle lock: checked every second against the last key press or pointer movement.
    {
        let last_activity = last_activity.borrow().clone();
        let set_state = props.set_state.clone();
        let idle_ms = f64::from(props.state.idle_lock_seconds) * 1000.0;
        use_effect_with(props.state.idle_lock_seconds, move |_| {
            last_activity.set(js_sys::Date::now());
            let interval = Interval::new(IDLE_CHECK_MS, move || {
                if js_sys::Date::now() - last_activity.get() > idle_ms {
                    last_activity.set(f64::INFINITY); // lock once
                    let set_state = set_state.clone();
                    spawn_local(async move {
                        if let Ok(s) = api::lock().await {
                            set_state.emit(s);
                        }
                    });
                }
            });
            move || drop(interval)
        });
    }
    let lock = {
        let set_state = props.set_state.clone();
        Callback::from(move |_| {
            let set_state = set_state.clone();
            spawn_local(async move {
                if let Ok(s) = api::lock().await {
                    set_state.emit(s);
                }
            });
        })
    };
    let navigate = {
        let page = page.clone();
        let focus_search = focus_search.clone();
        Callback::from(move |p: Page| {
            if matches!(p, Page::FrontDesk(_)) {
                focus_search.set(*focus_search + 1);
            }
            page.set(p);
        })
    };
    // Activity restarts the page's idle clock at once and the shell's at most every
    // `TOUCH_EVERY_MS`, so both agree on when the desk was last used.
    let last_touch = use_mut_ref(|| 0.0f64);
    let on_activity = {
        let last_activity = last_activity.borrow().clone();
        Callback::from(move |_: ()| {
            let now = js_sys::Date::now();
            last_activity.set(now);
            let mut touched = last_touch.borrow_mut();
            if now - *touched > TOUCH_EVERY_MS {
                *touched = now;
                spawn_local(async {
                    let _ = api::touch().await; // a refusal shows at the next real command
                });
            }
        })
    };
    let may_configure = matches!(props.state.staff.as_ref().map(|s| s.role), Some(Role::Manager | Role::Admin));
    let onkeydown = {
        let navigate = navigate.clone();
        let lock = lock.clone();
        let on_activity = on_activity.clone();
        Callback::from(move |e: KeyboardEvent| {
            on_activity.emit(());
            let in_field = e
                .target()
                .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
                .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA"));
            let key = e.key();
            if (e.ctrl_key() && key.eq_ignore_ascii_case("k")) || (key == "/" && !in_field) {
                e.prevent_default();
                navigate.emit(Page::FrontDesk(None));
            } else if e.ctrl_key() && key.eq_ignore_ascii_case("l") {
                e.prevent_default();
                lock.emit(());
            } else if e.alt_key() {
                let target = match key.as_str() {
                    "1" => Some(Page::FrontDesk(None)),
                    "2" => Some(Page::Schedule),
                    "3" => Some(Page::Register),
                    "4" => Some(Page::CallList),
                    "5" => Some(Page::Glance(None)),
                    "6" => Some(Page::HeadOffice),
                    "7" if may_configure => Some(Page::Settings),
                    "8" if may_configure => Some(Page::Figures),
                    "9" if may_configure => Some(Page::Records),
                    _ => None,
                };
                if let Some(p) = target {
                    e.prevent_default();
                    navigate.emit(p);
                }
            }
        })
    };
    let onpointer = {
        let on_activity = on_activity.clone();
        Callback::from(move |_: MouseEvent| on_activity.emit(()))
    };

    let desk = Desk {
        state: props.state.clone(),
        navigate: navigate.clone(),
        set_state: props.set_state.clone(),
        focus_search: *focus_search,
        refresh_head_office,
    };
    let tab = |label: String, key: &'static str, target: Page, current: bool| {
        let navigate = navigate.clone();
        html! {
            <button aria-current={current.then_some("page")} onclick={move |_| navigate.emit(target.clone())}
                title={t!("app-shortcut", key = key)}>
                {label}
            </button>
        }
    };
    let current = (*page).clone();
    let staff = props.state.staff.clone();
    let choose_language = {
        let set_state = props.set_state.clone();
        Callback::from(move |e: Event| {
            let Ok(language) = e.target_unchecked_into::<web_sys::HtmlSelectElement>().value().parse::<Language>()
            else {
                return;
            };
            let set_state = set_state.clone();
            spawn_local(async move {
                if let Ok(s) = api::set_language(language).await {
                    set_state.emit(s);
                }
            });
        })
    };
    let body = match current.clone() {
        Page::FrontDesk(open) => html! { <front_desk::FrontDesk {open} /> },
        Page::Register => html! { <register::Register /> },
        Page::Schedule => html! { <schedule::Schedule /> },
        Page::Week(doctor) => html! { <week::Week {doctor} /> },
        Page::Book { patient, moving } => html! { <booking::Booking {patient} {moving} /> },
        Page::CallList => html! { <call_list::CallList /> },
        Page::Glance(patient) => html! { <glance::Glance {patient} /> },
        Page::HeadOffice => html! { <head_office::HeadOffice /> },
        Page::Settings => html! { <settings::Settings /> },
        Page::Figures => html! { <figures::Figures /> },
        Page::Records => html! { <records::Records /> },
        Page::Password => {
            let (set_state, navigate) = (props.set_state.clone(), navigate.clone());
            let on_done = Callback::from(move |s: DeskState| {
                set_state.emit(s);
                navigate.emit(Page::FrontDesk(None));
            });
            html! { <gates::ChangePassword forced=false {on_done} /> }
        }
    };
    html! {
        <ContextProvider<Desk> context={desk}>
            <div class="shell" {onkeydown} onmousedown={onpointer.clone()} onmousemove={onpointer}>
                <header class="topbar">
                    <span class="brand-mark">{"Rapport"}</span>
                    <span class="who">{props.state.clinic_name.clone().unwrap_or_default()}</span>
                    <nav aria-label={t!("app-screens")}>
                        {tab(t!("app-tab-front-desk"), "1", Page::FrontDesk(None), matches!(current, Page::FrontDesk(_) | Page::Book { .. }))}
                        {tab(t!("app-tab-today"), "2", Page::Schedule, matches!(current, Page::Schedule | Page::Week(_)))}
                        {tab(t!("app-tab-new-patient"), "3", Page::Register, current == Page::Register)}
                        {tab(t!("app-tab-call-list"), "4", Page::CallList, current == Page::CallList)}
                        {tab(t!("app-tab-glance"), "5", Page::Glance(None), matches!(current, Page::Glance(_)))}
                        if may_configure { {tab(t!("app-tab-figures"), "8", Page::Figures, current == Page::Figures)} }
                        if may_configure { {tab(t!("app-tab-records"), "9", Page::Records, current == Page::Records)} }
                        if may_configure { {tab(t!("app-tab-settings"), "7", Page::Settings, current == Page::Settings)} }
                    </nav>
                    <span class="spacer"></span>
                    <button class="sync" id="head-office-status" title={t!("app-head-office-title")}
                        aria-current={(current == Page::HeadOffice).then_some("page")}
                        onclick={navigate.reform(|_: MouseEvent| Page::HeadOffice)}>
                        <span class={classes!("dot", head_office.connected.then_some("on"))} aria-hidden="true"></span>
                        <span role="status">{crate::i18n::head_office(&head_office)}</span>
                    </button>
                    <span class="who">{staff.map(|s| format!("{} · {}", s.name, i18n::role(s.role))).unwrap_or_default()}</span>
                    <label class="sr-only" for="language">{t!("app-language")}</label>
                    <select id="language" class="quiet" onchange={choose_language}>
                        { for Language::ALL.iter().map(|l| html! {
                            <option value={l.as_str()} lang={l.as_str()} selected={*l == i18n::language()}>{l.name()}</option>
                        }) }
                    </select>
                    <button class="quiet" id="own-password" onclick={navigate.reform(|_: MouseEvent| Page::Password)}
                        aria-current={(current == Page::Password).then_some("page")}>{t!("app-password")}</button>
                    <button class="quiet" onclick={move |_| lock.emit(())} title={t!("app-lock-title")}>{t!("app-lock")}</button>
                </header>
                <main id="main">{body}</main>
            </div>
        </ContextProvider<Desk>>
    }
}
