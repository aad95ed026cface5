//! The HTTP API through `app(state)` with `oneshot`, plus one request over a real loopback socket.

use crate::common::repo_answerer;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use bujiao::answer::Answerer;
use bujiao::bot::Bot;
use bujiao::channels::http::{app, AppState};
use bujiao::dialogue::{Engine, STATE_VERSION};
use bujiao::session::{MemoryStore, Sessions};
use http_body_util::BodyExt;
use serde_json::Value;
use std::sync::Arc;
use tower::ServiceExt;

fn state() -> AppState {
    // Share the process-wide snapshot; sessions in memory.
    let answerer = Arc::new(Answerer::new_shared(repo_answerer().snapshot()));
    let sessions = Sessions::new(Arc::new(MemoryStore::new()), STATE_VERSION);
    AppState::new(Arc::new(Bot::new(Engine::new(answerer, sessions))))
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
async fn ask_runs_a_complete_calculation_in_one_shot() {
    let body = r#"{"text":"灵活就业,基数3000,按20%补缴养老保险6个月"}"#;
    let (s, v) = call(post("/v1/ask", body, true)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["kind"], "result", "{v}");
    assert_eq!(v["result"]["total"], "3600.00");
}

#[tokio::test]
async fn chat_keeps_state_per_session() {
    let router = app(state());
    let send = |session: &str, text: &str| {
        let body = serde_json::json!({"session": session, "text": text}).to_string();
        router.clone().oneshot(post("/v1/chat", &body, true))
    };
    let to_json = |res: axum::response::Response| async move {
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        serde_json::from_slice::<Value>(&bytes).unwrap()
    };
    let v = to_json(send("s1", "欠了一万社保费，滞纳金怎么算").await.unwrap()).await;
    assert_eq!(v["kind"], "ask", "{v}");
    assert_eq!(v["slot"], "days");
    let v = to_json(send("s2", "晚了30天").await.unwrap()).await;
    assert_ne!(
        v["kind"], "result",
        "another session must not see s1's amount: {v}"
    );
    let v = to_json(send("s1", "晚了30天").await.unwrap()).await;
    assert_eq!(v["kind"], "result", "{v}");
    assert_eq!(v["result"]["total"], "150.00");
    let (s, v) = call(post("/v1/chat", r#"{"session":"","text":"你好"}"#, true)).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"]["code"], "invalid_session");
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

#[tokio::test]
async fn readyz_reports_index_and_session_store() {
    let (s, v) = call(Request::get("/readyz").body(Body::empty()).unwrap()).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "ready");
    assert_eq!(v["sessions"], "ok");
    assert!(v["entries"].as_u64().unwrap() > 0);
}

#[tokio::test]
async fn press_continues_the_conversation_by_option_id() {
    let app = app(state());
    let send = |req: Request<Body>| {
        let app = app.clone();
        async move {
            let res = app.oneshot(req).await.unwrap();
            let status = res.status();
            let bytes = res.into_body().collect().await.unwrap().to_bytes();
            (status, serde_json::from_slice::<Value>(&bytes).unwrap())
        }
    };
    let (s, v) = send(post(
        "/v1/chat",
        r#"{"session":"p","text":"我想算滞纳金"}"#,
        true,
    ))
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["slot"], "amount", "{v}");
    let (_, v) = send(post(
        "/v1/chat",
        r#"{"session":"p","text":"10000元"}"#,
        true,
    ))
    .await;
    assert_eq!(v["slot"], "days", "{v}");
    let (s, v) = send(post(
        "/v1/press",
        r#"{"session":"p","option":"say:30天"}"#,
        true,
    ))
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["kind"], "result", "{v}");
    assert_eq!(v["result"]["total"], "150.00", "{v}");
    let (s, v) = send(post("/v1/press", r#"{"session":"p","option":""}"#, true)).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"]["code"], "invalid_option");
}

#[tokio::test]
async fn wrong_method_gets_the_json_error_contract() {
    let (s, v) = call(Request::get("/v1/chat").body(Body::empty()).unwrap()).await;
    assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(v["error"]["code"], "method_not_allowed", "{v}");
}
