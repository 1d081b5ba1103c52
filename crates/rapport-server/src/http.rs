//! The HTTP API (JSON over HTTPS). Every route but `/v1/enroll` and `/v1/health` needs a
//! device's bearer token. Refusals are `{code, message}` with a fitting status; logs name
//! routes, devices and counts, never patient data.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use rapport_model::sync::{
    AdoptRequest, EnrollRequest, EnrollResponse, MAX_BODY_BYTES, PullRequest, PullResponse, PushRequest, PushResponse,
    Refusal, RemotePatient, SearchRequest,
};
use serde::Serialize;

use crate::db::Backend;
use crate::now_ms;
use crate::office::{self, Device, OfficeError, Refused};

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
        let (status, code, message) = match self.0 {
            OfficeError::Refused(r) => (r.status, r.code, r.message),
            OfficeError::Db(e) => {
                tracing::error!(error = %e, "storage failed");
                (500, "storage", "head office could not store or read data; try again later".to_owned())
            }
        };
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, Json(Refusal { code: code.to_owned(), message })).into_response()
    }
}

type ApiResult<T> = Result<Json<T>, ApiError>;

/// A JSON body, or the reason it is not one (too large, not JSON, not the expected shape).
fn body<T>(b: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    b.map(|Json(v)| v).map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Refused::new(413, "too_large", format!("a request may hold at most {} MiB", MAX_BODY_BYTES >> 20))
        } else {
            // The parser's message can quote the body; only its kind is returned.
            Refused::new(400, "bad_request", "the request body is not the JSON this route expects")
        }
        .into()
    })
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

/// Like [`with_db`], for a device's request: the token is checked in the same transaction.
async fn as_device<T: Send + 'static>(
    backend: &Arc<Backend>,
    headers: &HeaderMap,
    f: impl FnOnce(&mut dyn crate::db::Db, &Device) -> Result<T, OfficeError> + Send + 'static,
) -> Result<T, ApiError> {
    let token = bearer(headers);
    with_db(backend, move |db| {
        let device = office::authenticate(db, token.as_deref(), now_ms())?;
        f(db, &device)
    })
    .await
}

#[derive(Serialize)]
struct Health {
    status: &'static str,
    backend: &'static str,
}

async fn health(State(backend): State<Arc<Backend>>) -> Json<Health> {
    Json(Health { status: "ok", backend: backend.name() })
}

async fn enroll(
    State(backend): State<Arc<Backend>>,
    req: Result<Json<EnrollRequest>, JsonRejection>,
) -> ApiResult<EnrollResponse> {
    let req = body(req)?;
    let out = with_db(&backend, move |db| office::enroll(db, &req.code, &req.device_name, now_ms())).await;
    match &out {
        Ok(r) => tracing::info!(device = %r.device_id, clinic = %r.clinic_id, "device enrolled"),
        Err(ApiError(OfficeError::Refused(r))) => tracing::warn!(code = r.code, "enrollment refused"),
        Err(_) => {}
    }
    out.map(Json)
}

async fn push(
    State(backend): State<Arc<Backend>>,
    headers: HeaderMap,
    req: Result<Json<PushRequest>, JsonRejection>,
) -> ApiResult<PushResponse> {
    let req = body(req)?;
    let n = req.changes.len();
    let out = as_device(&backend, &headers, move |db, device| {
        let r = office::ingest(db, device, &req.changes, now_ms())?;
        Ok((device.id, r))
    })
    .await;
    match out {
        Ok((device, r)) => {
            let rejected = r.acks.iter().filter(|a| a.rejected.is_some()).count();
            let lost = r.acks.iter().map(|a| a.lost.len()).sum::<usize>();
            tracing::info!(%device, changes = n, rejected, lost, "push stored");
            Ok(Json(r))
        }
        Err(e) => {
            if let ApiError(OfficeError::Refused(r)) = &e {
                tracing::warn!(code = r.code, changes = n, "push refused");
            }
            Err(e)
        }
    }
}

async fn pull(
    State(backend): State<Arc<Backend>>,
    headers: HeaderMap,
    req: Result<Json<PullRequest>, JsonRejection>,
) -> ApiResult<PullResponse> {
    let req = body(req)?;
    let r = as_device(&backend, &headers, move |db, device| office::pull(db, device, req)).await?;
    tracing::debug!(changes = r.changes.len(), cursor = r.cursor, "pull served");
    Ok(Json(r))
}

async fn search(
    State(backend): State<Arc<Backend>>,
    headers: HeaderMap,
    req: Result<Json<SearchRequest>, JsonRejection>,
) -> ApiResult<Vec<RemotePatient>> {
    let req = body(req)?;
    as_device(&backend, &headers, move |db, _| office::search(db, &req.query)).await.map(Json)
}

#[derive(Debug, Serialize)]
pub struct Adopted {
    pub records: usize,
}

async fn adopt(
    State(backend): State<Arc<Backend>>,
    headers: HeaderMap,
    req: Result<Json<AdoptRequest>, JsonRejection>,
) -> ApiResult<Adopted> {
    let req = body(req)?;
    let records = as_device(&backend, &headers, move |db, device| {
        let n = office::adopt(db, device, req.patient, now_ms())?;
        tracing::info!(device = %device.id, records = n, "patient taken on by a clinic");
        Ok(n)
    })
    .await?;
    Ok(Json(Adopted { records }))
}

async fn not_found() -> ApiError {
    Refused::new(404, "not_found", "no such route").into()
}

/// The API's routes over `backend`.
pub fn router(backend: Arc<Backend>) -> Router {
    Router::new()
        .route("/v1/health", get(health))
        .route("/v1/enroll", post(enroll))
        .route("/v1/push", post(push))
        .route("/v1/pull", post(pull))
        .route("/v1/patients/search", post(search))
        .route("/v1/patients/adopt", post(adopt))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(
            tower_http::trace::TraceLayer::new_for_http()
                .make_span_with(|req: &axum::http::Request<_>| {
                    tracing::info_span!("request", method = %req.method(), path = %req.uri().path())
                })
                .on_response(tower_http::trace::DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .with_state(backend)
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
    let app = router(backend).into_make_service();
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
