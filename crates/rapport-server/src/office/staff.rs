//! What only head office does to staff accounts: make an admin once a clinic has one (a desk
//! cannot, so a stolen desk cannot either).

use rapport_model::sync::Entity;
use serde_json::{Map, Value};

use super::devices::clinic_id;
use super::state::{load_state, office_change};
use super::{Head, OfficeResult, refused};
use crate::db::{Db, rows};

/// Makes the clinic's staff member `login` an admin, by a change of head office's own that
/// reaches the clinic's desks like any other.
pub fn make_admin(db: &mut dyn Db, clinic: &str, login: &str, now_ms: i64) -> OfficeResult<()> {
    let clinic = clinic_id(db, clinic.trim())?;
    let login = login.trim().to_lowercase();
    let found = db.query(
        "SELECT record FROM record_state WHERE entity = 'staff' AND clinic_id = $1",
        &[clinic.to_string().into()],
    )?;
    for mut row in rows(found, "staff") {
        let record = row.text()?;
        let Some(mut state) = load_state(db, Entity::Staff, &record)? else { continue };
        if state.text("login") != Some(login.as_str()) {
            continue;
        }
        if state.text("role") == Some("admin") {
            return Ok(());
        }
        let mut head = Head::load(db)?;
        let fields = Map::from_iter([("role".to_owned(), Value::from("admin"))]);
        office_change(db, &mut head, Entity::Staff, &record, &mut state, fields, now_ms)?;
        head.save(db)?;
        return Ok(());
    }
    refused(404, "no_staff", "no staff member of that login in that clinic")
}
