//! The typed client for the desktop shell's commands: one function per command, each sending
//! its `args` and decoding the answer into the shared `rapport-model` types.

use chrono::{DateTime, NaiveDate, Utc};
use rapport_model::calls::{CallItem, CallOutcome};
use rapport_model::campaigns::CampaignView;
use rapport_model::duplicates::Band;
use rapport_model::ipc::{
    AddPointerArgs, BreakGlassArgs, CallDoneArgs, DeskState, DuplicateArgs, EditPatientArgs, EnrollArgs, ErrorReply,
    FindArgs, GlanceArgs, HeadOffice, IdleLockArgs, JoinArgs, LoginArgs, MoveArgs, PassphraseArgs, PasswordArgs,
    PatientArgs, PointerArgs, RecallRuleArgs, ResolveArgs, RestrictArgs, RevisePointerArgs, ScheduleArgs, SearchArgs,
    SetupArgs, SlotArgs, StatusArgs, TemplateArgs,
};
use rapport_model::ipc::{
    BandArgs, CampaignArgs, ExportArgs, ExportRecordsArgs, ImportFileArgs, ImportProgressView, ImportReport, MergeArgs,
    PasswordChangeArgs, PauseArgs, ProfileArgs, RangeArgs, RecordsFile, SavedFile, SegmentArgs, StaffAction,
    UnmergeArgs,
};
use rapport_model::ipc::{
    DoctorArgs, HoursArgs, LanguageArgs, RecordArgs, TakeSlotArgs, TimeOffArgs, WaitlistArgs, WalkInArgs, WeekArgs,
};
use rapport_model::merge::PatientMerge;
use rapport_model::outreach::{MessagingEdit, MessagingView, RecallRule, TemplateView};
use rapport_model::reports::{CountRow, NoShowRow, ProfileReport, Report, WaitingReport};
use rapport_model::schedule::{DoctorHours, TimeOff};
use rapport_model::segments::{SavedSegment, SegmentFilter, SegmentSize};
use rapport_model::staff::Language;
use rapport_model::surveys::{SurveyEdit, SurveyResults, SurveySettings};
use rapport_model::sync::{RemotePatient, SyncReport, SyncStatus};
use rapport_model::view::{
    BookingOutcome, BreakGlassEntry, ConflictView, DoctorGlance, DoctorView, DuplicateMatch, DuplicatePair, FreeSlot,
    MergePreview, PatientCard, PatientHit, ScheduleRow,
};
use rapport_model::view::{DaySlots, TimeOffAdded, WaitlistView, WeekView};
use rapport_model::{
    Appointment, AppointmentId, Booking, ErrorCode, NewPatient, Patient, PatientEdit, PatientId, Pointer, PointerId,
    PointerKind, Staff, StaffId, StatusChange,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// Tauri's IPC entry point (`withGlobalTauri` is off; this is the internal binding).
    #[wasm_bindgen(js_namespace = ["window", "__TAURI_INTERNALS__"], catch)]
    async fn invoke(cmd: &str, args: JsValue) -> Result<JsValue, JsValue>;
}

pub type Reply<T> = Result<T, ErrorReply>;

fn local_error(message: String) -> ErrorReply {
    ErrorReply::new(ErrorCode::Ipc, message)
}

#[derive(Serialize)]
struct Wrapped<'a, A> {
    args: &'a A,
}

async fn send<R: DeserializeOwned>(cmd: &str, payload: JsValue) -> Reply<R> {
    match invoke(cmd, payload).await {
        // The decoder's own message may quote the values it choked on: keep patient data out of it.
        Ok(value) => serde_wasm_bindgen::from_value(value)
            .map_err(|_| local_error(format!("the app gave an answer the page does not understand ({cmd})"))),
        Err(e) => Err(serde_wasm_bindgen::from_value::<ErrorReply>(e.clone())
            .unwrap_or_else(|_| local_error(e.as_string().unwrap_or_else(|| "the app did not answer".to_owned())))),
    }
}

async fn call<A: Serialize, R: DeserializeOwned>(cmd: &str, args: &A) -> Reply<R> {
    let payload = Wrapped { args }
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|_| local_error(format!("could not send {cmd}")))?;
    send(cmd, payload).await
}

async fn call0<R: DeserializeOwned>(cmd: &str) -> Reply<R> {
    send(cmd, js_sys::Object::new().into()).await
}

pub async fn desk_state() -> Reply<DeskState> {
    call0("desk_state").await
}

pub async fn head_office() -> Reply<HeadOffice> {
    call0("head_office").await
}

pub async fn setup_clinic(args: &SetupArgs) -> Reply<DeskState> {
    call("setup_clinic", args).await
}

pub async fn unlock_database(passphrase: String) -> Reply<DeskState> {
    call("unlock_database", &PassphraseArgs { passphrase }).await
}

pub async fn login(login: String, password: String) -> Reply<DeskState> {
    call("login", &LoginArgs { login, password }).await
}

pub async fn revise_pointer(
    pointer: PointerId,
    kind: PointerKind,
    text: String,
    event_date: Option<NaiveDate>,
) -> Reply<Pointer> {
    call("revise_pointer", &RevisePointerArgs { pointer, kind, text, event_date }).await
}

pub async fn retract_pointer(pointer: PointerId) -> Reply<Pointer> {
    call("retract_pointer", &PointerArgs { pointer }).await
}

pub async fn pointer_history(pointer: PointerId) -> Reply<Vec<Pointer>> {
    call("pointer_history", &PointerArgs { pointer }).await
}

pub async fn edit_patient(patient: PatientId, edit: PatientEdit) -> Reply<Patient> {
    call("edit_patient", &EditPatientArgs { patient, edit }).await
}

pub async fn open_restricted(patient: PatientId, reason: String) -> Reply<PatientCard> {
    call("open_restricted", &BreakGlassArgs { patient, reason }).await
}

pub async fn set_restricted(patient: PatientId, restricted: bool) -> Reply<()> {
    call("set_restricted", &RestrictArgs { patient, restricted }).await
}

pub async fn break_glass_log() -> Reply<Vec<BreakGlassEntry>> {
    call0("break_glass_log").await
}

pub async fn change_password(current: String, new: String) -> Reply<DeskState> {
    call("change_password", &PasswordChangeArgs { current, new }).await
}

pub async fn staff_list() -> Reply<Vec<Staff>> {
    call0("staff_list").await
}

pub async fn manage_staff(action: StaffAction) -> Reply<Vec<Staff>> {
    call("manage_staff", &action).await
}

pub async fn lock() -> Reply<DeskState> {
    call0("lock").await
}

pub async fn unlock(password: String) -> Reply<DeskState> {
    call("unlock", &PasswordArgs { password }).await
}

pub async fn switch_user() -> Reply<DeskState> {
    call0("switch_user").await
}

pub async fn set_idle_lock(minutes: u32) -> Reply<DeskState> {
    call("set_idle_lock", &IdleLockArgs { minutes }).await
}

pub async fn touch() -> Reply<()> {
    call0("touch").await
}

pub async fn search_patients(query: String, limit: usize) -> Reply<Vec<PatientHit>> {
    call("search_patients", &SearchArgs { query, limit }).await
}

pub async fn open_patient(patient: PatientId) -> Reply<PatientCard> {
    call("open_patient", &PatientArgs { patient }).await
}

pub async fn add_pointer(
    patient: PatientId,
    kind: PointerKind,
    text: String,
    event_date: Option<NaiveDate>,
) -> Reply<Pointer> {
    call("add_pointer", &AddPointerArgs { patient, kind, text, event_date }).await
}

pub async fn mark_pointer_used(pointer: PointerId) -> Reply<Pointer> {
    call("mark_pointer_used", &PointerArgs { pointer }).await
}

pub async fn possible_duplicates(args: &DuplicateArgs) -> Reply<Vec<DuplicateMatch>> {
    call("possible_duplicates", args).await
}

pub async fn register_patient(new: &NewPatient) -> Reply<Patient> {
    call("register_patient", new).await
}

pub async fn doctors() -> Reply<Vec<DoctorView>> {
    call0("doctors").await
}

pub async fn day_schedule(day: NaiveDate, doctor: Option<StaffId>) -> Reply<Vec<ScheduleRow>> {
    call("day_schedule", &ScheduleArgs { day, doctor }).await
}

pub async fn change_status(appointment: AppointmentId, change: StatusChange) -> Reply<Appointment> {
    call("change_status", &StatusArgs { appointment, change }).await
}

pub async fn free_slots(doctor: StaffId, day: NaiveDate, minutes: u32) -> Reply<DaySlots> {
    call("free_slots", &SlotArgs { doctor, day, minutes }).await
}

pub async fn set_language(language: Language) -> Reply<DeskState> {
    call("set_language", &LanguageArgs { language }).await
}

pub async fn doctor_hours(doctor: StaffId) -> Reply<DoctorHours> {
    call("doctor_hours", &DoctorArgs { doctor }).await
}

pub async fn set_doctor_hours(args: &HoursArgs) -> Reply<DoctorHours> {
    call("set_doctor_hours", args).await
}

pub async fn time_off() -> Reply<Vec<TimeOff>> {
    call0("time_off").await
}

pub async fn add_time_off(args: &TimeOffArgs) -> Reply<TimeOffAdded> {
    call("add_time_off", args).await
}

pub async fn remove_time_off(id: Uuid) -> Reply<()> {
    call("remove_time_off", &RecordArgs { id }).await
}

pub async fn doctor_week(doctor: StaffId, from: NaiveDate) -> Reply<WeekView> {
    call("doctor_week", &WeekArgs { doctor, from }).await
}

pub async fn walk_in(args: &WalkInArgs) -> Reply<Appointment> {
    call("walk_in", args).await
}

pub async fn waitlist() -> Reply<Vec<WaitlistView>> {
    call0("waitlist").await
}

pub async fn add_to_waitlist(args: &WaitlistArgs) -> Reply<WaitlistView> {
    call("add_to_waitlist", args).await
}

pub async fn remove_from_waitlist(id: Uuid) -> Reply<()> {
    call("remove_from_waitlist", &RecordArgs { id }).await
}

pub async fn waitlist_offers(slot: FreeSlot) -> Reply<Vec<WaitlistView>> {
    call("waitlist_offers", &slot).await
}

pub async fn take_slot(entry: Uuid, slot: FreeSlot) -> Reply<BookingOutcome> {
    call("take_slot", &TakeSlotArgs { entry, slot }).await
}

pub async fn book_appointment(booking: &Booking) -> Reply<BookingOutcome> {
    call("book_appointment", booking).await
}

pub async fn move_appointment(
    appointment: AppointmentId,
    starts_at: DateTime<Utc>,
    doctor: Option<StaffId>,
) -> Reply<BookingOutcome> {
    call("move_appointment", &MoveArgs { appointment, starts_at, doctor }).await
}

pub async fn call_list() -> Reply<Vec<CallItem>> {
    call0("call_list").await
}

pub async fn finish_call(id: rapport_model::calls::CallId, outcome: CallOutcome) -> Reply<CallItem> {
    call("finish_call", &CallDoneArgs { call: id, outcome }).await
}

pub async fn messaging_settings() -> Reply<MessagingView> {
    call0("messaging_settings").await
}

pub async fn set_messaging(edit: &MessagingEdit) -> Reply<MessagingView> {
    call("set_messaging", edit).await
}

pub async fn templates() -> Reply<Vec<TemplateView>> {
    call0("templates").await
}

pub async fn set_template(args: &TemplateArgs) -> Reply<TemplateView> {
    call("set_template", args).await
}

pub async fn recall_rules() -> Reply<Vec<RecallRule>> {
    call0("recall_rules").await
}

pub async fn set_recall_rule(tag: String, every_months: u32) -> Reply<RecallRule> {
    call("set_recall_rule", &RecallRuleArgs { tag, every_months }).await
}

pub async fn doctor_glance(doctor: StaffId, patient: Option<PatientId>) -> Reply<DoctorGlance> {
    call("doctor_glance", &GlanceArgs { doctor, patient }).await
}

pub async fn join_head_office(args: &JoinArgs) -> Reply<DeskState> {
    call("join_head_office", args).await
}

pub async fn enroll(args: &EnrollArgs) -> Reply<HeadOffice> {
    call("enroll", args).await
}

pub async fn sync_status() -> Reply<SyncStatus> {
    call0("sync_status").await
}

pub async fn sync_now() -> Reply<SyncReport> {
    call0("sync_now").await
}

pub async fn sync_conflicts() -> Reply<Vec<ConflictView>> {
    call0("sync_conflicts").await
}

pub async fn resolve_conflict(conflict: i64, reapply: bool) -> Reply<()> {
    call("resolve_conflict", &ResolveArgs { conflict, reapply }).await
}

pub async fn find_at_head_office(query: String) -> Reply<Vec<RemotePatient>> {
    call("find_at_head_office", &FindArgs { query }).await
}

pub async fn take_on_patient(patient: PatientId) -> Reply<SyncReport> {
    call("take_on_patient", &PatientArgs { patient }).await
}

pub async fn segment_size(filter: &SegmentFilter, name: Option<String>) -> Reply<SegmentSize> {
    call("segment_size", &SegmentArgs { filter: filter.clone(), name }).await
}

pub async fn no_show_report(from: NaiveDate, to: NaiveDate) -> Reply<Vec<NoShowRow>> {
    call("no_show_report", &RangeArgs { from, to }).await
}

pub async fn waiting_report(from: NaiveDate, to: NaiveDate) -> Reply<WaitingReport> {
    call("waiting_report", &RangeArgs { from, to }).await
}

pub async fn profile_report(which: ProfileReport, from: NaiveDate, to: NaiveDate) -> Reply<Vec<CountRow>> {
    call("profile_report", &ProfileArgs { which, from, to }).await
}

/// Saves the report as CSV in the Downloads folder; answers where.
pub async fn export_report(report: Report, from: NaiveDate, to: NaiveDate) -> Reply<String> {
    call("export_report", &ExportArgs { report, from, to }).await
}

pub async fn segments() -> Reply<Vec<SavedSegment>> {
    call0("segments").await
}

pub async fn export_records(kind: RecordsFile) -> Reply<SavedFile> {
    call("export_records", &ExportRecordsArgs { kind }).await
}

pub async fn import_file(args: &ImportFileArgs) -> Reply<ImportReport> {
    call("import_file", args).await
}

pub async fn import_progress() -> Reply<Option<ImportProgressView>> {
    call0("import_progress").await
}

pub async fn duplicate_pairs(band: Band) -> Reply<Vec<DuplicatePair>> {
    call("duplicate_pairs", &BandArgs { band }).await
}

pub async fn merge_preview(keep: PatientId, other: PatientId) -> Reply<MergePreview> {
    call("merge_preview", &MergeArgs { keep, other, choices: Default::default() }).await
}

pub async fn merge_patients(args: &MergeArgs) -> Reply<PatientMerge> {
    call("merge_patients", args).await
}

pub async fn unmerge_patients(merge_id: uuid::Uuid) -> Reply<PatientMerge> {
    call("unmerge_patients", &UnmergeArgs { merge_id }).await
}

pub async fn create_campaign(args: &CampaignArgs) -> Reply<CampaignView> {
    call("create_campaign", args).await
}

pub async fn pause_campaign(name: String, paused: bool) -> Reply<CampaignView> {
    call("pause_campaign", &PauseArgs { name, paused }).await
}

pub async fn survey_settings() -> Reply<SurveySettings> {
    call0("survey_settings").await
}

pub async fn set_survey_settings(edit: &SurveyEdit) -> Reply<SurveySettings> {
    call("set_survey_settings", edit).await
}

pub async fn campaigns() -> Reply<Vec<CampaignView>> {
    call0("campaigns").await
}

pub async fn survey_results() -> Reply<SurveyResults> {
    call0("survey_results").await
}
