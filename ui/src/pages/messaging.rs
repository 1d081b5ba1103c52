//! Messages to patients, for managers and admins (in Settings): how the clinic sends (reminder
//! lead time, hold after booking, quiet hours, greetings), its own words for each kind of
//! message, and its recall rules. Head office sends by them once they have synced.

use rapport_model::ipc::TemplateArgs;
use rapport_model::outreach::{self, MessagingEdit, MessagingView, RecallRule, TemplateView};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::api;
use crate::app::Desk;
use crate::dom::{checked, input_value, text_value};

/// The form's settings as an edit: a number that does not parse is left as it was; the second
/// reminder's field left blank (or 0) means none.
fn edit_from_form() -> MessagingEdit {
    let number = |id: &str| input_value(id).trim().parse::<u32>().ok();
    let second = input_value("second-reminder-hours");
    MessagingEdit {
        reminder_hours: number("reminder-hours"),
        second_reminder_hours: Some(second.trim().parse::<u32>().ok().filter(|h| *h > 0)),
        hold_minutes: number("hold-minutes"),
        quiet_hours: Some(input_value("quiet-hours")),
        timezone: Some(input_value("timezone")),
        birthday_hour: number("birthday-hour"),
        birthday_offer: Some(checked("birthday-offer")),
        weekly_cap: number("weekly-cap"),
        language: Some(input_value("messaging-language")),
    }
}

fn template_id(t: &TemplateView) -> String {
    format!("template-{}-{}-{}", t.kind, outreach::channel_word(t.channel), t.language)
}

#[component]
pub fn Messaging() -> Html {
    let Some(desk) = use_context::<Desk>() else { return html! {} };
    let settings = use_state(|| None::<MessagingView>);
    let templates = use_state(Vec::<TemplateView>::new);
    let rules = use_state(Vec::<RecallRule>::new);
    let error = use_state(|| None::<String>);
    let notice = use_state(|| None::<String>);
    let reload = {
        let (settings, templates, rules, error, desk) =
            (settings.clone(), templates.clone(), rules.clone(), error.clone(), desk.clone());
        Callback::from(move |_: ()| {
            let (settings, templates, rules, error, desk) =
                (settings.clone(), templates.clone(), rules.clone(), error.clone(), desk.clone());
            spawn_local(async move {
                match (api::messaging_settings().await, api::templates().await, api::recall_rules().await) {
                    (Ok(s), Ok(t), Ok(r)) => {
                        settings.set(Some(s));
                        templates.set(t);
                        rules.set(r);
                    }
                    (Err(e), ..) | (_, Err(e), _) | (.., Err(e)) => error.set(desk.message(e)),
                }
            });
        })
    };
    {
        let reload = reload.clone();
        use_effect_with((), move |_| reload.emit(()));
    }
    // Each save says what happened and reloads what it changed.
    let done = {
        let (reload, error, notice) = (reload.clone(), error.clone(), notice.clone());
        Callback::from(move |said: String| {
            error.set(None);
            notice.set(Some(said));
            reload.emit(());
        })
    };
    let failed = {
        let (error, notice, desk) = (error.clone(), notice.clone(), desk.clone());
        Callback::from(move |e| {
            notice.set(None);
            error.set(desk.message(e));
        })
    };
    let save_settings = {
        let (done, failed) = (done.clone(), failed.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (done, failed) = (done.clone(), failed.clone());
            let edit = edit_from_form();
            spawn_local(async move {
                match api::set_messaging(&edit).await {
                    Ok(_) => done
                        .emit("Messaging settings saved. Head office sends by them once this desk has synced.".into()),
                    Err(e) => failed.emit(e),
                }
            });
        })
    };
    let add_rule = {
        let (done, failed) = (done.clone(), failed.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (done, failed) = (done.clone(), failed.clone());
            let (tag, months) =
                (input_value("recall-tag"), input_value("recall-months").trim().parse::<u32>().unwrap_or(0));
            spawn_local(async move {
                match api::set_recall_rule(tag, months).await {
                    Ok(r) => {
                        done.emit(format!("Patients tagged “{}” are recalled every {} months.", r.tag, r.every_months))
                    }
                    Err(e) => failed.emit(e),
                }
            });
        })
    };
    let template_row = |t: &TemplateView| {
        let id = template_id(t);
        let (done, failed, view) = (done.clone(), failed.clone(), t.clone());
        let save = {
            let id = id.clone();
            Callback::from(move |_: MouseEvent| {
                let (done, failed) = (done.clone(), failed.clone());
                let dlt = input_value(&format!("{id}-dlt"));
                let args = TemplateArgs {
                    kind: view.kind,
                    channel: view.channel,
                    language: view.language.clone(),
                    text: text_value(&id),
                    dlt_template_id: Some(dlt).filter(|d| !d.trim().is_empty()),
                };
                spawn_local(async move {
                    match api::set_template(&args).await {
                        Ok(t) => done.emit(format!(
                            "{} by {} ({}) saved.",
                            t.kind.label(),
                            outreach::channel_word(t.channel),
                            t.language
                        )),
                        Err(e) => failed.emit(e),
                    }
                });
            })
        };
        let parts = t.sms_parts.map(|p| {
            let unicode = if t.unicode { ", Unicode" } else { "" };
            format!("{p} SMS part{}{unicode}", if p == 1 { "" } else { "s" })
        });
        html! {
            <li class="template" data-kind={t.kind.as_str()} data-channel={outreach::channel_word(t.channel)} data-custom={t.custom.to_string()}>
                <div class="template-head">
                    <strong>{t.kind.label()}</strong>
                    {format!(" · {} · {}", outreach::channel_word(t.channel).to_uppercase(), t.language)}
                    <span class="hint">{ if t.custom { " · the clinic's own" } else { " · Rapport's default" } }</span>
                    if let Some(p) = parts { <span class="hint">{format!(" · {p}")}</span> }
                </div>
                <textarea id={id.clone()} rows="3" aria-label={format!("{} text", t.kind.label())} defaultvalue={t.text.clone()} />
                <div class="row-actions">
                    if t.channel == rapport_model::Channel::Sms {
                        <input id={format!("{id}-dlt")} placeholder="DLT template id (India)" value={t.dlt_template_id.clone().unwrap_or_default()}
                            aria-label="DLT template id" inputmode="numeric" />
                    }
                    <button class="quiet" onclick={save}>{"Save text"}</button>
                </div>
            </li>
        }
    };
    let slots: Vec<String> = outreach::Slot::ALL.iter().map(|s| format!("{{{}}}", s.name())).collect();
    html! {
        <>
        <section class="card messaging medium" aria-labelledby="messaging-title" id="messaging-settings">
            <h2 id="messaging-title">{"Messages to patients"}</h2>
            <p class="hint">{"Head office sends reminders, greetings and recalls by these settings, in the clinic's time zone; nothing goes in the quiet hours."}</p>
            if let Some(message) = (*error).clone() { <p class="error" role="alert">{message}</p> }
            if let Some(message) = (*notice).clone() { <p class="notice" role="status" id="messaging-notice">{message}</p> }
            { match (*settings).clone() {
                None => html! { <p class="hint">{"Loading…"}</p> },
                Some(s) => html! {
                    <form class="grid" onsubmit={save_settings}>
                        <label for="reminder-hours">{"Reminder, hours before the visit"}</label>
                        <input id="reminder-hours" type="number" min="1" max="168" value={s.reminder_hours.to_string()} />
                        <label for="second-reminder-hours">{"Second reminder, hours before (blank: none)"}</label>
                        <input id="second-reminder-hours" type="number" min="0" max="168" value={s.second_reminder_hours.map(|h| h.to_string()).unwrap_or_default()} />
                        <label for="hold-minutes">{"Hold after booking, minutes"}</label>
                        <input id="hold-minutes" type="number" min="0" max="120" value={s.hold_minutes.to_string()} />
                        <label for="quiet-hours">{"Quiet hours"}</label>
                        <input id="quiet-hours" value={s.quiet_hours.clone()} placeholder="21:00-08:00" />
                        <label for="timezone">{"Time zone"}</label>
                        <input id="timezone" value={s.timezone.clone()} placeholder="Asia/Kolkata" />
                        <label for="birthday-hour">{"Birthday greetings at (hour)"}</label>
                        <input id="birthday-hour" type="number" min="0" max="23" value={s.birthday_hour.to_string()} />
                        <label for="birthday-offer">{"Offer a free check-up in greetings"}</label>
                        <input id="birthday-offer" type="checkbox" checked={s.birthday_offer} />
                        <label for="weekly-cap">{"Greetings and offers per patient a week, at most"}</label>
                        <input id="weekly-cap" type="number" min="0" max="14" value={s.weekly_cap.to_string()} />
                        <label for="messaging-language">{"Clinic language"}</label>
                        <input id="messaging-language" value={s.language.clone()} placeholder="en" />
                        <span></span>
                        <button type="submit" id="save-messaging">{"Save settings"}</button>
                    </form>
                },
            } }
        </section>
        <section class="card messaging medium" aria-labelledby="templates-title" id="templates">
            <h2 id="templates-title">{"Message texts"}</h2>
            <p class="hint">{format!("Slots: {}. A text may use only the slots its kind has; nothing else about the patient is ever sent.", slots.join(" "))}</p>
            <ul class="templates">{ for templates.iter().map(template_row) }</ul>
        </section>
        <section class="card messaging medium" aria-labelledby="recalls-title" id="recall-rules">
            <h2 id="recalls-title">{"Recall rules"}</h2>
            <p class="hint">{"Patients carrying a condition tag are recalled this often after their last visit: by message where they agreed to one, and on the call list."}</p>
            if rules.is_empty() { <p class="empty">{"No recall rules yet."}</p> }
            <ul class="rules">{ for rules.iter().map(|r| html! {
                <li data-tag={r.tag.clone()}>{format!("{}: every {} months", r.tag, r.every_months)}</li>
            }) }</ul>
            <form class="row-actions" onsubmit={add_rule}>
                <input id="recall-tag" placeholder="Condition tag, e.g. diabetes" aria-label="Condition tag" />
                <input id="recall-months" type="number" min="1" max="120" placeholder="Months" aria-label="Every how many months" />
                <button type="submit" id="add-recall">{"Add or change"}</button>
            </form>
        </section>
        </>
    }
}
