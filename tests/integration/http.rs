//! The HTTP API through `app(state)` with `oneshot`, plus one request over a real loopback socket.

use crate::common::repo_answerer;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use bujiao::answer::Answerer;
use bujiao::channels::http::{app, AppState};
use http_body_util::BodyExt;
use serde_json::Value;
use std::sync::Arc;
use tower::ServiceExt;

fn state() -> AppState {
    // Share the process-wide answerer through a cheap wrapper snapshot.
    let snap = repo_answerer().snapshot();
    let answerer = Answerer::new_shared(snap);
    AppState {
        answerer: Arc::new(answerer),
    }
}

async fn call(req: Request<Body>) -> (StatusCode, Value) {
    let res = app(state()).oneshot(req).await.unwrap();
    let status = res.status();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    let v = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, v)
}

fn post(uri: &str, body: &str, json: bool) -> Request<Body> {
    let mut b = Request::post(uri);
    if json {
        b = b.header("content-type", "application/json");
    }
    b.body(Body::from(body.to_string())).unwrap()
}

#[tokio::test]
async fn healthz() {
    let (s, v) = call(Request::get("/healthz").body(Body::empty()).unwrap()).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["status"], "ok");
}

#[tokio::test]
async fn ask_answers() {
    let (s, v) = call(post(
        "/v1/ask",
        r#"{"text":"单位被兼并了以前欠的医保费找谁"}"#,
        true,
    ))
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["kind"], "answer", "{v}");
    assert!(v["text"].as_str().unwrap().contains("兼并方"), "{v}");
}

#[tokio::test]
async fn search_returns_hits() {
    let uri = format!("/v1/search?q={}&limit=2", urlencode("医保断缴"));
    let (s, v) = call(Request::get(uri).body(Body::empty()).unwrap()).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["hits"].as_array().unwrap().len(), 2, "{v}");
}

#[tokio::test]
async fn malformed_requests_get_4xx_with_error_body() {
    let cases = vec![
        (
            post("/v1/ask", "{not json", true),
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            post("/v1/ask", r#"{"txt":"x"}"#, true),
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            post("/v1/ask", r#"{"text":"   "}"#, true),
            StatusCode::BAD_REQUEST,
            "empty_text",
        ),
        (
            post("/v1/ask", r#"{"text":"x"}"#, false),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            post(
                "/v1/ask",
                &format!(r#"{{"text":"{}"}}"#, "保".repeat(3000)),
                true,
            ),
            StatusCode::BAD_REQUEST,
            "text_too_long",
        ),
        (
            post(
                "/v1/ask",
                &format!(r#"{{"text":"{}"}}"#, "a".repeat(100_000)),
                true,
            ),
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
        ),
        (
            Request::get("/v1/search").body(Body::empty()).unwrap(),
            StatusCode::BAD_REQUEST,
            "empty_text",
        ),
        (
            Request::get("/v1/search?q=a&limit=0")
                .body(Body::empty())
                .unwrap(),
            StatusCode::BAD_REQUEST,
            "invalid_limit",
        ),
        (
            Request::get("/v1/search?q=a&limit=abc")
                .body(Body::empty())
                .unwrap(),
            StatusCode::BAD_REQUEST,
            "invalid_query",
        ),
        (
            Request::get("/nope").body(Body::empty()).unwrap(),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
    ];
    for (req, status, code) in cases {
        let uri = req.uri().to_string();
        let (s, v) = call(req).await;
        assert_eq!(s, status, "{uri}: {v}");
        assert_eq!(v["error"]["code"], code, "{uri}: {v}");
        assert!(v["error"]["message"].is_string());
    }
}

#[tokio::test]
async fn serves_over_a_real_loopback_socket() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, app(state())).await });
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut buf = Vec::new();
    stream.read_to_end(&mut buf).await.unwrap();
    let text = String::from_utf8_lossy(&buf);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(text.contains("\"status\":\"ok\""));
    server.abort();
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
