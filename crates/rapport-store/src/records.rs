//! Rows ↔ domain types for patients, staff, pointers and appointments.
//! Functions take a `&Connection` so they work inside a [`crate::Store::write`] transaction.

use chrono::NaiveDate;
use rapport_model::duplicates::Person;
use rapport_model::merge::PatientMerge;
use rapport_model::pointer::MarkKind;
use rapport_model::{
    Appointment, AppointmentId, AppointmentStatus, Patient, PatientId, Pointer, PointerId, PointerMark, Role, Staff,
    StaffId,
};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};
use serde::{Serialize, de::DeserializeOwned};

use crate::{Result, StoreError, from_ms, meta, search, to_ms};

// ---------------------------------------------------------------------------------------------
// Column helpers

pub(crate) fn blob16(row: &Row<'_>, idx: usize) -> rusqlite::Result<[u8; 16]> {
    let v: Vec<u8> = row.get(idx)?;
    v.try_into().map_err(|_| rusqlite::Error::InvalidColumnType(idx, "id".into(), rusqlite::types::Type::Blob))
}

pub(crate) fn opt_blob16(row: &Row<'_>, idx: usize) -> rusqlite::Result<Option<[u8; 16]>> {
    let v: Option<Vec<u8>> = row.get(idx)?;
    v.map(|v| {
        v.try_into().map_err(|_| rusqlite::Error::InvalidColumnType(idx, "id".into(), rusqlite::types::Type::Blob))
    })
    .transpose()
}

pub(crate) fn opt_time(row: &Row<'_>, idx: usize) -> rusqlite::Result<Option<chrono::DateTime<chrono::Utc>>> {
    Ok(row.get::<_, Option<i64>>(idx)?.map(from_ms))
}

fn opt_date(row: &Row<'_>, idx: usize) -> rusqlite::Result<Option<NaiveDate>> {
    let v: Option<String> = row.get(idx)?;
    Ok(v.and_then(|s| s.parse().ok()))
}

fn json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".to_owned())
}

fn from_json<T: DeserializeOwned>(row: &Row<'_>, idx: usize) -> rusqlite::Result<T> {
    let text: String = row.get(idx)?;
    serde_json::from_str(&text)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(e)))
}

fn parse_col<T: std::str::FromStr>(row: &Row<'_>, idx: usize) -> rusqlite::Result<T> {
    let text: String = row.get(idx)?;
    text.parse().map_err(|_| rusqlite::Error::InvalidColumnType(idx, "enum".into(), rusqlite::types::Type::Text))
}

// ---------------------------------------------------------------------------------------------
// Patients

/// The patient table's columns, in the order of [`patient_values`] and [`patient_from_row`].
const PATIENT_COLUMNS: [&str; 27] = [
    "id",
    "record_no",
    "given",
    "family",
    "preferred",
    "pronunciation",
    "birth_date",
    "sex",
    "gender",
    "language",
    "phones",
    "email",
    "address",
    "city",
    "area",
    "consent",
    "referral_source",
    "referring_doctor",
    "usual_doctor",
    "practical_needs",
    "conditions",
    "attendants",
    "created_at",
    "updated_at",
    "last_seen_at",
    "birth_year",
    "restricted",
];

static PATIENT_COLS: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| PATIENT_COLUMNS.join(", "));

fn patient_from_row(row: &Row<'_>) -> rusqlite::Result<Patient> {
    Ok(Patient {
        id: PatientId::from_bytes(blob16(row, 0)?),
        record_no: row.get(1)?,
        given: row.get(2)?,
        family: row.get(3)?,
        preferred: row.get(4)?,
        pronunciation: row.get(5)?,
        birth_date: opt_date(row, 6)?,
        sex: row.get(7)?,
        gender: row.get(8)?,
        language: row.get(9)?,
        phones: from_json(row, 10)?,
        email: row.get(11)?,
        address: row.get(12)?,
        city: row.get(13)?,
        area: row.get(14)?,
        consent: from_json(row, 15)?,
        referral_source: row.get(16)?,
        referring_doctor: row.get(17)?,
        usual_doctor: opt_blob16(row, 18)?.map(StaffId::from_bytes),
        practical_needs: from_json(row, 19)?,
        conditions: from_json(row, 20)?,
        attendants: from_json(row, 21)?,
        created_at: from_ms(row.get(22)?),
        updated_at: from_ms(row.get(23)?),
        last_seen_at: opt_time(row, 24)?,
        birth_year: row.get(25)?,
        restricted: row.get::<_, Option<bool>>(26)?.unwrap_or(false),
    })
}

/// Is the living patient's record restricted (break-glass)? False for an unknown id.
pub fn is_restricted(conn: &Connection, id: PatientId) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT restricted FROM patient WHERE id = ?1 AND deleted_at IS NULL")?
        .query_row([id.as_bytes().as_slice()], |r| r.get::<_, Option<bool>>(0))
        .optional()?
        .flatten()
        .unwrap_or(false))
}

/// The next record number for this device: `<site code>-<n>`. The site code keeps numbers made
/// on different devices of a clinic apart.
pub fn next_record_no(conn: &Connection) -> Result<String> {
    let site = meta::get(conn, "site_code")?.unwrap_or_else(|| "R".to_owned());
    let n = meta::next_counter(conn, "next_record_no", 1001)?;
    Ok(format!("{site}-{n}"))
}

/// Moves this device's record-number counter past every number of its own the database holds
/// (after a restore, patients it registered after the backup come back from head office).
pub fn keep_record_numbers_ahead(conn: &Connection) -> Result<()> {
    let site = meta::get(conn, "site_code")?.unwrap_or_else(|| "R".to_owned());
    let held: Option<i64> = conn.query_row(
        "SELECT max(CAST(substr(record_no, length(?1) + 1) AS INTEGER)) FROM patient
         WHERE substr(record_no, 1, length(?1)) = ?1",
        [format!("{site}-")],
        |r| r.get(0),
    )?;
    let next = meta::get(conn, "next_record_no")?.and_then(|v| v.parse::<i64>().ok()).unwrap_or(1001);
    if let Some(held) = held.filter(|h| *h >= next) {
        meta::set(conn, "next_record_no", &(held + 1).to_string())?;
    }
    Ok(())
}

/// Every column's value, in [`PATIENT_COLUMNS`] order.
fn patient_values(p: &Patient) -> Vec<Value> {
    let text = |v: &Option<String>| v.clone().map_or(Value::Null, Value::Text);
    vec![
        Value::Blob(p.id.as_bytes().to_vec()),
        Value::Text(p.record_no.clone()),
        Value::Text(p.given.clone()),
        Value::Text(p.family.clone()),
        text(&p.preferred),
        text(&p.pronunciation),
        text(&p.birth_date.map(|d| d.to_string())),
        text(&p.sex),
        text(&p.gender),
        text(&p.language),
        Value::Text(json(&p.phones)),
        text(&p.email),
        text(&p.address),
        text(&p.city),
        text(&p.area),
        Value::Text(json(&p.consent)),
        text(&p.referral_source),
        text(&p.referring_doctor),
        p.usual_doctor.map_or(Value::Null, |d| Value::Blob(d.as_bytes().to_vec())),
        Value::Text(json(&p.practical_needs)),
        Value::Text(json(&p.conditions)),
        Value::Text(json(&p.attendants)),
        Value::Integer(to_ms(p.created_at)),
        Value::Integer(to_ms(p.updated_at)),
        p.last_seen_at.map_or(Value::Null, |t| Value::Integer(to_ms(t))),
        p.birth_year.map_or(Value::Null, |y| Value::Integer(i64::from(y))),
        Value::Integer(i64::from(p.restricted)),
    ]
}

pub fn insert_patient(conn: &Connection, p: &Patient) -> Result<()> {
    let placeholders = (1..=PATIENT_COLUMNS.len()).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ");
    let sql = format!("INSERT INTO patient ({}) VALUES ({placeholders})", *PATIENT_COLS);
    conn.prepare_cached(&sql)?.execute(params_from_iter(patient_values(p)))?;
    search::index_patient(conn, p)
}

/// Writes every field of `p` over the stored record and refreshes its search entry.
pub fn update_patient(conn: &Connection, p: &Patient) -> Result<()> {
    let sets = PATIENT_COLUMNS.iter().enumerate().skip(1).map(|(i, c)| format!("{c} = ?{}", i + 1)).collect::<Vec<_>>();
    let sql = format!("UPDATE patient SET {} WHERE id = ?1 AND deleted_at IS NULL", sets.join(", "));
    if conn.prepare_cached(&sql)?.execute(params_from_iter(patient_values(p)))? == 0 {
        return Err(StoreError::NotFound("patient"));
    }
    search::index_patient(conn, p)
}

pub fn get_patient(conn: &Connection, id: PatientId) -> Result<Option<Patient>> {
    Ok(conn
        .query_row(
            &format!("SELECT {} FROM patient WHERE id = ?1 AND deleted_at IS NULL", *PATIENT_COLS),
            [id.as_bytes().as_slice()],
            patient_from_row,
        )
        .optional()?)
}

/// Turns the patient into a tombstone: hidden from search and lookups, kept for the records
/// that refer to it.
pub fn delete_patient(conn: &Connection, id: PatientId, at: chrono::DateTime<chrono::Utc>) -> Result<()> {
    let changed = conn.execute(
        "UPDATE patient SET deleted_at = ?2 WHERE id = ?1 AND deleted_at IS NULL",
        params![id.as_bytes().as_slice(), to_ms(at)],
    )?;
    if changed == 0 {
        return Err(StoreError::NotFound("patient"));
    }
    search::unindex_patient(conn, id)
}

/// Records that the clinic just dealt with the patient: they move to the top of search results.
pub fn touch_patient(conn: &Connection, id: PatientId, at: chrono::DateTime<chrono::Utc>) -> Result<()> {
    conn.execute("UPDATE patient SET last_seen_at = ?2 WHERE id = ?1", params![id.as_bytes().as_slice(), to_ms(at)])?;
    search::bump(conn, id)
}

// ---------------------------------------------------------------------------------------------
// Staff

/// What login needs beyond the public staff record.
#[derive(Debug, Clone)]
pub struct StaffAuth {
    pub password_hash: String,
    /// A manager reset the password: it must be changed at the next login.
    pub password_reset: bool,
}

const STAFF_COLS: &str = "id, login, display_name, role, active, created_at, password_hash, password_reset";

fn staff_from_row(row: &Row<'_>) -> rusqlite::Result<(Staff, StaffAuth)> {
    Ok((
        Staff {
            id: StaffId::from_bytes(blob16(row, 0)?),
            login: row.get(1)?,
            display_name: row.get(2)?,
            role: parse_col(row, 3)?,
            active: row.get(4)?,
            created_at: from_ms(row.get(5)?),
        },
        StaffAuth { password_hash: row.get(6)?, password_reset: row.get::<_, Option<bool>>(7)?.unwrap_or(false) },
    ))
}

pub fn insert_staff(conn: &Connection, s: &Staff, password_hash: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO staff (id, login, display_name, role, password_hash, active, created_at) VALUES (?1,?2,?3,?4,?5,?6,?7)",
        params![s.id.as_bytes().as_slice(), s.login, s.display_name, s.role.as_str(), password_hash, s.active, to_ms(s.created_at)],
    )?;
    Ok(())
}

pub fn staff_by_login(conn: &Connection, login: &str) -> Result<Option<(Staff, StaffAuth)>> {
    Ok(conn
        .query_row(&format!("SELECT {STAFF_COLS} FROM staff WHERE login = ?1"), [login], staff_from_row)
        .optional()?)
}

pub fn staff_by_id(conn: &Connection, id: StaffId) -> Result<Option<Staff>> {
    Ok(conn
        .query_row(&format!("SELECT {STAFF_COLS} FROM staff WHERE id = ?1"), [id.as_bytes().as_slice()], staff_from_row)
        .optional()?
        .map(|(s, _)| s))
}

/// This clinic's staff. Colleagues of other clinics of the chain are known here by name (they
/// wrote a pointer, they are a patient's usual doctor) but have no password here: they are not
/// listed, booked or logged in.
pub fn list_staff(conn: &Connection) -> Result<Vec<Staff>> {
    let mut stmt =
        conn.prepare(&format!("SELECT {STAFF_COLS} FROM staff WHERE password_hash <> '' ORDER BY display_name"))?;
    let rows = stmt.query_map([], staff_from_row)?;
    Ok(rows.map(|r| r.map(|(s, _)| s)).collect::<rusqlite::Result<_>>()?)
}

/// Does the staff member work at this clinic (see [`list_staff`])?
pub fn works_here(conn: &Connection, id: StaffId) -> Result<bool> {
    Ok(conn
        .query_row("SELECT password_hash <> '' FROM staff WHERE id = ?1", [id.as_bytes().as_slice()], |r| r.get(0))
        .optional()?
        .unwrap_or(false))
}

/// Writes a staff member's role and whether they may log in.
pub fn update_staff(conn: &Connection, s: &Staff) -> Result<()> {
    conn.execute(
        "UPDATE staff SET role = ?2, active = ?3 WHERE id = ?1",
        params![s.id.as_bytes().as_slice(), s.role.as_str(), s.active],
    )?;
    Ok(())
}

/// A new password hash; `reset`: set by a manager, to be changed at the next login. Clears a
/// lockout.
pub fn set_password(conn: &Connection, id: StaffId, password_hash: &str, reset: bool) -> Result<()> {
    conn.execute(
        "UPDATE staff SET password_hash = ?2, password_reset = ?3 WHERE id = ?1",
        params![id.as_bytes().as_slice(), password_hash, reset],
    )?;
    conn.execute(
        "DELETE FROM login_failure WHERE login = (SELECT login FROM staff WHERE id = ?1)",
        [id.as_bytes().as_slice()],
    )?;
    Ok(())
}

/// Failed logins in a row for a login as typed (known or not), and the lockout if any.
pub fn login_failures(conn: &Connection, login: &str) -> Result<(i64, Option<chrono::DateTime<chrono::Utc>>)> {
    Ok(conn
        .query_row("SELECT failed, locked_until FROM login_failure WHERE login = ?1", [login], |r| {
            Ok((r.get(0)?, opt_time(r, 1)?))
        })
        .optional()?
        .unwrap_or((0, None)))
}

/// Writes a login's failure count and lockout (`failed` 0 and no lockout: forgets the login).
pub fn set_login_failures(
    conn: &Connection,
    login: &str,
    failed: i64,
    locked_until: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<()> {
    conn.execute(
        "INSERT INTO login_failure (login, failed, locked_until) VALUES (?1, ?2, ?3)
         ON CONFLICT (login) DO UPDATE SET failed = excluded.failed, locked_until = excluded.locked_until",
        params![login, failed, locked_until.map(to_ms)],
    )?;
    conn.execute("DELETE FROM login_failure WHERE login = ?1 AND failed = 0 AND locked_until IS NULL", [login])?;
    Ok(())
}

/// The language a staff member chose for the desk, if they chose one.
pub fn staff_language(conn: &Connection, id: StaffId) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT language FROM staff WHERE id = ?1")?
        .query_row([id.as_bytes().as_slice()], |r| r.get(0))
        .optional()?
        .flatten())
}

pub fn set_staff_language(conn: &Connection, id: StaffId, language: &str) -> Result<()> {
    conn.prepare_cached("UPDATE staff SET language = ?2 WHERE id = ?1")?
        .execute(params![id.as_bytes().as_slice(), language])?;
    Ok(())
}

pub fn staff_with_role(conn: &Connection, role: Role) -> Result<Vec<Staff>> {
    Ok(list_staff(conn)?.into_iter().filter(|s| s.role == role && s.active).collect())
}

// ---------------------------------------------------------------------------------------------
// Pointers

pub fn insert_pointer(conn: &Connection, p: &Pointer) -> Result<()> {
    conn.execute(
        "INSERT INTO pointer (id, patient_id, kind, text, event_date, author, author_role, clinic, source, created_at, supersedes)
         VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)",
        params![
            p.id.as_bytes().as_slice(),
            p.patient_id.as_bytes().as_slice(),
            p.kind.as_str(),
            p.text,
            p.event_date.map(|d| d.to_string()),
            p.author.as_bytes().as_slice(),
            p.author_role.as_str(),
            p.clinic,
            p.source.as_str(),
            to_ms(p.created_at),
            p.supersedes.map(|s| s.as_bytes().to_vec()),
        ],
    )?;
    Ok(())
}

/// A "used it", "still true" or retraction mark; `id` is the mark's own UUIDv7.
pub fn insert_mark(
    conn: &Connection,
    id: [u8; 16],
    pointer: PointerId,
    kind: &str,
    by: StaffId,
    at: chrono::DateTime<chrono::Utc>,
    note: Option<&str>,
) -> Result<()> {
    conn.execute(
        "INSERT INTO pointer_mark (id, pointer_id, kind, by_staff, at, note) VALUES (?1,?2,?3,?4,?5,?6)",
        params![id.as_slice(), pointer.as_bytes().as_slice(), kind, by.as_bytes().as_slice(), to_ms(at), note],
    )?;
    Ok(())
}

const POINTER_SELECT: &str =
    "SELECT p.id, p.patient_id, p.kind, p.text, p.event_date, p.author, s.display_name, p.author_role,
        p.clinic, p.source, p.created_at, p.supersedes
     FROM pointer p JOIN staff s ON s.id = p.author";

fn pointer_from_row(row: &Row<'_>) -> rusqlite::Result<Pointer> {
    Ok(Pointer {
        id: PointerId::from_bytes(blob16(row, 0)?),
        patient_id: PatientId::from_bytes(blob16(row, 1)?),
        kind: parse_col(row, 2)?,
        text: row.get(3)?,
        event_date: opt_date(row, 4)?,
        author: StaffId::from_bytes(blob16(row, 5)?),
        author_name: row.get(6)?,
        author_role: parse_col(row, 7)?,
        clinic: row.get(8)?,
        source: parse_col(row, 9)?,
        created_at: from_ms(row.get(10)?),
        supersedes: opt_blob16(row, 11)?.map(PointerId::from_bytes),
        retracted_at: None,
        marks: Vec::new(),
    })
}

fn attach_marks(conn: &Connection, p: &mut Pointer) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "SELECT m.kind, m.by_staff, s.display_name, m.at, m.note FROM pointer_mark m JOIN staff s ON s.id = m.by_staff
         WHERE m.pointer_id = ?1 ORDER BY m.at",
    )?;
    let mut rows = stmt.query([p.id.as_bytes().as_slice()])?;
    while let Some(row) = rows.next()? {
        let kind: String = row.get(0)?;
        let at = from_ms(row.get(3)?);
        let mark_kind = match kind.as_str() {
            "used" => MarkKind::Used,
            "confirmed" => MarkKind::Confirmed,
            _ => {
                p.retracted_at = Some(at);
                continue;
            }
        };
        p.marks.push(PointerMark {
            kind: mark_kind,
            by: StaffId::from_bytes(blob16(row, 1)?),
            by_name: row.get(2)?,
            at,
            note: row.get(4)?,
        });
    }
    Ok(())
}

pub fn get_pointer(conn: &Connection, id: PointerId) -> Result<Option<Pointer>> {
    let p = conn
        .query_row(&format!("{POINTER_SELECT} WHERE p.id = ?1"), [id.as_bytes().as_slice()], pointer_from_row)
        .optional()?;
    p.map(|mut p| attach_marks(conn, &mut p).map(|()| p)).transpose()
}

/// The current version of each of the patient's pointers (superseded versions left out),
/// newest first, with marks and retraction.
pub fn current_pointers(conn: &Connection, patient: PatientId) -> Result<Vec<Pointer>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{POINTER_SELECT} WHERE p.patient_id IN {family}
           AND NOT EXISTS (SELECT 1 FROM pointer n WHERE n.supersedes = p.id)
         ORDER BY p.created_at DESC",
        family = family_of("?1")
    ))?;
    let mut out: Vec<Pointer> =
        stmt.query_map([patient.as_bytes().as_slice()], pointer_from_row)?.collect::<rusqlite::Result<_>>()?;
    for p in &mut out {
        attach_marks(conn, p)?;
    }
    Ok(out)
}

pub fn pointer_is_superseded(conn: &Connection, id: PointerId) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM pointer WHERE supersedes = ?1)",
        [id.as_bytes().as_slice()],
        |r| r.get(0),
    )?)
}

// ---------------------------------------------------------------------------------------------
// Appointments

const APPT_COLS: &str = "id, patient_id, doctor, starts_at, minutes, reason, status, booked_by, booked_at, confirmed_at, \
     arrived_at, seen_at, done_at, cancelled_at, no_show_at, walk_in";

fn appt_from_row(row: &Row<'_>) -> rusqlite::Result<Appointment> {
    Ok(Appointment {
        id: AppointmentId::from_bytes(blob16(row, 0)?),
        patient_id: PatientId::from_bytes(blob16(row, 1)?),
        doctor: StaffId::from_bytes(blob16(row, 2)?),
        starts_at: from_ms(row.get(3)?),
        minutes: row.get(4)?,
        reason: row.get(5)?,
        status: parse_col::<AppointmentStatus>(row, 6)?,
        booked_by: StaffId::from_bytes(blob16(row, 7)?),
        booked_at: from_ms(row.get(8)?),
        confirmed_at: opt_time(row, 9)?,
        arrived_at: opt_time(row, 10)?,
        seen_at: opt_time(row, 11)?,
        done_at: opt_time(row, 12)?,
        cancelled_at: opt_time(row, 13)?,
        no_show_at: opt_time(row, 14)?,
        walk_in: row.get::<_, Option<bool>>(15)?.unwrap_or(false),
    })
}

pub fn insert_appointment(conn: &Connection, a: &Appointment) -> Result<()> {
    conn.execute(
        &format!(
            "INSERT INTO appointment ({APPT_COLS}) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16)"
        ),
        params![
            a.id.as_bytes().as_slice(),
            a.patient_id.as_bytes().as_slice(),
            a.doctor.as_bytes().as_slice(),
            to_ms(a.starts_at),
            a.minutes,
            a.reason,
            a.status.as_str(),
            a.booked_by.as_bytes().as_slice(),
            to_ms(a.booked_at),
            a.confirmed_at.map(to_ms),
            a.arrived_at.map(to_ms),
            a.seen_at.map(to_ms),
            a.done_at.map(to_ms),
            a.cancelled_at.map(to_ms),
            a.no_show_at.map(to_ms),
            // Null for a booking, as for every appointment made before walk-ins were known.
            a.walk_in.then_some(true),
        ],
    )?;
    Ok(())
}

/// Saves the status and the time of every transition.
pub fn update_appointment_status(conn: &Connection, a: &Appointment) -> Result<()> {
    conn.execute(
        "UPDATE appointment SET status=?2, confirmed_at=?3, arrived_at=?4, seen_at=?5, done_at=?6, cancelled_at=?7, no_show_at=?8
         WHERE id=?1",
        params![
            a.id.as_bytes().as_slice(),
            a.status.as_str(),
            a.confirmed_at.map(to_ms),
            a.arrived_at.map(to_ms),
            a.seen_at.map(to_ms),
            a.done_at.map(to_ms),
            a.cancelled_at.map(to_ms),
            a.no_show_at.map(to_ms),
        ],
    )?;
    Ok(())
}

/// Saves a moved appointment's start, length and doctor.
pub fn update_appointment_slot(conn: &Connection, a: &Appointment) -> Result<()> {
    conn.execute(
        "UPDATE appointment SET starts_at=?2, minutes=?3, doctor=?4 WHERE id=?1",
        params![a.id.as_bytes().as_slice(), to_ms(a.starts_at), a.minutes, a.doctor.as_bytes().as_slice()],
    )?;
    Ok(())
}

pub fn get_appointment(conn: &Connection, id: AppointmentId) -> Result<Option<Appointment>> {
    Ok(conn
        .query_row(
            &format!("SELECT {APPT_COLS} FROM appointment WHERE id = ?1"),
            [id.as_bytes().as_slice()],
            appt_from_row,
        )
        .optional()?)
}

/// Appointments starting in `[from, to)`, optionally for one doctor, by start time.
pub fn appointments_between(
    conn: &Connection,
    from: chrono::DateTime<chrono::Utc>,
    to: chrono::DateTime<chrono::Utc>,
    doctor: Option<StaffId>,
) -> Result<Vec<Appointment>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {APPT_COLS} FROM appointment WHERE starts_at >= ?1 AND starts_at < ?2 AND (?3 IS NULL OR doctor = ?3)
         ORDER BY starts_at, doctor"
    ))?;
    let rows = stmt.query_map(params![to_ms(from), to_ms(to), doctor.map(|d| d.as_bytes().to_vec())], appt_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The doctor's appointments that still hold a slot overlapping `[start, start + minutes)`.
pub fn overlapping_appointments(
    conn: &Connection,
    doctor: StaffId,
    start: chrono::DateTime<chrono::Utc>,
    minutes: u32,
) -> Result<Vec<Appointment>> {
    // No appointment is longer than a day, so a day's look-back bounds the index range.
    let from = start - chrono::Duration::hours(24);
    let to = start + chrono::Duration::minutes(i64::from(minutes));
    Ok(appointments_between(conn, from, to, Some(doctor))?
        .into_iter()
        .filter(|a| a.holds_slot() && a.overlaps(start, minutes))
        .collect())
}

pub fn appointments_for_patient(conn: &Connection, patient: PatientId) -> Result<Vec<Appointment>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {APPT_COLS} FROM appointment WHERE patient_id IN {} ORDER BY starts_at",
        family_of("?1")
    ))?;
    let rows = stmt.query_map([patient.as_bytes().as_slice()], appt_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Every living patient with the start of their last done visit, for a segment to look at.
pub fn patients_with_last_visit(conn: &Connection) -> Result<Vec<(Patient, Option<chrono::DateTime<chrono::Utc>>)>> {
    let cols: Vec<String> = PATIENT_COLUMNS.iter().map(|c| format!("p.{c}")).collect();
    let mut stmt = conn.prepare(&format!(
        "SELECT {}, (SELECT max(a.starts_at) FROM appointment a WHERE a.patient_id = p.id AND a.status = 'done')
         FROM patient p WHERE p.deleted_at IS NULL AND p.merged_into IS NULL",
        cols.join(", ")
    ))?;
    let n = PATIENT_COLUMNS.len();
    let rows = stmt.query_map([], |r| Ok((patient_from_row(r)?, r.get::<_, Option<i64>>(n)?.map(from_ms))))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

// Merges

/// SQL for the ids of a patient and of every record merged into them, however many merges
/// deep (`param` is the patient's placeholder): what belongs to any of them is the patient's.
pub(crate) fn family_of(param: &str) -> String {
    format!(
        "(WITH RECURSIVE family(id) AS (SELECT {param} UNION SELECT p.id FROM patient p JOIN family f ON p.merged_into = f.id)
          SELECT id FROM family)"
    )
}

/// The patient a merged-away record now is (itself when it was not merged away), following
/// merges of merges.
pub fn canonical(conn: &Connection, id: PatientId) -> Result<PatientId> {
    let mut stmt = conn.prepare_cached("SELECT merged_into FROM patient WHERE id = ?1")?;
    let mut seen = vec![id];
    let mut at = id;
    while let Some(Some(next)) = stmt
        .query_row([at.as_bytes().as_slice()], |r| opt_blob16(r, 0))
        .optional()?
        .map(|o| o.map(PatientId::from_bytes))
    {
        if seen.contains(&next) {
            break;
        }
        seen.push(next);
        at = next;
    }
    Ok(at)
}

const MERGE_COLS: &str = "id, patient_id, keep, changes, by_staff, at, undone_at, undone_by";

fn merge_from_row(r: &Row<'_>) -> rusqlite::Result<PatientMerge> {
    let changes: String = r.get(3)?;
    Ok(PatientMerge {
        id: uuid::Uuid::from_bytes(blob16(r, 0)?),
        other: PatientId::from_bytes(blob16(r, 1)?),
        keep: PatientId::from_bytes(blob16(r, 2)?),
        changes: serde_json::from_str(&changes)
            .map_err(|_| rusqlite::Error::InvalidColumnType(3, "changes".into(), rusqlite::types::Type::Text))?,
        by: StaffId::from_bytes(blob16(r, 4)?),
        at: from_ms(r.get(5)?),
        undone_at: r.get::<_, Option<i64>>(6)?.map(from_ms),
        undone_by: opt_blob16(r, 7)?.map(StaffId::from_bytes),
    })
}

pub fn insert_merge(conn: &Connection, m: &PatientMerge) -> Result<()> {
    let changes = serde_json::to_string(&m.changes).map_err(|_| StoreError::Decode("merge log"))?;
    conn.execute(
        &format!("INSERT INTO patient_merge ({MERGE_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL, NULL)"),
        params![
            m.id.as_bytes().as_slice(),
            m.other.as_bytes().as_slice(),
            m.keep.as_bytes().as_slice(),
            changes,
            m.by.as_bytes().as_slice(),
            to_ms(m.at)
        ],
    )?;
    Ok(())
}

pub fn get_merge(conn: &Connection, id: uuid::Uuid) -> Result<Option<PatientMerge>> {
    Ok(conn
        .query_row(
            &format!("SELECT {MERGE_COLS} FROM patient_merge WHERE id = ?1"),
            [id.as_bytes().as_slice()],
            merge_from_row,
        )
        .optional()?)
}

/// Marks a merge undone (the desk's triggers then make the merged-away record live again).
pub fn undo_merge(conn: &Connection, id: uuid::Uuid, at: chrono::DateTime<chrono::Utc>, by: StaffId) -> Result<()> {
    conn.execute(
        "UPDATE patient_merge SET undone_at = ?2, undone_by = ?3 WHERE id = ?1 AND undone_at IS NULL",
        params![id.as_bytes().as_slice(), to_ms(at), by.as_bytes().as_slice()],
    )?;
    Ok(())
}

/// The merges in force whose records now read as this patient's (directly merged into them),
/// newest first.
pub fn merged_into(conn: &Connection, keep: PatientId) -> Result<Vec<PatientMerge>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {MERGE_COLS} FROM patient_merge m
         WHERE m.keep = ?1 AND m.undone_at IS NULL
           AND (SELECT p.merged_into FROM patient p WHERE p.id = m.patient_id) = ?1
         ORDER BY m.at DESC, m.id DESC"
    ))?;
    let rows = stmt.query_map([keep.as_bytes().as_slice()], merge_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The columns the duplicate match compares, in [`person_from_row`] order.
const MATCH_COLUMNS: &str = "id, given, family, birth_date, phones, email, address, birth_year";

fn person_from_row(r: &Row<'_>) -> rusqlite::Result<(PatientId, Person)> {
    let birth: Option<String> = r.get(3)?;
    let phones: String = r.get(4)?;
    let phones: Vec<String> = serde_json::from_str(&phones).unwrap_or_default();
    let person = Person::new(
        &r.get::<_, String>(1)?,
        &r.get::<_, String>(2)?,
        birth.and_then(|b| b.parse().ok()),
        &phones,
        r.get::<_, Option<String>>(5)?.as_deref(),
        r.get::<_, Option<String>>(6)?.as_deref(),
    )
    .born_about(r.get(7)?);
    Ok((PatientId::from_bytes(blob16(r, 0)?), person))
}

/// What the duplicate match compares of every living patient.
pub fn match_people(conn: &Connection) -> Result<Vec<(PatientId, Person)>> {
    let mut stmt =
        conn.prepare(&format!("SELECT {MATCH_COLUMNS} FROM patient WHERE deleted_at IS NULL AND merged_into IS NULL"))?;
    let rows = stmt.query_map([], person_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// What the duplicate match compares of one living patient (the check as staff type).
pub fn match_person(conn: &Connection, id: PatientId) -> Result<Option<Person>> {
    let sql =
        format!("SELECT {MATCH_COLUMNS} FROM patient WHERE id = ?1 AND deleted_at IS NULL AND merged_into IS NULL");
    let found = conn.prepare_cached(&sql)?.query_row([id.as_bytes().as_slice()], person_from_row).optional()?;
    Ok(found.map(|(_, person)| person))
}

/// What a segment looks at of one living patient ([`segment_rows`]).
#[derive(Debug, Clone)]
pub struct SegmentRow {
    pub id: PatientId,
    pub conditions: Vec<String>,
    pub birth_date: Option<NaiveDate>,
    pub birth_year: Option<i32>,
    pub sex: Option<String>,
    pub city: Option<String>,
    pub area: Option<String>,
    pub language: Option<String>,
    pub usual_doctor: Option<StaffId>,
    pub consent: rapport_model::Consent,
    /// When the last visit that was done started.
    pub last_visit: Option<chrono::DateTime<chrono::Utc>>,
}

/// Every living patient as segments see them, by family then given name, handed to `each` one
/// at a time (only the columns a segment reads; last visits in one grouped pass).
pub fn segment_rows(conn: &Connection, mut each: impl FnMut(SegmentRow)) -> Result<()> {
    let mut stmt = conn.prepare(
        "SELECT p.id, p.conditions, p.birth_date, p.sex, p.city, p.area, p.language, p.usual_doctor, p.consent, v.last,
                p.birth_year
         FROM patient p
         LEFT JOIN (SELECT patient_id, max(starts_at) AS last FROM appointment WHERE status = 'done' GROUP BY patient_id) v
             ON v.patient_id = p.id
         WHERE p.deleted_at IS NULL AND p.merged_into IS NULL ORDER BY p.family, p.given, p.id",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        each(SegmentRow {
            id: PatientId::from_bytes(blob16(r, 0)?),
            conditions: from_json(r, 1)?,
            birth_date: opt_date(r, 2)?,
            sex: r.get(3)?,
            city: r.get(4)?,
            area: r.get(5)?,
            language: r.get(6)?,
            usual_doctor: opt_blob16(r, 7)?.map(StaffId::from_bytes),
            consent: from_json(r, 8)?,
            last_visit: opt_time(r, 9)?,
            birth_year: r.get(10)?,
        });
    }
    Ok(())
}

/// How the database stands: changed by this connection (`total_changes`) or by another one
/// (`data_version`) since the last look if this differs.
pub fn change_stamp(conn: &Connection) -> Result<(i64, u64)> {
    let version: i64 = conn.query_row("PRAGMA data_version", [], |r| r.get(0))?;
    Ok((version, conn.total_changes()))
}

/// When each visit that was done started, by patient (the profile reports' visits).
pub fn done_visits(conn: &Connection) -> Result<Vec<(PatientId, chrono::DateTime<chrono::Utc>)>> {
    let mut stmt = conn.prepare_cached("SELECT patient_id, starts_at FROM appointment WHERE status = 'done'")?;
    let rows = stmt.query_map([], |r| {
        let id: Vec<u8> = r.get(0)?;
        let id: [u8; 16] = id
            .try_into()
            .map_err(|_| rusqlite::Error::InvalidColumnType(0, "patient_id".into(), rusqlite::types::Type::Blob))?;
        Ok((PatientId::from_bytes(id), from_ms(r.get(1)?)))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The patient with this record number, if any (record numbers are matched case-insensitively).
pub fn patient_id_by_record_no(conn: &Connection, record_no: &str) -> Result<Option<PatientId>> {
    let id: Option<Vec<u8>> = conn
        .query_row("SELECT id FROM patient WHERE record_no = ?1 COLLATE NOCASE", [record_no.trim()], |r| r.get(0))
        .optional()?;
    id.map(|b| b.try_into().map(PatientId::from_bytes).map_err(|_| StoreError::Decode("patient id"))).transpose()
}
