//! Messages to patients, for managers and admins (in Settings): how the clinic sends (reminder
//! lead time, hold after booking, quiet hours, greetings), its own words for each kind of
//! message, and its recall rules. Head office sends by them once they have synced.

use rapport_model::ipc::TemplateArgs;
use rapport_model::outreach::{self, MessagingEdit, MessagingView, RecallRule, TemplateView};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::app::Desk;
use crate::dom::{checked, input_value, text_value};
use crate::{api, i18n, t};

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
                    Ok(_) => done.emit(t!("messaging-settings-saved")),
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
                    Ok(r) => done.emit(t!("messaging-recall-saved", tag = r.tag.as_str(), months = r.every_months)),
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
                        Ok(t) => done.emit(t!(
                            "messaging-template-saved",
                            kind = i18n::message_kind(t.kind),
                            channel = outreach::channel_word(t.channel),
                            language = t.language.as_str()
                        )),
                        Err(e) => failed.emit(e),
                    }
                });
            })
        };
        let parts = t.sms_parts.map(|p| {
            if t.unicode { t!("messaging-sms-parts-unicode", parts = p) } else { t!("messaging-sms-parts", parts = p) }
        });
        html! {
            <li class="template" data-kind={t.kind.as_str()} data-channel={outreach::channel_word(t.channel)} data-custom={t.custom.to_string()}>
                <div class="template-head">
                    <strong>{i18n::message_kind(t.kind)}</strong>
                    {format!(" · {} · {}", t!("messaging-template-channel", channel = outreach::channel_word(t.channel)), t.language)}
                    <span class="hint">{" · "}{ if t.custom { t!("messaging-template-own") } else { t!("messaging-template-default") } }</span>
                    if let Some(p) = parts { <span class="hint">{format!(" · {p}")}</span> }
                </div>
                <textarea id={id.clone()} rows="3" aria-label={t!("messaging-template-text", kind = i18n::message_kind(t.kind))} defaultvalue={t.text.clone()} />
                <div class="row-actions">
                    if t.channel == rapport_model::Channel::Sms {
                        <input id={format!("{id}-dlt")} placeholder={t!("messaging-dlt-example")} value={t.dlt_template_id.clone().unwrap_or_default()}
                            aria-label={t!("messaging-dlt")} inputmode="numeric" />
                    }
                    <button class="quiet" onclick={save}>{t!("messaging-save-text")}</button>
                </div>
            </li>
        }
    };
    let slots: Vec<String> = outreach::Slot::ALL.iter().map(|s| format!("{{{}}}", s.name())).collect();
    html! {
        <>
        <section class="card messaging medium" aria-labelledby="messaging-title" id="messaging-settings">
            <h2 id="messaging-title">{t!("messaging-title")}</h2>
            <p class="hint">{t!("messaging-hint")}</p>
            if let Some(message) = (*error).clone() { <p class="error" role="alert">{message}</p> }
            if let Some(message) = (*notice).clone() { <p class="notice" role="status" id="messaging-notice">{message}</p> }
            { match (*settings).clone() {
                None => html! { <p class="hint">{t!("loading")}</p> },
                Some(s) => html! {
                    <form class="grid" onsubmit={save_settings}>
                        <label for="reminder-hours">{t!("messaging-reminder-hours")}</label>
                        <input id="reminder-hours" type="number" min="1" max="168" value={s.reminder_hours.to_string()} />
                        <label for="second-reminder-hours">{t!("messaging-second-reminder-hours")}</label>
                        <input id="second-reminder-hours" type="number" min="0" max="168" value={s.second_reminder_hours.map(|h| h.to_string()).unwrap_or_default()} />
                        <label for="hold-minutes">{t!("messaging-hold-minutes")}</label>
                        <input id="hold-minutes" type="number" min="0" max="120" value={s.hold_minutes.to_string()} />
                        <label for="quiet-hours">{t!("messaging-quiet-hours")}</label>
                        <input id="quiet-hours" value={s.quiet_hours.clone()} placeholder="21:00-08:00" />
                        <label for="timezone">{t!("messaging-timezone")}</label>
                        <input id="timezone" value={s.timezone.clone()} placeholder="Asia/Kolkata" />
                        <label for="birthday-hour">{t!("messaging-birthday-hour")}</label>
                        <input id="birthday-hour" type="number" min="0" max="23" value={s.birthday_hour.to_string()} />
                        <label for="birthday-offer">{t!("messaging-birthday-offer")}</label>
                        <input id="birthday-offer" type="checkbox" checked={s.birthday_offer} />
                        <label for="weekly-cap">{t!("messaging-weekly-cap")}</label>
                        <input id="weekly-cap" type="number" min="0" max="14" value={s.weekly_cap.to_string()} />
                        <label for="messaging-language">{t!("messaging-language")}</label>
                        <input id="messaging-language" value={s.language.clone()} placeholder="en" />
                        <span></span>
                        <button type="submit" id="save-messaging">{t!("messaging-save-settings")}</button>
                    </form>
                },
            } }
        </section>
        <section class="card messaging medium" aria-labelledby="templates-title" id="templates">
            <h2 id="templates-title">{t!("messaging-templates-title")}</h2>
            <p class="hint">{t!("messaging-slots", slots = slots.join(" "))}</p>
            <ul class="templates">{ for templates.iter().map(template_row) }</ul>
        </section>
        <section class="card messaging medium" aria-labelledby="recalls-title" id="recall-rules">
            <h2 id="recalls-title">{t!("messaging-recalls-title")}</h2>
            <p class="hint">{t!("messaging-recalls-hint")}</p>
            if rules.is_empty() { <p class="empty">{t!("messaging-recalls-none")}</p> }
            <ul class="rules">{ for rules.iter().map(|r| html! {
                <li data-tag={r.tag.clone()}>{t!("messaging-rule", tag = r.tag.as_str(), months = r.every_months)}</li>
            }) }</ul>
            <form class="row-actions" onsubmit={add_rule}>
                <input id="recall-tag" placeholder={t!("messaging-recall-tag-example")} aria-label={t!("messaging-recall-tag")} />
                <input id="recall-months" type="number" min="1" max="120" placeholder={t!("messaging-recall-months-short")} aria-label={t!("messaging-recall-months")} />
                <button type="submit" id="add-recall">{t!("messaging-add-recall")}</button>
            </form>
        </section>
        </>
    }
}
