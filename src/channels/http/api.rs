//! The routes the web pages stand on, beyond a dialogue turn: the staff search with filters, one
//! entry in full, the calculators, feedback, the welcome, a reset and `/metrics`.

use super::{check_session, check_text, telemetry, ApiError, AppState, MAX_TEXT_CHARS};
use crate::answer::Reply;
use crate::bot::{CalcFailure, Channel, FeedbackInput, StaffQuery};
use crate::calc_api::{CalcRequest, RequestError};
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;

/// Longest accepted entry id, in bytes.
const MAX_ID_BYTES: usize = 200;

/// An error that names the input field it is about: `{"error":{"code","message","field"}}`.
fn field_error(status: StatusCode, code: &str, message: String, field: Option<&str>) -> Response {
    let mut err = json!({"code": code, "message": message});
    if let Some(f) = field {
        err["field"] = json!(f);
    }
    (status, Json(json!({ "error": err }))).into_response()
}

#[derive(Deserialize)]
pub struct SearchParams {
    q: Option<String>,
    limit: Option<usize>,
    region: Option<String>,
    insurance: Option<String>,
    audience: Option<String>,
    kind: Option<String>,
}

/// `GET /v1/search?q=&region=&insurance=&audience=&kind=&limit=`.
pub async fn search(
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
    let query = StaffQuery {
        text: q,
        limit,
        region: p.region,
        insurance: p.insurance,
        audience: p.audience,
        kind: p.kind,
    };
    match state.bot.staff_search(query).await {
        Ok(Ok(r)) => Ok(Json(r).into_response()),
        Ok(Err(bad)) => {
            let code = if bad.field == "region" {
                "unknown_region"
            } else {
                "invalid_filter"
            };
            Ok(field_error(
                StatusCode::BAD_REQUEST,
                code,
                bad.message,
                Some(bad.field),
            ))
        }
        Err(e) => {
            tracing::error!(error = %e, "search failed");
            Err(ApiError::internal())
        }
    }
}

/// `GET /v1/filters`: the values the search can be filtered by.
pub async fn filters(State(state): State<AppState>) -> Response {
    Json(state.bot.filters()).into_response()
}

/// `GET /v1/faq/{id}`: one entry in full.
pub async fn entry(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Response {
    let id = id.map(|Path(id)| id).unwrap_or_default();
    if !id.is_empty() && id.len() <= MAX_ID_BYTES {
        if let Some(d) = state.bot.entry(&id) {
            return Json(d).into_response();
        }
    }
    ApiError {
        status: StatusCode::NOT_FOUND,
        code: "not_found",
        message: "no knowledge entry with this id".into(),
    }
    .into_response()
}

/// `POST /v1/calc/{kind}` with the inputs of `bujiao calc {kind}` as JSON fields.
pub async fn calc(
    State(state): State<AppState>,
    kind: Result<Path<String>, PathRejection>,
    body: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Response, ApiError> {
    let kind = kind.map(|Path(k)| k).unwrap_or_default();
    let Json(inputs) = body?;
    if !inputs.is_object() {
        return Err(ApiError::bad_request(
            "invalid_json",
            "the body must be a JSON object of the calculator's inputs",
        ));
    }
    let request = match CalcRequest::from_json(&kind, inputs) {
        Ok(r) => r,
        Err(RequestError::UnknownCalculator(_)) => {
            return Err(ApiError {
                status: StatusCode::NOT_FOUND,
                code: "unknown_calculator",
                message: format!(
                    "no calculator {kind:?}; use one of {}",
                    crate::calc_api::CALCULATORS.join(", ")
                ),
            })
        }
        Err(RequestError::Invalid(reason)) => {
            return Err(ApiError::bad_request("invalid_input", reason))
        }
    };
    Ok(match state.bot.calc(&request) {
        Ok(result) => Json(result).into_response(),
        Err(CalcFailure::Missing { field, message }) => field_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "missing_input",
            format!("`{field}` is needed: {message}"),
            Some(&field),
        ),
        Err(CalcFailure::Invalid { field, message }) => field_error(
            StatusCode::BAD_REQUEST,
            "invalid_input",
            message,
            field.as_deref(),
        ),
        Err(CalcFailure::Unavailable(message)) => {
            tracing::error!(%message, "calculators unavailable");
            field_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                message,
                None,
            )
        }
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedbackBody {
    session: Option<String>,
    entry: Option<String>,
    kind: Option<String>,
    useful: bool,
    question: Option<String>,
    comment: Option<String>,
}

/// `POST /v1/feedback`: "有用 / 没用" under a reply.
pub async fn feedback(
    State(state): State<AppState>,
    body: Result<Json<FeedbackBody>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(b) = body?;
    let session = match b.session.as_deref() {
        Some(s) => Some(check_session(s)?.to_string()),
        None => None,
    };
    for (name, v) in [("entry", &b.entry), ("kind", &b.kind)] {
        if v.as_ref().is_some_and(|v| v.len() > MAX_ID_BYTES) {
            return Err(ApiError::bad_request(
                "invalid_feedback",
                format!("`{name}` is too long"),
            ));
        }
    }
    for (name, v) in [("question", &b.question), ("comment", &b.comment)] {
        if v.as_ref()
            .is_some_and(|v| v.chars().count() > MAX_TEXT_CHARS)
        {
            return Err(ApiError::bad_request(
                "text_too_long",
                format!("`{name}` is longer than {MAX_TEXT_CHARS} characters"),
            ));
        }
    }
    let entry = b.entry.clone();
    let input = FeedbackInput {
        session,
        channel: Channel::Http,
        entry: b.entry,
        kind: b.kind,
        useful: b.useful,
        question: b.question,
        comment: b.comment,
    };
    match state.bot.feedback(input).await {
        Ok(summary) => {
            telemetry::feedback(b.useful);
            let counts = entry
                .as_deref()
                .and_then(|e| summary.entries.get(e).copied())
                .unwrap_or_default();
            Ok(Json(json!({"ok": true, "entry": counts, "total": summary.total})).into_response())
        }
        Err(e) => {
            tracing::error!(error = %e, "could not store feedback");
            Err(ApiError::internal())
        }
    }
}

/// `GET /v1/feedback`: the counts, in total and per entry.
pub async fn feedback_summary(State(state): State<AppState>) -> Result<Response, ApiError> {
    match state.bot.feedback_summary().await {
        Ok(s) => Ok(Json(s).into_response()),
        Err(e) => {
            tracing::error!(error = %e, "could not read feedback");
            Err(ApiError::internal())
        }
    }
}

/// `GET /v1/welcome`: the first bubble of a conversation, with example questions and the
/// calculators as options.
pub async fn welcome(State(state): State<AppState>) -> Json<Reply> {
    Json(state.bot.welcome_with_calculators())
}

#[derive(Deserialize)]
pub struct ResetBody {
    session: String,
}

/// `POST /v1/reset {"session"}`: forget the conversation.
pub async fn reset(
    State(state): State<AppState>,
    body: Result<Json<ResetBody>, JsonRejection>,
) -> Result<Json<Reply>, ApiError> {
    let Json(b) = body?;
    let session = check_session(&b.session)?;
    Ok(Json(state.bot.reset(session).await))
}

/// `GET /metrics`.
pub async fn prometheus(State(state): State<AppState>) -> Response {
    let ttl = state.bot.sessions().ttl();
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        telemetry::render(&state.bot, ttl),
    )
        .into_response()
}
