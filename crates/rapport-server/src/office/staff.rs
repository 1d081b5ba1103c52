//! What only head office does to staff accounts: make an admin once a clinic has one (a desk
//! cannot, so a stolen desk cannot either).

use rapport_model::RefusalCode;
use rapport_model::sync::Entity;
use serde_json::{Map, Value};

use super::devices::clinic_id;
use super::writer::Writer;
use super::{OfficeResult, refused};
use crate::db::{Db, rows};

/// Makes the clinic's staff member `login` an admin, by a change of head office's own that
/// reaches the clinic's desks like any other.
pub fn make_admin(db: &mut dyn Db, clinic: &str, login: &str, now_ms: i64) -> OfficeResult<()> {
    let clinic = clinic_id(db, clinic.trim())?;
    let login = login.trim().to_lowercase();
    let mut w = Writer::begin(db, now_ms)?;
    let found = w.db()?.query(
        "SELECT record FROM record_state WHERE entity = 'staff' AND clinic_id = $1",
        &[clinic.to_string().into()],
    )?;
    for mut row in rows(found, "staff") {
        let record = row.text()?;
        let Some(mut state) = w.load(Entity::Staff, &record)? else { continue };
        if state.text("login") != Some(login.as_str()) {
            continue;
        }
        if state.text("role") == Some("admin") {
            return Ok(());
        }
        let fields = Map::from_iter([("role".to_owned(), Value::from("admin"))]);
        w.office_change(Entity::Staff, &record, &mut state, fields)?;
        return w.commit();
    }
    refused(404, RefusalCode::NoStaff, "no staff member of that login in that clinic")
}
