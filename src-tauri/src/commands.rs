//! Rapport's commands: each one turns its `args` into a rapport-core call. No logic lives here.

use rapport_core::{CampaignInput, ImportOptions, ImportProgress, ImportStage, NewPointer, Secret, TemplateInput};
use rapport_model::ErrorCode;
use rapport_model::calls::CallItem;
use rapport_model::campaigns::CampaignView;
use rapport_model::ipc::ErrorReply;
use rapport_model::ipc::{
    AddPointerArgs, BandArgs, BreakGlassArgs, CallDoneArgs, CampaignArgs, DeskState, DuplicateArgs, EditPatientArgs,
    EnrollArgs, ExportArgs, ExportRecordsArgs, FindArgs, GlanceArgs, HeadOffice, IdleLockArgs, ImportFileArgs,
    ImportProgressView, ImportReport, JoinArgs, LoginArgs, MergeArgs, MoveArgs, PassphraseArgs, PasswordArgs,
    PasswordChangeArgs, PatientArgs, PauseArgs, PointerArgs, ProfileArgs, RangeArgs, RecallRuleArgs, RecordsFile,
    ResolveArgs, RestrictArgs, RevisePointerArgs, SavedFile, ScheduleArgs, SearchArgs, SegmentArgs, SetupArgs,
    SlotArgs, StaffAction, StatusArgs, TemplateArgs, UnmergeArgs,
};
use rapport_model::ipc::{
    DoctorArgs, HoursArgs, LanguageArgs, RecordArgs, TakeSlotArgs, TimeOffArgs, WaitlistArgs, WalkInArgs, WeekArgs,
};
use rapport_model::merge::PatientMerge;
use rapport_model::outreach::{MessagingEdit, MessagingView, RecallRule, TemplateView};
use rapport_model::reports::{CountRow, NoShowRow, WaitingReport};
use rapport_model::schedule::{DoctorHours, TimeOff};
use rapport_model::segments::{SavedSegment, SegmentSize};
use rapport_model::surveys::{SurveyEdit, SurveyResults, SurveySettings};
use rapport_model::sync::{RemotePatient, SyncReport, SyncStatus};
use rapport_model::view::{
    BookingOutcome, BreakGlassEntry, ConflictView, DoctorGlance, DoctorView, DuplicateMatch, DuplicatePair, FreeSlot,
    MergePreview, PatientCard, PatientHit, ScheduleRow,
};
use rapport_model::view::{DaySlots, TimeOffAdded, WaitlistView, WeekView};
use rapport_model::{Appointment, Booking, NewPatient, Patient, Pointer, PointerKind, Source, Staff};
use tauri::{AppHandle, Manager, State};

use crate::desk::{Desk, Reply};

#[tauri::command]
pub async fn desk_state(desk: State<'_, Desk>) -> Reply<DeskState> {
    desk.state()
}

/// The head-office indicator, refreshed by the window every few seconds. Holds no patient data,
/// so it answers on a locked desk too, and it does not count as someone using the desk.
#[tauri::command]
pub async fn head_office(desk: State<'_, Desk>) -> Reply<HeadOffice> {
    Ok(desk.head_office())
}

#[tauri::command]
pub async fn setup_clinic(desk: State<'_, Desk>, args: SetupArgs) -> Reply<DeskState> {
    desk.setup(args)
}

#[tauri::command]
pub async fn unlock_database(desk: State<'_, Desk>, args: PassphraseArgs) -> Reply<DeskState> {
    desk.unlock_database(args.passphrase)
}

#[tauri::command]
pub async fn login(desk: State<'_, Desk>, args: LoginArgs) -> Reply<DeskState> {
    desk.login(&args.login, args.password)
}

#[tauri::command]
pub async fn edit_patient(desk: State<'_, Desk>, args: EditPatientArgs) -> Reply<Patient> {
    desk.with_session(|app, s| app.edit_patient(s, args.patient, args.edit))
}

#[tauri::command]
pub async fn open_restricted(desk: State<'_, Desk>, args: BreakGlassArgs) -> Reply<PatientCard> {
    desk.with_session(|app, s| app.open_restricted(s, args.patient, &args.reason))
}

#[tauri::command]
pub async fn set_restricted(desk: State<'_, Desk>, args: RestrictArgs) -> Reply<()> {
    desk.with_session(|app, s| app.set_restricted(s, args.patient, args.restricted))
}

#[tauri::command]
pub async fn break_glass_log(desk: State<'_, Desk>) -> Reply<Vec<BreakGlassEntry>> {
    desk.with_session(|app, s| app.break_glass_log(s, 100))
}

#[tauri::command]
pub async fn change_password(desk: State<'_, Desk>, args: PasswordChangeArgs) -> Reply<DeskState> {
    desk.change_password(args.current, args.new)
}

/// The clinic's staff, for the managers' staff screen.
#[tauri::command]
pub async fn staff_list(desk: State<'_, Desk>) -> Reply<Vec<Staff>> {
    desk.with_session(|app, s| app.list_staff(s))
}

/// Adds a colleague, resets a password, changes a role, or (de)activates an account; answers
/// the staff list as it now stands.
#[tauri::command]
pub async fn manage_staff(desk: State<'_, Desk>, args: StaffAction) -> Reply<Vec<Staff>> {
    desk.with_session(|app, s| {
        match args {
            StaffAction::Add { login, name, role, password } => {
                app.add_staff(s, &login, &name, role, &Secret::new(password))?;
            }
            StaffAction::Reset { login, password } => {
                app.reset_password(s, &login, &Secret::new(password))?;
            }
            StaffAction::Role { login, role } => {
                app.set_staff_role(s, &login, role)?;
            }
            StaffAction::Active { login, active } => {
                app.set_staff_active(s, &login, active)?;
            }
        }
        app.list_staff(s)
    })
}

#[tauri::command]
pub async fn lock(desk: State<'_, Desk>) -> Reply<DeskState> {
    desk.lock()
}

#[tauri::command]
pub async fn unlock(desk: State<'_, Desk>, args: PasswordArgs) -> Reply<DeskState> {
    desk.unlock(args.password)
}

#[tauri::command]
pub async fn switch_user(desk: State<'_, Desk>) -> Reply<DeskState> {
    desk.switch_user()
}

#[tauri::command]
pub async fn set_idle_lock(desk: State<'_, Desk>, args: IdleLockArgs) -> Reply<DeskState> {
    desk.set_idle_lock(args.minutes)
}

/// Someone is using the desk (keys, pointer) without running a command: the idle clock restarts.
#[tauri::command]
pub async fn touch(desk: State<'_, Desk>) -> Reply<()> {
    desk.with_session(|_, _| Ok(()))
}

#[tauri::command]
pub async fn search_patients(desk: State<'_, Desk>, args: SearchArgs) -> Reply<Vec<PatientHit>> {
    desk.with_session(|app, s| app.search_patients(s, &args.query, args.limit))
}

#[tauri::command]
pub async fn open_patient(desk: State<'_, Desk>, args: PatientArgs) -> Reply<PatientCard> {
    desk.with_session(|app, s| app.open_patient(s, args.patient))
}

#[tauri::command]
pub async fn add_pointer(desk: State<'_, Desk>, args: AddPointerArgs) -> Reply<Pointer> {
    let new = from_the_desk(args.kind, args.text, args.event_date);
    desk.with_session(|app, s| app.add_pointer(s, args.patient, new))
}

/// A pointer typed at the desk (told by the patient, in person or on the phone).
fn from_the_desk(kind: PointerKind, text: String, event_date: Option<chrono::NaiveDate>) -> NewPointer {
    NewPointer { kind, text, event_date, source: Source::Call }
}

#[tauri::command]
pub async fn mark_pointer_used(desk: State<'_, Desk>, args: PointerArgs) -> Reply<Pointer> {
    desk.with_session(|app, s| app.mark_pointer_used(s, args.pointer, None))
}

#[tauri::command]
pub async fn revise_pointer(desk: State<'_, Desk>, args: RevisePointerArgs) -> Reply<Pointer> {
    let new = from_the_desk(args.kind, args.text, args.event_date);
    desk.with_session(|app, s| app.revise_pointer(s, args.pointer, new))
}

#[tauri::command]
pub async fn retract_pointer(desk: State<'_, Desk>, args: PointerArgs) -> Reply<Pointer> {
    desk.with_session(|app, s| app.retract_pointer(s, args.pointer))
}

#[tauri::command]
pub async fn pointer_history(desk: State<'_, Desk>, args: PointerArgs) -> Reply<Vec<Pointer>> {
    desk.with_session(|app, s| app.pointer_history(s, args.pointer))
}

#[tauri::command]
pub async fn possible_duplicates(desk: State<'_, Desk>, args: DuplicateArgs) -> Reply<Vec<DuplicateMatch>> {
    desk.with_session(|app, s| app.possible_duplicates(s, &args.given, &args.family, args.birth_date, &args.phones))
}

#[tauri::command]
pub async fn register_patient(desk: State<'_, Desk>, args: NewPatient) -> Reply<Patient> {
    desk.with_session(|app, s| app.register_patient(s, args))
}

#[tauri::command]
pub async fn doctors(desk: State<'_, Desk>) -> Reply<Vec<DoctorView>> {
    desk.with_session(|app, s| app.doctors(s))
}

#[tauri::command]
pub async fn day_schedule(desk: State<'_, Desk>, args: ScheduleArgs) -> Reply<Vec<ScheduleRow>> {
    desk.with_session(|app, s| app.day_schedule(s, args.day, args.doctor))
}

#[tauri::command]
pub async fn change_status(desk: State<'_, Desk>, args: StatusArgs) -> Reply<Appointment> {
    desk.with_session(|app, s| app.change_status(s, args.appointment, args.change))
}

#[tauri::command]
pub async fn free_slots(desk: State<'_, Desk>, args: SlotArgs) -> Reply<DaySlots> {
    desk.with_session(|app, s| app.free_slots(s, args.doctor, args.day, args.minutes))
}

#[tauri::command]
pub async fn set_language(desk: State<'_, Desk>, args: LanguageArgs) -> Reply<DeskState> {
    desk.with_session(|app, s| app.set_own_language(s, args.language))?;
    desk.state()
}

#[tauri::command]
pub async fn doctor_hours(desk: State<'_, Desk>, args: DoctorArgs) -> Reply<DoctorHours> {
    desk.with_session(|app, s| app.doctor_hours(s, args.doctor))
}

#[tauri::command]
pub async fn set_doctor_hours(desk: State<'_, Desk>, args: HoursArgs) -> Reply<DoctorHours> {
    desk.with_session(|app, s| app.set_doctor_hours(s, args.doctor, args.week.clone(), args.slot_minutes))
}

#[tauri::command]
pub async fn time_off(desk: State<'_, Desk>) -> Reply<Vec<TimeOff>> {
    desk.with_session(|app, s| app.time_off(s))
}

#[tauri::command]
pub async fn add_time_off(desk: State<'_, Desk>, args: TimeOffArgs) -> Reply<TimeOffAdded> {
    desk.with_session(|app, s| app.add_time_off(s, args.doctor, args.first_day, args.last_day, args.reason.as_deref()))
}

#[tauri::command]
pub async fn remove_time_off(desk: State<'_, Desk>, args: RecordArgs) -> Reply<()> {
    desk.with_session(|app, s| app.remove_time_off(s, args.id))
}

#[tauri::command]
pub async fn doctor_week(desk: State<'_, Desk>, args: WeekArgs) -> Reply<WeekView> {
    desk.with_session(|app, s| app.week(s, args.doctor, args.from))
}

#[tauri::command]
pub async fn walk_in(desk: State<'_, Desk>, args: WalkInArgs) -> Reply<Appointment> {
    desk.with_session(|app, s| app.walk_in(s, args.patient, args.doctor, args.reason.as_deref()))
}

#[tauri::command]
pub async fn waitlist(desk: State<'_, Desk>) -> Reply<Vec<WaitlistView>> {
    desk.with_session(|app, s| app.waitlist(s))
}

#[tauri::command]
pub async fn add_to_waitlist(desk: State<'_, Desk>, args: WaitlistArgs) -> Reply<WaitlistView> {
    desk.with_session(|app, s| {
        app.add_to_waitlist(s, args.patient, args.doctor, args.minutes, args.appointment, args.note.as_deref())
    })
}

#[tauri::command]
pub async fn remove_from_waitlist(desk: State<'_, Desk>, args: RecordArgs) -> Reply<()> {
    desk.with_session(|app, s| app.remove_from_waitlist(s, args.id))
}

#[tauri::command]
pub async fn waitlist_offers(desk: State<'_, Desk>, args: FreeSlot) -> Reply<Vec<WaitlistView>> {
    desk.with_session(|app, s| app.waitlist_offers(s, args))
}

#[tauri::command]
pub async fn take_slot(desk: State<'_, Desk>, args: TakeSlotArgs) -> Reply<BookingOutcome> {
    desk.with_session(|app, s| app.take_slot(s, args.entry, args.slot))
}

#[tauri::command]
pub async fn book_appointment(desk: State<'_, Desk>, args: Booking) -> Reply<BookingOutcome> {
    desk.with_session(|app, s| app.book(s, args))
}

#[tauri::command]
pub async fn move_appointment(desk: State<'_, Desk>, args: MoveArgs) -> Reply<BookingOutcome> {
    desk.with_session(|app, s| app.move_appointment(s, args.appointment, args.starts_at, args.doctor))
}

#[tauri::command]
pub async fn messaging_settings(desk: State<'_, Desk>) -> Reply<MessagingView> {
    desk.with_session(|app, s| app.messaging_settings(s).map(|m| MessagingView::from(&m)))
}

#[tauri::command]
pub async fn set_messaging(desk: State<'_, Desk>, args: MessagingEdit) -> Reply<MessagingView> {
    desk.with_session(|app, s| app.set_messaging(s, &args).map(|m| MessagingView::from(&m)))
}

#[tauri::command]
pub async fn templates(desk: State<'_, Desk>) -> Reply<Vec<TemplateView>> {
    desk.with_session(|app, s| app.templates(s))
}

#[tauri::command]
pub async fn set_template(desk: State<'_, Desk>, args: TemplateArgs) -> Reply<TemplateView> {
    desk.with_session(|app, s| {
        let input = TemplateInput {
            kind: args.kind,
            channel: args.channel,
            language: &args.language,
            text: &args.text,
            dlt_template_id: args.dlt_template_id.as_deref(),
        };
        app.set_template(s, &input)
    })
}

#[tauri::command]
pub async fn recall_rules(desk: State<'_, Desk>) -> Reply<Vec<RecallRule>> {
    desk.with_session(|app, s| app.recall_rules(s))
}

#[tauri::command]
pub async fn set_recall_rule(desk: State<'_, Desk>, args: RecallRuleArgs) -> Reply<RecallRule> {
    desk.with_session(|app, s| app.set_recall_rule(s, &args.tag, args.every_months))
}

#[tauri::command]
pub async fn call_list(desk: State<'_, Desk>) -> Reply<Vec<CallItem>> {
    desk.with_session(|app, s| app.call_list(s))
}

#[tauri::command]
pub async fn finish_call(desk: State<'_, Desk>, args: CallDoneArgs) -> Reply<CallItem> {
    desk.with_session(|app, s| app.finish_call(s, args.call, args.outcome))
}

/// Counts a segment (and saves it under a name, if one is given).
#[tauri::command]
pub async fn segment_size(desk: State<'_, Desk>, args: SegmentArgs) -> Reply<SegmentSize> {
    desk.with_session(|app, s| {
        if let Some(name) = &args.name {
            app.save_segment(s, name, &args.filter)?;
        }
        app.segment_size(s, &args.filter)
    })
}

#[tauri::command]
pub async fn no_show_report(desk: State<'_, Desk>, args: RangeArgs) -> Reply<Vec<NoShowRow>> {
    desk.with_session(|app, s| app.no_show_report(s, args.from, args.to))
}

#[tauri::command]
pub async fn waiting_report(desk: State<'_, Desk>, args: RangeArgs) -> Reply<WaitingReport> {
    desk.with_session(|app, s| app.waiting_report(s, args.from, args.to))
}

#[tauri::command]
pub async fn profile_report(desk: State<'_, Desk>, args: ProfileArgs) -> Reply<Vec<CountRow>> {
    desk.with_session(|app, s| app.profile_report(s, args.which, args.from, args.to))
}

#[tauri::command]
pub async fn import_file(desk: State<'_, Desk>, args: ImportFileArgs) -> Reply<ImportReport> {
    let shown = |p: ImportProgress| {
        let view = ImportProgressView { writing: p.stage == ImportStage::Writing, done: p.done, total: p.total };
        *desk.import_progress.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(view);
    };
    let report = desk.with_session(|app, s| {
        let date_format =
            args.date_format.as_deref().map(str::parse).transpose().map_err(rapport_core::Error::invalid)?;
        let options = ImportOptions { map: None, date_format, dry_run: args.dry_run };
        match args.kind {
            RecordsFile::Patients => {
                app.import_patients_showing(s, &args.bytes, &options, &mut { shown }).map(|r| r.report())
            }
            RecordsFile::Appointments => {
                app.import_appointments_showing(s, &args.bytes, &options, &mut { shown }).map(|r| r.report())
            }
            RecordsFile::Fhir => {
                let text = String::from_utf8(args.bytes)
                    .map_err(|_| rapport_core::Error::invalid("a FHIR bundle is JSON text in UTF-8"))?;
                app.import_fhir(s, &text, args.dry_run).map(|r| r.report())
            }
        }
    });
    *desk.import_progress.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = None;
    report
}

#[tauri::command]
pub async fn import_progress(desk: State<'_, Desk>) -> Reply<Option<ImportProgressView>> {
    Ok(*desk.import_progress.lock().unwrap_or_else(std::sync::PoisonError::into_inner))
}

#[tauri::command]
pub async fn duplicate_pairs(desk: State<'_, Desk>, args: BandArgs) -> Reply<Vec<DuplicatePair>> {
    desk.with_session(|app, s| app.duplicate_pairs(s, args.band))
}

#[tauri::command]
pub async fn merge_preview(desk: State<'_, Desk>, args: MergeArgs) -> Reply<MergePreview> {
    desk.with_session(|app, s| app.merge_preview(s, args.keep, args.other))
}

#[tauri::command]
pub async fn merge_patients(desk: State<'_, Desk>, args: MergeArgs) -> Reply<PatientMerge> {
    desk.with_session(|app, s| app.merge_patients(s, args.keep, args.other, &args.choices))
}

#[tauri::command]
pub async fn unmerge_patients(desk: State<'_, Desk>, args: UnmergeArgs) -> Reply<PatientMerge> {
    desk.with_session(|app, s| app.unmerge_patients(s, args.merge_id))
}

#[tauri::command]
pub async fn segments(desk: State<'_, Desk>) -> Reply<Vec<SavedSegment>> {
    desk.with_session(|app, s| app.segments(s))
}

#[tauri::command]
pub async fn create_campaign(desk: State<'_, Desk>, args: CampaignArgs) -> Reply<CampaignView> {
    desk.with_session(|app, s| {
        let input = CampaignInput {
            name: &args.name,
            segment: &args.segment,
            template: &args.template,
            channel: args.channel,
            holdout_pct: args.holdout_pct,
            window_days: args.window_days,
            cost_millis: args.cost_millis,
            send_at: args.send_at,
        };
        app.create_campaign(s, &input)
    })
}

#[tauri::command]
pub async fn pause_campaign(desk: State<'_, Desk>, args: PauseArgs) -> Reply<CampaignView> {
    desk.with_session(|app, s| app.set_campaign_paused(s, &args.name, args.paused))
}

#[tauri::command]
pub async fn survey_settings(desk: State<'_, Desk>) -> Reply<SurveySettings> {
    desk.with_session(|app, s| app.survey_settings(s))
}

#[tauri::command]
pub async fn set_survey_settings(desk: State<'_, Desk>, args: SurveyEdit) -> Reply<SurveySettings> {
    desk.with_session(|app, s| app.set_survey_settings(s, &args))
}

/// Where the window saves exports: the user's Downloads folder.
fn downloads(handle: &AppHandle) -> Reply<std::path::PathBuf> {
    let paths = handle.path();
    let dir = paths.download_dir().or_else(|_| paths.home_dir().map(|h| h.join("Downloads")));
    dir.map_err(|_| ErrorReply::new(ErrorCode::Storage, "no Downloads folder to save the export in"))
}

/// Saves a report as CSV in the user's Downloads folder and answers the file's path.
#[tauri::command]
pub async fn export_report(handle: AppHandle, desk: State<'_, Desk>, args: ExportArgs) -> Reply<String> {
    let dir = downloads(&handle)?;
    desk.with_session(|app, s| app.export_report_to(s, args.report, args.from, args.to, &dir))
        .map(|path| path.display().to_string())
}

/// Saves the patients, the appointments or a FHIR bundle of everything in the user's Downloads
/// folder (not encrypted: the window says so).
#[tauri::command]
pub async fn export_records(handle: AppHandle, desk: State<'_, Desk>, args: ExportRecordsArgs) -> Reply<SavedFile> {
    let dir = downloads(&handle)?;
    desk.with_session(|app, s| app.export_records_to(s, args.kind, &dir))
        .map(|(path, count)| SavedFile { path: path.display().to_string(), count })
}

#[tauri::command]
pub async fn campaigns(desk: State<'_, Desk>) -> Reply<Vec<CampaignView>> {
    desk.with_session(|app, s| app.campaigns(s))
}

#[tauri::command]
pub async fn survey_results(desk: State<'_, Desk>) -> Reply<SurveyResults> {
    desk.with_session(|app, s| app.survey_results(s, None))
}

#[tauri::command]
pub async fn doctor_glance(desk: State<'_, Desk>, args: GlanceArgs) -> Reply<DoctorGlance> {
    desk.with_session(|app, s| app.doctor_glance(s, args.doctor, args.patient))
}

/// Runs a command that talks to head office on a blocking worker: the HTTP client blocks, and
/// must not run on the async runtime's threads.
async fn off_the_runtime<T: Send + 'static>(
    handle: AppHandle,
    f: impl FnOnce(&Desk) -> Reply<T> + Send + 'static,
) -> Reply<T> {
    tauri::async_runtime::spawn_blocking(move || f(&handle.state::<Desk>()))
        .await
        .unwrap_or_else(|_| Err(ErrorReply::new(ErrorCode::Ipc, "the desk's worker stopped; try again")))
}

#[tauri::command]
pub async fn join_head_office(handle: AppHandle, args: JoinArgs) -> Reply<DeskState> {
    off_the_runtime(handle, move |desk| desk.join(args)).await
}

#[tauri::command]
pub async fn enroll(handle: AppHandle, args: EnrollArgs) -> Reply<HeadOffice> {
    off_the_runtime(handle, move |desk| desk.enroll(args)).await
}

/// Sync status in detail. Counts and times, no patient data.
#[tauri::command]
pub async fn sync_status(desk: State<'_, Desk>) -> Reply<SyncStatus> {
    desk.with_session(|app, _| app.sync_status())
}

/// Syncs now, on the desk's own connection, while the person who asked waits for the answer.
#[tauri::command]
pub async fn sync_now(handle: AppHandle) -> Reply<SyncReport> {
    off_the_runtime(handle, |desk| desk.with_session(|app, _| app.sync_with_head_office())).await
}

#[tauri::command]
pub async fn sync_conflicts(desk: State<'_, Desk>) -> Reply<Vec<ConflictView>> {
    desk.with_session(|app, s| app.conflict_views(s))
}

#[tauri::command]
pub async fn resolve_conflict(desk: State<'_, Desk>, args: ResolveArgs) -> Reply<()> {
    desk.with_session(|app, s| app.resolve_conflict(s, args.conflict, args.reapply))
}

#[tauri::command]
pub async fn find_at_head_office(handle: AppHandle, args: FindArgs) -> Reply<Vec<RemotePatient>> {
    off_the_runtime(handle, move |desk| desk.with_session(|app, s| app.find_at_head_office(s, &args.query))).await
}

#[tauri::command]
pub async fn take_on_patient(handle: AppHandle, args: PatientArgs) -> Reply<SyncReport> {
    off_the_runtime(handle, move |desk| desk.with_session(|app, s| app.take_on_patient(s, *args.patient.as_uuid())))
        .await
}
