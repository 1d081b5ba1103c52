//! Campaigns at the desk: a manager sets one up (a saved segment, a text, a channel, a send
//! time, a holdout share, a response window, a cost per message); it syncs to head office,
//! which runs it at its time through the outbox and counts what came of it; the count comes
//! back to the desk ([`rapport_model::campaigns`]).

use chrono::NaiveDateTime;
use rapport_model::campaigns::{
    Campaign, CampaignText, CampaignView, MAX_CAMPAIGN_NAME, MAX_COST_MILLIS, MAX_HOLDOUT_PCT, MAX_WINDOW_DAYS,
};
use rapport_model::outreach::{self, TEMPLATE_CHANNELS};
use rapport_model::text::{self, TextRule};
use rapport_model::{Channel, Operation};
use rapport_store::{campaigns, messaging};

use crate::services::{log, uuid_from};
use crate::{Error, Rapport, Result, Session};

/// How far in the past a send time may lie (a campaign set up "now" a moment ago).
const SEND_AT_GRACE_MINUTES: i64 = 5;

/// A campaign as a manager sets it up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignInput<'a> {
    pub name: &'a str,
    pub segment: &'a str,
    /// A message kind (its template in each patient's language) or a stored template's id.
    pub template: &'a str,
    pub channel: Channel,
    pub holdout_pct: u32,
    pub window_days: u32,
    pub cost_millis: Option<i64>,
    /// In the clinic's time zone; `None`: now.
    pub send_at: Option<NaiveDateTime>,
}

impl Rapport {
    /// Sets up a campaign (managers and admins; audited). Head office runs it at its send time.
    pub fn create_campaign(&mut self, s: &Session, c: &CampaignInput<'_>) -> Result<CampaignView> {
        s.require(Operation::ChangeSettings)?;
        let name = c.name.trim();
        if name.is_empty() {
            return Err(Error::invalid("a campaign needs a name"));
        }
        text::check("campaign name", name, TextRule::Line, MAX_CAMPAIGN_NAME)?;
        if !TEMPLATE_CHANNELS.contains(&c.channel) {
            return Err(Error::invalid("a campaign goes by sms or email"));
        }
        if c.holdout_pct > MAX_HOLDOUT_PCT {
            return Err(Error::invalid(format!("the holdout is at most {MAX_HOLDOUT_PCT}% of the segment")));
        }
        if !(1..=MAX_WINDOW_DAYS).contains(&c.window_days) {
            return Err(Error::invalid(format!("the response window is 1 to {MAX_WINDOW_DAYS} days")));
        }
        if c.cost_millis.is_some_and(|m| !(0..=MAX_COST_MILLIS).contains(&m)) {
            return Err(Error::invalid("the cost per message is out of range"));
        }
        let template: CampaignText = c.template.parse().map_err(Error::invalid)?;
        let zone = self.messaging_settings(s)?.timezone;
        let now = self.clock.now();
        let send_at = c.send_at.map_or(now, |local| outreach::local_to_utc(zone, local));
        if send_at < now - chrono::Duration::minutes(SEND_AT_GRACE_MINUTES) {
            return Err(Error::invalid("the send time has passed"));
        }
        let (ms, rnd) = self.id_parts()?;
        self.store.write(|tx| -> Result<CampaignView> {
            if campaigns::campaign(tx, name)?.is_some() {
                return Err(Error::conflict("a campaign of that name exists: choose another name"));
            }
            if !messaging::segments(tx)?.iter().any(|g| g.name == c.segment.trim()) {
                return Err(Error::not_found("a saved segment of that name"));
            }
            if let CampaignText::Template(id) = template {
                let stored = messaging::templates(tx)?.into_iter().find(|t| t.id == id);
                match stored {
                    None => return Err(Error::not_found("a template with that id")),
                    Some(t) if t.channel != c.channel => {
                        return Err(Error::invalid("that template is for another channel"));
                    }
                    Some(t) if !CampaignText::kind_fits(t.kind) => {
                        return Err(Error::invalid("that template names an appointment; a campaign has none"));
                    }
                    Some(_) => {}
                }
            }
            let campaign = Campaign {
                id: uuid_from(ms, rnd),
                name: name.to_owned(),
                segment: c.segment.trim().to_owned(),
                template: template.to_string(),
                channel: c.channel,
                holdout_pct: c.holdout_pct,
                window_days: c.window_days,
                cost_millis: c.cost_millis,
                send_at,
                paused: false,
                set_by: s.staff().id,
                updated_at: now,
            };
            campaigns::save_campaign(tx, &campaign)?;
            log(tx, now, s, "campaign.create", None, Some(name))?;
            Ok(CampaignView { campaign, result: None })
        })
    }

    /// The clinic's campaigns, newest first, with head office's latest count of each.
    pub fn campaigns(&self, s: &Session) -> Result<Vec<CampaignView>> {
        s.require(Operation::ChangeSettings)?;
        Ok(campaigns::campaigns(self.store.conn())?)
    }

    /// One campaign by name, with head office's latest count.
    pub fn campaign(&self, s: &Session, name: &str) -> Result<CampaignView> {
        s.require(Operation::ChangeSettings)?;
        campaigns::campaign(self.store.conn(), name.trim())?.ok_or_else(|| Error::not_found("a campaign of that name"))
    }

    /// Pauses a campaign (its messages not yet sent wait) or resumes it (managers and admins;
    /// audited). Head office acts on it at its next pass after the desk syncs.
    pub fn set_campaign_paused(&mut self, s: &Session, name: &str, paused: bool) -> Result<CampaignView> {
        s.require(Operation::ChangeSettings)?;
        let now = self.clock.now();
        self.store.write(|tx| -> Result<CampaignView> {
            let mut view =
                campaigns::campaign(tx, name.trim())?.ok_or_else(|| Error::not_found("a campaign of that name"))?;
            view.campaign.paused = paused;
            view.campaign.set_by = s.staff().id;
            view.campaign.updated_at = now;
            campaigns::save_campaign(tx, &view.campaign)?;
            let action = if paused { "campaign.pause" } else { "campaign.resume" };
            log(tx, now, s, action, None, Some(&view.campaign.name))?;
            Ok(view)
        })
    }
}
