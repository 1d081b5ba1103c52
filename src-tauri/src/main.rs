//! Rapport's desktop app: the Tauri v2 window around the Yew front desk (`ui/`).
//!
//! **Invariant:** this crate holds no business logic. Each command in [`commands`] calls
//! rapport-core, which the `rapport` CLI uses too; errors cross to the UI as `{code, message, said}`.
//!
//! Environment: `RAPPORT_DB` picks the database (default: the user's data directory, as for
//! the CLI). `RAPPORT_IDLE_LOCK_SECONDS` overrides the idle lock in debug (test) builds only.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod desk;

use std::path::PathBuf;
use std::time::Duration;

/// Draws the window without GPU compositing, unless the environment already says how
/// (`WEBKIT_DISABLE_COMPOSITING_MODE=0` keeps it). A front desk's forms gain nothing from
/// WebKitGTK's accelerated compositing, which costs a GL context in the web process: about
/// 120 MiB more memory, a slower keystroke-to-paint under software GL, and on a new machine a
/// first start that waits for Mesa to build its shader cache (measured with the desktop bench).
/// WebKit reads the variable when the window is made, so it is set first thing in `main`.
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
fn draw_without_compositing() {
    const VAR: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";
    if std::env::var_os(VAR).is_none() {
        // SAFETY: called first thing in `main`, before any thread exists that could read or
        // write the environment at the same time (the one unsafe block of the workspace).
        unsafe { std::env::set_var(VAR, "1") };
    }
}

#[cfg(not(target_os = "linux"))]
fn draw_without_compositing() {}

fn main() {
    draw_without_compositing();
    let db = std::env::var_os("RAPPORT_DB").map(PathBuf::from).unwrap_or_else(rapport_core::default_db_path);
    // A test knob, read by test (debug) builds only: a release build on a clinic's desk keeps
    // the idle lock its managers set, whatever its environment says.
    let idle_override = if cfg!(debug_assertions) {
        std::env::var("RAPPORT_IDLE_LOCK_SECONDS").ok().and_then(|s| s.parse::<u64>().ok()).filter(|&s| s > 0)
    } else {
        None
    }
    .map(Duration::from_secs);
    let result = tauri::Builder::default()
        .manage(desk::Desk::new(db, idle_override))
        .invoke_handler(tauri::generate_handler![
            commands::desk_state,
            commands::head_office,
            commands::setup_clinic,
            commands::unlock_database,
            commands::login,
            commands::lock,
            commands::unlock,
            commands::switch_user,
            commands::set_idle_lock,
            commands::touch,
            commands::search_patients,
            commands::open_patient,
            commands::add_pointer,
            commands::mark_pointer_used,
            commands::possible_duplicates,
            commands::register_patient,
            commands::doctors,
            commands::day_schedule,
            commands::change_status,
            commands::free_slots,
            commands::book_appointment,
            commands::move_appointment,
            commands::call_list,
            commands::messaging_settings,
            commands::set_messaging,
            commands::templates,
            commands::set_template,
            commands::recall_rules,
            commands::set_recall_rule,
            commands::finish_call,
            commands::doctor_glance,
            commands::join_head_office,
            commands::enroll,
            commands::sync_status,
            commands::sync_now,
            commands::sync_conflicts,
            commands::resolve_conflict,
            commands::find_at_head_office,
            commands::take_on_patient,
            commands::segment_size,
            commands::no_show_report,
            commands::waiting_report,
            commands::profile_report,
            commands::export_report,
            commands::export_records,
            commands::change_password,
            commands::staff_list,
            commands::manage_staff,
            commands::edit_patient,
            commands::revise_pointer,
            commands::retract_pointer,
            commands::pointer_history,
            commands::open_restricted,
            commands::set_restricted,
            commands::break_glass_log,
            commands::import_file,
            commands::import_progress,
            commands::duplicate_pairs,
            commands::merge_preview,
            commands::merge_patients,
            commands::unmerge_patients,
            commands::segments,
            commands::create_campaign,
            commands::pause_campaign,
            commands::survey_settings,
            commands::set_survey_settings,
            commands::campaigns,
            commands::survey_results,
            commands::doctor_hours,
            commands::set_doctor_hours,
            commands::time_off,
            commands::add_time_off,
            commands::remove_time_off,
            commands::doctor_week,
            commands::walk_in,
            commands::waitlist,
            commands::add_to_waitlist,
            commands::remove_from_waitlist,
            commands::waitlist_offers,
            commands::take_slot,
            commands::set_language,
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("rapport: the desktop app could not start: {e}");
        std::process::exit(1);
    }
}
