//! The editors' admin API under `/v1/admin/`: bearer-token auth, then a translation of each route
//! into a [`Bot`](crate::bot::Bot) editorial call. Off (404 `admin_disabled`) unless tokens are
//! configured; 401 without a valid token, 403 for a read-only token on a write.

use super::{ApiError, AppState, MAX_TEXT_CHARS};
use crate::admin::{AuthError, Principal, Role};
use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;

/// Why an admin request is refused before it is looked at.
pub(super) enum Refusal {
    /// No tokens configured: the admin API is off.
    Disabled,
    Auth(AuthError),
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let e =
            match self {
                Refusal::Disabled => return ApiError {
                    status: StatusCode::NOT_FOUND,
                    code: "admin_disabled",
                    message:
                        "the admin API is off: no admin tokens are configured (BUJIAO_ADMIN_TOKENS)"
                            .into(),
                }
                .into_response(),
                Refusal::Auth(e) => e,
            };
        let (status, code) = match e {
            AuthError::Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthorized"),
            AuthError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
        };
        let mut resp = ApiError {
            status,
            code,
            message: e.to_string(),
        }
        .into_response();
        if status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer realm=\"bujiao-admin\""),
            );
        }
        resp
    }
}

/// Check the request's token for an operation needing `need`.
pub(super) fn authorize(
    state: &AppState,
    headers: &HeaderMap,
    need: Role,
) -> Result<Principal, Refusal> {
    if !state.admin.enabled() {
        return Err(Refusal::Disabled);
    }
    let header = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    state.admin.authorize(header, need).map_err(Refusal::Auth)
}

/// `GET /v1/admin/whoami` → the token's label and role (the editor page checks its token with it).
pub async fn whoami(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match authorize(&state, &headers, Role::ReadOnly) {
        Ok(p) => Json(json!({
            "label": p.label,
            "role": match p.role { Role::Editor => "editor", Role::ReadOnly => "read-only" },
        }))
        .into_response(),
        Err(r) => r.into_response(),
    }
}

#[derive(Deserialize)]
pub struct PreviewBody {
    text: String,
}

/// `POST /v1/admin/preview {"text"}` → which entry would answer, its score, the runner-up, the
/// reply kind and the matched terms, on the live snapshot.
pub async fn preview(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Json<PreviewBody>, JsonRejection>,
) -> Response {
    if let Err(r) = authorize(&state, &headers, Role::ReadOnly) {
        return r.into_response();
    }
    let body = match body {
        Ok(Json(b)) => b,
        Err(e) => return ApiError::from(e).into_response(),
    };
    if body.text.trim().is_empty() || body.text.chars().count() > MAX_TEXT_CHARS {
        return ApiError::bad_request(
            "invalid_text",
            format!("`text` must be 1 to {MAX_TEXT_CHARS} characters"),
        )
        .into_response();
    }
    match state.bot.preview(&body.text).await {
        Ok(p) => Json(p).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "preview failed");
            ApiError::internal().into_response()
        }
    }
}

/// `POST /v1/admin/reload`: re-read the knowledge files (after an edit in git, say).
pub async fn reload(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Err(r) = authorize(&state, &headers, Role::Editor) {
        return r.into_response();
    }
    match state.bot.reload().await {
        Ok(report) => Json(report).into_response(),
        Err(e) => ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "reload_failed",
            message: e.to_string(),
        }
        .into_response(),
    }
}
