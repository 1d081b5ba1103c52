//! Surveys as the desk stores them: the clinic's settings (its managers' replicated record; the
//! newest counts) and patients' answers (head office's record).

use chrono::{DateTime, Utc};
use rapport_model::surveys::{SurveyAnswer, SurveySettings};
use rapport_model::{AppointmentId, PatientId, StaffId};
use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;

use crate::messaging::uuid_col;
use crate::{Result, StoreError, from_ms, to_ms};

/// The clinic's survey settings and the record that holds them, if a manager set them.
pub fn settings(conn: &Connection) -> Result<Option<(Uuid, SurveySettings)>> {
    let found = conn
        .prepare_cached(
            "SELECT id, after_visit, delay_hours, doctors FROM survey_settings ORDER BY updated_at DESC, id DESC LIMIT 1",
        )?
        .query_row([], |r| Ok((uuid_col(r, 0)?, r.get::<_, bool>(1)?, r.get::<_, u32>(2)?, r.get::<_, String>(3)?)))
        .optional()?;
    let Some((id, after_visit, delay_hours, doctors)) = found else { return Ok(None) };
    let doctors: Vec<Uuid> = serde_json::from_str(&doctors).map_err(|_| StoreError::Decode("survey doctors"))?;
    let doctors = doctors.into_iter().map(|d| StaffId::from_bytes(*d.as_bytes())).collect();
    Ok(Some((id, SurveySettings { after_visit, delay_hours, doctors })))
}

pub fn save_settings(
    conn: &Connection,
    id: Uuid,
    s: &SurveySettings,
    set_by: StaffId,
    at: DateTime<Utc>,
) -> Result<()> {
    let doctors: Vec<Uuid> = s.doctors.iter().map(|d| Uuid::from_bytes(*d.as_bytes())).collect();
    let doctors = serde_json::to_string(&doctors).map_err(|_| StoreError::Decode("survey doctors"))?;
    conn.prepare_cached(
        "INSERT INTO survey_settings (id, after_visit, delay_hours, doctors, set_by, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (id) DO UPDATE SET after_visit = excluded.after_visit, delay_hours = excluded.delay_hours,
             doctors = excluded.doctors, set_by = excluded.set_by, updated_at = excluded.updated_at",
    )?
    .execute(params![
        id.as_bytes().as_slice(),
        s.after_visit,
        s.delay_hours,
        doctors,
        set_by.as_bytes().as_slice(),
        to_ms(at)
    ])?;
    Ok(())
}

/// Patients' answers (one doctor's, or all), newest first, at most `limit`.
pub fn answers(conn: &Connection, doctor: Option<StaffId>, limit: u32) -> Result<Vec<SurveyAnswer>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, patient_id, appointment_id, doctor, rating, recommend, comment, via, answered_at
         FROM survey_answer WHERE ?1 IS NULL OR doctor = ?1 ORDER BY answered_at DESC, id LIMIT ?2",
    )?;
    let doctor = doctor.map(|d| d.as_bytes().to_vec());
    let rows = stmt.query_map(params![doctor, limit], |r| {
        let appointment: Option<Vec<u8>> = r.get(2)?;
        Ok(SurveyAnswer {
            id: uuid_col(r, 0)?,
            patient_id: PatientId::from_bytes(*uuid_col(r, 1)?.as_bytes()),
            appointment_id: appointment
                .and_then(|a| <[u8; 16]>::try_from(a.as_slice()).ok())
                .map(AppointmentId::from_bytes),
            doctor: StaffId::from_bytes(*uuid_col(r, 3)?.as_bytes()),
            rating: r.get(4)?,
            recommend: r.get(5)?,
            comment: r.get(6)?,
            via: r.get(7)?,
            answered_at: from_ms(r.get(8)?),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
