//! Generates the permissions of Rapport's own commands (`allow-<command>`), which
//! `capabilities/default.json` grants to the main window. Nothing else is granted.

const COMMANDS: &[&str] = &[
    "desk_state",
    "head_office",
    "setup_clinic",
    "unlock_database",
    "login",
    "lock",
    "unlock",
    "switch_user",
    "set_idle_lock",
    "touch",
    "search_patients",
    "open_patient",
    "add_pointer",
    "mark_pointer_used",
    "possible_duplicates",
    "register_patient",
    "doctors",
    "day_schedule",
    "change_status",
    "free_slots",
    "book_appointment",
    "move_appointment",
    "call_list",
    "messaging_settings",
    "set_messaging",
    "templates",
    "set_template",
    "recall_rules",
    "set_recall_rule",
    "finish_call",
    "doctor_glance",
    "join_head_office",
    "enroll",
    "sync_status",
    "sync_now",
    "sync_conflicts",
    "resolve_conflict",
    "find_at_head_office",
    "take_on_patient",
    "segment_size",
    "no_show_report",
    "waiting_report",
    "profile_report",
    "export_report",
    "segments",
    "create_campaign",
    "pause_campaign",
    "survey_settings",
    "set_survey_settings",
    "campaigns",
    "survey_results",
];

fn main() {
    let attributes = tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(e) = tauri_build::try_build(attributes) {
        panic!("tauri build step failed: {e:#}");
    }
}
