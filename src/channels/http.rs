//! The HTTP channel: `fn app(state) -> Router`, JSON in and out, one error contract.
//!
//! Every failure a client can cause is a 4xx with `{"error": {"code", "message"}}`; internal failures
//! are logged and answered with a generic 500 body that leaks nothing. Handlers only translate: the
//! [`Bot`] runs ranking and dialogue turns on the blocking pool, so a slow query never stalls the
//! runtime.

mod admin;
mod api;
mod telemetry;
mod web;

pub use web::{build_hash, CSP};

use crate::answer::Reply;
use crate::bot::{Bot, Channel};
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::State;
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
    pub bot: Arc<Bot>,
    /// Origins allowed to call the API from a browser (CORS); empty = CORS off.
    pub cors_origins: Vec<String>,
    /// Editors' tokens; none configured = the admin API is off.
    pub admin: Arc<crate::admin::AdminTokens>,
}

impl AppState {
    /// State over a bot; CORS origins from `BUJIAO_CORS_ORIGINS` (comma-separated; unset = off).
    pub fn new(bot: Arc<Bot>) -> Self {
        let cors_origins = std::env::var("BUJIAO_CORS_ORIGINS")
            .map(|v| parse_origins(&v))
            .unwrap_or_default();
        let admin = bot.admin().clone();
        AppState {
            bot,
            cors_origins,
            admin,
        }
    }

    /// Turn the admin API on for these tokens.
    pub fn with_admin(mut self, tokens: crate::admin::AdminTokens) -> Self {
        self.admin = Arc::new(tokens);
        self
    }

    /// Allow exactly these origins (`https://example.org`) to call the API from a browser.
    pub fn with_cors_origins(mut self, origins: Vec<String>) -> Self {
        self.cors_origins = origins;
        self
    }
}

/// `https://a.example, https://b.example` → the origins.
pub fn parse_origins(list: &str) -> Vec<String> {
    list.split(',')
        .map(|o| o.trim().trim_end_matches('/').to_string())
        .filter(|o| !o.is_empty())
        .collect()
}

/// Longest accepted session id, in bytes.
pub const MAX_SESSION_BYTES: usize = 128;

/// Longest accepted question, in characters (the bot's limit, refused here with a 400).
pub const MAX_TEXT_CHARS: usize = crate::bot::MAX_TEXT_CHARS;

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
    pub(crate) fn internal() -> Self {
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
    let h = state.bot.health();
    Json(json!({
        "status": "ok",
        "entries": h.entries,
        "index": h.index,
        "fingerprint": h.fingerprint,
        "degraded": h.degraded,
    }))
}

/// Ready when an index is loaded and the session store answers; a bot serving the last good index
/// because the files have problems is ready but says `degraded`, with the problems.
async fn readyz(State(state): State<AppState>) -> Response {
    let h = state.bot.health();
    let sessions = state.bot.sessions_reachable().await;
    let status = match (sessions, h.degraded) {
        (false, _) => "unavailable",
        (true, true) => "degraded",
        (true, false) => "ready",
    };
    let code = if sessions {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = json!({
        "status": status,
        "index": h.index,
        "entries": h.entries,
        "sessions": if sessions { "ok" } else { "unreachable" },
        "problems": h.problems,
    });
    (code, Json(body)).into_response()
}

async fn ask(
    State(state): State<AppState>,
    body: Result<Json<AskBody>, JsonRejection>,
) -> Result<Json<Reply>, ApiError> {
    let Json(body) = body?;
    check_text(&body.text, "text")?;
    // One-shot: the same dialogue logic as the chat, on a fresh state no store ever sees.
    let reply = state.bot.on(Channel::Http).ask(&body.text).await;
    telemetry::reply(&reply);
    Ok(Json(reply))
}

async fn chat(
    State(state): State<AppState>,
    body: Result<Json<ChatBody>, JsonRejection>,
) -> Result<Json<Reply>, ApiError> {
    let Json(body) = body?;
    check_text(&body.text, "text")?;
    let session = check_session(&body.session)?;
    telemetry::session(session);
    let reply = state
        .bot
        .on(Channel::Http)
        .handle(session, &body.text)
        .await;
    telemetry::reply(&reply);
    Ok(Json(reply))
}

#[derive(Deserialize)]
pub struct PressBody {
    session: String,
    option: String,
}

/// A button press: `{"session", "option"}` with an option id from an earlier reply's `choices`.
async fn press(
    State(state): State<AppState>,
    body: Result<Json<PressBody>, JsonRejection>,
) -> Result<Json<Reply>, ApiError> {
    let Json(body) = body?;
    let session = check_session(&body.session)?;
    if body.option.trim().is_empty() || body.option.chars().count() > MAX_TEXT_CHARS {
        return Err(ApiError::bad_request(
            "invalid_option",
            "`option` must be an option id from a reply's `choices`",
        ));
    }
    telemetry::session(session);
    let reply = state
        .bot
        .on(Channel::Http)
        .press(session, &body.option)
        .await;
    telemetry::reply(&reply);
    Ok(Json(reply))
}

fn check_session(session: &str) -> Result<&str, ApiError> {
    let session = session.trim();
    if session.is_empty() || session.len() > MAX_SESSION_BYTES {
        return Err(ApiError::bad_request(
            "invalid_session",
            format!("`session` must be 1 to {MAX_SESSION_BYTES} bytes"),
        ));
    }
    Ok(session)
}

async fn not_found() -> ApiError {
    ApiError {
        status: StatusCode::NOT_FOUND,
        code: "not_found",
        message: "no such endpoint".into(),
    }
}

async fn method_not_allowed() -> ApiError {
    ApiError {
        status: StatusCode::METHOD_NOT_ALLOWED,
        code: "method_not_allowed",
        message: "this endpoint does not take that method".into(),
    }
}

/// Largest accepted request body.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The whole HTTP API and the web pages as a router; the binary serves it, tests call it with
/// `oneshot`.
pub fn app(state: AppState) -> Router {
    telemetry::handle();
    let cors = cors_layer(&state.cors_origins);
    let router = Router::new()
        .route("/", get(web::chat_page))
        .route("/console", get(web::console_page))
        .route("/console/editor", get(web::editor_page))
        .route("/assets/{file}", get(web::asset))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(api::prometheus))
        .route("/v1/welcome", get(api::welcome))
        .route("/v1/search", get(api::search))
        .route("/v1/filters", get(api::filters))
        .route("/v1/faq/{id}", get(api::entry))
        .route("/v1/calc/{kind}", post(api::calc))
        .route("/v1/ask", post(ask))
        .route("/v1/chat", post(chat))
        .route("/v1/press", post(press))
        .route("/v1/reset", post(api::reset))
        .route(
            "/v1/feedback",
            post(api::feedback).get(api::feedback_summary),
        )
        .route("/v1/admin/whoami", get(admin::whoami))
        .route("/v1/admin/preview", post(admin::preview))
        .route("/v1/admin/reload", post(admin::reload))
        .route(
            "/v1/admin/faq",
            get(admin::faq_list).post(admin::faq_create),
        )
        .route(
            "/v1/admin/faq/{id}",
            get(admin::faq_get)
                .put(admin::faq_put)
                .delete(admin::faq_delete),
        )
        .route("/v1/admin/faq/{id}/publish", post(admin::faq_publish))
        .route(
            "/v1/admin/faq/{id}/draft",
            axum::routing::delete(admin::faq_discard_draft),
        )
        .route(
            "/v1/admin/faq/{id}/revert/{version}",
            post(admin::faq_revert),
        )
        .route("/v1/admin/validate", post(admin::validate))
        .route("/v1/admin/unanswered", get(admin::unanswered))
        .route(
            "/v1/admin/unanswered/{key}/attach",
            post(admin::unanswered_attach),
        )
        .route(
            "/v1/admin/unanswered/{key}/dismiss",
            post(admin::unanswered_dismiss),
        )
        .route("/v1/admin/stats", get(admin::stats))
        .route("/v1/admin/audit", get(admin::audit))
        .route("/v1/admin/article", get(admin::article_list))
        .route(
            "/v1/admin/article/{id}",
            get(admin::article_get)
                .put(admin::article_put)
                .delete(admin::article_delete),
        )
        .route(
            "/v1/admin/dict/{name}",
            get(admin::dict_get).put(admin::dict_put),
        )
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(telemetry::track))
        .layer(axum::middleware::from_fn(web::security_headers));
    let router = match cors {
        Some(c) => router.layer(c),
        None => router,
    };
    router
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// CORS for the listed origins only; None (no CORS headers at all) when the list is empty.
fn cors_layer(origins: &[String]) -> Option<tower_http::cors::CorsLayer> {
    use axum::http::{header, HeaderValue, Method};
    let allowed: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    (!allowed.is_empty()).then(|| {
        tower_http::cors::CorsLayer::new()
            .allow_origin(allowed)
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([header::CONTENT_TYPE])
            .max_age(std::time::Duration::from_secs(600))
    })
}
