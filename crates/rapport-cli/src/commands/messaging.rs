//! The clinic's messaging set-up and what head office sent: `template …`, `messaging …`, `recall …`,
//! `messages --patient`.

use rapport_core::{Rapport, Session, TemplateInput};
use rapport_model::outreach::{self, MessageView, MessagingEdit, MessagingView, TemplateView};

use crate::cli::{MessagingCommand, RecallCommand, TemplateCommand};
use crate::context::Failure;
use crate::output::{self, local, say};

pub(crate) fn template(app: &mut Rapport, s: &Session, cmd: TemplateCommand) -> Result<(), Failure> {
    match cmd {
        TemplateCommand::Set { kind, channel, lang, text, dlt_template_id, json } => {
            let input = TemplateInput {
                kind,
                channel,
                language: &lang,
                text: &text,
                dlt_template_id: dlt_template_id.as_deref(),
            };
            let view = app.set_template(s, &input)?;
            if json {
                return output::json(&view);
            }
            print_template(&view);
        }
        TemplateCommand::List { json } => {
            let views = app.templates(s)?;
            if json {
                return output::json(&views);
            }
            for v in &views {
                print_template(v);
                say!();
            }
        }
    }
    Ok(())
}

fn print_template(v: &TemplateView) {
    let origin = if v.custom { "the clinic's" } else { "default" };
    let length = match v.sms_parts {
        Some(parts) => format!(", {parts} SMS part(s){}", if v.unicode { ", Unicode" } else { "" }),
        None => String::new(),
    };
    let dlt = v.dlt_template_id.as_deref().map(|d| format!(", DLT {d}")).unwrap_or_default();
    say!("{} · {} · {} ({origin}{length}{dlt})", v.kind, outreach::channel_word(v.channel), v.language);
    for line in v.text.lines() {
        say!("    {line}");
    }
}

pub(crate) fn messaging(app: &mut Rapport, s: &Session, cmd: MessagingCommand) -> Result<(), Failure> {
    let (settings, json) = match cmd {
        MessagingCommand::Set {
            reminder_hours,
            second_reminder_hours,
            hold_minutes,
            quiet_hours,
            timezone,
            birthday_hour,
            birthday_offer,
            weekly_cap,
            language,
            json,
        } => {
            let edit = MessagingEdit {
                reminder_hours,
                second_reminder_hours: second_reminder_hours.map(|h| Some(h).filter(|h| *h > 0)),
                hold_minutes,
                quiet_hours,
                timezone,
                birthday_hour,
                birthday_offer,
                weekly_cap,
                language,
            };
            (app.set_messaging(s, &edit)?, json)
        }
        MessagingCommand::Show { json } => (app.messaging_settings(s)?, json),
    };
    if json {
        return output::json(&MessagingView::from(&settings));
    }
    let second = settings.second_reminder_hours.map_or_else(|| "none".to_owned(), |h| format!("{h} hours before"));
    say!("Reminder:          {} hours before the visit", settings.reminder_hours);
    say!("Second reminder:   {second}");
    say!("Hold after booking: {} minutes", settings.hold_minutes);
    say!("Quiet hours:       {} ({})", outreach::quiet_hours_text(&settings.quiet_hours), settings.timezone.name());
    say!(
        "Birthday greeting: at {:02}:00{}",
        settings.birthday_hour,
        if settings.birthday_offer { ", with a free check-up" } else { "" }
    );
    say!("Weekly cap:        {} greetings or offers per patient", settings.weekly_cap);
    say!("Language:          {}", settings.language);
    Ok(())
}

pub(crate) fn recall(app: &mut Rapport, s: &Session, cmd: RecallCommand) -> Result<(), Failure> {
    match cmd {
        RecallCommand::Add { tag, every_months } => {
            let rule = app.set_recall_rule(s, &tag, every_months)?;
            say!("{} every {} months", rule.tag, rule.every_months);
        }
        RecallCommand::List { json } => {
            let rules = app.recall_rules(s)?;
            if json {
                return output::json(&rules);
            }
            if rules.is_empty() {
                say!("No recall rules. Add one: rapport recall add --tag diabetes --every-months 3");
            }
            for r in rules {
                say!("{} every {} months", r.tag, r.every_months);
            }
        }
        RecallCommand::Due { json } => {
            let due = app.recalls_due(s)?;
            if json {
                return output::json(&due);
            }
            if due.is_empty() {
                say!("Nobody is due for a recall.");
            }
            for d in due {
                let last = d.last_visit.map_or_else(|| "never seen".to_owned(), |v| format!("last visit {v}"));
                let name = rapport_model::patient::full_name(&d.patient.given, &d.patient.family);
                say!(
                    "{}  {name} ({})  {} every {} months, {last}, due {}",
                    d.patient.record_no,
                    d.patient.id,
                    d.tag,
                    d.every_months,
                    d.due
                );
            }
        }
    }
    Ok(())
}

/// One message as a line: when, what, how, where it stands, and the patient's reply.
pub(crate) fn message_line(m: &MessageView) -> String {
    let channel = m.channel.map_or("-", outreach::channel_word);
    let why = m.reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default();
    let reply = m.reply.as_deref().map(|r| format!("  replied: {r}")).unwrap_or_default();
    format!("{}  {} by {channel}: {}{why}{reply}", local(m.send_after), m.kind.label(), m.status.label())
}

pub(crate) fn patient_messages(app: &mut Rapport, s: &Session, patient: &str, json: bool) -> Result<(), Failure> {
    let id = app.resolve_patient(s, patient)?;
    let messages = app.patient_messages(s, id)?;
    if json {
        return output::json(&messages);
    }
    if messages.is_empty() {
        say!("Head office has sent this patient nothing yet (or this desk has not synced since).");
    }
    for m in &messages {
        say!("{}  {}", message_line(m), m.id);
    }
    Ok(())
}
