//! The routes the web pages stand on (#12): pages and assets with their headers, the filtered
//! staff search, entries in full, the calculators, feedback, metrics, CORS and the error contract,
//! through `app(state)` with `oneshot`, plus a smoke test of `server::run_on` over a real socket.

use crate::common::{fixture_kb, repo_answerer, write};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::response::Response;
use bujiao::answer::Answerer;
use bujiao::bot::{Bot, BotConfig};
use bujiao::channels::http::{app, build_hash, AppState, CSP};
use bujiao::config::Paths;
use bujiao::dialogue::{Engine, STATE_VERSION};
use bujiao::session::{MemoryStore, Sessions};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use std::sync::Arc;
use tower::ServiceExt;

fn repo_bot() -> Arc<Bot> {
    let answerer = Arc::new(Answerer::new_shared(repo_answerer().snapshot()));
    let sessions = Sessions::new(Arc::new(MemoryStore::new()), STATE_VERSION);
    Arc::new(Bot::new(Engine::new(answerer, sessions)))
}

fn state() -> AppState {
    AppState::new(repo_bot()).with_cors_origins(vec![])
}

async fn send(state: AppState, req: Request<Body>) -> Response {
    app(state).oneshot(req).await.unwrap()
}

async fn body_text(res: Response) -> String {
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8_lossy(&bytes).into_owned()
}

async fn call(req: Request<Body>) -> (StatusCode, Value) {
    let res = send(state(), req).await;
    let status = res.status();
    let v = serde_json::from_str(&body_text(res).await).unwrap_or(Value::Null);
    (status, v)
}

fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

fn post_json(uri: &str, body: &Value) -> Request<Body> {
    Request::post(uri)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

fn enc(s: &str) -> String {
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

fn assert_error(status: StatusCode, v: &Value, want: StatusCode, code: &str) {
    assert_eq!(status, want, "{v}");
    assert_eq!(v["error"]["code"], code, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{v}"
    );
}

#[tokio::test]
async fn pages_are_served_with_a_strict_policy_and_hashed_assets() {
    for (path, script) in [("/", "chat.js"), ("/console", "console.js")] {
        let res = send(state(), get(path)).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        let h = res.headers().clone();
        assert!(h[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
        assert_eq!(h[header::CONTENT_SECURITY_POLICY], CSP);
        assert!(!CSP.contains("unsafe-inline") && CSP.contains("script-src 'self'"));
        assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(h[header::REFERRER_POLICY], "no-referrer");
        assert_eq!(h[header::CACHE_CONTROL], "no-cache");
        let etag = h[header::ETAG].to_str().unwrap().to_string();
        let html = body_text(res).await;
        assert!(
            html.contains(&format!("/assets/{script}?v={}", build_hash())),
            "{html}"
        );
        assert!(!html.contains("{{v}}"));
        // No inline script: every <script> names a source.
        assert_eq!(
            html.matches("<script").count(),
            html.matches("<script src=").count()
        );
        assert!(
            !html.contains("http://") && !html.contains("https://"),
            "nothing from elsewhere"
        );
        let again = Request::get(path)
            .header(header::IF_NONE_MATCH, &etag)
            .body(Body::empty())
            .unwrap();
        assert_eq!(
            send(state(), again).await.status(),
            StatusCode::NOT_MODIFIED
        );
    }
    let res = send(state(), get(&format!("/assets/chat.js?v={}", build_hash()))).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()[header::CACHE_CONTROL]
        .to_str()
        .unwrap()
        .contains("immutable"));
    assert!(res.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/javascript"));
    let res = send(state(), get("/assets/app.css?v=stale")).await;
    assert_eq!(res.headers()[header::CACHE_CONTROL], "no-cache");
    let (s, v) = call(get("/assets/nope.js")).await;
    assert_error(s, &v, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn welcome_offers_examples_and_calculators() {
    let (s, v) = call(get("/v1/welcome")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["kind"], "info");
    let ids: Vec<&str> = v["choices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert!(ids.iter().any(|i| i.starts_with("say:")), "{v}");
    assert!(ids.contains(&"calc:late-fee"), "{v}");
}

#[tokio::test]
async fn search_filters_and_marks() {
    let q = enc("灵活就业补缴养老保险");
    let (s, v) = call(get(&format!("/v1/search?q={q}&limit=10"))).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let hits = v["hits"].as_array().unwrap();
    assert!(!hits.is_empty());
    for h in hits {
        for k in [
            "id", "kind", "title", "score", "snippet", "regions", "sources", "updated",
        ] {
            assert!(h.get(k).is_some(), "{k} missing: {h}");
        }
        let snip = h["snippet"].as_str().unwrap();
        assert!(!snip.contains("<b>"), "{snip}");
        assert_eq!(
            snip.matches("<mark>").count(),
            snip.matches("</mark>").count()
        );
        let unmarked = snip.replace("<mark>", "").replace("</mark>", "");
        assert!(!unmarked.contains('<') && !unmarked.contains('>'), "{snip}");
    }
    assert!(hits
        .iter()
        .any(|h| h["snippet"].as_str().unwrap().contains("<mark>")));
    assert!(hits
        .iter()
        .flat_map(|h| h["sources"].as_array().unwrap())
        .all(|s| s["title"].is_string() && s["id"].is_string()));

    let (s, v) = call(get(&format!("/v1/search?q={q}&region={}", enc("北京市")))).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    for h in v["hits"].as_array().unwrap() {
        let regions = h["regions"].as_array().unwrap();
        assert!(
            regions.is_empty() || regions.iter().any(|r| r == "北京"),
            "{h}"
        );
    }
    let (s, v) = call(get(&format!("/v1/search?q={q}&kind=law"))).await;
    assert_eq!(s, StatusCode::OK);
    assert!(v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .all(|h| h["kind"] == "law"));
    let (s, v) = call(get(&format!(
        "/v1/search?q={q}&insurance=medical&audience=flexible"
    )))
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(v["hits"].as_array().unwrap().len() <= 10);

    let (s, v) = call(get(&format!("/v1/search?q={q}&region={}", enc("火星")))).await;
    assert_error(s, &v, StatusCode::BAD_REQUEST, "unknown_region");
    assert_eq!(v["error"]["field"], "region");
    let (s, v) = call(get(&format!("/v1/search?q={q}&insurance=car"))).await;
    assert_error(s, &v, StatusCode::BAD_REQUEST, "invalid_filter");
    let (s, v) = call(get(&format!("/v1/search?q={q}&kind=poem"))).await;
    assert_error(s, &v, StatusCode::BAD_REQUEST, "invalid_filter");
    let (s, v) = call(get("/v1/filters")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        v["regions"].as_array().unwrap().iter().any(|r| r == "北京"),
        "{v}"
    );
}

#[tokio::test]
async fn entries_in_full_with_local_versions_and_editions() {
    let kb = &repo_answerer().snapshot().kb;
    let local = kb
        .faqs
        .iter()
        .find(|f| !f.localizes.is_empty() && f.status == bujiao::knowledge::Status::Published)
        .expect("a local version in the corpus");
    let national = &local.localizes[0];
    let (s, v) = call(get(&format!("/v1/faq/{national}"))).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    for k in [
        "question",
        "similar",
        "answer",
        "sources",
        "regions",
        "effective",
        "updated",
        "plain",
    ] {
        assert!(v.get(k).is_some(), "{k}: {v}");
    }
    assert!(v["similar"].as_array().unwrap().len() >= 4);
    assert!(v["sources"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["title"].is_string()));
    assert!(
        v["local_versions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["id"] == local.id.as_str()),
        "{v}"
    );
    assert_eq!(v["superseded"], false);
    let (_, lv) = call(get(&format!("/v1/faq/{}", local.id))).await;
    assert!(lv["localizes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l["id"] == national.as_str()));

    if let Some(newer) = kb.faqs.iter().find(|f| !f.supersedes.is_empty()) {
        let (s, v) = call(get(&format!("/v1/faq/{}", newer.supersedes[0]))).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v["superseded"], true, "{v}");
        assert!(v["superseded_by"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["id"] == newer.id.as_str()));
    }
    // Laws and articles open the same way.
    let (s, v) = call(get("/v1/faq/SIL-86")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["kind"], "law");
    let (s, v) = call(get("/v1/faq/no-such-entry")).await;
    assert_error(s, &v, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn calculators_take_the_cli_inputs_and_return_the_cli_json() {
    let policies = repo_answerer().snapshot().kb.policy_set.clone().unwrap();
    let cli = bujiao::channels::calc_cli::late_fee(
        &bujiao::channels::calc_cli::LateFeeArgs {
            amount: Some("10000".into()),
            days: Some("30".into()),
            ..Default::default()
        },
        &policies,
    )
    .unwrap();
    let (s, v) = call(post_json(
        "/v1/calc/late-fee",
        &json!({"amount": 10000, "days": "30"}),
    ))
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v, serde_json::to_value(&cli).unwrap());
    assert_eq!(v["total"], "150.00");

    let body = json!({"base": "3000", "rate": "20%", "months": 6, "category": "flexible", "insurance": "pension"});
    let (s, v) = call(post_json("/v1/calc/contribution", &body)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["total"], "3600.00");
    let (s, v) = call(post_json(
        "/v1/calc/waiting-period",
        &json!({"category": "resident", "gap_years": 2, "years_repaid": 1}),
    ))
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["kind"], "waiting_period");

    let (s, v) = call(post_json("/v1/calc/late-fee", &json!({"days": 30}))).await;
    assert_error(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "missing_input");
    assert_eq!(v["error"]["field"], "amount");
    assert!(v["error"]["message"].as_str().unwrap().contains("amount"));
    let (s, v) = call(post_json(
        "/v1/calc/retiree-topup",
        &json!({"region": "天津", "gender": "female"}),
    ))
    .await;
    assert_error(s, &v, StatusCode::UNPROCESSABLE_ENTITY, "missing_input");
    assert_eq!(v["error"]["field"], "paid_years");
    let (s, v) = call(post_json(
        "/v1/calc/late-fee",
        &json!({"amount": "很多", "days": 30}),
    ))
    .await;
    assert_error(s, &v, StatusCode::BAD_REQUEST, "invalid_input");
    assert_eq!(v["error"]["field"], "amount");
    let (s, v) = call(post_json(
        "/v1/calc/late-fee",
        &json!({"amount": 100, "days": -3}),
    ))
    .await;
    assert_error(s, &v, StatusCode::BAD_REQUEST, "invalid_input");
    let (s, v) = call(post_json(
        "/v1/calc/late-fee",
        &json!({"amount": 100, "dayz": 3}),
    ))
    .await;
    assert_error(s, &v, StatusCode::BAD_REQUEST, "invalid_input");
    let (s, v) = call(post_json("/v1/calc/late-fee", &json!([1, 2]))).await;
    assert_error(s, &v, StatusCode::BAD_REQUEST, "invalid_json");
    let (s, v) = call(post_json("/v1/calc/horoscope", &json!({}))).await;
    assert_error(s, &v, StatusCode::NOT_FOUND, "unknown_calculator");
    let (s, v) = call(get("/v1/calc/late-fee")).await;
    assert_error(s, &v, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
}

#[tokio::test]
async fn malformed_bodies_are_4xx_with_the_error_contract() {
    let raw = |uri: &str, ct: Option<&str>, body: String| {
        let mut b = Request::post(uri);
        if let Some(ct) = ct {
            b = b.header("content-type", ct);
        }
        b.body(Body::from(body)).unwrap()
    };
    let json_ct = Some("application/json");
    let cases = vec![
        (
            raw("/v1/calc/late-fee", json_ct, "{".into()),
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            raw("/v1/calc/late-fee", Some("text/plain"), "{}".into()),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            raw(
                "/v1/calc/late-fee",
                json_ct,
                format!(r#"{{"amount":"{}"}}"#, "1".repeat(70_000)),
            ),
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
        ),
        (
            raw("/v1/feedback", json_ct, r#"{"session":"s"}"#.into()),
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            raw(
                "/v1/feedback",
                json_ct,
                json!({"useful": true, "question": "保".repeat(2001)}).to_string(),
            ),
            StatusCode::BAD_REQUEST,
            "text_too_long",
        ),
        (
            raw(
                "/v1/press",
                json_ct,
                json!({"session": "s", "option": ""}).to_string(),
            ),
            StatusCode::BAD_REQUEST,
            "invalid_option",
        ),
        (
            raw("/v1/reset", json_ct, json!({"session": ""}).to_string()),
            StatusCode::BAD_REQUEST,
            "invalid_session",
        ),
        (
            raw(
                "/v1/chat",
                json_ct,
                json!({"session": "x".repeat(200), "text": "你好"}).to_string(),
            ),
            StatusCode::BAD_REQUEST,
            "invalid_session",
        ),
        (
            raw("/v1/chat", None, "{}".into()),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            raw("/", None, String::new()),
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        ),
    ];
    for (req, status, code) in cases {
        let uri = req.uri().to_string();
        let (s, v) = call(req).await;
        assert!(s.is_client_error(), "{uri}: {s}");
        assert_error(s, &v, status, code);
    }
    for uri in ["/v1/faq/", "/v1/faq/%FF%FE", "/assets/%FF"] {
        let (s, v) = call(get(uri)).await;
        assert_error(s, &v, StatusCode::NOT_FOUND, "not_found");
    }
    let res = send(state(), get("/assets/app.css?v=1&v=2")).await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "a mangled version is only a cache miss"
    );
}

#[tokio::test]
async fn feedback_is_stored_masked_and_counted() {
    let answerer = Arc::new(Answerer::new_shared(repo_answerer().snapshot()));
    let sessions = Sessions::new(Arc::new(MemoryStore::new()), STATE_VERSION);
    let bot = Arc::new(Bot::new(Engine::new(answerer, sessions)));
    let st = AppState::new(bot.clone());
    let vote = |useful: bool| {
        post_json(
            "/v1/feedback",
            &json!({"session": "web:1", "entry": "late-fee-rate", "kind": "answer", "useful": useful,
                    "question": "我身份证110101199003071234，滞纳金多少"}),
        )
    };
    let res = send(st.clone(), vote(true)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = send(st.clone(), vote(false)).await;
    let v: Value = serde_json::from_str(&body_text(res).await).unwrap();
    assert_eq!(v["entry"], json!({"useful": 1, "not_useful": 1}), "{v}");
    // The "没用" is on the editors' unanswered list, masked, naming the entry found useless.
    let groups = bot
        .records()
        .unanswered(bujiao::records::UnansweredFilter {
            status: None,
            limit: 10,
        })
        .await
        .unwrap();
    assert_eq!(groups.len(), 1, "{groups:?}");
    assert!(!groups[0].text.contains("110101"), "{groups:?}");
    assert_eq!(groups[0].disliked, vec!["late-fee-rate"]);
    assert_eq!(groups[0].channels, vec!["http"]);
    let res = send(st, get("/v1/feedback")).await;
    let v: Value = serde_json::from_str(&body_text(res).await).unwrap();
    assert_eq!(v["total"]["useful"], 1);
    assert_eq!(v["entries"]["late-fee-rate"]["not_useful"], 1);
}

#[tokio::test]
async fn metrics_count_routes_replies_and_the_index() {
    let st = state();
    send(
        st.clone(),
        post_json(
            "/v1/chat",
            &json!({"session": "m1", "text": "医保断缴三个月还能补吗"}),
        ),
    )
    .await;
    send(
        st.clone(),
        post_json("/v1/ask", &json!({"text": "个税怎么交"})),
    )
    .await;
    send(st.clone(), get("/nope")).await;
    let res = send(st, get("/metrics")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let text = body_text(res).await;
    for needle in [
        "bujiao_http_requests_total{",
        "route=\"/v1/chat\"",
        "status=\"404\"",
        "bujiao_http_request_duration_seconds_bucket{",
        "bujiao_replies_total{kind=",
        "bujiao_fallbacks_total",
        "bujiao_sessions_active",
        "bujiao_index_info{generation=",
        "bujiao_index_entries",
        "bujiao_reloads_total",
    ] {
        assert!(text.contains(needle), "{needle} missing from:\n{text}");
    }
}

#[tokio::test]
async fn cors_is_off_unless_origins_are_listed() {
    let preflight = || {
        Request::options("/v1/chat")
            .header(header::ORIGIN, "https://partner.example")
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
            .body(Body::empty())
            .unwrap()
    };
    let res = send(state(), preflight()).await;
    assert!(res
        .headers()
        .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
        .is_none());
    let allowed = state().with_cors_origins(bujiao::channels::http::parse_origins(
        "https://partner.example/, https://other.example",
    ));
    let res = send(allowed.clone(), preflight()).await;
    assert_eq!(
        res.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN],
        "https://partner.example"
    );
    let other = Request::get("/healthz")
        .header(header::ORIGIN, "https://evil.example")
        .body(Body::empty())
        .unwrap();
    let res = send(allowed, other).await;
    assert!(res
        .headers()
        .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
        .is_none());
}

#[tokio::test]
async fn knowledge_markup_comes_back_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let kb = dir.path().join("knowledge");
    fixture_kb(&kb);
    write(
        &kb,
        "faq/script.toml",
        r#"
[[faq]]
id = "script-entry"
question = "脚本测试条目：欠费补缴滞纳金<script>"
similar = ["脚本条目一问", "脚本条目二问", "脚本条目三问", "脚本条目四问"]
answer = "滞纳金说明 <script>alert('x')</script> & <b>完</b>"
tags = ["滞纳金"]
insurance = "any"
audience = ["employer"]
regions = []
sources = ["law:SIL-86"]
effective = "2011-07-01"
updated = "2026-11-25"
status = "published"
"#,
    );
    let paths = Paths {
        knowledge: kb,
        index: dir.path().join("index"),
        data: dir.path().join("data"),
    };
    let bot = Arc::new(Bot::open(&BotConfig::new(paths, "memory")).await.unwrap());
    let st = AppState::new(bot);
    let res = send(
        st.clone(),
        get(&format!("/v1/search?q={}", enc("脚本测试条目 滞纳金"))),
    )
    .await;
    let v: Value = serde_json::from_str(&body_text(res).await).unwrap();
    let hit = v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["id"] == "script-entry")
        .unwrap_or_else(|| panic!("{v}"));
    let snip = hit["snippet"].as_str().unwrap();
    assert!(!snip.contains("<script") && !snip.contains("<b>"), "{snip}");
    assert!(
        snip.contains("&lt;script&gt;") || snip.contains("&lt;"),
        "{snip}"
    );
    // The entry itself is data: JSON strings, shown with textContent by the pages.
    let res = send(st, get("/v1/faq/script-entry")).await;
    let v: Value = serde_json::from_str(&body_text(res).await).unwrap();
    assert!(v["answer"].as_str().unwrap().contains("<script>"));
    // Fixture records (feedback among them) go to SQLite in the data dir.
    assert!(dir
        .path()
        .join("data")
        .join(bujiao::records::FILE_NAME)
        .exists());
}

#[tokio::test]
async fn run_on_serves_pages_and_api_over_a_real_socket() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(bujiao::server::run_on(listener, repo_bot(), async {
        let _ = rx.await;
    }));
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    for (path, needle) in [("/", "补缴咨询助手"), ("/v1/welcome", "\"kind\":\"info\"")] {
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let req = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        stream.write_all(req.as_bytes()).await.unwrap();
        let mut buf = Vec::new();
        stream.read_to_end(&mut buf).await.unwrap();
        let text = String::from_utf8_lossy(&buf);
        assert!(text.starts_with("HTTP/1.1 200"), "{text}");
        assert!(
            text.to_ascii_lowercase()
                .contains("content-security-policy"),
            "{text}"
        );
        assert!(text.contains(needle), "{path}: {text}");
    }
    tx.send(()).unwrap();
    server.await.unwrap().unwrap();
}

#[tokio::test]
async fn entries_past_their_expires_date_are_marked_expired() {
    let kb = &repo_answerer().snapshot().kb;
    let today = bujiao::china_time::today();
    let past = kb
        .faqs
        .iter()
        .find(|f| f.expires.is_some_and(|d| d < today))
        .expect("an entry past its expires date in the corpus");
    let (s, v) = call(get(&format!("/v1/faq/{}", past.id))).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["expired"], true, "{v}");
    let current = kb
        .faqs
        .iter()
        .find(|f| f.expires.is_none() && f.regions.is_empty())
        .expect("a national entry without an expiry");
    let (_, v) = call(get(&format!("/v1/faq/{}", current.id))).await;
    assert_eq!(v["expired"], false, "{v}");
}
