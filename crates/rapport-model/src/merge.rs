//! Two records of one patient made one, as a pure rule: which fields differ, the kept record
//! with staff's choices applied (lists such as phones and condition tags joined), the log of
//! what the kept record held before, and undoing it.
//!
//! The merged-away record is not changed: it stays as it was, an inactive tombstone pointing
//! to the kept one (the desk's `merged_into`), and what belongs to it (appointments, pointers,
//! messages, calls) is read as the kept patient's. Undoing a merge puts back each field of the
//! kept record that still holds what the merge wrote; a later edit of that field stands.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::schema::MAX_LIST;
use crate::{Patient, PatientId, StaffId};

/// Whose value a field takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Keep,
    Other,
}

/// A field the merge changed on the kept record, in the patient's JSON form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MergedField {
    pub was: Value,
    pub now: Value,
}

/// The merge log: each field the merge changed on the kept record.
pub type MergeChanges = BTreeMap<String, MergedField>;

/// A merge as the desk keeps it (the replicated `patient_merge` record).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatientMerge {
    pub id: Uuid,
    /// The merged-away record.
    pub other: PatientId,
    pub keep: PatientId,
    pub changes: MergeChanges,
    pub by: StaffId,
    pub at: DateTime<Utc>,
    pub undone_at: Option<DateTime<Utc>>,
    pub undone_by: Option<StaffId>,
}

/// The fields staff choose between: one value wins.
pub const CHOSEN: &[&str] = &[
    "given",
    "family",
    "preferred",
    "pronunciation",
    "birth_date",
    "birth_year",
    "sex",
    "gender",
    "language",
    "email",
    "address",
    "city",
    "area",
    "consent",
    "referral_source",
    "referring_doctor",
    "usual_doctor",
];

/// The lists, joined (the kept record's entries first, then the other's new ones).
pub const JOINED: &[&str] = &["phones", "conditions", "attendants", "practical_needs"];

/// Restricted if either record was (not offered as a choice: a merge never lifts a restriction).
pub const EITHER: &[&str] = &["restricted"];

/// Is `field` one a merge may change?
pub fn is_mergeable(field: &str) -> bool {
    CHOSEN.contains(&field) || JOINED.contains(&field) || EITHER.contains(&field)
}

/// A field where the two records differ, for staff to choose.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Difference {
    pub field: String,
    pub keep: Value,
    pub other: Value,
    /// The newer record's value, unless it is empty.
    pub default: Side,
}

fn fields(p: &Patient) -> Map<String, Value> {
    match serde_json::to_value(p) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// The fields staff choose between where the records differ, in [`CHOSEN`] order.
pub fn differences(keep: &Patient, other: &Patient) -> Vec<Difference> {
    let (k, o) = (fields(keep), fields(other));
    let newer = if other.updated_at > keep.updated_at { Side::Other } else { Side::Keep };
    CHOSEN
        .iter()
        .filter_map(|&field| {
            let (a, b) = (k.get(field).cloned().unwrap_or(Value::Null), o.get(field).cloned().unwrap_or(Value::Null));
            if a == b || is_empty(&b) {
                return None;
            }
            if field == "birth_year" && (keep.birth_date.is_some() || other.birth_date.is_some()) {
                // A birth date on either side is better than a year from an age.
                return None;
            }
            let default = if is_empty(&a) { Side::Other } else { newer };
            Some(Difference { field: field.to_owned(), keep: a, other: b, default })
        })
        .collect()
}

/// The kept record after the merge and the log of what it held before. `choices` overrides the
/// default side per field; a field not in [`CHOSEN`] is refused.
pub fn merge(
    keep: &Patient,
    other: &Patient,
    choices: &BTreeMap<String, Side>,
) -> Result<(Patient, MergeChanges), String> {
    if let Some(field) = choices.keys().find(|f| !CHOSEN.contains(&f.as_str())) {
        return Err(format!("`{field}` is not a field to choose (choose one of {})", CHOSEN.join(", ")));
    }
    let (mut k, o) = (fields(keep), fields(other));
    let mut changes = MergeChanges::new();
    for d in differences(keep, other) {
        if choices.get(&d.field).copied().unwrap_or(d.default) == Side::Other {
            changes.insert(d.field.clone(), MergedField { was: d.keep, now: d.other.clone() });
            k.insert(d.field, d.other);
        }
    }
    if !is_empty(k.get("birth_date").unwrap_or(&Value::Null)) && !is_empty(k.get("birth_year").unwrap_or(&Value::Null))
    {
        // The other's birth date replaced an age: the year from it goes.
        let was = k.insert("birth_year".to_owned(), Value::Null).unwrap_or(Value::Null);
        changes.insert("birth_year".to_owned(), MergedField { was, now: Value::Null });
    }
    for &field in EITHER {
        let (mine, theirs) = (k.get(field).cloned().unwrap_or(Value::Bool(false)), o.get(field).cloned());
        if mine != Value::Bool(true) && theirs == Some(Value::Bool(true)) {
            changes.insert(field.to_owned(), MergedField { was: mine, now: Value::Bool(true) });
            k.insert(field.to_owned(), Value::Bool(true));
        }
    }
    for &field in JOINED {
        let mine = k.get(field).and_then(Value::as_array).cloned().unwrap_or_default();
        let mut joined = mine.clone();
        for v in o.get(field).and_then(Value::as_array).into_iter().flatten() {
            if joined.len() < MAX_LIST && !joined.contains(v) {
                joined.push(v.clone());
            }
        }
        if joined != mine {
            changes.insert(field.to_owned(), MergedField { was: Value::from(mine), now: Value::from(joined.clone()) });
            k.insert(field.to_owned(), Value::from(joined));
        }
    }
    let merged =
        serde_json::from_value(Value::Object(k)).map_err(|_| "the merged record does not read back".to_owned())?;
    Ok((merged, changes))
}

/// The kept record with the merge undone: each field that still holds what the merge wrote gets
/// its old value back. Also the fields that were put back.
pub fn unmerge(current: &Patient, changes: &MergeChanges) -> (Patient, Vec<String>) {
    let mut k = fields(current);
    let mut restored = Vec::new();
    for (field, change) in changes {
        if is_mergeable(field) && k.get(field) == Some(&change.now) {
            k.insert(field.clone(), change.was.clone());
            restored.push(field.clone());
        }
    }
    match serde_json::from_value(Value::Object(k)) {
        Ok(p) => (p, restored),
        Err(_) => (current.clone(), Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::NewPatient;

    fn patient(n: u8, given: &str, phones: &[&str], updated_day: u32) -> Patient {
        let at = Utc.with_ymd_and_hms(2026, 11, updated_day, 9, 0, 0).single().unwrap_or_default();
        let mut p = NewPatient {
            given: given.into(),
            family: "Sharma".into(),
            phones: phones.iter().map(|p| (*p).to_owned()).collect(),
            ..NewPatient::default()
        }
        .into_patient(PatientId::from_bytes([n; 16]), format!("R-{n}"), at);
        p.updated_at = at;
        p
    }

    #[test]
    fn the_newer_value_wins_by_default_an_empty_one_never_and_lists_are_joined() {
        let mut keep = patient(1, "Priya", &["9845012345"], 1);
        keep.email = Some("old@example.org".into());
        let mut other = patient(2, "Priyaa", &["9845012345", "02025551234"], 3);
        other.email = None;
        other.city = Some("Pune".into());
        other.conditions = vec!["asthma".into()];
        let (merged, log) = merge(&keep, &other, &BTreeMap::new()).expect("merge");
        assert_eq!(merged.given, "Priyaa", "the other record is newer");
        assert_eq!(merged.email.as_deref(), Some("old@example.org"), "an empty value never wins");
        assert_eq!(merged.city.as_deref(), Some("Pune"));
        assert_eq!(merged.phones, vec!["9845012345", "02025551234"]);
        assert_eq!(merged.conditions, vec!["asthma"]);
        assert_eq!(merged.id, keep.id);
        assert_eq!(log["given"], MergedField { was: Value::from("Priya"), now: Value::from("Priyaa") });

        let chosen = BTreeMap::from([("given".to_owned(), Side::Keep)]);
        assert_eq!(merge(&keep, &other, &chosen).expect("merge").0.given, "Priya");
        assert!(merge(&keep, &other, &BTreeMap::from([("record_no".to_owned(), Side::Other)])).is_err());
    }

    #[test]
    fn a_birth_date_from_either_record_replaces_an_age() {
        let mut keep = patient(1, "Priya", &[], 1);
        keep.birth_year = Some(1988);
        let mut other = patient(2, "Priya", &[], 3);
        other.birth_date = chrono::NaiveDate::from_ymd_opt(1987, 12, 30);
        let (merged, log) = merge(&keep, &other, &BTreeMap::new()).expect("merge");
        assert_eq!((merged.birth_date, merged.birth_year), (other.birth_date, None));
        let (undone, _) = unmerge(&merged, &log);
        assert_eq!((undone.birth_date, undone.birth_year), (None, Some(1988)), "undo gives the age back");
        let (kept, _) = merge(&other, &keep, &BTreeMap::new()).expect("merge the other way");
        assert_eq!((kept.birth_date, kept.birth_year), (other.birth_date, None), "no year beside a date");
    }

    #[test]
    fn a_restriction_on_either_record_holds_on_the_kept_one_until_undone() {
        let keep = patient(1, "Priya", &[], 3);
        let mut other = patient(2, "Priya", &[], 1);
        other.restricted = true;
        let (merged, log) = merge(&keep, &other, &BTreeMap::new()).expect("merge");
        assert!(merged.restricted, "a merge never lifts a restriction");
        assert!(!unmerge(&merged, &log).0.restricted);
    }

    #[test]
    fn undoing_puts_back_what_the_merge_wrote_and_keeps_later_edits() {
        let keep = patient(1, "Priya", &["9845012345"], 1);
        let mut other = patient(2, "Priyaa", &["02025551234"], 3);
        other.city = Some("Pune".into());
        let (mut merged, log) = merge(&keep, &other, &BTreeMap::new()).expect("merge");
        merged.city = Some("Nashik".into());
        let (undone, restored) = unmerge(&merged, &log);
        assert_eq!(undone.given, "Priya");
        assert_eq!(undone.phones, vec!["9845012345"]);
        assert_eq!(undone.city.as_deref(), Some("Nashik"), "edited after the merge: kept");
        assert!(!restored.contains(&"city".to_owned()));
    }
}
