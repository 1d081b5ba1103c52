//! The device side of sync without a server: what a front-desk write leaves for head office,
//! and the signal that wakes the background sync.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rapport_model::sync::Entity;

#[test]
fn a_replicated_write_waits_in_the_outbox_and_wakes_the_sync() {
    let mut c = common::clinic();
    let waiting = Arc::new(AtomicBool::new(false));
    c.app.signal_local_changes(Arc::clone(&waiting));
    let before = c.app.sync_status().expect("status").pending;

    // Type-ahead search writes nothing: nothing for head office, no wake-up.
    c.app.search_patients(&c.admin, "ine", 10).expect("search");
    assert!(!waiting.load(Ordering::Relaxed));
    assert_eq!(c.app.sync_status().expect("status").pending, before);

    // Registering a patient leaves the patient (and the audit row) for head office.
    let id = c.patient("Ines", "Marquez");
    assert!(waiting.swap(false, Ordering::Relaxed), "the background sync is woken");
    let outbox = rapport_store::sync::outbox(c.app.store().conn(), usize::MAX).expect("outbox");
    let patient = outbox.iter().find(|ch| ch.entity == Entity::Patient && ch.record == id.to_string());
    let patient = patient.expect("the new patient waits in the outbox");
    assert_eq!(patient.fields["given"], serde_json::json!("Ines"));
    assert!(patient.base.is_empty(), "a new record replaced no earlier version");
    assert!(outbox.iter().any(|ch| ch.entity == Entity::Audit), "the audit row goes up too");

    // An edit sends only the field that changed, with the version it replaced.
    let edit = rapport_model::PatientEdit { given: Some("Inés".into()), ..Default::default() };
    c.app.edit_patient(&c.admin, id, edit).expect("edit");
    let outbox = rapport_store::sync::outbox(c.app.store().conn(), usize::MAX).expect("outbox");
    let last = outbox.iter().rev().find(|ch| ch.entity == Entity::Patient).expect("edit change");
    assert!(last.fields.contains_key("given"));
    assert!(!last.fields.contains_key("family"), "unchanged fields do not travel");
    assert_eq!(last.base.get("given"), Some(&patient.version));
    assert!(last.version > patient.version, "the clock moved on");
}
