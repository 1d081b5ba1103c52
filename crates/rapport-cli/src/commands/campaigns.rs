//! Campaigns and surveys: `campaign create|list|results|pause|resume`, `survey settings|results`.

use rapport_core::{CampaignInput, Rapport, Session, SurveyEdit};
use rapport_model::campaigns::{CampaignFigures, CampaignView};

use crate::cli::{CampaignCommand, SurveyCommand};
use crate::context::Failure;
use crate::output::{self, say};

pub(crate) fn campaign(app: &mut Rapport, s: &Session, cmd: CampaignCommand) -> Result<(), Failure> {
    match cmd {
        CampaignCommand::Create {
            name,
            segment,
            template,
            channel,
            holdout,
            window_days,
            cost_per_message,
            send_at,
            json,
        } => {
            let input = CampaignInput {
                name: &name,
                segment: &segment,
                template: &template,
                channel,
                holdout_pct: holdout,
                window_days,
                cost_millis: cost_per_message,
                send_at,
            };
            let view = app.create_campaign(s, &input)?;
            if json {
                return output::json(&view);
            }
            let c = &view.campaign;
            say!(
                "Campaign {} set up: {} to segment {} at {}, {}% held out; it goes once this desk has synced.",
                c.name,
                rapport_model::outreach::channel_word(c.channel),
                c.segment,
                output::local(c.send_at),
                c.holdout_pct
            );
        }
        CampaignCommand::List { json } => {
            let all = app.campaigns(s)?;
            if json {
                return output::json(&all);
            }
            if all.is_empty() {
                say!(
                    "No campaigns. Set one up: rapport campaign create NAME --segment SEGMENT --template campaign --channel sms"
                );
            }
            for v in &all {
                say!("{}  {}", v.campaign.name, state(v));
            }
        }
        CampaignCommand::Results { name, json } => {
            let view = app.campaign(s, &name)?;
            if json {
                return output::json(&results_json(&view));
            }
            say!("{}: {}", view.campaign.name, state(&view));
            if let Some(r) = &view.result {
                print_figures(&r.figures, view.campaign.window_days);
            }
        }
        CampaignCommand::Pause { name } => {
            let v = app.set_campaign_paused(s, &name, true)?;
            say!("Campaign {} paused: its messages not yet sent wait (once this desk has synced).", v.campaign.name);
        }
        CampaignCommand::Resume { name } => {
            let v = app.set_campaign_paused(s, &name, false)?;
            say!("Campaign {} resumed.", v.campaign.name);
        }
    }
    Ok(())
}

/// Where a campaign stands, in words.
fn state(v: &CampaignView) -> String {
    let c = &v.campaign;
    let when = output::local(c.send_at);
    match (&v.result, c.paused) {
        (_, true) => format!("paused (sends at {when})"),
        (Some(r), false) if r.ran_at.is_some() => {
            let f = &r.figures;
            let closed = if f.window_closed { ", window closed" } else { "" };
            format!("ran: {} sent, {} held out, {} booked{closed}", f.sent, f.holdout, f.booked_sent + f.booked_holdout)
        }
        _ => format!("sends at {when}"),
    }
}

/// The figures as `--json` gives them: the campaign's name and state, then every figure at the
/// top level (`sent`, `holdout`, `delivered`, `booked_sent`, `booked_holdout`, `lift`,
/// `cost_per_booking`, …); zeros before head office has run it.
fn results_json(v: &CampaignView) -> serde_json::Value {
    let figures = v.result.as_ref().map(|r| r.figures.clone()).unwrap_or_default();
    let mut out = serde_json::to_value(&figures).unwrap_or_default();
    if let Some(map) = out.as_object_mut() {
        map.insert("name".into(), v.campaign.name.clone().into());
        map.insert("paused".into(), v.campaign.paused.into());
        let ran = v.result.as_ref().and_then(|r| r.ran_at);
        map.insert("ran_at".into(), ran.map(|t| t.to_rfc3339()).into());
        map.insert("counted_at".into(), v.result.as_ref().map(|r| r.updated_at.to_rfc3339()).into());
    }
    out
}

fn print_figures(f: &CampaignFigures, window_days: u32) {
    let pct = |r: Option<f64>| r.map_or("-".to_owned(), |r| format!("{:.1}%", r * 100.0));
    let money = |m: Option<f64>| m.map_or("-".to_owned(), |m| format!("{m:.2}"));
    say!("                    sent group   holdout");
    say!("people              {:>10}   {:>7}", f.sent_group, f.holdout);
    say!("booked in {:>3} days  {:>10}   {:>7}", window_days, f.booked_sent, f.booked_holdout);
    say!("booking rate        {:>10}   {:>7}", pct(f.rate_sent), pct(f.rate_holdout));
    say!(
        "lift                {}",
        f.lift.map_or("- (no holdout to compare with)".to_owned(), |l| format!("{l:+.1} percentage points"))
    );
    say!(
        "messages            {} sent, {} delivered, {} failed, {} replied, {} not sent by the rules, {} waiting",
        f.sent,
        f.delivered,
        f.failed,
        f.replied,
        f.not_sent,
        f.waiting
    );
    say!(
        "cost                {} in all, {} per booking, {} per booking it added",
        money(f.cost),
        money(f.cost_per_booking),
        money(f.cost_per_extra_booking)
    );
    for (clinic, n) in &f.booked_by_clinic {
        say!("  booked at {clinic}: {n}");
    }
    for (doctor, n) in &f.booked_by_doctor {
        say!("  booked with {doctor}: {n}");
    }
}

pub(crate) fn survey(app: &mut Rapport, s: &Session, cmd: SurveyCommand) -> Result<(), Failure> {
    match cmd {
        SurveyCommand::Settings { after_visit, delay_hours, doctors, all_doctors, json } => {
            let doctors = if all_doctors {
                Some(Vec::new())
            } else if doctors.is_empty() {
                None
            } else {
                Some(doctors.iter().map(|l| app.staff_by_login(s, l).map(|d| d.id)).collect::<Result<Vec<_>, _>>()?)
            };
            let edit = SurveyEdit { after_visit, delay_hours, doctors };
            let settings = if edit == SurveyEdit::default() {
                app.survey_settings(s)?
            } else {
                app.set_survey_settings(s, &edit)?
            };
            if json {
                return output::json(&settings);
            }
            let staff = app.list_staff(s)?;
            let names: Vec<String> = settings
                .doctors
                .iter()
                .map(|d| staff.iter().find(|x| x.id == *d).map(|x| x.display_name.clone()).unwrap_or_default())
                .collect();
            say!(
                "Surveys after visits: {}; {} hours after the visit is done; {}.",
                if settings.after_visit { "on" } else { "off" },
                settings.delay_hours,
                if names.is_empty() {
                    "every doctor's visits".to_owned()
                } else {
                    format!("visits with {}", names.join(", "))
                }
            );
        }
        SurveyCommand::Results { doctor, json } => {
            let doctor = doctor.map(|l| app.staff_by_login(s, &l).map(|d| d.id)).transpose()?;
            let results = app.survey_results(s, doctor)?;
            if json {
                return output::json(&results);
            }
            if results.scores.is_empty() {
                say!("No answers yet.");
            }
            for r in &results.scores {
                let avg = r.average_rating.map_or("-".to_owned(), |a| format!("{a:.2}"));
                let nps = r.nps.map_or("-".to_owned(), |n| format!("{n:+.0}"));
                say!("{:<24} {:<8} {:>5} answers  rating {avg:>4}  NPS {nps:>4}", r.doctor, r.month, r.answers);
            }
            for (doctor, a) in results.latest.iter().filter(|(_, a)| a.comment.is_some()) {
                let stars = a.rating.map_or(String::new(), |r| format!("{r}/5 "));
                say!(
                    "  {} {doctor}: {stars}{}",
                    output::local(a.answered_at),
                    a.comment.as_deref().unwrap_or_default()
                );
            }
        }
    }
    Ok(())
}
