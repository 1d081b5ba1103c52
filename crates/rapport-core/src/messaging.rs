//! A clinic's messaging set-up at the desk: templates, settings and recall rules (managers set
//! them; they sync to head office, which sends by them), and the recall list the desk works
//! through. The rules themselves are in [`rapport_model::outreach`].

use rapport_model::outreach::{
    self, MessageKind, MessagingEdit, MessagingSettings, RecallDue, RecallRule, StoredTemplate, TEMPLATE_CHANNELS,
    Template, TemplateView,
};
use rapport_model::text::{self, TextRule};
use rapport_model::view::PatientHit;
use rapport_model::{Channel, Operation};
use rapport_store::{messaging, records};

use crate::services::{log, uuid_from};
use crate::{Error, Rapport, Result, Session};

/// A template as a manager writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateInput<'a> {
    pub kind: MessageKind,
    pub channel: Channel,
    pub language: &'a str,
    pub text: &'a str,
    pub dlt_template_id: Option<&'a str>,
}

/// This computer's time zone, for a clinic that has not chosen one (UTC if it cannot be told).
fn local_zone() -> chrono_tz::Tz {
    iana_time_zone::get_timezone().ok().and_then(|z| outreach::parse_timezone(&z).ok()).unwrap_or(chrono_tz::UTC)
}

impl Rapport {
    /// The clinic's messaging settings: Rapport's defaults, in this computer's time zone, until
    /// a manager sets them.
    pub fn messaging_settings(&self, s: &Session) -> Result<MessagingSettings> {
        s.require(Operation::ViewSchedule)?;
        Ok(messaging::settings(self.store.conn())?
            .map_or_else(|| MessagingSettings::defaults(local_zone()), |(_, m)| m))
    }

    /// Changes the clinic's messaging settings (managers and admins).
    pub fn set_messaging(&mut self, s: &Session, edit: &MessagingEdit) -> Result<MessagingSettings> {
        s.require(Operation::ChangeSettings)?;
        if edit.is_empty() {
            return Err(Error::invalid("nothing to change: give at least one setting"));
        }
        let (ms, rnd) = self.id_parts()?;
        let now = self.clock.now();
        self.store.write(|tx| -> Result<MessagingSettings> {
            let (id, mut settings) = messaging::settings(tx)?
                .unwrap_or_else(|| (uuid_from(ms, rnd), MessagingSettings::defaults(local_zone())));
            edit.apply(&mut settings).map_err(|e| Error::invalid(e.to_string()))?;
            messaging::save_settings(tx, id, &settings, s.staff().id, now)?;
            log(tx, now, s, "messaging.set", None, None)?;
            Ok(settings)
        })
    }

    /// Writes the clinic's own text for one kind of message, channel and language (managers
    /// and admins). The text may use the slots its kind has values for.
    pub fn set_template(&mut self, s: &Session, t: &TemplateInput<'_>) -> Result<TemplateView> {
        s.require(Operation::ChangeSettings)?;
        if !TEMPLATE_CHANNELS.contains(&t.channel) {
            return Err(Error::invalid("templates are for sms and email; calls go on the call list"));
        }
        let language = outreach::normalize_language(t.language).map_err(|e| Error::invalid(e.to_string()))?;
        text::check("template", t.text, TextRule::Lines, outreach::MAX_TEMPLATE_CHARS)?;
        Template::parse_for(t.kind, t.text).map_err(|e| Error::invalid(e.to_string()))?;
        let dlt = t.dlt_template_id.map(str::trim).filter(|d| !d.is_empty());
        if let Some(d) = dlt {
            outreach::check_dlt_id(d).map_err(Error::invalid)?;
        }
        let (ms, rnd) = self.id_parts()?;
        let now = self.clock.now();
        self.store.write(|tx| -> Result<TemplateView> {
            let id = messaging::template_id(tx, t.kind, t.channel, &language)?.unwrap_or_else(|| uuid_from(ms, rnd));
            let stored = StoredTemplate {
                id,
                kind: t.kind,
                channel: t.channel,
                language: language.clone(),
                body: t.text.to_owned(),
                dlt_template_id: dlt.map(str::to_owned),
                set_by: s.staff().id,
                updated_at: now,
            };
            messaging::save_template(tx, &stored)?;
            let subject = format!("{} {} {language}", t.kind, outreach::channel_word(t.channel));
            log(tx, now, s, "template.set", None, Some(&subject))?;
            Ok(TemplateView::new(t.kind, t.channel, &language, t.text, Some(&stored)))
        })
    }

    /// Every template in use: the clinic's own, and for each kind and channel without one in
    /// the clinic's language, the default that applies.
    pub fn templates(&self, s: &Session) -> Result<Vec<TemplateView>> {
        s.require(Operation::ViewSchedule)?;
        let settings = self.messaging_settings(s)?;
        let stored = messaging::templates(self.store.conn())?;
        let mut views = Vec::new();
        for kind in MessageKind::ALL {
            for channel in TEMPLATE_CHANNELS {
                let own: Vec<&StoredTemplate> =
                    stored.iter().filter(|t| t.kind == kind && t.channel == channel).collect();
                if !own.iter().any(|t| t.language == settings.language) {
                    let text = outreach::default_template(kind, channel, settings.birthday_offer);
                    views.push(TemplateView::new(kind, channel, &settings.language, text, None));
                }
                views.extend(own.into_iter().map(|t| TemplateView::new(kind, channel, &t.language, &t.body, Some(t))));
            }
        }
        Ok(views)
    }

    /// Recalls patients carrying `tag` every `every_months` months from their last visit
    /// (managers and admins); replaces the interval if the tag has a rule.
    pub fn set_recall_rule(&mut self, s: &Session, tag: &str, every_months: u32) -> Result<RecallRule> {
        s.require(Operation::ChangeSettings)?;
        let tag = outreach::normalize_tag(tag);
        if tag.is_empty() {
            return Err(Error::invalid("a recall rule needs a condition tag"));
        }
        text::check("condition tag", &tag, TextRule::Line, rapport_model::schema::MAX_TAG)?;
        if !(1..=outreach::MAX_RECALL_MONTHS).contains(&every_months) {
            return Err(Error::invalid(format!("a recall comes every 1 to {} months", outreach::MAX_RECALL_MONTHS)));
        }
        let (ms, rnd) = self.id_parts()?;
        let now = self.clock.now();
        self.store.write(|tx| -> Result<RecallRule> {
            let id = messaging::recall_rule_id(tx, &tag)?.unwrap_or_else(|| uuid_from(ms, rnd));
            let rule = RecallRule { id, tag: tag.clone(), every_months, set_by: s.staff().id, updated_at: now };
            messaging::save_recall_rule(tx, &rule)?;
            log(tx, now, s, "recall_rule.set", None, Some(&tag))?;
            Ok(rule)
        })
    }

    pub fn recall_rules(&self, s: &Session) -> Result<Vec<RecallRule>> {
        s.require(Operation::ViewSchedule)?;
        Ok(messaging::recall_rules(self.store.conn())?)
    }

    /// Patients due or overdue for a recall today who have no visit booked, most overdue first.
    pub fn recalls_due(&self, s: &Session) -> Result<Vec<RecallDue>> {
        s.require(Operation::ViewSchedule)?;
        self.recalls()
    }

    pub(crate) fn recalls(&self) -> Result<Vec<RecallDue>> {
        let conn = self.store.conn();
        let (now, today) = (self.clock.now(), self.today());
        let day = |t: chrono::DateTime<chrono::Utc>| t.with_timezone(&chrono::Local).date_naive();
        let mut due = Vec::new();
        for rule in messaging::recall_rules(conn)? {
            for c in messaging::recall_candidates(conn, &rule.tag, now)? {
                let last_visit = c.last_visit.map(day);
                let when = outreach::recall_due(last_visit, day(c.registered), rule.every_months);
                if c.booked || when > today {
                    continue;
                }
                let Some(p) = records::get_patient(conn, c.patient)? else { continue };
                due.push(RecallDue {
                    patient: PatientHit::from(&p),
                    tag: rule.tag.clone(),
                    every_months: rule.every_months,
                    last_visit,
                    due: when,
                });
            }
        }
        due.sort_by(|a, b| a.due.cmp(&b.due).then_with(|| a.patient.family.cmp(&b.patient.family)));
        Ok(due)
    }
}
