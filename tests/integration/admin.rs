//! The editors' admin API (#13) through `app(state)`: token auth (none configured, missing, wrong,
//! read-only on a write), the preview, and — over a bot opened from a copied knowledge directory —
//! edits published without a restart.

use crate::common::fixture_kb;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use bujiao::admin::AdminTokens;
use bujiao::bot::{Bot, BotConfig};
use bujiao::channels::http::{app, AppState};
use bujiao::config::Paths;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use std::path::Path;
use std::sync::Arc;
use tower::ServiceExt;

pub const EDITOR: &str = "editor-token-0123456789";
pub const READER: &str = "reader-token-0123456789";

pub fn tokens() -> Arc<AdminTokens> {
    Arc::new(AdminTokens::parse(&format!("mei:{EDITOR},hotline:{READER}:ro")).unwrap())
}

pub fn paths(dir: &Path) -> Paths {
    Paths {
        knowledge: dir.join("knowledge"),
        index: dir.join("index"),
        data: dir.join("data"),
    }
}

/// A bot over the small fixture corpus in `dir`, admin API on.
pub async fn fixture_bot(dir: &Path) -> Arc<Bot> {
    fixture_kb(&dir.join("knowledge"));
    let mut config = BotConfig::new(paths(dir), "memory");
    config.admin = tokens();
    Arc::new(Bot::open(&config).await.expect("opens"))
}

pub async fn call(
    bot: &Arc<Bot>,
    method: &str,
    uri: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let req = match body {
        Some(b) => req
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(b.to_string())),
        None => req.body(Body::empty()),
    }
    .unwrap();
    let res = app(AppState::new(bot.clone())).oneshot(req).await.unwrap();
    let status = res.status();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn admin_api_is_off_without_tokens() {
    let tmp = tempfile::tempdir().unwrap();
    fixture_kb(&tmp.path().join("knowledge"));
    let bot = Arc::new(
        Bot::open(&BotConfig::new(paths(tmp.path()), "memory"))
            .await
            .unwrap(),
    );
    for (m, uri) in [("GET", "/v1/admin/whoami"), ("POST", "/v1/admin/reload")] {
        let (status, v) = call(&bot, m, uri, Some(EDITOR), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{v}");
        assert_eq!(v["error"]["code"], "admin_disabled");
    }
}

#[tokio::test]
async fn tokens_missing_wrong_read_only_and_editor() {
    let tmp = tempfile::tempdir().unwrap();
    let bot = fixture_bot(tmp.path()).await;
    let (s, v) = call(&bot, "GET", "/v1/admin/whoami", None, None).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unauthorized"))
    );
    let (s, _) = call(
        &bot,
        "GET",
        "/v1/admin/whoami",
        Some("editor-token-0123456780"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, v) = call(&bot, "GET", "/v1/admin/whoami", Some(READER), None).await;
    assert_eq!(
        (s, v["label"].as_str(), v["role"].as_str()),
        (StatusCode::OK, Some("hotline"), Some("read-only"))
    );
    // A read-only token may read but not write.
    let (s, v) = call(&bot, "POST", "/v1/admin/reload", Some(READER), None).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden"))
    );
    let (s, v) = call(&bot, "POST", "/v1/admin/reload", Some(EDITOR), None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["changed"], false);
}

#[tokio::test]
async fn preview_names_the_entry_its_runner_up_and_the_matched_terms() {
    let tmp = tempfile::tempdir().unwrap();
    let bot = fixture_bot(tmp.path()).await;
    let (s, v) = call(
        &bot,
        "POST",
        "/v1/admin/preview",
        Some(READER),
        Some(json!({"text": "单位欠缴社保滞纳金怎么算"})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["entry"]["id"], "late-fee", "{v}");
    assert_eq!(v["kind"], "answer", "{v}");
    assert_eq!(v["against"], "live");
    assert!(v["runner_up"]["id"].is_string(), "{v}");
    let matched: Vec<&str> = v["matched_terms"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(matched.contains(&"滞纳金"), "{v}");
    let (s, v) = call(
        &bot,
        "POST",
        "/v1/admin/preview",
        Some(READER),
        Some(json!({"text": "  "})),
    )
    .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_text"))
    );
}
