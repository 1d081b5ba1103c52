//! Satisfaction surveys at the desk: managers turn them on (delay, which doctors); head office
//! sends them after done visits and takes the answers, which come back here: averages and NPS
//! per doctor and month, and each doctor's recent answers on their glance.

use chrono::Local;
use rapport_model::surveys::{MAX_SURVEY_DELAY_HOURS, Scored, SurveyEdit, SurveyResults, SurveySettings, scores};
use rapport_model::{Operation, Role, StaffId};
use rapport_store::{records, surveys};

use crate::services::{log, uuid_from};
use crate::{Error, Rapport, Result, Session};

/// Answers shown on a doctor's glance.
pub const GLANCE_ANSWERS: u32 = 5;
/// Answers listed with the figures.
const LISTED_ANSWERS: u32 = 20;

impl Rapport {
    /// The clinic's survey settings (off until a manager turns them on).
    pub fn survey_settings(&self, s: &Session) -> Result<SurveySettings> {
        s.require(Operation::ChangeSettings)?;
        Ok(surveys::settings(self.store.conn())?.map(|(_, v)| v).unwrap_or_default())
    }

    /// Changes the survey settings (managers and admins; audited).
    pub fn set_survey_settings(&mut self, s: &Session, edit: &SurveyEdit) -> Result<SurveySettings> {
        s.require(Operation::ChangeSettings)?;
        if *edit == SurveyEdit::default() {
            return Err(Error::invalid("nothing to change: give at least one setting"));
        }
        if edit.delay_hours.is_some_and(|h| h > MAX_SURVEY_DELAY_HOURS) {
            return Err(Error::invalid(format!("the delay is at most {MAX_SURVEY_DELAY_HOURS} hours")));
        }
        let (ms, rnd) = self.id_parts()?;
        let now = self.clock.now();
        self.store.write(|tx| -> Result<SurveySettings> {
            if let Some(doctors) = &edit.doctors {
                for d in doctors {
                    let staff = records::staff_by_id(tx, *d)?.ok_or_else(|| Error::not_found("that doctor"))?;
                    if staff.role != Role::Clinician {
                        return Err(Error::invalid("surveys are about visits with a clinician"));
                    }
                }
            }
            let (id, mut settings) =
                surveys::settings(tx)?.unwrap_or_else(|| (uuid_from(ms, rnd), SurveySettings::default()));
            if let Some(on) = edit.after_visit {
                settings.after_visit = on;
            }
            if let Some(h) = edit.delay_hours {
                settings.delay_hours = h;
            }
            if let Some(d) = &edit.doctors {
                settings.doctors.clone_from(d);
            }
            surveys::save_settings(tx, id, &settings, s.staff().id, now)?;
            log(tx, now, s, "survey.settings", None, None)?;
            Ok(settings)
        })
    }

    /// Averages and NPS per doctor (one, or all) and month, and the latest answers (managers and
    /// admins; audited, as comments may say anything).
    pub fn survey_results(&mut self, s: &Session, doctor: Option<StaffId>) -> Result<SurveyResults> {
        s.require(Operation::ChangeSettings)?;
        let conn = self.store.conn();
        let staff = records::list_staff(conn)?;
        let name = |id: StaffId| staff.iter().find(|d| d.id == id).map(|d| d.display_name.clone()).unwrap_or_default();
        let all = surveys::answers(conn, doctor, u32::MAX)?;
        let scored: Vec<Scored> = all
            .iter()
            .map(|a| Scored {
                doctor: name(a.doctor),
                month: a.answered_at.with_timezone(&Local).format("%Y-%m").to_string(),
                rating: a.rating,
                recommend: a.recommend,
            })
            .collect();
        let latest = all.iter().take(LISTED_ANSWERS as usize).map(|a| (name(a.doctor), a.clone())).collect();
        let now = self.clock.now();
        self.store.write(|tx| log(tx, now, s, "survey.results", None, None))?;
        Ok(SurveyResults { scores: scores(&scored), latest })
    }
}
