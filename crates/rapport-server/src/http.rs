//! The HTTP API (JSON over HTTPS). Every route but `/v1/enroll` and `/v1/health` needs a
//! device's bearer token, checked before the body is read; failed enrollment attempts are
//! limited per minute. Refusals are `{code, message}` with a fitting status; logs name
//! routes, devices and counts, never patient data.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use std::sync::Mutex;
use std::time::Instant;

use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use futures_util::StreamExt;
use rapport_model::RefusalCode;
use rapport_model::sync::{
    ChainRequest, ChainResponse, EnrollRequest, EnrollResponse, MAX_BODY_BYTES, PullRequest, PullResponse, PushRequest,
    PushResponse, Refusal, RemotePatient, SearchRequest, TakeOnRequest,
};
use serde::Serialize;

mod dashboard;

use crate::db::Backend;
use crate::now_ms;
use crate::office::{self, Device, OfficeError, Refused};
use crate::sms::SmsGateway;

/// A failed request, as the client sees it.
#[derive(Debug)]
pub struct ApiError(OfficeError);

impl From<OfficeError> for ApiError {
    fn from(e: OfficeError) -> Self {
        Self(e)
    }
}

impl From<Refused> for ApiError {
    fn from(e: Refused) -> Self {
        Self(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, refusal) = match self.0 {
            OfficeError::Refused(r) => {
                (r.status, Refusal { server_ms: r.server_ms, ..Refusal::new(r.code, r.message) })
            }
            OfficeError::Db(e) => {
                tracing::error!(error = %e, "storage failed");
                (500, Refusal::new(RefusalCode::Storage, "head office could not store or read data; try again later"))
            }
        };
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, Json(refusal)).into_response()
    }
}

type ApiResult<T> = Result<Json<T>, ApiError>;

/// A JSON body, or the reason it is not one (too large, not JSON, not the expected shape).
fn body<T>(b: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    b.map(|Json(v)| v).map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            // The parser's message can quote the body; only its kind is returned.
            Refused::new(400, RefusalCode::BadRequest, "the request body is not the JSON this route expects")
        }
        .into()
    })
}

fn too_large() -> Refused {
    Refused::new(413, RefusalCode::TooLarge, format!("a request may hold at most {} MiB", MAX_BODY_BYTES >> 20))
}

/// How much of a body declared too large head office reads (and drops) before it answers.
const DRAIN_MAX_BYTES: u64 = 4 * MAX_BODY_BYTES as u64;

/// Refuses a device's body that declares a length over the limit, after reading what the
/// client sends (up to [`DRAIN_MAX_BYTES`]): a server that answers and closes while the client
/// is still writing makes the client see a reset connection instead of the answer. Runs after
/// the token check, so only an enrolled device can make head office read that much.
async fn refuse_oversized(req: Request, next: Next) -> Response {
    let declared =
        req.headers().get(axum::http::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_none_or(|n| n <= MAX_BODY_BYTES as u64) {
        return next.run(req).await;
    }
    let mut body = req.into_body().into_data_stream();
    let mut read = 0u64;
    while let Some(Ok(chunk)) = body.next().await {
        read += chunk.len() as u64;
        if read > DRAIN_MAX_BYTES {
            break;
        }
    }
    ApiError::from(too_large()).into_response()
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    headers.get(axum::http::header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ").map(|t| t.trim().to_owned())
}

/// Runs `f` with the storage in one transaction, off the async threads; the transaction runs
/// to its end even if the client goes away, so a batch is stored whole or not at all.
async fn with_db<T: Send + 'static>(
    backend: &Arc<Backend>,
    f: impl FnOnce(&mut dyn crate::db::Db) -> Result<T, OfficeError> + Send + 'static,
) -> Result<T, ApiError> {
    let backend = Arc::clone(backend);
    tokio::task::spawn_blocking(move || backend.tx(f))
        .await
        .map_err(|_| ApiError(OfficeError::Db(crate::db::DbError::Other("a worker failed".into()))))?
        .map_err(ApiError)
}

/// What every route shares: the storage, the count of failed enrollment attempts, and the SMS
/// gateway whose callbacks it takes.
#[derive(Debug)]
pub struct AppState {
    backend: Arc<Backend>,
    enroll_failures: Mutex<Window>,
    sms: Option<Arc<dyn SmsGateway>>,
}

/// Failed enrollment attempts in the current minute.
#[derive(Debug)]
struct Window {
    started: Instant,
    failures: u32,
}

/// Failed enrollment attempts head office takes per minute before it refuses every attempt
/// until the minute is over (a code has 60 bits; this only keeps guessing noisy and slow).
const ENROLL_FAILURES_PER_MINUTE: u32 = 10;

impl AppState {
    /// Is enrollment open now, or closed until the current minute ends?
    fn enroll_allowed(&self) -> bool {
        let mut w = self.enroll_failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if w.started.elapsed() >= Duration::from_secs(60) {
            *w = Window { started: Instant::now(), failures: 0 };
        }
        w.failures < ENROLL_FAILURES_PER_MINUTE
    }

    fn enroll_failed(&self) {
        let mut w = self.enroll_failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        w.failures = w.failures.saturating_add(1);
    }
}

/// Checks the device's token before the request's body is read; the handler gets the device.
async fn require_device(
    State(app): State<Arc<AppState>>,
    headers: HeaderMap,
    mut req: Request,
    next: Next,
) -> Response {
    let token = bearer(&headers);
    match with_db(&app.backend, move |db| office::authenticate(db, token.as_deref(), now_ms())).await {
        Ok(device) => {
            req.extensions_mut().insert(device);
            next.run(req).await
        }
        Err(e) => {
            if let ApiError(OfficeError::Refused(r)) = &e {
                tracing::warn!(code = %r.code, "device refused");
            }
            e.into_response()
        }
    }
}

#[derive(Serialize)]
struct Health {
    status: &'static str,
    backend: &'static str,
}

async fn health(State(app): State<Arc<AppState>>) -> Json<Health> {
    Json(Health { status: "ok", backend: app.backend.name() })
}

async fn enroll(
    State(app): State<Arc<AppState>>,
    req: Result<Json<EnrollRequest>, JsonRejection>,
) -> ApiResult<EnrollResponse> {
    if !app.enroll_allowed() {
        tracing::warn!("enrollment closed for the minute: too many failed attempts");
        return Err(Refused::new(
            429,
            RefusalCode::TooManyAttempts,
            "too many failed enrollment attempts; try again in a minute",
        )
        .into());
    }
    let req = body(req)?;
    let out = with_db(&app.backend, move |db| office::enroll(db, &req, now_ms())).await;
    match &out {
        Ok(r) => tracing::info!(device = %r.device_id, clinic = %r.clinic_id, "device enrolled"),
        Err(ApiError(OfficeError::Refused(r))) => {
            app.enroll_failed();
            tracing::warn!(code = %r.code, "enrollment refused");
        }
        Err(_) => {}
    }
    out.map(Json)
}

async fn push(
    State(app): State<Arc<AppState>>,
    Extension(device): Extension<Device>,
    req: Result<Json<PushRequest>, JsonRejection>,
) -> ApiResult<PushResponse> {
    let req = body(req)?;
    let n = req.changes.len();
    let id = device.id;
    let out = with_db(&app.backend, move |db| office::ingest(db, &device, &req, now_ms())).await;
    match out {
        Ok(r) => {
            let rejected = r.acks.iter().filter(|a| a.rejected.is_some()).count();
            let refused = r.acks.iter().filter(|a| a.refused.is_some()).count();
            let lost = r.acks.iter().map(|a| a.lost.len()).sum::<usize>();
            tracing::info!(device = %id, changes = n, rejected, refused, lost, "push stored");
            Ok(Json(r))
        }
        Err(e) => {
            if let ApiError(OfficeError::Refused(r)) = &e {
                tracing::warn!(device = %id, code = %r.code, changes = n, "push refused");
            }
            Err(e)
        }
    }
}

async fn pull(
    State(app): State<Arc<AppState>>,
    Extension(device): Extension<Device>,
    req: Result<Json<PullRequest>, JsonRejection>,
) -> ApiResult<PullResponse> {
    let req = body(req)?;
    let r = with_db(&app.backend, move |db| {
        let mut page = office::pull(db, &device, req)?;
        if !page.more {
            page.outbox = Some(office::outbox_health(db, device.clinic, now_ms())?);
        }
        Ok(page)
    })
    .await?;
    tracing::debug!(changes = r.changes.len(), cursor = r.cursor, "pull served");
    Ok(Json(r))
}

async fn search(
    State(app): State<Arc<AppState>>,
    Extension(device): Extension<Device>,
    req: Result<Json<SearchRequest>, JsonRejection>,
) -> ApiResult<Vec<RemotePatient>> {
    let req = body(req)?;
    let found = with_db(&app.backend, move |db| office::search(db, &req.query)).await?;
    tracing::info!(device = %device.id, hits = found.len(), "patients searched across clinics");
    Ok(Json(found))
}

#[derive(Debug, Serialize)]
pub struct TakenOn {
    pub records: usize,
}

async fn take_on(
    State(app): State<Arc<AppState>>,
    Extension(device): Extension<Device>,
    req: Result<Json<TakeOnRequest>, JsonRejection>,
) -> ApiResult<TakenOn> {
    let req = body(req)?;
    let records = with_db(&app.backend, move |db| {
        let n = office::take_on(db, &device, req.patient, now_ms())?;
        tracing::info!(device = %device.id, records = n, "patient taken on by a clinic");
        Ok(n)
    })
    .await?;
    Ok(Json(TakenOn { records }))
}

async fn chain(
    State(app): State<Arc<AppState>>,
    Extension(device): Extension<Device>,
    req: Result<Json<ChainRequest>, JsonRejection>,
) -> ApiResult<ChainResponse> {
    let req = body(req)?;
    let id = device.id;
    let r = with_db(&app.backend, move |db| office::own_chain(db, &device, req)).await?;
    tracing::info!(device = %id, rows = r.rows.len(), "audit chain sent back to a restored desk");
    Ok(Json(r))
}

async fn not_found() -> ApiError {
    Refused::new(404, RefusalCode::NotFound, "no such route").into()
}

/// The API's routes over `backend`.
pub fn router(backend: Arc<Backend>, sms: Option<Arc<dyn SmsGateway>>) -> Router {
    let app = Arc::new(AppState {
        backend,
        enroll_failures: Mutex::new(Window { started: Instant::now(), failures: 0 }),
        sms,
    });
    let device_routes = Router::new()
        .route("/v1/push", post(push))
        .route("/v1/pull", post(pull))
        .route("/v1/patients/search", post(search))
        .route("/v1/patients/take-on", post(take_on))
        .route("/v1/chain", post(chain))
        // Layers run outermost last-added first: the token is checked before any body is read.
        .route_layer(axum::middleware::from_fn(refuse_oversized))
        .route_layer(axum::middleware::from_fn_with_state(Arc::clone(&app), require_device));
    Router::new()
        .route("/v1/health", get(health))
        .route("/v1/enroll", post(enroll))
        .route("/v1/sms/kannel/dlr", get(kannel_report))
        .route("/v1/sms/kannel/inbound", get(kannel_inbound))
        .route("/v1/sms/twilio/status", post(twilio_status))
        .route("/v1/sms/twilio/inbound", post(twilio_inbound))
        .route("/c/{token}", get(confirm_page).post(confirm_visit))
        .route("/s/{token}", get(survey_page).post(survey_answer))
        .merge(dashboard::routes())
        .merge(device_routes)
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(
            tower_http::trace::TraceLayer::new_for_http()
                .make_span_with(|req: &axum::http::Request<_>| {
                    // A confirm or survey link's token is the patient's: it is not written to the log.
                    let path = req.uri().path();
                    let path = match path.get(..3) {
                        Some(start @ ("/c/" | "/s/")) => &format!("{start}…"),
                        _ => path,
                    };
                    tracing::info_span!("request", method = %req.method(), path = %path)
                })
                .on_response(tower_http::trace::DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .with_state(app)
}

/// The query parameters of a callback (Kannel calls back with GET and a query string).
fn query_pairs(uri: &axum::http::Uri) -> std::collections::HashMap<String, String> {
    let query = uri.query().unwrap_or_default();
    reqwest::Url::parse(&format!("http://callback/?{query}"))
        .map(|u| u.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect())
        .unwrap_or_default()
}

/// The refusal of a callback that does not carry the gateway's secret (logged without what the
/// callback said); `None` when it does.
fn refuse_unless_gateway(app: &AppState, q: &std::collections::HashMap<String, String>) -> Option<Response> {
    match &app.sms {
        Some(gw) if q.get("secret").is_some_and(|s| gw.kannel_secret_is(s)) => None,
        Some(_) => {
            tracing::warn!("a gateway callback without the gateway's secret was refused");
            Some((StatusCode::FORBIDDEN, "refused\n").into_response())
        }
        None => Some((StatusCode::NOT_FOUND, "no SMS gateway here\n").into_response()),
    }
}

/// Kannel's delivery report for one message (`dlr-url`): %d is 1 delivered, 2 failed, 4
/// buffered, 8 taken by the operator, 16 refused by the operator.
async fn kannel_report(State(app): State<Arc<AppState>>, uri: axum::http::Uri) -> Response {
    let q = query_pairs(&uri);
    if let Some(refused) = refuse_unless_gateway(&app, &q) {
        return refused;
    }
    let delivery = match q.get("status").and_then(|s| s.parse::<i64>().ok()) {
        Some(1) => office::Delivery::Delivered,
        Some(2 | 16) => office::Delivery::Undeliverable,
        Some(8) => office::Delivery::Accepted,
        _ => office::Delivery::Pending,
    };
    let id = q.get("id").cloned().unwrap_or_default();
    match with_db(&app.backend, move |db| office::delivery_report(db, &id, delivery, now_ms())).await {
        Ok(()) => {
            mirror(&app).await;
            (StatusCode::OK, "ok\n").into_response()
        }
        Err(e) => e.into_response(),
    }
}

/// Writes what a callback changed for the clinic's desks at once (the reach-out pass would, a
/// minute later), in a transaction of its own: it takes the writers' lock and skips message
/// rows another transaction holds, so it never waits on one. A failure is left to that pass.
async fn mirror(app: &AppState) {
    let mirrored = with_db(&app.backend, |db| office::mirror_messages(db, now_ms(), office::MIRROR_BATCH)).await;
    if let Err(e) = mirrored {
        tracing::warn!(error = %e.0, "messages will reach the desks with the next pass");
    }
}

/// A text from a patient's phone, through Kannel's `get-url`. The answer's body would go back
/// to the patient as a text, so it is empty.
async fn kannel_inbound(State(app): State<Arc<AppState>>, uri: axum::http::Uri) -> Response {
    let q = query_pairs(&uri);
    if let Some(refused) = refuse_unless_gateway(&app, &q) {
        return refused;
    }
    let from = q.get("from").cloned().unwrap_or_default();
    let text = q.get("text").cloned().unwrap_or_default();
    match with_db(&app.backend, move |db| office::inbound_reply(db, &from, &text, now_ms())).await {
        Ok(outcome) => {
            tracing::info!(meaning = ?outcome.meaning, matched = outcome.matched, "a patient's text arrived");
            mirror(&app).await;
            (StatusCode::OK, "").into_response()
        }
        Err(e) => e.into_response(),
    }
}

/// A Twilio-style callback's form, if its signature is the gateway's; else the refusal (logged
/// without what the callback said).
fn signed_form(
    app: &AppState,
    uri: &axum::http::Uri,
    headers: &axum::http::HeaderMap,
    body: &[u8],
) -> Result<Vec<(String, String)>, (StatusCode, &'static str)> {
    let Some(gw) = &app.sms else { return Err((StatusCode::NOT_FOUND, "no SMS gateway here\n")) };
    let form: Vec<(String, String)> = form_urlencoded::parse(body).into_owned().collect();
    let path = uri.path_and_query().map_or(uri.path(), |p| p.as_str());
    let signature = headers.get("x-twilio-signature").and_then(|v| v.to_str().ok()).unwrap_or_default();
    if gw.twilio_signature_is(path, &form, signature) {
        Ok(form)
    } else {
        tracing::warn!("a gateway callback without the gateway's signature was refused");
        Err((StatusCode::FORBIDDEN, "refused\n"))
    }
}

fn form_field<'a>(form: &'a [(String, String)], name: &str) -> &'a str {
    form.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
}

/// A Twilio-style status callback for one message (its id is in the callback URL head office
/// gave with the message).
async fn twilio_status(
    State(app): State<Arc<AppState>>,
    uri: axum::http::Uri,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let form = match signed_form(&app, &uri, &headers, &body) {
        Ok(form) => form,
        Err(refused) => return refused.into_response(),
    };
    let delivery = crate::sms::twilio_delivery(form_field(&form, "MessageStatus"));
    let id = query_pairs(&uri).get("id").cloned().unwrap_or_default();
    match with_db(&app.backend, move |db| office::delivery_report(db, &id, delivery, now_ms())).await {
        Ok(()) => {
            mirror(&app).await;
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => e.into_response(),
    }
}

/// A text from a patient's phone through a Twilio-style gateway's inbound webhook. The answer
/// is an empty TwiML document: nothing goes back to the patient.
async fn twilio_inbound(
    State(app): State<Arc<AppState>>,
    uri: axum::http::Uri,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let form = match signed_form(&app, &uri, &headers, &body) {
        Ok(form) => form,
        Err(refused) => return refused.into_response(),
    };
    let (from, text) = (form_field(&form, "From").to_owned(), form_field(&form, "Body").to_owned());
    match with_db(&app.backend, move |db| office::inbound_reply(db, &from, &text, now_ms())).await {
        Ok(outcome) => {
            tracing::info!(meaning = ?outcome.meaning, matched = outcome.matched, "a patient's text arrived");
            mirror(&app).await;
            let twiml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>";
            ([(axum::http::header::CONTENT_TYPE, "text/xml")], twiml).into_response()
        }
        Err(e) => e.into_response(),
    }
}

/// A reminder's confirm link: the visit and a button (opening the link confirms nothing: mail
/// scanners open links).
async fn confirm_page(State(app): State<Arc<AppState>>, Path(token): Path<String>) -> Response {
    link_page(&app, token, false).await
}

/// The confirm link's button.
async fn confirm_visit(State(app): State<Arc<AppState>>, Path(token): Path<String>) -> Response {
    link_page(&app, token, true).await
}

async fn link_page(app: &AppState, token: String, confirm: bool) -> Response {
    // A token is 32 hex digits; anything else is not looked up.
    if token.len() != 32 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return page(StatusCode::NOT_FOUND, "This link is not valid", "<p>Please call the clinic.</p>");
    }
    let found = with_db(&app.backend, move |db| office::confirm_link(db, &token, confirm, now_ms())).await;
    let link = match found {
        Ok(Some(link)) => link,
        Ok(None) => return page(StatusCode::NOT_FOUND, "This link is not valid", "<p>Please call the clinic.</p>"),
        Err(e) => return e.into_response(),
    };
    if confirm {
        mirror(app).await;
    }
    let (clinic, when) = (escape(&link.clinic), escape(&link.when));
    match link.state {
        office::LinkState::Waiting => page(
            StatusCode::OK,
            "Confirm your appointment",
            &format!(
                "<p>Your appointment at <strong>{clinic}</strong> is on <strong>{when}</strong>.</p>
                 <form method=\"post\"><button type=\"submit\">Yes, I will come</button></form>
                 <p class=\"quiet\">If you cannot come, please call the clinic so the time can go to someone else.</p>"
            ),
        ),
        office::LinkState::Confirmed => page(
            StatusCode::OK,
            "Thank you",
            &format!("<p>Your appointment at <strong>{clinic}</strong> on <strong>{when}</strong> is confirmed.</p>"),
        ),
        office::LinkState::Changed => page(
            StatusCode::OK,
            "This appointment has changed",
            &format!("<p>Please call <strong>{clinic}</strong> to check your appointment.</p>"),
        ),
    }
}

/// Longest survey form taken (a comment of 1,000 characters, percent-encoded, and the rest).
const MAX_SURVEY_FORM: usize = 16 * 1024;

/// A survey link: the questions, or where the survey stands (opening it answers nothing).
async fn survey_page(State(app): State<Arc<AppState>>, Path(token): Path<String>) -> Response {
    survey(&app, token, None).await
}

/// The survey form's answer (`rating` 1 to 5, `recommend` 0 to 10, `comment`), taken once.
async fn survey_answer(
    State(app): State<Arc<AppState>>,
    Path(token): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    if body.len() > MAX_SURVEY_FORM {
        return page(StatusCode::PAYLOAD_TOO_LARGE, "That was too long", "<p>Please shorten your comment.</p>");
    }
    let body = String::from_utf8_lossy(&body);
    let mut form = office::SurveyForm::default();
    let number =
        |v: &str, max: u8| v.trim().parse::<u8>().ok().filter(|n| (if max == 5 { 1 } else { 0 }..=max).contains(n));
    for (key, value) in reqwest::Url::parse(&format!("http://form/?{body}"))
        .map(|u| u.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect::<Vec<_>>())
        .unwrap_or_default()
    {
        let bad = match key.as_str() {
            "rating" if !value.is_empty() => number(&value, 5).map(|n| form.rating = Some(n)).is_none(),
            "recommend" if !value.is_empty() => number(&value, 10).map(|n| form.recommend = Some(n)).is_none(),
            "comment" => {
                form.comment = Some(value);
                false
            }
            _ => false,
        };
        if bad {
            return page(
                StatusCode::BAD_REQUEST,
                "Please try again",
                "<p>That answer could not be read. Please go back and choose again.</p>",
            );
        }
    }
    survey(&app, token, Some(form)).await
}

async fn survey(app: &AppState, token: String, answer: Option<office::SurveyForm>) -> Response {
    let invalid =
        || page(StatusCode::NOT_FOUND, "This link is not valid", "<p>Please check the link in your message.</p>");
    if token.len() != 32 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return invalid();
    }
    let empty = answer.as_ref().is_some_and(|a| {
        a.rating.is_none() && a.recommend.is_none() && a.comment.as_deref().is_none_or(|c| c.trim().is_empty())
    });
    let answer = answer.filter(|_| !empty);
    let found = with_db(&app.backend, move |db| office::survey_link(db, &token, answer.as_ref(), now_ms())).await;
    let link = match found {
        Ok(Some(link)) => link,
        Ok(None) => return invalid(),
        Err(e) => return e.into_response(),
    };
    let clinic = escape(&link.clinic);
    match link.state {
        office::SurveyState::Answered => page(
            StatusCode::OK,
            "Thank you",
            &format!(
                "<p>Your answer has reached <strong>{clinic}</strong>. This survey has been answered; it cannot be answered again.</p>"
            ),
        ),
        office::SurveyState::Closed => page(
            StatusCode::GONE,
            "This survey has closed",
            &format!(
                "<p>Thank you all the same. If there is something you would like <strong>{clinic}</strong> to know, please call the clinic.</p>"
            ),
        ),
        office::SurveyState::Open => {
            let about = match (link.doctor.as_str(), link.when.as_str()) {
                ("", "") => format!("your visit to <strong>{clinic}</strong>"),
                (doctor, "") => format!("your visit to <strong>{clinic}</strong> with {}", escape(doctor)),
                ("", when) => format!("your visit to <strong>{clinic}</strong> on {}", escape(when)),
                (doctor, when) => {
                    format!("your visit to <strong>{clinic}</strong> with {} on {}", escape(doctor), escape(when))
                }
            };
            let nudge = if empty {
                "<p class=\"error\" role=\"alert\">Please choose a rating, or write a comment, before you send.</p>"
            } else {
                ""
            };
            let ratings: String = [(1, "Poor"), (2, "Fair"), (3, "Good"), (4, "Very good"), (5, "Excellent")]
                .iter()
                .map(|(n, word)| format!("<label class=\"choice\"><input type=\"radio\" name=\"rating\" value=\"{n}\"> {n} <span>{word}</span></label>"))
                .collect();
            let recommend: String = (0..=10)
                .map(|n| format!("<label class=\"digit\"><input type=\"radio\" name=\"recommend\" value=\"{n}\"><span>{n}</span></label>"))
                .collect();
            page(
                StatusCode::OK,
                "How was your visit?",
                &format!(
                    "<p>A minute, three questions, about {about}. You can answer once.</p>{nudge}
<form method=\"post\">
<fieldset><legend>How would you rate your visit?</legend>{ratings}</fieldset>
<fieldset><legend>How likely are you to recommend {clinic} to a friend or relative?</legend>
<p class=\"quiet\" id=\"scale\">0 is not at all likely, 10 is extremely likely.</p><div class=\"digits\" aria-describedby=\"scale\">{recommend}</div></fieldset>
<label for=\"comment\">Anything you would like to tell us? <span class=\"quiet\">(optional)</span></label>
<textarea id=\"comment\" name=\"comment\" rows=\"4\" maxlength=\"{}\"></textarea>
<p><button type=\"submit\">Send my answer</button></p>
</form>",
                    rapport_model::surveys::MAX_SURVEY_COMMENT
                ),
            )
        }
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A small page for patients: readable on a phone, no scripts, nothing loaded from elsewhere.
fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title}</title>
<style>body{{font:18px/1.5 system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;color:#1f2933}}
h1{{font-size:1.4rem}}button{{font:inherit;padding:.7rem 1.4rem;border:0;border-radius:.4rem;background:#0b6e4f;color:#fff}}
.quiet{{color:#52606d;font-size:.9rem}}
fieldset{{border:1px solid #cbd2d9;border-radius:.4rem;margin:0 0 1rem;padding:.5rem 1rem}}legend{{font-weight:600;padding:0 .3rem}}
.choice{{display:block;padding:.55rem 0;min-height:2.75rem}}.choice span{{color:#52606d}}
.digits{{display:flex;flex-wrap:wrap;gap:.35rem}}.digit{{display:inline-flex;align-items:center;justify-content:center;min-width:2.75rem;min-height:2.75rem;border:1px solid #9aa5b1;border-radius:.4rem}}
.digit input{{position:absolute;opacity:0}}.digit:has(input:checked){{background:#0b6e4f;color:#fff;border-color:#0b6e4f}}.digit:has(input:focus-visible){{outline:3px solid #f0b429}}
input[type=radio]{{width:1.3rem;height:1.3rem;vertical-align:middle}}textarea{{font:inherit;width:100%;box-sizing:border-box;margin:.4rem 0}}
.error{{color:#8a041a;font-weight:600}}</style></head><body><h1>{title}</h1>{body}</body></html>"
    );
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    headers.insert(axum::http::header::CONTENT_TYPE, axum::http::HeaderValue::from_static("text/html; charset=utf-8"));
    headers.insert(
        axum::http::header::CONTENT_SECURITY_POLICY,
        axum::http::HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; form-action 'self'"),
    );
    headers.insert(axum::http::header::REFERRER_POLICY, axum::http::HeaderValue::from_static("no-referrer"));
    response
}

/// How the server listens.
#[derive(Debug, Clone)]
pub enum Transport {
    Tls {
        cert: PathBuf,
        key: PathBuf,
    },
    /// Plain HTTP, only when asked for by name (`--insecure-http`).
    InsecureHttp,
}

/// Serves until SIGINT or SIGTERM, then stops taking connections and lets requests in flight
/// finish (up to 30 s). `on_listening` is told the bound address (the port, when 0 was asked).
pub async fn serve(
    backend: Arc<Backend>,
    sms: Option<Arc<dyn SmsGateway>>,
    listen: SocketAddr,
    transport: Transport,
    on_listening: impl FnOnce(SocketAddr) + Send + 'static,
) -> anyhow::Result<()> {
    let handle = axum_server::Handle::new();
    let stopper = handle.clone();
    tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("shutting down: finishing requests in flight");
        stopper.graceful_shutdown(Some(Duration::from_secs(30)));
    });
    let watcher = handle.clone();
    tokio::spawn(async move {
        if let Some(addr) = watcher.listening().await {
            on_listening(addr);
        }
    });
    let app = router(backend, sms).into_make_service();
    match transport {
        Transport::Tls { cert, key } => {
            let _ = rustls::crypto::ring::default_provider().install_default();
            let config = axum_server::tls_rustls::RustlsConfig::from_pem_file(&cert, &key)
                .await
                .map_err(|e| anyhow::anyhow!("cannot load the TLS certificate or key: {e}"))?;
            axum_server::bind_rustls(listen, config).handle(handle).serve(app).await?;
        }
        Transport::InsecureHttp => axum_server::bind(listen).handle(handle).serve(app).await?,
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = ctrl_c.await;
                return;
            }
        };
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
