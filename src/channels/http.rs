//! The HTTP channel: `fn app(state) -> Router`, JSON in and out, one error contract.
//!
//! Every failure a client can cause is a 4xx with `{"error": {"code", "message"}}`; internal failures
//! are logged and answered with a generic 500 body that leaks nothing. Blocking work (ranking) runs
//! on the blocking pool so a slow query never stalls the runtime.

use crate::answer::{Answerer, Reply};
use crate::dialogue::Engine;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

/// Shared state of the HTTP server.
#[derive(Clone)]
pub struct AppState {
    pub answerer: Arc<Answerer>,
    pub engine: Arc<Engine>,
    next_ask: Arc<std::sync::atomic::AtomicU64>,
}

impl AppState {
    pub fn new(engine: Arc<Engine>) -> Self {
        AppState {
            answerer: engine.answerer().clone(),
            engine,
            next_ask: Arc::new(std::sync::atomic::AtomicU64::new(0)),
        }
    }
}

/// Longest accepted session id, in bytes.
pub const MAX_SESSION_BYTES: usize = 128;

/// Longest accepted question, in characters.
pub const MAX_TEXT_CHARS: usize = 2000;

/// An error response with a stable code.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl ApiError {
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            code,
            message: message.into(),
        }
    }
    fn internal() -> Self {
        ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "internal",
            message: "internal error; please try again later".into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({"error": {"code": self.code, "message": self.message}});
        (self.status, Json(body)).into_response()
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        let (status, code) = match &r {
            JsonRejection::MissingJsonContentType(_) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
            }
            JsonRejection::BytesRejection(_) => {
                (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large")
            }
            _ => (StatusCode::BAD_REQUEST, "invalid_json"),
        };
        ApiError {
            status,
            code,
            message: r.body_text(),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        ApiError::bad_request("invalid_query", r.body_text())
    }
}

#[derive(Deserialize)]
pub struct SearchParams {
    q: Option<String>,
    limit: Option<usize>,
    region: Option<String>,
}

#[derive(Deserialize)]
pub struct AskBody {
    text: String,
}

#[derive(Deserialize)]
pub struct ChatBody {
    session: String,
    text: String,
}

fn check_text(text: &str, field: &str) -> Result<(), ApiError> {
    if text.trim().is_empty() {
        return Err(ApiError::bad_request(
            "empty_text",
            format!("`{field}` must not be empty"),
        ));
    }
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(ApiError::bad_request(
            "text_too_long",
            format!("`{field}` is longer than {MAX_TEXT_CHARS} characters"),
        ));
    }
    Ok(())
}

async fn healthz(State(state): State<AppState>) -> Json<serde_json::Value> {
    let snap = state.answerer.snapshot();
    Json(json!({
        "status": "ok",
        "entries": snap.entries.len(),
        "index": snap.manifest.generation,
        "fingerprint": snap.manifest.fingerprint,
    }))
}

async fn search(
    State(state): State<AppState>,
    params: Result<Query<SearchParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(p) = params?;
    let q = p.q.unwrap_or_default();
    check_text(&q, "q")?;
    let limit = p.limit.unwrap_or(10);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::bad_request(
            "invalid_limit",
            "`limit` must be between 1 and 100",
        ));
    }
    let answerer = state.answerer.clone();
    let res = tokio::task::spawn_blocking(move || {
        answerer.search(&q, limit, p.region.as_deref().filter(|r| !r.is_empty()))
    })
    .await
    .map_err(|_| ApiError::internal())?;
    match res {
        Ok(r) => Ok(Json(r).into_response()),
        Err(e) => {
            tracing::error!(error = %e, "search failed");
            Err(ApiError::internal())
        }
    }
}

async fn ask(
    State(state): State<AppState>,
    body: Result<Json<AskBody>, JsonRejection>,
) -> Result<Json<Reply>, ApiError> {
    let Json(body) = body?;
    check_text(&body.text, "text")?;
    // One-shot: a fresh session each time, through the same engine as the chat.
    let n = state
        .next_ask
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let id = format!("ask:{}:{n}", std::process::id());
    let reply = state.engine.handle(&id, &body.text).await;
    let _ = state.engine.sessions().reset(&id).await;
    Ok(Json(reply))
}

async fn chat(
    State(state): State<AppState>,
    body: Result<Json<ChatBody>, JsonRejection>,
) -> Result<Json<Reply>, ApiError> {
    let Json(body) = body?;
    check_text(&body.text, "text")?;
    let session = body.session.trim();
    if session.is_empty() || session.len() > MAX_SESSION_BYTES {
        return Err(ApiError::bad_request(
            "invalid_session",
            format!("`session` must be 1 to {MAX_SESSION_BYTES} bytes"),
        ));
    }
    Ok(Json(state.engine.handle(session, &body.text).await))
}

async fn not_found() -> ApiError {
    ApiError {
        status: StatusCode::NOT_FOUND,
        code: "not_found",
        message: "no such endpoint".into(),
    }
}

/// The whole HTTP API as a router; the binary serves it, tests call it with `oneshot`.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/v1/search", get(search))
        .route("/v1/ask", post(ask))
        .route("/v1/chat", post(chat))
        .fallback(not_found)
        .layer(axum::extract::DefaultBodyLimit::max(64 * 1024))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}
