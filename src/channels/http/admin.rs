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
    /// An edited entry to preview against (a snapshot is built with it).
    #[serde(default)]
    record: Option<crate::knowledge::edit::FaqRecord>,
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
    if let Some(record) = body.record {
        return match state.bot.preview_edited(&body.text, record).await {
            Ok(p) => Json(p).into_response(),
            Err(e) => editorial_error(e),
        };
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

// ------------------------------------------------------------------------------- entries

use crate::bot::{EditorialError, FaqEdit, FaqFilter};
use crate::knowledge::edit::FaqRecord;
use crate::records::{UnansweredFilter, UnansweredStatus};
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query};

fn editorial_error(e: EditorialError) -> Response {
    let (status, code) = match &e {
        EditorialError::NoKnowledgeDir => (StatusCode::CONFLICT, "no_knowledge_dir"),
        EditorialError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
        EditorialError::VersionRequired { .. } => {
            (StatusCode::PRECONDITION_REQUIRED, "version_required")
        }
        EditorialError::Conflict { .. } => (StatusCode::CONFLICT, "version_conflict"),
        EditorialError::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
        EditorialError::NeedsOverride(_) => (StatusCode::UNPROCESSABLE_ENTITY, "needs_override"),
        EditorialError::Publish(_) => (StatusCode::UNPROCESSABLE_ENTITY, "publish_failed"),
        EditorialError::Internal(m) => {
            tracing::error!(error = %m, "admin operation failed");
            return ApiError::internal().into_response();
        }
    };
    let mut err = json!({"code": code, "message": e.to_string()});
    match e {
        EditorialError::VersionRequired { current_version } => {
            err["current_version"] = json!(current_version)
        }
        EditorialError::Conflict { current_version } => {
            err["current_version"] = json!(current_version)
        }
        EditorialError::Invalid(problems) => err["problems"] = json!(problems),
        EditorialError::NeedsOverride(warnings) => err["warnings"] = json!(warnings),
        _ => {}
    }
    (status, Json(json!({ "error": err }))).into_response()
}

/// The version an `If-Match` header names (`"abc"`, `W/"abc"` or bare), or the body's `version`.
fn if_match(headers: &HeaderMap, body_version: Option<String>) -> Option<String> {
    headers
        .get(header::IF_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.trim()
                .trim_start_matches("W/")
                .trim_matches('"')
                .to_string()
        })
        .filter(|v| !v.is_empty())
        .or(body_version.filter(|v| !v.is_empty()))
}

fn with_etag(mut resp: Response, version: Option<&str>) -> Response {
    if let Some(v) = version.filter(|v| !v.is_empty()) {
        if let Ok(h) = header::HeaderValue::from_str(&format!("\"{v}\"")) {
            resp.headers_mut().insert(header::ETAG, h);
        }
    }
    resp
}

fn bad_path(e: PathRejection) -> Response {
    ApiError::bad_request("invalid_path", e.body_text()).into_response()
}

#[derive(Deserialize)]
pub struct ListParams {
    q: Option<String>,
    tag: Option<String>,
    region: Option<String>,
    insurance: Option<String>,
    status: Option<String>,
    stale: Option<bool>,
    limit: Option<usize>,
    offset: Option<usize>,
}

/// `GET /v1/admin/faq?q=&tag=&region=&insurance=&status=&stale=&limit=&offset=`.
pub async fn faq_list(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Response {
    if let Err(r) = authorize(&state, &headers, Role::ReadOnly) {
        return r.into_response();
    }
    let Query(p) = match params {
        Ok(p) => p,
        Err(e) => return ApiError::from(e).into_response(),
    };
    if let Some(s) = p.status.as_deref() {
        if !matches!(s, "published" | "draft") {
            return ApiError::bad_request("invalid_status", "`status` is published or draft")
                .into_response();
        }
    }
    let limit = p.limit.unwrap_or(50);
    if !(1..=1000).contains(&limit) {
        return ApiError::bad_request("invalid_limit", "`limit` must be between 1 and 1000")
            .into_response();
    }
    let filter = FaqFilter {
        text: p.q,
        tag: p.tag,
        region: p.region,
        insurance: p.insurance,
        status: p.status,
        stale: p.stale.unwrap_or(false),
        limit,
        offset: p.offset.unwrap_or(0),
    };
    match state.bot.admin_faq_list(filter).await {
        Ok((total, items)) => Json(json!({"total": total, "items": items})).into_response(),
        Err(e) => editorial_error(e),
    }
}

/// `GET /v1/admin/faq/{id}` with its `ETag`.
pub async fn faq_get(
    State(state): State<AppState>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Response {
    if let Err(r) = authorize(&state, &headers, Role::ReadOnly) {
        return r.into_response();
    }
    let Path(id) = match id {
        Ok(p) => p,
        Err(e) => return bad_path(e),
    };
    match state.bot.admin_faq(&id).await {
        Ok(d) => {
            let v = d.version.clone();
            with_etag(Json(d).into_response(), Some(&v))
        }
        Err(e) => editorial_error(e),
    }
}

#[derive(Deserialize)]
pub struct EditBody {
    record: FaqRecord,
    #[serde(default)]
    draft: bool,
    #[serde(rename = "override", default)]
    override_reason: Option<String>,
    #[serde(default)]
    version: Option<String>,
}

fn saved(result: Result<crate::bot::Saved, EditorialError>, created: bool) -> Response {
    match result {
        Ok(s) => {
            let status = if created && s.status == "published" {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            let v = s.version.clone();
            with_etag((status, Json(s)).into_response(), v.as_deref())
        }
        Err(e) => editorial_error(e),
    }
}

/// `POST /v1/admin/faq`: a new entry (the id generated from the question when empty).
pub async fn faq_create(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Json<EditBody>, JsonRejection>,
) -> Response {
    let who = match authorize(&state, &headers, Role::Editor) {
        Ok(p) => p,
        Err(r) => return r.into_response(),
    };
    let Json(b) = match body {
        Ok(b) => b,
        Err(e) => return ApiError::from(e).into_response(),
    };
    if !b.record.id.is_empty() {
        if let Ok(d) = state.bot.admin_faq(&b.record.id).await {
            return editorial_error(EditorialError::Conflict {
                current_version: Some(d.version),
            });
        }
    }
    let edit = FaqEdit {
        record: b.record,
        if_match: None,
        draft: b.draft,
        override_reason: b.override_reason,
    };
    saved(state.bot.admin_save_faq(&who, edit).await, true)
}

/// `PUT /v1/admin/faq/{id}` with `If-Match`: replace an entry (or save a draft of it).
pub async fn faq_put(
    State(state): State<AppState>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    body: Result<Json<EditBody>, JsonRejection>,
) -> Response {
    let who = match authorize(&state, &headers, Role::Editor) {
        Ok(p) => p,
        Err(r) => return r.into_response(),
    };
    let Path(id) = match id {
        Ok(p) => p,
        Err(e) => return bad_path(e),
    };
    let Json(b) = match body {
        Ok(b) => b,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let mut record = b.record;
    if !record.id.is_empty() && record.id != id {
        return ApiError::bad_request(
            "id_mismatch",
            "the record's id differs from the id in the path (ids cannot be renamed)",
        )
        .into_response();
    }
    record.id = id;
    let edit = FaqEdit {
        record,
        if_match: if_match(&headers, b.version),
        draft: b.draft,
        override_reason: b.override_reason,
    };
    saved(state.bot.admin_save_faq(&who, edit).await, false)
}

/// `DELETE /v1/admin/faq/{id}` with `If-Match`.
pub async fn faq_delete(
    State(state): State<AppState>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Response {
    let who = match authorize(&state, &headers, Role::Editor) {
        Ok(p) => p,
        Err(r) => return r.into_response(),
    };
    let Path(id) = match id {
        Ok(p) => p,
        Err(e) => return bad_path(e),
    };
    saved(
        state
            .bot
            .admin_delete_faq(&who, &id, if_match(&headers, None))
            .await,
        false,
    )
}

#[derive(Deserialize, Default)]
pub struct PublishBody {
    #[serde(rename = "override", default)]
    override_reason: Option<String>,
}

/// `POST /v1/admin/faq/{id}/publish`: publish the entry's draft.
pub async fn faq_publish(
    State(state): State<AppState>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    body: Option<Json<PublishBody>>,
) -> Response {
    let who = match authorize(&state, &headers, Role::Editor) {
        Ok(p) => p,
        Err(r) => return r.into_response(),
    };
    let Path(id) = match id {
        Ok(p) => p,
        Err(e) => return bad_path(e),
    };
    let reason = body.and_then(|Json(b)| b.override_reason);
    saved(
        state.bot.admin_publish_draft(&who, &id, reason).await,
        false,
    )
}

/// `DELETE /v1/admin/faq/{id}/draft`: discard the draft.
pub async fn faq_discard_draft(
    State(state): State<AppState>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Response {
    let who = match authorize(&state, &headers, Role::Editor) {
        Ok(p) => p,
        Err(r) => return r.into_response(),
    };
    let Path(id) = match id {
        Ok(p) => p,
        Err(e) => return bad_path(e),
    };
    match state.bot.admin_discard_draft(&who, &id).await {
        Ok(()) => Json(json!({"id": id, "discarded": true})).into_response(),
        Err(e) => editorial_error(e),
    }
}

/// `POST /v1/admin/faq/{id}/revert/{version}`.
pub async fn faq_revert(
    State(state): State<AppState>,
    headers: HeaderMap,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Response {
    let who = match authorize(&state, &headers, Role::Editor) {
        Ok(p) => p,
        Err(r) => return r.into_response(),
    };
    let Path((id, version)) = match path {
        Ok(p) => p,
        Err(e) => return bad_path(e),
    };
    saved(state.bot.admin_revert(&who, &id, &version).await, false)
}

#[derive(Deserialize)]
pub struct ValidateBody {
    record: FaqRecord,
}

/// `POST /v1/admin/validate {"record"}` → problems and warnings; nothing is saved.
pub async fn validate(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Json<ValidateBody>, JsonRejection>,
) -> Response {
    if let Err(r) = authorize(&state, &headers, Role::ReadOnly) {
        return r.into_response();
    }
    let Json(b) = match body {
        Ok(b) => b,
        Err(e) => return ApiError::from(e).into_response(),
    };
    match state.bot.admin_validate(b.record).await {
        Ok(v) => Json(json!({"problems": v.errors, "warnings": v.warnings})).into_response(),
        Err(e) => editorial_error(e),
    }
}

// ---------------------------------------------------------------------- what citizens asked

#[derive(Deserialize)]
pub struct UnansweredParams {
    status: Option<String>,
    limit: Option<usize>,
}

/// `GET /v1/admin/unanswered?status=open|attached|dismissed&limit=`.
pub async fn unanswered(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<UnansweredParams>, QueryRejection>,
) -> Response {
    if let Err(r) = authorize(&state, &headers, Role::ReadOnly) {
        return r.into_response();
    }
    let Query(p) = match params {
        Ok(p) => p,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let status = match p.status.as_deref().unwrap_or("open") {
        "all" => None,
        s => match s.parse::<UnansweredStatus>() {
            Ok(s) => Some(s),
            Err(_) => {
                return ApiError::bad_request(
                    "invalid_status",
                    "`status` is open, attached, dismissed or all",
                )
                .into_response()
            }
        },
    };
    let filter = UnansweredFilter {
        status,
        limit: p.limit.unwrap_or(100).clamp(1, 1000),
    };
    match state.bot.admin_unanswered(filter).await {
        Ok(items) => Json(json!({ "items": items })).into_response(),
        Err(e) => editorial_error(e),
    }
}

#[derive(Deserialize)]
pub struct AttachBody {
    entry: String,
    #[serde(default)]
    text: Option<String>,
}

/// `POST /v1/admin/unanswered/{key}/attach {"entry","text"?}`.
pub async fn unanswered_attach(
    State(state): State<AppState>,
    headers: HeaderMap,
    key: Result<Path<String>, PathRejection>,
    body: Result<Json<AttachBody>, JsonRejection>,
) -> Response {
    let who = match authorize(&state, &headers, Role::Editor) {
        Ok(p) => p,
        Err(r) => return r.into_response(),
    };
    let Path(key) = match key {
        Ok(p) => p,
        Err(e) => return bad_path(e),
    };
    let Json(b) = match body {
        Ok(b) => b,
        Err(e) => return ApiError::from(e).into_response(),
    };
    saved(
        state.bot.admin_attach(&who, &key, &b.entry, b.text).await,
        false,
    )
}

#[derive(Deserialize)]
pub struct DismissBody {
    reason: String,
}

/// `POST /v1/admin/unanswered/{key}/dismiss {"reason"}`.
pub async fn unanswered_dismiss(
    State(state): State<AppState>,
    headers: HeaderMap,
    key: Result<Path<String>, PathRejection>,
    body: Result<Json<DismissBody>, JsonRejection>,
) -> Response {
    let who = match authorize(&state, &headers, Role::Editor) {
        Ok(p) => p,
        Err(r) => return r.into_response(),
    };
    let Path(key) = match key {
        Ok(p) => p,
        Err(e) => return bad_path(e),
    };
    let Json(b) = match body {
        Ok(b) => b,
        Err(e) => return ApiError::from(e).into_response(),
    };
    if b.reason.trim().is_empty() {
        return ApiError::bad_request("reason_required", "give a reason for dismissing")
            .into_response();
    }
    match state.bot.admin_dismiss(&who, &key, b.reason.trim()).await {
        Ok(()) => Json(json!({"key": key, "status": "dismissed"})).into_response(),
        Err(e) => editorial_error(e),
    }
}

#[derive(Deserialize)]
pub struct StatsParams {
    days: Option<u32>,
}

/// `GET /v1/admin/stats?days=30`.
pub async fn stats(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<StatsParams>, QueryRejection>,
) -> Response {
    if let Err(r) = authorize(&state, &headers, Role::ReadOnly) {
        return r.into_response();
    }
    let Query(p) = match params {
        Ok(p) => p,
        Err(e) => return ApiError::from(e).into_response(),
    };
    match state.bot.admin_stats(p.days.unwrap_or(30)).await {
        Ok(s) => Json(s).into_response(),
        Err(e) => editorial_error(e),
    }
}

#[derive(Deserialize)]
pub struct AuditParams {
    target: Option<String>,
    /// `faq` (default), `article` or `dict`: what `target` names.
    kind: Option<String>,
    limit: Option<usize>,
    before: Option<i64>,
}

/// `GET /v1/admin/audit?target=&limit=&before=`.
pub async fn audit(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<AuditParams>, QueryRejection>,
) -> Response {
    if let Err(r) = authorize(&state, &headers, Role::ReadOnly) {
        return r.into_response();
    }
    let Query(p) = match params {
        Ok(p) => p,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let kind = match p
        .kind
        .as_deref()
        .unwrap_or("faq")
        .parse::<crate::records::TargetKind>()
    {
        Ok(k) => k,
        Err(_) => {
            return ApiError::bad_request("invalid_kind", "`kind` is faq, article or dict")
                .into_response()
        }
    };
    match state
        .bot
        .admin_audit(
            p.target.map(|t| (kind, t)),
            p.limit.unwrap_or(100),
            p.before,
        )
        .await
    {
        Ok(items) => Json(json!({ "items": items })).into_response(),
        Err(e) => editorial_error(e),
    }
}

// ------------------------------------------------------------------- articles and dictionaries

use crate::bot::OtherEdit;
use crate::knowledge::edit::ArticleRecord;

/// `GET /v1/admin/article` → every article with its version.
pub async fn article_list(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Err(r) = authorize(&state, &headers, Role::ReadOnly) {
        return r.into_response();
    }
    match state.bot.admin_articles().await {
        Ok(items) => Json(json!({"total": items.len(), "items": items})).into_response(),
        Err(e) => editorial_error(e),
    }
}

/// `GET /v1/admin/article/{id}` with its `ETag`.
pub async fn article_get(
    State(state): State<AppState>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Response {
    if let Err(r) = authorize(&state, &headers, Role::ReadOnly) {
        return r.into_response();
    }
    let Path(id) = match id {
        Ok(p) => p,
        Err(e) => return bad_path(e),
    };
    match state.bot.admin_article(&id).await {
        Ok(v) => {
            let version = v.version.clone();
            with_etag(Json(v).into_response(), Some(&version))
        }
        Err(e) => editorial_error(e),
    }
}

#[derive(Deserialize)]
pub struct ArticleBody {
    record: ArticleRecord,
    #[serde(rename = "override", default)]
    override_reason: Option<String>,
    #[serde(default)]
    version: Option<String>,
}

/// `PUT /v1/admin/article/{id}` (with `If-Match` when it exists): create or replace an article.
pub async fn article_put(
    State(state): State<AppState>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    body: Result<Json<ArticleBody>, JsonRejection>,
) -> Response {
    let who = match authorize(&state, &headers, Role::Editor) {
        Ok(p) => p,
        Err(r) => return r.into_response(),
    };
    let Path(id) = match id {
        Ok(p) => p,
        Err(e) => return bad_path(e),
    };
    let Json(b) = match body {
        Ok(b) => b,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let mut record = b.record;
    if !record.id.is_empty() && record.id != id {
        return ApiError::bad_request(
            "id_mismatch",
            "the record's id differs from the id in the path",
        )
        .into_response();
    }
    record.id = id;
    saved(
        state
            .bot
            .admin_publish_other(
                &who,
                OtherEdit::Article(Box::new(record)),
                if_match(&headers, b.version),
                b.override_reason,
            )
            .await,
        false,
    )
}

/// `DELETE /v1/admin/article/{id}` with `If-Match`.
pub async fn article_delete(
    State(state): State<AppState>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Response {
    let who = match authorize(&state, &headers, Role::Editor) {
        Ok(p) => p,
        Err(r) => return r.into_response(),
    };
    let Path(id) = match id {
        Ok(p) => p,
        Err(e) => return bad_path(e),
    };
    saved(
        state
            .bot
            .admin_publish_other(
                &who,
                OtherEdit::DeleteArticle(id),
                if_match(&headers, None),
                None,
            )
            .await,
        false,
    )
}

/// `GET /v1/admin/dict/{synonyms.txt|user.dict|stopwords.txt}` → `{"version","text"}` with its `ETag`.
pub async fn dict_get(
    State(state): State<AppState>,
    headers: HeaderMap,
    name: Result<Path<String>, PathRejection>,
) -> Response {
    if let Err(r) = authorize(&state, &headers, Role::ReadOnly) {
        return r.into_response();
    }
    let Path(name) = match name {
        Ok(p) => p,
        Err(e) => return bad_path(e),
    };
    match state.bot.admin_dict(&name).await {
        Ok(v) => with_etag(
            Json(json!({"name": name, "version": v.version, "text": v.record})).into_response(),
            Some(&v.version),
        ),
        Err(e) => editorial_error(e),
    }
}

#[derive(Deserialize)]
pub struct DictBody {
    text: String,
    #[serde(rename = "override", default)]
    override_reason: Option<String>,
    #[serde(default)]
    version: Option<String>,
}

/// `PUT /v1/admin/dict/{name}` with `If-Match`: replace a dictionary file.
pub async fn dict_put(
    State(state): State<AppState>,
    headers: HeaderMap,
    name: Result<Path<String>, PathRejection>,
    body: Result<Json<DictBody>, JsonRejection>,
) -> Response {
    let who = match authorize(&state, &headers, Role::Editor) {
        Ok(p) => p,
        Err(r) => return r.into_response(),
    };
    let Path(name) = match name {
        Ok(p) => p,
        Err(e) => return bad_path(e),
    };
    let Json(b) = match body {
        Ok(b) => b,
        Err(e) => return ApiError::from(e).into_response(),
    };
    saved(
        state
            .bot
            .admin_publish_other(
                &who,
                OtherEdit::Dict { name, text: b.text },
                if_match(&headers, b.version),
                b.override_reason,
            )
            .await,
        false,
    )
}
