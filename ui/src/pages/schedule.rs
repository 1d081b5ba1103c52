//! Today's schedule, per doctor: status, one-key check-in, live waiting timers (amber from 15
//! minutes, red from 30, with an apology cue and something to talk about), seen / done /
//! no-show / cancel. A no-show puts a call to rebook on the call list; a slot freed by a cancel
//! or a no-show is offered to the waitlist. Walk-ins are queued with the booked patients (each
//! arrival shows their place in the doctor's queue); the waitlist is listed below.

use std::rc::Rc;

use chrono::NaiveDate;
use gloo_timers::callback::Interval;
use rapport_model::view::{FreeSlot, ScheduleRow, WaitlistView};
use rapport_model::{AppointmentStatus, StatusChange, WaitLevel};
use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::app::{Desk, Page};
use crate::components::WaitlistOffers;
use crate::{api, format, i18n, t};

/// How often the waiting timers move.
const TICK_MS: u32 = 15_000;

/// What the last change did, said after it.
#[derive(Clone, PartialEq)]
struct Notice {
    text: String,
    /// It left a call to rebook (a no-show).
    call: bool,
    /// The slot it freed, to offer the waitlist.
    freed: Option<FreeSlot>,
}

/// The key and button label of each change, as the schedule offers them.
fn action(change: StatusChange) -> Option<(&'static str, String)> {
    match change {
        StatusChange::CheckIn => Some(("c", t!("schedule-action-check-in"))),
        StatusChange::Seen => Some(("s", t!("schedule-action-seen"))),
        StatusChange::Done => Some(("d", t!("schedule-action-done"))),
        StatusChange::NoShow => Some(("n", t!("schedule-action-no-show"))),
        StatusChange::Cancel => Some(("x", t!("schedule-action-cancel"))),
        StatusChange::Confirm => None,
    }
}

#[component]
pub fn Schedule() -> Html {
    let Some(desk) = use_context::<Desk>() else { return html! {} };
    let day = use_state(|| desk.state.today);
    let rows = use_state(|| Rc::new(Vec::<ScheduleRow>::new()));
    let loaded = use_state(|| false);
    let error = use_state(|| None::<String>);
    let notice = use_state(|| None::<Notice>);
    let now = use_state(format::now);
    let waitlist = use_state(Vec::<WaitlistView>::new);
    let reload = {
        let (rows, loaded, error, desk, day, waitlist) =
            (rows.clone(), loaded.clone(), error.clone(), desk.clone(), day.clone(), waitlist.clone());
        Callback::from(move |_: ()| {
            let (rows, loaded, error, desk, day, waitlist) =
                (rows.clone(), loaded.clone(), error.clone(), desk.clone(), *day, waitlist.clone());
            spawn_local(async move {
                match (api::day_schedule(day, None).await, api::waitlist().await) {
                    (Ok(r), Ok(w)) => {
                        rows.set(Rc::new(r));
                        waitlist.set(w);
                        loaded.set(true);
                    }
                    (Err(e), _) | (_, Err(e)) => error.set(desk.message(e)),
                }
            });
        })
    };
    {
        let reload = reload.clone();
        use_effect_with(*day, move |_| reload.emit(()));
    }
    {
        let now = now.clone();
        use_effect_with((), move |_| {
            let interval = Interval::new(TICK_MS, move || now.set(format::now()));
            move || drop(interval)
        });
    }
    let change = {
        let (reload, error, notice, desk) = (reload.clone(), error.clone(), notice.clone(), desk.clone());
        Callback::from(move |(row, change): (ScheduleRow, StatusChange)| {
            let (reload, error, notice, desk) = (reload.clone(), error.clone(), notice.clone(), desk.clone());
            spawn_local(async move {
                match api::change_status(row.appointment.id, change).await {
                    Ok(_) => {
                        error.set(None);
                        let name = row.patient.full_name();
                        notice.set(Some(Notice {
                            text: match change {
                                StatusChange::NoShow => t!("schedule-notice-no-show", name = name.as_str()),
                                StatusChange::CheckIn => t!("schedule-notice-checked-in", name = name.as_str()),
                                other => t!(
                                    "schedule-notice-status",
                                    name = name.as_str(),
                                    status = i18n::status(other.target()).to_lowercase()
                                ),
                            },
                            call: change == StatusChange::NoShow,
                            freed: matches!(change, StatusChange::Cancel | StatusChange::NoShow)
                                .then_some(FreeSlot {
                                    doctor: row.appointment.doctor,
                                    starts_at: row.appointment.starts_at,
                                    minutes: row.appointment.minutes,
                                })
                                .filter(|_| !row.appointment.walk_in),
                        }));
                        reload.emit(());
                    }
                    Err(e) => error.set(desk.message(e)),
                }
            });
        })
    };
    let on_day = {
        let day = day.clone();
        Callback::from(move |e: Event| {
            if let Ok(d) = e.target_unchecked_into::<HtmlInputElement>().value().parse::<NaiveDate>() {
                day.set(d);
            }
        })
    };
    let mut doctors: Vec<String> = rows.iter().map(|r| r.doctor_name.clone()).collect();
    doctors.sort();
    doctors.dedup();
    let waiting = rows.iter().filter(|r| r.appointment.status == AppointmentStatus::Arrived).count();
    let walk_ins =
        rows.iter().filter(|r| r.appointment.status == AppointmentStatus::Arrived && r.appointment.walk_in).count();
    let remove = {
        let (reload, error, desk) = (reload.clone(), error.clone(), desk.clone());
        Callback::from(move |id: uuid::Uuid| {
            let (reload, error, desk) = (reload.clone(), error.clone(), desk.clone());
            spawn_local(async move {
                match api::remove_from_waitlist(id).await {
                    Ok(()) => reload.emit(()),
                    Err(e) => error.set(desk.message(e)),
                }
            });
        })
    };
    html! {
        <div>
            <div class="toolbar">
                <div>
                    <h1>{if *day == desk.state.today { t!("schedule-today") } else { format::day(*day) }}</h1>
                    <p class="hint" id="schedule-summary">{t!(
                        "schedule-summary",
                        day = format::day(*day),
                        count = rows.len(),
                        waiting = waiting,
                        walkins = walk_ins
                    )}</p>
                </div>
                <div>
                    <label for="schedule-day">{t!("schedule-day")}</label>
                    <input id="schedule-day" type="date" value={day.to_string()} onchange={on_day} />
                </div>
                <button class="quiet" id="open-week" onclick={desk.navigate.reform(|_: MouseEvent| Page::Week(None))}>{t!("schedule-week-view")}</button>
                <p class="hint">{t!("schedule-keys-on-a-row")}{" "}<kbd>{"C"}</kbd>{" "}{t!("schedule-key-check-in")}{" · "}
                    <kbd>{"S"}</kbd>{" "}{t!("schedule-key-seen")}{" · "}
                    <kbd>{"D"}</kbd>{" "}{t!("schedule-key-done")}{" · "}
                    <kbd>{"N"}</kbd>{" "}{t!("schedule-key-no-show")}{" · "}
                    <kbd>{"X"}</kbd>{" "}{t!("schedule-key-cancel")}</p>
            </div>
            if let Some(message) = (*error).clone() { <p class="error" role="alert">{message}</p> }
            if let Some(message) = (*notice).clone() {
                <p class="success" role="status" id="schedule-notice">{message.text.clone()}
                    if message.call {
                        {" "}<button class="quiet" onclick={{ let n = desk.navigate.clone(); move |_| n.emit(Page::CallList) }}>{t!("schedule-open-call-list")}</button>
                    }
                </p>
                if let Some(slot) = message.freed {
                    <WaitlistOffers {slot} on_taken={reload.clone()} />
                }
            }
            if *loaded && rows.is_empty() { <p class="empty">{t!("schedule-no-appointments")}</p> }
            <div class="columns">
                { for doctors.iter().map(|doctor| html! {
                    <section class="card" aria-label={t!("schedule-appointments-with", doctor = doctor.as_str())}>
                        <h2>{doctor.clone()}</h2>
                        <table>
                            <thead><tr><th>{t!("schedule-time")}</th><th>{t!("schedule-patient")}</th><th>{t!("schedule-status-wait")}</th><th><span class="sr-only">{t!("actions")}</span></th></tr></thead>
                            <tbody>
                                { for rows.iter().filter(|r| &r.doctor_name == doctor).map(|r| html! {
                                    <Row row={r.clone()} now={*now} on_change={change.clone()} />
                                }) }
                            </tbody>
                        </table>
                    </section>
                }) }
            </div>
            <section class="card" id="waitlist" aria-labelledby="waitlist-title">
                <h2 id="waitlist-title">{t!("schedule-waitlist")}</h2>
                if waitlist.is_empty() {
                    <p class="hint">{t!("schedule-waitlist-empty")}</p>
                } else {
                    <table>
                        <thead><tr><th>{t!("schedule-patient")}</th><th>{t!("schedule-with")}</th><th>{t!("schedule-now-booked")}</th><th>{t!("schedule-since")}</th><th><span class="sr-only">{t!("actions")}</span></th></tr></thead>
                        <tbody>
                            { for waitlist.iter().map(|w| {
                                let id = w.entry.id;
                                let remove = remove.clone();
                                html! {
                                    <tr data-patient={w.patient.id.to_string()}>
                                        <td>{w.patient.full_name()}
                                            if let Some(note) = &w.entry.note { <div class="hint">{note.clone()}</div> }
                                        </td>
                                        <td>{w.doctor_name.clone().unwrap_or_else(|| t!("schedule-any-doctor"))}{" · "}{t!("minutes", minutes = w.entry.minutes)}</td>
                                        <td>{w.holds.map(|t| format::when(t, desk.state.today)).unwrap_or_else(|| "—".into())}</td>
                                        <td>{format::recorded(w.entry.added_at, desk.state.today)}</td>
                                        <td><button class="quiet" onclick={move |_| remove.emit(id)}>{t!("remove")}</button></td>
                                    </tr>
                                }
                            }) }
                        </tbody>
                    </table>
                }
            </section>
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct RowProps {
    row: ScheduleRow,
    now: chrono::DateTime<chrono::Utc>,
    on_change: Callback<(ScheduleRow, StatusChange)>,
}

#[component]
fn Row(props: &RowProps) -> Html {
    let Some(desk) = use_context::<Desk>() else { return html! {} };
    let r = &props.row;
    let a = &r.appointment;
    let changes: Vec<(StatusChange, &str, String)> = StatusChange::ALL
        .into_iter()
        .filter(|c| c.applies_to(a.status))
        .filter_map(|c| action(c).map(|(key, label)| (c, key, label)))
        .collect();
    let onkeydown = {
        let (row, on_change, changes) = (r.clone(), props.on_change.clone(), changes.clone());
        Callback::from(move |e: KeyboardEvent| {
            if e.ctrl_key() || e.alt_key() || e.meta_key() {
                return;
            }
            let key = e.key().to_ascii_lowercase();
            if let Some((change, ..)) = changes.iter().find(|(_, k, _)| *k == key) {
                e.prevent_default();
                on_change.emit((row.clone(), *change));
            }
        })
    };
    let wait = a.wait_cue(props.now);
    let open = {
        let (navigate, id) = (desk.navigate.clone(), r.patient.id);
        move |_: MouseEvent| navigate.emit(Page::FrontDesk(Some(id)))
    };
    let status_class = a.status.as_str().replace('_', "-");
    html! {
        <tr class={classes!("row", a.status.is_final().then_some("final"))} tabindex="0" {onkeydown}
            data-appointment={a.id.to_string()} data-status={a.status.as_str()}>
            <td class="time">{format::time(a.starts_at)}</td>
            <td>
                <button class="link" onclick={open} tabindex="-1">{r.patient.full_name()}</button>
                if a.walk_in { <span class="tag walk-in">{t!("schedule-walk-in")}</span> }
                if let Some(reason) = &a.reason { <div class="hint">{reason.clone()}</div> }
                if let Some(w) = wait.filter(|w| w.level == WaitLevel::Red) {
                    <div class="cue">{t!("schedule-wait-apologise", wait = format::minutes(w.minutes))}
                        if let Some(topic) = &r.talk_about { {" "}{t!("schedule-talk-about", topic = topic.as_str())} }
                    </div>
                } else if wait.is_some_and(|w| w.level == WaitLevel::Amber) {
                    <div class="cue">{t!("schedule-wait-long")}</div>
                }
            </td>
            <td>
                <span class={classes!("status", status_class)}>{i18n::status(a.status)}</span>
                if let Some(by) = r.confirmed_by {
                    <span class="hint confirmed-by" data-confirmed-by={rapport_model::outreach::channel_word(by)}>
                        {" "}{t!("schedule-confirmed-by", channel = i18n::channel(by))}
                    </span>
                }
                if let Some(place) = r.queue_place {
                    <span class="hint queue-place">{" · "}{t!("schedule-in-queue", place = format::place(place))}</span>
                }
                if let Some(w) = wait {
                    {" "}
                    <span class={classes!("wait", level_name(w.level))} data-wait-level={level_name(w.level)}
                        title={t!("schedule-wait-title")}>
                        {format::minutes(w.minutes)}
                    </span>
                }
            </td>
            <td>
                <div class="row-actions">
                    { for changes.iter().map(|(change, key, label)| {
                        let (row, on_change, change) = (r.clone(), props.on_change.clone(), *change);
                        html! {
                            <button class="quiet" data-action={change_name(change)} tabindex="-1"
                                onclick={move |_| on_change.emit((row.clone(), change))}
                                title={format!("{label} ({})", key.to_uppercase())}>{label.clone()}</button>
                        }
                    }) }
                </div>
            </td>
        </tr>
    }
}

fn level_name(level: WaitLevel) -> &'static str {
    match level {
        WaitLevel::Fine => "fine",
        WaitLevel::Amber => "amber",
        WaitLevel::Red => "red",
    }
}

fn change_name(c: StatusChange) -> &'static str {
    match c {
        StatusChange::Confirm => "confirm",
        StatusChange::CheckIn => "check-in",
        StatusChange::Seen => "seen",
        StatusChange::Done => "done",
        StatusChange::NoShow => "no-show",
        StatusChange::Cancel => "cancel",
    }
}
