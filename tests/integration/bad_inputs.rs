//! The bad-input corpus (`tests/bad_inputs.toml`) against the binary's `ask --jsonl` and
//! `chat --jsonl`, and against `POST /v1/chat`, `GET /v1/search`, every field of every
//! `POST /v1/calc/{kind}` through `app(state)`: each case gets a clear error or a polite reply,
//! never a panic or a 5xx, and `/healthz` answers 200 afterwards. The Telegram adapter runs the
//! same corpus in `tests/integration/telegram/bad_inputs.rs`.

use crate::common::{repo_answerer, repo_index, repo_knowledge};
use crate::corpus::{corpus, Case};
use assert_cmd::Command;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use bujiao::answer::Answerer;
use bujiao::bot::{Bot, MAX_TEXT_CHARS};
use bujiao::channels::http::{app, AppState};
use bujiao::dialogue::{Engine, STATE_VERSION};
use bujiao::session::{MemoryStore, Sessions};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use std::sync::Arc;
use tower::ServiceExt;

/// The case as a JSON string; invalid UTF-8 goes in raw (so the JSON is invalid UTF-8 too).
fn json_value(case: &Case) -> Vec<u8> {
    match case.text() {
        Some(t) => serde_json::to_vec(t).unwrap(),
        None => [&b"\""[..], &case.bytes, b"\""].concat(),
    }
}

/// `{"text": <case>}` (plus `extra` fields first) as JSON bytes.
fn json_line(extra: &str, case: &Case) -> Vec<u8> {
    [
        format!("{{{extra}\"text\":").as_bytes(),
        &json_value(case),
        b"}",
    ]
    .concat()
}

/// A reply is a clear error or a polite reply: it has a kind and some text; `expect` pins which.
fn check_reply(case: &Case, r: &Value, surface: &str) {
    let kind = r["kind"]
        .as_str()
        .unwrap_or_else(|| panic!("{surface} {:?}: {r}", case.name));
    let text = r["text"].as_str().unwrap_or_default();
    assert!(
        !text.trim().is_empty(),
        "{surface} {:?}: empty reply {r}",
        case.name
    );
    // A turn that panicked is answered with the internal-error reply: a bug, not a refusal.
    assert!(
        !text.contains("系统暂时出了点问题"),
        "{surface} {:?}: {r}",
        case.name
    );
    // Nothing of the input is echoed back unescaped into a reply meant for a page.
    assert!(!text.contains("<script"), "{surface} {:?}: {r}", case.name);
    match (case.expect.as_deref(), case.text()) {
        (_, None) => assert_eq!(kind, "error", "{surface} {:?}: {r}", case.name),
        (Some("error"), _) => assert_eq!(kind, "error", "{surface} {:?}: {r}", case.name),
        (Some("reply"), _) => assert_ne!(kind, "error", "{surface} {:?}: {r}", case.name),
        _ => {}
    }
}

fn bujiao() -> Command {
    let mut c = Command::cargo_bin("bujiao").unwrap();
    c.env("BUJIAO_KNOWLEDGE_DIR", repo_knowledge())
        .env("BUJIAO_INDEX_DIR", repo_index())
        .env_remove("BUJIAO_DATA_DIR");
    c
}

fn run_jsonl(args: &[&str], input: Vec<u8>) -> Vec<Value> {
    let out = bujiao().args(args).write_stdin(input).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{args:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn corpus_through_ask_and_chat_jsonl() {
    let cases = corpus();
    let mut ask = Vec::new();
    let mut chat = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        ask.extend(json_line("", c));
        ask.push(b'\n');
        // Every case twice in its own conversation: the second turn loads what the first saved.
        for _ in 0..2 {
            chat.extend(json_line(&format!("\"session\":\"bad-{i}\","), c));
            chat.push(b'\n');
        }
    }
    let replies = run_jsonl(&["ask", "--jsonl"], ask);
    assert_eq!(replies.len(), cases.len(), "line N answers line N");
    for (c, r) in cases.iter().zip(&replies) {
        check_reply(c, r, "ask --jsonl");
    }
    let replies = run_jsonl(&["chat", "--jsonl", "--sessions", "memory"], chat);
    assert_eq!(replies.len(), 2 * cases.len(), "line N answers line N");
    for (i, c) in cases.iter().enumerate() {
        check_reply(c, &replies[2 * i], "chat --jsonl");
        check_reply(c, &replies[2 * i + 1], "chat --jsonl (again)");
    }
}

fn router() -> Router {
    let answerer = Arc::new(Answerer::new_shared(repo_answerer().snapshot()));
    let sessions = Sessions::new(Arc::new(MemoryStore::new()), STATE_VERSION);
    let bot = Arc::new(Bot::new(Engine::new(answerer, sessions)));
    app(AppState::new(bot).with_cors_origins(vec![]))
}

async fn send(router: &Router, req: Request<Body>) -> (StatusCode, Value) {
    let res = router.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    let v = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
    (status, v)
}

/// Not a 5xx; a 4xx carries the error contract with a message.
fn check_status(case: &str, surface: &str, status: StatusCode, v: &Value) {
    assert!(
        !status.is_server_error(),
        "{surface} {case:?}: {status} {v}"
    );
    if status.is_client_error() {
        let msg = v["error"]["message"].as_str().unwrap_or_default();
        assert!(
            v["error"]["code"].is_string() && !msg.is_empty(),
            "{surface} {case:?}: {status} {v}"
        );
    } else {
        assert_eq!(status, StatusCode::OK, "{surface} {case:?}: {v}");
    }
}

fn post(uri: &str, body: Vec<u8>) -> Request<Body> {
    Request::post(uri)
        .header("content-type", "application/json")
        .body(Body::from(body))
        .unwrap()
}

fn percent(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (*b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test]
async fn corpus_through_chat_and_search_routes() {
    let router = router();
    let cases = corpus();
    for (i, c) in cases.iter().enumerate() {
        let body = json_line(&format!("\"session\":\"bad-{i}\","), c);
        for _ in 0..2 {
            let (status, v) = send(&router, post("/v1/chat", body.clone())).await;
            check_status(&c.name, "POST /v1/chat", status, &v);
            if status == StatusCode::OK {
                check_reply(c, &v, "POST /v1/chat");
            } else {
                // Refused before the bot: only what the bot would refuse too.
                assert_ne!(c.expect.as_deref(), Some("reply"), "{:?}: {v}", c.name);
            }
        }
        let (status, v) = send(&router, post("/v1/ask", json_line("", c))).await;
        check_status(&c.name, "POST /v1/ask", status, &v);
        let uri = format!("/v1/search?q={}", percent(&c.bytes));
        let (status, v) = send(&router, Request::get(uri).body(Body::empty()).unwrap()).await;
        check_status(&c.name, "GET /v1/search", status, &v);
        if status == StatusCode::OK {
            assert!(v["hits"].is_array(), "{:?}: {v}", c.name);
        }
        // The same text as a session id: refused or used, never a 5xx.
        if c.bytes.len() < 4096 {
            let body = [
                &b"{\"session\":"[..],
                &json_value(c),
                ",\"text\":\"社保\"}".as_bytes(),
            ]
            .concat();
            let (status, v) = send(&router, post("/v1/chat", body)).await;
            check_status(&c.name, "POST /v1/chat (as session)", status, &v);
        }
    }
    let (status, _) = send(
        &router,
        Request::get("/healthz").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

/// A valid request per calculator: each case replaces one field in turn.
fn calc_baselines() -> Vec<(&'static str, Value, Vec<&'static str>)> {
    vec![
        (
            "contribution",
            json!({"base": "5000", "rate": "20%", "months": "3"}),
            vec![
                "base",
                "rate",
                "months",
                "region",
                "insurance",
                "category",
                "annual_amount",
                "as_of",
            ],
        ),
        (
            "contribution",
            json!({"region": "天津", "insurance": "医疗", "category": "城乡居民", "months": "12", "annual_amount": "400"}),
            vec!["annual_amount", "months", "as_of", "region"],
        ),
        (
            "late-fee",
            json!({"amount": "10000", "days": "30"}),
            vec!["amount", "days"],
        ),
        (
            "late-fee",
            json!({"amount": "10000", "from": "2024-01-15", "to": "2024-03-01"}),
            vec!["amount", "from", "to"],
        ),
        (
            "late-fee",
            json!({"monthly": "1000", "months": "2024-01至2024-06", "to": "2024-09-01"}),
            vec!["monthly", "months", "to"],
        ),
        (
            "retiree-topup",
            json!({"region": "天津", "gender": "女", "paid_years": "15", "base": "5000", "rate": "10%"}),
            vec![
                "region",
                "gender",
                "paid_years",
                "deemed_years",
                "base",
                "rate",
                "as_of",
            ],
        ),
        (
            "waiting-period",
            json!({"category": "resident", "gap_years": 2, "years_repaid": 1, "pay_date": "2026-01-10"}),
            vec!["category", "region", "pay_date"],
        ),
        (
            "waiting-period",
            json!({"category": "employee", "region": "宜昌", "gap_from": "2025-01-01", "pay_date": "2025-02-10"}),
            vec!["gap_from", "pay_date", "region"],
        ),
    ]
}

/// The whole-number fields, with values at and past their type's limits.
fn whole_fields() -> Vec<(&'static str, Value, &'static str)> {
    let late = json!({"monthly": "1000", "months": "2024-01至2024-06", "to": "2024-09-01"});
    let retiree = json!({"region": "天津", "gender": "女", "paid_years": "15", "base": "5000", "rate": "10%"});
    let resident = json!({"category": "resident", "gap_years": 2, "years_repaid": 1, "pay_date": "2026-01-10"});
    let employee = json!({"category": "employee", "region": "宜昌", "pay_date": "2025-02-10"});
    vec![
        ("late-fee", late, "due_day"),
        ("retiree-topup", retiree, "required_years"),
        ("waiting-period", resident.clone(), "gap_years"),
        ("waiting-period", resident, "years_repaid"),
        ("waiting-period", employee.clone(), "gap_days"),
        ("waiting-period", employee, "gap_months"),
    ]
}

#[tokio::test]
async fn corpus_through_every_calculator_field() {
    let router = router();
    let cases = corpus();
    let mut n = 0;
    let mut seen_kinds = std::collections::HashSet::new();
    for (kind, base, fields) in calc_baselines() {
        let uri = format!("/v1/calc/{kind}");
        let (status, v) = send(&router, post(&uri, base.to_string().into_bytes())).await;
        assert_eq!(status, StatusCode::OK, "baseline {kind} {base}: {v}");
        // Values aimed at the calculators go into every field of every baseline; the other
        // cases (markup, scripts, invisible characters…) into the fields of the first baseline
        // of each calculator, which keeps the test to a few seconds.
        let first = seen_kinds.insert(kind);
        for field in fields {
            for c in cases.iter().filter(|c| first || c.calc_only) {
                let mut body = base.clone();
                body.as_object_mut().unwrap().remove(field);
                // `{…the other fields…, "field": <case>}`
                let mut bytes = body.to_string().into_bytes();
                bytes.pop();
                if bytes.len() > 1 {
                    bytes.push(b',');
                }
                bytes.extend(format!("\"{field}\":").as_bytes());
                bytes.extend(json_value(c));
                bytes.push(b'}');
                let (status, v) = send(&router, post(&uri, bytes)).await;
                check_status(&c.name, &format!("POST {uri} {field}"), status, &v);
                n += 1;
            }
        }
    }
    let bad_wholes = [
        json!(0),
        json!(31),
        json!(32),
        json!(4294967295u64),
        json!(4294967296u64),
        json!(-1),
        json!(1e308),
        json!(18446744073709551615u64),
        json!("九十九"),
        json!("9".repeat(10_000)),
        json!(null),
        json!([1]),
    ];
    for (kind, base, field) in whole_fields() {
        let uri = format!("/v1/calc/{kind}");
        for value in &bad_wholes {
            let mut body = base.clone();
            body[field] = value.clone();
            let (status, v) = send(&router, post(&uri, body.to_string().into_bytes())).await;
            check_status(
                &value.to_string(),
                &format!("POST {uri} {field}"),
                status,
                &v,
            );
            n += 1;
        }
    }
    assert!(n > 900, "{n} requests");
    let (status, _) = send(
        &router,
        Request::get("/healthz").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

#[test]
fn the_corpus_covers_the_limits() {
    let cases = corpus();
    let chars = |c: &Case| c.text().map(|t| t.chars().count());
    assert!(cases.iter().any(|c| chars(c) == Some(MAX_TEXT_CHARS)));
    assert!(cases.iter().any(|c| chars(c) == Some(MAX_TEXT_CHARS + 1)));
    assert!(cases.iter().any(|c| c.text().is_none()));
    assert!(cases.iter().any(|c| c.bytes.len() >= 10_000));
}
